"""model.comparison: the mechanisms the sixth mutation run of issue 13 found untested
(docs/TESTING.md, "comparison"): mean_ci's float64 arithmetic and its silent empty case, the
one-task shortcut of run_all, the start arguments of the local pool (forkserver, lifeline),
the feeder thread's name and daemon flag, where the dead-worker warning is attributed, the
order in which runs lost together start again, read_posterior's message for a missing file,
and the prose of comparison.json that readers are given (the ``methods`` block and the
``posterior`` section).

Expected values are written out by hand from the documented definitions; the scheduler tests
put a thread pool in place of the process pool (as tests/test_comparison_values.py does).
"""

from __future__ import annotations

import math
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd
import pytest

from model import comparison as M
from model import pool as P
from model.config import ConfigError
from tests.test_comparison_values import (
    _add,
    _dies_in_pool,
    _in_pool,
    _run_all_within,
    _runs,
    _tiny,
    thread_pool,  # noqa: F401 - fixture
)

# --- mean_ci -----------------------------------------------------------------------------------


def test_mean_ci_computes_in_float64_whatever_the_input_dtype():
    """mean_ci converts its values to float64 before averaging: float32 values 2^24, 1, 1 have
    the exact mean (2^24 + 2) / 3 = 5592406 and sd d·√3 with d = 5592405 (deviations 2d, -d,
    -d: sum of squares 6d², over n - 1 = 2), which float32 sums cannot represent (2^24 + 1
    rounds back to 2^24)."""
    got = M.mean_ci(np.array([2.0**24, 1.0, 1.0], dtype=np.float32))
    assert got["mean"] == 5592406.0
    assert got["sd"] == pytest.approx(5592405 * math.sqrt(3), rel=1e-12)
    assert got["n"] == 3


def test_mean_ci_of_no_value_warns_nothing():
    """mean_ci's empty guard: no value gives a NaN mean without asking numpy for the mean of
    an empty array (which warns "Mean of empty slice" to the user)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = M.mean_ci(np.array([]))
    assert math.isnan(got["mean"]) and got["n"] == 0


# --- run_all / _run_local ----------------------------------------------------------------------


def test_one_task_with_many_jobs_never_opens_a_lifeline(monkeypatch):
    """run_all's shortcut: a single task runs here even with jobs > 1, before any pool
    machinery (no lifeline pipe, no feeder thread) is set up."""

    def refuse():
        raise AssertionError("a pool was prepared for one task")

    monkeypatch.setattr(M, "lifeline", refuse)
    assert M.run_all([(2, 3)], jobs=4, fn=_add) == [5]


class _Recording(ThreadPoolExecutor):
    """Stands in for ProcessPoolExecutor and keeps its start arguments and what it was given."""

    made: list[_Recording] = []
    on_submit = None  # called as on_submit(pool, task index) for every task handed over

    def __init__(self, max_workers, mp_context=None, initializer=None, initargs=()):
        super().__init__(max_workers=max_workers, thread_name_prefix="pool")
        self.mp_context = mp_context
        self.initializer = initializer
        self.initargs = initargs
        self.submitted: list[int] = []
        _Recording.made.append(self)

    def submit(self, fn, *args, **kwargs):
        if fn is not M._ready:
            self.submitted.append(args[0])
            if _Recording.on_submit is not None:
                _Recording.on_submit(self, args[0])
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
def recording(monkeypatch):
    _Recording.made = []
    _Recording.on_submit = None
    monkeypatch.setattr(M, "ProcessPoolExecutor", _Recording)
    pipes = []

    def lifeline():
        pair = P.lifeline()
        pipes.append(pair)
        return pair

    monkeypatch.setattr(M, "lifeline", lifeline)
    return pipes


def _waits_for_the_pool(seen: dict):
    """A task: in this process it waits until a pool worker has started a task (so a pool is
    made) and notes the threads alive then; the worker's first task waits until this process
    has taken one (so the worker cannot run them all while this thread waits for the GIL)."""
    started, here = threading.Event(), threading.Event()

    def task(i):
        if _in_pool():
            started.set()
            here.wait(5)
        else:
            here.set()
            started.wait(5)
            seen.setdefault("threads", list(threading.enumerate()))
        return i * 2

    return task


def test_the_pool_starts_its_workers_from_the_forkserver_holding_the_lifeline(recording):
    """_run_local's pool: multiprocessing context from model.pool.context() (the forkserver
    on Linux: no fork of this multi-threaded process), and every worker starts with
    model.pool.exit_when_closed on the read end of this call's lifeline (so workers exit when
    the call ends or this process dies)."""
    seen: dict = {}
    got = _run_all_within(10, [(i,) for i in range(4)], jobs=2, fn=_waits_for_the_pool(seen))
    assert got == [0, 2, 4, 6] and "threads" in seen
    assert len(_Recording.made) == 1 and len(recording) == 1
    pool = _Recording.made[0]
    assert pool.mp_context is not None
    assert pool.mp_context.get_start_method() == "forkserver"
    assert pool.initializer is P.exit_when_closed
    reader, _writer = recording[0]
    assert pool.initargs == (reader,)


def test_the_feeder_is_a_daemon_thread_named_for_the_pool(recording):
    """_run_local feeds the pool from a daemon thread named ``socialweb-pool-feeder`` (the name
    a thread dump shows): it must not keep the interpreter alive while it waits for a worker
    to start, even when run_all is called from an ordinary (non-daemon) thread, as here."""
    seen: dict = {}
    assert not threading.current_thread().daemon
    # an earlier call's feeder may still be closing its pool: only this call's thread counts
    earlier = set(threading.enumerate())
    got = M.run_all([(i,) for i in range(4)], jobs=2, fn=_waits_for_the_pool(seen))
    assert got == [0, 2, 4, 6]
    feeders = [
        (t.name, t.daemon)
        for t in seen["threads"]
        if t.name == "socialweb-pool-feeder" and t not in earlier
    ]
    assert feeders == [("socialweb-pool-feeder", True)]


def test_the_dead_worker_warning_is_attributed_to_model_comparison(thread_pool):  # noqa: F811
    """_run_local's warning (stacklevel 1) is attributed to model/comparison.py, so a filter
    on the module (``-W ignore:::model.comparison``) silences it; attributed one frame up it
    would name threading.py and escape the filter."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = _run_all_within(10, [(i,) for i in range(6)], jobs=2, fn=_dies_in_pool(1))
    assert got == [-i for i in range(6)]
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(runtime) == 1
    assert runtime[0].filename.replace("\\", "/").endswith("model/comparison.py")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="model.comparison")
        got = _run_all_within(10, [(i,) for i in range(6)], jobs=2, fn=_dies_in_pool(1))
    assert got == [-i for i in range(6)]
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []


