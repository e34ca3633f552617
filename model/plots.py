"""Figures from tidy tables: one function per picture, each returning a matplotlib Figure.

Party colours: a party named after a colour (``blue``, ``red``…) is drawn in that colour;
others take the tab10 cycle. Uses the Agg backend via ``matplotlib.figure.Figure`` directly, so
importing this module changes no global plotting state.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.comparison import CONFIDENCE, Comparison
from model.network.csr import Graph
from model.population import SOURCE_NAMES
from model.runner import RunResult

SOURCE_HATCH = {"institution": "", "staff": "//", "champion": ".."}


def party_colours(parties: list[str]) -> dict[str, str]:
    cycle = [c for c in mcolors.TABLEAU_COLORS.values()]
    out, free = {}, iter(cycle)
    for p in parties:
        out[p] = p if p in mcolors.CSS4_COLORS or p in mcolors.BASE_COLORS else next(free)
    return out


def _series(ts: pd.DataFrame, metric: str, party: str = "", source: str = "") -> pd.Series:
    sel = ts[(ts.metric == metric) & (ts.party == party) & (ts.source_type == source)]
    return sel.set_index("step")["value"]


def _voice(ts: pd.DataFrame, party: str) -> pd.Series:
    sel = ts[(ts.metric == "share_of_voice") & (ts.party == party)]
    return sel.groupby("step")["value"].sum()


def run_overview(result: RunResult) -> Figure:
    """Vote intention, share of voice, opinions and mobilisation over one run."""
    ts = result.timeseries
    parties = result.summary["parties"]
    colours = party_colours(parties)
    fig = Figure(figsize=(11, 7.5), layout="constrained")
    axes = fig.subplots(2, 2)
    ax = axes[0, 0]
    for p in parties:
        ax.plot(_series(ts, "vote_share", p), color=colours[p], label=p)
    ax.plot(_series(ts, "turnout"), color="0.4", ls="--", label="turnout")
    ax.set(title="Vote intention (share of electorate)", xlabel="step (day)", ylim=(0, 1))
    ax.legend(loc="upper left", fontsize=8)

    ax = axes[0, 1]
    steps = _series(ts, "share_of_voice", "", "citizen").index
    bottom = np.zeros(len(steps))
    for p in parties:
        for source in SOURCE_NAMES[1:]:
            y = _series(ts, "share_of_voice", p, source).reindex(steps).to_numpy()
            if np.nanmax(y, initial=0) <= 0:
                continue
            ax.fill_between(
                steps,
                bottom,
                bottom + y,
                color=colours[p],
                alpha=0.75,
                hatch=SOURCE_HATCH[source],
                edgecolor="white",
                lw=0,
                label=f"{p} {source}",
            )
            bottom = bottom + y
    ax.fill_between(
        steps,
        bottom,
        bottom + _series(ts, "share_of_voice", "", "citizen").to_numpy(),
        color="0.85",
        label="citizens' own posts",
    )
    ax.set(title="Share of voice (posts read)", xlabel="step (day)", ylim=(0, 1))
    ax.legend(loc="lower left", fontsize=7, ncol=2)

    ax = axes[1, 0]
    mean, sd = _series(ts, "mean_opinion"), _series(ts, "opinion_sd")
    ax.plot(mean, color="k", label="mean opinion")
    ax.fill_between(mean.index, mean - sd, mean + sd, color="0.7", alpha=0.5, label="± 1 sd")
    for p in parties:
        ax.plot(_series(ts, "party_line", p), color=colours[p], ls=":", label=f"{p} line")
    ax.set(title="Opinion (first issue)", xlabel="step (day)", ylim=(-1, 1))
    ax.legend(loc="lower left", fontsize=8)

    ax = axes[1, 1]
    ax.plot(_series(ts, "engaged"), color="0.3", label="engaged citizens (share)")
    ax.set(
        title="Mobilisation and champions", xlabel="step (day)", ylabel="share engaged", ylim=(0, 1)
    )
    twin = ax.twinx()
    for p in parties:
        champs = _series(ts, "active_champions", p)
        if champs.max() > 0:
            twin.plot(champs, color=colours[p], label=f"{p} champions")
    twin.set_ylabel("active champions")
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left", fontsize=8)
    fig.suptitle(
        f"{result.scenario.name} — seed {result.seed}, "
        f"{result.summary['citizens']} citizens, {result.summary['steps']} steps"
    )
    return fig


def opinion_histogram(opinions: dict[str, list[np.ndarray]], title: str) -> Figure:
    """Final opinion distributions, one panel per scenario (replicates pooled), at most four
    panels a row so a comparison of many scenarios stays readable."""
    names = list(opinions)
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig = Figure(figsize=(3.2 * cols + 1, 3.0 * rows + 0.4), layout="constrained")
    grid = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    bins = np.linspace(-1, 1, 41)
    for ax, name in zip(grid, names, strict=False):
        values = np.concatenate(opinions[name])
        ax.hist(values, bins=bins, density=True, color="0.45")
        ax.set(title=name, xlabel="final opinion", xlim=(-1, 1))
    for ax in grid[len(names) :]:
        ax.set_visible(False)
    for ax in grid[::cols]:
        ax.set_ylabel("density")
    fig.suptitle(title)
    return fig


def _band(ax, frame: pd.DataFrame, colour: str, label: str) -> None:
    """Mean over replicates with a t confidence band, by step."""
    from scipy import stats

    g = frame.groupby("step")["value"]
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    t = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * sd / np.sqrt(n), 0.0)
    ax.plot(mean.index, mean, color=colour, label=label)
    ax.fill_between(mean.index, mean - half, mean + half, color=colour, alpha=0.2, lw=0)


def comparison_timeseries(comp: Comparison, metric: str, title: str) -> Figure:
    """One panel per party: each scenario's mean over replicates with its 95% band."""
    ts = comp.timeseries
    parties = comp.comparison["parties"]
    names = [s.name for s in comp.scenarios]
    fig = Figure(figsize=(5.5 * len(parties), 4.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, max(1, len(parties)), sharey=True))
    colours = [mcolors.to_hex(c) for c in (list(mcolors.TABLEAU_COLORS.values()) * 3)[: len(names)]]
    for ax, party in zip(axes, parties, strict=False):
        sel = ts[(ts.metric == metric) & (ts.party == party)]
        if metric == "share_of_voice":
            sel = sel[sel.step > 0]  # nothing has been read before the first step
        sel = sel.groupby(["scenario", "replicate", "step"], as_index=False)["value"].sum()
        for name, colour in zip(names, colours, strict=True):
            _band(ax, sel[sel.scenario == name], colour, name)
        ax.set(title=f"{party}", xlabel="step (day)", ylim=(0, None))
    axes[0].set_ylabel(metric.replace("_", " "))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(names), 4), fontsize=8)
    fig.suptitle(
        f"{title} — mean and {CONFIDENCE:.0%} CI over "
        f"{comp.comparison['replicates']} paired replicates"
    )
    return fig


