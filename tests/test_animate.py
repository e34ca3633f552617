"""socialweb animate writes a valid GIF and MP4 with one frame per step plus the start."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from PIL import Image

from model.cli import main
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
        assert image.size == (800, 400)
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
