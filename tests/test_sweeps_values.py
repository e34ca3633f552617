"""model.sweeps against behaviour worked out by hand on tiny sweeps: file names, contrast rows,
failure records, which folders may take a sweep, what resuming runs (counted, not inferred from
equal tables), the lock, the shared-folder probe and the cleanup of a refused sweep.

Every sweep here is a 30-citizen, 2-step world: a run takes a few hundredths of a second.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from model import sweeps as S
from model.config import ConfigError, scenario_from_dict
from model.config.experiment import experiment_from_dict
from tests.conftest import tiny_data

WORLD = tiny_data(citizens=30, steps=2)
OUTPUTS = ["vote_share.blue", "turnout"]


def experiment(**fields):
    data = {
        "name": "tiny_sweep",
        "scenario": WORLD,
        "outputs": OUTPUTS,
        "vary": {"feed.attention": [5, 10]},
        "replicates": 2,
        "seed": 3,
        **fields,
    }
    return experiment_from_dict(data, source="exp.yaml", base_dir=Path.cwd())


# --- names, ids, fingerprints ------------------------------------------------------------------


def test_run_key_pads_point_and_replicate():
    """run_key: the run file's name, six digits of point and five of replicate."""
    assert S.run_key(3, 12) == "p000003-r00012"
    assert S.run_key(123456, 0) == "p123456-r00000"


def test_run_id_is_a_16_digit_hash_of_scenario_and_seed():
    """run_id: 16 hex digits; the same for the same scenario and seed, different for another
    seed, another scenario, or the same scenario as a contrast arm."""
    a = scenario_from_dict(WORLD)
    b = scenario_from_dict({**WORLD, "steps": 3})
    got = S.run_id(a, 1)
    assert len(got) == 16 and int(got, 16) >= 0
    assert S.run_id(scenario_from_dict(WORLD), 1) == got
    assert len({got, S.run_id(a, 2), S.run_id(b, 1), S.run_id({"a": a, "b": a}, 1)}) == 4
    assert S.run_id({"a": a, "b": b}, 1) != S.run_id({"a": b, "b": a}, 1)


def test_fingerprint_ignores_replicates_but_not_seed_design_or_outputs():
    """fingerprint: what makes two experiments the same for resuming; the number of replicates
    is left out (replicate r's seed does not depend on it), everything else counts."""
    base = S.fingerprint(experiment())
    assert S.fingerprint(experiment(replicates=5)) == base
    assert len(base) == 64
    others = [
        experiment(seed=4),
        experiment(outputs=["turnout"]),
        experiment(vary={"feed.attention": [5, 11]}),
        experiment(scenario={**WORLD, "steps": 3}),
        experiment(contrast={"a": {}, "b": {"set": {"feed.bias": 0.5}}}),
    ]
    assert all(S.fingerprint(e) != base for e in others)
    a = S.fingerprint(experiment(contrast={"a": {}, "b": {"set": {"feed.bias": 0.5}}}))
    b = S.fingerprint(experiment(contrast={"a": {}, "b": {"set": {"feed.bias": 0.6}}}))
    assert a != b


# --- contrast_row ----------------------------------------------------------------------------


def test_contrast_row_is_a_minus_b_for_numbers_and_none_when_either_is_missing():
    """contrast_row: numeric outputs both arms report as a − b (integers stay integers), None
    if either arm has None, booleans and text left out of the differences; then every arm
    level as ``a.<output>`` / ``b.<output>`` without point, replicate and seed."""
    a = {
        "replicate": 1,
        "seed": 7,
        "vote": 0.5,
        "clusters": 3,
        "flag": True,
        "gone": None,
        "name": "x",
        "only_a": 1.0,
        "half": 0.25,
    }
    b = {
        "replicate": 1,
        "seed": 7,
        "vote": 0.125,
        "clusters": 1,
        "flag": False,
        "gone": 2.0,
        "name": "y",
        "half": None,
    }
    got = S.contrast_row({"a": a, "b": b})
    assert got == {
        "replicate": 1,
        "seed": 7,
        "vote": 0.375,
        "clusters": 2,
        "gone": None,
        "half": None,
        "a.vote": 0.5,
        "a.clusters": 3,
        "a.flag": True,
        "a.gone": None,
        "a.name": "x",
        "a.only_a": 1.0,
        "a.half": 0.25,
        "b.vote": 0.125,
        "b.clusters": 1,
        "b.flag": False,
        "b.gone": 2.0,
        "b.name": "y",
        "b.half": None,
    }
    assert list(got)[:2] == ["replicate", "seed"]


