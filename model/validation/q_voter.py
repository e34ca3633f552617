"""The q-voter model with independence and with anticonformity (Nyczka, Sznajd-Weron & Cisło
2012): the order parameter |m| against the mean-field solution and the exact finite-N law."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.optimize import brentq

from model.rng import replicate_seeds
from model.sim import SocialWebModel
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load, _se, series

BURN_IN = 100  # sweeps dropped before time-averaging |m| (relaxation takes ~10 sweeps here)


def critical_point(q: int, anti: bool) -> float:
    """Published mean-field p_c: (q-1)/(2q) for anticonformity, (q-1)/(q-1+2^(q-1)) for
    independence (Nyczka, Sznajd-Weron & Cisło 2012)."""
    return (q - 1) / (2 * q) if anti else (q - 1) / (q - 1 + 2 ** (q - 1))


def _p_of_m(m: float, q: int, anti: bool) -> float:
    """The nonconformity p at which |m| is a stationary point of the mean-field rate equation.

    With c± = (1 ± m)/2: a -1 flips up at rate (1 - p) c+^q + p/2 (independence) or
    (1 - p) c+^q + p c-^q (anticonformity), a +1 down symmetrically; stationarity
    c- · up = c+ · down gives p/(1 - p) = 2(c- c+^q - c+ c-^q)/(c+ - c-) (independence) and
    (c- c+^q - c+ c-^q)/(c+^(q+1) - c-^(q+1)) (anticonformity).
    """
    cp, cm = (1 + m) / 2, (1 - m) / 2
    core = cm * cp**q - cp * cm**q
    r = core / (cp ** (q + 1) - cm ** (q + 1)) if anti else 2 * core / (cp - cm)
    return r / (1 + r)


def mean_field_m(p: float, q: int, anti: bool) -> float:
    """Published mean-field order parameter |m|(p): 0 at and above p_c."""
    if p >= critical_point(q, anti):
        return 0.0
    if p <= 0.0:
        return 1.0
    return float(brentq(lambda m: _p_of_m(m, q, anti) - p, 1e-12, 1 - 1e-12, xtol=1e-14))


def exact_abs_m(n: int, p: float, q: int, anti: bool) -> float:
    """E|m| in the exact stationary law of the same model at finite N (complete graph, panel of
    q drawn with repetition from the N - 1 others): a birth-death chain in the number k at +1,
    solved by detailed balance. This is the finite-N value the simulation must match; its gap
    to the N → ∞ :func:`mean_field_m` is what finite N adds."""
    if p <= 0.0:  # consensus is absorbing: the plain q-voter ends at |m| = 1
        return 1.0
    k = np.arange(n + 1, dtype=float)
    plus_seen_by_minus = k / (n - 1)  # a -1 sees k of the N - 1 others at +1
    minus_seen_by_plus = (n - k) / (n - 1)  # a +1 sees N - k at -1
    if anti:
        up = (n - k) / n * ((1 - p) * plus_seen_by_minus**q + p * (1 - plus_seen_by_minus) ** q)
        down = k / n * ((1 - p) * minus_seen_by_plus**q + p * (1 - minus_seen_by_plus) ** q)
    else:
        up = (n - k) / n * ((1 - p) * plus_seen_by_minus**q + p / 2)
        down = k / n * ((1 - p) * minus_seen_by_plus**q + p / 2)
    with np.errstate(divide="ignore"):
        log_ratio = np.log(up[:-1]) - np.log(down[1:])
    log_pi = np.concatenate([[0.0], np.cumsum(log_ratio)])
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    return float(pi @ np.abs(2 * k / n - 1))


def abs_magnetisation(model: SocialWebModel) -> float:
    return float(abs(model.population.x[: model.population.citizens, 0].mean()))


def q_voter(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "q_voter", replicates)
    n, q = exp.base.population.citizens, exp.base.opinion.q
    seeds = replicate_seeds(exp.seed, exp.replicates)
    scenarios = [exp.scenario_at(point) for point in exp.points()]
    m = series(scenarios, seeds, exp.base.steps, abs_magnetisation, jobs=jobs)
    rows = [
        {"kind": sc.opinion.nonconformity, "p": sc.opinion.nonconformity_rate, "abs_m": v}
        for sc, per_seed in zip(scenarios, m[:, :, BURN_IN:].mean(axis=2), strict=True)
        for v in per_seed
    ]
    runs = pd.DataFrame(rows)
    result = CaseResult(
        key="q_voter",
        title="q-voter model with independence and anticonformity",
        model="`q_voter` rule, complete graph, all citizens start at +1, no parties",
        parameters=f"N = {n}, q = {q}, p ∈ {{0.1, 0.2, 0.3, 0.45}}; |m| time-averaged over "
        f"sweeps {BURN_IN}-{exp.base.steps}; {exp.replicates} replicates per point",
        source="Nyczka, Sznajd-Weron & Cisło (2012), PRE 86:011105 (mean-field p_c and the "
        "stationary |m|(p)); Castellano, Muñoz & Pastor-Satorras (2009), PRE 80:041129",
        runs=runs,
    )
    for (kind, p), g in runs.groupby(["kind", "p"], sort=False):
        anti = kind == "anticonformity"
        published, exact = mean_field_m(p, q, anti), exact_abs_m(n, p, q, anti)
        v = g["abs_m"].to_numpy()
        # judged against the same model's exact value at this N, whose distance from the
        # N → ∞ curve is shown: above p_c the published |m| is 0, but finite N leaves |m| of
        # order N^(-1/2), and comparing with 0 would let a too-disordered rule pass
        tol = 3 * _se(v)
        result.checks.append(
            Check(
                claim=f"|m| with {kind}, p = {p:g} (p_c = {critical_point(q, anti):.4f})",
                published=f"{published:.4f} (N → ∞); exact for N = {n}: {exact:.4f}",
                measured=f"{v.mean():.4f} ± {_se(v):.4f}",
                tolerance=f"difference to the exact finite-N value <= 3 SE = {tol:.4f}",
                passed=abs(v.mean() - exact) <= tol,
            )
        )
    result.figure = _figure(runs, n, q)
    return result


def _figure(runs: pd.DataFrame, n: int, q: int) -> Figure:
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.subplots()
    for colour, kind in (("C0", "independence"), ("C1", "anticonformity")):
        anti = kind == "anticonformity"
        grid = np.linspace(0.0, 0.5, 201)
        ax.plot(
            grid,
            [mean_field_m(p, q, anti) for p in grid],
            color=colour,
            label=f"{kind}: mean field (published)",
        )
        ax.plot(
            grid,
            [exact_abs_m(n, p, q, anti) for p in grid],
            color=colour,
            ls="--",
            lw=1,
            label=f"{kind}: exact stationary law, N = {n}",
        )
        g = runs[runs["kind"] == kind].groupby("p")["abs_m"]
        ax.errorbar(
            g.mean().index,
            g.mean(),
            yerr=2 * g.sem(),
            fmt="o",
            color=colour,
            capsize=3,
            label=f"{kind}: socialweb, N = {n} (± 2 SE)",
        )
        ax.axvline(critical_point(q, anti), color=colour, ls=":", lw=1)
    ax.set(
        xlabel="nonconformity p",
        ylabel="|m|, time average",
        title=f"q-voter model, q = {q}, complete graph (dotted: p_c)",
    )
    ax.legend(fontsize=8)
    return fig
