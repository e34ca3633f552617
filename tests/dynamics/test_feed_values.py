"""Exact feeds (model/dynamics/feed.py) for hand-built networks, posts and draws: who is a
candidate for which post, the attention cap, the platform's weights, word of mouth in the
broadcast era and sponsored posts are worked out in each test (random draws chosen by hand with
``tests.hand_draws``).

Written against the surviving mutants of the mutation run (issue 13): neighbour expansion,
the citizens' mean ties, the derived attention, the fractional cap's draw, each weighting
formula, the staff filter, word of mouth's strict threshold, the exact size of a paid audience,
the sponsored post's place at the top and its cap."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model.config.load import scenario_from_dict
from model.dynamics.feed import (
    SIMILARITY_FLOOR,
    candidate_weights,
    citizen_ties,
    deliver,
    expand_neighbours,
    reading_capacity,
    reading_caps,
)
from model.dynamics.posting import Posts
from model.network.csr import from_edges
from model.population import (
    CHAMPION,
    CITIZEN,
    SOURCE_CHAMPION,
    SOURCE_CITIZEN,
    SOURCE_INSTITUTION,
    SOURCE_STAFF,
    STAFF,
    Parties,
)
from model.rng import name_key
from tests.hand_draws import HandDraws, hand_population

STEP = 3
PERSON_KEY = 100  # person keys are 100 + row
POST_KEY = 50  # post (author) keys are 50 + post index


class FeedDraws(HandDraws):
    """Hand-chosen draws, the feed's exponential keys included."""

    exponential = HandDraws.uniform
    exponential_gathered = HandDraws.uniform_gathered


def graph(n, edges):
    u, v = zip(*edges, strict=True)
    return from_edges(n, np.array(u), np.array(v))


# -- expand_neighbours, citizen_ties, reading_capacity ---------------------------------------
def test_expand_neighbours_lists_every_neighbour_of_every_source_in_order():
    """Path 0 - 1 - 2, node 3 isolated. Sources [1, 0, 3, 1, 2]: 1 has neighbours 0 and 2, 0
    has 1, 3 none, 1 again 0 and 2, 2 has 1 — owners are positions in ``sources``."""
    g = graph(4, [(0, 1), (1, 2)])
    owner, nb = expand_neighbours(g, np.array([1, 0, 3, 1, 2]))
    np.testing.assert_array_equal(owner, [0, 0, 1, 3, 3, 4])
    np.testing.assert_array_equal(nb, [0, 2, 1, 0, 2, 1])
    assert nb.dtype == np.int64
    owner, nb = expand_neighbours(g, np.array([3]))
    assert owner.size == nb.size == 0


def test_citizen_ties_count_only_ties_between_citizens():
    """Citizens 0, 1, 2 and a staff member 3: ties 0-1, 1-2, 2-3, 0-3. Citizen ends of
    citizen-citizen ties: 0→1, 1→0, 1→2, 2→1 = 4 over 3 citizens; the ties to staff do not
    count. No citizens: 0."""
    g = graph(4, [(0, 1), (1, 2), (2, 3), (0, 3)])
    assert citizen_ties(g, 3) == pytest.approx(4 / 3)
    assert citizen_ties(g, 0) == 0.0


def test_reading_capacity_is_the_setting_or_derived_from_the_published_figures():
    """A = seen_per_day · political_share · max(ties, 1) / accounts_followed: 200 · 0.05 · 4 /
    100 = 0.4; with ties 0.5 the max(…, 1) binds: 0.1; a setting of attention wins."""
    spec = SimpleNamespace(
        attention=0.0, seen_per_day=200.0, political_share=0.05, accounts_followed=100.0
    )
    assert reading_capacity(spec, 4.0) == pytest.approx(0.4)
    assert reading_capacity(spec, 0.5) == pytest.approx(0.1)
    assert reading_capacity(spec, 1.0) == pytest.approx(0.1)
    spec.attention = 2.5
    assert reading_capacity(spec, 4.0) == 2.5
    spec.attention = 0.5  # below one post a step: still the setting
    assert reading_capacity(spec, 4.0) == 0.5


