"""GPUs for deep learning: the roofline model, memory needs, value for money, and a recommender.

Conventions (see the header of ``gpus.csv``): throughput figures are vendor peaks; ``fp16`` means dense
FP16/BF16 tensor (matrix) throughput without 2:4 sparsity, with FP32 accumulation (GeForce cards run twice as
fast with FP16 accumulation); ``fp32`` is the non-tensor vector rate. Bandwidth is peak DRAM bandwidth.
Real kernels reach a fraction of these peaks; the roofline gives an upper bound, not a prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from . import checks
from .convolution import conv_layer_cost
from .data import load_table

# precision -> where its peak lives: a GPU field (fp16: dense tensor-core throughput; int8: dense TOPS), or for
# fp8/fp4 a column of gpu_features.csv
PRECISIONS = {"fp32": "fp32_tflops", "fp16": "fp16_tflops", "int8": "int8_tops",
              "fp8": "fp8_tflops_dense", "fp4": "fp4_tflops_dense"}
# bytes per value of each number format: the one table of the course (cluster.py takes its gradient sizes here)
BYTES_PER_VALUE = {"fp32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1, "int4": 0.5, "fp4": 0.5}


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
        """Peak operations per second at ``precision`` (fp32, fp16, int8, fp8 or fp4); raises if not available."""
        value = {"fp32": self.fp32_tflops, "fp16": self.fp16_tflops, "int8": self.int8_tops}.get(
            precision if isinstance(precision, str) else "", -1)
        if precision in ("fp8", "fp4"):
            row = _features().get(self.name)
            value = getattr(row, PRECISIONS[precision]) if row is not None else None
        if value == -1:
            raise ValueError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
        if value is None:
            raise ValueError(f"{self.name} has no published {precision} figure")
        return value * 1e12


@cache
def _features() -> dict:
    """Rows of gpu_features.csv (status, multi-GPU link, software, FP8/FP4 rates) by GPU name."""
    return {r.name: r for r in load_table("gpu_features")}


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


def lora_memory_gb(params: float, dtype: str = "int4", adapter_fraction: float = 0.01,
                   activations_gb: float = 0.0) -> float:
    """GB to fine-tune with LoRA: the frozen weights in ``dtype`` (int4 as in QLoRA) plus small trainable
    adapters, ``adapter_fraction`` of the parameter count (1 % here: a course assumption), trained with
    mixed-precision Adam (16 bytes each), plus activations."""
    p = checks.at_least(params, "params", 1)
    frac = checks.fraction(adapter_fraction, "adapter_fraction")
    act = checks.non_negative(activations_gb, "activations_gb")
    return p * _bytes(dtype) / 1e9 + p * frac * TRAINING_BYTES_PER_PARAM["adam-mixed"] / 1e9 + act


def kv_cache_gb(layers: int, kv_heads: int, head_dim: int, context: int, batch: int = 1,
                dtype: str = "fp16") -> float:
    """GB of the attention key/value cache: 2 (K and V) x layers x kv_heads x head_dim values per token, for
    ``context`` tokens of each of ``batch`` sequences, at the bytes of ``dtype``. It grows linearly with the
    context, so long contexts can need more memory than the weights.

    Examples
    --------
    >>> kv_cache_gb(32, 8, 128, 8192)  # a Llama-3-8B-shaped model: 128 KiB per token, 8k tokens
    1.073741824
    """
    values = 2 * checks.whole(layers, "layers", 1, 10_000) * checks.whole(kv_heads, "kv_heads", 1, 10_000) \
        * checks.whole(head_dim, "head_dim", 1, 100_000)
    tokens = checks.whole(context, "context", 1, 10**8) * checks.whole(batch, "batch", 1, 10**6)
    return values * tokens * _bytes(dtype) / 1e9


def bytes_in_flight_kb(bandwidth_gbs: float, latency_cycles: float, clock_ghz: float) -> float:
    """Little's law for memory: to sustain ``bandwidth_gbs`` when each access takes ``latency_cycles`` at
    ``clock_ghz``, bandwidth x latency bytes must be on their way at every moment (in KB). A GPU gets there by
    keeping many warps' loads in flight; a single thread waiting for each load in turn would see a trickle."""
    bw = checks.positive(bandwidth_gbs, "bandwidth_gbs")
    latency_s = checks.positive(latency_cycles, "latency_cycles") / (checks.positive(clock_ghz, "clock_ghz") * 1e9)
    return bw * 1e9 * latency_s / 1e3


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


