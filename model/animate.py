"""Animations for slides: the network and the vote over time, as a GIF or an MP4.

Each frame shows the citizens' network (colour = opinion on the first issue, marker = role:
citizen, champion, staff; size = activity) beside vote intention per party up to that step. One
frame per step, plus the starting state: ``steps + 1`` frames. The layout is computed once
(networkx spring layout, seeded from the run's seed) and kept for every frame, so only the
colours move.

GIF uses Pillow (always available with matplotlib). MP4 uses ffmpeg with libx264 and
``-pix_fmt yuv420p`` (what slide software accepts); ``scripts/bootstrap`` installs Debian's
ffmpeg where it can, and without it an MP4 request fails with one clear line.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.animation import FFMpegWriter, PillowWriter
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from model.config import Scenario
from model.plots import party_colours, spring_layout
from model.population import CHAMPION, STAFF
from model.sim import SocialWebModel

FORMATS = (".gif", ".mp4")
MARKERS = {"citizen": "o", "champion": "*", "staff": "s"}


class AnimationError(ValueError):
    """The animation cannot be written (bad input or missing ffmpeg: exit 2)."""


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


def animate(
    scenario: Scenario,
    out: Path,
    *,
    seed: int | None = None,
    steps: int | None = None,
    fps: int = 8,
    progress: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Run ``scenario`` and write its animation to ``out`` (.gif or .mp4).

    The frames go to a uniquely named hidden file beside ``out``, renamed to ``out`` when
    complete; an existing ``out`` is refused unless ``overwrite``.
    """
    out = Path(out)
    check_output(out, overwrite=overwrite)
    model = SocialWebModel(scenario, seed=scenario.seed if seed is None else seed, agents="parties")
    total = scenario.steps if steps is None else int(steps)
    pos = spring_layout(model.graph, model.seed)
    names = model.parties.names
    colours = party_colours(names)
    pop = model.population
    g = model.graph
    rows = g.rows
    keep = rows < g.indices
    segments = np.stack([pos[rows[keep]], pos[g.indices[keep]]], axis=1)

    fig = Figure(figsize=(10, 5), dpi=80, layout="constrained")
    ax_net, ax_vote = fig.subplots(1, 2, width_ratios=[1.2, 1])
    ax_net.add_collection(LineCollection(segments, colors="0.85", linewidths=0.3, zorder=0))
    ax_net.set(xticks=[], yticks=[], title="Opinion (red −1 … blue +1)")
    size = 8 + 60 * np.sqrt(pop.activity / max(pop.activity.max(), 1e-9))
    scatters = {}
    for role, marker in MARKERS.items():
        scatters[role] = ax_net.scatter(
            [],
            [],
            c=[],
            cmap="coolwarm_r",
            vmin=-1,
            vmax=1,
            marker=marker,
            edgecolors="k",
            linewidths=0.2,
            zorder=2 if role == "citizen" else 3,
            label=role,
        )
    ax_net.legend(loc="lower left", fontsize=7, markerscale=0.8)
    ax_net.autoscale_view()
    history = {p: [] for p in names}
    lines = {p: ax_vote.plot([], [], color=colours[p], label=p)[0] for p in names}
    ax_vote.set(
        xlim=(0, max(total, 1)),
        ylim=(0, 1),
        xlabel="step (day)",
        ylabel="vote intention (share of electorate)",
    )
    if names:
        ax_vote.legend(loc="upper left", fontsize=8)
    title = fig.suptitle("")

    def draw(step: int) -> None:
        role = pop.role
        masks = {"citizen": role == 0, "champion": role == CHAMPION, "staff": role == STAFF}
        for name, mask in masks.items():
            scatters[name].set_offsets(pos[mask])
            scatters[name].set_array(pop.x[mask, 0])
            scatters[name].set_sizes(size[mask] * (2.5 if name != "citizen" else 1.0))
        for k, p in enumerate(names):
            history[p].append(model.vote[k])
            lines[p].set_data(np.arange(len(history[p])), history[p])
        votes = ", ".join(f"{p} {100 * model.vote[k]:.1f}%" for k, p in enumerate(names))
        title.set_text(f"{scenario.name} — day {step}" + (f" — {votes}" if votes else ""))

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
        with writer.saving(fig, str(tmp), dpi=80):
            draw(0)
            writer.grab_frame()
            for step in range(1, total + 1):
                model.step()
                draw(step)
                writer.grab_frame()
                if progress:
                    progress(step, total)
        tmp.replace(out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out
