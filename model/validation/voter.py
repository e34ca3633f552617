"""The voter model (Clifford & Sudbury 1973; Holley & Liggett 1975): consensus time on the
complete graph."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.sweeps import sweep
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load, _se


def voter_exact_time(n: int, rho0: float) -> float:
    """Exact mean consensus time (sweeps) of the random-sequential voter model on K_n.

    The number of +1 citizens is a birth-death chain: per update it goes up with probability
    (n-k)/n · k/(n-1) and down with the same probability. Solve for the expected number of
    updates to absorption from k0 = round(ρ0 n) and divide by n. This is the finite-N value of
    the same model whose N → ∞ limit is the published formula.
    """
    k = np.arange(1, n)
    p = (n - k) / n * k / (n - 1)  # up = down
    # E_k = 1 + p E_{k+1} + p E_{k-1} + (1 - 2p) E_k, E_0 = E_n = 0
    size = n - 1
    a = np.zeros((size, size))
    idx = np.arange(size)
    a[idx, idx] = 2 * p
    a[idx[1:], idx[:-1]] = -p[1:]
    a[idx[:-1], idx[1:]] = -p[:-1]
    e = np.linalg.solve(a, np.ones(size))
    k0 = int(round(rho0 * n))
    return float(e[k0 - 1] / n)


def voter_formula_time(n: int, rho0: float) -> float:
    """Published mean-field consensus time in sweeps: -N[ρ ln ρ + (1 - ρ) ln(1 - ρ)]."""
    return -n * (rho0 * math.log(rho0) + (1 - rho0) * math.log(1 - rho0))


def voter_checks(runs: pd.DataFrame, n: int) -> list[Check]:
    checks = []
    for rho0, g in runs.groupby("population.positive_share"):
        up = (g["mean_opinion"] > 0).to_numpy(dtype=float)
        se = math.sqrt(rho0 * (1 - rho0) / up.size)
        checks.append(
            Check(
                claim=f"P(consensus on +1) at ρ0 = {rho0:g}",
                published=f"ρ0 = {rho0:g}",
                measured=f"{up.mean():.3f} ({up.size} runs)",
                tolerance=f"difference <= 3 binomial SE = {3 * se:.3f}",
                passed=abs(up.mean() - rho0) <= 3 * se,
            )
        )
    for rho0, g in runs.groupby("population.positive_share"):
        t = g["steps"].to_numpy(dtype=float)
        formula, exact = voter_formula_time(n, rho0), voter_exact_time(n, rho0)
        # the initial density is drawn (binomial), so the start k0 varies: the SE covers it
        tol = 3 * _se(t) + abs(exact - formula)
        checks.append(
            Check(
                claim=f"mean consensus time at ρ0 = {rho0:g}, N = {n}",
                published=f"{formula:.1f} sweeps (N→∞ formula); exact for N = {n}: {exact:.1f}",
                measured=f"{t.mean():.1f} ± {_se(t):.1f} sweeps",
                tolerance=f"difference to the formula <= 3 SE + (exact(N) - formula gap) "
                f"= {tol:.1f}",
                passed=abs(t.mean() - formula) <= tol,
            )
        )
    return checks


def voter(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "voter", replicates)
    runs = sweep(exp, jobs=jobs, progress=progress)
    n = exp.base.population.citizens
    result = CaseResult(
        key="voter",
        title="Voter model on the complete graph",
        model="`voter` rule, complete graph, binary initial opinions, stop at consensus",
        parameters=f"N = {n}, ρ0 ∈ {{0.2, 0.5, 0.8}}, {exp.replicates} replicates per ρ0; one "
        "step = one sweep of N updates",
        source="Clifford & Sudbury (1973); Holley & Liggett (1975); mean-field results as in "
        "Castellano, Fortunato & Loreto (2009), Rev. Mod. Phys. 81:591",
        runs=runs,
    )
    result.checks = voter_checks(runs, n)
    result.figure = _voter_figure(runs, n)
    return result


def _voter_figure(runs: pd.DataFrame, n: int) -> Figure:
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    g = runs.assign(up=runs["mean_opinion"] > 0).groupby("population.positive_share")
    p = g["up"].mean()
    se = np.sqrt(p.index * (1 - p.index) / g.size())
    ax1.plot([0, 1], [0, 1], color="0.5", label="published: ρ0")
    ax1.errorbar(p.index, p, yerr=2 * se, fmt="o", capsize=3, label="socialweb (± 2 SE)")
    ax1.set(xlabel="initial density ρ0", ylabel="P(consensus on +1)", title="Exit probability")
    ax1.legend()
    rho = np.linspace(0.05, 0.95, 50)
    ax2.plot(rho, [voter_formula_time(n, r) for r in rho], color="0.5", label="published formula")
    t = g["steps"]
    ax2.errorbar(
        t.mean().index, t.mean(), yerr=2 * t.sem(), fmt="o", capsize=3, label="socialweb (± 2 SE)"
    )
    ax2.set(
        xlabel="initial density ρ0", ylabel="sweeps to consensus", title=f"Consensus time, N = {n}"
    )
    ax2.legend()
    return fig
