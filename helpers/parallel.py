"""Data parallelism: step time, speedup and efficiency of synchronous SGD, gradient compression, and a real
data-parallel training run under MPI on this machine's CPU cores (``helpers/jobs/dataparallel.py``).

Conventions: ``weak`` scaling keeps the batch per GPU (the global batch grows with the GPUs), ``strong`` scaling
keeps the global batch (each GPU gets a smaller share). Speedup is throughput relative to one GPU; efficiency is
speedup / GPUs. Communication uses the all-reduce of ``helpers.cluster`` (alpha-beta model). With ``overlap``, the
all-reduce runs during the backward pass (about 2/3 of the compute) and only what sticks out costs time.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import cache

import numpy as np
from threadpoolctl import threadpool_limits

from . import checks, cluster, mpirun
from . import quantize as Q
from .convolution import network_cost
from .data import load_table
from .gpus import GPU

BACKWARD_SHARE = 2 / 3  # share of a training step spent in the backward pass (forward 1, backward 2)


MAX_COUNT = 10**7  # largest count (GPUs, samples, steps, features) accepted


def _gpu_counts(n_gpus) -> list[int]:
    items = n_gpus.tolist() if isinstance(n_gpus, np.ndarray) else n_gpus
    items = list(items) if isinstance(items, (list, tuple)) else [items]
    if not items:
        raise ValueError("n_gpus must hold at least one number of GPUs")
    return [checks.whole(p, "n_gpus", 1, 100_000) for p in items]


def published_scaling() -> list:
    """Rows of ``scaling.csv``: scaling efficiency against GPUs, measured or predicted, with sources."""
    return list(load_table("scaling"))


# ---- models: parameters and FLOPs ----------------------------------------------------------------------

def flops_per_sample(model: str) -> float:
    """Training FLOPs (forward + backward) per sample: 6 x MACs per image for the CNNs (2 FLOPs per MAC, the
    backward pass twice the forward), 6 x parameters x tokens per sample for the language models."""
    if model in cluster.CNN_MODELS:
        return 6 * network_cost(model).gmacs * 1e9
    if model not in cluster.models():
        raise ValueError(f"model must be one of {cluster.models()}, got {model!r}")
    return 6 * cluster.parameter_count(model) * load_table("models").get(model).tokens_per_sample


def params_per_gflop(model: str) -> float:
    """Parameters (values to all-reduce) per GFLOP of training work per sample: high means communication-heavy."""
    return cluster.parameter_count(model) / (flops_per_sample(model) / 1e9)


# ---- step time, speedup, efficiency -------------------------------------------------------------------

# ---- calibration: what share of the peak training really reaches -----------------------------------------

LLM_UTILIZATION = 0.4  # model FLOPs utilisation of large language-model training: PaLM reported 46 % (Chowdhery
# et al. 2022, arXiv:2204.02311); 0.4 is an assumption in that range, not a measurement of these models


def published_throughput() -> list:
    """Rows of ``cnn_throughput.csv``: published single-GPU training images per second, with sources."""
    return list(load_table("cnn_throughput"))


def published_utilization(row) -> float:
    """Share of the dense fp16 tensor peak a published throughput row reaches:
    images/s x training FLOPs per image / peak FLOP/s."""
    from .gpus import gpu

    return row.images_per_s * flops_per_sample(row.model) / gpu(row.gpu).peak_flops("fp16")


def cnn_utilization() -> float:
    """Mean share of the fp16 peak reached by the published CNN training rows (about 0.2, not 0.4): the value the
    step-time model uses for every CNN (AlexNet and VGG-16 have no row of their own, an assumption)."""
    return _cnn_utilization()


@cache  # the table is read-only; explorers ask on every update
def _cnn_utilization() -> float:
    return float(np.mean([published_utilization(r) for r in published_throughput()]))


def default_utilization(model: str) -> float:
    """Utilisation used when none is given: :func:`cnn_utilization` for the CNNs, ``LLM_UTILIZATION`` for the
    language models."""
    checks.choice(model, "model", cluster.models())
    return cnn_utilization() if model in cluster.CNN_MODELS else LLM_UTILIZATION


CALIBRATED = "calibrated"  # the default utilisation: default_utilization(model)


def _utilization(model: str, utilization) -> float:
    return default_utilization(model) if isinstance(utilization, str) and utilization == CALIBRATED else utilization


def compute_time_s(model: str, batch: float, gpu: GPU, precision: str = "fp16",
                   utilization: float | str = CALIBRATED) -> float:
    """Seconds of compute for ``batch`` samples at ``utilization`` of the GPU's peak (default ``"calibrated"``:
    :func:`default_utilization`)."""
    u = checks.positive(_utilization(model, utilization), "utilization")
    if u > 1:
        raise ValueError(f"utilization must be at most 1, got {u}")
    if not isinstance(gpu, GPU):
        raise ValueError(f"gpu must be a GPU (from helpers.gpus.gpu() or all_gpus()), got {gpu!r}")
    return flops_per_sample(model) * checks.positive(batch, "batch") / (gpu.peak_flops(precision) * u)


def data_parallel_step_time_s(model: str, n_gpus: int, gpu: GPU, link: cluster.Link, batch_per_gpu: float = 32,
                              overlap: bool = False, bits: int = 16,
                              utilization: float | str = CALIBRATED) -> dict[str, float]:
    """One synchronous step on ``n_gpus``: compute for ``batch_per_gpu`` samples, all-reduce of the gradient in
    ``bits``-bit values over ``link`` (ring). Returns seconds of ``compute``, ``communication``, ``exposed``
    (communication not hidden) and ``step``."""
    p = checks.whole(n_gpus, "n_gpus", 1, 100_000)
    overlap = checks.flag(overlap, "overlap")
    if isinstance(bits, bool) or bits not in (1, 2, 4, 8, 16, 32):
        raise ValueError(f"bits must be 1, 2, 4, 8, 16 or 32, got {bits!r}")
    compute = compute_time_s(model, batch_per_gpu, gpu, "fp16", utilization)
    grad_bytes = cluster.parameter_count(model) * bits / 8
    comm = float(cluster.allreduce_time_s(grad_bytes, p, link, "ring"))
    exposed = max(0.0, comm - BACKWARD_SHARE * compute) if overlap else comm
    return {"compute": compute, "communication": comm, "exposed": exposed, "step": compute + exposed}


def speedup(model: str, n_gpus, gpu: GPU, link: cluster.Link, batch: float = 32, scaling: str = "weak",
            overlap: bool = False, bits: int = 16, utilization: float | str = CALIBRATED) -> np.ndarray:
    """Speedup over one GPU for each entry of ``n_gpus``. ``weak``: ``batch`` per GPU; ``strong``: ``batch`` is
    the global batch, split evenly (each GPU must get at least one sample: see :func:`max_strong_gpus`)."""
    if scaling not in ("weak", "strong"):
        raise ValueError(f"scaling must be 'weak' or 'strong', got {scaling!r}")
    ps = _gpu_counts(n_gpus)
    if scaling == "strong" and checks.positive(batch, "batch") / max(ps) < 1:
        raise ValueError(f"strong scaling splits the global batch {batch} over {max(ps)} GPUs, less than one "
                         "sample each: use at most batch GPUs")
    one = data_parallel_step_time_s(model, 1, gpu, link, batch, overlap, bits, utilization)["step"]
    out = []
    for p in ps:
        per_gpu = batch if scaling == "weak" else batch / p
        step = data_parallel_step_time_s(model, p, gpu, link, per_gpu, overlap, bits, utilization)["step"]
        out.append(p * one / step if scaling == "weak" else one / step)
    return np.array(out)


def max_strong_gpus(batch: float) -> int:
    """The most GPUs a global batch of ``batch`` samples can be split over with at least one sample each."""
    return int(math.floor(checks.at_least(batch, "batch", 1)))


def efficiency(model: str, n_gpus, gpu: GPU, link: cluster.Link, **kw) -> np.ndarray:
    """Speedup divided by the number of GPUs (1.0 = perfect scaling)."""
    return speedup(model, n_gpus, gpu, link, **kw) / np.atleast_1d(np.asarray(n_gpus, dtype=float))


def amdahl(p, parallel_fraction: float):
    """Amdahl's law: speedup of a fixed job with ``parallel_fraction`` f on p workers, 1 / ((1 - f) + f / p)."""
    f = checks.fraction(parallel_fraction, "parallel_fraction")
    p = _workers(p)
    return 1 / ((1 - f) + f / p)


