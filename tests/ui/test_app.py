"""The classroom app in a real browser: it loads cleanly, draws, steps, and obeys its controls.

Fixtures (``app``, ``app_server``) live in ``conftest.py``. Every test presses Reset first: the
server's model is shared by every tab.
"""

from __future__ import annotations

import re

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py skips these tests (or fails them under CI) with the reason
    expect = None

MIN_SIDE = 100  # px: a real figure, not an icon or a placeholder
MIN_STD = 10.0  # grey-level standard deviation: a drawn figure, not a blank or flat image
DIFFERENT = 0.05  # mean absolute grey-level difference: two figures are not the same picture
# The charts' day axis spans the whole scenario (120 days in ~500 px), so a few days of a changed
# run differ from the default run by a short stretch of line: count the pixels that changed.
SLIDER_DAYS = 3
CHANGED_PIXELS = 30  # pixels that must differ after a few days of 1,500 vs 300 posts seen a day


def assert_drawn(fig, what: str) -> None:
    assert fig.width > MIN_SIDE and fig.height > MIN_SIDE, f"{what}: {fig.width}x{fig.height} px"
    std = float(fig.pixels.std())
    assert std > MIN_STD, f"{what} looks blank (pixel standard deviation {std:.1f})"


def test_page_loads_without_errors(app):
    """Load, Reset, Step: no console error, no uncaught exception, no failed or outside request
    (Solara's assets come from the local cache: the app works offline)."""
    app.reset()
    app.step()
    expect(app.page.get_by_text("Time: 1.0", exact=True)).to_be_visible()
    for name in ("Reset", "▶", "Step"):
        expect(app.button(name)).to_be_visible()
    for label in ("Champions", "Guidance", "Institution trust", "Posts seen a day"):
        expect(app.page.get_by_text(label, exact=True)).to_be_visible()
        expect(app.page.get_by_role("slider", name=label)).to_be_attached()
    expect(app.page.get_by_role("button", name=re.compile("^Feed algorithm"))).to_be_visible()
    for label in ("Backfire", "Side by side (three strategies)"):
        expect(app.page.get_by_text(label, exact=True)).to_be_visible()
        expect(app.page.get_by_role("checkbox", name=label)).to_be_attached()
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


def test_step_advances_time_and_redraws_charts(app):
    """Step: "Time: 0.0" becomes "Time: 1.0" and the charts show a different picture; Reset then
    Step again reproduces that picture exactly (same seed, same model)."""
    app.reset()
    expect(app.time_text(0)).to_be_visible()
    before = app.charts()
    app.button("Step").click()
    expect(app.time_text(1)).to_be_visible()
    expect(app.time_text(0)).to_have_count(0)
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


def test_posts_seen_slider_changes_the_model(app):
    """Posts seen a day 300 -> 1,500 (five times the attention), Reset, a few Steps: the charts
    differ from the default run's at the same time (and the default run is reproducible, so the
    difference is the slider's doing)."""
    app.reset()
    app.step(SLIDER_DAYS)
    default = app.charts()

    slider = app.page.get_by_role("slider", name="Posts seen a day")
    expect(slider).to_have_attribute("aria-valuenow", "300")
    slider.focus()
    slider.press("End")  # the slider's maximum, 1,500
    expect(slider).to_have_attribute("aria-valuenow", "1500")

    app.reset()
    app.step(SLIDER_DAYS)
    changed = app.charts()
    assert_drawn(changed, "charts with 1,500 posts seen a day")
    diff = changed.changed_pixels(default)
    assert diff >= CHANGED_PIXELS, f"1,500 posts a day drew the charts of 300 ({diff} px differ)"
    app.screenshot("seen_1500")

    # back to 300: the default picture again, so the slider (not chance) made the difference
    slider.focus()
    slider.press("Home")  # 50
    for _ in range(5):
        slider.press("ArrowRight")
    expect(slider).to_have_attribute("aria-valuenow", "300")
    app.reset()
    app.step(SLIDER_DAYS)
    assert app.charts().differs_from(default) == 0.0, "300 posts a day again: not the default run"
    assert app.errors() == [], "\n".join(app.errors())


def test_side_by_side_shows_three_worlds(app):
    """The side-by-side checkbox + Reset: the network figure holds three drawn panels (three times
    as wide, each third not blank), shown across the page's full width above the charts (large
    enough for a projector); unticked + Reset: one panel again, beside the charts."""
    app.reset()
    single = app.network()
    single_box = app.network_img().bounding_box()
    assert 0.6 < single.width / single.height < 1.0, (single.width, single.height)

    label = "Side by side (three strategies)"
    box = app.page.get_by_role("checkbox", name=label)
    expect(box).not_to_be_checked()
    app.page.get_by_text(label, exact=True).click()  # Vuetify overlays the <input>: click its label
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
    for k, world in enumerate(("party absent", "institution only", "champion driven")):
        panel = triple.pixels[:, k * third : (k + 1) * third]
        assert panel.std() > MIN_STD, f"panel {k + 1} ({world}) looks blank"
    # the three worlds differ (their strategies do), so the panels are not copies
    panels = [triple.pixels[:, k * third : (k + 1) * third] for k in range(3)]
    assert (panels[0] != panels[2]).mean() > 0.001, "panels 1 and 3 are identical"
    app.step()
    assert_drawn(app.charts(), "charts of three worlds")
    app.screenshot("side_by_side")

    app.page.get_by_text(label, exact=True).click()
    expect(box).not_to_be_checked()
    app.reset()
    assert app.network().width == single.width, "one world again after unticking + Reset"
    assert app.errors() == [], "\n".join(app.errors())
