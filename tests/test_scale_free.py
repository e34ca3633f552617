"""Scenarios are scale-free: the same paired strategy effects at every population size.

Scenarios state staff, founding champions, caps and budgets per 1,000 citizens
(``model.config.plan``). The contract (docs/MODEL.md, "Population size") is that the reference
effects at 1,000 and 8,000 citizens differ by at most 1 percentage point with 20 replicates.
Here the same property is checked at 400 vs 3,200 citizens over 120 days, and a negative control
shows the check has teeth: the same campaign written with fixed head counts (its staff and
champions at 400 citizens kept as absolute numbers at 3,200) differs far more.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.config import with_overrides
from model.runner import load_scenario, run
from tests.conftest import SCENARIOS

SMALL, LARGE = 400, 3200
REPLICATES = 12
STEPS = 120
NAMES = (
    "party_absent",
    "institution_only",
    "staff_embedded",
    "champion_driven",
    "champion_driven_equal_budget",
)


def _vote(name: str, citizens: int, extra: dict | None = None) -> np.ndarray:
    """Blue's vote share (percent) in each replicate; replicate r uses seed r for every size
    and scenario, so effects are paired within a size."""
    base = load_scenario(SCENARIOS / f"{name}.yaml")
    sc = with_overrides(base, {"population.citizens": citizens, "steps": STEPS, **(extra or {})})
    return np.array(
        [100 * run(sc, seed=r).summary["final"]["vote_share"]["blue"] for r in range(REPLICATES)]
    )


@pytest.fixture(scope="module")
def votes() -> dict[tuple[str, int], np.ndarray]:
    return {(n, c): _vote(n, c) for n in NAMES for c in (SMALL, LARGE)}


def _effect(votes, a: str, b: str, citizens: int) -> tuple[float, float]:
    """Mean paired effect b - a and its standard error."""
    d = votes[(b, citizens)] - votes[(a, citizens)]
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))


@pytest.mark.parametrize(
    "a, b",
    [
        ("party_absent", "institution_only"),
        ("party_absent", "staff_embedded"),
        ("party_absent", "champion_driven"),
        ("institution_only", "champion_driven_equal_budget"),
        ("champion_driven", "champion_driven_equal_budget"),
    ],
)
def test_paired_effects_agree_across_population_sizes(votes, a, b):
    small, se_small = _effect(votes, a, b, SMALL)
    large, se_large = _effect(votes, a, b, LARGE)
    assert abs(small) > 0.5 or abs(large) > 0.5, "an effect to compare"
    # the contract's 1 pp, plus twice the standard error of the gap: at 400 citizens one
    # replicate's effect is noisy (se of the mean effect about 0.2-0.4 pp here)
    tolerance = 1.0 + 2 * np.hypot(se_small, se_large)
    assert abs(large - small) <= tolerance, (small, large, tolerance)


def test_fixed_head_counts_would_not_scale(votes):
    """Negative control: keep champion_driven's head counts at 400 citizens (1 staff member,
    4 founding champions, a cap of 20) as absolute numbers at 3,200: the effect shrinks by more
    than the contract's 1 pp, so the test above would catch a plan that ignored N."""
    fixed = {
        "parties.blue.staff.per_1000": 2.5 * SMALL / LARGE,
        "parties.blue.champions.initial_per_1000": 10 * SMALL / LARGE,
    }
    small, _ = _effect(votes, "party_absent", "champion_driven", SMALL)
    absent = votes[("party_absent", LARGE)]
    large = float((_vote("champion_driven", LARGE, fixed) - absent).mean())
    assert small - large > 1.0, (small, large)  # 1 pp: the gap the contract allows


@pytest.mark.slow
def test_reference_effects_agree_at_1000_and_8000_citizens():
    """The contract itself (docs/MODEL.md, "Population size"): every pairwise paired effect of
    the five reference strategies at 1,000 and at 8,000 citizens, 365 days, 20 replicates,
    differs by at most 1 percentage point. About 4 minutes on two cores: `pytest -m slow`."""
    import itertools

    from model.comparison import compare

    effects = {}
    for n in (1000, 8000):
        scenarios = [
            load_scenario(SCENARIOS / f"{name}.yaml", {"population.citizens": n}) for name in NAMES
        ]
        comp = compare(scenarios, replicates=20, seed=0, jobs=2).comparison["contrasts"]
        effects[n] = {
            (a, b): 100 * comp[b][a]["vote_share"]["blue"]["mean"]
            for a, b in itertools.combinations(NAMES, 2)
        }
    gaps = {pair: abs(effects[8000][pair] - effects[1000][pair]) for pair in effects[1000]}
    assert max(gaps.values()) <= 1.0, gaps
