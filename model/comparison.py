"""Paired comparison of scenarios on common random numbers.

Replicate r of every scenario runs with the same seed (``rng.replicate_seeds``), so it starts from
the same network and initial opinions wherever scenarios share population and network settings.
Every pair of scenarios is contrasted replicate by replicate (``model.contrasts``): contrasts with
the baseline are primary, the others adjusted for multiplicity (Holm).

Runs go to ``jobs`` worker processes; each run depends only on its scenario and seed, so results
do not depend on the number of workers or the order runs finish in.
"""

from __future__ import annotations

import queue
import threading
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.config import ConfigError, Scenario
from model.config.experiment import PARTY_OUTPUTS, RUN_OUTPUTS
from model.config.plan import CHANNELS
from model.pool import context, exit_when_closed, lifeline
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
    comparison: dict[str, Any]  # comparison.json: levels, contrasts, ICERs (model.contrasts)
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
    for the pool to start. The workers end with this call, or with this process if it dies
    first, even by SIGKILL (:mod:`model.pool`). A worker that dies (killed, out of memory) loses
    only the runs in flight on the pool; they run again (see :func:`_run_local`), which gives the
    same results: ``fn`` must depend on its arguments only, as every run does on its seed.
    An exception raised by ``fn`` is raised here.
    """
    results: list[Any] = [None] * len(tasks)
    total = len(tasks)
    if executor is None and (jobs <= 1 or total <= 1):
        for i, task in enumerate(tasks):
            results[i] = fn(*task)
            if progress:
                progress(i + 1, total)
        return results
    if executor is not None:
        return _run_on(executor, tasks, fn, results, progress)
    return _run_local(tasks, jobs, fn, results, progress)


# pools replaced after a worker died, before this process runs what is left on its own
RESTARTS = 2
_WAKE = (None, None, None)  # on the queue: tasks went back to the list, look again


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

    Workers hold a :func:`model.pool.lifeline` whose write end only this process holds; it is
    closed on the way out, so every worker exits, idle or mid-run, when this function returns or
    raises, or when this process dies.

    A worker that dies breaks its pool: the pool ends its other workers, and the tasks in flight
    there (at most ``jobs - 1``) go back to the front of the list, with a warning; finished
    tasks are kept. A new pool takes over, up to ``RESTARTS`` times; after that this process
    runs the remaining tasks alone. So no run is lost and none is reported failed for a dead
    worker; if a task kills every process that runs it, it kills this one too, as with
    ``jobs=1``.
    """
    total = len(tasks)
    workers = jobs - 1
    pending = deque(range(total))
    lock = threading.Lock()
    stopped = threading.Event()
    finished: queue.Queue = queue.Queue()
    reader, writer = lifeline()

    def take(front: bool) -> int | None:
        with lock:
            if not pending:
                return None
            return pending.popleft() if front else pending.pop()

    def requeue(lost: list[int]) -> None:
        with lock:
            if not stopped.is_set():
                pending.extendleft(sorted(lost, reverse=True))  # back at the front, in order
        finished.put(_WAKE)

    def submit(pool: ProcessPoolExecutor, i: int) -> Future:
        try:
            return pool.submit(fn, *tasks[i])
        except BrokenProcessPool:
            requeue([i])
            raise

    def serve(pool: ProcessPoolExecutor) -> list[int] | None:
        """Feed ``pool`` one task per worker until none is left (None), or a worker died: then
        the tasks lost with the pool, back in the list."""
        inflight: dict[Future, int] = {}
        try:
            # no task goes to a worker that is still starting: if this process ran out of tasks
            # first, it would have to wait for that worker to start and finish it
            pool.submit(_ready).result()
            while True:
                while len(inflight) < workers and (i := take(front=True)) is not None:
                    inflight[submit(pool, i)] = i
                if not inflight:
                    return None
                for future in wait(inflight, return_when=FIRST_COMPLETED).done:
                    finished.put((inflight[future], future.result(), None))
                    del inflight[future]
        except BrokenProcessPool:
            wait(inflight)  # the pool fails or finishes all of them at once
            lost = []
            for future, i in inflight.items():
                if isinstance(future.exception(), BrokenProcessPool):
                    lost.append(i)
                else:
                    finished.put((i, future.result(), None))  # or raise fn's own error
            requeue(lost)
            return lost

    def feed() -> None:
        try:
            for attempt in range(RESTARTS + 1):
                if stopped.is_set():
                    return
                pool = ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=context(),
                    initializer=exit_when_closed,
                    initargs=(reader,),
                )
                try:
                    lost = serve(pool)
                finally:
                    pool.shutdown(wait=False, cancel_futures=True)
                if lost is None or stopped.is_set():  # all done, or this call is over
                    return
                then = (
                    "in a new worker"
                    if attempt < RESTARTS
                    else "and the main process runs the rest"
                )
                warnings.warn(
                    f"a worker process died (killed, or out of memory?): {len(lost)} run(s) "
                    f"start again, {then}",
                    RuntimeWarning,
                    stacklevel=1,
                )
        except BaseException as err:  # noqa: BLE001 - handed to the calling thread
            finished.put((None, None, err))
        finally:
            finished.put(_WAKE)  # the tasks still listed are this thread's to run
            reader.close()

    feeder = threading.Thread(target=feed, name="socialweb-pool-feeder", daemon=True)
    feeder.start()
    done = 0

    def record(i: int | None, result: Any, err: BaseException | None) -> None:
        nonlocal done
        if err is not None:
            raise err
        if i is None:  # _WAKE
            return
        results[i] = result
        done += 1
        if progress:
            progress(done, total)

    try:
        while done < total:
            if (i := take(front=False)) is not None:
                record(i, fn(*tasks[i]), None)
                while not finished.empty():
                    record(*finished.get())
            else:
                record(*finished.get())
    finally:
        with lock:
            stopped.set()
            pending.clear()
        # every worker exits now; the feeder sees its pool break and stops. It may still be
        # waiting for a worker to start: do not wait for it (the worker exits as it starts)
        writer.close()
    return results


