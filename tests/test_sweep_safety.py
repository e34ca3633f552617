"""Sweeps under faults and hostile input: bad --out folders refused in one line (exit 2, nothing
written), a lock against concurrent sweeps, crash leftovers that can be restarted, workers that
write elsewhere (relative paths, no shared filesystem), and a sweep whose runs do not cover its
design never marked complete."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Executor, Future
from pathlib import Path

import pandas as pd
import pytest
import yaml

import model.sweeps as sweeps
from model.cli import main
from model.config.experiment import load_experiment
from tests.conftest import ROOT, tiny_data

EXPERIMENT = {
    "name": "safety",
    "scenario": tiny_data(citizens=40, steps=3),
    "vary": {"steps": [3, 4]},
    "replicates": 2,
    "seed": 3,
    "outputs": ["turnout"],
}
RUNS = 4  # 2 points × 2 replicates


@pytest.fixture
def exp_path(tmp_path) -> Path:
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(EXPERIMENT), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished sweep folder (via the CLI), copied by the tests that damage it."""
    base = tmp_path_factory.mktemp("finished")
    path = base / "exp.yaml"
    path.write_text(yaml.safe_dump(EXPERIMENT), encoding="utf-8")
    out = base / "sweep"
    assert main(["sweep", str(path), "--out", str(out), "--progress", "none"]) == 0
    return out


