"""One full-model run in its own process (called by bench_model.py; prints one JSON line).

python benchmarks/model_run.py SCENARIO.yaml --citizens N --steps S [--agents auto|all|parties]
    [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model import SocialWebModel, load_scenario  # noqa: E402
from model.dynamics.kernels import warm_up  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--citizens", type=int, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--agents", default="auto", choices=["auto", "all", "parties"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="cProfile the stepping")
    args = ap.parse_args()

    warm_up()  # compiled kernels come from numba's on-disk cache; not part of set-up
    start = time.perf_counter()
    scenario = load_scenario(
        args.scenario, {"population.citizens": args.citizens, "steps": args.steps}
    )
    model = SocialWebModel(scenario, seed=args.seed, agents=args.agents)
    setup_s = time.perf_counter() - start

    profiler = cProfile.Profile() if args.profile else None
    elapsed, marks = 0.0, {}
    for step in range(1, args.steps + 1):
        if profiler:
            profiler.enable()
        start = time.perf_counter()
        model.step()
        elapsed += time.perf_counter() - start
        if profiler:
            profiler.disable()
        if step in (1, 2, 5) or step % 10 == 0 or step == args.steps:
            marks[step] = elapsed
    reads = int(model.voice_totals.sum())
    import numba

    try:
        layer = numba.threading_layer()  # raises until a threaded kernel has run
    except ValueError:
        layer = None
    out = {
        "threads": numba.get_num_threads() if layer else 1,
        "threading_layer": layer,
        "scenario": scenario.name,
        "n": args.citizens,
        "steps": args.steps,
        "agents": model.agent_mode,
        "mesa_agents": len(model.agents),
        "setup_s": setup_s,
        "step_s": elapsed,
        "citizen_steps_per_s": args.citizens * args.steps / elapsed,
        "posts_read": reads,
        "posts_read_per_s": reads / elapsed,
        "cumulative_step_s": marks,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if profiler:
        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf).sort_stats("tottime")
        stats.print_stats(12)
        total = sum(v[2] for v in stats.stats.values())
        out["profile"] = [
            {
                "function": f"{Path(f).name}:{line}({name})",
                "calls": v[1],
                "seconds": v[2],
                "share": v[2] / total,
            }
            for (f, line, name), v in sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:12]
        ]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
