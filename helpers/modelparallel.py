"""Model parallelism: splitting layers, tensor and pipeline parallelism, training memory and a layout planner.

Notation: a layer y = x W with W of shape d_in x d_out, batch b, ``bytes_per_value`` s, p devices. Byte counts are
what each device sends per training step (ring collectives: an all-reduce moves 2(p-1)/p of the data, an
all-gather or reduce-scatter (p-1)/p). Times use the alpha-beta model of ``helpers.cluster``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import checks, cluster, mpirun
from .data import load_table
from .gpus import ADAM_MIXED_BYTES, GPU

MAX_COUNT = 10**9  # largest layer size, batch or device count accepted


# ---- one layer: data against model parallelism ------------------------------------------------------

def dp_bytes_per_step(d_in: int, d_out: int, p: int, bytes_per_value: float = 4) -> float:
    """Bytes each device sends to all-reduce the layer's weight gradient (ring): 2(p-1)/p d_in d_out s."""
    d_in, d_out = checks.whole(d_in, "d_in", 1, MAX_COUNT), checks.whole(d_out, "d_out", 1, MAX_COUNT)
    p = checks.whole(p, "p", 1, 100_000)
    return 2 * (p - 1) / p * d_in * d_out * checks.positive(bytes_per_value, "bytes_per_value")


def mp_bytes_per_step(d_in: int, d_out: int, batch: int, p: int, bytes_per_value: float = 4) -> dict[str, float]:
    """Bytes each device sends when the layer's weight is split over p devices (by columns: outputs are
    all-gathered forward, input gradients reduce-scattered backward; by rows the two collectives swap, with the
    same volume): (p-1)/p b d_out s forward and (p-1)/p b d_in s backward.

    Returns
    -------
    dict of str to float
        Bytes per device per step: ``forward`` (outputs gathered) and ``backward`` (input gradients
        reduce-scattered).

    Examples
    --------
    >>> mp_bytes_per_step(1000, 1000, 128, 4)  # 3/4 x 128 x 1000 x 4 bytes each way
    {'forward': 384000.0, 'backward': 384000.0}
    """
    d_in, d_out = checks.whole(d_in, "d_in", 1, MAX_COUNT), checks.whole(d_out, "d_out", 1, MAX_COUNT)
    b, p = checks.whole(batch, "batch", 1, MAX_COUNT), checks.whole(p, "p", 1, 100_000)
    s = checks.positive(bytes_per_value, "bytes_per_value")
    return {"forward": (p - 1) / p * b * d_out * s, "backward": (p - 1) / p * b * d_in * s}


def crossover_batch(d_in: int, d_out: int) -> float:
    """Batch size below which model parallelism sends fewer bytes: 2 d_in d_out / (d_in + d_out)."""
    d_in, d_out = checks.whole(d_in, "d_in", 1, MAX_COUNT), checks.whole(d_out, "d_out", 1, MAX_COUNT)
    return 2 * d_in * d_out / (d_in + d_out)


# ---- tensor parallelism (Megatron) ------------------------------------------------------------------

def tp_allreduce_bytes(batch: int, seq: int, hidden: int, bytes_per_value: float = 2) -> float:
    """Bytes of one Megatron tensor-parallel all-reduce: the activations b x seq x hidden."""
    return checks.whole(batch, "batch", 1, MAX_COUNT) * checks.whole(seq, "seq", 1, MAX_COUNT) \
        * checks.whole(hidden, "hidden", 1, MAX_COUNT) \
        * checks.positive(bytes_per_value, "bytes_per_value")


def tp_comm_time_s(batch: int, seq: int, hidden: int, layers: int, tp: int, link: cluster.Link,
                   bytes_per_value: float = 2) -> float:
    """Seconds of tensor-parallel communication per step: 4 all-reduces (2 forward, 2 backward) per
    transformer layer (one after attention, one after the MLP), ring over ``tp`` devices on ``link``."""
    n = tp_allreduce_bytes(batch, seq, hidden, bytes_per_value)
    layers, tp = checks.whole(layers, "layers", 1, MAX_COUNT), checks.whole(tp, "tp", 1, 1024)
    return 4 * layers * cluster.allreduce_time_s(n, tp, link, "ring")


@dataclass(frozen=True)
class TensorParallelRun:
    """Result of :func:`tensor_parallel_mlp`: the MLP's output ``y`` and gradients ``dx``, ``da``, ``db`` (full,
    gathered from the ranks), the bytes each rank handed to all-reduces per step, and steady-state seconds of
    compute and of communication per step (medians, rank 0)."""

    y: np.ndarray = field(repr=False)
    dx: np.ndarray = field(repr=False)
    da: np.ndarray = field(repr=False)
    db: np.ndarray = field(repr=False)
    ranks: int
    allreduce_bytes_per_step: float
    step_compute_s: float
    step_comm_s: float


