"""model.comparison against values worked out by hand: intervals, the runs-table row, the
task scheduler's order, restarts and progress, and comparison.json on a hand-built runs table.

Expected numbers come from the textbook formulas (Student-t table values, the Wilson score
formula, paired differences and ICERs computed here), never from the function under test. The
scheduler tests put a thread pool in place of the process pool, so they run in milliseconds;
tests/test_processes.py runs the same code on real processes.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd
import pytest

from model import comparison as M
from model.config import ConfigError, scenario_from_dict
from model.config.experiment import PARTY_OUTPUTS, RUN_OUTPUTS
from model.config.plan import CHANNELS
from model.rng import replicate_seeds
from tests.conftest import tiny_data

# Student-t quantiles: 2 and 1 degrees of freedom in closed form (table: 4.303, 12.706), 4 from
# scipy.stats.t.ppf (table: 2.776, 2.132)
T975_2 = 0.95 / math.sqrt(2 * 0.975 * 0.025)
T975_1 = math.tan(math.pi * 0.475)
T975_4 = 2.7764451051977934
T95_4 = 2.1318467863266495  # 95 % quantile, 4 degrees of freedom (table: 2.132)
Z975 = 1.959963984540054  # standard normal 97.5 % quantile


# --- mean_ci ---------------------------------------------------------------------------------


def test_mean_ci_is_the_student_t_interval_of_the_values():
    """mean_ci: mean ± t(0.975, n-1) · sd / √n with the n-1 standard deviation (1..5: mean 3,
    sd √2.5); at 90 % confidence the 95 % quantile of t is used."""
    got = M.mean_ci(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    sd = math.sqrt(2.5)
    half = T975_4 * sd / math.sqrt(5)
    assert got["mean"] == 3.0 and got["n"] == 5
    assert got["sd"] == pytest.approx(sd, rel=1e-12)
    assert got["ci_low"] == pytest.approx(3.0 - half, rel=1e-12)
    assert got["ci_high"] == pytest.approx(3.0 + half, rel=1e-12)
    narrow = M.mean_ci([1.0, 2.0, 3.0, 4.0, 5.0], confidence=0.9)
    assert narrow["ci_high"] - narrow["mean"] == pytest.approx(T95_4 * sd / math.sqrt(5), rel=1e-12)


def test_mean_ci_of_one_value_has_no_interval_and_of_none_no_mean():
    """mean_ci's small-sample guard: one value gives its mean and no interval (n = 2 is the
    first with one), no value a NaN mean."""
    assert M.mean_ci([7.0]) == {"mean": 7.0, "ci_low": None, "ci_high": None, "sd": None, "n": 1}
    two = M.mean_ci([1.0, 3.0])
    assert two["ci_low"] == pytest.approx(2.0 - T975_1 * math.sqrt(2) / math.sqrt(2))
    empty = M.mean_ci([])
    assert math.isnan(empty["mean"]) and empty["n"] == 0 and empty["ci_low"] is None


# --- run_row ---------------------------------------------------------------------------------


def _result(final: dict, parties: list[str], name: str = "s", seed: int = 42) -> M.RunResult:
    summary = {"scenario": name, "seed": seed, "parties": parties, "final": final}
    return M.RunResult(
        scenario=None,
        seed=seed,
        timeseries=pd.DataFrame(),
        summary=summary,
        final_opinions=np.zeros(1),
        agents=None,
        wall_time=0.0,
    )


def test_run_row_holds_scenario_replicate_seed_and_every_reported_outcome():
    """run_row: the runs-table row is scenario, replicate, seed, then each run-level output the
    summary reports (an output it lacks, like ``steps``, is left out) and each party output as
    ``<output>.<party>``."""
    final = {k: float(i) for i, k in enumerate(RUN_OUTPUTS) if k != "steps"}
    for i, key in enumerate(PARTY_OUTPUTS):
        final[key] = {"blue": 100.0 + i, "red": 200.0 + i}
    row = M.run_row(_result(final, ["blue", "red"]), replicate=3)
    assert list(row)[:3] == ["scenario", "replicate", "seed"]
    assert (row["scenario"], row["replicate"], row["seed"]) == ("s", 3, 42)
    assert "steps" not in row
    assert row["turnout"] == float(RUN_OUTPUTS.index("turnout"))
    assert row["vote_share.blue"] == 100.0 + PARTY_OUTPUTS.index("vote_share")
    assert row["cost.red"] == 200.0 + PARTY_OUTPUTS.index("cost")
    expected = 3 + len([k for k in RUN_OUTPUTS if k != "steps"]) + 2 * len(PARTY_OUTPUTS)
    assert len(row) == expected


# --- run_all: in this process, on an executor, on a (thread) pool -----------------------------


def _add(a, b):
    return a + b


def test_run_all_in_process_keeps_order_and_counts_progress(thread_pool):
    """run_all with one job (the default): every task in order in this process, no pool,
    progress (done, total)."""
    seen = []
    got = M.run_all([(1, 2), (3, 4), (5, 6)], fn=_add, progress=lambda d, t: seen.append((d, t)))
    assert got == [3, 7, 11]
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert thread_pool.made == []


def _in_pool() -> bool:
    return threading.current_thread().name.startswith("pool")


def _run_all_within(seconds: float, *args, **kwargs):
    """run_all in a thread, failing (not hanging) if it has not returned after ``seconds``."""
    box: dict = {}

    def target():
        try:
            box["result"] = M.run_all(*args, **kwargs)
        except BaseException as err:  # noqa: BLE001 - re-raised in the test's thread
            box["error"] = err

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"run_all did not return within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["result"]


class _ThreadPool(ThreadPoolExecutor):
    """Stands in for ProcessPoolExecutor in _run_local (same arguments; no lifeline needed)."""

    made: list[_ThreadPool] = []

    def __init__(self, max_workers, mp_context=None, initializer=None, initargs=()):
        super().__init__(max_workers=max_workers, thread_name_prefix="pool")
        self.max_workers = max_workers
        _ThreadPool.made.append(self)


@pytest.fixture
def thread_pool(monkeypatch):
    _ThreadPool.made = []
    monkeypatch.setattr(M, "ProcessPoolExecutor", _ThreadPool)
    return _ThreadPool


def _add_once_a_pool_exists(a, b):
    """_add, once run_all's feeder thread has made its pool: this process runs tasks while the
    pool starts, so with instant tasks it could finish them all before any pool is made."""
    deadline = time.monotonic() + 10
    while not _ThreadPool.made and time.monotonic() < deadline:
        time.sleep(0.001)
    return a + b


def test_one_task_with_many_jobs_runs_here_without_a_pool(thread_pool):
    """run_all's shortcut: a single task (or jobs = 1) starts no pool."""
    assert M.run_all([(2, 3)], jobs=4, fn=_add) == [5]
    assert M.run_all([(2, 3), (4, 5)], jobs=1, fn=_add) == [5, 9]
    assert thread_pool.made == []
    # two tasks and two jobs: a pool (the tasks wait for it, so none finishes them all first)
    assert _run_all_within(10, [(2, 3), (4, 5)], jobs=2, fn=_add_once_a_pool_exists) == [5, 9]
    assert len(thread_pool.made) == 1


