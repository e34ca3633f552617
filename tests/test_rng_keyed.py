"""Keyed draws keep paired runs paired (issue 18): the posting and feed randomness of a person
does not depend on who else exists or what they do."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model import rng
from model.config import scenario_from_dict
from model.population import CITIZEN
from model.rng import Keyed
from model.sim import SocialWebModel
from tests.conftest import per_1000, tiny_data


def _world(staff: int, red_staff: int = 0) -> dict:
    data = tiny_data(citizens=400, steps=30, mean_degree=6, initial_champions=0)
    data["mobilization"] = {"enabled": False}  # engagement, hence posting rates, stay fixed
    data["parties"]["blue"]["champions"] = {"enabled": False}
    data["parties"]["blue"]["staff"] = {"per_1000": per_1000(staff, 400), "ties": 20}
    data["parties"]["red"]["staff"] = {"per_1000": per_1000(red_staff, 400), "ties": 20}
    return data


def _citizen_authors(data: dict, steps: int, seed: int = 5) -> list[set[int]]:
    """Per step, the citizens who posted, recorded from the model's own posting phase."""
    import model.sim as sim

    model = SocialWebModel(scenario_from_dict(data), seed=seed)
    seen: list[set[int]] = []
    real = sim.make_posts

    def spy(pop, parties, scenario, draws, step, **kwargs):
        posts = real(pop, parties, scenario, draws, step, **kwargs)
        person = posts.author[posts.author >= 0]
        seen.append({int(a) for a in person if pop.role[a] == CITIZEN})
        return posts

    sim.make_posts = spy
    try:
        for _ in range(steps):
            model.step()
    finally:
        sim.make_posts = real
    return seen


def test_citizens_post_on_the_same_days_whatever_the_staff():
    """Staff rows come after citizens; a stream drawing one value per person would shift every
    citizen's draws from the second step on when the staff count changes."""
    none = _citizen_authors(_world(staff=0), steps=12)
    many = _citizen_authors(_world(staff=25, red_staff=7), steps=12)
    assert sum(len(s) for s in none) > 100  # people do post: the comparison means something
    assert none == many


def test_keyed_draws_are_a_pure_function_of_their_arguments():
    a = Keyed(11, "feed").uniform(4, np.arange(50), 7)
    b = Keyed(11, "feed").uniform(4, np.arange(50)[::-1], 7)[::-1]  # other order, same keys
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, Keyed(12, "feed").uniform(4, np.arange(50), 7))
    assert not np.array_equal(a, Keyed(11, "post").uniform(4, np.arange(50), 7))
    assert not np.array_equal(a, Keyed(11, "feed").uniform(5, np.arange(50), 7))


@pytest.mark.parametrize("kind", ["uniform", "normal", "exponential"])
def test_keyed_draws_follow_their_laws(kind):
    """Kolmogorov–Smirnov on 20,000 draws; at a fixed seed, p > 0.001 (a true law fails 0.1 %)."""
    draws = getattr(Keyed(2026, "law"), kind)(9, np.arange(20_000))
    law = {"uniform": "uniform", "normal": "norm", "exponential": "expon"}[kind]
    assert stats.kstest(draws, law).pvalue > 0.001


def test_consecutive_keys_and_steps_are_uncorrelated():
    k = Keyed(3, "post")
    u = k.uniform(5, np.arange(100_000))
    # |r| of independent draws has sd 1/sqrt(n) ≈ 0.0032: 5 sd
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.016
    assert abs(np.corrcoef(u, k.uniform(6, np.arange(100_000)))[0, 1]) < 0.016


def test_replicate_seeds_are_recorded_values_whatever_the_number_of_replicates():
    """replicate_seeds: replicate r's seed does not depend on how many replicates are asked for
    (so ``--resume --replicates R`` and a longer comparison keep the earlier runs), seeds stay in
    [0, 2⁶³), and they are the values recorded in every earlier runs table: golden values
    written down from the code at the time of issue 13, not recomputed here."""
    assert rng.replicate_seeds(0, 3) == [
        8069282889424829228,
        1445747666553143162,
        6960949860196659202,
    ]
    assert rng.replicate_seeds(5, 2) == [1724990141099901069, 8089687741771106385]
    assert rng.replicate_seeds(5, 7)[:2] == rng.replicate_seeds(5, 2)
    assert all(0 <= s < 2**63 for s in rng.replicate_seeds(5, 7))


