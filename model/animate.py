"""Animations for slides: the network and the vote over time, as a GIF or an MP4.

Each frame says what changed: the day ("Day 37 of 120", the election is the last day), the
citizens' network coloured by how far each person's opinion (first issue) moved since day 0 —
the scale fitted to the run and its ends labelled with the party each side leans to — or by
opinion itself (``colour_by="opinion"``), and vote intention per party in % on an axis fitted to
the run, each line labelled with today's value. Marker = role (citizen, champion, staff), size =
activity. One frame per step plus the starting state: ``steps + 1`` frames. The layout (networkx
spring layout, seeded from the run's seed) is computed once and kept, so only the colours move.

The run is computed twice (same seed, same run): first for the vote and the opinion change, so
the axes and the colour scale are fixed for the whole animation, then frame by frame.

The drawing helpers here (the opinion colour scale with the parties' ends, a light subset of the
edges, axis limits fitted in nice steps) are shared with the classroom app (``model/app.py``).

GIF uses Pillow (always available with matplotlib). MP4 uses ffmpeg with libx264 and
``-pix_fmt yuv420p`` (what slide software accepts); ``scripts/bootstrap`` installs Debian's
ffmpeg where it can, and without it an MP4 request fails with one clear line.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from matplotlib.animation import FFMpegWriter, PillowWriter
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from model.config import Scenario
from model.network.csr import Graph
from model.plots import party_colours, spring_layout
from model.population import CHAMPION, CITIZEN, STAFF
from model.sim import SocialWebModel

FORMATS = (".gif", ".mp4")
OPINION_CMAP = "coolwarm_r"  # red -1 ... blue +1
ColourBy = Literal["change since day 0", "opinion"]
COLOUR_BY: tuple[ColourBy, ...] = ("change since day 0", "opinion")
ROLES = {"citizen": ("o", 1.0), "champion": ("*", 3.0), "staff": ("s", 2.0)}  # marker, size x
ROLE_CODES = {"citizen": CITIZEN, "champion": CHAMPION, "staff": STAFF}
EDGE_SHARE = 0.3  # of the ties drawn: all of them make a grey hairball that hides the colours
EDGE_COLOUR = "0.8"


class AnimationError(ValueError):
    """The animation cannot be written (bad input or missing ffmpeg: exit 2)."""


# --- drawing helpers shared with the classroom app ------------------------------------------


def nice_above(value: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, … (times a power of ten) that is ≥ ``value``."""
    if value <= 0:
        return 1.0
    exp = 10.0 ** np.floor(np.log10(value))
    return float(next(m * exp for m in (1, 2, 5, 10) if m * exp >= value * (1 - 1e-12)))


def change_limit(change: np.ndarray, floor: float = 0.02) -> float:
    """Half-width of the colour scale of opinion change: a nice number (0.02, 0.05, 0.1, …) at
    or above the 98th percentile of ``|change|``, so most people's shift shows as a colour."""
    top = float(np.percentile(np.abs(change), 98)) if change.size else 0.0
    return min(nice_above(max(top, floor)), 2.0)


