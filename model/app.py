"""The classroom app: a Mesa SolaraViz page (``socialweb app [SCENARIO.yaml] [--port N]``).

One world — the scenario (default ``scenarios/classroom.yaml``) with the sliders applied to its
first party — or, in side-by-side mode, three worlds in lockstep on the same seed and network:
the first party absent online, on its official account only, and with a champion programme,
so a class sees only the strategy differ. The network layout is computed once per Reset and
kept between steps. Figures use matplotlib (no vega assets needed) and run fully offline once
``scripts/solara-assets`` has filled Solara's asset cache.

Layout: one world, the network beside the charts; side by side, the three networks across the
page's full width (readable on a projector) and the charts in a row beneath. SolaraViz keeps the
sidebar (controls, sliders, time); the page lays its figures out itself (``ClassroomView``).

Speed: a step must render well inside the play interval (150 ms). Building and saving two
figures per step cost 200-500 ms; now each figure is built once per Reset and drawn by
blitting (:class:`Blitted`): its static part once, then per step only the people, titles and
lines, written as PNG at zlib level 1. ``benchmarks/bench_app.py`` measures it: ~30 ms a step,
~50 ms side by side (the whole page, 500 citizens, 2 cores).

Note: a module-level model is shared by every browser tab (Mesa SolaraViz behaviour); in class,
one projector, one model.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from pathlib import Path
from typing import TypeVar

import mesa
import numpy as np
import solara
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from model.config import Scenario
from model.config.load import apply_overrides, scenario_from_dict, scenario_to_dict
from model.plots import party_colours, spring_layout
from model.population import CHAMPION, CITIZEN, STAFF
from model.runner import load_scenario
from model.sim import SocialWebModel

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.yaml"
FEEDS = ["chronological", "similarity", "engagement"]
STRATEGIES = ("party absent", "institution only", "champion driven")

DPI = 100
PANEL = 4.4  # inches (440 px) per network panel: three side by side span a projected page
OPINION_CMAP = "coolwarm_r"  # red -1 ... blue +1
ROLES = {"citizen": ("o", 1.0), "champion": ("*", 3.0), "staff": ("s", 2.0)}  # marker, size x
ROLE_CODES = {"citizen": CITIZEN, "champion": CHAMPION, "staff": STAFF}
STYLES = ("-", "--", ":")  # line style per world in the charts
BURNOUT = "0.55"  # grey
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


class ClassroomModel(mesa.Model):
    """One or three SocialWebModels stepped in lockstep, with the class's sliders applied."""

    def __init__(
        self,
        seed: int = 0,
        champions: int = 5,
        guidance: float = 0.3,
        institution_trust: float = 0.5,
        feed_algorithm: str = "chronological",
        seen_per_day: int = 300,
        backfire: bool = False,
        side_by_side: bool = False,
    ):
        super().__init__(rng=int(seed))
        base = load_scenario(scenario_path())
        self.focal = next(iter(base.parties), None)
        overrides = {
            "feed.algorithm": feed_algorithm,
            # posts a feed shows a day (Backstrom 2013: ~300); attention follows (docs/MODEL.md)
            "feed.seen_per_day": float(seen_per_day),
            "opinion.backfire": bool(backfire),
        }
        if self.focal:
            p = f"parties.{self.focal}"
            # the slider counts champions in this (small) class world; scenarios say per 1,000
            founding = int(champions) * 1000.0 / base.population.citizens
            overrides |= {
                f"{p}.champions.initial_per_1000": founding,
                f"{p}.champions.max_per_1000": max(
                    founding, base.parties[self.focal].champions.max_per_1000
                ),
                f"{p}.champions.guidance": float(guidance),
                f"{p}.institution.trust": float(institution_trust),
            }
        if self.focal and int(champions) > 0:
            overrides[f"parties.{self.focal}.champions.enabled"] = True
        scenario = _variant(base, overrides)
        if side_by_side and self.focal:
            scenarios = strategy_worlds(scenario, self.focal)
        else:
            scenarios = {scenario.name: scenario}
        self.worlds = {
            name: SocialWebModel(s, seed=int(seed), agents="parties")
            for name, s in scenarios.items()
        }
        first = next(iter(self.worlds.values()))
        self.layout = spring_layout(first.citizen_graph, first.seed)  # once per Reset
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
    :meth:`redraw_background` when something static changes (axis limits).
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


