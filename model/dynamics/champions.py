"""Phase 4, champions: motivation, burnout, recruitment and partnership (docs/MODEL.md, step 4);
and the step's books (costs per channel, "Budgets").

Motivation m of a champion of party k moves each step toward a target (rate ``motivation_rate``):

    target = [shared_values] (1 - d(x_i, p_k)/2)  else  baseline_motivation
           + [shared_benefits] benefit_gain · (vote_k(t) - vote_k(t - benefit_window))
           - κ · g                                  (guidance crowds out intrinsic motivation)

clipped to [0, 1]; poll gains raise the target and losses lower it. A champion whose m falls
below ``burnout_threshold`` (m_min) quits: it becomes an ordinary citizen again, and does not
rejoin that party's programme unless ``rejoin`` is on. Organizers (staff) recruit: each organizer
succeeds with chance ``recruitment_rate`` per step, among citizens who are its contacts or the
institution's followers, at least ``min_engagement`` engaged, within ``recruit_distance`` of the
party line and closer to it than to any other party's line; up to the plan's champion cap
(``model.config.plan``: the programme cap per 1,000 citizens, ``organizer_capacity`` per full-time
organizer, and the champions' share of the budget). A part-time organizer recruits with chance
``recruitment_rate`` times its share of full time. Recruits keep their
own engagement unless ``mobilized`` is on (then they are fully engaged while they serve). With
``partnership`` the party line moves toward its champions' mean opinion at rate r (staff follow
the line).

Each step runs in three compiled kernels (:mod:`model.jit`; their plain-Python twins with
``use_compiled=False``), so that its cost does not grow with the number of parties' NumPy calls:
:func:`motivation_sweep` (motivation, burnout and the champions each party keeps),
:func:`recruit_pool_sweep` (the recruit pool, looked for only when an organizer has a try and the
programme has room) and :func:`ledger_sweep` (the step's spend per channel, the running totals,
the counts of burnouts and recruits). The first two compute the opinion distance as
:func:`model.population.distance_to` does, summed in NumPy's order (:func:`rms_distance`), so
every result is that of the NumPy statement of the rules bit for bit. The draws from the
``champions`` stream (each party's organizers' tries, then its recruits) are made in Python, in
that order. The parties' settings the kernels read are tabled once per scenario.
"""

from __future__ import annotations

from operator import is_

import numpy as np

from model.config.schema import PartySpec, Scenario
from model.dynamics.kernels import rms_distance
from model.jit import helper, twin
from model.population import CHAMPION, CITIZEN, NEVER, Parties, Population, distance_to
from model.rng import party_stream

# columns of :func:`motivation_sweep`'s ``rates`` (one row per party)
BASELINE, BENEFIT, CROWDING, RATE, THRESHOLD = range(5)
# columns of its ``flags`` (one row per party)
SHARED_VALUES, SHARED_BENEFITS, MOBILIZED = range(3)
# columns of :func:`ledger_sweep`'s ``rates`` (one row per party; see :func:`cost_rates`)
CONTENT, PAID_IMPRESSION, STAFF_SALARIES, CHAMPION_COST, ORGANIZING, MASS_MEDIA, CANVASS = range(7)
# the per-party tables last built (:func:`motivation_terms`, :func:`cost_rates`) and what from
_LAST: dict[str, tuple] = {}


def enlist(pop: Population, rows: np.ndarray, party: int, spec: PartySpec, step: int) -> None:
    """Make citizens ``rows`` champions of ``party``."""
    pop.role[rows] = CHAMPION
    pop.party[rows] = party
    pop.member[rows] = False  # a co-opted member leaves the movement for the programme
    pop.guidance[rows] = spec.champions.guidance
    pop.motivation[rows] = spec.champions.initial_motivation
    if spec.champions.mobilized:
        pop.engaged[rows] = True
    pop.recruited_at[rows] = step


def discharge(pop: Population, rows: np.ndarray, *, mobilized: bool) -> None:
    """Champions ``rows`` quit (burnout): ordinary citizens again; those the programme had
    mobilised are no longer engaged, the others keep their engagement."""
    pop.quit_party[rows] = pop.party[rows]
    pop.role[rows] = CITIZEN
    pop.party[rows] = -1
    pop.guidance[rows] = 0.0
    pop.motivation[rows] = 0.0
    if mobilized:
        pop.engaged[rows] = False
    pop.recruited_at[rows] = NEVER


