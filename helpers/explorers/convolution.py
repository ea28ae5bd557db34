"""Explorers for notebook 01 (convolution): wiring only; every formula lives in helpers.convolution."""

from __future__ import annotations

import html
from functools import cache

import ipywidgets as W
import numpy as np
from matplotlib import cbook, colormaps
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

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


def output_display(kernel_values: np.ndarray, out: np.ndarray) -> tuple[str, float, float]:
    """How the kernel explorer shows an output: (colour map, vmin, vmax).

    A kernel that sums to 0 gives a *signed* output (positive and negative changes, 0 on flat regions): it is
    shown on a diverging map centred at 0, symmetric limits. Any other kernel gives an image: grey on the
    input's own scale 0..1, so brightness can be compared with the input (values beyond are clipped).
    """
    if abs(float(np.sum(kernel_values))) < 1e-9:
        limit = float(np.abs(out).max())
        limit = limit if limit > 1e-12 else 1.0
        return DIVERGING_CMAP, -limit, limit
    return "gray", 0.0, 1.0


@register("convolution.kernel")
def kernel_explorer(kernel: str = "sobel x") -> Explorer:
    """Pick or type a kernel; see the image, the kernel and the convolved image side by side."""
    controls = {
        "kernel": W.Dropdown(options=[*C.KERNELS, CUSTOM], value=kernel, description="kernel"),
        "sigma": W.FloatSlider(1.0, min=0.3, max=2.5, step=0.1, description="σ (Gaussian)"),
        "custom": W.Textarea("0 -1 0\n-1 5 -1\n0 -1 0", description="custom", rows=4),
        "image": _image_dropdown(),
    }
    fig, (ax_in, ax_k, ax_out) = new_figure(1, 3, figsize=(10.5, 3.8))
    im_in = ax_in.imshow(C.sample_image(128), vmin=0, vmax=1)
    im_k = ax_k.imshow(np.zeros((3, 3)), cmap=DIVERGING_CMAP, vmin=-1, vmax=1)
    im_out = ax_out.imshow(np.zeros((128, 128)), vmin=0, vmax=1)
    colorbar = fig.colorbar(im_out, ax=ax_out, fraction=0.046, pad=0.04)
    ax_in.set_title("input")
    ax_k.set_title("kernel (red +, blue −)")
    ax_out.set_title("input ∗ kernel")
    _clean_axes(ax_in, ax_k, ax_out)

    def draw(v):
        kernel_values = kernel_from_controls(v["kernel"], v["sigma"], v["custom"])
        image = image_named(v["image"])
        out = C.conv2d(image, kernel_values, mode="same")
        im_in.set_data(image)
        limit = max(np.abs(kernel_values).max(), 1e-12)
        im_k.set_data(kernel_values)
        im_k.set_extent((-0.5, kernel_values.shape[1] - 0.5, kernel_values.shape[0] - 0.5, -0.5))
        im_k.set_clim(-limit, limit)
        cmap, lo, hi = output_display(kernel_values, out)
        im_out.set_data(out)
        im_out.set_cmap(cmap)
        im_out.set_clim(lo, hi)
        colorbar.update_normal(im_out)
        total = kernel_values.sum()
        if abs(total) < 1e-9:
            ax_out.set_title("input ∗ kernel (signed)")
            meaning = ("sums to 0: the output is signed. Flat regions give 0 (white, the middle of the colour "
                       "bar); red and blue mark brightness rising or falling, i.e. edges")
        else:
            ax_out.set_title("input ∗ kernel (grey 0..1)")
            meaning = ("sums to 1: average brightness is kept" if abs(total - 1) < 1e-9 else
                       f"sums to {total:.3g}: flat regions are scaled by that factor")
            clipped = float(np.mean((out < 0) | (out > 1)))
            meaning += f"; shown on the input's grey scale 0..1 ({clipped:.1%} of pixels fall outside and are clipped)"
        return f"{_kernel_table(kernel_values)} &nbsp; This kernel {meaning}."

    return Explorer("convolution.kernel", controls, fig, draw,
                    artists={"input": im_in, "kernel": im_k, "output": im_out, "colorbar": colorbar})


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
    note = ("<tr><td colspan=3><i>Sources that write 'FLOPs' or 'GFLOPS' here count one multiply-add as one "
            "operation: these are GMACs. In hardware FLOPs (multiply and add counted apart) double them.</i>"
            "</td></tr>")
    return f"<table>{head}{''.join(rows)}{note}</table>"


