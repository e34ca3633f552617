"""Exact effects of the opinion rules (model/dynamics/rules.py) on hand-built populations: the
pull of several reads (weights rescaled above 1, the clip to [-1, 1], the distance moved), the
latitudes of acceptance and rejection at their boundaries, the classic rules' one-sided reads
(the first copy in feed order, staff never moved, posts at 0 taking no side), the synchronous
peer processes (HK's inclusive window, DeGroot's weights and self-weight, Friedkin-Johnsen's
anchor and the peers' share of the movement), committed rows held, and the stopping tests.

Opinions are multiples of 1/16 where possible, so expected values are exact."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model.config.schema import OpinionSpec
from model.dynamics.rules import (
    RULES,
    AlgorithmicBias,
    Deffuant,
    DeGroot,
    FriedkinJohnsen,
    HegselmannKrause,
    HolmeNewman,
    Majority,
    NamingGame,
    QVoter,
    SocialJudgment,
    Sznajd,
    Voter,
    _linked_lists,
    distance,
    hk_complete,
    make_rule,
    pull,
)
from model.network.csr import from_edges
from model.population import (
    CITIZEN,
    SOURCE_CHAMPION,
    SOURCE_CITIZEN,
    SOURCE_INSTITUTION,
    SOURCE_STAFF,
    STAFF,
)
from tests.hand_draws import hand_population


def spec(**given):
    return dataclasses.replace(OpinionSpec(), **given)


def graph(n, edges, weights=None):
    u, v = zip(*edges, strict=True) if edges else ((), ())
    w = None if weights is None else np.asarray(weights, dtype=float)
    return from_edges(n, np.array(u, dtype=np.int64), np.array(v, dtype=np.int64), w)


class FixedRng:
    """Stands in for ``np.random.Generator``: ``random(size)`` returns the given values."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=float)

    def random(self, size=None):
        assert np.shape(self.values) == (size if isinstance(size, tuple) else (size,))
        return self.values.copy()


# -- distance and pull ------------------------------------------------------------------------
def test_distance_is_the_absolute_gap_on_one_issue_and_the_rms_gap_on_several():
    a = np.array([[0.5], [-0.25]])
    b = np.array([[0.25], [0.5]])
    np.testing.assert_array_equal(distance(a, b), [0.25, 0.75])
    a2 = np.array([[0.5, 0.0], [0.0, 0.0]])
    b2 = np.array([[0.0, 0.5], [0.0, 0.0]])
    # √((0.25 + 0.25) / 2) = 0.5
    np.testing.assert_allclose(distance(a2, b2), [0.5, 0.0], rtol=0, atol=1e-15)


def test_pull_adds_each_reads_weighted_gap_and_reports_how_far_it_moved():
    """Reader 0 at 0 reads y = 1/2 (w 1/4) and y = -1/4 (w 1/2): Σ|w| = 3/4 ≤ 1, no rescaling:
    x = 1/8 − 1/8 = 0; moved 1/4·1/2 = 1/8 and 1/2·1/4 = 1/8. Reader 2 at 1/2 reads 1 with
    w 1/4: 5/8, moved 1/8. Reader 1 reads nothing."""
    x = np.array([[0.0], [0.25], [0.5]])
    moved = pull(
        x, np.array([0, 0, 2]), np.array([[0.5], [-0.25], [1.0]]), np.array([0.25, 0.5, 0.25])
    )
    np.testing.assert_array_equal(x[:, 0], [0.0, 0.25, 0.625])
    np.testing.assert_array_equal(moved, [0.125, 0.125, 0.125])


def test_pull_rescales_weights_whose_absolute_sum_exceeds_one_and_clips():
    """Reader 0 at 0 reads 1/2 (w 3/4) and 1 (w 3/4): Σ = 3/2 > 1, each w becomes 1/2: x =
    1/4 + 1/2 = 3/4, moved 1/4 and 1/2. Reader 1 at 3/4 is pushed from 1/4 by w −1 (|w| = 1:
    no rescaling): 3/4 + 1/2 = 5/4, clipped to 1; moved 1/2. Reader 2 at −3/4 is pushed from
    1/4 twice by w −1/2 (Σ = 1: no rescaling): −3/4 − 1/2 − 1/2 = −7/4, clipped to −1; moved
    1/2 each."""
    x = np.array([[0.0], [0.75], [-0.75]])
    moved = pull(
        x,
        np.array([0, 0, 1, 2, 2]),
        np.array([[0.5], [1.0], [0.25], [0.25], [0.25]]),
        np.array([0.75, 0.75, -1.0, -0.5, -0.5]),
    )
    np.testing.assert_array_equal(x[:, 0], [0.75, 1.0, -1.0])
    np.testing.assert_array_equal(moved, [0.25, 0.5, 0.5, 0.5, 0.5])


def test_pull_on_two_issues_and_with_no_read():
    """Reader 1 at (0, 1/2) reads (1/2, 0) with w 1/2: (1/4, 1/4); moved 1/2 · RMS gap
    √((1/4 + 1/4)/2) = 1/4. No read: nothing moves, an empty result."""
    x = np.array([[0.0, 0.0], [0.0, 0.5]])
    moved = pull(x, np.array([1]), np.array([[0.5, 0.0]]), np.array([0.5]))
    np.testing.assert_array_equal(x, [[0.0, 0.0], [0.25, 0.25]])
    np.testing.assert_allclose(moved, [0.25], rtol=0, atol=1e-15)
    assert pull(x, np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0)).size == 0
    np.testing.assert_array_equal(x, [[0.0, 0.0], [0.25, 0.25]])


