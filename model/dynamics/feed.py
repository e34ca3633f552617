"""Phase 2, feed: which posts each citizen reads this step (docs/MODEL.md, step 2).

A citizen's candidate posts are those of the accounts it follows: its network neighbours (citizens,
champions, staff), the institutions it follows, and sponsored posts bought as paid reach (shown
to exactly floor(paid_reach · N) citizens a step, a fresh uniform random set). Attention is
scarce: a reader reads at most A posts per step (``reading_capacity``: by default derived from
published figures — about 171 posts seen a day, 6 % of them political, from 338 accounts
followed — so with 10 ties each simulated tie stands for ~34 real accounts and A ≈ 0.30; a
fractional A is a keyed Bernoulli extra per reader and step). Sponsored posts are always read
(they sit at the top of the feed, and an impression bought is delivered even on a day its reader
reads nothing else); the platform picks the rest without replacement with weights

- ``chronological``: 1 (uniform among candidates);
- ``similarity``: (d + 0.01)^-γ, d = opinion distance between post and reader — the algorithmic
  bias of Sîrbu et al. 2019 (PLoS ONE 14:e0213246), with a floor so an identical post has a
  finite weight;
- ``engagement``: (posting rate of the source)^γ, favouring active accounts;

times 1 + δ·g for a champion's post (message discipline: organizers time and target guided
posts; δ = the party's ``champions.coordination``, g the champion's guidance).

Weighted sampling without replacement uses exponential keys (Efraimidis & Spirakis 2006): each
candidate gets key E/w, E ~ Exp(1), and a reader reads its smallest keys, as many as its cap,
picked by a compiled bucket pass (``kernels.attention_select``). Cost is O(C · cap) in the number
of candidate posts C, never O(N²). The candidates are built in one compiled pass
(``feed_candidates``), in the order the cap sees them, leaving out those of readers with no slot
for them (a cap of 0, or one sponsored posts fill): they could never be read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from operator import is_

import numpy as np

from model import jit
from model.config.schema import FeedSpec, Scenario
from model.dynamics.contacts import Messages, keyed_sample, keyed_smallest_rows, smallest_rows
from model.dynamics.kernels import attention_select, rms_distance, run_threaded
from model.dynamics.posting import Posts
from model.jit import helper, twin
from model.network.csr import Graph
from model.population import SOURCE_CHAMPION, STAFF, Parties, Population
from model.rng import Draws, _mix_key, _unit, in_kernels, name_key

SIMILARITY_FLOOR = 0.01


@dataclass
class Reads:
    """Posts read this step: reader row and post index, one entry per read, and the reads as
    messages (each read post's party, source, content, trust and script, by its reader; what
    ``deliver`` returns holds them, built with the reads — a copy changed with
    ``dataclasses.replace`` does not update them)."""

    reader: np.ndarray
    post: np.ndarray
    paid_impressions: np.ndarray  # (P,) sponsored posts read, for costs
    messages: Messages | None = None

    @property
    def size(self) -> int:
        return self.reader.size


def expand_neighbours(
    graph: Graph, sources: np.ndarray, *, use_compiled: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """For each source row, all its neighbours: (index into ``sources``, neighbour row), int64,
    in order (one compiled pass, ``kernels.expand_rows``; its plain-Python twin when
    ``use_compiled`` is False)."""
    return run_threaded(
        "expand_rows",
        sources.size,
        graph.indptr,
        graph.indices,
        sources.astype(np.int64, copy=False),
        use_compiled=use_compiled,
    )


def citizen_ties(graph: Graph, citizens: int) -> float:
    """Mean number of ties a citizen has to other citizens (staff ties not counted)."""
    if citizens == 0:
        return 0.0
    rows = graph.indices[: graph.indptr[citizens]]
    return float(np.count_nonzero(rows < citizens)) / citizens


def reading_capacity(spec: FeedSpec, ties: float) -> float:
    """A: simulated posts a citizen reads per step at most (``feed.attention``, or derived).

    Derived: a user sees ``seen_per_day`` posts a day, ``political_share`` of them political,
    from ``accounts_followed`` accounts; the model gives a citizen ``ties`` ties, so one tie
    stands for accounts_followed / ties real accounts, and one simulated post for that many real
    posts: A = seen_per_day · political_share · max(ties, 1) / accounts_followed (a citizen
    without ties still reads the accounts it follows).
    """
    if spec.attention > 0:
        return float(spec.attention)
    return spec.seen_per_day * spec.political_share * max(ties, 1.0) / spec.accounts_followed


def reading_caps(capacity: float, draws: Draws, step: int, keys: np.ndarray) -> np.ndarray:
    """Each person's cap this step: floor(A), plus one with probability A − floor(A), keyed
    per (step, person) so paired scenarios give a citizen the same cap on the same day
    (``deliver`` makes the same draw and counts the caps in ``feed_candidates``)."""
    whole = math.floor(capacity)
    caps = np.full(keys.size, whole, dtype=np.int64)
    frac = capacity - whole
    if frac > 1e-12:
        caps += draws.uniform("attention", step, keys) < frac
    return caps


def candidate_weights(
    spec: FeedSpec,
    posts: Posts,
    pop: Population,
    reader: np.ndarray,
    post: np.ndarray,
    coordination: np.ndarray | None = None,
) -> np.ndarray | None:
    """Feed weights of candidate (reader, post) pairs; None means uniform."""
    weight = None
    if spec.algorithm == "similarity" and spec.bias != 0:
        gap = posts.content[post] - pop.x[reader]
        d = np.sqrt(np.mean(gap * gap, axis=1))
        weight = (d + SIMILARITY_FLOOR) ** -spec.bias
    elif spec.algorithm == "engagement" and spec.bias != 0:
        weight = np.maximum(posts.rate[post], 1e-9) ** spec.bias
    if coordination is not None and coordination.any():
        champ = posts.source_type[post] == SOURCE_CHAMPION
        if champ.any():
            boost = np.ones(post.size)
            boost[champ] = 1.0 + coordination[posts.party[post[champ]]] * posts.script[post[champ]]
            weight = boost if weight is None else weight * boost
    return weight


# the platform's weight in the candidate kernel: none (chronological, or γ = 0), similarity,
# engagement
UNIFORM, SIMILARITY, ENGAGEMENT = 0, 1, 2
NO_DRAWS = np.zeros(0)
NO_ROWS = np.zeros(0, dtype=np.int64)
NO_KEYS = np.zeros(0, dtype=np.uint64)


def feed_posts(author, party, follow_start):  # pragma: no cover
    """This step's posts as the feed needs them, in one pass over the posts: the person posts
    (``author`` ≥ 0) — their indices in order and their authors' rows — and each party's
    institution posts (author < 0, ``party`` j, for each of the P parties) in order. Returns
    (person, sources, own, bounds), int64: ``bounds`` holds three rows of P + 1 offsets, party
    j's posts at ``own[bounds[0, j]:bounds[0, j + 1]]``, row 1 a copy of ``follow_start`` (the
    followers' offsets), row 2 zeros (for the sponsored audiences' offsets)."""
    parties = follow_start.shape[0] - 1
    m = author.shape[0]
    bounds = np.zeros((3, parties + 1), np.int64)
    persons = 0
    for p in range(m):
        if author[p] >= 0:
            persons += 1
        elif party[p] >= 0 and party[p] < parties:
            bounds[0, np.int64(party[p]) + 1] += 1
    for j in range(parties):
        bounds[0, j + 1] += bounds[0, j]
        bounds[1, j + 1] = follow_start[j + 1]
    person = np.empty(persons, np.int64)
    sources = np.empty(persons, np.int64)
    own = np.empty(bounds[0, parties], np.int64)
    fill = bounds[0].copy()
    q = 0
    for p in range(m):
        if author[p] >= 0:
            person[q] = p
            sources[q] = author[p]
            q += 1
        elif party[p] >= 0 and party[p] < parties:
            j = np.int64(party[p])
            own[fill[j]] = p
            fill[j] += 1
    return person, sources, own, bounds


def feed_candidates(  # pragma: no cover
    person,
    owner,
    neighbour,
    heard,
    reach,
    own,
    bounds,
    followers,
    who,
    pick,
    role,
    whole,
    attention,
    frac,
    key,
    states,
    feed_key,
    post_key,
    mode,
    content,
    x,
    rate,
    coordination,
    source_type,
    party,
    script,
):
    """The step's candidate (post, reader) pairs that can be read, in one pass, in the order
    the attention cap sees them, and each person's cap; returns (post, reader, base, boost,
    caps, draws). ``bounds`` holds three rows of P + 1 offsets: party j's institution posts are
    ``own[bounds[0, j]:bounds[0, j + 1]]``, its followers ``followers[bounds[1, j]:…]``, its
    sponsored audience ``who[bounds[2, j]:…]`` (citizen rows, with their draws ``pick``).

    Caps: person i reads at most ``whole`` posts, plus one where its attention draw a_i <
    ``frac``, raised to the number of sponsored posts it is shown. The draws a_i are
    ``attention`` when given (not empty); else, with ``key`` (the people's keys) not empty,
    keyed, ``Draws.uniform("attention", step, key)`` made here from its hash state
    ``states[0]`` (``Draws.state``); neither: no extra.

    1. Sponsored posts, party by party: each of party j's audience is shown its post number
       min(⌊pick · posts⌋, posts − 1) of the party's posts this step — ``pick`` its draw
       when given (not empty), else keyed, ``Draws.uniform("paid_post", step, party key,
       row)``, from the hash state ``states[2 + j]`` of party j's key.
    2. Each person post's ties: entry e of the neighbour expansion, post ``person[owner[e]]``
       for reader ``neighbour[e]`` — if ``heard[e]`` < ``reach`` (word of mouth in the
       broadcast era; ``heard`` empty: every tie).
    3. Party by party, each institution post (in order) for each follower (in order), except
       for a follower shown that very post as an ad in 1 (it would be read twice).

    No candidate of 2 or 3 (organic) has a staff reader (``role``: staff hold the line), nor a
    reader without a slot left for it — a cap of 0, or one the sponsored posts fill (they come
    first: their key is −1) — whose organic candidates could never be read. Dropping them
    keeps the order of the rest, so the cap picks what it would pick among all of them.

    Of the organic candidates, the weight's parts: ``base`` (``mode`` SIMILARITY: RMS(content
    − x) + SIMILARITY_FLOOR, ``kernels.rms_distance``; ENGAGEMENT: max(rate, 1e-9); UNIFORM: empty),
    for the caller to raise to ±γ, and ``boost``, 1 + δ·g for a champion's post and 1 for any
    other (``coordination`` δ per party; empty: no boost) — ``candidate_weights``' terms —
    and, with ``feed_key`` (the people's keys) not empty, each organic candidate's uniform draw
    ``Draws.uniform_gathered("feed", step, feed_key, reader, post_key, post)`` (the attention
    keys' draws), made here from the hash state ``states[1]``; else ``draws`` is empty."""
    parties = bounds.shape[1] - 1
    n = role.shape[0]
    caps = np.full(n, whole, np.int64)
    if attention.shape[0] != 0:
        for i in range(n):
            caps[i] += np.int64(attention[i] < frac)
    elif key.shape[0] != 0:
        for i in range(n):
            caps[i] += np.int64(_unit(_mix_key(states[0], key[i])) < frac)
    paid_total = bounds[2, parties]
    free = caps.copy() if paid_total > 0 else caps  # slots left once the sponsored are read
    for i in range(paid_total):
        r = who[i]
        free[r] -= 1
        if free[r] < 0:  # more sponsored posts than the cap: the cap rises to their number
            caps[r] += 1
    bound = paid_total + owner.shape[0]
    for j in range(parties):
        bound += (bounds[0, j + 1] - bounds[0, j]) * (bounds[1, j + 1] - bounds[1, j])
    post = np.empty(bound, np.int64)
    reader = np.empty(bound, np.int64)
    m = 0
    picked = pick.shape[0] != 0
    for j in range(parties):
        first = bounds[0, j]
        count = bounds[0, j + 1] - first
        for i in range(bounds[2, j], bounds[2, j + 1]):
            v = pick[i] if picked else _unit(_mix_key(states[2 + j], np.uint64(who[i])))
            k = np.int64(v * count)  # a truncation, as NumPy's astype
            post[m] = own[first + min(k, count - 1)]
            reader[m] = who[i]
            m += 1
    # the organic loops write every pair and move on only past those kept: whether a reader
    # has a slot left is a coin toss at small caps, too costly a branch to mispredict
    word_of_mouth = heard.shape[0] != 0
    for e in range(owner.shape[0]):
        r = neighbour[e]
        post[m] = person[owner[e]]
        reader[m] = r
        keep = (free[r] > 0) & (role[r] != STAFF)
        if word_of_mouth:
            keep = keep & (heard[e] < reach)
        m += np.int64(keep)
    ad = np.full(n if paid_total > 0 else 0, -1, np.int64)  # the post a citizen saw as an ad
    for j in range(parties):
        if bounds[0, j + 1] == bounds[0, j] or bounds[1, j + 1] == bounds[1, j]:
            continue
        shown = bounds[2, j + 1] > bounds[2, j]
        for i in range(bounds[2, j], bounds[2, j + 1]):
            ad[who[i]] = post[i]
        for q in range(bounds[0, j], bounds[0, j + 1]):
            p = own[q]
            for f in range(bounds[1, j], bounds[1, j + 1]):
                r = followers[f]
                post[m] = p
                reader[m] = r
                keep = (free[r] > 0) & (role[r] != STAFF)
                if shown:
                    keep = keep & (ad[r] != p)
                m += np.int64(keep)
        for i in range(bounds[2, j], bounds[2, j + 1]):
            ad[who[i]] = -1
    organic = m - paid_total
    base = np.empty(organic if mode != UNIFORM else 0)
    boost = np.empty(organic if coordination.shape[0] != 0 else 0)
    drawing = feed_key.shape[0] != 0
    draws = np.empty(organic if drawing else 0)
    if drawing:
        # the candidates' keys gathered first, then hashed in a loop of their own (it
        # vectorises; hashing as they are gathered does not)
        reader_key = np.empty(organic, np.uint64)
        author_key = np.empty(organic, np.uint64)
        for c in range(organic):
            reader_key[c] = feed_key[reader[paid_total + c]]
            author_key[c] = post_key[post[paid_total + c]]
        for c in range(organic):
            draws[c] = _unit(_mix_key(_mix_key(states[1], reader_key[c]), author_key[c]))
    for c in range(organic):
        p = post[paid_total + c]
        if mode == SIMILARITY:
            base[c] = rms_distance(content, p, x, reader[paid_total + c]) + SIMILARITY_FLOOR
        elif mode == ENGAGEMENT:
            v = rate[p]
            base[c] = 1e-9 if v < 1e-9 else v
        if coordination.shape[0] != 0:
            if source_type[p] == SOURCE_CHAMPION:
                boost[c] = 1.0 + coordination[party[p]] * script[p]
            else:
                boost[c] = 1.0
    return post[:m], reader[:m], base, boost, caps, draws


@helper
def feed_keys(draw, weight, boost, paid):  # pragma: no cover
    """Each candidate's key for the attention cap: −1 for the ``paid`` sponsored candidates
    first (always read: they sort first), then each organic candidate's Exp(1) ``draw``
    divided by its weight — ``weight`` · ``boost``, either of them alone, or none (empty
    arrays), as ``key /= weights`` divides."""
    organic = draw.shape[0]
    key = np.empty(paid + organic)
    for i in range(paid):
        key[i] = -1.0
    weighted = weight.shape[0] != 0
    boosted = boost.shape[0] != 0
    for c in range(organic):
        v = draw[c]
        if weighted and boosted:
            v = v / (weight[c] * boost[c])
        elif weighted:
            v = v / weight[c]
        elif boosted:
            v = v / boost[c]
        key[paid + c] = v
    return key


def select_reads(  # pragma: no cover
    draw, weight, boost, paid, reader, post, n, caps, party, source, content, trust, script
):
    """The reads in one pass (below THREADS_MIN candidates): the candidates' keys
    (:func:`feed_keys`), each reader's smallest, as many as its cap
    (``kernels.attention_select``), and the chosen reads as messages — reader, post, and the
    post's ``party``, ``source`` (as int64), ``content`` row, ``trust`` and ``script``: what
    indexing those arrays with the chosen candidates gives (:func:`_messages`)."""
    chosen = attention_select(reader, feed_keys(draw, weight, boost, paid), n, caps)
    m = chosen.shape[0]
    issues = content.shape[1]
    out_reader = np.empty(m, np.int64)
    out_post = np.empty(m, np.int64)
    out_party = np.empty(m, np.int64)
    out_source = np.empty(m, np.int64)
    out_content = np.empty((m, issues))
    out_trust = np.empty(m)
    out_script = np.empty(m)
    for e in range(m):
        c = chosen[e]
        p = post[c]
        out_reader[e] = reader[c]
        out_post[e] = p
        out_party[e] = party[p]
        out_source[e] = source[p]
        for d in range(issues):
            out_content[e, d] = content[p, d]
        out_trust[e] = trust[p]
        out_script[e] = script[p]
    return out_reader, out_post, out_party, out_source, out_content, out_trust, out_script


def _messages(posts: Posts, reader: np.ndarray, post: np.ndarray) -> Messages:
    """The reads of ``post`` by ``reader`` as messages, in NumPy (:func:`select_reads`')."""
    return Messages(
        reader=reader,
        party=posts.party[post],
        source=posts.source_type[post].astype(np.int64),
        content=posts.content[post],
        trust=posts.trust[post],
        script=posts.script[post],
    )


@dataclass(frozen=True)
class _Setup:
    """What the feed reads from a scenario every step, worked out once per scenario."""

    parts: tuple  # what it was worked out from: the feed spec, party names and party specs
    mode: int  # UNIFORM, SIMILARITY or ENGAGEMENT
    coordination: np.ndarray  # δ per party, float64; empty when no party coordinates
    party_keys: tuple[int, ...]  # name_key of each party, in order


_SETUP: list = [None]  # the last scenario's set-up (a run asks for the same one every step)
_FOLLOW: list = [None]  # the last followers' concatenation


def _setup(scenario: Scenario) -> _Setup:
    # keyed by the feed spec, the party names and specs themselves (frozen), not the scenario:
    # its parties dict can be changed in place
    parts = (scenario.feed, *scenario.parties.keys(), *scenario.parties.values())
    last = _SETUP[0]
    if last is not None and len(last.parts) == len(parts) and all(map(is_, last.parts, parts)):
        return last
    spec = scenario.feed
    mode = UNIFORM
    if spec.algorithm == "similarity" and spec.bias != 0:
        mode = SIMILARITY
    elif spec.algorithm == "engagement" and spec.bias != 0:
        mode = ENGAGEMENT
    delta = np.array([p.champions.coordination for p in scenario.parties.values()])
    coordination = delta.astype(np.float64) if delta.size and delta.any() else NO_DRAWS
    keys = tuple(name_key(name) for name in scenario.parties)
    made = _Setup(parts, mode, coordination, keys)
    _SETUP[0] = made
    return made


def _followers(followers: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Every party's followers in one int64 array, party j's at [start[j]:start[j + 1]]; kept
    while the list holds the same arrays (a run's followers are drawn once, never changed)."""
    ids = tuple(map(id, followers))
    last = _FOLLOW[0]
    if last is not None and last[0] == ids:
        return last[2], last[3]
    sizes = [0] + [f.size for f in followers]
    flat = np.concatenate(followers).astype(np.int64) if followers else NO_ROWS
    start = np.cumsum(sizes, dtype=np.int64)
    # the arrays are kept with their ids, so no other array can take one of those ids meanwhile
    _FOLLOW[0] = (ids, tuple(followers), flat, start)
    return flat, start


@cache
def _kernels(use_compiled: bool) -> tuple:
    """The feed's kernels, compiled or their plain-Python twins (looked up once)."""
    return tuple(
        twin(k, use_compiled=use_compiled)
        for k in (feed_posts, feed_candidates, feed_keys, select_reads)
    )


def deliver(
    posts: Posts,
    graph: Graph,
    pop: Population,
    parties: Parties,
    scenario: Scenario,
    draws: Draws,
    step: int,
    *,
    capacity: float | None = None,
    use_compiled: bool = True,
) -> Reads:
    """Build candidates, apply the attention cap and the platform's weights.

    Draws are keyed (``model.rng``): a reader's key for a post depends only on the step, the
    reader and the post's author, and whether citizen i sees party P's sponsored post on day t
    only on (t, P, i) — so paired scenarios make the same choices wherever they face the same
    candidates. ``capacity`` is A (``reading_capacity``; computed from ``graph`` if None).

    The candidates in order, the caps, the weights' terms and the keyed uniform draws (the
    attention extras, the sponsored posts' picks, each organic candidate's draw) come from one
    compiled pass (``feed_candidates``, which leaves out the organic candidates of readers with
    no slot for them — a cap of 0, or one the sponsored posts fill: they could never be read,
    so no draw is made for them), from the purposes' hash states (``Draws.state``); the
    weights' powers and the draws' logarithms in NumPy; then, below THREADS_MIN candidates,
    the keys, the attention cap and the reads as messages from one more pass
    (:func:`select_reads`), above it the keys (``feed_keys``) and the threaded cap
    (``kernels.attention_select``). A stand-in for ``Draws`` (a test's chosen values) or a
    subclass gives its draws as arrays instead (``rng.in_kernels``).
    """
    spec = scenario.feed
    if capacity is None:
        capacity = reading_capacity(spec, citizen_ties(graph, pop.citizens))
    setup = _setup(scenario)
    n_parties = len(setup.party_keys)
    posts_kernel, candidates_kernel, keys_kernel, select_kernel = _kernels(use_compiled)
    followers, follow_start = _followers(parties.followers)
    person, sources, own, bounds = posts_kernel(posts.author, posts.party, follow_start)
    owner, readers = expand_neighbours(graph, sources, use_compiled=use_compiled)
    era = scenario.era
    heard, reach = NO_DRAWS, 0.0
    if era.name == "broadcast":
        # word of mouth: each tie hears a person's post with chance broadcast_reach, keyed per
        # (step, reader, author) so paired runs keep the same conversations
        heard = draws.uniform("word_of_mouth", step, pop.key[readers], posts.key[person[owner]])
        reach = era.broadcast_reach
    paid = np.zeros(len(parties.names), dtype=np.int64)
    audience, picks, n_paid = [], [], 0
    counts = None
    # the keyed draws of the attention extras and the sponsored posts' picks are made in the
    # candidates' pass, from their hash states (states[0] the attention's, states[1] the
    # candidates', then one a party); a stand-in for Draws or a subclass gives them as arrays
    keyed = in_kernels(draws)
    states = [0] * (2 + n_parties)  # hash states, Python integers until the kernel's call
    for j in range(n_parties):
        shown = math.floor(parties.plans[j].paid_reach * pop.citizens + 1e-9)
        if shown <= 0:
            continue
        counts = bounds[0].tolist() if counts is None else counts
        if counts[j + 1] == counts[j]:  # no post this step: nothing to show
            continue
        # exactly floor(reach · N) citizens, those with the smallest keyed draws this step:
        # a uniform random set of the size paid for (never more than the plan buys), and
        # keyed per (step, party, citizen) so paired runs show the ad to the same people
        party_key = setup.party_keys[j]
        shown_to = keyed_sample(
            draws, "paid", step, party_key, pop.citizens, shown, use_compiled=use_compiled
        )
        audience.append(shown_to)
        if keyed:
            states[2 + j] = draws.state_int("paid_post", step, party_key)
        else:
            picks.append(draws.uniform("paid_post", step, party_key, shown_to.astype(np.uint64)))
        paid[j] = shown_to.size
        n_paid += shown_to.size
        bounds[2, j + 1 :] = n_paid
    who, pick = NO_ROWS, NO_DRAWS
    if audience:
        who = audience[0] if len(audience) == 1 else np.concatenate(audience)
    if picks:
        pick = picks[0] if len(picks) == 1 else np.concatenate(picks)
    # each person's cap as reading_caps draws it (the draw made only if there may be a reader)
    whole = math.floor(capacity)
    frac = capacity - whole
    attention, key = NO_DRAWS, NO_KEYS
    if frac > 1e-12 and (owner.size or n_paid or (own.size and followers.size)):
        if keyed:
            states[0] = draws.state_int("attention", step)
            key = pop.key
        else:
            attention = draws.uniform("attention", step, pop.key)
    feed_key = NO_KEYS
    if keyed:  # each organic candidate's draw for its attention key, made in the pass
        states[1] = draws.state_int("feed", step)
        feed_key = pop.key
    post, reader, base, boost, caps, uniform = candidates_kernel(
        person,
        owner,
        readers,
        heard,
        reach,
        own,
        bounds,
        followers,
        who,
        pick,
        pop.role,
        whole,
        attention,
        frac,
        key,
        np.array(states, dtype=np.uint64) if keyed else NO_KEYS,
        feed_key,
        posts.key,
        setup.mode,
        posts.content,
        pop.x,
        posts.rate,
        setup.coordination,
        posts.source_type,
        posts.party,
        posts.script,
    )
    if reader.size == 0:
        return Reads(reader, post, paid, _messages(posts, reader, post))
    weight = NO_DRAWS
    if setup.mode == SIMILARITY:
        weight = base**-spec.bias
    elif setup.mode == ENGAGEMENT:
        weight = base**spec.bias
    if keyed:  # Exp(1) by inversion, -log u, in NumPy (as Draws.exponential_gathered)
        exponential = np.negative(np.log(uniform, out=uniform), out=uniform)
    else:
        organic_post, organic_reader = post[n_paid:], reader[n_paid:]
        exponential = draws.exponential_gathered(
            "feed", step, pop.key, organic_reader, posts.key, organic_post
        )
    # each reader's smallest keys, as many as its cap, ordered by (reader, key): no global sort.
    # An impression bought is delivered: a sponsored post is read even on a day the reader
    # reads no organic political post, and it takes the place of one on the days it does
    if reader.size < jit.THREADS_MIN:  # keys, selection and messages in one pass
        got = select_kernel(
            exponential,
            weight,
            boost,
            n_paid,
            reader,
            post,
            pop.n,
            caps,
            posts.party,
            posts.source_type,
            posts.content,
            posts.trust,
            posts.script,
        )
        return Reads(got[0], got[1], paid, Messages(got[0], *got[2:]))
    key = keys_kernel(exponential, weight, boost, n_paid)  # the selection threaded
    chosen = run_threaded(
        "attention_select", reader.size, reader, key, pop.n, caps, use_compiled=use_compiled
    )
    reader, post = reader[chosen], post[chosen]
    return Reads(reader, post, paid, _messages(posts, reader, post))


def warm_up() -> None:  # pragma: no mutate block
    """Compile (or load from numba's cache) the feed's kernels, and ``keyed_sample``'s, on tiny
    inputs of the dtypes a run uses (int64 rows, int8 roles and sources, float64 values), so a
    run's first step does not."""
    rows = np.array([0, 1], dtype=np.int64)
    posts_kernel, candidates_kernel, keys_kernel, select_kernel = _kernels(True)
    person, _, own, bounds = posts_kernel(rows - 1, rows - 1, rows)
    ones = np.ones(2)
    post, reader, base, boost, caps, _ = candidates_kernel(
        person,
        rows[:1],
        rows[1:],
        NO_DRAWS,
        0.0,
        own,
        bounds,
        rows,
        rows[:1],
        ones[:1],
        np.zeros(2, dtype=np.int8),
        0,
        ones,
        0.5,
        NO_KEYS,
        np.zeros(3, dtype=np.uint64),
        NO_KEYS,
        np.zeros(2, dtype=np.uint64),
        SIMILARITY,
        np.zeros((2, 1)),
        np.zeros((2, 1)),
        ones,
        ones[:1],
        np.zeros(2, dtype=np.int8),
        rows,
        ones,
    )
    keys_kernel(base, base, boost, 1)
    source, content = np.zeros(2, dtype=np.int8), np.zeros((2, 1))
    select_kernel(ones, NO_DRAWS, ones, 1, rows, rows, 2, rows, rows, source, content, ones, ones)
    twin(smallest_rows)(np.array([0.5, 0.25]), 1)  # keyed_sample's passes (contacts)
    twin(keyed_smallest_rows)(np.uint64(1), 2, 1)
