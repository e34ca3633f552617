"""Friedkin–Johnsen: averaging anchored to initial opinions (Friedkin & Johnsen 1999)."""

from __future__ import annotations

import numpy as np
import pytest

from model.config import scenario_from_dict
from model.sim import SocialWebModel


def world(**opinion) -> dict:
    return {
        "steps": 400,
        "population": {"citizens": 40, "activity_mean": 0.0},
        "network": {"kind": "watts_strogatz", "mean_degree": 4, "rewiring": 0.2},
        "mobilization": {"enabled": False},
        "parties": {},
        "opinion": {"rule": "friedkin_johnsen", "self_weight": 1.0, **opinion},
    }


def influence_matrix(model: SocialWebModel) -> np.ndarray:
    """W from the citizens' edges, written out independently of the rule: 1 per tie, the self
    weight on the diagonal, rows summing to 1."""
    g = model.citizen_graph
    n = model.population.citizens
    w = np.zeros((n, n))
    for i in range(n):
        for j in g.indices[g.indptr[i] : g.indptr[i + 1]]:
            w[i, j] += 1.0
    w[np.arange(n), np.arange(n)] += model.config.opinion.self_weight
    return w / w.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("lam", [0.5, 0.9])
def test_opinions_settle_at_the_closed_form_equilibrium(lam):
    model = SocialWebModel(scenario_from_dict(world(susceptibility=lam)), seed=3)
    x0 = model.population.x[:, 0].copy()
    w = influence_matrix(model)
    n = x0.size
    # x* = (I − ΛW)⁻¹ (I − Λ) x(0)  (Friedkin & Johnsen 1999)
    expected = np.linalg.solve(np.eye(n) - lam * w, (1 - lam) * x0)
    model.run()
    np.testing.assert_allclose(model.population.x[:, 0], expected, atol=1e-9)
    # stubbornness keeps disagreement alive: no consensus (DeGroot would give spread 0)
    assert np.ptp(expected) > 0.1


def test_susceptibility_one_is_degroot():
    fj = SocialWebModel(scenario_from_dict(world(susceptibility=1.0)), seed=4)
    data = world()
    data["opinion"] = {"rule": "degroot", "self_weight": 1.0}
    dg = SocialWebModel(scenario_from_dict(data), seed=4)
    for _ in range(50):
        fj.step()
        dg.step()
    np.testing.assert_array_equal(fj.population.x, dg.population.x)


def test_the_anchor_is_the_opinion_at_the_start_not_the_current_one():
    """Anchoring to the current opinion each step (a wrong implementation) would reach DeGroot's
    consensus; anchored to x(0), a citizen's stubborn share holds it apart."""
    model = SocialWebModel(scenario_from_dict(world(susceptibility=0.5)), seed=5)
    x0 = model.population.x[:, 0].copy()
    for _ in range(5):
        model.step()
    np.testing.assert_array_equal(model.rule.anchor[:, 0], x0)
    model.run()
    assert np.ptp(model.population.x[:, 0]) > 0.1


def _default_rule_world(anchoring: float):
    from tests.conftest import small

    return small(opinion={"anchoring": anchoring})


def test_full_anchoring_holds_every_citizen_at_its_initial_opinion():
    """opinion.anchoring = 1: whatever the posts read, each step ends where the citizen began."""
    model = SocialWebModel(_default_rule_world(1.0), seed=2)
    n = model.population.citizens
    x0 = model.population.x[:n].copy()
    for _ in range(10):
        model.step()
    np.testing.assert_allclose(model.population.x[:n], x0, atol=1e-12)


def test_partial_anchoring_keeps_opinions_closer_to_where_they_began():
    moved = {}
    for a in (0.0, 0.05):
        model = SocialWebModel(_default_rule_world(a), seed=2)
        n = model.population.citizens
        x0 = model.population.x[:n].copy()
        for _ in range(60):
            model.step()
        moved[a] = float(np.abs(model.population.x[:n] - x0).mean())
    assert moved[0.0] > 0.01  # the posts do move opinions here
    assert moved[0.05] < 0.7 * moved[0.0], moved
