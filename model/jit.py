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
from functools import cache, wraps
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


def prefetch(array, index) -> None:  # noqa: ARG001 - a hint: nothing to do in plain Python
    """Ask the processor to start loading ``array[index]`` into its caches (no result, no effect
    on any value). In plain Python (the kernels' reference twins) it does nothing; compiled, it
    is LLVM's ``llvm.prefetch`` (read, high locality), registered by :func:`_register_hints`.

    The sweeps call it a few encounters ahead of the one they update, so at a million citizens
    the next encounters' rows are on their way while the current one waits for memory."""


@cache
def _register_hints() -> None:
    """Give :func:`prefetch` its compiled meaning (once, when numba is first loaded)."""
    from llvmlite import ir
    from llvmlite.binding import llvm_version_info
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic, overload

    @intrinsic
    def _llvm_prefetch(typingctx, array, index):
        def codegen(context, builder, signature, args):
            array_type = signature.args[0]
            view = context.make_array(array_type)(context, builder, args[0])
            pointer = cgutils.get_item_pointer(
                context, builder, array_type, view, [args[1]], wraparound=False
            )
            byte = ir.PointerType(ir.IntType(8))
            i32 = ir.IntType(32)
            # the intrinsic's name carries the pointer type: "p0" since LLVM 17 (opaque pointers
            # only; the llvmlite of numba 0.62+), "p0i8" before (typed pointers: numba 0.60-0.61)
            opaque = llvm_version_info[0] >= 17
            name = "llvm.prefetch.p0" if opaque else "llvm.prefetch.p0i8"
            hint = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [byte, i32, i32, i32]), name
            )
            # read (0), high temporal locality (3), data cache (1)
            builder.call(hint, [builder.bitcast(pointer, byte), i32(0), i32(3), i32(1)])
            return context.get_dummy_value()

        return types.void(array, index), codegen

    @overload(prefetch)
    def _prefetch(array, index):
        def impl(array, index):
            _llvm_prefetch(array, index)

        return impl


@cache
def compiled(func: Callable) -> Callable:
    """``func`` compiled by numba (compiled, and cached on disk where safe, on first use)."""
    if "NUMBA_CACHE_DIR" not in os.environ:
        folder = cache_dir()
        if folder is not None:
            os.environ["NUMBA_CACHE_DIR"] = folder
    import numba

    _register_hints()
    return numba.njit(cache="NUMBA_CACHE_DIR" in os.environ, nogil=True)(func)


def twin(func: Callable, *, use_compiled: bool = True) -> Callable:
    """``func`` compiled, or the plain-Python original when ``use_compiled`` is False (run with
    NumPy's overflow warnings off: the keyed sweeps' uint64 arithmetic wraps on purpose, as it
    does compiled)."""
    return compiled(func) if use_compiled else _wrapping(func)


@cache
def _wrapping(func: Callable) -> Callable:
    """``func`` in plain Python with uint64 overflow silent (wrap-around is the arithmetic)."""
    import numpy as np

    @wraps(func)
    def run(*args, **kwargs):
        with np.errstate(over="ignore"):
            return func(*args, **kwargs)

    return run
