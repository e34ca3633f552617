"""Exact results of the sequential kernels (model/dynamics/kernels.py), one hand-chosen encounter
at a time, on tiny networks whose every step is worked out in the test: who is picked (the last
citizen and the last neighbour included, an isolated citizen skipped), the thresholds at their
boundary (d equal to ε, a target equal to a cumulative weight, a coin at exactly p/2), shared
against per-citizen openness, several issues, and committed (frozen) ends.

The plain-Python twins are run (``use_compiled=False``): the compiled ones are the same source
and are compared with them bit for bit in tests/dynamics/test_kernels.py. Opinions are
multiples of 1/16, so every expected value is exact."""

from __future__ import annotations

import numpy as np
import pytest

from model.dynamics.kernels import NO_DRAWS, NO_KEYS, NO_WORK, NOT_FROZEN, kernel
from model.network.csr import from_edges

# deffuant_sweep given its uniforms: no keys, no movement wanted, no look-ahead
UNKEYED = (NO_KEYS, NO_WORK, NO_DRAWS, False)


def run(name, *args):
    return kernel(name, use_compiled=False)(*args)


def triangle_and_loner():
    """Citizen 0 isolated; 1, 2, 3 a triangle. Neighbours (sorted): 1 → [2, 3], 2 → [1, 3],
    3 → [1, 2]. With N = 4 a draw u picks i = ⌊4u⌋ and neighbour slot ⌊(4u − i)·2⌋:
    u = 0.1 → 0 (isolated); 0.3 → (1, 2); 0.4 → (1, 3); 0.6 → (2, 1); 0.7 → (2, 3);
    0.9 → (3, 2), the last citizen's last neighbour; 0.8 → (3, 1)."""
    return from_edges(4, np.array([1, 1, 2]), np.array([2, 3, 3]))


def star():
    """Citizen 0 at the centre of 1, 2, 3, 4 (neighbours [1, 2, 3, 4]); leaves have one tie."""
    return from_edges(5, np.zeros(4, dtype=np.int64), np.array([1, 2, 3, 4]))


def flags(*rows, n=4):
    out = np.zeros(n, dtype=np.bool_)
    out[list(rows)] = True
    return out


# -- Deffuant ---------------------------------------------------------------------------------
def test_deffuant_moves_both_ends_by_rate_and_only_strictly_within_openness():
    """x = (0, 0, 1/4, 1/2), ε = 3/8 shared, μ = 1/2. u = 0.1: citizen 0 has no tie, nothing.
    u = 0.9: 3 meets 2, d = 1/4 < 3/8: both move half the gap, to 3/8. u = 0.3: 1 meets 2,
    d = 3/8 — not below ε: nothing."""
    g = triangle_and_loner()
    x = np.array([0.0, 0.0, 0.25, 0.5])
    run(
        "deffuant_sweep",
        x,
        g.indptr,
        g.indices,
        np.array([0.375]),
        0.5,
        NOT_FROZEN,
        np.array([0.1, 0.9, 0.3]),
        *UNKEYED,
    )
    np.testing.assert_array_equal(x, [0.0, 0.0, 0.375, 0.375])


def test_deffuant_uses_each_ends_own_openness():
    """ε = (0, 1/8, 1/2, 1/16) per citizen, μ = 1/2, x = (0, 0, 1/4, 1/2). u = 0.7: 2 meets 3,
    d = 1/4: 2 (ε 1/2) moves to 3/8, 3 (ε 1/16) stays. u = 0.6: 2 meets 1, d = 3/8: 2 moves to
    3/16, 1 (ε 1/8) stays."""
    g = triangle_and_loner()
    x = np.array([0.0, 0.0, 0.25, 0.5])
    eps = np.array([0.0, 0.125, 0.5, 0.0625])
    run(
        "deffuant_sweep",
        x,
        g.indptr,
        g.indices,
        eps,
        0.5,
        NOT_FROZEN,
        np.array([0.7, 0.6]),
        *UNKEYED,
    )
    np.testing.assert_array_equal(x, [0.0, 0.0, 0.1875, 0.5])


def test_deffuant_committed_ends_pull_but_never_move():
    """Citizen 2 committed, ε = 1, μ = 1/2, x = (0, 0, 1/4, 1/2). u = 0.9: 3 meets 2: 3 moves to
    3/8, 2 stays. u = 0.7: 2 meets 3: 2 stays, 3 moves to 3/8 − (1/8)/2 = 5/16."""
    g = triangle_and_loner()
    x = np.array([0.0, 0.0, 0.25, 0.5])
    run(
        "deffuant_sweep",
        x,
        g.indptr,
        g.indices,
        np.ones(1),
        0.5,
        flags(2),
        np.array([0.9, 0.7]),
        *UNKEYED,
    )
    np.testing.assert_array_equal(x, [0.0, 0.0, 0.25, 0.3125])


def test_deffuant_on_two_issues_uses_the_rms_distance_strictly():
    """x_2 = (1/4, 1/4), x_3 = (1/2, 0): RMS distance √((1/16 + 1/16)/2) = 1/4. u = 0.9 (3 meets
    2). ε = 1/4: not below, nothing. ε = 0.26: both move half-way on each issue, to
    (3/8, 1/8)."""
    g = triangle_and_loner()
    x0 = np.array([[0.0, 0.0], [0.0, 0.0], [0.25, 0.25], [0.5, 0.0]])
    x = x0.copy()
    run(
        "deffuant_sweep_issues",
        x,
        g.indptr,
        g.indices,
        np.array([0.25]),
        0.5,
        NOT_FROZEN,
        np.array([0.9]),
    )
    np.testing.assert_array_equal(x, x0)
    run(
        "deffuant_sweep_issues",
        x,
        g.indptr,
        g.indices,
        np.array([0.26]),
        0.5,
        NOT_FROZEN,
        np.array([0.1, 0.9]),
    )
    expected = x0.copy()
    expected[2] = expected[3] = [0.375, 0.125]
    np.testing.assert_array_equal(x, expected)


def test_deffuant_on_two_issues_per_citizen_openness_and_committed_ends():
    """As above, 3 meets 2 (u = 0.9), d = 1/4. ε = (0, 0, 1, 0): only 2 moves, to (3/8, 1/8).
    Shared ε = 1 with 2 committed: only 3 moves, to (3/8, 1/8); with 3 committed only 2."""
    g = triangle_and_loner()
    x0 = np.array([[0.0, 0.0], [0.0, 0.0], [0.25, 0.25], [0.5, 0.0]])
    cases = [
        (np.array([0.0, 0.0, 1.0, 0.0]), NOT_FROZEN, 2),
        (np.ones(1), flags(2), 3),
        (np.ones(1), flags(3), 2),
    ]
    for eps, frozen, moved in cases:
        x = x0.copy()
        run("deffuant_sweep_issues", x, g.indptr, g.indices, eps, 0.5, frozen, np.array([0.9]))
        expected = x0.copy()
        expected[moved] = [0.375, 0.125]
        np.testing.assert_array_equal(x, expected)


