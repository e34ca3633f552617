"""A table of hostile and malformed inputs (issue 11): every one is refused with exit 2, one line
on stderr per problem naming the file (or flag) and the key path and what was expected, nothing on
stdout, and nothing written anywhere — no output folder, no results/, no staging or temp files.

Each row is run through ``model.cli.main`` in-process (fast); a handful also through
``python -m model`` to prove the real exit code. Rows that could hang or exhaust memory if the
reader does not guard against them (a FIFO, ``/dev/zero``) run only in a subprocess with a
timeout and a memory limit. Every row runs under ``SOCIALWEB_MAX_MEMORY=1G`` (unless it sets its
own) so results do not depend on the machine.

Nothing here runs a simulation: building a model is patched to fail, so an input that slips past
the checks shows up as exit 1 ("a model was built"), never as a long run.
"""

from __future__ import annotations

import copy
import hashlib
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import model.comparison
import model.sim
from model.cli import main
from model.config import limits, scenario_from_dict
from tests.conftest import ROOT, tiny_data

LIMIT = "1G"  # SOCIALWEB_MAX_MEMORY for every row, unless the row sets its own
MAX_LINE = 1000  # characters: a message about a hostile value must not echo the value whole
S = "{tmp}/s.yaml"  # the scenario most rows use
E = "{tmp}/exp.yaml"  # the experiment file
N = "{tmp}/net.yaml"  # the edge-list scenario
EDGES = "{tmp}/edges.csv"
OUT = "{tmp}/out"


# --- building the files --------------------------------------------------------------------


class _Dir:
    """A folder to create (a file's value in a row)."""


DIR = _Dir()
DROP = object()  # in a merge: remove the key


def merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``base`` with ``changes`` merged into its mappings (DROP removes a key)."""
    out = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if value is DROP:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


BASE = tiny_data(citizens=200, steps=15, mean_degree=6) | {"seed": 3}


def scenario(**changes: Any) -> str:
    """The YAML of a small, valid two-party scenario with ``changes`` merged in."""
    return yaml.safe_dump(merged(BASE, changes), sort_keys=False, allow_unicode=True)


GOOD = scenario()

EXPERIMENT = {
    "name": "hostile",
    "base": "s.yaml",
    "vary": {"parties.blue.champions.guidance": [0.2, 0.4]},
    "design": "grid",
    "replicates": 1,
    "seed": 0,
    "outputs": ["turnout"],
}


def experiment(**changes: Any) -> str:
    """The YAML of a small, valid experiment on ``s.yaml`` with ``changes`` merged in."""
    data = merged(EXPERIMENT, changes)
    if "vary" in changes and changes["vary"] is not DROP:
        data["vary"] = changes["vary"]  # vary replaces, it does not merge
    return yaml.safe_dump(data, sort_keys=False)


def net_scenario(**changes: Any) -> str:
    """A scenario of 10 citizens on the edge list ``edges.csv``."""
    data = merged(
        tiny_data(citizens=10, steps=5, initial_champions=1),
        {"network": {"kind": "edge_list", "path": "edges.csv"}},
    )
    return yaml.safe_dump(merged(data, changes), sort_keys=False)


def billion_laughs(levels: int = 9) -> str:
    """~1 KB that a naive loader expands to 9**9 strings."""
    lines = ["name: bomb", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


BOMB = billion_laughs()


def sparse(size: int) -> Callable[[Path, Path], None]:
    """A file of ``size`` bytes that takes no disk space (a hole)."""

    def make(path: Path, tmp: Path) -> None:
        with path.open("wb") as fh:
            fh.write(b"name: big\n# ")
            fh.truncate(size)

    return make


def big_comment(path: Path, tmp: Path) -> None:
    """A valid YAML file of 11 MB: a scenario and a huge comment."""
    path.write_text(GOOD + "# " + "x" * (11 * 2**20) + "\n", encoding="utf-8")


def fifo(path: Path, tmp: Path) -> None:
    os.mkfifo(path)


def symlink(target: str) -> Callable[[Path, Path], None]:
    def make(path: Path, tmp: Path) -> None:
        path.symlink_to(target.replace("{tmp}", str(tmp)))

    return make


def read_only_folder(path: Path, tmp: Path) -> None:
    path.mkdir()
    path.chmod(0o500)


def other_sweep_record(path: Path, tmp: Path) -> None:
    path.write_text('{"experiment": "other", "fingerprint": "' + "0" * 64 + '"}\n')


# --- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile input: the files to create under tmp_path, the command line, and for each
    expected stderr line the fragments it must contain. ``{tmp}`` stands for tmp_path."""

    id: str
    category: str
    argv: tuple[str, ...]
    expect: tuple[str | tuple[str, ...], ...]
    files: Mapping[str, str | bytes | _Dir | Callable[[Path, Path], None]] = field(
        default_factory=dict
    )
    env: Mapping[str, str | None] = field(default_factory=dict)
    absent: tuple[str, ...] = ()  # fragments that must not appear on stderr
    max_seconds: float | None = None  # hostile inputs that must be refused fast
    guarded: bool = False  # could hang or eat memory: subprocess only, with limits
    root_skip: str | None = None  # why the row means nothing when run as root


