"""The radicalization rule (Baumann, Lorenz-Spreen, Sokolov & Starnini 2020): its kernel step by
step against hand-written Runge-Kutta steps, who contacts whom, the unbounded state, and the
settings it refuses. Its published behaviour is in tests/validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.config import ConfigError, limits, scenario_from_dict
from model.dynamics import kernels
from model.dynamics.kernels import kernel
from model.dynamics.rules import power_law_activity
from model.metrics import opinion_metrics
from model.sim import SocialWebModel

KEYS = np.arange(1, 2, dtype=np.uint64)


def steps(x, activity, keys, m=1, r=0.0, k=1.0, alpha=1.0, beta=0.0, dt=0.1, compiled=True):
    x = np.array(x, dtype=float)
    moved = np.zeros(len(keys))
    kernel("radicalization_steps", use_compiled=compiled)(
        x, np.asarray(activity, dtype=float), keys, m, r, k, alpha, beta, dt, moved
    )
    return x, moved


def rk4(f, y, dt):
    """One classical Runge-Kutta step, written out."""
    k1 = f(y)
    k2 = f(y + dt / 2 * k1)
    k3 = f(y + dt / 2 * k2)
    k4 = f(y + dt * k3)
    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


@pytest.mark.parametrize("compiled", [True, False])
def test_without_contacts_opinions_decay_as_e_to_the_minus_t(compiled):
    """Nobody active: dx/dt = -x, so after t = 1 (100 steps of 0.01) x = x0·e^(-1) (RK4's error
    is ~dt⁵/120 per step, 1e-12 over the run)."""
    keys = np.arange(1, 101, dtype=np.uint64)
    x, moved = steps([2.5, -4.0, 0.3], np.zeros(3), keys, dt=0.01, compiled=compiled)
    assert x == pytest.approx(np.array([2.5, -4.0, 0.3]) * math.exp(-1.0), rel=1e-9)
    assert moved.sum() == pytest.approx((2.5 + 4.0 + 0.3) * (1 - math.exp(-1.0)), rel=1e-9)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("r", [0.0, 1.0])
def test_one_step_is_a_runge_kutta_step_of_the_drawn_network(compiled, r):
    """Citizen 0 is always active (a = 1) and its only possible contact is 1 (N = 2, m = 1):
    A_01 = 1, so 0 reads tanh(α·x_1); with r = 1 the contact is returned (A_10 = 1), with r = 0
    citizen 1 only decays. Compared with a hand-written RK4 step of the same equations."""
    K, alpha, dt = 3.0, 2.0, 0.05
    x0 = np.array([0.2, -0.7])

    def f(y):
        back = r * K * math.tanh(alpha * y[0])
        return np.array([-y[0] + K * math.tanh(alpha * y[1]), -y[1] + back])

    x, _ = steps(x0, [1.0, 0.0], KEYS, r=r, k=K, alpha=alpha, dt=dt, compiled=compiled)
    assert x == pytest.approx(rk4(f, x0, dt), rel=1e-13)


def partner_of_zero(x, beta, key):
    """Whom citizen 0 (the only active one, m = 1, r = 0) contacted: 0 starts at 0, so after a
    step its opinion is increasing in tanh(x_j)."""
    x, _ = steps(x, [1.0, 0.0, 0.0, 0.0], np.array([key], np.uint64), beta=beta, dt=1e-3)
    reads = {j: 1e-3 * math.tanh(v) for j, v in ((1, 0.1), (2, 1.0), (3, 2.0))}
    return min(reads, key=lambda j: abs(reads[j] - x[0]))


def test_homophily_makes_the_nearest_opinion_the_contact():
    """Opinions 0, 0.1, 1, 2: with β = 20 the weight of citizen 1 (0.1^-20) dwarfs the others,
    so 0 always contacts 1; with β = 0 each of the three is drawn about a third of the time. A
    sign error (|Δx|^β) would make 3 the usual contact."""
    x = [0.0, 0.1, 1.0, 2.0]
    assert {partner_of_zero(x, 20.0, key) for key in range(1, 101)} == {1}
    counts = np.bincount([partner_of_zero(x, 0.0, key) for key in range(1, 301)], minlength=4)
    # binomial(300, 1/3): sd 8.2, so 100 ± 30 is beyond 3.6 sd
    assert counts[0] == 0 and all(70 <= c <= 130 for c in counts[1:]), counts


@pytest.mark.parametrize("beta", [0.0, 3.0])
def test_compiled_and_twin_agree_bit_for_bit(beta):
    rng = np.random.default_rng(5)
    x0 = rng.uniform(-1, 1, 40)
    activity = power_law_activity(40, 2.1, 0.01, rng.random(40)) * 5  # more contacts to check
    keys = np.arange(7, 12, dtype=np.uint64)
    a = steps(x0, activity, keys, m=3, r=0.5, k=3.0, alpha=3.0, beta=beta, dt=0.01)
    b = steps(x0, activity, keys, m=3, r=0.5, k=3.0, alpha=3.0, beta=beta, dt=0.01, compiled=False)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_m_distinct_contacts_even_when_m_is_everyone_else():
    """N = 4, m = 3, one active citizen at 0 reading the others' tanh(x) with K = 1: after a tiny
    step its derivative is Σ_j tanh(x_j) over all three — each contacted once (β = 0: uniform
    draws with repeats redrawn; β = 30: the m earliest exponential clocks, all distinct)."""
    x0 = [0.0, 0.1, 1.0, 2.0]
    for beta in (0.0, 30.0):
        x, _ = steps(x0, [1.0, 0.0, 0.0, 0.0], KEYS, m=3, beta=beta, dt=1e-6)
        total = sum(math.tanh(v) for v in x0[1:])
        assert x[0] == pytest.approx(1e-6 * total, rel=1e-5)


def test_power_law_activity_matches_the_distribution():
    """Inversion of F(a) ∝ a^(-2.1) on [0.01, 1]: u = 0 gives ε, u = 1 gives 1, and the sample
    mean of 10⁵ draws is within 3 SE of ⟨a⟩ = 0.04085 (sd of a ≈ 0.08, SE ≈ 2.6e-4)."""
    a = power_law_activity(3, 2.1, 0.01, np.array([0.0, 1.0, 0.5]))
    assert a[0] == pytest.approx(0.01) and a[1] == pytest.approx(1.0)
    sample = power_law_activity(100_000, 2.1, 0.01, np.random.default_rng(1).random(100_000))
    assert abs(sample.mean() - 0.040852) < 3 * sample.std() / math.sqrt(sample.size)


def scenario(steps=300, every=300, **opinion):
    return scenario_from_dict(
        {
            "steps": steps,
            "population": {"citizens": 200, "activity_mean": 0.0},
            "network": {"kind": "none"},
            "mobilization": {"enabled": False},
            "opinion": {"rule": "radicalization", **opinion},
            "output": {"every": every},
            "parties": {},
        }
    )


def test_opinions_are_unbounded_and_the_metrics_take_them():
    """K = 3, α = 3, β = 0 radicalises (the validation case): opinions leave [-1, 1] and nothing
    clips them; the opinion metrics are finite."""
    model = SocialWebModel(scenario(controversy=3.0, homophily=0.0), seed=3)
    model.run()
    x = model.population.x[:, 0]
    assert np.abs(x).max() > 1.5
    assert all(np.isfinite(v) for v in opinion_metrics(x).values())


def test_same_seed_same_run_and_fused_steps_equal_single_steps():
    """One compiled call for all steps (output.every = steps) and one call per step
    (output.every = 1) draw the same activities and keys: the same opinions."""
    fused = SocialWebModel(scenario(homophily=2.0), seed=11)
    fused.run()
    again = SocialWebModel(scenario(homophily=2.0), seed=11)
    again.run()
    single = SocialWebModel(scenario(every=1, homophily=2.0), seed=11)
    single.run()
    assert np.array_equal(fused.population.x, again.population.x)
    assert np.array_equal(fused.population.x, single.population.x)


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"parties": {"blue": {"position": 0.5}}}, "opinion.rule: radicalization keeps unbounded"),
        ({"network": {"kind": "erdos_renyi"}}, "network.kind: expected none with opinion.rule"),
        ({"network": {"kind": "complete"}}, "network.kind: expected none with opinion.rule"),
        ({"opinion": {"rule": "radicalization", "zealots": {"share_plus": 0.1}}}, "zealots"),
        ({"population": {"citizens": 10, "issues": 2}}, "population.issues: expected 1"),
        ({"population": {"citizens": 10}}, "opinion.contacts: expected fewer than"),
    ],
)
def test_radicalization_runs_in_textbook_mode_only(extra, message):
    base = {
        "population": {"citizens": 100},
        "network": {"kind": "none"},
        "opinion": {"rule": "radicalization"},
        "parties": {},
    }
    with pytest.raises(ConfigError, match=message):
        scenario_from_dict(base | extra)


def test_homophilous_contacts_are_successive_draws_without_replacement():
    """Opinions 0, 0.5, 1, 2 and β = 1: weights 2, 1 and 1/2 (total 3.5). Two contacts are {1, 2}
    with probability (2/3.5)(1/1.5) + (1/3.5)(2/2.5) = 0.6095, not always (the two largest
    weights taken outright). 600 steps: binomial sd 11.9, so 366 ± 48 is 4 sd."""
    x0 = [0.0, 0.5, 1.0, 2.0]
    sums = {
        (1, 2): math.tanh(0.5) + math.tanh(1.0),
        (1, 3): math.tanh(0.5) + math.tanh(2.0),
        (2, 3): math.tanh(1.0) + math.tanh(2.0),
    }
    pairs = []
    for key in range(1, 601):
        x, _ = steps(x0, [1.0, 0.0, 0.0, 0.0], np.array([key], np.uint64), m=2, beta=1.0, dt=1e-6)
        pairs.append(min(sums, key=lambda p: abs(1e-6 * sums[p] - x[0])))
    near = pairs.count((1, 2))
    assert 318 <= near <= 414, near
    assert pairs.count((2, 3)) > 0  # the far pair too, now and then (expected 49)


def test_uniform_contacts_find_the_last_citizens_left():
    """β = 0 and m = N - 1 = 59: repeated draws are rejected, and once 32 in a row repeat the
    exact pick among those left takes over; every other citizen is contacted exactly once, so
    citizen 0 (the only active one) reads Σ_j tanh(x_j) over all 59."""
    x0 = np.linspace(0.0, 1.0, 60)
    for key in range(1, 6):
        x, _ = steps(x0, np.r_[1.0, np.zeros(59)], np.array([key], np.uint64), m=59, dt=1e-6)
        assert x[0] == pytest.approx(1e-6 * np.tanh(x0[1:]).sum(), rel=1e-5)


def test_none_builds_no_ties_and_lifts_the_complete_graph_s_cap():
    """network.kind none: N + 1 zero offsets and no edge arrays (nothing of size N²), so the
    complete graph's 20,000 cap does not apply; the memory check still sizes the rule's contact
    buffers (32·m + 80 B a citizen) and refuses what would not fit, in one line."""
    model = SocialWebModel(scenario(steps=2, every=2), seed=1)
    graph = model.graph
    assert graph.n == 200 and graph.indices.size == 0 and not graph.indptr.any()
    assert graph.indptr.size == 201 and not graph.complete
    big = scenario_from_dict(
        {
            "population": {"citizens": 1_000_000, "activity_mean": 0.0},
            "network": {"kind": "none"},
            "opinion": {"rule": "radicalization", "contacts": 10},
            "parties": {},
        }
    )
    parts = limits.run_parts(big)
    assert parts["network"] == 0 and parts["contacts"] == 1_000_000 * (32 * 10 + 80)
    limits.check_runs([big], limit=2 * 2**30)  # ~1.3 GB: fits in 2 GB
    with pytest.raises(ConfigError) as err:
        limits.check_runs([big], limit=2**30)
    (line,) = err.value.problems
    assert line.startswith("scenario ") and "a run of 1,000,000 citizens" in line
    assert "would need about 1.3 GB of memory; the limit is 1.0 GB" in line


def test_none_is_only_for_a_rule_that_draws_its_own_contacts():
    with pytest.raises(ConfigError, match="network.kind: expected a network with opinion.rule"):
        scenario_from_dict(
            {"population": {"citizens": 100}, "network": {"kind": "none"}, "parties": {}}
        )


def only_active_zero(x, beta, key, alpha, compiled=True):
    """Whom citizen 0 (at 0, the only active one, m = 1, r = 0, K = 1) contacted in one step
    of 10⁻³: an RK4 step of the pair (0, j) — 0 reads tanh(α·x_j), j only decays — is worked
    out for every candidate j, and the one the kernel's x_0 matches (to 1e-12) is returned.
    x and the step must stay finite."""
    n, dt = len(x), 1e-3
    got, moved = steps(
        x,
        [1.0] + [0.0] * (n - 1),
        np.array([key], np.uint64),
        alpha=alpha,
        beta=beta,
        dt=dt,
        compiled=compiled,
    )
    assert np.isfinite(got).all() and np.isfinite(moved).all()
    pred = {}
    for j in range(1, n):
        pair = rk4(lambda y: np.array([-y[0] + math.tanh(alpha * y[1]), -y[1]]), [x[0], x[j]], dt)
        pred[j] = pair[0]
    j = min(pred, key=lambda q: abs(pred[q] - got[0]))
    assert got[0] == pytest.approx(pred[j], rel=1e-12)
    return j


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("beta, scale", [(50.0, 1e-7), (200.0, 0.01), (200.0, 40.0), (50.0, 4e6)])
def test_extreme_homophily_contacts_the_nearest_opinion(compiled, beta, scale):
    """Citizen 0 at 0, the others at 16s, 8s, 4s, 2s and s (the nearest last in row order),
    β = 50 and 200: each weight |x_0 - x_j|^(-β) is 2^β times the next, so the nearest is the
    contact with probability 1 - O(2^-β), for every one of 60 keys. The gaps are chosen so that
    d^β leaves the doubles: below 5e-324 for the two nearest (s = 1e-7 at β = 50, 0.01 at
    β = 200) or above 1.8e308 for all (s = 40 at β = 200, 4e6 at β = 50) — clocks E·d^β as
    doubles would tie at 0 or inf and give the row-first of them, 4 or 1."""
    x = [0.0] + [scale * 2.0**k for k in (4, 3, 2, 1, 0)]
    alpha = 1.0 / (4.0 * scale)  # α·x_j = 4, 2, 1, 0.5, 0.25: each contact moves x_0 visibly
    picks = {only_active_zero(x, beta, key, alpha, compiled) for key in range(1, 61)}
    assert picks == {5}


@pytest.mark.parametrize("compiled", [True, False])
def test_extreme_homophily_keeps_the_weights(compiled):
    """β = 200 and two near candidates whose weights differ by 2 exactly: 1 at 0.01·2^(1/200)
    (first in row order), 2 at 0.01, 3 far at 0.1. Both weights are far below the smallest
    double (0.01^200 = 1e-400), yet the draw must be the weighted one: 2 with probability
    2/3, 1 with 1/3, 3 never (weight 10^-200 of theirs). 600 keys: binomial sd 11.5, so
    400 ± 46 is 4 sd."""
    x = [0.0, 0.01 * 2.0 ** (1 / 200), 0.01, 0.1]
    picks = [only_active_zero(x, 200.0, key, 100.0, compiled) for key in range(1, 601)]
    assert picks.count(3) == 0
    assert 354 <= picks.count(2) <= 446, picks.count(2)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.5, 3.0, 9.0, 20.0])
def test_log_clocks_draw_what_the_products_draw(monkeypatch, beta):
    """The plain-Python twin with ``CLOCK_LOG_SPAN`` at -1 compares every clock in logs
    (ln E + β·ln d) instead of as products E·d^β: where both are exact doubles the draws are
    the same, so the runs are equal bit for bit (N = 60, m = 3, 5 steps)."""
    rng = np.random.default_rng(8)
    x0 = rng.uniform(-1.5, 1.5, 60)
    activity = power_law_activity(60, 2.1, 0.01, rng.random(60)) * 5
    keys = np.arange(3, 8, dtype=np.uint64)
    args = {"m": 3, "r": 0.5, "k": 3.0, "alpha": 3.0, "beta": beta, "dt": 0.01, "compiled": False}
    products = steps(x0, activity, keys, **args)
    monkeypatch.setattr(kernels, "CLOCK_LOG_SPAN", -1.0)
    logs = steps(x0, activity, keys, **args)
    assert np.array_equal(products[0], logs[0]) and np.array_equal(products[1], logs[1])
    assert not np.array_equal(products[0], steps(x0, activity, keys, **args | {"beta": 0.0})[0])


def test_products_alone_would_tie_at_extreme_homophily(monkeypatch):
    """What the log-clocks prevent: the twin with ``CLOCK_LOG_SPAN`` at infinity (clocks always
    as products E·d^β) at β = 50 with the two nearest gaps' d^β below the smallest double ties
    their clocks at 0 and always contacts the row-first of them (4), never the nearest (5)."""
    monkeypatch.setattr(kernels, "CLOCK_LOG_SPAN", math.inf)
    x = [0.0] + [1e-7 * 2.0**k for k in (4, 3, 2, 1, 0)]
    picks = {only_active_zero(x, 50.0, key, 2.5e6, compiled=False) for key in range(1, 21)}
    assert picks == {4}
