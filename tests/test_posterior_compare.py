"""compare --posterior: each replicate runs every scenario with one posterior draw, so intervals
include parameter uncertainty while pairs stay paired (model.comparison.posterior_draws)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from model.cli import main
from model.comparison import compare, posterior_draws, read_posterior
from model.config import ConfigError, scenario_from_dict
from model.config.load import with_overrides
from model.rng import replicate_seeds
from tests.conftest import tiny_data

A = scenario_from_dict(tiny_data(citizens=120, steps=6) | {"name": "a"})
B = with_overrides(A, {"name": "b", "parties.blue.institution.enabled": True})


def test_a_single_draw_is_the_same_as_setting_its_value():
    """A posterior of one draw (turnout_base 0.7) gives exactly the runs of the scenarios with
    that value set: the draw is applied, and applied to every scenario."""
    post = pd.DataFrame({"election.turnout_base": [0.7]})
    got = compare([A, B], replicates=3, seed=5, posterior=post).runs
    set_ = [with_overrides(s, {"election.turnout_base": 0.7}) for s in (A, B)]
    want = compare(set_, replicates=3, seed=5).runs
    assert (got["posterior_draw"] == 0).all()
    pd.testing.assert_frame_equal(got.drop(columns="posterior_draw"), want)


def test_each_replicate_runs_its_own_draw_in_every_scenario():
    """Two draws, turnout 0.1 or 0.9 whatever the engagement (base = engaged): a replicate's
    turnout follows the draw it ran with (at most 0.1, or 0.9 × the share intending to vote,
    which is above a half here), and both scenarios of a replicate ran the same draw."""
    post = pd.DataFrame(
        {"election.turnout_base": [0.1, 0.9], "election.turnout_engaged": [0.1, 0.9]}
    )
    runs = compare([A, B], replicates=12, seed=2, posterior=post).runs
    by = runs.pivot(index="replicate", columns="scenario", values="posterior_draw")
    assert (by["a"] == by["b"]).all() and set(by["a"]) == {0, 1}  # both draws occur
    high = runs["posterior_draw"] == 1
    assert runs.loc[high, "turnout"].min() > runs.loc[~high, "turnout"].max()


def test_replicate_r_draws_the_same_row_whatever_the_number_of_replicates():
    post = pd.DataFrame({"x": np.arange(1000.0)})
    five = posterior_draws(post, replicate_seeds(9, 5))
    three = posterior_draws(post, replicate_seeds(9, 3))
    assert five["draw"].tolist()[:3] == three["draw"].tolist()
    assert len(set(five["draw"])) > 1


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"election.colour": [1.0]}), "column 'election.colour'"),
        (pd.DataFrame({"election.turnout_base": [0.2, 1.5]}), "(largest draw 1.5)"),
        (pd.DataFrame({"election.turnout_base": ["x"]}), "draw 0: expected a number"),
        (pd.DataFrame({"draw": [1.0]}), "column 'draw' is reserved"),
    ],
)
def test_bad_posteriors_are_one_line(tmp_path, frame, message):
    path = tmp_path / "post.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ConfigError) as info:
        read_posterior(path, A)
    (line,) = info.value.problems
    assert line.startswith(f"{path}: ") and message in line, line


def test_a_folder_is_not_a_posterior(tmp_path):
    with pytest.raises(ConfigError, match="expected a parquet or CSV file of draws, got a folder"):
        read_posterior(tmp_path, A)


def test_the_command_says_what_its_intervals_cover_and_refuses_bad_files(tmp_path, capsys):
    scenarios = []
    for s in (A, B):
        path = tmp_path / f"{s.name}.yaml"
        from model.config.load import scenario_to_dict
        from model.store import write_yaml

        write_yaml(scenario_to_dict(s), path, "")
        scenarios.append(str(path))
    post = tmp_path / "post.csv"
    pd.DataFrame({"election.turnout_base": [0.3, 0.5, 0.6]}).to_csv(post, index=False)
    out = tmp_path / "out"
    args = ["compare", *scenarios, "--replicates", "3", "--posterior", str(post)]
    assert main([*args, "--out", str(out), "--progress", "none"]) == 0
    report = (out / "report.md").read_text()
    assert "Parameter uncertainty included" in report and "`election.turnout_base`" in report
    assert json.loads((out / "comparison.json").read_text())["posterior"]["draws_available"] == 3
    capsys.readouterr()
    missing = tmp_path / "none.parquet"
    code = main([*args[:-1], str(missing), "--out", str(tmp_path / "o2"), "--progress", "none"])
    err = capsys.readouterr().err
    assert code == 2 and err == f"{missing}: posterior file not found (--posterior)\n"
    assert not (tmp_path / "o2").exists()


def test_a_game_with_one_draw_is_the_game_with_that_value_set(tmp_path):
    """game --posterior: every cell's replicate runs with the draw; a one-draw posterior gives
    the cells' runs of the game whose base has that value set."""
    from model import game as G
    from model.comparison import run_all
    from tests.test_game import _game_file

    path = _game_file(tmp_path)
    post = pd.DataFrame({"election.turnout_base": [0.7]})
    game = G.load_game(path, {"steps": 5, "population.citizens": 100})
    set_ = G.load_game(path, {"steps": 5, "population.citizens": 100, "election.turnout_base": 0.7})
    got = pd.DataFrame(run_all(G.tasks(game, 2, posterior=post), fn=G._cell))
    want = pd.DataFrame(run_all(G.tasks(set_, 2), fn=G._cell))
    plain = pd.DataFrame(run_all(G.tasks(game, 2), fn=G._cell))
    pd.testing.assert_frame_equal(got, want)
    assert not got.equals(plain)


