"""Phase 1, post: who posts this step and what the post says (docs/MODEL.md, step 1).

- a citizen posts with probability a_i · engagement_i; content x_i + noise;
- a champion posts with probability min(1, a_i · e_i · (1 + activity_boost · m_i)) — what it
  posted as a citizen plus a motivated extra, so recruitment never lowers it; content
  (1 - g)·x_i + g·p + noise — the more guided, the closer to the script;
- a staff member posts with probability ``staff.activity`` (times its share of full time, for a
  part-time member: ``model.config.plan``); content p (the party line);
- a member of the citizens' movement (``dynamics.movement``) posts with probability
  min(1, a_i · e_i · (1 + activity_boost)); content (1 - g)·x_i + g·position + noise; no party;
- an institution posts ``posts_per_step`` times — or what its content budget buys
  (``model.config.plan``) — the fractional part as one Bernoulli extra; content p.

Each post carries the trust readers give it: peer 1, staff and institution their party's
multiplier, a champion 1 - λ·g (authenticity: scripted posts read as astroturf).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config.schema import Scenario
from model.population import (
    CHAMPION,
    CITIZEN,
    SOURCE_CHAMPION,
    SOURCE_CITIZEN,
    SOURCE_INSTITUTION,
    SOURCE_MOVEMENT,
    SOURCE_STAFF,
    STAFF,
    Parties,
    Population,
)
from model.rng import Draws, institution_keys, name_key

INSTITUTION_AUTHOR = -1


@dataclass
class Posts:
    """This step's posts, one row each."""

    author: np.ndarray  # person row, or -1 - party for an institution
    party: np.ndarray  # party index, -1 for a citizen's own post
    source_type: np.ndarray  # SOURCE_* code
    content: np.ndarray  # (M, K)
    trust: np.ndarray  # trust multiplier readers apply
    rate: np.ndarray  # the source's posting rate (the engagement feed's weight)
    key: np.ndarray  # uint64 identity of the post's author (model.rng): keys the feed's draws
    script: np.ndarray  # share of the post that is the party's script: 1 party, g champion, 0

    @property
    def size(self) -> int:
        return self.author.size


def champion_trust(guidance: np.ndarray, authenticity_penalty: np.ndarray) -> np.ndarray:
    """Trust in a champion's posts, 1 - λ·g (docs/MODEL.md, step 3)."""
    return 1.0 - authenticity_penalty * guidance


def posting_rates(pop: Population, scenario: Scenario) -> np.ndarray:
    """Chance each person posts this step."""
    boost = np.array([p.champions.activity_boost for p in scenario.parties.values()] or [0.0])
    rate = pop.activity * pop.engagement
    champ = pop.role == CHAMPION
    if champ.any():
        # a champion keeps its citizen's rate and adds a motivated share on top: at the neutral
        # activity_boost 0 recruitment changes nothing, and it never lowers the rate
        extra = 1.0 + boost[pop.party[champ]] * pop.motivation[champ]
        rate[champ] = np.minimum(1.0, rate[champ] * extra)
    member = pop.member
    if member.any():  # a movement member posts like a fully motivated champion
        rate[member] = np.minimum(1.0, rate[member] * (1.0 + scenario.movement.activity_boost))
    return rate


def make_posts(
    pop: Population, parties: Parties, scenario: Scenario, draws: Draws, step: int
) -> Posts:
    """Draw this step's posts.

    Draws are keyed (``model.rng``): whether person i posts on day t, and its post's noise, are
    the same in every scenario sharing the seed, whatever other people, staff or parties do.
    """
    party_specs = list(scenario.parties.values())
    rate = posting_rates(pop, scenario)
    authors = np.flatnonzero(draws.uniform("post", step, pop.key) < rate)
    role = pop.role[authors]
    k = pop.party[authors].astype(np.int64)
    issues = np.arange(pop.x.shape[1], dtype=np.uint64)
    noise = scenario.opinion.posting_noise * draws.normal(
        "noise", step, pop.key[authors][:, None], issues[None, :]
    )
    names = list(scenario.parties)
    # each party's Bernoulli extra, keyed by its name: one pass over the parties' keys gives
    # each the draw its own scalar call would
    extra = draws.uniform("extra", step, np.array([name_key(n) for n in names], dtype=np.uint64))
    content = pop.x[authors] + noise
    source = np.full(authors.size, SOURCE_CITIZEN, dtype=np.int8)
    trust = np.ones(authors.size)
    script = np.zeros(authors.size)

    champ = role == CHAMPION
    if champ.any():
        champ_rows = authors[champ]
        guidance = pop.guidance[champ_rows]
        g = guidance[:, None]
        content[champ] = (1 - g) * pop.x[champ_rows] + g * parties.line[k[champ]] + noise[champ]
        source[champ] = SOURCE_CHAMPION
        script[champ] = guidance
        penalty = np.array([p.champions.authenticity_penalty for p in party_specs])
        trust[champ] = champion_trust(guidance, penalty[k[champ]])
    staff = role == STAFF
    if staff.any():
        content[staff] = parties.line[k[staff]]
        source[staff] = SOURCE_STAFF
        script[staff] = 1.0
        trust[staff] = np.array([p.staff.trust for p in party_specs])[k[staff]]
    own = role == CITIZEN
    k[own] = -1
    member = own & pop.member[authors]
    if member.any():  # the movement's message: (1 - g)·x + g·position, peer trust, no party
        g = scenario.movement.guidance
        position = np.asarray(scenario.movement.position)
        content[member] = (1 - g) * pop.x[authors[member]] + g * position + noise[member]
        source[member] = SOURCE_MOVEMENT

    post_rate = rate[authors]
    author_key = pop.key[authors]
    inst_party, inst_key = [], [author_key]
    for j, spec in enumerate(party_specs):
        per_step = parties.plans[j].posts_per_step
        if spec.institution.enabled:
            whole = int(per_step)
            count = whole + int(extra[j] < per_step - whole)
            inst_party += [j] * count
            inst_key.append(institution_keys(names[j], count))
    author_key = np.concatenate(inst_key)
    if inst_party:
        ip = np.asarray(inst_party, dtype=np.int64)
        m = ip.size
        authors = np.concatenate([authors, INSTITUTION_AUTHOR - ip])
        k = np.concatenate([k, ip])
        source = np.concatenate([source, np.full(m, SOURCE_INSTITUTION, dtype=np.int8)])
        content = np.concatenate([content, parties.line[ip]])
        # per post, its party's value: indexed from one array a party rather than listed
        inst_trust = np.array([spec.institution.trust for spec in party_specs], dtype=np.float64)
        trust = np.concatenate([trust, inst_trust[ip]])
        script = np.concatenate([script, np.ones(m)])
        per_step = np.array([pl.posts_per_step for pl in parties.plans], dtype=np.float64)
        post_rate = np.concatenate([post_rate, per_step[ip]])
    return Posts(
        author=authors.astype(np.int64),
        party=k,
        source_type=source,
        content=np.clip(content, -1.0, 1.0),
        trust=trust,
        rate=post_rate,
        key=author_key,
        script=script,
    )
