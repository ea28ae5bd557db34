"""Growth of training compute, of hardware price-performance and of the research community; what a run costs.

Series come from the sourced tables (``training_compute.csv``, ``gpus.csv``, ``neurips_submissions.csv``); fits
use ``helpers.trends``. Conventions: years are decimal years (a ``YYYY-MM`` date is the middle of that month);
growth is multiplicative per year (``4.5`` means ×4.5 a year); compute is in FLOP (total operations), hardware
throughput in FLOP/s; money in US dollars of the year of the price used (no inflation adjustment).

The cost model is deliberately simple and its assumptions are returned with every result::

    FLOP per dollar (year) = peak FLOP/s × utilization × 3600 / (dollars per GPU-hour)     at the reference year
                             × price_performance_growth ** (year - reference year)
    cost (dollars)          = training compute / FLOP per dollar (year)

It prices a final training run at cloud-rental rates; experiments, staff, data and failed runs are not included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from . import checks
from . import trends as T
from .data import load_table

PRECISIONS = ("fp32", "fp16")


@dataclass(frozen=True, eq=False)
class Series:
    """A time series for a trend fit: ``years`` (decimal), ``values``, a label per point and an estimate flag."""

    years: np.ndarray
    values: np.ndarray
    labels: tuple[str, ...]
    estimated: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    unit: str = ""


@dataclass(frozen=True)
class CostEstimate:
    """The cost of a training run and every assumption behind it."""

    compute_flop: float
    year: float
    cost_usd: float
    flop_per_usd: float  # at ``year``
    reference_year: float
    reference_flop_per_usd: float
    price_performance_growth: float  # × per year

    @property
    def assumptions(self) -> dict[str, float]:
        return {"reference year": self.reference_year, "FLOP per dollar at the reference year":
                self.reference_flop_per_usd, "price-performance growth per year": self.price_performance_growth}


def _above_zero_growth(value, name: str) -> float:
    g = checks.positive(value, name)
    if not 0.01 <= g <= 1000:
        raise ValueError(f"{name} must be a growth factor per year between 0.01 and 1000, got {g:g}")
    return g


def _year(value, name: str = "year") -> float:
    y = checks.finite(value, name)
    if not 1950 <= y <= 2100:
        raise ValueError(f"{name} must be a year between 1950 and 2100, got {y:g}")
    return y


# ---- the tables ----------------------------------------------------------------------------------------------

def decimal_year(date: str) -> float:
    """``'YYYY'`` or ``'YYYY-MM'`` as a decimal year: the middle of that year or month ('2012-09' → 2012.71)."""
    if not isinstance(date, str):
        raise ValueError(f"date must be text like '2012-09', got {date!r}")
    parts = date.strip().split("-")
    try:
        year, month = int(parts[0]), (int(parts[1]) if len(parts) > 1 else None)
    except ValueError:
        raise ValueError(f"date must look like 'YYYY' or 'YYYY-MM', got {date!r}") from None
    if len(parts) > 2 or not 1900 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise ValueError(f"date must look like 'YYYY' or 'YYYY-MM' with a real month, got {date!r}")
    return year + 0.5 if month is None else year + (month - 0.5) / 12


def training_compute(include_estimates: bool = True) -> Series:
    """Training FLOP of the notable models in ``training_compute.csv``, oldest first.

    ``include_estimates=False`` drops models whose developers disclosed too little (``estimate = yes``): GPT-4,
    Gemini Ultra and the like, whose compute is Epoch AI's estimate.
    """
    checks.flag(include_estimates, "include_estimates")
    rows = sorted(load_table("training_compute"), key=lambda r: decimal_year(r.date))
    if not include_estimates:
        rows = [r for r in rows if r.estimate != "yes"]
    return Series(np.array([decimal_year(r.date) for r in rows]), np.array([r.training_flop for r in rows]),
                  tuple(r.model for r in rows), np.array([r.estimate == "yes" for r in rows]), "FLOP")


SEGMENTS = ("consumer", "workstation", "datacenter")


def gpu_price_performance(precision: str = "fp32", segment: str | None = None) -> Series:
    """Peak FLOP/s per launch dollar of every GPU in ``gpus.csv`` with a list price (mostly consumer and
    workstation cards, plus a few early Tesla boards; later data-centre parts have no public list price). ``fp16``
    is dense tensor throughput and exists only from Volta (2017) on; ``fp32`` is the vector rate, comparable across
    the whole period. ``segment`` keeps one segment of ``gpus.csv`` only ("consumer": GeForce and Radeon)."""
    from . import gpus as G

    checks.choice(precision, "precision", PRECISIONS)
    if segment is not None:
        checks.choice(segment, "segment", SEGMENTS)
    chosen = [g for g in G.all_gpus() if g.price_usd and getattr(g, G.PRECISIONS[precision])
              and (segment is None or g.segment == segment)]
    return Series(np.array([g.year + 0.5 for g in chosen], float),
                  np.array([g.peak_flops(precision) / g.price_usd for g in chosen]),
                  tuple(g.name for g in chosen), np.zeros(len(chosen), bool), "FLOP/s per $")


def neurips_submissions() -> Series:
    """Papers submitted to NeurIPS per year (``neurips_submissions.csv``): a proxy for researcher numbers."""
    rows = sorted(load_table("neurips_submissions"), key=lambda r: r.year)
    return Series(np.array([r.year + 0.5 for r in rows], float), np.array([r.submissions for r in rows], float),
                  tuple(str(r.year) for r in rows), np.zeros(len(rows), bool), "submissions")


def claim(key: str):
    """One row of ``trend_claims.csv`` (fields: metric, value, low, high, unit, window, source, as_of, ...)."""
    table = load_table("trend_claims")
    if not isinstance(key, str) or key not in table.column("key"):
        raise ValueError(f"no trend claim {key!r}; known: {', '.join(table.column('key'))}")
    return table.get(key)


@cache
def _facts() -> dict[str, float]:
    return {r.key: float(r.value) for r in load_table("research_facts")}


def fact(key: str) -> float:
    """The value of one row of ``research_facts.csv``, in that row's unit."""
    facts = _facts()
    if not isinstance(key, str) or key not in facts:
        raise ValueError(f"no research fact {key!r}; known: {', '.join(facts)}")
    return facts[key]


