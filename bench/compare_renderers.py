"""bqplot or plotly for the live figures? Both measured on the same two explorers, in the same run.

The course mirrors each explorer's matplotlib figure in the browser with bqplot
(:class:`helpers.liveplot.LiveFigure`). This script compares it with ONE alternative, plotly's
``FigureWidget``, mirrored here by :class:`PlotlyFigure` (just the artists of the two explorers measured:
lines, marker-only lines and scatters as ``go.Scatter``, images as ``go.Image`` from the same PNG bytes
bqplot gets, texts as annotations, matplotlib's own ticks and limits; updated inside
``fig.batch_update()`` from the same matplotlib artists after each change). Explorers:
``parallel.scaling`` (log-log lines, scatter, text labels; its batch slider) and ``convolution.kernel``
(three images; its kernel drop-down).

Measured, both libraries interleaved (change for change, alternating which goes first) so machine load
affects both alike:

1. **kernel CPU per change**: a real ipykernel (``jupyter_client``, as ``bench/latency.py``) holds both
   explorers; the client sends one execute request per change and drains iopub (counting the bytes of
   comm messages). In the kernel ``time.thread_time`` brackets ``control.value = v``: the explorer's model,
   the mirror's update and sending its comm messages. The mirror's own share (``sync``) is noted too.
2. **browser latency**: JupyterLab in headless Chromium (``tests/browser_support.py``), a generated
   notebook with one explorer per cell; each key press (slider) or drop-down change is timed from the
   input event to the animation frame after the first DOM mutation in the figure, as
   ``tests/test_browser_explorers.py`` does for bqplot.
3. **install size**: the files each library and the dependencies only it brings add to the venv
   (from the installed distributions' RECORD files).
4. **looks**: one screenshot per library and explorer at device scale factor 1.25 in
   ``artefacts/renderers/``.

Two workarounds, both reported in the results: :func:`patch_bqplot_images` (the course's bqplot images
do not repaint otherwise) and, in the browser, Run All again while a plotly figure drew empty.

plotly is not a course dependency; install it into the course venv only to run this::

    make venv && .venv/bin/pip install plotly==7.1.0 anywidget
    .venv/bin/python bench/compare_renderers.py            # --quick for a smoke run

The numbers are written by the script; the findings, looks and conclusion are written by a person after
looking at them and at the screenshots (``--notes notes.json`` with keys ``findings``, ``looks`` and
``conclusion``; ``--report-only`` rewrites the Markdown from the stored JSON).

Results: ``benchmarks/results/renderer_comparison.json`` and ``renderer_comparison.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import ipywidgets as W  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Annotation, Text  # noqa: E402

from helpers.liveplot import PX_PER_INCH, _marker_name, _Panel, _png, _same  # noqa: E402
from helpers.widgets import Explorer  # noqa: E402

EXPLORERS = {"parallel.scaling": "batch", "convolution.kernel": "kernel"}  # explorer -> control changed
LIBRARIES = ("bqplot", "plotly")
RESULTS = ROOT / "benchmarks" / "results"
SHOTS = ROOT / "artefacts" / "renderers"
ZOOM = 1.25
PT = PX_PER_INCH / 72  # matplotlib points -> CSS pixels at the course's figure.dpi
DASHES = {"-": "solid", "--": "dash", ":": "dot", "-.": "dashdot"}
SYMBOLS = {"circle": "circle", "square": "square", "diamond": "diamond", "triangle-up": "triangle-up",
           "triangle-down": "triangle-down", "cross": "x"}
ANCHOR = {"left": "left", "center": "center", "right": "right"}
INSTALL = ".venv/bin/pip install plotly==7.1.0 anywidget"
EMPTY_PLOTLY_JS = "b => [...b.querySelectorAll('.js-plotly-plot')].filter(d => !(d.data && d.data.length)).length"


# ---- the plotly mirror ------------------------------------------------------------------------

def _hex(color: Any) -> str:
    """A matplotlib colour as #rrggbb."""
    return mcolors.to_hex(color, keep_alpha=False)


def _rgba(color: Any, alpha: float | None = None) -> str:
    """A matplotlib colour as CSS rgba(), keeping its alpha."""
    r, g, b, a = mcolors.to_rgba(color, alpha)
    return f"rgba({round(r * 255)},{round(g * 255)},{round(b * 255)},{a:.3g})"


