"""Friedkin & Johnsen 1999: anchoring keeps disagreement alive at x* = (I − ΛW)⁻¹(I − Λ)x(0)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from model.rng import replicate_seeds
from model.sim import SocialWebModel
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load
from model.validation.degroot import influence_matrix, stationary_distribution


def friedkin_johnsen(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "friedkin_johnsen", replicates)
    scenario = exp.scenario_at({})
    lam = scenario.opinion.susceptibility
    rows = []
    for seed in replicate_seeds(exp.seed, exp.replicates):
        model = SocialWebModel(scenario, seed=seed, agents="parties")
        x0 = model.population.x[:, 0].copy()
        w = influence_matrix(model)
        predicted = np.linalg.solve(np.eye(x0.size) - lam * w, (1 - lam) * x0)
        model.run()
        x = model.population.x[:, 0]
        rows.append(
            {
                "seed": seed,
                "gap": float(np.abs(x - predicted).max()),
                "spread": float(np.ptp(x)),
                "predicted_spread": float(np.ptp(predicted)),
                "degroot_gap": float(np.abs(x - stationary_distribution(model) @ x0).max()),
                "steps": model.step_count,
            }
        )
    runs = pd.DataFrame(rows)
    result = CaseResult(
        key="friedkin_johnsen",
        title="Friedkin & Johnsen 1999: anchored averaging",
        model="`friedkin_johnsen` rule, susceptibility λ = "
        f"{lam:g}, on DeGroot's weighted edge list (experiments/validation/degroot_network.csv), "
        "self_weight 1",
        parameters=f"N = {scenario.population.citizens}, x ~ U[-1, 1], run until no opinion "
        f"moves > 1e-13; {exp.replicates} initial conditions",
        source="Friedkin & Johnsen (1999), Social influence networks and opinion change, "
        "Advances in Group Processes 16:1",
        runs=runs,
    )
    result.checks = [
        Check(
            claim="opinions settle at x* = (I − ΛW)⁻¹ (I − Λ) x(0)",
            published="x* (closed form)",
            measured=f"largest gap to x* over {len(runs)} runs: {runs['gap'].max():.1e}",
            tolerance="<= 1e-9 (numpy.linalg.solve; convergence tolerance 1e-13 a step)",
            passed=bool(runs["gap"].max() <= 1e-9),
        ),
        Check(
            claim="with λ < 1 disagreement persists (no consensus)",
            published="persistent disagreement",
            measured=f"smallest final spread {runs['spread'].min():.2f}; smallest distance "
            f"from DeGroot's consensus {runs['degroot_gap'].min():.2f}",
            tolerance="spread >= 0.1 and the final opinions >= 0.1 from DeGroot's consensus "
            "(an anchor that followed the current opinion would reach it)",
            passed=bool(runs["spread"].min() >= 0.1 and runs["degroot_gap"].min() >= 0.1),
        ),
    ]
    return result
