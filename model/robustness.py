"""Which strategy conclusions survive other choices: the reference contrasts across conditions.

``socialweb robustness`` runs the five reference strategies (``REFERENCE``) under each condition
of :func:`conditions` — the defaults; population sizes from 500 to 8,000; other network
generators and feed algorithms; another seed; the rival running the same champion programme;
and the stated guesses and switches that move effects most — and reports every pairwise contrast
of blue's election-day vote share (b − a, percentage points, paired by replicate within a
condition; 95 % Student-t intervals, unadjusted, each covering replicate noise only). Its reading
classifies each pair: **holds** (the interval excludes 0 on the default's side in every
condition), **flips** (the defaults resolve a sign and some condition resolves the opposite one),
or **depends** (neither, including a pair the defaults cannot resolve).
It writes ``robustness.md`` (docs/ROBUSTNESS.md), ``robustness.json``, ``robustness.png`` and
``runs.parquet``; the README's headline sentence is built from the JSON
(:func:`headline`), never typed.

Runs record only the election-day outcomes (``output.every`` set to the run length), which
changes nothing in the dynamics.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.comparison import run_all

REFERENCE = (
    "party_absent",
    "institution_only",
    "staff_embedded",
    "champion_driven",
    "champion_driven_equal_budget",
)
PARTY = "blue"
CONFIDENCE = 0.95
SIZE_CONTRACT = (1000, 8000, 1.0)  # sizes and the largest allowed gap in pp (docs/MODEL.md)


@dataclass(frozen=True)
class Condition:
    """One way of running every reference scenario: overrides applied to each, and a seed."""

    id: str
    group: str
    label: str
    overrides: dict[str, Any] = field(default_factory=dict)
    seed: int = 0


RIVAL_CHAMPIONS = {  # red runs blue's champion_driven programme (scenarios/champion_driven.yaml)
    "parties.red.institution.paid_reach": 0.03,
    "parties.red.staff.per_1000": 2.5,
    "parties.red.champions.enabled": True,
    "parties.red.champions.initial_per_1000": 10,
    "parties.red.champions.guidance": 0.3,
}


def conditions() -> list[Condition]:
    """The conditions, defaults first. Each changes one thing from the defaults."""
    out = [Condition("defaults", "defaults", "defaults (2,000 citizens, 365 days)")]
    for n in (500, 1000, 4000, 8000):
        out.append(
            Condition(f"n{n}", "population size", f"{n:,} citizens", {"population.citizens": n})
        )
    for kind in ("watts_strogatz", "erdos_renyi", "homophilous", "stochastic_block"):
        out.append(Condition(kind, "network", f"network {kind}", {"network.kind": kind}))
    for feed in ("similarity", "engagement"):
        out.append(Condition(f"feed_{feed}", "feed", f"feed {feed}", {"feed.algorithm": feed}))
    out.append(Condition("seed1", "seed", "another seed (1)", seed=1))
    out.append(Condition("rival", "rival", "red runs the same champion programme", RIVAL_CHAMPIONS))
    switches = [
        ("mobilized", "champions mobilised", {f"parties.{PARTY}.champions.mobilized": True}),
        (
            "no_boost",
            "champions post as before (activity_boost 0)",
            {f"parties.{PARTY}.champions.activity_boost": 0.0},
        ),
        ("backfire", "backfire on", {"opinion.backfire": True}),
        ("seen3x", "users see 3× as many posts (513 a day)", {"feed.seen_per_day": 513.0}),
        (
            "no_coordination",
            "guidance brings no better timing (coordination 0)",
            {f"parties.{PARTY}.champions.coordination": 0.0},
        ),
        ("short", "a 120-day campaign", {"steps": 120}),
        (
            "normal",
            "opinions normal(0, 0.3) at the start",
            {"population.initial_opinion": "normal"},
        ),
        ("closed", "openness 0.3", {"population.openness": 0.3}),
    ]
    for cid, label, overrides in switches:
        out.append(Condition(cid, "stated guess or switch", label, overrides))
    return out


def _row(scenario: Any, seed: int, condition: str, replicate: int) -> dict[str, Any]:
    """One run's outcomes (runs in a worker; module-level so it pickles)."""
    from model.runner import run

    final = run(scenario, seed=seed).summary["final"]
    return {
        "condition": condition,
        "scenario": scenario.name,
        "replicate": replicate,
        "seed": seed,
        "vote_share": final["vote_share"][PARTY],
        "cost": final["cost"][PARTY],
        "turnout": final["turnout"],
    }


