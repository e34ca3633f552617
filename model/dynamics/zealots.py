"""Committed citizens (zealots): opinions no peer, post or pull can change (docs/MODEL.md, step 3,
"Committed citizens"; ``opinion.zealots``).

Who: ``share_plus`` of the citizens committed at +1, ``share_minus`` at -1 and ``share_own`` at
their own initial opinion, drawn without replacement from one keyed stream (so the same seed
commits the same citizens whatever else the scenario holds); the citizens listed in
``zealots.path`` (at their initial opinion); while ``zealots.champions`` is on, every current
champion; with ``zealots.staff``, the party staff, at their party's line. Counts are
round(share · N).

How: committed rows stay in the pool others meet or copy — a sequential peer kernel skips the
update of a committed citizen but lets it act on others (the textbook convention: Mobilia 2003;
Mobilia, Petersen & Redner 2007; Xie et al. 2011) — and every opinion change of the step (reads,
the peer process, anchoring) is undone on their rows at its end, so a synchronous rule averages
over their fixed opinions and never moves them.
"""

from __future__ import annotations

import numpy as np

from model.config.schema import Scenario
from model.network.io import read_indices
from model.population import CHAMPION, STAFF, Population
from model.rng import party_stream


def commit(scenario: Scenario, pop: Population, seed: int) -> np.ndarray:
    """Choose the committed citizens, set the opinions of those committed at ±1, and return the
    mask of committed citizens (over all rows; staff and champions are added each step by
    :func:`frozen`)."""
    z = scenario.opinion.zealots
    n = pop.citizens
    mask = np.zeros(pop.n, dtype=bool)
    counts = [int(round(share * n)) for share in (z.share_plus, z.share_minus, z.share_own)]
    if sum(counts):
        rng = party_stream(seed, "zealots", "citizens")
        chosen = rng.permutation(n)[: min(sum(counts), n)]
        plus, minus = chosen[: counts[0]], chosen[counts[0] : counts[0] + counts[1]]
        pop.x[plus] = 1.0
        pop.x[minus] = -1.0
        mask[chosen] = True
    if z.path:
        mask[read_indices(z.path, n)] = True
    return mask


def frozen(scenario: Scenario, pop: Population, committed: np.ndarray) -> np.ndarray:
    """This step's committed rows: the chosen citizens, plus current champions and staff when
    the scenario commits them."""
    z = scenario.opinion.zealots
    if not (z.champions or z.staff):
        return committed
    out = committed.copy()
    if z.champions:
        out |= pop.role == CHAMPION
    if z.staff:
        out |= pop.role == STAFF
    return out
