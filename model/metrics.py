"""Per-step outcomes: reductions over the model's arrays, and their declarations.

What is measured and when: docs/MODEL.md (step 7, Collect) and docs/ODD.md (4, Observation).

Each outcome has a name, a unit, a direction (which way is better for the party it concerns, or
``none``) and whether it is per party. Opinion outcomes are measured on the first issue.

A recorded step's outcomes are one compiled pass (``measure_step``, with the opinion clusters of
``kernels.gap_clusters``) whose floats are those of the NumPy expressions they replace, to the
bit: sums are NumPy's pairwise summation reproduced exactly (``numpy_sum``), shares are exact
counts over exact sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from model.config.plan import CHANNELS
from model.dynamics.kernels import kernel
from model.jit import helper, twin
from model.population import (
    CHAMPION,
    PARTY_SOURCES,
    SOURCE_MOVEMENT,
    SOURCE_NAMES,
    SOURCE_NEWS,
    Population,
)

CLUSTER_GAP = 0.1  # opinions further apart than this (on [-1, 1]) are in different clusters
MAJOR_CLUSTER = 0.05  # a cluster counts when it holds at least this share of citizens
CONSENSUS_VARIANCE = 1e-24  # opinion variance below this (sd 1e-12) is a consensus


@dataclass(frozen=True)
class Outcome:
    name: str
    unit: str
    direction: Literal["increase", "decrease", "none"]
    per_party: bool
    doc: str


OUTCOMES = {
    o.name: o
    for o in (
        Outcome("mean_opinion", "opinion on [-1, 1]", "none", False, "mean opinion of citizens"),
        Outcome(
            "opinion_sd", "opinion on [-1, 1]", "none", False, "standard deviation of opinions"
        ),
        Outcome("polarization", "opinion²", "none", False, "variance of opinions"),
        Outcome(
            "bimodality",
            "coefficient",
            "none",
            False,
            "Sarle's bimodality coefficient (> 5/9 suggests two modes)",
        ),
        Outcome(
            "clusters",
            "count",
            "none",
            False,
            f"opinion clusters (gaps > {CLUSTER_GAP}) holding >= {MAJOR_CLUSTER:.0%} of citizens",
        ),
        Outcome(
            "largest_cluster",
            "share of citizens",
            "none",
            False,
            "share of citizens in the largest opinion cluster (1 = consensus)",
        ),
        Outcome("engaged", "share of citizens", "none", False, "mobilised citizens"),
        Outcome(
            "movement_members",
            "share of citizens",
            "none",
            False,
            "members of the citizens' movement",
        ),
        Outcome("posts_read", "posts", "none", False, "posts read this step"),
        Outcome("turnout", "share of electorate", "none", False, "expected turnout"),
        Outcome("abstention", "share of electorate", "none", False, "1 - turnout"),
        Outcome(
            "vote_share", "share of electorate", "increase", True, "expected votes for the party"
        ),
        Outcome(
            "share_of_voice",
            "share of posts read",
            "increase",
            True,
            "share of messages read that came from the party (by source type); citizens' own "
            "posts are party '' source 'citizen', news 'news', the movement's 'movement'",
        ),
        Outcome(
            "reach",
            "share of citizens",
            "increase",
            True,
            "citizens who read a party post within the feed's recent_window",
        ),
        Outcome("active_champions", "champions", "increase", True, "active champions"),
        Outcome("burnouts", "champions", "decrease", True, "champions who quit so far"),
        Outcome("recruits", "champions", "none", True, "champions recruited so far"),
        Outcome(
            "cost",
            "budget units per 1,000 citizens per step",
            "decrease",
            True,
            "spending this step, all channels",
        ),
        Outcome(
            "cumulative_cost",
            "budget units per 1,000 citizens",
            "decrease",
            True,
            "spending so far, all channels",
        ),
        Outcome(
            "spend",
            "budget units per 1,000 citizens per step",
            "decrease",
            True,
            "spending this step by channel (source_type = content, paid_reach, staff, champions)",
        ),
        Outcome(
            "planned",
            "budget units per 1,000 citizens per step",
            "none",
            True,
            "the plan by channel (source_type as for spend): the budget's allocation, or "
            "without a budget what the stated sizes cost at full capacity",
        ),
        Outcome("party_line", "opinion on [-1, 1]", "none", True, "party line on the first issue"),
        Outcome(
            "influence",
            "opinion distance per citizen",
            "increase",
            True,
            "opinion movement the party's messages (all channels) caused so far: Σ |w·(y − x)| "
            "over reads, per citizen; citizens' own posts and the peer process are party '' "
            "source 'citizen', news outlets source 'news'",
        ),
        Outcome(
            "elections_won",
            "elections",
            "increase",
            True,
            "elections the party has won so far (most votes), with election.cycle > 0",
        ),
        Outcome(
            "party_influence_share",
            "share of opinion movement",
            "none",
            False,
            "share of all opinion movement caused so far that came from parties (the rest from "
            "citizens and news outlets); the essay's comparative advantage of parties",
        ),
    )
}


def bimodality(x: np.ndarray) -> float:
    """Sarle's sample bimodality coefficient (SAS Institute 1990; Pfister et al. 2013)."""
    d = x - x.mean()
    d2 = d * d  # products, not d**3 / d**4: the float power is ~20x slower at large N
    return _bimodality(d, d2, d2.sum() / max(x.size, 1))


