"""Live figures drawn in the browser: a bqplot mirror of a matplotlib figure.

An explorer describes its figure once, with matplotlib (axes, lines, bars, images, texts, limits,
labels). That one description has two renderers:

- **live, in the browser**: :class:`LiveFigure` mirrors every axes as a bqplot figure (SVG drawn by the
  learner's browser). After each control change, :meth:`LiveFigure.sync` reads the matplotlib artists'
  current data and sends only the arrays and limits that changed. The kernel never renders pixels.
- **static, as a picture**: matplotlib's Agg renders the same figure to PNG once, when the explorer is
  displayed, for GitHub, nbviewer and JupyterLab before the kernel starts.

Why: on Binder the kernel shares one slow core, while the learner's browser runs on their own computer.
Rendering with Agg and shipping a PNG per slider move cost 70-200 ms of kernel time per update on the
course's 2-core machine; sending arrays costs a few milliseconds (``make bench`` measures both).

Supported artists (what the course's explorers use): ``Line2D`` (``plot``, ``axvline``, ``axhline``),
``PathCollection`` (``scatter``), ``LineCollection``, ``Rectangle`` patches (``bar``, ``barh``,
``axvspan``), ``AxesImage`` (``imshow``) and ``Text``/``Annotation``. Artists in other coordinate
systems (axes fractions, blended transforms) are converted to data coordinates, so limits can change
without a second description. Anything else is skipped, and listed in ``LiveFigure.skipped``.
"""

from __future__ import annotations

import io
import math
from typing import Any

import bqplot as bq
import ipywidgets as W
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection, QuadMesh
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation, Text
from matplotlib.ticker import NullLocator

PX_PER_INCH = 90  # the course's figure.dpi: live panels have the size of the stored picture
LINE_STYLES = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dash_dotted"}
MARKERS = {"o": "circle", "s": "square", "D": "diamond", "d": "diamond", "^": "triangle-up",
           "v": "triangle-down", "x": "cross", "+": "cross", "*": "circle", ".": "circle"}
LEGEND_LOCATIONS = {0: "top-right", 1: "top-right", 2: "top-left", 3: "bottom-left", 4: "bottom-right",
                    5: "right", 6: "left", 7: "right", 8: "bottom", 9: "top", 10: "top"}
CSS = """<style>
.course-live .bqplot .axis text, .course-live .bqplot .tick text { font-size: 14px; }
.course-live .bqplot .axislabel { font-size: 15px; }
.course-live .bqplot .mainheading { font-size: 16px; }
.course-live .bqplot .legendtext { font-size: 13px; }
</style>"""


def _hex(color: Any) -> str:
    return mcolors.to_hex(color, keep_alpha=False)


def _alpha(color: Any, artist_alpha: float | None = None) -> float:
    a = mcolors.to_rgba(color)[3]
    return float(a if artist_alpha is None else a * artist_alpha)


def _floats(values: Any) -> np.ndarray:
    return np.asarray(np.ma.filled(np.ma.asarray(values, dtype=float), np.nan), dtype=float)


def _js_key(value: float) -> str:
    """A tick value spelled as JavaScript's String(number) spells it (bqplot looks labels up by it)."""
    value = float(value)
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


class _Sync:
    """Assign trait values to a widget only when they changed (so an update sends only what moved)."""

    def __init__(self, widget: W.Widget):
        self.widget = widget
        self.last: dict[str, Any] = {}

    def set(self, **values: Any) -> None:
        changed = {}
        for key, value in values.items():
            old = self.last.get(key, _MISSING)
            if old is _MISSING or not _same(old, value):
                changed[key] = value
                self.last[key] = value
        if changed:
            with self.widget.hold_sync():
                for key, value in changed.items():
                    setattr(self.widget, key, value)


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


