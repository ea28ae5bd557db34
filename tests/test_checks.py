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
