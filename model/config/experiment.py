"""Experiment files: a base scenario, what to vary, how to sample it, replicates and a seed.

::

    name: guidance_by_programme_size
    description: how guidance and programme size interact
    base: ../scenarios/champion_driven.yaml     # or `scenario:` with the scenario inline
    overrides: {steps: 200}                      # applied to the base before anything varies
    vary:
      parties.blue.champions.guidance: [0.1, 0.3, 0.5, 0.7, 0.9]       # a list of values
      parties.blue.champions.max_per_1000: {low: 10, high: 100, num: 4}  # grid: linspace
      population.openness: {low: 0.3, high: 0.9}                        # a range
    design: grid            # grid | random | latin_hypercube | sobol
    samples: 64             # random / latin_hypercube: points; sobol: base samples N
    replicates: 10
    seed: 0
    outputs: [vote_share.blue, share_of_voice.blue, clusters]

Grid takes lists and ``{low, high, num}``; random, latin_hypercube and sobol take ranges
``{low, high}`` and lists of options. Sobol uses Saltelli's scheme through SALib (first-order and
total indices: N·(D + 2) points). How a sampled design turns its unit-interval coordinate u into
a value:

- a range ``{low, high}``: low + u·(high − low); keys the schema declares integers
  (``population.citizens``, ``steps``) are rounded to the nearest whole number, so each interior
  integer gets an equal share of the interval (the two ends half a share: immaterial for wide
  ranges such as ``population.citizens: {low: 500, high: 4000}``);
- a list of k options (a switch ``[false, true]``, ``network.kind: [barabasi_albert,
  watts_strogatz]``, or numbers): option ⌊u·k⌋, so the unit interval is cut into k equal strata
  and each option gets 1/k of the points (random draws an option uniformly). Sobol indices of a
  switch then measure what flipping it does, averaged over everything else.

Every value a design can produce is checked against the scenario schema on load, with the
experiment file and key path in the message.

**Contrast sweeps.** With ``contrast:``, every run is a pair: each design point runs two
strategies, arm ``a`` and arm ``b``, replicate r of both on the same seed (common random
numbers), and the outputs are the paired differences a − b. Sobol indices, summaries and effects
then describe how the *effect* of choosing a over b depends on the varied keys, not the level. ::

    contrast:
      a: ../scenarios/champion_driven.yaml      # a scenario file (relative to this file), or
      b:                                        # {scenario: FILE, set: {dotted.path: value}}
        scenario: ../scenarios/staff_embedded.yaml
        set: {parties.blue.staff.per_1000: 5}

Each arm is its scenario file (default: the experiment's ``base:`` or inline ``scenario:``;
without either, both arms must name a file), then the experiment's ``overrides`` (shared), then
the arm's own ``set:``, then the command line's ``--set``/``--citizens``/``--steps``, then the
design point: the varied keys apply to both arms. An arm is named by its scenario's ``name``
(rename it with ``set: {name: ...}``). The runs table holds each output as a − b under its own
name (``vote_share.blue``) and each arm's level as ``a.vote_share.blue`` and
``b.vote_share.blue``. Refused, one line each: unknown keys under ``contrast`` or an arm, an
arm's missing file, an arm without a file when there is no base, a base no arm uses, a varied
key that one arm lacks (e.g. a party it does not declare) or that an arm's ``set:`` fixes (the
design would overwrite the very difference being measured), and outputs for a party one arm
lacks.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from model.config import limits
from model.config.load import (
    Checker,
    ConfigError,
    _elsewhere,
    _fmt,
    apply_overrides,
    check_name,
    patch_scenario,
    read_yaml,
    resolve_path,
    scenario_from_dict,
    scenario_to_dict,
)
from model.config.schema import Scenario

Design = Literal["grid", "random", "latin_hypercube", "sobol"]
DESIGNS = typing.get_args(Design)
TOP_KEYS = (
    "name",
    "description",
    "base",
    "scenario",
    "overrides",
    "vary",
    "design",
    "samples",
    "replicates",
    "seed",
    "outputs",
    "contrast",
)
EXPERIMENT_ONLY = (
    "base",
    "scenario",
    "overrides",
    "vary",
    "design",
    "samples",
    "replicates",
    "outputs",
    "contrast",
)
CONTRAST_KEYS = ("a", "b")
ARM_KEYS = ("scenario", "set")
RUN_OUTPUTS = (
    "turnout",
    "mean_opinion",
    "polarization",
    "bimodality",
    "clusters",
    "largest_cluster",
    "engaged",
    "influence_citizens",
    "influence_news",
    "party_influence_share",
    "share_of_voice_news",
    "share_of_voice_movement",
    "movement_members",
    "steps",
)
PARTY_OUTPUTS = (
    "vote_share",
    "share_of_voice",
    "reach",
    "active_champions",
    "burnouts",
    "cost",
    "average_cost_per_vote_point",
    "planned",
    "underspend",
    "spend_content",
    "spend_paid_reach",
    "spend_staff",
    "spend_champions",
    "spend_mass_media",
    "spend_canvass",
    "influence",
    "party_line",
    "elections_won",
)


@dataclass(frozen=True)
class Factor:
    """One varied key: a list of values, or a range (with ``num`` points on a grid)."""

    path: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    num: int | None = None
    integer: bool = False


@dataclass(frozen=True, kw_only=True)
class Arm:
    """One side of a contrast: its resolved scenario (file, overrides, set:, command line)."""

    label: str  # the scenario's name: how tables, reports and plots name the arm
    scenario: Scenario
    origin: str  # the scenario file as the experiment names it, or "base"
    set: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # the arm's own overrides


@dataclass(frozen=True, kw_only=True)
class Contrast:
    """Two arms run at every design point on common seeds; the outputs are a − b."""

    a: Arm
    b: Arm

    def arms(self) -> dict[str, Arm]:
        return {"a": self.a, "b": self.b}

    def label(self) -> str:
        """``champion_driven − staff_embedded`` (arms with one name are told apart by a/b)."""
        if self.a.label == self.b.label:
            return f"{self.a.label} (a) − {self.b.label} (b)"
        return f"{self.a.label} − {self.b.label}"


def arm_column(tag: str, output: str) -> str:
    """The runs-table column of arm ``tag``'s level of ``output`` (``a.vote_share.blue``)."""
    return f"{tag}.{output}"