# -- algorithmic bias -------------------------------------------------------------------------
def test_a_biased_recommender_picks_the_partner_by_cumulative_inverse_distance():
    """γ = 1, floor 0.01, ε = 1, μ = 1/2, x = (0, 0, 1/4, 1/2). Citizen 1 (u0 = 0.3): weights
    1/d to 2 and 3 = 4 and 2, cumulative (4, 6); u1 = 0.6 → target 3.6 < 4: partner 2; both
    move to 1/8. Again citizen 1 at 1/8: d to 2 is 0 → the floor, weight 100; d to 3 is 3/8,
    weight 8/3; u1 = 0.99 → target ≈ 101.6 > 100: partner 3; both move to 5/16. u0 = 0.1:
    citizen 0 has no tie."""
    g = triangle_and_loner()
    x = np.array([0.0, 0.0, 0.25, 0.5])
    u = np.array([[0.3, 0.6], [0.3, 0.99], [0.1, 0.5]])
    run("algorithmic_bias_sweep", x, g.indptr, g.indices, np.ones(1), 0.5, 1.0, 0.01, NOT_FROZEN, u)
    np.testing.assert_array_equal(x, [0.0, 0.3125, 0.125, 0.3125])


@pytest.mark.parametrize(
    "gamma, u1, partner",
    [
        (0.0, 0.5, 3),  # weights 1, 1: target 1 is not above the first cumulative weight
        (0.0, 0.49, 2),
        (2.0, 0.79, 2),  # weights 16, 4, cumulative (16, 20): target 15.8
        (2.0, 0.81, 3),  # target 16.2
        (1.0, 0.65, 2),  # weights 4, 2, cumulative (4, 6): target 3.9
        (1.0, 0.68, 3),  # target 4.08
    ],
)
def test_the_recommenders_exponent_and_the_strict_cumulative_threshold(gamma, u1, partner):
    """Citizen 1 at 0 (u0 = 0.3) chooses between 2 at 1/4 and 3 at 1/2; ε = 1, μ = 1/2: the
    partner chosen moves half-way to 0, to 1/8 or 1/4, and 1 to it."""
    g = triangle_and_loner()
    x = np.array([0.0, 0.0, 0.25, 0.5])
    run(
        "algorithmic_bias_sweep",
        x,
        g.indptr,
        g.indices,
        np.ones(1),
        0.5,
        gamma,
        1e-4,
        NOT_FROZEN,
        np.array([[0.3, u1]]),
    )
    expected = np.array([0.0, 0.0, 0.25, 0.5])
    expected[1] = expected[partner] = {2: 0.125, 3: 0.25}[partner]
    np.testing.assert_array_equal(x, expected)


def test_a_biased_encounter_respects_each_ends_openness_and_commitment():
    """The last citizen, 3 at 1/2 (u0 = 0.9), γ = 0, u1 = 0.75 → target 1.5 > 1: partner 2 at
    1/4 (its last neighbour), d = 1/4. ε = (0, 0, 1/4, 1): 3 moves to 3/8, 2 (d not below its
    1/4) stays. Shared ε = 1 with 3 committed: 2 moves to 3/8, 3 stays."""
    g = triangle_and_loner()
    u = np.array([[0.9, 0.75]])
    x = np.array([0.0, 0.0, 0.25, 0.5])
    eps = np.array([0.0, 0.0, 0.25, 1.0])
    run("algorithmic_bias_sweep", x, g.indptr, g.indices, eps, 0.5, 0.0, 1e-4, NOT_FROZEN, u)
    np.testing.assert_array_equal(x, [0.0, 0.0, 0.25, 0.375])
    x = np.array([0.0, 0.0, 0.25, 0.5])
    run("algorithmic_bias_sweep", x, g.indptr, g.indices, np.ones(1), 0.5, 0.0, 1e-4, flags(3), u)
    np.testing.assert_array_equal(x, [0.0, 0.0, 0.375, 0.5])
    x = np.array([0.0, 0.0, 0.25, 0.5])
    run("algorithmic_bias_sweep", x, g.indptr, g.indices, np.ones(1), 0.5, 0.0, 1e-4, flags(2), u)
    np.testing.assert_array_equal(x, [0.0, 0.0, 0.25, 0.375])


# -- voter variants ---------------------------------------------------------------------------
def two_issue_opinions():
    return np.array([[9.0, -9.0], [1.0, -1.0], [2.0, -2.0], [3.0, -3.0]])


def test_node_update_copies_every_issue_of_the_drawn_neighbour_in_order():
    """u = 0.9: 3 copies 2 (both issues); then 0.4: 1 copies 3 (now 2's opinion); 0.1: the
    isolated 0 does nothing. Committed 1 (second run): it keeps its opinion."""
    g = triangle_and_loner()
    x = two_issue_opinions()
    run("voter_sweep", x, g.indptr, g.indices, NOT_FROZEN, np.array([0.9, 0.4, 0.1]))
    np.testing.assert_array_equal(x, [[9, -9], [2, -2], [2, -2], [2, -2]])
    x = two_issue_opinions()
    run("voter_sweep", x, g.indptr, g.indices, flags(1), np.array([0.9, 0.4]))
    np.testing.assert_array_equal(x, [[9, -9], [1, -1], [2, -2], [2, -2]])


def test_invasion_imposes_every_issue_on_the_drawn_neighbour():
    """u = 0.9: 3 imposes on 2; 0.3: 1 imposes on 2 again; 0.8: 3 imposes on 1. Committed 2
    (second run) is never invaded; 1 still is."""
    g = triangle_and_loner()
    x = two_issue_opinions()
    run("voter_invasion_sweep", x, g.indptr, g.indices, NOT_FROZEN, np.array([0.9, 0.3, 0.8]))
    np.testing.assert_array_equal(x, [[9, -9], [3, -3], [1, -1], [3, -3]])
    x = two_issue_opinions()
    run("voter_invasion_sweep", x, g.indptr, g.indices, flags(2), np.array([0.9, 0.3, 0.8, 0.1]))
    np.testing.assert_array_equal(x, [[9, -9], [3, -3], [2, -2], [3, -3]])


def test_link_update_picks_a_stored_entry_and_its_source_copies_every_issue():
    """Stored entries (row → neighbour): 1→2, 1→3, 2→1, 2→3, 3→1, 3→2; entry ⌊6u⌋. u = 0.99:
    the last, 3 copies 2; u = 0.2: entry 1, 1 copies 3 (now 2's). Committed 3: it keeps its
    own; no tie at all: nothing."""
    g = triangle_and_loner()
    x = two_issue_opinions()
    run("voter_link_sweep", x, g.rows, g.indices, NOT_FROZEN, np.array([0.99, 0.2]))
    np.testing.assert_array_equal(x, [[9, -9], [2, -2], [2, -2], [2, -2]])
    x = two_issue_opinions()
    run("voter_link_sweep", x, g.rows, g.indices, flags(3), np.array([0.99, 0.2]))
    np.testing.assert_array_equal(x, [[9, -9], [3, -3], [2, -2], [3, -3]])
    x = two_issue_opinions()
    empty = from_edges(4, np.zeros(0, np.int64), np.zeros(0, np.int64))
    run("voter_link_sweep", x, empty.rows, empty.indices, NOT_FROZEN, np.array([0.5]))
    np.testing.assert_array_equal(x, two_issue_opinions())