def gustafson(p, parallel_fraction: float):
    """Gustafson's law: speedup when the job grows with p (weak scaling), (1 - f) + f p."""
    f = checks.fraction(parallel_fraction, "parallel_fraction")
    p = _workers(p)
    return (1 - f) + f * p


def _workers(p) -> np.ndarray:
    try:
        a = None if isinstance(p, (bool, str, bytes)) else np.asarray(p, dtype=float)
    except (TypeError, ValueError):
        a = None
    if a is None or not np.all(np.isfinite(a)) or np.any(a < 1):
        raise ValueError(f"p must be a finite number of workers >= 1 (or an array of them), got {p!r}")
    return a


# ---- gradient compression --------------------------------------------------------------------------

def dynamic_levels(bits: int = 8) -> np.ndarray:
    """Levels of the dynamic (tree) data type of Dettmers (2015), as built by bitsandbytes' ``create_dynamic_map``:
    a sign bit, then a run of zero bits that sets a power of ten (the exponent), an indicator bit, and the
    remaining bits as a linear fraction in [0.1, 1]. Small values get fine steps, large values coarse ones."""
    bits = checks.whole(bits, "bits", 3, 8)
    exponent_bits = bits - 1
    levels = [0.0, 1.0]
    for i in range(exponent_bits):
        fraction_items = 2 ** (i + bits - 1 - exponent_bits) + 1
        boundaries = np.linspace(0.1, 1, fraction_items)
        means = (boundaries[:-1] + boundaries[1:]) / 2
        scale = 10.0 ** (-(exponent_bits - 1) + i)
        levels += list(scale * means) + list(-scale * means)
    return np.unique(np.array(levels))


