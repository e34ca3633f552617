"""Robust-decision files (``socialweb robust``): policies × uncertainties → sampled worlds.

In the EMA workbench's words (XLRM): the *policies* are the levers a party pulls (each a
strategy bundle: a scenario file, optionally with ``set:`` overrides), the *uncertainties* are
ranges over the model's stated guesses, a *world* is one point of a Latin hypercube sample of
them, and the *outcome* is the focal party's election-day result. ::

    name: robust_strategies
    policies:                              # two or more, each a scenario file (+ set:)
      institution_only: {scenario: ../scenarios/institution_only.yaml}
      staff_embedded:
        scenario: ../scenarios/institution_only.yaml
        set: {parties.blue.budget.content: 0.5, parties.blue.budget.staff: 0.5}
    uncertainties:                         # a range {low, high}, or a list of options
      population.openness: {low: 0.3, high: 0.9}
      network.kind: [barabasi_albert, watts_strogatz, homophilous]
    party: blue                            # the focal party (default blue)
    outcome: vote_share                    # vote_share | margin, percentage points
    worlds: 64                             # Latin hypercube sample size (>= 2)
    replicates: 2                          # runs per world and policy, on common seeds
    seed: 0
    discovery:                             # PRIM (EMA workbench) of where one policy wins
      pairs: [[staff_embedded, institution_only]]   # default: top two by share_best
      threshold: 0.8                       # density the reported box should reach
      mass_min: 0.05                       # PRIM's smallest box (share of worlds)
      peel_alpha: 0.05                     # share of worlds peeled per step
      max_boxes: 2                         # boxes to look for, one after another

Every policy must declare the focal party. Each policy becomes an ordinary
:class:`~model.config.experiment.Experiment` (its scenario as the base, the uncertainties as a
``latin_hypercube`` design of ``worlds`` points, the file's seed): the worlds are the same for
every policy, and replicate r of every world and policy shares its seed, so ``socialweb robust``
runs each policy as a sweep and compares them on common random numbers. Every world must make a
valid scenario for every policy; problems are one line each, naming this file and the key path.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from model.config.experiment import (
    Experiment,
    Factor,
    _factor,
    check_design,
    check_keys,
    read_scenario_file,
    scenario_with_overrides,
)
from model.config.load import Checker, ConfigError, _fmt, check_name, read_yaml

Outcome = Literal["vote_share", "margin"]
OUTCOMES = ("vote_share", "margin")
TOP_KEYS = (
    "name",
    "description",
    "policies",
    "uncertainties",
    "party",
    "outcome",
    "worlds",
    "replicates",
    "seed",
    "discovery",
)
POLICY_KEYS = ("scenario", "set")
DISCOVERY_KEYS = ("pairs", "threshold", "mass_min", "peel_alpha", "max_boxes")
MAX_WORLDS = 100_000


@dataclass(frozen=True)
class Discovery:
    """PRIM settings (EMA workbench ``prim.Prim``) and the policy pairs to explain."""

    pairs: tuple[tuple[str, str], ...] = ()  # (A, B): where does A beat B? () = top two
    threshold: float = 0.8  # the reported box: the most coverage at density >= threshold
    mass_min: float = 0.05  # PRIM stops peeling below this share of the worlds
    peel_alpha: float = 0.05  # share of the worlds peeled off per step
    max_boxes: int = 2  # boxes looked for one after another (later ones must meet threshold)


@dataclass(frozen=True, kw_only=True)
class RobustExperiment:
    """A checked robust file: per policy, the sweep that runs it over the worlds."""

    name: str
    description: str
    source: str
    base_dir: Path
    policies: dict[str, Experiment]  # policy → its scenario × the worlds (same design for all)
    uncertainties: tuple[Factor, ...]
    party: str
    outcome: Outcome
    worlds: int
    replicates: int
    seed: int
    discovery: Discovery = field(default_factory=Discovery)
    notes: tuple[str, ...] = ()
    # robust --posterior: the file, its columns and the draw each world runs with (by world)
    posterior_file: str = ""
    posterior_columns: tuple[str, ...] = ()
    posterior_draws: tuple[int, ...] = ()
    posterior_notes: tuple[str, ...] = ()  # uncertainties the posterior replaced
    # keys fixed outside the worlds: each policy's set: and the command line's overrides
    policy_sets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    command_line: tuple[str, ...] = ()

    def world_points(self) -> list[dict[str, Any]]:
        """The sampled worlds, one {dotted path: value} each (the same for every policy)."""
        return next(iter(self.policies.values())).points()

    def parties(self) -> list[str]:
        """The parties every policy declares, in the first policy's order."""
        first = list(next(iter(self.policies.values())).base.parties)
        return [p for p in first if all(p in e.base.parties for e in self.policies.values())]


def looks_like_robust(data: Mapping[str, Any]) -> bool:
    """A robust file names its ``policies`` (no scenario, experiment or game file does)."""
    return "policies" in data


