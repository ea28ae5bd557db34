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


# ---- notebook 02 second edition: the article's own estimate, later inputs, forecasts from the data ----------------

def dettmers2015_inputs() -> dict[str, float]:
    """Every number of ``brain_dettmers2015.csv`` by key (factors, context rows and the stated total)."""
    return {r.key: float(r.value) for r in load_table("brain_dettmers2015")}


def conv_filter_flop(inputs: float, filter_spatial: float, time_steps: float) -> float:
    """Multiplications of one spatio-temporal convolution in the article's counting.

    An input of ``inputs x time_steps`` values is convolved with a filter of ``filter_spatial x time_steps``
    weights, and every input value meets every filter weight once (N*M*n*m, no padding or stride savings).

    Examples
    --------
    >>> conv_filter_flop(15, 3 * 4, 5)   # granule cell: 15x5 inputs, 3x4x5 filter
    4500.0
    """
    for name, v in (("inputs", inputs), ("filter_spatial", filter_spatial), ("time_steps", time_steps)):
        checks.positive(v, name)
    return float(inputs) * time_steps * filter_spatial * time_steps


def dettmers2015_chain(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The 2015 article's estimate rebuilt from its stated numbers; ``overrides`` replaces inputs by key.

    granule = conv_filter_flop(granule inputs, branches x dendrites, time steps), the same for the Purkinje cell;
    per neuron = (granule + Purkinje) / cell types averaged; total = neurons x per neuron.

    Returns
    -------
    dict
        ``granule``, ``purkinje``, ``per_neuron`` and ``total`` (the article reads the total as FLOP/s).
    """
    v = dettmers2015_inputs()
    overrides = {} if overrides is None else overrides
    if not isinstance(overrides, Mapping):
        raise ValueError(f"overrides must map input keys of brain_dettmers2015.csv to numbers, got {overrides!r}")
    for key, value in overrides.items():
        if key not in v:
            raise ValueError(f"overrides must name inputs of brain_dettmers2015.csv, got {key!r}")
        v[key] = checks.positive(value, key)
    granule = conv_filter_flop(v["granule_inputs"], v["granule_branches"] * v["granule_dendrites"], v["time_steps"])
    purkinje = conv_filter_flop(v["purkinje_inputs"], v["purkinje_branches"] * v["purkinje_dendrites"],
                                v["time_steps"])
    per_neuron = (granule + purkinje) / v["cell_types_averaged"]
    return {"granule": granule, "purkinje": purkinje, "per_neuron": per_neuron, "total": v["neurons"] * per_neuron}


def carlsmith_methods() -> list:
    """Rows of ``brain_carlsmith_methods.csv``: Carlsmith's (2020) four methods and the range each gives."""
    return list(load_table("brain_carlsmith_methods"))


def landauer_limit_flops(watts: float, kelvin: float) -> float:
    """Bit erasures per second that ``watts`` can pay for at temperature ``kelvin``: P / (k T ln 2).

    The limit method reads this as an upper bound on the useful operations of a brain of that power.

    Examples
    --------
    >>> f"{landauer_limit_flops(20, 310):.2e}"
    '6.74e+21'
    """
    checks.positive(watts, "watts")
    checks.positive(kelvin, "kelvin")
    return watts / (fact("boltzmann_j_per_k") * kelvin * np.log(2))


def lifetime_flop(flops: float, seconds: float) -> float:
    """Total operations of a brain running at ``flops`` FLOP/s for ``seconds`` seconds (FLOP, not FLOP/s)."""
    checks.positive(flops, "flops")
    checks.positive(seconds, "seconds")
    return float(flops) * seconds


def doublings_needed(start: float, target: float) -> int:
    """Whole doublings that take ``start`` to at least ``target`` (0 when it is already there)."""
    checks.positive(start, "start")
    checks.positive(target, "target")
    return max(0, int(np.ceil(np.log2(target / start) - 1e-12)))


def year_after_doublings(year0: float, doublings: float, years_per_doubling: float) -> float:
    """``year0`` plus ``doublings`` periods of ``years_per_doubling`` years."""
    year0 = checks.finite(year0, "year0")
    checks.non_negative(doublings, "doublings")
    checks.positive(years_per_doubling, "years_per_doubling")
    return year0 + doublings * years_per_doubling


def latest_point(column: str = "rank1_rmax_tflops") -> tuple[float, float]:
    """(decimal year, value) of the newest list in ``top500.csv`` that reports ``column`` (June and November)."""
    dates, values = top500_series(column, months=(6, 11))
    return float(dates[-1]), float(values[-1])


def year_reached_from(target: float, fit: ExpFit, value: float, year: float) -> float:
    """Year a quantity measured at ``value`` in ``year`` reaches ``target`` growing at the fit's rate.

    Unlike ``trends.year_reached`` (the fitted line), this starts from a real data point, so a line that runs
    above or below the latest measurement does not move the answer.
    """
    checks.positive(target, "target")
    checks.positive(value, "value")
    year = checks.finite(year, "year")
    if _check_fit(fit).slope <= 0:
        return np.inf
    return year + (np.log10(target) - np.log10(value)) / fit.slope


def residual_autocorrelation(fit: ExpFit, years, values) -> float:
    """Lag-1 autocorrelation of the fit's residuals (log10) over the points in its window.

    Near 0: residuals behave like independent noise and least-squares intervals mean what they say. Near 1:
    consecutive lists are not independent evidence, and the intervals are too narrow.
    """
    from .trends import _clean_series
    years, values = _clean_series(years, values)
    keep = (years >= _check_fit(fit).start) & (years <= fit.end)
    r = np.log10(values[keep]) - np.log10(fit.predict(years[keep]))
    if r.size < 3:
        raise ValueError(f"the fit window holds {r.size} of the given points; at least 3 are needed")
    r = r - r.mean()
    denom = float(np.sum(r * r))
    return 0.0 if denom == 0 else float(np.sum(r[1:] * r[:-1]) / denom)


def effective_sample_size(n: int, rho: float) -> float:
    """Independent points worth of ``n`` autocorrelated ones (AR(1) with lag-1 correlation ``rho``):
    n (1 - rho) / (1 + rho)."""
    checks.whole(n, "n", 1)
    rho = checks.finite(rho, "rho")
    if not -1 < rho < 1:
        raise ValueError(f"rho must lie strictly between -1 and 1, got {rho}")
    return n * (1 - rho) / (1 + rho)


def monte_carlo_crossing_from(ranges: Mapping[str, tuple[float, float]], fit: ExpFit, value: float, year: float,
                              n: int = 20_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """As ``monte_carlo_crossing``, but every sampled trend starts from a measured ``value`` in ``year``
    (the latest list) instead of from the fitted line. Returns ``(brain FLOP/s samples, years reached)``."""
    flops, _ = monte_carlo_crossing(ranges, fit, n, seed)
    checks.positive(value, "value")
    year = checks.finite(year, "year")
    rng = np.random.default_rng(seed)
    for name in FACTORS:  # replay the factor draws so the slopes come from the same stream as before
        low, high = ranges[name]
        sample_log_uniform(low, high, n, rng)
    slopes = rng.normal(fit.slope, fit.slope_stderr, n)
    with np.errstate(divide="ignore"):
        years = np.where(slopes > 0, year + (np.log10(flops) - np.log10(value)) / slopes, np.inf)
    years = np.where(flops <= value, year, years)  # already exceeded by the measured machine
    return flops, years


PIPELINE_STAGES = ("synaptic_release", "dendritic_convolution", "dendritic_spikes", "summation",
                   "soma_filter", "firing_dropout", "normalisation")


def neuron_pipeline_flop(inputs: float, filter_spatial: float, time_steps: float,
                         stages: Mapping[str, bool] | None = None) -> dict[str, float]:
    """Operations of one neuron per time window, stage by stage, in the article's conv-net reading.

    Only the dendritic convolution is counted by the article; the other stages are this course's count of one
    operation per value they touch (two for normalisation), to show how small they are beside it:
    synaptic release (dense weights, inputs x T), dendritic convolution (``conv_filter_flop``), dendritic spikes
    (max-pooling: one comparison per input value), summation with a ReLU-like non-linearity (one add per input
    value), soma filter (1x1xT over T steps), Poisson firing block (dropout: one draw per step), normalisation
    (two per input value). A stage switched off in ``stages`` costs 0.
    """
    checks.positive(inputs, "inputs")
    checks.positive(filter_spatial, "filter_spatial")
    checks.positive(time_steps, "time_steps")
    stages = {} if stages is None else stages
    if not isinstance(stages, Mapping) or any(k not in PIPELINE_STAGES for k in stages):
        raise ValueError(f"stages must map names among {PIPELINE_STAGES} to True/False, got {stages!r}")
    values = inputs * time_steps
    cost = {
        "synaptic_release": values,
        "dendritic_convolution": conv_filter_flop(inputs, filter_spatial, time_steps),
        "dendritic_spikes": values,
        "summation": values,
        "soma_filter": float(time_steps) * time_steps,
        "firing_dropout": float(time_steps),
        "normalisation": 2 * values,
    }
    return {k: (float(c) if stages.get(k, True) else 0.0) for k, c in cost.items()}


def ai_cluster_flops() -> list[tuple[str, float, float]]:
    """(system, decimal year, peak dense 16-bit FLOP/s) of each row of ``ai_supercomputers.csv``:
    accelerator count x the chip's FP16 tensor peak from ``gpus.csv``."""
    from . import gpus as G
    out = []
    for r in load_table("ai_supercomputers"):
        year, month = (int(p) for p in str(r.date).split("-")[:2])
        out.append((r.system, year + (month - 1) / 12, r.accelerators_count * G.gpu(r.accelerator).peak_flops("fp16")))
    return out


def dettmers2015_pipeline(stages: Mapping[str, bool] | None = None, time_steps: float | None = None
                          ) -> dict[str, object]:
    """The article's whole-brain chain with the neuron pipeline's stages switched on or off.

    Per cell type, ``neuron_pipeline_flop`` with the article's inputs and filter sizes; per neuron, the mean of the
    granule and Purkinje totals; whole brain, times the neuron count. With only the dendritic convolution switched
    on this is ``dettmers2015_chain()['total']``.

    Returns
    -------
    dict
        ``granule`` and ``purkinje`` (stage -> operations per window), ``per_neuron`` and ``total``.
    """
    v = dettmers2015_inputs()
    t = v["time_steps"] if time_steps is None else checks.positive(time_steps, "time_steps")
    granule = neuron_pipeline_flop(v["granule_inputs"], v["granule_branches"] * v["granule_dendrites"], t, stages)
    purkinje = neuron_pipeline_flop(v["purkinje_inputs"], v["purkinje_branches"] * v["purkinje_dendrites"], t,
                                    stages)
    per_neuron = (sum(granule.values()) + sum(purkinje.values())) / v["cell_types_averaged"]
    return {"granule": granule, "purkinje": purkinje, "per_neuron": per_neuron, "total": v["neurons"] * per_neuron}
