"""``patch_scenario``: a design point's scenario built by converting only its values must be the
scenario the full rebuild (``scenario_from_dict(apply_overrides(scenario_to_dict(base), …))``)
gives, for the points of every shipped experiment, and must step aside (None) wherever that is
not plain, so the full rebuild words the error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from model.config import ConfigError
from model.config.experiment import load_experiment, looks_like_experiment
from model.config.load import (
    apply_overrides,
    load_scenario,
    patch_scenario,
    scenario_from_dict,
    scenario_to_dict,
)
from tests.conftest import ROOT
from tests.test_shipped_files import EXPERIMENTS as SHIPPED

VALIDATION = sorted((ROOT / "experiments" / "validation").glob("*.yaml"))
EXPERIMENTS = SHIPPED + [
    p for p in VALIDATION if looks_like_experiment(yaml.safe_load(p.read_text(encoding="utf-8")))
]


def full(base, point, source="exp.yaml", base_dir=ROOT):
    data = apply_overrides(scenario_to_dict(base), point)
    return scenario_from_dict(data, source=source, base_dir=base_dir)


def some_points(exp, count=25):
    points = exp.points()
    pick = np.random.default_rng(0).choice(len(points), min(count, len(points)), replace=False)
    return [points[int(k)] for k in sorted(pick)]


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_patched_points_equal_the_full_rebuild(path):
    exp = load_experiment(path)
    templates = (
        [exp.base] if exp.contrast is None else [a.scenario for a in exp.contrast.arms().values()]
    )
    checked = 0
    for point in some_points(exp):
        for base in templates:
            patched = patch_scenario(base, point, source=exp.source, base_dir=exp.base_dir)
            if patched is None:
                continue
            assert patched == full(base, point, exp.source, exp.base_dir), point
            checked += 1
    if any(not f.path.endswith("path") for f in exp.factors):
        assert checked > 0  # the fast path is taken for the shipped designs (not for file paths)


BASE = ROOT / "scenarios" / "champion_driven.yaml"


def test_a_party_key_and_a_top_level_key_and_several_keys_of_one_section():
    base = load_scenario(BASE)
    point = {
        "parties.blue.champions.guidance": 0.8,
        "parties.blue.champions.partnership": True,
        "parties.red.staff.ties": 7,
        "steps": 50,
        "population.openness": 0.4,
    }
    patched = patch_scenario(base, point, source="x", base_dir=ROOT)
    assert patched == full(base, point)
    assert patched.parties["blue"].champions.guidance == 0.8 and patched.steps == 50
    assert patched.parties["red"].staff.ties == 7 and patched.population.openness == 0.4
    assert base.steps != 50 and base.parties["blue"].champions.guidance != 0.8  # base untouched


@pytest.mark.parametrize(
    "point",
    [
        {"population.openness": 7.0},  # out of range: the full path words the error
        {"population.nonsense": 1},  # no such key
        {"parties.green.staff.ties": 3},  # no such party
        {"steps.more": 3},  # a key inside a number
        {"network.path": "x.csv"},  # a path: resolved against the folder
        {"population": {"openness": 0.5}, "population.citizens": 300},  # inside a key set whole
        {"population.citizens": 300, "population": {"openness": 0.5}},
        {"network.mean_degree": 5000, "population.citizens": 100},  # inconsistent together
        {"name": "bad name!"},
    ],
)
def test_steps_aside_where_the_full_rebuild_must_decide(point):
    base = load_scenario(BASE)
    assert patch_scenario(base, point, source="x", base_dir=ROOT) is None


def test_a_bad_design_point_is_refused_with_the_full_rebuilds_words(tmp_path):
    exp_file = tmp_path / "exp.yaml"
    exp_file.write_text(
        f"base: {BASE}\nvary:\n  network.mean_degree: [4, 5000]\n  population.citizens: [100]\n"
    )
    with pytest.raises(ConfigError) as info:
        load_experiment(exp_file)
    (line,) = info.value.problems
    assert "design point 1" in line and "network.mean_degree" in line


def test_a_survey_scenario_takes_the_full_path():
    base = load_scenario(ROOT / "scenarios" / "anes96_electorate.yaml")
    assert base.population.survey.source
    assert patch_scenario(base, {"steps": 10}, source="x", base_dir=Path(ROOT)) is None


def test_values_are_converted_as_the_schema_says():
    """An integer for a number becomes a float, a whole float for an integer key an int: the
    same types the full rebuild gives (equality alone would not tell 1 from 1.0)."""
    base = load_scenario(BASE)
    point = {"population.openness": 1, "population.citizens": 300.0}
    patched = patch_scenario(base, point, source="x", base_dir=ROOT)
    again = full(base, point)
    assert type(patched.population.openness) is float is type(again.population.openness)
    assert type(patched.population.citizens) is int is type(again.population.citizens)
