"""Explorers for notebook 01 (convolution): wiring only; every formula lives in helpers.convolution."""

from __future__ import annotations

import html
from functools import cache

import ipywidgets as W
import numpy as np
from matplotlib import cbook
from matplotlib.colors import ListedColormap

from .. import convolution as C
from .. import machine as M
from ..plotting import DIVERGING_CMAP, PALETTE, log_axis, new_figure
from ..widgets import Explorer, parse_matrix, parse_number, register

IMAGES = ("shapes (synthetic)", "photo (Grace Hopper)")
CUSTOM = "custom (type below)"


@cache
def photo_image(size: int = 128) -> np.ndarray:
    """Matplotlib's bundled Grace Hopper photo as a grey ``size`` x ``size`` image in [0, 1] (no download)."""
    import matplotlib.pyplot as plt

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = plt.imread(f, format="jpg").astype(float) / 255
    grey = rgb[..., :3] @ np.array([0.299, 0.587, 0.114])
    h, w = grey.shape
    side = min(h, w)
    crop = grey[(h - side) // 2 : (h - side) // 2 + side, (w - side) // 2 : (w - side) // 2 + side]
    block = side // size
    crop = crop[: block * size, : block * size]
    return crop.reshape(size, block, size, block).mean(axis=(1, 3))


def image_named(name: str) -> np.ndarray:
    """One of the explorers' test images, 128 x 128 in [0, 1]."""
    if name == IMAGES[1]:
        return photo_image()
    if name == IMAGES[0]:
        return C.sample_image(128)
    raise ValueError(f"image must be one of {IMAGES}, got {name!r}")


def _image_dropdown() -> W.Dropdown:
    return W.Dropdown(options=IMAGES, value=IMAGES[0], description="image")


def _clean_axes(*axes) -> None:
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)


def kernel_from_controls(name: str, sigma: float, custom_text: str) -> np.ndarray:
    """The kernel the kernel explorer applies: a named one, a Gaussian of ``sigma``, or typed numbers."""
    if name == CUSTOM:
        kernel = np.array(parse_matrix(custom_text, "custom kernel", max_size=9))
        if not np.all(np.isfinite(kernel)) or np.abs(kernel).max() > 1e6:
            raise ValueError("custom kernel entries must be finite and at most 1e6 in size")
        return kernel
    if name == "gaussian blur":
        size = int(2 * np.ceil(3 * sigma) + 1)
        return C.gaussian_kernel(min(size, 15), sigma)
    if name not in C.KERNELS:
        raise ValueError(f"unknown kernel {name!r}")
    return C.KERNELS[name]


def _kernel_table(kernel: np.ndarray) -> str:
    cells = "".join(
        "<tr>" + "".join(f"<td style='padding:0 6px;text-align:right'>{v:.3g}</td>" for v in row) + "</tr>"
        for row in kernel
    )
    return f"<table style='display:inline-table;font-family:monospace'>{cells}</table>"


@register("convolution.kernel")
def kernel_explorer(kernel: str = "sobel x") -> Explorer:
    """Pick or type a kernel; see the image, the kernel and the convolved image side by side."""
    controls = {
        "kernel": W.Dropdown(options=[*C.KERNELS, CUSTOM], value=kernel, description="kernel"),
        "sigma": W.FloatSlider(1.0, min=0.3, max=2.5, step=0.1, description="σ (Gaussian)"),
        "custom": W.Textarea("0 -1 0\n-1 5 -1\n0 -1 0", description="custom", rows=4),
        "image": _image_dropdown(),
    }
    fig, (ax_in, ax_k, ax_out) = new_figure(1, 3, figsize=(10, 3.8))
    im_in = ax_in.imshow(C.sample_image(128), vmin=0, vmax=1)
    im_k = ax_k.imshow(np.zeros((3, 3)), cmap=DIVERGING_CMAP, vmin=-1, vmax=1)
    im_out = ax_out.imshow(np.zeros((128, 128)), vmin=0, vmax=1)
    ax_in.set_title("input")
    ax_k.set_title("kernel (red +, blue −)")
    ax_out.set_title("input ∗ kernel")
    _clean_axes(ax_in, ax_k, ax_out)

    def draw(v):
        kernel_values = kernel_from_controls(v["kernel"], v["sigma"], v["custom"])
        image = image_named(v["image"])
        out = C.conv2d(image, kernel_values, mode="same")
        lo, hi = np.percentile(out, [1, 99])
        im_in.set_data(image)
        limit = max(np.abs(kernel_values).max(), 1e-12)
        im_k.set_data(kernel_values)
        im_k.set_extent((-0.5, kernel_values.shape[1] - 0.5, kernel_values.shape[0] - 0.5, -0.5))
        im_k.set_clim(-limit, limit)
        im_out.set_data(out)
        im_out.set_clim(lo, hi if hi > lo else lo + 1e-9)
        total = kernel_values.sum()
        meaning = ("sums to 1: average brightness is kept" if abs(total - 1) < 1e-9 else
                   "sums to 0: flat regions become 0, only changes (edges) remain" if abs(total) < 1e-9 else
                   f"sums to {total:.3g}: brightness is scaled by that factor")
        return f"{_kernel_table(kernel_values)} &nbsp; This kernel {meaning}."

    return Explorer("convolution.kernel", controls, fig, draw,
                    artists={"input": im_in, "kernel": im_k, "output": im_out})


