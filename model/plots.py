"""Figures from tidy tables: one function per picture, each returning a matplotlib Figure.

Party colours: a party named after a colour (``blue``, ``red``…) is drawn in that colour;
others take the tab10 cycle. Uses the Agg backend via ``matplotlib.figure.Figure`` directly, so
importing this module changes no global plotting state.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.comparison import CONFIDENCE, Comparison
from model.network.csr import Graph
from model.population import PARTY_SOURCES
from model.runner import RunResult

SOURCE_HATCH = {
    "institution": "",
    "staff": "//",
    "champion": "..",
    "mass_media": "xx",
    "canvass": "\\\\",
}


# scenarios are told apart by these colours and line styles, never by a party's colour
SCENARIO_COLOURS = [
    "tab:orange",
    "tab:green",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:gray",
    "tab:olive",
    "tab:cyan",
    "black",
]
SCENARIO_STYLES = ["-", "--", "-.", ":"]


def scenario_styles(names: list[str], parties: list[str]) -> list[tuple[str, str]]:
    """(colour, line style) per scenario: colours that no party uses, styles cycling too, so
    no two of up to 36 scenarios look alike and none looks like a party."""
    taken = {mcolors.to_hex(c) for c in party_colours(parties).values()}
    colours = [c for c in SCENARIO_COLOURS if mcolors.to_hex(c) not in taken]
    return [
        (colours[i % len(colours)], SCENARIO_STYLES[(i // len(colours)) % len(SCENARIO_STYLES)])
        for i in range(len(names))
    ]


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
        for _, source in PARTY_SOURCES:
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
    for source, colour, label in (
        ("news", "0.55", "news outlets"),
        ("movement", "#7b4f9d", "citizens' movement"),
    ):
        y = _series(ts, "share_of_voice", "", source).reindex(steps).to_numpy()
        if np.nanmax(y, initial=0) > 0:
            ax.fill_between(steps, bottom, bottom + y, color=colour, alpha=0.75, label=label)
            bottom = bottom + y
    ax.fill_between(
        steps,
        bottom,
        bottom + _series(ts, "share_of_voice", "", "citizen").to_numpy(),
        color="0.85",
        label="citizens' own posts",
    )
    ax.set(title="Share of voice (messages read)", xlabel="step (day)", ylim=(0, 1))
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


def party_lines(scenario: Any) -> dict[str, float]:
    """{party: its line on the first issue} of a scenario, for :func:`opinion_histogram`."""
    return {name: float(np.ravel(p.position)[0]) for name, p in scenario.parties.items()}


def opinion_histogram(
    opinions: dict[str, list[np.ndarray]],
    title: str,
    lines: dict[str, dict[str, float]] | None = None,
) -> Figure:
    """Final opinion distributions, one panel per scenario (replicates pooled), at most four
    panels a row so a comparison of many scenarios stays readable. ``lines`` gives each panel's
    party lines {party: position on the first issue}, drawn as dashed lines in the party's
    colour: the spikes there are citizens who converged on a party's scripted posts."""
    names = list(opinions)
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig = Figure(figsize=(3.2 * cols + 1, 3.0 * rows + 0.9), layout="constrained")
    grid = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    bins = np.linspace(-1, 1, 41)
    lines = lines or {}
    parties = list(dict.fromkeys(p for panel in lines.values() for p in panel))
    colours = party_colours(parties)
    for ax, name in zip(grid, names, strict=False):
        values = np.concatenate(opinions[name])
        ax.hist(values, bins=bins, density=True, color="0.6")
        for party, position in lines.get(name, {}).items():
            ax.axvline(position, color=colours[party], ls="--", lw=1.4, label=f"{party}'s line")
        ax.set(title=name, xlabel="final opinion (−1 … +1)", xlim=(-1, 1))
    for ax in grid[len(names) :]:
        ax.set_visible(False)
    for ax in grid[::cols]:
        ax.set_ylabel("density")
    handles: dict[str, Any] = {}
    for ax in grid[: len(names)]:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    if handles:
        where = ", ".join(
            f"{p} at {next(iter(v[p] for v in lines.values() if p in v)):+.2f}" for p in parties
        )
        fig.legend(
            list(handles.values()),
            list(handles),
            loc="outside lower center",
            ncol=min(len(handles), 4),
            fontsize=8,
            title=f"party lines ({where}): spikes there are citizens who took up a party's "
            "scripted posts",
            title_fontsize=8,
        )
    fig.suptitle(title)
    return fig