# ---- notebook 01 second edition ------------------------------------------------------------------------------

def filter_profile_control(value: str = "ideal") -> W.ToggleButtons:
    return W.ToggleButtons(options=list(C.FILTER_PROFILES), value=value, description="mask")


@register("convolution.spectrum_shaped")
def spectrum_filter_explorer(cutoff: float = 0.08, keep: str = "low", profile: str = "ideal") -> Explorer:
    """Filter an image in frequency space with an ideal (sharp) or a Gaussian (smooth) mask, and see the ringing
    an ideal mask leaves next to edges."""
    controls = {
        "cutoff": W.FloatSlider(cutoff, min=0.01, max=0.7, step=0.01, description="cutoff (cyc/px)",
                                readout_format=".2f"),
        "keep": W.ToggleButtons(options=["low", "high"], value=keep, description="keep"),
        "profile": filter_profile_control(profile),
        "image": _image_dropdown(),
        "rotate": W.IntSlider(0, min=0, max=90, step=15, description="rotate image (°)"),
    }
    fig, (ax_spec, ax_out, ax_row) = new_figure(1, 3, figsize=(11, 3.8), width_ratios=[1, 1, 1.3])
    im_spec = ax_spec.imshow(np.zeros((128, 128)), cmap="magma")
    im_mask = ax_spec.imshow(np.zeros((128, 128, 4)))
    im_out = ax_out.imshow(np.zeros((128, 128)))
    row_in, = ax_row.plot(np.arange(128), np.zeros(128), color=PALETTE[7], linewidth=1.2, label="image row")
    row_out, = ax_row.plot(np.arange(128), np.zeros(128), color=PALETTE[3], label="filtered row")
    row_mark = ax_out.axhline(64, color=PALETTE[1], linewidth=1)
    ax_spec.set_title("log |spectrum| × mask")
    ax_out.set_title("filtered image")
    ax_row.set_xlabel("column")
    ax_row.set_ylabel("brightness")
    ax_row.legend(loc="upper right", fontsize=10)
    _clean_axes(ax_spec, ax_out)

    def draw(v):
        image = _rotated_image(v["image"], v["rotate"])
        filtered, log_spectrum, weights = C.shaped_frequency_filter(image, v["cutoff"], v["keep"], v["profile"])
        im_spec.set_data(log_spectrum)
        im_spec.set_clim(*np.percentile(log_spectrum, [5, 99.9]))
        overlay = np.zeros((*weights.shape, 4))
        overlay[..., 3] = 0.8 * (1 - weights)
        im_mask.set_data(overlay)
        im_out.set_data(filtered)
        im_out.set_clim(0, 1) if v["keep"] == "low" else im_out.set_clim(*np.percentile(filtered, [1, 99]))
        row = ROW_THROUGH_SQUARE
        row_in.set_ydata(image[row])
        row_out.set_ydata(filtered[row])
        row_mark.set_ydata([row, row])
        both = np.concatenate([image[row], filtered[row]])
        ax_row.set_ylim(both.min() - 0.1, both.max() + 0.1)
        ax_row.set_title(f"row {row} (orange line)")
        ringing = C.step_overshoot(v["cutoff"], v["profile"]) if v["keep"] == "low" else None
        text = ("" if ringing is None else
                f"A sharp step filtered with this mask overshoots by <b>{ringing:.1%}</b> of its height "
                f"({'ringing: the Gibbs phenomenon' if ringing > 0.005 else 'no ringing'}). ")
        turned = (f" The image is turned by {v['rotate']}°, and the streaks of its spectrum turn with it: the "
                  "spectrum of a rotated image is the rotated spectrum." if v["rotate"] else "")
        return text + (f"Kept weight {weights.mean():.1%} of the frequency bins on average. Multiplying the "
                       "spectrum by the mask is one convolution of the image with the mask's inverse transform."
                       + turned)

    return Explorer("convolution.spectrum_shaped", controls, fig, draw,
                    artists={"spectrum": im_spec, "mask": im_mask, "output": im_out, "row_in": row_in,
                             "row_out": row_out})


