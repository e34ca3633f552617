"""The keyed draws made inside the phases' compiled passes (from their hash states,
``Draws.state``; ``rng.in_kernels``) against the same draws asked for as arrays: a model whose
``Draws`` is a subclass (which the phases ask for arrays — ``uniform``, ``normal``, …, the
NumPy path of model/rng.py's hashing) must record the same run, bit for bit. Scenarios where
every such draw acts: posting with fractional institution posts and noise on two issues, the
feed's attention extras and sponsored posts (both parties), word of mouth, offline channels,
the contagion's disengagement, the citizens' movement."""

from __future__ import annotations

import numpy as np
import pytest

from model import SocialWebModel, load_scenario
from model.config.load import with_overrides
from model.rng import Draws, in_kernels

BASE = "scenarios/champion_driven.yaml"
VARIANTS = {
    "default": {},
    "everything": {
        "population.issues": 2,
        "parties.blue.position": [0.25, 0.1],
        "parties.red.position": [-0.25, 0.0],
        "parties.red.institution.posts_per_step": 2.5,
        "parties.red.institution.paid_reach": 0.05,
        "feed.attention": 1.5,
        "mobilization.disengagement": 0.3,
        "movement.founders_per_1000": 60.0,
        "movement.position": [0.5, -0.5],
    },
    "broadcast": {"era.name": "broadcast", "feed.attention": 0.5},
    "offline": {"scenario": "scenarios/offline_only.yaml"},
}


class ArrayDraws(Draws):
    """The same draws, which the phases ask for as arrays (a subclass: not ``in_kernels``)."""


def run(variant: str, arrays: bool) -> SocialWebModel:
    changes = dict(VARIANTS[variant])
    path = changes.pop("scenario", BASE)
    sc = with_overrides(load_scenario(path), {"population.citizens": 300, "steps": 12, **changes})
    model = SocialWebModel(sc, seed=5)
    if arrays:
        model.draws.__class__ = ArrayDraws
        assert not in_kernels(model.draws)
    else:
        assert in_kernels(model.draws)
    model.run()
    return model


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_draws_made_in_the_passes_are_the_arrays_draws(variant):
    kernels, arrays = run(variant, False), run(variant, True)
    a = kernels.datacollector.get_model_vars_dataframe()
    b = arrays.datacollector.get_model_vars_dataframe()
    assert a.to_numpy().tobytes() == b.to_numpy().tobytes()
    for name in ("x", "affinity", "engaged", "role", "motivation", "member"):
        got, want = getattr(kernels.population, name), getattr(arrays.population, name)
        assert got.tobytes() == want.tobytes(), name
    assert np.asarray(kernels.voice_totals).sum() > 0  # posts were read
