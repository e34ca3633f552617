"""The discrete rules (q-voter, naming game): their kernels step by step, how they read party
posts, and the settings they need. Their published behaviour is in tests/validation."""

from __future__ import annotations

import numpy as np
import pytest

from model.config import ConfigError, scenario_from_dict
from model.dynamics.kernels import NOT_FROZEN, kernel
from model.dynamics.rules import make_rule
from model.network.csr import from_edges
from model.population import SOURCE_CITIZEN, SOURCE_STAFF
from model.sim import SocialWebModel


def star(leaves: int):
    """Citizen 0 tied to citizens 1..leaves."""
    return from_edges(leaves + 1, np.zeros(leaves, dtype=np.int64), np.arange(1, leaves + 1))


def draws(i: float, decide: float, *panel: float) -> np.ndarray:
    return np.array([[i, decide, *panel]])


@pytest.mark.parametrize("use_compiled", [True, False])
@pytest.mark.parametrize(
    "leaves, decide, p, anti, expected",
    [
        # conformist (u1 >= p) with a unanimous panel of +1 copies it
        ([1.0, 1.0, 1.0], 0.9, 0.2, False, 1.0),
        # conformist, panel split: no change
        ([1.0, -1.0, 1.0], 0.9, 0.2, False, -1.0),
        # independent and u1 < p/2: flips whatever the panel
        ([-1.0, -1.0, -1.0], 0.05, 0.2, False, 1.0),
        # independent and p/2 <= u1 < p: keeps its opinion
        ([1.0, 1.0, 1.0], 0.15, 0.2, False, -1.0),
        # anticonformist with a unanimous panel of -1 takes +1
        ([-1.0, -1.0, -1.0], 0.1, 0.2, True, 1.0),
        # anticonformist with a unanimous panel of +1 takes -1 (stays)
        ([1.0, 1.0, 1.0], 0.1, 0.2, True, -1.0),
    ],
)
def test_q_voter_update(use_compiled, leaves, decide, p, anti, expected):
    g = star(3)
    x = np.array([-1.0, *leaves])
    # i = 0 (u0 = 0.1 of 4 citizens), a panel of q = 3: neighbours 0, 1 and 2 of citizen 0
    kernel("q_voter_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, 3, p, anti, NOT_FROZEN, draws(0.1, decide, 0.1, 0.5, 0.9)
    )
    assert x[0] == expected
    np.testing.assert_array_equal(x[1:], leaves)  # only the picked citizen changes


@pytest.mark.parametrize("use_compiled", [True, False])
def test_q_voter_panel_is_drawn_with_repetition(use_compiled):
    """Three draws of the same neighbour (+1) make a unanimous panel, although the citizen's
    other neighbours hold -1."""
    g = star(3)
    x = np.array([-1.0, 1.0, -1.0, -1.0])
    kernel("q_voter_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, 3, 0.0, False, NOT_FROZEN, draws(0.1, 0.9, 0.1, 0.2, 0.3)
    )
    assert x[0] == 1.0


@pytest.mark.parametrize("use_compiled", [True, False])
@pytest.mark.parametrize(
    "speaker, listener, fraction, after",
    [
        (-1.0, 1.0, 0.0, (-1.0, 0.0)),  # A to a B-holder: the listener adds A
        (-1.0, 0.0, 0.0, (-1.0, -1.0)),  # A to an AB-holder: both keep A
        (0.0, 0.0, 0.75, (1.0, 1.0)),  # AB says B (second half of the fraction): both keep B
        (0.0, 1.0, 0.25, (0.0, 0.0)),  # AB says A to a B-holder: the listener adds A
        (0.0, -1.0, 0.25, (-1.0, -1.0)),  # AB says A to an A-holder: the speaker keeps A
    ],
)
def test_naming_game_interaction(use_compiled, speaker, listener, fraction, after):
    g = from_edges(2, np.array([0]), np.array([1]))
    x = np.array([speaker, listener])
    # speaker 0: u·2 = fraction in [0, 1); its one neighbour is 1; the fraction's half says B
    kernel("naming_game_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, NOT_FROZEN, np.array([fraction / 2])
    )
    np.testing.assert_array_equal(x, after)


