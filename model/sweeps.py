"""Experiments: a design × replicates of runs of one base scenario → a tidy table of outcomes.

Replicate r of every design point uses the same seed (common random numbers across points):
``rng.replicate_seeds(experiment.seed, replicates)[r]``. Each task returns only its outcome row,
so memory stays flat however many runs.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import pandas as pd

from model.comparison import run_all, run_row
from model.config import Scenario
from model.config.experiment import Experiment
from model.rng import replicate_seeds
from model.runner import run


def run_outcomes(scenario: Scenario, seed: int, replicate: int) -> dict[str, Any]:
    """One run's outcome row (the runs-table columns plus ``steps`` actually run)."""
    result = run(scenario, seed=seed)
    row = run_row(result, replicate)
    row["steps"] = result.summary["steps"]
    return row


def design_table(experiment: Experiment) -> pd.DataFrame:
    """One row per design point: ``point`` and the varied keys."""
    points = experiment.points()
    frame = pd.DataFrame(points) if points and points[0] else pd.DataFrame(index=range(1))
    frame.insert(0, "point", range(len(frame)))
    return frame


def sweep(
    experiment: Experiment,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Run every design point ``replicates`` times; one row per run.

    Columns: ``point``, ``replicate``, ``seed``, the varied keys, then the experiment's outputs
    (an output named like a varied key, such as ``steps``, appears as ``steps_measured``).
    """
    points = experiment.points()
    seeds = replicate_seeds(experiment.seed, experiment.replicates)
    tasks = [
        (experiment.scenario_at(point), seeds[r], r)
        for point in points
        for r in range(experiment.replicates)
    ]
    rows = run_all(tasks, jobs=jobs, progress=progress, executor=executor, fn=run_outcomes)
    frame = pd.DataFrame(rows)
    frame.insert(0, "point", [i // experiment.replicates for i in range(len(rows))])
    varied = [f.path for f in experiment.factors]
    # an output named like a varied key (e.g. steps) keeps both: the set value and the measured
    renamed = {o: f"{o}_measured" for o in experiment.outputs if o in varied}
    outputs = [renamed.get(o, o) for o in experiment.outputs]
    frame = frame.rename(columns=renamed)
    frame = frame[["point", "replicate", "seed", *[o for o in outputs if o in frame.columns]]]
    out = design_table(experiment).merge(frame, on="point", how="right")
    return out[["point", "replicate", "seed", *varied, *[o for o in outputs if o in out.columns]]]
