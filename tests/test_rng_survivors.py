"""Mutation-testing round six: the rng survivors that were real gaps (issue 13)."""

import numpy as np

from model.rng import Draws, Keyed


def test_draws_hands_its_path_choice_to_each_keyed():
    """Draws' ``use_compiled`` flag reaches every per-purpose Keyed (the compiled path by
    default, the plain NumPy path when asked), and both paths give the same draws."""
    keys = np.arange(7, dtype=np.int64)
    compiled = Draws(11)
    plain = Draws(11, use_compiled=False)
    assert compiled._get("post").use_compiled is True
    assert plain._get("post").use_compiled is False
    np.testing.assert_array_equal(
        compiled.uniform("post", 3, keys), Keyed(11, "post", use_compiled=False).uniform(3, keys)
    )
    np.testing.assert_array_equal(plain.uniform("post", 3, keys), compiled.uniform("post", 3, keys))


def test_keyed_takes_the_compiled_path_by_default():
    """Keyed defaults to the compiled one-pass path (``use_compiled=True``) and keeps an
    explicit False; the two paths agree on the bits."""
    keys = np.arange(5, dtype=np.uint64)
    assert Keyed(4, "move").use_compiled is True
    assert Keyed(4, "move", use_compiled=False).use_compiled is False
    np.testing.assert_array_equal(
        Keyed(4, "move").bits(2, keys), Keyed(4, "move", use_compiled=False).bits(2, keys)
    )


def test_scalar_key_bits_are_uint64_like_the_plain_path():
    """With scalar keys only the compiled path answers from a Python integer; its bits must
    still be uint64 (the plain path's type, so uint64 arithmetic never promotes to float),
    whether the top bit is set or not."""
    compiled = Keyed(9, "feed")
    plain = Keyed(9, "feed", use_compiled=False)
    for step in range(8):  # both halves of the range occur among these states
        got = compiled.bits(step, 5)
        assert got.dtype == np.uint64
        assert int(got) == int(plain.bits(step, 5))
