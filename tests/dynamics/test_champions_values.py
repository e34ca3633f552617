"""Exact motivation, burnout, election bonus, recruit pool and partnership of champions
(model/dynamics/champions.py) for a few hand-placed people; every expected value is worked
out in the test.

Written against the surviving mutants of the mutation run (docs/TESTING.md): the benefit
window's look-back and sign, the caps of motivation at 0 and 1, what a burnout resets, a
party with one champion or none before another, the election bonus's winner and the parties
it skips, the distance and tie boundaries of who qualifies, the co-opted movement's members
in the recruit pool, and partnership on two issues."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model.config.load import scenario_from_dict
from model.dynamics import champions
from model.population import CHAMPION, CITIZEN, NEVER, STAFF, Population
from model.rng import party_stream
from tests.hand_draws import hand_population

# three parties, in this order: green (k 0), blue (k 1), red (k 2)
LINES = {"green": -0.8, "blue": 0.25, "red": -0.25}


def scenario(issues=1, **party_extra):
    return scenario_from_dict(
        {
            "name": "hand",
            "steps": 10,
            "population": {"citizens": 5, "issues": issues},
            "network": {"mean_degree": 2},
            "parties": {
                name: {"position": [line] * issues, **party_extra.get(name, {})}
                for name, line in LINES.items()
            },
        }
    )


def people(
    x,
    role,
    party,
    *,
    motivation=None,
    guidance=None,
    engaged=None,
    base=None,
    member=None,
    citizens=None,
) -> Population:
    n = np.asarray(x).shape[0]
    return hand_population(
        x,
        parties=3,
        citizens=n if citizens is None else citizens,
        engagement_base=base,
        engaged=engaged,
        role=role,
        party=party,
        guidance=guidance,
        motivation=motivation,
        recruited_at=np.full(n, 2),
        member=member,
    )


def parties(issues=1, history=(), staff_rows=None):
    return SimpleNamespace(
        names=list(LINES),
        line=np.array([[v] * issues for v in LINES.values()]),
        vote_history=[np.asarray(h, float) for h in history],
        staff_rows=staff_rows or [np.zeros(0, np.int64)] * 3,
    )


def test_motivation_moves_toward_its_target_is_capped_and_burnouts_are_discharged():
    """Green has no champion (the loop must go on to the others). Vote history (green, blue,
    red) over four steps: blue 0.1, 0.2, 0.25, 0.4; red 0.5, 0.4, 0.3, 0.5.

    Blue: baseline 0.6, benefit window 2 (gain 2.0 · (0.4 - 0.2), the vote two steps before
    the last) = 0.4, crowding out 0.5·g, rate 0.5, burnout below 0.3, mobilised champions.
      row 0, g 0,   m 0.8: target 1.0, m 0.8 + 0.5·0.2 = 0.9
      row 1, g 0.4, m 0.5: target 0.8, m 0.65
      row 2, g 1,   m 0:   target 0.5, m 0.25 < 0.3: quits — a citizen again, party -1,
                           guidance 0, motivation 0, no longer engaged, not recruited
    Red, its one champion on the line: shared values 1 - 0/2 = 1, benefit 2 · (0.5 - 0.4)
    = 0.2, rate 1: m = 1.2, capped at 1."""
    sc = scenario(
        blue={
            "champions": {
                "shared_values": False,
                "baseline_motivation": 0.6,
                "shared_benefits": True,
                "benefit_gain": 2.0,
                "benefit_window": 2,
                "crowding_out": 0.5,
                "motivation_rate": 0.5,
                "burnout_threshold": 0.3,
                "mobilized": True,
            }
        },
        red={
            "champions": {
                "shared_values": True,
                "shared_benefits": True,
                "benefit_gain": 2.0,
                "benefit_window": 2,
                "crowding_out": 0.0,
                "motivation_rate": 1.0,
                "burnout_threshold": 0.0,
            }
        },
    )
    history = [[0, 0.1, 0.5], [0, 0.2, 0.4], [0, 0.25, 0.3], [0, 0.4, 0.5]]
    pop = people(
        [0.0, 0.0, 0.0, -0.25, 0.0],
        [CHAMPION, CHAMPION, CHAMPION, CHAMPION, CITIZEN],
        [1, 1, 1, 2, -1],
        motivation=[0.8, 0.5, 0.0, 0.7, 0.0],
        guidance=[0.0, 0.4, 1.0, 0.0, 0.0],
        engaged=[True, True, True, True, True],
    )
    burnouts = champions.update_motivation(pop, parties(history=history), sc)
    np.testing.assert_array_equal(burnouts, [0, 1, 0])
    assert pop.motivation == pytest.approx([0.9, 0.65, 0.0, 1.0, 0.0])
    assert pop.role.tolist() == [CHAMPION, CHAMPION, CITIZEN, CHAMPION, CITIZEN]
    assert pop.party.tolist() == [1, 1, -1, 2, -1]
    assert pop.guidance.tolist() == [0.0, 0.4, 0.0, 0.0, 0.0]
    assert pop.engaged.tolist() == [True, True, False, True, True]
    assert pop.quit_party.tolist() == [-1, -1, 1, -1, -1]
    assert pop.recruited_at.tolist() == [2, 2, NEVER, 2, 2]


def test_the_election_bonus_goes_to_the_winners_champions_and_is_taken_from_the_others():
    """Vote (0.1, 0.5, 0.3): blue wins. Bonus 0.3 for blue and red (shared benefits on):
    blue's champion 0.9 + 0.3, capped at 1; red's 0.2 - 0.3, floored at 0. Green, first in
    the loop, has shared benefits off: its champion keeps 0.5 although its win_bonus is 0.3.
    In a one-party world its party always wins: 0.5 + 0.3."""
    bonus = {"shared_benefits": True, "win_bonus": 0.3}
    sc = scenario(
        green={"champions": {"shared_benefits": False, "win_bonus": 0.3}},
        blue={"champions": bonus},
        red={"champions": bonus},
    )
    pop = people(np.zeros(3), [CHAMPION] * 3, [0, 1, 2], motivation=[0.5, 0.9, 0.2], citizens=3)
    champions.election_benefits(pop, parties(), sc, np.array([0.1, 0.5, 0.3]))
    assert pop.motivation == pytest.approx([0.5, 1.0, 0.0])

    alone = scenario_from_dict(
        {
            "name": "alone",
            "steps": 10,
            "population": {"citizens": 5},
            "network": {"mean_degree": 2},
            "parties": {"blue": {"position": [0.25], "champions": bonus}},
        }
    )
    pop = people([0.0], [CHAMPION], [0], motivation=[0.5])
    champions.election_benefits(pop, parties(), alone, np.array([0.4]))
    assert pop.motivation == pytest.approx([0.8])
    # the largest bonus the schema allows, 1, is a bonus too: 0.2 + 1, capped at 1
    whole = scenario_from_dict(
        {
            "name": "alone",
            "steps": 10,
            "population": {"citizens": 5},
            "network": {"mean_degree": 2},
            "parties": {
                "blue": {
                    "position": [0.25],
                    "champions": {"shared_benefits": True, "win_bonus": 1.0},
                }
            },
        }
    )
    pop = people([0.0], [CHAMPION], [0], motivation=[0.2])
    champions.election_benefits(pop, parties(), whole, np.array([0.4]))
    assert pop.motivation == pytest.approx([1.0])


def test_a_recruit_is_within_the_distance_of_the_line_and_no_nearer_any_rival():
    """Blue's line 0.25, recruit distance 0.5; green -0.8, red -0.25.
     0.0   0.25 from blue and from red: a tie still qualifies
     0.75  exactly 0.5 from blue: not within
     0.95  0.7 from blue: too far, though nearer blue than red
    -0.3   0.55 from blue and nearer red
     0.5   0.25 from blue: qualifies"""
    pop = people([0.0, 0.75, 0.95, -0.3, 0.5], [CITIZEN] * 5, [-1] * 5)
    rows = np.arange(5)
    ok = champions.qualifies(pop, parties(), rows, 1, 0.5)
    assert ok.tolist() == [True, False, False, False, True]


def test_a_co_opting_partys_pool_adds_engaged_enough_members_it_does_not_reach():
    """Blue co-opts the movement; min engagement 0.5; everyone on blue's line.
    row 0  reached, engagement exactly 0.5 (base)     in
    row 1  not reached, member, engaged (1)           in
    row 2  not reached, member, engagement 0.5        in
    row 3  not reached, engaged, not a member          out
    row 4  reached, engagement 0.2                     out"""
    sc = scenario(
        blue={
            "movement": {"response": "co_opt"},
            "champions": {"min_engagement": 0.5, "recruit_distance": 0.5},
        }
    )
    pop = people(
        np.full(5, 0.25),
        [CITIZEN] * 5,
        [-1] * 5,
        base=[0.5, 0.0, 0.5, 0.0, 0.2],
        engaged=[False, True, False, True, False],
        member=[False, True, True, False, False],
    )
    reachable = np.array([True, False, False, False, True])
    pool = champions.recruit_pool(pop, parties(), sc.parties["blue"], 1, reachable)
    assert pool.tolist() == [0, 1, 2]


def test_partnership_moves_each_issue_of_the_line_toward_the_champions_and_staff_follow():
    """Two issues. Green (first) has no partnership; blue's champions at (0.2, 0.4) and
    (0.6, -0.2), mean (0.4, 0.1); rate 0.5 from (0.25, 0.25): (0.325, 0.175), and blue's
    staff member (row 2) stands on it."""
    sc = scenario(issues=2, blue={"champions": {"partnership": True, "partnership_rate": 0.5}})
    pop = people(
        [[0.2, 0.4], [0.6, -0.2], [0.25, 0.25]],
        [CHAMPION, CHAMPION, STAFF],
        [1, 1, 1],
        citizens=2,
    )
    ps = parties(issues=2, staff_rows=[np.zeros(0, np.int64), np.array([2]), np.zeros(0, np.int64)])
    champions.drift_party_line(pop, ps, sc)
    assert ps.line[1] == pytest.approx([0.325, 0.175])
    assert pop.x[2] == pytest.approx([0.325, 0.175])
    assert ps.line[0] == pytest.approx([-0.8, -0.8])


def test_organizers_fill_the_room_with_distinct_recruits_and_a_full_or_disabled_party_waits():
    """Green's programme is off (though it has two organizers recruiting at rate 1): nobody
    joins it. Blue's cap is 1 and its one champion (row 7) fills it: no room, and the loop
    goes on to red. Red has five full-time organizers and a part-time one (share 0.99),
    recruiting at rate 1: 5 + (almost surely) 1 tries, and six qualifying citizens on its
    line (rows 0-5): all six become red champions, recruited on step 9 — six distinct people,
    however they are drawn. Row 6 (on green's line) stays a citizen."""
    organizers = {"staff": {"recruitment_rate": 1.0}}
    sc = scenario(
        green={  # row 6 would qualify (on the line, engagement enough) were it on
            "champions": {"enabled": False, "min_engagement": 0.0, "recruit_distance": 0.5},
            **organizers,
        },
        blue={"champions": {"enabled": True}, **organizers},
        red={
            "champions": {"enabled": True, "min_engagement": 0.0, "recruit_distance": 0.5},
            **organizers,
        },
    )
    x = [-0.25] * 6 + [-0.8, 0.25, 0.9, 0.9]
    role = [CITIZEN] * 7 + [CHAMPION, CITIZEN, CITIZEN]
    party = [-1] * 7 + [1, -1, -1]
    pop = people(x, role, party)
    ps = parties()
    ps.plans = [
        SimpleNamespace(staff_count=2, part_time=1.0, champion_cap=5),
        SimpleNamespace(staff_count=1, part_time=1.0, champion_cap=1),
        SimpleNamespace(staff_count=6, part_time=0.99, champion_cap=10),
    ]
    reachable = [np.ones(10, bool)] * 3
    got = champions.recruit(pop, ps, sc, reachable, np.random.default_rng(0), 9)
    assert got.tolist() == [0, 0, 6]
    assert np.flatnonzero((pop.role == CHAMPION) & (pop.party == 2)).tolist() == list(range(6))
    assert pop.recruited_at[:6].tolist() == [9] * 6
    assert pop.role[6] == CITIZEN and pop.role[7] == CHAMPION


def test_founding_champions_come_from_the_partys_own_stream_on_step_zero():
    """Green founds none (and the loop goes on), blue one, from its pool (rows 0-2, on its
    line; row 3 is nearer red): the row its own stream ("initial_champions", "blue") picks,
    recruited at step 0."""
    sc = scenario(blue={"champions": {"min_engagement": 0.0, "recruit_distance": 0.5}})
    pop = people([0.25, 0.3, 0.2, -0.25], [CITIZEN] * 4, [-1] * 4)
    pop.recruited_at[:] = NEVER
    ps = parties()
    ps.plans = [SimpleNamespace(founding=n) for n in (0, 1, 0)]
    got = champions.seed_champions(pop, ps, sc, 7, [np.ones(4, bool)] * 3)
    assert got.tolist() == [0, 1, 0]
    expected = int(
        party_stream(7, "initial_champions", "blue").choice([0, 1, 2], 1, replace=False)[0]
    )
    assert np.flatnonzero(pop.role == CHAMPION).tolist() == [expected]
    assert pop.party[expected] == 1 and pop.recruited_at[expected] == 0
