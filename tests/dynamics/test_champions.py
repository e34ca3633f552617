"""Champions: motivation (shared values, shared benefits, crowding out), burnout, recruitment,
budget, partnership. Each test fails if its mechanism is removed or inverted."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.plan import CHANNELS
from model.dynamics import champions
from model.dynamics.posting import make_posts
from model.population import CHAMPION, SOURCE_STAFF
from model.rng import Draws
from model.runner import run
from model.sim import SocialWebModel
from tests.conftest import per_1000, small


def blue(**champ) -> dict:
    return {
        "blue": {
            "position": 0.25,
            "institution": {"enabled": True},
            "staff": {"per_1000": per_1000(2, 300), "ties": 15},
            "champions": {"enabled": True, "initial_per_1000": per_1000(30, 300), **champ},
        },
        "red": {"position": -0.25, "institution": {"enabled": True}},
    }


def mean_motivation(model) -> float:
    pop = model.population
    return float(pop.motivation[pop.role == CHAMPION].mean())


def motivation_after(steps=10, seed=0, **champ) -> float:
    model = SocialWebModel(small(parties=blue(**champ)), seed=seed)
    for _ in range(steps):
        model.step()
    return mean_motivation(model)


def test_guidance_crowds_out_motivation_and_kappa_zero_removes_it():
    quiet = dict(shared_values=False, shared_benefits=False, burnout_threshold=0.0)
    low = motivation_after(guidance=0.1, crowding_out=0.5, **quiet)
    high = motivation_after(guidance=0.9, crowding_out=0.5, **quiet)
    assert high < low
    # knock-out: without crowding out, guidance leaves motivation alone
    low0 = motivation_after(guidance=0.1, crowding_out=0.0, **quiet)
    high0 = motivation_after(guidance=0.9, crowding_out=0.0, **quiet)
    assert high0 == pytest.approx(low0)


def test_shared_values_motivate_those_close_to_the_line():
    model = SocialWebModel(
        small(
            parties=blue(
                shared_benefits=False, crowding_out=0.0, burnout_threshold=0.0, motivation_rate=1.0
            )
        ),
        seed=1,
    )
    pop = model.population
    rows = np.flatnonzero(pop.role == CHAMPION)[:2]
    pop.x[rows[0]] = 0.25  # on the line
    pop.x[rows[1]] = -0.75  # distance 1
    champions.update_motivation(pop, model.parties, model.config)
    assert pop.motivation[rows[0]] == pytest.approx(1.0)
    assert pop.motivation[rows[1]] == pytest.approx(0.5)


def test_shared_benefits_poll_gains_raise_motivation_only_when_on():
    def after_gain(on: bool) -> float:
        model = SocialWebModel(
            small(parties=blue(shared_benefits=on, burnout_threshold=0.0)), seed=2
        )
        model.parties.vote_history[:] = [np.array([0.30, 0.3]), np.array([0.35, 0.3])]
        champions.update_motivation(model.population, model.parties, model.config)
        return mean_motivation(model)

    assert after_gain(True) > after_gain(False)


def test_burnout_below_threshold_and_none_without_it():
    high = run(
        small(
            parties=blue(
                guidance=0.9, crowding_out=1.0, shared_benefits=False, burnout_threshold=0.5
            )
        ),
        seed=3,
    ).summary["final"]
    assert high["burnouts"]["blue"] > 0
    none = run(
        small(
            parties=blue(
                guidance=0.9, crowding_out=1.0, shared_benefits=False, burnout_threshold=0.0
            )
        ),
        seed=3,
    ).summary["final"]
    assert none["burnouts"]["blue"] == 0


@pytest.mark.parametrize("mobilized", [False, True])
def test_burned_out_champion_is_an_ordinary_citizen_again(mobilized):
    """Quitting ends the role; engagement goes back only if the programme had mobilised them
    (``champions.mobilized``), else they keep their own (docstring of ``discharge``)."""
    model = SocialWebModel(small(parties=blue(burnout_threshold=0.99, mobilized=mobilized)), seed=4)
    rows = np.flatnonzero(model.population.role == CHAMPION)
    pop = model.population
    if not mobilized:
        pop.engaged[rows[::2]] = True  # some engaged on their own: they stay so
    engaged_before = pop.engaged.copy()
    burnouts = champions.update_motivation(pop, model.parties, model.config)
    assert burnouts[0] == rows.size
    quit_rows = rows[pop.role[rows] != CHAMPION]
    assert quit_rows.size > 0
    assert np.all(pop.party[quit_rows] == -1)
    if mobilized:
        assert not pop.engaged[quit_rows].any()
    else:
        np.testing.assert_array_equal(pop.engaged[quit_rows], engaged_before[quit_rows])
        assert pop.engaged[quit_rows].any()


def test_recruitment_needs_organizers_and_respects_caps():
    with_staff = run(small(parties=blue(initial_per_1000=0)), seed=5).summary["final"]
    assert with_staff["recruits"]["blue"] > 4  # so the cap below binds
    no_staff = blue(initial_per_1000=0)
    no_staff["blue"]["staff"]["per_1000"] = 0
    assert run(small(parties=no_staff), seed=5).summary["final"]["recruits"]["blue"] == 0
    cap = blue(initial_per_1000=0, max_per_1000=per_1000(4, 300))
    capped = run(small(parties=cap), seed=5).summary["final"]
    assert capped["active_champions"]["blue"] == 4


def test_recruits_qualify_near_the_line_and_engaged():
    model = SocialWebModel(small(parties=blue(initial_per_1000=0, recruit_distance=0.2)), seed=6)
    for _ in range(30):
        model.step()
    pop = model.population
    rows = np.flatnonzero(pop.role == CHAMPION)
    assert rows.size > 0
    recruited_x = pop.x[rows, 0]
    assert np.all(pop.recruited_at[rows] > 0)
    # they qualified when recruited; opinions move slowly, so most are still near the line
    assert np.mean(np.abs(recruited_x - 0.25) < 0.3) > 0.8


def budgeted(**budget) -> dict:
    """Blue with a budget of 200 per 1,000 citizens: among 300 citizens, 2/3 of it pays two
    organizers (133.3 per 1,000 at 20 each) and ``champions`` of it pays champions at 2 a day."""
    parties = blue(initial_per_1000=0, cost_per_step=2.0, burnout_threshold=0.0, min_engagement=0)
    del parties["blue"]["staff"]["per_1000"]
    parties["blue"]["staff"]["recruitment_rate"] = 1.0
    parties["blue"]["budget"] = {"per_1000": 200, "staff": 2 / 3, **budget}
    return parties


def test_budget_caps_the_programme_at_every_step():
    # champions get 0.2 of 200 per 1,000 = 12 a day among 300 citizens: room for 6 at 2 a day
    model = SocialWebModel(small(parties=budgeted(champions=0.2)), seed=7)
    assert model.plans[0].staff_count == 2 and model.plans[0].champion_cap == 6
    for _ in range(60):
        model.step()
        assert model.metrics[("cost", "blue", "")] <= 200 + 1e-9
        for channel in ("content", "paid_reach", "staff", "champions"):
            spent = model.metrics[("spend", "blue", channel)]
            assert spent <= model.metrics[("planned", "blue", channel)] + 1e-9
    assert model.metrics[("active_champions", "blue", "")] == 6
    # the same organizers without the budget's cap recruit more: the budget is what binds
    free = blue(initial_per_1000=0, cost_per_step=2.0, burnout_threshold=0.0, min_engagement=0)
    free["blue"]["staff"]["recruitment_rate"] = 1.0
    unbudgeted = SocialWebModel(small(parties=free), seed=7)
    for _ in range(60):
        unbudgeted.step()
    assert unbudgeted.metrics[("active_champions", "blue", "")] > 6


def test_underspend_is_what_the_plan_did_not_spend():
    # champions get 0.3 of 200 per 1,000: room for 9 at 2 a day among 300 citizens; two
    # organizers recruit at most two a day, so the programme's first days under-spend
    result = run(small(parties=budgeted(champions=0.3), steps=10), seed=7)
    final = result.summary["final"]
    planned, spent = final["planned_by_channel"]["blue"], final["spend_by_channel"]["blue"]
    assert planned["champions"] == pytest.approx(0.3 * 200 * 10)
    assert spent["champions"] < planned["champions"]
    assert spent["staff"] == pytest.approx(planned["staff"])
    assert final["underspend"]["blue"] == pytest.approx(sum(planned.values()) - sum(spent.values()))
    assert final["underspend"]["blue"] > 0


def test_partnership_moves_the_line_toward_champions_only_when_on():
    lines = {}
    for on in (False, True):
        model = SocialWebModel(small(parties=blue(partnership=on, partnership_rate=0.1)), seed=8)
        pop = model.population
        pop.x[pop.role == CHAMPION] = 0.9
        champions.drift_party_line(pop, model.parties, model.config)
        lines[on] = float(model.parties.line[0, 0])
        staff = model.parties.staff_rows[0]
        assert np.allclose(pop.x[staff, 0], lines[on])
    assert lines[False] == 0.25
    assert lines[True] == pytest.approx(0.25 + 0.1 * (0.9 - 0.25))


def test_recruits_keep_their_engagement_unless_the_programme_mobilizes_them():
    for on in (False, True):
        model = SocialWebModel(small(parties=blue(initial_per_1000=0, mobilized=on)), seed=11)
        pop = model.population
        rows = np.flatnonzero(pop.role == 0)[:5]
        pop.engaged[rows] = False
        champions.enlist(pop, rows, 0, model.config.parties["blue"], 1)
        assert pop.engaged[rows].all() == on and (on or not pop.engaged[rows].any())


def test_burned_out_champions_do_not_rejoin_unless_allowed():
    for rejoin in (False, True):
        parties = blue(initial_per_1000=0, rejoin=rejoin)
        parties["blue"]["staff"]["recruitment_rate"] = 1.0
        model = SocialWebModel(small(parties=parties), seed=12)
        pop = model.population
        pool = np.flatnonzero(model.reachable[0])
        pop.quit_party[pool] = 0  # everyone reachable once quit blue's programme
        pop.engaged[pool] = True
        recruits = champions.recruit(
            pop, model.parties, model.config, model.reachable, np.random.default_rng(0), 1
        )
        assert (recruits[0] > 0) == rejoin


def test_recruits_prefer_the_party_they_champion():
    model = SocialWebModel(small(parties=blue(initial_per_1000=0, recruit_distance=2.0)), seed=13)
    pop = model.population
    rows = np.arange(pop.citizens)
    ok = champions.qualifies(pop, model.parties, rows, 0, 2.0)
    x = pop.x[: pop.citizens, 0]
    assert np.all(np.abs(x[ok] - 0.25) <= np.abs(x[ok] + 0.25))
    assert not np.any(ok & (x < 0))  # nearer to red (-0.25) never qualifies for blue


def test_mobilized_champions_drive_engagement_only_when_switched_on():
    """At step 0 (founders enlisted, no contagion yet) the engaged share differs by exactly the
    founders who were not engaged already."""
    start = {}
    for on in (False, True):
        model = SocialWebModel(
            small(parties=blue(initial_per_1000=per_1000(40, 300), mobilized=on)), seed=14
        )
        start[on] = model.population.engaged[: model.population.citizens].copy()
    founders = np.flatnonzero(model.population.role == CHAMPION)
    assert start[True][founders].all()
    assert start[False].sum() < start[True].sum()
    np.testing.assert_array_equal(
        start[False] | np.isin(np.arange(start[False].size), founders), start[True]
    )


def _all_channels(citizens: int) -> dict:
    """Blue on a budget of 100 per 1,000 citizens: content 0.225 (1.5 posts at 15), paid reach
    0.1 (0.02 impressions per citizen at 0.5), staff 0.25 (1.25 organizers per 1,000 at 20),
    champions 0.2 (20 per 1,000 at 1), mass media 0.1 (0.02 contacts per citizen at 0.5),
    canvassing 0.05 (0.005 at 1). Among 400 citizens that is half an organizer, among 1,200 one
    and a half: a part-timer at both sizes."""
    parties = blue(initial_per_1000=0, burnout_threshold=0.0)
    del parties["blue"]["staff"]["per_1000"]
    parties["blue"]["budget"] = {
        "per_1000": 100,
        "content": 0.225,
        "paid_reach": 0.1,
        "staff": 0.25,
        "champions": 0.2,
        "mass_media": 0.1,
        "canvass": 0.05,
    }
    return parties


def test_every_channel_spends_its_share_per_1000_at_any_size():
    spent = {}
    for n in (400, 1200):
        model = SocialWebModel(
            small(parties=_all_channels(n), population={"citizens": n}, steps=20), seed=3
        )
        assert model.plans[0].part_time == pytest.approx(0.5)
        totals = np.zeros(len(CHANNELS))
        for _ in range(20):
            model.step()
            step = [model.metrics[("spend", "blue", c)] for c in CHANNELS]
            planned = [model.metrics[("planned", "blue", c)] for c in CHANNELS]
            assert np.all(np.array(step) <= np.array(planned) + 1e-9)
            assert sum(step) <= 100 + 1e-9
            totals += step
        spent[n] = totals / 20
    # per 1,000 citizens the content retainer (22.5) and the salaries (25) are the same at
    # both sizes, whatever the head count; so are the sponsored posts (8 and 24 shown a day,
    # all read: 10 per 1,000)
    for n in (400, 1200):
        assert spent[n][0] == pytest.approx(22.5)
        assert spent[n][1] == pytest.approx(10.0)
        assert spent[n][2] == pytest.approx(25.0)
        # mass media: 8 and 24 contacts a day at 0.5; canvassing 2 and 6 at 1: 10 and 5 per 1,000
        assert spent[n][CHANNELS.index("mass_media")] == pytest.approx(10.0)
        assert spent[n][CHANNELS.index("canvass")] == pytest.approx(5.0)


def test_a_part_time_organizer_posts_and_recruits_in_proportion():
    """Half an organizer (among 400 citizens) against a whole one: staff posts and successful
    recruitment tries at about half the rate (expected 0.4 vs 0.8 posts and 0.25 vs 0.5
    recruits a step; 200 steps, so ratios within 0.5 ± 0.15 are many standard errors wide)."""
    counts = {}
    for density in (1.25, 2.5):  # 0.5 and 1.0 organizers
        parties = blue(
            initial_per_1000=0,
            burnout_threshold=0.0,
            min_engagement=0.0,
            recruit_distance=2.0,
            max_per_1000=1000,
        )
        parties["blue"]["staff"] = {
            "per_1000": density,
            "ties": 300,
            "recruitment_rate": 0.5,
            "organizer_capacity": 1000,
        }
        sc = small(
            parties=parties,
            population={"citizens": 400},
            mobilization={"enabled": False},
            steps=200,
        )
        model = SocialWebModel(sc, seed=9)
        staff_posts = 0
        for t in range(1, 201):
            posts = make_posts(model.population, model.parties, sc, Draws(9), t)
            staff_posts += int(np.count_nonzero(posts.source_type == SOURCE_STAFF))
        for _ in range(200):
            model.step()
        counts[density] = (staff_posts, model.parties.recruits[0])
    half, whole = counts[1.25], counts[2.5]
    assert whole[0] > 100 and whole[1] > 50  # the mechanisms act
    assert 0.35 < half[0] / whole[0] < 0.65
    assert 0.35 < half[1] / whole[1] < 0.65
