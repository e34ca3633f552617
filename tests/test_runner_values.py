"""model.runner against values worked out by hand: the summary of a hand-built model state
(shares of voice by source, winner and margin, money, elections), the tidy table, the agent
table, a run's overrides and timing, and the files a scenario names checked up front.

The summary, tidy and agent tables are computed from stand-ins holding exactly the attributes
they read, so every expected number is written out here; one tiny real run checks ``run``.
"""

from __future__ import annotations

import dataclasses
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from model import runner as R
from model.config import ConfigError, scenario_from_dict
from model.config.plan import CHANNELS
from tests.conftest import tiny_data

# --- summarize -------------------------------------------------------------------------------


def _metrics(names: list[str], vote: dict, cost: dict) -> dict:
    m = {
        ("turnout", "", ""): 0.75,
        ("abstention", "", ""): 0.25,
        ("mean_opinion", "", ""): 0.125,
        ("polarization", "", ""): 0.5,
        ("bimodality", "", ""): 0.625,
        ("clusters", "", ""): 3.0,
        ("largest_cluster", "", ""): 0.4,
        ("engaged", "", ""): 0.3,
        ("movement_members", "", ""): 0.05,
        ("influence", "", "citizen"): 0.01,
        ("influence", "", "news"): 0.02,
        ("party_influence_share", "", ""): 0.6,
    }
    for k, p in enumerate(names):
        m[("vote_share", p, "")] = vote[p]
        m[("cumulative_cost", p, "")] = cost[p]
        m[("reach", p, "")] = 0.1 * (k + 1)
        m[("active_champions", p, "")] = 4.0 + k
        m[("burnouts", p, "")] = 1.0 + k
        m[("recruits", p, "")] = 2.0 + k
        m[("party_line", p, "")] = -0.5 + k
        m[("influence", p, "")] = 0.001 * (k + 1)
        m[("elections_won", p, "")] = float(k)
    return m


def _model(names, vote, cost, voice, spend, planned, elections=()):
    return SimpleNamespace(
        metrics=_metrics(names, vote, cost),
        parties=SimpleNamespace(names=list(names)),
        voice_totals=np.asarray(voice, dtype=np.int64),
        spend_total=np.asarray(spend, dtype=np.float64),
        planned_total=np.asarray(planned, dtype=np.float64),
        elections=[np.asarray(e) for e in elections],
        config=SimpleNamespace(name="hand"),
        seed=17,
        step_count=30,
        population=SimpleNamespace(citizens=200),
        trial_effects=lambda: None,  # no randomized experiment in this scenario
    )


def _voice() -> list[int]:
    """Posts read over the campaign, by (party + 1) × 8 + source: 100 in all. Citizens 10,
    news 5, movement 5 (row 0); blue (row 1): institution 20, champion 10, canvass 10; red
    (row 2): institution 30, champion 10."""
    v = [0] * 24
    v[0], v[6], v[7] = 10, 5, 5
    v[8 + 1], v[8 + 3], v[8 + 5] = 20, 10, 10
    v[16 + 1], v[16 + 3] = 30, 10
    return v


