"""Citizens drawn from a survey (population.survey, model.survey): opinions, party lines and
affinities from respondents, resampled with replacement; bad surveys are one line."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import yaml

from model.cli import main
from model.config import ConfigError, scenario_from_dict
from model.config.survey import SurveyError
from model.sim import SocialWebModel
from tests.conftest import ROOT

_counter = itertools.count()
# four respondents: self-placement (1-7), placements of the two parties, party ID (0-6)
RESPONDENTS = "lr,blue_lr,red_lr,pid\n1,2,6,0\n4,3,5,3\n7,3,7,6\n7,4,6,5\n"


def survey_file(folder: Path, text: str = RESPONDENTS) -> Path:
    path = folder / f"survey{next(_counter)}.csv"  # a fresh name: the reader caches by file
    path.write_text(text, encoding="utf-8")
    return path


def data(path: Path | str, citizens: int = 2000, **survey) -> dict:
    spec = {
        "source": str(path),
        "opinion": "lr",
        "placements": {"blue": "blue_lr", "red": "red_lr"},
        "party_id": "pid",
        "party_id_low": "blue",
        "party_id_high": "red",
    } | survey
    return {
        "steps": 2,
        "population": {"citizens": citizens, "initial_affinity": 0.3, "survey": spec},
        "parties": {"blue": {}, "red": {}},
    }


def test_party_lines_are_the_mean_placements(tmp_path):
    """blue_lr 2, 3, 3, 4 → mean 3 on [1, 7] → 2·(3 - 1)/6 - 1 = -1/3; red_lr 6, 5, 7, 6 → mean
    6 → +2/3 (hand-computed)."""
    sc = scenario_from_dict(data(survey_file(tmp_path)))
    assert sc.parties["blue"].position == pytest.approx([-1 / 3])
    assert sc.parties["red"].position == pytest.approx([2 / 3])


def test_citizens_are_whole_respondents_resampled_with_replacement(tmp_path):
    """Each citizen is one respondent: its opinion and its affinities come from the same row
    (pairs are never mixed across respondents), each of the four is drawn about N/4 times, and
    party ID sets affinity: PID 0 → blue 0.3 (strong), 3 → none, 6 → red 0.3, 5 → red 0.2."""
    sc = scenario_from_dict(data(survey_file(tmp_path)))
    pop = SocialWebModel(sc, seed=4, agents="parties").population
    n = 2000
    rows = {
        (-1.0, 0.3, 0.0): 0,  # lr 1, pid 0
        (0.0, 0.0, 0.0): 1,  # lr 4, pid 3
        (1.0, 0.0, 0.3): 2,  # lr 7, pid 6
        (1.0, 0.0, 0.2): 3,  # lr 7, pid 5
    }
    seen = np.zeros(4)
    for x, a_blue, a_red in zip(
        pop.x[:n, 0], pop.affinity[:n, 0], pop.affinity[:n, 1], strict=True
    ):
        key = (round(x, 9), round(a_blue, 9), round(a_red, 9))
        assert key in rows, key
        seen[rows[key]] += 1
    se = np.sqrt(n * 0.25 * 0.75)  # binomial: 19.4
    np.testing.assert_allclose(seen, n / 4, atol=4 * se)


def test_resampling_is_keyed_and_leaves_other_traits_alone(tmp_path):
    """The same seed draws the same citizens; another seed others; and the traits the survey
    does not set (activity, openness, thresholds) are those of the same scenario without a
    survey — the survey's draws come from their own stream."""
    with_survey = scenario_from_dict(data(survey_file(tmp_path), citizens=300))
    a = SocialWebModel(with_survey, seed=1, agents="parties").population
    b = SocialWebModel(with_survey, seed=1, agents="parties").population
    c = SocialWebModel(with_survey, seed=2, agents="parties").population
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    plain = {
        "steps": 2,
        "population": {"citizens": 300, "initial_affinity": 0.3},
        "parties": {"blue": {"position": -1 / 3}, "red": {"position": 2 / 3}},
    }
    p = SocialWebModel(scenario_from_dict(plain), seed=1, agents="parties").population
    for trait in ("activity", "openness", "threshold", "engagement_base"):
        np.testing.assert_array_equal(getattr(a, trait), getattr(p, trait))


