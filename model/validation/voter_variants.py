"""Voter model variants (Sood, Antal & Redner 2008): what node, link and invasion updates
conserve."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from model.rng import replicate_seeds
from model.sim import SocialWebModel
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load

VOTER_UPDATES = {
    # update: (what it conserves, the weight of citizen i in it)
    "node": ("degree-weighted magnetisation Σ_+ k_i / Σ k_i", lambda k: k),
    "link": ("magnetisation n_+ / N", lambda k: np.ones_like(k)),
    "invasion": ("inverse-degree-weighted magnetisation Σ_+ 1/k_i / Σ 1/k_i", lambda k: 1.0 / k),
}
VOTER_PLUS = 30  # the least-connected half starts at +1, everyone else at -1: the three
# conserved quantities then sit far apart and far from 0 and 1


def voter_variants(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    """Node update, link update and invasion on one heterogeneous network, all started with the
    least-connected half at +1: each ends on +1 with the probability of the quantity it
    conserves."""
    from model.runner import override

    exp = _load(directory, "voter_variants", replicates)
    base = exp.scenario_at({})
    degree = SocialWebModel(base, seed=exp.seed, agents="parties").citizen_graph.degree
    k = degree.astype(float)
    x0 = -np.ones(k.size)
    x0[np.argsort(degree, kind="stable")[:VOTER_PLUS]] = 1.0
    plus = x0 > 0
    rows = []
    seeds = replicate_seeds(exp.seed, exp.replicates)
    done, total = 0, len(seeds) * len(VOTER_UPDATES)
    for update in VOTER_UPDATES:
        scenario = override(base, **{"opinion.voter_update": update})
        for seed in seeds:
            model = SocialWebModel(scenario, seed=seed, agents="parties", opinions=x0)
            model.run()
            rows.append(
                {
                    "update": update,
                    "seed": seed,
                    "plus": bool(model.population.x[0, 0] > 0),
                    "consensus": bool(model.converged),
                    "steps": model.step_count,
                }
            )
            done += 1
            if progress:
                progress(done, total)
    runs = pd.DataFrame(rows)
    predicted = {u: float(w(k)[plus].sum() / w(k).sum()) for u, (_, w) in VOTER_UPDATES.items()}
    result = CaseResult(
        key="voter_variants",
        title="Voter variants on a heterogeneous network: node, link, invasion",
        model="`voter` rule with `voter_update` node / link / invasion, Barabási–Albert edge "
        "list (experiments/validation/voter_network.csv), stop at consensus",
        parameters=f"N = {k.size}, degrees {int(k.min())}–{int(k.max())}; the {VOTER_PLUS} "
        f"least-connected citizens start at +1, the rest at -1; {exp.replicates} runs per "
        "update, each until consensus",
        source="Sood, Antal & Redner (2008), Voter models on heterogeneous networks, PRE "
        "77:041121; Suchecki, Eguíluz & San Miguel (2005), PRE 72:036132",
        runs=runs,
    )
    result.checks.append(
        Check(
            claim="every run ends in consensus",
            published="consensus (finite connected network)",
            measured=f"{int(runs['consensus'].sum())} of {len(runs)} runs",
            tolerance="all",
            passed=bool(runs["consensus"].all()),
        )
    )
    for update, (conserved, _) in VOTER_UPDATES.items():
        p = predicted[update]
        up = runs.loc[runs["update"] == update, "plus"].to_numpy(dtype=float)
        se = math.sqrt(p * (1 - p) / up.size)
        others = ", ".join(f"{u} {predicted[u]:.3f}" for u in VOTER_UPDATES if u != update)
        result.checks.append(
            Check(
                claim=f"{update} update: P(consensus on +1) = the {conserved}",
                published=f"{p:.3f} (the other updates' values: {others})",
                measured=f"{up.mean():.3f} ({up.size} runs)",
                tolerance=f"difference <= 3 binomial SE = {3 * se:.3f}",
                passed=abs(up.mean() - p) <= 3 * se,
            )
        )
    return result
