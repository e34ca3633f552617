"""Phase 3, update: opinion rules, a registry keyed by the YAML value ``opinion.rule``.

Every rule has two parts:

- ``peer_step``: the textbook peer-to-peer process among citizens, once per step, on the
  citizens' network only (rows ``0..N-1``; staff rows never enter it: staff act through their
  posts, once). Empty for ``social_judgment``, whose peer influence comes through the feed. For
  the classic rules it is the published model itself, so that with parties off and trust 1 each
  reduces to it:

  * ``deffuant`` — Deffuant, Neau, Amblard & Weisbuch 2000 (Adv. Complex Syst. 3:87): N random
    encounters per step, in sequence; a random citizen i meets a random neighbour j; if
    |x_i - x_j| < ε both move by μ toward each other.
  * ``voter`` — Clifford & Sudbury 1973; Holley & Liggett 1975: N random updates per step, in
    sequence; a random citizen copies a random neighbour's opinion (``voter_update: node``).
    One step = one sweep. Variants (Sood, Antal & Redner 2008, PRE 77:041121; Suchecki,
    Eguíluz & San Miguel 2005): ``link`` — a random link, one random end copies the other
    (conserves the magnetisation); ``invasion`` — a random citizen imposes its opinion on a
    random neighbour (conserves the inverse-degree-weighted magnetisation); node update
    conserves the degree-weighted one. Each is the probability of consensus on +1.
  * ``hegselmann_krause`` — Hegselmann & Krause 2002 (JASSS 5(3)): synchronous; each citizen
    takes the mean opinion of itself and its neighbours within ε (|x_i - x_j| <= ε).
  * ``degroot`` — DeGroot 1974 (JASA 69:118): synchronous; x ← W x, W the row-normalised
    influence matrix (edge weights, ``self_weight`` on the diagonal).
  * ``friedkin_johnsen`` — Friedkin & Johnsen 1999 (Advances in Group Processes 16:1):
    synchronous; x ← Λ W x + (I − Λ) x(0), Λ = ``susceptibility`` · I, x(0) the citizens'
    opinions when the run starts (before step 1). With λ < 1 opinions settle at
    x* = (I − ΛW)⁻¹ (I − Λ) x(0): persistent disagreement, not consensus. λ = 1 is DeGroot.

  * ``q_voter`` — Castellano, Muñoz & Pastor-Satorras 2009 (PRE 80:041129) with the two kinds
    of nonconformity of Nyczka, Sznajd-Weron & Cisło 2012 (PRE 86:011105): opinions ±1, N
    updates per step; a random citizen, with probability p a nonconformist (independence: flips
    with probability 1/2; anticonformity: opposes a unanimous panel), otherwise a conformist that
    copies a unanimous panel of q neighbours drawn with repetition.
  * ``naming_game`` — the binary naming game of Xie et al. 2011 (PRE 84:011130): states A = -1,
    AB = 0, B = +1; N speaker-listener interactions per step (see
    ``model.dynamics.kernels.naming_game_sweep``); with committed citizens at +1
    (``opinion.zealots.share_plus``) it is their committed-minority model.

  * ``majority`` — majority rule (Galam 2002, Eur. Phys. J. B 25:403; Krapivsky & Redner
    2003, PRL 90:238701): opinions ±1; round(N/G) group updates per step, each a random citizen
    and G - 1 distinct random neighbours taking their majority. Party posts are read as for
    ``q_voter`` (the post's side, with chance μ·trust).

  * ``holme_newman`` — the coevolving voter model of Holme & Newman 2006 (PRE 74:056108):
    discrete opinions (``initial_opinion: categories``); N updates per step, a random citizen
    either moves one of its ties to a random citizen of its own opinion (probability φ =
    ``rewire_rate``: unfollowing) or copies a random neighbour. The network changes: ties are
    kept as half-edge lists in the rule and the CSR graph is rebuilt after each step. Textbook
    mode only (no parties, no news).

  * ``algorithmic_bias`` — Deffuant with a biased recommender (Sîrbu, Pedreschi, Giannotti &
    Kertész 2019, PLoS ONE 14:e0213246): the partner is a neighbour drawn with probability
    ∝ d^(-γ), γ = ``bias``; one issue.

  * ``attraction_repulsion`` — Jager & Amblard 2005 (Comput. Math. Organ. Theory 10:295): N
    random encounters per step as in ``deffuant``, but only the drawn citizen i moves: toward j
    by μ·(x_j − x_i) if |x_i − x_j| < U (``openness``), away by the same amount if
    |x_i − x_j| > T (``rejection``), clipped to [-1, 1]; one issue. T ≥ 2 is a one-sided
    Deffuant.
  * ``radicalization`` — activity-driven radicalisation with homophily (Baumann,
    Lorenz-Spreen, Sokolov & Starnini 2020, PRL 124:048301): unbounded opinions x ∈ ℝ,
    dx_i/dt = -x_i + K Σ_j A_ij(t) tanh(α x_j) on a contact network A(t) drawn anew every step
    (activity a_i, m homophilous contacts, reciprocity r); one step is one fourth-order
    Runge-Kutta step of length dt. Textbook mode only; opinions are never clipped.

  Any rule can hold committed citizens (``opinion.zealots``, ``model.dynamics.zealots``): they
  are picked, met and copied like anyone, and never change.

- ``read``: how a post read in the feed moves the reader. For ``social_judgment`` this is the
  whole rule (docs/MODEL.md, step 3; docs/ODD.md §7.5): d = |y - x|; if d < ε,
  x += μ·trust·(y - x) (assimilation); if d > ρ and backfire is on, x -= μ_b·trust·(y - x)
  (contrast). For the classic rules only party posts (institution, staff, champion) are read
  this way, one-sided, with the rule's own acceptance (Deffuant d < ε, HK d <= ε, DeGroot
  always; voter: copy with chance μ·trust); peer posts influence through ``peer_step`` only, so
  nothing is counted twice.

Reads in one step are applied against the step's snapshot (synchronous). Their pulls add up; if
a reader's total weight Σ μ·trust exceeds 1, the weights are scaled to sum to 1, so the result
stays a convex combination of what it read (no overshoot). Opinions are clipped to [-1, 1].

Distance with K issues is the root mean square of the per-issue gaps (|y - x| when K = 1), so
ε and ρ keep their meaning on the [-1, 1] scale.

``converged`` (for ``opinion.stop_at_convergence``) looks at the citizens' opinions only: staff
hold the party line, so a voter-model consensus among citizens is a consensus even though the
staff of a party elsewhere on the scale disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config.schema import OpinionSpec
from model.dynamics.kernels import (
    ACCEPT_ANY,
    ACCEPT_BELOW,
    ACCEPT_WITHIN,
    NO_DRAWS,
    NO_WORK,
    NOT_FROZEN,
    kernel,
    looks_ahead,
)
from model.network.csr import Graph, from_edges
from model.population import SOURCE_CITIZEN, STAFF, Population


@dataclass
class ReadEffect:
    """Which reads were accepted (pulled) and rejected (pushed away), for the affinity update."""

    accepted: np.ndarray  # bool per read
    rejected: np.ndarray  # bool per read
    # how far each read moved its reader (|w|·distance, after the no-overshoot scaling and
    # before clipping to [-1, 1]): the influence metrics' attribution (docs/MODEL.md, step 7)
    moved: np.ndarray


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """RMS distance between rows of (m, K) arrays."""
    if a.shape[1] == 1:
        return np.abs(a[:, 0] - b[:, 0])
    return np.sqrt(np.mean((a - b) ** 2, axis=1))


def pull(x: np.ndarray, reader: np.ndarray, content: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """x[r] += Σ w·(y - x[r]) over r's reads, weights rescaled where Σ|w| > 1; in place.
    Returns how far each read moved its reader, |w|·d(y, x[r]) (before clipping). The NumPy
    statement of the pull; a run pulls in ``kernels.read_pull``, which gives its values."""
    if reader.size == 0:
        return np.zeros(0)
    n = x.shape[0]
    total = np.bincount(reader, weights=np.abs(weight), minlength=n)
    scale = 1.0 / np.maximum(total, 1.0)
    w = weight * scale[reader]
    gap = content - x[reader]
    moved = np.abs(w) * distance(content, x[reader])
    for c in range(x.shape[1]):
        x[:, c] += np.bincount(reader, weights=w * gap[:, c], minlength=n)
    np.clip(x, -1.0, 1.0, out=x)
    return moved


class Rule:
    """Base: no peer process; reads pull within the latitude of acceptance."""

    name = "base"
    reads_peer_posts = False  # do citizens' own posts influence through the feed?
    inclusive = False  # acceptance d <= ε (True) or d < ε (False)
    bounded = True  # False: every post read is accepted, whatever its distance (DeGroot)

    def __init__(self, spec: OpinionSpec, *, use_compiled: bool = True):
        self.spec = spec
        self.use_compiled = use_compiled
        # rows of the citizens (0..N-1), learned from the population in ``peer_step``, which
        # the model calls every step before ``converged``; None compares every row
        self.citizens: int | None = None
        self.frozen = NOT_FROZEN  # this step's committed rows of the peer graph (or none)
        # a rule that rewires the network (holme_newman) holds the citizens' graph as it now is
        self.graph: Graph | None = None
        self.peer_graph: Graph | None = None  # the graph of the last peer step

    def peer_step(
        self,
        pop: Population,
        graph: Graph,
        rng: np.random.Generator,
        frozen: np.ndarray | None = None,
    ) -> float:
        """The textbook peer process for one step, in place on the rows ``0..graph.n - 1`` of
        ``pop.x``. Returns the opinion movement the peers caused, Σ over citizens of
        d(x_after, x_before) (the influence metrics' share of citizens; 0 for a rule without a
        peer process).

        ``graph`` is the citizens' network (N nodes, no staff; staff rows are never read or
        written), or, with ``opinion.zealots.staff``, the whole network with the staff's rows
        (then ``frozen`` marks the staff). ``frozen`` flags committed rows: they stay in the pool
        but never change (docs/MODEL.md, step 3, "Committed citizens").
        """
        if graph.n not in (pop.citizens, pop.n):
            raise ValueError(
                f"the peer process runs on the citizens' network ({pop.citizens} nodes) or the "
                f"whole network ({pop.n}); got a graph of {graph.n}"
            )
        self.citizens = pop.citizens
        self.peer_graph = graph
        if not self.has_peer_process:
            return 0.0
        n = graph.n
        self.frozen = NOT_FROZEN
        if frozen is not None and frozen[:n].any():
            self.frozen = np.ascontiguousarray(frozen[:n], dtype=np.bool_)
        held = pop.x[:n][self.frozen].copy() if self.frozen.size else None
        before = None if self._counts_movement(pop) else pop.x[: pop.citizens].copy()
        moved = self._peer_process(pop, graph, rng)
        if held is not None:  # synchronous rules average over committed rows, never move them
            pop.x[:n][self.frozen] = held
        if moved is None:
            moved = float(distance(pop.x[: pop.citizens], before).sum())
        return moved

    def peer_steps(
        self, pop: Population, graph: Graph, rng: np.random.Generator, steps: int
    ) -> np.ndarray | None:
        """``steps`` steps of the peer process in one compiled call, when the rule can and
        nothing else acts between them (:meth:`model.SocialWebModel.run`): the opinion movement
        of each step, the same values, draws and final opinions as ``steps`` calls of
        :meth:`peer_step` without committed rows. None when the rule cannot (the caller then
        steps one by one)."""
        return None

    def _counts_movement(self, pop: Population) -> bool:
        """Whether ``_peer_process`` returns the movement itself (no copy of x needed)."""
        return False

    def _peer_process(
        self, pop: Population, graph: Graph, rng: np.random.Generator
    ) -> float | None:
        """The rule's own peer process (none in the base rule); may return the movement the
        peers caused when part of the step is not peer influence (Friedkin-Johnsen)."""
        return None

    @property
    def has_peer_process(self) -> bool:
        """Whether the rule has a peer process of its own (the classic rules)."""
        return type(self)._peer_process is not Rule._peer_process

    def acceptance(self, d: np.ndarray, openness: np.ndarray) -> np.ndarray:
        if not self.bounded:
            return np.ones(d.shape, dtype=bool)
        return d <= openness if self.inclusive else d < openness

    @property
    def acceptance_kind(self) -> int:
        """:meth:`acceptance` as ``kernels.read_pull`` takes it: ACCEPT_BELOW (d < ε),
        ACCEPT_WITHIN (d <= ε) or ACCEPT_ANY."""
        if not self.bounded:
            return ACCEPT_ANY
        return ACCEPT_WITHIN if self.inclusive else ACCEPT_BELOW

    def _citizen_rows(self, x: np.ndarray) -> np.ndarray:
        return x if self.citizens is None else x[: self.citizens]

    def converged(self, before: np.ndarray, after: np.ndarray, tolerance: float) -> bool:
        """Citizens' opinions stopped changing: max |Δx| over the step <= tolerance."""
        change = self._citizen_rows(after) - self._citizen_rows(before)
        return bool(np.max(np.abs(change), initial=0.0) <= tolerance)

    def start(self, pop: Population) -> None:
        """Called once when the run starts (before step 1), with the initial population."""

    def read(
        self,
        pop: Population,
        reader: np.ndarray,
        content: np.ndarray,
        trust: np.ndarray,
        source_type: np.ndarray,
        rng: np.random.Generator,
    ) -> ReadEffect:
        """Apply the posts read this step; returns which were accepted/rejected, in one
        compiled pass (``kernels.read_pull``: the values of :meth:`acceptance` and :func:`pull`
        bit for bit; its plain-Python twin when ``use_compiled`` is False)."""
        accepted = np.zeros(reader.size, dtype=bool)
        rejected = np.zeros(reader.size, dtype=bool)
        moved = np.zeros(reader.size)
        kernel("read_pull", use_compiled=self.use_compiled)(
            pop.x,
            pop.openness,
            pop.rejection,
            reader,
            content,
            trust,
            source_type,
            -1 if self.reads_peer_posts else SOURCE_CITIZEN,
            self.acceptance_kind,
            self.spec.rate,
            bool(self.spec.backfire and self.reads_peer_posts),
            self.spec.backfire_rate,
            accepted,
            rejected,
            moved,
        )
        return ReadEffect(accepted, rejected, moved)


