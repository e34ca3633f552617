"""The posting phase's kernels (model/dynamics/posting.py): ``post_rates`` (rates, who posts,
institutions' post counts) and ``assemble_posts`` (each post's row).

Oracles: the NumPy code the kernels replaced, written out below (``numpy_posting_rates``,
``numpy_make_posts``), compared bit for bit on real model states and on random inputs; and
small cases worked out by hand. Compiled builds and plain-Python twins must agree bit for bit.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model import SocialWebModel, load_scenario
from model.config.load import scenario_from_dict, with_overrides
from model.dynamics import posting
from model.dynamics.posting import (
    BOOST,
    ENABLED,
    INSTITUTION_TRUST,
    PENALTY,
    PER_STEP,
    STAFF_TRUST,
    Posts,
    assemble_posts,
    make_posts,
    party_table,
    post_rates,
    posting_rates,
)
from model.jit import compiled, twin
from model.population import (
    CHAMPION,
    CITIZEN,
    SOURCE_CHAMPION,
    SOURCE_CITIZEN,
    SOURCE_INSTITUTION,
    SOURCE_MOVEMENT,
    SOURCE_STAFF,
    STAFF,
)
from model.rng import Draws, box_muller, institution_keys, name_key
from tests.hand_draws import HandDraws, hand_population

FIELDS = ("author", "party", "source_type", "content", "trust", "rate", "key", "script")
BASE = "scenarios/champion_driven.yaml"


# -- the NumPy code the kernels replaced (the oracle) ---------------------------------------
def numpy_posting_rates(pop, scenario):
    boost = np.array([p.champions.activity_boost for p in scenario.parties.values()] or [0.0])
    rate = pop.activity * pop.engagement
    champ = pop.role == CHAMPION
    if champ.any():
        extra = 1.0 + boost[pop.party[champ]] * pop.motivation[champ]
        rate[champ] = np.minimum(1.0, rate[champ] * extra)
    member = pop.member
    if member.any():
        rate[member] = np.minimum(1.0, rate[member] * (1.0 + scenario.movement.activity_boost))
    return rate


def numpy_make_posts(pop, parties, scenario, draws, step):
    party_specs = list(scenario.parties.values())
    rate = numpy_posting_rates(pop, scenario)
    authors = np.flatnonzero(draws.uniform("post", step, pop.key) < rate)
    role = pop.role[authors]
    k = pop.party[authors].astype(np.int64)
    issues = np.arange(pop.x.shape[1], dtype=np.uint64)
    noise = scenario.opinion.posting_noise * draws.normal(
        "noise", step, pop.key[authors][:, None], issues[None, :]
    )
    names = list(scenario.parties)
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
        trust[champ] = 1.0 - penalty[k[champ]] * guidance
    staff = role == STAFF
    if staff.any():
        content[staff] = parties.line[k[staff]]
        source[staff] = SOURCE_STAFF
        script[staff] = 1.0
        trust[staff] = np.array([p.staff.trust for p in party_specs])[k[staff]]
    own = role == CITIZEN
    k[own] = -1
    member = own & pop.member[authors]
    if member.any():
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
        authors = np.concatenate([authors, -1 - ip])
        k = np.concatenate([k, ip])
        source = np.concatenate([source, np.full(m, SOURCE_INSTITUTION, dtype=np.int8)])
        content = np.concatenate([content, parties.line[ip]])
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


def assert_bitwise(a: np.ndarray, b: np.ndarray, what: str = "") -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype, what
    assert a.shape == b.shape, what
    assert a.tobytes() == b.tobytes(), what


def assert_same_posts(a: Posts, b: Posts) -> None:
    for name in FIELDS:
        assert_bitwise(getattr(a, name), getattr(b, name), name)


# -- make_posts on real model states: compiled, twin and the NumPy oracle agree -------------
VARIANTS = {
    "base": {},
    "movement": {"movement.founders_per_1000": 60.0},
    "issues2": {
        "population.issues": 2,
        "parties.blue.position": [0.25, 0.1],
        "parties.red.position": [-0.25, 0.0],
    },
    "fractional": {"parties.red.institution.posts_per_step": 2.5},
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_make_posts_equals_the_numpy_code_it_replaced_bit_for_bit(variant):
    sc = with_overrides(
        load_scenario(BASE), {"population.citizens": 300, "steps": 10, **VARIANTS[variant]}
    )
    model = SocialWebModel(sc, seed=3)
    seen = set()
    for step in range(1, 7):
        model.step()
        pop = model.population
        if step == 3:  # many posts a step: every role's branch acts
            pop.activity[:] = np.maximum(pop.activity, 0.6)
        want = numpy_make_posts(pop, model.parties, sc, Draws(11), step)
        got = make_posts(pop, model.parties, sc, Draws(11), step)
        assert_same_posts(got, want)
        plain = make_posts(
            pop, model.parties, sc, Draws(11, use_compiled=False), step, use_compiled=False
        )
        assert_same_posts(plain, want)
        assert_bitwise(posting_rates(pop, sc), numpy_posting_rates(pop, sc))
        assert_bitwise(posting_rates(pop, sc, use_compiled=False), numpy_posting_rates(pop, sc))
        seen.update(int(s) for s in got.source_type)
    expected = {SOURCE_CITIZEN, SOURCE_CHAMPION, SOURCE_STAFF, SOURCE_INSTITUTION}
    if variant == "movement":
        expected.add(SOURCE_MOVEMENT)
    assert expected <= seen


# -- post_rates: random inputs against the NumPy expressions --------------------------------
def random_people(rng, n, parties):
    role = rng.integers(0, 3, n).astype(np.int8)
    party = np.where(role == CITIZEN, -1, rng.integers(0, parties, n)).astype(np.int16)
    return dict(
        activity=rng.uniform(0.0, 1.0, n),
        engaged=rng.random(n) < 0.4,
        engagement_base=rng.uniform(0.1, 0.9, n),
        role=role,
        party=party,
        motivation=rng.uniform(0.0, 1.0, n),
        member=rng.random(n) < 0.3,
    )


NO_KEYS = np.zeros(0, dtype=np.uint64)
DRAW_SEED, DRAW_STEP = 19, 4
ORACLE = Draws(DRAW_SEED, use_compiled=False)  # the keyed draws' oracle: model.rng's NumPy path


def run_post_rates(people, table, member_factor, u, extra, *, use_compiled, keys=None, issues=2):
    """post_rates with the draws given (``u`` and ``extra``; ``u`` empty: rates only), or,
    with ``keys`` (the people's, and the parties' extra keys), keyed: those of
    ``Draws(DRAW_SEED)`` at DRAW_STEP, made by the kernel. Returns (rate, authors, counts,
    total, u1, u2), the last two the authors' noise uniforms (keyed only)."""
    n, p = people["role"].size, table.shape[0]
    rate, authors, counts = np.empty(n), np.empty(n, np.int64), np.empty(p, np.int64)
    key, states, extra_keys = NO_KEYS, NO_KEYS, NO_KEYS
    u1 = u2 = np.empty((0, issues))
    if keys is not None:
        key, extra_keys = keys
        draws = Draws(DRAW_SEED)
        states = np.array([draws.state(what, DRAW_STEP) for what in ("post", "extra", "noise")])
        u1, u2 = np.empty((n, issues)), np.empty((n, issues))
    count, total = twin(post_rates, use_compiled=use_compiled)(
        people["activity"],
        people["engaged"],
        people["engagement_base"],
        people["role"],
        people["party"],
        people["motivation"],
        people["member"],
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
    )
    return rate, authors[:count], counts, total, u1[:count], u2[:count]


