"""The course's figure style: readable on a projector, colour-blind-safe, built once and updated.

The style is applied inside a context (:func:`course_style`), never to the global ``rcParams``, so it does
not leak into the learner's own plots. Explorer figures are drawn live in the browser by
:mod:`helpers.liveplot`; matplotlib renders them only as static pictures.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

# Okabe & Ito (2008), "Color Universal Design": distinguishable with all common colour-vision deficiencies.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
IMAGE_CMAP = "gray"
DIVERGING_CMAP = "RdBu_r"  # for kernels and signed values: red positive, blue negative

STYLE = {
    "figure.figsize": (7.5, 4.2),
    "figure.dpi": 90,
    "savefig.dpi": 80,
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 11,
    "lines.linewidth": 2.2,
    "lines.markersize": 7,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "figure.constrained_layout.use": True,
    "image.cmap": IMAGE_CMAP,
}


@contextmanager
def course_style() -> Iterator[None]:
    """Within this context, new figures, axes and artists take the course style; outside, nothing changes."""
    with mpl.rc_context(STYLE):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] | None = None, **kw):
    """A styled figure and its axes, created without being displayed (returns ``fig, axes``).

    The figure is not registered with pyplot, so it is not shown twice and not kept alive by pyplot.
    Artists added later take the style when they are created inside :func:`course_style` (explorer
    factories run inside it).
    """
    with course_style():
        fig = Figure(figsize=figsize or STYLE["figure.figsize"], dpi=STYLE["figure.dpi"],
                     layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True, **kw)
    return fig, axes


def _si(value: float, _pos=None) -> str:
    if abs(value) >= 1e27 or (value != 0 and abs(value) < 1e-3):
        return f"1e{np.log10(abs(value)):.0f}" if value > 0 else f"{value:.0e}"
    for factor, prefix in ((1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"),
                           (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:g}{prefix}"
    return f"{value:g}"


def log_axis(ax: Axes, which: str = "both", si_labels: bool = True) -> None:
    """Make x, y or both axes logarithmic (base 10) with readable SI tick labels (1k, 1M, 1G)."""
    if which not in ("x", "y", "both"):
        raise ValueError(f"which must be 'x', 'y' or 'both', got {which!r}")
    axes = [ax.xaxis, ax.yaxis] if which == "both" else [getattr(ax, f"{which}axis")]
    for axis in axes:
        (ax.set_xscale if axis is ax.xaxis else ax.set_yscale)("log")
        axis.set_major_locator(LogLocator(base=10))
        axis.set_minor_locator(NullLocator())  # minor log ticks cost most of a redraw and carry little
        if si_labels:
            axis.set_major_formatter(FuncFormatter(_si))


def figure_png(fig: Figure, dpi: int = 80) -> bytes:
    """The figure's current state as PNG bytes (for a static picture beside the live widget)."""
    buf = io.BytesIO()
    with course_style():
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
