"""The opinion rules' cost: per update for the pairwise-encounter kernels, per step for every rule.

Run: .venv/bin/python benchmarks/bench_rules.py [--n 100000] [--repeats 7]

1. Kernels, one sweep of N updates on a Barabási–Albert graph (m = 3) of N citizens, called
   directly (compiled, draws made beforehand as the rules make them): ns per update, median of
   ``--repeats``, and the ratio to the Deffuant kernel in the same run (the issue's bound: within
   2× of Deffuant per update at 10⁵ citizens).
   The majority kernel's figure is per group update (three citizens).
2. Rules through the public API: a textbook scenario (parties off, no posting) per rule, the mean
   time of one ``model.step()`` — the peer process plus the step's fixed work — so synchronous
   rules (HK, DeGroot, Friedkin–Johnsen) and the rest state their cost per step; holme_newman's
   includes rebuilding the CSR graph from its ties (G = N/10 opinions, φ = 0.5). The
   radicalization rule's step is its kernel called directly (the rule's draws and RK4 step
   alone): β = 0 at N, β = 3 at min(N, 10⁴).

Results: benchmarks/results/rules.json (with the machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import record  # noqa: E402
from model import SocialWebModel, scenario_from_dict  # noqa: E402
from model.dynamics.kernels import NO_DRAWS, NOT_FROZEN, kernel, looks_ahead  # noqa: E402
from model.network.csr import from_edges  # noqa: E402
from model.network.generators import ba_edges  # noqa: E402
from model.sim import warm_up  # noqa: E402

KERNELS = [
    "deffuant",
    "voter_node",
    "voter_link",
    "voter_invasion",
    "q_voter_q4",
    "naming_game",
    "majority_g3",
    "sznajd",
    "algorithmic_bias_g1",
    "attraction_repulsion",
]


def kernel_call(name: str, n: int, g, rng: np.random.Generator):
    """A closure running one sweep of ``name`` on fresh draws, and its state."""
    x = rng.uniform(-1, 1, n)
    binary = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    if name == "deffuant":
        # as the rule runs it: one key per sweep, encounters drawn in the kernel, movement summed,
        # looking ahead when the rule would
        f, work, moved = kernel("deffuant_sweep"), np.empty(n), np.zeros(1)
        return lambda: f(
            x,
            g.indptr,
            g.indices,
            np.array([0.6]),
            0.5,
            NOT_FROZEN,
            NO_DRAWS,
            rng.integers(0, 2**64, size=1, dtype=np.uint64),
            work,
            moved,
            looks_ahead(x, g.indptr, g.indices),
        )
    if name.startswith("voter"):
        update = name.split("_")[1]
        x2 = binary.reshape(n, 1).copy()
        if update == "link":
            f = kernel("voter_link_sweep")
            return lambda: f(x2, g.rows, g.indices, NOT_FROZEN, rng.random(n))
        f = kernel("voter_sweep" if update == "node" else "voter_invasion_sweep")
        return lambda: f(x2, g.indptr, g.indices, NOT_FROZEN, rng.random(n))
    if name == "q_voter_q4":
        f = kernel("q_voter_sweep")
        return lambda: f(binary, g.indptr, g.indices, 4, 0.1, False, NOT_FROZEN, rng.random((n, 6)))
    if name == "algorithmic_bias_g1":
        f = kernel("algorithmic_bias_sweep")
        return lambda: f(
            x, g.indptr, g.indices, np.array([0.6]), 0.5, 1.0, 1e-4, NOT_FROZEN, rng.random((n, 2))
        )
    if name == "attraction_repulsion":  # keyed like Deffuant: one key per sweep, movement summed
        f, work, moved = kernel("attraction_repulsion_sweep"), np.empty(n), np.zeros(1)
        return lambda: f(
            x,
            g.indptr,
            g.indices,
            np.array([0.6]),
            np.array([1.2]),
            0.1,
            NOT_FROZEN,
            rng.integers(0, 2**64, size=1, dtype=np.uint64),
            work,
            moved,
        )
    if name == "majority_g3":  # n group updates here, so the figure is per group of three
        f = kernel("majority_sweep")
        return lambda: f(binary, g.indptr, g.indices, 3, NOT_FROZEN, rng.random((n, 3)))
    if name == "sznajd":  # an agreeing pair writes every neighbour of both: O(degree)
        f = kernel("sznajd_sweep")
        return lambda: f(binary, g.indptr, g.indices, NOT_FROZEN, rng.random(n))
    f = kernel("naming_game_sweep")
    return lambda: f(binary, g.indptr, g.indices, NOT_FROZEN, rng.random(n))


def time_kernels(n: int, repeats: int) -> list[dict]:
    rng = np.random.default_rng(1)
    u, v = ba_edges(n, 3, rng)
    g = from_edges(n, u, v)
    rows = []
    for name in KERNELS:
        call = kernel_call(name, n, g, rng)
        call()  # warm
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        rows.append({"kernel": name, "ns_per_update": 1e9 * statistics.median(times) / n})
    base = rows[0]["ns_per_update"]
    for r in rows:
        r["vs_deffuant"] = r["ns_per_update"] / base
    return rows


RULES = {
    "deffuant": {"rule": "deffuant", "rate": 0.5},
    "voter": {"rule": "voter"},
    "q_voter": {"rule": "q_voter", "q": 4, "nonconformity_rate": 0.1},
    "naming_game": {"rule": "naming_game"},
    "majority": {"rule": "majority", "group_size": 3},
    "sznajd": {"rule": "sznajd"},
    "holme_newman": {"rule": "holme_newman", "rewire_rate": 0.5},
    "algorithmic_bias": {"rule": "algorithmic_bias", "rate": 0.5, "bias": 1.0},
    "attraction_repulsion": {"rule": "attraction_repulsion", "rate": 0.1},
    "hegselmann_krause": {"rule": "hegselmann_krause"},
    "degroot": {"rule": "degroot"},
    "friedkin_johnsen": {"rule": "friedkin_johnsen", "susceptibility": 0.8},
}


def time_rules(n: int, steps: int) -> list[dict]:
    rows = []
    for name, opinion in RULES.items():
        discrete = name in ("voter", "q_voter", "naming_game", "majority", "sznajd")
        start = "binary" if discrete else "uniform"
        if name == "holme_newman":
            start = "categories"
        sc = scenario_from_dict(
            {
                "steps": steps,
                "parties": {},
                "mobilization": {"enabled": False},
                "network": {"kind": "barabasi_albert", "mean_degree": 6},
                "population": {
                    "citizens": n,
                    "activity_mean": 0.0,
                    "openness": 0.3,
                    "initial_opinion": start,
                    "categories": max(2, n // 10),
                },
                "output": {"every": steps},
                "opinion": opinion,
            }
        )
        model = SocialWebModel(sc, seed=1, agents="parties")
        model.step()
        t0 = time.perf_counter()
        for _ in range(steps - 1):
            model.step()
        per_step = (time.perf_counter() - t0) / (steps - 1)
        rows.append(
            {"rule": name, "ms_per_step": 1e3 * per_step, "ns_per_citizen": 1e9 * per_step / n}
        )
    return rows


def time_radicalization(n: int, repeats: int) -> list[dict]:
    """The radicalization rule's step (one network draw and one RK4 step, the paper's m = 10,
    r = 0.5, γ = 2.1, ε = 0.01, K = α = 3), its kernel called directly (its scenarios run on
    ``network.kind: none``; this times the draws and the RK4 step alone). β = 0 at N; β = 3
    weighs every citizen for each active one (O(N²⟨a⟩)), timed at min(N, 10⁴)."""
    f = kernel("radicalization_steps")
    rows = []
    for beta, size in ((0.0, n), (3.0, min(n, 10_000))):
        rng = np.random.default_rng(1)
        g = 1.0 - 2.1
        activity = (0.01**g + rng.random(size) * (1.0 - 0.01**g)) ** (1.0 / g)
        x = rng.uniform(-1, 1, size)
        moved = np.zeros(1)

        def call(x=x, activity=activity, beta=beta, moved=moved, rng=rng):
            keys = rng.integers(0, 2**64, size=1, dtype=np.uint64)
            f(x, activity, keys, 10, 0.5, 3.0, 3.0, beta, 0.01, moved)

        call()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        per_step = statistics.median(times)
        rows.append(
            {
                "rule": f"radicalization (β = {beta:g}, N = {size:,}, kernel)",
                "ms_per_step": 1e3 * per_step,
                "ns_per_citizen": 1e9 * per_step / size,
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--steps", type=int, default=6)
    args = ap.parse_args()
    warm_up()
    kernels = time_kernels(args.n, args.repeats)
    print(f"kernels, one sweep at N = {args.n:,} (BA m = 3), median of {args.repeats}:")
    for r in kernels:
        print(f"  {r['kernel']:<16} {r['ns_per_update']:7.1f} ns/update  {r['vs_deffuant']:.2f}×")
    rules = time_rules(args.n, args.steps) + time_radicalization(args.n, args.repeats)
    print(f"rules through model.step() at N = {args.n:,}:")
    for r in rules:
        print(f"  {r['rule']:<18} {r['ms_per_step']:8.2f} ms/step")
    path = record(
        "rules", {"n": args.n, "repeats": args.repeats, "kernels": kernels, "rules": rules}
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