def claim_growth_per_year(key: str) -> float:
    """A trend claim converted to growth per year, whatever its unit (months or years per doubling, × per year)."""
    row = claim(key)
    if row.unit == "x per year":
        return float(row.value)
    if row.unit == "months per doubling":
        return T.growth_from_doubling(row.value)
    if row.unit == "years per doubling":
        return T.growth_from_doubling(12 * row.value)
    raise ValueError(f"claim {key!r} is in {row.unit!r}, not a growth rate")


# ---- growth arithmetic ---------------------------------------------------------------------------------------

def required_spending_growth(compute_growth: float, hardware_growth: float) -> float:
    """Growth per year that spending × utilization must supply when compute grows ``compute_growth`` a year
    and FLOP per dollar grows ``hardware_growth`` a year (``compute = hardware × spending``, so the ratio)."""
    return checks.positive(compute_growth, "compute_growth") / checks.positive(hardware_growth, "hardware_growth")


def per_researcher_growth(compute_growth: float, researcher_growth: float) -> float:
    """Growth per year of compute per researcher: ``compute_growth / researcher_growth``. Below 1 means each
    researcher gets less every year: the stagnation scenario of the 2017 article."""
    return checks.positive(compute_growth, "compute_growth") / checks.positive(researcher_growth, "researcher_growth")


def compute_for_error_reduction(factor: float, exponent: float) -> float:
    """Compute multiplier needed to divide the error by ``factor`` when ``error ∝ compute**(-exponent)``:
    ``factor ** (1 / exponent)``. Example: halving the error with exponent 1/4 takes 16x the compute."""
    f = checks.positive(factor, "factor")
    k = checks.positive(exponent, "exponent")
    if f < 1:
        raise ValueError(f"factor must be at least 1 (a reduction of the error), got {f:g}")
    if np.log10(f) / k > 300:
        raise ValueError(f"factor={f:g} with exponent={k:g} needs more than 1e300 times the compute")
    return f ** (1 / k)