def test_summary_of_a_hand_built_state():
    """summarize: shares of voice over the campaign by source (each count over all reads),
    a party's share the sum of its sources'; winner and margin from the ranking; average cost
    per vote point (cost / vote points, None without votes or without cost); planned, spent
    and underspent money per channel; each election's shares; counts as integers."""
    names = ["blue", "red", "green"]
    vote = {"blue": 0.45, "red": 0.30, "green": 0.0}
    cost = {"blue": 90.0, "red": 0.0, "green": 10.0}
    spend = [[1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]]
    planned = [[2, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 3]]
    voice = _voice() + [0] * 8  # green posted nothing
    s = R.summarize(_model(names, vote, cost, voice, spend, planned, [[0.5, 0.3, 0.2]]))
    assert (s["scenario"], s["seed"], s["steps"], s["citizens"]) == ("hand", 17, 30, 200)
    assert s["parties"] == names and s["winner"] == "blue"
    assert s["margin"] == pytest.approx(0.15)
    f = s["final"]
    assert f["vote_share"] == vote
    assert (f["turnout"], f["abstention"], f["mean_opinion"]) == (0.75, 0.25, 0.125)
    assert (f["polarization"], f["bimodality"], f["largest_cluster"]) == (0.5, 0.625, 0.4)
    assert f["clusters"] == 3 and isinstance(f["clusters"], int)
    assert (f["engaged"], f["movement_members"]) == (0.3, 0.05)
    assert f["share_of_voice_by_source"]["blue"] == pytest.approx(
        {"institution": 0.2, "staff": 0.0, "champion": 0.1, "mass_media": 0.0, "canvass": 0.1}
    )
    assert f["share_of_voice_by_source"]["red"] == pytest.approx(
        {"institution": 0.3, "staff": 0.0, "champion": 0.1, "mass_media": 0.0, "canvass": 0.0}
    )
    assert f["share_of_voice"] == pytest.approx({"blue": 0.4, "red": 0.4, "green": 0.0})
    assert f["share_of_voice_citizens"] == pytest.approx(0.1)
    assert f["share_of_voice_news"] == pytest.approx(0.05)
    assert f["share_of_voice_movement"] == pytest.approx(0.05)
    assert f["reach"] == pytest.approx({"blue": 0.1, "red": 0.2, "green": 0.3})
    assert f["active_champions"] == {"blue": 4, "red": 5, "green": 6}
    assert f["burnouts"] == {"blue": 1, "red": 2, "green": 3}
    assert f["recruits"] == {"blue": 2, "red": 3, "green": 4}
    assert all(isinstance(v, int) for v in f["active_champions"].values())
    assert f["cost"] == cost
    assert f["spend_by_channel"]["blue"] == dict(zip(CHANNELS, [1, 2, 3, 4, 5, 6], strict=True))
    assert f["planned_by_channel"]["green"] == dict(zip(CHANNELS, [1, 1, 1, 1, 1, 3], strict=True))
    assert f["spend_content"] == {"blue": 1.0, "red": 0.0, "green": 1.0}
    assert f["spend_canvass"] == {"blue": 6.0, "red": 0.0, "green": 1.0}
    assert f["planned"] == {"blue": 22.0, "red": 0.0, "green": 8.0}
    assert f["underspend"] == {"blue": 1.0, "red": 0.0, "green": 2.0}
    # blue: 90 / 45 points; red spent nothing; green has no votes
    assert f["average_cost_per_vote_point"] == {
        "blue": pytest.approx(2.0),
        "red": None,
        "green": None,
    }
    assert f["party_line"] == {"blue": -0.5, "red": 0.5, "green": 1.5}
    assert f["influence"] == pytest.approx({"blue": 0.001, "red": 0.002, "green": 0.003})
    assert f["elections_won"] == {"blue": 0, "red": 1, "green": 2}
    assert f["elections"] == [{"blue": 0.5, "red": 0.3, "green": 0.2}]
    assert (f["influence_citizens"], f["influence_news"]) == (0.01, 0.02)
    assert f["party_influence_share"] == 0.6


