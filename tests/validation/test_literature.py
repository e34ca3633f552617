"""The engine reproduces published opinion-dynamics results (docs/VALIDATION.md).

These run the same case functions that build docs/VALIDATION.md, on the same experiment files,
with fewer replicates so the suite stays fast; each check's tolerance is derived from the
replicates it actually has (standard errors), so fewer replicates widen nothing by hand. The
mutation tests swap in a deliberately wrong kernel and show that the same check then fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import validation
from model.dynamics import kernels, rules
from model.jit import twin
from tests.conftest import ROOT
from tests.hand_draws import keyed_encounters

DIR = ROOT / "experiments" / "validation"
CI_REPLICATES = {
    "deffuant": 10,
    "hegselmann_krause": 20,
    "voter": 200,
    "voter_variants": 300,  # 3 binomial SE then separate each update's value from the others'
    "degroot": 10,
    "friedkin_johnsen": 5,
    "granovetter": None,
    "zealots_voter": 24,
    "q_voter": 8,
    "naming_game": 6,
    "majority": 20,
    "holme_newman": 3,
    "algorithmic_bias": 8,
    "sznajd": 100,  # 3 binomial SE (≤ 0.14) then separate E(ρ) from the voter's ρ at ρ = 0.2, 0.3
    "attraction_repulsion": 4,
    "radicalization": 3,
}


def failing(result: validation.CaseResult) -> list[str]:
    return [
        f"{c.claim}: published {c.published}, measured {c.measured} ({c.tolerance})"
        for c in result.checks
        if c.compared and not c.passed
    ]


@pytest.mark.parametrize("case", sorted(CI_REPLICATES))
def test_case_reproduces_the_literature(case):
    result = validation.CASES[case](DIR, replicates=CI_REPLICATES[case], jobs=2)
    assert result.checks, "a case without checks proves nothing"
    assert not failing(result), failing(result)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CI_REPLICATES))
def test_full_size_case_reproduces_the_literature(case):
    """The case at the replicates of its experiment file — what docs/VALIDATION.md reports
    (``pytest -m slow``; about two and a half minutes for all cases on two cores)."""
    result = validation.CASES[case](DIR, jobs=2)
    assert result.checks and not failing(result), failing(result)


def _encounter(u, n, indptr, indices):
    """The (i, j) pair the kernels draw from one uniform (see model.dynamics.kernels)."""
    scaled = u * n
    i = min(int(scaled), n - 1)
    start, deg = indptr[i], indptr[i + 1] - indptr[i]
    if deg == 0:
        return i, None
    return i, indices[start + min(int((scaled - i) * deg), deg - 1)]


def one_sided_deffuant(x, indptr, indices, openness, rate, frozen, u, keys, before, moved, ahead):
    """Mutant: only the picked citizen moves (the neighbour keeps its opinion). Draws as the
    real kernel does: ``u``, or each step's key through SplitMix64 (``ahead`` changes no
    value)."""
    n = x.shape[0]
    if keys.size == 0:
        steps = [[_encounter(draw, n, indptr, indices) for draw in u]]
    else:
        steps = [
            [
                (i, None if k is None else indices[indptr[i] + k])
                for i, k in keyed_encounters(key, n, indptr)
            ]
            for key in keys
        ]
    for s, pairs in enumerate(steps):
        start = x.copy()
        for i, j in pairs:
            if j is not None and abs(x[i] - x[j]) < openness[0 if openness.size == 1 else i]:
                x[i] += rate * (x[j] - x[i])
        if keys.size and before.size:
            moved[s] = np.abs(x - start).sum()


def upward_only_voter(x, indptr, indices, frozen, u):
    """Mutant: copying goes one way only — a citizen adopts a neighbour's opinion only when that
    moves it toward +1."""
    for t in range(u.size):
        i, j = _encounter(u[t], x.shape[0], indptr, indices)
        if j is not None and x[j, 0] > x[i, 0]:
            x[i, 0] = x[j, 0]


def _mutate(monkeypatch, name, mutant):
    original = rules.kernel
    monkeypatch.setattr(
        rules,
        "kernel",
        lambda kernel_name, use_compiled=True: (
            mutant if kernel_name == name else original(kernel_name, use_compiled=use_compiled)
        ),
    )


def test_one_sided_deffuant_fails_the_mean_conservation_check(monkeypatch):
    exp = validation._load(DIR, "deffuant", 3)
    drift, updates = validation.deffuant_mean_drift(exp, 0.4, 3)
    assert validation.deffuant_mean_check(drift, updates).passed  # the real kernel passes
    _mutate(monkeypatch, "deffuant_sweep", one_sided_deffuant)
    exp = validation._load(DIR, "deffuant", 3)
    drift, updates = validation.deffuant_mean_drift(exp, 0.4, 3)
    check = validation.deffuant_mean_check(drift, updates)
    assert not check.passed, check


def _small_d_runs(exp, replicates: int):
    """The d = 0.1 rows of the Deffuant case (the outputs its check reads), run in-process."""
    import pandas as pd

    from model.metrics import opinion_metrics
    from model.rng import replicate_seeds
    from model.sim import SocialWebModel

    scenario = exp.scenario_at({"population.openness": 0.2})
    rows = []
    for seed in replicate_seeds(exp.seed, replicates):
        model = SocialWebModel(scenario, seed=seed, agents="parties")
        model.run()
        rows.append(
            opinion_metrics(model.population.x[: model.population.citizens, 0])
            | {"steps": model.step_count, "population.openness": 0.2}
        )
    return pd.DataFrame(rows)


def test_one_sided_deffuant_fails_the_small_d_check(monkeypatch):
    """d = 0.1 against the textbook algorithm run directly: the engine passes with 6 runs, an
    engine where only the picked citizen moves takes about twice the sweeps and fails."""
    exp = validation._load(DIR, "deffuant", 6)
    assert validation.deffuant_small_d_check(_small_d_runs(exp, 6), exp).passed
    _mutate(monkeypatch, "deffuant_sweep", one_sided_deffuant)
    check = validation.deffuant_small_d_check(_small_d_runs(exp, 6), exp)
    assert not check.passed, check.measured


def test_one_way_voter_fails_the_exit_probability_check(monkeypatch):
    _mutate(monkeypatch, "voter_sweep", upward_only_voter)
    result = validation.voter(DIR, replicates=40, jobs=1)  # in-process: the patch applies
    exit_checks = [c for c in result.checks if c.claim.startswith("P(consensus on +1)")]
    assert exit_checks and not all(c.passed for c in exit_checks)


def test_exact_finite_n_voter_time_approaches_the_formula():
    """The finite-N correction used in the tolerance is small and shrinks with N."""
    gaps = [
        abs(validation.voter_exact_time(n, 0.5) - validation.voter_formula_time(n, 0.5)) / n
        for n in (50, 100, 200)
    ]
    assert np.all(np.diff(gaps) < 0) and gaps[-1] < 0.02


def test_rate_equation_conserves_mass_and_mean():
    """The integrated compromise rate equation (the N → ∞ reference at d = 0.1) moves mass to
    midpoints only: total mass 1 and, from the symmetric start, a symmetric result."""
    masses = validation.compromise_clusters(1.2, points_per_unit=10)
    assert masses.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(masses, masses[::-1], atol=1e-12)


def test_rate_equation_compiled_equals_its_python_twin():
    args = {"points_per_unit": 10, "max_steps": 300}
    np.testing.assert_array_equal(
        validation.compromise_clusters(1.2, **args),
        validation.compromise_clusters(1.2, **args, use_compiled=False),
    )


def test_rate_equation_gives_the_textbook_counts_at_large_d():
    """Consensus at Δ = 1.43 (d = 0.35) and two major clusters at Δ = 2.5 (d = 0.2), as
    floor(1/(2d)) says; coarse grid to stay fast."""
    for delta, expected in ((1.43, 1), (2.5, 2)):
        masses = validation.compromise_clusters(delta, points_per_unit=20)
        assert np.count_nonzero(masses >= 0.05) == expected, (delta, masses)


def test_an_anchor_that_follows_the_current_opinion_fails_the_equilibrium_checks(monkeypatch):
    """Mutant: the rule re-anchors to the opinion it finds each step (instead of x(0)) — the
    closed-form equilibrium and the persistent-disagreement checks must both fail."""
    real = rules.FriedkinJohnsen._peer_process

    def drifting_anchor(self, pop, graph, rng):
        self.anchor = pop.x[: pop.citizens].copy()
        real(self, pop, graph, rng)

    monkeypatch.setattr(rules.FriedkinJohnsen, "_peer_process", drifting_anchor)
    result = validation.friedkin_johnsen(DIR, replicates=2)
    assert result.checks and not any(c.passed for c in result.checks)


def test_degroot_updated_in_place_fails_the_consensus_value_check(monkeypatch):
    """Mutant update order: citizen by citizen, each averaging opinions already updated this step
    (Gauss-Seidel) instead of x ← W x on the step's opinions. The opinions still agree in the
    end, at a value other than π·x(0)."""

    def in_place(self, pop, graph, rng):
        x = pop.x[: graph.n]
        w = graph.weights if graph.weights is not None else np.ones(graph.indices.size)
        s = self.spec.self_weight
        for i in range(graph.n):
            lo, hi = graph.indptr[i], graph.indptr[i + 1]
            total = w[lo:hi].sum() + s
            if total > 0:
                x[i] = (w[lo:hi] @ x[graph.indices[lo:hi]] + s * x[i]) / total

    monkeypatch.setattr(rules.DeGroot, "_peer_process", in_place)
    result = validation.degroot(DIR, replicates=3)
    consensus, value = result.checks
    assert consensus.passed, consensus.measured  # the mutant reaches a consensus...
    assert not value.passed, value.measured  # ...but not the stationary-weighted one


def test_a_riot_that_counts_the_citizen_among_its_neighbours_stops(monkeypatch):
    """Mutant pool: the engaged share divides by the degree + 1 (the citizen counted among the
    people it watches). Citizen k's threshold k/99 is then never reached by k rioters of 99
    others, so the uniform riot of Granovetter's example stops at once."""
    from model.dynamics import mobilization

    real = mobilization.run_threaded

    def self_in_pool(indptr, indices, engaged, threshold, pinned, leave_draw, rate, key, *_):
        assert key.size == 0  # Granovetter's riot: nobody leaves, so no keyed draw
        count = kernels.kernel("neighbour_count")(indptr, indices, engaged)
        above = count / (np.diff(indptr) + 1.0) >= threshold
        out = engaged.copy()
        out[~pinned & ~engaged & above] = True
        leave = ~pinned & engaged & ~above
        leave &= leave_draw < rate if leave_draw.size else False
        out[leave] = False
        return out

    def run_threaded(name, size, *args, **kwargs):
        if name == "threshold_round":
            return self_in_pool(*args)
        return real(name, size, *args, **kwargs)

    monkeypatch.setattr(mobilization, "run_threaded", run_threaded)
    result = validation.granovetter(DIR)
    assert not result.checks[0].passed, result.checks[0].measured


