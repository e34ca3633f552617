"""The classroom app in a real browser: it loads cleanly, draws, steps, obeys its controls, shows
its sliders' values and the day, stops on election day, compares strategies, and keeps one world
for every tab — which stops playing when no tab is left.

Fixtures (``app``, ``new_tab``, ``app_process``) live in ``conftest.py``. Every test presses
Reset first, and puts back any slider it moves: the server's one world is shared by every tab.
"""

from __future__ import annotations

import re
import time

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py skips these tests (or fails them under CI) with the reason
    expect = None

MIN_SIDE = 100  # px: a real figure, not an icon or a placeholder
MIN_STD = 10.0  # grey-level standard deviation: a drawn figure, not a blank or flat image
DIFFERENT = 0.05  # mean absolute grey-level difference: two figures are not the same picture
# The charts' day axis spans the whole campaign, so a few days of a changed run differ from the
# default run by a short stretch of line: count the pixels that changed.
SLIDER_DAYS = 3
CHANGED_PIXELS = 30  # pixels that must differ after a few days of 1,710 vs 171 posts seen a day
VIEWPORT_HEIGHT = 1000  # px (conftest: 1600 x 1000)
ALONE_GRACE = 2.0  # s: model.app.ALONE_GRACE, how long Play waits for a tab before it stops
IDLE_CPU = 0.1  # share of one core the server may use with no tab open and nothing playing
STRATEGIES = ("party absent", "institution only", "champion driven")
SIDE_BY_SIDE = "Side by side (three strategies)"
# the sliders' values as the page shows them, as the classroom scenario sets them
DEFAULT_VALUES = {
    "Champions": "5",
    "Guidance": "0.30",
    "Institution trust": "0.50",
    "Posts seen a day": "171",
}


def assert_drawn(fig, what: str) -> None:
    assert fig.width > MIN_SIDE and fig.height > MIN_SIDE, f"{what}: {fig.width}x{fig.height} px"
    std = float(fig.pixels.std())
    assert std > MIN_STD, f"{what} looks blank (pixel standard deviation {std:.1f})"


def assert_in_sight(locator, what: str) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{what} is not shown"
    assert 0 <= box["y"] and box["y"] + box["height"] <= VIEWPORT_HEIGHT, f"{what} at {box}"


def press(slider, key: str, times: int) -> None:
    """Press ``key`` on a slider ``times`` times, each once the page has taken the last."""
    slider.focus()
    for _ in range(times):
        before = slider.get_attribute("aria-valuenow")
        slider.press(key)
        expect(slider).not_to_have_attribute("aria-valuenow", before)


def test_page_loads_with_its_controls_and_the_day_in_sight(app):
    """Load, Reset, Step: no console error, no uncaught exception, no failed or outside request
    (Solara's assets come from the local cache: the app works offline). The controls a class
    needs are there, Mesa's internal ones (play/render interval, threads) are not, and the day
    and the election day stay in sight at 1600 x 1000, also with the page scrolled down."""
    app.reset()
    app.step()
    last = app.election_day()
    expect(app.day_counter()).to_have_text(f"Day 1 of {last}")
    expect(app.page.get_by_text(f"election on day {last}", exact=True)).to_be_visible()
    for name in ("Reset", "▶", "Step"):
        expect(app.button(name)).to_be_visible()
    for label in ("Champions", "Guidance", "Institution trust", "Posts seen a day"):
        expect(app.page.get_by_text(label, exact=True)).to_be_visible()
        expect(app.slider(label)).to_be_attached()
    expect(app.page.get_by_role("button", name=re.compile("^Feed algorithm"))).to_be_visible()
    for label in ("Backfire", SIDE_BY_SIDE):
        expect(app.page.get_by_text(label, exact=True)).to_be_visible()
        expect(app.page.get_by_role("checkbox", name=label)).to_be_attached()
    for internal in ("Play Interval", "Render Interval", "Use Threads"):
        expect(app.page.get_by_text(re.compile(internal, re.IGNORECASE))).to_have_count(0)
    # Solara's banner sat over the last chart's axis labels
    expect(app.page.get_by_text("This website runs on")).to_have_count(0)
    assert_in_sight(app.day_counter(), "the day counter")
    app.charts_img().scroll_into_view_if_needed()
    app.page.mouse.wheel(0, 2000)
    assert_in_sight(app.day_counter(), "the day counter, page scrolled")
    assert app.errors() == [], "\n".join(app.errors())