# -- q-voter ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "x0, u, anti, expected3",
    [
        # conformist (u1 = p = 0.2, not below): a unanimous panel of 1 and 2 (+1) is copied
        ([1.0, 1.0, 1.0, -1.0], [0.9, 0.2, 0.1, 0.9], False, 1.0),
        # the panel 1, 1 (slots 0, 0) is unanimous too — drawn with repetition
        ([1.0, 1.0, -1.0, -1.0], [0.9, 0.5, 0.1, 0.4], False, 1.0),
        # a split panel (1 at +1, 2 at -1) changes nothing
        ([1.0, 1.0, -1.0, -1.0], [0.9, 0.5, 0.1, 0.9], False, -1.0),
        # independence: u1 < p/2 flips, whatever the panel; u1 = p/2 exactly does not
        ([1.0, -1.0, -1.0, -1.0], [0.9, 0.05, 0.1, 0.9], False, 1.0),
        ([1.0, -1.0, -1.0, -1.0], [0.9, 0.1, 0.1, 0.9], False, -1.0),
        ([1.0, 1.0, 1.0, -1.0], [0.9, 0.15, 0.1, 0.9], False, -1.0),
        # anticonformity: u1 < p takes the opposite of a unanimous panel; a split one: nothing
        ([1.0, 1.0, 1.0, 1.0], [0.9, 0.15, 0.1, 0.9], True, -1.0),
        ([1.0, 1.0, -1.0, 1.0], [0.9, 0.15, 0.1, 0.9], True, 1.0),
        # anticonformity off (u1 = 0.2 not below p): conforms
        ([1.0, -1.0, -1.0, 1.0], [0.9, 0.2, 0.1, 0.9], True, -1.0),
    ],
)
def test_q_voter_conformity_independence_and_anticonformity(x0, u, anti, expected3):
    """q = 2, p = 0.2; the last citizen 3 (u0 = 0.9), its panel slots ⌊2·u2⌋, ⌊2·u3⌋ of
    neighbours (1, 2). Only citizen 3 may change."""
    g = triangle_and_loner()
    x = np.array(x0)
    run("q_voter_sweep", x, g.indptr, g.indices, 2, 0.2, anti, NOT_FROZEN, np.array([u]))
    np.testing.assert_array_equal(x, x0[:3] + [expected3])


def test_q_voter_with_a_panel_of_three_and_committed_or_isolated_citizens():
    """q = 3, p = 0: citizen 1 (u0 = 0.3) with panel slots 0, 1, 0 → neighbours 2, 3, 2:
    2 and 3 at -1 — copied. A panel 2, 3, 3 with 3 at +1 is split (the third member decides).
    A committed 1 keeps its opinion; the isolated 0 (u0 = 0.1) too."""
    g = triangle_and_loner()
    x = np.array([1.0, 1.0, -1.0, -1.0])
    run(
        "q_voter_sweep",
        x,
        g.indptr,
        g.indices,
        3,
        0.0,
        False,
        NOT_FROZEN,
        np.array([[0.3, 0.5, 0.1, 0.6, 0.2], [0.1, 0.5, 0.1, 0.1, 0.1]]),
    )
    np.testing.assert_array_equal(x, [1.0, -1.0, -1.0, -1.0])
    x = np.array([1.0, 1.0, -1.0, 1.0])
    run(
        "q_voter_sweep",
        x,
        g.indptr,
        g.indices,
        3,
        0.0,
        False,
        NOT_FROZEN,
        np.array([[0.3, 0.5, 0.1, 0.6, 0.6]]),
    )
    np.testing.assert_array_equal(x, [1.0, 1.0, -1.0, 1.0])
    x = np.array([1.0, 1.0, -1.0, -1.0])
    run(
        "q_voter_sweep",
        x,
        g.indptr,
        g.indices,
        3,
        0.0,
        False,
        flags(1),
        np.array([[0.3, 0.5, 0.1, 0.6, 0.2]]),
    )
    np.testing.assert_array_equal(x, [1.0, 1.0, -1.0, -1.0])


# -- naming game ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "x0, u, expected",
    [
        # speaker 3 (B) to listener 2 holding B: agreement, both B
        ([0.0, 0.0, 1.0, 1.0], 0.9, [0.0, 0.0, 1.0, 1.0]),
        # speaker 3 (B) to listener 2 holding A: the listener adds B (AB); the speaker keeps B
        ([0.0, 0.0, -1.0, 1.0], 0.9, [0.0, 0.0, 0.0, 1.0]),
        # speaker 3 (B) to listener 2 holding AB: agreement, both B
        ([0.0, 0.0, 0.0, 1.0], 0.9, [0.0, 0.0, 1.0, 1.0]),
        # speaker 3 holding AB: 4·0.9 = 3.6, fraction 1.2 of slot 1, its excess 0.2 < 1/2 says A;
        # listener 2 holding AB agrees: both A
        ([0.0, 0.0, 0.0, 0.0], 0.9, [0.0, 0.0, -1.0, -1.0]),
        # u = 0.9375: 3.75, fraction 1.5, excess exactly 1/2 says B; listener 2 holds A: adds B
        ([0.0, 0.0, -1.0, 0.0], 0.9375, [0.0, 0.0, 0.0, 0.0]),
        # the same speaker to a listener holding B: agreement on B
        ([0.0, 0.0, 1.0, 0.0], 0.9375, [0.0, 0.0, 1.0, 1.0]),
        # speaker 1 (A, u = 0.3 → listener 2) to a listener holding B: the listener holds AB
        ([0.0, -1.0, 1.0, 0.0], 0.3, [0.0, -1.0, 0.0, 0.0]),
        # the isolated 0 (u = 0.1) speaks to nobody
        ([1.0, -1.0, 1.0, 0.0], 0.1, [1.0, -1.0, 1.0, 0.0]),
    ],
)
def test_naming_game_interactions(x0, u, expected):
    """States −1 (A), 0 (AB), +1 (B) on the triangle-and-loner network."""
    g = triangle_and_loner()
    x = np.array(x0)
    run("naming_game_sweep", x, g.indptr, g.indices, NOT_FROZEN, np.array([u]))
    np.testing.assert_array_equal(x, expected)


def test_naming_game_committed_speakers_and_listeners_never_change():
    """Speaker 3 holding AB says A (u = 0.9) to listener 2 holding AB: agreement would make
    both A. Listener 2 committed: only the speaker changes; speaker 3 committed: only the
    listener."""
    g = triangle_and_loner()
    x = np.array([0.0, 0.0, 0.0, 0.0])
    run("naming_game_sweep", x, g.indptr, g.indices, flags(2), np.array([0.9]))
    np.testing.assert_array_equal(x, [0.0, 0.0, 0.0, -1.0])
    x = np.array([0.0, 0.0, 0.0, 0.0])
    run("naming_game_sweep", x, g.indptr, g.indices, flags(3), np.array([0.9]))
    np.testing.assert_array_equal(x, [0.0, 0.0, -1.0, 0.0])


