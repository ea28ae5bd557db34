"""Explorers for notebook 07 (model parallelism): wiring only; formulas live in helpers.modelparallel."""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np
from matplotlib.colors import ListedColormap

from .. import cluster
from .. import convolution as C
from .. import gpus as G
from .. import modelparallel as M
from ..plotting import PALETTE, log_axis, new_figure
from ..widgets import Explorer, register


def layer_presets() -> dict[str, tuple[int, int]]:
    """Fully connected layers to start from: (d_in, d_out), from the architecture tables."""
    presets = {}
    for net, name in (("alexnet", "fc6"), ("vgg16", "fc6")):
        presets[f"{net} {name}"] = C.layer_channels(net, name)
    for shape in M.model_shapes()[:3]:
        name, d_in, d_out = shape.mlp_matrices()[-2]  # the up-projection (SwiGLU has a gate of the same shape)
        kind = "SwiGLU, one of three matrices" if shape.mlp == "swiglu" else "GELU, one of two"
        presets[f"{shape.name} MLP {name}-projection ({kind})"] = (d_in, d_out)
    presets["the article's 1000 x 1000"] = (1000, 1000)
    return presets


@register("modelparallel.dp_vs_mp")
def dp_vs_mp_explorer(preset: str = "alexnet fc6") -> Explorer:
    """Bytes each device sends per step for one layer: data parallel against model (tensor) parallel."""
    presets = layer_presets()
    d_in, d_out = presets[preset]
    controls = {
        "preset": W.Dropdown(options=list(presets), value=preset, description="layer"),
        "d_in": W.IntText(d_in, description="d_in"),
        "d_out": W.IntText(d_out, description="d_out"),
        "batch": W.FloatLogSlider(128, base=2, min=0, max=17, step=0.5, description="rows (tokens)",
                                  readout_format=".0f"),
        "p": W.IntSlider(4, min=2, max=64, description="devices"),
        "bytes": W.ToggleButtons(options=[("fp32", 4), ("fp16", 2), ("8-bit", 1)], value=4, description="values"),
    }
    parsers = {"batch": lambda b: int(round(b))}  # the slider moves in steps of √2, batches are whole
    fig, (ax_bar, ax_curve) = new_figure(1, 2, figsize=(10, 4), width_ratios=[1, 1.6])
    bars = ax_bar.bar(["data\nparallel", "model\nparallel"], [1, 1], color=[PALETTE[0], PALETTE[1]])
    ax_bar.set_ylabel("MB sent per device per step")
    batches = np.unique(np.geomspace(1, 2**17, 120).astype(int))  # a transformer's rows are tokens: b x S
    dp_line, = ax_curve.plot([], [], label="data parallel")
    mp_line, = ax_curve.plot([], [], label="model parallel")
    cross = ax_curve.axvline(1, color=PALETTE[7], linestyle=":", label="crossover batch")
    now = ax_curve.axvline(1, color=PALETTE[3], linewidth=1.5, label="your batch")
    log_axis(ax_curve)
    ax_curve.set_xlabel("rows of the activations (batch; for transformers tokens = b × S)")
    ax_curve.set_ylabel("MB per device per step")
    ax_curve.legend(loc="upper left", fontsize=9)

    def apply_preset(change):
        d_in_, d_out_ = presets[change["new"]]
        controls["d_in"].value, controls["d_out"].value = d_in_, d_out_

    controls["preset"].observe(apply_preset, "value")

    def draw(v):
        if v["d_in"] > 10**6 or v["d_out"] > 10**6:
            raise ValueError("layer sizes above 1,000,000 are refused")
        dp = M.dp_bytes_per_step(v["d_in"], v["d_out"], v["p"], v["bytes"]) / 1e6
        mp = sum(M.mp_bytes_per_step(v["d_in"], v["d_out"], v["batch"], v["p"], v["bytes"]).values()) / 1e6
        bars[0].set_height(dp)
        bars[1].set_height(mp)
        ax_bar.set_ylim(0, max(dp, mp) * 1.15)
        mp_curve = [sum(M.mp_bytes_per_step(v["d_in"], v["d_out"], int(b), v["p"], v["bytes"]).values()) / 1e6
                    for b in batches]
        dp_line.set_data(batches, np.full(batches.size, dp))
        mp_line.set_data(batches, mp_curve)
        b_star = M.crossover_batch(v["d_in"], v["d_out"])
        cross.set_xdata([b_star] * 2)
        now.set_xdata([v["batch"]] * 2)
        ax_curve.set_xlim(1, batches[-1])
        ax_curve.set_ylim(min(min(mp_curve), dp) / 3, max(max(mp_curve), dp) * 3)
        winner = "model" if mp < dp else "data"
        return (f"Data parallel: {dp:,.2f} MB; model parallel: {mp:,.2f} MB per device per step. "
                f"<b>{winner.capitalize()} parallelism sends less</b>; model parallelism wins below "
                f"{b_star:,.0f} rows for this layer (for a transformer rows are tokens: one 4096-token sequence is "
                "4,096 rows).")

    return Explorer("modelparallel.dp_vs_mp", controls, fig, draw, parsers=parsers,
                    artists={"bars": bars, "dp": dp_line, "mp": mp_line, "crossover": cross})