def _floats(values: Any) -> np.ndarray:
    """Values as a float array, masked entries as NaN."""
    return np.asarray(np.ma.filled(np.ma.asarray(values, dtype=float), np.nan), dtype=float)


class PlotlyFigure:
    """A matplotlib figure (one row or grid of axes) mirrored as one plotly ``FigureWidget``.

    Same contract as :class:`helpers.liveplot.LiveFigure`: ``widget`` to display, ``sync()`` after the
    artists changed. As in the bqplot mirror, only properties whose value changed since the last sync are
    assigned (plotly's own check of every assigned property costs more than the comparison here), all
    inside one ``batch_update()``, which sends them in one message.
    """

    def __init__(self, fig):
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        self.fig = fig
        self.axes = [ax for ax in fig.axes if ax.get_visible()]
        grid = self.axes[0].get_subplotspec().get_gridspec()
        nrows, ncols = grid.get_geometry()
        self.cells = []
        for ax in self.axes:
            ss = ax.get_subplotspec()
            self.cells.append((ss.rowspan.start + 1, ss.colspan.start + 1))
        titles = [""] * (nrows * ncols)
        for ax, (r, c) in zip(self.axes, self.cells):
            titles[(r - 1) * ncols + c - 1] = ax.get_title()
        base = make_subplots(rows=nrows, cols=ncols, subplot_titles=titles, horizontal_spacing=0.09)
        width, height = fig.get_size_inches() * PX_PER_INCH
        base.update_layout(width=int(width), height=int(height), template="simple_white",
                           margin=dict(l=60, r=20, t=40, b=50), font=dict(size=14), showlegend=True)
        self.title_annotations = [a.to_plotly_json() for a in base.layout.annotations]
        self.traces: list[tuple[str, Any, int]] = []  # (kind, artist, axes index)
        for i, ax in enumerate(self.axes):
            row, col = self.cells[i]
            xlog, ylog = ax.get_xscale() == "log", ax.get_yscale() == "log"
            base.update_xaxes(type="log" if xlog else "linear", row=row, col=col, visible=ax.axison,
                              showgrid=ax.axison, gridcolor="#e3e3e3", mirror=True, ticks="outside",
                              title_text=ax.get_xlabel())
            base.update_yaxes(type="log" if ylog else "linear", row=row, col=col, visible=ax.axison,
                              showgrid=ax.axison, gridcolor="#e3e3e3", mirror=True, ticks="outside",
                              title_text=ax.get_ylabel())
            if ax.images:
                base.update_yaxes(scaleanchor=f"x{i + 1 if i else ''}", row=row, col=col)
            legend = ax.get_legend()
            legend_name = f"legend{i + 1}" if i else "legend"
            if legend is not None:
                dom_x = base.layout[f"xaxis{i + 1 if i else ''}"].domain
                dom_y = base.layout[f"yaxis{i + 1 if i else ''}"].domain
                lower = legend._loc in (3, 4, 8)
                base.layout[legend_name] = dict(
                    x=dom_x[0] + 0.01, y=dom_y[0] + 0.02 if lower else dom_y[1] - 0.01,
                    xanchor="left", yanchor="bottom" if lower else "top", bgcolor="rgba(255,255,255,0.8)",
                    font=dict(size=legend.get_texts()[0].get_fontsize() * PT if legend.get_texts() else 12))
            for artist in [*ax.images, *ax.collections, *ax.lines]:
                kw = dict(row=row, col=col)
                label = str(artist.get_label())
                shown = legend is not None and not label.startswith("_")
                common = dict(name=label, showlegend=shown, legend=legend_name, hoverinfo="skip")
                if isinstance(artist, AxesImage):
                    base.add_trace(go.Image(source="", hoverinfo="skip"), **kw)
                    self.traces.append(("image", artist, i))
                elif isinstance(artist, Line2D):
                    line = artist.get_linestyle() not in ("None", "", " ")
                    base.add_trace(go.Scatter(mode="lines" if line else "markers", **common), **kw)
                    self.traces.append(("line" if line else "points", artist, i))
                elif isinstance(artist, PathCollection):
                    base.add_trace(go.Scatter(mode="markers", **common), **kw)
                    self.traces.append(("scatter", artist, i))
        self.figure = go.FigureWidget(base)
        self._annotations: list | None = None
        self._last: dict[Any, dict] = {}
        self.widget = W.VBox([self.figure])
        self.widget.add_class("course-live")  # the browser measurement watches this element
        self.sync()
        # plotly copies the figure into the widget's state only in FigureWidget._repr_mimebundle_ (and at
        # construction, before the traces exist); as the child of a box it is never called, and the browser
        # would draw an empty figure that ignores every later update. Copy it now, as displaying it would.
        self.figure._repr_mimebundle_()

    def _xy(self, ax, xy: np.ndarray, transform) -> np.ndarray:
        """Points in ``transform``'s coordinates as data coordinates of ``ax``."""
        if transform == ax.transData or not len(xy):
            return xy
        with np.errstate(all="ignore"):
            return ax.transData.inverted().transform(transform.transform(xy))

    def _trace_update(self, kind: str, a, ax) -> dict:
        """The plotly trace properties of one matplotlib artist."""
        if kind == "image":
            rgba = a.to_rgba(a.get_array(), bytes=True)
            rows, cols = rgba.shape[:2]
            left, right, bottom, top = a.get_extent()
            if a.origin != "upper":
                rgba, (bottom, top) = rgba[::-1], (top, bottom)
            dx, dy = (right - left) / cols, (bottom - top) / rows  # plotly: row 0 at y0, downwards
            import base64

            source = "data:image/png;base64," + base64.b64encode(_png(np.ascontiguousarray(rgba))).decode()
            return dict(source=source, x0=left + dx / 2, dx=dx, y0=top + dy / 2, dy=dy, visible=a.get_visible())
        if kind in ("line", "points"):
            xy = np.column_stack([_floats(a.get_xdata()), _floats(a.get_ydata())]).reshape(-1, 2)
            xy = self._xy(ax, xy, a.get_transform())
            out = dict(x=xy[:, 0], y=xy[:, 1], visible=a.get_visible(), opacity=a.get_alpha() or 1.0)
            if kind == "line":
                out["line"] = dict(color=_hex(a.get_color()), width=a.get_linewidth() * PT,
                                   dash=DASHES.get(a.get_linestyle(), "solid"))
            else:
                out["marker"] = dict(color=_hex(a.get_markerfacecolor()), size=a.get_markersize() * PT)
            return out
        xy = np.asarray(a.get_offsets(), dtype=float).reshape(-1, 2)
        xy = self._xy(ax, xy, a.get_offset_transform())
        faces, edges = a.get_facecolors(), a.get_edgecolors()
        filled = len(faces) > 0 and faces[0][3] > 0
        sizes = a.get_sizes()
        size = math.sqrt(float(sizes[0]) if len(sizes) else 36.0) * PT
        widths = a.get_linewidths()
        marker = dict(symbol=SYMBOLS.get(_marker_name(a), "circle"), size=size,
                      color=_rgba(faces[0]) if filled else "rgba(0,0,0,0)",
                      line=dict(color=_rgba(edges[0]) if len(edges) else "rgba(0,0,0,0)",
                                width=float(widths[0]) * PT if len(widths) and len(edges) else 0))
        return dict(x=xy[:, 0], y=xy[:, 1], marker=marker, visible=a.get_visible())

    def _annotation(self, t: Text, i: int, ax) -> dict | None:
        """One matplotlib text as a plotly annotation (None when hidden or empty)."""
        if not (t.get_visible() and t.get_text()):
            return None
        dx = dy = 0.0
        if isinstance(t, Annotation):
            x, y = t.xy
            if t.anncoords == "offset points":
                dx, dy = t.get_position()
        else:
            (x, y), = self._xy(ax, np.array([t.get_position()], dtype=float), t.get_transform())
        if ax.get_xscale() == "log":  # plotly places annotations on log axes by log10(value)
            x = math.log10(x) if x > 0 else math.nan
        if ax.get_yscale() == "log":
            y = math.log10(y) if y > 0 else math.nan
        n = i + 1 if i else ""
        return dict(x=x, y=y, xref=f"x{n}", yref=f"y{n}", text=t.get_text(), showarrow=False,
                    xanchor=ANCHOR.get(t.get_ha(), "left"), yanchor="bottom", xshift=dx * PT, yshift=dy * PT,
                    font=dict(size=t.get_fontsize() * PT, color=_hex(t.get_color())))

    def _changed(self, target: Any, values: dict) -> dict:
        """The entries of ``values`` that differ from the last ones sent for ``target``."""
        last = self._last.setdefault(target, {})
        out = {k: v for k, v in values.items() if k not in last or not _same(last[k], v)}
        last.update(out)
        return out

    def sync(self) -> None:
        """Assign the mirrored properties that changed in the matplotlib artists, in one batch."""
        fw = self.figure
        with fw.batch_update():
            for n, (trace, (kind, artist, i)) in enumerate(zip(fw.data, self.traces)):
                changed = self._changed(n, self._trace_update(kind, artist, self.axes[i]))
                if changed:
                    trace.update(changed)
            annotations = list(self.title_annotations)
            for i, ax in enumerate(self.axes):
                for which, axis, lim, scale in (("x", ax.xaxis, ax.get_xlim(), ax.get_xscale()),
                                                ("y", ax.yaxis, ax.get_ylim(), ax.get_yscale())):
                    log = scale == "log"
                    ticks = _Panel._ticks(axis, log, lim)
                    values = ticks["tick_values"]
                    labels = ticks["tick_labels"]
                    rng = [math.log10(v) if v > 0 else -300 for v in lim] if log else list(lim)
                    if ticks["num_ticks"] == 0:  # ticks switched off (set_xticks([]))
                        values, labels = [], {}
                    update = dict(range=[float(v) for v in rng], autorange=False,
                                  tickvals=None if values is None else list(map(float, values)),
                                  ticktext=None if labels is None else list(labels.values()))
                    name = f"{which}axis{i + 1 if i else ''}"
                    changed = self._changed(name, update)
                    if changed:
                        fw.layout[name].update(changed)
                annotations += [a for t in ax.texts if (a := self._annotation(t, i, ax)) is not None]
            if annotations != self._annotations:  # texts are laid out by plotly: send them only on change
                self._annotations = annotations
                fw.layout.annotations = annotations


