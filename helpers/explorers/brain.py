"""Explorers for notebook 02 (the brain vs deep learning): wiring only; formulas live in helpers.brain/trends."""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from .. import brain as B
from .. import trends as T
from ..plotting import PALETTE, log_axis, new_figure
from ..widgets import Explorer, parse_number, register

SLIDER_RANGES = {  # (min exponent, max exponent) of the log sliders
    "neurons": (9, 12),
    "synapses_per_neuron": (1, 5),
    "rate_hz": (-2, 3),
    "ops_per_event": (-1, 5),
}
LABELS = {"neurons": "neurons", "synapses_per_neuron": "synapses/neuron", "rate_hz": "rate (Hz)",
          "ops_per_event": "FLOP/event"}


def _log_slider(name: str, value: float) -> W.FloatLogSlider:
    lo, hi = SLIDER_RANGES[name]
    return W.FloatLogSlider(value, base=10, min=lo, max=hi, step=0.05, description=LABELS[name],
                            readout_format=".2g", continuous_update=True)


def _estimate_axes(ax) -> None:
    """Published estimates as labelled markers with their ranges, on a log FLOP/s axis (drawn once)."""
    rows = B.published_estimates()
    for i, row in enumerate(rows):
        color = PALETTE[i % 6]
        if row.flops_low is not None:
            ax.plot([row.flops_low, row.flops_high], [i, i], "-", color=color, linewidth=6, alpha=0.35)
        ax.plot(row.flops, i, "o", color=color)
    ax.set_yticks(range(len(rows)), [r.label for r in rows], fontsize=10)
    ax.set_ylim(-0.8, len(rows) - 0.2)
    log_axis(ax, "x")
    ax.set_xlim(1e11, 1e26)
    ax.set_xlabel("FLOP/s")


def estimate_flops(key: str) -> float:
    """Central FLOP/s of one published estimate in ``brain_estimates.csv``."""
    return {r.key: r for r in B.published_estimates()}[key].flops


def latest_rank1() -> tuple[float, str]:
    """FLOP/s and label of the newest #1 supercomputer in ``top500.csv``."""
    dates, rmax = B.top500_series("rank1_rmax_tflops", months=(6, 11))
    return rmax[-1] * 1e12, f"#1 supercomputer, {dates[-1]:.1f}"


@register("brain.chain")
def chain_explorer(preset: str = "synapse_counting") -> Explorer:
    """Four log sliders (neurons, synapses, rate, FLOP per event) and an extra factor; the estimate is drawn
    against published estimates and today's fastest supercomputer."""
    central = {k: f.value for k, f in B.assumption_set(preset).items()}
    controls = {
        "preset": W.Dropdown(options=B.assumption_sets(), value=preset, description="start from"),
        **{name: _log_slider(name, central[name]) for name in B.FACTORS},
        "extra": W.Text("1", description="extra factor ×"),
    }
    parsers = {"extra": lambda t: parse_number(t, "extra factor", minimum=1e-6, maximum=1e6)}
    fig, ax = new_figure(figsize=(10, 4.6))
    _estimate_axes(ax)
    hardware, label = latest_rank1()
    ax.axvline(hardware, color=PALETTE[7], linestyle="--", linewidth=1.5, label=label)
    estimate = ax.axvline(1e15, color=PALETTE[3], linewidth=3, label="your chain")
    ax.legend(loc="lower right", fontsize=10)
    ax.set_title("FLOP/s estimates for a human brain")

    def apply_preset(change):
        values = {k: f.value for k, f in B.assumption_set(change["new"]).items()}
        for name in B.FACTORS:
            controls[name].value = values[name]

    controls["preset"].observe(apply_preset, "value")

    def draw(v):
        flops = B.brain_flops({k: v[k] for k in B.FACTORS}) * v["extra"]
        estimate.set_xdata([flops, flops])
        ratio = flops / hardware
        compare = (f"{ratio:.3g}× the fastest supercomputer" if ratio >= 1 else
                   f"{1 / ratio:.3g}× below the fastest supercomputer")
        return f"Your chain: <b>{flops:.3g} FLOP/s</b>, {compare} ({hardware:.3g} FLOP/s on HPL)."

    return Explorer("brain.chain", controls, fig, draw, parsers=parsers, artists={"estimate": estimate})