def seed_champions(
    pop: Population,
    parties: Parties,
    scenario: Scenario,
    seed: int,
    reachable: list[np.ndarray],
) -> np.ndarray:
    """The champions a party starts with, recruited like the rest (docs/MODEL.md, step 4): from
    the citizens its organizers reach, engaged enough, near its line and nearer to it than to
    any rival's (:func:`recruit_pool`), within the programme's capacity (cap, organizers and
    budget), uniformly from the party's own stream. Returns how many each party got — fewer than
    ``champions.initial_per_1000`` asks for when fewer qualify."""
    got = np.zeros(len(parties.names), dtype=np.int64)
    for k, (name, spec) in enumerate(scenario.parties.items()):
        wanted = parties.plans[k].founding
        if wanted == 0:
            continue
        rng = party_stream(seed, "initial_champions", name)
        pool = recruit_pool(pop, parties, spec, k, reachable[k])
        count = min(pool.size, wanted)
        rows = rng.choice(pool, count, replace=False)
        enlist(pop, np.sort(rows), k, spec, 0)
        got[k] = count
    return got


def recruit_pool(
    pop: Population, parties: Parties, spec: PartySpec, k: int, reachable: np.ndarray
) -> np.ndarray:
    """Citizens party k's organizers could recruit now: reachable (staff contacts, followers;
    and the movement's members if the party co-opts it, none of them otherwise), ordinary
    citizens, at least ``min_engagement`` engaged, not burned out of this programme (unless
    ``rejoin``), within ``recruit_distance`` of the line and nearer to it than any other.
    In NumPy, for the founders; each step's recruitment finds the same rows compiled
    (:func:`recruit_pool_sweep`)."""
    ch = spec.champions
    n_c = pop.citizens
    ok = reachable & (pop.role[:n_c] == CITIZEN) & (pop.engagement[:n_c] >= ch.min_engagement)
    if spec.movement.response == "co_opt":  # the movement's members are within reach too
        ok |= pop.member[:n_c] & (pop.engagement[:n_c] >= ch.min_engagement)
    else:  # a party that does not co-opt the movement does not recruit from it
        ok &= ~pop.member[:n_c]
    if not ch.rejoin:
        ok &= pop.quit_party[:n_c] != k
    pool = np.flatnonzero(ok)
    return pool[qualifies(pop, parties, pool, k, ch.recruit_distance)]


def motivation_sweep(  # pragma: no cover
    x,
    role,
    party,
    guidance,
    motivation,
    engaged,
    quit_party,
    recruited_at,
    line,
    rates,
    flags,
    counts,
):
    """One motivation update of every champion, in row order (rows are independent).

    A champion i of party k (``0 <= party[i] < P``, P the rows of ``rates``) moves toward
    ``target = 1 - distance(x_i, line_k) / 2`` when ``flags[k, SHARED_VALUES]``, else
    ``rates[k, BASELINE]``; plus ``rates[k, BENEFIT]`` (the poll gain term, already multiplied
    by the gain) when ``flags[k, SHARED_BENEFITS]``; minus ``rates[k, CROWDING] * guidance[i]``:
    ``m + rates[k, RATE] * (target - m)``, clipped to [0, 1] as ``np.clip`` does (-0.0 and NaN
    pass through). Below ``rates[k, THRESHOLD]`` the champion quits (:func:`discharge`: quit
    party k, a citizen of no party, guidance and motivation 0, not engaged if
    ``flags[k, MOBILIZED]``, recruited NEVER) and ``counts[0, k]`` counts it; otherwise
    ``counts[1, k]`` does (the champions party k keeps). ``counts`` (2, P) must start at 0.
    The distance is :func:`rms_distance`, NumPy's to the bit."""
    parties = rates.shape[0]
    for i in range(role.size):
        if role[i] != CHAMPION:
            continue
        k = np.int64(party[i])
        if k < 0 or k >= parties:
            continue
        if flags[k, SHARED_VALUES]:
            target = 1.0 - rms_distance(x, i, line, k) / 2.0
        else:
            target = rates[k, BASELINE]
        if flags[k, SHARED_BENEFITS]:
            target = target + rates[k, BENEFIT]
        target = target - rates[k, CROWDING] * guidance[i]
        m = motivation[i]
        m = m + rates[k, RATE] * (target - m)
        if m < 0.0:
            m = 0.0
        if m > 1.0:
            m = 1.0
        if m < rates[k, THRESHOLD]:
            quit_party[i] = k
            role[i] = CITIZEN
            party[i] = -1
            guidance[i] = 0.0
            motivation[i] = 0.0
            if flags[k, MOBILIZED]:
                engaged[i] = False
            recruited_at[i] = NEVER
            counts[0, k] += 1
        else:
            motivation[i] = m
            counts[1, k] += 1


