"""Channels off the platform (mass media, canvassing, news), the broadcast era and the influence
metrics (docs/MODEL.md, steps 2 and 7; docs/ODD.md 7.4, 7.8, 4.11).

Each mechanism is tested where it acts and against an oracle computed here, not by the code
under test: exact contact counts from the reach, spend from contacts × price, a candidate
count falling to the era's reach, influence equal to the opinion movement measured by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.config.load import ConfigError, scenario_from_dict
from model.config.plan import plan
from model.dynamics.contacts import keyed_sample
from model.dynamics.rules import pull
from model.rng import Draws
from model.sim import SocialWebModel


def scenario(**extra):
    data = {
        "name": "t",
        "steps": 30,
        "seed": 4,
        "population": {"citizens": 400},
        "parties": {
            "blue": {"position": [0.5]},
            "red": {"position": [-0.5], "institution": {"enabled": True}},
        },
    }
    for path, value in extra.items():
        node = data
        *head, last = path.split("__")
        for key in head:
            node = node.setdefault(key, {})
        node[last] = value
    return scenario_from_dict(data)


def final(sc, steps=None, seed=None):
    model = SocialWebModel(sc, seed=sc.seed if seed is None else seed)
    model.run(steps)
    return model


# -- mass media and canvassing --------------------------------------------------------------


def test_mass_media_contacts_exactly_floor_reach_n_citizens_and_bills_each_contact():
    sc = scenario(parties__blue__mass_media={"reach": 0.137, "cost_per_contact": 0.5})
    model = SocialWebModel(sc)
    model.step()
    blue_media = (model.last_reads_party == 0) & (model.last_reads_source == 4)
    assert blue_media.sum() == math.floor(0.137 * 400)  # 54 contacts
    # spend per 1,000 citizens: 54 contacts × 0.5 / (400 / 1000)
    channels = ["content", "paid_reach", "staff", "champions", "mass_media", "canvass"]
    assert model.spend[0, channels.index("mass_media")] == pytest.approx(54 * 0.5 / 0.4)
    assert model.spend[0, channels.index("canvass")] == 0.0


def test_contacts_are_distinct_citizens_and_keyed_per_day():
    draws = Draws(9)
    a = keyed_sample(draws, "canvass", 3, 77, 1000, 120)
    b = keyed_sample(Draws(9), "canvass", 3, 77, 1000, 120)
    c = keyed_sample(draws, "canvass", 4, 77, 1000, 120)
    assert a.size == 120 and np.unique(a).size == 120 and a.max() < 1000
    assert np.array_equal(a, b)  # same seed, day and sender: the same citizens
    assert not np.array_equal(a, c)  # another day: another set


def test_mass_media_pulls_opinions_toward_the_line():
    """Paired: the same seed with and without blue's broadcasts; only the channel differs."""
    without = final(scenario())
    with_media = final(scenario(parties__blue__mass_media={"reach": 0.3}))

    # citizens on both sides of the line move toward it: the mean distance to +0.5 falls
    def gap(model):
        return np.abs(model.population.x[:400, 0] - 0.5).mean()

    assert gap(without) - gap(with_media) > 0.005
    assert with_media.influence[2] > 0 and without.influence[2] == 0.0


def test_canvassing_moves_blue_affinity_and_vote():
    without = final(scenario(steps=60))
    canvass = final(scenario(steps=60, parties__blue__canvass={"reach": 0.05}))
    aff = canvass.population.affinity[:400, 0].mean() - without.population.affinity[:400, 0].mean()
    assert aff > 0
    assert canvass.vote[0] > without.vote[0]


def test_budget_sizes_offline_channels_and_never_overspends():
    sc = scenario(parties__blue__budget={"per_1000": 60, "mass_media": 0.75, "canvass": 0.25})
    p = plan(sc.parties["blue"], 400)
    assert p.mass_media == pytest.approx(60 * 0.75 / (1000 * 0.5))  # 0.09 of citizens a day
    assert p.canvass == pytest.approx(60 * 0.25 / (1000 * 1.0))  # 0.015
    model = final(sc, steps=20)
    spent = model.spend_total[0]
    assert spent.sum() <= 60 * 20 + 1e-9
    # 36 and 6 contacts a day at 400 citizens: 36·0.5 and 6·1.0 per 0.4 thousand, 20 days
    assert spent[4] == pytest.approx(20 * 36 * 0.5 / 0.4)
    assert spent[5] == pytest.approx(20 * 6 * 1.0 / 0.4)


