"""Phase 2, feed: which posts each citizen reads this step (docs/MODEL.md, step 2).

A citizen's candidate posts are those of the accounts it follows: its network neighbours (citizens,
champions, staff), the institutions it follows, and sponsored posts bought as paid reach (shown
to exactly floor(paid_reach · N) citizens a step, a fresh uniform random set). Attention
is scarce: at most ``attention`` posts are read per step. Sponsored posts are always read (they sit
at the top of the feed); the platform picks the rest without replacement with weights

- ``chronological``: 1 (uniform among candidates);
- ``similarity``: (d + 0.01)^-γ, d = opinion distance between post and reader — the algorithmic
  bias of Sîrbu et al. 2019 (PLoS ONE 14:e0213246), with a floor so an identical post has a
  finite weight;
- ``engagement``: (posting rate of the source)^γ, favouring active accounts.

Weighted sampling without replacement uses exponential keys (Efraimidis & Spirakis 2006): each
candidate gets key E/w, E ~ Exp(1), and a reader reads its ``attention`` smallest keys, picked by
a compiled bucket pass (``kernels.attention_select``). Cost is O(C · attention) in the number of
candidate posts C, never O(N²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.config.schema import FeedSpec, Scenario
from model.dynamics.kernels import kernel
from model.dynamics.posting import Posts
from model.network.csr import Graph
from model.population import STAFF, Parties, Population
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


def expand_neighbours(graph: Graph, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each source row, all its neighbours: (index into ``sources``, neighbour row)."""
    starts = graph.indptr[sources]
    lengths = graph.indptr[sources + 1] - starts
    total = int(lengths.sum())
    owner = np.repeat(np.arange(sources.size), lengths)
    offset = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, graph.indices[np.repeat(starts, lengths) + offset].astype(np.int64)


def candidate_weights(
    spec: FeedSpec, posts: Posts, pop: Population, reader: np.ndarray, post: np.ndarray
) -> np.ndarray | None:
    """Feed weights of candidate (reader, post) pairs; None means uniform."""
    if spec.algorithm == "chronological" or spec.bias == 0:
        return None
    if spec.algorithm == "similarity":
        gap = posts.content[post] - pop.x[reader]
        d = np.sqrt(np.mean(gap * gap, axis=1))
        return (d + SIMILARITY_FLOOR) ** -spec.bias
    rate = posts.rate[post]
    return np.maximum(rate, 1e-9) ** spec.bias


def deliver(
    posts: Posts,
    graph: Graph,
    pop: Population,
    parties: Parties,
    scenario: Scenario,
    draws: Draws,
    step: int,
    *,
    use_compiled: bool = True,
) -> Reads:
    """Build candidates, apply the attention cap and the platform's weights.

    Draws are keyed (``model.rng``): a reader's key for a post depends only on the step, the
    reader and the post's author, and whether citizen i sees party P's sponsored post on day t
    only on (t, P, i) — so paired scenarios make the same choices wherever they face the same
    candidates.
    """
    spec = scenario.feed
    n_parties = len(parties.names)
    names = list(scenario.parties)
    person = np.flatnonzero(posts.author >= 0)
    owner, readers = expand_neighbours(graph, posts.author[person])
    cand_post = [person[owner]]
    cand_reader = [readers]
    paid = np.zeros(n_parties, dtype=np.int64)
    paid_post, paid_reader = [], []
    for j in range(len(scenario.parties)):
        own = np.flatnonzero((posts.author < 0) & (posts.party == j))
        if own.size == 0:
            continue
        followers = parties.followers[j]
        if followers.size:
            cand_post.append(np.repeat(own, followers.size))
            cand_reader.append(np.tile(followers, own.size))
        reach = parties.plans[j].paid_reach
        shown = math.floor(reach * pop.citizens + 1e-9)
        if shown > 0:
            # exactly floor(reach · N) citizens, those with the smallest keyed draws this step:
            # a uniform random set of the size paid for (never more than the plan buys), and
            # keyed per (step, party, citizen) so paired runs show the ad to the same people
            party_key = name_key(names[j])
            citizens = np.arange(pop.citizens, dtype=np.uint64)
            u = draws.uniform("paid", step, party_key, citizens)
            who = np.sort(np.argpartition(u, shown - 1)[:shown]) if shown < u.size else citizens
            pick = draws.uniform("paid_post", step, party_key, who.astype(np.uint64))
            paid_reader.append(who.astype(np.int64))
            paid_post.append(own[np.minimum((pick * own.size).astype(np.int64), own.size - 1)])
            paid[j] = who.size
    post = np.concatenate(cand_post)
    reader = np.concatenate(cand_reader)
    keep = pop.role[reader] != STAFF  # staff hold the party line: they do not read
    post, reader = post[keep], reader[keep]

    weights = candidate_weights(spec, posts, pop, reader, post)
    key = draws.exponential("feed", step, pop.key[reader], posts.key[post])
    if weights is not None:
        key /= weights
    if paid_post:
        post = np.concatenate([np.concatenate(paid_post), post])
        reader = np.concatenate([np.concatenate(paid_reader), reader])
        key = np.concatenate([np.full(int(paid.sum()), -1.0), key])
    if reader.size == 0:
        return Reads(reader=reader, post=post, paid_impressions=paid)
    # each reader's `attention` smallest keys, ordered by (reader, key): O(C), no global sort
    chosen = kernel("attention_select", use_compiled=use_compiled)(
        reader, key, pop.n, spec.attention
    )
    # sponsored posts beyond a reader's attention are not read, nor paid for
    if paid_post:
        paid_read = chosen[key[chosen] < 0]
        paid = np.bincount(posts.party[post[paid_read]], minlength=n_parties).astype(np.int64)
    return Reads(reader=reader[chosen], post=post[chosen], paid_impressions=paid)
