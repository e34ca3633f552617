"""Compressed sparse row adjacency of an undirected graph."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Graph:
    """Undirected graph on nodes 0..n-1, each edge stored in both directions.

    ``indices[indptr[i]:indptr[i+1]]`` are i's neighbours; ``weights`` (or None = all 1) the
    matching edge weights.
    """

    n: int
    indptr: np.ndarray  # n + 1 offsets: int32 (int64 beyond 2**31 stored ties)
    indices: np.ndarray  # int32 (int64 beyond 2**31 nodes)
    weights: np.ndarray | None = None
    complete: bool = False  # every node tied to every other (enables O(N log N) shortcuts)

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    @property
    def edges(self) -> int:
        return int(self.indices.size // 2)

    @cached_property
    def rows(self) -> np.ndarray:
        """The source node of each stored (directed) entry, aligned with ``indices``."""
        return np.repeat(np.arange(self.n, dtype=self.indices.dtype), self.degree)

    def neighbours(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    @cached_property
    def symmetric(self) -> bool:
        """Every tie stored both ways, as often each way — what :func:`from_edges` builds and
        this class's contract; checked once (:func:`csr_symmetric`) for a Graph built by hand,
        as the kernels that count from either end of a tie rely on it."""
        from model.jit import twin

        return bool(twin(csr_symmetric)(self.indptr, self.indices))


def csr_symmetric(indptr, indices):  # pragma: no cover
    """Is the adjacency its own transpose (each tie i→j matched by j→i, as many times)? Each
    row's neighbours must be in increasing order (as :func:`from_edges` leaves them; a row out
    of order counts as not symmetric): the transpose, built by a counting pass in row order,
    then has the same offsets and, slot by slot, the same neighbours."""
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    for i in range(n):
        for p in range(indptr[i] + 1, indptr[i + 1]):
            if indices[p] < indices[p - 1]:
                return False
    start = np.zeros(n + 1, np.int64)
    for p in range(m):
        j = indices[p]
        if j < 0 or j >= n:
            return False
        start[j + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    for i in range(n + 1):
        if start[i] != indptr[i]:
            return False
    fill = start[:n].copy()
    for i in range(n):
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if indices[fill[j]] != i:
                return False
            fill[j] += 1
    return True


def from_edges(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray | None = None) -> Graph:
    """Build a Graph from undirected edge endpoints (each edge once; no self-loops expected).

    Both directions are sorted by the single int64 key ``source · n + target`` (one sort instead
    of a two-key lexsort: ~3× faster for millions of edges), so neighbour lists come out sorted.
    The key array is reused in place, so a million-node graph peaks at about 3× its final size.
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    m = u.size
    key = np.empty(2 * m, dtype=np.int64)
    np.multiply(u, n, out=key[:m])
    key[:m] += v
    np.multiply(v, n, out=key[m:])
    key[m:] += u
    weights = None
    if w is not None:
        order = np.argsort(key, kind="stable")
        key = key[order]
        w = np.asarray(w, dtype=np.float64)
        weights = np.concatenate([w, w])[order]
    else:
        key.sort()
    # 32-bit offsets and ids where they fit: less memory traffic in the random-access kernels
    offsets = np.int32 if key.size < 2**31 else np.int64
    indptr = np.searchsorted(key, np.arange(n + 1, dtype=np.int64) * n).astype(offsets)
    np.remainder(key, n, out=key)
    dtype = np.int32 if n < 2**31 else np.int64
    return Graph(n=n, indptr=indptr, indices=key.astype(dtype), weights=weights)


def has_repeated_ties(graph: Graph) -> bool:
    """Does any node list the same neighbour twice (a duplicated edge)?"""
    same = graph.indices[1:] == graph.indices[:-1]
    bounds = graph.indptr[1:-1]
    same[bounds[(bounds > 0) & (bounds < graph.indices.size)] - 1] = False
    return bool(same.any())


def canonical_edges(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop self-loops and duplicates (either direction) from an edge sample."""
    a = np.minimum(u, v).astype(np.int64)
    b = np.maximum(u, v).astype(np.int64)
    keep = a != b
    a, b = a[keep], b[keep]
    if not a.size:
        return a, b
    base = int(b.max()) + 1
    key = np.unique(a * base + b)
    return key // base, key % base
