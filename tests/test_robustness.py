"""Every registered explorer survives any control value: a readable message, or a finite figure.

Every explorer in ``helpers.widgets.all_explorers()`` is covered (a new explorer needs no new test). Each control
is set to values chosen by its widget type: the ends of a slider's range and values in between; negative, zero
and huge numbers in number boxes; hostile text in text boxes (ragged and oversized matrices in matrix boxes);
every option of a drop-down or toggle; both states of a checkbox. After every change either

* ``explorer.error is None``, the message area is empty and everything the figure shows is finite
  (``nonfinite_parts``), or
* ``explorer.error`` is a ``ValueError`` and the learner sees a message (the figure keeps its last valid state),

and never another exception type (the Explorer base would catch it, but it is a bug). No change may take
``MAX_UPDATE_S`` CPU seconds or longer (or ``MAX_WALL_S`` of wall time), or emit a warning (it would print on
stderr under the learner's explorer), and setting the defaults back always recovers.

Two phases per explorer: an exhaustive sweep (every candidate value of every control from the defaults; then,
while half the explorer's share of ``BUDGET_S`` lasts, again with each other option of every drop-down, toggle
and checkbox, sliders only at their ends; plus all bounded controls at their minima together and at their maxima
together), then hypothesis combinations of
several changes, as many as the explorer's share of ``BUDGET_S`` allows (at least ``MIN_EXAMPLES``): the sweep
grows with the course, the combinations shrink. Explorers that time this machine (``MEASURING``) get only the
all-minima and all-maxima states and ``MEASURING_EXAMPLES`` combinations.

Slider maxima are also bounded (``RESOURCE_LIMITS``): no image side over 1024, no more than 10^6 Monte Carlo
samples or 8 processes.

NaN in a figure is accepted only where an explorer deliberately hides something: an invisible artist, or a
reference line (``axvline`` / ``axhline``) whose position is NaN on every point. To hide anything else, make
the artist invisible.

The counts are written to ``artefacts/robustness.json`` (quoted in the README).
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import re
import resource
import time
import traceback
import warnings

import ipywidgets as W
import numpy as np
import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from ipywidgets.widgets import widget_bool, widget_float, widget_int, widget_selection, widget_string
from traitlets import TraitError

from helpers.plotting import new_figure
from helpers.widgets import Explorer, all_explorers, parse_matrix

MEASURING = ("machine.matmul", "convolution.fft_timing")  # they time this machine: each update costs seconds
MAX_UPDATE_S = 5.0  # CPU seconds of this process per change (wall time swells when the machine is shared)
MAX_WALL_S = 20.0  # wall seconds per change: catches waiting (sleeps, network time-outs), which costs no CPU
BUDGET_S = 24.0  # seconds for the whole file, shared equally by the explorers
MIN_EXAMPLES, MAX_EXAMPLES, MEASURING_EXAMPLES = 6, 200, 2
RENDER_EVERY = 4  # about one hypothesis example in 4 is rendered for real (a render costs 50-150 ms)
REPORT = ROOT / "artefacts" / "robustness.json"

FACTORIES = all_explorers()
NAMES = sorted(FACTORIES)

# ---- candidate values, by widget type ----------------------------------------------------------------

SLIDER_POSITIONS = (0.0, 1.0, 0.5, 0.1, 0.9)  # fractions of the slider's current range: ends first
MEASURING_POSITIONS = (0.0, 1.0)
INT_BOX = (-(10**9), -1, 0, 1, 10**9, 10**12)
FLOAT_BOX = (-1e12, -1.0, 0.0, 1e-300, 1e9, 1e12)
TEXTS = ("", "abc", "nan", "inf", "-1", "1e999", "0", "1e12", "__import__('os')", " ", "-0", "1_0", "1e-300",
         "0x10", "١٢", "1,5", "--1", "None")
MATRIX_TEXTS = ("1 2; 3", "1 2\n3 4 5", "1", "0 0; 0 0", "nan 1; 1 1", "1e999 0; 0 1", "1e12 0; 0 1", ";\n;",
                "1 2 3 4 5 6 7 8 9", "1;2;3;4;5;6;7;8;9", "; ".join([" ".join(["1"] * 16)] * 16),
                "1 x; 2 3", "-1e-300 1e-300; 1e-300 -1e-300")


def kind_of(widget: W.Widget) -> str:
    """How a control is fuzzed; unknown widget types fail loudly so a new kind gets candidates here."""
    kinds = (
        ((widget_int._BoundedIntRange, widget_float._BoundedFloatRange), "range"),
        ((widget_int._BoundedInt, widget_float._BoundedFloat, widget_float._BoundedLogFloat), "bounded"),
        ((widget_int._Int,), "int box"),
        ((widget_float._Float,), "float box"),
        ((widget_string._String,), "text"),
        ((widget_selection._MultipleSelectionNonempty,), "option span"),
        ((widget_selection._MultipleSelection,), "options"),
        ((widget_selection._Selection,), "option"),
        ((widget_bool._Bool,), "bool"),
    )
    for classes, kind in kinds:
        if isinstance(widget, classes):
            return kind
    raise AssertionError(f"no fuzzing candidates for {type(widget).__name__}: add its kind to kind_of()")


def is_matrix_box(widget: W.Widget) -> bool:
    """A text control whose default is a matrix of numbers ('0 -1 0; -1 5 -1; ...')."""
    try:
        rows = parse_matrix(widget.value, "default")
    except ValueError:
        return False
    return len(rows) * len(rows[0]) > 1


def candidates(widget: W.Widget, measuring: bool, ends_only: bool = False) -> list[tuple[str, object]]:
    """The sweep's values for one control, as (how, argument) pairs resolved by ``set_control``."""
    kind = kind_of(widget)
    if kind == "bounded":
        found = [("at", x) for x in (MEASURING_POSITIONS if measuring or ends_only else SLIDER_POSITIONS)]
        if not isinstance(widget, (W.IntSlider, W.FloatSlider, W.FloatLogSlider)):  # bounded boxes clamp
            found += [("value", v) for v in (-1, 0, 10**9)]
        return found
    if kind == "range":
        return [("span", s) for s in ((0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.25, 0.75))]
    if kind == "int box":
        return [("value", v) for v in (*INT_BOX, widget.value)]
    if kind == "float box":
        return [("value", v) for v in (*FLOAT_BOX, widget.value)]
    if kind == "text":
        return [("value", v) for v in TEXTS + (MATRIX_TEXTS if is_matrix_box(widget) else ())]
    if kind == "option span":
        n = len(widget.options)
        return [("option span", (i, j)) for i, j in ((0, 0), (0, n - 1), (n - 1, n - 1))]
    if kind == "options":
        n = len(widget.options)
        return [("options", ())] + [("options", (i,)) for i in range(n)] + [("options", tuple(range(n)))]
    if kind == "option":
        return [("option", i) for i in range(len(widget.options))]
    return [("value", True), ("value", False)]


