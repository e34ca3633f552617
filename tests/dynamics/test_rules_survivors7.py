"""Mechanisms of model/dynamics/rules.py that the seventh mutation round (issue 13) found
unguarded: the radicalization rule stepped one step at a time, through ``peer_step`` (as the
model does with ``output.every: 1``, a convergence watch, or the last step before a record), on
its ``network.kind: none`` graph of N nodes and no ties.

mutmut's selection reached ``Radicalization._peer_process`` (and ``_counts_movement``) only
through ``test_same_seed_same_run_and_fused_steps_equal_single_steps``, which the mutation run
deselects (300 single steps); every other radicalization test runs fused (``peer_steps``). So
the single step and the rule's activity draw across several calls had no test in the run.

Oracles are written here from the documented definitions (the rule's docstring, docs/MODEL.md):
the update stream holds N uniforms for the activities at the first step, a_i = (ε^(1-γ) +
u_i·(1 - ε^(1-γ)))^(1/(1-γ)), written out below, then one 64-bit key per step over [0, 2^64)
(PCG64's raw output, read here from a twin bit generator); one step is one Runge-Kutta step of
the kernel ``radicalization_steps`` (tested on its own in test_radicalization.py) with those
activities and that key; the movement ``peer_step`` returns is Σ |x_after - x_before| over the
citizens, summed by hand. Hand-sized: six citizens, one or two steps.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from model.config.schema import NetworkSpec, OpinionSpec
from model.dynamics.kernels import kernel
from model.dynamics.rules import Radicalization
from model.network.generators import no_network
from tests.hand_draws import hand_population

X0 = np.array([0.5, -0.25, 0.125, -0.75, 0.25, 0.0])
K, ALPHA, BETA, R, M, DT = 3.0, 3.0, 2.0, 0.5, 2, 0.01
GAMMA, EPS = 2.1, 0.01


def radicalization_spec():
    return dataclasses.replace(
        OpinionSpec(),
        rule="radicalization",
        contacts=M,
        reciprocity=R,
        social_influence=K,
        controversy=ALPHA,
        homophily=BETA,
        time_step=DT,
        activity_exponent=GAMMA,
        activity_min=EPS,
    )


def activities(u):
    """F(a) ∝ a^(-γ) on [ε, 1], inverted by hand (the rule's docstring)."""
    g = 1.0 - GAMMA
    return (EPS**g + u * (1.0 - EPS**g)) ** (1.0 / g)


def rk_steps(x, activity, keys):
    """The kernel's Runge-Kutta steps from ``x`` with the given activities and keys."""
    x = np.array(x, dtype=float)
    moved = np.zeros(keys.size)
    kernel("radicalization_steps", use_compiled=False)(
        x, activity, keys, M, R, K, ALPHA, BETA, DT, moved
    )
    return x


def setup(seed):
    """A rule, six citizens at X0, their ``network.kind: none`` graph, the update stream."""
    rule = Radicalization(radicalization_spec(), use_compiled=False)
    pop = hand_population(X0.copy())
    g = no_network(NetworkSpec(), pop.x, np.random.default_rng(0))
    assert g.n == X0.size and g.indices.size == 0
    return rule, pop, g, np.random.default_rng(seed)


def test_single_peer_step_on_no_network_is_one_rk_step_of_the_documented_draws():
    """Radicalization.peer_step (``_peer_process``): one step draws N activity uniforms, then
    one full-range key, runs one Runge-Kutta step on every citizen (the graph has no ties; the
    rule draws its own contacts) and returns the movement Σ|Δx|; the stream is left just after
    that key."""
    rule, pop, g, rng = setup(seed=21)
    moved = rule.peer_step(pop, g, rng)
    twin = np.random.PCG64(21)
    raw = np.random.Generator(twin)
    a = activities(raw.random(X0.size))
    key = twin.random_raw(1).astype(np.uint64)
    want = rk_steps(X0, a, key)
    assert not np.array_equal(want, X0)  # the step moves someone: the case is not trivial
    np.testing.assert_array_equal(pop.x[:, 0], want)
    np.testing.assert_allclose(moved, np.abs(want - X0).sum(), rtol=1e-12)
    np.testing.assert_allclose(rule.activity, a, rtol=1e-15)
    assert rng.bit_generator.random_raw() == twin.random_raw()  # nothing more was drawn


def test_activities_are_drawn_once_and_later_single_steps_draw_only_their_key():
    """The activities are fixed at the first step: a second peer_step of the same rule (same N)
    draws only its own key (no new uniforms) and steps with the first step's activities."""
    rule, pop, g, rng = setup(seed=5)
    rule.peer_step(pop, g, rng)
    first = rule.activity.copy()
    moved = rule.peer_step(pop, g, rng)
    twin = np.random.PCG64(5)
    a = activities(np.random.Generator(twin).random(X0.size))
    keys = twin.random_raw(2).astype(np.uint64)
    after_one = rk_steps(X0, a, keys[:1])
    want = rk_steps(after_one, a, keys[1:])
    np.testing.assert_array_equal(rule.activity, first)
    np.testing.assert_array_equal(pop.x[:, 0], want)
    np.testing.assert_allclose(moved, np.abs(want - after_one).sum(), rtol=1e-12)
    assert rng.bit_generator.random_raw() == twin.random_raw()
