"""Paired comparison of scenarios on common random numbers.

Replicate r of every scenario runs with the same seed (``rng.replicate_seeds``), so it starts from
the same network and initial opinions wherever scenarios share population and network settings.
The effect of a scenario is the paired difference against the first (the baseline), replicate by
replicate, reported as a mean with a 95% Student-t confidence interval over replicates.

Runs go to ``jobs`` worker processes; each run depends only on its scenario and seed, so results
do not depend on the number of workers or the order runs finish in.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    as_completed,
    wait,
)
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model.config import ConfigError, Scenario
from model.config.experiment import PARTY_OUTPUTS, RUN_OUTPUTS
from model.pool import context
from model.rng import replicate_seeds
from model.runner import RunResult, run

CONFIDENCE = 0.95


@dataclass
class Comparison:
    """What a comparison produced."""

    scenarios: list[Scenario]
    seeds: list[int]
    runs: pd.DataFrame  # one row per scenario × replicate, final outcomes
    timeseries: pd.DataFrame  # tidy, with scenario and replicate columns
    comparison: dict[str, Any]  # paired differences against the first scenario
    final_opinions: dict[str, list[np.ndarray]]  # scenario → per replicate


def mean_ci(values: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, Any]:
    """Mean and Student-t confidence interval of independent values."""
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    mean = float(values.mean()) if n else float("nan")
    if n < 2:
        return {"mean": mean, "ci_low": None, "ci_high": None, "sd": None, "n": n}
    from scipy import stats  # imported here: scipy.stats costs ~1 s at start-up

    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "sd": sd, "n": n}


def run_row(result: RunResult, replicate: int) -> dict[str, Any]:
    """The runs-table row of one run: scenario, replicate, seed and final outcomes."""
    s = result.summary
    f = s["final"]
    row: dict[str, Any] = {"scenario": s["scenario"], "replicate": replicate, "seed": s["seed"]}
    for key in RUN_OUTPUTS:
        if key in f:  # "steps" is the summary's, added by the sweep
            row[key] = f[key]
    for party in s["parties"]:
        for key in PARTY_OUTPUTS:
            row[f"{key}.{party}"] = f[key][party]
    return row


def _watch_parent() -> None:
    """Worker initializer: exit when the parent process dies (no orphaned runs)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _ready() -> None:
    """A no-op the pool runs first: its result means a worker is up."""


def _task(scenario: Scenario, seed: int, steps: int | None) -> RunResult:
    return run(scenario, seed=seed, steps=steps)


def run_all(
    tasks: Sequence[tuple[Any, ...]],
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    fn: Callable[..., Any] = _task,
) -> list[Any]:
    """Call ``fn(*task)`` for every task, on ``jobs`` local processes or ``executor``.

    Results come back in task order whatever the worker count or finishing order. With ``jobs``
    local processes, this process is one of them: it runs tasks from the back of the list while
    ``jobs - 1`` pool workers take them from the front (one at a time), so no core waits
    for the pool to start and nothing is run twice.
    """
    results: list[Any] = [None] * len(tasks)
    total = len(tasks)
    if executor is None and jobs <= 1:
        for i, task in enumerate(tasks):
            results[i] = fn(*task)
            if progress:
                progress(i + 1, total)
        return results
    if executor is not None:
        return _run_on(executor, tasks, fn, results, progress)
    return _run_local(tasks, jobs, fn, results, progress)


def _run_local(
    tasks: Sequence[tuple[Any, ...]],
    jobs: int,
    fn: Callable[..., Any],
    results: list[Any],
    progress: Callable[[int, int], None] | None,
) -> list[Any]:
    """``jobs - 1`` pool workers take tasks from the front, this process from the back.

    The pool is fed from a thread: starting a worker waits for the forkserver to finish
    importing the simulator (2–3 s), and this process runs tasks meanwhile instead of waiting.
    Completions reach this thread through a queue, so ``progress`` is only called from here.
    """
    total = len(tasks)
    pending = deque(range(total))
    lock = threading.Lock()
    finished: queue.Queue = queue.Queue()
    pool = ProcessPoolExecutor(
        max_workers=jobs - 1, mp_context=context(), initializer=_watch_parent
    )

    def take(front: bool) -> int | None:
        with lock:
            if not pending:
                return None
            return pending.popleft() if front else pending.pop()

    def feed() -> None:
        inflight: dict[Future, int] = {}
        try:
            # no task goes to a worker that is still starting: if this process ran out of tasks
            # first, it would have to wait for that worker to start and finish it
            pool.submit(_ready).result()
            while True:
                while len(inflight) < jobs - 1 and (i := take(front=True)) is not None:
                    inflight[pool.submit(fn, *tasks[i])] = i
                if not inflight:
                    return
                for future in wait(inflight, return_when=FIRST_COMPLETED).done:
                    finished.put((inflight.pop(future), future.result(), None))
        except BaseException as err:  # noqa: BLE001 - handed to the calling thread
            finished.put((None, None, err))

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    done = 0

    def record(i: int | None, result: Any, err: BaseException | None) -> None:
        nonlocal done
        if err is not None:
            raise err
        results[i] = result
        done += 1
        if progress:
            progress(done, total)

    try:
        while (i := take(front=False)) is not None:
            record(i, fn(*tasks[i]), None)
            while not finished.empty():
                record(*finished.get())
        while done < total:
            record(*finished.get())
    except BaseException:
        with lock:
            pending.clear()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    # the feeder may still wait for a worker that never got a task: do not wait for it
    pool.shutdown(wait=False, cancel_futures=True)
    return results


