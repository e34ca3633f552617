"""One seed → named, independent ``numpy.random.Generator`` streams.

Each phase of a step draws from its own stream, so a change in one phase (a new draw, a switched-off
mechanism) leaves the other phases' random numbers unchanged. New streams are appended, never
reordered: reordering would change every result for a given seed.

Common random numbers: replicate *r* of every scenario uses ``replicate_seeds(seed, R)[r]``, so the
network and initial opinions of replicate *r* are the same across scenarios that share the
population and network settings.
"""

from __future__ import annotations

import zlib

import numpy as np

STREAMS = (
    "network",  # graph generation, staff ties
    "init",  # citizens' initial state
    "parties",  # followers, initial champions
    "posting",  # who posts, post noise
    "feed",  # which posts are read
    "update",  # opinion rule randomness (pairwise encounters, voter copies)
    "champions",  # recruitment
    "mobilize",  # thresholds crossing, disengagement
    "poll",  # reserved for ballot draws
    "paid",  # who sees sponsored posts
)


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators, one per phase, all derived from ``seed``."""
    kids = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(k) for name, k in zip(STREAMS, kids, strict=True)}


def party_stream(seed: int, purpose: str, party: str) -> np.random.Generator:
    """A generator for one party's own draws (its followers, its founding champions).

    Keyed by the party's name, so a party's draws do not depend on which other parties exist or
    what they do: replicate r of two scenarios gives the rival the same followers whether or not
    the focal party has an account.
    """
    key = (len(STREAMS) + 1, zlib.crc32(purpose.encode()), zlib.crc32(party.encode()))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """Seeds of replicates 0..R-1 derived from one experiment seed (the same for every scenario).

    Replicate r's seed does not depend on R, so adding replicates keeps the earlier ones.
    """
    root = np.random.SeedSequence(seed)
    return [_seed_of(kid) for kid in root.spawn(replicates)]


def _seed_of(seq: np.random.SeedSequence) -> int:
    hi, lo = seq.generate_state(2, dtype=np.uint32)
    return (int(hi) << 31) ^ int(lo)
