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
EXPERIMENTS = sorted(p for p in ROOT.glob("experiments/*.yaml") if p not in GAMES)


def test_every_shipped_file_validates(capsys):
    assert main(["validate", *map(str, SHIPPED)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(SHIPPED) and all(line.endswith(": ok") for line in out)


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_shipped_experiment_runs_at_tiny_scale(path):
    exp = load_experiment(path)
    base = dataclasses.replace(
        exp.base, steps=5, population=dataclasses.replace(exp.base.population, citizens=120)
    )
    small = dataclasses.replace(
        exp, base=base, replicates=1, samples=2 if exp.design == "sobol" else exp.samples
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
