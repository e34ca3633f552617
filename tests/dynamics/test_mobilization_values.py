"""Exact behaviour of engagement contagion (model/dynamics/mobilization.py) on hand-built graphs
of a few people; every expected value is worked out by hand in the test.

Written against the surviving mutants of the mutation run (docs/TESTING.md): the share of
engaged neighbours of a leaf and of an isolated person, the ``pinned`` argument, and the keyed
disengagement draws."""

from __future__ import annotations

import numpy as np

from model.config.schema import MobilizationSpec
from model.dynamics import mobilization
from model.network.csr import from_edges
from model.population import CITIZEN, STAFF, Population
from model.rng import Draws
from tests.hand_draws import hand_population


def people(engaged, threshold, role=None, key=None) -> Population:
    n = np.asarray(engaged).size
    return hand_population(np.zeros(n), engaged=engaged, threshold=threshold, role=role, key=key)


def test_engaged_share_of_leaves_paths_and_an_isolated_person():
    """Path 0-1-2, pair 3-4, node 5 alone; 1 and 3 engaged (and 5, which has no neighbour).
    Leaves 0 and 2 see their only neighbour engaged: 1/1. Node 1 sees 0 of 2, node 3 sees 0
    of 1, node 4 sees 1 of 1; the isolated node's share is 0 (not 0/0)."""
    graph = from_edges(6, np.array([0, 1, 3]), np.array([1, 2, 4]))
    pop = people([False, True, False, True, False, True], np.ones(6))
    share = mobilization.engaged_share(pop, graph)
    np.testing.assert_array_equal(share, [1.0, 0.0, 1.0, 0.0, 1.0, 0.0])


def test_a_leaf_joins_when_its_one_neighbour_is_engaged():
    """Path 0-1-2-3, only 1 engaged, threshold 0.9: the leaf 0 (share 1/1) joins; node 2
    (share 1/2) and the leaf 3 (0/1) stay out; 1 (share 0) stays, disengagement being 0."""
    graph = from_edges(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    pop = people([False, True, False, False], np.full(4, 0.9))
    spec = MobilizationSpec(disengagement=0.0)
    mobilization.spread(pop, graph, spec, Draws(0), 1)
    np.testing.assert_array_equal(pop.engaged, [True, True, False, False])


def test_pinned_people_keep_their_engagement_and_everyone_else_follows_the_contagion():
    """No ties, so every share is 0; threshold 0.5, disengagement certain. ``pinned`` marks
    person 1 (a champion mobilised by its programme): it stays engaged. Person 0 (engaged,
    not pinned) leaves; person 2, a staff member *not* pinned here, leaves as well: the
    argument replaces the default (staff)."""
    graph = from_edges(3, np.zeros(0, np.int64), np.zeros(0, np.int64))
    pop = people([True, True, True], [0.5, 0.5, 0.5], role=[CITIZEN, CITIZEN, STAFF])
    spec = MobilizationSpec(disengagement=1.0)
    mobilization.spread(pop, graph, spec, Draws(0), 1, pinned=np.array([False, True, False]))
    np.testing.assert_array_equal(pop.engaged, [False, True, False])


def test_disengagement_draws_are_keyed_per_step_and_person():
    """Forty engaged people without ties (share 0 < threshold 0.5), disengagement 0.5. Who
    leaves on step t is whoever's keyed draw ("disengage", t, person key) is below 0.5 — keyed
    per (step, person) so that paired runs share them (spread's docstring) — computed here from
    a separate Draws of the same seed; the keys are not the rows (1000 + row), and steps 7 and
    8 differ."""
    n = 40
    keys = 1000 + np.arange(n, dtype=np.uint64)
    graph = from_edges(n, np.zeros(0, np.int64), np.zeros(0, np.int64))
    spec = MobilizationSpec(disengagement=0.5)
    oracle = Draws(11)
    left = {}
    for step in (7, 8):
        pop = people(np.ones(n, bool), np.full(n, 0.5), key=keys)
        mobilization.spread(pop, graph, spec, Draws(11), step)
        expected_leave = oracle.uniform("disengage", step, keys) < 0.5
        np.testing.assert_array_equal(pop.engaged, ~expected_leave)
        left[step] = ~pop.engaged
        assert 5 < left[step].sum() < 35  # the draw acts: some leave, some stay
    assert (left[7] != left[8]).any()
