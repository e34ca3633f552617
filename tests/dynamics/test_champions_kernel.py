"""The champions phase's compiled kernels (model/dynamics/champions.py): the motivation sweep
(motivation, burnout, the champions each party keeps), the recruit pool and the step's books
(spend per channel, running totals, counts of burnouts and recruits).

Each is checked compiled and as its plain-Python twin, bit for bit, against the NumPy
statement of the rules written out here (the code the kernels replaced: docs/MODEL.md step 4
and "Budgets"), on random populations where every branch acts, and on small hand-worked
cases; recruitment is also checked to draw the same numbers from the stream, in the same
order, as the NumPy recruitment."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model.config.load import scenario_from_dict
from model.config.plan import CHANNELS
from model.dynamics import champions
from model.jit import twin
from model.population import CHAMPION, CITIZEN, NEVER, STAFF, Population, distance_to
from tests.hand_draws import hand_population

BOTH = pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "twin"])
NAMES = ("green", "blue", "red")

# ---------------------------------------------------------------- the NumPy oracles


def oracle_motivation(pop: Population, line: np.ndarray, specs: list, history: list) -> np.ndarray:
    """docs/MODEL.md step 4 in NumPy, party by party: move toward the target, clip to [0, 1],
    discharge those below the burnout threshold. Returns burnouts per party."""
    burnouts = np.zeros(len(specs), dtype=np.int64)
    for k, ch in enumerate(specs):
        rows = np.flatnonzero((pop.role == CHAMPION) & (pop.party == k))
        if rows.size == 0:
            continue
        if ch.shared_values:
            target = 1.0 - distance_to(pop.x[rows], line[k]) / 2.0
        else:
            target = np.full(rows.size, ch.baseline_motivation)
        if ch.shared_benefits and len(history) > 1:
            past = history[max(0, len(history) - 1 - ch.benefit_window)][k]
            target = target + ch.benefit_gain * (history[-1][k] - past)
        target = target - ch.crowding_out * pop.guidance[rows]
        m = pop.motivation[rows]
        pop.motivation[rows] = np.clip(m + ch.motivation_rate * (target - m), 0.0, 1.0)
        out = rows[pop.motivation[rows] < ch.burnout_threshold]
        pop.quit_party[out] = pop.party[out]
        pop.role[out] = CITIZEN
        pop.party[out] = -1
        pop.guidance[out] = 0.0
        pop.motivation[out] = 0.0
        if ch.mobilized:
            pop.engaged[out] = False
        pop.recruited_at[out] = NEVER
        burnouts[k] = out.size
    return burnouts


def oracle_pool(pop, line, k, reachable, *, floor, co_opt, rejoin, distance) -> np.ndarray:
    """The recruit pool in NumPy: reachable ordinary citizens (or, co-opting, members) engaged
    enough, not burned out of this programme (unless rejoin), within the distance of the line
    and no nearer another."""
    n_c = pop.citizens
    engagement = np.where(pop.engaged, 1.0, pop.engagement_base)[:n_c]
    ok = reachable & (pop.role[:n_c] == CITIZEN) & (engagement >= floor)
    if co_opt:
        ok |= pop.member[:n_c] & (engagement >= floor)
    else:
        ok &= ~pop.member[:n_c]
    if not rejoin:
        ok &= pop.quit_party[:n_c] != k
    pool = np.flatnonzero(ok)
    own = distance_to(pop.x[pool], line[k])
    near = own < distance
    for j in range(line.shape[0]):
        if j != k:
            near &= own <= distance_to(pop.x[pool], line[j])
    return pool[near]


def oracle_recruit(pop, parties, scenario, reachable, rng, step) -> np.ndarray:
    """Recruitment as the NumPy phase did it: per party, the organizers' tries (binomial, then
    the part-timer's), the pool if there is room and a try, the recruits drawn from it."""
    recruits = np.zeros(len(parties.names), dtype=np.int64)
    for k, spec in enumerate(scenario.parties.values()):
        ch, plan = spec.champions, parties.plans[k]
        if not ch.enabled or plan.staff_count == 0:
            continue
        room = plan.champion_cap - int(np.count_nonzero((pop.role == CHAMPION) & (pop.party == k)))
        rate = spec.staff.recruitment_rate
        tries = rng.binomial(plan.staff_count - (plan.part_time < 1.0), rate)
        if plan.part_time < 1.0:
            tries += rng.binomial(1, rate * plan.part_time)
        if room <= 0 or tries == 0:
            continue
        pool = oracle_pool(
            pop,
            parties.line,
            k,
            reachable[k],
            floor=ch.min_engagement,
            co_opt=spec.movement.response == "co_opt",
            rejoin=ch.rejoin,
            distance=ch.recruit_distance,
        )
        count = min(room, tries, pool.size)
        if count:
            rows = np.sort(rng.choice(pool, count, replace=False))
            champions.enlist(pop, rows, k, spec, step)
            recruits[k] = count
    return recruits