GANTT_CMAP = ListedColormap(["#f2f2f2", PALETTE[0], PALETTE[1], PALETTE[2]])


@register("modelparallel.pipeline")
def pipeline_explorer(stages: int = 4, microbatches: int = 8, schedule: str = "1f1b") -> Explorer:
    """Gantt chart of a pipeline schedule: forward (blue), backward (orange), weight gradients of the zero-bubble
    schedule (third colour) and the idle bubble (grey)."""
    controls = {
        "stages": W.IntSlider(stages, min=1, max=16, description="stages p"),
        "microbatches": W.IntSlider(microbatches, min=1, max=64, description="micro-batches m"),
        "schedule": W.ToggleButtons(options=[("GPipe", "gpipe"), ("1F1B", "1f1b"), ("interleaved", "interleaved"),
                                             ("zero bubble", "zero bubble")],
                                    value=schedule, description="schedule"),
        "virtual": W.IntSlider(2, min=1, max=4, description="chunks v"),
    }
    fig, ax = new_figure(figsize=(10, 3.8))
    image = ax.imshow(np.zeros((1, 1)), cmap=GANTT_CMAP, vmin=0, vmax=3, aspect="auto", interpolation="nearest")
    ax.set_xlabel("time (forward = 1 unit, backward = 2)")
    ax.set_ylabel("stage (GPU)")
    ax.grid(False)

    def draw(v):
        interleaved = v["schedule"] == "interleaved"
        zero = v["schedule"] == "zero bubble"
        if interleaved:
            run = M.simulate_interleaved(v["stages"], v["microbatches"], v["virtual"])
        elif zero:
            run = M.simulate_zero_bubble(v["stages"], v["microbatches"])
        else:
            run = M.simulate_pipeline(v["stages"], v["microbatches"], v["schedule"])
        grid = run.grid()
        image.set_data(grid)
        image.set_extent((0, run.makespan, run.stages - 0.5, -0.5))
        ax.set_xlim(0, run.makespan)
        ax.set_ylim(run.stages - 0.5, -0.5)
        ax.set_yticks(range(run.stages))
        vv = v["virtual"] if interleaved else 1
        formula = M.bubble_fraction(v["stages"], v["microbatches"], vv)
        ax.set_xlabel("time (one chunk of layers: forward 1 unit, backward 2)" if interleaved
                      else "time (forward, input gradients, weight gradients: 1 unit each)" if zero
                      else "time (forward = 1 unit, backward = 2)")
        ax.set_title(f"{v['schedule'].upper()}: bubble {run.bubble:.1%} of GPU time")
        why = {"gpipe": "all of them: GPipe runs every forward first", "1f1b": "1F1B caps it at p",
               "interleaved": f"interleaving starts {vv} chunks per device before the first backward",
               "zero bubble": "this greedy order defers weight gradients and keeps activations alive; the "
                              "paper's ZB-H1 keeps 1F1B's memory, ZB-H2 pays memory for a bubble near zero",
               }[v["schedule"]]
        shape = f"(p−1)/({vv}m+p−1) =" if interleaved else "(p−1)/(m+p−1) ="
        if zero:
            formula = (v["stages"] - 1) / (3 * v["microbatches"] + v["stages"] - 1)
            shape = "(p−1)/(3m+p−1) ="
        relation = "≈" if zero and v["microbatches"] < v["stages"] else "="
        if relation == "≈":
            shape = "(p−1)/(3m+p−1), which holds only for m ≥ p:"
        return (f"Simulated bubble {run.bubble:.1%} {'vs' if relation == '≈' else '='} {shape} {formula:.1%}. "
                "Peak activations held by the "
                f"first stage: <b>{run.peak_activations[0]:g} micro-batches</b> ({why}).")

    return Explorer("modelparallel.pipeline", controls, fig, draw, artists={"image": image})


