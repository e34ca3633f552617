"""The ``socialweb`` command: bad input (exit 2, one line per problem, nothing written), successful
runs and comparisons (the files README promises), and failures midway (exit 1, no folder)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import model.report
from model.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))

RUN_FILES = {
    "scenario.yaml",
    "manifest.json",
    "timeseries.parquet",
    "summary.json",
    "overview.png",
    "opinions.png",
}
COMPARE_PNGS = {"vote_share.png", "share_of_voice.png", "effects.png", "opinions.png"}


def scenario_data(name: str = "tiny", **changes) -> dict:
    """A small two-party world: 200 citizens, 15 steps."""
    data = {
        "name": name,
        "description": f"{name}: a small test world",
        "steps": 15,
        "seed": 3,
        "population": {"citizens": 200},
        "network": {"mean_degree": 6},
        "parties": {
            "blue": {
                "position": 0.25,
                "institution": {"enabled": True},
                "staff": {"per_1000": 5, "ties": 10},  # 1 among 200 citizens
                "champions": {"enabled": True, "initial_per_1000": 15, "guidance": 0.3},
            },
            "red": {"position": -0.25, "institution": {"enabled": True}},
        },
    }
    data.update(changes)
    return data


def write_scenario(
    folder: Path, filename: str = "tiny.yaml", data: dict | str | None = None
) -> Path:
    path = folder / filename
    if data is None:
        data = scenario_data(Path(filename).stem)
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def cli(capsys, *args) -> tuple[int, str, str]:
    """main() in-process: (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_nothing_written(tmp_path: Path, *outs: Path) -> None:
    """No results folder (the conftest points SOCIALWEB_RESULTS at tmp_path/results), no --out."""
    results = tmp_path / "results"
    assert not results.exists() or not any(results.iterdir()), list(results.iterdir())
    for out in outs:
        assert not out.exists(), f"{out} was created"
        if out.parent.exists():
            leftovers = [p.name for p in out.parent.iterdir() if ".partial" in p.name]
            assert not leftovers, leftovers


def assert_one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert "Traceback" not in err
    return err.rstrip("\n")


def subprocess_cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "model", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- bad scenario files, every class, through validate, run and compare ----------------------

BAD_FILES = {
    # id: (file text or data, regex the problem line matches after "FILE: ")
    "yaml_syntax": (
        "name: broken\nsteps: 5\npopulation: {citizens: 200\n  x: 1\n",
        r"line 4, column \d+: invalid YAML: .+",
    ),
    "unknown_key": (
        scenario_data(
            "bad",
            parties={"blue": {"position": 0.2, "champions": {"enabled": True, "guidence": 0.3}}},
        ),
        re.escape(
            "parties.blue.champions.guidence: unknown key (did you mean 'guidance'?); "
            "expected one of: "
        )
        + r".*\bguidance\b.*",
    ),
    "string_for_number": (
        scenario_data("bad", steps="ten"),
        re.escape("steps: expected an integer in [1, 1000000], got 'ten'"),
    ),
    "string_for_float": (
        scenario_data("bad", feed={"bias": "strong"}),
        re.escape("feed.bias: expected a number in [0, 20], got 'strong'"),
    ),
    "number_for_bool": (
        scenario_data("bad", opinion={"backfire": 1}),
        re.escape("opinion.backfire: expected true or false, got 1"),
    ),
    "out_of_range": (
        scenario_data("bad", parties={"blue": {"champions": {"enabled": True, "guidance": 1.4}}}),
        re.escape("parties.blue.champions.guidance: expected a number in [0, 1], got 1.4"),
    ),
    "unknown_literal": (
        scenario_data("bad", feed={"algorithm": "chrono"}),
        re.escape(
            "feed.algorithm: expected one of chronological, similarity, engagement, "
            "got 'chrono' (did you mean 'chronological'?)"
        ),
    ),
    "edge_list_without_path": (
        scenario_data("bad", network={"kind": "edge_list"}),
        re.escape("network.path: expected an edge-list file because network.kind is edge_list"),
    ),
    "rejection_below_openness": (
        scenario_data("bad", population={"citizens": 200, "openness": 0.8, "rejection": 0.5}),
        re.escape(
            "population.rejection: expected >= population.openness (0.8): the latitude of "
            "rejection lies beyond acceptance, got 0.5"
        ),
    ),
    "budget_shares_over_one": (
        scenario_data(
            "bad",
            parties={
                "blue": {
                    "institution": {"enabled": True},
                    "budget": {"per_1000": 60, "content": 0.7, "paid_reach": 0.5},
                }
            },
        ),
        re.escape(
            "parties.blue.budget: expected channel shares (content, paid_reach, staff, "
            "champions, mass_media, canvass) summing to at most 1, got 1.2"
        ),
    ),
    "budget_and_size_both_given": (
        scenario_data(
            "bad",
            parties={
                "blue": {
                    "institution": {"enabled": True},
                    "staff": {"per_1000": 2},
                    "budget": {"per_1000": 60, "staff": 0.5},
                }
            },
        ),
        re.escape(
            "parties.blue.staff.per_1000: set by the budget (budget.staff share of "
            "budget.per_1000): leave it out (default 0), or drop the budget"
        ),
    ),
    "old_count_key": (
        scenario_data("bad", parties={"blue": {"staff": {"count": 5}}}),
        re.escape(
            "parties.blue.staff.count: replaced by per_1000 (staff per 1,000 citizens; e.g. 5 "
            "staff among 2,000 citizens is per_1000: 2.5)"
        ),
    ),
    "position_wrong_issue_count": (
        scenario_data("bad", parties={"blue": {"position": [0.1, 0.2]}}),
        re.escape(
            "parties.blue.position: expected 1 value(s), one per issue (population.issues), got 2"
        ),
    ),
    "champions_initial_but_disabled": (
        scenario_data(
            "bad", parties={"blue": {"champions": {"enabled": False, "initial_per_1000": 3}}}
        ),
        re.escape(
            "parties.blue.champions.initial_per_1000: expected 0 because champions.enabled is "
            "false, got 3"
        ),
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("command", ["validate", "run", "compare"])
def test_bad_scenario_file(tmp_path, capsys, command, case):
    data, pattern = BAD_FILES[case]
    bad = write_scenario(tmp_path, "bad.yaml", data)
    good = write_scenario(tmp_path, "good.yaml")
    out_dir = tmp_path / "out"
    args = {
        "validate": ["validate", bad],
        "run": ["run", bad, "--out", out_dir],
        "compare": ["compare", good, bad, "--replicates", "2", "--out", out_dir],
    }[command]
    code, out, err = cli(capsys, *args)
    assert code == 2
    assert out == ""
    line = assert_one_line(err)
    assert line.startswith(f"{bad}: "), line
    assert re.fullmatch(pattern, line[len(f"{bad}: ") :]), line
    assert_nothing_written(tmp_path, out_dir)


@pytest.mark.parametrize("command", ["validate", "run", "compare"])
def test_missing_scenario_file(tmp_path, capsys, command):
    missing = tmp_path / "nowhere.yaml"
    out_dir = tmp_path / "out"
    args = [command, missing] + ([] if command == "validate" else ["--out", out_dir])
    code, out, err = cli(capsys, *args)
    assert (code, out) == (2, "")
    assert assert_one_line(err) == f"{missing}: file not found"
    assert_nothing_written(tmp_path, out_dir)


def test_validate_reports_every_problem_of_every_file(tmp_path, capsys):
    a = write_scenario(
        tmp_path,
        "a.yaml",
        scenario_data(
            "a",
            steps=0,
            feed={"algorithm": "chrono"},
            parties={"blue": {"champions": {"enabled": True, "guidence": 0.3}}},
        ),
    )
    b = write_scenario(tmp_path, "b.yaml", "name: b\nparties: {blue: {position: [1.5]\n")
    good = write_scenario(tmp_path, "good.yaml")
    c = tmp_path / "c.yaml"
    code, out, err = cli(capsys, "validate", a, good, b, c)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 5, lines
    assert "Traceback" not in err
    assert [line.split(": ")[0] for line in lines] == [str(a)] * 3 + [str(b), str(c)]
    assert {line.split(": ")[1] for line in lines[:3]} == {
        "steps",
        "feed.algorithm",
        "parties.blue.champions.guidence",
    }
    assert "invalid YAML" in lines[3] and "line " in lines[3]
    assert lines[4] == f"{c}: file not found"
    assert not any(str(good) in line for line in lines)
    assert_nothing_written(tmp_path)


def test_compare_reports_problems_of_every_file(tmp_path, capsys):
    a = write_scenario(tmp_path, "a.yaml", scenario_data("a", steps="ten"))
    b = write_scenario(tmp_path, "b.yaml", scenario_data("b", feed={"algorithm": "chrono"}))
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "compare", a, b, "--out", out_dir)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{a}: steps: expected an integer")
    assert lines[1].startswith(f"{b}: feed.algorithm: expected one of")
    assert_nothing_written(tmp_path, out_dir)


# --- bad --set -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("foo", "--set: foo: expected DOTTED.PATH=VALUE"),
        ("=3", "--set: =3: expected DOTTED.PATH=VALUE"),
        ("steps.x=1", "{file}: steps.x (from the command line): 'steps' is not a section"),
        (
            "no.such.path=1",
            "{file}: no.such.path (from the command line): unknown key 'no'; expected one of: ",
        ),
        (
            "parties.bleu.staff.per_1000=3",
            "{file}: parties.bleu.staff.per_1000 (from the command line): no party 'bleu' in the "
            "scenario (did you mean 'blue'?)",
        ),
        (
            "parties.blue.champions.guidence=0.2",
            "{file}: parties.blue.champions.guidence (from the command line): unknown key "
            "(did you mean 'guidance'?); expected one of: ",
        ),
        (
            "parties.blue.champions.guidance=1.4",
            "{file}: parties.blue.champions.guidance (from the command line): expected a number "
            "in [0, 1], got 1.4",
        ),
        (
            "feed.attention=many",
            "{file}: feed.attention (from the command line): expected a number in [0, 10000], "
            "got 'many'",
        ),
    ],
)
def test_bad_set(tmp_path, capsys, command, setting, expected):
    scenario = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, command, scenario, "--set", setting, "--out", out_dir)
    assert (code, out) == (2, "")
    line = assert_one_line(err)
    assert line.startswith(expected.format(file=scenario)), line
    assert_nothing_written(tmp_path, out_dir)


