"""The binary naming game with a committed minority (Xie et al. 2011): a committed share above
p_c ≈ 0.0979 tips the whole population; below it the majority holds."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter
from scipy.integrate import solve_ivp

from model.rng import replicate_seeds
from model.sim import SocialWebModel
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load, _se, series

PUBLISHED_PC = 0.0979  # Xie et al. 2011, PRE 84:011130: p_c ≈ 0.09789 (mean field)
AVERAGE_FROM = 50  # steps: the A-majority state is reached within ~20 steps (rate equations)


def rate_equations(t: float, y: np.ndarray, p: float) -> list[float]:
    """Xie et al.'s (2011) mean-field equations for the shares n_A and n_B of uncommitted agents
    holding only A or only B (n_AB = 1 - p - n_A - n_B), time in sweeps of N interactions:
    dn_A/dt = -n_A n_B - p n_A + n_A n_AB + n_AB², dn_B/dt = -n_A n_B + n_B n_AB + n_AB² +
    (3/2) p n_AB. (Derived again from the interaction rule in model.dynamics.kernels.
    naming_game_sweep, they come out the same.)"""
    a, b = y
    ab = 1.0 - p - a - b
    return [-a * b - p * a + a * ab + ab * ab, -a * b + b * ab + ab * ab + 1.5 * p * ab]


def _solve(p: float, until: float, events=None):
    return solve_ivp(
        rate_equations,
        (0.0, until),
        [1.0 - p, 0.0],
        args=(p,),
        method="LSODA",
        rtol=1e-10,
        atol=1e-12,
        events=events,
    )


@cache
def fixed_point_a(p: float) -> float:
    """n_A where the rate equations settle from the all-A start (0 above p_c)."""
    return float(_solve(p, 5000.0).y[0, -1])


@cache
def critical_share() -> float:
    """p_c of the rate equations by bisection: the largest p whose all-A start keeps n_A > 1/2."""
    lo, hi = 0.05, 0.15
    while hi - lo > 1e-7:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _solve(mid, 2e4).y[0, -1] > 0.5 else (lo, mid)
    return (lo + hi) / 2


def consensus_time(p: float, n: int) -> float:
    """Sweeps until the rate equations leave less than half an agent without only B."""

    def left(t, y, p):
        return (1.0 - p - y[1]) - 0.5 / n

    left.terminal = True
    sol = _solve(p, 1e4, events=left)
    return float(sol.t_events[0][0]) if sol.t_events[0].size else float("inf")


def shares(model: SocialWebModel) -> tuple[float, float]:
    """(share holding only A, share not holding only B) among all citizens."""
    x = model.population.x[: model.population.citizens, 0]
    return float(np.mean(x == -1.0)), float(np.mean(x != 1.0))


def naming_game(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "naming_game", replicates)
    n, steps = exp.base.population.citizens, exp.base.steps
    seeds = replicate_seeds(exp.seed, exp.replicates)
    scenarios = [exp.scenario_at(point) for point in exp.points()]
    every = series(scenarios, seeds, steps, shares, jobs=jobs)  # [point, replicate, step, 2]
    rows = []
    for sc, s in zip(scenarios, every, strict=True):
        p = sc.opinion.zealots.share_plus
        for r in range(len(seeds)):
            done = np.flatnonzero(s[r, :, 1] == 0.0)
            rows.append(
                {
                    "p": p,
                    "a_share": s[r, AVERAGE_FROM:, 0].mean(),
                    "final_a": s[r, -1, 0],
                    "consensus_step": float(done[0] + 1) if done.size else np.nan,
                }
            )
    runs = pd.DataFrame(rows)
    pc = critical_share()
    result = CaseResult(
        key="naming_game",
        title="Naming game with a committed minority",
        model="`naming_game` rule with `opinion.zealots.share_plus` (committed to B), complete "
        "graph, everyone else starts with A only, no parties",
        parameters=f"N = {n}, p ∈ {{{', '.join(f'{v:g}' for v in sorted(runs['p'].unique()))}}}"
        f"; {steps} steps of N interactions; {exp.replicates} replicates per p",
        source="Xie, Sreenivasan, Korniss, Zhang, Lim & Szymanski (2011), PRE 84:011130 "
        "(p_c ≈ 0.0979 and the mean-field equations); Castelló, Baronchelli & Loreto (2009)",
        runs=runs,
    )
    result.checks.append(
        Check(
            claim="tipping point of the mean-field equations the rule implies",
            published=f"p_c ≈ {PUBLISHED_PC}",
            measured=f"{pc:.5f} (bisection on the rate equations)",
            tolerance="equal to the published 4 decimals",
            passed=round(pc, 4) == PUBLISHED_PC,
        )
    )
    below = sorted(p for p in runs["p"].unique() if p < PUBLISHED_PC)
    above = sorted(p for p in runs["p"].unique() if p > PUBLISHED_PC)
    for p in below:
        g = runs[runs["p"] == p]
        a = g["a_share"].to_numpy()
        held = int((g["final_a"] > 0.5).sum())
        expected = fixed_point_a(p)
        result.checks.append(
            Check(
                claim=f"p = {p:g} < p_c: the A majority holds at the rate equations' fixed point",
                published=f"A majority survives; n_A* = {expected:.4f}",
                measured=f"{held}/{len(g)} runs keep n_A > 1/2; time-averaged n_A "
                f"{a.mean():.4f} ± {_se(a):.4f}",
                tolerance=f"all runs; |n_A - n_A*| <= 3 SE + 5/N = {3 * _se(a) + 5 / n:.4f} "
                "(finite N shifts a mean by O(1/N): van Kampen's system-size expansion)",
                passed=held == len(g) and abs(a.mean() - expected) <= 3 * _se(a) + 5 / n,
            )
        )
    for p in above:
        g = runs[runs["p"] == p]
        t = g["consensus_step"].to_numpy()
        reached = int(np.isfinite(t).sum())
        expected = consensus_time(p, n)
        t_ok = t[np.isfinite(t)]
        mean_t = t_ok.mean() if t_ok.size else float("nan")
        result.checks.append(
            Check(
                claim=f"p = {p:g} > p_c: everyone adopts B",
                published=f"consensus on B; rate equations: {expected:.1f} sweeps",
                measured=f"{reached}/{len(g)} runs reach it; {mean_t:.1f} ± {_se(t_ok):.1f} sweeps",
                tolerance=f"all runs; |mean - rate equations| <= 3 SE + 2 sweeps = "
                f"{3 * _se(t_ok) + 2:.1f} (the equations stop at half an agent left; the last "
                "agents convert by chance, about one sweep each once nearly all speak B)",
                passed=reached == len(g) and abs(mean_t - expected) <= 3 * _se(t_ok) + 2,
            )
        )
    result.figure = _figure(runs, n, pc)
    return result


def _figure(runs: pd.DataFrame, n: int, pc: float) -> Figure:
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    grid = np.linspace(0.02, 0.18, 81)
    ax1.plot(grid, [fixed_point_a(p) for p in grid], color="0.3", label="rate equations")
    g = runs.groupby("p")["a_share"]
    ax1.errorbar(
        g.mean().index,
        g.mean(),
        yerr=2 * g.sem(),
        fmt="o",
        capsize=3,
        label=f"socialweb, N = {n} (± 2 SE)",
    )
    ax1.axvline(PUBLISHED_PC, color="C3", ls=":", label=f"published p_c = {PUBLISHED_PC}")
    ax1.set(
        xlabel="committed share p",
        ylabel="share holding only A (late average)",
        title="Stationary majority",
    )
    ax1.legend(fontsize=8)
    above = grid[grid > pc]
    ax2.plot(above, [consensus_time(p, n) for p in above], color="0.3", label="rate equations")
    t = runs.dropna(subset=["consensus_step"]).groupby("p")["consensus_step"]
    if len(t):
        ax2.errorbar(
            t.mean().index,
            t.mean(),
            yerr=2 * t.sem().fillna(0),
            fmt="o",
            capsize=3,
            label=f"socialweb, N = {n} (± 2 SE)",
        )
    ax2.axvline(PUBLISHED_PC, color="C3", ls=":")
    ax2.set(
        xlabel="committed share p",
        ylabel="sweeps to consensus on B (log scale)",
        title="Time to tip",
        xlim=(0.02, 0.18),
        yscale="log",
    )
    ax2.yaxis.set_major_formatter(ScalarFormatter())
    ax2.yaxis.set_minor_formatter(NullFormatter())
    ax2.legend(fontsize=8)
    return fig
