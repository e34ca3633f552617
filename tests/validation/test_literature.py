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
from model.dynamics import rules
from tests.conftest import ROOT

DIR = ROOT / "experiments" / "validation"
CI_REPLICATES = {
    "deffuant": 10,
    "hegselmann_krause": 20,
    "voter": 200,
    "voter_variants": 300,  # 3 binomial SE then separate each update's value from the others'
    "degroot": 10,
    "friedkin_johnsen": 5,
    "granovetter": None,
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


def _encounter(u, n, indptr, indices):
    """The (i, j) pair the kernels draw from one uniform (see model.dynamics.kernels)."""
    scaled = u * n
    i = min(int(scaled), n - 1)
    start, deg = indptr[i], indptr[i + 1] - indptr[i]
    if deg == 0:
        return i, None
    return i, indices[start + min(int((scaled - i) * deg), deg - 1)]


def one_sided_deffuant(x, indptr, indices, openness, rate, u):
    """Mutant: only the picked citizen moves (the neighbour keeps its opinion)."""
    for t in range(u.size):
        i, j = _encounter(u[t], x.shape[0], indptr, indices)
        if j is not None and abs(x[i] - x[j]) < openness[0 if openness.size == 1 else i]:
            x[i] += rate * (x[j] - x[i])


def upward_only_voter(x, indptr, indices, u):
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


def test_invasion_done_as_node_update_fails_its_exit_probability_check(monkeypatch):
    """Mutant: the 'invasion' kernel lets the picked citizen copy its neighbour (node update)."""
    _mutate(monkeypatch, "voter_invasion_sweep", rules.kernel("voter_sweep", use_compiled=False))
    result = validation.voter_variants(DIR, replicates=150)
    invasion = [c for c in result.checks if c.claim.startswith("invasion")]
    assert invasion and not invasion[0].passed, invasion
