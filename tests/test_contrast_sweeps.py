"""Contrast sweeps (``contrast:`` in an experiment): both arms at every design point on one seed,
outputs a − b. Identical arms give exactly 0 (and undefined Sobol indices, not a crash); a
contrast is exactly the difference of the two arms swept on their own with the same seeds; the
varied keys reach both arms; bad input is one line, exit 2, nothing written; resume works."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from model import analysis
from model.cli import main
from model.config.experiment import experiment_from_dict, load_experiment
from model.report import sweep as sweep_to_folder
from model.report import write_analysis
from model.rng import replicate_seeds
from model.sweeps import SweepFolderError, sweep
from tests.conftest import tiny_data

WORLD = tiny_data(citizens=150, steps=20, initial_champions=6)  # champions move votes by day 20
NO_CHAMPIONS = {  # arm b: the same world without blue's champion programme
    "name": "no_champions",
    "parties.blue.champions.enabled": False,
    "parties.blue.champions.initial_per_1000": 0,
}
OUTPUTS = ["vote_share.blue", "share_of_voice.blue", "turnout"]


def write(folder: Path, name: str, data: dict) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def contrast_file(folder: Path, name: str = "exp.yaml", **fields) -> Path:
    """experiments/<name> with scenarios/world.yaml beside it (as in the repository)."""
    write(folder, "scenarios/world.yaml", WORLD)
    return write(folder, f"experiments/{name}", {"name": Path(name).stem, **fields})


def inline(**fields):
    data = {"scenario": WORLD, "outputs": OUTPUTS, **fields}
    return experiment_from_dict(data, source="exp.yaml", base_dir=Path.cwd())


CHAMPIONS_VS_NONE = {"a": {}, "b": {"set": NO_CHAMPIONS}}


# --- what a contrast is ---------------------------------------------------------------------


def test_identical_arms_give_exactly_zero_at_every_point_and_replicate(tmp_path):
    path = contrast_file(
        tmp_path,
        contrast={"a": "../scenarios/world.yaml", "b": "../scenarios/world.yaml"},
        vary={"population.openness": [0.4, 0.8], "parties.blue.champions.guidance": [0.1, 0.9]},
        replicates=2,
        seed=4,
        outputs=OUTPUTS,
    )
    runs = sweep(load_experiment(path))
    assert len(runs) == 4 * 2
    for out in OUTPUTS:
        assert (runs[out] == 0).all(), out
        pd.testing.assert_series_equal(
            runs[f"a.{out}"], runs[f"b.{out}"], check_names=False
        )  # same scenario, same seed: the same run
    assert runs["a.vote_share.blue"].nunique() > 1  # the levels do vary: the zeros mean something


def test_identical_arms_sobol_indices_are_undefined_not_a_crash(tmp_path):
    """A contrast that is 0 everywhere has no variance to apportion: NaN indices (SALib alone
    would say 0 ± 0, "resolved: no influence"), no bar chart, and a report line saying why."""
    path = contrast_file(
        tmp_path,
        contrast={"a": "../scenarios/world.yaml", "b": "../scenarios/world.yaml"},
        vary={
            "population.openness": {"low": 0.3, "high": 0.9},
            "parties.blue.champions.mobilized": [False, True],
        },
        design="sobol",
        samples=4,
        outputs=["vote_share.blue"],
    )
    out = tmp_path / "out"
    sweep_to_folder(load_experiment(path), out=out)
    folder = write_analysis(out)
    table = pd.read_parquet(folder / "sobol_vote_share.blue.parquet")
    assert table[["S1", "S1_conf", "ST", "ST_conf"]].isna().all().all()
    assert analysis.sobol_enough(table) is None
    assert not (folder / "sobol_vote_share.blue.png").exists()
    report = (folder / "report.md").read_text()
    assert "does not vary over the design" in report and "undefined (NaN)" in report


def test_contrast_is_the_difference_of_the_arms_swept_alone():
    """Arm a (champions) and arm b (none) swept as ordinary experiments with the same seed give
    levels whose difference is the contrast sweep's output, to the last bit."""
    vary = {"population.openness": [0.4, 0.8], "parties.blue.staff.ties": [10, 30]}
    both = sweep(inline(contrast=CHAMPIONS_VS_NONE, vary=vary, replicates=2, seed=3))
    alone_a = sweep(inline(vary=vary, replicates=2, seed=3))
    alone_b = sweep(inline(overrides=NO_CHAMPIONS, vary=vary, replicates=2, seed=3))
    assert both["seed"].tolist() == alone_a["seed"].tolist() == alone_b["seed"].tolist()
    assert both["seed"].tolist() == replicate_seeds(3, 2) * 4
    for out in OUTPUTS:
        np.testing.assert_array_equal(both[f"a.{out}"], alone_a[out])
        np.testing.assert_array_equal(both[f"b.{out}"], alone_b[out])
        np.testing.assert_array_equal(both[out], alone_a[out] - alone_b[out])
    assert (both["vote_share.blue"] != 0).any()  # champions do something here
    assert list(both.columns) == [
        "point",
        "replicate",
        "seed",
        *vary,
        *OUTPUTS,
        *(f"a.{o}" for o in OUTPUTS),
        *(f"b.{o}" for o in OUTPUTS),
    ]


