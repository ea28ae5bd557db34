"""The explorer base: messages instead of tracebacks, safe parsers, the registry."""

import math

import ipywidgets as W
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.plotting import new_figure
from helpers.widgets import Explorer, all_explorers, parse_matrix, parse_number


def tiny_explorer():
    fig, ax = new_figure()
    (line,) = ax.plot([0, 1], [0, 1])
    controls = {"slope": W.Text("1")}

    def draw(v):
        line.set_data([0, 1], [0, v["slope"]])
        return f"slope {v['slope']}"

    parsers = {"slope": lambda t: parse_number(t, "slope", minimum=0)}
    return Explorer("test.tiny", controls, fig, draw, {"line": line}, parsers), line


def test_update_changes_plotted_data():
    ex, line = tiny_explorer()
    ex.controls["slope"].value = "3"
    assert list(line.get_ydata()) == [0, 3.0]
    assert ex.info.value == "slope 3.0" and ex.message.value == "" and ex.error is None


@pytest.mark.parametrize("bad", ["abc", "", "-1", "nan", "inf", "1e999", "2+2", "__import__('os')"])
def test_bad_text_gives_message_and_keeps_last_valid_state(bad):
    ex, line = tiny_explorer()
    ex.controls["slope"].value = "2"
    ex.controls["slope"].value = bad
    assert "Check the input" in ex.message.value and "slope" in ex.message.value
    assert isinstance(ex.error, ValueError)
    assert list(line.get_ydata()) == [0, 2.0]
    ex.controls["slope"].value = "4"  # still usable afterwards
    assert ex.message.value == "" and list(line.get_ydata()) == [0, 4.0]


def test_unexpected_exception_is_caught_and_flagged():
    fig, _ = new_figure()

    def draw(v):
        raise TypeError("boom")

    ex = Explorer("test.broken", {"x": W.IntSlider(1)}, fig, draw)
    assert isinstance(ex.error, TypeError) and "boom" in ex.message.value


def test_mimebundle_has_widget_text_and_png():
    ex, _ = tiny_explorer()
    bundle = ex._repr_mimebundle_()
    assert bundle["text/plain"] == "<test.tiny explorer: slope='1'>"
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert len(bundle["image/png"]) > 1000


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_parse_number_reads_back_any_finite_float(x):
    assert parse_number(repr(x), "x") == pytest.approx(x)


@given(st.text(max_size=20))
def test_parse_number_either_parses_or_raises_valueerror_naming_the_field(text):
    try:
        value = parse_number(text, "width")
    except ValueError as err:
        assert "width" in str(err)
    else:
        assert math.isfinite(value)


def test_parse_number_limits_and_integers():
    assert parse_number("7", "n", integer=True) == 7
    with pytest.raises(ValueError, match="whole number"):
        parse_number("7.5", "n", integer=True)
    with pytest.raises(ValueError, match="at most 3"):
        parse_number("4", "n", maximum=3)


def test_parse_matrix():
    assert parse_matrix("1 2; 3 4", "k") == [[1, 2], [3, 4]]
    assert parse_matrix("1,2\n3,4\n", "k") == [[1, 2], [3, 4]]
    for bad, msg in [("", "empty"), ("1 2; 3", "different lengths"), ("1 x", "number")]:
        with pytest.raises(ValueError, match=msg):
            parse_matrix(bad, "k")


def test_registry_lists_every_explorer_module():
    names = all_explorers()
    assert "machine.matmul" in names
    assert all(callable(f) for f in names.values())
