"""The attraction–repulsion kernel's exact values (Jager & Amblard 2005) against an oracle
written here from ``attraction_repulsion_sweep``'s docstring, with its own SplitMix64 (from
test_radicalization_values): encounter t of a step draws u_t, picks i = ⌊u_t·N⌋ (at most N − 1)
and its neighbour ⌊f·deg(i)⌋ (at most deg − 1), f the fractional part of u_t·N; only i moves.
Some keys are built so that the first draw sits on a boundary of the (i, neighbour) grid."""

from __future__ import annotations

import numpy as np
import pytest

from model.dynamics.kernels import NOT_FROZEN, kernel
from model.network.csr import from_edges
from tests.dynamics.test_radicalization_values import TOP, Draws, key_with


def oracle(x, indptr, indices, accept, reject, rate, keys, frozen=None):
    """The documented encounters, one at a time; returns x and each step's movement."""
    x = np.array(x, dtype=float)
    n = x.size
    moved = []
    for key in keys:
        start = x.copy()
        draw = Draws(int(key))
        for _ in range(n):
            scaled = draw("encounter") * n
            i = min(int(scaled), n - 1)
            nbrs = indices[indptr[i] : indptr[i + 1]]
            if nbrs.size == 0 or (frozen is not None and frozen[i]):
                continue
            j = nbrs[min(int((scaled - i) * nbrs.size), nbrs.size - 1)]
            u_i = accept[0] if accept.size == 1 else accept[i]
            t_i = reject[0] if reject.size == 1 else reject[i]
            d = abs(x[j] - x[i])
            if d < u_i:  # assimilation, tested first
                x[i] = x[i] + rate * (x[j] - x[i])
            elif d > t_i:  # contrast, clipped to [-1, 1]
                x[i] = min(1.0, max(-1.0, x[i] - rate * (x[j] - x[i])))
        moved.append(float(np.abs(x - start).sum()))
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
    "bits, first",
    [
        (2**51, (1, 0)),
        (2**52, (2, 0)),
        (3 * 2**51, (3, 0)),
        (2**51 - 1, (0, 3)),
        (2**52 - 1, (1, 3)),
        (3 * 2**51 - 1, (3, 0)),
        (TOP, (3, 2)),
    ]
    # the neighbour boundaries f·3 = 1 and 2 inside citizens 0, 1 and 2: the last b below, the
    # first b on or above (found by evaluating ⌊f·3⌋ in floating point, as the docstring states)
    + [
        (750599937895082, (0, 1)),
        (750599937895083, (0, 2)),
        (1501199875790164, (0, 2)),
        (1501199875790165, (0, 3)),
        (3002399751580330, (1, 0)),
        (3002399751580331, (1, 2)),
        (3752999689475412, (1, 2)),
        (3752999689475413, (1, 3)),
        (5254199565265578, (2, 0)),
        (5254199565265579, (2, 1)),
        (6004799503160660, (2, 1)),
        (6004799503160661, (2, 3)),
    ],
)
def test_draws_on_the_grid_boundaries(compiled, bits, first):
    """N = 4, complete graph (neighbours sorted, deg 3): the first draw is built to be
    (b + ½)·2⁻⁵³ with b = k·2⁵¹ (u·4 just above k: citizen k, its first neighbour), b = k·2⁵¹ − 1
    (just below: citizen k − 1, its last neighbour; but above 2⁵² b + ½ rounds to even, so
    3·2⁵¹ − 1 lands on 3 exactly), or b = 2⁵³ − 1 (u = 1 exactly: clamped to citizen 3 and its
    last neighbour, 2). Also b on either side of each neighbour boundary ⌊f·3⌋ = 1, 2."""
    g = complete4()
    x = np.array([-0.6, -0.1, 0.35, 0.8])
    accept, reject = np.array([0.3]), np.array([0.6])
    key = key_with(1, bits)
    u = Draws(key)("encounter")
    i = min(int(u * 4), 3)
    nbrs = g.indices[g.indptr[i] : g.indptr[i + 1]]
    assert (i, nbrs[min(int((u * 4 - i) * 3), 2)]) == first
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
