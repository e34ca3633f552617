"""The citizens' movement and the parties' responses (docs/MODEL.md, step 4; model/dynamics/
movement.py). Each mechanism is tested where it acts; oracles are computed here."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.load import scenario_from_dict
from model.dynamics import movement
from model.dynamics.posting import make_posts
from model.population import CHAMPION, SOURCE_MOVEMENT
from model.sim import SocialWebModel


def scenario(movement_spec=None, blue=None, **extra):
    data = {
        "name": "m",
        "steps": 40,
        "seed": 8,
        "population": {"citizens": 1000},
        "movement": {"founders_per_1000": 20, "position": [0.6], **(movement_spec or {})},
        "parties": {
            "blue": {"position": [0.25], **(blue or {})},
            "red": {"position": [-0.25], "institution": {"enabled": True}},
        },
        **extra,
    }
    return scenario_from_dict(data)


def test_founders_are_near_the_position_and_mobilised():
    model = SocialWebModel(scenario({"recruit_distance": 0.3}))
    members = np.flatnonzero(model.population.member)
    assert members.size == 20 == model.founding_members
    assert (np.abs(model.population.x[members, 0] - 0.6) < 0.3).all()
    assert model.population.engaged[members].all()
    assert (members < model.population.citizens).all()


def test_new_members_are_contacts_of_members_and_near_the_position():
    model = SocialWebModel(scenario({"recruitment_rate": 0.3, "recruit_distance": 0.4}))
    graph = model.citizen_graph
    joined = 0
    for _ in range(15):
        before = model.population.member.copy()
        model.step()
        new = np.flatnonzero(model.population.member & ~before)
        for row in new:
            contacts = graph.indices[graph.indptr[row] : graph.indptr[row + 1]]
            assert before[contacts].any(), "a recruit must be a contact of a member"
        joined += new.size
    assert joined > 20


def test_membership_cap_binds():
    sc = scenario({"recruitment_rate": 1.0, "recruit_distance": 2.0, "max_per_1000": 50})
    model = SocialWebModel(sc)
    counts = []
    for _ in range(20):
        model.step()
        counts.append(int(model.population.member.sum()))
    assert max(counts) == 50 and counts[-1] == 50  # 50 per 1,000 among 1,000 citizens


def test_members_post_the_movements_message_as_no_party():
    sc = scenario(opinion={"posting_noise": 0.0}, movement_spec={"guidance": 0.4})
    model = SocialWebModel(sc)
    pop = model.population
    posts = make_posts(pop, model.parties, sc, model.draws, 1)
    authors = posts.author
    by_member = (authors >= 0) & (authors < pop.citizens)
    by_member[by_member] = pop.member[authors[by_member]]
    assert by_member.sum() > 0
    assert (posts.source_type[by_member] == SOURCE_MOVEMENT).all()
    assert (posts.party[by_member] == -1).all() and (posts.trust[by_member] == 1.0).all()
    expected = 0.6 * pop.x[authors[by_member], 0] + 0.4 * 0.6
    assert posts.content[by_member, 0] == pytest.approx(np.clip(expected, -1, 1))


def test_engaging_party_moves_its_line_toward_the_members_each_step():
    sc = scenario(blue={"movement": {"response": "engage", "rate": 0.05}})
    model = SocialWebModel(sc)
    for _ in range(5):
        line = model.parties.line[0, 0]
        model.step()
        members = model.population.member
        mean = model.population.x[members, 0].mean()
        assert model.parties.line[0, 0] == pytest.approx(line + 0.05 * (mean - line))
    assert model.parties.line[0, 0] > 0.26
    assert model.parties.line[1, 0] == -0.25  # red ignores


def test_ignoring_party_never_recruits_members_and_co_opting_one_does():
    """Blue's organizers reach only their own few contacts, and only engaged citizens qualify:
    members (mobilised) are then most of a co-opting party's pool, and none of an ignoring
    party's."""
    blue = {
        "staff": {"per_1000": 5, "ties": 5},
        "champions": {"enabled": True, "min_engagement": 0.9, "recruit_distance": 1.0},
    }
    co_opted = {}
    for response in ("ignore", "co_opt"):
        sc = scenario({"recruit_distance": 0.5}, blue={**blue, "movement": {"response": response}})
        model = SocialWebModel(sc)
        count = 0
        for _ in range(30):
            before = model.population.member.copy()
            was_champion = model.population.role == CHAMPION
            model.step()
            new_champions = (model.population.role == CHAMPION) & ~was_champion
            count += int(np.count_nonzero(new_champions & before))
            assert not (model.population.member & (model.population.role == CHAMPION)).any()
        co_opted[response] = count
    assert co_opted["ignore"] == 0
    assert co_opted["co_opt"] > 0


