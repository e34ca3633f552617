"""The compiled metrics (model/metrics.py: ``numpy_sum``, ``opinion_kernel``, ``measure_step``
behind ``opinion_metrics``, ``step_metrics`` and the model's ``_measure``) give NumPy's floats
to the bit: against NumPy's own sums, against the NumPy expressions the metrics were computed
with before (written out below as oracles), compiled and plain-Python twins alike."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from model.config.load import load_scenario, with_overrides
from model.config.plan import CHANNELS
from model.jit import twin
from model.metrics import (
    CONSENSUS_VARIANCE,
    MAJOR_CLUSTER,
    Meter,
    _pairwise,
    _sarle,
    cluster_sizes,
    metric_keys,
    numpy_sum,
    opinion_metrics,
    step_metrics,
)
from model.population import (
    CHAMPION,
    CITIZEN,
    NEVER,
    PARTY_SOURCES,
    SOURCE_CANVASS,
    SOURCE_CHAMPION,
    SOURCE_CITIZEN,
    SOURCE_INSTITUTION,
    SOURCE_MOVEMENT,
    SOURCE_NAMES,
    SOURCE_NEWS,
    STAFF,
)
from model.sim import SocialWebModel
from tests.hand_draws import hand_population

SIZES = [*range(1, 301), 1000, 2000, 8191, 8192, 8193, 100_000]


def bits(values) -> list[int]:
    """The IEEE bit patterns of floats (NaN compared as one pattern: NumPy's own NaNs vary)."""
    out = []
    for v in np.atleast_1d(np.asarray(values, dtype=np.float64)):
        out.append(-1 if math.isnan(v) else int(np.float64(v).view(np.uint64)))
    return out


def same(a, b) -> bool:
    return bits(a) == bits(b)


def data(rng: np.random.Generator, n: int) -> np.ndarray:
    """Values of mixed signs and magnitudes, where the order of additions shows in the sum."""
    return rng.normal(size=n) * 10.0 ** rng.integers(-6, 7, n)


# -- NumPy's pairwise summation ----------------------------------------------------------------


def pairwise_oracle(a: list[float]) -> float:
    """numpy/_core/src/umath/loops_utils.h.src ``pairwise_sum`` written out recursively (Python
    floats: the same IEEE additions), plus the reduction's start from the identity 0.0."""

    def pw(lo: int, n: int) -> float:
        if n < 8:
            res = 0.0
            for i in range(lo, lo + n):
                res += a[i]
            return res
        if n <= 128:
            r = a[lo : lo + 8]
            i = 8
            while i < n - n % 8:
                for k in range(8):
                    r[k] += a[lo + i + k]
                i += 8
            res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            for j in range(i, n):
                res += a[lo + j]
            return res
        n2 = n // 2
        n2 -= n2 % 8
        return pw(lo, n2) + pw(lo + n2, n - n2)

    return 0.0 + pw(0, len(a))


@pytest.mark.parametrize("use_compiled", [True, False])
def test_numpy_sum_is_numpys_sum_to_the_bit(use_compiled):
    """Every size from 1 to 300 (the block edges 7/8, 128/129, 256), the 8192 buffer size's
    neighbours and 10⁵: the same float as ``ndarray.sum`` and as the recursive oracle."""
    rng = np.random.default_rng(11)
    total = twin(numpy_sum, use_compiled=use_compiled)
    for n in SIZES:
        if not use_compiled and n > 2000:
            continue  # the plain-Python twin: the same code, too slow for 10⁵ in a test
        a = data(rng, n)
        assert same(total(a, 0, n), a.sum()), n
        if n <= 2000:
            assert same(pairwise_oracle(a.tolist()), a.sum()), n


def test_numpy_sum_of_a_run_inside_an_array_and_of_strided_views():
    """``a[start : start + n].sum()`` for runs that start anywhere; a strided view (a column
    of a 2-D array, every third element) sums as NumPy sums it, which is the sum of its
    contiguous copy (NumPy runs the same pairwise tree over strided memory)."""
    rng = np.random.default_rng(12)
    total = twin(numpy_sum)
    for n in [*range(1, 300, 7), 1000, 8191, 8192, 8193, 100_000]:
        a = data(rng, n + 40)
        for start in (0, 1, 5, 13, 40):
            assert same(total(a, start, n), a[start : start + n].sum()), (n, start)
        table = data(rng, 3 * n).reshape(n, 3)
        column = table[:, 1]
        assert same(total(column, 0, n), column.sum()), n
        assert same(column.sum(), np.ascontiguousarray(column).sum()), n
        every_third = table.ravel()[::3]
        assert same(total(every_third, 0, n), every_third.sum()), n


def test_a_running_sum_is_not_numpys_sum():
    """The point of reproducing the tree: a left-to-right running sum (or a tree split
    elsewhere) gives other floats on the same data, so an implementation that dropped the
    pairwise order would fail the tests above."""
    rng = np.random.default_rng(13)
    differ_running = differ_split = 0
    for n in (200, 1000, 2000):
        for _ in range(20):
            a = data(rng, n)
            running = 0.0
            for v in a.tolist():
                running += v
            differ_running += not same(running, a.sum())
            half = n // 2  # not rounded down to a multiple of 8
            split = 0.0 + pairwise_oracle(a[:half].tolist()) + pairwise_oracle(a[half:].tolist())
            differ_split += not same(split, a.sum())
    assert differ_running > 10
    assert differ_split > 0


@pytest.mark.parametrize("use_compiled", [True, False])
def test_the_moment_sums_are_numpys_sums_of_the_deviation_powers(use_compiled):
    """``_pairwise(x, mean, ..., moments=True)``: in one pass the pairwise sums NumPy gives
    for d² = d · d, d³ = d² · d and d⁴ = d² · d² (d = x − mean), each to the bit."""
    rng = np.random.default_rng(14)
    moments = twin(_pairwise, use_compiled=use_compiled)
    for n in SIZES:
        if not use_compiled and n > 2000:
            continue
        x = np.clip(rng.normal(0.1, 0.5, n), -1, 1)
        mean = x.mean()
        d = x - mean
        d2 = d * d
        s2, s3, s4 = moments(x, mean, 0, n, True)
        assert same([0.0 + s2, 0.0 + s3, 0.0 + s4], [d2.sum(), (d2 * d).sum(), (d2 * d2).sum()])


def test_numpy_sum_of_zeros_and_negative_zeros_starts_from_positive_zero():
    """NumPy's sum of negative zeros is +0.0 (the reduction starts from the identity 0.0)."""
    total = twin(numpy_sum)
    for n in (0, 1, 7, 9, 200):
        z = np.full(n, -0.0)
        assert same(total(z, 0, n), z.sum())
        assert bits(total(z, 0, n)) == bits(0.0)


# -- opinion outcomes ------------------------------------------------------------------------


def opinion_oracle(x: np.ndarray) -> dict[str, float]:
    """The NumPy expressions the opinion outcomes were computed with before the kernel."""
    sizes = cluster_sizes(x)
    mean = x.mean()
    d = x - mean
    d2 = d * d
    m2 = d2.sum() / x.size
    n = d.size
    if n < 4:
        b = float("nan")
    elif m2 < CONSENSUS_VARIANCE:
        b = 0.0
    else:
        g1 = (d2 * d).sum() / n / m2**1.5
        g2 = (d2 * d2).sum() / n / m2**2 - 3.0
        b = float((g1 * g1 + 1.0) / (g2 + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))))
    return {
        "mean_opinion": float(mean),
        "opinion_sd": float(np.sqrt(m2)),
        "polarization": float(m2),
        "bimodality": b,
        "clusters": float(np.count_nonzero(sizes >= MAJOR_CLUSTER * x.size)),
        "largest_cluster": float(sizes.max(initial=0) / max(x.size, 1)),
    }


