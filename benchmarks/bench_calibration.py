"""The calibration loop: fitting the vote model, and batches of runs at posterior draws.

Run: .venv/bin/python benchmarks/bench_calibration.py [--repeats 3] [--replicates 20]

Two figures:

- ``calibrate``: the whole ``socialweb calibrate experiments/calibration/anes96_vote.yaml``
  command as a user runs it (process start, the statsmodels fits, the bootstrap of the hold-out
  scores, posterior draws, report and plot), median of ``--repeats``;
- ``batch``: a calibration batch as a simulation-based fit or ``compare --posterior`` runs it:
  the default scenario (champion_driven, 2,000 citizens × 365 days), each run at its own draw of
  the shipped posterior (docs/calibration/anes96_vote/posterior.parquet), on 1 and 2 local
  workers, in this process after start-up; runs per second. The same batch at the scenario's own
  parameters is beside it (a draw re-resolves the scenario and sets the logit vote choice);
- ``abc``: the ABC-SMC loop, ``socialweb calibrate experiments/calibration/
  canvass_trust_recovery.yaml`` (target simulation, one worker) as a command: its model runs
  (calibration.json's ``simulations``) per second of the whole command.

Results: benchmarks/results/calibration.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import record  # noqa: E402

EXPERIMENT = "experiments/calibration/anes96_vote.yaml"
ABC = "experiments/calibration/canvass_trust_recovery.yaml"
POSTERIOR = ROOT / "docs" / "calibration" / "anes96_vote" / "posterior.parquet"
SCENARIO = ROOT / "scenarios" / "champion_driven.yaml"


def calibrate_command(repeats: int) -> list[float]:
    exe = str(Path(sys.executable).parent / "socialweb")
    times = []
    with tempfile.TemporaryDirectory(prefix="socialweb-bench-") as tmp:
        for k in range(repeats):
            cmd = [exe, "calibrate", EXPERIMENT, "--out", str(Path(tmp) / f"c{k}")]
            start = time.perf_counter()
            subprocess.run([*cmd, "--progress", "none"], cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
            print(f"calibrate, repeat {k + 1}: {times[-1]:.2f} s", flush=True)
    return times


def abc_command() -> dict:
    exe = str(Path(sys.executable).parent / "socialweb")
    with tempfile.TemporaryDirectory(prefix="socialweb-bench-") as tmp:
        out = Path(tmp) / "abc"
        cmd = [exe, "calibrate", ABC, "--out", str(out), "--progress", "none", "--jobs", "1"]
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        seconds = time.perf_counter() - start
        result = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    runs = int(result["simulations"])
    print(f"ABC-SMC {ABC}: {runs} model runs in {seconds:.1f} s = {runs / seconds:.1f} runs/s")
    return {
        "experiment": ABC,
        "seconds": seconds,
        "simulations": runs,
        "generations": len(result["generations"]),
        "runs_per_s": runs / seconds,
    }


def batch(replicates: int) -> dict:
    import pandas as pd

    from model.comparison import compare
    from model.pool import prestart
    from model.runner import load_scenario, run

    prestart()
    scenario = load_scenario(SCENARIO)
    run(scenario, seed=0)  # load the compiled kernels
    posterior = pd.read_parquet(POSTERIOR)
    compare([scenario], replicates=1, seed=0, posterior=posterior)  # warm: the logit poll
    out: dict = {"replicates": replicates, "posterior_draws": len(posterior)}
    for label, draws in (("posterior", posterior), ("fixed", None)):
        for jobs in (1, 2):
            start = time.perf_counter()
            compare([scenario], replicates=replicates, seed=0, jobs=jobs, posterior=draws)
            seconds = time.perf_counter() - start
            out[f"{label}_jobs{jobs}_runs_per_s"] = replicates / seconds
            print(
                f"batch of {replicates} runs, {label} parameters, --jobs {jobs}: {seconds:.2f} s "
                f"= {replicates / seconds:.2f} runs/s",
                flush=True,
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--replicates", type=int, default=20)
    args = ap.parse_args()
    times = calibrate_command(args.repeats)
    figures = {
        "experiment": EXPERIMENT,
        "calibrate_s": times,
        "calibrate_median_s": statistics.median(times),
        "batch": batch(args.replicates),
        "abc": abc_command(),
    }
    path = record("calibration", figures)
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
