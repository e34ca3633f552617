"""The poll's compiled pass (``kernels.argmax_vote``, used by ``polls.vote_intention`` under
``election.choice: argmax`` with one or two issues): the same shares, bit for bit, as the
vote model of docs/MODEL.md step 6 written out here with NumPy — utilities −RMS distance +
β·affinity, the best party (the first on a tie), abstention when its utility does not beat
``abstention_utility``, turnout-weighted, over the whole electorate."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model.dynamics import polls
from model.dynamics.kernels import kernel
from model.population import Population
from tests.hand_draws import hand_population

# turnout given: the engagement arguments the pass then leaves alone
GIVEN = (np.zeros(0, np.bool_), np.zeros(0), 0.0, 0.0)


def vote(compiled):
    """argmax_vote with each citizen's turnout given."""
    run = kernel("argmax_vote", use_compiled=compiled)
    return lambda *args: run(*args, *GIVEN)


def shares(x, line, affinity, weight, turnout, abstention):
    """docs/MODEL.md step 6 in NumPy: the oracle."""
    gap = x[:, None, :] - line[None, :, :]  # (n, P, K)
    utility = -np.sqrt((gap * gap).sum(axis=2) / x.shape[1]) + weight * affinity
    best = np.argmax(utility, axis=1)
    votes = utility[np.arange(x.shape[0]), best] > abstention
    out = np.zeros(line.shape[0])
    for i in np.flatnonzero(votes):  # in citizen order, as a running sum
        out[best[i]] += turnout[i]
    return out / x.shape[0]


def electorate(seed: int, n: int, issues: int, parties: int):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, issues))
    line = rng.uniform(-1, 1, (parties, issues))
    affinity = rng.uniform(0, 1, (n, parties))
    turnout = rng.uniform(0.3, 0.9, n)
    return x, line, affinity, turnout


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "twin"])
@pytest.mark.parametrize("issues", [1, 2])
@pytest.mark.parametrize("parties", [1, 2, 4])
def test_shares_equal_the_vote_model_bit_for_bit(compiled, issues, parties):
    x, line, affinity, turnout = electorate(issues * 10 + parties, 3000, issues, parties)
    for weight, abstention in ((0.3, -0.6), (0.0, -0.4), (1.0, -10.0)):
        got = vote(compiled)(x, line, affinity, weight, turnout, abstention)
        want = shares(x, line, affinity, weight, turnout, abstention)
        assert got.tolist() == want.tolist()
        # abstention binds: with a bar of −0.1 and no affinity, only citizens within 0.1 of a
        # party line vote, so the shares sum to well under the mean turnout
        strict = vote(compiled)(x, line, affinity, 0.0, turnout, -0.1)
        assert strict.tolist() == shares(x, line, affinity, 0.0, turnout, -0.1).tolist()
        assert strict.sum() < 0.6 * turnout.mean()


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "twin"])
def test_a_tie_goes_to_the_first_party_and_the_bar_is_strict(compiled):
    # every citizen at 0, two parties at ±0.5: equal utilities, so party 0 takes every vote;
    # the utility is exactly -0.5, so an abstention utility of -0.5 keeps everyone home
    x = np.zeros((10, 1))
    line = np.array([[-0.5], [0.5]])
    affinity = np.zeros((10, 2))
    turnout = np.full(10, 0.5)
    run = vote(compiled)
    assert run(x, line, affinity, 1.0, turnout, -0.6).tolist() == [0.5, 0.0]
    assert run(x, line, affinity, 1.0, turnout, -0.5).tolist() == [0.0, 0.0]
    # affinity breaks the tie toward the second party for the citizens who hold it
    affinity[:4, 1] = 0.1
    assert run(x, line, affinity, 1.0, turnout, -0.6).tolist() == [0.3, 0.2]


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "twin"])
def test_turnout_made_in_the_pass_is_the_polls_turnout(compiled):
    """Without turnouts given, the pass computes each citizen's as ``polls._turnout`` does,
    base + (engaged − base)·engagement (1 when mobilised, the baseline otherwise): the shares
    those turnouts give, bit for bit — staff rows past the citizens left out."""
    x, line, affinity, _ = electorate(3, 400, 1, 2)
    rng = np.random.default_rng(4)
    engaged = rng.random(410) < 0.3
    base = rng.uniform(0, 1, 410)
    pop: Population = hand_population(
        np.vstack([x, np.zeros((10, 1))]), parties=2, citizens=400,
        engaged=engaged, engagement_base=base,
    )  # fmt: skip
    spec = SimpleNamespace(turnout_base=0.35, turnout_engaged=0.85)
    turnout = polls._turnout(pop, spec)
    assert turnout.size == 400 and len(set(turnout.tolist())) > 2
    got = kernel("argmax_vote", use_compiled=compiled)(
        x, line, affinity, 0.3, np.zeros(0), -0.6, engaged, base, 0.35, 0.85 - 0.35
    )
    assert got.tolist() == shares(x, line, affinity, 0.3, turnout, -0.6).tolist()
