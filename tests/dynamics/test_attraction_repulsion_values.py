"""The attraction–repulsion kernel's exact values (Jager & Amblard 2005) against an oracle
written here from ``attraction_repulsion_sweep``'s docstring, with its own SplitMix64
(tests/hand_draws.py): encounter t of a step takes the t-th output z, picks i = ⌊hi·N / 2³²⌋
and its neighbour ⌊lo·deg(i) / 2³²⌋, hi and lo z's top and bottom 32 bits; only i moves. Some
keys are built (by inverting the finaliser) so that the first draw sits on a boundary of the
(i, neighbour) grid."""

from __future__ import annotations

import numpy as np
import pytest

from model.dynamics.kernels import NOT_FROZEN, kernel
from model.network.csr import from_edges
from tests.dynamics.test_radicalization_values import key_with
from tests.hand_draws import four_lane_sum, keyed_encounters

LOW = 2**32 - 1  # the largest 32-bit half


def oracle(x, indptr, indices, accept, reject, rate, keys, frozen=None):
    """The documented encounters, one at a time; returns x and each step's movement."""
    x = np.array(x, dtype=float)
    n = x.size
    moved = []
    for key in keys:
        start = x.copy()
        for i, k in keyed_encounters(int(key), n, indptr):
            if k is None or (frozen is not None and frozen[i]):
                continue
            j = indices[indptr[i] + k]
            u_i = accept[0] if accept.size == 1 else accept[i]
            t_i = reject[0] if reject.size == 1 else reject[i]
            d = abs(x[j] - x[i])
            if d < u_i:  # assimilation, tested first
                x[i] = x[i] + rate * (x[j] - x[i])
            elif d > t_i:  # contrast, clipped to [-1, 1]
                x[i] = min(1.0, max(-1.0, x[i] - rate * (x[j] - x[i])))
        moved.append(four_lane_sum(np.abs(x - start)))
    return x, np.array(moved)


def sweep(x, g, accept, reject, rate, keys, frozen=NOT_FROZEN, before=None, compiled=False):
    x = np.array(x, dtype=float)
    keys = np.array(keys, dtype=np.uint64)
    moved = np.full(keys.size, np.nan)
    work = np.empty(x.size) if before is None else before
    kernel("attraction_repulsion_sweep", use_compiled=compiled)(
        x, g.indptr, g.indices, accept, reject, rate, frozen, keys, work, moved
    )
    return x, moved


def graph_with_loners():
    """12 citizens: 3 and 8 isolated, the others on a ring with chords (degrees 2 to 4)."""
    ring = [0, 1, 2, 4, 5, 6, 7, 9, 10, 11]
    u = ring + [0, 2, 5, 9]
    v = ring[1:] + ring[:1] + [5, 9, 11, 1]
    return from_edges(12, np.array(u), np.array(v))


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("shared", [True, False])
def test_steps_match_the_oracle(compiled, shared):
    """Five steps of N encounters on a graph with isolated citizens (their encounters are
    skipped, the step goes on), one committed citizen, U and T shared or per citizen, contrast
    pushing some opinions to the clip at ±1; ``moved`` is each step's Σ|Δx|. Exact: the oracle
    does the same floating-point operations."""
    g = graph_with_loners()
    x = np.random.default_rng(4).uniform(-1, 1, 12)
    if shared:
        accept, reject = np.array([0.4]), np.array([0.9])
    else:
        accept = np.random.default_rng(5).uniform(0.2, 0.6, 12)
        reject = accept + np.random.default_rng(6).uniform(0.1, 0.8, 12)
    frozen = np.zeros(12, dtype=np.bool_)
    frozen[6] = True
    keys = [21, 22, 23, 24, 25]
    want, want_moved = oracle(x, g.indptr, g.indices, accept, reject, 0.3, keys, frozen)
    got, moved = sweep(x, g, accept, reject, 0.3, keys, frozen, compiled=compiled)
    assert np.array_equal(got, want)
    assert np.array_equal(moved, want_moved)
    assert np.any(np.abs(want) == 1.0)  # the clip is reached


def complete4():
    u, v = np.triu_indices(4, 1)
    return from_edges(4, u, v)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(
    "hi, lo, first",
    [
        (2**30, 0, (1, 0)),  # hi·4/2³² = 1 exactly: citizen 1, its first neighbour
        (2**31, 0, (2, 0)),
        (3 * 2**30, 0, (3, 0)),
        (2**30 - 1, LOW, (0, 3)),  # just below: citizen 0, its last neighbour
        (2**31 - 1, LOW, (1, 3)),
        (3 * 2**30 - 1, LOW, (2, 3)),
        (LOW, LOW, (3, 2)),  # the largest draw: the last citizen and its last neighbour
        (0, 0, (0, 1)),  # the smallest: the first citizen and its first neighbour
    ]
    # the neighbour boundaries lo·3/2³² = 1 and 2 inside citizens 0 and 2: the last lo below,
    # the first on or above (⌈2³²/3⌉ = 1431655766, ⌈2·2³²/3⌉ = 2863311531)
    + [
        (0, 1431655765, (0, 1)),
        (0, 1431655766, (0, 2)),
        (0, 2863311530, (0, 2)),
        (0, 2863311531, (0, 3)),
        (2**31, 1431655765, (2, 0)),
        (2**31, 1431655766, (2, 1)),
        (2**31, 2863311530, (2, 1)),
        (2**31, 2863311531, (2, 3)),
    ],
)
def test_draws_on_the_grid_boundaries(compiled, hi, lo, first):
    """N = 4, complete graph (neighbours sorted, deg 3): the first draw's halves are built to
    sit on, or just below, each cut of the citizen grid (hi = k·2³⁰) and of the neighbour grid
    (lo = ⌈m·2³²/3⌉), and at the extremes 0 and 2³² − 1."""
    g = complete4()
    x = np.array([-0.6, -0.1, 0.35, 0.8])
    accept, reject = np.array([0.3]), np.array([0.6])
    z = (hi << 32) | lo
    key = key_with(1, z >> 11, z & 0x7FF)
    i, k = keyed_encounters(key, 4, g.indptr)[0]
    assert (i, g.indices[g.indptr[i] + k]) == first
    want, want_moved = oracle(x, g.indptr, g.indices, accept, reject, 0.25, [key])
    got, moved = sweep(x, g, accept, reject, 0.25, [key], compiled=compiled)
    assert np.array_equal(got, want)
    assert np.array_equal(moved, want_moved)


@pytest.mark.parametrize("compiled", [False, True])
def test_movement_is_tracked_only_with_work_space(compiled):
    """``moved`` is written only when ``before`` (N floats) is given: with an empty ``before`` it
    is left as it was; with N = 1 (an isolated citizen) and a one-float ``before`` it is 0."""
    g = graph_with_loners()
    x = np.random.default_rng(4).uniform(-1, 1, 12)
    accept, reject = np.array([0.4]), np.array([0.9])
    want, _ = oracle(x, g.indptr, g.indices, accept, reject, 0.3, [21, 22])
    got, moved = sweep(x, g, accept, reject, 0.3, [21, 22], before=np.zeros(0), compiled=compiled)
    assert np.array_equal(got, want)
    assert np.isnan(moved).all()
    alone = from_edges(1, np.zeros(0), np.zeros(0))
    got, moved = sweep([0.5], alone, accept, reject, 0.3, [21, 22], compiled=compiled)
    assert got.tolist() == [0.5] and moved.tolist() == [0.0, 0.0]
