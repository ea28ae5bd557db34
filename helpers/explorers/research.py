"""Explorers for notebook 08 (research directions): wiring only; formulas live in helpers.research, helpers.trends
and helpers.quantize."""

from __future__ import annotations

from functools import cache

import ipywidgets as W
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import quantize as Q
from .. import research as R
from .. import trends as T
from ..plotting import PALETTE, log_axis, new_figure
from ..widgets import Explorer, parse_number, register

# ---- 1. compute growth against hardware price-performance ----------------------------------------------------


def _fit(series: R.Series, lo: int, hi: int, what: str) -> T.ExpFit:
    """A fit over whole years lo..hi (every point of year ``hi`` included), naming the series in any message."""
    try:
        return T.fit_exponential(series.years, series.values, lo, hi + 0.99)
    except ValueError as err:
        raise ValueError(f"{what}: {err}") from None


def doubling_text(fit: T.ExpFit, unit: str = "months") -> str:
    """'every 5.6 months (4.8 to 6.5)' for a growing fit, or a sentence saying it does not grow."""
    if fit.slope <= 0:
        return "never: the fitted trend does not grow"
    scale = 12 if unit == "months" else 1
    fast, slow = fit.doubling_interval
    slow_text = f"{slow * scale:.1f}" if np.isfinite(slow) else "never (the slow end does not grow)"
    return f"every {fit.doubling_years * scale:.1f} {unit} (95% interval {fast * scale:.1f} to {slow_text})"


@register("research.trends")
def trend_explorer(start: int = 2012, end: int = 2025, horizon: int = 2030) -> Explorer:
    """Training compute of notable models and GPU FLOP/s per dollar, each fitted over the same window and
    extrapolated: the ratio of their growth rates is what spending (and utilization) must supply."""
    compute_all = R.training_compute(True)
    compute_disclosed = R.training_compute(False)
    hardware = {p: R.gpu_price_performance(p) for p in R.PRECISIONS}
    first, last = int(compute_all.years.min()), int(compute_all.years.max())
    controls = {
        "window": W.IntRangeSlider(value=(start, end), min=first, max=last, description="fit years",
                                   continuous_update=False),
        "estimates": W.Checkbox(True, description="fit estimated models too (GPT-4, Gemini, ...)"),
        "precision": W.ToggleButtons(options=list(R.PRECISIONS), value="fp32", description="GPU figure"),
        "horizon": W.IntSlider(horizon, min=last + 1, max=last + 15, description="extrapolate to",
                               continuous_update=False),
    }
    fig, (top, bottom) = new_figure(2, 1, figsize=(10, 7.2), sharex=True)
    disclosed = ~compute_all.estimated
    top.plot(compute_all.years[disclosed], compute_all.values[disclosed], "o", color=PALETTE[0],
             label="notable model (disclosed or derived)")
    top.plot(compute_all.years[~disclosed], compute_all.values[~disclosed], "o", mfc="none", color=PALETTE[0],
             label="notable model (Epoch AI estimate)")
    compute_fit, = top.plot([], [], "-", color=PALETTE[1], label="fit over the window")
    compute_ahead, = top.plot([], [], "--", color=PALETTE[1], label="extrapolation")
    compute_fast, = top.plot([], [], ":", color=PALETTE[1], linewidth=1.5, label="95% interval of growth")
    compute_slow, = top.plot([], [], ":", color=PALETTE[1], linewidth=1.5)
    log_axis(top, "y")
    top.set_ylabel("training compute (FLOP)")
    top.legend(loc="upper left", fontsize=9)
    hw_points, = bottom.plot([], [], "s", color=PALETTE[2], label="GPU at launch price")
    hw_fit, = bottom.plot([], [], "-", color=PALETTE[3], label="fit over the window")
    hw_ahead, = bottom.plot([], [], "--", color=PALETTE[3], label="extrapolation")
    log_axis(bottom, "y")
    bottom.set_ylabel("peak FLOP/s per dollar")
    bottom.set_xlabel("year")
    bottom.legend(loc="upper left", fontsize=9)
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))

    def draw(v):
        lo, hi = v["window"]
        compute = compute_all if v["estimates"] else compute_disclosed
        cfit = _fit(compute, lo, hi, "training compute")
        hw = hardware[v["precision"]]
        hfit = _fit(hw, lo, hi, f"GPU {v['precision']} FLOP/s per dollar")
        horizon = v["horizon"]
        x_fit = np.array([cfit.start, cfit.end])
        x_ahead = np.array([cfit.end, horizon + 0.99])
        compute_fit.set_data(x_fit, cfit.predict(x_fit))
        compute_ahead.set_data(x_ahead, cfit.predict(x_ahead))
        for line, values in zip((compute_fast, compute_slow), cfit.predict_interval(x_ahead)):
            line.set_data(x_ahead, values)
        hw_points.set_data(hw.years, hw.values)
        hx_fit = np.array([hfit.start, hfit.end])
        hw_fit.set_data(hx_fit, hfit.predict(hx_fit))
        hw_ahead.set_data(x_ahead, hfit.predict(x_ahead))
        top.set_xlim(first - 1, horizon + 1.5)
        tops = np.concatenate([compute_all.values, cfit.predict(x_ahead), compute_fast.get_ydata()])
        top.set_ylim(compute_all.values.min() / 10, tops.max() * 10)
        lows = np.concatenate([hw.values, hfit.predict(np.concatenate([hx_fit, x_ahead]))])
        bottom.set_ylim(lows.min() / 3, lows.max() * 3)
        gap = R.required_spending_growth(cfit.growth_per_year, hfit.growth_per_year)
        years_ahead = horizon + 0.99 - cfit.end
        at_horizon = cfit.predict(horizon + 0.99)
        c_lo, c_hi = cfit.growth_interval
        return (f"Training compute {lo}–{hi} ({cfit.n} models): <b>×{cfit.growth_per_year:.2f} per year</b> "
                f"(95% interval ×{c_lo:.2f} to ×{c_hi:.2f}), doubling {doubling_text(cfit)}.<br>"
                f"GPU {v['precision']} FLOP/s per dollar ({hfit.n} GPUs): "
                f"<b>×{hfit.growth_per_year:.2f} per year</b>, "
                f"doubling {doubling_text(hfit, 'years')}.<br>"
                f"The gap, ×{gap:.2f} per year, is what more money and better utilization had to pay for. "
                f"Extrapolated to {horizon}: {at_horizon:.2g} FLOP, and the gap compounds to "
                f"×{gap ** years_ahead:.3g} more spending than at the end of the window "
                f"(an assumption, not a forecast).")

    return Explorer("research.trends", controls, fig, draw,
                    artists={"compute_fit": compute_fit, "compute_ahead": compute_ahead, "fast": compute_fast,
                             "slow": compute_slow, "hw_points": hw_points, "hw_fit": hw_fit, "hw_ahead": hw_ahead})


