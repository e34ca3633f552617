"""Sznajd outflow dynamics on a ring: the exit probability E(ρ) = ρ²/(ρ² + (1 − ρ)²)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from model.config.schema import Scenario
from model.rng import replicate_seeds
from model.sim import SocialWebModel
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load, _pool_map, _se


def exit_probability(rho: np.ndarray | float) -> np.ndarray:
    """E(ρ) = ρ²/(ρ² + (1 − ρ)²): the chance that +1 wins from a random start at density ρ
    (Slanina, Sznajd-Weron & Przybyła 2008; Castellano & Pastor-Satorras 2011)."""
    rho = np.asarray(rho, dtype=float)
    return rho**2 / (rho**2 + (1 - rho) ** 2)


def _one(scenario: Scenario, seed: int) -> tuple[float, float, float]:
    """(initial density of +1, 1 if +1 won else 0, steps run) of one run to consensus."""
    model = SocialWebModel(scenario, seed=seed, agents="parties")
    n = model.population.citizens
    rho0 = float((model.population.x[:n, 0] > 0).mean())
    model.run()
    final = model.population.x[:n, 0]
    won = float(np.all(final > 0))
    done = float(np.all(final == final[0]))
    return rho0, won, float(model.step_count) if done else np.nan


def sznajd(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "sznajd", replicates)
    seeds = replicate_seeds(exp.seed, exp.replicates)
    points = exp.points()
    scenarios = [exp.scenario_at(point) for point in points]
    shares = [sc.population.positive_share for sc in scenarios]
    todo = [(sc, seed) for sc in scenarios for seed in seeds]
    out = np.array(_pool_map(_one, todo, jobs=jobs), dtype=float).reshape(len(shares), -1, 3)
    n = exp.base.population.citizens
    result = CaseResult(
        key="sznajd",
        title="Sznajd model: exit probability on a ring",
        model="`sznajd` rule (an agreeing pair convinces its neighbours), ring of N citizens "
        "(Watts–Strogatz, k = 2, no rewiring), no parties",
        parameters=f"N = {n}; each citizen starts at +1 with probability ρ ∈ "
        f"{{{', '.join(f'{r:g}' for r in shares)}}}; {exp.replicates} replicates each, run to "
        "consensus; one step = N pair updates",
        source="Sznajd-Weron & Sznajd (2000), Int. J. Mod. Phys. C 11:1157; exit probability: "
        "Slanina, Sznajd-Weron & Przybyła (2008), EPL 82:18006; Lambiotte & Redner (2008), EPL "
        "82:18007; exact: Castellano & Pastor-Satorras (2011), PRE 83:016113",
    )
    checks = [
        Check(
            claim="every run reaches consensus",
            published="the one-dimensional outflow dynamics always ends in consensus "
            "(an antiferromagnetic stalemate needs the 'divided we fall' rule, not used here)",
            measured=f"{int(np.isfinite(out[:, :, 2]).sum())} of {out[:, :, 0].size} runs",
            tolerance="all runs, within the experiment's step cap",
            passed=bool(np.isfinite(out[:, :, 2]).all()),
        )
    ]
    for k, r in enumerate(shares):
        rho0, won = out[k, :, 0], out[k, :, 1]
        gap = won - exit_probability(rho0)  # each run's outcome against E at its own start
        voter_gap = won - rho0
        se = _se(gap)
        checks.append(
            Check(
                claim=f"exit probability from ρ = {r:g}, against E at each run's own initial "
                "density",
                published=f"E(ρ) = ρ²/(ρ² + (1 − ρ)²) = {exit_probability(r):.3f} at ρ = {r:g}",
                measured=f"+1 wins {won.mean():.3f}; mean gap {gap.mean():+.4f} ± {se:.4f} "
                f"(against the linear voter's E = ρ: {voter_gap.mean():+.4f} ± "
                f"{_se(voter_gap):.4f})",
                tolerance=f"|gap| <= 3 SE = {3 * se:.4f} (binomial noise over replicates; no "
                "allowance for finite-size corrections)",
                passed=abs(gap.mean()) <= 3 * se,
            )
        )
    result.checks = checks
    result.figure = _figure(out, shares, n)
    return result


def _figure(out: np.ndarray, shares: list[float], n: int) -> Figure:
    fig = Figure(figsize=(5.5, 4), layout="constrained")
    ax = fig.subplots()
    grid = np.linspace(0, 1, 101)
    ax.plot(grid, exit_probability(grid), color="0.2", label="E = ρ²/(ρ² + (1 − ρ)²) (published)")
    ax.plot(grid, grid, color="0.6", ls="--", label="linear voter, E = ρ")
    rho0 = out[:, :, 0].mean(axis=1)
    won = out[:, :, 1]
    ax.errorbar(
        rho0,
        won.mean(axis=1),
        yerr=[2 * _se(w) for w in won],
        fmt="o",
        capsize=3,
        label=f"socialweb, N = {n} (± 2 SE)",
    )
    ax.set(
        xlabel="initial density of +1, ρ",
        ylabel="probability that +1 wins",
        title="Sznajd outflow dynamics on a ring",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(fontsize=8, loc="upper left")
    return fig