def test_varied_keys_apply_to_both_arms_after_overrides_and_sets():
    """Order: scenario → overrides (both arms) → the arm's set: → command line → the point."""
    exp = experiment_from_dict(
        {
            "scenario": WORLD,
            "overrides": {"parties.blue.champions.guidance": 0.5, "steps": 12},
            "contrast": {
                "a": {"set": {"parties.blue.champions.guidance": 0.1}},
                "b": {"set": NO_CHAMPIONS},
            },
            "vary": {"population.citizens": [100, 200]},
        },
        source="exp.yaml",
        base_dir=Path.cwd(),
        overrides={"steps": 7},
    )
    assert exp.contrast.label() == "tiny − no_champions"
    for point in exp.points():
        arms = exp.arms_at(point)
        assert arms["a"].parties["blue"].champions.guidance == 0.1  # the arm's set wins
        assert arms["b"].parties["blue"].champions.guidance == 0.5  # the shared override
        assert arms["b"].parties["blue"].champions.enabled is False
        for arm in arms.values():
            assert arm.steps == 7  # the command line after both
            assert arm.population.citizens == point["population.citizens"]


def sobol_contrast_file(tmp_path, second: dict, **fields) -> Path:
    """A Sobol contrast of champions against none over the mobilised switch and ``second``."""
    return contrast_file(
        tmp_path,
        overrides={"steps": 10},
        contrast={"a": "../scenarios/world.yaml", "b": {"set": NO_CHAMPIONS}},
        base="../scenarios/world.yaml",
        vary={"parties.blue.champions.mobilized": [False, True], **second},
        design="sobol",
        **fields,
    )


def test_analyze_writes_sobol_json_with_the_tables_indices(tmp_path):
    """analysis/sobol.json (what `socialweb findings --sobol` reads) holds the design and, per
    output, the same indices as the Parquet table, with the rule's verdicts."""
    path = sobol_contrast_file(
        tmp_path,
        {"population.openness": {"low": 0.3, "high": 0.9}},
        samples=8,
        seed=5,
        outputs=["vote_share.blue", "turnout"],
    )
    out = tmp_path / "out"
    sweep_to_folder(load_experiment(path), out=out)
    folder = write_analysis(out)
    record = json.loads((folder / "sobol.json").read_text())
    assert record["design"] == "sobol" and record["samples"] == 8 and record["seed"] == 5
    assert record["points"] == 8 * (2 + 2) and record["runs"] == 32 and record["replicates"] == 1
    assert record["contrast"] == {"a": "tiny", "b": "no_champions"}  # the scenarios' names
    assert record["rule"] == {"half_width": 0.05, "total_at_least": 0.05}
    assert list(record["outputs"]) == ["vote_share.blue", "turnout"]
    for output, entry in record["outputs"].items():
        table = pd.read_parquet(folder / f"sobol_{output}.parquet")
        assert [r["factor"] for r in entry["indices"]] == table["factor"].tolist()
        for col in ("S1", "S1_conf", "ST", "ST_conf"):
            assert [r[col] for r in entry["indices"]] == table[col].tolist(), (output, col)
        assert entry["enough"] == {k: analysis.sobol_enough(table, k) for k in ("ST", "S1")}
    assert any(r["ST"] > 0 for r in record["outputs"]["vote_share.blue"]["indices"])


def test_a_sobol_contrast_with_a_switch_and_an_integer(tmp_path):
    path = sobol_contrast_file(
        tmp_path,
        {"population.citizens": {"low": 100, "high": 300}},
        samples=4,
        outputs=["vote_share.blue"],
    )
    exp = load_experiment(path)
    runs = sweep(exp)
    assert len(runs) == 4 * (2 + 2)
    assert set(runs["parties.blue.champions.mobilized"]) == {False, True}
    assert runs["population.citizens"].between(100, 300).all()
    assert (runs["population.citizens"] == runs["population.citizens"].round()).all()
    found = analysis.sobol_indices(exp, runs, "vote_share.blue")
    assert list(found["factor"]) == list(exp.points()[0])
    assert found[["S1", "ST"]].notna().all().all()