def hpcg_share() -> float:
    """El Capitan's HPCG result as a share of its HPL result on the same (latest) list."""
    return B.fact("el_capitan_hpcg_pflops") * 1e15 / (B.latest_point()[1] * 1e12)


def _top500_fit_inputs():
    years, rank1 = B.top500_series("rank1_rmax_tflops")
    return years, rank1 * 1e12


@register("brain.top500")
def top500_explorer(start: int = 1993, end: int = 2025, target: str | None = None) -> Explorer:
    """TOP500 #1, #500 and sum on a log axis; fit a window of #1 and extrapolate to a target FLOP/s
    (default: the 2015 article's estimate)."""
    if target is None:
        target = f"{estimate_flops('dettmers2015'):g}"
    years, rank1 = _top500_fit_inputs()
    first, last = int(years.min()), int(years.max())
    controls = {
        "window": W.IntRangeSlider(value=(max(start, first), min(end, last)), min=first, max=last,
                                   description="fit years", continuous_update=False),
        "target": W.Text(target, description="target FLOP/s"),
        "efficiency": W.FloatLogSlider(1.0, base=10, min=-3, max=0, step=0.05, description="practical share",
                                       readout_format=".2g"),
        "ai_clusters": W.Checkbox(False, description="AI clusters (16-bit peak)"),
    }
    parsers = {"target": lambda t: parse_number(t, "target FLOP/s", minimum=1e9, maximum=1e40)}
    latest_year, latest_value = B.latest_point()
    latest_value *= 1e12
    clusters = B.ai_cluster_flops()
    fig, ax = new_figure(figsize=(10, 4.8))
    series = (("rank1_rmax_tflops", "#1", PALETTE[0]), ("rank500_rmax_tflops", "#500", PALETTE[2]),
              ("sum_rmax_tflops", "sum of 500", PALETTE[4]))
    for column, name, color in series:
        x, y = B.top500_series(column)
        ax.plot(x, y * 1e12, "o", markersize=4, color=color, label=name)
    fit_line, = ax.plot([], [], "-", color=PALETTE[1], label="fit of #1 (window)")
    fast_line, = ax.plot([], [], ":", color=PALETTE[1], linewidth=1.5, label="95% interval of growth")
    slow_line, = ax.plot([], [], ":", color=PALETTE[1], linewidth=1.5)
    data_line, = ax.plot([], [], "-.", color=PALETTE[5], linewidth=2, label="same growth from the latest list")
    cluster_points = ax.scatter([c[1] for c in clusters], [c[2] for c in clusters], marker="D", color=PALETTE[6],
                                label="AI clusters, 16-bit peak", zorder=3)
    cluster_points.set_visible(False)
    target_line = ax.axhline(1e21, color=PALETTE[3], linestyle="--", label="target ÷ practical share")
    log_axis(ax, "y")
    ax.set_xlabel("year of the list")
    ax.set_ylabel("FLOP/s (HPL Rmax)")
    ax.legend(loc="upper left", fontsize=10, ncols=2)

    def draw(v):
        lo, hi = v["window"]
        fit = T.fit_exponential(years, rank1, lo, hi + 0.99)  # whole years: every list of year `hi`
        needed = v["target"] / v["efficiency"]
        reach = T.year_reached(needed, fit)
        from_data = B.year_reached_from(needed, fit, latest_value, latest_year)
        early, late = T.year_reached_interval(needed, fit)
        horizon = min(max(reach if np.isfinite(reach) else last + 30, from_data if np.isfinite(from_data) else 0,
                          last + 5), last + 150)
        x = np.array([lo, horizon])
        fit_line.set_data(x, fit.predict(x))
        x_future = np.array([fit.end, horizon])
        for line, values in zip((fast_line, slow_line), fit.predict_interval(x_future)):
            line.set_data(x_future, values)
        target_line.set_ydata([needed, needed])
        x_data = np.array([latest_year, horizon])
        data_line.set_data(x_data, latest_value * 10 ** (fit.slope * (x_data - latest_year)))
        cluster_points.set_visible(bool(v["ai_clusters"]))
        ax.set_xlim(first - 2, horizon + 2)
        ax.set_ylim(1e8, max(needed, rank1.max()) * 100)
        g_lo, g_hi = fit.growth_interval
        late_text = f"{late:.0f}" if np.isfinite(late) else "never (the slow end does not grow)"
        when = (f"reached around <b>{reach:.0f}</b> (95% interval {early:.0f} to {late_text})"
                if np.isfinite(reach) else "never reached: the fitted trend does not grow")
        data_when = (f"from the latest list ({latest_value:.3g} FLOP/s in {latest_year:.1f}) at the same growth: "
                     f"<b>{from_data:.0f}</b>" if np.isfinite(from_data) else "from the latest list: never")
        return (f"Fit {lo}–{hi} ({fit.n} lists): ×{fit.growth_per_year:.2f} per year "
                f"(interval ×{g_lo:.2f} to ×{g_hi:.2f}), doubling every {fit.doubling_years:.2f} years. "
                f"Target {needed:.3g} FLOP/s: fitted line {when}; {data_when}.")

    return Explorer("brain.top500", controls, fig, draw, parsers=parsers,
                    artists={"fit": fit_line, "fast": fast_line, "slow": slow_line, "target": target_line,
                             "from_data": data_line, "clusters": cluster_points})


