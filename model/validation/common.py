"""Shared pieces of the validation cases: a check, a case result, loading a case's experiment."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model import pool
from model.config.experiment import Experiment, load_experiment
from model.config.schema import Scenario
from model.sim import SocialWebModel

DEFAULT_DIR = Path("experiments/validation")


@dataclass
class Check:
    """One comparison of a measured statistic with a published value."""

    claim: str
    published: str
    measured: str
    tolerance: str
    passed: bool
    compared: bool = True  # False: reported only, the published value is not yet confirmed


@dataclass
class CaseResult:
    """A validation case: what was run, what was found, and a figure."""

    key: str
    title: str
    model: str
    parameters: str
    source: str
    checks: list[Check] = field(default_factory=list)
    figure: Figure | None = None
    runs: pd.DataFrame | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks if c.compared)


def _load(directory: Path, name: str, replicates: int | None) -> Experiment:
    exp = load_experiment(Path(directory) / f"{name}.yaml")
    if replicates is not None:
        exp = dataclasses.replace(exp, replicates=int(replicates))
    return exp


def _se(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else 0.0


def _pool_map(fn: Callable, todo: list[tuple], *extra, jobs: int) -> list:
    """``fn(*item, *extra)`` for each item of ``todo``, in order: here, or with ``jobs`` > 1 in one
    pool of worker processes (``fn`` and ``extra`` must then pickle)."""
    if jobs <= 1 or len(todo) <= 1:
        return [fn(*item, *extra) for item in todo]
    columns = [list(c) for c in zip(*todo, strict=True)] + [[e] * len(todo) for e in extra]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=pool.context()) as ex:
        return list(ex.map(fn, *columns))


def _series_one(scenario: Scenario, seed: int, steps: int, measure: Callable) -> np.ndarray:
    model = SocialWebModel(scenario, seed=seed, agents="parties")
    out = []
    for _ in range(steps):
        model.step()
        out.append(measure(model))
    return np.array(out, dtype=np.float64)


def series(
    scenarios: Scenario | list[Scenario],
    seeds: list[int],
    steps: int,
    measure: Callable,
    *,
    jobs: int = 1,
) -> np.ndarray:
    """``measure(model)`` (a number, or a tuple of numbers: a last axis) after each of ``steps``
    steps, through the model API users have (``SocialWebModel.step``): an array indexed
    [scenario, replicate, step] (no scenario axis when one scenario is given). ``jobs`` > 1 runs
    the runs in one pool of worker processes (``measure`` must then be a module-level
    function). Each row depends only on its scenario and seed, not on ``jobs``."""
    single = isinstance(scenarios, Scenario)
    todo = [(sc, seed) for sc in ([scenarios] if single else scenarios) for seed in seeds]
    out = np.array(_pool_map(_series_one, todo, steps, measure, jobs=jobs))
    out = out.reshape(-1, len(seeds), *out.shape[1:])
    return out[0] if single else out


def _final_one(scenario: Scenario, seed: int, measure: Callable) -> tuple:
    model = SocialWebModel(scenario, seed=seed, agents="parties")
    model.run()
    return (model.step_count, *np.atleast_1d(measure(model)))


def finals(
    scenarios: list[Scenario], seeds: list[int], measure: Callable, *, jobs: int = 1
) -> np.ndarray:
    """Run each scenario to its end (``model.run()``) for each seed and return
    [scenario, replicate, (steps run, *measure(model))]; ``jobs`` > 1 uses one pool of worker
    processes (``measure`` must then be module-level). Rows depend only on scenario and seed."""
    todo = [(sc, seed) for sc in scenarios for seed in seeds]
    out = np.array(_pool_map(_final_one, todo, measure, jobs=jobs), dtype=np.float64)
    return out.reshape(len(scenarios), len(seeds), -1)
