"""The feed and contagion kernels equal the plain NumPy formulation they replaced."""

from __future__ import annotations

import numpy as np
import pytest

from model.dynamics.kernels import kernel
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
def test_attention_select_equals_a_stable_lexsort(use_compiled):
    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(1, 40))
        caps = rng.integers(0, 5, n)  # a reader's cap this step; 0: it reads nothing
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