def _hk_variant(self_in_pool: bool, halves: bool):
    """Hegselmann-Krause on the complete graph with the pool or the update order wrong: the
    agent left out of its own mean, or the first half of the agents updated before the second
    half reads them."""

    def step(self, pop, graph, rng):
        x = pop.x[: graph.n, 0]
        eps = pop.openness[: graph.n]
        blocks = np.array_split(np.arange(graph.n), 2 if halves else 1)
        new = x.copy()
        for rows in blocks:
            close = np.abs(x[rows, None] - x[None, :]) <= eps[rows, None]
            if not self_in_pool:
                close[np.arange(rows.size), rows] = False
            count = close.sum(axis=1)
            new[rows] = np.where(count > 0, (close @ x) / np.maximum(count, 1), x[rows])
            if halves:
                x[rows] = new[rows]  # the next block reads these
        x[:] = new

    return step


@pytest.mark.parametrize(
    "self_in_pool, halves", [(False, False), (True, True)], ids=["self_left_out", "two_halves"]
)
def test_a_wrong_hk_update_fails_the_textbook_check(monkeypatch, self_in_pool, halves):
    exp = validation._load(DIR, "hegselmann_krause", 1)
    assert validation.hk_textbook_check(exp).passed  # the engine passes
    monkeypatch.setattr(rules.HegselmannKrause, "_peer_process", _hk_variant(self_in_pool, halves))
    check = validation.hk_textbook_check(exp)
    assert not check.passed, check.measured


