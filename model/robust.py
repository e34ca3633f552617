"""Decisions under deep uncertainty (``socialweb robust``): which strategy holds up across worlds?

The EMA workbench's vocabulary (Kwakkel 2017; Lempert, Popper & Bankes 2003): *policies* are
strategy bundles (a scenario file, optionally with ``set:`` overrides; see
:mod:`model.config.robust`), *uncertainties* are ranges over the model's stated guesses, and a
*world* is one point of a Latin hypercube sample of them (SALib, through the experiment designs
of :mod:`model.config.experiment`; a list of options is a categorical uncertainty, its strata
split evenly among the options). Every policy runs in every world on common random numbers:
replicate r of every world and policy uses the same seed (``rng.replicate_seeds``), so two
identical policies give identical outcomes. Each policy runs as an ordinary sweep
(:func:`model.sweeps.sweep`) in ``<out>/policies/<name>/``: runs stream to disk as they finish
and ``--resume`` finishes an interrupted run without repeating any.

Choices, each stated in ``robust.json`` and ``report.md``:

- **Outcome**: the focal party's election-day ``vote_share`` (percentage points of the
  electorate) or ``margin`` (its vote share minus the best rival's, percentage points), averaged
  over the world's replicates.
- **share_best**: the share of worlds in which a policy has the highest outcome. **Ties** (equal
  world means, to ``TIE`` pp) split the world equally among the tied policies, so the shares sum
  to 1 and identical policies get equal shares. Interval: Wilson score at 95 % on the (possibly
  fractional) count of worlds.
- **Regret** of a policy in a world: the best policy's outcome there minus its own (≥ 0, pp).
  Reported: the mean over worlds with a percentile-bootstrap interval (worlds resampled together
  for every policy, ``contrasts.BOOTSTRAP`` resamples), the median, the 90th percentile and the
  maximum (no interval: the maximum over the sampled worlds is only a lower bound on the maximum
  over the ranges).
- **What intervals cover**: which worlds the sample drew (worlds as random draws from the
  uncertainty ranges, uniform on each), with replicate noise folded into each world's mean. They
  do not cover the model's structure, the choice of ranges, or uncertainties left out.
  Replicate noise also makes the best policy in a world look better than it is, inflating
  regret a little; ``noise`` in each discovery pair gives its size.
- **Scenario discovery**: the EMA workbench's PRIM (``ema_workbench.analysis.prim.Prim``, lenient
  objective, ``peel_alpha`` 0.05, ``paste_alpha`` 0.05, ``mass_min`` 0.05 by default) on the
  worlds table against "A's outcome > B's" (strictly), by default for the policy with the
  largest share_best against the runner-up. On each box's peeling trajectory the reported box is
  the one with the most coverage among those with density ≥ ``threshold`` (0.8), else the
  densest; later boxes (up to ``max_boxes``) are kept only if they reach the threshold. Each box
  gives its restricted limits, coverage, density, mass and quasi-p values (Bryant & Lempert
  2010).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import inspect
import math
import warnings
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model import sweeps
from model.config.experiment import Experiment, Factor
from model.config.robust import RobustExperiment
from model.contrasts import BOOTSTRAP, CONFIDENCE, party_outcomes
from model.runner import election_day_only

POLICIES = "policies"  # <out>/policies/<name>/: each policy's sweep folder
TIE = 1e-9  # world means this close (percentage points) are tied
EXTRA = "socialweb[robust]"


class MissingExtraError(ImportError):
    """The EMA workbench is not installed (bad set-up: the CLI exits 2)."""


def import_prim():
    """``ema_workbench.analysis.prim``, without the warning its import prints (ipyparallel)."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ipyparallel.*")
            from ema_workbench.analysis import prim
    except ModuleNotFoundError as err:
        if (err.name or "").split(".")[0] != "ema_workbench":
            raise
        raise MissingExtraError(
            f"the EMA workbench is not installed; it does the scenario discovery (PRIM): "
            f"pip install '{EXTRA}'"
        ) from None
    return prim


# --- running -----------------------------------------------------------------------------------


def policy_sweeps(design: RobustExperiment) -> dict[str, Experiment]:
    """Each policy's sweep over the worlds, recording only the election-day outcomes."""
    return {
        name: dataclasses.replace(exp, base=election_day_only(exp.base))
        for name, exp in design.policies.items()
    }


# the spawn key of the worlds' posterior picks (compare's per-replicate picks use 13)
POSTERIOR_SPAWN = 14


