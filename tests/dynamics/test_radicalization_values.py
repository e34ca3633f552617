"""The radicalization kernel's exact values (Baumann, Lorenz-Spreen, Sokolov & Starnini 2020)
against an oracle written here from ``radicalization_steps``'s docstring: its own SplitMix64
(Python integers, 64-bit masks), the draws in the documented order (activation, contacts,
reciprocity), the contacts by exponential clocks (β > 0; each clock E_j·d^β a 50-digit decimal,
which neither underflows nor overflows, so the oracle holds at any β) or uniform draws with
retries and the exact fallback (β = 0), and one classical RK4 step of the drawn network. Some
keys are built by inverting SplitMix64's finaliser so that a chosen draw has a chosen value (a
boundary)."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest

from model.dynamics.kernels import kernel

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
M1 = 0xBF58476D1CE4E5B9
M2 = 0x94D049BB133111EB
FLOOR = 1e-10  # HOMOPHILY_FLOOR, as documented
TRIES = 32  # PARTNER_TRIES, as documented
TOP = (1 << 53) - 1  # the largest 53-bit output: (TOP + ½)·2⁻⁵³ rounds to exactly 1


def mix(state):
    """SplitMix64's finaliser (Steele, Lea & Flood 2014)."""
    z = state
    z = ((z ^ (z >> 30)) * M1) & MASK
    z = ((z ^ (z >> 27)) * M2) & MASK
    return z ^ (z >> 31)


def unshift(z, k):
    """Inverse of z ↦ z ^ (z >> k)."""
    x = z
    for _ in range(64 // k + 1):
        x = z ^ (x >> k)
    return x


def unmix(z):
    z = unshift(z, 31)
    z = (z * pow(M2, -1, 1 << 64)) & MASK
    z = unshift(z, 27)
    z = (z * pow(M1, -1, 1 << 64)) & MASK
    return unshift(z, 30)


def key_with(draw, bits, low=0):
    """A key whose ``draw``-th uniform (1-based) has top-53-bit value ``bits`` (and low 11 bits
    ``low``)."""
    assert 0 <= bits < 1 << 53 and 0 <= low < 1 << 11
    return (unmix((bits << 11) | low) - draw * GAMMA) & MASK


class Draws:
    """The uniforms of one step: the t-th is (b_t + ½)·2⁻⁵³, b_t the top 53 bits of the t-th
    SplitMix64 output of the key. ``log`` records (purpose, uniform) in order."""

    def __init__(self, key):
        self.state = int(key)
        self.log = []

    def bits(self):
        self.state = (self.state + GAMMA) & MASK
        return mix(self.state) >> 11

    def __call__(self, purpose):
        u = (self.bits() + 0.5) * 2.0**-53
        self.log.append((purpose, u))
        return u


def oracle_step(x, activity, key, m, r, k, alpha, beta, dt):
    """One step as the docstring states it; returns x(t + dt), the movement and a trace."""
    n = len(x)
    draw = Draws(key)
    trace = {"active": [], "contacts": [], "returned": [], "fallbacks": [], "draws": draw.log}
    own = [[] for _ in range(n)]
    for i in range(n):
        if not draw("activation") < activity[i]:  # active with probability activity[i]
            continue
        trace["active"].append(i)
        if beta != 0.0:
            # exponential clocks E_j·|x_i − x_j|^β, E_j = −ln u_j, j ≠ i in row order; the m
            # earliest (a stable sort: an exact tie, of probability ~0, keeps row order). Each
            # clock is a 50-digit decimal: exact enough, and no underflow or overflow at any β
            rings = []
            for j in range(n):
                if j != i:
                    e = -math.log(draw("clock"))
                    gap = max(abs(x[i] - x[j]), FLOOR)
                    with localcontext() as ctx:
                        ctx.prec = 50
                        rings.append((Decimal(e) * Decimal(gap) ** Decimal(beta), j))
            rings.sort(key=lambda pair: pair[0])
            own[i] = [j for _, j in rings[:m]]
        else:
            others = [j for j in range(n) if j != i]
            for _ in range(m):
                j = None
                for _ in range(TRIES):  # uniform among the n − 1 others; repeats drawn again
                    cand = others[min(int(draw("partner") * (n - 1)), n - 2)]
                    if cand not in own[i]:
                        j = cand
                        break
                if j is None:  # one more uniform picks among the rest (row order)
                    rest = [q for q in others if q not in own[i]]
                    pick = min(int(draw("fallback") * len(rest)), len(rest) - 1)
                    j = rest[pick]
                    trace["fallbacks"].append((len(rest), pick))
                own[i].append(j)
        trace["contacts"] += [(i, j) for j in own[i]]
    edges = list(trace["contacts"])
    for i, j in trace["contacts"]:  # reciprocity, in contact order, unless j contacted i
        if i in own[j]:
            continue
        if draw("reciprocity") < r:
            edges.append((j, i))
            trace["returned"].append((j, i))
    a = np.zeros((n, n))
    for i, j in edges:
        assert a[i, j] == 0.0  # A is a 0/1 matrix: no edge twice
        a[i, j] = 1.0

    def f(y):
        return -y + k * (a @ np.tanh(alpha * y))

    y0 = np.array(x, dtype=float)
    k1 = f(y0)
    k2 = f(y0 + 0.5 * dt * k1)
    k3 = f(y0 + 0.5 * dt * k2)
    k4 = f(y0 + dt * k3)
    new = y0 + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return new, float(np.abs(new - y0).sum()), trace


def oracle(x, activity, keys, m, r, k, alpha, beta, dt):
    x = np.array(x, dtype=float)
    moved, traces = [], []
    for key in keys:
        x, mv, tr = oracle_step(x, activity, int(key), m, r, k, alpha, beta, dt)
        moved.append(mv)
        traces.append(tr)
    return x, np.array(moved), traces


def run(x, activity, keys, m, r, k, alpha, beta, dt, compiled=False):
    x = np.array(x, dtype=float)
    keys = np.array(keys, dtype=np.uint64)
    moved = np.full(keys.size, np.nan)
    kernel("radicalization_steps", use_compiled=compiled)(
        x, np.asarray(activity, dtype=float), keys, m, r, k, alpha, beta, dt, moved
    )
    return x, moved


def agree(got, want):
    """The kernel sums Σ_j A_ij·tanh(α·y_j) in edge order, the oracle in column order: the sums
    may differ in the last bits, so values are compared to 1e-12 (a wrong contact, draw or RK4
    weight moves them by ≥ 1e-6 in these set-ups)."""
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def opinions(n, seed):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, n)