def test_run_on_an_executor_returns_results_in_task_order():
    """_run_on: results land at their task's index whatever order they finish in (later tasks
    finish first here), and progress counts finished runs."""

    def slow_first(i):
        time.sleep(0.02 * (3 - i))
        return i * 10

    seen = []
    with ThreadPoolExecutor(3) as ex:
        got = M.run_all(
            [(0,), (1,), (2,)],
            executor=ex,
            fn=slow_first,
            progress=lambda d, t: seen.append((d, t)),
        )
    assert got == [0, 10, 20]
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_run_on_an_executor_keeps_at_most_in_flight_tasks_out(monkeypatch):
    """_run_on submits IN_FLIGHT tasks, then one more as each finishes: with 2, no more than two
    are ever taken from the task list ahead of the results, and all come back in order."""
    monkeypatch.setattr(M, "IN_FLIGHT", 2)
    taken, lock = [], threading.Lock()
    finished = []

    class Tasks:
        def __len__(self):
            return 7

        def __getitem__(self, i):
            with lock:
                taken.append(i)
                assert len(taken) - len(finished) <= 2, (taken, finished)
            return (i,)

    def work(i):
        time.sleep(0.005 * (i % 3))
        with lock:
            finished.append(i)
        return i * 10

    with ThreadPoolExecutor(4) as ex:
        got = M.run_all(Tasks(), executor=ex, fn=work)
    assert got == [i * 10 for i in range(7)]
    assert taken == list(range(7))


