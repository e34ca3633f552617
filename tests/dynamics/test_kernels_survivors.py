"""Gaps the seventh mutation round (issue 13) found in model/dynamics/kernels.py: mechanisms the
earlier tests let a mutant change unseen. Each test names the mechanism it guards; expected
values are worked out by hand or by an oracle written from the docstring (its own SplitMix64 and
encounter rules), never by the kernel under test.

- **a draw of exactly 1**: SplitMix64 uniforms (b + ½)·2⁻⁵³ round to exactly 1 at b = 2⁵³ − 1
  (``Keyed.uniform``'s docstring), so every clamp of a sweep given uniforms, i ≤ N − 1,
  neighbour ≤ deg − 1, link ≤ M − 1, pick ≤ count − 1, is reached, and the recommender's "no
  cumulative weight above the target" fallback too;
- **the keyed Deffuant draw on a non-dyadic boundary**: for N = 3 the citizen's cut at
  hi = ⌈2³²/3⌉ and the neighbour's at lo = 2³¹ (keys built by inverting the finaliser);
- **keyed Deffuant without work space** (``NO_WORK``: no movement wanted);
- **radicalization's log clocks**: the opinion range that decides them (every bound, the floor),
  an empty population, and a clock draw of exactly 1 (E = 0 rings first, no log of 0);
- **gap_clusters**: integer sizes, a NaN (sorted, not binned), a gap of 0 or below (sorted, no
  division by a zero width);
- **kernel / run_threaded compile by default**.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import model.dynamics.kernels as K
from model.dynamics.kernels import NO_DRAWS, NO_WORK, NOT_FROZEN, kernel
from tests.dynamics.test_kernels_values import assert_state, hn_run, hn_state
from tests.dynamics.test_radicalization_values import TOP, Draws, key_with, oracle
from tests.dynamics.test_radicalization_values import run as radicalize
from tests.hand_draws import keyed_encounters

# the complete graph on 3 citizens: 0 → [1, 2], 1 → [0, 2], 2 → [0, 1]
INDPTR = np.array([0, 2, 4, 6], dtype=np.int64)
INDICES = np.array([1, 2, 0, 2, 0, 1], dtype=np.int64)
ROWS = np.array([0, 0, 1, 1, 2, 2], dtype=np.int64)  # each stored entry's row (voter_link)


def plain(name):
    return kernel(name, use_compiled=False)


# -- keyed Deffuant ---------------------------------------------------------------------------
def deffuant_oracle(x, eps, rate, key):
    """One keyed step on the 3-citizen complete graph, from the docstring: encounter t takes the
    t-th SplitMix64 output z of ``key``; i = ⌊hi·N / 2³²⌋, partner number ⌊lo·deg / 2³²⌋ (hi,
    lo: z's top and bottom 32 bits); both move by ``rate`` toward each other when d < ε."""
    x = list(x)
    met = []
    for i, k in keyed_encounters(key, len(x), INDPTR):
        j = int(INDICES[INDPTR[i] + k])
        met.append((i, j))
        xi, xj = x[i], x[j]
        if abs(xi - xj) < eps:
            move = rate * (xj - xi)
            x[i], x[j] = xi + move, xj - move
    return x, met


def keyed_deffuant(x, eps, rate, key, work=True, ahead=False):
    x = np.array(x, dtype=float)
    before = np.zeros(x.size) if work else NO_WORK
    moved = np.full(1, np.nan) if work else NO_DRAWS
    keys = np.array([key], dtype=np.uint64)
    plain("deffuant_sweep")(
        x, INDPTR, INDICES, np.array([eps]), rate, NOT_FROZEN, NO_DRAWS, keys, before, moved, ahead
    )
    return x, moved


CUT = -(-(1 << 32) // 3)  # ⌈2³²/3⌉: the first top half with ⌊hi·3 / 2³²⌋ = 1


@pytest.mark.parametrize("ahead", [False, True])
@pytest.mark.parametrize(
    "hi, lo, first",
    [
        (CUT, 0, (1, 0)),  # on the cut at ⅓: citizen 1, its first neighbour
        (CUT - 1, 0, (0, 1)),  # one below: citizen 0
        (CUT - 1, 1 << 31, (0, 2)),  # lo·2 / 2³² = 1 exactly: the second neighbour
        (CUT - 1, (1 << 31) - 1, (0, 1)),  # one below: still the first
        ((1 << 32) - 1, (1 << 32) - 1, (2, 1)),  # the largest draw: the last citizen, last tie
    ],
)
def test_keyed_deffuant_draw_on_the_boundary_of_a_third(ahead, hi, lo, first):
    """Mechanism: the keyed draw's halves, i = ⌊hi·N / 2³²⌋ and the partner ⌊lo·deg / 2³²⌋.
    N = 3 (cut at hi = 2³²/3, not a power-of-two fraction): the key puts encounter 0's draw on
    or just below a cut of either grid, or at its largest. ε = 2: every encounter moves both
    ends, so who met first shows in the opinions."""
    z = (hi << 32) | lo
    key = key_with(1, z >> 11, z & 0x7FF)
    want, met = deffuant_oracle([0.0, 0.25, 1.0], 2.0, 0.5, key)
    assert met[0] == first
    got, _ = keyed_deffuant([0.0, 0.25, 1.0], 2.0, 0.5, key, ahead=ahead)
    assert got.tolist() == want


def test_keyed_deffuant_without_work_space_moves_the_same():
    """Mechanism: ``before`` is optional with keys (``NO_WORK``: no movement wanted, nothing is
    written). Two citizens, one tie, ε = 2, μ = ½: the first encounter meets them at ½, and
    nothing moves after; with work space the step's movement is ½ + ½ = 1."""
    indptr = np.array([0, 1, 2], dtype=np.int64)
    indices = np.array([1, 0], dtype=np.int64)
    keys = np.array([12345], dtype=np.uint64)
    for work, want_moved in ((False, None), (True, 1.0)):
        x = np.array([0.0, 1.0])
        before = np.zeros(2) if work else NO_WORK
        moved = np.full(1, np.nan) if work else NO_DRAWS
        plain("deffuant_sweep")(
            x, indptr, indices, np.ones(1) * 2, 0.5, NOT_FROZEN, NO_DRAWS, keys, before, moved,
            False,
        )  # fmt: skip
        assert x.tolist() == [0.5, 0.5]
        if work:
            assert moved.tolist() == [want_moved]


# -- a uniform of exactly 1 in the sweeps given their uniforms --------------------------------
def test_deffuant_issues_draw_of_one_is_the_last_citizen_and_its_last_neighbour():
    """Mechanism: the clamps i ≤ N − 1 and partner ≤ deg − 1 (u = 1 exactly). Citizen 2 meets 1
    (its last neighbour): both at 1 and 3 move half-way, to 2."""
    x = np.array([[0.0], [1.0], [3.0]])
    plain("deffuant_sweep_issues")(
        x, INDPTR, INDICES, np.array([10.0]), 0.5, NOT_FROZEN, np.array([1.0])
    )
    assert x.ravel().tolist() == [0.0, 2.0, 2.0]


@pytest.mark.parametrize("gamma", [0.0, 1.0, 2.0])
def test_algorithmic_bias_draw_of_one_takes_the_last_neighbour(gamma):
    """Mechanism: i clamped to N − 1, and a partner draw u = 1 whose target u·Σw equals the last
    cumulative weight (no weight lies above it): the fallback, the last neighbour. Citizen 2
    (at 3) meets citizen 1 (at 1), both move half-way to 2."""
    x = np.array([0.0, 1.0, 3.0])
    u = np.array([[1.0, 1.0]])
    plain("algorithmic_bias_sweep")(
        x, INDPTR, INDICES, np.array([10.0]), 0.5, gamma, 1e-4, NOT_FROZEN, u
    )
    assert x.tolist() == [0.0, 2.0, 2.0]


@pytest.mark.parametrize(
    "name, want",
    [
        ("voter_sweep", [0.0, 1.0, 1.0]),  # citizen 2 copies its last neighbour, 1
        ("voter_invasion_sweep", [0.0, 3.0, 3.0]),  # citizen 2 imposes on 1
    ],
)
def test_voter_draw_of_one_is_the_last_citizen_and_its_last_neighbour(name, want):
    """Mechanism: the clamps i ≤ N − 1 and neighbour ≤ deg − 1 at u = 1."""
    x = np.array([[0.0], [1.0], [3.0]])
    plain(name)(x, INDPTR, INDICES, NOT_FROZEN, np.array([1.0]))
    assert x.ravel().tolist() == want


def test_voter_link_draw_of_one_is_the_last_stored_link():
    """Mechanism: the link clamp e ≤ M − 1 at u = 1: entry 5, row 2 copies neighbour 1."""
    x = np.array([[0.0], [1.0], [3.0]])
    plain("voter_link_sweep")(x, ROWS, INDICES, NOT_FROZEN, np.array([1.0]))
    assert x.ravel().tolist() == [0.0, 1.0, 1.0]


def test_q_voter_draws_of_one_pick_the_last_citizen_and_its_last_neighbour():
    """Mechanism: the clamps of i and of every panel member at u = 1. Citizen 2 conforms
    (u1 = ½ ≥ p = 0): its panel is neighbour 1 twice, unanimous at −1: 2 copies −1."""
    x = np.array([1.0, -1.0, 1.0])
    plain("q_voter_sweep")(
        x, INDPTR, INDICES, 2, 0.0, False, NOT_FROZEN, np.array([[1.0, 0.5, 1.0, 1.0]])
    )
    assert x.tolist() == [1.0, -1.0, -1.0]


def test_naming_game_draw_of_one_is_the_last_speaker_and_its_last_listener():
    """Mechanism: the speaker and listener clamps at u = 1. Speaker 2 (B only) speaks B to
    listener 1 (A only), who does not hold it and adds it: 1 becomes AB (0)."""
    x = np.array([0.0, -1.0, 1.0])
    plain("naming_game_sweep")(x, INDPTR, INDICES, NOT_FROZEN, np.array([1.0]))
    assert x.tolist() == [0.0, 0.0, 1.0]


def test_majority_draws_of_one_pick_the_last_slots():
    """Mechanism: the clamps of i and of each slot k ≤ deg − r at u = 1. Citizen 2 draws slot
    ⌊1·2⌋ → 1, then ⌊1·1⌋ → 0 of the one left: the group {2, 1, 0} votes (1, 1, −1): +1."""
    x = np.array([1.0, 1.0, -1.0])
    plain("majority_sweep")(x, INDPTR, INDICES, 3, NOT_FROZEN, np.array([[1.0, 1.0, 1.0]]))
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_sznajd_draw_of_one_is_the_last_citizen_and_its_last_neighbour():
    """Mechanism: the clamps at u = 1: the pair (2, 1) agrees (+1) and converts neighbour 0."""
    x = np.array([-1.0, 1.0, 1.0])
    plain("sznajd_sweep")(x, INDPTR, INDICES, NOT_FROZEN, np.array([1.0]))
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_holme_newman_draw_of_one_is_the_last_citizen():
    """Mechanism: i ≤ N − 1 at u0 = 1. Citizen 4 (path 0-1-2-3-4, see ``hn_state``) rewires its
    tie (half 7, far half 6 at citizen 3): the first try ⌊5·0.1⌋ = 0 holds a, so half 6 leaves
    the tail of 3's list [5, 6] and heads 0's."""
    state = hn_state()
    hn_run(state, [1.0, 0.0, 0.0, 0.0, 0.1])
    assert_state(
        state,
        owner=[0, 1, 1, 2, 2, 3, 0, 4],
        head=[6, 1, 3, 5, 7],
        nxt=[-1, 2, -1, 4, -1, -1, 0, -1],
        prv=[6, -1, 1, -1, 3, -1, -1, -1],
        deg=[2, 2, 2, 1, 1],
    )


def test_holme_newman_tie_draw_of_one_is_the_last_tie():
    """Mechanism: the tie number ≤ deg − 1 at u2 = 1. Citizen 3 (u0 = 0.7), ties [5, 6]: tie 1,
    half 6, far half 7 at citizen 4; the first try draws 0 (a): half 7 leaves 4 (alone in its
    list) and heads 0's list."""
    state = hn_state()
    hn_run(state, [0.7, 0.0, 1.0, 0.0, 0.1])
    assert_state(
        state,
        owner=[0, 1, 1, 2, 2, 3, 3, 0],
        head=[7, 1, 3, 5, -1],
        nxt=[-1, 2, -1, 4, -1, 6, -1, 0],
        prv=[7, -1, 1, -1, 3, -1, 5, -1],
        deg=[2, 2, 2, 2, 0],
    )


@pytest.mark.parametrize("row", [[0.1, 0.0, 0.0, 0.0, 1.0], [0.1, 0.0, 0.0, 1.0] + [0.1] * 8])
def test_holme_newman_rejection_and_list_draws_of_one_are_the_last(row):
    """Mechanism: a rejection try c ≤ N − 1 (u = 1 draws citizen 4, category a) and the list
    pick ≤ members − 2 (u3 = 1, every try drawing 0 itself: the last of 0's fellows 3, 4). Either
    way citizen 0's tie (far half 1 at citizen 1) moves to citizen 4."""
    state = hn_state()
    hn_run(state, row)
    assert_state(
        state,
        owner=[0, 4, 1, 2, 2, 3, 3, 4],
        head=[0, 2, 3, 5, 1],
        nxt=[-1, 7, -1, 4, -1, 6, -1, -1],
        prv=[-1, -1, -1, -1, 3, -1, 5, 1],
        deg=[1, 1, 2, 2, 2],
    )


# -- radicalization: the log clocks -----------------------------------------------------------
BIG = {"k": 1.0, "alpha": 100.0, "dt": 0.1}  # α = 100: tanh of every opinion here is ±1


def test_log_clocks_follow_the_whole_opinion_range():
    """Mechanism: the clocks are compared in logs once β·ln(largest gap i sees) > 600, the
    largest gap being max(x_i − min x, max x − x_i) over everyone, not |x_i|: at β = 10.5 gaps
    of 1e30 and 1e32 give clocks d^β beyond the largest double (as products both would be ∞, a
    tie). Only citizen 0 (at 0) is active, m = 1: the nearer citizen 2 rings first whatever the
    draws (its clock is smaller by 100^10.5 ≫ any ratio of two Exp(1) draws, ≤ 2⁶⁰)."""
    args = ([0.0, 1e32, -1e30], [1.0, 0.0, 0.0], [20260], 1, 0.0)
    want, want_moved, traces = oracle(*args, beta=10.5, **BIG)
    assert traces[0]["contacts"] == [(0, 2)]
    got, moved = radicalize(*args, beta=10.5, **BIG)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert got[0] < 0.0  # pulled toward 2 (tanh = −1)
    assert moved == pytest.approx(want_moved, rel=1e-12)


def test_log_clocks_at_beta_one_for_gaps_near_the_largest_double():
    """Mechanism: the switch to log clocks looks at the opinion range for every β ≠ 0, β = 1
    included: gaps of 1.5e308 and 1e308 (ln > 600) with this key's draws E_1 ≈ 4.92 and
    E_2 ≈ 2.54 give products E·d beyond the largest double (a tie at ∞); in logs citizen 2
    rings first (E_2·1e308 < E_1·1.5e308) and pulls citizen 0 down."""
    args = ([0.0, 1.5e308, -1e308], [1.0, 0.0, 0.0], [38], 1, 0.0)
    params = {"k": 1.0, "alpha": 1.0, "dt": 0.1}
    probe = Draws(38)
    probe("activation")
    e1, e2 = -math.log(probe("clock")), -math.log(probe("clock"))
    assert e1 * 1.5e308 == e2 * 1e308 == math.inf and e2 < 1.5 * e1
    want, want_moved, traces = oracle(*args, beta=1.0, **params)
    assert traces[0]["contacts"] == [(0, 2)]
    got, moved = radicalize(*args, beta=1.0, **params)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert got[0] < 0.0
    assert moved == pytest.approx(want_moved, rel=1e-12)


@pytest.mark.parametrize(
    "x, i, far, k",
    [
        ([1e30, 0.0, -1.0], 1, 0, 1.0),  # the far one is x[0]
        ([0.0, 1e30, -1.0], 0, 1, 1.0),  # x[1], above i
        ([0.0, -1e30, 1.0], 0, 1, 1.0),  # below i
        ([-1e30, 1e30, -1e30 + 1e24], 0, 1, 1e29),  # i at the bottom, max x = −x_i (K = 1e29)
    ],
)
def test_log_clock_of_a_far_citizen_drawn_from_u_of_one_rings_first(x, i, far, k):
    """Mechanism: the opinion range that switches to log clocks covers every citizen and both
    sides of x_i. One citizen is 1e30 away (β = 10.5: d^β is beyond the largest double) and the
    key makes its clock draw exactly 1 (E = 0): in logs its clock is −∞ and it rings first; as a
    product 0·∞ would be NaN, and lost. Only i is active, m = 1; the far one and the near one
    pull i opposite ways (tanh ±1 at α = 100)."""
    draw = i + 2 + (far if far < i else far - 1)  # activations 0..i, then i's clocks in row order
    a = [0.0] * 3
    a[i] = 1.0
    args = (x, a, [key_with(draw, TOP)], 1, 0.0)
    params = dict(BIG, k=k)
    want, want_moved, traces = oracle(*args, beta=10.5, **params)
    assert traces[0]["draws"][draw - 1] == ("clock", 1.0)
    assert traces[0]["contacts"] == [(i, far)]
    got, moved = radicalize(*args, beta=10.5, **params)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert moved == pytest.approx(want_moved, rel=1e-12)


def test_exactly_tied_clocks_are_contacted_in_row_order():
    """Mechanism: among exactly equal clocks the earlier citizen in row order is contacted first
    (the order of sampling; it decides which reciprocity draw each contact gets). β = 1, only
    citizen 0 (at 0) active, m = 2: citizen 1 sits at E_2 and citizen 2 at −E_1, so their
    clocks E_1·E_2 and E_2·E_1 are the same double; citizen 3 is far. r lies between the two
    reciprocity draws: only the contact made first is returned — 0 → 1, returned by 1."""
    key = 4242
    probe = Draws(key)
    probe("activation")
    e1, e2, e3 = (-math.log(probe("clock")) for _ in range(3))
    for _ in range(3):
        probe("activation")
    first, second = probe("reciprocity"), probe("reciprocity")
    assert e1 * e2 == e2 * e1 < e3 * 50.0 and first < second
    x = [0.0, e2, -e1, 50.0]
    r = (first + second) / 2.0
    # the drawn network by hand (the oracle's 50-digit powers are not exact enough to tie):
    # 0 → 1, 0 → 2, and 1 → 0 returned; one RK4 step of dx/dt = −x + K·A·tanh(α·x)
    a = np.zeros((4, 4))
    a[0, 1] = a[0, 2] = a[1, 0] = 1.0

    def f(y):
        return -y + 3.0 * (a @ np.tanh(2.0 * y))

    y0 = np.array(x)
    k1 = f(y0)
    k2 = f(y0 + 0.025 * k1)
    k3 = f(y0 + 0.025 * k2)
    k4 = f(y0 + 0.05 * k3)
    want = y0 + 0.05 / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    got, moved = radicalize(
        x, [1.0, 0.0, 0.0, 0.0], [key], 2, r, beta=1.0, k=3.0, alpha=2.0, dt=0.05
    )
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert moved == pytest.approx([np.abs(want - y0).sum()], rel=1e-12)


def test_radicalization_of_no_citizens_moves_nothing():
    """Mechanism: the opinion range is taken only when there are citizens (β ≠ 0, N = 0)."""
    got, moved = radicalize([], [], [7], 1, 0.5, beta=2.0, k=1.0, alpha=1.0, dt=0.1)
    assert got.size == 0
    assert moved.tolist() == [0.0]


def test_clocks_among_equal_opinions_use_the_floor():
    """Mechanism: the largest gap is floored at HOMOPHILY_FLOOR (no log of 0) when every
    opinion is equal. x = 0: tanh 0 = 0, nothing moves, whoever is contacted."""
    got, moved = radicalize([0.0] * 3, [1.0] * 3, [99], 1, 0.5, beta=2.0, k=1.0, alpha=1.0, dt=0.1)
    assert got.tolist() == [0.0] * 3
    assert moved.tolist() == [0.0]


def test_a_log_clock_drawn_from_u_of_one_rings_first():
    """Mechanism: in log clocks (β = 30: 30·ln 10¹⁰ > 600), E = −ln u = 0 at u = 1 exactly is
    −∞ (no log of 0): it rings first. The key makes citizen 0's first clock draw (draw 2, for
    citizen 1) exactly 1: 1 is contacted though 2 is nearer."""
    key = key_with(2, TOP)
    args = ([0.0, 0.9, -0.1], [1.0, 0.0, 0.0], [key], 1, 0.0)
    want, want_moved, traces = oracle(*args, beta=30.0, **BIG)
    assert traces[0]["draws"][1] == ("clock", 1.0)
    assert traces[0]["contacts"] == [(0, 1)]
    got, moved = radicalize(*args, beta=30.0, **BIG)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert got[0] > 0.0  # pulled toward 1 (tanh = +1), not toward 2
    assert moved == pytest.approx(want_moved, rel=1e-12)


# -- gap_clusters ------------------------------------------------------------------------------
@pytest.mark.parametrize("x", [[0.0, 0.1, 1.0], [0.0, 1e9, 0.1]])
def test_gap_cluster_sizes_are_integers(x):
    """Mechanism: sizes are counts, int64, on the binned path and the sorted one (1e9: too
    spread for bins). Groups: {0, 0.1} and the other, in opinion order."""
    got = plain("gap_clusters")(np.array(x), 0.5)
    assert got.dtype == np.int64
    assert got.tolist() == [2, 1]


def test_gap_clusters_sort_a_nan_last():
    """Mechanism: a value that is not finite sends the count to the sort (bins cannot hold
    NaN): sorted (0, 1, NaN), the gap 1 > ½ cuts, NaN − 1 > ½ is false: sizes 1, 2."""
    got = plain("gap_clusters")(np.array([0.0, math.nan, 1.0]), 0.5)
    assert got.tolist() == [1, 2]


@pytest.mark.parametrize("gap, want", [(0.0, [1, 2, 1]), (-1.0, [1, 1, 1, 1])])
def test_gap_clusters_with_a_gap_not_positive_sort(gap, want):
    """Mechanism: a gap that is not positive sends the count to the sort, with no division by
    the bin width (compiled, numba raises ZeroDivisionError on x/0.0; here NumPy is told to
    raise). Gap 0 cuts between every two different values: (¼), (½, ½), (1); gap −1 between
    every two values."""
    with np.errstate(divide="raise", invalid="raise"):
        got = plain("gap_clusters")(np.array([0.5, 0.5, 0.25, 1.0]), gap)
    assert got.tolist() == want


# -- compiled by default -----------------------------------------------------------------------
def test_kernel_and_run_threaded_compile_unless_told_not_to(monkeypatch):
    """Mechanism: ``kernel`` and ``run_threaded`` ask for the compiled build by default and
    pass ``use_compiled`` on as given."""
    asked = []

    def fake_twin(func, *, use_compiled=True):
        asked.append(("twin", use_compiled))
        return func

    def fake_threaded(func, size, *args, use_compiled=True):
        asked.append(("threaded", use_compiled))

    monkeypatch.setattr(K, "twin", fake_twin)
    monkeypatch.setattr(K, "threaded", fake_threaded)
    K.kernel("gap_clusters")
    K.kernel("gap_clusters", use_compiled=False)
    K.run_threaded("neighbour_count", 10)
    K.run_threaded("neighbour_count", 10, use_compiled=False)
    assert asked == [("twin", True), ("twin", False), ("threaded", True), ("threaded", False)]
