"""One seed → named, independent ``numpy.random.Generator`` streams.

Each phase of a step draws from its own stream, so a change in one phase (a new draw, a switched-off
mechanism) leaves the other phases' random numbers unchanged. New streams are appended, never
reordered: reordering would change every result for a given seed.

Common random numbers: replicate *r* of every scenario uses ``replicate_seeds(seed, R)[r]``, so the
network and initial opinions of replicate *r* are the same across scenarios that share the
population and network settings.

Draws made every step — who posts, the noise of a post, which candidate posts a reader reads,
who sees a sponsored post, who disengages — are *keyed*, not streamed (:class:`Keyed`): each
value is a hash of the seed, a purpose, the step and the identities involved (the person, the
reader and the post's author, the party by name), in the manner of counter-based generators
(Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"; the mixing function is
SplitMix64's finaliser, Steele, Lea & Flood 2014). So citizen i's posting draw on day t is the
same in every scenario of replicate r whatever the staff, champions or rival do, and a reader's
draw for a given post is the same whenever both scenarios put that post in its feed: paired runs
stay paired beyond the first step, not only through the initial state. What still diverges is
what must: recruitment (who is eligible differs between strategies) and whatever follows from
opinions that have moved differently.
"""

from __future__ import annotations

import zlib

import numpy as np

from model.jit import AHEAD, helper, prange, prefetch, threaded, twin

STREAMS = (
    "network",  # graph generation, staff ties
    "init",  # citizens' initial state
    "parties",  # followers, initial champions
    "posting",  # retired: posting draws are keyed (Keyed); kept so later streams keep their seeds
    "feed",  # retired: feed draws are keyed
    "update",  # opinion rule randomness (pairwise encounters, voter copies)
    "champions",  # recruitment
    "mobilize",  # retired: disengagement draws are keyed
    "poll",  # reserved for ballot draws
    "paid",  # retired: sponsored reach draws are keyed
)

# the spawn key of party streams: len(STREAMS) + 1 when they were introduced (10 streams), kept
# fixed so that appending a stream never moves a party's followers or founding champions
PARTY_SPAWN = 11

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = (np.uint64(k) for k in (30, 27, 31, 11))


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on uint64 arrays (wrapping arithmetic): a bijective avalanche."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


_MASK = (1 << 64) - 1
_GOLDEN_INT, _M1_INT, _M2_INT = int(_GOLDEN), int(_M1), int(_M2)


# step states tabulated per purpose: first a block of this many steps, doubling up to the
# limit (a run's steps; a state beyond is computed when asked for)
_TABLE_BLOCK, _TABLE_LIMIT = 512, 1 << 16


def _mix_int(z: int) -> int:
    """:func:`_mix` on one Python integer (wrapping to 64 bits)."""
    z = ((z ^ (z >> 30)) * _M1_INT) & _MASK
    z = ((z ^ (z >> 27)) * _M2_INT) & _MASK
    return z ^ (z >> 31)


@helper
def _mix_key(z, key):  # pragma: no cover
    """The hash state ``z`` (uint64) with one more key mixed in: z ^ (key + golden) through
    SplitMix64's finaliser (:func:`_mix`), wrapping; the kernels' step per key."""
    z = z ^ (key + _GOLDEN)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@helper
def _unit(z):  # pragma: no cover
    """A hash's uniform on (0, 1]: (top 53 bits + 1/2)·2⁻⁵³."""
    return (float(z >> _S11) + 0.5) * 2.0**-53