def test_local_pool_workers_take_from_the_front_and_this_process_from_the_back(thread_pool):
    """_run_local: jobs - 1 pool workers take tasks from the front in order, this process from
    the back; results in task order, progress counted 1..total in this thread only."""
    ran: dict[int, bool] = {}
    first_taken = threading.Event()
    progress_threads = []

    def task(i):
        ran[i] = _in_pool()
        if _in_pool():
            first_taken.set()
        elif not first_taken.is_set():
            first_taken.wait(5)  # let a worker start before this process takes everything
        time.sleep(0.005)
        return i * i

    seen = []

    def progress(done, total):
        progress_threads.append(threading.current_thread())
        seen.append((done, total))

    n = 12
    got = _run_all_within(10, [(i,) for i in range(n)], jobs=3, fn=task, progress=progress)
    assert got == [i * i for i in range(n)]
    assert seen == [(k, n) for k in range(1, n + 1)]
    assert len(set(progress_threads)) == 1 and not progress_threads[0].name.startswith("pool")
    assert len(thread_pool.made) == 1 and thread_pool.made[0].max_workers == 2
    here = sorted(i for i, pooled in ran.items() if not pooled)
    pool = sorted(i for i, pooled in ran.items() if pooled)
    assert here and pool and sorted(here + pool) == list(range(n))
    assert pool == list(range(len(pool)))  # a prefix: the front
    assert here == list(range(len(pool), n))  # the rest: the back


def _dies_in_pool(times: int):
    """A task that breaks the (thread) pool the first ``times`` times a worker runs task 0."""
    state = {"left": times, "gate": threading.Event()}

    def task(i):
        if not _in_pool():
            if i == 5:  # the last task: wait until task 0 broke the pool ``times`` times
                state["gate"].wait(5)
            return -i
        if i == 0 and state["left"] > 0:
            state["left"] -= 1
            if state["left"] == 0:
                state["gate"].set()
            raise BrokenProcessPool("a worker died")
        time.sleep(0.01)
        return -i

    return task


def test_a_dead_worker_costs_only_its_run_and_a_new_pool_takes_over(thread_pool):
    """_run_local's restart: a broken pool puts its runs in flight back in the list with one
    warning naming how many start again in a new worker, and a new pool serves the rest."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = _run_all_within(10, [(i,) for i in range(6)], jobs=2, fn=_dies_in_pool(1))
    assert got == [-i for i in range(6)]
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert messages == [
        "a worker process died (killed, or out of memory?): 1 run(s) start again, in a new worker"
    ]
    assert len(thread_pool.made) == 2


def test_workers_dying_past_the_restart_limit_leave_the_rest_to_this_process(thread_pool):
    """_run_local: RESTARTS new pools at most; when the last one breaks too, the warning says this
    process runs the rest, and every run still gives its result."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = _run_all_within(
            10, [(i,) for i in range(6)], jobs=2, fn=_dies_in_pool(M.RESTARTS + 1)
        )
    assert got == [-i for i in range(6)]
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(messages) == M.RESTARTS + 1
    assert all(m.endswith("in a new worker") for m in messages[:-1])
    assert messages[-1].endswith("1 run(s) start again, and the main process runs the rest")
    assert len(thread_pool.made) == M.RESTARTS + 1


def test_an_error_of_a_task_run_by_a_worker_is_raised_here(thread_pool):
    """_run_local: a task's own exception in a pool worker reaches the caller (not a restart)."""

    def task(i):
        if _in_pool():
            raise ValueError(f"bad task {i}")
        time.sleep(0.05)
        return i

    with pytest.raises(ValueError, match="bad task"):
        _run_all_within(10, [(i,) for i in range(20)], jobs=2, fn=task)


# --- analyse: comparison.json on a hand-built runs table -------------------------------------

BLUE = {"A": [0.40, 0.42, 0.44], "B": [0.42, 0.45, 0.48], "C": [0.40, 0.42, 0.44]}
RED = {"A": [0.30, 0.35, 0.50], "B": [0.30, 0.35, 0.40], "C": [0.30, 0.35, 0.50]}
COST_BLUE = {"A": 100.0, "B": 130.0, "C": 100.0}
TURNOUT = {"A": [0.5, 0.6, 0.7], "B": [0.9, 0.95, 1.0], "C": [0.5, 0.6, 0.7]}
ENGAGED = {"A": [0.2, 0.6, 0.5], "B": [0.3, 0.4, 0.5], "C": [0.2, 0.6, 0.5]}


def _runs() -> pd.DataFrame:
    rows = []
    for name in "ABC":
        for r in range(3):
            row = {"scenario": name, "replicate": r, "seed": 10 + r}
            row["turnout"] = TURNOUT[name][r]
            row["polarization"] = 0.4 + 0.1 * r
            row["engaged"] = ENGAGED[name][r]
            for p, vote, cost in (("blue", BLUE, COST_BLUE[name]), ("red", RED, 50.0)):
                row[f"vote_share.{p}"] = vote[name][r]
                row[f"share_of_voice.{p}"] = 0.5
                row[f"reach.{p}"] = 0.25
                row[f"active_champions.{p}"] = 2.0 + r
                row[f"cost.{p}"] = cost
                row[f"planned.{p}"] = cost
                row[f"underspend.{p}"] = 0.0
                for c in CHANNELS:
                    row[f"spend_{c}.{p}"] = cost / len(CHANNELS)
            rows.append(row)
    return pd.DataFrame(rows)