class _PlotlyExplorer(Explorer):
    """An :class:`helpers.widgets.Explorer` whose live figure is a :class:`PlotlyFigure` (built on first
    display, like the bqplot one, so the bytes of displaying it can be compared)."""

    @property
    def widget(self) -> W.Widget:
        """The explorer as one box: controls, message, results and the plotly figure."""
        if self._widget is None:
            self.live = PlotlyFigure(self.fig)  # Explorer.update calls live.sync() after each draw
            controls = self._layout(self.controls) if self._layout else W.VBox(list(self.controls.values()))
            self._widget = W.VBox([controls, self.message, self.info, self.live.widget])
            self._widget.add_class("course-explorer")
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return self.widget._repr_mimebundle_(include=include, exclude=exclude)


def plotly_explorer(name: str) -> Explorer:
    """The course explorer ``name`` with its figure mirrored by plotly instead of bqplot."""
    from helpers.widgets import all_explorers

    ex = all_explorers()[name]()
    ex.__class__ = _PlotlyExplorer  # same controls, model and matplotlib figure; another live view
    return ex


def patch_bqplot_images() -> None:
    """Make the course's bqplot images repaint in the browser (benchmark only; see the report).

    ``helpers.liveplot`` keeps one ``ipywidgets.Image`` per image mark and changes its ``value``, but
    bqplot's ``Image`` view redraws only on ``change:image`` of the mark (a different Image widget), so
    after the first draw the browser keeps the old picture. Patched here: two Image widgets per mark, the
    new PNG goes into the one not shown, which then becomes ``mark.image``: the same bytes as before, plus
    one small state message.
    """
    from helpers import liveplot

    if getattr(liveplot._ImageMark, "_bench_patched", False):
        return
    original = liveplot._ImageMark.sync

    def sync(self, show_legend: bool) -> None:
        shown = self.png
        spare = getattr(self, "_spare", None) or W.Image(format="png", value=shown.value)
        self.png = spare  # the original sync writes a changed PNG into self.png
        original(self, show_legend)
        if spare.value != shown.value:
            self.mark.image, self._spare = spare, shown
        else:
            self.png, self._spare = shown, spare

    liveplot._ImageMark.sync = sync
    liveplot._ImageMark._bench_patched = True