SHAPE_CMAP = ListedColormap(["#d9d9d9", "#ffffff", PALETTE[0], PALETTE[1]])  # padding, input, tap, output


def shape_grids(n: int, k: int, padding: int, stride: int, dilation: int, position: int):
    """Arrays the shape explorer draws: padded input with the kernel's taps marked, and the output grid.

    Codes: 0 padding, 1 input pixel, 2 kernel tap, 3 the output pixel being computed.
    """
    out = C.output_size(n, k, padding, stride, dilation)
    size = n + 2 * padding
    if size > 64:
        raise ValueError(f"the padded input ({size} pixels) is too large to draw; keep n + 2*padding <= 64")
    position = min(max(position, 0), out * out - 1)
    row, col = divmod(position, out)
    grid = np.zeros((size, size))
    grid[padding : padding + n, padding : padding + n] = 1
    taps = np.arange(k) * dilation
    grid[np.ix_(row * stride + taps, col * stride + taps)] = 2
    out_grid = np.ones((out, out))
    out_grid[row, col] = 3
    return grid, out_grid, out, (row, col)


@register("convolution.shape")
def shape_explorer(n: int = 7, k: int = 3, padding: int = 1, stride: int = 2, dilation: int = 1) -> Explorer:
    """Type input size, kernel, padding, stride, dilation; see where the kernel lands and the output size."""
    controls = {
        "n": W.IntText(n, description="input n"),
        "k": W.IntText(k, description="kernel k"),
        "padding": W.IntText(padding, description="padding p"),
        "stride": W.IntText(stride, description="stride s"),
        "dilation": W.IntText(dilation, description="dilation d"),
        "position": W.IntSlider(0, min=0, max=63, description="output pixel"),
    }
    fig, (ax_in, ax_out) = new_figure(1, 2, figsize=(9, 4.3), width_ratios=[3, 2])
    im_in = ax_in.imshow(np.zeros((2, 2)), cmap=SHAPE_CMAP, vmin=-0.5, vmax=3.5)
    im_out = ax_out.imshow(np.zeros((2, 2)), cmap=SHAPE_CMAP, vmin=-0.5, vmax=3.5)
    ax_in.set_title("padded input (grey = zero padding)")

    def gridlines(ax, size):
        ax.set_xticks(np.arange(-0.5, size, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, size, 1), minor=True)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(True, which="minor", color="#888888", linewidth=0.8)
        ax.tick_params(which="both", length=0)
        for spine in ax.spines.values():
            spine.set_visible(True)
        ax.set_xlim(-0.5, size - 0.5)
        ax.set_ylim(size - 0.5, -0.5)

    def draw(v):
        grid, out_grid, out, (row, col) = shape_grids(v["n"], v["k"], v["padding"], v["stride"],
                                                      v["dilation"], v["position"])
        slider = controls["position"]
        if slider.max != out * out - 1:
            slider.max = out * out - 1
        for im, g, ax in ((im_in, grid, ax_in), (im_out, out_grid, ax_out)):
            im.set_data(g)
            im.set_extent((-0.5, g.shape[1] - 0.5, g.shape[0] - 0.5, -0.5))
            gridlines(ax, g.shape[0])
        ax_out.set_title(f"output {out} × {out}")
        n_, k_, p_, s_, d_ = (v[x] for x in ("n", "k", "padding", "stride", "dilation"))
        return (f"output = ⌊(n + 2p − d(k−1) − 1) / s⌋ + 1 = ⌊({n_} + {2 * p_} − {d_ * (k_ - 1)} − 1) / {s_}⌋"
                f" + 1 = <b>{out}</b> &nbsp; (showing output pixel row {row}, column {col})")

    return Explorer("convolution.shape", controls, fig, draw, artists={"input": im_in, "output": im_out})