def case(
    id: str,
    category: str,
    argv: str | list[str],
    *expect: str | tuple[str, ...],
    files: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Case:
    args = tuple(argv.split()) if isinstance(argv, str) else tuple(argv)
    return Case(id, category, args, tuple(expect), dict(files or {}), **kwargs)


def nested(depth: int) -> str:
    return "name: deep\nx: " + "[" * depth + "]" * depth + "\n"


RUN = f"run {S} --out {OUT} --progress none"
COMPARE = f"compare {S} {S} --replicates 2 --out {OUT} --progress none"
SWEEP = f"sweep {E} --out {OUT} --progress none"
NAME_EXPECTED = "name: expected a name of letters, digits, _ and - (starting with a letter or digit"

SCENARIO_CASES = [
    case(
        "yaml_syntax",
        "scenario",
        RUN,
        (f"{S}: line 4, column ", ": invalid YAML: "),
        files={"s.yaml": "name: broken\nsteps: 5\npopulation: {citizens: 200\n  x: 1\n"},
    ),
    case(
        "unknown_key_did_you_mean",
        "scenario",
        RUN,
        f"{S}: parties.blue.champions.guidence: unknown key (did you mean 'guidance'?); "
        "expected one of: ",
        files={"s.yaml": scenario(parties={"blue": {"champions": {"guidence": 0.3}}})},
    ),
    case(
        "wrong_type",
        "scenario",
        RUN,
        f"{S}: steps: expected an integer in [1, 1000000], got 'ten'",
        files={"s.yaml": scenario(steps="ten")},
    ),
    case(
        "out_of_range",
        "scenario",
        COMPARE,
        f"{S}: parties.blue.champions.guidance: expected a number in [0, 1], got 1.4",
        f"{S}: parties.blue.champions.guidance: expected a number in [0, 1], got 1.4",
        files={"s.yaml": scenario(parties={"blue": {"champions": {"guidance": 1.4}}})},
    ),
    case(
        "inconsistent_rejection_below_openness",
        "scenario",
        RUN,
        f"{S}: population.rejection: expected >= population.openness (0.8)",
        files={"s.yaml": scenario(population={"openness": 0.8, "rejection": 0.5})},
    ),
    case(
        "inconsistent_mean_degree_above_citizens",
        "scenario",
        f"validate {S}",
        f"{S}: network.mean_degree: expected fewer than population.citizens (200), got 300",
        files={"s.yaml": scenario(network={"mean_degree": 300})},
    ),
    case(
        "duplicate_keys",
        "scenario",
        RUN,
        f"{S}: line 3: duplicate key 'steps' (each key may appear once in a mapping)",
        files={"s.yaml": "name: tiny\nsteps: 5\nsteps: 6\n"},
    ),
    case(
        "nested_duplicate_keys",
        "scenario",
        f"validate {S}",
        f"{S}: line 4: duplicate key 'citizens'",
        files={"s.yaml": "name: tiny\npopulation:\n  citizens: 200\n  citizens: 300\n"},
    ),
    case(
        "sexagesimal_steps",
        "scenario",
        RUN,
        f"{S}: steps: expected an integer in [1, 1000000], got '1:30'",
        files={"s.yaml": "name: tiny\nsteps: 1:30\n"},
    ),
    case(
        "hex_steps",
        "scenario",
        RUN,
        f"{S}: steps: expected an integer in [1, 1000000], got '0x10'",
        files={"s.yaml": "name: tiny\nsteps: 0x10\n"},
    ),
    case(
        "yes_for_true",
        "scenario",
        RUN,
        f"{S}: parties.blue.champions.enabled: expected true or false, got 'yes'",
        files={"s.yaml": "name: tiny\nparties:\n  blue:\n    champions: {enabled: yes}\n"},
    ),
    case(
        "float_for_integer",
        "scenario",
        f"validate {S}",
        f"{S}: steps: expected an integer in [1, 1000000], got 5.5",
        files={"s.yaml": scenario(steps=5.5)},
    ),
    case(
        "scalar_for_section",
        "scenario",
        f"validate {S}",
        f"{S}: population: expected a mapping of PopulationSpec keys, got 200",
        files={"s.yaml": "name: tiny\npopulation: 200\n"},
    ),
    case(
        "parties_as_list",
        "scenario",
        f"validate {S}",
        f"{S}: parties: expected a mapping of names, got ['blue', 'red']",
        files={"s.yaml": "name: tiny\nparties: [blue, red]\n"},
    ),
    case(
        "party_name_with_space",
        "scenario",
        f"validate {S}",
        f"{S}: parties.blue party: expected a name of letters, digits and _",
        files={"s.yaml": "name: tiny\nparties:\n  blue party: {position: 0.2}\n"},
    ),
    case(
        "position_per_issue",
        "scenario",
        f"validate {S}",
        f"{S}: parties.blue.position: expected 1 value(s), one per issue (population.issues), "
        "got 2",
        files={"s.yaml": scenario(parties={"blue": {"position": [0.1, 0.2]}})},
    ),
    case(
        "empty_file",
        "scenario",
        RUN,
        f"{S}: (top level): expected a mapping of scenario keys, got an empty file",
        files={"s.yaml": ""},
    ),
    case(
        "only_a_comment",
        "scenario",
        RUN,
        f"{S}: (top level): expected a mapping of scenario keys, got an empty file",
        files={"s.yaml": "# nothing but a comment\n"},
    ),
    case(
        "top_level_list",
        "scenario",
        RUN,
        f"{S}: (top level): expected a mapping of scenario keys, got [",
        files={"s.yaml": "- name: tiny\n- steps: 5\n"},
    ),
    case(
        "top_level_string",
        "scenario",
        f"validate {S}",
        f"{S}: (top level): expected a mapping of scenario keys, got 'just words'",
        files={"s.yaml": "just words\n"},
    ),
    case(
        "nested_100_levels",
        "scenario",
        RUN,
        f"{S}: line 2: nested more than 64 levels deep",
        files={"s.yaml": nested(100)},
    ),
    case(
        "deeply_nested_lists",
        "scenario",
        RUN,
        (f"{S}: line 2, column ", "invalid YAML: exceeded maximum nesting depth"),
        files={"s.yaml": nested(10_000)},
        max_seconds=5,
    ),
    case(
        "deeply_nested_mappings",
        "scenario",
        f"validate {S}",
        (f"{S}: line 2, column ", "invalid YAML: exceeded maximum nesting depth"),
        files={"s.yaml": "name: deep\nx: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n"},
        max_seconds=5,
    ),
    case(
        "billion_laughs",
        "scenario",
        RUN,
        f"{S}: line 7: expands to more than 200,000 values once its aliases (*name) are expanded",
        files={"s.yaml": BOMB},
        max_seconds=5,
    ),
    case(
        "alias_that_contains_itself",
        "scenario",
        f"validate {S}",
        (f"{S}: line 2", "contains itself"),
        files={"s.yaml": "name: tiny\nx: &a [1, *a]\n"},
        max_seconds=5,
    ),
    case(
        "python_object_tag",
        "scenario",
        RUN,
        (f"{S}: line 1, column ", "invalid YAML", "python/object/apply:os.system"),
        files={"s.yaml": "name: !!python/object/apply:os.system ['touch {tmp}/pwned']\n"},
    ),
    case(
        "two_documents",
        "scenario",
        f"validate {S}",
        f"{S}: line 2, column 1: invalid YAML: but found another document",
        files={"s.yaml": "name: a\n---\nname: b\n"},
    ),
    case(
        "unhashable_key",
        "scenario",
        f"validate {S}",
        (f"{S}: line ", "invalid YAML", "unhashable key"),
        files={"s.yaml": "name: tiny\n? [a, b]\n: 1\n"},
    ),
    case(
        "name_dot_dot_slash",
        "scenario",
        RUN,
        (f"{S}: {NAME_EXPECTED}", "got '../../../victim'"),
        files={"s.yaml": scenario(name="../../../victim")},
    ),
    case(
        "name_with_slash",
        "scenario",
        COMPARE,
        (f"{S}: {NAME_EXPECTED}", "got 'a/b'"),
        (f"{S}: {NAME_EXPECTED}", "got 'a/b'"),
        files={"s.yaml": scenario(name="a/b")},
    ),
    case(
        "name_empty",
        "scenario",
        RUN,
        (f"{S}: {NAME_EXPECTED}", "got ''"),
        files={"s.yaml": scenario(name="")},
    ),
    case(
        "name_hidden",
        "scenario",
        RUN,
        (f"{S}: {NAME_EXPECTED}", "got '.hidden'"),
        files={"s.yaml": scenario(name=".hidden")},
    ),
    case(
        "name_of_a_million_characters",
        "scenario",
        f"validate {S}",
        (f"{S}: {NAME_EXPECTED}", "..."),
        files={"s.yaml": scenario(name="x" * 1_000_000)},
    ),
    case(
        "name_not_a_string",
        "scenario",
        f"validate {S}",
        f"{S}: name: expected a string, got 5",
        files={"s.yaml": "name: 5\n"},
    ),
    case(
        "folder_as_scenario",
        "scenario",
        RUN,
        f"{S}: expected a YAML file, got a folder",
        files={"s.yaml": DIR},
    ),
    case("missing_file", "scenario", RUN, f"{S}: file not found"),
    case(
        "symlink_loop",
        "scenario",
        f"validate {S}",
        (f"{S}: cannot read", "symbolic links"),
        files={"s.yaml": symlink("{tmp}/s.yaml")},
    ),
    case(
        "non_utf8_bytes",
        "scenario",
        RUN,
        (f"{S}: cannot read", "utf-8", "0xff"),
        files={"s.yaml": b"name: tiny\nsteps: \xff\xfe\n"},
    ),
    case(
        "nul_byte",
        "scenario",
        f"validate {S}",
        (f"{S}: ", "#x0000"),
        files={"s.yaml": b"name: tiny\x00\nsteps: 5\n"},
    ),
    case(
        "nan",
        "scenario",
        RUN,
        f"{S}: feed.bias: expected a number in [0, 20], got nan",
        files={"s.yaml": "name: tiny\nfeed: {bias: .nan}\n"},
    ),
    case(
        "inf",
        "scenario",
        RUN,
        f"{S}: opinion.self_weight: expected a number in [0, 1e+06], got inf",
        files={"s.yaml": "name: tiny\nopinion: {self_weight: .inf}\n"},
    ),
    case(
        "minus_inf_for_integer",
        "scenario",
        f"validate {S}",
        f"{S}: steps: expected an integer in [1, 1000000], got -inf",
        files={"s.yaml": "name: tiny\nsteps: -.inf\n"},
    ),
    case(
        "seed_over_63_bits_in_file",
        "scenario",
        f"validate {S}",
        f"{S}: seed: expected an integer in [0, 9223372036854775807], got 1180591620717411303424",
        files={"s.yaml": "name: tiny\nseed: 1180591620717411303424\n"},
    ),
    case(
        "file_over_10_mb_sparse",
        "scenario",
        RUN,
        f"{S}: expected a scenario file under 10 MB, got 11 MB",
        files={"s.yaml": sparse(11 * 2**20)},
        max_seconds=5,
    ),
    case(
        "file_over_10_mb_comment",
        "scenario",
        f"validate {S}",
        f"{S}: expected a scenario file under 10 MB, got 11 MB",
        files={"s.yaml": big_comment},
        max_seconds=5,
    ),
    case(
        "validate_reports_every_problem",
        "scenario",
        f"validate {S}",
        f"{S}: steps: expected an integer in [1, 1000000], got 0",
        f"{S}: feed.algorithm: expected one of chronological, similarity, engagement, "
        "got 'chrono' (did you mean 'chronological'?)",
        f"{S}: parties.blue.champions.guidence: unknown key (did you mean 'guidance'?)",
        files={
            "s.yaml": "name: tiny\nsteps: 0\nfeed: {algorithm: chrono}\n"
            "parties:\n  blue:\n    champions: {enabled: true, guidence: 0.3}\n"
        },
    ),
    case(
        "compare_reports_every_file",
        "scenario",
        f"compare {S} {{tmp}}/b.yaml --out {OUT}",
        f"{S}: steps: expected an integer in [1, 1000000], got 'ten'",
        "{tmp}/b.yaml: feed.algorithm: expected one of chronological",
        files={
            "s.yaml": scenario(steps="ten"),
            "b.yaml": scenario(name="b", feed={"algorithm": "chrono"}),
        },
    ),
    case(
        "app_refuses_a_bad_scenario_before_serving",
        "scenario",
        f"app {S} --port 1",
        f"{S}: feed.bias: expected a number in [0, 20], got -1",
        files={"s.yaml": scenario(feed={"bias": -1})},
    ),
    case(
        "animate_refuses_a_bad_scenario",
        "scenario",
        f"animate {S} --out {{tmp}}/a.gif --progress none",
        f"{S}: opinion.rule: expected one of social_judgment, deffuant, hegselmann_krause, "
        "voter, degroot, friedkin_johnsen, q_voter, naming_game, majority, holme_newman, "
        "algorithmic_bias, sznajd, attraction_repulsion, radicalization, "
        "got 'defuant' (did you mean 'deffuant'?)",
        files={"s.yaml": scenario(opinion={"rule": "defuant"})},
    ),
    case(
        "newline_in_the_file_name",
        "scenario",
        ["validate", "{tmp}/bad\nname.yaml"],
        ("name.yaml", ": steps: expected an integer in [1, 1000000], got 'ten'"),
        files={"bad\nname.yaml": scenario(steps="ten")},
    ),
    case(
        "fifo_as_scenario",
        "scenario",
        f"validate {S}",
        (f"{S}: ",),
        files={"s.yaml": fifo},
        guarded=True,
    ),
    case(
        "dev_zero_as_scenario",
        "scenario",
        "validate /dev/zero",
        ("/dev/zero: ",),
        guarded=True,
    ),
]

EXPERIMENT_CASES = [
    case(
        "unknown_design",
        "experiment",
        SWEEP,
        f"{E}: design: expected one of grid, random, latin_hypercube, sobol, got 'gird' "
        "(did you mean 'grid'?)",
        files={"s.yaml": GOOD, "exp.yaml": experiment(design="gird")},
    ),
    case(
        "sobol_samples_not_a_power_of_2",
        "experiment",
        SWEEP,
        f"{E}: samples: expected a power of 2 for design sobol",
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(
                design="sobol",
                samples=100,
                vary={"parties.blue.champions.guidance": {"low": 0.1, "high": 0.9}},
            ),
        },
    ),
    case(
        "grid_of_three_keys_of_10000",
        "experiment",
        SWEEP,
        (
            f"{E}: a design of 1,000,000,000,000 points × 1 replicates would need about ",
            "the limit is 1.0 GB",
        ),
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(
                vary={
                    "parties.blue.champions.guidance": {"low": 0, "high": 1, "num": 10_000},
                    "population.openness": {"low": 0.1, "high": 0.9, "num": 10_000},
                    "feed.bias": {"low": 0, "high": 5, "num": 10_000},
                }
            ),
        },
        max_seconds=5,
    ),
    case(
        "vary_unknown_key",
        "experiment",
        f"validate {E}",
        f"{E}: vary.feed.algorythm: unknown key 'algorythm' (did you mean 'algorithm'?)",
        files={"s.yaml": GOOD, "exp.yaml": experiment(vary={"feed.algorythm": ["similarity"]})},
    ),
    case(
        "vary_undeclared_party",
        "experiment",
        SWEEP,
        f"{E}: vary.parties.bleu.champions.guidance: unknown party 'bleu'",
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(vary={"parties.bleu.champions.guidance": [0.1]}),
        },
    ),
    case(
        "vary_a_section",
        "experiment",
        f"validate {E}",
        f"{E}: vary.feed: 'feed' is a section; vary one of its keys",
        files={"s.yaml": GOOD, "exp.yaml": experiment(vary={"feed": [1, 2]})},
    ),
    case(
        "vary_seed",
        "experiment",
        SWEEP,
        f"{E}: vary.seed: cannot be varied",
        files={"s.yaml": GOOD, "exp.yaml": experiment(vary={"seed": [1, 2]})},
    ),
    case(
        "vary_value_out_of_range",
        "experiment",
        SWEEP,
        f"{E}: vary.parties.blue.champions.guidance[1]: expected a number in [0, 1], got 1.5",
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(vary={"parties.blue.champions.guidance": [0.5, 1.5]}),
        },
    ),
    case(
        "range_on_a_string_key",
        "experiment",
        SWEEP,
        f"{E}: vary.feed.algorithm: a range needs a numeric key",
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(vary={"feed.algorithm": {"low": 0, "high": 1, "num": 2}}),
        },
    ),
    case(
        "range_low_not_below_high",
        "experiment",
        f"validate {E}",
        f"{E}: vary.feed.bias: expected low < high, got low 2, high 1",
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(vary={"feed.bias": {"low": 2, "high": 1, "num": 3}}),
        },
    ),
    case(
        "grid_range_without_num",
        "experiment",
        f"validate {E}",
        f"{E}: vary.feed.bias: expected num (points between low and high) for a grid",
        files={"s.yaml": GOOD, "exp.yaml": experiment(vary={"feed.bias": {"low": 0, "high": 1}})},
    ),
    case(  # a sampled design takes a list as options, each checked like any value
        "sobol_with_an_unknown_option",
        "experiment",
        f"validate {E}",
        f"{E}: vary.network.kind[1]: expected one of ",
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(
                design="sobol", samples=4, vary={"network.kind": ["watts_strogatz", "ring"]}
            ),
        },
    ),
    case(
        "contrast_with_an_unknown_key",
        "experiment",
        SWEEP,
        f"{E}: contrast.c: unknown key; expected one of: a, b",
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(contrast={"a": "s.yaml", "b": "s.yaml", "c": "s.yaml"}),
        },
    ),
    case(
        "design_point_inconsistent",
        "experiment",
        SWEEP,
        f"{E}: vary: design point 1 (population.citizens=5) is inconsistent: "
        "network.mean_degree: expected fewer than population.citizens (5), got 6",
        files={"s.yaml": GOOD, "exp.yaml": experiment(vary={"population.citizens": [200, 5]})},
    ),
    case(
        "base_missing",
        "experiment",
        SWEEP,
        f"{E}: base: {{tmp}}/missing.yaml: file not found",
        files={"exp.yaml": experiment(base="missing.yaml")},
    ),
    case(
        "base_is_a_folder",
        "experiment",
        SWEEP,
        f"{E}: base: {{tmp}}/sub: expected a YAML file, got a folder",
        files={"sub": DIR, "exp.yaml": experiment(base="sub")},
    ),
    case(
        "base_not_a_string",
        "experiment",
        f"validate {E}",
        f"{E}: base: expected a path to a scenario file, got 5",
        files={"exp.yaml": experiment(base=5)},
    ),
    case(
        "base_and_inline_scenario",
        "experiment",
        f"validate {E}",
        f"{E}: base: expected exactly one of base (a scenario file) or scenario (inline)",
        files={"s.yaml": GOOD, "exp.yaml": experiment(scenario={"name": "x"})},
    ),
    case(
        "base_scenario_is_bad",
        "experiment",
        SWEEP,
        f"{S}: steps: expected an integer in [1, 1000000], got 'ten'",
        files={"s.yaml": scenario(steps="ten"), "exp.yaml": experiment()},
    ),
    case(
        "inline_scenario_is_bad",
        "experiment",
        SWEEP,
        f"{E}: scenario: steps: expected an integer in [1, 1000000], got 'ten'",
        files={"exp.yaml": experiment(base=DROP, scenario=merged(BASE, {"steps": "ten"}))},
    ),
    case(
        "overrides_on_an_undeclared_party",
        "experiment",
        SWEEP,
        f"{E}: overrides.parties.bleu.staff.per_1000: no party 'bleu' in the scenario "
        "(did you mean 'blue'?)",
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(overrides={"parties.bleu.staff.per_1000": 3}),
        },
        absent=("(from the command line)",),
    ),
    case(
        "overrides_out_of_range",
        "experiment",
        f"validate {E}",
        f"{E}: overrides.steps: expected an integer in [1, 1000000], got 0",
        files={"s.yaml": GOOD, "exp.yaml": experiment(overrides={"steps": 0})},
        absent=("(from the command line)",),
    ),
    case(
        "duplicate_keys",
        "experiment",
        SWEEP,
        f"{E}: line 3: duplicate key 'replicates'",
        files={"s.yaml": GOOD, "exp.yaml": "base: s.yaml\nreplicates: 2\nreplicates: 3\n"},
    ),
    case(
        "name_with_slash",
        "experiment",
        SWEEP,
        (f"{E}: {NAME_EXPECTED}", "got 'a/b'"),
        files={"s.yaml": GOOD, "exp.yaml": experiment(name="a/b")},
    ),
    case(
        "name_dot_dot",
        "experiment",
        f"validate {E}",
        (f"{E}: {NAME_EXPECTED}", "got '../../x'"),
        files={"s.yaml": GOOD, "exp.yaml": experiment(name="../../x")},
    ),
    case(
        "unknown_top_key",
        "experiment",
        SWEEP,
        f"{E}: replicate: unknown key (did you mean 'replicates'?)",
        files={"s.yaml": GOOD, "exp.yaml": experiment(replicate=3)},
    ),
    case(
        "replicates_zero",
        "experiment",
        SWEEP,
        f"{E}: replicates: expected an integer in [1, 100000], got 0",
        files={"s.yaml": GOOD, "exp.yaml": experiment(replicates=0)},
    ),
    case(
        "unknown_output",
        "experiment",
        SWEEP,
        f"{E}: outputs[0]: unknown output 'vote_share.bleu' (did you mean 'vote_share.blue'?)",
        files={"s.yaml": GOOD, "exp.yaml": experiment(outputs=["vote_share.bleu"])},
    ),
    case(
        "experiment_alias_bomb",
        "experiment",
        SWEEP,
        f"{E}: line 7: expands to more than 200,000 values",
        files={"s.yaml": GOOD, "exp.yaml": BOMB.replace("name: bomb", "base: s.yaml")},
        max_seconds=5,
    ),
    case(
        "empty_file",
        "experiment",
        SWEEP,
        f"{E}: (top level): expected a mapping of experiment keys, got an empty file",
        files={"s.yaml": GOOD, "exp.yaml": "# an experiment, some day\n"},
        absent=("every other key has a default",),  # base (or scenario) has none
    ),
    case(
        "experiment_over_10_mb",
        "experiment",
        SWEEP,
        f"{E}: expected an experiment file under 10 MB, got 11 MB",
        files={"exp.yaml": sparse(11 * 2**20)},
        max_seconds=5,
    ),
]

