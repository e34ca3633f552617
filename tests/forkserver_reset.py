"""A process forked from one that started multiprocessing's forkserver cannot use that server
(it is not the child's child: ``os.waitpid`` on it raises ChildProcessError). mutmut runs each
mutant's tests in such a fork of its main process, which started the server while it collected
test statistics, so every test using a process pool failed there for that reason alone, and
every mutant those tests cover counted as killed. ``install`` makes a forked child forget its
parent's server; it starts its own when it needs one. Imported by the mutation value tests."""

from __future__ import annotations

import contextlib
import os
import threading
from multiprocessing import forkserver

_installed = False


def _forget_parents_forkserver() -> None:
    server = forkserver._forkserver
    if server._forkserver_pid is None:
        return
    with contextlib.suppress(OSError, TypeError):
        os.close(server._forkserver_alive_fd)  # the child's copy; the parent keeps its own
    server._forkserver_pid = None
    server._forkserver_address = None
    server._forkserver_alive_fd = None
    server._lock = threading.Lock()


def install() -> None:
    global _installed
    if not _installed:
        os.register_at_fork(after_in_child=_forget_parents_forkserver)
        _installed = True