def test_broadcast_era_slows_recruitment_by_the_organizing_cost():
    """Every contact qualifies and everyone who calls finds one: recruits per step are the
    callers, Binomial(400, rate / cost); 400 vs about 133, so the ratio is 1/3 within 0.08
    (three standard errors)."""
    got = {}
    for era in ("social_web", "broadcast"):
        sc = scenario(
            {
                "founders_per_1000": 100,
                "recruitment_rate": 1.0,
                "recruit_distance": 2.0,
                "max_per_1000": 1000,
            },
            population={"citizens": 4000},
            network={"mean_degree": 40},
            era={"name": era, "broadcast_organizing_cost": 3.0},
        )
        model = SocialWebModel(sc)
        got[era] = movement.recruit(model.population, model.citizen_graph, sc, model.draws, 1)
    assert got["social_web"] > 350
    assert got["broadcast"] / got["social_web"] == pytest.approx(1 / 3, abs=0.08)


def test_no_movement_means_no_members_and_no_movement_voice():
    model = SocialWebModel(scenario({"founders_per_1000": 0}))
    model.run(10)
    assert not model.population.member.any()
    assert model.metrics[("share_of_voice", "", "movement")] == 0.0


# -- several election cycles (election.cycle, champions.win_bonus) ---------------------------


def cycles(win_bonus=0.0, cycle=10, steps=30):
    champs = {
        "enabled": True,
        "initial_per_1000": 20,
        "win_bonus": win_bonus,
        "min_engagement": 0.0,
    }
    return scenario_from_dict(
        {
            "name": "c",
            "steps": steps,
            "seed": 3,
            "population": {"citizens": 600},
            "election": {"cycle": cycle},
            "parties": {
                "blue": {
                    "position": [0.25],
                    "institution": {"enabled": True},
                    "staff": {"per_1000": 5},
                    "champions": champs,
                },
                "red": {"position": [-0.25], "staff": {"per_1000": 5}, "champions": champs},
            },
        }
    )


def test_an_election_every_cycle_records_that_days_vote_and_its_winner():
    model = SocialWebModel(cycles())
    seen = []
    for t in range(1, 31):
        model.step()
        if t % 10 == 0:
            seen.append(model.vote.copy())
    assert len(model.elections) == 3
    for got, expected in zip(model.elections, seen, strict=True):
        assert np.array_equal(got, expected)
    wins = np.bincount([int(np.argmax(v)) for v in seen], minlength=2)
    assert np.array_equal(model.elections_won, wins)


def test_win_bonus_moves_winners_up_and_losers_down_at_an_election():
    plain, bonus = SocialWebModel(cycles(0.0)), SocialWebModel(cycles(0.2))
    for _ in range(10):  # identical until the bonus at the end of step 10
        plain.step()
        bonus.step()
    pop = plain.population
    winner = int(np.argmax(plain.vote))
    for k in (0, 1):
        rows = np.flatnonzero((pop.role == CHAMPION) & (pop.party == k))
        assert rows.size > 0
        sign = 1.0 if k == winner else -1.0
        expected = np.clip(pop.motivation[rows] + sign * 0.2, 0.0, 1.0)
        assert bonus.population.motivation[rows] == pytest.approx(expected)


def test_no_bonus_after_the_last_election():
    plain, bonus = (
        SocialWebModel(cycles(0.0, cycle=10, steps=10)),
        SocialWebModel(cycles(0.2, cycle=10, steps=10)),
    )
    plain.run()
    bonus.run()
    assert np.array_equal(plain.population.motivation, bonus.population.motivation)


def test_cycle_must_divide_the_campaign():
    from model.config.load import ConfigError

    with pytest.raises(ConfigError) as err:
        cycles(cycle=7, steps=30)
    message = "election.cycle: expected a divisor of steps (30) so that the last step is an"
    assert any(message in p for p in err.value.problems), err.value.problems