def test_anes96_electorate_matches_the_survey():
    """The built-in ANES 1996 extract (statsmodels): the resampled electorate's mean opinion is
    the respondents' mean self-placement mapped to [-1, 1], within 4 standard errors of a
    resample of 20,000; the party lines are the mean placements of Clinton and Dole, computed
    here straight from statsmodels' table."""
    import statsmodels.api as sm

    frame = sm.datasets.anes96.load_pandas().data
    spec = {"placements": {"blue": "ClinLR", "red": "DoleLR"}, "party_id": "PID"}
    raw = data("anes96", citizens=20_000, opinion="selfLR", **spec)
    sc = scenario_from_dict(raw)
    assert sc.parties["blue"].position[0] == pytest.approx((frame.ClinLR.mean() - 4) / 3)
    assert sc.parties["red"].position[0] == pytest.approx((frame.DoleLR.mean() - 4) / 3)
    x = SocialWebModel(sc, seed=0, agents="parties").population.x[:20_000, 0]
    truth = (frame.selfLR - 4) / 3
    assert abs(x.mean() - truth.mean()) < 4 * truth.std() / np.sqrt(20_000)
    assert set(np.round((x * 3 + 4), 9)) == set(frame.selfLR.astype(float))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"scale": [7, 1]}, "population.survey.scale: expected [low, high] with low < high"),
        ({"placements": {"green": "blue_lr"}}, "population.survey.placements.green: expected"),
        ({"party_id_low": "green"}, "population.survey.party_id_low: expected a party"),
        ({"party_id_low": "", "party_id_high": ""}, "population.survey.party_id_low: expected"),
    ],
)
def test_survey_keys_are_checked(tmp_path, change, problem):
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data(survey_file(tmp_path), **change))
    assert any(f": {problem}" in p for p in info.value.problems), info.value.problems


def test_a_position_the_survey_sets_may_not_be_given_otherwise(tmp_path):
    raw = data(survey_file(tmp_path))
    raw["parties"]["blue"] = {"position": 0.5}
    with pytest.raises(ConfigError, match=r"parties.blue.position: expected no position"):
        scenario_from_dict(raw)
    raw["parties"]["blue"] = {"position": -1 / 3}  # the survey's own value: a resolved round trip
    assert scenario_from_dict(raw).parties["blue"].position == pytest.approx([-1 / 3])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "lr,blue_lr,red_lr,pid\n1,2,6,0\n9,3,5,3\n",
            "respondent 2: expected lr in [1, 7] (population.survey.opinion), got 9",
        ),
        (
            "lr,blue_lr,red_lr,pid\n1,2,6,0\n4,3,5,x\n",
            "respondent 2: expected pid in [0, 6] (population.survey.party_id), got 'x'",
        ),
        ("lr,red_lr,pid\n1,6,0\n", "no column 'blue_lr' (population.survey.placements.blue)"),
    ],
)
def test_a_bad_survey_through_the_cli_is_one_line_and_writes_nothing(
    tmp_path, capsys, text, message
):
    path = survey_file(tmp_path, text)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(data(path.name, citizens=50)))
    out_dir = tmp_path / "out"
    code = main(["run", str(scenario), "--out", str(out_dir), "--progress", "none"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path.resolve()}: "), captured.err
    assert message in lines[0]
    assert not out_dir.exists()


def test_a_missing_placement_is_a_respondent_who_did_not_place_the_party(tmp_path):
    """An empty placement cell is skipped: blue's line is the mean of 2, 3, 4 (the third
    respondent did not place blue) → 3 → -1/3; an empty self-placement is still refused."""
    text = "lr,blue_lr,red_lr,pid\n1,2,6,0\n4,3,5,3\n7,,7,6\n7,4,6,5\n"
    sc = scenario_from_dict(data(survey_file(tmp_path, text)))
    assert sc.parties["blue"].position == pytest.approx([-1 / 3])
    bad = "lr,blue_lr,red_lr,pid\n1,2,6,0\n,3,5,3\n"
    with pytest.raises(SurveyError, match="respondent 2: expected lr in"):
        SocialWebModel(scenario_from_dict(data(survey_file(tmp_path, bad))), seed=1)


def test_a_survey_and_a_graph_file_together_keep_both(tmp_path):
    """The survey sets opinions and party-ID affinity; a graph file (no attributes) sets only
    the ties: the affinities are still the survey's (a respondent's PID 0 → blue 0.3 …)."""
    raw = data(survey_file(tmp_path), citizens=34)
    raw["network"] = {
        "kind": "graph_file",
        "path": str(ROOT / "scenarios" / "networks" / "karate_club.graphml"),
    }
    model = SocialWebModel(scenario_from_dict(raw), seed=2, agents="parties")
    aff = model.population.affinity[:34]
    assert set(np.round(aff.ravel(), 9)) <= {0.0, 0.2, 0.3} and aff.max() == pytest.approx(0.3)
    assert model.citizen_graph.edges == 78


@pytest.mark.parametrize("rule", ["voter", "q_voter", "sznajd"])
def test_discrete_rules_refuse_survey_opinions(tmp_path, rule):
    raw = data(survey_file(tmp_path), citizens=50)
    raw["population"]["initial_opinion"] = "binary"
    raw["opinion"] = {"rule": rule}
    if rule == "voter":  # the voter model reads any opinion: allowed
        scenario_from_dict(raw)
        return
    with pytest.raises(ConfigError, match="population.survey.source: expected none with"):
        scenario_from_dict(raw)