@pytest.mark.parametrize("use_compiled", [True, False])
def test_post_rates_match_the_numpy_rates_and_draws(use_compiled):
    rng = np.random.default_rng(5)
    n, p = 500, 3
    people = random_people(rng, n, p)
    table = np.zeros((p, 6))
    table[:, BOOST] = [0.0, 1.5, 4.0]  # party 2's boost pushes rates past 1: the cap acts
    boost = table[:, BOOST]
    member_factor = 1.0 + 0.7
    u = rng.uniform(0.0, 1.0, n)
    rate, authors, _, total, _, _ = run_post_rates(
        people, table, member_factor, u, np.zeros(0), use_compiled=use_compiled
    )
    # the NumPy code, written out
    want = people["activity"] * np.where(people["engaged"], 1.0, people["engagement_base"])
    champ = people["role"] == CHAMPION
    extra = 1.0 + boost[people["party"][champ]] * people["motivation"][champ]
    want[champ] = np.minimum(1.0, want[champ] * extra)
    member = people["member"]
    want[member] = np.minimum(1.0, want[member] * member_factor)
    assert (want == 1.0).any() and champ.any() and (member & champ).any()
    assert_bitwise(rate, want)
    assert_bitwise(authors, np.flatnonzero(u < want))
    assert total == authors.size  # no ``extra``: no institution posts counted


