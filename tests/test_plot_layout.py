"""Plots are checked by numbers, not looks: facet counts and sizes stay readable."""

from __future__ import annotations

import numpy as np
import pytest

from model.plots import opinion_histogram, party_colours


@pytest.mark.parametrize(("scenarios", "rows"), [(1, 1), (4, 1), (6, 2), (8, 2), (9, 3)])
def test_opinion_panels_wrap_at_four_a_row(scenarios, rows):
    rng = np.random.default_rng(0)
    fig = opinion_histogram(
        {f"s{i}": [rng.uniform(-1, 1, 200)] for i in range(scenarios)}, "Final opinions"
    )
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == scenarios
    assert [ax.get_title() for ax in visible] == [f"s{i}" for i in range(scenarios)]
    width, height = fig.get_size_inches()
    assert width <= 3.2 * 4 + 1  # never a strip wider than four panels
    assert height == pytest.approx(3.0 * rows + 0.9)


def test_opinion_panels_mark_each_party_line_in_its_colour():
    rng = np.random.default_rng(1)
    lines = {"a": {"blue": 0.25, "red": -0.25}, "b": {"blue": 0.25, "red": -0.25}}
    fig = opinion_histogram({k: [rng.uniform(-1, 1, 100)] for k in lines}, "Final", lines)
    colours = party_colours(["blue", "red"])
    for ax in fig.axes[:2]:
        marks = {line.get_label(): line for line in ax.get_lines()}
        assert set(marks) == {"blue's line", "red's line"}
        for party, x in lines["a"].items():
            mark = marks[f"{party}'s line"]
            assert mark.get_xdata()[0] == x and mark.get_color() == colours[party]
    legend = fig.legends[0]
    assert "blue at +0.25, red at -0.25" in legend.get_title().get_text()


# --- the comparison's plots -------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison():
    """Four tiny scenarios compared on 3 replicates: an absent party, an account, and two
    identical champion programmes (so two points coincide in every plot)."""
    from model.comparison import compare
    from model.config import scenario_from_dict
    from tests.conftest import tiny_data

    def world(name, **blue):
        data = tiny_data(citizens=120, steps=12)
        data["name"] = name
        data["parties"]["blue"] = {"position": 0.25, **blue}
        return scenario_from_dict(data)

    champions = {
        "institution": {"enabled": True},
        "staff": {"per_1000": 1000 / 120, "ties": 20},
        "champions": {"enabled": True, "initial_per_1000": 2000 / 120, "min_engagement": 0.0},
    }
    scenarios = [
        world("absent"),
        world("account", institution={"enabled": True}),
        world("champions", **champions),
        world("champions_again", **champions),
    ]
    return compare(scenarios, replicates=3, seed=4)


def test_vote_share_axis_fits_the_data_and_scenarios_never_wear_party_colours(comparison):
    from matplotlib import colors

    from model.plots import comparison_timeseries, party_colours

    fig = comparison_timeseries(comparison, "vote_share", "Vote intention")
    parties = comparison.comparison["parties"]
    assert len(fig.axes) == len(parties)
    party = {colors.to_hex(c) for c in party_colours(parties).values()}
    for ax in fig.axes:
        lines = ax.get_lines()
        assert len(lines) == 4  # one per scenario
        assert not {colors.to_hex(line.get_color()) for line in lines} & party
        styles = {(colors.to_hex(line.get_color()), line.get_linestyle()) for line in lines}
        assert len(styles) == 4  # no two scenarios look alike
        values = np.concatenate([line.get_ydata() for line in lines])
        assert 1.0 < values.min() and values.max() < 99.0  # percent, not fractions
        # the axis fits what is drawn (means and bands) with a small margin; it is not pinned
        # at 0, which would squash a 25-35 % race into the top of the panel
        lo, hi = ax.get_ylim()
        y0 = min(a.dataLim.y0 for a in fig.axes)  # the panels share their y axis
        y1 = max(a.dataLim.y1 for a in fig.axes)
        span = y1 - y0
        assert y0 - 0.1 * span <= lo <= y0 and y1 <= hi <= y1 + 0.1 * span
        assert lo > 0


