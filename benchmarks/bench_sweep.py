"""Sweep throughput: runs per second with 1 and 2 local workers, and the Dask backend's overhead.

Run: .venv/bin/python benchmarks/bench_sweep.py [--runs 200]

Every configuration runs the same experiment (a grid of classroom-sized runs) in one process, so
the figures are comparable as ratios within one run of this script (the machine is shared and
noisy; absolute seconds are not). Pool and cluster start-up are timed apart from the runs. 200
runs by default: at about 20 ms a run, 40 (the earlier default) took half a second, which the
sweep's own set-up and a shared machine's hiccups blur by 10-20 %.
Per-run overhead of Dask = (Dask wall time − local pool wall time, both already started, 2
workers) / runs. Results go to benchmarks/results/sweep.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import record  # noqa: E402
from model.config.experiment import experiment_from_dict  # noqa: E402
from model.pool import context  # noqa: E402
from model.sweeps import executor_for, sweep  # noqa: E402


def experiment(runs: int):
    return experiment_from_dict(
        {
            "name": "bench_sweep",
            "scenario": {
                "steps": 120,
                "population": {"citizens": 500},
                "parties": {
                    "blue": {
                        "position": 0.25,
                        "institution": {"enabled": True},
                        "staff": {"per_1000": 4},  # 2 among 500 citizens
                        "champions": {"enabled": True, "initial_per_1000": 10},
                    },
                    "red": {"position": -0.25, "institution": {"enabled": True}},
                },
            },
            "vary": {"parties.blue.champions.guidance": [0.1, 0.5]},
            "replicates": max(1, runs // 2),
            "seed": 1,
            "outputs": ["vote_share.blue"],
        },
        source="<bench>",
        base_dir=Path.cwd(),
    )


def per_run_costs(exp, runs: int = 10) -> dict:
    """Where one sweep run's time goes, in this process (medians over ``runs`` runs of the
    experiment's first point): building the model (network, population, agents), stepping it,
    and the whole worker task (``sweeps.run_to_file``: the run, its summary and row, the Parquet
    file written); fixed cost = the task minus the stepping."""
    import statistics
    import tempfile

    from model.runner import election_day_only
    from model.sim import SocialWebModel
    from model.sweeps import STATE, run_to_file

    scenario = exp.scenario_at(exp.points()[0])
    setup, stepping, task = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / STATE).write_text("{}")
        for r in range(runs):
            start = time.perf_counter()
            model = SocialWebModel(election_day_only(scenario), seed=r, agents="parties")
            setup.append(time.perf_counter() - start)
            stepping.append(timed(model.run))
            task.append(timed(lambda r=r: run_to_file(scenario, r, 0, r, {}, folder)))
    ms = {k: 1000 * statistics.median(v) for k, v in (("setup", setup), ("stepping", stepping))}
    ms["task"] = 1000 * statistics.median(task)
    return {
        "setup_ms": round(ms["setup"], 1),
        "stepping_ms": round(ms["stepping"], 1),
        "task_ms": round(ms["task"], 1),
        "fixed_ms": round(ms["task"] - ms["stepping"], 1),
    }


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    exp = experiment(args.runs)
    n = len(exp.points()) * exp.replicates
    sweep(experiment(2))  # warm up: numba cache, imports
    figures = {"runs": n}
    figures["per_run"] = per_run_costs(exp)
    t = timed(lambda: sweep(exp, jobs=1))
    figures["local_1_worker_s"] = round(t, 3)
    figures["local_1_worker_runs_per_s"] = round(n / t, 2)
    t = timed(lambda: sweep(exp, jobs=2))
    figures["local_2_workers_with_pool_start_s"] = round(t, 3)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2, mp_context=context()) as pool:
        list(pool.map(abs, [1, 2]))  # both workers up
        figures["local_pool_start_s"] = round(time.perf_counter() - start, 3)
        t = timed(lambda: sweep(exp, executor=pool))
    figures["local_2_workers_s"] = round(t, 3)
    figures["local_2_workers_runs_per_s"] = round(n / t, 2)
    start = time.perf_counter()
    with executor_for("dask", jobs=2) as executor:
        up = time.perf_counter() - start
        t = timed(lambda: sweep(exp, executor=executor))
    figures["dask_cluster_start_s"] = round(up, 3)
    figures["dask_2_workers_s"] = round(t, 3)
    figures["dask_2_workers_runs_per_s"] = round(n / t, 2)
    figures["speedup_2_vs_1_local"] = round(
        figures["local_1_worker_s"] / figures["local_2_workers_s"], 2
    )
    figures["speedup_2_vs_1_local_with_pool_start"] = round(
        figures["local_1_worker_s"] / figures["local_2_workers_with_pool_start_s"], 2
    )
    figures["dask_overhead_per_run_ms"] = round(
        1000 * (figures["dask_2_workers_s"] - figures["local_2_workers_s"]) / n, 1
    )
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(record("sweep", figures))


if __name__ == "__main__":
    main()