def activities(n, seed):
    """Mixed activities, some exactly 0 (never active) and 1 (always active)."""
    a = np.random.default_rng(seed).uniform(0.2, 0.8, n)
    a[1::5] = 0.0
    a[2::5] = 1.0
    return a


BASE = {"k": 3.0, "alpha": 2.0, "dt": 0.05}


def test_the_oracle_s_splitmix64_is_the_published_generator():
    """Guards the oracle itself: SplitMix64 seeded with 1234567 gives the reference outputs of
    Vigna's splitmix64.c, and ``key_with`` yields a key whose chosen draw has the chosen bits."""
    state, out = 1234567, []
    for _ in range(3):
        state = (state + GAMMA) & MASK
        out.append(mix(state))
    assert out == [6457827717110365317, 3203168211198807973, 9817491932198370423]
    draws = Draws(key_with(3, 12345, low=7))
    assert [draws.bits() for _ in range(3)][2] == 12345


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("n, m, r", [(12, 2, 0.4), (8, 3, 1.0), (6, 5, 0.4), (10, 1, 0.0)])
def test_uniform_contacts_match_the_oracle(compiled, n, m, r):
    """β = 0, three steps: activation u < a_i (a = 0 and 1 included), m distinct uniform
    partners ⌊u·(N − 1)⌋ skipping i (repeats redrawn), reciprocity in contact order (mutual
    contacts not returned, so each A_ij is 0 or 1), the RK4 step and ``moved``."""
    x, a = opinions(n, n), activities(n, n + 1)
    keys = [101, 102, 103]
    want, want_moved, traces = oracle(x, a, keys, m, r, beta=0.0, **BASE)
    got, moved = run(x, a, keys, m, r, beta=0.0, compiled=compiled, **BASE)
    agree(got, want)
    agree(moved, want_moved)
    assert all(t["contacts"] for t in traces)  # the set-up draws contacts every step
    if r == 1.0:
        mutual = [(i, j) for t in traces for i, j in t["contacts"] if (j, i) in t["contacts"]]
        assert mutual  # and some contacts are mutual (not returned)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("beta", [1.0, 2.0, 2.5, 3.0, 8.0, 9.0])
