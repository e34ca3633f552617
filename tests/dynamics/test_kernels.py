"""The feed and contagion kernels equal the plain NumPy formulation they replaced."""

from __future__ import annotations

import numpy as np
import pytest

from model.dynamics.kernels import NOT_FROZEN, SMALL_CAP, kernel
from model.network.csr import from_edges


def lexsort_attention(reader, key, caps):
    """Reference: sort candidates by (reader, key), keep reader i's first ``caps[i]``."""
    order = np.lexsort((key, reader))
    r = reader[order]
    first = np.r_[True, r[1:] != r[:-1]] if r.size else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(first)
    rank = np.arange(r.size) - np.repeat(starts, np.diff(np.r_[starts, r.size]))
    return order[rank < caps[r]]


@pytest.mark.parametrize("use_compiled", [True, False])
@pytest.mark.parametrize("largest_cap", [1, SMALL_CAP, SMALL_CAP + 6])
def test_attention_select_equals_a_stable_lexsort(use_compiled, largest_cap):
    """Caps up to SMALL_CAP take the kernel's row buffers, larger ones its counting sort: the
    same selection either way."""
    rng = np.random.default_rng(largest_cap)
    for _ in range(100):
        n = int(rng.integers(1, 40))
        # a reader's cap this step (0: it reads nothing); the largest cap present in every draw
        caps = rng.integers(0, largest_cap + 1, n)
        caps[rng.integers(0, n)] = largest_cap
        size = int(rng.integers(0, 300))
        reader = rng.integers(0, n, size)
        key = rng.exponential(size=size)
        key[rng.random(size) < 0.2] = -1.0  # sponsored posts: ties broken by position
        got = kernel("attention_select", use_compiled=use_compiled)(reader, key, n, caps)
        np.testing.assert_array_equal(got, lexsort_attention(reader, key, caps))


@pytest.mark.parametrize("use_compiled", [True, False])
def test_neighbour_count_equals_a_bincount(use_compiled):
    rng = np.random.default_rng(1)
    n = 200
    u, v = rng.integers(0, n, 600), rng.integers(0, n, 600)
    keep = u != v
    key = np.unique(np.minimum(u, v)[keep] * n + np.maximum(u, v)[keep])
    g = from_edges(n, key // n, key % n)
    flag = rng.random(n) < 0.3
    expected = np.bincount(g.rows, weights=flag[g.indices], minlength=n)
    got = kernel("neighbour_count", use_compiled=use_compiled)(g.indptr, g.indices, flag)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("use_compiled", [True, False])
def test_voter_variants_move_the_right_end(use_compiled):
    """Node update: the picked citizen takes its neighbour's opinion; invasion: the neighbour
    takes the picked citizen's; link update: the source of a uniform stored entry copies its
    target. A path 0 - 1 with u = 0.1 picks citizen 0 (and its only neighbour, 1)."""
    g = from_edges(2, np.array([0]), np.array([1]))
    for name, expected in (("voter_sweep", 2.0), ("voter_invasion_sweep", 1.0)):
        x = np.array([[1.0], [2.0]])
        kernel(name, use_compiled=use_compiled)(x, g.indptr, g.indices, NOT_FROZEN, np.array([0.1]))
        assert x[0, 0] == x[1, 0] == expected, name
    x = np.array([[1.0], [2.0]])
    # entries: (0 -> 1), (1 -> 0); u = 0.75 picks the second: citizen 1 copies citizen 0
    kernel("voter_link_sweep", use_compiled=use_compiled)(
        x, g.rows, g.indices, NOT_FROZEN, np.array([0.75])
    )
    assert x[0, 0] == x[1, 0] == 1.0


@pytest.mark.parametrize("name", ["voter_invasion_sweep", "voter_link_sweep"])
def test_voter_variant_kernels_equal_their_python_twins(name):
    rng = np.random.default_rng(7)
    n = 50
    u, v = rng.integers(0, n, 120), rng.integers(0, n, 120)
    keep = u != v
    g = from_edges(n, u[keep], v[keep])
    first = g.rows if name == "voter_link_sweep" else g.indptr
    x0 = rng.choice([-1.0, 1.0], size=(n, 1))
    draws = rng.random(500)
    out = []
    for compiled in (True, False):
        x = x0.copy()
        kernel(name, use_compiled=compiled)(x, first, g.indices, NOT_FROZEN, draws)
        out.append(x)
    np.testing.assert_array_equal(*out)
