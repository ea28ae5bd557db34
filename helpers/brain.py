"""Brain-compute estimates: assumption chains, their sensitivity, and when hardware trends would reach them.

An estimate here is a product of factors, FLOP/s = neurons x synapses per neuron x rate (Hz) x operations
per event. Each named assumption set (``brain_assumptions.csv``) gives a central value and a range per factor.
Published estimates (``brain_estimates.csv``) are listed separately: they were not all made with this chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from . import checks
from .data import load_table
from .trends import ExpFit, _check_fit

FACTORS = ("neurons", "synapses_per_neuron", "rate_hz", "ops_per_event")
MAX_SAMPLES = 200_000


@dataclass(frozen=True)
class Factor:
    """One factor of a chain: central value and range, with its unit and source."""

    name: str
    value: float
    low: float
    high: float
    unit: str
    source: str


def assumption_sets() -> list[str]:
    """Names of the assumption sets in ``brain_assumptions.csv``."""
    return sorted({row.set for row in load_table("brain_assumptions")})


def assumption_set(name: str) -> dict[str, Factor]:
    """The factors of one assumption set, by factor name."""
    rows = load_table("brain_assumptions").where(set=name)
    if not rows:
        raise ValueError(f"assumption set must be one of {assumption_sets()}, got {name!r}")
    return {r.factor: Factor(r.factor, r.value, r.low, r.high, r.unit, r.source) for r in rows}


def _values(assumptions: Mapping[str, float] | str) -> dict[str, float]:
    if isinstance(assumptions, str):
        return {k: f.value for k, f in assumption_set(assumptions).items()}
    if not isinstance(assumptions, Mapping):
        raise ValueError(f"assumptions must be a set name or a mapping of {FACTORS}, got {assumptions!r}")
    missing = [f for f in FACTORS if f not in assumptions]
    if missing:
        raise ValueError(f"assumptions lack factor(s) {missing}")
    values = {}
    for name in FACTORS:
        v = assumptions[name]
        v = v.value if isinstance(v, Factor) else v
        checks.positive(v, name)
        values[name] = float(v)
    return values


def brain_flops(assumptions: Mapping[str, float] | str) -> float:
    """FLOP/s of an assumption chain: the product of its four factors (a set name or a mapping)."""
    return float(np.prod(list(_values(assumptions).values())))


def sensitivity(name: str) -> dict[str, tuple[float, float, float]]:
    """For each factor of set ``name``: (estimate at its low end, at its high end, orders of magnitude spanned),
    the other factors held at their central values."""
    factors = assumption_set(name)
    central = {k: f.value for k, f in factors.items()}
    out = {}
    for key, f in factors.items():
        low = brain_flops({**central, key: f.low})
        high = brain_flops({**central, key: f.high})
        out[key] = (low, high, float(np.log10(high / low)))
    return out


def chain_range(name: str) -> tuple[float, float]:
    """Smallest and largest estimate when every factor of set ``name`` sits at its low or high end."""
    factors = assumption_set(name).values()
    return float(np.prod([f.low for f in factors])), float(np.prod([f.high for f in factors]))


def published_estimates() -> list:
    """Rows of ``brain_estimates.csv`` sorted by FLOP/s."""
    return sorted(load_table("brain_estimates"), key=lambda r: r.flops)


def fact(key: str) -> float:
    """A single number from ``brain_facts.csv``."""
    try:
        return load_table("brain_facts").get(key).value
    except KeyError:
        raise ValueError(f"key must be one of {load_table('brain_facts').column('key')}, got {key!r}") from None


def sample_log_uniform(low: float, high: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples spread evenly in log space between ``low`` and ``high`` (both > 0)."""
    if checks.finite(low, "low") <= 0 or checks.finite(high, "high") < low:
        raise ValueError(f"need 0 < low <= high, got low={low}, high={high}")
    _check_samples(n)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng), got {type(rng).__name__}")
    return 10 ** rng.uniform(np.log10(low), np.log10(high), n)


def _check_samples(n) -> None:
    checks.whole(n, "n", 1, MAX_SAMPLES)


def monte_carlo_crossing(ranges: Mapping[str, tuple[float, float]], fit: ExpFit, n: int = 20_000,
                         seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sample each factor log-uniformly in its (low, high) range and the trend's growth within its fit
    uncertainty; return ``(brain FLOP/s samples, years the trend reaches each)``.

    The trend pivots on its fitted value at the end of its window; a slope drawn at or below zero never
    reaches the target (year = inf).
    """
    _check_samples(n)
    if not isinstance(ranges, Mapping):
        raise ValueError(f"ranges must map each of {FACTORS} to a (low, high) pair, got {ranges!r}")
    missing = [f for f in FACTORS if f not in ranges]
    if missing:
        raise ValueError(f"ranges lack factor(s) {missing}")
    if any(not isinstance(ranges[f], (tuple, list)) or len(ranges[f]) != 2 for f in FACTORS):
        raise ValueError(f"ranges must map each of {FACTORS} to a (low, high) pair, got {ranges!r}")
    _check_fit(fit)
    checks.seed(seed)
    rng = np.random.default_rng(seed)
    flops = np.ones(n)
    for name in FACTORS:
        low, high = ranges[name]
        flops *= sample_log_uniform(low, high, n, rng)
    slopes = rng.normal(fit.slope, fit.slope_stderr, n)
    anchor = np.log10(fit.predict(fit.end))
    with np.errstate(divide="ignore"):
        years = np.where(slopes > 0, fit.end + (np.log10(flops) - anchor) / slopes, np.inf)
    return flops, years


def top500_series(column: str, months: tuple[int, ...] = (6,)) -> tuple[np.ndarray, np.ndarray]:
    """(list date as a decimal year, values) of a ``top500.csv`` column, for the given list months."""
    table = load_table("top500")
    checks.choice(column, "column", table.columns)
    if (not isinstance(months, (tuple, list)) or not months
            or not all(isinstance(m, (int, np.integer)) and 1 <= m <= 12 for m in months)):
        raise ValueError(f"months must be a non-empty tuple of months 1-12, got {months!r}")
    rows = [r for r in table if r.month in months and getattr(r, column) is not None]
    rows.sort(key=lambda r: (r.year, r.month))
    dates = np.array([r.year + (r.month - 1) / 12 for r in rows])
    return dates, np.array([float(getattr(r, column)) for r in rows])


def flops_per_watt(flops: float, watts: float) -> float:
    """Energy efficiency in FLOP/s per watt."""
    checks.positive(watts, "watts")
    checks.positive(flops, "flops")
    return flops / watts