def _bimodality(d: np.ndarray, d2: np.ndarray, m2: float) -> float:
    """Sarle's coefficient from the deviations from the mean, their squares and the second
    central moment m2 (sums over n, NumPy's ``mean`` and ``var``, to the bit)."""
    n = d.size
    if n < 4:
        return float("nan")
    return _sarle(n, m2, (d2 * d).sum(), (d2 * d2).sum())


def _sarle(n: int, m2: float, s3: float, s4: float) -> float:
    """Sarle's coefficient of n opinions from their second central moment m2 and the sums s3 of
    d³ and s4 of d⁴ (d the deviations from the mean, d³ computed as d² · d, d⁴ as d² · d²)."""
    if n < 4:
        return float("nan")
    # a consensus: no spread, no modes. The mean of identical floats need not equal them
    # (30 × 0.2 / 30 ≠ 0.2), which leaves a variance of ~1e-34 whose moment ratios are noise
    # (1.5 for a consensus at 0.2); an sd below 1e-12 on [-1, 1] is a consensus
    if m2 < CONSENSUS_VARIANCE:
        return 0.0
    # the powers stay here, in Python: compiled, m2**2 may become m2 * m2, not libm's pow
    g1 = s3 / n / m2**1.5
    g2 = s4 / n / m2**2 - 3.0
    return float((g1 * g1 + 1.0) / (g2 + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def cluster_sizes(x: np.ndarray, gap: float = CLUSTER_GAP) -> np.ndarray:
    """Sizes of groups of sorted opinions separated by more than ``gap``, in increasing order of
    opinion (compiled, without sorting: ``kernels.gap_clusters``)."""
    return kernel("gap_clusters")(np.ascontiguousarray(x, dtype=np.float64), float(gap))


def major_clusters(x: np.ndarray, share: float = MAJOR_CLUSTER, gap: float = CLUSTER_GAP) -> int:
    """Number of clusters holding at least ``share`` of the opinions."""
    sizes = cluster_sizes(x, gap)
    return int(np.count_nonzero(sizes >= share * x.size))


# -- compiled reductions ------------------------------------------------------------------------
# Metrics are recorded every step by default, and as some 60 small NumPy calls they cost about
# as much as a phase of the step. The kernels below compute the same floats in one pass: sums
# are NumPy's own pairwise summation, reproduced exactly (``_pairwise``), for NumPy's is not a
# left-to-right sum; counts are exact in any order.

PAIRWISE_BLOCK = 128  # NumPy's PW_BLOCKSIZE: runs up to this long are summed without splitting
_PARTY_SOURCE_CODES = np.array([s for s, _ in PARTY_SOURCES], dtype=np.int64)
_N_SOURCES = len(SOURCE_NAMES)
OPINION_OUTCOMES = (
    "mean_opinion",
    "opinion_sd",
    "polarization",
    "bimodality",
    "clusters",
    "largest_cluster",
)
_BIMODALITY = OPINION_OUTCOMES.index("bimodality")  # filled in Python (``_sarle``)
_VARIANCE = OPINION_OUTCOMES.index("polarization")


@helper
def _block_sum(a, start, n):  # pragma: no cover
    """NumPy's ``pairwise_sum`` of ``a[start : start + n]`` for n ≤ PAIRWISE_BLOCK (no split):
    below 8 elements one running sum from 0.0; else eight interleaved running sums, started
    from the first eight elements and joined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 +
    r7)), then the last n % 8 elements added one by one."""
    if n < 8:
        res = 0.0
        for i in range(start, start + n):
            res += a[i]
        return res
    r0 = a[start]
    r1 = a[start + 1]
    r2 = a[start + 2]
    r3 = a[start + 3]
    r4 = a[start + 4]
    r5 = a[start + 5]
    r6 = a[start + 6]
    r7 = a[start + 7]
    whole = start + n - n % 8
    for i in range(start + 8, whole, 8):
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(whole, start + n):
        res += a[i]
    return res


@helper
def _block_moments(x, mean, start, n):  # pragma: no cover
    """``_block_sum`` of d², of d³ and of d⁴ over ``x[start : start + n]`` at once (d = x[i] −
    mean, d² = d · d, d³ = d² · d, d⁴ = d² · d²): three sets of the same running sums, in the
    same order, without the three arrays."""
    s2 = 0.0
    s3 = 0.0
    s4 = 0.0
    whole = start
    if n >= 8:
        d = x[start] - mean
        a0 = d * d
        b0 = a0 * d
        c0 = a0 * a0
        d = x[start + 1] - mean
        a1 = d * d
        b1 = a1 * d
        c1 = a1 * a1
        d = x[start + 2] - mean
        a2 = d * d
        b2 = a2 * d
        c2 = a2 * a2
        d = x[start + 3] - mean
        a3 = d * d
        b3 = a3 * d
        c3 = a3 * a3
        d = x[start + 4] - mean
        a4 = d * d
        b4 = a4 * d
        c4 = a4 * a4
        d = x[start + 5] - mean
        a5 = d * d
        b5 = a5 * d
        c5 = a5 * a5
        d = x[start + 6] - mean
        a6 = d * d
        b6 = a6 * d
        c6 = a6 * a6
        d = x[start + 7] - mean
        a7 = d * d
        b7 = a7 * d
        c7 = a7 * a7
        whole = start + n - n % 8
        for i in range(start + 8, whole, 8):
            d = x[i] - mean
            q = d * d
            a0 += q
            b0 += q * d
            c0 += q * q
            d = x[i + 1] - mean
            q = d * d
            a1 += q
            b1 += q * d
            c1 += q * q
            d = x[i + 2] - mean
            q = d * d
            a2 += q
            b2 += q * d
            c2 += q * q
            d = x[i + 3] - mean
            q = d * d
            a3 += q
            b3 += q * d
            c3 += q * q
            d = x[i + 4] - mean
            q = d * d
            a4 += q
            b4 += q * d
            c4 += q * q
            d = x[i + 5] - mean
            q = d * d
            a5 += q
            b5 += q * d
            c5 += q * q
            d = x[i + 6] - mean
            q = d * d
            a6 += q
            b6 += q * d
            c6 += q * q
            d = x[i + 7] - mean
            q = d * d
            a7 += q
            b7 += q * d
            c7 += q * q
        s2 = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
        s3 = ((b0 + b1) + (b2 + b3)) + ((b4 + b5) + (b6 + b7))
        s4 = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7))
    for i in range(whole, start + n):
        d = x[i] - mean
        q = d * d
        s2 += q
        s3 += q * d
        s4 += q * q
    return s2, s3, s4