def tasks(scenario_dir: Path, replicates: int) -> list[tuple[Any, ...]]:
    """Every (scenario, seed, condition, replicate) to run, loaded and checked up front."""
    from model.config import ConfigError
    from model.rng import replicate_seeds
    from model.runner import election_day_only, load_scenario

    out, problems = [], []
    for cond in conditions():
        seeds = replicate_seeds(cond.seed, replicates)
        for name in REFERENCE:
            path = scenario_dir / f"{name}.yaml"
            try:
                base = load_scenario(path, cond.overrides)
            except ConfigError as err:
                problems += err.problems
                continue
            sc = election_day_only(base)
            out += [(sc, s, cond.id, r) for r, s in enumerate(seeds)]
    if problems:
        raise ConfigError(problems)
    return out


def run_robustness(
    todo: list[tuple[Any, ...]],
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run :func:`tasks`: one row per condition × scenario × replicate."""
    return pd.DataFrame(run_all(todo, jobs=jobs, progress=progress, fn=_row))


def summarise(table: pd.DataFrame, replicates: int, wall_time_s: float) -> dict[str, Any]:
    """robustness.json: the verdicts, the size check, the conditions and every contrast."""
    return {
        "replicates": replicates,
        "party": PARTY,
        "confidence": CONFIDENCE,
        "verdicts": verdicts(table),
        "size_check": size_check(table),
        "conditions": [dataclasses.asdict(c) for c in conditions()],
        "contrasts": table.to_dict(orient="records"),
        "wall_time_s": round(wall_time_s, 1),
    }


def contrasts(runs: pd.DataFrame) -> pd.DataFrame:
    """Every pair (a, b) of reference scenarios in every condition: b − a in pp, paired."""
    from scipy import stats

    out = []
    for cond in conditions():
        sel = runs[runs.condition == cond.id]
        if sel.empty:
            continue
        wide = sel.pivot(index="replicate", columns="scenario", values="vote_share") * 100
        for a, b in itertools.combinations(REFERENCE, 2):
            d = (wide[b] - wide[a]).to_numpy(dtype=np.float64)
            n = d.size
            mean = float(d.mean())
            half = (
                float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * d.std(ddof=1) / math.sqrt(n))
                if n > 1
                else float("nan")
            )
            out.append(
                {
                    "condition": cond.id,
                    "group": cond.group,
                    "label": cond.label,
                    "a": a,
                    "b": b,
                    "mean": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "n": n,
                }
            )
    return pd.DataFrame(out)


def verdicts(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Per pair: the default effect and how it fares elsewhere (holds, flips or depends)."""
    out = []
    for (a, b), rows in table.groupby(["a", "b"], sort=False):
        base = rows[rows.condition == "defaults"].iloc[0]
        sign = 1 if base["mean"] > 0 else -1
        same = rows[(rows.ci_low > 0) if sign > 0 else (rows.ci_high < 0)]
        opposite = rows[(rows.ci_high < 0) if sign > 0 else (rows.ci_low > 0)]
        unresolved = rows[~rows.index.isin(same.index) & ~rows.index.isin(opposite.index)]
        resolved_at_defaults = base["ci_low"] > 0 or base["ci_high"] < 0
        if not resolved_at_defaults:  # nothing to hold or flip from
            verdict = "depends"
        elif len(opposite):
            verdict = "flips"
        elif len(same) == len(rows):
            verdict = "holds"
        else:
            verdict = "depends"
        out.append(
            {
                "a": a,
                "b": b,
                "default": {k: float(base[k]) for k in ("mean", "ci_low", "ci_high")},
                "verdict": verdict,
                "conditions": len(rows),
                "same_sign": len(same),
                "opposite": list(opposite.label),
                "unresolved": list(unresolved.label),
            }
        )
    return out


def size_check(table: pd.DataFrame) -> dict[str, Any]:
    """The scale contract: the largest gap between the same pair's effects at two sizes, with
    a 95 % normal interval of that gap (the two sizes' runs are independent: different networks,
    so their standard errors add in quadrature)."""
    from scipy import stats

    small, large, allowed = SIZE_CONTRACT
    s = table[table.condition == f"n{small}"].set_index(["a", "b"])
    big = table[table.condition == f"n{large}"].set_index(["a", "b"])
    gaps = (big["mean"] - s["mean"]).abs()
    worst = gaps.idxmax()

    def se(row: pd.Series) -> float:
        return float(
            (row["ci_high"] - row["mean"]) / stats.t.ppf(0.5 + CONFIDENCE / 2, row["n"] - 1)
        )

    half = 1.96 * math.hypot(se(s.loc[worst]), se(big.loc[worst]))  # normal approximation
    return {
        "sizes": [small, large],
        "allowed_pp": allowed,
        "largest_gap_pp": float(gaps.max()),
        "largest_gap_half_width_pp": half,
        "pair": list(worst),
        "passes": bool(gaps.max() <= allowed),  # a point check: the observed gap
        "upper_pp": float(gaps.max() + half),
    }


def _fmt(mean: float, lo: float, hi: float) -> str:
    return f"{mean:+.1f} [{lo:+.1f}, {hi:+.1f}]"


def markdown(table: pd.DataFrame, summary: dict[str, Any], command: str) -> str:
    """docs/ROBUSTNESS.md: the reading, the scale check, and the full table."""
    reps = summary["replicates"]
    conds = conditions()
    lines = [
        "# Robustness of the reference contrasts",
        "",
        f"Generated by `{command}`; do not edit. Each cell is blue's election-day vote share in "
        "scenario b minus scenario a, in percentage points of the electorate, the mean of "
        f"{reps} replicates paired on common random numbers, with a {CONFIDENCE:.0%} Student-t "
        "interval over replicates. The interval covers replicate noise under that condition "
        "only, not uncertainty about the stated guesses, and is not adjusted for the "
        f"{len(table)} intervals on this page: read single cells with care, patterns across "
        "conditions with more confidence.",
        "",
        "Each condition changes one thing from the defaults of `scenarios/` (2,000 citizens, 365 "
        "days, Barabási–Albert network, chronological feed, seed 0):",
        "",
    ]
    for group, items in itertools.groupby(conds, key=lambda c: c.group):
        lines.append(f"- **{group}**: " + "; ".join(c.label for c in items))
    lines += [
        "",
        "## Reading",
        "",
        "A pair **holds** when every condition's interval excludes 0 on the defaults' side, "
        "**flips** when the defaults resolve a sign and some condition resolves the opposite "
        "one, and **depends** otherwise (some condition, or the defaults, cannot tell the two "
        "apart).",
        "",
    ]
    for v in summary["verdicts"]:
        d = v["default"]
        text = (
            f"- `{v['b']}` − `{v['a']}`: {_fmt(d['mean'], d['ci_low'], d['ci_high'])} pp at the "
            f"defaults; **{v['verdict']}** — same sign resolved in {v['same_sign']} of "
            f"{v['conditions']} conditions"
        )
        if v["opposite"]:
            text += "; reversed under " + ", ".join(v["opposite"])
        if v["unresolved"]:
            text += "; unresolved under " + ", ".join(v["unresolved"])
        lines.append(text + ".")
    sc = summary["size_check"]
    lines += [
        "",
        "## Population size",
        "",
        f'Scenarios are written per 1,000 citizens (docs/MODEL.md, "Population size"). The '
        f"largest difference between a pair's effect at {sc['sizes'][0]:,} and at "
        f"{sc['sizes'][1]:,} citizens is {sc['largest_gap_pp']:.2f} ± "
        f"{sc['largest_gap_half_width_pp']:.2f} pp (95 % interval of that gap; `{sc['pair'][1]}` "
        f"− `{sc['pair'][0]}`); the contract allows {sc['allowed_pp']:g} pp for the observed "
        f"gap: **{'met' if sc['passes'] else 'not met'}** (a point check; the interval's upper "
        f"end is {sc['upper_pp']:.2f} pp).",
        "",
        "## All contrasts",
        "",
        "![contrasts by condition](img/robustness.png)",
        "",
    ]
    pairs = list(itertools.combinations(REFERENCE, 2))
    header = ["condition"] + [f"{b} − {a}" for a, b in pairs]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for cond in conds:
        sel = table[table.condition == cond.id].set_index(["a", "b"])
        if sel.empty:
            continue
        cells = [cond.label]
        for a, b in pairs:
            r = sel.loc[(a, b)]
            cells.append(_fmt(r["mean"], r["ci_low"], r["ci_high"]))
        lines.append("| " + " | ".join(cells) + " |")
    lines += [""]
    return "\n".join(lines)


def headline(summary: dict[str, Any]) -> str:
    """The README's headline sentence, from robustness.json: the two contrasts the essay's claim
    turns on (champions over staff alone; a champion programme on a broadcaster's budget)."""
    pick = [
        ("staff_embedded", "champion_driven"),
        ("institution_only", "champion_driven_equal_budget"),
    ]
    by_pair = {(v["a"], v["b"]): v for v in summary["verdicts"]}
    n = len(summary["conditions"]) if "conditions" in summary else None
    parts = []
    for pair in pick:
        v = by_pair[pair]
        d = v["default"]
        text = (
            f"`{v['b']}` − `{v['a']}`, {_fmt(d['mean'], d['ci_low'], d['ci_high'])} pp at the "
            f"defaults, **{v['verdict']}**: the same sign resolved in {v['same_sign']} of "
            f"{v['conditions']} conditions"
        )
        if v["opposite"]:
            text += f", reversed under {', '.join(v['opposite'])}"
        if v["unresolved"]:
            text += f", unresolved under {', '.join(v['unresolved'])}"
        parts.append(text)
    return (
        f"Across the {n or v['conditions']} conditions of [docs/ROBUSTNESS.md](docs/ROBUSTNESS.md) "
        f"({summary['replicates']} replicates each; intervals cover replicate noise only): "
        + "; ".join(parts)
        + "."
    )


def plot(table: pd.DataFrame, path: Path) -> Path:
    """One panel per pair: each condition's effect with its interval, 0 marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = list(itertools.combinations(REFERENCE, 2))
    conds = [c for c in conditions() if c.id in set(table.condition)]
    cols = 5
    rows = math.ceil(len(pairs) / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.2 * cols, 0.28 * len(conds) * rows + 1.2), sharey=True, squeeze=False
    )
    y = np.arange(len(conds))[::-1]
    for ax, (a, b) in zip(axes.flat, pairs, strict=False):
        sel = table[(table.a == a) & (table.b == b)].set_index("condition")
        sel = sel.loc[[c.id for c in conds]]
        err = np.vstack([sel["mean"] - sel["ci_low"], sel["ci_high"] - sel["mean"]])
        colours = ["#444" if c.id == "defaults" else "#1f77b4" for c in conds]
        ax.errorbar(sel["mean"], y, xerr=err, fmt="none", ecolor=colours, elinewidth=1.2)
        ax.scatter(sel["mean"], y, c=colours, s=14, zorder=3)
        ax.axvline(0, color="#999", lw=0.8)
        ax.set_title(f"{b}\n− {a}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("pp of the electorate", fontsize=7)
    for ax in axes.flat[len(pairs) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_yticks(y)
        ax.set_yticklabels([c.label for c in conds], fontsize=7)
    fig.suptitle(
        f"Blue's paired vote-share effect b − a by condition ({CONFIDENCE:.0%} intervals over "
        "replicates; grey: defaults)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
