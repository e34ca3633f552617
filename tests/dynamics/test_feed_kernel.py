"""The feed's compiled passes (model/dynamics/feed.py: ``feed_posts``, ``feed_candidates``,
``feed_keys``; model/dynamics/contacts.py: ``smallest_rows``) against independent oracles:

- ``reference_deliver`` below is the feed as it was written in NumPy before the passes were
  compiled (one array operation at a time, a loop over the parties), with ``keyed_sample``'s
  argpartition: ``deliver`` must give the same reads, bit for bit, on every step of small runs
  with sponsored posts (one party or two, a cap filled by ads), the similarity feed on one, two
  and three issues, the engagement feed, the broadcast era, fractional attention;
- each pass on a hand-built world whose every candidate, key and cap is worked out by hand;
- compiled and plain-Python twins equal everywhere.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

import model.sim as sim
from model import SocialWebModel, load_scenario
from model.config.load import with_overrides
from model.dynamics import feed
from model.dynamics.contacts import keyed_sample, smallest_rows
from model.dynamics.feed import (
    ENGAGEMENT,
    SIMILARITY,
    SIMILARITY_FLOOR,
    UNIFORM,
    candidate_weights,
    citizen_ties,
    expand_neighbours,
    reading_capacity,
    reading_caps,
)
from model.dynamics.kernels import kernel, run_threaded
from model.jit import twin
from model.population import SOURCE_CHAMPION, SOURCE_CITIZEN, STAFF
from model.rng import Draws, name_key
from tests.conftest import SCENARIOS

TWINS = pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "twin"])


# -- the oracle: the feed in NumPy, as it was --------------------------------------------------
def argpartition_sample(draws, purpose, step, sender, citizens, shown):
    """``keyed_sample`` with NumPy's argpartition (draws without ties)."""
    rows = np.arange(citizens, dtype=np.uint64)
    if shown >= citizens:
        return rows.astype(np.int64)
    u = draws.uniform(purpose, step, sender, rows)
    return np.sort(np.argpartition(u, shown - 1)[:shown]).astype(np.int64)


def reference_deliver(posts, graph, pop, parties, scenario, draws, step, *, capacity=None):
    spec = scenario.feed
    if capacity is None:
        capacity = reading_capacity(spec, citizen_ties(graph, pop.citizens))
    n_parties = len(parties.names)
    names = list(scenario.parties)
    person = np.flatnonzero(posts.author >= 0)
    owner, readers = expand_neighbours(graph, posts.author[person])
    cand = person[owner]
    era = scenario.era
    if era.name == "broadcast":
        heard = draws.uniform("word_of_mouth", step, pop.key[readers], posts.key[cand])
        keep = heard < era.broadcast_reach
        cand, readers = cand[keep], readers[keep]
    cand_post = [cand]
    cand_reader = [readers]
    paid = np.zeros(n_parties, dtype=np.int64)
    paid_post, paid_reader = [], []
    for j in range(len(scenario.parties)):
        own = np.flatnonzero((posts.author < 0) & (posts.party == j))
        if own.size == 0:
            continue
        reach = parties.plans[j].paid_reach
        shown = math.floor(reach * pop.citizens + 1e-9)
        ad = None
        if shown > 0:
            party_key = name_key(names[j])
            who = argpartition_sample(draws, "paid", step, party_key, pop.citizens, shown)
            pick = draws.uniform("paid_post", step, party_key, who.astype(np.uint64))
            ad_post = own[np.minimum((pick * own.size).astype(np.int64), own.size - 1)]
            paid_reader.append(who)
            paid_post.append(ad_post)
            paid[j] = who.size
            ad = np.full(pop.citizens, -1, dtype=np.int64)
            ad[who] = ad_post
        followers = parties.followers[j]
        if followers.size:
            block_post = np.repeat(own, followers.size)
            block_reader = np.broadcast_to(followers, (own.size, followers.size)).ravel()
            if ad is not None:
                fresh = ad[block_reader] != block_post
                block_post, block_reader = block_post[fresh], block_reader[fresh]
            cand_post.append(block_post)
            cand_reader.append(block_reader)
    post = np.concatenate(cand_post)
    reader = np.concatenate(cand_reader)
    keep = pop.role[reader] != STAFF
    post, reader = post[keep], reader[keep]
    delta = np.array([p.champions.coordination for p in scenario.parties.values()])
    weights = candidate_weights(spec, posts, pop, reader, post, delta if delta.size else None)
    key = draws.exponential_gathered("feed", step, pop.key, reader, posts.key, post)
    if weights is not None:
        key /= weights
    if paid_post:
        post = np.concatenate([np.concatenate(paid_post), post])
        reader = np.concatenate([np.concatenate(paid_reader), reader])
        key = np.concatenate([np.full(int(paid.sum()), -1.0), key])
    if reader.size == 0:
        return reader, post, paid
    caps = reading_caps(capacity, draws, step, pop.key)
    if paid_post:
        caps = np.maximum(caps, np.bincount(np.concatenate(paid_reader), minlength=pop.n))
    chosen = run_threaded("attention_select", reader.size, reader, key, pop.n, caps)
    return reader[chosen], post[chosen], paid