def test_fresh_seed_is_the_entropy_reduced_modulo_two_to_the_63(monkeypatch):
    """fresh_seed: the operating system's entropy (numpy's SeedSequence, 128 bits) reduced to
    [0, 2⁶³ − 1]; the entropy is fixed here so the reduction is seen: 2⁶³ + 12345 → 12345, and
    2⁶³ − 1 stays."""

    class Fixed:
        def __init__(self, entropy):
            self.entropy = entropy

    for entropy, seed in [(2**63 + 12345, 12345), (2**63 - 1, 2**63 - 1), (2**127, 0)]:
        monkeypatch.setattr(np.random, "SeedSequence", lambda e=entropy: Fixed(e))
        assert rng.fresh_seed() == seed


# -- the keyed hash against an oracle written from its docstring (model/rng.py) ------------------
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _finaliser(z: int) -> int:
    """SplitMix64's finaliser (Steele, Lea & Flood 2014) in Python integers."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _oracle_bits(seed: int, purpose: str, step: int, *keys: int) -> int:
    """``Keyed.bits`` as documented: a base from the seed and the purpose's CRC-32, mixed with
    step·golden, then with each key + golden."""
    import zlib

    base = _finaliser(_finaliser(seed & _MASK) ^ zlib.crc32(purpose.encode()))
    h = _finaliser(base ^ ((step * _GOLDEN) & _MASK))
    for key in keys:
        h = _finaliser(h ^ ((key + _GOLDEN) & _MASK))
    return h


def _oracle_uniform(seed: int, purpose: str, step: int, *keys: int) -> float:
    """``Keyed.uniform`` as documented: the bits' top 53, plus one half, × 2⁻⁵³."""
    return ((_oracle_bits(seed, purpose, step, *keys) >> 11) + 0.5) * 2.0**-53


def _key_sets() -> dict[str, tuple]:
    rng = np.random.default_rng(4)
    big = rng.integers(0, 2**63, 40, dtype=np.uint64) + np.uint64(2**63 - 1)  # top bit set
    rows = np.arange(40, dtype=np.int64)
    return {
        "one array": (big,),
        "scalar then array": (7, rows),
        "two arrays": (rows, big),
        "column, row, then a scalar": (big[:6, None], np.arange(3, dtype=np.uint64)[None, :], 2),
        "array then scalar": (rows, 1),
        "negative keys": (np.array([-1, -5, 3]),),
        "empty": (np.zeros(0, dtype=np.uint64),),
        "scalars only": (3, 2**62 + 5),
        "a negative scalar, then an array": (-7, rows),
    }


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
@pytest.mark.parametrize("name", list(_key_sets()))
def test_keyed_draws_over_arrays_are_the_documented_hash_of_each_element(name, compiled):
    # the compiled one-pass hash and the NumPy one give, element by element, the integers of
    # the hash written out in Python; shapes broadcast as NumPy does
    keys = _key_sets()[name]
    keyed = Keyed(99, "feed", use_compiled=compiled)
    bits, uniform = keyed.bits(11, *keys), keyed.uniform(11, *keys)
    # the step as a NumPy integer is the same step
    np.testing.assert_array_equal(keyed.uniform(np.int64(11), *keys), uniform)
    grids = np.broadcast_arrays(*(np.asarray(k) for k in keys))
    assert bits.shape == uniform.shape == grids[0].shape
    assert bits.dtype == np.uint64 and uniform.dtype == np.float64
    for index in np.ndindex(grids[0].shape):
        element = [int(g[index]) for g in grids]
        assert int(bits[index]) == _oracle_bits(99, "feed", 11, *element)
        assert float(uniform[index]) == _oracle_uniform(99, "feed", 11, *element)