class NetworkPicture:
    """One panel per world: colour = opinion, marker = role, size = activity, fixed layout.

    Edges, frames, party accounts, the legend and the colour scale are the background; the
    people (their role, opinion and activity change) and the titles (vote shares) move.
    """

    TITLE, MARGIN = 0.55, 0.1  # inches: title band above each panel, margin around its axes

    def __init__(self, model: ClassroomModel):
        worlds = model.worlds
        n = len(worlds)
        strip = 0.55 if n > 1 else 0.95  # legend and colour scale: one row, or two rows
        side = PANEL - 2 * self.MARGIN
        fig = Figure(figsize=(PANEL * n, strip + side + self.TITLE + self.MARGIN), dpi=DPI)
        self.blit = Blitted(fig)
        self.panels = []
        for k, (name, world) in enumerate(worlds.items()):
            ax = fig.add_axes(_inches(fig, k * PANEL + self.MARGIN, strip, side, side))
            ax.set(xlim=(-1.12, 1.12), ylim=(-1.12, 1.18), xticks=[], yticks=[])
            pos = _positions(world, model.layout)
            g = world.citizen_graph
            keep = g.rows < g.indices
            edges = np.stack([pos[g.rows[keep]], pos[g.indices[keep]]], axis=1)
            ax.add_collection(LineCollection(edges, colors="0.85", linewidths=0.35, zorder=0))
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
                        vmin=-1,
                        vmax=1,
                        marker=marker,
                        edgecolors="k",
                        linewidths=0.25,
                        zorder=2,
                    )
                )
                for role, (marker, _) in ROLES.items()
            }
            title = self.blit.moving_artist(ax.set_title("", fontsize=12, linespacing=1.3))
            self.panels.append((name, world, pos, people, title))
        self._legend(fig, list(worlds.values()), strip)

    @staticmethod
    def _legend(fig: Figure, worlds: list[SocialWebModel], strip: float) -> None:
        """Roles, party accounts and the opinion colour scale, in the strip under the panels."""
        handles = [
            Line2D([], [], ls="", marker=m, ms=12 if r == "champion" else 8, mfc="0.75", mec="k")
            for r, (m, _) in ROLES.items()
        ]
        labels = list(ROLES)
        names = worlds[0].parties.names
        colours = party_colours(names)
        for party in names:
            if any(w.config.parties[party].institution.enabled for w in worlds):
                handles.append(Line2D([], [], ls="", marker="D", ms=8, mfc=colours[party], mec="k"))
                labels.append(f"{party} account")
        width, height = fig.get_size_inches()
        if len(worlds) > 1:  # one row: legend on the left, colour scale on the right
            box = (0.0, 0.0, 0.62, strip / height)
            scale = _inches(fig, 0.7 * width, 0.24, 0.26 * width, 0.12)
            ncol = len(handles)
        else:  # legend in two rows, colour scale below
            box = (0.0, 0.38 / height, 1.0, 0.55 / height)
            scale = _inches(fig, 0.3 * width, 0.16, 0.6 * width, 0.1)
            ncol = 3
        fig.legend(
            handles,
            labels,
            loc="center",
            bbox_to_anchor=box,
            ncol=ncol,
            fontsize=10,
            frameon=False,
            handletextpad=0.2,
            columnspacing=1.0,
        )
        bar = fig.colorbar(
            ScalarMappable(norm=Normalize(-1, 1), cmap=OPINION_CMAP),
            cax=fig.add_axes(scale),
            orientation="horizontal",
            ticks=[-1, 0, 1],
        )
        bar.ax.tick_params(labelsize=9, length=2, pad=1)
        bar.ax.set_ylabel("opinion", rotation=0, ha="right", va="center", fontsize=10)

    def update(self) -> bytes:
        """Move the people and titles to the worlds' current state; the figure as PNG."""
        for name, world, pos, people, title in self.panels:
            pop = world.population
            size = 8 + 60 * np.sqrt(pop.activity / max(pop.activity.max(), 1e-9))
            for role, (_, scale) in ROLES.items():
                mask = pop.role == ROLE_CODES[role]
                people[role].set_offsets(pos[mask])
                people[role].set_array(pop.x[mask, 0])
                people[role].set_sizes(size[mask] * scale)
            votes = ", ".join(
                f"{p} {100 * v:.0f}%" for p, v in zip(world.parties.names, world.vote, strict=True)
            )
            title.set_text(f"{name}\n{votes}")
        return self.blit.png()