def tensor_parallel_mlp(batch: int = 64, d: int = 256, f: int = 1024, n_ranks: int = 2, steps: int = 5,
                        seed: int = 0) -> TensorParallelRun:
    """Run the Megatron-style MLP ``y = tanh(x A) B`` (x: batch x d, A: d x f, B: f x d, float64) split over
    ``n_ranks`` (1-8) MPI processes: A by columns, B by rows, one all-reduce of ``batch x d`` values forward and
    one backward (``helpers/jobs/tensorparallel.py``). Output and gradients equal the unsplit layer's to
    rounding."""
    batch, d = checks.whole(batch, "batch", 1, 4096), checks.whole(d, "d", 1, 4096)
    f, p = checks.whole(f, "f", 1, 16384), checks.whole(n_ranks, "n_ranks", 1, 8)
    steps, seed = checks.whole(steps, "steps", 1, 100), checks.whole(seed, "seed", 0, 2**32 - 1)
    if f < p:
        raise ValueError(f"f {f} must be at least n_ranks {p} (every rank needs a column of A)")
    if batch * d * 8 > 64 * 2**20 or d * f * 8 > 128 * 2**20:
        raise ValueError(f"batch {batch} x d {d} x f {f} is too large for this demo (over 64 MiB of activations or "
                         "128 MiB of weights)")
    r = mpirun.run_job("tensorparallel", p, dict(batch=batch, d=d, f=f, steps=steps, seed=seed),
                       timeout_s=cluster.TIMEOUT_S)
    return TensorParallelRun(r["y"], r["dx"], r["da"], r["db"], p, float(r["allreduce_bytes_per_step"]),
                             float(r["step_compute_s"]), float(r["step_comm_s"]))


# ---- pipeline parallelism --------------------------------------------------------------------------

def bubble_fraction(stages: int, microbatches: int, virtual: int = 1) -> float:
    """Idle share of a pipeline's time: (p-1) / (v m + p - 1) for p stages, m micro-batches and v virtual
    stages per device (v = 1: GPipe and 1F1B; v > 1: interleaved 1F1B)."""
    p, m, v = checks.whole(stages, "stages", 1, 4096), checks.whole(microbatches, "microbatches", 1, 10**6), \
        checks.whole(virtual, "virtual", 1, 64)
    return (p - 1) / (v * m + p - 1)


SCHEDULES = ("gpipe", "1f1b")
FORWARD_TIME, BACKWARD_TIME = 1, 2  # backward costs about twice the forward pass


@dataclass(frozen=True)
class PipelineRun:
    """A simulated schedule: ops as (stage, start, end, kind 'F' or 'B', micro-batch)."""

    ops: tuple
    stages: int
    microbatches: int
    makespan: int
    peak_activations: tuple[int, ...]  # micro-batches whose activations a stage holds at once

    @property
    def bubble(self) -> float:
        busy = sum(end - start for _, start, end, _, _ in self.ops)
        return 1 - busy / (self.stages * self.makespan)

    def grid(self) -> np.ndarray:
        """stages x time array: 0 idle, 1 forward, 2 backward (one column per time unit)."""
        g = np.zeros((self.stages, self.makespan))
        for s, start, end, kind, _ in self.ops:
            g[s, start:end] = 1 if kind == "F" else 2
        return g


def _stage_order(stage: int, p: int, m: int, kind: str) -> list[tuple[str, int]]:
    if kind == "gpipe":
        return [("F", j) for j in range(m)] + [("B", j) for j in range(m)]
    warmup = min(p - stage - 1, m)
    order = [("F", j) for j in range(warmup)]
    f, b = warmup, 0
    while b < m:
        if f < m:
            order.append(("F", f))
            f += 1
        order.append(("B", b))
        b += 1
    return order