def strategy(widget: W.Widget, measuring: bool):
    """Hypothesis strategy of (how, argument) for one control: the sweep's candidates and values between."""
    kind = kind_of(widget)
    listed = st.sampled_from(candidates(widget, measuring))
    if measuring:
        return listed
    if kind == "bounded":
        return listed | st.tuples(st.just("at"), st.floats(0, 1))
    if kind == "range":
        return listed | st.tuples(st.just("span"), st.tuples(st.floats(0, 1), st.floats(0, 1)))
    if kind == "int box":
        return listed | st.tuples(st.just("value"), st.integers(-(10**12), 10**12))
    if kind == "float box":
        return listed | st.tuples(st.just("value"), st.floats(-1e12, 1e12, allow_nan=False))
    if kind == "text":
        numbers = st.floats(allow_nan=True, allow_infinity=True).map(repr) | st.integers().map(str)
        texts = listed | st.tuples(st.just("value"), st.text(max_size=12) | numbers)
        if is_matrix_box(widget):
            cell = st.sampled_from(["0", "1", "-2", "0.5", "1e6", "nan", "x", ""])
            rows = st.lists(st.lists(cell, min_size=1, max_size=11).map(" ".join), min_size=1, max_size=11)
            texts |= st.tuples(st.just("value"), st.tuples(rows, st.sampled_from(["; ", "\n"])).map(
                lambda r: r[1].join(r[0])))
        return texts
    return listed