# -- majority rule ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "u, members",
    [
        # u1 = 0.3: slot ⌊1.2⌋ = 1 (citizen 2); u2 = 0.5: the ⌊1.5⌋ = 1st of the 3 slots left
        # (0, 2, 3) is slot 2 (citizen 3)
        ([0.0, 0.3, 0.5], (0, 2, 3)),
        # u1 = 0.9: slot 3 (citizen 4); u2 = 0.1: slot 0 (citizen 1), inserted before it
        ([0.0, 0.9, 0.1], (0, 1, 4)),
        # u1 = 0.0: slot 0; u2 = 0.99: the last of slots 1, 2, 3 → slot 3 (citizen 4)
        ([0.0, 0.0, 0.99], (0, 1, 4)),
        # u1 = 0.6: slot 2; u2 = 0.4: the 1st of (0, 1, 3) → slot 1 (citizen 2)
        ([0.0, 0.6, 0.4], (0, 2, 3)),
    ],
)
def test_majority_groups_draw_distinct_neighbours_and_take_their_majority(u, members):
    """G = 3 around the star's centre 0 (neighbours 1-4). Opinions: the group's two members
    drawn decide against or with the centre; everyone in the group takes the majority, those
    outside keep theirs. Opinions: 0 at -1, 1 at +1, 2 at +1, 3 at -1, 4 at +1."""
    g = star()
    x0 = np.array([-1.0, 1.0, 1.0, -1.0, 1.0])
    x = x0.copy()
    run("majority_sweep", x, g.indptr, g.indices, 3, NOT_FROZEN, np.array([u]))
    side = 1.0 if x0[list(members)].sum() > 0 else -1.0
    expected = x0.copy()
    expected[list(members)] = side
    # written out: groups (0, 2, 3) → -1 (votes -1, +1, -1); (0, 1, 4) → +1
    assert side == (-1.0 if members == (0, 2, 3) else 1.0)
    np.testing.assert_array_equal(x, expected)


def test_majority_of_five_committed_members_and_too_small_neighbourhoods():
    """G = 5 at the centre: the whole star votes -1, +1, +1, -1, -1 → -1; committed 3
    (already -1) and committed 1 (+1) keep theirs. A leaf (u0 = 0.3 → citizen 1, one tie)
    cannot gather 4 neighbours: nothing."""
    g = star()
    x = np.array([-1.0, 1.0, 1.0, -1.0, -1.0])
    frozen = flags(1, 3, n=5)
    u = np.array([[0.3, 0.5, 0.5, 0.5, 0.5], [0.0, 0.5, 0.5, 0.5, 0.5]])
    run("majority_sweep", x, g.indptr, g.indices, 5, frozen, u)
    np.testing.assert_array_equal(x, [-1.0, 1.0, -1.0, -1.0, -1.0])
    x = np.array([1.0, -1.0, 1.0, -1.0, -1.0])
    run("majority_sweep", x, g.indptr, g.indices, 5, flags(0, n=5), u[1:])
    np.testing.assert_array_equal(x, [1.0, -1.0, -1.0, -1.0, -1.0])


# -- Sznajd -----------------------------------------------------------------------------------
def path5():
    """Path 0 - 1 - 2 - 3 - 4; N = 5: u picks i = ⌊5u⌋ and its slot ⌊(5u − i)·deg⌋."""
    return from_edges(5, np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4]))


def test_an_agreeing_pair_convinces_every_neighbour_of_both():
    """u = 0.3: i = 1 (5u = 1.5), slot ⌊0.5·2⌋ = 1: partner 2. Both at +1: 1's neighbours 0
    and 2, 2's neighbours 1 and 3 take +1; 4 is no neighbour of the pair. Committed 0 keeps -1
    (second run). A disagreeing pair (1 at +1, 2 at -1) changes nothing."""
    g = path5()
    x = np.array([-1.0, 1.0, 1.0, -1.0, -1.0])
    run("sznajd_sweep", x, g.indptr, g.indices, NOT_FROZEN, np.array([0.3]))
    np.testing.assert_array_equal(x, [1.0, 1.0, 1.0, 1.0, -1.0])
    x = np.array([-1.0, 1.0, 1.0, -1.0, -1.0])
    run("sznajd_sweep", x, g.indptr, g.indices, flags(0, n=5), np.array([0.3]))
    np.testing.assert_array_equal(x, [-1.0, 1.0, 1.0, 1.0, -1.0])
    x = np.array([-1.0, 1.0, -1.0, 1.0, 1.0])
    run("sznajd_sweep", x, g.indptr, g.indices, NOT_FROZEN, np.array([0.3]))
    np.testing.assert_array_equal(x, [-1.0, 1.0, -1.0, 1.0, 1.0])


def test_the_last_citizen_and_its_only_neighbour_convince_theirs():
    """u = 0.99: i = 4 (the last), its only neighbour 3; both at -1: 3's neighbour 2 takes -1;
    then an isolated citizen (a sixth, no tie, u = 0.99 of N = 6) changes nothing."""
    g = path5()
    x = np.array([1.0, 1.0, 1.0, -1.0, -1.0])
    run("sznajd_sweep", x, g.indptr, g.indices, NOT_FROZEN, np.array([0.99]))
    np.testing.assert_array_equal(x, [1.0, 1.0, -1.0, -1.0, -1.0])
    g6 = from_edges(6, np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4]))
    x = np.array([1.0, 1.0, 1.0, -1.0, -1.0, -1.0])
    run("sznajd_sweep", x, g6.indptr, g6.indices, NOT_FROZEN, np.array([0.99]))
    np.testing.assert_array_equal(x, [1.0, 1.0, 1.0, -1.0, -1.0, -1.0])


# -- neighbour counts and the attention cap ---------------------------------------------------
def test_neighbour_count_counts_flagged_neighbours_per_node():
    """Triangle 1-2-3 and the loner 0; flags on 0 and 2: 1 has one flagged neighbour (2), 2
    none (1 and 3 unflagged), 3 one, 0 none."""
    g = triangle_and_loner()
    got = run("neighbour_count", g.indptr, g.indices, flags(0, 2))
    np.testing.assert_array_equal(got, [0, 1, 0, 1])
    assert got.dtype == np.int64


def test_attention_keeps_each_readers_smallest_keys_up_to_its_cap():
    """Candidates c = 0..7 (reader, key): (2, .5) (0, .3) (2, .1) (0, .9) (2, .7) (1, .2)
    (2, .1) (0, .4). Caps (2, 0, 3): reader 0 keeps its two smallest, c1 (.3) and c7 (.4);
    reader 1 nothing; reader 2 three of four: c2 (.1), c6 (.1, a tie: later position after),
    c0 (.5). Ordered by reader, then key."""
    reader = np.array([2, 0, 2, 0, 2, 1, 2, 0])
    key = np.array([0.5, 0.3, 0.1, 0.9, 0.7, 0.2, 0.1, 0.4])
    got = run("attention_select", reader, key, 3, np.array([2, 0, 3]))
    np.testing.assert_array_equal(got, [1, 7, 2, 6, 0])