def _nearest(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    idx = np.clip(np.searchsorted(levels, values), 1, len(levels) - 1)
    left, right = levels[idx - 1], levels[idx]
    return np.where(np.abs(values - left) <= np.abs(values - right), left, right)


def compress_gradient(g, bits: int = 8, scheme: str = "linear", block_size: int = 2048) -> np.ndarray:
    """Round a gradient to ``bits`` bits and read it back: ``linear`` is block-wise absmax integers
    (``helpers.quantize``), ``dynamic`` the dynamic tree type with one absmax scale per block. 32 returns ``g``."""
    g = checks.array(g, "g", ndim=1)
    if bits == 32:
        return g.copy()
    if scheme not in ("linear", "dynamic"):
        raise ValueError(f"scheme must be 'linear' or 'dynamic', got {scheme!r}")
    if scheme == "linear":
        return Q.dequantize(Q.quantize(g, bits, "blockwise", block_size))
    bits = checks.whole(bits, "bits", 3, 8)
    block_size = checks.whole(block_size, "block_size", 16, 2**20)
    pad = (-g.size) % block_size
    blocks = np.concatenate([g, np.zeros(pad)]).reshape(-1, block_size)
    scales = np.abs(blocks).max(axis=1, keepdims=True)
    safe = np.where(scales == 0, 1, scales)
    out = _nearest(blocks / safe, dynamic_levels(bits)) * scales
    return out.ravel()[: g.size]


def gradient_like(n: int = 100_000, seed: int = 0) -> np.ndarray:
    """A gradient-shaped test vector: heavy-tailed values (Student t, 3 degrees of freedom) whose scale varies
    by orders of magnitude between layers (blocks of 5000), like real gradients."""
    n = checks.whole(n, "n", 1, 2**20)
    rng = np.random.default_rng(checks.seed(seed))
    layer_scale = 10 ** rng.uniform(-4, -1, size=math.ceil(n / 5000)).repeat(5000)[:n]
    return rng.standard_t(3, n) * layer_scale


def relative_error(g, compressed) -> float:
    """Root-mean-square error of ``compressed`` relative to the RMS of ``g``."""
    g, c = checks.array(g, "g", ndim=1), checks.array(compressed, "compressed", ndim=1)
    if c.size != g.size:
        raise ValueError(f"compressed must have as many values as g, got {c.size} and {g.size}")
    if not np.any(g):
        raise ValueError("g must not be all zeros (its RMS is the scale of the error)")
    return float(np.sqrt(np.mean((c - g) ** 2)) / np.sqrt(np.mean(g**2)))


# ---- a real data-parallel run on CPU cores ---------------------------------------------------------------

@dataclass(frozen=True)
class TrainingRun:
    """Result of a training run: loss per step, wall seconds, and seconds of compute and of gradient exchange."""

    losses: np.ndarray
    n_workers: int
    wall_s: float
    compute_s: float
    exchange_s: float


def make_dataset(n_samples: int = 4096, features: int = 32, classes: int = 4, seed: int = 0):
    """A seeded classification task: Gaussian inputs labelled by a random teacher network."""
    n_samples, features = checks.whole(n_samples, "n_samples", 1, 2**20), checks.whole(features, "features", 1, 1024)
    classes = checks.whole(classes, "classes", 1, 1024)
    rng = np.random.default_rng(checks.seed(seed))
    x = rng.standard_normal((n_samples, features))
    teacher = rng.standard_normal((features, classes))
    y = np.argmax(np.tanh(x @ teacher) + 0.3 * rng.standard_normal((n_samples, classes)), axis=1)
    return x, y


def init_params(features: int, hidden: int, classes: int, seed: int = 0) -> np.ndarray:
    """Flat parameter vector of a one-hidden-layer tanh MLP (W1, b1, W2, b2), seeded."""
    features, hidden = checks.whole(features, "features", 1, 1024), checks.whole(hidden, "hidden", 1, 1024)
    classes = checks.whole(classes, "classes", 1, 1024)
    rng = np.random.default_rng(checks.seed(seed) + 1)
    w1 = rng.standard_normal((features, hidden)) / np.sqrt(features)
    w2 = rng.standard_normal((hidden, classes)) / np.sqrt(hidden)
    return np.concatenate([w1.ravel(), np.zeros(hidden), w2.ravel(), np.zeros(classes)])


def loss_and_grad(params: np.ndarray, x: np.ndarray, y: np.ndarray, hidden: int, classes: int):
    """Mean softmax cross-entropy of the MLP on (x, y) and its gradient (flat, same layout as ``params``)."""
    hidden, classes = checks.whole(hidden, "hidden", 1, 1024), checks.whole(classes, "classes", 1, 1024)
    x, params = checks.array(x, "x", ndim=2), checks.array(params, "params", ndim=1)
    try:
        y = np.asarray(y)
    except (TypeError, ValueError):
        y = np.asarray(None)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer) or np.any(y < 0) or np.any(y >= classes):
        raise ValueError(f"y must be a 1-D array of class labels, whole numbers from 0 to {classes - 1}")
    if y.size != x.shape[0]:
        raise ValueError(f"x and y must have one row per label, got {x.shape[0]} rows and {y.size} labels")
    f = x.shape[1]
    if params.size != (f + 1) * hidden + (hidden + 1) * classes:
        raise ValueError(f"params must hold {(f + 1) * hidden + (hidden + 1) * classes} values for {f} features, "
                         f"{hidden} hidden units and {classes} classes, got {params.size}")
    i = 0
    w1 = params[i : i + f * hidden].reshape(f, hidden); i += f * hidden  # noqa: E702
    b1 = params[i : i + hidden]; i += hidden  # noqa: E702
    w2 = params[i : i + hidden * classes].reshape(hidden, classes); i += hidden * classes  # noqa: E702
    b2 = params[i : i + classes]
    h = np.tanh(x @ w1 + b1)
    logits = h @ w2 + b2
    logits -= logits.max(axis=1, keepdims=True)
    prob = np.exp(logits)
    prob /= prob.sum(axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.mean(np.log(prob[np.arange(n), y] + 1e-300))
    d_logits = prob
    d_logits[np.arange(n), y] -= 1
    d_logits /= n
    g_w2 = h.T @ d_logits
    g_b2 = d_logits.sum(axis=0)
    d_h = (d_logits @ w2.T) * (1 - h**2)
    g_w1 = x.T @ d_h
    g_b1 = d_h.sum(axis=0)
    return loss, np.concatenate([g_w1.ravel(), g_b1, g_w2.ravel(), g_b2])


def _check_run(n_workers, steps, batch, hidden, lr):
    p = checks.whole(n_workers, "n_workers", 1, 8)
    steps = checks.whole(steps, "steps", 1, 2000)
    batch = checks.whole(batch, "batch", 1, 4096)
    hidden = checks.whole(hidden, "hidden", 1, 1024)
    lr = checks.positive(lr, "lr")
    if batch % p:
        raise ValueError(f"batch {batch} must divide evenly among {p} workers")
    return p, steps, batch, hidden, lr


def _batch_rows(step: int, batch: int, n: int) -> np.ndarray:
    return (np.arange(batch) + step * batch) % n


def train_single(steps: int = 50, batch: int = 256, hidden: int = 64, lr: float = 0.5, seed: int = 0) -> TrainingRun:
    """Large-batch SGD in one process: the reference a data-parallel run must reproduce."""
    _, steps, batch, hidden, lr = _check_run(1, steps, batch, hidden, lr)
    x, y = make_dataset(seed=seed)
    classes = int(y.max()) + 1
    params = init_params(x.shape[1], hidden, classes, seed)
    losses = []
    start = time.perf_counter()
    with threadpool_limits(1):  # one core per worker, as in the parallel run (and no thread thrashing)
        for step in range(steps):
            rows = _batch_rows(step, batch, len(x))
            loss, grad = loss_and_grad(params, x[rows], y[rows], hidden, classes)
            params -= lr * grad
            losses.append(loss)
    wall = time.perf_counter() - start
    return TrainingRun(np.array(losses), 1, wall, wall, 0.0)


@dataclass(frozen=True)
class DataParallelRun:
    """Result of :func:`train_data_parallel`: loss per step, and per step the seconds of compute (slowest rank)
    and of communication: how long the step lasts beyond the slowest rank's compute (the slowest rank's compute
    plus its ``Allreduce``, whichever rank that is), so the wait for the slower rank, part of every other rank's
    ``Allreduce``, is counted once. ``step_compute_s`` and ``step_comm_s`` are medians over the steady steps (the
    first 3 steps left out)."""

    losses: np.ndarray
    n_workers: int
    batch_per_worker: int
    n_params: int
    compute_s: np.ndarray
    comm_s: np.ndarray
    step_compute_s: float
    step_comm_s: float

    @property
    def step_s(self) -> float:
        """Seconds of one steady-state step: compute plus communication."""
        return self.step_compute_s + self.step_comm_s


def train_data_parallel(n_workers: int = 2, steps: int = 30, batch_per_worker: int = 64, hidden: int = 64,
                        lr: float = 0.5, seed: int = 0) -> DataParallelRun:
    """Synchronous data-parallel SGD on ``n_workers`` (1-8) persistent MPI ranks (``helpers/jobs/dataparallel.py``).

    Each rank computes the gradient of its ``batch_per_worker`` rows of every global batch and ``MPI_Allreduce``
    sums the gradients, so every rank applies the full-batch update: the losses equal :func:`train_single` with
    ``batch = n_workers * batch_per_worker`` to rounding. Weak scaling: the work per rank stays the same."""
    per_worker = checks.whole(batch_per_worker, "batch_per_worker", 1, 512)
    p, steps, batch, hidden, lr = _check_run(n_workers, steps, per_worker * checks.whole(n_workers, "n_workers", 1, 8),
                                             hidden, lr)
    seed = checks.seed(seed)
    r = mpirun.run_job("dataparallel", p, dict(steps=steps, batch_per_worker=batch // p, hidden=hidden, lr=lr,
                                               seed=seed), timeout_s=cluster.TIMEOUT_S)
    return DataParallelRun(r["losses"], p, batch // p, int(r["n_params"]), r["compute_s"], r["comm_s"],
                           float(r["step_compute_s"]), float(r["step_comm_s"]))


def predicted_comm_s(n_workers: int, fit: cluster.AlphaBetaFit, n_params: int) -> float:
    """Seconds of one ring all-reduce of ``n_params`` float64 gradients over ``n_workers`` with a measured alpha
    and beta: ``2(p-1)(alpha + 8 n_params / (p B))``; 0 for one worker."""
    p = checks.whole(n_workers, "n_workers", 1, 8)
    if not isinstance(fit, cluster.AlphaBetaFit):
        raise ValueError(f"fit must be an AlphaBetaFit (from helpers.cluster.fit_alpha_beta()), got {fit!r}")
    checks.positive(fit.beta_s_per_byte, "fit.beta_s_per_byte")
    alpha = fit.alpha_s
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)) \
            or not math.isfinite(alpha) or alpha < 0:
        raise ValueError(f"fit.alpha_s must be a number >= 0, got {alpha!r}")
    n_params = checks.whole(n_params, "n_params", 1, 10**13)
    link = cluster.custom_link("measured", 1 / fit.beta_s_per_byte / 1e9, fit.alpha_s * 1e6)
    return float(cluster.allreduce_time_s(n_params * 8, p, link, "ring")) if p > 1 else 0.0


