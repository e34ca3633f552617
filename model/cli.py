"""The ``socialweb`` command (also ``python -m model``): run, compare, sweep, validate, params.

Exit codes: 0 success, 1 unexpected failure, 2 bad input or usage. Results (paths, tables) go to
stdout — the last line is the output folder —, messages and progress to stderr. Bad input is one
line per problem, ``FILE: key.path: expected …, got …``, and nothing is written.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """A bad command line (exit 2)."""


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


MAX_SEED = 2**63 - 1  # the scenario's own limit (``seed`` in model/config/schema.py)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer in [0, {MAX_SEED}], got {text[:40]!r}"
        ) from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"expected an integer in [0, {MAX_SEED}], got {text[:40]!r}"
        )
    return value


def _progress(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        choices=("auto", "bar", "log", "none"),
        default="auto",
        help="progress display on stderr (default: a bar on a terminal, else a few log lines)",
    )


def _scenario_options(
    p: argparse.ArgumentParser,
    *,
    seed: bool = True,
    of: str = "",
    seed_help: str = "seed (default: the scenario's)",
) -> None:
    """--seed, --steps, --citizens, --set: what every command that runs a scenario takes
    (``of`` names what they change, e.g. "the base scenario")."""
    if seed:
        p.add_argument("--seed", type=_seed, help=seed_help)
    p.add_argument("--steps", type=_positive_int, help="override the number of steps")
    p.add_argument("--citizens", type=_positive_int, help="override population.citizens")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="DOTTED.PATH=VALUE",
        help=f"override any key of {of or 'the scenario'}, e.g. "
        "parties.blue.champions.guidance=0.5 (repeatable)",
    )


def _jobs(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--jobs",
        type=_positive_int,
        default=1,
        help="worker processes (default 1; results do not depend on it)",
    )


def _replicates(p: argparse.ArgumentParser, help: str, default: int | None = None) -> None:
    p.add_argument("--replicates", type=_positive_int, default=default, help=help)


def _backend(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        choices=("local", "dask"),
        default="local",
        help="local processes (default) or a Dask cluster",
    )
    p.add_argument(
        "--scheduler",
        help="Dask scheduler address (default with --backend dask: "
        "a LocalCluster of --jobs workers)",
    )


def _memory(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-memory",
        metavar="SIZE",
        help="refuse runs or designs estimated to need more memory than this, e.g. 8G "
        "(default: this machine's memory; also $SOCIALWEB_MAX_MEMORY)",
    )


def _common(p: argparse.ArgumentParser, **scenario_options: Any) -> None:
    _scenario_options(p, **scenario_options)
    _memory(p)
    p.add_argument("--out", help="output folder (default: a new folder under results/)")
    _progress(p)


def build_parser() -> Parser:
    parser = Parser(
        prog="socialweb",
        description="Agent-based simulator of political parties, "
        "citizens and champions on the social web.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    p = sub.add_parser("run", help="run one scenario, write its time series, summary and plots")
    p.add_argument("scenario", help="scenario YAML file")
    _common(p)
    p.add_argument("--agents", action="store_true", help="also write agents.parquet")

    p = sub.add_parser("compare", help="run scenarios on the same seeds and pair their outcomes")
    p.add_argument("scenarios", nargs="+", help="scenario YAML files")
    p.add_argument(
        "--posterior",
        metavar="FILE",
        help="parameter draws (parquet or CSV, one column per scenario key, e.g. the "
        "posterior.parquet of socialweb calibrate): replicate r runs every scenario with one "
        "draw, so intervals include parameter uncertainty",
    )
    p.add_argument(
        "--baseline",
        metavar="NAME",
        help="scenario (by name) whose contrasts are primary and unadjusted; every other "
        "contrast is Holm-adjusted (default: the first scenario)",
    )
    _replicates(p, "paired replicates per scenario (default 10)", default=10)
    _jobs(p)
    _common(p)

    p = sub.add_parser(
        "game",
        help="the rival responds: every pair of the two parties' strategies on common random "
        "numbers; payoffs, best responses, pure equilibria",
    )
    p.add_argument("game", help="game YAML file (e.g. experiments/arms_race.yaml)")
    _replicates(p, "paired replicates per cell (default: the game file's)")
    p.add_argument(
        "--posterior",
        metavar="FILE",
        help="parameter draws, as for compare: replicate r of every cell runs with one draw",
    )
    _jobs(p)
    _common(p)

    p = sub.add_parser(
        "calibrate",
        help="fit the model's parameters to data: hold-out checks against a standard baseline, "
        "posterior draws (e.g. experiments/calibration/anes96_vote.yaml)",
    )
    p.add_argument("calibration", help="calibration YAML file")
    p.add_argument("--out", help="output folder (default: a new folder under results/)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="reuse the finished calibration of the same file in --out instead of refitting; "
        "target simulation: continue a stopped ABC-SMC run from its last generation",
    )
    _jobs(p)
    _backend(p)
    _progress(p)

    p = sub.add_parser("sweep", help="run an experiment file: a design × replicates of runs")
    p.add_argument("experiment", help="experiment YAML file")
    _backend(p)
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish the sweep in --out without repeating runs (with --replicates: add "
        "replicates to it, finished or not)",
    )
    _replicates(p, "replicates per design point (default: the experiment file's)")
    _scenario_options(p, seed=False, of="the base scenario")
    _jobs(p)
    p.add_argument("--out", help="output folder (default: a new folder under results/)")
    _progress(p)
    _memory(p)

    p = sub.add_parser(
        "robust",
        help="decisions under deep uncertainty: every policy in every sampled world on common "
        "random numbers; share of worlds where each is best, regret, PRIM scenario discovery",
    )
    p.add_argument("experiment", help="robust YAML file (e.g. experiments/robust_strategies.yaml)")
    p.add_argument(
        "--worlds",
        type=_positive_int,
        help="worlds to sample (Latin hypercube; default: the file's)",
    )
    _replicates(p, "replicates per world and policy (default: the file's)")
    p.add_argument(
        "--posterior",
        metavar="FILE",
        help="parameter draws (parquet or CSV, one column per scenario key, e.g. the "
        "posterior.parquet of socialweb calibrate): each world runs with one draw, the same for "
        "every policy, so the worlds sample the calibrated parameters too",
    )
    _backend(p)
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish the robust run in --out without repeating runs",
    )
    _jobs(p)
    _common(
        p,
        of="every policy's scenario",
        seed_help="seed of the worlds' sample and of the replicates (default: the file's)",
    )

    p = sub.add_parser(
        "analyze",
        help="summarise a finished sweep: tables with CIs, response "
        "curves, heatmaps, Sobol indices, cost frontier, report.md",
    )
    p.add_argument("folder", help="the sweep's output folder")
    p.add_argument(
        "--party",
        help="party for the cost frontier (default: every party with vote_share and cost outputs)",
    )
    p.add_argument(
        "--progress",
        choices=("auto", "bar", "log", "none"),
        default="auto",
        help="progress on stderr: one line per stage (loading, summaries, effects, each plot, "
        "the report) unless none",
    )

    p = sub.add_parser("app", help="the classroom app in the browser (one shared world)")
    p.add_argument(
        "scenario", nargs="?", help="scenario YAML file (default scenarios/classroom.yaml)"
    )
    p.add_argument("--port", type=_positive_int, default=8765, help="port (default 8765)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 lets a classroom's devices connect)",
    )

    p = sub.add_parser("animate", help="write a GIF or MP4 of the network and the vote for slides")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--out", required=True, help="output file, .gif or .mp4")
    _scenario_options(p)
    p.add_argument("--fps", type=_positive_int, default=8, help="frames per second (default 8)")
    p.add_argument(
        "--colour",
        choices=["change", "opinion"],
        default="change",
        help="colour people by how far their opinion moved since day 0 (change, the default, "
        "on a scale fitted to the run) or by their opinion on [-1, 1] with the party lines "
        "marked (opinion)",
    )
    _memory(p)
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    _progress(p)

    p = sub.add_parser(
        "validate",
        help="check scenario, experiment, game and robust files; one line per problem",
    )
    p.add_argument("files", nargs="+", help="scenario, experiment, game or robust YAML files")
    _memory(p)

    p = sub.add_parser(
        "params",
        help="print every scenario key with its default, range and source (the Markdown table "
        "of docs/PARAMETERS.md), or only the keys matching a filter, as readable text",
    )
    p.add_argument(
        "filter",
        nargs="?",
        help="show only keys whose path contains this text, e.g. guidance or champions",
    )

    p = sub.add_parser(
        "findings",
        help="rewrite README.md's 'what it says today' paragraph from a comparison's results",
    )
    p.add_argument(
        "folder", help="the output folder of `socialweb compare` of the reference scenarios"
    )
    p.add_argument("--readme", default="README.md", help="the file to update (default README.md)")
    p.add_argument("--party", default="blue", help="the focal party (default blue)")
    p.add_argument(
        "--robustness",
        default="docs/robustness.json",
        help="robustness.json of `socialweb robustness`, for the headline sentence (default "
        "docs/robustness.json; skipped if missing)",
    )
    p.add_argument(
        "--robust",
        default="docs/robust.json",
        help="robust.json (or its folder) of `socialweb robust`, for the deep-uncertainty "
        "sentence (default docs/robust.json; skipped if missing)",
    )
    p.add_argument(
        "--sobol",
        default="docs/sobol_champion_effect.json",
        help="sobol.json (or the sweep folder) of `socialweb analyze` of a Sobol sweep, for the "
        "sentence on which guesses drive the effect (default docs/sobol_champion_effect.json; "
        "skipped if missing)",
    )
    p.add_argument(
        "--game",
        default="docs/arms_race.json",
        help="game.json (or its folder) of `socialweb game`, for the rival's-response sentence "
        "(default docs/arms_race.json; skipped if missing)",
    )

    p = sub.add_parser(
        "essay",
        help="docs/ESSAY.md: each claim of the essay, its test, a rule stated in advance, the "
        "result with its interval and the verdict, from three finished outputs",
    )
    p.add_argument(
        "--compare",
        required=True,
        help="output folder of `socialweb compare` of the reference scenarios plus offline_only",
    )
    p.add_argument(
        "--eras", required=True, help="output folder of experiments/eras_by_strategy.yaml"
    )
    p.add_argument(
        "--movement", required=True, help="output folder of experiments/movement_response.yaml"
    )
    p.add_argument(
        "--partnership",
        required=True,
        help="output folder of experiments/partnership_cycles.yaml",
    )
    p.add_argument(
        "--out", default="docs", help="folder for ESSAY.md and essay.json (default docs)"
    )

    p = sub.add_parser(
        "robustness",
        help="the reference contrasts across sizes, networks, feeds, seeds, a rival and "
        "stated guesses; write docs/ROBUSTNESS.md, robustness.json and its figure",
    )
    p.add_argument("--out", default="docs", help="folder for ROBUSTNESS.md (default docs)")
    p.add_argument(
        "--scenarios", default="scenarios", help="folder of the reference scenario files"
    )
    _replicates(p, "paired replicates per scenario and condition (default 20)", default=20)
    _jobs(p)
    _progress(p)
    _memory(p)

    p = sub.add_parser(
        "validation",
        help="rerun the literature validation; write docs/VALIDATION.md and its figures",
    )
    p.add_argument("--out", default="docs", help="folder for VALIDATION.md (default docs)")
    p.add_argument(
        "--experiments",
        default="experiments/validation",
        help="folder of the validation experiment files",
    )
    _replicates(p, "override every case's replicates (default: the experiment files')")
    _jobs(p)
    p.add_argument("--case", action="append", dest="cases", help="run only this case (repeatable)")
    return parser


def _overrides(args: argparse.Namespace) -> dict:
    from model.config.load import parse_override

    out = dict(parse_override(text) for text in args.overrides)
    if args.citizens is not None:
        out["population.citizens"] = args.citizens
    if args.steps is not None:
        out["steps"] = args.steps
    return out


class _Checked:
    """A file validated that holds no scenario to advise on (a calibration file)."""

    base = None


def _load_any(file: str):
    """A scenario or an experiment, told apart by their top-level keys."""
    from model.config.experiment import load_experiment, looks_like_experiment
    from model.config.load import read_yaml
    from model.config.robust import looks_like_robust
    from model.runner import check_files, load_scenario

    data = read_yaml(Path(file))
    if isinstance(data, dict) and looks_like_robust(data):
        from model.config.robust import load_robust

        robust = load_robust(file)
        for name, exp in robust.policies.items():
            check_files(exp.base, f"{file} (policy {name})")
        return robust
    if isinstance(data, dict) and "players" in data:
        from model.game import load_game

        return load_game(file)
    if isinstance(data, dict) and data.get("target") == "simulation":  # a calibration file
        from model.calibrate import load_calibration

        load_calibration(file)
        return _Checked()
    if isinstance(data, dict) and "survey" in data and "vote" in data:  # a calibration file
        from model.calibrate import load_calibration, respondents
        from model.config import ConfigError
        from model.config.survey import SurveyError

        calibration = load_calibration(file)
        try:
            respondents(calibration)
        except SurveyError as err:
            raise ConfigError([f"{err.file}: {err.message} (survey.source of {file})"]) from None
        return _Checked()
    if looks_like_experiment(data):
        experiment = load_experiment(file)
        check_files(experiment.base, file)
        return experiment
    return load_scenario(file)


def cmd_validate(args: argparse.Namespace) -> int:
    from model.config import ConfigError

    problems, checked = [], []
    for file in args.files:
        try:
            checked.append(_load_any(file))
        except ConfigError as err:
            problems += err.problems
    for line in problems:
        _say(line)
    if problems:
        return EXIT_BAD_INPUT
    for file, loaded in zip(args.files, checked, strict=True):
        for note in getattr(loaded, "notes", ()):  # as sweep says it, e.g. how base: was found
            _say(f"note: {note}")
        if hasattr(loaded, "cells"):  # a game: every cell's scenario
            for first, second in loaded.cells():
                _advise(f"{file} ({first} vs {second})", loaded.scenario(first, second))
        elif hasattr(loaded, "policies"):  # a robust file: every policy's scenario
            for name, exp in loaded.policies.items():
                _advise(f"{file} (policy {name})", exp.base)
        elif not isinstance(loaded, _Checked):
            _advise(file, getattr(loaded, "base", loaded))
        print(f"{file}: ok")
    return EXIT_OK


def _advise(file: str, scenario) -> None:
    """Warnings for valid settings that are probably not what was meant (stderr)."""
    from model.config.load import advisories

    for line in advisories(scenario):
        _say(f"{file}: warning: {line}")


def cmd_run(args: argparse.Namespace) -> int:
    from model.progress import Progress
    from model.report import write_run
    from model.runner import load_scenario, run
    from model.store import output_folder

    scenario = load_scenario(args.scenario, _overrides(args))
    _advise(args.scenario, scenario)
    with (
        output_folder(args.out, scenario.name) as out,
        Progress(f"run {scenario.name}", args.progress, "steps") as bar,
    ):
        result = run(
            scenario, seed=args.seed, progress=bar.update, agents=True if args.agents else None
        )
        write_run(result, out)
    f = result.summary["final"]
    votes = ", ".join(f"{p} {100 * v:.1f}%" for p, v in f["vote_share"].items())
    print(
        f"{scenario.name}: seed {result.seed}, {result.summary['steps']} steps, "
        f"{result.wall_time:.1f} s; vote {votes}; turnout {100 * f['turnout']:.1f}%"
    )
    print(out)
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from model.comparison import compare
    from model.config import ConfigError, limits
    from model.progress import Progress
    from model.report import write_comparison
    from model.runner import load_scenario
    from model.store import output_folder

    overrides = _overrides(args)
    scenarios, problems = [], []
    for file in args.scenarios:
        try:
            scenarios.append(load_scenario(file, overrides))
        except ConfigError as err:
            problems += err.problems
    if problems:
        raise ConfigError(problems)
    names = [s.name for s in scenarios]
    if args.baseline is not None and args.baseline not in names:
        raise UsageError(
            f"socialweb compare: --baseline: expected one of the scenario names "
            f"({', '.join(names)}), got {args.baseline!r}"
        )
    for file, scenario in zip(args.scenarios, scenarios, strict=True):
        _advise(file, scenario)
    limits.check_runs(
        scenarios, concurrent=min(args.jobs, len(scenarios) * args.replicates), source="compare"
    )
    label = (
        "compare-"
        + "-vs-".join(s.name for s in scenarios[:3])
        + ("-etc" if len(scenarios) > 3 else "")
    )
    seed = args.seed if args.seed is not None else scenarios[0].seed
    posterior = None
    if args.posterior:
        from model.comparison import read_posterior

        posterior = read_posterior(args.posterior, scenarios[0])
        for scenario in scenarios[1:]:
            read_posterior(args.posterior, scenario)  # each scenario accepts every draw
        _say(
            f"compare: --posterior {args.posterior}: {len(posterior)} draws of "
            f"{', '.join(posterior.columns)}; one per replicate, the same in every scenario"
        )
        _warn_inert_posterior("compare", posterior, scenarios)
    start = time.perf_counter()
    total = len(scenarios) * args.replicates
    with (
        output_folder(args.out, label) as out,
        Progress(
            f"compare ({total} runs, {args.jobs} job{'s' if args.jobs > 1 else ''})",
            args.progress,
            "runs",
        ) as bar,
    ):
        comp = compare(
            scenarios,
            replicates=args.replicates,
            seed=seed,
            jobs=args.jobs,
            progress=bar.update,
            baseline=args.baseline,
            posterior=posterior,
        )
        write_comparison(
            comp,
            out,
            seed=seed,
            replicates=args.replicates,
            jobs=args.jobs,
            wall_time_s=round(time.perf_counter() - start, 3),
        )
    c = comp.comparison
    for name, entry in c["scenarios"].items():
        votes = ", ".join(f"{p} {100 * entry['vote_share'][p]['mean']:.1f}%" for p in c["parties"])
        print(f"{name}: vote {votes}")
    print(out / "report.md")
    print(out)
    return EXIT_OK


def _warn_inert_posterior(command: str, posterior, scenarios) -> None:
    """A posterior key that the scenarios' settings make inert: λ under argmax choice."""
    if "election.choice_scale" in posterior.columns:
        inert = [s.name for s in scenarios if s.election.choice != "logit"]
        if inert:
            _say(
                f"{command}: warning: election.choice_scale draws act only with "
                f"election.choice logit; {', '.join(sorted(set(inert)))} use argmax "
                "(add --set election.choice=logit)"
            )