def _band(
    ax, frame: pd.DataFrame, colour: str, label: str, style: str = "-", scale: float = 1.0
) -> None:
    """Mean over replicates with a t confidence band, by step."""
    from scipy import stats

    g = frame.groupby("step")["value"]
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    t = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * sd / np.sqrt(n), 0.0) * scale
    mean = mean * scale
    ax.plot(mean.index, mean, color=colour, ls=style, label=label)
    ax.fill_between(mean.index, mean - half, mean + half, color=colour, alpha=0.15, lw=0)


def _same_as(series: dict[str, np.ndarray], tol: float = 1e-12) -> dict[str, str]:
    """Scenario → the earlier scenario whose series it repeats (within ``tol`` at every step):
    drawn on top of it, its line would hide the other's with nothing said."""
    same: dict[str, str] = {}
    names = list(series)
    for i, name in enumerate(names):
        for earlier in names[:i]:
            a, b = series[name], series[earlier]
            if (
                earlier not in same
                and a.shape == b.shape
                and np.allclose(a, b, rtol=0, atol=tol, equal_nan=True)
            ):
                same[name] = earlier
                break
    return same


def comparison_timeseries(comp: Comparison, metric: str, title: str) -> Figure:
    """One panel per party: each scenario's mean over replicates with its 95% band (the level
    interval of that scenario; paired differences are effects()'s). A scenario whose means
    repeat an earlier one's at every step of every panel is named "X (same as Y)" in the
    legend, since its line hides the other's."""
    ts = comp.timeseries
    parties = comp.comparison["parties"]
    names = [s.name for s in comp.scenarios]
    fig = Figure(figsize=(5.5 * len(parties), 4.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, max(1, len(parties)), sharey=True))
    styles = scenario_styles(names, parties)
    panels = {}
    for party in parties:
        sel = ts[(ts.metric == metric) & (ts.party == party)]
        if metric == "share_of_voice":
            sel = sel[sel.step > 0]  # nothing has been read before the first step
        keys = ["scenario", "replicate", "step"]
        panels[party] = sel.groupby(keys, as_index=False)["value"].sum()
    means = {
        name: np.concatenate(
            [
                panels[p][panels[p].scenario == name].groupby("step")["value"].mean().to_numpy()
                for p in parties
            ]
            or [np.zeros(0)]
        )
        for name in names
    }
    same = _same_as(means)
    for ax, party in zip(axes, parties, strict=False):
        sel = panels[party]
        for name, (colour, style) in zip(names, styles, strict=True):
            label = f"{name} (same as {same[name]})" if name in same else name
            _band(ax, sel[sel.scenario == name], colour, label, style, scale=100.0)
        # the axis fits the data (a 25-33 % race is not squashed into the top of 0-100 %)
        ax.set(title=f"{party}", xlabel="step (day)")
    axes[0].set_ylabel(f"{metric.replace('_', ' ')} (%)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(names), 4), fontsize=8)
    fig.suptitle(
        f"{title} — mean over {comp.comparison['replicates']} paired replicates; each band is "
        f"that scenario's own {CONFIDENCE:.0%} interval (its level)\nthe paired differences "
        "between scenarios, which the bands do not show, are in effects.png",
        fontsize=11,
    )
    return fig


def effects(comp: Comparison, metric: str = "vote_share") -> Figure:
    """Every pairwise contrast A − B (paired, percentage points), per party: the primary ones
    (against the baseline) with their unadjusted intervals in black, the rest with their
    multiplicity-adjusted intervals in grey — a forest plot."""
    c = comp.comparison
    parties, base = c["parties"], c["baseline"]
    names = list(c["scenarios"])
    pairs = [(n, base) for n in names if n != base]
    pairs += [(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if base not in (a, b)]
    fig = Figure(
        figsize=(6.0 * max(1, len(parties)), 0.32 * max(1, len(pairs)) + 1.6), layout="constrained"
    )
    axes = np.atleast_1d(fig.subplots(1, max(1, len(parties)), sharey=True))
    y = np.arange(len(pairs))[::-1]
    for ax, party in zip(axes, parties, strict=False):
        for yi, (a, b) in zip(y, pairs, strict=True):
            d = c["contrasts"][a][b][metric][party]
            mean = 100 * d["mean"]
            primary = d["primary"]
            colour = "black" if primary else "0.55"
            if d["ci_adjusted_low"] is not None:
                err = [[mean - 100 * d["ci_adjusted_low"]], [100 * d["ci_adjusted_high"] - mean]]
                ax.errorbar(mean, yi, xerr=err, fmt="o", color=colour, capsize=2, ms=4)
            else:
                ax.plot(mean, yi, "o", color=colour)
        ax.axvline(0, color="0.5", lw=1)
        ax.set_title(party)
        ax.set_xlabel(f"Δ {metric.replace('_', ' ')}, A − B (percentage points)")
    axes[0].set_yticks(y, [f"{a} − {b}" for a, b in pairs], fontsize=8)
    fig.suptitle(
        f"Every paired contrast ({c['confidence']:.0%} intervals): black = against {base} "
        "(primary, unadjusted); grey = the others (Bonferroni-level, Holm family)",
        fontsize=9,
    )
    return fig


def _near_groups(ax, points: list[tuple[float, float]], close: float = 0.015) -> list[list[int]]:
    """Indices of ``points`` grouped by position: a point joins the first group whose first
    point is within ``close`` of the axes' span on both axes (so labels of points at nearly the
    same place are written once, together, instead of on top of one another)."""
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    ax.autoscale_view()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    tol = close * np.array([abs(x1 - x0) or 1.0, abs(y1 - y0) or 1.0])
    groups: list[list[int]] = []
    for i, p in enumerate(xy):
        for group in groups:
            if np.all(np.abs(p - xy[group[0]]) <= tol):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def _overlap(a: tuple, b: tuple) -> bool:
    """Whether two boxes (x0, y0, x1, y1) overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _numbered(
    ax,
    points: list[tuple[float, float]],
    labels: list[str],
    numbers: list[int] | None = None,
    heading: str = "",
) -> None:
    """Number each point (``numbers``, default 1, 2, …) and list "number  label" beside the axes
    (under ``heading``): near-identical points would otherwise hide each other's names. Points
    at (nearly) the same place share one label, "1, 2, 4", so their numbers do not stack into a
    smear."""
    numbers = list(range(1, len(points) + 1)) if numbers is None else [int(n) for n in numbers]
    groups = _near_groups(ax, points)
    # labels go beside their point where they overlap no other label and no marker: each takes
    # the first free place of right, above, left, below (boxes estimated in points, 1/72 inch)
    scale = 72 / ax.figure.dpi
    where = [tuple(ax.transData.transform(points[g[0]]) * scale) for g in groups]
    taken = [(x - 3, y - 3, x + 3, y + 3) for x, y in where]  # the markers
    inside = ax.bbox.extents * scale
    places = [((5, -3), "left"), ((0, 5), "center"), ((-5, -3), "right"), ((0, -12), "center")]
    places += [((5, 6), "left"), ((5, -12), "left"), ((-5, 6), "right"), ((-5, -12), "right")]
    for group, (x, y) in zip(groups, where, strict=True):
        text = ", ".join(str(n) for n in sorted(numbers[i] for i in group))
        # 7-point digits, a fifth wider: the axes shrink when laid out, the text does not
        width, height = 1.2 * 4.2 * len(text), 1.2 * 7.0
        boxes = []
        for (dx, dy), ha in places:
            left = x + dx - {"left": 0, "center": width / 2, "right": width}[ha]
            boxes.append(((dx, dy), ha, (left, y + dy, left + width, y + dy + height)))
        mine = (x - 3, y - 3, x + 3, y + 3)
        (dx, dy), ha, box = next(
            (
                b
                for b in boxes
                if inside[0] <= b[2][0]
                and b[2][2] <= inside[2]
                and not any(_overlap(b[2], t) for t in taken if t != mine)
            ),
            boxes[0],
        )
        taken.append(box)
        ax.annotate(
            text,
            points[group[0]],
            fontsize=7,
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va="bottom",
        )
    listing = [f"{n:>2}  {label}" for n, label in sorted(zip(numbers, labels, strict=True))]
    listing = ([heading] if heading else []) + listing
    ax.text(
        1.02,
        1.0,
        "\n".join(listing),
        transform=ax.transAxes,
        va="top",
        fontsize=7,
        family="monospace",
    )


def cost_effectiveness(comp: Comparison) -> Figure | None:
    """The cost-effectiveness plane of each party whose spending varies: mean spend against
    mean vote share, the efficiency frontier joined, dominated strategies marked. Points carry
    numbers (listed beside the plane), since near-identical strategies would hide each other's
    names."""
    tables = comp.comparison["icer"]
    if not tables:
        return None
    fig = Figure(figsize=(9.5 * len(tables), 5.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(tables)))
    marks = {"ND": ("o", "black"), "ED": ("s", "tab:orange"), "D": ("x", "tab:gray")}
    words = {"ND": "on the frontier", "ED": "extendedly dominated", "D": "dominated"}
    for ax, (party, table) in zip(axes, tables.items(), strict=True):
        rows = table["strategies"]
        front = [(r["effect"], r["cost"]) for r in rows.values() if r["status"] == "ND"]
        ax.plot(*zip(*front, strict=True), color="black", lw=1, zorder=1, label="frontier")
        for status, (marker, colour) in marks.items():
            pts = [(r["effect"], r["cost"]) for r in rows.values() if r["status"] == status]
            if pts:
                ax.scatter(
                    *zip(*pts, strict=True),
                    marker=marker,
                    color=colour,
                    zorder=2,
                    label=words[status],
                )
        _numbered(
            ax,
            [(r["effect"], r["cost"]) for r in rows.values()],
            [f"{name} ({r['status']})" for name, r in rows.items()],
        )
        ax.set(
            xlabel=f"vote share of {party} (% of the electorate)",
            ylabel="spend per 1,000 citizens over the campaign",
            title=f"Cost-effectiveness plane — {party}",
        )
        ax.yaxis.set_major_formatter("{x:,.0f}")
        ax.legend(fontsize=8, loc="upper left")
    return fig


def save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    return path


def _label(path: str) -> str:
    return path.split(".")[-1].replace("_", " ") + f"  ({path})"


RESPONSE_COLUMNS = 3  # response panels per row


def response_curves(experiment, summary: pd.DataFrame, output: str) -> Figure:
    """Mean output (95 % CI band) against each varied key that takes more than one value, at
    most three panels a row; on a grid with two or more keys, one line per value of the second
    key. Faceted with matplotlib's subplots (no seaborn: a facet wrap of a few panels needs no
    extra dependency; tests/test_plot_layout.py checks it)."""
    factors = [f for f in experiment.factors if summary[f.path].nunique() > 1]
    cols = min(RESPONSE_COLUMNS, max(1, len(factors)))
    rows = max(1, -(-len(factors) // cols))
    fig = Figure(figsize=(4.6 * cols, 3.5 * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False).ravel())
    for ax in axes[len(factors) :]:
        ax.set_visible(False)
    mean, lo, hi = f"{output}.mean", f"{output}.ci_low", f"{output}.ci_high"
    strips = False
    for ax, factor in zip(axes, factors, strict=False):
        others = [f.path for f in factors if f.path != factor.path]
        switch = pd.api.types.is_bool_dtype(summary[factor.path])
        # a switch is two options, not a number line from 0 to 1
        numeric = pd.api.types.is_numeric_dtype(summary[factor.path]) and not switch
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
                    # the key's last two parts: "institution.enabled", not a bare "enabled"
                    label=f"{'.'.join(group_key.split('.')[-2:])} = {_value(level)}",
                )
                if part[lo].notna().any():
                    ax.fill_between(x, part[lo], part[hi], color=f"C{k % 10}", alpha=0.15)
                if not numeric:
                    ticks = [_value(v) for v in part[factor.path]]
                    long = max((len(t) for t in ticks), default=0) > 8
                    ax.set_xticks(x, ticks, rotation=20 if long else 0)
                    ax.set_xlim(-0.5, len(part) - 0.5)
            ax.legend(fontsize=7)
        elif factor.values is not None and not numeric:
            _option_strip(ax, list(factor.values), summary[factor.path], summary[mean])
            strips = True
        else:
            part = summary.sort_values(factor.path) if numeric else summary
            x = part[factor.path] if numeric else np.arange(len(part))
            ax.plot(x, part[mean], "o", ms=3, color="C0")
            if experiment.design == "grid" and part[lo].notna().any():
                ax.fill_between(x, part[lo], part[hi], color="C0", alpha=0.15)
        ax.set(xlabel=_label(factor.path))
    axes[0].set_ylabel(output if experiment.contrast is None else f"{output}, a − b")
    title = (
        f"{experiment.quantity(output)} — mean over {experiment.replicates} "
        f"replicate{'s' if experiment.replicates != 1 else ''} per point"
        + ("; black bars: mean over the points with that option" if strips else "")
        + (
            " (95 % CI of the level; for differences between points see effects.parquet)"
            if experiment.replicates > 1
            else ""
        )
    )
    fig.suptitle(textwrap.fill(title, 60 * cols))  # about 60 characters fit a panel's width
    return fig


def _value(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _option_strip(ax, options: list, column: pd.Series, y: pd.Series) -> None:
    """The points of a key that takes options (a switch, a network kind): one column of points
    per option, jittered sideways so they do not hide one another, and the option's mean as a
    black bar."""
    jitter = np.random.default_rng(0)  # only where a dot sits in its column: a fixed figure
    for k, option in enumerate(options):
        ys = y[column == option].to_numpy()
        ax.plot(k + jitter.uniform(-0.25, 0.25, ys.size), ys, "o", ms=3, color="C0", alpha=0.5)
        if ys.size:
            ax.plot([k - 0.35, k + 0.35], [ys.mean()] * 2, color="black", lw=2)
    long = max(len(_value(o)) for o in options) > 8
    ax.set_xticks(range(len(options)), [_value(o) for o in options], rotation=25 if long else 0)
    ax.set_xlim(-0.6, len(options) - 0.4)


def _cell(value: float, digits: int) -> str:
    """A heat map cell's number: ``digits`` significant digits, or the whole number (with
    thousands separators) where that needs more (never 3.74e+03)."""
    return f"{value:,.0f}" if abs(value) >= 10**digits else f"{value:.{digits}g}"


def heatmap_keys(experiment, summary: pd.DataFrame) -> tuple[str, str] | None:
    """The two keys a grid's heat map is drawn over: its first two varied keys that take more
    than one value, if both are numbers (None otherwise: no heat map)."""
    keys = [f.path for f in experiment.factors if summary[f.path].nunique() > 1]
    if experiment.design != "grid" or len(keys) < 2:
        return None
    if not all(pd.api.types.is_numeric_dtype(summary[k]) for k in keys[:2]):
        return None
    return keys[0], keys[1]


def heatmap(experiment, summary: pd.DataFrame, output: str) -> Figure:
    """Mean output over the first two varied keys of a grid (that take more than one value);
    each cell also shows its 95 % half-width, so a colour scale spanning less than the noise is
    visibly noise. On a grid of three or more such keys, each cell is the mean over the other
    keys' values (and ± the mean of their half-widths), and the title says so."""
    a, b = heatmap_keys(experiment, summary) or (
        experiment.factors[0].path,
        experiment.factors[1].path,
    )
    others = [
        f.path for f in experiment.factors if f.path not in (a, b) and summary[f.path].nunique() > 1
    ]
    table = summary.pivot_table(index=b, columns=a, values=f"{output}.mean", aggfunc="mean")
    half = (summary[f"{output}.ci_high"] - summary[f"{output}.ci_low"]) / 2
    widths = summary.assign(_half=half).pivot_table(index=b, columns=a, values="_half")
    fig = Figure(figsize=(6.5, 4.8), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(table.columns)), [_value(v) for v in table.columns], rotation=30)
    ax.set_yticks(range(len(table.index)), [_value(v) for v in table.index])
    values = table.to_numpy()
    span = np.nanmax(values) - np.nanmin(values)
    for (i, j), value in np.ndenumerate(values):
        w = widths.to_numpy()[i, j] if widths.shape == values.shape else np.nan
        text = _cell(value, 3) + (f"\n±{_cell(w, 2)}" if np.isfinite(w) else "")
        bright = image.norm(value) > 0.6  # viridis is light at its top end
        ax.text(
            j, i, text, ha="center", va="center", fontsize=7, color="black" if bright else "white"
        )
    noise = np.nanmedian(widths.to_numpy()) if widths.size else np.nan
    what = "level" if experiment.contrast is None else "contrast"
    lines = [f"{experiment.quantity(output)} (mean; ± 95 % half-width of the {what})"]
    if others:
        names = ", ".join(k.split(".")[-1] for k in others)
        lines.append(
            f"averaged over {len(others)} other key{'s' if len(others) > 1 else ''} "
            f"({names}); ± their mean half-width"
        )
    if np.isfinite(noise) and span < 2 * noise:
        lines.append(
            "colours span less than the levels' noise: read paired differences in effects.parquet"
        )
    # wrapped to the axes' width (about 64 characters of 10 pt over its 5 inches)
    title = "\n".join(textwrap.fill(line, 64, break_on_hyphens=False) for line in lines)
    ax.set(xlabel=_label(a), ylabel=_label(b))
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax)
    return fig


