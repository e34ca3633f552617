"""Random draws chosen by hand, for tests that work out every expected value themselves."""

from __future__ import annotations

import numpy as np


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
