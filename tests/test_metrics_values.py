"""The opinion and reach outcomes' exact values (model/metrics.py), against oracles computed
here — written for the survivors docs/TESTING.md lists for metrics: Sarle's bimodality, cluster
sizes and their boundaries, largest_cluster, opinion_sd, and reach's recent window."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model.config.load import scenario_from_dict
from model.metrics import (
    CLUSTER_GAP,
    bimodality,
    cluster_sizes,
    major_clusters,
    opinion_metrics,
)
from model.sim import SocialWebModel


@pytest.mark.parametrize("n", [4, 5, 12, 200])
def test_bimodality_is_sarles_sample_coefficient(n):
    """b = (g1² + 1) / (g2 + 3(n − 1)² / ((n − 2)(n − 3))), g1 and g2 the moment skewness and
    excess kurtosis (SAS Institute 1990; Pfister et al. 2013), from scipy.stats."""
    x = np.random.default_rng(n).normal(size=n) ** 3
    g1 = stats.skew(x, bias=True)
    g2 = stats.kurtosis(x, fisher=True, bias=True)
    expected = (g1**2 + 1) / (g2 + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    assert bimodality(x) == pytest.approx(expected, rel=1e-12)


def test_bimodality_of_two_modes_exceeds_five_ninths_and_of_a_consensus_is_zero():
    two = np.r_[np.full(50, -0.8), np.full(50, 0.8)] + np.linspace(0, 0.01, 100)
    assert bimodality(two) > 5 / 9
    assert bimodality(np.full(30, 0.2)) == 0.0  # no spread: no modes to tell apart
    assert np.isnan(bimodality(np.array([0.1, 0.5, 0.9])))  # n < 4: undefined


def test_cluster_sizes_split_only_at_gaps_wider_than_the_threshold():
    x = np.array([0.9, 0.0, 0.31, 0.05, 0.3])  # sorted gaps 0.05, 0.25, 0.01, 0.59
    assert cluster_sizes(x).tolist() == [2, 2, 1]
    # a gap of exactly CLUSTER_GAP does not split (strictly wider does)
    assert cluster_sizes(np.array([0.0, CLUSTER_GAP])).tolist() == [2]
    assert cluster_sizes(np.array([0.0, CLUSTER_GAP + 1e-9])).tolist() == [1, 1]
    empty = cluster_sizes(np.zeros(0))
    assert empty.size == 0 and empty.dtype == np.int64
    # the gap argument is used: with 0.3 the first three points are one cluster
    assert cluster_sizes(x, gap=0.3).tolist() == [4, 1]


def test_a_cluster_of_exactly_the_major_share_counts():
    x = np.r_[np.zeros(19), 1.0]  # the lone opinion is exactly 5 % of 20
    assert major_clusters(x, share=0.05) == 2
    assert major_clusters(x, share=0.06) == 1


def test_opinion_metrics_values():
    x = np.r_[np.full(6, -0.5), np.full(3, 0.5), [0.9]]
    got = opinion_metrics(x)
    assert got["mean_opinion"] == pytest.approx(x.mean())
    assert got["opinion_sd"] == pytest.approx(np.sqrt(np.mean((x - x.mean()) ** 2)))
    assert got["polarization"] == pytest.approx(np.var(x))
    # -0.5 ×6 | 0.5 ×3 | 0.9: three groups, each at least 5 % of ten citizens
    assert got["clusters"] == 3.0
    assert got["largest_cluster"] == pytest.approx(0.6)


def test_reach_counts_reads_within_the_recent_window_inclusive():
    sc = scenario_from_dict(
        {
            "name": "r",
            "population": {"citizens": 10},
            "network": {"kind": "complete"},
            "feed": {"recent_window": 7},
            "parties": {"blue": {"position": [0.5]}, "red": {"position": [-0.5]}},
        }
    )
    model = SocialWebModel(sc)
    pop = model.population
    model.step_count = 10
    # window 7 at step 10: steps 4..10 are recent, 3 is not
    pop.last_party_read[:10, 0] = [10, 4, 3, 3, 5, -5, 4, 9, 2, 1]
    pop.last_party_read[:10, 1] = [3, 3, 3, 3, 3, 3, 3, 3, 3, 4]
    m = model._measure()
    assert m[("reach", "blue", "")] == pytest.approx(5 / 10)
    assert m[("reach", "red", "")] == pytest.approx(1 / 10)