def with_posterior(design: RobustExperiment, posterior: pd.DataFrame, source: str):
    """``robust --posterior``: world w runs with one posterior draw, the same for every policy
    and replicate, drawn uniformly with replacement by a generator seeded from the robust run's
    seed. The worlds then sample the calibrated parameters' uncertainty as well as the ranges,
    and every interval covers both. Per world rather than per replicate (as ``compare`` does):
    a robust run has many worlds and few replicates, so drawing per replicate would sample the
    posterior only R times, and the same draw in every world would hide how the decision
    depends on the calibrated values. A posterior column that is also an uncertainty replaces it:
    the key is drawn from the posterior, no longer sampled over its range (said in the design's
    ``posterior_notes``, and in report.md)."""
    from model.config import ConfigError
    from model.config.experiment import check_design

    columns = set(posterior.columns)
    for column in posterior.columns:
        where = [f"policy {n}'s set:" for n, keys in design.policy_sets.items() if column in keys]
        if column in design.command_line:
            where.insert(0, "the command line (--set, --citizens or --steps)")
        if where:
            raise ConfigError(
                [
                    f"{source}: column {column!r} is also set by {where[0]}; a world's draw "
                    "would replace it: drop one of the two"
                ]
            )
    replaced = [f for f in design.uncertainties if f.path in columns]
    kept = tuple(f for f in design.uncertainties if f.path not in columns)
    if not kept:
        raise ConfigError(
            [
                f"{source}: every uncertainty of {design.source} is a posterior column; expected "
                "at least one left to sample the worlds over (or use compare --posterior)"
            ]
        )
    rng = np.random.default_rng(np.random.SeedSequence(design.seed, spawn_key=(POSTERIOR_SPAWN,)))
    picks = [int(i) for i in rng.integers(len(posterior), size=design.worlds)]
    given = tuple({c: float(posterior.iloc[i][c]) for c in posterior.columns} for i in picks)
    notes = tuple(
        f"{f.path}: drawn from the posterior ({source}) instead of sampled over its range "
        f"({_range_words(_describe(f))})"
        for f in replaced
    )
    policies = {
        n: dataclasses.replace(
            e, factors=tuple(f for f in e.factors if f.path not in columns), given=given
        )
        for n, e in design.policies.items()
    }
    for name, exp in policies.items():  # the draws with each world: still valid, still small
        check_design(
            exp,
            "--posterior: world {k} ({shown}) is inconsistent with policy " + name,
        )
    return dataclasses.replace(
        design,
        policies=policies,
        uncertainties=kept,
        posterior_notes=notes,
        posterior_file=str(source),
        posterior_columns=tuple(posterior.columns),
        posterior_draws=tuple(picks),
    )


def check_folder(design: RobustExperiment, folder: Path, *, resume: bool) -> None:
    """Refuse an output folder that cannot take this run (:class:`sweeps.SweepFolderError`, one
    line), writing nothing: a folder that holds files (without ``resume``), one that is not a
    robust run's, or a policy folder that holds another sweep."""
    folder = Path(folder)
    try:
        holds = folder.is_dir() and any(not sweeps._is_ours(e) for e in folder.iterdir())
    except OSError as err:
        raise sweeps.SweepFolderError(
            f"--out: {folder}: cannot read it ({sweeps.short_error(err)})"
        ) from None
    if holds and not resume:
        raise sweeps.SweepFolderError(
            f"--out: {folder}: expected a new or empty folder, it already holds files (add "
            "--resume to finish an interrupted robust run)"
        )
    if holds and not (folder / POLICIES).is_dir():
        raise sweeps.SweepFolderError(
            f"--resume: {folder}: not a robust run's folder (no {POLICIES}/)"
        )
    for name, exp in policy_sweeps(design).items():
        sweeps.check_folder(exp, folder / POLICIES / name, resume=resume)


def run_robust(
    design: RobustExperiment,
    out: str | Path,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    resume: bool = False,
    finish: Callable[[pd.DataFrame], Any] | None = None,
) -> pd.DataFrame:
    """Run every policy in every world (``replicates`` times) and return the tidy runs table.

    Each policy is a sweep in ``out/policies/<name>/`` (:func:`model.sweeps.sweep`: per-run
    files, resume, a lock per folder); ``out`` itself is locked for the whole run. ``finish`` is
    called with the runs table while the lock is held (to write the outputs).

    Raises:
        sweeps.SweepFolderError: ``out`` cannot take this run (nothing written).
        sweeps.IncompleteSweepError: runs failed (their records are in the policies' ``failed/``
            folders; ``resume`` retries them).
    """
    folder = Path(out).absolute()
    check_folder(design, folder, resume=resume)
    made = sweeps._new_ancestor(folder)
    experiments = policy_sweeps(design)
    each = design.worlds * design.replicates
    total = each * len(experiments)
    try:
        with sweeps.folder_lock(folder):
            tables = {}
            for k, (name, exp) in enumerate(experiments.items()):

                def report(done: int, _: int, offset: int = k * each) -> None:
                    if progress:
                        progress(offset + done, total)

                tables[name] = sweeps.sweep(
                    exp,
                    jobs=jobs,
                    progress=report,
                    executor=executor,
                    out=folder / POLICIES / name,
                    resume=resume,
                )
            failed = {
                n: len(t.attrs["failed"]) for n, t in tables.items() if len(t.attrs["failed"])
            }
            if failed:
                where = ", ".join(f"{n}: {k}" for n, k in failed.items())
                raise sweeps.IncompleteSweepError(
                    f"{sum(failed.values())} of {total} runs failed ({where}; their errors are "
                    f"in {folder / POLICIES}/<policy>/failed/); every policy needs every world: "
                    "fix the cause and rerun with --resume"
                )
            runs = tidy_runs(design, tables)
            if finish is not None:
                finish(runs)
    except BaseException:
        if made is not None:
            sweeps._remove_empty(folder, made)
        raise
    return runs


