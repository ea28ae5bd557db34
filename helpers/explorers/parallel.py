"""Explorers for notebook 06 (data parallelism): wiring only; formulas live in helpers.parallel and helpers.cluster."""

from __future__ import annotations

import html
from functools import cache

import ipywidgets as W
import numpy as np

from .. import cluster
from .. import gpus as G
from .. import parallel as P
from ..machine import core_count
from ..mpirun import load_average
from ..plotting import PALETTE, log_axis, new_figure
from ..widgets import Explorer, register

GPU_COUNTS = 2 ** np.arange(11)  # 1, 2, 4, ..., 1024
DP_GPUS = ("Tesla V100 SXM2 16GB", "A100 80GB SXM", "H100 SXM", "GeForce RTX 4090")
DP_LINKS = ("PCIe 3.0 x16", "10 GbE", "25 GbE", "100 GbE", "InfiniBand EDR 4x", "InfiniBand NDR 4x",
            "NVLink 4 (H100)")


def published_points() -> list:
    """Rows of ``scaling.csv`` (efficiency against GPUs, measured or predicted)."""
    return P.published_scaling()


@register("parallel.scaling")
def scaling_explorer(model: str = "vgg16", link: str = "25 GbE") -> Explorer:
    """Speedup and efficiency against the number of GPUs, with published measurements as points."""
    controls = {
        "model": W.Dropdown(options=cluster.models(), value=model, description="model"),
        "gpu": W.Dropdown(options=DP_GPUS, value="Tesla V100 SXM2 16GB", description="GPU"),
        "link": W.Dropdown(options=DP_LINKS, value=link, description="network"),
        "batch": W.IntSlider(64, min=1, max=4096, description="batch"),
        "bits": W.ToggleButtons(options=[32, 16, 8], value=32, description="gradient bits"),
        "overlap": W.Checkbox(False, description="overlap with backward pass"),
        "scaling": W.ToggleButtons(options=["weak", "strong"], value="weak", description="scaling"),
    }
    fig, (ax_s, ax_e) = new_figure(1, 2, figsize=(11, 4.2))
    ideal, = ax_s.plot(GPU_COUNTS, GPU_COUNTS, ":", color=PALETTE[7], label="perfect")
    speed_line, = ax_s.plot([], [], "-", label="model")
    log_axis(ax_s)
    ax_s.set_xlabel("GPUs")
    ax_s.set_ylabel("speedup")
    ax_s.legend(loc="upper left", fontsize=10)
    eff_line, = ax_e.plot([], [], "-", label="model")
    rows = published_points()
    measured = [r for r in rows if r.kind == "measured"]
    ax_e.scatter([r.gpus for r in measured], [r.efficiency for r in measured], marker="D", color=PALETTE[3],
                 zorder=5, label="published, measured")
    for r in measured:
        ax_e.annotate(f"{r.source_short} {r.model}", (r.gpus, r.efficiency), textcoords="offset points",
                      xytext=(-10, 6), fontsize=8, ha="right")
    highlight = ax_e.scatter([], [], s=160, facecolors="none", edgecolors=PALETTE[3], linewidths=2,
                             label="same model")
    log_axis(ax_e, "x")
    ax_e.set_xlim(0.8, GPU_COUNTS[-1] * 1.25)  # from one GPU, where efficiency is 1
    ax_e.set_ylim(0, 1.05)
    ax_e.set_xlabel("GPUs")
    ax_e.set_ylabel("efficiency (speedup / GPUs)")
    ax_e.legend(loc="lower left", fontsize=9)

    def draw(v):
        gpu, link_ = G.gpu(v["gpu"]), cluster.link(v["link"])
        strong = v["scaling"] == "strong"
        # weak: every GPU keeps `batch`; strong: `batch` is the global batch, and a GPU needs at least one sample
        counts = GPU_COUNTS[GPU_COUNTS <= P.max_strong_gpus(v["batch"])] if strong else GPU_COUNTS
        kw = dict(batch=v["batch"], scaling=v["scaling"], overlap=v["overlap"], bits=v["bits"])
        s = P.speedup(v["model"], counts, gpu, link_, **kw)
        speed_line.set_data(counts, s)
        eff_line.set_data(counts, s / counts)
        ax_s.set_ylim(0.8, 1500)
        same = [r for r in measured if r.model == v["model"]]
        highlight.set_offsets(np.array([[r.gpus, r.efficiency] for r in same]).reshape(-1, 2))
        at = {p: s[list(GPU_COUNTS).index(p)] for p in (8, 64, 512) if p in counts}
        parts = ", ".join(f"{p} GPUs: ×{x:.1f} ({x / p:.0%})" for p, x in at.items())
        p_info = 64 if 64 in counts else int(counts[-1])
        per_gpu = v["batch"] / p_info if strong else v["batch"]
        step = P.data_parallel_step_time_s(v["model"], p_info, gpu, link_, per_gpu, v["overlap"], v["bits"])
        limit = (f" A global batch of {v['batch']} splits over at most {counts[-1]} of these GPU counts (one sample "
                 "each at least)." if strong and counts.size < GPU_COUNTS.size else "")
        note = " The published points used other hardware: compare shapes, not values."
        batch_text = f"global batch {v['batch']}" if strong else f"{v['batch']} samples per GPU"
        samples = f"{per_gpu:g} sample{'' if per_gpu == 1 else 's'}"
        return (f"{html.escape(v['model'])}, {v['scaling']} scaling, {batch_text}: {parts}. At {p_info} GPUs each "
                f"GPU computes {samples} for {step['compute'] * 1e3:.2f} ms and all-reduces for "
                f"{step['communication'] * 1e3:.2f} ms ({step['exposed'] * 1e3:.2f} ms not hidden).{limit}{note}")

    return Explorer("parallel.scaling", controls, fig, draw, artists={"speedup": speed_line, "efficiency": eff_line})