YEAR_BINS = np.arange(1990, 2201, 5)


GROWTH_MODES = {"both TOP500 eras (HPL)": "eras", "fit window (HPL)": "window", "HPCG pace": "hpcg"}
ARTICLE_PRESET = "dettmers2015 (article's ranges)"


def hpcg_pace_slope() -> float:
    """log10 growth per year of the #1 on HPCG, from Tianhe-2's measurement to El Capitan's."""
    pace = B.years_per_doubling(B.fact("dettmers_practical_2013_flops"), B.fact("tianhe2_hpcg_year"),
                                B.fact("el_capitan_hpcg_pflops") * 1e15, B.latest_point()[0])
    return float(np.log10(2) / pace)


@register("brain.monte_carlo")
def monte_carlo_explorer(preset: str = ARTICLE_PRESET, samples: int = 20_000) -> Explorer:
    """Histogram of the year the #1 supercomputer trend reaches a brain estimate sampled from a set's ranges
    (or from the article's own stated ranges), with the growth rate drawn from both TOP500 eras, one fit window
    (its interval widened for autocorrelation) or the measured HPCG pace."""
    years, rank1 = _top500_fit_inputs()
    first, last = int(years.min()), int(years.max())
    controls = {
        "preset": W.Dropdown(options=[ARTICLE_PRESET, *B.assumption_sets()], value=preset, description="ranges of"),
        "growth": W.Dropdown(options=list(GROWTH_MODES), value="both TOP500 eras (HPL)", description="growth"),
        "window": W.IntRangeSlider(value=(first, last), min=first, max=last, description="fit years",
                                   continuous_update=False),
        "samples": W.IntSlider(samples, min=1000, max=100_000, step=1000, description="samples",
                               continuous_update=False),
        "seed": W.IntText(0, description="seed"),
        "share": W.FloatLogSlider(hpcg_share(), base=10, min=-3, max=0, step=0.05, description="practical share",
                                  readout_format=".2g", continuous_update=False),
    }
    parsers = {"seed": lambda s: int(parse_number(s, "seed", minimum=0, maximum=2**32 - 1, integer=True))}
    latest_year, latest_value = B.latest_point()
    latest_value *= 1e12
    eras = B.top500_eras()
    hpcg_slope = hpcg_pace_slope()
    fig, ax = new_figure(figsize=(9, 4))
    centers = (YEAR_BINS[:-1] + YEAR_BINS[1:]) / 2
    bars = ax.bar(centers, np.zeros(len(centers)), width=np.diff(YEAR_BINS) * 0.9, color=PALETTE[0])
    median_line = ax.axvline(2050, color=PALETTE[3], linestyle="--", label="median")
    ax.set_xlabel("year the #1 supercomputer trend reaches the sampled estimate")
    ax.set_ylabel("share of samples")
    ax.legend(loc="upper right")

    def draw(v):
        lo, hi = v["window"]
        fit = T.fit_exponential(years, rank1, lo, hi + 0.99)
        if v["preset"] == ARTICLE_PRESET:
            flops = B.dettmers2015_samples(v["samples"], v["seed"])
        else:
            ranges = {k: (f.low, f.high) for k, f in B.assumption_set(v["preset"]).items()}
            flops, _ = B.monte_carlo_crossing(ranges, fit, v["samples"], v["seed"])
        mode = GROWTH_MODES[v["growth"]]
        if mode == "eras":
            growth = eras
        elif mode == "window":
            growth = [(fit.slope, B.inflated_slope_stderr(fit, B.residual_autocorrelation(fit, years, rank1)))]
        else:
            growth = [(hpcg_slope, 0.0)]
        practical = latest_value * v["share"]
        reach = B.monte_carlo_years(flops, growth, practical, latest_year, v["seed"])
        shares = np.histogram(np.clip(reach, YEAR_BINS[0], YEAR_BINS[-1] - 1e-9), YEAR_BINS)[0] / reach.size
        for bar, h in zip(bars, shares):
            bar.set_height(h)
        ax.set_ylim(0, max(shares.max(), 1e-3) * 1.15)
        median = float(np.median(reach))
        median_line.set_xdata([min(median, YEAR_BINS[-1])] * 2)
        p10, p90 = np.percentile(reach, [10, 90])
        already = np.mean(reach <= latest_year)
        rates = " or ".join(f"×{10 ** s:.2f}" for s, _ in growth)
        return (f"Median {median:.0f}; 80% of samples between {p10:.0f} and {p90:.0f}; "
                f"{already:.0%} already below the latest #1 at this practical share ({practical:.3g} FLOP/s, "
                f"{latest_year:.1f}). Growth per year {rates}; trends start from that list, not from the fitted "
                f"line. Edge bins collect everything before {YEAR_BINS[0]} and after {YEAR_BINS[-1]}.")

    return Explorer("brain.monte_carlo", controls, fig, draw, parsers=parsers,
                    artists={"bars": bars, "median": median_line})