EDGE_CASES = [
    case(
        "missing_file",
        "edge_list",
        f"run {N} --out {OUT}",
        f"{EDGES}: edge-list file not found (network.path of {N})",
        files={"net.yaml": net_scenario()},
    ),
    case(
        "a_folder",
        "edge_list",
        f"run {N} --out {OUT}",
        f"{EDGES}: expected an edge-list file, got a folder (network.path of {N})",
        files={"net.yaml": net_scenario(), "edges.csv": DIR},
    ),
    case(
        "empty",
        "edge_list",
        f"validate {N}",
        f"{EDGES}: empty file: expected lines 'source target [weight]' (network.path of {N})",
        files={"net.yaml": net_scenario(), "edges.csv": ""},
    ),
    case(
        "only_comments",
        "edge_list",
        f"validate {N}",
        f"{EDGES}: empty file: expected lines 'source target [weight]' (network.path of {N})",
        files={"net.yaml": net_scenario(), "edges.csv": "# no edges\n\n"},
    ),
    case(
        "header_only",
        "edge_list",
        f"run {N} --out {OUT}",
        (f"{EDGES}: ", "expected lines 'source target [weight]'", f"(network.path of {N})"),
        files={"net.yaml": net_scenario(), "edges.csv": "source,target\n"},
    ),
    case(
        "non_integer_ids",
        "edge_list",
        f"run {N} --out {OUT}",
        f"{EDGES}: line 2: expected integer node ids, got '2.5' (network.path of {N})",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1\n1,2.5\n"},
    ),
    case(
        "word_ids_after_a_header",
        "edge_list",
        f"validate {N}",
        f"{EDGES}: line 3: expected integer node ids, got 'x' (network.path of {N})",
        files={"net.yaml": net_scenario(), "edges.csv": "source,target\n0,1\n1,x\n"},
    ),
    case(
        "id_not_below_citizens",
        "edge_list",
        f"compare {N} --replicates 2 --out {OUT}",
        f"{EDGES}: line 2: unknown node id 10: expected ids 0..9 (population.citizens = 10) "
        f"(network.path of {N})",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1\n1,10\n"},
    ),
    case(
        "negative_id",
        "edge_list",
        f"validate {N}",
        f"{EDGES}: line 2: unknown node id -1: expected ids 0..9",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1\n-1,2\n"},
    ),
    case(
        "id_over_64_bits",
        "edge_list",
        f"validate {N}",
        (f"{EDGES}: line 2: unknown node id ", "expected ids 0..9", f"(network.path of {N})"),
        files={"net.yaml": net_scenario(), "edges.csv": "0,1\n99999999999999999999999,2\n"},
    ),
    case(
        "negative_weight",
        "edge_list",
        f"run {N} --out {OUT}",
        f"{EDGES}: line 2: expected a positive weight, got '-0.5' (network.path of {N})",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1,1.0\n1,2,-0.5\n"},
    ),
    case(
        "nan_weight",
        "edge_list",
        f"validate {N}",
        f"{EDGES}: line 1: expected a positive weight, got 'nan'",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1,nan\n1,2,1\n"},
    ),
    case(
        "word_weight",
        "edge_list",
        f"validate {N}",
        f"{EDGES}: line 2: expected a positive weight, got 'abc'",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1,1\n1,2,abc\n"},
    ),
    case(
        "typo_on_the_first_line_is_no_header",
        "edge_list",
        f"run {N} --out {OUT}",
        f"{EDGES}: line 1: expected two node ids (and a weight), or a header of column names, "
        f"got '1,2x' (network.path of {N})",
        files={"net.yaml": net_scenario(), "edges.csv": "1,2x\n2,3\n"},
    ),
    case(
        "self_loop",
        "edge_list",
        f"run {N} --out {OUT}",
        f"{EDGES}: line 2: self-loop 3-3: a citizen cannot follow itself (network.path of {N})",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1\n3,3\n"},
    ),
    case(
        "repeated_tie_reversed",
        "edge_list",
        f"run {N} --out {OUT}",
        f"{EDGES}: line 3: duplicate edge 1-0 (first on line 1) (network.path of {N})",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1\n1,2\n1,0\n"},
    ),
    case(
        "four_fields",
        "edge_list",
        f"validate {N}",
        f"{EDGES}: expected 2 or 3 fields per line (source target [weight]), got 4",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1,1,1\n1,2,1,1\n"},
    ),
    case(
        "a_line_of_one_field",
        "edge_list",
        f"validate {N}",
        f"{EDGES}: line 2: expected 'source target [weight]', got 1 field",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1\n2\n"},
    ),
    case(
        "weight_missing_on_a_line",
        "edge_list",
        f"validate {N}",
        f"{EDGES}: line 2: expected 'source target weight' like the other lines, got 2 fields",
        files={"net.yaml": net_scenario(), "edges.csv": "0,1,1\n1,2\n"},
    ),
    case(
        "non_utf8_bytes",
        "edge_list",
        f"validate {N}",
        (f"{EDGES}: line 2: ", f"(network.path of {N})"),
        files={"net.yaml": net_scenario(), "edges.csv": b"0,1\n\xff\xfe,2\n"},
    ),
    case(
        "path_set_on_the_command_line",
        "edge_list",
        f"run {S} --set network.kind=edge_list --set network.path={{tmp}}/nowhere.csv --out {OUT}",
        ("{tmp}/nowhere.csv: edge-list file not found", "network.path"),
        files={"s.yaml": GOOD},
    ),
    case(
        "experiment_base_edge_list",
        "edge_list",
        f"sweep {E} --out {OUT} --progress none",
        f"{EDGES}: line 2: self-loop 3-3: a citizen cannot follow itself (network.path of {E})",
        files={
            "net.yaml": net_scenario(),
            "edges.csv": "0,1\n3,3\n",
            "exp.yaml": experiment(base="net.yaml", vary={"feed.bias": [0.5, 1.0]}),
        },
    ),
    case(
        "thresholds_file_missing",
        "edge_list",
        f"run {S} --out {OUT}",
        f"{{tmp}}/th.txt: file not found (mobilization.thresholds_path of {S})",
        files={"s.yaml": scenario(mobilization={"thresholds_path": "th.txt"})},
    ),
    case(
        "thresholds_file_a_folder",
        "edge_list",
        f"validate {S}",
        ("{tmp}/th.txt: ", "folder", f"(mobilization.thresholds_path of {S})"),
        files={"s.yaml": scenario(mobilization={"thresholds_path": "th.txt"}), "th.txt": DIR},
    ),
    case(
        "thresholds_count",
        "edge_list",
        f"validate {S}",
        f"{{tmp}}/th.txt: expected 200 values (one per citizen), got 2 "
        f"(mobilization.thresholds_path of {S})",
        files={
            "s.yaml": scenario(mobilization={"thresholds_path": "th.txt"}),
            "th.txt": "0.1\n0.2\n",
        },
    ),
    case(
        "thresholds_out_of_range",
        "edge_list",
        f"validate {S}",
        "{tmp}/th.txt: line 2: expected a number in [0, 1], got 1.5",
        files={
            "s.yaml": scenario(mobilization={"thresholds_path": "th.txt"}),
            "th.txt": "0.1\n1.5\n",
        },
    ),
    case(
        "fifo",
        "edge_list",
        f"validate {N}",
        (f"{EDGES}: ", f"(network.path of {N})"),
        files={"net.yaml": net_scenario(), "edges.csv": fifo},
        guarded=True,
    ),
    case(
        "dev_zero",
        "edge_list",
        f"validate {N}",
        (f"(network.path of {N})",),
        files={"net.yaml": net_scenario(network={"path": "/dev/zero"})},
        guarded=True,
    ),
]