class _Panel:
    """One matplotlib Axes as one bqplot Figure."""

    def __init__(self, ax: Axes, width_px: int, height_px: int):
        self.ax = ax
        self.skipped: list[str] = []
        self.x_log = ax.get_xscale() == "log"
        self.y_log = ax.get_yscale() == "log"
        self.sx = bq.LogScale() if self.x_log else bq.LinearScale()
        self.sy = bq.LogScale() if self.y_log else bq.LinearScale()
        axis_on = ax.axison
        grid = "solid" if axis_on and any(g.get_visible() for g in ax.get_xgridlines()) else "none"
        self.x_axis = bq.Axis(scale=self.sx, grid_lines=grid, grid_color="#e3e3e3", visible=axis_on,
                              tick_format=None, label_offset="38px", tick_style={"fill": "#222"})
        grid = "solid" if axis_on and any(g.get_visible() for g in ax.get_ygridlines()) else "none"
        side = "right" if ax.yaxis.get_ticks_position() == "right" else "left"  # colour bars: right
        self.y_axis = bq.Axis(scale=self.sy, side=side, grid_lines=grid, grid_color="#e3e3e3",
                              visible=axis_on, tick_format=None, label_offset="54px", tick_style={"fill": "#222"})
        margin = dict(top=40 if ax.get_title() else 16, bottom=58 if axis_on else 10,
                      left=84 if axis_on else 10, right=20)
        self.figure = bq.Figure(axes=[self.x_axis, self.y_axis], marks=[], animation_duration=0,
                                fig_margin=margin, padding_x=0, padding_y=0, min_aspect_ratio=0.01,
                                max_aspect_ratio=100, title_style={"font-size": "16px"},
                                layout=W.Layout(width=f"{width_px}px", height=f"{height_px}px"))
        self._figure = _Sync(self.figure)
        self._axes = (_Sync(self.x_axis), _Sync(self.y_axis), _Sync(self.sx), _Sync(self.sy))
        self.marks: list[_Mark] = []
        self._artist_ids: tuple = ()

    def _artists(self) -> list:
        ax = self.ax
        return [*ax.images, *ax.patches, *ax.collections, *ax.lines, *ax.texts]

    def _build_marks(self, artists: list) -> None:
        marks: list[_Mark] = []
        rects = [a for a in artists if isinstance(a, Rectangle)]
        if rects:
            marks.append(_Rectangles(self, rects))
        texts: list[Text] = []
        for artist in artists:
            if isinstance(artist, Rectangle):
                continue
            if isinstance(artist, Text):
                texts.append(artist)
            elif isinstance(artist, Line2D):
                marks.append(_LineMark(self, artist) if artist.get_linestyle() not in ("None", "", " ")
                             else _ScatterMark(self, artist))
            elif isinstance(artist, PathCollection):
                marks.append(_ScatterMark(self, artist))
            elif isinstance(artist, LineCollection):
                marks.append(_SegmentsMark(self, artist))
            elif isinstance(artist, (AxesImage, QuadMesh)):
                marks.append(_ImageMark(self, artist))
            else:
                self.skipped.append(type(artist).__name__)
        if texts:
            marks.append(_Texts(self, texts))
        self.marks = marks
        self.figure.marks = [m.mark for m in marks if m.mark is not None]

    def sync(self) -> None:
        ax = self.ax
        artists = self._artists()
        ids = tuple(map(id, artists))
        if ids != self._artist_ids:
            self._artist_ids = ids
            self.skipped = []
            self._build_marks(artists)
        x_axis, y_axis, sx, sy = self._axes
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        sx.set(min=float(min(x0, x1)), max=float(max(x0, x1)), reverse=bool(x0 > x1))
        sy.set(min=float(min(y0, y1)), max=float(max(y0, y1)), reverse=bool(y0 > y1))
        x_axis.set(label=ax.get_xlabel(), **self._ticks(ax.xaxis, self.x_log, (x0, x1)))
        y_axis.set(label=ax.get_ylabel(), **self._ticks(ax.yaxis, self.y_log, (y0, y1)))
        legend = ax.get_legend()
        show_legend = legend is not None and legend.get_visible()
        for mark in self.marks:
            mark.sync(show_legend)
        aspect = ax.get_aspect()
        if isinstance(aspect, (int, float)) and not (self.x_log or self.y_log) and y1 != y0:
            ratio = float(abs(x1 - x0) / abs(y1 - y0) / aspect)  # square pixels for imshow, as matplotlib
            self._figure.set(min_aspect_ratio=ratio, max_aspect_ratio=ratio)
        self._figure.set(title=ax.get_title(),
                         legend_location=LEGEND_LOCATIONS.get(getattr(legend, "_loc", 1), "top-right"))

    @staticmethod
    def _ticks(axis, log: bool, limits: tuple[float, float]) -> dict:
        """The static picture's ticks and labels: matplotlib's own locator and formatter, evaluated here."""
        lo, hi = sorted(float(v) for v in limits)
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
            return dict(tick_values=None, tick_labels=None, num_ticks=None)
        locator, formatter = axis.get_major_locator(), axis.get_major_formatter()
        values = np.array([]) if isinstance(locator, NullLocator) else np.asarray(locator(), dtype=float)
        span = hi - lo
        values = values[(values >= lo - 1e-9 * span) & (values <= hi + 1e-9 * span)]
        if not len(values):
            return dict(tick_values=None, tick_labels=None, num_ticks=0)
        labels = formatter.format_ticks(list(values))
        if hasattr(formatter, "get_offset") and formatter.get_offset():  # an offset label we cannot show
            return dict(tick_values=values, tick_labels=None, num_ticks=None)
        return dict(tick_values=values, tick_labels={_js_key(v): t for v, t in zip(values, labels)},
                    num_ticks=None)

    def to_data(self, artist, xy: np.ndarray, transform=None) -> np.ndarray:
        """Points in the artist's coordinates, as data coordinates of this axes (NaN where undefined)."""
        transform = transform or artist.get_transform()
        if transform == self.ax.transData:
            return xy
        with np.errstate(all="ignore"):
            return self.ax.transData.inverted().transform(transform.transform(xy))