def simulate_pipeline(stages: int, microbatches: int, schedule: str = "1f1b") -> PipelineRun:
    """Simulate a pipeline schedule with forward 1 and backward 2 time units per micro-batch and stage."""
    p, m = checks.whole(stages, "stages", 1, 64), checks.whole(microbatches, "microbatches", 1, 512)
    checks.choice(schedule, "schedule", SCHEDULES)
    orders = [_stage_order(s, p, m, schedule) for s in range(p)]
    done: dict[tuple[str, int, int], int] = {}
    free = [0] * p
    nxt = [0] * p
    ops = []
    while len(ops) < 2 * p * m:
        progressed = False
        for s in range(p):
            if nxt[s] == len(orders[s]):
                continue
            kind, j = orders[s][nxt[s]]
            deps = [("F", s - 1, j)] if kind == "F" and s > 0 else []
            if kind == "B":
                deps = [("F", s, j)] + ([("B", s + 1, j)] if s < p - 1 else [])
            if all(d in done for d in deps):
                start = max([free[s]] + [done[d] for d in deps])
                end = start + (FORWARD_TIME if kind == "F" else BACKWARD_TIME)
                done[(kind, s, j)] = end
                free[s] = end
                nxt[s] += 1
                ops.append((s, start, end, kind, j))
                progressed = True
        if not progressed:  # pragma: no cover - the orders above are always feasible
            raise RuntimeError("pipeline schedule deadlocked")
    peaks = []
    for s in range(p):
        events = sorted((start, 1 if kind == "F" else -1) for st, start, _, kind, _ in ops if st == s)
        level = peak = 0
        for _, delta in events:
            level += delta
            peak = max(peak, level)
        peaks.append(peak)
    return PipelineRun(tuple(ops), p, m, max(free), tuple(peaks))


# ---- training memory ------------------------------------------------------------------------------

MODEL_STATE_BYTES = ADAM_MIXED_BYTES  # mixed-precision Adam (ZeRO paper), one table in gpus.py


def model_state_gb(params: float, dp: int = 1, tp: int = 1, pp: int = 1, zero_stage: int = 0) -> dict[str, float]:
    """Per-GPU GB of weights, gradients and optimizer states (mixed-precision Adam: 2 + 2 + 12 bytes per
    parameter) when tensor and pipeline parallelism split the model over tp x pp GPUs and ZeRO stage 1, 2 or 3
    shards optimizer states, then gradients, then weights over the dp data-parallel replicas.

    Returns
    -------
    dict
        ``weights``, ``gradients`` and ``optimizer``: GB per GPU.

    Examples
    --------
    >>> model_state_gb(1e9)  # a 1-billion-parameter model on one GPU: 2 + 2 + 12 GB
    {'weights': 2.0, 'gradients': 2.0, 'optimizer': 12.0}
    >>> model_state_gb(1e9, dp=4, zero_stage=1)["optimizer"]  # ZeRO-1 shards the 12 GB over 4 replicas
    3.0
    """
    tp, pp = checks.whole(tp, "tp", 1, MAX_COUNT), checks.whole(pp, "pp", 1, MAX_COUNT)
    psi = checks.positive(params, "params") / (tp * pp)
    dp = checks.whole(dp, "dp", 1, MAX_COUNT)
    stage = checks.whole(zero_stage, "zero_stage", 0, 3) if not isinstance(zero_stage, bool) else -1
    if stage < 0:
        raise ValueError(f"zero_stage must be 0, 1, 2 or 3, got {zero_stage!r}")
    share = {"weights": 1.0, "gradients": 1.0, "optimizer": 1.0}
    if stage >= 1:
        share["optimizer"] = 1 / dp
    if stage >= 2:
        share["gradients"] = 1 / dp
    if stage >= 3:
        share["weights"] = 1 / dp
    return {k: psi * MODEL_STATE_BYTES[k] * share[k] / 1e9 for k in MODEL_STATE_BYTES}


def activation_gb(seq: int, micro_batch: int, hidden: int, layers: int, tp: int = 1, pp: int = 1,
                  recompute: bool = False, bytes_per_value: float = 2) -> float:
    """Activation memory (GB) on the first pipeline stage under 1F1B, which holds pp micro-batches in flight:
    per layer about 34 s b h bytes in 16-bit precision, divided by tp (Korthikanti et al. 2022, attention-score
    term omitted as with FlashAttention), or only the 2 s b h bytes of each layer's input when recomputing."""
    s, b = checks.whole(seq, "seq", 1, MAX_COUNT), checks.whole(micro_batch, "micro_batch", 1, MAX_COUNT)
    h = checks.whole(hidden, "hidden", 1, MAX_COUNT)
    layers = checks.whole(layers, "layers", 1, MAX_COUNT)
    tp, pp = checks.whole(tp, "tp", 1, MAX_COUNT), checks.whole(pp, "pp", 1, MAX_COUNT)
    per_value = 2 if checks.flag(recompute, "recompute") else 34 / tp
    per_layer = per_value * s * b * h * checks.positive(bytes_per_value, "bytes_per_value") / 2
    return per_layer * math.ceil(layers / pp) * pp / 1e9


def training_memory_per_gpu_gb(params: float, dp: int = 1, tp: int = 1, pp: int = 1, zero_stage: int = 0,
                               activations_gb: float = 0.0) -> float:
    """Total per-GPU GB: model states (``model_state_gb``) plus activations."""
    checks.non_negative(activations_gb, "activations_gb")
    return sum(model_state_gb(params, dp, tp, pp, zero_stage).values()) + activations_gb


