"""Output folders: what ``socialweb run`` and ``socialweb compare`` write, and the report.

Every folder is staged and renamed into place when complete (``store.staged``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from model.comparison import Comparison
from model.config import scenario_to_dict
from model.config.experiment import Experiment, arm_column
from model.plots import (
    comparison_timeseries,
    cost_effectiveness,
    effects,
    opinion_histogram,
    party_lines,
    run_overview,
    save,
)
from model.runner import RunResult
from model.store import (
    file_name,
    manifest,
    staged,
    write_json,
    write_parquet,
    write_text,
    write_yaml,
)
from model.sweeps import IncompleteSweepError, design_keys, design_table

RESOLVED_HEADER = "# Fully resolved scenario (every default filled in), as this run used it.\n"


def write_run(result: RunResult, out: Path, **meta: Any) -> Path:
    """scenario.yaml, manifest.json, timeseries.parquet, summary.json, [agents.parquet], PNGs."""
    with staged(out) as stage:
        write_yaml(scenario_to_dict(result.scenario), stage / "scenario.yaml", RESOLVED_HEADER)
        write_parquet(result.timeseries, stage / "timeseries.parquet")
        write_json(result.summary, stage / "summary.json")
        if result.agents is not None:
            write_parquet(result.agents, stage / "agents.parquet")
        if result.scenario.output.plots:
            save(run_overview(result), stage / "overview.png")
            save(
                opinion_histogram(
                    {result.scenario.name: [result.final_opinions]},
                    "Final opinions",
                    {result.scenario.name: party_lines(result.scenario)},
                ),
                stage / "opinions.png",
            )
        write_json(
            manifest(
                kind="run",
                scenario=result.scenario.name,
                seed=result.seed,
                wall_time_s=round(result.wall_time, 3),
                **meta,
            ),
            stage / "manifest.json",
        )
    return out


def _money(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _ci(d: dict[str, Any], scale: float = 100.0, digits: int = 1, signed: bool = False) -> str:
    """'12.3 [10.1, 14.5]' (× scale) from a {mean, ci_low, ci_high} entry."""
    spec = f"{'+' if signed else ''}{',' if digits == 0 else ''}.{digits}f"

    def f(v: float) -> str:
        v = scale * v
        return format(0.0 if abs(v) < 0.5 * 10**-digits else v, spec)  # no "-0"

    mean = d.get("mean", d.get("p"))
    if mean is None or mean != mean:
        return "–"
    if d.get("ci_low") is None:
        return f(mean)
    return f"{f(mean)} [{f(d['ci_low'])}, {f(d['ci_high'])}]"


def _adjusted(d: dict[str, Any], scale: float = 100.0, digits: int = 1) -> str:
    """A contrast with its adjusted interval (the unadjusted one for primary contrasts)."""
    return _ci(
        {"mean": d["mean"], "ci_low": d["ci_adjusted_low"], "ci_high": d["ci_adjusted_high"]},
        scale,
        digits,
        signed=True,
    )


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _header(cells: list[str]) -> list[str]:
    return [_row(cells), "|" + "---|" * len(cells)]


def comparison_markdown(comp: Comparison, plots: list[str]) -> str:
    """The strategist's report: outcomes, every contrast, money and cost-effectiveness, plots."""
    c = comp.comparison
    parties = c["parties"]
    base = c["baseline"]
    names = list(c["scenarios"])
    first = comp.scenarios[0]
    level = f"{c['confidence']:.0%}"
    lines = [
        f"# Strategy comparison: {', '.join(s.name for s in comp.scenarios)}",
        "",
        f"{c['replicates']} paired replicates per scenario (common random numbers: replicate r of "
        "every scenario starts from the same network and opinions and shares its per-step draws "
        f"wherever it faces the same choice), {first.population.citizens:,} citizens, "
        f"{first.steps} steps (days); the election is the last step. Intervals are {level} and "
        + (
            "cover replicate noise and the posterior's parameter uncertainty (below), not "
            "uncertainty about the other stated guesses"
            if c.get("posterior")
            else "cover replicate noise under these stated guesses only, not uncertainty about "
            "the guesses themselves"
        )
        + " (for that, see docs/ROBUSTNESS.md and `socialweb sweep`). Levels: "
        "Student-t over replicates (a percentile bootstrap where t would leave the outcome's "
        "range). Vote share is the expected share of the whole electorate (abstention is the "
        "rest); two-party share is the party's share of the votes cast; the margin is its vote "
        "share minus the best rival's; P(win) is the share of replicates it leads, with a "
        "Wilson interval.",
        "",
    ]
    if post := c.get("posterior"):
        lines += [
            "**Parameter uncertainty included** (`--posterior`): replicate r ran every "
            f"scenario with one of {post['draws_available']} posterior draws of "
            f"{', '.join(f'`{k}`' for k in post['keys'])}, chosen from replicate r's seed (the "
            "same draw in every scenario, so pairs stay paired; runs.parquet's `posterior_draw` "
            "says which).",
            "",
        ]
    lines += [
        "## What each scenario tests",
        "",
    ]
    for s in comp.scenarios:
        lines.append(f"- **{s.name}** — {s.description.strip() or '(no description)'}")
    lines += ["", "## Election-day outcomes", ""]
    header = ["scenario"]
    for p in parties:
        header += [f"vote {p} (%)", f"two-party {p} (%)", f"margin {p} (pp)", f"P({p} wins) (%)"]
    lines += _header(header + ["turnout (%)"])
    for name, entry in c["scenarios"].items():
        row = [name]
        for p in parties:
            row += [
                _ci(entry["vote_share"][p]),
                _ci(entry["two_party"][p]),
                _ci(entry["margin"][p], signed=True),
                _ci(entry["win"][p]),
            ]
        lines.append(_row(row + [_ci(entry["turnout"])]))
    lines += [
        "",
        "## Voice, mobilisation and spending",
        "",
        "Engagement spreads by threshold contagion, so a replicate either cascades or not: "
        "mobilisation is reported as the probability of a cascade (election-day engaged share "
        f"≥ {100 * next(iter(c['scenarios'].values()))['engaged_split']['threshold']:.0f} %) "
        "and the engaged share within each kind of run (percentile bootstrap; – where no run "
        "was of that kind). Spent is per 1,000 citizens over the campaign.",
        "",
    ]
    header = ["scenario", "P(cascade) (%)", "engaged if cascade (%)", "engaged if not (%)"]
    header += [f"share of voice {p} (%)" for p in parties] + [f"spent {p}" for p in parties]
    lines += _header(header)
    for name, entry in c["scenarios"].items():
        sp = entry["engaged_split"]
        row = [name, _ci(sp["cascade"]), _ci(sp["if_cascade"]), _ci(sp["if_not"])]
        row += [_ci(entry["share_of_voice"][p]) for p in parties]
        row += [_money(entry["cost"][p]["mean"]) for p in parties]
        lines.append(_row(row))
    lines += _budget_table(c, parties)
    lines += [
        "",
        f"## Primary contrasts: each scenario − `{base}`",
        "",
        "Paired by replicate, in percentage points (spent: budget units per 1,000 citizens); "
        "unadjusted, as the planned comparisons. An interval that excludes 0 is a difference "
        "the replicates resolve.",
        "",
    ]
    lines += _header(
        [
            "scenario",
            "party",
            "Δ vote share",
            "Δ two-party share",
            "Δ margin",
            "Δ share of voice",
            "Δ spent",
            "Δ turnout",
        ]
    )
    for name in names:
        if name == base:
            continue
        cell = c["contrasts"][name][base]
        for p in parties:
            lines.append(
                _row(
                    [
                        name,
                        p,
                        _ci(cell["vote_share"][p], signed=True),
                        _ci(cell["two_party"][p], signed=True),
                        _ci(cell["margin"][p], signed=True),
                        _ci(cell["share_of_voice"][p], signed=True),
                        _ci(cell["cost"][p], 1.0, 0, signed=True),
                        _ci(cell["turnout"][""], signed=True),
                    ]
                )
            )
    others = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if base not in (a, b)]
    if others:
        m = len(others)
        lines += [
            "",
            "## Every other contrast (adjusted for multiplicity)",
            "",
            f"Vote share, A − B in percentage points. These {m} contrasts per party form one "
            f"family: p-values are Holm-adjusted and intervals are at the Bonferroni level "
            f"({100 * (1 - (1 - c['confidence']) / m):.2f} %), so a resolved difference here "
            "survives the number of comparisons made.",
            "",
        ]
        lines += _header(["A", "B", "party", "Δ vote share (adjusted CI)", "p", "p (Holm)"])
        for a, b in others:
            for p in parties:
                d = c["contrasts"][a][b]["vote_share"][p]
                lines.append(_row([a, b, p, _adjusted(d), _p(d["p_value"]), _p(d["p_holm"])]))
    lines += _icer_section(c)
    lines += ["", "## Plots", ""]
    lines += [f"![{p}]({p})" for p in plots]
    lines += [
        "",
        "## Reading this report",
        "",
        "These numbers are what the model implies under its assumptions, not a forecast. "
        "Every mechanism is a switch in the scenario files and every default's source is "
        "listed in `docs/PARAMETERS.md`; rerun with `--set` to test how robust a "
        "conclusion is (e.g. `--set parties.blue.champions.guidance=0.8`). Files: "
        "`runs.parquet` (one row per run), `timeseries.parquet` (tidy, every step), "
        "`comparison.json` (the numbers above; `contrasts[A][B]` is A − B), `scenarios/` "
        "(resolved inputs).",
        "",
    ]
    return "\n".join(lines)