def keyed_hash(state, columns, out_bits, out_uniform):  # pragma: no cover
    """:meth:`Keyed.bits` (or ``uniform``) of every element in one pass, compiled: element e
    starts from ``state`` and is mixed with ``columns[c, e]`` + golden for each key column c in
    turn (SplitMix64's finaliser, as :func:`_mix`); its bits go to ``out_bits``, or its uniform,
    (top 53 bits + 1/2)·2⁻⁵³, to ``out_uniform`` — whichever is not empty."""
    # elements are independent: threaded above THREADS_MIN (model.jit; docs/PERFORMANCE.md)
    bits = out_bits.shape[0] != 0
    for e in prange(columns.shape[1]):
        z = state
        for c in range(columns.shape[0]):
            z = _mix_key(z, columns[c, e])
        if bits:
            out_bits[e] = z
        else:
            out_uniform[e] = _unit(z)


def keyed_hash_normal(state, columns, out_1, out_2):  # pragma: no cover
    """The two uniforms of :meth:`Keyed.normal` in one pass: :func:`keyed_hash`'s uniforms of
    every element with one more key, 1 into ``out_1`` and 2 into ``out_2`` (the keys before it
    are mixed once). Elements are independent."""
    for e in range(columns.shape[1]):
        z = state
        for c in range(columns.shape[0]):
            z = _mix_key(z, columns[c, e])
        out_1[e] = _unit(_mix_key(z, np.uint64(1)))
        out_2[e] = _unit(_mix_key(z, np.uint64(2)))


def keyed_hash_pairs(state, key_a, at_a, key_b, at_b, out_uniform):  # pragma: no cover
    """:func:`keyed_hash`'s uniforms for two key columns read through indices: element e's keys
    are ``key_a[at_a[e]]`` and ``key_b[at_b[e]]`` (the same numbers as gathering the columns
    first, without building them). Elements are independent: threaded above THREADS_MIN."""
    m = at_a.shape[0]
    for e in prange(m):
        if e + AHEAD < m:  # the keys are read at random: ask for them a few elements early
            prefetch(key_a, np.uint64(at_a[e + AHEAD]))
            prefetch(key_b, np.uint64(at_b[e + AHEAD]))
        # unsigned indices: no negative-index check
        z = _mix_key(state, key_a[np.uint64(at_a[e])])
        z = _mix_key(z, key_b[np.uint64(at_b[e])])
        out_uniform[e] = _unit(z)


# the output a keyed_hash call leaves empty (it writes bits or uniforms, never both); never written
_NO_BITS = np.empty(0, dtype=np.uint64)
_NO_UNIFORM = np.empty(0)


def name_key(name: str) -> int:
    """A stable integer for a name (a party, a purpose): CRC-32, the same in every process."""
    return zlib.crc32(name.encode())


def _is_scalar(key) -> bool:
    """``np.ndim(key) == 0``, without its cost for the keys a run passes (ints and arrays)."""
    kind = type(key)
    if kind is int:
        return True
    if kind is np.ndarray:
        return key.ndim == 0
    return np.ndim(key) == 0