def test_attention_with_caps_above_the_candidates_and_keys_arriving_in_decreasing_order():
    """Reader 0 has three candidates with keys 3, 2, 1 (each better than those kept) and a cap
    of 2: it keeps c2, c1. Reader 1 has one candidate and a cap of 5: it keeps it. Reader 2
    has none."""
    reader = np.array([0, 0, 1, 0])
    key = np.array([3.0, 2.0, 4.0, 1.0])
    got = run("attention_select", reader, key, 3, np.array([2, 5, 1]))
    np.testing.assert_array_equal(got, [3, 1, 2])
    got = run("attention_select", reader, key, 3, np.array([1, 1, 1]))
    np.testing.assert_array_equal(got, [3, 2])


# -- Holme & Newman ---------------------------------------------------------------------------
def hn_state():
    """Path 0 - 1 - 2 - 3 - 4, opinions (categories) a, b, b, a, a, written out by hand.

    Ties e0 = 0-1, e1 = 1-2, e2 = 2-3, e3 = 3-4: half 2e at the first end, 2e + 1 at the
    second, so owner = (0, 1, 1, 2, 2, 3, 3, 4). Each citizen's halves in order: 0 [0], 1 [1, 2],
    2 [3, 4], 3 [5, 6], 4 [7]. Category a's members [0, 3, 4], b's [1, 2]."""
    i64 = np.int64
    return dict(
        cat=np.array([0, 1, 1, 0, 0], i64),
        owner=np.array([0, 1, 1, 2, 2, 3, 3, 4], i64),
        nxt=np.array([-1, 2, -1, 4, -1, 6, -1, -1], i64),
        prv=np.array([-1, -1, 1, -1, 3, -1, 5, -1], i64),
        head=np.array([0, 1, 3, 5, 7], i64),
        deg=np.array([1, 2, 2, 2, 1], i64),
        gnext=np.array([3, 2, -1, 4, -1], i64),
        gprev=np.array([-1, -1, 1, 0, 3], i64),
        ghead=np.array([0, 1], i64),
        gcount=np.array([3, 2], i64),
    )


def hn_run(state, row, frozen=NOT_FROZEN, phi=0.5):
    args = [state[k] for k in ("cat", "owner", "nxt", "prv", "head", "deg", "gnext", "gprev")]
    args += [state["ghead"], state["gcount"], phi, frozen, np.array([row], dtype=float)]
    run("holme_newman_sweep", *args)


def assert_state(state, **expected):
    want = hn_state()
    want.update({k: np.array(v) for k, v in expected.items()})
    for key, value in want.items():
        np.testing.assert_array_equal(state[key], value, err_msg=key)


TRIES_FAIL = [0.1] * 8  # every try draws citizen 0 (5 · 0.1 → 0)


def test_holme_newman_rewires_to_the_first_like_minded_citizen_drawn_by_rejection():
    """Citizen 0 (u0 = 0.1), u1 = 0 < φ: its tie (half 0, far half 1 at citizen 1) moves.
    Category a holds 3 of 5 (3·8 ≥ 5): tries ⌊5u⌋ = 0 (itself), 1 (category b), 4 (a): k = 4.
    Half 1 leaves 1's list (whose head becomes half 2) and heads 4's list: ties 0-4, 1-2, 2-3,
    3-4. The list pick (u3 = 0 → 3) is not used."""
    state = hn_state()
    hn_run(state, [0.1, 0.0, 0.0, 0.0, 0.1, 0.3, 0.9] + [0.1] * 5)
    assert_state(
        state,
        owner=[0, 4, 1, 2, 2, 3, 3, 4],
        head=[0, 2, 3, 5, 1],
        nxt=[-1, 7, -1, 4, -1, 6, -1, -1],
        prv=[-1, -1, -1, -1, 3, -1, 5, 1],
        deg=[1, 1, 2, 2, 2],
    )


@pytest.mark.parametrize("u3, k", [(0.4, 3), (0.6, 4)])
def test_holme_newman_falls_back_to_a_pick_from_the_member_list_skipping_itself(u3, k):
    """Every try draws citizen 0 itself: the pick ⌊u3 · (3 − 1)⌋ among a's members other than
    0, in list order (3, 4): u3 = 0.4 → 3, u3 = 0.6 → 4. Half 1 moves to k's list head."""
    state = hn_state()
    hn_run(state, [0.1, 0.0, 0.0, u3] + TRIES_FAIL)
    owner = [0, k, 1, 2, 2, 3, 3, 4]
    head = [0, 2, 3, 5, 7]
    head[k] = 1
    nxt = [-1, 5 if k == 3 else 7, -1, 4, -1, 6, -1, -1]
    prv = [-1, -1, -1, -1, 3, -1, 5, -1]
    prv[5 if k == 3 else 7] = 1
    deg = [1, 1, 2, 2, 1]
    deg[k] += 1
    assert_state(state, owner=owner, head=head, nxt=nxt, prv=prv, deg=deg)


def test_holme_newman_unlinks_a_far_half_at_the_tail_of_its_list():
    """Citizen 3 (u0 = 0.7), tie number ⌊0 · 2⌋ = 0: half 5, far half 4 at citizen 2 — the tail
    of 2's list [3, 4]. The first try draws 0 (a, not tied to 3): half 4 moves to 0's list."""
    state = hn_state()
    hn_run(state, [0.7, 0.0, 0.0, 0.0] + TRIES_FAIL)
    assert_state(
        state,
        owner=[0, 1, 1, 2, 0, 3, 3, 4],
        head=[4, 1, 3, 5, 7],
        nxt=[-1, 2, -1, -1, 0, 6, -1, -1],
        prv=[4, -1, 1, -1, -1, -1, 5, -1],
        deg=[2, 2, 1, 2, 1],
    )


def test_holme_newman_copy_moves_a_citizen_between_member_lists():
    """u1 = 0.9 ≥ φ: copy. Citizen 2 (u0 = 0.5), tie number ⌊0.75 · 2⌋ = 1 (half 4, far half
    5 at citizen 3, category a): 2 leaves b's list (its tail) and heads a's. Citizen 1 (u0 =
    0.3), tie 0 (to citizen 0, a): 1, the head of b's list, leaves it (2 becomes the head)."""
    state = hn_state()
    hn_run(state, [0.5, 0.9, 0.75, 0.0] + TRIES_FAIL)
    assert_state(
        state,
        cat=[0, 1, 0, 0, 0],
        ghead=[2, 1],
        gnext=[3, -1, 0, 4, -1],
        gprev=[2, -1, -1, 0, 3],
        gcount=[4, 1],
    )
    state = hn_state()
    hn_run(state, [0.3, 0.9, 0.0, 0.0] + TRIES_FAIL)
    assert_state(
        state,
        cat=[0, 0, 1, 0, 0],
        ghead=[1, 2],
        gnext=[3, 0, -1, 4, -1],
        gprev=[1, -1, -1, 0, 3],
        gcount=[4, 1],
    )


