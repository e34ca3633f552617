"""The classroom app: a Solara page around a Mesa model (``socialweb app [SCENARIO.yaml]``).

One world — the scenario (default ``scenarios/classroom.yaml``) with the sliders applied to its
first party — or, in side-by-side mode, three worlds in lockstep on the same seed and network:
the first party absent online, on its official account only, and with a champion programme,
so a class sees only the strategy differ, with a table of the paired differences. The network
layout is computed once per Reset and kept between steps. Figures use matplotlib (no vega
assets needed) and run fully offline once ``scripts/solara-assets`` has filled Solara's cache.

**One shared world.** The server holds one :class:`Classroom`: one model, one set of slider
values, one Play. Every tab shows it and drives it — a slider moved or Step pressed in one tab
is seen in every other tab at once, and a new tab opens on the current world and sliders. Play
runs in one thread of the server (not in a tab) and stops on election day, when a tab presses
pause or Reset, or when no tab has been connected for :data:`ALONE_GRACE` seconds. This is why
the page does not use Mesa's ``SolaraViz``: its controller keeps Play, the slider values and
the model per tab (a second tab saw a stale world with default sliders; a closed playing tab's
thread kept stepping), and it shows Play/Render Interval and Use Threads, which a class does not
need.

Layout at 1600 x 1000 px: the day ("Day 37 of 120") in the app bar, always in sight; the sidebar
holds the controls and the sliders, each showing its value; one world: the network beside the
charts; side by side: the three networks across the page's full width (readable on a
projector), the comparison table and the charts in a row beneath. Reset takes a few seconds
(the network layout): the button reads "Resetting…" and a progress bar runs until the new
world is drawn.

Speed: a step must render well inside the play interval (150 ms). Each figure is built once per
Reset and drawn by blitting (:class:`Blitted`): its static part once, then per step only the
people, titles and lines, written as PNG at zlib level 1. Play draws each step once, in its own
thread; tabs only send the cached PNGs. ``benchmarks/bench_app.py`` measures it.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import itertools
import os
import struct
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import mesa
import numpy as np
import solara
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from model.animate import (
    COLOUR_BY,
    EDGE_COLOUR,
    OPINION_CMAP,
    ROLE_CODES,
    ROLES,
    ColourBy,
    change_limit,
    drawn_edges,
    fitted_limits,
    marker_sizes,
    nice_above,
    opinion_scale,
    percent_axis,
    role_handles,
    role_legend,
)
from model.config import Scenario
from model.config.load import apply_overrides, scenario_from_dict, scenario_to_dict
from model.network.csr import Graph
from model.plots import party_colours, spring_layout
from model.runner import load_scenario
from model.sim import SocialWebModel

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.yaml"
FEEDS = ["chronological", "similarity", "engagement"]
STRATEGIES = ("party absent", "institution only", "champion driven")

DPI = 100
PANEL = 4.4  # inches (440 px) per network panel: three side by side span a projected page
STYLES = ("-", "--", ":")  # line style per world in the charts
BURNOUT = "0.55"  # grey
PLAY_INTERVAL = 0.15  # s from one step's start to the next while playing
ALONE_GRACE = 2.0  # s without a connected tab before Play stops (a reload reconnects in < 1 s)
A = TypeVar("A", bound=Artist)
_DRAWING = threading.RLock()


def scenario_path() -> Path:
    return Path(os.environ.get("SOCIALWEB_APP_SCENARIO", DEFAULT_SCENARIO))


def _variant(base: Scenario, overrides: dict) -> Scenario:
    return scenario_from_dict(
        apply_overrides(scenario_to_dict(base), overrides), source=f"<{base.name}>"
    )


def strategy_worlds(base: Scenario, focal: str) -> dict[str, Scenario]:
    """The three reference strategies for ``focal`` on the base scenario's population."""
    party = base.parties[focal]
    per_1000 = 1000.0 / base.population.citizens  # one person, per 1,000 citizens
    staff = max(party.staff.per_1000, 2 * per_1000)
    off = {
        f"parties.{focal}.staff.per_1000": 0,
        f"parties.{focal}.champions.enabled": False,
        f"parties.{focal}.champions.initial_per_1000": 0,
    }
    return {
        "party absent": _variant(base, {f"parties.{focal}.institution.enabled": False, **off}),
        "institution only": _variant(base, {f"parties.{focal}.institution.enabled": True, **off}),
        "champion driven": _variant(
            base,
            {
                f"parties.{focal}.institution.enabled": True,
                f"parties.{focal}.staff.per_1000": staff,
                f"parties.{focal}.champions.enabled": True,
                f"parties.{focal}.champions.initial_per_1000": max(
                    party.champions.initial_per_1000, per_1000
                ),
            },
        ),
    }


_LAYOUTS: OrderedDict[tuple[int, int, str], np.ndarray] = OrderedDict()
_LAYOUTS_KEPT = 8
_SERIALS = itertools.count(1)


def network_layout(graph: Graph, seed: int) -> np.ndarray:
    """The citizens' positions for drawing: networkx's spring layout, seeded — the slow part
    of a Reset (~2.5 s for 500 citizens), so the last few networks' layouts are kept. The
    sliders do not change the citizens' network, so a Reset with the same seed is quick."""
    digest = hashlib.blake2b(graph.indptr.tobytes(), digest_size=16)
    digest.update(graph.indices.tobytes())
    key = (int(seed), graph.n, digest.hexdigest())
    with _DRAWING:
        if key in _LAYOUTS:
            _LAYOUTS.move_to_end(key)
            return _LAYOUTS[key]
    layout = spring_layout(graph, seed)
    with _DRAWING:
        _LAYOUTS[key] = layout
        while len(_LAYOUTS) > _LAYOUTS_KEPT:
            _LAYOUTS.popitem(last=False)
    return layout


