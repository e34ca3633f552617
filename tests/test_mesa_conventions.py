"""Mesa's conventions (issue 12): ``running`` turns False after election day, so ``batch_run``
and the app stop there; ``seed=None`` (what ``batch_run`` passes) means fresh entropy, recorded."""

from __future__ import annotations

import warnings

import mesa
import numpy as np
import pandas as pd
import pytest

from model.config import scenario_from_dict
from model.sim import SocialWebModel
from tests.conftest import tiny_data

SCENARIO = scenario_from_dict(tiny_data(citizens=80, steps=7) | {"seed": 42})


def test_running_turns_false_on_election_day_and_not_before():
    model = SocialWebModel(SCENARIO)
    for _ in range(SCENARIO.steps - 1):
        model.step()
        assert model.running
    model.step()
    assert not model.running


def test_omitted_seed_is_the_scenarios_and_none_is_fresh_and_recorded():
    assert SocialWebModel(SCENARIO).seed == 42
    a, b = SocialWebModel(SCENARIO, seed=None), SocialWebModel(SCENARIO, seed=None)
    assert a.seed != b.seed and 0 <= a.seed < 2**63
    # the recorded seed repeats the run
    again = SocialWebModel(SCENARIO, seed=a.seed)
    a.run()
    again.run()
    np.testing.assert_array_equal(a.population.x, again.population.x)