@helper
def _pairwise(a, mean, start, n, moments):  # pragma: no cover
    """NumPy's ``pairwise_sum`` of ``a[start : start + n]`` (``moments`` False; the sum comes
    first in the returned triple), or of the d², d³ and d⁴ of ``_block_moments`` (True).

    A run of at most PAIRWISE_BLOCK elements is one block; a longer one splits after n // 2
    rounded down to a multiple of 8, each part summed so, the two sums added (left + right).
    The recursion runs on explicit stacks here (a kernel compiled from a plain function cannot
    call itself); depth is below 64 for any n, so 192 tasks and 96 partial sums suffice."""
    if n <= PAIRWISE_BLOCK:
        if moments:
            return _block_moments(a, mean, start, n)
        return _block_sum(a, start, n), 0.0, 0.0
    first = np.empty(192, np.int64)
    count = np.empty(192, np.int64)  # -1: add the two sums on top of the sum stack
    sums = np.empty((96, 3))
    first[0] = start
    count[0] = n
    tasks = 1
    done = 0
    while tasks > 0:
        tasks -= 1
        m = count[tasks]
        if m < 0:
            done -= 1
            for c in range(3):
                sums[done - 1, c] = sums[done - 1, c] + sums[done, c]
        elif m <= PAIRWISE_BLOCK:
            if moments:
                u, v, w = _block_moments(a, mean, first[tasks], m)
            else:
                u = _block_sum(a, first[tasks], m)
                v = w = 0.0
            sums[done, 0] = u
            sums[done, 1] = v
            sums[done, 2] = w
            done += 1
        else:
            left = m // 2
            left -= left % 8
            at = first[tasks]
            count[tasks] = -1
            first[tasks + 1] = at + left
            count[tasks + 1] = m - left
            first[tasks + 2] = at  # on top: the left part is summed first
            count[tasks + 2] = left
            tasks += 3
    return sums[0, 0], sums[0, 1], sums[0, 2]


