"""helpers.trends: exponential fits recover planted trends; extrapolation and breakpoints behave."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import trends as T


@given(st.floats(1.05, 3.0), st.floats(1e3, 1e15), st.integers(5, 40))
def test_fit_recovers_a_noiseless_exponential(growth, start_value, n):
    years = np.arange(2000, 2000 + n)
    fit = T.fit_exponential(years, start_value * growth ** (years - 2000))
    assert fit.growth_per_year == pytest.approx(growth, rel=1e-9)
    assert fit.doubling_years == pytest.approx(np.log(2) / np.log(growth), rel=1e-9)
    assert T.year_reached(start_value * growth**50, fit) == pytest.approx(2050, abs=1e-6)


def test_interval_covers_the_truth_with_noise():
    rng = np.random.default_rng(1)
    years = np.arange(1990, 2021)
    covered = 0
    for _ in range(200):
        values = 1e6 * 1.5 ** (years - 1990) * 10 ** rng.normal(0, 0.2, years.size)
        lo, hi = T.fit_exponential(years, values).growth_interval
        covered += lo <= 1.5 <= hi
    assert 0.90 <= covered / 200 <= 0.99  # a 95 % interval, give or take sampling


def test_window_selects_points():
    years = np.arange(1993, 2026)
    values = np.where(years < 2013, 1.8 ** (years - 1993), 1.8**20 * 1.4 ** (years - 2013))
    assert T.fit_exponential(years, values, end=2013).growth_per_year == pytest.approx(1.8)
    assert T.fit_exponential(years, values, start=2013).growth_per_year == pytest.approx(1.4)
    b, before, after = T.best_breakpoint(years, values)
    assert b == 2013 and before.growth_per_year == pytest.approx(1.8)


def test_crossing_year_worked_examples():
    # notebook 02: 1.075e21 from 1.809e18 in Nov 2025
    assert T.crossing_year(1.809e18, 2025.83, 1.075e21, 1.70) == pytest.approx(2037.9, abs=0.1)
    assert T.crossing_year(1.0, 0.0, 1000.0, 1.39) == pytest.approx(21.0, abs=0.1)


def test_interval_years_bracket_central_year():
    years = np.arange(1993, 2026)
    rng = np.random.default_rng(0)
    values = 1e11 * 1.7 ** (years - 1993) * 10 ** rng.normal(0, 0.1, years.size)
    fit = T.fit_exponential(years, values)
    early, late = T.year_reached_interval(1e21, fit)
    assert early <= T.year_reached(1e21, fit) + 1 and late >= early


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: T.fit_exponential([1, 2, 3], [1, 2]), "same length"),
        (lambda: T.fit_exponential([1, 2, 3], [1, -2, 3]), "positive"),
        (lambda: T.fit_exponential([1, 2, 3], [1, np.nan, 3]), "finite"),
        (lambda: T.fit_exponential([1, 2, 3, 4], [1, 2, 3, 4], start=3, end=4), "at least 3"),
        (lambda: T.fit_exponential([1, 2, 3, 4], [1, 2, 3, 4], start=4, end=2), "start < end"),
        (lambda: T.crossing_year(1, 2000, 10, 0.9), "growth_per_year"),
        (lambda: T.crossing_year(-1, 2000, 10, 1.5), "current"),
        (lambda: T.year_reached(0, T.fit_exponential([1, 2, 3], [1, 2, 4])), "target"),
        (lambda: T.best_breakpoint([1, 2, 3], [1, 2, 3]), "breakpoint"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_doubling_and_growth_conversions_worked_examples():
    # notebook 08: 3.4 months -> 11.5x/yr; 6 months -> 4x/yr; 20 months -> 1.52x/yr; 4.5x/yr -> 5.53 months
    assert T.growth_from_doubling(3.4) == pytest.approx(11.5, abs=0.05)
    assert T.growth_from_doubling(6) == pytest.approx(4.0)
    assert T.growth_from_doubling(20) == pytest.approx(1.52, abs=0.005)
    assert T.doubling_from_growth(4.5) == pytest.approx(5.53, abs=0.005)
    # 300,000x at a 3.4-month doubling takes log2(3e5) doublings: about 5.2 years
    assert np.log2(3e5) * 3.4 / 12 == pytest.approx(5.2, abs=0.05)


@given(st.floats(0.1, 600))
def test_doubling_and_growth_are_inverse(months):
    assert T.doubling_from_growth(T.growth_from_doubling(months)) == pytest.approx(months, rel=1e-9)


def test_a_fits_doubling_matches_the_conversion():
    years = np.arange(2010, 2020)
    fit = T.fit_exponential(years, 5.0 ** (years - 2010))
    assert fit.doubling_years * 12 == pytest.approx(T.doubling_from_growth(5.0))


@pytest.mark.parametrize("call, message", [
    (lambda: T.growth_from_doubling(0), "months"),
    (lambda: T.growth_from_doubling(0.001), "too short"),
    (lambda: T.doubling_from_growth(1.0), "growth_per_year"),
    (lambda: T.doubling_from_growth("4"), "growth_per_year"),
])
def test_conversion_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_predict_interval_brackets_the_central_extrapolation():
    fit = T.fit_exponential([2000, 2001, 2002, 2003, 2004], [1.0, 2.2, 3.9, 8.5, 15.0])
    years = np.array([fit.end, fit.end + 10])
    fast, slow = fit.predict_interval(years)
    central = fit.predict(years)
    assert fast[0] == pytest.approx(central[0]) == pytest.approx(slow[0])
    assert slow[1] < central[1] < fast[1]
    # ten years at the interval's slopes: a factor 10 ** (10 * slope)
    assert fast[1] / fast[0] == pytest.approx(10 ** (10 * fit.slope_high))
