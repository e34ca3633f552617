"""Kernels compiled with numba: the sequential opinion updates (Deffuant encounters, voter copies
and the other rules), the feed's attention caps, neighbour counts, the poll's argmax pass and
opinion clusters counted without a sort.

These updates are sequential by definition — each encounter sees the opinions the previous one
left — so NumPy cannot vectorise them; numba compiles the plain-Python loops below. The same
functions run uncompiled as the reference twin (``compiled=False``); a test checks both agree
bit for bit. The random numbers are drawn by the caller from the model's ``update`` stream
(uniforms per update), or, for the keyed sweeps, generated inside from one key per step by
SplitMix64 (integer arithmetic): either way compiled and uncompiled paths use the same draws.

Compilation and its on-disk cache are handled by :mod:`model.jit`. A body several kernels share
once per step (:func:`movement`) is a :func:`model.jit.helper`. The lines that turn a draw into
an encounter (i, j) and the encounter's update are repeated in each loop on purpose: a helper
taking arrays, called once per encounter, made the Deffuant sweep seven times slower (numba
neither inlined it nor spared the arrays' reference counting).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from model.jit import AHEAD, helper, prange, prefetch, threaded, twin
from model.rng import Keyed, _mix_key, _unit

# the ``frozen`` argument of the sweeps when nobody is committed (no flags: every check skipped)
NOT_FROZEN = np.zeros(0, dtype=np.bool_)
# empty arguments of :func:`deffuant_sweep`: no uniforms given, no keys, no movement wanted
NO_DRAWS = np.zeros(0)
NO_KEYS = np.zeros(0, dtype=np.uint64)
NO_WORK = np.zeros(0)

# SplitMix64's constants (Steele, Lea & Flood 2014; as in model.rng): the golden-ratio increment
# and the finaliser's two multipliers
SPLITMIX_GAMMA = np.uint64(0x9E3779B97F4A7C15)
SPLITMIX_M1 = np.uint64(0xBF58476D1CE4E5B9)
SPLITMIX_M2 = np.uint64(0x94D049BB133111EB)
# the Deffuant sweep's look-ahead: an encounter's draw is made 3·LAG encounters before its
# update, its partner's place looked up 2·LAG before and the partner LAG before (RING ≥ 3·LAG + 1
# slots, a power of two, hold them). 16 measured best at 10⁶ citizens (BA, m = 3) and costs
# nothing at 10³; the value changes no result.
LAG = 16
RING = 64
STRIDE = np.uint64(AHEAD)  # model.jit.AHEAD, for unsigned positions
# attention_select keeps each reader's best in a row of its own when no cap exceeds this (memory:
# 16 bytes per citizen and unit of cap; the counting sort beyond)
SMALL_CAP = 4
# the keyed encounter map's halves: i from a draw's top 32 bits, the neighbour from its bottom 32
HIGH = np.uint64(32)
LOW = np.uint64(0xFFFFFFFF)
ONE = np.uint64(1)
# below this many people a flag array read at random fits in the L2 cache and asking for its
# entries early only costs time (threshold_round at 2,005 people: 12.7 µs with the hints, 10.3
# without); a stated guess between that and the million where the hints pay
PREFETCH_MIN = 1 << 18
NONE = np.uint64(0xFFFFFFFFFFFFFFFF)  # no index (a citizen without ties) in the unsigned rings
# the keyed Deffuant sweep looks ahead (``ahead``) when the arrays an encounter reads at random —
# the opinions and the graph's indptr and indices — take more than this many bytes; below, they
# stay in the processor's caches and the plain loop is faster. Measured on a core with 1 MiB of
# L2 (BA, m = 3): the plain loop 1.16x faster at 30,000 citizens (1.1 MB), the look-ahead 1.07x
# faster at 60,000 (2.2 MB), 1.2x at 100,000 and 2.7x at 10⁶. The value changes no result.
LOOKAHEAD_BYTES = 3 << 19


def looks_ahead(x: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> bool:
    """Whether a keyed sweep over these arrays runs its look-ahead (``LOOKAHEAD_BYTES``)."""
    return x.nbytes + indptr.nbytes + indices.nbytes > LOOKAHEAD_BYTES


def deffuant_sweep(  # pragma: no cover
    x, indptr, indices, openness, rate, frozen, u, keys, before, moved, ahead
):
    """Deffuant et al. 2000 encounters in order, one issue: ``x`` is (N,).

    Each encounter pairs a citizen i with one of its neighbours j, both drawn uniformly. Both
    move by ``rate`` toward each other when their distance is below their own openness;
    ``openness`` has N entries, or one shared by all (equal openness = the textbook symmetric
    update, which conserves the mean). Branch-free moves keep the loop fast.

    ``frozen`` (N flags, or none) marks committed citizens: they are met and pull their partner
    but never move (``opinion.zealots``).

    The encounters come from one of two sources:

    - ``keys`` given (uint64, one per step; the model's path): ``keys.size`` steps of N
      encounters each. Encounter t of step s takes the t-th output z of SplitMix64 seeded with
      ``keys[s]`` (:func:`splitmix_bits`): i = ⌊hi·N / 2³²⌋ and neighbour number
      ⌊lo·deg(i) / 2³²⌋, hi and lo the top and bottom 32 bits of z (Lemire 2019, "Fast random
      integer generation in an interval", ACM TOMACS 29:3, the multiply-shift map without its
      rejection step: a citizen's chance is within N·2⁻³² of 1/N relative, 2.4·10⁻⁴ at a million
      citizens, and a neighbour's within deg·2⁻³² — far below sampling noise). Nothing is drawn
      into memory. N must be below 2³². With ``before`` (N floats of work space) given,
      ``moved[s]`` is step s's opinion movement Σ_i |x_i(after) − x_i(before)| over the N rows,
      summed in four interleaved partial sums (rows q ≡ 0, 1, 2, 3 mod 4, then added pairwise:
      one sum in row order waits on each addition); staff rows, when the peer graph has them,
      are committed: they never move.
    - ``keys`` empty: the array ``u``, one uniform per encounter (a single sweep of ``u.size``):
      i = ⌊u_t·N⌋ and neighbour ⌊f·deg(i)⌋, f the fractional part of u_t·N (f keeps
      53 − log2 N ≥ 22 bits, so the neighbour is uniform to within deg·2⁻²²), each clamped.

    ``ahead`` (keyed steps only) runs the loop software-pipelined in four stages, L = ``LAG``
    encounters apart: the draw of encounter t + 3L, where its partner is listed for t + 2L, the
    partner of t + L, and the update of t, each stage with a cache hint
    (:func:`model.jit.prefetch`) for what the next one reads. When the opinions and the graph do
    not fit in the processor's caches (:func:`looks_ahead`) every stage would otherwise wait on
    memory in turn; when they do, the plain loop is faster. The graph does not change within a
    sweep and the draws are the same, so looking ahead changes no value: every update still sees
    the opinions the previous one left.
    """
    n = x.shape[0]
    shared = openness.shape[0] == 1
    eps = openness[0]  # read once: a store to x may alias openness, so x[i] = … would reload it
    pinned = frozen.shape[0] != 0
    keyed = keys.shape[0] != 0
    track = keyed and before.shape[0] != 0
    steps = keys.shape[0] if keyed else 1
    count = n if keyed else u.shape[0]
    size = np.uint64(n)
    if track:
        for q in range(n):
            before[q] = x[q]
    mask = RING - 1
    # indices are unsigned throughout the keyed loops: numba then skips its check for negative
    # indices (Python's wrap-around) on every array access, which cost a fifth of the loop
    ring_i = np.empty(RING, dtype=np.uint64)  # encounter t's citizen i,
    ring_r = np.empty(RING, dtype=np.uint64)  # the draw's bottom 32 bits (the neighbour's),
    ring_q = np.empty(RING, dtype=np.uint64)  # the partner's place in ``indices`` (NONE: no tie)
    ring_j = np.empty(RING, dtype=np.uint64)  # and the partner j (NONE: no tie)
    for s in range(steps):
        state = keys[s] if keyed else np.uint64(0)
        if keyed and ahead:
            for t in range(count + 3 * LAG):
                if t < count:  # draw encounter t
                    state += SPLITMIX_GAMMA
                    z = state
                    z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
                    z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
                    z = z ^ (z >> np.uint64(31))
                    i = ((z >> HIGH) * size) >> HIGH
                    ring_i[t & mask] = i
                    ring_r[t & mask] = z & LOW
                    prefetch(indptr, i)
                b = t - LAG
                if 0 <= b < count:  # encounter b: where its partner is listed
                    i = ring_i[b & mask]
                    start = np.uint64(indptr[i])
                    deg = np.uint64(indptr[i + ONE]) - start
                    q = NONE
                    if deg != 0:
                        q = start + ((ring_r[b & mask] * deg) >> HIGH)
                        prefetch(indices, q)
                        prefetch(x, i)
                    ring_q[b & mask] = q
                c = t - 2 * LAG
                if 0 <= c < count:  # encounter c: its partner
                    q = ring_q[c & mask]
                    j = NONE
                    if q != NONE:
                        j = np.uint64(indices[q])
                        prefetch(x, j)
                    ring_j[c & mask] = j
                e = t - 3 * LAG
                if e < 0:
                    continue
                j = ring_j[e & mask]  # encounter e: the update
                if j == NONE:
                    continue
                i = ring_i[e & mask]
                xi = x[i]
                xj = x[j]
                d = abs(xi - xj)
                move = rate * (xj - xi)
                move_i = move if d < (eps if shared else openness[i]) else 0.0
                move_j = move if d < (eps if shared else openness[j]) else 0.0
                if pinned:
                    if frozen[i]:
                        move_i = 0.0
                    if frozen[j]:
                        move_j = 0.0
                x[i] = xi + move_i
                x[j] = xj - move_j
        elif keyed:
            for _ in range(count):
                state += SPLITMIX_GAMMA
                z = state
                z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
                z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
                z = z ^ (z >> np.uint64(31))
                i = ((z >> HIGH) * size) >> HIGH
                start = np.uint64(indptr[i])
                deg = np.uint64(indptr[i + ONE]) - start
                if deg == 0:
                    continue
                j = np.uint64(indices[start + (((z & LOW) * deg) >> HIGH)])
                xi = x[i]
                xj = x[j]
                d = abs(xi - xj)
                move = rate * (xj - xi)
                move_i = move if d < (eps if shared else openness[i]) else 0.0
                move_j = move if d < (eps if shared else openness[j]) else 0.0
                if pinned:
                    if frozen[i]:
                        move_i = 0.0
                    if frozen[j]:
                        move_j = 0.0
                x[i] = xi + move_i
                x[j] = xj - move_j
        else:
            for t in range(count):
                scaled = u[t] * n
                i = min(int(scaled), n - 1)
                start = indptr[i]
                deg = indptr[i + 1] - start
                if deg == 0:
                    continue
                j = indices[start + min(int((scaled - i) * deg), deg - 1)]
                xi = x[i]
                xj = x[j]
                d = abs(xi - xj)
                move = rate * (xj - xi)
                move_i = move if d < (eps if shared else openness[i]) else 0.0
                move_j = move if d < (eps if shared else openness[j]) else 0.0
                if pinned:
                    if frozen[i]:
                        move_i = 0.0
                    if frozen[j]:
                        move_j = 0.0
                x[i] = xi + move_i
                x[j] = xj - move_j
        if track:  # this step's movement; ``before`` becomes the next step's start
            moved[s] = movement(x, before)


@helper
def movement(x, before):  # pragma: no cover
    """Σ_q |x_q − before_q| in four interleaved partial sums (rows q ≡ 0, 1, 2, 3 mod 4, added
    as (s0 + s1) + (s2 + s3)), copying x into ``before`` as it goes."""
    n = x.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    top = n - n % 4
    for q in range(0, top, 4):
        a0 = x[q]
        a1 = x[q + 1]
        a2 = x[q + 2]
        a3 = x[q + 3]
        s0 += abs(a0 - before[q])
        s1 += abs(a1 - before[q + 1])
        s2 += abs(a2 - before[q + 2])
        s3 += abs(a3 - before[q + 3])
        before[q] = a0
        before[q + 1] = a1
        before[q + 2] = a2
        before[q + 3] = a3
    for q in range(top, n):
        xq = x[q]
        s0 += abs(xq - before[q])
        before[q] = xq
    return (s0 + s1) + (s2 + s3)


def splitmix_bits(key, count):  # pragma: no cover
    """The first ``count`` outputs of SplitMix64 (Steele, Lea & Flood 2014) seeded with ``key``:
    the draws of a keyed Deffuant or attraction–repulsion step (for tests and readers)."""
    out = np.empty(count, dtype=np.uint64)
    state = np.uint64(key)
    for t in range(count):
        state += SPLITMIX_GAMMA
        z = state
        z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
        z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
        out[t] = z ^ (z >> np.uint64(31))
    return out


def deffuant_sweep_issues(x, indptr, indices, openness, rate, frozen, u):  # pragma: no cover
    """:func:`deffuant_sweep` with K issues: ``x`` is (N, K), distance the RMS gap over issues."""
    n, k = x.shape
    shared = openness.shape[0] == 1
    pinned = frozen.shape[0] != 0
    for t in range(u.shape[0]):
        scaled = u[t] * n
        i = min(int(scaled), n - 1)
        start = indptr[i]
        deg = indptr[i + 1] - start
        if deg == 0:
            continue
        j = indices[start + min(int((scaled - i) * deg), deg - 1)]
        d = 0.0
        for c in range(k):
            diff = x[i, c] - x[j, c]
            d += diff * diff
        d = math.sqrt(d / k)
        move_i = d < openness[0 if shared else i] and not (pinned and frozen[i])
        move_j = d < openness[0 if shared else j] and not (pinned and frozen[j])
        for c in range(k):
            xi = x[i, c]
            xj = x[j, c]
            if move_i:
                x[i, c] = xi + rate * (xj - xi)
            if move_j:
                x[j, c] = xj + rate * (xi - xj)


def algorithmic_bias_sweep(  # pragma: no cover
    x, indptr, indices, openness, rate, gamma, floor, frozen, u
):
    """Deffuant encounters whose partner is chosen by a biased recommender (Sîrbu, Pedreschi,
    Giannotti & Kertész 2019, PLoS ONE 14:e0213246), in order; one issue, ``x`` is (N,).

    Encounter t uses u[t, 0] to pick citizen i = ⌊u[t, 0]·N⌋ and u[t, 1] to pick its partner j
    among its neighbours with probability d_ij^(-γ) / Σ_k d_ik^(-γ), d_ij = max(|x_i - x_j|,
    ``floor``) (the floor keeps equal opinions finite); γ = 0 is a uniform neighbour, Deffuant's
    encounter. Then the Deffuant update with each end's openness; committed (``frozen``) ends
    do not move. The partner costs O(deg(i)) per encounter.
    """
    n = x.shape[0]
    shared = openness.shape[0] == 1
    pinned = frozen.shape[0] != 0
    widest = 0
    for i in range(n):
        widest = max(widest, indptr[i + 1] - indptr[i])
    weight = np.empty(max(widest, 1))  # the drawn citizen's neighbours' cumulative weights
    for t in range(u.shape[0]):
        i = min(int(u[t, 0] * n), n - 1)
        start = indptr[i]
        end = indptr[i + 1]
        if end == start:
            continue
        xi = x[i]
        total = 0.0
        for q in range(start, end):
            d = max(abs(xi - x[indices[q]]), floor)
            # d^(-γ); the common exponents without a call to pow
            total += 1.0 if gamma == 0.0 else (1.0 / d if gamma == 1.0 else d**-gamma)
            weight[q - start] = total
        target = u[t, 1] * total
        j = indices[end - 1]
        for q in range(end - start):
            if weight[q] > target:
                j = indices[start + q]
                break
        xj = x[j]
        d = abs(xi - xj)
        move = rate * (xj - xi)
        move_i = move if d < openness[0 if shared else i] else 0.0
        move_j = move if d < openness[0 if shared else j] else 0.0
        if pinned:
            if frozen[i]:
                move_i = 0.0
            if frozen[j]:
                move_j = 0.0
        x[i] = xi + move_i
        x[j] = xj - move_j


def attraction_repulsion_sweep(  # pragma: no cover
    x, indptr, indices, accept, reject, rate, frozen, keys, before, moved
):
    """Jager & Amblard 2005 encounters in order, one issue: ``x`` is (N,).

    Encounters are drawn as in :func:`deffuant_sweep` with ``keys`` (one 64-bit key per step, N
    encounters per step, z the t-th SplitMix64 output of the step's key): citizen
    i = ⌊hi·N / 2³²⌋ meets its neighbour number ⌊lo·deg(i) / 2³²⌋, hi and lo z's top and bottom
    32 bits — the same (i, j) sequence as Deffuant's for the same keys. Only i changes (the
    paper's update is one-sided), with d = |x_i − x_j|, U_i = ``accept`` and T_i = ``reject``
    (N entries, or one shared):

    - d < U_i: x_i += μ·(x_j − x_i) (assimilation);
    - d > T_i: x_i −= μ·(x_j − x_i) (contrast);
    - otherwise nothing (non-commitment). Assimilation is tested first, so a citizen whose U_i
      exceeds T_i (possible with an openness spread) assimilates. The result is clipped to
      [−1, 1] (only contrast can leave the scale).

    With T ≥ 2 nobody is ever repelled: Deffuant's encounter with only i moving. ``frozen``
    citizens are met and pull or push but never move. ``moved[s]`` is step s's movement
    Σ_i |x_i(after) − x_i(before)| when ``before`` (N floats of work space) is given, summed as
    :func:`movement` sums it.

    The loop is software-pipelined as :func:`deffuant_sweep`'s (draw, partner's place, partner,
    update, ``LAG`` encounters apart, each with a cache hint, unsigned indices); looking ahead
    changes no value.
    """
    n = x.shape[0]
    shared_u = accept.shape[0] == 1
    shared_t = reject.shape[0] == 1
    accept0 = accept[0]  # read once: a store to x may alias them, so x[i] = … would reload them
    reject0 = reject[0]
    pinned = frozen.shape[0] != 0
    track = before.shape[0] != 0
    size = np.uint64(n)
    mask = RING - 1
    ring_i = np.empty(RING, dtype=np.uint64)  # encounter t's citizen i (unsigned, as Deffuant's),
    ring_r = np.empty(RING, dtype=np.uint64)  # the draw's bottom 32 bits (the neighbour's),
    ring_q = np.empty(RING, dtype=np.uint64)  # the partner's place in ``indices`` (NONE: no tie)
    ring_j = np.empty(RING, dtype=np.uint64)  # and the partner j (NONE: no tie)
    if track:
        for q in range(n):
            before[q] = x[q]
    for s in range(keys.shape[0]):
        state = keys[s]
        for t in range(n + 3 * LAG):
            if t < n:  # draw encounter t
                state += SPLITMIX_GAMMA
                z = state
                z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
                z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
                z = z ^ (z >> np.uint64(31))
                i = ((z >> HIGH) * size) >> HIGH
                ring_i[t & mask] = i
                ring_r[t & mask] = z & LOW
                prefetch(indptr, i)
            b = t - LAG
            if 0 <= b < n:  # encounter b: where its partner is listed
                i = ring_i[b & mask]
                start = np.uint64(indptr[i])
                deg = np.uint64(indptr[i + ONE]) - start
                q = NONE
                if deg != 0:
                    q = start + ((ring_r[b & mask] * deg) >> HIGH)
                    prefetch(indices, q)
                    prefetch(x, i)
                ring_q[b & mask] = q
            c = t - 2 * LAG
            if 0 <= c < n:  # encounter c: its partner
                q = ring_q[c & mask]
                j = NONE
                if q != NONE:
                    j = np.uint64(indices[q])
                    prefetch(x, j)
                ring_j[c & mask] = j
            e = t - 3 * LAG
            if e < 0:
                continue
            j = ring_j[e & mask]  # encounter e: the update of i only
            if j == NONE:
                continue
            i = ring_i[e & mask]
            if pinned and frozen[i]:
                continue
            xi = x[i]
            gap = x[j] - xi
            d = abs(gap)
            # +μ within U, else −μ beyond T, else 0: two flat selects (a nested one compiles
            # to a branch that mispredicts, twice the cost per encounter)
            far = -rate if d > (reject0 if shared_t else reject[i]) else 0.0
            w = rate if d < (accept0 if shared_u else accept[i]) else far
            x[i] = min(1.0, max(-1.0, xi + w * gap))
        if track:  # this step's movement; ``before`` becomes the next step's start
            moved[s] = movement(x, before)


# radicalization: distances below this count as this in |x_i - x_j|^(-β), so equal opinions get a
# finite weight (a stated guess, far below any opinion gap the dynamics resolves)
HOMOPHILY_FLOOR = 1e-10
# radicalization: a clock E·d^β is computed as a product while β·|ln d| stays within this for
# every gap d an active citizen can see (d^β in [e^-600, e^600], E = 0 or in [2^-54, 38]: a
# normal double, far from underflow to 0 and overflow to inf); beyond, they are compared in logs
CLOCK_LOG_SPAN = 600.0
# radicalization: draws of a partner rejected (already chosen) before the exact fallback scan
PARTNER_TRIES = 32


def radicalization_steps(  # pragma: no cover
    x, activity, keys, m, reciprocity, social, alpha, beta, dt, moved
):
    """``keys.size`` steps of the activity-driven radicalisation model of Baumann,
    Lorenz-Spreen, Sokolov & Starnini 2020 (PRL 124:048301); one issue, ``x`` is (N,), unbounded.

    Step s draws every uniform from SplitMix64 seeded with ``keys[s]``, in this order:

    1. the contact network A(t) on the opinions x(t): citizen i (in row order) is active with
       probability ``activity[i]`` (one uniform each); an active i contacts m distinct others, each
       drawn with probability |x_i - x_j|^(-β) / Σ_k |x_i - x_k|^(-β) among those not yet chosen
       (k ≠ i; distances floored at ``HOMOPHILY_FLOOR``): successive sampling without
       replacement. For β > 0 by exponential clocks — every other citizen j rings at
       E_j·|x_i - x_j|^β, E_j = -ln u_j, and the m earliest are contacted (N - 1 uniforms). The
       clocks are compared as these products while β·|ln d| ≤ ``CLOCK_LOG_SPAN`` for every gap
       d in [``HOMOPHILY_FLOOR``, max_j |x_i - x_j|] (always at the paper's β ≤ 3), else as
       their logarithms ln E_j + β·ln|x_i - x_j| (E_j = 0 rings first): the same order, without
       the underflow to 0 (or overflow to inf) that would tie clocks at large β; for
       β = 0 uniformly, a draw that repeats a chosen citizen drawn again (``PARTNER_TRIES``
       times, then one more uniform picks among the rest). A contact sets A_ij = 1;
    2. reciprocity, in the order the contacts were made: a contact i → j that j did not make
       itself is returned (A_ji = 1) with probability ``reciprocity`` (one uniform each);
    3. one classical fourth-order Runge-Kutta step of length ``dt`` of
       dx_i/dt = -x_i + K·Σ_j A_ij·tanh(α·x_j) with A fixed over the step.

    ``moved[s]`` is the step's opinion movement Σ_i |x_i(t + dt) - x_i(t)|. Cost per step:
    O(N) plus O(N·⟨a⟩·m) contacts at β = 0, O(N²·⟨a⟩) at β > 0 (each active citizen weighs all).
    """
    n = x.shape[0]
    src = np.empty(2 * n * m, dtype=np.int64)  # edge e: A[src[e], dst[e]] = 1
    dst = np.empty(2 * n * m, dtype=np.int64)
    first = np.empty(n + 1, dtype=np.int64)  # citizen i's own contacts are edges first[i]..
    chosen = np.empty(m, dtype=np.int64)
    clock = np.empty(m)
    start = np.empty(n)
    y = np.empty(n)
    th = np.empty(n)
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    for s in range(keys.shape[0]):
        state = keys[s]
        low = high = 0.0  # the opinion range: bounds the gaps an active citizen sees
        if beta != 0.0 and n > 0:
            low = high = x[0]
            for i in range(1, n):
                low = min(low, x[i])
                high = max(high, x[i])
        # 1. who is active, and whom each active citizen contacts
        e = 0
        for i in range(n):
            first[i] = e
            state += SPLITMIX_GAMMA
            z = state
            z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
            z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
            z = z ^ (z >> np.uint64(31))
            if (float(z >> np.uint64(11)) + 0.5) * 2.0**-53 >= activity[i]:
                continue
            if beta != 0.0:
                # exponential clocks: citizen j rings at E_j·|x_i - x_j|^β, E_j ~ Exp(1) (one
                # uniform each, j ≠ i in row order); the m earliest are the contacts — the
                # successive weighted draws without replacement of weights |x_i - x_j|^(-β)
                xi = x[i]
                whole = int(beta) if beta == int(beta) and 0.0 < beta <= 8.0 else 0
                reach = max(xi - low, high - xi, HOMOPHILY_FLOOR)  # the largest gap i sees
                logs = abs(beta) * max(-math.log(HOMOPHILY_FLOOR), math.log(reach)) > CLOCK_LOG_SPAN
                c = 0  # contacts so far in chosen[:c], their clocks in clock[:c], ascending
                for j in range(n):
                    if j == i:
                        continue
                    state += SPLITMIX_GAMMA
                    z = state
                    z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
                    z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
                    z = z ^ (z >> np.uint64(31))
                    u = (float(z >> np.uint64(11)) + 0.5) * 2.0**-53
                    d = max(abs(xi - x[j]), HOMOPHILY_FLOOR)
                    if logs:  # ln(E·d^β): the same order, any β
                        clock_e = -math.log(u)
                        t = math.log(clock_e) + beta * math.log(d) if clock_e > 0.0 else -math.inf
                    else:
                        if whole:  # d^β for a whole β by products (pow costs several times more)
                            p = d
                            for _ in range(whole - 1):
                                p *= d
                        else:
                            p = d**beta
                        t = -math.log(u) * p
                    if c == m and t >= clock[m - 1]:
                        continue
                    q = c if c < m else m - 1  # insert t in order, the latest falls off
                    while q > 0 and clock[q - 1] > t:
                        clock[q] = clock[q - 1]
                        chosen[q] = chosen[q - 1]
                        q -= 1
                    clock[q] = t
                    chosen[q] = j
                    if c < m:
                        c += 1
                for q in range(m):
                    src[e] = i
                    dst[e] = chosen[q]
                    e += 1
                continue
            for c in range(m):  # β = 0: uniform among the n - 1 others, repeats drawn again
                j = -1
                for _ in range(PARTNER_TRIES):
                    state += SPLITMIX_GAMMA
                    z = state
                    z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
                    z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
                    z = z ^ (z >> np.uint64(31))
                    u = (float(z >> np.uint64(11)) + 0.5) * 2.0**-53
                    j = min(int(u * (n - 1)), n - 2)
                    if j >= i:
                        j += 1
                    for q in range(c):
                        if chosen[q] == j:
                            j = -1
                            break
                    if j >= 0:
                        break
                if j < 0:  # exact: the pick-th of the n - 1 - c not yet chosen, one more uniform
                    state += SPLITMIX_GAMMA
                    z = state
                    z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
                    z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
                    z = z ^ (z >> np.uint64(31))
                    u = (float(z >> np.uint64(11)) + 0.5) * 2.0**-53
                    pick = min(int(u * (n - 1 - c)), n - 2 - c)
                    for k in range(n):
                        taken = k == i
                        for q in range(c):
                            if chosen[q] == k:
                                taken = True
                        if taken:
                            continue
                        if pick == 0:
                            j = k
                            break
                        pick -= 1
                chosen[c] = j
                src[e] = i
                dst[e] = j
                e += 1
        first[n] = e
        # 2. reciprocity: j answers i unless j contacted i itself
        made = e
        for q in range(made):
            i = src[q]
            j = dst[q]
            mutual = False
            for p in range(first[j], first[j + 1]):
                if dst[p] == i:
                    mutual = True
                    break
            if mutual:
                continue
            state += SPLITMIX_GAMMA
            z = state
            z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
            z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
            z = z ^ (z >> np.uint64(31))
            if (float(z >> np.uint64(11)) + 0.5) * 2.0**-53 < reciprocity:
                src[e] = j
                dst[e] = i
                e += 1
        # 3. RK4 over [t, t + dt] on this network: k = f(y), f_i = -y_i + K Σ_j A_ij tanh(α y_j)
        for i in range(n):
            start[i] = x[i]
        for stage in range(4):
            if stage == 0:
                for i in range(n):
                    y[i] = start[i]
            elif stage == 1:
                for i in range(n):
                    y[i] = start[i] + 0.5 * dt * k1[i]
            elif stage == 2:
                for i in range(n):
                    y[i] = start[i] + 0.5 * dt * k2[i]
            else:
                for i in range(n):
                    y[i] = start[i] + dt * k3[i]
            k = k1 if stage == 0 else (k2 if stage == 1 else (k3 if stage == 2 else k4))
            for i in range(n):
                th[i] = math.tanh(alpha * y[i])
                k[i] = 0.0
            for q in range(e):
                k[src[q]] += th[dst[q]]
            for i in range(n):
                k[i] = social * k[i] - y[i]
        total = 0.0
        for i in range(n):
            new = start[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])
            total += abs(new - start[i])
            x[i] = new
        moved[s] = total


def voter_sweep(x, indptr, indices, frozen, u):  # pragma: no cover
    """Voter model updates in order: citizen i copies a random neighbour's opinion (all K issues);
    i and the neighbour come from u[t] as in :func:`deffuant_sweep`. A committed (``frozen``)
    citizen picked as i keeps its opinion; it is copied like anyone."""
    n, k = x.shape
    pinned = frozen.shape[0] != 0
    for t in range(u.shape[0]):
        scaled = u[t] * n
        i = np.uint64(min(int(scaled), n - 1))  # unsigned indices, as in deffuant_sweep
        start = np.int64(indptr[i])
        deg = np.int64(indptr[i + ONE]) - start
        if deg == 0 or (pinned and frozen[i]):
            continue
        j = np.uint64(indices[np.uint64(start + min(int((scaled - i) * deg), deg - 1))])
        for c in range(k):
            x[i, c] = x[j, c]


def voter_invasion_sweep(x, indptr, indices, frozen, u):  # pragma: no cover
    """Invasion (reverse voter) updates in order: a random citizen i imposes its opinion on a
    random neighbour j (all K issues); i and j come from u[t] as in :func:`voter_sweep`. A
    committed j keeps its opinion."""
    n, k = x.shape
    pinned = frozen.shape[0] != 0
    for t in range(u.shape[0]):
        scaled = u[t] * n
        i = np.uint64(min(int(scaled), n - 1))  # unsigned indices, as in deffuant_sweep
        start = np.int64(indptr[i])
        deg = np.int64(indptr[i + ONE]) - start
        if deg == 0:
            continue
        j = np.uint64(indices[np.uint64(start + min(int((scaled - i) * deg), deg - 1))])
        if pinned and frozen[j]:
            continue
        for c in range(k):
            x[j, c] = x[i, c]


def voter_link_sweep(x, rows, indices, frozen, u):  # pragma: no cover
    """Link-update voter updates in order: a uniformly random link, and a random end of it
    copies the other. The CSR stores each link in both orientations, so a uniform stored entry
    (rows[e], indices[e]) is a random link with a random end: rows[e] copies indices[e]. A
    committed rows[e] keeps its opinion."""
    m = indices.shape[0]
    k = x.shape[1]
    pinned = frozen.shape[0] != 0
    if m == 0:
        return
    for t in range(u.shape[0]):
        e = min(int(u[t] * m), m - 1)
        i = rows[e]
        if pinned and frozen[i]:
            continue
        j = indices[e]
        for c in range(k):
            x[i, c] = x[j, c]


def q_voter_sweep(x, indptr, indices, q, p, anti, frozen, u):  # pragma: no cover
    """q-voter updates in order (Nyczka, Sznajd-Weron & Cisło 2012), opinions ±1, ``x`` is (N,).

    Update t uses the row u[t] of q + 2 uniforms: citizen i = ⌊u[t, 0]·N⌋; with probability p
    (u[t, 1] < p) it acts as a nonconformist, otherwise it conforms. Its panel is q neighbours
    drawn with repetition, neighbour number ⌊u[t, 2 + r]·deg(i)⌋ (Castellano, Muñoz &
    Pastor-Satorras 2009 allow repetition; it keeps the rule defined where deg(i) < q).
    Conformity: a unanimous panel is copied. Independence (``anti`` false): i flips with
    probability 1/2 (u[t, 1] < p/2), whatever the panel. Anticonformity (``anti`` true): i takes
    the opposite of a unanimous panel. A non-unanimous panel changes nothing; a committed
    (``frozen``) or isolated i keeps its opinion.
    """
    n = x.shape[0]
    pinned = frozen.shape[0] != 0
    for t in range(u.shape[0]):
        i = min(int(u[t, 0] * n), n - 1)
        start = indptr[i]
        deg = indptr[i + 1] - start
        if deg == 0 or (pinned and frozen[i]):
            continue
        nonconform = u[t, 1] < p
        if nonconform and not anti:
            if u[t, 1] < 0.5 * p:
                x[i] = -x[i]
            continue
        first = x[indices[start + min(int(u[t, 2] * deg), deg - 1)]]
        unanimous = True
        for r in range(1, q):
            if x[indices[start + min(int(u[t, 2 + r] * deg), deg - 1)]] != first:
                unanimous = False
                break
        if unanimous:
            x[i] = -first if nonconform else first


def naming_game_sweep(x, indptr, indices, frozen, u):  # pragma: no cover
    """Binary naming game (Xie et al. 2011, PRE 84:011130; Castelló, Baronchelli & Loreto 2009)
    in order. State x: -1 = word A only, +1 = word B only, 0 = both (AB).

    Interaction t: speaker s = ⌊u[t]·N⌋, listener a random neighbour (fractional part of u[t]·N,
    as in :func:`deffuant_sweep`). The speaker utters its word, or, holding both, A or B with
    probability 1/2 each (the next bit of the same fraction: its second half says B). If the
    listener holds the word, both keep only that word (agreement); otherwise the listener adds it
    (A + B = AB). Committed (``frozen``) agents speak and listen but never change.
    """
    n = x.shape[0]
    pinned = frozen.shape[0] != 0
    for t in range(u.shape[0]):
        scaled = u[t] * n
        s = np.uint64(min(int(scaled), n - 1))  # unsigned indices, as in deffuant_sweep
        start = np.int64(indptr[s])
        deg = np.int64(indptr[s + ONE]) - start
        if deg == 0:
            continue
        f = (scaled - s) * deg
        slot = min(int(f), deg - 1)
        listener = np.uint64(indices[np.uint64(start + slot)])
        spoken = x[s]
        word = spoken if spoken != 0.0 else (1.0 if f - slot >= 0.5 else -1.0)
        held = x[listener]
        # states are -1, 0, +1 and the word ±1: the listener holds it unless it holds the other
        agree = held != -word
        new_listener = word if agree else 0.0
        new_speaker = word if agree else spoken
        if pinned:
            if frozen[listener]:
                new_listener = held
            if frozen[s]:
                new_speaker = spoken
        x[listener] = new_listener
        x[s] = new_speaker


def majority_sweep(x, indptr, indices, size, frozen, u):  # pragma: no cover
    """Majority-rule group updates in order (Galam 2002; Krapivsky & Redner 2003), opinions ±1,
    ``x`` is (N,); ``size`` G is odd.

    Update t uses the row u[t] of G uniforms: citizen i = ⌊u[t, 0]·N⌋ and G - 1 distinct
    neighbours of i, drawn without replacement (the r-th among the deg(i) - r + 1 not yet
    drawn, ⌊u[t, r]·(deg(i) - r + 1)⌋, so on the complete graph the group is G distinct
    citizens drawn uniformly). Every member of the group takes the group's majority opinion;
    committed (``frozen``) members keep theirs but count in the vote. A citizen with fewer than
    G - 1 neighbours forms no group.
    """
    n = x.shape[0]
    pinned = frozen.shape[0] != 0
    slots = np.empty(size, np.int64)
    for t in range(u.shape[0]):
        i = min(int(u[t, 0] * n), n - 1)
        start = indptr[i]
        deg = indptr[i + 1] - start
        if deg < size - 1:
            continue
        total = x[i]
        for r in range(1, size):
            # the k-th slot among those not drawn yet, k uniform over deg - (r - 1) of them
            k = min(int(u[t, r] * (deg - r + 1)), deg - r)
            # skip the slots already drawn, in increasing order (insertion keeps them sorted)
            pos = r - 1
            for q in range(r - 1):
                if slots[q] <= k:
                    k += 1
                else:
                    pos = q
                    break
            for q in range(r - 1, pos, -1):
                slots[q] = slots[q - 1]
            slots[pos] = k
            total += x[indices[start + k]]
        side = 1.0 if total > 0 else -1.0
        if not (pinned and frozen[i]):
            x[i] = side
        for r in range(size - 1):
            j = indices[start + slots[r]]
            if not (pinned and frozen[j]):
                x[j] = side


def sznajd_sweep(x, indptr, indices, frozen, u):  # pragma: no cover
    """Sznajd outflow updates in order (Sznajd-Weron & Sznajd 2000; on networks, Bernardes,
    Stauffer & Kertész 2002), opinions ±1, ``x`` is (N,).

    Update t: citizen i = ⌊u[t]·N⌋ and a random neighbour j (the fractional part of u[t]·N, as
    in :func:`voter_sweep`). If i and j agree, every neighbour of i and of j takes their opinion
    ("united we stand"); a pair that disagrees changes nothing (the unanimous-pair version, not
    the "divided we fall" one). On a ring the pair (i, i + 1) converts i - 1 and i + 2: the
    one-dimensional outflow dynamics. Committed (``frozen``) neighbours keep their opinion; a
    committed pair still convinces; an isolated i changes nothing.
    """
    n = x.shape[0]
    pinned = frozen.shape[0] != 0
    for t in range(u.shape[0]):
        scaled = u[t] * n
        i = min(int(scaled), n - 1)
        start = indptr[i]
        deg = indptr[i + 1] - start
        if deg == 0:
            continue
        j = indices[start + min(int((scaled - i) * deg), deg - 1)]
        side = x[i]
        if x[j] != side:
            continue
        for e in range(start, indptr[i + 1]):
            m = indices[e]
            if not (pinned and frozen[m]):
                x[m] = side
        for e in range(indptr[j], indptr[j + 1]):
            m = indices[e]
            if not (pinned and frozen[m]):
                x[m] = side


def holme_newman_sweep(
    cat, owner, nxt, prv, head, deg, gnext, gprev, ghead, gcount, phi, frozen, u
):  # pragma: no cover
    """Holme & Newman 2006 updates in order, on a network that changes (PRE 74:056108).

    State: ``cat`` the citizens' opinion categories; the ties as half-edges (tie e has halves
    2e and 2e + 1, ``owner[h]`` the citizen at half h), each citizen's halves a doubly linked
    list (``head``, ``nxt``, ``prv``; ``deg`` its length); each category's members a doubly
    linked list (``ghead``, ``gnext``, ``gprev``; ``gcount`` its size).

    Update t uses the row u[t] of 4 + R uniforms: citizen i = ⌊u[t, 0]·N⌋ (nothing if it has no
    tie or is committed); its tie number ⌊u[t, 2]·deg(i)⌋ leads to j. With probability φ
    (u[t, 1] < φ) the tie moves: its far end leaves j for a citizen k ≠ i drawn uniformly among
    those holding i's opinion — first by rejection, up to R tries u[t, 4:] over all citizens
    when that opinion holds at least 1/8 of them, then, if none was accepted, by position in its
    member list, ⌊u[t, 3]·(members − 1)⌋ skipping i (either way uniform); nothing happens if no
    such k exists or k is already tied to i (no self-loops, no double ties). Otherwise i takes
    j's opinion.
    """
    n = cat.shape[0]
    pinned = frozen.shape[0] != 0
    for t in range(u.shape[0]):
        i = min(int(u[t, 0] * n), n - 1)
        d = deg[i]
        if d == 0 or (pinned and frozen[i]):
            continue
        r = min(int(u[t, 2] * d), d - 1)
        h = head[i]
        for _ in range(r):
            h = nxt[h]
        far = h ^ 1
        j = owner[far]
        g = cat[i]
        if u[t, 1] < phi:
            if gcount[g] <= 1:
                continue
            k = -1
            if gcount[g] * 8 >= n:
                for a in range(4, u.shape[1]):
                    c = min(int(u[t, a] * n), n - 1)
                    if c != i and cat[c] == g:
                        k = c
                        break
            if k == -1:
                pick = min(int(u[t, 3] * (gcount[g] - 1)), gcount[g] - 2)
                c = ghead[g]
                seen = 0
                while True:
                    if c != i:
                        if seen == pick:
                            k = c
                            break
                        seen += 1
                    c = gnext[c]
            if k == j:
                continue
            tied = False
            q = head[i]
            while q != -1:
                if owner[q ^ 1] == k:
                    tied = True
                    break
                q = nxt[q]
            if tied:
                continue
            # unlink the far half from j, link it to k
            if prv[far] != -1:
                nxt[prv[far]] = nxt[far]
            else:
                head[j] = nxt[far]
            if nxt[far] != -1:
                prv[nxt[far]] = prv[far]
            deg[j] -= 1
            owner[far] = k
            prv[far] = -1
            nxt[far] = head[k]
            if head[k] != -1:
                prv[head[k]] = far
            head[k] = far
            deg[k] += 1
        else:
            g2 = cat[j]
            if g2 == g:
                continue
            # move i from category g's member list to g2's
            if gprev[i] != -1:
                gnext[gprev[i]] = gnext[i]
            else:
                ghead[g] = gnext[i]
            if gnext[i] != -1:
                gprev[gnext[i]] = gprev[i]
            gcount[g] -= 1
            gprev[i] = -1
            gnext[i] = ghead[g2]
            if ghead[g2] != -1:
                gprev[ghead[g2]] = i
            ghead[g2] = i
            gcount[g2] += 1
            cat[i] = g2


def neighbour_count(indptr, indices, flag):  # pragma: no cover
    """Per node, how many of its neighbours have ``flag`` set (a CSR row sum, O(edges))."""
    n = indptr.shape[0] - 1
    total = np.uint64(indices.shape[0])
    out = np.zeros(n, np.int64)
    for i in prange(n):  # rows are independent: threaded above THREADS_MIN (model.jit)
        c = 0
        p = np.uint64(indptr[i])  # unsigned, as in deffuant_sweep: no negative-index checks
        end = np.uint64(indptr[i + 1])
        while p < end:
            if p + STRIDE < total:  # the flags are read at random: ask for them early
                prefetch(flag, np.uint64(indices[p + STRIDE]))
            if flag[np.uint64(indices[p])]:
                c += 1
            p += ONE
        out[i] = c
    return out


def expand_rows(indptr, indices, sources):  # pragma: no cover
    """Every neighbour of every source row, in order: (index into ``sources``, neighbour),
    two int64 arrays (``feed.expand_neighbours``). Each source's entries have their own slice,
    known from the prefix sums of the degrees, so the sources are independent: threaded above
    THREADS_MIN (``model.jit``)."""
    m = sources.shape[0]
    first = np.zeros(m + 1, np.int64)  # source s's entries: out[first[s]:first[s + 1]]
    for s in range(m):
        r = np.uint64(sources[s])  # unsigned, as in deffuant_sweep: no negative-index checks
        first[s + 1] = first[s] + (np.int64(indptr[r + ONE]) - np.int64(indptr[r]))
    owner = np.empty(first[m], np.int64)
    neighbour = np.empty(first[m], np.int64)
    for s in prange(m):
        r = np.uint64(sources[s])
        p = np.uint64(indptr[r])
        q = np.uint64(first[s])
        end = np.uint64(first[s + 1])
        while q < end:
            owner[q] = s
            neighbour[q] = indices[p]
            p += ONE
            q += ONE
    return owner, neighbour


def gap_clusters(x, gap):  # pragma: no cover
    """Sizes of the groups of sorted ``x`` that gaps wider than ``gap`` separate, in increasing
    order of opinion: what sorting ``x`` and cutting where ``s[i + 1] - s[i] > gap`` gives
    (``model.metrics.cluster_sizes``), without the sort.

    Opinions go into bins of width gap / 2 from the smallest, so a bin never holds a gap wider
    than ``gap`` and bins are in opinion order; the only gaps to check are between one
    non-empty bin's largest value and the next one's smallest, the same two values (the same
    subtraction) the sorted sequence compares there. O(N + bins); when the values are too
    spread for that (more than 4N + 64 bins), not finite, or ``gap`` is not positive, it sorts.
    """
    n = x.shape[0]
    out = np.zeros(n, np.int64)
    if n == 0:
        return out
    lo = x[0]
    hi = x[0]
    finite = True
    for i in range(n):
        v = x[i]
        if not math.isfinite(v):
            finite = False
        lo = min(lo, v)
        hi = max(hi, v)
    width = gap / 2.0
    span = (hi - lo) / width if width > 0.0 else math.inf
    m = 0
    size = 0
    if not (finite and span < 4.0 * n + 64.0):
        s = np.sort(x)
        for i in range(n - 1):
            size += 1
            if s[i + 1] - s[i] > gap:
                out[m] = size
                m += 1
                size = 0
        out[m] = size + 1
        return out[: m + 1]
    bins = int(span) + 1
    count = np.zeros(bins, np.int64)
    # every bin starts empty at (+inf, -inf), so its first value is min(inf, v) = v as before,
    # without a branch on whether it is the first (the values are finite here)
    low = np.full(bins, np.inf)
    high = np.full(bins, -np.inf)
    for i in range(n):
        v = x[i]
        b = int((v - lo) / width)
        low[b] = min(low[b], v)
        high[b] = max(high[b], v)
        count[b] += 1
    last = 0.0
    for b in range(bins):
        if count[b] == 0:
            continue
        if size > 0 and low[b] - last > gap:
            out[m] = size
            m += 1
            size = 0
        size += count[b]
        last = high[b]
    out[m] = size
    return out[: m + 1]


def argmax_vote(  # pragma: no cover
    x, line, affinity, weight, turnout, abstention, engaged, engagement_base, base, gain
):
    """Expected vote shares under ``election.choice: argmax`` (``polls.vote_intention``) in one
    pass: citizen i's utility of party k is -RMS(x_i - p_k) + weight·affinity_ik; it votes for
    its best party (the first on a tie) with probability turnout_i when that utility beats
    ``abstention``; shares are of all n citizens. turnout_i is ``turnout[i]`` when given (not
    empty), else ``base`` + ``gain``·e_i, e_i 1 if ``engaged[i]`` else ``engagement_base[i]``
    (``polls._turnout``'s expression: gain = turnout_engaged − turnout_base). For one or two
    issues the sums are NumPy's own (a two-term sum has one order), so the shares equal the
    vectorised ones bit for bit; the caller keeps NumPy for more issues."""
    n = x.shape[0]
    issues = x.shape[1]
    given = turnout.shape[0] != 0
    out = np.zeros(line.shape[0])
    if line.shape[0] == 0:  # no party: no vote
        return out
    for i in range(n):
        # the best party (the first on a tie), chosen with selects: which one is best is a
        # coin toss for the branch predictor
        best = 0
        best_u = 0.0
        tiny = False
        for k in range(line.shape[0]):
            if issues == 1:
                # one issue: the RMS distance sqrt(d·d / 1) is |d| exactly (in binary floating
                # point sqrt of the rounded square of d is |d| whenever d·d does not underflow,
                # so from 2⁻⁵⁰⁰ up), so |d| skips the square root and the division
                dist = abs(x[i, 0] - line[k, 0])
                tiny |= dist < TINY_GAP
            else:
                dist = rms_distance(x, i, line, k)
            u = -dist + weight * affinity[i, k]
            better = (k == 0) | (u > best_u)
            best = k if better else best
            best_u = u if better else best_u
        if tiny:  # a gap below TINY_GAP (rare): again, with sqrt(d·d) where it is not |d|
            for k in range(line.shape[0]):
                d = x[i, 0] - line[k, 0]
                dist = abs(d) if abs(d) >= TINY_GAP else math.sqrt(d * d)
                u = -dist + weight * affinity[i, k]
                better = (k == 0) | (u > best_u)
                best = k if better else best
                best_u = u if better else best_u
        # whether it beats abstention is a coin toss too: a select, and the best party's sum
        # gains turnout or 0.0 (x + 0.0 is x exactly: the sums start at 0.0, so none is ever
        # -0.0), in citizen order as a running sum
        if given:
            t = turnout[i]
        else:
            t = base + gain * (1.0 if engaged[i] else engagement_base[i])
        out[best] += t if best_u > abstention else 0.0
    return out / n


@helper
def rms_distance(x, i, line, k):  # pragma: no cover
    """RMS distance of row ``i`` of ``x`` (n, K) to row ``k`` of ``line`` (P, K), as
    :func:`model.population.distance_to` and ``rules.distance`` compute it, bit for bit (the
    reads, the similarity feed, the poll and the champions share it): NumPy sums a row of
    K < 8 squared gaps one by one from -0.0, and a longer row (up to 128, NumPy's pairwise
    block; the schema allows 10 issues) in eight running sums combined pairwise, the rest added
    after; the mean divides by K, the root is IEEE's."""
    issues = x.shape[1]
    if issues < 8:
        total = -0.0
        for j in range(issues):
            gap = x[i, j] - line[k, j]
            total += gap * gap
        return math.sqrt(total / issues)
    # NumPy's eight running sums start at the block's first eight squares; 0.0 + g² is g²
    # exactly (a square is never -0.0), so they may start at 0.0 and the block be written once:
    # with it written out twice, read_pull's loop over the reads took twice as long (measured,
    # one issue: the branch not taken still slowed the loop)
    r0 = r1 = r2 = r3 = r4 = r5 = r6 = r7 = 0.0
    stop = issues - issues % 8
    for j in range(0, stop, 8):
        g0, g1 = x[i, j] - line[k, j], x[i, j + 1] - line[k, j + 1]
        g2, g3 = x[i, j + 2] - line[k, j + 2], x[i, j + 3] - line[k, j + 3]
        g4, g5 = x[i, j + 4] - line[k, j + 4], x[i, j + 5] - line[k, j + 5]
        g6, g7 = x[i, j + 6] - line[k, j + 6], x[i, j + 7] - line[k, j + 7]
        r0, r1, r2, r3 = r0 + g0 * g0, r1 + g1 * g1, r2 + g2 * g2, r3 + g3 * g3
        r4, r5, r6, r7 = r4 + g4 * g4, r5 + g5 * g5, r6 + g6 * g6, r7 + g7 * g7
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for j in range(stop, issues):
        gap = x[i, j] - line[k, j]
        total += gap * gap
    return math.sqrt(total / issues)


# below this gap d, d·d may underflow and sqrt(d·d) is no longer exactly |d| (``argmax_vote``)
TINY_GAP = 2.0**-500
# ``read_pull``'s acceptance: d < ε (Deffuant), d <= ε (Hegselmann-Krause), any distance (DeGroot)
ACCEPT_BELOW, ACCEPT_WITHIN, ACCEPT_ANY = 0, 1, 2


def read_pull(  # pragma: no cover
    x,
    openness,
    rejection,
    reader,
    content,
    trust,
    source,
    passive,
    acceptance,
    rate,
    backfire,
    backfire_rate,
    accepted,
    rejected,
    moved,
):
    """The step's reads under the bounded-confidence rules (``rules.Rule.read`` and ``pull``),
    in two passes, in place on ``x`` (n, K) and on the per-read outputs ``accepted``,
    ``rejected`` and ``moved``, which come in False, False and 0.0 (a passive read's stay so).

    A read of a source other than ``passive`` is active; at distance d = RMS(y - x_r) it is
    accepted when d < ε_r (``acceptance`` ACCEPT_BELOW), d <= ε_r (ACCEPT_WITHIN) or always
    (ACCEPT_ANY), weight rate·trust, and with ``backfire``
    rejected when d > ρ_r, weight -backfire_rate·trust (rejection wins). Every read of nonzero
    weight then pulls: each reader's weights are rescaled by 1/max(1, Σ|w|) over its reads,
    Δx_r = Σ w·(y - x_r) from the opinions before the step's reads, ``moved`` = |w|·d, and x is
    clipped to [-1, 1]. Sums run in read order from 0.0, as ``np.bincount`` adds, so the
    values are the vectorised ones bit for bit; with no read of nonzero weight nothing in x
    changes (no clip, as the vectorised rule returns early)."""
    m = reader.shape[0]
    n = x.shape[0]
    issues = x.shape[1]
    weight = np.zeros(m)
    distance = np.zeros(m)
    total = np.zeros(n)
    used = 0
    for e in range(m):
        if source[e] == passive:
            continue
        r = reader[e]
        d = rms_distance(content, e, x, r)
        distance[e] = d
        if acceptance == ACCEPT_ANY:
            ok = True
        elif acceptance == ACCEPT_WITHIN:
            ok = d <= openness[r]
        else:
            ok = d < openness[r]
        # whether a read is accepted is a coin toss for the branch predictor: selects, and a
        # read of weight 0 adds 0.0 to its reader's total (which starts at 0.0: never -0.0)
        accepted[e] = ok
        w = rate * trust[e] if ok else 0.0
        if backfire:
            no = d > rejection[r]
            rejected[e] = no
            w = -backfire_rate * trust[e] if no else w
        weight[e] = w
        pulls = w != 0.0
        total[r] += abs(w) if pulls else 0.0
        used += pulls
    if used == 0:
        return
    shift = np.zeros((n, issues))
    for e in range(m):
        # a read of weight ±0.0 (or a passive one) adds 0.0 to its reader's shift, which
        # changes no sum (a shift starts at 0.0 and a sum that cancels is 0.0, so none is
        # -0.0), and leaves ``moved`` 0.0 — chosen with selects, so a content that is not
        # finite is not multiplied in, and no branch the predictor would miss
        r = reader[e]
        pulls = weight[e] != 0.0
        w = weight[e] * (1.0 / max(total[r], 1.0))
        moved[e] = abs(w) * distance[e] if pulls else 0.0
        for c in range(issues):
            shift[r, c] += w * (content[e, c] - x[r, c]) if pulls else 0.0
    for i in range(n):
        for c in range(issues):
            v = x[i, c] + shift[i, c]
            if v < -1.0:
                v = -1.0
            elif v > 1.0:
                v = 1.0
            x[i, c] = v


def affinity_update(  # pragma: no cover
    affinity, reader, party, trust, accepted, rejected, decay, rate, backfire_rate
):
    """Party affinity after the step's reads (``polls.update_affinity``), in place on
    ``affinity`` (n, P): decay by ``decay``; then every accepted read of a party post adds
    rate·w·(1 - a) and every rejected one removes backfire_rate·w·a, each pass from the
    affinities before it (accepted first) and summed in read order from 0.0 as ``np.bincount``
    adds; clipped to [0, 1]. The vectorised update's values, bit for bit."""
    n = affinity.shape[0]
    p = affinity.shape[1]
    keep = 1.0 - decay
    m = reader.shape[0]
    # one pass over every affinity, at the end: the decay (a read sees the decayed a·keep,
    # computed where it is read), then each pass's sums, in read order from 0.0 and kept
    # apart, added as the two passes would have added them: a + dA, then + (-dR) (adding 0.0
    # turns a -0.0 into 0.0, so a pass that did not run is not added at all); then the clip
    accepting = False
    rejecting = False
    for e in range(m):
        if party[e] >= 0:
            accepting |= accepted[e]
            rejecting |= rejected[e]
    gained = np.zeros((n, p) if accepting else (0, p))
    lost = np.zeros((n, p) if rejecting else (0, p))
    # whether a read counts (a party's, accepted or rejected) is a coin toss for the branch
    # predictor: every read adds, 0.0 where it does not count (to its reader's first party),
    # which changes no sum (the sums start at 0.0 and hold no -0.0)
    if accepting:
        for e in range(m):
            counts = accepted[e] & (party[e] >= 0)
            r = reader[e]
            k = party[e] if counts else 0
            add = rate * trust[e] * (1.0 - affinity[r, k] * keep)
            gained[r, k] += add if counts else 0.0
    if rejecting:
        # a rejected read sees the affinity after the accepted ones: a + dA where they ran
        for e in range(m):
            counts = rejected[e] & (party[e] >= 0)
            r = reader[e]
            k = party[e] if counts else 0
            a = affinity[r, k] * keep
            if accepting:
                a += gained[r, k]
            lost[r, k] += backfire_rate * trust[e] * a if counts else 0.0
    for i in range(n):
        for k in range(p):
            v = affinity[i, k] * keep
            if accepting:
                v += 1.0 * gained[i, k]
            if rejecting:
                v += -1.0 * lost[i, k]
            if v < 0.0:
                v = 0.0
            elif v > 1.0:
                v = 1.0
            affinity[i, k] = v


def threshold_round(  # pragma: no cover
    indptr, indices, engaged, threshold, pinned, leave_draw, leave_rate, key, state, scatter
):
    """One synchronous round of threshold contagion (``mobilization.spread``): the new
    engagement flags. Person i (not ``pinned``) joins when the share of its neighbours engaged
    at the start of the round, count/degree (0 without ties), reaches its threshold, and an
    engaged one below its threshold leaves when its draw < ``leave_rate``: ``leave_draw[i]``
    when given (not empty), else, with ``key`` (the people's keys) not empty, the keyed
    ``Draws.uniform("disengage", step, key[i])``, made here from its hash state ``state``
    (``Draws.state``) for those who may leave; neither: nobody leaves. Rows are independent:
    threaded above THREADS_MIN (``model.jit``).

    Engaged neighbours are counted by reading each person's ties (any adjacency), or, with
    ``scatter``, from the engaged people's own ties, one count up for each of their neighbours:
    the same counts when every tie is stored in both directions (as ``network.csr.Graph``
    stores them), and only the engaged people's ties read — a few percent of them in a typical
    run. That pass is serial (the caller asks for it below THREADS_MIN)."""
    n = indptr.shape[0] - 1
    total = np.uint64(indices.shape[0])
    out = np.empty(n, np.bool_)
    given = leave_draw.shape[0] > 0
    leaving = given or key.shape[0] > 0
    # far apart in memory: the flags are read at random, so ask for them early
    far = engaged.shape[0] >= PREFETCH_MIN
    counts = np.zeros(n if scatter else 0, np.int64)
    if scatter:
        for j in range(n):
            if engaged[j]:
                p = np.uint64(indptr[j])  # unsigned: no negative-index checks
                end = np.uint64(indptr[j + 1])
                while p < end:
                    counts[np.uint64(indices[p])] += 1
                    p += ONE
    for i in prange(n):
        was = engaged[i]
        out[i] = was
        if pinned[i]:
            continue
        c = 0
        if scatter:
            c = counts[i]
        else:
            p = np.uint64(indptr[i])  # unsigned, as in deffuant_sweep: no negative-index checks
            end = np.uint64(indptr[i + 1])
            while p < end:
                if far and p + STRIDE < total:
                    prefetch(engaged, np.uint64(indices[p + STRIDE]))
                if engaged[np.uint64(indices[p])]:
                    c += 1
                p += ONE
        degree = np.int64(indptr[i + 1]) - np.int64(indptr[i])
        share = c / degree if degree > 0 else 0.0
        above = share >= threshold[i]
        if not was and above:
            out[i] = True
        elif was and not above and leaving:
            draw = leave_draw[i] if given else _unit(_mix_key(state, key[i]))
            if draw < leave_rate:
                out[i] = False
    return out


def tally_reads(  # pragma: no cover
    reader, party, source, moved, news, step, influence, last_read, voice
):
    """The step's bookkeeping of its reads, in place: ``influence`` (citizens 0, news 1, party
    k at 2 + k) gains each read's movement, summed per sender in read order from 0.0 as
    ``np.bincount`` adds, then added; ``last_read`` (n, P) records ``step`` for every party
    read; ``voice`` counts reads by (party + 1)·S + source, S = voice.size // (P + 1)."""
    m = reader.shape[0]
    gained = np.zeros(influence.shape[0])
    width = voice.shape[0] // (last_read.shape[1] + 1)
    for e in range(m):
        k = party[e]
        if k >= 0:
            gained[k + 2] += moved[e]
            last_read[reader[e], k] = step
        elif source[e] == news:
            gained[1] += moved[e]
        else:
            gained[0] += moved[e]
        voice[(k + 1) * width + source[e]] += 1
    for s in range(influence.shape[0]):
        influence[s] += gained[s]


@helper
def attention_select(reader, key, n, caps):  # pragma: no cover
    """The feed's attention cap in O(C · max cap): candidates (reader[c], key[c]); reader i keeps
    its ``caps[i]`` smallest keys. Returns the kept candidates' indices ordered by reader, then
    key, ties by position — the order of a stable lexsort on (key, reader).

    Readers are bucketed by a stable counting sort; each reader's kept candidates are its own
    slice of the output, known in advance (the prefix sums of min(cap, candidates)), kept
    sorted while its bucket is scanned (no per-reader sort, nothing quadratic for hubs). The
    readers are independent: threaded above THREADS_MIN candidates (``model.jit``).

    When no cap exceeds ``SMALL_CAP`` (the defaults read 0.3 posts a day: caps of 0 and 1), one
    pass over the candidates in order keeps each reader's best in a row of its own instead (the
    same insertions in the same order, so the same result) — no counting sort.
    """
    c_total = reader.shape[0]
    top = 0
    for i in range(n):
        top = max(top, caps[i])
    if top <= SMALL_CAP:
        return _attention_rows(reader, key, n, caps, top)
    start = np.zeros(n + 1, np.int64)
    for c in range(c_total):
        if c + AHEAD < c_total:  # readers come in no order: ask for their counters early
            prefetch(start, np.uint64(reader[c + AHEAD]))
        start[np.uint64(reader[c]) + ONE] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    bucket = np.empty(c_total, np.int64)
    for c in range(c_total):
        if c + AHEAD < c_total:
            prefetch(fill, np.uint64(reader[c + AHEAD]))
        r = np.uint64(reader[c])
        bucket[np.uint64(fill[r])] = c
        fill[r] += 1
    first = np.zeros(n + 1, np.int64)  # reader i's kept candidates: out[first[i]:first[i + 1]]
    for i in range(n):
        first[i + 1] = first[i] + max(0, min(caps[i], start[i + 1] - start[i]))
    out = np.empty(first[n], np.int64)
    for i in prange(n):
        cap = first[i + 1] - first[i]  # min(cap, candidates): a full slice is a full buffer
        if cap <= 0:
            continue
        best = out[first[i] : first[i + 1]]
        kept = 0
        end = start[i + 1]
        for p in range(start[i], end):
            if p + AHEAD < end:  # a reader's candidates lie anywhere: ask for their keys early
                prefetch(key, np.uint64(bucket[p + AHEAD]))
            c = bucket[p]
            k = key[np.uint64(c)]
            if kept == cap and not k < key[best[kept - 1]]:
                continue
            q = kept if kept < cap else cap - 1
            while q > 0 and k < key[best[q - 1]]:
                best[q] = best[q - 1]
                q -= 1
            best[q] = c
            if kept < cap:
                kept += 1
    return out


@helper
def _attention_rows(reader, key, n, caps, top):  # pragma: no cover
    """:func:`attention_select` when every cap is at most ``top`` (small): reader i's kept
    candidates and their keys sit in slots i·top … i·top + top − 1 of two buffers, kept sorted
    as the candidates arrive in order (a later candidate goes after equal keys: ties by
    position)."""
    c_total = reader.shape[0]
    slots = max(top, 1)
    width = np.uint64(slots)
    best = np.empty(n * slots, np.int64)
    best_key = np.empty(n * slots, np.float64)
    kept = np.zeros(n, np.int64)
    for c in range(c_total if slots == 1 else 0):
        # caps of at most 1 (the defaults): each reader keeps its smallest key, the first of
        # equal ones, chosen with selects — whether a candidate beats the one kept is a coin
        # toss for the branch predictor (a slot not yet filled is never compared)
        if c + AHEAD < c_total:
            ahead = np.uint64(reader[c + AHEAD])
            prefetch(caps, ahead)
            prefetch(kept, ahead)
            prefetch(best_key, ahead)
        r = np.uint64(reader[c])
        k = key[c]
        m = kept[r]
        better = (caps[r] > 0) & ((m == 0) | (k < best_key[r]))
        best[r] = c if better else best[r]
        best_key[r] = k if better else best_key[r]
        kept[r] = 1 if better else m
    for c in range(c_total if slots > 1 else 0):
        if c + AHEAD < c_total:  # readers come in no order: ask for their slots early
            ahead = np.uint64(reader[c + AHEAD])
            prefetch(caps, ahead)
            prefetch(kept, ahead)
            prefetch(best_key, ahead * width)
        r = np.uint64(reader[c])
        cap = caps[r]
        if cap <= 0:
            continue
        k = key[c]
        m = kept[r]
        base = r * width
        if m == cap and not k < best_key[base + np.uint64(cap - 1)]:
            continue
        q = np.uint64(m if m < cap else cap - 1)
        while q > 0 and k < best_key[base + q - ONE]:
            best[base + q] = best[base + q - ONE]
            best_key[base + q] = best_key[base + q - ONE]
            q -= ONE
        best[base + q] = c
        best_key[base + q] = k
        if m < cap:
            kept[r] = m + 1
    total = 0
    for i in range(n):
        total += kept[i]
    if slots == 1:  # every reader's slot written, the position moved on past those kept
        out = np.empty(total + 1, np.int64)
        at = 0
        for i in range(n):
            out[at] = best[i]
            at += kept[i]
        return out[:total]
    out = np.empty(total, np.int64)
    at = 0
    for i in range(n):
        base = np.uint64(i) * width
        for q in range(kept[i]):
            out[at] = best[base + np.uint64(q)]
            at += 1
    return out


KERNELS = {
    "deffuant_sweep": deffuant_sweep,
    "splitmix_bits": splitmix_bits,
    "deffuant_sweep_issues": deffuant_sweep_issues,
    "algorithmic_bias_sweep": algorithmic_bias_sweep,
    "attraction_repulsion_sweep": attraction_repulsion_sweep,
    "radicalization_steps": radicalization_steps,
    "voter_sweep": voter_sweep,
    "voter_invasion_sweep": voter_invasion_sweep,
    "voter_link_sweep": voter_link_sweep,
    "q_voter_sweep": q_voter_sweep,
    "naming_game_sweep": naming_game_sweep,
    "majority_sweep": majority_sweep,
    "sznajd_sweep": sznajd_sweep,
    "holme_newman_sweep": holme_newman_sweep,
    "neighbour_count": neighbour_count,
    "attention_select": attention_select,
    "expand_rows": expand_rows,
    "gap_clusters": gap_clusters,
    "argmax_vote": argmax_vote,
    "read_pull": read_pull,
    "affinity_update": affinity_update,
    "threshold_round": threshold_round,
    "tally_reads": tally_reads,
}


def kernel(name: str, *, use_compiled: bool = True) -> Callable:
    """The kernel ``name``, compiled unless ``use_compiled`` is False (the reference twin)."""
    return twin(KERNELS[name], use_compiled=use_compiled)


def run_threaded(name: str, size: int, *args, use_compiled: bool = True):
    """Call the kernel ``name`` on ``args``, multi-threaded for ``size`` ≥ ``THREADS_MIN``
    elements (``model.jit.threaded``: the same results for any number of threads)."""
    return threaded(KERNELS[name], size, *args, use_compiled=use_compiled)


def warm_up(*, threads: bool = False) -> None:  # pragma: no mutate block
    """Compile (or load from cache) every kernel on a tiny input; with ``threads``, also the
    threaded builds (``model.jit.compiled_threaded``) that runs of THREADS_MIN citizens or more
    use — otherwise loaded, or on a new machine compiled, during their first step."""
    # Not mutated (mutmut's pragma above; docs/TESTING.md): it only fills numba's cache, a
    # wrong constant here changes no result, and only subprocesses call it.
    indptr = np.array([0, 1, 2], dtype=np.int32)
    indices = np.array([1, 0], dtype=np.int32)
    u = np.array([0.5])
    none = NOT_FROZEN
    kernel("deffuant_sweep")(
        np.zeros(2), indptr, indices, np.ones(1), 0.5, none, u, NO_KEYS, NO_WORK, NO_DRAWS, False
    )
    kernel("deffuant_sweep")(
        np.zeros(2),
        indptr,
        indices,
        np.ones(1),
        0.5,
        none,
        NO_DRAWS,
        np.ones(1, np.uint64),
        np.zeros(2),
        np.zeros(1),
        False,
    )
    kernel("splitmix_bits")(np.uint64(1), 1)
    kernel("deffuant_sweep_issues")(np.zeros((2, 2)), indptr, indices, np.ones(2), 0.5, none, u)
    kernel("algorithmic_bias_sweep")(
        np.zeros(2), indptr, indices, np.ones(1), 0.5, 1.0, 1e-4, none, np.full((1, 2), 0.5)
    )
    kernel("attraction_repulsion_sweep")(
        np.zeros(2),
        indptr,
        indices,
        np.ones(1),
        np.full(1, 1.5),
        0.5,
        none,
        np.ones(1, np.uint64),
        np.zeros(2),
        np.zeros(1),
    )
    kernel("radicalization_steps")(
        np.zeros(2), np.ones(2), np.ones(1, np.uint64), 1, 0.5, 1.0, 1.0, 0.0, 0.01, np.zeros(1)
    )
    kernel("voter_sweep")(np.zeros((2, 1)), indptr, indices, none, u)
    kernel("voter_invasion_sweep")(np.zeros((2, 1)), indptr, indices, none, u)
    kernel("voter_link_sweep")(np.zeros((2, 1)), np.array([0, 1], dtype=np.int32), indices, none, u)
    kernel("q_voter_sweep")(np.ones(2), indptr, indices, 2, 0.1, False, none, np.full((1, 4), 0.5))
    kernel("naming_game_sweep")(np.ones(2), indptr, indices, none, u)
    kernel("majority_sweep")(np.ones(2), indptr, indices, 1, none, np.full((1, 1), 0.5))
    kernel("sznajd_sweep")(np.ones(2), indptr, indices, none, u)
    kernel("neighbour_count")(indptr, indices, np.ones(2, dtype=np.bool_))
    kernel("expand_rows")(indptr, indices, np.array([1, 0], dtype=np.int64))
    kernel("gap_clusters")(np.zeros(2), 0.1)
    Keyed(0, "warm_up").uniform(0, np.zeros(1, np.uint64))  # the keyed draws' compiled hash
    Keyed(0, "warm_up").normal(0, np.zeros(1, np.uint64))  # and the normal's two uniforms
    fixed = np.zeros(1, np.uint64)
    fixed.flags.writeable = False  # read-only keys (the parties' own): a build of their own
    Keyed(0, "warm_up").uniform(0, fixed)
    kernel("argmax_vote")(
        np.zeros((2, 1)), np.zeros((1, 1)), np.zeros((2, 1)), 1.0, NO_DRAWS, -1.0,
        np.zeros(2, np.bool_), np.ones(2), 0.5, 0.25,
    )  # fmt: skip
    attention = (
        np.array([1, 0], dtype=np.int64),
        np.array([0.5, 0.2]),
        2,
        np.ones(2, dtype=np.int64),
    )
    kernel("attention_select")(*attention)
    rows = np.arange(2, dtype=np.int64)
    keys = np.arange(2, dtype=np.uint64)
    flags = np.zeros(2, dtype=np.bool_)
    kernel("read_pull")(
        np.zeros((2, 1)), np.ones(2), np.ones(2), rows, np.zeros((2, 1)), np.ones(2), rows, -1,
        ACCEPT_BELOW, 0.5, False, 0.5, flags.copy(), flags.copy(), np.zeros(2),
    )  # fmt: skip
    kernel("affinity_update")(np.zeros((2, 1)), rows, rows, np.ones(2), flags, flags, 0.1, 0.1, 0.1)
    kernel("threshold_round")(
        indptr, indices, flags, np.ones(2), flags, NO_DRAWS, 0.0, NO_KEYS, np.uint64(0), True
    )
    kernel("tally_reads")(
        rows, rows, rows, np.zeros(2), 6, 1, np.zeros(4), np.zeros((2, 2), np.int64),
        np.zeros(24, np.int64),
    )  # fmt: skip
    Keyed(0, "warm_up").uniform_gathered(0, keys, rows, keys, rows)  # the feed's keyed hash
    # the phases' own kernels (imported here: those modules import this one)
    from model.dynamics import champions, feed, posting

    posting.warm_up()
    feed.warm_up()
    champions.warm_up()
    if threads:
        from model.jit import compiled_threaded
        from model.rng import keyed_hash, keyed_hash_pairs

        compiled_threaded(neighbour_count)(indptr, indices, np.ones(2, dtype=np.bool_))
        compiled_threaded(threshold_round)(
            indptr, indices, flags, np.ones(2), flags, NO_DRAWS, 0.0, NO_KEYS, np.uint64(0), False
        )
        compiled_threaded(expand_rows)(indptr, indices, rows)
        compiled_threaded(attention_select)(*attention)
        compiled_threaded(keyed_hash)(np.uint64(1), keys.reshape(1, 2), keys, np.zeros(0))
        compiled_threaded(keyed_hash_pairs)(np.uint64(1), keys, rows, keys, rows, np.zeros(2))