# ---- buying: offers, multi-card setups, the recommender ------------------------------------------------

def card_facts(g: GPU):
    """The row of ``gpu_features.csv`` for ``g`` (status, link, matrix units, software, slot width), or None."""
    return _features().get(_check_gpu(g).name)


def software_caveat(g: GPU) -> str:
    """What a buyer should know about the software stack of ``g`` ("" when it runs the CUDA ecosystem)."""
    row = card_facts(g)
    return (row.software_caveat or "") if row is not None else ""


def offer_price(g: GPU, prices: dict | None = None) -> tuple[float, str] | None:
    """What ``g`` costs a buyer now, and where that figure comes from, or None when it is not on offer.

    Order: your own price in ``prices`` (name -> USD); else the newest dated street or used price from
    ``gpu_offers.csv`` or ``gpu_price_notes.csv`` (as of 2025 or later); else the launch price (MSRP), but only for a
    card still made (``status`` current), and labelled as such: an MSRP is not what the card sells for, so such a
    price is not on the same basis as the dated street prices. A discontinued card at its launch price is not an
    offer at all.
    """
    _check_gpu(g)
    if prices is not None:
        if not isinstance(prices, dict):
            raise ValueError(f"prices must map GPU names to US dollars, got {prices!r}")
        if g.name in prices:
            return checks.positive(prices[g.name], f"prices[{g.name!r}]"), "your price"
    notes = [r for table in ("gpu_offers", "gpu_price_notes") for r in load_table(table)
             if r.name == g.name and r.kind in ("street_usd", "used_usd") and str(r.as_of) >= "2025"]
    if notes:
        r = max(notes, key=lambda r: (str(r.as_of), r.value))
        return float(r.value), f"{'used' if r.kind == 'used_usd' else 'street'} price {r.as_of} ({r.source_short})"
    row = card_facts(g)
    if g.price_usd is not None and row is not None and row.status == "current":
        return float(g.price_usd), f"MSRP {g.year}, not an offer (no dated street price in the course data)"
    return None


def parse_price_overrides(text: str) -> dict[str, float]:
    """Prices typed as ``"5090=2500, 3090=700"``: each name part must match exactly one desktop card
    (case-insensitive, a part of its name is enough); returns {full GPU name: USD}."""
    if not isinstance(text, str):
        raise ValueError(f"prices must be text like '5090=2500, 3090=700', got {text!r}")
    cards = [g.name for g in all_gpus() if g.name in _features() and _features()[g.name].status != "datacenter"]
    out = {}
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        if "=" not in part:
            raise ValueError(f"prices: write each price as name=dollars, e.g. 5090=2500; got {part!r}")
        name, value = (x.strip() for x in part.split("=", 1))
        matches = [c for c in cards if name and name.lower() in c.lower()]
        if len(matches) != 1:
            found = "no desktop card" if not matches else f"{len(matches)} cards ({', '.join(matches[:3])})"
            raise ValueError(f"prices: {name!r} matches {found}; use a part of one name, e.g. 5090")
        try:
            usd = float(value)
        except ValueError:
            raise ValueError(f"prices: {value!r} after {name}= is not a number of dollars") from None
        out[matches[0]] = checks.positive(usd, f"prices: the price of {matches[0]}")
        if usd > 1e6:
            raise ValueError(f"prices: ${usd:,.0f} for {matches[0]} is more than a desktop card costs")
    return out


@cache
def _dp_efficiency() -> dict[str, float]:
    return {r.link: r.added_card_efficiency for r in load_table("multi_gpu_efficiency")}


@cache
def _tp_sync_ms() -> dict[str, float]:
    return {r.link: r.tp_sync_ms_per_doubling for r in load_table("multi_gpu_efficiency")}


def _check_link(link) -> str:
    if not isinstance(link, str) or link not in _dp_efficiency():
        raise ValueError(f"link must be one of {list(_dp_efficiency())}, got {link!r}")
    return link