# --- run_to_file -----------------------------------------------------------------------------


def _sweep_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "sw"
    folder.mkdir()
    (folder / S.STATE).write_text("{}")
    return folder


def test_run_to_file_writes_one_row_and_clears_an_old_failure(tmp_path):
    """run_to_file: the run's row, with point first and its run_id last, in
    runs/<key>.parquet; a failure record left by an earlier attempt is removed."""
    folder = _sweep_folder(tmp_path)
    (folder / S.FAILED).mkdir()
    (folder / S.FAILED / "p000002-r00001.json").write_text("{}")
    sc = scenario_from_dict(WORLD)
    assert S.run_to_file(sc, 11, 2, 1, {"feed.attention": 5}, str(folder)) == "done"
    table = pd.read_parquet(folder / S.RUNS / "p000002-r00001.parquet")
    assert len(table) == 1
    assert list(table.columns[:4]) == ["point", "scenario", "replicate", "seed"]
    assert table.columns[-1] == "run_id" and table.run_id[0] == S.run_id(sc, 11)
    assert (table.point[0], table.replicate[0], table.seed[0], table.steps[0]) == (2, 1, 11, 2)
    assert not (folder / S.FAILED / "p000002-r00001.json").exists()
    assert sorted(p.name for p in (folder / S.RUNS).iterdir()) == ["p000002-r00001.parquet"]


def test_a_sweep_row_is_that_of_a_run_recording_every_step():
    """run_outcomes records metrics on election day only (the days between are not measured):
    its row equals, value for value, the row of the same run recording every step — with
    parties, champions, mobilisation and two elections, so campaign totals and the election
    history accumulate over days that are not recorded."""
    from model.comparison import run_row
    from model.runner import run

    data = tiny_data(citizens=200, steps=12)
    data["election"] = {"cycle": 6}
    sc = scenario_from_dict(data)
    assert sc.output.every == 1  # the reference records every day
    full = run(sc, seed=5)
    want = run_row(full, 3) | {"steps": full.summary["steps"]}
    assert S.run_outcomes(sc, 5, 3) == want
    assert len(full.summary["final"]["elections"]) == 2


def test_run_to_file_records_a_failed_run_and_goes_on(tmp_path, monkeypatch):
    """run_to_file: a run that raises leaves failed/<key>.json with point, replicate, seed,
    the varied values, ``Type: message`` and the traceback; no run file; "failed"."""
    folder = _sweep_folder(tmp_path)

    def boom(scenario, seed, replicate):
        raise ValueError("no good")

    monkeypatch.setattr(S, "run_outcomes", boom)
    sc = scenario_from_dict(WORLD)
    assert S.run_to_file(sc, 11, 0, 3, {"feed.attention": 5}, str(folder)) == "failed"
    record = json.loads((folder / S.FAILED / "p000000-r00003.json").read_text())
    assert {k: record[k] for k in ("point", "replicate", "seed", "varied", "error")} == {
        "point": 0,
        "replicate": 3,
        "seed": 11,
        "varied": {"feed.attention": 5},
        "error": "ValueError: no good",
    }
    assert "raise ValueError" in record["traceback"]
    assert not (folder / S.RUNS).exists()


def test_run_to_file_refuses_a_folder_without_the_sweep_record(tmp_path):
    """run_to_file: a worker that cannot see sweep.json raises before running and writes
    nothing (it must not make a folder of its own)."""
    folder = tmp_path / "elsewhere"
    with pytest.raises(S.SweepFolderError, match="cannot see this sweep folder"):
        S.run_to_file(scenario_from_dict(WORLD), 1, 0, 0, {}, str(folder))
    assert not folder.exists()


