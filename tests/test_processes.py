"""Worker processes end with their command, and a dead worker loses no run (issue 11, item 4).

A SIGKILLed command runs no clean-up code, so these tests kill real processes and look at
``/proc``: Linux only. Each command under test runs in a session of its own
(``start_new_session``), so "every process of that session" is exactly what it started: the
command, its forkserver, its workers and its resource tracker.
"""

from __future__ import annotations

import ast
import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from model.comparison import RESTARTS, compare, run_all
from model.config import scenario_from_dict
from model.pool import context
from tests.conftest import ROOT, tiny_data

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or context().get_start_method() != "forkserver",
    reason="reads /proc; the forkserver start method (Linux)",
)

GRACE = 10.0  # seconds a killed command's processes get to exit


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat from the state on (state, ppid, pgrp, session, ...)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def _alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def _processes() -> dict[int, list[str]]:
    """Every live process: pid → its stat fields."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) and fields[0] != "Z":
            out[int(entry)] = fields
    return out


def _session(sid: int) -> dict[int, str]:
    """Live processes of session ``sid``: pid → command line."""
    return {pid: _cmdline(pid) for pid, f in _processes().items() if int(f[3]) == sid}


def _children(pid: int) -> list[int]:
    """Live children of ``pid``, from each of its threads' list (no scan of all of /proc)."""
    kids = []
    try:
        for thread in os.listdir(f"/proc/{pid}/task"):
            kids += Path(f"/proc/{pid}/task/{thread}/children").read_text().split()
    except OSError:
        return []
    return [int(k) for k in kids if _alive(int(k))]


