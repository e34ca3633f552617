"""YAML → frozen specs, refusing bad input with the file, the key path and what was expected.

Everything the user types is checked here, so that no error surfaces from deep inside the model:
unknown keys (with a did-you-mean), wrong types, values out of range, inconsistent settings,
malformed ``--set`` overrides and edge-list files. Problems are collected, not stopped at the
first, so ``socialweb validate`` reports them all, one line each::

    champion_driven.yaml: parties.blue.champions.guidance: expected a number in [0, 1], got 1.4
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import re
import reprlib
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml

from model.config.plan import paid_reach, plan, posts_per_step
from model.config.schema import (
    DISCRETE_RULES,
    OWN_CONTACT_RULES,
    REWIRING_RULES,
    UNBOUNDED_RULES,
    PartySpec,
    Scenario,
)
from model.config.yamlread import MAX_BYTES, YamlProblem, file_kind, label_text, load_text


class ConfigError(ValueError):
    """Bad input. ``problems`` holds one ``FILE: key.path: message`` line per problem."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class OutputError(ValueError):
    """The output folder cannot be used (bad input: exit 2)."""


_SHORT = reprlib.Repr(maxlevel=2, maxlist=4, maxdict=4, maxstring=50, maxother=50, maxlong=40)


def _fmt(value: Any) -> str:
    """A value for an error message, cut to ~60 characters without formatting it whole.

    ``str()`` of a hostile value (an alias bomb, a huge list) could take gigabytes; ``reprlib``
    looks at a few items of each level only.
    """
    text = _SHORT.repr(value) if isinstance(value, (str, list, dict, tuple)) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@functools.cache
def _schema(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field]]:
    """A spec class's type hints and fields (``get_type_hints`` is slow: once per class)."""
    return typing.get_type_hints(cls), {f.name: f for f in dataclasses.fields(cls)}


