"""Engagement contagion, polls and party affinity."""

from __future__ import annotations

import numpy as np
import pytest

from model.config import scenario_from_dict
from model.dynamics import mobilization, polls
from model.rng import Draws
from model.sim import SocialWebModel
from tests.conftest import small


def riot(thresholds: np.ndarray, steps: int = 150) -> float:
    """Granovetter's riot on a complete graph; thresholds as shares of the N - 1 others."""
    n = thresholds.size
    sc = scenario_from_dict(
        {
            "steps": steps,
            "parties": {},
            "population": {"citizens": n},
            "network": {"kind": "complete"},
            "mobilization": {"initially_engaged": 0.0, "disengagement": 0.0},
        }
    )
    model = SocialWebModel(sc, seed=0, thresholds=thresholds / (n - 1))
    for _ in range(steps):
        model.step()
    return float(model.population.engaged.sum())


def test_granovetter_uniform_thresholds_cascade_fully_and_one_change_stops_it():
    thresholds = np.arange(100, dtype=float)
    assert riot(thresholds) == 100
    thresholds[1] = 2
    assert riot(thresholds) == 1


def test_mobilization_off_freezes_engagement():
    sc = small(parties={}, mobilization={"enabled": False, "initially_engaged": 0.2})
    model = SocialWebModel(sc, seed=1)
    before = model.population.engaged.copy()
    for _ in range(20):
        model.step()
    np.testing.assert_array_equal(model.population.engaged, before)


def test_disengagement_only_below_threshold():
    sc = small(
        parties={},
        mobilization={
            "initially_engaged": 0.5,
            "disengagement": 1.0,
            "threshold_mean": 0.3,
            "threshold_spread": 0.0,
        },
    )
    model = SocialWebModel(sc, seed=2)
    pop = model.population
    share = mobilization.engaged_share(pop, model.graph)
    mobilization.spread(pop, model.graph, sc.mobilization, Draws(0), 1)
    below = share < 0.3
    assert not pop.engaged[below].any()
    assert pop.engaged[~below].all()


def _poll_model(**election):
    sc = small(election=election, mobilization={"enabled": False})
    return SocialWebModel(sc, seed=3)


def test_moving_opinions_toward_a_party_raises_its_vote():
    model = _poll_model()
    before = polls.vote_intention(model.population, model.parties, model.config.election)
    model.population.x[: model.population.citizens] += 0.3 * (
        0.25 - model.population.x[: model.population.citizens]
    )
    after = polls.vote_intention(model.population, model.parties, model.config.election)
    assert after[0] > before[0]


def test_affinity_weight_turns_affinity_into_votes():
    model = _poll_model(affinity_weight=2.0)
    pop = model.population
    base = polls.vote_intention(pop, model.parties, model.config.election)
    pop.affinity[:, 0] = 1.0
    assert polls.vote_intention(pop, model.parties, model.config.election)[0] > base[0]
    model0 = _poll_model(affinity_weight=0.0)
    base0 = polls.vote_intention(model0.population, model0.parties, model0.config.election)
    model0.population.affinity[:, 0] = 1.0
    np.testing.assert_allclose(
        polls.vote_intention(model0.population, model0.parties, model0.config.election), base0
    )


def test_engagement_raises_turnout():
    model = _poll_model()
    pop = model.population
    low = polls.vote_intention(pop, model.parties, model.config.election).sum()
    pop.engaged[:] = True
    assert polls.vote_intention(pop, model.parties, model.config.election).sum() > low


def test_accepted_party_posts_raise_affinity_and_it_decays():
    model = _poll_model(affinity_rate=0.1, affinity_decay=0.0)
    pop = model.population
    pop.affinity[0] = 0.0
    polls.update_affinity(
        pop,
        np.array([0, 0]),
        np.array([0, 1]),
        np.ones(2),
        np.array([True, False]),
        np.zeros(2, bool),
        model.config.election,
        0.1,
    )
    assert pop.affinity[0, 0] == pytest.approx(0.1) and pop.affinity[0, 1] == 0.0
    model = _poll_model(affinity_decay=0.5)
    pop = model.population
    pop.affinity[:] = 0.8
    polls.update_affinity(
        pop,
        np.zeros(0, int),
        np.zeros(0, int),
        np.zeros(0),
        np.zeros(0, bool),
        np.zeros(0, bool),
        model.config.election,
        0.1,
    )
    assert np.allclose(pop.affinity, 0.4)