def sobol_bars(table: pd.DataFrame, output: str, note: str = "") -> Figure:
    """First-order and total Sobol indices with 95 % confidence intervals; the title warns when
    an index is negative or its interval is wider than the index (add samples), and ends with
    ``note`` (e.g. whether the study is precise enough)."""
    fig = Figure(figsize=(7, 0.45 * len(table) + 1.8), layout="constrained")
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
    # keys keep their section (network.kind, not kind); a party's keys drop "parties."
    ax.set_yticks(y, [f.removeprefix("parties.") for f in table["factor"]], fontsize=8)
    ax.axvline(0, color="0.5", lw=0.8)
    title = f"Sensitivity of {output}"  # a contrast's name is long: wrapped, over the figure
    if sobol_unresolved(table):
        title += "\nsome indices are negative or narrower than their intervals: add samples"
    if note:
        title += f"\n{note}"
    fig.suptitle("\n".join(textwrap.fill(line, 80) for line in title.splitlines()), fontsize=11)
    ax.set(xlabel="Sobol index (95 % CI)")
    ax.legend(fontsize=8)
    return fig


def sobol_unresolved(table: pd.DataFrame) -> bool:
    """An index below 0 beyond rounding, or an interval wider than the index it qualifies."""
    s1, st = table["S1"], table["ST"]
    return bool(((s1 < -0.01) | (st < -0.01) | (table["ST_conf"] > st.abs())).any())


