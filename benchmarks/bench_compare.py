"""Both cores for one compare: a 20-run comparison with --jobs 1 against --jobs 2.

Run: .venv/bin/python benchmarks/bench_compare.py [--pairs 3] [--replicates 10]

Two figures, each from alternating pairs (1, 2, 1, 2, ...; the speed-up is taken pair by pair so
drift of this shared machine's speed cancels; the median pair is reported):

- ``runs``: ``compare()`` in this process — the runs themselves — after start-up (the pool's
  forkserver started and the kernels loaded once, as the CLI does at its start);
- ``command``: the whole ``socialweb compare`` command as a user runs it: process start, imports,
  runs, report and plots. Start-up and the report are serial, so this ratio is lower (Amdahl).

Results: benchmarks/results/compare.json.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import record  # noqa: E402

SCENARIOS = ["scenarios/party_absent.yaml", "scenarios/champion_driven.yaml"]


def timed(jobs: int, replicates: int, out: Path) -> float:
    cmd = [str(Path(sys.executable).parent / "socialweb"), "compare", *SCENARIOS]
    cmd += ["--replicates", str(replicates), "--jobs", str(jobs), "--out", str(out)]
    cmd += ["--progress", "none"]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def in_process(pairs: int, replicates: int) -> tuple[list[float], list[float]]:
    from model.comparison import compare
    from model.pool import prestart
    from model.runner import load_scenario, run

    prestart()
    scenarios = [load_scenario(ROOT / p) for p in SCENARIOS]
    run(scenarios[0], seed=0)  # load the compiled kernels here too
    one, two = [], []
    for k in range(pairs):
        for jobs, out in ((1, one), (2, two)):
            start = time.perf_counter()
            compare(scenarios, replicates=replicates, seed=k, jobs=jobs)
            out.append(time.perf_counter() - start)
        print(
            f"runs, pair {k + 1}: --jobs 1 {one[-1]:.2f} s, --jobs 2 {two[-1]:.2f} s, "
            f"speed-up {one[-1] / two[-1]:.2f}×",
            flush=True,
        )
    return one, two


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--replicates", type=int, default=10)
    args = ap.parse_args()
    runs = len(SCENARIOS) * args.replicates
    run_one, run_two = in_process(args.pairs, args.replicates)
    one, two = [], []
    with tempfile.TemporaryDirectory(prefix="socialweb-bench-") as tmp:
        for k in range(args.pairs):
            one.append(timed(1, args.replicates, Path(tmp) / f"a{k}"))
            two.append(timed(2, args.replicates, Path(tmp) / f"b{k}"))
            print(
                f"command, pair {k + 1}: --jobs 1 {one[-1]:.2f} s, --jobs 2 {two[-1]:.2f} s, "
                f"speed-up {one[-1] / two[-1]:.2f}×",
                flush=True,
            )
    runs_ratio = [a / b for a, b in zip(run_one, run_two, strict=True)]
    ratios = [a / b for a, b in zip(one, two, strict=True)]
    figures = {
        "runs": runs,
        "scenarios": SCENARIOS,
        "runs_jobs1_s": run_one,
        "runs_jobs2_s": run_two,
        "runs_speedup_per_pair": runs_ratio,
        "runs_speedup_median": statistics.median(runs_ratio),
        "jobs1_s": one,
        "jobs2_s": two,
        "speedup_per_pair": ratios,
        "speedup_median": statistics.median(ratios),
    }
    print(
        f"\n{runs}-run compare: the runs with --jobs 2 are "
        f"{figures['runs_speedup_median']:.2f}× as fast as with --jobs 1; the whole command "
        f"{figures['speedup_median']:.2f}× (medians of {len(ratios)} pairs)"
    )
    path = record("compare", figures)
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
