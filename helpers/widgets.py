"""The explorer pattern: controls, one figure built once, a message area, and an ``update()``.

An explorer's ``draw(values)`` changes artists' data (``set_data``, ``set_array``, ``set_height``) and
may return an HTML string of results. Any ``ValueError`` raised while reading controls or drawing is
shown in the widget as a readable message; the figure then keeps the last valid state. Every explorer
factory is registered, so tests and benchmarks can enumerate all explorers in the course.

The figure is described once, with matplotlib. Displayed, an explorer shows it live through
:class:`helpers.liveplot.LiveFigure` (bqplot: the browser draws, the kernel only sends arrays) and, in the
same output, as a PNG rendered by matplotlib for GitHub, nbviewer and JupyterLab before the kernel starts.
"""

from __future__ import annotations

import base64
import functools
import html
import logging
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as W
from matplotlib.figure import Figure

from .liveplot import LiveFigure
from .plotting import course_style, figure_png

LOG = logging.getLogger(__name__)
EXPLORERS: dict[str, Callable[[], Explorer]] = {}
ERROR_STYLE = "color:#B00020"


def register(name: str) -> Callable:
    """Decorator: add an explorer factory (callable with no arguments) to the course registry."""

    def wrap(factory: Callable) -> Callable:
        if name in EXPLORERS:
            raise ValueError(f"explorer {name!r} is registered twice")

        @functools.wraps(factory)
        def styled(*args, **kwargs):
            with course_style():  # the course style applies to the explorer's figure, not the learner's
                return factory(*args, **kwargs)

        EXPLORERS[name] = styled
        styled.explorer_name = name
        return styled

    return wrap


def all_explorers() -> dict[str, Callable[[], Explorer]]:
    """Every registered explorer factory in the course, by name (imports all explorer modules)."""
    from . import explorers

    explorers.load_all()
    return dict(EXPLORERS)


class Explorer:
    """Controls (name -> widget), a figure, a message area and an ``update()``.

    Tests drive it without a browser: set ``explorer.controls[name].value`` and read the artists in
    ``explorer.artists`` or the text in ``explorer.info.value`` / ``explorer.message.value``.
    """

    def __init__(
        self,
        name: str,
        controls: Mapping[str, W.Widget],
        fig: Figure,
        draw: Callable[[dict[str, Any]], str | None],
        artists: Mapping[str, Any] | None = None,
        parsers: Mapping[str, Callable[[Any], Any]] | None = None,
        layout: Callable[[dict[str, W.Widget]], W.Widget] | None = None,
    ):
        self.name = name
        self.controls = dict(controls)
        self.fig = fig
        self.artists = dict(artists or {})
        self.parsers = dict(parsers or {})
        self._draw = draw
        self._layout = layout
        self.info = W.HTML()
        self.message = W.HTML()
        self.error: Exception | None = None
        self.updates = 0
        self._widget: W.Widget | None = None
        self.live: LiveFigure | None = None
        for widget in self.controls.values():
            if hasattr(getattr(widget, "style", None), "description_width"):
                widget.style.description_width = "initial"  # show whole labels ("σ (Gaussian)")
            widget.observe(self.update, "value")
        self.update()

    def values(self) -> dict[str, Any]:
        """Current control values, each passed through its parser (which may raise ``ValueError``)."""
        out = {}
        for key, widget in self.controls.items():
            parse = self.parsers.get(key)
            out[key] = parse(widget.value) if parse else widget.value
        return out

    def update(self, _change: Any = None) -> bool:
        """Redraw from the controls; return True on success, False if a message was shown instead."""
        self.updates += 1
        try:
            info = self._draw(self.values())
        except ValueError as err:
            return self._show_error(err, "Check the input")
        except Exception as err:  # a bug, but the notebook must stay usable; tests flag it via .error
            LOG.exception("explorer %s: update failed", self.name)  # the traceback, for the developer
            return self._show_error(err, f"Could not update ({type(err).__name__})")
        self.error = None
        self.message.value = ""
        if info is not None:
            self.info.value = info
        self._refresh_figure()
        return True

    def _show_error(self, err: Exception, headline: str) -> bool:
        self.error = err
        self.message.value = (
            f'<span style="{ERROR_STYLE}"><b>{headline}:</b> {html.escape(str(err))}. '
            "The figure still shows the last valid input.</span>"
        )
        return False

    def _refresh_figure(self) -> None:
        if self.live is not None:  # send the changed arrays; the browser draws
            self.live.sync()

    @property
    def widget(self) -> W.Widget:
        """The whole explorer as one ipywidgets box (built on first use)."""
        if self._widget is None:
            self.live = LiveFigure(self.fig)
            controls = self._layout(self.controls) if self._layout else W.VBox(list(self.controls.values()))
            self._widget = W.VBox([controls, self.message, self.info, self.live.widget])
            self._widget.add_class("course-explorer")  # browser tests find explorers by this class
        return self._widget

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={_short(v.value)}" for k, v in self.controls.items())
        return f"<{self.name} explorer: {shown}>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["text/plain"] = repr(self)
        bundle["image/png"] = base64.b64encode(figure_png(self.fig)).decode("ascii")
        return bundle


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "..."


# ---- safe parsers for text boxes (never eval) -------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(
    text: Any,
    name: str,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
) -> float | int:
    """Read one finite number from user text; raise ``ValueError`` naming ``name`` otherwise."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = text
    else:
        cleaned = str(text).strip().replace("_", "")
        if not _NUMBER.match(cleaned):
            raise ValueError(f"{name} must be a number, got {str(text)[:40]!r}")
        value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if integer:
        if value != int(value):
            raise ValueError(f"{name} must be a whole number, got {value}")
        value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return value


def parse_matrix(text: str, name: str, max_size: int = 15) -> list[list[float]]:
    """Read a small matrix typed as rows on lines (or separated by ``;``), numbers by spaces or commas."""
    rows = [r for r in re.split(r"[;\n]", str(text)) if r.strip()]
    if not rows:
        raise ValueError(f"{name} is empty: type rows of numbers, e.g. '0 -1 0; -1 5 -1; 0 -1 0'")
    matrix = [[parse_number(c, f"{name} entry") for c in re.split(r"[,\s]+", r.strip())] for r in rows]
    widths = {len(r) for r in matrix}
    if len(widths) != 1:
        raise ValueError(f"{name} rows have different lengths {sorted(widths)}: give every row as many numbers")
    if len(matrix) > max_size or len(matrix[0]) > max_size:
        raise ValueError(f"{name} is larger than {max_size}x{max_size}")
    return matrix