def test_summary_winner_on_a_tie_is_the_first_party_and_one_party_has_no_margin():
    """summarize's ranking: on equal vote shares the first-listed party wins (stable sort);
    with one party there is no margin; with none, no winner."""
    spend = [[0] * 6, [0] * 6]
    tie = R.summarize(
        _model(
            ["blue", "red"],
            {"blue": 0.4, "red": 0.4},
            {"blue": 0, "red": 0},
            [0] * 24,
            spend,
            spend,
        )
    )
    assert tie["winner"] == "blue" and tie["margin"] == 0.0
    up = R.summarize(
        _model(
            ["blue", "red"],
            {"blue": 0.2, "red": 0.4},
            {"blue": 0, "red": 0},
            [0] * 24,
            spend,
            spend,
        )
    )
    assert up["winner"] == "red" and up["margin"] == pytest.approx(0.2)
    one = R.summarize(
        _model(["blue"], {"blue": 0.3}, {"blue": 5.0}, [0] * 16, [[0] * 6], [[0] * 6])
    )
    assert one["winner"] == "blue" and one["margin"] is None
    assert one["final"]["share_of_voice"] == {"blue": 0.0}  # nothing read: no division
    none = R.summarize(_model([], {}, {}, [0] * 8, np.zeros((0, 6)), np.zeros((0, 6))))
    assert none["winner"] is None and none["margin"] is None


def test_summary_shares_of_voice_when_only_citizens_posted():
    """summarize: every read from a citizen gives citizens a share of 1, parties 0."""
    spend = [[0] * 6, [0] * 6]
    voice = [7] + [0] * 23
    s = R.summarize(
        _model(
            ["blue", "red"], {"blue": 0.2, "red": 0.1}, {"blue": 0, "red": 0}, voice, spend, spend
        )
    )
    assert s["final"]["share_of_voice_citizens"] == 1.0
    assert s["final"]["share_of_voice"] == {"blue": 0.0, "red": 0.0}


# --- tidy, agent_table, series ---------------------------------------------------------------


def test_tidy_turns_the_wide_table_into_sorted_rows_and_skips_non_metrics():
    """tidy: each ``metric|party|source`` column becomes rows (step, metric, party,
    source_type, value) at the recorded steps, sorted by step then metric, party and source;
    a column that is not a metric (the seed reporter) is skipped."""
    wide = pd.DataFrame(
        {
            "vote_share|red|": [0.3, 0.35],
            "seed": [9, 9],
            "vote_share|blue|": [0.4, 0.45],
            "turnout||": [0.7, 0.8],
            "influence||citizen": [0.0, 1.0],
        }
    )
    model = SimpleNamespace(
        datacollector=SimpleNamespace(get_model_vars_dataframe=lambda: wide),
        recorded_steps=[0, 5],
    )
    got = R.tidy(model)
    assert list(got.columns) == ["step", "metric", "party", "source_type", "value"]
    assert got.step.dtype == np.int32 and got.value.dtype == np.float64
    expected = [
        (0, "influence", "", "citizen", 0.0),
        (0, "turnout", "", "", 0.7),
        (0, "vote_share", "blue", "", 0.4),
        (0, "vote_share", "red", "", 0.3),
        (5, "influence", "", "citizen", 1.0),
        (5, "turnout", "", "", 0.8),
        (5, "vote_share", "blue", "", 0.45),
        (5, "vote_share", "red", "", 0.35),
    ]
    assert [tuple(r) for r in got.itertuples(index=False)] == expected
    assert list(got.index) == list(range(8))


def test_agent_table_names_roles_and_parties_per_person():
    """agent_table: one row per person with its role name, party name ("" for none, the -1
    index), degree, engagement and one column per issue."""
    pop = SimpleNamespace(
        n=4,
        role=np.array([0, 1, 2, 0]),
        party=np.array([-1, 0, 1, -1]),
        engaged=np.array([True, False, True, False]),
        x=np.array([[0.1, -0.1], [0.2, -0.2], [0.3, -0.3], [0.4, -0.4]]),
    )
    model = SimpleNamespace(
        population=pop,
        parties=SimpleNamespace(names=["blue", "red"]),
        graph=SimpleNamespace(degree=np.array([1, 2, 3, 0])),
    )
    got = R.agent_table(model)
    assert list(got.columns) == [
        "person",
        "role",
        "party",
        "degree",
        "engaged",
        "opinion_0",
        "opinion_1",
    ]
    assert got.person.tolist() == [0, 1, 2, 3]
    assert got.role.tolist() == ["citizen", "champion", "staff", "citizen"]
    assert got.party.tolist() == ["", "blue", "red", ""]
    assert got.degree.tolist() == [1, 2, 3, 0]
    assert got.engaged.tolist() == [True, False, True, False]
    assert got.opinion_1.tolist() == [-0.1, -0.2, -0.3, -0.4]


