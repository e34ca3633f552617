"""Mutation-testing round six: the metrics survivors that were real gaps (issue 13)."""

import warnings

import numpy as np

from model.config.plan import CHANNELS
from model.metrics import CONSENSUS_VARIANCE, _bimodality, opinion_metrics, step_metrics
from model.population import CITIZEN, STAFF
from tests.hand_draws import hand_population


def test_largest_cluster_of_one_opinion_is_the_whole_population():
    """largest_cluster is the biggest gap cluster's share of the n opinions: one opinion is
    one cluster holding all of them, a share of 1."""
    out = opinion_metrics(np.array([0.3]))
    assert out["clusters"] == 1.0
    assert out["largest_cluster"] == 1.0


def test_largest_cluster_of_no_opinions_is_zero():
    """With no opinions there are no clusters: largest_cluster is 0 (the max over an empty
    set of sizes starts from 0), not an error and not a whole share."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of no opinions is NaN
        out = opinion_metrics(np.array([], dtype=np.float64))
    assert out["clusters"] == 0.0
    assert out["largest_cluster"] == 0.0


def test_consensus_cut_is_strictly_below_the_threshold():
    """The consensus short-cut (coefficient 0) applies to a variance strictly below
    CONSENSUS_VARIANCE; at the threshold itself Sarle's coefficient is computed."""
    a = 1e-12
    d = np.array([-a, -a, a, a])
    d2 = d * d
    n = 4
    m2 = CONSENSUS_VARIANCE
    g1 = 0.0  # symmetric deviations
    g2 = float((d2 * d2).sum()) / n / m2**2 - 3.0
    expected = (g1 * g1 + 1.0) / (g2 + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    got = _bimodality(d, d2, m2)
    assert got != 0.0
    assert np.isclose(got, expected, rtol=1e-9)


def _measure(pop, influence):
    """step_metrics of ``pop`` with no reads and two parties' zero plans (the influence given)."""
    zeros = np.zeros((2, len(CHANNELS)))
    return step_metrics(
        pop,
        ["blue", "red"],
        vote=np.array([0.3, 0.25]),
        read_party=np.zeros(0, dtype=np.int64),
        read_source=np.zeros(0, dtype=np.int64),
        reach_window=3,
        step=10,
        spend=zeros,
        planned=zeros,
        cumulative_cost=np.zeros(2),
        burnouts=np.zeros(2),
        recruits=np.zeros(2),
        line=np.zeros((2, 2)),
        influence=np.asarray(influence, dtype=float),
        elections_won=np.array([0, 0]),
    )


def test_influence_of_a_single_citizen_is_not_halved():
    """Influence per citizen divides by the citizen count n_c (floored at 1 only for none):
    one citizen gets all of it."""
    pop = hand_population(
        [[0.1, 0.0], [0.2, 0.0]], parties=2, citizens=1, role=[CITIZEN, STAFF], party=[-1, 0]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = _measure(pop, [0.4, 0.2, 0.1, 0.06])
    assert m[("influence", "", "citizen")] == 0.4
    assert m[("influence", "", "news")] == 0.2


def test_movement_members_with_no_citizens_is_zero():
    """movement_members is the members' share of the citizens; with no citizens it is 0,
    not NaN (the mean of nothing) and not 1."""
    pop = hand_population(
        [[0.1, 0.0]], parties=2, citizens=0, role=[STAFF], party=[0], member=[False]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = _measure(pop, [0.0, 0.0, 0.0, 0.0])
    assert m[("movement_members", "", "")] == 0.0