def predicted_speedup(step_compute_s: float, n_workers: int, fit: cluster.AlphaBetaFit, n_params: int) -> float:
    """Weak-scaling speedup the alpha-beta model predicts: ``p t_c / (t_c + t_allreduce)``, with ``t_c`` the
    seconds of compute of one step on one worker (measured) and the all-reduce of :func:`predicted_comm_s`."""
    t_c = checks.positive(step_compute_s, "step_compute_s")
    p = checks.whole(n_workers, "n_workers", 1, 8)
    return p * t_c / (t_c + predicted_comm_s(p, fit, n_params))


def measured_speedup(single: DataParallelRun, run: DataParallelRun) -> float:
    """Weak-scaling speedup measured in steady state: ``p t_step(1) / t_step(p)`` (samples per second of ``run``
    over those of ``single``, a one-worker run with the same batch per worker)."""
    for name, r in (("single", single), ("run", run)):
        if not isinstance(r, DataParallelRun):
            raise ValueError(f"{name} must be a DataParallelRun (from train_data_parallel()), got {r!r}")
        checks.positive(r.step_s, f"{name}.step_s")
    if single.n_workers != 1 or single.batch_per_worker != run.batch_per_worker:
        raise ValueError("single must be a one-worker run with the same batch_per_worker as run")
    return run.n_workers * single.step_s / run.step_s


