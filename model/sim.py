"""SocialWebModel: the Mesa model that runs one step's phases in order, nothing more.

The phases are those of docs/MODEL.md ("One step") and docs/ODD.md (3, Process overview).

All state the hot loop touches is in NumPy arrays (``model.population``, ``model.parties``);
the Mesa agents in ``model.agents`` are thin views onto rows of those arrays. One step:

1. post (``dynamics.posting``)      2. feed (``dynamics.feed``)
3. update (``dynamics.rules``; party affinity in ``dynamics.polls``)
4. champions (``dynamics.champions``: motivation, burnout, recruitment, partnership)
5. mobilization (``dynamics.mobilization``)   6. poll (``dynamics.polls``)
7. collect (Mesa ``DataCollector`` over the compiled reductions in ``model.metrics``)

Randomness: one seed → named streams (``model.rng``); Mesa's own ``model.rng`` is seeded with
the same seed but the phases never draw from it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Literal

import mesa
import numpy as np
from mesa.model import _mesa_logger

from model.agents import make_agents, sync_agents
from model.config.load import trial_size
from model.config.plan import CHANNELS, plan
from model.config.schema import Scenario
from model.config.survey import electorate
from model.dynamics import champions, mobilization, movement, polls, zealots
from model.dynamics.contacts import Messages, keyed_sample, offline_contacts
from model.dynamics.feed import citizen_ties, deliver, expand_neighbours, reading_capacity
from model.dynamics.kernels import kernel
from model.dynamics.kernels import warm_up as warm_up_kernels
from model.dynamics.posting import make_posts
from model.dynamics.rules import Rule, make_rule
from model.jit import twin
from model.metrics import Key, meter
from model.metrics import warm_up as warm_up_metrics
from model.network.csr import Graph, csr_symmetric, from_edges
from model.network.generators import ba_edges, generate
from model.network.graphfile import node_traits
from model.network.io import read_values
from model.population import (
    CHAMPION,
    SOURCE_CANVASS,
    SOURCE_MASS_MEDIA,
    SOURCE_NAMES,
    SOURCE_NEWS,
    STAFF,
    Parties,
    Population,
    build_population,
    initial_opinions,
)
from model.rng import Draws, fresh_seed, name_key, party_stream, streams

AgentMode = Literal["all", "parties", "auto"]
AUTO_AGENT_LIMIT = 200_000  # above this many citizens, "auto" skips per-citizen Mesa objects


def attach_staff(
    citizen_graph: Graph,
    pop: Population,
    counts: list[int],
    ties: list[int],
    rng: np.random.Generator,
) -> Graph:
    """The persons' network: citizens' ties plus each staff member's ties to random citizens."""
    if sum(counts) == 0:
        return citizen_graph
    rows = citizen_graph.rows
    keep = rows < citizen_graph.indices
    u = [rows[keep].astype(np.int64)]
    v = [citizen_graph.indices[keep].astype(np.int64)]
    w = [citizen_graph.weights[keep]] if citizen_graph.weights is not None else None
    row = pop.citizens
    for count, t in zip(counts, ties, strict=True):
        t = min(t, pop.citizens)
        for member in range(row, row + count):
            contacts = rng.choice(pop.citizens, t, replace=False)
            u.append(np.full(t, member, dtype=np.int64))
            v.append(contacts.astype(np.int64))
            if w is not None:
                w.append(np.ones(t))
        row += count
    return from_edges(
        pop.n, np.concatenate(u), np.concatenate(v), np.concatenate(w) if w is not None else None
    )


SCENARIO_SEED = object()  # the default of ``seed``: use the scenario's


