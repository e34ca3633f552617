"""Sweep analysis: summaries, Sobol indices (checked on Ishigami), frontier, the analyze command."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from model.analysis import frontier, point_summary, sobol_indices
from model.cli import main
from model.config import scenario_from_dict
from model.config.experiment import Experiment, Factor

# Ishigami & Homma (1990), a = 7, b = 0.1: analytic first-order and total indices
A, B = 7.0, 0.1
VARIANCE = A**2 / 8 + B * math.pi**4 / 5 + B**2 * math.pi**8 / 18 + 0.5
V1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
S1 = np.array([V1, V2, 0.0]) / VARIANCE
ST = np.array([V1 + V13, V2, V13]) / VARIANCE


def ishigami_experiment(samples: int) -> Experiment:
    factors = tuple(Factor(f"x{i}", low=-math.pi, high=math.pi) for i in (1, 2, 3))
    return Experiment(
        name="ishigami",
        description="",
        source="<test>",
        base_dir=None,
        base=scenario_from_dict({}),
        factors=factors,
        design="sobol",
        samples=samples,
        replicates=1,
        seed=17,
        outputs=("y",),
    )


def test_sobol_analysis_recovers_the_ishigami_indices():
    exp = ishigami_experiment(1024)
    x = pd.DataFrame(exp.points())
    y = np.sin(x.x1) + A * np.sin(x.x2) ** 2 + B * x.x3**4 * np.sin(x.x1)
    runs = pd.DataFrame({"point": range(len(x)), "replicate": 0, "seed": 0, "y": y})
    table = sobol_indices(exp, runs, "y")
    # SALib's 95 % bootstrap half-widths, plus 0.01 for the estimator's own bias at N = 1024
    assert np.all(np.abs(table.S1 - S1) <= table.S1_conf + 0.01), table
    assert np.all(np.abs(table.ST - ST) <= table.ST_conf + 0.01), table


def test_sobol_analysis_notices_a_wrong_answer():
    """Swap the roles of x1 and x2 in the model: the same check must fail."""
    exp = ishigami_experiment(1024)
    x = pd.DataFrame(exp.points())
    y = np.sin(x.x2) + A * np.sin(x.x1) ** 2 + B * x.x3**4 * np.sin(x.x2)
    runs = pd.DataFrame({"point": range(len(x)), "replicate": 0, "seed": 0, "y": y})
    table = sobol_indices(exp, runs, "y")
    assert not np.all(np.abs(table.S1 - S1) <= table.S1_conf + 0.01)


def test_point_summary_means_and_intervals():
    exp = ishigami_experiment(4)
    runs = pd.DataFrame(
        {
            "point": [0, 0, 0, 1, 1, 1],
            "replicate": [0, 1, 2] * 2,
            "seed": [1, 2, 3] * 2,
            "x1": 0.0,
            "x2": 0.0,
            "x3": 0.0,
            "y": [1.0, 2.0, 3.0, 5.0, 5.0, 5.0],
        }
    )
    summary = point_summary(exp, runs)
    assert summary["y.mean"].tolist() == [2.0, 5.0]
    half = 4.302652729911275 / math.sqrt(3)  # t(0.975, 2) · sd 1 / √3
    assert summary.loc[0, "y.ci_high"] == pytest.approx(2.0 + half)
    assert summary.loc[1, "y.ci_low"] == summary.loc[1, "y.ci_high"] == 5.0


def test_frontier_gain_per_unit_cost():
    summary = pd.DataFrame(
        {"vote_share.blue.mean": [0.30, 0.34, 0.33], "cost.blue.mean": [100.0, 300.0, 200.0]}
    )
    table = frontier(summary, "blue")
    assert table["cost.blue.mean"].tolist() == [100.0, 200.0, 300.0]
    assert np.isnan(table["vote_gain_per_unit_cost"].iloc[0])
    assert table["vote_gain_per_unit_cost"].iloc[1:].tolist() == pytest.approx([3e-4, 2e-4])


def test_analyze_command_writes_the_report(tmp_path, capsys):
    exp = {
        "name": "tiny_grid",
        "scenario": {
            "steps": 15,
            "population": {"citizens": 150},
            "parties": {
                "blue": {
                    "position": 0.2,
                    "institution": {"enabled": True},
                    "staff": {"per_1000": 1000 / 150},
                    "champions": {"enabled": True},
                }
            },
        },
        "vary": {
            "parties.blue.champions.guidance": [0.1, 0.9],
            "parties.blue.institution.paid_reach": [0.0, 0.1],
        },
        "replicates": 2,
        "seed": 1,
        "outputs": ["vote_share.blue", "cost.blue", "share_of_voice.blue"],
    }
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(exp), encoding="utf-8")
    out = tmp_path / "sweep"
    sweep = ["sweep", str(path), "--out", str(out), "--progress", "none", "--steps", "12"]
    assert main([*sweep, "--set", "parties.blue.position=0.25"]) == 0
    capsys.readouterr()
    assert main(["analyze", str(out), "--progress", "log"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[-1] == str(out / "analysis")
    # a line per stage on stderr while it works (issue 12: seconds of silence before)
    stages = [re.sub(r" \(\d+s\)$", "", line) for line in captured.err.splitlines()]
    assert stages[0] == f"analyze: {out}: loading the plotting libraries"
    assert stages[1:4] == [
        "analyze: loading the runs",
        "analyze: summaries of 4 points × 2 replicates",
        "analyze: paired effects against point 0",
    ]
    assert "analyze: plot heatmap_vote_share.blue.png" in stages
    assert "analyze: plot frontier_blue.png" in stages
    assert stages[-2:] == ["analyze: report.md", "analyze: done"]
    files = {p.name for p in (out / "analysis").iterdir()}
    assert {
        "report.md",
        "summary.parquet",
        "frontier_blue.png",
        "frontier_blue.parquet",
        "response_vote_share.blue.png",
        "heatmap_vote_share.blue.png",
    } <= files
    report = (out / "analysis" / "report.md").read_text(encoding="utf-8")
    assert "| point |" in report and "tiny_grid" in report
    assert "e+0" not in report and "\n| 0.0 |" not in report  # costs with commas, points as ints
    assert "## Paired effects against point 0" in report
    # the overrides the sweep ran with, which the experiment file's description does not say
    assert (
        "**Run with command-line overrides** of the base scenario (`--steps`, `--citizens`, "
        "`--set`; from manifest.json): `parties.blue.position` = 0.25, `steps` = 12." in report
    )
    assert main(["analyze", str(out), "--progress", "none"]) == 0
    assert capsys.readouterr().err == ""
    summary = pd.read_parquet(out / "analysis" / "summary.parquet")
    assert len(summary) == 4 and (summary["n"] == 2).all()


def test_analyze_refuses_a_folder_that_is_not_a_finished_sweep(tmp_path, capsys):
    assert main(["analyze", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "expected a finished sweep folder" in err


def test_paired_effects_pair_replicates_across_points():
    """Point 1 is point 0 plus 0.01 in every replicate, while replicates differ by 0.05: paired,
    the effect is exactly 0.01 with a zero-width interval; the per-point (level) intervals
    overlap, which is why the report reads differences from the paired table."""
    from model.analysis import paired_effects

    exp = Experiment(
        name="pairs",
        description="",
        source="<test>",
        base_dir=None,
        base=scenario_from_dict({}),
        factors=(Factor("population.openness", values=(0.3, 0.6)),),
        design="grid",
        samples=1,
        replicates=4,
        seed=1,
        outputs=("y",),
    )
    level = np.array([0.30, 0.35, 0.40, 0.45])
    runs = pd.DataFrame(
        {
            "point": [0] * 4 + [1] * 4,
            "replicate": list(range(4)) * 2,
            "seed": list(range(4)) * 2,
            "population.openness": [0.3] * 4 + [0.6] * 4,
            "y": np.concatenate([level, level + 0.01]),
        }
    )
    effects = paired_effects(exp, runs)
    (row,) = effects.to_dict(orient="records")
    assert (row["point"], row["output"], row["n"]) == (1, "y", 4)
    assert row["mean"] == pytest.approx(0.01)
    assert row["ci_low"] == pytest.approx(0.01) and row["ci_high"] == pytest.approx(0.01)
    summary = point_summary(exp, runs)
    assert summary.loc[1, "y.ci_low"] < summary.loc[0, "y.ci_high"]  # levels overlap


def test_report_reads_the_overrides_of_an_older_sweep_off_its_command(tmp_path):
    """A folder whose manifest has no "overrides" (written before they were recorded): the
    report takes --steps, --citizens and --set off the command line stored there."""
    import json

    from model.report import command_overrides

    command = ["socialweb", "sweep", "e.yaml", "--steps=30", "--citizens", "200"]
    command += ["--set", "feed.bias=2", "--out", "x"]
    (tmp_path / "manifest.json").write_text(json.dumps({"command": command}), encoding="utf-8")
    assert command_overrides(tmp_path) == {
        "steps": "30",
        "population.citizens": "200",
        "feed.bias": "2",
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"command": ["python", "s.py"]}))
    assert command_overrides(tmp_path) is None  # a sweep run from Python: nothing to say
    (tmp_path / "manifest.json").write_text(json.dumps({"overrides": {}}))
    assert command_overrides(tmp_path) == {}
