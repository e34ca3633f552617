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

The keyed draws (who posts, each post's noise, the institutions' extras) come from
``model.rng.Draws``, as in every phase; the rest is two compiled passes (``model.jit.twin``):
:func:`post_rates` (every person's rate, who posts, each institution's post count) and
:func:`assemble_posts` (each post's row), the same arithmetic in the same order as the NumPy
expressions they replaced, so the same numbers bit for bit. The per-party parameters reach them
as one small table (:func:`party_table`), reused from step to step while the parties' specs
and their plans' posts per step stay the same (a plan may change during a run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from operator import is_

import numpy as np

from model.config.schema import Scenario
from model.jit import twin
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
from model.rng import INSTITUTION_KEY, Draws, _mix_key, _unit, in_kernels, name_key

INSTITUTION_AUTHOR = -1

# columns of the per-party table (party_table): a row a party, in scenario order
BOOST, PENALTY, STAFF_TRUST, INSTITUTION_TRUST, PER_STEP, ENABLED = range(6)
# post_rates' draw arguments when only rates are wanted: no keys (so no draws), and the
# states, extra keys, authors, counts, u1 and u2 it then leaves alone
_NO_KEYS = np.zeros(0, dtype=np.uint64)
_NO_ROWS = np.zeros(0, dtype=np.int64)
_NO_UNIFORMS = np.zeros((0, 1))
_NO_KEYS_READ_ONLY = np.zeros(0, dtype=np.uint64)
_NO_KEYS_READ_ONLY.flags.writeable = False  # as _party_keys' (one compiled build for both)
_NO_DRAWS = np.zeros(0)
TWO_PI = 2.0 * np.pi  # Box–Muller's angle factor, as rng.box_muller writes it
_PURPOSES = ("post", "extra", "noise")  # post_rates' keyed draws, in the order of its states
_RATES_ONLY = (_NO_KEYS, _NO_KEYS, _NO_KEYS_READ_ONLY, _NO_DRAWS, _NO_DRAWS)
_RATES_ONLY_OUT = (_NO_ROWS, _NO_ROWS, _NO_UNIFORMS, _NO_UNIFORMS)


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


def post_rates(  # pragma: no cover
    activity,
    engaged,
    engagement_base,
    role,
    party,
    motivation,
    member,
    table,
    member_factor,
    key,
    states,
    extra_keys,
    u,
    extra,
    rate,
    authors,
    counts,
    u1,
    u2,
):
    """Every person's posting rate into ``rate``; with draws, also the rows i with u_i <
    rate_i into ``authors`` (ascending) and each party's institution posts into ``counts``.
    Returns (the number of authors, that number + the institution posts).

    The draws are made here when ``key`` (the people's keys) is not empty: those of
    ``model.rng.Draws`` (its uniforms, and ``normal``'s two uniforms), from the hash states
    ``states`` of the purposes "post", "extra" and "noise" this step (``Draws.state``): u_i
    keyed by ``key[i]``, party j's extra by ``extra_keys[j]``, and author i's noise on issue
    d by (``key[i]``, d), then 1 into ``u1`` and 2, times 2π (as ``rng.box_muller``
    multiplies it), into ``u2`` (row e for the e-th author).
    Else they are given, ``u`` (one a person) and ``extra`` (one a party), when ``u`` is not
    empty; neither: rates only.

    rate_i = a_i · e_i, e_i 1 if ``engaged`` else ``engagement_base``; a champion's is then
    min(1, rate_i · (1 + ``table[party_i, BOOST]`` · m_i)); a movement member's (any role,
    after the champion's) min(1, rate_i · ``member_factor``), member_factor = 1 +
    movement.activity_boost. The cap keeps a NaN as ``np.minimum`` does.

    Party j's institution, if on (table[j, ENABLED]), posts w = ⌊table[j, PER_STEP]⌋ times,
    plus one if its extra < PER_STEP - w; else none."""
    keyed = key.shape[0] != 0
    draw = keyed or u.shape[0] != 0
    issues = u1.shape[1]
    if keyed:  # the posting draws first, in a loop of their own (it vectorises: 8 at a time)
        u = np.empty(key.shape[0])
        for i in range(key.shape[0]):
            u[i] = _unit(_mix_key(states[0], key[i]))
    count = 0
    for i in range(rate.shape[0]):
        r = activity[i] * (1.0 if engaged[i] else engagement_base[i])
        if role[i] == CHAMPION:
            r = r * (1.0 + table[np.int64(party[i]), BOOST] * motivation[i])
            if r > 1.0:
                r = 1.0
        if member[i]:
            r = r * member_factor
            if r > 1.0:
                r = 1.0
        rate[i] = r
        if draw and u[i] < r:
            authors[count] = i
            if keyed:
                z = _mix_key(states[2], key[i])
                for d in range(issues):
                    zd = _mix_key(z, np.uint64(d))
                    u1[count, d] = _unit(_mix_key(zd, np.uint64(1)))
                    u2[count, d] = TWO_PI * _unit(_mix_key(zd, np.uint64(2)))
            count += 1
    total = count
    if draw:
        for j in range(table.shape[0]):
            counts[j] = 0
            if table[j, ENABLED] != 0.0:
                per_step = table[j, PER_STEP]
                whole = int(per_step)
                e = _unit(_mix_key(states[1], extra_keys[j])) if keyed else extra[j]
                counts[j] = whole + (1 if e < per_step - whole else 0)
                total += counts[j]
    return count, total


def assemble_posts(  # pragma: no cover
    authors,
    role,
    party,
    member,
    guidance,
    x,
    normal,
    cosine,
    noise,
    line,
    movement_g,
    position,
    key,
    rate,
    table,
    counts,
    institution_key,
    out_author,
    out_party,
    out_source,
    out_content,
    out_trust,
    out_rate,
    out_key,
    out_script,
):
    """The step's posts into the ``out_*`` arrays (one row a post): first one row per author
    in ``authors`` (order kept), then ``counts[j]`` institution posts of each party j in turn.

    An author i, with n_i = ``noise`` · ``normal[e]`` (its draws, e its place in ``authors``)
    and k its party:

    - champion: content (1 - g_i)·x_i + g_i·line_k + n_i, trust 1 - table[k, PENALTY]·g_i,
      script g_i, party k, source SOURCE_CHAMPION;
    - staff: content line_k, trust table[k, STAFF_TRUST], script 1, party k, SOURCE_STAFF;
    - citizen: party -1, trust 1, script 0; content x_i + n_i (SOURCE_CITIZEN), or, a movement
      ``member``, (1 - g)·x_i + g·``position`` + n_i (SOURCE_MOVEMENT; g ``movement_g``; a
      one-value position serves every issue);

    rate ``rate[i]``, key ``key[i]``, author i. Party j's institution posts: author -1 - j,
    party j, content line_j, trust table[j, INSTITUTION_TRUST], script 1, rate
    table[j, PER_STEP], key ``institution_key[j]`` + its ordinal, SOURCE_INSTITUTION. All
    content is clipped to [-1, 1] (a NaN stays, as ``np.clip`` keeps it).

    With ``cosine`` not empty, ``normal`` holds log u1 and ``cosine`` cos(2π·u2) of each
    author's two uniforms (NumPy's log and cos: numba's differ in the last bit), and the rest
    of Box–Muller, sqrt(-2·log u1)·cos(2π·u2), is done here first, in place, each product
    rounded as ``rng.box_muller`` rounds it."""
    issues = x.shape[1]
    keep = 1.0 - movement_g
    if cosine.shape[0] != 0:
        for e in range(authors.shape[0]):
            for d in range(issues):
                normal[e, d] = math.sqrt(-2.0 * normal[e, d]) * cosine[e, d]
    one_position = position.shape[0] == 1
    for e in range(authors.shape[0]):
        i = authors[e]
        out_author[e] = i
        out_rate[e] = rate[i]
        out_key[e] = key[i]
        if role[i] == CHAMPION:
            k = np.int64(party[i])
            g = guidance[i]
            for d in range(issues):
                out_content[e, d] = (1.0 - g) * x[i, d] + g * line[k, d] + noise * normal[e, d]
            out_party[e] = k
            out_source[e] = SOURCE_CHAMPION
            out_trust[e] = 1.0 - table[k, PENALTY] * g
            out_script[e] = g
        elif role[i] == STAFF:
            k = np.int64(party[i])
            for d in range(issues):
                out_content[e, d] = line[k, d]
            out_party[e] = k
            out_source[e] = SOURCE_STAFF
            out_trust[e] = table[k, STAFF_TRUST]
            out_script[e] = 1.0
        else:
            if role[i] == CITIZEN and member[i]:
                if not one_position and position.shape[0] != issues:
                    raise ValueError("movement.position: one value per issue")
                for d in range(issues):
                    p = position[0] if one_position else position[d]
                    out_content[e, d] = keep * x[i, d] + movement_g * p + noise * normal[e, d]
                out_source[e] = SOURCE_MOVEMENT
            else:
                for d in range(issues):
                    out_content[e, d] = x[i, d] + noise * normal[e, d]
                out_source[e] = SOURCE_CITIZEN
            # a citizen's own post has no party (roles are 0-2: anyone else keeps its own)
            out_party[e] = -1 if role[i] == CITIZEN else np.int64(party[i])
            out_trust[e] = 1.0
            out_script[e] = 0.0
    e = authors.shape[0]
    for j in range(counts.shape[0]):
        for ordinal in range(counts[j]):
            out_author[e] = INSTITUTION_AUTHOR - j
            out_party[e] = j
            out_source[e] = SOURCE_INSTITUTION
            for d in range(issues):
                out_content[e, d] = line[j, d]
            out_trust[e] = table[j, INSTITUTION_TRUST]
            out_rate[e] = table[j, PER_STEP]
            out_key[e] = institution_key[j] + np.uint64(ordinal)
            out_script[e] = 1.0
            e += 1
    for e in range(out_content.shape[0]):
        for d in range(issues):
            v = out_content[e, d]
            if v < -1.0:
                out_content[e, d] = -1.0
            elif v > 1.0:
                out_content[e, d] = 1.0


def party_table(scenario: Scenario, parties: Parties | None = None) -> np.ndarray:
    """The per-party parameters the kernels read, (P, 6) float64 in scenario order: columns
    BOOST, PENALTY, STAFF_TRUST, INSTITUTION_TRUST, PER_STEP (from ``parties.plans``; 0 without
    ``parties``) and ENABLED (1.0 if the institution posts)."""
    specs = scenario.parties.values()
    if parties is None:
        rows = [(p.champions.activity_boost, 0.0, 0.0, 0.0, 0.0, 0.0) for p in specs]
    else:
        rows = [
            (
                p.champions.activity_boost,
                p.champions.authenticity_penalty,
                p.staff.trust,
                p.institution.trust,
                plan.posts_per_step,
                1.0 if p.institution.enabled else 0.0,
            )
            for p, plan in zip(specs, parties.plans, strict=False)
        ]
    return _read_only(np.array(rows, dtype=np.float64).reshape(len(rows), 6))


def _read_only(array: np.ndarray) -> np.ndarray:
    """``array``, made read-only: shared between steps, and every array of the kernels'
    per-party arguments read-only alike (numba compiles read-only and writable arrays apart)."""
    array.flags.writeable = False
    return array


# the last table make_posts used and what it was built from: the parties' specs (frozen
# dataclasses, so unchanged while the same objects; compared by identity, and kept here so no
# other object can take their ids) and the plans' posts per step (compared by value: a plan may
# be replaced or, a test's stand-in, changed in place between steps)
_last_table: tuple[tuple, list, np.ndarray] = ((), [], _read_only(np.zeros((0, 6))))


def _step_table(scenario: Scenario, parties: Parties) -> np.ndarray:
    """:func:`party_table` of this step, rebuilt only when the specs or posts per step change
    (read-only: it may be shared by later steps)."""
    global _last_table
    specs = tuple(scenario.parties.values())
    per_step = [plan.posts_per_step for plan in parties.plans]
    last_specs, last_per_step, table = _last_table
    if (
        per_step == last_per_step
        and len(specs) == len(last_specs)
        and all(map(is_, specs, last_specs))
    ):
        return table
    table = party_table(scenario, parties)
    _last_table = (specs, per_step, table)  # one assignment: a reader never sees half of it
    return table


@cache
def _party_keys(names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each party's key for its extra draw (its name's) and the key of its institution's first
    post of a step (``model.rng.institution_keys``), uint64, read-only."""
    extra = np.array([name_key(n) for n in names], dtype=np.uint64)
    first = np.array([INSTITUTION_KEY | (name_key(n) << 24) for n in names], dtype=np.uint64)
    return _read_only(extra), _read_only(first)


@cache
def _issue_keys(issues: int) -> np.ndarray:
    """The noise draws' issue keys 0..K-1, as a (1, K) uint64 row (read-only)."""
    return _read_only(np.arange(issues, dtype=np.uint64)[None, :])


@cache
def _position(values: tuple[float, ...]) -> np.ndarray:
    """The movement's position as a float64 array (read-only)."""
    return _read_only(np.array(values, dtype=np.float64).reshape(-1))


def posting_rates(pop: Population, scenario: Scenario, *, use_compiled: bool = True) -> np.ndarray:
    """Chance each person posts this step (:func:`post_rates`)."""
    rate = np.empty(pop.n)
    twin(post_rates, use_compiled=use_compiled)(
        pop.activity,
        pop.engaged,
        pop.engagement_base,
        pop.role,
        pop.party,
        pop.motivation,
        pop.member,
        party_table(scenario),
        1.0 + scenario.movement.activity_boost,
        *_RATES_ONLY,
        rate,
        *_RATES_ONLY_OUT,
    )
    return rate


def make_posts(
    pop: Population,
    parties: Parties,
    scenario: Scenario,
    draws: Draws,
    step: int,
    *,
    use_compiled: bool = True,
) -> Posts:
    """Draw this step's posts.

    Draws are keyed (``model.rng``): whether person i posts on day t, and its post's noise, are
    the same in every scenario sharing the seed, whatever other people, staff or parties do.
    """
    if len(parties.plans) < len(scenario.parties):
        raise IndexError("parties.plans: one plan per party")
    table = _step_table(scenario, parties)
    movement = scenario.movement
    n, issues = pop.x.shape[0], pop.x.shape[1]
    extra_keys, institution_key = _party_keys(tuple(scenario.parties))
    keyed = in_kernels(draws)
    if keyed:  # the keyed draws (who posts, each party's extra, each noise): made in the pass
        states = draws.states(step, _PURPOSES)
        u = extra = _NO_DRAWS
        u1, u2 = np.empty((n, issues)), np.empty((n, issues))
        key = pop.key
    else:  # a stand-in for Draws (a test's chosen values) or a subclass: its arrays
        key = states = _NO_KEYS
        u = draws.uniform("post", step, pop.key)
        extra = draws.uniform("extra", step, extra_keys)
        u1 = u2 = _NO_UNIFORMS
    rate = np.empty(n)
    authors = np.empty(n, dtype=np.int64)
    counts = np.empty(table.shape[0], dtype=np.int64)
    count, m = twin(post_rates, use_compiled=use_compiled)(
        pop.activity,
        pop.engaged,
        pop.engagement_base,
        pop.role,
        pop.party,
        pop.motivation,
        pop.member,
        table,
        1.0 + movement.activity_boost,
        key,
        states,
        extra_keys,
        u,
        extra,
        rate,
        authors,
        counts,
        u1,
        u2,
    )
    authors = authors[:count]
    if keyed:  # Draws.normal("noise", step, key[authors][:, None], issue): NumPy's log and
        # cos of its uniforms here, the rest of Box–Muller in assemble_posts
        normal = np.log(u1[:count], out=u1[:count])
        cosine = np.cos(u2[:count], out=u2[:count])
    else:
        normal = draws.normal("noise", step, pop.key[authors][:, None], _issue_keys(issues))
        cosine = _NO_UNIFORMS
    posts = Posts(
        author=np.empty(m, dtype=np.int64),
        party=np.empty(m, dtype=np.int64),
        source_type=np.empty(m, dtype=np.int8),
        content=np.empty((m, issues)),
        trust=np.empty(m),
        rate=np.empty(m),
        key=np.empty(m, dtype=np.uint64),
        script=np.empty(m),
    )
    twin(assemble_posts, use_compiled=use_compiled)(
        authors,
        pop.role,
        pop.party,
        pop.member,
        pop.guidance,
        pop.x,
        normal,
        cosine,
        float(scenario.opinion.posting_noise),
        parties.line,
        float(movement.guidance),
        _position(tuple(movement.position)),
        pop.key,
        rate,
        table,
        counts,
        institution_key,
        posts.author,
        posts.party,
        posts.source_type,
        posts.content,
        posts.trust,
        posts.rate,
        posts.key,
        posts.script,
    )
    return posts


def warm_up() -> None:  # pragma: no mutate block
    """Compile (or load from cache) this phase's kernels on a tiny input, with the dtypes (and
    read-only flags) of a run's arrays."""
    # Not mutated (mutmut's pragma above, as kernels.warm_up): it only fills numba's cache
    one = np.ones(1)
    role = np.array([CHAMPION], dtype=np.int8)
    party = np.zeros(1, dtype=np.int16)
    member = np.zeros(1, dtype=bool)
    key = np.ones(1, dtype=np.uint64)
    table = _read_only(np.zeros((1, 6)))
    rate = np.empty(1)
    authors = np.zeros(1, dtype=np.int64)  # row 0: a valid index whatever the draws give
    counts = np.empty(1, dtype=np.int64)
    rates = twin(post_rates)
    states, extra_keys = np.ones(3, dtype=np.uint64), _read_only(key.copy())
    uniforms = np.empty((1, 1)), np.empty((1, 1))
    base = (one, member, one, role, party, one, member, table, 1.0)
    no = _NO_DRAWS
    rates(*base, key, states, extra_keys, no, no, rate, authors, counts, *uniforms)
    rates(*base, *_RATES_ONLY, rate, *_RATES_ONLY_OUT)
    out = [np.empty(1, dtype=np.int64), np.empty(1, dtype=np.int64), np.empty(1, np.int8)]
    out += [np.empty((1, 1)), np.empty(1), np.empty(1), np.empty(1, np.uint64), np.empty(1)]
    line, position, first = np.zeros((1, 1)), _read_only(np.ones(1)), _read_only(key.copy())
    twin(assemble_posts)(
        authors,
        role,
        party,
        member,
        one,
        line,
        np.zeros((1, 1)),
        np.ones((1, 1)),  # cosine: the Box–Muller finish (an empty one skips it)
        0.1,
        line,
        0.5,
        position,
        key,
        rate,
        table,
        counts,
        first,
        *out,
    )
