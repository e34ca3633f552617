"""Every scenario and experiment we ship validates, and every experiment runs (tiny scale)."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from model.cli import main
from model.config.experiment import load_experiment
from model.sweeps import sweep
from tests.conftest import ROOT

SHIPPED = sorted(ROOT.glob("scenarios/*.yaml")) + sorted(ROOT.glob("experiments/**/*.yaml"))
GAMES = sorted(
    p for p in ROOT.glob("experiments/*.yaml") if yaml.safe_load(p.read_text()).get("players")
)
ROBUST = sorted(
    p for p in ROOT.glob("experiments/*.yaml") if yaml.safe_load(p.read_text()).get("policies")
)
EXPERIMENTS = sorted(p for p in ROOT.glob("experiments/*.yaml") if p not in GAMES + ROBUST)


def test_every_shipped_file_validates(capsys):
    assert main(["validate", *map(str, SHIPPED)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(SHIPPED) and all(line.endswith(": ok") for line in out)


TINY = {"steps": 5, "population.citizens": 120}  # the size every shipped experiment runs at here


def tiny(scenario):
    """120 citizens for 5 days; with several election cycles, two cycles of 5 days."""
    cycles = scenario.election.cycle > 0
    return dataclasses.replace(
        scenario,
        steps=10 if cycles else 5,
        population=dataclasses.replace(scenario.population, citizens=120),
        election=dataclasses.replace(scenario.election, cycle=5 if cycles else 0),
    )


def tiny_factor(factor):
    """A varied size key keeps varying, near the tiny size (its options or range moved there)."""
    if factor.path not in TINY:
        return factor
    start = TINY[factor.path]
    if factor.values is not None:
        return dataclasses.replace(factor, values=tuple(range(start, start + len(factor.values))))
    return dataclasses.replace(factor, low=start, high=start + 2)


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_shipped_experiment_runs_at_tiny_scale(path):
    exp = load_experiment(path)
    arms = exp.contrast.arms() if exp.contrast else {}
    small = dataclasses.replace(
        exp,
        base=tiny(exp.base),
        contrast=exp.contrast
        and dataclasses.replace(
            exp.contrast,
            **{t: dataclasses.replace(arm, scenario=tiny(arm.scenario)) for t, arm in arms.items()},
        ),
        factors=tuple(tiny_factor(f) for f in exp.factors),
        replicates=1,
        samples=2 if exp.design == "sobol" else exp.samples,
    )
    runs = sweep(small)
    assert len(runs) == len(small.points()) and runs.attrs["failed"].empty
    assert set(exp.outputs) <= set(runs.columns)


@pytest.mark.parametrize("path", GAMES, ids=lambda p: p.stem)
def test_shipped_game_runs_at_tiny_scale(path, tmp_path):
    assert GAMES  # experiments/arms_race.yaml
    out = tmp_path / "out"
    args = ["game", str(path), "--citizens", "120", "--steps", "5", "--replicates", "1"]
    assert main([*args, "--out", str(out), "--progress", "none"]) == 0
    assert (out / "game.json").is_file() and (out / "game.png").is_file()


@pytest.mark.parametrize("path", ROBUST, ids=lambda p: p.stem)
def test_shipped_robust_file_runs_at_tiny_scale(path, tmp_path):
    pytest.importorskip("ema_workbench")  # the robust extra (in dev)
    out = tmp_path / "out"
    args = ["robust", str(path), "--citizens", "120", "--steps", "5", "--worlds", "3"]
    assert main([*args, "--replicates", "1", "--out", str(out), "--progress", "none"]) == 0
    assert (out / "robust.json").is_file() and (out / "robust.png").is_file()