# ---- cost of a training run ----------------------------------------------------------------------------------

def flop_per_usd(peak_flops: float, utilization: float, usd_per_hour: float) -> float:
    """Useful FLOP bought per dollar when renting hardware of ``peak_flops`` FLOP/s at ``usd_per_hour`` and
    reaching ``utilization`` (a fraction of peak, e.g. 0.4 model-FLOPs utilization)."""
    peak = checks.positive(peak_flops, "peak_flops")
    u = checks.positive(utilization, "utilization")
    if u > 1:
        raise ValueError(f"utilization must be a fraction between 0 and 1, got {u:g}")
    return peak * u * 3600 / checks.positive(usd_per_hour, "usd_per_hour")


def default_cost_assumptions() -> dict[str, float]:
    """The notebook's reference point: an H100 SXM (dense fp16 peak from ``gpus.csv``) at the median cloud price
    and the middle of Llama 3's utilization range, with price-performance growing at Epoch's ML-GPU trend."""
    from . import gpus as G

    row = load_table("research_facts").get("h100_usd_per_hour")
    return {
        "peak_flops": G.gpu("H100 SXM").peak_flops("fp16"),
        "utilization": round((fact("llama3_mfu_low") + fact("llama3_mfu_high")) / 2, 3),
        "usd_per_hour": float(row.value),
        "reference_year": round(decimal_year(row.as_of), 3),
        "price_performance_growth": round(claim_growth_per_year("gpu_pp_ml"), 3),
    }


def training_cost(compute_flop: float, year: float, reference_year: float, reference_flop_per_usd: float,
                  price_performance_growth: float) -> CostEstimate:
    """Cost in dollars of ``compute_flop`` FLOP bought in ``year``, when a dollar buys ``reference_flop_per_usd``
    FLOP in ``reference_year`` and that grows ``price_performance_growth`` times a year."""
    c = checks.positive(compute_flop, "compute_flop")
    if c > 1e40:
        raise ValueError(f"compute_flop must be at most 1e40, got {c:g}")
    y, y0 = _year(year), _year(reference_year, "reference_year")
    per_usd0 = checks.positive(reference_flop_per_usd, "reference_flop_per_usd")
    g = _above_zero_growth(price_performance_growth, "price_performance_growth")
    per_usd = per_usd0 * g ** (y - y0)
    cost = c / per_usd
    if not np.isfinite(cost) or not np.isfinite(per_usd) or per_usd == 0:
        raise ValueError("the cost is beyond what a float can hold: bring the year closer to the reference year")
    return CostEstimate(c, y, float(cost), float(per_usd), y0, per_usd0, g)


def default_training_cost(compute_flop: float, year: float) -> CostEstimate:
    """``training_cost`` with ``default_cost_assumptions()``."""
    a = default_cost_assumptions()
    return training_cost(compute_flop, year, a["reference_year"],
                         flop_per_usd(a["peak_flops"], a["utilization"], a["usd_per_hour"]),
                         a["price_performance_growth"])


# ---- second edition: the full research record, data-centre price-performance, sparsity, an efficiency budget ----

PRECISION_LEVELS = ("fp32", "fp16", "fp8", "fp4")


def model_parameters(names) -> list[float | None]:
    """Parameter counts of models of ``training_compute.csv``, in the order of ``names`` (None if unknown).

    Raises ``ValueError`` naming a model that is not in the table.
    """
    table = load_table("training_compute")
    out = []
    for name in names:
        try:
            out.append(table.get(str(name)).parameters)
        except KeyError:
            raise ValueError(f"names: {name!r} is not a model of training_compute.csv") from None
    return out