SEED_2_70 = str(2**70)
CLI_CASES = [
    case(
        "seed_2_to_the_70",
        "cli_flags",
        f"run {S} --seed {SEED_2_70} --out {OUT}",
        "socialweb run: argument --seed: expected an integer in [0, 9223372036854775807], "
        f"got '{SEED_2_70}'",
        files={"s.yaml": GOOD},
    ),
    case(
        "seed_negative",
        "cli_flags",
        ["run", S, "--seed", "-1", "--out", OUT],
        "socialweb run: argument --seed: expected an integer in [0, 9223372036854775807], got '-1'",
        files={"s.yaml": GOOD},
    ),
    case(
        "seed_fraction",
        "cli_flags",
        f"compare {S} {S} --seed 1.5 --out {OUT}",
        "socialweb compare: argument --seed: expected an integer in [0, ",
        files={"s.yaml": GOOD},
    ),
    case(
        "replicates_zero",
        "cli_flags",
        f"compare {S} {S} --replicates 0 --out {OUT}",
        "socialweb compare: argument --replicates: expected a positive integer, got '0'",
        files={"s.yaml": GOOD},
    ),
    case(
        "jobs_not_a_number",
        "cli_flags",
        f"compare {S} {S} --jobs x --out {OUT}",
        "socialweb compare: argument --jobs: expected a positive integer, got 'x'",
        files={"s.yaml": GOOD},
    ),
    case(
        "steps_zero",
        "cli_flags",
        f"run {S} --steps 0 --out {OUT}",
        "socialweb run: argument --steps: expected a positive integer, got '0'",
        files={"s.yaml": GOOD},
    ),
    case(
        "citizens_one",
        "cli_flags",
        f"run {S} --citizens 1 --out {OUT}",
        f"{S}: population.citizens (from the command line): expected an integer in "
        "[2, 10000000], got 1",
        files={"s.yaml": GOOD},
    ),
    case(
        "set_unknown_path",
        "cli_flags",
        f"run {S} --set no.such.path=1 --out {OUT}",
        f"{S}: no.such.path (from the command line): unknown key 'no'",
        files={"s.yaml": GOOD},
    ),
    case(
        "set_undeclared_party",
        "cli_flags",
        f"run {S} --set parties.bleu.staff.per_1000=3 --out {OUT}",
        f"{S}: parties.bleu.staff.per_1000 (from the command line): no party 'bleu' in the "
        "scenario (did you mean 'blue'?)",
        files={"s.yaml": GOOD},
    ),
    case(
        "set_without_equals",
        "cli_flags",
        f"run {S} --set foo --out {OUT}",
        "--set: foo: expected DOTTED.PATH=VALUE",
        files={"s.yaml": GOOD},
    ),
    case(
        "set_without_key",
        "cli_flags",
        f"run {S} --set =3 --out {OUT}",
        "--set: =3: expected DOTTED.PATH=VALUE",
        files={"s.yaml": GOOD},
    ),
    case(
        "set_inside_a_value",
        "cli_flags",
        f"run {S} --set steps.x=1 --out {OUT}",
        f"{S}: steps.x (from the command line): 'steps' is not a section",
        files={"s.yaml": GOOD},
    ),
    case(
        "set_sexagesimal",
        "cli_flags",
        f"run {S} --set steps=1:30 --out {OUT}",
        f"{S}: steps (from the command line): expected an integer in [1, 1000000], got '1:30'",
        files={"s.yaml": GOOD},
    ),
    case(
        "set_nan",
        "cli_flags",
        f"compare {S} {S} --set feed.bias=.nan --out {OUT}",
        f"{S}: feed.bias (from the command line): expected a number in [0, 20], got nan",
        f"{S}: feed.bias (from the command line): expected a number in [0, 20], got nan",
        files={"s.yaml": GOOD},
    ),
    case(
        "set_party_to_a_number",
        "cli_flags",
        f"run {S} --set parties.blue=5 --out {OUT}",
        f"{S}: parties.blue (from the command line): expected a mapping of PartySpec keys, got 5",
        files={"s.yaml": GOOD},
    ),
    case(
        "set_position_per_issue",
        "cli_flags",
        ["run", S, "--set", "parties.blue.position=[0.1, 0.2]", "--out", OUT],
        f"{S}: parties.blue.position (from the command line): expected 1 value(s), one per issue",
        files={"s.yaml": GOOD},
    ),
    case(
        "set_alias_bomb",
        "cli_flags",
        ["run", S, "--set", "feed.bias=" + BOMB, "--out", OUT],
        f"{S}: feed.bias (from the command line): expected a number in [0, 20], got ",
        files={"s.yaml": GOOD},
        max_seconds=5,
    ),
    case(
        "set_key_with_a_newline",
        "cli_flags",
        ["run", S, "--set", "no\nsuch=1", "--out", OUT],
        ("such (from the command line): unknown key",),
        files={"s.yaml": GOOD},
    ),
    case(
        "max_memory_lots",
        "cli_flags",
        f"run {S} --max-memory lots --out {OUT}",
        "--max-memory: expected a size such as 800M, 8G or a number of bytes, got 'lots'",
        files={"s.yaml": GOOD},
    ),
    case(
        "max_memory_negative",
        "cli_flags",
        f"validate {S} --max-memory=-1G",
        "--max-memory: expected a size such as 800M, 8G or a number of bytes, got '-1G'",
        files={"s.yaml": GOOD},
    ),
    case(
        "progress_sideways",
        "cli_flags",
        f"run {S} --progress sideways --out {OUT}",
        "socialweb run: argument --progress: invalid choice: 'sideways'",
        files={"s.yaml": GOOD},
    ),
    case(
        "unknown_command",
        "cli_flags",
        "frobnicate",
        "socialweb: argument COMMAND: invalid choice: 'frobnicate'",
    ),
    case(
        "unknown_flag",
        "cli_flags",
        f"run {S} --bogus --out {OUT}",
        "socialweb: unrecognized arguments: --bogus",
        files={"s.yaml": GOOD},
    ),
    case(
        "run_without_scenario",
        "cli_flags",
        "run",
        "socialweb run: the following arguments are required: scenario",
    ),
    case(
        "scheduler_without_dask",
        "cli_flags",
        f"sweep {E} --scheduler tcp://127.0.0.1:1 --out {OUT}",
        "socialweb sweep: --scheduler is only used with --backend dask",
        files={"s.yaml": GOOD, "exp.yaml": experiment()},
    ),
    case(
        "backend_unknown",
        "cli_flags",
        f"sweep {E} --backend spark --out {OUT}",
        "socialweb sweep: argument --backend: invalid choice: 'spark'",
        files={"s.yaml": GOOD, "exp.yaml": experiment()},
    ),
    case(
        "resume_without_out",
        "cli_flags",
        f"sweep {E} --resume",
        "socialweb sweep: --resume needs --out",
        files={"s.yaml": GOOD, "exp.yaml": experiment()},
    ),
    case(
        "animate_avi",
        "cli_flags",
        f"animate {S} --out {{tmp}}/x.avi",
        "--out: {tmp}/x.avi: expected a .gif or .mp4 file, got '.avi'",
        files={"s.yaml": GOOD},
    ),
    case(
        "animate_fps_zero",
        "cli_flags",
        f"animate {S} --out {{tmp}}/x.gif --fps 0",
        "socialweb animate: argument --fps: expected a positive integer, got '0'",
        files={"s.yaml": GOOD},
    ),
    case(
        "app_port_zero",
        "cli_flags",
        f"app {S} --port 0",
        "socialweb app: argument --port: expected a positive integer, got '0'",
        files={"s.yaml": GOOD},
    ),
    case(
        "app_without_parties",
        "cli_flags",
        f"app {S} --port 1",
        f"socialweb app: {S}: the app needs at least one party",
        files={"s.yaml": scenario(parties=DROP)},
    ),
    case(
        "validation_unknown_case",
        "cli_flags",
        "validation --case nope --out {tmp}/docs",
        "socialweb validation: --case: unknown case 'nope'; expected one of ",
    ),
    case(
        "debug_does_not_turn_bad_input_into_a_traceback",
        "cli_flags",
        f"--debug run {S} --out {OUT}",
        f"{S}: steps: expected an integer in [1, 1000000], got 'ten'",
        files={"s.yaml": scenario(steps="ten")},
    ),
]