def classroom_worlds(
    champions: int = 5,
    guidance: float = 0.3,
    institution_trust: float = 0.5,
    feed_algorithm: str = "chronological",
    seen_per_day: int = 171,
    backfire: bool = False,
    side_by_side: bool = False,
) -> tuple[str | None, dict[str, Scenario]]:
    """The focal party and the scenario(s) of a classroom world with these slider values:
    the classroom scenario, or its three strategies side by side."""
    base = load_scenario(scenario_path())
    focal = next(iter(base.parties), None)
    overrides = {
        "feed.algorithm": feed_algorithm,
        # posts seen a day (Backstrom 2013: ~300 shown, 57 % read); attention follows
        # (docs/MODEL.md, step 2)
        "feed.seen_per_day": float(seen_per_day),
        "opinion.backfire": bool(backfire),
    }
    if focal:
        p = f"parties.{focal}"
        # the slider counts champions in this (small) class world; scenarios say per 1,000
        founding = int(champions) * 1000.0 / base.population.citizens
        overrides |= {
            f"{p}.champions.initial_per_1000": founding,
            f"{p}.champions.max_per_1000": max(
                founding, base.parties[focal].champions.max_per_1000
            ),
            f"{p}.champions.guidance": float(guidance),
            f"{p}.institution.trust": float(institution_trust),
        }
    if focal and int(champions) > 0:
        overrides[f"parties.{focal}.champions.enabled"] = True
    scenario = _variant(base, overrides)
    if side_by_side and focal:
        scenarios = strategy_worlds(scenario, focal)
    else:
        scenarios = {scenario.name: scenario}
    return focal, scenarios


class ClassroomModel(mesa.Model):
    """One or three SocialWebModels stepped in lockstep, with the class's sliders applied."""

    def __init__(self, seed: int = 0, **sliders: Any):
        """``sliders``: the keyword arguments of :func:`classroom_worlds`."""
        super().__init__(rng=int(seed))
        self.focal, scenarios = classroom_worlds(**sliders)
        self.worlds = {
            name: SocialWebModel(s, seed=int(seed), agents="parties")
            for name, s in scenarios.items()
        }
        first = next(iter(self.worlds.values()))
        self.election_day = max(w.config.steps for w in self.worlds.values())
        self.layout = network_layout(first.citizen_graph, first.seed)
        self.serial = next(_SERIALS)  # which world this is, since the server started
        self._pictures: Pictures | None = None

    @property
    def day(self) -> int:
        """Steps taken since the last Reset."""
        return next(iter(self.worlds.values())).step_count

    def step(self) -> None:
        if not self.running:  # election day has passed: Step does nothing, Play stops
            return
        for world in self.worlds.values():
            world.step()
        self.running = all(world.running for world in self.worlds.values())

    def pictures(self) -> Pictures:
        """The app's figures of this model, built on first use (kept until the next Reset)."""
        with _DRAWING:
            if self._pictures is None:
                self._pictures = Pictures(self)
            return self._pictures


# --- the figures ---------------------------------------------------------------------------------


def _positions(world: SocialWebModel, layout: np.ndarray) -> np.ndarray:
    """Citizens at their layout position; each staff member at the centre of its contacts."""
    n_c = world.population.citizens
    pos = np.zeros((world.population.n, 2))
    pos[:n_c] = layout
    g = world.graph
    for row in range(n_c, world.population.n):
        contacts = g.neighbours(row)
        contacts = contacts[contacts < n_c]
        pos[row] = layout[contacts].mean(axis=0) if contacts.size else (0.0, 0.0)
    return pos


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def _png(canvas: FigureCanvasAgg) -> bytes:
    """The canvas's pixels as an RGB PNG: no row filter, zlib level 1.

    Written directly because it is the largest cost left in a step: Pillow (adaptive row
    filters) takes ~17 ms for the three networks and matplotlib's savefig (zlib level 6) more,
    this ~10 ms, and the file is no larger (flat backgrounds compress well unfiltered).
    """
    width, height = canvas.get_width_height(physical=True)
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "none" for every row
    rows[:, 1:] = np.asarray(canvas.buffer_rgba())[:, :, :3].reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)),
            _chunk(b"IEND", b""),
        )
    )


class Blitted:
    """A figure drawn by blitting: what stays put (edges, axes, ticks, labels, legends) is drawn
    once into a background; each frame restores it and draws only the moving artists over it.

    A full draw of the charts costs ~60 ms (ticks and text, mostly); restoring the background
    costs ~0.2 ms, drawing 500 people ~4 ms, a line well under 1 ms. Call
    :meth:`redraw_background` when something static changes (axis limits, the colour scale).
    """

    def __init__(self, fig: Figure):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.moving: list[Artist] = []
        self._background = None

    def moving_artist(self, artist: A) -> A:
        """Mark ``artist`` as redrawn every frame (drawn in the order of these calls)."""
        artist.set_animated(True)  # canvas.draw() leaves animated artists out of the background
        self.moving.append(artist)
        return artist

    def redraw_background(self) -> None:
        self._background = None

    def png(self) -> bytes:
        if self._background is None:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self.moving:
            artist.draw(renderer)
        return _png(self.canvas)


def _inches(fig: Figure, left: float, bottom: float, width: float, height: float) -> list[float]:
    """An axes rectangle given in inches, as figure fractions."""
    fw, fh = fig.get_size_inches()
    return [left / fw, bottom / fh, width / fw, height / fh]


def _focal_series(world: SocialWebModel, metric: str, party: str) -> np.ndarray:
    """One metric of one party over the days so far (share of voice: summed over sources)."""
    frame = world.datacollector.model_vars
    keys = [k for k in frame if k.split("|")[:2] == [metric, party]]
    return np.sum([np.asarray(frame[k], dtype=float) for k in keys], axis=0)