def test_series_selects_one_metric_party_and_source_indexed_by_step():
    """RunResult.series: the rows of one (metric, party, source) only, indexed by step."""
    ts = pd.DataFrame(
        {
            "step": [0, 0, 0, 1, 1, 1],
            "metric": ["vote_share", "vote_share", "influence"] * 2,
            "party": ["blue", "red", ""] * 2,
            "source_type": ["", "", "citizen"] * 2,
            "value": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
        }
    )
    result = R.RunResult(None, 0, ts, {}, np.zeros(1), None, 0.0)
    assert result.series("vote_share", "red").to_dict() == {0: 0.2, 1: 0.5}
    assert result.series("influence", source_type="citizen").to_dict() == {0: 0.3, 1: 0.6}
    assert result.series("vote_share").empty  # party "" has no vote share


# --- run, election_day_only, override --------------------------------------------------------


def _tiny(**changes):
    data = tiny_data(citizens=30, steps=3)
    data.update(changes)
    return scenario_from_dict(data)


def test_run_applies_seed_and_steps_and_reports_its_own_time():
    """run: ``steps`` and ``seed`` override the scenario's (and are what the result and
    summary record); progress is called after each step; final opinions are the citizens'
    first issue only (staff left out); wall_time is the run's own elapsed time."""
    seen = []
    before = time.perf_counter()
    got = R.run(_tiny(seed=4), seed=9, steps=2, progress=lambda d, t: seen.append((d, t)))
    elapsed = time.perf_counter() - before
    assert got.seed == 9 and got.scenario.seed == 9 and got.summary["seed"] == 9
    assert got.scenario.steps == 2 and got.summary["steps"] == 2
    assert got.timeseries.step.max() == 2
    assert seen == [(1, 2), (2, 2)]
    assert got.final_opinions.shape == (30,)
    assert got.agents is None  # the scenario does not ask for the agent table
    assert 0 < got.wall_time <= elapsed
    default = R.run(_tiny(seed=4), steps=1)
    assert default.seed == 4 and default.summary["seed"] == 4


def test_run_agent_table_on_request_and_initial_opinions_are_used():
    """run: agents=True adds the per-person table (citizens and the staff member); opinions
    given to the model start the run (one step of a world starting at consensus 0.5 keeps
    every citizen at 0.5 with no party pulling)."""
    data = tiny_data(citizens=30, steps=1)
    data["parties"] = {}
    sc = scenario_from_dict(data)
    start = np.full((30, 1), 0.5)
    got = R.run(sc, seed=1, agents=True, opinions=start)
    assert len(got.agents) == 30
    np.testing.assert_allclose(got.final_opinions, 0.5)
    with_staff = R.run(_tiny(), seed=1, steps=1, agents=True)
    assert len(with_staff.agents) == 31 and with_staff.agents.role.tolist().count("staff") == 1


def test_election_day_only_records_two_steps_and_keeps_the_dynamics():
    """election_day_only: metrics every ``steps`` steps (start and election day), no plots;
    everything else of the scenario unchanged, so the final outcomes are the same."""
    sc = _tiny()
    short = R.election_day_only(sc)
    assert short.output.every == 3 and short.output.plots is False
    assert dataclasses.replace(short, output=sc.output) == sc
    full, brief = R.run(sc, seed=2), R.run(short, seed=2)
    assert sorted(set(brief.timeseries.step)) == [0, 3]
    assert brief.summary["final"]["vote_share"] == full.summary["final"]["vote_share"]


