"""Experiments: a design × replicates of runs of one base scenario → a table of outcomes.

Runs stream to disk as they finish: each worker writes its own one-row Parquet file
``runs/p<point>-r<replicate>.parquet`` (temporary name, then ``os.replace``), or
``failed/<key>.json`` with the error if the run raised — the sweep goes on. The parent keeps no
results in memory; ``runs.parquet`` is assembled from the files at the end, so memory stays flat
however many runs. Rerunning with ``resume=True`` on the same folder skips every run whose file
exists (failed runs are retried), after checking that the folder holds the same experiment.

The folder's life: ``sweep.json`` (the experiment, written atomically) comes first, before
``runs/`` and ``failed/``, so a folder without it holds nothing of value and is started afresh.
While a sweep runs it holds ``.lock`` (``flock``, non-blocking): a second sweep or ``--resume``
on the same folder is refused instead of repeating the work. Workers get the folder as an
absolute path and must see the same folder (on a cluster: a shared filesystem); one task checks
that before any run is sent (:func:`check_shared`), and each task checks that ``sweep.json`` is
there before it runs. A sweep whose files do not cover every (point, replicate) of its design
raises :class:`IncompleteSweepError` and is never marked complete.

Seeds: replicate r uses ``rng.replicate_seeds(experiment.seed, replicates)[r]`` at every design
point (common random numbers across points), so results do not depend on the backend, the
number of workers or the order runs finish in.

A contrast sweep (``contrast:`` in the experiment) runs both arms in one task, replicate r of
each on that same seed, and writes one row: every output as a − b under its own name, and each
arm's level as ``a.<output>`` and ``b.<output>`` (:func:`contrast_row`). One file per (point,
replicate) as before, so resuming, failure records and completeness work unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import socket
import tempfile
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.comparison import run_all, run_row
from model.config import ConfigError, Scenario, scenario_to_dict
from model.config.experiment import Experiment, arm_column, experiment_to_dict
from model.config.load import OutputError
from model.rng import replicate_seeds
from model.runner import check_files, election_day_only, run

try:
    import fcntl
except ImportError:  # Windows: no flock; sweeps there take no lock
    fcntl = None  # type: ignore[assignment]

RUNS, FAILED, STATE, LOCK = "runs", "failed", "sweep.json", ".lock"
PROBE = ".probe-"  # + a random token: the shared-folder check's file
RUN_COLUMNS = ("point", "replicate", "seed")


class SweepFolderError(OutputError):
    """The output folder cannot take this sweep, or holds unreadable files (bad input: exit 2)."""


class IncompleteSweepError(RuntimeError):
    """The runs found on disk do not cover the design: the sweep is not complete (exit 1)."""


def run_key(point: int, replicate: int) -> str:
    return f"p{point:06d}-r{replicate:05d}"


def run_id(scenario: Scenario | Mapping[str, Scenario], seed: int) -> str:
    """Hash of the run's canonical spec: the resolved scenario (a contrast's: both arms) and
    the seed."""
    if isinstance(scenario, Scenario):
        spec: dict[str, Any] = {"scenario": scenario_to_dict(scenario)}
    else:
        spec = {"contrast": {tag: scenario_to_dict(s) for tag, s in scenario.items()}}
    text = json.dumps({**spec, "seed": seed}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint(experiment: Experiment) -> str:
    """What makes two experiments the same for resuming: base, design, seed, outputs. Not the
    number of replicates: replicate r's seed does not depend on it, so ``--resume
    --replicates R`` adds replicates to a sweep (finished or not) without repeating any run."""
    spec = {
        "base": scenario_to_dict(experiment.base),
        "factors": [vars(f) for f in experiment.factors],
        "design": experiment.design,
        "samples": experiment.samples,
        "seed": experiment.seed,
        "outputs": list(experiment.outputs),
    }
    if experiment.contrast is not None:  # only then: sweeps without one keep their fingerprint
        spec["contrast"] = experiment_to_dict(experiment)["contrast"]
    if experiment.given:  # likewise: values given per point (robust --posterior)
        spec["given"] = [dict(g) for g in experiment.given]
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def run_outcomes(scenario: Scenario, seed: int, replicate: int) -> dict[str, Any]:
    """One run's outcome row (the runs-table columns plus ``steps`` actually run).

    The row holds final outcomes and campaign totals only, so the run records its metrics on
    election day alone (``runner.election_day_only``: the same dynamics and the same row as
    recording every step, without measuring the days in between)."""
    result = run(election_day_only(scenario), seed=seed, timeseries=False)
    row = run_row(result, replicate)
    row["steps"] = result.summary["steps"]
    return row


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def contrast_row(rows: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """One contrast run's row from its arms' outcome rows (``{"a": ..., "b": ...}``, same seed
    and replicate): every numeric output both report as a − b, then each arm's own values as
    ``a.<output>``, ``b.<output>``. An output either arm lacks a value for is None."""
    a, b = rows["a"], rows["b"]
    row: dict[str, Any] = {"replicate": a["replicate"], "seed": a["seed"]}
    for key, value in a.items():
        if key in row or key not in b:
            continue
        if _number(value) and _number(b[key]):
            row[key] = value - b[key]
        elif value is None or b[key] is None:
            row[key] = None
    for tag, levels in rows.items():
        row.update({arm_column(tag, k): v for k, v in levels.items() if k not in RUN_COLUMNS})
    return row


def run_to_file(
    scenario: Scenario | Mapping[str, Scenario],
    seed: int,
    point: int,
    replicate: int,
    varied: dict[str, Any],
    folder: str,
) -> str:
    """Worker task: run and write the outcome row to ``folder``; never raises for a model error.
    ``scenario`` is one scenario, or a contrast's arms (``{"a": ..., "b": ...}``), each run on
    ``seed``.

    ``folder`` is absolute and must be the sweep's folder as this worker sees it: without its
    ``sweep.json`` the task raises :class:`SweepFolderError` before running (it never creates the
    folder: a worker that cannot see it must not write a copy of its own elsewhere).

    Returns ``"done"`` or ``"failed"``.
    """
    key = run_key(point, replicate)
    base = Path(folder)
    if not (base / STATE).is_file():
        raise SweepFolderError(
            f"--out: {folder}: a worker on {socket.gethostname()} cannot see this sweep folder "
            f"(no {STATE} there); workers need the output folder on a filesystem they share"
        )
    try:
        if isinstance(scenario, Scenario):
            row = run_outcomes(scenario, seed, replicate)
        else:
            row = contrast_row({t: run_outcomes(s, seed, replicate) for t, s in scenario.items()})
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
    # uncompressed: a one-row file is mostly its schema and metadata, which zstd shrinks by a
    # few percent at twice the writing time (about 0.8 ms a run)
    pq.write_table(table, sink, compression="none")
    _write_atomic(base / RUNS / f"{key}.parquet", sink.getvalue().to_pybytes())
    stale = base / FAILED / f"{key}.json"
    with contextlib.suppress(FileNotFoundError):
        stale.unlink()
    return "done"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(exist_ok=True)  # runs/ or failed/, never the sweep folder itself
    # pid and a random part: two workers on two machines may share a pid
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def design_table(experiment: Experiment) -> pd.DataFrame:
    """One row per design point: ``point`` and the varied keys."""
    points = experiment.points()
    frame = pd.DataFrame(points) if points and points[0] else pd.DataFrame(index=range(1))
    frame.insert(0, "point", range(len(frame)))
    return frame


def design_keys(experiment: Experiment) -> list[tuple[int, int]]:
    """Every (point, replicate) of the design, in table order."""
    return [(p, r) for p in range(len(experiment.points())) for r in range(experiment.replicates)]


def short_error(err: BaseException) -> str:
    """``Type: first line of the message`` (at most 160 characters), for one-line errors."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0][:160]}" if text else type(err).__name__


