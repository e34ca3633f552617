"""The statistics of a comparison: levels, every pairwise contrast, win probability, splits, ICERs.

Pure functions of the runs table (one row per scenario × replicate; replicate r of every scenario
shares its seed, so contrasts are paired). Choices, each named in the report:

- **Levels** (a scenario's mean outcome): Student-t intervals over replicates; for outcomes that
  live in [0, 1], if the t interval would leave that range, the percentile bootstrap instead
  (``method`` says which), so no interval lies outside what the outcome can take.
- **Contrasts** ``contrasts[A][B]`` = A − B, paired by replicate, with a Student-t interval and a
  paired t-test. Contrasts against the baseline are *primary* and reported unadjusted; every
  other contrast of one outcome for one party forms a family adjusted by Holm's method
  (``statsmodels.stats.multitest.multipletests``), its intervals at the Bonferroni level
  1 − α/m (simultaneous for the family, and consistent with Holm's first step).
- **Win probability**: share of replicates in which the party's vote share is strictly the
  highest, with a Wilson interval (``scipy.stats.binomtest``).
- **Splits**: engagement either cascades or not, so the mean hides two kinds of run; it is
  reported as the probability of a cascade (engaged share ≥ ``CASCADE``) with a Wilson interval,
  and the mean in each kind with a percentile-bootstrap interval.
- **Cost-effectiveness**: strategies sorted by cost; strongly dominated (dearer and no better)
  and extendedly dominated (an ICER above that of a dearer strategy) ones marked, and each other
  strategy's incremental cost per vote point against the next cheaper one on the frontier
  (Drummond et al. 2015, *Methods for the Economic Evaluation of Health Care Programmes*, ch. 4),
  with paired percentile-bootstrap intervals over replicates.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

CONFIDENCE = 0.95
CASCADE = 0.5  # engaged share on election day that counts as a cascade (the split is bimodal)
BOOTSTRAP = 2000  # resamples for percentile intervals


def t_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, Any]:
    """Mean and Student-t interval; zero width when every value is the same."""
    from scipy import stats

    x = np.asarray(values, dtype=np.float64)
    n = x.size
    mean = float(x.mean()) if n else float("nan")
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    if n < 2:
        return {"mean": mean, "ci_low": None, "ci_high": None, "sd": sd, "n": n}
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n))
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "sd": sd, "n": n}


def bootstrap_interval(
    values: np.ndarray, rng: np.random.Generator, confidence: float = CONFIDENCE
) -> dict[str, Any]:
    """Mean and percentile-bootstrap interval (stays within the values' range)."""
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n == 0:  # None, not NaN: comparison.json stays valid JSON
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    means = x[rng.integers(0, n, size=(BOOTSTRAP, n))].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - confidence / 2, 0.5 + confidence / 2])
    return {"mean": float(x.mean()), "ci_low": float(lo), "ci_high": float(hi), "n": n}


def level(
    values: np.ndarray,
    rng: np.random.Generator,
    bounds: tuple[float, float] | None = None,
    confidence: float = CONFIDENCE,
) -> dict[str, Any]:
    """A scenario's mean outcome: Student-t, or the bootstrap where t would leave ``bounds``."""
    out = t_interval(values, confidence)
    out["method"] = "student-t"
    if bounds is not None and out["ci_low"] is not None:
        lo, hi = bounds
        if out["ci_low"] < lo or out["ci_high"] > hi:
            out = bootstrap_interval(values, rng, confidence) | {"sd": out["sd"]}
            out["method"] = "bootstrap-percentile"
    return out


def wilson(k: int, n: int, confidence: float = CONFIDENCE) -> dict[str, Any]:
    """A proportion k/n with its Wilson score interval."""
    from scipy import stats

    if n == 0:
        return {"p": None, "ci_low": None, "ci_high": None, "k": 0, "n": 0}
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return {
        "p": k / n,
        "ci_low": float(ci.low),
        "ci_high": float(ci.high),
        "k": int(k),
        "n": int(n),
        "method": "wilson",
    }


def paired_contrast(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, Any]:
    """a − b replicate by replicate: mean, Student-t interval, and the paired t-test's p-value
    (1 when every difference is 0; 0 when all are the same non-zero value)."""
    from scipy import stats

    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    out = t_interval(d, confidence)
    if d.size < 2:
        out["p_value"] = None
    elif out["sd"] == 0:
        out["p_value"] = 1.0 if out["mean"] == 0 else 0.0
    else:
        out["p_value"] = float(stats.ttest_1samp(d, 0.0).pvalue)
    return out


