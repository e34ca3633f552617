"""Scenario loading: every class of bad input is one line naming the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from model.config import ConfigError, Scenario, load_scenario, scenario_from_dict, with_overrides
from model.config.load import (
    apply_overrides,
    parse_override,
    scenario_to_dict,
)
from model.config.plan import plan
from tests.conftest import tiny_data

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

BASE = tiny_data(citizens=200, steps=15, mean_degree=6, initial_champions=3)


def write(folder: Path, name: str, data: dict | str) -> Path:
    """A scenario file: raw text, or a mapping dumped as YAML."""
    path = folder / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, overrides=None) -> list[str]:
    """The problems load_scenario reports (fails the test if it loads)."""
    with pytest.raises(ConfigError) as info:
        load_scenario(path, overrides)
    problems = info.value.problems
    assert problems, "ConfigError without problems"
    for line in problems:
        assert "\n" not in line
    return problems


def only_problem(path: Path, overrides=None) -> str:
    problems = problems_of(path, overrides)
    assert len(problems) == 1, problems
    return problems[0]


def with_changes(**changes) -> dict:
    """BASE with dotted-path changes, e.g. with_changes(**{"feed.attention": 3})."""
    return apply_overrides(BASE, changes)


# --- files that load ------------------------------------------------------------------------


def test_base_scenario_loads_with_every_default_filled_in(tmp_path):
    s = load_scenario(write(tmp_path, "s.yaml", BASE))
    assert isinstance(s, Scenario)
    assert s.name == "tiny" and s.steps == 15 and s.population.citizens == 200
    assert s.parties["blue"].position == [0.25]  # a scalar is one issue's position
    assert s.parties["blue"].champions.guidance == 0.3
    assert s.parties["red"].champions.enabled is False
    assert s.feed == type(s.feed)()  # untouched sections are the schema defaults
    assert list(s.parties) == ["blue", "red"]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_file_is_refused_not_taken_as_all_defaults(tmp_path, text):
    with pytest.raises(ConfigError) as err:
        load_scenario(write(tmp_path, "empty.yaml", text))
    assert err.value.problems == [
        f"{tmp_path / 'empty.yaml'}: (top level): expected a mapping of scenario keys, got an "
        "empty file (write `name: ...` at least; every other key has a default)"
    ]


def test_a_file_with_only_a_name_is_all_defaults(tmp_path):
    s = load_scenario(write(tmp_path, "named.yaml", "name: scenario\n"))
    assert s == Scenario()


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_load(path):
    s = load_scenario(path)
    assert s.name == path.stem


def test_resolved_scenario_round_trips(tmp_path):
    s = load_scenario(write(tmp_path, "s.yaml", BASE))
    data = scenario_to_dict(s)
    again = scenario_from_dict(yaml.safe_load(yaml.safe_dump(data)), source="resolved.yaml")
    assert again == s


def test_integral_float_is_accepted_for_an_integer(tmp_path):
    s = load_scenario(write(tmp_path, "s.yaml", with_changes(steps=20.0)))
    assert s.steps == 20 and isinstance(s.steps, int)


def test_integer_is_accepted_for_a_number(tmp_path):
    s = load_scenario(write(tmp_path, "s.yaml", with_changes(**{"feed.bias": 2})))
    assert s.feed.bias == 2.0 and isinstance(s.feed.bias, float)


def test_empty_parties_is_allowed(tmp_path):
    s = load_scenario(write(tmp_path, "s.yaml", with_changes(parties={})))
    assert s.parties == {}


# --- YAML syntax and unreadable files ---------------------------------------------------------


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "broken.yaml", "name: a\nsteps: 5\npopulation: {citizens: 200\n  x: 1\n")
    line = only_problem(path)
    assert line.startswith(f"{path}: line 4, column ")
    assert "invalid YAML" in line


def test_yaml_tab_indentation_error_has_line_number(tmp_path):
    path = write(tmp_path, "tabs.yaml", "name: a\npopulation:\n\tcitizens: 200\n")
    line = only_problem(path)
    assert line.startswith(f"{path}: line 3, column ")
    assert "invalid YAML" in line


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert only_problem(path) == f"{path}: file not found"


def test_directory_instead_of_file(tmp_path):
    line = only_problem(tmp_path)
    assert line == f"{tmp_path}: expected a YAML file, got a folder"


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    line = only_problem(path)
    assert line.startswith(f"{path}: cannot read")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string\n", "42\n"])
def test_top_level_must_be_a_mapping(tmp_path, text):
    path = write(tmp_path, "top.yaml", text)
    line = only_problem(path)
    assert line.startswith(f"{path}: (top level): expected a mapping of scenario keys, got ")


# --- unknown keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "key", "suggestion"),
    [
        (
            {"parties": {"blue": {"champions": {"guidence": 0.3}}}},
            "parties.blue.champions.guidence",
            "guidance",
        ),
        ({"stpes": 10}, "stpes", "steps"),
        ({"population": {"citizen": 300}}, "population.citizen", "citizens"),
        ({"feed": {"algoritm": "similarity"}}, "feed.algoritm", "algorithm"),
        (
            {"parties": {"red": {"instituton": {"enabled": True}}}},
            "parties.red.instituton",
            "institution",
        ),
    ],
)
def test_unknown_key_with_did_you_mean(tmp_path, data, key, suggestion):
    path = write(tmp_path, "s.yaml", data)
    line = only_problem(path)
    assert line.startswith(f"{path}: {key}: unknown key (did you mean '{suggestion}'?)")
    assert "; expected one of: " in line
    assert suggestion in line.split("expected one of: ", 1)[1].split(", ")


def test_unknown_key_without_close_match_lists_the_keys(tmp_path):
    path = write(tmp_path, "s.yaml", {"feed": {"zzzzzz": 1}})
    line = only_problem(path)
    assert line == (
        f"{path}: feed.zzzzzz: unknown key; expected one of: "
        "algorithm, bias, attention, seen_per_day, political_share, accounts_followed, "
        "recent_window"
    )


@pytest.mark.parametrize(
    ("data", "key", "elsewhere"),
    [
        ({"opinion": {"openness": 0.3}}, "opinion.openness", "'population.openness'"),
        ({"openness": 0.3}, "openness", "'population.openness'"),
        (
            {"parties": {"blue": {"institution": {"guidance": 0.3}}}},
            "parties.blue.institution.guidance",
            "'movement.guidance' or 'parties.blue.champions.guidance'",
        ),
    ],
)
def test_unknown_key_of_another_section_names_that_section(tmp_path, data, key, elsewhere):
    """A key put in the wrong section points to the section that has it (issue 12)."""
    path = write(tmp_path, "s.yaml", data)
    assert only_problem(path).startswith(f"{path}: {key}: unknown key (did you mean {elsewhere}?)")


def test_varied_key_in_the_wrong_section_names_the_right_one(tmp_path):
    from model.config.experiment import load_experiment

    write(tmp_path, "base.yaml", BASE)
    exp = {"base": "base.yaml", "vary": {"opinion.openness": [0.1, 0.2]}, "outputs": ["turnout"]}
    path = write(tmp_path, "e.yaml", exp)
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    assert "unknown key 'openness' (did you mean 'population.openness'?)" in str(info.value)


def test_every_problem_of_a_file_is_reported(tmp_path):
    data = {
        "stpes": 10,
        "population": {"citizens": "many"},
        "parties": {"blue": {"champions": {"guidance": 1.4}}},
        "feed": {"algorithm": "chrono"},
    }
    path = write(tmp_path, "many.yaml", data)
    problems = problems_of(path)
    assert len(problems) == 4, problems
    assert all(line.startswith(f"{path}: ") for line in problems)
    keys = sorted(line.split(": ")[1] for line in problems)
    assert keys == sorted(
        ["stpes", "population.citizens", "parties.blue.champions.guidance", "feed.algorithm"]
    )


# --- wrong types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"steps": "ten"}, "steps: expected an integer in [1, 1000000], got 'ten'"),
        ({"steps": 10.5}, "steps: expected an integer in [1, 1000000], got 10.5"),
        (
            {"parties.blue.champions.guidance": "high"},
            "parties.blue.champions.guidance: expected a number in [0, 1], got 'high'",
        ),
        (
            {"population.openness": "0.5"},
            "population.openness: expected a number in [0, 2], got '0.5'",
        ),
        ({"output.agents": 1}, "output.agents: expected true or false, got 1"),
        (
            {"parties.blue.champions.enabled": "yes please"},
            "parties.blue.champions.enabled: expected true or false, got 'yes please'",
        ),
        ({"name": 5}, "name: expected a string, got 5"),
        (
            {"population": 5},
            "population: expected a mapping of PopulationSpec keys, got 5",
        ),
        ({"parties": ["blue", "red"]}, "parties: expected a mapping of names, got ['blue', 'red']"),
    ],
)
def test_wrong_type(tmp_path, changes, expected):
    path = write(tmp_path, "s.yaml", with_changes(**changes))
    assert only_problem(path) == f"{path}: {expected}"


def test_bool_is_not_a_number(tmp_path):
    path = write(tmp_path, "s.yaml", with_changes(**{"parties.blue.champions.guidance": True}))
    line = only_problem(path)
    assert line.startswith(f"{path}: parties.blue.champions.guidance: expected a number in [0, 1]")


def test_bool_is_not_an_integer(tmp_path):
    path = write(tmp_path, "s.yaml", with_changes(steps=True))
    line = only_problem(path)
    assert line.startswith(f"{path}: steps: expected an integer in [1, 1000000], got ")


def test_nan_is_refused(tmp_path):
    path = write(tmp_path, "s.yaml", "name: a\nfeed: {bias: .nan}\n")
    assert only_problem(path) == f"{path}: feed.bias: expected a number in [0, 20], got nan"


def test_party_name_must_be_an_identifier(tmp_path):
    path = write(tmp_path, "s.yaml", with_changes(parties={"blue party": {}}))
    assert only_problem(path) == (
        f"{path}: parties.blue party: expected a name of letters, digits and _"
    )


# --- out of range -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"parties.blue.champions.guidance": 1.4},
            "parties.blue.champions.guidance: expected a number in [0, 1], got 1.4",
        ),
        (
            {"parties.blue.champions.guidance": -0.1},
            "parties.blue.champions.guidance: expected a number in [0, 1], got -0.1",
        ),
        ({"steps": 0}, "steps: expected an integer in [1, 1000000], got 0"),
        (
            {"population.citizens": 1},
            "population.citizens: expected an integer in [2, 10000000], got 1",
        ),
        ({"feed.bias": 21}, "feed.bias: expected a number in [0, 20], got 21"),
        (
            {"parties.red.position": 1.5},
            "parties.red.position: expected a number in [-1, 1], got 1.5",
        ),
        (
            {"parties.red.position": [0.2, -3]},
            "parties.red.position[1]: expected a number in [-1, 1], got -3",
        ),
        ({"seed": -1}, "seed: expected an integer in [0, 9223372036854775807], got -1"),
    ],
)
def test_out_of_range(tmp_path, changes, expected):
    path = write(tmp_path, "s.yaml", with_changes(**changes))
    assert only_problem(path) == f"{path}: {expected}"


def test_infinity_is_out_of_range(tmp_path):
    path = write(tmp_path, "s.yaml", "name: a\nfeed: {bias: .inf}\n")
    assert only_problem(path) == f"{path}: feed.bias: expected a number in [0, 20], got inf"


def test_empty_position_list(tmp_path):
    path = write(tmp_path, "s.yaml", with_changes(**{"parties.red.position": []}))
    assert only_problem(path) == (
        f"{path}: parties.red.position: expected at least one number, got an empty list"
    )


def test_bounds_are_inclusive(tmp_path):
    s = load_scenario(
        write(
            tmp_path,
            "s.yaml",
            with_changes(**{"parties.blue.champions.guidance": 1, "feed.bias": 0}),
        )
    )
    assert s.parties["blue"].champions.guidance == 1.0 and s.feed.bias == 0.0


# --- unknown Literal values -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"feed.algorithm": "chrono"},
            "feed.algorithm: expected one of chronological, similarity, engagement, "
            "got 'chrono' (did you mean 'chronological'?)",
        ),
        (
            {"opinion.rule": "degrot"},
            "opinion.rule: expected one of social_judgment, deffuant, hegselmann_krause, "
            "voter, degroot, friedkin_johnsen, q_voter, naming_game, majority, holme_newman, "
            "algorithmic_bias, sznajd, attraction_repulsion, radicalization, "
            "got 'degrot' (did you mean 'degroot'?)",
        ),
        (
            {"network.kind": "scale-free"},
            "network.kind: expected one of barabasi_albert, holme_kim, watts_strogatz, "
            "erdos_renyi, homophilous, stochastic_block, complete, none, edge_list, graph_file, "
            "got 'scale-free'",
        ),
    ],
)
def test_unknown_literal(tmp_path, changes, expected):
    path = write(tmp_path, "s.yaml", with_changes(**changes))
    assert only_problem(path) == f"{path}: {expected}"


# --- inconsistent settings --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"network.kind": "edge_list"},
            "network.path: expected an edge-list file because network.kind is edge_list",
        ),
        (
            {"network.path": "edges.csv"},
            "network.path: only used when network.kind is edge_list or graph_file, got kind "
            "barabasi_albert",
        ),
        (
            {"population.openness": 0.8, "population.rejection": 0.5},
            "population.rejection: expected >= population.openness (0.8): the latitude of "
            "rejection lies beyond acceptance, got 0.5",
        ),
        (
            {
                "parties.blue.staff.per_1000": 0,
                "parties.blue.budget.per_1000": 60,
                "parties.blue.budget.content": 0.8,
                "parties.blue.budget.paid_reach": 0.4,
            },
            "parties.blue.budget: expected channel shares (content, paid_reach, staff, "
            "champions, mass_media, canvass) summing to at most 1, got 1.2",
        ),
        (
            {"parties.blue.budget.staff": 0.5},
            "parties.blue.budget.staff: expected 0 because budget.per_1000 is 0 (no budget), "
            "got 0.5",
        ),
        (
            {"parties.red.budget.per_1000": 60, "parties.red.budget.champions": 0.5},
            "parties.red.budget.champions: expected 0 because champions.enabled is false, got 0.5",
        ),
        (
            {
                "parties.blue.staff.per_1000": 0,
                "parties.blue.budget.per_1000": 2000,
                "parties.blue.budget.content": 0.1,
                "parties.blue.budget.paid_reach": 0.5,
            },
            "parties.blue.budget.paid_reach: buys more than one sponsored impression per "
            "citizen a step (at most 0.25 of this budget), got 0.5",
        ),
        (
            {
                "parties.blue.institution.paid_reach": 0.1,
                "parties.blue.institution.posts_per_step": 0.5,
            },
            "parties.blue.institution.paid_reach: sponsored posts promote the account's posts of "
            "the day, so paid reach needs at least 1 post a step (institution.posts_per_step, or "
            "the content share), got 0.5",
        ),
        (
            {
                "parties.blue.staff.per_1000": 0,
                "parties.blue.budget.per_1000": 60,
                "parties.blue.budget.content": 0.5,
                "parties.blue.budget.paid_reach": 0.1,
                "parties.blue.institution.cost_per_paid_impression": 0,
            },
            "parties.blue.institution.cost_per_paid_impression: expected > 0 because "
            "budget.paid_reach buys it (a free channel has no budget size)",
        ),
        (
            {
                "parties.blue.staff.per_1000": 0,
                "parties.blue.budget.per_1000": 60,
                "parties.blue.budget.staff": 0.5,
                "parties.blue.staff.salary_per_step": 0,
            },
            "parties.blue.staff.salary_per_step: expected > 0 because budget.staff buys it (a "
            "free channel has no budget size)",
        ),
        (
            {"parties.blue.position": [0.1, 0.2]},
            "parties.blue.position: expected 1 value(s), one per issue (population.issues), got 2",
        ),
        (
            {"population.issues": 2, "parties.red.position": [0.1, 0.2]},
            "parties.blue.position: expected 2 value(s), one per issue (population.issues), got 1",
        ),
        (
            {"parties.red.champions.initial_per_1000": 3},
            "parties.red.champions.initial_per_1000: expected 0 because champions.enabled is "
            "false, got 3",
        ),
        (
            {"parties.blue.champions.max_per_1000": 2},
            "parties.blue.champions.initial_per_1000: expected <= champions.max_per_1000 (2), "
            "got 15",
        ),
        (
            {"network.mean_degree": 200},
            "network.mean_degree: expected fewer than population.citizens (200), got 200",
        ),
        (
            {"population.engagement_min": 0.7, "population.engagement_max": 0.5},
            "population.engagement_min: expected <= population.engagement_max (0.5), got 0.7",
        ),
        (
            {"network.mean_degree": 1},
            "network.mean_degree: expected >= 2 for barabasi_albert (m = mean_degree/2 >= 1), "
            "got 1",
        ),
        (
            {"network.kind": "stochastic_block", "network.blocks": 201},
            "network.blocks: expected at most population.citizens (200), got 201",
        ),
        (
            {"network.kind": "complete", "population.citizens": 20_001},
            "population.citizens: expected at most 20000 with network.kind complete (N² ties), "
            "got 20001",
        ),
        (
            {"network.kind": "none"},
            "network.kind: expected a network with opinion.rule social_judgment: none (no ties) "
            "is only for radicalization, which draws its own contacts, got none",
        ),
        (
            {"opinion.rule": "radicalization", "parties": {}, "network.kind": "complete"},
            "network.kind: expected none with opinion.rule radicalization: every step it draws "
            "its own contacts among all citizens and reads no fixed network, got complete",
        ),
    ],
)
def test_inconsistent_settings(tmp_path, changes, expected):
    path = write(tmp_path, "s.yaml", with_changes(**changes))
    assert only_problem(path) == f"{path}: {expected}"


def test_a_budget_sizes_every_channel_from_its_share():
    data = with_changes(
        **{
            "parties.blue.budget.per_1000": 150,
            "parties.blue.budget.content": 0.3,
            "parties.blue.budget.paid_reach": 0.2,
            "parties.blue.budget.staff": 0.2,
            "parties.blue.budget.champions": 0.2,
            "parties.blue.champions.initial_per_1000": 0,
        }
    )
    del data["parties"]["blue"]["staff"]["per_1000"]
    party = scenario_from_dict(data).parties["blue"]
    got = plan(party, 200)
    # content 45 per 1,000 buys 3 posts at 15; paid 30 buys 60 impressions per 1,000 at 0.5;
    # staff 30 per 1,000 is 1.5 organizers at 20, so 0.3 among 200 citizens: one part-timer;
    # champions 30 per 1,000 is 6 at 1 a day among 200, and 0.3 × 20 = 6 organizer places
    assert got.posts_per_step == pytest.approx(3)
    assert got.paid_reach == pytest.approx(0.06)
    assert (got.staff_count, got.part_time) == (1, pytest.approx(0.3))
    assert got.champion_cap == 6
    assert got.budget == pytest.approx(30)
    assert got.planned == pytest.approx(
        {
            "content": 9.0,
            "paid_reach": 6.0,
            "staff": 6.0,
            "champions": 6.0,
            "mass_media": 0.0,
            "canvass": 0.0,
        }
    )
    # at 8,000 citizens: the same campaign, 40 times over
    big = plan(party, 8000)
    assert (big.staff_count, big.part_time, big.champion_cap) == (12, 1.0, 240)
    assert big.posts_per_step == got.posts_per_step and big.paid_reach == got.paid_reach


def test_without_a_budget_the_plan_is_what_the_sizes_cost():
    data = with_changes(
        **{
            "parties.blue.institution.paid_reach": 0.1,
            "parties.blue.staff.per_1000": 12.5,
            "parties.blue.champions.max_per_1000": 40,
        }
    )
    party = scenario_from_dict(data).parties["blue"]
    got = plan(party, 200)
    # 2.5 staff among 200: two full-time and one half-time; 40 per 1,000 caps champions at 8
    assert (got.staff_count, got.part_time, got.staff_time) == (3, pytest.approx(0.5), 2.5)
    assert got.champion_cap == 8 and got.founding == 3
    assert got.planned == pytest.approx(
        {
            "content": 3 * 15 * 0.2,
            "paid_reach": 0.1 * 200 * 0.5,
            "staff": 50.0,
            "champions": 8.0,
            "mass_media": 0.0,
            "canvass": 0.0,
        }
    )


def test_the_old_absolute_keys_say_what_replaced_them(tmp_path):
    data = with_changes()
    data["parties"]["blue"]["staff"] = {"count": 2}
    data["parties"]["blue"]["budget_per_step"] = 100
    problems = problems_of(write(tmp_path, "s.yaml", data))
    assert any("parties.blue.staff.count: replaced by per_1000" in p for p in problems)
    assert any("parties.blue.budget_per_step: replaced by budget:" in p for p in problems)


def test_champions_initial_zero_with_enabled_false_is_fine(tmp_path):
    s = load_scenario(
        write(tmp_path, "s.yaml", with_changes(**{"parties.red.champions.initial_per_1000": 0}))
    )
    assert s.parties["red"].champions.initial_per_1000 == 0


# --- edge-list paths --------------------------------------------------------------------------


def test_edge_list_path_is_resolved_relative_to_the_scenario_file(tmp_path, monkeypatch):
    folder = tmp_path / "sub"
    folder.mkdir()
    path = write(folder, "s.yaml", with_changes(network={"kind": "edge_list", "path": "edges.csv"}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    s = load_scenario(path)
    assert Path(s.network.path) == (folder / "edges.csv").resolve()


def test_absolute_edge_list_path_is_kept(tmp_path):
    target = tmp_path / "data" / "edges.csv"
    path = write(
        tmp_path, "s.yaml", with_changes(network={"kind": "edge_list", "path": str(target)})
    )
    assert Path(load_scenario(path).network.path) == target.resolve()


# --- --set overrides --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("steps=20", ("steps", 20)),
        ("parties.blue.champions.guidance=0.8", ("parties.blue.champions.guidance", 0.8)),
        ("opinion.backfire=true", ("opinion.backfire", True)),
        ("feed.algorithm=similarity", ("feed.algorithm", "similarity")),
        ("parties.blue.position=[0.1]", ("parties.blue.position", [0.1])),
        (" steps = 7", ("steps", 7)),
        ("description=a=b", ("description", "a=b")),
        ("description=", ("description", "")),
        ("description=: x", ("description", ": x")),  # not YAML: kept as text
    ],
)
def test_parse_override(text, expected):
    assert parse_override(text) == expected


@pytest.mark.parametrize("text", ["steps", "=5", "a..b=1", ".a=1", "a.=1", ""])
def test_parse_override_refuses_malformed(text):
    with pytest.raises(ConfigError) as info:
        parse_override(text)
    assert info.value.problems == [f"--set: {text}: expected DOTTED.PATH=VALUE"]


def test_overrides_apply_and_are_checked(tmp_path):
    path = write(tmp_path, "s.yaml", BASE)
    s = load_scenario(path, ["parties.blue.champions.guidance=0.8", "steps=7"])
    assert s.parties["blue"].champions.guidance == 0.8 and s.steps == 7
    s = load_scenario(path, {"feed.algorithm": "similarity", "population.citizens": 250})
    assert s.feed.algorithm == "similarity" and s.population.citizens == 250
    assert yaml.safe_load(path.read_text()) == BASE  # the file is not touched


def test_override_out_of_range_names_file_and_key(tmp_path):
    path = write(tmp_path, "s.yaml", BASE)
    line = only_problem(path, ["parties.blue.champions.guidance=1.4"])
    assert line == (
        f"{path}: parties.blue.champions.guidance (from the command line): "
        "expected a number in [0, 1], got 1.4"
    )


def test_override_unknown_key_has_did_you_mean(tmp_path):
    path = write(tmp_path, "s.yaml", BASE)
    line = only_problem(path, ["parties.blue.champions.guidence=0.2"])
    assert line.startswith(
        f"{path}: parties.blue.champions.guidence (from the command line): unknown key "
        "(did you mean 'guidance'?)"
    )


def test_override_through_a_scalar_is_refused(tmp_path):
    path = write(tmp_path, "s.yaml", BASE)
    assert (
        only_problem(path, ["steps.x=1"])
        == f"{path}: steps.x (from the command line): 'steps' is not a section"
    )


def test_override_malformed_is_refused(tmp_path):
    path = write(tmp_path, "s.yaml", BASE)
    assert only_problem(path, ["steps"]) == "--set: steps: expected DOTTED.PATH=VALUE"


def test_apply_overrides_does_not_mutate_its_input():
    data = {"parties": {"blue": {"position": 0.1}}}
    out = apply_overrides(data, {"parties.blue.position": 0.3, "feed.attention": 4})
    assert data == {"parties": {"blue": {"position": 0.1}}}
    assert out == {"parties": {"blue": {"position": 0.3}}, "feed": {"attention": 4}}


def test_apply_overrides_without_copy_sets_the_callers_fresh_dict_in_place():
    data = {"parties": {"blue": {"position": 0.1}}}
    out = apply_overrides(data, {"parties.blue.position": 0.3}, copy=False)
    assert out is data and data == {"parties": {"blue": {"position": 0.3}}}


def test_with_overrides_rechecks(tmp_path):
    s = load_scenario(write(tmp_path, "s.yaml", BASE))
    t = with_overrides(s, {"feed.attention": 3})
    assert t.feed.attention == 3 and t.parties == s.parties
    with pytest.raises(ConfigError) as info:
        with_overrides(s, {"feed.attention": -1})
    assert info.value.problems == [
        "<tiny>: feed.attention: expected a number in [0, 10000], got -1"
    ]


def test_config_error_message_is_the_problem_lines():
    err = ConfigError(["a.yaml: x: bad", "b.yaml: y: bad"])
    assert str(err) == "a.yaml: x: bad\nb.yaml: y: bad"
    assert isinstance(err, ValueError)
