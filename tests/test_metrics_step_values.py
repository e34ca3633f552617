"""Exact values of the per-step outcomes that step_metrics (model/metrics.py) reads off the
model's state — engagement, turnout, the movement, share of voice, party lines, influence by
sender — for a hand-built state of four citizens and one staff member; every expected number
is worked out in the test.

Written against the metrics survivors docs/TESTING.md lists (engaged, turnout,
movement_members, citizens' share_of_voice, party_line, news and second-party influence,
party_influence_share below a total of 1, a step with a single read), and, at the end, the
clusters outcome's 5 % boundary and major_clusters' gap argument."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.config.plan import CHANNELS
from model.metrics import major_clusters, opinion_metrics, step_metrics
from model.population import (
    CHAMPION,
    CITIZEN,
    SOURCE_CHAMPION,
    SOURCE_CITIZEN,
    SOURCE_INSTITUTION,
    SOURCE_MOVEMENT,
    SOURCE_NEWS,
    STAFF,
    Population,
)
from tests.hand_draws import hand_population


def state() -> Population:
    """Citizens 0-3 (row 2 red's champion) and blue's staff member (row 4), two issues."""
    return hand_population(
        [[-0.5, 0.1], [0.5, 0.2], [0.5, -0.3], [0.9, 0.0], [0.25, 0.25]],
        parties=2,
        citizens=4,
        engaged=[True, False, True, False, True],  # staff: engaged, not counted
        role=[CITIZEN, CITIZEN, CHAMPION, CITIZEN, STAFF],
        party=[-1, -1, 1, -1, 0],
        member=[False, True, False, False, False],
    )


def measure(pop: Population, influence) -> dict:
    """Eight reads this step: two citizens' posts, one news item, one movement post, three
    blue institution posts and one post of red's champion."""
    party = np.array([-1, -1, -1, -1, 0, 0, 0, 1])
    source = np.array(
        [SOURCE_CITIZEN, SOURCE_CITIZEN, SOURCE_NEWS, SOURCE_MOVEMENT]
        + [SOURCE_INSTITUTION] * 3
        + [SOURCE_CHAMPION]
    )
    zeros = np.zeros((2, len(CHANNELS)))
    return step_metrics(
        pop,
        ["blue", "red"],
        vote=np.array([0.3, 0.25]),
        read_party=party,
        read_source=source,
        reach_window=3,
        step=10,
        spend=zeros,
        planned=zeros,
        cumulative_cost=np.zeros(2),
        burnouts=np.zeros(2),
        recruits=np.zeros(2),
        line=np.array([[0.3, -0.7], [-0.2, 0.6]]),
        influence=np.asarray(influence, dtype=float),
        elections_won=np.array([2, 1]),
    )


def test_engagement_turnout_and_the_movement_are_shares_of_the_citizens():
    """Citizens 0 and 2 of four are engaged (the engaged staff member is not a citizen):
    0.5; one member of four: 0.25; expected votes 0.3 + 0.25: turnout 0.55, abstention
    0.45."""
    m = measure(state(), [0, 0, 0, 0])
    assert m[("engaged", "", "")] == pytest.approx(0.5)
    assert m[("movement_members", "", "")] == pytest.approx(0.25)
    assert m[("turnout", "", "")] == pytest.approx(0.55)
    assert m[("abstention", "", "")] == pytest.approx(0.45)
    assert m[("vote_share", "red", "")] == pytest.approx(0.25)


def test_share_of_voice_by_sender_and_party_lines_on_the_first_issue():
    """Of eight reads: citizens 2/8, news 1/8, movement 1/8, blue's institution 3/8, red's
    champion 1/8, every other cell 0. Lines are read on the first issue: blue 0.3, red
    -0.2 (not -0.7 or 0.6, their second issue)."""
    m = measure(state(), [0, 0, 0, 0])
    assert m[("posts_read", "", "")] == 8.0
    assert m[("share_of_voice", "", "citizen")] == pytest.approx(2 / 8)
    assert m[("share_of_voice", "", "news")] == pytest.approx(1 / 8)
    assert m[("share_of_voice", "", "movement")] == pytest.approx(1 / 8)
    assert m[("share_of_voice", "blue", "institution")] == pytest.approx(3 / 8)
    assert m[("share_of_voice", "red", "champion")] == pytest.approx(1 / 8)
    assert m[("share_of_voice", "blue", "champion")] == 0.0
    assert m[("share_of_voice", "red", "institution")] == 0.0
    assert m[("party_line", "blue", "")] == pytest.approx(0.3)
    assert m[("party_line", "red", "")] == pytest.approx(-0.2)
    assert m[("active_champions", "red", "")] == 1.0
    assert m[("active_champions", "blue", "")] == 0.0
    assert m[("elections_won", "blue", "")] == 2.0
    assert m[("elections_won", "red", "")] == 1.0


def test_influence_per_citizen_by_sender_and_the_parties_share_of_it():
    """Influence so far [citizens 0.4, news 0.2, blue 0.1, red 0.06] over four citizens:
    0.1, 0.05, 0.025, 0.015. Parties' share 0.16 / 0.76 — a total below 1 still counts; with
    no influence at all the share is undefined (NaN)."""
    m = measure(state(), [0.4, 0.2, 0.1, 0.06])
    assert m[("influence", "", "citizen")] == pytest.approx(0.1)
    assert m[("influence", "", "news")] == pytest.approx(0.05)
    assert m[("influence", "blue", "")] == pytest.approx(0.025)
    assert m[("influence", "red", "")] == pytest.approx(0.015)
    assert m[("party_influence_share", "", "")] == pytest.approx(0.16 / 0.76)
    none = measure(state(), [0, 0, 0, 0])
    assert math.isnan(none[("party_influence_share", "", "")])


def test_a_single_read_is_all_of_the_share_of_voice():
    """A quiet step with one read, a post of blue's institution: blue's institution has all
    of the voice (1/1), citizens none."""
    zeros = np.zeros((2, len(CHANNELS)))
    m = step_metrics(
        state(),
        ["blue", "red"],
        vote=np.zeros(2),
        read_party=np.array([0]),
        read_source=np.array([SOURCE_INSTITUTION]),
        reach_window=3,
        step=10,
        spend=zeros,
        planned=zeros,
        cumulative_cost=np.zeros(2),
        burnouts=np.zeros(2),
        recruits=np.zeros(2),
        line=np.zeros((2, 2)),
        influence=np.zeros(4),
        elections_won=np.zeros(2),
    )
    assert m[("share_of_voice", "blue", "institution")] == 1.0
    assert m[("share_of_voice", "", "citizen")] == 0.0


def test_the_clusters_outcome_counts_a_cluster_of_exactly_five_percent_and_no_smaller_one():
    """Nineteen citizens at 0 and one at 1: the lone one is exactly 5 % of twenty, a cluster
    that counts (2). Twenty-nine at 0 and one at 1: 1/30 < 5 %, it does not (1)."""
    assert opinion_metrics(np.r_[np.zeros(19), 1.0])["clusters"] == 2.0
    assert opinion_metrics(np.r_[np.zeros(29), 1.0])["clusters"] == 1.0


def test_major_clusters_splits_at_the_gap_it_is_given():
    """0, 0.2, 0.4, 0.6 (gaps 0.2): four clusters at the default gap 0.1, one at gap 0.3."""
    x = np.array([0.0, 0.2, 0.4, 0.6])
    assert major_clusters(x) == 4
    assert major_clusters(x, gap=0.3) == 1