@helper
def numpy_sum(a, start, n):  # pragma: no cover
    """``a[start : start + n].sum()`` of a 1-D float64 array, to the bit, strided or not:
    NumPy's float sum starts from the identity 0.0 and adds ``pairwise_sum`` of the run
    (numpy/_core/src/umath/loops_utils.h.src), here ``_pairwise``."""
    return 0.0 + _pairwise(a, 0.0, start, n, False)[0]


@helper
def _opinion_moments(out, x, sizes, share):  # pragma: no cover
    """Write the opinion outcomes of ``x`` (1-D float64) into ``out[0:6]`` in OPINION_OUTCOMES
    order, all but bimodality (out[3] untouched), and return the sums of d³ and d⁴ it needs.

    The floats of ``opinion_metrics``' NumPy expressions: mean = x.sum() / n; d = x − mean,
    d² = d · d, d³ = d² · d, d⁴ = d² · d² elementwise; the variance (polarization) Σd² / n;
    the sd its square root; sums as NumPy's (``numpy_sum``; the three of d², d³, d⁴ in one
    pass). No opinions: NaN for mean, sd and variance. Clusters from ``sizes``
    (``kernels.gap_clusters`` of x): how many hold at least ``share`` · n opinions (compared as
    floats), and the largest one's size / max(n, 1)."""
    n = x.shape[0]
    s3 = math.nan
    s4 = math.nan
    if n == 0:
        out[0] = math.nan
        out[1] = math.nan
        out[2] = math.nan
    else:
        mean = numpy_sum(x, 0, n) / n
        s2, s3, s4 = _pairwise(x, mean, 0, n, True)
        m2 = (0.0 + s2) / n
        s3 = 0.0 + s3
        s4 = 0.0 + s4
        out[0] = mean
        out[1] = math.sqrt(m2)
        out[2] = m2
    cut = share * n
    major = 0
    largest = 0
    for c in sizes:
        if c >= cut:
            major += 1
        largest = max(largest, c)
    out[4] = major
    out[5] = largest / max(n, 1)
    return s3, s4


