"""Output folders: what ``socialweb run`` and ``socialweb compare`` write, and the report.

Every folder is staged and renamed into place when complete (``store.staged``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from model.comparison import Comparison
from model.config import scenario_to_dict
from model.config.experiment import Experiment
from model.plots import comparison_timeseries, effects, opinion_histogram, run_overview, save
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
                    {result.scenario.name: [result.final_opinions]}, "Final opinions"
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


def _pct(d: dict[str, Any]) -> str:
    """'12.3 [10.1, 14.5]' in percentage points."""
    if d["mean"] != d["mean"]:
        return "–"
    if d["ci_low"] is None:
        return f"{100 * d['mean']:.1f}"
    return f"{100 * d['mean']:.1f} [{100 * d['ci_low']:.1f}, {100 * d['ci_high']:.1f}]"


def _signed(d: dict[str, Any], scale: float = 100.0, digits: int = 1) -> str:
    if d["ci_low"] is None:
        return f"{scale * d['mean']:+.{digits}f}"
    return (
        f"{scale * d['mean']:+.{digits}f} [{scale * d['ci_low']:+.{digits}f}, "
        f"{scale * d['ci_high']:+.{digits}f}]"
    )


def _money(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def comparison_markdown(comp: Comparison, plots: list[str]) -> str:
    """The strategist's report: outcomes, paired effects with CIs, cost per vote point, plots."""
    c = comp.comparison
    parties = c["parties"]
    first = comp.scenarios[0]
    lines = [
        f"# Strategy comparison: {', '.join(s.name for s in comp.scenarios)}",
        "",
        f"{c['replicates']} paired replicates per scenario (common random numbers: replicate r of "
        "every scenario starts from the same network and opinions and shares its per-step draws "
        f"wherever it faces the same choice), {first.population.citizens} "
        f"citizens, {first.steps} steps (days); the election is the last step. Intervals are "
        f"{c['confidence']:.0%} Student-t confidence intervals over replicates. Vote share is "
        "the expected share of the whole electorate (abstention is the rest). Mobilised is the "
        "share of citizens engaged on election day: engagement spreads by threshold contagion, "
        "so a replicate either cascades (near 100 %) or not, and a scenario whose replicates "
        "split both ways has wide intervals — look at `runs.parquet` for the split.",
        "",
        "## What each scenario tests",
        "",
    ]
    for s in comp.scenarios:
        lines.append(f"- **{s.name}** — {s.description.strip() or '(no description)'}")
    lines += ["", "## Election-day outcomes", ""]
    header = (
        ["scenario"]
        + [f"vote {p} (%)" for p in parties]
        + ["turnout (%)", "mobilised (%)"]
        + [f"share of voice {p} (%)" for p in parties]
        + [f"total cost {p}" for p in parties]
    )
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, entry in c["scenarios"].items():
        row = (
            [name]
            + [_pct(entry["vote_share"][p]) for p in parties]
            + [_pct(entry["turnout"]), _pct(entry["engaged"])]
        )
        row += [_pct(entry["share_of_voice"][p]) for p in parties]
        row += [_money(entry["cost"][p]["mean"]) for p in parties]
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        f"## Paired effects against `{c['baseline']}`",
        "",
        "Percentage points; an interval that excludes 0 is a difference the replicates "
        "resolve. Extra cost per vote point = paired extra spending / vote-share points "
        "gained (– where nothing was gained).",
        "",
    ]
    header = [
        "scenario",
        "party",
        "Δ vote share (pp)",
        "Δ share of voice (pp)",
        "Δ total cost",
        "extra cost per vote point",
    ]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, diff in c["differences"].items():
        for p in parties:
            lines.append(
                "| "
                + " | ".join(
                    [
                        name,
                        p,
                        _signed(diff["vote_share"][p]),
                        _signed(diff["share_of_voice"][p]),
                        _signed(diff["cost"][p], 1.0, 0),
                        _money(diff["cost_per_vote_point"][p]["value"]),
                    ]
                )
                + " |"
            )
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
        "`comparison.json` (the numbers above), `scenarios/` (resolved inputs).",
        "",
    ]
    return "\n".join(lines)


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
                comp.final_opinions, "Final opinions (replicates pooled)"
            ),
        }
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
    """Finish a sweep folder: base_scenario.yaml, design.parquet, runs.parquet (written last:
    its presence marks the sweep complete), failed.parquet, manifest.json.

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
            **meta,
        ),
        out / "manifest.json",
    )
    write_parquet(runs, out / "runs.parquet")
    return out


def write_analysis(folder: Path, *, party: str | None = None) -> Path:
    """``analysis/`` inside a sweep folder: summary.parquet, Sobol tables, PNGs, report.md."""
    import shutil

    from model import analysis
    from model.plots import frontier_plot, heatmap, response_curves, sobol_bars

    found = analysis.analyze(folder, party=party)  # unreadable inputs stop here, nothing touched
    experiment, runs, summary = found.experiment, found.runs, found.summary
    outputs = analysis.output_columns(experiment, runs)
    varied = [f.path for f in experiment.factors]
    lines = [
        f"# Analysis: {experiment.name}",
        "",
        f"{experiment.description}".strip() or "(no description)",
        "",
        f"Design `{experiment.design}`, {len(summary)} points × {experiment.replicates} "
        f"replicates = {len(runs)} runs (seed {experiment.seed}; replicate r uses the same "
        "seed at every point). Intervals are 95 % Student-t over replicates.",
        "",
    ]
    out = Path(folder) / "analysis"
    if out.is_dir() and not out.is_symlink():
        shutil.rmtree(out)  # analysis is derived: rebuild it whole
    with staged(out) as stage:
        write_parquet(summary, stage / "summary.parquet")
        figures: list[str] = []
        if varied:
            for output in outputs:
                name = f"response_{output}.png"
                save(response_curves(experiment, summary, output), stage / name)
                figures.append(name)
                if (
                    experiment.design == "grid"
                    and len(varied) >= 2
                    and all(pd.api.types.is_numeric_dtype(summary[v]) for v in varied[:2])
                ):
                    name = f"heatmap_{output}.png"
                    save(heatmap(experiment, summary, output), stage / name)
                    figures.append(name)
        if found.sobol:
            lines += ["## Sobol sensitivity indices", ""]
        for output, table in found.sobol.items():
            write_parquet(table, stage / f"sobol_{output}.parquet")
            save(sobol_bars(table, output), stage / f"sobol_{output}.png")
            figures.append(f"sobol_{output}.png")
            lines += [
                f"### {output}",
                "",
                "| factor | S1 [95 % CI] | ST [95 % CI] |",
                "|---|---|---|",
            ]
            for _, r in table.iterrows():
                lines.append(
                    f"| {r.factor} | {r.S1:.3f} ± {r.S1_conf:.3f} | {r.ST:.3f} ± {r.ST_conf:.3f} |"
                )
            lines.append("")
        for p, table in found.frontier.items():
            write_parquet(table, stage / f"frontier_{p}.parquet")
            save(frontier_plot(table, p, varied), stage / f"frontier_{p}.png")
            figures.append(f"frontier_{p}.png")
        lines += ["## Outcomes by design point", ""]
        shown = summary.head(40)
        header = ["point", *varied] + [f"{o} [95 % CI]" for o in outputs]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for _, r in shown.iterrows():
            cells = [str(r["point"])] + [
                f"{r[v]:.4g}" if isinstance(r[v], float) else str(r[v]) for v in varied
            ]
            for o in outputs:
                if r[f"{o}.ci_low"] is None or pd.isna(r[f"{o}.ci_low"]):
                    cells.append(f"{r[f'{o}.mean']:.4g}")
                else:
                    cells.append(
                        f"{r[f'{o}.mean']:.4g} [{r[f'{o}.ci_low']:.4g}, {r[f'{o}.ci_high']:.4g}]"
                    )
            lines.append("| " + " | ".join(cells) + " |")
        if len(summary) > len(shown):
            lines.append(f"\n({len(summary) - len(shown)} more points in summary.parquet)")
        lines += ["", "## Plots", ""] + [f"![{f}]({f})" for f in figures]
        write_text("\n".join(lines) + "\n", stage / "report.md")
    return out
