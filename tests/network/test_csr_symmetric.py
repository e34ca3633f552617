"""``Graph.symmetric`` (model/network/csr.py, ``csr_symmetric``): whether every tie is stored
both ways, as often each way — what the contagion's scattered count relies on. Oracle: the
adjacency's (source, target) pairs compared, as multisets, with their reverses."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
import pytest

from model.config.schema import MobilizationSpec
from model.dynamics import mobilization
from model.jit import twin
from model.network.csr import Graph, csr_symmetric, from_edges
from model.rng import Draws
from tests.hand_draws import hand_population


def pairs_oracle(indptr, indices) -> bool:
    rows = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    ties = Counter(zip(rows.tolist(), indices.tolist(), strict=True))
    return all(ties[(j, i)] == count for (i, j), count in ties.items())


@pytest.mark.parametrize("use_compiled", [True, False])
def test_a_graph_from_edges_is_symmetric_and_a_hand_built_one_need_not_be(use_compiled):
    check = twin(csr_symmetric, use_compiled=use_compiled)
    edges = np.array(nx.barabasi_albert_graph(200, 3, seed=1).edges()).T
    u = np.concatenate([edges[0], [5, 7]])  # a repeated tie and a self-loop
    v = np.concatenate([edges[1], [6, 7]])
    g = from_edges(200, np.concatenate([u, [5]]), np.concatenate([v, [6]]))
    assert check(g.indptr, g.indices) and pairs_oracle(g.indptr, g.indices)
    rng = np.random.default_rng(3)
    cases = [
        (np.array([0, 1, 1]), np.array([1])),  # 0→1 without 1→0
        (np.array([0, 2, 3]), np.array([1, 1, 0])),  # 0→1 twice, 1→0 once
        (np.array([0, 2, 4, 4]), np.array([2, 1, 0, 0])),  # a row out of order
    ]
    for _ in range(200):  # small random adjacencies, sorted rows, symmetric or not
        n = int(rng.integers(1, 7))
        a = rng.integers(0, 2, (n, n))
        if rng.random() < 0.5:
            a = a + a.T  # symmetric, some ties twice
        indptr = np.concatenate([[0], np.cumsum(a.sum(axis=1))]).astype(np.int32)
        indices = np.concatenate([np.repeat(np.arange(n), a[i]) for i in range(n)]).astype(np.int32)
        cases.append((indptr, indices))
    for indptr, indices in cases:
        ordered = all(
            (np.diff(indices[indptr[i] : indptr[i + 1]]) >= 0).all() for i in range(indptr.size - 1)
        )
        assert check(indptr, indices) == (ordered and pairs_oracle(indptr, indices))


def test_the_contagion_counts_a_one_way_tie_from_its_own_end():
    """0 watches 1 (a tie stored one way only, in a Graph built by hand), 1 is engaged:
    0's share is 1, so it joins; counted from the engaged side it would see nothing."""
    graph = Graph(n=2, indptr=np.array([0, 1, 1], np.int32), indices=np.array([1], np.int32))
    assert not graph.symmetric
    pop = hand_population([0.0, 0.0], engaged=[False, True], threshold=[0.5, 0.5])
    mobilization.spread(pop, graph, MobilizationSpec(disengagement=0.0), Draws(1), 1)
    assert pop.engaged.tolist() == [True, True]
