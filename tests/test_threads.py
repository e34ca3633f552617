"""Multi-threaded kernels (``model.jit.threaded``): the same results for any number of threads.

The kernels whose loop is a ``prange`` (neighbour counts of the contagion, the feed's attention
cap) are split over numba's threads above ``THREADS_MIN`` elements. Each iteration writes only
its own outputs and nothing is drawn from a shared stream, so the threaded build must equal the
serial build and the plain-Python twin bit for bit, with one thread or several; a whole run
must not depend on the thread count either; and two Python threads must be able to run threaded
kernels at once (numba's workqueue layer is not thread-safe: the lock sends the second one to
the serial build).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import model.jit as J
from model.dynamics.kernels import KERNELS
from model.rng import keyed_hash, keyed_hash_pairs
from tests.conftest import ROOT


def _inputs(name: str, rng: np.random.Generator) -> tuple:
    n = 6000
    if name == "neighbour_count":
        degree = rng.integers(0, 12, n)
        indptr = np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)
        indices = rng.integers(0, n, indptr[-1]).astype(np.int32)
        return indptr, indices, rng.random(n) < 0.3
    if name == "threshold_round_keyed":  # the disengagement draws made in the pass
        indptr, indices, engaged, threshold, pinned, *_ = _inputs("threshold_round", rng)
        key = rng.integers(0, 2**63, n, dtype=np.uint64)
        draws = np.zeros(0), 0.5, key, np.uint64(9), False  # a random CSR: gathered counts
        return indptr, indices, engaged, threshold, pinned, *draws
    if name == "threshold_round":
        indptr, indices, engaged = _inputs("neighbour_count", rng)
        pinned = rng.random(n) < 0.1
        draws = rng.random(n), 0.5, np.zeros(0, np.uint64), np.uint64(0), False
        return indptr, indices, engaged, rng.uniform(0, 0.6, n), pinned, *draws
    if name in ("attention_select", "attention_select_large_caps"):
        c = 5 * n
        reader = rng.integers(0, n, c).astype(np.int64)
        key = rng.exponential(size=c)
        key[rng.random(c) < 0.05] = -1.0  # sponsored posts, ties among them
        top = 4 if name == "attention_select" else 9  # row buffers; the counting sort
        return reader, key, n, rng.integers(0, top + 1, n).astype(np.int64)
    if name == "expand_rows":
        indptr, indices, _ = _inputs("neighbour_count", rng)
        return indptr, indices, rng.integers(0, n, 2 * n).astype(np.int64)  # repeats too
    if name == "keyed_hash_pairs":
        key_a = rng.integers(0, 2**63, n).astype(np.uint64)
        key_b = rng.integers(0, 2**63, 50).astype(np.uint64)
        return np.uint64(99), key_a, rng.integers(0, n, 3 * n), key_b, rng.integers(0, 50, 3 * n)
    if name in ("keyed_hash_bits", "keyed_hash_uniform"):
        columns = rng.integers(0, 2**63, size=(2, n)).astype(np.uint64)
        return np.uint64(12345), columns, name.endswith("bits")
    raise AssertionError(name)


def _result(build, name: str, args: tuple):
    """The kernel's result (for the keyed hashes, the output they fill)."""
    if name == "keyed_hash_pairs":
        out = np.empty(args[2].size)
        build(keyed_hash_pairs)(*args, out)
        return out
    if name.startswith("keyed_hash"):
        state, columns, bits = args
        out = np.empty(columns.shape[1], dtype=np.uint64 if bits else np.float64)
        empty = np.empty(0, dtype=np.float64 if bits else np.uint64)
        build(keyed_hash)(state, columns, *((out, empty) if bits else (empty, out)))
        return out
    return build(KERNELS[name.removesuffix("_large_caps").removesuffix("_keyed")])(*args)


THREADED = ["neighbour_count", "threshold_round", "attention_select", "expand_rows"]