# -- reading_caps -----------------------------------------------------------------------------
def test_a_fractional_cap_adds_one_read_when_the_keyed_draw_is_below_the_fraction():
    """A = 2.25: floor 2, plus one where the ("attention", step, key) draw is below 0.25 —
    0.1 yes, 0.25 (exactly the fraction) no, 0.9 no."""
    keys = np.array([7, 8, 9], dtype=np.uint64)
    draws = HandDraws(
        {("attention", STEP, 7): 0.1, ("attention", STEP, 8): 0.25, ("attention", STEP, 9): 0.9}
    )
    caps = reading_caps(2.25, draws, STEP, keys)
    np.testing.assert_array_equal(caps, [3, 2, 2])
    assert caps.dtype == np.int64


def test_a_whole_cap_draws_nothing():
    """A = 2 (and A = 2 + 1e-13, a rounding residue): every cap is 2 and no draw is made (the
    empty table fails any draw)."""
    keys = np.array([7, 8], dtype=np.uint64)
    np.testing.assert_array_equal(reading_caps(2.0, HandDraws({}), STEP, keys), [2, 2])
    np.testing.assert_array_equal(reading_caps(2.0 + 1e-13, HandDraws({}), STEP, keys), [2, 2])
    np.testing.assert_array_equal(reading_caps(0.0, HandDraws({}), STEP, keys), [0, 0])


# -- candidate_weights ------------------------------------------------------------------------
def posts_of(content, *, source_type=None, party=None, rate=None, script=None):
    content = np.asarray(content, dtype=float)
    content = content.reshape(content.shape[0], -1)
    m = content.shape[0]
    return Posts(
        author=np.arange(m),
        party=np.asarray(party if party is not None else [-1] * m),
        source_type=np.asarray(source_type if source_type is not None else [0] * m),
        content=content,
        trust=np.ones(m),
        rate=np.asarray(rate if rate is not None else [1.0] * m, dtype=float),
        key=POST_KEY + np.arange(m, dtype=np.uint64),
        script=np.asarray(script if script is not None else [0.0] * m, dtype=float),
    )


def feed_spec(algorithm, bias):
    return SimpleNamespace(algorithm=algorithm, bias=bias)


def test_similarity_weight_is_the_rms_distance_plus_floor_to_the_minus_gamma():
    """Two issues. Reader 0 at (0, 0), reader 1 at (0.5, -0.5). Post 0 at (0.3, 0.4): RMS gap
    to reader 0 √((0.09 + 0.16)/2) = √0.125; post 1 at (0.5, -0.5): 0 to reader 1, weight
    0.01^-2 = 10⁴; post 1 to reader 0: √0.25 = 0.5. γ = 2."""
    pop = hand_population([[0.0, 0.0], [0.5, -0.5]])
    posts = posts_of([[0.3, 0.4], [0.5, -0.5]])
    w = candidate_weights(
        feed_spec("similarity", 2.0), posts, pop, np.array([0, 1, 0]), np.array([0, 1, 1])
    )
    d0 = np.sqrt(0.125)
    assert w == pytest.approx([(d0 + 0.01) ** -2, 0.01**-2, (0.5 + 0.01) ** -2])
    assert SIMILARITY_FLOOR == 0.01


def test_engagement_weight_is_the_source_rate_to_the_gamma_with_a_floor():
    """Rates 0.5, 0.2 and 0 at γ = 3: 0.125, 0.008 and (1e-9)³ = 1e-27 (a silent source
    keeps a positive weight)."""
    pop = hand_population([0.0])
    posts = posts_of([0.0, 0.0, 0.0], rate=[0.5, 0.2, 0.0])
    w = candidate_weights(
        feed_spec("engagement", 3.0), posts, pop, np.zeros(3, int), np.array([0, 1, 2])
    )
    assert w == pytest.approx([0.125, 0.008, 1e-27], rel=1e-12)
    assert w[2] > 0


def test_bias_zero_and_the_chronological_feed_are_unweighted():
    """γ = 0 under similarity or engagement, and the chronological feed whatever γ: None."""
    pop = hand_population([0.0])
    posts = posts_of([0.5], rate=[0.5])
    one = (np.array([0]), np.array([0]))
    assert candidate_weights(feed_spec("similarity", 0.0), posts, pop, *one) is None
    assert candidate_weights(feed_spec("engagement", 0.0), posts, pop, *one) is None
    assert candidate_weights(feed_spec("chronological", 2.0), posts, pop, *one) is None