def test_invasion_done_as_node_update_fails_its_exit_probability_check(monkeypatch):
    """Mutant: the 'invasion' kernel lets the picked citizen copy its neighbour (node update)."""
    _mutate(monkeypatch, "voter_invasion_sweep", rules.kernel("voter_sweep", use_compiled=False))
    result = validation.voter_variants(DIR, replicates=150)
    invasion = [c for c in result.checks if c.claim.startswith("invasion")]
    assert invasion and not invasion[0].passed, invasion


def voter_ignoring_zealots(x, indptr, indices, frozen, u):
    """Mutant pool membership: zealots never change but are never copied either (a voter that
    picks a zealot neighbour does nothing), as if they were outside the population."""
    for t in range(u.size):
        i, j = _encounter(u[t], x.shape[0], indptr, indices)
        if j is None or (frozen.size and (frozen[i] or frozen[j])):
            continue
        x[i, 0] = x[j, 0]


def test_zealots_outside_the_pool_fail_the_stationary_checks(monkeypatch):
    """With zealots that nobody copies the free voters reach consensus and stay there: the mean,
    variance and no-consensus checks must fail."""
    _mutate(monkeypatch, "voter_sweep", voter_ignoring_zealots)
    result = validation.zealots_voter(DIR, replicates=8)
    assert result.checks and not result.passed
    assert not [c for c in result.checks if c.claim.startswith("no consensus")][0].passed


