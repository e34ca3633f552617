"""``socialweb calibrate``: fit the model's parameters to data (docs/ODD.md §7.13).

Two kinds of calibration file, told apart by ``target``: ``vote_choice`` (below) and
``simulation`` (scenario parameters fitted to stated targets by ABC-SMC: model/abc_fit.py).

Target ``vote_choice`` (``experiments/calibration/anes96_vote.yaml``): the poll's vote choice
(docs/MODEL.md, step 6) fitted to survey respondents' expected votes. Each respondent is a
citizen as ``population.survey`` makes one (opinion from the self-placement, affinity from party
identification), the party lines are the training respondents' mean placements, and the choice
between two parties is the model's multinomial logit conditional on voting:

    P(red) = 1 / (1 + exp(-λ·(U_red - U_blue))),   U_k = -|x - p_k| + β·a_k,

which is a logit without intercept on f1 = |x - p_blue| - |x - p_red| and f2 = a_red - a_blue
with coefficients λ and λβ. It is fitted by maximum likelihood with statsmodels (``Logit``) on a
random training split; the posterior of (β, λ) is the large-sample normal approximation of the
likelihood around the estimate (flat priors; Bernstein–von Mises), drawn ``draws`` times and
written to ``posterior.parquet`` under the scenario keys ``election.affinity_weight`` and
``election.choice_scale``. The deterministic rule (``election.choice: argmax``) has one parameter,
β, fitted by the largest training accuracy on a grid.

The baseline is the field's standard: a logit with an intercept on the same inputs (the
respondent's self-placement and party identification), fitted by statsmodels on the same split.
Hold-out accuracy and log-loss of both, and their paired differences, come with percentile
bootstrap intervals over hold-out respondents (what the intervals cover: which respondents were
held out, not the survey's own sampling or the model's form).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.abc_fit import (
    SimCalibration,
    checked_number,
    is_simulation,
    load_simulation_calibration,
    open_calibration,
)
from model.abc_fit import finished as finished_any
from model.config.load import Checker, ConfigError, _fmt, read_yaml, resolve_path
from model.config.schema import SurveySpec
from model.config.survey import BUILT_IN, SurveyError, party_lines, table, to_axis
from model.config.yamlread import label_text

TOP_KEYS = (
    "name",
    "description",
    "target",
    "survey",
    "vote",
    "initial_affinity",
    "train_share",
    "seed",
    "draws",
)
TARGETS = ("vote_choice", "simulation")
BOOTSTRAP = 2000


@dataclass(frozen=True)
class Calibration:
    name: str
    description: str
    target: str
    survey: SurveySpec
    vote_column: str
    vote_parties: dict[str, str]  # vote label (as text) → party
    initial_affinity: float
    train_share: float
    seed: int
    draws: int
    digest: str  # of the file's content: --resume reuses only the same calibration


def _number(b: Checker, data: dict, key: str, default: float, lo: float, hi: float) -> float:
    return float(checked_number(b, data, key, key, default, lo, hi))


def load_calibration(path: str | Path) -> Calibration | SimCalibration:
    """Read and check a calibration file. Raises ConfigError, one line per problem.

    ``target: simulation`` files (scenario parameters fitted to stated targets by ABC-SMC) are
    read by :func:`model.abc_fit.load_simulation_calibration`."""
    path = Path(path)
    data = read_yaml(path, "calibration")
    if is_simulation(data):
        return load_simulation_calibration(path)
    b, name = open_calibration(path, data, TOP_KEYS)
    target = data.get("target", "vote_choice")
    if target not in TARGETS:
        b.fail("target", f"expected one of {', '.join(TARGETS)}, got {_fmt(target)}")
    survey = b.build(SurveySpec, data.get("survey"), "survey")
    if not survey.source:
        b.fail("survey.source", "expected anes96 or a CSV file of respondents")
    elif survey.source not in BUILT_IN:
        survey = dataclasses.replace(
            survey, source=str(resolve_path(survey.source, path.parent).resolve())
        )
    parties = list(survey.placements)
    if len(parties) != 2:
        b.fail("survey.placements", f"expected two parties (a two-party vote), got {parties}")
    vote = data.get("vote")
    column, labels = "", {}
    if not isinstance(vote, dict) or not isinstance(vote.get("column"), str):
        b.fail("vote", "expected {column: NAME, parties: {LABEL: PARTY, ...}}")
    else:
        column = vote["column"]
        raw = vote.get("parties")
        if not isinstance(raw, dict) or not raw:
            b.fail("vote.parties", "expected a party for each label of the vote column")
        else:
            for label, party in raw.items():
                text = label_text(label)
                if len(parties) == 2 and party not in parties:
                    b.fail(
                        f"vote.parties.{text}",
                        f"expected one of {', '.join(parties)}, got {_fmt(party)}",
                    )
                labels[text] = party
    if survey.party_id and not (survey.party_id_low in parties and survey.party_id_high in parties):
        b.fail(
            "survey.party_id_low", "expected party_id_low and party_id_high to be the two parties"
        )
    affinity = _number(b, data, "initial_affinity", 0.2, 0.0, 1.0)
    share = _number(b, data, "train_share", 0.7, 0.05, 0.95)
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        b.fail("seed", f"expected an integer >= 0, got {_fmt(seed)}")
        seed = 0
    draws = data.get("draws", 4000)
    if isinstance(draws, bool) or not isinstance(draws, int) or not 100 <= draws <= 1_000_000:
        b.fail("draws", f"expected an integer in [100, 1000000], got {_fmt(draws)}")
        draws = 4000
    if b.problems:
        raise ConfigError(b.problems)
    sha = hashlib.sha256(path.read_bytes())
    if survey.source not in BUILT_IN and Path(survey.source).is_file():
        sha.update(Path(survey.source).read_bytes())  # --resume: a changed survey refits
    digest = sha.hexdigest()[:16]
    return Calibration(
        name=str(name),
        description=str(data.get("description", "")),
        target=target,
        survey=survey,
        vote_column=column,
        vote_parties=labels,
        initial_affinity=affinity,
        train_share=share,
        seed=seed,
        draws=draws,
        digest=digest,
    )


# -- the data --------------------------------------------------------------------------------


def respondents(cal: Calibration) -> pd.DataFrame:
    """One row per respondent: opinion x, party-ID affinity to each party (a_<party>), the vote
    (y = 1 for the second party), the raw self-placement and party ID (the baseline's inputs).
    Raises SurveyError."""
    from model.config.survey import _column

    spec = cal.survey
    frame = table(spec.source)
    blue, red = list(spec.placements)
    opinion = _column(frame, spec, spec.opinion, "opinion", *spec.scale, prefix="survey")
    out = pd.DataFrame({"selfLR": opinion})
    out["x"] = to_axis(out["selfLR"].to_numpy(), spec.scale)
    if spec.party_id:
        low, high = spec.party_id_scale
        pid = _column(frame, spec, spec.party_id, "party_id", low, high, prefix="survey")
        out["pid"] = pid
        centre = (low + high) / 2
        strength = cal.initial_affinity * np.abs(pid - centre) / (centre - low)
        for party, side in ((spec.party_id_low, pid < centre), (spec.party_id_high, pid > centre)):
            out[f"a_{party}"] = np.where(side, strength, 0.0)
    else:
        out["pid"] = 0.0
        out[f"a_{blue}"] = out[f"a_{red}"] = 0.0
    if cal.vote_column not in frame.columns:
        raise SurveyError(spec.source, f"no column {cal.vote_column!r} (vote.column)")
    text = frame[cal.vote_column].map(label_text)
    unknown = ~text.isin(list(cal.vote_parties))
    if not unknown.any() and text.map(cal.vote_parties).nunique() < 2:
        raise SurveyError(
            spec.source,
            f"every respondent votes {text.map(cal.vote_parties).iloc[0]} (vote.column "
            f"{cal.vote_column!r}): a vote model needs both parties' voters",
        )
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise SurveyError(
            spec.source,
            f"respondent {row + 1}: vote {text.iloc[row]!r} is not in vote.parties "
            f"(expected one of {', '.join(repr(k) for k in cal.vote_parties)})",
        )
    out["y"] = (text.map(cal.vote_parties) == red).astype(float).to_numpy()
    return out


def split(n: int, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and hold-out rows: a random permutation from ``seed``, the first ⌊share·n⌋
    for training."""
    order = np.random.default_rng(seed).permutation(n)
    cut = int(math.floor(share * n))
    return np.sort(order[:cut]), np.sort(order[cut:])


def features(rows: pd.DataFrame, lines: dict[str, float], parties: list[str]) -> np.ndarray:
    """The model's two inputs: f1 = |x - p_blue| - |x - p_red|, f2 = a_red - a_blue."""
    blue, red = parties
    x = rows["x"].to_numpy()
    f1 = np.abs(x - lines[blue]) - np.abs(x - lines[red])
    f2 = rows[f"a_{red}"].to_numpy() - rows[f"a_{blue}"].to_numpy()
    return np.column_stack([f1, f2])


def _log_loss(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _interval(values: np.ndarray, rng: np.random.Generator) -> list[float]:
    """Percentile bootstrap 95 % interval of the mean over respondents."""
    n = values.shape[0]
    means = values[rng.integers(0, n, (BOOTSTRAP, n))].mean(axis=1)
    return [float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))]


