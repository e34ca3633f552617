"""Reading user YAML safely: bounded size, bounded alias expansion, no surprises in scalars.

PyYAML's ``safe_load`` is safe from code execution but not from the rest of hostile or mistaken
input, so every YAML file a user gives (scenario, experiment) and every ``--set`` value goes
through :func:`load_text`, which refuses, each in one line:

- a file over :data:`MAX_BYTES` (a scenario is a few KB; a 200 MB file is a mistake);
- alias expansion ("billion laughs"): the document's size with every alias expanded is computed on
  the node graph, without expanding it, and refused beyond :data:`MAX_NODES` nodes;
- nesting deeper than :data:`MAX_DEPTH`;
- duplicate keys in a mapping (PyYAML silently keeps the last);
- YAML 1.1's implicit conversions that surprise: sexagesimal numbers (``1:30`` → 90), octal and
  hex integers (``010`` → 8, read here as 10 as in YAML 1.2; ``0x1f`` stays a string),
  ``yes``/``no``/``on``/``off`` as booleans. Only plain decimal
  integers and floats, ``true``/``false`` and ``null``/``~`` are converted; anything else stays a
  string, which the schema check then refuses by key path ("expected an integer, got '1:30'").

The C parser (libyaml) is used where PyYAML has it: it is ~10× faster and does not recurse in
Python on deep nesting.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml: fast, and its parser is iterative
    from yaml.cyaml import CParser as _Parser

    _BASES: tuple[type, ...] = (_Parser,)  # CParser composes by itself
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

    _BASES = (_Parser, Composer)

MAX_BYTES = 10 * 1024 * 1024  # a scenario is a few KB; an experiment's lists a few hundred
MAX_NODES = 200_000  # scalars + collections once aliases are expanded
MAX_DEPTH = 64  # scenarios nest four levels deep

_INT = re.compile(r"^[-+]?[0-9]+$")  # leading zeros are decimal, as in YAML 1.2
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")


def label_text(value: object) -> str:
    """A label read from a data file (or written in YAML) as the text mappings match: 1.0 and 1
    both read "1"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def file_stamp(path: Path) -> tuple[int, int]:
    """(modification time in ns, size) of a file, (0, 0) if it cannot be read: a cache key that
    changes when the file does."""
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


def file_kind(path: Path) -> str | None:
    """None for a regular file (or a symlink to one); else what it is, for a message ("a folder",
    "a FIFO", "a device"), so nothing blocks on a pipe or reads a device without end."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None  # the caller's read reports "file not found"
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


class YamlProblem(ValueError):
    """The text cannot be taken as data; the message is one line without the file name."""


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2 core-schema-like scalars: plain decimal numbers, true/false, null."""

    yaml_implicit_resolvers: dict = {}


_Resolver.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])


class _Constructor(yaml.constructor.SafeConstructor):
    """SafeConstructor with decimal-only integers and floats (the resolver admits no others)."""

    def construct_yaml_int(self, node: yaml.Node) -> int:
        value = self.construct_scalar(node)
        if not _INT.match(value):  # an explicit !!int tag on something else
            raise YamlProblem(f"line {node.start_mark.line + 1}: expected a decimal integer")
        return int(value)

    def construct_yaml_float(self, node: yaml.Node) -> float:
        value = self.construct_scalar(node)
        if not _FLOAT.match(value):
            raise YamlProblem(f"line {node.start_mark.line + 1}: expected a decimal number")
        text = value.lower()
        if text.endswith(".inf"):
            return float(text.replace(".inf", "inf"))
        return float("nan") if text == ".nan" else float(value)


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)


class _Loader(*_BASES, _Constructor, _Resolver):  # type: ignore[misc]
    def __init__(self, stream: str):
        _Parser.__init__(self, stream)
        _Constructor.__init__(self)
        _Resolver.__init__(self)


def check_nodes(root: yaml.Node) -> None:
    """Refuse a node graph too big once aliases are expanded, too deep, or with duplicate keys.

    An alias is the same node object reached twice, so the expanded size is computed bottom-up with
    one entry per distinct node: linear in the file, however many times aliases multiply it.
    """
    size: dict[int, int] = {}
    # iterative post-order walk; ``depth`` counts collections on the path
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, expanded = stack.pop()
        if id(node) in size:
            continue
        if depth > MAX_DEPTH:
            raise YamlProblem(
                f"line {node.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep"
            )
        if isinstance(node, yaml.ScalarNode):
            size[id(node)] = 1
            continue
        children = (
            [c for pair in node.value for c in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        if not expanded:
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for key, _ in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                        if key.value in seen:
                            raise YamlProblem(
                                f"line {key.start_mark.line + 1}: duplicate key "
                                f"{key.value!r} (each key may appear once in a mapping)"
                            )
                        seen.add(key.value)
            if any(id(c) == id(node) for c in children):
                raise YamlProblem(f"line {node.start_mark.line + 1}: a value that contains itself")
            stack.append((node, depth, True))
            stack.extend((c, depth + 1, False) for c in children if id(c) not in size)
            continue
        total = 1 + sum(size.get(id(c), 1) for c in children)
        if total > MAX_NODES:
            raise YamlProblem(
                f"line {node.start_mark.line + 1}: expands to more than {MAX_NODES:,} values "
                "once its aliases (*name) are expanded"
            )
        size[id(node)] = total


def load_text(text: str) -> Any:
    """Parse one YAML document under the limits above. Raises YamlProblem or yaml.YAMLError."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(
            f"expected a file under {MAX_BYTES // 2**20} MB, got "
            f"{len(text.encode('utf-8', 'surrogatepass')) / 2**20:.0f} MB"
        )
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_nodes(node)
        return loader.construct_document(node)
    except RecursionError:
        raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
