"""Every code block in the README runs as a test (or is marked as set-up beside it).

Each fenced block is preceded by a ``<!-- readme-test: KIND ... -->`` marker saying how it is
checked: ``set-up`` (bootstrap; CI runs the test line through .ci/run), ``synopsis`` (every
command and flag exists in that command's --help), ``session`` (``$ command`` lines run, and
what they print on stderr is the text shown), ``experiment`` (the YAML loads as an experiment
file in experiments/), ``scenario`` (the YAML loads and runs as a scenario file in scenarios/),
``python`` (the code runs). A block without a marker fails the test, so a
new example cannot slip in untested.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from model.cli import build_parser, main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"(?:<!-- readme-test: (\w[\w-]*)[^>]*-->\n)?```(\w*)\n(.*?)\n```", re.S)
BLOCKS = [(m.group(1), m.group(2), m.group(3)) for m in BLOCK.finditer(README)]
KINDS = {"set-up", "synopsis", "session", "experiment", "scenario", "python"}


def test_every_block_says_how_it_is_checked():
    assert len(BLOCKS) >= 5
    unmarked = [code.splitlines()[0] for kind, _, code in BLOCKS if kind not in KINDS]
    assert not unmarked, f"README code blocks without a readme-test marker: {unmarked}"


def _blocks(kind: str) -> list[str]:
    return [code for k, _, code in BLOCKS if k == kind]


def test_setup_block_is_the_two_commands_ci_runs():
    (block,) = _blocks("set-up")
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[0].startswith("scripts/bootstrap && .venv/bin/socialweb compare")
    assert lines[1] == "scripts/bootstrap && .venv/bin/python -m pytest -n auto"


def test_synopsis_commands_and_flags_exist():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # the sub-command parsers
    (block,) = _blocks("synopsis")
    for line in block.splitlines():
        words = line.split("#")[0].split()
        assert words[0] == "socialweb"
        sub = commands[words[1]]
        known = {opt for action in sub._actions for opt in action.option_strings}
        for flag in re.findall(r"(--[a-z][a-z-]*)", line.split("#")[0]):
            assert flag in known, f"socialweb {words[1]} has no {flag}"


def test_session_lines_print_what_the_readme_shows(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    for block in _blocks("session"):
        lines = block.splitlines()
        command = lines[0].removeprefix("$ ")
        argv = shlex.split(command)
        assert argv[0] == "socialweb"
        code = main(argv[1:])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and err == lines[1:], (command, err)


def _workspace(tmp_path: Path) -> Path:
    """A folder with the shipped scenarios/ and experiments/ (linked), as a user's checkout."""
    for name in ("scenarios", "experiments"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    return tmp_path


def test_experiment_example_loads(tmp_path):
    from model.config.experiment import load_experiment

    grid, contrast = _blocks("experiment")
    folder = tmp_path / "mine"
    folder.mkdir()
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    path = folder / "example.yaml"  # beside ../scenarios, as in experiments/
    path.write_text(grid, encoding="utf-8")
    exp = load_experiment(path)
    assert len(exp.points()) == 5 * 4 and exp.replicates == 10
    path = folder / "contrast.yaml"
    path.write_text(contrast, encoding="utf-8")
    exp = load_experiment(path)
    assert exp.contrast is not None and len(exp.points()) == 256 * (2 + 2)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_python_api_block_runs(tmp_path, monkeypatch):
    """The API example as written: run, compare (jobs=2), and a sweep into results/f that
    analyze then reads."""
    (block,) = _blocks("python")
    monkeypatch.chdir(_workspace(tmp_path))
    monkeypatch.delenv("SOCIALWEB_RESULTS", raising=False)
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(block, "README.md (Python API)", "exec"), namespace)  # noqa: S102
    found = namespace["found"]
    assert os.path.isfile("results/f/runs.parquet")
    assert len(found.summary) == len(namespace["runs"].point.unique())
    assert list(found.frontier.party.unique()) == ["blue"]
    assert namespace["comp"].comparison["baseline"] == "party_absent"


def test_scenario_block_loads_and_runs_beside_the_shipped_scenarios(tmp_path):
    """The README's own-network example, saved in scenarios/ as a user would, loads (its graph
    file resolved relative to it) and runs; its factions set the opinions."""
    from model.config import load_scenario
    from model.sim import SocialWebModel

    (block,) = _blocks("scenario")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "networks").symlink_to(ROOT / "scenarios" / "networks", target_is_directory=True)
    path = folder / "my_network.yaml"
    path.write_text(block, encoding="utf-8")
    scenario = load_scenario(path)
    model = SocialWebModel(scenario, seed=0, agents="parties")
    assert sorted(set(model.population.x[:34, 0])) == [-0.3, 0.3]
    model.step()