@pytest.mark.parametrize("n, m, r", [(12, 2, 0.4), (8, 3, 1.0)])
def test_clock_contacts_match_the_oracle(compiled, beta, n, m, r):
    """β > 0, three steps: each active i's contacts are the m earliest clocks E_j·|x_i − x_j|^β
    (E_j = −ln u_j, one uniform per j ≠ i in row order), for whole β ≤ 8 (the kernel's products),
    a fractional β and a whole β above 8 (pow). The set-up is sensitive: for β = 2, 2.5 and 3 the
    nearby whole exponents give other contacts, so a wrong power would show."""
    x, a = opinions(n, n), activities(n, n + 1)
    keys = [101, 102, 103]
    want, want_moved, traces = oracle(x, a, keys, m, r, beta=beta, **BASE)
    got, moved = run(x, a, keys, m, r, beta=beta, compiled=compiled, **BASE)
    agree(got, want)
    agree(moved, want_moved)
    contacts = [t["contacts"] for t in traces]
    for other in {2.0: [1.0], 2.5: [2.0, 3.0], 3.0: [1.0, 2.0]}.get(beta, []):
        assert [t["contacts"] for t in oracle(x, a, keys, m, r, beta=other, **BASE)[2]] != contacts


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(
    "beta, spread, ladder, alpha",
    [
        (200.0, 0.01, False, 2.0),
        (45.5, 1e-8, False, 2.0),
        (33.0, 1e-10, False, 2.0),
        (200.0, 40.0, True, 0.005),
    ],
)
def test_clock_contacts_at_extreme_homophily_match_the_oracle(
    compiled, beta, spread, ladder, alpha
):
    """β far above the paper's 3, two steps, N = 12, m = 2. Opinions within ±spread (0.01, 1e-8,
    1e-10: every weight |x_i − x_j|^(-β) beyond the largest double, and at 1e-10 many gaps at
    the floor) or 40 apart (a ladder: every d^200 beyond the largest double), so clocks E_j·d^β
    computed as doubles would be 0 or inf and tie (the first others in row order taken). The
    contacts must still be the m earliest clocks (the oracle's decimals); α is set so that each
    contact moves x visibly."""
    n, m = 12, 2
    rng = np.random.default_rng(4)
    if ladder:
        x = spread * np.arange(n) + rng.uniform(0.0, spread / 8, n)
    else:
        x = rng.uniform(-spread, spread, n)
    a = activities(n, n + 1)
    keys = [101, 102]
    args = {"k": 3.0, "alpha": alpha, "dt": 0.05}
    want, want_moved, traces = oracle(x, a, keys, m, 0.4, beta=beta, **args)
    got, moved = run(x, a, keys, m, 0.4, beta=beta, compiled=compiled, **args)
    assert np.isfinite(got).all() and np.isfinite(moved).all()
    agree(got, want)
    agree(moved, want_moved)
    for trace in traces:  # the contacts are not just each active citizen's first m others
        first = [(i, j) for i in trace["active"] for j in [q for q in range(n) if q != i][:m]]
        assert sorted(first) != sorted(trace["contacts"])


def test_clocks_use_the_opinion_gap_and_the_m_earliest_of_all():
    """β = 1, N = 30, m = 2, one active citizen: its clocks are E_j·|x_0 − x_j| over all 29
    others (a late citizen can still ring first), opinions of both signs so |x_i + x_j| differs."""
    n = 30
    x = opinions(n, 7)
    a = np.zeros(n)
    a[0] = 1.0
    keys = [5, 6, 7, 8]
    want, want_moved, traces = oracle(x, a, keys, 2, 0.5, beta=1.0, **BASE)
    got, moved = run(x, a, keys, 2, 0.5, beta=1.0, **BASE)
    agree(got, want)
    agree(moved, want_moved)
    assert max(j for t in traces for _, j in t["contacts"]) > n // 2


@pytest.mark.parametrize("compiled", [False, True])
def test_fallback_after_thirty_two_repeats_picks_among_the_rest(compiled):
    """β = 0, N = 24, m = 22: near the end of a contact list most draws repeat a chosen citizen;
    after ``PARTNER_TRIES`` repeats one more uniform picks ⌊u·R⌋-th of the R not yet chosen (row
    order). These keys reach the fallback with R = 2 and 3 and picks 0, 1 and 2."""
    n, m = 24, 22
    x = opinions(n, 3)
    a = np.zeros(n)
    a[[0, 7, 15]] = 1.0
    keys = [163, 164, 165]
    want, want_moved, traces = oracle(x, a, keys, m, 0.5, beta=0.0, **BASE)
    assert sorted(f for t in traces for f in t["fallbacks"]) == [(2, 0), (3, 1), (3, 2)]
    got, moved = run(x, a, keys, m, 0.5, beta=0.0, compiled=compiled, **BASE)
    agree(got, want)
    agree(moved, want_moved)