def _wilson(k: int, n: int, z: float = Z975) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.fixture
def report():  # per test, not per module: mutmut attributes a call to the test that made it
    return M.analyse(_runs(), ["A", "B", "C"], ["blue", "red"])


def test_analyse_levels_are_each_scenarios_own_replicates(report):
    """Levels: scenario A's blue vote share is the t interval of A's three replicates alone
    (0.42 ± t(0.975, 2) · 0.02 / √3); B's turnout interval would pass 1, so the bootstrap is
    used (turnout bounded to [0, 1]); A's stays Student-t."""
    assert report["baseline"] == "A" and report["replicates"] == 3
    assert report["parties"] == ["blue", "red"]
    level = report["scenarios"]["A"]["vote_share"]["blue"]
    half = T975_2 * 0.02 / math.sqrt(3)
    assert level["mean"] == pytest.approx(0.42, abs=1e-12)
    assert level["ci_low"] == pytest.approx(0.42 - half, abs=1e-12)
    assert level["ci_high"] == pytest.approx(0.42 + half, abs=1e-12)
    assert report["scenarios"]["B"]["vote_share"]["red"]["mean"] == pytest.approx(0.35)
    assert report["scenarios"]["A"]["turnout"]["method"] == "student-t"
    assert report["scenarios"]["A"]["turnout"]["ci_high"] == pytest.approx(
        0.6 + T975_2 * 0.1 / math.sqrt(3)
    )
    assert report["scenarios"]["B"]["turnout"]["method"] == "bootstrap-percentile"
    assert report["scenarios"]["B"]["turnout"]["ci_high"] <= 1.0
    pol = report["scenarios"]["A"]["polarization"]
    assert pol["mean"] == pytest.approx(0.5) and pol["method"] == "student-t"
    assert report["scenarios"]["C"]["active_champions"]["red"]["mean"] == pytest.approx(3.0)
    assert report["scenarios"]["B"]["cost"]["blue"]["mean"] == 130.0
    assert report["scenarios"]["B"]["spend_canvass"]["blue"]["mean"] == pytest.approx(
        130.0 / len(CHANNELS)
    )
    for m in ("vote_share", "two_party", "margin", "share_of_voice", "reach", "planned"):
        assert set(report["scenarios"]["C"][m]) == {"blue", "red"}


def test_analyse_bounded_levels_switch_to_the_bootstrap_only_outside_their_range(report):
    """Levels of [0, 1] outcomes: engaged in B is 0.3, 0.4, 0.5 (t interval inside):
    Student-t; A's engaged 0.2, 0.6, 0.5 has t interval below 0: the
    bootstrap, within the values' range."""
    assert report["scenarios"]["B"]["engaged"]["method"] == "student-t"
    a = report["scenarios"]["A"]["engaged"]
    assert a["method"] == "bootstrap-percentile"
    assert 0.2 <= a["ci_low"] <= a["ci_high"] <= 0.6
    # blue's vote share in A: 0.42 ± 0.0497, inside [0, 1]: Student-t
    assert report["scenarios"]["A"]["vote_share"]["blue"]["method"] == "student-t"


def test_analyse_win_probability_and_cascade_split_count_replicates(report):
    """Win: blue beats red in replicates 0 and 1 of A (0.42 > 0.35 ...) and loses replicate 2
    (0.44 < 0.50): 2 of 3, Wilson interval from the score formula. Cascade: engaged ≥ 0.5 in
    A's replicates 1 and 2 (0.5 exactly counts): 2 of 3."""
    win = report["scenarios"]["A"]["win"]
    assert (win["blue"]["k"], win["blue"]["n"], win["red"]["k"]) == (2, 3, 1)
    lo, hi = _wilson(2, 3)
    assert win["blue"]["ci_low"] == pytest.approx(lo, rel=1e-9)
    assert win["blue"]["ci_high"] == pytest.approx(hi, rel=1e-9)
    assert report["scenarios"]["B"]["win"]["blue"]["k"] == 3
    split = report["scenarios"]["A"]["engaged_split"]
    assert split["threshold"] == 0.5
    assert (split["cascade"]["k"], split["cascade"]["n"]) == (2, 3)
    assert split["if_cascade"]["mean"] == pytest.approx(0.55)
    assert split["if_not"]["mean"] == pytest.approx(0.2)


