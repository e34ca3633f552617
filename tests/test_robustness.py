"""docs/ROBUSTNESS.md's machinery: paired contrasts, the reading, the size check, the headline.

The statistics are checked against hand-computed values on synthetic run tables (not against
the code's own output), and one small end-to-end run checks that the command writes the page,
its JSON and its figure, and that ``socialweb findings`` takes the README's headline from it.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model import robustness
from model.cli import main
from model.robustness import Condition
from tests.conftest import SCENARIOS

PAIRS = [("x", "y")]


def _runs(effects: dict[str, list[float]], base: float = 0.3) -> pd.DataFrame:
    """Runs of two scenarios x, y per condition, with y − x = the given per-replicate effects
    (in vote-share fractions) and x's level varying by replicate, so pairing matters."""
    rows = []
    for cond, diffs in effects.items():
        for r, d in enumerate(diffs):
            level = base + 0.05 * r  # replicate-level noise shared by both scenarios
            rows.append({"condition": cond, "scenario": "x", "replicate": r, "vote_share": level})
            rows.append(
                {"condition": cond, "scenario": "y", "replicate": r, "vote_share": level + d}
            )
    return pd.DataFrame(rows)


@pytest.fixture
def two_scenarios(monkeypatch):
    monkeypatch.setattr(robustness, "REFERENCE", ("x", "y"))

    def conds(ids):
        monkeypatch.setattr(
            robustness, "conditions", lambda: [Condition(i, "g", f"label {i}") for i in ids]
        )

    return conds


def test_contrasts_are_paired_t_intervals(two_scenarios):
    two_scenarios(["defaults"])
    diffs = [0.01, 0.02, 0.015, 0.012, 0.018]
    table = robustness.contrasts(_runs({"defaults": diffs}))
    d = np.array(diffs) * 100
    half = stats.t.ppf(0.975, 4) * d.std(ddof=1) / math.sqrt(5)
    row = table.iloc[0]
    assert (row.a, row.b) == ("x", "y")
    assert row["mean"] == pytest.approx(d.mean())
    assert row.ci_low == pytest.approx(d.mean() - half)
    assert row.ci_high == pytest.approx(d.mean() + half)
    # unpaired, the replicate levels (5 pp apart) would swamp a 1.5 pp effect: paired, it is
    # resolved
    assert row.ci_low > 0


def test_verdicts_hold_flip_and_depend(two_scenarios):
    two_scenarios(["defaults", "c1", "c2"])
    holds = _runs({c: [0.01, 0.011, 0.012, 0.009] for c in ("defaults", "c1", "c2")})
    flips = _runs(
        {
            "defaults": [0.01, 0.011, 0.012, 0.009],
            "c1": [-0.01, -0.011, -0.012, -0.009],
            "c2": [0.01, 0.011, 0.012, 0.009],
        }
    )
    unresolved_default = _runs(
        {
            "defaults": [0.02, -0.02, 0.01, -0.01],
            "c1": [-0.01, -0.011, -0.012, -0.009],
            "c2": [0.01, 0.011, 0.012, 0.009],
        }
    )
    depends = _runs(
        {
            "defaults": [0.01, 0.011, 0.012, 0.009],
            "c1": [0.02, -0.02, 0.01, -0.01],
            "c2": [0.01, 0.011, 0.012, 0.009],
        }
    )
    cases = (holds, flips, depends, unresolved_default)
    got = [robustness.verdicts(robustness.contrasts(r))[0] for r in cases]
    # nothing resolved at the defaults: no flip, however the other conditions come out
    assert [v["verdict"] for v in got] == ["holds", "flips", "depends", "depends"]
    assert got[1]["opposite"] == ["label c1"] and got[1]["same_sign"] == 2
    assert got[2]["unresolved"] == ["label c1"] and got[2]["opposite"] == []