def _icer_section(c: dict) -> list[str]:
    """The cost-effectiveness frontier of each party whose spending varies."""
    lines: list[str] = []
    for party, table in c["icer"].items():
        rows = table["strategies"]
        lines += [
            "",
            f"## Cost-effectiveness for {party}",
            "",
            f"Strategies sorted by {party}'s spend (per 1,000 citizens over the campaign). **D**: "
            "dominated (another costs no more and wins no fewer votes); **ED**: extendedly "
            "dominated (a mix of its cheaper and dearer neighbours on the frontier does better); "
            "**ND**: on the efficiency frontier, with its incremental cost per vote point against "
            f"the next cheaper frontier strategy ({table['interval']}). Cost is actual spend.",
            "",
        ]
        lines += _header(
            [
                "strategy",
                "spent",
                "vote share (%)",
                "status",
                "against",
                "Δ spent",
                "Δ vote (pp)",
                "cost per vote point",
            ]
        )
        for name, r in rows.items():
            cells = [name, _money(r["cost"]), f"{r['effect']:.1f}", r["status"]]
            if "compared_with" in r:
                lo, hi = r["inc_cost_ci"]
                elo, ehi = r["inc_effect_ci"]
                icer = _money(r["icer"])
                if r.get("icer_ci"):
                    icer += f" [{_money(r['icer_ci'][0])}, {_money(r['icer_ci'][1])}]"
                else:
                    icer += " (effect not resolved)"
                cells += [
                    r["compared_with"],
                    f"{r['inc_cost']:+,.0f} [{lo:+,.0f}, {hi:+,.0f}]",
                    f"{r['inc_effect']:+.2f} [{elo:+.2f}, {ehi:+.2f}]",
                    icer,
                ]
            else:
                cells += ["–", "–", "–", "–"]
            lines.append(_row(cells))
    return lines