def test_write_atomic_leaves_only_the_final_file(tmp_path):
    """_write_atomic: the file appears whole under its name; no temporary file stays."""
    path = tmp_path / "runs" / "x.bin"
    S._write_atomic(path, b"abc")
    assert path.read_bytes() == b"abc"
    assert [p.name for p in path.parent.iterdir()] == ["x.bin"]


# --- designs and errors -------------------------------------------------------------------------


def test_design_table_and_keys_list_every_point_and_replicate():
    """design_table: one row per point, numbered from 0, with the varied key; design_keys:
    every (point, replicate) in table order; without factors, one point."""
    exp = experiment()
    assert S.design_table(exp).to_dict("list") == {"point": [0, 1], "feed.attention": [5, 10]}
    assert S.design_keys(exp) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    plain = experiment(vary={}, replicates=3)
    assert S.design_table(plain).to_dict("list") == {"point": [0]}
    assert S.design_keys(plain) == [(0, 0), (0, 1), (0, 2)]


def test_short_error_keeps_the_type_and_the_first_line_cut_at_160():
    """short_error: ``Type: first line``, the line cut to 160 characters; no message: the
    type alone."""
    assert S.short_error(ValueError("first\nsecond")) == "ValueError: first"
    assert S.short_error(OSError("  x" * 100)) == "OSError: " + ("x  " * 100)[:160]
    assert S.short_error(KeyError()) == "KeyError"


# --- which folders may take a sweep --------------------------------------------------------------


def test_a_skeleton_of_lock_probes_and_cut_writes_holds_no_results(tmp_path):
    """_holds_results: the lock, probes, cut-short writes and empty runs/ and failed/ are a
    skeleton (a sweep may start there afresh); any other file, a run file, a folder named like
    a temporary file, or runs/ as a link, hold results."""
    folder = tmp_path / "f"
    (folder / S.RUNS).mkdir(parents=True)
    (folder / S.FAILED).mkdir()
    (folder / S.LOCK).write_text("")
    (folder / f"{S.PROBE}abc").write_text("x")
    (folder / S.RUNS / ".p000000-r00000.parquet.tmp-1-ab").write_text("")
    assert S._holds_results(folder) is False
    assert S.check_folder(experiment(), folder, resume=False) is False
    (folder / S.FAILED / "p000000-r00000.json").write_text("{}")
    assert S._holds_results(folder) is True
    (folder / S.FAILED / "p000000-r00000.json").unlink()
    (folder / ".x.tmp-2").mkdir()
    assert S._holds_results(folder) is True
    (folder / ".x.tmp-2").rmdir()
    (folder / "notes.txt").write_text("")
    assert S._holds_results(folder) is True
    other = tmp_path / "g"
    other.mkdir()
    (other / S.RUNS).symlink_to(folder / S.FAILED)
    assert S._holds_results(other) is True
    hidden = tmp_path / "h"
    hidden.mkdir()
    (hidden / ".hidden").write_text("")
    assert S._holds_results(hidden) is True


def _refused(exp, folder, resume) -> str:
    with pytest.raises(S.SweepFolderError) as err:
        S.check_folder(exp, folder, resume=resume)
    return str(err.value)


