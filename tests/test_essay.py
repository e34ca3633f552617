"""docs/ESSAY.md: verdict rules, paired intervals, and the page generated from its numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model import essay

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "low, high, sign, expected",
    [
        (0.1, 0.3, 1, "holds"),
        (-0.3, -0.1, 1, "fails"),
        (-0.1, 0.2, 1, "undecided"),
        (-0.3, -0.1, -1, "holds"),  # the claim predicts a negative contrast
        (0.1, 0.3, -1, "fails"),
        (0.0, 0.3, 1, "undecided"),  # an interval touching 0 does not exclude it
    ],
)
def test_verdict_compares_the_whole_interval_with_zero(low, high, sign, expected):
    assert essay.verdict(low, high, sign) == expected


def test_overall_needs_every_contrast_to_hold_and_fails_on_any_failure():
    assert essay.overall(["holds", "holds"]) == "holds"
    assert essay.overall(["holds", "undecided"]) == "undecided"
    assert essay.overall(["holds", "fails"]) == "fails"
    assert essay.overall([]) == "undecided"


def test_paired_interval_is_student_t_and_bonferroni_widens_it():
    diff = np.array([0.01, 0.03, 0.02, 0.05, 0.00, 0.04])
    one = essay.paired_interval(diff)
    sd, n = diff.std(ddof=1), diff.size
    half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
    assert one["mean"] == pytest.approx(0.025)
    assert one["low"] == pytest.approx(0.025 - half) and one["high"] == pytest.approx(0.025 + half)
    four = essay.paired_interval(diff, family=4)
    half4 = stats.t.ppf(1 - 0.05 / 8, n - 1) * sd / np.sqrt(n)
    assert four["high"] - four["mean"] == pytest.approx(half4)
    assert half4 > half


def test_between_points_pairs_replicates_not_rows():
    """Point a is point b plus 1 in every replicate, with large noise shared per replicate:
    paired, the interval is tight around 1; shuffled rows would not give that."""
    rng = np.random.default_rng(0)
    shared = rng.normal(0, 10, 8)
    runs = pd.DataFrame(
        {
            "replicate": list(range(8)) * 2,
            "k": ["b"] * 8 + ["a"] * 8,
            "y": np.concatenate([shared, shared + 1.0]),
        }
    ).sample(frac=1.0, random_state=1)
    got = essay._between_points(runs, {"k": "a"}, {"k": "b"}, "y", 1, "a − b")
    assert got["mean"] == pytest.approx(1.0)
    assert got["high"] - got["low"] < 1e-9


def test_the_shipped_page_is_the_rendering_of_its_numbers():
    data = json.loads((ROOT / "docs" / "essay.json").read_text(encoding="utf-8"))
    page = (ROOT / "docs" / "ESSAY.md").read_text(encoding="utf-8")
    assert page == essay.render(data), "docs/ESSAY.md is stale: run scripts/essay"
    for claim in data["claims"]:
        for c in claim["contrasts"]:
            assert c["low"] <= c["mean"] <= c["high"]
        if claim["contrasts"] and claim["id"] not in ("absent_no_influence", "cannot_ignore"):
            expected = essay.overall(
                [essay.verdict(c["low"], c["high"]) for c in claim["contrasts"]]
            )
            assert claim["verdict"] == expected


def test_readme_links_the_essay_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/ESSAY.md" in readme