@cache
def _rotated_image(name: str, degrees: int) -> np.ndarray:
    return C.rotate_image(image_named(name), degrees) if degrees else image_named(name)


ROW_THROUGH_SQUARE = 36  # a row of the 128-pixel course image that crosses the dark square and the disc


# ---- the sliding window, with channels ------------------------------------------------------------------------

WINDOW_N = 5          # input size (pixels per side) of the sliding-window explorer
WINDOW_K = 3          # kernel size
MAX_PAD, MAX_IN, MAX_OUT = 2, 3, 2


@cache
def window_example() -> tuple[np.ndarray, np.ndarray]:
    """The sliding-window explorer's fixed numbers: input (3, 5, 5) of whole numbers 0..4 and kernels
    (2, 3, 3, 3) of -1, 0, 1 (seeded), small enough to check by hand."""
    rng = np.random.default_rng(7)
    return rng.integers(0, 5, (MAX_IN, WINDOW_N, WINDOW_N)).astype(float), \
        rng.integers(-1, 2, (MAX_OUT, MAX_IN, WINDOW_K, WINDOW_K)).astype(float)


def _products_table(terms: C.WindowTerms, channel: int) -> str:
    cells = "".join(
        "<tr>" + "".join(f"<td style='padding:0 5px;text-align:right'>{x:g}·{w:+g}</td>"
                         for x, w in zip(terms.patch[channel, i], terms.kernel[channel, i])) + "</tr>"
        for i in range(terms.patch.shape[1]))
    return (f"<table style='display:inline-table;font-family:monospace;margin-right:10px'>"
            f"<caption>channel {channel}: sum {terms.channel_sums[channel]:g}</caption>{cells}</table>")


