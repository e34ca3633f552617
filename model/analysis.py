"""Analysis of a sweep: per-point summaries with confidence intervals, Sobol indices, frontier.

Everything here takes the tidy runs table (one row per run) and the experiment that made it, so
the same functions serve ``socialweb analyze RESULTS_DIR``, the Python API and the tests (the
Sobol estimator is checked on the Ishigami function, whose indices are known analytically).

In a contrast sweep every output column is already a paired difference a − b (the two arms on
one seed); summaries, Sobol indices and effects work on those columns unchanged, and the arms'
own levels (``a.<output>``, ``b.<output>``) are summarised beside them but not analysed further.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.comparison import CONFIDENCE, mean_ci
from model.config import ConfigError
from model.config.experiment import Experiment, arm_column, experiment_from_stored
from model.sweeps import RUN_COLUMNS, STATE, SweepFolderError, read_table, short_error


def load_sweep(folder: str | Path) -> tuple[Experiment, pd.DataFrame]:
    """The experiment (as stored when the sweep started) and its runs table.

    Raises FileNotFoundError when either file is missing, and
    :class:`~model.sweeps.SweepFolderError` (bad input) when one cannot be read.
    """
    folder = Path(folder)
    state = folder / STATE
    table = folder / "runs.parquet"
    if not state.exists() or not table.exists():
        missing = STATE if not state.exists() else "runs.parquet"
        raise FileNotFoundError(
            f"{folder}: not a finished sweep folder (no {missing}); run "
            "socialweb sweep (with --resume to finish one) first"
        )
    try:
        record = json.loads(state.read_text(encoding="utf-8"))
        experiment = experiment_from_stored(record["resolved"], folder)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, ConfigError) as err:
        raise SweepFolderError(
            f"{state}: expected the sweep's record as socialweb sweep writes it, it is "
            f"unreadable ({short_error(err)})"
        ) from None
    runs = read_table(table, "the sweep's runs table (Parquet)")
    lacking = [c for c in RUN_COLUMNS if c not in runs.columns]
    if lacking:
        raise SweepFolderError(
            f"{table}: expected the sweep's runs table with columns {', '.join(RUN_COLUMNS)}, "
            f"it has no {', '.join(lacking)}"
        )
    if runs.empty:  # e.g. written by a sweep whose workers wrote their runs elsewhere
        raise SweepFolderError(
            f"{table}: expected the sweep's runs table, it holds no finished run; "
            f"see {folder / 'failed'} or rerun the sweep"
        )
    return experiment, runs


def output_columns(experiment: Experiment, runs: pd.DataFrame) -> list[str]:
    """The numeric outputs to analyse: in a contrast sweep the a − b columns (not the levels)."""
    varied = {f.path for f in experiment.factors}
    levels = set(level_columns(experiment, runs))
    return [
        c
        for c in runs.columns
        if c not in {"point", "replicate", "seed", *varied, *levels}
        and pd.api.types.is_numeric_dtype(runs[c])
    ]


def level_columns(experiment: Experiment, runs: pd.DataFrame) -> list[str]:
    """A contrast sweep's per-arm levels (``a.vote_share.blue``, ...), a's then b's; [] else."""
    if experiment.contrast is None:
        return []
    tags = experiment.contrast.arms()
    return [c for t in tags for c in runs.columns if c.startswith(arm_column(t, ""))]


SHARES = {  # outputs that live in [0, 1]: their intervals never leave it
    "vote_share",
    "share_of_voice",
    "reach",
    "turnout",
    "abstention",
    "engaged",
    "largest_cluster",
}


def _bounds(experiment: Experiment, column: str) -> tuple[float, float] | None:
    """Where a column's values live: a share in [0, 1], a contrast of shares in [−1, 1]."""
    levels = experiment.contrast is not None and column.split(".", 1)[0] in ("a", "b")
    name = column.split(".", 1)[1] if levels else column
    if name.split(".")[0] not in SHARES:
        return None
    return (-1.0, 1.0) if experiment.contrast is not None and not levels else (0.0, 1.0)


