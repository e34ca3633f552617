"""Mechanisms of model/dynamics/rules.py that mutation testing found unguarded: the
``opinion.convergence: settled`` check of the bounded-confidence rules (its sorted shortcut and
its general per-tie check with the spreads of the groups within the tolerance, at the exact
boundaries d = tolerance and d = ε, with several issues, per-citizen ε and committed citizens),
what ``peer_steps`` returns or declines, and the
radicalization rule's key stream and its (empty) reads.

Oracles are written here from the documented definitions:

* settled: for every tie (i, j) with i not committed, either d(x_i, x_j) <= tolerance or the
  tie can never come within ε_i again. Only ties within the tolerance can still move, and each
  such move is a convex step between two members of a group joined by such ties, so every
  citizen stays inside its group's box (per issue, [min, max] of the group). A tie whose two
  boxes are at least ε_i apart (RMS over issues) is therefore out of reach for good:
  :func:`settled_by_boxes` is a proof of "settled". Where a test expects "not settled" it also
  plays, by hand with the Deffuant update, the encounters that make a tie live (a witness).

Opinions are multiples of 1/64 so the boundary cases are exact. All cases are hand-sized (a
few citizens, one peer step); the file runs in well under a second without numba.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from model.config.schema import OpinionSpec
from model.dynamics.kernels import kernel
from model.dynamics.rules import Deffuant, Radicalization, power_law_activity
from model.network.csr import from_edges
from model.population import STAFF
from tests.hand_draws import hand_population

MU = 0.5


def spec(**given):
    return dataclasses.replace(OpinionSpec(), **given)


def graph(n, edges, complete=False):
    u, v = zip(*edges, strict=True)
    g = from_edges(n, np.array(u, dtype=np.int64), np.array(v, dtype=np.int64))
    return dataclasses.replace(g, complete=complete) if complete else g


def complete_graph(n):
    return graph(n, list(itertools.combinations(range(n), 2)), complete=True)


def settled_rule(x, g, openness, frozen=None):
    """A settled-convergence Deffuant after one peer step on ``g`` (which the model always runs
    before asking): it knows the peer graph, the thresholds and the committed rows."""
    rule = Deffuant(spec(rule="deffuant", rate=MU, convergence="settled"), use_compiled=False)
    pop = hand_population(np.array(x, dtype=float), openness=openness)  # x stays as given
    rule.peer_step(pop, g, np.random.default_rng(0), frozen)
    return rule


def ties(g):
    return [(i, int(j)) for i in range(g.n) for j in g.neighbours(i)]


def rms(a, b):
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def live_ties(x, g, eps, tol, frozen=None):
    """Ties along which an encounter moves its owner now: tol < d < ε_i, i not committed."""
    return [
        (i, j)
        for i, j in ties(g)
        if (frozen is None or not frozen[i]) and tol < rms(x[i], x[j]) < eps[i]
    ]


def settled_by_boxes(x, g, eps, tol, frozen=None):
    """A proof of "settled": every tie (i, j) with i uncommitted is within the tolerance, or
    joins two groups (citizens joined by ties within the tolerance, found here by a plain flood
    fill) whose boxes are at least ε_i apart, so no encounter along it can ever move i."""
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    n = x.shape[0]
    group = list(range(n))
    changed = True
    while changed:  # flood fill: each citizen takes the smallest label of its close ties
        changed = False
        for i, j in ties(g):
            if rms(x[i], x[j]) <= tol and group[j] < group[i]:
                group[i] = group[j]
                changed = True
    lo = {a: x[[i for i in range(n) if group[i] == a]].min(axis=0) for a in set(group)}
    hi = {a: x[[i for i in range(n) if group[i] == a]].max(axis=0) for a in set(group)}
    for i, j in ties(g):
        if frozen is not None and frozen[i]:
            continue
        if rms(x[i], x[j]) <= tol:
            continue
        a, b = group[i], group[j]
        apart = np.maximum(0.0, np.maximum(lo[b] - hi[a], lo[a] - hi[b]))
        if float(np.sqrt(np.mean(apart**2))) < eps[i]:
            return False
    return True


def meet(x, i, j):
    """One Deffuant encounter of i and j (both within each other's ε), by hand."""
    x = np.array(x, dtype=float)
    xi, xj = x[i].copy(), x[j].copy()
    x[i] = xi + MU * (xj - xi)
    x[j] = xj + MU * (xi - xj)
    return x


# -- settled: before any peer step ------------------------------------------------------------
def test_settled_is_never_claimed_before_the_first_peer_step():
    """Deffuant.converged with no peer graph yet (peer_graph None): nothing is known about who
    can meet whom, so it must answer False (not True, and not fail)."""
    rule = Deffuant(spec(rule="deffuant", convergence="settled"), use_compiled=False)
    x = np.array([[0.0], [0.0]])
    assert rule.converged(x, x, 0.0) is False


# -- settled: the sorted shortcut and when it must not be taken -------------------------------
def test_settled_shortcut_boundaries_tolerance_zero_and_gap_exactly_eps():
    """The complete-graph, one-ε shortcut: with tolerance 0 equal opinions are within it (the
    search for the next opinion above looks strictly above), and a gap of exactly ε is out of
    reach (an encounter moves only when d < ε). Two clusters exactly ε apart are settled."""
    x = np.array([[0.0], [0.0], [0.5], [0.5]])
    g = complete_graph(4)
    eps = np.full(4, 0.5)
    rule = settled_rule(x, g, eps)
    assert settled_by_boxes(x, g, eps, 0.0) and not live_ties(x, g, eps, 0.0)
    assert rule.converged(x, x, 0.0) is True
    # a hair closer than ε is live: the same check answers False
    y = np.array([[0.0], [0.0], [0.5 - 1 / 64], [0.5]])
    assert live_ties(y, g, eps, 0.0)
    assert rule.converged(y, y, 0.0) is False


def test_settled_on_several_issues_compares_every_issue_on_the_complete_graph():
    """The sorted shortcut reads issue 0 only, so it is for one issue; with two issues on the
    complete graph the per-tie check must see a live tie that differs in issue 1 alone."""
    x = np.array([[0.25, 0.0], [0.25, 0.25], [0.25, 0.5]])
    g = complete_graph(3)
    eps = np.full(3, 0.5)
    rule = settled_rule(x, g, eps)
    assert live_ties(x, g, eps, 0.0)  # RMS gaps 0.177 and 0.354 < ε
    assert rule.converged(x, x, 0.0) is False


def test_settled_with_per_citizen_eps_uses_each_owners_eps():
    """Per-citizen ε (the sorted shortcut needs one ε): on a complete graph of two, citizen 1
    (ε = 0.5) still moves toward citizen 0 at 0.25, though citizen 0's ε = 0.125 is below it."""
    x = np.array([[0.0], [0.25]])
    g = complete_graph(2)
    eps = np.array([0.125, 0.5])
    rule = settled_rule(x, g, eps)
    assert live_ties(x, g, eps, 0.0) == [(1, 0)]
    assert rule.converged(x, x, 0.0) is False


def test_settled_with_committed_citizens_ignores_their_own_ties():
    """Committed citizens (frozen rows) never move: two of them within ε of each other are no
    live pair, so a complete graph whose only close pair is committed is settled (the shortcut,
    which knows nothing of committed rows, must not answer), while the uncommitted citizen's
    ties are still checked."""
    x = np.array([[0.0], [0.125], [0.875]])
    g = complete_graph(3)
    eps = np.full(3, 0.25)
    frozen = np.array([True, True, False])
    rule = settled_rule(x, g, eps, frozen)
    assert not live_ties(x, g, eps, 0.0, frozen) and settled_by_boxes(x, g, eps, 0.0, frozen)
    assert rule.converged(x, x, 0.0) is True
    # the uncommitted citizen within ε of a committed one: live, not settled
    y = np.array([[0.0], [0.125], [0.3125]])
    assert live_ties(y, g, eps, 0.0, frozen) == [(2, 1)]
    assert rule.converged(y, y, 0.0) is False


def test_settled_with_committed_citizens_still_checks_the_reach_of_uncommitted_groups():
    """Off the shortcut with committed rows: an uncommitted citizen whose close group can carry
    it within ε of a partner is not settled, whoever else is committed. Citizens 0 and 1 (within
    the tolerance 0.125) meet and 0 moves to 1/16; its tie to 2 (3/8 away, ε = 11/32) becomes
    live. Citizen 3 is committed, far from everyone."""
    x = np.array([[0.0], [0.125], [0.375], [-1.0]])
    g = graph(4, [(0, 1), (0, 2), (2, 3)])
    eps = np.full(4, 11 / 32)
    frozen = np.array([False, False, False, True])
    tol = 0.125
    rule = settled_rule(x, g, eps, frozen)
    assert not live_ties(x, g, eps, tol, frozen)
    assert not settled_by_boxes(x, g, eps, tol, frozen)
    assert (0, 2) in live_ties(meet(x, 0, 1), g, eps, tol, frozen)  # the witness
    assert rule.converged(x, x, tol) is False


# -- settled: the general per-tie check at its boundaries --------------------------------------
def test_settled_general_check_a_tie_at_exactly_the_tolerance_is_within_it():
    """Off the shortcut (a path, not complete): a tie exactly at the tolerance counts as within
    it (d <= tolerance): not live, and it joins its ends in one group, whose box (0 to 1/4) stays
    ε = 1/2 or more from citizen 2 at 1. Settled."""
    x = np.array([[0.0], [0.25], [1.0]])
    g = graph(3, [(0, 1), (1, 2)])
    eps = np.full(3, 0.5)
    rule = settled_rule(x, g, eps)
    assert settled_by_boxes(x, g, eps, 0.25)
    assert rule.converged(x, x, 0.25) is True


def test_settled_general_check_a_tie_at_exactly_eps_never_moves():
    """Off the shortcut: ties exactly ε apart (0, 1/2, 1 on a path, ε = 1/2, tolerance 0) never
    move (an encounter needs d < ε), neither as live ties nor through the spreads (all 0)."""
    x = np.array([[0.0], [0.5], [1.0]])
    g = graph(3, [(0, 1), (1, 2)])
    eps = np.full(3, 0.5)
    rule = settled_rule(x, g, eps)
    assert settled_by_boxes(x, g, eps, 0.0)
    assert rule.converged(x, x, 0.0) is True


def test_settled_general_check_subtracts_both_groups_spreads():
    """Two groups within the tolerance 1/8 ({0, 1} at 0 and 1/8, {2, 3} at 1/2 and 5/8), joined
    by the tie 0-3 at 5/8 >= ε = 33/64. Each group meets to its middle (1/16 and 9/16), which
    brings the tie to 1/2 < ε: not settled. The check must subtract both groups' spreads (the
    range, not its cube), at either end of the tie."""
    x = np.array([[0.0], [0.125], [0.5], [0.625]])
    g = graph(4, [(0, 1), (2, 3), (0, 3)])
    eps = np.full(4, 33 / 64)
    tol = 0.125
    rule = settled_rule(x, g, eps)
    assert not live_ties(x, g, eps, tol)
    assert not settled_by_boxes(x, g, eps, tol)
    assert (0, 3) in live_ties(meet(meet(x, 0, 1), 2, 3), g, eps, tol)  # the witness
    assert rule.converged(x, x, tol) is False


def test_settled_on_two_issues_a_spread_in_the_first_issue_counts():
    """Two issues, general check: citizens 0 and 1 differ in issue 0 only (RMS 0.354 <= the
    tolerance 3/8), so their group's spread lies in issue 0; after they meet, citizen 0 at
    (1/4, 0) is 0.530 < ε = 0.6 from citizen 2 at (1, 0) (0.707 now). Not settled."""
    x = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 0.0]])
    g = graph(3, [(0, 1), (0, 2)])
    eps = np.full(3, 0.6)
    tol = 0.375
    rule = settled_rule(x, g, eps)
    assert not live_ties(x, g, eps, tol)
    assert (0, 2) in live_ties(meet(x, 0, 1), g, eps, tol)  # the witness
    assert rule.converged(x, x, tol) is False