class SocialJudgment(Rule):
    """Social judgment / bounded confidence with trust and optional backfire (the default)."""

    name = "social_judgment"
    reads_peer_posts = True


def _movable(pop: Population) -> np.ndarray:
    return pop.role != STAFF


class Deffuant(Rule):
    """Pairwise bounded confidence (Deffuant et al. 2000)."""

    name = "deffuant"
    sweep_kernel = "deffuant_sweep"  # the one-issue kernel, encounters drawn from per-step keys

    def _one_or_rows(self, name: str, values: np.ndarray, n: int) -> np.ndarray:
        """The first ``n`` rows of a per-person threshold (``name``: openness, rejection), or a
        single value when all share it (the kernels' fast path). Thresholds are fixed at
        set-up, so the check runs once per population."""
        cache = self.__dict__.setdefault("_thresholds", {})
        found = cache.get(name)
        if found is None or found[0] != (id(values), n):
            rows = values[:n]
            if rows.size and rows.min() == rows.max():
                rows = rows[:1].copy()
            found = cache[name] = ((id(values), n), rows)
        return found[1]

    def _openness(self, pop: Population, n: int) -> np.ndarray:
        """The first ``n`` rows' ε, or a single value when all share it."""
        return self._one_or_rows("openness", pop.openness, n)

    def _sweep_args(self, pop: Population, n: int) -> tuple:
        """The arguments of :attr:`sweep_kernel` between the graph and the keys."""
        return (self._openness(pop, n), self.spec.rate, self.frozen, NO_DRAWS)

    def _sweep_options(self, x: np.ndarray, graph: Graph) -> tuple:
        """The arguments of :attr:`sweep_kernel` after the movement's: whether to look ahead."""
        return (looks_ahead(x, graph.indptr, graph.indices),)

    _work: np.ndarray = NO_WORK

    def _counts_movement(self, pop: Population) -> bool:
        return pop.x.shape[1] == 1  # the one-issue kernel sums each step's movement itself

    def converged(self, before: np.ndarray, after: np.ndarray, tolerance: float) -> bool:
        """``opinion.convergence`` quiet: as every rule (no citizen moved by more than the
        tolerance this step). Settled: no encounter of the last step's peer graph can move
        anyone again, for every tie (i, j) with i not committed, d(x_i, x_j) <= tolerance or
        d >= ε_i — under any bias in who meets whom, a state that only waits for the right
        pair to meet is not an end — and d >= ε_i plus the spreads of the groups joined by ties
        within the tolerance at both ends (their moves cannot bring the tie within ε_i)."""
        if self.spec.convergence != "settled":
            return super().converged(before, after, tolerance)
        graph = self.peer_graph
        if graph is None:
            return False
        n = graph.n
        found = self.__dict__.get("_thresholds", {}).get("openness")
        eps = found[1] if found is not None else np.zeros(1)
        if after.shape[1] == 1 and eps.size == 1 and not self.frozen.size and graph.complete:
            # complete graph, one ε: sorted (O(N log N)). A live pair exists iff some opinion's
            # nearest neighbour above it by more than the tolerance is closer than ε. The groups
            # joined by ties within the tolerance are the runs of the sorted opinions without a
            # gap wider than it; every pair is a tie, so a run wider than the tolerance holds a
            # far tie inside its own range (its ends), and two neighbouring runs stay apart
            # only if their gap is at least ε plus both spreads (then so are runs further off)
            s = np.sort(after[:n, 0])
            j = np.searchsorted(s, s + tolerance, side="right")
            above = j < n
            if np.any(s[j[above]] - s[above] < eps[0]):
                return False
            cut = np.flatnonzero(np.diff(s) > tolerance)  # run k ends at cut[k]
            start = np.r_[0, cut + 1]
            end = np.r_[cut, n - 1]
            spread = s[end] - s[start]
            if np.any(spread > tolerance):
                return False
            gap = s[start[1:]] - s[end[:-1]]
            return not bool(np.any(gap - spread[:-1] - spread[1:] < eps[0]))
        owner = graph.rows
        x = after[:n]
        gap = distance(x[owner], x[graph.indices])
        reach = eps[0] if eps.size == 1 else eps[owner]
        live = (gap > tolerance) & (gap < reach)
        if self.frozen.size:
            live &= ~self.frozen[owner]
        if live.any():
            return False
        # No tie is live, but the ties within the tolerance still move their ends inside their
        # group's box (the groups they join; every move is between two of its members). A tie
        # at least ε_i apart stays so only if it is at least ε_i plus both groups' spreads apart
        # (on the complete graph with one ε, the shortcut above checks the same on sorted runs).
        from scipy.sparse import csr_matrix  # only here: settled runs off the shortcut
        from scipy.sparse.csgraph import connected_components

        close = gap <= tolerance
        groups, label = connected_components(
            csr_matrix(
                (np.ones(int(close.sum()), dtype=np.int8), (owner[close], graph.indices[close])),
                shape=(n, n),
            ),
            directed=False,
        )
        spread = np.zeros(groups)
        for c in range(x.shape[1]):  # the RMS over issues of each group's range
            top = np.full(groups, -np.inf)
            low = np.full(groups, np.inf)
            np.maximum.at(top, label, x[:, c])
            np.minimum.at(low, label, x[:, c])
            spread += (top - low) ** 2
        spread = np.sqrt(spread / x.shape[1])
        far = ~close & (gap - spread[label[owner]] - spread[label[graph.indices]] < reach)
        if self.frozen.size:
            far &= ~self.frozen[owner]
        return not bool(far.any())

    def _keyed(self, pop: Population, graph: Graph, keys: np.ndarray) -> np.ndarray:
        """One step per key of the one-issue kernel (encounters drawn in the kernel from the
        key, docs/MODEL.md, step 3); returns each step's movement."""
        n = graph.n
        if self._work.size != n:
            self._work = np.empty(n)
        moved = np.zeros(keys.size)
        x = pop.x[:n, 0]
        kernel(self.sweep_kernel, use_compiled=self.use_compiled)(
            x,
            graph.indptr,
            graph.indices,
            *self._sweep_args(pop, n),
            keys,
            self._work,
            moved,
            *self._sweep_options(x, graph),
        )
        return moved

    def peer_steps(
        self, pop: Population, graph: Graph, rng: np.random.Generator, steps: int
    ) -> np.ndarray | None:
        if pop.x.shape[1] != 1 or graph.n != pop.citizens:
            return None
        self.citizens = pop.citizens
        self.peer_graph = graph  # as peer_step does: the settled check reads it
        self.frozen = NOT_FROZEN
        # one 64-bit key per step: the same numbers as ``steps`` single draws
        return self._keyed(pop, graph, rng.integers(0, 2**64, size=steps, dtype=np.uint64))

    def _peer_process(
        self, pop: Population, graph: Graph, rng: np.random.Generator
    ) -> float | None:
        # the peer graph's rows only (the citizens, or citizens and committed staff)
        n = graph.n
        if pop.x.shape[1] == 1:
            keys = rng.integers(0, 2**64, size=1, dtype=np.uint64)
            return float(self._keyed(pop, graph, keys)[0])
        kernel("deffuant_sweep_issues", use_compiled=self.use_compiled)(
            pop.x[:n],
            graph.indptr,
            graph.indices,
            self._openness(pop, n),
            self.spec.rate,
            self.frozen,
            rng.random(n),
        )
        return None