def test_check_folder_refusals(tmp_path):
    """check_folder: a path under a file, a dangling link, a file, a folder with files but no
    --resume, --resume without sweep.json, a different experiment and an unreadable record are
    each refused with their own one-line message naming the option and the folder; a new or
    empty folder starts afresh, the same experiment resumes."""
    exp = experiment()
    assert S.check_folder(exp, tmp_path / "new", resume=False) is False
    file = tmp_path / "file"
    file.write_text("")
    assert _refused(exp, file / "sub", False) == (
        f"--out: {file / 'sub'}: expected a folder path, but {file} is a file"
    )
    assert (
        _refused(exp, file, False) == f"--out: {file}: expected a new or empty folder, got a file"
    )
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert _refused(exp, fifo, False) == (
        f"--out: {fifo}: expected a new or empty folder, got a special file, not a folder"
    )
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    assert _refused(exp, dangling, True) == (
        f"--out: {dangling}: expected a folder, got a dangling link"
    )
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("")
    assert _refused(exp, full, False) == (
        f"--out: {full}: expected a new or empty folder, it already holds files (add --resume "
        "to finish an interrupted sweep)"
    )
    assert _refused(exp, full, True) == f"--resume: {full}: not a sweep folder (no sweep.json)"
    (full / S.STATE).write_text(json.dumps({"fingerprint": "0" * 64, "experiment": "old"}))
    assert _refused(exp, full, True) == (
        f"--resume: {full}: holds a different experiment ('old', other settings); use a new "
        "--out folder"
    )
    (full / S.STATE).write_text(json.dumps({"fingerprint": S.fingerprint(exp)}))
    assert S.check_folder(exp, full, resume=True) is True
    state = full / S.STATE
    (full / S.STATE).write_text("[1]")
    assert _refused(exp, full, True) == (
        f"{state}: expected the sweep's record (JSON written by socialweb sweep), it has no "
        "fingerprint"
    )
    (full / S.STATE).write_text(json.dumps({"fingerprint": 5}))
    assert _refused(exp, full, True).endswith("it has no fingerprint")
    (full / S.STATE).write_text("{not json")
    assert _refused(exp, full, True).startswith(
        f"{state}: expected the sweep's record (JSON written by socialweb sweep), it is "
        "unreadable (JSONDecodeError: "
    )


# --- resuming: exactly the unfinished runs -----------------------------------------------------


def test_resume_runs_exactly_the_missing_and_failed_runs(tmp_path, counted):
    """Resume: of a 2 × 2 sweep, one run file deleted and one run turned into a failure
    record: --resume runs exactly those two (by seed and replicate), reports progress from the
    two skipped, and gives the same table as the first sweep."""
    exp = experiment()
    out = tmp_path / "out"
    first = S.sweep(exp, out=out)
    assert len(counted) == 4 and len(first) == 4
    seeds = first.seed.tolist()
    (out / S.RUNS / "p000001-r00000.parquet").unlink()
    (out / S.RUNS / "p000000-r00001.parquet").unlink()
    (out / S.FAILED / "p000000-r00001.json").write_text(
        json.dumps({"point": 0, "replicate": 1, "seed": seeds[1], "error": "E: x"})
    )
    counted.clear()
    seen = []
    again = S.sweep(exp, out=out, resume=True, progress=lambda d, t: seen.append((d, t)))
    assert sorted(counted) == sorted([(seeds[1], 1), (seeds[2], 0)])
    assert seen == [(2, 4), (3, 4), (4, 4)]
    pd.testing.assert_frame_equal(again, first)
    assert list((out / S.FAILED).iterdir()) == []
    assert again.attrs["failed"].empty


def test_resume_with_more_replicates_runs_only_the_new_ones(tmp_path, counted):
    """Resume with replicates 2 → 3: only replicate 2 of each point runs, on its own seed."""
    out = tmp_path / "out"
    S.sweep(experiment(), out=out)
    counted.clear()
    table = S.sweep(experiment(replicates=3), out=out, resume=True)
    assert sorted(r for _, r in counted) == [2, 2]
    assert len(table) == 6 and table.replicate.tolist() == [0, 1, 2, 0, 1, 2]
    state = json.loads((out / S.STATE).read_text())
    assert state["resolved"]["replicates"] == 3 and state["experiment"] == "tiny_sweep"


def test_prepare_folder_counts_only_valid_design_runs_and_clears_strays(tmp_path):
    """prepare_folder on resume: run files of the design are done, others ignored; probes and
    cut-short writes go; the failure record of a done run goes; sweep.json is rewritten."""
    exp = experiment()
    out = tmp_path / "out"
    S.sweep(exp, out=out)
    (out / S.RUNS / "p000009-r00000.parquet").write_bytes(b"junk")  # outside the design
    (out / f"{S.PROBE}zz").write_text("t")
    (out / S.RUNS / ".p000000-r00000.parquet.tmp-1-aa").write_text("")
    (out / S.FAILED / ".p000000-r00000.json.tmp-1-aa").write_text("")
    (out / S.FAILED / "p000001-r00001.json").write_text("{}")
    (out / S.STATE).write_text(json.dumps({"fingerprint": S.fingerprint(exp)}))
    done = S.prepare_folder(exp, out, resume=True)
    assert done == {"p000000-r00000", "p000000-r00001", "p000001-r00000", "p000001-r00001"}
    assert not (out / f"{S.PROBE}zz").exists()
    assert sorted(p.name for p in (out / S.FAILED).iterdir()) == []
    assert len(list((out / S.RUNS).iterdir())) == 5  # the four and the stranger
    state = json.loads((out / S.STATE).read_text())
    assert state["fingerprint"] == S.fingerprint(exp)
    assert (state["experiment"], state["source"]) == ("tiny_sweep", "exp.yaml")
    assert state["resolved"]["seed"] == 3


