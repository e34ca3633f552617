"""docs/ODD.md follows the ODD protocol (Grimm et al. 2020) and names only real scenario keys.

Every backticked dotted key path in the description must exist in ``model.config.schema``, and
every parameter-table row's default must be the schema's default, so the description cannot
drift from the code. Code and docs cite docs/MODEL.md and docs/ODD.md, never the original brief
(which is not part of the repository).
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from pathlib import Path

import pytest

from model.config.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
MODEL = ROOT / "docs" / "MODEL.md"

SECTIONS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
)
CONCEPTS = (
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
)

SEGMENT = r"(?:[A-Za-z_][A-Za-z0-9_]*|<[a-z]+>)"
KEY = re.compile(rf"`({SEGMENT}(?:\.{SEGMENT})+)`")
# dotted names that are not scenario keys: files, modules and classes (keys are lower case)
NOT_KEYS = re.compile(r"\.(py|md|yaml|yml|csv|png|json|parquet)$|^(model|np|numpy|mesa)\.|^[A-Z]")


def odd_text() -> str:
    return ODD.read_text(encoding="utf-8")


def headings(text: str, level: int) -> list[str]:
    return re.findall(rf"^{'#' * level} (.+?)\s*$", text, flags=re.MULTILINE)


def resolve(path: str) -> dataclasses.Field | type:
    """The schema field (or section) a dotted key path names; KeyError if there is none."""
    node: typing.Any = Scenario
    found: typing.Any = Scenario
    segments = path.split(".")
    i = 0
    while i < len(segments):
        if not dataclasses.is_dataclass(node):
            raise KeyError(f"{path}: {'.'.join(segments[:i])} has no sub-keys")
        fields = {f.name: f for f in dataclasses.fields(node)}
        name = segments[i]
        if name not in fields:
            raise KeyError(f"{path}: no key {name!r} under {node.__name__}")
        found = fields[name]
        hint = typing.get_type_hints(node)[name]
        if typing.get_origin(hint) is dict:  # parties.<name>: any party name, then its spec
            node = typing.get_args(hint)[1]
            i += 2
            if i > len(segments):
                return found
            continue
        node = hint
        i += 1
    return found


def schema_default(path: str) -> typing.Any:
    f = resolve(path)
    assert isinstance(f, dataclasses.Field), f"{path} is a section, not a parameter"
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()


def parse_cell(cell: str) -> typing.Any:
    """A default as written in the tables: YAML-style scalars and [lists]."""
    cell = cell.strip().strip("`")
    if cell in ("true", "false"):
        return cell == "true"
    if cell.startswith("[") and cell.endswith("]"):
        return [parse_cell(c) for c in cell[1:-1].split(",") if c.strip()]
    for kind in (int, float):
        try:
            return kind(cell)
        except ValueError:
            pass
    return cell


def parameter_rows(text: str) -> list[tuple[str, str]]:
    """(key, default) of every row of a table whose header has ``key`` and ``default``."""
    rows = []
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(cells) <= {"---", ""} or cells[0].startswith("---"):
            continue
        if "key" in header and "default" in header:
            rows.append((cells[header.index("key")], cells[header.index("default")]))
    return rows


def test_odd_has_the_seven_elements_in_order():
    found = headings(odd_text(), 2)
    numbered = [h for h in found if re.match(r"\d+\. ", h)]
    assert [re.sub(r"^\d+\. ", "", h) for h in numbered] == list(SECTIONS)
    assert [int(h.split(".")[0]) for h in numbered] == list(range(1, 8))


def test_odd_describes_the_eleven_design_concepts():
    found = [re.sub(r"^4\.\d+ ", "", h) for h in headings(odd_text(), 3) if h.startswith("4.")]
    assert found == list(CONCEPTS)


def test_every_key_path_in_odd_exists_in_the_schema():
    keys = {k for k in KEY.findall(odd_text()) if not NOT_KEYS.search(k)}
    assert len(keys) > 50  # the description names the parameters it uses
    unknown = []
    for key in sorted(keys):
        try:
            resolve(key)
        except KeyError as err:
            unknown.append(str(err))
    assert not unknown, "docs/ODD.md names keys the schema does not have:\n" + "\n".join(unknown)


def test_parameter_tables_give_the_schema_defaults():
    rows = parameter_rows(odd_text())
    assert len(rows) > 50
    wrong = []
    for key_cell, default_cell in rows:
        match = KEY.fullmatch(key_cell)
        assert match, f"a parameter row must name one backticked key, got {key_cell!r}"
        expected, written = schema_default(match.group(1)), parse_cell(default_cell)
        same = (
            math.isclose(written, expected, rel_tol=1e-12)
            if isinstance(expected, float) and isinstance(written, (int, float))
            else written == expected
        )
        if not same:
            wrong.append(f"{match.group(1)}: docs say {written!r}, schema says {expected!r}")
    assert not wrong, "docs/ODD.md defaults differ from the schema:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "path, ok",
    [
        ("population.openness", True),
        ("parties.<name>.champions.guidance", True),
        ("parties.blue.staff.per_1000", True),
        ("parties.<name>.champions", True),
        ("population.opennes", False),
        ("parties.<name>.guidance", False),
        ("steps.count", False),
    ],
)
def test_key_resolver_accepts_real_paths_only(path, ok):
    if ok:
        resolve(path)
    else:
        with pytest.raises(KeyError):
            resolve(path)


def test_model_and_odd_link_each_other():
    assert "(ODD.md)" in MODEL.read_text(encoding="utf-8")
    assert "(MODEL.md)" in odd_text()


def test_no_code_or_doc_cites_the_original_brief():
    needle = "DES" + "IGN.md"  # spelt in two parts so this file does not cite it either
    citing = []
    files = [ROOT / "README.md"] + [
        p for folder in ("model", "docs") for p in (ROOT / folder).rglob("*") if p.is_file()
    ]
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue  # images and other binary files
        citing += [
            f"{path.relative_to(ROOT)}:{n}"
            for n, line in enumerate(text.splitlines(), 1)
            if needle in line
        ]
    assert not citing, f"cite docs/MODEL.md or docs/ODD.md instead of {needle}: {citing}"