def opinion_kernel(out, x, sizes, share):  # pragma: no cover
    """``_opinion_moments`` as a kernel of its own (``opinion_metrics``)."""
    return _opinion_moments(out, x, sizes, share)


def measure_step(
    out,
    x,
    sizes,
    share,
    engaged,
    member,
    last_party_read,
    recent_from,
    party,
    role,
    read_party,
    read_source,
    vote,
    burnouts,
    recruits,
    spend,
    planned,
    cumulative_cost,
    line,
    influence,
    elections_won,
):  # pragma: no cover
    """Every outcome of ``step_metrics`` but bimodality, written into ``out`` in ``Meter.keys``
    order; returns the sums of d³ and d⁴ for bimodality (``_sarle``, in Python).

    ``x`` holds the n citizens' first-issue opinions (contiguous); ``sizes`` its gap clusters;
    citizens are rows 0..n-1 of the per-person arrays. Per party k (P = len(vote)):
    - shares of citizens: count / n, NaN with no citizens (as NumPy's mean of nothing), but
      movement members 0.0 then; reach counts citizens with last_party_read[i, k] ≥
      ``recent_from``;
    - share of voice: reads in cell (read_party + 1) · len(SOURCE_NAMES) + read_source,
      over max(reads, 1) (citizens' own posts are read_party −1);
    - active champions: persons (any row) of role CHAMPION whose party is k;
    - turnout Σ vote, cost Σ spend[k] and the influence totals: NumPy's sums (``numpy_sum``);
      influence per citizen is influence / max(n, 1); the parties' share of it
      Σ influence[2:] / Σ influence, NaN unless the total is positive;
    - the rest copied as floats: vote, burnouts, recruits, spend, planned, cumulative cost,
      line[k, 0], elections won.
    """
    n = x.shape[0]
    p = vote.shape[0]
    s3, s4 = _opinion_moments(out, x, sizes, share)
    engaged_count = 0
    member_count = 0
    for i in range(n):  # flags added as 0/1: no branch
        engaged_count += engaged[i]
        member_count += member[i]
    reached = np.zeros(p, np.int64)
    for k in range(p):  # counted in a local, not reached[k]: an add chained through memory
        within = 0  # per citizen was most of the kernel's time
        for i in range(n):
            within += last_party_read[i, k] >= recent_from
        reached[k] = within
    active = np.zeros(p, np.int64)
    for i in range(role.shape[0]):
        if role[i] == CHAMPION and 0 <= party[i] < p:
            active[party[i]] += 1
    reads = read_party.shape[0]
    cells = (p + 1) * _N_SOURCES
    counts = np.zeros(cells, np.int64)
    for r in range(reads):
        c = (read_party[r] + 1) * _N_SOURCES + read_source[r]
        if 0 <= c < cells:
            counts[c] += 1
    total = max(reads, 1)

    out[6] = engaged_count / n if n > 0 else math.nan
    out[7] = reads
    turnout = numpy_sum(vote, 0, p)
    out[8] = turnout
    out[9] = 1.0 - turnout
    out[10] = counts[0] / total
    out[11] = counts[SOURCE_NEWS] / total
    out[12] = counts[SOURCE_MOVEMENT] / total
    out[13] = member_count / n if n > 0 else 0.0
    j = 14
    channels = spend.shape[1]
    for k in range(p):
        out[j] = vote[k]
        j += 1
        for s in _PARTY_SOURCE_CODES:
            out[j] = counts[(k + 1) * _N_SOURCES + s] / total
            j += 1
        out[j] = reached[k] / n if n > 0 else math.nan
        out[j + 1] = active[k]
        out[j + 2] = burnouts[k]
        out[j + 3] = recruits[k]
        out[j + 4] = numpy_sum(spend[k], 0, channels)
        j += 5
        for c in range(channels):
            out[j] = spend[k, c]
            out[j + 1] = planned[k, c]
            j += 2
        out[j] = cumulative_cost[k]
        out[j + 1] = line[k, 0]
        j += 2
    per = max(n, 1)
    out[j] = influence[0] / per
    out[j + 1] = influence[1] / per
    j += 2
    for k in range(p):
        out[j] = elections_won[k]
        out[j + 1] = influence[2 + k] / per
        j += 2
    moved = numpy_sum(influence, 0, influence.shape[0])
    by_parties = numpy_sum(influence, 2, influence.shape[0] - 2)
    out[j] = by_parties / moved if moved > 0 else math.nan
    return s3, s4