def fit(cal: Calibration, progress=None) -> tuple[dict[str, Any], pd.DataFrame, dict]:
    """The fit: (calibration.json content, posterior draws, what the plot needs)."""
    import statsmodels.api as sm

    def step(k: int) -> None:
        if progress:
            progress(k, 5)

    data = respondents(cal)
    parties = list(cal.survey.placements)
    blue, red = parties
    train, test = split(len(data), cal.train_share, cal.seed)
    tr, te = data.iloc[train], data.iloc[test]
    # party lines as population.survey sets them (every respondent's placements; they hold no
    # vote, so no hold-out label reaches the fit), so the fitted β and λ apply to those lines
    lines = party_lines(cal.survey, prefix="survey")
    if len(set(y_all := data["y"].to_numpy()[train])) < 2:
        raise SurveyError(
            cal.survey.source, "the training split holds one party's voters only (train_share)"
        )
    del y_all
    step(1)
    f_tr, f_te = features(tr, lines, parties), features(te, lines, parties)
    y_tr, y_te = tr["y"].to_numpy(), te["y"].to_numpy()
    with warnings.catch_warnings():  # convergence is recorded in calibration.json instead
        warnings.simplefilter("ignore")
        model = sm.Logit(y_tr, f_tr).fit(disp=0)
    c, cov = np.asarray(model.params), np.asarray(model.cov_params())
    lam, beta = float(c[0]), float(c[1] / c[0])
    # delta method for β = c2/c1
    grad = np.array([-c[1] / c[0] ** 2, 1 / c[0]])
    beta_se = float(math.sqrt(grad @ cov @ grad))
    step(2)
    rng = np.random.default_rng(cal.seed)
    raw = rng.multivariate_normal(c, cov, size=cal.draws)
    # flat priors on the keys' ranges: λ in [0.01, 1000], β = c2/c1 in [0, 100]
    ok = (raw[:, 0] >= 0.01) & (raw[:, 0] <= 1000)
    ratio = np.divide(raw[:, 1], raw[:, 0], out=np.full(len(raw), -1.0), where=ok)
    kept = raw[ok & (ratio >= 0) & (ratio <= 100)]
    posterior = pd.DataFrame(
        {
            "election.affinity_weight": kept[:, 1] / kept[:, 0],
            "election.choice_scale": kept[:, 0],
        }
    )
    cautions = []
    if not (0 <= beta <= 100 and 0.01 <= lam <= 1000):
        cautions.append(
            f"the estimate (β = {beta:.3g}, λ = {lam:.3g}) lies outside the keys' ranges "
            "(β in [0, 100], λ in [0.01, 1000]): the model's choice rule does not fit these votes"
        )
    if len(kept) < 0.95 * cal.draws:
        cautions.append(
            f"{cal.draws - len(kept)} of {cal.draws} posterior draws fell outside the keys' "
            "ranges and were dropped: the posterior is truncated"
        )
    if len(kept) < 2:
        raise SurveyError(
            cal.survey.source,
            f"no usable posterior: {len(kept)} of {cal.draws} draws within the keys' ranges "
            f"(estimate β = {beta:.3g}, λ = {lam:.3g})",
        )
    # the argmax rule: β by the largest training accuracy (the middle of the best grid run)
    grid = np.round(np.arange(0.0, 100.0 + 1e-9, 0.01), 2)  # the key's whole range

    def accuracy_at(b: float, f: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(((f[:, 0] + b * f[:, 1]) > 0) == (y == 1)))

    acc = np.array([accuracy_at(b, f_tr, y_tr) for b in grid])
    best = np.flatnonzero(acc == acc.max())
    beta_argmax = float(grid[best[0]])  # the smallest β of the best accuracy (often a plateau)
    step(3)
    base_inputs = ["selfLR", "pid"] if cal.survey.party_id else ["selfLR"]
    x_tr = sm.add_constant(tr[base_inputs].to_numpy(), has_constant="add")
    x_te = sm.add_constant(te[base_inputs].to_numpy(), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        baseline = sm.Logit(y_tr, x_tr).fit(disp=0)
    p_model = np.asarray(model.predict(f_te))
    p_base = np.asarray(baseline.predict(x_te))
    step(4)
    hit_model = ((p_model > 0.5) == (y_te == 1)).astype(float)
    hit_base = ((p_base > 0.5) == (y_te == 1)).astype(float)
    hit_argmax = (((f_te[:, 0] + beta_argmax * f_te[:, 1]) > 0) == (y_te == 1)).astype(float)
    loss_model, loss_base = _log_loss(y_te, p_model), _log_loss(y_te, p_base)
    boot = np.random.default_rng(cal.seed + 1)

    def summary(values: np.ndarray) -> dict[str, Any]:
        return {"mean": float(values.mean()), "ci95": _interval(values, boot)}

    z = 1.959963984540054
    result = {
        "name": cal.name,
        "target": cal.target,
        "survey": cal.survey.source
        if cal.survey.source in BUILT_IN
        else Path(cal.survey.source).name,
        "respondents": len(data),
        "train": len(train),
        "holdout_n": len(test),
        "split_seed": cal.seed,
        "party_lines": lines,
        "initial_affinity": cal.initial_affinity,
        "parameters": {
            "election.affinity_weight": {
                "estimate": beta,
                "se": beta_se,
                "ci95_delta": [beta - z * beta_se, beta + z * beta_se],
                "ci95_posterior": [
                    float(posterior["election.affinity_weight"].quantile(0.025)),
                    float(posterior["election.affinity_weight"].quantile(0.975)),
                ],
            },
            "election.choice_scale": {
                "estimate": lam,
                "se": float(math.sqrt(cov[0, 0])),
                "ci95_delta": [lam - z * math.sqrt(cov[0, 0]), lam + z * math.sqrt(cov[0, 0])],
                "ci95_posterior": [
                    float(posterior["election.choice_scale"].quantile(0.025)),
                    float(posterior["election.choice_scale"].quantile(0.975)),
                ],
            },
        },
        "argmax": {
            "election.affinity_weight": beta_argmax,
            "best_range": [float(grid[best[0]]), float(grid[best[-1]])],
            "train_accuracy": float(acc.max()),
            "holdout_accuracy": summary(hit_argmax),
        },
        "holdout": {
            "model": {
                "accuracy": summary(hit_model),
                "log_loss": summary(loss_model),
                "converged": bool(model.mle_retvals["converged"]),
            },
            "baseline": {
                "inputs": ["const", *base_inputs],
                "converged": bool(baseline.mle_retvals["converged"]),
                "accuracy": summary(hit_base),
                "log_loss": summary(loss_base),
            },
            "model_minus_baseline": {
                "accuracy": summary(hit_model - hit_base),
                "log_loss": summary(loss_model - loss_base),
            },
            "intervals": "95 % percentile bootstrap over hold-out respondents "
            f"({BOOTSTRAP} resamples); they cover which respondents were held out, not the "
            "survey's sampling or the model's form",
        },
        "posterior": {
            "file": "posterior.parquet",
            "draws": len(posterior),
            "dropped_outside_ranges": int(cal.draws - len(posterior)),
            "method": "normal approximation of the likelihood at the maximum (statsmodels Logit "
            "covariance), β = c2/c1, λ = c1; flat priors on the keys' ranges (β in [0, 100], "
            "λ in [0.01, 1000]): draws outside them are dropped",
        },
        "simulations": 0,
        "cautions": cautions,
        "digest": cal.digest,
    }
    step(5)
    plot = {"p_model": p_model, "p_base": p_base, "y": y_te, "posterior": posterior}
    return result, posterior, plot


def figure(cal: Calibration, result: dict, plot: dict):
    """Posterior of (β, λ) and hold-out reliability of the model and the baseline."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    post = plot["posterior"]
    ax1.scatter(
        post["election.affinity_weight"],
        post["election.choice_scale"],
        s=3,
        alpha=0.25,
        color="0.3",
    )
    est = result["parameters"]
    ax1.plot(
        est["election.affinity_weight"]["estimate"],
        est["election.choice_scale"]["estimate"],
        "o",
        color="tab:orange",
        label="maximum likelihood",
    )
    ax1.set(
        xlabel="affinity weight β",
        ylabel="choice scale λ",
        title=f"Posterior draws ({len(post)}; normal approximation)",
    )
    ax1.legend(fontsize=8)
    bins = np.linspace(0, 1, 11)
    for key, label, colour in (
        ("p_model", "socialweb's vote model", "tab:purple"),
        ("p_base", "logit baseline (statsmodels)", "tab:green"),
    ):
        p = plot[key]
        which = np.clip(np.digitize(p, bins) - 1, 0, 9)
        xs, ys = [], []
        for k in range(10):
            mask = which == k
            if mask.sum() >= 5:
                xs.append(p[mask].mean())
                ys.append(plot["y"][mask].mean())
        ax2.plot(xs, ys, "o-", color=colour, label=label)
    ax2.plot([0, 1], [0, 1], color="0.7", ls="--", label="perfect calibration")
    red = list(cal.survey.placements)[1]
    ax2.set(
        xlabel=f"predicted P(vote {red})",
        ylabel=f"observed share voting {red}",
        title=f"Hold-out respondents (n = {result['holdout_n']}), by tenths of prediction",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax2.legend(fontsize=8, loc="upper left")
    return fig


def markdown(cal: Calibration, result: dict, command: str) -> str:
    h = result["holdout"]

    def cell(s: dict, pct: bool = True) -> str:
        f = (lambda v: f"{100 * v:.1f} %") if pct else (lambda v: f"{v:.3f}")
        return f"{f(s['mean'])} [{f(s['ci95'][0])}, {f(s['ci95'][1])}]"

    est = result["parameters"]
    beta, lam = est["election.affinity_weight"], est["election.choice_scale"]
    blue, red = list(cal.survey.placements)
    lines = [
        f"# Calibration: {cal.name}",
        "",
        f"`{command}`",
        "",
        f"{cal.description}".strip(),
        "",
        f"Respondents: {result['respondents']} ({result['survey']}); training {result['train']}, "
        f"hold-out {result['holdout_n']} (random split, seed {result['split_seed']}). Party lines "
        f"from the training respondents' placements: {blue} {result['party_lines'][blue]:+.3f}, "
        f"{red} {result['party_lines'][red]:+.3f}. Simulations run: 0 (the vote model is fitted "
        "to the respondents directly).",
        "",
        "## Fitted parameters (logit choice)",
        "",
        "| key | estimate | 95 % of the posterior draws | ± 1.96 SE (delta method) |",
        "|---|---:|---|---|",
        *(
            f"| `{key}` ({sym}) | {e['estimate']:.3f} | [{e['ci95_posterior'][0]:.3f}, "
            f"{e['ci95_posterior'][1]:.3f}] | "
            f"[{e['ci95_delta'][0]:.3f}, {e['ci95_delta'][1]:.3f}] |"
            for key, sym, e in (
                ("election.affinity_weight", "β", beta),
                ("election.choice_scale", "λ", lam),
            )
        ),
        "",
        *(line for c in result["cautions"] for line in (f"**Caution:** {c}.", "")),
        f"With `initial_affinity` {result['initial_affinity']:g} (β and the initial affinity enter "
        "as a product). The posterior is the likelihood's normal approximation in (λ, λβ) "
        "(statsmodels' covariance); β = λβ/λ is skewed, so the draws' own interval (what "
        "`compare --posterior` samples) is the one to read; the delta method's symmetric one is "
        f"shown beside it. {result['posterior']['draws']} posterior draws in "
        "`posterior.parquet`. The party lines are every respondent's mean placements, as "
        "`population.survey` sets them. β is fitted on the affinity the survey measured; in a "
        "run, affinity decays and moves with the campaign, so the fit describes the vote at the "
        "survey's moment, not the campaign's dynamics.",
        "",
        f"The deterministic rule (`election.choice: argmax`): β = "
        f"{result['argmax']['election.affinity_weight']:.2f}, the smallest value of the best "
        f"training accuracy ({100 * result['argmax']['train_accuracy']:.1f} %), which every β "
        f"from {result['argmax']['best_range'][0]:.2f} to {result['argmax']['best_range'][1]:.2f} "
        "reaches (grid of 0.01 over the key's range [0, 100]): accuracy alone pins β only from "
        f"below. Hold-out accuracy {cell(result['argmax']['holdout_accuracy'])}.",
        "",
        "## Hold-out performance",
        "",
        "| | accuracy | log-loss |",
        "|---|---|---|",
        "| socialweb's vote model (logit, 2 parameters, no intercept) | "
        f"{cell(h['model']['accuracy'])} | {cell(h['model']['log_loss'], False)} |",
        f"| logit baseline ({', '.join(h['baseline']['inputs'])}; statsmodels) | "
        f"{cell(h['baseline']['accuracy'])} | {cell(h['baseline']['log_loss'], False)} |",
        f"| model − baseline (paired) | {cell(h['model_minus_baseline']['accuracy'])} | "
        f"{cell(h['model_minus_baseline']['log_loss'], False)} |",
        "",
        f"Intervals: {h['intervals']}."
        + (
            ""
            if h["model"]["converged"] and h["baseline"]["converged"]
            else " **Warning:** a maximum-likelihood fit did not converge (see calibration.json)."
        ),
        "",
        "![calibration](calibration.png)",
        "",
    ]
    return "\n".join(lines)


def finished(out: Path, cal: Calibration) -> bool:
    """A finished calibration of the same file is in ``out`` (for --resume)."""
    return finished_any(out, cal)