class SocialWebModel(mesa.Model):
    """Citizens, party staff, champions and party accounts on a synthetic social network.

    Args:
        scenario: a checked :class:`~model.config.schema.Scenario`.
        seed: omitted: ``scenario.seed``; an integer: that seed; ``None`` (as Mesa's
            ``batch_run`` passes for each iteration): fresh entropy from the operating system,
            recorded in ``model.seed`` so the run can be repeated.
        agents: ``all`` creates a Mesa agent per person; ``parties`` only for institutions,
            staff and champions; ``auto`` = all up to 200,000 citizens.
        use_compiled: run the numba kernels (False: their plain-Python twins, for tests).
        opinions: optional (N, K) initial opinions replacing the drawn ones.
        thresholds: optional (N,) mobilisation thresholds replacing the drawn ones.
        graph: optional citizens' Graph replacing the generated one.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None | object = SCENARIO_SEED,
        agents: AgentMode = "auto",
        use_compiled: bool = True,
        opinions: np.ndarray | None = None,
        thresholds: np.ndarray | None = None,
        graph: Graph | None = None,
    ):
        if seed is SCENARIO_SEED:
            seed = scenario.seed
        elif seed is None:
            seed = fresh_seed()
        else:
            seed = int(seed)  # type: ignore[call-overload]
        super().__init__(rng=seed)
        self.config = scenario
        self.seed = seed
        self.use_compiled = use_compiled
        self.streams = streams(seed)
        # keyed per-step draws: posting, feed, paid reach, disengagement
        self.draws = Draws(seed, use_compiled=use_compiled)
        self.step_count = 0
        self.converged = False
        party_specs = list(scenario.parties.values())
        names = list(scenario.parties)
        self.parties_names = names

        x0 = initial_opinions(scenario.population, self.streams["init"])
        traits = {}
        if scenario.population.survey.source:  # respondents resampled (model.survey)
            x0[:, 0], traits["survey_affinity"] = electorate(scenario, seed, names)
        if scenario.network.kind == "graph_file" and graph is None:
            # node attributes of the user's graph file: opinion, activity, party lean
            traits.update(node_traits(scenario.network, scenario.population.citizens, names))
            if "opinion" in traits:
                x0[:, 0] = traits["opinion"]
        if opinions is not None:
            x0 = np.asarray(opinions, dtype=np.float64).reshape(x0.shape).clip(-1.0, 1.0)
        citizen_graph = (
            graph if graph is not None else generate(scenario.network, x0, self.streams["network"])
        )
        n_c = scenario.population.citizens
        self.plans = plans = [plan(p, n_c, scenario.era) for p in party_specs]
        counts = [pl.staff_count for pl in plans]
        self.population = pop = build_population(
            scenario, x0, [pl.staff_shares() for pl in plans], self.streams["init"]
        )
        if traits.get("survey_affinity") is not None:
            pop.affinity[: pop.citizens] = traits["survey_affinity"]
        if "activity" in traits:
            pop.activity[: pop.citizens] = traits["activity"]
        if "lean" in traits:  # a leaning citizen starts at full initial affinity to its party
            lean = traits["lean"]
            rows = np.flatnonzero(lean >= 0)
            pop.affinity[rows, lean[rows]] = scenario.population.initial_affinity
        if thresholds is None and scenario.mobilization.thresholds_path:
            thresholds = read_values(
                scenario.mobilization.thresholds_path, pop.citizens, low=0.0, high=1.0
            )
        if thresholds is not None:
            pop.threshold[: pop.citizens] = np.asarray(thresholds, dtype=np.float64)
        # committed citizens (opinion.zealots): chosen now, those at ±1 set there
        self.committed = zealots.commit(scenario, pop, self.seed)
        self.citizen_graph = citizen_graph  # the classic rules' peer process: citizens only
        # A: posts a citizen reads per step at most (docs/MODEL.md, step 2)
        self.reading_capacity = reading_capacity(
            scenario.feed, citizen_ties(citizen_graph, scenario.population.citizens)
        )
        self.graph = attach_staff(
            citizen_graph, pop, counts, [p.staff.ties for p in party_specs], self.streams["network"]
        )
        # the classic rules' peer process runs on the citizens' network, or, with staff committed
        # (opinion.zealots.staff), on the whole network: staff are then met and copied
        self.peer_graph = self.graph if scenario.opinion.zealots.staff else citizen_graph

        line = np.array([p.position for p in party_specs], dtype=np.float64).reshape(
            len(party_specs), scenario.population.issues
        )
        staff_rows, row = [], pop.citizens
        for count in counts:
            staff_rows.append(np.arange(row, row + count))
            row += count
        self.parties = Parties(
            names=names,
            line=line,
            followers=self._followers(pop, party_specs),
            staff_rows=staff_rows,
            cumulative_cost=np.zeros(len(names)),
            burnouts=np.zeros(len(names), dtype=np.int64),
            recruits=np.zeros(len(names), dtype=np.int64),
            plans=plans,
        )
        self.reachable = self._reachable(pop)
        # a randomized experiment on the citizens (trial): exactly ⌊share·N⌋ treated, keyed
        self.treated = np.zeros(pop.citizens, dtype=bool)
        if scenario.trial.party:
            key = name_key(scenario.trial.party)
            shown = trial_size(scenario)
            self.treated[keyed_sample(self.draws, "trial", 0, key, pop.citizens, shown)] = True
        self.founding_champions = champions.seed_champions(
            pop, self.parties, scenario, self.seed, self.reachable
        )
        self.founding_members = movement.found(pop, scenario, self.draws)
        self.rule = make_rule(scenario.opinion, use_compiled=use_compiled)
        self.rule.start(pop)
        # opinion.anchoring pulls citizens back toward these (party identification); kept only
        # when anchoring is on
        self.initial_opinions = (
            pop.x[: pop.citizens].copy() if scenario.opinion.anchoring > 0 else None
        )
        self.spend = np.zeros((len(names), len(CHANNELS)))  # this step, per 1,000 citizens
        self.planned = np.array([[pl.planned[c] for c in CHANNELS] for pl in plans]).reshape(
            len(names), len(CHANNELS)
        ) / (n_c / 1000.0)
        self.spend_total = np.zeros_like(self.spend)  # over the run so far, per 1,000 citizens
        self.planned_total = np.zeros_like(self.spend)
        self.last_reads_party = np.zeros(0, dtype=np.int64)
        self.last_reads_source = np.zeros(0, dtype=np.int64)
        # posts read over the whole run, by (party + 1) · len(SOURCE_NAMES) + source type
        self.voice_totals = np.zeros((len(names) + 1) * len(SOURCE_NAMES), dtype=np.int64)
        # opinion movement caused so far (Σ over citizens of |Δx|), by sender: citizens (their
        # posts and the peer process), news outlets, then each party (docs/MODEL.md, step 7)
        self.influence = np.zeros(len(names) + 2)
        # elections held so far (election.cycle > 0): each one's vote shares
        self.elections: list[np.ndarray] = []
        self.vote = polls.vote_intention(
            pop, self.parties, scenario.election, use_compiled=use_compiled
        )
        self.parties.vote_history.append(self.vote.copy())

        mode = (
            agents
            if agents != "auto"
            else ("all" if pop.citizens <= AUTO_AGENT_LIMIT else "parties")
        )
        self.agent_mode = mode
        self.person_agents = make_agents(self, mode)
        self.champion_flags = pop.role == CHAMPION  # who was a champion at the last agents sync
        # nobody can ever post (no parties, zero activity, no news): the posting and feed phases are
        # skipped outright, so a classic peer-process run pays only for its peer process
        self.posting = bool(pop.activity.any()) or bool(names) or bool(scenario.news.positions)
        self._meter = meter(tuple(names))  # the metrics' keys and their measurement
        self._metric_keys = self._meter.keys
        self.metrics = self._measure()
        # the metrics as "metric|party|source" columns, and the seed used (with seed=None, the
        # fresh one), so each row of mesa.batch_run's table names the seed that repeats it
        self.datacollector = MetricsCollector(list(self.metrics), self._metric_keys)
        self.recorded_steps: list[int] = []
        self._record()

    # -- set-up helpers -------------------------------------------------------------------
    def _followers(self, pop: Population, party_specs: list) -> list[np.ndarray]:
        """Each institution's followers: drawn with probability proportional to affinity + 0.01,
        from the party's own stream (``rng.party_stream``)."""
        out = []
        for k, spec in enumerate(party_specs):
            rng = party_stream(self.seed, "followers", self.parties_names[k])
            count = (
                round(spec.institution.followers * pop.citizens) if spec.institution.enabled else 0
            )
            if count == 0:
                out.append(np.zeros(0, dtype=np.int64))
                continue
            weight = pop.affinity[: pop.citizens, k] + 0.01
            rows = rng.choice(pop.citizens, count, replace=False, p=weight / weight.sum())
            out.append(np.sort(rows).astype(np.int64))
        return out

    def _reachable(self, pop: Population) -> list[np.ndarray]:
        """Citizens an organizer can reach: staff contacts and the institution's followers."""
        out = []
        for k in range(len(self.parties.names)):
            mask = np.zeros(pop.citizens, dtype=bool)
            mask[self.parties.followers[k]] = True
            staff = self.parties.staff_rows[k]
            if staff.size:
                _, contacts = expand_neighbours(self.graph, staff, use_compiled=self.use_compiled)
                mask[contacts[contacts < pop.citizens]] = True
            out.append(mask)
        return out

    # -- one step -------------------------------------------------------------------------
    def step(self) -> None:
        """One day: post, feed, update, champions, mobilization, poll, collect."""
        self.step_count += 1
        t = self.step_count
        watch = self.config.opinion.stop_at_convergence
        before = self.population.x.copy() if watch else None
        sc, pop, parties, rs = self.config, self.population, self.parties, self.streams
        party_specs = list(sc.parties.values())

        contacts = np.zeros((len(party_specs), 2))
        # committed rows: whatever moves them this step (reads, peers, anchoring) is undone
        frozen = zealots.frozen(sc, pop, self.committed)
        held = pop.x[frozen].copy() if frozen.any() else None
        if self.posting:
            posts = make_posts(pop, parties, sc, self.draws, t, use_compiled=self.use_compiled)
            reads = deliver(
                posts,
                self.graph,
                pop,
                parties,
                sc,
                self.draws,
                t,
                capacity=self.reading_capacity,
                use_compiled=self.use_compiled,
            )
            msgs = reads.messages
            offline, contacts = offline_contacts(pop, parties, sc, self.draws, t)
            if offline is not None:  # mass media, canvassing, news: read off the platform
                msgs = Messages.concat([msgs, offline])
            if sc.trial.party and t == sc.trial.step:  # the trial's treatment: one contact each
                msgs = Messages.concat([msgs, self._trial_contacts()])
            read_party, read_source = msgs.party, msgs.source
            effect = self.rule.read(
                pop, msgs.reader, msgs.content, msgs.trust, msgs.source, rs["update"]
            )
            if held is not None:  # a committed reader is not moved (its row is restored)
                effect.moved[frozen[msgs.reader]] = 0.0
            # influence by sender (citizens 0, news 1, party k at 2 + k), the step each party
            # was last read by each reader, and the campaign's share-of-voice counts
            kernel("tally_reads", use_compiled=self.use_compiled)(
                msgs.reader,
                read_party,
                read_source,
                effect.moved,
                SOURCE_NEWS,
                t,
                self.influence,
                pop.last_party_read,
                self.voice_totals,
            )
        # the peer process is citizens influencing citizens (Friedkin-Johnsen's pull back to
        # x(0) excluded: like anchoring, it is nobody's influence)
        self.influence[0] += self.rule.peer_step(
            pop, self.peer_graph, rs["update"], frozen if held is not None else None
        )
        rewired = self.rule.graph
        if rewired is not None and rewired is not self.citizen_graph:  # holme_newman
            # textbook mode (no staff): the citizens' network is the whole network
            self.citizen_graph = self.peer_graph = self.graph = rewired
        if sc.opinion.anchoring > 0:  # party identification (docs/MODEL.md, step 3)
            x = pop.x[: pop.citizens]
            x += sc.opinion.anchoring * (self.initial_opinions - x)
        if held is not None:
            pop.x[frozen] = held
        if before is not None:
            self.converged = self.rule.converged(before, pop.x, sc.opinion.convergence_tolerance)
        if self.posting:
            polls.update_affinity(
                pop,
                msgs.reader,
                read_party,
                msgs.trust * msgs.script,
                effect.accepted,
                effect.rejected,
                sc.election,
                sc.opinion.backfire_rate,
                use_compiled=self.use_compiled,
            )
            paid = reads.paid_impressions
        else:
            read_party = read_source = np.zeros(0, dtype=np.int64)
            paid = np.zeros(len(party_specs))

        if party_specs:
            self._party_phase(t, paid, contacts)
        if pop.member.any():  # the citizens' movement recruits; engaging parties listen
            movement.recruit(pop, self.citizen_graph, sc, self.draws, t)
            movement.respond(pop, parties, sc)
        if sc.mobilization.enabled:
            mobilization.spread(
                pop,
                self.graph,
                sc.mobilization,
                self.draws,
                t,
                self._pinned(),
                use_compiled=self.use_compiled,
            )
        if party_specs:
            self.vote = polls.vote_intention(
                pop, parties, sc.election, use_compiled=self.use_compiled
            )
        parties.vote_history.append(self.vote.copy())
        cycle = sc.election.cycle
        if party_specs and cycle > 0 and t % cycle == 0:  # an election (docs/MODEL.md, step 6)
            self.elections.append(self.vote.copy())
            if t < sc.steps:  # the victory's shared benefits, for the next cycle
                champions.election_benefits(pop, parties, sc, self.vote)
        self.last_reads_party = read_party
        self.last_reads_source = read_source
        if t % sc.output.every == 0:
            self._record()
        # Mesa's convention: a model stops running when it is done — here on election day (the
        # last step) or on convergence; batch_run and the app's Play stop there
        if t >= sc.steps or self.converged:
            self.running = False

    def _trial_contacts(self) -> Messages:
        """The trial's treatment: one off-platform contact from its party to each treated
        citizen, with the party's line at the trust of the chosen channel (not billed: the
        experimenters pay for it)."""
        trial = self.config.trial
        k = self.parties.names.index(trial.party)
        spec = self.config.parties[trial.party]
        rows = np.flatnonzero(self.treated).astype(np.int64)
        source = SOURCE_CANVASS if trial.channel == "canvass" else SOURCE_MASS_MEDIA
        m = rows.size
        return Messages(
            reader=rows,
            party=np.full(m, k, dtype=np.int64),
            source=np.full(m, source, dtype=np.int64),
            content=np.broadcast_to(self.parties.line[k], (m, self.parties.line.shape[1])).copy(),
            trust=np.full(m, getattr(spec, trial.channel).trust),
            script=np.ones(m),
        )

    def trial_effects(self) -> dict | None:
        """The trial's average treatment effects now (on election day, the last step): treated
        minus control mean of each citizen's expected vote for the party, of its expected vote
        for any party (turnout) and of its opinion, with Neyman's 95 % interval (normal;
        difference of means with unequal variances). Spillovers along the network reach the
        control group too, as they would in the field; the estimate is of the direct effect net
        of them."""
        trial = self.config.trial
        if not trial.party:
            return None
        k = self.parties.names.index(trial.party)
        votes = polls.citizen_votes(self.population, self.parties, self.config.election)
        n = self.population.citizens
        outcomes = {
            "vote_share": votes[:, k],
            "turnout": votes.sum(axis=1),
            "opinion": self.population.x[:n, 0],
        }
        out: dict = {
            "party": trial.party,
            "channel": trial.channel,
            "step": trial.step,
            "treated": int(self.treated.sum()),
            "control": int(n - self.treated.sum()),
        }
        for name, y in outcomes.items():
            a, b = y[self.treated], y[~self.treated]
            ate = float(a.mean() - b.mean())
            se = float(np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
            out[name] = {"ate": ate, "se": se, "ci95": [ate - 1.96 * se, ate + 1.96 * se]}
        return out

    def _party_phase(self, t: int, paid: np.ndarray, contacts: np.ndarray) -> None:
        """Champions burn out, are recruited and pull the line; this step's costs."""
        sc, pop, parties = self.config, self.population, self.parties
        compiled = self.use_compiled
        # the champions each party has: after the burnouts, then kept up to date by recruit
        burnouts, active = champions.motivate(pop, parties, sc, use_compiled=compiled)
        recruits = champions.recruit(
            pop,
            parties,
            sc,
            self.reachable,
            self.streams["champions"],
            t,
            active=active,
            use_compiled=compiled,
        )
        champions.drift_party_line(pop, parties, sc, active)
        # per channel, in budget units per 1,000 citizens (docs/MODEL.md, "Budgets"): the content
        # team and salaries as planned, paid reach and offline contacts as delivered, champions
        # as active; and the programme's burnouts and recruits
        changed = champions.keep_books(
            parties,
            sc,
            pop.citizens,
            paid=paid,
            contacts=contacts,
            active=active,
            burnouts=burnouts,
            recruits=recruits,
            planned=self.planned,
            spend=self.spend,
            spend_total=self.spend_total,
            planned_total=self.planned_total,
            use_compiled=compiled,
        )
        if changed and self.person_agents is not None:
            sync_agents(self)

    @property
    def elections_won(self) -> np.ndarray:
        """Elections each party has won so far (most votes; the first on a tie)."""
        winners = [int(np.argmax(v)) for v in self.elections]
        return np.bincount(winners, minlength=len(self.parties_names)).astype(np.int64)

    @property
    def metrics(self) -> dict[Key, float]:
        """The outcomes of the last recorded step, keyed by (metric, party, source_type) in
        ``metrics.metric_keys`` order, every value a Python float (a new dict each recorded
        step: one kept from an earlier step keeps its values). Built when first asked for:
        the DataCollector takes the values without it."""
        if self._metrics is None:
            self._metrics = dict(zip(self._metric_keys, self._metric_values, strict=True))
        return self._metrics

    @metrics.setter
    def metrics(self, value: dict[Key, float]) -> None:
        self._metrics = value

    def _record(self) -> None:
        """Measure the metrics and hand them to the DataCollector (``output.every`` steps)."""
        if self.recorded_steps and self.recorded_steps[-1] == self.step_count:
            return
        # ours (not a subclass's or one set on the instance): the values, no dict yet
        if (
            getattr(self._measure, "__func__", None) is SocialWebModel._measure
            and getattr(self._measure_values, "__func__", None) is SocialWebModel._measure_values
        ):
            values = self._measure_values()
            self._metrics, self._metric_values = None, values
            self._row = values  # for this collect only (MetricsCollector.collect)
            try:
                self.datacollector.collect(self)
            finally:
                self._row = None
        else:  # another measure
            self.metrics = self._measure()
            self.datacollector.collect(self)
        self.recorded_steps.append(self.step_count)

    def _pinned(self) -> np.ndarray:
        """People the engagement contagion leaves alone: staff, mobilised champions, and the
        movement's members when it mobilises them."""
        pop = self.population
        pinned = pop.role == STAFF
        if self.config.movement.mobilized:
            pinned = pinned | pop.member
        mobilized = [k for k, p in enumerate(self.config.parties.values()) if p.champions.mobilized]
        if mobilized:
            pinned |= (pop.role == CHAMPION) & np.isin(pop.party, mobilized)
        return pinned

    def _measure(self) -> dict[Key, float]:
        """The metrics of the current state (``metrics.step_metrics``), as a dict."""
        return dict(zip(self._metric_keys, self._measure_values(), strict=True))

    def _measure_values(self) -> list[float]:
        """:meth:`_measure`'s values, in its keys' order."""
        parties = self.parties
        # no election yet (always, with election.cycle 0): nothing won, without the property
        won = self.elections_won if self.elections else np.zeros(len(parties.names), np.int64)
        return self._meter.values(
            self.population,
            self.vote,
            self.last_reads_party,
            self.last_reads_source,
            self.config.feed.recent_window,
            self.step_count,
            self.spend,
            self.planned,
            parties.cumulative_cost,
            parties.burnouts,
            parties.recruits,
            parties.line,
            self.influence,
            won,
            self.use_compiled,
        )

    def run(
        self, steps: int | None = None, progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Run ``steps`` steps (default: the scenario's), calling ``progress(done, total)``."""
        total = self.config.steps if steps is None else steps
        done = 0
        # steps run without Mesa's event queue (:meth:`_step_direct`) leave its schedule behind
        # until it is set right, before anyone else can see it: a progress callback, the end
        direct = self._direct_ok()
        behind = False
        try:
            while done < total:
                if direct:
                    behind = True  # from the clock's first move on, even if the step fails
                    self._step_direct()
                    done += 1
                    if len(self._event_list) != 1:  # the step scheduled an event of its own
                        self._resync_mesa()
                        behind = direct = False
                else:
                    # between recorded steps a run with nothing but a fusable peer process runs
                    # them in one compiled call (identical results: :meth:`_run_fused`)
                    done += self._run_fused(total - done) or self._step_once()
                if progress is not None:
                    if behind:
                        self._resync_mesa()
                        behind = False
                    progress(done, total)
                    # the callback may add an event, or patch step()
                    direct = direct and self._direct_ok()
                if self.converged:
                    if progress is not None:
                        progress(total, total)
                    break
        finally:
            if behind:
                self._resync_mesa()
        self._record()  # the last step is always recorded, whatever ``output.every``

    def _step_once(self) -> int:
        self.step()
        return 1

    def _direct_ok(self) -> bool:
        """Steps may run as :meth:`_step_direct`: ``step()`` is this class's own, Mesa has no
        event but its next step on its default schedule (every 1 time unit, no end), and the
        run cannot fuse steps (:meth:`_run_fused` keeps Mesa's queue itself)."""
        rule = self._default_schedule.schedule
        return (
            rule.interval == 1
            and rule.count is None
            and rule.end is None
            and self._steps_are_ours()
            and self._mesa_idle()
            and not self._fusable()
        )

    def _step_direct(self) -> None:
        """One step as Mesa's step event runs it — the clock to the next whole time, the step
        count up, Mesa's log line, this class's ``step`` — without the event queue: the event
        is not popped, run and rescheduled (about 15 µs a step of the default run, a sixth of
        it), so Mesa's schedule must be set right afterwards (:meth:`_resync_mesa`)."""
        self.time += 1
        self.steps += 1
        if _mesa_logger.isEnabledFor(logging.INFO):
            _mesa_logger.info(f"Step {self.steps} at time {self.time}")
        self._user_step()
        self._default_schedule._execution_count += 1

    def _resync_mesa(self) -> None:
        """Mesa's step event moved to the next whole time after the clock (the schedule as
        the steps run since it was last set would have left it)."""
        schedule = self._default_schedule
        schedule._current_event.cancel()
        self._event_list.compact()
        schedule._schedule_next(self.time + 1)

    def _run_fused(self, left: int) -> int:
        """Run up to ``left`` steps in one call of the peer process's kernel when nothing else
        can act or observe in between; returns the steps run (0: step one by one instead).

        Fused when the run is a textbook peer process (nobody posts: no parties, no activity,
        no news; no anchoring, committed rows, mobilisation, movement or convergence watch), the
        rule can run several steps at once (``Rule.peer_steps``: one-issue Deffuant), at least
        two steps remain before the next recorded one (``output.every``), ``step()`` is this
        class's own (not overridden by a subclass or patched), and Mesa has no event scheduled
        but its next step (a user's event, even a later one, makes the run step one by one).
        The steps draw the same keys, move the same opinions and count the same influence as
        stepping one by one; Mesa's clock and step count end where k calls of ``step()`` would
        have left them (docs/ARCHITECTURE.md, "Fused steps"). ``progress`` hears once per chunk.
        """
        sc, pop = self.config, self.population
        every = sc.output.every
        k = min(left, every - self.step_count % every)
        if k < 2 or not self._fusable() or not self._steps_are_ours() or not self._mesa_idle():
            return 0
        moved = self.rule.peer_steps(pop, self.peer_graph, self.streams["update"], k)
        if moved is None:
            return 0
        for m in moved:  # the same additions, in the same order, as step by step
            self.influence[0] += m
        self.step_count += k
        for _ in range(k):
            self.parties.vote_history.append(self.vote.copy())
        self.last_reads_party = self.last_reads_source = np.zeros(0, dtype=np.int64)
        self._advance_mesa(k)
        if self.step_count % every == 0:
            self._record()
        if self.step_count >= sc.steps:
            self.running = False
        return k

    def _steps_are_ours(self) -> bool:
        """``step()`` is this class's, unwrapped: a subclass that overrides it, or a step
        patched on the instance, must run every step (Mesa keeps the class's step as
        ``_user_step`` and puts its own wrapper in ``step``)."""
        user = getattr(self._user_step, "__func__", None)
        return user is SocialWebModel.step and self.__dict__.get("step") == self._wrapped_step

    def _fusable(self) -> bool:
        """Nothing but the peer process acts in a step (see :meth:`_run_fused`)."""
        sc, pop = self.config, self.population
        if type(self.rule).peer_steps is Rule.peer_steps:  # cheap first: the rule cannot
            return False
        return not (
            self.posting
            or self.parties_names
            or sc.opinion.anchoring > 0
            or sc.opinion.stop_at_convergence
            or sc.mobilization.enabled
            or pop.member.any()
            or self.peer_graph is not self.citizen_graph
            or zealots.frozen(sc, pop, self.committed).any()
        )

    def _mesa_idle(self) -> bool:
        """Mesa's only scheduled event is its next step (no event a user added)."""
        step_event = getattr(self._default_schedule, "_current_event", None)
        return (
            step_event is not None
            and step_event.time == self.time + 1
            and len(self._event_list) == 1
            and len(self._event_generators) == 1
        )

    def _advance_mesa(self, k: int) -> None:
        """Mesa's clock, step count and step schedule as after ``k`` calls of ``step()``."""
        self.time += k
        self.steps += k
        self._default_schedule._execution_count += k
        self._resync_mesa()


def _report(key: Key, model: SocialWebModel) -> float:
    return model.metrics[key]


# the metrics' and the seed's types: deepcopy returns them as they are
_ATOMIC = frozenset((float, int))


class MetricsCollector(mesa.DataCollector):
    """Mesa's DataCollector over the model's metrics (one reporter a metric, plus the seed),
    whose ``collect`` appends the step's values directly: those the model hands over in key
    order when it records a step with its own measure (floats by construction: only the seed's
    type is checked), else ``model.metrics``'.

    Mesa's own ``collect`` calls each reporter through ``functools.partial`` and deep-copies the
    float it returns: some seven Python calls per metric, about 500 a recorded step, which was a
    third of a step's Python calls. Here the same values go into the same lists in the same
    order, in one pass of C-level calls (a float or an int is appended as it is, as ``deepcopy``
    would return it; a step with any other value is collected by Mesa's own ``collect``, which
    deep-copies it). The public interface is Mesa's: ``model_reporters`` (the same partials, so
    they still work when called), ``model_vars``, ``_collection_steps`` and
    ``get_model_vars_dataframe()``. The first ``collect`` (which validates the reporters) is
    Mesa's, and so is every one after anyone adds or replaces a model reporter or adds an agent
    reporter.
    """

    def __init__(self, keys: list[Key], source: tuple | None = None):
        self._keys = [("|".join(key), key) for key in keys]
        self._metric_keys = [key for _, key in self._keys]
        # the model's tuple of metric keys these are (its ``_metric_keys``): a model whose
        # ``_row`` holds this step's values in that order hands them over without its dict
        self._source = source
        self._names = [name for name, _ in self._keys] + ["seed"]  # model_vars' columns, in order
        reporters = {name: partial(_report, key) for name, key in self._keys} | {"seed": _seed}
        super().__init__(model_reporters=reporters)
        self._own = dict(reporters)  # the reporters this collector appends itself

    def collect(self, model) -> None:
        if (
            not getattr(self, "_validated", False)  # Mesa's own first collect validates
            or self.agent_reporters
            or self.agenttype_reporters
            or self.model_reporters != self._own  # same objects: compared by identity first
        ):
            super().collect(model)
            return
        row = getattr(model, "_row", None)
        if row is not None and self._source is not None and model._metric_keys is self._source:
            # this step's values, in the columns' order: floats (the model's measure makes
            # them so), and the seed, an int unless someone set another
            row = [*row, model.seed]
            atomic = type(row[-1]) in _ATOMIC
        else:
            row = list(map(model.metrics.__getitem__, self._metric_keys))
            row.append(model.seed)
            atomic = _ATOMIC.issuperset(map(type, row))
        if not atomic:  # deep-copied, as Mesa does
            super().collect(model)
            return
        if hasattr(self, "_collection_steps"):  # as Mesa's own collect does
            self._collection_steps.append(model.time)
        columns = map(self.model_vars.__getitem__, self._names)
        deque(map(list.append, columns, row), maxlen=0)  # each value onto its column


def _seed(model: SocialWebModel) -> int:
    return model.seed


def warm_up(*, threads: bool = False) -> None:  # pragma: no mutate block
    """Compile (or load from numba's cache) every kernel a run uses: the dynamics' and the
    phases' (``dynamics.kernels.warm_up``; with ``threads``, their threaded builds too) and the
    metrics' (``metrics.warm_up``) and the default network's generator, so none is loaded
    during a run."""
    warm_up_kernels(threads=threads)
    warm_up_metrics()
    twin(ba_edges)(3, 1, np.random.default_rng(0))  # the default network's generator
    twin(csr_symmetric)(np.array([0, 1, 2], np.int32), np.array([1, 0], np.int32))