@pytest.mark.parametrize(
    ("seed", "purpose", "step", "keys"),
    [(0, "post", 0, (0,)), (12345, "feed", 7, (3, 99)), (2**63 - 1, "paid", 365, (2**62 + 5,))],
)
def test_keyed_uniforms_are_the_documented_hash(seed, purpose, step, keys):
    got = Keyed(seed, purpose).uniform(step, *keys)
    assert float(got) == _oracle_uniform(seed, purpose, step, *keys)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_normal_and_exponential_draws_are_the_documented_transforms(compiled):
    # Box–Muller from the uniforms keyed (…, 1) and (…, 2), and Exp(1) by inversion, each
    # written out from the documented uniform: a dropped step, a key other than 1 and 2, or
    # another angle changes the value (rel 1e-14: NumPy's and math's log and cos may differ in
    # the last bits; every mutant moves the value by far more)
    import math

    keyed = Keyed(5, "noise", use_compiled=compiled)
    keys = np.array([0, 3, 2**40], dtype=np.uint64)
    normal = keyed.normal(9, keys[:, None], np.arange(2, dtype=np.uint64)[None, :])
    exponential = keyed.exponential(9, 17, keys)
    for a, key in enumerate(keys.tolist()):
        for b in range(2):
            u1 = _oracle_uniform(5, "noise", 9, key, b, 1)
            u2 = _oracle_uniform(5, "noise", 9, key, b, 2)
            want = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
            assert normal[a, b] == pytest.approx(want, rel=1e-14, abs=1e-15)
        assert exponential[a] == pytest.approx(-math.log(_oracle_uniform(5, "noise", 9, 17, key)))


@pytest.mark.parametrize(
    "keys",
    [
        (np.arange(7, dtype=np.uint64),),  # one uint64 array: the caller's own keys
        (12, np.arange(5, dtype=np.int64)),  # a scalar, then an int array
        (np.arange(4, dtype=np.uint64)[:, None], np.arange(3, dtype=np.uint64)[None, :]),
        (3, 4),  # scalars only
    ],
    ids=["array", "scalar-array", "broadcast", "scalars"],
)
def test_compiled_normal_is_the_two_uniform_calls_bit_for_bit(keys):
    """The compiled normal (both uniforms in one pass, ``keyed_hash_normal``, Box–Muller in
    place) gives exactly what two uniform calls keyed 1 and 2 and NumPy's expression give, and
    leaves the caller's keys alone."""
    before = [np.array(k, copy=True) for k in keys]
    got = Keyed(8, "noise").normal(4, *keys)
    u1 = Keyed(8, "noise", use_compiled=False).uniform(4, *keys, 1)
    u2 = Keyed(8, "noise", use_compiled=False).uniform(4, *keys, 2)
    want = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    assert np.shape(got) == np.shape(want)
    assert np.asarray(got).tobytes() == np.asarray(want).tobytes()
    for k, b in zip(keys, before, strict=True):
        np.testing.assert_array_equal(k, b)


def test_institution_and_staff_keys_count_up_from_their_partys_base():
    # documented layout: flag bit | CRC-32 of the party << 24 | ordinal (model/rng.py)
    import zlib

    crc = zlib.crc32(b"blue")
    assert rng.institution_keys("blue", 3).tolist() == [(1 << 61 | crc << 24) + i for i in range(3)]
    assert rng.staff_keys("blue", 3).tolist() == [(1 << 62 | crc << 24) + i for i in range(3)]


def test_a_persons_draws_change_from_day_to_day_through_every_kind_of_draw():
    """The day is part of every keyed draw: citizen 7's posting uniform, normal and exponential
    differ between days 1 and 2 (and repeat on day 1)."""
    draws = rng.Draws(3)
    for kind in ("uniform", "normal", "exponential"):
        day1 = getattr(draws, kind)("post", 1, 7)
        assert getattr(draws, kind)("post", 2, 7) != day1, kind
        assert getattr(draws, kind)("post", 1, 7) == day1, kind