def _run_on(
    executor: Executor,
    tasks: Sequence[tuple[Any, ...]],
    fn: Callable[..., Any],
    results: list[Any],
    progress: Callable[[int, int], None] | None,
) -> list[Any]:
    """All tasks on an external executor (Dask), results in task order. At most ``IN_FLIGHT``
    tasks are submitted at a time, the next one as each finishes: a big design's tasks are built
    (``sweeps.SweepTasks``) and sent as the cluster takes them, not all at once."""
    total = len(tasks)
    inflight: dict[Future, int] = {}
    following = iter(range(total))

    def submit_next() -> None:
        if (i := next(following, None)) is not None:
            inflight[executor.submit(fn, *tasks[i])] = i

    for _ in range(min(IN_FLIGHT, total)):
        submit_next()
    done = 0
    while inflight:
        for future in wait(inflight, return_when=FIRST_COMPLETED).done:
            results[inflight.pop(future)] = future.result()
            done += 1
            if progress:
                progress(done, total)
            submit_next()
    return results


# tasks on an external executor at once: enough to keep a cluster's workers busy (a few each on
# dozens of workers), few enough that a design's runs are not all held in memory
IN_FLIGHT = 256


LEVELS = {  # outcome → range it can take (None: unbounded), for the level intervals
    "vote_share": (0.0, 1.0),
    "two_party": (0.0, 1.0),
    "margin": (-1.0, 1.0),
    "share_of_voice": (0.0, 1.0),
    "reach": (0.0, 1.0),
    "active_champions": None,
    "cost": None,
    "planned": None,
    "underspend": None,
    **{f"spend_{c}": None for c in CHANNELS},
}
CONTRASTED = ("vote_share", "two_party", "margin", "share_of_voice", "cost")


