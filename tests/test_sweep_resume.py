"""Sweeps stream to disk, survive interruption, and give the same table on every backend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from model.config.experiment import load_experiment
from model.sweeps import SweepFolderError, executor_for, sweep
from tests.conftest import ROOT

EXPERIMENT = {
    "name": "resume_me",
    "scenario": {
        "steps": 40,
        "population": {"citizens": 300},
        "parties": {
            "blue": {
                "position": 0.2,
                "institution": {"enabled": True},
                "staff": {"per_1000": 1000 / 300},
                "champions": {"enabled": True},
            },
            "red": {"position": -0.2, "institution": {"enabled": True}},
        },
    },
    "vary": {
        "parties.blue.champions.guidance": [0.1, 0.5, 0.9],
        "feed.algorithm": ["chronological", "similarity"],
    },
    "replicates": 4,
    "seed": 5,
    "outputs": ["vote_share.blue", "share_of_voice.blue", "polarization"],
}


@pytest.fixture
def experiment_path(tmp_path) -> Path:
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(EXPERIMENT), encoding="utf-8")
    return path


@pytest.fixture
def reference(experiment_path, tmp_path) -> pd.DataFrame:
    """The uninterrupted sweep, in this process."""
    return sweep(load_experiment(experiment_path), out=tmp_path / "reference")


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "model", "sweep", *args, "--progress", "none"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killed_sweep_resumes_to_the_same_table(experiment_path, tmp_path, reference):
    out = tmp_path / "killed"
    proc = _cli(str(experiment_path), "--out", str(out), "--jobs", "2")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = list((out / "runs").glob("*.parquet")) if (out / "runs").exists() else []
        if len(done) >= 6:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished_before = len(list((out / "runs").glob("*.parquet")))
    assert 6 <= finished_before < 24, "the kill must land midway for this test to mean anything"
    assert not (out / "runs.parquet").exists()  # an interrupted folder does not look complete
    time.sleep(2.5)  # margin: workers exit at once when the command dies (pool.lifeline)
    settled = len(list((out / "runs").glob("*.parquet")))
    resumed = _cli(str(experiment_path), "--out", str(out), "--resume")
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr.decode()
    table = pd.read_parquet(out / "runs.parquet")
    pd.testing.assert_frame_equal(table, reference)
    assert len(table) == 24 and not table.duplicated(["point", "replicate"]).any()
    assert settled >= finished_before


def test_resume_refuses_a_different_experiment(experiment_path, tmp_path):
    out = tmp_path / "sweep"
    sweep(load_experiment(experiment_path), out=out)
    other = dict(EXPERIMENT, seed=6)
    other_path = tmp_path / "other.yaml"
    other_path.write_text(yaml.safe_dump(other), encoding="utf-8")
    with pytest.raises(SweepFolderError, match="holds a different experiment"):
        sweep(load_experiment(other_path), out=out, resume=True)
    with pytest.raises(SweepFolderError, match="already holds files"):
        sweep(load_experiment(experiment_path), out=out)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(
    experiment_path, tmp_path, reference, monkeypatch
):
    import model.sweeps as sweeps

    real = sweeps.run_outcomes

    def flaky(scenario, seed, replicate):
        if replicate == 2 and scenario.feed.algorithm == "similarity":
            raise RuntimeError("injected failure")
        return real(scenario, seed, replicate)

    monkeypatch.setattr(sweeps, "run_outcomes", flaky)
    out = tmp_path / "flaky"
    table = sweep(load_experiment(experiment_path), out=out)
    failed = table.attrs["failed"]
    assert len(failed) == 3 and len(table) == 21
    assert set(failed["error"]) == {"RuntimeError: injected failure"}
    monkeypatch.setattr(sweeps, "run_outcomes", real)
    again = sweep(load_experiment(experiment_path), out=out, resume=True)
    assert again.attrs["failed"].empty
    pd.testing.assert_frame_equal(again, reference)


def test_local_and_dask_backends_give_identical_tables(experiment_path, reference):
    pytest.importorskip("dask.distributed")
    with executor_for("dask", jobs=2) as executor:
        on_dask = sweep(load_experiment(experiment_path), executor=executor)
    pd.testing.assert_frame_equal(on_dask, reference)


def test_one_and_two_local_workers_identical(experiment_path, reference):
    pd.testing.assert_frame_equal(sweep(load_experiment(experiment_path), jobs=2), reference)


def test_resume_adds_replicates_to_a_finished_sweep_without_rerunning(
    experiment_path, tmp_path, reference, capsys
):
    """A finished sweep of 2 replicates, then --resume --replicates 4: the first two
    replicates' run files are untouched, and the table equals an uninterrupted 4-replicate
    sweep (replicate r's seed does not depend on the number of replicates)."""
    from model.cli import main

    out = tmp_path / "grow"
    base = [str(experiment_path), "--out", str(out), "--progress", "none"]
    assert main(["sweep", *base, "--replicates", "2"]) == 0
    first = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (out / "runs").iterdir()}
    assert len(pd.read_parquet(out / "runs.parquet")) == 6 * 2
    assert main(["sweep", *base, "--resume", "--replicates", "4"]) == 0
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (out / "runs").iterdir()}
    assert all(after[name] == first[name] for name in first)  # nothing rerun
    assert len(after) == 6 * 4
    grown = pd.read_parquet(out / "runs.parquet")
    pd.testing.assert_frame_equal(grown, reference, check_like=True)


def test_sweep_flags_reach_the_base_scenario(experiment_path, tmp_path):
    from model.cli import main

    out = tmp_path / "flags"
    args = ["sweep", str(experiment_path), "--out", str(out), "--progress", "none"]
    args += ["--replicates", "1", "--steps", "7", "--citizens", "150"]
    args += ["--set", "parties.blue.institution.enabled=false"]
    assert main(args) == 0
    import json

    state = json.loads((out / "sweep.json").read_text())["resolved"]
    assert state["replicates"] == 1
    base = state["base"]
    assert base["steps"] == 7 and base["population"]["citizens"] == 150
    assert base["parties"]["blue"]["institution"]["enabled"] is False
    assert len(pd.read_parquet(out / "runs.parquet")) == 6


def test_a_copied_experiment_finds_its_base_from_the_working_folder(tmp_path, monkeypatch, capsys):
    """base: resolves against the experiment file's folder; a copy elsewhere whose base exists
    relative to the working folder is used with a note, and neither gives a one-line error
    saying where base was looked for."""
    from model.cli import main

    data = {
        "base": "scenarios/classroom.yaml",
        "vary": {"parties.blue.champions.guidance": [0.2]},
        "outputs": ["vote_share.blue"],
    }
    copy = tmp_path / "mine" / "exp.yaml"
    copy.parent.mkdir()
    copy.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.chdir(ROOT)
    exp = load_experiment(copy)
    assert exp.base.name == "classroom"
    assert exp.notes and "relative to the working folder" in exp.notes[0]
    monkeypatch.chdir(tmp_path)  # from here, scenarios/classroom.yaml exists nowhere
    assert main(["validate", str(copy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{copy}: base: {copy.parent / 'scenarios/classroom.yaml'}: file not found (base is "
        f"resolved against the experiment file's folder, {copy.parent})"
    ]
