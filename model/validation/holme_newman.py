"""The coevolving voter model (Holme & Newman 2006): rewiring toward like-minded citizens
against copying neighbours, and the fragmentation transition at φ_c ≈ 0.458."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from model.rng import replicate_seeds
from model.sim import SocialWebModel
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load, finals

PUBLISHED_PC = 0.458  # Holme & Newman 2006, mean degree 4, N/G = 10


def largest_community(model: SocialWebModel) -> tuple[float, float]:
    """(largest community's share of N, ties joining two opinions) at the end of a run.
    Communities are the connected components of the final network (Holme & Newman's
    definition: at the end each component holds one opinion)."""
    g = model.citizen_graph
    a = csr_matrix((np.ones(g.indices.size), g.indices, g.indptr), shape=(g.n, g.n))
    _, label = connected_components(a, directed=False)
    return np.bincount(label).max() / g.n, float(model.rule.discordant_ties())


def crossing(phi: np.ndarray, share: np.ndarray, level: float = 0.5) -> float:
    """φ where the mean largest-community share first falls below ``level`` (linear
    interpolation between grid points)."""
    below = np.flatnonzero(share < level)
    if below.size == 0 or below[0] == 0:
        return float("nan")
    k = below[0]
    return float(
        phi[k - 1] + (share[k - 1] - level) * (phi[k] - phi[k - 1]) / (share[k - 1] - share[k])
    )


def holme_newman(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "holme_newman", replicates)
    seeds = replicate_seeds(exp.seed, exp.replicates)
    scenarios = [exp.scenario_at(point) for point in exp.points()]
    out = finals(scenarios, seeds, largest_community, jobs=jobs)  # steps, share, discordant
    rows = [
        {"phi": sc.opinion.rewire_rate, "steps": r[0], "share": r[1], "discordant": r[2]}
        for sc, per in zip(scenarios, out, strict=True)
        for r in per
    ]
    runs = pd.DataFrame(rows)
    n = exp.base.population.citizens
    g = runs.groupby("phi")["share"]
    phi, mean = g.mean().index.to_numpy(), g.mean().to_numpy()
    est = crossing(phi, mean)
    result = CaseResult(
        key="holme_newman",
        title="Coevolving voter model (rewiring toward the like-minded)",
        model="`holme_newman` rule, Erdős–Rényi network, G = N/10 opinions, no parties",
        parameters=f"N = {n}, mean degree {exp.base.network.mean_degree:g}, G = "
        f"{exp.base.population.categories}, φ ∈ {{{', '.join(f'{v:g}' for v in phi)}}}; run until "
        f"no tie joins two opinions; {exp.replicates} replicates per φ",
        source="Holme & Newman (2006), PRE 74:056108 (φ_c ≈ 0.458 for mean degree 4, N/G = 10)",
        runs=runs,
    )
    ended = bool((runs["discordant"] == 0).all())
    low = runs[runs["phi"] <= 0.3]["share"]
    high = runs[runs["phi"] >= 0.6]["share"]
    result.checks = [
        Check(
            claim="every run reaches Holme & Newman's end state",
            published="no tie joins two opinions",
            measured=f"{int((runs['discordant'] == 0).sum())}/{len(runs)} runs",
            tolerance="all runs",
            passed=ended,
        ),
        Check(
            claim="φ well below φ_c: one community holds most citizens",
            published="giant community, size of order N",
            measured=f"largest share {low.min():.3f}-{low.max():.3f} at φ <= 0.3",
            tolerance="every run above 1/2",
            passed=bool((low > 0.5).all()),
        ),
        Check(
            claim="φ well above φ_c: only small communities",
            published=f"communities of order N/G = {n // exp.base.population.categories} citizens",
            measured=f"largest share {high.min():.4f}-{high.max():.4f} at φ >= 0.6",
            tolerance="every run below 1/10",
            passed=bool((high < 0.1).all()),
        ),
        Check(
            claim="where the largest community falls below half of the citizens",
            published=f"φ_c ≈ {PUBLISHED_PC}",
            measured=f"φ = {est:.3f} (mean share by φ: "
            + ", ".join(f"{p:g}: {m:.2f}" for p, m in zip(phi, mean, strict=True))
            + ")",
            tolerance="within ±0.05: at finite N the transition is rounded over a few hundredths",
            passed=abs(est - PUBLISHED_PC) <= 0.05,
        ),
    ]
    result.figure = _figure(runs, n)
    return result


def _figure(runs: pd.DataFrame, n: int) -> Figure:
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.subplots()
    ax.plot(runs["phi"], runs["share"], "o", color="C0", alpha=0.3, ms=4, label="one run")
    g = runs.groupby("phi")["share"]
    ax.errorbar(
        g.mean().index,
        g.mean(),
        yerr=2 * g.sem(),
        fmt="s-",
        color="C0",
        capsize=3,
        label="mean (± 2 SE)",
    )
    ax.axvline(PUBLISHED_PC, color="C3", ls=":", label=f"published φ_c ≈ {PUBLISHED_PC}")
    ax.set(
        xlabel="rewiring probability φ",
        ylabel="largest community / N",
        title=f"Coevolving voter model, N = {n}, mean degree 4, N/G = 10",
    )
    ax.legend(fontsize=8)
    return fig
