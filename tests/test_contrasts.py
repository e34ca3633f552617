"""The comparison's statistics against answers worked out by hand or published.

Each expected value here is computed independently of ``model.contrasts`` (by hand, from a
published table, or from the textbook formula), never by calling the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from model import contrasts as C


def runs_table(values: dict[str, list[float]], column: str = "vote_share.blue") -> pd.DataFrame:
    rows = []
    for name, xs in values.items():
        for r, x in enumerate(xs):
            rows.append({"scenario": name, "replicate": r, column: x})
    return pd.DataFrame(rows)


# --- cost-effectiveness: dominance and extended dominance ----------------------------------


def test_frontier_reproduces_a_published_dominance_table():
    """Table 1 of a published cost-effectiveness analysis (JNCI Cancer Spectrum 4(2):pkaa004,
    2020): strategy 2 costs more than strategy 3 and achieves less, so it is absolutely
    dominated; strategy 3 against strategy 1: incremental cost 10,422.31, effect 0.019688,
    ICER 529,365.8 (the table rounds effects to 6 decimals, hence the tolerance)."""
    costs = {"s1": 1695.865, "s2": 12224.17, "s3": 12118.17}
    effects = {"s1": 8.570992, "s2": 8.583273, "s3": 8.590681}
    got = C.frontier(costs, effects)
    assert [got[s]["status"] for s in ("s1", "s2", "s3")] == ["ND", "D", "ND"]
    assert got["s3"]["compared_with"] == "s1"
    assert got["s3"]["inc_cost"] == pytest.approx(10422.31, abs=0.01)
    assert got["s3"]["inc_effect"] == pytest.approx(0.019688, abs=2e-6)
    assert got["s3"]["icer"] == pytest.approx(529365.8, rel=1e-4)
    assert "icer" not in got["s1"] and "icer" not in got["s2"]


def test_frontier_finds_extended_dominance_worked_by_hand():
    """A (0, 0), B (100, 1), C (150, 2), D (200, 1.5), E (300, 3) as (cost, effect).
    D is dearer than C and achieves less: dominated. B's ICER against A is 100, C's against B
    is 50 < 100, so B is extendedly dominated (a mix of A and C beats it). Then C against A is
    150 / 2 = 75 and E against C is 150 / 1 = 150: A, C, E form the frontier."""
    costs = {"A": 0.0, "B": 100.0, "C": 150.0, "D": 200.0, "E": 300.0}
    effects = {"A": 0.0, "B": 1.0, "C": 2.0, "D": 1.5, "E": 3.0}
    got = C.frontier(costs, effects)
    assert {s: got[s]["status"] for s in costs} == {
        "A": "ND",
        "B": "ED",
        "C": "ND",
        "D": "D",
        "E": "ND",
    }
    assert got["C"]["compared_with"] == "A" and got["C"]["icer"] == pytest.approx(75.0)
    assert got["E"]["compared_with"] == "C" and got["E"]["icer"] == pytest.approx(150.0)
    assert (got["C"]["inc_cost"], got["C"]["inc_effect"]) == (150.0, 2.0)


def test_identical_strategies_are_not_both_on_the_frontier():
    got = C.frontier({"a": 10.0, "b": 10.0}, {"a": 1.0, "b": 1.0})
    assert sorted(got[s]["status"] for s in "ab") == ["D", "ND"]


def test_icer_bootstrap_is_paired_over_replicates():
    """Strategy y costs 10 more than x in every replicate and gains 2 points in every
    replicate, while both vary a lot between replicates: a paired bootstrap gives a
    zero-width interval at exactly 5 per point; an unpaired one would not."""
    rng = np.random.default_rng(0)
    level = rng.normal(30, 5, 20)
    cost = rng.normal(1000, 100, 20)
    runs = pd.concat(
        [
            pd.DataFrame(
                {
                    "scenario": name,
                    "replicate": range(20),
                    "vote_share.blue": (level + gain) / 100,
                    "cost.blue": cost + extra,
                }
            )
            for name, gain, extra in (("x", 0.0, 0.0), ("y", 2.0, 10.0))
        ]
    )
    table = C.icer_table(runs, ["x", "y"], "blue", np.random.default_rng(1))["strategies"]
    assert table["y"]["icer"] == pytest.approx(5.0)
    assert table["y"]["icer_ci"] == pytest.approx([5.0, 5.0])
    assert table["y"]["inc_effect_ci"] == pytest.approx([2.0, 2.0])


# --- contrasts and multiplicity ------------------------------------------------------------


def test_two_identical_scenarios_contrast_to_exactly_zero():
    values = [0.31, 0.28, 0.35, 0.30]
    runs = runs_table({"a": values, "b": values})
    cell = C.contrasts(runs, ["a", "b"], {"vote_share": ["blue"]}, "a")["b"]["a"]["vote_share"][
        "blue"
    ]
    assert (cell["mean"], cell["ci_low"], cell["ci_high"]) == (0.0, 0.0, 0.0)
    assert cell["p_value"] == 1.0 and cell["primary"] is True


def test_contrast_is_paired_and_antisymmetric():
    a = [0.30, 0.40, 0.20, 0.35, 0.25]
    b = [0.31, 0.41, 0.215, 0.36, 0.26]  # b − a = 0.01, 0.01, 0.015, 0.01, 0.01
    runs = runs_table({"a": a, "b": b})
    out = C.contrasts(runs, ["a", "b"], {"vote_share": ["blue"]}, "a")
    d = np.array([0.01, 0.01, 0.015, 0.01, 0.01])
    half = 2.7764451051977987 * d.std(ddof=1) / math.sqrt(5)  # t(0.975, 4)
    cell = out["b"]["a"]["vote_share"]["blue"]
    assert cell["mean"] == pytest.approx(d.mean())
    assert cell["ci_low"] == pytest.approx(d.mean() - half)
    assert cell["ci_low"] > 0  # paired: resolved; the levels alone overlap widely
    back = out["a"]["b"]["vote_share"]["blue"]
    assert back["mean"] == pytest.approx(-d.mean())
    assert (back["ci_low"], back["ci_high"]) == pytest.approx((-cell["ci_high"], -cell["ci_low"]))


def test_holm_by_hand():
    # sorted p: 0.01·3 = 0.03; 0.03·2 = 0.06; 0.04·1 = 0.04 → raised to 0.06 (monotone)
    assert C._holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_non_primary_contrasts_are_holm_adjusted_with_wider_intervals():
    rng = np.random.default_rng(3)
    base = rng.normal(0.3, 0.02, 8)
    runs = runs_table(
        {
            "base": list(base),
            "a": list(base + 0.010 + rng.normal(0, 0.004, 8)),
            "b": list(base + 0.012 + rng.normal(0, 0.004, 8)),
            "c": list(base + 0.030 + rng.normal(0, 0.004, 8)),
        }
    )
    names = ["base", "a", "b", "c"]
    out = C.contrasts(runs, names, {"vote_share": ["blue"]}, "base")
    primary = out["a"]["base"]["vote_share"]["blue"]
    assert primary["primary"] and primary["p_holm"] is None
    assert primary["ci_adjusted_low"] == primary["ci_low"]
    others = [("a", "b"), ("a", "c"), ("b", "c")]  # the family: 3 contrasts without the baseline
    raw = [out[x][y]["vote_share"]["blue"]["p_value"] for x, y in others]
    # Holm by hand on these three p-values
    order = np.argsort(raw)
    expected = np.empty(3)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (3 - rank) * raw[i]))
        expected[i] = running
    for (x, y), want in zip(others, expected, strict=True):
        cell = out[x][y]["vote_share"]["blue"]
        assert cell["p_holm"] == pytest.approx(want)
        assert (
            cell["ci_adjusted_low"] < cell["ci_low"] and cell["ci_adjusted_high"] > cell["ci_high"]
        )


# --- levels, wins, splits ------------------------------------------------------------------


def test_wilson_interval_of_three_in_ten():
    """Wilson's score interval for 3/10 at 95 %: (0.108, 0.603) (Wilson 1927; by hand:
    centre (0.3 + z²/20)/(1 + z²/10), half-width z/(1 + z²/10)·√(0.021 + z²/400))."""
    got = C.wilson(3, 10)
    assert got["p"] == 0.3
    assert got["ci_low"] == pytest.approx(0.1078, abs=1e-4)
    assert got["ci_high"] == pytest.approx(0.6032, abs=1e-4)


def test_win_two_party_share_and_margin():
    runs = pd.DataFrame(
        {
            "scenario": ["s"] * 3,
            "replicate": [0, 1, 2],
            "vote_share.blue": [0.30, 0.25, 0.28],
            "vote_share.red": [0.20, 0.35, 0.28],
        }
    )
    out = C.party_outcomes(runs, ["blue", "red"])
    assert out["two_party.blue"].tolist() == pytest.approx([0.6, 0.25 / 0.6, 0.5])
    assert out["margin.blue"].tolist() == pytest.approx([0.10, -0.10, 0.0])
    assert out["win.blue"].tolist() == [1, 0, 0]  # a tie is not a win
    assert out["win.red"].tolist() == [0, 1, 0]


def test_split_outcomes_never_leave_their_range():
    """Engagement that cascades in 3 of 10 runs: the t interval of the mean would dip below 0;
    the split reports P(cascade) and each kind's mean within [0, 1]."""
    engaged = np.array([0.98, 0.02, 0.01, 0.97, 0.02, 0.03, 0.99, 0.01, 0.02, 0.02])
    t = C.t_interval(engaged)
    assert t["ci_low"] < 0  # why a plain t interval is wrong here
    got = C.split(engaged, np.random.default_rng(0))
    assert got["cascade"]["k"] == 3 and got["cascade"]["n"] == 10
    assert 0.9 <= got["if_cascade"]["ci_low"] <= got["if_cascade"]["ci_high"] <= 1.0
    assert 0.0 <= got["if_not"]["ci_low"] <= got["if_not"]["ci_high"] <= 0.1
    lvl = C.level(engaged, np.random.default_rng(0), bounds=(0.0, 1.0))
    assert lvl["method"] == "bootstrap-percentile" and lvl["ci_low"] >= 0.0
    ok = C.level(np.array([0.30, 0.31, 0.29]), np.random.default_rng(0), bounds=(0.0, 1.0))
    assert ok["method"] == "student-t"
