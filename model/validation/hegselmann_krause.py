"""Hegselmann & Krause 2002: synchronous bounded confidence; the consensus threshold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.sweeps import sweep
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load, _se

HK_LOWER_BOUND = 0.191  # Wedin (2021): consensus proven for L = 1/ε <= 5.23 as N → ∞


def hk_threshold(p_consensus: pd.Series) -> float:
    """ε (on [0, 1]) where P(consensus) first crosses ½, by linear interpolation."""
    eps = p_consensus.index.to_numpy() / 2
    p = p_consensus.to_numpy()
    above = np.flatnonzero(p >= 0.5)
    if above.size == 0:
        return float("nan")
    k = above[0]
    if k == 0:
        return float(eps[0])
    return float(eps[k - 1] + (0.5 - p[k - 1]) * (eps[k] - eps[k - 1]) / (p[k] - p[k - 1]))


def hk_checks(runs: pd.DataFrame) -> list[Check]:
    runs = runs.assign(consensus=runs["largest_cluster"] >= 1.0)
    by_eps = runs.groupby("population.openness")
    p = by_eps["consensus"].mean()
    n = by_eps.size()
    at_25 = runs[np.isclose(runs["population.openness"], 0.5)]
    below = runs[np.isclose(runs["population.openness"], 0.38)]
    mode_below = int(below["clusters"].mode().iloc[0])
    eps_c = hk_threshold(p)
    return [
        Check(
            claim="consensus at ε = 0.25",
            published="consensus in every run (Hegselmann & Krause 2002; Lorenz 2006)",
            measured=f"{int(at_25['consensus'].sum())} of {len(at_25)} runs",
            tolerance="every run (all citizens in one cluster)",
            passed=bool(at_25["consensus"].all()),
        ),
        Check(
            claim="just below the threshold (ε = 0.19): two major clusters",
            published="two clusters (polarisation) below ε_c",
            measured=f"mode {mode_below}; mean {below['clusters'].mean():.2f} "
            f"± {_se(below['clusters']):.2f} over {len(below)} runs",
            tolerance="modal number of major clusters (>= 5 %) equal to 2",
            passed=mode_below == 2,
        ),
        Check(
            claim="consensus threshold ε_c (P(consensus) = ½) at N = 1000",
            published="≈ 0.2 (Fortunato 2005); consensus proven above 0.191 as N → ∞ "
            "(Wedin 2021); shifted and widened at finite N (Lorenz 2006)",
            measured=f"ε_c ≈ {eps_c:.3f} (P = "
            + ", ".join(f"{e / 2:.2f}: {v:.2f}" for e, v in p.items())
            + f"; "
            f"{int(n.min())} runs per ε)",
            tolerance=f"{HK_LOWER_BOUND} <= ε_c < 0.25: above the proven large-N bound and "
            "below the ε where every run reaches consensus; the grid step is 0.01",
            passed=bool(HK_LOWER_BOUND <= eps_c < 0.25),
        ),
    ]


# the confidence bounds (openness, = 2ε) and runs of the same-start comparison with the textbook
# update: clear of the consensus threshold, one of them with runs of hundreds of steps
TEXTBOOK_OPENNESS = (0.34, 0.42, 0.5)
TEXTBOOK_RUNS = 3


def textbook_hk(
    x0: np.ndarray, openness: float, tolerance: float, cap: int
) -> tuple[np.ndarray, int]:
    """Hegselmann & Krause's (2002) update written out directly, independent of the engine's
    sorted-window shortcut: every step, every agent at once takes the mean of all opinions
    within ε of its own (itself included), x_i ← mean{x_j : |x_j − x_i| <= ε}, from the
    step's opinions (an N × N comparison). Ends after the first step in which no opinion moved
    by more than ``tolerance`` (the engine's ``stop_at_convergence``), at most ``cap`` steps."""
    x = np.array(x0, dtype=float)
    steps = 0
    while steps < cap:
        steps += 1
        close = np.abs(x[:, None] - x[None, :]) <= openness
        new = (close @ x) / close.sum(axis=1)
        moved = float(np.max(np.abs(new - x)))
        x = new
        if moved <= tolerance:
            break
    return x, steps


def hk_textbook_check(exp) -> Check:
    """The engine against :func:`textbook_hk` from the same initial opinions: HK is
    deterministic, so the same start must give the same end and the same number of steps (a
    wrong update order or a pool without the agent itself changes both)."""
    from model.rng import replicate_seeds
    from model.sim import SocialWebModel

    base = exp.base
    worst, same_steps, total, longest = 0.0, 0, 0, 0
    for openness in TEXTBOOK_OPENNESS:
        scenario = exp.scenario_at({"population.openness": openness})
        for seed in replicate_seeds(exp.seed, TEXTBOOK_RUNS):
            model = SocialWebModel(scenario, seed=seed, agents="parties")
            n = model.population.citizens
            x0 = model.population.x[:n, 0].copy()
            model.run()
            x, steps = textbook_hk(x0, openness, base.opinion.convergence_tolerance, base.steps)
            worst = max(worst, float(np.max(np.abs(model.population.x[:n, 0] - x))))
            same_steps += int(steps == model.step_count)
            total += 1
            longest = max(longest, steps)
    return Check(
        claim="the engine is the synchronous update, each agent in its own pool",
        published="x_i ← mean of the opinions within ε of x_i, itself included, all agents at "
        "once (Hegselmann & Krause 2002), written out here as an N × N update",
        measured=f"{total} runs from the same start (ε = "
        + ", ".join(f"{e / 2:g}" for e in TEXTBOOK_OPENNESS)
        + f"; up to {longest} steps): same step count in {same_steps}, largest end difference "
        f"{worst:.1e}",
        tolerance="every run ends at the same step, opinions within 1e-9 (rounding of the "
        "engine's sorted prefix sums)",
        passed=same_steps == total and worst <= 1e-9,
    )


def hegselmann_krause(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "hegselmann_krause", replicates)
    runs = sweep(exp, jobs=jobs, progress=progress)
    result = CaseResult(
        key="hegselmann_krause",
        title="Hegselmann & Krause 2002: synchronous bounded confidence",
        model="`hegselmann_krause` rule, complete graph (O(N log N) sorted-window update), no "
        "parties, no posting",
        parameters=f"N = {exp.base.population.citizens}, x ~ U[-1, 1], ε ∈ [0.15, 0.25] "
        f"(openness 2ε), run until no opinion moves; {exp.replicates} replicates per ε",
        source="Hegselmann & Krause (2002), JASSS 5(3):2; Fortunato (2005), IJMPC 16:259; "
        "Lorenz (2006), JASSS 9(1):8; Wedin (2021), arXiv:2107.12906",
        runs=runs,
    )
    result.checks = hk_checks(runs) + [hk_textbook_check(exp)]
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    consensus = runs.assign(c=runs["largest_cluster"] >= 1.0).groupby("population.openness")["c"]
    p, size = consensus.mean(), consensus.size()
    se = np.sqrt(p * (1 - p) / size)
    ax.errorbar(p.index / 2, p, yerr=2 * se, fmt="o-", capsize=3, label="socialweb (± 2 SE)")
    ax.axvline(0.2, color="0.5", ls="--", label="ε_c ≈ 0.2 (Fortunato 2005)")
    ax.axvspan(0.0, HK_LOWER_BOUND, color="0.9", label="below the large-N consensus bound")
    ax.set(
        xlabel="confidence bound ε (on [0, 1])",
        ylabel="P(consensus)",
        xlim=(0.14, 0.26),
        title=f"Hegselmann–Krause, N = {exp.base.population.citizens}, complete graph",
    )
    ax.legend(fontsize=8)
    result.figure = fig
    return result
