"""The full model at scale: champion_driven from 10³ to 10⁶ citizens, each run in its own process.

Run: .venv/bin/python benchmarks/bench_model.py [--sizes 1000 10000 100000 1000000] [--steps 100]

Figures per size: set-up time (network, population, agents), stepping time, citizen-steps per
second, posts read per second, peak RSS of the process, and cumulative stepping time at
checkpoints (to show cost grows linearly in steps). Also:

- the largest size again with a Mesa agent for every citizen (``agents: all``): by default
  (``auto``) per-citizen Mesa agents are created up to 200,000 citizens and only party agents
  above, which keeps the memory target; this row measures the alternative;
- the default run (2,000 citizens × 365 steps of champion_driven; the median of five runs, each
  of a fresh model run in one call, in one process), with its memory-traffic
  floor (``model_run.traffic_floor``: a compiled pass reading and writing the state and the
  step's messages once a step);
- a cProfile of 20 steps at 100,000 citizens: where the time goes.

Results: benchmarks/results/model.json (with the machine, versions and commit).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import record  # noqa: E402

WORKER = ROOT / "benchmarks" / "model_run.py"
SCENARIO = ROOT / "scenarios" / "champion_driven.yaml"


def run(citizens: int, steps: int, *extra: str) -> dict:
    cmd = [sys.executable, str(WORKER), str(SCENARIO), "--citizens", str(citizens)]
    cmd += ["--steps", str(steps), *extra]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["failed"])[-1]
        return {"n": citizens, "steps": steps, "error": last[:200]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description="full-model scaling")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args()

    rows = []
    for n in args.sizes:
        rows.append(run(n, args.steps))
        print(line(rows[-1]), flush=True)
    rows.append(run(max(args.sizes), args.steps, "--agents", "all"))
    print(line(rows[-1]), flush=True)
    # a run's own cost, as a batch of runs pays it: the median of five runs, each of a fresh
    # model run in one call, in one process (the first also pays the process's one-time costs)
    default = run(2000, 365, "--floor", "--repeat", "5", "--whole")
    print("default run (2,000 × 365):", line(default), flush=True)
    profiled = run(100_000, 20, "--profile")
    print("\nwhere the time goes (100,000 citizens, 20 steps, cProfile tottime):")
    for p in profiled.get("profile", []):
        print(f"  {p['share']:6.1%}  {p['seconds']:7.3f} s  {p['function']}")
    print()
    print(table(rows))
    path = record("model", {"rows": rows, "default_run": default, "profile": profiled})
    print(f"\nwritten {path.relative_to(ROOT)}")


def line(r: dict) -> str:
    if "error" in r:
        return f"N={r['n']:>9,}: {r['error']}"
    return (
        f"N={r['n']:>9,} ({r['agents']}): set-up {r['setup_s']:6.2f} s, {r['steps']} steps "
        f"{r['step_s']:7.2f} s = {r['citizen_steps_per_s'] / 1e6:6.2f} M citizen-steps/s, "
        f"{r['posts_read_per_s'] / 1e6:6.2f} M posts read/s, peak RSS {r['peak_rss_mb']:,.0f} MB"
    )


def table(rows: list[dict]) -> str:
    out = [
        "| citizens | Mesa agents | set-up (s) | stepping (s) | citizen-steps/s | posts read/s "
        "| peak RSS (MB) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['n']:,} | error: {r['error']} ||||||")
            continue
        out.append(
            f"| {r['n']:,} | {r['agents']} ({r['mesa_agents']:,}) | {r['setup_s']:.2f} "
            f"| {r['step_s']:.2f} | {r['citizen_steps_per_s']:,.0f} | {r['posts_read_per_s']:,.0f} "
            f"| {r['peak_rss_mb']:,.0f} |"
        )
    return "\n".join(out)


if __name__ == "__main__":
    main()