@dataclass(frozen=True, kw_only=True)
class Experiment:
    """A checked experiment: the base scenario and its design (and, for a contrast sweep, the
    two arms: ``base`` is then the shared template, or arm a's scenario without one)."""

    name: str
    description: str
    source: str
    base_dir: Path
    base: Scenario
    factors: tuple[Factor, ...]
    design: Design
    samples: int
    replicates: int
    seed: int
    outputs: tuple[str, ...]
    notes: tuple[str, ...] = ()  # said on stderr by the CLI (e.g. how base: was found)
    contrast: Contrast | None = None  # a paired contrast sweep: outputs are a − b
    # values set at each design point besides the design's own, one mapping per point (a robust
    # run's posterior draw per world, ``robust --posterior``); empty: none
    given: tuple[Mapping[str, Any], ...] = ()

    def points(self) -> list[dict[str, Any]]:
        """The design points: one {dotted path: value} per point, in a fixed order (with the
        ``given`` values of each point after the design's)."""
        points = design_points(self)
        if not self.given:
            return points
        if len(self.given) != len(points):
            raise ValueError(f"given: {len(self.given)} mappings for {len(points)} points")
        return [point | dict(extra) for point, extra in zip(points, self.given, strict=True)]

    def scenario_at(self, point: Mapping[str, Any]) -> Scenario:
        """The base scenario with one design point applied."""
        return self._at(self.base, point)

    def arms_at(self, point: Mapping[str, Any]) -> dict[str, Scenario]:
        """What runs at one design point: ``{"a": ..., "b": ...}`` for a contrast sweep (the
        point applied to both arms), else ``{"": the base with the point}``."""
        if self.contrast is None:
            return {"": self.scenario_at(point)}
        return {tag: self._at(arm.scenario, point) for tag, arm in self.contrast.arms().items()}

    def quantity(self, output: str) -> str:
        """What an output column measures: ``vote_share.blue`` or, in a contrast sweep,
        ``vote_share.blue contrast: champion_driven − staff_embedded``."""
        if self.contrast is None:
            return output
        return f"{output} contrast: {self.contrast.label()}"

    def _at(self, scenario: Scenario, point: Mapping[str, Any]) -> Scenario:
        # only the point's values are converted (``patch_scenario``), where that is plainly the
        # same as rebuilding the whole scenario; else the full rebuild
        patched = patch_scenario(scenario, point, source=self.source, base_dir=self.base_dir)
        if patched is not None:
            return patched
        data = apply_overrides(scenario_to_dict(scenario), point, copy=False)  # a fresh dict
        return scenario_from_dict(data, source=self.source, base_dir=self.base_dir)


