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


# ---- notebook 02 second edition, review fixes: paces, honest growth spread, the article's own ranges -----------

def years_per_doubling(value0: float, year0: float, value1: float, year1: float) -> float:
    """Years per doubling between two measurements: (year1 - year0) / log2(value1 / value0).

    Examples
    --------
    >>> years_per_doubling(1.0, 2000.0, 8.0, 2006.0)
    2.0
    """
    checks.positive(value0, "value0")
    checks.positive(value1, "value1")
    year0, year1 = checks.finite(year0, "year0"), checks.finite(year1, "year1")
    if value1 <= value0 or year1 <= year0:
        raise ValueError(f"need a later and larger second measurement, got ({year0}, {value0}) -> ({year1}, {value1})")
    return (year1 - year0) / float(np.log2(value1 / value0))


def inflated_slope_stderr(fit: ExpFit, rho: float) -> float:
    """The fit's slope standard error widened for autocorrelated residuals: stderr x sqrt(n / n_eff), with
    n_eff = n (1 - rho) / (1 + rho) (``effective_sample_size``); rho <= 0 leaves it unchanged."""
    _check_fit(fit)
    rho = checks.finite(rho, "rho")
    if not -1 < rho < 1:
        raise ValueError(f"rho must lie strictly between -1 and 1, got {rho}")
    return float(fit.slope_stderr * np.sqrt(max(1.0, fit.n / effective_sample_size(fit.n, rho))))


def era_slope_samples(eras, n: int, rng: np.random.Generator) -> np.ndarray:
    """Growth slopes (log10 per year) drawn from several eras: each sample picks one ``(slope, stderr)`` pair of
    ``eras`` with equal probability, then draws from a normal distribution around it. The spread then covers
    the real question, *which era's growth applies*, not only the least-squares noise within one era."""
    _check_samples(n)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng), got {type(rng).__name__}")
    try:
        pairs = np.array([(float(s), float(e)) for s, e in eras], dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"eras must be a non-empty sequence of (slope, stderr) pairs, got {eras!r}") from None
    if pairs.size == 0 or not np.all(np.isfinite(pairs)) or np.any(pairs[:, 1] < 0):
        raise ValueError(f"eras must be finite (slope, stderr >= 0) pairs, got {eras!r}")
    pick = rng.integers(0, len(pairs), n)
    return rng.normal(pairs[pick, 0], pairs[pick, 1])


