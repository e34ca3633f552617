"""The step's fused kernels (model/dynamics/kernels.py): the reads' pull (``read_pull``), the
party affinities (``affinity_update``) and a round of the contagion (``threshold_round``) give,
compiled and as plain-Python twins, exactly the values of the vectorised NumPy updates they
replaced — written out here as the oracles, from docs/MODEL.md steps 3, 5 and 6 — on random cases
where every branch acts (rescaled weights, rejections, passive sources, pinned people, people who
leave), plus hand-worked cases for each mechanism."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from model.dynamics.kernels import (
    ACCEPT_ANY,
    ACCEPT_BELOW,
    ACCEPT_WITHIN,
    NO_DRAWS,
    NO_KEYS,
    kernel,
)
from model.network.csr import from_edges
from model.population import SOURCE_CITIZEN, SOURCE_STAFF
from model.rng import Draws

PATHS = [True, False]
TURNOUT_GIVEN = (np.zeros(0, np.bool_), NO_DRAWS, 0.0, 0.0)  # argmax_vote's turnouts given


# -- oracles: the vectorised updates --------------------------------------------------------
def rms(a, b):
    if a.shape[1] == 1:
        return np.abs(a[:, 0] - b[:, 0])
    return np.sqrt(np.mean((a - b) ** 2, axis=1))


def read_oracle(x, openness, rejection, reader, content, trust, source, passive, kind, rate,
                backfire, backfire_rate):  # fmt: skip
    active = source != passive
    d = rms(content, x[reader])
    if kind == ACCEPT_ANY:
        ok = np.ones(d.shape, dtype=bool)
    elif kind == ACCEPT_WITHIN:
        ok = d <= openness[reader]
    else:
        ok = d < openness[reader]
    accepted = active & ok
    weight = np.where(accepted, rate * trust, 0.0)
    rejected = np.zeros(reader.size, dtype=bool)
    if backfire:
        rejected = active & (d > rejection[reader])
        weight = np.where(rejected, -backfire_rate * trust, weight)
    used = weight != 0
    moved = np.zeros(reader.size)
    if used.any():
        r, y, w = reader[used], content[used], weight[used]
        n = x.shape[0]
        total = np.bincount(r, weights=np.abs(w), minlength=n)
        w = w * (1.0 / np.maximum(total, 1.0))[r]
        gap = y - x[r]
        moved[used] = np.abs(w) * rms(y, x[r])
        for c in range(x.shape[1]):
            x[:, c] += np.bincount(r, weights=w * gap[:, c], minlength=n)
        np.clip(x, -1.0, 1.0, out=x)
    return accepted, rejected, moved


def read_case(rng, issues, reads=60, n=12):
    x = rng.uniform(-1, 1, (n, issues))
    x[0] = -0.0  # a signed zero: NumPy's "+= 0.0" makes it +0.0 when anyone pulls
    return dict(
        x=x,
        openness=rng.uniform(0.1, 1.2, n),
        rejection=rng.uniform(0.5, 1.5, n),
        reader=rng.integers(1, n, reads).astype(np.int64),  # row 0 reads nothing
        content=rng.uniform(-1, 1, (reads, issues)),
        trust=rng.choice([0.0, 0.3, 1.0, 2.5], reads),
        source=rng.choice([SOURCE_CITIZEN, SOURCE_STAFF], reads).astype(np.int64),
    )


def run_read(case, passive, kind, rate, backfire, backfire_rate, use_compiled):
    x = case["x"].copy()
    m = case["reader"].size
    accepted, rejected, moved = np.zeros(m, bool), np.zeros(m, bool), np.zeros(m)
    kernel("read_pull", use_compiled=use_compiled)(
        x, case["openness"], case["rejection"], case["reader"], case["content"], case["trust"],
        case["source"], passive, kind, rate, backfire, backfire_rate, accepted, rejected, moved,
    )  # fmt: skip
    return x, accepted, rejected, moved


@pytest.mark.parametrize("use_compiled", PATHS)
@pytest.mark.parametrize("issues", [1, 2, 3, 7, 8, 10])  # 8 on: NumPy sums pairwise
@pytest.mark.parametrize("kind", [ACCEPT_BELOW, ACCEPT_WITHIN, ACCEPT_ANY])
@pytest.mark.parametrize("backfire", [False, True])
@pytest.mark.parametrize("passive", [-1, SOURCE_CITIZEN])
def test_read_pull_is_the_vectorised_read_bit_for_bit(
    use_compiled, issues, kind, backfire, passive
):
    rng = np.random.default_rng(issues * 31 + kind * 7 + backfire * 3 + passive + 2)
    for _ in range(5):
        case = read_case(rng, issues)
        args = (passive, kind, 0.7, backfire, 0.4)
        x, accepted, rejected, moved = run_read(case, *args, use_compiled)
        want_x = case["x"].copy()
        want = read_oracle(want_x, case["openness"], case["rejection"], case["reader"],
                           case["content"], case["trust"], case["source"], *args)  # fmt: skip
        assert np.array_equal(accepted, want[0]) and np.array_equal(rejected, want[1])
        assert moved.tobytes() == want[2].tobytes()
        assert x.tobytes() == want_x.tobytes()  # signed zeros included


def test_read_pull_rescales_a_readers_weights_and_uses_the_opinion_before_the_reads():
    """Reader at 0, ε = 1/2, two accepted posts at 0.2 and 0.4 with rate 1: Σ|w| = 2, so each
    weighs 1/2: x = 0.5·0.2 + 0.5·0.4 = 0.3 (without the rescaling 0.6; with the second read
    seeing the first's result, 0.2 + 0.5·0.2 = 0.3 only by chance — so a third reader checks
    order: its reads at -0.2 and 0.2 cancel to 0)."""
    x = np.array([[0.0], [0.0]])
    reader = np.array([0, 0, 1, 1], dtype=np.int64)
    content = np.array([[0.2], [0.4], [-0.2], [0.2]])
    accepted, rejected, moved = np.zeros(4, bool), np.zeros(4, bool), np.zeros(4)
    kernel("read_pull")(
        x, np.full(2, 0.5), np.full(2, 2.0), reader, content, np.ones(4),
        np.full(4, SOURCE_STAFF), -1, ACCEPT_BELOW, 1.0, False, 0.0, accepted, rejected, moved,
    )  # fmt: skip
    assert x[0, 0] == pytest.approx(0.3, abs=1e-15)
    assert x[1, 0] == 0.0
    np.testing.assert_allclose(moved, [0.1, 0.2, 0.1, 0.1])
    assert accepted.all() and not rejected.any()


def test_read_pull_rejection_pushes_and_a_passive_source_does_nothing():
    """Reader at 0 with ε = 0.1, ρ = 0.3: a staff post at 0.5 is rejected (d > ρ) and pushes
    x by -0.4·0.5 = -0.2; the same post from a passive source (a citizen, under a rule that
    does not read them) leaves x alone and is neither accepted nor rejected."""
    for source, want in ((SOURCE_STAFF, -0.2), (SOURCE_CITIZEN, 0.0)):
        x = np.zeros((1, 1))
        accepted, rejected, moved = np.zeros(1, bool), np.zeros(1, bool), np.zeros(1)
        kernel("read_pull")(
            x, np.full(1, 0.1), np.full(1, 0.3), np.zeros(1, np.int64), np.array([[0.5]]),
            np.ones(1), np.array([source]), SOURCE_CITIZEN, ACCEPT_BELOW, 1.0, True, 0.4,
            accepted, rejected, moved,
        )  # fmt: skip
        assert x[0, 0] == pytest.approx(want, abs=1e-15)
        assert rejected[0] == (source == SOURCE_STAFF) and not accepted[0]


@pytest.mark.parametrize("use_compiled", PATHS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_read_that_does_not_pull_moves_nobody_whatever_its_content(use_compiled, bad):
    """Citizen 0 reads a post whose content is not finite (not accepted: its distance is not
    below 0.5), citizen 1 one at 0.3 (accepted, rate 0.5): only citizen 1 moves, to 0.25, by
    0.05; citizen 0's opinion and movement stay 0 (0 times a content that is not finite is
    not 0, so the read must not enter the sums at all)."""
    x = np.array([[0.0], [0.2]])
    moved = np.zeros(2)
    kernel("read_pull", use_compiled=use_compiled)(
        x, np.full(2, 0.5), np.full(2, 2.0), np.array([0, 1]), np.array([[bad], [0.3]]),
        np.ones(2), np.full(2, SOURCE_CITIZEN), -1, ACCEPT_BELOW, 0.5, False, 0.0,
        np.zeros(2, bool), np.zeros(2, bool), moved,
    )  # fmt: skip
    assert x[0, 0] == 0.0 and moved[0] == 0.0
    assert x[1, 0] == pytest.approx(0.25) and moved[1] == pytest.approx(0.05)


def test_read_pull_without_a_weighted_read_leaves_x_untouched():
    """No read moves anyone (all trust 0): x keeps its signed zero and is not clipped."""
    x = np.array([[-0.0], [0.5]])
    m = 3
    kernel("read_pull")(
        x, np.ones(2), np.ones(2), np.ones(m, np.int64), np.full((m, 1), 0.2), np.zeros(m),
        np.full(m, SOURCE_STAFF), -1, ACCEPT_ANY, 1.0, False, 0.0, np.zeros(m, bool),
        np.zeros(m, bool), np.zeros(m),
    )  # fmt: skip
    assert np.signbit(x[0, 0]) and x[1, 0] == 0.5


# -- party affinity -------------------------------------------------------------------------
def affinity_oracle(aff, reader, party, trust, accepted, rejected, decay, rate, backfire_rate):
    aff *= 1.0 - decay
    p = aff.shape[1]
    from_party = party >= 0
    for mask, r, sign in ((accepted, rate, 1.0), (rejected, backfire_rate, -1.0)):
        use = mask & from_party
        if not use.any():
            continue
        cell = reader[use] * p + party[use]
        room = (1.0 - aff.ravel()[cell]) if sign > 0 else aff.ravel()[cell]
        delta = np.bincount(cell, weights=r * trust[use] * room, minlength=aff.size)
        aff += sign * delta.reshape(aff.shape)
    np.clip(aff, 0.0, 1.0, out=aff)


@pytest.mark.parametrize("use_compiled", PATHS)
@pytest.mark.parametrize("parties", [1, 2, 4])
def test_affinity_update_is_the_vectorised_update_bit_for_bit(use_compiled, parties):
    rng = np.random.default_rng(parties)
    for _ in range(10):
        n, m = 15, 80
        aff = rng.uniform(0, 1, (n, parties))
        reader = rng.integers(0, n, m).astype(np.int64)
        party = rng.integers(-1, parties, m).astype(np.int64)
        trust = rng.uniform(0, 3, m)  # large: some affinities leave [0, 1] and are clipped
        accepted = rng.random(m) < 0.5
        rejected = ~accepted & (rng.random(m) < 0.5)
        args = (reader, party, trust, accepted, rejected, 0.01, 0.6, 0.5)
        got = aff.copy()
        kernel("affinity_update", use_compiled=use_compiled)(got, *args)
        want = aff.copy()
        affinity_oracle(want, *args)
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("use_compiled", PATHS)
@pytest.mark.parametrize("reads", ["none", "accepted", "rejected", "both"])
def test_an_affinity_of_minus_zero_is_kept_or_made_zero_as_the_vectorised_passes_do(
    use_compiled, reads
):
    """A pass of the vectorised update adds its sums to every affinity, so a -0.0 nobody read
    becomes 0.0 when the accepted pass runs (-0.0 + 0.0) and stays -0.0 otherwise (a pass
    that does not run adds nothing; the rejected one adds -0.0)."""
    aff = np.array([[-0.0, 0.5], [-0.0, -0.0]])
    reader = np.zeros(2, np.int64)  # both reads are citizen 0's, of party 1
    accepted = np.array([reads in ("accepted", "both"), False])
    rejected = np.array([False, reads in ("rejected", "both")])
    args = (reader, np.array([1, 1]), np.ones(2), accepted, rejected, 0.1, 0.5, 0.5)
    got = aff.copy()
    kernel("affinity_update", use_compiled=use_compiled)(got, *args)
    want = aff.copy()
    affinity_oracle(want, *args)
    assert got.tobytes() == want.tobytes()
    assert np.signbit(got[1, 0]) == (reads in ("none", "rejected"))


def test_affinity_rejections_see_the_accepted_reads_of_the_same_step():
    """Affinity 1/2, no decay, rate 1/2, backfire rate 1/2: an accepted party post adds
    1/2·(1 - 1/2) = 1/4 → 3/4; then a rejected one removes 1/2·3/4 = 3/8 → 3/8 (from the
    affinity after the acceptances; from the one before it would be 1/2). A citizen's post
    (party -1) changes nothing."""
    aff = np.array([[0.5]])
    reader = np.zeros(3, np.int64)
    kernel("affinity_update")(
        aff, reader, np.array([0, 0, -1]), np.ones(3), np.array([True, False, True]),
        np.array([False, True, False]), 0.0, 0.5, 0.5,
    )  # fmt: skip
    assert aff[0, 0] == 0.375


# -- a round of the contagion ---------------------------------------------------------------
def round_oracle(indptr, indices, engaged, threshold, pinned, leave_draw, leave_rate):
    deg = np.diff(indptr)
    owner = np.repeat(np.arange(deg.size), deg)
    count = np.bincount(owner, weights=engaged[indices], minlength=deg.size).astype(np.int64)
    share = np.divide(count, deg, out=np.zeros(deg.size), where=deg > 0)
    above = share >= threshold
    join = ~pinned & ~engaged & above
    leave = ~pinned & engaged & ~above
    if leave_draw.size:
        leave &= leave_draw < leave_rate
    else:
        leave[:] = False
    out = engaged.copy()
    out[join] = True
    out[leave] = False
    return out


@pytest.mark.parametrize("use_compiled", PATHS)
@pytest.mark.parametrize("leaving", [False, True])
@pytest.mark.parametrize("scatter", [False, True], ids=["gather", "scatter"])
def test_threshold_round_is_the_vectorised_round(use_compiled, leaving, scatter):
    """Either way of counting engaged neighbours (a Graph stores each tie both ways)."""
    rng = np.random.default_rng(5 + leaving)
    edges = np.array(nx.barabasi_albert_graph(200, 2, seed=5).edges()).T
    g = from_edges(210, edges[0], edges[1])  # nodes 200-209 have no ties: share 0
    for _ in range(5):
        engaged = rng.random(g.n) < 0.3
        threshold = rng.uniform(0, 0.8, g.n)
        pinned = rng.random(g.n) < 0.1
        draw = rng.random(g.n) if leaving else np.zeros(0)
        args = (g.indptr, g.indices, engaged, threshold, pinned, draw, 0.5)
        got = kernel("threshold_round", use_compiled=use_compiled)(
            *args, NO_KEYS, np.uint64(0), scatter
        )
        want = round_oracle(*args)
        assert np.array_equal(got, want)
        assert (got != engaged).any()  # someone joins or leaves: the case tests something


def test_threshold_round_is_synchronous_and_spares_the_pinned():
    """Path 0-1-2, only 0 engaged, thresholds 1/2: 1 joins (share 1/2), but 2 does not — it
    sees the state at the start of the round (share 0), not 1's new engagement. Pinned 0 with
    a threshold of 1 and no engaged neighbour stays engaged."""
    indptr = np.array([0, 1, 3, 4], dtype=np.int32)
    indices = np.array([1, 0, 2, 1], dtype=np.int32)
    engaged = np.array([True, False, False])
    out = kernel("threshold_round")(
        indptr, indices, engaged, np.array([1.0, 0.5, 0.5]), np.array([True, False, False]),
        np.zeros(3), 1.0, NO_KEYS, np.uint64(0), False,
    )  # fmt: skip
    assert out.tolist() == [True, True, False]


@pytest.mark.parametrize("use_compiled", PATHS)
def test_threshold_round_makes_the_keyed_disengagement_draws_of_model_rng(use_compiled):
    """Given keys and a hash state instead of draws, an engaged person below its threshold
    leaves when Draws.uniform("disengage", step, key) (its NumPy path the oracle) is below the
    rate: the vectorised round with those draws."""
    rng = np.random.default_rng(9)
    edges = np.array(nx.barabasi_albert_graph(200, 2, seed=9).edges()).T
    g = from_edges(200, edges[0], edges[1])
    key = rng.integers(0, 2**63, g.n, dtype=np.uint64)
    engaged = rng.random(g.n) < 0.5
    threshold = rng.uniform(0.3, 1.0, g.n)
    pinned = rng.random(g.n) < 0.1
    state = Draws(4).state("disengage", 12)
    got = kernel("threshold_round", use_compiled=use_compiled)(
        g.indptr, g.indices, engaged, threshold, pinned, NO_DRAWS, 0.5, key, state, True
    )
    draw = Draws(4, use_compiled=False).uniform("disengage", 12, key)
    want = round_oracle(g.indptr, g.indices, engaged, threshold, pinned, draw, 0.5)
    assert np.array_equal(got, want)
    nobody = round_oracle(g.indptr, g.indices, engaged, threshold, pinned, np.zeros(0), 0.5)
    assert (want != nobody).any()  # some leave: the draws decide something


@pytest.mark.parametrize("use_compiled", PATHS)
@pytest.mark.parametrize("share", [0.02, 0.5, 1.0])
def test_scattered_counts_are_the_gathered_ones_with_repeated_ties_and_self_loops(
    use_compiled, share
):
    """Counting from the engaged side gives each person the count its own ties give, on a
    Graph (each tie stored both ways) with a repeated tie and a self-loop, whether few, half
    or all are engaged; the round, with thresholds spread over [0, 1], then moves the same
    people."""
    rng = np.random.default_rng(int(share * 100))
    edges = np.array(nx.barabasi_albert_graph(300, 3, seed=2).edges()).T
    u = np.concatenate([edges[0], [5, 7]])  # the tie 5-6 twice, a self-loop on 7
    v = np.concatenate([edges[1], [6, 7]])
    u, v = np.concatenate([u, [5]]), np.concatenate([v, [6]])
    g = from_edges(300, u, v)
    run = kernel("threshold_round", use_compiled=use_compiled)
    for _ in range(3):
        engaged = rng.random(g.n) < share
        threshold = rng.uniform(0, 1, g.n)
        pinned = rng.random(g.n) < 0.05
        args = (g.indptr, g.indices, engaged, threshold, pinned, NO_DRAWS, 0.0, NO_KEYS)
        gathered = run(*args, np.uint64(0), False)
        scattered = run(*args, np.uint64(0), True)
        np.testing.assert_array_equal(scattered, gathered)
        want = round_oracle(g.indptr, g.indices, engaged, threshold, pinned, NO_DRAWS, 0.0)
        np.testing.assert_array_equal(scattered, want)


# -- the reads' bookkeeping -----------------------------------------------------------------
@pytest.mark.parametrize("use_compiled", PATHS)
def test_tally_reads_is_the_vectorised_bookkeeping(use_compiled):
    """Influence by sender (citizens 0, news 1, party k at 2 + k; the per-sender sums added
    to the running totals), the step of each reader's last read of each party, and the
    share-of-voice counts — as the model computed them with NumPy."""
    rng = np.random.default_rng(11)
    n, parties, m, width, news = 20, 3, 200, 8, 6
    for step in (1, 2, 3):
        reader = rng.integers(0, n, m).astype(np.int64)
        party = rng.integers(-1, parties, m).astype(np.int64)
        source = rng.integers(0, width, m).astype(np.int64)
        moved = rng.random(m) * (rng.random(m) < 0.7)
        influence = rng.random(parties + 2)
        last = rng.integers(-1, 5, (n, parties)).astype(np.int64)
        voice = rng.integers(0, 9, (parties + 1) * width).astype(np.int64)
        got = influence.copy(), last.copy(), voice.copy()
        kernel("tally_reads", use_compiled=use_compiled)(
            reader, party, source, moved, news, step, *got
        )
        sender = np.where(party >= 0, party + 2, source == news)
        influence += np.bincount(sender, weights=moved, minlength=influence.size)
        used = party >= 0
        last[reader[used], party[used]] = step
        voice += np.bincount((party + 1) * width + source, minlength=voice.size)
        assert got[0].tobytes() == influence.tobytes()
        np.testing.assert_array_equal(got[1], last)
        np.testing.assert_array_equal(got[2], voice)


# -- the poll's one-issue distance ----------------------------------------------------------
@pytest.mark.parametrize("use_compiled", PATHS)
def test_argmax_vote_one_issue_is_the_rms_formula_bit_for_bit(use_compiled):
    """One issue: the poll takes |d| for sqrt(d·d) — exact except where d·d underflows, so gaps
    below 2⁻⁵⁰⁰ (citizens a hair from a party's line, 2⁻⁵²⁰ away, where sqrt(d·d) ≠ |d|) keep
    the square root. Shares equal the vectorised formula's: U = -sqrt(mean((x - p)²)) +
    w·affinity, the best party if above abstention, weighted by turnout, over n."""
    rng = np.random.default_rng(3)
    line = np.array([[0.0], [-0.25]])
    x = rng.uniform(-1, 1, (400, 1))
    x[:40, 0] = 2.0**-520 * rng.uniform(1, 2, 40)  # sqrt(d·d) is not |d| here
    x[40:80, 0] = -(2.0**-520) * rng.uniform(1, 2, 40)
    assert (x[:80, 0] != 0).all()  # the gaps are there (beside 0.25 they would round away)
    affinity = rng.uniform(0, 1, (400, 2)) * 2.0**-1040  # tie-level nudges: order matters
    turnout = rng.uniform(0.3, 1, 400)
    got = kernel("argmax_vote", use_compiled=use_compiled)(
        x, line, affinity, 0.7, turnout, -0.6, *TURNOUT_GIVEN
    )
    utility = -np.sqrt(np.mean((x[:, None, :] - line[None, :, :]) ** 2, axis=2)) + 0.7 * affinity
    best = np.argmax(utility, axis=1)
    votes = utility[np.arange(400), best] > -0.6
    want = np.bincount(best[votes], weights=turnout[votes], minlength=2) / 400
    assert got.tobytes() == want.tobytes()
    # one citizen 2⁻⁵²⁰·1.3 from the only line, abstention at minus the larger of |d| and
    # sqrt(d·d): it votes exactly when its utility -sqrt(d·d) beats that, which taking |d|
    # instead would flip
    d = 2.0**-520 * 1.3
    root = float(np.sqrt(d * d))
    assert root != d
    one = kernel("argmax_vote", use_compiled=use_compiled)(
        np.array([[d]]), np.zeros((1, 1)), np.zeros((1, 1)), 0.0, np.ones(1), -max(root, d),
        *TURNOUT_GIVEN,
    )  # fmt: skip
    assert one[0] == (1.0 if -root > -max(root, d) else 0.0)


# -- the phases' per-scenario tables follow what they were built from -----------------------
def test_per_scenario_tables_follow_specs_and_plans_replaced_in_place():
    """The feed's set-up and the champions' motivation terms and cost rates are kept from step
    to step; a party spec replaced in the scenario's parties dict, or a plan replaced in the
    parties' list, is a new table (keyed by the frozen specs and plans, not their containers)."""
    import dataclasses

    from model.config.load import load_scenario
    from model.dynamics import champions, feed
    from model.sim import SocialWebModel

    sc = load_scenario("scenarios/champion_driven.yaml", {"population.citizens": 100, "steps": 2})
    model = SocialWebModel(sc, seed=1)
    model.step()
    blue = sc.parties["blue"]
    rate = champions.motivation_terms(sc)[0][0, champions.RATE]
    cost = champions.cost_rates(model.parties, sc, 100)[0, champions.CHAMPION_COST]
    delta = feed._setup(sc).coordination
    new = dataclasses.replace(
        blue.champions,
        motivation_rate=blue.champions.motivation_rate / 2 + 0.01,
        cost_per_step=blue.champions.cost_per_step + 1.0,
        coordination=blue.champions.coordination + 0.5,
    )
    sc.parties["blue"] = dataclasses.replace(blue, champions=new)
    assert champions.motivation_terms(sc)[0][0, champions.RATE] == new.motivation_rate != rate
    assert (
        champions.cost_rates(model.parties, sc, 100)[0, champions.CHAMPION_COST]
        == (new.cost_per_step)
        != cost
    )
    assert feed._setup(sc).coordination[0] == new.coordination != (delta[0] if delta.size else 0)
    plan = model.parties.plans[0]
    model.parties.plans[0] = dataclasses.replace(plan, organizing_cost=plan.organizing_cost + 2)
    got = champions.cost_rates(model.parties, sc, 100)[0, champions.ORGANIZING]
    assert got == plan.organizing_cost + 2
