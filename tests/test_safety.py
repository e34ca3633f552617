"""Safe under faults and hostile input (issue 11): each mechanism in a scenario where it acts.

- the numba cache is never a folder someone else planted (numba reads its index with pickle);
- output folders are reserved atomically: commands started in the same second never collide;
- an unwritable output folder is refused before any run, not after all of them;
- staging folders left by killed commands are cleaned, live ones are not;
- a scenario name never steers a file outside its folder, even through the API;
- YAML that expands, nests or repeats itself is refused fast, in one line;
- memory estimates refuse what would not fit, and scale with what allocates.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import yaml

import model.report  # noqa: F401 - imports model.runner.run before any test patches it
import model.runner
from model.cli import main
from model.config import ConfigError, limits, load_scenario, scenario_from_dict
from model.store import clean_partials, file_name, reserve_output, staged
from tests.conftest import ROOT, tiny_data

# --- the numba cache ---------------------------------------------------------------------------

CACHE_DIR = "from model.jit import cache_dir; print(cache_dir())"


def jit_cache_dir(tmp_path: Path) -> str:
    """``model.jit.cache_dir()`` in a fresh process whose home cache cannot be used, so the
    temporary-folder fallback is taken (TMPDIR is ``tmp_path``)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # a file where the home cache folder should be: unusable even as root
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(blocker), TMPDIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", CACHE_DIR], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def planted(tmp_path: Path) -> Path:
    return tmp_path / f"socialweb-numba-{os.getuid()}"


def test_the_fallback_cache_is_created_private(tmp_path):
    used = Path(jit_cache_dir(tmp_path))
    assert used == planted(tmp_path)
    st = used.lstat()
    assert st.st_uid == os.getuid()
    assert st.st_mode & 0o777 == 0o700


def test_a_planted_world_writable_cache_folder_is_not_used(tmp_path):
    folder = planted(tmp_path)
    folder.mkdir()
    folder.chmod(0o777)  # anyone could have written a pickled index in it
    assert jit_cache_dir(tmp_path) == "None"


def test_a_cache_folder_owned_by_someone_else_is_not_used(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give a folder to another user")
    folder = planted(tmp_path)
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)  # nobody
    assert jit_cache_dir(tmp_path) == "None"


def test_a_cache_folder_that_is_a_symlink_is_not_used(tmp_path):
    elsewhere = tmp_path / "attacker"
    elsewhere.mkdir(mode=0o700)
    planted(tmp_path).symlink_to(elsewhere)
    assert jit_cache_dir(tmp_path) == "None"


def test_without_a_safe_cache_the_kernels_still_compile_and_nothing_is_cached(tmp_path):
    folder = planted(tmp_path)
    folder.mkdir()
    folder.chmod(0o777)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(blocker), TMPDIR=str(tmp_path))
    code = (
        "import os; from model.dynamics.kernels import warm_up; warm_up(); "
        "print(os.environ.get('NUMBA_CACHE_DIR'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "None"
    assert not any(folder.iterdir())


# --- output folders ------------------------------------------------------------------------------


def _reserve(label: str) -> str:
    return str(reserve_output(None, label)[0])


def test_folders_reserved_in_the_same_second_are_distinct(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCIALWEB_RESULTS", str(tmp_path / "results"))
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        paths = list(pool.map(_reserve, ["same"] * 12))
    assert len(set(paths)) == 12
    assert all(Path(p).is_dir() for p in paths)


def test_three_runs_started_together_all_keep_their_results(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(tiny_data(citizens=80, steps=10)))
    env = {**os.environ, "SOCIALWEB_RESULTS": str(tmp_path / "results")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "model", "run", str(scenario), "--progress", "none"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1] for o in outs]
    folders = {o[0].strip().splitlines()[-1] for o in outs}
    assert len(folders) == 3
    assert all((Path(f) / "summary.json").exists() for f in folders)


def test_an_unwritable_out_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(tiny_data()))

    def no_run(*args, **kwargs):
        raise AssertionError("a run started although the output folder cannot be written")

    monkeypatch.setattr(model.runner, "run", no_run)
    code = main(["run", str(scenario), "--out", "/proc/socialweb-cannot-write-here/out"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("--out: /proc/socialweb-cannot-write-here/out: cannot create it"), err


def test_a_failed_run_gives_its_reserved_folder_back(tmp_path, capsys, monkeypatch):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(tiny_data()))

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(model.runner, "run", boom)
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()
    results = tmp_path / "results"
    assert not results.exists() or not any(results.iterdir())


def test_stale_staging_folders_are_cleaned_and_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid is now free: a killed command's leftover
    stale = tmp_path / f".old-run.partial-{dead.pid}"
    (stale / "sub").mkdir(parents=True)
    live = tmp_path / f".other-run.partial-{os.getpid()}"
    live.mkdir()
    unrelated = tmp_path / ".partial-notes"
    unrelated.mkdir()
    with staged(tmp_path / "new-run") as stage:
        (stage / "x.txt").write_text("x")
    assert not stale.exists()
    assert live.exists() and unrelated.exists()
    assert (tmp_path / "new-run" / "x.txt").read_text() == "x"
    assert clean_partials(tmp_path) == []


# --- names never become paths --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../../victim", "victim"),
        ("a/b", "a-b"),
        ("", "unnamed"),
        (".hidden", "hidden"),
        ("..", "unnamed"),
        ("champion_driven-2", "champion_driven-2"),
        ("x" * 200, "x" * 80),
    ],
)
def test_file_name_keeps_names_inside_their_folder(name, expected):
    assert file_name(name) == expected