def _top(line: Line2D) -> float:
    return float(np.max(line.get_ydata(), initial=0.0))


def _nice_above(value: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, … (times a power of ten) that is ≥ ``value``."""
    if value <= 0:
        return 1.0
    exp = 10.0 ** np.floor(np.log10(value))
    return float(next(m * exp for m in (1, 2, 5, 10) if m * exp >= value * (1 - 1e-12)))


class ChartsPicture:
    """Vote intention, share of voice, champions and burnouts, polarisation over time.

    Colour = party, line style = world (side by side). Axis limits only ever grow, in a few big
    steps (days: the scenario's length, then doubled; champions: 10, 20, 50, …; polarisation:
    0.5, then 1, the largest variance on [-1, 1]), so the axes, ticks and legend are a background
    redrawn a handful of times per run, not every step.
    """

    def __init__(self, model: ClassroomModel, height: float):
        """``height``: of the network figure in inches, which one world's charts match."""
        worlds = model.worlds
        n = len(worlds)
        if n > 1:  # a strip under the three networks, as wide as they are
            fig = Figure(figsize=(PANEL * n, 3.3), dpi=DPI)
            fig.subplots_adjust(left=0.04, right=0.99, bottom=0.16, top=0.76, wspace=0.22)
            axes = fig.subplots(1, 4)
        else:  # beside the network, as tall as it is
            fig = Figure(figsize=(1.5 * PANEL, height), dpi=DPI)
            fig.subplots_adjust(
                left=0.09, right=0.98, bottom=0.08, top=0.86, wspace=0.28, hspace=0.4
            )
            axes = fig.subplots(2, 2).ravel()
        self.blit = Blitted(fig)
        self.vote, self.voice, self.champions, self.polarisation = axes
        self.xmax = float(max(w.config.steps for w in worlds.values()))
        self.champions_top = 10.0
        self.polarisation_top = 0.5
        self.lines: list[tuple[Line2D, SocialWebModel, list[str]]] = []
        self.champion_lines: list[Line2D] = []
        parties: dict[str, str] = {}
        any_champions = False
        for w, world in enumerate(worlds.values()):
            ls = STYLES[w % len(STYLES)]
            colours = party_colours(world.parties.names)
            parties |= colours
            for party in world.parties.names:
                c = colours[party]
                self._line(self.vote, world, "vote_share", party, ls=ls, color=c)
                self._line(self.voice, world, "share_of_voice", party, ls=ls, color=c)
                if world.config.parties[party].champions.enabled:
                    any_champions = True
                    for metric, colour in (("active_champions", c), ("burnouts", BURNOUT)):
                        line = self._line(self.champions, world, metric, party, ls=ls, color=colour)
                        self.champion_lines.append(line)
            self._line(self.polarisation, world, "polarization", "", ls=ls, color="k")
        for ax, title in (
            (self.vote, "Vote intention"),
            (self.voice, "Share of voice"),
            (self.champions, "Champions: active, burnt out"),
            (self.polarisation, "Polarisation (variance)"),
        ):
            ax.set_title(title, fontsize=12)
            ax.tick_params(labelsize=9)
            ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]))
            ax.grid(color="0.92", linewidth=0.6)
        for ax in (self.vote, self.voice):
            ax.set_ylim(0, 1)
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
        self._limits()

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
            fontsize=10,
            frameon=False,
            bbox_to_anchor=(0.5, 1.0),
            handlelength=2.5,
            columnspacing=1.5,
        )

    def _line(self, ax: Axes, world: SocialWebModel, metric: str, party: str, **style) -> Line2D:
        keys = [
            k for k in world.datacollector.model_vars if k.split("|")[:2] == [metric, party]
        ]  # share_of_voice has one column per source type: summed
        (line,) = ax.plot([], [], lw=1.8, **style)
        self.blit.moving_artist(line)
        self.lines.append((line, world, keys))
        return line

    def _limits(self) -> None:
        for ax in (self.vote, self.voice, self.champions, self.polarisation):
            ax.set_xlim(0, self.xmax)
        self.champions.set_ylim(0, self.champions_top)
        self.polarisation.set_ylim(0, self.polarisation_top)

    def update(self) -> bytes:
        """Lines up to the worlds' current day; limits grown if needed; the figure as PNG."""
        for line, world, keys in self.lines:
            frame = world.datacollector.model_vars
            y = np.sum([np.asarray(frame[k], dtype=float) for k in keys], axis=0)
            line.set_data(np.arange(y.size), y)
        days = max(line.get_xdata().size for line, _, _ in self.lines) - 1
        grow = False
        while days > self.xmax:
            self.xmax *= 2
            grow = True
        top = max((_top(line) for line in self.champion_lines), default=0.0)
        if top > self.champions_top:
            self.champions_top = _nice_above(top * 1.2)  # headroom: fewer redraws
            grow = True
        spread = max(_top(line) for line in self.polarisation.lines)
        if spread > self.polarisation_top:
            self.polarisation_top = _nice_above(spread)
            grow = True
        if grow:
            self._limits()
            self.blit.redraw_background()
        return self.blit.png()