PLANNER_GPUS = ("A100 80GB SXM", "H100 SXM", "H200 SXM", "B200 (HGX)", "Instinct MI300X", "GeForce RTX 4090")


@register("modelparallel.memory")
def memory_explorer(model: str = "Llama 2 70B", n_gpus: int = 64) -> Explorer:
    """Per-GPU memory of a training layout (ZeRO stage, tensor and pipeline parallel degrees) against the GPU's
    memory, and the planner's fastest layout that fits."""
    shapes = {m.name: m for m in M.model_shapes()}
    controls = {
        "model": W.Dropdown(options=list(shapes), value=model, description="model"),
        "gpu": W.Dropdown(options=PLANNER_GPUS, value="H100 SXM", description="GPU"),
        "n_gpus": W.Dropdown(options=[8, 16, 32, 64, 128, 256, 512, 1024], value=n_gpus, description="GPUs"),
        "zero": W.IntSlider(1, min=0, max=3, description="ZeRO stage"),
        "tp": W.Dropdown(options=[1, 2, 4, 8], value=4, description="tensor ∥"),
        "pp": W.Dropdown(options=[1, 2, 4, 8, 16, 32], value=4, description="pipeline ∥"),
        "recompute": W.Dropdown(options=[("only if needed", "auto"), ("selective", "selective"), ("full", "full")],
                                value="auto", description="recompute"),
        "sp": W.Checkbox(True, description="sequence parallel"),
        "node": W.Dropdown(options=[("8-GPU server", 8), ("72-GPU NVLink rack (NVL72)", 72)], value=8,
                           description="NVLink domain"),
    }
    fig, ax = new_figure(figsize=(9.5, 3.8))
    parts = ("weights", "gradients", "optimizer", "activations")
    colors = (PALETTE[0], PALETTE[2], PALETTE[1], PALETTE[4])
    bars = [ax.barh([0], [0], left=[0], color=c, label=p, height=0.5)[0] for p, c in zip(parts, colors)]
    limit = ax.axvline(80, color=PALETTE[3], linestyle="--", linewidth=2.5, label="GPU memory")
    ax.set_yticks([])
    ax.set_xlabel("GB per GPU")
    ax.legend(loc="upper center", ncols=5, fontsize=10, bbox_to_anchor=(0.5, -0.25))

    def draw(v):
        shape = shapes[v["model"]]
        g = G.gpu(v["gpu"])
        if v["n_gpus"] % (v["tp"] * v["pp"]):
            raise ValueError(f"tensor × pipeline = {v['tp'] * v['pp']} must divide the {v['n_gpus']} GPUs")
        if v["pp"] > shape.layers:
            raise ValueError(f"{shape.name} has only {shape.layers} layers to split over {v['pp']} stages")
        dp = v["n_gpus"] // (v["tp"] * v["pp"])
        plans = M.plan(shape, v["n_gpus"], g.memory_gb, g.peak_flops("fp16"), M.intra_node_link(g),
                       cluster.link("InfiniBand NDR 4x"), gpus_per_node=v["node"], zero_stage=v["zero"],
                       recompute=v["recompute"], sequence_parallel=v["sp"])
        mine = next(p for p in plans if (p.dp, p.tp, p.pp) == (dp, v["tp"], v["pp"]))
        states = M.model_state_gb(shape.params, dp, v["tp"], v["pp"], v["zero"])
        acts = M.activation_gb(shape.seq, 1, shape.hidden, shape.layers, v["tp"], v["pp"], mine.recompute == "full",
                               sequence_parallel=v["sp"])
        left = 0.0
        for bar, value in zip(bars, [*states.values(), acts]):
            bar.set_x(left)
            bar.set_width(value)
            left += value
        limit.set_xdata([g.memory_gb] * 2)
        ax.set_xlim(0, max(left, g.memory_gb) * 1.1)
        fits = left <= g.memory_gb
        ax.set_title(f"dp {dp} × tp {v['tp']} × pp {v['pp']}: {left:,.1f} GB per GPU "
                     f"({'fits' if fits else 'does not fit'}, {mine.recompute} recomputation)")
        yours = (f"<b>Your layout dp {dp} × tp {v['tp']} × pp {v['pp']}</b> ({mine.recompute} recomputation"
                 f"{'' if fits else ', does not fit'}): <b>{mine.step_s:,.1f} s</b> per step of 512 sequences = "
                 + ", ".join(f"{k} {t:,.1f} s" for k, t in mine.parts_s.items() if t > 0) + ". ")
        top = M.top_layouts(plans, 3)
        if top:
            ties = [p for p, tie in top if tie]
            names = ", ".join(f"dp {p.dp} × tp {p.tp} × pp {p.pp} ({p.step_s:,.1f} s)" for p in ties)
            b = top[0][0]
            advice = (f"Fastest layouts that fit by the model, <b>within {M.NOISE:.0%} of each other (a tie)</b>: "
                      f"{names}. The first splits its {b.step_s:,.1f} s per step into "
                      + ", ".join(f"{k} {s:,.1f} s" for k, s in b.parts_s.items() if s > 0)
                      + f"; it assumes {'; '.join(b.assumes)}.")
            if len(ties) == 1:
                advice = advice.replace("within", "no other layout within").replace(" of each other (a tie)", "")
        else:
            advice = "No layout of these GPUs fits: raise the ZeRO stage, recompute activations or add GPUs."
        return f"{html.escape(shape.name)} on {v['n_gpus']} × {html.escape(g.name)}. {yours}{advice}"

    return Explorer("modelparallel.memory", controls, fig, draw, artists={"bars": bars, "limit": limit})