def _check_streaming(args: argparse.Namespace, command: str, work: str) -> None:
    """The usage rules of a command whose runs stream into --out (sweep, robust)."""
    if args.resume and not args.out:
        raise UsageError(
            f"socialweb {command}: --resume needs --out, the folder of the {work} to finish"
        )
    if args.scheduler and args.backend != "dask":
        raise UsageError(f"socialweb {command}: --scheduler is only used with --backend dask")


@contextlib.contextmanager
def _streaming(args: argparse.Namespace, out: Path, label: str):
    """The executor (local processes or Dask) and the progress display of a command whose runs
    stream into ``out``; if it fails, a new folder under results/ it never wrote in goes."""
    from model.progress import Progress
    from model.sweeps import executor_for

    try:
        with (
            executor_for(args.backend, jobs=args.jobs, scheduler=args.scheduler) as executor,
            Progress(label, args.progress, "runs") as bar,
        ):
            yield executor, bar
    except BaseException:
        if not args.out:  # the new folder under results/, if the command never wrote in it
            with contextlib.suppress(OSError):
                out.rmdir()
        raise


def cmd_sweep(args: argparse.Namespace) -> int:
    from model.config.experiment import load_experiment
    from model.report import write_sweep
    from model.runner import check_files
    from model.store import choose_output
    from model.sweeps import check_folder, sweep

    overrides = _overrides(args)
    experiment = load_experiment(args.experiment, overrides, args.replicates)
    for note in experiment.notes:
        _say(f"note: {note}")
    check_files(experiment.base, args.experiment)
    _check_streaming(args, "sweep", "sweep")
    if args.out:
        check_folder(experiment, Path(args.out), resume=args.resume)  # before any cluster starts
    out = Path(args.out) if args.out else choose_output(None, f"sweep-{experiment.name}")
    total = len(experiment.points()) * experiment.replicates
    start = time.perf_counter()
    label = f"sweep {experiment.name} ({total} runs, {args.backend})"

    def finish(table):  # runs.parquet last, while sweep() still holds the folder's lock
        write_sweep(
            experiment,
            table,
            table.attrs["failed"],
            out,
            backend=args.backend,
            jobs=args.jobs,
            overrides=overrides,  # the analysis report states them
            wall_time_s=round(time.perf_counter() - start, 3),
        )

    with _streaming(args, out, label) as (executor, bar):
        runs = sweep(
            experiment,
            jobs=args.jobs,
            progress=bar.update,
            executor=executor,
            out=out,
            resume=args.resume,
            finish=finish,
        )
    failed = runs.attrs["failed"]
    print(f"{experiment.name}: {len(runs)} runs done, {len(failed)} failed")
    if len(failed):
        print(f"failed runs: {out / 'failed'}", file=sys.stderr)
    print(out)
    return EXIT_OK if not len(failed) else EXIT_FAILED