# ---- which layers suit data parallelism: parameters against FLOPs, layer by layer --------------------------

@dataclass(frozen=True)
class LayerTraffic:
    """One weight layer of a CNN under data parallelism: parameters (values to all-reduce) and training FLOPs
    per image (6 x MACs)."""

    name: str
    kind: str  # conv or fc
    params: int
    train_flops: float


def layer_traffic(network: str) -> list[LayerTraffic]:
    """Per-layer parameters and training FLOPs per image of ``alexnet``, ``vgg16`` or ``resnet50``, from
    ``conv_architectures.csv`` (via :func:`helpers.convolution.network_cost`)."""
    checks.choice(network, "network", cluster.CNN_MODELS)
    return [LayerTraffic(layer.name, layer.kind, layer.params, 6.0 * layer.macs)
            for layer in network_cost(network).layers]


def conv_shares(network: str) -> dict[str, float]:
    """Shares of ``params`` and of training ``flops`` held by the convolutional layers of ``network``."""
    layers = layer_traffic(network)
    conv = [x for x in layers if x.kind == "conv"]
    return {"params": sum(x.params for x in conv) / sum(x.params for x in layers),
            "flops": sum(x.train_flops for x in conv) / sum(x.train_flops for x in layers)}


def layer_step_times_s(network: str, gpu: GPU, link: cluster.Link, n_gpus: int = 8, batch_per_gpu: float = 64,
                       bits: int = 16, utilization: float | str = CALIBRATED) -> dict[str, np.ndarray]:
    """Per layer of ``network``: seconds of ``compute`` (its training FLOPs for ``batch_per_gpu`` images at the
    calibrated utilisation) and of ``communication`` (ring all-reduce of its gradient in ``bits``-bit values).
    A layer with communication above compute is network-bound under data parallelism."""
    layers = layer_traffic(network)
    p = checks.whole(n_gpus, "n_gpus", 2, 100_000)
    b = checks.positive(batch_per_gpu, "batch_per_gpu")
    bits = _bits(bits)
    u = checks.fraction(_utilization(network, utilization), "utilization")
    if u == 0:
        raise ValueError("utilization must be above 0")
    peak = gpu.peak_flops("fp16") if isinstance(gpu, GPU) else checks.choice(gpu, "gpu", ())
    compute = np.array([x.train_flops * b / (peak * u) for x in layers])
    comm = np.array([float(cluster.allreduce_time_s(x.params * bits / 8, p, link, "ring")) for x in layers])
    return {"compute": compute, "communication": comm}


