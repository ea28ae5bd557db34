"""GPUs for deep learning: the roofline model, memory needs, value for money, and a recommender.

Conventions (see the header of ``gpus.csv``): throughput figures are vendor peaks; ``fp16`` means dense
FP16/BF16 tensor (matrix) throughput without 2:4 sparsity, with FP32 accumulation (GeForce cards run twice as
fast with FP16 accumulation); ``fp32`` is the non-tensor vector rate. Bandwidth is peak DRAM bandwidth.
Real kernels reach a fraction of these peaks; the roofline gives an upper bound, not a prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import checks
from .convolution import conv_layer_cost
from .data import load_table

# precision -> the GPU field holding its peak (fp16: dense tensor-core throughput; int8: dense TOPS)
PRECISIONS = {"fp32": "fp32_tflops", "fp16": "fp16_tflops", "int8": "int8_tops"}
# bytes per value of each number format: the one table of the course (cluster.py takes its gradient sizes here)
BYTES_PER_VALUE = {"fp32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1, "int4": 0.5}


@dataclass(frozen=True)
class GPU:
    """One accelerator's peak figures (units in the names)."""

    name: str
    vendor: str
    year: int
    segment: str
    memory_gb: float
    bandwidth_gbs: float
    fp32_tflops: float | None
    fp16_tflops: float | None
    int8_tops: float | None
    tdp_w: float | None
    price_usd: float | None
    nvlink: str | None = None  # the NVLink joining the GPUs of one board (a name in interconnects.csv), if any

    def peak_flops(self, precision: str = "fp16") -> float:
        """Peak operations per second at ``precision`` (fp32, fp16 or int8); raises if not available."""
        value = getattr(self, PRECISIONS[checks.choice(precision, "precision", PRECISIONS)])
        if value is None:
            raise ValueError(f"{self.name} has no published {precision} figure")
        return value * 1e12


def _check_gpu(g) -> GPU:
    if not isinstance(g, GPU):
        raise ValueError(f"g must be a GPU (from gpu() or all_gpus()), got {g!r}")
    return g


def _gpu_from_row(r) -> GPU:
    return GPU(r.name, r.vendor, r.year, r.segment, r.memory_gb, r.memory_bandwidth_gbs, r.fp32_tflops,
               r.fp16_tensor_tflops_dense, r.int8_tops_dense, r.tdp_w, r.launch_price_usd, r.nvlink or None)


def all_gpus() -> list[GPU]:
    """Every accelerator in ``gpus.csv``, oldest first."""
    return sorted((_gpu_from_row(r) for r in load_table("gpus")), key=lambda g: (g.year, g.name))


def gpu(name: str) -> GPU:
    """One accelerator by its exact name in ``gpus.csv``."""
    for g in all_gpus():
        if g.name == name:
            return g
    raise ValueError(f"no GPU named {name!r} in gpus.csv")


# ---- roofline ------------------------------------------------------------------------------------

def ridge_point(g: GPU, precision: str = "fp16") -> float:
    """Arithmetic intensity (FLOP per byte) where the roofline turns from memory- to compute-bound."""
    return _check_gpu(g).peak_flops(precision) / (g.bandwidth_gbs * 1e9)


def roofline(g: GPU, intensity, precision: str = "fp16"):
    """Attainable FLOP/s at arithmetic ``intensity`` (FLOP/byte): min(peak, intensity x bandwidth)."""
    _check_gpu(g)
    try:
        x = np.asarray(intensity, float)
    except (TypeError, ValueError):
        raise ValueError(f"arithmetic intensity must be numbers, got {intensity!r}") from None
    if np.any(~np.isfinite(x)) or np.any(x <= 0):
        raise ValueError(f"arithmetic intensity must be positive and finite, got {intensity}")
    out = np.minimum(g.peak_flops(precision), x * g.bandwidth_gbs * 1e9)
    return float(out) if out.ndim == 0 else out


def op_time_s(g: GPU, flops: float, n_bytes: float, precision: str = "fp16") -> float:
    """Lower bound on the time of an operation: max(compute time, memory time), in seconds."""
    _check_gpu(g)
    checks.non_negative(flops, "flops"), checks.non_negative(n_bytes, "n_bytes")
    return max(flops / g.peak_flops(precision), n_bytes / (g.bandwidth_gbs * 1e9))


def _bytes(dtype: str) -> float:
    checks.choice(dtype, "dtype", BYTES_PER_VALUE)
    return BYTES_PER_VALUE[dtype]


def matmul_cost(m: int, n: int, k: int, dtype: str = "fp16") -> tuple[float, float]:
    """(FLOPs, bytes) of C[m,n] = A[m,k] @ B[k,n], each matrix read or written once (perfect reuse).

    Returns
    -------
    flops : float
        2 m n k (a multiply and an add per term).
    bytes : float
        (m k + k n + m n) values times the bytes of ``dtype`` (one of ``BYTES_PER_VALUE``).

    Examples
    --------
    >>> matmul_cost(2, 3, 4, "fp32")  # 2*2*3*4 FLOPs; (8 + 12 + 6) values x 4 bytes
    (48.0, 104.0)
    """
    m, n, k = (checks.at_least(v, name, 1) for v, name in ((m, "m"), (n, "n"), (k, "k")))
    return 2 * m * n * k, (m * k + k * n + m * n) * _bytes(dtype)