def point_summary(experiment: Experiment, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per design point: the varied keys, then mean, ci_low, ci_high of each output
    over replicates (Student t, 95 %; for outputs in [0, 1] — contrasts of them in [−1, 1] —
    the percentile bootstrap where t would leave that range), and n. A contrast sweep's arm
    levels (``a.<output>``, ``b.<output>``) follow its contrasts."""
    from model.contrasts import level

    varied = [f.path for f in experiment.factors]
    rng = np.random.default_rng([experiment.seed, 0x5EED])  # bootstrap fallback: reproducible
    rows = []
    columns = output_columns(experiment, runs) + level_columns(experiment, runs)
    for point, group in runs.groupby("point", sort=True):
        row = {"point": point, **{k: group[k].iloc[0] for k in varied}, "n": len(group)}
        for out in columns:
            bounds = _bounds(experiment, out)
            stats = level(group[out].dropna().to_numpy(), rng, bounds)
            row[f"{out}.mean"] = stats["mean"]
            row[f"{out}.ci_low"] = stats["ci_low"]
            row[f"{out}.ci_high"] = stats["ci_high"]
        rows.append(row)
    return pd.DataFrame(rows)


def sobol_indices(
    experiment: Experiment,
    runs: pd.DataFrame,
    output: str,
) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of ``output`` with 95 % confidence
    half-widths (SALib's bootstrap), from a ``sobol`` design (Saltelli 2002; Saltelli et al.
    2010). Replicates are averaged per point first, so the indices describe the expected
    outcome; the replicate noise shows up as unexplained variance.

    An output that does not vary over the design (e.g. the contrast of two identical arms, 0
    everywhere) has no variance to apportion: its indices and intervals are NaN (undefined),
    not 0, which would read as "resolved: no influence"."""
    from SALib.analyze import sobol

    if experiment.design != "sobol":
        raise ValueError(f"Sobol indices need a sobol design, got {experiment.design}")
    factors = experiment.factors
    problem = {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [  # as sampled (experiment.design_points): options span [0, k)
            [0.0, float(len(f.values))] if f.values is not None else [f.low, f.high]
            for f in factors
        ],
    }
    n_points = len(experiment.points())
    y = runs.groupby("point")[output].mean().reindex(range(n_points)).to_numpy(dtype=float)
    if np.isnan(y).any():
        raise ValueError(f"{output}: some design points have no finished run; resume the sweep")
    if np.ptp(y) == 0:
        undefined = np.full(len(factors), np.nan)
        result = dict.fromkeys(("S1", "S1_conf", "ST", "ST_conf"), undefined)
    else:
        result = sobol.analyze(
            problem, y, calc_second_order=False, conf_level=CONFIDENCE, seed=experiment.seed
        )
    return pd.DataFrame(
        {
            "factor": problem["names"],
            "S1": result["S1"],
            "S1_conf": result["S1_conf"],
            "ST": result["ST"],
            "ST_conf": result["ST_conf"],
        }
    )


ENOUGH_HALF_WIDTH = 0.05  # the project's rule for a Sobol study that is "enough" ...
ENOUGH_TOTAL = 0.05  # ... on every input whose total index is at least this


def sobol_enough(table: pd.DataFrame, index: str = "ST") -> bool | None:
    """Whether a Sobol table meets the project's rule for a study that is "enough": the 95 %
    half-width of ``index`` (``ST``, or ``S1``) ≤ 0.05 on every input whose total index is
    ≥ 0.05. None when the indices are undefined (an output that does not vary)."""
    if table["ST"].isna().all():
        return None
    major = table[table["ST"] >= ENOUGH_TOTAL]
    return bool((major[f"{index}_conf"] <= ENOUGH_HALF_WIDTH).all())


def sobol_headline(record: dict[str, Any]) -> str:
    """The README's sentence on what drives an effect, from ``analysis/sobol.json`` of
    ``socialweb analyze`` (its first output): the inputs whose total index is at least
    ``ENOUGH_TOTAL``, largest first, each with its total and first-order index and their
    half-widths, and whether the project's rule for a study that is "enough" is met."""
    if not record["outputs"]:
        raise ValueError("no output has Sobol indices")
    output, entry = next(iter(record["outputs"].items()))
    rows = [r for r in entry["indices"] if r["ST"] is not None]
    rule = record["rule"]
    major = sorted((r for r in rows if r["ST"] >= rule["total_at_least"]), key=lambda r: -r["ST"])
    level = round(100 * record["confidence"])
    seeds = (
        "one replicate, the same seed at every point, so run-to-run noise counts as the inputs' "
        "influence"
        if record["replicates"] == 1
        else f"{record['replicates']} replicates averaged at each point"
    )
    arms = record["contrast"]
    what = f"`{output}`" if arms is None else f"`{arms['a']}` − `{arms['b']}` in `{output}`"
    head = (
        f"Which stated guesses drive {what} (`experiments/{record['name']}.yaml`, "
        f"a Sobol design of {record['samples']:,} base samples, {record['points']:,} points, "
        f"{seeds}; ± are {level} % half-widths from the bootstrap over the base samples: they "
        "cover which samples were drawn, not the ranges chosen or the model's structure): "
    )
    if not rows:
        return head + "none: the output does not vary over the design (indices undefined)."
    parts = [
        f"`{r['factor']}` total {r['ST']:.2f} ± {r['ST_conf']:.2f} "
        f"(first-order {r['S1']:.2f} ± {r['S1_conf']:.2f})"
        for r in major
    ]
    rest = len(rows) - len(major)
    tail = f"; the other {rest} inputs' total indices are below {rule['total_at_least']:g}"
    missed = [
        name for key, name in (("ST", "total"), ("S1", "first-order")) if not entry["enough"][key]
    ]
    rule_text = (
        f"The project's rule for a study that is enough (± ≤ {rule['half_width']:g} wherever the "
        f"total index is ≥ {rule['total_at_least']:g}) is "
    )
    verdict = rule_text + (
        f"not met for the {' and '.join(missed)} indices: more samples needed."
        if missed
        else "met."
    )
    body = "; ".join(parts) if parts else "no input reaches it"
    return head + body + (tail if rest else "") + ". " + verdict


def frontier(summary: pd.DataFrame, party: str) -> pd.DataFrame:
    """Vote share against total cost per design point, with vote share gained per unit cost
    relative to the cheapest point (for equal-budget and allocation experiments)."""
    vote, cost = f"vote_share.{party}.mean", f"cost.{party}.mean"
    if vote not in summary or cost not in summary:
        raise ValueError(f"the frontier needs outputs vote_share.{party} and cost.{party}")
    out = summary.sort_values(cost).copy()
    base = out.iloc[0]
    extra = out[cost] - base[cost]
    out["vote_gain_per_unit_cost"] = np.where(extra > 0, (out[vote] - base[vote]) / extra, np.nan)
    out["vote_per_unit_cost"] = out[vote] / out[cost].where(out[cost] > 0)
    return out


def paired_effects(experiment: Experiment, runs: pd.DataFrame, reference: int = 0) -> pd.DataFrame:
    """Each design point minus the ``reference`` point, per output, paired by replicate (a sweep
    gives replicate r the same seed at every point, so the pairing removes the noise the points
    share): mean difference, 95 % Student-t interval over the pairs, and n. One row per (point,
    output); the reference point's own row is omitted."""
    varied = [f.path for f in experiment.factors]
    outputs = output_columns(experiment, runs)
    ref = runs[runs.point == reference].set_index("replicate")
    rows = []
    for point, group in runs.groupby("point", sort=True):
        if point == reference:
            continue
        g = group.set_index("replicate")
        common = g.index.intersection(ref.index)
        for out in outputs:
            d = (g.loc[common, out] - ref.loc[common, out]).dropna().to_numpy(dtype=np.float64)
            stats = mean_ci(d)
            rows.append(
                {
                    "point": point,
                    **{k: group[k].iloc[0] for k in varied},
                    "output": out,
                    "mean": stats["mean"],
                    "ci_low": stats["ci_low"],
                    "ci_high": stats["ci_high"],
                    "n": stats["n"],
                }
            )
    return pd.DataFrame(rows)


@dataclass
class Analysis:
    """What ``analyze`` finds in a sweep: all tables are pandas DataFrames."""

    experiment: Experiment
    runs: pd.DataFrame
    summary: pd.DataFrame  # per design point, mean and CI
    # Sobol indices, one row per (output, factor): S1, S1_conf, ST, ST_conf (sobol designs)
    sobol: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the cost frontier, one row per (party, design point), sorted by cost within a party
    frontier: pd.DataFrame = field(default_factory=pd.DataFrame)
    # each point minus point 0, per output, paired by replicate (paired_effects)
    effects: pd.DataFrame = field(default_factory=pd.DataFrame)


def analyze(
    folder: str | Path, *, party: str | None = None, progress: Callable[[str], None] | None = None
) -> Analysis:
    """Summaries, Sobol indices (sobol designs) and cost frontiers of a finished sweep folder;
    ``progress(stage)``, if given, is called as each stage starts."""
    say = progress or (lambda stage: None)
    say("loading the runs")
    experiment, runs = load_sweep(folder)
    say(f"summaries of {runs['point'].nunique()} points × {experiment.replicates} replicates")
    summary = point_summary(experiment, runs)
    outputs = output_columns(experiment, runs)
    result = Analysis(experiment=experiment, runs=runs, summary=summary)
    if len(summary) > 1:  # in a contrast sweep: differences of contrasts, paired by replicate
        say("paired effects against point 0")
        result.effects = paired_effects(experiment, runs)
    if experiment.design == "sobol":
        say("Sobol indices")
        result.sobol = pd.concat(
            [sobol_indices(experiment, runs, o).assign(output=o) for o in outputs],
            ignore_index=True,
        )[["output", "factor", "S1", "S1_conf", "ST", "ST_conf"]]
    parties = (
        [party] if party else [o.split(".", 1)[1] for o in outputs if o.startswith("vote_share.")]
    )
    if experiment.contrast is not None:  # a frontier of levels; a contrast's are differences
        parties = []
    tables = [
        frontier(summary, p).assign(party=p)
        for p in parties
        if f"cost.{p}" in outputs and f"vote_share.{p}" in outputs
    ]
    if tables:
        result.frontier = pd.concat(tables, ignore_index=True)
    return result