def test_run_without_the_timeseries_keeps_the_summary():
    """run(timeseries=False), as a sweep's runs ask: no tidy table, the same summary and final
    opinions as the run that builds it."""
    sc = _tiny()
    full, bare = R.run(sc, seed=3), R.run(sc, seed=3, timeseries=False)
    assert bare.timeseries is None and len(full.timeseries) > 0
    assert bare.summary == full.summary
    np.testing.assert_array_equal(bare.final_opinions, full.final_opinions)


def test_override_changes_a_dotted_key_and_checks_the_result():
    """override: a checked copy with the change; a bad value is one ConfigError naming the
    copy's source ``<name>``."""
    sc = _tiny()
    got = R.override(sc, **{"feed.attention": 5, "steps": 4})
    assert got.feed.attention == 5 and got.steps == 4 and sc.steps == 3
    with pytest.raises(ConfigError) as err:
        R.override(sc, **{"feed.attention": -1})
    assert "<tiny>" in str(err.value)


# --- check_files ------------------------------------------------------------------------------


def _with_files(tmp_path, **sections):
    data = tiny_data(citizens=20)
    data.update(sections)
    return scenario_from_dict(data, source=str(tmp_path / "s.yaml"))


def test_check_files_reads_a_thresholds_file_within_zero_and_one(tmp_path):
    """check_files: a thresholds file is read with bounds [0, 1]: 0 and 1 pass, 1.5 is one
    line naming the file and the key ``mobilization.thresholds_path`` of the source."""
    good = tmp_path / "good.txt"
    good.write_text("\n".join(["0", "1"] + ["0.5"] * 18) + "\n")
    R.check_files(_with_files(tmp_path, mobilization={"thresholds_path": str(good)}), "src")
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(["1.5"] + ["0.5"] * 19) + "\n")
    with pytest.raises(ConfigError) as err:
        R.check_files(_with_files(tmp_path, mobilization={"thresholds_path": str(bad)}), "src")
    (line,) = err.value.problems
    assert line.startswith(f"{bad}: ") and line.endswith("(mobilization.thresholds_path of src)")


def test_check_files_reads_a_graph_files_lean_and_names_the_survey_key(tmp_path):
    """check_files: a graph file whose lean attribute maps labels to parties is read with the
    scenario's parties (blue, red: it passes); a survey without a placement column is one line
    naming the file and the key ``population.survey.source`` of the source."""
    from tests.network.test_graph_files import network, write
    from tests.network.test_graph_files import scenario as graph_scenario
    from tests.test_survey import data as survey_data
    from tests.test_survey import survey_file

    path = write(tmp_path, network(), ".graphml")
    lean = graph_scenario(path, lean_attribute="side", lean_values={0: "blue", 1: "red"})
    R.check_files(scenario_from_dict(lean), "src")
    good = scenario_from_dict(survey_data(survey_file(tmp_path), citizens=50))
    bad = survey_file(tmp_path, "lr,red_lr,pid\n1,6,0\n")  # loading would refuse it first
    survey = dataclasses.replace(good.population.survey, source=str(bad))
    moved = dataclasses.replace(
        good, population=dataclasses.replace(good.population, survey=survey)
    )
    R.check_files(good, "src")
    with pytest.raises(ConfigError) as err:
        R.check_files(moved, "src")
    (line,) = err.value.problems
    assert line.startswith(f"{bad}: ") and line.endswith("(population.survey.source of src)")


def test_check_files_names_the_zealots_key_for_a_bad_index(tmp_path):
    """check_files: a zealots file with an index past the citizens names
    ``opinion.zealots.path``; a valid one passes."""
    good = tmp_path / "z.txt"
    good.write_text("3\n19\n")
    R.check_files(_with_files(tmp_path, opinion={"zealots": {"path": str(good)}}), "src")
    bad = tmp_path / "zz.txt"
    bad.write_text("20\n")
    with pytest.raises(ConfigError) as err:
        R.check_files(_with_files(tmp_path, opinion={"zealots": {"path": str(bad)}}), "src")
    (line,) = err.value.problems
    assert line.startswith(f"{bad}: ") and line.endswith("(opinion.zealots.path of src)")


