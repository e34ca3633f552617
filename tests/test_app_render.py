"""The classroom app without a browser: what a step draws, the shared classroom, the page.

No timing here: speed is measured by ``benchmarks/bench_app.py``. These tests check that the
figures a step produces are right (the blitted frame is the full drawing), that the axes fit and
hold every line, that the colour scale says which end is which party, that the one shared
classroom steps, plays, stops (election day, no tab left) and resets, and that the whole page,
rendered in-process by Solara, follows it — also in two tabs at once. The browser tests are in
``tests/ui/``.
"""

from __future__ import annotations

import contextlib
import io
import time

import numpy as np
import pytest
import yaml

from tests.conftest import per_1000, tiny_data

CHANGED = 8  # grey levels: a pixel that differs by more is drawn differently
WAIT = 30.0  # s: the longest a page or a reset may take here


@pytest.fixture(scope="module")
def app():
    """model.app, imported once (Solara and Mesa take a few seconds to import)."""
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


@pytest.fixture
def room(app, tiny, monkeypatch):
    """A fresh shared classroom on the tiny world, installed as the page's ``classroom``."""
    classroom = app.Classroom(play_interval=0.01, grace=0.3)
    monkeypatch.setattr(app, "classroom", classroom)
    yield classroom
    classroom.pause()


def until(check, what: str, timeout: float = WAIT) -> None:
    """Wait until ``check()`` holds (it may raise AssertionError meanwhile)."""
    end = time.monotonic() + timeout
    while True:
        try:
            if check() is not False:
                return
        except AssertionError:
            if time.monotonic() > end:
                raise
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


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


def render_page(app):
    """The whole page, rendered in-process as a Solara server would (one tab)."""
    import solara

    with contextlib.redirect_stdout(io.StringIO()):  # the app bar print()s outside Jupyter
        _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    return rc


def slider_values(rc) -> list[str]:
    """The values shown beside the sliders."""
    import ipyvuetify as v

    return [w.children[0] for w in rc.find(v.Html, class_="sw-value").widgets]


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
    opinion = model.pictures().png("opinion")  # another colouring: the network only
    assert opinion[0] != after[0] and opinion[1] == after[1]


@pytest.mark.parametrize("colour_by", ["change since day 0", "opinion"])
@pytest.mark.parametrize("side_by_side", [False, True], ids=["single", "side_by_side"])
def test_blitted_frames_are_the_full_drawing(app, tiny, side_by_side, colour_by):
    """Restoring the background and drawing the moving artists over it gives the picture a full
    draw gives, also after the axes and the colour scale grew.
    (The charts' lines are drawn over the axes' frames, not under: a few pixels differ.)"""
    model = app.ClassroomModel(side_by_side=side_by_side, champions=12)
    pictures = model.pictures()
    pictures.png(colour_by)
    for _ in range(12):
        model.step()
        network, charts = pictures.png(colour_by)
    assert pictures.charts.ylims[pictures.charts.champions][1] > 10  # the axis grew
    assert np.array_equal(grey(network), full_drawing(pictures.network, app))
    differ = np.abs(grey(charts) - full_drawing(pictures.charts, app)) > CHANGED
    assert differ.mean() < 0.001, f"{differ.sum()} pixels of the charts differ from a full draw"


