"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from model.config import Scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def small(parties: dict | None = None, **sections) -> Scenario:
    """A small world (300 citizens, 60 steps) with blue and red unless ``parties`` is given."""
    data = {
        "name": "small",
        "steps": 60,
        "population": {"citizens": 300},
        "network": {"mean_degree": 8},
        "parties": parties
        if parties is not None
        else {
            "blue": {
                "position": 0.25,
                "institution": {"enabled": True},
                "staff": {"count": 2, "ties": 15},
                "champions": {"enabled": True, "initial": 10},
            },
            "red": {"position": -0.25, "institution": {"enabled": True}},
        },
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return scenario_from_dict(data)


@pytest.fixture
def small_scenario() -> Scenario:
    return small()


@pytest.fixture(autouse=True)
def _results_in_tmp(tmp_path, monkeypatch):
    """Default output folders go to a temporary results/ so tests never touch the checkout."""
    monkeypatch.setenv("SOCIALWEB_RESULTS", str(tmp_path / "results"))
    os.environ.setdefault("MPLBACKEND", "Agg")


def tiny_data(
    *, citizens: int = 60, steps: int = 5, mean_degree: int = 4, initial_champions: int = 2
) -> dict:
    """Raw scenario data (what a YAML file holds) for a tiny blue-and-red world."""
    return {
        "name": "tiny",
        "steps": steps,
        "population": {"citizens": citizens},
        "network": {"mean_degree": mean_degree},
        "parties": {
            "blue": {
                "position": 0.25,
                "institution": {"enabled": True},
                "champions": {"enabled": True, "initial": initial_champions, "guidance": 0.3},
            },
            "red": {"position": -0.25, "institution": {"enabled": True}},
        },
    }