@register("brain.efficiency")
def efficiency_explorer(estimate: str = "carlsmith2020", precision: str = "fp16") -> Explorer:
    """FLOP/s per watt: the #1 supercomputers and GPUs over time against a brain estimate at its power."""
    from .. import gpus as G

    estimates = {r.key: r for r in B.published_estimates()}
    controls = {
        "estimate": W.Dropdown(options=[(r.label, k) for k, r in estimates.items()], value=estimate,
                               description="brain"),
        "brain_watts": W.Text(f"{B.fact('brain_power_w'):g}", description="brain watts"),
        "precision": W.ToggleButtons(options=["fp16", "fp32"], value=precision, description="GPU figure"),
    }
    parsers = {"brain_watts": lambda t: parse_number(t, "brain watts", minimum=0.1, maximum=1e4)}
    fig, ax = new_figure(figsize=(9.5, 4.8))
    dates, rmax = B.top500_series("rank1_rmax_tflops", months=(6, 11))
    _, power = B.top500_series("rank1_power_kw", months=(6, 11))
    power_dates = B.top500_series("rank1_power_kw", months=(6, 11))[0]
    rmax_at = dict(zip(dates, rmax))
    super_eff = np.array([rmax_at[d] * 1e12 / (p * 1e3) for d, p in zip(power_dates, power)])
    ax.plot(power_dates, super_eff, "o-", color=PALETTE[0], label="#1 supercomputer (HPL Rmax / power)")
    gpu_points, = ax.plot([], [], "s", color=PALETTE[1], label="GPUs (peak / board power)")
    brain_line = ax.axhline(1e13, color=PALETTE[3], linestyle="--", linewidth=2.5, label="brain estimate / power")
    log_axis(ax, "y")
    ax.set_xlabel("year")
    ax.set_ylabel("FLOP/s per watt")
    ax.legend(loc="upper left", fontsize=10)

    def draw(v):
        gpus = [g for g in G.all_gpus() if g.tdp_w is not None and _has_precision(g, v["precision"])]
        ax.set_title(f"energy efficiency (GPUs at {v['precision']} peak)")
        gpu_points.set_data([g.year for g in gpus], [g.peak_flops(v["precision"]) / g.tdp_w for g in gpus])
        row = estimates[v["estimate"]]
        brain = B.flops_per_watt(row.flops, v["brain_watts"])
        brain_line.set_ydata([brain, brain])
        best = max(gpus, key=lambda g: g.peak_flops(v["precision"]) / g.tdp_w)
        best_eff = best.peak_flops(v["precision"]) / best.tdp_w
        ax.set_ylim(min(super_eff.min(), brain) / 10, max(best_eff, brain) * 10)
        ratio = brain / best_eff
        verdict = (f"{ratio:.3g}× more efficient than" if ratio >= 1 else f"{1 / ratio:.3g}× less efficient than")
        return (f"{html.escape(row.label)} at {v['brain_watts']:g} W: <b>{brain:.3g} FLOP/s per W</b>, "
                f"{verdict} the best GPU here ({html.escape(best.name)}, {best_eff:.3g} at peak).")

    return Explorer("brain.efficiency", controls, fig, draw, parsers=parsers,
                    artists={"gpus": gpu_points, "brain": brain_line})