OUTPUT_CASES = [
    case(
        "run_out_not_empty",
        "output_folder",
        RUN,
        f"--out: {OUT}: expected a new or empty folder, it already holds files",
        files={"s.yaml": GOOD, "out/keep.txt": "mine"},
    ),
    case(
        "compare_out_not_empty",
        "output_folder",
        COMPARE,
        f"--out: {OUT}: expected a new or empty folder, it already holds files",
        files={"s.yaml": GOOD, "out/.hidden": "mine"},
    ),
    case(
        "run_out_a_file",
        "output_folder",
        RUN,
        f"--out: {OUT}: expected a new or empty folder, got a file",
        files={"s.yaml": GOOD, "out": "not a folder"},
    ),
    case(
        "run_out_dev_null",
        "output_folder",
        f"run {S} --out /dev/null",
        "--out: /dev/null: expected a new or empty folder",
        files={"s.yaml": GOOD},
    ),
    case(
        "compare_out_dev_null",
        "output_folder",
        f"compare {S} {S} --out /dev/null",
        "--out: /dev/null: expected a new or empty folder",
        files={"s.yaml": GOOD},
    ),
    case(
        "run_out_under_a_file",
        "output_folder",
        f"run {S} --out {{tmp}}/blocker/out",
        "--out: {tmp}/blocker/out: expected a folder path, but {tmp}/blocker is a file",
        files={"s.yaml": GOOD, "blocker": "a file"},
    ),
    case(
        "run_out_dangling_link",
        "output_folder",
        RUN,
        f"--out: {OUT}: expected a new or empty folder",
        files={"s.yaml": GOOD, "out": symlink("{tmp}/gone")},
    ),
    case(
        "run_out_in_a_read_only_folder",
        "output_folder",
        f"run {S} --out {{tmp}}/ro/out",
        ("--out: {tmp}/ro/out: ", "ermission denied"),
        files={"s.yaml": GOOD, "ro": read_only_folder},
        root_skip="root writes through permission bits (the /proc rows cover unwritable places)",
    ),
    case(
        "run_out_under_proc",
        "output_folder",
        f"run {S} --out /proc/socialweb-cannot-write-here/out",
        "--out: /proc/socialweb-cannot-write-here/out: cannot create it",
        files={"s.yaml": GOOD},
    ),
    case(
        "run_out_with_a_newline",
        "output_folder",
        ["run", S, "--out", "/proc/socialweb\nfake line"],
        ("--out: /proc/socialweb", "cannot create it"),
        files={"s.yaml": GOOD},
    ),
    case(
        "results_folder_is_a_file",
        "output_folder",
        f"run {S} --progress none",
        "results folder {tmp}/results-file: expected a folder, got a file",
        files={"s.yaml": GOOD, "results-file": "a file"},
        env={"SOCIALWEB_RESULTS": "{tmp}/results-file"},
    ),
    case(
        "sweep_out_not_empty",
        "output_folder",
        SWEEP,
        f"--out: {OUT}: expected a new or empty folder, it already holds files "
        "(add --resume to finish an interrupted sweep)",
        files={"s.yaml": GOOD, "exp.yaml": experiment(), "out/keep.txt": "mine"},
    ),
    case(
        "sweep_out_a_file",
        "output_folder",
        SWEEP,
        f"--out: {OUT}: expected a new or empty folder, got a file",
        files={"s.yaml": GOOD, "exp.yaml": experiment(), "out": "not a folder"},
    ),
    case(
        "sweep_out_under_a_file",
        "output_folder",
        f"sweep {E} --out {{tmp}}/blocker/out --progress none",
        "--out: {tmp}/blocker/out: expected a folder path, but {tmp}/blocker is a file",
        files={"s.yaml": GOOD, "exp.yaml": experiment(), "blocker": "a file"},
    ),
    case(
        "sweep_out_dev_null",
        "output_folder",
        f"sweep {E} --out /dev/null --progress none",
        "--out: /dev/null: expected a new or empty folder, got a special file, not a folder",
        files={"s.yaml": GOOD, "exp.yaml": experiment()},
    ),
    case(
        "sweep_out_dangling_link",
        "output_folder",
        SWEEP,
        f"--out: {OUT}: expected a folder, got a dangling link",
        files={"s.yaml": GOOD, "exp.yaml": experiment(), "out": symlink("{tmp}/gone")},
    ),
    case(
        "sweep_out_under_proc",
        "output_folder",
        f"sweep {E} --out /proc/socialweb-cannot-write-here/out --progress none",
        "--out: /proc/socialweb-cannot-write-here/out: cannot create it",
        files={"s.yaml": GOOD, "exp.yaml": experiment()},
    ),
    case(
        "sweep_results_folder_is_a_file",
        "output_folder",
        f"sweep {E} --progress none",
        "results folder {tmp}/results-file: expected a folder, got a file",
        files={"s.yaml": GOOD, "exp.yaml": experiment(), "results-file": "a file"},
        env={"SOCIALWEB_RESULTS": "{tmp}/results-file"},
    ),
    case(
        "resume_on_a_folder_that_is_no_sweep",
        "output_folder",
        f"{SWEEP} --resume",
        f"--resume: {OUT}: not a sweep folder (no sweep.json)",
        files={"s.yaml": GOOD, "exp.yaml": experiment(), "out/notes.txt": "mine"},
    ),
    case(
        "resume_with_an_unreadable_record",
        "output_folder",
        f"{SWEEP} --resume",
        (f"{OUT}/sweep.json: expected the sweep's record", "unreadable"),
        files={"s.yaml": GOOD, "exp.yaml": experiment(), "out/sweep.json": "{not json"},
    ),
    case(
        "resume_on_another_experiment",
        "output_folder",
        f"{SWEEP} --resume",
        f"--resume: {OUT}: holds a different experiment ('other'",
        files={"s.yaml": GOOD, "exp.yaml": experiment(), "out/sweep.json": other_sweep_record},
    ),
    case(
        "analyze_a_folder_that_is_no_sweep",
        "output_folder",
        f"analyze {OUT}",
        f"socialweb analyze: {OUT}: expected a finished sweep folder "
        "(with runs.parquet and sweep.json)",
        files={"out/notes.txt": "mine"},
    ),
    case(
        "analyze_a_missing_folder",
        "output_folder",
        f"analyze {OUT}",
        f"socialweb analyze: {OUT}: expected a finished sweep folder",
    ),
    case(
        "analyze_a_file",
        "output_folder",
        f"analyze {OUT}",
        f"socialweb analyze: {OUT}: expected a finished sweep folder",
        files={"out": "a file"},
    ),
    case(
        "analyze_unreadable_record",
        "output_folder",
        f"analyze {OUT}",
        (f"{OUT}/sweep.json: expected the sweep's record", "unreadable"),
        files={"out/sweep.json": "{not json", "out/runs.parquet": b"PAR1garbage"},
    ),
    case(
        "animate_out_a_folder",
        "output_folder",
        f"animate {S} --out {{tmp}}/a.gif",
        "--out: {tmp}/a.gif: expected a .gif or .mp4 file, got a folder",
        files={"s.yaml": GOOD, "a.gif": DIR},
    ),
    case(
        "animate_out_exists",
        "output_folder",
        f"animate {S} --out {{tmp}}/a.gif",
        "--out: {tmp}/a.gif: already exists; choose a new name or add --overwrite",
        files={"s.yaml": GOOD, "a.gif": b"GIF89a"},
    ),
    case(
        "animate_out_under_a_file",
        "output_folder",
        f"animate {S} --out {{tmp}}/blocker/a.gif",
        "--out: {tmp}/blocker/a.gif: expected a file path, but {tmp}/blocker is a file",
        files={"s.yaml": GOOD, "blocker": "a file"},
    ),
    case(
        "animate_out_in_proc",
        "output_folder",
        f"animate {S} --out /proc/socialweb-cannot-write-here.gif",
        "--out: /proc/socialweb-cannot-write-here.gif: cannot write in /proc",
        files={"s.yaml": GOOD},
    ),
]