@functools.cache
def _hint_kind(hint: Any) -> tuple[str, tuple]:
    """How :meth:`Checker.convert` reads a type hint: ``dataclass``, ``literal`` (its options),
    ``dict`` (its value type), ``list``, ``union`` or ``scalar`` — once per hint, as a design's
    check converts every key of every point's scenario."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return "dataclass", ()
    if origin is Literal:
        return "literal", typing.get_args(hint)
    if origin is dict:
        return "dict", (typing.get_args(hint)[1],)
    if origin is list:
        return "list", ()
    if origin in (typing.Union, types.UnionType):
        return "union", ()
    return "scalar", ()


@functools.cache
def _scenario_index() -> tuple[dict[str, list[str]], frozenset[type]]:
    """Every key of the scenario schema → its dotted paths (a party's keys under
    ``parties.<name>.``), and the spec classes in that schema."""
    paths: dict[str, list[str]] = {}
    classes: set[type] = set()

    def walk(cls: type, prefix: str) -> None:
        classes.add(cls)
        hints, fields = _schema(cls)
        for name in fields:
            hint, path = hints[name], f"{prefix}{name}"
            paths.setdefault(name, []).append(path)
            if typing.get_origin(hint) is dict:
                hint, path = typing.get_args(hint)[1], f"{path}.<name>"
            if dataclasses.is_dataclass(hint):
                walk(hint, f"{path}.")  # type: ignore[arg-type]

    walk(Scenario, "")
    return paths, frozenset(classes)


def _elsewhere(key: str, where: str) -> list[str]:
    """Where an unknown ``key`` (met at ``where``) exists in another section of the scenario
    schema, e.g. ``openness`` → ``population.openness``; at most three places."""
    parts = where.split(".")
    party = parts[1] if len(parts) > 2 and parts[0] == "parties" else "<name>"
    found = [p.replace("<name>", party) for p in _scenario_index()[0].get(key, [])]
    return [p for p in found if p != where][:3]


# keys replaced when scenarios became scale-free (per 1,000 citizens) and budgets binding
RENAMED = {
    ("StaffSpec", "count"): "replaced by per_1000 (staff per 1,000 citizens; e.g. 5 staff "
    "among 2,000 citizens is per_1000: 2.5)",
    ("ChampionSpec", "initial"): "replaced by initial_per_1000 (founding champions per 1,000 "
    "citizens; e.g. 20 among 2,000 citizens is initial_per_1000: 10)",
    ("ChampionSpec", "max_champions"): "replaced by max_per_1000 (programme cap per 1,000 "
    "citizens)",
    ("InstitutionSpec", "cost_per_step"): "replaced by cost_per_post (content cost of one post "
    "a step, per 1,000 citizens)",
    ("PartySpec", "budget_per_step"): "replaced by budget: {per_1000: ..., content: ..., "
    "paid_reach: ..., staff: ..., champions: ...} (per step per 1,000 citizens, and the share "
    "of it each channel gets)",
}

# with a budget, these keys are derived from the allocation (model.config.plan): they must keep
# their defaults (be left out)
PRICES = {  # what one unit of each budget channel costs
    "content": "institution.cost_per_post",
    "paid_reach": "institution.cost_per_paid_impression",
    "staff": "staff.salary_per_step",
    "champions": "champions.cost_per_step",
    "mass_media": "mass_media.cost_per_contact",
    "canvass": "canvass.cost_per_contact",
}
BUDGET_SIZED = {
    "content": "institution.posts_per_step",
    "paid_reach": "institution.paid_reach",
    "staff": "staff.per_1000",
    "champions": "champions.max_per_1000",
    "mass_media": "mass_media.reach",
    "canvass": "canvass.reach",
}


class Checker:
    """Walks raw YAML data against the dataclass specs, collecting problems."""

    def __init__(self, source: str, base_dir: Path, overridden: frozenset[str] = frozenset()):
        self.source = source
        self.base_dir = base_dir
        self.overridden = overridden
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        where = path or "(top level)"
        if path in self.overridden:
            where += " (from the command line)"
        else:
            # a --set of a.b.c where 'a' is unknown: name the whole path the user typed
            deeper = sorted(k for k in self.overridden if k.startswith(f"{path}."))
            if deeper:
                where = f"{deeper[0]} (from the command line)"
                message = message.replace("unknown key", f"unknown key '{path}'", 1)
        self.problems.append(f"{self.source}: {where}: {message}")

    def build(self, cls: type, data: Any, path: str) -> Any:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            self.fail(path, f"expected a mapping of {cls.__name__} keys, got {_fmt(data)}")
            return cls()
        hints, fields = _schema(cls)
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in fields and (cls.__name__, key) in RENAMED:
                self.fail(where, RENAMED[(cls.__name__, key)])
                continue
            if key not in fields:
                near = difflib.get_close_matches(str(key), list(fields), n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                if cls in _scenario_index()[1] and (elsewhere := _elsewhere(str(key), where)):
                    hint = f" (did you mean {' or '.join(repr(e) for e in elsewhere)}?)"
                self.fail(where, f"unknown key{hint}; expected one of: {', '.join(fields)}")
                continue
            ok, converted = self.convert(hints[key], value, where, fields[key].metadata)
            if ok:
                kwargs[key] = converted
        return cls(**kwargs)

    def convert(
        self, hint: Any, value: Any, path: str, meta: Mapping[str, Any]
    ) -> tuple[bool, Any]:
        kind, args = _hint_kind(hint)
        lo, hi = meta.get("range", (None, None))
        if kind == "dataclass":
            return True, self.build(hint, value, path)
        if kind == "literal":  # args: the options
            if value in args:
                return True, value
            near = difflib.get_close_matches(str(value), [str(o) for o in args], n=1)
            hint_text = f" (did you mean '{near[0]}'?)" if near else ""
            self.fail(path, f"expected one of {', '.join(args)}, got {_fmt(value)}{hint_text}")
            return False, None
        if kind == "dict":
            (value_type,) = args
            if value is None:
                value = {}
            if not isinstance(value, Mapping):
                self.fail(path, f"expected a mapping of names, got {_fmt(value)}")
                return False, None
            out = {}
            for name, item in value.items():
                if meta.get("labels") and isinstance(name, (str, int, float)):
                    name = label_text(name)  # labels found in a data file: 1.0 reads "1"
                elif not isinstance(name, str) or not name.isidentifier():
                    self.fail(f"{path}.{name}", "expected a name of letters, digits and _")
                    continue
                ok, converted = self.convert(value_type, item, f"{path}.{name}", meta)
                if ok:
                    out[name] = converted
            return True, out
        if kind == "list":
            items = value if isinstance(value, list) else [value]
            out_list = []
            for i, item in enumerate(items):
                ok, converted = self.scalar(
                    float, item, f"{path}[{i}]" if isinstance(value, list) else path, lo, hi
                )
                if not ok:
                    return False, None
                out_list.append(converted)
            if not out_list and not meta.get("empty", False):
                self.fail(path, "expected at least one number, got an empty list")
                return False, None
            return True, out_list
        if kind == "union":
            raise TypeError(f"unsupported schema type {hint}")  # pragma: no cover - schema bug
        return self.scalar(hint, value, path, lo, hi)

    def scalar(self, kind: type, value: Any, path: str, lo: Any, hi: Any) -> tuple[bool, Any]:
        if kind is bool:
            if isinstance(value, bool):
                return True, value
            self.fail(path, f"expected true or false, got {_fmt(value)}")
            return False, None
        if kind is str:
            if isinstance(value, str):
                return True, value
            self.fail(path, f"expected a string, got {_fmt(value)}")
            return False, None
        # the range as error messages show it (written only for a message: a design's check
        # reads millions of valid numbers)
        bounds = "" if lo is None or hi is None else _Bounds(lo, hi)
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    self.fail(path, f"expected an integer{bounds}, got {_fmt(value)}")
                    return False, None
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(path, f"expected a number{bounds}, got {_fmt(value)}")
                return False, None
            value = float(value)
            if value != value:  # NaN
                self.fail(path, f"expected a number{bounds}, got nan")
                return False, None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            noun = "an integer" if kind is int else "a number"
            self.fail(path, f"expected {noun}{bounds}, got {_num(value)}")
            return False, None
        return True, value


class _Bounds:
    """`` in [lo, hi]``, formatted when a message is written."""

    def __init__(self, lo: Any, hi: Any):
        self.lo, self.hi = lo, hi

    def __format__(self, spec: str) -> str:
        return format(f" in [{_num(self.lo)}, {_num(self.hi)}]", spec)


def _check_consistency(b: Checker, s: Scenario) -> None:
    """Settings that are each valid but do not fit together."""
    pop, net = s.population, s.network
    if net.kind == "edge_list" and not net.path:
        b.fail("network.path", "expected an edge-list file because network.kind is edge_list")
    if net.kind == "graph_file" and not net.path:
        b.fail("network.path", "expected a graph file because network.kind is graph_file")
    if net.kind not in FILE_KINDS and net.path:
        b.fail(
            "network.path",
            f"only used when network.kind is edge_list or graph_file, got kind {net.kind}",
        )
    _check_graph_attributes(b, s)
    if net.kind == "none" and s.opinion.rule not in OWN_CONTACT_RULES:
        b.fail(
            "network.kind",
            f"expected a network with opinion.rule {s.opinion.rule}: none (no ties) is only for "
            "radicalization, which draws its own contacts, got none",
        )
    if net.kind not in UNSIZED_KINDS and net.mean_degree >= pop.citizens:
        b.fail(
            "network.mean_degree",
            f"expected fewer than population.citizens "
            f"({pop.citizens}), got {_num(net.mean_degree)}",
        )
    if net.kind == "complete" and pop.citizens > 20_000:
        b.fail(
            "population.citizens",
            f"expected at most 20000 with network.kind complete (N² ties), got {pop.citizens}",
        )
    if net.kind in ("barabasi_albert", "holme_kim") and net.mean_degree < 2:
        b.fail(
            "network.mean_degree",
            f"expected >= 2 for {net.kind} (m = mean_degree/2 >= 1), got {_num(net.mean_degree)}",
        )
    if net.kind == "stochastic_block" and net.blocks > pop.citizens:
        b.fail(
            "network.blocks",
            f"expected at most population.citizens ({pop.citizens}), got {net.blocks}",
        )
    if pop.engagement_min > pop.engagement_max:
        b.fail(
            "population.engagement_min",
            f"expected <= population.engagement_max "
            f"({_num(pop.engagement_max)}), got {_num(pop.engagement_min)}",
        )
    if pop.rejection < pop.openness:
        b.fail(
            "population.rejection",
            f"expected >= population.openness "
            f"({_num(pop.openness)}): the latitude of rejection lies beyond acceptance, "
            f"got {_num(pop.rejection)}",
        )
    if net.kind not in ("erdos_renyi", *UNSIZED_KINDS) and net.mean_degree < 1:
        b.fail(
            "network.mean_degree",
            f"expected >= 1 for {net.kind} (only erdos_renyi may lie below the percolation "
            f"threshold), got {_num(net.mean_degree)}",
        )
    _check_opinion(b, s)
    _check_survey(b, s)
    if s.trial.party and s.trial.party not in s.parties:
        b.fail(
            "trial.party",
            f"expected a party of this scenario ({', '.join(s.parties) or 'none'}), "
            f"got {s.trial.party!r}",
        )
    treated = trial_size(s)
    if s.trial.party and not 2 <= treated <= s.population.citizens - 2:
        b.fail(
            "trial.share",
            f"expected at least 2 treated and 2 control citizens (⌊share·N⌋ = {treated} of "
            f"{s.population.citizens})",
        )
    if s.trial.party and s.trial.step > s.steps:
        b.fail(
            "trial.step",
            f"expected a day of the run (at most steps = {s.steps}), got {s.trial.step}",
        )
    cycle = s.election.cycle
    if cycle > 0 and s.steps % cycle != 0:
        b.fail(
            "election.cycle",
            f"expected a divisor of steps ({s.steps}) so that the last step is an election, "
            f"got {cycle}",
        )
    if s.movement.founders_per_1000 > 0 and len(s.movement.position) != pop.issues:
        b.fail(
            "movement.position",
            f"expected {pop.issues} value(s), one per issue (population.issues), "
            f"got {len(s.movement.position)}",
        )
    for name, party in s.parties.items():
        where = f"parties.{name}"
        if len(party.position) != pop.issues:
            b.fail(
                f"{where}.position",
                f"expected {pop.issues} value(s), one per issue "
                f"(population.issues), got {len(party.position)}",
            )
        staff_rows = plan(party, pop.citizens).staff_count
        if staff_rows and party.staff.ties > pop.citizens:
            b.fail(
                f"{where}.staff.ties",
                f"expected at most population.citizens ({pop.citizens}): each staff member's "
                f"ties go to distinct citizens, got {party.staff.ties}",
            )
        posts = posts_per_step(party)
        if paid_reach(party) > 0 and posts < 1 - 1e-9:
            key = "budget.paid_reach" if party.budget.per_1000 else "institution.paid_reach"
            b.fail(
                f"{where}.{key}",
                "sponsored posts promote the account's posts of the day, so paid reach needs at "
                f"least 1 post a step (institution.posts_per_step, or the content share), got "
                f"{_num(round(posts, 6))}",
            )
        ch = party.champions
        if ch.initial_per_1000 > ch.max_per_1000:
            b.fail(
                f"{where}.champions.initial_per_1000",
                f"expected <= champions.max_per_1000 ({_num(ch.max_per_1000)}), "
                f"got {_num(ch.initial_per_1000)}",
            )
        if not ch.enabled and ch.initial_per_1000 > 0:
            b.fail(
                f"{where}.champions.initial_per_1000",
                f"expected 0 because champions.enabled is false, got {_num(ch.initial_per_1000)}",
            )
        _check_budget(b, where, party)


FILE_KINDS = ("edge_list", "graph_file")
# network kinds that do not read network.mean_degree
UNSIZED_KINDS = (*FILE_KINDS, "complete", "none")


def _check_graph_attributes(b: Checker, s: Scenario) -> None:
    """The node-attribute keys of a graph file: only with graph_file, mappings with their
    attribute, lean labels naming parties."""
    net = s.network
    used = {
        "opinion_attribute": net.opinion_attribute,
        "opinion_values": net.opinion_values,
        "activity_attribute": net.activity_attribute,
        "lean_attribute": net.lean_attribute,
        "lean_values": net.lean_values,
    }
    if net.kind != "graph_file":
        for key, value in used.items():
            if value:
                b.fail(
                    f"network.{key}",
                    f"only used when network.kind is graph_file, got kind {net.kind}",
                )
        return
    if net.opinion_values and not net.opinion_attribute:
        b.fail("network.opinion_values", "expected network.opinion_attribute to name the attribute")
    if net.opinion_attribute and s.population.issues != 1:
        b.fail(
            "population.issues",
            "expected 1 with network.opinion_attribute (one opinion per node), "
            f"got {s.population.issues}",
        )
    if net.lean_attribute and not net.lean_values:
        b.fail(
            "network.lean_values",
            "expected a party (or none) for each label of network.lean_attribute",
        )
    if net.lean_values and not net.lean_attribute:
        b.fail("network.lean_values", "expected network.lean_attribute to name the attribute")
    for label, party in net.lean_values.items():
        if party != "none" and party not in s.parties:
            options = ", ".join([*s.parties, "none"])
            b.fail(f"network.lean_values.{label}", f"expected one of {options}, got {party!r}")


def trial_size(s: Scenario) -> int:
    """How many citizens a trial treats: ⌊share·N⌋ (complete randomization)."""
    return math.floor(s.trial.share * s.population.citizens + 1e-9)


def _check_survey(b: Checker, s: Scenario) -> None:
    """population.survey's keys: scales, parties named, one issue."""
    survey = s.population.survey
    if not survey.source:
        return
    for key, scale in (("scale", survey.scale), ("party_id_scale", survey.party_id_scale)):
        if len(scale) != 2 or not scale[0] < scale[1]:
            b.fail(f"population.survey.{key}", f"expected [low, high] with low < high, got {scale}")
    if s.population.issues != 1:
        b.fail(
            "population.issues",
            f"expected 1 with population.survey (one left-right placement), "
            f"got {s.population.issues}",
        )
    for party in survey.placements:
        if party not in s.parties:
            b.fail(
                f"population.survey.placements.{party}",
                f"expected a party of this scenario ({', '.join(s.parties) or 'none'})",
            )
    for key in ("party_id_low", "party_id_high"):
        party = getattr(survey, key)
        if party and party not in s.parties:
            b.fail(
                f"population.survey.{key}",
                f"expected a party of this scenario ({', '.join(s.parties) or 'none'}), "
                f"got {party!r}",
            )
    if survey.party_id and not (survey.party_id_low or survey.party_id_high):
        b.fail("population.survey.party_id_low", "expected the party at the low end of party_id")