def fitted_limits(
    values: np.ndarray, *, step: float, min_span: float, now: tuple[float, float] | None = None
) -> tuple[float, float]:
    """Axis limits that hold ``values`` with a margin, snapped outward to multiples of ``step``,
    at least ``min_span`` wide, and never narrower than ``now`` (so they change rarely)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return now or (0.0, min_span)
    lo, hi = float(values.min()), float(values.max())
    pad = max(0.1 * (hi - lo), 0.25 * step)
    lo, hi = np.floor((lo - pad) / step) * step, np.ceil((hi + pad) / step) * step
    while hi - lo < min_span - 1e-9:  # widen around the data, one step each side
        lo, hi = lo - step, hi + step
    if now is not None:
        lo, hi = min(lo, now[0]), max(hi, now[1])
    return float(lo), float(hi)


def percent_axis(ax: Axes) -> None:
    """Ticks of a y axis whose data are percentages: "26 %"."""
    ax.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} %"))


def drawn_edges(graph: Graph, pos: np.ndarray, *, share: float = EDGE_SHARE, seed: int = 0):
    """Segments of a fixed random ``share`` of the ties (each undirected tie once)."""
    keep = graph.rows < graph.indices
    a, b = graph.rows[keep], graph.indices[keep]
    if share < 1:
        pick = np.random.default_rng(seed).random(a.size) < share
        a, b = a[pick], b[pick]
    return np.stack([pos[a], pos[b]], axis=1)


def party_ends(names: Sequence[str], positions: Sequence[float]) -> tuple[str, str]:
    """The parties at the low and high end of the opinion axis ('' where no party is there)."""
    if not names:
        return "", ""
    order = np.argsort(positions, kind="stable")
    low, high = names[order[0]], names[order[-1]]
    return (
        low if positions[order[0]] < 0 else "",
        high if positions[order[-1]] > 0 else "",
    )


def opinion_scale(
    cax: Axes,
    *,
    colour_by: ColourBy,
    limit: float,
    parties: dict[str, tuple[float, str]],
    fontsize: float = 10,
) -> None:
    """Draw the colour scale of the people into ``cax`` (cleared first): a horizontal bar whose
    ends say which party they lean to; on the opinion scale, each party's line is marked.

    ``parties``: name → (position on the first issue, colour); ``limit``: the half-width of the
    change scale (ignored for opinions, always on [-1, 1]).
    """
    cax.clear()
    lo, hi = (-1.0, 1.0) if colour_by == "opinion" else (-limit, limit)
    cax.imshow(
        np.linspace(lo, hi, 256)[None, :],
        extent=(lo, hi, 0, 1),
        aspect="auto",
        cmap=OPINION_CMAP,
        vmin=lo,
        vmax=hi,
    )
    cax.set(xlim=(lo, hi), ylim=(0, 1), yticks=[])
    cax.tick_params(labelsize=fontsize - 1, length=2, pad=1)
    names = list(parties)
    left, right = party_ends(names, [parties[p][0] for p in names])
    if colour_by == "opinion":
        cax.set_xticks([-1, 0, 1], ["−1", "0", "+1"])
        for position, colour in parties.values():
            cax.plot(
                [position], [1.0], marker="v", ms=7, color=colour, mec="k", mew=0.5, clip_on=False
            )
        title = "opinion (▼ party lines)"
        left_text, right_text = left, right
    else:
        cax.set_xticks([-limit, 0, limit], [f"−{limit:g}", "0", f"+{limit:g}"])
        title = "opinion change since day 0"
        left_text = f"← toward {left}" if left else "←"
        right_text = f"toward {right} →" if right else "→"
    colours = {p: c for p, (_, c) in parties.items()}
    for text, party, x, ha in (
        (left_text, left, -0.02, "right"),
        (right_text, right, 1.02, "left"),
    ):
        cax.text(
            x,
            0.5,
            text,
            transform=cax.transAxes,
            ha=ha,
            va="center",
            fontsize=fontsize,
            fontweight="bold",
            color=colours.get(party, "k"),
        )
    cax.set_title(title, fontsize=fontsize, pad=9 if colour_by == "opinion" else 3)


def role_legend(fig: Figure, handles: list, labels: list, **kwargs) -> None:
    """The roles' legend: markers large enough to tell a star from a circle on a slide."""
    fig.legend(handles, labels, frameon=False, handletextpad=0.3, columnspacing=1.2, **kwargs)


def role_handles() -> tuple[list[Line2D], list[str]]:
    handles = [
        Line2D([], [], ls="", marker=m, ms=13 if r == "champion" else 9, mfc="0.75", mec="k")
        for r, (m, _) in ROLES.items()
    ]
    return handles, list(ROLES)


def marker_sizes(activity: np.ndarray) -> np.ndarray:
    """Marker area by activity (a citizen's posts a day), the most active 68 pt²."""
    return 8 + 60 * np.sqrt(activity / max(float(activity.max(initial=0.0)), 1e-9))


# --- the animation ------------------------------------------------------------------------------