def data_parallel_speed(per_card: float, n_cards: int, link: str) -> float:
    """Throughput of ``n_cards`` identical cards training data-parallel: the first card counts fully, each added
    card by the efficiency of ``link`` (nvlink, infinity_fabric, pcie_p2p or pcie_host; see
    ``multi_gpu_efficiency.csv``): per_card x (1 + (n - 1) x efficiency)."""
    n = checks.whole(n_cards, "n_cards", 1, 64)
    return checks.non_negative(per_card, "per_card") * (1 + (n - 1) * _dp_efficiency()[_check_link(link)])


def fsdp_speed(per_card: float, n_cards: int, link: str) -> float:
    """Throughput of ``n_cards`` training with fully sharded data parallelism (FSDP, ZeRO stage 3): each card
    holds 1/n of the weights, gradients and optimizer states and gathers the weights layer by layer, so a model
    that fits on no single card still trains data-parallel. ZeRO-3 moves about 1.5 times the bytes of plain data
    parallelism (Rajbhandari et al. 2020), so each added card loses 1.5 times what ``link`` loses in
    ``data_parallel_speed``: per_card x (1 + (n - 1) x max(0, 1 - 1.5 (1 - efficiency)))."""
    n = checks.whole(n_cards, "n_cards", 1, 64)
    eff = _dp_efficiency()[_check_link(link)]
    return checks.non_negative(per_card, "per_card") * (1 + (n - 1) * max(0.0, 1 - 1.5 * (1 - eff)))


PIPELINE_MICROBATCHES = 8  # course assumption: a batch cut into 8 micro-batches (notebook 07 varies it)


def pipeline_speed(per_card: float, stages: int, microbatches: int = PIPELINE_MICROBATCHES) -> float:
    """Throughput of a model split into ``stages`` consecutive parts on as many cards, fed ``microbatches``
    micro-batches per step (GPipe / 1F1B): all cards work except during the bubble of notebook 07,
    per_card x stages x (1 - bubble_fraction). With one micro-batch the cards take turns (one card's speed);
    the activations sent between stages are ignored here."""
    from .modelparallel import bubble_fraction
    p = checks.whole(stages, "stages", 1, 64)
    return checks.non_negative(per_card, "per_card") * p * (1 - bubble_fraction(p, microbatches))


def tensor_parallel_decode_tokens_per_s(g: GPU, model_gb: float, n_cards: int, link: str) -> float:
    """Batch-1 decoding with every weight matrix split over ``n_cards`` of ``g`` (tensor parallelism): all cards
    read their share at once, so the memory time is model_gb / (n x bandwidth), but each layer ends in an
    all-reduce whose cost per token grows with log2 n (``tp_sync_ms_per_doubling`` of ``link`` in
    multi_gpu_efficiency.csv; about 30B-parameter models): tokens/s = 1 / (memory time + sync x log2 n)."""
    _check_gpu(g)
    n = checks.whole(n_cards, "n_cards", 1, 64)
    gb = checks.positive(model_gb, "model_gb")
    return 1 / (gb / (n * g.bandwidth_gbs) + _tp_sync_ms()[_check_link(link)] / 1e3 * np.log2(n))


def split_layers_decode_tokens_per_s(g: GPU, model_gb: float, n_cards: int) -> float:
    """Upper bound on batch-1 decoding when a model's layers are split over ``n_cards`` of ``g``: each token
    passes through the cards one after another, each reading its share of the weights, so the time per token
    is model_gb / bandwidth whatever the number of cards (one card's bandwidth, never n times it)."""
    _check_gpu(g)
    checks.whole(n_cards, "n_cards", 1, 64)
    gb = checks.positive(model_gb, "model_gb")
    share = gb / n_cards
    return 1 / sum(share / g.bandwidth_gbs for _ in range(n_cards))


@dataclass(frozen=True)
class Recommendation:
    gpu: GPU
    count: int
    cost_usd: float
    score: float
    reason: str
    split: str = ""
    price_source: str = ""
    caveat: str = ""
    warning: str = ""