def frontier_plot(table: pd.DataFrame, party: str, label_keys: list[str]) -> Figure:
    """Vote share against cost, one point per design point (labelled with its index, the
    report's ``point``, and listed beside the plot; points at nearly the same place share one
    label), the frontier — points no cheaper point beats — joined by a line."""
    vote, cost = f"vote_share.{party}", f"cost.{party}"
    fig = Figure(figsize=(10, 5.0), layout="constrained")
    ax = fig.subplots()
    err = None
    if table[f"{vote}.ci_low"].notna().any():
        err = [
            100 * (table[f"{vote}.mean"] - table[f"{vote}.ci_low"]),
            100 * (table[f"{vote}.ci_high"] - table[f"{vote}.mean"]),
        ]
    x, y = table[f"{cost}.mean"].to_numpy(), 100 * table[f"{vote}.mean"].to_numpy()
    ax.errorbar(x, y, yerr=err, fmt="o", capsize=3, color="0.4")
    order = np.argsort(x, kind="stable")
    front, best = [], -np.inf
    for i in order:  # cheapest first: a point is on the frontier if it beats every cheaper one
        if y[i] > best:
            front.append(i)
            best = y[i]
    ax.plot(x[front], y[front], "-", color="black", lw=1, label="frontier")
    _numbered(
        ax,
        list(zip(x, y, strict=True)),
        [
            ", ".join(f"{key.split('.')[-1]}={_value(row[key])}" for key in label_keys)
            for _, row in table.iterrows()
        ],
        # the design point's index, as in the report's `point` column
        numbers=list(table["point"]) if "point" in table else None,
        heading="point" if "point" in table else "",
    )
    ax.xaxis.set_major_formatter("{x:,.0f}")
    ax.set(
        xlabel=f"spend of {party} per 1,000 citizens over the campaign",
        ylabel=f"vote share of {party} (%)",
        title=f"Vote share against spend — {party}",
    )
    ax.legend(fontsize=8, loc="lower right")
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