def test_bad_set_in_compare_is_reported_for_every_file(tmp_path, capsys):
    a = write_scenario(tmp_path, "a.yaml", scenario_data("a"))
    b = write_scenario(tmp_path, "b.yaml", scenario_data("b"))
    code, out, err = cli(capsys, "compare", a, b, "--set", "feed.bias=-1")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{a}: feed.bias (from the command line): expected a number in [0, 20], got -1",
        f"{b}: feed.bias (from the command line): expected a number in [0, 20], got -1",
    ]
    assert_nothing_written(tmp_path)


def test_citizens_flag_out_of_schema_range(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    code, out, err = cli(capsys, "run", scenario, "--citizens", "1")
    assert (code, out) == (2, "")
    assert assert_one_line(err) == (
        f"{scenario}: population.citizens (from the command line): expected an integer in "
        "[2, 10000000], got 1"
    )
    assert_nothing_written(tmp_path)


# --- bad command lines ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["compare", "{s}", "--replicates", "0"],
            "socialweb compare: argument --replicates: expected a positive integer, got '0'",
        ),
        (
            ["compare", "{s}", "--jobs", "x"],
            "socialweb compare: argument --jobs: expected a positive integer, got 'x'",
        ),
        (["run", "{s}", "--bogus"], "socialweb: unrecognized arguments: --bogus"),
        (
            ["run", "{s}", "--seed", "-1"],
            "socialweb run: argument --seed: expected an integer in [0, 9223372036854775807], "
            "got '-1'",
        ),
        (
            ["run", "{s}", "--steps", "0"],
            "socialweb run: argument --steps: expected a positive integer, got '0'",
        ),
        (
            ["run", "{s}", "--citizens", "abc"],
            "socialweb run: argument --citizens: expected a positive integer, got 'abc'",
        ),
        (
            ["run", "{s}", "--progress", "loud"],
            "socialweb run: argument --progress: invalid choice",
        ),
        (["run"], "socialweb run: the following arguments are required: scenario"),
        (["validate"], "socialweb validate: the following arguments are required: files"),
        (["frobnicate"], "socialweb: argument COMMAND: invalid choice: 'frobnicate'"),
    ],
)
def test_bad_flags(tmp_path, capsys, args, expected):
    scenario = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    argv = [a.format(s=scenario) for a in args]
    if argv[0] in ("run", "compare") and len(argv) > 1:
        argv += ["--out", str(out_dir)]
    code, out, err = cli(capsys, *argv)
    assert (code, out) == (2, "")
    line = assert_one_line(err)
    assert line.startswith(expected), line
    assert "--help" in line
    assert_nothing_written(tmp_path, out_dir)