WORKLOADS = {
    # which figure decides speed for the workload. Training is ranked by bandwidth by default (section 3: the best
    # single predictor, though it undersells newer cards with big caches); "compute-bound" ranks by peak fp16
    # TFLOPS, an upper bound reached only by large matrix multiplies that reuse every byte many times.
    "training (estimated from bandwidth)": "bandwidth GB/s",
    "training (compute-bound)": "fp16 TFLOPS",
    "LLM inference (bandwidth-bound)": "bandwidth GB/s",
}
SCORE_UNITS = {"training (estimated from bandwidth)": "effective GB/s (bandwidth x multi-card scaling)",
               "training (compute-bound)": "effective fp16 TFLOPS (peak x multi-card scaling)",
               "LLM inference (bandwidth-bound)": "tokens/s (batch 1, upper bound)"}
CPU_W, OTHER_W = 200, 50  # the rest of the box under load: the article's ~200 W left for CPU and board on a
# 1600 W supply, plus notebook 04's default for drives and fans (build.psu_watts)


def setup_power_w(g: GPU, count: int) -> float:
    """DC load of a box with ``count`` cards of ``g`` at board power, a 200 W CPU and 50 W for the rest
    (``build.psu_watts`` of notebook 04 without its safety margin)."""
    from .build import psu_watts
    if _check_gpu(g).tdp_w is None:
        raise ValueError(f"{g.name} has no published power figure")
    return psu_watts([g.tdp_w] * checks.whole(count, "count", 1, 16), CPU_W, OTHER_W, margin=0)


def setup_options(g: GPU, count: int, memory_needed_gb: float, workload: str) -> list[tuple[float, str]]:
    """Every way of splitting the work over ``count`` cards of ``g`` holding ``memory_needed_gb``, as
    (score, how), best first. Training scores are the workload's metric (``WORKLOADS``) times the scaling:

    - model fits on one card: data parallel (``data_parallel_speed`` with the card's link);
    - model fits on none: naive layer split (the default of llama.cpp and Hugging Face ``device_map``: the cards
      take turns, one card's speed per group of cards, groups data parallel); pipeline with micro-batches
      (``pipeline_speed``); fully sharded data parallel over all the cards (``fsdp_speed``).

    LLM inference (batch 1, tokens/s): naive layer split (one card's bandwidth, ``split_layers_decode_tokens_per_s``)
    and, with two or more cards, tensor parallelism (``tensor_parallel_decode_tokens_per_s``).
    """
    _check_gpu(g)
    if not isinstance(workload, str) or workload not in WORKLOADS:
        raise ValueError(f"workload must be one of {list(WORKLOADS)}, got {workload!r}")
    n = checks.whole(count, "count", 1, 64)
    need = checks.positive(memory_needed_gb, "memory_needed_gb")
    group = gpus_needed(g, need)
    if n < group:
        raise ValueError(f"{n} x {g.name} ({n * g.memory_gb:g} GB) cannot hold {need:g} GB")
    row = card_facts(g)
    link = row.multi_gpu_link if row is not None else "pcie_host"
    via = link.replace("_", " ")
    if link == "nvlink" and row.status != "datacenter" and n > 2:
        # desktop NVLink bridges join two cards only: beyond a pair the exchange goes through host memory
        link, via = "pcie_host", "pcie host: NVLink bridges join pairs only"
    if workload == "LLM inference (bandwidth-bound)":
        out = [(split_layers_decode_tokens_per_s(g, need, group),
                "fits on one card" if group == 1 else
                f"naive layer split over {group} cards (llama.cpp default): each token runs through them in turn, "
                "at one card's bandwidth")]
        if n > 1:
            out.append((tensor_parallel_decode_tokens_per_s(g, need, n, link),
                        f"tensor parallel over {n} cards ({via}): all read at once, an all-reduce per layer"))
        return sorted(out, key=lambda o: -o[0])
    per_card = metric_value(g, WORKLOADS[workload])
    if group == 1:
        return [(data_parallel_speed(per_card, n, link),
                 "fits on one card" if n == 1 else f"data parallel over {n} cards ({via})")]
    groups = n // group
    suffix = f", {groups} such groups data parallel" if groups > 1 else ""
    out = [(data_parallel_speed(per_card, groups, link),
            f"naive layer split over {group} cards that take turns (about one card's speed){suffix}"),
           (data_parallel_speed(pipeline_speed(per_card, group), groups, link),
            f"pipeline over {group} cards with {PIPELINE_MICROBATCHES} micro-batches{suffix}"),
           (fsdp_speed(per_card, n, link), f"fully sharded data parallel (FSDP / ZeRO-3) over {n} cards ({via})")]
    return sorted(out, key=lambda o: -o[0])


