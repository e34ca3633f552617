"""What the W1 peers share: the command line, the input reader, the timing loop, the report.

W1 is Deffuant pairwise bounded confidence (Deffuant et al. 2000, "Mixing beliefs among
interacting agents", Adv. Complex Syst. 3, 87-98) on a given undirected graph: opinions on
[-1, 1], confidence d = 0.6 (0.3 on [0, 1]), convergence μ = 0.5; one step = N interactions, each
a random agent i and a random neighbour j; if |x_i - x_j| < d both move, x_i += μ(x_j - x_i) and
x_j += μ(x_i_old - x_j). Agents with no neighbours skip.

Every peer prints one line of JSON on stdout; messages go to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import resource
import sys
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

import networkx as nx
import numpy as np

CONFIDENCE = 0.6  # d: bounded-confidence threshold on [-1, 1]
CONVERGENCE = 0.5  # μ: share of the gap each partner moves, per interaction
CLUSTER_GAP = 0.05  # sorted opinions split where neighbours differ by more, on [-1, 1]
CLUSTER_MIN_SHARE = 0.05  # a cluster counts as major with at least this share of agents


def parse_args(peer: str, argv: list[str] | None = None) -> argparse.Namespace:
    """The command line every W1 peer takes."""
    parser = argparse.ArgumentParser(
        prog=f"{peer}_w1.py",
        description=f"W1 (Deffuant on a given graph) run by the {peer} peer; one JSON line out.",
    )
    parser.add_argument(
        "--edges", required=True, help="CSV edge list, header source,target, ids 0..N-1"
    )
    parser.add_argument("--opinions", required=True, help=".npy float64 array of N opinions")
    parser.add_argument("--steps", type=int, default=10, help="steps to run (N interactions each)")
    parser.add_argument(
        "--budget",
        type=float,
        default=math.inf,
        help="stop once cumulative stepping time exceeds this many seconds (after >= 1 step)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--check",
        action="store_true",
        help="add final mean opinion and opinion clusters to the JSON (and say them on stderr)",
    )
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be >= 1")
    if not args.budget > 0:
        parser.error("--budget must be > 0")
    return args


def read_inputs(edges_path: str, opinions_path: str) -> tuple[nx.Graph, np.ndarray]:
    """Read the opinions and the edge list into a networkx Graph with nodes 0..N-1 in order.

    Nodes are added from the opinion array's length first, so agents without edges exist (and
    skip) and `G.nodes` iterates 0..N-1.
    """
    opinions = np.load(opinions_path)
    if opinions.ndim != 1 or opinions.dtype != np.float64:
        sys.exit(f"{opinions_path}: expected a 1-d float64 array, got {opinions.dtype}")
    n = opinions.size
    with open(edges_path, encoding="utf-8") as f:
        header = f.readline().strip().replace(" ", "")
    if header != "source,target":
        sys.exit(f"{edges_path}: expected header 'source,target', got {header!r}")
    edges = np.loadtxt(edges_path, delimiter=",", skiprows=1, dtype=np.int64, ndmin=2)
    if edges.size and (edges.min() < 0 or edges.max() >= n):
        sys.exit(f"{edges_path}: node ids must be in 0..{n - 1}")
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges.tolist())
    return graph, opinions


def run_steps(step: Callable[[], object], steps: int, budget: float) -> tuple[int, float, float]:
    """Call `step` up to `steps` times; stop early once the summed step time exceeds `budget`.

    Returns:
        (steps run, seconds spent inside `step`, seconds of the first step alone).
    """
    spent = 0.0
    first = 0.0
    done = 0
    while done < steps:
        start = time.perf_counter()
        step()
        spent += time.perf_counter() - start
        done += 1
        if done == 1:
            first = spent
        if spent > budget:
            break
    return done, spent, first


def clusters(opinions: np.ndarray) -> dict:
    """Opinion clusters on [-1, 1]: sorted opinions split at gaps > CLUSTER_GAP.

    Returns:
        mean and standard deviation of the opinions, number of major clusters
        (>= CLUSTER_MIN_SHARE of agents), all clusters, the major clusters' (centre, share),
        largest first, and a digest of the final opinions (same seed and input → same digest).
    """
    x = np.sort(np.asarray(opinions, dtype=np.float64))
    cuts = np.flatnonzero(np.diff(x) > CLUSTER_GAP) + 1
    groups = np.split(x, cuts)
    major = sorted(
        (
            (round(float(g.mean()), 4), round(g.size / x.size, 4))
            for g in groups
            if g.size >= CLUSTER_MIN_SHARE * x.size
        ),
        key=lambda c: -c[1],
    )
    return {
        "mean_opinion": float(x.mean()),
        "std_opinion": float(x.std()),
        "major_clusters": len(major),
        "all_clusters": len(groups),
        "major": [{"centre": c, "share": s} for c, s in major],
        "digest": hashlib.sha256(np.ascontiguousarray(opinions, np.float64)).hexdigest()[:16],
    }


def package_versions(*names: str) -> dict[str, str]:
    """Python's and the named packages' versions."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def report(
    *,
    peer: str,
    graph: nx.Graph,
    setup_s: float,
    steps: int,
    step_s: float,
    interactions: int,
    versions: dict[str, str],
    note: str,
    extra: dict | None = None,
) -> None:
    """Print the one JSON line on stdout."""
    record = {
        "peer": peer,
        "n": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "setup_s": setup_s,
        "steps": steps,
        "step_s": step_s,
        "interactions": interactions,
        "interactions_per_s": interactions / step_s if step_s > 0 else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "versions": versions,
        "note": note,
    }
    if extra:
        record.update(extra)
    print(json.dumps(record), flush=True)


def say_check(peer: str, initial: np.ndarray, final: dict) -> None:
    """The --check summary, for people, on stderr."""
    shares = ", ".join(f"{c['centre']:+.3f} ({c['share']:.0%})" for c in final["major"])
    print(
        f"{peer}: mean opinion {initial.mean():+.4f} -> {final['mean_opinion']:+.4f}; "
        f"{final['major_clusters']} major cluster(s) of {final['all_clusters']}: {shares}",
        file=sys.stderr,
    )