def test_compare_through_the_api_with_a_hostile_name_writes_inside_its_folder(tmp_path):
    from model.comparison import compare
    from model.report import write_comparison

    good = scenario_from_dict(tiny_data(citizens=60, steps=3))
    # the API lets a caller build a Scenario that validate would refuse
    hostile = dataclasses.replace(good, name="../../../victim")
    comp = compare([good, hostile], replicates=2, seed=1)
    out = tmp_path / "deep" / "deeper" / "out"
    write_comparison(comp, out, seed=1, replicates=2, jobs=1, wall_time_s=0.0)
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == ["tiny.yaml", "victim.yaml"]
    assert not list(tmp_path.rglob("victim.yaml"))[1:]  # exactly one, the one inside


@pytest.mark.parametrize("name", ["../../../victim", "a/b", "", ".hidden", "a b", "-x"])
def test_validate_refuses_names_that_are_not_plain(tmp_path, capsys, name):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(tiny_data() | {"name": name}))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"{path}: name: expected a name of letters, digits, _ and - (starting with a letter or "
        f"digit, at most 64 characters), got {name!r}\n"
    )


# --- YAML ------------------------------------------------------------------------------------


def billion_laughs(levels: int = 9) -> str:
    lines = ["name: bomb", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_fast(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs())
    assert path.stat().st_size < 1200
    start = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert time.perf_counter() - start < 2.0
    assert err.value.problems == [
        f"{path}: line 7: expands to more than 200,000 values once its aliases (*name) are expanded"
    ]


def test_aliases_within_the_budget_still_work(tmp_path):
    path = tmp_path / "alias.yaml"
    path.write_text(
        "name: alias\nparties:\n  blue: &party {institution: {enabled: true}, position: 0.2}\n"
        "  red: *party\n"
    )
    s = load_scenario(path)
    assert s.parties["red"].institution.enabled and s.parties["red"].position == [0.2]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: a\nsteps: 1:30\n", "steps: expected an integer in [1, 1000000], got '1:30'"),
        ("name: a\nsteps: 0x10\n", "steps: expected an integer in [1, 1000000], got '0x10'"),
        ("name: a\noutput: {agents: yes}\n", "output.agents: expected true or false, got 'yes'"),
        ("name: a\nsteps: 5\nsteps: 6\n", "line 3: duplicate key 'steps'"),
    ],
)
def test_yaml_11_surprises_are_refused(tmp_path, text, problem):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert err.value.problems[0].startswith(f"{path}: {problem}"), err.value.problems


def test_plain_numbers_still_read_as_numbers(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: a\nsteps: 010\nfeed: {attention: 1e1}\nseed: +7\n")
    s = load_scenario(path)
    assert (s.steps, s.feed.attention, s.seed) == (10, 10, 7)


# --- memory -------------------------------------------------------------------------------------


def test_run_estimate_grows_with_what_allocates():
    base = scenario_from_dict(tiny_data(citizens=1000))
    bigger = scenario_from_dict(tiny_data(citizens=2000))
    denser = scenario_from_dict(tiny_data(citizens=1000, mean_degree=40))
    longer = scenario_from_dict(tiny_data(citizens=1000, steps=5000))
    staffed = scenario_from_dict(
        tiny_data(citizens=1000) | {"parties": {"blue": {"staff": {"per_1000": 100, "ties": 500}}}}
    )
    b = limits.run_bytes(base)
    assert limits.run_bytes(bigger) > b
    assert limits.run_bytes(denser) > b
    assert limits.run_bytes(longer) > b
    assert limits.run_bytes(staffed) > b


def test_a_run_that_does_not_fit_is_refused_before_allocating(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCIALWEB_MAX_MEMORY", "1G")
    path = tmp_path / "big.yaml"
    path.write_text(
        yaml.safe_dump(
            tiny_data() | {"population": {"citizens": 20_000}, "network": {"kind": "complete"}}
        )
    )
    with pytest.raises(ConfigError) as err:
        load_scenario_checked(path)
    assert "would need about" in str(err.value) and "the limit is 1.0 GB" in str(err.value)
    monkeypatch.setenv("SOCIALWEB_MAX_MEMORY", "64G")
    load_scenario_checked(path)  # the same file passes a limit it fits


def load_scenario_checked(path: Path):
    return model.runner.load_scenario(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512M", 512 * 2**20), ("8G", 8 * 2**30), ("1.5GiB", int(1.5 * 2**30)), ("1000", 1000)],
)
def test_parse_size(text, expected):
    assert limits.parse_size(text) == expected
