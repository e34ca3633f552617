"""Inputs built by hand — random draws and populations — for tests that work out every expected
value themselves."""

from __future__ import annotations

import numpy as np

from model.population import CITIZEN, NEVER, STAFF, Population

# dtypes of the Population fields that are not float
_DTYPES = {
    "engaged": bool,
    "member": bool,
    "role": np.int8,
    "party": np.int16,
    "quit_party": np.int16,
    "last_party_read": np.int64,
    "recruited_at": np.int64,
    "key": np.uint64,
}


def hand_population(x, *, parties: int = 0, citizens: int | None = None, **given) -> Population:
    """A Population with opinions ``x`` (one row per person; a flat list is one issue) and a
    neutral value for every other field — citizens, no party, nobody engaged, openness 0,
    rejection 2, thresholds 1, keys 0..n-1, ``parties`` columns of affinity 0 and of
    last-read NEVER — except the fields ``given`` (None keeps the neutral value; values are
    copied). ``citizens`` defaults to the rows that are not staff."""
    x = np.asarray(x, dtype=float)
    x = x.reshape(x.shape[0], -1)
    n = x.shape[0]
    fields = {
        "activity": np.zeros(n),
        "openness": np.zeros(n),
        "rejection": np.full(n, 2.0),
        "engagement_base": np.zeros(n),
        "engaged": np.zeros(n, bool),
        "threshold": np.ones(n),
        "role": np.full(n, CITIZEN, np.int8),
        "party": np.full(n, -1, np.int16),
        "guidance": np.zeros(n),
        "motivation": np.zeros(n),
        "affinity": np.zeros((n, parties)),
        "last_party_read": np.full((n, parties), NEVER, np.int64),
        "recruited_at": np.full(n, NEVER, np.int64),
        "quit_party": np.full(n, -1, np.int16),
        "key": np.arange(n, dtype=np.uint64),
        "member": np.zeros(n, bool),
    }
    for name, value in given.items():
        if value is not None:
            fields[name] = np.array(value, dtype=_DTYPES.get(name, float))
    if citizens is None:
        citizens = int(np.count_nonzero(fields["role"] != STAFF))
    return Population(citizens=citizens, x=x, **fields)


class HandDraws:
    """Stands in for ``model.rng.Draws``: ``uniform(purpose, step, *keys)`` (and ``normal``,
    for standard normal draws) returns ``table[(purpose, step, *keys)]`` for each broadcast
    element of ``keys``. A draw that is not in the table — another purpose, another step, a key
    left out or added — fails the test, so a test also pins down what each draw is keyed by
    (what keeps paired runs paired)."""

    def __init__(self, table: dict[tuple, float]):
        self.table = table
        self.asked: list[tuple] = []

    def uniform(self, purpose: str, step, *keys) -> np.ndarray:
        assert np.ndim(step) == 0, f"{purpose}: step is not a scalar"
        arrays = np.broadcast_arrays(*(np.asarray(k) for k in keys))
        out = np.empty(arrays[0].shape if arrays else ())
        for idx in np.ndindex(out.shape):
            key = (purpose, int(step), *(int(a[idx]) for a in arrays))
            self.asked.append(key)
            out[idx] = self.table[key]
        return out

    normal = uniform  # the table holds whatever values the test chooses

    def uniform_gathered(self, purpose: str, step, key_a, at_a, key_b, at_b) -> np.ndarray:
        """``uniform(purpose, step, key_a[at_a], key_b[at_b])``, as ``Draws`` documents."""
        return self.uniform(purpose, step, np.asarray(key_a)[at_a], np.asarray(key_b)[at_b])


# SplitMix64 (Steele, Lea & Flood 2014) in Python integers, written from the published algorithm
# and checked against its published first outputs for seed 0 (test_keyed_deffuant.py): the
# independent oracle of the keyed Deffuant sweep's draws
_MASK = (1 << 64) - 1


def splitmix64(seed: int, count: int) -> list[int]:
    """The first ``count`` outputs of SplitMix64 seeded with ``seed``."""
    state, out = int(seed) & _MASK, []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & _MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        out.append(z ^ (z >> 31))
    return out


def keyed_encounters(seed: int, n: int, indptr) -> list[tuple[int, int | None]]:
    """The encounters of a keyed Deffuant or attraction–repulsion step of ``n`` citizens, from
    the sweeps' docstrings, in Python integers: the t-th SplitMix64 output z of ``seed`` picks
    citizen i = ⌊hi·n / 2³²⌋ and neighbour number ⌊lo·deg(i) / 2³²⌋ (None: i has no tie), hi and
    lo the top and bottom 32 bits of z."""
    out = []
    for z in splitmix64(seed, n):
        i = ((z >> 32) * n) >> 32
        deg = int(indptr[i + 1] - indptr[i])
        out.append((i, ((z & 0xFFFFFFFF) * deg) >> 32 if deg else None))
    return out


def four_lane_sum(values) -> float:
    """A sweep's movement total as its docstring sums it: four partial sums, row q going to
    sum q mod 4 (rows past the last whole group of four to sum 0), each in row order from 0.0,
    then (s0 + s1) + (s2 + s3)."""
    values = [float(v) for v in values]
    top = len(values) - len(values) % 4
    lanes = [0.0, 0.0, 0.0, 0.0]
    for q, v in enumerate(values):
        lane = q % 4 if q < top else 0
        lanes[lane] += v
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