def test_post_rates_rates_only_without_draws_and_a_nan_stays_as_numpy_keeps_it():
    people = random_people(np.random.default_rng(2), 4, 1)
    people["role"][:] = CHAMPION
    people["party"][:] = 0
    people["member"][:] = True
    people["activity"][1] = np.nan
    table = np.zeros((1, 6))
    table[0, BOOST] = 2.0
    got = [
        run_post_rates(people, table, 1.5, np.zeros(0), np.zeros(0), use_compiled=c)
        for c in (True, False)
    ]
    for rate, authors, _, total, _, _ in got:
        assert np.isnan(rate[1])  # np.minimum(1, NaN) is NaN
        assert authors.size == 0 and total == 0
    assert_bitwise(got[0][0], got[1][0])
    # with draws, a NaN rate never posts (u < NaN is False), as ``draws < rate`` did
    for c in (True, False):
        _, authors, _, _, _, _ = run_post_rates(
            people, table, 1.5, np.zeros(4), np.zeros(0), use_compiled=c
        )
        assert 1 not in authors


@pytest.mark.parametrize("use_compiled", [True, False])
def test_institution_posts_whole_part_plus_a_bernoulli_extra(use_compiled):
    """Party 0: 2.5 a step, extra 0.4 < 0.5: 3 posts. Party 1: 2.5, extra 0.6: 2. Party 2:
    1.0, extra 0.0 (not below 0): 1. Party 3: 7 a step but its institution is off: 0."""
    people = random_people(np.random.default_rng(1), 3, 1)
    people["role"][:] = CITIZEN
    people["member"][:] = False
    table = np.zeros((4, 6))
    table[:, PER_STEP] = [2.5, 2.5, 1.0, 7.0]
    table[:, ENABLED] = [1.0, 1.0, 1.0, 0.0]
    u = np.full(3, 2.0)  # nobody posts
    _, authors, counts, total, _, _ = run_post_rates(
        people, table, 1.0, u, np.array([0.4, 0.6, 0.0, 0.0]), use_compiled=use_compiled
    )
    assert authors.size == 0
    np.testing.assert_array_equal(counts, [3, 2, 1, 0])
    assert total == 6


@pytest.mark.parametrize("use_compiled", [True, False])
def test_post_rates_make_the_keyed_draws_of_model_rng(use_compiled):
    """Keyed, the kernel's draws are Draws' (its NumPy path the oracle): who posts is u < rate
    with u = uniform("post", step, key); an author's noise uniforms are uniform("noise", step,
    key, issue, 1) and 2π·uniform(…, 2); party j posts an extra when uniform("extra", step,
    its key) is below its fractional part — party 0 posts 2 + (e_0 + 0.01) a step (3 posts),
    party 1 2 + (e_1 - 0.01) (2)."""
    rng = np.random.default_rng(8)
    n = 400
    people = random_people(rng, n, 2)
    key = rng.integers(0, 2**63, n, dtype=np.uint64)
    extra_keys = np.array([name_key("a"), name_key("b")], dtype=np.uint64)
    e = ORACLE.uniform("extra", DRAW_STEP, extra_keys)
    assert 0.02 < e[0] < 0.98 and 0.02 < e[1] < 0.98  # the margins below stay in (0, 1)
    table = np.zeros((2, 6))
    table[:, PER_STEP] = [2.0 + e[0] + 0.01, 2.0 + e[1] - 0.01]
    table[:, ENABLED] = 1.0
    rate, authors, counts, total, u1, u2 = run_post_rates(
        people,
        table,
        1.0,
        np.zeros(0),
        np.zeros(0),
        use_compiled=use_compiled,
        keys=(key, extra_keys),
        issues=3,
    )
    assert_bitwise(authors, np.flatnonzero(ORACLE.uniform("post", DRAW_STEP, key) < rate))
    assert 0 < authors.size < n
    np.testing.assert_array_equal(counts, [3, 2])
    assert total == authors.size + 5
    issue, rows = np.arange(3, dtype=np.uint64)[None, :], key[authors][:, None]
    assert_bitwise(u1, ORACLE.uniform("noise", DRAW_STEP, rows, issue, 1))
    assert_bitwise(u2, posting.TWO_PI * ORACLE.uniform("noise", DRAW_STEP, rows, issue, 2))


