"""Sequential kernels (Deffuant encounters, voter copies, the feed's attention caps, neighbour
counts), compiled with numba.

These updates are sequential by definition — each encounter sees the opinions the previous one
left — so NumPy cannot vectorise them; numba compiles the plain-Python loops below. The same
functions run uncompiled as the reference twin (``compiled=False``); a test checks both agree
bit for bit. All random numbers are drawn beforehand by the caller from the model's ``update``
stream (one uniform per encounter), so compiled and uncompiled paths consume the same draws.

Compilation and its on-disk cache are handled by :mod:`model.jit`. The four lines that turn
u[t] into an encounter (i, j) are repeated in each sweep on purpose: compiled code can only
call compiled helpers, and compiling one at import would load numba for every command.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from model.jit import prefetch, twin

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


def deffuant_sweep(  # pragma: no cover
    x, indptr, indices, openness, rate, frozen, u, keys, before, moved
):
    """Deffuant et al. 2000 encounters in order, one issue: ``x`` is (N,).

    Encounter t: citizen i = ⌊u_t·N⌋ meets its neighbour number ⌊f·deg(i)⌋, f the fractional
    part of u_t·N (one uniform draw serves both choices; f keeps 53 - log2 N ≥ 22 bits for
    N < 2**31, so the neighbour choice is uniform to within deg·2**-22 — far below sampling
    noise). Both move by ``rate`` toward each other when their distance is below their own
    openness; ``openness`` has N entries, or one shared by all (equal openness = the textbook
    symmetric update, which conserves the mean). Branch-free moves keep the loop fast.

    ``frozen`` (N flags, or none) marks committed citizens: they are met and pull their partner
    but never move (``opinion.zealots``).

    The uniforms u_t come from one of two sources:

    - ``keys`` empty: the array ``u``, one per encounter (a single sweep of ``u.size``);
    - ``keys`` given (uint64, one per step): ``keys.size`` steps of N encounters each, step s's
      u_t the t-th output of SplitMix64 seeded with ``keys[s]`` (:func:`splitmix_uniform`), so
      nothing is drawn into memory. With ``before`` (N floats of work space) given, ``moved[s]``
      is step s's opinion movement Σ_i |x_i(after) − x_i(before)| over the N rows, summed in row
      order (staff rows, when the peer graph has them, are committed: they never move).

    The loop is software-pipelined in four stages, L = ``LAG`` encounters apart: the draw of
    encounter t + 3L, where its partner is listed for t + 2L, the partner of t + L, and the update
    of t, each stage with a cache hint (:func:`model.jit.prefetch`) for what the next one reads.
    At a million citizens every stage would otherwise wait on memory in turn. The graph does not
    change within a sweep, so looking ahead changes no value: every update still sees the
    opinions the previous one left.
    """
    n = x.shape[0]
    shared = openness.shape[0] == 1
    pinned = frozen.shape[0] != 0
    keyed = keys.shape[0] != 0
    track = keyed and before.shape[0] != 0
    steps = keys.shape[0] if keyed else 1
    count = n if keyed else u.shape[0]
    mask = RING - 1
    ring_i = np.empty(RING, dtype=np.int64)  # encounter t's citizen i,
    ring_f = np.empty(RING, dtype=np.float64)  # the fractional part f of u_t·N,
    ring_q = np.empty(RING, dtype=np.int64)  # the partner's place in ``indices`` (-1: no tie)
    ring_j = np.empty(RING, dtype=np.int64)  # and the partner j (-1: no tie)
    if track:
        for q in range(n):
            before[q] = x[q]
    for s in range(steps):
        state = keys[s] if keyed else np.uint64(0)
        for t in range(count + 3 * LAG):
            if t < count:  # draw encounter t
                if keyed:
                    state += SPLITMIX_GAMMA
                    z = state
                    z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
                    z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
                    z = z ^ (z >> np.uint64(31))
                    scaled = (float(np.int64(z >> np.uint64(11))) + 0.5) * 2.0**-53 * n
                else:
                    scaled = u[t] * n
                i = min(int(scaled), n - 1)
                ring_i[t & mask] = i
                ring_f[t & mask] = scaled - i
                prefetch(indptr, i)
            b = t - LAG
            if 0 <= b < count:  # encounter b: where its partner is listed
                i = ring_i[b & mask]
                start = indptr[i]
                deg = indptr[i + 1] - start
                q = -1
                if deg != 0:
                    q = start + min(int(ring_f[b & mask] * deg), deg - 1)
                    prefetch(indices, q)
                    prefetch(x, i)
                ring_q[b & mask] = q
            c = t - 2 * LAG
            if 0 <= c < count:  # encounter c: its partner
                q = ring_q[c & mask]
                j = -1
                if q >= 0:
                    j = indices[q]
                    prefetch(x, j)
                ring_j[c & mask] = j
            e = t - 3 * LAG
            if e < 0:
                continue
            j = ring_j[e & mask]  # encounter e: the update
            if j < 0:
                continue
            i = ring_i[e & mask]
            xi = x[i]
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
        if track:  # this step's movement; ``before`` becomes the next step's start
            total = 0.0
            for q in range(n):
                xq = x[q]
                total += abs(xq - before[q])
                before[q] = xq
            moved[s] = total


def splitmix_uniform(key, count):  # pragma: no cover
    """The first ``count`` uniforms a keyed Deffuant step draws from ``key`` (for tests and
    readers): SplitMix64 (Steele, Lea & Flood 2014) seeded with ``key``, each output's top 53 bits
    offset by half a unit, (b + 1/2)·2⁻⁵³. That is above 0; rounding makes the largest outputs
    exactly 1 (b = 2⁵³ − 1), which the sweep's clamps (i ≤ N − 1, neighbour ≤ deg − 1) absorb."""
    out = np.empty(count)
    state = np.uint64(key)
    for t in range(count):
        state += SPLITMIX_GAMMA
        z = state
        z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
        z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
        z = z ^ (z >> np.uint64(31))
        out[t] = (float(z >> np.uint64(11)) + 0.5) * 2.0**-53
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