def test_prepare_folder_makes_a_new_folder_and_keeps_the_lock(tmp_path):
    """prepare_folder on a new path: makes it with its parents, sweep.json, runs/ and failed/,
    nothing done; the lock file of the sweep holding the folder is not a stray."""
    out = tmp_path / "n" / "m"
    assert S.prepare_folder(experiment(), out, resume=False) == set()
    assert sorted(p.name for p in out.iterdir()) == [S.FAILED, S.RUNS, S.STATE]
    (out / S.LOCK).write_text("")
    (out / S.STATE).unlink()
    S.prepare_folder(experiment(), out, resume=False)
    assert (out / S.LOCK).exists()


def test_a_broken_run_file_is_refused_on_resume(tmp_path):
    """_check_run_file: a truncated run file, or one holding two rows, is refused with advice
    to delete it."""
    exp = experiment()
    out = tmp_path / "out"
    S.sweep(exp, out=out)
    path = out / S.RUNS / "p000000-r00000.parquet"
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(S.SweepFolderError, match="it is unreadable"):
        S.prepare_folder(exp, out, resume=True)
    pq.write_table(pa.table({"point": [0, 0], "replicate": [0, 1], "seed": [1, 2]}), path)
    with pytest.raises(S.SweepFolderError, match="one row with point, replicate, seed"):
        S.prepare_folder(exp, out, resume=True)
    pq.write_table(pa.table({"point": [0], "replicate": [0]}), path)
    with pytest.raises(S.SweepFolderError, match="one row with"):
        S.prepare_folder(exp, out, resume=True)


# --- collect ------------------------------------------------------------------------------------


def test_collect_counts_missing_runs_and_reads_failures(tmp_path):
    """collect: a run with neither file makes the sweep incomplete, naming how many of how
    many; a failure record is listed (point, replicate, seed, error) and its run left out; a
    run file for another (point, replicate) than its name is refused."""
    exp = experiment()
    out = tmp_path / "out"
    S.sweep(exp, out=out)
    (out / S.RUNS / "p000001-r00001.parquet").unlink()
    with pytest.raises(S.IncompleteSweepError) as err:
        S.collect(exp, out)
    assert str(err.value).startswith(
        f"{out}: 1 of 4 runs are missing (no file in runs/ or failed/), so the sweep is not "
        "complete and runs.parquet was not written"
    )
    (out / S.FAILED / "p000001-r00001.json").write_text(
        json.dumps({"point": 1, "replicate": 1, "seed": 9, "error": "E: x", "more": 1})
    )
    table, failed = S.collect(exp, out)
    assert table.point.tolist() == [0, 0, 1] and table.replicate.tolist() == [0, 1, 0]
    assert failed.to_dict("records") == [{"point": 1, "replicate": 1, "seed": 9, "error": "E: x"}]
    assert list(table.columns) == ["point", "replicate", "seed", "feed.attention", *OUTPUTS]
    assert table["feed.attention"].tolist() == [5, 5, 10]
    (out / S.FAILED / "p000001-r00001.json").write_text(json.dumps({"point": 1}))
    failure = out / S.FAILED / "p000001-r00001.json"
    with pytest.raises(S.SweepFolderError) as err:
        S.collect(exp, out)
    assert str(err.value) == (
        f"{failure}: expected a failed run's record written by socialweb sweep, it is "
        "unreadable (KeyError: 'replicate'); delete it and rerun with --resume to redo that run"
    )
    with pytest.raises(S.SweepFolderError, match="failed run's record"):
        S.collect(exp, out)
    (out / S.FAILED / "p000001-r00001.json").unlink()
    src = out / S.RUNS / "p000000-r00000.parquet"
    (out / S.RUNS / "p000001-r00001.parquet").write_bytes(src.read_bytes())
    with pytest.raises(S.SweepFolderError, match="expected one row for point 1, replicate 1"):
        S.collect(exp, out)