def naming_game_listener_only(x, indptr, indices, frozen, u):
    """Mutant update: on agreement only the listener collapses to the word; the speaker keeps
    both words (the 'listener-only' game, a different model with a different tipping point)."""
    n = x.shape[0]
    for t in range(u.size):
        scaled = u[t] * n
        s = min(int(scaled), n - 1)
        start, deg = indptr[s], indptr[s + 1] - indptr[s]
        if deg == 0:
            continue
        f = (scaled - s) * deg
        slot = min(int(f), deg - 1)
        listener = indices[start + slot]
        word = x[s] if x[s] != 0.0 else (1.0 if f - slot >= 0.5 else -1.0)
        if frozen.shape[0] != 0 and frozen[listener]:
            continue
        held = x[listener]
        x[listener] = word if (held == word or held == 0.0) else 0.0


def naming_game_silent_committed(x, indptr, indices, frozen, u):
    """Mutant pool membership: committed agents are never picked as speakers."""
    n = x.shape[0]
    if frozen.size:
        u = u[~frozen[np.minimum((u * n).astype(np.int64), n - 1)]]
    twin(kernels.naming_game_sweep)(x, indptr, indices, frozen, u)


@pytest.mark.parametrize("mutant", [twin(naming_game_listener_only), naming_game_silent_committed])
def test_a_wrong_naming_game_fails_the_tipping_checks(monkeypatch, mutant):
    _mutate(monkeypatch, "naming_game_sweep", mutant)
    result = validation.naming_game(DIR, replicates=3)
    simulated = [c for c in result.checks if c.claim.startswith("p = ")]
    assert simulated and not all(c.passed for c in simulated), [c.measured for c in simulated]


def q_voter_flip_always(x, indptr, indices, q, p, anti, frozen, u):
    """Mutant nonconformity: an independent citizen always flips (instead of with chance 1/2)."""
    u = u.copy()
    u[:, 1] = np.where(u[:, 1] < p, u[:, 1] / 2, u[:, 1])
    twin(kernels.q_voter_sweep)(x, indptr, indices, q, p, anti, frozen, u)