def oracle_costs(specs, plans, citizens, paid, contacts, active, planned, totals):
    """The step's spend per party and channel as the phase wrote it, party by party, and the
    running totals (spend, planned, cumulative cost as spend.sum(axis=1))."""
    scale = citizens / 1000.0
    spend = np.zeros((len(specs), len(CHANNELS)))
    for k, (spec, pl) in enumerate(zip(specs, plans, strict=True)):
        inst = spec.institution
        spend[k] = (
            pl.posts_per_step * inst.cost_per_post if inst.enabled else 0.0,
            paid[k] * inst.cost_per_paid_impression / scale,
            pl.staff_time * spec.staff.salary_per_step / scale,
            active[k] * spec.champions.cost_per_step * pl.organizing_cost / scale,
            contacts[k, 0] * spec.mass_media.cost_per_contact / scale,
            contacts[k, 1] * spec.canvass.cost_per_contact / scale,
        )
    spend_total, planned_total, cumulative = totals
    cumulative += spend.sum(axis=1)
    spend_total += spend
    planned_total += planned
    return spend


# ---------------------------------------------------------------- inputs


def scenario(issues=1, **party_extra):
    """Three parties (green, blue, red) on lines -0.8, 0.25, -0.25 on every issue."""
    return scenario_from_dict(
        {
            "name": "kernel",
            "steps": 10,
            "population": {"citizens": 5, "issues": issues},
            "network": {"mean_degree": 2},
            "parties": {
                name: {"position": [line] * issues, **party_extra.get(name, {})}
                for name, line in zip(NAMES, (-0.8, 0.25, -0.25), strict=True)
            },
        }
    )


def random_people(seed: int, n: int, issues: int, parties: int = 3) -> Population:
    """Citizens, champions of every party (and a few of no party in range: none), staff; some
    engaged, some members, some who quit a programme before."""
    rng = np.random.default_rng(seed)
    role = rng.choice([CITIZEN, CHAMPION, STAFF], n, p=[0.5, 0.4, 0.1]).astype(np.int8)
    party = np.where(role == CITIZEN, -1, rng.integers(0, parties, n)).astype(np.int16)
    member = (role == CITIZEN) & (rng.random(n) < 0.2)
    return hand_population(
        rng.uniform(-1, 1, (n, issues)),
        parties=parties,
        citizens=int(np.count_nonzero(role != STAFF)),
        engagement_base=rng.uniform(0, 1, n),
        engaged=rng.random(n) < 0.3,
        role=role,
        party=party,
        guidance=rng.uniform(0, 1, n),
        motivation=rng.uniform(0, 1, n),
        recruited_at=rng.integers(0, 9, n),
        quit_party=np.where(rng.random(n) < 0.2, rng.integers(0, parties, n), -1),
        member=member,
    )


def same_state(a: Population, b: Population) -> None:
    for name in (
        "x",
        "role",
        "party",
        "guidance",
        "motivation",
        "engaged",
        "quit_party",
        "recruited_at",
        "member",
    ):
        got, want = getattr(a, name), getattr(b, name)
        assert got.dtype == want.dtype, name
        assert got.tobytes() == want.tobytes(), name  # bit for bit (-0.0, NaN included)


def copy_of(pop: Population) -> Population:
    return Population(
        **{
            name: value.copy() if isinstance(value, np.ndarray) else value
            for name, value in vars(pop).items()
        }
    )


def party_lines(issues: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-0.6, 0.6, (3, issues))


def parties_for(line, history=()):
    return SimpleNamespace(
        names=list(NAMES),
        line=line,
        vote_history=[np.asarray(h, float) for h in history],
        staff_rows=[np.zeros(0, np.int64)] * 3,
    )


# ---------------------------------------------------------------- the distance