def _holm(p_values: list[float]) -> list[float]:
    from statsmodels.stats.multitest import multipletests

    return list(multipletests(p_values, method="holm")[1])


def contrasts(
    runs: pd.DataFrame,
    names: list[str],
    columns: dict[str, list[str]],
    baseline: str,
    confidence: float = CONFIDENCE,
) -> dict[str, dict[str, dict[str, Any]]]:
    """``out[A][B][outcome][party]`` = A − B (``party`` "" for run-level outcomes).

    ``columns`` maps an outcome to its parties ([""] for run-level columns such as turnout).
    Pairs that involve ``baseline`` are primary (unadjusted); the rest of each outcome-party
    family are Holm-adjusted, with Bonferroni-level intervals."""
    wide = {n: runs[runs.scenario == n].set_index("replicate").sort_index() for n in names}
    pairs = list(itertools.combinations(names, 2))
    out: dict[str, dict[str, dict[str, Any]]] = {a: {b: {} for b in names if b != a} for a in names}
    for outcome, parties in columns.items():
        for party in parties:
            col = f"{outcome}.{party}" if party else outcome
            diffs = {
                (a, b): wide[a][col].to_numpy() - wide[b][col].reindex(wide[a].index).to_numpy()
                for a, b in pairs
            }
            cells = {pair: paired_contrast(d, 0.0, confidence) for pair, d in diffs.items()}
            others = [p for p in pairs if baseline not in p and cells[p]["p_value"] is not None]
            m = len(others)
            adjusted = (
                dict(zip(others, _holm([cells[p]["p_value"] for p in others]), strict=True))
                if m
                else {}
            )
            wide_level = 1 - (1 - confidence) / m if m else confidence
            for (a, b), cell in cells.items():
                primary = baseline in (a, b)
                cell["primary"] = primary
                cell["p_holm"] = None if primary else adjusted.get((a, b))
                # primary: the unadjusted interval; the others at the family's Bonferroni level
                adj = cell if primary else t_interval(diffs[(a, b)], wide_level)
                cell["ci_adjusted_low"], cell["ci_adjusted_high"] = adj["ci_low"], adj["ci_high"]
                out[a][b].setdefault(outcome, {})[party] = cell
                out[b][a].setdefault(outcome, {})[party] = _negate(cell)
    return out


def _negate(cell: dict[str, Any]) -> dict[str, Any]:
    """The same contrast the other way round (B − A)."""
    out = dict(cell)
    out["mean"] = -cell["mean"]
    for lo, hi in (("ci_low", "ci_high"), ("ci_adjusted_low", "ci_adjusted_high")):
        out[lo] = None if cell[hi] is None else -cell[hi]
        out[hi] = None if cell[lo] is None else -cell[lo]
    return out


def party_outcomes(runs: pd.DataFrame, parties: list[str]) -> pd.DataFrame:
    """Adds two-party share (votes for the party / votes cast), margin (its vote share minus
    the best rival's) and win (1 if strictly the highest) per party to the runs table."""
    out = runs.copy()
    votes = out[[f"vote_share.{p}" for p in parties]].to_numpy(dtype=np.float64)
    cast = votes.sum(axis=1)
    for k, p in enumerate(parties):
        rival = np.delete(votes, k, axis=1)
        best = rival.max(axis=1) if rival.shape[1] else np.zeros(len(out))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"two_party.{p}"] = np.where(cast > 0, votes[:, k] / cast, np.nan)
        out[f"margin.{p}"] = votes[:, k] - best
        out[f"win.{p}"] = (votes[:, k] > best).astype(np.int64)
    return out


def split(
    values: np.ndarray, rng: np.random.Generator, threshold: float = CASCADE
) -> dict[str, Any]:
    """An outcome that cascades or not: P(value ≥ threshold) and the mean in each kind."""
    x = np.asarray(values, dtype=np.float64)
    hit = x >= threshold
    return {
        "threshold": threshold,
        "cascade": wilson(int(hit.sum()), x.size),
        "if_cascade": bootstrap_interval(x[hit], rng),
        "if_not": bootstrap_interval(x[~hit], rng),
    }


# --- cost-effectiveness ----------------------------------------------------------------------


