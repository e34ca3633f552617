"""A randomized field experiment inside the model (scenario key ``trial``): the treated half
gets one off-platform contact, the control half none, and the run reports the average treatment
effects with Neyman intervals (SocialWebModel.trial_effects)."""

from __future__ import annotations

import numpy as np
import pytest

from model.config import ConfigError, scenario_from_dict
from model.runner import run
from model.sim import SocialWebModel


def quiet(**trial) -> dict:
    """Nobody posts, no peer process, no contagion: only the trial's contact moves anyone.
    Blue's line at 0.8; a canvass contact has trust 1; the social-judgment rule moves an accepted
    read half-way (rate 0.5)."""
    return {
        "steps": 3,
        "population": {"citizens": 400, "activity_mean": 0.0},
        "mobilization": {"enabled": False},
        "opinion": {"rate": 0.5},
        "parties": {"blue": {"position": 0.8, "canvass": {"trust": 1.0}}},
        "trial": {"party": "blue", "channel": "canvass", "share": 0.5, "step": 2} | trial,
    }


def test_the_treated_move_as_one_read_contact_and_the_control_group_not_at_all():
    """Citizen i treated on day 2 reads blue's line y = 0.8 once: x_i + 0.5·(0.8 - x_i) if
    |0.8 - x_i| < openness_i (accepted), else x_i unchanged (no backfire); control citizens keep
    their day-0 opinion exactly. Removing the contact, or contacting the control group, fails."""
    sc = scenario_from_dict(quiet())
    model = SocialWebModel(sc, seed=3, agents="parties")
    pop = model.population
    x0 = pop.x[:400, 0].copy()
    model.run()
    treated = model.treated
    accepted = np.abs(0.8 - x0) < pop.openness[:400]
    want = np.where(accepted, x0 + 0.5 * (0.8 - x0), x0)
    np.testing.assert_allclose(pop.x[:400, 0][treated], want[treated], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(pop.x[:400, 0][~treated], x0[~treated])
    assert accepted[treated].sum() > 50  # the contact acted on many of them


def test_effects_are_differences_of_group_means_with_neyman_intervals():
    """The reported ATE on opinion is mean(treated) - mean(control) of the final opinions, its SE
    sqrt(s1²/n1 + s0²/n0), the interval ±1.96 SE (computed here from the population)."""
    result = run(scenario_from_dict(quiet()), seed=5)
    trial = result.summary["final"]["trial"]
    model = SocialWebModel(scenario_from_dict(quiet()), seed=5, agents="parties")
    model.run()
    x, t = model.population.x[:400, 0], model.treated
    ate = x[t].mean() - x[~t].mean()
    se = np.sqrt(x[t].var(ddof=1) / t.sum() + x[~t].var(ddof=1) / (~t).sum())
    assert trial["opinion"]["ate"] == pytest.approx(ate, abs=1e-12)
    assert trial["opinion"]["se"] == pytest.approx(se, abs=1e-12)
    assert trial["opinion"]["ci95"] == pytest.approx([ate - 1.96 * se, ate + 1.96 * se])
    assert (trial["treated"], trial["control"]) == (200, 200)


def test_assignment_is_exact_keyed_and_the_same_whatever_the_strategy():
    """Exactly ⌊0.3·400⌋ = 120 treated; the same citizens in a scenario where blue also runs an
    account (assignment keyed by seed and party, as paired comparisons need); another seed
    treats others."""
    plain = SocialWebModel(scenario_from_dict(quiet(share=0.3)), seed=1, agents="parties")
    data = quiet(share=0.3)
    data["parties"]["blue"]["institution"] = {"enabled": True}
    loud = SocialWebModel(scenario_from_dict(data), seed=1, agents="parties")
    other = SocialWebModel(scenario_from_dict(quiet(share=0.3)), seed=2, agents="parties")
    assert plain.treated.sum() == 120
    np.testing.assert_array_equal(plain.treated, loud.treated)
    assert not np.array_equal(plain.treated, other.treated)


@pytest.mark.parametrize(
    ("trial", "problem"),
    [
        ({"party": "green"}, "trial.party: expected a party of this scenario (blue)"),
        ({"step": 9}, "trial.step: expected a day of the run (at most steps = 3), got 9"),
        ({"channel": "mail"}, "trial.channel: expected one of canvass, mass_media"),
    ],
)
def test_bad_trials_are_refused_by_key(trial, problem):
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(quiet(**trial))
    assert any(problem in p for p in info.value.problems), info.value.problems


def test_a_trial_needs_two_citizens_in_each_group():
    """⌊0.01·400⌋ = 4 treated is a trial; ⌊0.99·100⌋ = 99 leaves one control citizen, whose
    variance (and so the interval) is undefined: refused."""
    assert scenario_from_dict(quiet(share=0.01)).trial.share == 0.01
    with pytest.raises(ConfigError, match=r"trial.share: expected at least 2 treated and 2"):
        scenario_from_dict(quiet(share=0.99) | {"population": {"citizens": 100}})