@pytest.mark.parametrize("issues", range(1, 21))
def test_the_kernels_distance_is_numpys_to_the_bit(issues):
    """distance_to sums the squared gaps in NumPy's order (one by one below 8 issues, eight
    running sums from 8): the helper gives the same bits, compiled and in plain Python, for
    any number of issues the schema allows (10) and beyond."""
    rng = np.random.default_rng(issues)
    x = rng.uniform(-1, 1, (400, issues)) * rng.choice([1e-3, 1.0, 7.0], (400, 1))
    line = rng.uniform(-1, 1, (3, issues))
    want = np.stack([distance_to(x, line[k]) for k in range(3)], axis=1)

    def distances(x, line, out):  # pragma: no cover - compiled, and run as Python below
        for i in range(x.shape[0]):
            for k in range(line.shape[0]):
                out[i, k] = champions.rms_distance(x, i, line, k)

    for compiled in (True, False):
        got = np.empty_like(want)
        twin(distances, use_compiled=compiled)(x, line, got)
        assert got.tobytes() == want.tobytes()
    if issues >= 8:  # where NumPy's order matters: summed one by one, some differ
        gaps = (x[:, None, :] - line[None, :, :]) ** 2
        one_by_one = np.sqrt(np.array([[sum(g) for g in row] for row in gaps]) / issues)
        assert one_by_one.tobytes() != want.tobytes()


# ---------------------------------------------------------------- motivation


def champion_settings(seed: int) -> dict:
    """Each party's champion settings, drawn so that every branch acts somewhere."""
    rng = np.random.default_rng(seed)
    out = {}
    for name in NAMES:
        out[name] = {
            "champions": {
                "shared_values": bool(rng.random() < 0.5),
                "baseline_motivation": float(rng.uniform(0, 1)),
                "shared_benefits": bool(rng.random() < 0.7),
                "benefit_gain": float(rng.uniform(0, 10)),
                "benefit_window": int(rng.integers(1, 6)),
                "crowding_out": float(rng.uniform(0, 1)),
                "motivation_rate": float(rng.uniform(0, 1)),
                "burnout_threshold": float(rng.uniform(0.1, 0.6)),
                "mobilized": bool(rng.random() < 0.5),
            }
        }
    return out


@BOTH
@pytest.mark.parametrize("issues", [1, 2, 3, 9])
@pytest.mark.parametrize("seed", range(6))
def test_the_motivation_sweep_equals_the_numpy_rules(compiled, issues, seed):
    """Random champions of three parties with random settings, a poll history (with and
    without gains): motivation, burnouts and what a burnout resets, bit for bit; the counts
    are the burnouts and the champions each party keeps (as counted afterwards)."""
    sc = scenario(issues, **champion_settings(seed))
    specs = [p.champions for p in sc.parties.values()]
    line = party_lines(issues, seed)
    rng = np.random.default_rng(100 + seed)
    for history in ([], [rng.uniform(0, 0.5, 3)], list(rng.uniform(0, 0.5, (8, 3)))):
        pop = random_people(seed, 500, issues)
        want = copy_of(pop)
        burnouts_wanted = oracle_motivation(want, line, specs, history)
        burnouts, active = champions.motivate(
            pop, parties_for(line, history), sc, use_compiled=compiled
        )
        same_state(pop, want)
        np.testing.assert_array_equal(burnouts, burnouts_wanted)
        kept = [np.count_nonzero((want.role == CHAMPION) & (want.party == k)) for k in range(3)]
        np.testing.assert_array_equal(active, kept)
        assert burnouts.sum() > 0 and (pop.role != want.role).sum() == 0