class _Mark:
    mark: bq.Mark

    def __init__(self, panel: _Panel, artist):
        self.panel = panel
        self.artist = artist
        self.mark = self.make()
        self.sync_ = _Sync(self.mark)

    def make(self) -> bq.Mark:
        raise NotImplementedError

    def scales(self) -> dict:
        return {"x": self.panel.sx, "y": self.panel.sy}

    def clean(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """NaN for points a log axis cannot show (matplotlib masks them too)."""
        x, y = _floats(x), _floats(y)
        with np.errstate(invalid="ignore"):
            if self.panel.x_log:
                x = np.where(x > 0, x, np.nan)
            if self.panel.y_log:
                y = np.where(y > 0, y, np.nan)
        return x, y

    def legend_label(self) -> list[str]:
        label = str(self.artist.get_label())
        return [] if label.startswith("_") else [label]


class _LineMark(_Mark):
    def make(self):
        return bq.Lines(scales=self.scales(), enable_hover=False, x=np.array([1.0]), y=np.array([1.0]),
                        visible=False)

    def sync(self, show_legend: bool) -> None:
        line = self.artist
        xy = np.column_stack([_floats(line.get_xdata()), _floats(line.get_ydata())])
        xy = self.panel.to_data(line, xy) if len(xy) else xy
        x, y = self.clean(xy[:, 0], xy[:, 1]) if len(xy) else (np.array([]), np.array([]))
        marker = line.get_marker()
        drawable = bool(np.any(np.isfinite(x) & np.isfinite(y)))
        if not drawable:  # nothing a browser can draw: hide it, keep the last valid arrays
            self.sync_.set(visible=False, labels=self.legend_label(),
                           display_legend=show_legend and bool(self.legend_label()))
            return
        self.sync_.set(
            x=x, y=y, visible=bool(line.get_visible()), colors=[_hex(line.get_color())],
            opacities=[_alpha(line.get_color(), line.get_alpha())], stroke_width=float(line.get_linewidth()),
            line_style=LINE_STYLES.get(line.get_linestyle(), "solid"),
            marker=MARKERS.get(marker) if marker not in (None, "None", "", " ") else None,
            labels=self.legend_label(), display_legend=show_legend and bool(self.legend_label()),
        )


def _marker_name(collection: PathCollection) -> str:
    """bqplot's marker for a scatter collection, recognised from its path."""
    paths = collection.get_paths()
    if not paths:
        return "circle"
    vertices = paths[0].vertices
    for code, name in MARKERS.items():
        style = MarkerStyle(code)
        ref = style.get_path().transformed(style.get_transform()).vertices
        if ref.shape == vertices.shape and np.allclose(ref, vertices):
            return name
    return "circle"


class _ScatterMark(_Mark):
    def make(self):
        return bq.Scatter(scales=self.scales(), enable_hover=False, x=np.array([1.0]), y=np.array([1.0]),
                          visible=False)

    def sync(self, show_legend: bool) -> None:
        a = self.artist
        px2 = (PX_PER_INCH / 72) ** 2
        if isinstance(a, Line2D):  # a marker-only line
            xy = np.column_stack([_floats(a.get_xdata()), _floats(a.get_ydata())]).reshape(-1, 2)
            faces = [a.get_markerfacecolor()]
            edges = [a.get_markeredgecolor()]
            marker, size = MARKERS.get(a.get_marker(), "circle"), float(a.get_markersize()) ** 2 * px2
            alpha = a.get_alpha()
            xy = self.panel.to_data(a, xy) if len(xy) else xy
        else:
            xy = np.asarray(a.get_offsets(), dtype=float).reshape(-1, 2)
            xy = self.panel.to_data(a, xy, a.get_offset_transform()) if len(xy) else xy
            if a.get_array() is not None and len(a.get_array()) == len(xy):
                faces = list(a.to_rgba(a.get_array()))
            else:
                faces = list(a.get_facecolors())
            edges = list(a.get_edgecolors())
            sizes = a.get_sizes()
            marker, size = _marker_name(a), float(sizes[0] if len(sizes) else 36) * px2
            alpha = a.get_alpha()
        x, y = self.clean(xy[:, 0], xy[:, 1]) if len(xy) else (np.array([]), np.array([]))
        filled = bool(faces) and _alpha(faces[0]) > 0
        colors = faces if filled else edges
        hexes = [_hex(c) for c in colors] or ["#000000"]
        keep = np.isfinite(x) & np.isfinite(y)  # points a browser cannot place are not drawn (as in matplotlib)
        if len(hexes) > 1 and len(hexes) == len(x):
            hexes = [h for h, k in zip(hexes, keep) if k] or ["#000000"]
        elif len(hexes) > 1:
            hexes = hexes[:1]
        x, y = x[keep], y[keep]
        if not len(x):
            self.sync_.set(visible=False, labels=self.legend_label(),
                           display_legend=show_legend and bool(self.legend_label()))
            return
        stroke = _hex(edges[0]) if (edges and not filled) else None
        self.sync_.set(
            x=x, y=y, visible=bool(a.get_visible()), marker=marker, default_size=max(1, int(size)),
            colors=hexes, fill=filled, stroke=stroke, stroke_width=2.0,
            opacities=np.array([_alpha(colors[0], alpha) if colors else 1.0]),
            labels=self.legend_label(), display_legend=show_legend and bool(self.legend_label()),
        )


class _SegmentsMark(_Mark):
    def make(self):
        return bq.Lines(scales=self.scales(), enable_hover=False, x=np.array([1.0]), y=np.array([1.0]),
                        visible=False)

    def sync(self, show_legend: bool) -> None:
        segments = [np.asarray(s, dtype=float).reshape(-1, 2) for s in self.artist.get_segments()]
        segments = [self.panel.to_data(self.artist, s) for s in segments if len(s)]
        colors = [_hex(c) for c in self.artist.get_colors()] or ["#000000"]
        if segments:
            n = max(len(s) for s in segments)
            padded = [np.vstack([s, np.repeat(s[-1:], n - len(s), axis=0)]) for s in segments]
            x = np.array([p[:, 0] for p in padded])
            y = np.array([p[:, 1] for p in padded])
            colors = (colors * len(segments))[: len(segments)] if len(colors) < len(segments) else colors
        else:
            self.sync_.set(visible=False)
            return
        widths = self.artist.get_linewidths()
        self.sync_.set(x=x, y=y, colors=colors, visible=bool(self.artist.get_visible()) and bool(segments),
                       stroke_width=float(widths[0]) if len(widths) else 1.5, labels=[], display_legend=False)


class _Rectangles(_Mark):
    """All rectangles of one axes (bars, spans) as closed, filled polygons of one Lines mark."""

    def __init__(self, panel: _Panel, rects: list[Rectangle]):
        self.rects = rects
        super().__init__(panel, rects[0])

    def make(self):
        return bq.Lines(scales=self.scales(), enable_hover=False, fill="inside", close_path=True,
                        stroke_width=0.5, x=np.array([1.0]), y=np.array([1.0]), visible=False)

    @staticmethod
    def _clip(values: np.ndarray, limits: tuple[float, float], log: bool) -> np.ndarray:
        """A bar from 0 on a log axis starts at the axis' bottom, as matplotlib draws it."""
        values = _floats(values)
        if log:
            values = np.where(values > 0, values, min(limits))
        return values

    def sync(self, show_legend: bool) -> None:
        corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
        xs, ys, fills, edges, opac = [], [], [], [], []
        ax = self.panel.ax
        inverse = ax.transData.inverted()
        for r in self.rects:
            if not r.get_visible():
                continue
            with np.errstate(all="ignore"):
                pts = inverse.transform(r.get_transform().transform(corners))
            x, y = self._clip(pts[:, 0], ax.get_xlim(), self.panel.x_log), \
                self._clip(pts[:, 1], ax.get_ylim(), self.panel.y_log)
            if not (np.isfinite(x).all() and np.isfinite(y).all()):
                continue
            xs.append(x)
            ys.append(y)
            face = r.get_facecolor()
            fills.append(_hex(face))
            edge = r.get_edgecolor()
            edges.append(_hex(edge) if _alpha(edge) > 0 else _hex(face))
            opac.append(_alpha(face))
        if not xs:
            self.sync_.set(visible=False)
            return
        self.sync_.set(x=np.array(xs), y=np.array(ys), fill_colors=fills, colors=edges, fill_opacities=opac,
                       visible=True, labels=[], display_legend=False)


class _ImageMark(_Mark):
    def make(self):
        self.png = W.Image(format="png")
        return bq.Image(image=self.png, scales=self.scales(), pixelated=True)

    def _show(self, png: bytes) -> None:
        """bqplot redraws an image when the mark gets a new Image widget, not when the widget's value changes."""
        if self.png.value == png:
            return
        if not self.png.value:  # the first picture: fill the widget the mark was built with
            self.png.value = png
            return
        old, self.png = self.png, W.Image(value=png, format="png")
        self.mark.image = self.png
        old.close()

    def sync(self, show_legend: bool) -> None:
        im = self.artist
        if isinstance(im, QuadMesh):  # a regular mesh (a colour bar's gradient): cells as pixels
            corners = np.asarray(im.get_coordinates(), dtype=float)
            rows, cols = corners.shape[0] - 1, corners.shape[1] - 1
            rgba = im.to_rgba(np.asarray(im.get_array()).reshape(rows, cols), bytes=True)[::-1]
            x, y = corners[..., 0], corners[..., 1]
            self.sync_.set(visible=bool(im.get_visible()), x=np.array([x.min(), x.max()]),
                           y=np.array([y.min(), y.max()]))
            self._show(_png(np.ascontiguousarray(rgba)))
            return
        rgba = im.to_rgba(im.get_array(), bytes=True)
        if im.origin == "upper":
            rgba = rgba[::-1]  # row 0 drawn at the bottom edge (y0) of the bqplot image
        left, right, bottom, top = im.get_extent()
        self.sync_.set(visible=bool(im.get_visible()), x=np.array([left, right], dtype=float),
                       y=np.array([bottom, top], dtype=float) if im.origin != "upper"
                       else np.array([top, bottom], dtype=float))
        self._show(_png(np.ascontiguousarray(rgba)))


def _png(rgba: np.ndarray) -> bytes:
    from PIL import Image  # matplotlib's own dependency

    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="png", compress_level=1)
    return buf.getvalue()