def _bits(bits) -> int:
    if isinstance(bits, bool) or bits not in (1, 2, 4, 8, 16, 32):
        raise ValueError(f"bits must be 1, 2, 4, 8, 16 or 32, got {bits!r}")
    return int(bits)


# ---- the critical batch: where compute hides the all-reduce -----------------------------------------------

def critical_batch(model: str, gpu: GPU, link: cluster.Link, n_gpus: int = 64, bits: int = 16,
                   utilization: float | str = CALIBRATED) -> float:
    """Samples per GPU at which a step's compute equals the bandwidth part of its ring all-reduce:

        b* = 2 (p - 1) / p x (bits / 8) x P / B x u x peak / F

    with P parameters, B the link's bytes per second, u x peak the FLOP/s reached and F the training FLOPs per
    sample. Above b* a step is compute-bound (latency, alpha, ignored). For a language model F = 6 P T, so in
    tokens b* T = (p - 1) / p x (bits / 8) x u x peak / (3 B): the parameter count cancels."""
    p = checks.whole(n_gpus, "n_gpus", 2, 100_000)
    bits = _bits(bits)
    u = checks.positive(_utilization(model, utilization), "utilization")
    if not isinstance(gpu, GPU):
        raise ValueError(f"gpu must be a GPU (from helpers.gpus.gpu() or all_gpus()), got {gpu!r}")
    link = cluster._check_link(link)
    bandwidth = link.bandwidth_gbs * 1e9
    return (2 * (p - 1) / p * bits / 8 * cluster.parameter_count(model) / bandwidth
            * u * gpu.peak_flops("fp16") / flops_per_sample(model))