def _resolves_to_other(widget: W.Widget, how: str, arg) -> bool:
    """Whether a discrete candidate differs from the control's current value."""
    if how == "option":
        return arg % len(widget.options) != widget.index
    return arg != widget.value


def _position(widget: W.Widget, at: float):
    lo, hi = widget.min, widget.max
    value = lo if at == 0 else hi if at == 1 else lo + at * (hi - lo)
    if isinstance(widget, widget_float._BoundedLogFloat):
        return widget.base**value
    if isinstance(widget, (widget_int._BoundedInt, widget_int._BoundedIntRange)):
        return int(round(value))
    return value


def set_control(widget: W.Widget, how: str, arg) -> None:
    """Set a control from a candidate: a literal value, a position in its current range, or option indices."""
    if how == "value":
        widget.value = arg
    elif how == "at":
        widget.value = _position(widget, arg)
    elif how == "span":
        widget.value = tuple(sorted(_position(widget, a) for a in arg))
    elif how == "option":
        widget.index = arg % len(widget.options)
    elif how == "option span":
        widget.index = tuple(sorted(i % len(widget.options) for i in arg))
    elif how == "options":
        widget.index = tuple(i % len(widget.options) for i in arg)
    else:
        raise AssertionError(f"unknown candidate kind {how!r}")


# ---- what a correct figure looks like ---------------------------------------------------------------------

NAN_WORD = re.compile(r"(?<![\w.])[+-]?(nan|inf)(?!\w)", re.IGNORECASE)


def _finite(values) -> bool:
    """All values finite, masked ones included: matplotlib masks NaN by itself (imshow, scatter), and a hole
    where a computation failed is not a deliberate choice. To hide pixels, mask finite values."""
    return bool(np.all(np.isfinite(np.asarray(np.ma.getdata(values), dtype=float))))


def _reference_axis(ax, line) -> int | None:
    """0 for an axvline (x in data, y in axes fraction), 1 for an axhline, None for a data line."""
    transform = line.get_transform()
    if transform == ax.get_xaxis_transform():
        return 0
    if transform == ax.get_yaxis_transform():
        return 1
    return None


def nonfinite_parts(fig, texts=()) -> list[str]:
    """Everything the figure (and the given info texts) would show as NaN or infinity, described."""
    bad = []
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        where = f"axes {i} {ax.get_title()!r}"
        if not (_finite(ax.get_xlim()) and _finite(ax.get_ylim())):
            bad.append(f"{where}: limits {ax.get_xlim()} {ax.get_ylim()}")
        for line in ax.lines:
            if not line.get_visible():
                continue
            xy = np.asarray(line.get_xydata(), dtype=float).reshape(-1, 2)
            ref = _reference_axis(ax, line)
            if ref is None:
                ok = _finite(xy)
            else:  # a reference line may be hidden by a NaN position on every point, nothing else
                ok = _finite(xy[:, 1 - ref]) and (_finite(xy[:, ref]) or bool(np.all(np.isnan(xy[:, ref]))))
            if not ok:
                bad.append(f"{where}: line {line.get_label()!r} data {xy.tolist()[:6]}")
        for image in ax.images:
            if not image.get_visible():
                continue
            array = image.get_array()
            if array is not None and not _finite(array):
                bad.append(f"{where}: image with non-finite pixels")
            if not _finite(image.get_extent()):
                bad.append(f"{where}: image extent {image.get_extent()}")
            if array is not None and array.ndim == 2:
                limits = [v for v in (image.norm.vmin, image.norm.vmax) if v is not None]
                if not _finite(limits):
                    bad.append(f"{where}: image colour limits {limits}")
        for patch in ax.patches:
            if patch.get_visible():
                vertices = patch.get_patch_transform().transform(patch.get_path().vertices)
                if not _finite(vertices):
                    bad.append(f"{where}: {type(patch).__name__} {patch.get_label()!r} at {vertices.tolist()[:4]}")
        for collection in ax.collections:
            if not collection.get_visible():
                continue
            parts = [collection.get_offsets(), *(p.vertices for p in collection.get_paths())]
            if collection.get_array() is not None:
                parts.append(collection.get_array())
            if not all(_finite(p) for p in parts):
                bad.append(f"{where}: {type(collection).__name__} with non-finite data")
        for text in [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]:
            if text.get_visible() and (NAN_WORD.search(text.get_text()) or not _finite(text.get_position())):
                bad.append(f"{where}: text {text.get_text()!r} at {text.get_position()}")
    for text in texts:
        if NAN_WORD.search(re.sub(r"<[^>]*>", " ", text)):
            bad.append(f"info text shows NaN or infinity: {text[:200]!r}")
    return bad