# ---- planner -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModelShape:
    name: str
    params: float
    layers: int
    hidden: int
    seq: int


def model_shapes() -> list[ModelShape]:
    """Transformer shapes from ``llm_shapes.csv``."""
    return [ModelShape(r.model, r.params, r.layers, r.hidden, r.seq) for r in load_table("llm_shapes")]


def model_shape(name: str) -> ModelShape:
    for m in model_shapes():
        if m.name == name:
            return m
    raise ValueError(f"no model named {name!r} in llm_shapes.csv")


@dataclass(frozen=True)
class Plan:
    dp: int
    tp: int
    pp: int
    memory_gb: float
    fits: bool
    step_s: float
    parts_s: dict


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def intra_node_link(g: GPU) -> cluster.Link:
    """The link between the GPUs of one node in the planner: the GPU's NVLink from ``gpus.csv`` (SXM parts), else
    PCIe 4.0 x16 for NVIDIA cards and PCIe 5.0 x16 for other vendors' cards."""
    if not isinstance(g, GPU):
        raise ValueError(f"g must be a GPU (from gpus.gpu() or gpus.all_gpus()), got {g!r}")
    return cluster.link(g.nvlink or ("PCIe 4.0 x16" if g.vendor == "NVIDIA" else "PCIe 5.0 x16"))


def plan(model: ModelShape, n_gpus: int, gpu_memory_gb: float, peak_flops: float, intra_link: cluster.Link,
         inter_link: cluster.Link, gpus_per_node: int = 8, global_batch: int = 512, micro_batch: int = 1,
         zero_stage: int = 1, recompute: bool = True, efficiency: float = 0.5) -> list[Plan]:
    """Every layout dp x tp x pp = ``n_gpus`` (tp within a node), with per-GPU memory and an estimated step time:
    compute 6 N tokens / (GPUs x peak x efficiency) stretched by the pipeline bubble, plus tensor-parallel
    all-reduces (intra-node link) and the data-parallel gradient all-reduce (inter-node link once dp spans nodes),
    not overlapped. Sorted with the fitting plans first, fastest first. A model, not a measurement."""
    if not isinstance(model, ModelShape):
        raise ValueError(f"model must be a ModelShape (from model_shape() or model_shapes()), got {model!r}")
    cluster._check_link(intra_link, "intra_link")
    cluster._check_link(inter_link, "inter_link")
    checks.flag(recompute, "recompute")
    n = checks.whole(n_gpus, "n_gpus", 1, 100_000)
    gpn = checks.whole(gpus_per_node, "gpus_per_node", 1, 72)
    mem = checks.positive(gpu_memory_gb, "gpu_memory_gb")
    peak = checks.positive(peak_flops, "peak_flops")
    eff = checks.positive(efficiency, "efficiency")
    if eff > 1:
        raise ValueError(f"efficiency must be at most 1, got {eff}")
    gb = checks.whole(global_batch, "global_batch", 1, MAX_COUNT)
    mb = checks.whole(micro_batch, "micro_batch", 1, MAX_COUNT)
    tokens = gb * model.seq
    compute = 6 * model.params * tokens / (n * peak * eff)
    plans = []
    for tp in _divisors(n):
        if tp > gpn or gpn % tp:
            continue
        for pp in _divisors(n // tp):
            if pp > model.layers:
                continue
            dp = n // (tp * pp)
            m = max(1, gb // (dp * mb))
            states = model_state_gb(model.params, dp, tp, pp, zero_stage)
            acts = activation_gb(model.seq, mb, model.hidden, model.layers, tp, pp, recompute)
            memory = sum(states.values()) + acts
            bubble = bubble_fraction(pp, m)
            parts = {"compute": compute / (1 - bubble) if pp > 1 else compute}
            layers_per_stage = math.ceil(model.layers / pp)
            parts["tensor parallel"] = m * tp_comm_time_s(mb, model.seq, model.hidden, layers_per_stage, tp,
                                                          intra_link) if tp > 1 else 0.0
            dp_link = inter_link if n > gpn else intra_link  # a ring spanning nodes runs at the slowest link
            grad_bytes = model.params / (tp * pp) * 2
            parts["data parallel"] = float(cluster.allreduce_time_s(grad_bytes, dp, dp_link, "ring")) \
                if dp > 1 else 0.0
            plans.append(Plan(dp, tp, pp, memory, memory <= mem, sum(parts.values()), parts))
    return sorted(plans, key=lambda p: (not p.fits, p.step_s))