def _check_opinion(b: Checker, s: Scenario) -> None:
    """Discrete rules need one issue and discrete opinions; zealots need room."""
    op, pop = s.opinion, s.population
    if op.rule in DISCRETE_RULES:
        if pop.survey.source:
            b.fail(
                "population.survey.source",
                f"expected none with opinion.rule {op.rule}: survey placements are not its "
                "discrete states",
            )
        net = s.network
        allowed = {-1.0, 0.0, 1.0} if op.rule == "naming_game" else {-1.0, 1.0}
        if net.opinion_attribute and not (
            net.opinion_values and set(net.opinion_values.values()) <= allowed
        ):
            b.fail(
                "network.opinion_values",
                f"expected every label mapped to {' or '.join(f'{v:g}' for v in sorted(allowed))} "
                f"with opinion.rule {op.rule} (its discrete states), got "
                f"{net.opinion_values or 'no mapping'}",
            )
        if pop.issues != 1:
            b.fail(
                "population.issues",
                f"expected 1 with opinion.rule {op.rule} (its state is one discrete opinion), "
                f"got {pop.issues}",
            )
        if pop.initial_opinion != "binary":
            b.fail(
                "population.initial_opinion",
                f"expected binary with opinion.rule {op.rule} (opinions start at -1 or +1), "
                f"got {pop.initial_opinion}",
            )
    if op.rule in ("algorithmic_bias", "attraction_repulsion") and pop.issues != 1:
        b.fail(
            "population.issues",
            f"expected 1 with opinion.rule {op.rule} (one opinion axis), got {pop.issues}",
        )
    if op.convergence == "settled" and op.rule not in ("deffuant", "algorithmic_bias"):
        b.fail(
            "opinion.convergence",
            "expected quiet unless opinion.rule is deffuant or algorithmic_bias (settled is "
            f"bounded confidence's absorbing state), got settled with {op.rule}",
        )
    elif op.convergence == "settled" and (
        s.parties or s.news.positions or op.anchoring > 0 or s.movement.founders_per_1000 > 0
    ):
        b.fail(
            "opinion.convergence",
            "expected quiet with parties, news outlets, anchoring or a citizens' movement "
            "(settled is the peer process's absorbing state; they move opinions on their own)",
        )
    if op.rule == "majority" and op.group_size % 2 == 0:
        b.fail(
            "opinion.group_size",
            f"expected an odd group size with opinion.rule majority (no ties), got {op.group_size}",
        )
    if op.rule in REWIRING_RULES:
        if s.parties or s.news.positions:
            b.fail(
                "opinion.rule",
                f"{op.rule} rewires the citizens' network, so it runs in textbook mode: expected "
                "no parties and no news outlets (parties: {}, news.positions: [])",
            )
        if pop.issues != 1:
            b.fail(
                "population.issues",
                f"expected 1 with opinion.rule {op.rule} (one discrete opinion), got {pop.issues}",
            )
        if pop.initial_opinion not in ("categories", "binary"):
            b.fail(
                "population.initial_opinion",
                f"expected categories or binary with opinion.rule {op.rule} (discrete "
                f"opinions), got {pop.initial_opinion}",
            )
        if s.network.kind == "complete":
            b.fail(
                "network.kind",
                f"expected a sparse network with opinion.rule {op.rule}, got "
                "complete (there is no tie to move)",
            )
    if op.rule in UNBOUNDED_RULES:
        _check_unbounded(b, s)
    z = op.zealots
    shares = z.share_plus + z.share_minus + z.share_own
    if shares > 1 + 1e-9:
        b.fail(
            "opinion.zealots",
            f"expected share_plus + share_minus + share_own <= 1, got {_num(shares)}",
        )


