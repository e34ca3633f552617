"""Phase 4, champions: motivation, burnout, recruitment and partnership (docs/MODEL.md, step 4).

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
"""

from __future__ import annotations

import numpy as np

from model.config.schema import PartySpec, Scenario
from model.population import CHAMPION, CITIZEN, NEVER, Parties, Population, distance_to
from model.rng import party_stream


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
    ``rejoin``), within ``recruit_distance`` of the line and nearer to it than any other."""
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


def update_motivation(pop: Population, parties: Parties, scenario: Scenario) -> np.ndarray:
    """Move motivation toward its target; discharge burnouts. Returns burnouts per party."""
    burnouts = np.zeros(len(parties.names), dtype=np.int64)
    history = parties.vote_history
    for k, spec in enumerate(scenario.parties.values()):
        ch = spec.champions
        rows = np.flatnonzero((pop.role == CHAMPION) & (pop.party == k))
        if rows.size == 0:
            continue
        if ch.shared_values:
            target = 1.0 - distance_to(pop.x[rows], parties.line[k]) / 2.0
        else:
            target = np.full(rows.size, ch.baseline_motivation)
        if ch.shared_benefits and len(history) > 1:
            past = history[max(0, len(history) - 1 - ch.benefit_window)][k]
            target = target + ch.benefit_gain * (history[-1][k] - past)
        target = target - ch.crowding_out * pop.guidance[rows]
        m = pop.motivation[rows]
        pop.motivation[rows] = np.clip(m + ch.motivation_rate * (target - m), 0.0, 1.0)
        quit_rows = rows[pop.motivation[rows] < ch.burnout_threshold]
        if quit_rows.size:
            discharge(pop, quit_rows, mobilized=ch.mobilized)
            burnouts[k] = quit_rows.size
    return burnouts


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


def recruit(
    pop: Population,
    parties: Parties,
    scenario: Scenario,
    reachable: list[np.ndarray],
    rng: np.random.Generator,
    step: int,
) -> np.ndarray:
    """Organizers recruit new champions. Returns recruits per party."""
    recruits = np.zeros(len(parties.names), dtype=np.int64)
    for k, spec in enumerate(scenario.parties.values()):
        ch, plan = spec.champions, parties.plans[k]
        if not ch.enabled or plan.staff_count == 0:
            continue
        active = int(np.count_nonzero((pop.role == CHAMPION) & (pop.party == k)))
        room = plan.champion_cap - active
        rate = spec.staff.recruitment_rate
        full = plan.staff_count - (plan.part_time < 1.0)
        tries = rng.binomial(full, rate)
        if plan.part_time < 1.0:  # the part-time organizer
            tries += rng.binomial(1, rate * plan.part_time)
        if room <= 0 or tries == 0:
            continue
        pool = recruit_pool(pop, parties, spec, k, reachable[k])
        count = min(room, tries, pool.size)
        if count:
            rows = np.sort(rng.choice(pool, count, replace=False))
            enlist(pop, rows, k, spec, step)
            recruits[k] = count
    return recruits


def drift_party_line(pop: Population, parties: Parties, scenario: Scenario) -> None:
    """Partnership: p += r·(mean champion opinion - p); staff hold the new line."""
    for k, spec in enumerate(scenario.parties.values()):
        ch = spec.champions
        if not ch.partnership:
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