def test_figures_are_drawn(app):
    """Two matplotlib figures, the network and the charts, real size and not blank."""
    app.reset()
    expect(app.figures()).to_have_count(2)
    network, charts = app.network(), app.charts()
    assert_drawn(network, "network figure")
    assert_drawn(charts, "charts figure")
    # one world: a single panel (square, with its title above and legend below); the charts are
    # a landscape 2x2 grid as tall as the network, beside it
    assert 0.6 < network.width / network.height < 1.0, (network.width, network.height)
    assert charts.width > charts.height, (charts.width, charts.height)
    assert charts.height == network.height, (charts.height, network.height)
    net_box, charts_box = app.network_img().bounding_box(), app.charts_img().bounding_box()
    assert net_box["x"] + net_box["width"] <= charts_box["x"] + 1, "network and charts overlap"
    assert abs(net_box["height"] - charts_box["height"]) < 0.05 * net_box["height"], (
        net_box,
        charts_box,
    )
    assert app.errors() == [], "\n".join(app.errors())


def test_step_advances_the_day_and_redraws_charts(app):
    """Step: "Day 0" becomes "Day 1" and the charts show a different picture; Reset then Step
    again reproduces that picture exactly (same seed, same model)."""
    app.reset()
    expect(app.day_text(0)).to_be_visible()
    before = app.charts()
    app.button("Step").click()
    expect(app.day_text(1)).to_be_visible()
    expect(app.day_text(0)).to_have_count(0)
    app.wait_for_new_src(app.charts_img(), before.src)
    after = app.charts()
    assert after.src != before.src
    assert_drawn(after, "charts after one step")
    assert after.differs_from(before) > DIFFERENT, "the charts did not change after Step"

    app.reset()
    app.step()
    again = app.charts()
    assert again.differs_from(after) == 0.0, "Reset + Step did not reproduce the same charts"
    assert app.errors() == [], "\n".join(app.errors())


def test_sliders_show_their_values(app):
    """Each slider shows its value beside it and the select its choice; moving a slider changes
    the value shown at once, and the page says it applies at the next Reset."""
    for label, text in DEFAULT_VALUES.items():
        expect(app.slider_value(label)).to_have_text(text)
        expect(app.slider_value(label)).to_be_visible()
        value = float(app.slider(label).get_attribute("aria-valuenow"))
        assert float(text.replace(",", "")) == value, (label, text, value)
    feed = app.page.get_by_role("button", name=re.compile("^Feed algorithm"))
    expect(feed).to_contain_text("chronological")

    guidance = app.slider("Guidance")
    press(guidance, "ArrowLeft", 4)  # 0.30 -> 0.10, the lesson's first setting
    expect(guidance).to_have_attribute("aria-valuenow", "0.1")
    expect(app.slider_value("Guidance")).to_have_text("0.10")
    pending = app.page.get_by_text(re.compile("Changed since the last Reset: Guidance"))
    expect(pending).to_be_visible()
    press(app.slider("Posts seen a day"), "End", 1)
    expect(app.slider_value("Posts seen a day")).to_have_text("1,710")

    press(guidance, "ArrowRight", 4)
    press(app.slider("Posts seen a day"), "Home", 1)
    press(app.slider("Posts seen a day"), "ArrowRight", 2)
    expect(app.slider_value("Guidance")).to_have_text("0.30")
    expect(app.slider_value("Posts seen a day")).to_have_text("171")
    expect(pending).to_have_count(0)
    assert app.errors() == [], "\n".join(app.errors())


def test_posts_seen_slider_changes_the_model(app):
    """Posts seen a day 171 -> 1,710 (ten times the attention), Reset, a few Steps: the charts
    differ from the default run's at the same time (and the default run is reproducible, so the
    difference is the slider's doing)."""
    app.reset()
    for label, text in DEFAULT_VALUES.items():
        expect(app.slider_value(label)).to_have_text(text)
    app.step(SLIDER_DAYS)
    default = app.charts()

    slider = app.slider("Posts seen a day")
    expect(slider).to_have_attribute("aria-valuenow", "171")
    press(slider, "End", 1)  # the slider's maximum, 1,710
    expect(slider).to_have_attribute("aria-valuenow", "1710")
    # the value beside the slider is drawn by the server: it has the new value before Reset
    expect(app.slider_value("Posts seen a day")).to_have_text("1,710")

    app.reset()
    app.step(SLIDER_DAYS)
    changed = app.charts()
    assert_drawn(changed, "charts with 1,710 posts seen a day")
    diff = changed.changed_pixels(default)
    assert diff >= CHANGED_PIXELS, f"1,710 posts a day drew the charts of 171 ({diff} px differ)"
    app.screenshot("seen_1710")

    # back to 171: the default picture again, so the slider (not chance) made the difference
    press(slider, "Home", 1)  # 57
    press(slider, "ArrowRight", 2)
    expect(slider).to_have_attribute("aria-valuenow", "171")
    expect(app.slider_value("Posts seen a day")).to_have_text("171")
    app.reset()
    # every slider as in the default run, and the world built from them (nothing pending)
    for label, text in DEFAULT_VALUES.items():
        expect(app.slider_value(label)).to_have_text(text)
    expect(app.page.get_by_text(re.compile("Changed since the last Reset"))).to_have_count(0)
    app.step(SLIDER_DAYS)
    assert app.charts().differs_from(default) == 0.0, "171 posts a day again: not the default run"
    assert app.errors() == [], "\n".join(app.errors())


