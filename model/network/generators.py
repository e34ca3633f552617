"""Network generators: one function per kind, ``(spec, opinions, rng) → Graph``.

networkx is imported inside the generators that use it (it costs ~0.4 s at start-up). All
randomness comes from the ``rng`` passed in (the model's ``network`` stream), so the same seed
gives the same network. Citizens are nodes 0..N-1; ``opinions`` (N, K) is used by the homophilous
and opinion-based block generators.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np

from model.config.schema import NetworkSpec
from model.jit import twin
from model.network.csr import Graph, canonical_edges, from_edges
from model.network.io import read_edge_list

Generator = Callable[[NetworkSpec, np.ndarray, np.random.Generator], Graph]


def _from_nx(g, n: int) -> Graph:
    edges = np.asarray(list(g.edges()), dtype=np.int64).reshape(-1, 2)
    return from_edges(n, edges[:, 0], edges[:, 1])


def ba_edges(n, m, rng):  # pragma: no cover - compiled by numba; its twin is tested
    """Barabási–Albert preferential attachment as edge arrays (u, v), in O(N·m).

    The algorithm networkx uses (and Batagelj & Brandes 2005 describe): start from a star on
    m + 1 nodes; each new node ties to m distinct existing nodes drawn with probability
    proportional to degree, by uniform picks from a list holding every node once per tie.
    """
    edges = m + (n - m - 1) * m
    u = np.empty(edges, np.int64)
    v = np.empty(edges, np.int64)
    repeated = np.empty(2 * edges, np.int64)
    for k in range(m):  # the star: node 0 tied to 1..m
        u[k] = 0
        v[k] = k + 1
        repeated[2 * k] = 0
        repeated[2 * k + 1] = k + 1
    size = 2 * m
    e = m
    targets = np.empty(m, np.int64)
    for source in range(m + 1, n):
        found = 0
        while found < m:
            pick = repeated[min(int(rng.random() * size), size - 1)]
            fresh = True
            for q in range(found):
                if targets[q] == pick:
                    fresh = False
                    break
            if fresh:
                targets[found] = pick
                found += 1
        for q in range(m):
            u[e] = source
            v[e] = targets[q]
            e += 1
            repeated[size] = targets[q]
            repeated[size + 1] = source
            size += 2
    return u, v


def hk_edges(n, m, p, rng):  # pragma: no cover - compiled by numba; its twin is tested
    """Holme–Kim preferential attachment with triad formation as edge arrays (u, v), O(N·m).

    Holme & Kim 2002 (PRE 65:026107): as :func:`ba_edges` (a star on m + 1 nodes; each new
    node brings m ties), but after the first tie — a preferential-attachment (PA) pick w — each
    further tie is, with probability p, a triad-formation step: a uniformly chosen neighbour of
    w not yet tied to the new node (a PA step instead when there is none); otherwise a PA step
    (which becomes the new w). With p = 0 no triad draw is made, so the edges are
    :func:`ba_edges`' for the same generator state. Each citizen's neighbours are kept as a
    linked list of half-edges for the triad step.
    """
    edges = m + (n - m - 1) * m
    u = np.empty(edges, np.int64)
    v = np.empty(edges, np.int64)
    repeated = np.empty(2 * edges, np.int64)
    head = np.full(n, -1, np.int64)  # a node's last half-edge
    nxt = np.empty(2 * edges, np.int64)  # the node's previous half-edge
    other = np.empty(2 * edges, np.int64)  # the far end of a half-edge
    for k in range(m):  # the star: node 0 tied to 1..m
        u[k] = 0
        v[k] = k + 1
        repeated[2 * k] = 0
        repeated[2 * k + 1] = k + 1
        for h, a, b in ((2 * k, 0, k + 1), (2 * k + 1, k + 1, 0)):
            other[h] = b
            nxt[h] = head[a]
            head[a] = h
    size = 2 * m
    e = m
    targets = np.empty(m, np.int64)
    buffer = np.empty(n, np.int64)
    for source in range(m + 1, n):
        found = 0
        w = -1
        while found < m:
            pick = -1
            if found > 0 and p > 0.0 and rng.random() < p:
                count = 0  # w's neighbours not yet tied to the source
                h = head[w]
                while h != -1:
                    c = other[h]
                    fresh = True
                    for q in range(found):
                        if targets[q] == c:
                            fresh = False
                            break
                    if fresh:
                        buffer[count] = c
                        count += 1
                    h = nxt[h]
                if count > 0:
                    pick = buffer[min(int(rng.random() * count), count - 1)]
            if pick == -1:  # a PA step
                while True:
                    pick = repeated[min(int(rng.random() * size), size - 1)]
                    fresh = True
                    for q in range(found):
                        if targets[q] == pick:
                            fresh = False
                            break
                    if fresh:
                        break
                w = pick
            targets[found] = pick
            found += 1
        for q in range(m):
            t = targets[q]
            u[e] = source
            v[e] = t
            for h, a, b in ((2 * e, source, t), (2 * e + 1, t, source)):
                other[h] = b
                nxt[h] = head[a]
                head[a] = h
            e += 1
            repeated[size] = t
            repeated[size + 1] = source
            size += 2
    return u, v


def holme_kim(
    spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator, *, use_compiled: bool = True
) -> Graph:
    """Scale-free and clustered: Holme & Kim 2002, m = round(mean_degree / 2) ties per new node,
    triad formation with probability ``triad_probability`` (:func:`hk_edges`, compiled; the
    same model as networkx's ``powerlaw_cluster_graph``, which is pure Python: ~1 s at 2,000
    citizens). The triad step walks the followed citizen's tie list, so the cost grows faster
    than N·m at large N: about 2 s at 10⁵ citizens and 50 s at 10⁶ on this machine."""
    n = opinions.shape[0]
    m = max(1, min(n - 1, round(spec.mean_degree / 2)))
    u, v = twin(hk_edges, use_compiled=use_compiled)(n, m, spec.triad_probability, rng)
    return from_edges(n, u, v)


def barabasi_albert(
    spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator, *, use_compiled: bool = True
) -> Graph:
    """Preferential attachment, m = round(mean_degree / 2) ties per new node.

    Barabási & Albert 1999, Science 286:509; networkx's algorithm, compiled (:func:`ba_edges`):
    networkx itself takes ~80 s for a million nodes when driven by a NumPy Generator.
    """
    n = opinions.shape[0]
    m = max(1, min(n - 1, round(spec.mean_degree / 2)))
    u, v = twin(ba_edges, use_compiled=use_compiled)(n, m, rng)
    return from_edges(n, u, v)


def watts_strogatz(spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator) -> Graph:
    """Ring lattice of k = round(mean_degree) neighbours, each tie rewired with ``rewiring``.

    Watts & Strogatz 1998, Nature 393:440.
    """
    import networkx as nx

    n = opinions.shape[0]
    k = max(2, min(n - 1, round(spec.mean_degree)))
    return _from_nx(nx.watts_strogatz_graph(n, k, spec.rewiring, seed=rng), n)


def erdos_renyi(spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator) -> Graph:
    """G(n, p) with p = mean_degree / (n - 1). Erdős & Rényi 1959."""
    import networkx as nx

    n = opinions.shape[0]
    p = min(1.0, spec.mean_degree / (n - 1))
    return _from_nx(nx.fast_gnp_random_graph(n, p, seed=rng), n)


def complete(spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator) -> Graph:
    """Every citizen tied to every other: complete mixing for the textbook models."""
    n = opinions.shape[0]
    u, v = np.triu_indices(n, 1)
    return dataclasses.replace(from_edges(n, u, v), complete=True)


def no_network(spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator) -> Graph:
    """No fixed network: citizens have no ties (``network.kind: none``). For a rule that draws
    its own contacts every step (radicalization); N + 1 offsets, no edge arrays."""
    n = opinions.shape[0]
    return Graph(n=n, indptr=np.zeros(n + 1, dtype=np.int32), indices=np.zeros(0, dtype=np.int32))


def _distance(opinions: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Opinion distance: root mean square over issues (|x_u - x_v| for one issue)."""
    return np.sqrt(np.mean((opinions[u] - opinions[v]) ** 2, axis=1))


