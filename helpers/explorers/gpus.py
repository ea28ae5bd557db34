"""Explorers for notebook 03 (which GPU): wiring only; formulas live in helpers.gpus."""

from __future__ import annotations

import html
from functools import cache

import ipywidgets as W
import numpy as np

from .. import gpus as G
from ..machine import measure_copy_bandwidth_gbs, measure_matmul_gflops
from ..plotting import PALETTE, log_axis, new_figure
from ..widgets import Explorer, parse_number, register

DEFAULT_GPUS = ("GeForce RTX 4090", "H100 SXM", "Instinct MI300X")
INTENSITY = np.logspace(-1, 4, 200)


def typical_ops(dtype: str = "fp16") -> dict[str, tuple[float, float]]:
    """(FLOPs, bytes) of the operations marked on the roofline."""
    return {
        "add two vectors": G.elementwise_add_cost(1e8, dtype),
        "LLM decode, 7B, batch 1": G.llm_decode_cost(7e9, 1, dtype),
        "LLM decode, 7B, batch 64": G.llm_decode_cost(7e9, 64, dtype),
        "3x3 conv, 64 ch, 56x56, batch 32": G.conv2d_cost(32, 64, 64, 3, 56, dtype),
        "matmul 4096³": G.matmul_cost(4096, 4096, 4096, dtype),
    }


@cache
def _measured_cpu(n: int = 256) -> tuple[float, float]:
    """This machine's measured (FLOP/s, bytes/s): a float32 matmul and a memory copy."""
    return measure_matmul_gflops(n, "float32") * 1e9, measure_copy_bandwidth_gbs(16) * 1e9


@register("gpus.roofline")
def roofline_explorer(names: tuple[str, ...] = DEFAULT_GPUS, precision: str = "fp16") -> Explorer:
    """Rooflines of chosen GPUs with typical operations marked; this machine's CPU for scale."""
    options = [g.name for g in G.all_gpus()]
    controls = {
        "gpus": W.SelectMultiple(options=options, value=tuple(names), rows=6, description="GPUs"),
        "precision": W.ToggleButtons(options=["fp16", "fp32"], value=precision, description="precision"),
        "batch": W.IntSlider(1, min=1, max=512, description="LLM batch"),
    }
    fig, ax = new_figure(figsize=(10, 5))
    lines = [ax.plot([], [], "-", color=PALETTE[i], linewidth=2.5)[0] for i in range(6)]
    cpu_flops, cpu_bw = _measured_cpu()
    cpu_line, = ax.plot(INTENSITY, np.minimum(cpu_flops, INTENSITY * cpu_bw), "-", color=PALETTE[7],
                        linewidth=1.5, label="this machine's CPU (measured, fp32)")
    op_names = list(typical_ops())
    markers = ax.scatter(np.ones(len(op_names)), np.ones(len(op_names)), marker="D", s=50, zorder=5,
                         color="black")
    labels = [ax.annotate(n, (1, 1), textcoords="offset points", xytext=(-20, -16 if i % 2 else 8), fontsize=9,
                          ha="right" if i == len(op_names) - 1 else "left")
              for i, n in enumerate(op_names)]
    log_axis(ax)
    ax.set_xlim(INTENSITY[0], INTENSITY[-1])
    ax.set_xlabel("arithmetic intensity (FLOP per byte moved)")
    ax.set_ylabel("attainable FLOP/s")

    def draw(v):
        chosen = [G.gpu(n) for n in v["gpus"]]
        if not chosen:
            raise ValueError("choose at least one GPU (ctrl- or cmd-click to select several)")
        if len(chosen) > len(lines):
            raise ValueError(f"choose at most {len(lines)} GPUs at once")
        for i, line in enumerate(lines):
            if i < len(chosen):
                line.set_data(INTENSITY, G.roofline(chosen[i], INTENSITY, v["precision"]))
                line.set_label(chosen[i].name)
                line.set_visible(True)
            else:
                line.set_data([], [])
                line.set_label("_hidden")
                line.set_visible(False)
        ops = typical_ops()
        ops["LLM decode, 7B, batch 1"] = G.llm_decode_cost(7e9, v["batch"])
        reference = chosen[0]
        xs = np.array([G.intensity(c) for c in ops.values()])
        ys = G.roofline(reference, xs, v["precision"])
        markers.set_offsets(np.column_stack([xs, ys]))
        for label, x, y, name in zip(labels, xs, ys, ops):
            label.xy = (x, y)
            label.set_text(name.replace("batch 1", f"batch {v['batch']}"))
        ax.set_ylim(cpu_flops / 20, max(g.peak_flops(v["precision"]) for g in chosen) * 3)
        ax.legend(handles=[*lines[: len(chosen)], cpu_line], loc="lower right", fontsize=9)
        ridge = G.ridge_point(reference, v["precision"])
        decode = G.intensity(ops["LLM decode, 7B, batch 1"])
        bound = "memory-bound" if decode < ridge else "compute-bound"
        return (f"{html.escape(reference.name)}: ridge point {ridge:.0f} FLOP/byte. Markers sit on its roof. "
                f"LLM decode at batch {v['batch']} has intensity {decode:.0f}: {bound}.")

    return Explorer("gpus.roofline", controls, fig, draw, artists={"lines": lines, "markers": markers})