def _count(b: Checker, data: Mapping, key: str, default: int, low: int, high: int, cli: Any) -> int:
    """An integer setting of the file, replaced by the command line's when given."""
    ok, value = b.scalar(int, data.get(key, default), key, low, high)
    if cli is not None:
        if not low <= cli <= high:
            b.fail(
                f"{key} (from the command line)",
                f"expected an integer in [{low}, {high}], got {cli}",
            )
        return cli
    return value if ok else default


def _policies(
    b: Checker, raw: Any, cli: Mapping[str, Any], source: str, base_dir: Path, notes: list[str]
) -> tuple[dict[str, Any], dict[str, dict], list[str]]:
    """Each policy's scenario (set: and the command line applied), its set:, and the problems
    of policies that do not load (one line each, with the file and key path)."""
    scenarios: dict[str, Any] = {}
    sets: dict[str, dict] = {}
    problems: list[str] = []
    if not isinstance(raw, Mapping) or len(raw) < 2:
        b.fail(
            "policies",
            "expected a mapping of two or more policy names to {scenario: FILE, set: {...}}, "
            f"got {_fmt(raw)}",
        )
        return scenarios, sets, problems
    for name, spec in raw.items():
        where = f"policies.{name}"
        check_name(b, where, name)
        if isinstance(spec, str):
            spec = {"scenario": spec}
        if not isinstance(spec, Mapping) or not isinstance(spec.get("scenario"), str):
            b.fail(
                where,
                "expected {scenario: FILE} (a scenario file, resolved against this file's "
                f"folder) with optional set: {{dotted.path: value}}, got {_fmt(spec)}",
            )
            continue
        if any(k not in POLICY_KEYS for k in spec):
            check_keys(b, spec, POLICY_KEYS, where)
            continue
        pb = Checker(source, base_dir)  # its own: a failed policy raises with its lines only
        try:
            data, path = read_scenario_file(
                pb,
                f"{where}.scenario",
                spec["scenario"],
                source=source,
                base_dir=base_dir,
                notes=notes,
                kind="robust",
            )
            scenarios[str(name)] = scenario_with_overrides(
                pb,
                data,
                spec.get("set") or {},
                cli,
                source=source,
                scenario_source=str(path),
                scenario_dir=path.parent,
                section=f"{where}.set",
            )
            sets[str(name)] = dict(spec.get("set") or {})
        except ConfigError as err:
            problems += err.problems
    return scenarios, sets, problems


def _uncertainties(
    b: Checker, raw: Any, scenarios: dict[str, Any], sets: dict[str, dict], cli: Mapping
) -> tuple[Factor, ...]:
    """The uncertainties, each checked against every policy's scenario (schema and range)."""
    if not isinstance(raw, Mapping) or not raw:
        b.fail(
            "uncertainties",
            "expected a mapping of dotted paths to ranges {low, high} or lists of options, "
            f"got {_fmt(raw)}",
        )
        return ()
    factors = []
    for path, spec in raw.items():
        path = str(path)
        where = f"uncertainties.{path}"
        if isinstance(spec, Mapping) and "num" in spec:
            b.fail(
                f"{where}.num", "not used: worlds are a Latin hypercube sample; give {low, high}"
            )
            continue
        if isinstance(spec, list) and len(spec) == 1:
            b.fail(where, "expected two or more options (one option is a constant: set it instead)")
            continue
        if path in cli:
            b.fail(
                where,
                "also set on the command line (--set, --citizens or --steps); a world's value "
                "would replace it: drop one of the two",
            )
            continue
        clash = [name for name, s in sets.items() if path in s]
        if clash:
            b.fail(
                f"policies.{clash[0]}.set.{path}",
                f"also an uncertainty ({where}): a world's value would replace it; drop one",
            )
            continue
        found = None
        for scenario in scenarios.values():  # every policy's schema and parties
            before = len(b.problems)
            factor = _factor(b, path, spec, None, scenario, section="uncertainties")
            if len(b.problems) > before:
                b.problems[before:] = list(dict.fromkeys(b.problems[before:]))
                found = None
                break
            found = factor
        if found is not None:
            factors.append(found)
    return tuple(factors)