def elementwise_add_cost(n: int, dtype: str = "fp16") -> tuple[float, float]:
    """(FLOPs, bytes) of c = a + b over n elements: one FLOP per three values moved.

    Returns
    -------
    flops, bytes : float
        ``n`` FLOPs; 3 ``n`` values times the bytes of ``dtype``.

    Examples
    --------
    >>> elementwise_add_cost(10, "fp16")
    (10.0, 60.0)
    """
    n = checks.at_least(n, "n", 1)
    return n, 3 * n * _bytes(dtype)


def conv2d_cost(batch: int, c_in: int, c_out: int, kernel: int, out_size: int,
                dtype: str = "fp16") -> tuple[float, float]:
    """(FLOPs, bytes) of a stride-1 'same' convolution: 2 FLOP per MAC; input, weights, output moved once.

    The multiply-adds and weights come from :func:`helpers.convolution.conv_layer_cost` (no bias).

    Examples
    --------
    >>> conv2d_cost(1, 1, 1, 3, 4, "fp32")  # 16 outputs x 9 MACs x 2; (16 in + 9 weights + 16 out) x 4 bytes
    (288, 164)
    """
    b, s = checks.whole(batch, "batch"), checks.whole(out_size, "out_size")
    macs, weights = conv_layer_cost(c_in, c_out, kernel, s, s, bias=False)
    values = b * s * s * checks.whole(c_in, "c_in") + weights + b * s * s * checks.whole(c_out, "c_out")
    return 2 * b * macs, values * _bytes(dtype)


def transformer_layer_cost(batch: int, seq: int, d_model: int, dtype: str = "fp16") -> tuple[float, float]:
    """(FLOPs, bytes) of one transformer layer's forward pass (4d^2 attention + 8d^2 MLP weights).

    FLOPs = 2 x tokens x 12 d^2 for the weight matrix multiplies plus 4 x batch x seq^2 x d for attention
    scores; bytes = the weights once plus activations in and out (a lower bound on traffic).

    Returns
    -------
    flops, bytes : float

    Examples
    --------
    >>> transformer_layer_cost(1, 2, 4, "fp16")  # 2*2*12*16 + 4*1*4*4 FLOPs; (192 + 2*2*4) values x 2 bytes
    (832.0, 416.0)
    """
    b, s, d = (checks.at_least(v, nm, 1) for v, nm in ((batch, "batch"), (seq, "seq"), (d_model, "d_model")))
    tokens = b * s
    flops = 2 * tokens * 12 * d * d + 4 * b * s * s * d
    values = 12 * d * d + 2 * tokens * d
    return flops, values * _bytes(dtype)


def llm_decode_cost(params: float, batch: int = 1, dtype: str = "fp16") -> tuple[float, float]:
    """(FLOPs, bytes) of generating one token for each of ``batch`` sequences: every weight is read once
    (KV cache ignored), 2 FLOP per parameter per sequence."""
    p, b = checks.at_least(params, "params", 1), checks.at_least(batch, "batch", 1)
    return 2 * p * b, p * _bytes(dtype)


def intensity(cost: tuple[float, float]) -> float:
    """Arithmetic intensity (FLOP/byte) of a (FLOPs, bytes) pair."""
    if not isinstance(cost, (tuple, list)) or len(cost) != 2:
        raise ValueError(f"cost must be a (FLOPs, bytes) pair, got {cost!r}")
    flops, n_bytes = checks.finite(cost[0], "cost FLOPs"), checks.finite(cost[1], "cost bytes")
    if flops < 0 or n_bytes <= 0:
        raise ValueError(f"cost must hold FLOPs >= 0 and bytes > 0, got {cost!r}")
    return flops / n_bytes


def llm_tokens_per_s(g: GPU, params: float, dtype: str = "fp16") -> float:
    """Upper bound on batch-1 decode speed: bandwidth / bytes of weights (tokens per second)."""
    return _check_gpu(g).bandwidth_gbs * 1e9 / (checks.at_least(params, "params", 1) * _bytes(dtype))


# ---- memory --------------------------------------------------------------------------------------

# mixed-precision Adam per parameter: fp16 weights 2 + fp16 grads 2 + optimizer states 12 (fp32 master weights 4
# + Adam m 4 + v 4), as in the ZeRO paper; modelparallel.py shards these three parts
ADAM_MIXED_BYTES = {"weights": 2, "gradients": 2, "optimizer": 12}

