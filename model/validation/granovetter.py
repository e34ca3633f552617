"""Granovetter 1978: threshold models of collective behaviour (the riot)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from model.sweeps import sweep
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load


def granovetter(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "granovetter", None)
    runs = sweep(exp, jobs=1, progress=progress)
    key = "mobilization.thresholds_path"
    rioters = {
        Path(p).name: round(100 * e) for p, e in zip(runs[key], runs["engaged"], strict=True)
    }
    full = rioters.get("granovetter_uniform.txt")
    one = rioters.get("granovetter_one_changed.txt")
    result = CaseResult(
        key="granovetter",
        title="Granovetter 1978: the threshold riot",
        model="engagement contagion (`mobilization`), complete graph, disengagement 0",
        parameters="N = 100, thresholds k/99 for citizen k (0, 1, ..., 99 others), then the "
        "threshold 1 changed to 2",
        source="Granovetter (1978), Threshold models of collective behavior, AJS 83:1420",
        runs=runs,
    )
    result.checks = [
        Check(
            claim="thresholds 0, 1, ..., 99: everyone riots",
            published="100 rioters",
            measured=f"{full} rioters",
            tolerance="exact (deterministic cascade)",
            passed=full == 100,
        ),
        Check(
            claim="threshold 1 changed to 2: the riot stops",
            published="1 rioter",
            measured=f"{one} rioter(s)",
            tolerance="exact (deterministic cascade)",
            passed=one == 1,
        ),
    ]
    return result