def test_no_command_prints_help_to_stderr(capsys):
    code, out, err = cli(capsys)
    assert (code, out) == (2, "")
    assert err.startswith("usage: socialweb")


# --- --out ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "compare"])
def test_out_must_be_new_or_empty(tmp_path, capsys, command):
    scenario = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("mine")
    extra = ["--replicates", "2"] if command == "compare" else []
    code, out, err = cli(capsys, command, scenario, "--out", out_dir, *extra)
    assert (code, out) == (2, "")
    assert assert_one_line(err) == (
        f"--out: {out_dir}: expected a new or empty folder, it already holds files"
    )
    assert [p.name for p in out_dir.iterdir()] == ["keep.txt"]
    assert (out_dir / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "results").exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    target = tmp_path / "out"
    target.write_text("not a folder")
    code, out, err = cli(capsys, "run", scenario, "--out", target)
    assert (code, out) == (2, "")
    assert assert_one_line(err).startswith(f"--out: {target}: expected a new or empty folder")
    assert target.read_text() == "not a folder"


def test_out_below_a_file_is_bad_input(tmp_path, capsys):
    """--out a/b where a is a file cannot be created: bad input (exit 2), not a failure."""
    scenario = write_scenario(tmp_path)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    target = blocker / "out"
    code, out, err = cli(capsys, "run", scenario, "--out", target, "--progress", "none")
    assert code == 2, err
    assert out == ""
    line = assert_one_line(err)
    assert str(target) in line or str(blocker) in line
    assert blocker.read_text() == "a file"
    assert_nothing_written(tmp_path)


