"""Same seed, same bytes; different seeds differ; worker count does not matter."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from model.comparison import compare
from model.runner import load_scenario, run
from tests.conftest import ROOT, SCENARIOS


def _run_cli(out, seed):
    cmd = [
        sys.executable,
        "-m",
        "model",
        "run",
        str(SCENARIOS / "classroom.yaml"),
        "--seed",
        str(seed),
        "--steps",
        "40",
        "--out",
        str(out),
        "--progress",
        "none",
    ]
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    return hashlib.sha256((out / "timeseries.parquet").read_bytes()).hexdigest()


def test_same_seed_byte_identical_timeseries_across_processes(tmp_path):
    a = _run_cli(tmp_path / "a", 7)
    b = _run_cli(tmp_path / "b", 7)
    assert a == b


def test_different_seeds_differ(small_scenario):
    a = run(small_scenario, seed=1).timeseries
    b = run(small_scenario, seed=2).timeseries
    assert not a.equals(b)


def test_jobs_1_and_2_give_identical_comparisons():
    scenarios = [
        load_scenario(SCENARIOS / f"{n}.yaml", {"population.citizens": 300, "steps": 30})
        for n in ("party_absent", "champion_driven")
    ]
    one = compare(scenarios, replicates=3, seed=11, jobs=1)
    two = compare(scenarios, replicates=3, seed=11, jobs=2)
    pd.testing.assert_frame_equal(one.runs, two.runs)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)
    assert one.comparison == two.comparison


def test_common_random_numbers_same_start_in_every_scenario():
    """Replicate r of every scenario starts from the same network and initial opinions."""
    from model.sim import SocialWebModel

    names = ("party_absent", "institution_only", "champion_driven")
    models = [SocialWebModel(load_scenario(SCENARIOS / f"{n}.yaml"), seed=5) for n in names]
    n = models[0].population.citizens
    for m in models[1:]:
        np.testing.assert_array_equal(m.population.x[:n], models[0].population.x[:n])
        # the citizens' own ties are identical (staff ties come on top)
        a, b = models[0].graph, m.graph
        for i in range(n):
            na, nb = a.neighbours(i), b.neighbours(i)
            np.testing.assert_array_equal(na[na < n], nb[nb < n])


@pytest.mark.parametrize(
    ("rule", "issues", "spread"),
    [("deffuant", 1, 0.2), ("deffuant", 1, 0.0), ("deffuant", 2, 0.2), ("voter", 1, 0.2)],
)
def test_compiled_kernels_match_python_twin(rule, issues, spread, small_scenario):
    """Every kernel path (one issue or several; per-citizen or shared ε) is bit-for-bit equal to
    its plain-Python twin, seed for seed: speed never changes the science."""
    from model.runner import override

    sc = override(
        small_scenario,
        **{
            "opinion.rule": rule,
            "steps": 15,
            "population.issues": issues,
            "population.openness_spread": spread,
            "parties.blue.position": [0.3] * issues,
            "parties.red.position": [-0.3] * issues,
        },
    )
    a = run(sc, seed=3, use_compiled=True).timeseries
    b = run(sc, seed=3, use_compiled=False).timeseries
    pd.testing.assert_frame_equal(a, b)