@register("convolution.sliding_window")
def sliding_window_explorer(c_in: int = 2, c_out: int = 2, padding: int = 0, stride: int = 1,
                            dilation: int = 1, flip: bool = False) -> Explorer:
    """Step a 3x3 kernel over a small multi-channel input: the products under it, their sum per input channel,
    the total written into the output cell; one kernel stack per output channel."""
    controls = {
        "position": W.IntSlider(0, min=0, max=17, description="step"),
        "c_in": W.IntSlider(c_in, min=1, max=MAX_IN, description="input channels"),
        "c_out": W.IntSlider(c_out, min=1, max=MAX_OUT, description="output channels"),
        "padding": W.IntSlider(padding, min=0, max=MAX_PAD, description="padding p"),
        "stride": W.IntSlider(stride, min=1, max=3, description="stride s"),
        "dilation": W.IntSlider(dilation, min=1, max=2, description="dilation d"),
        "flip": W.Checkbox(flip, description="flip the kernel (true convolution)"),
    }
    play = W.Play(value=0, min=0, max=17, interval=900, description="play")
    W.jslink((play, "value"), (controls["position"], "value"))
    size_in = WINDOW_N + 2 * MAX_PAD
    size_out = C.output_size(WINDOW_N, WINDOW_K, MAX_PAD)
    fig, grid = new_figure(2, MAX_IN + MAX_OUT, figsize=(13, 5.6), height_ratios=[1.7, 1])
    axes, kernel_axes = grid[0], grid[1, :MAX_IN]
    for ax in grid[1, MAX_IN:]:
        ax.set_axis_off()    # the row of kernels has one grid per input channel only
    in_axes, out_axes = axes[:MAX_IN], axes[MAX_IN:]
    in_images, in_texts, windows, taps = [], [], [], []
    for ax in in_axes:
        in_images.append(ax.imshow(np.zeros((size_in, size_in)), cmap="Greys", vmin=-3, vmax=10))
        in_texts.append([ax.text(j, i, "", ha="center", va="center", fontsize=10)
                         for i in range(size_in) for j in range(size_in)])
        windows.append(ax.add_patch(Rectangle((-0.5, -0.5), 3, 3, fill=False, edgecolor=PALETTE[1],
                                              linewidth=2.5)))
        taps.append(ax.scatter([0], [0], s=100, marker="s", color=PALETTE[1], alpha=0.35))
    out_images, out_covers, out_texts, cursors = [], [], [], []
    for ax in out_axes:
        out_images.append(ax.imshow(np.zeros((size_out, size_out)), cmap=DIVERGING_CMAP, vmin=-10, vmax=10))
        out_covers.append(ax.imshow(np.zeros((size_out, size_out, 4))))  # white over cells not computed yet
        out_texts.append([ax.text(j, i, "", ha="center", va="center", fontsize=10)
                          for i in range(size_out) for j in range(size_out)])
        cursors.append(ax.add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor=PALETTE[1],
                                              linewidth=2.5)))
    x_all, w_all = window_example()
    w_limit = float(np.abs(w_all).max())
    kernel_images = [ax.imshow(np.zeros((WINDOW_K, WINDOW_K)), cmap=DIVERGING_CMAP, vmin=-2.5 * w_limit,
                                   vmax=2.5 * w_limit)  # pale, so the weights printed on top stay readable
                     for ax in kernel_axes]
    kernel_texts = [_kernel_texts(ax, WINDOW_K) for ax in kernel_axes]
    _clean_axes(*axes, *kernel_axes)

    def draw(v):
        c_in_, c_out_ = v["c_in"], v["c_out"]
        p, s, d = v["padding"], v["stride"], v["dilation"]
        x, w = x_all[:c_in_], w_all[:c_out_, :c_in_]
        out = C.conv_layer(x, w, padding=p, stride=s, dilation=d, flip=v["flip"])
        _, oh, ow = out.shape
        last = c_out_ * oh * ow - 1
        for widget in (controls["position"], play):
            if widget.max != last:
                widget.max = last
        position = min(v["position"], last)
        o, cell = divmod(position, oh * ow)
        row, col = divmod(cell, ow)
        terms = C.window_terms(x, w, o, row, col, padding=p, stride=s, dilation=d, flip=v["flip"])
        size = WINDOW_N + 2 * p
        marker = (150 / size) ** 2
        for c, ax in enumerate(in_axes):
            shown = c < c_in_
            padded = np.pad(x_all[c], p)
            in_images[c].set_data(padded)
            in_images[c].set_extent((-0.5, size - 0.5, size - 0.5, -0.5))
            in_images[c].set_visible(shown)
            for idx, t in enumerate(in_texts[c]):
                i, j = divmod(idx, size_in)
                t.set_text(f"{padded[i, j]:g}" if shown and i < size and j < size else "")
            span = d * (WINDOW_K - 1) + 1
            windows[c].set_xy((terms.cols[0] - 0.5, terms.rows[0] - 0.5))
            windows[c].set_width(span)
            windows[c].set_height(span)
            windows[c].set_visible(shown)
            rr, cc = np.meshgrid(terms.rows, terms.cols, indexing="ij")
            taps[c].set_offsets(np.column_stack([cc.ravel(), rr.ravel()]))
            taps[c].set_sizes([marker])
            taps[c].set_visible(shown)
            ax.set_xlim(-0.5, size - 0.5)
            ax.set_ylim(size - 0.5, -0.5)
            ax.set_title(f"input channel {c}" if shown else "")
            ax.set_axis_on() if shown else ax.set_axis_off()
            kernel_images[c].set_data(terms.kernel[c] if shown else np.zeros((WINDOW_K, WINDOW_K)))
            kernel_images[c].set_visible(shown)
            for t, value in zip(kernel_texts[c], terms.kernel[c].ravel() if shown else [0.0] * WINDOW_K ** 2):
                t.set_text(f"{value:g}" if shown else "")
            kernel_axes[c].set_title(f"weights w[{o}, {c}]" + (", flipped" if v["flip"] else "") if shown else "")
            kernel_axes[c].set_axis_on() if shown else kernel_axes[c].set_axis_off()
        limit = max(np.abs(out).max(), 1.0)
        for k, ax in enumerate(out_axes):
            shown = k < c_out_
            computed = np.zeros(oh * ow, dtype=bool)
            computed[: oh * ow if k < o else cell + 1 if k == o else 0] = True
            computed = computed.reshape(oh, ow)
            values = out[k] if shown else np.zeros((oh, ow))
            cover = np.ones((oh, ow, 4))
            cover[..., 3] = np.where(computed, 0.0, 1.0)
            for im in (out_images[k], out_covers[k]):
                im.set_extent((-0.5, ow - 0.5, oh - 0.5, -0.5))
                im.set_visible(shown)
            out_images[k].set_data(values)
            out_images[k].set_clim(-limit, limit)
            out_covers[k].set_data(cover)
            for idx, t in enumerate(out_texts[k]):
                i, j = divmod(idx, size_out)
                t.set_text(f"{values[i, j]:g}" if shown and i < oh and j < ow and computed[i, j] else "")
            cursors[k].set_xy((col - 0.5, row - 0.5))
            cursors[k].set_visible(shown and k == o)
            ax.set_xlim(-0.5, ow - 0.5)
            ax.set_ylim(oh - 0.5, -0.5)
            ax.set_title(f"output channel {k} ({oh}×{ow})" if shown else "")
        tables = "".join(_products_table(terms, c) for c in range(c_in_))
        sums = " + ".join(f"{v_:g}" for v_ in terms.channel_sums)
        kind = "convolution (kernel flipped)" if v["flip"] else "cross-correlation (what deep-learning layers do)"
        return (f"<b>Output channel {o}, cell (row {row}, column {col})</b>, {kind}: each entry is input·weight "
                f"under the window.<br>{tables}<br>Sum over the {c_in_} input channel(s): {sums} = "
                f"<b>{terms.total:g}</b>. Output size ⌊({WINDOW_N} + 2·{p} − {d}·({WINDOW_K}−1) − 1)/{s}⌋ + 1 = "
                f"{oh}; weights in this layer: {c_out_}·{c_in_}·{WINDOW_K}·{WINDOW_K} = "
                f"{c_out_ * c_in_ * WINDOW_K * WINDOW_K}.")

    def layout(ctrl):
        return W.VBox([W.HBox([play, ctrl["position"]]), W.HBox([ctrl["c_in"], ctrl["c_out"]]),
                       W.HBox([ctrl["padding"], ctrl["stride"], ctrl["dilation"]]), ctrl["flip"]])

    explorer = Explorer("convolution.sliding_window", controls, fig, draw, layout=layout,
                        artists={"inputs": in_images, "outputs": out_images, "covers": out_covers,
                                 "kernels": kernel_images, "kernel_texts": kernel_texts,
                                 "windows": windows, "taps": taps,
                                 "cursors": cursors, "input_texts": in_texts, "output_texts": out_texts})
    explorer.play = play
    return explorer