def test_settled_on_two_issues_the_spread_is_the_rms_over_issues():
    """Two issues: the group {0, 1} spans 1/4 in issue 0 only, an RMS spread of 0.177; its box
    stays 0.530 >= ε = 1/2 (RMS) from citizen 2 at (0, 0), so it is settled — the spread is the
    root of the mean over issues, not of the sum times K (0.354, which would say not)."""
    x = np.array([[-1.0, 0.0], [-0.75, 0.0], [0.0, 0.0]])
    g = graph(3, [(0, 1), (0, 2)])
    eps = np.full(3, 0.5)
    tol = 0.25
    rule = settled_rule(x, g, eps)
    assert settled_by_boxes(x, g, eps, tol)
    assert rule.converged(x, x, tol) is True


def radicalization_spec():
    return spec(
        rule="radicalization",
        contacts=2,
        reciprocity=0.5,
        social_influence=3.0,
        controversy=3.0,
        homophily=2.0,
        time_step=0.01,
        activity_exponent=2.1,
        activity_min=0.01,
    )


# -- peer_steps --------------------------------------------------------------------------------
def test_deffuant_peer_steps_declines_several_issues():
    """Deffuant.peer_steps fuses only the one-issue kernel: with two issues it returns None (the
    model then steps one by one) and leaves the opinions untouched."""
    rule = Deffuant(spec(rule="deffuant", rate=MU), use_compiled=False)
    pop = hand_population([[0.0, 0.0], [0.125, 0.125], [0.25, 0.0]], openness=np.full(3, 1.0))
    g = complete_graph(3)
    x0 = pop.x.copy()
    assert rule.peer_steps(pop, g, np.random.default_rng(1), 3) is None
    np.testing.assert_array_equal(pop.x, x0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Deffuant(spec(rule="deffuant", rate=MU), use_compiled=False),
        lambda: Radicalization(radicalization_spec(), use_compiled=False),
    ],
    ids=["deffuant", "radicalization"],
)
def test_peer_steps_learns_which_rows_are_citizens(make):
    """After peer_steps (the fused steps, a fresh rule) the quiet check compares citizens only:
    a staff row beyond them that moved by 1 is not a citizen's move."""
    rule = make()
    pop = hand_population(
        [[0.0], [0.0], [0.5]], openness=np.full(3, 0.25), role=[0, 0, STAFF], citizens=2
    )
    rule.peer_steps(pop, complete_graph(2), np.random.default_rng(1), 2)
    after = pop.x.copy()
    before = after.copy()
    before[2, 0] = -0.5
    assert rule.converged(before, after, 0.0) is True


