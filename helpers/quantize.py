"""Low-precision numbers for deep learning: absmax integer and block-wise NormalFloat quantization.

A quantizer stores each value as a ``bits``-bit code plus, per block of values, one scale (the block's largest
absolute value, kept in 32 bits). Dequantizing multiplies the code's level by the scale. Conventions:

* ``absmax``: symmetric integers ``-(2**(bits-1) - 1) .. 2**(bits-1) - 1`` (int8 uses -127..127), one scale for
  the whole tensor; ``absmax-row``: the same with one scale per row of a 2-D array (per output channel of a
  weight matrix ``W[out, in]``); ``blockwise``: one scale per ``block_size`` consecutive values of the
  flattened array (the last block is padded with zeros, which are not stored).
* ``normal-float``: block-wise like ``blockwise``, but the ``2**bits`` levels are quantiles of a normal
  distribution scaled to [-1, 1] with an exact zero (the construction of QLoRA's NF4 data type, for any
  bits), so that normally distributed weights use every level about equally often.
* ``fp16``: IEEE half precision (``bits`` must be 16), no scales: the reference for "no quantization".

Errors are ``dequantize(quantize(x)) - x`` in the units of ``x``. Memory counts ``bits`` per value plus
``scale_bits`` per block (``memory_bytes``). Arrays are limited to ``MAX_VALUES`` values so that a notebook
control can never ask for more work than a fraction of a second. Everything is numpy; no GPU, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from . import checks

METHODS = ("absmax", "absmax-row", "blockwise", "normal-float", "fp16")
BLOCK_METHODS = ("blockwise", "normal-float")
DISTRIBUTIONS = ("normal", "student-t")
MAX_VALUES = 2**20  # about a million values per array
MAX_BLOCK = 2**16
FP16_MAX = 65504.0
NF_OFFSET = 0.9677083  # the quantile of the outermost level (bitsandbytes' create_normal_map)


@dataclass(frozen=True, eq=False)
class Quantized:
    """A quantized array: codes, one scale per block, and how to read them back.

    ``codes`` has one entry per value, in the padded block layout ``(n_blocks, block_size)``; for ``absmax``
    methods they are signed integers, for ``normal-float`` indices into ``levels``, for ``fp16`` the half-precision
    values themselves. ``scales`` holds one float per block (the block's absmax, 0 for an all-zero block).
    """

    codes: np.ndarray
    scales: np.ndarray
    shape: tuple[int, ...]
    bits: int
    method: str
    block_size: int
    levels: np.ndarray

    @property
    def n_values(self) -> int:
        """Number of values in the original array (padding excluded)."""
        return int(np.prod(self.shape))

    @property
    def n_blocks(self) -> int:
        return int(self.scales.size)

    @property
    def nbytes(self) -> float:
        """Storage in bytes: ``bits`` per value plus a 32-bit scale per block (none for fp16)."""
        if self.method == "fp16":
            return memory_bytes(self.n_values, 16)
        return memory_bytes(self.n_values, self.bits, self.block_size)


@dataclass(frozen=True, eq=False)
class QuantizationError:
    """Reconstruction error of ``x`` after quantizing and dequantizing (units of ``x``)."""

    errors: np.ndarray  # dequantize(q) - x, same shape as x
    rmse: float
    max_abs: float
    relative_rmse: float  # rmse / root-mean-square of x
    quantized: Quantized


# ---- argument checks -----------------------------------------------------------------------------------------

def _method(method) -> str:
    checks.choice(method, "method", METHODS)
    return method


def _bits(bits, method: str) -> int:
    if method == "fp16":
        if isinstance(bits, bool) or bits != 16:
            raise ValueError(f"bits must be 16 for method 'fp16', got {bits!r}")
        return 16
    return checks.whole(bits, "bits", 2, 8)


def _block_size(block_size, method: str, default: int = 64) -> int | None:
    if method in BLOCK_METHODS:
        return default if block_size is None else checks.whole(block_size, "block_size", 2, MAX_BLOCK)
    if block_size is not None:
        raise ValueError(f"block_size applies to {' and '.join(BLOCK_METHODS)} only; give None for "
                         f"method {method!r}, got {block_size!r}")
    return None


# ---- codebooks -----------------------------------------------------------------------------------------------

def normal_float_levels(bits: int = 4) -> np.ndarray:
    """The ``2**bits`` NormalFloat levels in [-1, 1], ascending, with an exact 0.

    Positive side: ``2**(bits-1)`` normal quantiles from ``NF_OFFSET`` down towards the median; negative side:
    ``2**(bits-1) - 1``; then divided by the largest magnitude (QLoRA's NF4 for ``bits=4``).
    """
    bits = checks.whole(bits, "bits", 2, 8)
    half = 2 ** (bits - 1)
    positive = stats.norm.ppf(np.linspace(NF_OFFSET, 0.5, half + 1)[:-1])
    negative = -stats.norm.ppf(np.linspace(NF_OFFSET, 0.5, half)[:-1])
    levels = np.sort(np.concatenate([positive, [0.0], negative]))
    return levels / np.abs(levels).max()


def _integer_levels(bits: int) -> np.ndarray:
    qmax = 2 ** (bits - 1) - 1
    return np.arange(-qmax, qmax + 1) / qmax


# ---- quantize / dequantize -----------------------------------------------------------------------------------

def _blocks(x: np.ndarray, method: str, block_size: int | None) -> tuple[np.ndarray, int]:
    """The values laid out as (n_blocks, block_size), zero-padded, and the block size used."""
    if method in ("absmax", "fp16"):
        return x.reshape(1, -1), x.size
    if method == "absmax-row":
        if x.ndim != 2:
            raise ValueError(f"method 'absmax-row' needs a 2-D array (rows = output channels), got {x.shape}")
        return x, x.shape[1]
    flat = x.ravel()
    pad = (-flat.size) % block_size
    return np.concatenate([flat, np.zeros(pad)]).reshape(-1, block_size), block_size


def quantize(x, bits: int = 8, method: str = "absmax", block_size: int | None = None) -> Quantized:
    """Quantize a 1-D or 2-D array of finite numbers to ``bits``-bit codes with per-block absmax scales.

    ``method`` is one of ``METHODS`` (see the module docstring); ``block_size`` (values per scale, default 64)
    applies to ``blockwise`` and ``normal-float`` only. Example: ``quantize(w, 8, "absmax-row")`` is int8 with
    one scale per output channel; ``quantize(w, 4, "normal-float", 64)`` is NF4 with QLoRA's block size.
    """
    method = _method(method)
    bits = _bits(bits, method)
    block_size = _block_size(block_size, method)
    arr = checks.array(x, "x", ndim=(1, 2), max_size=MAX_VALUES)
    if method == "fp16":
        if np.abs(arr).max() > FP16_MAX:
            raise ValueError(f"x has values beyond the float16 range (±{FP16_MAX:g}); scale it or use another "
                             "method")
        codes = arr.reshape(1, -1).astype(np.float16)
        return Quantized(codes, np.ones(1), arr.shape, 16, method, arr.size, np.array([1.0]))
    blocks, size = _blocks(arr, method, block_size)
    scales = np.abs(blocks).max(axis=1)
    safe = np.where(scales > 0, scales, 1.0)[:, None]
    normalized = blocks / safe  # in [-1, 1]
    if method == "normal-float":
        levels = normal_float_levels(bits)
        boundaries = (levels[1:] + levels[:-1]) / 2
        codes = np.searchsorted(boundaries, normalized).astype(np.uint8)
    else:
        levels = _integer_levels(bits)
        qmax = 2 ** (bits - 1) - 1
        codes = np.clip(np.rint(normalized * qmax), -qmax, qmax).astype(np.int8)
    return Quantized(codes, scales, arr.shape, bits, method, size, levels)


def dequantize(q: Quantized) -> np.ndarray:
    """The float64 array that ``q`` stands for (same shape as the array that was quantized)."""
    if not isinstance(q, Quantized):
        raise ValueError(f"q must be a Quantized (from quantize()), got {type(q).__name__}")
    if q.method == "fp16":
        return q.codes.astype(float).reshape(q.shape)
    if q.method == "normal-float":
        values = q.levels[q.codes.astype(int)]
    else:
        values = q.codes.astype(float) / (2 ** (q.bits - 1) - 1)
    values = values * q.scales[:, None]
    return values.ravel()[: q.n_values].reshape(q.shape)


def quantization_error(x, bits: int = 8, method: str = "absmax",
                       block_size: int | None = None) -> QuantizationError:
    """Quantize ``x`` as ``quantize`` does, read it back, and measure the error (in the units of ``x``).

    ``relative_rmse`` divides by the root-mean-square of ``x`` (0 when ``x`` is all zeros).
    """
    arr = checks.array(x, "x", ndim=(1, 2), max_size=MAX_VALUES)
    q = quantize(arr, bits, method, block_size)
    errors = dequantize(q) - arr
    rmse = float(np.sqrt(np.mean(errors**2)))
    rms = float(np.sqrt(np.mean(arr**2)))
    return QuantizationError(errors, rmse, float(np.abs(errors).max()), rmse / rms if rms > 0 else 0.0, q)


def _product_operands(activations, weights) -> tuple[np.ndarray, np.ndarray]:
    """``activations`` [batch, in] and ``weights`` [out, in] as arrays whose product A Wᵀ fits the size limit."""
    a = checks.array(activations, "activations", ndim=(2,), max_size=MAX_VALUES)
    w = checks.array(weights, "weights", ndim=(2,), max_size=MAX_VALUES)
    if a.shape[1] != w.shape[1]:
        raise ValueError(f"activations have {a.shape[1]} features but weights take {w.shape[1]} inputs")
    if a.shape[0] * w.shape[0] > MAX_VALUES:
        raise ValueError(f"the product would have {a.shape[0] * w.shape[0]:,} values; at most {MAX_VALUES:,}")
    return a, w


def matmul_error(activations, weights, bits: int = 8, method: str = "absmax-row",
                 block_size: int | None = None) -> float:
    """Relative error ``||A Wᵀ - A Ŵᵀ|| / ||A Wᵀ||`` (Frobenius) when only ``weights`` (shape ``[out, in]``)
    are quantized; ``activations`` has shape ``[batch, in]`` and stays exact (weight-only quantization)."""
    a, w = _product_operands(activations, weights)
    # einsum runs single-threaded C loops: for these small products it is steadier than a multi-threaded BLAS call
    exact = np.einsum("bk,ok->bo", a, w)
    norm = np.linalg.norm(exact)
    if norm == 0:
        raise ValueError("the exact product is zero, so a relative error is undefined: use non-zero activations")
    approx = np.einsum("bk,ok->bo", a, dequantize(quantize(w, bits, method, block_size)))
    return float(np.linalg.norm(approx - exact) / norm)


def memory_bytes(n_values: float, bits: float, block_size: int | None = None, scale_bits: int = 32,
                 double_quant: bool = False) -> float:
    """Bytes to store ``n_values`` values at ``bits`` each plus one ``scale_bits`` scale per ``block_size`` values.

    ``block_size=None`` counts no scales (fp16, or one scale per tensor, which is negligible). With
    ``double_quant`` the scales themselves are stored in 8 bits with one 32-bit scale per 256 of them (QLoRA):
    a 64-value block then costs 8/64 + 32/(64·256) ≈ 0.127 extra bits per value instead of 0.5.
    Example: 65e9 values at 4 bits with 64-value blocks: 65e9 · 4.5 / 8 = 36.6e9 bytes.
    """
    n = checks.positive(n_values, "n_values")
    b = checks.positive(bits, "bits")
    if b > 64:
        raise ValueError(f"bits must be at most 64, got {bits}")
    checks.flag(double_quant, "double_quant")
    scale = checks.whole(scale_bits, "scale_bits", 1, 64)
    if block_size is None:
        if double_quant:
            raise ValueError("double_quant needs a block_size (it quantizes the per-block scales)")
        return n * b / 8
    block = checks.whole(block_size, "block_size", 1, 2**40)
    per_value = scale / block if not double_quant else 8 / block + 32 / (block * 256)
    return n * (b + per_value) / 8


def sample_weights(shape, distribution: str = "normal", std: float = 0.02, df: float = 4.0,
                   seed: int = 0) -> np.ndarray:
    """Synthetic weights of a trained layer: zero-mean, standard deviation ``std``, seeded.

    ``normal`` is the usual bell; ``student-t`` (``df`` degrees of freedom, rescaled to the same ``std``) has heavy
    tails: rare large weights that stretch an absmax scale, the situation outlier-aware methods handle.
    """
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    if (not isinstance(shape, (tuple, list)) or not 1 <= len(shape) <= 2
            or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in shape)):
        raise ValueError(f"shape must be one or two positive whole numbers, got {shape!r}")
    if int(np.prod(shape)) > MAX_VALUES:
        raise ValueError(f"shape {tuple(shape)} has {int(np.prod(shape)):,} values; at most {MAX_VALUES:,}")
    checks.choice(distribution, "distribution", DISTRIBUTIONS)
    std = checks.positive(std, "std")
    df = checks.positive(df, "df")
    if df <= 2:
        raise ValueError(f"df must be above 2 (the variance is infinite otherwise), got {df}")
    checks.seed(seed)
    rng = np.random.default_rng(int(seed))
    if distribution == "normal":
        return rng.normal(0.0, std, tuple(shape))
    return rng.standard_t(df, tuple(shape)) * std / np.sqrt(df / (df - 2))


def uniform_noise_rmse(step: float) -> float:
    """Root-mean-square rounding error of a uniform quantizer with spacing ``step``: ``step / sqrt(12)``
    (error uniform on ±step/2, variance step²/12), valid when values are spread over many levels."""
    return checks.positive(step, "step") / np.sqrt(12)


def int8_matmul_error(activations, weights, threshold: float | None = None) -> tuple[float, int]:
    """Relative error of an int8 matrix multiply ``A Wᵀ`` in the style of LLM.int8(), and how many feature columns
    were kept in full precision.

    Both operands are quantized to int8 with one absmax scale per row of ``activations`` ([batch, in]) and per row
    of ``weights`` ([out, in]) ("vector-wise"). With ``threshold`` given, every input feature in which some
    activation reaches ``|a| >= threshold`` is taken out and multiplied exactly (the mixed-precision decomposition
    of Dettmers et al. 2022, whose threshold is 6); ``None`` quantizes everything. A few large outlier features
    stretch every row's scale, so without the split the small values of that row round to zero.
    """
    a, w = _product_operands(activations, weights)
    if threshold is not None:
        threshold = checks.positive(threshold, "threshold")
    exact = np.einsum("bk,ok->bo", a, w)
    norm = np.linalg.norm(exact)
    if norm == 0:
        raise ValueError("the exact product is zero, so a relative error is undefined: use non-zero activations")
    outliers = (np.abs(a) >= threshold).any(axis=0) if threshold is not None else np.zeros(a.shape[1], bool)
    regular = ~outliers
    approx = np.einsum("bk,ok->bo", a[:, outliers], w[:, outliers])
    if regular.any():
        a_q = dequantize(quantize(a[:, regular], 8, "absmax-row"))
        w_q = dequantize(quantize(w[:, regular], 8, "absmax-row"))
        approx = approx + np.einsum("bk,ok->bo", a_q, w_q)
    return float(np.linalg.norm(approx - exact) / norm), int(outliers.sum())
