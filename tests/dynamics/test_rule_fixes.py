"""Under the classic rules, staff stay out of the citizens' peer process.

Staff (rows >= ``pop.citizens``) hold the party line and act through their posts, once; they
must neither pull citizens inside the peer process (the Hegselmann–Krause complete-graph
shortcut used to average over every row) nor keep the voter model from reporting consensus
(its convergence check used to compare staff rows too). Expected values are computed here by
hand, never by calling the code under test.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model.config import scenario_from_dict
from model.network.csr import from_edges
from model.sim import SocialWebModel

LINE = 1.0  # an extreme party line, held by the one staff member


def with_silent_staff(rule: str, citizens: int, *, steps: int = 1, **opinion) -> object:
    """One party with one staff member who never posts and has no ties: anything the staff
    member does to citizens can only come through the peer process."""
    return scenario_from_dict(
        {
            "steps": steps,
            "parties": {
                "red": {
                    "position": [LINE],
                    "staff": {"per_1000": 1000 / citizens, "activity": 0.0, "ties": 0},
                }
            },
            "mobilization": {"enabled": False},
            "network": {"kind": "complete"},
            "population": {
                "citizens": citizens,
                "openness": 0.5,
                "openness_spread": 0.0,
                "activity_mean": 0.0,
            },
            "opinion": {"rule": rule, **opinion},
        }
    )


def textbook_hk(x: list[float], eps: float) -> list[float]:
    """One synchronous HK step over the given opinions, self included, |x_i - x_j| <= ε."""
    out = []
    for xi in x:
        near = [xj for xj in x if abs(xi - xj) <= eps]
        out.append(sum(near) / len(near))
    return out


def complete_graph(n: int, *, flagged: bool):
    u, v = np.triu_indices(n, 1)
    graph = from_edges(n, u, v)
    return dataclasses.replace(graph, complete=True) if flagged else graph


@pytest.mark.parametrize("flagged", [True, False], ids=["shortcut", "edge-by-edge"])
def test_hk_on_a_complete_graph_averages_over_citizens_only(flagged):
    n = 12
    sc = with_silent_staff("hegselmann_krause", n)
    # citizens near the party line: the staff member at 1.0 sits inside their ε = 0.5 window
    x0 = np.linspace(-0.9, 0.95, n)
    model = SocialWebModel(
        sc, seed=0, agents="parties", opinions=x0, graph=complete_graph(n, flagged=flagged)
    )
    staff = model.parties.staff_rows[0]
    assert staff.tolist() == [n] and model.population.x[n, 0] == LINE
    model.step()
    expected = textbook_hk(x0.tolist(), 0.5)
    np.testing.assert_allclose(model.population.x[:n, 0], expected, rtol=0, atol=1e-12)
    assert model.population.x[n, 0] == LINE  # staff hold the line


def test_hk_shortcut_is_used_by_the_complete_generator_and_ignores_staff():
    n = 40
    sc = with_silent_staff("hegselmann_krause", n, steps=5)
    x0 = np.random.default_rng(7).uniform(-1.0, 1.0, n)
    model = SocialWebModel(sc, seed=3, agents="parties", opinions=x0)
    assert model.citizen_graph.complete
    x = x0.tolist()
    for _ in range(sc.steps):
        model.step()
        x = textbook_hk(x, 0.5)
    np.testing.assert_allclose(model.population.x[:n, 0], x, rtol=0, atol=1e-12)


def test_voter_consensus_among_citizens_is_convergence_whatever_staff_hold():
    n = 20
    sc = with_silent_staff("voter", n, steps=50, stop_at_convergence=True)
    agreed = np.full(n, -1.0)  # every citizen at -1, the staff member at +1
    model = SocialWebModel(sc, seed=0, agents="parties", opinions=agreed)
    assert model.population.x[n, 0] == LINE
    model.run()
    assert model.converged
    assert model.step_count == 1


def test_voter_without_consensus_among_citizens_is_not_converged():
    n = 20
    sc = with_silent_staff("voter", n, steps=1, stop_at_convergence=True)
    split = np.where(np.arange(n) < n // 2, -1.0, 1.0)
    model = SocialWebModel(sc, seed=0, agents="parties", opinions=split)
    model.step()
    x = model.population.x[:n, 0]
    assert model.converged == (np.unique(x).size == 1)
    assert not model.converged  # one sweep of 20 copies from a 10/10 split leaves both sides
