"""Mutation testing of the model's core with mutmut (issue 13).

Usage (via scripts/mutation):

    scripts/mutation                    # every module in MODULES, one after the other
    scripts/mutation model/rng.py       # one module (or several)
    scripts/mutation --list             # the modules and the tests each one runs
    scripts/mutation --jit model/rng.py # keep numba's JIT on (default: NUMBA_DISABLE_JIT=1)
    scripts/mutation --committed ...    # HEAD + untracked files only (others' edits left out)

Each module gets its own working copy under $MUT_WORK (default /tmp/mut_work/<module>): the
committed tree (``git archive HEAD``) plus the working-tree version of every tracked file that
differs from HEAD and of every untracked file git does not ignore (new tests), and a
``[tool.mutmut]`` table appended to that copy's pyproject.toml. mutmut's ``mutants/`` folder
therefore lives in the copy, never in the checkout.

Per module it prints killed / survived / timeout / no tests / total and the score
(killed + timeout) / (total - skipped), writes the surviving mutants with their diffs to
<copy>/survivors.txt, and at the end a Markdown table (also saved to $MUT_WORK/summary.md).
Exit status: 0 when mutmut ran for every module (survivors are not a failure), 1 when mutmut
itself failed (clean tests failing, crash, no statistics).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("MUT_WORK", "/tmp/mut_work"))

# module -> tests it runs (mutmut then narrows each mutant to the tests that call its function).
MODULES: dict[str, list[str]] = {
    "model/rng.py": [
        "tests/test_rng_keyed.py",
        "tests/test_determinism.py",
        "tests/test_mesa_conventions.py",  # seed=None -> fresh_seed
        "tests/test_threads.py",  # the keyed hash's threaded build
        "tests/test_rng_survivors.py",  # round six: use_compiled plumbing, scalar bits uint64
    ],
    "model/metrics.py": [
        "tests/test_invariants.py",
        "tests/test_movement.py",
        "tests/test_offline_and_eras.py",
        "tests/dynamics/test_classic_rules.py",
        "tests/dynamics/test_champions.py",
        "tests/test_strategies.py",  # asserts reach / share_of_voice (added after the measured run)
        "tests/test_metrics_values.py",  # exact values for the survivors (added after the runs)
        "tests/test_metrics_step_values.py",  # step_metrics' state outcomes, exact values
        "tests/dynamics/test_gap_clusters.py",  # cluster sizes vs the sorted definition
        "tests/test_metrics_survivors.py",  # round six: n=0/1 edges, consensus cut
        "tests/test_metrics_kernel.py",  # the compiled metrics vs the NumPy oracle
    ],
    "model/dynamics/champions.py": [
        "tests/dynamics/test_champions.py",
        "tests/dynamics/test_champion_artefacts.py",
        "tests/test_movement.py",  # election cycles: election_benefits (win_bonus)
        "tests/dynamics/test_champions_values.py",  # exact values for the survivors
        "tests/dynamics/test_champions_kernel.py",  # the fused kernels vs the NumPy oracle
    ],
    "model/dynamics/contacts.py": [
        "tests/test_offline_and_eras.py",
        "tests/dynamics/test_contacts_values.py",  # exact values for the survivors
        "tests/dynamics/test_feed_kernel.py",  # keyed_sample's compiled selection
    ],
    "model/dynamics/feed.py": [
        "tests/dynamics/test_feed_and_rules.py",
        "tests/test_invariants.py",
        "tests/dynamics/test_feed_values.py",  # exact values for the survivors
        "tests/dynamics/test_feed_survivors.py",  # round seven: ad sentinel, use_compiled
        "tests/dynamics/test_feed_kernel.py",  # the fused feed vs the NumPy deliver
    ],
    "model/dynamics/kernels.py": [
        "tests/dynamics/test_kernels.py",
        "tests/dynamics/test_classic_rules.py",
        "tests/dynamics/test_friedkin_johnsen.py",
        "tests/dynamics/test_feed_and_rules.py",
        "tests/dynamics/test_discrete_rules.py",  # q-voter, naming game, majority, Sznajd, H&N
        "tests/dynamics/test_zealots.py",  # the sweeps' frozen flags
        "tests/dynamics/test_kernels_values.py",  # exact values, one encounter at a time
        "tests/dynamics/test_keyed_deffuant.py",  # keyed draws and the pipeline vs an oracle
        "tests/dynamics/test_attraction_repulsion.py",  # its kernel vs a sequential loop
        "tests/dynamics/test_radicalization.py",  # contacts, RK4 vs a hand-written step
        "tests/dynamics/test_radicalization_values.py",  # exact draws and RK4 vs an oracle
        "tests/dynamics/test_attraction_repulsion_values.py",  # exact steps vs an oracle
        "tests/dynamics/test_algorithmic_bias_values.py",  # exact partner choice vs an oracle
        "tests/dynamics/test_gap_clusters.py",  # clusters without sorting vs the definition
        "tests/dynamics/test_vote_kernel.py",  # the poll's pass vs the vote model
        "tests/test_threads.py",  # threaded builds vs serial and twin
        "tests/dynamics/test_kernels_survivors.py",  # round seven: draws of exactly 1, clocks
        "tests/dynamics/test_step_kernels.py",  # the fused reads, affinity, contagion, tally
    ],
    "model/dynamics/mobilization.py": [
        "tests/dynamics/test_mobilization_and_polls.py",
        "tests/dynamics/test_mobilization_values.py",  # exact values for the survivors
        "tests/dynamics/test_mobilization_survivors.py",  # round seven: use_compiled
        "tests/dynamics/test_step_kernels.py",  # the contagion round vs its NumPy oracle
    ],
    "model/dynamics/movement.py": [
        "tests/test_movement.py",
        "tests/test_movement_values.py",  # exact values for the survivors
    ],
    "model/dynamics/polls.py": [
        "tests/dynamics/test_mobilization_and_polls.py",
        "tests/dynamics/test_champion_artefacts.py",
        "tests/dynamics/test_polls_values.py",  # exact values for the survivors
        "tests/dynamics/test_vote_kernel.py",  # the compiled poll vs the vote model
        "tests/dynamics/test_polls_survivors.py",  # round seven: three issues, staff rows
        "tests/dynamics/test_step_kernels.py",  # the affinity kernel vs its NumPy oracle
    ],
    "model/dynamics/posting.py": [
        "tests/dynamics/test_feed_and_rules.py",
        "tests/dynamics/test_champions.py",
        "tests/test_movement.py",
        "tests/dynamics/test_posting_values.py",  # exact values for the survivors
        "tests/dynamics/test_posting_kernel.py",  # the fused posts vs the NumPy oracle
    ],
    "model/dynamics/rules.py": [
        "tests/dynamics/test_feed_and_rules.py",
        "tests/dynamics/test_classic_rules.py",
        "tests/dynamics/test_friedkin_johnsen.py",
        "tests/dynamics/test_rule_fixes.py",
        "tests/test_offline_and_eras.py",
        "tests/dynamics/test_discrete_rules.py",  # q-voter, naming game, majority, Sznajd, H&N
        "tests/dynamics/test_zealots.py",  # peer_step with committed rows
        "tests/dynamics/test_rules_values.py",  # exact values for reads and peer steps
        "tests/dynamics/test_keyed_deffuant.py",  # Deffuant's keys, fused peer_steps
        "tests/dynamics/test_attraction_repulsion.py",  # the rule's thresholds, fused steps
        "tests/dynamics/test_radicalization.py",  # activities, refusals, fused steps
        "tests/dynamics/test_settled_convergence.py",  # Deffuant.converged, settled
        "tests/dynamics/test_rules_survivors.py",  # settled's boundaries, radicalization's rule
        "tests/dynamics/test_rules_survivors7.py",  # round seven: radicalization's single steps
        "tests/dynamics/test_rules_compiled_flag.py",  # round seven: use_compiled, every rule
        "tests/dynamics/test_step_kernels.py",  # read_pull vs the vectorised read
    ],
    "model/dynamics/zealots.py": [
        "tests/dynamics/test_zealots.py",
        "tests/dynamics/test_zealots_values.py",  # exact values for the survivors
    ],
    # model/warm.py is left out: it has no function, so mutmut makes no mutant of it.
    "model/comparison.py": [
        "tests/test_comparison_values.py",  # exact values; thread-pool scheduler; forkserver fix
        "tests/test_determinism.py",  # jobs 1 and 2 give identical comparisons (real processes)
        "tests/test_posterior_compare.py",  # --posterior draws (added by the lead, 10:16)
        "tests/test_comparison_survivors.py",  # sixth run's gaps: pool arguments, prose, float64
        # test_hostile_inputs, test_scale_free: CLI subprocesses, no in-process call (0 kills);
        # test_safety: one compare call, covered by test_comparison_values; test_processes:
        # 70 s, and its "a worker took part" check fails on a loaded machine (stats run aborted)
    ],
    "model/sweeps.py": [
        "tests/test_sweeps_values.py",  # exact values, counted resumes; forkserver fix
        "tests/test_sweeps_values_survivors.py",  # the gaps of the whole run /tmp/mutL_2
        "tests/test_contrast_sweeps.py",
        "tests/test_sweeps_survivors.py",  # sixth run's gaps: per-point given values
        # test_sweeps, test_sweep_resume: whole sweeps, CLI subprocesses and Dask (slow);
        # test_sweep_safety: its Dask workers run in another folder and cannot import mutmut's
        # trampolines ("Could not figure out where the code to mutate is"): stats run aborted
    ],
    "model/runner.py": [
        "tests/test_runner_values.py",  # exact values of the summary, tables, checks
        "tests/test_trial.py",  # summary's trial effects (added by the lead, 10:26)
        "tests/test_survey.py",  # check_files on surveys (added by the lead, 10:26)
        "tests/network/test_graph_files.py",  # check_files on graph files (lead, 10:26)
        "tests/test_strategies.py",
        "tests/test_determinism.py",
        "tests/test_runner_survivors.py",  # sixth run's gaps: tidy float64, kernels, Mesa views
        # test_invariants, test_safety: every run calls run/summarize, so each survivor would
        # pay for them; test_runner_values covers check_files' memory limit
    ],
}

# Slow whole-run and statistical tests left out of every module's selection: a surviving mutant
# runs every test of its function, so one 10 s test over 100 survivors costs 8 min of the run.
# They stay in the ordinary suite; the exact-value tests each module lists cover the same
# functions in milliseconds. Measured in the fifth run's statistics (NUMBA_DISABLE_JIT=1):
DESELECT: dict[str, str] = {
    "tests/test_determinism.py::"
    "test_same_seed_byte_identical_timeseries_across_processes": "13-16 s",
    "tests/dynamics/test_radicalization.py::"
    "test_same_seed_same_run_and_fused_steps_equal_single_steps": "9.5 s",
    "tests/dynamics/test_feed_and_rules.py::test_similarity_feed_slows_consensus": "7-9 s",
    "tests/dynamics/test_classic_rules.py::"
    "test_deffuant_conserves_mean_and_splits_into_floor_one_over_2d_clusters": "5.9 s",
    "tests/test_strategies.py::test_equal_budget_scenario_spends_what_institution_only_spends": (
        "5.7 s"
    ),
    "tests/test_contrast_sweeps.py::test_identical_arms_sobol_indices_are_undefined_not_a_crash": (
        "5.2 s"
    ),
    "tests/test_posterior_compare.py::"
    "test_the_command_says_what_its_intervals_cover_and_refuses_bad_files": "5.1 s",
    "tests/test_contrast_sweeps.py::test_contrast_is_the_difference_of_the_arms_swept_alone": (
        "3.0 s"
    ),
    "tests/test_contrast_sweeps.py::test_a_contrast_sweep_resumes_to_the_same_table": "2.5 s",
    "tests/test_contrast_sweeps.py::test_a_sobol_contrast_with_a_switch_and_an_integer": "2.5 s",
    "tests/test_survey.py::test_anes96_electorate_matches_the_survey": "2.5 s",
    # sixth run (JIT off, so the "threaded" builds run as Python): rng's 31 survivors paid 93 s
    "tests/test_threads.py::test_python_threads_can_run_threaded_kernels_at_once": "73 s",
    "tests/test_threads.py::"
    "test_a_run_is_the_same_for_one_thread_three_threads_and_the_serial_build": "20 s",
}

ALSO_COPY = [
    "experiments",
    "scenarios",
    "docs",
    "results",
    "benchmarks",
    "scripts",
    "README.md",
    "CHANGELOG.md",
]


def slug(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def make_copy(dest: Path, committed: bool = False) -> None:
    """HEAD of the checkout plus the working-tree version of tracked files changed since HEAD
    (unless ``committed``) and of untracked files that git does not ignore."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    tar = subprocess.run(
        ["git", "-C", str(REPO), "archive", "HEAD"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(dest, filter="data")
    changed = subprocess.run(
        ["git", "-C", str(REPO), "diff", "--name-only", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in [] if committed else changed:
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
        elif (dest / name).exists():
            (dest / name).unlink()
    # files not yet committed (a new test file named in MODULES, say): copied as they are
    untracked = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--others", "--exclude-standard", "-z"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, untracked):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(x) for x in items) + "]"


def selection(tests: list[str]) -> list[str]:
    """pytest arguments selecting a module's tests, the slow ones (DESELECT) left out."""
    return [*tests, *(a for t in DESELECT for a in ("--deselect", t))]


def configure(copy: Path, module: str, tests: list[str], timeout_multiplier: float) -> None:
    table = (
        "\n\n[tool.mutmut]\n"
        'source_paths = ["model"]\n'
        f"only_mutate = {toml_list([module])}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(selection(tests))}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:randomly"]\n'
        f"also_copy = {toml_list(ALSO_COPY)}\n"
        f"timeout_multiplier = {timeout_multiplier}\n"
        "use_git_change_detection = false\n"
    )
    with open(copy / "pyproject.toml", "a") as f:
        f.write(table)


# `mutmut show NAME` for every name on stdin, in one process (run in a working copy); mutmut 3's
# own functions, as its `show` command calls them
SHOW_ALL = """
import sys
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

where = {}
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path)
    data.load()
    for key in data.exit_code_by_key:
        where[key] = data
for name in sys.stdin.read().split():
    data = where[name]
    print(f"# {name}: {status_by_exit_code[data.exit_code_by_key[name]]}")
    print(get_diff_for_mutant(name, path=data.path))
    print()
"""


def mutmut(
    copy: Path, args: list[str], env: dict[str, str], log=None
) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "mutmut"
    return subprocess.run(
        [str(exe), *args],
        cwd=copy,
        env=env,
        text=True,
        stdout=log if log else subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def run_module(module: str, tests: list[str], ns: argparse.Namespace) -> dict | None:
    copy = WORK / slug(module)
    print(f"\n=== {module}  (tests: {' '.join(tests)})", flush=True)
    make_copy(copy, committed=ns.committed)
    configure(copy, module, tests, ns.timeout_multiplier)
    env = dict(os.environ)
    if ns.jit:
        env.pop("NUMBA_DISABLE_JIT", None)
    else:
        env["NUMBA_DISABLE_JIT"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    start = time.monotonic()
    with open(copy / "mutmut-run.log", "w") as log:
        proc = mutmut(copy, ["run", "--max-children", str(ns.jobs)], env, log)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        print(f"mutmut run failed (exit {proc.returncode}); last lines of {copy}/mutmut-run.log:")
        print("".join(open(copy / "mutmut-run.log").readlines()[-25:]))
        return None
    mutmut(copy, ["export-cicd-stats"], env)
    stats_file = copy / "mutants" / "mutmut-cicd-stats.json"
    if not stats_file.exists():
        print(f"no statistics written ({stats_file})")
        return None
    stats = json.loads(stats_file.read_text())
    # surviving mutants with their diffs
    listing = mutmut(copy, ["results"], env).stdout
    survivors = [
        line.strip().split(":")[0]
        for line in listing.splitlines()
        if line.strip().endswith(": survived")
    ]
    untested = [
        line.strip().split(":")[0]
        for line in listing.splitlines()
        if line.strip().endswith(": no tests")
    ]
    # "no tests": no selected test calls the function. One process shows them all (the same
    # text as `mutmut show NAME` each; one process per survivor cost ~1 s each, 8 min a run)
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_ALL],
        cwd=copy,
        env=env,
        input="\n".join(survivors + untested),
        text=True,
        capture_output=True,
    )
    if shown.returncode != 0:
        print(f"could not list the survivors: {shown.stderr.strip().splitlines()[-1:]}")
    (copy / "survivors.txt").write_text(shown.stdout)
    tested = stats["total"] - stats.get("skipped", 0)
    score = 100.0 * (stats["killed"] + stats["timeout"]) / tested if tested else 0.0
    row = dict(
        module=module,
        wall_s=round(wall),
        score=round(score, 1),
        survivors=survivors,
        untested=untested,
        **stats,
    )
    print(
        f"{module}: killed {stats['killed']} / survived {stats['survived']} / timeout "
        f"{stats['timeout']} / no tests {stats['no_tests']} / total {stats['total']} -> "
        f"score {score:.1f} %  ({wall:.0f} s)  survivors: {copy}/survivors.txt",
        flush=True,
    )
    return row


def table(rows: list[dict]) -> str:
    lines = [
        "| module | killed | survived | timeout | no tests | suspicious | total | score | wall |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['module']} | {r['killed']} | {r['survived']} | {r['timeout']} | "
            f"{r['no_tests']} | {r['suspicious']} | {r['total']} | {r['score']:.1f} % | "
            f"{r['wall_s']} s |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("modules", nargs="*", help="modules to mutate (default: all of MODULES)")
    p.add_argument("--list", action="store_true", help="print modules and their tests, then stop")
    p.add_argument("--jit", action="store_true", help="keep numba's JIT on (default: disabled)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2, help="mutmut workers")
    p.add_argument("--timeout-multiplier", type=float, default=10.0)
    p.add_argument(
        "--committed",
        action="store_true",
        help="leave out uncommitted edits of tracked files (keep new, untracked ones): measure "
        "new tests against the committed model while someone edits the checkout",
    )
    ns = p.parse_args(argv)
    if ns.list:
        for m, t in MODULES.items():
            print(f"{m}: {' '.join(t)}")
        return 0
    modules = ns.modules or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        p.error(f"unknown module(s) {unknown}; known: {', '.join(MODULES)}")
    WORK.mkdir(parents=True, exist_ok=True)
    rows, failed = [], []
    for m in modules:
        row = run_module(m, MODULES[m], ns)
        (rows.append(row) if row else failed.append(m))
    print("\n" + table(rows))
    (WORK / "summary.md").write_text(table(rows) + "\n")
    (WORK / "summary.json").write_text(json.dumps(rows, indent=1) + "\n")
    if failed:
        print(f"\nmutmut failed for: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
