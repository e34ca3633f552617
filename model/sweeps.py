"""Experiments: a design × replicates of runs of one base scenario → a table of outcomes.

Runs stream to disk as they finish: each worker writes its own one-row Parquet file
``runs/p<point>-r<replicate>.parquet`` (temporary name, then ``os.replace``), or
``failed/<key>.json`` with the error if the run raised — the sweep goes on. The parent keeps no
results in memory; ``runs.parquet`` is assembled from the files at the end, so memory stays flat
however many runs. Rerunning with ``resume=True`` on the same folder skips every run whose file
exists (failed runs are retried), after checking that the folder holds the same experiment.

Seeds: replicate r uses ``rng.replicate_seeds(experiment.seed, replicates)[r]`` at every design
point (common random numbers across points), so results do not depend on the backend, the
number of workers or the order runs finish in.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.comparison import run_all, run_row
from model.config import ConfigError, Scenario, scenario_to_dict
from model.config.experiment import Experiment, experiment_to_dict
from model.rng import replicate_seeds
from model.runner import run

RUNS, FAILED, STATE = "runs", "failed", "sweep.json"


class SweepFolderError(ValueError):
    """The output folder cannot take this sweep (bad input: exit 2)."""


def run_key(point: int, replicate: int) -> str:
    return f"p{point:06d}-r{replicate:05d}"


def run_id(scenario: Scenario, seed: int) -> str:
    """Hash of the run's canonical spec: the resolved scenario and the seed."""
    text = json.dumps(
        {"scenario": scenario_to_dict(scenario), "seed": seed}, sort_keys=True, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint(experiment: Experiment) -> str:
    """What makes two experiments the same for resuming: base, design, seeds, outputs."""
    spec = {
        "base": scenario_to_dict(experiment.base),
        "factors": [vars(f) for f in experiment.factors],
        "design": experiment.design,
        "samples": experiment.samples,
        "replicates": experiment.replicates,
        "seed": experiment.seed,
        "outputs": list(experiment.outputs),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def run_outcomes(scenario: Scenario, seed: int, replicate: int) -> dict[str, Any]:
    """One run's outcome row (the runs-table columns plus ``steps`` actually run)."""
    result = run(scenario, seed=seed)
    row = run_row(result, replicate)
    row["steps"] = result.summary["steps"]
    return row


def run_to_file(
    scenario: Scenario, seed: int, point: int, replicate: int, varied: dict[str, Any], folder: str
) -> str:
    """Worker task: run and write the outcome row to ``folder``; never raises for a model error.

    Returns ``"done"`` or ``"failed"``.
    """
    key = run_key(point, replicate)
    base = Path(folder)
    try:
        row = run_outcomes(scenario, seed, replicate)
    except Exception as err:  # noqa: BLE001 - a failed run is recorded, the sweep goes on
        _write_atomic(
            base / FAILED / f"{key}.json",
            json.dumps(
                {
                    "point": point,
                    "replicate": replicate,
                    "seed": seed,
                    "varied": varied,
                    "error": f"{type(err).__name__}: {err}",
                    "traceback": traceback.format_exc(),
                },
                indent=2,
                default=str,
            ).encode(),
        )
        return "failed"
    row = {"point": point, **row, "run_id": run_id(scenario, seed)}
    table = pa.Table.from_pylist([row])
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    _write_atomic(base / RUNS / f"{key}.parquet", sink.getvalue().to_pybytes())
    stale = base / FAILED / f"{key}.json"
    with contextlib.suppress(FileNotFoundError):
        stale.unlink()
    return "done"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def design_table(experiment: Experiment) -> pd.DataFrame:
    """One row per design point: ``point`` and the varied keys."""
    points = experiment.points()
    frame = pd.DataFrame(points) if points and points[0] else pd.DataFrame(index=range(1))
    frame.insert(0, "point", range(len(frame)))
    return frame


def prepare_folder(experiment: Experiment, folder: Path, *, resume: bool) -> set[str]:
    """Create or check the sweep folder; return the keys of runs already done."""
    folder = Path(folder)
    state = folder / STATE
    if folder.exists() and any(folder.iterdir()):
        if not resume:
            raise SweepFolderError(
                f"--out: {folder}: expected a new or empty folder, it already "
                "holds files (add --resume to finish an interrupted sweep)"
            )
        if not state.exists():
            raise SweepFolderError(f"--resume: {folder}: not a sweep folder (no {STATE})")
        saved = json.loads(state.read_text(encoding="utf-8"))
        if saved.get("fingerprint") != fingerprint(experiment):
            raise SweepFolderError(
                f"--resume: {folder}: holds a different experiment "
                f"({saved.get('experiment')!r}, other settings); use a new "
                "--out folder"
            )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RUNS).mkdir(exist_ok=True)
    (folder / FAILED).mkdir(exist_ok=True)
    for stray in list((folder / RUNS).glob(".*.tmp-*")) + list((folder / FAILED).glob(".*.tmp-*")):
        stray.unlink()  # a write cut short by a crash; its run is not done
    if not state.exists():
        record = {
            "experiment": experiment.name,
            "source": experiment.source,
            "fingerprint": fingerprint(experiment),
            "resolved": experiment_to_dict(experiment),
        }
        _write_atomic(state, json.dumps(record, indent=2, default=str).encode())

    return {p.stem for p in (folder / RUNS).glob("*.parquet")}


def collect(experiment: Experiment, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs table (sorted by point and replicate) and the failed runs, from the files."""
    folder = Path(folder)
    files = sorted((folder / RUNS).glob("*.parquet"))
    frame = (
        pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        if files
        else pd.DataFrame(columns=["point", "replicate", "seed"])
    )
    frame = frame.sort_values(["point", "replicate"], ignore_index=True)
    varied = [f.path for f in experiment.factors]
    renamed = {o: f"{o}_measured" for o in experiment.outputs if o in varied}
    outputs = [renamed.get(o, o) for o in experiment.outputs]
    frame = frame.rename(columns=renamed)
    frame = frame.drop(columns=[c for c in varied if c in frame.columns])  # measured = set
    table = design_table(experiment).merge(frame, on="point", how="right")
    table = table[
        ["point", "replicate", "seed", *varied, *[o for o in outputs if o in table.columns]]
    ]
    failed = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((folder / FAILED).glob("*.json"))
    ]
    failures = pd.DataFrame(
        [{k: f[k] for k in ("point", "replicate", "seed", "error")} for f in failed],
        columns=["point", "replicate", "seed", "error"],
    )
    return table, failures


def sweep(
    experiment: Experiment,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    out: str | Path | None = None,
    resume: bool = False,
) -> pd.DataFrame:
    """Run every design point ``replicates`` times; one row per successful run.

    Columns: ``point``, ``replicate``, ``seed``, the varied keys, then the experiment's outputs
    (an output named like a varied key, such as ``steps``, appears as ``steps_measured``).
    Runs that raised are listed in ``out/failed/`` and left out of the table (``df.attrs
    ["failed"]`` holds them).

    Args:
        experiment: a loaded experiment.
        jobs: local worker processes (ignored when ``executor`` is given).
        progress: called as ``progress(done, total)`` as runs finish (resumed runs count done).
        executor: any ``concurrent.futures.Executor`` (e.g. a Dask client's) to run on.
        out: folder for the per-run files (default: a temporary folder, removed afterwards).
        resume: finish the sweep already in ``out``, skipping runs that are done.
    """
    with _folder(out) as folder:
        done = prepare_folder(experiment, folder, resume=resume)
        points = experiment.points()
        seeds = replicate_seeds(experiment.seed, experiment.replicates)
        tasks = []
        for p, point in enumerate(points):
            scenario = None
            for r in range(experiment.replicates):
                if run_key(p, r) in done:
                    continue
                scenario = scenario or experiment.scenario_at(point)
                tasks.append((scenario, seeds[r], p, r, dict(point), str(folder)))
        total = len(points) * experiment.replicates
        skipped = total - len(tasks)

        def report(finished: int, _: int) -> None:
            if progress:
                progress(skipped + finished, total)

        if progress and skipped:
            progress(skipped, total)
        run_all(tasks, jobs=jobs, progress=report, executor=executor, fn=run_to_file)
        table, failures = collect(experiment, folder)
    table.attrs["failed"] = failures
    return table


@contextlib.contextmanager
def _folder(out: str | Path | None) -> Iterator[Path]:
    if out is not None:
        yield Path(out)
        return
    with tempfile.TemporaryDirectory(prefix="socialweb-sweep-") as tmp:
        yield Path(tmp)


@contextlib.contextmanager
def executor_for(
    backend: str,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
) -> Iterator[Executor | None]:
    """``local``: None (run_all starts local processes); ``dask``: a Dask client's executor on
    the cluster at ``scheduler``, or on a loopback ``LocalCluster`` of ``jobs`` workers."""
    if backend == "local":
        if scheduler:
            raise ConfigError(["--scheduler: only used with --backend dask"])
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(
            ["--backend dask: dask[distributed] is not installed (pip install 'dask[distributed]')"]
        ) from None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as err:
            raise ConfigError([f"--scheduler: {scheduler}: cannot connect ({err})"]) from None
        with client:
            yield client.get_executor()
        return
    with (
        LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client.get_executor()
