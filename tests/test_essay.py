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
        if claim["id"] == "strategic_partners":  # decided on vote share, the first outcome
            first = claim["contrasts"][0]
            assert claim["verdict"] == essay.verdict(first["low"], first["high"])
        elif claim["contrasts"] and claim["id"] not in ("absent_no_influence", "cannot_ignore"):
            expected = essay.overall(
                [essay.verdict(c["low"], c["high"]) for c in claim["contrasts"]]
            )
            assert claim["verdict"] == expected


def test_readme_links_the_essay_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/ESSAY.md" in readme


# -- build() on synthetic outputs with hand-written verdicts -----------------------------------

REPS = 6


def _cell(mean, low, high, primary=False):
    return {
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "ci_adjusted_low": low,
        "ci_adjusted_high": high,
        "n": 20,
        "primary": primary,
    }


def _comparison(tmp_path, offline_vs_absent):
    pairs = {
        ("offline_only", "party_absent"): offline_vs_absent,
        ("institution_only", "offline_only"): _cell(-0.02, -0.03, -0.01),
        ("champion_driven_equal_budget", "institution_only"): _cell(0.01, 0.005, 0.015),
        ("champion_driven", "staff_embedded"): _cell(0.002, 0.001, 0.003),
        ("champion_driven", "champion_no_shared_values"): _cell(0.001, 0.0005, 0.002),
        ("champion_driven", "champion_no_shared_benefits"): _cell(0.0, -0.001, 0.001),
    }
    contrasts = {}
    for (a, b), cell in pairs.items():
        contrasts.setdefault(a, {}).setdefault(b, {})["vote_share"] = {"blue": cell}
    folder = tmp_path / "compare"
    folder.mkdir()
    (folder / "comparison.json").write_text(
        json.dumps({"contrasts": contrasts, "replicates": 20}), encoding="utf-8"
    )
    return folder


def _sweep(tmp_path, name, rows):
    folder = tmp_path / name
    folder.mkdir()
    pd.DataFrame(rows).to_parquet(folder / "runs.parquet")
    return folder


def _eras(tmp_path, low_point_effect):
    rows = []
    keys = essay.ERA_KEYS
    for inst in (False, True):
        for staff in (0.0, 2.5):
            for champ in (False, True):
                for media in (0.0, 0.1):
                    point = dict(zip(keys, (inst, staff, champ, media), strict=True))
                    effect = (
                        low_point_effect
                        if (inst, staff, champ, media)
                        == (
                            True,
                            2.5,
                            True,
                            0.1,
                        )
                        else 0.3
                    )
                    for r in range(REPS):
                        rows.append(
                            {**point, "replicate": r, "party_influence_share": effect + 0.01 * r}
                        )
    return _sweep(tmp_path, "eras", rows)


def _movement(tmp_path):
    rows = []
    blue = f"{essay.BLUE}.movement.response"
    for founders in (0.0, 10.0):
        for response, vote in (("ignore", 0.40), ("engage", 0.37), ("co_opt", 0.38)):
            for r in range(REPS):
                shared = 0.05 * np.sin(r)  # replicate noise every point shares
                rows.append(
                    {
                        "movement.founders_per_1000": founders,
                        blue: response,
                        "replicate": r,
                        "engaged": (0.9 if founders else 0.02) + 0.001 * r,
                        "share_of_voice_movement": (0.15 if founders else 0.0) + 0.001 * r,
                        "vote_share.blue": (vote if founders else 0.30) + shared,
                    }
                )
    return _sweep(tmp_path, "movement", rows)


def _partnership(tmp_path):
    c = f"{essay.BLUE}.champions"
    rows = []
    for partnership in (False, True):
        for gain in (5.0, 100.0):
            for bonus in (0.0, 0.3):
                for threshold in (0.25, 0.7):
                    for r in range(REPS):
                        shared = 0.02 * np.cos(r)
                        rows.append(
                            {
                                f"{c}.partnership": partnership,
                                f"{c}.benefit_gain": gain,
                                f"{c}.win_bonus": bonus,
                                f"{c}.burnout_threshold": threshold,
                                "replicate": r,
                                # partnership costs 1 point in every replicate; benefits nothing
                                "vote_share.blue": 0.35 - 0.01 * partnership + shared,
                                "elections_won.blue": 4.0 - partnership,
                            }
                        )
    return _sweep(tmp_path, "partnership", rows)


def test_build_reads_the_four_outputs_and_applies_each_stated_rule(tmp_path):
    data = essay.build(
        _comparison(tmp_path, _cell(0.05, 0.04, 0.06, primary=True)),
        _eras(tmp_path, 0.3),
        _movement(tmp_path),
        _partnership(tmp_path),
    )
    got = {c["id"]: c["verdict"] for c in data["claims"]}
    assert got == {
        "comparative_advantage": "holds",  # every point's interval above 0
        "absent_no_influence": "fails",  # (a) offline moves votes; (b) online loses
        "citizens_mobilize": "holds",
        "cannot_ignore": "fails",  # engaging and co-opting both do worse than ignoring
        "cultivate_champions": "holds",
        "shared_values_benefits": "undecided",  # the benefits contrasts cover 0
        "strategic_partners": "fails",  # partnership costs a point in every replicate
    }
    eras = next(c for c in data["claims"] if c["id"] == "comparative_advantage")
    assert len(eras["contrasts"]) == 12  # champions without staff are left out
    partners = next(c for c in data["claims"] if c["id"] == "strategic_partners")
    assert partners["contrasts"][0]["mean"] == pytest.approx(-0.01)
    assert partners["contrasts"][0]["high"] - partners["contrasts"][0]["low"] < 1e-9


def test_build_fails_the_era_claim_when_one_point_goes_the_other_way(tmp_path):
    data = essay.build(
        _comparison(tmp_path, _cell(0.0, -0.01, 0.01, primary=True)),
        _eras(tmp_path, -0.2),
        _movement(tmp_path),
        _partnership(tmp_path),
    )
    got = {c["id"]: c["verdict"] for c in data["claims"]}
    assert got["comparative_advantage"] == "fails"
    # (a) holds (offline does not move votes) but (b) fails: online loses to offline
    assert got["absent_no_influence"] == "fails"


def test_not_above_zero_has_no_verdict_without_an_interval():
    nan = float("nan")
    assert essay.not_above_zero({"low": nan, "high": nan}) == "undecided"
    assert essay.verdict(nan, nan) == "undecided"
    assert essay.not_above_zero({"low": -0.1, "high": 0.1}) == "holds"
    assert essay.not_above_zero({"low": 0.1, "high": 0.2}) == "fails"
