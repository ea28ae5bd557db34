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

def compute_time_s(model: str, batch: float, gpu: GPU, precision: str = "fp16", utilization: float = 0.4) -> float:
    """Seconds of compute for ``batch`` samples at ``utilization`` of the GPU's peak (0.3-0.5 is typical)."""
    u = checks.positive(utilization, "utilization")
    if u > 1:
        raise ValueError(f"utilization must be at most 1, got {u}")
    if not isinstance(gpu, GPU):
        raise ValueError(f"gpu must be a GPU (from helpers.gpus.gpu() or all_gpus()), got {gpu!r}")
    return flops_per_sample(model) * checks.positive(batch, "batch") / (gpu.peak_flops(precision) * u)


def data_parallel_step_time_s(model: str, n_gpus: int, gpu: GPU, link: cluster.Link, batch_per_gpu: float = 32,
                              overlap: bool = False, bits: int = 16, utilization: float = 0.4) -> dict[str, float]:
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
            overlap: bool = False, bits: int = 16, utilization: float = 0.4) -> np.ndarray:
    """Speedup over one GPU for each entry of ``n_gpus``. ``weak``: ``batch`` per GPU; ``strong``: ``batch`` is
    the global batch, split evenly."""
    if scaling not in ("weak", "strong"):
        raise ValueError(f"scaling must be 'weak' or 'strong', got {scaling!r}")
    ps = _gpu_counts(n_gpus)
    one = data_parallel_step_time_s(model, 1, gpu, link, batch, overlap, bits, utilization)["step"]
    out = []
    for p in ps:
        per_gpu = batch if scaling == "weak" else batch / p
        step = data_parallel_step_time_s(model, p, gpu, link, per_gpu, overlap, bits, utilization)["step"]
        out.append(p * one / step if scaling == "weak" else one / step)
    return np.array(out)


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
    and of the gradient all-reduce (rank 0). ``step_compute_s`` and ``step_comm_s`` are medians over the steady
    steps (the first 3 steps left out)."""

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