# ---- 2. cost calculator --------------------------------------------------------------------------------------

COST_YEARS = np.arange(2018, 2036)
BILLION = 1e9


@register("research.cost")
def cost_explorer(compute: str = "1e27", year: int = 2027) -> Explorer:
    """Cost of a training run of a chosen size in a chosen year, with every assumption a control; the frontier
    trend (fit of notable models since 2018) is priced the same way for comparison."""
    a = R.default_cost_assumptions()
    controls = {
        "compute": W.Text(compute, description="training FLOP"),
        "year": W.IntSlider(year, min=int(COST_YEARS[0]), max=int(COST_YEARS[-1]), description="year of run"),
        "growth": W.FloatSlider(a["price_performance_growth"], min=1.0, max=2.0, step=0.02,
                                description="FLOP/$ ×/year", readout_format=".2f"),
        "utilization": W.FloatSlider(a["utilization"], min=0.05, max=0.8, step=0.005, description="utilization",
                                     readout_format=".3f"),
        "price": W.Text(f"{a['usd_per_hour']:g}", description="$ per GPU-hour"),
    }
    parsers = {"compute": lambda t: parse_number(t, "training FLOP", minimum=1e15, maximum=1e35),
               "price": lambda t: parse_number(t, "price per GPU-hour", minimum=0.01, maximum=1000)}
    compute_series = R.training_compute(True)
    frontier = T.fit_exponential(compute_series.years, compute_series.values, 2018, compute_series.years.max())
    recent = compute_series.years >= 2018
    fig, ax = new_figure(figsize=(10, 4.8))
    target_line, = ax.plot([], [], "-", color=PALETTE[0], label="your run, bought in each year")
    frontier_line, = ax.plot([], [], "--", color=PALETTE[3], label="frontier trend (fit 2018 on), same prices")
    models = ax.scatter(compute_series.years[recent], np.ones(recent.sum()), s=30, color=PALETTE[2], zorder=4,
                        label="notable models, same prices")
    marker, = ax.plot([], [], "D", color=PALETTE[0], markersize=10)
    ax.axhline(BILLION, color=PALETTE[7], linewidth=1, linestyle=":", label="one billion dollars")
    log_axis(ax, "y")
    ax.set_xlim(COST_YEARS[0] - 0.5, COST_YEARS[-1] + 0.5)
    ax.set_xlabel("year")
    ax.set_ylabel("cost of the final run (US$)")
    ax.legend(loc="upper left", fontsize=9)

    def draw(v):
        per_usd0 = R.flop_per_usd(a["peak_flops"], v["utilization"], v["price"])

        def cost(flop, when):
            return R.training_cost(flop, when, a["reference_year"], per_usd0, v["growth"]).cost_usd

        chosen = R.training_cost(v["compute"], v["year"], a["reference_year"], per_usd0, v["growth"])
        target_line.set_data(COST_YEARS, [cost(v["compute"], y) for y in COST_YEARS])
        frontier_costs = [cost(min(frontier.predict(y), 1e40), y) for y in COST_YEARS]
        frontier_line.set_data(COST_YEARS, frontier_costs)
        model_costs = [cost(c, y) for c, y in zip(compute_series.values[recent], compute_series.years[recent])]
        models.set_offsets(np.column_stack([compute_series.years[recent], model_costs]))
        marker.set_data([v["year"]], [chosen.cost_usd])
        shown = np.concatenate([target_line.get_ydata(), frontier_costs, model_costs, [BILLION]])
        ax.set_ylim(shown.min() / 5, shown.max() * 5)
        gpu_hours = v["compute"] / (a["peak_flops"] * v["utilization"] * 3600)
        return (f"{v['compute']:.3g} FLOP in {v['year']}: <b>${chosen.cost_usd:,.3g}</b> "
                f"({chosen.flop_per_usd:.3g} FLOP per dollar). At today's H100 speed that is {gpu_hours:.3g} "
                f"GPU-hours, {gpu_hours / 16384 / 24:.3g} days on 16,384 GPUs.<br>"
                f"Assumptions: H100 SXM dense fp16 peak {a['peak_flops']:.3g} FLOP/s at utilization "
                f"{v['utilization']:.3f}, ${v['price']:g} per GPU-hour in {a['reference_year']:.1f}, FLOP per "
                f"dollar ×{v['growth']:.2f} per year before and after. Rental prices of the final run only: no "
                f"experiments, staff or data.")

    return Explorer("research.cost", controls, fig, draw, parsers=parsers,
                    artists={"target": target_line, "frontier": frontier_line, "models": models, "marker": marker})


