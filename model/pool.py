"""Local worker processes: a forkserver that imports the simulator once, started early.

Workers fork from a *forkserver* (never from the multi-threaded parent: NumPy's BLAS threads make
a plain fork unsafe) that has already imported the simulator, so each worker starts warm. That
import takes 2–3 s; :func:`prestart` launches the server at the very beginning of a command, so it
imports while the command itself is still importing and loading its inputs. Where forkserver is
not available (Windows, macOS defaults aside), ``spawn`` is used.

This module imports nothing heavy: the CLI calls :func:`prestart` before it imports NumPy.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context

# the simulator, and its compiled kernels loaded (model.dynamics.warm), once for all workers
PRELOAD = ["model.sweeps", "model.comparison", "model.runner", "model.dynamics.warm"]


def context() -> multiprocessing.context.BaseContext:
    """forkserver where available (no fork of a multi-threaded parent), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    # the server imports the simulator once; each worker forks from it already warm
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def prestart() -> None:
    """Start the forkserver now, so its imports overlap with the caller's own start-up."""
    ctx = context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