def researcher_growth(start: float = 2016, end: float = 2025) -> T.ExpFit:
    """Exponential fit of NeurIPS submissions over the whole years ``start``..``end`` (both included).

    Example: the full series 2016-2025 grows about 1.25x a year; 2016-2020 alone gave about 1.42x.
    """
    lo, hi = checks.finite(start, "start"), checks.finite(end, "end")
    if not (1950 <= lo <= 2100 and 1950 <= hi <= 2100) or lo >= hi:
        raise ValueError(f"the fit window needs years 1950-2100 with start < end, got start={lo:g}, end={hi:g}")
    s = neurips_submissions()
    return T.fit_exponential(s.years, s.values, lo, hi + 0.99)


def per_researcher_path(years, compute_growth: float, researcher_growth: float) -> np.ndarray:
    """Compute per researcher after ``years`` years, relative to year 0: ``(compute_growth / researcher_growth)
    ** years``. ``years`` may be an array (a path for a plot)."""
    ratio = per_researcher_growth(compute_growth, researcher_growth)
    try:
        t = np.asarray(years, float)
    except (TypeError, ValueError):
        raise ValueError(f"years must be a number or a list of numbers, got {years!r}") from None
    if t.ndim > 1 or not np.all(np.isfinite(t)) or np.any(np.abs(t) > 200):
        raise ValueError(f"years must be finite numbers of years between -200 and 200, got {years!r}")
    return ratio**t


def datacentre_price_performance(low_precision: bool = True) -> Series:
    """Peak dense FLOP bought per rental dollar (``peak FLOP/s × 3600 / dollars per GPU-hour``) of data-centre GPUs
    from ``datacentre_rental.csv``, one point per GPU and price date.

    ``low_precision=True`` counts each GPU at the lowest precision frontier runs trained in on it (FP8 on Hopper,
    as DeepSeek-V3 did); ``False`` counts 16-bit tensor throughput only. Peak figures come from ``gpus.csv``.
    """
    from . import gpus as G

    checks.flag(low_precision, "low_precision")
    fp8_factor = fact("hopper_fp8_over_bf16")
    chosen: dict[tuple[str, str], object] = {}
    for r in load_table("datacentre_rental"):
        if r.precision == "fp8" and not low_precision:
            continue
        key = (r.name, r.price_date)
        if key not in chosen or r.precision == "fp8":
            chosen[key] = r
    rows = sorted(chosen.values(), key=lambda r: decimal_year(r.price_date))
    peaks = [G.gpu(r.name).peak_flops("fp16") * (fp8_factor if r.precision == "fp8" else 1) for r in rows]
    return Series(np.array([decimal_year(r.price_date) for r in rows]),
                  np.array([p * 3600 / r.usd_per_gpu_hour for p, r in zip(peaks, rows)]),
                  tuple(f"{r.name} {r.precision} ({r.price_date})" for r in rows), np.zeros(len(rows), bool),
                  "peak FLOP per rental dollar")


def peak_growth(gpu_from: str, gpu_to: str, precision: str = "fp32") -> float:
    """Ratio of the peak FLOP/s of two GPUs of ``gpus.csv`` at one precision (``fp32`` vector, ``fp16`` or ``fp8``
    dense tensor; fp8 figures come from ``gpu_features.csv``).

    Example: RTX 2080 Ti to RTX 5090 at fp32 is 104.8 / 13.4 = 7.8x (vendor peaks; Ampere and later count
    dual-issue FP32, which real kernels rarely reach)."""
    from . import gpus as G

    if not isinstance(precision, str) or precision not in PRECISION_LEVELS:
        raise ValueError(f"precision must be one of {list(PRECISION_LEVELS)}, got {precision!r}")
    names = {g.name for g in G.all_gpus()}
    for value, name in ((gpu_from, "gpu_from"), (gpu_to, "gpu_to")):
        if not isinstance(value, str) or value not in names:
            raise ValueError(f"{name} must be a GPU name from gpus.csv, got {value!r}")
    try:
        a, b = G.gpu(gpu_from).peak_flops(precision), G.gpu(gpu_to).peak_flops(precision)
    except ValueError:
        a = b = None
    if not (a and b):
        raise ValueError(f"gpu_from and gpu_to need a {precision} figure in gpus.csv")
    return b / a