def homophilous(spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator) -> Graph:
    """Random ties kept with probability exp(-homophily · d), d = opinion distance.

    Candidate pairs are drawn uniformly and thinned until n · mean_degree / 2 distinct ties exist;
    homophily = 0 gives an Erdős–Rényi graph with the same number of ties. A stated modelling
    choice in the spirit of opinion-based tie formation (McPherson, Smith-Lovin & Cook 2001).
    """
    n = opinions.shape[0]
    target = int(round(n * spec.mean_degree / 2))
    target = min(target, n * (n - 1) // 2)
    kept_u = np.empty(0, np.int64)
    kept_v = np.empty(0, np.int64)
    for _ in range(200):
        need = target - kept_u.size
        if need <= 0:
            break
        batch = max(1024, 2 * need)
        u = rng.integers(0, n, batch)
        v = rng.integers(0, n, batch)
        accept = rng.random(batch) < np.exp(-spec.homophily * _distance(opinions, u, v))
        kept_u, kept_v = canonical_edges(
            np.concatenate([kept_u, u[accept]]), np.concatenate([kept_v, v[accept]])
        )
    if kept_u.size > target:
        pick = np.sort(rng.choice(kept_u.size, target, replace=False))
        kept_u, kept_v = kept_u[pick], kept_v[pick]
    return from_edges(n, kept_u, kept_v)


def stochastic_block(spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator) -> Graph:
    """Stochastic block model (Holland, Laskey & Leinhardt 1983).

    ``blocks`` equal communities, either opinion ranges (``blocks_by_opinion``) or random sets;
    probabilities chosen so a citizen expects ``mean_degree`` ties, ``block_mixing`` of them outside
    its block.
    """
    n = opinions.shape[0]
    order = (
        np.argsort(opinions[:, 0], kind="stable") if spec.blocks_by_opinion else rng.permutation(n)
    )
    sizes = [len(part) for part in np.array_split(order, spec.blocks)]
    size = n / spec.blocks
    p_in = min(1.0, spec.mean_degree * (1 - spec.block_mixing) / max(size - 1, 1))
    p_out = 0.0 if spec.blocks == 1 else min(1.0, spec.mean_degree * spec.block_mixing / (n - size))
    probs = np.full((spec.blocks, spec.blocks), p_out)
    np.fill_diagonal(probs, p_in)
    import networkx as nx

    g = nx.stochastic_block_model(
        sizes, probs.tolist(), nodelist=order.tolist(), seed=rng, sparse=True
    )
    return _from_nx(g, n)


def edge_list(spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator) -> Graph:
    """A user's edge-list file (see ``model.network.io``)."""
    return read_edge_list(Path(spec.path), opinions.shape[0])


def graph_file(spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator) -> Graph:
    """A user's GraphML, GML, GEXF or Pajek file (see ``model.network.graphfile``)."""
    from model.network.graphfile import read_graph_file

    return read_graph_file(Path(spec.path), opinions.shape[0]).graph


GENERATORS: dict[str, Generator] = {
    "barabasi_albert": barabasi_albert,
    "holme_kim": holme_kim,
    "watts_strogatz": watts_strogatz,
    "erdos_renyi": erdos_renyi,
    "complete": complete,
    "none": no_network,
    "homophilous": homophilous,
    "stochastic_block": stochastic_block,
    "edge_list": edge_list,
    "graph_file": graph_file,
}


def generate(spec: NetworkSpec, opinions: np.ndarray, rng: np.random.Generator) -> Graph:
    """The citizens' network for ``spec``."""
    return GENERATORS[spec.kind](spec, opinions, rng)
