"""Network generators: the compiled Barabási–Albert generator against its twin and the theory."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.schema import NetworkSpec
from model.network import generators


def ba(n: int, m: int, seed: int, *, use_compiled: bool = True):
    spec = NetworkSpec(kind="barabasi_albert", mean_degree=2 * m)
    rng = np.random.default_rng(seed)
    return generators.barabasi_albert(spec, np.zeros((n, 1)), rng, use_compiled=use_compiled)


def test_compiled_ba_equals_its_python_twin_seed_for_seed():
    a, b = ba(400, 3, 7), ba(400, 3, 7, use_compiled=False)
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)


def test_ba_structure():
    n, m = 5000, 3
    g = ba(n, m, 1)
    assert g.edges == m + (n - m - 1) * m  # the star, then m ties per new node
    assert g.degree.min() == m
    rows = g.rows
    assert not np.any(rows == g.indices)  # no self-loops
    key = np.minimum(rows, g.indices) * n + np.maximum(rows, g.indices)
    assert np.unique(key).size == key.size // 2  # no duplicate ties
    np.testing.assert_array_equal(ba(n, m, 1).indices, g.indices)  # same seed, same graph


def test_ba_degree_distribution_matches_the_exact_formula():
    """P(k) = 2m(m+1) / (k(k+1)(k+2)) for k >= m (Dorogovtsev, Mendes & Samukhin 2000;
    Bollobás et al. 2001). Pooled over 5 graphs of 20,000 nodes, each share has a binomial
    standard error of at most 0.0016; we allow 4 of them plus 0.003 for the finite-N bias
    (the star and the missing old-node tail). Uniform attachment (no preference) would give
    P(3) = 0.25 instead of 0.40 and fails this test."""
    n, m = 20_000, 3
    degrees = np.concatenate([ba(n, m, seed).degree for seed in range(5)])
    for k in range(m, m + 6):
        exact = 2 * m * (m + 1) / (k * (k + 1) * (k + 2))
        share = np.mean(degrees == k)
        se = np.sqrt(exact * (1 - exact) / degrees.size)
        assert abs(share - exact) < 4 * se + 0.003, (k, share, exact)


@pytest.mark.parametrize("m", [1, 5])
def test_ba_mean_degree(m):
    g = ba(3000, m, 2)
    assert g.degree.mean() == pytest.approx(2 * m, rel=0.01)
