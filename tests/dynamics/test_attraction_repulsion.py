"""The attraction–repulsion rule (Jager & Amblard 2005): its kernel against a sequential
reference loop written here and fed the same draws, hand-worked encounters at each zone's
boundary, the T ≥ 2 limit (a one-sided Deffuant), and the rule through the model's API."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model import SocialWebModel, scenario_from_dict
from model.config.load import ConfigError
from model.config.schema import OpinionSpec
from model.dynamics.kernels import NOT_FROZEN, kernel
from model.dynamics.rules import RULES, AttractionRepulsion
from model.network.csr import from_edges
from tests.hand_draws import hand_population, keyed_encounters


def complete_graph(n):
    u, v = np.triu_indices(n, 1)
    return from_edges(n, u, v)


def reference(x, indptr, indices, accept, reject, rate, keys, frozen=None):
    """Jager & Amblard's encounters, one at a time: step s's draws (SplitMix64 of its key) pick
    i and its neighbour (``keyed_encounters``); only i moves — toward j by μ·gap if the gap is
    below U_i, away by μ·gap if above T_i (then clipped to [-1, 1])."""
    x = x.copy()
    n = x.size
    for key in keys:
        for i, k in keyed_encounters(int(key), n, indptr):
            if k is None or (frozen is not None and frozen[i]):
                continue
            j = indices[indptr[i] + k]
            gap = x[j] - x[i]
            if abs(gap) < accept[i]:
                x[i] += rate * gap
            elif abs(gap) > reject[i]:
                x[i] = min(1.0, max(-1.0, x[i] - rate * gap))
    return x


def sweep(x, g, accept, reject, rate, keys, *, frozen=NOT_FROZEN, use_compiled=False):
    moved = np.zeros(len(keys))
    kernel("attraction_repulsion_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, accept, reject, rate, frozen, keys, np.empty(x.size), moved
    )
    return moved


KEYS = np.array([11, 12, 13, 14, 15, 16], dtype=np.uint64)


@pytest.mark.parametrize("use_compiled", [True, False])
@pytest.mark.parametrize("u_value, t_value", [(0.3, 0.5), (0.2, 1.2), (0.6, 2.0)])
def test_kernel_equals_the_reference_loop(use_compiled, u_value, t_value):
    """30 citizens on the complete graph, six steps: bit for bit the reference's attitudes
    (shared U and T), and the movement it reports is the attitudes' total change per step.
    The scenarios exercise each zone: at T = 0.5 most pairs repel, so some attitudes hit ±1."""
    rng = np.random.default_rng(3)
    g = complete_graph(30)
    x0 = rng.uniform(-1, 1, 30)
    want = reference(x0, g.indptr, g.indices, np.full(30, u_value), np.full(30, t_value), 0.1, KEYS)
    x = x0.copy()
    moved = sweep(x, g, np.array([u_value]), np.array([t_value]), 0.1, KEYS, use_compiled=True)
    np.testing.assert_array_equal(x, want)
    assert moved.sum() >= np.abs(x - x0).sum() - 1e-12 and np.all(moved > 0)
    if t_value < 1:
        assert np.any(np.abs(x) == 1.0)  # repulsion ran and was clipped
    # the twin agrees with the compiled kernel
    y = x0.copy()
    sweep(y, g, np.array([u_value]), np.array([t_value]), 0.1, KEYS, use_compiled=use_compiled)
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("use_compiled", [True, False])
def test_per_citizen_thresholds_and_committed_citizens_follow_the_reference(use_compiled):
    """U_i, T_i drawn per citizen (a few with U_i > T_i: assimilation wins), citizens 0 and 5
    committed: they never move, others still meet them."""
    rng = np.random.default_rng(4)
    g = complete_graph(20)
    x0 = rng.uniform(-1, 1, 20)
    accept = rng.uniform(0.1, 0.8, 20)
    reject = rng.uniform(0.3, 1.5, 20)
    frozen = np.zeros(20, dtype=np.bool_)
    frozen[[0, 5]] = True
    want = reference(x0, g.indptr, g.indices, accept, reject, 0.3, KEYS, frozen)
    x = x0.copy()
    sweep(x, g, accept, reject, 0.3, KEYS, frozen=frozen, use_compiled=use_compiled)
    np.testing.assert_array_equal(x, want)
    assert x[0] == x0[0] and x[5] == x0[5] and not np.array_equal(x, x0)


def key_picking(*picks):
    """A key whose draws pick the citizens ``picks`` in order among N = len(picks)."""
    n = len(picks)
    for key in range(1, 100_000):
        if [i for i, _ in keyed_encounters(key, n, np.zeros(n + 1, dtype=np.int64))] == list(picks):
            return np.array([key], dtype=np.uint64)
    raise AssertionError("no key found")


# citizens 0 - 1 tied, 2 isolated: a step's three encounters are 0 meeting 1, then two draws of
# the isolated citizen, which change nothing
PAIR_AND_LONER = from_edges(3, np.array([0]), np.array([1]))
ONE_ENCOUNTER = key_picking(0, 2, 2)


@pytest.mark.parametrize("use_compiled", [True, False])
@pytest.mark.parametrize(
    "xj, want",
    [
        (0.25, 0.125),  # gap 1/4 < U = 3/8: i moves μ·gap toward j
        (0.375, 0.0),  # gap 3/8 = U, not below: non-commitment (T = 1/2)
        (0.5, 0.0),  # gap 1/2 = T, not above: non-commitment
        (0.75, -0.375),  # gap 3/4 > T: i moves μ·gap away from j
    ],
)
def test_one_encounter_in_each_zone_moves_only_the_drawn_citizen(use_compiled, xj, want):
    """Citizen 0 at 0 meets citizen 1 at x_j, μ = 1/2, U = 3/8, T = 1/2; the partner never
    moves."""
    x = np.array([0.0, xj, 0.0])
    moved = sweep(
        x, PAIR_AND_LONER, np.array([0.375]), np.array([0.5]), 0.5, ONE_ENCOUNTER,
        use_compiled=use_compiled,
    )  # fmt: skip
    np.testing.assert_array_equal(x, [want, xj, 0.0])
    assert moved[0] == abs(want)


@pytest.mark.parametrize("use_compiled", [True, False])
def test_contrast_is_clipped_at_the_end_of_the_scale(use_compiled):
    """x_i = -0.9 meets x_j = 0.9 (gap 1.8 > T = 1), μ = 1/2: -0.9 − 0.9 = -1.8 is clipped to
    -1."""
    x = np.array([-0.9, 0.9, 0.0])
    sweep(
        x, PAIR_AND_LONER, np.array([0.2]), np.array([1.0]), 0.5, ONE_ENCOUNTER,
        use_compiled=use_compiled,
    )  # fmt: skip
    np.testing.assert_array_equal(x, [-1.0, 0.9, 0.0])


@pytest.mark.parametrize("use_compiled", [True, False])
def test_t_at_the_scale_width_is_a_one_sided_deffuant(use_compiled):
    """T = 2: no gap on [-1, 1] exceeds it, so the rule is Deffuant's encounter with only the
    drawn citizen moving: a one-sided bounded-confidence loop written here from the same draws.
    At T = 1 the same draws give other attitudes (repulsion acts)."""
    rng = np.random.default_rng(5)
    g = complete_graph(40)
    x0 = rng.uniform(-1, 1, 40)
    want = x0.copy()
    for key in KEYS:
        for i, k in keyed_encounters(int(key), 40, g.indptr):
            j = g.indices[g.indptr[i] + k]
            if abs(want[j] - want[i]) < 0.5:
                want[i] += 0.3 * (want[j] - want[i])
    x = x0.copy()
    sweep(x, g, np.array([0.5]), np.array([2.0]), 0.3, KEYS, use_compiled=use_compiled)
    np.testing.assert_array_equal(x, want)
    y = x0.copy()
    sweep(y, g, np.array([0.5]), np.array([1.0]), 0.3, KEYS, use_compiled=use_compiled)
    assert not np.array_equal(y, want)


def spec(**given):
    return dataclasses.replace(OpinionSpec(), **given)


def test_the_rule_is_registered_and_its_peer_step_runs_the_kernel_on_pop_thresholds():
    """Citizens' U (openness) and T (rejection) per row: the peer step equals the reference
    from the step's key (one 64-bit draw of the update stream)."""
    assert RULES["attraction_repulsion"] is AttractionRepulsion
    rng = np.random.default_rng(6)
    x0 = rng.uniform(-1, 1, 12)
    accept = rng.uniform(0.2, 0.6, 12)
    reject = accept + 0.3
    pop = hand_population(x0.copy(), openness=accept, rejection=reject)
    g = complete_graph(12)
    rule = AttractionRepulsion(spec(rule="attraction_repulsion", rate=0.2), use_compiled=False)
    key = np.random.default_rng(7).integers(0, 2**64, size=1, dtype=np.uint64)
    moved = rule.peer_step(pop, g, np.random.default_rng(7))
    want = reference(x0, g.indptr, g.indices, accept, reject, 0.2, key)
    np.testing.assert_array_equal(pop.x[:, 0], want)
    assert moved == pytest.approx(np.abs(want - x0).sum(), rel=1e-12)