# -- social judgment's reads -----------------------------------------------------------------
def reads_population(x, openness, rejection, role=None):
    n = len(x)
    return hand_population(x, openness=openness, rejection=rejection, role=role or [CITIZEN] * n)


def test_social_judgment_assimilates_strictly_inside_the_latitude_and_pushes_beyond_rejection():
    """μ = 1/2, backfire μ_b = 1/4, ε = 1/4, ρ = 1/2 for every reader (each reads once).
    Reader 0 at 0 reads 1/8 (d < ε, trust 1): 1/16. Reader 1 at 0 reads 1/4 (d = ε: not
    accepted; not beyond ρ): stays. Reader 2 at 0 reads 3/4 (d > ρ, trust 1/2): pushed by
    −1/8 · 3/4 = −3/32. Reader 3 at 0 reads 1/2 (d = ρ: not rejected): stays. A citizen's post
    counts (social judgment reads peers)."""
    pop = reads_population([0.0] * 4, [0.25] * 4, [0.5] * 4)
    rule = SocialJudgment(spec(rate=0.5, backfire=True, backfire_rate=0.25))
    effect = rule.read(
        pop,
        np.arange(4),
        np.array([[0.125], [0.25], [0.75], [0.5]]),
        np.array([1.0, 1.0, 0.5, 1.0]),
        np.full(4, SOURCE_CITIZEN),
        None,
    )
    np.testing.assert_array_equal(pop.x[:, 0], [0.0625, 0.0, -0.09375, 0.0])
    np.testing.assert_array_equal(effect.accepted, [True, False, False, False])
    np.testing.assert_array_equal(effect.rejected, [False, False, True, False])
    np.testing.assert_array_equal(effect.moved, [0.0625, 0.0, 0.09375, 0.0])


def test_without_backfire_a_far_post_does_nothing_and_is_not_rejected():
    pop = reads_population([0.0], [0.25], [0.5])
    rule = SocialJudgment(spec(rate=0.5, backfire=False, backfire_rate=0.25))
    effect = rule.read(
        pop, np.array([0]), np.array([[0.75]]), np.ones(1), np.array([SOURCE_INSTITUTION]), None
    )
    assert pop.x[0, 0] == 0.0 and not effect.rejected[0] and not effect.accepted[0]
    assert effect.moved[0] == 0.0


def test_classic_rules_read_party_posts_only_with_their_own_acceptance():
    """Deffuant (d < ε) and HK (d <= ε), μ = 1/2, ε = 1/4: a party post at 1/4 from a reader
    at 0 is at d = ε — rejected by Deffuant, accepted by HK (x = 1/8); DeGroot accepts it
    whatever the distance (a post at 1: x = 1/2). A citizen's post is not read by any of
    them; backfire is not theirs (a post beyond ρ does not push)."""
    for cls, post, expected in (
        (Deffuant, 0.25, 0.0),
        (HegselmannKrause, 0.25, 0.125),
        (DeGroot, 1.0, 0.5),
    ):
        pop = reads_population([0.0, 0.0], [0.25, 0.25], [0.5, 0.5])
        rule = cls(spec(rate=0.5, backfire=True, backfire_rate=0.5))
        effect = rule.read(
            pop,
            np.array([0, 1]),
            np.array([[post], [post]]),
            np.ones(2),
            np.array([SOURCE_STAFF, SOURCE_CITIZEN]),
            None,
        )
        assert pop.x[0, 0] == expected, cls.name
        assert pop.x[1, 0] == 0.0, cls.name
        assert not effect.rejected.any() and not effect.accepted[1]
    pop = reads_population([0.0], [0.25], [0.5])
    rule = Deffuant(spec(rate=0.5, backfire=True, backfire_rate=0.5))
    rule.read(pop, np.array([0]), np.array([[1.0]]), np.ones(1), np.array([SOURCE_CHAMPION]), None)
    assert pop.x[0, 0] == 0.0


# -- the voter rules' reads -------------------------------------------------------------------
def test_voter_copies_the_first_party_post_it_accepts_in_feed_order():
    """μ = 1/2. Reads (reader, content, trust, draw): (0, 1/2, 1, 0.4) copied — the first
    success of reader 0; (0, -1/2, 1, 0.1) also a success but not the first; (1, 1/4, 1/2,
    0.3): 0.3 ≥ μ·trust = 1/4, no; (1, 3/4, 1, 0.49) copied; (2, 1, 1, 0.1) a citizen's post,
    ignored; (3, 1/2, 1, 0.1) reader 3 is staff: accepted but not moved."""
    pop = hand_population([0.0, 0.0, 0.0, -0.25], role=[CITIZEN] * 3 + [STAFF])
    rule = Voter(spec(rate=0.5))
    source = np.array(
        [
            SOURCE_STAFF,
            SOURCE_INSTITUTION,
            SOURCE_STAFF,
            SOURCE_CHAMPION,
            SOURCE_CITIZEN,
            SOURCE_STAFF,
        ]
    )
    effect = rule.read(
        pop,
        np.array([0, 0, 1, 1, 2, 3]),
        np.array([[0.5], [-0.5], [0.25], [0.75], [1.0], [0.5]]),
        np.array([1.0, 1.0, 0.5, 1.0, 1.0, 1.0]),
        source,
        FixedRng([0.4, 0.1, 0.3, 0.49, 0.1, 0.1]),
    )
    np.testing.assert_array_equal(pop.x[:, 0], [0.5, 0.75, 0.0, -0.25])
    np.testing.assert_array_equal(effect.accepted, [True, True, False, True, False, True])
    np.testing.assert_array_equal(effect.moved, [0.5, 0.0, 0.0, 0.75, 0.0, 0.0])
    assert not effect.rejected.any()