def _check_unbounded(b: Checker, s: Scenario) -> None:
    """A rule whose opinion is unbounded (radicalization) runs in textbook mode: its x leaves
    [-1, 1], which posts, party lines, polls and committed citizens are not made for."""
    op, pop = s.opinion, s.population
    rule = op.rule
    if s.parties or s.news.positions:
        b.fail(
            "opinion.rule",
            f"{rule} keeps unbounded opinions, so it runs in textbook mode: expected no parties "
            "and no news outlets (parties: {}, news.positions: [])",
        )
    if s.movement.founders_per_1000 > 0:
        b.fail(
            "movement.founders_per_1000",
            f"expected 0 with opinion.rule {rule} (textbook mode: no citizens' movement), "
            f"got {_num(s.movement.founders_per_1000)}",
        )
    z = op.zealots
    if z.share_plus + z.share_minus + z.share_own > 0 or z.staff or z.path:
        b.fail(
            "opinion.zealots",
            f"expected no committed citizens with opinion.rule {rule} (textbook mode)",
        )
    if pop.issues != 1:
        b.fail(
            "population.issues",
            f"expected 1 with opinion.rule {rule} (one opinion axis), got {pop.issues}",
        )
    if pop.survey.source:
        b.fail(
            "population.survey.source",
            f"expected none with opinion.rule {rule} (textbook mode: opinions start as drawn)",
        )
    if rule in OWN_CONTACT_RULES and s.network.kind != "none":
        b.fail(
            "network.kind",
            f"expected none with opinion.rule {rule}: every step it draws its own contacts "
            f"among all citizens and reads no fixed network, got {s.network.kind}",
        )
    if op.contacts >= pop.citizens:
        b.fail(
            "opinion.contacts",
            f"expected fewer than population.citizens ({pop.citizens}): an active citizen "
            f"contacts m distinct others, got {op.contacts}",
        )


