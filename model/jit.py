"""numba compilation with an on-disk cache that also works on a read-only install.

numba caches compiled code in ``NUMBA_CACHE_DIR``; when that is unset we point it at
``$XDG_CACHE_HOME/socialweb/numba`` (or ``~/.cache/...``), falling back to a temporary folder when
that is not writable. Compilation happens on first use, never at import, so commands that need no
kernel (``socialweb --help``, ``validate``) never load numba. Every compiled function keeps its
plain-Python original as a reference twin (``use_compiled=False``); tests check both give the same
results bit for bit.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path


def cache_dir() -> str:
    """Where compiled kernels are cached (created if needed; a temp folder if not writable)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "socialweb" / "numba"
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = base / ".write-test"
        probe.write_text("")
        probe.unlink()
        return str(base)
    except OSError:
        return str(Path(tempfile.gettempdir()) / "socialweb-numba")


@cache
def compiled(func: Callable) -> Callable:
    """``func`` compiled by numba (compiled, and cached on disk, on first use)."""
    os.environ.setdefault("NUMBA_CACHE_DIR", cache_dir())
    import numba

    return numba.njit(cache=True, nogil=True)(func)


def twin(func: Callable, *, use_compiled: bool = True) -> Callable:
    """``func`` compiled, or the plain-Python original when ``use_compiled`` is False."""
    return compiled(func) if use_compiled else func
