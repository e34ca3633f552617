"""Per-step outcomes: reductions over the model's arrays, and their declarations.

What is measured and when: docs/MODEL.md (step 7, Collect) and docs/ODD.md (4, Observation).

Each outcome has a name, a unit, a direction (which way is better for the party it concerns, or
``none``) and whether it is per party. Opinion outcomes are measured on the first issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from model.config.plan import CHANNELS
from model.dynamics.kernels import kernel
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
    # a consensus: no spread, no modes. The mean of identical floats need not equal them
    # (30 × 0.2 / 30 ≠ 0.2), which leaves a variance of ~1e-34 whose moment ratios are noise
    # (1.5 for a consensus at 0.2); an sd below 1e-12 on [-1, 1] is a consensus
    if m2 < CONSENSUS_VARIANCE:
        return 0.0
    g1 = (d2 * d).sum() / n / m2**1.5
    g2 = (d2 * d2).sum() / n / m2**2 - 3.0
    return float((g1 * g1 + 1.0) / (g2 + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def cluster_sizes(x: np.ndarray, gap: float = CLUSTER_GAP) -> np.ndarray:
    """Sizes of groups of sorted opinions separated by more than ``gap``, in increasing order of
    opinion (compiled, without sorting: ``kernels.gap_clusters``)."""
    return kernel("gap_clusters")(np.ascontiguousarray(x, dtype=np.float64), float(gap))


def major_clusters(x: np.ndarray, share: float = MAJOR_CLUSTER, gap: float = CLUSTER_GAP) -> int:
    """Number of clusters holding at least ``share`` of the opinions."""
    sizes = cluster_sizes(x, gap)
    return int(np.count_nonzero(sizes >= share * x.size))


def opinion_metrics(x: np.ndarray) -> dict[str, float]:
    """Outcomes of one issue's opinions. The deviations from the mean are computed once: the
    variance Σd²/n is NumPy's ``var`` (its own formula, so the same float), the sd its root."""
    sizes = cluster_sizes(x)
    mean = x.mean()
    d = x - mean
    d2 = d * d
    m2 = d2.sum() / x.size  # no opinions: NaN, as NumPy's var
    return {
        "mean_opinion": float(mean),
        "opinion_sd": float(np.sqrt(m2)),
        "polarization": float(m2),
        "bimodality": _bimodality(d, d2, m2),
        "clusters": float(np.count_nonzero(sizes >= MAJOR_CLUSTER * x.size)),
        "largest_cluster": float(sizes.max(initial=0) / max(x.size, 1)),
    }


Key = tuple[str, str, str]  # (metric, party, source_type)


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
) -> dict[Key, float]:
    """All outcomes of the current state, keyed by (metric, party, source_type).

    Measured every recorded step (by default every step), so kept cheap: the per-party arrays
    become lists of Python floats once (``_floats``: the floats ``float(a[k])`` gives) rather
    than being converted a NumPy scalar at a time, and shares of flags are exact counts over
    the size (``_share``: NumPy's ``mean``, to the bit).
    """
    n_c = pop.citizens
    out: dict[Key, float] = {}
    for name, value in opinion_metrics(pop.x[:n_c, 0]).items():
        out[(name, "", "")] = value
    out[("engaged", "", "")] = _share(pop.engaged[:n_c])
    out[("posts_read", "", "")] = float(read_party.size)
    turnout = float(vote.sum())
    out[("turnout", "", "")] = turnout
    out[("abstention", "", "")] = 1.0 - turnout

    total = read_party.size
    p = len(party_names)
    n_sources = len(SOURCE_NAMES)
    # share of voice by (party, source type); citizens' own posts are party index -1
    cell = (read_party + 1) * n_sources + read_source
    counts = _floats(np.bincount(cell, minlength=(p + 1) * n_sources) / max(total, 1))
    out[("share_of_voice", "", "citizen")] = counts[0]
    out[("share_of_voice", "", "news")] = counts[SOURCE_NEWS]
    out[("share_of_voice", "", "movement")] = counts[SOURCE_MOVEMENT]
    out[("movement_members", "", "")] = _share(pop.member[:n_c]) if n_c else 0.0
    # per party: shares of 0/1 flags and counts are exact sums in any order. One column at a
    # time: NumPy's mean down the columns of this (N, P) table took ~20 times as long
    recent = pop.last_party_read[:n_c] >= step - reach_window + 1
    reach = [_share(recent[:, k]) for k in range(p)]
    active = _floats(np.bincount(pop.party[pop.role == CHAMPION], minlength=p))
    vote_l, burnouts_l, recruits_l = _floats(vote), _floats(burnouts), _floats(recruits)
    spend_l, planned_l = _floats(spend), _floats(planned)
    cumulative_l, line_l = _floats(cumulative_cost), _floats(line[:, 0])
    for k, name in enumerate(party_names):
        out[("vote_share", name, "")] = vote_l[k]
        for s, source in PARTY_SOURCES:
            out[("share_of_voice", name, source)] = counts[(k + 1) * n_sources + s]
        out[("reach", name, "")] = reach[k]
        out[("active_champions", name, "")] = active[k]
        out[("burnouts", name, "")] = burnouts_l[k]
        out[("recruits", name, "")] = recruits_l[k]
        out[("cost", name, "")] = float(spend[k].sum())
        for c, channel in enumerate(CHANNELS):
            out[("spend", name, channel)] = spend_l[k][c]
            out[("planned", name, channel)] = planned_l[k][c]
        out[("cumulative_cost", name, "")] = cumulative_l[k]
        out[("party_line", name, "")] = line_l[k]
    per_citizen = _floats(influence / max(n_c, 1))
    out[("influence", "", "citizen")] = per_citizen[0]
    out[("influence", "", "news")] = per_citizen[1]
    won = _floats(elections_won)
    for k, name in enumerate(party_names):
        out[("elections_won", name, "")] = won[k]
        out[("influence", name, "")] = per_citizen[2 + k]
    total = float(influence.sum())
    out[("party_influence_share", "", "")] = (
        float(influence[2:].sum()) / total if total > 0 else float("nan")
    )
    return out


def _floats(a) -> list:
    """The elements of ``a`` as (nested) lists of Python floats: ``float(a[k])`` for each k."""
    return np.asarray(a, dtype=np.float64).tolist()


def _share(flags: np.ndarray) -> float:
    """The share of True in a 1-D array of flags: NumPy's ``mean``, to the bit (an exact count
    over an exact size, one correctly rounded division), without its reduction machinery.
    Anything but a non-empty bool array goes to ``mean`` itself."""
    if flags.dtype != np.bool_ or flags.size == 0:
        return float(flags.mean())
    return np.count_nonzero(flags) / flags.size