@dataclass(frozen=True)
class MoECost:
    """Compute and memory of a mixture-of-experts model (a dense model is the case active = total)."""

    total_params: float
    active_params: float
    bits: float
    train_flop_per_token: float  # 6 × active parameters (forward and backward)
    weight_bytes: float  # every expert must be stored: total parameters × bits / 8

    @property
    def active_fraction(self) -> float:
        return self.active_params / self.total_params

    @property
    def flop_saving(self) -> float:
        """How many times fewer FLOP per token than a dense model with the same (total) parameters."""
        return self.total_params / self.active_params


def moe_cost(total_params: float, active_params: float, bits: float = 16) -> MoECost:
    """FLOP per training token and weight memory of a model with ``total_params`` parameters of which
    ``active_params`` take part in each token (a router picks a few experts per token).

    Compute follows the active parameters (``6 × active`` FLOP per token, the usual 6ND rule); memory follows
    the total, because every expert must be held somewhere. Example: DeepSeek-V3 (671B total, 37B active)
    costs the FLOP of a 37B dense model per token, 18x less than a dense 671B model, but stores all 671B.
    """
    total = checks.positive(total_params, "total_params")
    active = checks.positive(active_params, "active_params")
    b = checks.positive(bits, "bits")
    if active > total:
        raise ValueError(f"active_params ({active:.3g}) cannot exceed total_params ({total:.3g})")
    if total > 1e16:
        raise ValueError(f"total_params must be at most 1e16, got {total:g}")
    if b > 64:
        raise ValueError(f"bits must be at most 64, got {b:g}")
    return MoECost(total, active, b, 6 * active, total * b / 8)


def precision_gain(precision: str) -> float:
    """Peak-throughput multiplier of training at ``precision`` instead of fp32 on the same data-centre GPU
    generation: fp16/bf16 tensor cores against fp32 vector units on a V100 (``gpus.csv``), fp8 a further
    ``hopper_fp8_over_bf16`` on Hopper, and fp4 a further fp4/fp8 ratio of a B200 (``gpu_features.csv``). A peak
    ratio: real speed-ups are smaller."""
    if not isinstance(precision, str) or precision not in PRECISION_LEVELS:
        raise ValueError(f"precision must be one of {list(PRECISION_LEVELS)}, got {precision!r}")
    return _precision_gains()[precision]


@cache
def _precision_gains() -> dict[str, float]:
    from . import gpus as G

    v100, b200 = G.gpu("Tesla V100 SXM2 16GB"), G.gpu("B200 (HGX)")
    tensor = v100.peak_flops("fp16") / v100.peak_flops("fp32")
    fp8 = tensor * fact("hopper_fp8_over_bf16")
    return {"fp32": 1.0, "fp16": tensor, "fp8": fp8, "fp4": fp8 * b200.peak_flops("fp4") / b200.peak_flops("fp8")}


BUDGET_LEVERS = ("hardware FLOP per dollar", "lower precision", "spending and scale-out", "algorithms",
                 "sparsity (MoE)")


def training_precision(year: float) -> str:
    """The precision frontier runs trained in during ``year``: fp32 before ``fp16_training_from_year`` (V100 and
    mixed precision, 2017), fp16/bf16 until ``fp8_training_from_year`` (2025, after DeepSeek-V3), fp8 after
    (rows of ``research_facts.csv``)."""
    y = _year(year)
    if y >= fact("fp8_training_from_year"):
        return "fp8"
    return "fp16" if y >= fact("fp16_training_from_year") else "fp32"