def check_output(path: Path, *, overwrite: bool = False) -> None:
    """Refuse, before any work is done: an unknown extension, MP4 without ffmpeg, a folder, a
    path under a file, an existing file (unless ``overwrite``), a folder that cannot be written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise AnimationError(
            f"--out: {path}: expected a .gif or .mp4 file, got '{suffix or 'no extension'}'"
        )
    if suffix == ".mp4" and not FFMpegWriter.isAvailable():
        raise AnimationError(
            f"--out: {path}: MP4 needs ffmpeg, which is not installed "
            "(scripts/bootstrap installs it where apt is available; or write "
            "a .gif)"
        )
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise AnimationError(f"--out: {path}: expected a file path, but {parent} is a file")
    if path.is_dir():
        raise AnimationError(f"--out: {path}: expected a .gif or .mp4 file, got a folder")
    if path.exists() and not overwrite:
        raise AnimationError(f"--out: {path}: already exists; choose a new name or add --overwrite")
    existing = next((p for p in (path.parent, *path.parents) if p.exists()), Path("."))
    try:  # what rendering will need: a hidden file beside the output (permissions alone can lie)
        handle, probe = tempfile.mkstemp(prefix=".socialweb-probe-", dir=existing)
        os.close(handle)
        os.unlink(probe)
    except OSError as err:
        raise AnimationError(
            f"--out: {path}: cannot write in {existing} ({err.strerror or type(err).__name__})"
        ) from None


def _preview(scenario: Scenario, seed: int, total: int) -> tuple[np.ndarray, float]:
    """A first run: vote intention per day (days x parties) and the change scale's half-width."""
    model = SocialWebModel(scenario, seed=seed, agents="parties")
    x0 = model.population.x[:, 0].copy()
    votes = [np.array(model.vote, dtype=float)]
    for _ in range(total):
        model.step()
        votes.append(np.array(model.vote, dtype=float))
    return np.array(votes), change_limit(model.population.x[:, 0] - x0)