# ---- 1. kernel CPU per change, in a real ipykernel ---------------------------------------------

class KernelPair:
    """Runs inside the benchmark kernel: one explorer twice (bqplot and plotly), changed alternately."""

    def __init__(self, name: str):
        from bench.latency_kernel import candidate_values
        from helpers.widgets import all_explorers

        patch_bqplot_images()
        self.key = EXPLORERS[name]
        self.explorers = {"bqplot": all_explorers()[name](), "plotly": plotly_explorer(name)}
        self.values = {lib: candidate_values(ex.controls[self.key]) for lib, ex in self.explorers.items()}
        self.cpu: dict[str, list[float]] = {lib: [] for lib in LIBRARIES}
        self.sync_cpu: dict[str, list[float]] = {lib: [] for lib in LIBRARIES}
        self._last_sync: dict[str, float] = {}

    def show(self, lib: str) -> None:
        """Display one library's explorer (the client counts the bytes this sends) and time its syncs."""
        from IPython.display import display

        ex = self.explorers[lib]
        display(ex.widget)
        sync = ex.live.sync

        def timed_sync():
            start = time.thread_time()
            sync()
            self._last_sync[lib] = (time.thread_time() - start) * 1e3

        ex.live.sync = timed_sync

    def change(self, lib: str, i: int, record: bool = True) -> None:
        """Set the control to its next value (never the current one) and note the main thread's CPU time."""
        ex = self.explorers[lib]
        values = self.values[lib]
        widget = ex.controls[self.key]
        value = values[(i + 1) % len(values)]
        if value == widget.value:
            value = values[(i + 2) % len(values)]
        cpu = time.thread_time()
        widget.value = value
        cpu = (time.thread_time() - cpu) * 1e3
        if ex.error is not None:
            raise RuntimeError(f"{lib}: {ex.error}")
        if record:
            self.cpu[lib].append(cpu)
            self.sync_cpu[lib].append(self._last_sync.get(lib, math.nan))

    def results(self) -> None:
        """Print the measurements as one JSON line for the client."""
        print(json.dumps({"cpu_ms": self.cpu, "sync_cpu_ms": self.sync_cpu}))

    def close(self) -> None:
        """Close every widget (the next explorer starts clean)."""
        W.Widget.close_all()