class AlgorithmicBias(Deffuant):
    """Deffuant encounters with a recommender that favours like-minded partners (Sîrbu et al.
    2019); party posts are read as under ``deffuant``."""

    name = "algorithmic_bias"

    def _counts_movement(self, pop: Population) -> bool:
        return False  # its kernel draws from uniforms given and does not count the movement

    def peer_steps(
        self, pop: Population, graph: Graph, rng: np.random.Generator, steps: int
    ) -> np.ndarray | None:
        return None  # its kernel runs one step per call

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> None:
        n = graph.n
        kernel("algorithmic_bias_sweep", use_compiled=self.use_compiled)(
            pop.x[:n, 0],
            graph.indptr,
            graph.indices,
            self._openness(pop, n),
            self.spec.rate,
            self.spec.bias,
            self.spec.bias_floor,
            self.frozen,
            rng.random((n, 2)),
        )


class AttractionRepulsion(Deffuant):
    """Attraction–repulsion (Jager & Amblard 2005): Deffuant's encounters, but only the drawn
    citizen i moves — toward j within its latitude of acceptance U (``population.openness``),
    away from j beyond its threshold of rejection T (``population.rejection``), clipped to
    [-1, 1]; party posts are read as under ``deffuant``."""

    name = "attraction_repulsion"
    sweep_kernel = "attraction_repulsion_sweep"

    def _sweep_args(self, pop: Population, n: int) -> tuple:
        """U (``openness``) and T (``rejection``), each one value or one per citizen."""
        return (
            self._openness(pop, n),
            self._one_or_rows("rejection", pop.rejection, n),
            self.spec.rate,
            self.frozen,
        )

    def _sweep_options(self, x: np.ndarray, graph: Graph) -> tuple:
        return ()  # its kernel always looks ahead