def efficiency_budget(start: float, end: float, demand_growth: float, hardware_growth: float,
                      algorithm_halving_months: float = 8.0, moe_gain: float = 1.0,
                      spending_growth: float | None = None) -> dict[str, float]:
    """Split the growth of training compute between the years ``start`` and ``end`` into multiplicative levers
    (factors over the whole window, not per year)::

        physical compute  = hardware FLOP per dollar × lower precision × spending and scale-out
        effective compute = physical compute × algorithms × sparsity (MoE)

    ``hardware_growth``: FLOP per dollar per year at a *fixed* precision. Lower precision is the step between the
    training precision of ``start`` and of ``end`` (``training_precision``): 1 when both years used the same one.
    ``algorithm_halving_months``: months in which the compute needed for a fixed result halves. ``moe_gain``: the
    compute-equivalent gain of a mixture of experts over a dense model (Switch Transformer: about 4 at its largest
    scale), counted only when MoE models reached the frontier inside the window (``moe_frontier_from_year``).
    With ``spending_growth=None`` spending is whatever remains of ``demand_growth`` (the measured growth of physical
    compute); given a number (1.0: budgets stop growing, the stagnation scenario), physical compute follows from the
    levers and ``demand_growth`` is not used. Returns the five levers of ``BUDGET_LEVERS`` plus "physical compute"
    and "effective compute".
    """
    lo, hi = _year(start, "start"), _year(end, "end")
    t = hi - lo
    if not 0 < t <= 50:
        raise ValueError(f"the window needs start < end and at most 50 years, got start={lo:g}, end={hi:g}")
    demand = checks.positive(demand_growth, "demand_growth")
    hw = checks.positive(hardware_growth, "hardware_growth")
    halving = checks.positive(algorithm_halving_months, "algorithm_halving_months")
    if halving < 1:
        raise ValueError(f"algorithm_halving_months must be at least 1, got {halving:g}")
    moe = checks.positive(moe_gain, "moe_gain")
    if not 1 <= moe <= 1000:
        raise ValueError(f"moe_gain must be a factor between 1 and 1000, got {moe:g}")
    for value, name in ((demand, "demand_growth"), (hw, "hardware_growth")):
        if not 0.1 <= value <= 100:
            raise ValueError(f"{name} must be a growth factor per year between 0.1 and 100, got {value:g}")
    hardware = hw**t
    lower_precision = precision_gain(training_precision(hi)) / precision_gain(training_precision(lo))
    if spending_growth is None:
        physical = demand**t
        spending = physical / (hardware * lower_precision)
    else:
        s = checks.positive(spending_growth, "spending_growth")
        if not 0.1 <= s <= 100:
            raise ValueError(f"spending_growth must be a growth factor per year between 0.1 and 100, got {s:g}")
        spending = s**t
        physical = hardware * lower_precision * spending
    algorithms = 2 ** (12 * t / halving)
    sparsity = moe if lo < fact("moe_frontier_from_year") <= hi else 1.0
    return {"hardware FLOP per dollar": hardware, "lower precision": lower_precision,
            "spending and scale-out": spending, "algorithms": algorithms, "sparsity (MoE)": sparsity,
            "physical compute": physical, "effective compute": physical * algorithms * sparsity}


def datacentre_growth(low_precision: bool = False) -> T.ExpFit:
    """Exponential fit of ``datacentre_price_performance``: FLOP per rental dollar per year, at 16-bit only
    (``False``, the hardware lever at a fixed precision) or counting the switch to FP8 (``True``)."""
    s = datacentre_price_performance(low_precision)
    return T.fit_exponential(s.years, s.values)


@dataclass(frozen=True)
class PerResearcher:
    """Hardware FLOP per dollar and NeurIPS submissions, both fitted over the same years."""

    hardware: T.ExpFit
    researchers: T.ExpFit

    @property
    def growth_per_year(self) -> float:
        """Compute per researcher per year with a fixed budget: hardware growth ÷ researcher growth."""
        return per_researcher_growth(self.hardware.growth_per_year, self.researchers.growth_per_year)

    @property
    def growth_interval(self) -> tuple[float, float]:
        """A conservative range: the slow end of hardware over the fast end of researchers, and the reverse (both
        95% intervals of their fits)."""
        (h_lo, h_hi), (r_lo, r_hi) = self.hardware.growth_interval, self.researchers.growth_interval
        return h_lo / r_hi, h_hi / r_lo