# --- analyze --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("contrast")
    path = contrast_file(
        tmp,
        contrast={"a": "../scenarios/world.yaml", "b": {"set": NO_CHAMPIONS}},
        base="../scenarios/world.yaml",
        vary={"population.openness": [0.4, 0.8]},
        replicates=3,
        seed=2,
        outputs=OUTPUTS,
    )
    out = tmp / "out"
    assert main(["sweep", str(path), "--out", str(out), "--progress", "none"]) == 0
    return out, write_analysis(out)


def test_the_sweep_folder_records_both_arms(analysed):
    out, _ = analysed
    assert yaml.safe_load((out / "contrast_b.yaml").read_text())["name"] == "no_champions"
    assert yaml.safe_load((out / "contrast_a.yaml").read_text())["name"] == "tiny"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["contrast"] == {"a": "tiny", "b": "no_champions"}
    exp, runs = analysis.load_sweep(out)
    assert exp.contrast.label() == "tiny − no_champions"
    assert analysis.output_columns(exp, runs) == OUTPUTS  # the levels are not analysed


def test_analyze_says_what_it_analyses_and_keeps_the_levels(analysed):
    out, folder = analysed
    report = (folder / "report.md").read_text()
    assert "**Paired contrast: tiny − no_champions.**" in report
    assert "## Outcomes by design point (contrasts a − b)" in report
    summary = pd.read_parquet(folder / "summary.parquet")
    runs = pd.read_parquet(out / "runs.parquet")
    for out_name in OUTPUTS:
        for column in (out_name, f"a.{out_name}", f"b.{out_name}"):
            means = runs.groupby("point")[column].mean().to_numpy()
            np.testing.assert_allclose(summary[f"{column}.mean"], means)
    effects = pd.read_parquet(folder / "effects.parquet")
    assert set(effects["output"]) == set(OUTPUTS)  # differences of contrasts, paired
    row = effects[effects.output == "vote_share.blue"].iloc[0]
    paired = runs[runs.point == 1]["vote_share.blue"].to_numpy() - (
        runs[runs.point == 0]["vote_share.blue"].to_numpy()
    )
    assert row["mean"] == pytest.approx(paired.mean())
    assert not (folder / "frontier_blue.png").exists()  # a frontier of differences: not drawn


def test_a_negative_contrast_gets_the_student_t_interval():
    """A contrast of shares lives in [−1, 1]: a negative one is an ordinary Student-t case, not
    a share that left [0, 1] (which would switch to the bootstrap); the levels stay in [0, 1]."""
    from scipy import stats

    exp = inline(contrast={"a": {"set": NO_CHAMPIONS}, "b": {}}, replicates=3, seed=1)
    contrast = np.array([-0.02, -0.01, -0.03])
    runs = pd.DataFrame(
        {
            "point": [0, 0, 0],
            "replicate": [0, 1, 2],
            "seed": [1, 2, 3],
            "vote_share.blue": contrast,
            "a.vote_share.blue": [0.30, 0.31, 0.29],
            "b.vote_share.blue": [0.32, 0.32, 0.32],
        }
    )
    row = analysis.point_summary(exp, runs).iloc[0]
    half = stats.t.ppf(0.975, 2) * contrast.std(ddof=1) / np.sqrt(3)
    assert row["vote_share.blue.mean"] == pytest.approx(-0.02)
    assert row["vote_share.blue.ci_low"] == pytest.approx(-0.02 - half)
    assert row["vote_share.blue.ci_high"] == pytest.approx(-0.02 + half)
    assert row["b.vote_share.blue.ci_low"] == row["b.vote_share.blue.ci_high"] == 0.32


# --- bad input ------------------------------------------------------------------------------