def analyse(
    runs: pd.DataFrame,
    names: list[str],
    parties: list[str],
    baseline: str | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """comparison.json: levels, win probabilities, splits, every pairwise contrast and the
    cost-effectiveness frontier (``model.contrasts`` says how each is computed)."""
    from model import contrasts as C

    baseline = baseline or names[0]
    rng = np.random.default_rng([seed, 0x5EED])  # bootstrap resamples: reproducible
    runs = C.party_outcomes(runs, parties)
    out: dict[str, Any] = {
        "baseline": baseline,
        "confidence": CONFIDENCE,
        "replicates": int(runs.replicate.nunique()),
        "parties": parties,
        "methods": {
            "levels": "Student-t over replicates; percentile bootstrap where t would leave the "
            "outcome's range",
            "contrasts": "contrasts[A][B] = A - B, paired by replicate, Student-t interval and "
            "paired t-test",
            "primary": f"contrasts with {baseline} (the baseline), reported unadjusted",
            "adjustment": "holm",
            "family": "the non-primary contrasts of one outcome for one party",
            "adjusted_intervals": "Bonferroni level 1 - alpha/m within the family",
            "win": "share of replicates in which the party's vote share is strictly the highest; "
            "Wilson interval",
            "two_party": "the party's votes / votes cast (all parties)",
            "margin": "the party's vote share minus the best rival's",
            "engaged": f"split: P(engaged share >= {C.CASCADE}) with a Wilson interval, and the "
            "mean in each kind with a percentile bootstrap",
            "icer": "frontier on mean spend and vote share; paired percentile bootstrap",
        },
        "scenarios": {},
        "contrasts": {},
        "icer": {},
    }
    for name in names:
        sel = runs[runs.scenario == name]
        entry: dict[str, Any] = {
            m: {p: C.level(sel[f"{m}.{p}"].to_numpy(), rng, bounds) for p in parties}
            for m, bounds in LEVELS.items()
        }
        entry["win"] = {p: C.wilson(int(sel[f"win.{p}"].sum()), len(sel)) for p in parties}
        entry["turnout"] = C.level(sel["turnout"].to_numpy(), rng, (0.0, 1.0))
        entry["polarization"] = C.level(sel["polarization"].to_numpy(), rng, (0.0, 1.0))
        entry["engaged"] = C.level(sel["engaged"].to_numpy(), rng, (0.0, 1.0))
        entry["engaged_split"] = C.split(sel["engaged"].to_numpy(), rng)
        out["scenarios"][name] = entry
    columns = {m: parties for m in CONTRASTED} | {"turnout": [""]}
    out["contrasts"] = C.contrasts(runs, names, columns, baseline)
    for p in parties:
        means = [runs[runs.scenario == n][f"cost.{p}"].mean() for n in names]
        if len(names) > 1 and max(means) > min(means):  # the party's spending varies
            out["icer"][p] = C.icer_table(runs, names, p, rng)
    return _no_nan(out)


def _no_nan(obj: Any) -> Any:
    """NaN (an outcome undefined in every replicate, e.g. a two-party share with no votes
    cast) as None, so comparison.json is valid JSON and two equal comparisons compare equal."""
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_no_nan(v) for v in obj]
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


def posterior_draws(posterior: pd.DataFrame, seeds: list[int]) -> pd.DataFrame:
    """One posterior row per replicate, drawn uniformly with replacement by a generator seeded
    from that replicate's seed alone (so replicate r's draw does not depend on how many
    replicates there are); a ``draw`` column holds the row's index in ``posterior``."""
    picks = [
        int(
            np.random.default_rng(np.random.SeedSequence(s, spawn_key=(13,))).integers(
                len(posterior)
            )
        )
        for s in seeds
    ]
    out = posterior.iloc[picks].reset_index(drop=True)
    out.insert(0, "draw", picks)
    return out


def with_posterior(scenario: Scenario, row: pd.Series) -> Scenario:
    """The scenario with one posterior draw's values set (every column but ``draw``)."""
    from model.config.load import with_overrides

    return with_overrides(scenario, {k: float(v) for k, v in row.items() if k != "draw"})


