"""numba compilation with an on-disk cache that also works on a read-only install — safely.

numba caches compiled code in ``NUMBA_CACHE_DIR`` and reads its index files with ``pickle``, so
whoever can write into that folder can run code in the user's process. When the variable is unset
we point it at a folder only this user can write:

1. ``$XDG_CACHE_HOME/socialweb/numba`` (or ``~/.cache/socialweb/numba``);
2. if that cannot be used, ``$TMPDIR/socialweb-numba-<uid>``, created with mode 0700;

and each candidate is used only if it is a real folder (not a symlink), owned by this user and not
writable by group or others (the temporary one: no access at all for them). A folder someone
else planted fails the check; if both fail, kernels are compiled without a disk cache (slower
start, nothing read from disk). ``NUMBA_CACHE_DIR`` set by the user is the user's choice and is
used as given.

Compilation happens on first use, never at import, so commands that need no kernel
(``socialweb --help``, ``validate``) never load numba. Every compiled function keeps its
plain-Python original as a reference twin (``use_compiled=False``); tests check both give the same
results bit for bit.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path


def _usable(path: Path, *, private: bool) -> bool:
    """Create ``path`` (0700) if needed; True if it is ours alone to write (and, if ``private``,
    to read) and writable now."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):  # a symlink or a file
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    if st.st_mode & (0o077 if private else 0o022):
        return False
    try:
        probe = path / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError:
        return False
    return True


def cache_dir() -> str | None:
    """Where compiled kernels are cached: a folder only this user can write, or None (no cache)."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "socialweb" / "numba"
    if _usable(home, private=False):
        return str(home)
    uid = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    temp = Path(tempfile.gettempdir()) / f"socialweb-numba-{uid}"
    if _usable(temp, private=True):
        return str(temp)
    return None


@cache
def compiled(func: Callable) -> Callable:
    """``func`` compiled by numba (compiled, and cached on disk where safe, on first use)."""
    if "NUMBA_CACHE_DIR" not in os.environ:
        folder = cache_dir()
        if folder is not None:
            os.environ["NUMBA_CACHE_DIR"] = folder
    import numba

    return numba.njit(cache="NUMBA_CACHE_DIR" in os.environ, nogil=True)(func)


def twin(func: Callable, *, use_compiled: bool = True) -> Callable:
    """``func`` compiled, or the plain-Python original when ``use_compiled`` is False."""
    return compiled(func) if use_compiled else func