def _has_precision(g, precision: str) -> bool:
    try:
        g.peak_flops(precision)
    except ValueError:
        return False
    return True


STAGE_LABELS = {"synaptic_release": "release\n(dense)", "dendritic_convolution": "dendrites\n(conv)",
                "dendritic_spikes": "spikes\n(max-pool)", "summation": "sum\n(ReLU)", "soma_filter": "soma\n(1×1×T)",
                "firing_dropout": "firing\n(dropout)", "normalisation": "potential\n(batch norm)"}
FLOOR = 0.3  # bar height that stands for "switched off" on the log axis


@register("brain.neuron")
def neuron_explorer(cell: str = "purkinje") -> Explorer:
    """The article's model of a neuron as a small conv net: switch its stages on and off, change the time window,
    and see the operations per cell and the whole-brain estimate change."""
    controls = {
        "cell": W.ToggleButtons(options=["granule", "purkinje"], value=cell, description="cell"),
        "time_steps": W.IntSlider(5, min=1, max=12, description="time steps"),
        **{k: W.Checkbox(True, description=STAGE_LABELS[k].replace("\n", " ")) for k in B.PIPELINE_STAGES},
    }
    fig, ax = new_figure(figsize=(10, 4.4))
    x = np.arange(len(B.PIPELINE_STAGES))
    bars = ax.bar(x, np.ones(len(x)), color=[PALETTE[1] if k == "dendritic_convolution" else PALETTE[0]
                                             for k in B.PIPELINE_STAGES])
    ax.set_xticks(x, [STAGE_LABELS[k] for k in B.PIPELINE_STAGES], fontsize=9)
    log_axis(ax, "y")
    ax.set_ylim(FLOOR / 2, 1e13)
    ax.set_ylabel("operations per cell per window")
    tops, = ax.plot(x, np.ones(len(x)), "o", color=PALETTE[3], markersize=6)
    total_text = ax.text(0.98, 0.95, "", transform=ax.transAxes, ha="right", va="top", fontsize=11)
    ax.set_title("the article's model: one neuron as a small conv net")

    def draw(v):
        stages = {k: bool(v[k]) for k in B.PIPELINE_STAGES}
        result = B.dettmers2015_pipeline(stages, v["time_steps"])
        costs = result[v["cell"]]
        heights = [max(costs[k], FLOOR) for k in B.PIPELINE_STAGES]
        for bar, h in zip(bars, heights):
            bar.set_height(h)
        tops.set_ydata(heights)
        total_text.set_text(f"whole brain: {result['total']:.3g} FLOP/s")
        cell_total = sum(costs.values())
        conv_share = costs["dendritic_convolution"] / cell_total if cell_total else 0.0
        return (f"{v['cell'].capitalize()} cell: <b>{cell_total:.3g}</b> operations per window, "
                f"{conv_share:.2%} of them in the dendritic convolution. Whole brain (86 billion neurons costed "
                f"as the mean of a granule and a Purkinje cell, one window per second): <b>{result['total']:.3g} "
                f"FLOP/s</b>; the article counts only the convolution ({B.dettmers2015_chain()['total']:.4g}).")

    return Explorer("brain.neuron", controls, fig, draw, artists={"bars": bars, "tops": tops, "total": total_text})