def _budget_table(c: dict, parties: list[str]) -> list[str]:
    """Planned against spent, per scenario and party that plans to spend anything."""
    from model.config.plan import CHANNELS

    rows = [
        (name, p, entry)
        for name, entry in c["scenarios"].items()
        for p in parties
        if entry["planned"][p]["mean"] > 0
    ]
    if not rows:
        return []
    lines = [
        "",
        "## Money: planned and spent",
        "",
        "Budget units per 1,000 citizens over the campaign, means over replicates. Planned is "
        "the budget's allocation when a party has one, else what its stated channels cost at "
        'full capacity; under-spend is planned minus spent (docs/MODEL.md, "Budgets").',
        "",
    ]
    header = ["scenario", "party", "planned", "spent", "under-spend"] + [
        f"spent on {ch.replace('_', ' ')}" for ch in CHANNELS
    ]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, p, entry in rows:
        cells = [name, p] + [_money(entry[m][p]["mean"]) for m in ("planned", "cost", "underspend")]
        cells += [_money(entry[f"spend_{ch}"][p]["mean"]) for ch in CHANNELS]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_comparison(comp: Comparison, out: Path, **meta: Any) -> Path:
    """runs.parquet, timeseries.parquet, comparison.json, report.md, PNGs, resolved scenarios."""
    with staged(out) as stage:
        (stage / "scenarios").mkdir()
        for s in comp.scenarios:
            write_yaml(
                scenario_to_dict(s),
                stage / "scenarios" / f"{file_name(s.name)}.yaml",
                RESOLVED_HEADER,
            )
        write_parquet(comp.runs, stage / "runs.parquet")
        write_parquet(comp.timeseries, stage / "timeseries.parquet")
        write_json(comp.comparison, stage / "comparison.json")
        plots = {
            "vote_share.png": comparison_timeseries(comp, "vote_share", "Vote intention"),
            "share_of_voice.png": comparison_timeseries(
                comp, "share_of_voice", "Share of voice (all source types)"
            ),
            "effects.png": effects(comp, "vote_share"),
            "opinions.png": opinion_histogram(
                comp.final_opinions,
                "Final opinions (replicates pooled)",
                {sc.name: party_lines(sc) for sc in comp.scenarios},
            ),
        }
        plane = cost_effectiveness(comp)
        if plane is not None:
            plots["cost_effectiveness.png"] = plane
        for name, fig in plots.items():
            save(fig, stage / name)
        write_text(comparison_markdown(comp, list(plots)), stage / "report.md")
        write_json(
            manifest(
                kind="compare", scenarios=[s.name for s in comp.scenarios], seeds=comp.seeds, **meta
            ),
            stage / "manifest.json",
        )
    return out


