"""The model's DataCollector (model/sim.py, ``MetricsCollector``) records exactly what Mesa's own
``DataCollector.collect`` records from the same reporters — its shortcut skips only the
``partial`` call and the ``deepcopy`` of a float (issue 14, per-step overhead) — and hands back
to Mesa's collect when a user adds a reporter of their own. Oracle: a plain
``mesa.DataCollector`` given the model's reporters, collecting beside it at every step."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from model.runner import override
from model.sim import MetricsCollector, SocialWebModel


def test_the_collector_records_what_mesas_collect_records(small_scenario):
    model = SocialWebModel(override(small_scenario, steps=6), seed=4)
    assert isinstance(model.datacollector, MetricsCollector)
    plain = mesa.DataCollector(model_reporters=dict(model.datacollector.model_reporters))
    plain.collect(model)
    for _ in range(6):
        model.step()
        plain.collect(model)
    ours = model.datacollector.get_model_vars_dataframe()
    assert len(ours) == 7  # the set-up row and one a step
    pd.testing.assert_frame_equal(ours, plain.get_model_vars_dataframe(), check_exact=True)
    assert model.datacollector._collection_steps == plain._collection_steps


def test_a_reporter_added_by_a_user_is_collected_too(small_scenario):
    """A user's extra model reporter (Mesa's way of adding one) is called at every later
    collect, beside the model's own metrics."""
    model = SocialWebModel(override(small_scenario, steps=3), seed=4)
    calls = []

    def extra(m):
        calls.append(m.step_count)
        return float(m.step_count) * 10

    model.datacollector._new_model_reporter("extra", extra)
    model.run()
    assert calls == [1, 2, 3]
    assert model.datacollector.model_vars["extra"] == [10.0, 20.0, 30.0]
    assert len(model.datacollector.model_vars["seed"]) == 4


def test_columns_read_between_steps_are_mesas_at_every_read(small_scenario):
    """Read after single steps and after several, the columns are Mesa's each time."""
    model = SocialWebModel(override(small_scenario, steps=7), seed=5)
    plain = mesa.DataCollector(model_reporters=dict(model.datacollector.model_reporters))
    plain.collect(model)
    for step in range(1, 8):
        model.step()
        plain.collect(model)
        if step in (1, 2, 5):
            assert model.datacollector.model_vars == plain.model_vars
    pd.testing.assert_frame_equal(
        model.datacollector.get_model_vars_dataframe(),
        plain.get_model_vars_dataframe(),
        check_exact=True,
    )


def test_a_value_that_is_not_a_number_is_deep_copied_in_its_place(small_scenario):
    """A metric that is not a float or an int (a user's array) is copied when collected, as
    Mesa's collect does, after the steps collected before it."""
    model = SocialWebModel(override(small_scenario, steps=4), seed=6)
    model.step()
    model.step()
    name, key = model.datacollector._keys[0]
    before = [model.datacollector.model_vars[name][0]]
    value = np.array([1.0, 2.0])
    model.metrics = dict(model.metrics) | {key: value}
    model.datacollector.collect(model)
    value[0] = 9.0  # the collected copy does not change with it
    column = model.datacollector.model_vars[name]
    assert len(column) == 4  # set-up, two steps, this collect
    assert column[0] == before[0]
    np.testing.assert_array_equal(column[3], [1.0, 2.0])
    assert column[3] is not value
    assert len(model.datacollector.model_vars["seed"]) == 4


def test_metrics_is_each_steps_measure_and_a_dict_kept_from_a_step_keeps_its_values(
    small_scenario,
):
    """``model.metrics`` (built when asked for) is the step's measure, keys in order; a dict
    kept from one step is not changed by the next, which gets a new one."""
    model = SocialWebModel(override(small_scenario, steps=4), seed=7)
    model.step()
    kept = model.metrics
    assert list(kept.items()) == list(model._measure().items())
    # every value a float: what the DataCollector appends without checking
    assert {type(value) for value in kept.values()} == {float}
    snapshot = dict(kept)
    model.step()
    assert model.metrics is not kept and kept == snapshot
    assert model.metrics == model._measure()
    assert model.metrics != kept  # the opinions moved: another step's values


def test_a_subclass_that_measures_its_own_way_is_what_is_collected(small_scenario):
    """A subclass overriding ``_measure`` (its dict, not the values the model hands over
    itself) is what ``model.metrics`` and the DataCollector hold."""

    class Doubled(SocialWebModel):
        def _measure(self):
            return {key: 2.0 * value for key, value in super()._measure().items()}

    model = Doubled(override(small_scenario, steps=2), seed=8)
    plain = SocialWebModel(override(small_scenario, steps=2), seed=8)
    model.run()
    plain.run()
    ours = model.datacollector.get_model_vars_dataframe()
    theirs = plain.datacollector.get_model_vars_dataframe()
    metric_columns = [c for c in theirs.columns if c != "seed"]
    pd.testing.assert_frame_equal(ours[metric_columns], 2.0 * theirs[metric_columns])
    key = ("mean_opinion", "", "")
    assert model.metrics[key] == 2.0 * plain.metrics[key] != 0.0