def effects(comp: Comparison, metric: str = "vote_share") -> Figure:
    """Paired differences against the baseline, with confidence intervals, per party."""
    diffs = comp.comparison["differences"]
    parties = comp.comparison["parties"]
    colours = party_colours(parties)
    names = list(diffs)
    fig = Figure(
        figsize=(7.5, 0.6 * max(1, len(names)) * max(1, len(parties)) + 1.5), layout="constrained"
    )
    ax = fig.subplots()
    y = 0
    ticks, labels = [], []
    for name in names:
        for party in parties:
            d = diffs[name][metric][party]
            mean = 100 * d["mean"]
            if d["ci_low"] is not None:
                ax.errorbar(
                    mean,
                    y,
                    xerr=[[mean - 100 * d["ci_low"]], [100 * d["ci_high"] - mean]],
                    fmt="o",
                    color=colours[party],
                    capsize=3,
                )
            else:
                ax.plot(mean, y, "o", color=colours[party])
            ticks.append(y)
            labels.append(f"{name} · {party}")
            y -= 1
        y -= 0.5
    ax.axvline(0, color="0.5", lw=1)
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_xlabel(
        f"paired difference in {metric.replace('_', ' ')} vs "
        f"{comp.comparison['baseline']} (percentage points)"
    )
    ax.set_title(f"Effect of each strategy ({CONFIDENCE:.0%} CI)")
    return fig


def save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    return path


def _label(path: str) -> str:
    return path.split(".")[-1].replace("_", " ") + f"  ({path})"


