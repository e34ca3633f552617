"""Start-up: ``socialweb --help``, and the compiled kernels' first use (compile) against later
processes (loaded from numba's on-disk cache).

Run: .venv/bin/python benchmarks/bench_startup.py [--repeat 7]

Each figure is a whole process timed from outside (median of ``--repeat``). The compile figure
uses a fresh, empty ``NUMBA_CACHE_DIR``; the cached figure reuses it. Results:
benchmarks/results/startup.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import record  # noqa: E402

WARM = "from model.sim import warm_up; warm_up()"


def wall(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    cli = str(Path(sys.executable).parent / "socialweb")
    help_s = statistics.median(wall([cli, "--help"]) for _ in range(args.repeat))
    with tempfile.TemporaryDirectory(prefix="socialweb-numba-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        compile_s = wall([sys.executable, "-c", WARM], env)
        cached_s = statistics.median(
            wall([sys.executable, "-c", WARM], env) for _ in range(args.repeat)
        )
    bare_s = statistics.median(
        wall([sys.executable, "-c", "import numba, model.dynamics.kernels"])
        for _ in range(args.repeat)
    )
    figures = {
        "help_s": help_s,
        "kernels_first_use_compile_s": compile_s,
        "kernels_from_cache_s": cached_s,
        "import_numba_and_kernels_s": bare_s,
    }
    print(f"socialweb --help:                       {help_s:.3f} s")
    print(f"all kernels, first use (compile):        {compile_s:.2f} s")
    print(f"all kernels, later processes (cached):   {cached_s:.2f} s")
    print(f"  of which importing numba + kernels:    {bare_s:.2f} s")
    path = record("startup", figures)
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
