"""Runs inside the benchmark's ipykernel: builds one explorer under ``%matplotlib widget`` and times changes.

The client (``bench/latency.py``) drives a ``Session`` through execute requests, one per change, and
drains iopub after each, as a headless JupyterLab would. A change is timed in the kernel from setting
``control.value`` until the ipympl canvas has rendered and sent its image for the browser's draw request
(simulated with ``Canvas._handle_message``, as the browser's draw message would call it).

``candidate_values`` is pure (ipywidgets only) and tested in ``tests/test_bench_harness.py``.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import ipywidgets as W

# What jupyter-matplotlib's view sends when it appears (device pixel ratio 1), then its first draw request.
FRONTEND_HELLO = ({"type": "refresh"}, {"type": "send_image_mode"}, {"type": "initialized"})
DRAW_REQUEST = {"type": "draw"}


# ---- values a learner could set, derived from the widget type ----------------------------------

def _grid(x: float, lo: float, step: float) -> float:
    return round(lo + round((x - lo) / step) * step, 12)


def _numeric_values(value: float, lo: float, hi: float, step: float, integer: bool) -> list:
    """Current value, its neighbour one step up (or down at the top), and both ends of the range."""
    if not step or step <= 0:
        step = 1 if integer else (hi - lo) / 100 or 1.0
    top = _grid(lo + math.floor((hi - lo) / step + 1e-9) * step, lo, step)  # highest value on the grid
    up = _grid(value + step, lo, step)
    neighbour = up if up <= top + 1e-12 else _grid(value - step, lo, step)
    out = [value, neighbour, lo, top]
    return [int(round(x)) for x in out] if integer else [float(x) for x in out]


def _text_variant(text: str) -> str:
    """A different string meaning the same: '3' -> '3.0', '0.25' -> '0.250', anything else + a space."""
    s = text.strip()
    try:
        float(s)
    except ValueError:
        return text + " "
    if s.lstrip("+-").isdigit():
        return s + ".0"
    if "." in s and "e" not in s.lower():
        return s + "0"
    return " " + s


def candidate_values(widget: W.Widget) -> list:
    """Two or more distinct valid values for ``widget.value``, the current one first.

    Sliders and bounded number boxes: current, neighbour, min, max (on the step grid). Unbounded number
    boxes: current and current + step. Dropdowns, toggle buttons, radio buttons, selection sliders: every
    option (at most 4). Multiple selections: current, without its last item, with one more option (three
    tries).
    Checkboxes and toggle buttons: both states. Text: current and a variant with the same meaning.
    Raises ``TypeError`` for widgets without a value or of an unsupported type.
    """
    if not hasattr(widget, "value"):
        raise TypeError(f"{type(widget).__name__} has no value")
    v = widget.value
    if isinstance(widget, (W.Checkbox, W.ToggleButton)):
        out = [v, not v]
    elif isinstance(widget, W.FloatLogSlider):
        exponent = math.log(v, widget.base)
        exps = _numeric_values(exponent, widget.min, widget.max, widget.step, integer=False)
        out = [v] + [round(widget.base**e, 12) for e in exps[1:]]
    elif isinstance(widget, (W.IntRangeSlider, W.FloatRangeSlider)):
        integer = isinstance(widget, W.IntRangeSlider)
        lo, hi = v
        step = widget.step
        out = [(lo, hi)]
        if hi + step <= widget.max:  # move the upper handle one step, out if there is room, else in
            out.append((lo, hi + step))
        elif hi - step >= lo:
            out.append((lo, hi - step))
        if lo - step >= widget.min:  # and the lower handle
            out.append((lo - step, hi))
        elif lo + step <= hi:
            out.append((lo + step, hi))
        out.append((widget.min, widget.max))
        out = [tuple(int(x) if integer else round(float(x), 12) for x in pair) for pair in out]
    elif isinstance(widget, (W.widgets.widget_int._BoundedInt, W.widgets.widget_float._BoundedFloat)):
        integer = isinstance(widget, W.widgets.widget_int._BoundedInt)
        out = _numeric_values(v, widget.min, widget.max, getattr(widget, "step", None) or 1, integer)
    elif isinstance(widget, (W.widgets.widget_int._Int, W.widgets.widget_float._Float)):
        step = getattr(widget, "step", None) or 1
        out = [v, v + step]
    elif isinstance(widget, W.widgets.widget_selection._Selection):
        options = list(widget._options_values)
        rest = [o for o in options if o != v]
        out = [v] + rest[:3]
    elif isinstance(widget, W.widgets.widget_selection._MultipleSelection):
        current = tuple(v)
        others = [o for o in widget._options_values if o not in current]
        out = [current] + ([current[:-1]] if len(current) > 1 else []) + [(*current, o) for o in others[:3]]
    elif isinstance(widget, (W.Text, W.Textarea)):
        out = [v, _text_variant(v)]
    else:
        raise TypeError(f"{type(widget).__name__} is not supported by the benchmark")
    unique = []
    for x in out:
        if x not in unique:
            unique.append(x)
    if len(unique) < 2:
        raise TypeError(f"{type(widget).__name__} offers only one value ({v!r})")
    return unique


# ---- the session inside the kernel --------------------------------------------------------------

def frontend_hello(canvas) -> None:
    """What a new jupyter-matplotlib view sends: refresh, image mode, initialized, then a draw request."""
    for msg in FRONTEND_HELLO:
        canvas._handle_message(canvas, msg, [])
    canvas._handle_message(canvas, DRAW_REQUEST, [])


def request_draw(canvas) -> None:
    """The browser's draw request after a 'draw' event: render, diff against the last frame, send."""
    canvas._handle_message(canvas, DRAW_REQUEST, [])