def test_vote_share_names_a_scenario_hidden_under_an_identical_one(comparison):
    """champions_again repeats champions at every step: its line hides the other's, so the
    legend says so; the title says the bands are levels and points to the paired differences."""
    from model.plots import comparison_timeseries

    fig = comparison_timeseries(comparison, "vote_share", "Vote intention")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == "absent" and labels[2:] == [
        "champions",
        "champions_again (same as champions)",
    ]
    # the account is marked exactly when its means repeat the absent party's at every step
    ts = comparison.timeseries
    votes = ts[ts.metric == "vote_share"].groupby(["scenario", "party", "step"])["value"].mean()
    same = np.allclose(votes["account"], votes["absent"], rtol=0, atol=1e-12)
    assert labels[1] == ("account (same as absent)" if same else "account")
    title = fig.get_suptitle()
    assert "each band is that scenario's own 95% interval (its level)" in title
    assert "paired differences" in title and "effects.png" in title


def test_forest_plot_shows_every_pair_once(comparison):
    from model.plots import effects

    fig = effects(comparison, "vote_share")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == len(comparison.comparison["parties"])
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert len(labels) == 6  # 4 scenarios: 3 primary + 3 others
    assert labels[:3] == ["account − absent", "champions − absent", "champions_again − absent"]


def test_cost_effectiveness_plane_marks_the_frontier(comparison):
    from model.plots import cost_effectiveness

    fig = cost_effectiveness(comparison)
    table = comparison.comparison["icer"]["blue"]["strategies"]
    statuses = [r["status"] for r in table.values()]
    assert statuses.count("D") >= 1  # the identical programme is not on the frontier twice
    ax = fig.axes[0]
    frontier = ax.get_lines()[0]
    assert len(frontier.get_xdata()) == statuses.count("ND")
    assert "red" not in comparison.comparison["icer"]  # red's spending does not vary


# --- a sweep's analysis plots ---------------------------------------------------------------


def _grid(values: dict) -> tuple:
    """A grid Experiment over ``values`` and a summary table with a known mean per point."""
    import itertools

    from model.config import scenario_from_dict
    from model.config.experiment import Experiment, Factor

    factors = tuple(Factor(k, values=tuple(v)) for k, v in values.items())
    exp = Experiment(
        name="g",
        description="",
        source="<t>",
        base_dir=None,
        base=scenario_from_dict({}),
        factors=factors,
        design="grid",
        samples=1,
        replicates=3,
        seed=0,
        outputs=("y",),
    )
    rows = []
    for p, combo in enumerate(itertools.product(*values.values())):
        mean = 0.3 + 0.01 * p
        rows.append(
            {
                "point": p,
                **dict(zip(values, combo, strict=True)),
                "n": 3,
                "y.mean": mean,
                "y.ci_low": mean - 0.02,
                "y.ci_high": mean + 0.02,
            }
        )
    import pandas as pd

    return exp, pd.DataFrame(rows)


def test_response_panels_skip_constant_keys_and_wrap_at_three():
    from model.plots import response_curves

    exp, summary = _grid(
        {
            "population.openness": [0.3, 0.6],
            "feed.attention": [3, 5],
            "feed.bias": [1.0],
            "network.mean_degree": [6, 8],
            "opinion.rate": [0.01, 0.02],
        }
    )
    fig = response_curves(exp, summary, "y")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4  # feed.bias takes one value: no panel
    assert "bias" not in " ".join(ax.get_xlabel() for ax in visible)
    width, _ = fig.get_size_inches()
    assert width <= 4.6 * 3 + 0.1  # never a strip wider than three panels


def test_heatmap_cells_show_their_noise():
    from model.plots import heatmap

    exp, summary = _grid({"population.openness": [0.3, 0.6], "feed.attention": [3, 5]})
    ax = heatmap(exp, summary, "y").axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 4 and all("±0.02" in t for t in texts)
    assert "noise" in ax.get_title()  # a 0.03 colour span under a ±0.02 level noise
    assert "averaged" not in ax.get_title()  # two keys: nothing averaged


def _drawn(fig):
    """The figure drawn (Agg), so its texts have their real extents."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_heatmap_title_fits_the_figure_and_names_the_keys_it_averages_over():
    """A third varied key is averaged over, and the title says so; every title line (the noise
    warning too) fits inside the figure's width instead of being cut off at its edges."""
    from model.plots import heatmap

    exp, summary = _grid(
        {
            "parties.blue.budget.staff": [0.1, 0.2, 0.3],
            "parties.blue.budget.paid_reach": [0.0, 0.1, 0.2],
            "parties.blue.budget.champions": [0.1, 0.2],
        }
    )
    summary["y.mean"] = 0.3 + 0.001 * summary["point"]  # a colour span under the noise
    fig = heatmap(exp, summary, "y")
    ax = fig.axes[0]
    title = ax.get_title()
    assert "averaged over 1 other key (champions)" in title and "noise" in title
    assert len(ax.texts) == 9  # 3 × 3 cells, champions averaged
    renderer = _drawn(fig)
    box = ax.title.get_window_extent(renderer)
    width = fig.get_size_inches()[0] * fig.dpi
    assert 0 <= box.x0 and box.x1 <= width, (box, width)
    # a key with one value is not "another key": nothing is averaged over it
    exp, summary = _grid(
        {"population.openness": [0.3, 0.6], "feed.attention": [3, 5], "feed.bias": [1.0]}
    )
    assert "averaged" not in heatmap(exp, summary, "y").axes[0].get_title()