def read_posterior(path: str | Path, scenario: Scenario) -> pd.DataFrame:
    """A posterior file (parquet or CSV; one column per scenario key, one row per draw),
    checked: every column a numeric key of ``scenario`` and every value within its range
    (ConfigError, one line naming the file, the column and the first bad draw)."""
    from model.config.yamlread import file_kind

    path = Path(path)
    if (other := file_kind(path)) is not None:
        raise ConfigError([f"{path}: expected a parquet or CSV file of draws, got {other}"])
    try:
        frame = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    except FileNotFoundError:
        raise ConfigError([f"{path}: posterior file not found (--posterior)"]) from None
    except Exception as err:  # noqa: BLE001 - pyarrow and pandas raise many kinds
        text = " ".join(str(err).split())[:120]
        raise ConfigError([f"{path}: expected a parquet or CSV file of draws: {text}"]) from None
    if frame.empty or frame.shape[1] == 0:
        raise ConfigError([f"{path}: expected at least one draw and one column, got none"])
    if "draw" in frame.columns:
        raise ConfigError(
            [
                f"{path}: column 'draw' is reserved (runs.parquet's posterior_draw); expected "
                "scenario keys only"
            ]
        )
    for column in frame.columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise ConfigError(
                [
                    f"{path}: draw {row}: expected a number in column {column!r}, got "
                    f"{frame[column].iloc[row]!r}"
                ]
            )
        frame[column] = values.astype(float)
    # every column must be a scenario key whose whole range the draws respect
    for column in frame.columns:
        lo, hi = frame[column].min(), frame[column].max()
        for value, which in ((lo, "smallest"), (hi, "largest")):
            try:
                with_posterior(scenario, pd.Series({column: value}))
            except ConfigError as err:
                problem = err.problems[0].split(": ", 1)[-1]
                raise ConfigError(
                    [f"{path}: column {column!r} ({which} draw {value:g}): {problem}"]
                ) from None
    return frame.reset_index(drop=True)


def compare(
    scenarios: Sequence[Scenario],
    *,
    replicates: int = 10,
    seed: int = 0,
    jobs: int = 1,
    steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    baseline: str | None = None,
    posterior: pd.DataFrame | None = None,
) -> Comparison:
    """Run every scenario ``replicates`` times on common random numbers and pair them.

    Args:
        scenarios: loaded scenarios. Names must be unique.
        baseline: the scenario whose contrasts are primary (default: the first).
        replicates: runs per scenario (replicate r uses the same seed in every scenario).
        seed: the comparison's seed; replicate seeds derive from it.
        jobs: worker processes (1 = in this process).
        steps: overrides every scenario's steps.
        progress: called as ``progress(done, total)`` as runs finish.
        executor: any ``concurrent.futures.Executor`` to run on instead of local processes.
        posterior: parameter draws (columns are scenario keys, e.g. ``posterior.parquet`` of
            ``socialweb calibrate``): replicate r runs every scenario with one draw, chosen
            from replicate r's seed, so intervals include parameter uncertainty and pairs stay
            paired.
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
    if baseline is not None and baseline not in names:
        raise ConfigError(
            [
                f"compare: --baseline: expected one of the scenario names ({', '.join(names)}), "
                f"got {baseline!r}"
            ]
        )
    seeds = replicate_seeds(seed, replicates)
    draws = posterior_draws(posterior, seeds) if posterior is not None else None
    if draws is None:
        tasks = [(s, rs, steps) for s in scenarios for rs in seeds]
    else:
        tasks = [
            (with_posterior(s, draws.iloc[r]), rs, steps)
            for s in scenarios
            for r, rs in enumerate(seeds)
        ]
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
    analysis = analyse(runs, names, parties, baseline, seed)
    if draws is not None:
        # which posterior draw each replicate ran with (the same in every scenario: paired)
        runs.insert(2, "posterior_draw", draws["draw"].to_numpy()[runs["replicate"].to_numpy()])
        analysis["posterior"] = {
            "keys": [c for c in draws.columns if c != "draw"],
            "draws_available": int(len(posterior)),
            "draws_used": draws["draw"].tolist(),
            "intervals": "cover replicate noise and the posterior's parameter uncertainty: "
            "replicate r runs with one draw, chosen from its seed (the same draw in every "
            "scenario)",
        }
    return Comparison(
        scenarios=list(scenarios),
        seeds=seeds,
        runs=runs,
        timeseries=pd.concat(frames, ignore_index=True),
        comparison=analysis,
        final_opinions=opinions,
    )
