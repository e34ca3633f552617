"""The poll (model/dynamics/polls.py): gaps found by the seventh mutation round (issue 13).

- ``election.choice: argmax`` with three or more issues takes the vectorised NumPy path (the
  compiled ``argmax_vote`` serves one or two issues): its best party, the strict abstention
  boundary, the turnout weights and the division by the electorate, none of which any test with
  one or two issues reaches.
- Staff rows sit after the citizens; the utilities of the NumPy and logit paths must be the
  citizens' only (the electorate), as the compiled path's are.
- ``use_compiled`` reaches the compiled path: the default runs the kernel, ``False`` its
  plain-Python twin.

Expected values worked out by hand in each test (helpers of tests/dynamics/test_polls_values.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import model.dynamics.polls as polls
from model.config.schema import ElectionSpec
from model.population import CITIZEN, STAFF
from tests.dynamics.test_polls_values import five_citizens, parties
from tests.hand_draws import hand_population


def in_three_issues(pop, extra_staff: bool = True):
    """The same citizens with each opinion repeated on three issues (so every RMS distance is
    the one-issue distance: the mean of three equal squares is that square), plus a staff
    member at the end who is not in the electorate."""
    x = np.repeat(pop.x[: pop.citizens], 3, axis=1)
    role = [CITIZEN] * pop.citizens
    fields = {
        "engagement_base": pop.engagement_base,
        "engaged": pop.engaged,
        "affinity": pop.affinity,
    }
    if extra_staff:
        x = np.vstack([x, [[-1.0, -1.0, -1.0]]])
        role.append(STAFF)
        fields = {name: np.concatenate([value, value[:1] * 0]) for name, value in fields.items()}
    return hand_population(x, parties=pop.affinity.shape[1], role=role, **fields)


def lines3(*lines: float):
    out = parties(*lines)
    out.line = np.repeat(out.line, 3, axis=1)
    return out


def test_argmax_with_three_issues_counts_expected_turnout_over_the_electorate():
    """The five citizens of the one-issue test (test_polls_values), on three equal issues, and
    a staff member at -1 (green's line): blue (0.2 + 0.4 + 0.6) / 5 = 0.24, red 0.6 / 5 =
    0.12, green 0 — the staff member neither votes for green nor counts in the electorate.
    Citizen 3 (utility -0.65 < -0.6) abstains; citizen 4's affinity 0.4 · 0.5 tips it to blue."""
    pop, spec = five_citizens()
    got = polls.vote_intention(in_three_issues(pop), lines3(0.25, -0.25, -1.0), spec)
    assert got.shape == (3,)
    assert got == pytest.approx([0.24, 0.12, 0.0], abs=1e-15)


def test_argmax_with_three_issues_abstains_exactly_at_the_abstention_utility():
    """Distances exact in binary: 0.5 and 0.25 on each of three issues (RMS 0.5 and 0.25).
    Abstention utility -0.5: the first citizen (utility exactly -0.5) stays home, the second
    votes with turnout 0.4 — share 0.4 / 2; at -0.51 both vote: 0.8 / 2."""
    pop = hand_population([[0.75] * 3, [0.5] * 3], parties=1)
    tight = ElectionSpec(affinity_weight=0.0, abstention_utility=-0.5, turnout_base=0.4)
    assert polls.vote_intention(pop, lines3(0.25), tight) == pytest.approx([0.2], abs=1e-15)
    loose = ElectionSpec(affinity_weight=0.0, abstention_utility=-0.51, turnout_base=0.4)
    assert polls.vote_intention(pop, lines3(0.25), loose) == pytest.approx([0.4], abs=1e-15)


def test_the_third_issue_decides_a_vote():
    """Parties equal on issues 1 and 2, apart on issue 3 (0 and 1); a citizen at (0, 0, 0.9)
    is 0.9 from the first and 0.1 from the second on issue 3: it votes for the second (a vote
    counted on two issues would be a tie, won by the first). Turnout 1, abstention -1: shares
    [0, 1]."""
    pop = hand_population([[0.0, 0.0, 0.9]], parties=2)
    two = parties(0.0, 0.0)
    two.line = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    spec = ElectionSpec(affinity_weight=0.0, abstention_utility=-1.0, turnout_base=1.0)
    np.testing.assert_array_equal(polls.vote_intention(pop, two, spec), [0.0, 1.0])


def test_logit_utilities_are_the_citizens_only():
    """Logit with a staff member after the citizens: the shares are the citizens' own (the
    same as without the staff row), never a shape error or the staff member's choice."""
    pop, _ = five_citizens()
    spec = ElectionSpec(
        choice="logit",
        choice_scale=4.0,
        affinity_weight=0.5,
        abstention_utility=-0.6,
        turnout_base=0.2,
        turnout_engaged=0.6,
    )
    with_staff = polls.vote_intention(in_three_issues(pop), lines3(0.25, -0.25, -1.0), spec)
    without = polls.vote_intention(
        in_three_issues(pop, extra_staff=False), lines3(0.25, -0.25, -1.0), spec
    )
    np.testing.assert_array_equal(with_staff, without)


def test_use_compiled_reaches_the_vote_kernel(monkeypatch):
    """One issue, argmax: the default asks for the compiled ``argmax_vote``, ``use_compiled=
    False`` for its twin; both give the one-issue test's shares."""
    asked = []
    real = polls.kernel

    def spy(name, **kwargs):
        asked.append((name, kwargs.get("use_compiled", "kernel's default")))
        return real(name, **kwargs)

    monkeypatch.setattr(polls, "kernel", spy)
    pop, spec = five_citizens()
    lines = parties(0.25, -0.25, -1.0)
    assert polls.vote_intention(pop, lines, spec) == pytest.approx([0.24, 0.12, 0.0])
    assert polls.vote_intention(pop, lines, spec, use_compiled=False) == pytest.approx(
        [0.24, 0.12, 0.0]
    )
    assert asked == [("argmax_vote", True), ("argmax_vote", False)]
