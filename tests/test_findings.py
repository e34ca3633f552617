"""The README's "what it says today" paragraph is generated from a comparison, never typed."""

from __future__ import annotations

import json

from model.cli import main
from model.docs import FINDINGS_END, FINDINGS_START
from tests.conftest import ROOT


def _ci(mean, low, high):
    return {"mean": mean, "ci_low": low, "ci_high": high, "sd": 0.01, "n": 10}


COMPARISON = {
    "baseline": "absent",
    "confidence": 0.95,
    "replicates": 10,
    "parties": ["blue", "red"],
    "scenarios": {
        "absent": {"vote_share": {"blue": _ci(0.2663, 0.26, 0.27)}},
        "online": {"vote_share": {"blue": _ci(0.2991, 0.29, 0.31)}},
    },
    "contrasts": {"online": {"absent": {"vote_share": {"blue": _ci(0.0328, 0.0275, 0.0381)}}}},
}


def test_findings_rewrite_only_the_marked_paragraph(tmp_path, capsys):
    folder = tmp_path / "cmp"
    folder.mkdir()
    (folder / "comparison.json").write_text(json.dumps(COMPARISON))
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n{FINDINGS_START}\nold numbers 99 %\n{FINDINGS_END}\n\nrest\n")
    missing = tmp_path / "no-robustness.json"  # without it, the comparison's paragraph alone
    assert (
        main(["findings", str(folder), "--readme", str(readme), "--robustness", str(missing)]) == 0
    )
    text = readme.read_text()
    assert text.startswith(f"# title\n\n{FINDINGS_START}\n") and text.endswith(
        f"{FINDINGS_END}\n\nrest\n"
    )
    assert "99 %" not in text
    flat = " ".join(text.split())
    assert "`absent` 26.6 %; `online` 29.9 % (+3.3 [+2.8, +3.8])" in flat
    assert "10 paired replicates" in flat and "95 % Student-t intervals" in flat
    assert "Across the" not in flat


def test_the_readme_headline_comes_from_robustness_json():
    """The README's paragraph ends with the sentence built from docs/robustness.json."""
    from model.robustness import headline

    summary = json.loads((ROOT / "docs" / "robustness.json").read_text(encoding="utf-8"))
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    inside = " ".join(text.split(FINDINGS_START, 1)[1].split(FINDINGS_END, 1)[0].split())
    assert " ".join(headline(summary).split()) in inside


def test_the_readme_carries_the_generated_paragraph():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    inside = text.split(FINDINGS_START, 1)[1].split(FINDINGS_END, 1)[0]
    assert "What it says today" in inside and "paired difference against" in inside