def voter_sweep(x, indptr, indices, frozen, u):  # pragma: no cover
    """Voter model updates in order: citizen i copies a random neighbour's opinion (all K issues);
    i and the neighbour come from u[t] as in :func:`deffuant_sweep`. A committed (``frozen``)
    citizen picked as i keeps its opinion; it is copied like anyone."""
    n, k = x.shape
    pinned = frozen.shape[0] != 0
    for t in range(u.shape[0]):
        scaled = u[t] * n
        i = min(int(scaled), n - 1)
        start = indptr[i]
        deg = indptr[i + 1] - start
        if deg == 0 or (pinned and frozen[i]):
            continue
        j = indices[start + min(int((scaled - i) * deg), deg - 1)]
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
        i = min(int(scaled), n - 1)
        start = indptr[i]
        deg = indptr[i + 1] - start
        if deg == 0:
            continue
        j = indices[start + min(int((scaled - i) * deg), deg - 1)]
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
        s = min(int(scaled), n - 1)
        start = indptr[s]
        deg = indptr[s + 1] - start
        if deg == 0:
            continue
        f = (scaled - s) * deg
        slot = min(int(f), deg - 1)
        listener = indices[start + slot]
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
    out = np.zeros(n, np.int64)
    for i in range(n):
        c = 0
        for p in range(indptr[i], indptr[i + 1]):
            if flag[indices[p]]:
                c += 1
        out[i] = c
    return out


