"""helpers.checks: every check accepts what it promises and names the argument otherwise."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import checks

BAD_TYPES = [None, "3", "abc", [1], {}, True, False]


@given(st.floats(min_value=1e-300, max_value=1e300))
def test_positive_accepts_positive_floats(x):
    assert checks.positive(x, "x") == x


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, -math.inf, *BAD_TYPES])
def test_positive_refuses(bad):
    with pytest.raises(ValueError, match="width must be a positive number"):
        checks.positive(bad, "width")


@pytest.mark.parametrize("bad", [-1e-9, math.nan, math.inf, *BAD_TYPES])
def test_non_negative_refuses(bad):
    with pytest.raises(ValueError, match="price must be a number >= 0"):
        checks.non_negative(bad, "price")
    assert checks.non_negative(0, "price") == 0.0


@pytest.mark.parametrize("bad", [1.0001, -0.1, math.nan, "0.5"])
def test_fraction_refuses(bad):
    with pytest.raises(ValueError, match="share"):
        checks.fraction(bad, "share")
    assert checks.fraction(np.float64(0.25), "share") == 0.25


def test_whole():
    assert checks.whole(np.int64(5), "n", 1, 8) == 5
    for bad, words in [(0, "at least 1"), (9, "from 1 to 8"), (2.0, "whole number"), (True, "whole number")]:
        with pytest.raises(ValueError, match=words):
            checks.whole(bad, "n", 1, 8 if bad == 9 else None)


def test_flag():
    assert checks.flag(np.bool_(True), "overlap") is True
    for bad in (1, 0, None, "yes"):
        with pytest.raises(ValueError, match="overlap must be True or False"):
            checks.flag(bad, "overlap")


def test_seed():
    assert checks.seed(0, "seed") == 0 and checks.seed(np.int64(7), "seed") == 7
    for bad in (-1, 1.5, "0", None, True):
        with pytest.raises(ValueError, match="seed must be a whole number at least 0"):
            checks.seed(bad)


def test_choice():
    assert checks.choice("fp16", "precision", ["fp32", "fp16"]) == "fp16"
    assert checks.choice(np.int64(8), "lanes", (1, 8, 16)) == 8
    for bad in ("FP16", "", None, 16, ["fp16"], np.array(["fp16"]), True):
        with pytest.raises(ValueError, match=r"precision must be one of \['fp32', 'fp16'\]"):
            checks.choice(bad, "precision", ("fp32", "fp16"))
    with pytest.raises(ValueError, match="lanes must be one of"):
        checks.choice("8", "lanes", (1, 8, 16))


def test_array():
    a = checks.array([[1, 2], [3, 4]], "image", ndim=2)
    assert a.dtype == float and a.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert checks.array(3, "x").shape == ()
    for bad, ndim, words in [([[1.0], [2.0, 3.0]], 2, "rows of equal length"), ("abc", None, "array of numbers"),
                             ([], 1, "at least 1 value"), ([1.0, 2.0], 2, "2-D array"),
                             ([[1.0, math.nan]], 2, "NaN or infinite"), ([math.inf], 1, "NaN or infinite")]:
        with pytest.raises(ValueError, match=f"image .*{words}|image {words}"):
            checks.array(bad, "image", ndim=ndim)


def test_array_dimensions_sizes_and_signs():
    assert checks.array(5, "n_bytes", ndim=(0, 1), non_negative=True).shape == ()
    for bad, words in [(True, "array of numbers"), (None, "array of numbers"), ([[1.0]], "0 or 1-D"),
                       ([1.0, -1.0], "numbers >= 0"), ([1.0] * 4, "at most 3 are allowed")]:
        with pytest.raises(ValueError, match=f"n_bytes .*{words}|n_bytes {words}"):
            checks.array(bad, "n_bytes", ndim=(0, 1), max_size=3, non_negative=True)


def test_at_least():
    assert checks.at_least(1, "params", 1) == 1.0
    for bad in (0.99, math.nan, "2", True):
        with pytest.raises(ValueError, match="params must be a number >= 1"):
            checks.at_least(bad, "params", 1)