# ---- one explorer under fuzzing ---------------------------------------------------------------------------

def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) since ``start``."""
    wall, cpu = _clock()
    return wall - start[0], cpu - start[1]


class Fuzz:
    """Drives one explorer, checks it after every change, and counts what it tried."""

    def __init__(self, name: str):
        self.name = name
        self.measuring = name in MEASURING
        self.explorer = FACTORIES[name]()
        assert self.explorer.error is None, f"{name}: the defaults fail: {self.explorer.message.value}"
        self.renders = 0
        self.explorer.fig.canvas.draw_idle = self._skip_draw  # render on purpose (self.render), not per change
        self.defaults = {key: w.value for key, w in self.explorer.controls.items()}
        self.counts = {"inputs": 0, "ok": 0, "message": 0, "rejected_by_widget": 0, "unchanged": 0}
        self.update_seconds: list[float] = []
        self.render_seconds: list[float] = []
        self.update_cpu_seconds: list[float] = []
        self.contexts_swept = self.contexts_total = 0

    def _skip_draw(self, *args, **kwargs) -> None:
        pass

    def describe(self) -> str:
        return f"{self.name} with {self.explorer!r}"

    def check(self, what: str, elapsed: tuple[float, float], caught: list) -> str:
        ex = self.explorer
        wall, cpu = elapsed
        assert cpu < MAX_UPDATE_S, f"{what}: took {cpu:.1f} CPU s (limit {MAX_UPDATE_S}), {self.describe()}"
        assert wall < MAX_WALL_S, f"{what}: took {wall:.1f} s of wall time (limit {MAX_WALL_S}), {self.describe()}"
        assert not caught, f"{what}: warnings {[str(w.message) for w in caught]} in {self.describe()}"
        if ex.error is not None:
            assert isinstance(ex.error, ValueError), (
                f"{what}: {type(ex.error).__name__} is a bug (only ValueError explains bad input) in "
                f"{self.describe()}:\n{''.join(traceback.format_exception(ex.error))}")
            assert ex.message.value.strip(), f"{what}: error {ex.error!r} but no message shown"
        else:
            assert ex.message.value == "", f"{what}: a message without an error: {ex.message.value}"
        bad = nonfinite_parts(ex.fig, [] if ex.error else [ex.info.value])
        assert not bad, f"{what}: the figure shows non-finite values in {self.describe()}: {bad}"
        return "ok" if ex.error is None else "message"

    def apply(self, key: str, how: str, arg) -> str:
        """Set one control, check the explorer, and return the outcome."""
        widget, ex = self.explorer.controls[key], self.explorer
        what = f"{self.name}: {key} <- {how} {arg!r}"
        before, updates = widget.value, ex.updates
        start = _clock()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                set_control(widget, how, arg)
            except TraitError:
                if widget.value != before:
                    raise
                self.counts["rejected_by_widget"] += 1
                return "rejected_by_widget"
        elapsed = _since(start)
        if ex.updates == updates:
            self.counts["unchanged"] += 1
            return "unchanged"
        self.counts["inputs"] += 1
        self.update_seconds.append(elapsed[0])
        self.update_cpu_seconds.append(elapsed[1])
        outcome = self.check(what, elapsed, caught)
        self.counts[outcome] += 1
        return outcome

    def render(self, what: str) -> None:
        """Draw the figure for real: rendering must not fail, warn or take too long either."""
        start = _clock()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.explorer.fig.canvas.draw()
        self.renders += 1
        wall, cpu = _since(start)
        self.render_seconds.append(wall)
        assert not caught, f"{what}: rendering warned {[str(w.message) for w in caught]} in {self.describe()}"
        assert cpu < MAX_UPDATE_S and wall < MAX_WALL_S, f"{what}: rendering took {cpu:.1f} CPU s, {wall:.1f} s"

    def restore_defaults(self, what: str) -> None:
        """Set every control back to its default; the explorer must then work again."""
        ex = self.explorer
        for _ in range(3):  # a control may move another's range (the shape explorer's output pixel)
            changed = [k for k, w in ex.controls.items() if w.value != self.defaults[k]]
            for key in changed:
                start = _clock()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    ex.controls[key].value = self.defaults[key]
                self.check(f"{what}, restoring {key}", _since(start), caught)
            if not changed:
                break
        assert ex.error is None, f"{what}: the defaults do not recover {self.describe()}: {ex.message.value}"

    def contexts(self) -> list[tuple[str, str, object] | None]:
        """Starting states of the sweep: the defaults, then each other option of every drop-down, toggle and
        checkbox, so controls that matter only in one mode (a custom kernel's text) are swept in that mode."""
        per_control = [[(key, how, arg) for how, arg in candidates(widget, self.measuring)
                        if _resolves_to_other(widget, how, arg)]
                       for key, widget in self.explorer.controls.items() if kind_of(widget) in ("option", "bool")]
        interleaved = [c for group in itertools.zip_longest(*per_control) for c in group if c is not None]
        return [None, *interleaved]  # round robin: a budget cut leaves every control some contexts

    def sweep(self, seconds: float = float("inf")) -> None:
        """Every candidate of every control, in every context (sliders only at their ends in the other
        contexts); after an error, the default must recover. The defaults are always swept; further contexts
        while ``seconds`` last. Measuring explorers: ``corners`` only."""
        if self.measuring:
            return
        deadline = time.perf_counter() + seconds
        contexts = self.contexts()
        self.contexts_total = len(contexts)
        for context in contexts:
            if context is not None and time.perf_counter() > deadline:
                break
            self.contexts_swept += 1
            if context is not None and self.apply(*context) != "ok":  # an option may not suit the defaults
                self.restore_defaults(f"{self.name}: after the context {context}")
                continue
            for key, widget in self.explorer.controls.items():
                if context is not None and (key == context[0] or kind_of(widget) in ("option", "bool")):
                    continue  # discrete controls are swept once, from the defaults
                for how, arg in candidates(widget, self.measuring, ends_only=context is not None):
                    if self.apply(key, how, arg) == "message":
                        self.restore_defaults(f"{self.name}: after {key} <- {arg!r}")
                        if context is not None:
                            self.apply(*context)
                self.restore_defaults(f"{self.name}: after sweeping {key}")
                if context is not None:
                    self.apply(*context)
            self.restore_defaults(f"{self.name}: after the context {context}")

    def corners(self) -> None:
        """All bounded controls at their minima together, then at their maxima (the largest work) together."""
        bounded = [k for k, w in self.explorer.controls.items() if kind_of(w) in ("bounded", "range")]
        for end in (0.0, 1.0):
            for key in bounded:
                how = "span" if kind_of(self.explorer.controls[key]) == "range" else "at"
                self.apply(key, how, (end, end) if how == "span" else end)
            self.render(f"{self.name}: every slider at its {'maximum' if end else 'minimum'}")
            self.restore_defaults(f"{self.name}: after the {'maxima' if end else 'minima'}")

    def combinations_within(self, seconds: float) -> int:
        """Run as many hypothesis examples as fit in ``seconds`` (timed on the first few); return the count."""
        if self.measuring:
            self.combinations(MEASURING_EXAMPLES)
            return MEASURING_EXAMPLES
        start = time.perf_counter()
        self.combinations(MIN_EXAMPLES)
        # hypothesis starts with the simplest examples: later ones cost about twice as much
        per_example = 2 * (time.perf_counter() - start) / MIN_EXAMPLES
        examples = int(np.clip(seconds / per_example, MIN_EXAMPLES, MAX_EXAMPLES))
        if examples > MIN_EXAMPLES:  # derandomized: this run starts with the same first examples
            self.combinations(examples)
        return examples

    def combinations(self, examples: int) -> None:
        """Hypothesis: sequences of changes to several controls, rendered, then the defaults restored."""
        controls = self.explorer.controls
        step = st.one_of([st.tuples(st.just(k), strategy(w, self.measuring)) for k, w in controls.items()])
        steps = st.lists(step, min_size=1, max_size=2 if self.measuring else 4)
        render = st.just(True) if self.measuring else st.sampled_from([True] + [False] * (RENDER_EVERY - 1))

        @settings(max_examples=examples, deadline=None, database=None)
        @given(steps=steps, render=render)
        def combination(steps, render):
            self.restore_defaults(f"{self.name}: before an example")
            for key, (how, arg) in steps:
                self.apply(key, how, arg)
            if render:  # the most expensive part: a share of the examples, chosen by hypothesis (replayable)
                self.render(f"{self.name}: after {steps}")
            self.restore_defaults(f"{self.name}: after {steps}")

        combination()


@pytest.fixture(scope="module")
def report():
    found: dict[str, dict] = {}
    yield found
    if set(found) != set(NAMES):  # a partial run (-k, -x, a failure) does not overwrite the full counts
        return
    total = {k: sum(r[k] for r in found.values()) for k in next(iter(found.values())) if not k.startswith("slowest")}
    summary = {
        "written": datetime.datetime.now().isoformat(timespec="seconds"),
        "explorers": len(found),
        "controls": total["controls"],
        "inputs_tried": total["inputs"],
        "outcomes": {k: total[k] for k in ("ok", "message", "rejected_by_widget", "unchanged")},
        "sweep_contexts": f"{total['contexts_swept']} of {total['contexts']}",
        "hypothesis_examples": total["examples"],
        "renders": total["renders"],
        "seconds": round(total["seconds"], 1),
        "sweep_seconds": round(total["sweep_seconds"], 1),
        "slowest_update_s": max(r["slowest_update_s"] for r in found.values()),
        "slowest_update_cpu_s": max(r["slowest_update_cpu_s"] for r in found.values()),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "per_explorer": found,
    }
    REPORT.parent.mkdir(exist_ok=True)
    partial = REPORT.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(summary, indent=1) + "\n")
    partial.replace(REPORT)  # atomic: a concurrent run never leaves half a file


