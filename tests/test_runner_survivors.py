"""model.runner: the mechanisms the sixth mutation run of issue 13 found untested
(docs/TESTING.md, "runner"): the tidy table's float64 values whatever the recorded columns'
dtype, and which kernels and which Mesa views the model behind ``run`` is built with. The
last two do not change a run's numbers (the Python twins give the same results, and the views
are never read), so only the model itself shows them: a subclass of SocialWebModel in
``run``'s place notes them and otherwise runs unchanged.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from model import runner as R
from tests.test_runner_values import _tiny


def test_tidy_values_are_float64_even_when_every_recorded_column_is_integer():
    """tidy converts the recorded metric columns to float64 (the ``value`` column's type) before
    stacking them: two integer-valued metrics (counts) at steps 0 and 4 give float values
    3.0, 5.0 and 1.0, 2.0, sorted by step then metric; the int ``seed`` reporter is skipped."""
    wide = pd.DataFrame({"members||": [3, 5], "seed": [7, 7], "clusters||": [1, 2]})
    model = SimpleNamespace(
        datacollector=SimpleNamespace(get_model_vars_dataframe=lambda: wide),
        recorded_steps=[0, 4],
    )
    got = R.tidy(model)
    assert got.value.dtype == np.float64
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        (0, "clusters", "", "", 1.0),
        (0, "members", "", "", 3.0),
        (4, "clusters", "", "", 2.0),
        (4, "members", "", "", 5.0),
    ]


def _spy(monkeypatch) -> list[dict]:
    """SocialWebModel in model.runner, noting each model's kernels and Mesa views."""
    seen: list[dict] = []

    class Spy(R.SocialWebModel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen.append(
                {
                    "use_compiled": self.use_compiled,
                    "views": sorted(self.person_agents),
                    "non_citizens": np.flatnonzero(self.population.role != 0).tolist(),
                }
            )

    monkeypatch.setattr(R, "SocialWebModel", Spy)
    return seen


def test_run_uses_the_numba_kernels_unless_told_not_to(monkeypatch):
    """run's ``use_compiled`` (default True: the numba kernels, False: their Python twins, as
    its docstring says) reaches the model: a plain run builds a model with the compiled
    kernels (with the JIT on, the twins are many times slower for the same numbers)."""
    seen = _spy(monkeypatch)
    R.run(_tiny(), steps=1)
    R.run(_tiny(), steps=1, use_compiled=False)
    assert [s["use_compiled"] for s in seen] == [True, False]


def test_run_makes_mesa_views_for_staff_and_champions_only(monkeypatch):
    """run builds its model with Mesa agents for the parties' people only ("parties" mode):
    one view per non-citizen row (staff, champions), none per citizen, whatever the
    population's size (SocialWebModel's "auto" mode would make one per citizen below 200,000
    citizens: memory and time for views a run never reads)."""
    seen = _spy(monkeypatch)
    R.run(_tiny(), steps=1)
    assert len(seen) == 1
    assert seen[0]["non_citizens"]  # the tiny world has staff and champions
    assert seen[0]["views"] == seen[0]["non_citizens"]