@register("parallel.comm_share")
def comm_share_explorer(n_gpus: int = 64) -> Explorer:
    """Why some networks scale worse: parameters per GFLOP of work, and the share of a step spent communicating."""
    models = cluster.models()
    controls = {
        "gpu": W.Dropdown(options=DP_GPUS, value="A100 80GB SXM", description="GPU"),
        "link": W.Dropdown(options=DP_LINKS, value="100 GbE", description="network"),
        "n_gpus": W.IntSlider(n_gpus, min=2, max=1024, description="GPUs"),
        "batch": W.IntSlider(32, min=1, max=512, description="batch/GPU"),
    }
    fig, (ax_r, ax_c) = new_figure(1, 2, figsize=(11, 4))
    x = np.arange(len(models))
    ratio_bars = ax_r.bar(x, [P.params_per_gflop(m) for m in models], color=PALETTE[0])
    ax_r.set_xticks(x, models, rotation=30, ha="right", fontsize=10)
    log_axis(ax_r, "y")
    ax_r.set_ylabel("parameters per GFLOP of work")
    share_bars = ax_c.bar(x, np.zeros(len(models)), color=PALETTE[1])
    ax_c.set_xticks(x, models, rotation=30, ha="right", fontsize=10)
    ax_c.set_ylim(0, 1)
    ax_c.set_ylabel("share of step communicating")

    def draw(v):
        gpu, link_ = G.gpu(v["gpu"]), cluster.link(v["link"])
        shares = []
        for bar, m in zip(share_bars, models):
            step = P.data_parallel_step_time_s(m, v["n_gpus"], gpu, link_, v["batch"])
            share = step["exposed"] / step["step"]
            bar.set_height(share)
            shares.append(share)
        worst = models[int(np.argmax(shares))]
        too_big = [m for m in models if not P.fits_data_parallel(m, gpu)]
        warning = (f" <b>Warning:</b> the training state of {', '.join(html.escape(m) for m in too_big)} "
                   f"({', '.join(f'{P.training_state_gb(m):,.0f} GB' for m in too_big)} at 16 bytes per parameter) "
                   f"does not fit in one {html.escape(gpu.name)} ({gpu.memory_gb:g} GB): plain data parallelism "
                   "cannot run them at all; their bars are what the step would cost if it could "
                   "(sharding and model parallelism: notebook 07)." if too_big else "")
        return (f"On {v['n_gpus']} × {html.escape(gpu.name)} over {html.escape(link_.name)} (16-bit gradients, no "
                f"overlap): {html.escape(worst)} spends the largest share communicating ({max(shares):.0%})."
                f"{warning}")

    return Explorer("parallel.comm_share", controls, fig, draw, artists={"ratio": ratio_bars, "share": share_bars})