def test_q_voter_reads_take_the_posts_side_and_a_post_at_zero_takes_none():
    """μ = 1: reader 0 at -1 reads a post at 1/4: takes +1; reader 1 at -1 reads a post at 0:
    no side, nothing (even with a draw below μ·trust); reader 2 at 1 reads -1/2: -1."""
    pop = hand_population([-1.0, -1.0, 1.0])
    rule = QVoter(spec(rule="q_voter", rate=1.0))
    effect = rule.read(
        pop,
        np.arange(3),
        np.array([[0.25], [0.0], [-0.5]]),
        np.ones(3),
        np.full(3, SOURCE_INSTITUTION),
        FixedRng([0.5, 0.5, 0.5]),
    )
    np.testing.assert_array_equal(pop.x[:, 0], [1.0, -1.0, -1.0])
    np.testing.assert_array_equal(effect.accepted, [True, False, True])
    np.testing.assert_array_equal(effect.moved, [2.0, 0.0, 2.0])


def test_naming_game_reads_the_party_as_a_speaker():
    """μ·trust = 1/2. Reader 0 holds A (-1) and reads B (a post above 0, draw 0.2): adds B →
    AB (0), moved 1. Reader 1 holds AB and reads A (-1/2, draw 0.4): A, moved 1. Reader 2
    holds B and reads B (draw 0.3) then A (draw 0.1): only the first counted read acts —
    keeps B. Reader 3 holds A and reads a post at 0 (says nothing); then B with draw 0.5 (not
    below 1/2): nothing. Reader 4, staff, holds A and reads B (draw 0.1): not moved. A
    citizen's post (reader 5, draw 0.1) is no speaker."""
    pop = hand_population([-1.0, 0.0, 1.0, -1.0, -1.0, -1.0], role=[CITIZEN] * 4 + [STAFF, CITIZEN])
    rule = NamingGame(spec(rule="naming_game", rate=0.5))
    reader = np.array([0, 1, 2, 2, 3, 3, 4, 5])
    content = np.array([[0.25], [-0.5], [1.0], [-1.0], [0.0], [1.0], [1.0], [1.0]])
    source = np.full(8, SOURCE_INSTITUTION)
    source[7] = SOURCE_CITIZEN
    effect = rule.read(
        pop, reader, content, np.ones(8), source, FixedRng([0.2, 0.4, 0.3, 0.1, 0.1, 0.5, 0.1, 0.1])
    )
    np.testing.assert_array_equal(pop.x[:, 0], [0.0, -1.0, 1.0, -1.0, -1.0, -1.0])
    np.testing.assert_array_equal(
        effect.accepted, [True, True, True, True, False, False, True, False]
    )
    np.testing.assert_array_equal(effect.moved, [1.0, 1.0, 0.0, 0, 0, 0, 0, 0])


# -- synchronous peer processes ---------------------------------------------------------------
def test_hk_averages_over_itself_and_neighbours_within_the_inclusive_window():
    """Path 0 - 1 - 2, plus 3 isolated; ε = 1/4 for all; x = (0, 1/4, 3/4, 1). 0's window holds
    1 (d = 1/4 = ε: inclusive): (0 + 1/4)/2 = 1/8. 1: 0 in (1/4), 2 out (1/2): 1/8. 2: 1 out:
    3/4. 3 alone: 1."""
    pop = hand_population([0.0, 0.25, 0.75, 1.0], openness=[0.25] * 4)
    rule = HegselmannKrause(spec(rule="hegselmann_krause"))
    moved = rule.peer_step(pop, graph(4, [(0, 1), (1, 2)]), None)
    np.testing.assert_array_equal(pop.x[:, 0], [0.125, 0.125, 0.75, 1.0])
    assert moved == pytest.approx(0.125 + 0.125)


def test_hk_on_two_issues_and_on_the_complete_graph():
    """Two issues, path 0 - 1, ε 1/2: RMS gap of (0, 0) and (1/2, 1/2) is 1/2 (inclusive):
    both take (1/4, 1/4). Complete graph, one issue, x = (0, 1/4, 1), ε = (1/4, 1/4, 3/4):
    0 and 1 see each other: 1/8; 2 sees 1 (d = 3/4) and itself, not 0: 5/8."""
    pop = hand_population([[0.0, 0.0], [0.5, 0.5]], openness=[0.5, 0.5])
    HegselmannKrause(spec(rule="hegselmann_krause")).peer_step(pop, graph(2, [(0, 1)]), None)
    np.testing.assert_array_equal(pop.x, [[0.25, 0.25], [0.25, 0.25]])
    np.testing.assert_array_equal(
        hk_complete(np.array([0.0, 0.25, 1.0]), np.array([0.25, 0.25, 0.75])), [0.125, 0.125, 0.625]
    )