@pytest.mark.parametrize(
    "party, message",
    [
        (
            {"budget": {"per_1000": 60, "mass_media": 0.5}, "mass_media": {"reach": 0.2}},
            "parties.blue.mass_media.reach: set by the budget",
        ),
        (
            {"budget": {"per_1000": 2000, "canvass": 1.0}},
            "parties.blue.budget.canvass: buys more than one contact per citizen a step",
        ),
        (
            {"budget": {"per_1000": 60, "mass_media": 0.5}, "mass_media": {"cost_per_contact": 0}},
            "parties.blue.mass_media.cost_per_contact: expected > 0",
        ),
    ],
)
def test_offline_budget_mistakes_are_refused_by_key(party, message):
    with pytest.raises(ConfigError) as err:
        scenario(parties__blue={"position": [0.5], **party})
    assert any(message in p for p in err.value.problems), err.value.problems


# -- news outlets ---------------------------------------------------------------------------


def test_news_outlets_reach_their_share_and_pull_toward_their_position():
    base = final(scenario(steps=40))
    news = final(scenario(steps=40, news={"positions": [0.9], "reach": 0.25}))
    model = SocialWebModel(scenario(news={"positions": [0.9, -0.9], "reach": 0.25}))
    model.step()
    from_news = model.last_reads_source == 6
    assert from_news.sum() == 2 * math.floor(0.25 * 400)
    assert (model.last_reads_party[from_news] == -1).all()  # nobody's party
    assert news.population.x[:400, 0].mean() > base.population.x[:400, 0].mean() + 0.01
    assert news.influence[1] > 0
    # news is not a party's voice: it moves no party affinity. Without parties' messages
    # (activity 0, no accounts) affinity only decays, with news or without
    quiet = {"population": {"citizens": 400, "activity_mean": 0.0}}
    silent = final(scenario(steps=10, **quiet))
    loud = final(scenario(steps=10, news={"positions": [0.5], "reach": 0.5}, **quiet))
    assert loud.influence[1] > 0
    assert np.array_equal(loud.population.affinity, silent.population.affinity)


# -- eras -----------------------------------------------------------------------------------


def test_broadcast_era_cuts_word_of_mouth_to_its_reach():
    """With attention unlimited every candidate is read, so citizens' posts read fall to the
    era's reach: 0.2 of the social web's, within binomial noise."""
    counts = {}
    for era in ("social_web", "broadcast"):
        sc = scenario(
            era={"name": era, "broadcast_reach": 0.2},
            feed={"attention": 10_000},
            population={"citizens": 400, "activity_mean": 0.5},
        )
        model = SocialWebModel(sc)
        total = 0
        for _ in range(10):
            model.step()
            total += int(np.count_nonzero(model.last_reads_source == 0))
        counts[era] = total
    ratio = counts["broadcast"] / counts["social_web"]
    # tens of thousands of candidate pairs: the binomial sd of the ratio is well under 0.01;
    # opinions diverge a little between the arms, so allow 0.03
    assert counts["social_web"] > 5000
    assert ratio == pytest.approx(0.2, abs=0.03)


def test_broadcast_era_leaves_institution_followers_untouched():
    reads = {}
    for era in ("social_web", "broadcast"):
        model = SocialWebModel(scenario(era={"name": era}, feed={"attention": 10_000}))
        model.step()
        reads[era] = int(np.count_nonzero(model.last_reads_source == 1))
    assert reads["social_web"] == reads["broadcast"] > 0


