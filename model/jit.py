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
import threading
import types
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


# plain-Python functions the kernels call (see :func:`helper`), registered with numba when it loads
_HELPERS: list[Callable] = []


def helper(func: Callable) -> Callable:
    """Mark ``func`` (plain Python, numba-compilable) as callable from the kernels: compiled
    kernels call its compiled build (numba's ``register_jitable``, once numba is loaded), their
    plain-Python twins call ``func`` itself. Returns ``func`` unchanged, so a helper costs
    nothing at import and several kernels share one body."""
    _HELPERS.append(func)
    if _register_hints.cache_info().currsize:  # numba already loaded: register now
        _register(func)
    return func


def _register(func: Callable) -> None:
    from numba.extending import register_jitable

    register_jitable(func)


# how far ahead a kernel reading at random through an index array asks for entries: element
# e + AHEAD's while it handles element e (a stated guess; the value changes no result, and a new
# value reaches a cached kernel once the kernel's own file changes)
AHEAD = 32


@cache
def _register_hints() -> None:
    """Give :func:`prefetch` its compiled meaning and register the kernels' helpers (once, when
    numba is first loaded)."""
    for func in _HELPERS:
        _register(func)
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


def _numba():
    """numba, with the disk cache folder chosen and the prefetch hint registered."""
    if "NUMBA_CACHE_DIR" not in os.environ:
        folder = cache_dir()
        if folder is not None:
            os.environ["NUMBA_CACHE_DIR"] = folder
    import numba

    _register_hints()
    return numba


@cache
def compiled(func: Callable) -> Callable:
    """``func`` compiled by numba (compiled, and cached on disk where safe, on first use).
    A ``prange`` loop in it runs as a plain loop (``prange`` is ``range`` here)."""
    numba = _numba()
    return numba.njit(cache="NUMBA_CACHE_DIR" in os.environ, nogil=True)(func)


# Multi-threaded kernels. A kernel whose iterations are independent (each writes only its own
# outputs, draws nothing from a shared stream) marks that loop ``for i in prange(n)``; its
# threaded build splits the loop over numba's threads, so its results are the same for any
# number of threads. Below THREADS_MIN elements starting the threads costs more than it saves:
# measured (benchmarks/bench_threads.py, 2 cores, workqueue layer, two runs) the threaded builds
# lose below 300,000 elements and are within 0.9-1.3x of the serial ones at 1,000,000.
THREADS_MIN = 1_000_000
_THREADED = threading.Lock()  # one threaded kernel at a time in a process (see ``threaded``)


# ``range`` in plain Python and in serial builds (numba compiles the builtin); numba's parallel
# loop in threaded builds (``compiled_threaded`` swaps it in)
prange = range


@cache
def compiled_threaded(func: Callable) -> Callable:
    """``func`` compiled with numba's ``parallel=True``, its ``prange`` loops split over threads.

    Compiled from a copy of ``func`` whose ``prange`` is numba's and whose name ends in
    ``__threads``, so the serial and threaded builds keep separate entries in the disk cache.
    numba's ``workqueue`` threading layer is used unless ``NUMBA_THREADING_LAYER`` says
    otherwise: it is safe in processes that fork (GNU OpenMP is not), and the lock in
    :func:`threaded` keeps two threads of one process from entering it at once (it is not
    thread-safe)."""
    # numba rereads its settings from the environment when it compiles: the choice goes there
    os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")
    numba = _numba()
    numba.config.THREADING_LAYER = os.environ["NUMBA_THREADING_LAYER"]
    scope = dict(func.__globals__, prange=numba.prange)
    copy = types.FunctionType(
        func.__code__, scope, func.__name__, func.__defaults__, func.__closure__
    )
    copy.__qualname__ = func.__qualname__ + "__threads"
    copy.__module__ = func.__module__
    copy.__doc__ = func.__doc__
    return numba.njit(cache="NUMBA_CACHE_DIR" in os.environ, nogil=True, parallel=True)(copy)


def threaded(func: Callable, size: int, *args, use_compiled: bool = True):
    """Call ``func(*args)``: its threaded build for ``size`` ≥ THREADS_MIN elements when compiled
    and no other thread of this process is running a threaded kernel, else its serial build (or
    its plain-Python twin, when ``use_compiled`` is False). Same results either way."""
    if use_compiled and size >= THREADS_MIN and _THREADED.acquire(blocking=False):
        try:
            return compiled_threaded(func)(*args)
        finally:
            _THREADED.release()
    return twin(func, use_compiled=use_compiled)(*args)


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
