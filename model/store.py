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
import tempfile
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


NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]*"  # what ``validate`` accepts as a scenario name
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def file_name(name: str, *, limit: int = 80) -> str:
    """The one way a user-given name (scenario, experiment, label) becomes a file or folder name.

    Keeps letters, digits, ``_`` and ``-``; any other run of characters (``/``, ``..``, spaces,
    dots) becomes one ``-``; leading dashes are dropped so the result is never hidden, never a
    path and never empty (``unnamed``). Names that ``validate`` accepts come back unchanged.
    """
    text = _UNSAFE.sub("-", str(name)).strip("-")[:limit].rstrip("-")
    return text or "unnamed"


def new_folder_name(label: str) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{file_name(label)}"


def _probe_writable(folder: Path, what: str) -> None:
    """Create and remove a hidden folder in ``folder``: what staging will need (OutputError)."""
    try:
        probe = Path(tempfile.mkdtemp(prefix=".socialweb-probe-", dir=folder))
        probe.rmdir()
    except OSError as err:
        raise OutputError(
            f"{what}: cannot write in {folder} ({err.strerror or type(err).__name__})"
        ) from None


def reserve_output(out: str | Path | None, label: str) -> tuple[Path, bool]:
    """Reserve the folder to write: ``(path, created)``.

    ``out`` must be a new or empty folder; without it a new timestamped folder is made under
    results/. The folder is *created* here (``os.mkdir`` is atomic), so two commands started in
    the same second never pick the same name — the second gets a ``-2`` suffix —, and a folder
    that cannot be written is refused now, before any run, not after all of them.
    """
    if out is not None:
        path = Path(out)
        for parent in path.parents:
            if parent.exists() and not parent.is_dir():
                raise OutputError(f"--out: {path}: expected a folder path, but {parent} is a file")
        if path.exists() or path.is_symlink():
            if not path.is_dir() or any(path.iterdir()):
                raise OutputError(
                    f"--out: {path}: expected a new or empty folder, it already holds files"
                    if path.is_dir()
                    else f"--out: {path}: expected a new or empty folder, got a file"
                )
            _probe_writable(path.parent, f"--out: {path}")
            return path, False
        try:
            path.mkdir(parents=True)
        except FileExistsError:  # created by someone else since the check
            raise OutputError(
                f"--out: {path}: expected a new folder, it was just created"
            ) from None
        except OSError as err:
            raise OutputError(
                f"--out: {path}: cannot create it ({err.strerror or type(err).__name__})"
            ) from None
        try:
            _probe_writable(path.parent, f"--out: {path}")
        except OutputError:
            path.rmdir()
            raise
        return path, True
    base = default_results_dir()
    if base.exists() and not base.is_dir():
        raise OutputError(
            f"results folder {base}: expected a folder, got a file; set --out or SOCIALWEB_RESULTS"
        )
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(
            f"results folder {base}: cannot create it ({err.strerror or type(err).__name__}); "
            "set --out or SOCIALWEB_RESULTS"
        ) from None
    name = new_folder_name(label)
    for n in range(1, 10_000):
        path = base / (name if n == 1 else f"{name}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as err:
            raise OutputError(
                f"results folder {base}: cannot write there "
                f"({err.strerror or type(err).__name__}); set --out or SOCIALWEB_RESULTS"
            ) from None
        return path, True
    raise OutputError(f"results folder {base}: 10,000 folders named {name}-N exist already")


def choose_output(out: str | Path | None, label: str) -> Path:
    """:func:`reserve_output`'s path (the folder exists, empty, when this returns)."""
    return reserve_output(out, label)[0]


@contextlib.contextmanager
def output_folder(out: str | Path | None, label: str) -> Iterator[Path]:
    """Reserve the output folder; if the command then fails, remove it again (if still empty
    and made here), so a failed or interrupted command leaves nothing behind."""
    path, created = reserve_output(out, label)
    try:
        yield path
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                path.rmdir()
        raise


_PARTIAL = re.compile(r"^\..+\.partial-(\d+)$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_partials(folder: Path) -> list[Path]:
    """Remove staging folders (``.NAME.partial-PID``) whose process is gone: leftovers of a
    command that was killed. Another live command's staging folder is left alone."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _PARTIAL.match(entry.name)
        if match and entry.is_dir() and not entry.is_symlink() and not _alive(int(match[1])):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


@contextlib.contextmanager
def staged(final: Path) -> Iterator[Path]:
    """Yield a staging folder; on success move it to ``final``, on failure remove it.

    ``final`` may exist as an empty folder (reserved by :func:`reserve_output`): renaming a
    folder onto an empty one replaces it atomically on POSIX systems. Staging folders left by
    killed commands are removed first (:func:`clean_partials`).
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    clean_partials(final.parent)
    stage = final.parent / f".{final.name}.partial-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
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