@register("parallel.layers")
def layers_explorer(network: str = "vgg16", batch_per_gpu: int = 64) -> Explorer:
    """Layer by layer: which layers are compute-bound and which network-bound under data parallelism."""
    controls = {
        "network": W.ToggleButtons(options=list(cluster.CNN_MODELS), value=network, description="network"),
        "gpu": W.Dropdown(options=DP_GPUS, value="A100 80GB SXM", description="GPU"),
        "link": W.Dropdown(options=DP_LINKS, value="100 GbE", description="network link"),
        "n_gpus": W.IntSlider(8, min=2, max=1024, description="GPUs"),
        "batch_per_gpu": W.IntSlider(batch_per_gpu, min=1, max=512, description="batch/GPU"),
        "bits": W.ToggleButtons(options=[32, 16, 8], value=16, description="gradient bits"),
    }
    most = max(len(P.layer_traffic(n)) for n in cluster.CNN_MODELS)
    fig, ax = new_figure(figsize=(11, 4.2))
    x = np.arange(most)
    compute_bars = ax.bar(x - 0.2, np.full(most, 1e-9), width=0.4, color=PALETTE[0], label="compute")
    comm_bars = ax.bar(x + 0.2, np.full(most, 1e-9), width=0.4, color=PALETTE[3], label="all-reduce")
    log_axis(ax, "y")
    ax.set_ylim(1e-6, 10)
    ax.set_xlabel("weight layer (forward order)")
    ax.set_ylabel("seconds per step")
    ax.legend(loc="upper left", fontsize=10)
    boundary, = ax.plot([0, 0], [1e-6, 10], color=PALETTE[7], linestyle=":")  # conv | fc, in data coordinates

    def draw(v):
        layers = P.layer_traffic(v["network"])
        t = P.layer_step_times_s(v["network"], G.gpu(v["gpu"]), cluster.link(v["link"]), v["n_gpus"],
                                 v["batch_per_gpu"], v["bits"])
        for i in range(most):
            on = i < len(layers)
            compute_bars[i].set_height(t["compute"][i] if on else 1e-9)
            comm_bars[i].set_height(t["communication"][i] if on else 1e-9)
            compute_bars[i].set_visible(on)
            comm_bars[i].set_visible(on)
        ax.set_xlim(-0.8, len(layers) - 0.2)
        heights = np.concatenate([t["compute"], t["communication"]])
        low, high = heights.min() / 3, heights.max() * 5
        ax.set_ylim(low, high)
        first_fc = next((i for i, x_ in enumerate(layers) if x_.kind == "fc"), len(layers))
        boundary.set_data([first_fc - 0.5, first_fc - 0.5], [low, high])
        bound = t["communication"] > t["compute"]
        kinds = {k: [b for b, x_ in zip(bound, layers) if x_.kind == k] for k in ("conv", "fc")}
        shares = P.conv_shares(v["network"])
        return (f"{html.escape(v['network'])}: the conv layers (left of the dotted line) hold "
                f"{shares['params']:.0%} of the parameters and {shares['flops']:.0%} of the FLOPs. Network-bound "
                f"(all-reduce longer than compute): {sum(kinds['conv'])} of {len(kinds['conv'])} conv layers, "
                f"{sum(kinds['fc'])} of {len(kinds['fc'])} fully connected layers. Whole step: compute "
                f"{t['compute'].sum() * 1e3:.1f} ms, all-reduce {t['communication'].sum() * 1e3:.1f} ms.")

    return Explorer("parallel.layers", controls, fig, draw, artists={"compute": compute_bars, "comm": comm_bars})