def write_sweep(
    experiment: Experiment, runs: pd.DataFrame, failed: pd.DataFrame, out: Path, **meta: Any
) -> Path:
    """Finish a sweep folder: base_scenario.yaml (and a contrast's contrast_a.yaml and
    contrast_b.yaml, its arms resolved), design.parquet, runs.parquet (written last: its
    presence marks the sweep complete), failed.parquet, manifest.json.

    Refuses (:class:`~model.sweeps.IncompleteSweepError`, nothing written) when ``runs`` and
    ``failed`` do not cover every (point, replicate) of the design: such a sweep is not complete.
    """
    out = Path(out)
    covered = {(int(p), int(r)) for p, r in zip(runs["point"], runs["replicate"], strict=True)}
    covered |= {(int(p), int(r)) for p, r in zip(failed["point"], failed["replicate"], strict=True)}
    design = set(design_keys(experiment))
    if missing := len(design - covered):
        raise IncompleteSweepError(
            f"{out}: {missing} of {len(design)} runs are missing from the table, so the sweep "
            "is not complete and runs.parquet was not written"
        )
    write_yaml(scenario_to_dict(experiment.base), out / "base_scenario.yaml", RESOLVED_HEADER)
    for tag, arm in experiment.contrast.arms().items() if experiment.contrast else []:
        write_yaml(scenario_to_dict(arm.scenario), out / f"contrast_{tag}.yaml", RESOLVED_HEADER)
    write_parquet(design_table(experiment), out / "design.parquet")
    write_parquet(failed, out / "failed.parquet")
    write_json(
        manifest(
            kind="sweep",
            experiment=experiment.name,
            source=experiment.source,
            design=experiment.design,
            replicates=experiment.replicates,
            seed=experiment.seed,
            runs=len(runs),
            failed=len(failed),
            **(
                {"contrast": {t: a.label for t, a in experiment.contrast.arms().items()}}
                if experiment.contrast
                else {}
            ),
            **meta,
        ),
        out / "manifest.json",
    )
    write_parquet(runs, out / "runs.parquet")
    return out