def _check_budget(b: Checker, where: str, party: PartySpec) -> None:
    """A budget's allocation: shares that fit, channels that exist, no sizes set twice."""
    budget = party.budget
    shares = {c: getattr(budget, c) for c in BUDGET_SIZED}
    if budget.per_1000 == 0:
        for c, share in shares.items():
            if share > 0:
                b.fail(
                    f"{where}.budget.{c}",
                    f"expected 0 because budget.per_1000 is 0 (no budget), got {_num(share)}",
                )
        return
    if sum(shares.values()) > 1 + 1e-9:
        b.fail(
            f"{where}.budget",
            "expected channel shares (content, paid_reach, staff, champions, mass_media, "
            "canvass) summing to at "
            f"most 1, got {_num(sum(shares.values()))}",
        )
    for c, key in BUDGET_SIZED.items():
        section_name, field_name = key.split(".")
        default = {f.name: f.default for f in dataclasses.fields(getattr(party, section_name))}
        # a value other than the default (a dumped scenario repeats defaults, so "given" would
        # not survive a round trip through scenario_to_dict)
        if _party_key(party, key) != default[field_name]:
            b.fail(
                f"{where}.{key}",
                f"set by the budget (budget.{c} share of budget.per_1000): leave it out "
                f"(default {_num(default[field_name])}), or drop the budget",
            )
    needs = {
        "content": ("institution.enabled", party.institution.enabled),
        "paid_reach": ("institution.enabled", party.institution.enabled),
        "champions": ("champions.enabled", party.champions.enabled),
    }
    for c, (flag, on) in needs.items():
        if shares[c] > 0 and not on:
            b.fail(
                f"{where}.budget.{c}", f"expected 0 because {flag} is false, got {_num(shares[c])}"
            )
    price = 1000.0 * party.institution.cost_per_paid_impression
    if price > 0 and budget.per_1000 * shares["paid_reach"] / price > 1:
        b.fail(
            f"{where}.budget.paid_reach",
            f"buys more than one sponsored impression per citizen a step (at most "
            f"{_num(price / budget.per_1000)} of this budget), got {_num(shares['paid_reach'])}",
        )
    for c in ("mass_media", "canvass"):
        price = 1000.0 * _party_key(party, PRICES[c])
        if price > 0 and budget.per_1000 * shares[c] / price > 1:
            b.fail(
                f"{where}.budget.{c}",
                f"buys more than one contact per citizen a step (at most "
                f"{_num(price / budget.per_1000)} of this budget), got {_num(shares[c])}",
            )
    for c, key in PRICES.items():
        if shares[c] > 0 and _party_key(party, key) == 0:
            b.fail(
                f"{where}.{key}",
                f"expected > 0 because budget.{c} buys it (a free channel has no budget size)",
            )