def test_analyse_contrasts_are_paired_and_identical_scenarios_give_zero(report):
    """Contrasts: B − A for blue differs by 0.02, 0.03, 0.04 replicate by replicate: mean 0.03,
    sd 0.01, interval ± t(0.975, 2) · 0.01 / √3 (unpaired it would be far wider); C is A again:
    exactly 0 with zero width and p = 1. Pairs with the baseline A are primary, B − C is not.
    Every contrasted outcome is there, turnout under the party ""."""
    cell = report["contrasts"]["B"]["A"]["vote_share"]["blue"]
    half = T975_2 * 0.01 / math.sqrt(3)
    assert cell["mean"] == pytest.approx(0.03, abs=1e-12)
    assert cell["ci_low"] == pytest.approx(0.03 - half, abs=1e-12)
    assert cell["ci_high"] == pytest.approx(0.03 + half, abs=1e-12)
    assert cell["primary"] is True
    same = report["contrasts"]["C"]["A"]["vote_share"]["blue"]
    assert (same["mean"], same["ci_low"], same["ci_high"], same["p_value"]) == (0.0, 0.0, 0.0, 1.0)
    assert report["contrasts"]["B"]["C"]["vote_share"]["blue"]["primary"] is False
    outcomes = report["contrasts"]["B"]["A"]
    assert set(outcomes) == {
        "vote_share",
        "two_party",
        "margin",
        "share_of_voice",
        "cost",
        "turnout",
    }
    assert set(outcomes["cost"]) == {"blue", "red"} and set(outcomes["turnout"]) == {""}
    assert outcomes["cost"]["blue"]["mean"] == pytest.approx(30.0)
    assert outcomes["turnout"][""]["mean"] == pytest.approx(0.35)


def test_analyse_a_named_baseline_makes_its_own_pairs_primary():
    """baseline="C": contrasts with C are primary, B − A is not; the methods say so."""
    got = M.analyse(_runs(), ["A", "B", "C"], ["blue", "red"], baseline="C")
    assert got["baseline"] == "C"
    assert got["contrasts"]["B"]["C"]["vote_share"]["blue"]["primary"] is True
    assert got["contrasts"]["B"]["A"]["vote_share"]["blue"]["primary"] is False
    assert "contrasts with C (the baseline)" in got["methods"]["primary"]
    assert "0.5" in got["methods"]["engaged"]
    assert got["methods"]["adjustment"] == "holm"


def test_analyse_icer_only_for_a_party_whose_spending_varies(report):
    """ICERs: blue spends 100, 130, 100 in A, B, C and gains 3 points in B (42 → 45 %): B's
    ICER against A is 30 / 3 = 10 per point, C equals A (dominated, only one kept); red spends
    50 everywhere, so it gets no cost-effectiveness table."""
    assert set(report["icer"]) == {"blue"}
    table = report["icer"]["blue"]["strategies"]
    assert table["B"]["compared_with"] == "A"
    assert table["B"]["icer"] == pytest.approx(10.0)
    assert table["B"]["inc_cost"] == pytest.approx(30.0)
    assert [table[s]["status"] for s in "ABC"] == ["ND", "ND", "D"]


def test_analyse_reports_an_undefined_outcome_as_none():
    """_no_nan: with no votes cast the two-party share is undefined in every replicate: its
    level is None (valid JSON), not NaN."""
    runs = _runs()
    runs.loc[runs.scenario == "C", ["vote_share.blue", "vote_share.red"]] = 0.0
    got = M.analyse(runs, ["A", "B", "C"], ["blue", "red"])
    assert got["scenarios"]["C"]["two_party"]["blue"]["mean"] is None
    assert got["scenarios"]["A"]["two_party"]["blue"]["mean"] == pytest.approx(
        np.mean([0.40 / 0.70, 0.42 / 0.77, 0.44 / 0.94])
    )


def test_no_nan_replaces_nan_in_nested_dicts_and_lists_only():
    """_no_nan: NaN anywhere in dicts and lists becomes None; other values are kept."""
    nan = float("nan")
    got = M._no_nan({"a": [1.0, nan, {"b": nan}], "c": nan, "d": "x", "e": 0.0})
    assert got == {"a": [1.0, None, {"b": None}], "c": None, "d": "x", "e": 0.0}


# --- compare: a tiny real comparison ----------------------------------------------------------


def _tiny(name: str):
    return scenario_from_dict({**tiny_data(citizens=30, steps=2), "name": name})