def looks_like_experiment(data: Mapping[str, Any]) -> bool:
    """An experiment file has a key no scenario has at the top (``vary``, ``base``, ...)."""
    return any(key in data for key in EXPERIMENT_ONLY)


def _field_for(
    path: str, base: Scenario, whose: str = "the base scenario"
) -> tuple[Any, Mapping[str, Any]] | str:
    """The schema type and metadata of a dotted path, or a problem message (``whose``: how it
    names ``base``)."""
    node: Any = Scenario
    parts = path.split(".")
    i = 0
    while i < len(parts):
        part = parts[i]
        if not dataclasses.is_dataclass(node):
            return f"'{'.'.join(parts[:i])}' is not a section"
        fields = {f.name: f for f in dataclasses.fields(node)}
        if part not in fields:
            near = difflib.get_close_matches(part, list(fields), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            if elsewhere := _elsewhere(part, ".".join(parts[: i + 1])):
                hint = f" (did you mean {' or '.join(repr(e) for e in elsewhere)}?)"
            return f"unknown key '{part}'{hint}"
        hint_type = typing.get_type_hints(node)[part]
        if typing.get_origin(hint_type) is dict:
            if i + 1 >= len(parts):
                return "expected a key inside parties, e.g. parties.blue.champions.guidance"
            name = parts[i + 1]
            if name not in base.parties:
                return (
                    f"unknown party '{name}'; {whose} has {', '.join(base.parties) or 'no parties'}"
                )
            node = typing.get_args(hint_type)[1]
            i += 2
            continue
        if i == len(parts) - 1:
            if dataclasses.is_dataclass(hint_type):
                return f"'{path}' is a section; vary one of its keys"
            return hint_type, fields[part].metadata
        node = hint_type
        i += 1
    return f"'{path}' is a section; vary one of its keys"


def _factor(
    b: Checker, path: str, spec: Any, design: str | None, base: Scenario, section: str = "vary"
) -> Factor | None:
    """One vary entry; ``design`` None (unknown design) skips the design-specific checks.
    ``section`` is the file's key the entry sits under (robust files: ``uncertainties``)."""
    where = f"{section}.{path}"
    if path == "seed":
        b.fail(
            where,
            "cannot be varied: each run's seed comes from the experiment's seed and "
            "its replicate (set seed and replicates instead)",
        )
        return None
    found = _field_for(path, base)
    if isinstance(found, str):
        b.fail(where, found)
        return None
    hint, meta = found
    numeric = hint in (int, float)
    integer = hint is int
    if isinstance(spec, list):
        if not spec:
            b.fail(where, "expected at least one value, got an empty list")
            return None
        values = []  # options: a sampled design cuts [0, 1) into len(spec) equal strata
        for k, value in enumerate(spec):
            ok, converted = b.convert(hint, value, f"{where}[{k}]", meta)
            if ok:
                values.append(converted)
        return Factor(path, values=tuple(values), integer=integer)
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"low", "high", "num"}
        if unknown:
            b.fail(where, f"unknown key '{sorted(unknown)[0]}'; expected low, high and (grid) num")
            return None
        if not numeric:
            b.fail(where, f"a range needs a numeric key; {path} takes a list of values")
            return None
        if "low" not in spec or "high" not in spec:
            b.fail(where, "expected a range with both low and high")
            return None
        ok_lo, low = b.convert(float, spec["low"], f"{where}.low", meta)
        ok_hi, high = b.convert(float, spec["high"], f"{where}.high", meta)
        if not (ok_lo and ok_hi):
            return None
        if low >= high:
            b.fail(where, f"expected low < high, got low {low:g}, high {high:g}")
            return None
        num = spec.get("num")
        if design == "grid":
            if num is None:
                b.fail(where, "expected num (points between low and high) for a grid")
                return None
            ok, num = b.scalar(int, num, f"{where}.num", 2, 10_000)
            if not ok:
                return None
        elif num is not None and design is not None:
            b.fail(f"{where}.num", f"only used by the grid design, got design {design}")
            return None
        return Factor(path, low=low, high=high, num=num, integer=integer)
    b.fail(where, f"expected a list of values or a range {{low, high}}, got {_fmt(spec)}")
    return None