def _party_key(party: PartySpec, key: str) -> Any:
    """``party``'s value at a dotted key such as ``staff.per_1000``."""
    section, name = key.split(".")
    return getattr(getattr(party, section), name)


def advisories(s: Scenario) -> list[str]:
    """Settings that are valid but probably not what was meant: ``key.path: text`` lines, shown
    as warnings by ``socialweb validate``, ``run`` and ``compare`` (the run goes ahead)."""
    out = []
    for name, party in s.parties.items():
        if party.movement.response != "ignore" and s.movement.founders_per_1000 == 0:
            out.append(
                f"parties.{name}.movement.response: there is no movement to "
                f"{party.movement.response.replace('_', '-')} (movement.founders_per_1000 is 0)"
            )
        if party.movement.response == "co_opt" and not party.champions.enabled:
            out.append(
                f"parties.{name}.movement.response: co_opt recruits members as champions, but "
                "the party runs no champion programme (champions.enabled is false)"
            )
        if party.champions.enabled and plan(party, s.population.citizens).staff_count == 0:
            source = "the budget gives staff nothing" if party.budget.per_1000 else "no staff"
            out.append(
                f"parties.{name}.champions.enabled: the programme has no organizers ({source}), "
                "so it recruits no champions, founding ones included; add staff "
                "(staff.per_1000 or budget.staff)"
            )
    return out


NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def check_name(b: Checker, path: str, name: Any) -> None:
    """A name that becomes part of file and folder names: letters, digits, ``_`` and ``-``."""
    if isinstance(name, str) and not NAME.match(name):
        b.fail(
            path,
            "expected a name of letters, digits, _ and - (starting with a letter or digit, at "
            f"most 64 characters), got {_fmt(name)}",
        )