class Keyed:
    """Counter-based draws: ``uniform(step, *keys)`` is a pure function of the seed, the purpose,
    the step and the keys (integers or integer arrays, broadcast together).

    Two calls with the same arguments return the same numbers, in any process, in any order —
    which is what keeps paired runs paired (see the module docstring). With ``use_compiled``
    (the default) draws over arrays are hashed in one compiled pass (:func:`keyed_hash`);
    without it, in NumPy, one array operation at a time: the same integers, so the same draws.
    """

    def __init__(self, seed: int, purpose: str, *, use_compiled: bool = True):
        self.use_compiled = use_compiled
        with np.errstate(over="ignore"):
            base = _mix(np.asarray([int(seed) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))
            self._base = _mix(base ^ np.uint64(name_key(purpose)))[0]
        self._base_int = int(self._base)
        self._table: list[int] = []  # the hash state of steps 0, 1, … (grown on demand)

    def bits(self, step: int, *keys: np.ndarray | int) -> np.ndarray:
        """64 random bits per broadcast element of ``keys``."""
        return self._hash(step, keys, uniform=False)

    def uniform(self, step: int, *keys: np.ndarray | int) -> np.ndarray:
        """Uniform on (0, 1]: (b + 1/2)·2⁻⁵³ for the top 53 bits b. Never 0; the largest b,
        2⁵³ − 1, rounds to exactly 1.0 (chance 2⁻⁵³), so a draw compared with ``< p`` is below
        any p ≤ 1 with probability p up to that, and index clamps like ``min(⌊u·n⌋, n − 1)``
        are reachable."""
        if self.use_compiled and len(keys) == 1:
            key = keys[0]
            if (
                type(key) is np.ndarray
                and key.ndim == 1
                and key.dtype == np.uint64
                and key.flags.c_contiguous
            ):
                # the commonest draw, one per person (a run's keys): the compiled pass
                # directly, as ``_one_pass`` would reach it through ``_columns`` and ``_run``
                out = np.empty(key.size)
                state = np.uint64(self._step_state(step))
                threaded(keyed_hash, key.size, state, key.reshape(1, key.size), _NO_BITS, out)
                return out
        return self._hash(step, keys, uniform=True)

    def _hash(self, step: int, keys: tuple, *, uniform: bool) -> np.ndarray:
        """The step's state mixed with each key + golden in turn; uniforms from the top 53 bits."""
        if self.use_compiled:
            return self._one_pass(step, keys, uniform)
        with np.errstate(over="ignore"):
            h = _mix(np.asarray(self._base ^ (np.uint64(step) * _GOLDEN), dtype=np.uint64))
            for key in keys:
                k = np.asarray(key).astype(np.uint64, copy=False)
                h = _mix(h ^ (k + _GOLDEN))
        h = np.asarray(h, dtype=np.uint64)
        if not uniform:
            return h
        return ((h >> _S11).astype(np.float64) + 0.5) * 2.0**-53

    def _one_pass(self, step: int, keys: tuple, uniform: bool) -> np.ndarray:
        """The same hash in one compiled pass over the elements: the step and the leading
        scalar keys are mixed once, in Python integers (all of it, when no key is an array)."""
        state, columns, shape = self._columns(step, keys)
        if columns is None:  # scalar keys only: the value from the Python integer
            if not uniform:
                return np.asarray(state, dtype=np.uint64)
            return np.float64(((state >> 11) + 0.5) * 2.0**-53)
        return self._run(state, columns, shape, uniform)

    def _state(self, step: int, keys: tuple) -> int:
        """The hash state after the step and the integer ``keys``, each mixed in turn."""
        state = self._step_state(step)
        for key in keys:
            state = _mix_int(state ^ ((int(key) + _GOLDEN_INT) & _MASK))
        return state

    def _step_state(self, step: int) -> int:
        """The hash state after mixing in the step: looked up in a table of the first steps'
        (filled in NumPy, a block at a time, with the same arithmetic), computed for others."""
        s = int(step)
        table = self._table
        if 0 <= s < len(table):
            return table[s]
        if 0 <= s < _TABLE_LIMIT:
            size = min(max(2 * len(table), s + 1, _TABLE_BLOCK), _TABLE_LIMIT)
            steps = np.arange(size, dtype=np.uint64)
            with np.errstate(over="ignore"):
                states = _mix(np.uint64(self._base_int) ^ (steps * _GOLDEN))
            table = states.tolist()
            self._table = table  # one assignment: a reader never sees half of it
            return table[s]
        return _mix_int(self._base_int ^ (s * _GOLDEN_INT & _MASK))

    def uniform_gathered(
        self, step: int, key_a: np.ndarray, at_a: np.ndarray, key_b: np.ndarray, at_b: np.ndarray
    ) -> np.ndarray:
        """``uniform(step, key_a[at_a], key_b[at_b])`` (uint64 keys, int64 indices of equal
        length), compiled without gathering the keys first (:func:`keyed_hash_pairs`)."""
        if not self.use_compiled:
            return self.uniform(step, key_a[at_a], key_b[at_b])
        out = np.empty(at_a.size)
        state = np.uint64(self._step_state(step))
        threaded(keyed_hash_pairs, at_a.size, state, key_a, at_a, key_b, at_b, out)
        return out

    def _columns(self, step: int, keys: tuple) -> tuple[int, np.ndarray | None, tuple]:
        """The state after the step and the leading scalar keys, and the remaining keys as
        uint64 columns (one row a key, broadcast to their common shape; None: no array key)."""
        first, count = 0, len(keys)
        while first < count and _is_scalar(keys[first]):
            first += 1
        state = self._state(step, keys[:first])
        if first == count:
            return state, None, ()
        arrays = [np.asarray(key) for key in keys[first:]]
        one = arrays[0]
        if len(arrays) == 1:
            shape, size = one.shape, one.size
            if one.dtype == np.uint64 and one.flags.c_contiguous:
                return state, one.reshape(1, size), shape
        else:
            # np.broadcast's shape is np.broadcast_shapes' (which calls it), at a third the cost
            common = np.broadcast(*arrays)
            shape, size = common.shape, common.size
        columns = np.empty((len(arrays), size), dtype=np.uint64)
        flat = len(shape) == 1
        for column, a in zip(columns, arrays, strict=True):
            # ints wrap to uint64; a 0-d key broadcasts to the flat column as it is
            target = column if flat or a.ndim == 0 else column.reshape(shape)
            np.copyto(target, a, casting="unsafe")
        return state, columns, shape

    def _run(self, state: int, columns: np.ndarray, shape: tuple, uniform: bool) -> np.ndarray:
        """:func:`keyed_hash` over the columns, shaped as the keys broadcast."""
        size = columns.shape[1]
        out = np.empty(size) if uniform else np.empty(size, dtype=np.uint64)
        bits, uniforms = (_NO_BITS, out) if uniform else (out, _NO_UNIFORM)
        threaded(keyed_hash, size, np.uint64(state), columns, bits, uniforms)
        return out.reshape(shape)

    def normal(self, step: int, *keys: np.ndarray | int) -> np.ndarray:
        """Standard normal by Box–Muller from two keyed uniforms."""
        if self.use_compiled:
            # the two uniforms share every key but the last (1, then 2): one compiled pass
            # mixes the shared keys once and finishes each (the same draws as two calls)
            state, columns, shape = self._columns(step, keys)
            if columns is not None:
                u1 = np.empty(columns.shape[1])
                u2 = np.empty(columns.shape[1])
                twin(keyed_hash_normal)(np.uint64(state), columns, u1, u2)
                return box_muller(u1, u2).reshape(shape)
        u1 = self.uniform(step, *keys, 1)
        u2 = self.uniform(step, *keys, 2)
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

    def exponential(self, step: int, *keys: np.ndarray | int) -> np.ndarray:
        """Exp(1) by inversion."""
        return -np.log(self.uniform(step, *keys))


def box_muller(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Standard normals from two arrays of uniforms, in place in ``u1`` (returned; ``u2`` is
    overwritten): sqrt(-2·log u1)·cos(2π·u2), in NumPy (its log and cos, as the uncompiled
    path: numba's differ in the last bit), each product rounded as that expression rounds it."""
    np.log(u1, out=u1)
    np.multiply(-2.0, u1, out=u1)
    np.sqrt(u1, out=u1)
    np.multiply(2.0 * np.pi, u2, out=u2)
    np.cos(u2, out=u2)
    u1 *= u2
    return u1


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
    key = (PARTY_SPAWN, zlib.crc32(purpose.encode()), zlib.crc32(party.encode()))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def fresh_seed() -> int:
    """A new seed from the operating system's entropy, in [0, 2⁶³ − 1] (recorded by the caller)."""
    return int(np.random.SeedSequence().entropy) % (2**63)


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """Seeds of replicates 0..R-1 derived from one experiment seed (the same for every scenario).

    Replicate r's seed does not depend on R, so adding replicates keeps the earlier ones.
    """
    root = np.random.SeedSequence(seed)
    return [_seed_of(kid) for kid in root.spawn(replicates)]


def _seed_of(seq: np.random.SeedSequence) -> int:
    hi, lo = seq.generate_state(2, dtype=np.uint32)
    return (int(hi) << 31) ^ int(lo)


class Draws:
    """The keyed draws of one run: ``draws.uniform("post", step, keys...)`` and so on, one
    :class:`Keyed` per purpose, all from the run's seed (compiled unless ``use_compiled`` is
    False: the same draws either way)."""

    def __init__(self, seed: int, *, use_compiled: bool = True):
        self.seed = int(seed)
        self.use_compiled = use_compiled
        self._keyed: dict[str, Keyed] = {}

    def _get(self, purpose: str) -> Keyed:
        if purpose not in self._keyed:
            self._keyed[purpose] = Keyed(self.seed, purpose, use_compiled=self.use_compiled)
        return self._keyed[purpose]

    def uniform(self, purpose: str, step: int, *keys: np.ndarray | int) -> np.ndarray:
        return self._get(purpose).uniform(step, *keys)

    def normal(self, purpose: str, step: int, *keys: np.ndarray | int) -> np.ndarray:
        return self._get(purpose).normal(step, *keys)

    def state(self, purpose: str, step: int, *keys: int) -> np.uint64:
        """The hash state of ``purpose``'s draws at ``step`` with the leading integer ``keys``
        mixed in (the seed, the purpose, the step, then each key), for a kernel that finishes
        the draws itself with the other keys (``_mix_key`` per key, then ``_unit``): the
        numbers ``uniform(purpose, step, *keys, …)`` gives."""
        return np.uint64(self.state_int(purpose, step, *keys))

    def state_int(self, purpose: str, step: int, *keys: int) -> int:
        """:meth:`state` as a Python integer (to gather several into one uint64 array)."""
        return self._get(purpose)._state(step, keys)

    def states(self, step: int, purposes: tuple[str, ...]) -> np.ndarray:
        """:meth:`state` of each of ``purposes`` at ``step``, as one uint64 array."""
        return np.array([self._get(p)._step_state(step) for p in purposes], dtype=np.uint64)

    def exponential(self, purpose: str, step: int, *keys: np.ndarray | int) -> np.ndarray:
        return self._get(purpose).exponential(step, *keys)

    def exponential_gathered(
        self,
        purpose: str,
        step: int,
        key_a: np.ndarray,
        at_a: np.ndarray,
        key_b: np.ndarray,
        at_b: np.ndarray,
    ) -> np.ndarray:
        """``exponential(purpose, step, key_a[at_a], key_b[at_b])`` without the gathers
        (:meth:`Keyed.uniform_gathered`)."""
        return -np.log(self._get(purpose).uniform_gathered(step, key_a, at_a, key_b, at_b))


def in_kernels(draws) -> bool:
    """May a phase make ``draws``' keyed draws inside its compiled pass, from their hash
    states (:meth:`Draws.state`)? Yes for a :class:`Draws` itself; a stand-in or a subclass,
    which may draw otherwise, is asked for its arrays (``uniform``, ``normal``, …)."""
    return type(draws) is Draws


STAFF_KEY = 1 << 62  # person keys of staff: STAFF_KEY | crc32(party) << 24 | member
INSTITUTION_KEY = 1 << 61  # author keys of institution posts: … | crc32(party) << 24 | ordinal


def staff_keys(party: str, count: int) -> np.ndarray:
    """Identity keys of a party's staff members: stable whatever other parties field."""
    return (STAFF_KEY | (name_key(party) << 24)) + np.arange(count, dtype=np.uint64)


def institution_keys(party: str, count: int) -> np.ndarray:
    """Identity keys of a party institution's posts of one step (by ordinal)."""
    return (INSTITUTION_KEY | (name_key(party) << 24)) + np.arange(count, dtype=np.uint64)
