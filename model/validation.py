"""Validation: the engine, set to each textbook model, against the published results.

Each case loads its experiment file from ``experiments/validation/`` and runs it through the same
code path users have (``load_experiment`` → ``sweep`` / ``SocialWebModel``), then compares the
measured statistics with the published values. Every check states its tolerance and the basis of
that tolerance (standard errors over replicates, finite-N corrections). ``build`` writes
``docs/VALIDATION.md`` and its figures; the tests call the same case functions with fewer
replicates (``replicates=``), so what CI checks is what the page reports.

Scale note: the papers use opinions on [0, 1]; ours live on [-1, 1], so a confidence bound d on
[0, 1] is an openness of 2d here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.config.experiment import Experiment, load_experiment
from model.jit import twin
from model.metrics import MAJOR_CLUSTER
from model.rng import replicate_seeds
from model.sim import SocialWebModel
from model.sweeps import sweep

DEFAULT_DIR = Path("experiments/validation")


@dataclass
class Check:
    """One comparison of a measured statistic with a published value."""

    claim: str
    published: str
    measured: str
    tolerance: str
    passed: bool
    compared: bool = True  # False: reported only, the published value is not yet confirmed


@dataclass
class CaseResult:
    """A validation case: what was run, what was found, and a figure."""

    key: str
    title: str
    model: str
    parameters: str
    source: str
    checks: list[Check] = field(default_factory=list)
    figure: Figure | None = None
    runs: pd.DataFrame | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks if c.compared)


def _load(directory: Path, name: str, replicates: int | None) -> Experiment:
    exp = load_experiment(Path(directory) / f"{name}.yaml")
    if replicates is not None:
        exp = dataclasses.replace(exp, replicates=int(replicates))
    return exp


def _se(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else 0.0


# -- 1. Deffuant ----------------------------------------------------------------------------


BKR_DELTA = 5.0  # d = 0.1 on [0, 1]: Δ = 1/(2d) in Ben-Naim, Krapivsky & Redner's units


def _rate_step(p, window, dt):  # pragma: no cover - compiled by numba; its twin is tested
    """One Euler step of the compromise rate equation on a grid (see :func:`compromise_clusters`).

    Every ordered pair of grid points (i, j) closer than ``window`` points moves mass
    p_i·p_j·dt from i to their midpoint (split between the two nearest points when it falls
    between them); mass and mean are conserved exactly. Returns the largest change.
    """
    m = p.shape[0]
    flow = np.zeros(m)
    for i in range(m):
        if p[i] == 0.0:
            continue
        for j in range(max(0, i - window + 1), min(m, i + window)):
            if j == i or p[j] == 0.0:
                continue
            r = p[i] * p[j] * dt
            flow[i] -= r
            s = i + j
            if s % 2 == 0:
                flow[s // 2] += r
            else:
                flow[s // 2] += 0.5 * r
                flow[s // 2 + 1] += 0.5 * r
    largest = 0.0
    for i in range(m):
        p[i] += flow[i]
        if p[i] < 1e-300:
            p[i] = 0.0
        largest = max(largest, abs(flow[i]))
    return largest


@cache
def compromise_clusters(
    delta: float,
    *,
    points_per_unit: int = 100,
    dt: float = 0.5,
    tolerance: float = 1e-9,
    max_steps: int = 200_000,
    use_compiled: bool = True,
) -> np.ndarray:
    """Cluster masses of the N → ∞ compromise process, from Ben-Naim, Krapivsky & Redner's
    (2003) rate equation: ∂P(x)/∂t = ∫∫_{|x1−x2|<1} P(x1)P(x2)[δ(x − (x1+x2)/2) − δ(x − x1)],
    P uniform on [−Δ, Δ] at t = 0 (Deffuant with μ = 1/2 and d = 1/(2Δ) on [0, 1]).

    Integrated on a grid of ``points_per_unit`` points per unit of opinion (explicit Euler;
    stable since no point loses more than dt·(mass in its window) ≤ dt of itself per step),
    until no point changes by more than ``tolerance`` in a step (the last specks of mass below
    that drain for ever; they hold < 0.1 % and never change the major clusters). Returns the
    masses of the final clusters (runs of occupied points), left to right; they sum to 1.
    """
    points = int(round(2 * delta * points_per_unit)) + 1
    p = np.full(points, 1.0 / points)
    step = twin(_rate_step, use_compiled=use_compiled)
    for _ in range(max_steps):
        if step(p, points_per_unit, dt) <= tolerance:
            break
    occupied = p > 1e-9
    edges = np.flatnonzero(np.diff(np.r_[False, occupied, False].astype(np.int8)))
    masses = np.array([p[a:b].sum() for a, b in zip(edges[::2], edges[1::2], strict=True)])
    masses.setflags(write=False)  # cached: shared by every caller
    return masses


def deffuant_cluster_checks(runs: pd.DataFrame) -> list[Check]:
    """Major clusters against floor(1/(2d)) for d = 0.35, 0.2, 0.15."""
    checks = []
    for eps in (0.7, 0.4, 0.3):
        d = eps / 2
        expected = math.floor(1 / (2 * d))
        counts = runs.loc[np.isclose(runs["population.openness"], eps), "clusters"].to_numpy()
        share = float(np.mean(counts == expected))
        mode = int(pd.Series(counts).mode().iloc[0])
        checks.append(
            Check(
                claim=f"major clusters (>= 5 % of agents) at d = {d:g}",
                published=f"floor(1/(2d)) = {expected}",
                measured=f"mode {mode}; {share:.0%} of {counts.size} runs give {expected} "
                f"(mean {counts.mean():.2f} ± {_se(counts):.2f})",
                tolerance="mode equal, and >= 80 % of runs equal: finite N = 1000 lets a straggler "
                "group cross the 5 % line now and then",
                passed=mode == expected and share >= 0.8,
            )
        )
    small = runs.loc[np.isclose(runs["population.openness"], 0.2), "clusters"].to_numpy()
    if small.size:
        masses = compromise_clusters(BKR_DELTA)
        major = masses[masses >= MAJOR_CLUSTER]
        checks.append(
            Check(
                claim="major clusters at d = 0.1 (Δ = 1/(2d) = 5)",
                published=f"{major.size} clusters of >= 5 %, from Ben-Naim, Krapivsky & "
                "Redner's (2003) rate equation (N → ∞, symmetric start) integrated here: masses "
                + ", ".join(f"{m:.3f}" for m in major)
                + ". The paper's own bifurcation table could not be consulted offline",
                measured=f"mode {int(pd.Series(small).mode().iloc[0])}; mean {small.mean():.2f} "
                f"± {_se(small):.2f} over {small.size} runs",
                tolerance="not compared: in our runs the two outer clusters match the rate "
                "equation's, but finite populations break its symmetric "
                f"{100 * major[major.size // 2]:.0f} % central cluster, "
                "and the inner half of the opinions usually ends as two clusters, not three. "
                "Comparing needs the published finite-N count",
                passed=False,
                compared=False,
            )
        )
    return checks


def deffuant_mean_check(drift: np.ndarray, interactions: int) -> Check:
    """The symmetric pairwise update conserves the mean opinion to rounding error."""
    bound = 64 * np.finfo(float).eps * math.sqrt(max(interactions, 1))
    worst = float(np.max(np.abs(drift)))
    return Check(
        claim="mean opinion conserved by the pairwise update",
        published="exactly (x_i + x_j is unchanged by each encounter)",
        measured=f"largest absolute change of the mean {worst:.1e} over {drift.size} runs",
        tolerance=f"<= 64 ε·√(updates) = {bound:.1e} (rounding of ~{interactions:.0e} updates)",
        passed=worst <= bound,
    )


def deffuant_mean_drift(exp: Experiment, openness: float, runs: int) -> tuple[np.ndarray, int]:
    """|final mean - initial mean| of ``runs`` runs through the model API."""
    scenario = exp.scenario_at({"population.openness": openness})
    drift, updates = [], 0
    for seed in replicate_seeds(exp.seed, runs):
        model = SocialWebModel(scenario, seed=seed, agents="parties")
        start = model.population.x[:, 0].mean()
        model.run()
        drift.append(model.population.x[:, 0].mean() - start)
        updates = max(updates, model.step_count * model.population.citizens)
    return np.array(drift), updates


def deffuant_mu_checks(runs: pd.DataFrame) -> list[Check]:
    """μ changes the convergence time, not the cluster count (d = 0.2)."""
    by_mu = runs.groupby("opinion.rate")
    modes = {mu: int(g["clusters"].mode().iloc[0]) for mu, g in by_mu}
    times = {mu: (g["steps"].mean(), _se(g["steps"])) for mu, g in by_mu}
    mus = sorted(times)
    slower = all(
        times[a][0] - times[b][0] > 3 * math.hypot(times[a][1], times[b][1])
        for a, b in zip(mus, mus[1:], strict=False)
    )
    return [
        Check(
            claim="cluster count does not depend on μ (d = 0.2)",
            published="2 clusters for every μ (Deffuant et al. 2000)",
            measured=", ".join(f"μ {mu:g}: mode {m}" for mu, m in modes.items()),
            tolerance="modal count equal to floor(1/(2d)) = 2 at every μ",
            passed=all(m == 2 for m in modes.values()),
        ),
        Check(
            claim="smaller μ converges more slowly",
            published="convergence time falls as μ rises (Deffuant et al. 2000)",
            measured=", ".join(
                f"μ {mu:g}: {t:.0f} ± {se:.0f} sweeps" for mu, (t, se) in times.items()
            ),
            tolerance="each step in μ shortens the mean time by > 3 combined standard errors",
            passed=slower,
        ),
    ]


def deffuant(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "deffuant", replicates)
    runs = sweep(exp, jobs=jobs, progress=progress)
    mu_frame = sweep(_load(directory, "deffuant_mu", replicates), jobs=jobs)
    drift, updates = deffuant_mean_drift(exp, 0.4, min(exp.replicates, 10))
    result = CaseResult(
        key="deffuant",
        title="Deffuant et al. 2000: pairwise bounded confidence",
        model="`deffuant` rule, complete graph, no parties, no posting",
        parameters=f"N = {exp.base.population.citizens}, x ~ U[-1, 1], μ = 0.5 (and 0.1, 0.3 "
        f"at d = 0.2), d ∈ {{0.35, 0.2, 0.15, 0.1}} (openness 2d), run until no "
        f"opinion moves > 1e-6 in a sweep; {exp.replicates} replicates per point",
        source="Deffuant, Neau, Amblard & Weisbuch (2000), Adv. Complex Syst. 3:87; Ben-Naim, "
        "Krapivsky & Redner (2003), Physica D 183:190",
        runs=runs,
    )
    result.checks = (
        deffuant_cluster_checks(runs)
        + deffuant_mu_checks(mu_frame)
        + [deffuant_mean_check(drift, updates)]
    )
    result.figure = _deffuant_figure(runs)
    return result


def _deffuant_figure(runs: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    d_line = np.linspace(0.08, 0.5, 400)
    ax.step(
        d_line,
        np.floor(1 / (2 * d_line)),
        where="post",
        color="0.5",
        label="floor(1/(2d)) (Deffuant et al. 2000)",
    )
    g = runs.assign(d=runs["population.openness"] / 2).groupby("d")["clusters"]
    ax.errorbar(
        g.mean().index,
        g.mean(),
        yerr=2 * g.sem().fillna(0),
        fmt="o",
        color="C0",
        capsize=3,
        label="socialweb (mean ± 2 SE)",
    )
    if np.isclose(g.mean().index, 1 / (2 * BKR_DELTA)).any():
        theory = np.count_nonzero(compromise_clusters(BKR_DELTA) >= MAJOR_CLUSTER)
        ax.plot(
            [1 / (2 * BKR_DELTA)],
            [theory],
            "x",
            color="C3",
            ms=9,
            label="rate equation, N → ∞ (Ben-Naim et al. 2003)",
        )
    ax.set(
        xlabel="confidence bound d (on [0, 1])",
        ylabel="major clusters (>= 5 %)",
        title="Deffuant model, N = 1000, complete mixing",
    )
    ax.legend()
    return fig


# -- 2. Hegselmann-Krause ---------------------------------------------------------------------
HK_LOWER_BOUND = 0.191  # Wedin (2021): consensus proven for L = 1/ε <= 5.23 as N → ∞


def hk_threshold(p_consensus: pd.Series) -> float:
    """ε (on [0, 1]) where P(consensus) first crosses ½, by linear interpolation."""
    eps = p_consensus.index.to_numpy() / 2
    p = p_consensus.to_numpy()
    above = np.flatnonzero(p >= 0.5)
    if above.size == 0:
        return float("nan")
    k = above[0]
    if k == 0:
        return float(eps[0])
    return float(eps[k - 1] + (0.5 - p[k - 1]) * (eps[k] - eps[k - 1]) / (p[k] - p[k - 1]))


def hk_checks(runs: pd.DataFrame) -> list[Check]:
    runs = runs.assign(consensus=runs["largest_cluster"] >= 1.0)
    by_eps = runs.groupby("population.openness")
    p = by_eps["consensus"].mean()
    n = by_eps.size()
    at_25 = runs[np.isclose(runs["population.openness"], 0.5)]
    below = runs[np.isclose(runs["population.openness"], 0.38)]
    mode_below = int(below["clusters"].mode().iloc[0])
    eps_c = hk_threshold(p)
    return [
        Check(
            claim="consensus at ε = 0.25",
            published="consensus in every run (Hegselmann & Krause 2002; Lorenz 2006)",
            measured=f"{int(at_25['consensus'].sum())} of {len(at_25)} runs",
            tolerance="every run (all citizens in one cluster)",
            passed=bool(at_25["consensus"].all()),
        ),
        Check(
            claim="just below the threshold (ε = 0.19): two major clusters",
            published="two clusters (polarisation) below ε_c",
            measured=f"mode {mode_below}; mean {below['clusters'].mean():.2f} "
            f"± {_se(below['clusters']):.2f} over {len(below)} runs",
            tolerance="modal number of major clusters (>= 5 %) equal to 2",
            passed=mode_below == 2,
        ),
        Check(
            claim="consensus threshold ε_c (P(consensus) = ½) at N = 1000",
            published="≈ 0.2 (Fortunato 2005); consensus proven above 0.191 as N → ∞ "
            "(Wedin 2021); shifted and widened at finite N (Lorenz 2006)",
            measured=f"ε_c ≈ {eps_c:.3f} (P = "
            + ", ".join(f"{e / 2:.2f}: {v:.2f}" for e, v in p.items())
            + f"; "
            f"{int(n.min())} runs per ε)",
            tolerance=f"{HK_LOWER_BOUND} <= ε_c < 0.25: above the proven large-N bound and "
            "below the ε where every run reaches consensus; the grid step is 0.01",
            passed=bool(HK_LOWER_BOUND <= eps_c < 0.25),
        ),
    ]


def hegselmann_krause(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "hegselmann_krause", replicates)
    runs = sweep(exp, jobs=jobs, progress=progress)
    result = CaseResult(
        key="hegselmann_krause",
        title="Hegselmann & Krause 2002: synchronous bounded confidence",
        model="`hegselmann_krause` rule, complete graph (O(N log N) sorted-window update), no "
        "parties, no posting",
        parameters=f"N = {exp.base.population.citizens}, x ~ U[-1, 1], ε ∈ [0.15, 0.25] "
        f"(openness 2ε), run until no opinion moves; {exp.replicates} replicates per ε",
        source="Hegselmann & Krause (2002), JASSS 5(3):2; Fortunato (2005), IJMPC 16:259; "
        "Lorenz (2006), JASSS 9(1):8; Wedin (2021), arXiv:2107.12906",
        runs=runs,
    )
    result.checks = hk_checks(runs)
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    consensus = runs.assign(c=runs["largest_cluster"] >= 1.0).groupby("population.openness")["c"]
    p, size = consensus.mean(), consensus.size()
    se = np.sqrt(p * (1 - p) / size)
    ax.errorbar(p.index / 2, p, yerr=2 * se, fmt="o-", capsize=3, label="socialweb (± 2 SE)")
    ax.axvline(0.2, color="0.5", ls="--", label="ε_c ≈ 0.2 (Fortunato 2005)")
    ax.axvspan(0.0, HK_LOWER_BOUND, color="0.9", label="below the large-N consensus bound")
    ax.set(
        xlabel="confidence bound ε (on [0, 1])",
        ylabel="P(consensus)",
        xlim=(0.14, 0.26),
        title=f"Hegselmann–Krause, N = {exp.base.population.citizens}, complete graph",
    )
    ax.legend(fontsize=8)
    result.figure = fig
    return result


# -- 3. Voter -------------------------------------------------------------------------------
def voter_exact_time(n: int, rho0: float) -> float:
    """Exact mean consensus time (sweeps) of the random-sequential voter model on K_n.

    The number of +1 citizens is a birth-death chain: per update it goes up with probability
    (n-k)/n · k/(n-1) and down with the same probability. Solve for the expected number of
    updates to absorption from k0 = round(ρ0 n) and divide by n. This is the finite-N value of
    the same model whose N → ∞ limit is the published formula.
    """
    k = np.arange(1, n)
    p = (n - k) / n * k / (n - 1)  # up = down
    # E_k = 1 + p E_{k+1} + p E_{k-1} + (1 - 2p) E_k, E_0 = E_n = 0
    size = n - 1
    a = np.zeros((size, size))
    idx = np.arange(size)
    a[idx, idx] = 2 * p
    a[idx[1:], idx[:-1]] = -p[1:]
    a[idx[:-1], idx[1:]] = -p[:-1]
    e = np.linalg.solve(a, np.ones(size))
    k0 = int(round(rho0 * n))
    return float(e[k0 - 1] / n)


def voter_formula_time(n: int, rho0: float) -> float:
    """Published mean-field consensus time in sweeps: -N[ρ ln ρ + (1 - ρ) ln(1 - ρ)]."""
    return -n * (rho0 * math.log(rho0) + (1 - rho0) * math.log(1 - rho0))


def voter_checks(runs: pd.DataFrame, n: int) -> list[Check]:
    checks = []
    for rho0, g in runs.groupby("population.positive_share"):
        up = (g["mean_opinion"] > 0).to_numpy(dtype=float)
        se = math.sqrt(rho0 * (1 - rho0) / up.size)
        checks.append(
            Check(
                claim=f"P(consensus on +1) at ρ0 = {rho0:g}",
                published=f"ρ0 = {rho0:g}",
                measured=f"{up.mean():.3f} ({up.size} runs)",
                tolerance=f"difference <= 3 binomial SE = {3 * se:.3f}",
                passed=abs(up.mean() - rho0) <= 3 * se,
            )
        )
    for rho0, g in runs.groupby("population.positive_share"):
        t = g["steps"].to_numpy(dtype=float)
        formula, exact = voter_formula_time(n, rho0), voter_exact_time(n, rho0)
        # the initial density is drawn (binomial), so the start k0 varies: the SE covers it
        tol = 3 * _se(t) + abs(exact - formula)
        checks.append(
            Check(
                claim=f"mean consensus time at ρ0 = {rho0:g}, N = {n}",
                published=f"{formula:.1f} sweeps (N→∞ formula); exact for N = {n}: {exact:.1f}",
                measured=f"{t.mean():.1f} ± {_se(t):.1f} sweeps",
                tolerance=f"difference to the formula <= 3 SE + (exact(N) - formula gap) "
                f"= {tol:.1f}",
                passed=abs(t.mean() - formula) <= tol,
            )
        )
    return checks


def voter(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "voter", replicates)
    runs = sweep(exp, jobs=jobs, progress=progress)
    n = exp.base.population.citizens
    result = CaseResult(
        key="voter",
        title="Voter model on the complete graph",
        model="`voter` rule, complete graph, binary initial opinions, stop at consensus",
        parameters=f"N = {n}, ρ0 ∈ {{0.2, 0.5, 0.8}}, {exp.replicates} replicates per ρ0; one "
        "step = one sweep of N updates",
        source="Clifford & Sudbury (1973); Holley & Liggett (1975); mean-field results as in "
        "Castellano, Fortunato & Loreto (2009), Rev. Mod. Phys. 81:591",
        runs=runs,
    )
    result.checks = voter_checks(runs, n)
    result.figure = _voter_figure(runs, n)
    return result


VOTER_UPDATES = {
    # update: (what it conserves, the weight of citizen i in it)
    "node": ("degree-weighted magnetisation Σ_+ k_i / Σ k_i", lambda k: k),
    "link": ("magnetisation n_+ / N", lambda k: np.ones_like(k)),
    "invasion": ("inverse-degree-weighted magnetisation Σ_+ 1/k_i / Σ 1/k_i", lambda k: 1.0 / k),
}
VOTER_PLUS = 30  # the least-connected half starts at +1, everyone else at -1: the three
# conserved quantities then sit far apart and far from 0 and 1


def voter_variants(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    """Node update, link update and invasion on one heterogeneous network, all started with the
    least-connected half at +1: each ends on +1 with the probability of the quantity it
    conserves."""
    from model.runner import override

    exp = _load(directory, "voter_variants", replicates)
    base = exp.scenario_at({})
    degree = SocialWebModel(base, seed=exp.seed, agents="parties").citizen_graph.degree
    k = degree.astype(float)
    x0 = -np.ones(k.size)
    x0[np.argsort(degree, kind="stable")[:VOTER_PLUS]] = 1.0
    plus = x0 > 0
    rows = []
    seeds = replicate_seeds(exp.seed, exp.replicates)
    done, total = 0, len(seeds) * len(VOTER_UPDATES)
    for update in VOTER_UPDATES:
        scenario = override(base, **{"opinion.voter_update": update})
        for seed in seeds:
            model = SocialWebModel(scenario, seed=seed, agents="parties", opinions=x0)
            model.run()
            rows.append(
                {
                    "update": update,
                    "seed": seed,
                    "plus": bool(model.population.x[0, 0] > 0),
                    "consensus": bool(model.converged),
                    "steps": model.step_count,
                }
            )
            done += 1
            if progress:
                progress(done, total)
    runs = pd.DataFrame(rows)
    predicted = {u: float(w(k)[plus].sum() / w(k).sum()) for u, (_, w) in VOTER_UPDATES.items()}
    result = CaseResult(
        key="voter_variants",
        title="Voter variants on a heterogeneous network: node, link, invasion",
        model="`voter` rule with `voter_update` node / link / invasion, Barabási–Albert edge "
        "list (experiments/validation/voter_network.csv), stop at consensus",
        parameters=f"N = {k.size}, degrees {int(k.min())}–{int(k.max())}; the {VOTER_PLUS} "
        f"least-connected citizens start at +1, the rest at -1; {exp.replicates} runs per "
        "update, each until consensus",
        source="Sood, Antal & Redner (2008), Voter models on heterogeneous networks, PRE "
        "77:041121; Suchecki, Eguíluz & San Miguel (2005), PRE 72:036132",
        runs=runs,
    )
    result.checks.append(
        Check(
            claim="every run ends in consensus",
            published="consensus (finite connected network)",
            measured=f"{int(runs['consensus'].sum())} of {len(runs)} runs",
            tolerance="all",
            passed=bool(runs["consensus"].all()),
        )
    )
    for update, (conserved, _) in VOTER_UPDATES.items():
        p = predicted[update]
        up = runs.loc[runs["update"] == update, "plus"].to_numpy(dtype=float)
        se = math.sqrt(p * (1 - p) / up.size)
        others = ", ".join(f"{u} {predicted[u]:.3f}" for u in VOTER_UPDATES if u != update)
        result.checks.append(
            Check(
                claim=f"{update} update: P(consensus on +1) = the {conserved}",
                published=f"{p:.3f} (the other updates' values: {others})",
                measured=f"{up.mean():.3f} ({up.size} runs)",
                tolerance=f"difference <= 3 binomial SE = {3 * se:.3f}",
                passed=abs(up.mean() - p) <= 3 * se,
            )
        )
    return result


def _voter_figure(runs: pd.DataFrame, n: int) -> Figure:
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    g = runs.assign(up=runs["mean_opinion"] > 0).groupby("population.positive_share")
    p = g["up"].mean()
    se = np.sqrt(p.index * (1 - p.index) / g.size())
    ax1.plot([0, 1], [0, 1], color="0.5", label="published: ρ0")
    ax1.errorbar(p.index, p, yerr=2 * se, fmt="o", capsize=3, label="socialweb (± 2 SE)")
    ax1.set(xlabel="initial density ρ0", ylabel="P(consensus on +1)", title="Exit probability")
    ax1.legend()
    rho = np.linspace(0.05, 0.95, 50)
    ax2.plot(rho, [voter_formula_time(n, r) for r in rho], color="0.5", label="published formula")
    t = g["steps"]
    ax2.errorbar(
        t.mean().index, t.mean(), yerr=2 * t.sem(), fmt="o", capsize=3, label="socialweb (± 2 SE)"
    )
    ax2.set(
        xlabel="initial density ρ0", ylabel="sweeps to consensus", title=f"Consensus time, N = {n}"
    )
    ax2.legend()
    return fig


# -- 4. DeGroot -----------------------------------------------------------------------------
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


def friedkin_johnsen(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "friedkin_johnsen", replicates)
    scenario = exp.scenario_at({})
    lam = scenario.opinion.susceptibility
    rows = []
    for seed in replicate_seeds(exp.seed, exp.replicates):
        model = SocialWebModel(scenario, seed=seed, agents="parties")
        x0 = model.population.x[:, 0].copy()
        w = influence_matrix(model)
        predicted = np.linalg.solve(np.eye(x0.size) - lam * w, (1 - lam) * x0)
        model.run()
        x = model.population.x[:, 0]
        rows.append(
            {
                "seed": seed,
                "gap": float(np.abs(x - predicted).max()),
                "spread": float(np.ptp(x)),
                "predicted_spread": float(np.ptp(predicted)),
                "degroot_gap": float(np.abs(x - stationary_distribution(model) @ x0).max()),
                "steps": model.step_count,
            }
        )
    runs = pd.DataFrame(rows)
    result = CaseResult(
        key="friedkin_johnsen",
        title="Friedkin & Johnsen 1999: anchored averaging",
        model="`friedkin_johnsen` rule, susceptibility λ = "
        f"{lam:g}, on DeGroot's weighted edge list (experiments/validation/degroot_network.csv), "
        "self_weight 1",
        parameters=f"N = {scenario.population.citizens}, x ~ U[-1, 1], run until no opinion "
        f"moves > 1e-13; {exp.replicates} initial conditions",
        source="Friedkin & Johnsen (1999), Social influence networks and opinion change, "
        "Advances in Group Processes 16:1",
        runs=runs,
    )
    result.checks = [
        Check(
            claim="opinions settle at x* = (I − ΛW)⁻¹ (I − Λ) x(0)",
            published="x* (closed form)",
            measured=f"largest gap to x* over {len(runs)} runs: {runs['gap'].max():.1e}",
            tolerance="<= 1e-9 (numpy.linalg.solve; convergence tolerance 1e-13 a step)",
            passed=bool(runs["gap"].max() <= 1e-9),
        ),
        Check(
            claim="with λ < 1 disagreement persists (no consensus)",
            published="persistent disagreement",
            measured=f"smallest final spread {runs['spread'].min():.2f}; smallest distance "
            f"from DeGroot's consensus {runs['degroot_gap'].min():.2f}",
            tolerance="spread >= 0.1 and the final opinions >= 0.1 from DeGroot's consensus "
            "(an anchor that followed the current opinion would reach it)",
            passed=bool(runs["spread"].min() >= 0.1 and runs["degroot_gap"].min() >= 0.1),
        ),
    ]
    return result


# -- 5. Granovetter -------------------------------------------------------------------------
def granovetter(
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CaseResult:
    exp = _load(directory, "granovetter", None)
    runs = sweep(exp, jobs=1, progress=progress)
    key = "mobilization.thresholds_path"
    rioters = {
        Path(p).name: round(100 * e) for p, e in zip(runs[key], runs["engaged"], strict=True)
    }
    full = rioters.get("granovetter_uniform.txt")
    one = rioters.get("granovetter_one_changed.txt")
    result = CaseResult(
        key="granovetter",
        title="Granovetter 1978: the threshold riot",
        model="engagement contagion (`mobilization`), complete graph, disengagement 0",
        parameters="N = 100, thresholds k/99 for citizen k (0, 1, ..., 99 others), then the "
        "threshold 1 changed to 2",
        source="Granovetter (1978), Threshold models of collective behavior, AJS 83:1420",
        runs=runs,
    )
    result.checks = [
        Check(
            claim="thresholds 0, 1, ..., 99: everyone riots",
            published="100 rioters",
            measured=f"{full} rioters",
            tolerance="exact (deterministic cascade)",
            passed=full == 100,
        ),
        Check(
            claim="threshold 1 changed to 2: the riot stops",
            published="1 rioter",
            measured=f"{one} rioter(s)",
            tolerance="exact (deterministic cascade)",
            passed=one == 1,
        ),
    ]
    return result


CASES: dict[str, Callable[..., CaseResult]] = {
    "deffuant": deffuant,
    "hegselmann_krause": hegselmann_krause,
    "voter": voter,
    "voter_variants": voter_variants,
    "degroot": degroot,
    "friedkin_johnsen": friedkin_johnsen,
    "granovetter": granovetter,
}


def markdown(results: list[CaseResult], command: str) -> str:
    """docs/VALIDATION.md from the case results."""
    total = sum(c.compared for r in results for c in r.checks)
    passed = sum(c.passed for r in results for c in r.checks if c.compared)
    lines = [
        "# Validation against the opinion-dynamics literature",
        "",
        f"Generated by `{command}` — do not edit by hand. {passed} of {total} checks pass.",
        "",
        "Each case runs the product's own engine through the same experiment files and API users "
        "have (`experiments/validation/*.yaml`, `model.sweeps`, `model.SocialWebModel`), set to a "
        "textbook model with parties off and trust 1, and compares it with the published value. "
        "The papers use opinions on [0, 1]; ours live on [-1, 1], so a confidence bound d on "
        "[0, 1] is an openness of 2d here. Tolerances state their basis next to them; none was "
        "widened to make a case pass. The tests in `tests/validation/` run the same case "
        "functions with fewer replicates. A check marked *not compared* is reported but not "
        "judged, because its published value could not yet be confirmed from the source.",
        "",
        "| case | checks | result |",
        "|---|---|---|",
    ]
    for r in results:
        ok = sum(c.passed for c in r.checks if c.compared)
        n = sum(c.compared for c in r.checks)
        lines.append(f"| [{r.title}](#{r.key}) | {ok}/{n} | {'pass' if r.passed else '**FAIL**'} |")
    for r in results:
        lines += [
            "",
            f'<a id="{r.key}"></a>',
            f"## {r.title}",
            "",
            f"- **Model:** {r.model}",
            f"- **Parameters:** {r.parameters}",
            f"- **Source:** {r.source}",
            "",
            "| claim | published | measured | tolerance (basis) | result |",
            "|---|---|---|---|---|",
        ]
        for c in r.checks:
            verdict = "not compared" if not c.compared else "pass" if c.passed else "**FAIL**"
            lines.append(
                f"| {c.claim} | {c.published} | {c.measured} | {c.tolerance} | {verdict} |"
            )
        if r.figure is not None:
            lines += ["", f"![{r.title}](validation/{r.key}.png)"]
    return "\n".join(lines) + "\n"


def build(
    out_dir: Path = Path("docs"),
    directory: Path = DEFAULT_DIR,
    *,
    replicates: int | None = None,
    jobs: int = 1,
    cases: list[str] | None = None,
    command: str = "socialweb validation",
    progress: Callable[[str], None] | None = None,
) -> tuple[Path, list[CaseResult]]:
    """Run the cases and write ``VALIDATION.md`` and ``validation/<case>.png`` under out_dir."""
    results = []
    for name in cases or list(CASES):
        if progress:
            progress(name)
        results.append(CASES[name](directory, replicates=replicates, jobs=jobs))
    figures = Path(out_dir) / "validation"
    figures.mkdir(parents=True, exist_ok=True)
    for r in results:
        if r.figure is not None:
            r.figure.savefig(figures / f"{r.key}.png", dpi=110)
    page = Path(out_dir) / "VALIDATION.md"
    page.write_text(markdown(results, command), encoding="utf-8")
    return page, results