def test_coordination_multiplies_a_champions_post_by_one_plus_its_partys_delta_times_g():
    """Posts: a champion of party 1 with script share g = 0.5, a champion of party 0 with
    g = 0.8, a citizen, an institution of party 1 (script 1). δ = (0.5, 2): the champions get
    1 + 2 · 0.5 = 2 and 1 + 0.5 · 0.8 = 1.4; the others 1. Times the engagement weight
    (rates 0.5, 1, 0.25, 1 at γ = 1)."""
    pop = hand_population([0.0])
    posts = posts_of(
        [0.0] * 4,
        source_type=[SOURCE_CHAMPION, SOURCE_CHAMPION, SOURCE_CITIZEN, SOURCE_INSTITUTION],
        party=[1, 0, -1, 1],
        rate=[0.5, 1.0, 0.25, 1.0],
        script=[0.5, 0.8, 0.0, 1.0],
    )
    reader, post = np.zeros(4, int), np.arange(4)
    delta = np.array([0.5, 2.0])
    w = candidate_weights(feed_spec("chronological", 1.0), posts, pop, reader, post, delta)
    assert w == pytest.approx([2.0, 1.4, 1.0, 1.0])
    w = candidate_weights(feed_spec("engagement", 1.0), posts, pop, reader, post, delta)
    assert w == pytest.approx([0.5 * 2.0, 1.4, 0.25, 1.0])
    # no champion's post among the candidates: unweighted
    rest = np.array([2, 3])
    assert (
        candidate_weights(feed_spec("chronological", 1.0), posts, pop, reader[:2], rest, delta)
        is None
    )


# -- deliver ----------------------------------------------------------------------------------
def world(feed=None, era=None, blue=None):
    """A scenario with one party, blue, whose institution posts (coordination δ = 0 unless
    given)."""
    return scenario_from_dict(
        {
            "name": "hand",
            "steps": 10,
            "population": {"citizens": 4},
            "network": {"mean_degree": 2},
            "feed": {"attention": 2, **(feed or {})},
            "era": era or {},
            "parties": {
                "blue": {"position": [0.25], "institution": {"enabled": True}, **(blue or {})}
            },
        }
    )


def parties(followers, paid_reach=0.0):
    return Parties(
        names=["blue"],
        line=np.array([[0.25]]),
        followers=[np.asarray(followers, dtype=np.int64)],
        staff_rows=[np.array([4])],
        cumulative_cost=np.zeros(1),
        burnouts=np.zeros(1),
        recruits=np.zeros(1),
        plans=[SimpleNamespace(paid_reach=paid_reach)],
    )


def five_people(x=None):
    """Citizens 0-3 and blue's staff member 4. Ties 0-1, 0-2, 1-3, 2-3, 0-4."""
    pop = hand_population(
        x if x is not None else [0.0] * 5,
        parties=1,
        role=[CITIZEN, CITIZEN, CITIZEN, CITIZEN, STAFF],
        party=[-1, -1, -1, -1, 0],
        key=PERSON_KEY + np.arange(5, dtype=np.uint64),
    )
    return pop, graph(5, [(0, 1), (0, 2), (1, 3), (2, 3), (0, 4)])


def five_posts(content=None):
    """p0 by citizen 0, p1 by citizen 3, p2 by staff 4, p3 and p4 by blue's institution."""
    return Posts(
        author=np.array([0, 3, 4, -1, -1]),
        party=np.array([-1, -1, 0, 0, 0]),
        source_type=np.array(
            [SOURCE_CITIZEN, SOURCE_CITIZEN, SOURCE_STAFF, SOURCE_INSTITUTION, SOURCE_INSTITUTION]
        ),
        content=np.array(content if content is not None else [[0.0]] * 5, dtype=float),
        trust=np.ones(5),
        rate=np.ones(5),
        key=POST_KEY + np.arange(5, dtype=np.uint64),
        script=np.array([0.0, 0.0, 1.0, 1.0, 1.0]),
    )