def test_check_files_names_the_network_key_for_a_bad_edge_list(tmp_path):
    """check_files: an edge list naming a node past the citizens is refused with
    ``network.path``; a valid one passes."""
    good = tmp_path / "e.txt"
    good.write_text("".join(f"{i} {(i + 1) % 20}\n" for i in range(20)))
    R.check_files(_with_files(tmp_path, network={"kind": "edge_list", "path": str(good)}), "src")
    bad = tmp_path / "f.txt"
    bad.write_text("0 25\n")
    with pytest.raises(ConfigError) as err:
        R.check_files(_with_files(tmp_path, network={"kind": "edge_list", "path": str(bad)}), "s")
    (line,) = err.value.problems
    assert line.startswith(f"{bad}: ") and line.endswith("(network.path of s)")


def test_load_scenario_applies_overrides_and_checks_the_files(tmp_path):
    """load_scenario: overrides apply, and the files the scenario names are checked, the error
    naming the scenario file."""
    import yaml

    path = tmp_path / "s.yaml"
    data = tiny_data(citizens=20)
    data["mobilization"] = {"thresholds_path": "th.txt"}
    path.write_text(yaml.safe_dump(data))
    (tmp_path / "th.txt").write_text("0.5\n" * 20)
    got = R.load_scenario(path, ["steps=7"])
    assert got.steps == 7
    (tmp_path / "th.txt").write_text("0.5\n" * 19)
    with pytest.raises(ConfigError) as err:
        R.load_scenario(path)
    assert err.value.problems[0].endswith(f"(mobilization.thresholds_path of {path})")


def test_check_files_refuses_a_run_that_does_not_fit_in_memory(monkeypatch):
    """check_files: the memory limit is checked (``model.config.limits``) and the refusal
    names the source; a scenario within the limit passes."""
    monkeypatch.setenv("SOCIALWEB_MAX_MEMORY", "1M")
    sc = scenario_from_dict(tiny_data(citizens=2000))
    with pytest.raises(ConfigError) as err:
        R.check_files(sc, "big.yaml")
    assert "would need about" in str(err.value) and "big.yaml" in str(err.value)
    monkeypatch.setenv("SOCIALWEB_MAX_MEMORY", "64G")
    R.check_files(sc, "big.yaml")


def test_override_checks_the_files_of_the_copy(tmp_path):
    """override: the copy's files are read too, errors naming the copy ``<name>`` as source."""
    bad = tmp_path / "f.txt"
    bad.write_text("0 99\n")
    changes = {"network.kind": "edge_list", "network.path": str(bad)}
    with pytest.raises(ConfigError) as err:
        R.override(_tiny(), **changes)
    assert err.value.problems[0].endswith("(network.path of <tiny>)")


def test_run_makes_the_agent_table_when_the_scenario_asks_for_it():
    """run with agents=None follows ``output.agents`` of the scenario."""
    data = tiny_data(citizens=30, steps=1)
    data["output"] = {"agents": True}
    got = R.run(scenario_from_dict(data), seed=1)
    assert got.agents is not None and len(got.agents) == 31
    assert R.run(scenario_from_dict(data), seed=1, agents=False).agents is None


def test_average_cost_per_vote_point_below_one_unit_of_money():
    """summarize: any positive cost has an average cost per vote point (0.5 / 20 points)."""
    spend = [[0] * 6, [0] * 6]
    s = R.summarize(
        _model(
            ["blue", "red"],
            {"blue": 0.2, "red": 0.1},
            {"blue": 0.5, "red": 0.0},
            [0] * 24,
            spend,
            spend,
        )
    )
    assert s["final"]["average_cost_per_vote_point"] == {"blue": pytest.approx(0.025), "red": None}
