"""With parties off and trust 1, each classic rule behaves as its textbook model.

Quick checks at small N; the full published comparisons live in the validation suite.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.config import scenario_from_dict
from model.metrics import major_clusters
from model.sim import SocialWebModel


def textbook(rule: str, n: int, steps: int, network=None, **population):
    sc = scenario_from_dict(
        {
            "steps": steps,
            "parties": {},
            "mobilization": {"enabled": False},
            "network": network or {"kind": "complete"},
            "population": {"citizens": n, "openness_spread": 0.0, **population},
            "opinion": {"rule": rule, "rate": 0.5},
        }
    )
    return sc


def run_model(sc, seed):
    model = SocialWebModel(sc, seed=seed, agents="parties")
    x0 = model.population.x[:, 0].copy()
    for _ in range(sc.steps):
        model.step()
    return model, x0


def test_deffuant_conserves_mean_and_splits_into_floor_one_over_2d_clusters():
    # d = 0.2 on [0, 1] is 0.4 on [-1, 1]: floor(1 / (2 d)) = 2 major clusters
    sc = textbook("deffuant", 500, 60, openness=0.4)
    for seed in range(3):
        model, x0 = run_model(sc, seed)
        x = model.population.x[:, 0]
        assert x.mean() == pytest.approx(x0.mean(), abs=1e-12)
        assert major_clusters(x) == 2


def test_hegselmann_krause_reaches_consensus_above_threshold():
    sc = textbook("hegselmann_krause", 300, 30, openness=0.6)  # ε = 0.3 on [0, 1]
    for seed in range(3):
        model, _ = run_model(sc, seed)
        x = model.population.x[:, 0]
        assert x.max() - x.min() < 1e-9


def test_voter_model_keeps_two_opinions_and_reaches_consensus():
    sc = textbook("voter", 40, 400, initial_opinion="binary", positive_share=0.5)
    model, x0 = run_model(sc, 1)
    x = model.population.x[:, 0]
    assert set(np.unique(x0)) == {-1.0, 1.0}
    assert np.unique(x).size == 1 and abs(x[0]) == 1.0


def test_degroot_converges_to_stationary_weighted_mean():
    sc = textbook("degroot", 200, 400, network={"kind": "barabasi_albert", "mean_degree": 4})
    model, x0 = run_model(sc, 2)
    deg = model.graph.degree.astype(float)
    weights = (deg + 1.0) / (deg + 1.0).sum()  # left eigenvector of D^-1 (A + I)
    np.testing.assert_allclose(model.population.x[:, 0], weights @ x0, atol=1e-9)


def test_hegselmann_krause_matches_the_dense_textbook_update():
    """Step for step equal to x_i ← mean{x_j : |x_i - x_j| <= ε} over everyone, self included."""
    sc = textbook("hegselmann_krause", 150, 12, openness=0.5)
    model, x0 = run_model(sc, 4)
    x = x0.copy()
    for _ in range(sc.steps):
        close = np.abs(x[:, None] - x[None, :]) <= 0.5
        x = (close * x[None, :]).sum(axis=1) / close.sum(axis=1)
    np.testing.assert_allclose(model.population.x[:, 0], x, atol=1e-12)


def test_stop_at_convergence_ends_runs_early_and_only_when_converged():
    from model.runner import run

    voter = textbook("voter", 30, 5000, initial_opinion="binary")
    voter = scenario_from_dict(
        {**_as_dict(voter), "opinion": {**_as_dict(voter)["opinion"], "stop_at_convergence": True}}
    )
    result = run(voter, seed=3)
    assert result.summary["steps"] < 5000
    assert result.summary["final"]["polarization"] == 0.0  # consensus, not a quiet sweep
    hk = textbook("hegselmann_krause", 200, 500, openness=0.6)
    hk = scenario_from_dict(
        {**_as_dict(hk), "opinion": {**_as_dict(hk)["opinion"], "stop_at_convergence": True}}
    )
    assert run(hk, seed=0).summary["steps"] < 50


def _as_dict(scenario):
    from model.config import scenario_to_dict

    return scenario_to_dict(scenario)