def test_posterior_files_in_either_format_and_their_exact_messages(tmp_path):
    """A parquet posterior is read as parquet (not as CSV); an unreadable file, a file with
    columns but no draw, and a draw out of a key's range each give their one exact line."""
    post = pd.DataFrame({"election.turnout_base": [0.2, 0.4]})
    parquet = tmp_path / "post.parquet"
    post.to_parquet(parquet)
    pd.testing.assert_frame_equal(read_posterior(parquet, A), post)
    broken = tmp_path / "broken.parquet"
    broken.write_text("not a parquet file")
    with pytest.raises(ConfigError) as info:
        read_posterior(broken, A)
    (line,) = info.value.problems
    assert line.startswith(f"{broken}: expected a parquet or CSV file of draws: ")
    assert len(line) < len(str(broken)) + 45 + 121  # the reader's message, cut at 120
    empty = tmp_path / "empty.csv"
    empty.write_text("election.turnout_base\n")
    with pytest.raises(ConfigError) as info:
        read_posterior(empty, A)
    assert info.value.problems == [f"{empty}: expected at least one draw and one column, got none"]
    wide = tmp_path / "wide.csv"
    pd.DataFrame({"election.turnout_base": [0.2, 1.5]}).to_csv(wide, index=False)
    with pytest.raises(ConfigError) as info:
        read_posterior(wide, A)
    assert info.value.problems == [
        f"{wide}: column 'election.turnout_base' (largest draw 1.5): "
        "election.turnout_base: expected a number in [0, 1], got 1.5"
    ]
    low = tmp_path / "low.csv"
    pd.DataFrame({"election.turnout_base": [-0.5, 0.5]}).to_csv(low, index=False)
    with pytest.raises(ConfigError, match=r"\(smallest draw -0.5\)"):
        read_posterior(low, A)


def test_comparison_json_names_the_keys_and_the_draws_each_replicate_used():
    post = pd.DataFrame({"election.turnout_base": [0.2, 0.4, 0.6]})
    comp = compare([A, B], replicates=4, seed=3, posterior=post)
    section = comp.comparison["posterior"]
    assert section["keys"] == ["election.turnout_base"] and section["draws_available"] == 3
    per_replicate = comp.runs[comp.runs["scenario"] == "a"]["posterior_draw"].tolist()
    assert section["draws_used"] == per_replicate
    assert section["intervals"].startswith("cover replicate noise and the posterior's")