@pytest.mark.parametrize(
    "name",
    [
        *THREADED,
        "attention_select_large_caps",
        "threshold_round_keyed",
        "keyed_hash_bits",
        "keyed_hash_uniform",
        "keyed_hash_pairs",
    ],
)
def test_threaded_kernels_equal_the_serial_build_and_the_twin_for_any_thread_count(name):
    import numba

    args = _inputs(name, np.random.default_rng(7))
    want = _result(lambda f: J.twin(f, use_compiled=False), name, args)
    np.testing.assert_array_equal(_result(J.compiled, name, args), want)
    before = numba.get_num_threads()
    try:
        for threads in range(1, numba.config.NUMBA_NUM_THREADS + 1):
            numba.set_num_threads(threads)
            np.testing.assert_array_equal(_result(J.compiled_threaded, name, args), want)
    finally:
        numba.set_num_threads(before)


def test_threaded_runs_the_serial_build_below_the_threshold_or_while_another_thread_is_in(
    monkeypatch,
):
    monkeypatch.setattr(J, "compiled_threaded", lambda f: lambda *a: "threaded")
    monkeypatch.setattr(J, "twin", lambda f, use_compiled=True: lambda *a: "serial")
    big = J.THREADS_MIN
    assert J.threaded(len, big) == "threaded"
    assert J.threaded(len, big - 1) == "serial"
    assert J.threaded(len, big, use_compiled=False) == "serial"
    with J._THREADED:  # another thread is in a threaded kernel
        assert J.threaded(len, big) == "serial"
    assert J.threaded(len, big) == "threaded"  # released again


_RUN = textwrap.dedent(
    """
    import hashlib, sys
    import model.jit as J
    J.THREADS_MIN = int(sys.argv[1])
    from model.config.load import load_scenario
    from model.sim import SocialWebModel
    sc = load_scenario("scenarios/champion_driven.yaml",
                       {"population.citizens": 1500, "steps": 12})
    m = SocialWebModel(sc, seed=3)
    m.run()
    table = m.datacollector.get_model_vars_dataframe().to_numpy(dtype=float)
    pop = m.population
    data = table.tobytes() + pop.x.tobytes() + pop.engaged.tobytes() + pop.affinity.tobytes()
    print(hashlib.sha256(data).hexdigest())
    """
)


def _run_digest(threads: int, threads_min: int) -> str:
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    out = subprocess.run(
        [sys.executable, "-c", _RUN, str(threads_min)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_a_run_is_the_same_for_one_thread_three_threads_and_the_serial_build():
    # THREADS_MIN = 0: every threaded kernel runs threaded, even on 1,500 citizens
    serial = _run_digest(1, 10**12)
    assert _run_digest(1, 0) == serial
    assert _run_digest(3, 0) == serial


_CONCURRENT = textwrap.dedent(
    """
    import threading
    import numpy as np
    import model.jit as J
    from model.dynamics.kernels import run_threaded
    n = 600_000
    rng = np.random.default_rng(1)
    indptr = np.arange(0, 4 * n + 1, 4, dtype=np.int64)
    indices = rng.integers(0, n, 4 * n).astype(np.int32)
    flag = rng.random(n) < 0.5
    want = run_threaded("neighbour_count", n, indptr, indices, flag, use_compiled=False)
    bad = []
    def work():
        for _ in range(40):
            got = run_threaded("neighbour_count", n, indptr, indices, flag)
            if not np.array_equal(got, want):
                bad.append(1)
    threads = [threading.Thread(target=work) for _ in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print("bad", len(bad))
    """
)


def test_python_threads_can_run_threaded_kernels_at_once():
    # without the lock, numba's workqueue layer terminates the process on concurrent entry
    out = subprocess.run(
        [sys.executable, "-c", _CONCURRENT],
        cwd=ROOT,
        env=dict(os.environ, NUMBA_NUM_THREADS="2"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "bad 0"
