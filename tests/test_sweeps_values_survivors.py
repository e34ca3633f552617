"""model.sweeps: the mechanisms the mutation run of issue 13 found untested (docs/TESTING.md,
"sweeps"): canonical hashes of equal specs written in another key order, the exact messages
``collect`` gives for broken run files and missing runs, how many runs ``collect`` counts
missing, the cleanup of a one-level folder a refused sweep made, which executor and how many
processes a sweep hands its runs to, and a finished folder refused without ``resume``.

Every sweep here is a 30-citizen, 2-step world (a few hundredths of a second per run).
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from model import comparison
from model import sweeps as S
from model.config import scenario_from_dict
from tests.test_sweeps_values import WORLD, _Blind, experiment

ADVICE = "; delete it and rerun with --resume to redo that run"


def _graph_world(opinion_values: dict) -> dict:
    """A scenario with a label map (network.opinion_values): a dict whose key order is the
    order the user wrote it in, and which means the same in any order."""
    return {
        **WORLD,
        "network": {
            "kind": "graph_file",
            "path": "/nonexistent/g.graphml",  # loading does not open it; nothing runs here
            "opinion_attribute": "o",
            "opinion_values": opinion_values,
        },
    }


# --- canonical hashes ---------------------------------------------------------------------------


def test_run_id_and_fingerprint_do_not_depend_on_the_key_order_of_equal_specs():
    """run_id and fingerprint hash the *canonical* spec (keys sorted): two equal scenarios
    whose label map was written in another order get the same run id, and experiments on them
    the same fingerprint (so --resume accepts the folder); a contrast's ``set:`` written in
    another order is the same experiment too. A different value still changes both."""
    xy = scenario_from_dict(_graph_world({"x": 0.5, "y": -0.5}))
    yx = scenario_from_dict(_graph_world({"y": -0.5, "x": 0.5}))
    other = scenario_from_dict(_graph_world({"x": 0.5, "y": -0.25}))
    assert xy == yx and list(xy.network.opinion_values) != list(yx.network.opinion_values)
    assert S.run_id(xy, 1) == S.run_id(yx, 1)
    assert S.run_id(other, 1) != S.run_id(xy, 1)
    assert S.fingerprint(experiment(scenario=_graph_world({"x": 0.5, "y": -0.5}))) == (
        S.fingerprint(experiment(scenario=_graph_world({"y": -0.5, "x": 0.5})))
    )
    ab = experiment(contrast={"a": {}, "b": {"set": {"feed.bias": 0.5, "steps": 3}}})
    ba = experiment(contrast={"a": {}, "b": {"set": {"steps": 3, "feed.bias": 0.5}}})
    assert list(ab.contrast.b.set) != list(ba.contrast.b.set)
    assert S.fingerprint(ab) == S.fingerprint(ba)


# --- messages of broken folders -----------------------------------------------------------------


def test_check_folder_names_a_path_it_cannot_read(tmp_path):
    """check_folder: an OSError while looking at the folder (here a name longer than the
    filesystem allows: ENAMETOOLONG) is one SweepFolderError line naming the option, the folder
    and the error."""
    folder = tmp_path / ("x" * 300)
    with pytest.raises(S.SweepFolderError) as err:
        S.check_folder(experiment(), folder, resume=False)
    text = str(err.value)
    assert text.startswith(
        f"--out: {folder}: cannot read it (OSError: [Errno 36] File name too long: "
    )
    assert text.endswith(")")


def test_a_truncated_run_file_is_refused_on_resume_with_pyarrows_reason(tmp_path):
    """_check_run_file: the message of an unreadable run file carries the reader's error type
    and text (pyarrow: ArrowInvalid, "magic bytes not found"), then the advice."""
    exp = experiment(vary={}, replicates=1)
    out = tmp_path / "out"
    S.sweep(exp, out=out)
    path = out / S.RUNS / "p000000-r00000.parquet"
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(S.SweepFolderError) as err:
        S.prepare_folder(exp, out, resume=True)
    assert str(err.value) == (
        f"{path}: expected a run's Parquet file written by socialweb sweep, it is unreadable "
        "(ArrowInvalid: Parquet magic bytes not found in footer. Either the file is corrupted or "
        "this is not a parquet file.)" + ADVICE
    )


def test_read_table_without_advice_ends_with_the_reason(tmp_path):
    """read_table as analysis calls it (no advice): the line ends with the reader's error,
    ``(ArrowInvalid: ...)``, and nothing after it."""
    path = tmp_path / "runs.parquet"
    path.write_text("no")
    with pytest.raises(S.SweepFolderError) as err:
        S.read_table(path, "the sweep's runs table (Parquet)")
    reason = (
        f"Could not open Parquet input source '{path}': Parquet file size is 2 bytes, smaller "
        "than the minimum file footer (8 bytes)"
    )[
        # pyarrow's message, cut to 160 characters by short_error
        :160
    ]
    assert str(err.value) == (
        f"{path}: expected the sweep's runs table (Parquet), it is unreadable "
        f"(ArrowInvalid: {reason})"
    )


def test_collect_names_a_run_file_it_cannot_read(tmp_path):
    """collect (a folder whose run file broke after prepare_folder's check, or that collect
    is called on directly): a truncated run file is refused with what was expected, the
    reader's error and the advice."""
    exp = experiment(vary={}, replicates=1)
    out = tmp_path / "out"
    S.sweep(exp, out=out)
    path = out / S.RUNS / "p000000-r00000.parquet"
    path.write_bytes(path.read_bytes()[:-20])
    reason = (
        "Parquet magic bytes not found in footer. "
        "Either the file is corrupted or this is not a parquet file."
    )[
        # pyarrow's message (for the file's bytes, so without its path), cut to 160 characters
        # by short_error
        :160
    ]
    with pytest.raises(S.SweepFolderError) as err:
        S.collect(exp, out)
    assert str(err.value) == (
        f"{path}: expected a run's Parquet file written by socialweb sweep, it is unreadable "
        f"(ArrowInvalid: {reason})" + ADVICE
    )


