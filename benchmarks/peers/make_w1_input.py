"""Write a W1 input pair for trying the peers by hand: the same input bench_w1.py gives every
engine (a BA(m = 3) edge list from our generator and uniform opinions, one seed).

Run: .venv/bin/python benchmarks/peers/make_w1_input.py --n 1000 [--seed 1] [--out DIR]

Writes DIR/ba_<N>.csv (header source,target) and DIR/opinions_<N>.npy; prints both paths.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.bench_w1 import make_input  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="number of agents")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="/tmp/w1_inputs", help="output folder")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in make_input(args.n, out, seed=args.seed):
        print(path)


if __name__ == "__main__":
    main()