def test_runs_lost_together_start_again_in_task_order(recording):
    """_run_local's requeue: the runs lost with a broken pool go back to the front of the list
    in task order (sorted descending, then extendleft), so the new pool takes task 0 before
    task 1. Two workers hold tasks 0 and 1 when both die; this process waits (task 7) until
    the second pool has taken both."""
    both = threading.Barrier(2, timeout=5)
    refed = threading.Event()
    failed: set[int] = set()

    def on_submit(pool, i):
        if pool is not _Recording.made[0] and len(pool.submitted) == 2:
            refed.set()

    _Recording.on_submit = on_submit

    def task(i):
        if _in_pool():
            if i in (0, 1) and i not in failed:
                both.wait()
                failed.add(i)
                raise BrokenProcessPool("a worker died")
        else:
            refed.wait(5)
        return i + 10

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = _run_all_within(10, [(i,) for i in range(8)], jobs=3, fn=task)
    assert got == [i + 10 for i in range(8)]
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert [m.split(": ")[-1] for m in messages] == ["2 run(s) start again, in a new worker"]
    assert len(_Recording.made) == 2
    assert _Recording.made[0].submitted == [0, 1]
    assert _Recording.made[1].submitted[:2] == [0, 1]


# --- read_posterior ----------------------------------------------------------------------------


def test_read_posterior_names_a_missing_file_and_the_option(tmp_path):
    """read_posterior: a posterior file that does not exist is one ConfigError line naming the
    path and the option it came from (not pandas' FileNotFoundError)."""
    missing = tmp_path / "posterior.csv"
    with pytest.raises(ConfigError) as info:
        M.read_posterior(missing, _tiny("a"))
    assert info.value.problems == [f"{missing}: posterior file not found (--posterior)"]


# --- comparison.json's prose -------------------------------------------------------------------


def test_analyse_tells_the_reader_each_method_in_full():
    """analyse's ``methods`` block: the text a reader of comparison.json is given for each
    statistic, word for word (baseline A, cascade threshold 0.5 filled in)."""
    got = M.analyse(_runs(), ["A", "B", "C"], ["blue", "red"])["methods"]
    assert got == {
        "levels": "Student-t over replicates; percentile bootstrap where t would leave the "
        "outcome's range",
        "contrasts": "contrasts[A][B] = A - B, paired by replicate, Student-t interval and "
        "paired t-test",
        "primary": "contrasts with A (the baseline), reported unadjusted",
        "adjustment": "holm",
        "family": "the non-primary contrasts of one outcome for one party",
        "adjusted_intervals": "Bonferroni level 1 - alpha/m within the family",
        "win": "share of replicates in which the party's vote share is strictly the highest; "
        "Wilson interval",
        "two_party": "the party's votes / votes cast (all parties)",
        "margin": "the party's vote share minus the best rival's",
        "engaged": "split: P(engaged share >= 0.5) with a Wilson interval, and the mean in "
        "each kind with a percentile bootstrap",
        "icer": "frontier on mean spend and vote share; paired percentile bootstrap",
    }


def test_compare_with_a_posterior_says_what_its_intervals_cover():
    """compare --posterior: comparison.json's ``posterior`` section names the keys drawn, how
    many draws there were and which each replicate used, and tells the reader, word for word,
    what the intervals then cover. One draw, one replicate: draw 0."""
    post = pd.DataFrame({"election.turnout_base": [0.5]})
    got = M.compare([_tiny("a")], replicates=1, seed=5, posterior=post)
    assert got.comparison["posterior"] == {
        "keys": ["election.turnout_base"],
        "draws_available": 1,
        "draws_used": [0],
        "intervals": "cover replicate noise and the posterior's parameter uncertainty: "
        "replicate r runs with one draw, chosen from its seed (the same draw in every "
        "scenario)",
    }
