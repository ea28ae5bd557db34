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
    log_axis(top, "y", si_labels=False)
    top.set_ylabel("training compute (FLOP)")
    top.legend(loc="upper left", fontsize=9)
    hw_points, = bottom.plot([], [], "s", color=PALETTE[2], label="GPU at launch price")
    hw_fit, = bottom.plot([], [], "-", color=PALETTE[3], label="fit over the window")
    hw_ahead, = bottom.plot([], [], "--", color=PALETTE[3], label="extrapolation")
    log_axis(bottom, "y", si_labels=False)
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
        # same decades per inch on both panels (they have the same height), so slopes compare by eye
        decades = np.log10(tops.max() * 10) - np.log10(compute_all.values.min() / 10)
        middle = (np.log10(lows.min()) + np.log10(lows.max())) / 2
        bottom.set_ylim(10 ** (middle - decades / 2), 10 ** (middle + decades / 2))
        gap = R.required_spending_growth(cfit.growth_per_year, hfit.growth_per_year)
        years_ahead = horizon + 0.99 - cfit.end
        at_horizon = cfit.predict(horizon + 0.99)
        c_lo, c_hi = cfit.growth_interval
        first_card = hw.years.min()
        late = (f" <b>No GPU has a {v['precision']} figure before {int(first_card)}:</b> this fit starts there, "
                f"not in {lo}." if first_card > lo + 0.99 else "")
        return (f"Training compute {lo}–{hi} ({cfit.n} models): <b>×{cfit.growth_per_year:.2f} per year</b> "
                f"(95% interval ×{c_lo:.2f} to ×{c_hi:.2f}), doubling {doubling_text(cfit)}.<br>"
                f"GPU {v['precision']} FLOP/s per dollar ({hfit.n} GPUs): "
                f"<b>×{hfit.growth_per_year:.2f} per year</b>, "
                f"doubling {doubling_text(hfit, 'years')}.{late}<br>"
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
    trend (the largest run of the table grown at Epoch's 4-5x a year) is priced the same way for comparison."""
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
    central = R.claim("epoch_frontier_central")
    recent = compute_series.years >= 2018
    frontier_flop = [min(R.frontier_compute(y, central.value), 1e40) for y in COST_YEARS]
    frontier_flop_high = [min(R.frontier_compute(y, central.high), 1e40) for y in COST_YEARS]
    fig, ax = new_figure(figsize=(10, 4.8))
    target_line, = ax.plot([], [], "-", color=PALETTE[0], label="your run, bought in each year")
    frontier_line, = ax.plot([], [], "--", color=PALETTE[3],
                             label=f"frontier run at Epoch's ×{central.value:g}/year, same prices")
    frontier_high, = ax.plot([], [], ":", color=PALETTE[3], linewidth=1.5,
                             label=f"at ×{central.high:g}/year (top of Epoch's range)")
    models = ax.scatter(compute_series.years[recent], np.ones(recent.sum()), s=30, color=PALETTE[2], zorder=4,
                        label="notable models, same prices")
    marker, = ax.plot([], [], "D", color=PALETTE[0], markersize=10)
    ax.axhline(BILLION, color=PALETTE[7], linewidth=1, linestyle=":", label="one billion dollars")
    log_axis(ax, "y", si_labels=False)
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
        frontier_costs = [cost(c, y) for c, y in zip(frontier_flop, COST_YEARS)]
        frontier_line.set_data(COST_YEARS, frontier_costs)
        high_costs = [cost(c, y) for c, y in zip(frontier_flop_high, COST_YEARS)]
        frontier_high.set_data(COST_YEARS, high_costs)
        model_costs = [cost(c, y) for c, y in zip(compute_series.values[recent], compute_series.years[recent])]
        models.set_offsets(np.column_stack([compute_series.years[recent], model_costs]))
        marker.set_data([v["year"]], [chosen.cost_usd])
        shown = np.concatenate([target_line.get_ydata(), frontier_costs, high_costs, model_costs, [BILLION]])
        ax.set_ylim(shown.min() / 5, shown.max() * 5)
        gpu_hours = v["compute"] / (a["peak_flops"] * v["utilization"] * 3600)
        return (f"{v['compute']:.3g} FLOP in {v['year']}: <b>${chosen.cost_usd:,.3g}</b> "
                f"({chosen.flop_per_usd:.3g} FLOP per dollar). At today's H100 speed that is {gpu_hours:.3g} "
                f"GPU-hours, {gpu_hours / 16384 / 24:.3g} days on 16,384 GPUs.<br>"
                f"Assumptions: H100 SXM dense fp16 peak {a['peak_flops']:.3g} FLOP/s at utilization "
                f"{v['utilization']:.3f}, ${v['price']:g} per GPU-hour in {a['reference_year']:.1f}, FLOP per "
                f"dollar ×{v['growth']:.2f} per year before and after. Rental prices of the final run only: no "
                f"experiments, staff or data. The frontier lines continue the largest run of the table.")

    return Explorer("research.cost", controls, fig, draw, parsers=parsers,
                    artists={"target": target_line, "frontier": frontier_line, "frontier_high": frontier_high,
                             "models": models, "marker": marker})


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


# ---- 4. researchers: the full NeurIPS record, the window as a control -----------------------------------------

HARDWARE_SERIES = {"GeForce and Radeon cards (consumer), fp32 per launch dollar": "consumer",
                   "every card with a list price (adds Titan, Quadro, early Tesla)": "all"}


def researcher_verdict(low: float, high: float) -> str:
    """Words for a per-researcher growth interval: below 1, above 1, or indistinguishable from flat."""
    if high < 1:
        return "less compute each year: the 2017 worry"
    if low > 1:
        return "more compute each year"
    return "indistinguishable from flat: the interval includes ×1"


@register("research.researchers")
def researchers_explorer(start: int = 2016, end: int = 2025) -> Explorer:
    """NeurIPS submissions (a proxy for researchers) and GPU FLOP per dollar, both fitted over the same window, and
    what their ratio means for compute per researcher of a group whose budget stays fixed."""
    subs = R.neurips_submissions()
    first, last = int(subs.years.min()), int(subs.years.max())
    controls = {
        "window": W.IntRangeSlider(value=(start, end), min=first, max=last, description="fit years",
                                   continuous_update=False),
        "hardware": W.Dropdown(options=list(HARDWARE_SERIES), value=list(HARDWARE_SERIES)[0],
                               description="hardware"),
    }
    fig, (left, right) = new_figure(1, 2, figsize=(11, 4.2))
    left.plot(subs.years, subs.values, "o", color=PALETTE[0], label="NeurIPS submissions")
    fit_line, = left.plot([], [], "-", color=PALETTE[1], label="fit over the window")
    rest_line, = left.plot([], [], ":", color=PALETTE[1], linewidth=1.5, label="the fit outside the window")
    log_axis(left, "y")
    left.set_xlabel("year")
    left.set_ylabel("papers submitted")
    left.legend(loc="upper left", fontsize=9)
    left.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    t = np.linspace(0, 10, 21)
    hw_path, = right.plot(t, np.ones_like(t), "-", color=PALETTE[2], label="hardware ÷ submissions, same window")
    fast_path, = right.plot(t, np.ones_like(t), ":", color=PALETTE[2], linewidth=1.5,
                            label="range from both 95% intervals")
    slow_path, = right.plot(t, np.ones_like(t), ":", color=PALETTE[2], linewidth=1.5)
    right.axhline(1.0, color=PALETTE[7], linestyle=":", linewidth=1)
    log_axis(right, "y")
    right.set_xlabel("years from the start")
    right.set_ylabel("compute per researcher, fixed budget (start = 1)")
    right.legend(loc="upper left", fontsize=9)

    def draw(v):
        lo, hi = v["window"]
        segment = HARDWARE_SERIES[v["hardware"]]
        try:
            fit = R.researcher_growth(lo, hi)
        except ValueError as err:
            raise ValueError(f"NeurIPS submissions: {err}") from None
        both = R.per_researcher_window(lo, hi, None if segment == "all" else segment)
        x_in = np.array([fit.start, min(fit.end, subs.years.max())])
        fit_line.set_data(x_in, fit.predict(x_in))
        x_all = np.array([subs.years.min(), subs.years.max()])
        rest_line.set_data(x_all, fit.predict(x_all))
        per = both.growth_per_year
        p_lo, p_hi = both.growth_interval
        curves = [per**t, p_lo**t, p_hi**t]
        for line, y in zip((hw_path, slow_path, fast_path), curves):
            line.set_ydata(y)
        shown = np.concatenate(curves + [[1.0]])
        right.set_ylim(shown.min() / 2, shown.max() * 2)
        g_lo, g_hi = fit.growth_interval
        h = both.hardware
        h_lo, h_hi = h.growth_interval
        return (f"NeurIPS submissions {lo}–{hi} ({fit.n} years): <b>×{fit.growth_per_year:.2f} per year</b> "
                f"(95% interval ×{g_lo:.2f} to ×{g_hi:.2f}).<br>"
                f"GPU fp32 FLOP per dollar, same years ({h.n} cards): ×{h.growth_per_year:.2f} per year "
                f"(×{h_lo:.2f} to ×{h_hi:.2f}). With a fixed budget each researcher gets <b>×{per:.2f} per year</b> "
                f"(range ×{p_lo:.2f} to ×{p_hi:.2f}): {researcher_verdict(p_lo, p_hi)}.")

    return Explorer("research.researchers", controls, fig, draw,
                    artists={"fit": fit_line, "rest": rest_line, "hardware": hw_path, "fast": fast_path,
                             "slow": slow_path})


# ---- 5. sparsity: mixture of experts, compute per token against memory -----------------------------------------

NODE_GPUS = 8


@register("research.sparsity")
def sparsity_explorer(total_b: float = 671.0, active_b: float = 37.0, bits: int = 8) -> Explorer:
    """A mixture-of-experts model as a point of (weight memory, training FLOP per token) among dense models: compute
    follows the active parameters, memory the total. The vertical line is one 8-GPU H100 node's memory."""
    from .. import gpus as G

    controls = {
        "total": W.FloatLogSlider(total_b, base=10, min=0, max=3.5, step=0.05, description="total params (B)",
                                  continuous_update=False),
        "active": W.FloatLogSlider(active_b, base=10, min=-0.5, max=3.5, step=0.05,
                                   description="active params (B)", continuous_update=False),
        "bits": W.Dropdown(options=[16, 8, 4], value=bits, description="bits per weight"),
    }
    node_gb = NODE_GPUS * G.gpu("H100 SXM").memory_gb
    s = R.training_compute()
    dense = [(name, p) for name, p in zip(s.labels, R.model_parameters(s.labels)) if p and name != "DeepSeek-V3"]
    fig, ax = new_figure(figsize=(10, 4.8))
    dense_points = ax.scatter(np.ones(len(dense)), np.ones(len(dense)), s=30, color=PALETTE[2], zorder=3,
                              label="dense models of the table (same bits)")
    dense_line, = ax.plot([], [], "-", color=PALETTE[2], linewidth=1, label="any dense model")
    deepseek, = ax.plot([], [], "s", color=PALETTE[5], markersize=9, label="DeepSeek-V3 (671B, 37B active)")
    chosen, = ax.plot([], [], "D", color=PALETTE[3], markersize=11, label="your model")
    twin, = ax.plot([], [], "o", mfc="none", color=PALETTE[3], markersize=11,
                    label="dense model with your total parameters")
    ax.axvline(node_gb, color=PALETTE[7], linestyle=":", linewidth=1.5,
               label=f"one node: {NODE_GPUS} × H100 ({node_gb:g} GB)")
    log_axis(ax, "both")
    ax.set_xlabel("weights in memory (GB)")
    ax.set_ylabel("training FLOP per token")
    ax.legend(loc="upper left", fontsize=9)
    sizes = np.array([p for _, p in dense])
    ds_total, ds_active = R.fact("deepseek_v3_total_params"), R.fact("deepseek_v3_active_params")

    def draw(v):
        b = v["bits"]
        cost = R.moe_cost(v["total"] * 1e9, v["active"] * 1e9, b)
        same_total = R.moe_cost(v["total"] * 1e9, v["total"] * 1e9, b)
        dense_points.set_offsets(np.column_stack([sizes * b / 8 / 1e9, 6 * sizes]))
        line_n = np.array([1e8, 1e13])
        dense_line.set_data(line_n * b / 8 / 1e9, 6 * line_n)
        ds = R.moe_cost(ds_total, ds_active, b)
        deepseek.set_data([ds.weight_bytes / 1e9], [ds.train_flop_per_token])
        chosen.set_data([cost.weight_bytes / 1e9], [cost.train_flop_per_token])
        twin.set_data([same_total.weight_bytes / 1e9], [same_total.train_flop_per_token])
        ax.set_xlim(0.05 * b / 8, 2e4 * b / 8)
        ax.set_ylim(3e8, 1e14)
        gb = cost.weight_bytes / 1e9
        gpus = int(np.ceil(gb / G.gpu("H100 SXM").memory_gb))
        fits = "fits on one 8-GPU node" if gb <= node_gb else "does <b>not</b> fit on one 8-GPU node"
        return (f"{v['total']:.3g}B parameters, {v['active']:.3g}B active ({cost.active_fraction:.1%}) at {b} bits: "
                f"<b>{gb:,.0f} GB</b> of weights ({gpus} H100s for the weights alone; {fits}) and "
                f"<b>{cost.train_flop_per_token:.3g} FLOP per token</b>, {cost.flop_saving:.3g}× less than a dense "
                f"model with the same weights.<br>A dense model with the same FLOP per token would have "
                f"{v['active']:.3g}B parameters and need {cost.active_params * b / 8 / 1e9:,.0f} GB: sparsity "
                f"trades memory for compute.")

    return Explorer("research.sparsity", controls, fig, draw,
                    artists={"chosen": chosen, "twin": twin, "deepseek": deepseek, "dense": dense_points,
                             "dense_line": dense_line})


# ---- 6. an efficiency budget: which lever carried how much -----------------------------------------------------

LEVER_COLOURS = [PALETTE[2], PALETTE[4], PALETTE[7], PALETTE[1], PALETTE[5]]


BUDGET_POINTS = 41


def budget_paths(lo: int, hi: int, hardware: float, halving: float, moe_gain: float, researchers: float):
    """Years and compute per researcher (start = 1) of a group whose budget stays flat from ``lo``: physical
    (hardware × precision steps) and effective (× algorithms × MoE), both divided by researcher growth."""
    x = np.linspace(lo, hi, BUDGET_POINTS)
    physical, effective = [1.0], [1.0]
    for end in x[1:]:
        b = R.efficiency_budget(lo, end, 1.0, hardware, halving, moe_gain, spending_growth=1.0)
        physical.append(b["physical compute"])
        effective.append(b["effective compute"])
    heads = researchers ** (x - lo)
    return x, np.array(physical) / heads, np.array(effective) / heads


@register("research.budget")
def budget_explorer(start: int = 2017, end: int = 2025) -> Explorer:
    """Hardware × precision × spending = physical compute; × algorithms × sparsity = effective compute, as
    orders of magnitude over a window; and the compute per researcher of a group whose budget stays flat."""
    demand = R.claim_growth_per_year("epoch_frontier_central")
    hardware = R.datacentre_growth(False).growth_per_year
    halving = float(R.claim("algo_lm_halving").value)
    moe_default = R.fact("switch_xxl_speedup")
    moe_bound = R.fact("deepseek_v3_total_params") / R.fact("deepseek_v3_active_params")
    researchers = R.researcher_growth().growth_per_year
    controls = {
        "window": W.IntRangeSlider(value=(start, end), min=2012, max=2030, description="years",
                                   continuous_update=False),
        "halving": W.FloatSlider(halving, min=4, max=36, step=1, description="algorithms: halving (months)",
                                 continuous_update=False),
        "moe": W.FloatSlider(moe_default, min=1, max=round(moe_bound, 1), step=0.5,
                             description="MoE gain (× compute)", continuous_update=False),
        "stagnation": W.Checkbox(False, description="stagnation: budgets stop growing"),
    }
    names = list(R.BUDGET_LEVERS) + ["physical compute", "effective compute"]
    fig, (bars_ax, path_ax) = new_figure(1, 2, figsize=(12, 4.6), width_ratios=[1.25, 1])
    ypos = np.arange(len(names))[::-1]
    colours = LEVER_COLOURS + [PALETTE[0], PALETTE[3]]
    bars = bars_ax.barh(ypos, np.ones(len(names)), color=colours, height=0.7)
    labels = [bars_ax.text(0, y, "", va="center", fontsize=9) for y in ypos]
    bars_ax.set_yticks(ypos, names)
    bars_ax.axvline(0, color=PALETTE[7], linewidth=1)
    bars_ax.set_xlabel("orders of magnitude over the window (10ⁿ)")
    x0 = np.linspace(0, 1, BUDGET_POINTS)
    physical_line, = path_ax.plot(x0, np.ones_like(x0), "-", color=PALETTE[2],
                                  label="physical FLOP (hardware × precision)")
    effective_line, = path_ax.plot(x0, np.ones_like(x0), "-.", color=PALETTE[1],
                                   label="effective FLOP (× algorithms × MoE)")
    path_ax.axhline(1.0, color=PALETTE[7], linestyle=":", linewidth=1)
    log_axis(path_ax, "y")
    path_ax.set_xlabel("year")
    path_ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    path_ax.set_ylabel("per researcher, flat budget (start = 1)")
    path_ax.legend(loc="upper left", fontsize=9)

    def draw(v):
        lo, hi = v["window"]
        if hi - lo < 1:
            raise ValueError("the window must span at least one year")
        budget = R.efficiency_budget(lo, hi, demand, hardware, v["halving"], v["moe"],
                                     spending_growth=1.0 if v["stagnation"] else None)
        widths = np.log10([budget[n] for n in names])
        for bar, label, w, n in zip(bars, labels, widths, names):
            bar.set_width(w)
            label.set_x(max(w, 0) + 0.05)
            label.set_text(f"×{budget[n]:.3g}")
        bars_ax.set_xlim(min(widths.min(), 0) - 0.2, max(widths.max(), 1.0) * 1.3 + 0.5)
        x, physical, effective = budget_paths(lo, hi, hardware, v["halving"], v["moe"], researchers)
        physical_line.set_data(x, physical)
        effective_line.set_data(x, effective)
        shown = np.concatenate([physical, effective, [1.0]])
        path_ax.set_xlim(lo, hi)
        path_ax.set_ylim(shown.min() / 3, shown.max() * 3)
        physical_levers = {n: budget[n] for n in R.BUDGET_LEVERS[:3]}
        fast, slow = (2 ** (12 * (hi - lo) / m) for m in
                      (R.claim("algo_lm_halving").low, R.claim("algo_lm_halving").high))
        algorithms = budget["algorithms"]
        winner = "physical compute" if budget["physical compute"] > algorithms else "algorithms"
        mode = ("budgets frozen (the stagnation scenario)" if v["stagnation"] else
                f"spending is what the ×{demand:g}/year frontier trend leaves over")
        return (f"{lo}–{hi}, {mode}: physical compute <b>×{budget['physical compute']:.3g}</b> "
                f"(largest physical lever: {max(physical_levers, key=physical_levers.get)}), effective compute "
                f"×{budget['effective compute']:.3g}.<br>"
                f"Algorithms ×{algorithms:.3g} (Ho et al.'s 5–14-month interval: ×{slow:.3g} to ×{fast:.3g}) "
                f"against physical compute ×{budget['physical compute']:.3g}: <b>{winner}</b> contributed more. "
                f"Precision step {R.training_precision(lo)} → {R.training_precision(hi)}: "
                f"×{budget['lower precision']:.3g}; MoE counted: ×{budget['sparsity (MoE)']:.3g}.<br>"
                f"A group with a flat budget (submissions ×{researchers:.2f}/year): compute per researcher "
                f"×{physical[-1]:.3g} physical, ×{effective[-1]:.3g} effective by {hi}.")

    return Explorer("research.budget", controls, fig, draw,
                    artists={"bars": bars, "labels": labels, "physical": physical_line,
                             "effective": effective_line})