class NetworkPicture:
    """One panel per world: colour = opinion change since day 0 (or opinion), marker = role,
    size = activity, fixed layout; a light random third of the ties is drawn.

    Ties, frames, party accounts, the legend and the colour scale are the background; the
    people (their role and colour change) and the titles (vote shares) move. The scale of the
    change grows in nice steps (0.02, 0.05, 0.1, …) as people move; each growth and each switch
    of what the colour shows redraws the background.
    """

    TITLE, MARGIN = 0.55, 0.1  # inches: title band above each panel, margin around its axes

    def __init__(self, model: ClassroomModel):
        worlds = model.worlds
        n = len(worlds)
        strip = 0.62 if n > 1 else 1.25  # legend and colour scale: one row, or two rows
        side = PANEL - 2 * self.MARGIN
        fig = Figure(figsize=(PANEL * n, strip + side + self.TITLE + self.MARGIN), dpi=DPI)
        self.blit = Blitted(fig)
        self.panels = []
        first = next(iter(worlds.values()))
        for k, (name, world) in enumerate(worlds.items()):
            ax = fig.add_axes(_inches(fig, k * PANEL + self.MARGIN, strip, side, side))
            ax.set(xlim=(-1.12, 1.12), ylim=(-1.12, 1.18), xticks=[], yticks=[])
            pos = _positions(world, model.layout)
            edges = drawn_edges(world.citizen_graph, pos, seed=first.seed)
            ax.add_collection(LineCollection(edges, colors=EDGE_COLOUR, linewidths=0.3, zorder=0))
            colours = party_colours(world.parties.names)
            for j, party in enumerate(world.parties.names):
                if world.config.parties[party].institution.enabled:
                    ax.scatter(
                        [-1.02 + 0.22 * j],
                        [1.08],
                        marker="D",
                        s=110,
                        c=colours[party],
                        edgecolors="k",
                        zorder=3,
                    )
            people = {
                role: self.blit.moving_artist(
                    ax.scatter(
                        np.zeros(0),
                        np.zeros(0),
                        c=np.zeros(0),
                        cmap=OPINION_CMAP,
                        marker=marker,
                        edgecolors="k",
                        linewidths=0.25,
                        zorder=2,
                    )
                )
                for role, (marker, _) in ROLES.items()
            }
            title = self.blit.moving_artist(ax.set_title("", fontsize=12, linespacing=1.3))
            x0 = world.population.x[:, 0].copy()
            sizes = marker_sizes(world.population.activity)
            self.panels.append((name, world, pos, people, title, x0, sizes))
        names = first.parties.names
        colours = party_colours(names)
        self.parties = {p: (first.config.parties[p].position[0], colours[p]) for p in names}
        self.scale = self._legend(fig, list(worlds.values()), strip)
        self.colour_by: ColourBy | None = None
        self.limit = change_limit(np.zeros(0))

    @staticmethod
    def _legend(fig: Figure, worlds: list[SocialWebModel], strip: float) -> Axes:
        """Roles and party accounts in the strip under the panels; the colour scale's axes."""
        handles, labels = role_handles()
        names = worlds[0].parties.names
        colours = party_colours(names)
        for party in names:
            if any(w.config.parties[party].institution.enabled for w in worlds):
                handles.append(Line2D([], [], ls="", marker="D", ms=9, mfc=colours[party], mec="k"))
                labels.append(f"{party} account")
        width, height = fig.get_size_inches()
        if len(worlds) > 1:  # one row: legend on the left, colour scale on the right
            box = (0.0, 0.0, 0.55, strip / height)
            scale = _inches(fig, 0.67 * width, 0.14, 0.2 * width, 0.16)
            ncol = len(handles)
        else:  # legend in two rows, colour scale below
            box = (0.0, 0.62 / height, 1.0, 0.6 / height)
            scale = _inches(fig, 0.3 * width, 0.14, 0.4 * width, 0.15)
            ncol = 3
        role_legend(fig, handles, labels, loc="center", bbox_to_anchor=box, ncol=ncol, fontsize=11)
        return fig.add_axes(scale)

    def update(self, colour_by: ColourBy) -> bytes:
        """Move the people and titles to the worlds' current state; the figure as PNG."""
        change = colour_by != "opinion"
        if change:
            moved = np.concatenate(
                [w.population.x[:, 0] - x0 for _, w, _, _, _, x0, _ in self.panels]
            )
            limit = max(self.limit, change_limit(moved))
        else:
            limit = self.limit
        if colour_by != self.colour_by or limit != self.limit:
            self.colour_by, self.limit = colour_by, limit
            opinion_scale(self.scale, colour_by=colour_by, limit=limit, parties=self.parties)
            self.blit.redraw_background()
        lo, hi = (-limit, limit) if change else (-1.0, 1.0)
        for name, world, pos, people, title, x0, sizes in self.panels:
            pop = world.population
            colour = pop.x[:, 0] - x0 if change else pop.x[:, 0]
            for role, (_, scale) in ROLES.items():
                mask = pop.role == ROLE_CODES[role]
                people[role].set_offsets(pos[mask])
                people[role].set_array(colour[mask])
                people[role].set_clim(lo, hi)
                people[role].set_sizes(sizes[mask] * scale)
            votes = ", ".join(
                f"{p} {100 * v:.1f} %" for p, v in zip(world.parties.names, world.vote, strict=True)
            )
            title.set_text(f"{name}\n{votes}")
        return self.blit.png()