def test_registry_has_the_measuring_explorers():
    assert set(MEASURING) <= set(NAMES), f"MEASURING names {set(MEASURING) - set(NAMES)} are not registered"


@pytest.mark.parametrize("name", NAMES)
def test_explorer_explains_bad_input_and_plots_only_finite_values(name, report):
    start = time.perf_counter()
    fuzz = Fuzz(name)
    assert not range_problems(name, fuzz.explorer)
    share = BUDGET_S / len(NAMES)
    fuzz.sweep(share / 2)
    fuzz.corners()
    swept = time.perf_counter()
    examples = fuzz.combinations_within(share - (swept - start))
    report[name] = {
        "controls": len(fuzz.explorer.controls), **fuzz.counts, "examples": examples, "renders": fuzz.renders,
        "seconds": round(time.perf_counter() - start, 2), "sweep_seconds": round(swept - start, 2),
        "contexts_swept": fuzz.contexts_swept, "contexts": fuzz.contexts_total,
        "slowest_update_s": round(max(fuzz.update_seconds, default=0.0), 3),
        "slowest_update_cpu_s": round(max(fuzz.update_cpu_seconds, default=0.0), 3),
    }


# ---- resource bounds of the exposed ranges -----------------------------------------------------------------

RESOURCE_LIMITS = (  # (words in a control's name or description, largest value allowed, what it would cost)
    (r"image|size|pixel|largest|resolution|width|height|\bn\b", 1024, "an image or matrix side over 1024"),
    (r"sample|trial|draws|monte|simulat", 10**6, "more than 10^6 Monte Carlo samples"),
    (r"process|\bjobs\b", 8, "more than 8 processes"),  # real ones; a simulated "CPU cores" slider is a model
)