def opinion_cases():
    rng = np.random.default_rng(21)
    for n in [*range(1, 301), 2000, 8193, 20_000]:
        yield f"normal-{n}", np.clip(rng.normal(0.1, 0.4, n), -1, 1)
    for n in (4, 50, 129, 2000):
        yield f"two-modes-{n}", np.clip(rng.choice([-0.7, 0.6], n) + rng.normal(0, 0.05, n), -1, 1)
        yield f"uniform-{n}", rng.uniform(-1, 1, n)
    yield "consensus", np.full(30, 0.2)  # variance ~1e-34: below CONSENSUS_VARIANCE
    yield "at-the-consensus-threshold", np.array([-1e-12, -1e-12, 1e-12, 1e-12])
    yield "five-percent-cluster", np.r_[np.zeros(19), 1.0]
    yield "below-five-percent", np.r_[np.zeros(29), 1.0]
    table = np.clip(rng.normal(0, 0.5, (2000, 2)), -1, 1)
    yield "strided-column", table[:, 0]  # a model with two issues passes such a view


@pytest.mark.parametrize("use_compiled", [True, False])
def test_opinion_metrics_are_the_numpy_expressions_to_the_bit(use_compiled):
    for name, x in opinion_cases():
        if not use_compiled and x.size > 2000:
            continue
        got = opinion_metrics(x, use_compiled=use_compiled)
        want = opinion_oracle(x)
        assert list(got) == list(want), name
        assert same(list(got.values()), list(want.values())), (name, got, want)
        assert all(type(v) is float for v in got.values()), name