def test_deffuant_peer_steps_records_the_graph_the_settled_check_reads():
    """After fused steps alone (a fresh rule, no single step), the settled check knows the peer
    graph: two groups 1 apart with ε = 0.25 on a complete graph can never meet again."""
    rule = Deffuant(spec(rule="deffuant", rate=MU, convergence="settled"), use_compiled=False)
    pop = hand_population([[0.0], [0.0], [1.0]], openness=np.full(3, 0.25))
    g = complete_graph(3)
    rule.peer_steps(pop, g, np.random.default_rng(1), 2)
    assert rule.peer_graph is g
    assert rule.converged(pop.x.copy(), pop.x, 0.0) is True


def test_radicalization_peer_steps_draws_activities_then_one_full_range_key_per_step():
    """Radicalization's update stream: N uniforms for the activities at the first step, then one
    64-bit key per step drawn over [0, 2^64) (the documented layout, so a seed replays); its
    peer_steps returns each step's movement (not None) for the citizens' graph."""
    sp = radicalization_spec()
    x = np.array([0.5, -0.25, 0.125, -0.75, 0.25, 0.0])
    n, steps = x.size, 4
    rule = Radicalization(sp, use_compiled=False)
    pop = hand_population(x.copy())
    g = complete_graph(n)
    moved = rule.peer_steps(pop, g, np.random.default_rng(7), steps)
    assert moved is not None and moved.shape == (steps,)
    rng = np.random.default_rng(7)
    activity = power_law_activity(n, sp.activity_exponent, sp.activity_min, rng.random(n))
    keys = rng.integers(0, 2**64, size=steps, dtype=np.uint64)
    want_x, want_moved = x.copy(), np.zeros(steps)
    kernel("radicalization_steps", use_compiled=False)(
        want_x, activity, keys, 2, 0.5, 3.0, 3.0, 2.0, 0.01, want_moved
    )
    np.testing.assert_array_equal(pop.x[:, 0], want_x)
    np.testing.assert_array_equal(moved, want_moved)


