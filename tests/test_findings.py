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
    args = ["--robustness", str(missing), "--robust", str(missing), "--game", str(missing)]
    args += ["--sobol", str(missing)]
    assert main(["findings", str(folder), "--readme", str(readme), *args]) == 0
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


def _robust(**policies):
    def policy(p, lo, hi, regret):
        return {
            "share_best": {"p": p, "ci_low": lo, "ci_high": hi},
            "regret": {"mean": regret, "ci_low": regret / 2, "ci_high": regret * 2},
        }

    return {
        "name": "robust_strategies",
        "party": "blue",
        "outcome": "vote_share",
        "worlds": 64,
        "replicates": 2,
        "uncertainties": [{}] * 10,
        "ranking": list(policies),
        "policies": {k: policy(*v) for k, v in policies.items()},
    }


GAME = {
    "name": "arms_race",
    "players": ["blue", "red"],
    "payoff": "margin",
    "payoff_unit": "percentage points",
    "replicates": 10,
    "payoffs": {
        "champions": {
            "champions": {
                "blue": {"mean": 0.5, "ci_low": -2.4, "ci_high": 3.3},
                "spend.blue": 21900.0,
                "spend.red": 21800.0,
            }
        }
    },
    "best_responses": {
        "blue": {
            "absent": {"best": ["champions"], "resolved": True},
            "champions": {"best": ["champions"], "resolved": False},
        }
    },
    "equilibria": [{"blue": "champions", "red": "champions"}],
}


def test_robust_headline_ranks_policies_with_their_intervals():
    from model.robust import headline

    text = headline(_robust(a=(0.75, 0.6, 0.85, 0.1), b=(0.25, 0.15, 0.4, 1.2)))
    assert text.index("`a` best in 75 % [60, 85] of worlds") < text.index("`b` best in 25 %")
    assert "(mean regret 1.2 [0.6, 2.4] pp)" in text
    assert "Across 64 worlds sampled from ranges over 10 stated guesses" in text
    assert "(`experiments/robust_strategies.yaml`: two policies; 2 replicates each" in headline(
        {**_robust(a=(1.0, 0.9, 1.0, 0.0)), "description": "Two policies."}
    )
    assert "not the ranges or the model's structure" in text


def test_game_headline_names_the_equilibrium_and_best_responses():
    from model.game import headline

    text = headline(GAME)
    assert "blue `champions` against red `champions`: blue's margin +0.5 [-2.4, +3.3]" in text
    assert "21,900 and 21,800" in text
    assert "`champions` to `absent`, `champions` to `champions` (not resolved)" in text
    assert "no pure-strategy equilibrium" in headline({**GAME, "equilibria": []})


def comparison_and_readme(tmp_path):
    """A compare folder holding COMPARISON and a README with the findings markers."""
    folder = tmp_path / "cmp"
    folder.mkdir()
    (folder / "comparison.json").write_text(json.dumps(COMPARISON))
    readme = tmp_path / "README.md"
    readme.write_text(f"{FINDINGS_START}\nold\n{FINDINGS_END}\n")
    return folder, readme


def test_findings_append_robust_and_game_sentences_and_refuse_bad_files(tmp_path, capsys):
    folder, readme = comparison_and_readme(tmp_path)
    game = tmp_path / "game"
    game.mkdir()
    (game / "game.json").write_text(json.dumps(GAME))  # a folder is accepted
    robust = tmp_path / "robust.json"
    robust.write_text(json.dumps(_robust(a=(1.0, 0.9, 1.0, 0.0))))
    none = str(tmp_path / "none.json")
    args = ["findings", str(folder), "--readme", str(readme), "--robustness", none]
    args += ["--sobol", none]
    assert main([*args, "--robust", str(robust), "--game", str(game)]) == 0
    flat = " ".join(readme.read_text().split())
    assert "`a` best in 100 %" in flat and "When the rival responds" in flat
    robust.write_text(json.dumps({"policies": {}}))
    before = readme.read_text()
    assert main([*args, "--robust", str(robust), "--game", none]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"socialweb findings: {robust}: expected the ")
    assert readme.read_text() == before