def opinion_metrics(x: np.ndarray, *, use_compiled: bool = True) -> dict[str, float]:
    """Outcomes of one issue's (float64) opinions: the mean, sd and variance (NumPy's ``mean``,
    ``std`` and ``var``, to the bit), Sarle's bimodality, the major clusters and the largest
    cluster's share, in one compiled pass (``opinion_kernel``)."""
    xc = np.ascontiguousarray(x, dtype=np.float64)
    sizes = kernel("gap_clusters", use_compiled=use_compiled)(xc, CLUSTER_GAP)
    out = np.empty(len(OPINION_OUTCOMES))
    s3, s4 = twin(opinion_kernel, use_compiled=use_compiled)(out, xc, sizes, MAJOR_CLUSTER)
    values = out.tolist()
    values[_BIMODALITY] = _sarle(xc.size, values[_VARIANCE], s3, s4)
    return dict(zip(OPINION_OUTCOMES, values, strict=True))


Key = tuple[str, str, str]  # (metric, party, source_type)


def metric_keys(party_names: list[str]) -> list[Key]:
    """The keys of ``step_metrics``, in the order it gives them (``measure_step`` writes its
    values in this order)."""
    keys: list[Key] = [(name, "", "") for name in OPINION_OUTCOMES]
    keys += [("engaged", "", ""), ("posts_read", "", ""), ("turnout", "", "")]
    keys += [("abstention", "", "")]
    keys += [("share_of_voice", "", s) for s in ("citizen", "news", "movement")]
    keys += [("movement_members", "", "")]
    for name in party_names:
        keys += [("vote_share", name, "")]
        keys += [("share_of_voice", name, source) for _, source in PARTY_SOURCES]
        keys += [(metric, name, "") for metric in ("reach", "active_champions", "burnouts")]
        keys += [("recruits", name, ""), ("cost", name, "")]
        for channel in CHANNELS:
            keys += [("spend", name, channel), ("planned", name, channel)]
        keys += [("cumulative_cost", name, ""), ("party_line", name, "")]
    keys += [("influence", "", "citizen"), ("influence", "", "news")]
    for name in party_names:
        keys += [("elections_won", name, ""), ("influence", name, "")]
    keys += [("party_influence_share", "", "")]
    return keys


class Meter:
    """The outcomes of one set of parties: their keys, built once, and :meth:`measure`, one
    compiled pass (``measure_step``) and the dict built in one go. ``meter`` keeps one per set
    of party names (a model's parties never change)."""

    def __init__(self, party_names: list[str] | tuple[str, ...]):
        self.names = tuple(party_names)
        self.keys = tuple(metric_keys(list(self.names)))
        self._kernels: dict[bool, tuple] = {}  # use_compiled → (gap_clusters, measure_step)

    def measure(self, pop: Population, **fields) -> dict[Key, float]:
        """``step_metrics`` (see there) for these parties: :meth:`values` (whose arguments
        ``fields`` are, by name) as a dict."""
        return dict(zip(self.keys, self.values(pop, **fields), strict=True))

    def values(
        self,
        pop: Population,
        vote: np.ndarray,
        read_party: np.ndarray,
        read_source: np.ndarray,
        reach_window: int,
        step: int,
        spend: np.ndarray,
        planned: np.ndarray,
        cumulative_cost: np.ndarray,
        burnouts: np.ndarray,
        recruits: np.ndarray,
        line: np.ndarray,
        influence: np.ndarray,
        elections_won: np.ndarray,
        use_compiled: bool = True,
    ) -> list[float]:
        """:meth:`measure`'s values, in ``keys`` order, as a list of Python floats (no dict:
        hashing some 80 tuple keys a step costs more than measuring them)."""
        kernels = self._kernels.get(use_compiled)
        if kernels is None:
            kernels = self._kernels[use_compiled] = (
                kernel("gap_clusters", use_compiled=use_compiled),
                twin(measure_step, use_compiled=use_compiled),
            )
        gap_clusters, measure = kernels
        x = np.ascontiguousarray(pop.x[: pop.citizens, 0], dtype=np.float64)
        sizes = gap_clusters(x, CLUSTER_GAP)
        out = np.empty(len(self.keys))
        s3, s4 = measure(
            out,
            x,
            sizes,
            MAJOR_CLUSTER,
            pop.engaged,
            pop.member,
            pop.last_party_read,
            step - reach_window + 1,
            pop.party,
            pop.role,
            read_party,
            read_source,
            vote,
            burnouts,
            recruits,
            spend,
            planned,
            cumulative_cost,
            line,
            influence,
            elections_won,
        )
        values = out.tolist()
        values[_BIMODALITY] = _sarle(x.size, values[_VARIANCE], s3, s4)
        return values


