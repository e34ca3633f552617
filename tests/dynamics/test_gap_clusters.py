"""Opinion clusters without sorting (``kernels.gap_clusters``, behind ``metrics.cluster_sizes``):
the sizes must be those of the definition — sort the opinions, cut where two neighbours in the
sorted order are more than ``gap`` apart — for clustered, uniform, tied and exactly-at-the-gap
inputs, on the binned path (values spread over few gap widths) and on the sorting fallback
(values spread over many, not finite, or a gap of 0)."""

from __future__ import annotations

import numpy as np
import pytest

from model.dynamics.kernels import kernel
from model.metrics import CLUSTER_GAP, cluster_sizes


def by_sorting(x: np.ndarray, gap: float) -> list[int]:
    """The definition, written out: sorted opinions, a new group after every gap > ``gap``."""
    s = sorted(x.tolist())
    if not s:
        return []
    sizes, size = [], 1
    for a, b in zip(s, s[1:], strict=False):
        if b - a > gap:
            sizes.append(size)
            size = 0
        size += 1
    return [*sizes, size]


def cases() -> list[tuple[str, np.ndarray, float]]:
    rng = np.random.default_rng(20261126)
    out = []
    for n in (1, 2, 7, 300, 5000):
        out.append((f"uniform-{n}", rng.uniform(-1, 1, n), CLUSTER_GAP))
    centres = np.array([-0.8, -0.55, 0.0, 0.12, 0.7])
    for spread in (0.005, 0.02, 0.05):
        x = rng.choice(centres, 2000) + rng.normal(0, spread, 2000)
        out.append((f"clusters-{spread}", np.clip(x, -1, 1), CLUSTER_GAP))
    # a grid whose steps are exactly the gap (no cut) and just above it (a cut at every step)
    grid = np.round(np.arange(-10, 11) * 0.1, 10)
    out.append(("grid-at-gap", grid, 0.1))
    out.append(("grid-above-gap", grid * (1 + 1e-9), 0.1))
    out.append(("ties", np.repeat([-0.3, 0.3, 0.31], 50), CLUSTER_GAP))
    out.append(("two-extremes", np.array([-1.0, 1.0, -1.0, 1.0]), 1.999))
    for gap in (0.01, 0.3, 1.5):
        out.append((f"uniform-gap-{gap}", rng.uniform(-1, 1, 400), gap))
    # the sorting fallback: few values spread over many gap widths, a gap of 0, not finite
    out.append(("sparse", rng.uniform(-1e4, 1e4, 20), CLUSTER_GAP))
    out.append(("unbounded", rng.standard_cauchy(500), CLUSTER_GAP))
    out.append(("gap-zero", np.repeat(rng.uniform(-1, 1, 30), 3), 0.0))
    out.append(("infinite", np.array([0.0, 0.05, np.inf, -np.inf, 0.5]), CLUSTER_GAP))
    return out


CASES = cases()


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "twin"])
@pytest.mark.parametrize(("x", "gap"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_sizes_are_those_of_the_sorted_definition(x, gap, compiled):
    got = kernel("gap_clusters", use_compiled=compiled)(x, gap)
    assert got.tolist() == by_sorting(x, gap)


def test_cluster_sizes_runs_the_kernel_on_any_float_input():
    x = np.array([0.0, 0.05, 0.5, 0.52, 0.9], dtype=np.float32)  # not float64, a strided view
    assert cluster_sizes(x[::1]).tolist() == by_sorting(x.astype(np.float64), CLUSTER_GAP)
    every_other = np.linspace(-1, 1, 41)[::2]
    assert cluster_sizes(every_other).tolist() == by_sorting(every_other, CLUSTER_GAP)
    assert cluster_sizes(np.zeros(0)).tolist() == []