def accumulation_steps(samples_per_allreduce: float, micro_batch: float) -> int:
    """Micro-batches each GPU must accumulate (forward and backward, gradients summed locally, no communication)
    before one all-reduce, so that ``samples_per_allreduce`` samples (for instance the critical batch) share it:
    ``ceil(samples_per_allreduce / micro_batch)``, at least 1. Memory holds only one micro-batch of activations."""
    need = checks.positive(samples_per_allreduce, "samples_per_allreduce")
    micro = checks.positive(micro_batch, "micro_batch")
    return max(1, math.ceil(need / micro - 1e-9))


def optimisation_steps(batch: float, noise_scale: float, min_steps: float = 1.0) -> dict[str, float]:
    """Steps and samples to reach a given loss with global ``batch``, in McCandlish et al.'s empirical model of
    large-batch training (2018, arXiv:1812.06162): ``steps = S_min (1 + B_noise / B)`` and ``samples = E_min (1 +
    B / B_noise)`` with ``E_min = S_min B_noise``. At ``B = B_noise`` (the critical batch of optimisation) training
    takes twice the fewest steps and twice the fewest samples; far above it, more samples buy almost no fewer steps."""
    b = checks.positive(batch, "batch")
    noise = checks.positive(noise_scale, "noise_scale")
    s_min = checks.positive(min_steps, "min_steps")
    return {"steps": s_min * (1 + noise / b), "samples": s_min * noise * (1 + b / noise)}


def critical_tokens(gpu: GPU, link: cluster.Link, n_gpus: int = 64, bits: int = 16,
                    utilization: float = LLM_UTILIZATION) -> float:
    """Tokens per GPU per step at which a transformer's compute (6 x parameters x tokens FLOPs) equals the ring
    all-reduce of its gradient: (p - 1) / p x (bits / 8) x u x peak / (3 B), the same for every model size."""
    p = checks.whole(n_gpus, "n_gpus", 2, 100_000)
    bits = _bits(bits)
    u = checks.fraction(utilization, "utilization")
    if not isinstance(gpu, GPU):
        raise ValueError(f"gpu must be a GPU (from helpers.gpus.gpu() or all_gpus()), got {gpu!r}")
    link = cluster._check_link(link)
    return (p - 1) / p * bits / 8 * u * gpu.peak_flops("fp16") / (3 * link.bandwidth_gbs * 1e9)