class ChartsPicture:
    """Vote intention (%), share of voice (%), champions and burnouts, polarisation over time;
    side by side, also the paired difference of the first party's vote from the first world.

    Colour = party, line style = world (side by side). The y axes are fitted to the data and
    only ever grow, in whole steps (vote: 2 percentage points; share of voice: 10; champions:
    10, 20, 50, …; polarisation: 0.5, then 1; difference: ±1, 2, 5 points), so the axes, ticks
    and legend are a background redrawn a handful of times per run, not every step. The day
    axis spans the campaign (the scenario's length) from the start.
    """

    def __init__(self, model: ClassroomModel, height: float):
        """``height``: of the network figure in inches, which one world's charts match."""
        worlds = model.worlds
        n = len(worlds)
        if n > 1:  # a strip under the three networks, as wide as they are
            fig = Figure(figsize=(PANEL * n, 2.9), dpi=DPI)
            fig.subplots_adjust(left=0.045, right=0.99, bottom=0.18, top=0.74, wspace=0.32)
            axes = fig.subplots(1, 5)
            self.vote, self.effect, self.voice, self.champions, self.polarisation = axes
        else:  # beside the network, as tall as it is
            fig = Figure(figsize=(1.5 * PANEL, height), dpi=DPI)
            fig.subplots_adjust(
                left=0.1, right=0.98, bottom=0.07, top=0.88, wspace=0.32, hspace=0.35
            )
            axes = fig.subplots(2, 2).ravel()
            self.vote, self.voice, self.champions, self.polarisation = axes
            self.effect = None
        self.blit = Blitted(fig)
        self.lines: list[tuple[Line2D, SocialWebModel, str, str, float]] = []
        self.effect_lines: list[tuple[Line2D, SocialWebModel]] = []
        self.focal = model.focal
        first = next(iter(worlds.values()))
        parties: dict[str, str] = {}
        any_champions = False
        for w, world in enumerate(worlds.values()):
            ls = STYLES[w % len(STYLES)]
            colours = party_colours(world.parties.names)
            parties |= colours
            for party in world.parties.names:
                c = colours[party]
                self._line(self.vote, world, "vote_share", party, 100.0, ls=ls, color=c)
                self._line(self.voice, world, "share_of_voice", party, 100.0, ls=ls, color=c)
                if world.config.parties[party].champions.enabled:
                    any_champions = True
                    for metric, colour in (("active_champions", c), ("burnouts", BURNOUT)):
                        self._line(self.champions, world, metric, party, 1.0, ls=ls, color=colour)
            self._line(self.polarisation, world, "polarization", "", 1.0, ls=ls, color="k")
            if self.effect is not None and w > 0 and self.focal:
                (line,) = self.effect.plot([], [], lw=1.8, ls=ls, color=parties[self.focal])
                self.effect_lines.append((self.blit.moving_artist(line), world))
        self.first = first
        titles = [
            (self.vote, "Vote intention (%)"),
            (self.voice, "Share of voice (%)"),
            (self.champions, "Champions: active, burnt out"),
            (self.polarisation, "Polarisation (variance)"),
        ]
        if self.effect is not None:
            titles.append((self.effect, f"{self.focal} vote vs {next(iter(worlds))} (pp)"))
            self.effect.axhline(0, color="k", lw=1.0, ls=STYLES[0])
        for ax, title in titles:
            ax.set_title(title, fontsize=11.5)
            ax.tick_params(labelsize=9)
            ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]))
            ax.grid(color="0.92", linewidth=0.6)
            ax.set_xlim(0, model.election_day)
        for ax in (self.vote, self.voice):
            percent_axis(ax)
        if not any_champions:
            self.champions.text(
                0.5,
                0.5,
                "no champion programme",
                ha="center",
                va="center",
                color="0.5",
                transform=self.champions.transAxes,
                fontsize=10,
            )
        for ax in axes[-2:] if n == 1 else axes:
            ax.set_xlabel("day", fontsize=10, labelpad=1)
        self.ylims: dict[Axes, tuple[float, float] | None] = {ax: None for ax in axes}

        handles = [Line2D([], [], color=c, lw=2, label=p) for p, c in parties.items()]
        if any_champions:
            handles.append(Line2D([], [], color=BURNOUT, lw=2, label="burnouts"))
        if n > 1:
            handles += [
                Line2D([], [], color="k", ls=STYLES[w % len(STYLES)], lw=1.5, label=name)
                for w, name in enumerate(worlds)
            ]
        fig.legend(
            handles=handles,
            loc="upper center",
            ncol=len(handles),
            fontsize=10.5,
            frameon=False,
            bbox_to_anchor=(0.5, 1.0),
            handlelength=2.5,
            columnspacing=1.5,
        )

    def _line(
        self, ax: Axes, world: SocialWebModel, metric: str, party: str, factor: float, **style
    ) -> Line2D:
        (line,) = ax.plot([], [], lw=1.8, **style)
        self.blit.moving_artist(line)
        self.lines.append((line, world, metric, party, factor))
        return line

    def _wanted(self, ax: Axes) -> tuple[float, float]:
        """The y limits ``ax``'s lines need (grown from its current ones, never shrunk)."""
        now = self.ylims[ax]
        ys = [line.get_ydata() for line in ax.lines if line.get_animated()]
        values = np.concatenate(ys) if ys else np.zeros(0)
        top = float(np.max(values, initial=0.0))
        if ax is self.vote:
            return fitted_limits(values, step=2.0, min_span=6.0, now=now)
        if ax is self.voice:
            lo, hi = fitted_limits(values, step=10.0, min_span=20.0, now=now)
            return max(lo, 0.0), min(hi, 100.0)
        if ax is self.effect:
            reach = float(np.max(np.abs(values), initial=0.0))
            half = max(nice_above(reach * 1.25), 1.0, now[1] if now else 0.0)
            return -half, half
        if ax is self.champions:
            return 0.0, max(10.0, nice_above(top * 1.2), now[1] if now else 0.0)
        return 0.0, max(0.5, nice_above(top), now[1] if now else 0.0)  # polarisation

    def update(self) -> bytes:
        """Lines up to the worlds' current day; limits grown if needed; the figure as PNG."""
        for line, world, metric, party, factor in self.lines:
            y = factor * _focal_series(world, metric, party)
            line.set_data(np.arange(y.size), y)
        if self.effect_lines:
            base = 100 * _focal_series(self.first, "vote_share", self.focal)
            for line, world in self.effect_lines:
                y = 100 * _focal_series(world, "vote_share", self.focal) - base
                line.set_data(np.arange(y.size), y)
        grow = False
        for ax, now in self.ylims.items():
            wanted = self._wanted(ax)
            if wanted != now:
                self.ylims[ax] = wanted
                ax.set_ylim(*wanted)
                grow = True
        if grow:
            self.blit.redraw_background()
        return self.blit.png()


class Pictures:
    """The two images of one ClassroomModel, drawn at most once per step and colouring."""

    def __init__(self, model: ClassroomModel):
        self.model = model
        self.network = NetworkPicture(model)
        self.charts = ChartsPicture(model, height=self.network.blit.fig.get_size_inches()[1])
        self._key: tuple[int, str] | None = None
        self._png = (b"", b"")

    def png(self, colour_by: ColourBy = COLOUR_BY[0]) -> tuple[bytes, bytes]:
        """(network, charts) PNG bytes of the model's current step."""
        with _DRAWING:  # matplotlib is not thread-safe; play runs steps in a thread
            key = (self.model.day, colour_by)
            if self._key != key:
                charts = self._png[1] if self._key and self._key[0] == key[0] else None
                self._png = (self.network.update(colour_by), charts or self.charts.update())
                self._key = key
            return self._png