def frontier(costs: dict[str, float], effects: dict[str, float]) -> dict[str, dict[str, Any]]:
    """Dominance and ICERs (cost per unit of effect) for strategies with mean cost and effect.

    Status: ``ND`` on the efficiency frontier, ``D`` strongly dominated (another costs no more
    and achieves no less, one of them strictly), ``ED`` extendedly dominated (its ICER against
    the next cheaper frontier strategy exceeds the next dearer one's). Each ND strategy but the
    cheapest gets ``compared_with``, ``inc_cost``, ``inc_effect`` and ``icer`` against the next
    cheaper ND strategy.
    """
    names = sorted(costs, key=lambda s: (costs[s], -effects[s]))
    status = {}
    for s in names:
        dominated = any(
            costs[o] <= costs[s]
            and effects[o] >= effects[s]
            and (costs[o] < costs[s] or effects[o] > effects[s])
            for o in names
            if o != s
        )
        status[s] = "D" if dominated else "ND"
    # equal cost and effect: keep the first in sort order on the frontier, the rest dominated
    kept: list[str] = []
    for s in names:
        if status[s] == "ND" and any(
            costs[o] == costs[s] and effects[o] == effects[s] for o in kept
        ):
            status[s] = "D"
        elif status[s] == "ND":
            kept.append(s)
    changed = True
    while changed:
        changed = False
        nd = [s for s in names if status[s] == "ND"]
        ratios = [
            (costs[nd[i]] - costs[nd[i - 1]]) / (effects[nd[i]] - effects[nd[i - 1]])
            for i in range(1, len(nd))
        ]
        for i in range(len(ratios) - 1):
            if ratios[i] > ratios[i + 1]:
                status[nd[i + 1]] = "ED"
                changed = True
                break
    out = {s: {"cost": costs[s], "effect": effects[s], "status": status[s]} for s in names}
    nd = [s for s in names if status[s] == "ND"]
    for prev, s in itertools.pairwise(nd):
        d_cost, d_eff = costs[s] - costs[prev], effects[s] - effects[prev]
        out[s] |= {
            "compared_with": prev,
            "inc_cost": d_cost,
            "inc_effect": d_eff,
            "icer": d_cost / d_eff,
        }
    return out


def icer_table(
    runs: pd.DataFrame,
    names: list[str],
    party: str,
    rng: np.random.Generator,
    confidence: float = CONFIDENCE,
) -> dict[str, Any]:
    """The frontier on mean spend (per 1,000 citizens) and vote share (percentage points) of
    ``party``, with paired bootstrap intervals (replicates resampled together across
    strategies) for each frontier step's incremental cost, effect and ICER. An ICER interval is
    given only when the incremental effect is positive in every resample's central range."""
    wide_cost = runs.pivot(index="replicate", columns="scenario", values=f"cost.{party}")[names]
    wide_eff = (
        runs.pivot(index="replicate", columns="scenario", values=f"vote_share.{party}")[names] * 100
    )
    table = frontier(wide_cost.mean().to_dict(), wide_eff.mean().to_dict())
    n = len(wide_cost)
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    c, e = wide_cost.to_numpy(), wide_eff.to_numpy()
    col = {s: i for i, s in enumerate(names)}
    q = [0.5 - confidence / 2, 0.5 + confidence / 2]
    for s, row in table.items():
        if "compared_with" not in row:
            continue
        a, b = col[s], col[row["compared_with"]]
        dc = (c[idx, a] - c[idx, b]).mean(axis=1)
        de = (e[idx, a] - e[idx, b]).mean(axis=1)
        row["inc_cost_ci"] = [float(v) for v in np.quantile(dc, q)]
        row["inc_effect_ci"] = [float(v) for v in np.quantile(de, q)]
        if np.quantile(de, q[0]) > 0:
            row["icer_ci"] = [float(v) for v in np.quantile(dc / de, q)]
        else:
            row["icer_ci"] = None
            row["note"] = "the incremental effect is not resolved above 0: no ICER interval"
    return {
        "party": party,
        "cost": "mean spend per 1,000 citizens over the campaign",
        "effect": f"mean election-day vote share of {party}, percentage points of the electorate",
        "icer": "incremental cost per vote point against the next cheaper frontier strategy",
        "interval": f"{confidence:.0%} paired percentile bootstrap over replicates "
        f"({BOOTSTRAP} resamples)",
        "strategies": table,
    }