def test_collect_refuses_run_files_with_two_rows_or_another_point(tmp_path):
    """_read_run: a run file must hold exactly one row, for the point *and* the replicate of
    its name. Refused: two rows whose first is the right run; the file of (point 0,
    replicate 1) under the name of (point 1, replicate 1) — the replicate matches, the point
    does not."""
    exp = experiment()
    out = tmp_path / "out"
    S.sweep(exp, out=out)
    path = out / S.RUNS / "p000001-r00001.parquet"
    expected = f"{path}: expected one row for point 1, replicate 1" + ADVICE
    pq.write_table(pa.table({"point": [1, 1], "replicate": [1, 0], "seed": [5, 6]}), path)
    with pytest.raises(S.SweepFolderError) as err:
        S.collect(exp, out)
    assert str(err.value) == expected
    path.write_bytes((out / S.RUNS / "p000000-r00001.parquet").read_bytes())
    with pytest.raises(S.SweepFolderError) as err:
        S.collect(exp, out)
    assert str(err.value) == expected


def test_collect_counts_every_missing_run_and_says_what_to_do(tmp_path):
    """collect: two of four runs without a file are "2 of 4" missing (each counted), and the
    message ends with what to do about it."""
    exp = experiment()
    out = tmp_path / "out"
    S.sweep(exp, out=out)
    (out / S.RUNS / "p000000-r00001.parquet").unlink()
    (out / S.RUNS / "p000001-r00000.parquet").unlink()
    with pytest.raises(S.IncompleteSweepError) as err:
        S.collect(exp, out)
    assert str(err.value) == (
        f"{out}: 2 of 4 runs are missing (no file in runs/ or failed/), so the sweep is not "
        "complete and runs.parquet was not written; if the workers run elsewhere, they need this "
        "folder on a shared filesystem; then rerun with --resume"
    )


def test_check_shared_says_which_machine_did_not_see_which_file(tmp_path):
    """check_shared: the refusal names the folder, the worker's machine, the probe file (a
    ``.probe-`` name with 16 hex digits) and that workers need a shared filesystem."""
    with _Blind() as ex, pytest.raises(S.SweepFolderError) as err:
        S.check_shared(ex, tmp_path)
    text = str(err.value)
    head = (
        f"--out: {tmp_path}: the workers cannot see this folder (a worker on "
        f"{socket.gethostname()} did not find the file {S.PROBE}"
    )
    tail = (
        " written there from this machine); workers need the output folder on a filesystem "
        "they share"
    )
    assert text.startswith(head) and text.endswith(tail)
    token = text[len(head) : -len(tail)]
    assert len(token) == 16 and int(token, 16) >= 0


# --- where the runs go --------------------------------------------------------------------------


@pytest.fixture
def pools(monkeypatch):
    """Every local pool run_all would start, as its ``jobs``; the tasks run here instead."""
    seen: list[int] = []

    def run_local(tasks, jobs, fn, results, progress):
        seen.append(jobs)
        for i, task in enumerate(tasks):
            results[i] = fn(*task)
        return results

    monkeypatch.setattr(comparison, "_run_local", run_local)
    return seen


def test_a_sweep_runs_in_this_process_unless_given_jobs(tmp_path, pools):
    """sweep: by default (jobs=1) every run is done in this process, no pool; ``jobs=2`` hands
    the four runs to a pool of two."""
    S.sweep(experiment(), out=tmp_path / "one")
    assert pools == []
    S.sweep(experiment(), out=tmp_path / "two", jobs=2)
    assert pools == [2]


class _Recording(ThreadPoolExecutor):
    """An executor that records the function of every task it is given."""

    def __init__(self):
        super().__init__(2)
        self.calls: list[str] = []

    def submit(self, fn, *args):
        self.calls.append(fn.__name__)
        return super().submit(fn, *args)


def test_a_sweep_on_an_executor_sends_every_run_there(tmp_path, pools):
    """sweep(executor=...): the probe and all four runs are submitted to the executor; no local
    pool is started."""
    with _Recording() as ex:
        table = S.sweep(experiment(), out=tmp_path / "o", executor=ex, jobs=2)
    assert ex.calls == ["probe_folder"] + ["run_to_file"] * 4
    assert len(table) == 4 and pools == []


def test_a_finished_folder_is_refused_without_resume(tmp_path, counted):
    """sweep: by default (resume=False) a folder holding a finished sweep is refused before
    any run."""
    out = tmp_path / "out"
    S.sweep(experiment(), out=out)
    counted.clear()
    with pytest.raises(S.SweepFolderError, match="it already holds files"):
        S.sweep(experiment(), out=out)
    assert counted == []


def test_a_refused_sweep_removes_its_one_new_folder_and_keeps_the_empty_parent(tmp_path):
    """sweep: ``out`` one level below an existing, empty folder; when the workers cannot see
    it, the folder made for the sweep is removed and the parent that was there before stays
    (even though it is empty)."""
    parent = tmp_path / "keep"
    parent.mkdir()
    assert S._new_ancestor(parent / "z") == parent / "z"
    with _Blind() as ex, pytest.raises(S.SweepFolderError, match="workers cannot see"):
        S.sweep(experiment(), out=parent / "z", executor=ex)
    assert parent.is_dir() and list(parent.iterdir()) == []