class Frame:
    """One animation frame: the network (left, with its legend and colour scale below) and
    vote intention in % (right); the title says the day and today's vote."""

    WIDTH, HEIGHT, DPI = 12.0, 6.75, 80  # 960 x 540 px, 16:9

    def __init__(
        self,
        model: SocialWebModel,
        *,
        total: int,
        votes: np.ndarray,
        limit: float,
        colour_by: ColourBy,
    ):
        self.model, self.total, self.colour_by, self.limit = model, total, colour_by, limit
        self.names = model.parties.names
        self.colours = party_colours(self.names)
        self.pos = spring_layout(model.graph, model.seed)
        self.x0 = model.population.x[:, 0].copy()
        self.sizes = marker_sizes(model.population.activity)
        w, h = self.WIDTH, self.HEIGHT
        fig = self.fig = Figure(figsize=(w, h), dpi=self.DPI)
        side = 4.6  # inches: the network's square
        ax_net = fig.add_axes([0.25 / w, 1.45 / h, side / w, side / h])
        ax_net.set(xticks=[], yticks=[])
        ax_net.add_collection(
            LineCollection(
                drawn_edges(model.graph, self.pos, seed=model.seed),
                colors=EDGE_COLOUR,
                linewidths=0.3,
                zorder=0,
            )
        )
        lo, hi = (-1.0, 1.0) if colour_by == "opinion" else (-limit, limit)
        self.scatters = {
            role: ax_net.scatter(
                [],
                [],
                c=[],
                cmap=OPINION_CMAP,
                vmin=lo,
                vmax=hi,
                marker=marker,
                edgecolors="k",
                linewidths=0.25,
                zorder=2 if role == "citizen" else 3,
            )
            for role, (marker, _) in ROLES.items()
        }
        ax_net.update_datalim(self.pos)
        ax_net.autoscale_view()
        handles, labels = role_handles()
        role_legend(
            fig,
            handles,
            labels,
            loc="center",
            bbox_to_anchor=(0.25 / w, 0.95 / h, side / w, 0.4 / h),
            ncol=3,
            fontsize=13,
        )
        positions = {p: model.config.parties[p].position[0] for p in self.names}
        opinion_scale(
            fig.add_axes([1.4 / w, 0.35 / h, (side - 2.3) / w, 0.22 / h]),
            colour_by=colour_by,
            limit=limit,
            parties={p: (positions[p], self.colours[p]) for p in self.names},
            fontsize=12,
        )

        ax = self.ax_vote = fig.add_axes([5.9 / w, 0.85 / h, 4.55 / w, 4.95 / h])
        percent = 100 * votes
        ax.set_xlim(0, max(total, 1))
        ax.set_ylim(*fitted_limits(percent, step=2.0, min_span=6.0))
        percent_axis(ax)
        ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
        ax.tick_params(labelsize=12)
        ax.grid(color="0.9", linewidth=0.6)
        ax.set_xlabel("day", fontsize=13)
        ax.set_title("Vote intention (% of the electorate)", fontsize=14)
        self.history: list[np.ndarray] = []
        self.lines = {p: ax.plot([], [], color=self.colours[p], lw=2.5)[0] for p in self.names}
        self.labels = {
            p: ax.annotate(
                "",
                (0, 0),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=13,
                fontweight="bold",
                color=self.colours[p],
            )
            for p in self.names
        }
        self.title = fig.suptitle("", fontsize=17, y=0.975)

    def draw(self, day: int) -> None:
        pop, model = self.model.population, self.model
        colour = pop.x[:, 0] if self.colour_by == "opinion" else pop.x[:, 0] - self.x0
        for role, scatter in self.scatters.items():
            mask = pop.role == ROLE_CODES[role]
            scatter.set_offsets(self.pos[mask])
            scatter.set_array(colour[mask])
            scatter.set_sizes(self.sizes[mask] * ROLES[role][1])
        self.history.append(np.array(model.vote, dtype=float))
        percent = 100 * np.array(self.history)
        for k, p in enumerate(self.names):
            self.lines[p].set_data(np.arange(len(self.history)), percent[:, k])
            self.labels[p].xy = (len(self.history) - 1, percent[-1, k])
            self.labels[p].set_text(f"{p} {percent[-1, k]:.1f} %")
        when = "election day" if day >= self.total else f"election on day {self.total}"
        self.title.set_text(f"{model.config.name} — Day {day} of {self.total} ({when})")


def animate(
    scenario: Scenario,
    out: Path,
    *,
    seed: int | None = None,
    steps: int | None = None,
    fps: int = 8,
    progress: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
    colour_by: ColourBy = "change since day 0",
) -> Path:
    """Run ``scenario`` and write its animation to ``out`` (.gif or .mp4).

    ``colour_by``: "change since day 0" (how far each person moved, on a scale fitted to the
    run) or "opinion" (on [-1, 1]). The frames go to a uniquely named hidden file beside ``out``,
    renamed to ``out`` when complete; an existing ``out`` is refused unless ``overwrite``.
    """
    out = Path(out)
    check_output(out, overwrite=overwrite)
    if colour_by not in COLOUR_BY:
        raise AnimationError(
            f"colour_by: expected one of {', '.join(COLOUR_BY)}, got {colour_by!r}"
        )
    seed = scenario.seed if seed is None else seed
    total = scenario.steps if steps is None else int(steps)
    votes, limit = _preview(scenario, seed, total)
    model = SocialWebModel(scenario, seed=seed, agents="parties")
    frame = Frame(model, total=total, votes=votes, limit=limit, colour_by=colour_by)

    writer = (
        FFMpegWriter(fps=fps, codec="libx264", extra_args=["-pix_fmt", "yuv420p"])
        if out.suffix.lower() == ".mp4"
        else PillowWriter(fps=fps)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{out.stem}.", suffix=f".partial{out.suffix}", dir=out.parent
    )
    os.close(handle)
    tmp = Path(name)
    try:
        with writer.saving(frame.fig, str(tmp), dpi=Frame.DPI):
            frame.draw(0)
            writer.grab_frame()
            for step in range(1, total + 1):
                model.step()
                frame.draw(step)
                writer.grab_frame()
                if progress:
                    progress(step, total)
        tmp.replace(out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out