def _comm_bytes(fe, code: str) -> int:
    """Run ``code`` in the kernel; the bytes of the widget messages (opens and updates) it sent."""
    total = 0

    def hook(msg):
        nonlocal total
        if msg["msg_type"] in ("comm_open", "comm_msg"):
            total += len(json.dumps(msg["content"].get("data", {}), default=str))
            total += sum(len(memoryview(b)) for b in msg.get("buffers") or [])

    reply = fe.kc.execute_interactive(code, store_history=False, timeout=120, output_hook=hook)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{code}: {reply['content'].get('evalue')}")
    return total


def measure_kernel(changes: int, warmup: int = 3) -> dict:
    """Kernel CPU per change for both libraries and both explorers, interleaved in one kernel."""
    from bench.latency import start_frontend

    out: dict[str, dict] = {}
    with open(os.devnull, "wb") as devnull:
        fe = start_frontend(str(ROOT), stderr=devnull,
                            prelude="import matplotlib\nmatplotlib.use('agg')\n"
                                    "from bench.compare_renderers import KernelPair")
    try:
        for name in EXPLORERS:
            fe.run(f"_pair = KernelPair({name!r})")
            shown = {lib: _comm_bytes(fe, f"_pair.show({lib!r})") for lib in LIBRARIES}
            sent: dict[str, list[int]] = {lib: [] for lib in LIBRARIES}
            trips: dict[str, list[float]] = {lib: [] for lib in LIBRARIES}
            for i in range(warmup + changes):
                order = LIBRARIES if i % 2 == 0 else LIBRARIES[::-1]
                for lib in order:
                    r = fe.run(f"_pair.change({lib!r}, {i}, record={i >= warmup})")
                    if i >= warmup:
                        sent[lib].append(r["image_bytes"])
                        trips[lib].append(r["round_trip_ms"])
            kernel = fe.json("_pair.results()")
            fe.run("_pair.close(); del _pair")
            out[name] = {lib: {"cpu_ms": kernel["cpu_ms"][lib], "sync_cpu_ms": kernel["sync_cpu_ms"][lib],
                               "comm_bytes": sent[lib], "round_trip_ms": trips[lib],
                               "display_bytes": shown[lib]} for lib in LIBRARIES}
            print(f"kernel {name}: " + ", ".join(
                f"{lib} {statistics.median(out[name][lib]['cpu_ms']):.1f} ms" for lib in LIBRARIES), flush=True)
    finally:
        fe.close()
    return out


# ---- 2. browser latency and 4. screenshots -----------------------------------------------------