def q_voter_majority_panel(x, indptr, indices, q, p, anti, frozen, u):
    """Mutant conformity: a citizen follows the panel's majority, not only a unanimous panel."""
    n = x.shape[0]
    for t in range(u.shape[0]):
        i = min(int(u[t, 0] * n), n - 1)
        start, deg = indptr[i], indptr[i + 1] - indptr[i]
        if deg == 0:
            continue
        nonconform = u[t, 1] < p
        if nonconform and not anti:
            if u[t, 1] < 0.5 * p:
                x[i] = -x[i]
            continue
        total = 0.0
        for r in range(q):
            total += x[indices[start + min(int(u[t, 2 + r] * deg), deg - 1)]]
        if total != 0:
            x[i] = -np.sign(total) if nonconform else np.sign(total)


@pytest.mark.parametrize("mutant", [q_voter_flip_always, twin(q_voter_majority_panel)])
def test_a_wrong_q_voter_fails_the_order_parameter_checks(monkeypatch, mutant):
    _mutate(monkeypatch, "q_voter_sweep", mutant)
    result = validation.q_voter(DIR, replicates=2)
    assert result.checks and not result.passed


def majority_focal_only(x, indptr, indices, size, frozen, u):
    """Mutant update: only the picked citizen takes the group's majority (the others in its
    group keep theirs) — a different, slower model."""
    n = x.shape[0]
    for t in range(u.shape[0]):
        i = min(int(u[t, 0] * n), n - 1)
        start, deg = indptr[i], indptr[i + 1] - indptr[i]
        if deg < size - 1:
            continue
        total = x[i]
        for r in range(1, size):
            total += x[indices[start + min(int(u[t, r] * deg), deg - 1)]]
        x[i] = 1.0 if total > 0 else -1.0


def test_majority_with_only_the_focal_citizen_updating_fails_the_trajectory(monkeypatch):
    _mutate(monkeypatch, "majority_sweep", twin(majority_focal_only))
    result = validation.majority(DIR, replicates=10)
    trajectory = [c for c in result.checks if c.claim.startswith("magnetisation")]
    assert trajectory and not all(c.passed for c in trajectory)


def sznajd_without_agreement(x, indptr, indices, frozen, u):
    """Mutant: the picked citizen converts its own and its partner's neighbours whether or not
    the pair agrees — the "united" condition removed (a voter-like invasion, E = ρ)."""
    n = x.shape[0]
    for t in range(u.size):
        scaled = u[t] * n
        i = min(int(scaled), n - 1)
        deg = indptr[i + 1] - indptr[i]
        if deg == 0:
            continue
        j = indices[indptr[i] + min(int((scaled - i) * deg), deg - 1)]
        for e in range(indptr[j], indptr[j + 1]):
            x[indices[e]] = x[i]
        for e in range(indptr[i], indptr[i + 1]):
            x[indices[e]] = x[i]


def test_sznajd_without_the_agreement_condition_fails_the_exit_probability(monkeypatch):
    _mutate(monkeypatch, "sznajd_sweep", twin(sznajd_without_agreement))
    result = validation.sznajd(DIR, replicates=100)
    exits = [c for c in result.checks if c.claim.startswith("exit probability")]
    assert exits and not all(c.passed for c in exits)


def test_holme_newman_without_rewiring_fails_the_fragmentation_checks(monkeypatch):
    """Mutant: the rewiring branch is removed (φ forced to 0) — the network never fragments, so
    large φ still ends in one giant community."""
    real = twin(kernels.holme_newman_sweep)

    def never_rewire(*args):
        real(*args[:10], 0.0, *args[11:])

    _mutate(monkeypatch, "holme_newman_sweep", never_rewire)
    result = validation.holme_newman(DIR, replicates=1)
    small = [c for c in result.checks if c.claim.startswith("φ well above")]
    assert small and not small[0].passed


