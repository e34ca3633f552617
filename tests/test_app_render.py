"""The classroom app's render path without a browser: what a step draws, and the page around it.

No timing here: speed is measured by ``benchmarks/bench_app.py``. These tests check that the
figures a step produces are right (the blitted frame is the full drawing), that the axes grow to
hold every line, and that the whole page, rendered in-process by Solara, steps and switches to
side by side. The browser tests are in ``tests/ui/``.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import yaml

from tests.conftest import per_1000, tiny_data

CHANGED = 8  # grey levels: a pixel that differs by more is drawn differently


@pytest.fixture(scope="module")
def app():
    """model.app, imported once (Solara and Mesa's viz take a few seconds to import)."""
    import model.app

    return model.app


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """The app runs a tiny world (60 citizens, 40 days, blue with staff and champions); the app
    stops on election day, so the world lasts as long as the longest test steps it."""
    data = tiny_data(citizens=60, steps=40, initial_champions=2)
    # organizers reach most citizens, and most are engaged enough to be recruited, so the
    # founding champions a test asks for exist (they are recruited like the rest)
    data["parties"]["blue"]["staff"] = {"per_1000": per_1000(2, 60), "ties": 30}
    data["population"]["engagement_min"] = 0.6
    data["population"]["engagement_max"] = 1.0
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("SOCIALWEB_APP_SCENARIO", str(path))
    return path


def grey(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)


def full_drawing(picture, app) -> np.ndarray:
    """The picture drawn the ordinary way (every artist, one full draw), as grey levels."""
    for artist in picture.blit.moving:
        artist.set_animated(False)
    picture.blit.canvas.draw()
    out = grey(app._png(picture.blit.canvas))
    for artist in picture.blit.moving:
        artist.set_animated(True)
    picture.blit.redraw_background()
    return out


def test_png_holds_the_canvas_pixels(app):
    """The app's own PNG writer: a valid PNG that decodes to exactly the canvas's RGB pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    fig = Figure(figsize=(1.3, 0.7), dpi=100)
    canvas = FigureCanvasAgg(fig)
    fig.subplots().scatter([0, 1, 2], [2, 0, 1], c=[-1, 0, 1], cmap="coolwarm_r")
    canvas.draw()
    image = Image.open(io.BytesIO(app._png(canvas)))
    image.load()
    assert image.format == "PNG" and image.mode == "RGB" and image.size == (130, 70)
    assert np.array_equal(np.asarray(image), np.asarray(canvas.buffer_rgba())[:, :, :3])


@pytest.mark.parametrize("side_by_side", [False, True], ids=["single", "side_by_side"])
def test_a_step_draws_both_figures(app, tiny, side_by_side):
    model = app.ClassroomModel(side_by_side=side_by_side)
    panels = 3 if side_by_side else 1
    network, charts = model.pictures().png()
    assert network.startswith(b"\x89PNG") and charts.startswith(b"\x89PNG")
    net, ch = grey(network), grey(charts)
    assert net.shape[1] == round(app.PANEL * app.DPI) * panels  # one panel per world
    for k in range(panels):
        assert net[:, k * net.shape[1] // panels : (k + 1) * net.shape[1] // panels].std() > 10
    assert ch.std() > 10
    if side_by_side:  # the charts run under the networks, as wide
        assert ch.shape[1] == net.shape[1] and ch.shape[0] < net.shape[0]
    else:  # beside the network, as tall
        assert ch.shape[0] == net.shape[0] and ch.shape[1] > net.shape[1]

    assert model.pictures().png() == (network, charts)  # no step, no redraw
    model.step()
    after = model.pictures().png()
    assert after[0] != network and after[1] != charts
    assert grey(after[1]).shape == ch.shape  # same figure, updated


@pytest.mark.parametrize("side_by_side", [False, True], ids=["single", "side_by_side"])
def test_blitted_frames_are_the_full_drawing(app, tiny, side_by_side):
    """Restoring the background and drawing the moving artists over it gives the picture a full
    draw gives, also after the champions' axis grew (the day axis spans the campaign from the
    start: the app stops on election day).
    (The charts' lines are drawn over the axes' frames, not under: a few pixels differ.)"""
    model = app.ClassroomModel(side_by_side=side_by_side, champions=12)
    pictures = model.pictures()
    pictures.png()
    for _ in range(12):
        model.step()
        network, charts = pictures.png()
    assert pictures.charts.xmax == 40 and pictures.charts.champions_top > 10
    assert np.array_equal(grey(network), full_drawing(pictures.network, app))
    differ = np.abs(grey(charts) - full_drawing(pictures.charts, app)) > CHANGED
    assert differ.mean() < 0.001, f"{differ.sum()} pixels of the charts differ from a full draw"


def test_axes_hold_every_line(app, tiny):
    model = app.ClassroomModel(side_by_side=True, champions=15)
    for _ in range(40):
        model.step()
        model.pictures().png()
    charts = model.pictures().charts
    for line, _, _ in charts.lines:
        ax = line.axes
        x, y = line.get_xdata(), line.get_ydata()
        assert x.size == 41 and x.max() <= ax.get_xlim()[1], ax.get_title()
        assert ax.get_ylim()[0] <= y.min() and y.max() <= ax.get_ylim()[1], ax.get_title()


def test_the_page_steps_and_shows_three_worlds(app, tiny):
    """The whole page, rendered in-process: Step advances the time and redraws both figures;
    side by side + Reset gives a network three panels wide."""
    import ipyvuetify as v
    import ipywidgets
    import solara

    def images() -> list[bytes]:
        return [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]

    before = app.classroom.value
    app.classroom.value = app.ClassroomModel()
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the app bar print()s outside Jupyter
            _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
        first = images()
        assert len(first) == 2
        rc.find(v.Btn, children=["Step"]).widget.click()
        rc.find(children=["Time: 1.0"]).assert_single()
        stepped = images()
        assert all(a != b for a, b in zip(first, stepped, strict=True))

        rc.find(v.Checkbox, label="Side by side (three strategies)").widget.v_model = True
        with contextlib.redirect_stdout(io.StringIO()):
            rc.find(v.Btn, children=["Reset"]).widget.click()
        rc.find(children=["Time: 0.0"]).assert_single()
        assert len(app.classroom.value.worlds) == 3
        network = grey(images()[0])
        assert network.shape[1] == 3 * grey(first[0]).shape[1]
        rc.close()
    finally:
        app.classroom.value = before


@pytest.mark.parametrize("side_by_side", [False, True])
def test_the_app_stops_on_election_day(app, tiny, side_by_side):
    """SolaraViz's Play runs while ``model.running``: it must turn False on the last day, and a
    further Step must not advance past the election."""
    model = app.ClassroomModel(side_by_side=side_by_side)
    steps = next(iter(model.worlds.values())).config.steps
    for _ in range(steps - 1):
        model.step()
        assert model.running
    model.step()
    assert not model.running
    model.step()
    assert {w.step_count for w in model.worlds.values()} == {steps}