def _is_ours(entry: Path) -> bool:
    """Files a sweep leaves that hold no result: its lock, probes, cut-short writes."""
    name = entry.name
    ours = name == LOCK or name.startswith(PROBE) or (name.startswith(".") and ".tmp-" in name)
    return ours and not entry.is_dir()


def _holds_results(folder: Path) -> bool:
    """Whether ``folder`` holds anything but an empty sweep skeleton (runs/, failed/, .lock)."""
    for entry in folder.iterdir():
        if _is_ours(entry):
            continue
        if entry.name in (RUNS, FAILED) and entry.is_dir() and not entry.is_symlink():
            if any(not _is_ours(e) for e in entry.iterdir()):
                return True
            continue
        return True
    return False


def _read_state(folder: Path) -> dict[str, Any]:
    state = folder / STATE
    try:
        record = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise SweepFolderError(
            f"{state}: expected the sweep's record (JSON written by socialweb sweep), "
            f"it is unreadable ({short_error(err)})"
        ) from None
    if not isinstance(record, dict) or not isinstance(record.get("fingerprint"), str):
        raise SweepFolderError(
            f"{state}: expected the sweep's record (JSON written by socialweb sweep), "
            "it has no fingerprint"
        )
    return record


def check_folder(experiment: Experiment, folder: Path, *, resume: bool) -> bool:
    """Refuse a folder that cannot take this sweep (:class:`SweepFolderError`), writing nothing.

    Returns True when the folder holds this experiment's sweep (to resume), False when the sweep
    starts afresh (no folder, an empty one, or the skeleton of a sweep killed before it wrote
    ``sweep.json``).
    """
    folder = Path(folder)
    try:
        for parent in folder.parents:
            if parent.exists() and not parent.is_dir():
                raise SweepFolderError(
                    f"--out: {folder}: expected a folder path, but {parent} is a file"
                )
        if not folder.exists():
            if folder.is_symlink():
                raise SweepFolderError(f"--out: {folder}: expected a folder, got a dangling link")
            return False
        if not folder.is_dir():
            kind = "a file" if folder.is_file() else "a special file, not a folder"
            raise SweepFolderError(f"--out: {folder}: expected a new or empty folder, got {kind}")
        holds = (folder / STATE).exists() or _holds_results(folder)
    except OSError as err:  # e.g. a parent folder this user may not read
        raise SweepFolderError(f"--out: {folder}: cannot read it ({short_error(err)})") from None
    if not holds:
        return False
    if not resume:
        raise SweepFolderError(
            f"--out: {folder}: expected a new or empty folder, it already "
            "holds files (add --resume to finish an interrupted sweep)"
        )
    if not (folder / STATE).exists():
        raise SweepFolderError(f"--resume: {folder}: not a sweep folder (no {STATE})")
    saved = _read_state(folder)
    if saved["fingerprint"] != fingerprint(experiment):
        raise SweepFolderError(
            f"--resume: {folder}: holds a different experiment "
            f"({saved.get('experiment')!r}, other settings); use a new "
            "--out folder"
        )
    return True


