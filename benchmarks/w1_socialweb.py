"""W1 on our engine, in its own process (called by bench_w1.py; prints one JSON line).

Runs W1 through the public API exactly as a user with their own network would: a scenario with
the ``deffuant`` rule, ``network.kind: edge_list`` pointing at the edge list, no parties, and the
initial opinions passed to :class:`model.SocialWebModel`. Set-up = reading and checking the edge
list plus building the model; stepping = ``model.run(steps)``. Metrics are recorded once at the
end (``output.every``), because W1 measures the update rule; the per-step metrics a normal run
records cost extra and are measured by bench_model.py.

    python benchmarks/w1_socialweb.py --edges E.csv --opinions X.npy --steps S [--budget SEC]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model import SocialWebModel, scenario_from_dict  # noqa: E402
from model.sim import warm_up  # noqa: E402
from model.store import versions  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edges", required=True)
    ap.add_argument("--opinions", required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--budget", type=float, default=60.0, help="stop stepping after this long")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    t0 = time.perf_counter()
    warm_up()  # load the compiled kernels from numba's cache (compiled once per machine)
    jit_s = time.perf_counter() - t0

    start = time.perf_counter()
    x0 = np.load(args.opinions)
    n = x0.size
    scenario = scenario_from_dict(
        {
            "name": "w1",
            "steps": args.steps,
            "population": {
                "citizens": n,
                "openness": 0.6,
                "openness_spread": 0.0,
                "activity_mean": 0.0,
            },
            "network": {"kind": "edge_list", "path": str(Path(args.edges).resolve())},
            "opinion": {"rule": "deffuant", "rate": 0.5},
            "mobilization": {"enabled": False},
            "parties": {},
            "output": {"every": args.steps},
        }
    )
    model = SocialWebModel(scenario, seed=args.seed, opinions=x0)
    setup_s = time.perf_counter() - start

    # step in (at most 4) chunks so a slow machine stops near the budget; each chunk is one
    # model.run call, which records the metrics once at its end
    done, stepping = 0, 0.0
    chunk = max(1, args.steps // 4)
    while done < args.steps and stepping < args.budget:
        k = min(chunk, args.steps - done)
        start = time.perf_counter()
        model.run(k)
        stepping += time.perf_counter() - start
        done += k
    print(
        json.dumps(
            {
                "peer": "socialweb",
                "n": n,
                "edges": model.citizen_graph.edges,
                "setup_s": setup_s,
                "jit_load_s": jit_s,
                "steps": done,
                "step_s": stepping,
                "interactions": done * n,
                "interactions_per_s": done * n / stepping,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "mean_opinion": float(model.population.x[:n, 0].mean()),
                "versions": {k: versions()[k] for k in ("numpy", "numba", "mesa")},
                "note": "public API: deffuant rule, edge_list network, given opinions",
            }
        )
    )


if __name__ == "__main__":
    main()