@register("gpus.value")
def value_explorer(metric: str = "fp16 TFLOPS") -> Explorer:
    """Performance per dollar against performance per watt for GPUs with a list price, filtered by budget."""
    years = [g.year for g in G.all_gpus()]
    controls = {
        "metric": W.Dropdown(options=list(G.METRICS), value=metric, description="metric"),
        "budget": W.Text("2000", description="max price $"),
        "years": W.IntRangeSlider(value=(2016, max(years)), min=min(years), max=max(years), description="years"),
    }
    parsers = {"budget": lambda t: parse_number(t, "max price", minimum=1, maximum=1e7)}
    fig, ax = new_figure(figsize=(9.5, 5))
    points = ax.scatter([], [], s=60, color=PALETTE[0])
    names = [ax.annotate("", (0, 0), textcoords="offset points", xytext=(5, 3), fontsize=9) for _ in range(60)]
    ax.set_xlabel("per watt of board power")
    ax.set_ylabel("per launch dollar")

    def draw(v):
        lo, hi = v["years"]
        chosen = [g for g in G.all_gpus() if g.price_usd is not None and g.price_usd <= v["budget"]
                  and g.tdp_w is not None and lo <= g.year <= hi and _has(g, v["metric"])]
        if not chosen:
            raise ValueError(f"no GPU with a list price up to ${v['budget']:,.0f} in {lo}-{hi}; raise the budget")
        xs = np.array([G.perf_per_watt(g, v["metric"]) for g in chosen])
        ys = np.array([G.perf_per_dollar(g, v["metric"]) for g in chosen])
        points.set_offsets(np.column_stack([xs, ys]))
        for i, label in enumerate(names):
            if i < len(chosen):
                label.xy = (xs[i], ys[i])
                label.set_text(f"{chosen[i].name.replace('GeForce ', '')} ({chosen[i].year})")
            else:
                label.set_text("")
        ax.set_xlim(0, xs.max() * 1.3)
        ax.set_ylim(0, ys.max() * 1.2)
        ax.set_title(f"{v['metric']}: per dollar vs per watt")
        best = chosen[int(np.argmax(ys))]
        return (f"{len(chosen)} GPUs. Best {v['metric']} per launch dollar: <b>{html.escape(best.name)}</b>. "
                "Launch prices only: street and used prices differ, often a lot.")

    return Explorer("gpus.value", controls, fig, draw, parsers=parsers, artists={"points": points})


def _has(g: G.GPU, metric: str) -> bool:
    try:
        G.metric_value(g, metric)
    except ValueError:
        return False
    return True


FIT_GPUS = ("GeForce RTX 3060 12GB", "GeForce RTX 4090", "GeForce RTX 5090", "A100 80GB SXM", "H100 SXM",
            "H200 SXM", "Instinct MI300X", "B200 (HGX)")