def setup_score(g: GPU, count: int, memory_needed_gb: float, workload: str) -> tuple[float, str]:
    """The best (score, how) of ``setup_options``: how ``count`` cards of ``g`` holding ``memory_needed_gb`` are
    best used for ``workload``."""
    return setup_options(g, count, memory_needed_gb, workload)[0]


def outlet_warning(g: GPU, count: int, psu_w: float, region: str = "US") -> str:
    """A warning ("" if none) when the box draws more from the wall than one household circuit of ``region``
    delivers under continuous load (``build.circuit_limit_w``; wall power from ``build.wall_watts`` with a Gold
    PSU of ``psu_w``)."""
    from .build import circuit_limit_w, wall_watts
    dc = setup_power_w(g, count)
    wall = wall_watts(dc, checks.positive(psu_w, "psu_w"))
    limit = circuit_limit_w(region)
    if wall <= limit:
        return ""
    return (f"about {wall:,.0f} W from the wall, more than one {region} household circuit delivers under continuous "
            f"load ({limit:,.0f} W): it needs a dedicated higher-power circuit (notebook 04)")


def recommend(budget_usd: float, memory_needed_gb: float, workload: str = "training (estimated from bandwidth)",
              max_gpus: int = 8, prices: dict | None = None, include_caveats: bool = False,
              psu_w: float = 1600, slots: int = 8) -> list[Recommendation]:
    """Desktop setups (1 to ``max_gpus`` identical cards) that hold ``memory_needed_gb`` within ``budget_usd``,
    ranked by ``setup_score``: how the work is really split, not count x spec.

    Prices are offers (``offer_price``: your ``prices``, dated street or used prices, launch prices of cards
    still made). A setup must fit a ``psu_w`` power supply (board power of the cards plus 250 W for the rest of the
    system: ``setup_power_w``) and ``slots`` expansion slots. Cards whose software stack carries a caveat
    (``software_caveat``) are left out unless ``include_caveats``.
    """
    budget = checks.positive(budget_usd, "budget_usd")
    need = checks.positive(memory_needed_gb, "memory_needed_gb")
    if not isinstance(workload, str) or workload not in WORKLOADS:
        raise ValueError(f"workload must be one of {list(WORKLOADS)}, got {workload!r}")
    max_n = checks.whole(max_gpus, "max_gpus", 1, 64)
    checks.flag(include_caveats, "include_caveats")
    psu = checks.positive(psu_w, "psu_w")
    n_slots = checks.whole(slots, "slots", 1, 64)
    out = []
    for g in all_gpus():
        row = card_facts(g)
        if row is None or row.status == "datacenter" or g.fp16_tflops is None:
            continue
        caveat = software_caveat(g)
        if caveat and not include_caveats:
            continue
        offer = offer_price(g, prices)
        if offer is None:
            continue
        price, source = offer
        group = gpus_needed(g, need)
        best = None
        for n in range(group, max_n + 1, group):
            if n * price > budget or n > 16 or setup_power_w(g, n) > psu or n * row.slot_width > n_slots:
                break
            score, how = setup_score(g, n, need, workload)
            if best is None or score > best[1] * (1 + 1e-9):
                best = (n, score, how)
        if best is None:
            continue
        n, score, how = best
        reason = (f"{n} × {g.memory_gb:g} GB for ${n * price:,.0f} ({source}); {how}; "
                  f"{score:,.1f} {SCORE_UNITS[workload]}, {score / (n * price) * 1000:,.1f} per $1,000")
        warning = outlet_warning(g, n, psu)
        if caveat:
            reason += f". Caveat: {caveat}"
        if warning:
            reason += f". Power: {warning}"
        out.append(Recommendation(g, n, n * price, score, reason, how, source, caveat, warning))
    return sorted(out, key=lambda r: (-r.score, r.cost_usd))


# ---- tensor cores and the memory hierarchy ------------------------------------------------------------