@register("parallel.critical_batch")
def critical_batch_explorer(batch_per_gpu: int = 32) -> Explorer:
    """How many samples per GPU each model needs before its compute hides the all-reduce, on chosen hardware."""
    models = cluster.models()
    controls = {
        "gpu": W.Dropdown(options=DP_GPUS, value="H100 SXM", description="GPU"),
        "link": W.Dropdown(options=DP_LINKS, value="InfiniBand NDR 4x", description="network"),
        "n_gpus": W.IntSlider(64, min=2, max=1024, description="GPUs"),
        "bits": W.ToggleButtons(options=[32, 16, 8], value=16, description="gradient bits"),
        "batch_per_gpu": W.IntSlider(batch_per_gpu, min=1, max=1024, description="batch/GPU"),
    }
    fig, ax = new_figure(figsize=(10, 4))
    x = np.arange(len(models))
    bars = ax.bar(x, np.ones(len(models)), color=PALETTE[0])
    ax.set_xticks(x, models, rotation=30, ha="right", fontsize=10)
    log_axis(ax, "y")
    ax.set_ylabel("critical samples per GPU")
    chosen, = ax.plot([-0.5, len(models) - 0.5], [batch_per_gpu] * 2, "--", color=PALETTE[3], label="your batch/GPU")
    ax.legend(loc="upper right", fontsize=10)

    def draw(v):
        gpu, link_ = G.gpu(v["gpu"]), cluster.link(v["link"])
        crit = [P.critical_batch(m, gpu, link_, v["n_gpus"], v["bits"]) for m in models]
        for bar, c in zip(bars, crit):
            bar.set_height(c)
        chosen.set_ydata([v["batch_per_gpu"]] * 2)
        ax.set_ylim(min(min(crit), v["batch_per_gpu"]) / 3, max(max(crit), v["batch_per_gpu"]) * 3)
        bound = [m for m, c in zip(models, crit) if c > v["batch_per_gpu"]]
        tokens = P.critical_tokens(gpu, link_, v["n_gpus"], v["bits"])
        return (f"At {v['batch_per_gpu']} samples per GPU, network-bound (bar above the line): "
                f"{', '.join(html.escape(m) for m in bound) or 'none'}. Every language model needs the same "
                f"{tokens:,.0f} tokens per GPU per step.")

    return Explorer("parallel.critical_batch", controls, fig, draw, artists={"bars": bars, "chosen": chosen})


@cache
def measured_link() -> cluster.AlphaBetaFit:
    """Alpha and beta of the MPI ping-pong between two processes on this machine (measured once per session)."""
    m = cluster.measure_transfer(cluster.default_message_sizes(), repeats=10)
    return cluster.fit_alpha_beta(m.sizes, m.times_s)


@cache
def _mpi_run(workers: int, steps: int, batch_per_worker: int, hidden: int) -> P.DataParallelRun:
    """One MPI run per setting and session (like the ping-pong): moving back to a setting shows its run again."""
    return P.train_data_parallel(workers, steps, batch_per_worker, hidden)


@register("parallel.real_run")
def real_run_explorer(workers: int = 2, steps: int = 30, hidden: int = 256, batch_per_worker: int = 64) -> Explorer:
    """Data-parallel SGD on 1 and on n MPI processes of this machine (``helpers/jobs/dataparallel.py``): the
    same losses as one process on the whole batch, and the measured steady-state speedup against the alpha-beta
    prediction with this machine's ping-pong alpha and beta. Up to 8 processes (more than the cores: slower)."""
    controls = {
        "workers": W.IntSlider(workers, min=1, max=8, description="workers", continuous_update=False),
        "steps": W.IntSlider(steps, min=10, max=60, step=10, description="steps", continuous_update=False),
        "hidden": W.IntSlider(hidden, min=16, max=256, step=16, description="hidden units",
                              continuous_update=False),
        "batch_per_worker": W.Dropdown(options=[16, 64, 256], value=batch_per_worker, description="batch/worker"),
    }
    fig, (ax_l, ax_b) = new_figure(1, 2, figsize=(11, 4), width_ratios=[1.6, 1])
    single_line, = ax_l.plot([], [], "-", linewidth=4, alpha=0.5, label="1 process, whole batch")
    dp_line, = ax_l.plot([], [], "--", label="n MPI processes (Allreduce)")
    ax_l.set_xlabel("step")
    ax_l.set_ylabel("training loss")
    ax_l.legend(loc="upper right", fontsize=10)
    bars = ax_b.bar(["measured", "predicted"], [1, 1], color=[PALETTE[2], PALETTE[4]])
    ax_b.axhline(1, color=PALETTE[7], linestyle=":")
    ax_b.set_ylabel("speedup over 1 process")

    def draw(v):
        p, bpw = v["workers"], v["batch_per_worker"]
        reference = P.train_single(v["steps"], p * bpw, v["hidden"])
        single = _mpi_run(1, v["steps"], bpw, v["hidden"])
        run = _mpi_run(p, v["steps"], bpw, v["hidden"])
        steps = np.arange(v["steps"])
        single_line.set_data(steps, reference.losses)
        dp_line.set_data(steps, run.losses)
        ax_l.set_xlim(0, v["steps"])
        ax_l.set_ylim(0, max(reference.losses.max(), run.losses.max()) * 1.1)
        fit = measured_link()
        measured = P.measured_speedup(single, run)
        predicted = P.predicted_speedup(single.step_compute_s, p, fit, run.n_params)
        bars[0].set_height(measured)
        bars[1].set_height(predicted)
        ax_b.set_ylim(0, max(measured, predicted, 1) * 1.25)
        diff = np.abs(reference.losses - run.losses).max()
        crowded = f" {p} processes share {core_count()} cores, so they also wait for a core." \
            if p > core_count() else ""
        load = load_average()
        if load >= 1:  # other programs hold cores: the timings measure the sharing as well
            crowded += (f" The machine's load average is {load:.1f} on {core_count()} cores: other programs hold "
                        "cores, so the measured speedup can fall below 1 and the batch lever may not show "
                        "(as on Binder); the lessons on timing hold on an idle machine.")
        return (f"Losses equal to rounding: <b>{bool(diff < 1e-10)}</b> (largest difference {diff:.1e}). Per steady "
                f"step: compute {run.step_compute_s * 1e3:.2f} ms (1 process: {single.step_compute_s * 1e3:.2f} ms), "
                f"all-reduce {run.step_comm_s * 1e3:.2f} ms measured, "
                f"{P.predicted_comm_s(p, fit, run.n_params) * 1e3:.2f} ms predicted from the ping-pong "
                f"(α = {fit.latency_us:.3g} µs, B = {fit.bandwidth_gbs:.3g} GB/s).{crowded}")

    return Explorer("parallel.real_run", controls, fig, draw,
                    artists={"single": single_line, "dp": dp_line, "bars": bars})


