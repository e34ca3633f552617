"""Threaded kernels: serial and threaded builds by array size (the basis of ``THREADS_MIN``).

Run: .venv/bin/python benchmarks/bench_threads.py [--sizes 10000 30000 100000 300000 1000000]

For each kernel ``model.jit.threaded`` may run on threads — a round of the contagion
(``threshold_round``: a random graph, 6 ties per person on average, 30 % engaged, thresholds
uniform on [0, 0.6], a tenth pinned, people leaving at rate 0.5), the feed's attention cap
(5 candidates per reader, caps 0–3), the feed's neighbour lists (``expand_rows``: n sources on
that graph) and the keyed draws' hash (``keyed_hash``: n uniforms from two key columns) — the
median time of the serial build and of the threaded build on numba's default number of
threads, at each size, in this process. Both builds are compiled (or loaded from the cache)
before timing. Results: benchmarks/results/threads.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import record  # noqa: E402
from model.dynamics.kernels import KERNELS  # noqa: E402
from model.jit import compiled, compiled_threaded  # noqa: E402
from model.rng import keyed_hash  # noqa: E402


def inputs(name: str, n: int, rng: np.random.Generator):
    if name in ("threshold_round", "expand_rows"):
        degree = rng.poisson(6, n)
        indptr = np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)
        indices = rng.integers(0, n, indptr[-1]).astype(np.int32)
        if name == "expand_rows":
            return KERNELS[name], indptr, indices, rng.integers(0, n, n)
        engaged, pinned = rng.random(n) < 0.3, rng.random(n) < 0.1
        threshold, leave = rng.uniform(0, 0.6, n), rng.random(n)
        # the draws given, not keyed; the counts gathered (a random CSR; the threaded way)
        draws = leave, 0.5, np.zeros(0, np.uint64), np.uint64(0), False
        return KERNELS[name], indptr, indices, engaged, threshold, pinned, *draws
    if name == "keyed_hash":
        columns = rng.integers(0, 2**63, size=(2, n)).astype(np.uint64)
        return keyed_hash, np.uint64(7), columns, np.empty(0, np.uint64), np.empty(n)
    readers = n // 5  # attention_select: n candidates among n / 5 readers
    return (
        KERNELS["attention_select"],
        rng.integers(0, readers, n).astype(np.int64),
        rng.exponential(size=n),
        readers,
        rng.integers(0, 4, readers).astype(np.int64),
    )


def median_time(fn, args, repeat: int) -> float:
    fn(*args)  # compiled or loaded already; one call to warm the caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    import numba

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000, 300_000, 1_000_000]
    )
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    rows = []
    for name in ("threshold_round", "attention_select", "expand_rows", "keyed_hash"):
        for n in args.sizes:
            func, *data = inputs(name, n, rng)
            repeat = max(5, min(200, 2_000_000 // n))
            serial = median_time(compiled(func), data, repeat)
            threaded = median_time(compiled_threaded(func), data, repeat)
            rows.append(
                {
                    "kernel": name,
                    "n": n,
                    "serial_ms": round(1000 * serial, 4),
                    "threaded_ms": round(1000 * threaded, 4),
                    "speedup": round(serial / threaded, 2),
                }
            )
            r = rows[-1]
            print(
                f"{name:18s} n={n:>9,}  serial {r['serial_ms']:9.3f} ms  threaded "
                f"{r['threaded_ms']:9.3f} ms  {r['speedup']:.2f}x",
                flush=True,
            )
    figures = {
        "threads": numba.get_num_threads(),
        "threading_layer": numba.threading_layer(),
        "rows": rows,
    }
    print(record("threads", figures))


if __name__ == "__main__":
    main()
