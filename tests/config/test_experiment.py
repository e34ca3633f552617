"""Experiment files: loading (base or inline scenario, overrides), every class of bad input as one
``FILE: key.path: message`` line through ``socialweb validate``, and the four designs' points."""

from __future__ import annotations

import itertools
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

from model.cli import main
from model.config import ConfigError, scenario_from_dict
from model.config.experiment import (
    PARTY_OUTPUTS,
    RUN_OUTPUTS,
    experiment_from_dict,
    load_experiment,
)
from tests.conftest import tiny_data

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))

BASE = tiny_data()
TOP_KEYS = (
    "name, description, base, scenario, overrides, vary, design, samples, replicates, seed, "
    "outputs, contrast"
)
DESIGNS = "grid, random, latin_hypercube, sobol"


def write(folder: Path, name: str, data: dict | str) -> Path:
    """A YAML file: raw text, or a mapping dumped as YAML (parent folders created)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def experiment_file(folder: Path, name: str = "exp.yaml", **fields) -> Path:
    """An experiment on base.yaml (the tiny two-party world) next to it."""
    write(folder, "base.yaml", BASE)
    data = {"base": "base.yaml", **fields}
    return write(folder, name, data)


def inline(**fields):
    """An experiment with the tiny world inline, checked (no file on disk)."""
    data = {"scenario": BASE, **fields}
    return experiment_from_dict(data, source="inline.yaml", base_dir=Path.cwd())


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    problems = info.value.problems
    assert problems, "ConfigError without problems"
    for line in problems:
        assert "\n" not in line
    return problems


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def validate_lines(capsys, path: Path) -> list[str]:
    """`socialweb validate PATH` must fail with exit 2, nothing on stdout; the stderr lines."""
    code, out, err = cli(capsys, "validate", path)
    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    assert err.endswith("\n")
    return err.splitlines()


def known_outputs(parties=("blue", "red")) -> list[str]:
    return list(RUN_OUTPUTS) + [f"{m}.{p}" for m in PARTY_OUTPUTS for p in parties]


# --- loading --------------------------------------------------------------------------------


def test_base_is_resolved_relative_to_the_experiment_file(tmp_path, monkeypatch):
    write(tmp_path, "scenarios/base.yaml", {**BASE, "name": "from_base_file"})
    write(tmp_path, "experiments/exp.yaml", {"base": "../scenarios/base.yaml"})
    # from tmp_path, "../scenarios/base.yaml" would be outside it: only the file's folder works
    monkeypatch.chdir(tmp_path)
    exp = load_experiment("experiments/exp.yaml")
    assert exp.base.name == "from_base_file"
    assert exp.base == scenario_from_dict({**BASE, "name": "from_base_file"})
    assert exp.source == "experiments/exp.yaml"
    assert exp.name == "exp"  # defaults to the file's stem


def test_base_resolution_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path, "a/base.yaml", BASE)
    path = write(tmp_path, "a/exp.yaml", {"base": "base.yaml", "name": "e"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_experiment(path).base == scenario_from_dict(BASE)


def test_inline_scenario(tmp_path):
    path = write(tmp_path, "exp.yaml", {"name": "inl", "scenario": BASE, "replicates": 3})
    exp = load_experiment(path)
    assert exp.base == scenario_from_dict(BASE)
    assert exp.name == "inl"
    assert exp.replicates == 3


def test_defaults(tmp_path):
    exp = load_experiment(experiment_file(tmp_path))
    assert exp.design == "grid"
    assert exp.replicates == 1
    assert exp.seed == 0
    assert exp.samples == 16
    assert exp.factors == ()
    assert exp.points() == [{}]
    assert list(exp.outputs) == known_outputs()
    assert exp.description == ""


@pytest.mark.parametrize("which", ["both", "neither"])
def test_exactly_one_of_base_and_scenario(tmp_path, which):
    write(tmp_path, "base.yaml", BASE)
    data = {"vary": {"steps": [5, 6]}}
    if which == "both":
        data.update(base="base.yaml", scenario=BASE)
    path = write(tmp_path, "exp.yaml", data)
    assert problems_of(path) == [
        f"{path}: base: expected exactly one of base (a scenario file) or scenario (inline)"
    ]


def test_overrides_are_applied_before_varying(tmp_path):
    path = experiment_file(
        tmp_path,
        overrides={"steps": 9, "population.citizens": 70, "feed.algorithm": "engagement"},
        vary={"population.citizens": [60, 80]},
    )
    exp = load_experiment(path)
    assert exp.base.steps == 9
    assert exp.base.population.citizens == 70
    assert exp.base.feed.algorithm == "engagement"
    scenarios = [exp.scenario_at(p) for p in exp.points()]
    assert [s.population.citizens for s in scenarios] == [60, 80]  # the varied key wins
    assert {s.steps for s in scenarios} == {9}  # the override stays under every point
    assert {s.feed.algorithm for s in scenarios} == {"engagement"}


def test_points_are_checked_against_the_overridden_base(tmp_path):
    # the default rejection (1.2) allows openness 1.0; the override (0.9) does not
    path = experiment_file(
        tmp_path,
        overrides={"population.rejection": 0.9},
        vary={"population.openness": [0.5, 1.0]},
    )
    assert problems_of(path) == [
        f"{path}: vary: design point 1 (population.openness=1.0) is inconsistent: "
        "population.rejection: expected >= population.openness (1): the latitude of rejection "
        "lies beyond acceptance, got 0.9"
    ]
    # and an override can make room for points the base file alone would refuse
    ok = experiment_file(
        tmp_path,
        "ok.yaml",
        overrides={"population.rejection": 1.8},
        vary={"population.openness": [0.5, 1.5]},
    )
    exp = load_experiment(ok)
    assert [exp.scenario_at(p).population.openness for p in exp.points()] == [0.5, 1.5]


def test_missing_base_file_is_one_line_naming_the_experiment_and_base(tmp_path):
    path = write(tmp_path, "exps/exp.yaml", {"base": "../nowhere.yaml", "vary": {"steps": [5]}})
    (line,) = problems_of(path)
    assert line.startswith(f"{path}: base: "), line
    assert line.endswith(
        f"nowhere.yaml: file not found (base is resolved against the experiment file's folder, "
        f"{path.parent})"
    ), line


def test_bad_base_file_reports_the_base_files_problems(tmp_path):
    write(tmp_path, "base.yaml", {**BASE, "stpes": 5})
    path = write(tmp_path, "exp.yaml", {"base": "base.yaml"})
    (line,) = problems_of(path)
    assert line.startswith(f"{tmp_path / 'base.yaml'}: stpes: unknown key (did you mean 'steps'?)")


def test_bad_override_names_the_experiment_file(tmp_path):
    """An override typed in the experiment file is not a command-line --set, and the line must
    point at the experiment (where the typo is), not only at the base scenario."""
    path = experiment_file(tmp_path, overrides={"population.citizen": 70})
    (line,) = problems_of(path)
    assert str(path) in line, line
    assert "population.citizen" in line and "did you mean 'citizens'?" in line, line
    assert "command line" not in line, line


# --- bad input through `socialweb validate`: one line per problem ---------------------------

ZOO_RANGE = {"low": 0.3, "high": 0.9}
BAD_EXPERIMENTS = {
    # id: (experiment fields on base.yaml, regex for the line after "FILE: ")
    "unknown_top_key": (
        {"sede": 3},
        re.escape(f"sede: unknown key (did you mean 'seed'?); expected one of: {TOP_KEYS}"),
    ),
    "unknown_vary_key": (
        {"vary": {"population.citizen": [60, 80]}},
        re.escape("vary.population.citizen: unknown key 'citizen' (did you mean 'citizens'?)"),
    ),
    "unknown_vary_section": (
        {"vary": {"popluation.citizens": [60, 80]}},
        re.escape(
            "vary.popluation.citizens: unknown key 'popluation' (did you mean 'population'?)"
        ),
    ),
    "unknown_party": (
        {"vary": {"parties.green.champions.guidance": [0.1, 0.2]}},
        re.escape(
            "vary.parties.green.champions.guidance: unknown party 'green'; "
            "the base scenario has blue, red"
        ),
    ),
    "vary_a_section": (
        {"vary": {"population": [1, 2]}},
        re.escape("vary.population: 'population' is a section; vary one of its keys"),
    ),
    "value_out_of_range": (
        {"vary": {"parties.blue.champions.guidance": [0.1, 1.4]}},
        re.escape("vary.parties.blue.champions.guidance[1]: expected a number in [0, 1], got 1.4"),
    ),
    "integer_key_given_a_fraction": (
        {"vary": {"population.citizens": [60, 80.5]}},
        re.escape("vary.population.citizens[1]: expected an integer in [2, 10000000], got 80.5"),
    ),
    "unknown_literal_value": (
        {"vary": {"feed.algorithm": ["similarity", "engagment"]}},
        re.escape(
            "vary.feed.algorithm[1]: expected one of chronological, similarity, engagement, "
            "got 'engagment' (did you mean 'engagement'?)"
        ),
    ),
    "empty_list": (
        {"vary": {"steps": []}},
        re.escape("vary.steps: expected at least one value, got an empty list"),
    ),
    "scalar_instead_of_list_or_range": (
        {"vary": {"steps": 5}},
        re.escape("vary.steps: expected a list of values or a range {low, high}, got 5"),
    ),
    "range_bound_out_of_schema": (
        {"vary": {"population.openness": {"low": 0.3, "high": 2.5, "num": 3}}},
        re.escape("vary.population.openness.high: expected a number in [0, 2], got 2.5"),
    ),
    "range_unknown_key": (
        {"vary": {"population.openness": {"low": 0.3, "high": 0.9, "step": 0.1}}},
        re.escape(
            "vary.population.openness: unknown key 'step'; expected low, high and (grid) num"
        ),
    ),
    "range_without_high": (
        {"vary": {"population.openness": {"low": 0.3, "num": 3}}},
        re.escape("vary.population.openness: expected a range with both low and high"),
    ),
    "low_equals_high": (
        {"vary": {"population.openness": {"low": 0.5, "high": 0.5, "num": 3}}},
        re.escape("vary.population.openness: expected low < high, got low 0.5, high 0.5"),
    ),
    "low_above_high": (
        {"vary": {"population.openness": {"low": 0.9, "high": 0.5, "num": 3}}},
        re.escape("vary.population.openness: expected low < high, got low 0.9, high 0.5"),
    ),
    "grid_range_without_num": (
        {"vary": {"population.openness": ZOO_RANGE}},
        re.escape(
            "vary.population.openness: expected num (points between low and high) for a grid"
        ),
    ),
    "grid_num_below_two": (
        {"vary": {"population.openness": {**ZOO_RANGE, "num": 1}}},
        re.escape("vary.population.openness.num: expected an integer in [2, 10000], got 1"),
    ),
    "num_with_random": (
        {"design": "random", "vary": {"population.openness": {**ZOO_RANGE, "num": 3}}},
        re.escape("vary.population.openness.num: only used by the grid design, got design random"),
    ),
    "num_with_latin_hypercube": (
        {"design": "latin_hypercube", "vary": {"population.openness": {**ZOO_RANGE, "num": 3}}},
        re.escape(
            "vary.population.openness.num: only used by the grid design, got design latin_hypercube"
        ),
    ),
    "bad_option_for_sobol": (
        {"design": "sobol", "samples": 4, "vary": {"network.kind": ["watts_strogatz", "ring"]}},
        r"vary\.network\.kind\[1\]: expected one of .*, got 'ring'",
    ),
    "range_for_non_numeric_key": (
        {"design": "random", "vary": {"feed.algorithm": {"low": 0, "high": 1}}},
        re.escape(
            "vary.feed.algorithm: a range needs a numeric key; "
            "feed.algorithm takes a list of values"
        ),
    ),
    "unknown_design": (
        {"design": "latin_hypercub", "vary": {"steps": [5, 6]}},
        re.escape(
            f"design: expected one of {DESIGNS}, got 'latin_hypercub' "
            "(did you mean 'latin_hypercube'?)"
        ),
    ),
    "replicates_zero": (
        {"replicates": 0},
        re.escape("replicates: expected an integer in [1, 100000], got 0"),
    ),
    "replicates_fraction": (
        {"replicates": 2.5},
        re.escape("replicates: expected an integer in [1, 100000], got 2.5"),
    ),
    "samples_zero": (
        {"design": "random", "samples": 0, "vary": {"steps": [5, 6]}},
        re.escape("samples: expected an integer in [1, 1000000], got 0"),
    ),
    "negative_seed": (
        {"seed": -1},
        re.escape(f"seed: expected an integer in [0, {2**63 - 1}], got -1"),
    ),
    "unknown_output": (
        {"outputs": ["turnout", "vote_share.bleu"]},
        re.escape(
            "outputs[1]: unknown output 'vote_share.bleu' (did you mean 'vote_share.blue'?); "
            f"expected one of: {', '.join(RUN_OUTPUTS)}, or <output>.<party> with output one "
            f"of {', '.join(PARTY_OUTPUTS)} and party one of blue, red"
        ),
    ),
    "inconsistent_design_point": (
        {"vary": {"steps": [5], "population.openness": [0.5, 1.5]}},
        re.escape(
            "vary: design point 1 (steps=5, population.openness=1.5) is inconsistent: "
            "population.rejection: expected >= population.openness (1.5): the latitude of "
            "rejection lies beyond acceptance, got 1.2"
        ),
    ),
}


@pytest.mark.parametrize("case", list(BAD_EXPERIMENTS))
def test_bad_experiment_is_one_line_through_validate(tmp_path, capsys, case):
    fields, pattern = BAD_EXPERIMENTS[case]
    path = experiment_file(tmp_path, **fields)
    lines = validate_lines(capsys, path)
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith(f"{path}: "), line
    assert re.fullmatch(pattern, line[len(f"{path}: ") :]), line


def test_unknown_party_when_the_base_has_none(tmp_path, capsys):
    path = write(
        tmp_path,
        "exp.yaml",
        {
            "scenario": {**BASE, "parties": {}},
            "vary": {"parties.blue.champions.guidance": [0.1]},
        },
    )
    assert validate_lines(capsys, path) == [
        f"{path}: vary.parties.blue.champions.guidance: unknown party 'blue'; "
        "the base scenario has no parties"
    ]


def test_inconsistent_point_of_a_range_names_the_point(tmp_path, capsys):
    # openness 0.5 .. 1.5 on a grid of 3 crosses the default rejection (1.2) at the last point
    path = experiment_file(
        tmp_path, vary={"population.openness": {"low": 0.5, "high": 1.5, "num": 3}}
    )
    assert validate_lines(capsys, path) == [
        f"{path}: vary: design point 2 (population.openness=1.5) is inconsistent: "
        "population.rejection: expected >= population.openness (1.5): the latitude of rejection "
        "lies beyond acceptance, got 1.2"
    ]


def test_missing_base_through_validate(tmp_path, capsys):
    path = write(tmp_path, "exp.yaml", {"base": "nowhere.yaml", "replicates": 2})
    (line,) = validate_lines(capsys, path)
    assert line == (
        f"{path}: base: {tmp_path / 'nowhere.yaml'}: file not found (base is resolved against "
        f"the experiment file's folder, {tmp_path})"
    )


def test_every_problem_is_one_line(tmp_path, capsys):
    path = experiment_file(
        tmp_path,
        sede=3,
        replicates=0,
        vary={
            "parties.blue.champions.guidance": [0.1, 1.4],
            "population.citizen": [60],
            "population.openness": {"low": 0.5, "high": 0.5, "num": 2},
        },
        outputs=["vote_share.bleu"],
    )
    lines = validate_lines(capsys, path)
    assert len(lines) == 6, lines
    assert {line.split(": ")[0] for line in lines} == {str(path)}
    assert sorted(line.split(": ")[1] for line in lines) == sorted(
        [
            "sede",
            "replicates",
            "vary.parties.blue.champions.guidance[1]",
            "vary.population.citizen",
            "vary.population.openness",
            "outputs[0]",
        ]
    )


def test_unknown_design_does_not_add_grid_problems(tmp_path, capsys):
    """A misspelt design is one problem: its ranges must not also be judged as a grid's."""
    path = experiment_file(
        tmp_path, design="sobl", samples=4, vary={"population.openness": ZOO_RANGE}
    )
    assert validate_lines(capsys, path) == [
        f"{path}: design: expected one of {DESIGNS}, got 'sobl' (did you mean 'sobol'?)"
    ]