def test_radicalization_reads_move_nobody_and_report_empty_effects():
    """Radicalization.read (textbook mode): every read is neither accepted nor rejected, moved
    0, as boolean/float arrays one per read, and no opinion changes (nothing clipped)."""
    rule = Radicalization(radicalization_spec(), use_compiled=False)
    pop = hand_population([2.5, -3.0, 0.5])
    x0 = pop.x.copy()
    reader = np.array([0, 2, 2, 1])
    effect = rule.read(
        pop,
        reader,
        np.full((4, 1), 1.0),
        np.ones(4),
        np.zeros(4, np.int8),
        np.random.default_rng(0),
    )
    for got in (effect.accepted, effect.rejected):
        assert got.dtype == np.bool_ and got.shape == (4,) and not got.any()
    assert effect.accepted is not effect.rejected
    assert effect.moved.shape == (4,) and not effect.moved.any()
    np.testing.assert_array_equal(pop.x, x0)


def test_settled_shortcut_agrees_with_the_general_check_and_never_claims_too_early():
    """The sorted shortcut of settled (complete graph, one ε, one issue) must answer as the
    per-tie check with group spreads does on the same ties, and whenever it says settled the
    box proof must hold. Includes the case it once got wrong: [0, 1/8, 1/4], tolerance 1/8,
    ε = 0.23 — a chain of close ties whose ends are a live tie after 0 and 1 meet."""
    x = np.array([0.0, 0.125, 0.25])
    eps = np.full(3, 0.23)
    fast = settled_rule(x, complete_graph(3), eps).converged(x[:, None], x[:, None], 0.125)
    assert fast is False
    after = meet(x, 0, 1)  # the witness: 1/16 and 1/4 are now 3/16 apart, within ε
    assert live_ties(after, complete_graph(3), eps, 0.125)
    rng = np.random.default_rng(64)
    claims = 0
    for _ in range(300):
        n = int(rng.integers(3, 8))
        x = rng.integers(-64, 65, n) / 64.0
        tol = float(rng.choice([0.0, 1 / 64, 1 / 8]))
        e = float(rng.choice([0.1, 0.23, 0.5]))
        eps = np.full(n, e)
        full = complete_graph(n)
        fast = settled_rule(x, full, eps).converged(x[:, None], x[:, None], tol)
        plain = dataclasses.replace(full, complete=False)
        slow = settled_rule(x, plain, eps).converged(x[:, None], x[:, None], tol)
        assert fast == slow, (x, tol, e)
        if fast:
            claims += 1
            assert settled_by_boxes(x, full, eps, tol)
    assert 20 < claims < 280  # both answers occur
