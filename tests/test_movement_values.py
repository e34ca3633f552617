"""Exact behaviour of the citizens' movement (model/dynamics/movement.py) on hand-built
populations of ten citizens, with every random draw chosen by hand (``tests.hand_draws``): who
founds, who calls, whom a caller enlists, the cap and the parties' response are worked out in
each test.

Written against the surviving mutants of the mutation run (docs/TESTING.md): the eligibility
filter (staff, champions, members, the distance boundary), the founders' rounding and
selection, the keyed draws, one contact claimed by two callers, the last free place, and the
engaging party's multi-issue mean and staff."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.load import scenario_from_dict
from model.dynamics import movement
from model.network.csr import from_edges
from model.population import CHAMPION, CITIZEN, STAFF, Parties, Population
from model.rng import Draws
from tests.hand_draws import HandDraws, hand_population

KEY = 100  # person keys are 100 + row, so a draw keyed by row instead of key is caught


def scenario(citizens=10, issues=1, blue=None, **spec):
    return scenario_from_dict(
        {
            "name": "hand",
            "steps": 10,
            "population": {"citizens": citizens, "issues": issues},
            "network": {"mean_degree": 2},
            "movement": {"position": [0.5] * issues, "recruit_distance": 0.25, **spec},
            "parties": {
                "blue": {"position": [0.0] * issues, **(blue or {})},
                "red": {"position": [0.0] * issues},
            },
        }
    )


def people(x, role=None, member=None, citizens=None) -> Population:
    n = np.asarray(x).shape[0]
    return hand_population(
        x,
        parties=2,
        citizens=n if citizens is None else citizens,
        role=role,
        key=KEY + np.arange(n, dtype=np.uint64),
        member=member,
    )


# opinions of ten citizens and one blue staff member (row 10), position 0.5, distance 0.25:
# 0, 8, 9 far; 1 a champion and 10 staff, both at the position; 3 at exactly 0.25 (not within:
# 0.5 - 0.25 is exact); 2, 4, 5, 6, 7 within
X = [-0.5, 0.5, 0.5, 0.25, 0.6, 0.7, 0.4, 0.3, -0.5, -0.9, 0.5]
ROLE = [CITIZEN, CHAMPION] + [CITIZEN] * 8 + [STAFF]


# -- founding ----------------------------------------------------------------------------------


def found_draws(u_by_row: dict[int, float]) -> HandDraws:
    return HandDraws({("movement_found", 0, KEY + r): u for r, u in u_by_row.items()})


def test_founders_round_half_up_and_are_the_qualifying_citizens_with_the_smallest_draws():
    """250 per 1,000 of 10 citizens is 2.5 founders: rounded half up, 3 (cap 10). Those who
    qualify are rows 4, 5, 6, 7 (row 2 made far here): one more than wanted. The champion
    (row 1) and the citizen exactly at the recruit distance (row 3) have the smallest draws
    but do not qualify; of the four, rows 6 (0.1), 4 (0.2) and 7 (0.5) have the smallest."""
    x = list(X)
    x[2] = -0.5
    pop = people(x, ROLE, citizens=10)
    draws = found_draws({1: 0.01, 3: 0.02, 4: 0.2, 5: 0.7, 6: 0.1, 7: 0.5})
    assert movement.found(pop, scenario(founders_per_1000=250, max_per_1000=1000), draws) == 3
    assert np.flatnonzero(pop.member).tolist() == [4, 6, 7]
    assert np.flatnonzero(pop.engaged).tolist() == [4, 6, 7]  # mobilized (the default)


def test_a_single_founder_is_the_one_with_the_smallest_draw():
    """100 per 1,000 of 10 citizens: one founder, row 7 (draw 0.1) among rows 2, 4, 5, 6, 7."""
    pop = people(X, ROLE, citizens=10)
    draws = found_draws({2: 0.6, 4: 0.65, 5: 0.7, 6: 0.5, 7: 0.1})
    assert movement.found(pop, scenario(founders_per_1000=100, max_per_1000=1000), draws) == 1
    assert np.flatnonzero(pop.member).tolist() == [7]


def test_fewer_than_half_a_founder_is_no_movement():
    """40 per 1,000 of 10 citizens is 0.4 founders: rounded, none; no draw is made."""
    pop = people(X, ROLE, citizens=10)
    draws = HandDraws({})
    assert movement.found(pop, scenario(founders_per_1000=40, max_per_1000=1000), draws) == 0
    assert not pop.member.any() and draws.asked == []


# -- recruitment -------------------------------------------------------------------------------


def graph(edges: list[tuple[int, int]], n: int = 11):
    u, v = np.array(edges).T
    return from_edges(n, u, v)


def test_each_caller_enlists_its_qualifying_contact_with_the_smallest_draw_once():
    """Members 0 and 1 (row 1 made an ordinary citizen here; row 4 is the champion), cap
    4 (400 per 1,000 of 10), rate 0.5, step 5. Both call (0.3 and 0.4 < 0.5).

    Member 0's contacts: 2 and 6 qualify; 1 (a member), 4 (champion) and 10 (staff), the
    last two at the position, do not, and get the smallest pick draws. Of 2 (0.8) and 6
    (0.1) it enlists 6. Member 1's contacts: 0 (member), 3 (exactly at the distance: not
    within), 6 (0.2, but just taken by member 0) and 7 (0.5): it enlists 7, not 6 a second
    time. New members 6 and 7: two."""
    role = [CITIZEN, CITIZEN, CITIZEN, CITIZEN, CHAMPION] + [CITIZEN] * 5 + [STAFF]
    x = list(X)
    x[1] = 0.5
    member = [True, True] + [False] * 9
    pop = people(x, role, member, citizens=10)
    g = graph([(0, 1), (0, 2), (0, 6), (0, 4), (0, 10), (1, 3), (1, 6), (1, 7)])
    step = 5
    draws = HandDraws(
        {
            ("movement_call", step, KEY + 0): 0.3,
            ("movement_call", step, KEY + 1): 0.4,
            **{
                ("movement_pick", step, KEY, KEY + c): u
                for c, u in {1: 0.01, 2: 0.8, 4: 0.02, 6: 0.1, 10: 0.03}.items()
            },
            **{
                ("movement_pick", step, KEY + 1, KEY + c): u
                for c, u in {0: 0.01, 3: 0.02, 6: 0.2, 7: 0.5}.items()
            },
        }
    )
    sc = scenario(max_per_1000=400, recruitment_rate=0.5)
    assert movement.recruit(pop, g, sc, draws, step) == 2
    assert np.flatnonzero(pop.member).tolist() == [0, 1, 6, 7]
    assert pop.engaged[[6, 7]].all()


def test_a_lone_member_fills_the_last_place_and_then_the_movement_is_full():
    """One member, cap 2 (200 per 1,000 of 10): one place left. It calls (0.2 < 0.5) and
    enlists contact 5 (0.3 against 0.9 for 2). Next step the movement is full: no one joins
    and no draw is made."""
    member = [True] + [False] * 10
    pop = people(X, ROLE, member, citizens=10)
    g = graph([(0, 2), (0, 5)])
    draws = HandDraws(
        {
            ("movement_call", 1, KEY): 0.2,
            ("movement_pick", 1, KEY, KEY + 2): 0.9,
            ("movement_pick", 1, KEY, KEY + 5): 0.3,
        }
    )
    sc = scenario(max_per_1000=200, recruitment_rate=0.5)
    assert movement.recruit(pop, g, sc, draws, 1) == 1
    assert np.flatnonzero(pop.member).tolist() == [0, 5]
    asked = len(draws.asked)
    assert movement.recruit(pop, g, sc, draws, 2) == 0
    assert np.flatnonzero(pop.member).tolist() == [0, 5] and len(draws.asked) == asked


# -- the parties' response ---------------------------------------------------------------------


def test_an_engaging_party_moves_each_issue_toward_the_members_mean_and_its_staff_follow():
    """Two issues. Members 0 (0.2, 0.4) and 1 (0.6, -0.2): mean (0.4, 0.1). Blue engages at
    rate 0.5 from (0, 0): (0.2, 0.05), and its staff member (row 3) stands on the new line.
    Red ignores. With a single member (row 1) the mean is that member: blue from (0.2, 0.05)
    to (0.4, -0.075). Without members nothing moves."""
    x = [[0.2, 0.4], [0.6, -0.2], [0.0, 0.9], [0.0, 0.0]]
    pop = people(x, [CITIZEN, CITIZEN, CITIZEN, STAFF], [True, True, False, False], citizens=3)
    parties = Parties(
        names=["blue", "red"],
        line=np.zeros((2, 2)),
        followers=[np.zeros(0, np.int64)] * 2,
        staff_rows=[np.array([3]), np.zeros(0, np.int64)],
        cumulative_cost=np.zeros(2),
        burnouts=np.zeros(2),
        recruits=np.zeros(2),
    )
    sc = scenario(citizens=3, issues=2, blue={"movement": {"response": "engage", "rate": 0.5}})
    movement.respond(pop, parties, sc)
    assert parties.line == pytest.approx(np.array([[0.2, 0.05], [0.0, 0.0]]))
    assert pop.x[3] == pytest.approx([0.2, 0.05])
    pop.member[0] = False
    movement.respond(pop, parties, sc)
    assert parties.line[0] == pytest.approx([0.4, -0.075])
    assert pop.x[3] == pytest.approx([0.4, -0.075])
    pop.member[:] = False
    movement.respond(pop, parties, sc)
    assert parties.line == pytest.approx(np.array([[0.4, -0.075], [0.0, 0.0]]))


def test_one_founder_among_a_thousand_qualifying_citizens_has_the_smallest_keyed_draw():
    """1 per 1,000 of 1,000 citizens, all at the position: one founder, the citizen whose
    draw ("movement_found", step 0, key) is the smallest of the thousand (argmin of the same
    draws from a separate Draws of the run's seed). A pool this large is not sorted whole by
    numpy's selection, so picking the wrong order statistic shows."""
    n = 1000
    pop = people(np.full(n, 0.5), citizens=n)
    sc = scenario(citizens=n, founders_per_1000=1)
    assert movement.found(pop, sc, Draws(0)) == 1
    expected = int(np.argmin(Draws(0).uniform("movement_found", 0, KEY + np.arange(n))))
    assert np.flatnonzero(pop.member).tolist() == [expected]