def test_validate_reports_problems_of_every_file(tmp_path, capsys):
    a = experiment_file(tmp_path, "a.yaml", replicates=0)
    b = experiment_file(tmp_path, "b.yaml", design="grd", vary={"steps": [5]})
    good = experiment_file(tmp_path, "good.yaml", vary={"steps": [5, 6]})
    code, out, err = cli(capsys, "validate", a, good, b)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines == [
        f"{a}: replicates: expected an integer in [1, 100000], got 0",
        f"{b}: design: expected one of {DESIGNS}, got 'grd' (did you mean 'grid'?)",
    ]


# --- good files through `socialweb validate` ------------------------------------------------


def test_validate_shipped_scenarios_and_a_good_experiment(tmp_path, capsys):
    exp = experiment_file(
        tmp_path,
        name="good",
        vary={
            "parties.blue.champions.guidance": [0.1, 0.5],
            "population.openness": {"low": 0.3, "high": 0.9, "num": 3},
        },
        replicates=2,
        outputs=["vote_share.blue", "turnout"],
    )
    on_shipped = write(
        tmp_path,
        "on_shipped.yaml",
        {
            "base": str(ROOT / "scenarios" / "champion_driven.yaml"),
            "overrides": {"steps": 10},
            "vary": {"parties.blue.champions.guidance": [0.1, 0.9]},
        },
    )
    files = [*SHIPPED, exp, on_shipped]
    assert SHIPPED
    code, out, err = cli(capsys, "validate", *files)
    assert code == 0, err
    assert err == ""
    assert out.splitlines() == [f"{p}: ok" for p in files]