def _skip_update(self, _change: Any = None) -> bool:
    return True


class Session:
    """One explorer, displayed as in a notebook, driven one change at a time."""

    def __init__(self, name: str):
        from IPython.display import display

        from helpers.widgets import all_explorers

        self.name = name
        self.factory = all_explorers()[name]
        start = time.perf_counter()
        self.ex = self.factory()
        self.build_ms = (time.perf_counter() - start) * 1e3
        if not self.ex.live_canvas:
            raise RuntimeError(f"{name}: the figure is not an ipympl canvas (is %matplotlib widget active?)")
        display(self.ex)
        self.canvas = self.ex.fig.canvas
        frontend_hello(self.canvas)
        self.initial = {k: w.value for k, w in self.ex.controls.items()}
        self.values: dict[str, list] = {}
        self.skipped: dict[str, str] = {}
        self.rejected: dict[str, list] = {}  # candidate values the explorer answered with a message
        self.times: dict[str, list[float]] = {}
        self.update_times: dict[str, list[float]] = {}  # the part spent in the explorer's update
        self.cpu_times: dict[str, list[float]] = {}  # CPU time of the kernel's main thread per change
        self.naive_times: list[float] = []
        self.errors: dict[str, list[str]] = {}
        self.no_update: dict[str, int] = {}
        self._naive = None

    def emit(self, payload: Any) -> None:
        print(json.dumps(payload, default=repr))

    def controls(self) -> None:
        self.emit(list(self.ex.controls))

    def plan(self, key: str) -> None:
        """Values for one control (computed now: earlier controls may change a slider's range), keeping
        only those the explorer accepts without a message; each is tried once, untimed."""
        widget = self.ex.controls[key]
        rejected = []
        try:
            candidates = candidate_values(widget)
        except TypeError as err:
            self.skipped[key] = str(err)
            candidates = []
        valid = candidates[:1]
        for value in candidates[1:]:
            widget.value = value
            (valid if self.ex.error is None else rejected).append(value)
        if candidates:
            widget.value = candidates[0]
            request_draw(self.canvas)
            if len(valid) < 2:
                self.skipped[key] = f"no second value the explorer accepts (tried {rejected!r})"
            else:
                self.values[key] = valid
        self.rejected[key] = rejected
        self.emit({"key": key, "values": self.values.get(key), "skipped": self.skipped.get(key)})

    def change(self, key: str, i: int, record: bool = True) -> None:
        """Change ``key`` to its next value (never the current one) and serve the draw request."""
        values = self.values[key]
        widget = self.ex.controls[key]
        value = values[(i + 1) % len(values)]
        updates = self.ex.updates
        cpu = time.thread_time()
        start = time.perf_counter()
        widget.value = value
        updated = time.perf_counter()
        request_draw(self.canvas)
        end = time.perf_counter()
        cpu = time.thread_time() - cpu
        ms = (end - start) * 1e3
        if self.ex.updates == updates:
            self.no_update[key] = self.no_update.get(key, 0) + 1
        if self.ex.error is not None:
            self.errors.setdefault(key, []).append(f"{value!r}: {self.ex.error}")
        if record:
            self.times.setdefault(key, []).append(ms)
            self.update_times.setdefault(key, []).append((updated - start) * 1e3)
            self.cpu_times.setdefault(key, []).append(cpu * 1e3)

    def reset(self, key: str) -> None:
        """Put a control back to its initial value (untimed), so the next control starts from defaults."""
        self.ex.controls[key].value = self.initial[key]
        request_draw(self.canvas)

    def naive_change(self, key: str, i: int, record: bool = True) -> None:
        """The naive alternative: close the figure, build the explorer anew at the new value, display it,
        draw it in full. The factory's own first draw is skipped so the computation runs once, as in a
        plain ``interact`` that re-plots from scratch."""
        import matplotlib.pyplot as plt
        from IPython.display import display

        import helpers.widgets as hw

        values = self.values[key]
        state = dict(self.initial)
        state[key] = values[(i + 1) % len(values)]
        start = time.perf_counter()
        if self._naive is not None:
            plt.close(self._naive.fig)
        original = hw.Explorer.update
        hw.Explorer.update = _skip_update
        try:
            ex = self.factory()
        finally:
            hw.Explorer.update = original
        for k, v in state.items():
            ex.controls[k].value = v
        ex.update()
        display(ex.widget)
        frontend_hello(ex.fig.canvas)
        ms = (time.perf_counter() - start) * 1e3
        self._naive = ex
        if ex.error is not None:
            self.errors.setdefault("(naive)", []).append(f"{key}={state[key]!r}: {ex.error}")
        if record:
            self.naive_times.append(ms)

    def close(self) -> None:
        """Close every figure and widget: the next explorer starts as in a fresh notebook."""
        import gc

        import matplotlib.pyplot as plt

        plt.close("all")
        W.Widget.close_all()
        gc.collect()

    def results(self) -> None:
        if self._naive is not None:
            import matplotlib.pyplot as plt

            plt.close(self._naive.fig)
            self._naive = None
        self.emit({
            "build_ms": self.build_ms, "values": self.values, "skipped": self.skipped, "rejected": self.rejected,
            "times_ms": self.times, "update_ms": self.update_times, "cpu_ms": self.cpu_times,
            "naive_ms": self.naive_times, "errors": self.errors, "no_update": self.no_update,
        })
