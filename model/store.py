"""Results on disk: one folder per run or comparison, written atomically.

A folder is built under a hidden staging name beside its final place and renamed into place only
when everything in it has been written; a run that fails midway leaves nothing that looks
complete (the staging folder is removed). Files inside are written to a temporary name and
``os.replace``-d. Parquet files are written deterministically (same data → same bytes).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from model.config.load import OutputError

PACKAGES = (
    "socialweb",
    "mesa",
    "numpy",
    "numba",
    "networkx",
    "pandas",
    "pyarrow",
    "scipy",
    "matplotlib",
    "pyyaml",
)


def default_results_dir() -> Path:
    """``$SOCIALWEB_RESULTS`` or ``./results``."""
    return Path(os.environ.get("SOCIALWEB_RESULTS", "results"))


def new_folder_name(label: str) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', label)[:80]}"


def choose_output(out: str | Path | None, label: str) -> Path:
    """The folder to write: ``out`` (must not exist or be empty) or a new one under results/."""
    if out is not None:
        path = Path(out)
        for parent in path.parents:
            if parent.exists() and not parent.is_dir():
                raise OutputError(f"--out: {path}: expected a folder path, but {parent} is a file")
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise OutputError(
                f"--out: {path}: expected a new or empty folder, it already holds files"
            )
        return path
    base = default_results_dir()
    path = base / new_folder_name(label)
    n = 1
    while path.exists():
        n += 1
        path = base / f"{new_folder_name(label)}-{n}"
    return path


@contextlib.contextmanager
def staged(final: Path) -> Iterator[Path]:
    """Yield a staging folder; on success move it to ``final``, on failure remove it."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = final.parent / f".{final.name}.partial-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if final.exists():  # an empty folder given as --out
        final.rmdir()
    os.replace(stage, final)


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic Parquet: no pandas index, fixed compression, no timestamps."""
    frame = frame.copy(deep=False)
    frame.attrs = {}  # pandas would try to serialise attrs into the file's metadata
    table = pa.Table.from_pandas(frame, preserve_index=False)
    _atomic(Path(path), lambda p: pq.write_table(table, p, compression="zstd"))


def write_json(obj: Any, path: Path) -> None:
    text = json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n"
    _atomic(Path(path), lambda p: p.write_text(text, encoding="utf-8"))


def write_yaml(obj: Any, path: Path, header: str = "") -> None:
    text = header + yaml.safe_dump(obj, sort_keys=False, allow_unicode=True)
    _atomic(Path(path), lambda p: p.write_text(text, encoding="utf-8"))


def write_text(text: str, path: Path) -> None:
    _atomic(Path(path), lambda p: p.write_text(text, encoding="utf-8"))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str | None:
    """The checkout's commit (``+dirty`` when it has uncommitted changes), or None."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def manifest(**fields: Any) -> dict[str, Any]:
    """Provenance: what ran, with what, where."""
    return {
        **fields,
        "command": sys.argv,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "versions": versions(),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
        },
    }