# -- assemble_posts: one post of each kind, worked out by hand ------------------------------
def hand_assembly(use_compiled):
    """Two issues, noise 0.25, movement g 0.25 at the one-value position 0.5; lines
    blue (0.25, -0.25), red (-0.5, 1.0); penalties 0.25, 0.5; staff trust 0.6, 0.7;
    institution trust 0.9, 0.8 at 1.5 and 1.0 posts a step (2 and 1 posts this step).

    row  who                      x            normal     content
    0    citizen (party -1 whatever its row says)
                                  (0.5,-0.5)   (1, -1)    (0.75, -0.75)
    1    red champion, g 0.5      (0.5, 0)     (0.5, 4)   (0.125, 1.5 → 1); trust 0.75
    2    blue staff               -            -          blue's line; trust 0.6
    3    member                   (0, 1)       (0, 0)     (0.125, 0.875)
    4    blue champion, g 0, also a member    (-4, 0)     (-2 → -1, 0); trust 1
    5    not an author"""
    x = np.array([[0.5, -0.5], [0.5, 0.0], [0.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.3, 0.3]])
    role = np.array([CITIZEN, CHAMPION, STAFF, CITIZEN, CHAMPION, CITIZEN], np.int8)
    party = np.array([1, 1, 0, -1, 0, -1], np.int16)  # row 0 keeps a party index: ignored
    member = np.array([False, False, False, True, True, False])
    guidance = np.array([0.0, 0.5, 0.0, 0.0, 0.0, 0.0])
    normal = np.array([[1.0, -1.0], [0.5, 4.0], [9.0, 9.0], [0.0, 0.0], [-4.0, 0.0]])
    line = np.array([[0.25, -0.25], [-0.5, 1.0]])
    table = np.zeros((2, 6))
    table[:, PENALTY] = [0.25, 0.5]
    table[:, STAFF_TRUST] = [0.6, 0.7]
    table[:, INSTITUTION_TRUST] = [0.9, 0.8]
    table[:, PER_STEP] = [1.5, 1.0]
    table[:, ENABLED] = 1.0
    key = np.arange(10, 16, dtype=np.uint64)
    rate = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    first = np.array([1000, 2000], dtype=np.uint64)
    authors = np.arange(5, dtype=np.int64)
    m = 8
    out = Posts(
        author=np.empty(m, np.int64),
        party=np.empty(m, np.int64),
        source_type=np.empty(m, np.int8),
        content=np.empty((m, 2)),
        trust=np.empty(m),
        rate=np.empty(m),
        key=np.empty(m, np.uint64),
        script=np.empty(m),
    )
    twin(assemble_posts, use_compiled=use_compiled)(
        authors,
        role,
        party,
        member,
        guidance,
        x,
        normal,
        np.zeros((0, 2)),  # the normals given: no Box–Muller finish
        0.25,
        line,
        0.25,
        np.array([0.5]),
        key,
        rate,
        table,
        np.array([2, 1], np.int64),
        first,
        *(getattr(out, name) for name in FIELDS),
    )
    return out


