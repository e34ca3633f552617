"""Plots are checked by numbers, not looks: facet counts and sizes stay readable."""

from __future__ import annotations

import numpy as np
import pytest

from model.plots import opinion_histogram


@pytest.mark.parametrize(("scenarios", "rows"), [(1, 1), (4, 1), (6, 2), (8, 2), (9, 3)])
def test_opinion_panels_wrap_at_four_a_row(scenarios, rows):
    rng = np.random.default_rng(0)
    fig = opinion_histogram(
        {f"s{i}": [rng.uniform(-1, 1, 200)] for i in range(scenarios)}, "Final opinions"
    )
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == scenarios
    assert [ax.get_title() for ax in visible] == [f"s{i}" for i in range(scenarios)]
    width, height = fig.get_size_inches()
    assert width <= 3.2 * 4 + 1  # never a strip wider than four panels
    assert height == pytest.approx(3.0 * rows + 0.4)