def years_reached_from(flops, slopes, value: float, year: float) -> np.ndarray:
    """Year each target in ``flops`` is reached by a quantity measured at ``value`` in ``year`` growing at the
    matching slope of ``slopes`` (log10 per year). Targets at or below ``value`` give ``year``; a slope at or
    below zero never reaches a larger target (inf)."""
    checks.positive(value, "value")
    year = checks.finite(year, "year")
    try:
        flops, slopes = np.asarray(flops, dtype=float), np.asarray(slopes, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("flops and slopes must be 1-d arrays of numbers of the same length") from None
    if flops.shape != slopes.shape or flops.ndim != 1 or not np.all(flops > 0) or not np.all(np.isfinite(slopes)):
        raise ValueError("flops (positive) and slopes (finite) must be 1-d arrays of the same length")
    with np.errstate(divide="ignore", invalid="ignore"):
        years = np.where(slopes > 0, year + (np.log10(flops) - np.log10(value)) / slopes, np.inf)
    return np.where(flops <= value, year, years)


DETTMERS2015_RANGES = {"time_steps": (2.4, 6.0), "purkinje_inputs": (75_000.0, 100_000.0)}


def dettmers2015_samples(n: int = 20_000, seed: int = 0, cell_by_cell_share: float = 0.5) -> np.ndarray:
    """The article's estimate with its own stated ranges: time steps log-uniform in 2.4-6 (80-200 ms at 30
    frames/s), Purkinje inputs log-uniform in 75,000-100,000, and the combination rule drawn per sample: the
    mean of the two cell types over all neurons (the reading that reproduces 1.075e21), or, with probability
    ``cell_by_cell_share``, each cell type costed only for its own cells (this course's what-if)."""
    _check_samples(n)
    checks.seed(seed)
    share = checks.finite(cell_by_cell_share, "cell_by_cell_share")
    if not 0 <= share <= 1:
        raise ValueError(f"cell_by_cell_share must lie in [0, 1], got {share}")
    v = dettmers2015_inputs()
    rng = np.random.default_rng(seed)
    t = sample_log_uniform(*DETTMERS2015_RANGES["time_steps"], n, rng)
    p_inputs = sample_log_uniform(*DETTMERS2015_RANGES["purkinje_inputs"], n, rng)
    granule = v["granule_inputs"] * v["granule_branches"] * v["granule_dendrites"] * t * t
    purkinje = p_inputs * v["purkinje_branches"] * v["purkinje_dendrites"] * t * t
    averaged = v["neurons"] * (granule + purkinje) / v["cell_types_averaged"]
    by_type = v["purkinje_cells"] * purkinje + v["granule_cells"] * granule
    return np.where(rng.random(n) < share, by_type, averaged)


def gap_decomposition() -> dict[str, float]:
    """Why the article's figure is so much higher than a synapse-counting chain (neurons x 7,000 synapses x
    1 Hz x 1 FLOP): the ratio split into factors whose product is exact.

    - ``purkinje_synapses``: every neuron is given a Purkinje cell's inputs (purkinje_inputs / 7,000);
    - ``all_pairs``: every input meets every one of the filter's spatial weights (purkinje branches x dendrites);
    - ``time_squared``: the time axis counted twice, on the input and on the filter (T^2);
    - ``two_cell_average``: the mean with the (negligible) granule cell halves it (about 1/2);
    - ``rate``: one filter pass per second against the chain's 1 Hz (1).
    """
    v = dettmers2015_inputs()
    chain = dettmers2015_chain()
    synapse = {k: f.value for k, f in assumption_set("synapse_counting").items()}
    baseline = v["neurons"] * synapse["synapses_per_neuron"] * synapse["rate_hz"] * synapse["ops_per_event"]
    parts = {
        "purkinje_synapses": v["purkinje_inputs"] / synapse["synapses_per_neuron"],
        "all_pairs": v["purkinje_branches"] * v["purkinje_dendrites"],
        "time_squared": v["time_steps"] ** 2,
        "two_cell_average": (chain["granule"] + chain["purkinje"]) / chain["purkinje"] / v["cell_types_averaged"],
        "rate": 1.0 / (synapse["rate_hz"] * synapse["ops_per_event"]),
    }
    return {"baseline": baseline, **parts, "total": chain["total"], "ratio": chain["total"] / baseline}


def top500_eras(split: float = 2013, end: float | None = None) -> list[tuple[float, float]]:
    """(slope, stderr) in log10 per year of the June-list #1 fits before and after ``split`` (1993-split,
    split-end), each stderr widened for its residual autocorrelation (``inflated_slope_stderr``)."""
    years, rank1 = top500_series("rank1_rmax_tflops")
    split = checks.finite(split, "split")
    end = float(years.max()) + 0.99 if end is None else checks.finite(end, "end")
    from .trends import fit_exponential
    eras = []
    for lo, hi in ((float(years.min()), split + 0.99), (split, end)):
        fit = fit_exponential(years, rank1, lo, hi)
        eras.append((fit.slope, inflated_slope_stderr(fit, residual_autocorrelation(fit, years, rank1))))
    return eras


def monte_carlo_years(flops, eras, value: float, year: float, seed: int = 0) -> np.ndarray:
    """Year each sampled target in ``flops`` is reached from a measured ``value`` in ``year``, with one growth
    slope per sample drawn by ``era_slope_samples(eras, ...)`` (seeded)."""
    checks.seed(seed)
    try:
        flops = np.asarray(flops, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"flops must be a non-empty 1-d array of samples, got {flops!r}") from None
    if flops.ndim != 1 or flops.size == 0:
        raise ValueError("flops must be a non-empty 1-d array of samples")
    slopes = era_slope_samples(eras, flops.size, np.random.default_rng(seed))
    return years_reached_from(flops, slopes, value, year)