def feed_keys(pairs):
    """{(reader, post): key} -> the table of ("feed", STEP, reader key, post key) draws."""
    return {("feed", STEP, PERSON_KEY + r, POST_KEY + p): k for (r, p), k in pairs.items()}


def reads_of(reads):
    return list(zip(reads.reader.tolist(), reads.post.tolist(), strict=True))


ORGANIC = {
    # reader 0: the staff post only (its neighbour 4); staff 4 reads nothing
    (0, 2): 0.6,
    # reader 1: p0 (from 0), p1 (from 3), and blue's p3, p4 (a follower)
    (1, 0): 0.5,
    (1, 1): 0.2,
    (1, 3): 0.9,
    (1, 4): 0.1,
    # reader 2: p0, p1 and blue's posts (a follower)
    (2, 0): 0.3,
    (2, 1): 0.8,
    (2, 3): 0.4,
    (2, 4): 0.7,
    # reader 3: p1 is its own; it sees nothing from 0, follows nobody
}


def test_each_reader_reads_its_two_smallest_keys_among_its_candidates():
    """Candidates: neighbours' posts (not one's own) and the posts of followed institutions;
    the staff member (tied to 0) is not a reader. A = 2: reader 0 reads its only candidate
    p2, reader 1 p4 (0.1) then p1 (0.2), reader 2 p0 (0.3) then p3 (0.4); reader 3 has none.
    Ordered by reader, then key. Every feed draw is keyed (step, reader key, author key): the
    table holds no other (a staff candidate would fail the test)."""
    pop, g = five_people()
    draws = FeedDraws(feed_keys(ORGANIC))
    reads = deliver(five_posts(), g, pop, parties([1, 2]), world(), draws, STEP)
    assert reads_of(reads) == [(0, 2), (1, 4), (1, 1), (2, 0), (2, 3)]
    np.testing.assert_array_equal(reads.paid_impressions, [0])
    assert reads.size == 5
    assert sorted(draws.asked) == sorted(feed_keys(ORGANIC))


def test_a_cap_of_one_keeps_each_readers_smallest_key():
    """A = 1: reader 0 p2, reader 1 p4, reader 2 p0."""
    pop, g = five_people()
    reads = deliver(
        five_posts(),
        g,
        pop,
        parties([1, 2]),
        world(feed={"attention": 1}),
        FeedDraws(feed_keys(ORGANIC)),
        STEP,
    )
    assert reads_of(reads) == [(0, 2), (1, 4), (2, 0)]


def test_the_derived_capacity_comes_from_the_citizens_ties():
    """attention 0: A derived from the citizens' mean ties, 8 / 4 = 2 (0-1, 0-2, 1-3, 2-3 both
    ways; the tie 0-4 to staff left out), with seen_per_day · political_share /
    accounts_followed = 100 · 0.5 / 50 = 1: A = 2, whole, no attention draw — the same reads
    as with attention 2."""
    pop, g = five_people()
    sc = world(
        feed={"attention": 0, "seen_per_day": 100, "political_share": 0.5, "accounts_followed": 50}
    )
    reads = deliver(five_posts(), g, pop, parties([1, 2]), sc, FeedDraws(feed_keys(ORGANIC)), STEP)
    assert reads_of(reads) == [(0, 2), (1, 4), (1, 1), (2, 0), (2, 3)]


def test_a_given_capacity_overrides_the_scenario():
    """``capacity=1`` wins over the scenario's attention of 2."""
    pop, g = five_people()
    reads = deliver(
        five_posts(),
        g,
        pop,
        parties([1, 2]),
        world(),
        FeedDraws(feed_keys(ORGANIC)),
        STEP,
        capacity=1.0,
    )
    assert reads_of(reads) == [(0, 2), (1, 4), (2, 0)]


def test_a_fractional_capacity_draws_each_persons_extra_read_by_its_key():
    """A = 1.5: each person (staff included: caps cover every row) gets 1 + [u < 0.5] with u
    keyed ("attention", step, person key). Reader 1's draw 0.2 gives it 2 reads, reader 2's
    0.5 (exactly the fraction) 1."""
    pop, g = five_people()
    table = feed_keys(ORGANIC)
    table.update(
        {("attention", STEP, PERSON_KEY + r): u for r, u in enumerate([0.9, 0.2, 0.5, 0.1, 0.3])}
    )
    reads = deliver(
        five_posts(),
        g,
        pop,
        parties([1, 2]),
        world(feed={"attention": 1.5}),
        FeedDraws(table),
        STEP,
    )
    assert reads_of(reads) == [(0, 2), (1, 4), (1, 1), (2, 0)]