@BOTH
def test_motivation_by_hand(compiled):
    """Blue (line 0.25): shared values, gain 2 over a window of 1, crowding out 0.5, rate
    0.5, threshold 0.3, mobilised. Red (line -0.25): baseline 0.6, no gains, no crowding out,
    rate 1, threshold 0.7. Votes (green, blue, red): (0, 0.3, 0.5) then (0, 0.4, 0.2).
      row 0 blue, x 0.25, g 0.2, m 0.5: target 1 + 2·0.1 - 0.1 = 1.1, m 0.8
      row 1 blue, x -0.75, g 0, m 0.2: target 0.5 + 0.2 = 0.7, m 0.45
      row 2 blue, x -0.75, g 1, m 0: target 0.2, m 0.1 < 0.3: quits (engaged no more)
      row 3 red, g 0.9, m 0.4: target 0.6 (its vote fell: no gains), m 0.6 < 0.7: quits
      row 4 red, m 1: m 0.6 < 0.7: quits, keeps its engagement (red does not mobilise)
      row 5 a citizen, row 6 blue's staff: untouched."""
    sc = scenario(
        blue={
            "champions": {
                "shared_values": True,
                "shared_benefits": True,
                "benefit_gain": 2.0,
                "benefit_window": 1,
                "crowding_out": 0.5,
                "motivation_rate": 0.5,
                "burnout_threshold": 0.3,
                "mobilized": True,
            }
        },
        red={
            "champions": {
                "shared_values": False,
                "baseline_motivation": 0.6,
                "shared_benefits": False,
                "benefit_gain": 2.0,
                "crowding_out": 0.0,
                "motivation_rate": 1.0,
                "burnout_threshold": 0.7,
            }
        },
    )
    pop = hand_population(
        [0.25, -0.75, -0.75, 0.0, 0.0, 0.0, 0.25],
        parties=3,
        role=[CHAMPION] * 5 + [CITIZEN, STAFF],
        party=[1, 1, 1, 2, 2, -1, 1],
        guidance=[0.2, 0.0, 1.0, 0.9, 0.0, 0.5, 0.0],
        motivation=[0.5, 0.2, 0.0, 0.4, 1.0, 0.1, 0.0],
        engaged=[True] * 7,
        recruited_at=[3] * 7,
    )
    line = np.array([[-0.8], [0.25], [-0.25]])
    burnouts, active = champions.motivate(
        pop, parties_for(line, [[0, 0.3, 0.5], [0, 0.4, 0.2]]), sc, use_compiled=compiled
    )
    assert burnouts.tolist() == [0, 1, 2]
    assert active.tolist() == [0, 2, 0]
    assert pop.motivation == pytest.approx([0.8, 0.45, 0.0, 0.0, 0.0, 0.1, 0.0])
    assert pop.role.tolist() == [CHAMPION, CHAMPION] + [CITIZEN] * 4 + [STAFF]
    assert pop.party.tolist() == [1, 1, -1, -1, -1, -1, 1]
    assert pop.quit_party.tolist() == [-1, -1, 1, 2, 2, -1, -1]
    assert pop.guidance.tolist() == [0.2, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0]
    assert pop.engaged.tolist() == [True, True, False, True, True, True, True]
    assert pop.recruited_at.tolist() == [3, 3, NEVER, NEVER, NEVER, 3, 3]


@BOTH
def test_motivation_is_clipped_as_numpy_clips_it(compiled):
    """np.clip lets -0.0 and NaN through: a champion at -0.0 pulled down by a rate of 0 stays
    at -0.0 (not a burnout at threshold 0), one with a NaN opinion stays at NaN; above 1 is
    1."""
    sc = scenario(
        blue={
            "champions": {
                "shared_values": False,
                "baseline_motivation": 0.0,
                "shared_benefits": False,
                "crowding_out": 1.0,
                "motivation_rate": 0.0,
                "burnout_threshold": 0.0,
            }
        },
        red={
            "champions": {
                "shared_values": True,
                "shared_benefits": False,
                "crowding_out": 0.0,
                "motivation_rate": 1.0,
                "burnout_threshold": 0.0,
            }
        },
        green={
            "champions": {
                "shared_values": False,
                "baseline_motivation": 1.0,
                "shared_benefits": True,
                "benefit_gain": 10.0,
                "benefit_window": 1,
                "crowding_out": 1.0,
                "motivation_rate": 1.0,
                "burnout_threshold": 0.0,
            }
        },
    )
    x = [0.0, np.nan, 0.0, 0.0]
    pop = hand_population(
        x,
        parties=3,
        role=[CHAMPION] * 4,
        party=[1, 2, 0, 0],
        guidance=[0.5, 0.0, 0.0, 1.0],
        motivation=[-0.0, 0.5, 0.5, 0.5],
    )
    want = copy_of(pop)
    specs = [p.champions for p in sc.parties.values()]
    line = np.array([[-0.8], [0.25], [-0.25]])
    history = [[0.0, 0.3, 0.5], [0.2, 0.4, 0.2]]  # green gains 10·0.2 = 2; 3 - 1 = 2 → 1
    oracle_motivation(want, line, specs, [np.asarray(h) for h in history])
    champions.motivate(pop, parties_for(line, history), sc, use_compiled=compiled)
    assert np.signbit(pop.motivation[0]) and pop.motivation[0] == 0.0
    assert np.isnan(pop.motivation[1])
    assert pop.motivation[2:].tolist() == [1.0, 1.0]
    same_state(pop, want)
    assert pop.role.tolist() == [CHAMPION] * 4


def test_the_gains_of_one_step_are_not_kept_for_the_next():
    """The settings are built once per scenario and this step's poll gains added to a copy:
    a step without a history after one with gains moves toward the plain target, and two
    scenarios asked for in turn each get their own settings."""
    gains = {
        "champions": {
            "shared_values": False,
            "baseline_motivation": 0.5,
            "shared_benefits": True,
            "benefit_gain": 1.0,
            "benefit_window": 1,
            "crowding_out": 0.0,
            "motivation_rate": 1.0,
            "burnout_threshold": 0.0,
        }
    }
    sc = scenario(blue=gains)
    other = scenario(blue={"champions": {**gains["champions"], "baseline_motivation": 0.25}})
    line = np.array([[-0.8], [0.25], [-0.25]])

    def after(scen, history):
        pop = hand_population([0.0], parties=3, role=[CHAMPION], party=[1], motivation=[0.0])
        champions.motivate(pop, parties_for(line, history), scen)
        return float(pop.motivation[0])

    assert after(sc, [[0, 0.1, 0], [0, 0.3, 0]]) == pytest.approx(0.7)
    assert after(sc, []) == 0.5
    assert after(other, []) == 0.25
    assert after(sc, []) == 0.5
    assert after(other, [[0, 0.1, 0], [0, 0.3, 0]]) == pytest.approx(0.45)


