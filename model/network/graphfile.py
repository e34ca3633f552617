"""Graph files a user brings (``network.kind: graph_file``): GraphML, GML, GEXF or Pajek, read
with networkx, with node attributes mapped to the citizens' initial opinion, activity and party
lean.

Choices (stated in docs/ODD.md §7.1 and the README):

- The format comes from the file's suffix: ``.graphml`` / ``.xml`` (GraphML), ``.gml``,
  ``.gexf``, ``.net`` / ``.paj`` / ``.pajek`` (Pajek).
- Citizen i is the i-th node in the file's order; the file must hold exactly
  ``population.citizens`` nodes.
- Ties are undirected and single: directions and repeated ties are merged, self-loops dropped
  (political networks in the wild — follower graphs, hyperlink graphs — have all three); the
  counts merged and dropped are reported by :func:`describe`.
- An attribute value is matched as text (``1`` and ``1.0`` both read ``"1"``); numbers are
  used as they are when no mapping is given.

Errors are :class:`EdgeListError` (file and a one-line message), like the edge-list reader's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from model.config.schema import NetworkSpec
from model.config.yamlread import file_kind, file_stamp, label_text
from model.network.csr import Graph, from_edges
from model.network.io import EdgeListError

FORMATS = {
    ".graphml": "GraphML",
    ".xml": "GraphML",
    ".gml": "GML",
    ".gexf": "GEXF",
    ".net": "Pajek",
    ".paj": "Pajek",
    ".pajek": "Pajek",
}


@dataclass(frozen=True)
class GraphFile:
    """A graph file read: its ties, node labels in citizen order, node attributes, and what was
    merged or dropped on the way to an undirected simple graph."""

    graph: Graph
    labels: tuple[str, ...]
    attributes: tuple[dict, ...]
    merged: int  # ties repeated (either direction) and merged into one
    self_loops: int  # dropped


def _read_gml(path: Path):
    """GML nodes named by their labels when every node has a unique one, else by their ids."""
    import networkx as nx

    try:
        return nx.read_gml(path, label="label")
    except nx.NetworkXError:
        return nx.read_gml(path, label=None)


def _read_nx(path: Path):
    import networkx as nx

    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise EdgeListError(
            str(path),
            f"expected a graph file ending in {', '.join(sorted(FORMATS))}, got {path.suffix!r}",
        )
    if (other := file_kind(path)) is not None:
        raise EdgeListError(str(path), f"expected a {kind} file, got {other}")
    if not path.exists():
        raise EdgeListError(str(path), "file not found")
    readers = {
        "GraphML": nx.read_graphml,
        "GML": _read_gml,
        "GEXF": nx.read_gexf,
        "Pajek": nx.read_pajek,
    }
    try:
        return readers[kind](path)
    except Exception as err:  # noqa: BLE001 - readers raise many kinds; the message is what counts
        text = " ".join(str(err).split())[:160] or type(err).__name__
        raise EdgeListError(str(path), f"could not read it as {kind}: {text}") from None


@lru_cache(maxsize=4)
def _read_cached(path_text: str, _mtime: int, _size: int, citizens: int) -> GraphFile:
    path = Path(path_text)
    g = _read_nx(path)
    nodes = list(g.nodes())
    if len(nodes) != citizens:
        raise EdgeListError(
            path_text,
            f"expected {citizens} nodes (population.citizens), got {len(nodes)}",
        )
    index = {node: i for i, node in enumerate(nodes)}
    pairs = [(index[a], index[b]) for a, b, *_ in g.edges]
    loops = sum(1 for a, b in pairs if a == b)
    u = np.array([min(a, b) for a, b in pairs if a != b], dtype=np.int64)
    v = np.array([max(a, b) for a, b in pairs if a != b], dtype=np.int64)
    key = np.unique(u * citizens + v)
    if key.size == 0:
        raise EdgeListError(path_text, "expected at least one tie between two nodes, got none")
    graph = from_edges(citizens, key // citizens, key % citizens)
    return GraphFile(
        graph=graph,
        labels=tuple(str(n) for n in nodes),
        attributes=tuple(dict(g.nodes[n]) for n in nodes),
        merged=int(u.size - key.size),
        self_loops=int(loops),
    )


def read_graph_file(path: str | Path, citizens: int) -> GraphFile:
    """The graph file at ``path`` for ``citizens`` citizens (cached while the file is
    unchanged). Raises :class:`EdgeListError`."""
    path = Path(path)
    return _read_cached(str(path), *file_stamp(path), citizens)


def _values(
    file: GraphFile, path: str, key: str, attribute: str, mapping: dict, low: float, high: float
) -> np.ndarray:
    out = np.empty(len(file.labels))
    for i, (label, attrs) in enumerate(zip(file.labels, file.attributes, strict=True)):
        if attribute not in attrs:
            raise EdgeListError(
                path, f"node {label!r} has no attribute {attribute!r} (network.{key}_attribute)"
            )
        raw = attrs[attribute]
        if mapping:
            text = label_text(raw)
            if text not in mapping:
                raise EdgeListError(
                    path,
                    f"node {label!r}: {attribute} {text!r} is not in network.{key}_values "
                    f"(expected one of {', '.join(repr(k) for k in mapping)})",
                )
            value = mapping[text]
        else:
            try:
                value = float(raw)
            except (TypeError, ValueError):
                value = float("nan")
        if not low <= value <= high:  # also NaN
            raise EdgeListError(
                path,
                f"node {label!r}: expected {attribute} in [{low:g}, {high:g}] "
                f"(network.{key}_attribute), got {raw!r}"
                + (
                    ""
                    if mapping or key == "activity"
                    else f"; map labels with network.{key}_values"
                ),
            )
        out[i] = value
    return out


def node_traits(spec: NetworkSpec, citizens: int, parties: list[str]) -> dict[str, np.ndarray]:
    """The citizens' traits the graph file's node attributes set, by name: ``opinion`` (in
    [-1, 1]), ``activity`` (in [0, 1]) and ``lean`` (the party index each citizen leans to, -1
    for none). Only the traits whose attribute is named. Raises :class:`EdgeListError`."""
    file = read_graph_file(spec.path, citizens)
    out: dict[str, np.ndarray] = {}
    if spec.opinion_attribute:
        out["opinion"] = _values(
            file, spec.path, "opinion", spec.opinion_attribute, spec.opinion_values, -1.0, 1.0
        )
    if spec.activity_attribute:
        out["activity"] = _values(file, spec.path, "activity", spec.activity_attribute, {}, 0, 1)
    if spec.lean_attribute:
        codes = {
            label: (parties.index(p) if p in parties else -1)
            for label, p in spec.lean_values.items()
        }
        out["lean"] = _values(
            file, spec.path, "lean", spec.lean_attribute, codes, -1, len(parties) - 1
        ).astype(np.int64)
    return out


def describe(path: str | Path, citizens: int) -> str:
    """One line on what reading the file merged or dropped (empty when nothing)."""
    file = read_graph_file(path, citizens)
    parts = []
    if file.merged:
        parts.append(f"{file.merged} repeated or reversed ties merged")
    if file.self_loops:
        parts.append(f"{file.self_loops} self-loops dropped")
    return f"{path}: " + ", ".join(parts) if parts else ""
