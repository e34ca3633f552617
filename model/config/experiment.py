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
``{low, high}`` (random also lists, sampled uniformly). Sobol uses Saltelli's scheme through
SALib (first-order and total indices: N·(D + 2) points). Values for integer keys are rounded.
Every value a design can produce is checked against the scenario schema on load, with the
experiment file and key path in the message.
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
    _fmt,
    apply_overrides,
    check_name,
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
)
RUN_OUTPUTS = (
    "turnout",
    "mean_opinion",
    "polarization",
    "bimodality",
    "clusters",
    "largest_cluster",
    "engaged",
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
class Experiment:
    """A checked experiment: the base scenario and its design."""

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

    def points(self) -> list[dict[str, Any]]:
        """The design points: one {dotted path: value} per point, in a fixed order."""
        return design_points(self)

    def scenario_at(self, point: Mapping[str, Any]) -> Scenario:
        """The base scenario with one design point applied."""
        data = apply_overrides(scenario_to_dict(self.base), point)
        return scenario_from_dict(data, source=self.source, base_dir=self.base_dir)


def looks_like_experiment(data: Mapping[str, Any]) -> bool:
    """An experiment file has a key no scenario has at the top (``vary``, ``base``, ...)."""
    return any(key in data for key in EXPERIMENT_ONLY)


def _field_for(path: str, base: Scenario) -> tuple[Any, Mapping[str, Any]] | str:
    """The schema type and metadata of a dotted path, or a problem message."""
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
            return f"unknown key '{part}'{hint}"
        hint_type = typing.get_type_hints(node)[part]
        if typing.get_origin(hint_type) is dict:
            if i + 1 >= len(parts):
                return "expected a key inside parties, e.g. parties.blue.champions.guidance"
            name = parts[i + 1]
            if name not in base.parties:
                return (
                    f"unknown party '{name}'; the base scenario has "
                    f"{', '.join(base.parties) or 'no parties'}"
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


def _factor(b: Checker, path: str, spec: Any, design: str | None, base: Scenario) -> Factor | None:
    """One vary entry; ``design`` None (unknown design) skips the design-specific checks."""
    where = f"vary.{path}"
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
        if design in ("latin_hypercube", "sobol"):
            b.fail(where, f"expected a range {{low, high}} for design {design}, got a list")
            return None
        values = []
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
    problem = {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }
    if exp.design == "latin_hypercube":
        from SALib.sample import latin

        matrix = latin.sample(problem, exp.samples, seed=rng)
    else:
        from SALib.sample import sobol

        matrix = sobol.sample(problem, exp.samples, calc_second_order=False, seed=exp.seed)
    return [{f.path: _as_value(f, v) for f, v in zip(factors, row, strict=True)} for row in matrix]


def _check_outputs(b: Checker, outputs: Any, base: Scenario) -> tuple[str, ...]:
    known = list(RUN_OUTPUTS) + [f"{m}.{p}" for m in PARTY_OUTPUTS for p in base.parties]
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
                f"unknown output '{name}'{hint}; expected one of: {', '.join(known)}",
            )
    return tuple(outputs)


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
    for key in data:
        if key not in TOP_KEYS:
            near = difflib.get_close_matches(str(key), TOP_KEYS, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            b.fail(str(key), f"unknown key{hint}; expected one of: {', '.join(TOP_KEYS)}")
    if ("base" in data) == ("scenario" in data):
        b.fail("base", "expected exactly one of base (a scenario file) or scenario (inline)")
        raise ConfigError(b.problems)
    if "base" in data:
        if not isinstance(data["base"], str):
            b.fail("base", f"expected a path to a scenario file, got {_fmt(data['base'])}")
            raise ConfigError(b.problems)
        base_path = resolve_path(data["base"], base_dir)
        here = Path(data["base"]).expanduser()
        if not base_path.exists() and not here.is_absolute() and here.exists():
            notes.append(
                f"{source}: base: {data['base']} is not beside the experiment file "
                f"({base_dir}); using {here.resolve()} (relative to the working folder)"
            )
            base_path = here.resolve()
        elif not base_path.exists():
            b.fail(
                "base",
                f"{base_path}: file not found (base is resolved against the experiment file's "
                f"folder, {base_dir})",
            )
            raise ConfigError(b.problems)
        try:
            raw = read_yaml(base_path)
        except ConfigError as err:
            b.fail("base", err.problems[0])
            raise ConfigError(b.problems) from None
        scenario_source, scenario_dir = str(base_path), base_path.parent
    else:
        raw = data["scenario"]
        if not isinstance(raw, Mapping):
            b.fail("scenario", f"expected a mapping of scenario keys, got {_fmt(raw)}")
            raise ConfigError(b.problems)
        scenario_source, scenario_dir = f"{source}: scenario", base_dir
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, Mapping):
        b.fail("overrides", f"expected a mapping of dotted paths to values, got {_fmt(overrides)}")
        raise ConfigError(b.problems)
    try:
        base = scenario_from_dict(
            apply_overrides(dict(raw), dict(overrides), source),
            source=scenario_source,
            base_dir=scenario_dir,
            overridden=[f"{k}" for k in overrides],
        )
    except ConfigError as err:
        # a problem with an override is the experiment file's, at overrides.<key>
        marker = " (from the command line): "
        lines = []
        for line in err.problems:
            if marker in line:
                key = line.split(marker, 1)[0].rsplit(": ", 1)[-1]
                line = f"{source}: overrides.{key}: {line.split(marker, 1)[1]}"
            lines.append(line)
        raise ConfigError(b.problems + lines) from None
    if cli:  # the command line's changes, reported as such
        base = scenario_from_dict(
            apply_overrides(scenario_to_dict(base), cli),
            source=scenario_source,
            base_dir=scenario_dir,
            overridden=list(cli),
        )

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
            factor = _factor(b, str(path), spec, design if known_design else None, base)
            if factor is not None:
                factors.append(factor)
    outputs = _check_outputs(b, data.get("outputs"), base)
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
    )
    # refuse a design that would not fit in memory before expanding it
    size = design_size(exp.factors, exp.design, exp.samples)
    limits.check(
        limits.design_bytes(size, exp.replicates),
        f"a design of {size:,} points × {exp.replicates:,} replicates",
        source=source,
    )
    # every point must make a valid scenario (ranges can break consistency rules), small enough
    # to run (points can make runs bigger than the base)
    biggest, most = exp.base, limits.run_bytes(exp.base)
    for k, point in enumerate(exp.points()):
        try:
            scenario = exp.scenario_at(point)
        except ConfigError as err:
            shown = ", ".join(f"{p}={v}" for p, v in point.items())
            detail = err.problems[0].split(": ", 1)[-1]
            raise ConfigError(
                [f"{source}: vary: design point {k} ({shown}) is inconsistent: {detail}"]
            ) from None
        if (need := limits.run_bytes(scenario)) > most:
            biggest, most = scenario, need
    limits.check_runs([biggest], source=source)
    return exp


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
    }


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
    )