def test_degroot_averages_with_edge_weights_and_the_self_weight():
    """Ties 0-1 (weight 1), 1-2 (weight 3); self-weight 1; x = (0, 1/2, 1). 0: (1·1/2 + 1·0)/2 =
    1/4; 1: (1·0 + 3·1 + 1·1/2)/5 = 7/10; 2: (3·1/2 + 1)/4 = 5/8. Citizen 3 isolated keeps 1/4.
    Without self-weight an isolated citizen keeps its opinion too."""
    g = graph(4, [(0, 1), (1, 2)], weights=[1.0, 3.0])
    pop = hand_population([0.0, 0.5, 1.0, 0.25])
    DeGroot(spec(rule="degroot", self_weight=1.0)).peer_step(pop, g, None)
    np.testing.assert_allclose(pop.x[:, 0], [0.25, 0.7, 0.625, 0.25], rtol=0, atol=1e-15)
    pop = hand_population([0.0, 0.5, 1.0, 0.25])
    DeGroot(spec(rule="degroot", self_weight=0.0)).peer_step(pop, g, None)
    # 0: 1/2; 1: (0 + 3)/4 = 3/4; 2: 1/2; 3: kept
    np.testing.assert_allclose(pop.x[:, 0], [0.5, 0.75, 0.5, 0.25], rtol=0, atol=1e-15)


def test_degroot_on_two_issues_with_unweighted_ties():
    """Path 0 - 1, self-weight 1: each takes the mean of both, issue by issue."""
    pop = hand_population([[0.0, 1.0], [0.5, -1.0]])
    DeGroot(spec(rule="degroot", self_weight=1.0)).peer_step(pop, graph(2, [(0, 1)]), None)
    np.testing.assert_array_equal(pop.x, [[0.25, 0.0], [0.25, 0.0]])


def test_friedkin_johnsen_mixes_the_average_with_the_anchor_and_counts_the_peers_share():
    """λ = 1/2, self-weight 1, path 0 - 1, anchored at x(0) = (0, 1). Step 1: W x = (1/2, 1/2),
    x = 1/2·(1/2, 1/2) + 1/2·(0, 1) = (1/4, 3/4); the peers' share of the movement is
    λ·|Wx − x| summed = 1/2·(1/2 + 1/2) = 1/2. Step 2: W x = (1/2, 1/2), x = (1/4, 3/4) again;
    the peers moved λ·(1/4 + 1/4) = 1/4 (the anchor pulls back as much)."""
    pop = hand_population([0.0, 1.0])
    rule = FriedkinJohnsen(spec(rule="friedkin_johnsen", susceptibility=0.5, self_weight=1.0))
    rule.start(pop)
    g = graph(2, [(0, 1)])
    assert rule.peer_step(pop, g, None) == 0.5
    np.testing.assert_array_equal(pop.x[:, 0], [0.25, 0.75])
    assert rule.peer_step(pop, g, None) == 0.25
    np.testing.assert_array_equal(pop.x[:, 0], [0.25, 0.75])


def test_friedkin_johnsen_without_start_anchors_to_the_first_opinions_it_sees():
    pop = hand_population([0.0, 1.0])
    rule = FriedkinJohnsen(spec(rule="friedkin_johnsen", susceptibility=0.5, self_weight=1.0))
    rule.peer_step(pop, graph(2, [(0, 1)]), None)
    np.testing.assert_array_equal(pop.x[:, 0], [0.25, 0.75])
    np.testing.assert_array_equal(rule.anchor[:, 0], [0.0, 1.0])


# -- peer_step: committed rows, the graph's size, Deffuant's openness ------------------------
def test_peer_step_holds_committed_rows_and_counts_only_the_citizens_movement():
    """DeGroot, self-weight 1, path 0 - 1 - 2; x = (0, 1/2, 1); 1 committed. 0 → 1/4, 2 → 3/4,
    1 would move to 1/2 anyway — commit 0 instead: 0 stays 0, 1 → (0 + 1/2 + 1)/3 = 1/2, 2 →
    3/4. Movement: 0 + 0 + 1/4."""
    pop = hand_population([0.0, 0.5, 1.0])
    rule = DeGroot(spec(rule="degroot", self_weight=1.0))
    frozen = np.array([True, False, False])
    moved = rule.peer_step(pop, graph(3, [(0, 1), (1, 2)]), None, frozen)
    np.testing.assert_array_equal(pop.x[:, 0], [0.0, 0.5, 0.75])
    assert moved == 0.25
    np.testing.assert_array_equal(rule.frozen, frozen)