def _fits_once_not_twice() -> str:
    """A memory limit under which one run of ``big.yaml`` fits but two at once do not.

    Computed from ``limits.run_bytes`` on purpose: the row tests the refusal of ``--jobs 2``,
    so the limit must sit between the estimates for one and for two concurrent runs.
    """
    s = scenario_from_dict(merged(BASE, {"population": {"citizens": 100_000}}))
    one = limits.run_bytes(s) + limits.PROCESS_BYTES
    assert 2 * one > one + one // 2  # one fits, two do not
    return str(one + one // 2)


BIG = scenario(population={"citizens": 100_000}, network={"mean_degree": 10})
SIZE_CASES = [
    case(
        "ten_million_citizens_degree_9999",
        "sizes",
        RUN,
        (
            f"{S}: a run of 10,000,000 citizens, mostly its barabasi_albert network at mean "
            "degree 9999, would need about ",
            "the limit is 1.0 GB",
        ),
        files={
            "s.yaml": scenario(population={"citizens": 10_000_000}, network={"mean_degree": 9999})
        },
        max_seconds=5,
    ),
    case(
        "complete_network_of_20000",
        "sizes",
        f"validate {S}",
        (
            f"{S}: a run of 20,000 citizens, mostly its complete network at mean degree 6, "
            "would need about ",
            "the limit is 1.0 GB",
        ),
        files={"s.yaml": scenario(population={"citizens": 20_000}, network={"kind": "complete"})},
        max_seconds=5,
    ),
    case(
        "radicalization_contacts_of_100000_citizens",
        "sizes",
        f"validate {S}",
        (
            f"{S}: a run of 100,000 citizens, mostly the contacts its radicalization rule draws "
            "(opinion.contacts 1,000 per citizen), would need about ",
            "the limit is 1.0 GB",
        ),
        files={
            "s.yaml": yaml.safe_dump(
                {
                    "name": "radical",
                    "population": {"citizens": 100_000},
                    "network": {"kind": "none"},
                    "opinion": {"rule": "radicalization", "contacts": 1000},
                    "parties": {},
                }
            )
        },
        max_seconds=5,
    ),
    case(
        "a_million_staff_with_100000_ties",
        "sizes",
        RUN,
        (f"{S}: a run of ", "would need about ", "the limit is 1.0 GB"),
        files={
            "s.yaml": scenario(
                population={"citizens": 1_000_000},
                parties={"blue": {"staff": {"per_1000": 1000, "ties": 100_000}}},
            )
        },
        max_seconds=5,
    ),
    case(
        "compare_jobs_2_fits_once_not_twice",
        "sizes",
        f"compare {S} {{tmp}}/t.yaml --jobs 2 --replicates 2 --out {OUT} --progress none",
        (
            "a run of 100,000 citizens × 2 at once, mostly its barabasi_albert network at "
            "mean degree 10, would need about ",
            "the limit is ",
        ),
        files={"s.yaml": BIG, "t.yaml": BIG.replace("name: tiny", "name: twin")},
        env={"SOCIALWEB_MAX_MEMORY": _fits_once_not_twice()},
    ),
    case(
        "sobol_2_to_the_19_samples",
        "sizes",
        SWEEP,
        (
            f"{E}: a design of 3,145,728 points × 1 replicates would need about ",
            "the limit is 1.0 GB",
        ),
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(
                design="sobol",
                samples=2**19,
                vary={
                    "parties.blue.champions.guidance": {"low": 0.1, "high": 0.9},
                    "population.openness": {"low": 0.3, "high": 0.9},
                    "feed.bias": {"low": 0, "high": 2},
                    "opinion.rate": {"low": 0.01, "high": 0.1},
                },
            ),
        },
        max_seconds=5,
    ),
    case(
        "a_million_steps_recorded_every_step_at_a_million_citizens",
        "sizes",
        f"validate {S}",
        (
            f"{S}: a run of 1,000,000 citizens",
            "would need about ",
            "mostly its time series of 1,000,000 steps; raise output.every,",
            "the limit is 1.0 GB",
        ),
        files={
            "s.yaml": scenario(
                steps=1_000_000,
                population={"citizens": 1_000_000},
                network={"mean_degree": 2},
                output={"every": 1},
            )
        },
        max_seconds=5,
    ),
    case(
        "grid_with_many_replicates",
        "sizes",
        SWEEP,
        (f"{E}: a design of 100,000,000 points × 100,000 replicates would need about ",),
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(
                replicates=100_000,
                vary={
                    "parties.blue.champions.guidance": {"low": 0, "high": 1, "num": 10_000},
                    "feed.bias": {"low": 0, "high": 5, "num": 10_000},
                },
            ),
        },
        max_seconds=5,
    ),
    case(
        "design_point_too_big_to_run",
        "sizes",
        SWEEP,
        (f"{E}: a run of 10,000,000 citizens", "would need about ", "the limit is 1.0 GB"),
        files={
            "s.yaml": GOOD,
            "exp.yaml": experiment(vary={"population.citizens": [200, 10_000_000]}),
        },
        max_seconds=5,
    ),
    case(
        "command_line_makes_it_too_big",
        "sizes",
        f"run {S} --citizens 10000000 --set network.mean_degree=9999 --out {OUT}",
        (f"{S}: a run of 10,000,000 citizens", "would need about ", "the limit is 1.0 GB"),
        files={"s.yaml": GOOD},
        max_seconds=5,
    ),
    case(
        "animate_too_big",
        "sizes",
        f"animate {S} --out {{tmp}}/a.gif --progress none",
        (f"{S}: a run of 10,000,000 citizens", "would need about "),
        files={
            "s.yaml": scenario(population={"citizens": 10_000_000}, network={"mean_degree": 9999})
        },
        max_seconds=5,
    ),
    case(
        "max_memory_flag_below_the_interpreter",
        "sizes",
        f"run {S} --max-memory 100M --out {OUT}",
        (f"{S}: a run of 200 citizens", "the limit is 100.0 MB"),
        files={"s.yaml": GOOD},
    ),
    case(
        "max_memory_env_not_a_size",
        "sizes",
        RUN,
        "SOCIALWEB_MAX_MEMORY: expected a size such as 800M, 8G or a number of bytes, got 'lots'",
        files={"s.yaml": GOOD},
        env={"SOCIALWEB_MAX_MEMORY": "lots"},
    ),
]