def test_compare_pairs_replicates_on_common_seeds_and_identical_scenarios_give_zero():
    """compare: replicate r of every scenario runs on seed r of replicate_seeds(seed); the
    runs table lists scenario a's replicates, then b's; a scenario identical to another but
    for its name contrasts to exactly 0 with zero width; progress counts every run."""
    seen = []
    got = M.compare(
        [_tiny("a"), _tiny("b")], replicates=2, seed=5, progress=lambda d, t: seen.append((d, t))
    )
    seeds = replicate_seeds(5, 2)
    assert got.seeds == seeds
    assert got.runs.scenario.tolist() == ["a", "a", "b", "b"]
    assert got.runs.replicate.tolist() == [0, 1, 0, 1]
    assert got.runs.seed.tolist() == seeds + seeds
    assert seen == [(k, 4) for k in range(1, 5)]
    cell = got.comparison["contrasts"]["b"]["a"]["vote_share"]["blue"]
    assert (cell["mean"], cell["ci_low"], cell["ci_high"]) == (0.0, 0.0, 0.0)
    assert got.comparison["baseline"] == "a"
    assert list(got.timeseries.columns[:2]) == ["scenario", "replicate"]
    assert set(got.timeseries.scenario) == {"a", "b"}
    assert got.timeseries.step.max() == 2
    assert len(got.final_opinions["a"]) == 2 and len(got.final_opinions["a"][0]) == 30
    np.testing.assert_array_equal(got.final_opinions["a"][1], got.final_opinions["b"][1])


def test_compare_steps_override_and_baseline():
    """compare: ``steps`` overrides every scenario's length; ``baseline`` names the primary."""
    got = M.compare([_tiny("a"), _tiny("b")], replicates=1, steps=1, baseline="b")
    assert got.timeseries.step.max() == 1
    assert got.comparison["baseline"] == "b"
    assert got.runs.replicate.tolist() == [0, 0]


def test_compare_seeds_the_bootstrap_with_its_own_seed(monkeypatch):
    """compare: the analysis (whose percentile bootstraps draw from its ``seed``) gets the
    comparison's seed, so a comparison with seed 5 is reproducible from 5 alone and two seeds
    do not share their resamples; with two replicates the intervals of a tiny comparison do
    not show it, so the seed handed over is checked."""
    seeds: list[int] = []
    real = M.analyse

    def analyse(runs, names, parties, baseline=None, seed=0):
        seeds.append(seed)
        return real(runs, names, parties, baseline, seed)

    monkeypatch.setattr(M, "analyse", analyse)
    M.compare([_tiny("a"), _tiny("b")], replicates=1, seed=5)
    assert seeds == [5]


def test_read_posterior_gives_the_readers_reason_and_reserves_draw(tmp_path):
    """read_posterior's one-line messages, exactly: an unreadable parquet file gives the
    reader's own message on one line, cut to 120 characters (pyarrow's names the path, so it is
    longer here); a column named ``draw`` is refused (runs.parquet's column)."""
    broken = tmp_path / "broken.parquet"
    broken.write_text("not a parquet file")
    reason = (
        f"Could not open Parquet input source '{broken}': Parquet magic bytes not found in "
        "footer. Either the file is corrupted or this is not a parquet file."
    )
    assert len(reason) > 121
    with pytest.raises(ConfigError) as info:
        M.read_posterior(broken, _tiny("a"))
    assert info.value.problems == [
        f"{broken}: expected a parquet or CSV file of draws: {reason[:120]}"
    ]
    reserved = tmp_path / "draw.csv"
    pd.DataFrame({"draw": [1.0]}).to_csv(reserved, index=False)
    with pytest.raises(ConfigError) as info:
        M.read_posterior(reserved, _tiny("a"))
    assert info.value.problems == [
        f"{reserved}: column 'draw' is reserved (runs.parquet's posterior_draw); expected "
        "scenario keys only"
    ]


def test_compare_with_a_posterior_lists_each_runs_draw_after_its_replicate():
    """compare with a posterior: runs.parquet's ``posterior_draw`` column comes right after
    ``replicate`` (before ``seed``); one draw, so every run used draw 0."""
    post = pd.DataFrame({"election.turnout_base": [0.5]})
    got = M.compare([_tiny("a"), _tiny("b")], replicates=1, seed=5, posterior=post)
    assert list(got.runs.columns[:4]) == ["scenario", "replicate", "posterior_draw", "seed"]
    assert got.runs["posterior_draw"].tolist() == [0, 0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replicates": 0}, "expected an integer >= 1, got 0"),
        ({"baseline": "zz"}, "expected one of the scenario names (a, b), got 'zz'"),
    ],
)
def test_compare_refuses_bad_arguments(kwargs, message):
    """compare's checks: at least one replicate, a baseline among the scenarios."""
    from model.config import ConfigError

    with pytest.raises(ConfigError) as err:
        M.compare([_tiny("a"), _tiny("b")], **kwargs)
    assert message in str(err.value)


