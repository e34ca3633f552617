"""Exact values of the poll and of party affinity (model/dynamics/polls.py) on hand-built
populations of a few citizens; every expected number is worked out by hand in the test.

Written against the surviving mutants of the mutation run (docs/TESTING.md): the turnout
formula, the division by the electorate, the abstention boundary, a party nobody prefers, and
affinity's room to move, backfire, clipping and party indexing."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model.config.schema import ElectionSpec
from model.dynamics import polls
from model.population import Parties, Population
from tests.hand_draws import hand_population


def people(x, *, parties: int, engagement=None, engaged=None, affinity=None) -> Population:
    """Citizens only (no staff), 1 issue, opinions ``x``."""
    return hand_population(
        np.asarray(x, dtype=float).reshape(-1, 1),
        parties=parties,
        engagement_base=engagement,
        engaged=engaged,
        affinity=affinity,
    )


def parties(*lines: float) -> Parties:
    p = len(lines)
    return Parties(
        names=[f"p{k}" for k in range(p)],
        line=np.asarray(lines, dtype=float).reshape(p, 1),
        followers=[np.zeros(0, np.int64)] * p,
        staff_rows=[np.zeros(0, np.int64)] * p,
        cumulative_cost=np.zeros(p),
        burnouts=np.zeros(p),
        recruits=np.zeros(p),
    )


# -- vote intention ----------------------------------------------------------------------------


def five_citizens() -> tuple[Population, ElectionSpec]:
    """The five citizens and the election of the vote-share test below (three parties at 0.25,
    -0.25 and -1: lines passed by each test)."""
    pop = people(
        [0.3, 0.2, -0.3, 0.9, -0.05],
        parties=3,
        engagement=[0.0, 0.5, 1.0, 0.25, 0.0],
        engaged=[False, False, False, False, True],
        affinity=[[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0.4, 0, 0]],
    )
    spec = ElectionSpec(
        affinity_weight=0.5, abstention_utility=-0.6, turnout_base=0.2, turnout_engaged=0.6
    )
    return pop, spec


def test_vote_share_is_expected_turnout_of_each_partys_voters_over_the_electorate():
    """Turnout base 0.2, engaged 0.6: turnout_i = 0.2 + 0.4·engagement_i, engagement 1 for the
    engaged citizen. Parties at 0.25 (blue), -0.25 (red), -1.0 (green, nobody's favourite).

    citizen  x      engagement  best (utility)                    turnout
    0        0.3    0           blue (-0.05)                      0.2
    1        0.2    0.5         blue (-0.05)                      0.4
    2       -0.3    1           red (-0.05)                       0.6
    3        0.9    0.25        blue (-0.65) < -0.6: abstains     -
    4       -0.05   engaged     blue (-0.3 + 0.5·0.4 = -0.1)
                                beats red (-0.2)                  0.6

    blue = (0.2 + 0.4 + 0.6) / 5 = 0.24, red = 0.6 / 5 = 0.12, green = 0."""
    pop, spec = five_citizens()
    got = polls.vote_intention(pop, parties(0.25, -0.25, -1.0), spec)
    assert got.shape == (3,)
    assert got == pytest.approx([0.24, 0.12, 0.0])


def test_a_citizen_exactly_at_the_abstention_utility_abstains():
    """A party must *beat* abstaining: a citizen at distance exactly 0.5 (x = 0.75, party 0.25;
    0.5 is exact in binary) with abstention utility -0.5 stays home; one at distance 0.25
    votes, with turnout 0.4 at engagement 0: share 0.4 / 2 = 0.2."""
    pop = people([0.75, 0.5], parties=1)
    spec = ElectionSpec(affinity_weight=0.0, abstention_utility=-0.5, turnout_base=0.4)
    assert polls.vote_intention(pop, parties(0.25), spec) == pytest.approx([0.2])
    looser = ElectionSpec(affinity_weight=0.0, abstention_utility=-0.51, turnout_base=0.4)
    assert polls.vote_intention(pop, parties(0.25), looser) == pytest.approx([0.4])


def test_no_parties_no_vote_shares():
    pop = people([0.1, -0.2], parties=0)
    got = polls.vote_intention(pop, parties(), ElectionSpec())
    assert got.shape == (0,)


# -- affinity ----------------------------------------------------------------------------------


def read(pop, spec, reader, party, trust, accepted, rejected, backfire_rate=0.0):
    polls.update_affinity(
        pop,
        np.asarray(reader, np.int64),
        np.asarray(party, np.int64),
        np.asarray(trust, float),
        np.asarray(accepted, bool),
        np.asarray(rejected, bool),
        spec,
        backfire_rate,
    )


def test_accepted_posts_fill_the_room_left_to_one_and_affinity_is_capped_at_one():
    """Rate 0.8, no decay. Reader 0 accepts two posts of party 0 (trust 1) from affinity 0.5:
    each adds 0.8·1·(1 - 0.5) = 0.4 (room taken before the step), 0.5 + 0.8 = 1.3, capped at
    1. Reader 1 accepts one post of party 1 with weight 0.5 from 0.6: 0.6 + 0.8·0.5·0.4 =
    0.76. Reader 2 accepts a post of no party (-1): no affinity moves."""
    pop = people([0, 0, 0], parties=2, affinity=[[0.5, 0.2], [0.4, 0.6], [0.0, 0.0]])
    spec = ElectionSpec(affinity_rate=0.8, affinity_decay=0.0)
    read(pop, spec, [1, 0, 0, 2], [1, 0, 0, -1], [0.5, 1, 1, 1], [True] * 4, [False] * 4)
    assert pop.affinity == pytest.approx(np.array([[1.0, 0.2], [0.4, 0.76], [0.0, 0.0]]))


def test_rejected_posts_backfire_in_proportion_to_affinity_and_stop_at_zero():
    """Backfire rate 0.6, no acceptance at all this step (so the rejected reads must still be
    applied). Reader 0 rejects two posts of party 0 (trust 1) from 0.5: each removes
    0.6·1·0.5 = 0.3, 0.5 - 0.6 = -0.1, floored at 0. Reader 1 rejects one post of party 1 with
    weight 0.5 from 0.6: 0.6 - 0.6·0.5·0.6 = 0.42."""
    pop = people([0, 0], parties=2, affinity=[[0.5, 0.2], [0.4, 0.6]])
    spec = ElectionSpec(affinity_rate=0.8, affinity_decay=0.0)
    read(pop, spec, [0, 0, 1], [0, 0, 1], [1, 1, 0.5], [False] * 3, [True] * 3, 0.6)
    assert pop.affinity == pytest.approx(np.array([[0.0, 0.2], [0.4, 0.42]]))


def test_a_single_affinity_decays():
    """One citizen, one party: affinity 0.8 with decay 0.5 is 0.4 after a step without reads
    (the early return is for worlds without parties only)."""
    pop = people([0.0], parties=1, affinity=[[0.8]])
    read(pop, ElectionSpec(affinity_decay=0.5), [], [], [], [], [])
    assert pop.affinity[0, 0] == pytest.approx(0.4)


def test_logit_choice_counts_expected_votes_over_parties_and_abstention():
    """election.choice logit, λ = 2, abstention utility -0.6, turnout 0.5 for everyone (base =
    engaged = 0.5). Parties at 0.5 and -0.5, no affinity.

    citizen 0 at x = 0.5: U = (0, -1), A = -0.6 → weights e^0 = 1, e^-2, e^-1.2;
        P(p0) = 1/(1 + e^-2 + e^-1.2), P(p1) = e^-2/(same)
    citizen 1 at x = 0: U = (-0.5, -0.5) → weights e^-1, e^-1, e^-1.2;
        P(p0) = P(p1) = e^-1/(2e^-1 + e^-1.2)
    shares = 0.5·(P0(k) + P1(k)) / 2 citizens. argmax would give (0.25 + tie → p0, 0)."""
    e = np.exp
    z0 = 1 + e(-2) + e(-1.2)
    z1 = 2 * e(-1) + e(-1.2)
    want = 0.5 * np.array([1 / z0 + e(-1) / z1, e(-2) / z0 + e(-1) / z1]) / 2
    spec = ElectionSpec(choice="logit", choice_scale=2.0, turnout_base=0.5, turnout_engaged=0.5)
    got = polls.vote_intention(people([0.5, 0.0], parties=2), parties(0.5, -0.5), spec)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    argmax = dataclasses.replace(spec, choice="argmax")
    got = polls.vote_intention(people([0.5, 0.0], parties=2), parties(0.5, -0.5), argmax)
    np.testing.assert_allclose(got, [0.5, 0.0])


def test_each_citizens_expected_vote_is_turnout_times_intention():
    """citizen_votes (the trial's per-citizen outcome): row i is turnout_i on the party i
    votes for under argmax (the population of the vote-share test above: blue 0.2, blue 0.4,
    red 0.6, abstains, blue 0.6; a citizen exactly at the abstention utility abstains), and
    turnout_i times each logit probability under logit (the
    two citizens of the logit test above, turnout 0.5)."""
    pop, spec = five_citizens()
    got = polls.citizen_votes(pop, parties(0.25, -0.25, -1.0), spec)
    want = [[0.2, 0, 0], [0.4, 0, 0], [0, 0.6, 0], [0, 0, 0], [0.6, 0, 0]]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    # exactly at the abstention utility stays home (distance 0.5, abstention -0.5; turnout 0.4)
    at = ElectionSpec(abstention_utility=-0.5)
    got = polls.citizen_votes(people([0.75, 0.5], parties=1), parties(0.25), at)
    np.testing.assert_array_equal(got, [[0.0], [0.4]])
    e = np.exp
    z0 = 1 + e(-2) + e(-1.2)
    z1 = 2 * e(-1) + e(-1.2)
    logit = ElectionSpec(choice="logit", choice_scale=2.0, turnout_base=0.5, turnout_engaged=0.5)
    got = polls.citizen_votes(people([0.5, 0.0], parties=2), parties(0.5, -0.5), logit)
    want = 0.5 * np.array([[1 / z0, e(-2) / z0], [e(-1) / z1, e(-1) / z1]])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_the_logit_stays_finite_at_the_sharpest_scale():
    """choice_probabilities at λ = 1000 (the largest the schema allows), three citizens, two
    parties, abstention utility -0.6: e^(λU) overflows unless each citizen's utilities are
    shifted by that citizen's own best (a shift by the overall best underflows a citizen whose
    options are all far below it). Exactly: U = (0.5, -0.5) → (1, 0); U = (-1.5, -2.0), all
    below abstaining by 0.9 or more → (0, 0); U = (0.4, 0.4) → (0.5, 0.5)."""
    spec = ElectionSpec(choice="logit", choice_scale=1000.0, abstention_utility=-0.6)
    utility = np.array([[0.5, -0.5], [-1.5, -2.0], [0.4, 0.4]])
    got = polls.choice_probabilities(utility, spec)
    np.testing.assert_array_equal(got, [[1.0, 0.0], [0.0, 0.0], [0.5, 0.5]])