def test_two_parties_streams_differ_and_do_not_depend_on_each_other():
    blue = rng.party_stream(4, "followers", "blue").random(3)
    red = rng.party_stream(4, "followers", "red").random(3)
    again = rng.party_stream(4, "followers", "blue").random(3)
    assert not np.array_equal(blue, red)
    np.testing.assert_array_equal(blue, again)
    assert not np.array_equal(blue, rng.party_stream(4, "champions", "blue").random(3))


def test_staff_and_institution_keys_never_meet_citizens_or_each_other():
    """Citizens' keys are their rows 0…N−1 (N < 2²⁴ here); staff keys carry bit 62 and the
    party's CRC-32 from bit 24, institution post keys bit 61: no overlap, and two parties'
    staff differ."""
    import zlib

    blue, red = rng.staff_keys("blue", 1000), rng.staff_keys("red", 1000)
    posts = rng.institution_keys("blue", 1000)
    assert blue[0] == (1 << 62) | (zlib.crc32(b"blue") << 24) and blue[-1] == blue[0] + 999
    assert posts[0] == (1 << 61) | (zlib.crc32(b"blue") << 24)
    assert min(blue.min(), red.min(), posts.min()) >= 1 << 24  # above every citizen's row
    every = np.concatenate([blue, red, posts])
    assert np.unique(every).size == every.size


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_gathered_draws_are_the_documented_hash_of_the_gathered_keys(compiled):
    """``uniform_gathered(step, key_a, at_a, key_b, at_b)``: element e is the documented hash of
    (key_a[at_a[e]], key_b[at_b[e]]) — the indices repeat, skip and reorder, the keys have the
    top bit set — and ``Draws.exponential_gathered`` is −log of it."""
    gen = np.random.default_rng(8)
    key_a = gen.integers(0, 2**63, 12, dtype=np.uint64) + np.uint64(2**63 - 1)
    key_b = np.arange(100, 107, dtype=np.uint64)
    at_a = np.array([3, 3, 0, 11, 5, 7, 3], dtype=np.int64)
    at_b = np.array([6, 0, 2, 2, 1, 5, 4], dtype=np.int64)
    got = Keyed(99, "feed", use_compiled=compiled).uniform_gathered(11, key_a, at_a, key_b, at_b)
    pairs = zip(at_a.tolist(), at_b.tolist(), strict=True)
    want = [_oracle_uniform(99, "feed", 11, int(key_a[a]), int(key_b[b])) for a, b in pairs]
    assert got.tolist() == want
    draws = rng.Draws(99, use_compiled=compiled)
    exp = draws.exponential_gathered("feed", 11, key_a, at_a, key_b, at_b)
    np.testing.assert_array_equal(exp, -np.log(np.array(want)))
    empty = np.zeros(0, dtype=np.int64)
    assert draws.exponential_gathered("feed", 11, key_a, empty, key_b, empty).size == 0


def test_the_tabulated_step_states_are_the_hash_of_each_step():
    """A purpose's hash state at a step comes from a table filled in NumPy a block at a time
    (and grown), or is computed beyond it: either way SplitMix64's finaliser of base ^ step·φ
    in Python integers (the oracle), for steps in the first block, past it (the table grows),
    beyond the table's limit, and negative ones."""
    keyed = rng.Keyed(21, "post")
    mask = (1 << 64) - 1

    def oracle(step: int) -> int:
        return rng._mix_int(keyed._base_int ^ ((step * 0x9E3779B97F4A7C15) & mask))

    steps = [0, 1, 365, rng._TABLE_BLOCK - 1, rng._TABLE_BLOCK, 5000, rng._TABLE_LIMIT - 1]
    steps += [rng._TABLE_LIMIT, 10**12, -1, -300]
    for step in steps:
        assert keyed._step_state(step) == oracle(step), step
    assert len(keyed._table) == rng._TABLE_LIMIT  # grown to the limit, not past it
    # and the draws: those of the NumPy path, which hashes the step itself
    plain = rng.Keyed(21, "post", use_compiled=False)
    keys = np.arange(5, dtype=np.uint64)
    for step in (3, 700, rng._TABLE_LIMIT + 5):
        assert keyed.uniform(step, keys).tobytes() == plain.uniform(step, keys).tobytes()