def tidy_runs(design: RobustExperiment, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per world × policy × replicate: the uncertainties, the outcome (pp) and the raw
    vote shares and the focal party's spend."""
    paths = [f.path for f in design.uncertainties]
    frames = []
    for name, table in tables.items():
        table = table.copy(deep=False)
        table.attrs = {}  # the sweep's failed-runs table: pandas would compare it on concat
        parties = [c.split(".", 1)[1] for c in table.columns if c.startswith("vote_share.")]
        t = party_outcomes(table, parties)
        if design.outcome == "margin":
            outcome = 100 * t[f"margin.{design.party}"]
        else:
            outcome = 100 * t[f"vote_share.{design.party}"]
        columns = ["point", "replicate", "seed", *paths, *design.posterior_columns]
        frame = table[columns].rename(columns={"point": "world"})
        frame.insert(1, "policy", name)
        if design.posterior_draws:  # the posterior row each world ran with
            frame["posterior_draw"] = frame["world"].map(dict(enumerate(design.posterior_draws)))
        frame["outcome"] = outcome.to_numpy(dtype=np.float64)
        for c in table.columns:
            if c.startswith("vote_share.") or c == f"cost.{design.party}":
                frame[c] = table[c].to_numpy()
        frames.append(frame)
    runs = pd.concat(frames, ignore_index=True)
    order = {n: i for i, n in enumerate(tables)}
    return runs.sort_values(
        ["world", "policy", "replicate"], key=lambda s: s.map(order) if s.name == "policy" else s
    ).reset_index(drop=True)


# --- the statistics ----------------------------------------------------------------------------


def world_means(runs: pd.DataFrame, policies: list[str] | None = None) -> pd.DataFrame:
    """Worlds × policies: the outcome averaged over each world's replicates."""
    means = runs.groupby(["world", "policy"], sort=False)["outcome"].mean().unstack("policy")
    return means[policies if policies is not None else list(dict.fromkeys(runs["policy"]))]


def best_credit(means: pd.DataFrame) -> pd.DataFrame:
    """Per world, each policy's share of being best: 1 for the sole best, 1/k for each of k
    policies tied at the top (within ``TIE``), 0 otherwise. Rows sum to 1."""
    values = means.to_numpy(dtype=np.float64)
    tied = values >= values.max(axis=1, keepdims=True) - TIE
    return pd.DataFrame(
        tied / tied.sum(axis=1, keepdims=True), index=means.index, columns=means.columns
    )


def regret(means: pd.DataFrame) -> pd.DataFrame:
    """Per world, the best policy's outcome minus each policy's (≥ 0)."""
    values = means.to_numpy(dtype=np.float64)
    return pd.DataFrame(
        values.max(axis=1, keepdims=True) - values, index=means.index, columns=means.columns
    )


def wilson_share(k: float, n: int, confidence: float = CONFIDENCE) -> dict[str, Any]:
    """A share k/n with its Wilson score interval; k may be fractional (tied worlds count as
    1/k each). For whole k it equals ``contrasts.wilson``."""
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return {
        "p": p,
        "ci_low": min(max(0.0, centre - half), p),  # p is inside, also to the last bit
        "ci_high": max(min(1.0, centre + half), p),
        "k": k,
        "n": n,
        "method": "wilson",
    }


def _bootstrap(columns: pd.DataFrame, rng: np.random.Generator) -> dict[str, dict[str, Any]]:
    """Mean of each column over worlds, with a percentile-bootstrap interval; worlds are
    resampled together for every column (the same resamples for every policy)."""
    values = columns.to_numpy(dtype=np.float64)
    n = len(values)
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    means = values[idx].mean(axis=1)  # resamples × columns
    lo, hi = np.quantile(means, [0.5 - CONFIDENCE / 2, 0.5 + CONFIDENCE / 2], axis=0)
    out = {}
    for j, c in enumerate(columns.columns):
        mean = float(values[:, j].mean())
        # equal values: resampled means may differ from the mean in the last bit
        out[c] = {
            "mean": mean,
            "ci_low": min(float(lo[j]), mean),
            "ci_high": max(float(hi[j]), mean),
        }
    return out


def scores(means: pd.DataFrame, rng: np.random.Generator) -> dict[str, dict[str, Any]]:
    """Per policy: share_best (Wilson), regret (mean with bootstrap interval, median, 90th
    percentile, maximum and its world) and the mean outcome (bootstrap interval)."""
    credit, loss = best_credit(means), regret(means)
    n = len(means)
    mean_regret = _bootstrap(loss, rng)
    outcome = _bootstrap(means, rng)
    out = {}
    for p in means.columns:
        r = loss[p]
        out[p] = {
            "share_best": wilson_share(float(credit[p].sum()), n),
            "regret": mean_regret[p]
            | {
                "median": float(r.median()),
                "p90": float(r.quantile(0.9)),
                "max": float(r.max()),
                "max_world": int(r.idxmax()),
            },
            "outcome": outcome[p],
        }
    return out


def ranking(table: dict[str, dict[str, Any]]) -> list[str]:
    """Policies by share_best (largest first), then by mean regret (smallest first)."""
    return sorted(table, key=lambda p: (-table[p]["share_best"]["p"], table[p]["regret"]["mean"]))


def _noise(runs: pd.DataFrame, a: str, b: str, means: pd.DataFrame) -> dict[str, Any]:
    """Replicate noise of the difference a − b of world means: its pooled standard error (pp)
    and the worlds where |a − b| is within two of them (too close to call)."""
    wide = runs.pivot_table(index=["world", "replicate"], columns="policy", values="outcome")
    d = (wide[a] - wide[b]).groupby(level="world")
    reps = int(d.size().min())
    if reps < 2:
        return {
            "se": None,
            "close_worlds": None,
            "note": "one replicate per world: replicate "
            "noise is not separated from the worlds' differences",
        }
    se = float(np.sqrt((d.var(ddof=1) / d.size()).mean()))
    close = int((np.abs(means[a] - means[b]) < 2 * se).sum())
    return {"se": se, "close_worlds": close}


# --- scenario discovery (PRIM) -----------------------------------------------------------------


def _limits(lims: pd.DataFrame, initial: pd.DataFrame) -> list[dict[str, Any]]:
    """The dimensions a PRIM box restricts, with its limits there (one entry each)."""
    out = []
    for col in lims.columns:
        lo, hi = lims.at[0, col], lims.at[1, col]
        lo0, hi0 = initial.at[0, col], initial.at[1, col]
        if isinstance(lo, (set, frozenset)):
            if set(lo) != set(lo0):
                out.append(
                    {"path": col, "options": sorted(map(str, lo)), "of": sorted(map(str, lo0))}
                )
            continue
        low, high = (lo if lo > lo0 else None), (hi if hi < hi0 else None)
        if low is not None or high is not None:
            span = float(hi0 - lo0) or 1.0
            out.append(
                {
                    "path": col,
                    "low": None if low is None else _plain(low),
                    "high": None if high is None else _plain(high),
                    "sampled_range": [_plain(lo0), _plain(hi0)],
                    "kept": float((hi - lo) / span),  # share of the sampled range kept
                }
            )
    return out


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _choose(trajectory: pd.DataFrame, threshold: float) -> tuple[int, bool]:
    """The entry to report: the most coverage among entries with density ≥ threshold (ties:
    fewer restricted dimensions, then more mass), else the densest (ties: more coverage)."""
    t = trajectory.reset_index(drop=True)
    ok = t[t["density"] >= threshold - 1e-12]
    if len(ok):
        best = ok.sort_values(
            ["coverage", "res_dim", "mass"], ascending=[False, True, False], kind="stable"
        )
        return int(best.index[0]), True
    best = t.sort_values(["density", "coverage"], ascending=[False, False], kind="stable")
    return int(best.index[0]), False


def discover(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    threshold: float = 0.8,
    mass_min: float = 0.05,
    peel_alpha: float = 0.05,
    max_boxes: int = 2,
) -> dict[str, Any]:
    """PRIM (EMA workbench) boxes of the rows of ``x`` where ``y`` is True.

    Returns the cases, the worlds, and per box: the chosen trajectory entry (:func:`_choose`),
    its restricted limits, coverage (share of all cases inside), density (share of the box's
    worlds that are cases), mass (share of all worlds inside), quasi-p values, and the whole
    peeling trajectory. The first box is always reported (``meets_threshold`` says whether it
    reaches the density threshold); later ones only if they reach it."""
    prim = import_prim()
    y = np.asarray(y, dtype=bool)
    out: dict[str, Any] = {"cases": int(y.sum()), "worlds": int(y.size), "boxes": []}
    if y.all() or not y.any():
        out["note"] = "the cases are all or none of the worlds: there is nothing to discover"
        return out
    options: dict[str, Any] = {"mass_min": mass_min, "peel_alpha": peel_alpha}
    if "threshold" in inspect.signature(prim.Prim).parameters:  # ema-workbench 2.x
        options["threshold"] = 0.0  # keep every box; the threshold is applied below
    with warnings.catch_warnings():  # pandas deprecations inside the workbench: not ours
        warnings.filterwarnings("ignore", module=r"ema_workbench\.")
        finder = prim.Prim(x.reset_index(drop=True), y.copy(), **options)
        for k in range(max_boxes):
            box = finder.find_box()
            if box is None:
                break
            trajectory = box.peeling_trajectory.reset_index(drop=True)
            i, meets = _choose(trajectory, threshold)
            if k > 0 and not meets:
                break
            box.select(i)
            out["boxes"].append(_box(box, trajectory, i, meets, y))
    return out


def _box(box: Any, trajectory: pd.DataFrame, i: int, meets: bool, y: np.ndarray) -> dict:
    """One PRIM box, at entry ``i`` of its peeling trajectory, as plain data."""
    row = trajectory.loc[i]
    p_values = box.p_values[i] if i < len(box.p_values) else {}
    restricted = _limits(box.box_lims[i], box.box_lims[0])
    for entry in restricted:
        qp = [float(v) for v in p_values.get(entry["path"], []) if v is not None and v >= 0]
        entry["quasi_p"] = max(qp) if qp else None
    return {
        "entry": i,
        "meets_threshold": meets,
        "coverage": float(row["coverage"]),
        "density": float(row["density"]),
        "mass": float(row["mass"]),
        "worlds": int(round(row["mass"] * y.size)),
        "cases": int(round(row["coverage"] * y.sum())),
        "restricted": restricted,
        "trajectory": [
            {
                "coverage": float(r.coverage),
                "density": float(r.density),
                "mass": float(r.mass),
                "res_dim": int(r.res_dim),
            }
            for r in trajectory.itertuples()
        ],
    }


def worlds_frame(design: RobustExperiment) -> pd.DataFrame:
    """The sampled worlds: ``world`` and one column per uncertainty."""
    frame = pd.DataFrame(design.world_points())
    frame.insert(0, "world", range(len(frame)))
    return frame


# --- the analysis ------------------------------------------------------------------------------


def _range_words(u: dict[str, Any]) -> str:
    """An uncertainty's sampled values in words (``_describe``'s dict)."""
    if "options" in u:
        return ", ".join(map(str, u["options"]))
    return f"{u['low']:g} to {u['high']:g}" + (" (whole numbers)" if u["integer"] else "")


def _describe(f: Factor) -> dict[str, Any]:
    if f.values is not None:
        return {"path": f.path, "options": list(f.values)}
    return {"path": f.path, "low": f.low, "high": f.high, "integer": f.integer}


def outcome_words(design: RobustExperiment) -> str:
    p = design.party
    if design.outcome == "margin":
        return (
            f"{p}'s election-day margin: its vote share minus the best rival's, percentage "
            "points, mean over the world's replicates"
        )
    return (
        f"{p}'s election-day vote share, percent of the electorate, mean over the world's "
        "replicates"
    )


def analyse(design: RobustExperiment, runs: pd.DataFrame) -> dict[str, Any]:
    """robust.json: per policy share_best, regret and outcome with intervals, the sampled
    worlds, and the scenario discovery of where one policy beats another."""
    names = list(design.policies)
    means = world_means(runs, names)
    rng = np.random.default_rng(np.random.SeedSequence(design.seed).spawn(3)[2])
    table = scores(means, rng)
    spend = runs.groupby("policy")[f"cost.{design.party}"].mean()
    for p in names:
        table[p]["spend"] = float(spend[p])
    order = ranking(table)
    credit, loss = best_credit(means), regret(means)
    worlds = worlds_frame(design)
    paths = [f.path for f in design.uncertainties]
    pairs = list(design.discovery.pairs) or [(order[0], order[1])]
    d = design.discovery
    found = []
    for a, b in pairs:
        y = (means[a] - means[b] > TIE).to_numpy()
        diff = _bootstrap((means[a] - means[b]).to_frame("d"), rng)["d"]
        result = discover(
            worlds[paths],
            y,
            threshold=d.threshold,
            mass_min=d.mass_min,
            peel_alpha=d.peel_alpha,
            max_boxes=d.max_boxes,
        )
        found.append(
            {
                "a": a,
                "b": b,
                "question": f"in which worlds does {a} beat {b} (a higher outcome)?",
                "beats": wilson_share(float(y.sum()), len(y)),
                "mean_difference": diff,
                "noise": _noise(runs, a, b, means),
                **result,
            }
        )
    sampled = []
    for w, row in worlds.iterrows():
        sampled.append(
            {
                **{k: _plain(v) for k, v in row.items()},
                "outcome": {p: float(means.at[w, p]) for p in names},
                "best": [p for p in names if credit.at[w, p] > 0],
                "regret": {p: float(loss.at[w, p]) for p in names},
            }
        )
    result = {
        "name": design.name,
        "description": design.description,
        "source": design.source,
        "party": design.party,
        "parties": design.parties(),
        "outcome": design.outcome,
        "outcome_definition": outcome_words(design),
        "unit": "percentage points",
        "worlds": design.worlds,
        "replicates": design.replicates,
        "seed": design.seed,
        "runs": len(runs),
        "confidence": CONFIDENCE,
        "policies": {p: table[p] for p in names},
        "ranking": order,
        "ties": {
            "worlds_with_ties": int(((credit > 0).sum(axis=1) > 1).sum()),
            "rule": f"policies within {TIE:g} pp of the world's best share that world equally "
            "(1/k each), so share_best sums to 1 and identical policies get equal shares",
        },
        "intervals": {
            "share_best": f"{CONFIDENCE:.0%} Wilson score interval on the (fractional) count "
            "of worlds",
            "regret": f"mean: {CONFIDENCE:.0%} percentile bootstrap over worlds ({BOOTSTRAP} "
            "resamples, worlds resampled together for every policy); max: the largest over the "
            "sampled worlds (no interval: a lower bound on the largest over the ranges)",
            "covers": "which worlds the Latin hypercube drew (worlds as random draws, uniform "
            "over the ranges"
            + (
                f", each with one draw of {', '.join(design.posterior_columns)} from the posterior"
                if design.posterior_draws
                else ""
            )
            + "), with replicate noise folded into each world's mean; not the model's "
            "structure, the ranges chosen, or uncertainties left out",
        },
        "uncertainties": [_describe(f) for f in design.uncertainties],
        "sampled_worlds": sampled,
        "discovery": {
            "method": "PRIM (EMA workbench ema_workbench.analysis.prim.Prim, lenient objective, "
            "paste_alpha 0.05) on the sampled worlds; cases: worlds where a's outcome is "
            "strictly higher than b's. Reported box: the most coverage at density >= threshold "
            "on the peeling trajectory, else the densest",
            "settings": dataclasses.asdict(d) | {"pairs": [list(p) for p in pairs]},
            "pairs": found,
        },
    }
    if design.posterior_draws:  # robust --posterior (only then: other runs keep their keys)
        result["posterior"] = {
            "file": design.posterior_file,
            "columns": list(design.posterior_columns),
            "draws_by_world": list(design.posterior_draws),
            "replaced": list(design.posterior_notes),
            "rule": "world w runs with one posterior row, the same for every policy and "
            "replicate, drawn uniformly with replacement by a generator seeded from the "
            f"robust run's seed (spawn key {POSTERIOR_SPAWN}); its values are in "
            "sampled_worlds and runs.parquet (posterior_draw is the row's index in the file); "
            "scenario discovery (PRIM) uses the sampled uncertainties only, not the posterior "
            "columns",
        }
    return result


# --- figures -----------------------------------------------------------------------------------


def _styles(result: dict[str, Any]) -> dict[str, tuple[str, str]]:
    from model.plots import scenario_styles

    names = list(result["policies"])  # policies are drawn in colours no party uses
    return dict(zip(names, scenario_styles(names, result["parties"]), strict=True))


def summary_figure(result: dict[str, Any]):
    """robust.png: share_best with Wilson intervals; each policy's regret over the worlds."""
    from matplotlib.figure import Figure

    names = result["ranking"]
    styles = _styles(result)
    n = len(names)
    fig = Figure(figsize=(12, 0.55 * n + 2.4), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.4])
    y = np.arange(n)[::-1]
    for yi, p in zip(y, names, strict=True):
        s = result["policies"][p]["share_best"]
        colour = styles[p][0]
        left.barh(yi, 100 * s["p"], color=colour, alpha=0.8, height=0.6)
        left.errorbar(
            100 * s["p"],
            yi,
            xerr=[[100 * (s["p"] - s["ci_low"])], [100 * (s["ci_high"] - s["p"])]],
            fmt="none",
            color="black",
            capsize=3,
            lw=1,
        )
        left.text(
            100 * s["ci_high"] + 1.5,
            yi,
            f"{100 * s['p']:.0f}% [{100 * s['ci_low']:.0f}, {100 * s['ci_high']:.0f}]",
            va="center",
            fontsize=8,
        )
    top = max(100 * result["policies"][p]["share_best"]["ci_high"] for p in names)
    left.set_xlim(0, min(100, top + 22) if top < 78 else 118)
    left.set_yticks(y, names, fontsize=9)
    left.set_xlabel("share of worlds where the policy is best (%)")
    left.set_title(f"Best in how many worlds ({result['confidence']:.0%} Wilson)", fontsize=10)
    rng = np.random.default_rng(0)  # jitter only
    worlds = result["sampled_worlds"]
    most = 0.0
    for yi, p in zip(y, names, strict=True):
        r = np.array([w["regret"][p] for w in worlds])
        most = max(most, float(r.max()))
        colour = styles[p][0]
        right.boxplot(
            r,
            positions=[yi],
            orientation="horizontal",
            widths=0.5,
            showfliers=False,
            medianprops={"color": "black"},
        )
        right.scatter(r, yi + rng.uniform(-0.18, 0.18, r.size), s=9, color=colour, alpha=0.55)
        m = result["policies"][p]["regret"]
        right.errorbar(
            m["mean"],
            yi + 0.36,
            xerr=[[m["mean"] - m["ci_low"]], [m["ci_high"] - m["mean"]]],
            fmt="D",
            color="black",
            ms=4,
            capsize=2,
            lw=1.2,
        )
    right.set_yticks(y, names, fontsize=9)
    right.set_xlim(-0.02 * (most or 1), 1.05 * (most or 1))
    right.set_xlabel(f"regret: best policy's outcome minus this one's ({result['unit']})")
    right.set_title(
        "Regret per world (dots; box: quartiles), mean ◆ with bootstrap interval", fontsize=10
    )
    fig.suptitle(
        f"{result['name']}: {len(names)} policies × {result['worlds']} worlds × "
        f"{result['replicates']} replicates — outcome: {result['party']} {result['outcome']}",
        fontsize=11,
    )
    return fig