def test_compare_refuses_duplicate_names():
    """compare: two scenarios with one name are refused, naming it once."""
    from model.config import ConfigError

    with pytest.raises(ConfigError) as err:
        M.compare([_tiny("a"), _tiny("a"), _tiny("b"), _tiny("b")], replicates=1)
    assert "must be unique, got a, b twice" in str(err.value)


def test_analyse_names_each_method_it_used(report):
    """comparison.json's sections, in order, and its ``methods`` block (what a reader of the
    file is told): one entry per
    statistic reported, the confidence level used, Holm as the adjustment, the cascade
    threshold of the split, Wilson for the win probability, a paired bootstrap for ICERs."""
    assert list(report) == [
        "baseline",
        "confidence",
        "replicates",
        "parties",
        "methods",
        "scenarios",
        "contrasts",
        "icer",
    ]
    methods = report["methods"]
    assert set(methods) == {
        "levels",
        "contrasts",
        "primary",
        "adjustment",
        "family",
        "adjusted_intervals",
        "win",
        "two_party",
        "margin",
        "engaged",
        "icer",
    }
    assert report["confidence"] == 0.95
    assert methods["adjustment"] == "holm"
    assert methods["primary"] == "contrasts with A (the baseline), reported unadjusted"
    assert methods["engaged"].startswith("split: P(engaged share >= 0.5) with a Wilson interval")
    assert "Wilson interval" in methods["win"] and "paired" in methods["contrasts"]
    assert "paired percentile bootstrap" in methods["icer"]


def test_each_pool_worker_holds_one_task_at_a_time(thread_pool):
    """_run_local feeds each pool worker one task at a time (none waits in the pool's queue
    while this process could run it), and a pool that runs out of tasks ends quietly: the
    worker keeps task 0 until this process has started task 1, so task 1 must run here; this
    process then finishes task 1 only after the pool is done."""
    ran: dict[int, bool] = {}
    t1_started, t0_done, first = threading.Event(), threading.Event(), threading.Event()

    def task(i):
        ran[i] = _in_pool()
        if _in_pool():
            first.set()
            if i == 0:
                t1_started.wait(5)
                t0_done.set()
        else:
            first.wait(5)
            if i == 1:
                t1_started.set()
                t0_done.wait(5)
                time.sleep(0.2)  # the feeder sees no task left and stops
        return i

    got = _run_all_within(20, [(i,) for i in range(6)], jobs=2, fn=task)
    assert got == list(range(6))
    assert ran == {0: True, 1: False, 2: False, 3: False, 4: False, 5: False}
    assert len(thread_pool.made) == 1


def test_a_free_worker_takes_the_next_task_while_another_is_busy(thread_pool):
    """_run_local refills a pool worker as soon as its task completes (first completed, not
    all): with two workers, task 0 stays busy until a worker has taken task 2."""
    took_2 = threading.Event()
    waited = {}

    def task(i):
        if _in_pool():
            if i >= 2:
                took_2.set()
            if i == 0:
                waited["ok"] = took_2.wait(5)
        else:
            took_2.wait(5)
        return i

    got = _run_all_within(20, [(i,) for i in range(8)], jobs=3, fn=task)
    assert got == list(range(8))
    assert waited == {"ok": True}


def test_a_finished_run_in_a_breaking_pool_is_kept(thread_pool):
    """_run_local: when the pool breaks, runs in flight that finished normally are kept (only
    the broken ones start again): task 1 finishes while task 0's worker dies."""
    started = threading.Barrier(2, timeout=5)
    broke = {"done": False}
    calls = []

    def task(i):
        calls.append(i)
        if _in_pool() and i in (0, 1) and not broke["done"]:
            started.wait()
            if i == 0:
                broke["done"] = True
                raise BrokenProcessPool("a worker died")
            time.sleep(0.1)
        elif not _in_pool():
            time.sleep(0.05)
        return i * 3

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = _run_all_within(20, [(i,) for i in range(8)], jobs=3, fn=task)
    assert got == [i * 3 for i in range(8)]
    assert calls.count(1) == 1  # kept, not run again
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert [m.split(": ")[-1] for m in messages] == ["1 run(s) start again, in a new worker"]


class _BreaksOnSubmit(_ThreadPool):
    """A pool found broken when a task is handed to it (the first time only)."""

    broken = True

    def submit(self, fn, *args, **kwargs):
        if fn is not M._ready and _BreaksOnSubmit.broken:
            _BreaksOnSubmit.broken = False
            raise BrokenProcessPool("broken on submit")
        return super().submit(fn, *args, **kwargs)