def test_collect_renames_an_output_that_is_also_varied(tmp_path):
    """collect: an output named like a varied key (steps) is the measured one, ``steps_measured``,
    beside the set value; no failure gives an empty failures table with its columns."""
    exp = experiment(vary={"steps": [1, 2]}, outputs=["steps", "turnout"], replicates=1)
    table = S.sweep(exp, out=tmp_path / "o")
    assert list(table.columns) == [
        "point",
        "replicate",
        "seed",
        "steps",
        "steps_measured",
        "turnout",
    ]
    assert table.steps_measured.tolist() == [1, 2] and table.steps.tolist() == [1, 2]
    assert list(table.attrs["failed"].columns) == ["point", "replicate", "seed", "error"]


def test_a_contrast_sweep_lists_a_then_b_levels_after_the_differences(tmp_path):
    """collect for a contrast: outputs (a − b), then a's levels, then b's; identical arms give
    exactly 0 and equal levels."""
    exp = experiment(contrast={"a": {}, "b": {}}, replicates=1, vary={})
    table = S.sweep(exp, out=tmp_path / "c")
    assert list(table.columns) == [
        "point",
        "replicate",
        "seed",
        "vote_share.blue",
        "turnout",
        "a.vote_share.blue",
        "a.turnout",
        "b.vote_share.blue",
        "b.turnout",
    ]
    assert table["vote_share.blue"].tolist() == [0.0]
    assert table["a.turnout"].tolist() == table["b.turnout"].tolist()


# --- sweep's folder handling ----------------------------------------------------------------------


def test_a_sweep_that_fails_removes_the_folders_it_made(tmp_path):
    """sweep: a folder made for the sweep (with its new parents) is removed again when the
    sweep fails before writing results; an existing parent stays."""
    out = tmp_path / "a" / "b" / "c"

    def finish(table):
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        S.sweep(experiment(replicates=1, vary={}), out=out, finish=finish)
    # runs were written, so the folder stays
    assert (out / S.RUNS).is_dir()
    with _Blind() as ex, pytest.raises(S.SweepFolderError, match="workers cannot see"):
        S.sweep(experiment(), out=tmp_path / "x" / "y", executor=ex)
    assert not (tmp_path / "x").exists()
    assert S._new_ancestor(tmp_path) is None
    assert S._new_ancestor(tmp_path / "p" / "q" / "r") == tmp_path / "p"


def test_remove_empty_stops_at_the_top_it_made(tmp_path):
    """_remove_empty: removes the folder and its empty parents up to ``top`` only, and stops
    at the first that is not empty."""
    (tmp_path / "p" / "q" / "r").mkdir(parents=True)
    S._remove_empty(tmp_path / "p" / "q" / "r", tmp_path / "p" / "q")
    assert (tmp_path / "p").is_dir() and not (tmp_path / "p" / "q").exists()
    (tmp_path / "p" / "q" / "r").mkdir(parents=True)
    (tmp_path / "p" / "keep").write_text("")
    S._remove_empty(tmp_path / "p" / "q" / "r", tmp_path / "p")
    assert (tmp_path / "p" / "keep").exists() and not (tmp_path / "p" / "q").exists()