def test_holme_newman_leaves_committed_like_minded_and_already_tied_cases_alone():
    """Nothing changes when the drawn citizen is committed (0, whose rewiring is tested above);
    when it copies a neighbour of its own opinion (3 copying 4); when the like-minded citizen
    drawn is the far end of the tie itself (4's tie to 3, k = 3); or is already tied to it (3's
    tie to 2 moving to 4, a neighbour of 3)."""
    state = hn_state()
    hn_run(state, [0.1, 0.0, 0.0, 0.0, 0.1, 0.3, 0.9] + [0.1] * 5, frozen=flags(0, n=5))
    assert_state(state)
    state = hn_state()
    hn_run(state, [0.7, 0.9, 0.75, 0.0] + TRIES_FAIL)  # 3's tie 1 → 4, same category
    assert_state(state)
    state = hn_state()
    # citizen 4 (u0 = 0.9), its tie to 3; the first try ⌊5 · 0.7⌋ = 3 (a, ≠ 4): k = 3 = j
    hn_run(state, [0.9, 0.0, 0.0, 0.0, 0.7] + [0.1] * 7)
    assert_state(state)
    state = hn_state()
    # citizen 3 (u0 = 0.7), its tie 0 (to 2); the first try ⌊5 · 0.9⌋ = 4: tied to 3 already
    hn_run(state, [0.7, 0.0, 0.0, 0.0, 0.9] + [0.1] * 7)
    assert_state(state)


# -- the pick of the last citizen, asymmetric pairs, skipped updates followed by others --------
def test_the_last_citizens_first_neighbour_is_a_pair_of_its_own():
    """u = 0.8: 4u = 3.2, citizen 3, slot ⌊0.2 · 2⌋ = 0: neighbour 1 (pair 3-1, not 2-3).
    Deffuant, ε = 1, μ = 1/2, x = (0, 0, 1/4, 1/2): 1 and 3 meet at 1/4. On two issues, x_1 =
    (0, 0), x_3 = (1/2, 0): both at (1/4, 0)."""
    g = triangle_and_loner()
    x = np.array([0.0, 0.0, 0.25, 0.5])
    run(
        "deffuant_sweep",
        x,
        g.indptr,
        g.indices,
        np.ones(1),
        0.5,
        NOT_FROZEN,
        np.array([0.8]),
        *UNKEYED,
    )
    np.testing.assert_array_equal(x, [0.0, 0.25, 0.25, 0.25])
    x = np.array([[0.0, 0.0], [0.0, 0.0], [0.25, 0.25], [0.5, 0.0]])
    run(
        "deffuant_sweep_issues",
        x,
        g.indptr,
        g.indices,
        np.ones(1),
        0.5,
        NOT_FROZEN,
        np.array([0.8]),
    )
    np.testing.assert_array_equal(x, [[0.0, 0.0], [0.25, 0.0], [0.25, 0.25], [0.25, 0.0]])


def test_each_end_is_judged_by_its_own_openness_not_the_first_citizens():
    """The isolated citizen 0 has ε = 1, the others small: 3 meets 2 (u = 0.9), d = 1/4.
    One issue, ε = (1, 0, 0, 1/8): nobody moves. Two issues, x_2 = (1/4, 1/4), x_3 = (1/2, 0),
    ε = (1, 0, 1, 0): only 2 moves, to (3/8, 1/8)."""
    g = triangle_and_loner()
    x = np.array([0.0, 0.0, 0.25, 0.5])
    eps = np.array([1.0, 0.0, 0.0, 0.125])
    run("deffuant_sweep", x, g.indptr, g.indices, eps, 0.5, NOT_FROZEN, np.array([0.9]), *UNKEYED)
    np.testing.assert_array_equal(x, [0.0, 0.0, 0.25, 0.5])
    x = np.array([[0.0, 0.0], [0.0, 0.0], [0.25, 0.25], [0.5, 0.0]])
    eps = np.array([1.0, 0.0, 1.0, 0.0])
    run("deffuant_sweep_issues", x, g.indptr, g.indices, eps, 0.5, NOT_FROZEN, np.array([0.9]))
    np.testing.assert_array_equal(x, [[0.0, 0.0], [0.0, 0.0], [0.375, 0.125], [0.5, 0.0]])


@pytest.mark.parametrize(
    "eps, expected",
    [
        # 3 (ε 1) moves to 3/8; 2 (d = 1/4 not below its 1/4) stays; 0's ε 1 is not 2's
        ([1.0, 0.0, 0.25, 1.0], [0.0, 0.0, 0.25, 0.375]),
        # 3 (d = 1/4 not below its 1/4) stays; 2 (ε 1/2) moves to 3/8
        ([0.0, 0.0, 0.5, 0.25], [0.0, 0.0, 0.375, 0.5]),
    ],
)
def test_a_biased_encounter_judges_the_gap_with_each_ends_openness(eps, expected):
    """The isolated 0 first (nothing, and the sweep goes on), then 3 at 1/2 (u0 = 0.9) with
    γ = 0, u1 = 0.75: partner 2 at 1/4, d = 1/4; μ = 1/2."""
    g = triangle_and_loner()
    x = np.array([0.0, 0.0, 0.25, 0.5])
    u = np.array([[0.1, 0.5], [0.9, 0.75]])
    run(
        "algorithmic_bias_sweep",
        x,
        g.indptr,
        g.indices,
        np.array(eps),
        0.5,
        0.0,
        1e-4,
        NOT_FROZEN,
        u,
    )
    np.testing.assert_array_equal(x, expected)


def test_a_biased_recommender_weighs_by_the_gap_not_the_sum_and_picks_the_last_citizens():
    """Citizen 1 at 1/8 (u0 = 0.3): 2 at 1/8 (gap 0, floor 0.01: weight 100), 3 at 1/2 (gap
    3/8, weight 8/3); u1 = 0.9 → target 92.4 < 100: partner 2, no move (same opinion). Then
    u0 = 0.8 → citizen 3 (the last; ⌊0.8 · 4⌋ = 3), γ = 1: 1 at 1/8 (gap 3/8, weight 8/3) and
    2 at 1/8 (same): u1 = 0.25 → partner 1; ε = 1: both move to 5/16."""
    g = triangle_and_loner()
    x = np.array([0.0, 0.125, 0.125, 0.5])
    u = np.array([[0.3, 0.9], [0.8, 0.25]])
    args = (g.indptr, g.indices, np.ones(1), 0.5, 1.0, 0.01, NOT_FROZEN)
    run("algorithmic_bias_sweep", x, *args, u[:1])
    np.testing.assert_array_equal(x, [0.0, 0.125, 0.125, 0.5])  # weights by |x_i − x_j|
    run("algorithmic_bias_sweep", x, *args, u[1:])
    np.testing.assert_array_equal(x, [0.0, 0.3125, 0.125, 0.3125])


def test_voter_sweeps_go_on_after_an_isolated_pick_and_invade_the_drawn_neighbour():
    """The isolated 0 first (u = 0.1), then: node update 0.9 → 3 copies 2; invasion 0.9 → 3
    imposes on 2 (its second neighbour)."""
    g = triangle_and_loner()
    x = two_issue_opinions()
    run("voter_sweep", x, g.indptr, g.indices, NOT_FROZEN, np.array([0.1, 0.9]))
    np.testing.assert_array_equal(x, [[9, -9], [1, -1], [2, -2], [2, -2]])
    x = two_issue_opinions()
    run("voter_invasion_sweep", x, g.indptr, g.indices, NOT_FROZEN, np.array([0.1, 0.9]))
    np.testing.assert_array_equal(x, [[9, -9], [1, -1], [3, -3], [3, -3]])