# ---- 3. quantization -----------------------------------------------------------------------------------------

METHOD_LABELS = {"absmax": "absmax, one scale per tensor", "absmax-row": "absmax, one scale per row",
                 "blockwise": "absmax, one scale per block", "normal-float": "NormalFloat levels, per block"}
WEIGHT_SHAPE = (256, 256)
ACTIVATION_ROWS = 32
ERROR_BINS = np.linspace(-1, 1, 41)  # error in units of the weights' standard deviation
CURVE_BITS = np.arange(2, 9)


@cache
def _layer(distribution: str) -> tuple[np.ndarray, np.ndarray]:
    """Seeded weights [out, in] and activations [batch, in] for one synthetic layer."""
    weights = Q.sample_weights(WEIGHT_SHAPE, distribution, seed=0)
    activations = np.random.default_rng(1).normal(size=(ACTIVATION_ROWS, WEIGHT_SHAPE[1]))
    return weights, activations


def scheme(bits: int, method: str, block_size: int) -> tuple[int, str, int | None]:
    """(bits, method, block size) as ``helpers.quantize`` takes them: 16 bits means plain fp16, and the block
    size is passed only to block-wise methods."""
    if bits == 16:
        return 16, "fp16", None
    return bits, method, block_size if method in Q.BLOCK_METHODS else None


@cache
def _matmul_curve(method: str, block_size: int | None, distribution: str) -> np.ndarray:
    weights, activations = _layer(distribution)
    return np.array([Q.matmul_error(activations, weights, int(b), method, block_size) for b in CURVE_BITS])


def _memory_block(method: str, block_size: int | None) -> int | None:
    """Per-tensor and per-row scales are negligible for a whole model; block scales are not."""
    return block_size if method in Q.BLOCK_METHODS else None


