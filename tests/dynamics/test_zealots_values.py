"""Exact committed citizens (model/dynamics/zealots.py) for hand-built populations: how many are
committed at +1, at -1 and at their own opinion, which ones (the first of the zealots' own
stream's permutation), the listed file, and which staff and champions join them each step.

Written against the surviving mutants of the mutation run (issue 13): each share's rounded
count and slice, the opinions set (every issue), the stream's name, the listed citizens' range,
and the champions and staff switches (alone and together)."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.load import scenario_from_dict
from model.dynamics.zealots import commit, frozen
from model.network.io import EdgeListError
from model.population import CHAMPION, CITIZEN, STAFF
from model.rng import party_stream
from tests.hand_draws import hand_population

SEED = 17


def scenario(**zealots):
    return scenario_from_dict(
        {
            "name": "hand",
            "steps": 5,
            "parties": {},
            "population": {"citizens": 10},
            "network": {"mean_degree": 4},
            "opinion": {"rule": "deffuant", "zealots": zealots},
        }
    )


def twelve():
    """Ten citizens with two issues, opinions (0.1·i, -0.05·i), and two staff rows."""
    i = np.arange(12)
    x = np.stack([0.1 * i - 0.55, -0.05 * i], axis=1)
    role = [CITIZEN] * 10 + [STAFF] * 2
    return hand_population(x, role=role, party=[-1] * 10 + [0, 0])


def test_shares_commit_rounded_counts_in_the_order_of_the_zealots_own_stream():
    """N = 10: share_plus 0.2 → 2, share_minus 0.1 → 1, share_own 0.25 → round(2.5) = 2 (half
    to even). The ("zealots", "citizens") stream's permutation of the ten citizens, perm: the
    first 2 are set to +1 on both issues, the next 1 to -1, the next 2 keep their opinions; 5
    committed citizens, no staff row, everyone else untouched."""
    pop = twelve()
    x0 = pop.x.copy()
    mask = commit(scenario(share_plus=0.2, share_minus=0.1, share_own=0.25), pop, SEED)
    perm = party_stream(SEED, "zealots", "citizens").permutation(10)
    plus, minus, own, free = perm[:2], perm[2:3], perm[3:5], perm[5:]
    assert mask.shape == (12,) and mask.dtype == bool
    assert sorted(np.flatnonzero(mask).tolist()) == sorted(perm[:5].tolist())
    np.testing.assert_array_equal(pop.x[plus], 1.0)
    np.testing.assert_array_equal(pop.x[minus], -1.0)
    np.testing.assert_array_equal(pop.x[own], x0[own])
    np.testing.assert_array_equal(pop.x[free], x0[free])
    np.testing.assert_array_equal(pop.x[10:], x0[10:])


def test_only_minus_and_own_shares():
    """share_plus 0: nobody at +1; share_minus 0.3 → 3 at -1 (the first three of perm), then
    share_own 0.15 → round(1.5) = 2 at their own opinions."""
    pop = twelve()
    x0 = pop.x.copy()
    mask = commit(scenario(share_minus=0.3, share_own=0.15), pop, SEED)
    perm = party_stream(SEED, "zealots", "citizens").permutation(10)
    np.testing.assert_array_equal(pop.x[perm[:3]], -1.0)
    np.testing.assert_array_equal(pop.x[perm[3:]], x0[perm[3:]])
    assert sorted(np.flatnonzero(mask).tolist()) == sorted(perm[:5].tolist())
    assert not np.any(pop.x == 1.0)


def test_shares_that_round_to_more_than_everyone_commit_everyone():
    """0.36, 0.36 and 0.28 (sum 1): counts 4, 4, 3 — eleven of ten citizens; all ten are
    committed, the first 4 of perm at +1, the next 4 at -1, the last 2 at their own."""
    pop = twelve()
    x0 = pop.x.copy()
    mask = commit(scenario(share_plus=0.36, share_minus=0.36, share_own=0.28), pop, SEED)
    perm = party_stream(SEED, "zealots", "citizens").permutation(10)
    np.testing.assert_array_equal(mask, [True] * 10 + [False] * 2)
    np.testing.assert_array_equal(pop.x[perm[:4]], 1.0)
    np.testing.assert_array_equal(pop.x[perm[4:8]], -1.0)
    np.testing.assert_array_equal(pop.x[perm[8:]], x0[perm[8:]])


def test_no_share_commits_nobody_and_changes_nothing():
    """All shares 0 (or rounding to 0: 0.04 · 10 = 0.4): an all-False mask, opinions kept."""
    pop = twelve()
    x0 = pop.x.copy()
    mask = commit(scenario(share_plus=0.04), pop, SEED)
    np.testing.assert_array_equal(mask, np.zeros(12, bool))
    np.testing.assert_array_equal(pop.x, x0)


def test_a_file_commits_the_listed_citizens_at_their_own_opinions(tmp_path):
    """Listed citizens 9 and 2 join the drawn ones (share_plus 0.1: perm[0] at +1); a listed
    index of 10 — the first staff row, not a citizen — is refused."""
    path = tmp_path / "z.txt"
    path.write_text("9\n2\n")
    pop = twelve()
    x0 = pop.x.copy()
    mask = commit(scenario(share_plus=0.1, path=str(path)), pop, SEED)
    first = party_stream(SEED, "zealots", "citizens").permutation(10)[0]
    assert set(np.flatnonzero(mask).tolist()) == {9, 2, int(first)}
    for row in {9, 2} - {int(first)}:
        np.testing.assert_array_equal(pop.x[row], x0[row])
    path.write_text("10\n")
    with pytest.raises(EdgeListError, match=r"\[0, 9\], got 10"):
        commit(scenario(path=str(path)), twelve(), SEED)


def step_people():
    """Rows: citizen, champion, staff, champion, citizen, staff."""
    role = [CITIZEN, CHAMPION, STAFF, CHAMPION, CITIZEN, STAFF]
    return hand_population([0.0] * 6, role=role, party=[-1, 0, 0, 1, -1, 1], citizens=4)


@pytest.mark.parametrize(
    "champions, staff, expected",
    [
        (False, False, [True, False, False, False, False, False]),
        (True, False, [True, True, False, True, False, False]),
        (False, True, [True, False, True, False, False, True]),
        (True, True, [True, True, True, True, False, True]),
    ],
)
def test_this_steps_committed_rows_add_champions_and_staff_when_switched_on(
    champions, staff, expected
):
    """Committed citizen 0; the switches add the current champions (rows 1, 3) and the staff
    (rows 2, 5); the mask chosen at the start is not changed in place."""
    committed = np.array([True, False, False, False, False, False])
    out = frozen(scenario(champions=champions, staff=staff), step_people(), committed)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(committed, [True, False, False, False, False, False])