def _as_value(factor: Factor, value: float) -> Any:
    return int(round(value)) if factor.integer else float(value)


def design_size(factors: tuple[Factor, ...], design: str, samples: int) -> int:
    """How many points the design has, computed without expanding it."""
    if not factors:
        return 1
    if design == "grid":
        return math.prod(len(f.values) if f.values is not None else int(f.num) for f in factors)
    if design == "sobol":
        return samples * (len(factors) + 2)  # Saltelli's N (k + 2), first and total order
    return samples


def design_points(exp: Experiment) -> list[dict[str, Any]]:
    """Expand the design into points (deterministic given the experiment's seed)."""
    factors = exp.factors
    if not factors:
        return [{}]
    if exp.design == "grid":
        axes = []
        for f in factors:
            if f.values is not None:
                axes.append(list(f.values))
            else:
                axes.append([_as_value(f, v) for v in np.linspace(f.low, f.high, f.num)])
        return [
            dict(zip([f.path for f in factors], combo, strict=True))
            for combo in itertools.product(*axes)
        ]
    rng = np.random.default_rng(np.random.SeedSequence(exp.seed).spawn(2)[1])
    if exp.design == "random":
        rows = []
        for _ in range(exp.samples):
            point = {}
            for f in factors:
                if f.values is not None:
                    point[f.path] = f.values[int(rng.integers(len(f.values)))]
                else:
                    point[f.path] = _as_value(f, rng.uniform(f.low, f.high))
            rows.append(point)
        return rows
    # a list of options (a categorical factor; robust files' uncertainties) spans [0, k): the
    # stratum a point falls in picks the option, so each option gets its share of the strata
    problem = {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [
            [0.0, float(len(f.values))] if f.values is not None else [f.low, f.high]
            for f in factors
        ],
    }
    if exp.design == "latin_hypercube":
        from SALib.sample import latin

        matrix = latin.sample(problem, exp.samples, seed=rng)
    else:
        from SALib.sample import sobol

        matrix = sobol.sample(problem, exp.samples, calc_second_order=False, seed=exp.seed)
    return [{f.path: _sampled(f, v) for f, v in zip(factors, row, strict=True)} for row in matrix]


def _sampled(factor: Factor, value: float) -> Any:
    """A sampled coordinate as the factor's value: an option of a list, or a number."""
    if factor.values is not None:
        return factor.values[min(int(value), len(factor.values) - 1)]
    return _as_value(factor, value)


def _check_outputs(
    b: Checker, outputs: Any, parties: list[str], whose: str = ""
) -> tuple[str, ...]:
    """The output names (every known one when None); ``whose`` qualifies the list of known
    ones in messages (a contrast's: the parties both arms declare)."""
    known = list(RUN_OUTPUTS) + [f"{m}.{p}" for m in PARTY_OUTPUTS for p in parties]
    if outputs is None:
        return tuple(known)
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        b.fail("outputs", f"expected a list of output names, got {_fmt(outputs)}")
        return ()
    for k, name in enumerate(outputs):
        if name not in known:
            near = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            b.fail(
                f"outputs[{k}]",
                f"unknown output '{name}'{hint}; expected one of{whose}: "
                f"{', '.join(RUN_OUTPUTS)}, or <output>.<party> with output one of "
                f"{', '.join(PARTY_OUTPUTS)} and party one of {', '.join(parties) or '(none)'}",
            )
    return tuple(outputs)


