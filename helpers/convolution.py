"""Convolution: 2-D convolution and cross-correlation, output shapes, kernels, costs, and its other readings.

Conventions (as in ``scipy.signal``):

* ``conv2d`` is *true* convolution: the kernel is flipped in both axes before it slides (``correlate2d``
  does not flip; deep-learning frameworks compute that one and call it convolution).
* Zero padding. ``mode`` ``"valid"`` (no padding), ``"same"`` (output as large as the input at stride 1,
  centred on the ``"full"`` output like scipy), ``"full"`` (every overlap).
* ``dilation`` d spreads the kernel taps d pixels apart (effective size d(k-1)+1); ``stride`` s keeps every
  s-th output of the stride-1 result, starting with the first.

Pure numpy/scipy: nothing here imports widgets or matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import scipy.fft

from . import checks
from .data import load_table

MODES = ("valid", "same", "full")
METHODS = ("direct", "fft")


# ---- shapes -------------------------------------------------------------------------------------

def effective_kernel_size(k: int, dilation: int = 1) -> int:
    """Span of a k-tap kernel with taps ``dilation`` apart: d(k-1)+1 pixels."""
    return checks.whole(dilation, "dilation") * (checks.whole(k, "kernel size") - 1) + 1


def output_size(n: int, k: int, padding: int, stride: int = 1, dilation: int = 1) -> int:
    """Output length along one axis: floor((n + 2p - d(k-1) - 1) / s) + 1 (PyTorch's Conv2d formula).

    ``padding`` is the number of zeros added on *each* side. Raises ``ValueError`` when the (dilated)
    kernel does not fit in the padded input.
    """
    n = checks.whole(n, "input size n")
    checks.whole(padding, "padding", 0)
    stride = checks.whole(stride, "stride")
    span = effective_kernel_size(k, dilation)
    if span > n + 2 * padding:
        raise ValueError(
            f"the kernel spans {span} pixels (k={k}, dilation={dilation}) but the padded input has only "
            f"{n + 2 * padding} (n={n}, padding={padding})"
        )
    return (n + 2 * padding - span) // stride + 1


def mode_padding(k_eff: int, mode: str, flipped: bool = True) -> tuple[int, int]:
    """Zeros added before and after along one axis for ``mode``, given the effective kernel span.

    For an even span, 'same' cannot be centred exactly; like scipy, convolution (``flipped``) puts the
    extra zero before, cross-correlation after.

    Parameters
    ----------
    k_eff : int
        Effective kernel span in pixels, d(k-1)+1, at least 1.
    mode : {'valid', 'same', 'full'}
    flipped : bool
        True for convolution, False for cross-correlation.

    Returns
    -------
    (int, int)
        Zeros before and after, in pixels.

    Examples
    --------
    >>> mode_padding(3, "same"), mode_padding(4, "same"), mode_padding(4, "same", flipped=False)
    ((1, 1), (2, 1), (1, 2))
    >>> mode_padding(3, "full")
    (2, 2)
    """
    k_eff = checks.whole(k_eff, "k_eff")
    if mode == "valid":
        return 0, 0
    if mode == "full":
        return k_eff - 1, k_eff - 1
    if mode == "same":
        before = k_eff // 2 if flipped else (k_eff - 1) // 2
        return before, k_eff - 1 - before
    raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


# ---- convolution --------------------------------------------------------------------------------

def dilate_kernel(kernel: np.ndarray, dilation: int) -> np.ndarray:
    """The kernel with ``dilation - 1`` zeros between taps (what a dilated convolution multiplies by)."""
    kernel = checks.array(kernel, "kernel", ndim=2)
    d = checks.whole(dilation, "dilation")
    kh, kw = kernel.shape
    out = np.zeros(((kh - 1) * d + 1, (kw - 1) * d + 1))
    out[::d, ::d] = kernel
    return out


def _check_args(image, kernel, mode, stride, dilation, method):
    image, kernel = checks.array(image, "image", ndim=2), checks.array(kernel, "kernel", ndim=2)
    checks.choice(mode, "mode", MODES)
    checks.choice(method, "method", METHODS)
    stride, dilation = checks.whole(stride, "stride"), checks.whole(dilation, "dilation")
    spans = [effective_kernel_size(k, dilation) for k in kernel.shape]
    if mode == "valid" and any(s > n for s, n in zip(spans, image.shape)):
        raise ValueError(f"in 'valid' mode the kernel (span {spans}) must fit in the image {image.shape}")
    return image, kernel, stride, dilation, spans


def _pad(image: np.ndarray, spans: list[int], mode: str, flipped: bool) -> np.ndarray:
    return np.pad(image, [mode_padding(s, mode, flipped) for s in spans])


def _correlate_direct(padded: np.ndarray, kernel: np.ndarray, stride: int, dilation: int) -> np.ndarray:
    """Sliding-window sum of products, vectorised over pixels (one array operation per kernel tap)."""
    kh, kw = kernel.shape
    oh = (padded.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    ow = (padded.shape[1] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((oh, ow))
    for a in range(kh):
        for b in range(kw):
            if kernel[a, b] != 0.0:
                r, c = a * dilation, b * dilation
                out += kernel[a, b] * padded[r : r + stride * (oh - 1) + 1 : stride,
                                             c : c + stride * (ow - 1) + 1 : stride]
    return out


def _correlate_fft(padded: np.ndarray, kernel: np.ndarray, stride: int, dilation: int) -> np.ndarray:
    """The same sliding sum via the convolution theorem: products of spectra, zero-padded (no wrap)."""
    k = dilate_kernel(kernel, dilation)[::-1, ::-1]  # correlation = convolution with the flipped kernel
    shape = [padded.shape[i] + k.shape[i] - 1 for i in range(2)]
    fast = [scipy.fft.next_fast_len(s, real=True) for s in shape]
    spectrum = scipy.fft.rfft2(padded, fast) * scipy.fft.rfft2(k, fast)
    full = scipy.fft.irfft2(spectrum, fast)
    valid = full[k.shape[0] - 1 : padded.shape[0], k.shape[1] - 1 : padded.shape[1]]
    return valid[::stride, ::stride].copy()


def _sliding_sum(image, kernel, mode, stride, dilation, method, flipped: bool) -> np.ndarray:
    image, kernel, stride, dilation, spans = _check_args(image, kernel, mode, stride, dilation, method)
    padded = _pad(image, spans, mode, flipped)
    if flipped:
        kernel = kernel[::-1, ::-1]
    if method == "fft":
        return _correlate_fft(padded, kernel, stride, dilation)
    return _correlate_direct(padded, kernel, stride, dilation)


def correlate2d(image, kernel, mode: str = "same", stride: int = 1, dilation: int = 1,
                method: str = "direct") -> np.ndarray:
    """2-D cross-correlation (no kernel flip) with zero padding: what deep-learning 'conv' layers compute.

    Equals ``scipy.signal.correlate2d(image, kernel, mode, boundary="fill")`` for stride 1, dilation 1.
    """
    return _sliding_sum(image, kernel, mode, stride, dilation, method, flipped=False)


def conv2d(image, kernel, mode: str = "same", stride: int = 1, dilation: int = 1,
           method: str = "direct") -> np.ndarray:
    """True 2-D convolution (kernel flipped) of ``image`` by ``kernel`` with zero padding.

    Equals ``scipy.signal.convolve2d(image, kernel, mode, boundary="fill")`` for stride 1, dilation 1.
    ``method="fft"`` computes the same result through the convolution theorem.

    >>> conv2d([[1, 2], [3, 4]], [[0, 1]], mode="full").tolist()
    [[0.0, 1.0, 2.0], [0.0, 3.0, 4.0]]
    """
    return _sliding_sum(image, kernel, mode, stride, dilation, method, flipped=True)


# ---- im2col: convolution as one matrix multiply ---------------------------------------------------

def im2col(image, kernel_shape: tuple[int, int], mode: str = "valid", stride: int = 1,
           dilation: int = 1) -> np.ndarray:
    """Unfold every kernel-sized patch into a column: shape (kh*kw, number of output pixels).

    Padding follows ``conv2d``. Multiplying the flattened, flipped kernel by this matrix gives the output: the
    form GPU libraries use to turn convolution into a large matrix multiply (GEMM).
    """
    if not isinstance(kernel_shape, (tuple, list)) or len(kernel_shape) != 2:
        raise ValueError(f"kernel_shape must be (height, width), got {kernel_shape!r}")
    kh, kw = (checks.whole(k, "kernel size") for k in kernel_shape)
    image, _, stride, dilation, spans = _check_args(image, np.ones((kh, kw)), mode, stride, dilation,
                                                    "direct")
    padded = _pad(image, spans, mode, flipped=True)
    oh = (padded.shape[0] - spans[0]) // stride + 1
    ow = (padded.shape[1] - spans[1]) // stride + 1
    rows = []
    for a in range(kh):
        for b in range(kw):
            r, c = a * dilation, b * dilation
            rows.append(padded[r : r + stride * (oh - 1) + 1 : stride,
                               c : c + stride * (ow - 1) + 1 : stride].ravel())
    return np.stack(rows)


def conv2d_im2col(image, kernel, mode: str = "same", stride: int = 1, dilation: int = 1) -> np.ndarray:
    """``conv2d`` computed as (flipped kernel row) @ im2col(image): same result, one matrix multiply."""
    kernel = checks.array(kernel, "kernel", ndim=2)
    cols = im2col(image, kernel.shape, mode, stride, dilation)
    image = np.asarray(image, dtype=float)
    spans = [effective_kernel_size(k, dilation) for k in kernel.shape]
    pads = [mode_padding(s, mode, flipped=True) for s in spans]
    oh, ow = ((n + sum(p) - s) // stride + 1 for n, p, s in zip(image.shape, pads, spans))
    return (kernel[::-1, ::-1].ravel() @ cols).reshape(oh, ow)


# ---- named kernels ------------------------------------------------------------------------------

def gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    """A ``size`` x ``size`` Gaussian blur kernel (standard deviation ``sigma`` pixels), summing to 1."""
    size = checks.whole(size, "size")
    if size % 2 == 0:
        raise ValueError(f"size must be odd so the kernel has a centre, got {size}")
    checks.positive(sigma, "sigma")
    x = np.arange(size) - size // 2
    g = np.exp(-(x**2) / (2 * sigma**2))
    k = np.outer(g, g)
    return k / k.sum()


KERNELS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], float),
    "box blur": np.full((3, 3), 1 / 9),
    "gaussian blur": gaussian_kernel(5, 1.0),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], float),
    "sobel x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float),
    "sobel y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], float),
    "laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], float),
    "outline": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], float),
}


def sample_image(size: int = 128, seed: int = 0) -> np.ndarray:
    """A synthetic grey test image in [0, 1]: gradient, disc, square, stripes and a little noise."""
    size, seed = checks.whole(size, "size"), checks.seed(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    img = 0.25 + 0.3 * x
    img[(x - 0.3) ** 2 + (y - 0.32) ** 2 < 0.04] = 0.95
    img[(x > 0.58) & (x < 0.9) & (y > 0.12) & (y < 0.44)] = 0.05
    stripes = (y > 0.58) & (y < 0.9) & (x > 0.1) & (x < 0.9)
    img[stripes] = 0.5 + 0.45 * np.sign(np.sin(2 * np.pi * 6 * x[stripes]))
    img += np.random.default_rng(seed).normal(0, 0.03, img.shape)
    return np.clip(img, 0, 1)


# ---- the convolution theorem ----------------------------------------------------------------------

def circular_convolution(a, b) -> np.ndarray:
    """Circular convolution of two equal-length 1-D signals via the FFT: ifft(fft(a) * fft(b)).

    Without zero-padding the ends wrap around: [1,2,3,4] with [1,1,0,0] gives [5,3,5,7].
    """
    a, b = checks.array(a, "a", ndim=1), checks.array(b, "b", ndim=1)
    if a.shape != b.shape:
        raise ValueError(f"a and b must be 1-D of the same non-zero length, got {a.shape} and {b.shape}")
    return np.real(np.fft.ifft(np.fft.fft(a) * np.fft.fft(b)))


def radial_frequency(shape: tuple[int, int]) -> np.ndarray:
    """Distance of every FFT bin from zero frequency, in cycles per pixel (0 to about 0.71), fftshifted."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"shape must be (rows, columns), got {shape!r}")
    shape = [checks.whole(n, "shape") for n in shape]
    fy = np.fft.fftshift(np.fft.fftfreq(shape[0]))
    fx = np.fft.fftshift(np.fft.fftfreq(shape[1]))
    return np.hypot(*np.meshgrid(fy, fx, indexing="ij"))


def frequency_filter(image, cutoff: float, keep: str = "low") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep spatial frequencies below (``keep="low"``) or above (``"high"``) ``cutoff`` cycles/pixel.

    Returns ``(filtered image, log10 magnitude spectrum (fftshifted), mask)``. Filtering is multiplication
    in frequency space, i.e. a convolution in image space.
    """
    image = checks.array(image, "image", ndim=2)
    if not 0 < checks.finite(cutoff, "cutoff") <= 0.75:
        raise ValueError(f"cutoff must be between 0 and 0.75 cycles per pixel, got {cutoff}")
    checks.choice(keep, "keep", ("low", "high"))
    spectrum = np.fft.fftshift(np.fft.fft2(image))
    radius = radial_frequency(image.shape)
    mask = radius <= cutoff if keep == "low" else radius > cutoff
    filtered = np.real(np.fft.ifft2(np.fft.ifftshift(spectrum * mask)))
    return filtered, np.log10(np.abs(spectrum) + 1e-9), mask


def energy_share(image, mask) -> float:
    """Share (0 to 1) of the image's spectral energy, sum |F|^2, that lies in the frequency bins where ``mask``
    (fftshifted, as from :func:`frequency_filter`) is True; 0 for an all-zero image.

    Examples
    --------
    >>> image = np.cos(2 * np.pi * 0.25 * np.arange(8))[None, :] * np.ones((8, 1))  # 0.25 cycles/pixel
    >>> round(energy_share(image, radial_frequency(image.shape) <= 0.1), 12)  # low-pass: the stripes are gone
    0.0
    >>> round(energy_share(image, radial_frequency(image.shape) <= 0.3), 12)
    1.0
    """
    image = checks.array(image, "image", ndim=2)
    mask = np.asarray(mask)
    if mask.shape != image.shape or mask.dtype != bool:
        raise ValueError(f"mask must be a boolean array of the image's shape {image.shape}, got {mask!r}")
    power = np.abs(np.fft.fftshift(np.fft.fft2(image))) ** 2
    total = power.sum()
    return float(power[mask].sum() / total) if total > 0 else 0.0


def direct_cost_macs(n: int, k: int) -> int:
    """Multiply-adds of a direct 'same' convolution of an n x n image by a k x k kernel: n^2 k^2."""
    return checks.whole(n, "n") ** 2 * checks.whole(k, "k") ** 2


def crossover_kernel_size(timings: dict[str, np.ndarray]) -> int | None:
    """Smallest kernel size from which FFT stays faster than direct, or None if it never does."""
    if not isinstance(timings, dict) or not {"kernel_size", "direct", "fft"} <= set(timings):
        raise ValueError("timings must be a dict with kernel_size, direct and fft (as from machine.time_methods)")
    direct = checks.array(timings["direct"], "timings['direct']", ndim=1)
    fft = checks.array(timings["fft"], "timings['fft']", ndim=1)
    if direct.shape != fft.shape or len(timings["kernel_size"]) != direct.size or min(direct.min(), fft.min()) < 0:
        raise ValueError("timings must hold one non-negative time per kernel size for each method")
    faster = fft < direct
    for i in range(len(faster)):
        if faster[i:].all():
            return int(timings["kernel_size"][i])
    return None


# ---- probability and diffusion -----------------------------------------------------------------

def distribution_convolution(p, q) -> np.ndarray:
    """Probability mass function of X + Y for independent X ~ p and Y ~ q on 0, 1, 2, ... (offsets add)."""
    p, q = checks.array(p, "p", ndim=1), checks.array(q, "q", ndim=1)
    for name, d in (("p", p), ("q", q)):
        if d.ndim != 1 or d.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D list of probabilities")
        if not np.all(np.isfinite(d)) or np.any(d < 0):
            raise ValueError(f"{name} must hold non-negative finite probabilities")
        if abs(d.sum() - 1) > 1e-9:
            raise ValueError(f"{name} must sum to 1, sums to {d.sum():.6g}")
    return np.convolve(p, q)


def dice_sum_pmf(n_dice: int, sides: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Totals and their probabilities when ``n_dice`` fair ``sides``-sided dice are summed.

    Returns
    -------
    totals : ndarray of int
        ``n_dice`` to ``n_dice * sides``.
    pmf : ndarray of float
        Probability of each total (sums to 1): the n-fold convolution of the single die's distribution.

    Examples
    --------
    >>> totals, pmf = dice_sum_pmf(2, 6)
    >>> int(totals[5]), round(float(pmf[5]) * 36)  # a total of 7: 6 of the 36 outcomes
    (7, 6)
    """
    n_dice, sides = checks.whole(n_dice, "number of dice"), checks.whole(sides, "sides")
    if n_dice * sides > 100_000:
        raise ValueError(f"{n_dice} dice of {sides} sides is too many to tabulate")
    die = np.full(sides, 1 / sides)
    pmf = die
    for _ in range(n_dice - 1):
        pmf = distribution_convolution(pmf, die)
    return np.arange(n_dice, n_dice * sides + 1), pmf


def normal_approximation(totals, n_dice: int, sides: int = 6) -> np.ndarray:
    """Central-limit approximation of the dice-sum pmf: a normal density with the same mean and variance."""
    n_dice, sides = checks.whole(n_dice, "number of dice"), checks.whole(sides, "sides")
    mean = n_dice * (sides + 1) / 2
    var = n_dice * (sides**2 - 1) / 12
    t = checks.array(totals, "totals", ndim=1)
    if var == 0:
        return (t == mean).astype(float)
    return np.exp(-((t - mean) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var)


def combined_gaussian_sigma(*sigmas: float) -> float:
    """Standard deviation after convolving Gaussians: sqrt(sum of squares) (blur twice = blur once, wider)."""
    if not sigmas or any(checks.finite(s, "sigmas") < 0 for s in sigmas):
        raise ValueError(f"sigmas must be non-negative finite numbers, got {sigmas}")
    return float(np.sqrt(np.sum(np.square(sigmas))))


def heat_diffusion(profile, steps: int, alpha: float = 0.25) -> np.ndarray:
    """Apply ``steps`` explicit heat-equation steps u <- u * [alpha, 1-2alpha, alpha] (zero boundaries).

    Stable (no growing oscillation) only for 0 < alpha <= 0.5.
    """
    u = checks.array(profile, "profile", min_size=3, ndim=1)
    checks.whole(steps, "steps", 0, 100_000)
    if not 0 < checks.finite(alpha, "alpha") <= 0.5:
        raise ValueError(f"alpha must be in (0, 0.5] for a stable step, got {alpha}")
    kernel = np.array([alpha, 1 - 2 * alpha, alpha])
    for _ in range(steps):
        u = np.convolve(u, kernel, mode="same")
    return u


def diffusion_sigma(alpha: float, steps: int) -> float:
    """Spread (standard deviation, in positions) of a unit spike after ``steps`` heat-diffusion steps of rate
    ``alpha``: sqrt(2 alpha t), since each step adds variance 2 alpha.

    Examples
    --------
    >>> diffusion_sigma(0.25, 8)
    2.0
    """
    return float(np.sqrt(2 * checks.positive(alpha, "alpha") * checks.whole(steps, "steps", 0, 100_000)))


def diffusion_gaussian(x, alpha: float, steps: int) -> np.ndarray:
    """The Gaussian that ``steps`` heat-diffusion steps of rate ``alpha`` approach from a unit spike at 0:
    variance 2 alpha t (a sum of t independent steps of variance 2 alpha each). At t = 0 the spike itself.

    Examples
    --------
    >>> diffusion_gaussian([-1, 0, 1], 0.25, 0).tolist()
    [0.0, 1.0, 0.0]
    """
    x = checks.array(x, "x", ndim=1)
    sigma = diffusion_sigma(alpha, steps)
    if sigma == 0:
        return (x == 0).astype(float)
    return np.exp(-(x**2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)


# ---- receptive field and network cost ----------------------------------------------------------------

def receptive_field(layers: list[tuple[int, int]]) -> int:
    """Receptive field (pixels) of a stack of (kernel, stride) layers: r += (k-1)*jump; jump *= stride."""
    if not isinstance(layers, (list, tuple)) or not all(isinstance(x, (list, tuple)) and len(x) == 2
                                                         for x in layers):
        raise ValueError(f"layers must be a list of (kernel, stride) pairs, got {layers!r}")
    r, jump = 1, 1
    for k, s in layers:
        r += (checks.whole(k, "kernel") - 1) * jump
        jump *= checks.whole(s, "stride")
    return r


@dataclass(frozen=True)
class LayerCost:
    """Cost of one layer for one image: multiply-accumulates and learnable parameters."""

    name: str
    kind: str
    macs: int
    params: int
    out_size: int


def conv_layer_cost(c_in: int, c_out: int, kernel: int, out_h: int, out_w: int, groups: int = 1,
                    bias: bool = True) -> tuple[int, int]:
    """(MACs, parameters) of a conv layer: MACs = out_h*out_w*c_out*(c_in/groups)*k^2;
    params = c_out*((c_in/groups)*k^2 + bias). A FLOP count is usually 2 x MACs.

    Returns
    -------
    macs : int
        Multiply-accumulates of one image.
    params : int
        Weights (and biases if ``bias``).

    Examples
    --------
    >>> conv_layer_cost(3, 64, 7, 112, 112)  # ResNet-50's first layer: 118 million MACs, 9,472 parameters
    (118013952, 9472)
    """
    c_in, c_out, kernel = (checks.whole(v, n) for v, n in ((c_in, "c_in"), (c_out, "c_out"),
                                                            (kernel, "kernel")))
    out_h, out_w, groups = (checks.whole(v, n) for v, n in ((out_h, "out_h"), (out_w, "out_w"),
                                                             (groups, "groups")))
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide c_in={c_in} and c_out={c_out}")
    per_output = (c_in // groups) * kernel * kernel
    return out_h * out_w * c_out * per_output, c_out * (per_output + int(bool(bias)))


NETWORKS = ("alexnet", "vgg16", "resnet50")


def layer_channels(network: str, layer: str) -> tuple[int, int]:
    """(input, output) channels or features of one layer of ``conv_architectures.csv``, e.g. ``("vgg16", "fc6")``."""
    checks.choice(network, "network", NETWORKS)
    for row in load_table("conv_architectures").where(network=network):
        if row.name == layer:
            return row.in_channels, row.out_channels
    raise ValueError(f"layer must be a layer of {network} in conv_architectures.csv, got {layer!r}")


@dataclass(frozen=True)
class NetworkCost:
    """Per-layer and total cost of a network at 224x224, with published totals to compare."""

    name: str
    layers: tuple[LayerCost, ...]
    published: tuple  # rows of network_published.csv

    @property
    def gmacs(self) -> float:
        return sum(layer.macs for layer in self.layers) / 1e9

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)


def network_cost(name: str) -> NetworkCost:
    """Cost of ``alexnet``, ``vgg16`` or ``resnet50`` for one 224x224 image, summed layer by layer from
    ``conv_architectures.csv`` (conv and fully connected layers; BatchNorm adds 2 parameters per channel)."""
    checks.choice(name, "network", NETWORKS)
    return _network_cost(name)


@cache  # the tables are read-only, so the sums never change; explorers ask for them on every update
def _network_cost(name: str) -> NetworkCost:
    layers = []
    for row in sorted(load_table("conv_architectures").where(network=name), key=lambda r: r.layer_index):
        out = output_size(row.in_size, row.kernel, row.padding, row.stride)
        macs, params = conv_layer_cost(row.in_channels, row.out_channels, row.kernel, out, out,
                                       row.groups, bool(row.bias))
        params += 2 * row.out_channels * row.batchnorm
        layers.append(LayerCost(row.name, row.kind, macs, params, out))
    published = tuple(load_table("network_published").where(network=name))
    return NetworkCost(name, tuple(layers), published)


# ---- notebook 01 second edition -------------------------------------------------------------------
# New functions only (the functions above are left as they were); argument checks from helpers.checks.

def winograd_multiplications(m: int, r: int) -> tuple[int, int]:
    """Multiplications for one m x m output tile of a 2-D r x r filter: (direct, Winograd F(m x m, r x r)).

    Direct: m^2 r^2 (every output pixel multiplies every tap). Winograd's minimal filtering needs one
    multiplication per point of the transformed (m + r - 1)^2 tile (Lavin & Gray 2015). The transforms
    of input, filter and output cost extra additions that this count leaves out.
    """
    m, r = checks.whole(m, "m", 1, 64), checks.whole(r, "r", 1, 64)
    return m * m * r * r, (m + r - 1) ** 2


def weight_layer_counts(name: str) -> dict[str, int]:
    """Weight layers of a tabulated network by role: main-path convolutions, projection shortcuts, fully
    connected layers (ResNet's 1x1 'downsample' convolutions are the shortcuts)."""
    layers = network_cost(name).layers
    shortcut = sum(1 for layer in layers if layer.kind == "conv" and "downsample" in layer.name)
    conv = sum(1 for layer in layers if layer.kind == "conv") - shortcut
    return {"conv": conv, "shortcut": shortcut, "fc": sum(1 for layer in layers if layer.kind == "fc")}


ORIGINAL_ALEXNET = "alexnet2012"


def original_alexnet_cost() -> NetworkCost:
    """The two-GPU AlexNet of Krizhevsky et al. (2012), as its paper describes it: 96-256-384-384-256 filters,
    conv2/4/5 split into two groups (one per GPU), 227 x 227 input. Summed from ``conv_architectures.csv``."""
    return _network_cost(ORIGINAL_ALEXNET)


FILTER_PROFILES = ("ideal", "gaussian")


def frequency_mask(shape: tuple[int, int], cutoff: float, keep: str = "low", profile: str = "ideal") -> np.ndarray:
    """Weights (0..1) applied to each fftshifted frequency bin: an ideal step at ``cutoff`` cycles/pixel, or a
    Gaussian exp(-f^2 / (2 cutoff^2)) (``keep="high"`` uses 1 minus the low-pass weights)."""
    cutoff = checks.positive(cutoff, "cutoff")
    if cutoff > 0.75:
        raise ValueError(f"cutoff must be between 0 and 0.75 cycles per pixel, got {cutoff}")
    if keep not in ("low", "high"):
        raise ValueError(f"keep must be 'low' or 'high', got {keep!r}")
    if profile not in FILTER_PROFILES:
        raise ValueError(f"profile must be one of {FILTER_PROFILES}, got {profile!r}")
    f = radial_frequency(shape)
    low = (f <= cutoff).astype(float) if profile == "ideal" else np.exp(-(f**2) / (2 * cutoff**2))
    return low if keep == "low" else 1.0 - low


def shaped_frequency_filter(image, cutoff: float, keep: str = "low",
                            profile: str = "ideal") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like ``frequency_filter`` with a choice of mask ``profile``: ``(filtered, log10 |spectrum|, weights)``.

    An ideal (step) mask is a sinc-shaped kernel in image space, which rings next to edges (the Gibbs
    phenomenon); a Gaussian mask is a Gaussian kernel in image space, which is never negative and cannot ring.
    """
    image = checks.array(image, "image", ndim=2)
    weights = frequency_mask(image.shape, cutoff, keep, profile)
    spectrum = np.fft.fftshift(np.fft.fft2(image))
    filtered = np.real(np.fft.ifft2(np.fft.ifftshift(spectrum * weights)))
    return filtered, np.log10(np.abs(spectrum) + 1e-9), weights


def step_overshoot(cutoff: float, profile: str = "ideal", n: int = 128) -> float:
    """Overshoot of a unit step (a periodic 0/1 square wave across ``n`` pixels) after low-pass filtering,
    as a fraction of the step: about 0.09 for an ideal mask (Gibbs), 0 for a Gaussian one."""
    n = checks.whole(n, "n", 8, 1024)
    row = (np.arange(n) >= n // 2).astype(float)
    filtered, _, _ = shaped_frequency_filter(np.tile(row, (8, 1)), cutoff, "low", profile)
    return max(float(filtered.max()) - 1.0, 0.0)


# ---- a convolution layer: several input channels, several kernels ---------------------------------------

def _layer_args(x, weights, padding, stride, dilation):
    try:
        x = np.asarray(x, dtype=float)
        weights = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("x and weights must be arrays of numbers with rows of equal length") from None
    if x.ndim != 3 or 0 in x.shape or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a finite array of shape (C_in, height, width), got shape {x.shape}")
    if weights.ndim != 4 or 0 in weights.shape or not np.all(np.isfinite(weights)):
        raise ValueError(f"weights must be a finite array (C_out, C_in, k, k), got shape {weights.shape}")
    if weights.shape[1] != x.shape[0]:
        raise ValueError(f"weights have {weights.shape[1]} input channels but x has {x.shape[0]}")
    padding = checks.whole(padding, "padding", 0)
    stride, dilation = checks.whole(stride, "stride"), checks.whole(dilation, "dilation")
    for n, k in zip(x.shape[1:], weights.shape[2:]):
        output_size(n, k, padding, stride, dilation)  # raises when the kernel does not fit
    return x, weights, padding, stride, dilation


def conv_layer(x, weights, bias=None, padding: int = 0, stride: int = 1, dilation: int = 1,
               flip: bool = False) -> np.ndarray:
    """What a deep-learning convolution layer computes: output channel o is the sum over input channels c of
    ``x[c]`` cross-correlated with ``weights[o, c]`` (true convolution if ``flip``), plus ``bias[o]``.

    Shapes: x (C_in, H, W), weights (C_out, C_in, k_h, k_w), bias (C_out,) -> (C_out, H_out, W_out), with
    H_out from ``output_size`` (``padding`` zeros on each side).
    """
    x, weights, padding, stride, dilation = _layer_args(x, weights, padding, stride, dilation)
    flip = checks.flag(flip, "flip")
    c_out = weights.shape[0]
    bias = np.zeros(c_out) if bias is None else checks.array(bias, "bias", ndim=1)
    if bias.shape != (c_out,):
        raise ValueError(f"bias must hold one number per output channel ({c_out}), got shape {bias.shape}")
    padded = np.pad(x, [(0, 0), (padding, padding), (padding, padding)])
    out = []
    for o in range(c_out):
        total = bias[o]
        for c in range(x.shape[0]):
            kernel = weights[o, c][::-1, ::-1] if flip else weights[o, c]
            total = total + _correlate_direct(padded[c], kernel, stride, dilation)
        out.append(total)
    return np.array(out)


@dataclass(frozen=True)
class WindowTerms:
    """One output value of a convolution layer taken apart: the patch under the kernel, the (possibly
    flipped) kernel, their products per input channel, the per-channel sums and the total."""

    patch: np.ndarray      # (C_in, k_h, k_w) input values under the taps (zeros in the padding)
    kernel: np.ndarray     # (C_in, k_h, k_w) weights as they lie over the patch (flipped if convolution)
    products: np.ndarray   # patch * kernel
    channel_sums: np.ndarray
    bias: float
    total: float
    rows: np.ndarray       # tap rows in the padded input
    cols: np.ndarray       # tap columns in the padded input


def window_terms(x, weights, out_channel: int, row: int, col: int, bias=None, padding: int = 0,
                 stride: int = 1, dilation: int = 1, flip: bool = False) -> WindowTerms:
    """The sum of products behind ``conv_layer(...)[out_channel, row, col]``, term by term."""
    x, weights, padding, stride, dilation = _layer_args(x, weights, padding, stride, dilation)
    flip = checks.flag(flip, "flip")
    c_out, _, kh, kw = weights.shape
    out_h = output_size(x.shape[1], kh, padding, stride, dilation)
    out_w = output_size(x.shape[2], kw, padding, stride, dilation)
    out_channel = checks.whole(out_channel, "out_channel", 0, c_out - 1)
    row, col = checks.whole(row, "row", 0, out_h - 1), checks.whole(col, "col", 0, out_w - 1)
    b = 0.0 if bias is None else float(checks.array(bias, "bias", ndim=1)[out_channel])
    padded = np.pad(x, [(0, 0), (padding, padding), (padding, padding)])
    rows = row * stride + np.arange(kh) * dilation
    cols = col * stride + np.arange(kw) * dilation
    patch = padded[:, rows][:, :, cols]
    kernel = weights[out_channel][:, ::-1, ::-1] if flip else weights[out_channel]
    products = patch * kernel
    sums = products.sum(axis=(1, 2))
    return WindowTerms(patch, kernel.copy(), products, sums, b, float(sums.sum() + b), rows, cols)


# ---- learning a kernel by gradient descent ------------------------------------------------------------

def edge_training_pairs(n_pairs: int = 8, size: int = 24, target: str = "convolution",
                        seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random images (uniform noise centred at 0) and their Sobel-x edge maps, 'valid' region only.

    ``target="convolution"`` makes the edge maps with true convolution (kernel flipped), ``"correlation"``
    without the flip, so a learner can see which kernel gradient descent recovers in each case.
    """
    n_pairs, size = checks.whole(n_pairs, "n_pairs", 1, 256), checks.whole(size, "size", 4, 256)
    if target not in ("convolution", "correlation"):
        raise ValueError(f"target must be 'convolution' or 'correlation', got {target!r}")
    rng = np.random.default_rng(checks.seed(seed))
    images = rng.random((n_pairs, size, size)) - 0.5
    op = conv2d if target == "convolution" else correlate2d
    targets = np.array([op(im, KERNELS["sobel x"], mode="valid") for im in images])
    return images, targets


def _stack(array, name: str) -> np.ndarray:
    """A finite, non-empty stack of equal-sized 2-D arrays, shape (n, height, width)."""
    try:
        a = np.asarray(array, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a stack (n, height, width) of numbers") from None
    if a.ndim != 3 or 0 in a.shape or not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be a finite stack (n, height, width) with n >= 1, got shape {a.shape}")
    return a


def _pairs(images, targets) -> tuple[np.ndarray, np.ndarray]:
    images, targets = _stack(images, "images"), _stack(targets, "targets")
    if len(images) != len(targets):
        raise ValueError(f"images and targets must be stacks of the same length, got {len(images)} and {len(targets)}")
    return images, targets


def kernel_loss_and_gradient(kernel, images, targets) -> tuple[float, np.ndarray]:
    """Mean squared error of correlate2d(image, kernel, 'valid') against the targets, and its gradient.

    The gradient for tap (a, b) is the mean of 2 * error * (the input pixel under tap (a, b)): itself a
    cross-correlation of each image with its error map.
    """
    kernel = checks.array(kernel, "kernel", ndim=2)
    images, targets = _pairs(images, targets)
    if any(k > n for k, n in zip(kernel.shape, images.shape[1:])):
        raise ValueError(f"the kernel {kernel.shape} must fit in the images {images.shape[1:]}")
    loss, grad, count = 0.0, np.zeros_like(kernel), 0
    for image, target in zip(images, targets):
        prediction = correlate2d(image, kernel, mode="valid")
        if prediction.shape != target.shape:
            raise ValueError(f"targets must have the 'valid' output shape {prediction.shape}, got {target.shape}")
        error = prediction - target
        loss += float(np.sum(error**2))
        grad += 2 * correlate2d(image, error, mode="valid")
        count += error.size
    return loss / count, grad / count


def learn_kernel(images, targets, steps: int = 200, lr: float = 0.5, size: int = 3,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gradient descent on a ``size`` x ``size`` kernel, starting from small random numbers (seeded).

    Each step moves the kernel against the gradient of ``kernel_loss_and_gradient``, computed here in its
    im2col form (every patch a row of ``x``, so the layer is ``x @ kernel``). Returns ``(kernels, losses)``:
    the kernel and the loss before each of the ``steps`` updates and after the last, shapes
    (steps + 1, size, size) and (steps + 1,).
    """
    steps = checks.whole(steps, "steps", 0, 5000)
    lr = checks.positive(lr, "lr")
    size = checks.whole(size, "size", 1, 9)
    images, targets = _pairs(images, targets)
    if size > min(images.shape[1:]):
        raise ValueError(f"size {size} must fit in the images {images.shape[1:]}")
    x = np.concatenate([im2col(image, (size, size), mode="valid").T for image in images])  # (pixels, size^2)
    y = targets.reshape(-1)
    if x.shape[0] != y.size:
        raise ValueError(f"targets must have the 'valid' output shape of {size}x{size} kernels on the images")
    kernel = np.random.default_rng(checks.seed(seed)).normal(0, 0.1, size * size)
    kernels, losses = [], []
    for _ in range(steps + 1):
        error = x @ kernel - y
        loss = float(np.mean(error**2))
        if not np.isfinite(loss) or loss > 1e12:
            raise ValueError(f"the loss diverged: lr={lr} is too large for these images")
        kernels.append(kernel.reshape(size, size).copy())
        losses.append(loss)
        kernel = kernel - lr * 2 * (x.T @ error) / y.size
    return np.array(kernels), np.array(losses)


# ---- receptive field of a stack of (kernel, stride, dilation) layers -----------------------------------

def _layer_triples(layers) -> list[tuple[int, int, int]]:
    if not isinstance(layers, (list, tuple)) or not layers or not all(
            isinstance(x, (list, tuple)) and len(x) == 3 for x in layers):
        raise ValueError(f"layers must be a non-empty list of (kernel, stride, dilation), got {layers!r}")
    return [(checks.whole(k, "kernel", 1, 99), checks.whole(s, "stride", 1, 16), checks.whole(d, "dilation", 1, 64))
            for k, s, d in layers]


def receptive_field_size(layers) -> int:
    """Input pixels (along one axis) that one output pixel sees through (kernel, stride, dilation) layers:
    r = 1 + sum over layers l of d_l (k_l - 1) times the product of the strides before l."""
    r, jump = 1, 1
    for k, s, d in _layer_triples(layers):
        r += d * (k - 1) * jump
        jump *= s
    return r


def receptive_field_paths(layers) -> np.ndarray:
    """How many paths connect one output pixel to each input pixel of its receptive field (one axis).

    Walks back through the layers: each output position fans out to its k taps (d apart) in the layer
    below, s times farther apart per stride. The 2-D count is ``np.outer(paths, paths)`` for square layers.
    The length equals ``receptive_field_size(layers)``; the sum equals the product of the kernel sizes.
    """
    triples = _layer_triples(layers)
    if receptive_field_size(triples) > 100_000:
        raise ValueError("layers give a receptive field over 100000 pixels: too large to tabulate")
    counts = np.ones(1)
    for k, s, d in reversed(triples):
        below = np.zeros((len(counts) - 1) * s + d * (k - 1) + 1)
        for t in range(k):
            below[t * d : t * d + (len(counts) - 1) * s + 1 : s] += counts
        counts = below
    return counts


# ---- diffusion, the propagator, template matching, moving averages ------------------------------------

def heat_kernel_2d(alpha: float) -> np.ndarray:
    """One explicit step of 2-D diffusion as a 3x3 kernel: u + alpha * Laplacian(u) (stable for alpha <= 0.25).

    At the limit alpha = 0.25 the centre weight 1 - 4 alpha is 0: every step moves all heat to the neighbours,
    so a pixel alternates between empty and full (a checkerboard) and a +-0.5 checkerboard is never damped."""
    alpha = checks.positive(alpha, "alpha")
    if alpha > 0.25:
        raise ValueError(f"alpha must be in (0, 0.25] for a stable 2-D step, got {alpha}")
    return KERNELS["identity"] + alpha * KERNELS["laplacian"]


def diffuse_image(image, steps: int, alpha: float = 0.1) -> np.ndarray:
    """``steps`` explicit heat-equation steps on an image that is zero outside: repeated convolution with
    ``heat_kernel_2d(alpha)``. Heat may flow out of the frame and back (the canvas is ``steps`` pixels larger
    on every side, as far as heat can travel), so the result is free-space diffusion, cropped to the image."""
    image = checks.array(image, "image", ndim=2)
    steps = checks.whole(steps, "steps", 0, 2000)
    kernel = heat_kernel_2d(alpha)
    u = np.pad(image, steps)
    for _ in range(steps):
        u = conv2d(u, kernel, mode="same")
    return u[steps : steps + image.shape[0], steps : steps + image.shape[1]]


def diffusion_kernel(steps: int, alpha: float = 0.1) -> np.ndarray:
    """The single kernel that ``steps`` heat steps amount to: a unit impulse diffused ``steps`` times,
    (2 steps + 1) pixels square. Heat reaches only pixels with |row| + |col| <= steps from the centre."""
    steps = checks.whole(steps, "steps", 0, 500)
    impulse = np.zeros((2 * steps + 1, 2 * steps + 1))
    impulse[steps, steps] = 1.0
    return diffuse_image(impulse, steps, alpha)


def gaussian_blur(image, sigma: float) -> np.ndarray:
    """Convolution with a sampled Gaussian of ``sigma`` pixels (kernel 2*ceil(4 sigma)+1 wide, zero outside)."""
    image = checks.array(image, "image", ndim=2)
    sigma = checks.positive(sigma, "sigma")
    if sigma > 50:
        raise ValueError(f"sigma must be at most 50 pixels, got {sigma}")
    size = int(2 * np.ceil(4 * sigma) + 1)
    g = gaussian_kernel(size, sigma).sum(axis=1)  # the 2-D Gaussian is separable: columns, then rows
    return conv2d(conv2d(image, g[:, None], mode="same"), g[None, :], mode="same")


def softmax_kernel(kernel) -> np.ndarray:
    """A kernel turned into a probability distribution (the article's 'propagator' reading): exp(w) / sum exp(w),
    computed stably (the largest weight is subtracted first)."""
    kernel = checks.array(kernel, "kernel", ndim=2)
    e = np.exp(kernel - kernel.max())
    return e / e.sum()


def match_template(image, template) -> tuple[np.ndarray, tuple[int, int]]:
    """Template matching by normalised cross-correlation ('same' size) and the (row, column) of its peak.

    The numerator is the cross-correlation of the image with the zero-mean template, i.e. a convolution with the
    template rotated by 180 degrees; dividing by the local contrast of the image (and the template's) keeps
    bright, busy regions from winning just by being bright: a perfect match scores 1.
    """
    image, template = checks.array(image, "image", ndim=2), checks.array(template, "template", ndim=2)
    if template.shape[0] > image.shape[0] or template.shape[1] > image.shape[1]:
        raise ValueError(f"the template {template.shape} must fit in the image {image.shape}")
    t = template - template.mean()
    numerator = correlate2d(image, t, mode="same")
    window = np.ones(template.shape)
    local_sum = correlate2d(image, window, mode="same")
    local_var = correlate2d(image**2, window, mode="same") - local_sum**2 / template.size
    norm = np.sqrt(np.maximum(local_var, 0.0) * np.sum(t**2))
    score = np.where(norm > 1e-12, numerator / np.maximum(norm, 1e-12), 0.0)
    peak = np.unravel_index(int(np.argmax(score)), score.shape)
    return score, (int(peak[0]), int(peak[1]))


def moving_average_series(noise, weights) -> np.ndarray:
    """A moving-average (MA) series: x[t] = sum_j weights[j] noise[t - j], i.e. a causal convolution."""
    noise, weights = checks.array(noise, "noise", ndim=1), checks.array(weights, "weights", ndim=1)
    return np.convolve(noise, weights)[: noise.size]


def autoregressive_series(noise, phi: float) -> np.ndarray:
    """An AR(1) series x[t] = phi x[t-1] + noise[t] (x[-1] = 0), computed by the recursion. It equals the
    convolution of the noise with the impulse response phi^j (``moving_average_series(noise, phi**j)``)."""
    noise = checks.array(noise, "noise", ndim=1)
    phi = checks.finite(phi, "phi")
    if abs(phi) >= 1:
        raise ValueError(f"phi must lie strictly between -1 and 1 for a stationary series, got {phi}")
    x = np.empty_like(noise)
    previous = 0.0
    for t, e in enumerate(noise):
        previous = phi * previous + e
        x[t] = previous
    return x


def cost_by_resolution(name: str) -> list[tuple[int, int, int, int]]:
    """A network's cost grouped by the output resolution of its layers, largest maps first:
    (output pixels per side, number of weight layers, MACs, parameters). Fully connected layers have resolution 1.

    Examples
    --------
    >>> [(size, layers) for size, layers, _, _ in cost_by_resolution("vgg16")]
    [(224, 2), (112, 2), (56, 3), (28, 3), (14, 3), (1, 3)]
    """
    cost = network_cost(name)
    sizes = sorted({layer.out_size for layer in cost.layers}, reverse=True)
    groups = []
    for size in sizes:
        layers = [layer for layer in cost.layers if layer.out_size == size]
        groups.append((size, len(layers), sum(layer.macs for layer in layers), sum(layer.params for layer in layers)))
    return groups


def im2col_layer(x, kernel_size: int, padding: int = 0, stride: int = 1, dilation: int = 1) -> np.ndarray:
    """Unfold a batch of multi-channel images for a convolution layer: x (N, C_in, H, W) ->
    (C_in * k * k, N * H_out * W_out). Row c*k*k + a*k + b holds tap (a, b) of input channel c; column
    n*H_out*W_out + r*W_out + s is output pixel (r, s) of image n."""
    x = checks.array(x, "x", ndim=4)
    k = checks.whole(kernel_size, "kernel_size")
    weights = np.zeros((1, x.shape[1], k, k))
    _, _, padding, stride, dilation = _layer_args(x[0], weights, padding, stride, dilation)
    oh, ow = (output_size(n, k, padding, stride, dilation) for n in x.shape[2:])
    padded = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)])
    rows = []
    for c in range(x.shape[1]):
        for a in range(k):
            for b in range(k):
                r, s = a * dilation, b * dilation
                rows.append(padded[:, c, r : r + stride * (oh - 1) + 1 : stride,
                                   s : s + stride * (ow - 1) + 1 : stride].ravel())
    return np.stack(rows)


def conv_layer_gemm(x, weights, bias=None, padding: int = 0, stride: int = 1, dilation: int = 1) -> np.ndarray:
    """``conv_layer`` (cross-correlation) for a batch x (N, C_in, H, W) as ONE matrix multiply (GEMM):
    weights reshaped to (M = C_out, K = C_in k^2) times the unfolded input (K, N = images * output pixels)."""
    x = checks.array(x, "x", ndim=4)
    _, weights, padding, stride, dilation = _layer_args(x[0], weights, padding, stride, dilation)
    c_out, _, k, k2 = weights.shape
    if k != k2:
        raise ValueError(f"weights must have square kernels, got {k}x{k2}")
    bias = np.zeros(c_out) if bias is None else checks.array(bias, "bias", ndim=1)
    if bias.shape != (c_out,):
        raise ValueError(f"bias must hold one number per output channel ({c_out}), got shape {bias.shape}")
    oh, ow = (output_size(n, k, padding, stride, dilation) for n in x.shape[2:])
    columns = im2col_layer(x, k, padding, stride, dilation)          # (K, N)
    product = weights.reshape(c_out, -1) @ columns + bias[:, None]    # (M, K) @ (K, N) = (M, N)
    return product.reshape(c_out, x.shape[0], oh, ow).transpose(1, 0, 2, 3)


def learn_kernel_trace(images, targets, steps: int = 200, lr: float = 0.5, size: int = 3, seed: int = 0,
                       limit: float = 1e12) -> tuple[np.ndarray, np.ndarray, int | None]:
    """``learn_kernel`` that shows a divergence instead of refusing it: the run stops at the first loss above
    ``limit`` (or not finite). Returns ``(kernels, losses, diverged_at)``; the arrays hold the steps up to and
    including ``diverged_at`` (None when all ``steps`` updates stayed below the limit)."""
    steps = checks.whole(steps, "steps", 0, 5000)
    lr = checks.positive(lr, "lr")
    size = checks.whole(size, "size", 1, 9)
    limit = checks.positive(limit, "limit")
    images, targets = _pairs(images, targets)
    if size > min(images.shape[1:]):
        raise ValueError(f"size {size} must fit in the images {images.shape[1:]}")
    x = np.concatenate([im2col(image, (size, size), mode="valid").T for image in images])  # as in learn_kernel
    y = targets.reshape(-1)
    if x.shape[0] != y.size:
        raise ValueError(f"targets must have the 'valid' output shape of {size}x{size} kernels on the images")
    kernel = np.random.default_rng(checks.seed(seed)).normal(0, 0.1, size * size)
    kernels, losses = [], []
    for step in range(steps + 1):
        error = x @ kernel - y
        loss = float(np.mean(error**2))
        kernels.append(kernel.reshape(size, size).copy())
        losses.append(loss)
        if not np.isfinite(loss) or loss > limit:
            return np.array(kernels), np.array(losses), step
        kernel = kernel - lr * 2 * (x.T @ error) / y.size
    return np.array(kernels), np.array(losses), None


def gradient_descent_lr_limit(images, size: int = 3) -> float:
    """Largest stable learning rate of ``learn_kernel`` on these images: the squared-error loss is quadratic in
    the kernel with Hessian H = 2 X^T X / N (X: the im2col patches), and a step multiplies the error along
    H's top eigenvector by (1 - lr * lambda_max), so the run diverges for lr > 2 / lambda_max."""
    images = _stack(images, "images")
    size = checks.whole(size, "size", 1, 9)
    if size > min(images.shape[1:]):
        raise ValueError(f"size {size} must fit in the images {images.shape[1:]}")
    x = np.concatenate([im2col(image, (size, size), mode="valid").T for image in images])
    return float(2 / np.linalg.eigvalsh(2 * x.T @ x / x.shape[0]).max())


def conv_arithmetic_intensity(c_in: int, c_out: int, kernel: int, out_h: int, out_w: int, groups: int = 1,
                              stride: int = 1, bytes_per_value: int = 2) -> tuple[float, int, int]:
    """(FLOPs per byte, FLOPs, bytes) of one conv layer for one image if every value crosses DRAM once:
    FLOPs = 2 x MACs (``conv_layer_cost``); bytes = bytes_per_value x (input c_in x (stride out_h) x (stride out_w)
    + weights + output c_out x out_h x out_w), no bias. This is the best case; real kernels move more.

    Examples
    --------
    >>> round(conv_arithmetic_intensity(128, 128, 3, 56, 56, groups=128)[0], 1)   # depthwise: few FLOPs per byte
    4.5
    """
    macs, weights = conv_layer_cost(c_in, c_out, kernel, out_h, out_w, groups, bias=False)
    stride = checks.whole(stride, "stride", 1, 16)
    bytes_per_value = checks.whole(bytes_per_value, "bytes_per_value", 1, 8)
    values = c_in * (stride * out_h) * (stride * out_w) + weights + c_out * out_h * out_w
    flops, traffic = 2 * macs, bytes_per_value * values
    return flops / traffic, flops, traffic


def rotate_image(image, degrees: float) -> np.ndarray:
    """The image turned counter-clockwise by ``degrees`` about its centre (bilinear; corners that come from
    outside the frame are filled with the image's mean brightness, so they add no new edge of their own)."""
    import scipy.ndimage

    image = checks.array(image, "image", ndim=2)
    degrees = checks.finite(degrees, "degrees")
    if abs(degrees) > 360:
        raise ValueError(f"degrees must be between -360 and 360, got {degrees}")
    return scipy.ndimage.rotate(image, degrees, reshape=False, order=1, mode="constant", cval=float(image.mean()))


def spectrum_peak_angle(image) -> float:
    """Direction (degrees, 0 to 180, counter-clockwise from the column axis) of the strongest non-zero
    frequency of an image: the direction across the image's dominant stripes."""
    image = checks.array(image, "image", ndim=2)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(image - image.mean())))
    r, c = np.unravel_index(int(np.argmax(spectrum)), spectrum.shape)
    fy = np.fft.fftshift(np.fft.fftfreq(image.shape[0]))[r]
    fx = np.fft.fftshift(np.fft.fftfreq(image.shape[1]))[c]
    return float(np.degrees(np.arctan2(-fy, fx)) % 180)


WINOGRAD_POINTS = (0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0, 1 / 3, -1 / 3)


def winograd_matrices(m: int, r: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transforms of 1-D Winograd minimal filtering F(m, r), built by Toom-Cook from the first n = m + r - 1
    points of ``WINOGRAD_POINTS``: (B, G, A) with y = A @ ((G @ g) * (B @ d)) for an input tile d of n values
    and a filter g of r taps, giving the m outputs of their cross-correlation with n multiplications (the
    elementwise product). A = V_m^T, G = V_r, B = V_n^-T for the Vandermonde matrices V at the points."""
    m = checks.whole(m, "m", 1, 9)
    r = checks.whole(r, "r", 1, 3)
    n = m + r - 1
    points = np.array(WINOGRAD_POINTS[:n])
    vandermonde = np.vander(points, n, increasing=True)
    return np.linalg.inv(vandermonde).T, vandermonde[:, :r], vandermonde[:, :m].T


def winograd_correlate(d, g, m: int, dtype: str = "float64") -> np.ndarray:
    """The m outputs of correlating a tile ``d`` (m + r - 1 values) with ``g`` (r taps) by F(m, r), every
    transform and product computed in ``dtype`` ("float64", "float32" or "float16")."""
    checks.choice(dtype, "dtype", ("float64", "float32", "float16"))
    m = checks.whole(m, "m", 1, 9)
    g = checks.array(g, "g", ndim=1)
    d = checks.array(d, "d", ndim=1)
    if d.size != m + g.size - 1:
        raise ValueError(f"d must hold m + r - 1 = {m + g.size - 1} values, got {d.size}")
    b, gm, a = (x.astype(dtype) for x in winograd_matrices(m, g.size))
    return (a @ ((gm @ g.astype(dtype)) * (b @ d.astype(dtype)))).astype(float)


def winograd_error(m: int, dtype: str = "float16", trials: int = 500, seed: int = 0) -> tuple[float, float]:
    """Median relative error of F(m, 3) and of the direct 3-tap sum, both computed in ``dtype``, against
    float64, on random tiles and filters (uniform in [-1, 1]): (winograd error, direct error)."""
    m = checks.whole(m, "m", 1, 9)
    checks.choice(dtype, "dtype", ("float64", "float32", "float16"))
    trials = checks.whole(trials, "trials", 1, 100_000)
    rng = np.random.default_rng(checks.seed(seed))
    errors, direct_errors = [], []
    for _ in range(trials):
        d, g = rng.uniform(-1, 1, m + 2), rng.uniform(-1, 1, 3)
        exact = np.array([d[i : i + 3] @ g for i in range(m)])
        low_d, low_g = d.astype(dtype), g.astype(dtype)
        direct = np.array([(low_d[i : i + 3] * low_g).sum(dtype=dtype) for i in range(m)], dtype=float)
        scale = np.abs(d).max() * np.abs(g).sum()
        errors.append(np.abs(winograd_correlate(d, g, m, dtype) - exact).max() / scale)
        direct_errors.append(np.abs(direct - exact).max() / scale)
    return float(np.median(errors)), float(np.median(direct_errors))


def conv_algorithm_costs(n: int, k: int, c_in: int, c_out: int) -> dict[str, float]:
    """Real multiplications of one 'same' layer on an n x n image, C_in -> C_out channels, k x k kernels, by
    three algorithms, and the weight storage each needs (real numbers), in a simple count:

    direct     n^2 k^2 C_in C_out;
    FFT        transforms: one real FFT of each of the C_in inputs and C_out outputs on the padded size
               m = n + k - 1, about 2 m^2 log2(m) real multiplications each (kernel spectra precomputed);
               products: m^2 / 2 complex bins (real input) x C_in x C_out complex multiply-adds, 4 real
               multiplications each = 2 m^2 C_in C_out; stored kernel spectra m^2 C_in C_out reals;
    Winograd   F(4x4, 3x3) only for k = 3: (n/4)^2 tiles x 36 x C_in x C_out (transforms left out);
               stored transformed filters 36 C_in C_out.
    """
    n, k, c_in, c_out = (checks.whole(v, name) for v, name in ((n, "n"), (k, "k"), (c_in, "c_in"),
                                                                (c_out, "c_out")))
    m = n + k - 1
    costs = {
        "direct": float(n * n * k * k * c_in * c_out),
        "fft_transforms": float((c_in + c_out) * 2 * m * m * np.log2(m)),
        "fft_products": float(2 * m * m * c_in * c_out),
        "weights_direct": float(k * k * c_in * c_out),
        "weights_fft": float(m * m * c_in * c_out),
    }
    costs["fft"] = costs["fft_transforms"] + costs["fft_products"]
    if k == 3:
        costs["winograd"] = float(np.ceil(n / 4) ** 2 * 36 * c_in * c_out)
        costs["weights_winograd"] = float(36 * c_in * c_out)
    return costs
