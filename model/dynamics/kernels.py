"""Sequential pairwise kernels (Deffuant encounters, voter copies), compiled with numba.

These updates are sequential by definition — each encounter sees the opinions the previous one
left — so NumPy cannot vectorise them; numba compiles the plain-Python loops below. The same
functions run uncompiled as the reference twin (``compiled=False``); a test checks both agree
bit for bit. All random numbers are drawn beforehand by the caller from the model's ``update``
stream, so compiled and uncompiled paths consume the same draws.

numba caches compiled code in ``NUMBA_CACHE_DIR``; when that is unset we point it at
``$XDG_CACHE_HOME/socialweb/numba`` (or ``~/.cache/...``), falling back to a temporary folder when
that is not writable, so a read-only install still works. Compilation happens on first use, not
at import.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np


def deffuant_sweep(x, indptr, indices, movable, openness, rate, picks, u):  # pragma: no cover
    """Deffuant et al. 2000 encounters in order: citizen picks[t] meets a random neighbour.

    Both move by ``rate`` toward each other when their distance is below their own openness
    (equal openness = the textbook symmetric update, which conserves the mean).
    """
    k = x.shape[1]
    for t in range(picks.size):
        i = picks[t]
        start = indptr[i]
        deg = indptr[i + 1] - start
        if deg == 0:
            continue
        j = indices[start + int(u[t] * deg)]
        d = 0.0
        for c in range(k):
            diff = x[i, c] - x[j, c]
            d += diff * diff
        d = math.sqrt(d / k)
        move_i = movable[i] and d < openness[i]
        move_j = movable[j] and d < openness[j]
        for c in range(k):
            xi = x[i, c]
            xj = x[j, c]
            if move_i:
                x[i, c] = xi + rate * (xj - xi)
            if move_j:
                x[j, c] = xj + rate * (xi - xj)


def voter_sweep(x, indptr, indices, movable, picks, u):  # pragma: no cover
    """Voter model updates in order: citizen picks[t] copies a random neighbour's opinion."""
    k = x.shape[1]
    for t in range(picks.size):
        i = picks[t]
        start = indptr[i]
        deg = indptr[i + 1] - start
        if deg == 0 or not movable[i]:
            continue
        j = indices[start + int(u[t] * deg)]
        for c in range(k):
            x[i, c] = x[j, c]


def _cache_dir() -> str:
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
def compiled(name: str) -> Callable:
    """The numba-compiled kernel ``name`` (compiled, and cached on disk, on first use)."""
    os.environ.setdefault("NUMBA_CACHE_DIR", _cache_dir())
    import numba

    return numba.njit(cache=True, nogil=True)(KERNELS[name])


KERNELS = {"deffuant_sweep": deffuant_sweep, "voter_sweep": voter_sweep}


def kernel(name: str, *, use_compiled: bool = True) -> Callable:
    """The kernel ``name``, compiled unless ``use_compiled`` is False (the reference twin)."""
    return compiled(name) if use_compiled else KERNELS[name]


def warm_up() -> None:
    """Compile (or load from cache) every kernel on a tiny input."""
    x = np.zeros((2, 1))
    indptr = np.array([0, 1, 2], dtype=np.int64)
    indices = np.array([1, 0], dtype=np.int32)
    movable = np.ones(2, dtype=np.bool_)
    picks = np.array([0], dtype=np.int64)
    u = np.array([0.5])
    kernel("deffuant_sweep")(x, indptr, indices, movable, np.ones(2), 0.5, picks, u)
    kernel("voter_sweep")(x, indptr, indices, movable, picks, u)