def slider_maximum(widget: W.Widget) -> float | None:
    if isinstance(widget, widget_float._BoundedLogFloat):
        return widget.base**widget.max
    if isinstance(widget, (widget_int._BoundedInt, widget_float._BoundedFloat, widget_int._BoundedIntRange,
                           widget_float._BoundedFloatRange)):
        return widget.max
    return None


def range_problems(name: str, explorer: Explorer) -> list[str]:
    """Sliders whose maximum would request more than the limits above (checked in the fuzz test, per explorer)."""
    found = []
    for key, widget in explorer.controls.items():
        top = slider_maximum(widget)
        if top is None:
            continue  # unbounded boxes: the fuzz above sends 10^9 and 10^12 and times the update
        words = f"{key} {getattr(widget, 'description', '')}".lower()
        found += [f"{name}: control {key!r} reaches {top}, allowing {cost}"
                  for pattern, limit, cost in RESOURCE_LIMITS if re.search(pattern, words) and top > limit]
    return found


def test_range_limits_catch_huge_sliders():
    fig, _ = new_figure()
    controls = {"image_size": W.IntSlider(64, 8, 4096), "samples": W.IntSlider(10, 1, 10**7),
                "workers": W.IntSlider(2, 1, 64, description="processes"), "gpus": W.IntSlider(8, 1, 256),
                "largest": W.IntSlider(32, 32, 1024)}
    explorer = Explorer("test.huge", controls, fig, lambda v: None)
    assert [p.split("'")[1] for p in range_problems("test.huge", explorer)] == ["image_size", "samples", "workers"]


