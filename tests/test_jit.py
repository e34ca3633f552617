"""The compiled kernels cache on disk, and still work where the cache folder cannot be written."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

RUN = (
    "import os; from model.dynamics.kernels import warm_up; warm_up(); "
    "print(os.environ['NUMBA_CACHE_DIR'])"
)


def python(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, **env},
        check=True,
    )
    return out.stdout.strip()


def test_kernels_are_cached_under_the_user_cache(tmp_path):
    used = python(RUN, XDG_CACHE_HOME=str(tmp_path))
    assert used == str(tmp_path / "socialweb" / "numba")
    cached = list((tmp_path / "socialweb" / "numba").rglob("*.nbi"))
    assert len(cached) >= 5  # one index per kernel (and the BA generator is compiled on use)


def test_a_read_only_cache_location_falls_back_to_a_temporary_folder(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # a file where the cache folder should go: mkdir fails even for root
    used = python(RUN, XDG_CACHE_HOME=str(blocker))
    assert "socialweb-numba" in used and not used.startswith(str(blocker))


def test_numba_cache_dir_set_by_the_user_wins(tmp_path):
    assert python(RUN, NUMBA_CACHE_DIR=str(tmp_path)) == str(tmp_path)
    assert list(tmp_path.rglob("*.nbi"))


def test_warm_up_calls_every_kernel_within_its_arrays():
    """warm_up compiles each kernel (and, with threads, each threaded build) by calling it on
    tiny arrays; compiled code does not check bounds, so the call is run as plain Python
    (NUMBA_DISABLE_JIT=1), where an index past an array's end raises: every warm-up call must
    be a valid call of its kernel. ``model.sim.warm_up``: the dynamics', the phases' and the
    metrics' kernels."""
    code = "from model.sim import warm_up; warm_up(threads=True); print('warm')"
    assert python(code, NUMBA_DISABLE_JIT="1", PYTHONWARNINGS="ignore") == "warm"


HELPER = """
import sys
import model.jit as jit
from model.jit import compiled, helper

def before(v):
    return v * 3.0

helper(before)  # numba not loaded yet: registered when it loads
assert "numba" not in sys.modules

def use_before(v):
    return before(v) + 1.0

print(compiled(use_before)(2.0))

def after(v):
    return v - 10.0

helper(after)  # numba loaded: registered at once

def use_after(v):
    return after(v) * 2.0

print(compiled(use_after)(2.0), use_after(2.0))
"""


def test_kernels_call_helpers_marked_before_or_after_numba_loads(tmp_path):
    """A kernel's compiled build calls a ``helper``'s compiled build, whether the helper was
    marked before numba loaded (registered then) or after (registered at once); without the
    registration numba cannot type the call and compiling fails. (A script file: numba caches
    only functions whose source file it can find.)"""
    script = tmp_path / "helpers.py"
    script.write_text(HELPER)
    code = f"import runpy; runpy.run_path({str(script)!r})"
    out = python(code, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    assert out.split() == ["7.0", "-16.0", "-16.0"]