def test_a_task_refused_by_a_broken_pool_goes_back_to_the_list(monkeypatch):
    """_run_local: a task the pool refuses because it broke goes back to the list and runs
    (in a new pool or here); nothing is lost."""
    _ThreadPool.made = []
    _BreaksOnSubmit.broken = True
    monkeypatch.setattr(M, "ProcessPoolExecutor", _BreaksOnSubmit)
    started = threading.Event()

    def task(i):
        if _in_pool():
            started.set()
        else:
            started.wait(5)
        return i + 100

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        got = _run_all_within(20, [(i,) for i in range(6)], jobs=2, fn=task)
    assert got == [i + 100 for i in range(6)]
    assert len(_ThreadPool.made) == 2


def test_analyse_bootstrap_intervals_are_reproducible():
    """analyse seeds its bootstrap from the comparison's seed: the same runs give the same
    bootstrap intervals for each of three seeds, another seed other ones (twelve turnouts,
    eight of them 1, whose t interval passes 1, so the level is bootstrapped). With four
    distinct values below 1, two unseeded bootstraps agree by chance about once in a hundred
    (measured), so three agreeing seeds leave an unseeded bootstrap about one chance in 10⁶;
    with the first version's three lows (0.5, 0.7, 0.9) they agreed half the time."""
    runs = pd.concat([_runs()[lambda d: d.scenario == "B"]] * 4, ignore_index=True)
    runs["replicate"] = range(12)
    runs["turnout"] = [1.0] * 8 + [0.137, 0.412, 0.733, 0.291]

    def turnout(seed):
        return M.analyse(runs, ["B"], ["blue", "red"], seed=seed)["scenarios"]["B"]["turnout"]

    first = {s: turnout(s) for s in (3, 5, 7)}
    assert first[3]["method"] == "bootstrap-percentile"
    assert all(turnout(s) == first[s] for s in (3, 5, 7))
    other = turnout(4)
    assert (first[3]["ci_low"], first[3]["ci_high"]) != (other["ci_low"], other["ci_high"])


def test_analyse_bounds_each_level_to_its_outcomes_range():
    """Levels of bounded outcomes switch to the bootstrap when the t interval leaves [0, 1]
    at either end: red's vote share 0, 0, 0.06 in C (below 0), polarization and engaged
    0.7, 1, 1 (above 1); active champions are unbounded, so they stay Student-t."""
    runs = _runs()
    c = runs.scenario == "C"
    runs.loc[c, "vote_share.red"] = [0.0, 0.0, 0.06]
    runs.loc[c, "polarization"] = [0.7, 1.0, 1.0]
    runs.loc[c, "engaged"] = [0.7, 1.0, 1.0]
    runs.loc[c, "active_champions.blue"] = [0.0, 0.0, 3.0]
    got = M.analyse(runs, ["A", "B", "C"], ["blue", "red"])["scenarios"]["C"]
    assert got["vote_share"]["red"]["method"] == "bootstrap-percentile"
    assert got["vote_share"]["red"]["ci_low"] >= 0.0
    assert got["polarization"]["method"] == "bootstrap-percentile"
    assert got["engaged"]["method"] == "bootstrap-percentile"
    champions = got["active_champions"]["blue"]
    assert champions["method"] == "student-t" and champions["ci_low"] < 0


def test_analyse_two_scenarios_with_different_spending_get_an_icer():
    """ICERs with two scenarios: blue spends 100 in A and 130 in B: a frontier of two."""
    runs = _runs()
    got = M.analyse(runs[runs.scenario != "C"], ["A", "B"], ["blue", "red"])
    assert set(got["icer"]) == {"blue"}
    assert got["icer"]["blue"]["strategies"]["B"]["icer"] == pytest.approx(10.0)


class _Recording(ThreadPoolExecutor):
    def __init__(self):
        super().__init__(2)
        self.submitted = 0

    def submit(self, fn, *args, **kwargs):
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_compare_defaults_and_where_its_runs_go(thread_pool):
    """compare: by default 10 replicates on seed 0 in this process (no pool); jobs=2 starts a
    pool; an executor gets every run; the runs table, timeseries (numbered rows, replicate
    column) and scenarios are those of the runs."""
    one = M.compare([_tiny("a")])
    assert one.seeds == replicate_seeds(0, 10) and len(one.runs) == 10
    assert thread_pool.made == []
    assert [s.name for s in one.scenarios] == ["a"]
    two = M.compare([_tiny("a"), _tiny("b")], replicates=2, jobs=2)
    assert len(thread_pool.made) == 1
    assert sorted(set(two.timeseries.replicate)) == [0, 1]
    assert two.timeseries.index.tolist() == list(range(len(two.timeseries)))
    with _Recording() as ex:
        on = M.compare([_tiny("a"), _tiny("b")], replicates=2, executor=ex)
        assert ex.submitted == 4
    pd.testing.assert_frame_equal(on.runs, two.runs)