@lru_cache(maxsize=64)
def meter(party_names: tuple[str, ...]) -> Meter:
    """The :class:`Meter` of these parties (one per set of names: a Meter never changes)."""
    return Meter(party_names)


def step_metrics(
    pop: Population,
    party_names: list[str],
    *,
    vote: np.ndarray,
    read_party: np.ndarray,
    read_source: np.ndarray,
    reach_window: int,
    step: int,
    spend: np.ndarray,
    planned: np.ndarray,
    cumulative_cost: np.ndarray,
    burnouts: np.ndarray,
    recruits: np.ndarray,
    line: np.ndarray,
    influence: np.ndarray,
    elections_won: np.ndarray,
    use_compiled: bool = True,
) -> dict[Key, float]:
    """All outcomes of the current state, keyed by (metric, party, source_type), in
    ``metric_keys`` order; every value a Python float.

    Measured every recorded step (by default every step), so kept cheap: one compiled pass
    (``measure_step``) fills an array in key order, which becomes the dict in one go, with the
    keys of these parties built once (``meter``). The arrays are
    the model's (per-person rows, citizens first; per-party entries in ``party_names`` order;
    ``spend`` and ``planned`` (P, len(CHANNELS)); ``influence`` citizens, news, then parties).
    """
    return meter(tuple(party_names)).measure(
        pop,
        vote=vote,
        read_party=read_party,
        read_source=read_source,
        reach_window=reach_window,
        step=step,
        spend=spend,
        planned=planned,
        cumulative_cost=cumulative_cost,
        burnouts=burnouts,
        recruits=recruits,
        line=line,
        influence=influence,
        elections_won=elections_won,
        use_compiled=use_compiled,
    )


def warm_up() -> None:  # pragma: no mutate block
    """Compile (or load from cache) this module's kernels on tiny inputs of a model's dtypes."""
    x = np.array([0.0, 0.5])
    sizes = np.array([1, 1], dtype=np.int64)
    twin(opinion_kernel)(np.empty(len(OPINION_OUTCOMES)), x, sizes, MAJOR_CLUSTER)
    reads = np.zeros(1, dtype=np.int64)
    twin(measure_step)(
        np.empty(len(metric_keys(["a"]))),
        x,
        sizes,
        MAJOR_CLUSTER,
        np.zeros(2, dtype=bool),
        np.zeros(2, dtype=bool),
        np.zeros((2, 1), dtype=np.int64),
        0,
        np.zeros(2, dtype=np.int16),
        np.zeros(2, dtype=np.int8),
        reads,
        reads,
        np.zeros(1),
        np.zeros(1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros((1, len(CHANNELS))),
        np.zeros((1, len(CHANNELS))),
        np.zeros(1),
        np.zeros((1, 1)),
        np.zeros(3),
        np.zeros(1, dtype=np.int64),
    )