def test_peer_step_runs_on_the_citizens_or_everyone_and_refuses_other_graphs():
    """Three citizens and a staff row: a graph of 3 (citizens) or 4 (with staff) runs; a graph
    of 2 is refused. On the citizens' graph the staff row is never touched; the movement counts
    citizens only; a rule without a peer process moves nothing and reports 0."""
    pop = hand_population([0.0, 0.5, 1.0, -1.0], role=[CITIZEN] * 3 + [STAFF])
    rule = DeGroot(spec(rule="degroot", self_weight=1.0))
    with pytest.raises(ValueError, match="3 nodes"):
        rule.peer_step(pop, graph(2, [(0, 1)]), None)
    moved = rule.peer_step(pop, graph(4, [(0, 1), (2, 3)]), None, np.array([0, 0, 0, 1], bool))
    # 0, 1 → 1/4; 2 → (1 − 1)/2 = 0; staff 3 committed: -1; movement 1/4 + 1/4 + 1
    np.testing.assert_array_equal(pop.x[:, 0], [0.25, 0.25, 0.0, -1.0])
    assert moved == 1.5
    assert rule.citizens == 3
    sj = SocialJudgment(spec())
    assert sj.peer_step(pop, graph(3, [(0, 1)]), None) == 0.0
    np.testing.assert_array_equal(pop.x[:, 0], [0.25, 0.25, 0.0, -1.0])
    assert not sj.has_peer_process and rule.has_peer_process


def test_deffuant_peer_step_on_a_pair_with_shared_or_own_openness():
    """Two citizens tied, x = (0, 1/2), μ = 1/2: each step has two encounters, both between 0
    and 1 whoever is drawn. Shared ε = 1: the first meets at 1/4, the second changes nothing.
    ε = (1, 1/4): the first moves only 0, to 1/4; the second (d = 1/4, not below 1's ε) moves 0
    again, to 3/8. Two issues (ε 1): both at (1/4, 1/4). One rule object serves the three
    populations in turn: the openness it keeps for speed is each population's own. The
    movement returned: 1/4 + 1/4, then 3/8 (one issue, summed by the keyed kernel; whoever the
    key draws, every encounter is 0 with 1)."""
    g = graph(2, [(0, 1)])
    rule = Deffuant(spec(rule="deffuant", rate=0.5), use_compiled=False)
    pops = [
        hand_population([0.0, 0.5], openness=[1.0, 1.0]),
        hand_population([0.0, 0.5], openness=[1.0, 0.25]),
        hand_population([[0.0, 0.5], [0.5, 0.0]], openness=[1.0, 1.0]),
    ]
    moved = [  # all kept alive: no two openness arrays share an id
        rule.peer_step(pop, g, np.random.default_rng(0) if k < 2 else FixedRng([0.3, 0.8]))
        for k, pop in enumerate(pops)
    ]
    np.testing.assert_array_equal(pops[0].x[:, 0], [0.25, 0.25])
    np.testing.assert_array_equal(pops[1].x[:, 0], [0.375, 0.5])
    np.testing.assert_array_equal(pops[2].x, [[0.25, 0.25], [0.25, 0.25]])
    assert moved[:2] == [0.5, 0.375]


def test_voter_peer_step_uses_the_chosen_update():
    """Path 0 - 1, x = (-1, 1), one update each with u = 0.3 (picks 0) and then 0.9 (picks 1,
    copying back): node — 0 copies 1, then 1 copies 0: both 1; invasion — 0 imposes -1 on 1,
    then 1 imposes -1 on 0: both -1; link — entries 0→1, 1→0: u = 0.3 → entry 0, 0 copies 1
    (1); u = 0.9 → entry 1, 1 copies 0 (1): both 1."""
    g = graph(2, [(0, 1)])
    for update, expected in (("node", 1.0), ("invasion", -1.0), ("link", 1.0)):
        pop = hand_population([-1.0, 1.0])
        Voter(spec(rule="voter", voter_update=update), use_compiled=False).peer_step(
            pop, g, FixedRng([0.3, 0.9])
        )
        np.testing.assert_array_equal(pop.x[:, 0], [expected, expected], err_msg=update)


def test_the_discrete_rules_peer_steps_pass_their_settings_and_one_row_of_draws_each():
    """Path 0 - 1 - 2 (N = 3 updates a step, each from its own row of draws).

    q-voter, q = 2, p = 1, u1 = 0.4 each time. Independence (flip when u1 < p/2): 1 flips to
    +1, then 0 to -1, then 2 to -1. Anticonformity: 1's panel (0 and 2, both +1) is unanimous:
    1 takes -1; 0's panel (1 twice) at -1: 0 takes +1; 2 likewise."""
    g = graph(3, [(0, 1), (1, 2)])
    rows = [[0.5, 0.4, 0.1, 0.9], [0.1, 0.4, 0.5, 0.5], [0.9, 0.4, 0.5, 0.5]]
    for kind, expected in (("independence", [-1.0, 1.0, -1.0]), ("anticonformity", [1, -1, 1])):
        pop = hand_population([1.0, -1.0, 1.0])
        rule = QVoter(
            spec(rule="q_voter", q=2, nonconformity=kind, nonconformity_rate=1.0),
            use_compiled=False,
        )
        rule.peer_step(pop, g, FixedRng(rows))
        np.testing.assert_array_equal(pop.x[:, 0], expected, err_msg=kind)