def comparison_rows(model: ClassroomModel) -> list[dict[str, Any]]:
    """Side by side: each world's first-party vote and share of voice today (in %), their paired
    differences from the first world (in percentage points), and its champions."""
    if not model.focal or len(model.worlds) < 2:
        return []
    focal = model.focal
    rows = []
    base: dict[str, float] = {}
    for name, world in model.worlds.items():
        vote = 100 * float(world.vote[world.parties.names.index(focal)])
        voice = 100 * float(_focal_series(world, "share_of_voice", focal)[-1])
        row = {"world": name, "vote": vote, "voice": voice}
        if world.config.parties[focal].champions.enabled:
            row["champions"] = int(_focal_series(world, "active_champions", focal)[-1])
            row["burnouts"] = int(_focal_series(world, "burnouts", focal)[-1])
        base = base or {"vote": vote, "voice": voice}
        row["vote_diff"] = vote - base["vote"]
        row["voice_diff"] = voice - base["voice"]
        rows.append(row)
    return rows


MANY_SEEDS = 10  # seeds of the app's paired comparison to election day


def many_seeds(
    params: dict[str, Any],
    seeds: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The side-by-side strategies run to election day on ``seeds`` seeds (replicate seeds of
    the world's seed, ``rng.replicate_seeds``, the same for every strategy): each strategy's
    focal vote share and its paired difference from the first, mean and 95 % Student-t interval
    over the seeds (``comparison.mean_ci``), in percent and percentage points. ``seeds``:
    MANY_SEEDS when omitted."""
    from model.comparison import mean_ci
    from model.rng import replicate_seeds
    from model.runner import run

    seeds = MANY_SEEDS if seeds is None else seeds
    kwargs = model_kwargs(params)
    focal, worlds = classroom_worlds(
        **{k: v for k, v in kwargs.items() if k != "seed"} | {"side_by_side": True}
    )
    if not focal or len(worlds) < 2:
        return {"seeds": 0, "rows": []}
    seed_list = replicate_seeds(int(kwargs["seed"]), seeds)
    votes = np.zeros((len(worlds), seeds))
    total, done = len(worlds) * seeds, 0
    for r, seed in enumerate(seed_list):
        for k, scenario in enumerate(worlds.values()):
            votes[k, r] = 100.0 * run(scenario, seed=seed).summary["final"]["vote_share"][focal]
            done += 1
            if progress is not None:
                progress(done, total)
    rows = []
    for k, name in enumerate(worlds):
        row = {"world": name, "vote": mean_ci(votes[k])}
        if k:
            row["diff"] = mean_ci(votes[k] - votes[0])
        rows.append(row)
    return {
        "seeds": seeds,
        "focal": focal,
        "election_day": max(w.steps for w in worlds.values()),
        "rows": rows,
    }


# --- the shared classroom ----------------------------------------------------------------------

model_params: dict[str, dict[str, Any]] = {
    "seed": {"type": "InputText", "value": 0, "label": "Seed"},
    "champions": {
        "type": "SliderInt",
        "value": 5,
        "label": "Champions",
        "min": 0,
        "max": 60,
        "step": 1,
    },
    "guidance": {
        "type": "SliderFloat",
        "value": 0.3,
        "label": "Guidance",
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
    },
    "institution_trust": {
        "type": "SliderFloat",
        "value": 0.5,
        "label": "Institution trust",
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
    },
    "feed_algorithm": {
        "type": "Select",
        "value": "chronological",
        "values": FEEDS,
        "label": "Feed algorithm",
    },
    "seen_per_day": {  # in steps of 100 posts shown a day × 57 % read (docs/MODEL.md)
        "type": "SliderInt",
        "value": 171,
        "label": "Posts seen a day",
        "min": 57,
        "max": 1710,
        "step": 57,
    },
    "backfire": {"type": "Checkbox", "value": False, "label": "Backfire"},
    "side_by_side": {
        "type": "Checkbox",
        "value": False,
        "label": "Side by side (three strategies)",
    },
}


def default_params() -> dict[str, Any]:
    return {name: spec["value"] for name, spec in model_params.items()}


def model_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """The ClassroomModel arguments of the inputs' values (the seed typed as text)."""
    try:
        seed = int(str(params["seed"]).strip())
    except ValueError:
        raise ValueError(f"Seed: expected a whole number, got {params['seed']!r}") from None
    return {**params, "seed": seed}


def _kernel_status() -> tuple[Callable[[], bool], Callable[[], bool]]:
    """``(connected, closed)`` of the tab rendering now: whether its Solara kernel has a
    connected page (a page that lost its websocket may reconnect), whether it is closed (the
    tab is gone for good: Solara closes the kernel when a tab is closed or after its cull time).

    Outside a Solara server (``solara.render`` in tests) a tab is connected while it is mounted.
    """
    from solara.server import kernel_context

    if not kernel_context.has_current_context():
        return (lambda: True), (lambda: False)
    context = kernel_context.get_current_context()

    def connected() -> bool:
        status = tuple(context.page_status.values())
        return not context.closed_event.is_set() and (
            not status or kernel_context.PageStatus.CONNECTED in status
        )

    return connected, context.closed_event.is_set


class Classroom:
    """The one world every tab shows and drives: the model, the slider values, Play.

    Thread-safe. Every change bumps :attr:`version` and wakes the tabs waiting in :meth:`wait`.
    Play steps in a thread of its own, drawing each step once (tabs only send the PNGs), and
    stops on election day, on :meth:`pause` or :meth:`reset`, or when no tab has been connected
    for ``grace`` seconds. Reset builds the new world in a thread (:meth:`start_reset`): it takes
    seconds, and every tab shows it is working meanwhile.
    """

    def __init__(
        self,
        params: dict[str, Any] | None = None,
        *,
        play_interval: float = PLAY_INTERVAL,
        grace: float = ALONE_GRACE,
    ):
        self.params = default_params() | (params or {})
        self.applied: dict[str, Any] = {}  # the parameters of the current model
        self.colour_by: ColourBy = COLOUR_BY[0]
        self.play_interval, self.grace = play_interval, grace
        self.version = 0
        self.playing = False
        self.resetting = False
        self.error = ""
        # the comparison over many seeds (many_seeds) of the current world's sliders
        self.many: dict[str, Any] | None = None
        self.many_progress: tuple[int, int] | None = None  # (done, total) while it runs
        self._many_for: int | None = None  # the model serial the results belong to
        self._model: ClassroomModel | None = None
        self._lock = threading.Condition(threading.RLock())  # the state above
        self._stepping = threading.RLock()  # the model's own state: one step at a time
        self._tabs: dict[int, Callable[[], bool]] = {}
        self._tab_ids = itertools.count()
        self._plays = itertools.count()
        self._play = -1  # which play thread may step

    # -- reading
    @property
    def model(self) -> ClassroomModel:
        """The current model (the first one is built on first use, with the current sliders)."""
        with self._lock:
            if self._model is None:
                self._model = ClassroomModel(**model_kwargs(self.params))
                self.applied = dict(self.params)
            return self._model

    def pending(self) -> list[str]:
        """Labels of the sliders moved since the last Reset (not yet in the world)."""
        _ = self.model
        return [
            spec["label"]
            for name, spec in model_params.items()
            if self.params[name] != self.applied.get(name)
        ]

    def wait(self, seen: int | None, timeout: float) -> int:
        """Block until :attr:`version` differs from ``seen`` (or ``timeout`` s); return it."""
        with self._lock:
            self._lock.wait_for(lambda: self.version != seen, timeout)
            return self.version

    def _changed(self) -> None:
        with self._lock:
            self.version += 1
            self._lock.notify_all()

    # -- tabs
    def connect(self, live: Callable[[], bool]) -> int:
        """Register a tab; ``live()`` says whether it is still connected. Returns its id."""
        with self._lock:
            tab = next(self._tab_ids)
            self._tabs[tab] = live
            return tab

    def disconnect(self, tab: int) -> None:
        with self._lock:
            self._tabs.pop(tab, None)

    def tabs(self) -> int:
        """How many tabs are connected now."""
        with self._lock:
            live = list(self._tabs.values())
        return sum(1 for is_live in live if is_live())

    # -- acting (any tab)
    def set_param(self, name: str, value: Any) -> None:
        if name not in model_params:
            raise KeyError(name)
        if model_params[name]["type"] == "InputText":
            with contextlib.suppress(ValueError):
                value = int(str(value).strip())
        with self._lock:
            if self.params.get(name) != value:
                self.params = {**self.params, name: value}
                self._changed()

    def set_colour_by(self, colour_by: ColourBy) -> None:
        with self._lock:
            if colour_by in COLOUR_BY and colour_by != self.colour_by:
                self.colour_by = colour_by
                self._changed()

    def step(self) -> None:
        """One day, drawn (ignored while playing or resetting, and after election day)."""
        with self._stepping:
            with self._lock:
                if self.playing or self.resetting:
                    return
                model = self.model
            self._advance(model)

    def _advance(self, model: ClassroomModel) -> None:
        model.step()
        model.pictures().png(self.colour_by)
        with self._lock:
            if not model.running:
                self.playing = False
            self._changed()

    def play(self) -> None:
        with self._lock:
            if self.playing or self.resetting or not self.model.running:
                return
            self.playing = True
            self._play = next(self._plays)
            threading.Thread(
                target=self._play_loop, args=(self._play,), name="classroom-play", daemon=True
            ).start()
            self._changed()

    def pause(self) -> None:
        with self._lock:
            if self.playing:
                self.playing = False
                self._changed()

    def _play_loop(self, me: int) -> None:
        alone_since: float | None = None
        while True:
            start = time.perf_counter()
            with self._stepping:
                with self._lock:
                    if not self.playing or self._play != me:
                        return
                    model = self.model
                if self.tabs():
                    alone_since = None
                    self._advance(model)
                else:  # nobody watching: wait, and stop if it lasts
                    alone_since = alone_since or start
                    if start - alone_since >= self.grace:
                        with self._lock:
                            if self._play == me:
                                self.playing = False
                                self._changed()
                        return
            time.sleep(max(0.0, self.play_interval - (time.perf_counter() - start)))

    def compare_many(self) -> None:
        """Run the three strategies to election day on MANY_SEEDS seeds with the current
        world's sliders (blocks; :meth:`start_compare_many` runs it in a thread)."""
        with self._lock:
            if self.many_progress is not None:
                return
            params, serial = dict(self.applied), self.model.serial
            self.many_progress = (0, 1)
            self._changed()

        def progress(done: int, total: int) -> None:
            with self._lock:
                self.many_progress = (done, total)
                self._changed()

        try:
            result = many_seeds(params, progress=progress)
            error = ""
        except Exception as err:  # noqa: BLE001 - shown on the page
            result, error = None, str(err)
        with self._lock:
            self.many_progress = None
            if self._model is not None and self._model.serial == serial:
                self.many, self._many_for, self.error = result, serial, error or self.error
            self._changed()

    def start_compare_many(self) -> threading.Thread | None:
        with self._lock:
            if self.many_progress is not None:
                return None
        thread = threading.Thread(target=self.compare_many, name="classroom-many", daemon=True)
        thread.start()
        return thread

    def many_results(self) -> dict[str, Any] | None:
        """The comparison over many seeds, if it belongs to the world shown now."""
        with self._lock:
            if self._model is not None and self._many_for == self._model.serial:
                return self.many
            return None

    def reset(self) -> None:
        """A new world from the current sliders (blocks for the seconds that takes)."""
        params = self._begin_reset()
        if params is not None:
            self._build(params)

    def start_reset(self) -> threading.Thread | None:
        """:meth:`reset` in a thread: the page stays responsive and shows it is working.

        Every tab shows "Resetting…" from this call on; None if a reset is already running."""
        params = self._begin_reset()
        if params is None:
            return None
        thread = threading.Thread(
            target=self._build, args=(params,), name="classroom-reset", daemon=True
        )
        thread.start()
        return thread

    def _begin_reset(self) -> dict[str, Any] | None:
        with self._lock:
            if self.resetting:
                return None
            self.resetting, self.playing, self.error = True, False, ""
            self._changed()
            return dict(self.params)

    def _build(self, params: dict[str, Any]) -> None:
        try:
            model = ClassroomModel(**model_kwargs(params))
            model.pictures().png(self.colour_by)  # drawn before it is shown
        except Exception as err:  # noqa: BLE001 - shown on the page; the old world stays
            with self._lock:
                self.resetting, self.error = False, str(err)
                self._changed()
            return
        with self._stepping, self._lock:
            self._model, self.applied = model, params
            self.resetting = False
            self._changed()


classroom = Classroom()


# --- the page --------------------------------------------------------------------------------


Act = Callable[..., None]  # act(action, *args): run a tab's action, then re-render the tab


def use_classroom(room: Classroom) -> Act:
    """Re-render this tab whenever the shared classroom changes; returns ``act``, which runs
    one of this tab's actions on the classroom and re-renders the tab at once, in the same
    event (so a click returns once its effect is drawn).

    Components below take the values they show as arguments: reacton re-renders a component
    only when its arguments change.

    A thread per tab waits on the classroom (in the tab's kernel context, so its renders are
    this tab's) and registers the tab with the classroom while it runs: until the tab is
    unmounted or its kernel closed. It waits while the tab's own action runs, which then
    re-renders the tab itself.
    """
    _, set_version = solara.use_state(-1)
    acting = solara.use_memo(threading.RLock, [])

    def watch(cancel: threading.Event) -> None:
        connected, closed = _kernel_status()
        tab = room.connect(connected)
        try:
            seen = None
            while not cancel.is_set() and not closed():
                now = room.wait(seen, timeout=0.5)
                if now != seen:
                    seen = now
                    with acting:
                        set_version(room.version)
        finally:
            room.disconnect(tab)

    solara.use_thread(watch, dependencies=[room], intrusive_cancel=False)

    def act(action: Callable[..., Any], *args: Any) -> None:
        with acting:
            action(*args)
            set_version(room.version)

    return act


def _fmt(spec: dict[str, Any], value: Any) -> str:
    if spec["type"] == "SliderFloat":
        return f"{float(value):.2f}"
    return f"{int(value):,}"


@solara.component
def ParamInput(room: Classroom, name: str, value: Any, act: Act):
    """One of the world's inputs, showing its current (shared) value.

    The input shows this tab's own copy of the value, which follows the shared one whenever
    that changes to something this tab did not send (another tab moved it): re-rendering from
    the shared value alone sent stale values back while a slider was being moved, and lost
    key presses.
    """
    spec = model_params[name]
    label = spec["label"]
    shown, set_shown = solara.use_state(value)
    sent = solara.use_ref(value)

    def follow() -> None:
        if value != sent.current:
            sent.current = value
            set_shown(value)

    solara.use_effect(follow, [value])

    def set_value(new: Any) -> None:
        if spec["type"] == "SliderInt":
            new = int(new)
        elif spec["type"] == "SliderFloat":
            new = round(float(new), 6)
        sent.current = new
        set_shown(new)
        act(room.set_param, name, new)

    if spec["type"] in ("SliderInt", "SliderFloat"):
        # the value beside the slider, as a sibling: a Text in the slider's "append" slot
        # vanished from the page when it changed
        with solara.Row(classes=["sw-slider-row"], style={"align-items": "center"}):
            solara.v.Slider(
                v_model=shown,
                on_v_model=set_value,
                label=label,
                min=spec["min"],
                max=spec["max"],
                step=spec["step"],
                hide_details=True,
                class_="sw-slider",
            )
            solara.Text(_fmt(spec, shown), classes=["sw-value"])
    elif spec["type"] == "Select":
        solara.Select(label, value=shown, values=spec["values"], on_value=set_value)
    elif spec["type"] == "Checkbox":
        solara.Checkbox(label=label, value=bool(shown), on_value=set_value)
    else:
        solara.InputText(label, value=str(shown), on_value=set_value, continuous_update=False)


@solara.component
def DayCounter(day: int, election_day: int):
    """The day, in the app bar: always in sight. (Its arguments are the values shown: the app
    bar is a portal that re-renders only when they change.)"""
    note = "election day" if day >= election_day else f"election on day {election_day}"
    with solara.Row(style={"align-items": "baseline", "gap": "28px", "background": "none"}):
        solara.Text("socialweb classroom", style={"font-size": "1.25rem"})
        solara.Text(
            f"Day {day} of {election_day}",
            style={"font-size": "1.7rem", "font-weight": "600"},
            classes=["sw-day"],
        )
        solara.Text(note, style={"font-size": "1.05rem", "opacity": "0.9"})


@solara.component
def Controls(
    room: Classroom,
    playing: bool,
    busy: bool,
    running: bool,
    error: str,
    act: Act,
):
    def on(action: Callable[[], Any]) -> Callable[[], None]:
        return lambda: act(action)

    with solara.Card("Controls", margin=0):
        with solara.Row(justify="space-between"):
            solara.Button(
                "Resetting…" if busy else "Reset",
                color="primary",
                on_click=on(room.start_reset),
                disabled=busy,
            )
            solara.Button(
                "❚❚" if playing else "▶",
                color="primary",
                on_click=on(room.pause if playing else room.play),
                disabled=busy or not running,
            )
            solara.Button(
                "Step",
                color="primary",
                on_click=on(room.step),
                disabled=busy or playing or not running,
            )
        if busy:
            solara.ProgressLinear(True)
            solara.Text("Building the new world…", style={"font-size": "0.9rem"})
        elif not running:
            solara.Text(
                "Election day: press Reset for a new campaign.", style={"font-size": "0.9rem"}
            )
        if error:
            solara.Error(error)


@solara.component
def Parameters(room: Classroom, params: dict[str, Any], pending: list[str], act: Act):
    with solara.Card("The world", subtitle="Sliders apply at the next Reset", margin=0):
        for name in model_params:
            ParamInput(room, name, params[name], act)
        if pending:
            solara.Warning(
                f"Changed since the last Reset: {', '.join(pending)}. Press Reset to apply.",
                dense=True,
            )


@solara.component
def Display(room: Classroom, colour_by: ColourBy, act: Act):
    def set_colour_by(colour_by: ColourBy) -> None:
        act(room.set_colour_by, colour_by)

    with solara.Card("Colour of people", margin=0):
        solara.ToggleButtonsSingle(
            value=colour_by, values=list(COLOUR_BY), on_value=set_colour_by, dense=True
        )


@solara.component
def ComparisonTable(model: ClassroomModel, day: int):
    """Side by side: the paired differences of the three strategies, today."""
    rows = comparison_rows(model)
    if not rows:
        return
    focal = html.escape(model.focal or "")
    first = html.escape(rows[0]["world"])
    has_champions = any("champions" in r for r in rows)
    head = (
        f"<th>strategy</th><th>{focal} vote</th><th>vs {first}</th>"
        f"<th>{focal} share of voice</th><th>vs {first}</th>"
        + ("<th>champions active / burnt out</th>" if has_champions else "")
    )
    body = []
    for k, r in enumerate(rows):
        diff = "—" if k == 0 else f"{r['vote_diff']:+.1f} pp"
        voice_diff = "—" if k == 0 else f"{r['voice_diff']:+.1f} pp"
        cells = [
            html.escape(r["world"]),
            f"{r['vote']:.1f} %",
            diff,
            f"{r['voice']:.1f} %",
            voice_diff,
        ]
        if has_champions:
            cells.append(f"{r['champions']} / {r['burnouts']}" if "champions" in r else "—")
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    table = (
        '<table class="sw-comparison"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )
    note = (
        f"day {day}: the same seed and network for all three, so one paired replicate "
        "and no interval (the button below runs many seeds and gives intervals)"
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>Paired comparison</b> <span class='sw-note'>— {note}</span>{table}",
        classes=["sw-comparison-box"],
    )


@solara.component
def ManySeeds(room: Classroom, results: dict[str, Any] | None, progress: tuple[int, int] | None):
    """Side by side: the same three strategies to election day on many seeds, with intervals.
    (The button starts the runs in a thread; the classroom's change re-renders every tab.)"""
    running = progress is not None
    label = (
        f"Running… {progress[0]} of {progress[1]} runs"
        if running
        else f"Compare over {MANY_SEEDS} seeds to election day"
    )
    solara.Button(
        label,
        color="primary",
        outlined=True,
        on_click=room.start_compare_many,
        disabled=running,
        classes=["sw-many-button"],
    )
    if not results or not results.get("rows"):
        return
    focal = html.escape(results["focal"])
    rows = results["rows"]
    first = html.escape(rows[0]["world"])

    def interval(cell: dict[str, Any], unit: str) -> str:
        sign = "+" if unit == "pp" else ""
        lo, hi = cell["ci_low"], cell["ci_high"]
        return (
            f"{cell['mean']:{sign}.1f} {unit} [{lo:{sign}.1f}, {hi:{sign}.1f}]"
            if lo is not None
            else f"{cell['mean']:{sign}.1f} {unit}"
        )

    body = []
    for k, r in enumerate(rows):
        cells = [
            html.escape(r["world"]),
            interval(r["vote"], "%"),
            "—" if k == 0 else interval(r["diff"], "pp"),
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    note = (
        f"{results['seeds']} seeds, each strategy on the same seeds, to election day (day "
        f"{results['election_day']}); mean and 95 % Student-t interval over the seeds, the "
        "differences paired by seed"
    )
    table = (
        '<table class="sw-comparison sw-many"><thead><tr>'
        f"<th>strategy</th><th>{focal} vote on election day</th><th>vs {first}</th>"
        "</tr></thead><tbody>" + "".join(body) + "</tbody></table>"
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>Over many seeds</b> <span class='sw-note sw-many-note'>— {note}"
        f"</span>{table}",
        classes=["sw-comparison-box"],
    )


CSS = """
.sw-comparison { border-collapse: collapse; font-size: 14px; margin: 2px 0; }
.sw-comparison th, .sw-comparison td { padding: 1px 12px; border-bottom: 1px solid #ddd; }
.sw-comparison th { text-align: left; font-weight: 600; }
.sw-comparison td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
.sw-note { font-size: 13px; opacity: 0.8; }
.sw-busy { opacity: 0.45; transition: opacity 0.2s; }
.sw-slider .v-label { min-width: 8.5em; }
.sw-value { font-weight: bold; min-width: 3.2em; text-align: right; }
"""


@solara.component
def ClassroomView(
    model: ClassroomModel,
    day: int,
    colour_by: ColourBy,
    busy: bool = False,
    room: Classroom | None = None,
    many: dict[str, Any] | None = None,
    many_progress: tuple[int, int] | None = None,
):
    """The network and the charts. One world: side by side, halves of the page. Three worlds:
    the networks take the page's full width (readable on a projector), the table and the
    charts below."""
    network, charts = model.pictures().png(colour_by)
    classes = [f"sw-world-{model.serial}"] + (["sw-busy"] if busy else [])
    if len(model.worlds) > 1:
        with solara.Column(style={"width": "100%"}, classes=classes):
            solara.Image(network, width="100%")
            ComparisonTable(model, day)
            if room is not None:
                ManySeeds(room, many, many_progress)
            solara.Image(charts, width="100%")
    else:
        with solara.Columns([2, 3], classes=classes):  # the figures' widths, 1 : 1.5
            solara.Image(network, width="100%")
            solara.Image(charts, width="100%")


@solara.component
def Page():
    room = classroom
    act = use_classroom(room)
    # what this render shows; each component gets the values it shows, so only those whose
    # values changed re-render (reacton compares arguments)
    model, busy, colour_by = room.model, room.resetting, room.colour_by
    solara.Style(CSS)
    solara.Title("socialweb classroom")
    with solara.AppBarTitle():
        DayCounter(model.day, model.election_day)
    with solara.Sidebar(), solara.Column(gap="12px"):
        Controls(room, room.playing, busy, model.running, room.error, act)
        Parameters(room, room.params, room.pending(), act)
        Display(room, colour_by, act)
    with solara.Column(style={"width": "100%"}):
        if busy:
            solara.ProgressLinear(True)
        ClassroomView(
            model,
            model.day,
            colour_by,
            busy=busy,
            room=room,
            many=room.many_results(),
            many_progress=room.many_progress,
        )