# ---------------------------------------------------------------- the recruit pool


@BOTH
@pytest.mark.parametrize("issues", [1, 2, 9])
@pytest.mark.parametrize("seed", range(4))
def test_the_recruit_pool_equals_the_numpy_rules(compiled, issues, seed):
    """Every combination of co-opting and rejoining, a few engagement floors and distances:
    the same rows, in the same order."""
    pop = random_people(seed, 600, issues)
    line = party_lines(issues, seed)
    rng = np.random.default_rng(seed)
    reachable = rng.random(pop.citizens) < 0.6
    sizes = []
    for k in range(3):
        for co_opt in (False, True):
            for rejoin in (False, True):
                for floor, distance in ((0.0, 2.0), (0.4, 0.5), (0.9, 0.3)):
                    want = oracle_pool(
                        pop,
                        line,
                        k,
                        reachable,
                        floor=floor,
                        co_opt=co_opt,
                        rejoin=rejoin,
                        distance=distance,
                    )
                    pool = np.full(pop.citizens, -7, dtype=np.int64)
                    size = twin(champions.recruit_pool_sweep, use_compiled=compiled)(
                        reachable,
                        pop.role,
                        pop.engaged,
                        pop.engagement_base,
                        pop.member,
                        pop.quit_party,
                        pop.x,
                        line,
                        k,
                        floor,
                        co_opt,
                        rejoin,
                        distance,
                        pool,
                    )
                    assert pool[:size].tolist() == want.tolist()
                    assert (pool[size:] == -7).all()
                    sizes.append(size)
    assert min(sizes) < max(sizes) and max(sizes) > 0


@BOTH
def test_the_recruit_pool_by_hand(compiled):
    """Blue (line 0.25, k 1), distance 0.5, engagement floor 0.5; green -0.8, red -0.25.
    row 0  x 0.0, 0.25 from blue and from red: a tie qualifies                    in
    row 1  x 0.75, exactly 0.5 from blue: not within                             out
    row 2  x -0.3, nearer red                                                    out
    row 3  x 0.5, engagement 0.4 (below the floor) but engaged (so 1)            in
    row 4  x 0.5, engagement 0.4, not engaged                                    out
    row 5  x 0.5, not reachable, a member: in only when blue co-opts             in/out
    row 6  x 0.5, reachable member: out unless blue co-opts                      out/in
    row 7  x 0.5, quit blue's programme: in only with rejoin                     out/in
    row 8  x 0.5, quit red's programme                                           in
    row 9  x 0.5, a champion already                                             out
    row 10 blue's staff member (not a citizen: never looked at)"""
    pop = hand_population(
        [0.0, 0.75, -0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25],
        parties=3,
        role=[CITIZEN] * 9 + [CHAMPION, STAFF],
        party=[-1] * 9 + [0, 1],
        engagement_base=[0.5, 0.5, 0.5, 0.4, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0],
        engaged=[False, False, False, True] + [False] * 7,
        member=[False] * 5 + [True, True] + [False] * 4,
        quit_party=[-1] * 7 + [1, 2, -1, -1],
    )
    assert pop.citizens == 10
    reachable = np.array([True] * 5 + [False] + [True] * 4)
    line = np.array([[-0.8], [0.25], [-0.25]])

    def pool(co_opt, rejoin):
        out = np.empty(10, dtype=np.int64)
        size = twin(champions.recruit_pool_sweep, use_compiled=compiled)(
            reachable,
            pop.role,
            pop.engaged,
            pop.engagement_base,
            pop.member,
            pop.quit_party,
            pop.x,
            line,
            1,
            0.5,
            co_opt,
            rejoin,
            0.5,
            out,
        )
        return out[:size].tolist()

    assert pool(False, False) == [0, 3, 8]
    assert pool(True, False) == [0, 3, 5, 6, 8]
    assert pool(False, True) == [0, 3, 7, 8]
    assert pool(True, True) == [0, 3, 5, 6, 7, 8]


# ---------------------------------------------------------------- recruitment


