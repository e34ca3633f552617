"""The voter model with zealots (Mobilia 2003; Mobilia, Petersen & Redner 2007): committed
citizens of both sides keep the population from consensus, and the free voters' density of +1
settles into a Beta-like distribution around Z+/(Z+ + Z-)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from model.rng import replicate_seeds
from model.sim import SocialWebModel
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load, _se, series

BURN_IN = 300  # sweeps: relaxation time ≈ (N - 1)/(Z+ + Z-) ≈ 17 sweeps here, so 300 is ample


def free_density(model: SocialWebModel) -> float:
    """Share at +1 among the citizens who are not committed."""
    free = ~model.committed[: model.population.citizens]
    return float(np.mean(model.population.x[: model.population.citizens][free, 0] > 0))


def zealot_counts(n: int, share_plus: float, share_minus: float) -> tuple[int, int, int]:
    """(free voters, Z+, Z-) for N citizens, as ``model.dynamics.zealots.commit`` rounds them."""
    z_plus, z_minus = int(round(share_plus * n)), int(round(share_minus * n))
    return n - z_plus - z_minus, z_plus, z_minus


def stationary(free: int, z_plus: int, z_minus: int) -> stats.rv_discrete:
    """The exact stationary law of the number of free voters at +1: beta-binomial(free, Z+, Z-).

    Random-sequential updates on the complete graph of N = free + Z+ + Z- citizens: a free voter
    at -1 is picked with probability (free - n)/N and copies a +1 among the N - 1 others with
    probability (n + Z+)/(N - 1); the reverse move has (n/N)(free - n + Z-)/(N - 1). Detailed
    balance, P(n+1)/P(n) = (free - n)(n + Z+) / ((n + 1)(free - n - 1 + Z-)), is the
    beta-binomial's ratio; as N → ∞ the density n/free is Beta(Z+, Z-), Mobilia, Petersen &
    Redner's (2007) result for the mean-field voter model with zealots of both kinds.
    """
    return stats.betabinom(free, z_plus, z_minus)


def zealots_voter(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "zealots_voter", replicates)
    sc = exp.base
    z = sc.opinion.zealots
    free, z_plus, z_minus = zealot_counts(sc.population.citizens, z.share_plus, z.share_minus)
    seeds = replicate_seeds(exp.seed, exp.replicates)
    rho = series(sc, seeds, sc.steps, free_density, jobs=jobs)[:, BURN_IN:]
    law = stationary(free, z_plus, z_minus)
    mean, var = law.mean() / free, law.var() / free**2
    # per replicate: the time average of ρ and of (ρ - published mean)²; replicates are
    # independent, so their spread gives honest standard errors despite the autocorrelation
    means = rho.mean(axis=1)
    sq = ((rho - mean) ** 2).mean(axis=1)
    runs = pd.DataFrame({"replicate": np.arange(len(seeds)), "mean": means, "square": sq})
    result = CaseResult(
        key="zealots_voter",
        title="Voter model with zealots of both sides",
        model="`voter` rule (node update) with `opinion.zealots`, complete graph, no parties",
        parameters=f"N = {sc.population.citizens}: {free} free voters, Z+ = {z_plus} committed "
        f"at +1, Z- = {z_minus} at -1; {sc.steps} sweeps, the first {BURN_IN} dropped; "
        f"{exp.replicates} replicates",
        source="Mobilia (2003), PRL 91:028701; Mobilia, Petersen & Redner (2007), J. Stat. Mech. "
        "P08029 (stationary magnetisation distribution of the mean-field voter model with "
        "zealots)",
        runs=runs,
    )
    ever_consensus = bool(np.any((rho == 0.0).all(axis=1) | (rho == 1.0).all(axis=1)))
    result.checks = [
        Check(
            claim="mean density of +1 among free voters",
            published=f"Z+/(Z+ + Z-) = {mean:.4f}",
            measured=f"{means.mean():.4f} ± {_se(means):.4f}",
            tolerance=f"<= 3 SE = {3 * _se(means):.4f} (replicates independent)",
            passed=abs(means.mean() - mean) <= 3 * _se(means),
        ),
        Check(
            claim="variance of that density",
            published=f"beta-binomial: {var:.5f} (Beta(Z+, Z-) as N → ∞: "
            f"{z_plus * z_minus / ((z_plus + z_minus) ** 2 * (z_plus + z_minus + 1)):.5f})",
            measured=f"{sq.mean():.5f} ± {_se(sq):.5f}",
            tolerance=f"<= 3 SE = {3 * _se(sq):.5f}",
            passed=abs(sq.mean() - var) <= 3 * _se(sq),
        ),
        Check(
            claim="no consensus: every replicate keeps both opinions among free voters",
            published="zealots of both sides prevent consensus (Mobilia 2003)",
            measured="a replicate stuck at consensus"
            if ever_consensus
            else f"none of {len(seeds)} replicates stuck at 0 or 1",
            tolerance="exact",
            passed=not ever_consensus,
        ),
    ]
    result.figure = _figure(rho, law, free, z_plus, z_minus)
    return result


def _figure(rho: np.ndarray, law, free: int, z_plus: int, z_minus: int) -> Figure:
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.subplots()
    k = np.arange(free + 1)
    counts = np.bincount(np.rint(rho.ravel() * free).astype(int), minlength=free + 1)
    ax.bar(
        k / free,
        counts / counts.sum(),
        width=1 / free,
        color="C0",
        alpha=0.6,
        label="socialweb (all sweeps after burn-in)",
    )
    ax.plot(k / free, law.pmf(k), color="0.2", label=f"beta-binomial({free}, {z_plus}, {z_minus})")
    ax.axvline(z_plus / (z_plus + z_minus), color="C3", ls="--", label="Z+/(Z+ + Z-)")
    ax.set(
        xlabel="density of +1 among free voters",
        ylabel="probability",
        title=f"Voter model with {z_plus} zealots at +1 and {z_minus} at -1",
    )
    ax.set_xlim(0, 1)
    ax.legend(fontsize=8)
    return fig