def hierarchy_latencies() -> dict[str, float]:
    """Latencies in cycles from the article's list (``gpu_memory_hierarchy.csv``): global memory (DRAM), L2,
    shared memory, an FFMA and a tensor-core matrix multiply."""
    rows = {r.key: r.value for r in load_table("gpu_memory_hierarchy") if r.quantity == "latency"}
    return {"global": rows["lat_global"], "l2": rows["lat_l2"], "shared": rows["lat_shared"],
            "ffma": rows["lat_ffma"], "tensor": rows["lat_tensor"]}


def tile_matmul_cycles(tensor_cores: bool, async_copy: bool = False, global_cycles: float = 200,
                       steps: int = 8) -> dict[str, float]:
    """Cycles of the article's simplified example, a 32x32 matmul on 8 SMs, split by where the time goes.

    - global memory: one parallel load of both tiles into shared memory (``global_cycles``; the article
      charges 200, about the L2 latency of its list);
    - without tensor cores: ``steps`` shared-memory loads and ``steps`` FFMAs one after another (8 in the
      article); with tensor cores: one shared-memory load into the tensor-core registers and one cycle.
    - ``async_copy``: the next tiles' global load overlaps this tile's shared loads and arithmetic, so only the
      part of the global latency not hidden behind them stays visible.
    """
    tc, overlap = checks.flag(tensor_cores, "tensor_cores"), checks.flag(async_copy, "async_copy")
    glob = checks.positive(global_cycles, "global_cycles")
    if glob > 10_000:
        raise ValueError(f"global_cycles must be at most 10000, got {glob}")
    n = checks.whole(steps, "steps", 1, 64)
    lat = hierarchy_latencies()
    shared, compute = (lat["shared"], lat["tensor"]) if tc else (n * lat["shared"], n * lat["ffma"])
    if overlap:
        glob = max(0.0, glob - shared - compute)
    return {"global memory": glob, "shared memory": shared, "compute": compute}


def tile_intensity(tile: int, dtype: str = "fp16") -> float:
    """FLOP per byte read from global memory when C is computed in ``tile`` x ``tile`` blocks with square
    k-steps: each step loads one tile of A and one of B (2 t² values) and does 2 t³ FLOPs, so the intensity
    is t / (bytes per value). Bigger tiles reuse each loaded value more often."""
    t = checks.whole(tile, "tile", 1, 4096)
    return t / _bytes(dtype)


def tile_shared_kb(tile: int, dtype: str = "fp16", stages: int = 2) -> float:
    """Shared memory (KB) for ``stages`` buffers of one A tile and one B tile (double buffering: 2)."""
    t = checks.whole(tile, "tile", 1, 4096)
    return checks.whole(stages, "stages", 1, 8) * 2 * t * t * _bytes(dtype) / 1024


def max_tile(shared_kb: float, dtype: str = "fp16", stages: int = 2) -> int:
    """The largest power-of-two tile edge whose buffers fit in ``shared_kb`` of shared memory per SM."""
    kb = checks.positive(shared_kb, "shared_kb")
    t = 0
    while tile_shared_kb(2 ** (t + 1), dtype, stages) <= kb and t < 12:
        t += 1
    if tile_shared_kb(2 ** t, dtype, stages) > kb:
        raise ValueError(f"shared_kb {kb:g} does not hold even 1x1 tiles")
    return 2 ** t


def max_shared_kb(g: GPU) -> float:
    """The largest shared memory (KB) one SM of ``g`` can give a kernel (``gpu_memory_hierarchy.csv``, rows
    ``max_shared_kb``): the budget for the tiles of ``max_tile``."""
    rows = {r.architecture: r.value for r in load_table("gpu_memory_hierarchy") if r.quantity == "max_shared_kb"}
    if _check_gpu(g).name not in rows:
        raise ValueError(f"no shared-memory figure for {g.name}; known: {', '.join(rows)}")
    return rows[g.name]


def tensor_utilisation_bound(g: GPU, tile: int, dtype: str = "fp16") -> float:
    """Upper bound on the fraction of peak that ``g`` can reach when every tile comes from global memory:
    min(1, tile intensity x bandwidth / peak). Reuse through the L2 cache raises the real figure."""
    precision = "fp16" if dtype == "bf16" else dtype
    return min(1.0, tile_intensity(tile, dtype) * _check_gpu(g).bandwidth_gbs * 1e9 / g.peak_flops(precision))