def resolve_path(path: str, base_dir: Path) -> Path:
    """A path from a scenario file, taken relative to that file's folder."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base_dir / p)


def parse_override(text: str) -> tuple[str, Any]:
    """``a.b.c=VALUE`` → (``a.b.c``, VALUE parsed as YAML). Raises ConfigError."""
    if "=" not in text:
        raise ConfigError([f"--set: {text}: expected DOTTED.PATH=VALUE"])
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ConfigError([f"--set: {text}: expected DOTTED.PATH=VALUE"])
    try:
        value = load_text(raw) if raw.strip() else ""
    except (yaml.YAMLError, YamlProblem):
        value = raw
    return key, value


def apply_overrides(
    data: dict, overrides: Mapping[str, Any], source: str = "--set", *, copy: bool = True
) -> dict:
    """Set dotted paths in raw scenario data (a deep copy; with ``copy=False``, in place, for a
    caller whose ``data`` is its own fresh dict, such as ``scenario_to_dict``'s: copying a whole
    scenario is a third of the cost of a design point's check); the schema check comes after.

    An override cannot create a party: ``parties.bleu.…`` where the scenario declares no party
    ``bleu`` is refused with a did-you-mean (a typo would otherwise add a third party).
    """
    import copy as copying

    if copy:
        data = copying.deepcopy(data)
    for key, value in overrides.items():
        node = data
        parts = key.split(".")
        if parts[0] == "parties" and len(parts) > 2:
            declared = data.get("parties") if isinstance(data.get("parties"), dict) else {}
            if parts[1] not in declared:
                near = difflib.get_close_matches(parts[1], [str(p) for p in declared], n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                names = ", ".join(map(str, declared)) or "none"
                raise ConfigError(
                    [
                        f"{source}: {key} (from the command line): no party '{parts[1]}' "
                        f"in the scenario{hint}; "
                        f"declared: {names} (declare a new party in the file)"
                    ]
                )
        for part in parts[:-1]:
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                raise ConfigError(
                    [f"{source}: {key} (from the command line): '{part}' is not a section"]
                )
            node = nxt
        node[parts[-1]] = value
    return data


def read_yaml(path: Path, kind: str = "scenario") -> dict:
    """Read a YAML mapping under :mod:`model.config.yamlread`'s limits; every problem (missing,
    unreadable, too big, syntax, alias bomb, duplicate key, empty) is one ConfigError line."""
    path = Path(path)
    try:
        if (other := file_kind(path)) is not None:
            raise ConfigError([f"{path}: expected a YAML file, got {other}"])
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(
                [
                    f"{path}: expected {_a(kind)} file under {MAX_BYTES // 2**20} MB, got "
                    f"{size / 2**20:.0f} MB"
                ]
            )
        text = path.read_text(encoding="utf-8-sig")  # a UTF-8 byte-order mark is dropped
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([f"{path}: cannot read: {err}"]) from None
    try:
        data = load_text(text)
    except YamlProblem as err:
        raise ConfigError([f"{path}: {err}"]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError([f"{path}: {where}invalid YAML: {problem}"]) from None
    if data is None:
        hint = {
            "scenario": "write `name: ...` at least; every other key has a default",
            "robust": "a robust file needs `policies:` and `uncertainties:`",
        }.get(kind, "an experiment needs `base:` or `scenario:` and what to `vary:`")
        raise ConfigError(
            [f"{path}: (top level): expected a mapping of {kind} keys, got an empty file ({hint})"]
        )
    if not isinstance(data, dict):
        raise ConfigError(
            [f"{path}: (top level): expected a mapping of {kind} keys, got {_fmt(data)}"]
        )
    return data


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    source: str = "<scenario>",
    base_dir: Path | None = None,
    overridden: Iterable[str] = (),
) -> Scenario:
    """Build a checked Scenario from raw data. Raises ConfigError listing every problem.

    ``overridden`` names the key paths set on the command line (``--set``, ``--steps``...),
    so their problems say so.
    """
    b = Checker(source, base_dir or Path.cwd(), frozenset(overridden))
    scenario = b.build(Scenario, data, "")
    check_name(b, "name", scenario.name)
    if not b.problems:
        _check_consistency(b, scenario)
    if b.problems:
        raise ConfigError(b.problems)
    if scenario.network.kind in FILE_KINDS:
        # store the resolved path so a resolved scenario.yaml still finds the file
        path = resolve_path(scenario.network.path, b.base_dir).resolve()
        scenario = dataclasses.replace(
            scenario, network=dataclasses.replace(scenario.network, path=str(path))
        )
    if scenario.mobilization.thresholds_path:
        path = resolve_path(scenario.mobilization.thresholds_path, b.base_dir).resolve()
        scenario = dataclasses.replace(
            scenario,
            mobilization=dataclasses.replace(scenario.mobilization, thresholds_path=str(path)),
        )
    if scenario.opinion.zealots.path:
        op = scenario.opinion
        path = resolve_path(op.zealots.path, b.base_dir).resolve()
        zealots = dataclasses.replace(op.zealots, path=str(path))
        scenario = dataclasses.replace(scenario, opinion=dataclasses.replace(op, zealots=zealots))
    if scenario.population.survey.source:
        scenario = _with_survey(b, scenario, data)
    return scenario


def patch_scenario(
    base: Scenario, overrides: Mapping[str, Any], *, source: str, base_dir: Path
) -> Scenario | None:
    """``base`` with dotted-path ``overrides`` applied and checked, converting only the values
    given (a design point changes a few keys of a scenario that is already checked) and
    rebuilding each section on their paths once: the same scenario as
    ``scenario_from_dict(apply_overrides(scenario_to_dict(base), overrides))`` at a fraction of
    the cost. None — the caller then takes that full path, which also words every error — where
    the equivalence is not plain: a survey (its party lines come from the raw data), a file
    path (resolved against the folder), a key the schema does not have, a key inside a mapping
    of names, one key inside another, or any value that fails its check."""
    if base.population.survey.source:
        return None
    b = Checker(source, base_dir)
    tree: dict[str, Any] = {}  # part -> subtree, or _Set(value) at a leaf
    for key, value in overrides.items():
        parts = key.split(".")
        if parts[-1].endswith("path"):
            return None
        node: Any = base
        branch = tree
        for part in parts[:-1]:
            if dataclasses.is_dataclass(node) and part in _schema(type(node))[1]:
                node = getattr(node, part)
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return None
            branch = branch.setdefault(part, {})
            if not isinstance(branch, dict):  # a key inside a key set whole
                return None
        leaf = parts[-1]
        if not dataclasses.is_dataclass(node) or leaf not in _schema(type(node))[1]:
            return None
        if leaf in branch:  # set twice, or a section set whole and a key inside it
            return None
        hints, fields = _schema(type(node))
        ok, converted = b.convert(hints[leaf], value, key, fields[leaf].metadata)
        if not ok:
            return None
        branch[leaf] = _Set(converted)
    scenario = _rebuilt(base, tree)
    check_name(b, "name", scenario.name)
    if not b.problems:
        _check_consistency(b, scenario)
    if b.problems:
        return None
    return scenario


@dataclasses.dataclass(frozen=True)
class _Set:
    """A converted value in :func:`patch_scenario`'s tree of changes."""

    value: Any


