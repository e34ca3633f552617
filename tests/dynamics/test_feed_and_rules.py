"""Posting, feed and opinion-update mechanisms: knock-outs and directions."""

from __future__ import annotations

import numpy as np
import pytest

from model.config import scenario_from_dict
from model.config.load import load_scenario
from model.dynamics.feed import candidate_weights, deliver, reading_caps
from model.dynamics.posting import champion_trust, make_posts
from model.dynamics.rules import make_rule, pull
from model.population import CHAMPION, SOURCE_CHAMPION, SOURCE_CITIZEN, SOURCE_INSTITUTION
from model.rng import Draws
from model.runner import run
from model.sim import SocialWebModel
from tests.conftest import small

NO_PARTIES = {"parties": {}, "mobilization": {"enabled": False}}


def world(**sections):
    data = {
        "steps": 100,
        "population": {"citizens": 500, "openness_spread": 0.0, "activity_mean": 0.5},
        **NO_PARTIES,
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return scenario_from_dict(data)


# -- posting ------------------------------------------------------------------------------
def test_champion_post_blends_own_view_and_script():
    sc = small(opinion={"posting_noise": 0.0})
    model = SocialWebModel(sc, seed=1)
    pop = model.population
    pop.activity[:] = 1.0  # everyone posts
    posts = make_posts(pop, model.parties, sc, Draws(0), 1)
    champ = posts.source_type == SOURCE_CHAMPION
    assert champ.any()
    rows = posts.author[champ]
    g = pop.guidance[rows][:, None]
    expected = (1 - g) * pop.x[rows] + g * model.parties.line[0]
    np.testing.assert_allclose(posts.content[champ], expected)
    own = posts.source_type == SOURCE_CITIZEN
    np.testing.assert_allclose(posts.content[own], pop.x[posts.author[own]])


def test_champion_trust_falls_with_guidance_and_penalty_off_restores_it():
    g = np.array([0.0, 0.3, 0.9])
    trust = champion_trust(g, 0.5)
    assert np.all(np.diff(trust) < 0)
    np.testing.assert_allclose(champion_trust(g, 0.0), 1.0)


def test_posts_carry_source_trust():
    sc = small(
        parties={
            "blue": {
                "position": 0.2,
                "institution": {"enabled": True, "trust": 0.4},
                "champions": {"enabled": True, "initial_per_1000": 20, "guidance": 0.6},
            }
        }
    )
    model = SocialWebModel(sc, seed=2)
    model.population.activity[:] = 1.0
    posts = make_posts(model.population, model.parties, sc, Draws(1), 1)
    np.testing.assert_allclose(posts.trust[posts.source_type == SOURCE_INSTITUTION], 0.4)
    np.testing.assert_allclose(posts.trust[posts.source_type == SOURCE_CHAMPION], 1 - 0.5 * 0.6)
    np.testing.assert_allclose(posts.trust[posts.source_type == SOURCE_CITIZEN], 1.0)


# -- feed ---------------------------------------------------------------------------------
def _reads(sc, seed=0):
    model = SocialWebModel(sc, seed=seed)
    posts = make_posts(model.population, model.parties, sc, Draws(seed), 1)
    reads = deliver(posts, model.graph, model.population, model.parties, sc, Draws(seed + 1), 1)
    return model, posts, reads


@pytest.mark.parametrize("attention", [1, 3])
def test_attention_caps_reads_per_citizen(attention):
    _, _, reads = _reads(small(feed={"attention": attention}, population={"activity_mean": 0.8}))
    assert np.bincount(reads.reader).max() == attention


def test_unlimited_attention_reads_every_candidate_post():
    model, posts, reads = _reads(small(feed={"attention": 10_000}))
    g = model.graph
    person = posts.author[posts.author >= 0]
    expected = int((g.indptr[person + 1] - g.indptr[person]).sum())
    expected += sum(
        f.size * int(np.sum((posts.author < 0) & (posts.party == k)))
        for k, f in enumerate(model.parties.followers)
    )
    staff_reads = 0  # staff do not read; subtract what would have reached them
    staff = model.population.role[np.arange(model.population.n)] == 2
    for a in person:
        staff_reads += int(staff[g.neighbours(a)].sum())
    assert reads.size == expected - staff_reads


def test_attention_is_derived_from_the_published_figures():
    model = SocialWebModel(small(), seed=0)
    n = model.population.citizens
    ties = model.citizen_graph.indptr[n] / n  # the citizen graph holds citizens only
    # 300 posts shown a day × 57 % read, 6 % political, 338 accounts followed: one tie stands
    # for 338/ties accounts
    assert model.reading_capacity == pytest.approx(300 * 0.57 * 0.06 * ties / 338)
    doubled = SocialWebModel(small(feed={"seen_per_day": 342}), seed=0)
    assert doubled.reading_capacity == pytest.approx(2 * model.reading_capacity)
    assert SocialWebModel(small(feed={"attention": 2.5}), seed=0).reading_capacity == 2.5


def test_a_fractional_cap_reads_that_many_posts_a_day_on_average():
    sc = dict(population={"activity_mean": 1.0}, parties={})
    _, _, everything = _reads(small(feed={"attention": 10_000}, **sc))
    model, _, capped = _reads(small(feed={"attention": 0.25}, **sc))
    n = model.population.citizens
    has = np.bincount(everything.reader, minlength=n)[:n] >= 1
    read = np.bincount(capped.reader, minlength=n)[:n][has]
    assert read.max() == 1
    # each reader reads one post with probability 0.25: 4 binomial standard errors
    assert abs(read.mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / read.size), read.mean()


def test_a_citizens_cap_depends_only_on_the_seed_the_day_and_the_citizen():
    """Caps are keyed draws: the same citizen gets the same cap on the same day whoever else is
    in the population (paired scenarios stay paired), and a different one on another day."""
    keys = np.arange(1000, dtype=np.uint64) * np.uint64(7919)
    full = reading_caps(0.3, Draws(11), 5, keys)
    assert set(np.unique(full)) == {0, 1}
    np.testing.assert_array_equal(reading_caps(0.3, Draws(11), 5, keys[500:]), full[500:])
    assert not np.array_equal(reading_caps(0.3, Draws(11), 6, keys), full)
    assert abs(full.mean() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / keys.size)
    np.testing.assert_array_equal(reading_caps(2.0, Draws(11), 5, keys), 2)


def test_attention_binds_at_the_defaults():
    """At the defaults (reference scenario, derived attention) most candidate posts go unread
    (Backstrom 2013: about 80 % of candidate stories are not shown), and a good share of the
    citizens who read that day have more candidates than they read — so the feed algorithm has a
    choice to make. (At the old flat attention of 3 about 10 % did.)"""
    sc = load_scenario("scenarios/champion_driven.yaml")
    model, _, reads = _reads(sc)
    _, _, everything = _reads(sc.__class__(**{**sc.__dict__, "feed": _feed(sc, attention=10_000)}))
    n = model.population.citizens
    candidates = np.bincount(everything.reader, minlength=n)[:n]
    read = np.bincount(reads.reader, minlength=n)[:n]
    assert read.sum() < 0.5 * candidates.sum()
    reading = read >= 1  # a citizen who read a post today (its cap was at least 1)
    assert reading.sum() > 200
    assert np.mean(candidates[reading] > read[reading]) > 0.35


def test_similarity_feed_cuts_cross_cutting_exposure_by_a_few_percent():
    """Bakshy, Messing & Adamic 2015 (Science 348:1130): Facebook's ranking cut the cross-cutting
    share of what users saw by 5 % (conservatives) to 8 % (liberals) of what their friends shared.
    At the defaults (derived attention, γ = 1) the similarity feed must cut it too — by more than
    nothing (the weighting acts because attention binds) and by less than 15 % (a ranking that
    hid most cross-cutting posts would contradict the measurement)."""
    base = load_scenario("scenarios/champion_driven.yaml")
    share = {}
    for alg in ("chronological", "similarity"):
        cross, total = 0, 0
        for seed in range(4):
            sc = base.__class__(**{**base.__dict__, "feed": _feed(base, algorithm=alg)})
            model, posts, reads = _reads(sc, seed=seed)
            x = model.population.x[reads.reader, 0]
            cross += int(np.sum(np.sign(x) != np.sign(posts.content[reads.post, 0])))
            total += reads.size
        share[alg] = cross / total
    cut = 1 - share["similarity"] / share["chronological"]
    assert 0.01 < cut < 0.15, share


def _feed(sc, **changes):
    return sc.feed.__class__(**{**sc.feed.__dict__, **changes})


def test_coordination_weighs_a_champions_post_by_one_plus_delta_g():
    sc = small(
        population={"activity_mean": 1.0},
        parties={
            "blue": {
                "position": 0.25,
                "institution": {"enabled": True},
                "staff": {"per_1000": 10},
                "champions": {"enabled": True, "initial_per_1000": 100, "guidance": 0.5},
            }
        },
    )
    model = SocialWebModel(sc, seed=3)
    posts = make_posts(model.population, model.parties, sc, Draws(3), 1)
    post = np.arange(posts.size)
    reader = np.zeros(posts.size, dtype=np.int64)
    w = candidate_weights(sc.feed, posts, model.population, reader, post, np.array([2.0]))
    champ = posts.source_type == SOURCE_CHAMPION
    assert champ.any() and (~champ).any()
    np.testing.assert_allclose(w[champ], 1 + 2.0 * 0.5)
    np.testing.assert_allclose(w[~champ], 1.0)  # peers, the account: unweighted
    off = candidate_weights(sc.feed, posts, model.population, reader, post, np.array([0.0]))
    assert off is None


def test_coordination_raises_the_champion_posts_read_reader_by_reader():
    """Keys are shared (same seed), only the champion's weight changes: a champion post read
    without coordination is still read with it, and some readers switch to champion posts."""
    read = {}
    for delta in (0.0, 3.0):
        sc = small(
            population={"activity_mean": 1.0},
            feed={"attention": 1},
            parties={
                "blue": {
                    "position": 0.25,
                    "staff": {"per_1000": 10},
                    "champions": {
                        "enabled": True,
                        "initial_per_1000": 100,
                        "guidance": 1.0,
                        "coordination": delta,
                    },
                }
            },
        )
        model, posts, reads = _reads(sc, seed=5)
        champ = posts.source_type[reads.post] == SOURCE_CHAMPION
        read[delta] = np.bincount(reads.reader[champ], minlength=model.population.n)
    assert np.all(read[3.0] >= read[0.0])
    assert read[3.0].sum() >= read[0.0].sum() + 10, (read[3.0].sum(), read[0.0].sum())


def test_similarity_feed_reads_closer_posts_and_bias_zero_is_chronological():
    gaps, ses = {}, {}
    for alg in ("chronological", "similarity"):
        model, posts, reads = _reads(
            small(
                population={"citizens": 2000, "activity_mean": 0.8},
                feed={"algorithm": alg, "bias": 3.0},  # the default, derived attention
            )
        )
        gap = np.abs(posts.content[reads.post, 0] - model.population.x[reads.reader, 0])
        gaps[alg], ses[alg] = gap.mean(), gap.std(ddof=1) / np.sqrt(gap.size)
    # same posts and readers, different picks: the gap must shrink by > 4 standard errors
    assert gaps["chronological"] - gaps["similarity"] > 4 * np.hypot(*ses.values())
    a = run(small(feed={"algorithm": "similarity", "bias": 0.0}), seed=4).timeseries
    b = run(small(feed={"algorithm": "chronological"}), seed=4).timeseries
    assert a.equals(b)


def test_engagement_feed_favours_active_sources():
    rates = {}
    for alg in ("chronological", "engagement"):
        _, posts, reads = _reads(
            small(
                population={"citizens": 2000, "activity_mean": 0.5},
                network={"mean_degree": 30},
                feed={"attention": 1, "algorithm": alg, "bias": 2.0},
            )
        )
        rate = posts.rate[reads.post]
        rates[alg] = (rate.mean(), rate.std(ddof=1) / np.sqrt(rate.size))
    # same posts and readers, different picks: the mean source rate must rise by > 4 SE
    gap = rates["engagement"][0] - rates["chronological"][0]
    assert gap > 4 * np.hypot(rates["engagement"][1], rates["chronological"][1]), rates


def test_similarity_feed_slows_consensus():
    """Algorithmic bias keeps opinions apart longer (Sîrbu et al. 2019): paired over 16 seeds,
    the mean paired difference must exceed 3 standard errors."""
    diffs = []
    for seed in range(16):
        sd = {}
        for alg in ("chronological", "similarity"):
            sc = world(
                population={"openness": 0.7},
                opinion={"rate": 0.1},
                feed={"attention": 1, "algorithm": alg, "bias": 2.0},
            )
            sd[alg] = run(sc, seed=seed).summary["final"]["polarization"]
        diffs.append(sd["similarity"] - sd["chronological"])
    diffs = np.array(diffs)
    t = diffs.mean() / (diffs.std(ddof=1) / np.sqrt(diffs.size))
    assert t > 3, diffs


# -- update -------------------------------------------------------------------------------
def test_pull_is_convex_when_weights_exceed_one():
    x = np.array([[0.0]])
    pull(x, np.array([0, 0, 0]), np.array([[1.0], [1.0], [1.0]]), np.array([0.6, 0.6, 0.6]))
    assert x[0, 0] == pytest.approx(1.0)  # rescaled to sum 1: lands on what it read, no overshoot


def _one_read(rule, x, y, trust=1.0, **opinion):
    sc = small(
        parties={},
        opinion={"rule": rule, "rate": 0.1, **opinion},
        population={"openness": 0.5, "openness_spread": 0.0, "rejection": 1.0},
    )
    model = SocialWebModel(sc, seed=0)
    pop = model.population
    pop.x[0, 0] = x
    source = np.array([SOURCE_INSTITUTION])
    effect = make_rule(sc.opinion).read(
        pop, np.array([0]), np.array([[y]]), np.array([trust]), source, np.random.default_rng(0)
    )
    return pop.x[0, 0], effect


def test_assimilation_within_latitude_of_acceptance():
    x, effect = _one_read("social_judgment", 0.0, 0.4)
    assert x == pytest.approx(0.04) and effect.accepted[0]
    x, _ = _one_read("social_judgment", 0.0, 0.4, trust=0.5)
    assert x == pytest.approx(0.02)  # trust scales the pull
    x, effect = _one_read("social_judgment", 0.0, 0.7)
    assert x == 0.0 and not effect.accepted[0]  # between ε and ρ: nothing


def test_backfire_pushes_away_only_when_on():
    x, effect = _one_read("social_judgment", -0.2, 0.9, backfire=True, backfire_rate=0.1)
    assert x == pytest.approx(-0.2 - 0.1 * 1.1) and effect.rejected[0]
    x, effect = _one_read("social_judgment", -0.2, 0.9, backfire=False)
    assert x == -0.2 and not effect.rejected[0]


def test_backfire_polarizes_a_population():
    finals = {}
    for on in (False, True):
        sc = world(
            population={"openness": 0.3, "rejection": 0.6, "activity_mean": 0.3},
            opinion={"rate": 0.05, "backfire": on, "backfire_rate": 0.05},
            steps=60,
        )
        finals[on] = run(sc, seed=1).summary["final"]["polarization"]
    assert finals[True] > 1.5 * finals[False]


def test_classic_rules_ignore_peer_posts_in_feed_but_read_party_posts():
    x, effect = _one_read("deffuant", 0.0, 0.4)
    assert x == pytest.approx(0.04)
    sc = small(parties={}, opinion={"rule": "deffuant"})
    model = SocialWebModel(sc, seed=0)
    before = model.population.x.copy()
    make_rule(sc.opinion).read(
        model.population,
        np.array([0]),
        np.array([[0.1]]),
        np.array([1.0]),
        np.array([SOURCE_CITIZEN]),
        np.random.default_rng(0),
    )
    np.testing.assert_array_equal(model.population.x, before)


def test_staff_hold_the_party_line():
    sc = small(opinion={"rule": "degroot"})
    model = SocialWebModel(sc, seed=0)
    for _ in range(10):
        model.step()
    staff = model.parties.staff_rows[0]
    np.testing.assert_allclose(model.population.x[staff, 0], 0.25)


def test_champions_are_citizens_who_keep_updating():
    model = SocialWebModel(small(), seed=0)
    champs = np.flatnonzero(model.population.role == CHAMPION)
    before = model.population.x[champs].copy()
    for _ in range(10):
        model.step()
    still = champs[model.population.role[champs] == CHAMPION]
    assert not np.allclose(model.population.x[still], before[np.isin(champs, still)])