def _cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _wait_until(condition, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(step)
    return condition()


def _survivors(sid: int) -> dict[int, str]:
    """The processes of session ``sid`` still running after up to ``GRACE`` seconds."""
    _wait_until(lambda: not _session(sid), timeout=GRACE)
    return _session(sid)


def _kill_session(sid: int) -> None:
    """Clean up after a failed check: the test's own session, by pid."""
    for pid in _session(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _forkserver() -> int:
    """The forkserver of this (the pytest) process; a process started through it warms it."""
    worker = context().Process(target=os.getpid)
    worker.start()  # returns once the server has finished its preloads and forked
    worker.join()
    servers = [p for p in _children(os.getpid()) if "multiprocessing.forkserver" in _cmdline(p)]
    assert len(servers) == 1, servers
    return servers[0]


def _scenario_file(path: Path, name: str, guidance: float, *, citizens: int, steps: int) -> Path:
    data = tiny_data(citizens=citizens, steps=steps)
    data["name"] = name
    data["parties"]["blue"]["champions"]["guidance"] = guidance
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


# --- the command dies: nothing of it survives --------------------------------------------------


def test_sigkilled_compare_leaves_no_process_and_releases_its_pipes(tmp_path):
    """SIGKILL the command mid-compare: forkserver, workers and resource tracker go with it.

    stdout is a pipe, as in ``socialweb compare … | tee log``: the reader sees end-of-file
    only once every process holding the pipe has exited.
    """
    a = _scenario_file(tmp_path / "a.yaml", "a", 0.3, citizens=4000, steps=300)
    b = _scenario_file(tmp_path / "b.yaml", "b", 0.6, citizens=4000, steps=300)
    cmd = [sys.executable, "-m", "model", "compare", str(a), str(b), "--replicates", "10"]
    cmd += ["--jobs", "2", "--out", str(tmp_path / "out"), "--progress", "none"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    eof = threading.Event()
    reader = threading.Thread(target=lambda: (proc.stdout.read(), eof.set()), daemon=True)
    reader.start()
    try:
        # a worker is a process of the session whose parent is not the command: the forkserver
        def workers() -> list[int]:
            session = {p: f for p, f in _processes().items() if int(f[3]) == proc.pid}
            return [p for p, f in session.items() if int(f[1]) in session and int(f[1]) != proc.pid]

        worker = _wait_until(lambda: proc.poll() is not None or workers(), timeout=90, step=0.2)
        assert proc.poll() is None, "the compare finished before a worker started: make it longer"
        assert _wait_until(lambda: _cpu_seconds(worker[0]) > 0.2, timeout=20), "worker idle"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        left = _survivors(proc.pid)
        assert not left, f"still running {GRACE:.0f} s after the command was killed: {left}"
        assert eof.wait(timeout=2), "stdout is still held open"
    finally:
        _kill_session(proc.pid)
        reader.join(timeout=5)
        proc.stdout.close()


def test_sigkilled_command_takes_its_preloading_forkserver_along():
    """The forkserver preloads the simulator for seconds (a minute if numba compiles); a command
    killed meanwhile must not leave it to finish, holding the terminal's pipes."""
    code = "from model.pool import prestart; prestart(); import time; time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True)
    try:

        def watching() -> list[int]:
            # the server's first preload starts its watch thread before anything heavy
            servers = [p for p in _children(proc.pid) if "forkserver" in _cmdline(p)]
            return [p for p in servers if len(list(Path(f"/proc/{p}/task").glob("*"))) > 1]

        assert _wait_until(watching, timeout=30), "no forkserver started"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _wait_until(lambda: not _session(proc.pid), timeout=1.0)
        assert not _session(proc.pid), "the forkserver went on preloading"
    finally:
        _kill_session(proc.pid)


def _sleep_then(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


@contextlib.contextmanager
def _script(code: str):
    """``code`` run by a new Python in a session of its own (text stdout/stderr piped); every
    process of that session is killed afterwards, whatever the test found."""
    proc = subprocess.Popen(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", code],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc
    finally:
        _kill_session(proc.pid)


def test_a_script_using_workers_leaves_nothing_when_it_exits(tmp_path):
    """A normal exit leaves no process behind, even one that comes while the forkserver is still
    preloading (4 tasks of 0.2 s take less time than that)."""
    code = (
        "from model.comparison import run_all; from tests.test_processes import _sleep_then; "
        "run_all([(0.2,)] * 4, jobs=2, fn=_sleep_then)"
    )
    with _script(code) as proc:
        _, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        left = _survivors(proc.pid)
        assert not left, f"still running {GRACE:.0f} s after the script exited: {left}"


def _pid_once_a_worker_ran(marker: str) -> int:
    """A pool worker leaves ``marker``; the calling process waits for it, so every call of
    run_all with two of these tasks on two jobs has used a worker."""
    if multiprocessing.parent_process() is not None:
        _leave_pid(marker)
    elif not _wait_until(lambda: Path(marker).exists(), timeout=60):
        raise TimeoutError("no worker started")
    return os.getpid()


def _fork_script(tmp_path: Path, parent_waits: bool) -> str:
    """A program that uses workers, forks, and has the child use workers too; the child writes
    ``(its run's pids, its pid)`` or ``failed …`` to child.txt. The parent waits for the child
    (mutmut's case) or exits at once, leaving an orphan (a daemon's fork)."""
    return (
        "import os, sys, time\n"
        "from model.comparison import run_all\n"
        "from tests.test_processes import _pid_once_a_worker_ran as task\n"
        "def pids(marker):\n"
        "    return sorted(set(run_all([(marker,)] * 2, jobs=2, fn=task)))\n"
        f"pids({str(tmp_path / 'p')!r})\n"
        "parent = os.getpid()\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        f"    while {not parent_waits} and os.getppid() == parent:\n"
        "        time.sleep(0.05)\n"
        "    try:\n"
        f"        text = repr((pids({str(tmp_path / 'c')!r}), os.getpid()))\n"
        "    except BaseException as err:\n"
        "        text = 'failed ' + type(err).__name__ + ' ' + str(err)\n"
        f"    open({str(tmp_path / 'child.txt')!r}, 'w').write(text)\n"
        "    os._exit(0)\n"
        f"if {parent_waits}:\n"
        "    os.waitpid(child, 0)\n"
        "sys.exit(0)\n"
    )


def _child_used_a_worker(tmp_path: Path, proc) -> None:
    done = tmp_path / "child.txt"
    assert _wait_until(lambda: done.exists() and done.read_text(), timeout=120), "no child result"
    text = done.read_text()
    assert not text.startswith("failed"), text
    child_pids, child = ast.literal_eval(text)
    assert child in child_pids and len(child_pids) == 2, text  # the child and its worker
    left = _survivors(proc.pid)
    assert not left, f"still running {GRACE:.0f} s after the child exited: {left}"


def test_a_forked_child_of_a_command_with_workers_can_use_workers(tmp_path):
    """A program that used workers, then forks itself (as mutmut does for each mutant): the
    child's pool must not use the parent's forkserver (not the child's child: ChildProcessError)
    but start its own (model.pool's fork hook). The child's run used a worker, and nothing of
    the session is left."""
    with _script(_fork_script(tmp_path, parent_waits=True)) as proc:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        _child_used_a_worker(tmp_path, proc)


def test_a_forked_child_that_outlives_its_parent_can_use_workers(tmp_path):
    """A daemon's fork: the parent used workers, forks and exits (removing its multiprocessing
    temporary directory); the child, now an orphan, starts a pool of its own (model.pool's
    context() forgets the vanished directory) and uses a worker. Nothing is left after it."""
    with _script(_fork_script(tmp_path, parent_waits=False)) as proc:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        _child_used_a_worker(tmp_path, proc)


# --- run_all in this process: its workers end with the call ------------------------------------


def _leave_pid(marker: str) -> None:
    """Write this process's pid to ``marker`` whole: a reader that sees the file sees the pid
    (written beside it, then renamed)."""
    Path(marker + ".part").write_text(str(os.getpid()))
    os.replace(marker + ".part", marker)


def _worker_sleeps_main_fails(marker: str, seconds: float) -> None:
    if multiprocessing.parent_process() is not None:  # a pool worker
        _leave_pid(marker)
        time.sleep(seconds)
        return
    # this (the calling) process: fail once a worker is mid-run
    if not _wait_until(lambda: Path(marker).exists(), timeout=30):
        raise TimeoutError("no worker started")
    raise ValueError("failed in the calling process")


def test_workers_end_with_the_call_even_mid_run(tmp_path):
    _forkserver()
    marker = tmp_path / "worker.pid"
    started = time.monotonic()
    with pytest.raises(ValueError, match="failed in the calling process"):
        run_all([(str(marker), 60.0)] * 2, jobs=2, fn=_worker_sleeps_main_fails)
    worker = int(marker.read_text())
    try:
        assert _wait_until(lambda: not _alive(worker), timeout=GRACE), "the worker still runs"
        assert time.monotonic() - started < 30
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_run_all_leaves_no_worker_after_it_returns():
    server = _forkserver()
    pids = run_all([(0.2,)] * 12, jobs=3, fn=_sleep_then)
    assert len(set(pids)) > 1, "no worker took part"
    _wait_until(lambda: not _children(server), timeout=GRACE)
    assert not _children(server), "workers left after run_all returned"


# --- a worker dies: its runs run again, the finished ones are kept ------------------------------


def _die_in_worker(marks: str, deaths: int, i: int, always: bool) -> int:
    """i²; a pool worker given task 0 kills itself (the first time, or ``always``).

    This (the calling) process waits, before its first task, for ``deaths`` workers to have
    died, so the pool restarts happen whatever the machine's speed.
    """
    dead = Path(marks)
    if multiprocessing.parent_process() is None:
        if not _wait_until(lambda: len(list(dead.iterdir())) >= deaths, timeout=30):
            raise TimeoutError("the workers did not die as planned")
    elif i == 0 and (always or not any(dead.iterdir())):
        (dead / str(os.getpid())).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.02)
    return i * i


def test_a_worker_killed_mid_task_costs_only_its_task(tmp_path):
    _forkserver()
    done = []
    with pytest.warns(RuntimeWarning, match="worker process died") as warned:
        results = run_all(
            [(str(tmp_path), 1, i, False) for i in range(12)],
            jobs=2,
            fn=_die_in_worker,
            progress=lambda d, _: done.append(d),
        )
    assert results == [i * i for i in range(12)]
    assert [str(w.message).split(": ")[-1] for w in warned] == [
        "1 run(s) start again, in a new worker"
    ]
    assert done == list(range(1, 13))


def test_workers_that_keep_dying_leave_the_rest_to_this_process(tmp_path):
    _forkserver()
    with pytest.warns(RuntimeWarning, match="worker process died") as warned:
        results = run_all(
            [(str(tmp_path), RESTARTS + 1, i, True) for i in range(12)], jobs=2, fn=_die_in_worker
        )
    assert results == [i * i for i in range(12)]
    assert len(list(tmp_path.iterdir())) == RESTARTS + 1  # one death per pool, then no pool
    assert str(warned[-1].message).endswith("the main process runs the rest")


def test_compare_with_a_worker_killed_mid_run_equals_one_job():
    server = _forkserver()
    scenarios = []
    for name, guidance in (("a", 0.3), ("b", 0.6)):
        data = tiny_data(citizens=1500, steps=150)
        data["name"] = name
        data["parties"]["blue"]["champions"]["guidance"] = guidance
        scenarios.append(scenario_from_dict(data))
    killed: list[int] = []
    over = threading.Event()

    def kill_a_busy_worker() -> None:
        def busy() -> list[int]:
            return [p for p in _children(server) if _cpu_seconds(p) > 0.05]

        workers = _wait_until(lambda: over.is_set() or busy(), timeout=30, step=0.02)
        if isinstance(workers, list) and workers:
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        two = compare(scenarios, replicates=8, seed=3, jobs=2)
    over.set()
    killer.join()
    assert killed, "no worker was killed: the test did not test anything"
    assert any("worker process died" in str(w.message) for w in warned)
    one = compare(scenarios, replicates=8, seed=3, jobs=1)
    pd.testing.assert_frame_equal(one.runs, two.runs)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)
    assert one.comparison == two.comparison
