"""The keyed one-issue Deffuant sweep and fused steps (issue 14).

The sweep draws its encounters from SplitMix64 seeded by one key per step and, for arrays beyond
the caches, runs them through a look-ahead pipeline; ``model.run(k)`` runs the steps between two
recorded ones in one call.
Each is checked against an oracle written here: SplitMix64 from its published algorithm and
first outputs, a sequential Deffuant loop, and the same model stepped one by one through Mesa.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import SocialWebModel, scenario_from_dict
from model.dynamics.kernels import (
    LAG,
    LOOKAHEAD_BYTES,
    NO_DRAWS,
    NO_KEYS,
    NO_WORK,
    NOT_FROZEN,
    kernel,
    looks_ahead,
)
from model.network.csr import from_edges
from tests.hand_draws import four_lane_sum, keyed_encounters, splitmix64

BOTH = pytest.mark.parametrize("use_compiled", [True, False])


def reference_deffuant(x, indptr, indices, openness, rate, frozen, draws):
    """Deffuant encounters one after the other, written from docs/MODEL.md: i = ⌊u·N⌋, the
    neighbour ⌊f·deg(i)⌋ with f the fraction of u·N; each end moves by rate·gap when the gap is
    below its own openness and it is not committed."""
    n = x.size
    for u in draws:
        i = min(int(u * n), n - 1)
        deg = indptr[i + 1] - indptr[i]
        if deg == 0:
            continue
        meet(
            x, i, indices[indptr[i] + min(int((u * n - i) * deg), deg - 1)], openness, rate, frozen
        )


def meet(x, i, j, openness, rate, frozen):
    """One encounter: each end moves by rate·gap when the gap is below its own openness and it
    is not committed."""
    gap = x[j] - x[i]
    eps_i = openness[0] if openness.size == 1 else openness[i]
    eps_j = openness[0] if openness.size == 1 else openness[j]
    move_i = abs(gap) < eps_i and not (frozen.size and frozen[i])
    move_j = abs(gap) < eps_j and not (frozen.size and frozen[j])
    xi, xj = x[i], x[j]
    if move_i:
        x[i] = xi + rate * gap
    if move_j:
        x[j] = xj - rate * gap


def random_graph(n, ties, seed, isolated=()):
    """n citizens, ``ties`` random distinct ties, none touching the ``isolated`` ones."""
    rng = np.random.default_rng(seed)
    free = np.setdiff1d(np.arange(n), isolated)
    pairs = set()
    while len(pairs) < ties:
        a, b = rng.choice(free, 2, replace=False)
        pairs.add((min(a, b), max(a, b)))
    u, v = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2).T
    return from_edges(n, u, v)


def test_splitmix64_gives_its_published_first_outputs():
    """Seed 0: 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f (the reference
    implementation's first outputs), so the oracle below is SplitMix64 itself."""
    assert splitmix64(0, 3) == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


@BOTH
def test_the_kernels_draws_are_splitmix64s_outputs(use_compiled):
    for key in (0, 1, 2**64 - 1, 0x0123456789ABCDEF):
        got = kernel("splitmix_bits", use_compiled=use_compiled)(np.uint64(key), 50)
        assert got.dtype == np.uint64 and [int(z) for z in got] == splitmix64(key, 50)


def keyed_reference(x, indptr, indices, openness, rate, frozen, keys):
    """The keyed steps one encounter after the other (``keyed_encounters``: i from the top 32
    bits of each SplitMix64 output, the neighbour from the bottom 32), each end moving by
    rate·gap (:func:`meet`); returns each step's movement, summed as the
    docstring says (``four_lane_sum``)."""
    moved = []
    for key in keys:
        start = x.copy()
        for i, k in keyed_encounters(int(key), x.size, indptr):
            if k is None:
                continue
            meet(x, i, indices[indptr[i] + k], openness, rate, frozen)
        moved.append(four_lane_sum(np.abs(x - start)))
    return np.array(moved)


@BOTH
@pytest.mark.parametrize("ahead", [False, True])
@pytest.mark.parametrize("case", ["shared", "own_openness_and_committed"])
def test_keyed_steps_are_sequential_deffuant_on_splitmix_draws(use_compiled, ahead, case):
    """121 citizens (3 with no tie; not a multiple of four, so the movement's last row goes to
    the first partial sum), 3 steps from 3 keys: the kernel's opinions equal the sequential
    oracle's, and each step's movement equals Σ|Δx| of that step summed as documented, with and
    without the look-ahead."""
    n = 121
    g = random_graph(n, 300, seed=4, isolated=(5, 50, 119))
    rng = np.random.default_rng(9)
    x0 = rng.uniform(-1, 1, n)
    if case == "shared":
        openness, frozen = np.array([0.5]), NOT_FROZEN
    else:
        openness = rng.uniform(0.1, 1.0, n)
        frozen = rng.random(n) < 0.2
    keys = np.array([7, 2**63 + 5, 12345], dtype=np.uint64)
    x, moved = x0.copy(), np.zeros(3)
    kernel("deffuant_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, openness, 0.3, frozen, NO_DRAWS, keys, np.empty(n), moved, ahead
    )
    expected = x0.copy()
    steps = keyed_reference(expected, g.indptr, g.indices, openness, 0.3, frozen, keys)
    np.testing.assert_array_equal(x, expected)
    np.testing.assert_array_equal(moved, steps)
    assert np.all(moved > 0) and not np.array_equal(x, x0)
    if frozen.size:
        np.testing.assert_array_equal(x[frozen], x0[frozen])


@BOTH
@pytest.mark.parametrize("n", [1, 2, LAG - 1, LAG, 3 * LAG, 3 * LAG + 1, 200])
def test_the_look_ahead_changes_no_value_at_any_size(use_compiled, n):
    """Steps shorter and longer than the look-ahead (3·LAG encounters) update the same
    citizens in the same order with and without it, as the sequential oracle does."""
    g = random_graph(n, min(2 * n, n * (n - 1) // 2), seed=1)
    x0 = np.random.default_rng(n).uniform(-1, 1, n)
    keys = np.array([3, 4], dtype=np.uint64)
    expected = x0.copy()
    steps = keyed_reference(expected, g.indptr, g.indices, np.array([0.8]), 0.5, NOT_FROZEN, keys)
    for ahead in (False, True):
        x, moved = x0.copy(), np.zeros(2)
        kernel("deffuant_sweep", use_compiled=use_compiled)(
            x, g.indptr, g.indices, np.array([0.8]), 0.5, NOT_FROZEN, NO_DRAWS, keys,
            np.empty(n), moved, ahead,
        )  # fmt: skip
        np.testing.assert_array_equal(x, expected)
        np.testing.assert_array_equal(moved, steps)


def test_the_look_ahead_is_for_arrays_beyond_the_caches():
    n = LOOKAHEAD_BYTES // 16  # x and indptr alone fill it (8 + 8 bytes a citizen)
    assert not looks_ahead(np.zeros(n // 2), np.zeros(n // 2, np.int64), np.zeros(0, np.int32))
    assert looks_ahead(np.zeros(n), np.zeros(n + 1, np.int64), np.zeros(0, np.int32))


@BOTH
@pytest.mark.parametrize("ahead", [False, True])
@pytest.mark.parametrize("count", [1, 2, 3 * LAG + 1, 200])
def test_given_uniforms_of_any_length_are_the_sequential_encounters(use_compiled, ahead, count):
    """Given uniforms (no keys) are the encounters in order, i = ⌊u·N⌋ and the neighbour from
    the fraction of u·N, look-ahead asked or not; the movement is left alone."""
    n = 40
    g = random_graph(n, 70, seed=1, isolated=(3,))
    rng = np.random.default_rng(count)
    x0 = rng.uniform(-1, 1, n)
    u = rng.random(count)
    x, moved = x0.copy(), np.full(1, -1.0)
    kernel("deffuant_sweep", use_compiled=use_compiled)(
        x, g.indptr, g.indices, np.array([0.8]), 0.5, NOT_FROZEN, u, NO_KEYS, NO_WORK, moved,
        ahead,
    )  # fmt: skip
    expected = x0.copy()
    reference_deffuant(expected, g.indptr, g.indices, np.array([0.8]), 0.5, NOT_FROZEN, u)
    np.testing.assert_array_equal(x, expected)
    assert moved[0] == -1.0


# -- fused steps ------------------------------------------------------------------------------
def textbook(steps=30, every=10, **opinion):
    return scenario_from_dict(
        {
            "name": "w1",
            "steps": steps,
            "population": {"citizens": 300, "activity_mean": 0.0},
            "network": {"kind": "barabasi_albert", "mean_degree": 6},
            "opinion": {"rule": "deffuant", "rate": 0.5, **opinion},
            "mobilization": {"enabled": False},
            "parties": {},
            "output": {"every": every},
        }
    )


def stepped(scenario, steps):
    model = SocialWebModel(scenario, seed=3)
    for _ in range(steps):
        model.step()
    model._record()
    return model


def test_run_fuses_the_steps_between_recorded_ones(monkeypatch):
    """With metrics every 10 steps, run(30) runs three chunks of 10 in the kernel: step() is
    never called, the kernel is called 3 times with 10 keys each."""
    model = SocialWebModel(textbook(), seed=3)
    monkeypatch.setattr(model, "_step_once", lambda: pytest.fail("stepped one by one"))
    calls = []
    original = model.rule._keyed
    model.rule._keyed = lambda pop, graph, keys: (
        calls.append(keys.size) or original(pop, graph, keys)
    )
    model.run(30)
    assert calls == [10, 10, 10] and model.step_count == 30


def test_fused_run_equals_stepping_one_by_one():
    """Opinions, influence, the metrics recorded at steps 10, 20, 30, Mesa's clock and step
    count, and the next step after the run, all as when stepping through Mesa."""
    fused = SocialWebModel(textbook(), seed=3)
    fused.run(30)
    one_by_one = stepped(textbook(), 30)
    np.testing.assert_array_equal(fused.population.x, one_by_one.population.x)
    np.testing.assert_array_equal(fused.influence, one_by_one.influence)
    assert fused.influence[0] > 0
    a = fused.datacollector.get_model_vars_dataframe()
    b = one_by_one.datacollector.get_model_vars_dataframe()
    assert fused.recorded_steps == one_by_one.recorded_steps == [0, 10, 20, 30]
    assert a.equals(b)
    assert (fused.time, fused.steps, fused.step_count) == (30, 30, 30)
    assert len(fused.parties.vote_history) == len(one_by_one.parties.vote_history) == 31
    assert fused.running is False and one_by_one.running is False
    fused.step()
    one_by_one.step()
    np.testing.assert_array_equal(fused.population.x, one_by_one.population.x)
    assert (fused.time, fused.steps) == (31, 31)


def test_a_users_mesa_event_inside_the_window_fires_on_time():
    """An event scheduled at time 5 sees the opinions of step 5: fusing across it would show
    it step 10's. The run then steps one by one and ends identical."""
    seen = {}
    model = SocialWebModel(textbook(), seed=3)

    def look():  # Mesa keeps a weak reference: a named function, alive for the run
        seen["x"] = model.population.x.copy()

    model.schedule_event(look, at=5.5)
    model.run(10)
    at_five = stepped(textbook(), 5)
    np.testing.assert_array_equal(seen["x"], at_five.population.x)
    np.testing.assert_array_equal(model.population.x, stepped(textbook(), 10).population.x)


def test_a_subclass_that_overrides_step_runs_it_every_step():
    """Extending a Mesa model by overriding step() is the normal way: run() must call it."""

    class Counting(SocialWebModel):
        calls = 0

        def step(self):
            super().step()
            self.calls += 1

    model = Counting(textbook(), seed=3)
    model.run(30)
    assert model.calls == 30
    np.testing.assert_array_equal(model.population.x, stepped(textbook(), 30).population.x)


def with_changes(scenario, changes):
    from model.config.load import with_overrides

    return with_overrides(scenario, changes)


@pytest.mark.parametrize(
    "change",
    [
        {"output.every": 1},  # every step recorded: nothing to fuse
        {"opinion.stop_at_convergence": True},  # convergence is watched step by step
        {"opinion.anchoring": 0.1},  # another phase acts each step
        {"population.activity_mean": 0.05},  # citizens post: the feed acts each step
        {"mobilization.enabled": True},  # the engagement contagion acts each step
        {"opinion.zealots.share_own": 0.1},  # committed citizens are restored each step
    ],
)
def test_no_fusing_when_something_acts_or_observes_each_step(monkeypatch, change):
    model = SocialWebModel(with_changes(textbook(), change), seed=3)
    monkeypatch.setattr(
        model.rule, "peer_steps", lambda *a: pytest.fail("fused although it must not")
    )
    model.run(10)
    assert model.step_count == 10
