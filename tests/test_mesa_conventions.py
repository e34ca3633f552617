"""Mesa's conventions (issue 12): ``running`` turns False after election day, so ``batch_run``
and the app stop there; ``seed=None`` (what ``batch_run`` passes) means fresh entropy, recorded."""

from __future__ import annotations

import warnings

import mesa
import numpy as np
import pandas as pd

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