BAD = {
    "missing_arm_file": (
        {"contrast": {"a": "../scenarios/world.yaml", "b": "../scenarios/nowhere.yaml"}},
        "contrast.b.scenario: {folder}/experiments/../scenarios/nowhere.yaml: file not found "
        "(contrast.b.scenario is resolved against the experiment file's folder, "
        "{folder}/experiments)",
    ),
    "unknown_contrast_key": (
        {"contrast": {"a": "../scenarios/world.yaml", "b": "../scenarios/world.yaml", "c": 1}},
        "contrast.c: unknown key; expected one of: a, b",
    ),
    "unknown_arm_key": (
        {
            "contrast": {
                "a": {"scenario": "../scenarios/world.yaml", "sett": {}},
                "b": "../scenarios/world.yaml",
            }
        },
        "contrast.a.sett: unknown key (did you mean 'set'?); expected one of: scenario, set",
    ),
    "missing_arm": (
        {"contrast": {"a": "../scenarios/world.yaml"}},
        "contrast.b: missing; expected a scenario file, or {scenario: FILE, set: {dotted.path: "
        "value}}",
    ),
    "varied_key_absent_from_one_arm": (
        {
            "base": "../scenarios/world.yaml",
            "contrast": {"a": {}, "b": "../scenarios/blue_only.yaml"},
            "vary": {"parties.red.position": [-0.2, -0.3]},
        },
        "vary.parties.red.position: unknown party 'red'; contrast.b "
        "(../scenarios/blue_only.yaml) has blue; a varied key applies to both arms of the "
        "contrast, so both must have it",
    ),
    "varied_key_fixed_by_an_arm": (
        {
            "base": "../scenarios/world.yaml",
            "contrast": {"a": {"set": {"parties.blue.champions.guidance": 0.1}}, "b": {}},
            "vary": {"parties.blue.champions.guidance": [0.2, 0.8]},
        },
        "vary.parties.blue.champions.guidance: also set by contrast.a.set; a varied key applies "
        "to both arms, so it would overwrite that arm's own value (vary it, or set it in the arm)",
    ),
    "arm_without_a_scenario": (
        {"contrast": {"a": {"set": {"steps": 3}}, "b": "../scenarios/world.yaml"}},
        "contrast.a: expected scenario: FILE (the experiment has no base: or scenario: for an "
        "arm to start from)",
    ),
    "base_no_arm_uses": (
        {
            "base": "../scenarios/world.yaml",
            "contrast": {"a": "../scenarios/world.yaml", "b": "../scenarios/world.yaml"},
        },
        "base: not used: both contrast arms name their own scenario file (remove it, or give one "
        "arm only set: to start from it)",
    ),
    "bad_value_in_a_set": (
        {
            "base": "../scenarios/world.yaml",
            "contrast": {"a": {"set": {"parties.blue.champions.guidance": 1.4}}, "b": {}},
        },
        "contrast.a.set.parties.blue.champions.guidance: expected a number in [0, 1], got 1.4",
    ),
    "contrast_not_a_mapping": (
        {"base": "../scenarios/world.yaml", "contrast": ["a", "b"]},
        "contrast: expected a mapping with a and b, each a scenario file, or {scenario: FILE, "
        "set: {dotted.path: value}}, got ['a', 'b']",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_contrast_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, case):
    fields, expected = BAD[case]
    only_blue = {**WORLD, "name": "blue_only", "parties": {"blue": WORLD["parties"]["blue"]}}
    write(tmp_path, "scenarios/blue_only.yaml", only_blue)
    path = contrast_file(tmp_path, **fields)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out), "--progress", "none"])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == f"{path}: {expected.replace('{folder}', str(tmp_path))}\n"
    assert not out.exists()
    results = tmp_path / "results"
    assert not results.exists() or not any(results.iterdir())


# --- resume ---------------------------------------------------------------------------------


def test_a_contrast_sweep_resumes_to_the_same_table(tmp_path, monkeypatch):
    """Runs of arm b fail on replicate 1 (recorded, the sweep goes on); --resume redoes only
    those and the table equals an uninterrupted sweep's; a changed arm is another experiment."""
    import model.sweeps as sweeps

    path = contrast_file(
        tmp_path,
        base="../scenarios/world.yaml",
        contrast=CHAMPIONS_VS_NONE,
        vary={"population.openness": [0.4, 0.8]},
        replicates=3,
        seed=6,
        outputs=OUTPUTS,
    )
    reference = sweep(load_experiment(path))
    real = sweeps.run_outcomes

    def flaky(scenario, seed, replicate):
        if replicate == 1 and scenario.name == "no_champions":
            raise RuntimeError("injected failure")
        return real(scenario, seed, replicate)

    monkeypatch.setattr(sweeps, "run_outcomes", flaky)
    out = tmp_path / "out"
    first = sweep(load_experiment(path), out=out)
    assert len(first) == 4 and len(first.attrs["failed"]) == 2
    done = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    monkeypatch.setattr(sweeps, "run_outcomes", real)
    again = sweep(load_experiment(path), out=out, resume=True)
    assert again.attrs["failed"].empty
    pd.testing.assert_frame_equal(again, reference)
    assert all((out / "runs" / name).stat().st_mtime_ns == t for name, t in done.items())

    changed = yaml.safe_load(path.read_text())
    changed["contrast"]["b"]["set"] = {**NO_CHAMPIONS, "parties.blue.staff.ties": 5}
    other = write(tmp_path, "experiments/other.yaml", changed)
    with pytest.raises(SweepFolderError, match="holds a different experiment"):
        sweep(load_experiment(other), out=out, resume=True)