def sweep(
    experiment: Experiment,
    *,
    jobs: int = 1,
    progress: Any = None,
    executor: Any = None,
    out: str | Path | None = None,
    resume: bool = False,
) -> pd.DataFrame:
    """``model.sweep``: run an experiment (:func:`model.sweeps.sweep`: one row per run) and,
    with ``out``, finish the folder as ``socialweb sweep`` does (design, manifest, failed runs,
    and ``runs.parquet`` last), so ``model.analyze(out)`` works on it."""
    import time

    from model.sweeps import sweep as run_design

    start = time.perf_counter()

    def finish(table: pd.DataFrame) -> None:
        write_sweep(
            experiment,
            table,
            table.attrs["failed"],
            Path(out),  # type: ignore[arg-type]
            jobs=jobs,
            wall_time_s=round(time.perf_counter() - start, 3),
        )

    return run_design(
        experiment,
        jobs=jobs,
        progress=progress,
        executor=executor,
        out=out,
        resume=resume,
        finish=finish if out is not None else None,
    )


def _number(value: float, signed: bool = False) -> str:
    """An outcome for a table: 4 significant digits, whole numbers with thousands separators
    from 1,000 up (never 4.802e+04)."""
    sign = "+" if signed else ""
    if abs(value) >= 1000:
        return format(value, f"{sign},.0f")
    return format(value, f"{sign}.4g")