def test_side_by_side_shows_three_worlds_and_their_paired_comparison(app):
    """The side-by-side checkbox + Reset: the network figure holds three drawn panels (three times
    as wide, each third not blank), shown across the page's full width above the charts (large
    enough for a projector), and a table, in sight, gives each strategy's vote and share of voice
    and their differences from the first, said to be one paired replicate; it follows the day.
    Unticked + Reset: one panel again, beside the charts, and no table."""
    app.reset()
    single = app.network()
    single_box = app.network_img().bounding_box()
    assert 0.6 < single.width / single.height < 1.0, (single.width, single.height)
    table = app.page.locator("table.sw-comparison")
    expect(table).to_have_count(0)

    box = app.page.get_by_role("checkbox", name=SIDE_BY_SIDE)
    expect(box).not_to_be_checked()
    app.page.get_by_text(SIDE_BY_SIDE, exact=True).click()  # Vuetify overlays the <input>
    expect(box).to_be_checked()
    app.reset()
    triple = app.network()
    ratio = triple.width / single.width
    assert 2.8 < ratio < 3.2, f"side by side: network {triple.width} px wide vs {single.width}"
    # on screen: the full width of the page (about twice one world's network), charts below it
    shown, charts_shown = app.network_img().bounding_box(), app.charts_img().bounding_box()
    viewport = app.page.viewport_size["width"]
    assert shown["width"] > 0.6 * viewport, f"networks {shown['width']:.0f} px wide of {viewport}"
    assert shown["width"] > 1.8 * single_box["width"], (shown, single_box)
    assert charts_shown["y"] >= shown["y"] + shown["height"] - 1, "charts not below the networks"
    third = triple.width // 3
    panels = [triple.pixels[:, k * third : (k + 1) * third] for k in range(3)]
    for k, world in enumerate(STRATEGIES):
        assert panels[k].std() > MIN_STD, f"panel {k + 1} ({world}) looks blank"
    # the three worlds differ (their strategies do), so the panels are not copies
    assert (panels[0] != panels[2]).mean() > 0.001, "panels 1 and 3 are identical"

    app.step(3)
    assert_drawn(app.charts(), "charts of three worlds")
    expect(table).to_be_visible()
    assert_in_sight(table, "the comparison table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    note = app.page.locator(".sw-note")
    expect(note).to_contain_text("day 3: the same seed and network")
    expect(note).to_contain_text("so one paired replicate and no interval")
    votes, diffs = [], []
    for k, world in enumerate(STRATEGIES):
        cells = rows.nth(k).locator("td").all_inner_texts()
        assert cells[0] == world, cells
        votes.append(float(cells[1].removesuffix(" %")))
        diffs.append(cells[2])
    assert diffs[0] == "—", diffs
    for k in (1, 2):  # the paired difference is this world's vote minus the first's
        match = re.fullmatch(r"([+-]\d+\.\d) pp", diffs[k])
        assert match, diffs[k]
        assert abs(float(match.group(1)) - (votes[k] - votes[0])) <= 0.11, (votes, diffs)
    app.screenshot("side_by_side")

    app.page.get_by_text(SIDE_BY_SIDE, exact=True).click()
    expect(box).not_to_be_checked()
    app.reset()
    assert app.network().width == single.width, "one world again after unticking + Reset"
    expect(table).to_have_count(0)
    assert app.errors() == [], "\n".join(app.errors())


def test_side_by_side_compares_over_many_seeds_with_intervals(app):
    """Side by side, the button runs the three strategies to election day on ten seeds and shows
    each one's vote and its paired difference from the first with a 95 % interval; a Reset
    takes the table away (it belongs to the world it was run for)."""
    app.page.get_by_text(SIDE_BY_SIDE, exact=True).click()
    try:
        app.reset()
        button = app.page.get_by_role("button", name=re.compile(r"^Compare over 10 seeds"))
        expect(button).to_be_visible()
        button.click()
        table = app.page.locator("table.sw-many")
        expect(table).to_be_visible(timeout=120_000)
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(3)
        number = r"[+-]?\d+\.\d"
        for k, world in enumerate(STRATEGIES):
            cells = rows.nth(k).locator("td").all_inner_texts()
            assert cells[0] == world, cells
            vote = re.fullmatch(rf"({number}) % \[({number}), ({number})\]", cells[1])
            assert vote, cells[1]
            low, mean, high = float(vote[2]), float(vote[1]), float(vote[3])
            assert low <= mean <= high and high - low > 0, cells[1]
            if k == 0:
                assert cells[2] == "—"
            else:
                assert re.fullmatch(rf"{number} pp \[{number}, {number}\]", cells[2]), cells[2]
        expect(app.page.locator(".sw-many-note")).to_contain_text("10 seeds")
        expect(button).to_be_enabled()
        app.reset()
        expect(table).to_have_count(0)
    finally:
        app.page.get_by_text(SIDE_BY_SIDE, exact=True).click()
        app.reset()
    assert app.errors() == [], "\n".join(app.errors())


def test_play_stops_on_election_day(app):
    """▶ plays up to election day and stops there: the day stays, ▶ and Step are disabled."""
    app.reset()
    last = app.election_day()
    app.button("▶").click()
    expect(app.button("❚❚")).to_be_visible()
    expect(app.day_text(last)).to_be_visible(timeout=60_000)
    expect(app.button("▶")).to_be_disabled()
    expect(app.button("Step")).to_be_disabled()
    expect(app.page.get_by_text("election day", exact=True)).to_be_visible()
    time.sleep(1.0)  # several play intervals
    assert app.day() == last
    assert app.errors() == [], "\n".join(app.errors())


def test_two_tabs_share_one_world(app, new_tab):
    """A second tab shows the same world: Steps taken in one tab and a slider moved in the other
    appear in both at once, and a reloaded tab opens on the current day and slider values."""
    app.reset()
    other = new_tab("second")
    expect(other.day_text(0)).to_be_visible()
    app.step(2)
    expect(other.day_text(2)).to_be_visible()  # live, without a reload
    other.wait_for_new_src(other.charts_img(), None)
    assert other.charts().differs_from(app.charts()) == 0.0, "the tabs draw different worlds"

    trust = other.slider("Institution trust")
    press(trust, "ArrowRight", 2)  # 0.50 -> 0.60
    expect(other.slider_value("Institution trust")).to_have_text("0.60")
    expect(app.slider_value("Institution trust")).to_have_text("0.60")
    expect(app.slider("Institution trust")).to_have_attribute("aria-valuenow", "0.6")

    other.page.reload()
    other.button("Step").wait_for()
    expect(other.day_text(2)).to_be_visible()
    expect(other.slider_value("Institution trust")).to_have_text("0.60")

    press(other.slider("Institution trust"), "ArrowLeft", 2)
    expect(app.slider_value("Institution trust")).to_have_text("0.50")
    other.screenshot("two_tabs_second")
    assert app.errors() == [] and other.errors() == [], app.errors() + other.errors()


def test_play_stops_when_no_tab_is_left(app_process, new_tab):
    """Play goes on while any tab is open (a second tab sees the days advance, and closing the
    first does not stop it), and stops once the last tab is closed: a tab opened later finds the
    day standing still and ▶ ready, and meanwhile the server idles."""
    first, second = new_tab("first"), new_tab("second")
    first.reset()
    last = first.election_day()
    first.button("▶").click()
    expect(second.button("❚❚")).to_be_visible()
    day = second.day()
    expect(second.day_counter()).not_to_have_text(f"Day {day} of {last}", timeout=5_000)

    first.page.close()
    time.sleep(ALONE_GRACE + 0.5)
    day = second.day()
    expect(second.day_counter()).not_to_have_text(f"Day {day} of {last}", timeout=5_000)
    assert second.day() < last, "election day came too soon to tell: lengthen DAYS"

    second.page.close()
    time.sleep(ALONE_GRACE + 1.0)  # Play notices and stops
    cpu = app_process.cpu_seconds()
    time.sleep(2.0)
    idle = (app_process.cpu_seconds() - cpu) / 2.0
    third = new_tab("third")
    stopped = third.day()
    expect(third.button("▶")).to_be_enabled()
    time.sleep(1.0)  # several play intervals
    assert third.day() == stopped < last, (stopped, third.day(), last)
    assert idle < IDLE_CPU, f"no tab open, yet the server used {idle:.0%} of a core"
    third.screenshot("no_tab_left")
    assert third.errors() == [], "\n".join(third.errors())