def _run_on(
    executor: Executor,
    tasks: Sequence[tuple[Any, ...]],
    fn: Callable[..., Any],
    results: list[Any],
    progress: Callable[[int, int], None] | None,
) -> list[Any]:
    """All tasks on an external executor (Dask), results in task order."""
    futures = {executor.submit(fn, *task): i for i, task in enumerate(tasks)}
    for done, future in enumerate(as_completed(futures), start=1):
        results[futures[future]] = future.result()
        if progress:
            progress(done, len(tasks))
    return results


def paired(runs: pd.DataFrame, baseline: str, other: str, column: str) -> dict[str, Any]:
    """Paired difference other − baseline of ``column`` over replicates, with its CI."""
    a = runs[runs.scenario == baseline].set_index("replicate")[column]
    b = runs[runs.scenario == other].set_index("replicate")[column]
    diff = (b - a.reindex(b.index)).to_numpy(dtype=np.float64)
    return mean_ci(diff)


def analyse(runs: pd.DataFrame, names: list[str], parties: list[str]) -> dict[str, Any]:
    """comparison.json: per-scenario means and paired differences against the first."""
    baseline = names[0]
    out: dict[str, Any] = {
        "baseline": baseline,
        "confidence": CONFIDENCE,
        "replicates": int(runs.replicate.nunique()),
        "parties": parties,
        "scenarios": {},
        "differences": {},
    }
    metrics = ("vote_share", "share_of_voice", "reach", "active_champions", "cost")
    for name in names:
        sel = runs[runs.scenario == name]
        entry: dict[str, Any] = {m: {p: mean_ci(sel[f"{m}.{p}"]) for p in parties} for m in metrics}
        entry["turnout"] = mean_ci(sel["turnout"])
        entry["polarization"] = mean_ci(sel["polarization"])
        entry["engaged"] = mean_ci(sel["engaged"])
        out["scenarios"][name] = entry
    for name in names[1:]:
        diff: dict[str, Any] = {}
        for metric in ("vote_share", "share_of_voice", "cost"):
            diff[metric] = {p: paired(runs, baseline, name, f"{metric}.{p}") for p in parties}
        diff["turnout"] = paired(runs, baseline, name, "turnout")
        diff["cost_per_vote_point"] = {}
        for p in parties:
            gain = diff["vote_share"][p]["mean"] * 100
            extra = diff["cost"][p]["mean"]
            diff["cost_per_vote_point"][p] = {
                "value": extra / gain if gain > 0 else None,
                "note": (
                    "extra cost per percentage point of vote share gained over the baseline"
                    if gain > 0
                    else "no vote share gained over the baseline"
                ),
            }
        out["differences"][name] = diff
    return out


def compare(
    scenarios: Sequence[Scenario],
    *,
    replicates: int = 10,
    seed: int = 0,
    jobs: int = 1,
    steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> Comparison:
    """Run every scenario ``replicates`` times on common random numbers and pair them.

    Args:
        scenarios: loaded scenarios; the first is the baseline. Names must be unique.
        replicates: runs per scenario (replicate r uses the same seed in every scenario).
        seed: the comparison's seed; replicate seeds derive from it.
        jobs: worker processes (1 = in this process).
        steps: overrides every scenario's steps.
        progress: called as ``progress(done, total)`` as runs finish.
        executor: any ``concurrent.futures.Executor`` to run on instead of local processes.
    """
    names = [s.name for s in scenarios]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(
            [
                f"compare: scenario names must be unique, got {', '.join(dupes)} "
                "twice (set a different 'name' in each file)"
            ]
        )
    if replicates < 1:
        raise ConfigError([f"compare: --replicates: expected an integer >= 1, got {replicates}"])
    seeds = replicate_seeds(seed, replicates)
    tasks = [(s, rs, steps) for s in scenarios for rs in seeds]
    results = run_all(tasks, jobs=jobs, progress=progress, executor=executor)
    rows, frames = [], []
    opinions: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for i, result in enumerate(results):
        replicate = i % replicates
        rows.append(run_row(result, replicate))
        ts = result.timeseries
        ts.insert(0, "replicate", replicate)
        ts.insert(0, "scenario", result.scenario.name)
        frames.append(ts)
        opinions[result.scenario.name].append(result.final_opinions)
    runs = pd.DataFrame(rows)
    parties = list(dict.fromkeys(p for s in scenarios for p in s.parties))
    return Comparison(
        scenarios=list(scenarios),
        seeds=seeds,
        runs=runs,
        timeseries=pd.concat(frames, ignore_index=True),
        comparison=analyse(runs, names, parties),
        final_opinions=opinions,
    )