CASES: list[Case] = SCENARIO_CASES + EXPERIMENT_CASES + EDGE_CASES + CLI_CASES + OUTPUT_CASES
CASES += SIZE_CASES
CATEGORIES = ("scenario", "experiment", "edge_list", "cli_flags", "output_folder", "sizes")

# rows also run as the real command, to prove the exit code of the process
SUBPROCESS = {
    "scenario-billion_laughs",
    "experiment-grid_of_three_keys_of_10000",
    "cli_flags-seed_2_to_the_70",
    "cli_flags-set_undeclared_party",
    "output_folder-sweep_out_not_empty",
    "sizes-complete_network_of_20000",
}


def case_id(c: Case) -> str:
    return f"{c.category}-{c.id}"


# --- running a row ----------------------------------------------------------------------------


def fill(text: str, tmp: Path) -> str:
    return text.replace("{tmp}", str(tmp))


def make_files(c: Case, tmp: Path) -> None:
    for name, content in c.files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, _Dir):
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(fill(content, tmp), encoding="utf-8")
        else:
            content(path, tmp)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root``, hidden ones included, with its kind and content."""
    out: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            st = path.lstat()
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode))
            elif stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[rel] = ("file", stat.S_IMODE(st.st_mode), st.st_size, digest)
            else:
                out[rel] = ("special", stat.S_IFMT(st.st_mode))
    return out


def check_output(c: Case, code: int, out: str, err: str, tmp: Path) -> None:
    shown = f"\nexit {code}\nstdout: {out!r}\nstderr: {err!r}"
    assert code == 2, shown
    assert out == "", shown
    assert "Traceback" not in err and 'File "' not in err, shown
    assert err.endswith("\n"), shown
    lines = err.splitlines()
    assert len(lines) == len(c.expect), f"expected {len(c.expect)} line(s){shown}"
    for line, wanted in zip(lines, c.expect, strict=True):
        for fragment in (wanted,) if isinstance(wanted, str) else wanted:
            assert fill(fragment, tmp) in line, f"missing {fill(fragment, tmp)!r}{shown}"
        assert len(line) <= MAX_LINE, f"a line of {len(line)} characters{shown[:2000]}"
    for fragment in c.absent:
        assert fill(fragment, tmp) not in err, f"unexpected {fragment!r}{shown}"


def row_env(c: Case, tmp: Path) -> dict[str, str | None]:
    """The environment a row changes: the memory limit, results under tmp, the row's own."""
    env: dict[str, str | None] = {
        "SOCIALWEB_MAX_MEMORY": LIMIT,
        "SOCIALWEB_RESULTS": str(tmp / "results"),
    }
    env.update({k: None if v is None else fill(v, tmp) for k, v in c.env.items()})
    return env


