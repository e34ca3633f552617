"""Write a W1 input pair for trying the peers by hand: a BA graph's edge list and uniform opinions.

Run: .venv/bin/python benchmarks/peers/make_w1_input.py --n 1000 [--m 3] [--seed 1] [--out DIR]

Writes DIR/w1_ba_n<N>_edges.csv (header source,target; one undirected edge per line) and
DIR/w1_ba_n<N>_opinions.npy (float64, uniform on [-1, 1]); prints both paths. The graph is
networkx's Barabási-Albert generator (Barabási & Albert 1999) with `seed`; the opinions come
from `np.random.default_rng(seed)`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import networkx as nx
import numpy as np


def main(argv: list[str] | None = None) -> None:
    """Generate and write one input pair."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="number of agents")
    parser.add_argument("--m", type=int, default=3, help="BA edges per new node")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="/tmp/w1_inputs", help="output folder")
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    graph = nx.barabasi_albert_graph(args.n, args.m, seed=args.seed)
    edges = np.array(graph.edges(), dtype=np.int64)
    opinions = np.random.default_rng(args.seed).uniform(-1.0, 1.0, args.n)

    edges_path = out / f"w1_ba_n{args.n}_edges.csv"
    opinions_path = out / f"w1_ba_n{args.n}_opinions.npy"
    np.savetxt(edges_path, edges, fmt="%d", delimiter=",", header="source,target", comments="")
    np.save(opinions_path, opinions)
    print(edges_path)
    print(opinions_path)


if __name__ == "__main__":
    main()
