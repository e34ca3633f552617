"""A party's plan at a population size: channel sizes and planned spend (docs/MODEL.md, "Budgets").

Scenarios are written per 1,000 citizens (staff, founding champions, the programme cap, the
budget and the content team's cost) or as shares (followers, paid reach), so one scenario means
the same campaign intensity at any population size N. This module turns that into the counts a
run of N citizens uses, and the spend it plans per channel:

* **staff** ``T = per_1000 · N / 1000`` full-time equivalents: ``ceil(T)`` people, the last one
  part time (share ``T - floor(T)``) when T is fractional — it posts, recruits, looks after
  champions and is paid in proportion. Its ties are a whole person's: ties are a person's
  contacts, not a share of the electorate.
* **champions**: founding ``round(initial_per_1000 · N / 1000)``; cap
  ``min(floor(max_per_1000 · N / 1000), floor(T · organizer_capacity / o), budget cap)``, o the
  era's organizing cost (below).
* **mass media and canvassing**: the share of citizens contacted a step (``reach``), from the
  key or from the budget share: share · budget / (1,000 · cost_per_contact).
* **era**: in the broadcast era (``era.name``) organizing costs ``broadcast_organizing_cost``
  times as much: an organizer looks after that many times fewer champions, and each costs that
  many times more (docs/MODEL.md, "Eras").
* **money** is in budget units. Inputs are per 1,000 citizens; a run reports spend both per
  1,000 citizens (comparable across sizes) and in total.

With a budget (``budget.per_1000`` > 0) each channel is sized from its share, so spending cannot
exceed the budget (see :class:`~model.config.schema.BudgetSpec`). Without one, the channels are
sized by their own keys; the plan is then what those sizes cost at full capacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from model.config.schema import EraSpec, PartySpec

CHANNELS = ("content", "paid_reach", "staff", "champions", "mass_media", "canvass")
EPS = 1e-9  # absorbs float error (e.g. 60 · 0.3 / 20 = 0.8999999999999999), nothing more


@dataclass(frozen=True)
class Plan:
    """What one party runs at N citizens, and what it plans to spend per step (total units)."""

    citizens: int
    budget: float  # total budget per step (0: none)
    posts_per_step: float
    paid_reach: float
    mass_media: float  # share of citizens reached a step
    canvass: float  # share of citizens canvassed a step
    organizing_cost: float  # the era's multiplier of a champion's organizer time and cost
    staff_time: float  # full-time equivalents T
    staff_count: int  # ceil(T)
    part_time: float  # the last member's share of full time (1.0 when T is whole)
    champion_cap: int
    founding: int
    planned: dict[str, float]  # per channel, total units per step

    def staff_shares(self) -> list[float]:
        """Each staff member's share of full time."""
        if self.staff_count == 0:
            return []
        return [1.0] * (self.staff_count - 1) + [self.part_time]


def budgeted(party: PartySpec) -> bool:
    return party.budget.per_1000 > 0


def staff_per_1000(party: PartySpec) -> float:
    """Staff per 1,000 citizens: from the budget's staff share, else ``staff.per_1000``."""
    b = party.budget
    if budgeted(party):
        salary = party.staff.salary_per_step
        return b.per_1000 * b.staff / salary if salary > 0 else 0.0
    return party.staff.per_1000


def posts_per_step(party: PartySpec) -> float:
    inst, b = party.institution, party.budget
    if not inst.enabled:
        return 0.0
    if budgeted(party):
        return b.per_1000 * b.content / inst.cost_per_post if inst.cost_per_post > 0 else 0.0
    return inst.posts_per_step


def paid_reach(party: PartySpec) -> float:
    inst, b = party.institution, party.budget
    if not inst.enabled:
        return 0.0
    if budgeted(party):
        price = 1000.0 * inst.cost_per_paid_impression
        return b.per_1000 * b.paid_reach / price if price > 0 else 0.0
    return inst.paid_reach


def contact_reach(party: PartySpec, channel: str) -> float:
    """Share of citizens an offline channel (``mass_media``, ``canvass``) contacts a step."""
    spec, b = getattr(party, channel), party.budget
    if budgeted(party):
        price = 1000.0 * spec.cost_per_contact
        return b.per_1000 * getattr(b, channel) / price if price > 0 else 0.0
    return spec.reach


def organizing_cost(era: EraSpec) -> float:
    """How many times the organizer time and money a champion takes, in this era."""
    return era.broadcast_organizing_cost if era.name == "broadcast" else 1.0


def plan(party: PartySpec, citizens: int, era: EraSpec | None = None) -> Plan:
    """The party's channel sizes and planned spend at ``citizens`` citizens (in ``era``;
    default: the social web)."""
    factor = organizing_cost(era) if era is not None else 1.0
    scale = citizens / 1000.0
    inst, staff, ch, b = party.institution, party.staff, party.champions, party.budget
    t = staff_per_1000(party) * scale
    whole = math.floor(t + EPS)
    frac = t - whole
    if frac <= EPS:
        count, part, t = whole, 1.0, float(whole)
    else:
        count, part = whole + 1, frac
    cap = 0
    if ch.enabled:
        cap = min(
            math.floor(ch.max_per_1000 * scale + EPS),
            math.floor(t * staff.organizer_capacity / factor + EPS),
        )
        if budgeted(party):
            room = b.per_1000 * b.champions * scale
            price = ch.cost_per_step * factor
            cap = min(cap, math.floor(room / price + EPS) if price > 0 else cap)
    founding = min(math.floor(ch.initial_per_1000 * scale + 0.5), cap) if ch.enabled else 0
    posts, reach = posts_per_step(party), paid_reach(party)
    planned = {
        "content": posts * inst.cost_per_post * scale if inst.enabled else 0.0,
        "paid_reach": reach * citizens * inst.cost_per_paid_impression if inst.enabled else 0.0,
        "staff": t * staff.salary_per_step,
        "champions": cap * ch.cost_per_step * factor,
        "mass_media": contact_reach(party, "mass_media")
        * citizens
        * party.mass_media.cost_per_contact,
        "canvass": contact_reach(party, "canvass") * citizens * party.canvass.cost_per_contact,
    }
    if budgeted(party):  # the plan is the allocation: what a channel leaves is under-spend
        planned = {c: b.per_1000 * getattr(b, c) * scale for c in CHANNELS}
    return Plan(
        citizens=citizens,
        budget=b.per_1000 * scale,
        posts_per_step=posts,
        paid_reach=reach,
        mass_media=contact_reach(party, "mass_media"),
        canvass=contact_reach(party, "canvass"),
        organizing_cost=factor,
        staff_time=t,
        staff_count=count,
        part_time=part,
        champion_cap=cap,
        founding=founding,
        planned=planned,
    )