def test_validate_inline_experiment_without_vary(tmp_path, capsys):
    """`socialweb sweep` accepts an inline-scenario experiment with no vary (one point), so
    `socialweb validate` must recognise it as an experiment too."""
    path = write(tmp_path, "exp.yaml", {"scenario": BASE, "outputs": ["turnout", "steps"]})
    assert load_experiment(path).points() == [{}]
    code, out, err = cli(capsys, "validate", path)
    assert (code, err) == (0, "")
    assert out == f"{path}: ok\n"


def test_valid_sobol_experiment_loads_without_warnings(tmp_path):
    """Warnings would reach the user's stderr; a sample count SALib dislikes is either fine
    silently or refused as one bad-input line about samples."""
    path = experiment_file(
        tmp_path, design="sobol", samples=10, vary={"population.openness": ZOO_RANGE}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exp = load_experiment(path)
        except ConfigError as err:
            assert len(err.problems) == 1 and f"{path}: samples: " in err.problems[0]
        else:
            assert len(exp.points()) == 10 * 3
    assert [str(w.message) for w in caught] == []


# --- designs --------------------------------------------------------------------------------


def test_grid_is_the_cartesian_product_in_order():
    exp = inline(
        vary={
            "steps": [5, 7],
            "feed.algorithm": ["similarity", "engagement"],
            "parties.blue.champions.guidance": {"low": 0.1, "high": 0.5, "num": 3},
        },
    )
    points = exp.points()
    assert len(points) == 2 * 2 * 3
    guidance = [0.1, 0.3, 0.5]
    expected = list(itertools.product([5, 7], ["similarity", "engagement"], guidance))
    paths = ["steps", "feed.algorithm", "parties.blue.champions.guidance"]
    for point, (steps, algorithm, g) in zip(points, expected, strict=True):
        assert list(point) == paths
        assert point["steps"] == steps and type(point["steps"]) is int
        assert point["feed.algorithm"] == algorithm
        assert point["parties.blue.champions.guidance"] == pytest.approx(g, abs=1e-12)


def test_grid_range_is_linspace_and_integer_keys_are_rounded():
    exp = inline(
        vary={
            "population.citizens": {"low": 50, "high": 60, "num": 4},
            "population.openness": {"low": 0.2, "high": 0.8, "num": 4},
        },
    )
    points = exp.points()
    assert len(points) == 16
    citizens = sorted({p["population.citizens"] for p in points})
    assert citizens == [50, 53, 57, 60]  # linspace 50, 53.33, 56.67, 60 rounded
    assert all(type(p["population.citizens"]) is int for p in points)
    openness = sorted({p["population.openness"] for p in points})
    assert openness == pytest.approx([0.2, 0.4, 0.6, 0.8], abs=1e-12)
    assert [p["population.citizens"] for p in points[:4]] == [50] * 4  # first key slowest
    assert [p["population.openness"] for p in points[:4]] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    # the rounded values are what the model gets
    assert [exp.scenario_at(p).population.citizens for p in points[::4]] == [50, 53, 57, 60]


def test_grid_ignores_samples():
    assert len(inline(samples=3, vary={"steps": [5, 6, 7, 8, 9]}).points()) == 5


RANDOM_VARY = {
    "population.openness": {"low": 0.2, "high": 0.6},
    "population.citizens": {"low": 60, "high": 200},
    "feed.algorithm": ["similarity", "engagement"],
    "steps": [5, 9],
}


def test_random_points_lie_in_the_ranges_and_lists():
    exp = inline(design="random", samples=40, seed=3, vary=RANDOM_VARY)
    points = exp.points()
    assert len(points) == 40
    for p in points:
        assert list(p) == list(RANDOM_VARY)
        assert 0.2 <= p["population.openness"] <= 0.6
        assert 60 <= p["population.citizens"] <= 200
        assert type(p["population.citizens"]) is int
        assert p["feed.algorithm"] in ("similarity", "engagement")
        assert p["steps"] in (5, 9)
    assert {p["feed.algorithm"] for p in points} == {"similarity", "engagement"}
    assert {p["steps"] for p in points} == {5, 9}
    assert len({p["population.openness"] for p in points}) == 40  # continuous, not a grid


def test_random_is_reproducible_for_a_seed_and_differs_for_another():
    a = inline(design="random", samples=12, seed=3, vary=RANDOM_VARY).points()
    again = inline(design="random", samples=12, seed=3, vary=RANDOM_VARY).points()
    other = inline(design="random", samples=12, seed=4, vary=RANDOM_VARY).points()
    assert a == again
    assert a != other
    assert [p["population.openness"] for p in a] != [p["population.openness"] for p in other]


LHS_VARY = {
    "population.openness": {"low": 0.2, "high": 0.6},
    "feed.bias": {"low": 0.0, "high": 5.0},
    "parties.blue.champions.guidance": {"low": 0.1, "high": 0.9},
}


@pytest.mark.parametrize("samples", [1, 7, 20])
def test_latin_hypercube_has_one_point_per_stratum_in_each_dimension(samples):
    exp = inline(design="latin_hypercube", samples=samples, seed=5, vary=LHS_VARY)
    points = exp.points()
    assert len(points) == samples
    for path, bounds in LHS_VARY.items():
        low, high = bounds["low"], bounds["high"]
        values = np.array([p[path] for p in points])
        assert np.all((values >= low) & (values <= high)), path
        strata = np.floor((values - low) / (high - low) * samples).astype(int)
        assert sorted(strata.tolist()) == list(range(samples)), (path, strata)


def test_latin_hypercube_is_reproducible_and_rounds_integer_keys():
    vary = {**LHS_VARY, "population.citizens": {"low": 60, "high": 200}}
    a = inline(design="latin_hypercube", samples=8, seed=5, vary=vary).points()
    assert a == inline(design="latin_hypercube", samples=8, seed=5, vary=vary).points()
    assert a != inline(design="latin_hypercube", samples=8, seed=6, vary=vary).points()
    citizens = [p["population.citizens"] for p in a]
    assert all(type(c) is int and 60 <= c <= 200 for c in citizens)


@pytest.mark.parametrize(("n", "d"), [(8, 1), (8, 2), (4, 3)])
def test_sobol_has_n_times_d_plus_2_points_within_bounds(n, d):
    vary = dict(list(LHS_VARY.items())[:d])
    exp = inline(design="sobol", samples=n, seed=2, vary=vary)
    points = exp.points()
    assert len(points) == n * (d + 2)
    for path, bounds in vary.items():
        values = np.array([p[path] for p in points])
        assert np.all((values >= bounds["low"]) & (values <= bounds["high"])), path


def test_sobol_is_saltelli_without_second_order():
    """Blocks of D + 2 rows: A, then A with column j taken from B (j = 1..D), then B."""
    vary = LHS_VARY
    d = len(vary)
    exp = inline(design="sobol", samples=8, seed=2, vary=vary)
    matrix = np.array([[p[path] for path in vary] for p in exp.points()])
    from SALib.sample import sobol

    problem = {
        "num_vars": d,
        "names": list(vary),
        "bounds": [[b["low"], b["high"]] for b in vary.values()],
    }
    reference = sobol.sample(problem, 8, calc_second_order=False, seed=2)
    np.testing.assert_allclose(matrix, reference)
    for block in matrix.reshape(8, d + 2, d):
        a, b = block[0], block[-1]
        for j in range(d):
            expected = a.copy()
            expected[j] = b[j]
            np.testing.assert_array_equal(block[1 + j], expected)
    assert exp.points() == inline(design="sobol", samples=8, seed=2, vary=vary).points()


def test_sobol_rounds_integer_keys():
    vary = {"population.citizens": {"low": 60, "high": 200}, "steps": {"low": 5, "high": 20}}
    points = inline(design="sobol", samples=4, seed=1, vary=vary).points()
    assert len(points) == 4 * 4
    for p in points:
        assert type(p["population.citizens"]) is int and 60 <= p["population.citizens"] <= 200
        assert type(p["steps"]) is int and 5 <= p["steps"] <= 20


# --- switches, options and integers in sampled designs --------------------------------------

SWITCHES = {
    "parties.blue.champions.mobilized": [False, True],
    "network.kind": ["barabasi_albert", "watts_strogatz", "erdos_renyi"],
    "population.citizens": {"low": 60, "high": 200},
    "population.openness": {"low": 0.3, "high": 0.9},
}


@pytest.mark.parametrize("design", ["sobol", "latin_hypercube"])
def test_switches_options_and_integers_take_only_allowed_values(design):
    exp = inline(design=design, samples=32, seed=3, vary=SWITCHES)
    points = exp.points()
    assert len(points) == 32 * (len(SWITCHES) + 2 if design == "sobol" else 1)
    for p in points:
        assert type(p["parties.blue.champions.mobilized"]) is bool
        assert p["network.kind"] in SWITCHES["network.kind"]
        assert type(p["population.citizens"]) is int and 60 <= p["population.citizens"] <= 200
    assert {p["parties.blue.champions.mobilized"] for p in points} == {False, True}
    assert {p["network.kind"] for p in points} == set(SWITCHES["network.kind"])
    for p in points[:5]:  # the scenario the model gets has the point's values
        s = exp.scenario_at(p)
        assert s.parties["blue"].champions.mobilized is p["parties.blue.champions.mobilized"]
        assert (s.network.kind, s.population.citizens) == (
            p["network.kind"],
            p["population.citizens"],
        )


def test_sobol_options_are_equal_strata_of_the_unit_interval():
    """Each coordinate of SALib's Saltelli sample u maps to option floor(u·k) of k options and
    to round(low + u·(high − low)) for an integer key: checked against the unit sample."""
    from SALib.sample import sobol

    exp = inline(design="sobol", samples=64, seed=3, vary=SWITCHES)
    unit = sobol.sample(
        {"num_vars": 4, "names": list(SWITCHES), "bounds": [[0, 1]] * 4},
        64,
        calc_second_order=False,
        seed=3,
    )
    for p, u in zip(exp.points(), unit, strict=True):
        assert p["parties.blue.champions.mobilized"] is [False, True][int(u[0] * 2)]
        assert p["network.kind"] == SWITCHES["network.kind"][int(u[1] * 3)]
        assert p["population.citizens"] == round(60 + u[2] * 140)
        assert p["population.openness"] == pytest.approx(0.3 + u[3] * 0.6)
    # Sobol' points are balanced: in the 64 base rows a switch is on in exactly half
    base_rows = exp.points()[:: len(SWITCHES) + 2]
    assert sum(p["parties.blue.champions.mobilized"] for p in base_rows) == 32