def motivation_terms(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, list]:
    """The parties' rows of :func:`motivation_sweep`'s ``rates`` and ``flags`` without the poll
    gains (BENEFIT 0, SHARED_BENEFITS off), and ``(k, benefit_window, benefit_gain)`` of each
    party with shared benefits. Built once per set of party specs (the last one asked for is
    kept: a run asks for the same every step; the specs are frozen); never write into them."""
    # keyed by the party specs themselves (frozen), not the scenario: its parties dict can be
    # changed in place
    parts = tuple(scenario.parties.values())
    last = _LAST.get("motivation")
    if last is not None and len(last[0]) == len(parts) and all(map(is_, last[0], parts)):
        return last[1]
    specs = [spec.champions for spec in scenario.parties.values()]
    rates = np.array(
        [
            (ch.baseline_motivation, 0.0, ch.crowding_out, ch.motivation_rate, ch.burnout_threshold)
            for ch in specs
        ],
        dtype=np.float64,
    ).reshape(len(specs), 5)
    flags = np.array(
        [(ch.shared_values, False, ch.mobilized) for ch in specs], dtype=np.bool_
    ).reshape(len(specs), 3)
    sharing = [
        (k, ch.benefit_window, ch.benefit_gain) for k, ch in enumerate(specs) if ch.shared_benefits
    ]
    terms = rates, flags, sharing
    _LAST["motivation"] = (parts, terms)
    return terms