def mlp_compute_comm_ratio(hidden: int, batch_per_gpu: float, gpu: GPU, link: cluster.Link, n_gpus: int = 8,
                           layers: int = 4, bits: int = 16, utilization: float = LLM_UTILIZATION) -> float:
    """Compute time over all-reduce time of one step of an MLP of ``layers`` square ``hidden`` x ``hidden``
    layers: compute 6 x batch x params / (u x peak), all-reduce of params x bits / 8 bytes (ring, alpha-beta).
    Once the all-reduce is bandwidth-bound the ratio no longer depends on ``hidden``; it grows with the batch."""
    h = checks.whole(hidden, "hidden", 1, 10**6)
    b = checks.positive(batch_per_gpu, "batch_per_gpu")
    p = checks.whole(n_gpus, "n_gpus", 2, 100_000)
    n_layers, bits = checks.whole(layers, "layers", 1, 1000), _bits(bits)
    u = checks.fraction(utilization, "utilization")
    if not isinstance(gpu, GPU):
        raise ValueError(f"gpu must be a GPU (from helpers.gpus.gpu() or all_gpus()), got {gpu!r}")
    if u == 0:
        raise ValueError("utilization must be above 0")
    params = n_layers * h * h
    compute = 6 * b * params / (u * gpu.peak_flops("fp16"))
    return compute / float(cluster.allreduce_time_s(params * bits / 8, p, link, "ring"))


# ---- 1-bit SGD with error feedback (Seide et al. 2014) ----------------------------------------------------

def one_bit_quantize(g, residual=None) -> tuple[np.ndarray, np.ndarray]:
    """1-bit quantisation with error feedback: add the error left over from the last step to the gradient, send
    only the sign of each value scaled by the mean magnitude of its sign group, and keep what was not sent as the
    new residual. Returns (sent, residual). Without feedback pass ``residual=None`` every step."""
    g = checks.array(g, "g", ndim=1)
    r = np.zeros_like(g) if residual is None else checks.array(residual, "residual", ndim=1)
    if r.size != g.size:
        raise ValueError(f"residual must have as many values as g, got {r.size} and {g.size}")
    v = g + r
    pos = v >= 0
    up = v[pos].mean() if pos.any() else 0.0
    down = v[~pos].mean() if (~pos).any() else 0.0
    sent = np.where(pos, up, down)
    return sent, v - sent


def one_bit_drift(steps: int = 200, n: int = 1000, error_feedback: bool = True, seed: int = 0) -> np.ndarray:
    """Relative error of the running sum of 1-bit-quantised gradients against the running sum of the true ones,
    after each of ``steps`` steps of a fixed-direction gradient plus noise (what SGD's update adds up). With error
    feedback the residual stays bounded while the sum grows, so the error keeps shrinking; without it the rounding
    bias of every step adds up and the error stays."""
    steps, n = checks.whole(steps, "steps", 1, 10_000), checks.whole(n, "n", 2, 10**5)
    feedback = checks.flag(error_feedback, "error_feedback")
    rng = np.random.default_rng(checks.seed(seed))
    direction = rng.standard_t(3, n) * 0.1
    residual, true_sum, sent_sum, out = None, np.zeros(n), np.zeros(n), []
    for _ in range(steps):
        g = direction + 0.05 * rng.standard_normal(n)
        sent, left = one_bit_quantize(g, residual)
        residual = left if feedback else None
        true_sum += g
        sent_sum += sent
        out.append(np.linalg.norm(sent_sum - true_sum) / np.linalg.norm(true_sum))
    return np.array(out)


# ---- memory: why data parallelism alone cannot train large models -------------------------------------------

def training_state_gb(model: str, bytes_per_param: float = 16) -> float:
    """GB of training state every data-parallel replica holds: weights, gradients and Adam states in mixed
    precision (16 bytes per parameter, as in the ZeRO paper), activations not counted."""
    return cluster.parameter_count(model) * checks.positive(bytes_per_param, "bytes_per_param") / 1e9


def fits_data_parallel(model: str, gpu: GPU, bytes_per_param: float = 16) -> bool:
    """Whether one GPU holds a full replica's training state (plain data parallelism, no sharding)."""
    if not isinstance(gpu, GPU):
        raise ValueError(f"gpu must be a GPU (from helpers.gpus.gpu() or all_gpus()), got {gpu!r}")
    return training_state_gb(model, bytes_per_param) <= gpu.memory_gb