def _plain(value: Any) -> str:
    """A design value for a table: 0.3, 200, chronological (never 0.30000000000000004)."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _contrast_lines(experiment: Experiment, runs: pd.DataFrame) -> list[str]:
    """What a contrast sweep's report analyses, and each arm's level beside the contrast."""
    c = experiment.contrast
    assert c is not None
    lines = [
        f"**Paired contrast: {c.label()}.** Every output analysed below is arm a (`{c.a.label}`, "
        f"from {c.a.origin}) minus arm b (`{c.b.label}`, from {c.b.origin}), both run at the "
        "same design point on the same seed (replicate r of both arms shares its seed, at every "
        "point), so the noise the arms share cancels. The varied keys apply to both arms. Shares "
        "and their contrasts are fractions of the electorate: × 100 for percentage points "
        "(`vote_share.<party>` is the difference in that party's election-day vote share). "
        "Each arm's own level is kept in `runs.parquet` and `summary.parquet` as `a.<output>` "
        "and `b.<output>`; over all runs:",
        "",
        f"| output | a: {c.a.label} | b: {c.b.label} | a − b (mean) |",
        "|---|---|---|---|",
    ]
    for output in experiment.outputs:
        cells = [
            runs.get(col) for col in (arm_column("a", output), arm_column("b", output), output)
        ]
        if any(col is None or not pd.api.types.is_numeric_dtype(col) for col in cells):
            continue  # e.g. renamed (an output named like a varied key)
        means = [_number(float(col.mean()), signed=k == 2) for k, col in enumerate(cells)]
        lines.append(_row([output, *means]))
    return [*lines, ""]


def _enough(table: pd.DataFrame, samples: int) -> tuple[str, str]:
    """The project's rule for a Sobol study that is "enough", applied to this table: the
    report's sentence and the plot's one-line note. When it is not met, the base samples that
    would meet it, from the widest half-width (half-widths shrink as 1/√samples)."""
    from model.analysis import ENOUGH_HALF_WIDTH, ENOUGH_TOTAL, sobol_enough

    major = table[table["ST"] >= ENOUGH_TOTAL]
    word = {True: "met", False: "not met"}
    st, s1 = sobol_enough(table, "ST"), sobol_enough(table, "S1")
    widest = {k: major[f"{k}_conf"].max() if len(major) else 0.0 for k in ("ST", "S1")}
    rule = f"half-width ≤ {ENOUGH_HALF_WIDTH} on every input with total index ≥ {ENOUGH_TOTAL}"
    line = (
        f"Enough? The rule ({rule}; {len(major)} such inputs here) is **{word[bool(st)]}** for "
        f"the total indices (widest ± {widest['ST']:.3f}) and **{word[bool(s1)]}** for the "
        f"first-order ones (widest ± {widest['S1']:.3f}), with {samples} base samples."
    )
    if not (st and s1):
        ratio = max(widest.values()) / ENOUGH_HALF_WIDTH
        need = 2 ** math.ceil(math.log2(samples * ratio**2))  # Sobol' samples: a power of 2
        line += f" About {need:,} base samples would meet it (half-widths shrink as 1/√samples)."
    note = (
        f"enough (± {ENOUGH_HALF_WIDTH} where ST ≥ {ENOUGH_TOTAL})? "
        f"ST: {word[bool(st)]}, S1: {word[bool(s1)]}"
    )
    return line, note


def _sobol_record(experiment: Experiment, points: int, runs: int) -> dict[str, Any]:
    """The head of ``analysis/sobol.json``: what was sampled and how (its ``outputs`` are
    filled per output by :func:`_sobol_entry`). ``socialweb findings --sobol`` reads it."""
    from model.analysis import CONFIDENCE, ENOUGH_HALF_WIDTH, ENOUGH_TOTAL

    contrast = experiment.contrast
    return {
        "name": experiment.name,
        "description": experiment.description.strip(),
        "design": experiment.design,
        "samples": experiment.samples,
        "points": points,
        "runs": runs,
        "replicates": experiment.replicates,
        "seed": experiment.seed,
        "contrast": (None if contrast is None else {"a": contrast.a.label, "b": contrast.b.label}),
        "confidence": CONFIDENCE,
        "interval": "SALib's bootstrap over the design's base samples",
        "rule": {"half_width": ENOUGH_HALF_WIDTH, "total_at_least": ENOUGH_TOTAL},
        "outputs": {},
    }


def _sobol_entry(experiment: Experiment, output: str, table: pd.DataFrame) -> dict[str, Any]:
    """One output's indices in ``sobol.json``: each input's first-order and total index with
    the half-widths of their intervals (``None`` where undefined), and whether the project's
    rule for a study that is "enough" is met."""
    from model.analysis import sobol_enough

    def value(x: Any) -> float | None:
        return None if pd.isna(x) else float(x)

    return {
        "quantity": experiment.quantity(output),
        "enough": {k: sobol_enough(table, k) for k in ("ST", "S1")},
        "indices": [
            {
                "factor": str(r.factor),
                "S1": value(r.S1),
                "S1_conf": value(r.S1_conf),
                "ST": value(r.ST),
                "ST_conf": value(r.ST_conf),
            }
            for r in table.itertuples()
        ],
    }


def command_overrides(folder: Path) -> dict[str, Any] | None:
    """The command-line overrides of the base scenario (``--steps``, ``--citizens``, ``--set``)
    a sweep folder was run with, from its manifest.json: ``{}`` for none, ``None`` when the
    manifest does not tell (no manifest, or a sweep run from Python)."""
    try:
        record = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("overrides"), dict):
        return record["overrides"]
    command = record.get("command")  # older folders: read the options off the command line
    if not isinstance(command, list) or "sweep" not in command:
        return None
    found: dict[str, Any] = {}
    words = [str(w) for w in command]
    for i, word in enumerate(words):
        flag, eq, inline = word.partition("=")  # --steps 30 or --steps=30
        value = inline if eq else (words[i + 1] if i + 1 < len(words) else "")
        if flag == "--steps":
            found["steps"] = value
        elif flag == "--citizens":
            found["population.citizens"] = value
        elif flag == "--set":
            key, _, val = value.partition("=")
            found[key] = val
    return found


def _overrides_sentence(folder: Path) -> list[str]:
    """What the report says about the command-line overrides of the sweep in ``folder``."""
    found = command_overrides(folder)
    if found is None:
        return []
    if not found:
        return [
            "Run with no command-line overrides: the base scenario is the experiment file's.",
            "",
        ]
    listed = ", ".join(f"`{k}` = {_plain(v)}" for k, v in found.items())
    return [
        f"**Run with command-line overrides** of the base scenario (`--steps`, `--citizens`, "
        f"`--set`; from manifest.json): {listed}. The description above is the experiment "
        "file's and does not include them.",
        "",
    ]


def write_analysis(folder: Path, *, party: str | None = None, progress: Any = None) -> Path:
    """``analysis/`` inside a sweep folder: summary.parquet, Sobol tables, PNGs, report.md.

    ``progress(stage)``, if given, is called with a short description as each stage starts
    (loading the runs, summaries, effects, each plot, the report)."""
    import shutil

    from model import analysis
    from model.plots import (
        frontier_plot,
        heatmap,
        heatmap_keys,
        response_curves,
        sobol_bars,
        sobol_unresolved,
    )

    def stage_(text: str) -> None:
        if progress is not None:
            progress(text)

    # unreadable inputs stop here, nothing touched
    found = analysis.analyze(folder, party=party, progress=stage_)
    experiment, runs, summary = found.experiment, found.runs, found.summary
    outputs = analysis.output_columns(experiment, runs)
    varied = [f.path for f in experiment.factors]
    lines = [
        f"# Analysis: {experiment.name}",
        "",
        f"{experiment.description}".strip() or "(no description)",
        "",
        *_overrides_sentence(folder),
        f"Design `{experiment.design}`, {len(summary)} points × {experiment.replicates} "
        f"replicate{'s' if experiment.replicates != 1 else ''} = {len(runs)} runs"
        + (" of both arms" if experiment.contrast else "")
        + f" (seed {experiment.seed}; replicate r uses the same seed at every point). "
        + (
            "Intervals are 95 % Student-t over replicates: per point (levels) and, for "
            "differences between points, paired by replicate (below), which is what to read "
            "when comparing points."
            if experiment.replicates > 1
            else "With 1 replicate there are no intervals: rerun with `--resume --replicates R` "
            "to add replicates."
        ),
        "",
    ]
    if experiment.contrast is not None:
        lines += _contrast_lines(experiment, runs)
    out = Path(folder) / "analysis"
    if out.is_dir() and not out.is_symlink():
        shutil.rmtree(out)  # analysis is derived: rebuild it whole
    with staged(out) as stage:
        write_parquet(summary, stage / "summary.parquet")
        figures: list[str] = []
        if varied:
            for output in outputs:
                name = f"response_{output}.png"
                stage_(f"plot {name}")
                save(response_curves(experiment, summary, output), stage / name)
                figures.append(name)
                if heatmap_keys(experiment, summary) is not None:
                    name = f"heatmap_{output}.png"
                    stage_(f"plot {name}")
                    save(heatmap(experiment, summary, output), stage / name)
                    figures.append(name)
        if len(found.sobol):
            lines += ["## Sobol sensitivity indices", ""]
        sobol_record = _sobol_record(experiment, len(summary), len(runs))
        for output, table in found.sobol.groupby("output", sort=False) if len(found.sobol) else []:
            table = table.drop(columns="output").reset_index(drop=True)
            write_parquet(table, stage / f"sobol_{output}.parquet")
            lines += [f"### {experiment.quantity(output)}", ""]
            enough = analysis.sobol_enough(table)
            sobol_record["outputs"][output] = _sobol_entry(experiment, output, table)
            if enough is None:
                lines += [
                    f"{output} does not vary over the design (it is {runs[output].iloc[0]:g} at "
                    "every point, as for two identical arms): there is no variance to apportion, "
                    "so the indices are undefined (NaN) and not plotted.",
                    "",
                ]
                continue
            verdict, note = _enough(table, experiment.samples)
            stage_(f"plot sobol_{output}.png")
            save(
                sobol_bars(table, experiment.quantity(output), note),
                stage / f"sobol_{output}.png",
            )
            figures.append(f"sobol_{output}.png")
            lines += [verdict, ""]
            if sobol_unresolved(table):
                lines += [
                    "Some indices are negative or no larger than their intervals: with "
                    f"{experiment.samples} base samples they are not resolved; rerun with more "
                    "`samples` (the intervals shrink as 1/√samples).",
                    "",
                ]
            lines += ["| factor | S1 [95 % CI] | ST [95 % CI] |", "|---|---|---|"]
            for _, r in table.iterrows():
                lines.append(
                    f"| {r.factor} | {r.S1:.3f} ± {r.S1_conf:.3f} | {r.ST:.3f} ± {r.ST_conf:.3f} |"
                )
            lines.append("")
        if sobol_record["outputs"]:
            write_json(sobol_record, stage / "sobol.json")
        for p, table in found.frontier.groupby("party", sort=False) if len(found.frontier) else []:
            table = table.drop(columns="party")
            write_parquet(table, stage / f"frontier_{p}.parquet")
            stage_(f"plot frontier_{p}.png")
            save(frontier_plot(table, p, varied), stage / f"frontier_{p}.png")
            figures.append(f"frontier_{p}.png")
        if len(found.effects):
            write_parquet(found.effects, stage / "effects.parquet")
            eff = found.effects
            shown = pd.concat(  # per output, its 10 largest effects (outputs differ in units)
                [
                    g.reindex(g["mean"].abs().sort_values(ascending=False).index).head(10)
                    for _, g in eff.groupby("output", sort=False)
                ]
            )
            lines += [
                "## Paired effects against point 0",
                "",
                "Each point minus point 0, paired by replicate; per output its 10 largest (all in "
                "`effects.parquet`)."
                + (
                    " In a contrast sweep each is a difference of contrasts: how much more "
                    f"({experiment.contrast.label()}) gains at that point than at point 0."
                    if experiment.contrast
                    else ""
                ),
                "",
            ]
            header = ["point", *varied, "output", "Δ [95 % CI]"]
            lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            for _, r in shown.iterrows():
                ci = (
                    ""
                    if pd.isna(r["ci_low"])
                    else f" [{_number(r['ci_low'], True)}, {_number(r['ci_high'], True)}]"
                )
                cells = [str(int(r["point"]))] + [_plain(r[v]) for v in varied]
                delta = f"{_number(r['mean'], True)}{ci}"
                lines.append("| " + " | ".join([*cells, r["output"], delta]) + " |")
            lines.append("")
        lines += [
            "## Outcomes by design point" + (" (contrasts a − b)" if experiment.contrast else ""),
            "",
        ]
        shown = summary.head(40)
        header = ["point", *varied] + [f"{o} [95 % CI]" for o in outputs]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for _, r in shown.iterrows():
            cells = [str(int(r["point"]))] + [_plain(r[v]) for v in varied]
            for o in outputs:
                m = _number(r[f"{o}.mean"])
                if r[f"{o}.ci_low"] is None or pd.isna(r[f"{o}.ci_low"]):
                    cells.append(m)
                else:
                    cells.append(f"{m} [{_number(r[f'{o}.ci_low'])}, {_number(r[f'{o}.ci_high'])}]")
            lines.append("| " + " | ".join(cells) + " |")
        if len(summary) > len(shown):
            lines.append(f"\n({len(summary) - len(shown)} more points in summary.parquet)")
        lines += ["", "## Plots", ""] + [f"![{f}]({f})" for f in figures]
        stage_("report.md")
        write_text("\n".join(lines) + "\n", stage / "report.md")
    return out
