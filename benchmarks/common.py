"""Shared by the benchmarks: machine facts, versions, commit, and a JSON record."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from model.store import git_commit, versions

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    info = {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        text = Path("/proc/cpuinfo").read_text()
        model = [
            line.split(":", 1)[1].strip()
            for line in text.splitlines()
            if line.startswith("model name")
        ]
        info["cpu_model"] = model[0] if model else None
        mem = [
            line
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ]
        info["memory"] = mem[0].split(":", 1)[1].strip() if mem else None
    except OSError:
        pass
    return info


def record(name: str, figures: dict) -> Path:
    """Write benchmarks/results/<name>.json with the figures, the machine and the versions."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(
        json.dumps(
            {
                "benchmark": name,
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "machine": machine(),
                "versions": versions(),
                "git_commit": git_commit(),
                "figures": figures,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return path