def test_size_check_measures_the_gap_between_sizes(two_scenarios):
    two_scenarios(["n1000", "n8000"])
    table = robustness.contrasts(
        _runs({"n1000": [0.010, 0.012, 0.011], "n8000": [0.025, 0.027, 0.026]})
    )
    check = robustness.size_check(table)
    assert check["largest_gap_pp"] == pytest.approx(1.5)
    # each size's effects have sd 0.1 pp over 3 replicates: se = 0.1/√3 each, so the gap's
    # half-width is 1.96·√2·0.1/√3
    assert check["largest_gap_half_width_pp"] == pytest.approx(
        1.96 * math.sqrt(2) * 0.1 / math.sqrt(3)
    )
    assert check["upper_pp"] == pytest.approx(1.5 + check["largest_gap_half_width_pp"])
    assert check["passes"] is False and check["pair"] == ["x", "y"]
    near = robustness.contrasts(
        _runs({"n1000": [0.010, 0.012, 0.011], "n8000": [0.013, 0.015, 0.014]})
    )
    assert robustness.size_check(near)["passes"] is True


def test_every_condition_changes_one_thing_and_loads():
    """The shipped conditions load against the reference scenarios (no typo in a key path) and
    each changes at most one kind of thing (the rival's programme is one change)."""
    todo = robustness.tasks(SCENARIOS, 1)
    assert len(todo) == len(robustness.conditions()) * len(robustness.REFERENCE)
    conds = robustness.conditions()
    assert conds[0].id == "defaults" and conds[0].overrides == {}
    assert len({c.id for c in conds}) == len(conds)
    assert {"n1000", "n8000"} <= {c.id for c in conds}  # the size contract's two sizes
    for c in conds[1:]:
        roots = {k.split(".")[0] if not k.startswith("parties.") else "party" for k in c.overrides}
        assert len(roots) <= 1 or c.id == "rival", c


def test_command_writes_page_json_figure_and_feeds_the_readme(tmp_path, monkeypatch, capsys):
    """End to end on two cheap conditions: the page, its JSON and figure appear, and
    `socialweb findings` appends the headline built from the JSON."""
    monkeypatch.setattr(
        robustness,
        "conditions",
        lambda: [
            Condition(
                "defaults", "defaults", "defaults", {"steps": 20, "population.citizens": 300}
            ),
            Condition("n1000", "size", "1,000", {"steps": 20, "population.citizens": 300}),
            Condition("n8000", "size", "8,000", {"steps": 20, "population.citizens": 600}),
        ],
    )
    out = tmp_path / "docs"
    args = ["--replicates", "3", "--out", str(out), "--scenarios", str(SCENARIOS)]
    assert main(["robustness", *args, "--progress", "none"]) == 0
    page = (out / "ROBUSTNESS.md").read_text()
    summary = json.loads((out / "robustness.json").read_text())
    assert (out / "img" / "robustness.png").stat().st_size > 10_000
    assert len(summary["contrasts"]) == 3 * 10  # three conditions × every pair of five
    assert "## Reading" in page and page.count("\n- `") == 10
    headline = robustness.headline(summary)
    assert "`champion_driven` − `staff_embedded`" in headline
    assert "`champion_driven_equal_budget` − `institution_only`" in headline
    # the README paragraph is the comparison's plus this headline
    comparison = {
        "baseline": "a",
        "replicates": 2,
        "confidence": 0.95,
        "scenarios": {"a": {"vote_share": {"blue": {"mean": 0.3}}}},
        "contrasts": {},
    }
    (tmp_path / "cmp").mkdir()
    (tmp_path / "cmp" / "comparison.json").write_text(json.dumps(comparison))
    readme = tmp_path / "README.md"
    readme.write_text(
        "x\n<!-- findings: generated by `socialweb findings RESULTS_DIR`; do not edit -->\n"
        "old\n<!-- /findings -->\n"
    )
    code = main(
        [
            "findings",
            str(tmp_path / "cmp"),
            "--readme",
            str(readme),
            "--robustness",
            str(out / "robustness.json"),
        ]
    )
    assert code == 0
    text = " ".join(readme.read_text().split())
    assert " ".join(headline.split()) in text and "old" not in text
