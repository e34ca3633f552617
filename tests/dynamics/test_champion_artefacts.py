"""Champion mechanisms without artefacts (issue 18): recruitment does not lower a recruit's
posting rate, and champion posts build party affinity in proportion to their script."""

from __future__ import annotations

import numpy as np
import pytest

from model.dynamics import champions, polls
from model.dynamics.posting import posting_rates
from model.population import CHAMPION, CITIZEN
from model.sim import SocialWebModel
from tests.conftest import per_1000, small


def _model(staff_per_1000: float = 0.0, **champ):
    sc = small(
        parties={
            "blue": {
                "position": 0.2,
                "staff": {"per_1000": staff_per_1000, "ties": 100},
                "champions": {"enabled": True, "initial_per_1000": 0, **champ},
            }
        },
        mobilization={"enabled": False},
    )
    return SocialWebModel(sc, seed=4), sc


@pytest.mark.parametrize("motivation", [0.05, 0.3, 0.7, 1.0])
@pytest.mark.parametrize("boost", [0.0, 1.0, 3.0])
def test_a_recruit_posts_at_least_as_often_as_before(motivation, boost):
    model, sc = _model(activity_boost=boost, initial_motivation=motivation)
    pop = model.population
    rows = np.flatnonzero(pop.role[: pop.citizens] == CITIZEN)[:60]
    pop.engagement_base[rows] = np.linspace(0.5, 1.0, rows.size)  # engaged enough to recruit
    before = posting_rates(pop, sc)[rows]
    champions.enlist(pop, rows, 0, sc.parties["blue"], step=1)
    after = posting_rates(pop, sc)[rows]
    # the expected rate, written out: the citizen's a·e plus a motivated share, capped at 1
    expected = np.minimum(1.0, before * (1.0 + boost * motivation))
    np.testing.assert_allclose(after, expected)
    assert np.all(after >= before)
    if boost == 0.0:
        np.testing.assert_array_equal(after, before)  # the neutral setting changes nothing


def _affinity_gain(guidance: float) -> float:
    """Blue affinity added to one reader by one accepted read of a blue champion's post."""
    model, sc = _model(guidance=guidance)
    pop = model.population
    author = 0
    champions.enlist(pop, np.array([author]), 0, sc.parties["blue"], step=1)
    pop.affinity[:] = 0.0
    from model.dynamics.posting import make_posts
    from model.rng import Draws

    pop.activity[:] = 0.0
    pop.activity[author] = 1.0
    pop.engagement_base[author] = 1.0
    posts = make_posts(pop, model.parties, sc, Draws(0), 1)
    (i,) = np.flatnonzero(posts.author == author)
    reader = np.array([5])
    ok = np.array([True])
    polls.update_affinity(
        pop,
        reader,
        posts.party[[i]],
        posts.trust[[i]] * posts.script[[i]],
        ok,
        ~ok,
        sc.election,
        sc.opinion.backfire_rate,
    )
    return float(pop.affinity[5, 0])


def test_champion_posts_build_affinity_in_proportion_to_their_script():
    rate = small().election.affinity_rate
    penalty = small().parties["blue"].champions.authenticity_penalty
    assert _affinity_gain(0.0) == 0.0  # the champion's own view only: nothing for the brand
    for g in (0.25, 0.5, 1.0):
        trust = 1.0 - penalty * g
        assert _affinity_gain(g) == pytest.approx(rate * trust * g)


def test_script_share_by_source():
    # one organizer (3.3 per 1,000 among 300 citizens) recruits the 5 founding champions
    model, sc = _model(per_1000(1, 300), guidance=0.4, initial_per_1000=per_1000(5, 300))
    pop = model.population
    pop.activity[:] = 1.0
    pop.engagement_base[:] = 1.0
    from model.dynamics.posting import make_posts
    from model.population import SOURCE_CHAMPION, SOURCE_CITIZEN
    from model.rng import Draws

    posts = make_posts(pop, model.parties, sc, Draws(1), 1)
    assert np.count_nonzero(posts.source_type == SOURCE_CHAMPION) == 5
    np.testing.assert_allclose(posts.script[posts.source_type == SOURCE_CHAMPION], 0.4)
    np.testing.assert_allclose(posts.script[posts.source_type == SOURCE_CITIZEN], 0.0)


def test_founding_champions_are_recruited_like_the_rest():
    """Founding champions pass the recruitment filters (reach, engagement, distance) and fit the
    programme's capacity; before, they were drawn from anyone near the line, unpaid for."""
    sc = small(
        parties={
            "blue": {
                "position": 0.2,
                "institution": {"enabled": True, "followers": 0.02},
                "staff": {"per_1000": per_1000(1, 300), "ties": 40, "organizer_capacity": 50},
                "champions": {
                    "enabled": True,
                    "initial_per_1000": per_1000(30, 300),
                    "min_engagement": 0.6,
                },
            }
        },
        population={"engagement_min": 0.2, "engagement_max": 0.9},
        mobilization={"enabled": False},
    )
    model = SocialWebModel(sc, seed=8)
    pop = model.population
    rows = np.flatnonzero(pop.role == CHAMPION)
    assert rows.size == model.founding_champions[0] > 0
    assert model.reachable[0][rows].all()  # organizers' contacts or followers only
    assert (pop.engagement[rows] >= 0.6).all()
    # the filters bind here: many near the line are out of reach or not engaged enough
    near = np.flatnonzero(np.abs(pop.x[: pop.citizens, 0] - 0.2) < 0.5)
    assert (~model.reachable[0][near]).sum() > 50 and (pop.engagement[near] < 0.6).sum() > 50


def test_founding_champions_fit_the_organizers_capacity():
    sc = small(
        parties={
            "blue": {
                "position": 0.2,
                "institution": {"enabled": True, "followers": 0.5},
                "staff": {"per_1000": per_1000(1, 300), "ties": 100, "organizer_capacity": 4},
                "champions": {
                    "enabled": True,
                    "initial_per_1000": per_1000(20, 300),
                    "min_engagement": 0.0,
                },
            }
        },
    )
    model = SocialWebModel(sc, seed=9)
    assert model.founding_champions[0] == 4
    assert np.count_nonzero(model.population.role == CHAMPION) == 4
