"""A citizens' movement: citizens without a party who organise, recruit and spread an issue
position (docs/MODEL.md, step 4, "Movement"; docs/ODD.md 7.7).

- **Founders**: round(founders_per_1000 · N / 1000) citizens, drawn uniformly (keyed draws)
  among ordinary citizens within ``recruit_distance`` of the position.
- **Recruitment**: each step each member succeeds with chance ``recruitment_rate`` (divided by
  the era's organizing cost in the broadcast era: no free tools) and then enlists one of its
  contacts on the citizens' network, chosen uniformly (keyed draws) among those who qualify
  — ordinary citizens (not staff, champions or members) within ``recruit_distance`` of the
  position — up to ``max_per_1000`` members per 1,000 citizens.
- **Voice**: a member posts like a fully motivated champion (``dynamics.posting``) a message
  (1 − g)·x + g·position; it belongs to no party and carries peer trust 1.
- **Engagement**: with ``mobilized`` members are engaged while they belong.
- **Party responses** (``parties.<p>.movement.response``): ``ignore``; ``engage`` — the line
  moves toward the members' mean opinion at ``rate`` a step (staff follow the line);
  ``co_opt`` — the party's organizers may recruit members as champions (``dynamics.champions``),
  who then leave the movement.

Members stay ordinary citizens in every other respect (role, reads, vote).
"""

from __future__ import annotations

import math

import numpy as np

from model.config.plan import organizing_cost
from model.config.schema import Scenario
from model.network.csr import Graph
from model.population import CITIZEN, Parties, Population, distance_to
from model.rng import Draws


def cap(scenario: Scenario) -> int:
    """Members at most, at this population size."""
    spec = scenario.movement
    return math.floor(spec.max_per_1000 * scenario.population.citizens / 1000.0 + 1e-9)


def eligible(pop: Population, scenario: Scenario, rows: np.ndarray) -> np.ndarray:
    """Mask of ``rows`` who could join: ordinary citizens, not members, near the position."""
    spec = scenario.movement
    ok = (rows < pop.citizens) & (pop.role[rows] == CITIZEN) & ~pop.member[rows]
    near = distance_to(pop.x[rows], np.asarray(spec.position)) < spec.recruit_distance
    return ok & near


def join(pop: Population, scenario: Scenario, rows: np.ndarray) -> None:
    pop.member[rows] = True
    if scenario.movement.mobilized:
        pop.engaged[rows] = True


def found(pop: Population, scenario: Scenario, draws: Draws) -> int:
    """Draw the founding members before step 1; returns how many (fewer when fewer qualify).
    The founders are the qualifying citizens with the smallest keyed draws, so paired
    scenarios found the movement with the same citizens wherever they qualify in both."""
    spec = scenario.movement
    wanted = min(math.floor(spec.founders_per_1000 * pop.citizens / 1000.0 + 0.5), cap(scenario))
    if wanted == 0:
        return 0
    rows = np.arange(pop.citizens)
    pool = rows[eligible(pop, scenario, rows)]
    if pool.size > wanted:
        u = draws.uniform("movement_found", 0, pop.key[pool])
        pool = np.sort(pool[np.argpartition(u, wanted - 1)[:wanted]])
    join(pop, scenario, pool)
    return int(pool.size)


def recruit(pop: Population, graph: Graph, scenario: Scenario, draws: Draws, step: int) -> int:
    """One step of recruitment on the citizens' network; returns the number of new members.
    Draws are keyed per (step, member) and (step, member, contact), so paired scenarios make
    the same calls wherever they have the same members."""
    spec = scenario.movement
    members = np.flatnonzero(pop.member[: pop.citizens])
    room = cap(scenario) - members.size
    if members.size == 0 or room <= 0:
        return 0
    rate = spec.recruitment_rate / organizing_cost(scenario.era)
    callers = members[draws.uniform("movement_call", step, pop.key[members]) < rate]
    new: list[int] = []
    taken: set[int] = set()
    for member in callers:  # a few a step: each enlists one qualifying contact
        contacts = graph.indices[graph.indptr[member] : graph.indptr[member + 1]].astype(np.int64)
        contacts = contacts[eligible(pop, scenario, contacts)]
        if taken:
            contacts = contacts[~np.isin(contacts, list(taken))]
        if contacts.size:
            u = draws.uniform("movement_pick", step, pop.key[member], pop.key[contacts])
            pick = int(contacts[np.argmin(u)])
            taken.add(pick)
            new.append(pick)
        if len(new) >= room:
            break
    if new:
        join(pop, scenario, np.sort(np.asarray(new, dtype=np.int64)))
    return len(new)


def respond(pop: Population, parties: Parties, scenario: Scenario) -> None:
    """Parties that engage move their line toward the members' mean opinion."""
    members = np.flatnonzero(pop.member[: pop.citizens])
    if members.size == 0:
        return
    mean = pop.x[members].mean(axis=0)
    for k, spec in enumerate(scenario.parties.values()):
        if spec.movement.response == "engage":
            parties.line[k] += spec.movement.rate * (mean - parties.line[k])
            pop.x[parties.staff_rows[k]] = parties.line[k]