def test_the_readme_carries_the_robust_and_game_sentences():
    from model.game import headline as game_headline
    from model.robust import headline as robust_headline

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    inside = " ".join(text.split(FINDINGS_START, 1)[1].split(FINDINGS_END, 1)[0].split())
    from model.analysis import sobol_headline

    shipped = (
        ("robust.json", robust_headline),
        ("arms_race.json", game_headline),
        ("sobol_champion_effect.json", sobol_headline),
    )
    for path, headline in shipped:
        result = json.loads((ROOT / "docs" / path).read_text(encoding="utf-8"))
        assert " ".join(headline(result).split()) in inside


def _index(factor, s1, s1_conf, st, st_conf):
    return {"factor": factor, "S1": s1, "S1_conf": s1_conf, "ST": st, "ST_conf": st_conf}


SOBOL = {
    "name": "sobol_effect",
    "samples": 4096,
    "points": 45056,
    "replicates": 1,
    "contrast": {"a": "champion_driven", "b": "staff_embedded"},
    "confidence": 0.95,
    "rule": {"half_width": 0.05, "total_at_least": 0.05},
    "outputs": {
        "vote_share.blue": {
            "enough": {"ST": True, "S1": True},
            "indices": [
                _index("steps", 0.01, 0.004, 0.03, 0.01),  # below the rule's 0.05: not named
                _index("network.kind", 0.21, 0.03, 0.44, 0.04),
                _index("population.citizens", 0.30, 0.02, 0.35, 0.02),
                _index("population.openness", 0.0, 0.001, 0.0, 0.0),
            ],
        }
    },
}


def test_sobol_headline_names_the_inputs_that_matter_largest_total_first():
    from model.analysis import sobol_headline

    text = sobol_headline(SOBOL)
    assert "`champion_driven` − `staff_embedded` in `vote_share.blue`" in text
    assert "`experiments/sobol_effect.yaml`" in text and "4,096 base samples, 45,056 points" in text
    assert "the same seed at every point" in text and "95 % half-widths" in text
    first = "`network.kind` total 0.44 ± 0.04 (first-order 0.21 ± 0.03)"
    second = "`population.citizens` total 0.35 ± 0.02 (first-order 0.30 ± 0.02)"
    assert first in text and second in text and text.index(first) < text.index(second)
    assert "`steps`" not in text and "the other 2 inputs' total indices are below 0.05" in text
    assert text.endswith("is met.")
    wide = json.loads(json.dumps(SOBOL))
    wide["outputs"]["vote_share.blue"]["enough"] = {"ST": False, "S1": True}
    assert sobol_headline(wide).endswith("not met for the total indices: more samples needed.")
    flat = json.loads(json.dumps(SOBOL))
    for row in flat["outputs"]["vote_share.blue"]["indices"]:
        row.update(S1=None, S1_conf=None, ST=None, ST_conf=None)
    assert sobol_headline(flat).endswith(
        "none: the output does not vary over the design (indices undefined)."
    )


def test_findings_append_the_sobol_sentence_from_a_sweep_folder_or_refuse_it(tmp_path, capsys):
    from model.analysis import sobol_headline

    folder, readme = comparison_and_readme(tmp_path)
    sweep = tmp_path / "sweep"
    (sweep / "analysis").mkdir(parents=True)
    (sweep / "analysis" / "sobol.json").write_text(json.dumps(SOBOL))
    none = str(tmp_path / "none.json")
    args = ["findings", str(folder), "--readme", str(readme), "--robustness", none]
    args += ["--robust", none, "--game", none]
    assert main([*args, "--sobol", str(sweep)]) == 0
    flat = " ".join(readme.read_text().split())
    assert " ".join(sobol_headline(SOBOL).split()) in flat
    bad = tmp_path / "sobol.json"
    bad.write_text(json.dumps({"outputs": {}}))
    before = readme.read_text()
    assert main([*args, "--sobol", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"socialweb findings: {bad}: expected the ")
    assert readme.read_text() == before