def attention_select(reader, key, n, caps):  # pragma: no cover
    """The feed's attention cap in O(C · max cap): candidates (reader[c], key[c]); reader i keeps
    its ``caps[i]`` smallest keys. Returns the kept candidates' indices ordered by reader, then
    key, ties by position — the order of a stable lexsort on (key, reader).

    Readers are bucketed by a stable counting sort; within a bucket a small sorted buffer holds
    the best ``caps[i]`` so far (no per-reader sort, nothing quadratic for hubs).
    """
    c_total = reader.shape[0]
    start = np.zeros(n + 1, np.int64)
    for c in range(c_total):
        start[reader[c] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    bucket = np.empty(c_total, np.int64)
    for c in range(c_total):
        r = reader[c]
        bucket[fill[r]] = c
        fill[r] += 1
    width = 1  # the buffer holds at most min(cap, candidates) of any one reader
    total = 0
    for i in range(n):
        kept = min(caps[i], start[i + 1] - start[i])
        width = max(width, kept)
        total += kept
    out = np.empty(total, np.int64)
    size = 0
    best = np.empty(width, np.int64)
    for i in range(n):
        cap = caps[i]
        if cap <= 0:
            continue
        kept = 0
        for p in range(start[i], start[i + 1]):
            c = bucket[p]
            k = key[c]
            if kept == cap and not k < key[best[kept - 1]]:
                continue
            q = kept if kept < cap else cap - 1
            while q > 0 and k < key[best[q - 1]]:
                best[q] = best[q - 1]
                q -= 1
            best[q] = c
            if kept < cap:
                kept += 1
        for q in range(kept):
            out[size] = best[q]
            size += 1
    return out[:size]


KERNELS = {
    "deffuant_sweep": deffuant_sweep,
    "splitmix_uniform": splitmix_uniform,
    "deffuant_sweep_issues": deffuant_sweep_issues,
    "algorithmic_bias_sweep": algorithmic_bias_sweep,
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
}


def kernel(name: str, *, use_compiled: bool = True) -> Callable:
    """The kernel ``name``, compiled unless ``use_compiled`` is False (the reference twin)."""
    return twin(KERNELS[name], use_compiled=use_compiled)


def warm_up() -> None:  # pragma: no mutate block
    """Compile (or load from cache) every kernel on a tiny input."""
    # Not mutated (mutmut's pragma above; docs/TESTING.md): it only fills numba's cache, a
    # wrong constant here changes no result, and only subprocesses call it.
    indptr = np.array([0, 1, 2], dtype=np.int32)
    indices = np.array([1, 0], dtype=np.int32)
    u = np.array([0.5])
    none = NOT_FROZEN
    kernel("deffuant_sweep")(
        np.zeros(2), indptr, indices, np.ones(1), 0.5, none, u, NO_KEYS, NO_WORK, NO_DRAWS
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
    )
    kernel("splitmix_uniform")(np.uint64(1), 1)
    kernel("deffuant_sweep_issues")(np.zeros((2, 2)), indptr, indices, np.ones(2), 0.5, none, u)
    kernel("algorithmic_bias_sweep")(
        np.zeros(2), indptr, indices, np.ones(1), 0.5, 1.0, 1e-4, none, np.full((1, 2), 0.5)
    )
    kernel("voter_sweep")(np.zeros((2, 1)), indptr, indices, none, u)
    kernel("voter_invasion_sweep")(np.zeros((2, 1)), indptr, indices, none, u)
    kernel("voter_link_sweep")(np.zeros((2, 1)), np.array([0, 1], dtype=np.int32), indices, none, u)
    kernel("q_voter_sweep")(np.ones(2), indptr, indices, 2, 0.1, False, none, np.full((1, 4), 0.5))
    kernel("naming_game_sweep")(np.ones(2), indptr, indices, none, u)
    kernel("majority_sweep")(np.ones(2), indptr, indices, 1, none, np.full((1, 1), 0.5))
    kernel("sznajd_sweep")(np.ones(2), indptr, indices, none, u)
    kernel("neighbour_count")(indptr, indices, np.ones(2, dtype=np.bool_))
    kernel("attention_select")(
        np.array([1, 0], dtype=np.int64), np.array([0.5, 0.2]), 2, np.ones(2, dtype=np.int64)
    )
