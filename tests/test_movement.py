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
    blue = {
        "institution": {"enabled": True},
        "staff": {"per_1000": 5, "ties": 300},
        "champions": {"enabled": True, "min_engagement": 0.0, "recruit_distance": 1.0},
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
        got[era] = movement.recruit(
            model.population, model.citizen_graph, sc, np.random.default_rng(1)
        )
    assert got["social_web"] > 350
    assert got["broadcast"] / got["social_web"] == pytest.approx(1 / 3, abs=0.08)


def test_no_movement_means_no_members_and_no_movement_voice():
    model = SocialWebModel(scenario({"founders_per_1000": 0}))
    model.run(10)
    assert not model.population.member.any()
    assert model.metrics[("share_of_voice", "", "movement")] == 0.0