@register("convolution.spectrum")
def spectrum_explorer(cutoff: float = 0.08, keep: str = "low") -> Explorer:
    """Filter an image in frequency space: keep low or high spatial frequencies up to a cutoff."""
    controls = {
        "cutoff": W.FloatSlider(cutoff, min=0.01, max=0.7, step=0.01, description="cutoff (cyc/px)",
                                readout_format=".2f"),
        "keep": W.ToggleButtons(options=["low", "high"], value=keep, description="keep"),
        "image": _image_dropdown(),
    }
    fig, (ax_in, ax_spec, ax_out) = new_figure(1, 3, figsize=(10, 3.8))
    im_in = ax_in.imshow(np.zeros((128, 128)), vmin=0, vmax=1)
    im_spec = ax_spec.imshow(np.zeros((128, 128)), cmap="magma")
    im_mask = ax_spec.imshow(np.zeros((128, 128, 4)))
    im_out = ax_out.imshow(np.zeros((128, 128)))
    ax_in.set_title("image")
    ax_spec.set_title("log |spectrum| (dimmed: removed)")
    ax_out.set_title("filtered image")
    _clean_axes(ax_in, ax_spec, ax_out)

    def draw(v):
        image = image_named(v["image"])
        filtered, log_spectrum, mask = C.frequency_filter(image, v["cutoff"], v["keep"])
        im_in.set_data(image)
        im_spec.set_data(log_spectrum)
        im_spec.set_clim(np.percentile(log_spectrum, [5, 99.9]))
        overlay = np.zeros((*mask.shape, 4))
        overlay[..., 3] = np.where(mask, 0.0, 0.75)
        im_mask.set_data(overlay)
        im_out.set_data(filtered)
        im_out.set_clim(*np.percentile(filtered, [1, 99]))
        share = C.energy_share(image, mask)
        return (f"Kept {mask.mean():.1%} of the frequency bins, holding {share:.1%} of the image's energy. "
                "Multiplying the spectrum by this mask is the same as convolving the image with one kernel.")

    return Explorer("convolution.spectrum", controls, fig, draw,
                    artists={"input": im_in, "spectrum": im_spec, "mask": im_mask, "output": im_out})


@register("convolution.fft_timing")
def fft_timing_explorer(image_size: int = 128, largest_kernel: int = 31, repeats: int = 2) -> Explorer:
    """Measure direct and FFT convolution on this machine across kernel sizes; mark the crossover."""
    controls = {
        "image_size": W.IntSlider(image_size, min=64, max=256, step=64, description="image n",
                                  continuous_update=False),
        "largest_kernel": W.IntSlider(largest_kernel, min=5, max=41, step=2, description="largest k",
                                      continuous_update=False),
    }
    fig, ax = new_figure(figsize=(7.5, 4))
    direct, = ax.plot([], [], "o-", label="direct (sum over k² taps)")
    fft, = ax.plot([], [], "s-", label="FFT (convolution theorem)")
    cross = ax.axvline(0, color=PALETTE[7], linestyle=":", label="crossover")
    log_axis(ax, "y")
    ax.set_xlabel("kernel size k (k × k)")
    ax.set_ylabel("seconds (best of runs)")
    ax.set_title("measured on this machine")
    ax.legend(loc="upper left")

    def draw(v):
        sizes = np.unique(np.linspace(3, v["largest_kernel"], 7).astype(int) | 1)
        t = M.time_methods(v["image_size"], sizes, repeats)
        direct.set_data(sizes, t["direct"])
        fft.set_data(sizes, t["fft"])
        ax.set_xlim(0, sizes[-1] + 2)
        both = np.concatenate([t["direct"], t["fft"]])
        ax.set_ylim(both.min() / 2, both.max() * 2)
        k = C.crossover_kernel_size(t)
        cross.set_xdata([k or np.nan] * 2)
        where = f"from k = {k} on, FFT is faster" if k else "FFT never won in this range"
        return f"Image {v['image_size']} × {v['image_size']}: {where}."

    return Explorer("convolution.fft_timing", controls, fig, draw,
                    artists={"direct": direct, "fft": fft, "crossover": cross})


DIFFUSION_POINTS = 121


