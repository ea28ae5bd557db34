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

DEFAULT_GPUS = ("GeForce RTX 4090", "GeForce RTX 5090", "H100 SXM", "Instinct MI300X")
INTENSITY = np.logspace(-1, 4, 200)
CPU_GREY = "#8c8c8c"


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
        "precision": W.ToggleButtons(options=list(G.PRECISIONS), value=precision, description="precision"),
        "batch": W.IntSlider(1, min=1, max=512, description="LLM batch"),
    }
    fig, ax = new_figure(figsize=(10, 5))
    lines = [ax.plot([], [], "-", color=PALETTE[i], linewidth=2.5)[0] for i in range(6)]
    cpu_flops, cpu_bw = _measured_cpu()
    cpu_line, = ax.plot(INTENSITY, np.minimum(cpu_flops, INTENSITY * cpu_bw), "-", color=CPU_GREY,
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
        selected = [G.gpu(n) for n in v["gpus"]]
        if not selected:
            raise ValueError("choose at least one GPU (ctrl- or cmd-click to select several)")
        if len(selected) > len(lines):
            raise ValueError(f"choose at most {len(lines)} GPUs at once")
        chosen = [g for g in selected if _has_precision(g, v["precision"])]
        missing = [g.name for g in selected if g not in chosen]
        if not chosen:
            raise ValueError(f"no published {v['precision']} figure for any chosen GPU "
                             f"({', '.join(missing)}); add a newer card or choose another precision")
        for i, line in enumerate(lines):
            if i < len(chosen):
                line.set_data(INTENSITY, G.roofline(chosen[i], INTENSITY, v["precision"]))
                line.set_label(chosen[i].name)
                line.set_visible(True)
            else:
                line.set_data([], [])
                line.set_label("_hidden")
                line.set_visible(False)
        ops = typical_ops(v["precision"])  # operands stored in the chosen precision: its bytes per value
        ops["LLM decode, 7B, batch 1"] = G.llm_decode_cost(7e9, v["batch"], v["precision"])
        reference = chosen[0]
        xs = np.array([G.intensity(c) for c in ops.values()])
        ys = G.roofline(reference, xs, v["precision"])
        markers.set_offsets(np.column_stack([xs, ys]))
        for label, x, y, name in zip(labels, xs, ys, ops):
            label.xy = (x, y)
            label.set_text(name.replace("batch 1", f"batch {v['batch']} (slider)"))
        ax.set_ylim(cpu_flops / 20, max(g.peak_flops(v["precision"]) for g in chosen) * 3)
        ax.legend(handles=[*lines[: len(chosen)], cpu_line], loc="lower right", fontsize=9)
        ridge = G.ridge_point(reference, v["precision"])
        decode = G.intensity(ops["LLM decode, 7B, batch 1"])
        bound = "memory-bound" if decode < ridge else "compute-bound"
        skipped = (f" Not drawn, no {v['precision']} roof: {html.escape(', '.join(missing))}." if missing else "")
        return (f"{html.escape(reference.name)}, {v['precision']}: ridge point {ridge:.0f} FLOP/byte. "
                f"Markers sit on its roof, with operands of {G.BYTES_PER_VALUE[v['precision']]:g} bytes. "
                f"LLM decode at batch {v['batch']} has intensity {decode:.0f}: {bound}.{skipped}")

    return Explorer("gpus.roofline", controls, fig, draw, artists={"lines": lines, "markers": markers, "cpu": cpu_line})


def _has_precision(g: G.GPU, precision: str) -> bool:
    try:
        g.peak_flops(precision)
    except ValueError:
        return False
    return True


PRICE_BASES = ("offer: street, used or current list price", "launch price (history)")


def _priced(basis: str) -> list[tuple[G.GPU, float, str]]:
    """(GPU, price, where the price comes from) for every card with a price on ``basis``."""
    out = []
    for g in G.all_gpus():
        if basis == PRICE_BASES[0]:
            offer = G.offer_price(g)
            if offer is not None:
                out.append((g, *offer))
        elif g.price_usd is not None:
            row = G.card_facts(g)
            status = f", {row.status}" if row is not None and row.status == "discontinued" else ""
            out.append((g, g.price_usd, f"launch {g.year}{status}"))
    return out


@register("gpus.value")
def value_explorer(metric: str = "bandwidth GB/s") -> Explorer:
    """Performance per dollar (optionally with 5 years of electricity) against performance per watt."""
    years = [g.year for g in G.all_gpus()]
    controls = {
        "metric": W.Dropdown(options=list(G.METRICS), value=metric, description="metric"),
        "basis": W.Dropdown(options=PRICE_BASES, value=PRICE_BASES[0], description="price"),
        "electricity": W.Checkbox(False, description="add 5 years of electricity (15 % busy, US average tariff)"),
        "budget": W.Text("3000", description="max price $"),
        "years": W.IntRangeSlider(value=(2016, max(years)), min=min(years), max=max(years), description="years"),
    }
    parsers = {"budget": lambda t: parse_number(t, "max price", minimum=1, maximum=1e7)}
    fig, ax = new_figure(figsize=(9.5, 5))
    points = ax.scatter([], [], s=60, color=PALETTE[0], label="no software caveat")
    flagged = ax.scatter([], [], s=90, marker="X", color=PALETTE[3], label="software caveat (see info)")
    names = [ax.annotate("", (0, 0), textcoords="offset points", xytext=(5, 3), fontsize=9) for _ in range(60)]
    ax.set_xlabel("per watt of board power")
    ax.legend(loc="upper left", fontsize=9)

    def draw(v):
        lo, hi = v["years"]
        chosen = [(g, p, src) for g, p, src in _priced(v["basis"]) if p <= v["budget"] and g.tdp_w is not None
                  and lo <= g.year <= hi and _has(g, v["metric"])]
        if not chosen:
            raise ValueError(f"no GPU priced up to ${v['budget']:,.0f} in {lo}-{hi}; raise the budget")
        xs = np.array([G.perf_per_watt(g, v["metric"]) for g, _, _ in chosen])
        if v["electricity"]:
            ys = np.array([G.perf_per_total_dollar(g, v["metric"], p) for g, p, _ in chosen])
        else:
            ys = np.array([G.perf_per_dollar(g, v["metric"], p) for g, p, _ in chosen])
        caveat = np.array([bool(G.software_caveat(g)) for g, _, _ in chosen])
        points.set_offsets(np.column_stack([xs[~caveat], ys[~caveat]]) if (~caveat).any() else np.empty((0, 2)))
        flagged.set_offsets(np.column_stack([xs[caveat], ys[caveat]]) if caveat.any() else np.empty((0, 2)))
        for i, label in enumerate(names):
            if i < len(chosen):
                label.xy = (xs[i], ys[i])
                g_i, price_i, src_i = chosen[i]
                row = G.card_facts(g_i)
                status = ", discontinued" if row is not None and row.status == "discontinued" else ""
                used = (" used" if src_i.startswith("used") else
                        " MSRP, not an offer" if src_i.startswith("MSRP") else "")
                label.set_text(f"{g_i.name.replace('GeForce ', '')} (${price_i:,.0f}{used}{status})")
            else:
                label.set_text("")
        ax.set_xlim(0, xs.max() * 1.3)
        ax.set_ylim(0, ys.max() * 1.2)
        per = "per dollar of price + 5 years of electricity" if v["electricity"] else "per dollar of price"
        ax.set_ylabel(per)
        ax.set_title(f"{v['metric']}: {per} vs per watt")
        best = int(np.argmax(ys))
        g, price, src = chosen[best]
        note = (f" <b>Caveat:</b> {html.escape(G.software_caveat(g))}." if caveat[best] else "")
        clean = [i for i in np.argsort(-ys) if not caveat[i]]
        alt = (f" Best without a software caveat: <b>{html.escape(chosen[clean[0]][0].name)}</b>."
               if caveat[best] and clean else "")
        return (f"{len(chosen)} GPUs. Best {v['metric']} {per}: <b>{html.escape(g.name)}</b> at ${price:,.0f} "
                f"({html.escape(src)}).{note}{alt}")

    return Explorer("gpus.value", controls, fig, draw, parsers=parsers,
                    artists={"points": points, "flagged": flagged})


def _has(g: G.GPU, metric: str) -> bool:
    try:
        G.metric_value(g, metric)
    except ValueError:
        return False
    return True


FIT_GPUS = ("GeForce RTX 3060 12GB", "GeForce RTX 4090", "GeForce RTX 5090", "RTX 6000 Ada Generation", "A100 80GB SXM",
            "H100 SXM", "H200 SXM", "Instinct MI300X", "B200 (HGX)")


LORA = "LoRA (frozen weights)"


@register("gpus.fit")
def fit_explorer(params_billion: str = "7") -> Explorer:
    """Memory a model needs (training or inference at a precision) against the memory of common GPUs."""
    controls = {
        "params": W.Text(params_billion, description="params (B)"),
        "mode": W.Dropdown(options=["inference", LORA, *G.TRAINING_BYTES_PER_PARAM], value="inference",
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
        training = v["mode"] not in ("inference", LORA)
        controls["dtype"].disabled = training  # the optimizer mode fixes the bytes per parameter when training
        if v["mode"] == "inference":
            gb = G.inference_memory_gb(params, v["dtype"]) + v["activations"]
            what = f"inference with {v['dtype']} weights (+20% for KV cache and buffers)"
        elif v["mode"] == LORA:
            gb = G.lora_memory_gb(params, v["dtype"], 0.01, v["activations"])
            what = f"LoRA fine-tuning on frozen {v['dtype']} weights (adapters: 1% of the parameters, Adam)"
        else:
            gb = G.training_memory_gb(params, v["mode"], v["activations"])
            what = (f"training with {v['mode']} ({G.TRAINING_BYTES_PER_PARAM[v['mode']]} bytes per parameter; "
                    "the weights toggle is off: the mode sets every byte)")
        need.set_xdata([gb, gb])
        ax.set_xlim(0, max(gb, max(g.memory_gb for g in gpus)) * 1.1)
        counts = ", ".join(f"{g.name.replace('GeForce ', '')} ×{G.gpus_needed(g, gb)}" for g in gpus)
        return f"{v['params']:g} B parameters, {what}: <b>{gb:,.1f} GB</b>. Cards needed: {counts}."

    return Explorer("gpus.fit", controls, fig, draw, parsers=parsers, artists={"need": need})


@register("gpus.recommend")
def recommend_explorer() -> Explorer:
    """Budget, memory, workload and the limits of the box in; ranked setups out, each with how the work is split."""
    controls = {
        "budget": W.Text("3000", description="budget $"),
        "memory": W.Text("24", description="memory GB"),
        "workload": W.Dropdown(options=list(G.WORKLOADS), description="workload"),
        "max_gpus": W.IntSlider(4, min=1, max=8, description="max cards"),
        "psu": W.IntSlider(1600, min=600, max=3000, step=100, description="power supply W"),
        "prices": W.Text("", description="your prices", placeholder="e.g. 5090=2400, 3090=700"),
        "caveats": W.Checkbox(False, description="include cards with software caveats"),
    }
    parsers = {"budget": lambda t: parse_number(t, "budget", minimum=1, maximum=1e8),
               "memory": lambda t: parse_number(t, "memory", minimum=0.1, maximum=1e5),
               "prices": G.parse_price_overrides}
    fig, ax = new_figure(figsize=(9.5, 4))
    bars = ax.barh(np.arange(5), np.zeros(5), color=PALETTE[2])
    ax.invert_yaxis()

    def draw(v):
        ranked = G.recommend(v["budget"], v["memory"], v["workload"], v["max_gpus"], prices=v["prices"],
                             include_caveats=v["caveats"], psu_w=v["psu"])[:5]
        if not ranked:
            raise ValueError("no desktop setup within the budget, the power supply and 8 slots holds that much "
                             "memory; raise the budget or the power supply, or rent (notebook 04)")
        for i, bar in enumerate(bars):
            bar.set_width(ranked[i].score if i < len(ranked) else 0)
        ax.set_yticks(np.arange(5), [f"{r.count}× {r.gpu.name.replace('GeForce ', '')}" for r in ranked]
                      + [""] * (5 - len(ranked)), fontsize=10)
        ax.set_xlim(0, ranked[0].score * 1.15)
        ax.set_xlabel(G.SCORE_UNITS[v["workload"]])
        items = "".join(f"<li><b>{html.escape(r.gpu.name)}</b>: {html.escape(r.reason)}</li>" for r in ranked)
        return f"<ol>{items}</ol>"

    return Explorer("gpus.recommend", controls, fig, draw, parsers=parsers, artists={"bars": bars})


HIERARCHY_GPUS = ("GeForce RTX 3090", "GeForce RTX 4090", "GeForce RTX 5090", "A100 80GB SXM", "H100 SXM",
                  "B200 (HGX)")
GLOBAL_SOURCES = {"L2 cache hit (200 cycles, the article's example)": "l2", "DRAM (380 cycles)": "global"}
TILE_EDGES = np.array([8, 16, 32, 64, 128, 256, 512])


@register("gpus.hierarchy")
def hierarchy_explorer() -> Explorer:
    """Where the cycles of a tiled matrix multiply go (the article's 32x32 example), and how big tiles must be
    for memory bandwidth to keep the tensor cores busy."""
    controls = {
        "source": W.Dropdown(options=list(GLOBAL_SOURCES), description="global load from"),
        "gpu": W.Dropdown(options=HIERARCHY_GPUS, value="H100 SXM", description="GPU"),
        "dtype": W.ToggleButtons(options=["fp32", "fp16", "fp8"], value="fp16", description="precision"),
        "tile": W.SelectionSlider(options=[int(t) for t in TILE_EDGES], value=128, description="tile edge"),
        "shared_kb": W.IntSlider(int(G.max_shared_kb(G.gpu("H100 SXM"))), min=32, max=256, step=4,
                                 description="shared memory per SM (KB)"),
    }

    def follow_gpu(change):  # the slider starts from the chosen GPU's largest shared memory per SM
        controls["shared_kb"].value = int(G.max_shared_kb(G.gpu(change["new"])))

    controls["gpu"].observe(follow_gpu, names="value")
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(11, 4.2))
    rows = ["FFMA, no tensor cores", "tensor cores", "tensor cores + async copy"]
    parts = list(G.tile_matmul_cycles(True))
    segments = {p: ax1.barh(np.arange(3), np.zeros(3), left=np.zeros(3), color=PALETTE[i], label=p)
                for i, p in enumerate(parts)}
    totals = [ax1.annotate("", (0, i), textcoords="offset points", xytext=(4, -4), fontsize=9) for i in range(3)]
    ax1.set_yticks(np.arange(3), rows, fontsize=9)
    ax1.invert_yaxis()
    ax1.set_xlabel("cycles for one 32×32 tile (8 SMs)")
    ax1.legend(loc="lower right", fontsize=8)
    curve, = ax2.plot(TILE_EDGES, np.ones(len(TILE_EDGES)), "-o", color=PALETTE[0], label="FLOP per byte from memory")
    ridge = ax2.axhline(1, color=PALETTE[3], linestyle="--", label="needed to keep the GPU busy (ridge)")
    too_big = ax2.axvspan(TILE_EDGES[-1], TILE_EDGES[-1] * 1.5, color="0.85", label="does not fit in shared memory")
    chosen, = ax2.plot([128], [1], "D", color="black", markersize=8)
    log_axis(ax2)
    ax2.set_xlim(TILE_EDGES[0] / 1.3, TILE_EDGES[-1] * 1.3)
    ax2.set_xlabel("tile edge (values)")
    ax2.set_ylabel("arithmetic intensity (FLOP/byte)")
    ax2.legend(loc="upper left", fontsize=8)

    def draw(v):
        glob = G.hierarchy_latencies()[GLOBAL_SOURCES[v["source"]]]
        for i, (tc, overlap) in enumerate(((False, False), (True, False), (True, True))):
            cycles = G.tile_matmul_cycles(tc, overlap, glob)
            left = 0.0
            for p, bars in segments.items():
                bars[i].set_x(left)
                bars[i].set_width(cycles[p])
                left += cycles[p]
            totals[i].xy = (left, i)
            totals[i].set_text(f"{left:.0f}")
        ax1.set_xlim(0, sum(G.tile_matmul_cycles(False, False, glob).values()) * 1.2)
        g = G.gpu(v["gpu"])
        intensity = np.array([G.tile_intensity(int(t), v["dtype"]) for t in TILE_EDGES])
        curve.set_data(TILE_EDGES, intensity)
        need = G.ridge_point(g, v["dtype"])
        ridge.set_ydata([need, need])
        fits = G.max_tile(v["shared_kb"], v["dtype"])
        too_big.set_x(fits * 1.41)
        too_big.set_width(TILE_EDGES[-1] * 2)
        t = int(v["tile"])
        chosen.set_data([t], [G.tile_intensity(t, v["dtype"])])
        ax2.set_ylim(0.5, max(need, intensity.max()) * 2)
        bound = G.tensor_utilisation_bound(g, t, v["dtype"])
        fit_text = ("fits" if t <= fits else
                    f"does <b>not</b> fit ({G.tile_shared_kb(t, v['dtype']):,.0f} KB for two buffers)")
        tc = G.tile_matmul_cycles(True, False, glob)
        share = tc["global memory"] / sum(tc.values())
        return (f"With tensor cores, {share:.0%} of the example's cycles wait for the global load. "
                f"{t}×{t} {v['dtype']} tiles: {G.tile_intensity(t, v['dtype']):.0f} FLOP per byte from memory; "
                f"the {html.escape(g.name)} needs {need:.0f} to keep busy, so tiles fed only from memory cap it "
                f"at <b>{bound:.0%}</b> of peak. The tile {fit_text} in {v['shared_kb']} KB of shared memory "
                f"(largest that fits: {fits}).")

    return Explorer("gpus.hierarchy", controls, fig, draw,
                    artists={"segments": segments, "curve": curve, "ridge": ridge, "chosen": chosen,
                             "too_big": too_big})


def _short_workload(workload: str) -> str:
    """A point label: 'LLM 14B' for LLM decoding rows, else the model name ('Mask R-CNN', 'Transformer')."""
    words = workload.split()
    if words[0] == "LLM":
        return f"LLM {words[2]}"
    return workload.split(" training")[0].replace("12-layer ", "")


@register("gpus.predictor")
def predictor_explorer() -> Explorer:
    """Measured speed ratios between real cards against the ratio one spec predicts, with the error."""
    controls = {"basis": W.ToggleButtons(options=list(G.PREDICTORS), value="bandwidth", description="predict from")}
    checks = G.predictor_check()
    fig, ax = new_figure(figsize=(8, 4.5))
    diagonal, = ax.plot([1, 3], [1, 3], "--", color="0.5", label="prediction = measurement")
    points = ax.scatter([c["measured"] for c in checks], [c["predicted"] for c in checks], s=60, color=PALETTE[0],
                        zorder=5)
    labels = [ax.annotate(_short_workload(c["workload"]), (c["measured"], 1), textcoords="offset points",
                          xytext=(6, 6 if i % 2 else -12), fontsize=8) for i, c in enumerate(checks)]
    ax.set_xlim(1, 2)
    ax.set_xlabel("measured speed-up (published benchmark)")
    ax.set_ylabel("predicted speed-up")
    ax.legend(loc="upper left", fontsize=9)

    def draw(v):
        rows = G.predictor_check(v["basis"])
        ys = np.array([r["predicted"] for r in rows])
        xs = np.array([r["measured"] for r in rows])
        points.set_offsets(np.column_stack([xs, ys]))
        for label, x, y in zip(labels, xs, ys):
            label.xy = (x, y)
        top = max(xs.max(), ys.max()) * 1.1
        ax.set_ylim(0.9, top)
        ax.set_xlim(0.9, top)
        diagonal.set_data([0.9, top], [0.9, top])
        mean_abs = float(np.mean(np.abs([r["error_percent"] for r in rows])))
        return (f"Predicting from the {G.PREDICTORS[v['basis']]}: mean absolute error <b>{mean_abs:.0f} %</b> over "
                f"{len(rows)} measured pairs.")

    return Explorer("gpus.predictor", controls, fig, draw, artists={"points": points})