def recruiting_world(seed: int, issues: int):
    """Three parties with organizers (green's part-timer at 0.4 of full time), blue co-opting
    the movement, red letting quitters rejoin; caps that bind for some."""
    rng = np.random.default_rng(seed)
    sc = scenario(
        issues,
        green={
            "staff": {"recruitment_rate": 0.6},
            "champions": {"enabled": True, "min_engagement": 0.3, "recruit_distance": 0.8},
        },
        blue={
            "staff": {"recruitment_rate": 0.5},
            "movement": {"response": "co_opt"},
            "champions": {
                "enabled": True,
                "min_engagement": 0.2,
                "recruit_distance": 1.0,
                "mobilized": True,
            },
        },
        red={
            "staff": {"recruitment_rate": 0.7},
            "champions": {
                "enabled": True,
                "min_engagement": 0.1,
                "recruit_distance": 0.6,
                "rejoin": True,
            },
        },
    )
    pop = random_people(seed, 400, issues)
    have = [int(np.count_nonzero((pop.role == CHAMPION) & (pop.party == k))) for k in range(3)]
    parties = parties_for(party_lines(issues, seed))
    parties.plans = [
        SimpleNamespace(staff_count=3, part_time=0.4, champion_cap=have[0] + 4),
        SimpleNamespace(staff_count=5, part_time=1.0, champion_cap=have[1] + int(seed % 2)),
        SimpleNamespace(staff_count=4, part_time=1.0, champion_cap=have[2] + 30),
    ]
    reachable = [rng.random(pop.citizens) < 0.5 for _ in range(3)]
    return sc, pop, parties, reachable


@BOTH
@pytest.mark.parametrize("issues", [1, 2])
@pytest.mark.parametrize("seed", range(6))
def test_recruitment_draws_the_same_numbers_and_recruits_the_same_people(compiled, issues, seed):
    """Several steps of recruitment: the same recruits, the same population, the stream left
    in the same state as the NumPy recruitment — with the champions counted here or given (then
    kept up to date: the counts afterwards)."""
    sc, pop, parties, reachable = recruiting_world(seed, issues)
    want = copy_of(pop)
    rng_want = np.random.default_rng(seed)
    rng = np.random.default_rng(seed)
    total = 0
    for step in range(1, 6):
        expected = oracle_recruit(want, parties, sc, reachable, rng_want, step)
        if step % 2:
            got = champions.recruit(pop, parties, sc, reachable, rng, step, use_compiled=compiled)
        else:
            active = np.array(
                [np.count_nonzero((pop.role == CHAMPION) & (pop.party == k)) for k in range(3)]
            )
            got = champions.recruit(
                pop, parties, sc, reachable, rng, step, active=active, use_compiled=compiled
            )
            now = [np.count_nonzero((pop.role == CHAMPION) & (pop.party == k)) for k in range(3)]
            assert active.tolist() == now
        np.testing.assert_array_equal(got, expected)
        same_state(pop, want)
        assert rng.bit_generator.state == rng_want.bit_generator.state
        total += int(got.sum())
    assert total > 0


def test_a_co_opted_member_who_champions_another_party_moves_its_count():
    """Not seen in a run (the movement's members are ordinary citizens) but allowed by the
    rule: blue co-opts a member who champions green; green then has one champion fewer, blue
    one more, in the counts kept for the rest of the step."""
    sc = scenario(
        blue={
            "staff": {"recruitment_rate": 1.0},
            "movement": {"response": "co_opt"},
            "champions": {"enabled": True, "min_engagement": 0.0, "recruit_distance": 0.5},
        },
    )
    pop = hand_population(
        [0.25, -0.8],
        parties=3,
        role=[CHAMPION, CHAMPION],
        party=[0, 0],
        member=[True, False],
    )
    parties = parties_for(np.array([[-0.8], [0.25], [-0.25]]))
    parties.plans = [
        SimpleNamespace(staff_count=0, part_time=1.0, champion_cap=5),
        SimpleNamespace(staff_count=1, part_time=1.0, champion_cap=5),
        SimpleNamespace(staff_count=0, part_time=1.0, champion_cap=5),
    ]
    active = np.array([2, 0, 0])
    got = champions.recruit(
        pop, parties, sc, [np.array([False, False])] * 3, np.random.default_rng(1), 4, active=active
    )
    assert got.tolist() == [0, 1, 0]
    assert pop.party.tolist() == [1, 0]
    assert active.tolist() == [1, 1, 0]


# ---------------------------------------------------------------- the books