class Pictures:
    """The two images of one ClassroomModel, drawn at most once per step."""

    def __init__(self, model: ClassroomModel):
        self.model = model
        self.network = NetworkPicture(model)
        self.charts = ChartsPicture(model, height=self.network.blit.fig.get_size_inches()[1])
        self._day = -1
        self._png = (b"", b"")

    def png(self) -> tuple[bytes, bytes]:
        """(network, charts) PNG bytes of the model's current step."""
        with _DRAWING:  # matplotlib is not thread-safe; play runs steps in a thread
            if self._day != self.model.day:
                self._png = (self.network.update(), self.charts.update())
                self._day = self.model.day
            return self._png


@solara.component
def ClassroomView(model: ClassroomModel):
    """The network and the charts. One world: side by side, halves of the page. Three worlds:
    the networks take the page's full width (readable on a projector), the charts below."""
    update_counter.get()
    network, charts = model.pictures().png()
    if len(model.worlds) > 1:
        with solara.Column(style={"width": "100%"}):
            solara.Image(network, width="100%")
            solara.Image(charts, width="100%")
    else:
        with solara.Columns([2, 3]):  # the figures' widths, 1 : 1.5: equal heights
            solara.Image(network, width="100%")
            solara.Image(charts, width="100%")


model_params = {
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
    "seen_per_day": {
        "type": "SliderInt",
        "value": 300,
        "label": "Posts seen a day",
        "min": 50,
        "max": 1500,
        "step": 50,
    },
    "backfire": {"type": "Checkbox", "value": False, "label": "Backfire"},
    "side_by_side": {
        "type": "Checkbox",
        "value": False,
        "label": "Side by side (three strategies)",
    },
}

# SolaraViz lays its components out in half-width grid cells; the page instead hands it no
# components (it keeps the sidebar: controls, sliders, time) and lays out ClassroomView itself.
classroom = solara.reactive(ClassroomModel())


@solara.component
def Page():
    SolaraViz(
        classroom,
        components=[],
        model_params=model_params,
        name="socialweb classroom",
        play_interval=150,
    )
    ClassroomView(classroom.value)