def test_axes_fit_and_hold_every_line(app, tiny):
    """Every line stays inside its axes; vote intention and share of voice are in %, the vote
    axis fitted to the votes (a few points wide, not 0-100), the day axis the whole campaign."""
    model = app.ClassroomModel(side_by_side=True, champions=15)
    for _ in range(40):
        model.step()
        model.pictures().png()
    charts = model.pictures().charts
    for line, *_ in charts.lines:
        ax = line.axes
        x, y = line.get_xdata(), line.get_ydata()
        assert x.size == 41 and ax.get_xlim() == (0, 40), ax.get_title()
        assert ax.get_ylim()[0] <= y.min() and y.max() <= ax.get_ylim()[1], ax.get_title()
    votes = np.concatenate(
        [line.get_ydata() for line, _, m, *_ in charts.lines if m == "vote_share"]
    )
    assert votes.max() > 1, "vote intention in %, not as a share"
    lo, hi = charts.vote.get_ylim()
    span = votes.max() - votes.min()  # fitted: a margin of 10 % (or 0.5 pp), 2-point steps
    assert lo > 0 and hi - lo <= max(1.2 * span + 4, 6) + 1e-9, (lo, hi, votes.min(), votes.max())
    assert charts.vote.yaxis.get_major_formatter()(lo, 0).endswith("%")
    # the paired difference: each strategy's first-party vote minus the first world's, in pp
    first = next(iter(model.worlds.values()))
    for line, world in charts.effect_lines:
        k = world.parties.names.index(model.focal)
        expected = 100 * (world.vote[k] - first.vote[k])
        assert line.get_ydata()[-1] == pytest.approx(expected)
        lo, hi = charts.effect.get_ylim()
        assert lo <= line.get_ydata().min() and line.get_ydata().max() <= hi


def test_fitted_limits_snap_out_and_only_grow(app):
    from model.animate import fitted_limits

    assert fitted_limits([25.6, 28.1], step=2.0, min_span=6.0) == (24.0, 30.0)
    assert fitted_limits([25.0, 26.0], step=2.0, min_span=6.0, now=(20.0, 30.0)) == (20.0, 30.0)
    assert fitted_limits([31.0], step=2.0, min_span=6.0, now=(24.0, 30.0)) == (24.0, 34.0)