BOUNDARY = 2**51 + 12345  # a draw (b + ½)·2⁻⁵³ in [¼, ½): b + ½ is exact, its ulp 2⁻⁵⁴


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("above", [False, True])
def test_activation_is_u_below_the_activity(compiled, above):
    """Citizen 0's activation draw is exactly u = (b + ½)·2⁻⁵³ (the key is built for it). With
    a_0 = u it stays inactive (active iff u < a); with a_0 the next double above u it is active.
    Only citizen 0 can be active (the others have a = 0)."""
    key = key_with(1, BOUNDARY)
    u = (BOUNDARY + 0.5) * 2.0**-53
    a = np.array([np.nextafter(u, 1.0) if above else u, 0.0, 0.0, 0.0])
    x = [0.3, -0.8, 1.1, 0.5]
    want, want_moved, traces = oracle(x, a, [key], 1, 0.0, beta=0.0, **BASE)
    assert traces[0]["draws"][0] == ("activation", u)
    assert traces[0]["active"] == ([0] if above else [])
    got, moved = run(x, a, [key], 1, 0.0, beta=0.0, compiled=compiled, **BASE)
    agree(got, want)
    agree(moved, want_moved)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("above", [False, True])
def test_reciprocity_is_u_below_r(compiled, above):
    """N = 4, only citizen 0 active (a = 1), m = 1, β = 0: draws 1–5 are the four activations
    and 0's partner, draw 6 the reciprocity draw u (the key is built for it). With r = u the
    contact is not returned; with r the next double above u it is (A_j0 = 1)."""
    key = key_with(6, BOUNDARY)
    u = (BOUNDARY + 0.5) * 2.0**-53
    r = float(np.nextafter(u, 1.0)) if above else u
    a = [1.0, 0.0, 0.0, 0.0]
    x = [0.3, -0.8, 1.1, 0.5]
    want, want_moved, traces = oracle(x, a, [key], 1, r, beta=0.0, **BASE)
    assert traces[0]["draws"][5] == ("reciprocity", u)
    assert len(traces[0]["returned"]) == (1 if above else 0)
    got, moved = run(x, a, [key], 1, r, beta=0.0, compiled=compiled, **BASE)
    agree(got, want)
    agree(moved, want_moved)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(
    "n, bits, partner",
    [
        (5, TOP, 4),
        (5, 2**51, 2),
        (5, 2**51 - 1, 0),
        (4, 3002399751580329, 0),
        (4, 3002399751580330, 2),
        (4, 6004799503160660, 2),
        (4, 6004799503160661, 3),
    ],
)
def test_uniform_partner_at_the_draw_boundaries(compiled, n, bits, partner):
    """Only citizen 1 active, m = 1, β = 0: its partner draw (draw 3) is built to sit on a
    boundary of ⌊u·(N − 1)⌋. N = 5: u = 1 exactly (b = 2⁵³ − 1: ⌊u·4⌋ = 4 clamped to the last
    other, 4), or u·4 = 1 ± 2⁻⁵² (b = 2⁵¹, 2⁵¹ − 1: others' numbers 1 → citizen 2, 0 → 0).
    N = 4: the last b below and the first on or above u·3 = 1 and u·3 = 2 (in floating point)."""
    key = key_with(3, bits)
    a = [0.0, 1.0] + [0.0] * (n - 2)
    x = [0.3, -0.8, 1.1, 0.5, -1.7][:n]
    want, want_moved, traces = oracle(x, a, [key], 1, 0.0, beta=0.0, **BASE)
    assert traces[0]["contacts"] == [(1, partner)]
    got, moved = run(x, a, [key], 1, 0.0, beta=0.0, compiled=compiled, **BASE)
    agree(got, want)
    agree(moved, want_moved)