def test_sobol_warning_flags_unresolved_indices():
    import pandas as pd

    from model.plots import sobol_unresolved

    ok = pd.DataFrame(
        {
            "factor": ["a", "b"],
            "S1": [0.5, 0.2],
            "S1_conf": [0.05, 0.04],
            "ST": [0.6, 0.3],
            "ST_conf": [0.05, 0.05],
        }
    )
    assert not sobol_unresolved(ok)
    assert sobol_unresolved(ok.assign(S1=[0.5, -0.2]))  # negative beyond rounding
    assert sobol_unresolved(ok.assign(ST_conf=[0.05, 0.4]))  # interval wider than the index


def test_frontier_line_joins_points_no_cheaper_point_beats():
    import pandas as pd

    from model.plots import frontier_plot

    table = pd.DataFrame(
        {
            "k": [1.0, 2.0, 3.0, 4.0],
            "cost.blue.mean": [100.0, 200.0, 300.0, 400.0],
            "vote_share.blue.mean": [0.30, 0.29, 0.33, 0.32],
            "vote_share.blue.ci_low": [0.29, 0.28, 0.32, 0.31],
            "vote_share.blue.ci_high": [0.31, 0.30, 0.34, 0.33],
        }
    )
    ax = frontier_plot(table, "blue", ["k"]).axes[0]
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "frontier"]
    assert list(line.get_xdata()) == [100.0, 300.0]  # 200 and 400 are beaten by cheaper points
    assert list(line.get_ydata()) == pytest.approx([30.0, 33.0])  # percent


def test_frontier_labels_are_design_points_and_coinciding_points_share_one_label():
    """Labels are the report's point indices (not 1, 2, … in cost order); points at the same
    place are one label "1, 2, 4", not numbers stacked on each other; no two labels overlap."""
    import pandas as pd

    from model.plots import frontier_plot

    table = pd.DataFrame(  # sorted by cost, as analysis.frontier gives it
        {
            "point": [3, 4, 1, 2, 0],
            "k": [3.0, 4.0, 1.0, 2.0, 0.0],
            "cost.blue.mean": [100.0, 200.0, 200.0, 200.0, 300.0],
            "vote_share.blue.mean": [0.30, 0.32, 0.32, 0.32, 0.33],
            "vote_share.blue.ci_low": [0.29, 0.31, 0.31, 0.31, 0.32],
            "vote_share.blue.ci_high": [0.31, 0.33, 0.33, 0.33, 0.34],
        }
    )
    fig = frontier_plot(table, "blue", ["k"])
    ax = fig.axes[0]
    labels = [a for a in ax.texts if hasattr(a, "xyann")]  # the annotations at the points
    assert sorted(a.get_text() for a in labels) == ["0", "1, 2, 4", "3"]
    listing = [t for t in ax.texts if not hasattr(t, "xyann")][0].get_text().splitlines()
    assert listing[0] == "point" and listing[1:] == [f" {i}  k={i:g}" for i in range(5)]
    renderer = _drawn(fig)
    boxes = [a.get_window_extent(renderer) for a in labels]
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])


def test_response_panels_draw_a_switch_as_two_options_with_named_lines():
    """A switch (False/True) is two labelled positions, not a 0-1 number line, and each line
    names its key by its last two parts ("institution.enabled", not a bare "enabled")."""
    from model.plots import response_curves

    exp, summary = _grid(
        {
            "parties.blue.institution.enabled": [False, True],
            "parties.blue.staff.per_1000": [0.0, 2.5],
        }
    )
    fig = response_curves(exp, summary, "y")
    switch, staff = [ax for ax in fig.axes if ax.get_visible()]
    assert [t.get_text() for t in switch.get_xticklabels()] == ["False", "True"]
    assert list(switch.get_xticks()) == [0, 1]
    labels = [t.get_text() for t in staff.get_legend().get_texts()]
    assert labels == ["institution.enabled = False", "institution.enabled = True"]