@pytest.mark.parametrize("colour_by", ["change since day 0", "opinion"])
def test_colour_scale_says_which_end_is_which_party(app, tiny, colour_by):
    """The colour scale under the network names the party at each end (red at −1, blue at +1
    here); on the change scale its half-width grows in nice steps as people move."""
    model = app.ClassroomModel()
    pictures = model.pictures()
    pictures.png(colour_by)
    labels = {t.get_text() for t in pictures.network.scale.texts}
    if colour_by == "opinion":
        assert {"red", "blue"} <= labels, labels
        assert [t.get_text() for t in pictures.network.scale.get_xticklabels()] == ["−1", "0", "+1"]
    else:
        assert {"← toward red", "toward blue →"} <= labels, labels
        start = pictures.network.limit
        for _ in range(40):
            model.step()
            pictures.png(colour_by)
        world = next(iter(model.worlds.values()))
        moved = np.abs(world.population.x[:, 0] - pictures.network.panels[0][5])
        assert pictures.network.limit >= min(np.percentile(moved, 98), 2.0) - 1e-12
        assert pictures.network.limit >= start
        assert pictures.network.limit in (0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


def test_comparison_rows_are_paired_differences(app, tiny):
    model = app.ClassroomModel(side_by_side=True)
    for _ in range(5):
        model.step()
    rows = app.comparison_rows(model)
    assert [r["world"] for r in rows] == list(app.STRATEGIES)
    k = next(iter(model.worlds.values())).parties.names.index(model.focal)
    votes = [100 * w.vote[k] for w in model.worlds.values()]
    for row, vote in zip(rows, votes, strict=True):
        assert row["vote"] == pytest.approx(vote)
        assert row["vote_diff"] == pytest.approx(vote - votes[0])
    assert rows[0]["voice"] == 0.0  # party absent: no party voice of its own
    assert "champions" in rows[2] and "champions" not in rows[0]
    assert app.comparison_rows(app.ClassroomModel()) == []  # one world: nothing to compare


@pytest.mark.parametrize("side_by_side", [False, True])
def test_the_app_stops_on_election_day(app, tiny, side_by_side):
    """Play runs while ``model.running``: it must turn False on the last day, and a further Step
    must not advance past the election."""
    model = app.ClassroomModel(side_by_side=side_by_side)
    steps = next(iter(model.worlds.values())).config.steps
    assert model.election_day == steps
    for _ in range(steps - 1):
        model.step()
        assert model.running
    model.step()
    assert not model.running
    model.step()
    assert {w.step_count for w in model.worlds.values()} == {steps}


def test_play_stops_on_election_day_and_step_waits_for_reset(room):
    tab = room.connect(lambda: True)
    room.play()
    until(lambda: not room.playing, "play to stop")
    assert room.model.day == room.model.election_day
    room.step()
    room.play()
    assert room.model.day == room.model.election_day and not room.playing
    room.reset()
    assert room.model.day == 0 and room.model.running
    room.disconnect(tab)


def test_play_goes_on_while_a_tab_is_connected_and_stops_without(room):
    """Play steps while some tab is connected; with none for ``grace`` seconds it stops (and
    does not step meanwhile)."""
    connected = {"a": True, "b": True}
    tabs = [room.connect(lambda k=k: connected[k]) for k in connected]
    room.play()
    until(lambda: room.model.day >= 3, "play to advance")
    connected["a"] = False  # one tab left: play goes on
    day = room.model.day
    until(lambda: room.model.day >= day + 3, "play to go on with one tab")
    assert room.playing
    connected["b"] = False  # none left
    until(lambda: not room.playing, "play to stop with no tab")
    stopped = room.model.day
    time.sleep(0.2)
    assert room.model.day == stopped < room.model.election_day
    for tab in tabs:
        room.disconnect(tab)
    assert room.tabs() == 0


def test_sliders_are_shared_and_apply_at_reset(room):
    assert room.model.day == 0  # the first world, built with the sliders as they were
    room.set_param("guidance", 0.1)
    assert room.params["guidance"] == 0.1 and room.pending() == ["Guidance"]
    assert room.model.worlds  # still the old world until Reset
    room.set_param("seed", "7")
    assert room.params["seed"] == 7
    room.reset()
    assert room.pending() == [] and room.applied["guidance"] == 0.1
    world = next(iter(room.model.worlds.values()))
    assert world.config.parties["blue"].champions.guidance == 0.1 and world.seed == 7
    room.set_param("seed", "seven")
    room.reset()
    assert "Seed: expected a whole number" in room.error
    assert world is next(iter(room.model.worlds.values()))  # the old world stays
    with pytest.raises(KeyError):
        room.set_param("speed", 3)


def test_reset_shows_it_is_working_until_the_new_world_is_drawn(app, room, monkeypatch):
    """start_reset returns at once: every tab sees "Resetting…" (disabled) and a progress bar
    until the new world is built and drawn; Step and Play are refused meanwhile."""
    import threading

    import ipyvuetify as v

    old = room.model
    rc = render_page(app)
    gate = threading.Event()  # holds the new world back: a slow Reset
    build = app.ClassroomModel

    def slow(**kwargs):
        gate.wait(WAIT)
        return build(**kwargs)

    monkeypatch.setattr(app, "ClassroomModel", slow)
    try:
        thread = room.start_reset()
        until(lambda: rc.find(v.Btn, children=["Resetting…"]).assert_single(), "busy button")
        assert rc.find(v.Btn, children=["Resetting…"]).widget.disabled
        assert rc.find(v.ProgressLinear).widgets
        room.step()
        room.play()
        assert room.model is old and old.day == 0 and not room.playing
        assert room.start_reset() is None  # one reset at a time
    finally:
        gate.set()
    thread.join(WAIT)
    until(lambda: rc.find(v.Btn, children=["Reset"]).assert_single(), "Reset again")

    def drawn():  # the button and the bar are separate widgets: under load one renders first
        assert not rc.find(v.ProgressLinear).widgets

    until(drawn, "progress bar gone")
    assert room.model is not old
    rc.close()


def test_the_page_steps_shows_values_and_three_worlds(app, room):
    """The whole page, rendered in-process: the day counter, the sliders' values, Step redraws
    both figures, side by side + Reset gives three networks and the comparison table, and
    Mesa's internal controls are not there."""
    import ipyvuetify as v
    import ipywidgets

    def images() -> list[bytes]:
        return [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]

    rc = render_page(app)
    until(lambda: rc.find(children=["Day 0 of 40"]).assert_single(), "the day counter")
    assert slider_values(rc) == ["5", "0.30", "0.50", "171"]
    for internal in ("Play Interval (ms)", "Render Interval (steps)", "Use Threads"):
        assert not rc.find(label=internal).widgets, internal
    first = images()
    assert len(first) == 2
    rc.find(v.Btn, children=["Step"]).widget.click()
    until(lambda: rc.find(children=["Day 1 of 40"]).assert_single(), "day 1")
    until(lambda: all(a != b for a, b in zip(first, images(), strict=True)), "new figures")

    rc.find(v.Slider, label="Guidance").widget.v_model = 0.1
    until(lambda: slider_values(rc)[1] == "0.10", "the new value shown")
    assert room.params["guidance"] == 0.1
    rc.find(v.Checkbox, label="Side by side (three strategies)").widget.v_model = True
    rc.find(v.Btn, children=["Reset"]).widget.click()
    until(lambda: len(room.model.worlds) == 3 and not room.resetting, "three worlds")
    until(lambda: rc.find(children=["Day 0 of 40"]).assert_single(), "day 0")
    until(lambda: grey(images()[0]).shape[1] == 3 * grey(first[0]).shape[1], "wide networks")
    from solara.widgets import HTML

    until(lambda: rc.find(HTML).widgets, "the comparison table")
    table = rc.find(HTML).widget.unsafe_innerHTML
    assert "Paired comparison" in table and "one paired replicate" in table
    assert all(f"<td>{world}</td>" in table for world in app.STRATEGIES)
    rc.close()


def test_two_tabs_show_one_world(app, room):
    """Two pages on one classroom: a Step or a slider in one shows in the other."""
    import ipyvuetify as v

    one, two = render_page(app), render_page(app)
    until(lambda: room.tabs() == 2, "two tabs")
    one.find(v.Btn, children=["Step"]).widget.click()
    until(lambda: two.find(children=["Day 1 of 40"]).assert_single(), "the step in tab two")
    two.find(v.Slider, label="Institution trust").widget.v_model = 0.8
    until(lambda: one.find(v.Slider, label="Institution trust").widget.v_model == 0.8, "slider")
    assert slider_values(one)[2] == "0.80"
    one.close()
    until(lambda: room.tabs() == 1, "one tab left")
    two.close()
    until(lambda: room.tabs() == 0, "no tab left")


def test_many_seeds_pairs_each_strategy_by_seed(app, tiny):
    """The app's comparison over many seeds: each strategy to election day on the replicate
    seeds of the world's seed; checked against runs made here, one by one."""
    from scipy import stats

    from model.rng import replicate_seeds
    from model.runner import run

    params = app.default_params() | {"seed": 5}
    got = app.many_seeds(params, seeds=3)
    focal, worlds = app.classroom_worlds(
        **{k: v for k, v in params.items() if k not in ("seed", "side_by_side")},
        side_by_side=True,
    )
    votes = np.array(
        [
            [
                100 * run(s, seed=r).summary["final"]["vote_share"][focal]
                for r in replicate_seeds(5, 3)
            ]
            for s in worlds.values()
        ]
    )
    assert [r["world"] for r in got["rows"]] == list(worlds)
    for k, row in enumerate(got["rows"]):
        assert row["vote"]["mean"] == pytest.approx(votes[k].mean())
        if k == 0:
            assert "diff" not in row
            continue
        d = votes[k] - votes[0]
        half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
        assert row["diff"]["mean"] == pytest.approx(d.mean())
        assert row["diff"]["ci_high"] - row["diff"]["mean"] == pytest.approx(half)


def test_many_seed_results_belong_to_the_world_they_were_run_for(app, room, monkeypatch):
    monkeypatch.setattr(app, "MANY_SEEDS", 2)
    room.set_param("side_by_side", True)
    room.reset()
    serial = room.model.serial
    room.compare_many()
    results = room.many_results()
    assert results is not None and len(results["rows"]) == 3 and results["seeds"] == 2
    assert room.many_progress is None
    room.reset()  # a new world: the old comparison is not shown for it
    assert room.model.serial != serial and room.many_results() is None