def power_law_activity(n: int, exponent: float, low: float, u: np.ndarray) -> np.ndarray:
    """Activities from F(a) ∝ a^(-γ) on [ε, 1] by inversion of its distribution function:
    a = (ε^(1-γ) + u·(1 - ε^(1-γ)))^(1/(1-γ)), one uniform u per citizen (γ ≠ 1)."""
    g = 1.0 - exponent
    return (low**g + u[:n] * (1.0 - low**g)) ** (1.0 / g)


class Radicalization(Rule):
    """Activity-driven radicalisation with homophily (Baumann, Lorenz-Spreen, Sokolov &
    Starnini 2020, PRL 124:048301); see :func:`model.dynamics.kernels.radicalization_steps`.

    The state is the unbounded opinion x ∈ ℝ of each citizen (never clipped). The rule draws
    its own activities a_i from F(a) ∝ a^(-γ) on [ε, 1] at its first step (N uniforms of the
    update stream, before that step's key), then one 64-bit key per step. Every citizen can
    contact every other, so it reads no fixed network: the loader asks for ``network.kind: none``
    (no ties, nothing of size N² built). Textbook mode only (no parties, news, movement or
    committed citizens), so it reads no posts."""

    name = "radicalization"
    activity: np.ndarray | None = None

    def _counts_movement(self, pop: Population) -> bool:
        return True

    def _steps(self, pop: Population, n: int, rng: np.random.Generator, steps: int) -> np.ndarray:
        spec = self.spec
        if self.activity is None or self.activity.size != n:
            self.activity = power_law_activity(
                n, spec.activity_exponent, spec.activity_min, rng.random(n)
            )
        keys = rng.integers(0, 2**64, size=steps, dtype=np.uint64)
        moved = np.zeros(steps)
        x = np.ascontiguousarray(pop.x[:n, 0])
        kernel("radicalization_steps", use_compiled=self.use_compiled)(
            x,
            self.activity,
            keys,
            int(spec.contacts),
            float(spec.reciprocity),
            float(spec.social_influence),
            float(spec.controversy),
            float(spec.homophily),
            float(spec.time_step),
            moved,
        )
        pop.x[:n, 0] = x
        return moved

    def peer_steps(
        self, pop: Population, graph: Graph, rng: np.random.Generator, steps: int
    ) -> np.ndarray | None:
        if graph.n != pop.citizens:
            return None
        self.citizens = pop.citizens
        self.frozen = NOT_FROZEN
        return self._steps(pop, graph.n, rng, steps)

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> float:
        return float(self._steps(pop, graph.n, rng, 1)[0])

    def read(
        self,
        pop: Population,
        reader: np.ndarray,
        content: np.ndarray,
        trust: np.ndarray,
        source_type: np.ndarray,
        rng: np.random.Generator,
    ) -> ReadEffect:
        """No post moves anyone (textbook mode: citizens' own posts never did, and there are no
        party or news posts), so nothing is clipped."""
        none = np.zeros(reader.size, dtype=bool)
        return ReadEffect(accepted=none, rejected=none.copy(), moved=np.zeros(reader.size))