class _Texts(_Mark):
    """Texts and annotations, grouped by look into Label marks (offsets in pixels)."""

    def __init__(self, panel: _Panel, texts: list[Text]):
        self.panel = panel
        self.texts = texts
        self.artist = texts[0]
        self.mark = None  # Label marks are added to the panel per group, as groups appear
        self.groups: dict[tuple, bq.Label] = {}
        self.syncs: dict[tuple, _Sync] = {}

    @staticmethod
    def _key(t: Text) -> tuple:
        dx = dy = 0.0
        if isinstance(t, Annotation) and t.anncoords == "offset points":
            dx, dy = t.get_position()
        return (round(dx), round(dy), float(t.get_fontsize()), _hex(t.get_color()), t.get_ha(),
                float(t.get_rotation()), str(t.get_weight()))

    def _point(self, t: Text) -> tuple[float, float]:
        ax = self.panel.ax
        if isinstance(t, Annotation):
            transform = {"data": ax.transData, "axes fraction": ax.transAxes,
                         "figure fraction": ax.figure.transFigure}.get(t.xycoords)
            if transform is None:
                return math.nan, math.nan
            xy = np.array([t.xy], dtype=float)
        else:
            transform, xy = t.get_transform(), np.array([t.get_position()], dtype=float)
        if transform != ax.transData:
            with np.errstate(all="ignore"):
                xy = ax.transData.inverted().transform(transform.transform(xy))
        return float(xy[0, 0]), float(xy[0, 1])

    def sync(self, show_legend: bool) -> None:
        grouped: dict[tuple, list[Text]] = {}
        for t in self.texts:
            if t.get_visible() and t.get_text():
                grouped.setdefault(self._key(t), []).append(t)
        for key in grouped.keys() - self.groups.keys():
            dx, dy, size, color, ha, rotation, weight = key
            label = bq.Label(scales=self.scales(), x=np.array([1.0]), y=np.array([1.0]),
                             text=np.array([""]), enable_hover=False, apply_clip=False, visible=False)
            label.x_offset, label.y_offset = int(dx * PX_PER_INCH / 72), int(-dy * PX_PER_INCH / 72)
            label.default_size = size * PX_PER_INCH / 72
            label.font_unit = "px"
            label.colors = [color]
            label.align = {"left": "start", "center": "middle", "right": "end"}.get(ha, "start")
            label.rotate_angle = -rotation
            label.font_weight = "bold" if weight in ("bold", "700", "heavy") else "normal"
            self.groups[key] = label
            self.syncs[key] = _Sync(label)
            self.panel.figure.marks = [*self.panel.figure.marks, label]
        for key in self.groups:
            members = grouped.get(key, [])
            if not members:
                self.syncs[key].set(visible=False)
                continue
            points = np.array([self._point(t) for t in members], dtype=float)
            x, y = self.clean(points[:, 0], points[:, 1])
            keep = np.isfinite(x) & np.isfinite(y)  # a label outside a log axis' domain is not drawn
            if not keep.any():
                self.syncs[key].set(visible=False)
                continue
            texts = np.array([t.get_text() for t in members])[keep]
            self.syncs[key].set(x=x[keep], y=y[keep], text=texts, visible=True)


