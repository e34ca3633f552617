"""The classroom app: a Mesa SolaraViz page (``socialweb app [SCENARIO.yaml] [--port N]``).

One world — the scenario (default ``scenarios/classroom.yaml``) with the sliders applied to its
first party — or, in side-by-side mode, three worlds in lockstep on the same seed and network:
the first party absent online, on its official account only, and with a champion programme,
so a class sees only the strategy differ. The network layout is computed once per Reset and
kept between steps. Figures use matplotlib (no vega assets needed) and run fully offline once
``scripts/solara-assets`` has filled Solara's asset cache.

Note: a module-level model is shared by every browser tab (Mesa SolaraViz behaviour); in class,
one projector, one model.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import mesa
import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from model.config import Scenario
from model.config.load import apply_overrides, scenario_from_dict, scenario_to_dict
from model.plots import party_colours, spring_layout
from model.population import CHAMPION, STAFF
from model.runner import load_scenario
from model.sim import SocialWebModel

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.yaml"
FEEDS = ["chronological", "similarity", "engagement"]
STRATEGIES = ("party absent", "institution only", "champion driven")


def scenario_path() -> Path:
    return Path(os.environ.get("SOCIALWEB_APP_SCENARIO", DEFAULT_SCENARIO))


def _variant(base: Scenario, overrides: dict) -> Scenario:
    return scenario_from_dict(
        apply_overrides(scenario_to_dict(base), overrides), source=f"<{base.name}>"
    )


def strategy_worlds(base: Scenario, focal: str) -> dict[str, Scenario]:
    """The three reference strategies for ``focal`` on the base scenario's population."""
    party = base.parties[focal]
    staff = max(party.staff.count, 2)
    off = {
        f"parties.{focal}.staff.count": 0,
        f"parties.{focal}.champions.enabled": False,
        f"parties.{focal}.champions.initial": 0,
    }
    return {
        "party absent": _variant(base, {f"parties.{focal}.institution.enabled": False, **off}),
        "institution only": _variant(base, {f"parties.{focal}.institution.enabled": True, **off}),
        "champion driven": _variant(
            base,
            {
                f"parties.{focal}.institution.enabled": True,
                f"parties.{focal}.staff.count": staff,
                f"parties.{focal}.champions.enabled": True,
                f"parties.{focal}.champions.initial": max(party.champions.initial, 1),
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
        attention: int = 3,
        backfire: bool = False,
        side_by_side: bool = False,
    ):
        super().__init__(rng=int(seed))
        base = load_scenario(scenario_path())
        self.focal = next(iter(base.parties), None)
        overrides = {
            "feed.algorithm": feed_algorithm,
            "feed.attention": int(attention),
            "opinion.backfire": bool(backfire),
        }
        if self.focal:
            p = f"parties.{self.focal}"
            overrides |= {
                f"{p}.champions.initial": int(champions),
                f"{p}.champions.max_champions": max(
                    int(champions), base.parties[self.focal].champions.max_champions
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
        self.render_ms: list[float] = []

    def step(self) -> None:
        for world in self.worlds.values():
            world.step()


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


def network_figure(model: ClassroomModel) -> Figure:
    """One panel per world: colour = opinion, marker = role, size = activity."""
    worlds = model.worlds
    fig = Figure(figsize=(4.2 * len(worlds), 4.2))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.88, wspace=0.05)
    axes = np.atleast_1d(fig.subplots(1, len(worlds)))
    for ax, (name, world) in zip(axes, worlds.items(), strict=True):
        pop = world.population
        pos = _positions(world, model.layout)
        g = world.citizen_graph
        keep = g.rows < g.indices
        ax.add_collection(
            LineCollection(
                np.stack([pos[g.rows[keep]], pos[g.indices[keep]]], axis=1),
                colors="0.88",
                linewidths=0.3,
                zorder=0,
            )
        )
        size = 6 + 50 * np.sqrt(pop.activity / max(pop.activity.max(), 1e-9))
        for role, marker, scale in (
            ("citizen", "o", 1.0),
            ("champion", "*", 3.0),
            ("staff", "s", 2.0),
        ):
            mask = {
                "citizen": pop.role == 0,
                "champion": pop.role == CHAMPION,
                "staff": pop.role == STAFF,
            }[role]
            if mask.any():
                ax.scatter(
                    pos[mask, 0],
                    pos[mask, 1],
                    c=pop.x[mask, 0],
                    cmap="coolwarm_r",
                    vmin=-1,
                    vmax=1,
                    s=size[mask] * scale,
                    marker=marker,
                    edgecolors="k",
                    linewidths=0.2,
                    label=role,
                    zorder=2,
                )
        colours = party_colours(world.parties.names)
        for k, party in enumerate(world.parties.names):
            if world.config.parties[party].institution.enabled:
                ax.scatter(
                    [-1.05 + 0.25 * k],
                    [1.08],
                    marker="D",
                    s=90,
                    c=colours[party],
                    edgecolors="k",
                    label=f"{party} account",
                    zorder=3,
                )
        ax.set(xlim=(-1.15, 1.15), ylim=(-1.15, 1.18), xticks=[], yticks=[])
        votes = ", ".join(
            f"{p} {100 * v:.0f}%" for p, v in zip(world.parties.names, world.vote, strict=True)
        )
        ax.set_title(f"{name}\n{votes}", fontsize=9)
    axes[0].legend(loc="lower left", fontsize=6, markerscale=0.6)
    return fig


def _series(world: SocialWebModel, metric: str, party: str = "") -> np.ndarray:
    frame = world.datacollector.model_vars
    keys = [k for k in frame if k.split("|")[0] == metric and k.split("|")[1] == party]
    if not keys:
        return np.zeros(0)
    return np.sum([np.asarray(frame[k], dtype=float) for k in keys], axis=0)


def charts_figure(model: ClassroomModel) -> Figure:
    """Vote intention, share of voice, champions and burnouts, polarisation over time."""
    # a fixed layout: constrained layout would cost ~100 ms a frame
    fig = Figure(figsize=(8.5, 5.2))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.08, top=0.94, wspace=0.22, hspace=0.38)
    axes = fig.subplots(2, 2)
    styles = ["-", "--", ":"]
    for w, (name, world) in enumerate(model.worlds.items()):
        colours = party_colours(world.parties.names)
        ls = styles[w % 3]
        suffix = f" ({name})" if len(model.worlds) > 1 else ""
        for party in world.parties.names:
            axes[0, 0].plot(
                _series(world, "vote_share", party),
                ls=ls,
                color=colours[party],
                label=f"{party}{suffix}",
            )
            axes[0, 1].plot(_series(world, "share_of_voice", party), ls=ls, color=colours[party])
            champs = _series(world, "active_champions", party)
            if champs.size and champs.max() > 0:
                axes[1, 0].plot(champs, ls=ls, color=colours[party], label=f"{party} active")
                axes[1, 0].plot(
                    _series(world, "burnouts", party), ls=ls, color="0.5", label=f"{party} burnouts"
                )
        axes[1, 1].plot(_series(world, "polarization"), ls=ls, color="k", label=name)
    axes[0, 0].set(title="Vote intention", ylim=(0, 1))
    axes[0, 1].set(title="Share of voice", ylim=(0, 1))
    axes[1, 0].set(title="Champions")
    axes[1, 1].set(title="Polarisation (variance)", xlabel="day")
    axes[0, 0].legend(fontsize=6)
    if axes[1, 0].lines:
        axes[1, 0].legend(fontsize=6)
    return fig


@solara.component
def NetworkView(model: ClassroomModel):
    update_counter.get()
    start = time.perf_counter()
    solara.FigureMatplotlib(network_figure(model), format="png", dpi=80)
    model.render_ms.append(1000 * (time.perf_counter() - start))


@solara.component
def ChartsView(model: ClassroomModel):
    update_counter.get()
    solara.FigureMatplotlib(charts_figure(model), format="png", dpi=80)


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
    "attention": {
        "type": "SliderInt",
        "value": 3,
        "label": "Attention",
        "min": 1,
        "max": 20,
        "step": 1,
    },
    "backfire": {"type": "Checkbox", "value": False, "label": "Backfire"},
    "side_by_side": {
        "type": "Checkbox",
        "value": False,
        "label": "Side by side (three strategies)",
    },
}

page = SolaraViz(
    ClassroomModel(),
    components=[NetworkView, ChartsView],
    model_params=model_params,
    name="socialweb classroom",
    play_interval=150,
)
page  # noqa: B018 - solara renders the module-level `page`