class Voter(Rule):
    """Voter model: copy a random neighbour (one sweep of N updates per step)."""

    name = "voter"

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> None:
        n = graph.n
        u = rng.random(n)
        update = self.spec.voter_update
        if update == "link":
            kernel("voter_link_sweep", use_compiled=self.use_compiled)(
                pop.x[:n], graph.rows, graph.indices, self.frozen, u
            )
            return
        name = "voter_invasion_sweep" if update == "invasion" else "voter_sweep"
        kernel(name, use_compiled=self.use_compiled)(
            pop.x[:n], graph.indptr, graph.indices, self.frozen, u
        )

    def converged(self, before: np.ndarray, after: np.ndarray, tolerance: float) -> bool:
        """Consensus: every citizen holds the same opinion (a quiet step is not enough). Staff
        rows are left out: they hold their party's line whatever the citizens agree on."""
        return bool(np.all(np.ptp(self._citizen_rows(after), axis=0) <= tolerance))

    def read(
        self,
        pop: Population,
        reader: np.ndarray,
        content: np.ndarray,
        trust: np.ndarray,
        source_type: np.ndarray,
        rng: np.random.Generator,
    ) -> ReadEffect:
        """Copy a party post with chance μ·trust (the first success in feed order)."""
        active = source_type != SOURCE_CITIZEN
        copy = active & (rng.random(reader.size) < self.spec.rate * trust)
        idx = np.flatnonzero(copy)
        moved = np.zeros(reader.size)
        if idx.size:
            _, first = np.unique(reader[idx], return_index=True)
            pick = idx[first]
            pick = pick[_movable(pop)[reader[pick]]]
            moved[pick] = distance(content[pick], pop.x[reader[pick]])
            pop.x[reader[pick]] = content[pick]
        return ReadEffect(accepted=copy, rejected=np.zeros(reader.size, dtype=bool), moved=moved)