def motivate(
    pop: Population, parties: Parties, scenario: Scenario, *, use_compiled: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Move motivation toward its target; discharge burnouts (:func:`motivation_sweep`).
    Returns burnouts per party and the champions each party has left."""
    rates, flags, sharing = motivation_terms(scenario)
    history = parties.vote_history
    if sharing and len(history) > 1:  # this step's poll gains
        rates, flags = rates.copy(), flags.copy()
        for k, window, gain in sharing:
            past = history[max(0, len(history) - 1 - window)][k]
            rates[k, BENEFIT] = gain * (history[-1][k] - past)
            flags[k, SHARED_BENEFITS] = True
    counts = np.zeros((2, rates.shape[0]), dtype=np.int64)
    twin(motivation_sweep, use_compiled=use_compiled)(
        pop.x,
        pop.role,
        pop.party,
        pop.guidance,
        pop.motivation,
        pop.engaged,
        pop.quit_party,
        pop.recruited_at,
        parties.line,
        rates,
        flags,
        counts,
    )
    return counts[0], counts[1]


def update_motivation(
    pop: Population, parties: Parties, scenario: Scenario, *, use_compiled: bool = True
) -> np.ndarray:
    """Move motivation toward its target; discharge burnouts. Returns burnouts per party."""
    return motivate(pop, parties, scenario, use_compiled=use_compiled)[0]


def qualifies(
    pop: Population, parties: Parties, rows: np.ndarray, k: int, distance: float
) -> np.ndarray:
    """Mask of ``rows`` within ``distance`` of party k's line and nearer to it than to any
    other party's line (a recruit must prefer the party it champions)."""
    own = distance_to(pop.x[rows], parties.line[k])
    ok = own < distance
    for j in range(len(parties.names)):
        if j != k:
            ok &= own <= distance_to(pop.x[rows], parties.line[j])
    return ok


@helper
def prefers(x, i, line, k, distance):  # pragma: no cover
    """Whether row ``i`` of ``x`` is within ``distance`` of party k's line and no farther from
    it than from any other party's line (:func:`qualifies` for one row)."""
    own = rms_distance(x, i, line, k)
    if not own < distance:
        return False
    for j in range(line.shape[0]):
        if j != k and not own <= rms_distance(x, i, line, j):
            return False
    return True


def recruit_pool_sweep(  # pragma: no cover
    reachable,
    role,
    engaged,
    engagement_base,
    member,
    quit_party,
    x,
    line,
    k,
    floor,
    co_opt,
    rejoin,
    distance,
    pool,
):
    """:func:`recruit_pool` for party k, compiled: writes the pool's rows, in increasing order,
    to the start of ``pool`` (room for every citizen, ``reachable.size``) and returns how many.

    Citizen i is in it when reachable (``reachable[i]``), an ordinary citizen, at least
    ``floor`` engaged (1 if ``engaged[i]``, else ``engagement_base[i]``); or, when ``co_opt``,
    a member of the movement engaged that much (whatever its role); a member is out when not
    ``co_opt``; someone who quit party k's programme is out unless ``rejoin``; and it must
    qualify (:func:`prefers`: within ``distance`` of the line, no nearer any other)."""
    count = 0
    for i in range(reachable.size):
        enough = (1.0 if engaged[i] else engagement_base[i]) >= floor
        ok = reachable[i] and role[i] == CITIZEN and enough
        if co_opt:
            ok = ok or (member[i] and enough)
        elif member[i]:
            ok = False
        if ok and not rejoin and quit_party[i] == k:
            ok = False
        if ok and prefers(x, i, line, k, distance):
            pool[count] = i
            count += 1
    return count


def recruit(
    pop: Population,
    parties: Parties,
    scenario: Scenario,
    reachable: list[np.ndarray],
    rng: np.random.Generator,
    step: int,
    *,
    active: np.ndarray | None = None,
    use_compiled: bool = True,
) -> np.ndarray:
    """Organizers recruit new champions. Returns recruits per party.

    ``active``: the champions each party has now, if known (as :func:`motivate` returns them),
    else counted here; given, it is kept up to date with the recruits (in place). The pool
    (:func:`recruit_pool_sweep`) is looked for only when an organizer has a try and the
    programme has room; the tries are drawn either way."""
    recruits = np.zeros(len(parties.names), dtype=np.int64)
    for k, spec in enumerate(scenario.parties.values()):
        ch, plan = spec.champions, parties.plans[k]
        if not ch.enabled or plan.staff_count == 0:
            continue
        if active is None:
            now = int(np.count_nonzero((pop.role == CHAMPION) & (pop.party == k)))
        else:
            now = int(active[k])
        room = plan.champion_cap - now
        rate = spec.staff.recruitment_rate
        full = plan.staff_count - (plan.part_time < 1.0)
        tries = rng.binomial(full, rate)
        if plan.part_time < 1.0:  # the part-time organizer
            tries += rng.binomial(1, rate * plan.part_time)
        if room <= 0 or tries == 0:
            continue
        pool = np.empty(reachable[k].size, dtype=np.int64)
        size = twin(recruit_pool_sweep, use_compiled=use_compiled)(
            reachable[k],
            pop.role,
            pop.engaged,
            pop.engagement_base,
            pop.member,
            pop.quit_party,
            pop.x,
            parties.line,
            k,
            float(ch.min_engagement),  # one compiled build whatever type the config gave
            spec.movement.response == "co_opt",
            bool(ch.rejoin),
            float(ch.recruit_distance),
            pool,
        )
        count = min(room, tries, size)
        if count:
            rows = np.sort(rng.choice(pool[:size], count, replace=False))
            # a co-opted member is an ordinary citizen in a run; were one a champion, the
            # party it leaves would have one champion fewer
            moved = active is not None and bool(np.any(pop.role[rows] == CHAMPION))
            enlist(pop, rows, k, spec, step)
            recruits[k] = count
            if moved:
                active[:] = [
                    np.count_nonzero((pop.role == CHAMPION) & (pop.party == j))
                    for j in range(active.size)
                ]
            elif active is not None:
                active[k] += count
    return recruits


def drift_party_line(
    pop: Population, parties: Parties, scenario: Scenario, active: np.ndarray | None = None
) -> None:
    """Partnership: p += r·(mean champion opinion - p); staff hold the new line. ``active``:
    the champions each party has, if known (a party without any is skipped unsearched)."""
    for k, spec in enumerate(scenario.parties.values()):
        ch = spec.champions
        if not ch.partnership or (active is not None and active[k] == 0):
            continue
        rows = np.flatnonzero((pop.role == CHAMPION) & (pop.party == k))
        if rows.size:
            parties.line[k] += ch.partnership_rate * (pop.x[rows].mean(axis=0) - parties.line[k])
            pop.x[parties.staff_rows[k]] = parties.line[k]


def election_benefits(
    pop: Population, parties: Parties, scenario: Scenario, vote: np.ndarray
) -> None:
    """Shared benefits in success, at an election (``champions.win_bonus``): the winner's
    champions gain motivation, the others' lose it (clipped to [0, 1]); those who fall below
    ``burnout_threshold`` quit at the next motivation update."""
    if vote.size == 0:
        return
    winner = int(np.argmax(vote))
    for k, spec in enumerate(scenario.parties.values()):
        ch = spec.champions
        if not ch.shared_benefits or ch.win_bonus == 0:
            continue
        rows = np.flatnonzero((pop.role == CHAMPION) & (pop.party == k))
        sign = 1.0 if k == winner else -1.0
        pop.motivation[rows] = np.clip(pop.motivation[rows] + sign * ch.win_bonus, 0.0, 1.0)


def cost_rates(parties: Parties, scenario: Scenario, citizens: int) -> np.ndarray:
    """Each party's cost terms (a row; columns CONTENT ... CANVASS): the content team's and
    the salaries' cost a step per 1,000 citizens (as planned), and the prices that
    :func:`ledger_sweep` multiplies by what was delivered (paid impressions, active champions ×
    the era's organizing cost, mass-media and canvassing contacts). Built once per party specs,
    plans and size (kept as :func:`motivation_terms` keeps its terms); never write into it."""
    # keyed by the specs and plans themselves (frozen), not their containers: the scenario's
    # parties dict and the plans list can be changed in place
    parts = (*scenario.parties.values(), *parties.plans)
    last = _LAST.get("costs")
    if (
        last is not None
        and last[1] == citizens
        and len(last[0]) == len(parts)
        and all(map(is_, last[0], parts))
    ):
        return last[2]
    scale = citizens / 1000.0
    rows = [
        (
            pl.posts_per_step * spec.institution.cost_per_post if spec.institution.enabled else 0.0,
            spec.institution.cost_per_paid_impression,
            pl.staff_time * spec.staff.salary_per_step / scale,
            spec.champions.cost_per_step,
            pl.organizing_cost,
            spec.mass_media.cost_per_contact,
            spec.canvass.cost_per_contact,
        )
        for spec, pl in zip(scenario.parties.values(), parties.plans, strict=True)
    ]
    table = np.array(rows, dtype=np.float64).reshape(len(rows), 7)
    _LAST["costs"] = (parts, citizens, table)
    return table


def ledger_sweep(  # pragma: no cover
    rates,
    paid,
    contacts,
    active,
    scale,
    planned,
    spend,
    spend_total,
    planned_total,
    cumulative,
    burnouts,
    recruits,
    burnouts_total,
    recruits_total,
):
    """The step's books. Spend of each party k per channel, per 1,000 citizens (``scale`` =
    N/1,000), into row k of ``spend`` (P, 6; columns as ``model.config.plan.CHANNELS``):
    content ``rates[k, CONTENT]``; paid reach ``paid[k] * rates[k, PAID_IMPRESSION] / scale``;
    staff ``rates[k, STAFF_SALARIES]``; champions ``active[k] * rates[k, CHAMPION_COST] *
    rates[k, ORGANIZING] / scale``; mass media and canvassing ``contacts[k, c] * price /
    scale``. Then ``spend_total += spend``, ``planned_total += planned``, ``cumulative[k] +=``
    the row's sum (added one by one from -0.0 as NumPy sums fewer than eight numbers: the bits
    of ``spend.sum(axis=1)``), ``burnouts_total += burnouts``, ``recruits_total += recruits``.
    Returns how many people changed role (burnouts and recruits)."""
    changed = 0
    for k in range(spend.shape[0]):
        spend[k, 0] = rates[k, CONTENT]
        spend[k, 1] = paid[k] * rates[k, PAID_IMPRESSION] / scale
        spend[k, 2] = rates[k, STAFF_SALARIES]
        spend[k, 3] = active[k] * rates[k, CHAMPION_COST] * rates[k, ORGANIZING] / scale
        spend[k, 4] = contacts[k, 0] * rates[k, MASS_MEDIA] / scale
        spend[k, 5] = contacts[k, 1] * rates[k, CANVASS] / scale
        total = -0.0
        for c in range(spend.shape[1]):
            total += spend[k, c]
            spend_total[k, c] += spend[k, c]
            planned_total[k, c] += planned[k, c]
        cumulative[k] += total
        burnouts_total[k] += burnouts[k]
        recruits_total[k] += recruits[k]
        changed += burnouts[k] + recruits[k]
    return changed


def keep_books(
    parties: Parties,
    scenario: Scenario,
    citizens: int,
    *,
    paid: np.ndarray,
    contacts: np.ndarray,
    active: np.ndarray,
    burnouts: np.ndarray,
    recruits: np.ndarray,
    planned: np.ndarray,
    spend: np.ndarray,
    spend_total: np.ndarray,
    planned_total: np.ndarray,
    use_compiled: bool = True,
) -> int:
    """The step's books (:func:`ledger_sweep`): ``spend`` per party and channel, per 1,000
    citizens — the content team and salaries as planned, paid reach (``paid`` impressions) and
    offline ``contacts`` (P, 2: mass media, canvassing) as delivered, champions as ``active`` —
    added to ``spend_total`` and, summed, to ``parties.cumulative_cost``; ``planned`` to
    ``planned_total``; this step's burnouts and recruits to ``parties.burnouts`` and
    ``parties.recruits``. Returns how many people changed role."""
    return int(
        twin(ledger_sweep, use_compiled=use_compiled)(
            cost_rates(parties, scenario, citizens),
            paid,
            contacts,
            active,
            citizens / 1000.0,
            planned,
            spend,
            spend_total,
            planned_total,
            parties.cumulative_cost,
            burnouts,
            recruits,
            parties.burnouts,
            parties.recruits,
        )
    )


def warm_up() -> None:  # pragma: no mutate block
    """Compile (or load from numba's cache) this module's kernels on tiny inputs of the dtypes
    a run gives them, so that no step pays for it."""
    # Not mutated (mutmut's pragma above): it only fills numba's cache.
    x, line = np.zeros((1, 1)), np.zeros((1, 1))
    role, party = np.zeros(1, dtype=np.int8), np.full(1, -1, dtype=np.int16)
    engaged, quit_party = np.zeros(1, dtype=np.bool_), np.full(1, -1, dtype=np.int16)
    twin(motivation_sweep)(
        x,
        role,
        party,
        np.zeros(1),
        np.zeros(1),
        engaged,
        quit_party,
        np.zeros(1, dtype=np.int64),
        line,
        np.zeros((1, 5)),
        np.zeros((1, 3), dtype=np.bool_),
        np.zeros((2, 1), dtype=np.int64),
    )
    twin(recruit_pool_sweep)(
        engaged,
        role,
        engaged,
        np.zeros(1),
        engaged,
        quit_party,
        x,
        line,
        0,
        0.0,
        False,
        False,
        0.0,
        np.zeros(1, dtype=np.int64),
    )
    for paid in (np.zeros(1, dtype=np.int64), np.zeros(1)):  # read impressions; none posted
        table, count = np.zeros((1, 6)), np.zeros(1, dtype=np.int64)
        twin(ledger_sweep)(
            np.zeros((1, 7)),
            paid,
            np.zeros((1, 2)),
            count,
            1.0,
            table,
            table.copy(),
            table.copy(),
            table.copy(),
            np.zeros(1),
            count,
            count,
            count.copy(),
            count.copy(),
        )
