"""Mesa agents: thin views onto rows of the model's arrays (struct of arrays).

The dynamics never loop over these objects; they exist so that Mesa tools, the classroom app and
users' own code can look at (and poke) one person at a time::

    >>> model = SocialWebModel(load_scenario("scenarios/classroom.yaml"))
    >>> champ = model.agents_by_type[Champion][0]
    >>> champ.opinion, champ.motivation, champ.authenticity

When a citizen is recruited its ``Citizen`` view is replaced by a ``Champion`` view of the same
row (and back on burnout), so ``model.agents_by_type`` always matches the arrays. With
``agents="parties"`` (large populations) plain citizens get no Mesa object; ``model.person(row)``
makes a view on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from model.population import CHAMPION, ROLE_NAMES, STAFF

if TYPE_CHECKING:  # pragma: no cover
    from model.sim import SocialWebModel


class Person(mesa.Agent):
    """A person on the network: a view onto row ``row`` of ``model.population``."""

    def __init__(self, model: SocialWebModel, row: int):
        super().__init__(model)
        self.row = int(row)

    @property
    def _pop(self):
        return self.model.population

    @property
    def opinion(self) -> np.ndarray:
        """Opinion per issue on [-1, 1] (a view: writing into it changes the model)."""
        return self._pop.x[self.row]

    @opinion.setter
    def opinion(self, value) -> None:
        self._pop.x[self.row] = np.clip(value, -1.0, 1.0)

    @property
    def role(self) -> str:
        return ROLE_NAMES[self._pop.role[self.row]]

    @property
    def party(self) -> str | None:
        k = int(self._pop.party[self.row])
        return self.model.parties.names[k] if k >= 0 else None

    @property
    def engaged(self) -> bool:
        return bool(self._pop.engaged[self.row])

    @property
    def activity(self) -> float:
        return float(self._pop.activity[self.row])

    @property
    def degree(self) -> int:
        g = self.model.graph
        return int(g.indptr[self.row + 1] - g.indptr[self.row])

    def neighbours(self) -> np.ndarray:
        """Rows of the people this person follows (and who follow it)."""
        return self.model.graph.neighbours(self.row)


class Citizen(Person):
    """An ordinary person: opinion, activity, openness ε, rejection ρ, affinity, engagement."""

    @property
    def openness(self) -> float:
        return float(self._pop.openness[self.row])

    @property
    def rejection(self) -> float:
        return float(self._pop.rejection[self.row])

    @property
    def affinity(self) -> dict[str, float]:
        return dict(
            zip(self.model.parties.names, self._pop.affinity[self.row].tolist(), strict=True)
        )


class Champion(Citizen):
    """A citizen recruited by organizers: guidance g, motivation m, authenticity 1 - λ·g."""

    @property
    def guidance(self) -> float:
        return float(self._pop.guidance[self.row])

    @property
    def motivation(self) -> float:
        return float(self._pop.motivation[self.row])

    @property
    def authenticity(self) -> float:
        spec = self.model.config.parties[self.party].champions
        return 1.0 - spec.authenticity_penalty * self.guidance


class PartyStaff(Person):
    """Works for the party and posts the party line as an individual, from inside the network."""


class PartyInstitution(mesa.Agent):
    """A party's official account: party line, followers, posts per step, trust."""

    def __init__(self, model: SocialWebModel, party: int):
        super().__init__(model)
        self.index = party
        self.name = model.parties.names[party]
        self.spec = model.config.parties[self.name].institution

    @property
    def party_line(self) -> np.ndarray:
        return self.model.parties.line[self.index]

    @property
    def followers(self) -> np.ndarray:
        return self.model.parties.followers[self.index]


def _view_class(role: int) -> type[Person]:
    return Champion if role == CHAMPION else PartyStaff if role == STAFF else Citizen


def make_agents(model: SocialWebModel, mode: str) -> dict[int, Person]:
    """Create the Mesa agents; returns row → agent for the persons that have one."""
    for k, spec in enumerate(model.config.parties.values()):
        if spec.institution.enabled:
            PartyInstitution(model, k)
    pop = model.population
    rows = np.arange(pop.n) if mode == "all" else np.flatnonzero(pop.role != 0)
    return {int(r): _view_class(int(pop.role[r]))(model, int(r)) for r in rows}


def sync_agents(model: SocialWebModel) -> None:
    """Replace views whose row changed role (recruitment, burnout): a NumPy pass over the
    roles, then Python work only for the rows that changed."""
    pop = model.population
    views = model.person_agents
    # only champions change role: rows that are champions now and were not at the last sync,
    # or the other way round (a row that is a champion at both has its Champion view already)
    now = pop.role == CHAMPION
    changed = np.flatnonzero(now != model.champion_flags)  # in row order, as a setxor1d's
    model.champion_flags = now
    for r in changed.tolist():
        want = _view_class(int(pop.role[r]))
        have = views.get(r)
        if type(have) is want:
            continue
        if have is not None:
            have.remove()
            del views[r]
        if model.agent_mode == "all" or want is not Citizen:
            views[r] = want(model, r)


def person(model: SocialWebModel, row: int) -> Person:
    """The view of person ``row`` (created on demand when the model keeps no citizen views)."""
    view = model.person_agents.get(int(row))
    if view is None:
        view = _view_class(int(model.population.role[row]))(model, int(row))
        view.remove()  # a detached view: not registered in model.agents
    return view