def hk_complete(x: np.ndarray, openness: np.ndarray) -> np.ndarray:
    """One synchronous HK step on the complete graph in O(N log N): sort, then each citizen's
    window [x_i - ε_i, x_i + ε_i] is a slice of the sorted opinions, averaged by prefix sums.
    Equal to the pairwise update up to rounding (about N·1e-16)."""
    order = np.argsort(x, kind="stable")
    s = x[order]
    csum = np.concatenate([[0.0], np.cumsum(s)])
    lo = np.searchsorted(s, x - openness, side="left")
    hi = np.searchsorted(s, x + openness, side="right")
    return (csum[hi] - csum[lo]) / (hi - lo)


class HegselmannKrause(Rule):
    """Synchronous bounded-confidence averaging (Hegselmann & Krause 2002)."""

    name = "hegselmann_krause"
    inclusive = True

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> None:
        # the peer graph's rows only: staff (rows >= N) take part only as committed agents
        n = graph.n
        x = pop.x[:n]
        openness = pop.openness[:n]
        if graph.complete and x.shape[1] == 1:
            x[:, 0] = hk_complete(x[:, 0], openness)
            return
        rows, cols = graph.rows, graph.indices
        close = distance(x[rows], x[cols]) <= openness[rows]
        r, c = rows[close], cols[close]
        counts = np.bincount(r, minlength=n) + 1.0
        new = np.empty_like(x)
        for k in range(x.shape[1]):
            new[:, k] = (np.bincount(r, weights=x[c, k], minlength=n) + x[:, k]) / counts
        x[:] = new


