"""Engagement contagion (model/dynamics/mobilization.py): gaps found by the seventh mutation
round (issue 13) — ``use_compiled`` must reach the contagion's kernels: the round's
(``threshold_round``) through ``spread`` and the neighbour count through ``engaged_share``: the
default runs them compiled, ``use_compiled=False`` its plain-Python twin
(the runner's, the feed's and ``Draws``' plumbing are tested the same way). The scenario is the
leaf test of tests/dynamics/test_mobilization_values.py, whose outcome both paths must give."""

from __future__ import annotations

import numpy as np

import model.dynamics.mobilization as mobilization
from model.config.schema import MobilizationSpec
from model.network.csr import from_edges
from model.rng import Draws
from tests.dynamics.test_mobilization_values import people


def spy_on_counts(monkeypatch):
    """Record the ``use_compiled`` each call of a contagion kernel receives."""
    seen = []
    real = mobilization.run_threaded

    def spy(name, size, *args, **kwargs):
        seen.append((name, kwargs.get("use_compiled", "run_threaded's default")))
        return real(name, size, *args, **kwargs)

    monkeypatch.setattr(mobilization, "run_threaded", spy)
    return seen


def test_use_compiled_reaches_the_contagion_kernels(monkeypatch):
    """Path 0-1-2-3, only 1 engaged, threshold 0.9: the leaf 0 joins (share 1/1), whichever
    path counts the neighbours; the default counts compiled, ``False`` with the twin, for
    ``spread`` and for ``engaged_share`` called alone."""
    seen = spy_on_counts(monkeypatch)
    graph = from_edges(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    spec = MobilizationSpec(disengagement=0.0)
    for extra in ({}, {"use_compiled": False}):
        pop = people([False, True, False, False], np.full(4, 0.9))
        mobilization.spread(pop, graph, spec, Draws(0), 1, **extra)
        np.testing.assert_array_equal(pop.engaged, [True, True, False, False])
    share = mobilization.engaged_share(pop, graph)
    np.testing.assert_array_equal(share, [1.0, 0.5, 0.5, 0.0])
    assert seen == [("threshold_round", True), ("threshold_round", False)] + [
        ("neighbour_count", True)
    ]