def _rebuilt(node: Any, tree: Mapping[str, Any]) -> Any:
    """``node`` (a spec or a mapping of specs) with the changes in ``tree``, each section on
    their paths replaced once."""
    changes = {}
    for part, sub in tree.items():
        child = node[part] if isinstance(node, dict) else getattr(node, part)
        changes[part] = sub.value if isinstance(sub, _Set) else _rebuilt(child, sub)
    if isinstance(node, dict):
        return {**node, **changes}
    return dataclasses.replace(node, **changes)


def _with_survey(b: Checker, scenario: Scenario, data: Mapping[str, Any]) -> Scenario:
    """Resolve the survey's file and set the placed parties' lines from it (model.survey)."""
    from model.config.survey import BUILT_IN, SurveyError, party_lines

    pop = scenario.population
    survey = pop.survey
    if survey.source not in BUILT_IN:
        survey = dataclasses.replace(
            survey, source=str(resolve_path(survey.source, b.base_dir).resolve())
        )
        pop = dataclasses.replace(pop, survey=survey)
        scenario = dataclasses.replace(scenario, population=pop)
    if not survey.placements:
        return scenario
    try:
        lines = party_lines(survey)
    except SurveyError as err:
        raise ConfigError(
            [f"{err.file}: {err.message} (population.survey.source of {b.source})"]
        ) from None
    raw = data.get("parties") if isinstance(data.get("parties"), Mapping) else {}
    parties = dict(scenario.parties)
    for name, line in lines.items():
        given = raw.get(name) if isinstance(raw.get(name), Mapping) else {}
        if "position" in given and abs(parties[name].position[0] - line) > 1e-9:
            b.fail(
                f"parties.{name}.position",
                f"expected no position: population.survey.placements.{name} sets it "
                f"({line:.4f}), got {_num(parties[name].position[0])}",
            )
        parties[name] = dataclasses.replace(parties[name], position=[line])
    if b.problems:
        raise ConfigError(b.problems)
    return dataclasses.replace(scenario, parties=parties)


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
) -> Scenario:
    """Load a scenario YAML file, apply ``--set``-style overrides, and check it all.

    Args:
        path: the scenario file.
        overrides: ``{"parties.blue.champions.guidance": 0.5}`` or ``["a.b=1", ...]``.

    Raises:
        ConfigError: one line per problem, naming the file and key path.
    """
    path = Path(path)
    data = read_yaml(path)
    if overrides:
        if not isinstance(overrides, Mapping):
            overrides = dict(parse_override(o) for o in overrides)
        data = apply_overrides(data, overrides, str(path))
    return scenario_from_dict(
        data, source=str(path), base_dir=path.parent, overridden=list(overrides or ())
    )


def scenario_to_dict(scenario: Scenario) -> dict:
    """The fully resolved scenario as plain data (what ``scenario.yaml`` holds)."""
    return dataclasses.asdict(scenario)


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A copy of a loaded scenario with dotted-path overrides, checked again."""
    data = apply_overrides(scenario_to_dict(scenario), overrides, copy=False)
    return scenario_from_dict(data, source=f"<{scenario.name}>")