def per_researcher_window(start: float = 2016, end: float = 2025, segment: str | None = "consumer") -> PerResearcher:
    """Fit fp32 FLOP per launch dollar (GPUs of ``segment``, default GeForce and Radeon cards) and NeurIPS
    submissions over the same whole years ``start``..``end``: the hardware-alone growth of compute per researcher.

    Example: 2016-2020 gives hardware and submissions both growing about 1.4x a year, so about flat per researcher.
    """
    people = researcher_growth(start, end)
    hw = gpu_price_performance("fp32", segment)
    try:
        fit = T.fit_exponential(hw.years, hw.values, people.start, people.end)
    except ValueError as err:
        raise ValueError(f"GPU FLOP/s per dollar {start:g}-{end:g}: {err}") from None
    return PerResearcher(fit, people)


def frontier_compute(year: float, growth: float | None = None) -> float:
    """Training FLOP of the frontier run in ``year``: the largest run of ``training_compute.csv`` grown (or shrunk)
    at ``growth`` per year (default: Epoch AI's central frontier trend, ``epoch_frontier_central``, ×4 a year)."""
    y = _year(year)
    g = claim_growth_per_year("epoch_frontier_central") if growth is None else _above_zero_growth(growth, "growth")
    s = training_compute()
    i = int(np.argmax(s.values))
    return float(s.values[i] * g ** (y - s.years[i]))


def frontier_cost_crossing_year(target_usd: float, growth: float | None = None) -> float:
    """Year in which the frontier run (``frontier_compute``) costs ``target_usd`` under ``default_cost_assumptions``.

    cost(y) = C₀·g^(y−y₀) / (F·p^(y−y_ref)), so y solves a linear equation in logs; raises if the frontier
    trend grows no faster than FLOP per dollar (the cost then never rises)."""
    target = checks.positive(target_usd, "target_usd")
    g = claim_growth_per_year("epoch_frontier_central") if growth is None else _above_zero_growth(growth, "growth")
    a = default_cost_assumptions()
    p = a["price_performance_growth"]
    if g <= p:
        raise ValueError(f"growth ({g:g}) must exceed FLOP-per-dollar growth ({p:g}) for the cost to rise")
    s = training_compute()
    i = int(np.argmax(s.values))
    per_usd = flop_per_usd(a["peak_flops"], a["utilization"], a["usd_per_hour"])
    # log target = log C0 + (y - y0) log g - log F - (y - yref) log p
    rhs = (np.log(target) - np.log(s.values[i]) + s.years[i] * np.log(g) + np.log(per_usd)
           - a["reference_year"] * np.log(p))
    return float(rhs / (np.log(g) - np.log(p)))


def training_tokens(since: float = 2020) -> Series:
    """Training tokens of the language models of ``training_compute.csv`` released from ``since`` on, implied by the
    6ND rule: ``tokens = training FLOP / (6 × active parameters)`` (dense models: all parameters; DeepSeek-V3: its
    active parameters from ``research_facts.csv``). Models without a parameter count are left out.

    Example: GPT-3, 3.14e23 FLOP and 175B parameters, implies 3.0e11 tokens (its paper reports 300B). Earlier models
    trained for several epochs on small sets, so their implied tokens measure passes, not the size of the data.
    """
    lo = _year(since, "since")
    active = {"DeepSeek-V3": fact("deepseek_v3_active_params")}
    rows = sorted((r for r in load_table("training_compute")
                   if r.domain == "language" and r.parameters and decimal_year(r.date) >= lo),
                  key=lambda r: decimal_year(r.date))
    if len(rows) < 3:
        raise ValueError(f"since={lo:g} leaves {len(rows)} language models; at least 3 are needed for a fit")
    return Series(np.array([decimal_year(r.date) for r in rows]),
                  np.array([r.training_flop / (6 * active.get(r.model, r.parameters)) for r in rows]),
                  tuple(r.model for r in rows), np.zeros(len(rows), bool), "tokens")