@BOTH
@pytest.mark.parametrize("paid_type", [np.int64, np.float64])
@pytest.mark.parametrize("seed", range(5))
def test_the_books_equal_the_numpy_bookkeeping(compiled, paid_type, seed):
    """Random prices, plans and deliveries for one to three parties (an institution on or
    off): the step's spend and the running totals, bit for bit, and the running counts of
    burnouts and recruits, over a few steps."""
    rng = np.random.default_rng(seed)
    count = 1 + seed % 3
    settings = {
        name: {
            "institution": {
                "enabled": bool(rng.random() < 0.7),
                "cost_per_post": float(rng.uniform(0, 3)),
                "cost_per_paid_impression": float(rng.uniform(0, 0.1)),
            },
            "staff": {"salary_per_step": float(rng.uniform(0, 5))},
            "champions": {"cost_per_step": float(rng.uniform(0, 2))},
            "mass_media": {"cost_per_contact": float(rng.uniform(0, 0.05))},
            "canvass": {"cost_per_contact": float(rng.uniform(0, 0.5))},
        }
        for name in NAMES[:count]
    }
    sc = scenario_from_dict(
        {
            "name": "costs",
            "steps": 10,
            "population": {"citizens": 5},
            "network": {"mean_degree": 2},
            "parties": {
                name: {"position": [0.1 * k], **settings[name]}
                for k, name in enumerate(NAMES[:count])
            },
        }
    )
    specs = list(sc.parties.values())
    plans = [
        SimpleNamespace(
            posts_per_step=float(rng.uniform(0, 9)),
            staff_time=float(rng.uniform(0, 12)),
            organizing_cost=float(rng.choice([1.0, 2.5, 0.7])),
        )
        for _ in specs
    ]
    parties = SimpleNamespace(
        plans=plans,
        cumulative_cost=rng.uniform(0, 50, count),
        burnouts=rng.integers(0, 9, count),
        recruits=rng.integers(0, 9, count),
    )
    burnouts_total, recruits_total = parties.burnouts.copy(), parties.recruits.copy()
    citizens = int(rng.integers(300, 5000))
    planned = rng.uniform(0, 20, (count, len(CHANNELS)))
    spend = np.full((count, 6), np.nan)
    spend_total, planned_total = rng.uniform(0, 99, (2, count, 6))
    want_totals = (spend_total.copy(), planned_total.copy(), parties.cumulative_cost.copy())
    for _ in range(4):
        paid = rng.integers(0, 90, count).astype(paid_type)
        contacts = rng.integers(0, 400, (count, 2)).astype(float)
        active = rng.integers(0, 120, count)
        burnouts = rng.integers(0, 3, count) * (rng.random(count) < 0.5)
        recruits = rng.integers(0, 3, count) * (rng.random(count) < 0.5)
        want = oracle_costs(specs, plans, citizens, paid, contacts, active, planned, want_totals)
        changed = champions.keep_books(
            parties,
            sc,
            citizens,
            paid=paid,
            contacts=contacts,
            active=active,
            burnouts=burnouts,
            recruits=recruits,
            planned=planned,
            spend=spend,
            spend_total=spend_total,
            planned_total=planned_total,
            use_compiled=compiled,
        )
        burnouts_total += burnouts
        recruits_total += recruits
        assert changed == burnouts.sum() + recruits.sum()
        assert parties.burnouts.tolist() == burnouts_total.tolist()
        assert parties.recruits.tolist() == recruits_total.tolist()
        assert spend.tobytes() == want.tobytes()
        assert spend_total.tobytes() == want_totals[0].tobytes()
        assert planned_total.tobytes() == want_totals[1].tobytes()
        assert parties.cumulative_cost.tobytes() == want_totals[2].tobytes()


