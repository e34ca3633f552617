"""Edge-list files: ``source target [weight]`` per line, comma- or whitespace-separated.

Node ids are integers 0..N-1 (N = ``population.citizens``); isolated citizens are allowed. Lines
starting with ``#`` and blank lines are skipped; a first line of non-numbers is a header. Refused,
with the line number: unknown node ids, self-loops, duplicate edges (in either direction),
non-numeric or non-integer ids, non-positive weights, rows with the wrong number of fields, and a
file with no edges.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from model.config.yamlread import file_kind
from model.network.csr import Graph, from_edges, has_repeated_ties


class EdgeListError(ValueError):
    """A malformed edge-list file; ``file`` and a one-line ``message``."""

    def __init__(self, file: str, message: str):
        self.file = file
        self.message = message
        super().__init__(f"{file}: {message}")


def _data_lines(path: Path):
    """(line number, text) of lines holding data (not blank, not comments)."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:  # a byte-order mark is dropped
        for number, line in enumerate(fh, start=1):
            text = line.strip()
            if text and not text.startswith("#"):
                yield number, text


_HEADER_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .-]*$")


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def read_edge_list(path: str | Path, citizens: int) -> Graph:
    """Read and check an edge list; return the undirected Graph on ``citizens`` nodes."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise EdgeListError(str(path), "edge-list file not found") from None
    if (other := file_kind(path)) is not None:
        raise EdgeListError(str(path), f"expected an edge-list file, got {other}")
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as err:
        raise EdgeListError(str(path), f"cannot read ({err.strerror or err})") from None
    return _read_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size, citizens)


@lru_cache(maxsize=4)
def _read_cached(path_text: str, _mtime: int, _size: int, citizens: int) -> Graph:
    try:
        return _read(path_text, citizens)
    except UnicodeDecodeError:
        raise EdgeListError(
            path_text, f"line {_first_undecodable(Path(path_text))}: expected UTF-8 text"
        ) from None


def _first_undecodable(path: Path) -> int:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _read(path_text: str, citizens: int) -> Graph:
    path = Path(path_text)
    first = next(_data_lines(path), None)
    if first is None:
        raise EdgeListError(path_text, "empty file: expected lines 'source target [weight]'")
    sep = "," if "," in first[1] else r"\s+"
    tokens = [t for t in (first[1].split(",") if sep == "," else first[1].split()) if t.strip()]
    header = not all(_is_number(t) for t in tokens[:2])
    if header and not all(_HEADER_WORD.match(t.strip()) for t in tokens):
        # a header is column names; "1,2x" is a typo on the first data line, not a header
        raise EdgeListError(
            path_text,
            f"line {first[0]}: expected two node ids (and a weight), or a header of column "
            f"names, got {first[1][:60]!r}",
        )

    def line_of(row: int) -> int:
        skip = 1 if header else 0
        for k, (number, _) in enumerate(_data_lines(path)):
            if k == row + skip:
                return number
        return -1

    options = {
        "sep": sep,
        "header": None,
        "comment": "#",
        "skip_blank_lines": True,
        "skiprows": [first[0] - 1] if header else None,
        "engine": "c",
        "encoding": "utf-8-sig",
        "keep_default_na": False,  # "nan" is a bad weight to report, not a missing field
        "na_values": [""],
    }
    # fast path: integer ids parsed directly — a million-node list in well under a second; on
    # any problem (or ids written like 1.0), read the text, so a message quotes the file
    if len(tokens) in (2, 3):
        try:
            with warnings.catch_warnings():  # pandas warns while it finds a field is no integer
                warnings.simplefilter("ignore", RuntimeWarning)
                frame = pd.read_csv(
                    path, dtype={0: np.int64, 1: np.int64, 2: np.float64}, **options
                )
            if frame.shape[1] == 3 and not np.isfinite(frame[2].to_numpy()).all():
                raise ValueError("a weight is not a finite number: read as text")
            return _checked_graph(path_text, frame, citizens, line_of)
        except (ValueError, OverflowError, pd.errors.ParserError, pd.errors.EmptyDataError):
            pass  # EdgeListError is a ValueError too
    try:
        frame = pd.read_csv(path, dtype=str, **options)
    except pd.errors.EmptyDataError:
        raise EdgeListError(
            path_text, "empty file: expected lines 'source target [weight]'"
        ) from None
    except pd.errors.ParserError as err:
        raise EdgeListError(path_text, f"malformed: {str(err).strip().splitlines()[-1]}") from None
    return _checked_graph(path_text, frame, citizens, line_of)


def _checked_graph(
    path_text: str, frame: pd.DataFrame, citizens: int, line_of: Callable[[int], int]
) -> Graph:
    """The Graph of a parsed edge-list frame, or an EdgeListError naming the first bad line."""
    if frame.empty:
        raise EdgeListError(path_text, "no edges: expected lines 'source target [weight]'")
    if frame.shape[1] not in (2, 3):
        raise EdgeListError(
            path_text,
            f"expected 2 or 3 fields per line (source target [weight]), got {frame.shape[1]}",
        )
    if frame[1].isna().any():
        row = int(np.flatnonzero(frame[1].isna().to_numpy())[0])
        raise EdgeListError(
            path_text, f"line {line_of(row)}: expected 'source target [weight]', got 1 field"
        )
    if frame.shape[1] == 3 and frame[2].isna().any():
        row = int(np.flatnonzero(frame[2].isna().to_numpy())[0])
        raise EdgeListError(
            path_text,
            f"line {line_of(row)}: expected 'source target weight' "
            f"like the other lines, got 2 fields",
        )
    ids = []
    for col in (0, 1):
        if frame[col].dtype.kind == "i":  # parsed as integers: nothing more to check here
            ids.append(frame[col].to_numpy())
            continue
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise EdgeListError(
                path_text,
                f"line {line_of(row)}: expected integer node ids, got {frame[col].iloc[row]!r}",
            )
        ids.append(values)  # integral floats: cast once their range is checked
    u, v = ids
    out = (u < 0) | (u >= citizens) | (v < 0) | (v >= citizens)
    if out.any():
        row = int(np.flatnonzero(out)[0])
        bad_id = int(u[row] if not 0 <= u[row] < citizens else v[row])
        raise EdgeListError(
            path_text,
            f"line {line_of(row)}: unknown node id {bad_id}: expected "
            f"ids 0..{citizens - 1} (population.citizens = {citizens})",
        )
    u, v = u.astype(np.int64, copy=False), v.astype(np.int64, copy=False)
    loops = u == v
    if loops.any():
        row = int(np.flatnonzero(loops)[0])
        raise EdgeListError(
            path_text,
            f"line {line_of(row)}: self-loop {u[row]}-{v[row]}: a citizen cannot follow itself",
        )
    weights = None
    if frame.shape[1] == 3:
        weights = pd.to_numeric(frame[2], errors="coerce").to_numpy(dtype=np.float64)
    graph = from_edges(citizens, u, v, weights)
    if has_repeated_ties(graph):
        _raise_duplicate(path_text, u, v, citizens, line_of)
    if weights is not None:
        bad = ~np.isfinite(weights) | (weights <= 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise EdgeListError(
                path_text,
                f"line {line_of(row)}: expected a positive weight, got {frame[2].iloc[row]!r}",
            )
    return graph


def _raise_duplicate(
    path_text: str, u: np.ndarray, v: np.ndarray, citizens: int, line_of: Callable[[int], int]
) -> None:
    """Name the line of the first repeated edge (either direction) and of its first occurrence."""
    key = np.minimum(u, v) * citizens + np.maximum(u, v)
    unique_keys, counts = np.unique(key, return_counts=True)
    rows = np.flatnonzero(np.isin(key, unique_keys[counts > 1]))
    # the second occurrence of the earliest duplicated edge
    seen: dict[int, int] = {}
    for r in rows:
        k = int(key[r])
        if k in seen:
            raise EdgeListError(
                path_text,
                f"line {line_of(int(r))}: duplicate edge "
                f"{u[r]}-{v[r]} (first on line {line_of(seen[k])})",
            )
        seen[k] = int(r)


def write_edge_list(graph: Graph, path: str | Path) -> None:
    """Write each undirected edge once as ``source,target[,weight]`` with a header."""
    rows = graph.rows
    keep = rows < graph.indices
    frame = pd.DataFrame({"source": rows[keep], "target": graph.indices[keep]})
    if graph.weights is not None:
        frame["weight"] = graph.weights[keep]
    frame.to_csv(path, index=False)


def read_values(path: str | Path, count: int, *, low: float, high: float) -> np.ndarray:
    """A per-citizen values file: one number per line (``#`` comments and blank lines skipped),
    exactly ``count`` of them, each in [low, high]. Errors name the file and line."""
    path = Path(path)
    if (other := file_kind(path)) is not None:
        raise EdgeListError(str(path), f"expected a file of values, got {other}")
    values, lines = [], []
    try:
        for number, text in _data_lines(path):
            lines.append(number)
            try:
                value = float(text.split(",")[0])
            except ValueError:
                raise EdgeListError(
                    str(path), f"line {number}: expected a number, got {text!r}"
                ) from None
            if not low <= value <= high:
                raise EdgeListError(
                    str(path),
                    f"line {number}: expected a number in [{low:g}, {high:g}], got {value:g}",
                )
            values.append(value)
    except OSError:
        raise EdgeListError(str(path), "file not found") from None
    if len(values) != count:
        raise EdgeListError(
            str(path), f"expected {count} values (one per citizen), got {len(values)}"
        )
    return np.asarray(values, dtype=np.float64)


def read_indices(path: str | Path, count: int) -> np.ndarray:
    """A file of citizen indices: one integer in [0, count - 1] per line (``#`` comments and
    blank lines skipped), no repeats. Errors name the file and line."""
    path = Path(path)
    if (other := file_kind(path)) is not None:
        raise EdgeListError(str(path), f"expected a file of citizen indices, got {other}")
    seen: dict[int, int] = {}
    try:
        for number, text in _data_lines(path):
            token = text.split(",")[0].strip()
            try:
                value = int(token)
            except ValueError:
                raise EdgeListError(
                    str(path), f"line {number}: expected a citizen index, got {text!r}"
                ) from None
            if not 0 <= value < count:
                raise EdgeListError(
                    str(path),
                    f"line {number}: expected a citizen index in [0, {count - 1}], got {value}",
                )
            if value in seen:
                raise EdgeListError(
                    str(path),
                    f"line {number}: citizen {value} already listed on line {seen[value]}",
                )
            seen[value] = number
    except OSError:
        raise EdgeListError(str(path), "file not found") from None
    return np.fromiter(seen, dtype=np.int64, count=len(seen))