def response_curves(experiment, summary: pd.DataFrame, output: str) -> Figure:
    """Mean output (95 % CI band) against each varied key; on a grid with two or more keys,
    one line per value of the second key."""
    factors = [f for f in experiment.factors]
    fig = Figure(figsize=(5 * max(1, len(factors)), 3.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, max(1, len(factors)), sharey=True))
    mean, lo, hi = f"{output}.mean", f"{output}.ci_low", f"{output}.ci_high"
    for ax, factor in zip(axes, factors, strict=False):
        others = [f.path for f in factors if f.path != factor.path]
        numeric = pd.api.types.is_numeric_dtype(summary[factor.path])
        if experiment.design == "grid" and others:
            group_key = others[0]
            for k, (level, part) in enumerate(summary.groupby(group_key, sort=True)):
                part = part.groupby(factor.path, sort=True)[[mean, lo, hi]].mean().reset_index()
                x = part[factor.path] if numeric else np.arange(len(part))
                ax.plot(
                    x,
                    part[mean],
                    "o-",
                    color=f"C{k % 10}",
                    label=f"{group_key.split('.')[-1]} = {level}",
                )
                if part[lo].notna().any():
                    ax.fill_between(x, part[lo], part[hi], color=f"C{k % 10}", alpha=0.15)
                if not numeric:
                    ax.set_xticks(x, part[factor.path], rotation=20)
            ax.legend(fontsize=7)
        else:
            part = summary.sort_values(factor.path) if numeric else summary
            x = part[factor.path] if numeric else np.arange(len(part))
            ax.plot(x, part[mean], "o", ms=3, color="C0")
            if experiment.design == "grid" and part[lo].notna().any():
                ax.fill_between(x, part[lo], part[hi], color="C0", alpha=0.15)
        ax.set(xlabel=_label(factor.path))
    axes[0].set_ylabel(output)
    fig.suptitle(
        f"{output} — mean over {experiment.replicates} replicates per point"
        + (" (95 % CI)" if experiment.replicates > 1 else "")
    )
    return fig


def heatmap(experiment, summary: pd.DataFrame, output: str) -> Figure:
    """Mean output over the first two varied keys of a grid."""
    a, b = experiment.factors[0].path, experiment.factors[1].path
    table = summary.pivot_table(index=b, columns=a, values=f"{output}.mean", aggfunc="mean")
    fig = Figure(figsize=(6.5, 4.8), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(
        range(len(table.columns)),
        [f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns],
        rotation=30,
    )
    ax.set_yticks(
        range(len(table.index)), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.index]
    )
    for (i, j), value in np.ndenumerate(table.to_numpy()):
        ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=7, color="white")
    ax.set(xlabel=_label(a), ylabel=_label(b), title=f"{output} (mean)")
    fig.colorbar(image, ax=ax)
    return fig


def sobol_bars(table: pd.DataFrame, output: str) -> Figure:
    """First-order and total Sobol indices with 95 % confidence intervals."""
    fig = Figure(figsize=(7, 0.45 * len(table) + 1.6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(table))
    ax.barh(
        y - 0.2,
        table["S1"],
        0.4,
        xerr=table["S1_conf"],
        label="first order S1",
        color="C0",
        capsize=2,
    )
    ax.barh(
        y + 0.2, table["ST"], 0.4, xerr=table["ST_conf"], label="total ST", color="C1", capsize=2
    )
    ax.set_yticks(y, [f.split(".", 1)[-1] for f in table["factor"]], fontsize=8)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set(xlabel="Sobol index (95 % CI)", title=f"Sensitivity of {output}")
    ax.legend(fontsize=8)
    return fig


def frontier_plot(table: pd.DataFrame, party: str, label_keys: list[str]) -> Figure:
    """Vote share against total cost, one point per design point, labelled by its settings."""
    vote, cost = f"vote_share.{party}", f"cost.{party}"
    fig = Figure(figsize=(7, 4.8), layout="constrained")
    ax = fig.subplots()
    err = None
    if table[f"{vote}.ci_low"].notna().any():
        err = [
            table[f"{vote}.mean"] - table[f"{vote}.ci_low"],
            table[f"{vote}.ci_high"] - table[f"{vote}.mean"],
        ]
    ax.errorbar(table[f"{cost}.mean"], table[f"{vote}.mean"], yerr=err, fmt="o", capsize=3)
    for _, row in table.iterrows():
        text = ", ".join(
            f"{k.split('.')[-1]}={row[k]:g}"
            if isinstance(row[k], float)
            else f"{k.split('.')[-1]}={row[k]}"
            for k in label_keys
        )
        ax.annotate(
            text,
            (row[f"{cost}.mean"], row[f"{vote}.mean"]),
            fontsize=6,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set(
        xlabel=f"total cost of {party} (budget units)",
        ylabel=f"vote share of {party}",
        title=f"Vote share against cost — {party}",
    )
    return fig


def spring_layout(graph: Graph, seed: int) -> np.ndarray:
    """(n, 2) node positions of a network (networkx spring layout, seeded), for drawing it.

    Fewer iterations above 1,000 nodes keep it to about a second; compute it once per run.
    """
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(graph.n))
    keep = graph.rows < graph.indices
    g.add_edges_from(zip(graph.rows[keep].tolist(), graph.indices[keep].tolist(), strict=True))
    iterations = 50 if graph.n <= 1000 else 25
    pos = nx.spring_layout(g, seed=int(seed % (2**32)), iterations=iterations)
    return np.array([pos[i] for i in range(graph.n)])