def test_q_voter_goes_on_after_skipped_flipped_and_split_updates():
    """q = 2, p = 0.2, independence. Rows: the isolated 0; 3 committed (skipped); 1 flips
    (u1 = 0.05 < p/2); 2's panel (slots ⌊2·0.9⌋ = 1 → 3 at -1, ⌊2·0.1⌋ = 0 → 1 at +1 — the
    first member is the one drawn by u2) is split: nothing; 1 again, conforming (u1 = 0.5), its
    panel slot 1 → 3, slot 1 → 3 (both -1): -1; finally 2 with slots 0, 0 → 1 (-1): -1."""
    g = triangle_and_loner()
    x = np.array([1.0, -1.0, 1.0, -1.0])
    u = np.array(
        [
            [0.1, 0.5, 0.5, 0.5],
            [0.9, 0.5, 0.5, 0.5],
            [0.3, 0.05, 0.5, 0.5],
            [0.6, 0.5, 0.9, 0.1],
            [0.3, 0.5, 0.9, 0.6],
            [0.6, 0.5, 0.1, 0.2],
        ]
    )
    run("q_voter_sweep", x, g.indptr, g.indices, 2, 0.2, False, flags(3), u)
    np.testing.assert_array_equal(x, [1.0, -1.0, -1.0, -1.0])


@pytest.mark.parametrize(
    "x3, expected3",
    [
        (1.0, 1.0),  # panel slots (1, 0) → (2, 1) = (+1, +1): unanimous, copied... already +1
        (-1.0, 1.0),  # 3 at -1 copies the unanimous +1
    ],
)
def test_q_voter_first_panel_member_comes_from_the_first_panel_draw(x3, expected3):
    """Citizen 3 (u0 = 0.9) conforms (u1 = 0.5 ≥ p = 0.2); slots ⌊2·0.6⌋ = 1 → 2 and
    ⌊2·0.3⌋ = 0 → 1, both +1."""
    g = triangle_and_loner()
    x = np.array([-1.0, 1.0, 1.0, x3])
    run(
        "q_voter_sweep",
        x,
        g.indptr,
        g.indices,
        2,
        0.2,
        False,
        NOT_FROZEN,
        np.array([[0.9, 0.5, 0.6, 0.3]]),
    )
    np.testing.assert_array_equal(x, [-1.0, 1.0, 1.0, expected3])


def test_q_voter_panel_member_at_slot_one_decides():
    """Citizen 3 (u0 = 0.9), conforming; 1 at -1, 2 at +1. Slots (1, 1) → (2, 2): unanimous +1,
    copied. Slots (1, 0) → (2, 1): split, nothing. Slots (0, 1): split, nothing."""
    g = triangle_and_loner()
    for u2, u3, expected in ((0.9, 0.9, 1.0), (0.9, 0.1, -1.0), (0.1, 0.9, -1.0)):
        x = np.array([0.0, -1.0, 1.0, -1.0])
        run(
            "q_voter_sweep",
            x,
            g.indptr,
            g.indices,
            2,
            0.0,
            False,
            NOT_FROZEN,
            np.array([[0.9, 0.5, u2, u3]]),
        )
        assert x[3] == expected, (u2, u3)


def test_naming_game_and_sznajd_go_on_after_an_isolated_or_disagreeing_pick():
    """Naming game: the isolated 0 (u = 0.1), then 3 (B) to 2 (A): 2 holds AB. Sznajd on the
    path plus an isolated sixth citizen (N = 6): 0.99 picks the isolated 5; 6 · 0.3 = 1.8 picks
    1 and slot ⌊0.8 · 2⌋ = 1 (2), who disagree; 6 · 0.5 = 3 picks 3 and slot 0 (2), who agree
    at -1: 2's neighbour 1 and 3's neighbour 4 take -1."""
    g = triangle_and_loner()
    x = np.array([1.0, 0.0, -1.0, 1.0])
    run("naming_game_sweep", x, g.indptr, g.indices, NOT_FROZEN, np.array([0.1, 0.9]))
    np.testing.assert_array_equal(x, [1.0, 0.0, 0.0, 1.0])
    g6 = from_edges(6, np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4]))
    x = np.array([1.0, 1.0, -1.0, -1.0, 1.0, 1.0])
    run("sznajd_sweep", x, g6.indptr, g6.indices, NOT_FROZEN, np.array([0.99, 0.3, 0.5]))
    np.testing.assert_array_equal(x, [1.0, -1.0, -1.0, -1.0, -1.0, 1.0])


def test_majority_picks_the_drawn_citizen_and_needs_g_minus_one_neighbours():
    """Path 0 - 1 - 2 - 3 - 4, G = 3. u0 = 0.99 → the last citizen 4: one neighbour, no group.
    u0 = 0.3 → citizen 1 (⌊1.5⌋) with both its neighbours 0 and 2: votes (+1, -1, +1) → +1,
    2 converted. Citizen 0 (u0 = 0.1) has one neighbour: no group either."""
    g = path5()
    x = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    u = np.array([[0.99, 0.0, 0.0], [0.1, 0.0, 0.0], [0.3, 0.0, 0.0]])
    run("majority_sweep", x, g.indptr, g.indices, 3, NOT_FROZEN, u)
    np.testing.assert_array_equal(x, [1.0, 1.0, 1.0, 1.0, -1.0])


def test_majority_vote_counts_only_the_drawn_members_and_assigns_every_one():
    """Star centre 0, G = 3: slots 1 (u1 = 0.3 → citizen 2) and, among (0, 2, 3), ⌊0.7 · 3⌋ = 2
    → slot 3 (citizen 4): votes +1 (0), +1 (2), -1 (4) → +1; citizen 1 (-1) is not in the
    group and neither votes nor changes. G = 5 (everyone; u_r = 0.5 each: slots drawn 2, 1, 3,
    0, kept sorted by shifting): votes 1 + 1 + 1 - 1 - 1 → +1: 3 and 4 take +1."""
    g = star()
    x = np.array([1.0, -1.0, 1.0, -1.0, -1.0])
    run("majority_sweep", x, g.indptr, g.indices, 3, NOT_FROZEN, np.array([[0.0, 0.3, 0.7]]))
    np.testing.assert_array_equal(x, [1.0, -1.0, 1.0, -1.0, 1.0])
    x = np.array([1.0, 1.0, 1.0, -1.0, -1.0])
    run("majority_sweep", x, g.indptr, g.indices, 5, NOT_FROZEN, np.array([[0.0] + [0.5] * 4]))
    np.testing.assert_array_equal(x, [1.0, 1.0, 1.0, 1.0, 1.0])