@pytest.mark.parametrize("compiled", [False, True])
def test_clock_of_the_smallest_draw(compiled):
    """β = 1, N = 4, only citizen 0 active (at 0), m = 1: citizen 1's clock draw is built to be
    the smallest uniform, 2⁻⁵⁴ (E_1 = 54·ln 2 ≈ 37.43, at distance 1), citizen 2 is placed so its
    clock is 36.9 and citizen 3 is far: 2 rings first. (A clock from 1.5·2⁻⁵³, E ≈ 36.34, would
    ring before 2's.)"""
    key = key_with(2, 0)
    probe = Draws(key)
    probe("activation")
    probe("clock 1")
    e2 = -math.log(probe("clock 2"))
    x = [0.0, 1.0, 36.9 / e2, 1e6]
    a = [1.0, 0.0, 0.0, 0.0]
    want, want_moved, traces = oracle(x, a, [key], 1, 0.0, beta=1.0, **BASE)
    assert traces[0]["draws"][1] == ("clock", 2.0**-54)
    assert traces[0]["contacts"] == [(0, 2)]
    got, moved = run(x, a, [key], 1, 0.0, beta=1.0, compiled=compiled, **BASE)
    agree(got, want)
    agree(moved, want_moved)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(
    "bits, low, rest, pick",
    [(TOP, 250, 3, 2), (2**52, 966, 2, 1), (2**51 - 1, 1843, 4, 0)],
)
def test_fallback_draw_at_its_boundaries(compiled, bits, low, rest, pick):
    """β = 0, N = 24, m = 22, everyone active, one step; the key is built so that draw 700 is a
    fallback draw with the given bits: u = 1 exactly (pick clamped to R − 1), u·2 = 1 exactly
    (b = 2⁵², where b + ½ rounds to 2⁵²: pick 1 of 2), u·4 = 1 − 2⁻⁵² (b = 2⁵¹ − 1: pick 0 of 4)."""
    n, m = 24, 22
    x = opinions(n, 3)
    a = np.ones(n)
    key = key_with(700, bits, low)
    want, want_moved, traces = oracle(x, a, [key], m, 0.5, beta=0.0, **BASE)
    log = traces[0]["draws"]
    assert log[699][0] == "fallback"
    assert traces[0]["fallbacks"][[p for p, _ in log[:700]].count("fallback") - 1] == (rest, pick)
    got, moved = run(x, a, [key], m, 0.5, beta=0.0, compiled=compiled, **BASE)
    agree(got, want)
    agree(moved, want_moved)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("later", [False, True])
def test_clocks_resolve_a_near_tie(compiled, later):
    """β = 1, N = 3, only citizen 0 active (at 0), m = 1: citizen 2 is placed so that its clock
    E_2·x_2 is 10⁻¹² (relative) before or after citizen 1's E_1·1 — the earlier rings, so the
    clocks must use the documented uniforms to the last bits."""
    key = 77
    probe = Draws(key)
    probe("activation")
    e1 = -math.log(probe("clock 1"))
    e2 = -math.log(probe("clock 2"))
    x = [0.0, 1.0, e1 / e2 * (1.0 + (1e-12 if later else -1e-12))]
    a = [1.0, 0.0, 0.0]
    want, want_moved, traces = oracle(x, a, [key], 1, 0.0, beta=1.0, **BASE)
    assert traces[0]["contacts"] == [(0, 1 if later else 2)]
    got, moved = run(x, a, [key], 1, 0.0, beta=1.0, compiled=compiled, **BASE)
    agree(got, want)
    agree(moved, want_moved)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(
    "draw, bits, low, pick", [(250, 3002399751580330, 1924, 1), (200, 3002399751580329, 134, 0)]
)
def test_fallback_draw_on_a_third(compiled, draw, bits, low, pick):
    """β = 0, N = 60, m = 57, citizens 0, 20 and 40 active, one step: the key is built so that
    the given draw is a fallback among R = 3 with b on the boundary ⌊u·3⌋ = 1 (the first b with
    ⌊u·3⌋ = 1, or the last with 0, in floating point), so the fallback's uniform must be the
    documented one to the last bits."""
    n, m = 60, 57
    x = opinions(n, 3)
    a = np.zeros(n)
    a[[0, 20, 40]] = 1.0
    key = key_with(draw, bits, low)
    want, want_moved, traces = oracle(x, a, [key], m, 0.5, beta=0.0, **BASE)
    log = traces[0]["draws"]
    assert log[draw - 1][0] == "fallback"
    index = [p for p, _ in log[:draw]].count("fallback") - 1
    assert traces[0]["fallbacks"][index] == (3, pick)
    got, moved = run(x, a, [key], m, 0.5, beta=0.0, compiled=compiled, **BASE)
    agree(got, want)
    agree(moved, want_moved)