# ---- learning a kernel ------------------------------------------------------------------------------------

LEARN_STEPS = 200


@cache
def _learning_run(target: str, lr: float) -> tuple[np.ndarray, np.ndarray, int | None]:
    images, targets = C.edge_training_pairs(8, 16, target, seed=0)
    return C.learn_kernel_trace(images, targets, steps=LEARN_STEPS, lr=lr, seed=0)


@cache
def _lr_limit() -> float:
    return C.gradient_descent_lr_limit(C.edge_training_pairs(8, 16, "convolution", seed=0)[0])


def _kernel_texts(ax, size: int = 3):
    return [ax.text(j, i, "", ha="center", va="center", fontsize=11) for i in range(size) for j in range(size)]


@register("convolution.learned_kernel")
def learned_kernel_explorer(target: str = "convolution") -> Explorer:
    """Gradient descent learns a 3x3 kernel from random images and their Sobel edge maps: watch the kernel,
    the loss, and what the kernel does to the course image, step by step."""
    controls = {
        "step": W.IntSlider(LEARN_STEPS, min=0, max=LEARN_STEPS, description="training step"),
        "target": W.ToggleButtons(options=["convolution", "correlation"], value=target,
                                  description="edge maps made by"),
        "lr": W.Dropdown(options=[0.1, 0.5, 2.0, 13.0], value=0.5, description="learning rate"),
    }
    play = W.Play(value=LEARN_STEPS, min=0, max=LEARN_STEPS, step=2, interval=100, description="play")
    W.jslink((play, "value"), (controls["step"], "value"))
    fig, (ax_k, ax_loss, ax_out) = new_figure(1, 3, figsize=(11, 3.6), width_ratios=[1, 1.4, 1])
    im_k = ax_k.imshow(np.zeros((3, 3)), cmap=DIVERGING_CMAP, vmin=-2.5, vmax=2.5)
    texts = _kernel_texts(ax_k)
    loss_line, = ax_loss.plot(np.arange(LEARN_STEPS + 1), np.ones(LEARN_STEPS + 1), label="loss")
    loss_dot, = ax_loss.plot([0], [1], "o", color=PALETTE[3], label="this step")
    log_axis(ax_loss, "y", si_labels=False)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("mean squared error")
    ax_loss.legend(loc="upper right", fontsize=10)
    im_out = ax_out.imshow(np.zeros((128, 128)), cmap=DIVERGING_CMAP, vmin=-1, vmax=1)
    ax_out.set_title("kernel on the image")
    _clean_axes(ax_k, ax_out)

    def draw(v):
        kernels, losses, diverged_at = _learning_run(v["target"], float(v["lr"]))
        step = min(v["step"], len(losses) - 1)   # a diverged run stops early
        kernel = kernels[step]
        im_k.set_data(kernel)
        for t, value in zip(texts, kernel.ravel()):
            t.set_text(f"{0.0 if abs(value) < 0.005 else value:.2f}" if abs(value) < 100 else f"{value:.0e}")
        ax_k.set_title(f"kernel, step {step}")
        loss_line.set_data(np.arange(len(losses)), losses)   # a diverged run ends where it stopped
        loss_dot.set_data([step], [losses[step]])
        ax_loss.set_ylim(max(losses.min() / 3, 1e-30), losses.max() * 3)
        if diverged_at is not None:
            return (f"<b>The descent diverged</b>: the loss grew from {losses[0]:.2f} to {losses[-1]:.1e} by step "
                    f"{diverged_at}, where the run stops (shown: step {step}). A gradient step multiplies the error "
                    f"along the steepest direction by (1 − lr·λ<sub>max</sub>); for these images it is stable only "
                    f"for lr &lt; 2/λ<sub>max</sub> = <b>{_lr_limit():.1f}</b>.")
        out = C.correlate2d(C.sample_image(128), kernel)
        limit = max(float(np.abs(out).max()), 1e-9)
        im_out.set_data(out)
        im_out.set_clim(-limit, limit)
        sobel = C.KERNELS["sobel x"]
        gap_plain = np.abs(kernel - sobel).max()
        gap_flip = np.abs(kernel - sobel[::-1, ::-1]).max()
        closer = "Sobel-x flipped" if gap_flip < gap_plain else "Sobel-x as written"
        return (f"Step {step}: loss {losses[step]:.2e}. The kernel is closest to <b>{closer}</b> "
                f"(largest difference {min(gap_plain, gap_flip):.3f}). The layer computes cross-correlation; "
                f"the edge maps were made by {v['target']}.")

    def layout(ctrl):
        return W.VBox([W.HBox([play, ctrl["step"]]), W.HBox([ctrl["target"], ctrl["lr"]])])

    explorer = Explorer("convolution.learned_kernel", controls, fig, draw, layout=layout,
                        artists={"kernel": im_k, "loss": loss_line, "dot": loss_dot, "output": im_out})
    explorer.play = play
    return explorer


