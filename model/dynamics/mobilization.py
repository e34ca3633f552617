"""Phase 5, mobilization: engagement spreads by complex contagion (Granovetter 1978).

A citizen becomes engaged (mobilised) when the share of its neighbours who are engaged reaches its
threshold — synchronously, from the state at the start of the phase. A threshold of 0 engages a
citizen unconditionally (Granovetter's instigators). Engaged citizens below their threshold
disengage with chance ``disengagement`` per step (0 gives the original one-way cascade).
Staff (and champions whose programme mobilises them) are pinned engaged and count as engaged
neighbours; every other citizen, champions included, follows the contagion. Any small group —
aligned with a party or not — can start a cascade.
"""

from __future__ import annotations

import numpy as np

from model import jit
from model.config.schema import MobilizationSpec
from model.dynamics.kernels import NO_DRAWS, NO_KEYS, run_threaded
from model.network.csr import Graph
from model.population import STAFF, Population
from model.rng import Draws, in_kernels


def engaged_share(pop: Population, graph: Graph, *, use_compiled: bool = True) -> np.ndarray:
    """Share of each person's neighbours who are engaged (0 for isolated people)."""
    count = run_threaded(
        "neighbour_count",
        pop.n,
        graph.indptr,
        graph.indices,
        pop.engaged,
        use_compiled=use_compiled,
    )
    deg = graph.degree
    return np.divide(count, deg, out=np.zeros(pop.n), where=deg > 0)


def spread(
    pop: Population,
    graph: Graph,
    spec: MobilizationSpec,
    draws: Draws,
    step: int,
    pinned: np.ndarray | None = None,
    *,
    use_compiled: bool = True,
) -> None:
    """One synchronous round of threshold contagion (in place on ``pop.engaged``).

    ``pinned`` marks people whose engagement the contagion does not change (default: staff).
    Disengagement draws are keyed per (step, person), so paired runs share them, and made in
    the pass for those who may leave. One compiled
    pass (``kernels.threshold_round``; its plain-Python twin when ``use_compiled`` is False).
    """
    if not spec.enabled:
        return
    leave_draw, key, state = NO_DRAWS, NO_KEYS, np.uint64(0)
    if spec.disengagement > 0:
        if in_kernels(draws):  # the keyed draws made in the pass, for those who may leave
            key, state = pop.key, draws.state("disengage", step)
        else:  # a stand-in for Draws (a test's chosen values) or a subclass: its array
            leave_draw = draws.uniform("disengage", step, pop.key)
    pop.engaged[:] = run_threaded(
        "threshold_round",
        pop.n,
        graph.indptr,
        graph.indices,
        pop.engaged,
        pop.threshold,
        pinned if pinned is not None else pop.role == STAFF,
        leave_draw,
        spec.disengagement,
        key,
        state,
        # the engaged people's ties, counted from their side (when each tie is stored both
        # ways, as a Graph's are), below the size the threaded gather is for
        pop.n < jit.THREADS_MIN and graph.symmetric,
        use_compiled=use_compiled,
    )
