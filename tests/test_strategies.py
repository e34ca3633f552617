"""Strategy components at the level users see: share of voice, reach, cost."""

from __future__ import annotations

import pytest

from model.runner import load_scenario, run
from tests.conftest import SCENARIOS

SMALL = {"population.citizens": 400, "steps": 60}


def final(name: str, seed: int = 1, **overrides) -> dict:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml", {**SMALL, **overrides})
    return run(scenario, seed=seed).summary["final"]


def test_absent_party_has_no_voice_no_reach_no_cost():
    f = final("party_absent")
    assert f["share_of_voice"]["blue"] == 0.0
    assert f["reach"]["blue"] == 0.0
    assert f["cost"]["blue"] == 0.0
    assert f["share_of_voice"]["red"] > 0.0  # the rival's account is heard


def test_institution_gives_voice_and_reach():
    f = final("institution_only")
    assert f["share_of_voice_by_source"]["blue"]["institution"] > 0
    assert f["share_of_voice_by_source"]["blue"]["staff"] == 0
    assert f["reach"]["blue"] > 0


def test_staff_add_their_own_voice():
    f = final("staff_embedded")
    assert f["share_of_voice_by_source"]["blue"]["staff"] > 0
    assert f["active_champions"]["blue"] == 0


def test_champion_programme_gives_champion_voice():
    f = final("champion_driven")
    assert f["share_of_voice_by_source"]["blue"]["champion"] > 0
    assert f["active_champions"]["blue"] > 0


def test_paid_reach_costs_per_impression_read():
    """staff_embedded has no budget, so its paid reach is set directly. 0.1 of 400 citizens is
    40 sponsored posts a step, all read (no other party buys any), at 0.5 each: 20 a step, or
    50 per 1,000 citizens, for 60 steps; content (3 posts at 15) and staff cost the same."""
    without = final("staff_embedded", **{"parties.blue.institution.paid_reach": 0.0})
    with_paid = final("staff_embedded", **{"parties.blue.institution.paid_reach": 0.1})
    assert with_paid["reach"]["blue"] > without["reach"]["blue"]
    assert without["spend_paid_reach"]["blue"] == 0
    assert with_paid["spend_paid_reach"]["blue"] == pytest.approx(50 * 60)
    assert with_paid["cost"]["blue"] - without["cost"]["blue"] == pytest.approx(50 * 60)
    assert without["spend_content"]["blue"] == pytest.approx(3 * 15 * 60)


def test_equal_budget_scenario_spends_what_institution_only_spends():
    """The reference pair plans the same budget, spends no more than it, and the champion
    programme's under-spend (recruiting takes time) stays within 5 % over a full default run."""
    a = run(load_scenario(SCENARIOS / "institution_only.yaml"), seed=0).summary["final"]
    b = run(load_scenario(SCENARIOS / "champion_driven_equal_budget.yaml"), seed=0).summary["final"]
    budget = 60 * 365  # per 1,000 citizens
    assert a["planned"]["blue"] == pytest.approx(budget)
    assert b["planned"]["blue"] == pytest.approx(budget)
    assert a["cost"]["blue"] <= budget + 1e-6 and b["cost"]["blue"] <= budget + 1e-6
    assert b["cost"]["blue"] == pytest.approx(a["cost"]["blue"], rel=0.05)