TRAINING_BYTES_PER_PARAM = {
    "adam-mixed": sum(ADAM_MIXED_BYTES.values()),
    "adam-fp32": 16,  # fp32 weights 4 + grads 4 + m 4 + v 4
    "sgd-momentum-fp32": 12,  # weights 4 + grads 4 + momentum 4
    "adam-8bit-mixed": 10,  # fp16 weights 2 + grads 2 + fp32 master 4 + 8-bit m and v 2
}


def training_memory_gb(params: float, optimizer: str = "adam-mixed", activations_gb: float = 0.0) -> float:
    """GB to train ``params`` parameters: weights, gradients and optimizer states, plus activations."""
    p = checks.at_least(params, "params", 1)
    checks.choice(optimizer, "optimizer", TRAINING_BYTES_PER_PARAM)
    checks.non_negative(activations_gb, "activations_gb")
    return p * TRAINING_BYTES_PER_PARAM[optimizer] / 1e9 + activations_gb


def inference_memory_gb(params: float, dtype: str = "fp16", overhead: float = 0.2) -> float:
    """GB to hold the weights for inference, plus a fractional ``overhead`` for KV cache and buffers."""
    if not 0 <= checks.finite(overhead, "overhead") <= 10:
        raise ValueError(f"overhead must be between 0 and 10, got {overhead}")
    return checks.at_least(params, "params", 1) * _bytes(dtype) / 1e9 * (1 + overhead)


def gpus_needed(g: GPU, memory_gb: float) -> int:
    """How many of ``g`` hold ``memory_gb`` if it could be split perfectly (at least 1)."""
    _check_gpu(g)
    checks.non_negative(memory_gb, "memory_gb")
    return max(1, int(np.ceil(memory_gb / g.memory_gb)))


def fits(g: GPU, memory_gb: float) -> bool:
    """Whether ``memory_gb`` fits in one ``g``."""
    return gpus_needed(g, memory_gb) == 1


# ---- value ---------------------------------------------------------------------------------------

METRICS = {"fp16 TFLOPS": "fp16", "fp32 TFLOPS": "fp32", "bandwidth GB/s": "bandwidth", "memory GB": "memory"}


def metric_value(g: GPU, metric: str) -> float:
    """The figure a ranking uses: fp16/fp32 TFLOPS, bandwidth in GB/s or memory in GB."""
    _check_gpu(g)
    checks.choice(metric, "metric", METRICS)
    kind = METRICS[metric]
    if kind == "bandwidth":
        return g.bandwidth_gbs
    if kind == "memory":
        return g.memory_gb
    return g.peak_flops(kind) / 1e12


def perf_per_dollar(g: GPU, metric: str = "fp16 TFLOPS", price_usd: float | None = None) -> float:
    """Metric per US dollar, at the launch price unless ``price_usd`` is given."""
    price = _check_gpu(g).price_usd if price_usd is None else price_usd
    if price is None:
        raise ValueError(f"{g.name} has no list price; give price_usd")
    checks.positive(price, "price_usd")
    return metric_value(g, metric) / price


def perf_per_watt(g: GPU, metric: str = "fp16 TFLOPS") -> float:
    """Metric per watt of board power (TDP)."""
    if _check_gpu(g).tdp_w is None:
        raise ValueError(f"{g.name} has no published power figure")
    return metric_value(g, metric) / g.tdp_w


@dataclass(frozen=True)
class Recommendation:
    gpu: GPU
    count: int
    cost_usd: float
    score: float
    reason: str


WORKLOADS = {
    # which figure decides speed for the workload
    "training (compute-bound)": "fp16 TFLOPS",
    "LLM inference (bandwidth-bound)": "bandwidth GB/s",
}


def recommend(budget_usd: float, memory_needed_gb: float, workload: str = "training (compute-bound)",
              max_gpus: int = 8) -> list[Recommendation]:
    """GPUs with a list price that hold ``memory_needed_gb`` within ``budget_usd`` (using up to ``max_gpus``
    cards, memory split evenly), ranked by the workload's deciding figure for the whole set of cards."""
    checks.positive(budget_usd, "budget_usd")
    checks.positive(memory_needed_gb, "memory_needed_gb")
    checks.choice(workload, "workload", WORKLOADS)
    checks.whole(max_gpus, "max_gpus", 1, 64)
    metric = WORKLOADS[workload]
    out = []
    for g in all_gpus():
        if g.price_usd is None or g.fp16_tflops is None:
            continue
        count = gpus_needed(g, memory_needed_gb)
        cost = count * g.price_usd
        if count > max_gpus or cost > budget_usd:
            continue
        score = count * metric_value(g, metric)
        split = f"{count} cards sharing the memory" if count > 1 else "fits on one card"
        reason = (f"{g.memory_gb:g} GB each, {split}; {metric}: {score:,.0f} in total for ${cost:,.0f} "
                  f"(launch prices, {g.year})")
        out.append(Recommendation(g, count, cost, score, reason))
    return sorted(out, key=lambda r: (-r.score, r.cost_usd))