def check_keys(
    b: Checker, data: Mapping[str, Any], known: tuple[str, ...], where: str = ""
) -> None:
    """One line per key of ``data`` (at ``where``) that is not ``known``, with a did-you-mean."""
    for key in data:
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            path = f"{where}.{key}" if where else str(key)
            b.fail(path, f"unknown key{hint}; expected one of: {', '.join(known)}")


def read_scenario_file(
    b: Checker,
    key: str,
    text: str,
    *,
    source: str,
    base_dir: Path,
    notes: list[str],
    kind: str = "experiment",
) -> tuple[dict, Path]:
    """The raw data of the scenario file named at ``key`` (``text``), resolved against the
    ``kind`` file's folder; if nothing is there but the path exists relative to the working
    folder (a copied file), that is used, with a note. Raises ConfigError with ``b``'s lines."""
    path = resolve_path(text, base_dir)
    here = Path(text).expanduser()
    if not path.exists() and not here.is_absolute() and here.exists():
        notes.append(
            f"{source}: {key}: {text} is not beside the {kind} file "
            f"({base_dir}); using {here.resolve()} (relative to the working folder)"
        )
        path = here.resolve()
    elif not path.exists():
        b.fail(
            key,
            f"{path}: file not found ({key} is resolved against the {kind} file's "
            f"folder, {base_dir})",
        )
        raise ConfigError(b.problems)
    try:
        raw = read_yaml(path)
    except ConfigError as err:
        b.fail(key, err.problems[0])
        raise ConfigError(b.problems) from None
    return raw, path


def scenario_with_overrides(
    b: Checker,
    raw: Mapping[str, Any],
    overrides: Any,
    cli: Mapping[str, Any],
    *,
    source: str,
    scenario_source: str,
    scenario_dir: Path,
    section: str = "overrides",
) -> Scenario:
    """The scenario ``raw`` with the file's ``overrides`` (at key ``section``), then the command
    line's (``cli``: ``--set``, ``--citizens``, ``--steps``), checked. A problem with one of the
    file's overrides is the file's, at ``section.<key>``; the command line's are reported as
    such. Raises ConfigError with ``b``'s lines and the scenario's."""
    if not isinstance(overrides, Mapping):
        b.fail(section, f"expected a mapping of dotted paths to values, got {_fmt(overrides)}")
        raise ConfigError(b.problems)
    try:
        base = scenario_from_dict(
            apply_overrides(dict(raw), dict(overrides), source),
            source=scenario_source,
            base_dir=scenario_dir,
            overridden=[f"{k}" for k in overrides],
        )
    except ConfigError as err:
        marker = " (from the command line): "
        lines = []
        for line in err.problems:
            if marker in line:
                key = line.split(marker, 1)[0].rsplit(": ", 1)[-1]
                line = f"{source}: {section}.{key}: {line.split(marker, 1)[1]}"
            lines.append(line)
        raise ConfigError(b.problems + lines) from None
    if cli:  # the command line's changes, reported as such
        base = scenario_from_dict(
            apply_overrides(scenario_to_dict(base), cli),
            source=scenario_source,
            base_dir=scenario_dir,
            overridden=list(cli),
        )
    return base


ARM_SHAPE = "a scenario file, or {scenario: FILE, set: {dotted.path: value}}"


