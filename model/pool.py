"""Local worker processes: a forkserver that imports the simulator once, started early, and a
lifeline that ends every worker with the command that started it.

Workers fork from a *forkserver* (never from the multi-threaded parent: NumPy's BLAS threads make
a plain fork unsafe) that has already imported the simulator, so each worker starts warm. That
import takes 2–3 s; :func:`prestart` launches the server at the very beginning of a command, so it
imports while the command itself is still importing and loading its inputs. Where forkserver is
not available (Windows, macOS defaults aside), ``spawn`` is used.

No process outlives the command, even one killed with SIGKILL (which runs no clean-up code):

- each worker holds the read end of a :func:`lifeline`, a pipe whose write end only the command
  holds, and exits the moment it reads end-of-file (:func:`exit_when_closed`). The kernel closes
  the write end when the command dies, however it dies, so nothing depends on the command's pid
  (``os.getppid()`` of a worker is the forkserver, not the command; a polled pid can be reused);
- the forkserver's own parent *is* the command: it exits when its parent changes
  (:func:`exit_with_parent`, started by its first preloaded module, so it also holds during the
  seconds of preloading); once it is serving, it also exits when the command and every worker
  have closed its ``alive`` pipe (the standard library's own rule);
- the resource tracker exits when the last process holding its pipe (command, workers) is gone.

A program that forks itself (``os.fork``, as mutmut does for each mutant, or a user's own
forking server) after socialweb started its forkserver could not start a pool in the child: the
server is not the child's child (``os.waitpid`` on it raises ChildProcessError). Importing this
module registers :func:`forget_parents_forkserver` to run in every forked child, which then
starts a forkserver of its own when it needs one.

This module imports nothing heavy: the CLI calls :func:`prestart` before it imports NumPy.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import sys
import threading
import time

# the simulator, and its compiled kernels loaded (model.warm), once for all workers;
# model.warm comes first: it starts the forkserver's exit_with_parent watch
PRELOAD = ["model.warm", "model.runner", "model.comparison", "model.sweeps"]

# how often the forkserver checks that the command is alive, in seconds
PARENT_POLL = 0.2


def context() -> multiprocessing.context.BaseContext:
    """forkserver where available (no fork of a multi-threaded parent), else spawn.

    A forked child that outlived its parent (a daemon's fork, a forking server whose master
    restarted) still names the parent's multiprocessing temporary directory, which the
    parent's exit removed; the child's own server needs one to listen in, so a vanished
    directory is forgotten and multiprocessing makes a new one (kept while it exists, so a
    child that ends with ``os._exit`` leaves nothing of its own behind)."""
    config = multiprocessing.process.current_process()._config
    tempdir = config.get("tempdir")
    if tempdir is not None and not os.path.isdir(tempdir):
        del config["tempdir"]
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


def lifeline() -> tuple[
    multiprocessing.connection.Connection, multiprocessing.connection.Connection
]:
    """A pipe ``(reader, writer)`` to tie workers to this process.

    Hand ``reader`` to each worker (``initializer=exit_when_closed, initargs=(reader,)``) and keep
    ``writer``: nothing is ever written, so the workers read end-of-file exactly when ``writer``
    is closed, by ``writer.close()`` or by the kernel when this process dies. Both ends are
    non-inheritable; multiprocessing passes ``reader`` to a worker explicitly, so no other
    process holds ``writer``.
    """
    return multiprocessing.Pipe(duplex=False)


def exit_when_closed(reader: multiprocessing.connection.Connection) -> None:
    """Worker initializer: exit at once (status 1) when the :func:`lifeline` closes.

    A daemon thread blocks reading ``reader``; the read returns only at end-of-file, that is when
    the command closed the write end or died. ``os._exit`` ends the worker even mid-run.
    """

    def watch() -> None:
        try:
            reader.recv_bytes()  # nothing is ever sent: returns only by raising at end-of-file
        except (EOFError, OSError):
            pass
        os._exit(1)

    threading.Thread(target=watch, name="socialweb-lifeline", daemon=True).start()


def exit_with_parent(interval: float = PARENT_POLL) -> None:
    """Exit this process (status 1) as soon as its parent process has died.

    For the forkserver, whose parent is the command: it polls ``os.getppid()`` every ``interval``
    seconds in a daemon thread. A dead parent's children are re-parented (to init or a
    subreaper), so a changed ``getppid()`` is unambiguous even if the dead parent's pid is reused.
    A parent that died before this call goes unseen (1 may be a live parent: the command runs as
    pid 1 in a container); the forkserver then exits when it finishes preloading and finds its
    ``alive`` pipe closed.

    The thread sleeps without holding locks, so the forkserver's later forks stay as safe as
    they already are: the server runs threads anyway (BLAS's, pyarrow's allocator's).
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="socialweb-exit-with-parent", daemon=True).start()


def forget_parents_forkserver() -> None:
    """In a child made by ``os.fork``: forget the parent's forkserver (its pid, address and
    ``alive`` pipe; the child closes its copy of the pipe, the parent keeps its own) and renew
    the server's lock, which another thread of the parent may have held at the fork. The next
    pool in the child starts its own server. A no-op in a process that never used one (the
    forkserver's own workers among them)."""
    forkserver = sys.modules.get("multiprocessing.forkserver")
    if forkserver is None:  # never imported here: no server to forget (subprocess's children)
        return
    server = forkserver._forkserver
    if getattr(server, "_forkserver_pid", None) is None:
        return
    fd = server._forkserver_alive_fd
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
    server._forkserver_pid = None
    server._forkserver_address = None
    server._forkserver_alive_fd = None
    if hasattr(server, "_forkserver_authkey"):  # Python 3.14
        server._forkserver_authkey = None
    server._lock = threading.Lock()


os.register_at_fork(after_in_child=forget_parents_forkserver)