class LiveFigure:
    """A matplotlib figure mirrored as bqplot panels (one per axes) laid out like the original.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure description. Its axes, artists, limits and labels are read on every :meth:`sync`.

    Attributes
    ----------
    widget : ipywidgets.Widget
        The live view to display.
    panels : list
        One per visible axes, each with a ``figure`` (``bqplot.Figure``) and ``marks``.
    """

    def __init__(self, fig: Figure):
        self.fig = fig
        width_in, height_in = fig.get_size_inches()
        axes = [ax for ax in fig.axes if ax.get_visible()]
        first = next((ax.get_subplotspec() for ax in axes if ax.get_subplotspec() is not None), None)
        grid = first.get_gridspec() if first else None
        in_grid = [ax for ax in axes if grid is not None and ax.get_subplotspec() is not None
                   and ax.get_subplotspec().get_gridspec() is grid]
        extra = [ax for ax in axes if ax not in in_grid]  # colour bars and insets: a column each, at the right
        nrows, ncols = grid.get_geometry() if grid else (1, 0)
        extra_px = [max(110, int(ax.get_position().width * width_in * PX_PER_INCH) + 90) for ax in extra]
        main_px = width_in * PX_PER_INCH - sum(extra_px)
        widths = np.asarray(grid.get_width_ratios() or [1] * ncols, dtype=float) if grid else np.ones(0)
        col_px = [int(main_px * w / widths.sum()) for w in widths] + extra_px
        row_px = int(height_in * PX_PER_INCH / max(nrows, 1))
        self.panels: list[_Panel] = []
        for ax in in_grid + extra:
            if ax in in_grid:
                ss = ax.get_subplotspec()
                r0, c0, nr, nc = ss.rowspan.start, ss.colspan.start, len(ss.rowspan), len(ss.colspan)
            else:
                r0, c0, nr, nc = 0, ncols + extra.index(ax), max(nrows, 1), 1
            panel = _Panel(ax, sum(col_px[c0:c0 + nc]), row_px * nr)
            panel.figure.layout.grid_area = f"{r0 + 1} / {c0 + 1} / span {nr} / span {nc}"
            self.panels.append(panel)
        box = W.GridBox([p.figure for p in self.panels],
                        layout=W.Layout(grid_template_columns=" ".join(f"{w}px" for w in col_px),
                                        grid_template_rows=" ".join([f"{row_px}px"] * max(nrows, 1)),
                                        width="fit-content"))
        self.widget = W.VBox([W.HTML(CSS), box])
        self.widget.add_class("course-live")
        self.sync()

    @property
    def skipped(self) -> list[str]:
        """Names of artist types that have no live counterpart (empty for every course explorer)."""
        return [name for p in self.panels for name in p.skipped]

    def sync(self) -> None:
        """Send what changed in the matplotlib description since the last sync to the browser."""
        for panel in self.panels:
            panel.sync()
