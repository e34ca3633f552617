"""Majority rule (Galam 2002; Krapivsky & Redner 2003): the mean-field rate equation of the
magnetisation, and a consensus time that grows as ln N."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from model.rng import replicate_seeds
from model.sim import SocialWebModel
from model.sweeps import sweep
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load, _se, series

TRAJECTORY_STEPS = 6  # steps of the trajectory check (m grows from 0.2 to ~0.97)


def rate_equation(m0: np.ndarray | float, t: np.ndarray | float) -> np.ndarray:
    """Solution of dm/dt = m(1 - m²)/2, the mean-field rate equation of majority rule with G = 3
    when one unit of time is N/3 group updates: m²/(1 - m²) = m0²/(1 - m0²)·e^t.

    From the update: a group of three holds two +1 and one -1 with probability 3ρ²(1 - ρ) (one
    -1 flips) and the reverse with 3ρ(1 - ρ)² (one +1 flips); N/3 groups per unit time give
    dρ/dt = ρ(1 - ρ)(2ρ - 1), i.e. dm/dt = m(1 - m²)/2 (Krapivsky & Redner 2003's mean-field
    equation in this time unit)."""
    m0 = np.asarray(m0, dtype=float)
    r = m0**2 / (1 - m0**2) * np.exp(t)
    return np.sign(m0) * np.sqrt(r / (1 + r))


def magnetisation(model: SocialWebModel) -> float:
    return float(model.population.x[: model.population.citizens, 0].mean())


def _initial_m(scenario, seed: int) -> float:
    return magnetisation(SocialWebModel(scenario, seed=seed, agents="parties"))


def majority(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "majority", replicates)
    # the trajectory: the base scenario (N = 2000, ρ0 = 0.6), TRAJECTORY_STEPS steps
    traj_sc = dataclasses.replace(exp.base, steps=TRAJECTORY_STEPS)
    seeds = replicate_seeds(exp.seed, exp.replicates)
    m = series(traj_sc, seeds, TRAJECTORY_STEPS, magnetisation, jobs=jobs)
    m0 = np.array([_initial_m(traj_sc, s) for s in seeds])
    t = np.arange(1, TRAJECTORY_STEPS + 1)
    gap = m - rate_equation(m0[:, None], t[None, :])  # per run: measured - rate equation
    runs = sweep(exp, jobs=jobs, progress=progress)
    n_traj = exp.base.population.citizens
    result = CaseResult(
        key="majority",
        title="Majority rule in groups of three",
        model="`majority` rule (group_size 3), complete graph, no parties",
        parameters=f"trajectory: N = {n_traj}, ρ0 = {exp.base.population.positive_share:g}, "
        f"{TRAJECTORY_STEPS} steps; consensus time: N ∈ {{64, 256, 1024}} from ρ0 = 0.5; "
        f"{exp.replicates} replicates each; one step = round(N/3) groups",
        source="Galam (2002), Eur. Phys. J. B 25:403; Krapivsky & Redner (2003), PRL 90:238701 "
        "(mean-field rate equation; T_N ∝ ln N)",
        runs=runs,
    )
    checks = []
    for k in (1, 3, 6):
        g = gap[:, k - 1]
        checks.append(
            Check(
                claim=f"magnetisation after {k} step(s), against the rate equation from each "
                "run's own m0",
                published="m(t): m²/(1 - m²) = m0²/(1 - m0²)·e^t",
                measured=f"mean gap {g.mean():+.4f} ± {_se(g):.4f} (m ≈ {m[:, k - 1].mean():.3f})",
                tolerance=f"|gap| <= 3 SE + 5/N = {3 * _se(g) + 5 / n_traj:.4f} (noise of order "
                "N^(-1/2) grows with m but averages out; finite N shifts the mean by O(1/N))",
                passed=abs(g.mean()) <= 3 * _se(g) + 5 / n_traj,
            )
        )
    # consensus time against ln N: slope 2 in these units
    by_n = runs.groupby("population.citizens")["steps"]
    ns = np.array(sorted(by_n.groups))
    means = by_n.mean().loc[ns].to_numpy()
    ses = by_n.sem().loc[ns].to_numpy()
    x = np.log(ns)
    w = 1 / ses**2
    xm = np.sum(w * x) / w.sum()
    slope = float(np.sum(w * (x - xm) * means) / np.sum(w * (x - xm) ** 2))
    slope_se = float(math.sqrt(1 / np.sum(w * (x - xm) ** 2)))
    reached = bool((runs["steps"] < exp.base.steps).all())
    checks.append(
        Check(
            claim="consensus time grows as ln N",
            published="T_N ∝ ln N; slope 2 against ln N in steps of N/3 groups (rate equation)",
            measured=", ".join(
                f"N {n}: {v:.1f} ± {s:.1f}" for n, v, s in zip(ns, means, ses, strict=True)
            )
            + f"; slope {slope:.2f} ± {slope_se:.2f}",
            tolerance=f"every run reaches consensus; |slope - 2| <= 3 SE = {3 * slope_se:.2f}",
            passed=reached and abs(slope - 2) <= 3 * slope_se,
        )
    )
    result.checks = checks
    result.figure = _figure(m, m0, ns, means, ses, n_traj)
    return result


def _figure(m, m0, ns, means, ses, n_traj) -> Figure:
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    t = np.arange(0, m.shape[1] + 1)
    grid = np.linspace(0, m.shape[1], 100)
    ax1.plot(
        grid, rate_equation(m0.mean(), grid), color="0.3", label="rate equation from the mean m0"
    )
    ax1.errorbar(
        t,
        np.r_[m0.mean(), m.mean(axis=0)],
        yerr=2 * np.r_[_se(m0), [_se(c) for c in m.T]],
        fmt="o",
        capsize=3,
        label=f"socialweb, N = {n_traj} (± 2 SE)",
    )
    ax1.set(xlabel="steps (N/3 groups each)", ylabel="magnetisation m", title="Trajectory")
    ax1.legend(fontsize=8)
    ax2.errorbar(ns, means, yerr=2 * ses, fmt="o", capsize=3, label="socialweb (± 2 SE)")
    lg = np.linspace(np.log(ns.min()), np.log(ns.max()), 50)
    ax2.plot(
        np.exp(lg),
        means.mean() + 2 * (lg - np.log(ns).mean()),
        color="0.3",
        label="slope 2 in ln N (rate equation)",
    )
    ax2.set(
        xscale="log",
        xlabel="citizens N",
        ylabel="steps to consensus",
        title="Consensus time from ρ0 = 1/2",
    )
    ax2.legend(fontsize=8)
    return fig