# --- subprocess: the real command ------------------------------------------------------------


def test_subprocess_bad_input_is_one_line_without_traceback(tmp_path):
    bad = write_scenario(
        tmp_path,
        "bad.yaml",
        scenario_data("bad", parties={"blue": {"champions": {"enabled": True, "guidance": 1.4}}}),
    )
    out_dir = tmp_path / "out"
    proc = subprocess_cli("run", bad.name, "--out", out_dir, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        "bad.yaml: parties.blue.champions.guidance: expected a number in [0, 1], got 1.4\n"
    )
    assert_nothing_written(tmp_path, out_dir)


def test_subprocess_bad_flag_is_one_line_without_traceback(tmp_path):
    scenario = write_scenario(tmp_path)
    proc = subprocess_cli("compare", scenario, "--jobs", "x", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "--jobs: expected a positive integer, got 'x'" in proc.stderr
    assert_nothing_written(tmp_path)


def test_subprocess_run_prints_the_output_folder_last(tmp_path):
    scenario = write_scenario(tmp_path)
    proc = subprocess_cli("run", scenario.name, "--steps", "8", "--progress", "log", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    folder = Path(lines[-1])
    if not folder.is_absolute():
        folder = tmp_path / folder
    assert folder.is_dir()
    assert folder.parent == tmp_path / "results"  # SOCIALWEB_RESULTS from the conftest
    assert RUN_FILES <= {p.name for p in folder.iterdir()}
    assert json.loads((folder / "summary.json").read_text())["steps"] == 8
    # progress goes to stderr, results to stdout
    assert "steps" in proc.stderr
    assert all("/8 steps" not in line for line in lines)


def test_python_m_model_help(tmp_path):
    proc = subprocess_cli("--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: socialweb")
    for command in ("run", "compare", "validate", "params"):
        assert command in proc.stdout


def test_console_script_help(tmp_path):
    script = Path(sys.executable).parent / "socialweb"
    if not script.exists():
        pytest.skip("no socialweb console script next to this interpreter")
    proc = subprocess.run(
        [str(script), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: socialweb")


@pytest.mark.parametrize("command", [[], ["run"], ["compare"], ["validate"]])
def test_help_in_process_exits_0(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("usage: socialweb")


def test_params_lists_every_key(capsys):
    code, out, err = cli(capsys, "params")
    assert code == 0
    assert "parties.<name>.champions.guidance" in out
    assert "population.citizens" in out


# --- validate ------------------------------------------------------------------------------


def test_validate_shipped_scenarios(capsys):
    assert SHIPPED
    code, out, err = cli(capsys, "validate", *SHIPPED)
    assert code == 0, err
    assert err == ""
    assert out.splitlines() == [f"{p}: ok" for p in SHIPPED]


def test_validate_warns_about_champions_without_organizers(tmp_path, capsys):
    """Valid, but the programme can never recruit (founding champions need organizers too): a
    warning on stderr, exit 0; the same programme with staff, or with budgeted staff, is quiet."""
    alone = scenario_data("alone")
    del alone["parties"]["blue"]["staff"]
    budget = scenario_data("budget")
    del budget["parties"]["blue"]["staff"]
    budget["parties"]["blue"]["budget"] = {"per_1000": 60, "content": 0.5, "champions": 0.5}
    files = [write_scenario(tmp_path, f"{d['name']}.yaml", d) for d in (alone, budget)]
    staffed = write_scenario(tmp_path, "staffed.yaml")
    code, out, err = cli(capsys, "validate", *files, staffed)
    assert code == 0
    assert out.splitlines() == [f"{p}: ok" for p in (*files, staffed)]
    assert err.splitlines() == [
        f"{files[0]}: warning: parties.blue.champions.enabled: the programme has no organizers "
        "(no staff), so it recruits no champions, founding ones included; add staff "
        "(staff.per_1000 or budget.staff)",
        f"{files[1]}: warning: parties.blue.champions.enabled: the programme has no organizers "
        "(the budget gives staff nothing), so it recruits no champions, founding ones included; "
        "add staff (staff.per_1000 or budget.staff)",
    ]


def test_validate_says_how_base_was_found_as_sweep_does(tmp_path, capsys, monkeypatch):
    """A copied experiment whose base: exists only relative to the working folder: validate
    prints the same note as sweep (issue 12), then ok."""
    data = {
        "base": "scenarios/classroom.yaml",
        "vary": {"parties.blue.champions.guidance": [0.2]},
        "outputs": ["vote_share.blue"],
    }
    copy = tmp_path / "mine" / "exp.yaml"
    copy.parent.mkdir()
    copy.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.chdir(ROOT)
    code, out, err = cli(capsys, "validate", copy)
    assert code == 0, err
    assert out.splitlines() == [f"{copy}: ok"]
    (note,) = [line for line in err.splitlines() if line.startswith("note: ")]
    assert note.startswith(f"note: {copy}: base: scenarios/classroom.yaml is not beside")
    assert note.endswith("(relative to the working folder)")


# --- run -----------------------------------------------------------------------------------


def read_run(folder: Path) -> tuple[dict, dict, pd.DataFrame]:
    summary = json.loads((folder / "summary.json").read_text())
    resolved = yaml.safe_load((folder / "scenario.yaml").read_text())
    return summary, resolved, pd.read_parquet(folder / "timeseries.parquet")


def test_run_writes_the_readme_files(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "run", scenario, "--out", out_dir, "--progress", "none")
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[-1] == str(out_dir)
    assert lines[0].startswith("tiny: seed 3, 15 steps")
    assert {p.name for p in out_dir.iterdir()} == RUN_FILES  # no agents.parquet, no leftovers
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]

    summary, resolved, ts = read_run(out_dir)
    assert summary["seed"] == 3 and summary["steps"] == 15 and summary["citizens"] == 200
    final = summary["final"]
    for key in ("vote_share", "share_of_voice", "reach", "active_champions", "cost"):
        assert set(final[key]) == {"blue", "red"}, key
    for p in ("blue", "red"):
        assert 0 <= final["vote_share"][p] <= 1
        assert 0 <= final["share_of_voice"][p] <= 1
        assert final["cost"][p] > 0  # both run an account
    assert 0 < final["turnout"] <= 1
    assert -1 <= final["mean_opinion"] <= 1
    assert final["polarization"] >= 0
    assert final["active_champions"]["red"] == 0
    assert final["active_champions"]["blue"] >= 0
    assert summary["winner"] in ("blue", "red")

    # the resolved scenario: every default filled in, and it loads again
    assert resolved["name"] == "tiny" and resolved["steps"] == 15 and resolved["seed"] == 3
    assert resolved["feed"]["algorithm"] == "chronological"
    assert resolved["parties"]["red"]["champions"]["guidance"] == 0.3
    code, _, err = cli(capsys, "validate", out_dir / "scenario.yaml")
    assert code == 0, err

    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["seed"] == 3
    for key in ("command", "versions", "git_commit", "machine", "wall_time_s"):
        assert key in manifest

    assert list(ts.columns) == ["step", "metric", "party", "source_type", "value"]
    assert ts.step.max() == 15
    assert not ts.duplicated(["step", "metric", "party", "source_type"]).any()
    vote = ts[(ts.metric == "vote_share") & (ts.party == "blue") & (ts.source_type == "")]
    assert vote.value.iloc[-1] == pytest.approx(final["vote_share"]["blue"])


def test_run_flags_take_effect(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    code, out, err = cli(
        capsys,
        "run",
        scenario,
        "--seed",
        "11",
        "--steps",
        "9",
        "--citizens",
        "150",
        "--set",
        "parties.blue.champions.guidance=0.6",
        "--set",
        "feed.algorithm=similarity",
        "--agents",
        "--out",
        out_dir,
        "--progress",
        "none",
    )
    assert code == 0, err
    assert out.splitlines()[-1] == str(out_dir)
    assert {p.name for p in out_dir.iterdir()} == RUN_FILES | {"agents.parquet"}
    summary, resolved, ts = read_run(out_dir)
    assert (summary["seed"], summary["steps"], summary["citizens"]) == (11, 9, 150)
    assert resolved["seed"] == 11 and resolved["steps"] == 9
    assert resolved["population"]["citizens"] == 150
    assert resolved["parties"]["blue"]["champions"]["guidance"] == 0.6
    assert resolved["feed"]["algorithm"] == "similarity"
    assert ts.step.max() == 9
    assert json.loads((out_dir / "manifest.json").read_text())["seed"] == 11
    agents = pd.read_parquet(out_dir / "agents.parquet")
    for column in ("role", "party", "degree", "opinion_0"):
        assert column in agents.columns
    assert (agents.role != "staff").sum() == 150  # citizens, champions among them
    # the scenario file itself is untouched
    assert yaml.safe_load(scenario.read_text()) == scenario_data("tiny")


def test_run_set_output_switches(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    code, out, err = cli(
        capsys,
        "run",
        scenario,
        "--steps",
        "5",
        "--set",
        "output.plots=false",
        "--set",
        "output.agents=true",
        "--out",
        out_dir,
        "--progress",
        "none",
    )
    assert code == 0, err
    names = {p.name for p in out_dir.iterdir()}
    assert "agents.parquet" in names
    assert not {"overview.png", "opinions.png"} & names


def test_run_is_reproducible(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    for out_dir in (tmp_path / "a", tmp_path / "b"):
        code, _, err = cli(
            capsys, "run", scenario, "--steps", "6", "--out", out_dir, "--progress", "none"
        )
        assert code == 0, err
    a, b = read_run(tmp_path / "a"), read_run(tmp_path / "b")
    assert a[0] == b[0]
    pd.testing.assert_frame_equal(a[2], b[2])
    assert (tmp_path / "a" / "timeseries.parquet").read_bytes() == (
        tmp_path / "b" / "timeseries.parquet"
    ).read_bytes()


def test_run_without_out_goes_under_results(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    code, out, err = cli(capsys, "run", scenario, "--steps", "4", "--progress", "none")
    assert code == 0, err
    folder = Path(out.splitlines()[-1])
    assert folder.parent == tmp_path / "results"
    assert folder.is_dir() and "tiny" in folder.name
    assert [p.name for p in (tmp_path / "results").iterdir()] == [folder.name]


def test_run_into_an_empty_existing_folder(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = cli(
        capsys, "run", scenario, "--steps", "4", "--out", out_dir, "--progress", "none"
    )
    assert code == 0, err
    assert RUN_FILES <= {p.name for p in out_dir.iterdir()}


# --- failures midway -----------------------------------------------------------------------


def _boom(*args, **kwargs):
    raise RuntimeError("boom")


def test_run_failing_midway_leaves_no_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(model.report, "run_overview", _boom)
    scenario = write_scenario(tmp_path)
    out_dir = tmp_path / "runs" / "out"
    code, out, err = cli(
        capsys, "run", scenario, "--steps", "4", "--out", out_dir, "--progress", "none"
    )
    assert code == 1
    assert out == ""
    line = assert_one_line(err)
    assert "RuntimeError: boom" in line and "--debug" in line
    assert not out_dir.exists()
    assert not [p.name for p in out_dir.parent.iterdir()]  # no .partial staging folder
    assert_nothing_written(tmp_path, out_dir)


def test_run_failing_midway_under_results_leaves_no_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(model.report, "run_overview", _boom)
    scenario = write_scenario(tmp_path)
    code, out, _ = cli(capsys, "run", scenario, "--steps", "4", "--progress", "none")
    assert (code, out) == (1, "")
    results = tmp_path / "results"
    assert not results.exists() or not list(results.iterdir())


def test_run_failing_midway_with_debug_raises_and_leaves_no_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(model.report, "run_overview", _boom)
    scenario = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    with pytest.raises(RuntimeError, match="boom"):
        main(["--debug", "run", str(scenario), "--steps", "4", "--out", str(out_dir)])
    assert not out_dir.exists()
    assert not [p.name for p in tmp_path.iterdir() if ".partial" in p.name]


def test_run_interrupted_leaves_no_folder(tmp_path, capsys, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(model.report, "run_overview", interrupt)
    scenario = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    code, out, err = cli(
        capsys, "run", scenario, "--steps", "4", "--out", out_dir, "--progress", "none"
    )
    assert code == 130
    assert "interrupted" in err
    assert not out_dir.exists()
    assert not [p.name for p in tmp_path.iterdir() if ".partial" in p.name]


def test_compare_failing_midway_leaves_no_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(model.report, "effects", _boom)
    a = write_scenario(tmp_path, "a.yaml", scenario_data("a"))
    b = write_scenario(tmp_path, "b.yaml", scenario_data("b"))
    out_dir = tmp_path / "out"
    code, out, err = cli(
        capsys,
        "compare",
        a,
        b,
        "--replicates",
        "2",
        "--steps",
        "4",
        "--out",
        out_dir,
        "--progress",
        "none",
    )
    assert code == 1
    assert "RuntimeError: boom" in assert_one_line(err)
    assert not out_dir.exists()
    assert not [p.name for p in tmp_path.iterdir() if ".partial" in p.name]


# --- compare -------------------------------------------------------------------------------


def test_compare_writes_runs_comparison_report_and_plots(tmp_path, capsys):
    base = write_scenario(
        tmp_path,
        "base.yaml",
        scenario_data(
            "base",
            steps=10,
            parties={
                "blue": {"position": 0.25},
                "red": {"position": -0.25, "institution": {"enabled": True}},
            },
        ),
    )
    champions = write_scenario(tmp_path, "champions.yaml", scenario_data("champions", steps=10))
    out_dir = tmp_path / "out"
    code, out, err = cli(
        capsys,
        "compare",
        base,
        champions,
        "--replicates",
        "3",
        "--out",
        out_dir,
        "--progress",
        "none",
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[-1] == str(out_dir)
    assert lines[-2] == str(out_dir / "report.md")
    assert lines[0].startswith("base: vote blue ") and lines[1].startswith("champions: vote ")

    names = {p.name for p in out_dir.iterdir()}
    assert {
        "runs.parquet",
        "timeseries.parquet",
        "comparison.json",
        "report.md",
        "manifest.json",
        "scenarios",
    } | COMPARE_PNGS <= names
    assert {p.name for p in (out_dir / "scenarios").iterdir()} == {"base.yaml", "champions.yaml"}
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]

    runs = pd.read_parquet(out_dir / "runs.parquet")
    assert len(runs) == 6
    assert sorted(runs.groupby("scenario").size().items()) == [("base", 3), ("champions", 3)]
    assert sorted(runs.replicate.unique()) == [0, 1, 2]
    # common random numbers: replicate r has the same seed in every scenario
    seeds = runs.pivot(index="replicate", columns="scenario", values="seed")
    assert (seeds["base"] == seeds["champions"]).all()
    assert seeds["base"].nunique() == 3

    comparison = json.loads((out_dir / "comparison.json").read_text())
    assert comparison["baseline"] == "base"
    assert set(comparison["scenarios"]) == {"base", "champions"}
    assert set(comparison["contrasts"]) == {"base", "champions"}
    diff = comparison["contrasts"]["champions"]["base"]
    back = comparison["contrasts"]["base"]["champions"]
    for party in ("blue", "red"):
        d = diff["vote_share"][party]
        assert d["primary"] is True and d["ci_low"] is not None
        assert back["vote_share"][party]["mean"] == -d["mean"]
    for key in ("two_party", "margin", "share_of_voice", "cost", "turnout"):
        assert key in diff
    for key in ("win", "two_party", "margin", "engaged_split"):
        assert key in comparison["scenarios"]["base"]
    # blue pays for an account, staff and champions only in the second scenario
    assert diff["cost"]["blue"]["mean"] > 0
    assert comparison["icer"]["blue"]["strategies"]["base"]["status"] == "ND"

    ts = pd.read_parquet(out_dir / "timeseries.parquet")
    assert {"scenario", "replicate", "step", "metric", "party", "source_type", "value"} <= set(
        ts.columns
    )
    report = (out_dir / "report.md").read_text()
    assert "base" in report and "champions" in report
    for png in COMPARE_PNGS:
        assert f"({png})" in report


def test_compare_identical_scenarios_have_zero_paired_difference(tmp_path, capsys):
    a = write_scenario(tmp_path, "a.yaml", scenario_data("a", steps=6))
    b = write_scenario(tmp_path, "b.yaml", scenario_data("b", steps=6))
    out_dir = tmp_path / "out"
    code, _, err = cli(
        capsys, "compare", a, b, "--replicates", "2", "--out", out_dir, "--progress", "none"
    )
    assert code == 0, err
    diff = json.loads((out_dir / "comparison.json").read_text())["contrasts"]["b"]["a"]
    for party in ("blue", "red"):
        for key in ("vote_share", "cost"):
            d = diff[key][party]
            assert (d["mean"], d["ci_low"], d["ci_high"]) == (0, 0, 0)


def test_compare_duplicate_names_is_bad_input(tmp_path, capsys):
    a = write_scenario(tmp_path, "a.yaml", scenario_data("same"))
    b = write_scenario(tmp_path, "b.yaml", scenario_data("same", steps=5))
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "compare", a, b, "--replicates", "2", "--out", out_dir)
    assert (code, out) == (2, "")
    line = assert_one_line(err)
    assert "scenario names must be unique" in line and "same" in line
    assert_nothing_written(tmp_path, out_dir)


def test_compare_same_file_twice_is_bad_input(tmp_path, capsys):
    a = write_scenario(tmp_path, "a.yaml", scenario_data("a"))
    code, out, err = cli(capsys, "compare", a, a, "--replicates", "2")
    assert (code, out) == (2, "")
    assert "scenario names must be unique" in assert_one_line(err)
    assert_nothing_written(tmp_path)


def test_params_filter_shows_matching_keys_as_text(capsys):
    assert main(["params", "guidance"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("movement.guidance  (default 0.5; allowed [0, 1])")
    assert "\nparties.<name>.champions.guidance  (default 0.3; allowed [0, 1])" in out
    assert "source: essay" in out and "|" not in out  # text, not the Markdown table
    assert main(["params", "CHAMPIONS"]) == 0  # case-insensitive, every champions key
    out = capsys.readouterr().out
    assert out.count("parties.<name>.champions.") >= 20 and "staff.ties" not in out
    code, _, err = cli(capsys, "params", "nosuchkey")
    assert code == 2 and err.strip() == (
        "socialweb params: no scenario key contains 'nosuchkey' (try `socialweb params` for "
        "them all)"
    )