VARIANTS = {
    "default": {},
    "similarity": {"feed.algorithm": "similarity", "feed.bias": 1.5},
    "similarity_2": {
        "feed.algorithm": "similarity",
        "feed.bias": 2.0,
        "population.issues": 2,
        "parties.blue.position": [0.25, 0.1],
        "parties.red.position": [-0.25, 0.0],
    },
    "similarity_3": {
        "feed.algorithm": "similarity",
        "feed.bias": 1.0,
        "population.issues": 3,
        "parties.blue.position": [0.25, 0.1, 0.0],
        "parties.red.position": [-0.25, 0.0, 0.2],
    },
    "engagement": {"feed.algorithm": "engagement", "feed.bias": 1.0},
    "attention": {"feed.attention": 2.5},
    "broadcast": {"era.name": "broadcast"},
    # both parties pay, and red's ads fill many caps of 0.3 reads a day
    "paid_both": {
        "parties.red.institution.paid_reach": 0.4,
        "parties.blue.institution.paid_reach": 0.2,
    },
    "paid_attention": {
        "parties.red.institution.paid_reach": 0.5,
        "feed.attention": 1.5,
        "feed.algorithm": "engagement",
        "feed.bias": 2.0,
    },
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_deliver_equals_the_numpy_feed_on_every_step(variant, monkeypatch):
    """Each step of a short run: the compiled ``deliver`` and its plain-Python twins read what
    the NumPy feed reads, the same pairs in the same order, and pay for the same impressions."""
    sc = with_overrides(
        load_scenario(SCENARIOS / "champion_driven.yaml"),
        {"population.citizens": 300, "steps": 6, **VARIANTS[variant]},
    )
    seen = []
    real = sim.deliver

    def compare(*args, **kwargs):
        want = reference_deliver(*args, capacity=kwargs["capacity"])
        for compiled in (True, False):
            got = real(*args, capacity=kwargs["capacity"], use_compiled=compiled)
            for g, w in zip((got.reader, got.post, got.paid_impressions), want, strict=True):
                assert g.dtype == np.int64
                np.testing.assert_array_equal(g, w)
        seen.append((want[0].size, int(want[2].sum())))
        return real(*args, **kwargs)

    monkeypatch.setattr(sim, "deliver", compare)
    model = SocialWebModel(sc, seed=5)
    for _ in range(sc.steps):
        model.step()
    assert len(seen) == sc.steps
    assert sum(reads for reads, _ in seen) > 0  # the comparison saw reads
    if variant.startswith("paid") or variant == "default":
        assert all(impressions > 0 for _, impressions in seen)


# -- feed_posts ---------------------------------------------------------------------------------
@TWINS
def test_feed_posts_sorts_person_posts_from_each_partys_institution_posts(compiled):
    """Posts: p0 by person 3, p1 party 1's institution, p2 by person 0, p3 and p4 party 0's, p5
    an institution of a party out of range (2 of 2 parties): nobody's. Followers' offsets
    [0, 4, 6] come back as row 1, row 2 is zeros."""
    author = np.array([3, -2, 0, -1, -1, -3])
    party = np.array([-1, 1, 0, 0, 0, 2])
    person, sources, own, bounds = twin(feed.feed_posts, use_compiled=compiled)(
        author, party, np.array([0, 4, 6], dtype=np.int64)
    )
    assert person.tolist() == [0, 2]
    assert sources.tolist() == [3, 0]  # p2 is person 0's although it carries party 0
    assert own.tolist() == [3, 4, 1]
    assert bounds.tolist() == [[0, 2, 3], [0, 4, 6], [0, 0, 0]]
    assert person.dtype == sources.dtype == own.dtype == bounds.dtype == np.int64


# -- feed_candidates on a hand-built world ------------------------------------------------------
def candidates(compiled, draws=False, **given):
    """feed_candidates on a world of citizens 0-4 and staff 5 (x = 0, one issue) whose posts
    are p0 by citizen 0, p1 by citizen 1, p2 and p3 by party 0's institution; citizen 0 is tied
    to 1, 2 and staff 5, citizen 1 to 0 and 3; party 0's followers are 2, 3 and 5. Every cap
    is ``whole`` (1); nobody is shown an ad unless ``who`` is given."""
    args = {
        "person": np.array([0, 1]),
        "owner": np.array([0, 0, 0, 1, 1]),
        "neighbour": np.array([1, 2, 5, 0, 3]),
        "heard": np.zeros(0),
        "reach": 0.0,
        "own": np.array([2, 3]),
        "bounds": None,
        "followers": np.array([2, 3, 5]),
        "who": np.zeros(0, np.int64),
        "pick": np.zeros(0),
        "role": np.array([0, 0, 0, 0, 0, STAFF], dtype=np.int8),
        "whole": 1,
        "attention": np.zeros(0),
        "frac": 0.0,
        "key": np.zeros(0, np.uint64),
        "states": np.zeros(0, np.uint64),
        "feed_key": np.zeros(0, np.uint64),
        "post_key": np.array([21, 22, 23, 24], dtype=np.uint64),
        "mode": UNIFORM,
        "content": np.zeros((4, 1)),
        "x": np.zeros((6, 1)),
        "rate": np.ones(4),
        "coordination": np.zeros(0),
        "source_type": np.full(4, SOURCE_CITIZEN, dtype=np.int8),
        "party": np.array([-1, -1, 0, 0]),
        "script": np.zeros(4),
    }
    args.update(given)
    if args["bounds"] is None:
        args["bounds"] = np.array([[0, 2], [0, 3], [0, args["who"].size]], dtype=np.int64)
    got = twin(feed.feed_candidates, use_compiled=compiled)(*args.values())
    return got if draws else got[:5]  # the candidates' draws, when asked for


def pairs(post, reader):
    return list(zip(post.tolist(), reader.tolist(), strict=True))


@TWINS
def test_candidates_are_ties_then_followers_and_staff_read_nothing(compiled):
    """Ties in the expansion's order (p0 to 1, 2; p1 to 0, 3 — staff 5's tie dropped), then
    each institution post to each follower (p2 to 2, 3; p3 to 2, 3 — follower 5 is staff).
    Caps are all 1; unweighted: no base, no boost."""
    post, reader, base, boost, caps = candidates(compiled)
    assert pairs(post, reader) == [
        (0, 1), (0, 2), (1, 0), (1, 3), (2, 2), (2, 3), (3, 2), (3, 3)
    ]  # fmt: skip
    assert caps.tolist() == [1] * 6
    assert base.size == 0 and boost.size == 0


@TWINS
def test_sponsored_posts_come_first_and_are_not_also_organic(compiled):
    """Party 0 shows ads to citizens 3 and 4: 3's draw 0.2 picks p2 (⌊0.2 · 2⌋ = 0), 4's draw
    1.0 (a keyed uniform can be exactly 1) the last post p3 (⌊2⌋ clamped to 1). They come
    first. Citizen 3's cap of 1 is filled by its ad: none of its organic candidates (p1 from
    its tie, p2 and p3 as a follower) is kept — they could never be read. With a cap of 2 it
    keeps p1 and p3 but not p2, the post it was shown as an ad."""
    ads = {"who": np.array([3, 4]), "pick": np.array([0.2, 1.0])}
    post, reader, _, _, caps = candidates(compiled, **ads)
    assert pairs(post, reader) == [(2, 3), (3, 4), (0, 1), (0, 2), (1, 0), (2, 2), (3, 2)]
    assert caps.tolist() == [1] * 6
    post, reader, _, _, caps = candidates(compiled, whole=2, **ads)
    assert pairs(post, reader) == [
        (2, 3), (3, 4), (0, 1), (0, 2), (1, 0), (1, 3), (2, 2), (3, 2), (3, 3)
    ]  # fmt: skip
    assert caps.tolist() == [2] * 6


@TWINS
def test_a_cap_below_the_ads_shown_rises_to_their_number(compiled):
    """Caps 0 (whole 0), plus one where the attention draw is below 0.5: citizens 0 (0.1) and 3
    (0.4), and staff 5 (0.2: caps cover every row); 0.5 itself is not below. Citizen 3 is
    shown two ads (two parties' audiences) and citizen 4 one: their caps rise to 2 and 1;
    citizen 0 keeps 1 — and only it, with a slot left, keeps an organic candidate (p1 from its
    tie)."""
    bounds = np.array([[0, 1, 2], [0, 0, 0], [0, 2, 3]], dtype=np.int64)
    post, reader, _, _, caps = candidates(
        compiled,
        whole=0,
        attention=np.array([0.1, 0.5, 0.9, 0.4, 0.7, 0.2]),
        frac=0.5,
        bounds=bounds,
        who=np.array([3, 4, 3]),
        pick=np.array([0.5, 0.5, 0.5]),
        followers=np.zeros(0, np.int64),
    )
    assert caps.tolist() == [1, 0, 0, 2, 1, 1]
    assert pairs(post, reader) == [(2, 3), (2, 4), (3, 3), (1, 0)]


@TWINS
def test_keyed_attention_and_picks_are_the_draws_of_model_rng(compiled):
    """Given keys and hash states instead of draws, the kernel makes them itself: a person's
    attention draw is Draws.uniform("attention", step, key), an ad's pick
    uniform("paid_post", step, party key, row) and an organic candidate's draw
    uniform("feed", step, key[reader], post key[post]) (the oracle: model.rng's NumPy path).
    Caps are 0 plus one where the draw is below 0.5; party 0 shows its ad to citizens 1 and 4,
    each the post ⌊pick · 2⌋ of p2, p3."""
    draws, oracle, step = Draws(23), Draws(23, use_compiled=False), 6
    key = np.array([11, 12, 13, 14, 15, 16], dtype=np.uint64)
    states = np.array(
        [draws.state(what, step) for what in ("attention", "feed")]
        + [draws.state("paid_post", step, 77)]
    )
    who = np.array([1, 4])
    post, reader, _, _, caps, uniform = candidates(
        compiled, True, whole=0, frac=0.5, key=key, states=states, who=who, feed_key=key
    )
    post_key = np.array([21, 22, 23, 24], dtype=np.uint64)
    organic_post, organic_reader = post[2:], reader[2:]
    assert organic_post.size > 0
    want_uniform = oracle.uniform("feed", step, key[organic_reader], post_key[organic_post])
    assert uniform.tobytes() == want_uniform.tobytes()
    attention = oracle.uniform("attention", step, key)
    assert 0 < (attention < 0.5).sum() < 6  # some draws below the fraction, some not
    want = (attention < 0.5).astype(np.int64)
    want[who] = np.maximum(want[who], 1)  # an ad's reader's cap rises to its one ad
    assert caps.tolist() == want.tolist()
    pick = oracle.uniform("paid_post", step, 77, who.astype(np.uint64))
    assert pairs(post[:2], reader[:2]) == [
        (2 + int(v * 2), r) for v, r in zip(pick, who, strict=True)
    ]


@TWINS
def test_word_of_mouth_keeps_a_tie_only_below_the_reach(compiled):
    """Broadcast era, reach 0.5: the five ties' draws 0.4, 0.5, 0.1, 0.6, 0.2 keep p0 to 1 and
    p1 to 3 (0.5 itself is not below); p0 to staff 5 (0.1) is still dropped; followers are not
    word of mouth."""
    post, reader, _, _, _ = candidates(
        compiled, heard=np.array([0.4, 0.5, 0.1, 0.6, 0.2]), reach=0.5
    )
    assert pairs(post, reader) == [(0, 1), (1, 3), (2, 2), (2, 3), (3, 2), (3, 3)]


@TWINS
@pytest.mark.parametrize("issues", [1, 2])
def test_weight_terms_are_candidate_weights_terms(compiled, issues):
    """The similarity base (d + floor), the engagement base max(rate, 1e-9) and the champion
    boost 1 + δ·g equal ``candidate_weights``' values term by term: base ** ∓γ times boost is
    its weight, bit for bit."""
    rng = np.random.default_rng(issues)
    content = rng.uniform(-1, 1, (4, issues))
    x = rng.uniform(-1, 1, (6, issues))
    rate = np.array([0.3, 0.0, 0.7, 1.0])
    world = {
        "content": content,
        "x": x,
        "rate": rate,
        "coordination": np.array([2.0]),
        "source_type": np.array([SOURCE_CHAMPION, SOURCE_CITIZEN, 1, 1], dtype=np.int8),
        "party": np.array([0, -1, 0, 0]),
        "script": np.array([0.3, 0.0, 1.0, 1.0]),
    }
    posts = SimpleNamespace(**{k: world[k] for k in ("content", "rate", "source_type", "party")})
    posts.script = world["script"]
    pop = SimpleNamespace(x=x)
    for mode, algorithm, gamma in ((SIMILARITY, "similarity", 1.5), (ENGAGEMENT, "engagement", 2)):
        post, reader, base, boost, _ = candidates(compiled, mode=mode, **world)
        assert post.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
        assert boost.tolist() == [1.0 + 2.0 * 0.3] * 2 + [1.0] * 6  # p0 is a champion's
        spec = SimpleNamespace(algorithm=algorithm, bias=gamma)
        want = candidate_weights(spec, posts, pop, reader, post, world["coordination"])
        exponent = -gamma if mode == SIMILARITY else gamma
        assert ((base**exponent) * boost).tolist() == want.tolist()
    post, reader, base, _, _ = candidates(compiled, mode=SIMILARITY, **world)
    gap = content[0] - x[1]  # the first candidate: p0 read by citizen 1
    assert base[0] == math.sqrt(float(np.mean(gap * gap))) + SIMILARITY_FLOOR
    post, reader, base, _, _ = candidates(compiled, mode=ENGAGEMENT, **world)
    assert base.tolist() == [0.3, 0.3, 1e-9, 1e-9, 0.7, 0.7, 1.0, 1.0]  # p1's rate 0: the floor


# -- feed_keys ----------------------------------------------------------------------------------
@TWINS
def test_keys_are_minus_one_for_ads_then_the_draw_over_the_weight(compiled):
    run = twin(feed.feed_keys, use_compiled=compiled)
    draw = np.array([1.0, 2.0, 3.0])
    weight = np.array([2.0, 4.0, 1.0])
    boost = np.array([1.0, 2.0, 1.5])
    assert run(draw, weight, boost, 2).tolist() == [-1.0, -1.0, 0.5, 0.25, 2.0]
    assert run(draw, weight, np.zeros(0), 0).tolist() == [0.5, 0.5, 3.0]
    assert run(draw, np.zeros(0), boost, 1).tolist() == [-1.0, 1.0, 1.0, 2.0]
    assert run(draw, np.zeros(0), np.zeros(0), 0).tolist() == [1.0, 2.0, 3.0]


# -- smallest_rows, keyed_sample ----------------------------------------------------------------
@TWINS
@pytest.mark.parametrize(
    ("citizens", "shown"), [(2000, 60), (2000, 1), (2000, 1999), (300, 150), (7, 3)]
)
def test_keyed_sample_is_the_argpartition_sample(compiled, citizens, shown):
    """Keyed draws have no ties: the same rows as NumPy's argpartition of the draws (model.rng's
    NumPy path), in row order."""
    draws, oracle = Draws(3), Draws(3, use_compiled=False)
    for step in range(12):
        got = keyed_sample(draws, "paid", step, 77, citizens, shown, use_compiled=compiled)
        want = argpartition_sample(oracle, "paid", step, 77, citizens, shown)
        assert got.dtype == np.int64
        assert got.tolist() == want.tolist()


@TWINS
def test_smallest_rows_takes_the_lower_rows_of_a_tie_and_does_not_need_uniform_draws(compiled):
    """Of equal values the lower rows count as smaller. Draws far from uniform (all above the
    first pass's guess) are ordered in full: the same answer."""
    run = twin(smallest_rows, use_compiled=compiled)
    u = np.array([0.5, 0.1, 0.5, 0.5, 0.7])
    assert run(u, 2).tolist() == [0, 1]
    assert run(u, 3).tolist() == [0, 1, 2]
    assert run(u, 0).tolist() == []
    high = 0.9 + 0.1 * np.random.default_rng(1).random(500)
    for shown in (1, 17, 250, 499):
        want = np.sort(np.argpartition(high, shown - 1)[:shown])
        assert run(high, shown).tolist() == want.tolist()


def test_keyed_sample_of_everyone_draws_nothing():
    class NoDraws:
        def uniform(self, *args):
            raise AssertionError("no draw")

    assert keyed_sample(NoDraws(), "paid", 1, 2, 4, 4).tolist() == [0, 1, 2, 3]
    assert keyed_sample(NoDraws(), "paid", 1, 2, 4, 9).tolist() == [0, 1, 2, 3]


def test_warm_up_compiles_the_kernels():
    feed.warm_up()


@TWINS
@pytest.mark.parametrize("largest_cap", [1, 7])
def test_select_reads_is_the_keys_the_selection_and_the_gathered_messages(compiled, largest_cap):
    """The one-pass selection equals its steps taken apart: the keys (feed_keys), each
    reader's smallest (attention_select) and the read posts' fields gathered with NumPy — with
    sponsored candidates first, weights and boosts, caps of at most 1 and larger ones."""
    rng = np.random.default_rng(largest_cap)
    n, posts_n, issues = 60, 40, 2
    for _ in range(20):
        size = int(rng.integers(1, 400))
        paid = int(rng.integers(0, min(size, 20)))
        reader = rng.integers(0, n, size).astype(np.int64)
        post = rng.integers(0, posts_n, size).astype(np.int64)
        caps = rng.integers(0, largest_cap + 1, n).astype(np.int64)
        draw = rng.exponential(size=size - paid)
        weight, boost = rng.uniform(0.1, 2.0, size - paid), rng.uniform(1.0, 3.0, size - paid)
        posts = SimpleNamespace(
            party=rng.integers(-1, 3, posts_n).astype(np.int64),
            source_type=rng.integers(0, 6, posts_n).astype(np.int8),
            content=rng.uniform(-1, 1, (posts_n, issues)),
            trust=rng.uniform(0, 1, posts_n),
            script=rng.uniform(0, 1, posts_n),
        )
        got = twin(feed.select_reads, use_compiled=compiled)(
            draw, weight, boost, paid, reader, post, n, caps, posts.party,
            posts.source_type, posts.content, posts.trust, posts.script,
        )  # fmt: skip
        key = twin(feed.feed_keys, use_compiled=compiled)(draw, weight, boost, paid)
        chosen = kernel("attention_select", use_compiled=compiled)(reader, key, n, caps)
        want = feed._messages(posts, reader[chosen], post[chosen])
        assert chosen.size > 0
        np.testing.assert_array_equal(got[0], reader[chosen])
        np.testing.assert_array_equal(got[1], post[chosen])
        names = ("party", "source", "content", "trust", "script")
        for value, name in zip(got[2:], names, strict=True):
            expected = getattr(want, name)
            assert value.dtype == expected.dtype and value.tobytes() == expected.tobytes(), name
