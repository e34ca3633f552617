"""Phase 2, feed: which posts each citizen reads this step (docs/MODEL.md, step 2).

A citizen's candidate posts are those of the accounts it follows: its network neighbours (citizens,
champions, staff), the institutions it follows, and sponsored posts bought as paid reach. Attention
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

from dataclasses import dataclass

import numpy as np

from model.config.schema import FeedSpec, Scenario
from model.dynamics.kernels import kernel
from model.dynamics.posting import Posts
from model.network.csr import Graph
from model.population import STAFF, Parties, Population

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
    rng: np.random.Generator,
    paid_rng: np.random.Generator | None = None,
    *,
    use_compiled: bool = True,
) -> Reads:
    """Build candidates, apply the attention cap and the platform's weights."""
    spec = scenario.feed
    paid_rng = rng if paid_rng is None else paid_rng
    n_parties = len(parties.names)
    person = np.flatnonzero(posts.author >= 0)
    owner, readers = expand_neighbours(graph, posts.author[person])
    cand_post = [person[owner]]
    cand_reader = [readers]
    paid = np.zeros(n_parties, dtype=np.int64)
    paid_post, paid_reader = [], []
    for j, party_spec in enumerate(scenario.parties.values()):
        own = np.flatnonzero((posts.author < 0) & (posts.party == j))
        if own.size == 0:
            continue
        followers = parties.followers[j]
        if followers.size:
            cand_post.append(np.repeat(own, followers.size))
            cand_reader.append(np.tile(followers, own.size))
        reach = party_spec.institution.paid_reach
        if reach > 0:
            count = paid_rng.binomial(pop.citizens, reach)
            who = paid_rng.choice(pop.citizens, count, replace=False)
            paid_reader.append(who.astype(np.int64))
            paid_post.append(own[paid_rng.integers(0, own.size, count)])
            paid[j] = count
    post = np.concatenate(cand_post)
    reader = np.concatenate(cand_reader)
    keep = pop.role[reader] != STAFF  # staff hold the party line: they do not read
    post, reader = post[keep], reader[keep]

    weights = candidate_weights(spec, posts, pop, reader, post)
    key = rng.exponential(size=reader.size)
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
