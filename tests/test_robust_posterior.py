"""`socialweb robust --posterior` (issue 17): each world runs with one draw of the calibrated
parameters, the same for every policy; a posterior key that is also an uncertainty is drawn,
not sampled; the draws reach the runs; resume keeps them; bad files are one line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from model import robust as R
from model.cli import main
from model.config.load import with_overrides
from model.config.robust import load_robust
from model.runner import run
from tests.test_robust import _robust_file, needs_ema

# three distinct draws: affinity weights far apart, so a draw that did not reach a run shows
DRAWS = pd.DataFrame(
    {"election.affinity_weight": [0.0, 5.0, 40.0], "population.openness": [0.35, 0.55, 0.85]}
)


def test_each_world_gets_one_draw_for_every_policy_and_a_drawn_key_is_not_sampled(tmp_path):
    design = load_robust(_robust_file(tmp_path, worlds=8))
    drawn = R.with_posterior(design, DRAWS, "post.csv")
    # openness was an uncertainty: now drawn from the posterior, no longer in the hypercube
    assert [f.path for f in drawn.uncertainties] == ["network.kind"]
    assert drawn.posterior_notes == (
        "population.openness: drawn from the posterior (post.csv) instead of sampled over its "
        "range (0.3 to 0.9)",
    )
    picks = drawn.posterior_draws
    assert len(picks) == 8 and set(picks) <= {0, 1, 2} and len(set(picks)) > 1
    for experiment in drawn.policies.values():
        points = experiment.points()
        assert [f.path for f in experiment.factors] == ["network.kind"]
        for point, pick in zip(points, picks, strict=True):
            assert point["election.affinity_weight"] == DRAWS["election.affinity_weight"][pick]
            assert point["population.openness"] == DRAWS["population.openness"][pick]
    kinds = [p["network.kind"] for p in drawn.world_points()]
    assert kinds.count("barabasi_albert") == kinds.count("watts_strogatz") == 4
    # the picks follow the run's seed, not the call
    assert R.with_posterior(design, DRAWS, "post.csv").posterior_draws == picks
    other = load_robust(_robust_file(tmp_path, worlds=8, seed=5))
    assert R.with_posterior(other, DRAWS, "post.csv").posterior_draws != picks


@needs_ema
def test_the_draws_reach_the_runs_and_resume_keeps_them(tmp_path, capsys):
    path = _robust_file(tmp_path, worlds=5)  # seed 4: worlds 0-3 draw row 0, world 4 row 2
    posterior = tmp_path / "post.csv"
    DRAWS[["election.affinity_weight"]].to_csv(posterior, index=False)
    out = tmp_path / "out"
    args = ["robust", str(path), "--out", str(out), "--progress", "none"]
    assert main([*args, "--posterior", str(posterior)]) == 0
    err = capsys.readouterr().err
    assert "3 draws of election.affinity_weight; one per world" in err
    runs = pd.read_parquet(out / "runs.parquet")
    per_world = runs.groupby("world")[["posterior_draw", "election.affinity_weight"]].nunique()
    assert (per_world == 1).all().all()  # one draw per world, whatever the policy
    assert runs["posterior_draw"].nunique() > 1
    # a run of the policy's scenario with the world's values and seed, outside robust
    design = load_robust(path)
    row = runs[(runs.policy == "account") & (runs.world == runs.world.max())].iloc[0]
    point = design.policies["account"].points()[int(row.world)]
    scenario = with_overrides(
        design.policies["account"].base,
        point | {"election.affinity_weight": float(row["election.affinity_weight"])},
    )
    direct = run(scenario, seed=int(row.seed)).summary["final"]["vote_share"]["blue"]
    assert row["vote_share.blue"] == pytest.approx(direct, abs=1e-12)
    result = json.loads((out / "robust.json").read_text())
    assert result["posterior"]["draws_by_world"] == [
        int(runs[runs.world == w]["posterior_draw"].iloc[0]) for w in range(5)
    ]
    assert "from the posterior" in result["intervals"]["covers"]
    # each policy folder's record holds the draws, so it describes the runs it holds
    stored = json.loads((out / "policies" / "account" / "sweep.json").read_text())["resolved"]
    assert [g["election.affinity_weight"] for g in stored["given"]] == [
        float(
            runs[(runs.world == w) & (runs.policy == "account")]["election.affinity_weight"].iloc[0]
        )
        for w in range(5)
    ]
    assert (
        "election.affinity_weight | one posterior draw per world" in (out / "report.md").read_text()
    )
    # resume with the same posterior: nothing reruns; with another: refused in one line
    files = sorted(out.glob("policies/*/runs/*.parquet"))
    stamps = [f.stat().st_mtime_ns for f in files]
    (out / "robust.json").unlink()
    assert main([*args, "--posterior", str(posterior), "--resume"]) == 0
    assert [f.stat().st_mtime_ns for f in files] == stamps
    changed = tmp_path / "changed.csv"
    pd.DataFrame({"election.affinity_weight": [1.0, 2.0, 3.0]}).to_csv(changed, index=False)
    capsys.readouterr()
    assert main([*args, "--posterior", str(changed), "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds a different experiment" in err[0], err


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"election.affinity_weigth": [1.0]}, "column 'election.affinity_weigth'"),
        ({"election.affinity_weight": [1.0, -3.0]}, "(smallest draw -3)"),
    ],
)
def test_a_bad_posterior_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, frame, expected):
    path = _robust_file(tmp_path)
    posterior = tmp_path / "post.csv"
    pd.DataFrame(frame).to_csv(posterior, index=False)
    out = tmp_path / "out"
    argv = ["robust", str(path), "--out", str(out), "--progress", "none"]
    assert main([*argv, "--posterior", str(posterior)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{posterior}: ") and expected in err[0], err
    assert not out.exists()


def test_without_a_posterior_robust_json_has_no_posterior_section():
    """Other runs keep their keys (docs/robust.json is generated by a command)."""
    shipped = json.loads(open("docs/robust.json", encoding="utf-8").read())
    assert "posterior" not in shipped
    assert np.isclose(sum(p["share_best"]["p"] for p in shipped["policies"].values()), 1.0)


OPENNESS_ONLY = {"population.openness": {"low": 0.3, "high": 0.9}}
BAD_COMBINATIONS = {
    "a_policy_sets_the_key": (
        {
            "policies": {
                "low": {"scenario": "on.yaml", "set": {"election.affinity_weight": 1}},
                "high": {"scenario": "on.yaml", "set": {"election.affinity_weight": 30}},
            }
        },
        [],
        {"election.affinity_weight": [5.0]},
        "column 'election.affinity_weight' is also set by policy low's set:",
    ),
    "the_command_line_sets_the_key": (
        {},
        ["--set", "election.affinity_weight=2"],
        {"election.affinity_weight": [5.0]},
        "column 'election.affinity_weight' is also set by the command line",
    ),
    "no_uncertainty_left": (
        {"uncertainties": OPENNESS_ONLY},
        [],
        {"population.openness": [0.5, 0.6]},
        "every uncertainty of",
    ),
    "a_world_made_inconsistent_by_its_draw": (
        {"uncertainties": {"network.mean_degree": {"low": 4, "high": 40}}, "worlds": 8},
        [],
        {"population.citizens": [30.0, 60.0]},
        "--posterior: world ",
    ),
}


@pytest.mark.parametrize(
    ("changes", "flags", "frame", "expected"),
    BAD_COMBINATIONS.values(),
    ids=list(BAD_COMBINATIONS),
)
def test_a_posterior_that_clashes_is_one_line_exit_2_and_writes_nothing(
    tmp_path, capsys, changes, flags, frame, expected
):
    """A posterior column must not silently replace what a policy or the command line sets,
    must leave something to sample the worlds over, and every world with its draw must still
    be a valid scenario."""
    path = _robust_file(tmp_path, **changes)
    posterior = tmp_path / "post.csv"
    pd.DataFrame(frame).to_csv(posterior, index=False)
    out = tmp_path / "out"
    argv = ["robust", str(path), "--out", str(out), "--progress", "none", *flags]
    assert main([*argv, "--posterior", str(posterior)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0], err
    assert not out.exists()