@pytest.mark.parametrize("use_compiled", [True, False])
def test_naming_game_committed_speak_but_never_change(use_compiled):
    g = from_edges(2, np.array([0]), np.array([1]))
    x = np.array([1.0, -1.0])  # committed B speaker, A listener: the listener adds B
    frozen = np.array([True, False])
    kernel("naming_game_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, frozen, np.array([0.1])
    )
    np.testing.assert_array_equal(x, [1.0, 0.0])
    x = np.array([1.0, 0.0])  # 1 speaks: it holds both and says A (first half) to committed 0
    kernel("naming_game_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, frozen, np.array([0.5 + 0.1])
    )
    np.testing.assert_array_equal(x, [1.0, 0.0])  # 0 is committed: it does not add A


@pytest.mark.parametrize("use_compiled", [True, False])
def test_majority_group_takes_its_majority_and_draws_distinct_members(use_compiled):
    """Citizen 0 of a star with leaves +1, +1, -1: its group of three is itself and two distinct
    leaves. Draws 0.0 and 0.0 pick leaf slot 0, then the first slot not yet drawn (slot 1): the
    group is 0 (-1), 1 (+1), 2 (+1), so all three become +1 and leaf 3 keeps -1. Drawing with
    repetition would have picked leaf 1 twice."""
    g = star(3)
    x = np.array([-1.0, 1.0, 1.0, -1.0])
    kernel("majority_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, 3, NOT_FROZEN, np.array([[0.1, 0.0, 0.0]])
    )
    np.testing.assert_array_equal(x, [1.0, 1.0, 1.0, -1.0])
    # group 0, 3 and 1 (draws: slot 2, then slot 0 of the remaining 0, 1): -1, -1, +1 → all -1,
    # except citizen 1, committed
    x = np.array([-1.0, 1.0, 1.0, -1.0])
    frozen = np.array([False, True, False, False])
    kernel("majority_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, 3, frozen, np.array([[0.1, 0.9, 0.0]])
    )
    np.testing.assert_array_equal(x, [-1.0, 1.0, 1.0, -1.0])


@pytest.mark.parametrize("use_compiled", [True, False])
def test_majority_groups_are_uniform_over_distinct_pairs(use_compiled):
    """Hub 0 (committed at +1) with leaves 1 (+1), 2, 3, 4 (-1): a group of the hub and two
    distinct leaves flips leaf k to +1 exactly when the pair is {1, k}. Each of the 6 pairs has
    chance 1/6, so each of leaves 2-4 flips in 1/6 of 6,000 draws (1,000 ± 29); drawing with
    repetition would give 2/16 (750)."""
    g = star(4)
    frozen = np.array([True, False, False, False, False])
    rng = np.random.default_rng(0)
    flips = np.zeros(5)
    for _ in range(6000):
        x = np.array([1.0, 1.0, -1.0, -1.0, -1.0])
        u = np.array([[0.05, *rng.random(2)]])  # 0.05 · 5 citizens picks the hub
        kernel("majority_sweep", use_compiled=use_compiled)(x, g.indptr, g.indices, 3, frozen, u)
        flips += x == 1.0
    np.testing.assert_allclose(flips[2:], 1000, atol=4 * 29)


def ring(n: int):
    """Citizens 0..n-1 on a ring: i tied to i - 1 and i + 1."""
    a = np.arange(n)
    return from_edges(n, a, (a + 1) % n)