# ---- receptive field ------------------------------------------------------------------------------------

RF_LAYERS = 4


@register("convolution.receptive_field")
def receptive_field_explorer() -> Explorer:
    """Stack up to four layers (kernel, stride, dilation each); see which input pixels one output pixel sees,
    and through how many paths."""
    defaults = [(3, 1, 1)] * RF_LAYERS
    controls = {"layers": W.IntSlider(3, min=1, max=RF_LAYERS, description="layers used")}
    for i, (k, s, d) in enumerate(defaults, start=1):
        controls[f"k{i}"] = W.IntSlider(k, min=1, max=7, step=2, description=f"layer {i}: kernel")
        controls[f"s{i}"] = W.IntSlider(s, min=1, max=2, description="stride")
        controls[f"d{i}"] = W.IntSlider(d, min=1, max=3, description="dilation")
    fig, (ax_map, ax_profile) = new_figure(1, 2, figsize=(10, 4), width_ratios=[1, 1.3])
    cmap = colormaps["viridis"].with_extremes(under="white")  # pixels no path reaches: white
    im = ax_map.imshow(np.zeros((3, 3)), cmap=cmap, vmin=0.5, vmax=1)
    fig.colorbar(im, ax=ax_map, fraction=0.046, pad=0.04, label="paths")
    profile, = ax_profile.plot([0], [1], "o-", markersize=3, color=PALETTE[0])
    ax_profile.set_xlabel("input pixel (offset from the window's start)")
    ax_profile.set_ylabel("paths to the output pixel")
    ax_profile.set_title("along one axis")
    ax_map.set_xlabel("input column")
    ax_map.set_ylabel("input row")

    def draw(v):
        layers = [(v[f"k{i}"], v[f"s{i}"], v[f"d{i}"]) for i in range(1, v["layers"] + 1)]
        paths = C.receptive_field_paths(layers)
        r = len(paths)
        margin = max(2, r // 4)  # some input around the field, which the output pixel never sees
        grid = np.pad(np.outer(paths, paths), margin)
        side = r + 2 * margin
        im.set_data(grid)
        im.set_extent((-margin - 0.5, side - margin - 0.5, side - margin - 0.5, -margin - 0.5))
        im.set_clim(0.5, max(grid.max(), 1.0))
        ax_map.set_xlim(-margin - 0.5, side - margin - 0.5)
        ax_map.set_ylim(side - margin - 0.5, -margin - 0.5)
        ax_map.set_title(f"receptive field {r} × {r}")
        profile.set_data(np.arange(r), paths)
        ax_profile.set_xlim(-1, r)
        ax_profile.set_ylim(0, paths.max() * 1.1)
        jumps = np.cumprod([1] + [s for _, s, _ in layers])[:-1]
        terms = " + ".join(f"{d}·({k}−1)·{j}" for (k, _, d), j in zip(layers, jumps))
        centre = paths[r // 2]
        last = ("" if layers[-1][1] == 1 else
                f" The last layer's stride {layers[-1][1]} only spaces the output pixels apart; it does not change "
                "what one output pixel sees.")
        return (f"r = 1 + Σ d·(k−1)·(product of earlier strides) = 1 + {terms} = <b>{r}</b> pixels per side. "
                f"Along one axis (right) the centre pixel reaches the output through {centre:g} paths, an end "
                f"pixel through {paths[0]:g}; in 2-D (the map) the counts multiply: the centre through "
                f"<b>{centre ** 2:g}</b> paths, a corner through {paths[0] ** 2:g}. Pixels near the centre count "
                f"for more.{last}")

    def layout(ctrl):
        rows = [W.HBox([ctrl[f"k{i}"], ctrl[f"s{i}"], ctrl[f"d{i}"]]) for i in range(1, RF_LAYERS + 1)]
        return W.VBox([ctrl["layers"], *rows])

    return Explorer("convolution.receptive_field", controls, fig, draw, layout=layout,
                    artists={"map": im, "profile": profile})


# ---- diffusion is a Gaussian blur --------------------------------------------------------------------------

DIFFUSION_MAX_STEPS = 100


@register("convolution.diffusion_blur")
def diffusion_blur_explorer(steps: int = 40) -> Explorer:
    """Run the 2-D heat equation on the course image and compare it with one Gaussian blur of σ = √(2αt)."""
    controls = {
        "steps": W.IntSlider(steps, min=0, max=DIFFUSION_MAX_STEPS, description="time steps t"),
        "alpha": W.Dropdown(options=[0.05, 0.1, 0.2, 0.25], value=0.1, description="α = D·Δt"),
        "image": _image_dropdown(),
    }
    fig, (ax_heat, ax_blur, ax_diff) = new_figure(1, 3, figsize=(11, 3.8))
    im_heat = ax_heat.imshow(np.zeros((128, 128)), vmin=0, vmax=1)
    im_blur = ax_blur.imshow(np.zeros((128, 128)), vmin=0, vmax=1)
    im_diff = ax_diff.imshow(np.zeros((128, 128)), cmap=DIVERGING_CMAP, vmin=-0.05, vmax=0.05)
    fig.colorbar(im_diff, ax=ax_diff, fraction=0.046, pad=0.04)
    ax_diff.set_title("difference")
    _clean_axes(ax_heat, ax_blur, ax_diff)

    def draw(v):
        heat = C.diffuse_image(image_named(v["image"]), v["steps"], float(v["alpha"]))
        sigma = C.diffusion_sigma(float(v["alpha"]), v["steps"])
        blur = C.gaussian_blur(image_named(v["image"]), sigma) if sigma > 0 else image_named(v["image"])
        im_heat.set_data(heat)
        im_blur.set_data(blur)
        im_diff.set_data(heat - blur)
        ax_heat.set_title(f"heat equation, {v['steps']} steps")
        ax_blur.set_title(f"Gaussian blur, σ = {sigma:.2f} px")
        gap = float(np.abs(heat - blur).max())
        limit = (" At α = 0.25, the 2-D stability limit, the step kernel's centre weight is 0: heat jumps to the "
                 "neighbours and back, leaving a checkerboard that the blur does not have."
                 if float(v["alpha"]) == 0.25 and v["steps"] > 0 else "")
        return (f"σ = √(2·α·t) = √(2·{v['alpha']}·{v['steps']}) = <b>{sigma:.2f}</b> pixels. Largest difference "
                f"between diffusion and the single blur: <b>{gap:.3f}</b> (on a 0..1 brightness scale).{limit}")

    return Explorer("convolution.diffusion_blur", controls, fig, draw,
                    artists={"heat": im_heat, "blur": im_blur, "difference": im_diff})
