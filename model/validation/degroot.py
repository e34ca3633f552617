"""DeGroot 1974: weighted averaging reaches the consensus weighted by W's stationary
distribution."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.rng import replicate_seeds
from model.sim import SocialWebModel
from model.validation.common import DEFAULT_DIR, CaseResult, Check, _load


def influence_matrix(model: SocialWebModel) -> np.ndarray:
    """The model's row-normalised influence matrix W (edge weights, self_weight on the
    diagonal), dense."""
    g = model.graph
    n = model.population.n
    w = np.zeros((n, n))
    weights = g.weights if g.weights is not None else np.ones(g.indices.size)
    w[g.rows, g.indices] = weights
    w[np.arange(n), np.arange(n)] += model.config.opinion.self_weight
    return w / w.sum(axis=1, keepdims=True)


def stationary_distribution(model: SocialWebModel) -> np.ndarray:
    """Left eigenvector (eigenvalue 1) of the model's influence matrix W, summing to 1."""
    values, vectors = np.linalg.eig(influence_matrix(model).T)
    v = np.real(vectors[:, np.argmin(np.abs(values - 1))])
    return v / v.sum()


def degroot(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "degroot", replicates)
    scenario = exp.scenario_at({})
    rows = []
    for seed in replicate_seeds(exp.seed, exp.replicates):
        model = SocialWebModel(scenario, seed=seed, agents="parties")
        x0 = model.population.x[:, 0].copy()
        pi = stationary_distribution(model)
        model.run()
        x = model.population.x[:, 0]
        rows.append(
            {
                "seed": seed,
                "predicted": float(pi @ x0),
                "final_mean": float(x.mean()),
                "spread": float(np.ptp(x)),
                "initial_mean": float(x0.mean()),
                "steps": model.step_count,
            }
        )
    runs = pd.DataFrame(rows)
    err = np.abs(runs["final_mean"] - runs["predicted"]).max()
    result = CaseResult(
        key="degroot",
        title="DeGroot 1974: weighted averaging",
        model="`degroot` rule on a weighted edge list (experiments/validation/"
        "degroot_network.csv), self_weight 1",
        parameters=f"N = {scenario.population.citizens}, x ~ U[-1, 1], run until no opinion "
        f"moves > 1e-13; {exp.replicates} initial conditions",
        source="DeGroot (1974), Reaching a consensus, JASA 69:118",
        runs=runs,
    )
    result.checks = [
        Check(
            claim="opinions reach one consensus",
            published="consensus (W strongly connected and aperiodic)",
            measured=f"largest final spread {runs['spread'].max():.1e}",
            tolerance="spread <= 1e-9 (the run stops at steps moving < 1e-13)",
            passed=bool(runs["spread"].max() <= 1e-9),
        ),
        Check(
            claim="consensus value = Σ π_i x_i(0), π the left eigenvector of W",
            published="π·x(0)",
            measured=f"largest gap consensus to π·x(0): {err:.1e} over {len(runs)} runs "
            f"(the plain initial mean misses it by up to "
            f"{np.abs(runs['initial_mean'] - runs['predicted']).max():.2f})",
            tolerance="<= 1e-9 (eigenvector from numpy.linalg.eig; convergence tolerance)",
            passed=bool(err <= 1e-9),
        ),
    ]
    fig = Figure(figsize=(4.5, 4), layout="constrained")
    ax = fig.subplots()
    ax.plot(runs["predicted"], runs["final_mean"], "o", label="socialweb")
    ax.plot(
        runs["initial_mean"],
        runs["final_mean"],
        "x",
        color="0.6",
        label="plain initial mean (not the answer)",
    )
    lim = [runs[["predicted", "initial_mean"]].min().min(), runs["predicted"].max()]
    ax.plot(lim, lim, color="0.5", lw=1)
    ax.set(xlabel="π·x(0) (published)", ylabel="consensus reached", title="DeGroot consensus")
    ax.legend(fontsize=8)
    result.figure = fig
    return result