def _pick(i: int, j: int, g) -> float:
    """The uniform that makes the kernels draw citizen i and its neighbour j (see voter_sweep)."""
    n = g.indptr.size - 1
    start, deg = g.indptr[i], g.indptr[i + 1] - g.indptr[i]
    slot = list(g.indices[start : start + deg]).index(j)
    return (i + (slot + 0.5) / deg) / n


@pytest.mark.parametrize("use_compiled", [True, False])
def test_sznajd_agreeing_pair_converts_both_outer_neighbours(use_compiled):
    """Outflow on a ring of 6: the pair (2, 3) agrees at +1, so 1 and 4 (its outer neighbours)
    take +1 and the others (0, 5) keep -1; the pair (3, 2) — the same tie drawn from the other
    end — does the same."""
    g = ring(6)
    for i, j in ((2, 3), (3, 2)):
        x = np.array([-1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
        kernel("sznajd_sweep", use_compiled=use_compiled)(
            x, g.indptr, g.indices, NOT_FROZEN, np.array([_pick(i, j, g)])
        )
        np.testing.assert_array_equal(x, [-1.0, 1.0, 1.0, 1.0, 1.0, -1.0])


@pytest.mark.parametrize("use_compiled", [True, False])
def test_sznajd_disagreeing_pair_changes_nobody_and_committed_neighbours_hold(use_compiled):
    """A pair that disagrees (2 at +1, 3 at -1) converts nobody — the unanimous-pair rule, not
    "divided we fall" (which would set 1 to -1 and 4 to +1). An agreeing pair (2, 3) leaves a
    committed outer neighbour (4) alone and converts the other (1)."""
    g = ring(6)
    x = np.array([-1.0, 1.0, 1.0, -1.0, -1.0, 1.0])
    before = x.copy()
    sweep = kernel("sznajd_sweep", use_compiled=use_compiled)
    sweep(x, g.indptr, g.indices, NOT_FROZEN, np.array([_pick(2, 3, g)]))
    np.testing.assert_array_equal(x, before)
    x = np.array([-1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    frozen = np.array([False, False, False, False, True, False])
    sweep(x, g.indptr, g.indices, frozen, np.array([_pick(2, 3, g)]))
    np.testing.assert_array_equal(x, [-1.0, 1.0, 1.0, 1.0, -1.0, -1.0])


@pytest.mark.parametrize("use_compiled", [True, False])
def test_sznajd_pair_on_a_network_converts_every_neighbour_of_both(use_compiled):
    """Bernardes, Stauffer & Kertész's network version: the pair (0, 1) of a star-like graph
    (0 tied to 1, 2, 3; 1 tied to 4) agrees at -1 and converts 2, 3 and 4."""
    g = from_edges(5, np.array([0, 0, 0, 1]), np.array([1, 2, 3, 4]))
    x = np.array([-1.0, -1.0, 1.0, 1.0, 1.0])
    kernel("sznajd_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, NOT_FROZEN, np.array([_pick(0, 1, g)])
    )
    np.testing.assert_array_equal(x, -np.ones(5))


def _textbook(rule: str, **population):
    return scenario_from_dict(
        {
            "steps": 5,
            "parties": {},
            "mobilization": {"enabled": False},
            "population": {"citizens": 20, "initial_opinion": "binary", **population},
            "opinion": {"rule": rule, "rate": 1.0},
        }
    )


def test_q_voter_reads_take_the_side_of_a_party_post():
    """A party post at 0.6 is read as its side, +1 (never the value 0.6); a post at 0 moves
    nobody; citizens' posts are not read by the rule."""
    sc = _textbook("q_voter", positive_share=0.0)
    model = SocialWebModel(sc, seed=1, agents="parties")
    pop = model.population
    rule = make_rule(sc.opinion)
    reader = np.array([0, 1, 2])
    content = np.array([[0.6], [0.0], [0.6]])
    source = np.array([SOURCE_STAFF, SOURCE_STAFF, SOURCE_CITIZEN])
    rule.read(pop, reader, content, np.ones(3), source, np.random.default_rng(0))
    assert pop.x[0, 0] == 1.0 and pop.x[1, 0] == -1.0 and pop.x[2, 0] == -1.0


def test_naming_game_reads_are_interactions_with_the_party_as_speaker():
    sc = _textbook("naming_game", positive_share=0.0)
    model = SocialWebModel(sc, seed=1, agents="parties")
    pop = model.population
    pop.x[:3, 0] = [-1.0, 0.0, 1.0]
    rule = make_rule(sc.opinion)
    reader = np.array([0, 1, 2])
    content = np.full((3, 1), 0.4)  # a B post (above 0)
    rule.read(pop, reader, content, np.ones(3), np.full(3, SOURCE_STAFF), np.random.default_rng(0))
    np.testing.assert_array_equal(pop.x[:3, 0], [0.0, 1.0, 1.0])


@pytest.mark.parametrize("rule", ["q_voter", "naming_game", "majority", "sznajd"])
def test_discrete_rules_need_binary_opinions_on_one_issue(rule):
    with pytest.raises(ConfigError) as err:
        scenario_from_dict(
            {"population": {"issues": 2, "initial_opinion": "uniform"}, "opinion": {"rule": rule}}
        )
    text = "\n".join(err.value.problems)
    assert "population.issues: expected 1 with opinion.rule" in text
    assert "population.initial_opinion: expected binary with opinion.rule" in text


def test_erdos_renyi_may_lie_below_the_percolation_threshold_other_kinds_may_not():
    sc = scenario_from_dict(
        {"population": {"citizens": 2000}, "network": {"kind": "erdos_renyi", "mean_degree": 0.5}}
    )
    model = SocialWebModel(sc, seed=1, agents="parties")
    degree = np.diff(model.citizen_graph.indptr)
    assert 0.4 < degree.mean() < 0.6 and np.mean(degree == 0) > 0.5  # mostly isolated: e^-0.5
    with pytest.raises(ConfigError, match="network.mean_degree: expected >= 1 for watts_strogatz"):
        scenario_from_dict({"network": {"kind": "watts_strogatz", "mean_degree": 0.5}})


def _hn_state(cat, edges, n):
    from model.dynamics.rules import _linked_lists

    owner = np.array([e for pair in edges for e in pair], dtype=np.int64)
    head, nxt, prv, deg = _linked_lists(owner, n)
    cat = np.array(cat, dtype=np.int64)
    ghead, gnext, gprev, gcount = _linked_lists(cat, int(cat.max()) + 1)
    return cat, owner, nxt, prv, head, deg, gnext, gprev, ghead, gcount


def _ties(owner):
    return sorted(tuple(sorted(p)) for p in owner.reshape(-1, 2).tolist())


@pytest.mark.parametrize("use_compiled", [True, False])
def test_holme_newman_rewires_to_a_like_minded_citizen(use_compiled):
    """Citizens 0-3 in a path 0-1, 1-2, 2-3; opinions 0: a, 1: b, 2: b, 3: a. Citizen 0 rewires
    its only tie (to 1) to the one other citizen of its opinion, 3: ties 0-3, 1-2, 2-3; nobody's
    opinion changes, citizen 0 keeps its degree."""
    state = _hn_state([0, 1, 1, 0], [(0, 1), (1, 2), (2, 3)], 4)
    u = np.array([[0.1, 0.0, 0.0, 0.0, *[0.99] * 8]])  # i = 0, rewire (0 < φ), list pick
    kernel("holme_newman_sweep", use_compiled=use_compiled)(*state, 0.5, NOT_FROZEN, u)
    cat, owner, deg = state[0], state[1], state[5]
    assert _ties(owner) == [(0, 3), (1, 2), (2, 3)]
    np.testing.assert_array_equal(cat, [0, 1, 1, 0])
    np.testing.assert_array_equal(deg, [1, 1, 2, 2])


@pytest.mark.parametrize("use_compiled", [True, False])
def test_holme_newman_copies_when_it_does_not_rewire_and_never_doubles_a_tie(use_compiled):
    state = _hn_state([0, 1, 1, 0], [(0, 1), (1, 2), (2, 3), (0, 3)], 4)
    # i = 0, u1 = 0.9 >= φ: copy its tie number 0 (to 1): opinion b
    kernel("holme_newman_sweep", use_compiled=use_compiled)(
        *state, 0.5, NOT_FROZEN, np.array([[0.1, 0.9, 0.0, 0.0, *[0.99] * 8]])
    )
    np.testing.assert_array_equal(state[0], [1, 1, 1, 0])
    np.testing.assert_array_equal(state[9], [1, 3])  # category sizes follow
    # now 3 (opinion a) is alone in a: no like-minded citizen, the rewiring does nothing
    before = _ties(state[1])
    kernel("holme_newman_sweep", use_compiled=use_compiled)(
        *state, 0.5, NOT_FROZEN, np.array([[0.9, 0.0, 0.0, 0.0, *[0.99] * 8]])
    )
    assert _ties(state[1]) == before
    # 1 (opinion b) moves a tie to 0 or 2, but is tied to both already: nothing doubles
    kernel("holme_newman_sweep", use_compiled=use_compiled)(
        *state, 0.5, NOT_FROZEN, np.array([[0.3, 0.0, 0.0, 0.0, *[0.99] * 8]])
    )
    assert _ties(state[1]) == before


def test_holme_newman_model_keeps_ties_and_rebuilds_the_graph():
    sc = scenario_from_dict(
        {
            "steps": 20,
            "parties": {},
            "mobilization": {"enabled": False},
            "network": {"kind": "erdos_renyi", "mean_degree": 4},
            "population": {"citizens": 300, "initial_opinion": "categories", "categories": 30},
            "opinion": {"rule": "holme_newman", "rewire_rate": 0.5},
        }
    )
    model = SocialWebModel(sc, seed=4, agents="parties")
    first = model.citizen_graph
    ties = first.indices.size
    model.run()
    g = model.citizen_graph
    assert g is not first and g.indices.size == ties and model.graph is g
    assert not np.array_equal(g.indices, first.indices)
    assert np.all(g.rows != g.indices)  # no self-loops
    x = model.population.x[:300, 0]
    across = np.count_nonzero(x[g.rows] != x[g.indices])
    assert (
        across
        < np.count_nonzero(
            model.population.x[:300, 0][first.rows] != model.population.x[:300, 0][first.indices]
        )
        or across == 0
    )


def test_holme_newman_runs_in_textbook_mode_only():
    with pytest.raises(ConfigError, match="runs in textbook mode: expected no parties"):
        scenario_from_dict(
            {
                "population": {"initial_opinion": "categories", "categories": 10},
                "opinion": {"rule": "holme_newman"},
                "parties": {"blue": {"position": 0.5}},
            }
        )


@pytest.mark.parametrize("use_compiled", [True, False])
@pytest.mark.parametrize("draw, partner", [(0.6, 1), (0.7, 2)])
def test_algorithmic_bias_picks_partners_in_proportion_to_distance_to_the_minus_gamma(
    use_compiled, draw, partner
):
    """Hub 0 at 0, leaves at 0.1 and 0.2: with γ = 1 their weights are 10 and 5, so a draw below
    2/3 picks leaf 1 and above it leaf 2; the pair meets (openness 1) and both move halfway."""
    g = star(2)
    x = np.array([0.0, 0.1, 0.2])
    kernel("algorithmic_bias_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, np.ones(1), 0.5, 1.0, 1e-4, NOT_FROZEN, np.array([[0.1, draw]])
    )
    mid = x[partner]
    assert x[0] == pytest.approx(mid) and mid == pytest.approx(0.05 * partner)