def nearest_partner(x, indptr, indices, openness, rate, gamma, floor, frozen, u):
    """Mutant partner choice: always the nearest neighbour, whatever γ (γ = 0 must be uniform)."""
    n = x.shape[0]
    for t in range(u.shape[0]):
        i = min(int(u[t, 0] * n), n - 1)
        start, end = indptr[i], indptr[i + 1]
        if end == start:
            continue
        j = indices[start]
        for q in range(start, end):
            if abs(x[i] - x[indices[q]]) < abs(x[i] - x[j]):
                j = indices[q]
        if abs(x[i] - x[j]) < openness[0]:
            move = rate * (x[j] - x[i])
            x[i] += move
            x[j] -= move


def test_a_recommender_that_ignores_gamma_fails_the_deffuant_reduction(monkeypatch, tmp_path):
    """γ = 0 only, and at most 300 sweeps: a nearest-partner recommender never settles (far
    pairs within ε never meet), so the case's own cap of 20,000 sweeps would take minutes."""
    _mutate(monkeypatch, "algorithmic_bias_sweep", twin(nearest_partner))
    text = (DIR / "algorithmic_bias.yaml").read_text()
    text = text.replace("steps: 20000", "steps: 300").replace(
        "opinion.bias: [0.0, 0.5, 1.0, 1.25]", "opinion.bias: [0.0]"
    )
    assert "steps: 300" in text and "opinion.bias: [0.0]\n" in text
    (tmp_path / "algorithmic_bias.yaml").write_text(text)
    result = validation.algorithmic_bias(tmp_path, replicates=4)
    assert not result.checks[0].passed, result.checks[0].measured


def test_a_pipe_in_a_check_stays_inside_its_table_cell():
    """Claims such as "|m| at p = 0.1" hold the table's own separator: each row must still
    split into the five columns of its header."""
    import re

    result = validation.CaseResult(key="k", title="t", model="m", parameters="p", source="s")
    result.checks = [
        validation.Check("|m| at p", "|x - y| <= 1", "0.5", "|gap| <= 3 SE", passed=True)
    ]
    rows = [line for line in validation.markdown([result], "cmd").splitlines()[-3:]]
    cells = [len(re.split(r"(?<!\\)\|", row)) - 2 for row in rows if row.startswith("|")]
    assert cells == [5, 5, 5], rows


GAMMA, M1, M2 = kernels.SPLITMIX_GAMMA, kernels.SPLITMIX_M1, kernels.SPLITMIX_M2


def _ar_variant(
    x, indptr, indices, accept, reject, rate, frozen, keys, before, moved, sign, clip, both, gate
):
    """The attraction–repulsion sweep with one thing wrong, chosen by the last four arguments:
    ``sign`` -1 turns contrast into attraction, ``clip`` False lets attitudes leave [-1, 1],
    ``both`` True moves the partner too (Deffuant's symmetric update), ``gate`` False repels
    everyone beyond U (T ignored). Draws as the real kernel does (each step's key through
    SplitMix64, the same encounter from each draw)."""
    n = x.shape[0]
    for s in range(keys.shape[0]):
        state = keys[s]
        for q in range(n):
            before[q] = x[q]
        for _ in range(n):
            state += GAMMA
            z = state
            z = (z ^ (z >> np.uint64(30))) * M1
            z = (z ^ (z >> np.uint64(27))) * M2
            z = z ^ (z >> np.uint64(31))
            scaled = (float(np.int64(z >> np.uint64(11))) + 0.5) * 2.0**-53 * n
            i = min(int(scaled), n - 1)
            deg = indptr[i + 1] - indptr[i]
            if deg == 0:
                continue
            j = indices[indptr[i] + min(int((scaled - i) * deg), deg - 1)]
            gap = x[j] - x[i]
            if abs(gap) < accept[0]:
                step = rate * gap
            elif abs(gap) > reject[0] or not gate:
                step = -sign * rate * gap
            else:
                continue
            x[i] = min(1.0, max(-1.0, x[i] + step)) if clip else x[i] + step
            if both:
                x[j] = min(1.0, max(-1.0, x[j] - step)) if clip else x[j] - step
        moved[s] = np.abs(x - before).sum()


