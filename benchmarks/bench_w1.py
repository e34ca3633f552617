"""W1, the field's common workload: Deffuant on a Barabási–Albert graph, ours against the peers.

Run: .venv/bin/python benchmarks/bench_w1.py [--sizes 1000 10000 100000 1000000]

W1: N citizens on a BA graph (m = 3), opinions U[-1, 1], d = 0.6 on our scale (0.3 on [0, 1]),
μ = 0.5; one step = N interactions, each a random citizen and a random neighbour. For each N the
script writes one input (edge list CSV + opinions .npy, seeded) and runs every engine on that same
input, each in its own process so peak memory (RSS) is per engine:

- ``socialweb``: our public API (benchmarks/w1_socialweb.py);
- ``mesa``: idiomatic Mesa 3.5 agents on a discrete_space.Network (benchmarks/peers/mesa_w1.py);
- ``ndlib``: ndlib's Deffuant-type model (benchmarks/peers/ndlib_w1.py; needs the ``bench``
  extra: ``uv pip install -e .[bench]``; reported as not installed otherwise).

Figures: interactions per second (stepping only), set-up time (read the edge list, build the
model), peak RSS. Peers stop after ``--budget`` seconds of stepping and are not run above
``--peer-max-n`` (their set-up alone takes minutes there); the table says so. Ratios are ours
over the peer's rate at the same N, in the same run. Results: benchmarks/results/w1.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import record  # noqa: E402
from model.jit import compiled  # noqa: E402
from model.network.csr import from_edges  # noqa: E402
from model.network.generators import ba_edges  # noqa: E402
from model.network.io import write_edge_list  # noqa: E402

ENGINES = {
    "socialweb": ROOT / "benchmarks" / "w1_socialweb.py",
    "mesa": ROOT / "benchmarks" / "peers" / "mesa_w1.py",
    "ndlib": ROOT / "benchmarks" / "peers" / "ndlib_w1.py",
}


def make_input(n: int, folder: Path, seed: int = 1) -> tuple[Path, Path]:
    """The W1 input for N: a BA(m = 3) edge list and uniform opinions, from one seed."""
    rng = np.random.default_rng(seed)
    u, v = compiled(ba_edges)(n, 3, rng)
    edges, opinions = folder / f"ba_{n}.csv", folder / f"opinions_{n}.npy"
    write_edge_list(from_edges(n, u, v), edges)
    np.save(opinions, rng.uniform(-1.0, 1.0, n))
    return edges, opinions


def run_engine(name: str, edges: Path, opinions: Path, steps: int, budget: float) -> dict:
    cmd = [sys.executable, str(ENGINES[name]), "--edges", str(edges), "--opinions", str(opinions)]
    cmd += ["--steps", str(steps), "--budget", str(budget)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=budget * 4 + 600)
    except subprocess.TimeoutExpired:
        return {"peer": name, "error": "timed out"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["failed"])[-1]
        return {"peer": name, "error": last[:200]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def ndlib_installed() -> bool:
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('ndlib') is None)"
    return subprocess.run([sys.executable, "-c", code]).returncode == 0


def main() -> None:
    ap = argparse.ArgumentParser(description="W1: Deffuant on BA(m=3), ours against the peers")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    ap.add_argument("--budget", type=float, default=20.0, help="stepping seconds per engine")
    ap.add_argument("--peer-max-n", type=int, default=100_000)
    args = ap.parse_args()
    have_ndlib = ndlib_installed()

    rows = []
    with tempfile.TemporaryDirectory(prefix="socialweb-w1-") as tmp:
        for n in args.sizes:
            edges, opinions = make_input(n, Path(tmp))
            for name in ENGINES:
                if name != "socialweb" and n > args.peer_max_n:
                    rows.append({"peer": name, "n": n, "skipped": f"N > {args.peer_max_n}"})
                    continue
                if name == "ndlib" and not have_ndlib:
                    rows.append({"peer": name, "n": n, "skipped": "ndlib not installed"})
                    continue
                ours = name == "socialweb"
                steps = max(5, min(200_000, int(2e8 // n))) if ours else 1000
                row = run_engine(name, edges, opinions, steps, args.budget)
                row.setdefault("n", n)
                rows.append(row)
                print(line(row), flush=True)

    rate = {(r["peer"], r["n"]): r.get("interactions_per_s") for r in rows}
    for r in rows:
        mine = rate.get(("socialweb", r["n"]))
        theirs = r.get("interactions_per_s")
        if r["peer"] != "socialweb" and mine and theirs:
            r["ours_over_peer"] = mine / theirs
    print()
    print(table(rows))
    path = record("w1", {"rows": rows, "budget_s": args.budget})
    print(f"\nwritten {path.relative_to(ROOT)}")


def line(r: dict) -> str:
    if "interactions_per_s" not in r:
        return f"{r['peer']:>10} N={r['n']:>9,}: {r.get('error') or r.get('skipped')}"
    return (
        f"{r['peer']:>10} N={r['n']:>9,}: {r['interactions_per_s'] / 1e6:10.3f} M interactions/s, "
        f"set-up {r['setup_s']:.2f} s, peak RSS {r['peak_rss_mb']:.0f} MB, {r['steps']} steps"
    )


def table(rows: list[dict]) -> str:
    head = "| engine | N | interactions/s | set-up (s) | peak RSS (MB) | steps | ours ÷ peer |"
    out = [head, "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "interactions_per_s" not in r:
            out.append(f"| {r['peer']} | {r['n']:,} | {r.get('error') or r.get('skipped')} |||||")
            continue
        ratio = f"{r['ours_over_peer']:,.0f}×" if "ours_over_peer" in r else ""
        out.append(
            f"| {r['peer']} | {r['n']:,} | {r['interactions_per_s']:,.0f} | {r['setup_s']:.2f} "
            f"| {r['peak_rss_mb']:.0f} | {r['steps']} | {ratio} |"
        )
    return "\n".join(out)


if __name__ == "__main__":
    main()