@BOTH
def test_the_books_by_hand(compiled):
    """2,000 citizens (scale 2). Blue: 4 posts at 0.5 (2), 10 paid impressions at 0.2 (1),
    3 staff at 2 (3), 7 champions at 1 × organizing cost 2 (7), 20 mass-media contacts at
    0.1 (1) and 8 canvass contacts at 0.5 (2): 16 in all. Red has its institution off (no
    content cost although it would post 6 at 1) and spends nothing else. Blue lost 2
    champions (4 before) and recruited 1 (3 before), red recruited 3: 6 changed role."""
    sc = scenario_from_dict(
        {
            "name": "costs",
            "steps": 10,
            "population": {"citizens": 5},
            "network": {"mean_degree": 2},
            "parties": {
                "blue": {
                    "position": [0.25],
                    "institution": {
                        "enabled": True,
                        "cost_per_post": 0.5,
                        "cost_per_paid_impression": 0.2,
                    },
                    "staff": {"salary_per_step": 2.0},
                    "champions": {"cost_per_step": 1.0},
                    "mass_media": {"cost_per_contact": 0.1},
                    "canvass": {"cost_per_contact": 0.5},
                },
                "red": {
                    "position": [-0.25],
                    "institution": {"enabled": False, "cost_per_post": 1.0},
                    "staff": {"salary_per_step": 0.0},
                },
            },
        }
    )
    plans = [
        SimpleNamespace(posts_per_step=4.0, staff_time=3.0, organizing_cost=2.0),
        SimpleNamespace(posts_per_step=6.0, staff_time=0.0, organizing_cost=2.0),
    ]
    parties = SimpleNamespace(
        plans=plans,
        cumulative_cost=np.array([100.0, 5.0]),
        burnouts=np.array([4, 0]),
        recruits=np.array([3, 0]),
    )
    spend, spend_total, planned_total = np.zeros((3, 2, 6))
    planned = np.arange(12.0).reshape(2, 6)
    changed = champions.keep_books(
        parties,
        sc,
        2000,
        paid=np.array([10, 0]),
        contacts=np.array([[20.0, 8.0], [0.0, 0.0]]),
        active=np.array([7, 0]),
        burnouts=np.array([2, 0]),
        recruits=np.array([1, 3]),
        planned=planned,
        spend=spend,
        spend_total=spend_total,
        planned_total=planned_total,
        use_compiled=compiled,
    )
    assert changed == 6
    assert parties.burnouts.tolist() == [6, 0]
    assert parties.recruits.tolist() == [4, 3]
    assert spend[0] == pytest.approx([2.0, 1.0, 3.0, 7.0, 1.0, 2.0])
    assert spend[1].tolist() == [0.0] * 6
    assert parties.cumulative_cost == pytest.approx([116.0, 5.0])
    assert spend_total.tolist() == spend.tolist()
    assert planned_total.tolist() == planned.tolist()


def test_warm_up_compiles_every_kernel():
    champions.warm_up()


# ---------------------------------------------------------------- in the model


def small_run():
    from model import load_scenario
    from model.config.load import with_overrides

    sc = load_scenario("scenarios/champion_driven.yaml")
    return with_overrides(
        sc,
        {
            "population.citizens": 300,
            "steps": 12,
            "parties.blue.staff.recruitment_rate": 1.0,
            "parties.blue.champions.min_engagement": 0.0,
            "parties.blue.champions.recruit_distance": 1.0,
            "parties.blue.champions.guidance": 1.0,
            "parties.blue.champions.crowding_out": 1.0,
            "parties.blue.champions.motivation_rate": 0.5,
            "parties.blue.champions.burnout_threshold": 0.3,
        },
    )


@pytest.mark.parametrize("flag", [True, False])
def test_the_model_runs_the_kernels_it_is_told_to(monkeypatch, flag):
    """A model built with ``use_compiled=False`` runs the kernels' plain-Python twins, the
    default their compiled builds; every kernel of the phase runs (the run recruits)."""
    from model import SocialWebModel

    asked = []

    def recording(func, *, use_compiled=True):
        asked.append((func.__name__, use_compiled))
        return twin(func, use_compiled=use_compiled)

    monkeypatch.setattr(champions, "twin", recording)
    model = SocialWebModel(small_run(), seed=2, use_compiled=flag)
    model.run()
    assert {name for name, _ in asked} == {"motivation_sweep", "recruit_pool_sweep", "ledger_sweep"}
    assert {used for _, used in asked} == {flag}
    assert model.parties.recruits[0] > 0 and model.parties.burnouts[0] > 0


def test_each_steps_pool_is_the_founders_pool_rule():
    """The founders are drawn from :func:`champions.recruit_pool` (NumPy), each step's
    recruits from the compiled pool: on a model's state, step after step, both give the same
    rows for every party."""
    from model import SocialWebModel

    model = SocialWebModel(small_run(), seed=4)
    pop, parties = model.population, model.parties
    sizes = []
    for _ in range(6):
        model.step()
        for k, spec in enumerate(model.config.parties.values()):
            want = champions.recruit_pool(pop, parties, spec, k, model.reachable[k])
            pool = np.empty(pop.citizens, dtype=np.int64)
            size = twin(champions.recruit_pool_sweep)(
                model.reachable[k],
                pop.role,
                pop.engaged,
                pop.engagement_base,
                pop.member,
                pop.quit_party,
                pop.x,
                parties.line,
                k,
                float(spec.champions.min_engagement),
                spec.movement.response == "co_opt",
                bool(spec.champions.rejoin),
                float(spec.champions.recruit_distance),
                pool,
            )
            assert pool[:size].tolist() == want.tolist()
            sizes.append(size)
    assert max(sizes) > 0
