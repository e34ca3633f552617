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
of candidate posts C, never O(N²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.config.schema import FeedSpec, Scenario
from model.dynamics.contacts import keyed_sample
from model.dynamics.kernels import run_threaded
from model.dynamics.posting import Posts
from model.network.csr import Graph
from model.population import SOURCE_CHAMPION, STAFF, Parties, Population
from model.rng import Draws, name_key

SIMILARITY_FLOOR = 0.01


@dataclass
class Reads:
    """Posts read this step: reader row and post index, one entry per read."""

    reader: np.ndarray
    post: np.ndarray
    paid_impressions: np.ndarray  # (P,) sponsored posts read, for costs

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
    per (step, person) so paired scenarios give a citizen the same cap on the same day."""
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
    """
    spec = scenario.feed
    if capacity is None:
        capacity = reading_capacity(spec, citizen_ties(graph, pop.citizens))
    n_parties = len(parties.names)
    names = list(scenario.parties)
    person = np.flatnonzero(posts.author >= 0)
    owner, readers = expand_neighbours(graph, posts.author[person], use_compiled=use_compiled)
    cand = person[owner]
    era = scenario.era
    if era.name == "broadcast":
        # word of mouth: each tie hears a person's post with chance broadcast_reach, keyed per
        # (step, reader, author) so paired runs keep the same conversations
        heard = draws.uniform("word_of_mouth", step, pop.key[readers], posts.key[cand])
        keep = heard < era.broadcast_reach
        cand, readers = cand[keep], readers[keep]
    cand_post = [cand]
    cand_reader = [readers]
    paid = np.zeros(n_parties, dtype=np.int64)
    paid_post, paid_reader = [], []
    for j in range(len(scenario.parties)):
        own = np.flatnonzero((posts.author < 0) & (posts.party == j))
        if own.size == 0:
            continue
        reach = parties.plans[j].paid_reach
        shown = math.floor(reach * pop.citizens + 1e-9)
        ad = None
        if shown > 0:
            # exactly floor(reach · N) citizens, those with the smallest keyed draws this step:
            # a uniform random set of the size paid for (never more than the plan buys), and
            # keyed per (step, party, citizen) so paired runs show the ad to the same people
            party_key = name_key(names[j])
            who = keyed_sample(draws, "paid", step, party_key, pop.citizens, shown)
            pick = draws.uniform("paid_post", step, party_key, who.astype(np.uint64))
            ad_post = own[np.minimum((pick * own.size).astype(np.int64), own.size - 1)]
            paid_reader.append(who)
            paid_post.append(ad_post)
            paid[j] = who.size
            ad = np.full(pop.citizens, -1, dtype=np.int64)  # the post each citizen saw as an ad
            ad[who] = ad_post
        followers = parties.followers[j]
        if followers.size:
            block_post = np.repeat(own, followers.size)
            # the followers once per post (np.tile's values, without its Python-level set-up)
            block_reader = np.broadcast_to(followers, (own.size, followers.size)).ravel()
            if ad is not None:
                # a follower shown the account's post as an ad has it at the top already: the
                # same post is not also an organic candidate (it would be read, and pull, twice)
                fresh = ad[block_reader] != block_post
                block_post, block_reader = block_post[fresh], block_reader[fresh]
            cand_post.append(block_post)
            cand_reader.append(block_reader)
    post = np.concatenate(cand_post)
    reader = np.concatenate(cand_reader)
    keep = pop.role[reader] != STAFF  # staff hold the party line: they do not read
    post, reader = post[keep], reader[keep]

    delta = np.array([p.champions.coordination for p in scenario.parties.values()])
    weights = candidate_weights(spec, posts, pop, reader, post, delta if delta.size else None)
    key = draws.exponential_gathered("feed", step, pop.key, reader, posts.key, post)
    if weights is not None:
        key /= weights
    if paid_post:
        post = np.concatenate([np.concatenate(paid_post), post])
        reader = np.concatenate([np.concatenate(paid_reader), reader])
        key = np.concatenate([np.full(int(paid.sum()), -1.0), key])
    if reader.size == 0:
        return Reads(reader=reader, post=post, paid_impressions=paid)
    # each reader's smallest keys, as many as its cap, ordered by (reader, key): no global sort
    caps = reading_caps(capacity, draws, step, pop.key)
    if paid_post:
        # an impression bought is delivered: a sponsored post is read even on a day the reader
        # reads no organic political post, and it takes the place of one on the days it does
        caps = np.maximum(caps, np.bincount(np.concatenate(paid_reader), minlength=pop.n))
    chosen = run_threaded(
        "attention_select", reader.size, reader, key, pop.n, caps, use_compiled=use_compiled
    )
    return Reads(reader=reader[chosen], post=post[chosen], paid_impressions=paid)