# ---- the checker itself ------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_nonfinite_parts_flags_nan_plotted_as_data_but_not_deliberately_hidden_artists():
    fig, ax = new_figure()
    line, = ax.plot([0, 1, 2], [0, 1, 2])
    marker = ax.axvline(1.0)
    assert nonfinite_parts(fig, ["Best: 3.5 GFLOP/s, information"]) == []
    marker.set_xdata([np.nan, np.nan])  # how the FFT-timing explorer hides its crossover marker
    assert nonfinite_parts(fig) == []
    marker.set_xdata([np.nan, 1.0])
    assert len(nonfinite_parts(fig)) == 1
    marker.set_xdata([np.nan, np.nan])
    line.set_ydata([0, np.nan, 2])
    assert "line" in nonfinite_parts(fig)[0]
    line.set_visible(False)
    assert nonfinite_parts(fig) == []
    bars = ax.bar([0, 1], [1.0, np.inf])
    assert "Rectangle" in nonfinite_parts(fig)[0]
    bars[1].set_visible(False)
    image = ax.imshow(np.array([[0.0, np.nan]]))
    assert "image" in nonfinite_parts(fig)[0]
    image.set_data(np.ma.masked_invalid([[0.0, np.nan]]))  # a NaN hidden by a mask is still a failed value
    assert "image" in nonfinite_parts(fig)[0]
    image.set_data(np.ma.masked_array([[0.0, 1.0]], mask=[[False, True]]))  # masking finite values is deliberate
    assert nonfinite_parts(fig) == []
    assert nonfinite_parts(fig, ["Best: nan GFLOP/s"]) and nonfinite_parts(fig, ["<b>-inf</b> s"])


def test_fuzz_flags_an_explorer_that_raises_something_else():
    fig, ax = new_figure()
    line, = ax.plot([0, 1], [0, 1])

    def draw(v):
        line.set_ydata([0, 1 / v["x"]])  # ZeroDivisionError at 0: the kind of bug this file exists to find

    FACTORIES["test.broken"] = lambda: Explorer("test.broken", {"x": W.IntSlider(1, 0, 3)}, fig, draw)
    try:
        fuzz = Fuzz("test.broken")
        with pytest.raises(AssertionError, match="ZeroDivisionError is a bug"):
            fuzz.sweep()
    finally:
        del FACTORIES["test.broken"]
