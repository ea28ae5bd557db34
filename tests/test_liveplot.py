"""The live (bqplot) figure mirrors the matplotlib description: same data, limits, labels and ticks.

Every registered explorer that does not measure the machine is built, displayed (which builds its live
figure), then driven through a value of each control; after each change the bqplot marks must hold the
matplotlib artists' current data. Expected values are read from matplotlib, never from the mirror.
"""

from __future__ import annotations

import bqplot as bq
import ipywidgets as W
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from helpers.liveplot import LiveFigure
from helpers.plotting import course_style, log_axis, new_figure
from helpers.widgets import all_explorers

MEASURING = {"cluster.transfer", "convolution.fft_timing", "machine.matmul", "parallel.real_run"}
NAMES = sorted(n for n in all_explorers() if n not in MEASURING and not n.startswith("mpi"))


def _finite_xy(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def check_mirror(live: LiveFigure) -> int:
    """Assert every data line of every panel equals its matplotlib line; return how many were compared."""
    compared = 0
    for panel in live.panels:
        ax = panel.ax
        lo, hi = sorted(ax.get_xlim())
        assert panel.sx.min == pytest.approx(lo) and panel.sx.max == pytest.approx(hi)
        lo, hi = sorted(ax.get_ylim())
        assert panel.sy.min == pytest.approx(lo) and panel.sy.max == pytest.approx(hi)
        assert panel.x_axis.label == ax.get_xlabel() and panel.y_axis.label == ax.get_ylabel()
        assert panel.figure.title == ax.get_title()
        assert isinstance(panel.sx, bq.LogScale) == (ax.get_xscale() == "log")
        for mark in panel.marks:
            artist = mark.artist
            if isinstance(artist, Line2D) and artist.get_transform() == ax.transData and artist.get_visible():
                x, y = np.asarray(artist.get_xdata(), float), np.asarray(artist.get_ydata(), float)
                if ax.get_yscale() == "log":
                    y = np.where(y > 0, y, np.nan)
                if ax.get_xscale() == "log":
                    x = np.where(x > 0, x, np.nan)
                got_x, got_y = np.asarray(mark.mark.x, float), np.asarray(mark.mark.y, float)
                if isinstance(mark.mark, bq.Scatter):
                    x, y = _finite_xy(x, y)
                np.testing.assert_allclose(got_x, x, rtol=1e-12, equal_nan=True)
                np.testing.assert_allclose(got_y, y, rtol=1e-12, equal_nan=True)
                assert mark.mark.visible
                compared += 1
            elif isinstance(mark.mark, bq.Lines) and hasattr(mark, "rects"):
                shown = [r for r in mark.rects if r.get_visible()]
                if shown:
                    tops = np.nanmax(np.atleast_2d(np.asarray(mark.mark.y, float)), axis=1)
                    expected = [max(r.get_y(), r.get_y() + r.get_height()) for r in shown]
                    if ax.get_yscale() == "linear" and all(r.get_transform().contains_branch(ax.transData)
                                                           for r in shown):
                        np.testing.assert_allclose(tops, expected, rtol=1e-9, atol=1e-12)
                        compared += 1
            elif isinstance(artist, PathCollection) and artist.get_visible():
                offsets = np.asarray(artist.get_offsets(), float).reshape(-1, 2)
                x, y = _finite_xy(offsets[:, 0], offsets[:, 1])
                if len(x):
                    np.testing.assert_allclose(np.sort(mark.mark.x), np.sort(x), rtol=1e-9)
                    np.testing.assert_allclose(np.sort(mark.mark.y), np.sort(y), rtol=1e-9)
                    compared += 1
                else:
                    assert not mark.mark.visible
    return compared


@pytest.mark.parametrize("name", NAMES)
def test_live_figure_mirrors_matplotlib(name):
    explorer = all_explorers()[name]()
    _ = explorer.widget  # builds the live figure
    live = explorer.live
    assert live is not None and live.skipped == [], f"{name}: artists without a live counterpart: {live.skipped}"
    compared = check_mirror(live)
    for control in explorer.controls.values():
        options = getattr(control, "options", None)
        if isinstance(control, (W.IntSlider, W.FloatSlider, W.FloatLogSlider)):
            new = control.max if control.value != control.max else control.min
        elif options and not isinstance(control, W.SelectMultiple):
            values = [o[1] if isinstance(o, tuple) else o for o in options]
            new = values[-1] if control.value != values[-1] else values[0]
        elif isinstance(control, W.Checkbox):
            new = not control.value
        else:
            continue
        old = control.value
        control.value = new
        if explorer.error is None:
            compared += check_mirror(live)
        control.value = old
    images = any(isinstance(m.mark, bq.Image) for p in live.panels for m in p.marks)
    assert compared > 0 or images, f"{name}: nothing was compared"


def test_bars_and_spans_become_polygons_in_data_coordinates():
    with course_style():
        fig, ax = new_figure()
        bars = ax.bar([0, 1, 2], [3.0, 1.0, 2.0], width=0.5)
        ax.axvspan(1.5, 2.5, alpha=0.2)
        ax.set_ylim(0, 4)
    live = LiveFigure(fig)
    rects = live.panels[0].marks[0]
    xs, ys = np.asarray(rects.mark.x), np.asarray(rects.mark.y)
    # bar 1: x from 0.75 to 1.25, height 1 (from matplotlib's Rectangle, read independently here)
    bar = bars[1]
    assert xs[1].min() == pytest.approx(bar.get_x()) and xs[1].max() == pytest.approx(bar.get_x() + 0.5)
    assert ys[1].max() == pytest.approx(1.0)
    # the span covers the whole y range, whatever the limits are
    assert ys[3].min() == pytest.approx(0.0) and ys[3].max() == pytest.approx(4.0)
    bars[1].set_height(2.5)
    ax.set_ylim(0, 5)
    live.sync()
    ys = np.asarray(rects.mark.y)
    assert ys[1].max() == pytest.approx(2.5) and ys[3].max() == pytest.approx(5.0)


def test_log_axis_ticks_and_labels_are_matplotlibs():
    with course_style():
        fig, ax = new_figure()
        ax.plot([1, 1e6], [1e-3, 10])
        log_axis(ax)
        ax.set_xlim(1, 1e6)
    live = LiveFigure(fig)
    axis = live.panels[0].x_axis
    values = list(np.asarray(axis.tick_values))
    assert values == [10.0 ** k for k in range(7)]
    assert axis.tick_labels["1000"] == "1k" and axis.tick_labels["1000000"] == "1M"


def test_unchanged_sync_sends_nothing_and_changed_data_is_sent():
    with course_style():
        fig, ax = new_figure()
        line, = ax.plot([0, 1, 2], [0, 1, 4])
    live = LiveFigure(fig)
    mark = live.panels[0].marks[0].mark
    sent = []
    mark.observe(lambda change: sent.append(change["name"]), names=["x", "y", "colors"])
    live.sync()
    assert sent == []
    line.set_ydata([0, 2, 8])
    live.sync()
    assert sent == ["y"]
    np.testing.assert_array_equal(mark.y, [0, 2, 8])


def test_image_and_texts():
    with course_style():
        fig, ax = new_figure()
        ax.imshow(np.arange(12.0).reshape(3, 4), cmap="gray")
        note = ax.annotate("peak", (3, 2), textcoords="offset points", xytext=(5, 5))
        ax.text(0.5, 0.5, "centre", transform=ax.transAxes)
    live = LiveFigure(fig)
    marks = live.panels[0].figure.marks
    image = next(m for m in marks if isinstance(m, bq.Image))
    assert image.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(image.x) == [-0.5, 3.5]
    labels = [m for m in marks if isinstance(m, bq.Label)]
    texts = sorted(t for m in labels for t in m.text)
    assert texts == ["centre", "peak"]
    centre = next(m for m in labels if "centre" in list(m.text))
    x0, x1 = ax.get_xlim()
    assert centre.x[0] == pytest.approx((x0 + x1) / 2)
    note.set_text("top")
    live.sync()
    assert sorted(t for m in labels for t in m.text if m.visible) == ["centre", "top"]


def test_segments():
    with course_style():
        fig, ax = new_figure()
        coll = LineCollection([[(0, 0), (1, 1)], [(1, 0), (2, 1), (3, 0)]])
        ax.add_collection(coll)
        ax.set_xlim(0, 3)
    live = LiveFigure(fig)
    mark = live.panels[0].marks[0].mark
    assert np.asarray(mark.x).shape == (2, 3)  # ragged segments padded with their last point
    np.testing.assert_array_equal(np.asarray(mark.x)[0], [0, 1, 1])


def test_rectangle_import_is_matplotlib():
    # the mirror groups Rectangle patches; bar() must still produce them in this matplotlib version
    with course_style():
        _, ax = new_figure()
        assert all(isinstance(p, Rectangle) for p in ax.bar([0], [1]))


def test_colour_bar_is_a_panel_at_the_right_with_its_gradient():
    with course_style():
        fig, axs = new_figure(1, 2, figsize=(9, 4))
        image = axs[0].imshow(np.arange(16.0).reshape(4, 4) - 8, cmap="RdBu_r", vmin=-8, vmax=8)
        fig.colorbar(image, ax=axs[0])
    live = LiveFigure(fig)
    assert live.skipped == [] and len(live.panels) == 3
    bar = live.panels[-1]
    assert bar.y_axis.side == "right"
    gradient = next(m.mark for m in bar.marks if isinstance(m.mark, bq.Image))
    assert gradient.image.value[:4] == b"\x89PNG"
    assert bar.sy.min == pytest.approx(-8) and bar.sy.max == pytest.approx(8)