def test_a_sweep_without_out_leaves_no_folder(tmp_path, monkeypatch):
    """sweep without ``out``: a temporary folder, removed afterwards; the table is returned."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    table = S.sweep(experiment(replicates=1, vary={}))
    assert len(table) == 1
    assert list(tmp_path.iterdir()) == []


def test_folder_lock_refuses_a_second_holder_and_removes_its_file(tmp_path):
    """folder_lock: while one block holds the folder a second is refused; the lock file is gone
    afterwards and the folder can be locked again."""
    folder = tmp_path / "lk"
    with S.folder_lock(folder):
        assert (folder / S.LOCK).exists()
        with pytest.raises(S.SweepFolderError, match="another sweep is running"):
            with S.folder_lock(folder):
                pass
    assert not (folder / S.LOCK).exists()
    with S.folder_lock(folder):
        pass
    with pytest.raises(S.SweepFolderError, match="another sweep is running"):
        with S.folder_lock(folder):
            S.sweep(experiment(), out=folder)


class _Blind(ThreadPoolExecutor):
    """An executor whose worker looks for the probe in another folder."""

    def __init__(self):
        super().__init__(1)

    def submit(self, fn, *args):
        if fn is S.probe_folder:
            return super().submit(fn, "/nonexistent-folder", *args[1:])
        return super().submit(fn, *args)


def test_check_shared_sees_the_probe_through_a_worker_and_removes_it(tmp_path):
    """check_shared: a worker reading the random token back passes; one that does not see the
    folder is refused; the probe file is removed either way."""
    with ThreadPoolExecutor(1) as ex:
        S.check_shared(ex, tmp_path)
    assert list(tmp_path.iterdir()) == []
    with _Blind() as ex, pytest.raises(S.SweepFolderError, match="workers cannot see"):
        S.check_shared(ex, tmp_path)
    assert list(tmp_path.iterdir()) == []
    host, text = S.probe_folder(str(tmp_path), "none")
    assert text is None and host
    (tmp_path / "p").write_text("tok")
    assert S.probe_folder(str(tmp_path), "p")[1] == "tok"


def test_a_sweep_on_an_executor_gives_the_same_table(tmp_path, counted):
    """sweep on an executor (threads here): the shared-folder check passes and the table is
    the one of the local sweep."""
    local = S.sweep(experiment(replicates=1), out=tmp_path / "l")
    with ThreadPoolExecutor(2) as ex:
        remote = S.sweep(experiment(replicates=1), out=tmp_path / "r", executor=ex)
    pd.testing.assert_frame_equal(local, remote)


def test_executor_for_local_is_none_and_refuses_a_scheduler():
    """executor_for("local"): no executor (run_all starts processes); --scheduler is only for
    dask."""
    with S.executor_for("local") as ex:
        assert ex is None
    with pytest.raises(ConfigError, match="only used with --backend dask"):
        with S.executor_for("local", scheduler="tcp://x:1"):
            pass


def test_read_table_names_the_file_and_what_was_expected(tmp_path):
    """read_table: an unreadable Parquet file is one SweepFolderError line naming it."""
    path = tmp_path / "runs.parquet"
    path.write_text("no")
    with pytest.raises(S.SweepFolderError, match=r"runs.parquet: expected a table, it is unre"):
        S.read_table(path, "a table", "; advice")
    assert os.path.exists(path)


def test_collect_with_every_run_failed_gives_an_empty_table_with_the_design_columns(tmp_path):
    """collect: when every run failed, the table has no row but keeps point, replicate, seed
    and the varied key; every failure is listed."""
    exp = experiment(replicates=1)
    out = tmp_path / "out"
    S.sweep(exp, out=out)
    for p in range(2):
        (out / S.RUNS / f"p00000{p}-r00000.parquet").unlink()
        (out / S.FAILED / f"p00000{p}-r00000.json").write_text(
            json.dumps({"point": p, "replicate": 0, "seed": 1, "error": "E"})
        )
    table, failed = S.collect(exp, out)
    assert len(table) == 0 and list(table.columns) == [
        "point",
        "replicate",
        "seed",
        "feed.attention",
    ]
    assert failed.point.tolist() == [0, 1]


def test_a_contrast_arms_files_are_checked_before_any_run(tmp_path, counted):
    """sweep of a contrast: each arm's files are checked first, the error naming the arm."""
    bad = tmp_path / "th.txt"
    bad.write_text("2\n" * 30)
    exp = experiment(contrast={"a": {}, "b": {"set": {"mobilization.thresholds_path": str(bad)}}})
    with pytest.raises(ConfigError) as err:
        S.sweep(exp, out=tmp_path / "o")
    assert err.value.problems[0].endswith("(mobilization.thresholds_path of exp.yaml (contrast.b))")
    assert counted == [] and not (tmp_path / "o").exists()