@register("modelparallel.hybrid")
def hybrid_explorer(network: str = "alexnet", batch: int = 128, n_gpus: int = 8) -> Explorer:
    """MB each GPU sends per step for a whole CNN: data parallel, model parallel, or Krizhevsky's hybrid."""
    controls = {
        "network": W.ToggleButtons(options=list(C.NETWORKS), value=network, description="network"),
        "batch": W.FloatLogSlider(batch, base=2, min=0, max=12, step=1, description="batch", readout_format=".0f"),
        "n_gpus": W.IntSlider(n_gpus, min=2, max=64, description="GPUs"),
        "bytes": W.ToggleButtons(options=[("fp32", 4), ("fp16", 2), ("8-bit", 1)], value=4, description="values"),
    }
    parsers = {"batch": lambda b: int(round(b))}
    fig, ax = new_figure(figsize=(8, 3.5))
    bars = ax.bar(list(M.HYBRID_SCHEMES), [1, 1, 1], color=[PALETTE[0], PALETTE[1], PALETTE[2]])
    ax.set_ylabel("MB sent per GPU per step")

    def draw(v):
        r = M.hybrid_bytes(v["network"], v["batch"], v["n_gpus"], v["bytes"])
        for bar, key in zip(bars, M.HYBRID_SCHEMES):
            bar.set_height(r[key] / 1e6)
        ax.set_ylim(0, max(r.values()) / 1e6 * 1.15)
        shares = M.compute_parameter_shares(v["network"])
        best = min(r, key=r.get)
        precision = {4: "fp32", 2: "fp16", 1: "8-bit"}[v["bytes"]]
        ax.set_title(f"{v['network']}, batch {v['batch']} on {v['n_gpus']} GPUs ({precision})")
        return (f"Conv layers: {shares['conv']['macs']:.0%} of the compute, {shares['conv']['params']:.0%} of the "
                f"parameters; dense layers: {shares['fc']['macs']:.0%} and {shares['fc']['params']:.0%}. "
                f"<b>{best.capitalize()} sends least</b>: " + ", ".join(f"{k} {r[k] / 1e6:,.0f} MB" for k in r) + ".")

    return Explorer("modelparallel.hybrid", controls, fig, draw, parsers=parsers, artists={"bars": bars})