def test_assemble_posts_worked_by_hand():
    got = hand_assembly(True)
    c, ch, st, mv, inst = (
        SOURCE_CITIZEN,
        SOURCE_CHAMPION,
        SOURCE_STAFF,
        SOURCE_MOVEMENT,
        SOURCE_INSTITUTION,
    )
    np.testing.assert_array_equal(got.author, [0, 1, 2, 3, 4, -1, -1, -2])
    np.testing.assert_array_equal(got.party, [-1, 1, 0, -1, 0, 0, 0, 1])
    np.testing.assert_array_equal(got.source_type, [c, ch, st, mv, ch, inst, inst, inst])
    np.testing.assert_array_equal(
        got.content,
        [
            [0.75, -0.75],
            [0.125, 1.0],
            [0.25, -0.25],
            [0.125, 0.875],
            [-1.0, 0.0],
            [0.25, -0.25],
            [0.25, -0.25],
            [-0.5, 1.0],
        ],
    )
    np.testing.assert_array_equal(got.trust, [1.0, 0.75, 0.6, 1.0, 1.0, 0.9, 0.9, 0.8])
    np.testing.assert_array_equal(got.script, [0.0, 0.5, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(got.rate, [0.1, 0.2, 0.3, 0.4, 0.5, 1.5, 1.5, 1.0])
    np.testing.assert_array_equal(got.key, [10, 11, 12, 13, 14, 1000, 1001, 2000])
    assert_same_posts(hand_assembly(False), got)


@pytest.mark.parametrize("use_compiled", [True, False])
def test_a_member_post_takes_the_position_issue_by_issue(use_compiled):
    """Movement g 0.5 at (0.5, -0.5), x (0, 0.5), no noise: content (0.25, 0)."""
    out = [np.empty(1, np.int64), np.empty(1, np.int64), np.empty(1, np.int8), np.empty((1, 2))]
    out += [np.empty(1), np.empty(1), np.empty(1, np.uint64), np.empty(1)]
    twin(assemble_posts, use_compiled=use_compiled)(
        np.zeros(1, np.int64),
        np.array([CITIZEN], np.int8),
        np.array([-1], np.int16),
        np.array([True]),
        np.zeros(1),
        np.array([[0.0, 0.5]]),
        np.ones((1, 2)),
        np.zeros((0, 2)),
        0.0,
        np.zeros((0, 2)),
        0.5,
        np.array([0.5, -0.5]),
        np.zeros(1, np.uint64),
        np.zeros(1),
        np.zeros((0, 6)),
        np.zeros(0, np.int64),
        np.zeros(0, np.uint64),
        *out,
    )
    np.testing.assert_array_equal(out[3], [[0.25, 0.0]])
    assert out[2][0] == SOURCE_MOVEMENT


def test_a_position_of_the_wrong_length_is_refused_when_a_member_posts():
    x = np.zeros((1, 3))
    args = [
        np.zeros(1, np.int64),
        np.array([CITIZEN], np.int8),
        np.array([-1], np.int16),
        np.array([True]),
        np.zeros(1),
        x,
        np.zeros((1, 3)),
        np.zeros((0, 3)),
        0.1,
        np.zeros((0, 3)),
        0.5,
        np.array([0.1, 0.2]),  # two values for three issues
        np.zeros(1, np.uint64),
        np.zeros(1),
        np.zeros((0, 6)),
        np.zeros(0, np.int64),
        np.zeros(0, np.uint64),
    ]
    out = [np.empty(1, np.int64), np.empty(1, np.int64), np.empty(1, np.int8), np.empty((1, 3))]
    out += [np.empty(1), np.empty(1), np.empty(1, np.uint64), np.empty(1)]
    for use_compiled in (True, False):
        with pytest.raises(ValueError):
            twin(assemble_posts, use_compiled=use_compiled)(*args, *out)


# -- the per-party table: rebuilt when the plans or the parties change ----------------------
def two_party_scenario(trust=0.9):
    return scenario_from_dict(
        {
            "name": "table",
            "steps": 10,
            "population": {"citizens": 5},
            "network": {"mean_degree": 2},
            "parties": {
                "blue": {"position": [0.25], "institution": {"enabled": True, "trust": trust}},
                "red": {"position": [-0.25], "institution": {"enabled": True, "trust": 0.6}},
            },
        }
    )


def test_posts_follow_a_plan_changed_between_steps_and_a_new_scenario():
    pop = hand_population([0.0, 0.0], parties=2, key=np.array([7, 8], dtype=np.uint64))
    plans = [SimpleNamespace(posts_per_step=1.0), SimpleNamespace(posts_per_step=2.0)]
    parties = SimpleNamespace(line=np.array([[0.25], [-0.25]]), plans=plans)
    table = {("post", 1, 7): 0.5, ("post", 1, 8): 0.5}  # activity 0: nobody posts
    table[("extra", 1, name_key("blue"))] = 0.5
    table[("extra", 1, name_key("red"))] = 0.5
    sc = two_party_scenario()
    for use_compiled in (True, False):
        plans[0].posts_per_step, plans[1].posts_per_step = 1.0, 2.0
        posts = make_posts(pop, parties, sc, HandDraws(table), 1, use_compiled=use_compiled)
        np.testing.assert_array_equal(posts.author, [-1, -2, -2])
        np.testing.assert_array_equal(posts.trust, [0.9, 0.6, 0.6])
        plans[0].posts_per_step = 3.0  # changed in place: the next step posts three
        posts = make_posts(pop, parties, sc, HandDraws(table), 1, use_compiled=use_compiled)
        np.testing.assert_array_equal(posts.author, [-1, -1, -1, -2, -2])
        np.testing.assert_array_equal(posts.rate, [3.0, 3.0, 3.0, 2.0, 2.0])
        posts = make_posts(
            pop, parties, two_party_scenario(0.4), HandDraws(table), 1, use_compiled=use_compiled
        )
        np.testing.assert_array_equal(posts.trust, [0.4, 0.4, 0.4, 0.6, 0.6])


def test_party_table_columns():
    sc = two_party_scenario(0.3)
    plans = [SimpleNamespace(posts_per_step=1.25), SimpleNamespace(posts_per_step=0.0)]
    table = party_table(sc, SimpleNamespace(plans=plans))
    blue = sc.parties["blue"]
    assert table.shape == (2, 6) and not table.flags.writeable
    assert table[0, BOOST] == blue.champions.activity_boost
    assert table[0, PENALTY] == blue.champions.authenticity_penalty
    assert table[0, STAFF_TRUST] == blue.staff.trust
    assert table[0, INSTITUTION_TRUST] == 0.3
    np.testing.assert_array_equal(table[:, PER_STEP], [1.25, 0.0])
    np.testing.assert_array_equal(table[:, ENABLED], [1.0, 1.0])
    np.testing.assert_array_equal(party_table(sc)[:, PER_STEP], [0.0, 0.0])


def test_warm_up_compiles_what_a_run_uses():
    posting.warm_up()
    before = [len(compiled(f).signatures) for f in (post_rates, assemble_posts)]
    sc = with_overrides(load_scenario(BASE), {"population.citizens": 300, "steps": 3})
    model = SocialWebModel(sc, seed=1)
    for t in range(1, 3):
        make_posts(model.population, model.parties, sc, model.draws, t)
        posting_rates(model.population, sc)
    after = [len(compiled(f).signatures) for f in (post_rates, assemble_posts)]
    assert after == before


@pytest.mark.parametrize("use_compiled", [True, False])
def test_assemble_posts_finishes_box_muller_as_rng_does(use_compiled):
    """Given log u1 and cos(2π·u2) (NumPy's), the posts' noise is that of ``rng.box_muller``
    on u1 and u2, bit for bit: sqrt(-2·log u1)·cos(2π·u2), each product rounded the same."""
    rng = np.random.default_rng(12)
    n, issues = 40, 2
    u1, u2 = rng.uniform(1e-9, 1.0, (n, issues)), rng.uniform(0.0, 1.0, (n, issues))
    want = box_muller(u1.copy(), u2.copy())
    log_u1, cos_u2 = np.log(u1), np.cos(posting.TWO_PI * u2)
    role = np.full(n, CITIZEN, np.int8)
    out = Posts(
        author=np.empty(n, np.int64),
        party=np.empty(n, np.int64),
        source_type=np.empty(n, np.int8),
        content=np.empty((n, issues)),
        trust=np.empty(n),
        rate=np.empty(n),
        key=np.empty(n, np.uint64),
        script=np.empty(n),
    )
    twin(assemble_posts, use_compiled=use_compiled)(
        np.arange(n, dtype=np.int64),
        role,
        np.full(n, -1, np.int16),
        np.zeros(n, bool),
        np.zeros(n),
        np.zeros((n, issues)),
        log_u1,
        cos_u2,
        0.125,  # a noise small enough that no content is clipped
        np.zeros((0, issues)),
        0.0,
        np.array([0.0]),
        np.arange(n, dtype=np.uint64),
        np.ones(n),
        np.zeros((0, 6)),
        np.zeros(0, np.int64),
        np.zeros(0, np.uint64),
        *(getattr(out, name) for name in FIELDS),
    )
    assert np.abs(0.125 * want).max() < 1.0
    assert out.content.tobytes() == (0.0 + 0.125 * want).tobytes()