@register("convolution.dice_diffusion")
def dice_diffusion_explorer(n_dice: int = 3, sides: int = 6, steps: int = 40) -> Explorer:
    """Sum of dice (repeated convolution of a pmf) and heat diffusion (repeated blur) approach a Gaussian."""
    controls = {
        "n_dice": W.IntSlider(n_dice, min=1, max=30, description="dice"),
        "sides": W.Dropdown(options=[2, 4, 6, 8, 12, 20], value=sides, description="sides"),
        "steps": W.IntSlider(steps, min=0, max=400, step=10, description="heat steps"),
        "alpha": W.Text("0.25", description="α"),
    }
    parsers = {"alpha": lambda t: parse_number(t, "α", minimum=1e-6, maximum=0.5)}
    fig, (ax_d, ax_h) = new_figure(1, 2, figsize=(10, 4))
    pmf_line, = ax_d.plot([], [], "o", label="exact (convolutions)")
    normal_line, = ax_d.plot([], [], "-", label="normal, same mean and variance")
    ax_d.set_xlabel("total of the dice")
    ax_d.set_ylabel("probability")
    ax_d.legend(loc="upper right", fontsize=10)
    x = np.arange(DIFFUSION_POINTS) - DIFFUSION_POINTS // 2
    start = (x == 0).astype(float)
    heat_line, = ax_h.plot(x, start, "-", label="after the steps")
    gauss_line, = ax_h.plot(x, start, "--", label="Gaussian, σ = √(2αt)")
    ax_h.set_xlabel("position")
    ax_h.set_ylabel("heat")
    ax_h.set_title("diffusion of a spike")
    ax_h.legend(loc="upper right", fontsize=10)

    def draw(v):
        totals, pmf = C.dice_sum_pmf(v["n_dice"], v["sides"])
        normal = C.normal_approximation(totals, v["n_dice"], v["sides"])
        heat = C.heat_diffusion(start, v["steps"], v["alpha"])
        sigma = C.diffusion_sigma(v["alpha"], v["steps"])
        gauss = C.diffusion_gaussian(x, v["alpha"], v["steps"])
        pmf_line.set_data(totals, pmf)
        normal_line.set_data(totals, normal)
        ax_d.set_xlim(totals[0] - 1, totals[-1] + 1)
        ax_d.set_ylim(0, max(pmf.max(), normal.max()) * 1.15)
        ax_d.set_title(f"sum of {v['n_dice']} dice with {v['sides']} sides")
        heat_line.set_ydata(heat)
        gauss_line.set_ydata(gauss)
        ax_h.set_ylim(0, max(heat.max(), 1e-9) * 1.15)
        gap = np.abs(pmf - normal).max()
        return (f"Largest gap between the exact distribution and the normal curve: {gap:.4f}. "
                f"Heat after {v['steps']} steps has spread to σ = {sigma:.2f} positions.")

    return Explorer("convolution.dice_diffusion", controls, fig, draw, parsers=parsers,
                    artists={"pmf": pmf_line, "normal": normal_line, "heat": heat_line, "gauss": gauss_line})


MAX_LAYERS = 60


@register("convolution.network_cost")
def network_cost_explorer(network: str = "resnet50") -> Explorer:
    """Per-layer multiply-accumulates or parameters of AlexNet, VGG-16 or ResNet-50 (224 × 224 input)."""
    controls = {
        "network": W.Dropdown(options=list(C.NETWORKS), value=network, description="network"),
        "metric": W.ToggleButtons(options=["MACs", "parameters"], value="MACs", description="show"),
        "log": W.Checkbox(False, description="log scale"),
    }
    fig, ax = new_figure(figsize=(10, 4))
    bars = ax.bar(np.arange(MAX_LAYERS), np.ones(MAX_LAYERS))
    ax.set_xlabel("layer (in forward order)")
    legend_handles = [
        W_patch(PALETTE[0], "convolution"),
        W_patch(PALETTE[1], "fully connected"),
    ]
    ax.legend(handles=legend_handles, loc="upper right")

    def draw(v):
        cost = C.network_cost(v["network"])
        values = np.array([layer.macs if v["metric"] == "MACs" else layer.params for layer in cost.layers],
                          dtype=float)
        for i, bar in enumerate(bars):
            if i < len(values):
                bar.set_height(values[i])
                bar.set_color(PALETTE[0] if cost.layers[i].kind == "conv" else PALETTE[1])
                bar.set_visible(True)
            else:
                bar.set_height(1)
                bar.set_visible(False)
        ax.set_xlim(-1, len(values))
        ax.set_yscale("log" if v["log"] else "linear")
        ax.set_ylim((values.min() / 2, values.max() * 2) if v["log"] else (0, values.max() * 1.1))
        ax.set_ylabel("multiply-accumulates" if v["metric"] == "MACs" else "parameters")
        ax.set_title(f"{v['network']}: {len(values)} weight layers")
        return published_comparison(cost)

    return Explorer("convolution.network_cost", controls, fig, draw, artists={"bars": bars})


def W_patch(color: str, label: str):
    """A legend handle: a coloured box with a label."""
    from matplotlib.patches import Patch

    return Patch(color=color, label=label)


def published_comparison(cost: C.NetworkCost) -> str:
    """HTML: computed totals beside the published figures (with sources) for one network."""
    rows = [f"<tr><td>computed here, layer by layer</td><td>{cost.gmacs:.3f}</td>"
            f"<td>{cost.params / 1e6:.2f}</td></tr>"]
    for r in cost.published:
        gmac = f"{r.value:.3g}" if r.quantity == "macs" else ""
        params = f"{r.value / 1e6:.2f}" if r.quantity == "params" else ""
        rows.append(f"<tr><td>{html.escape(r.source_short)}: {html.escape(r.source)} ({r.as_of})</td>"
                    f"<td>{gmac}</td><td>{params}</td></tr>")
    head = "<tr><th>figure</th><th>GMACs</th><th>M params</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"