def test_the_similarity_feed_divides_each_key_by_its_weight():
    """γ = 1, A = 1; weight 1 / (d + 0.01). Reader 1 at 0: p0 at 0 weighs 100, its key 5
    becomes 0.05; p1 at 0.99 weighs 1 (key 0.2); p3 and p4 at 0.49 weigh 2 (keys 0.9 and 0.5
    become 0.45 and 0.25): it reads p0, where unweighted keys would give p1. Reader 2 at 0.99:
    p1 weighs 100 (0.8 → 0.008) and beats p0 (distance 0.99, weight 1, key 0.3)."""
    x = [[0.0], [0.0], [0.99], [0.0], [0.25]]
    content = [[0.0], [0.99], [0.25], [0.49], [0.49]]
    keys = dict(ORGANIC)
    keys[(1, 0)] = 5.0
    keys[(1, 4)] = 0.5
    pop, g = five_people(x)
    sc = world(feed={"attention": 1, "algorithm": "similarity", "bias": 1.0})
    draws = FeedDraws(feed_keys(keys))
    reads = deliver(five_posts(content), g, pop, parties([1, 2]), sc, draws, STEP)
    assert reads_of(reads) == [(0, 2), (1, 0), (2, 1)]


def test_staff_are_not_readers_and_followers_who_are_staff_read_nothing():
    """Staff hold the line: a staff member among an institution's followers and tied to a
    posting citizen reads nothing (no draw is made for it)."""
    pop, g = five_people()
    keys = dict(ORGANIC)
    draws = FeedDraws(feed_keys(keys))
    reads = deliver(five_posts(), g, pop, parties([1, 2, 4]), world(), draws, STEP)
    assert 4 not in reads.reader.tolist()
    assert all(key[2] != PERSON_KEY + 4 for key in draws.asked)


def test_no_post_reads_nothing():
    """No candidates at all: no read, no draw, no paid impression."""
    pop, g = five_people()
    posts = five_posts()
    none = Posts(*(getattr(posts, f)[:0] for f in Posts.__dataclass_fields__))
    reads = deliver(none, g, pop, parties([1, 2]), world(), FeedDraws({}), STEP)
    assert reads.size == 0 and reads.post.size == 0
    np.testing.assert_array_equal(reads.paid_impressions, [0])


def test_word_of_mouth_keeps_a_ties_post_only_below_the_broadcast_reach():
    """Broadcast era, reach 0.5: a person's post reaches a tie when the ("word_of_mouth", step,
    reader key, author key) draw is below 0.5 — 0.5 itself does not. Institution posts are not
    word of mouth (no draw). Reader 1 hears p1 (0.4), not p0 (0.5); reader 2 hears p0 (0.1),
    not p1 (0.6); reader 0 hears p2 (0.2); staff 4 would hear p0 (0.3) but does not read."""
    pop, g = five_people()
    heard = {(1, 0): 0.5, (1, 1): 0.4, (2, 0): 0.1, (2, 1): 0.6, (0, 2): 0.2, (4, 0): 0.3}
    table = feed_keys(ORGANIC)
    table.update(
        {("word_of_mouth", STEP, PERSON_KEY + r, POST_KEY + p): u for (r, p), u in heard.items()}
    )
    sc = world(feed={"attention": 3}, era={"name": "broadcast", "broadcast_reach": 0.5})
    reads = deliver(five_posts(), g, pop, parties([1, 2]), sc, FeedDraws(table), STEP)
    assert reads_of(reads) == [(0, 2), (1, 4), (1, 1), (1, 3), (2, 0), (2, 3), (2, 4)]


def sponsored_table(paid_draws, pick_draws, organic):
    blue = name_key("blue")
    table = feed_keys(organic)
    table.update({("paid", STEP, blue, r): u for r, u in enumerate(paid_draws)})
    table.update({("paid_post", STEP, blue, r): u for r, u in pick_draws.items()})
    return table