def test_broadcast_era_organizing_costs_more():
    party = scenario(
        parties__blue={
            "position": [0.5],
            "staff": {"per_1000": 2.5},
            "champions": {"enabled": True, "cost_per_step": 2.0},
        }
    ).parties["blue"]
    social = scenario(era={"name": "social_web"}).era
    broadcast = scenario(era={"name": "broadcast", "broadcast_organizing_cost": 3.0}).era
    # 2,000 citizens: T = 5 organizers × 20 champions each = 100; ÷ 3 → 33
    assert plan(party, 2000, social).champion_cap == 100
    assert plan(party, 2000, broadcast).champion_cap == 33
    assert plan(party, 2000, broadcast).planned["champions"] == pytest.approx(33 * 2.0 * 3.0)


def test_broadcast_era_bills_champions_at_the_organizing_cost():
    sc = scenario(
        era={"name": "broadcast", "broadcast_organizing_cost": 2.5},
        parties__blue={
            "position": [0.5],
            "staff": {"per_1000": 5},
            "champions": {"enabled": True, "initial_per_1000": 20, "cost_per_step": 1.0},
        },
    )
    model = SocialWebModel(sc)
    model.step()
    active = int(np.count_nonzero((model.population.role == 1) & (model.population.party == 0)))
    assert active > 0
    assert model.spend[0, 3] == pytest.approx(active * 1.0 * 2.5 / 0.4)


# -- influence --------------------------------------------------------------------------------


def test_pull_reports_each_reads_movement_after_the_no_overshoot_scaling():
    x = np.array([[0.0], [0.5]])
    reader = np.array([0, 0, 1])
    content = np.array([[1.0], [-1.0], [0.1]])
    weight = np.array([0.8, 0.4, 0.5])  # reader 0's weights sum to 1.2: scaled by 1/1.2
    moved = pull(x, reader, content, weight)
    assert moved == pytest.approx([0.8 / 1.2 * 1.0, 0.4 / 1.2 * 1.0, 0.5 * 0.4])
    assert x[1, 0] == pytest.approx(0.5 + 0.5 * (0.1 - 0.5))


def test_peer_process_influence_equals_the_movement_measured_step_by_step():
    sc = scenario(opinion={"rule": "deffuant", "rate": 0.3}, parties={}, steps=15)
    model = SocialWebModel(sc)
    moved = 0.0
    for _ in range(15):
        before = model.population.x[:400, 0].copy()
        model.step()
        moved += float(np.abs(model.population.x[:400, 0] - before).sum())
    assert moved > 1.0
    assert model.metrics[("influence", "", "citizen")] == pytest.approx(moved / 400, rel=1e-9)
    assert model.metrics[("party_influence_share", "", "")] == 0.0


def test_party_influence_share_is_one_when_only_a_party_speaks():
    sc = scenario(
        population={"citizens": 400, "activity_mean": 0.0},
        parties={"blue": {"position": [0.5], "mass_media": {"reach": 0.2}}},
        mobilization={"enabled": False},
    )
    model = final(sc, steps=10)
    assert model.metrics[("party_influence_share", "", "")] == 1.0
    assert model.metrics[("influence", "blue", "")] > 0


def test_friedkin_johnsen_stubbornness_is_nobodys_influence():
    """With a huge self-weight the peers barely move anyone, while (1 − λ) pulls opinions back
    toward x(0) every step; only blue's broadcasts move opinions away from it. The pull back is
    stubbornness, not citizens' influence, so parties keep almost all of the influence."""
    sc = scenario(
        population={"citizens": 400, "activity_mean": 0.0},
        opinion={"rule": "friedkin_johnsen", "susceptibility": 0.5, "self_weight": 1e6},
        parties={"blue": {"position": [0.5], "mass_media": {"reach": 0.3}}},
        mobilization={"enabled": False},
    )
    model = final(sc, steps=20)
    assert model.metrics[("influence", "blue", "")] > 0
    assert model.metrics[("party_influence_share", "", "")] > 0.99


def test_news_alone_is_delivered_without_parties_or_posts():
    sc = scenario(
        population={"citizens": 400, "activity_mean": 0.0},
        parties={},
        news={"positions": [0.9], "reach": 0.5},
    )
    model = final(sc, steps=5)
    assert model.influence[1] > 0
    assert model.metrics[("share_of_voice", "", "news")] == 1.0