def copy_of(finished: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(experiment file, a copy of the finished sweep folder) under tmp_path."""
    exp = tmp_path / "exp.yaml"
    exp.write_text(yaml.safe_dump(EXPERIMENT), encoding="utf-8")
    out = tmp_path / "sweep"
    shutil.copytree(finished, out)
    return exp, out


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under folder with its bytes (None for folders): to prove nothing changed."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


def sweep_cli(capsys, *args) -> tuple[int, str, str]:
    code = main(["sweep", *[str(a) for a in args], "--progress", "none"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in err
    return lines[0]


# --- bad --out and --resume folders: one line, exit 2, nothing written ----------------------


def _non_empty(tmp: Path) -> Path:
    (tmp / "out").mkdir()
    (tmp / "out" / "notes.txt").write_text("mine", encoding="utf-8")
    return tmp / "out"


def _a_file(tmp: Path) -> Path:
    (tmp / "out").write_text("mine", encoding="utf-8")
    return tmp / "out"


def _under_a_file(tmp: Path) -> Path:
    (tmp / "file.txt").write_text("mine", encoding="utf-8")
    return tmp / "file.txt" / "out"


BAD_OUT = {
    "non_empty_folder": (_non_empty, [], "expected a new or empty folder, it already holds files"),
    "a_file": (_a_file, [], "expected a new or empty folder, got a file"),
    "dev_null": (
        lambda tmp: Path("/dev/null"),
        [],
        "expected a new or empty folder, got a special",
    ),
    "under_a_file": (_under_a_file, [], "expected a folder path, but "),
    "resume_non_sweep_folder": (_non_empty, ["--resume"], "not a sweep folder (no sweep.json)"),
}


@pytest.mark.parametrize("case", list(BAD_OUT))
def test_bad_out_is_refused_in_one_line(tmp_path, exp_path, capsys, case):
    make, extra, expected = BAD_OUT[case]
    out = make(tmp_path)
    before = snapshot(tmp_path)
    code, stdout, err = sweep_cli(capsys, exp_path, "--out", out, *extra)
    assert (code, stdout) == (2, "")
    line = one_line(err)
    assert str(out) in line and expected in line, line
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "results").exists()


CORRUPT_FOR_RESUME = {
    "sweep_json_garbage": ("sweep.json", b"{not json", "expected the sweep's record"),
    "sweep_json_not_a_record": ("sweep.json", b"[1, 2]", "expected the sweep's record"),
    "run_file_truncated": ("runs/p000001-r00000.parquet", b"PAR1\x00\x01", "expected a run's"),
    "run_file_foreign": ("runs/p000000-r00001.parquet", None, "expected a run's Parquet file"),
}


@pytest.mark.parametrize("case", list(CORRUPT_FOR_RESUME))
def test_resume_refuses_a_corrupt_file(finished, tmp_path, capsys, case):
    name, data, expected = CORRUPT_FOR_RESUME[case]
    exp, out = copy_of(finished, tmp_path)
    (out / "runs.parquet").unlink()  # an interrupted sweep
    (out / "runs" / "p000001-r00001.parquet").unlink()  # with one run still to do
    if data is None:  # a valid Parquet file, but not a run's
        pd.DataFrame({"x": [1, 2]}).to_parquet(out / name)
    else:
        (out / name).write_bytes(data)
    before = snapshot(out)
    code, stdout, err = sweep_cli(capsys, exp, "--out", out, "--resume")
    assert (code, stdout) == (2, "")
    line = one_line(err)
    assert line.startswith(str(out / name)) and expected in line, line
    assert snapshot(out) == before


CORRUPT_FOR_ANALYZE = {
    "sweep_json_garbage": ("sweep.json", b"\xff\xfe garbage", "expected the sweep's record"),
    "sweep_json_no_resolved": ("sweep.json", b'{"fingerprint": "x"}', "expected the sweep's rec"),
    "runs_parquet_garbage": ("runs.parquet", b"not parquet at all", "expected the sweep's runs"),
    "runs_parquet_foreign": ("runs.parquet", None, "it has no point, replicate, seed"),
}


@pytest.mark.parametrize("case", list(CORRUPT_FOR_ANALYZE))
def test_analyze_refuses_a_corrupt_file_and_keeps_the_old_analysis(
    finished, tmp_path, capsys, case
):
    name, data, expected = CORRUPT_FOR_ANALYZE[case]
    _, out = copy_of(finished, tmp_path)
    (out / "analysis").mkdir()
    (out / "analysis" / "report.md").write_text("an earlier analysis\n", encoding="utf-8")
    if data is None:
        pd.DataFrame({"x": [1.0]}).to_parquet(out / name)
    else:
        (out / name).write_bytes(data)
    before = snapshot(out)
    code = main(["analyze", str(out)])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    line = one_line(captured.err)
    assert line.startswith(str(out / name)) and expected in line, line
    assert snapshot(out) == before


def test_analyze_refuses_a_runs_table_without_runs(finished, tmp_path, capsys):
    """What a sweep whose workers wrote elsewhere used to leave: an empty runs.parquet."""
    _, out = copy_of(finished, tmp_path)
    pd.read_parquet(out / "runs.parquet").iloc[:0].to_parquet(out / "runs.parquet")
    before = snapshot(out)
    code = main(["analyze", str(out)])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    line = one_line(captured.err)
    assert line.startswith(str(out / "runs.parquet")) and "holds no finished run" in line, line
    assert snapshot(out) == before


# --- the lock, crash leftovers ------------------------------------------------------------


def test_a_second_sweep_on_a_running_folder_is_refused(exp_path, tmp_path, capsys, monkeypatch):
    """Sweep A runs in a thread and waits inside its first run; a --resume on the same folder
    meanwhile must be refused at once (without the lock it would run A's runs again)."""
    out = tmp_path / "out"
    real = sweeps.run_outcomes
    started, release = threading.Event(), threading.Event()
    ran_by_b = []

    def run_outcomes(scenario, seed, replicate):
        if threading.current_thread().name == "sweep-a":
            started.set()
            release.wait(30)
        else:
            ran_by_b.append(replicate)
        return real(scenario, seed, replicate)

    monkeypatch.setattr(sweeps, "run_outcomes", run_outcomes)
    result = {}
    a = threading.Thread(
        target=lambda: result.update(table=sweeps.sweep(load_experiment(exp_path), out=out)),
        name="sweep-a",
    )
    a.start()
    try:
        assert started.wait(30)
        code, stdout, err = sweep_cli(capsys, exp_path, "--out", out, "--resume")
    finally:
        release.set()
        a.join(60)
    assert (code, stdout) == (2, "")
    line = one_line(err)
    assert str(out) in line and "another sweep is running" in line, line
    assert ran_by_b == []
    assert len(result["table"]) == RUNS
    assert not (out / ".lock").exists()  # released and removed when A ended
    code, stdout, err = sweep_cli(capsys, exp_path, "--out", out, "--resume")
    assert code == 0, err
    assert ran_by_b == []  # A did them all
    assert len(pd.read_parquet(out / "runs.parquet")) == RUNS


@pytest.mark.parametrize("resume", [False, True])
def test_skeleton_of_a_sweep_killed_before_sweep_json_restarts(exp_path, tmp_path, capsys, resume):
    """What a sweep killed before writing sweep.json used to leave: runs/ and failed/, empty."""
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    (out / "failed").mkdir()
    (out / "runs" / ".p000000-r00000.parquet.tmp-123").write_bytes(b"cut short")
    code, stdout, err = sweep_cli(capsys, exp_path, "--out", out, *(["--resume"] * resume))
    assert code == 0, err
    assert len(pd.read_parquet(out / "runs.parquet")) == RUNS
    assert not list((out / "runs").glob(".*"))


def test_sweep_json_comes_before_anything_else(exp_path, tmp_path, monkeypatch):
    """Killed while writing sweep.json: the folder is left as it was (here: empty), so it can
    be started again; no skeleton without sweep.json."""
    out = tmp_path / "out"
    out.mkdir()

    def killed(_):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweeps, "experiment_to_dict", killed)
    with pytest.raises(KeyboardInterrupt):
        sweeps.sweep(load_experiment(exp_path), out=out)
    assert list(out.iterdir()) == []
    monkeypatch.undo()
    assert len(sweeps.sweep(load_experiment(exp_path), out=out, resume=True)) == RUNS


# --- workers that write elsewhere; completeness ---------------------------------------------


def test_runs_missing_from_the_folder_never_mark_the_sweep_complete(
    exp_path, tmp_path, capsys, monkeypatch
):
    """Tasks that report done but whose files never reach the folder (a worker writing
    elsewhere): exit 1, one line with the count, no runs.parquet; --resume then finishes."""
    real = sweeps.run_to_file

    def lost(scenario, seed, point, replicate, varied, folder):
        if point == 1:
            return "done"  # written somewhere this process does not see
        return real(scenario, seed, point, replicate, varied, folder)

    monkeypatch.setattr(sweeps, "run_to_file", lost)
    out = tmp_path / "out"
    code, stdout, err = sweep_cli(capsys, exp_path, "--out", out)
    assert (code, stdout) == (1, "")
    line = one_line(err)
    assert "2 of 4 runs are missing" in line and str(out) in line, line
    assert not (out / "runs.parquet").exists()
    monkeypatch.undo()
    code, stdout, err = sweep_cli(capsys, exp_path, "--out", out, "--resume")
    assert code == 0, err
    assert len(pd.read_parquet(out / "runs.parquet")) == RUNS


def test_write_sweep_refuses_a_table_that_does_not_cover_the_design(finished, tmp_path):
    from model.report import write_sweep

    exp = load_experiment(copy_of(finished, tmp_path)[0])
    runs = pd.read_parquet(finished / "runs.parquet")
    out = tmp_path / "partial"
    out.mkdir()
    failed = pd.DataFrame(columns=["point", "replicate", "seed", "error"])
    with pytest.raises(RuntimeError, match="1 of 4 runs are missing") as info:
        write_sweep(exp, runs.iloc[:3], failed, out)
    assert info.type.__name__ == "IncompleteSweepError"
    assert list(out.iterdir()) == []


class Elsewhere(Executor):
    """A stand-in for workers on another machine without the shared filesystem: each task runs
    (in this process) with the sweep folder's path resolved under another root, ``elsewhere``,
    where nothing of this machine's folder exists — the same path, another filesystem.
    ``only`` limits that to one task function (the rest see this machine's files)."""

    def __init__(self, folder: Path, elsewhere: Path, only=None):
        self.folder, self.elsewhere, self.only = str(folder), elsewhere, only
        self.calls: list[str] = []

    def submit(self, fn, /, *args, **kwargs):
        self.calls.append(fn.__name__)
        if self.only is None or fn.__name__ == self.only:
            args = tuple(
                str(self.elsewhere / a.lstrip("/"))
                if isinstance(a, str) and a.startswith(self.folder)
                else a
                for a in args
            )
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # noqa: BLE001 - handed back like a real executor
            future.set_exception(err)
        return future


def _with_executor(monkeypatch, executor):
    @contextlib.contextmanager
    def executor_for(backend, *, jobs=1, scheduler=None):
        yield executor

    monkeypatch.setattr(sweeps, "executor_for", executor_for)


def test_workers_that_cannot_see_the_folder_fail_before_any_run(
    exp_path, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "out"
    elsewhere = tmp_path / "other-machine"
    elsewhere.mkdir()
    executor = Elsewhere(out, elsewhere)
    _with_executor(monkeypatch, executor)
    code, stdout, err = sweep_cli(
        capsys, exp_path, "--out", out, "--backend", "dask", "--scheduler", "tcp://x:1"
    )
    assert (code, stdout) == (2, "")
    line = one_line(err)
    assert str(out) in line and "workers cannot see this folder" in line, line
    assert executor.calls == ["probe_folder"]  # no run was sent
    assert not out.exists()  # nothing written: the folder made for the sweep is gone again
    assert list(elsewhere.rglob("*")) == []  # and the worker wrote no copy of its own


def test_a_run_on_a_worker_that_cannot_see_the_folder_fails_the_sweep(
    exp_path, tmp_path, capsys, monkeypatch
):
    """The probe landed on a worker that sees the folder; a run lands on one that does not."""
    out = tmp_path / "out"
    elsewhere = tmp_path / "other-machine"
    elsewhere.mkdir()
    _with_executor(monkeypatch, Elsewhere(out, elsewhere, only="run_to_file"))
    code, stdout, err = sweep_cli(
        capsys, exp_path, "--out", out, "--backend", "dask", "--scheduler", "tcp://x:1"
    )
    assert (code, stdout) == (2, "")
    line = one_line(err)
    assert str(out) in line and "cannot see this sweep folder" in line, line
    assert not (out / "runs.parquet").exists()
    assert list(elsewhere.rglob("*")) == []


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real scheduler and worker as processes on loopback, the worker started in its own
    working directory (as on another machine that shares the filesystem)."""
    pytest.importorskip("distributed")
    from distributed import Client

    base = tmp_path_factory.mktemp("cluster")
    worker_cwd = base / "worker-cwd"
    worker_cwd.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    address_file = base / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]  # the `dask` command of this environment
    procs = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0"]
            + ["--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(address_file)],
            cwd=base,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline, address = time.monotonic() + 60, None
        while address is None and time.monotonic() < deadline:
            time.sleep(0.05)
            with contextlib.suppress(OSError, ValueError, KeyError):  # not (fully) written yet
                address = json.loads(address_file.read_text())["address"]
        assert address, "the dask scheduler did not start"
        procs.append(
            subprocess.Popen(
                [*dask, "worker", address, "--host", "127.0.0.1", "--nworkers", "1"]
                + ["--nthreads", "1", "--no-dashboard"],
                cwd=worker_cwd,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        yield address, worker_cwd
    finally:
        for proc in reversed(procs):  # worker first, then the scheduler
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_relative_out_on_a_cluster_whose_workers_run_elsewhere(
    dask_cluster, tmp_path, capsys, monkeypatch
):
    """Before: workers wrote the runs under *their* working directory; the sweep said
    '0 runs done', exited 0 and wrote an empty runs.parquet."""
    address, worker_cwd = dask_cluster
    here = tmp_path / "here"
    here.mkdir()
    (here / "exp.yaml").write_text(yaml.safe_dump(EXPERIMENT), encoding="utf-8")
    monkeypatch.chdir(here)
    code, stdout, err = sweep_cli(
        capsys, "exp.yaml", "--out", "rel/out", "--backend", "dask", "--scheduler", address
    )
    assert code == 0, err
    assert stdout.splitlines()[0] == f"safety: {RUNS} runs done, 0 failed"
    table = pd.read_parquet(here / "rel" / "out" / "runs.parquet")
    assert len(table) == RUNS
    pd.testing.assert_frame_equal(table, sweeps.sweep(load_experiment(here / "exp.yaml")))
    assert not (worker_cwd / "rel").exists()