def test_sponsored_posts_reach_exactly_the_audience_paid_for_and_are_read_first():
    """paid_reach 0.5 of 4 citizens: floor(2) = 2 citizens, those with the two smallest
    ("paid", step, blue, row) draws — rows 3 (0.1) and 1 (0.2). Each is shown one of blue's
    posts p3, p4 by its ("paid_post", …, row) draw: row 1 0.7 → p4 (⌊0.7 · 2⌋ = 1), row 3
    0.3 → p3. A = 1: a sponsored post sits at the top, so reader 1 reads p4 (sponsored), not
    its organic p4, nor p1; reader 3, who has no other candidate, reads p3. Paid impressions 2.
    The organic p4 of reader 1 is no candidate (it would be read twice): no feed draw for it."""
    pop, g = five_people()
    organic = {k: v for k, v in ORGANIC.items() if k != (1, 4)}
    table = sponsored_table([0.9, 0.2, 0.5, 0.1], {1: 0.7, 3: 0.3}, organic)
    draws = FeedDraws(table)
    reads = deliver(
        five_posts(),
        g,
        pop,
        parties([1, 2], paid_reach=0.5),
        world(feed={"attention": 1}),
        draws,
        STEP,
    )
    assert reads_of(reads) == [(0, 2), (1, 4), (2, 0), (3, 3)]
    np.testing.assert_array_equal(reads.paid_impressions, [2])
    assert ("feed", STEP, PERSON_KEY + 1, POST_KEY + 4) not in draws.asked


def test_a_sponsored_post_is_read_on_a_day_its_reader_reads_nothing_else():
    """seen_per_day 0: A = 0, nobody reads an organic post; the two paid impressions are still
    delivered (a cap raised to the number of sponsored posts a reader is shown)."""
    pop, g = five_people()
    table = sponsored_table([0.9, 0.2, 0.5, 0.1], {1: 0.2, 3: 0.99}, ORGANIC)
    reads = deliver(
        five_posts(),
        g,
        pop,
        parties([1, 2], paid_reach=0.5),
        world(feed={"attention": 0, "seen_per_day": 0}),
        FeedDraws(table),
        STEP,
    )
    assert reads_of(reads) == [(1, 3), (3, 4)]
    np.testing.assert_array_equal(reads.paid_impressions, [2])


def test_a_paid_audience_of_everyone_takes_every_citizen_without_a_draw():
    """paid_reach 1 of 4: all four citizens, no ("paid", …) draw; each picks a post by its own
    draw. A reach of exactly one citizen shows one; below one (0.2 · 4 = 0.8), nothing."""
    pop, g = five_people()
    table = sponsored_table([], {0: 0.1, 1: 0.6, 2: 0.4, 3: 0.5}, ORGANIC)
    reads = deliver(
        five_posts(),
        g,
        pop,
        parties([1, 2], paid_reach=1.0),
        world(feed={"attention": 0, "seen_per_day": 0}),
        FeedDraws(table),
        STEP,
    )
    assert reads_of(reads) == [(0, 3), (1, 4), (2, 3), (3, 4)]
    np.testing.assert_array_equal(reads.paid_impressions, [4])
    # 0.25 · 4 = 1 citizen: the smallest draw, row 2 (0.05)
    table = sponsored_table([0.9, 0.2, 0.05, 0.1], {2: 0.6}, ORGANIC)
    reads = deliver(
        five_posts(),
        g,
        pop,
        parties([1, 2], paid_reach=0.25),
        world(feed={"attention": 0, "seen_per_day": 0}),
        FeedDraws(table),
        STEP,
    )
    assert reads_of(reads) == [(2, 4)]
    np.testing.assert_array_equal(reads.paid_impressions, [1])
    reads = deliver(
        five_posts(),
        g,
        pop,
        parties([1, 2], paid_reach=0.2),
        world(feed={"attention": 0, "seen_per_day": 0}),
        FeedDraws(feed_keys(ORGANIC)),
        STEP,
    )
    assert reads.size == 0
    np.testing.assert_array_equal(reads.paid_impressions, [0])