def hn_build(cat, edges, n):
    """Holme-Newman state built by plain appending: each citizen's halves and each category's
    members as linked lists in increasing order (the layout written out in ``hn_state``)."""
    owner = [end for edge in edges for end in edge]
    ncat = max(cat) + 1

    def lists(items_owner, heads):
        head, nxt, prv, tail = [-1] * heads, [-1] * len(items_owner), [-1] * len(items_owner), {}
        for item, o in enumerate(items_owner):
            if o in tail:
                nxt[tail[o]], prv[item] = item, tail[o]
            else:
                head[o] = item
            tail[o] = item
        return head, nxt, prv

    head, nxt, prv = lists(owner, n)
    ghead, gnext, gprev = lists(cat, ncat)
    i64 = np.int64
    return dict(
        cat=np.array(cat, i64),
        owner=np.array(owner, i64),
        nxt=np.array(nxt, i64),
        prv=np.array(prv, i64),
        head=np.array(head, i64),
        deg=np.bincount(owner, minlength=n).astype(i64),
        gnext=np.array(gnext, i64),
        gprev=np.array(gprev, i64),
        ghead=np.array(ghead, i64),
        gcount=np.bincount(cat, minlength=ncat).astype(i64),
    )


def ties(state):
    return sorted(tuple(sorted(p)) for p in state["owner"].reshape(-1, 2).tolist())


def test_hn_build_matches_the_state_written_out_by_hand():
    built = hn_build([0, 1, 1, 0, 0], [(0, 1), (1, 2), (2, 3), (3, 4)], 5)
    for key, value in hn_state().items():
        np.testing.assert_array_equal(built[key], value, err_msg=key)


def test_holme_newman_draw_equal_to_phi_copies_and_the_category_sizes_follow():
    """u1 = φ = 0.5 is not below φ: citizen 0 (a, the head of a's list of 3) copies its
    neighbour 1 (b): a's list becomes [3, 4] (size 2), b's [0, 1, 2] (size 3)."""
    state = hn_state()
    hn_run(state, [0.1, 0.5, 0.0, 0.0] + TRIES_FAIL)
    assert_state(
        state,
        cat=[1, 1, 1, 0, 0],
        ghead=[3, 0],
        gnext=[1, 2, -1, 4, -1],
        gprev=[-1, 0, 1, -1, 3],
        gcount=[2, 3],
    )


def test_holme_newman_sweep_goes_on_after_every_kind_of_update_that_changes_nothing():
    """Rows: 1 committed (u0 = 0.3); 4 rewiring to 3 = the far end (k = j); 3 rewiring its tie
    to 2 toward 4, a neighbour already; 3 copying 4 (same category); then 0 copying 1 (u1 =
    0.5 = φ), which acts as in the test above. The ties never change."""
    state = hn_state()
    rows = [
        [0.3, 0.0, 0.0, 0.0] + TRIES_FAIL,
        [0.9, 0.0, 0.0, 0.0, 0.7] + [0.1] * 7,
        [0.7, 0.0, 0.0, 0.0, 0.9] + [0.1] * 7,
        [0.7, 0.9, 0.75, 0.0] + TRIES_FAIL,
        [0.1, 0.5, 0.0, 0.0] + TRIES_FAIL,
    ]
    args = [state[k] for k in ("cat", "owner", "nxt", "prv", "head", "deg", "gnext", "gprev")]
    run(
        "holme_newman_sweep",
        *args,
        state["ghead"],
        state["gcount"],
        0.5,
        flags(1, n=5),
        np.array(rows),
    )
    np.testing.assert_array_equal(state["cat"], [1, 1, 1, 0, 0])
    np.testing.assert_array_equal(state["gcount"], [2, 3])
    assert ties(state) == [(0, 1), (1, 2), (2, 3), (3, 4)]


def test_holme_newman_a_lone_opinion_does_not_rewire_and_the_sweep_goes_on():
    """Path 0 - 1 - 2, opinions a, b, a... citizen 1 is alone in b: its rewiring does nothing;
    the next row, 2 copying 1 (u1 = 0.9), makes 2 a b."""
    state = hn_build([0, 1, 0], [(0, 1), (1, 2)], 3)
    rows = np.array([[0.5, 0.0, 0.0, 0.0] + TRIES_FAIL, [0.9, 0.9, 0.0, 0.0] + TRIES_FAIL])
    args = [state[k] for k in ("cat", "owner", "nxt", "prv", "head", "deg", "gnext", "gprev")]
    run("holme_newman_sweep", *args, state["ghead"], state["gcount"], 0.5, NOT_FROZEN, rows)
    np.testing.assert_array_equal(state["cat"], [0, 1, 1])
    assert ties(state) == [(0, 1), (1, 2)]


def test_holme_newman_already_tied_is_checked_through_each_halfs_partner():
    """Ties numbered 0-1, 2-3, 1-2, 3-4 (halves 0..7): citizen 3 holds halves 3 (tie 2-3) and 6
    (tie 3-4). 3 (a) rewires its tie to 2 (b) toward 4 (a, the try ⌊5 · 0.9⌋): 4 is its
    neighbour through half 6's partner 7 — nothing changes."""
    state = hn_build([0, 1, 1, 0, 0], [(0, 1), (2, 3), (1, 2), (3, 4)], 5)
    before = {k: v.copy() for k, v in state.items()}
    hn_run(state, [0.7, 0.0, 0.0, 0.0, 0.9] + [0.1] * 7)
    for key, value in before.items():
        np.testing.assert_array_equal(state[key], value, err_msg=key)


def test_holme_newman_rewires_to_a_citizen_without_ties():
    """Citizens 0 (a), 1 (b), 2 (a, no tie); tie 0-1. 0 rewires it (try ⌊3 · 0.9⌋ = 2): the
    tie becomes 0-2; 1 has no half left and 2's list is the moved half 1 alone."""
    state = hn_build([0, 1, 0], [(0, 1)], 3)
    hn_run(state, [0.1, 0.0, 0.0, 0.0, 0.9] + [0.1] * 7)
    np.testing.assert_array_equal(state["owner"], [0, 2])
    np.testing.assert_array_equal(state["head"], [0, -1, 1])
    np.testing.assert_array_equal(state["nxt"], [-1, -1])
    np.testing.assert_array_equal(state["prv"], [-1, -1])
    np.testing.assert_array_equal(state["deg"], [1, 0, 1])


@pytest.mark.parametrize("n, partner", [(24, 2), (25, 1)])
def test_holme_newman_rejection_sampling_only_when_the_opinion_holds_an_eighth(n, partner):
    """Citizens 0, 1, 2 hold a, the other n − 3 hold b; ties 0-3, 1-4, 2-5. Citizen 0 rewires
    its tie to 3. With N = 24, a holds 3 · 8 = 24 ≥ N: rejection tries, the first ⌊24 · 0.1⌋ =
    2: tie 0-2. With N = 25 (3 · 8 < 25) the member list is used: pick ⌊0 · 2⌋ = 0, the first
    member other than 0: tie 0-1."""
    state = hn_build([0, 0, 0] + [1] * (n - 3), [(0, 3), (1, 4), (2, 5)], n)
    hn_run(state, [0.01, 0.0, 0.0, 0.0, 0.1] + [0.1] * 7)
    assert ties(state) == sorted([(0, partner), (1, 4), (2, 5)])
