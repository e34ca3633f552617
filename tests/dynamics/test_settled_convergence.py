"""``opinion.convergence: settled`` — bounded confidence's absorbing state as the end of a run
(deffuant, algorithmic_bias): no tie joins two opinions that are more than the tolerance and
less than the moving end's ε apart. The oracle is a loop over every pair written here."""

from __future__ import annotations

import numpy as np
import pytest

from model.config import scenario_from_dict
from model.sim import SocialWebModel

TOL = 1e-6


def scenario(rule: str = "algorithmic_bias", **over):
    opinion = {
        "rule": rule,
        "rate": 0.5,
        "stop_at_convergence": True,
        "convergence_tolerance": TOL,
        "convergence": "settled",
        **over.pop("opinion", {}),
    }
    spec = {
        "steps": 20000,
        "population": {
            "citizens": 40,
            "openness": 0.4,
            "openness_spread": 0.0,
            "activity_mean": 0.0,
            **over.pop("population", {}),
        },
        "network": over.pop("network", {"kind": "complete"}),
        "mobilization": {"enabled": False},
        "opinion": opinion,
        "output": {"every": 20000},
        "parties": {},
    }
    return scenario_from_dict(spec)


def live_pairs(x: np.ndarray, eps: np.ndarray, ties: set[tuple[int, int]]) -> list:
    """Ties (i, j) along which an encounter still moves i by more than nothing: TOL < d < ε_i."""
    return [(i, j) for i, j in ties if TOL < abs(x[i] - x[j]) < eps[i]]


def ties_of(model) -> set[tuple[int, int]]:
    g = model.peer_graph
    return {(i, int(j)) for i in range(g.n) for j in g.indices[g.indptr[i] : g.indptr[i + 1]]}


def stepped(sc, seed: int = 1):
    model = SocialWebModel(sc, seed=seed, agents="parties")
    model.step()
    return model


def crafted_states(n: int, rng: np.random.Generator):
    """Clusters mostly more than ε = 0.4 apart (now and then closer), citizens on their
    cluster's centre, within the tolerance of it, or (rarely) straggling up to 0.3 away."""
    for _ in range(60):
        gaps = np.where(rng.random(4) < 0.8, rng.uniform(0.41, 0.5, 4), rng.uniform(0.1, 0.3, 4))
        centres = -1 + np.cumsum(gaps)
        x = centres[rng.integers(0, centres.size, size=n)]
        kind = rng.choice(3, size=n, p=[0.8, 0.18, 0.02])
        x = x + np.where(kind == 1, TOL / 4, 0.0) * rng.random(n)
        x = x + np.where(kind == 2, 0.3, 0.0) * rng.random(n)
        yield np.clip(x, -1, 1)


@pytest.mark.parametrize(
    "where",
    [
        {},  # complete graph, one ε: the sorted shortcut
        {"network": {"kind": "watts_strogatz", "mean_degree": 4, "rewiring": 0.1}},  # the ties
        {"population": {"openness_spread": 0.05}},  # one ε per citizen
    ],
    ids=["complete", "sparse", "own_eps"],
)
def test_settled_is_no_live_tie(where):
    """For 60 clustered states, settled exactly when no tie is live (the pair loop above), on
    the complete graph with one ε, a sparse graph, and with ε per citizen."""
    model = stepped(scenario(**where))
    eps = np.broadcast_to(model.population.openness[: model.population.citizens], (40,))
    ties = ties_of(model)
    seen = {True: 0, False: 0}
    for x in crafted_states(40, np.random.default_rng(3)):
        state = x[:, None].copy()
        expected = not live_pairs(x, eps, ties)
        assert model.rule.converged(state, state, TOL) == expected, x
        seen[expected] += 1
    assert seen[True] >= 5 and seen[False] >= 5, seen  # both answers exercised


def test_a_quiet_step_is_not_settled():
    """Two opinions 0.1 apart (ε = 0.4) that did not meet this step: quiet says the run is over,
    settled does not; one of them 0.45 away from every other opinion: settled."""
    model = stepped(scenario(population={"citizens": 6}))
    x = np.array([[-0.9], [-0.9], [0.0], [0.1], [0.9], [0.9]])
    quiet = scenario(population={"citizens": 6}, opinion={"convergence": "quiet"})
    assert stepped(quiet).rule.converged(x, x, TOL)
    assert not model.rule.converged(x, x, TOL)
    x[3] = 0.45
    assert model.rule.converged(x, x, TOL)