def _batch(**kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Mesa 3.5 warns about its own future API
        rows = mesa.batch_run(
            SocialWebModel,
            parameters={"scenario": SCENARIO},
            max_steps=100,
            data_collection_period=-1,
            display_progress=False,
            **kwargs,
        )
    return pd.DataFrame(rows)


def test_batch_run_stops_at_the_election_and_iterations_differ():
    frame = _batch(rng=[None, None])
    assert list(frame["Step"]) == [SCENARIO.steps, SCENARIO.steps]  # not max_steps
    # two iterations, two fresh seeds: the mean opinion is a continuous draw, so equal values would
    # mean equal streams (the vote share of 80 citizens is a count and can coincide by chance)
    opinions = frame["mean_opinion||"]
    assert opinions.iloc[0] != opinions.iloc[1]


def test_batch_run_rows_record_the_seed_that_repeats_them():
    """batch_run passes seed None (fresh entropy); the "seed" reporter records the seed drawn, so
    a row can be run again, and the metrics' columns are unchanged."""
    frame = _batch(rng=[None, None])
    seeds = frame["seed"].tolist()
    assert all(isinstance(s, int) and s is not None for s in seeds) and seeds[0] != seeds[1]
    again = SocialWebModel(SCENARIO, seed=seeds[1])
    again.run()
    vote = "vote_share|blue|"
    assert again.datacollector.get_model_vars_dataframe()[vote].iloc[-1] == frame[vote].iloc[1]
    metrics = {"|".join(key) for key in again.metrics}
    assert set(again.datacollector.model_vars) == metrics | {"seed"}
    # a fixed seed is recorded as such; the tidy time series carries metrics only
    from model.runner import tidy

    assert set(SocialWebModel(SCENARIO).datacollector.model_vars["seed"]) == {42}
    assert "seed" not in set(tidy(again).metric)


# -- run() steps without Mesa's event queue, and leaves Mesa as stepping would ---------------
RUN = scenario_from_dict(tiny_data(citizens=150, steps=12) | {"seed": 5})


def stepped_through_mesa(steps: int) -> SocialWebModel:
    model = SocialWebModel(RUN)
    for _ in range(steps):
        model.step()  # Mesa's own: pop the step event, run it, schedule the next
    model._record()
    return model


def mesa_state(model: SocialWebModel) -> tuple:
    """Mesa's clock, step count and schedule: its step event's time, the events queued."""
    schedule = model._default_schedule
    return (
        model.time,
        model.steps,
        schedule._execution_count,
        schedule.next_scheduled_time,
        len(model._event_list),
    )


def test_run_equals_stepping_through_mesa_and_leaves_its_schedule_as_that_would():
    model = SocialWebModel(RUN)
    direct = []
    model._step_once = lambda: direct.append("mesa") or SocialWebModel._step_once(model)
    model.run(9)
    assert direct == []  # every step ran without Mesa's event queue
    mesa_model = stepped_through_mesa(9)
    assert mesa_state(model) == mesa_state(mesa_model) == (9, 9, 9, 10, 1)
    np.testing.assert_array_equal(model.population.x, mesa_model.population.x)
    a = model.datacollector.get_model_vars_dataframe()
    b = mesa_model.datacollector.get_model_vars_dataframe()
    assert a.equals(b)  # the values, and model.time at each collect (the index)
    assert model.datacollector._collection_steps == mesa_model.datacollector._collection_steps
    model.step()  # Mesa's own step continues where the run left off
    mesa_model.step()
    assert mesa_state(model) == mesa_state(mesa_model)
    np.testing.assert_array_equal(model.population.x, mesa_model.population.x)


def test_a_progress_callback_sees_mesa_as_it_is_and_may_schedule_an_event():
    """The callback sees Mesa's schedule set right (its step event at the next time); an event
    it schedules fires at its time, seeing that step's opinions, and the run then goes on
    through Mesa's queue, ending as stepping through Mesa would."""
    model = SocialWebModel(RUN)
    seen, looked = [], {}

    def look():  # Mesa keeps a weak reference: a named function, alive for the run
        looked["x"] = model.population.x.copy()

    def progress(done, total):
        seen.append(mesa_state(model))
        if done == 3:
            model.schedule_event(look, at=5.5)

    model.run(8, progress=progress)
    assert seen[:3] == [(k, k, k, k + 1, 1) for k in (1, 2, 3)]
    assert seen[3] == (4, 4, 4, 5, 2)  # the user's event queued too
    np.testing.assert_array_equal(looked["x"], stepped_through_mesa(5).population.x)
    mesa_model = stepped_through_mesa(8)
    assert mesa_state(model) == mesa_state(mesa_model)
    np.testing.assert_array_equal(model.population.x, mesa_model.population.x)


@pytest.mark.parametrize("failing", [1, 3])
def test_a_step_that_fails_leaves_mesa_on_that_step_with_the_next_one_scheduled(failing):
    """Whether the run's first step fails or a later one: Mesa's clock and step count stand at
    that step, its next step is scheduled one time unit on, and stepping on runs one step."""
    model = SocialWebModel(RUN)
    real = model._measure

    def fail_once():
        if model.step_count == failing and not failed:
            failed.append(True)
            raise RuntimeError("boom")
        return real()

    failed = []
    model._measure = fail_once
    with pytest.raises(RuntimeError):
        model.run(6)
    assert mesa_state(model) == (failing, failing, failing - 1, failing + 1, 1)
    model.step()
    assert (model.time, model.steps) == (failing + 1, failing + 1)


def test_an_event_a_step_schedules_fires_on_time():
    """A user's reporter (run inside the step, at its collect) schedules an event at 3.5
    during step 2: it fires between steps 3 and 4, seeing step 3's opinions, and the run ends
    as stepping through Mesa does."""
    seen = {}

    def with_reporter() -> SocialWebModel:
        model = SocialWebModel(RUN)

        def look():  # Mesa keeps a weak reference: kept alive by the closure below
            seen.setdefault(id(model), model.population.x.copy())

        def reporter(m):
            if m.step_count == 2:
                m.schedule_event(look, at=3.5)
            return 0.0

        model.datacollector._new_model_reporter("user", reporter)
        model._keep = (look, reporter)
        return model

    model = with_reporter()
    model.run(6)
    mesa_model = with_reporter()
    for _ in range(6):
        mesa_model.step()
    assert len(seen) == 2
    np.testing.assert_array_equal(seen[id(model)], seen[id(mesa_model)])
    np.testing.assert_array_equal(seen[id(model)], stepped_through_mesa(3).population.x)
    assert mesa_state(model) == mesa_state(mesa_model)
    np.testing.assert_array_equal(model.population.x, mesa_model.population.x)


def test_a_step_patched_by_a_progress_callback_is_called_from_then_on():
    model = SocialWebModel(RUN)
    calls = []

    def progress(done, total):
        if done == 2:
            real = model.step

            def counted():
                calls.append(model.steps)
                real()

            model.step = counted

    model.run(5, progress=progress)
    assert calls == [2, 3, 4]  # steps 3, 4 and 5, each called with Mesa's count before it
    assert mesa_state(model) == mesa_state(stepped_through_mesa(5))