attraction_repulsion_variant = twin(_ar_variant)


def _ar_mutant(sign=1.0, clip=True, both=False, gate=True):
    def run(x, indptr, indices, accept, reject, rate, frozen, keys, before, moved):
        attraction_repulsion_variant(
            x, indptr, indices, accept, reject, rate, frozen, keys, before, moved,
            sign, clip, both, gate,
        )  # fmt: skip

    return run


def _ar_check(result, start):
    return next(c for c in result.checks if c.claim.startswith(start))


def test_the_attraction_repulsion_variant_with_nothing_wrong_passes_the_case(monkeypatch):
    """The mutants' own loop is right when nothing is switched: every compared check passes."""
    _mutate(monkeypatch, "attraction_repulsion_sweep", _ar_mutant())
    result = validation.attraction_repulsion(DIR, replicates=3, jobs=1)
    assert not failing(result), failing(result)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # unclipped attitudes overflow the metrics
@pytest.mark.parametrize(
    "wrong, check",
    [
        ({"sign": -1.0}, "bipolarization"),  # contrast turned into attraction
        ({"clip": False}, "bipolarization"),  # attitudes pushed off the scale
        ({"gate": False}, "pluriformity"),  # everyone beyond U repels: T ignored
        ({"both": True}, "only the drawn agent moves"),  # Deffuant's two-sided update
    ],
)
def test_a_wrong_attraction_repulsion_update_fails_its_check(monkeypatch, wrong, check):
    _mutate(monkeypatch, "attraction_repulsion_sweep", _ar_mutant(**wrong))
    result = validation.attraction_repulsion(DIR, replicates=3, jobs=1)  # in-process
    found = _ar_check(result, check)
    assert not found.passed, found.measured


def _radicalization_with(**changed):
    """The real radicalization kernel with some of its arguments changed (a wrong convention)."""
    real = kernels.kernel("radicalization_steps")

    def mutant(x, activity, keys, m, reciprocity, social, alpha, beta, dt, moved):
        args = {"activity": activity, "reciprocity": reciprocity, "beta": beta}
        args |= {k: f(args[k], dt) for k, f in changed.items()}
        real(
            x,
            args["activity"],
            keys,
            m,
            args["reciprocity"],
            social,
            alpha,
            args["beta"],
            dt,
            moved,
        )

    return mutant


@pytest.mark.parametrize(
    "wrong",
    [
        {"reciprocity": lambda r, dt: 0.0},  # contacts never returned
        {"activity": lambda a, dt: a * dt},  # activity a rate per unit time, not per step
        {"activity": lambda a, dt: np.full_like(a, a.mean())},  # everyone equally active
    ],
    ids=["no_reciprocity", "activity_as_rate", "homogeneous_activity"],
)
def test_a_wrong_contact_convention_fails_the_radicalization_threshold(monkeypatch, wrong):
    """Without reciprocity λ = m⟨a⟩ puts the threshold at 2.3 α_c; activity as a rate (a·dt
    per step) cuts the contacts a hundredfold; equal activities (the sample mean for everyone)
    give λ = m⟨a⟩(1 + r), a threshold at 1.52 α_c: each way 1.33 α_c stays at consensus."""
    _mutate(monkeypatch, "radicalization_steps", _radicalization_with(**wrong))
    result = validation.radicalization(DIR, replicates=2)
    assert not result.checks[0].passed, result.checks[0].measured


def test_inverted_homophily_fails_the_radicalization_polarization_regime(monkeypatch):
    """Contacts ∝ |Δx|^(+β) (the far side preferred) at β = 3: no two camps."""
    _mutate(monkeypatch, "radicalization_steps", _radicalization_with(beta=lambda b, dt: -b))
    result = validation.radicalization(DIR, replicates=2)
    assert not result.checks[1].passed, result.checks[1].measured
