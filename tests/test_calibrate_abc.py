"""socialweb calibrate with ``target: simulation`` (model/abc_fit.py): ABC-SMC recovers a
parameter that made its target, gives the same posterior for the same seed (whatever the worker
count), resumes a stopped run on the same path, and refuses bad input in one line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from model import abc_fit as A
from model.cli import main
from model.comparison import read_posterior
from model.config import load_scenario
from model.runner import run

TRUE_TRUST = 0.6
KEY = "parties.blue.canvass.trust"

# Only the trial's contact moves anyone (nobody posts, no contagion); initial opinions are
# concentrated (sd 0.1) and everyone accepts blue's line (openness 1.2 > |0.8 - x|), so the
# trial's effect on opinion grows with the canvass trust and the baseline imbalance between the
# groups is small: a tight target for a fast recovery.
QUIET = {
    "name": "quiet_trial",
    "steps": 3,
    "population": {
        "citizens": 300,
        "activity_mean": 0.0,
        "initial_opinion": "normal",
        "opinion_spread": 0.1,
        "openness": 1.2,
        "openness_spread": 0.0,
    },
    "mobilization": {"enabled": False},
    "opinion": {"rate": 0.5},
    "parties": {"blue": {"position": 0.8, "canvass": {"trust": 0.2}}},
    "trial": {"party": "blue", "channel": "canvass", "share": 0.5, "step": 2},
}


def truth(folder: Path) -> dict:
    """The target: the trial's ATE on opinion and its Neyman SE in one run of the model itself
    at trust 0.6 (seed 99)."""
    sc = load_scenario(folder / "quiet.yaml", {KEY: TRUE_TRUST})
    return run(sc, seed=99).summary["final"]["trial"]["opinion"]


def write(folder: Path, **changes) -> Path:
    (folder / "quiet.yaml").write_text(yaml.safe_dump(QUIET), encoding="utf-8")
    effect = truth(folder)
    data = {
        "name": "trust_recovery",
        "target": "simulation",
        "scenario": "quiet.yaml",
        "parameters": {KEY: {"prior": "uniform", "low": 0.0, "high": 1.0}},
        "targets": [
            {
                "name": "opinion_ate",
                "outcome": "trial.opinion",
                "value": effect["ate"],
                "se": effect["se"],
                "source": "the model at trust 0.6, seed 99",
            }
        ],
        "abc": {"population": 30, "generations": 4, "predictive": 20, "draws": 500},
        "seed": 5,
    } | changes
    path = folder / "cal.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_abc_recovers_the_canvass_trust_that_made_the_target(tmp_path, capsys):
    """The ATE made at trust 0.6 is fitted with a uniform prior on [0, 1]: 0.6 lies in the 95 %
    posterior interval, which is less than a third of the prior's range (a parameter not applied
    to the scenario, or a broken distance, leaves the posterior near the flat prior). The
    posterior predictive interval covers the target; every file is written and the posterior
    reads as ``compare --posterior`` reads it."""
    path = write(tmp_path)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--progress", "none"]) == 0
    result = json.loads((out / "calibration.json").read_text())
    lo, hi = result["parameters"][KEY]["ci95"]
    assert lo < TRUE_TRUST < hi, (lo, hi)
    assert hi - lo < 1 / 3, (lo, hi)
    target = result["targets"]["opinion_ate"]
    assert target["predictive_ci95"][0] <= target["value"] <= target["predictive_ci95"][1]
    gens = result["generations"]
    assert len(gens) == 4 and gens[-1]["epsilon"] < gens[0]["epsilon"]
    by_use = result["simulations_by_use"]
    assert by_use["posterior_predictive"] == 20
    assert result["simulations"] == sum(by_use.values()) >= 30 * 5 + 20
    assert by_use["abc_generations"] == sum(g["simulations"] for g in gens)
    for name in ("posterior.parquet", "calibration.png", "report.md", "abc.db"):
        assert (out / name).is_file(), name
    post = read_posterior(out / "posterior.parquet", load_scenario(tmp_path / "quiet.yaml"))
    assert list(post.columns) == [KEY] and len(post) == 500
    capsys.readouterr()
    assert main(["validate", str(path)]) == 0


def test_a_wrong_parameter_is_not_recovered(tmp_path):
    """Control: the same fit of a target made at trust 0.2 excludes 0.6 (the test above is not
    passing whatever the target)."""
    path = write(tmp_path)
    data = yaml.safe_load(path.read_text())
    sc = load_scenario(tmp_path / "quiet.yaml", {KEY: 0.2})
    data["targets"][0]["value"] = run(sc, seed=99).summary["final"]["trial"]["opinion"]["ate"]
    data["abc"] = {"population": 20, "generations": 3, "predictive": 10, "draws": 200}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    cal = A.load_simulation_calibration(path)
    (tmp_path / "o").mkdir()
    result, _, _ = A.fit(cal, tmp_path / "o")
    lo, hi = result["parameters"][KEY]["ci95"]
    assert hi < TRUE_TRUST and lo < 0.2 < hi, (lo, hi)


TINY = {"abc": {"population": 10, "generations": 3, "predictive": 10, "draws": 200}}


def test_same_seed_same_posterior_and_a_resumed_run_ends_the_same(tmp_path):
    """Two runs of one file write identical posterior.parquet files; a run stopped after its
    second generation and continued with --resume writes the same file too; another seed
    gives other draws."""
    path = write(tmp_path, **TINY)
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        assert main(["calibrate", str(path), "--out", str(out), "--progress", "none"]) == 0
        outs.append((out / "posterior.parquet").read_bytes())
    assert outs[0] == outs[1]
    stopped = tmp_path / "stopped"
    stopped.mkdir()

    def stop(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        A.fit(A.load_simulation_calibration(path), stopped, progress=stop)
    assert not (stopped / "calibration.json").exists()
    args = ["calibrate", str(path), "--out", str(stopped), "--resume", "--progress", "none"]
    assert main(args) == 0
    assert (stopped / "posterior.parquet").read_bytes() == outs[0]
    assert len(json.loads((stopped / "calibration.json").read_text())["generations"]) == 3
    other = write(tmp_path, **TINY, seed=6)
    out = tmp_path / "other"
    assert main(["calibrate", str(other), "--out", str(out), "--progress", "none"]) == 0
    assert (out / "posterior.parquet").read_bytes() != outs[0]


@pytest.mark.slow
def test_the_posterior_does_not_depend_on_the_worker_count(tmp_path):
    """--jobs 1 and --jobs 2 (local pool) write identical posterior.parquet files."""
    path = write(tmp_path, **TINY)
    files = []
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        args = ["calibrate", str(path), "--out", str(out), "--jobs", str(jobs)]
        assert main([*args, "--progress", "none"]) == 0
        files.append((out / "posterior.parquet").read_bytes())
    assert files[0] == files[1]


def _target(**changes) -> dict:
    return {
        "name": "opinion_ate",
        "outcome": "trial.opinion",
        "value": 0.2,
        "se": 0.01,
        "source": "stated",
    } | changes


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        (
            {"parameters": {"parties.blue.canvass.trusst": {"low": 0, "high": 1}}},
            "parameters.parties.blue.canvass.trusst",
            "unknown key",
        ),
        (
            {"parameters": {KEY: {"prior": "uniform", "low": 0.8, "high": 0.8}}},
            f"parameters.{KEY}.low",
            "expected low < high",
        ),
        (
            {"parameters": {KEY: {"low": 0.5, "high": 3.0}}},
            f"parameters.{KEY}",
            "high end (3)",
        ),
        (
            {"parameters": {KEY: {"prior": "normal", "low": 0, "high": 1}}},
            f"parameters.{KEY}.prior",
            "expected one of uniform, loguniform",
        ),
        (
            {"parameters": {"population.citizens": {"low": 100, "high": 200}}},
            "parameters.population.citizens",
            "expected a key holding a real number",
        ),
        ({"targets": [_target(se=0)]}, "targets[0].se", "a number > 0"),
        ({"targets": [{k: v for k, v in _target().items() if k != "se"}]}, "targets[0].se", ""),
        ({"targets": [_target(outcome="trial.votes")]}, "targets[0].outcome", "expected one of"),
        ({"targets": [_target(source="")]}, "targets[0].source", "expected where the value"),
        ({"abc": {"population": 3}}, "abc.population", "expected an integer in [10,"),
        ({"abc": {"particles": 30}}, "abc.particles", "unknown key"),
        ({"scenario": "missing.yaml"}, "scenario", "not found"),
    ],
)
def test_bad_files_are_one_line_and_write_nothing(tmp_path, capsys, changes, where, message):
    path = write(tmp_path, **changes)
    out = tmp_path / "out"
    code = main(["calibrate", str(path), "--out", str(out), "--progress", "none"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"{path}: {where}: ") and message in err, err
    assert not out.exists()


def test_without_pyabc_the_command_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    path = write(tmp_path)
    monkeypatch.setitem(sys.modules, "pyabc", None)  # import pyabc fails, find_spec says None
    out = tmp_path / "out"
    code = main(["calibrate", str(path), "--out", str(out), "--progress", "none"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "install the abc extra: pip install -e '.[abc]'" in err and str(path) in err
    assert not out.exists()


def test_outcomes_are_read_from_the_summary():
    final = {"turnout": 0.6, "vote_share": {"blue": 0.3}, "trial": {"opinion": {"ate": 0.1}}}
    assert A.outcome(final, "turnout") == 0.6
    assert A.outcome(final, "vote_share.blue") == 0.3
    assert A.outcome(final, "trial.opinion") == 0.1
    assert A.Standardized({"a": 0.5, "b": 2.0})({"a": 1.0, "b": 3.0}, {"a": 0.0, "b": 0.0}) == (
        pytest.approx((4 + 2.25) ** 0.5)
    )
    seeds = {A.model_seed(1, (0.5,), r) for r in range(3)} | {A.model_seed(1, (0.5,), 0, 1)}
    assert len(seeds) == 4 and A.model_seed(1, (0.5,), 0) == A.model_seed(1, (0.5,), 0)


def test_the_frame_is_the_weighted_particles_resampled():
    frame = pd.DataFrame({"k": [0.0, 1.0]})
    draws = A._resample(frame, pd.Series([0.0, 1.0]).to_numpy(), 50, 3)
    assert (draws["k"] == 1.0).all()