def cmd_robust(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("ema_workbench") is None:
        raise UsageError(
            "socialweb robust: needs the EMA workbench for scenario discovery (PRIM): "
            "pip install 'socialweb[robust]'"
        )
    from model import robust as R
    from model.config import limits
    from model.config.robust import load_robust
    from model.runner import check_files
    from model.store import choose_output

    design = load_robust(
        args.experiment,
        _overrides(args),
        worlds=args.worlds,
        replicates=args.replicates,
        seed=args.seed,
    )
    for note in design.notes:
        _say(f"note: {note}")
    for name, exp in design.policies.items():
        check_files(exp.base, f"{args.experiment} (policy {name})")
        _advise(f"{args.experiment} (policy {name})", exp.base)
    if args.posterior:
        from model.comparison import read_posterior

        bases = [exp.base for exp in design.policies.values()]
        posterior = read_posterior(args.posterior, bases[0])
        for base in bases[1:]:
            read_posterior(args.posterior, base)  # every policy accepts every draw
        design = R.with_posterior(design, posterior, args.posterior)
    _check_streaming(args, "robust", "robust run")
    total = len(design.policies) * design.worlds * design.replicates
    limits.check_runs(
        [e.base for e in design.policies.values()],
        concurrent=min(args.jobs, total),
        source="robust",
    )
    if args.out:
        R.check_folder(design, Path(args.out), resume=args.resume)  # before any cluster starts
    if args.posterior:  # said once the input is known good: bad input stays one line
        for note in design.posterior_notes:
            _say(f"note: {note}")
        _say(
            f"robust: --posterior {args.posterior}: {len(posterior)} draws of "
            f"{', '.join(posterior.columns)}; one per world, the same for every policy"
        )
        _warn_inert_posterior("robust", posterior, bases)
    out = Path(args.out) if args.out else choose_output(None, f"robust-{design.name}")
    command = (
        f"socialweb robust {args.experiment} --worlds {design.worlds} --replicates "
        f"{design.replicates} --seed {design.seed}"
        + "".join(f" --set {o}" for o in args.overrides)
        + (f" --citizens {args.citizens}" if args.citizens else "")
        + (f" --steps {args.steps}" if args.steps else "")
        + (f" --posterior {args.posterior}" if args.posterior else "")
    )
    start = time.perf_counter()
    results: list[dict] = []

    def finish(runs) -> None:  # while run_robust still holds the folder's lock
        results.append(
            R.write_robust(
                design,
                runs,
                out,
                command=command,
                backend=args.backend,
                jobs=args.jobs,
                wall_time_s=round(time.perf_counter() - start, 3),
            )
        )

    label = f"robust {design.name} ({total} runs, {args.backend})"
    with _streaming(args, out, label) as (executor, bar):
        R.run_robust(
            design,
            out,
            jobs=args.jobs,
            progress=bar.update,
            executor=executor,
            resume=args.resume,
            finish=finish,
        )
    result = results[0]
    for name in result["ranking"]:
        s, r = result["policies"][name]["share_best"], result["policies"][name]["regret"]
        print(
            f"{name}: best in {100 * s['p']:.0f}% of worlds "
            f"[{100 * s['ci_low']:.0f}, {100 * s['ci_high']:.0f}], mean regret "
            f"{r['mean']:.2f} pp [{r['ci_low']:.2f}, {r['ci_high']:.2f}], max {r['max']:.2f} pp"
        )
    print(out / "report.md")
    print(out)
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not (folder / "runs.parquet").exists() or not (folder / "sweep.json").exists():
        raise UsageError(
            f"socialweb analyze: {folder}: expected a finished sweep folder "
            "(with runs.parquet and sweep.json)"
        )
    from model.analysis import load_sweep

    load_sweep(folder)  # bad input is one line and nothing else: checked before any progress
    # one line per stage on stderr (none with --progress none): the work takes seconds
    quiet = args.progress == "none"
    start = time.perf_counter()

    def stage(text: str) -> None:
        if not quiet:
            _say(f"analyze: {text} ({time.perf_counter() - start:.0f}s)")

    stage(f"{folder}: loading the plotting libraries")
    from model.report import write_analysis

    # replaces analysis/ once the inputs are read
    out = write_analysis(folder, party=args.party, progress=stage)
    stage("done")
    print(out / "report.md")
    print(out)
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    import shutil

    from model.runner import load_scenario

    app = Path(__file__).resolve().parent / "app.py"
    env = dict(os.environ)
    # Solara's "This website runs on Solara" banner is pinned over the page's bottom right
    # corner, where it covers the last chart's axis; the tab's title names the app
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    env.setdefault("SOLARA_THEME_TITLE", "socialweb classroom")
    if args.scenario:
        scenario = load_scenario(args.scenario)  # bad input: one line, exit 2, before serving
        if not scenario.parties:
            raise UsageError(f"socialweb app: {args.scenario}: the app needs at least one party")
        env["SOCIALWEB_APP_SCENARIO"] = str(Path(args.scenario).resolve())
    solara = shutil.which("solara", path=str(Path(sys.executable).parent)) or shutil.which("solara")
    if solara is None:
        raise UsageError("socialweb app: solara is not installed (scripts/bootstrap installs it)")
    print(f"socialweb app: http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    os.execve(
        solara,
        [solara, "run", str(app), "--host", args.host, "--port", str(args.port), "--production"],
        env,
    )
    return EXIT_FAILED  # pragma: no cover - execve does not return


def cmd_animate(args: argparse.Namespace) -> int:
    from model.animate import AnimationError, animate, check_output
    from model.progress import Progress
    from model.runner import load_scenario

    out = Path(args.out)
    try:
        check_output(out, overwrite=args.overwrite)
    except AnimationError as err:
        raise UsageError(str(err)) from None
    scenario = load_scenario(args.scenario, _overrides(args))
    with Progress(f"animate {scenario.name}", args.progress, "frames") as bar:
        animate(
            scenario,
            out,
            seed=args.seed,
            fps=args.fps,
            progress=bar.update,
            overwrite=args.overwrite,
            colour_by="opinion" if args.colour == "opinion" else "change since day 0",
        )
    print(out)
    return EXIT_OK


def cmd_validation(args: argparse.Namespace) -> int:
    from model import validation

    unknown = [c for c in args.cases or [] if c not in validation.CASES]
    if unknown:
        raise UsageError(
            f"socialweb validation: --case: unknown case {unknown[0]!r}; expected "
            f"one of {', '.join(validation.CASES)}"
        )
    page, results = validation.build(
        Path(args.out),
        Path(args.experiments),
        replicates=args.replicates,
        jobs=args.jobs,
        cases=args.cases,
        command="socialweb validation --jobs 2",
        progress=lambda name: print(f"validation: {name}", file=sys.stderr, flush=True),
    )
    for r in results:
        print(
            f"{r.key}: {'pass' if r.passed else 'FAIL'} "
            f"({sum(c.passed for c in r.checks if c.compared)}/"
            f"{sum(c.compared for c in r.checks)} checks)"
        )
    print(page)
    return EXIT_OK if all(r.passed for r in results) else EXIT_FAILED


def cmd_game(args: argparse.Namespace) -> int:
    import pandas as pd

    from model import game as G
    from model.comparison import run_all
    from model.config import limits
    from model.progress import Progress
    from model.store import output_folder, staged, write_json, write_parquet, write_text

    game = G.load_game(args.game, _overrides(args))
    posterior = None
    if args.posterior:
        from model.comparison import read_posterior

        for first, second in game.cells():
            posterior = read_posterior(args.posterior, game.scenario(first, second))
        _say(
            f"game: --posterior {args.posterior}: {len(posterior)} draws of "
            f"{', '.join(posterior.columns)}; one per replicate, the same in every cell"
        )
        _warn_inert_posterior("game", posterior, [game.scenario(*c) for c in game.cells()])
    todo = G.tasks(game, args.replicates, args.seed, posterior)
    cells = list({id(t[0]): t[0] for t in todo}.values())
    limits.check_runs(cells, concurrent=min(args.jobs, len(todo)), source="game")
    command = (
        f"socialweb game {args.game}"
        + (f" --replicates {args.replicates}" if args.replicates else "")
        + (f" --seed {args.seed}" if args.seed is not None else "")
    )
    with (
        output_folder(args.out, f"game-{game.name}") as out,
        Progress(
            f"game {game.name} ({len(todo)} runs, {args.jobs} job{'s' if args.jobs > 1 else ''})",
            args.progress,
            "runs",
        ) as bar,
    ):
        runs = pd.DataFrame(run_all(todo, jobs=args.jobs, progress=bar.update, fn=G._cell))
        result = G.analyse(game, runs)
        if posterior is not None:
            result["interval"] = (
                "Student-t over replicates (win: Wilson), covering replicate noise and the "
                f"posterior's parameter uncertainty ({len(posterior)} draws of "
                f"{', '.join(posterior.columns)} from {args.posterior}; replicate r of every cell "
                "ran one draw)"
            )
        with staged(out) as stage:
            write_parquet(runs, stage / "runs.parquet")
            write_json(result, stage / "game.json")
            from model.plots import save

            save(G.heatmaps(game, result), stage / "game.png")
            write_text(G.markdown(game, result, command), stage / "report.md")
    a, b = game.players
    for e in result["equilibria"]:
        print(f"equilibrium: {a} {e[a]}, {b} {e[b]}")
    if not result["equilibria"]:
        print("no pure-strategy equilibrium")
    print(out / "report.md")
    print(out)
    return EXIT_OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    from model import calibrate as C
    from model.config import ConfigError
    from model.config.survey import SurveyError
    from model.plots import save
    from model.progress import Progress
    from model.store import output_folder, staged, write_json, write_parquet, write_text

    cal = C.load_calibration(args.calibration)
    if args.scheduler and args.backend != "dask":
        raise UsageError("socialweb calibrate: --scheduler is only used with --backend dask")
    if isinstance(cal, C.SimCalibration):
        return _calibrate_simulation(args, cal)
    if args.resume:
        if not args.out:
            raise UsageError("socialweb calibrate: --resume needs --out, the folder to reuse")
        if C.finished(Path(args.out), cal):
            _say(f"calibrate {cal.name}: already finished in {args.out} (same file); not refitted")
            print(Path(args.out) / "report.md")
            print(args.out)
            return EXIT_OK
    try:
        C.respondents(cal)  # every problem with the data before an output folder exists
    except SurveyError as err:
        raise ConfigError(
            [f"{err.file}: {err.message} (survey.source of {args.calibration})"]
        ) from None
    command = f"socialweb calibrate {args.calibration}"
    with (
        output_folder(args.out, f"calibrate-{cal.name}") as out,
        Progress(f"calibrate {cal.name}", args.progress, "stages") as bar,
    ):
        result, posterior, plot = C.fit(cal, progress=bar.update)
        with staged(out) as stage:
            write_json(result, stage / "calibration.json")
            write_parquet(posterior, stage / "posterior.parquet")
            save(C.figure(cal, result, plot), stage / "calibration.png")
            write_text(C.markdown(cal, result, command), stage / "report.md")
    for caution in result["cautions"]:
        _say(f"calibrate {cal.name}: caution: {caution}")
    est = result["parameters"]
    h = result["holdout"]
    print(
        f"{cal.name}: affinity_weight {est['election.affinity_weight']['estimate']:.3f}, "
        f"choice_scale {est['election.choice_scale']['estimate']:.3f}; hold-out accuracy "
        f"{100 * h['model']['accuracy']['mean']:.1f} % (baseline "
        f"{100 * h['baseline']['accuracy']['mean']:.1f} %)"
    )
    print(out / "report.md")
    print(out)
    return EXIT_OK


def _calibrate_simulation(args: argparse.Namespace, cal) -> int:
    """``socialweb calibrate`` of a ``target: simulation`` file: ABC-SMC (model/abc_fit.py).
    The history (abc.db) is written into the output folder as generations finish, so a stopped
    run can be continued with --resume; the other files are written when it ends."""
    from model import abc_fit as A
    from model.config import ConfigError
    from model.plots import save
    from model.progress import Progress
    from model.store import output_folder, write_json, write_parquet, write_text
    from model.sweeps import executor_for

    if not A.have_pyabc():
        raise ConfigError([f"{args.calibration}: target simulation needs pyabc: {A.INSTALL}"])
    resume = False
    if args.resume:
        if not args.out:
            raise UsageError("socialweb calibrate: --resume needs --out, the folder to reuse")
        out = Path(args.out)
        if A.finished(out, cal):
            _say(f"calibrate {cal.name}: already finished in {out} (same file); not refitted")
            print(out / "report.md")
            print(out)
            return EXIT_OK
        resume = A.started(out, cal)
        if not resume and out.is_dir() and any(out.iterdir()):
            raise UsageError(
                f"socialweb calibrate: --resume: {out} holds no stopped run of this file "
                f"({A.DB} and {A.STATE} with the same digest)"
            )
    command = f"socialweb calibrate {args.calibration}"
    start = time.perf_counter()
    folder = (
        contextlib.nullcontext(Path(args.out))
        if resume
        else output_folder(args.out, f"calibrate-{cal.name}")
    )
    with (
        folder as out,
        executor_for(args.backend, jobs=args.jobs, scheduler=args.scheduler) as executor,
        Progress(f"calibrate {cal.name}", args.progress, "generations") as bar,
    ):
        result, posterior, plot = A.fit(
            cal,
            out,
            jobs=args.jobs,
            executor=executor,
            resume=resume,
            progress=bar.update,
            say=_say if args.progress == "log" else None,
        )
        result["wall_time_s"] = round(time.perf_counter() - start, 2)
        write_parquet(posterior, out / "posterior.parquet")
        save(A.figure(cal, result, plot), out / "calibration.png")
        write_text(A.markdown(cal, result, command), out / "report.md")
        write_json(result, out / "calibration.json")  # last: it marks the calibration finished
    for key, p in result["parameters"].items():
        print(
            f"{key}: mean {p['mean']:.4g}, 95 % interval [{p['ci95'][0]:.4g}, {p['ci95'][1]:.4g}]"
        )
    print(f"{result['simulations']} simulations, {len(result['generations'])} generations")
    print(out / "report.md")
    print(out)
    return EXIT_OK


def cmd_robustness(args: argparse.Namespace) -> int:
    import json

    from model import robustness
    from model.config import limits
    from model.progress import Progress
    from model.store import write_text

    start = time.perf_counter()
    todo = robustness.tasks(Path(args.scenarios), args.replicates)
    limits.check_runs(
        list({id(t[0]): t[0] for t in todo}.values()),
        concurrent=min(args.jobs, len(todo)),
        source="robustness",
    )
    with Progress(
        f"robustness ({len(todo)} runs, {args.jobs} job{'s' if args.jobs > 1 else ''})",
        args.progress,
        "runs",
    ) as bar:
        runs = robustness.run_robustness(todo, jobs=args.jobs, progress=bar.update)
    table = robustness.contrasts(runs)
    summary = robustness.summarise(table, args.replicates, time.perf_counter() - start)
    command = f"socialweb robustness --replicates {args.replicates} --jobs {args.jobs}"
    out = Path(args.out)
    (out / "img").mkdir(parents=True, exist_ok=True)
    robustness.plot(table, out / "img" / "robustness.png")
    write_text(json.dumps(summary, indent=1) + "\n", out / "robustness.json")
    page = out / "ROBUSTNESS.md"
    write_text(robustness.markdown(table, summary, command), page)
    for v in summary["verdicts"]:
        print(f"{v['b']} - {v['a']}: {v['verdict']}")
    print(page)
    return EXIT_OK


def cmd_findings(args: argparse.Namespace) -> int:
    import json

    from model.docs import FINDINGS_END, FINDINGS_START, findings_paragraph, replace_findings

    source = Path(args.folder) / "comparison.json"
    try:
        comparison = json.loads(source.read_text(encoding="utf-8"))
        comparison["scenarios"][comparison["baseline"]]["vote_share"][args.party]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UsageError(
            f"socialweb findings: {source}: expected the comparison.json of `socialweb compare` "
            f"with party {args.party!r} ({type(err).__name__}: {err})"
        ) from None
    readme = Path(args.readme)
    text = readme.read_text(encoding="utf-8")
    if FINDINGS_START not in text or FINDINGS_END not in text:
        raise UsageError(f"socialweb findings: {readme}: expected the findings markers")
    paragraph = findings_paragraph(comparison, args.party)
    from model import game, robust, robustness
    from model.analysis import sobol_headline

    sources = [
        (args.robustness, "robustness.json", "socialweb robustness", robustness.headline),
        (args.sobol, "analysis/sobol.json", "socialweb analyze", sobol_headline),
        (args.robust, "robust.json", "socialweb robust", robust.headline),
        (args.game, "game.json", "socialweb game", game.headline),
    ]
    for given, name, command, headline in sources:
        path = Path(given)
        if path.is_dir():
            path = path / name
        if not path.is_file():
            continue
        try:
            paragraph += " " + headline(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError, IndexError) as err:
            raise UsageError(
                f"socialweb findings: {path}: expected the {name} of `{command}` "
                f"({type(err).__name__}: {err})"
            ) from None
    readme.write_text(replace_findings(text, paragraph), encoding="utf-8")
    print(readme)
    return EXIT_OK


def cmd_params(args: argparse.Namespace) -> int:
    from model.docs import parameter_table, parameter_text

    if args.filter is None:
        sys.stdout.write(parameter_table())
        return EXIT_OK
    text = parameter_text(args.filter, width=min(shutil.get_terminal_size().columns, 100))
    if not text:
        raise UsageError(
            f"socialweb params: no scenario key contains {args.filter!r} (try `socialweb params` "
            "for them all)"
        )
    sys.stdout.write(text)
    return EXIT_OK


def cmd_essay(args: argparse.Namespace) -> int:
    from model import essay

    try:
        data = essay.build(
            Path(args.compare), Path(args.eras), Path(args.movement), Path(args.partnership)
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UsageError(
            f"socialweb essay: expected the finished outputs of `socialweb compare` (with "
            f"party_absent, offline_only and the reference scenarios), eras_by_strategy, "
            f"movement_response and partnership_cycles ({type(err).__name__}: {err})"
        ) from None
    for path in essay.write(data, Path(args.out)):
        print(path)
    return 0


COMMANDS = {
    "run": cmd_run,
    "compare": cmd_compare,
    "sweep": cmd_sweep,
    "analyze": cmd_analyze,
    "animate": cmd_animate,
    "app": cmd_app,
    "validate": cmd_validate,
    "validation": cmd_validation,
    "params": cmd_params,
    "findings": cmd_findings,
    "robustness": cmd_robustness,
    "game": cmd_game,
    "calibrate": cmd_calibrate,
    "robust": cmd_robust,
    "essay": cmd_essay,
}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _say(message: object) -> None:
    """One problem, one line on stderr: control characters in names and paths (a newline in a
    file name could forge a second message) are shown escaped."""
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(message))
    print(text, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (the console script exits with it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as err:
        _say(err)
        return EXIT_BAD_INPUT
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    if getattr(args, "max_memory", None):
        from model.config.limits import parse_size

        try:
            parse_size(args.max_memory)
        except ValueError as err:
            _say(err)
            return EXIT_BAD_INPUT
        # the environment carries the limit to every check, in this process and its workers
        os.environ["SOCIALWEB_MAX_MEMORY"] = args.max_memory
    if getattr(args, "jobs", 1) > 1 and getattr(args, "backend", "local") == "local":
        from model.pool import prestart

        prestart()  # the workers' forkserver imports the simulator while this process does
    from model.config import ConfigError
    from model.config.load import OutputError

    try:
        return COMMANDS[args.command](args)
    except UsageError as err:
        _say(err)
        return EXIT_BAD_INPUT
    except ConfigError as err:
        for line in err.problems:
            _say(line)
        return EXIT_BAD_INPUT
    except OutputError as err:
        _say(err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("socialweb: interrupted; nothing was written for unfinished work", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - the one place that turns failures into exit 1
        if args.debug:
            raise
        if type(err).__name__ == "IncompleteSweepError":  # says what is missing and what to do
            _say(f"socialweb {args.command}: {err}")
            return EXIT_FAILED
        _say(
            f"socialweb {args.command}: failed: {type(err).__name__}: {err} "
            "(rerun with --debug for the traceback)"
        )
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