# ---- is bandwidth the best single predictor? ------------------------------------------------------------

PREDICTORS = {"bandwidth": "memory bandwidth ratio", "fp16 TFLOPS": "fp16 tensor TFLOPS ratio"}


def predicted_speedup(a: GPU, b: GPU, basis: str = "bandwidth") -> float:
    """Estimated speed of ``a`` relative to ``b`` from one spec: the bandwidth ratio (the article's estimate,
    e.g. A100 / V100 = 1555 / 900) or the fp16 tensor TFLOPS ratio."""
    for value, name in ((a, "a"), (b, "b")):
        if not isinstance(value, GPU):
            raise ValueError(f"{name} must be a GPU (from gpu() or all_gpus()), got {value!r}")
    if not isinstance(basis, str) or basis not in PREDICTORS:
        raise ValueError(f"basis must be one of {list(PREDICTORS)}, got {basis!r}")
    if basis == "bandwidth":
        return a.bandwidth_gbs / b.bandwidth_gbs
    return a.peak_flops("fp16") / b.peak_flops("fp16")


def predictor_check(basis: str = "bandwidth") -> list[dict]:
    """Each measured ratio of ``gpu_benchmarks.csv`` against the ``basis`` prediction, with the error in percent
    ((predicted / measured - 1) x 100)."""
    out = []
    for r in load_table("gpu_benchmarks"):
        pred = predicted_speedup(gpu(r.gpu_a), gpu(r.gpu_b), basis)
        out.append({"pair": f"{r.gpu_a} / {r.gpu_b}", "workload": r.workload, "measured": r.ratio,
                    "predicted": pred, "error_percent": (pred / r.ratio - 1) * 100, "source": r.source})
    return out



def predictor_summary(basis: str = "bandwidth") -> list[dict]:
    """``predictor_check`` grouped by pair of cards and task (training, or LLM decoding at batch 1): how many
    measurements, their mean signed error and mean absolute error in percent. A spec that predicts well within
    one group can still miss another: the signed mean shows in which direction."""
    groups: dict[tuple[str, str], list[float]] = {}
    for r in predictor_check(basis):
        task = "LLM decoding, batch 1" if r["workload"].startswith("LLM decoding") else "training"
        groups.setdefault((r["pair"], task), []).append(r["error_percent"])
    return [{"pair": pair, "task": task, "n": len(e), "mean_error_percent": float(np.mean(e)),
             "mean_abs_error_percent": float(np.mean(np.abs(e)))} for (pair, task), e in groups.items()]

# ---- value including electricity --------------------------------------------------------------------------

def us_price_per_kwh() -> float:
    """The US average residential electricity price of ``electricity_prices.csv`` (USD per kWh)."""
    return load_table("electricity_prices").get("US average (residential)").price_per_kwh


def electricity_usd(g: GPU, years: float = 5, utilisation: float = 0.15, price_per_kwh: float | None = None) -> float:
    """Electricity of the card at board power over ``years`` at ``utilisation`` (busy fraction of the day), at
    ``price_per_kwh`` (default: the US average of ``electricity_prices.csv``), via ``build.electricity_cost``."""
    from .build import electricity_cost
    if _check_gpu(g).tdp_w is None:
        raise ValueError(f"{g.name} has no published power figure")
    price = us_price_per_kwh() if price_per_kwh is None else price_per_kwh
    return electricity_cost(g.tdp_w, 24, utilisation, price, years)


def perf_per_total_dollar(g: GPU, metric: str = "fp16 TFLOPS", price_usd: float | None = None,
                          years: float = 5, utilisation: float = 0.15, price_per_kwh: float | None = None) -> float:
    """Metric per dollar of purchase plus electricity (``electricity_usd``); the price defaults to the offer."""
    if price_usd is None:
        offer = offer_price(g)
        if offer is None:
            raise ValueError(f"{g.name} is not on offer; give price_usd")
        price_usd = offer[0]
    price = checks.positive(price_usd, "price_usd")
    return metric_value(g, metric) / (price + electricity_usd(g, years, utilisation, price_per_kwh))