@register("research.quantization")
def quantization_explorer(bits: int = 4, method: str = "normal-float", block_size: int = 64,
                          distribution: str = "normal") -> Explorer:
    """Quantize a synthetic weight matrix: error histogram, matrix-multiply error against bits, and the memory of a
    whole model at that precision (weights only)."""
    controls = {
        "bits": W.Dropdown(options=[16, 8, 4, 3], value=bits, description="bits"),
        "method": W.Dropdown(options=[(label, key) for key, label in METHOD_LABELS.items()], value=method,
                             description="scheme"),
        "block_size": W.Dropdown(options=[16, 32, 64, 128, 256, 1024], value=block_size, description="block size"),
        "distribution": W.ToggleButtons(options=list(Q.DISTRIBUTIONS), value=distribution, description="weights"),
        "params": W.Text("65", description="model, billion params"),
    }
    parsers = {"params": lambda t: parse_number(t, "model size (billion parameters)", minimum=0.001,
                                                maximum=100_000)}
    fig, (hist_ax, curve_ax, mem_ax) = new_figure(1, 3, figsize=(12, 4.2), width_ratios=[1.3, 1.1, 0.8])
    centers = (ERROR_BINS[:-1] + ERROR_BINS[1:]) / 2
    bars = hist_ax.bar(centers, np.zeros(centers.size), width=np.diff(ERROR_BINS) * 0.9, color=PALETTE[0])
    hist_ax.set_xlabel("error ÷ weights' std. dev.")
    hist_ax.set_ylabel("share of weights")
    hist_ax.set_title("rounding errors", fontsize=12)
    curve, = curve_ax.plot(CURVE_BITS, np.ones(CURVE_BITS.size), "o-", color=PALETTE[1], label="this scheme")
    chosen_point, = curve_ax.plot([], [], "D", color=PALETTE[3], markersize=10, label="chosen bits")
    fp16_line = curve_ax.axhline(1e-4, color=PALETTE[7], linestyle=":", linewidth=1.5, label="fp16")
    log_axis(curve_ax, "y", si_labels=False)
    curve_ax.set_xlabel("bits per weight")
    curve_ax.set_ylabel("relative matmul error")
    curve_ax.set_title("A·Wᵀ with quantized W", fontsize=12)
    curve_ax.legend(loc="upper right", fontsize=9)
    memory_bars = mem_ax.bar(["fp32", "fp16", "chosen"], [1.0, 1.0, 1.0],
                             color=[PALETTE[5], PALETTE[5], PALETTE[3]])
    mem_ax.set_ylabel("weights (GB)")
    mem_ax.set_title("whole model", fontsize=12)

    def draw(v):
        b, m, bs = scheme(v["bits"], v["method"], v["block_size"])
        weights, activations = _layer(v["distribution"])
        result = Q.quantization_error(weights, b, m, bs)
        scaled = np.clip(result.errors / weights.std(), ERROR_BINS[0], ERROR_BINS[-1])
        shares = np.histogram(scaled, ERROR_BINS)[0] / scaled.size
        for bar, h in zip(bars, shares):
            bar.set_height(h)
        hist_ax.set_ylim(0, max(shares.max(), 1e-3) * 1.1)
        matmul = Q.matmul_error(activations, weights, b, m, bs)
        fp16 = Q.matmul_error(activations, weights, 16, "fp16")
        # the curve belongs to the chosen scheme, also when 16 bits (plain fp16) is selected
        _, curve_method, curve_block = scheme(8, v["method"], v["block_size"])
        errors = _matmul_curve(curve_method, curve_block, v["distribution"])
        curve.set_ydata(errors)
        fp16_line.set_ydata([fp16, fp16])
        chosen_point.set_data([min(b, CURVE_BITS[-1])], [matmul])
        chosen_point.set_visible(m != "fp16")  # 16 bits is the dotted fp16 line
        curve_ax.set_ylim(min(errors.min(), fp16, matmul) / 3, max(errors.max(), matmul) * 3)
        curve_ax.set_xlim(CURVE_BITS[0] - 0.5, CURVE_BITS[-1] + 0.5)
        n = v["params"] * 1e9
        memory = [Q.memory_bytes(n, 32) / 1e9, Q.memory_bytes(n, 16) / 1e9,
                  Q.memory_bytes(n, b, _memory_block(m, bs)) / 1e9]
        for bar, gb in zip(memory_bars, memory):
            bar.set_height(gb)
        mem_ax.set_ylim(0, memory[0] * 1.1)
        label = "fp16 (no quantization)" if m == "fp16" else f"{b}-bit {METHOD_LABELS[m]}"
        block_note = (f" of {bs}" if m in Q.BLOCK_METHODS else
                      " (block size applies only to block-wise schemes)" if m != "fp16" else "")
        edge = np.mean(np.abs(result.errors / weights.std()) >= ERROR_BINS[-1])
        edge_note = (f" {edge:.1%} of the errors fall beyond ±1 std. dev. (collected in the edge bins)."
                     if edge else "")
        return (f"{label}{block_note}: rounding error {result.relative_rmse:.2%} of the weights' RMS, "
                f"matrix-multiply error <b>{matmul:.2%}</b> (fp16: {fp16:.3%}).{edge_note}<br>"
                f"A {v['params']:g}B-parameter model: <b>{memory[2]:,.1f} GB</b> of weights instead of "
                f"{memory[1]:,.1f} GB in fp16 ({1 - memory[2] / memory[1]:.0%} saved, block scales included).")

    return Explorer("research.quantization", controls, fig, draw, parsers=parsers,
                    artists={"bars": bars, "curve": curve, "chosen": chosen_point, "fp16": fp16_line,
                             "memory": memory_bars})