def test_a_strongly_biased_run_ends_settled_and_later_than_a_quiet_one():
    """γ = 1 on 40 citizens: a sweep of near-equal pairs is quiet, so the quiet criterion stops
    while hundreds of ties are still live (13 sweeps); the settled run goes on until none is."""
    runs = {}
    for end in ("quiet", "settled"):
        sc = scenario(population={"citizens": 40}, opinion={"bias": 1.0, "convergence": end})
        model = SocialWebModel(sc, seed=7, agents="parties")
        model.run()
        x = model.population.x[:40, 0]
        eps = np.full(40, 0.4)
        runs[end] = (model.step_count, live_pairs(x, eps, ties_of(model)))
    (quiet_steps, quiet_live), (settled_steps, settled_live) = runs["quiet"], runs["settled"]
    assert quiet_live, "the quiet run happened to end settled: pick a seed where it does not"
    assert settled_live == []
    assert quiet_steps < settled_steps < 20000  # ended by the criterion, not the cap


def test_settled_needs_a_bounded_confidence_rule(tmp_path):
    from model.config.load import ConfigError, load_scenario

    path = tmp_path / "voter.yaml"
    path.write_text(
        "opinion: {rule: voter, stop_at_convergence: true, convergence: settled}\n"
        "population: {initial_opinion: binary}\n"
    )
    with pytest.raises(ConfigError, match=r"opinion\.convergence.*expected quiet"):
        load_scenario(path)


def ring_of_six(tol: float = TOL):
    """Six citizens on a ring (ties 0-1, 1-2, ..., 5-0), ε = 0.4, after one step."""
    sc = scenario(
        population={"citizens": 6},
        network={"kind": "watts_strogatz", "mean_degree": 2, "rewiring": 0.0},
    )
    model = stepped(sc)
    assert ties_of(model) == {(i, (i + d) % 6) for i in range(6) for d in (1, 5)}
    return model


def test_a_tie_at_epsilon_beside_a_tolerance_pair_is_not_settled():
    """Ring 0-1-2-3-4-5: x_1 is exactly ε from x_0 (no tie live) but within the tolerance of
    x_2, so an encounter 1-2 moves x_1 closer to x_0 than ε and 0 and 1 then merge (a move of
    0.2). No tie is live, yet the state is not absorbing: settled must wait."""
    model = ring_of_six()
    x = np.array([[0.0], [0.4], [0.4 - TOL / 2], [0.4 - TOL / 2], [0.81], [-0.5]])
    assert not live_pairs(x[:, 0], np.full(6, 0.4), ties_of(model))
    assert not model.rule.converged(x, x, TOL)
    model.population.x[:6] = x
    for _ in range(200):  # what the engine then does: 0 and 1 meet and merge
        model.step()
    assert np.abs(model.population.x[:6] - x).max() > 0.1


def test_a_tie_beyond_epsilon_plus_the_groups_spread_is_settled():
    """The same ring with the group {1, 2, 3} spread over TOL/2 and x_1 more than ε + TOL/2 from
    x_0: nothing the group does can bring 1 within ε of 0, so the state is settled."""
    model = ring_of_six()
    x = np.array([[0.0], [0.4 + TOL], [0.4 + TOL / 2], [0.4 + TOL / 2], [0.81], [-0.5]])
    assert model.rule.converged(x, x, TOL)


SETTLED = "opinion: {rule: deffuant, stop_at_convergence: true, convergence: settled%s}\n"


@pytest.mark.parametrize(
    "body",
    [
        SETTLED % ", anchoring: 0.1" + "parties: {}\n",
        SETTLED % "" + "parties: {}\nnews: {positions: [0.5]}\n",
    ],
    ids=["anchoring", "news"],
)
def test_settled_is_refused_where_something_else_moves_opinions(tmp_path, body):
    """Settled is the peer process's absorbing state: with anchoring or news posts moving
    opinions too, a state without live ties is no end (one line, the key path)."""
    from model.config.load import ConfigError, load_scenario

    path = tmp_path / "settled.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=r"opinion\.convergence: expected quiet with parties"):
        load_scenario(path)