class DeGroot(Rule):
    """Weighted averaging x ← W x (DeGroot 1974); converges on a strongly connected aperiodic
    network to the consensus weighted by W's stationary distribution."""

    name = "degroot"
    inclusive = True
    bounded = False  # a post is accepted whatever its distance

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> None:
        # the peer graph's rows only, like the other classic rules
        n = graph.n
        rows, cols = graph.rows, graph.indices
        w = graph.weights if graph.weights is not None else np.ones(cols.size)
        s = self.spec.self_weight
        x = pop.x[:n]
        total = np.bincount(rows, weights=w, minlength=n) + s
        new = x.copy()
        for k in range(x.shape[1]):
            new[:, k] = (
                np.bincount(rows, weights=w * x[cols, k], minlength=n) + s * x[:, k]
            ) / np.where(total > 0, total, 1.0)
        movable = total > 0  # an isolated citizen with no self-weight keeps x
        x[movable] = new[movable]


class FriedkinJohnsen(DeGroot):
    """Averaging anchored to initial opinions, x ← λ·W x + (1 − λ)·x(0) (Friedkin & Johnsen
    1999): stubbornness keeps disagreement alive."""

    name = "friedkin_johnsen"
    anchor: np.ndarray | None = None

    def start(self, pop: Population) -> None:
        self.anchor = pop.x.copy()

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> float:
        if self.anchor is None:  # used outside a model run: anchor to the opinions found first
            self.start(pop)
        n = graph.n
        x = pop.x[:n]
        before = x.copy()
        super()._peer_process(pop, graph, rng)  # x ← W x on the peer graph's rows
        lam = self.spec.susceptibility
        # the peers' share of the step, λ·(W x − x); the rest, (1 − λ)·(x(0) − x), is the pull
        # back to the initial opinions: stubbornness, nobody's influence
        moved = float(lam * distance(x[: pop.citizens], before[: pop.citizens]).sum())
        x[:] = lam * x + (1.0 - lam) * self.anchor[:n]
        return moved


class QVoter(Voter):
    """q-voter with independence or anticonformity (Nyczka, Sznajd-Weron & Cisło 2012)."""

    name = "q_voter"

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> None:
        n = graph.n
        q = self.spec.q
        u = rng.random((n, q + 2))
        kernel("q_voter_sweep", use_compiled=self.use_compiled)(
            pop.x[:n, 0],
            graph.indptr,
            graph.indices,
            q,
            self.spec.nonconformity_rate,
            self.spec.nonconformity == "anticonformity",
            self.frozen,
            u,
        )

    def converged(self, before: np.ndarray, after: np.ndarray, tolerance: float) -> bool:
        """Consensus, as for the voter model; with p > 0 nonconformists keep breaking it, so
        only p = 0 (the plain q-voter) can stop early."""
        return self.spec.nonconformity_rate == 0 and super().converged(before, after, tolerance)

    def read(
        self,
        pop: Population,
        reader: np.ndarray,
        content: np.ndarray,
        trust: np.ndarray,
        source_type: np.ndarray,
        rng: np.random.Generator,
    ) -> ReadEffect:
        """A party post is a one-member panel for its side: with chance μ·trust the reader takes
        the sign of the post (a post at 0 takes no side and moves nobody)."""
        side = np.sign(content)
        silent = side[:, 0] == 0
        source_type = np.where(silent, SOURCE_CITIZEN, source_type) if silent.any() else source_type
        return super().read(pop, reader, side, trust, source_type, rng)


class Majority(QVoter):
    """Majority rule in groups of G (Galam 2002; Krapivsky & Redner 2003)."""

    name = "majority"

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> None:
        n = graph.n
        size = self.spec.group_size
        groups = max(1, round(n / size))
        kernel("majority_sweep", use_compiled=self.use_compiled)(
            pop.x[:n, 0], graph.indptr, graph.indices, size, self.frozen, rng.random((groups, size))
        )

    def converged(self, before: np.ndarray, after: np.ndarray, tolerance: float) -> bool:
        """Consensus, as for the voter model (majority rule has no noise to break it)."""
        return Voter.converged(self, before, after, tolerance)


class Sznajd(QVoter):
    """Sznajd outflow dynamics: an agreeing pair convinces its neighbours (Sznajd-Weron & Sznajd
    2000; Bernardes, Stauffer & Kertész 2002 on networks). Party posts act as in the q-voter."""

    name = "sznajd"

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> None:
        n = graph.n
        kernel("sznajd_sweep", use_compiled=self.use_compiled)(
            pop.x[:n, 0], graph.indptr, graph.indices, self.frozen, rng.random(n)
        )

    def converged(self, before: np.ndarray, after: np.ndarray, tolerance: float) -> bool:
        """Consensus, as for the voter model (the unanimous-pair rule has no noise)."""
        return Voter.converged(self, before, after, tolerance)