ERROR_BINS = np.linspace(-0.5, 0.5, 41)


@register("parallel.compression")
def compression_explorer(bits: int = 8, scheme: str = "dynamic") -> Explorer:
    """Gradient compression: the rounding error of each scheme, and what fewer bits buy in speedup."""
    controls = {
        "bits": W.ToggleButtons(options=[4, 8, 16], value=bits, description="bits"),
        "scheme": W.ToggleButtons(options=["linear", "dynamic"], value=scheme, description="scheme"),
        "block": W.Dropdown(options=[64, 256, 2048, 16384], value=2048, description="block size"),
        "model": W.Dropdown(options=cluster.models(), value="vgg16", description="model"),
    }
    gradient = P.gradient_like(100_000)
    fig, (ax_h, ax_s) = new_figure(1, 2, figsize=(11, 4))
    centers = (ERROR_BINS[:-1] + ERROR_BINS[1:]) / 2
    hist = ax_h.bar(centers, np.zeros(centers.size), width=np.diff(ERROR_BINS), color=PALETTE[0])
    ax_h.set_xlabel("error / |gradient value| (clipped to ±0.5)")
    ax_h.set_ylabel("share of values")
    speed_bars = ax_s.bar(["32-bit", "16-bit", "chosen"], [1, 1, 1], color=[PALETTE[5], PALETTE[5], PALETTE[3]])
    ax_s.set_ylabel("speedup on 64 V100s over 25 GbE")

    def draw(v):
        bits_ = v["bits"]
        compressed = P.compress_gradient(gradient, bits_, v["scheme"], v["block"]) if bits_ < 16 else \
            gradient.astype(np.float16).astype(np.float64)
        nonzero = gradient != 0
        rel = (compressed[nonzero] - gradient[nonzero]) / np.abs(gradient[nonzero])
        shares = np.histogram(np.clip(rel, ERROR_BINS[0], ERROR_BINS[-1]), ERROR_BINS)[0] / rel.size
        for bar, h in zip(hist, shares):
            bar.set_height(h)
        ax_h.set_ylim(0, max(shares.max(), 1e-3) * 1.15)
        gpu, link_ = G.gpu("Tesla V100 SXM2 16GB"), cluster.link("25 GbE")
        speeds = [float(P.speedup(v["model"], [64], gpu, link_, 64, bits=b)[0]) for b in (32, 16, bits_)]
        for bar, s in zip(speed_bars, speeds):
            bar.set_height(s)
        ax_s.set_ylim(0, 64)
        err = P.relative_error(gradient, compressed)
        return (f"{bits_}-bit {v['scheme'] if bits_ < 16 else 'float16'}: RMS error {err:.2%} of the gradient's RMS. "
                f"{html.escape(v['model'])} on 64 GPUs: ×{speeds[0]:.1f} with 32-bit, ×{speeds[2]:.1f} with "
                f"{bits_}-bit gradients (codec time not counted).")

    return Explorer("parallel.compression", controls, fig, draw, artists={"hist": hist, "speed": speed_bars})
