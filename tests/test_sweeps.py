"""sweep(): one row per design point × replicate, common random numbers, results independent of
the worker count, varied keys reaching the model; ``socialweb sweep``: the files it writes, and
bad experiments refused with one line per problem and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from model.cli import main
from model.config import scenario_from_dict
from model.config.experiment import experiment_from_dict, load_experiment
from model.rng import replicate_seeds
from model.sweeps import sweep
from tests.conftest import tiny_data

TINY = tiny_data()
SWEEP_FILES = {
    "base_scenario.yaml",
    "design.parquet",
    "runs.parquet",
    "manifest.json",
    "failed.parquet",
    "sweep.json",
    "runs",
    "failed",
}


def experiment(scenario: dict | None = None, **fields):
    data = {"scenario": TINY if scenario is None else scenario, **fields}
    return experiment_from_dict(data, source="exp.yaml", base_dir=Path.cwd())


def write(folder: Path, name: str, data: dict) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_nothing_written(tmp_path: Path, *outs: Path) -> None:
    results = tmp_path / "results"  # the conftest points SOCIALWEB_RESULTS here
    assert not results.exists() or not any(results.iterdir()), list(results.iterdir())
    for out in outs:
        assert not out.exists(), f"{out} was created"
        if out.parent.exists():
            leftovers = [p.name for p in out.parent.iterdir() if ".partial" in p.name]
            assert not leftovers, leftovers


GRID = {"population.citizens": [60, 80], "parties.blue.champions.guidance": [0.1, 0.9]}
OUTPUTS = ["turnout", "vote_share.blue"]


@pytest.fixture(scope="module")
def grid_runs():
    """2 × 2 grid, 3 replicates: the experiment and its table (run once for the module)."""
    exp = experiment(vary=GRID, replicates=3, seed=11, outputs=OUTPUTS)
    return exp, sweep(exp)


# --- the runs table -------------------------------------------------------------------------


def test_rows_are_points_times_replicates(grid_runs):
    exp, runs = grid_runs
    points = exp.points()
    assert len(points) == 4
    assert len(runs) == 4 * 3
    assert runs["point"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert runs["replicate"].tolist() == [0, 1, 2] * 4
    for _, row in runs.iterrows():
        point = points[int(row["point"])]
        for path, value in point.items():
            assert row[path] == value, (path, row[path], value)


def test_columns_are_point_replicate_seed_varied_keys_then_outputs(grid_runs):
    _, runs = grid_runs
    assert list(runs.columns) == ["point", "replicate", "seed", *GRID, *OUTPUTS]


def test_only_the_listed_outputs_are_kept(grid_runs):
    _, runs = grid_runs
    assert set(runs.columns) == {"point", "replicate", "seed", *GRID, *OUTPUTS}
    assert runs[OUTPUTS].notna().all().all()
    assert runs["vote_share.blue"].between(0, 1).all()


def test_replicate_seeds_are_common_random_numbers(grid_runs):
    exp, runs = grid_runs
    expected = replicate_seeds(11, 3)
    assert len(set(expected)) == 3
    assert runs["point"].nunique() == len(exp.points()) == 4
    for _, rows in runs.groupby("point"):
        assert rows["seed"].tolist() == expected  # replicate r: the same seed at every point


def test_seeds_follow_the_experiment_seed():
    a = sweep(experiment(vary={"steps": [5]}, replicates=2, seed=1, outputs=["turnout"]))
    b = sweep(experiment(vary={"steps": [5]}, replicates=3, seed=2, outputs=["turnout"]))
    assert a["seed"].tolist() == replicate_seeds(1, 2)
    assert b["seed"].tolist() == replicate_seeds(2, 3)
    assert set(a["seed"]).isdisjoint(b["seed"])


def test_jobs_do_not_change_the_results(grid_runs):
    exp, serial = grid_runs
    parallel = sweep(exp, jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)


def test_progress_counts_every_run():
    calls = []
    exp = experiment(vary={"steps": [5, 6]}, replicates=2, outputs=["turnout"])
    sweep(exp, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_no_vary_is_one_point():
    runs = sweep(experiment(replicates=2, seed=4, outputs=["turnout", "steps"]))
    assert list(runs.columns) == ["point", "replicate", "seed", "turnout", "steps"]
    assert runs["point"].tolist() == [0, 0]
    assert runs["steps"].tolist() == [5, 5]
    assert runs["seed"].tolist() == replicate_seeds(4, 2)


def test_default_outputs_are_every_known_output():
    exp = experiment(replicates=1)
    runs = sweep(exp)
    assert list(runs.columns) == ["point", "replicate", "seed", *exp.outputs]
    assert {"turnout", "vote_share.blue", "vote_share.red", "cost.red"} <= set(runs.columns)


def test_random_design_rows_are_samples_times_replicates():
    exp = experiment(
        design="random",
        samples=3,
        seed=9,
        replicates=2,
        vary={"population.citizens": {"low": 60, "high": 120}},
        outputs=["turnout"],
    )
    runs = sweep(exp)
    assert len(runs) == 6
    points = exp.points()
    assert runs["population.citizens"].tolist() == [
        p["population.citizens"] for p in points for _ in range(2)
    ]


# --- varied keys reach the model ------------------------------------------------------------


def test_varied_citizens_reach_the_model():
    """Founding champions are stated per 1,000 citizens: 100 per 1,000 is 5 among 50 citizens
    and 8 among 80. Everyone qualifies (no engagement floor, any distance, organizers' ties
    reach 40 citizens) and nobody is recruited later, so the count follows N exactly."""
    scenario = {
        "name": "founders",
        "steps": 5,
        "population": {"citizens": 60},
        "network": {"mean_degree": 4},
        "parties": {
            "blue": {
                "position": 0.2,
                "staff": {"per_1000": 20, "ties": 40, "recruitment_rate": 0.0},
                "champions": {
                    "enabled": True,
                    "initial_per_1000": 100,
                    "min_engagement": 0.0,
                    "recruit_distance": 2.0,
                    "burnout_threshold": 0.0,
                },
            }
        },
    }
    exp = experiment(
        scenario,
        vary={"population.citizens": [50, 80]},
        replicates=2,
        outputs=["active_champions.blue"],
    )
    runs = sweep(exp)
    assert runs["population.citizens"].tolist() == [50, 50, 80, 80]
    assert runs["active_champions.blue"].tolist() == [5, 5, 8, 8]


def test_varied_steps_reach_the_model():
    """Varying ``steps`` with the ``steps`` output: one ``steps`` column, equal to the varied
    value (the run really lasted that long), and no pandas merge suffixes."""
    exp = experiment(vary={"steps": [3, 7]}, replicates=2, outputs=["steps", "turnout"])
    runs = sweep(exp)
    assert not [c for c in runs.columns if c.endswith(("_x", "_y"))], list(runs.columns)
    assert list(runs.columns).count("steps") == 1
    assert runs["steps"].tolist() == [3, 3, 7, 7]


def test_varied_key_column_is_kept_without_a_matching_output():
    runs = sweep(experiment(vary={"steps": [3, 7]}, replicates=1, outputs=["turnout"]))
    assert runs["steps"].tolist() == [3, 7]
    assert len(runs) == 2


# --- socialweb sweep ------------------------------------------------------------------------


def experiment_file(folder: Path, name: str = "exp.yaml", **fields) -> Path:
    write(folder, "scenarios/base.yaml", TINY)
    return write(folder, f"experiments/{name}", {"base": "../scenarios/base.yaml", **fields})


def test_cli_sweep_writes_the_files(tmp_path, capsys):
    path = experiment_file(
        tmp_path,
        name="cli_grid",
        vary={"population.citizens": [60, 80], "steps": {"low": 5, "high": 9, "num": 2}},
        replicates=2,
        seed=7,
        outputs=["turnout", "vote_share.red"],
    )
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "sweep", path, "--out", out_dir, "--progress", "none")
    assert code == 0, err
    assert err == ""
    assert out.splitlines()[-1] == str(out_dir)
    assert {p.name for p in out_dir.iterdir()} == SWEEP_FILES

    exp = load_experiment(path)
    runs = pd.read_parquet(out_dir / "runs.parquet")
    assert len(runs) == 4 * 2
    pd.testing.assert_frame_equal(runs, sweep(exp))

    design = pd.read_parquet(out_dir / "design.parquet")
    assert list(design.columns) == ["point", "population.citizens", "steps"]
    assert design.to_dict("records") == [
        {"point": 0, "population.citizens": 60, "steps": 5},
        {"point": 1, "population.citizens": 60, "steps": 9},
        {"point": 2, "population.citizens": 80, "steps": 5},
        {"point": 3, "population.citizens": 80, "steps": 9},
    ]

    resolved = yaml.safe_load((out_dir / "base_scenario.yaml").read_text())
    assert scenario_from_dict(resolved) == exp.base == scenario_from_dict(TINY)

    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["kind"] == "sweep"
    assert manifest["experiment"] == "cli_grid"
    assert manifest["design"] == "grid"
    assert manifest["replicates"] == 2
    assert manifest["seed"] == 7
    assert manifest["source"] == str(path)
    assert_nothing_written(tmp_path)  # nothing under results/ when --out is given


def test_cli_sweep_without_out_goes_under_results(tmp_path, capsys):
    path = experiment_file(tmp_path, name="plain", replicates=1, outputs=["turnout"])
    code, out, err = cli(capsys, "sweep", path, "--progress", "none")
    assert code == 0, err
    folder = Path(out.splitlines()[-1])
    assert folder.parent == tmp_path / "results"
    assert {p.name for p in folder.iterdir()} == SWEEP_FILES


BAD_FOR_SWEEP = {
    "unknown_top_key": ({"sede": 3}, ["sede: unknown key (did you mean 'seed'?)"]),
    "value_out_of_range": (
        {"vary": {"parties.blue.champions.guidance": [0.1, 1.4]}},
        ["vary.parties.blue.champions.guidance[1]: expected a number in [0, 1], got 1.4"],
    ),
    "replicates_zero": (
        {"replicates": 0},
        ["replicates: expected an integer in [1, 100000], got 0"],
    ),
    "inconsistent_point": (
        {"vary": {"population.openness": [0.5, 1.5]}},
        ["vary: design point 1 (population.openness=1.5) is inconsistent: "],
    ),
    "three_problems": (
        {
            "design": "random",
            "replicates": 0,
            "vary": {"population.citizen": [60], "feed.algorithm": {"low": 0, "high": 1}},
        },
        [
            "replicates: expected an integer in [1, 100000], got 0",
            "vary.population.citizen: unknown key 'citizen' (did you mean 'citizens'?)",
            "vary.feed.algorithm: a range needs a numeric key; "
            "feed.algorithm takes a list of values",
        ],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FOR_SWEEP))
def test_cli_sweep_bad_experiment_writes_nothing(tmp_path, capsys, case):
    fields, starts = BAD_FOR_SWEEP[case]
    path = experiment_file(tmp_path, **fields)
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "sweep", path, "--out", out_dir, "--progress", "none")
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == len(starts), lines
    for line, start in zip(lines, starts, strict=True):
        assert line.startswith(f"{path}: {start}"), line
    assert_nothing_written(tmp_path, out_dir)


def test_cli_sweep_missing_base_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, "exp.yaml", {"base": "nowhere.yaml", "vary": {"steps": [5]}})
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "sweep", path, "--out", out_dir, "--progress", "none")
    assert (code, out) == (2, "")
    assert err == (
        f"{path}: base: {tmp_path / 'nowhere.yaml'}: file not found (base is resolved against "
        f"the experiment file's folder, {tmp_path})\n"
    )
    assert_nothing_written(tmp_path, out_dir)


def test_cli_sweep_missing_experiment_file(tmp_path, capsys):
    path = tmp_path / "nowhere.yaml"
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "sweep", path, "--out", out_dir, "--progress", "none")
    assert (code, out) == (2, "")
    assert err == f"{path}: file not found\n"
    assert_nothing_written(tmp_path, out_dir)


def test_sweep_tasks_build_each_scenario_when_taken_not_up_front(monkeypatch):
    """A big design's tasks are built one by one as workers take them (memory stays flat): none
    is built with the list, and task i is its design point's scenario with its replicate's seed,
    skipping the runs already done."""
    from model.config.experiment import Experiment
    from model.sweeps import SweepTasks

    exp = experiment(vary={"population.openness": [0.4, 0.8]}, replicates=2, seed=9)
    built = []
    original = Experiment.arms_at
    monkeypatch.setattr(
        Experiment,
        "arms_at",
        lambda self, point: built.append(dict(point)) or original(self, point),
    )
    points = exp.points()
    tasks = SweepTasks(exp, points, [(0, 1), (1, 0), (1, 1)], Path("/tmp/out"))
    assert len(tasks) == 3 and built == []
    scenario, seed, p, r, values, folder = tasks[1]
    assert built == [points[1]] and (p, r) == (1, 0) and values == points[1]
    assert seed == replicate_seeds(9, 2)[0] and folder == "/tmp/out"
    assert scenario.population.openness == 0.8
    assert tasks[0][1] == replicate_seeds(9, 2)[1] and tasks[0][0].population.openness == 0.4
    assert [t[2:4] for t in tasks] == [(0, 1), (1, 0), (1, 1)]
    with pytest.raises(IndexError):
        tasks[3]