def _linked_lists(owner: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """Doubly linked lists of the items grouped by ``owner`` (in item order): head (n), next,
    previous (per item), count (n); -1 ends a list."""
    m = owner.size
    order = np.argsort(owner, kind="stable")
    nxt = np.full(m, -1, dtype=np.int64)
    prv = np.full(m, -1, dtype=np.int64)
    if m > 1:
        same = owner[order[1:]] == owner[order[:-1]]
        nxt[order[:-1][same]] = order[1:][same]
        prv[order[1:][same]] = order[:-1][same]
    head = np.full(n, -1, dtype=np.int64)
    owners, first = np.unique(owner[order], return_index=True)
    head[owners] = order[first]
    return head, nxt, prv, np.bincount(owner, minlength=n).astype(np.int64)


class HolmeNewman(Voter):
    """Coevolving voter model: rewire toward like-minded citizens or copy a neighbour (Holme &
    Newman 2006, PRE 74:056108). The network is a set of movable ties kept as half-edge lists
    inside the rule; after each step's sweep the citizens' CSR graph is rebuilt from them
    (``graph``), so every other phase sees the network as it now is."""

    name = "holme_newman"
    REJECTION_TRIES = 8

    def _setup(self, pop: Population, graph: Graph) -> None:
        n = graph.n
        values, cat = np.unique(pop.x[:n, 0], return_inverse=True)
        self.values = values
        self.cat = cat.astype(np.int64)
        keep = graph.rows < graph.indices  # each tie once
        ends = np.empty(2 * int(keep.sum()), dtype=np.int64)
        ends[0::2] = graph.rows[keep]
        ends[1::2] = graph.indices[keep]
        self.owner = ends
        self.head, self.nxt, self.prv, self.deg = _linked_lists(ends, n)
        self.ghead, self.gnext, self.gprev, self.gcount = _linked_lists(self.cat, values.size)
        self.graph = graph

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> None:
        if self.graph is not graph:  # the first step, or a graph from outside the rule
            self._setup(pop, graph)
        n = graph.n
        kernel("holme_newman_sweep", use_compiled=self.use_compiled)(
            self.cat,
            self.owner,
            self.nxt,
            self.prv,
            self.head,
            self.deg,
            self.gnext,
            self.gprev,
            self.ghead,
            self.gcount,
            self.spec.rewire_rate,
            self.frozen,
            rng.random((n, 4 + self.REJECTION_TRIES)),
        )
        pop.x[:n, 0] = self.values[self.cat]
        self.graph = from_edges(n, self.owner[0::2], self.owner[1::2])

    def discordant_ties(self) -> int:
        """Ties between citizens of different opinions (0: the dynamics has frozen)."""
        return int(np.count_nonzero(self.cat[self.owner[0::2]] != self.cat[self.owner[1::2]]))

    def converged(self, before: np.ndarray, after: np.ndarray, tolerance: float) -> bool:
        """Holme & Newman's end: no tie joins two opinions, so nothing can change again."""
        return self.graph is not None and self.discordant_ties() == 0


class NamingGame(Voter):
    """Binary naming game / binary agreement model (Xie et al. 2011, PRE 84:011130)."""

    name = "naming_game"

    def _peer_process(self, pop: Population, graph: Graph, rng: np.random.Generator) -> None:
        n = graph.n
        kernel("naming_game_sweep", use_compiled=self.use_compiled)(
            pop.x[:n, 0], graph.indptr, graph.indices, self.frozen, rng.random(n)
        )

    def read(
        self,
        pop: Population,
        reader: np.ndarray,
        content: np.ndarray,
        trust: np.ndarray,
        source_type: np.ndarray,
        rng: np.random.Generator,
    ) -> ReadEffect:
        """A party post is the party speaking its word, B for a post above 0 and A below (a post
        at 0 says nothing); with chance μ·trust the read counts as an interaction with the
        reader as listener: a reader holding the word keeps only it, one holding the other word
        only adds it (becomes AB). The first counted read of each reader in feed order acts."""
        word = np.sign(content[:, 0])
        active = (source_type != SOURCE_CITIZEN) & (word != 0)
        act = active & (rng.random(reader.size) < self.spec.rate * trust)
        idx = np.flatnonzero(act)
        moved = np.zeros(reader.size)
        if idx.size:
            _, first = np.unique(reader[idx], return_index=True)
            pick = idx[first]
            pick = pick[_movable(pop)[reader[pick]]]
            rows = reader[pick]
            held = pop.x[rows, 0]
            new = np.where((held == word[pick]) | (held == 0.0), word[pick], 0.0)
            moved[pick] = np.abs(new - held)
            pop.x[rows, 0] = new
        return ReadEffect(accepted=act, rejected=np.zeros(reader.size, dtype=bool), moved=moved)


RULES: dict[str, type[Rule]] = {
    cls.name: cls
    for cls in (
        SocialJudgment,
        Deffuant,
        Voter,
        HegselmannKrause,
        DeGroot,
        FriedkinJohnsen,
        QVoter,
        NamingGame,
        Majority,
        Sznajd,
        HolmeNewman,
        AlgorithmicBias,
        AttractionRepulsion,
        Radicalization,
    )
}


def make_rule(spec: OpinionSpec, *, use_compiled: bool = True) -> Rule:
    """The rule registered under ``spec.rule``."""
    return RULES[spec.rule](spec, use_compiled=use_compiled)