def _axis_values(worlds: pd.DataFrame, path: str, rng: np.random.Generator):
    """Plot positions of an uncertainty: its values, or option indices with jitter."""
    column = worlds[path]
    if pd.api.types.is_numeric_dtype(column) and column.dtype != bool:
        return column.to_numpy(dtype=np.float64), None
    options = list(dict.fromkeys(sorted(column.astype(str))))
    index = column.astype(str).map({o: i for i, o in enumerate(options)}).to_numpy(float)
    return index + rng.uniform(-0.25, 0.25, len(index)), options


def _spans(limit: dict[str, Any] | None, options: list[str] | None, shown: tuple[float, float]):
    """The box's extent along one axis, as (start, end) spans; an unrestricted side runs to
    the edge of the axis (``shown``), so it does not look like a limit."""
    if options is not None:
        kept = options if limit is None else limit["options"]
        return [(options.index(o) - 0.4, options.index(o) + 0.4) for o in kept if o in options]
    if limit is None:
        return [shown]
    lo = limit["low"] if limit["low"] is not None else shown[0]
    hi = limit["high"] if limit["high"] is not None else shown[1]
    return [(lo, hi)]


def discovery_figure(result: dict[str, Any]):
    """discovery.png, one row per pair: PRIM's peeling trajectory (coverage against density,
    the reported box ringed) and the worlds on the box's two most restricted uncertainties
    with the box drawn. None when no pair has a box."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    pairs = [p for p in result["discovery"]["pairs"] if p["boxes"]]
    if not pairs:
        return None
    styles = _styles(result)
    worlds = pd.DataFrame(result["sampled_worlds"])
    paths = [u["path"] for u in result["uncertainties"]]
    fig = Figure(figsize=(12, 4.6 * len(pairs) + 0.6), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(pairs), 2))
    threshold = result["discovery"]["settings"]["threshold"]
    for (left, right), pair in zip(axes, pairs, strict=True):
        a, b = pair["a"], pair["b"]
        first = pair["boxes"][0]
        t = pd.DataFrame(first["trajectory"])
        top = max(1, int(t["res_dim"].max()))
        art = left.scatter(
            t["coverage"],
            t["density"],
            c=t["res_dim"],
            cmap=colormaps["viridis"].resampled(top + 1),  # one colour per count
            vmin=-0.5,
            vmax=top + 0.5,
            s=22,
            zorder=2,
        )
        left.plot(t["coverage"], t["density"], color="0.7", lw=0.8, zorder=1)
        bar = fig.colorbar(art, ax=left, label="restricted uncertainties", shrink=0.85)
        bar.set_ticks(range(top + 1))
        left.scatter(
            [first["coverage"]],
            [first["density"]],
            s=160,
            facecolors="none",
            edgecolors="black",
            lw=1.5,
            zorder=3,
            label="reported box",
        )
        left.axhline(threshold, color="0.4", ls="--", lw=1, label=f"density {threshold:g}")
        left.set(
            xlabel="coverage (share of the worlds where A beats B that are in the box)",
            ylabel="density (share of the box's worlds where A beats B)",
            xlim=(0, 1.03),
            ylim=(0, 1.03),
        )
        left.legend(fontsize=8, loc="lower left")
        left.set_title(f"PRIM peeling trajectory (A = {a}, B = {b})", fontsize=10)
        restricted = sorted(first["restricted"], key=lambda r: r.get("kept", 0.5))
        dims = [r["path"] for r in restricted][:2]
        dims += [p for p in paths if p not in dims][: 2 - len(dims)]
        limits = {r["path"]: r for r in restricted}
        rng = np.random.default_rng(0)
        xs, x_options = _axis_values(worlds, dims[0], rng)
        if len(dims) > 1:
            ys, y_options = _axis_values(worlds, dims[1], rng)
        else:
            ys, y_options = rng.uniform(-0.3, 0.3, len(xs)), None
        wins = np.array([w["outcome"][a] - w["outcome"][b] > TIE for w in result["sampled_worlds"]])
        right.scatter(
            xs[wins], ys[wins], color=styles[a][0], marker="o", s=24, label=f"{a} beats {b}"
        )
        right.scatter(
            xs[~wins], ys[~wins], color=styles[b][0], marker="x", s=24, label=f"{b} does as well"
        )
        x_shown, y_shown = right.get_xlim(), right.get_ylim()
        for x0, x1 in _spans(limits.get(dims[0]), x_options, x_shown):
            y_limit = limits.get(dims[1]) if len(dims) > 1 else None
            for y0, y1 in _spans(y_limit, y_options, y_shown):
                right.add_patch(
                    Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=1.8, edgecolor="black")
                )
        right.set(xlim=x_shown, ylim=y_shown)
        state = {True: "restricted", False: "not restricted"}
        right.set_xlabel(f"{dims[0]} ({state[dims[0] in limits]})")
        if x_options is not None:
            right.set_xticks(range(len(x_options)), x_options, fontsize=8)
        if len(dims) > 1:
            right.set_ylabel(f"{dims[1]} ({state[dims[1] in limits]})")
            if y_options is not None:
                right.set_yticks(range(len(y_options)), y_options, fontsize=8)
        else:
            right.set_yticks([])
        right.legend(fontsize=8, loc="best", framealpha=0.85)
        right.set_title(
            f"Box 1: coverage {first['coverage']:.0%}, density {first['density']:.0%}, "
            f"mass {first['mass']:.0%} ({first['worlds']} worlds)",
            fontsize=10,
        )
    fig.suptitle(f"{result['name']}: scenario discovery (PRIM, EMA workbench)", fontsize=11)
    return fig


# --- the report --------------------------------------------------------------------------------


def _ci(s: dict[str, Any], scale: float = 1.0, digits: int = 1, unit: str = "") -> str:
    f = f"{{:.{digits}f}}"
    value = s.get("mean", s.get("p"))
    return (
        f"{f.format(scale * value)}{unit} [{f.format(scale * s['ci_low'])}, "
        f"{f.format(scale * s['ci_high'])}]"
    )


def _box_words(box: dict[str, Any]) -> str:
    parts = []
    for r in box["restricted"]:
        if "options" in r:
            parts.append(f"{r['path']} in {{{', '.join(r['options'])}}}")
        elif r["low"] is not None and r["high"] is not None:
            parts.append(f"{r['low']:.3g} ≤ {r['path']} ≤ {r['high']:.3g}")
        elif r["low"] is not None:
            parts.append(f"{r['path']} ≥ {r['low']:.3g}")
        else:
            parts.append(f"{r['path']} ≤ {r['high']:.3g}")
    return " and ".join(parts) or "anywhere in the sampled space (no restriction)"


def markdown(result: dict[str, Any], command: str) -> str:
    """report.md: a reader's summary, every number with its interval and what it covers."""
    names, pol = result["ranking"], result["policies"]
    top, n = names[0], result["worlds"]
    unit = result["unit"]
    best_regret = min(names, key=lambda p: pol[p]["regret"]["mean"])
    level = ", ".join(
        f"**{p}**" for p in names[1:] if pol[p]["share_best"]["p"] == pol[top]["share_best"]["p"]
    )
    level = f"; so is {level}, level with it" if level else ""
    lines = [
        f"# Robust strategies: {result['name']}",
        "",
        result["description"].strip(),
        "",
        f"Generated by `{command}`. {len(names)} policies × {n} worlds (a Latin hypercube over "
        f"{len(result['uncertainties'])} uncertainties) × {result['replicates']} replicates = "
        f"{result['runs']} runs; in each world every policy ran on the same seeds (common "
        f"random numbers). Outcome: {result['outcome_definition']}.",
        "",
        "## Headline",
        "",
        f"- **{top}** is best in {_ci(pol[top]['share_best'], 100, 0, '%')} of the worlds "
        f"(share of worlds, {result['confidence']:.0%} Wilson interval){level}.",
        f"- The lowest mean regret is **{best_regret}**'s: "
        f"{_ci(pol[best_regret]['regret'], 1, 2)} {unit} below the best policy of each world "
        f"on average (bootstrap over worlds); at worst "
        f"{pol[best_regret]['regret']['max']:.2f} {unit} (world "
        f"{pol[best_regret]['regret']['max_world']}).",
    ]
    for pair in result["discovery"]["pairs"]:
        a, b = pair["a"], pair["b"]
        said = (
            f"- {a} beats {b} in {_ci(pair['beats'], 100, 0, '%')} of the worlds (by "
            f"{_ci(pair['mean_difference'], 1, 2)} {unit} on average); "
        )
        if not pair["boxes"]:
            lines.append(said + f"no PRIM box: {pair.get('note', 'none was found')}.")
        elif not pair["boxes"][0]["restricted"]:
            lines.append(
                said + "no PRIM box narrows that down (the whole sampled space already reaches "
                "the density threshold)."
            )
        else:
            box = pair["boxes"][0]
            lines.append(
                said + f"{box['coverage']:.0%} of those worlds (coverage) lie where "
                f"{_box_words(box)}, and there {a} beats {b} in {box['density']:.0%} of the "
                f"worlds (density; {box['worlds']} worlds, {box['mass']:.0%} of all)."
            )
    lines += [
        "",
        "## Policies",
        "",
        f"| policy | best in (share of worlds) | mean regret ({unit}) | median / 90th pct / "
        f"max regret | mean outcome | mean spend per 1,000 citizens over the campaign |",
        "|---|---|---|---|---|---|",
    ]
    for p in names:
        r = pol[p]["regret"]
        lines.append(
            f"| {p} | {_ci(pol[p]['share_best'], 100, 0, '%')} | {_ci(r, 1, 2)} | "
            f"{r['median']:.2f} / {r['p90']:.2f} / {r['max']:.2f} (world {r['max_world']}) | "
            f"{_ci(pol[p]['outcome'], 1, 2)} | {pol[p]['spend']:,.0f} |"
        )
    ties = result["ties"]
    lines += [
        "",
        f"Ties: {ties['worlds_with_ties']} of {n} worlds had tied best policies; {ties['rule']}.",
        "",
        "**What the intervals cover.** "
        f"share_best: {result['intervals']['share_best']}. Regret: "
        f"{result['intervals']['regret']}. Both cover {result['intervals']['covers']}. "
        "Regret is measured against the best policy *of each world*, whose mean carries replicate "
        "noise, so it is a little inflated (see the noise line below).",
        "",
        "## Where one policy beats another (scenario discovery)",
        "",
        result["discovery"]["method"] + ".",
        "",
    ]
    for pair in result["discovery"]["pairs"]:
        noise = pair["noise"]
        lines += [
            f"### {pair['a']} vs {pair['b']}",
            "",
            f"- {pair['a']} beats {pair['b']} in {pair['cases']} of {pair['worlds']} worlds: "
            f"{_ci(pair['beats'], 100, 0, '%')} (Wilson); by "
            f"{_ci(pair['mean_difference'], 1, 2)} {unit} on average (bootstrap over worlds).",
        ]
        if noise["se"] is not None:
            lines.append(
                f"- Replicate noise: the standard error of a world's difference is "
                f"{noise['se']:.2f} {unit}; in {noise['close_worlds']} worlds the difference "
                "is within two of them (too close to call)."
            )
        else:
            lines.append(f"- Replicate noise: {noise['note']}.")
        if not pair["boxes"]:
            lines.append(f"- No PRIM box: {pair.get('note', 'none was found')}.")
        for k, box in enumerate(pair["boxes"], start=1):
            flag = "" if box["meets_threshold"] else " (below the density threshold)"
            lines.append(
                f"- Box {k}{flag}: {_box_words(box)} — coverage {box['coverage']:.0%}, density "
                f"{box['density']:.0%}, mass {box['mass']:.0%} ({box['worlds']} worlds)."
            )
            for r in box["restricted"]:
                if r["quasi_p"] is not None:
                    lines.append(f"  - {r['path']}: quasi-p {r['quasi_p']:.2g}")
        lines.append("")
    lines += [
        "Coverage, density and mass are shares of the sampled worlds; a box found among a few "
        "dozen worlds is a hypothesis to test with more worlds, not a finding. Quasi-p values "
        "(a one-sided binomial test of each restriction) above about 0.05 mark restrictions "
        "the sample does not support.",
        "",
        "## Uncertainties",
        "",
        "| uncertainty | sampled |",
        "|---|---|",
    ]
    for u in result["uncertainties"]:
        lines.append(f"| {u['path']} | {_range_words(u)} |")
    post = result.get("posterior")
    if post:
        for column in post["columns"]:
            lines.append(f"| {column} | one posterior draw per world (`{post['file']}`) |")
        lines += [
            "",
            *(f"Note: {n}." for n in post["replaced"]),
            "The posterior columns vary across worlds but are not among the scenario discovery's "
            "(PRIM's) dimensions.",
        ]
    lines += [
        "",
        "Files: `robust.json` (every number here, and each sampled world's outcome and regret "
        "per policy), `runs.parquet` (one row per world × policy × replicate), `robust.png`, "
        "`discovery.png`, and `policies/<name>/` (each policy's runs, as a sweep folder).",
        "",
        "![share best and regret](robust.png)",
        "",
        "![scenario discovery](discovery.png)",
        "",
    ]
    return "\n".join(lines)