def _check_run_file(path: Path) -> None:
    """A run file's footer and columns (cheap): a truncated or foreign file is refused."""
    try:
        meta = pq.read_metadata(path)
        names = set(meta.schema.names)
    except (OSError, ValueError, pa.ArrowException) as err:
        raise SweepFolderError(
            f"{path}: expected a run's Parquet file written by socialweb sweep, it is unreadable "
            f"({short_error(err)}); delete it and rerun with --resume to redo that run"
        ) from None
    if meta.num_rows != 1 or not set(RUN_COLUMNS) <= names:
        raise SweepFolderError(
            f"{path}: expected a run's Parquet file written by socialweb sweep (one row with "
            f"{', '.join(RUN_COLUMNS)}); delete it and rerun with --resume to redo that run"
        )


def prepare_folder(experiment: Experiment, folder: Path, *, resume: bool) -> set[str]:
    """Create or check the sweep folder; return the keys of runs already done.

    Call it holding the folder's lock (:func:`folder_lock`). ``sweep.json`` is written first, so
    a folder without it never holds results.
    """
    folder = Path(folder)
    resuming = check_folder(experiment, folder, resume=resume)
    keys = {run_key(p, r) for p, r in design_keys(experiment)}
    done: set[str] = set()
    if resuming:
        for path in sorted((folder / RUNS).glob("*.parquet")) if (folder / RUNS).is_dir() else []:
            if path.stem in keys:
                _check_run_file(path)
                done.add(path.stem)
    folder.mkdir(parents=True, exist_ok=True)
    for stray in [p for p in folder.iterdir() if _is_ours(p) and p.name != LOCK]:
        stray.unlink()  # a probe or a write cut short by a crash
    # written afresh when resuming too: the replicates may have changed
    record = {
        "experiment": experiment.name,
        "source": experiment.source,
        "fingerprint": fingerprint(experiment),
        "resolved": experiment_to_dict(experiment),
    }
    _write_atomic(folder / STATE, json.dumps(record, indent=2, default=str).encode())
    (folder / RUNS).mkdir(exist_ok=True)
    (folder / FAILED).mkdir(exist_ok=True)
    for stray in list((folder / RUNS).glob(".*.tmp-*")) + list((folder / FAILED).glob(".*.tmp-*")):
        stray.unlink()  # a write cut short by a crash; its run is not done
    for key in done:  # a run written, then killed before its old failure record was removed
        with contextlib.suppress(FileNotFoundError):
            (folder / FAILED / f"{key}.json").unlink()
    return done


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder/.lock`` exclusively for the block (``flock``, non-blocking), creating the
    folder if needed; another holder → :class:`SweepFolderError`. The lock file is removed on the
    way out. Where the filesystem has no locks (or on Windows) the block runs unlocked."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SweepFolderError(f"--out: {folder}: cannot create it ({short_error(err)})") from None
    path = folder / LOCK
    fd: int | None = None
    if fcntl is not None:
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as err:
                raise SweepFolderError(
                    f"--out: {folder}: cannot write in it ({short_error(err)})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise SweepFolderError(
                    f"--out: {folder}: another sweep is running in this folder (it holds {LOCK}); "
                    "wait for it to finish, or use another folder"
                ) from None
            except OSError:  # no locks on this filesystem (ENOLCK, EOPNOTSUPP): run unlocked
                os.close(fd)
                fd = None
                break
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the previous holder removed this file as we opened it: lock anew
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # removed while still held, so no one can lock a stale file
        if fd is not None:
            os.close(fd)