def scenario(**opinion):
    return scenario_from_dict(
        {
            "steps": 6,
            "parties": {},
            "population": {
                "citizens": 60,
                "openness": 0.3,
                "openness_spread": 0.0,
                "rejection": 0.5,
                "activity_mean": 0.0,
            },
            "network": {"kind": "complete"},
            "mobilization": {"enabled": False},
            "opinion": {"rule": "attraction_repulsion", "rate": 0.1, **opinion},
            "output": {"every": 6},
        }
    )


def test_fused_steps_equal_stepping_one_by_one():
    """Six steps in one kernel call (nothing else acts) leave the attitudes and the influence
    that six single steps leave, from the same seed."""
    fused = SocialWebModel(scenario(), seed=3)
    fused.run()
    single = SocialWebModel(scenario(), seed=3)
    for _ in range(6):
        single.step()
    np.testing.assert_array_equal(fused.population.x, single.population.x)
    assert fused.influence[0] == pytest.approx(single.influence[0], rel=1e-12)
    assert np.mean(np.abs(fused.population.x) == 1.0) > 0  # T = 0.5: some reach the poles


def test_more_than_one_issue_is_refused():
    with pytest.raises(ConfigError, match="expected 1 with opinion.rule attraction_repulsion"):
        scenario_from_dict(
            {
                "parties": {},
                "population": {"citizens": 10, "issues": 2},
                "opinion": {"rule": "attraction_repulsion"},
            }
        )