def _write_notebook(folder: Path) -> str:
    """The notebook the browser runs: each explorer with bqplot, then with plotly."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from bench.compare_renderers import patch_bqplot_images, plotly_explorer\n"
        "patch_bqplot_images()\n"
        "from helpers.widgets import all_explorers\nE = all_explorers()"))
    for name in EXPLORERS:
        nb.cells.append(nbformat.v4.new_code_cell(f"E[{name!r}]()"))
        nb.cells.append(nbformat.v4.new_code_cell(f"plotly_explorer({name!r})"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "renderers.ipynb")
    return "renderers.ipynb"


def measure_browser(presses: int) -> tuple[dict, dict]:
    """Key press (or drop-down change) to painted figure, in Chromium, both libraries interleaved."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser_support import (
        CHROMIUM,
        CHROMIUM_ARGS,
        ERROR,
        HOOK_LIVE_JS,
        IDLE,
        KERNEL_READY_JS,
        PANEL,
        RUN_FINISHED_JS,
        STDERR,
        start_lab,
    )
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
    from test_browser_explorers import press

    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing (make browser-deps)")
    results: dict[str, dict] = {}
    shots: dict[str, str] = {}
    errors: list[str] = []
    empty_first_display: list[int] = []  # per Run All: plotly figures drawn without their traces
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        name = _write_notebook(tmp / "nb")
        server = start_lab(tmp / "lab", notebooks=tmp / "nb")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1100}, device_scale_factor=ZOOM)
                page.on("pageerror", lambda err: errors.append(str(err)))
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto(server.url(f"lab/workspaces/renderers/tree/notebooks/{name}"))
                page.wait_for_function(KERNEL_READY_JS, timeout=90_000)
                boxes = page.locator(f"{PANEL} .course-explorer")
                for _attempt in range(3):  # Run All; again while a plotly figure drew empty (see report)
                    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text="Run").first.click()
                    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
                    page.wait_for_timeout(1000)
                    page.wait_for_function(RUN_FINISHED_JS, arg=[PANEL, IDLE, f"{ERROR}, {STDERR}"],
                                           timeout=240_000)
                    problems = page.locator(f"{PANEL} {ERROR}, {PANEL} {STDERR}").all_inner_texts()
                    if problems:
                        raise RuntimeError(f"errors while displaying the explorers: {problems[:3]}")
                    boxes.nth(2 * len(EXPLORERS) - 1).wait_for(timeout=60_000)
                    empty = 0
                    for e in range(len(EXPLORERS)):
                        loc = boxes.nth(2 * e + 1)
                        loc.scroll_into_view_if_needed()
                        loc.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
                        page.wait_for_timeout(1000)
                        empty += loc.evaluate(EMPTY_PLOTLY_JS)
                    empty_first_display.append(empty)
                    if not empty:
                        break
                else:
                    raise RuntimeError("plotly figures drew empty after three Run All")
                SHOTS.mkdir(parents=True, exist_ok=True)
                for e, explorer in enumerate(EXPLORERS):
                    handles, targets = {}, {}
                    for j, lib in enumerate(LIBRARIES):
                        loc = boxes.nth(2 * e + j)
                        loc.scroll_into_view_if_needed()
                        drawn = ".course-live svg" if lib == "bqplot" else ".course-live .js-plotly-plot .main-svg"
                        loc.locator(drawn).first.wait_for(timeout=60_000)
                        page.wait_for_timeout(800)  # first draw settled (fonts, plotly's layout pass)
                        shot = SHOTS / f"{explorer.replace('.', '_')}_{lib}.png"
                        loc.locator(".course-live").first.screenshot(path=str(shot))
                        shots[f"{lib} {explorer}"] = str(shot.relative_to(ROOT))
                        handles[lib] = loc.element_handle()
                        if not handles[lib].evaluate(HOOK_LIVE_JS):
                            raise RuntimeError(f"{lib} {explorer}: no live figure to watch")
                        kind = "slider" if EXPLORERS[explorer] == "batch" else "drop-down"
                        sel = ".widget-slider .noUi-handle" if kind == "slider" else "select:not([multiple])"
                        targets[lib] = (kind, loc.locator(sel).first)
                    times: dict[str, list[float]] = {lib: [] for lib in LIBRARIES}
                    missed = dict.fromkeys(LIBRARIES, 0)
                    for n in range(presses + 1):  # the first press of each is a warm-up
                        forward = (n // 3) % 2 == 0
                        for lib in (LIBRARIES if n % 2 == 0 else LIBRARIES[::-1]):
                            handles[lib].scroll_into_view_if_needed()
                            kind, target = targets[lib]
                            ms = press(page, handles[lib], target, kind, forward, PlaywrightTimeout)
                            if n == 0:
                                continue
                            if ms is None:
                                missed[lib] += 1
                            else:
                                times[lib].append(ms)
                    results[explorer] = {lib: {"control": targets[lib][0], "latency_ms": times[lib],
                                               "unchanged": missed[lib]} for lib in LIBRARIES}
                    print(f"browser {explorer}: " + ", ".join(
                        f"{lib} {statistics.median(times[lib]):.0f} ms" if times[lib] else f"{lib} -"
                        for lib in LIBRARIES), flush=True)
                browser.close()
        finally:
            server.stop()
    return {"explorers": results, "page_errors": errors, "plotly_empty_per_run_all": empty_first_display}, shots


# ---- 3. install size ---------------------------------------------------------------------------

def _norm(name: str) -> str:
    """A distribution name in its normalised form."""
    return name.lower().replace("_", "-").replace(".", "-")


def _requires(dist_name: str) -> list[str]:
    """Names of the distributions an installed distribution requires (no extras)."""
    from packaging.requirements import Requirement

    try:
        reqs = metadata.distribution(dist_name).requires or []
    except metadata.PackageNotFoundError:
        return []
    out = []
    for text in reqs:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(_norm(req.name))
    return out


def _closure(names: list[str]) -> set[str]:
    """The installed distributions ``names`` need, themselves included."""
    seen: set[str] = set()
    todo = [_norm(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        todo += _requires(name)
    return seen


def _dist_bytes(name: str) -> tuple[int, int]:
    """Installed bytes of a distribution (its RECORD), and of its JupyterLab extension (the JavaScript
    JupyterLab serves to the browser from ``share/jupyter/labextensions``)."""
    total = lab = 0
    for f in metadata.distribution(name).files or []:
        try:
            size = f.locate().stat().st_size
        except OSError:
            continue
        total += size
        if "share/jupyter/labextensions/" in str(f).replace("\\", "/"):
            lab += size
    return total, lab


def _top_level(path: Path) -> list[str]:
    """Distribution names pinned in a requirements file."""
    out = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            out.append(line.split("==")[0].split(">=")[0].split("[")[0].strip())
    return out


def measure_sizes() -> dict:
    """Per library: itself plus the dependencies nothing else in the course (runtime and dev pins) needs."""
    course = _top_level(ROOT / "requirements.txt") + _top_level(ROOT / "requirements-dev.txt")
    out = {}
    for lib, top in (("bqplot", ["bqplot"]), ("plotly", ["plotly", "anywidget"])):
        rest = [n for n in course if _norm(n) not in {_norm(t) for t in top}]
        extra = sorted(_closure(top) - _closure(rest))
        parts = {}
        for name in extra:
            total, js = _dist_bytes(name)
            parts[name] = {"version": metadata.version(name), "mib": round(total / 2**20, 2),
                           "labextension_mib": round(js / 2**20, 2)}
        out[lib] = {"distributions": parts, "total_mib": round(sum(p["mib"] for p in parts.values()), 1),
                    "labextension_mib": round(sum(p["labextension_mib"] for p in parts.values()), 1)}
    return out


# ---- report ------------------------------------------------------------------------------------

def _stats(values: list[float]) -> dict:
    """Count, median and 95th percentile (nearest rank) of the finite values."""
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return {"n": 0, "median": None, "p95": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(values), "median": round(statistics.median(values), 2), "p95": round(p95, 2)}


def summarize(kernel: dict, browser: dict, sizes: dict) -> dict:
    """Medians and p95s per library and explorer, from the raw measurements."""
    rows = []
    for name in EXPLORERS:
        for lib in LIBRARIES:
            k = kernel.get(name, {}).get(lib, {})
            b = browser.get("explorers", {}).get(name, {}).get(lib, {})
            rows.append({"library": lib, "explorer": name, "control": EXPLORERS[name],
                         "kernel_cpu_ms": _stats(k.get("cpu_ms", [])),
                         "mirror_sync_cpu_ms": _stats(k.get("sync_cpu_ms", [])),
                         "comm_bytes": _stats(k.get("comm_bytes", [])),
                         "display_bytes": k.get("display_bytes"),
                         "browser_ms": _stats(b.get("latency_ms", [])),
                         "browser_unchanged": b.get("unchanged"),
                         "install_mib": sizes.get(lib, {}).get("total_mib")})
    return {"rows": rows}


def _fmt(s: dict, digits: int = 1) -> str:
    """'median / p95' for the table."""
    if not s or s.get("median") is None:
        return "–"
    return f"{s['median']:.{digits}f} / {s['p95']:.{digits}f}"


def write_markdown(data: dict, path: Path) -> None:
    """The short report: the table, then the notes on looks and the conclusion stored in ``data``."""
    lines = [
        "# Live figures: bqplot or plotly's FigureWidget?",
        "",
        f"Measured {data['time']} on {data['machine']} (load average at start {data['load_start']}), "
        f"{data['versions']}. Both libraries interleaved in the same run. Re-run: `{data['command']}`.",
        "",
        "| library | explorer (control) | kernel CPU per change, ms (median / p95) | mirror's share, ms "
        "| sent per change, kB (median) | sent to display, kB | browser, input to paint, ms (median / p95) "
        "| install size, MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in data["summary"]["rows"]:
        size = data["sizes"][r["library"]]
        lines.append(
            f"| {r['library']} | {r['explorer']} ({r['control']}) | {_fmt(r['kernel_cpu_ms'])} "
            f"| {_fmt(r['mirror_sync_cpu_ms'])} | {(r['comm_bytes']['median'] or 0) / 1e3:,.1f} "
            f"| {(r.get('display_bytes') or 0) / 1e3:,.0f} | {_fmt(r['browser_ms'], 0)} "
            f"| {size['total_mib']} |")
    n_k = min(r["kernel_cpu_ms"]["n"] for r in data["summary"]["rows"])
    n_b = min(r["browser_ms"]["n"] for r in data["summary"]["rows"])
    sizes = "; ".join(f"{lib}: " + ", ".join(f"{k} {v['version']} ({v['mib']} MiB)"
                                             for k, v in s["distributions"].items())
                      for lib, s in data["sizes"].items())
    lines += ["", f"Kernel: {n_k} changes per library and explorer in a real ipykernel, thread CPU time of "
              "`control.value = v` (the explorer's model, the mirror's update, sending the comm messages); "
              "*mirror's share* is the mirror's `sync` alone. *Sent*: bytes of widget messages (JSON and "
              "binary buffers) per change, and for displaying the figure. Browser: "
              f"{n_b} changes each in headless Chromium (JupyterLab), input event to the animation frame "
              "after the figure's first DOM mutation. Install size: the library and the dependencies nothing "
              f"else in the course needs, from the installed files: {sizes}.", ""]
    for title, key in (("Findings", "findings"), ("Looks", "looks"), ("Conclusion", "conclusion")):
        if data.get(key):
            lines += [f"## {title}", "", data[key], ""]
    path.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and write the results (``--quick`` for a few changes only)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=40, help="kernel changes per library and explorer")
    parser.add_argument("--presses", type=int, default=24, help="browser changes per library and explorer")
    parser.add_argument("--quick", action="store_true", help="5 changes each, for a smoke run")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--notes", type=Path, help="JSON with 'looks' and 'conclusion' texts for the report")
    parser.add_argument("--report-only", action="store_true", help="rewrite the Markdown from the JSON")
    args = parser.parse_args(argv)
    json_path, md_path = RESULTS / "renderer_comparison.json", RESULTS / "renderer_comparison.md"
    if args.report_only:
        data = json.loads(json_path.read_text())
        if args.notes:
            data.update(json.loads(args.notes.read_text()))
            json_path.write_text(json.dumps(data, indent=1))
        write_markdown(data, md_path)
        return 0
    try:
        import plotly
    except ImportError:
        print(f"plotly is not installed: {INSTALL}", file=sys.stderr)
        return 2
    changes, presses = (5, 5) if args.quick else (args.changes, args.presses)
    load = os.getloadavg()[0]
    sizes = measure_sizes()
    kernel = measure_kernel(changes)
    browser, shots = ({}, {}) if args.skip_browser else measure_browser(presses)
    import bqplot

    data = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_start": round(load, 2), "load_end": round(os.getloadavg()[0], 2),
        "versions": f"bqplot {bqplot.__version__}, plotly {plotly.__version__}, "
                    f"anywidget {metadata.version('anywidget')}",
        "command": f"{INSTALL} && .venv/bin/python bench/compare_renderers.py",
        "summary": summarize(kernel, browser, sizes), "sizes": sizes,
        "kernel": kernel, "browser": browser, "screenshots": shots,
    }
    if args.notes:
        data.update(json.loads(args.notes.read_text()))
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(data, indent=1))
    write_markdown(data, md_path)
    print(md_path.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