def probe_folder(folder: str, name: str) -> tuple[str, str | None]:
    """Worker task: (this machine's name, the text of ``folder/name`` or None if unreadable)."""
    try:
        return socket.gethostname(), (Path(folder) / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return socket.gethostname(), None


def check_shared(executor: Executor, folder: Path) -> None:
    """Check, with one task on ``executor``, that its workers see ``folder`` as this process
    does: write a file with a random token, have a worker read it back. A worker that finds
    nothing (another machine without the shared filesystem, a relative path resolved in another
    working directory) or another file there → :class:`SweepFolderError`."""
    token = secrets.token_hex(8)
    probe = Path(folder) / f"{PROBE}{token}"
    try:
        probe.write_text(token, encoding="utf-8")
        host, seen = executor.submit(probe_folder, str(folder), probe.name).result()
    finally:
        with contextlib.suppress(FileNotFoundError):
            probe.unlink()
    if seen != token:
        raise SweepFolderError(
            f"--out: {folder}: the workers cannot see this folder (a worker on {host} did not "
            f"find the file {probe.name} written there from this machine); workers need the "
            "output folder on a filesystem they share"
        )


def read_table(path: Path, what: str, advice: str = "") -> pd.DataFrame:
    """A Parquet file of a sweep folder, or one SweepFolderError line naming it (bad input)."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as err:
        raise SweepFolderError(
            f"{path}: expected {what}, it is unreadable ({short_error(err)}){advice}"
        ) from None


def _read_run(path: Path, point: int, replicate: int) -> pa.Table:
    """One run's file as an Arrow table, checked: one row, for ``point`` and ``replicate``,
    with every runs-table column (read without pandas: the whole table converts once)."""
    advice = "; delete it and rerun with --resume to redo that run"
    try:
        # one small file: ParquetFile on its bytes, one thread (read_table sets up a dataset
        # scan, four times the cost for a one-row file)
        table = pq.ParquetFile(pa.BufferReader(path.read_bytes())).read(use_threads=False)
    except (OSError, ValueError, pa.ArrowException) as err:
        raise SweepFolderError(
            f"{path}: expected a run's Parquet file written by socialweb sweep, it is "
            f"unreadable ({short_error(err)}){advice}"
        ) from None
    ok = table.num_rows == 1 and set(RUN_COLUMNS) <= set(table.column_names)
    if ok:
        found = (table.column("point")[0].as_py(), table.column("replicate")[0].as_py())
        ok = found == (point, replicate)
    if not ok:
        raise SweepFolderError(
            f"{path}: expected one row for point {point}, replicate {replicate}{advice}"
        )
    return table


def _read_failure(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return {k: record[k] for k in ("point", "replicate", "seed", "error")}
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as err:
        raise SweepFolderError(
            f"{path}: expected a failed run's record written by socialweb sweep, it is "
            f"unreadable ({short_error(err)}); delete it and rerun with --resume to redo that run"
        ) from None


def collect(experiment: Experiment, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs table (sorted by point and replicate) and the failed runs, from the files.

    Every (point, replicate) of the design must have its run file or its failure record:
    otherwise :class:`IncompleteSweepError` (say, workers that wrote to a folder this process
    does not see). Files outside the design are ignored.
    """
    folder = Path(folder)
    frames, failed, missing = [], [], 0
    for p, r in design_keys(experiment):
        key = run_key(p, r)
        if (path := folder / RUNS / f"{key}.parquet").is_file():
            frames.append(_read_run(path, p, r))
        elif (path := folder / FAILED / f"{key}.json").is_file():
            failed.append(_read_failure(path))
        else:
            missing += 1
    if missing:
        total = len(experiment.points()) * experiment.replicates
        raise IncompleteSweepError(
            f"{folder}: {missing} of {total} runs are missing (no file in {RUNS}/ or "
            f"{FAILED}/), so the sweep is not complete and runs.parquet was not written; if the "
            "workers run elsewhere, they need this folder on a shared filesystem; then rerun "
            "with --resume"
        )
    # one conversion to pandas for all the runs (a column missing from a run's file, or all
    # null in it, takes the others' type; an int column in one file and a float one in another
    # become float, as pd.concat made them: Arrow's permissive promotion)
    frame = (
        pa.concat_tables(frames, promote_options="permissive").to_pandas()
        if frames
        else pd.DataFrame(columns=["point", "replicate", "seed"])
    )
    frame = frame.sort_values(["point", "replicate"], ignore_index=True)
    varied = [f.path for f in experiment.factors]
    renamed = {o: f"{o}_measured" for o in experiment.outputs if o in varied}
    outputs = [renamed.get(o, o) for o in experiment.outputs]
    if experiment.contrast is not None:  # then each arm's level, a's outputs before b's
        outputs += [
            arm_column(t, o) for t in experiment.contrast.arms() for o in experiment.outputs
        ]
    frame = frame.rename(columns=renamed)
    frame = frame.drop(columns=[c for c in varied if c in frame.columns])  # measured = set
    table = design_table(experiment).merge(frame, on="point", how="right")
    given = [k for k in (experiment.given[0] if experiment.given else {}) if k not in varied]
    table = table[
        [
            "point",
            "replicate",
            "seed",
            *varied,
            *given,
            *[o for o in outputs if o in table.columns],
        ]
    ]
    failures = pd.DataFrame(failed, columns=["point", "replicate", "seed", "error"])
    return table, failures


def sweep(
    experiment: Experiment,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    finish: Callable[[pd.DataFrame], Any] | None = None,
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
        executor: any ``concurrent.futures.Executor`` (e.g. a Dask client's) to run on; its
            workers must see ``out`` at the same absolute path (checked before any run).
        out: folder for the per-run files (default: a temporary folder, removed afterwards).
        resume: finish the sweep already in ``out``, skipping runs that are done.
        finish: called with the table while the folder is still locked (e.g. to write
            ``runs.parquet``), so no other sweep can start on the folder in between.

    Raises:
        SweepFolderError: ``out`` cannot take this sweep, another sweep holds it, workers cannot
            see it, or it holds unreadable files. Nothing is written when it is refused up
            front; a new folder made for the sweep is removed again if nothing was written.
        IncompleteSweepError: some runs of the design have no file after all tasks returned.
    """
    if experiment.contrast is not None:  # the CLI checks the base's files; a contrast runs its arms
        for tag, arm in experiment.contrast.arms().items():
            check_files(arm.scenario, f"{experiment.source} (contrast.{tag})")
    with _folder(out) as given:
        folder = Path(os.path.abspath(given))  # workers may run in another working directory
        check_folder(experiment, folder, resume=resume)  # refuse before writing anything
        made = _new_ancestor(folder)
        try:
            with folder_lock(folder):
                if executor is not None:
                    check_shared(executor, folder)
                done = prepare_folder(experiment, folder, resume=resume)
                table = _run(experiment, folder, done, jobs, progress, executor)
                if finish is not None:
                    finish(table)
        except BaseException:
            if made is not None:  # a folder made here and still empty: leave no trace
                _remove_empty(folder, made)
            raise
    return table


class SweepTasks(Sequence):
    """The tasks of a sweep's runs still to do, each built when a worker takes it: a task is
    ``(scenario, seed, point, replicate, point's values, folder)``, the scenario (a contrast's
    two arms) made from the design point then. Built up front, a design of 45,000 points held
    a gigabyte of scenarios and waited minutes before its first run; this way memory stays flat
    and the first run starts at once. Building is a pure function of the index, so it is safe
    from the pool's feeder thread and this process at once."""

    def __init__(
        self,
        experiment: Experiment,
        points: list[dict[str, Any]],
        keys: list[tuple[int, int]],
        folder: Path,
    ):
        self.experiment, self.points, self.keys = experiment, points, keys
        self.folder = str(folder)
        self.seeds = replicate_seeds(experiment.seed, experiment.replicates)

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, i: int) -> tuple[Any, ...]:  # type: ignore[override]
        p, r = self.keys[i]
        point = self.points[p]
        arms = self.experiment.arms_at(point)
        scenario = arms if self.experiment.contrast is not None else arms[""]
        return (scenario, self.seeds[r], p, r, dict(point), self.folder)


def _run(
    experiment: Experiment,
    folder: Path,
    done: set[str],
    jobs: int,
    progress: Callable[[int, int], None] | None,
    executor: Executor | None,
) -> pd.DataFrame:
    points = experiment.points()
    keys = [key for key in design_keys(experiment) if run_key(*key) not in done]
    tasks = SweepTasks(experiment, points, keys, folder)
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


def _new_ancestor(folder: Path) -> Path | None:
    """The outermost of ``folder`` and its parents that does not exist yet (None: it exists)."""
    if folder.exists():
        return None
    top = folder
    for parent in folder.parents:
        if parent.exists():
            break
        top = parent
    return top


def _remove_empty(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents up to ``top`` if they are empty (made by this sweep)."""
    for path in [folder, *folder.parents]:
        try:
            path.rmdir()
        except OSError:
            return
        if path == top:
            return


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