def write_robust(
    design: RobustExperiment, runs: pd.DataFrame, out: Path, *, command: str, **meta: Any
) -> dict[str, Any]:
    """Analyse and write the outputs: runs.parquet, the figures, report.md, manifest.json and
    robust.json (last: its presence marks the run complete)."""
    from model.plots import save
    from model.store import manifest, write_json, write_parquet, write_text

    out = Path(out)
    result = analyse(design, runs)
    write_parquet(runs, out / "runs.parquet")
    save(summary_figure(result), out / "robust.png")
    figure = discovery_figure(result)
    stale = out / "discovery.png"
    if figure is not None:
        save(figure, stale)
    else:
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    text = markdown(result, command)
    if figure is None:
        text = text.replace("![scenario discovery](discovery.png)\n", "")
    write_text(text, out / "report.md")
    write_json(
        manifest(
            kind="robust",
            experiment=design.name,
            source=design.source,
            worlds=design.worlds,
            replicates=design.replicates,
            seed=design.seed,
            runs=len(runs),
            ema_workbench=importlib.metadata.version("ema_workbench"),  # PRIM's version
            **meta,
        ),
        out / "manifest.json",
    )
    write_json(result, out / "robust.json")
    return result


def headline(result: dict[str, Any]) -> str:
    """The README's sentence on deep uncertainty, from robust.json: each policy's share of worlds
    in which it is best and its mean regret, best first."""
    parts = []
    for name in result["ranking"]:
        p = result["policies"][name]
        parts.append(
            f"`{name}` best in {_ci(p['share_best'], 100, 0, ' %')} of worlds (mean regret "
            f"{_ci(p['regret'], 1, 1)} pp)"
        )
    what = result.get("description", "").strip().rstrip(".")
    return (
        f"Across {result['worlds']} worlds sampled from ranges over {len(result['uncertainties'])} "
        f"stated guesses (`experiments/{result['name']}.yaml`"
        + (f": {what[0].lower()}{what[1:]}" if what else "")
        + f"; {result['replicates']} replicates each; {result['party']}'s "
        f"{result['outcome'].replace('_', ' ')}; intervals cover which worlds were drawn, not the "
        "ranges or the model's structure): " + "; ".join(parts) + "."
    )