def test_sznajd_naming_game_and_algorithmic_bias_peer_steps():
    """Sznajd on the path 0 - 1 - 2, x = (-1, 1, 1): u = 0.5 picks 1 and its second neighbour,
    2; the pair agrees and converts 0; the two other draws (0.1: 0 with 1, now agreeing) change
    nothing more. Naming game on the pair 0 - 1, x = (A, B): u = 0.3, speaker 0 says A to 1,
    which adds it (AB); u = 0.8, speaker 1 (AB, fraction 0.6 ≥ 1/2) says B to 0 holding A:
    0 becomes AB. Algorithmic bias on the pair, x = (0, 1/2), μ = 1/2, ε = 1: the first
    encounter meets at 1/4, the second changes nothing; draws are N rows of two."""
    pop = hand_population([-1.0, 1.0, 1.0])
    Sznajd(spec(rule="sznajd"), use_compiled=False).peer_step(
        pop, graph(3, [(0, 1), (1, 2)]), FixedRng([0.5, 0.1, 0.1])
    )
    np.testing.assert_array_equal(pop.x[:, 0], [1.0, 1.0, 1.0])
    pair = graph(2, [(0, 1)])
    pop = hand_population([-1.0, 1.0])
    NamingGame(spec(rule="naming_game"), use_compiled=False).peer_step(
        pop, pair, FixedRng([0.3, 0.8])
    )
    np.testing.assert_array_equal(pop.x[:, 0], [0.0, 0.0])
    pop = hand_population([0.0, 0.5], openness=[1.0, 1.0])
    AlgorithmicBias(spec(rule="algorithmic_bias", rate=0.5), use_compiled=False).peer_step(
        pop, pair, FixedRng([[0.3, 0.5], [0.8, 0.5]])
    )
    np.testing.assert_array_equal(pop.x[:, 0], [0.25, 0.25])


def test_holme_newman_peer_step_writes_opinions_back_and_rebuilds_the_graph():
    """Path 0 - 1 - 2, x = (-1, -1, 1), φ = 0 (copy only): 2 copies 1 (-1); 0 and 1 copy
    neighbours already at -1. Opinions are the categories' values again; the graph is rebuilt
    from the ties (the same path) and is the rule's from now on."""
    pop = hand_population([-1.0, -1.0, 1.0])
    rule = HolmeNewman(spec(rule="holme_newman", rewire_rate=0.0), use_compiled=False)
    g = graph(3, [(0, 1), (1, 2)])
    rows = np.full((3, 4 + HolmeNewman.REJECTION_TRIES), 0.5)
    rows[:, 0] = [0.9, 0.1, 0.4]
    rows[:, 2] = 0.0
    rule.peer_step(pop, g, FixedRng(rows))
    np.testing.assert_array_equal(pop.x[:, 0], [-1.0, -1.0, -1.0])
    assert rule.graph is not g
    np.testing.assert_array_equal(rule.graph.indptr, g.indptr)
    np.testing.assert_array_equal(rule.graph.indices, g.indices)
    assert rule.discordant_ties() == 0


def test_majority_draws_one_group_per_group_size_citizens():
    """N = 7, G = 3: round(7/3) = 2 groups a step, each a row of G uniforms."""
    pop = hand_population([1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0])
    g = graph(7, [(0, 1), (0, 2), (3, 4), (3, 5), (3, 6)])
    rng = FixedRng(np.array([[0.0, 0.0, 0.99], [3 / 7 + 0.01, 0.0, 0.99]]))
    Majority(spec(rule="majority", group_size=3), use_compiled=False).peer_step(pop, g, rng)
    # group 0, 1, 2 → -1; group 3 with its first and last neighbours 4, 6 → +1
    np.testing.assert_array_equal(pop.x[:, 0], [-1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0])


# -- stopping tests ---------------------------------------------------------------------------
def test_convergence_looks_at_citizens_only_and_uses_the_tolerance_inclusively():
    """Rule.converged: max |Δx| <= tolerance over the citizens (rows before ``citizens``); a
    staff row's change does not count. Voter: consensus = every citizen's spread (ptp) <=
    tolerance. q-voter stops only with p = 0."""
    rule = DeGroot(spec(rule="degroot"))
    before = np.array([[0.0], [0.5], [1.0]])
    after = np.array([[0.25], [0.5], [-1.0]])
    assert not rule.converged(before, after, 0.2)  # no citizens known: every row counts
    rule.citizens = 2
    assert rule.converged(before, after, 0.25)
    assert not rule.converged(before, after, 0.2)
    voter = Voter(spec(rule="voter"))
    voter.citizens = 2
    assert voter.converged(before, np.array([[0.5], [0.75], [-1.0]]), 0.25)
    assert not voter.converged(before, np.array([[0.5], [0.75], [-1.0]]), 0.2)
    q = QVoter(spec(rule="q_voter", nonconformity_rate=0.0))
    q.citizens = 2
    same = np.array([[1.0], [1.0], [-1.0]])
    assert q.converged(before, same, 0.0)
    q_noisy = QVoter(spec(rule="q_voter", nonconformity_rate=0.1))
    q_noisy.citizens = 2
    assert not q_noisy.converged(before, same, 0.0)