@register("gpus.fit")
def fit_explorer(params_billion: str = "7") -> Explorer:
    """Memory a model needs (training or inference at a precision) against the memory of common GPUs."""
    controls = {
        "params": W.Text(params_billion, description="params (B)"),
        "mode": W.Dropdown(options=["inference", *G.TRAINING_BYTES_PER_PARAM], value="inference",
                           description="mode"),
        "dtype": W.ToggleButtons(options=["fp16", "fp8", "int4"], value="fp16", description="weights"),
        "activations": W.FloatSlider(0, min=0, max=200, step=1, description="activations GB"),
    }
    parsers = {"params": lambda t: parse_number(t, "parameters (billions)", minimum=0.001, maximum=100_000)}
    fig, ax = new_figure(figsize=(9.5, 4.5))
    gpus = [G.gpu(n) for n in FIT_GPUS]
    y = np.arange(len(gpus))
    ax.barh(y, [g.memory_gb for g in gpus], color=PALETTE[5], label="GPU memory")
    need = ax.axvline(0, color=PALETTE[3], linewidth=3, label="memory needed")
    ax.set_yticks(y, [g.name for g in gpus], fontsize=10)
    ax.set_xlabel("GB")
    ax.legend(loc="lower right")

    def draw(v):
        params = v["params"] * 1e9
        if v["mode"] == "inference":
            gb = G.inference_memory_gb(params, v["dtype"]) + v["activations"]
            what = f"inference with {v['dtype']} weights (+20% for KV cache and buffers)"
        else:
            gb = G.training_memory_gb(params, v["mode"], v["activations"])
            what = f"training with {v['mode']}"
        need.set_xdata([gb, gb])
        ax.set_xlim(0, max(gb, max(g.memory_gb for g in gpus)) * 1.1)
        counts = ", ".join(f"{g.name.replace('GeForce ', '')} ×{G.gpus_needed(g, gb)}" for g in gpus)
        return f"{v['params']:g} B parameters, {what}: <b>{gb:,.1f} GB</b>. Cards needed: {counts}."

    return Explorer("gpus.fit", controls, fig, draw, parsers=parsers, artists={"need": need})


@register("gpus.recommend")
def recommend_explorer() -> Explorer:
    """Budget, memory and workload in; ranked GPUs out, each with the reason."""
    controls = {
        "budget": W.Text("3000", description="budget $"),
        "memory": W.Text("24", description="memory GB"),
        "workload": W.Dropdown(options=list(G.WORKLOADS), description="workload"),
        "max_gpus": W.IntSlider(4, min=1, max=8, description="max cards"),
    }
    parsers = {"budget": lambda t: parse_number(t, "budget", minimum=1, maximum=1e8),
               "memory": lambda t: parse_number(t, "memory", minimum=0.1, maximum=1e5)}
    fig, ax = new_figure(figsize=(9.5, 4))
    bars = ax.barh(np.arange(5), np.zeros(5), color=PALETTE[2])
    ax.invert_yaxis()

    def draw(v):
        ranked = G.recommend(v["budget"], v["memory"], v["workload"], v["max_gpus"])[:5]
        if not ranked:
            raise ValueError("no GPU set within the budget holds that much memory; raise the budget or max cards")
        metric = G.WORKLOADS[v["workload"]]
        for i, bar in enumerate(bars):
            bar.set_width(ranked[i].score if i < len(ranked) else 0)
        ax.set_yticks(np.arange(5), [f"{r.count}× {r.gpu.name.replace('GeForce ', '')}" for r in ranked]
                      + [""] * (5 - len(ranked)), fontsize=10)
        ax.set_xlim(0, ranked[0].score * 1.15)
        ax.set_xlabel(f"total {metric}")
        items = "".join(f"<li><b>{html.escape(r.gpu.name)}</b>: {html.escape(r.reason)}</li>" for r in ranked)
        return f"<ol>{items}</ol>"

    return Explorer("gpus.recommend", controls, fig, draw, parsers=parsers, artists={"bars": bars})