def set_up(c: Case, tmp: Path) -> Path:
    """Create the row's files under ``tmp``; returns the row's temp folder (inside ``tmp``, so
    any temp file a command leaves shows in the snapshot)."""
    if c.root_skip and os.geteuid() == 0:
        pytest.skip(f"running as root: {c.root_skip}")
    make_files(c, tmp)
    for name, content in c.files.items():
        if content is read_only_folder and os.access(tmp / name, os.W_OK):
            restore_permissions(tmp)
            pytest.skip(f"permission bits do not stop this user: {c.root_skip}")
    scratch = tmp / ".tmp"
    scratch.mkdir()
    return scratch


def restore_permissions(tmp: Path) -> None:
    for folder, dirs, _ in os.walk(tmp):
        for name in dirs:
            path = Path(folder, name)
            if not path.is_symlink():
                path.chmod(0o700)


def assert_unchanged(before: dict[str, tuple], after: dict[str, tuple]) -> None:
    assert after == before, {
        "new": sorted(set(after) - set(before)),
        "gone": sorted(set(before) - set(after)),
        "changed": sorted(k for k in before.keys() & after.keys() if before[k] != after[k]),
    }


class ModelBuilt(AssertionError):
    pass


def _no_model(*args: Any, **kwargs: Any) -> None:
    raise ModelBuilt("a model was built: the input was not refused")


@pytest.fixture
def no_runs(monkeypatch):
    """Nothing in the table may run a simulation: bad input is refused before running."""
    monkeypatch.setattr(model.sim.SocialWebModel, "__init__", _no_model)
    monkeypatch.setattr(model.comparison, "compare", _no_model)
    monkeypatch.setattr(os, "execve", _no_model)  # `app` would replace pytest with solara


# --- the real command, in subprocesses started together -------------------------------------

GUARD_SECONDS = 30.0  # a guarded row still running this long after its start is not refused
GUARD_MEMORY = 2 * 2**30  # address space of a guarded row's process
# ``python -m model ARGV`` under a memory limit (set in the child: no preexec_fn in a pytest
# process that may have threads)
GUARDED = (
    "import resource, runpy, sys; n = int(sys.argv.pop(1)); "
    "resource.setrlimit(resource.RLIMIT_AS, (n, n)); "
    "runpy.run_module('model', run_name='__main__', alter_sys=True)"
)


@dataclass
class Launched:
    case: Case
    tmp: Path
    before: dict[str, tuple]
    proc: subprocess.Popen | None = None
    started: float = 0.0
    skipped: str | None = None
    result: tuple[int, str, str] | None = None


@pytest.fixture(scope="module", autouse=True)
def launched(tmp_path_factory):
    """``python -m model ARGV`` for every guarded row and every row in SUBPROCESS, all started
    at once (each in a session of its own), so the start-up time of the interpreter and the
    wait for a row that hangs overlap with the in-process rows (the guarded rows are checked
    last). Every process still running is killed at the end of the module."""
    rows: dict[str, Launched] = {}
    for c in CASES:
        key = case_id(c)
        if not (c.guarded or key in SUBPROCESS):
            continue
        tmp = tmp_path_factory.mktemp(key[:40])
        try:
            scratch = set_up(c, tmp)
        except pytest.skip.Exception as skip:
            rows[key] = Launched(c, tmp, {}, skipped=str(skip))
            continue
        env = {**os.environ, "MPLBACKEND": "Agg", "TMPDIR": str(scratch), "PYTHONPATH": str(ROOT)}
        for k, v in row_env(c, tmp).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        row = rows[key] = Launched(c, tmp, snapshot(tmp))
        command = ["-c", GUARDED, str(GUARD_MEMORY)] if c.guarded else ["-m", "model"]
        row.proc = subprocess.Popen(
            [sys.executable, *command, *(fill(a, tmp) for a in c.argv)],
            cwd=tmp,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        row.started = time.monotonic()
    yield rows
    for row in rows.values():
        if row.proc is not None and row.proc.poll() is None:
            os.killpg(row.proc.pid, signal.SIGKILL)
            row.proc.communicate()


def finished(row: Launched) -> tuple[int, str, str]:
    """The row's (exit code, stdout, stderr); a guarded row still running is killed: a failure."""
    if row.skipped:
        pytest.skip(row.skipped)
    assert row.proc is not None
    if row.result is None:
        wait = GUARD_SECONDS if row.case.guarded else 180.0
        try:
            out, err = row.proc.communicate(timeout=max(0.1, row.started + wait - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(row.proc.pid, signal.SIGKILL)
            _, err = row.proc.communicate()
            pytest.fail(
                f"{case_id(row.case)}: still running {wait:.0f} s after it started (killed): "
                "the input is not refused, the command blocks on it or reads it without end; "
                f"stderr: {err[-300:]!r}"
            )
        row.result = (row.proc.returncode, out, err)
    return row.result


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_runs")
@pytest.mark.parametrize("c", sorted(CASES, key=lambda c: c.guarded), ids=case_id)
def test_hostile_input_is_refused_and_nothing_is_written(
    c, tmp_path, capsys, monkeypatch, launched
):
    if c.guarded:  # run as a real command, with a time and a memory limit
        row = launched[case_id(c)]
        code, out, err = finished(row)
        check_output(c, code, out, err, row.tmp)
        assert_unchanged(row.before, snapshot(row.tmp))
        return
    scratch = set_up(c, tmp_path)
    for key, value in row_env(c, tmp_path).items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)  # relative writes land in the snapshot too
    if "--jobs" in c.argv:
        from model.pool import prestart

        prestart()  # the forkserver's own temp folder is made now, not inside the snapshot
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = snapshot(tmp_path)
    try:
        start = time.perf_counter()
        code = main([fill(a, tmp_path) for a in c.argv])
        elapsed = time.perf_counter() - start
        captured = capsys.readouterr()
        check_output(c, code, captured.out, captured.err, tmp_path)
        if c.max_seconds is not None:
            assert elapsed < c.max_seconds, f"refused in {elapsed:.1f} s"
        assert_unchanged(before, snapshot(tmp_path))
    finally:
        restore_permissions(tmp_path)


@pytest.mark.parametrize("c", [c for c in CASES if case_id(c) in SUBPROCESS], ids=case_id)
def test_the_real_command_exits_2(c, launched):
    row = launched[case_id(c)]
    code, out, err = finished(row)
    check_output(c, code, out, err, row.tmp)
    assert_unchanged(row.before, snapshot(row.tmp))


def test_the_table_is_big_enough():
    ids = [case_id(c) for c in CASES]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert len(CASES) >= 60
    per_category = Counter(c.category for c in CASES)
    assert set(per_category) == set(CATEGORIES), per_category
    assert all(per_category[k] >= 8 for k in CATEGORIES), per_category
    assert SUBPROCESS <= set(ids), SUBPROCESS - set(ids)
    assert not SUBPROCESS & {case_id(c) for c in CASES if c.guarded}