def test_holme_newman_state_and_its_discordant_ties():
    """Path 0 - 1 - 2 - 3 with opinions (-1, -1, 1, 1): categories 0, 0, 1, 1; one discordant tie
    (1-2). Each citizen's half-edges are a linked list as long as its degree; each category's
    members a list of its size."""
    pop = hand_population([-1.0, -1.0, 1.0, 1.0])
    rule = HolmeNewman(spec(rule="holme_newman"), use_compiled=False)
    g = graph(4, [(0, 1), (1, 2), (2, 3)])
    rule._setup(pop, g)
    np.testing.assert_array_equal(rule.values, [-1.0, 1.0])
    np.testing.assert_array_equal(rule.cat, [0, 0, 1, 1])
    np.testing.assert_array_equal(rule.deg, [1, 2, 2, 1])
    np.testing.assert_array_equal(rule.gcount, [2, 2])
    assert sorted(map(sorted, rule.owner.reshape(-1, 2).tolist())) == [[0, 1], [1, 2], [2, 3]]
    for i in range(4):  # walk each citizen's list: its halves, ending with -1
        h, seen = rule.head[i], []
        while h != -1:
            seen.append(int(rule.owner[h]))
            h = rule.nxt[h]
        assert seen == [i] * rule.deg[i]
    assert rule.discordant_ties() == 1
    assert not rule.converged(pop.x, pop.x, 0.0)
    rule.cat[:] = 0
    assert rule.discordant_ties() == 0 and rule.converged(pop.x, pop.x, 0.0)


def test_every_rule_is_registered_under_its_name():
    assert set(RULES) >= {
        "social_judgment",
        "deffuant",
        "voter",
        "hegselmann_krause",
        "degroot",
        "friedkin_johnsen",
        "q_voter",
        "naming_game",
        "majority",
        "sznajd",
        "holme_newman",
        "algorithmic_bias",
        "attraction_repulsion",
        "radicalization",
    }
    for name, cls in RULES.items():
        rule = make_rule(spec(rule=name), use_compiled=False)
        assert type(rule) is cls and rule.name == name and rule.use_compiled is False


def test_majority_and_sznajd_stop_at_a_consensus_among_citizens():
    """Both stop like the voter model: every citizen's opinion the same (spread <= tolerance);
    the staff row (beyond ``citizens``) does not count."""
    for cls, name in ((Majority, "majority"), (Sznajd, "sznajd")):
        rule = cls(spec(rule=name))
        rule.citizens = 2
        before = np.array([[-1.0], [1.0], [1.0]])
        assert rule.converged(before, np.array([[1.0], [1.0], [-1.0]]), 0.0), name
        assert not rule.converged(before, np.array([[1.0], [-1.0], [1.0]]), 0.0), name


def test_distance_on_two_issues_is_the_rms_of_the_gaps_not_of_the_first_or_the_sum():
    """(1/2, 0) against (1/4, 1/2): gaps 1/4 and -1/2, RMS √((1/16 + 1/4)/2) = √(5/32); the
    first issue alone would give 1/4, the sum's RMS √((9/16 + 1/4)/2)."""
    d = distance(np.array([[0.5, 0.0]]), np.array([[0.25, 0.5]]))
    assert d[0] == pytest.approx(np.sqrt(5 / 32), rel=1e-15)


def test_a_classic_rule_reading_only_peer_posts_returns_empty_effects():
    """Deffuant reads no citizen's post: nothing accepted, rejected or moved — arrays, one
    entry per read."""
    pop = reads_population([0.0, 0.0], [1.0, 1.0], [2.0, 2.0])
    effect = Deffuant(spec(rate=0.5)).read(
        pop,
        np.array([0, 1]),
        np.array([[0.5], [0.5]]),
        np.ones(2),
        np.full(2, SOURCE_CITIZEN),
        None,
    )
    np.testing.assert_array_equal(effect.accepted, [False, False])
    np.testing.assert_array_equal(effect.rejected, [False, False])
    np.testing.assert_array_equal(effect.moved, [0.0, 0.0])
    np.testing.assert_array_equal(pop.x[:, 0], [0.0, 0.0])


def test_a_read_of_full_weight_moves_the_reader_onto_the_post():
    """μ = 1, trust 1: weight 1 — the reader takes the post's opinion (3/8)."""
    pop = reads_population([0.0], [1.0], [2.0])
    effect = SocialJudgment(spec(rate=1.0)).read(
        pop, np.array([0]), np.array([[0.375]]), np.ones(1), np.array([SOURCE_CITIZEN]), None
    )
    assert pop.x[0, 0] == 0.375 and effect.moved[0] == 0.375


def test_voter_link_update_differs_from_node_update_on_a_path():
    """Path 0 - 1 - 2, x = (-1, 1, 1), three draws of 0.3. Link update: stored entries 0→1,
    1→0, 1→2, 2→1; ⌊4 · 0.3⌋ = 1: citizen 1 copies 0, three times: (-1, -1, 1). Node update:
    ⌊3 · 0.3⌋ = 0 copies its only neighbour 1: (1, 1, 1)."""
    g = graph(3, [(0, 1), (1, 2)])
    for update, expected in (("link", [-1.0, -1.0, 1.0]), ("node", [1.0, 1.0, 1.0])):
        pop = hand_population([-1.0, 1.0, 1.0])
        Voter(spec(rule="voter", voter_update=update), use_compiled=False).peer_step(
            pop, g, FixedRng([0.3, 0.3, 0.3])
        )
        np.testing.assert_array_equal(pop.x[:, 0], expected, err_msg=update)


def test_voter_consensus_is_per_issue_and_a_copy_needs_a_draw_below_mu_trust():
    """Two issues: citizens at (0, 1) and (0, 1) agree (spread 0 on each issue) although the
    issues differ. A draw equal to μ·trust (1/2) copies nothing."""
    voter = Voter(spec(rule="voter", rate=0.5))
    voter.citizens = 2
    same = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, -1.0]])
    assert voter.converged(same, same, 0.0)
    pop = hand_population([0.0])
    effect = voter.read(
        pop, np.array([0]), np.array([[1.0]]), np.ones(1), np.array([SOURCE_STAFF]), FixedRng([0.5])
    )
    assert pop.x[0, 0] == 0.0 and not effect.accepted[0]