def _contrast(
    b: Checker,
    spec: Any,
    template: tuple[Mapping[str, Any], str, Path] | None,
    overrides: Any,
    cli: Mapping[str, Any],
    *,
    source: str,
    base_dir: Path,
    notes: list[str],
) -> Contrast:
    """The two arms of ``contrast:``, each resolved as file (or ``template``: the base's raw
    data, source and folder) → the experiment's overrides → its ``set:`` → the command line.
    Raises ConfigError with ``b``'s lines at the first problem that stops an arm loading."""
    shape = f"a mapping with a and b, each {ARM_SHAPE}"
    if not isinstance(spec, Mapping):
        b.fail("contrast", f"expected {shape}, got {_fmt(spec)}")
        raise ConfigError(b.problems)
    check_keys(b, spec, CONTRAST_KEYS, "contrast")
    for tag in CONTRAST_KEYS:
        if tag not in spec:
            b.fail(f"contrast.{tag}", f"missing; expected {ARM_SHAPE}")
    if b.problems:
        raise ConfigError(b.problems)
    arms = {}
    for tag in CONTRAST_KEYS:
        where = f"contrast.{tag}"
        arm = {"scenario": spec[tag]} if isinstance(spec[tag], str) else spec[tag]
        if not isinstance(arm, Mapping):
            b.fail(where, f"expected {ARM_SHAPE}, got {_fmt(arm)}")
            raise ConfigError(b.problems)
        check_keys(b, arm, ARM_KEYS, where)
        if b.problems:
            raise ConfigError(b.problems)
        if "scenario" in arm:
            if not isinstance(arm["scenario"], str):
                b.fail(
                    f"{where}.scenario",
                    f"expected a path to a scenario file, got {_fmt(arm['scenario'])}",
                )
                raise ConfigError(b.problems)
            raw, path = read_scenario_file(
                b,
                f"{where}.scenario",
                arm["scenario"],
                source=source,
                base_dir=base_dir,
                notes=notes,
            )
            origin, scenario_source, scenario_dir = arm["scenario"], str(path), path.parent
        elif template is None:
            b.fail(
                where,
                "expected scenario: FILE (the experiment has no base: or scenario: for an arm "
                "to start from)",
            )
            raise ConfigError(b.problems)
        else:
            (raw, scenario_source, scenario_dir), origin = template, "base"
        own = {} if arm.get("set") is None else arm["set"]
        where_from = {"scenario_source": scenario_source, "scenario_dir": scenario_dir}
        shared = scenario_with_overrides(b, raw, overrides, {}, source=source, **where_from)
        scenario = scenario_with_overrides(
            b,
            scenario_to_dict(shared),
            own,
            cli,
            source=source,
            section=f"{where}.set",
            **where_from,
        )
        arms[tag] = Arm(label=scenario.name, scenario=scenario, origin=origin, set=dict(own))
    if template is not None and all(arm.origin != "base" for arm in arms.values()):
        b.fail(
            "base" if template[1] != f"{source}: scenario" else "scenario",
            "not used: both contrast arms name their own scenario file (remove it, or give "
            "one arm only set: to start from it)",
        )
        raise ConfigError(b.problems)
    return Contrast(**arms)


def _arm_problem(path: str, contrast: Contrast) -> tuple[str, str] | None:
    """Why a varied key cannot apply to both arms, as (where, message), or None. Both arms must
    have it, and neither arm's set: may fix it (the design would overwrite that arm's value)."""
    arms = contrast.arms()
    found = {
        tag: _field_for(path, a.scenario, f"contrast.{tag} ({a.origin})") for tag, a in arms.items()
    }
    lacking = [tag for tag, f in found.items() if isinstance(f, str)]
    if lacking:
        why = str(found[lacking[0]])
        if len(lacking) < len(arms):  # the other arm has it
            why += "; a varied key applies to both arms of the contrast, so both must have it"
        return f"vary.{path}", why
    for tag, arm in arms.items():
        if path in arm.set:
            return f"vary.{path}", (
                f"also set by contrast.{tag}.set; a varied key applies to both arms, so it "
                "would overwrite that arm's own value (vary it, or set it in the arm)"
            )
    return None


