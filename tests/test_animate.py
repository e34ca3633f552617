"""socialweb animate writes a valid GIF and MP4 with one frame per step plus the start, and each
frame says what changed: the day, the vote in % on a fitted axis, a colour scale with the parties'
ends, a legible legend, and people coloured by how far they moved."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from model.animate import Frame, _preview, change_limit, fitted_limits
from model.cli import main
from model.config.load import load_scenario
from model.sim import SocialWebModel
from tests.conftest import SCENARIOS

STEPS = 6


def animate(out) -> int:
    """socialweb animate on the classroom scenario for STEPS days."""
    return main(
        [
            "animate",
            str(SCENARIOS / "classroom.yaml"),
            "--steps",
            str(STEPS),
            "--out",
            str(out),
            "--progress",
            "none",
        ]
    )


def test_gif_has_one_frame_per_step_plus_the_start(tmp_path, capsys):
    out = tmp_path / "slides" / "demo.gif"
    assert animate(out) == 0
    assert capsys.readouterr().out.splitlines()[-1] == str(out)
    with Image.open(out) as image:
        assert image.format == "GIF"
        assert image.n_frames == STEPS + 1
        assert image.size == (960, 540)  # 16:9 for slides
    assert not list(out.parent.glob(".*partial*"))


def _ffprobe_frames(path) -> int:
    text = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_frames",
            "-show_entries",
            "stream=nb_read_frames,codec_name,pix_fmt",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    stream = json.loads(text)["streams"][0]
    assert stream["codec_name"] == "h264" and stream["pix_fmt"] == "yuv420p"
    return int(stream["nb_read_frames"])


def test_mp4_has_one_frame_per_step_plus_the_start(tmp_path):
    if not shutil.which("ffmpeg"):
        if os.environ.get("CI"):
            pytest.fail("ffmpeg missing in CI: scripts/bootstrap should have installed it")
        pytest.skip("ffmpeg not installed (scripts/bootstrap installs it where apt works)")
    out = tmp_path / "demo.mp4"
    assert animate(out) == 0
    assert _ffprobe_frames(out) == STEPS + 1


@pytest.mark.parametrize("name", ["demo.avi", "demo"])
def test_unknown_format_is_bad_input_before_any_work(tmp_path, capsys, name):
    out = tmp_path / name
    code = main(["animate", str(SCENARIOS / "classroom.yaml"), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "expected a .gif or .mp4 file" in err[0]
    assert not out.exists()


@pytest.fixture(scope="module")
def frames():
    """The classroom scenario's frames on day 0 and on election day (day 20), drawn."""
    scenario = load_scenario(SCENARIOS / "classroom.yaml")
    votes, limit = _preview(scenario, scenario.seed, 20)
    model = SocialWebModel(scenario, seed=scenario.seed, agents="parties")
    frame = Frame(model, total=20, votes=votes, limit=limit, colour_by="change since day 0")
    FigureCanvasAgg(frame.fig)
    frame.draw(0)
    frame.fig.canvas.draw()
    start = np.asarray(frame.fig.canvas.buffer_rgba())[:, :, :3].copy()
    for day in range(1, 21):
        model.step()
        frame.draw(day)
    frame.fig.canvas.draw()
    end = np.asarray(frame.fig.canvas.buffer_rgba())[:, :, :3].copy()
    return frame, votes, limit, start, end


def test_each_frame_says_the_day_and_the_vote_in_percent(frames):
    frame, votes, *_ = frames
    assert frame.title.get_text() == "classroom — Day 20 of 20 (election day)"
    lo, hi = frame.ax_vote.get_ylim()
    percent = 100 * votes
    assert (lo, hi) == fitted_limits(percent, step=2.0, min_span=6.0)
    assert lo <= percent.min() and percent.max() <= hi and hi - lo < 20, (lo, hi)
    assert frame.ax_vote.yaxis.get_major_formatter()(lo, 0).endswith("%")
    assert {t.get_text() for t in frame.labels.values()} == {
        f"{p} {100 * v:.1f} %" for p, v in zip(frame.names, frame.model.vote, strict=True)
    }


def test_colour_scale_and_legend_are_legible(frames):
    frame, _, limit, *_ = frames
    scale = next(ax for ax in frame.fig.axes if ax.get_title() == "opinion change since day 0")
    labels = {t.get_text() for t in scale.texts}
    assert {"← toward red", "toward blue →"} <= labels
    assert [t.get_text() for t in scale.get_xticklabels()] == [f"−{limit:g}", "0", f"+{limit:g}"]
    (legend,) = frame.fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["citizen", "champion", "staff"]
    assert min(t.get_fontsize() for t in legend.get_texts()) >= 12


def test_the_network_changes_colour_over_the_run(frames):
    """On the change scale, fitted to the run, people who moved show: the network's pixels
    differ between day 0 (everyone at 0: grey) and election day."""
    frame, _, limit, start, end = frames
    model = frame.model
    moved = np.abs(model.population.x[:, 0] - frame.x0)
    assert limit == change_limit(moved) and limit < 1  # a scale that makes small moves visible
    h, w = start.shape[:2]
    box = frame.fig.axes[0].get_window_extent()  # the network's axes, in pixels
    rows = slice(int(h - box.y1), int(h - box.y0))
    cols = slice(int(box.x0), int(box.x1))
    a, b = start[rows, cols].astype(int), end[rows, cols].astype(int)
    coloured = (np.abs(a - b).max(axis=2) > 40).mean()
    assert coloured > 0.002, f"only {coloured:.2%} of the network's pixels changed colour"


@pytest.mark.parametrize(
    "flag, expected",
    [
        ([], "change since day 0"),
        (["--colour", "opinion"], "opinion"),
        (["--colour", "change"], "change since day 0"),
    ],
)
def test_colour_flag_picks_the_colour_scale(monkeypatch, tmp_path, flag, expected):
    import model.animate

    seen = {}

    def fake(scenario, out, **kwargs):
        seen.update(kwargs)
        return out

    monkeypatch.setattr(model.animate, "animate", fake)
    out = tmp_path / "a.gif"
    args = ["animate", str(SCENARIOS / "classroom.yaml"), "--out", str(out), "--progress", "none"]
    assert main(args + flag) == 0
    assert seen["colour_by"] == expected


def test_unknown_colour_is_a_usage_error(tmp_path, capsys):
    out = tmp_path / "a.gif"
    code = main(["animate", str(SCENARIOS / "classroom.yaml"), "--out", str(out), "--colour", "x"])
    assert code == 2 and not out.exists()
    assert "--colour" in capsys.readouterr().err
