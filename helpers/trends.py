"""Exponential trends: fit, interval, extrapolation, and where the growth rate changed.

A trend ``value = A * growth**(year - year0)`` is a straight line in log10(value) against year; the fit is
ordinary least squares on that line. Intervals are 95 % intervals of the slope from its standard error
(Student t). Extrapolating a fit is an assumption, not a measurement: the notebooks say so every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from . import checks


@dataclass(frozen=True)
class ExpFit:
    """A fitted exponential trend (log10 scale), with a 95 % interval on the growth rate."""

    slope: float  # log10(value) per year
    intercept: float  # log10(value) at year 0
    slope_stderr: float
    slope_low: float
    slope_high: float
    start: float
    end: float
    n: int

    @property
    def growth_per_year(self) -> float:
        """Multiplicative growth per year (e.g. 1.8 means +80 % a year)."""
        return 10**self.slope

    @property
    def growth_interval(self) -> tuple[float, float]:
        return 10**self.slope_low, 10**self.slope_high

    @property
    def doubling_years(self) -> float:
        """Years per doubling (infinite or negative when the trend does not grow)."""
        return np.log10(2) / self.slope if self.slope != 0 else np.inf

    @property
    def doubling_interval(self) -> tuple[float, float]:
        """Doubling time at the fast and slow ends of the growth interval (years)."""
        lo, hi = (np.log10(2) / s if s > 0 else np.inf for s in (self.slope_high, self.slope_low))
        return lo, hi

    @property
    def years_per_10x(self) -> float:
        return 1 / self.slope if self.slope != 0 else np.inf

    def predict(self, years) -> np.ndarray:
        """Trend values at ``years`` (same units as the fitted values)."""
        return 10 ** (self.intercept + self.slope * np.asarray(years, float))

    def predict_interval(self, years) -> tuple[np.ndarray, np.ndarray]:
        """Extrapolations from the fitted value at ``end`` with the fast and the slow end of the 95 % growth
        interval: ``(fast, slow)``, each shaped like ``years`` (same units as the fitted values).

        Examples
        --------
        >>> fit = fit_exponential([2000, 2001, 2002, 2003], [1.0, 2.0, 4.0, 8.0])
        >>> fast, slow = fit.predict_interval([2003.0, 2004.0])
        >>> [round(float(v), 6) for v in fast], [round(float(v), 6) for v in slow]
        ([8.0, 16.0], [8.0, 16.0])
        """
        x = np.asarray(years, float)
        anchor = self.predict(self.end)
        return tuple(anchor * 10 ** (slope * (x - self.end)) for slope in (self.slope_high, self.slope_low))




def _check_fit(fit) -> ExpFit:
    if not isinstance(fit, ExpFit):
        raise ValueError(f"fit must be an ExpFit (from fit_exponential), got {type(fit).__name__}")
    return fit


def _clean_series(years, values) -> tuple[np.ndarray, np.ndarray]:
    try:
        years, values = np.asarray(years, float), np.asarray(values, float)
    except (TypeError, ValueError):
        raise ValueError("years and values must be lists of numbers") from None
    if years.shape != values.shape or years.ndim != 1:
        raise ValueError(f"years and values must be 1-D of the same length, got {years.shape} and {values.shape}")
    if not np.all(np.isfinite(years)) or not np.all(np.isfinite(values)):
        raise ValueError("years and values must be finite numbers")
    if np.any(values <= 0):
        raise ValueError("values must be positive to fit an exponential")
    return years, values


def fit_exponential(years, values, start: float | None = None, end: float | None = None) -> ExpFit:
    """Least-squares exponential fit of ``values`` against ``years`` within [start, end] (inclusive)."""
    years, values = _clean_series(years, values)
    lo = years.min() if start is None else checks.finite(start, "start")
    hi = years.max() if end is None else checks.finite(end, "end")
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
        raise ValueError(f"the fit window must have start < end, got start={start}, end={end}")
    keep = (years >= lo) & (years <= hi)
    n = int(keep.sum())
    if n < 3:
        raise ValueError(f"the fit window {lo:g}-{hi:g} holds {n} points; at least 3 are needed")
    x, y = years[keep], np.log10(values[keep])
    if np.ptp(x) == 0:
        raise ValueError("the points in the fit window all have the same year")
    result = stats.linregress(x, y)
    t = stats.t.ppf(0.975, n - 2)
    half = t * result.stderr
    return ExpFit(result.slope, result.intercept, result.stderr, result.slope - half, result.slope + half,
                  float(lo), float(hi), n)


def year_reached(target: float, fit: ExpFit) -> float:
    """Year at which the fitted trend reaches ``target`` (inf when the trend does not grow)."""
    checks.positive(target, "target")
    if _check_fit(fit).slope <= 0:
        return np.inf
    return (np.log10(target) - fit.intercept) / fit.slope


def year_reached_interval(target: float, fit: ExpFit, anchor_year: float | None = None) -> tuple[float, float]:
    """Range of years for ``target`` when the growth rate spans its 95 % interval.

    The lines pivot on the fitted value at ``anchor_year`` (default: the end of the fit window).

    Returns
    -------
    (float, float)
        The earliest year (at the fast end of the growth interval) and the latest (at the slow end); infinite
        when the slow end does not grow.

    Examples
    --------
    >>> fit = fit_exponential([2000, 2001, 2002, 2003], [1.0, 2.0, 4.0, 8.0])  # exact doubling: no spread
    >>> [round(float(y), 6) for y in year_reached_interval(64, fit)]  # 8 in 2003, three doublings to 64
    [2006.0, 2006.0]
    """
    checks.positive(target, "target")
    anchor = _check_fit(fit).end if anchor_year is None else checks.finite(anchor_year, "anchor_year")
    start_value = fit.predict(anchor)
    years = []
    for slope in (fit.slope_high, fit.slope_low):
        if slope <= 0:
            years.append(np.inf)
        else:
            years.append(anchor + (np.log10(target) - np.log10(start_value)) / slope)
    return min(years), max(years)


def crossing_year(current: float, year0: float, target: float, growth_per_year: float) -> float:
    """Year when ``current`` (at ``year0``) growing by ``growth_per_year`` a year reaches ``target``."""
    for name, v in (("current", current), ("target", target)):
        checks.positive(v, name)
    year0 = checks.finite(year0, "year0")
    if checks.finite(growth_per_year, "growth_per_year") <= 1:
        raise ValueError(f"growth_per_year must be above 1 for the target to be reached, got {growth_per_year}")
    return year0 + np.log(target / current) / np.log(growth_per_year)


def best_breakpoint(years, values, candidates=None, min_points: int = 3) -> tuple[float, ExpFit, ExpFit]:
    """Two-era fit: the breakpoint year (from ``candidates``) that minimises the summed squared error.

    Returns ``(breakpoint, fit before, fit from the breakpoint on)``; the breakpoint year belongs to both eras.
    """
    years, values = _clean_series(years, values)
    checks.whole(min_points, "min_points", 3)
    if candidates is not None:
        try:
            candidates = np.asarray(candidates, float)
        except (TypeError, ValueError):
            raise ValueError(f"candidates must be a list of years, got {candidates!r}") from None
        if candidates.ndim != 1 or not np.all(np.isfinite(candidates)):
            raise ValueError(f"candidates must be a 1-D list of finite years, got {candidates!r}")
    candidates = np.unique(years) if candidates is None else candidates
    best = None
    for b in candidates:
        if (years <= b).sum() < min_points or (years >= b).sum() < min_points:
            continue
        fits = (fit_exponential(years, values, end=b), fit_exponential(years, values, start=b))
        sse = sum(_sse(f, years, values) for f in fits)
        if best is None or sse < best[0]:
            best = (sse, float(b), *fits)
    if best is None:
        raise ValueError(f"need at least {2 * min_points - 1} points to find a breakpoint")
    return best[1], best[2], best[3]


def _sse(fit: ExpFit, years: np.ndarray, values: np.ndarray) -> float:
    keep = (years >= fit.start) & (years <= fit.end)
    residual = np.log10(values[keep]) - np.log10(fit.predict(years[keep]))
    return float(np.sum(residual**2))


def growth_from_doubling(months: float) -> float:
    """Multiplicative growth per year of a quantity that doubles every ``months`` months: ``2**(12 / months)``.

    Example: a 3.4-month doubling is about 11.5x a year; a 6-month doubling is 4x a year.
    """
    checks.positive(months, "months")
    exponent = 12 / months
    if exponent > 1000:
        raise ValueError(f"months={months:g} is too short a doubling time: the growth per year overflows")
    return 2.0**exponent


def doubling_from_growth(growth_per_year: float) -> float:
    """Months per doubling of a quantity growing ``growth_per_year`` times a year: ``12 ln 2 / ln g``.

    Example: 4.5x a year doubles every 5.53 months. Growth must be above 1 (no growth never doubles).
    """
    if checks.finite(growth_per_year, "growth_per_year") <= 1:
        raise ValueError(f"growth_per_year must be above 1 for a doubling time, got {growth_per_year}")
    return 12 * np.log(2) / np.log(growth_per_year)
