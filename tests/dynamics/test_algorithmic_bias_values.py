"""The algorithmic-bias kernel's exact values (Sîrbu, Pedreschi, Giannotti & Kertész 2019)
against an oracle written here from ``algorithmic_bias_sweep``'s docstring: encounter t picks
i = ⌊u[t, 0]·N⌋ and its partner j with probability d_ij^(−γ) / Σ_k d_ik^(−γ), d_ij =
max(|x_i − x_j|, floor), by inverting the cumulative weights in neighbour order with u[t, 1];
then Deffuant's update with each end's openness, committed ends fixed.

These tests pin the exact values so that a change of the choice rule would show. (For uniforms
in [0, 1) the clamp ⌊u·N⌋ ≤ N − 1 and the "no weight above u·total" fallback are never used, and
scaling every weight by 2 or computing d⁻¹ as a power changes no choice.)"""

from __future__ import annotations

import numpy as np
import pytest

from model.dynamics.kernels import NOT_FROZEN, kernel
from tests.dynamics.test_attraction_repulsion_values import graph_with_loners


def oracle(x, indptr, indices, openness, rate, gamma, floor, frozen, u):
    x = np.array(x, dtype=float)
    n = x.size
    for u0, u1 in u:
        i = min(int(u0 * n), n - 1)
        nbrs = indices[indptr[i] : indptr[i + 1]]
        if nbrs.size == 0:
            continue
        weights = [max(abs(x[i] - x[k]), floor) ** -gamma for k in nbrs]
        cumulative = np.cumsum(weights)
        j = nbrs[int(np.searchsorted(cumulative, u1 * cumulative[-1], side="right"))]
        d = abs(x[i] - x[j])
        xi, xj = x[i], x[j]
        e_i = openness[0] if openness.size == 1 else openness[i]
        e_j = openness[0] if openness.size == 1 else openness[j]
        if d < e_i and not frozen[i]:
            x[i] = xi + rate * (xj - xi)
        if d < e_j and not frozen[j]:
            x[j] = xj - rate * (xj - xi)
    return x


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("gamma", [0.0, 1.0, 2.5])
@pytest.mark.parametrize("shared", [True, False])
def test_sweep_matches_the_oracle(compiled, gamma, shared):
    """40 encounters on a 12-citizen graph with isolated citizens, one committed citizen, two
    equal opinions (the floor), openness shared or per citizen; the last rows draw u just below
    1 (the last citizen, the last cumulative weight). Compared to 1e-15: the oracle's cumulative
    weights use pow and NumPy's cumsum where the kernel uses 1/d and a running sum."""
    g = graph_with_loners()
    rng = np.random.default_rng(9)
    x = rng.uniform(-1, 1, 12)
    x[5] = x[0]  # a tie between neighbours: distance floored
    openness = np.array([0.8]) if shared else rng.uniform(0.3, 1.2, 12)
    frozen = np.zeros(12, dtype=np.bool_)
    frozen[10] = True
    u = rng.random((40, 2))
    top = np.nextafter(1.0, 0.0)
    u[-3:] = [[top, top], [0.5, top], [top, 0.0]]
    want = oracle(x, g.indptr, g.indices, openness, 0.3, gamma, 1e-3, frozen, u)
    got = x.copy()
    kernel("algorithmic_bias_sweep", use_compiled=compiled)(
        got, g.indptr, g.indices, openness, 0.3, gamma, 1e-3, frozen, u
    )
    assert got == pytest.approx(want, rel=1e-15, abs=1e-15)
    other = oracle(x, g.indptr, g.indices, openness, 0.3, 0.0 if gamma else 2.0, 1e-3, frozen, u)
    assert not np.allclose(want, other)  # the bias (or its absence) matters here


def test_unfrozen_sweep_matches_the_oracle():
    """The same without committed citizens (the flags array empty)."""
    g = graph_with_loners()
    rng = np.random.default_rng(10)
    x = rng.uniform(-1, 1, 12)
    u = rng.random((200, 2))
    want = oracle(x, g.indptr, g.indices, np.array([0.6]), 0.4, 1.0, 1e-3, np.zeros(12, bool), u)
    got = x.copy()
    kernel("algorithmic_bias_sweep", use_compiled=False)(
        got, g.indptr, g.indices, np.array([0.6]), 0.4, 1.0, 1e-3, NOT_FROZEN, u
    )
    assert got == pytest.approx(want, rel=1e-15, abs=1e-15)
