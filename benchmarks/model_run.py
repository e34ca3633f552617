"""One full-model run in its own process (called by bench_model.py; prints one JSON line).

python benchmarks/model_run.py SCENARIO.yaml --citizens N --steps S [--agents auto|all|parties]
    [--profile] [--floor]

``--floor`` also measures the run's memory-traffic floor (:func:`traffic_floor`).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import json
import pstats
import resource
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model import SocialWebModel, load_scenario  # noqa: E402
from model.sim import warm_up  # noqa: E402


def state_bytes(model) -> int:
    """Bytes of every array of the model's state: the population's columns, the network's
    adjacency (CSR) and the parties' arrays."""
    pop, graph, parties = model.population, model.graph, model.parties
    arrays = [getattr(pop, f.name) for f in dataclasses.fields(pop)]
    arrays += [graph.indptr, graph.indices, graph.weights]
    arrays += [parties.line, parties.cumulative_cost, parties.burnouts, parties.recruits]
    arrays += [*parties.followers, *parties.staff_rows]
    return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


@numba.njit(cache=True)
def _touch(buf: np.ndarray, passes: int) -> float:
    """Read and write every element of ``buf`` once per pass (a streaming update)."""
    for _ in range(passes):
        for i in range(buf.size):
            buf[i] = buf[i] * 0.5 + 1.0
    return buf[0]


def traffic_floor(model, steps: int, reads: int) -> dict:
    """The run's memory-traffic floor: the time a compiled pass takes to read and write, once a
    step, every byte of the model's state (:func:`state_bytes`) and of the step's messages (the
    posts read: reader, party, source, trust, script, post and the K opinion coordinates, 8 bytes
    each). A step must at least read what it updates and write it back; posts made and not read,
    and the metrics, are left out, so this is a lower bound. Best of five."""
    issues = model.population.x.shape[1]
    message = (6 + issues) * 8
    per_step = state_bytes(model) + message * reads / steps
    buf = np.ones(max(1, int(per_step // 8)))
    _touch(buf, 1)  # compile (cached on disk)
    best = min(_timed(_touch, buf, steps) for _ in range(5))
    return {
        "state_bytes": state_bytes(model),
        "message_bytes_per_step": message * reads / steps,
        "bytes_per_citizen_step": per_step / model.population.citizens,
        "floor_s": best,
        "bandwidth_gb_s": 2 * per_step * steps / best / 1e9,  # read + write
    }


def calls_per_step(scenario, seed: int, agents: str, steps: int = 20) -> float:
    """Python-level function calls a step makes (cProfile's count over a fresh model's first
    ``steps`` steps; calls into compiled kernels count once, their insides not at all)."""
    model = SocialWebModel(scenario, seed=seed, agents=agents)
    profiler = cProfile.Profile()
    profiler.enable()
    model.run(steps)
    profiler.disable()
    return pstats.Stats(profiler).total_calls / steps


# run in a fresh process (``kernel_split``): every compiled kernel the model fetches through
# model.jit is wrapped in a timer before any module caches one
_SPLIT = """
import json, sys, time
import model.jit as J
spent = [0.0, 0]
def timing(build):
    def wrapped(func):
        kernel = build(func)
        def timed(*args):
            start = time.perf_counter()
            try:
                return kernel(*args)
            finally:
                spent[0] += time.perf_counter() - start
                spent[1] += 1
        return timed
    return wrapped
J.compiled = timing(J.compiled)
J.compiled_threaded = timing(J.compiled_threaded)
from model import SocialWebModel, load_scenario
from model.sim import warm_up
warm_up(threads=True)
path, agents = sys.argv[1], sys.argv[5]
n, steps, seed = (int(a) for a in sys.argv[2:5])
scenario = load_scenario(path, {"population.citizens": n, "steps": steps})
best = None
for _ in range(3):
    model = SocialWebModel(scenario, seed=seed, agents=agents)
    spent[:] = [0.0, 0]
    start = time.perf_counter()
    model.run()
    total = time.perf_counter() - start
    if best is None or total < best[0]:
        best = (total, spent[0], spent[1])
split = {"step_s": best[0], "kernel_s": best[1], "kernel_calls_per_step": best[2] / steps}
print(json.dumps(split))
"""


def kernel_split(path: str, citizens: int, steps: int, seed: int, agents: str) -> dict:
    """Stepping time inside compiled kernels (each call timed from Python, its dispatch
    included) and in total, best of three runs in a fresh process whose kernels are all timed:
    the rest is the Python and NumPy between them. The timers add a fraction of a microsecond
    a call to both figures."""
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", _SPLIT, path, str(citizens), str(steps), str(seed), agents],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--citizens", type=int, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--agents", default="auto", choices=["auto", "all", "parties"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="cProfile the stepping")
    ap.add_argument("--floor", action="store_true", help="also measure the traffic floor")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of a fresh model each (same seed); set-up and stepping are their medians",
    )
    ap.add_argument(
        "--whole",
        action="store_true",
        help="run the steps in one model.run call (no cumulative marks but the last)",
    )
    args = ap.parse_args()

    # compiled kernels (and the threaded builds large runs use) come from numba's on-disk cache,
    # compiled once per machine: not part of set-up or stepping
    warm_up(threads=True)
    profiler = cProfile.Profile() if args.profile else None
    setups, steppings = [], []
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        scenario = load_scenario(
            args.scenario, {"population.citizens": args.citizens, "steps": args.steps}
        )
        model = SocialWebModel(scenario, seed=args.seed, agents=args.agents)
        setups.append(time.perf_counter() - start)
        # stepping is a run's: ``model.run``, as the runner, the CLI and sweeps call it (it
        # skips Mesa's event queue when nothing else is scheduled; docs/ARCHITECTURE.md, "Fused
        # steps"), in chunks that end at the marks of the cumulative time (a chunk's end costs
        # a few µs)
        elapsed, marks, done = 0.0, {}, 0
        marked = {s for s in range(1, args.steps + 1) if s in (1, 2, 5) or s % 10 == 0}
        for end in [args.steps] if args.whole else sorted(marked | {args.steps}):
            if profiler:
                profiler.enable()
            start = time.perf_counter()
            model.run(end - done)
            elapsed += time.perf_counter() - start
            if profiler:
                profiler.disable()
            done = end
            marks[end] = elapsed
        steppings.append(elapsed)
    reads = int(model.voice_totals.sum())
    setup_s, elapsed = float(np.median(setups)), float(np.median(steppings))

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
        "step_s_runs": steppings,  # each run's, in order (the first in a fresh process)
        "cumulative_step_s": marks,
        "citizen_steps_per_s": args.citizens * args.steps / elapsed,
        "posts_read": reads,
        "posts_read_per_s": reads / elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.floor:
        out["floor"] = traffic_floor(model, args.steps, reads)
        out["floor"]["python_calls_per_step"] = calls_per_step(scenario, args.seed, args.agents)
        out["floor"]["split"] = kernel_split(
            args.scenario, args.citizens, args.steps, args.seed, args.agents
        )
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
