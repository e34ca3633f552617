"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from model.config import Scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

# pytest-timeout (pyproject.toml: 900 s, SIGALRM) fails a hung test with its traceback, but its
# handler runs between Python bytecodes: a hang inside a compiled kernel (numba releases the GIL
# and never comes back) is out of its reach. This watchdog ends the process that long after, so
# xdist reports "worker crashed while running <the test>" and CI fails there, within its time.
HANG_EXIT_S = float(os.environ.get("SOCIALWEB_TEST_HANG_EXIT_S", 1200))
HANG_EXIT_CODE = 70


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    watchdog = threading.Timer(HANG_EXIT_S, os._exit, args=(HANG_EXIT_CODE,))
    watchdog.daemon = True
    watchdog.start()
    try:
        return (yield)
    finally:
        watchdog.cancel()


def per_1000(count: float, citizens: int) -> float:
    """``count`` people among ``citizens`` as a number per 1,000 citizens (the scenario unit)."""
    return count * 1000.0 / citizens


def small(parties: dict | None = None, **sections) -> Scenario:
    """A small world (300 citizens, 60 steps) with blue and red unless ``parties`` is given."""
    data = {
        "name": "small",
        "steps": 60,
        "population": {"citizens": 300},
        "network": {"mean_degree": 8},
        "parties": parties
        if parties is not None
        else {
            "blue": {
                "position": 0.25,
                "institution": {"enabled": True},
                "staff": {"per_1000": per_1000(2, 300), "ties": 15},
                "champions": {"enabled": True, "initial_per_1000": per_1000(10, 300)},
            },
            "red": {"position": -0.25, "institution": {"enabled": True}},
        },
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return scenario_from_dict(data)


@pytest.fixture
def small_scenario() -> Scenario:
    return small()


@pytest.fixture(autouse=True)
def _results_in_tmp(tmp_path, monkeypatch):
    """Default output folders go to a temporary results/ so tests never touch the checkout."""
    monkeypatch.setenv("SOCIALWEB_RESULTS", str(tmp_path / "results"))
    os.environ.setdefault("MPLBACKEND", "Agg")


# every process the suite starts inherits this mark: SOCIALWEB_TEST_SESSION=<pytest's pid>
SESSION_MARK = "SOCIALWEB_TEST_SESSION"


@pytest.fixture(scope="session", autouse=True)
def _no_process_left_behind():
    """The suite leaves no worker, forkserver or resource tracker behind (issue 11).

    At the end, every live process carrying this session's mark, except pytest's own forkserver
    and resource tracker (they exit with pytest), is a leftover: the session fails, naming them,
    once they have had 5 s to exit. Linux only (reads /proc).
    """
    os.environ[SESSION_MARK] = str(os.getpid())
    yield
    if not Path("/proc/self/environ").exists():
        return
    deadline = time.monotonic() + 5
    while (left := _left_behind()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes the tests started are still running: {left}"


def _left_behind() -> dict[int, str]:
    """Live processes marked with this session, but for pytest and its forkserver and tracker."""
    me = os.getpid()
    mark = f"{SESSION_MARK}={me}".encode()
    left = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if mark not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone, or not ours to read
            continue
        state, parent = stat[stat.rindex(")") + 2 :].split()[:2]
        own = int(parent) == me and any(
            f"multiprocessing.{server} import main" in command
            for server in ("forkserver", "resource_tracker")
        )
        if state != "Z" and not own:
            left[int(entry.name)] = command
    return left


def tiny_data(
    *, citizens: int = 60, steps: int = 5, mean_degree: int = 4, initial_champions: int = 2
) -> dict:
    """Raw scenario data (what a YAML file holds) for a tiny blue-and-red world."""
    return {
        "name": "tiny",
        "steps": steps,
        "population": {"citizens": citizens},
        "network": {"mean_degree": mean_degree},
        "parties": {
            "blue": {
                "position": 0.25,
                "institution": {"enabled": True},
                # an organizer: founding champions are recruited from its reach
                "staff": {"per_1000": per_1000(1, citizens), "ties": min(20, citizens)},
                "champions": {
                    "enabled": True,
                    "initial_per_1000": per_1000(initial_champions, citizens),
                    "guidance": 0.3,
                    "min_engagement": 0.0,
                },
            },
            "red": {"position": -0.25, "institution": {"enabled": True}},
        },
    }


@pytest.fixture
def counted(monkeypatch):
    """Every sweep run actually executed, as (seed, replicate): ``model.sweeps.run_outcomes``
    wrapped (resume tests count runs instead of inferring them from equal tables)."""
    from model import sweeps

    calls: list[tuple[int, int]] = []
    real = sweeps.run_outcomes

    def run_outcomes(scenario, seed, replicate):
        calls.append((seed, replicate))
        return real(scenario, seed, replicate)

    monkeypatch.setattr(sweeps, "run_outcomes", run_outcomes)
    return calls
