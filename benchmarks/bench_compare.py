"""Both cores for one compare: ``socialweb compare`` of a 20-run comparison, --jobs 1 against 2.

Run: .venv/bin/python benchmarks/bench_compare.py [--pairs 3] [--replicates 10]

Times the whole command as a user runs it (process start, imports, runs, report and plots) for two
reference scenarios × ``--replicates`` replicates. The two worker counts alternate (1, 2, 1, 2,
...) and the speed-up is taken pair by pair, so drift of this shared machine's speed cancels; the
median pair is reported. Results: benchmarks/results/compare.json.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--replicates", type=int, default=10)
    args = ap.parse_args()
    runs = len(SCENARIOS) * args.replicates
    one, two = [], []
    with tempfile.TemporaryDirectory(prefix="socialweb-bench-") as tmp:
        for k in range(args.pairs):
            one.append(timed(1, args.replicates, Path(tmp) / f"a{k}"))
            two.append(timed(2, args.replicates, Path(tmp) / f"b{k}"))
            print(
                f"pair {k + 1}: --jobs 1 {one[-1]:.2f} s, --jobs 2 {two[-1]:.2f} s, "
                f"speed-up {one[-1] / two[-1]:.2f}×",
                flush=True,
            )
    ratios = [a / b for a, b in zip(one, two, strict=True)]
    figures = {
        "runs": runs,
        "scenarios": SCENARIOS,
        "jobs1_s": one,
        "jobs2_s": two,
        "speedup_per_pair": ratios,
        "speedup_median": statistics.median(ratios),
    }
    print(
        f"\n{runs}-run compare, whole command: --jobs 2 is "
        f"{figures['speedup_median']:.2f}× --jobs 1 (median of {len(ratios)} pairs)"
    )
    path = record("compare", figures)
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