def test_opinion_metrics_branches_act():
    """Each branch on its own: n < 4 has no bimodality; a consensus has 0; the threshold
    variance itself is not a consensus; a cluster of exactly 5 % counts, a smaller one not."""
    assert math.isnan(opinion_metrics(np.array([0.1, 0.5, 0.9]))["bimodality"])
    assert opinion_metrics(np.full(30, 0.2))["bimodality"] == 0.0
    assert opinion_metrics(np.array([-1e-12, -1e-12, 1e-12, 1e-12]))["bimodality"] > 0.0
    assert opinion_metrics(np.r_[np.zeros(19), 1.0])["clusters"] == 2.0
    assert opinion_metrics(np.r_[np.zeros(29), 1.0])["clusters"] == 1.0
    m = opinion_metrics(np.array([-0.5, -0.5, 0.5, 0.5]))
    assert (m["mean_opinion"], m["polarization"], m["opinion_sd"]) == (0.0, 0.25, 0.5)
    assert m["largest_cluster"] == 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the oracle's mean of nothing
        want = opinion_oracle(np.zeros(0))
    got = opinion_metrics(np.zeros(0))
    assert same(list(got.values()), list(want.values()))


def test_sarle_of_python_floats_is_the_numpy_scalars_formula():
    """The coefficient's powers run on Python floats now (NumPy float64 scalars before):
    the same libm pow, the same floats."""
    rng = np.random.default_rng(31)
    for _ in range(2000):
        m2 = float(10.0 ** rng.uniform(-23, 0))
        s3, s4 = (float(v) for v in rng.normal(size=2) * 10.0 ** rng.uniform(-40, 3, 2))
        n = int(rng.integers(4, 10**6))
        want_g1 = np.float64(s3) / n / np.float64(m2) ** 1.5
        want_g2 = np.float64(s4) / n / np.float64(m2) ** 2 - 3.0
        want = float(
            (want_g1 * want_g1 + 1.0) / (want_g2 + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
        )
        assert same(_sarle(n, m2, s3, s4), want)


# -- step metrics ---------------------------------------------------------------------------


def step_oracle(
    pop,
    party_names,
    *,
    vote,
    read_party,
    read_source,
    reach_window,
    step,
    spend,
    planned,
    cumulative_cost,
    burnouts,
    recruits,
    line,
    influence,
    elections_won,
) -> dict:
    """``step_metrics`` as it was computed with NumPy before the kernel (its keys, their order
    and every float)."""
    n_c = pop.citizens

    def share(flags):
        return float(flags.mean()) if flags.size == 0 else np.count_nonzero(flags) / flags.size

    def floats(a):
        return np.asarray(a, dtype=np.float64).tolist()

    out = {}
    for name, value in opinion_oracle(pop.x[:n_c, 0]).items():
        out[(name, "", "")] = value
    out[("engaged", "", "")] = share(pop.engaged[:n_c])
    out[("posts_read", "", "")] = float(read_party.size)
    turnout = float(vote.sum())
    out[("turnout", "", "")] = turnout
    out[("abstention", "", "")] = 1.0 - turnout
    total = read_party.size
    p = len(party_names)
    ns = len(SOURCE_NAMES)
    cell = (read_party + 1) * ns + read_source
    counts = floats(np.bincount(cell, minlength=(p + 1) * ns) / max(total, 1))
    out[("share_of_voice", "", "citizen")] = counts[0]
    out[("share_of_voice", "", "news")] = counts[SOURCE_NEWS]
    out[("share_of_voice", "", "movement")] = counts[SOURCE_MOVEMENT]
    out[("movement_members", "", "")] = share(pop.member[:n_c]) if n_c else 0.0
    recent = pop.last_party_read[:n_c] >= step - reach_window + 1
    reach = [share(recent[:, k]) for k in range(p)]
    active = floats(np.bincount(pop.party[pop.role == CHAMPION], minlength=p))
    for k, name in enumerate(party_names):
        out[("vote_share", name, "")] = float(vote[k])
        for s, source in PARTY_SOURCES:
            out[("share_of_voice", name, source)] = counts[(k + 1) * ns + s]
        out[("reach", name, "")] = reach[k]
        out[("active_champions", name, "")] = active[k]
        out[("burnouts", name, "")] = float(burnouts[k])
        out[("recruits", name, "")] = float(recruits[k])
        out[("cost", name, "")] = float(spend[k].sum())
        for c, channel in enumerate(CHANNELS):
            out[("spend", name, channel)] = float(spend[k][c])
            out[("planned", name, channel)] = float(planned[k][c])
        out[("cumulative_cost", name, "")] = float(cumulative_cost[k])
        out[("party_line", name, "")] = float(line[k, 0])
    per_citizen = floats(influence / max(n_c, 1))
    out[("influence", "", "citizen")] = per_citizen[0]
    out[("influence", "", "news")] = per_citizen[1]
    for k, name in enumerate(party_names):
        out[("elections_won", name, "")] = float(elections_won[k])
        out[("influence", name, "")] = per_citizen[2 + k]
    total = float(influence.sum())
    out[("party_influence_share", "", "")] = (
        float(influence[2:].sum()) / total if total > 0 else float("nan")
    )
    return out


def model_inputs(m: SocialWebModel) -> dict:
    parties = m.parties
    return {
        "vote": m.vote,
        "read_party": m.last_reads_party,
        "read_source": m.last_reads_source,
        "reach_window": m.config.feed.recent_window,
        "step": m.step_count,
        "spend": m.spend,
        "planned": m.planned,
        "cumulative_cost": parties.cumulative_cost,
        "burnouts": parties.burnouts,
        "recruits": parties.recruits,
        "line": parties.line,
        "influence": m.influence,
        "elections_won": m.elections_won,
    }


def assert_same_metrics(got: dict, want: dict) -> None:
    assert list(got) == list(want)
    assert same(list(got.values()), list(want.values())), [
        k for k in want if not same(got[k], want[k])
    ]
    assert all(type(v) is float for v in got.values())


BASE = "scenarios/champion_driven.yaml"
MODEL_CASES = {
    "default": {},
    "movement-news": {"movement.founders_per_1000": 30.0, "news.positions": [0.4, -0.2]},
    "two-issues": {
        "population.issues": 2,
        "parties.blue.position": [0.25, 0.1],
        "parties.red.position": [-0.25, 0.0],
    },
    "elections": {"election.cycle": 4, "feed.recent_window": 2},
}


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_the_models_metrics_every_step_are_the_numpy_expressions(case):
    """A model's recorded metrics (``_measure``: its Meter, no election yet → nothing won),
    every step, equal the NumPy oracle on the same state, key order included; a plain-Python
    model measures the same floats."""
    sc = with_overrides(
        load_scenario(BASE), {"population.citizens": 300, "steps": 12, **MODEL_CASES[case]}
    )
    m = SocialWebModel(sc, seed=3)
    plain = SocialWebModel(sc, seed=3, use_compiled=False)
    checked_reads = checked_wins = 0
    for _ in range(sc.steps):
        m.step()
        plain.step()
        want = step_oracle(m.population, m.parties.names, **model_inputs(m))
        assert_same_metrics(m.metrics, want)
        assert_same_metrics(plain.metrics, want)
        checked_reads += m.last_reads_party.size > 0
        checked_wins += len(m.elections) > 0
    assert checked_reads > 0
    assert checked_wins > 0 or case != "elections"
    assert m.datacollector.get_model_vars_dataframe().shape[0] == len(m.recorded_steps)


def hand_state():
    """Citizens 0-4 (row 3 red's champion, row 4 blue's champion) and blue's staff member
    (row 5, engaged and a member, not a citizen); one issue."""
    return hand_population(
        [-0.5, 0.5, 0.5, 0.9, 0.1, 0.25],
        parties=2,
        citizens=5,
        engaged=[True, False, True, False, False, True],
        role=[CITIZEN, CITIZEN, CITIZEN, CHAMPION, CHAMPION, STAFF],
        party=[-1, -1, -1, 1, 0, 0],
        member=[False, True, False, False, False, True],
        last_party_read=[[8, NEVER], [7, 9], [NEVER, 10], [NEVER, NEVER], [9, 8], [10, 10]],
    )


def hand_inputs(**over):
    spend = np.array([[1.0, 2.0, 0.0, 0.5, 0.0, 0.25], [0.0] * 6])
    inputs = {
        "vote": np.array([0.3, 0.25]),
        "read_party": np.array([-1, -1, 0, 0, 0, 1, -1]),
        "read_source": np.array(
            [
                SOURCE_CITIZEN,
                SOURCE_NEWS,
                SOURCE_INSTITUTION,
                SOURCE_CHAMPION,
                SOURCE_CHAMPION,
                SOURCE_CANVASS,
                SOURCE_MOVEMENT,
            ]
        ),
        "reach_window": 3,
        "step": 10,
        "spend": spend,
        "planned": spend * 2,
        "cumulative_cost": np.array([7.0, 1.5]),
        "burnouts": np.array([1, 0]),
        "recruits": np.array([2, 5]),
        "line": np.array([[0.3], [-0.2]]),
        "influence": np.array([0.5, 0.25, 0.75, 0.5]),
        "elections_won": np.array([2, 1]),
    }
    return inputs | over


@pytest.mark.parametrize("use_compiled", [True, False])
def test_step_metrics_of_a_hand_state(use_compiled):
    """Worked by hand: citizens 0 and 2 of five engaged (the staff member is not counted):
    0.4; one member of five: 0.2; reach within 3 steps of step 10 (last read ≥ 8): blue rows
    0 and 4 (read at 8 and 9, not row 1 at 7) 2/5, red rows 1, 2 (9, 10) 3/5 (row 4 at 8:
    also) — 0.6; blue has one active champion (row 4), red one (row 3); share of voice over
    7 reads: citizens 1/7, news 1/7, the movement 1/7, blue's champions 2/7, its institution
    1/7, red's canvass 1/7; cost of blue 1 + 2 + 0.5 + 0.25; influence per citizen over 5; the
    parties' share (0.75 + 0.5) / 2."""
    m = step_metrics(hand_state(), ["blue", "red"], **hand_inputs(), use_compiled=use_compiled)
    assert m[("engaged", "", "")] == 0.4
    assert m[("movement_members", "", "")] == 0.2
    assert m[("reach", "blue", "")] == 0.4
    assert m[("reach", "red", "")] == 0.6
    assert m[("active_champions", "blue", "")] == 1.0
    assert m[("active_champions", "red", "")] == 1.0
    assert m[("posts_read", "", "")] == 7.0
    assert m[("share_of_voice", "", "citizen")] == 1 / 7
    assert m[("share_of_voice", "", "news")] == 1 / 7
    assert m[("share_of_voice", "", "movement")] == 1 / 7
    assert m[("share_of_voice", "blue", "champion")] == 2 / 7
    assert m[("share_of_voice", "blue", "institution")] == 1 / 7
    assert m[("share_of_voice", "red", "canvass")] == 1 / 7
    assert m[("share_of_voice", "red", "champion")] == 0.0
    assert m[("turnout", "", "")] == 0.3 + 0.25
    assert m[("abstention", "", "")] == 1.0 - (0.3 + 0.25)
    assert m[("cost", "blue", "")] == 3.75
    assert m[("spend", "blue", "paid_reach")] == 2.0
    assert m[("planned", "blue", "champions")] == 1.0
    assert (m[("burnouts", "blue", "")], m[("recruits", "red", "")]) == (1.0, 5.0)
    assert m[("cumulative_cost", "red", "")] == 1.5
    assert m[("party_line", "red", "")] == -0.2
    assert m[("elections_won", "blue", "")] == 2.0
    assert m[("influence", "", "citizen")] == 0.1
    assert m[("influence", "", "news")] == 0.05
    assert m[("influence", "red", "")] == 0.1
    assert m[("party_influence_share", "", "")] == 1.25 / 2.0
    assert list(m) == metric_keys(["blue", "red"])
    assert_same_metrics(m, step_oracle(hand_state(), ["blue", "red"], **hand_inputs()))


def test_step_metrics_edge_cases_match_the_oracle():
    """No reads (shares over max(reads, 1)), no movement, no influence yet (NaN share), a
    read exactly at the window's first step and one just before it, no citizens at all."""
    pop = hand_state()
    for over in (
        {"read_party": np.zeros(0, np.int64), "read_source": np.zeros(0, np.int64)},
        {"influence": np.zeros(4)},
        {"step": 11},  # the window starts at 9: row 0's read at 8 drops out
        {"reach_window": 1},
        {"influence": np.array([0.5, 0.25, -0.75, 0.0])},
    ):
        got = step_metrics(pop, ["blue", "red"], **hand_inputs(**over))
        assert_same_metrics(got, step_oracle(pop, ["blue", "red"], **hand_inputs(**over)))
    assert step_metrics(pop, ["blue", "red"], **hand_inputs(step=11))[("reach", "blue", "")] == 0.2
    nobody = hand_population([[0.1]], parties=2, citizens=0, role=[STAFF], party=[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the oracle's means of nothing
        want = step_oracle(nobody, ["blue", "red"], **hand_inputs())
    got = step_metrics(nobody, ["blue", "red"], **hand_inputs())
    assert_same_metrics(got, want)
    assert math.isnan(got[("engaged", "", "")]) and got[("movement_members", "", "")] == 0.0


def test_no_parties():
    """With no parties only the population's outcomes and the citizens' and news' voice."""
    pop = hand_population([0.1, 0.2, -0.3, 0.4, 0.0])
    inputs = hand_inputs(
        vote=np.zeros(0),
        read_party=np.array([-1, -1]),
        read_source=np.array([SOURCE_CITIZEN, SOURCE_NEWS]),
        spend=np.zeros((0, len(CHANNELS))),
        planned=np.zeros((0, len(CHANNELS))),
        cumulative_cost=np.zeros(0),
        burnouts=np.zeros(0, np.int64),
        recruits=np.zeros(0, np.int64),
        line=np.zeros((0, 1)),
        influence=np.array([0.5, 0.25]),
        elections_won=np.zeros(0, np.int64),
    )
    got = step_metrics(pop, [], **inputs)
    assert_same_metrics(got, step_oracle(pop, [], **inputs))
    assert got[("share_of_voice", "", "news")] == 0.5
    assert got[("party_influence_share", "", "")] == 0.0


def test_compiled_and_plain_measure_step_agree_on_random_states():
    """``measure_step`` compiled and as plain Python, on random states of several sizes and
    party counts (eight parties: the turnout and influence sums of ≥ 8 run the 8-way block)."""
    rng = np.random.default_rng(41)
    for n, p in ((7, 1), (150, 3), (600, 8)):
        names = [f"p{k}" for k in range(p)]
        role = rng.choice([CITIZEN, CHAMPION], n).astype(np.int8)
        pop = hand_population(
            rng.uniform(-1, 1, n),
            parties=p,
            citizens=n,
            engaged=rng.random(n) < 0.3,
            member=rng.random(n) < 0.1,
            role=role,
            party=np.where(role == CHAMPION, rng.integers(0, p, n), -1),
            last_party_read=rng.integers(0, 20, (n, p)),
        )
        reads = int(rng.integers(0, 3 * n))
        inputs = {
            "vote": rng.random(p) / p,
            "read_party": rng.integers(-1, p, reads),
            "read_source": rng.integers(0, len(SOURCE_NAMES), reads),
            "reach_window": int(rng.integers(1, 8)),
            "step": 20,
            "spend": rng.random((p, len(CHANNELS))),
            "planned": rng.random((p, len(CHANNELS))),
            "cumulative_cost": rng.random(p) * 100,
            "burnouts": rng.integers(0, 5, p),
            "recruits": rng.integers(0, 5, p),
            "line": rng.uniform(-1, 1, (p, 1)),
            "influence": rng.random(p + 2) * 10.0 ** rng.integers(-3, 3, p + 2),
            "elections_won": rng.integers(0, 3, p),
        }
        want = step_oracle(pop, names, **inputs)
        for use_compiled in (True, False):
            got = step_metrics(pop, names, **inputs, use_compiled=use_compiled)
            assert_same_metrics(got, want)


def test_the_meter_keeps_its_keys_and_measures_into_a_fresh_dict():
    meter = Meter(["blue", "red"])
    assert meter.keys == tuple(metric_keys(["blue", "red"]))
    a = meter.measure(hand_state(), **hand_inputs())
    b = meter.measure(hand_state(), **hand_inputs(step=11))
    assert a is not b and a[("reach", "blue", "")] == 0.4 and b[("reach", "blue", "")] == 0.2


def test_warm_up_runs_both_kernels():
    """``metrics.warm_up`` runs both kernels on a model's dtypes without error."""
    from model.metrics import warm_up

    warm_up()