def experiment_from_dict(
    data: Mapping[str, Any],
    *,
    source: str,
    base_dir: Path,
    overrides: Mapping[str, Any] | None = None,
    replicates: int | None = None,
) -> Experiment:
    """Build a checked Experiment; raises ConfigError with one line per problem.

    ``overrides`` (the command line's ``--set``, ``--citizens``, ``--steps``) apply to the base
    scenario after the file's own ``overrides``; ``replicates`` replaces the file's. ``base:`` is
    resolved against the experiment file's folder; if nothing is there but the path exists
    relative to the working folder (a copied experiment file), that is used, with a note."""
    b = Checker(source, base_dir)
    notes: list[str] = []
    cli = dict(overrides or {})
    check_keys(b, data, TOP_KEYS)
    given = [key for key in ("base", "scenario") if key in data]
    if len(given) == 2 or (not given and "contrast" not in data):
        b.fail("base", "expected exactly one of base (a scenario file) or scenario (inline)")
        raise ConfigError(b.problems)
    template = None  # the base's raw data, source and folder (a contrast without one: None)
    if "base" in data:
        if not isinstance(data["base"], str):
            b.fail("base", f"expected a path to a scenario file, got {_fmt(data['base'])}")
            raise ConfigError(b.problems)
        raw, base_path = read_scenario_file(
            b, "base", data["base"], source=source, base_dir=base_dir, notes=notes
        )
        template = (raw, str(base_path), base_path.parent)
    elif "scenario" in data:
        raw = data["scenario"]
        if not isinstance(raw, Mapping):
            b.fail("scenario", f"expected a mapping of scenario keys, got {_fmt(raw)}")
            raise ConfigError(b.problems)
        template = (raw, f"{source}: scenario", base_dir)
    overrides = data.get("overrides") or {}
    contrast = None
    if template is not None:
        raw, scenario_source, scenario_dir = template
        where = {"source": source, "scenario_source": scenario_source, "scenario_dir": scenario_dir}
        base = scenario_with_overrides(b, raw, overrides, cli, **where)
    if "contrast" in data:
        where = {"source": source, "base_dir": base_dir, "notes": notes}
        contrast = _contrast(b, data["contrast"], template, overrides, cli, **where)
        if template is None:
            base = contrast.a.scenario
    # varied keys and outputs must make sense for what runs: both arms of a contrast
    first = contrast.a.scenario if contrast else base
    parties = [p for p in first.parties if not contrast or p in contrast.b.scenario.parties]

    design = data.get("design", "grid")
    known_design = design in DESIGNS
    if not known_design:
        near = difflib.get_close_matches(str(design), DESIGNS, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        b.fail("design", f"expected one of {', '.join(DESIGNS)}, got {_fmt(design)}{hint}")
    ok, samples = b.scalar(int, data.get("samples", 16), "samples", 1, 1_000_000)
    if ok and design == "sobol" and samples & (samples - 1):
        b.fail(
            "samples",
            f"expected a power of 2 for design sobol (the balance of Sobol' "
            f"points needs it), got {samples}",
        )
    ok, replicates_ = b.scalar(int, data.get("replicates", 1), "replicates", 1, 100_000)
    if replicates is not None:
        if not 1 <= replicates <= 100_000:
            b.fail(
                "replicates (from the command line)",
                f"expected an integer in [1, 100000], got {replicates}",
            )
        replicates_ = replicates
    ok, seed = b.scalar(int, data.get("seed", 0), "seed", 0, 2**63 - 1)
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            b.fail(key, f"expected a string, got {_fmt(data[key])}")
    if "name" in data:
        check_name(b, "name", data["name"])
    vary = data.get("vary") or {}
    factors = []
    if not isinstance(vary, Mapping):
        b.fail("vary", f"expected a mapping of dotted paths to values or ranges, got {_fmt(vary)}")
    else:
        for path, spec in vary.items():
            if contrast is not None and (problem := _arm_problem(str(path), contrast)):
                b.fail(*problem)
                continue
            factor = _factor(b, str(path), spec, design if known_design else None, first)
            if factor is not None:
                factors.append(factor)
    whose = " (a contrast's outputs: the parties both arms declare)" if contrast else ""
    outputs = _check_outputs(b, data.get("outputs"), parties, whose)
    if b.problems:
        raise ConfigError(b.problems)
    exp = Experiment(
        name=str(data.get("name", Path(source).stem)),
        description=str(data.get("description", "")),
        source=source,
        base_dir=base_dir,
        base=base,
        factors=tuple(factors),
        design=design,
        samples=samples,
        replicates=replicates_,
        seed=seed,
        outputs=outputs,
        notes=tuple(notes),
        contrast=contrast,
    )
    check_design(exp)
    return exp


def check_design(
    exp: Experiment, problem: str = "vary: design point {k} ({shown}) is inconsistent"
) -> None:
    """Refuse a design that would not fit in memory (before expanding it), then one whose
    points make an inconsistent scenario or a run too big to fit: one ConfigError line, the
    inconsistent point's from ``problem`` (``k``: its index, ``shown``: its values)."""
    source = exp.source
    size = design_size(exp.factors, exp.design, exp.samples)
    limits.check(  # a contrast's row holds a − b and both arms' levels: three times as wide
        limits.design_bytes(size, exp.replicates) * (3 if exp.contrast else 1),
        f"a design of {size:,} points × {exp.replicates:,} replicates",
        source=source,
    )
    # every point must make a valid scenario (ranges can break consistency rules), small enough
    # to run (points can make runs bigger than the base); in a contrast, for both arms
    templates = {"": exp.base}
    if exp.contrast is not None:
        templates = {tag: arm.scenario for tag, arm in exp.contrast.arms().items()}
    biggest = max(templates.values(), key=limits.run_bytes)
    most = limits.run_bytes(biggest)
    for k, point in enumerate(exp.points()):
        for tag, template in templates.items():
            try:
                scenario = exp._at(template, point)
            except ConfigError as err:
                shown = ", ".join(f"{p}={v}" for p, v in point.items())
                detail = err.problems[0].split(": ", 1)[-1]
                where = problem.format(k=k, shown=shown) + (f" in contrast.{tag}" if tag else "")
                raise ConfigError([f"{source}: {where}: {detail}"]) from None
            if (need := limits.run_bytes(scenario)) > most:
                biggest, most = scenario, need
    limits.check_runs([biggest], source=source)


def load_experiment(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    replicates: int | None = None,
) -> Experiment:
    """Load and check an experiment file; ``overrides`` apply to the base scenario (as
    ``--set``), ``replicates`` replaces the file's."""
    path = Path(path)
    data = read_yaml(path, "experiment")
    return experiment_from_dict(
        data, source=str(path), base_dir=path.parent, overrides=overrides, replicates=replicates
    )


def experiment_to_dict(exp: Experiment) -> dict[str, Any]:
    """A self-contained description (base scenario resolved) to store beside the results."""
    return {
        "name": exp.name,
        "description": exp.description,
        "source": exp.source,
        "base": scenario_to_dict(exp.base),
        "factors": [dataclasses.asdict(f) for f in exp.factors],
        "design": exp.design,
        "samples": exp.samples,
        "replicates": exp.replicates,
        "seed": exp.seed,
        "outputs": list(exp.outputs),
        "contrast": None
        if exp.contrast is None
        else {
            tag: {
                "label": arm.label,
                "origin": arm.origin,
                "set": dict(arm.set),
                "scenario": scenario_to_dict(arm.scenario),
            }
            for tag, arm in exp.contrast.arms().items()
        },
    } | ({"given": [dict(g) for g in exp.given]} if exp.given else {})


def experiment_from_stored(data: Mapping[str, Any], base_dir: Path) -> Experiment:
    """Rebuild an Experiment from ``experiment_to_dict`` output (a sweep folder's record)."""
    factors = []
    for f in data["factors"]:
        f = dict(f)
        if f.get("values") is not None:
            f["values"] = tuple(f["values"])
        factors.append(Factor(**f))
    return Experiment(
        name=data["name"],
        description=data.get("description", ""),
        source=data["source"],
        base_dir=base_dir,
        base=scenario_from_dict(
            data["base"], source=f"{data['source']} (stored)", base_dir=base_dir
        ),
        factors=tuple(factors),
        design=data["design"],
        samples=data["samples"],
        replicates=data["replicates"],
        seed=data["seed"],
        outputs=tuple(data["outputs"]),
        given=tuple(dict(g) for g in data.get("given") or ()),
        contrast=None
        if not data.get("contrast")
        else Contrast(
            **{
                tag: Arm(
                    label=arm["label"],
                    origin=arm["origin"],
                    set=arm["set"],
                    scenario=scenario_from_dict(
                        arm["scenario"],
                        source=f"{data['source']} (stored, contrast.{tag})",
                        base_dir=base_dir,
                    ),
                )
                for tag, arm in data["contrast"].items()
            }
        ),
    )