def test_hk_on_the_complete_graph_with_two_issues_uses_the_rms_distance():
    """Complete graph of 0 (0, 0), 1 (1/2, 0), 2 (1/2, 1/2); ε = 0.4. RMS distances: 0-1 √(1/8)
    ≈ 0.354 (within), 0-2 1/2 (not), 1-2 √(1/8) (within). 0 → mean of 0, 1 = (1/4, 0); 1 →
    mean of all three = (1/3, 1/6); 2 → mean of 1, 2 = (1/2, 1/4)."""
    g = dataclasses.replace(graph(3, [(0, 1), (0, 2), (1, 2)]), complete=True)
    pop = hand_population([[0.0, 0.0], [0.5, 0.0], [0.5, 0.5]], openness=[0.4] * 3)
    HegselmannKrause(spec(rule="hegselmann_krause")).peer_step(pop, g, None)
    np.testing.assert_allclose(pop.x, [[0.25, 0.0], [1 / 3, 1 / 6], [0.5, 0.25]], atol=1e-15)


def test_degroot_with_a_self_weight_below_one_keeps_an_isolated_citizen():
    """Self-weight 1/2: the isolated citizen 2 has total weight 1/2 — (1/2 · x)/(1/2) = x."""
    pop = hand_population([0.0, 0.5, 0.75])
    DeGroot(spec(rule="degroot", self_weight=0.5)).peer_step(pop, graph(3, [(0, 1)]), None)
    # 0: (1/2 + 0)/(3/2) = 1/3; 1: (0 + 1/4)/(3/2) = 1/6
    np.testing.assert_allclose(pop.x[:, 0], [1 / 3, 1 / 6, 0.75], atol=1e-15)


def test_friedkin_johnsen_on_the_citizens_graph_leaves_staff_rows_alone():
    """Two citizens and a staff row whose line moved after the start: the peer step on the
    citizens' graph anchors citizens only; the staff row keeps its new value."""
    pop = hand_population([0.0, 1.0, 0.25], role=[CITIZEN, CITIZEN, STAFF])
    rule = FriedkinJohnsen(spec(rule="friedkin_johnsen", susceptibility=0.5, self_weight=1.0))
    rule.start(pop)
    pop.x[2, 0] = 0.75
    rule.peer_step(pop, graph(2, [(0, 1)]), None)
    np.testing.assert_array_equal(pop.x[:, 0], [0.25, 0.75, 0.75])


def test_majority_with_fewer_citizens_than_one_and_a_half_groups_draws_one_group():
    """N = 3, G = 3: round(1) = 1 group (a row of 3 draws): the path's centre 1 and both ends
    take their majority, -1."""
    pop = hand_population([1.0, -1.0, -1.0])
    Majority(spec(rule="majority", group_size=3), use_compiled=False).peer_step(
        pop, graph(3, [(0, 1), (1, 2)]), FixedRng([[0.5, 0.0, 0.0]])
    )
    np.testing.assert_array_equal(pop.x[:, 0], [-1.0, -1.0, -1.0])


def test_naming_game_reads_count_with_chance_mu_times_trust():
    """μ = 1/2, trust 1/2: chance 1/4; a draw of 0.3 does not count (it would under μ/trust),
    0.2 does. No read is ever rejected: a boolean mask of False (``polls.update_affinity``
    computes ``rejected & from_party``)."""
    pop = hand_population([-1.0, -1.0])
    effect = NamingGame(spec(rule="naming_game", rate=0.5)).read(
        pop,
        np.array([0, 1]),
        np.array([[1.0], [1.0]]),
        np.full(2, 0.5),
        np.full(2, SOURCE_INSTITUTION),
        FixedRng([0.3, 0.2]),
    )
    np.testing.assert_array_equal(pop.x[:, 0], [-1.0, 0.0])
    np.testing.assert_array_equal(effect.rejected, [False, False])
    assert effect.rejected.dtype == bool  # a mask: the affinity update ANDs it with another


def test_linked_lists_keep_item_order_and_cover_owners_without_items():
    """45 items: owner 0 for items 0-19 and 40-44, owner 1 for 20-39; owners 2 and 3 have none.
    Each list runs in item order (a stable grouping), heads of empty lists are -1, counts
    cover every owner."""
    owner = np.array([0] * 20 + [1] * 20 + [0] * 5)
    head, nxt, prv, count = _linked_lists(owner, 4)
    np.testing.assert_array_equal(head, [0, 20, -1, -1])
    np.testing.assert_array_equal(count, [25, 20, 0, 0])
    for o, items in ((0, list(range(20)) + list(range(40, 45))), (1, list(range(20, 40)))):
        walk, h = [], head[o]
        while h != -1:
            walk.append(int(h))
            h = nxt[h]
        assert walk == items
        np.testing.assert_array_equal(prv[items], [-1] + items[:-1])
    head, nxt, prv, count = _linked_lists(np.array([1, 1]), 2)
    np.testing.assert_array_equal(head, [-1, 0])
    np.testing.assert_array_equal(nxt, [1, -1])
    np.testing.assert_array_equal(prv, [-1, 0])