def _discovery(b: Checker, raw: Any, policies: list[str]) -> Discovery:
    if raw is None:
        return Discovery()
    if not isinstance(raw, Mapping):
        b.fail("discovery", f"expected a mapping of {', '.join(DISCOVERY_KEYS)}, got {_fmt(raw)}")
        return Discovery()
    check_keys(b, raw, DISCOVERY_KEYS, "discovery")
    d = Discovery()
    _, threshold = b.scalar(float, raw.get("threshold", d.threshold), "discovery.threshold", 0, 1)
    _, mass = b.scalar(float, raw.get("mass_min", d.mass_min), "discovery.mass_min", 0, 0.5)
    _, alpha = b.scalar(float, raw.get("peel_alpha", d.peel_alpha), "discovery.peel_alpha", 0, 0.5)
    _, boxes = b.scalar(int, raw.get("max_boxes", d.max_boxes), "discovery.max_boxes", 1, 10)
    for key, value in (("mass_min", mass), ("peel_alpha", alpha)):
        if value == 0:
            b.fail(f"discovery.{key}", "expected a number in (0, 0.5], got 0")
    pairs = []
    raw_pairs = raw.get("pairs", [])
    if not isinstance(raw_pairs, list):
        b.fail("discovery.pairs", f"expected a list of [A, B] policy pairs, got {_fmt(raw_pairs)}")
        raw_pairs = []
    for k, pair in enumerate(raw_pairs):
        where = f"discovery.pairs[{k}]"
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(p, str) for p in pair)
            or pair[0] == pair[1]
        ):
            b.fail(where, f"expected [A, B], two different policy names, got {_fmt(pair)}")
            continue
        missing = [p for p in pair if p not in policies]
        if missing:
            near = difflib.get_close_matches(missing[0], policies, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            b.fail(
                where,
                f"unknown policy '{missing[0]}'{hint}; expected one of: {', '.join(policies)}",
            )
            continue
        pairs.append((pair[0], pair[1]))
    return Discovery(
        pairs=tuple(pairs),
        threshold=threshold if threshold is not None else d.threshold,
        mass_min=mass or d.mass_min,
        peel_alpha=alpha or d.peel_alpha,
        max_boxes=boxes or d.max_boxes,
    )


def robust_from_dict(
    data: Mapping[str, Any],
    *,
    source: str,
    base_dir: Path,
    overrides: Mapping[str, Any] | None = None,
    worlds: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
) -> RobustExperiment:
    """Build a checked RobustExperiment; raises ConfigError with one line per problem.

    ``overrides`` (``--set``, ``--citizens``, ``--steps``) apply to every policy's scenario after
    its ``set:``; ``worlds``, ``replicates`` and ``seed`` replace the file's."""
    b = Checker(source, base_dir)
    notes: list[str] = []
    cli = dict(overrides or {})
    check_keys(b, data, TOP_KEYS)
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            b.fail(key, f"expected a string, got {_fmt(data[key])}")
    if "name" in data:
        check_name(b, "name", data["name"])
    scenarios, sets, policy_problems = _policies(
        b, data.get("policies"), cli, source, base_dir, notes
    )
    party = data.get("party", "blue")
    if not isinstance(party, str):
        b.fail("party", f"expected a party name, got {_fmt(party)}")
    else:
        for name, scenario in scenarios.items():
            if party not in scenario.parties:
                b.fail(
                    "party",
                    f"no party '{party}' in policy {name} (it has: "
                    f"{', '.join(scenario.parties) or 'none'})",
                )
                break
    outcome = data.get("outcome", "vote_share")
    if outcome not in OUTCOMES:
        b.fail("outcome", f"expected one of {', '.join(OUTCOMES)}, got {_fmt(outcome)}")
    elif outcome == "margin":
        lonely = [n for n, s in scenarios.items() if len(s.parties) < 2]
        if lonely:
            b.fail("outcome", f"margin needs a rival party; policy {lonely[0]} has one party")
    n_worlds = _count(b, data, "worlds", 64, 2, MAX_WORLDS, worlds)
    n_reps = _count(b, data, "replicates", 2, 1, 100_000, replicates)
    ok, file_seed = b.scalar(int, data.get("seed", 0), "seed", 0, 2**63 - 1)
    factors = _uncertainties(b, data.get("uncertainties"), scenarios, sets, cli)
    discovery = _discovery(b, data.get("discovery"), list(scenarios))
    problems = b.problems + policy_problems
    if problems:
        raise ConfigError(problems)
    name = str(data.get("name", Path(source).stem))
    policies = {
        policy: Experiment(
            name=f"{name}-{policy}"[:64],
            description=f"policy {policy} of {name} over {n_worlds} worlds",
            source=source,
            base_dir=base_dir,
            base=scenario,
            factors=factors,
            design="latin_hypercube",
            samples=n_worlds,
            replicates=n_reps,
            seed=seed if seed is not None else file_seed,
            outputs=(*(f"vote_share.{p}" for p in scenario.parties), f"cost.{party}"),
        )
        for policy, scenario in scenarios.items()
    }
    problems = []
    for policy, exp in policies.items():  # every world must make a valid, small enough scenario
        try:
            check_design(
                exp, "uncertainties: world {k} ({shown}) is inconsistent with policy " + policy
            )
        except ConfigError as err:
            problems += err.problems
    if problems:
        raise ConfigError(problems)
    return RobustExperiment(
        name=name,
        description=str(data.get("description", "")),
        source=source,
        base_dir=base_dir,
        policies=policies,
        uncertainties=factors,
        party=party,
        outcome=outcome,
        worlds=n_worlds,
        replicates=n_reps,
        seed=seed if seed is not None else file_seed,
        discovery=discovery,
        notes=tuple(notes),
        policy_sets={n: tuple(str(k) for k in s) for n, s in sets.items()},
        command_line=tuple(cli),
    )


def load_robust(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    worlds: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
) -> RobustExperiment:
    """Load and check a robust file (see the module docstring)."""
    path = Path(path)
    data = read_yaml(path, "robust")
    return robust_from_dict(
        data,
        source=str(path),
        base_dir=path.parent,
        overrides=overrides,
        worlds=worlds,
        replicates=replicates,
        seed=seed,
    )
