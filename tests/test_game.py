"""`socialweb game`: best responses and pure equilibria on hand-built payoff matrices, the game
file's bad-input lines, and one small game end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from model import game as G
from model.cli import main
from model.config import ConfigError
from tests.conftest import SCENARIOS


def test_matching_pennies_has_no_pure_equilibrium():
    # first player wants to match, second to mismatch
    first = np.array([[1.0, -1.0], [-1.0, 1.0]])
    assert G.best_responses(first) == [[0], [1]]
    assert G.best_responses((-first).T) == [[1], [0]]
    assert G.pure_equilibria(first, -first) == []


def test_a_coordination_game_has_two_pure_equilibria():
    # both gain from choosing the same; (0, 0) pays more than (1, 1)
    first = np.array([[2.0, 0.0], [0.0, 1.0]])
    second = first.copy()
    assert G.pure_equilibria(first, second) == [(0, 0), (1, 1)]


def test_prisoners_dilemma_equilibrium_is_mutual_defection():
    # rows/cols: 0 cooperate, 1 defect; payoffs (first, second)
    first = np.array([[-1.0, -3.0], [0.0, -2.0]])
    second = first.T.copy()
    assert G.best_responses(first) == [[1], [1]]
    assert G.pure_equilibria(first, second) == [(1, 1)]


def test_ties_are_all_best_responses():
    first = np.array([[1.0, 0.0], [1.0, 2.0], [0.5, 2.0]])
    assert G.best_responses(first) == [[0, 1], [1, 2]]


LOUD = {"enabled": True, "followers": 0.3, "paid_reach": 0.2}


def _game_file(tmp_path, **changes):
    data = {
        "name": "tiny_race",
        "base": str(SCENARIOS / "party_absent.yaml"),
        "players": {
            # a loud account (a third of citizens follow it, a fifth see its ad each day), so
            # three replicates of 40 days resolve its effect
            "blue": {"absent": {}, "account": {"institution": LOUD}},
            "red": {"absent": {}, "account": {"institution": LOUD}},
        },
        "replicates": 3,
        "seed": 1,
    }
    data.update(changes)
    path = tmp_path / "game.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"payoff": "votes"}, "payoff: expected one of margin, vote_share, win, got 'votes'"),
        (
            {"players": {"blue": {"a": {}}}},
            "players: expected a mapping of exactly two parties to their strategies",
        ),
        (
            {"players": {"blue": {"a": {}}, "green": {"a": {}}}},
            "players.green: no party 'green' in the base scenario (it has: blue, red)",
        ),
        (
            {"players": {"blue": {"a": {"champions": {"guidence": 0.3}}}, "red": {"a": {}}}},
            "players.blue.a.champions.guidence: unknown key (did you mean 'guidance'?)",
        ),
        (
            {"players": {"blue": {"a": {"position": 0.1}}, "red": {"a": {}}}},
            "players.blue.a.position: the position comes from the base scenario",
        ),
        ({"cost_per_point": -1}, "cost_per_point: expected a number >= 0"),
        ({"rounds": 3}, "rounds: unknown key; expected one of: name, description, base"),
    ],
)
def test_bad_game_files_say_where(tmp_path, changes, expected):
    path = _game_file(tmp_path, **changes)
    with pytest.raises(ConfigError) as info:
        G.load_game(path)
    assert any(line.startswith(f"{path}: {expected}") for line in info.value.problems), (
        info.value.problems
    )


def test_cli_bad_game_file_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys):
    path = _game_file(tmp_path, payoff="votes")
    out = tmp_path / "out"
    assert main(["game", str(path), "--out", str(out), "--progress", "none"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{path}: payoff: expected one of margin, vote_share, win, got 'votes'"]
    assert not out.exists()


def test_a_small_game_end_to_end(tmp_path, capsys):
    """An account against no account, 300 citizens, 40 days: the account is each side's best
    response, and (account, account) the equilibrium; the payoffs are zero-sum margins."""
    path = _game_file(tmp_path)
    out = tmp_path / "out"
    args = ["game", str(path), "--citizens", "300", "--steps", "40", "--out", str(out)]
    assert main([*args, "--progress", "none"]) == 0
    result = json.loads((out / "game.json").read_text())
    assert {p.name for p in out.iterdir()} >= {"game.json", "game.png", "report.md", "runs.parquet"}
    cells = result["payoffs"]
    for x in ("absent", "account"):
        for y in ("absent", "account"):
            assert cells[x][y]["blue"]["mean"] == pytest.approx(-cells[x][y]["red"]["mean"])
    assert result["best_responses"]["blue"]["absent"]["best"] == ["account"]
    assert result["best_responses"]["red"]["absent"]["best"] == ["account"]
    assert result["equilibria"] == [{"blue": "account", "red": "account"}]
    assert result["replicates"] == 3
    assert "equilibrium: blue account, red account" in capsys.readouterr().out