def test_a_champions_post_is_weighted_by_its_partys_coordination_in_the_feed():
    """Citizen 0 turned blue champion with g = 1 (script share 1), δ = 3: its post p0 weighs
    1 + 3 = 4; every other post 1. A = 2. Reader 1: p0's key 0.5 / 4 = 0.125 comes second after
    p4's 0.1, ahead of p1's 0.2 (unweighted it would read p4, p1); reader 2: p0 (0.3 / 4 =
    0.075), then p3 (0.4). A champion's post is a person's post, not an institution's, although
    it carries the party: read once, through the tie."""
    pop, g = five_people()
    pop.role[0] = CHAMPION
    pop.party[0] = 0
    posts = five_posts()
    posts.source_type[0] = SOURCE_CHAMPION
    posts.party[0] = 0
    posts.script[0] = 1.0
    sc = world(blue={"champions": {"coordination": 3.0}})
    reads = deliver(posts, g, pop, parties([1, 2]), sc, FeedDraws(feed_keys(ORGANIC)), STEP)
    assert reads_of(reads) == [(0, 2), (1, 4), (1, 0), (2, 0), (2, 3)]


def test_a_single_candidate_is_still_subject_to_the_cap():
    """Only the staff post p2 is posted (post 0 of this step's one): one candidate, reader 0.
    A = 0 (seen_per_day 0): it is not read; A = 1: it is."""
    pop, g = five_people()
    posts = five_posts()
    only = Posts(*(getattr(posts, f)[2:3] for f in Posts.__dataclass_fields__))
    sc = world(feed={"attention": 0, "seen_per_day": 0})
    reads = deliver(only, g, pop, parties([1, 2]), sc, FeedDraws(feed_keys(ORGANIC)), STEP)
    assert reads.size == 0 and reads.post.size == 0
    sc = world(feed={"attention": 1})
    reads = deliver(only, g, pop, parties([1, 2]), sc, FeedDraws(feed_keys(ORGANIC)), STEP)
    assert reads_of(reads) == [(0, 0)]


def test_an_institution_with_a_single_post_reaches_its_followers():
    """Blue posts only p3 this step: followers 1 and 2 have it among their candidates. A = 2:
    reader 1 reads p1 (0.2), p0 (0.5) — p3's 0.9 is third; reader 2 p0 (0.3), p3 (0.4)."""
    pop, g = five_people()
    posts = five_posts()
    four = Posts(*(getattr(posts, f)[:4] for f in Posts.__dataclass_fields__))
    reads = deliver(four, g, pop, parties([1, 2]), world(), FeedDraws(feed_keys(ORGANIC)), STEP)
    assert reads_of(reads) == [(0, 2), (1, 1), (1, 0), (2, 0), (2, 3)]


def test_a_party_without_posts_does_not_stop_the_next_partys_posts():
    """Two parties, blue first with no post this step, red second with p3 and p4 (its staff
    post p2 too): red's followers 1 and 2 read as in the one-party world."""
    pop, g = five_people()
    pop.party[4] = 1
    posts = five_posts()
    posts.party[2:] = 1
    sc = scenario_from_dict(
        {
            "name": "hand",
            "steps": 10,
            "population": {"citizens": 4},
            "network": {"mean_degree": 2},
            "feed": {"attention": 2},
            "parties": {
                "blue": {"position": [-0.25], "institution": {"enabled": True}},
                "red": {"position": [0.25], "institution": {"enabled": True}},
            },
        }
    )
    two = Parties(
        names=["blue", "red"],
        line=np.array([[-0.25], [0.25]]),
        followers=[np.array([3], dtype=np.int64), np.array([1, 2], dtype=np.int64)],
        staff_rows=[np.zeros(0, np.int64), np.array([4])],
        cumulative_cost=np.zeros(2),
        burnouts=np.zeros(2),
        recruits=np.zeros(2),
        plans=[SimpleNamespace(paid_reach=0.0), SimpleNamespace(paid_reach=0.0)],
    )
    reads = deliver(posts, g, pop, two, sc, FeedDraws(feed_keys(ORGANIC)), STEP)
    assert reads_of(reads) == [(0, 2), (1, 4), (1, 1), (2, 0), (2, 3)]
    np.testing.assert_array_equal(reads.paid_impressions, [0, 0])
