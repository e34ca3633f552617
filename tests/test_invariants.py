"""Invariants that hold at every step, in every reference scenario and every opinion rule."""

from __future__ import annotations

import numpy as np
import pytest

from model.population import CHAMPION, STAFF
from model.runner import load_scenario
from model.sim import SocialWebModel
from tests.conftest import SCENARIOS, per_1000, small

RULES = [
    "social_judgment",
    "deffuant",
    "hegselmann_krause",
    "voter",
    "degroot",
    "friedkin_johnsen",
]


def check_state(model: SocialWebModel) -> None:
    pop, m = model.population, model.metrics
    names = model.parties.names
    assert np.all(pop.x >= -1.0) and np.all(pop.x <= 1.0), "opinions left [-1, 1]"
    assert np.all((pop.affinity >= 0) & (pop.affinity <= 1))
    votes = sum(m[("vote_share", p, "")] for p in names)
    assert votes + m[("abstention", "", "")] == pytest.approx(1.0, abs=1e-12)
    assert all(0 <= m[("vote_share", p, "")] <= 1 for p in names)
    if m[("posts_read", "", "")] > 0:
        voice = sum(v for (metric, _, _), v in m.items() if metric == "share_of_voice")
        assert voice == pytest.approx(1.0, abs=1e-12), "share of voice must sum to 1"
    for p in names:
        assert m[("cost", p, "")] >= 0 and m[("cumulative_cost", p, "")] >= 0
    champions = np.flatnonzero(pop.role == CHAMPION)
    assert np.all(champions < pop.citizens), "champions must be citizens"
    assert np.all(pop.party[champions] >= 0)
    assert np.all(pop.role[pop.citizens :] == STAFF), "staff rows stay staff"
    specs = list(model.config.parties.values())
    mobilized = np.array([specs[k].champions.mobilized for k in pop.party[champions]], bool)
    assert np.all(pop.engaged[champions][mobilized]), "mobilised champions are engaged"
    assert np.all((pop.motivation[champions] >= 0) & (pop.motivation[champions] <= 1))


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_invariants_every_step_reference_scenarios(path):
    fixed = load_scenario(path).network.kind == "graph_file"  # its size is the file's
    scenario = load_scenario(path, {"steps": 40} | ({} if fixed else {"population.citizens": 300}))
    model = SocialWebModel(scenario, seed=3)
    check_state(model)
    for _ in range(scenario.steps):
        model.step()
        check_state(model)


@pytest.mark.parametrize("rule", RULES)
def test_invariants_every_step_each_rule(rule):
    scenario = small(opinion={"rule": rule, "backfire": True}, steps=30)
    model = SocialWebModel(scenario, seed=5)
    for _ in range(scenario.steps):
        model.step()
        check_state(model)


def test_cumulative_cost_is_sum_of_step_costs(small_scenario):
    model = SocialWebModel(small_scenario, seed=1)
    total = np.zeros(2)
    for _ in range(20):
        model.step()
        total += [model.metrics[("cost", p, "")] for p in model.parties.names]
    assert total == pytest.approx(model.parties.cumulative_cost)


@pytest.mark.parametrize("mode", ["all", "parties"])
def test_champion_views_follow_recruitment_and_burnout_every_step(mode):
    """agents.sync_agents: after every step the Champion views are exactly the champion rows,
    as champions are recruited and burn out (both happen in this run), in both agent modes."""
    from model.agents import Champion, Citizen

    churn = {
        "position": 0.25,
        "institution": {"enabled": True},
        # organizers recruit every step; without shared values a champion's motivation falls
        # from 0.7 toward 0.5, under the burnout threshold of 0.6: they quit within days
        "staff": {"per_1000": per_1000(2, 300), "ties": 60, "recruitment_rate": 1.0},
        "champions": {
            "enabled": True,
            "initial_per_1000": per_1000(10, 300),
            "shared_values": False,
            "burnout_threshold": 0.6,
            "recruit_distance": 2.0,
            "min_engagement": 0.0,
        },
    }
    scenario = small({"blue": churn, "red": {"position": -0.25}})
    model = SocialWebModel(scenario, seed=2, agents=mode)
    for _ in range(30):
        model.step()
        champions = sorted(a.row for a in model.agents_by_type.get(Champion, []))
        assert champions == np.flatnonzero(model.population.role == CHAMPION).tolist()
        plain = [a for a in model.agents_by_type.get(Citizen, []) if type(a) is Citizen]
        assert (len(plain) > 0) == (mode == "all")
    assert model.parties.recruits.sum() > 0 and model.parties.burnouts.sum() > 0


def test_mesa_agent_views_match_roles(small_scenario):
    from model.agents import Champion, Citizen, PartyInstitution, PartyStaff

    model = SocialWebModel(small_scenario, seed=2, agents="all")
    for _ in range(30):
        model.step()
    pop = model.population
    champions = {a.row for a in model.agents_by_type.get(Champion, [])}
    assert champions == set(np.flatnonzero(pop.role == CHAMPION).tolist())
    assert len(model.agents_by_type[PartyStaff]) == 2
    assert len(model.agents_by_type[PartyInstitution]) == 2
    n_citizen_views = len([a for a in model.agents_by_type[Citizen] if type(a) is Citizen])
    assert n_citizen_views + len(champions) == pop.citizens
    one = next(iter(model.agents_by_type[Champion]))
    assert one.authenticity == pytest.approx(1 - 0.5 * one.guidance)
    assert one.opinion[0] == pop.x[one.row, 0]


@pytest.mark.parametrize("rule", RULES)
def test_several_issues(rule):
    parties = {
        "blue": {
            "position": [0.3, -0.2],
            "institution": {"enabled": True},
            "staff": {"per_1000": per_1000(1, 300)},
            "champions": {
                "enabled": True,
                "initial_per_1000": per_1000(5, 300),
                "partnership": True,
            },
        },
        "red": {"position": [-0.3, 0.4], "institution": {"enabled": True}},
    }
    scenario = small(parties=parties, population={"issues": 2}, opinion={"rule": rule}, steps=20)
    model = SocialWebModel(scenario, seed=1)
    for _ in range(scenario.steps):
        model.step()
        check_state(model)
    assert model.population.x.shape == (model.population.n, 2)
