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
from . import convolution as conv
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
    step_comm_s: float  # the two all-reduces themselves, timed after a barrier
    step_wait_s: float = 0.0  # waiting at the barriers for the slowest rank (load imbalance, a shared machine)

    def allreduce_gbs(self) -> float:
        """Effective GB/s of the timed all-reduces: bytes handed to them per step over their time."""
        return self.allreduce_bytes_per_step / self.step_comm_s / 1e9 if self.step_comm_s > 0 else float("inf")


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
                             float(r["step_compute_s"]), float(r["step_comm_s"]), float(r["step_wait_s"]))


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
        """stages x time array: 0 idle, 1 forward, 2 backward (input gradients, or the whole backward pass), 3 weight
        gradients (zero-bubble schedule only); one column per time unit."""
        g = np.zeros((self.stages, self.makespan))
        for s, start, end, kind, _ in self.ops:
            g[s, start:end] = {"F": 1, "B": 2, "W": 3}[kind]
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


def _interleaved_order(device: int, p: int, m: int, v: int) -> list[tuple[str, int, int]]:
    """Megatron-LM's interleaved 1F1B order for one device: (kind, virtual stage, micro-batch). Forward op k runs
    chunk (k mod pv) // p of micro-batch (k // pv) p + k mod p; backward ops walk the chunks in reverse."""
    total = m * v

    def op(kind: str, k: int) -> tuple[str, int, int]:
        chunk = (k % (p * v)) // p
        chunk = chunk if kind == "F" else v - 1 - chunk
        return kind, chunk * p + device, (k // (p * v)) * p + k % p

    warmup = min((p - device - 1) * 2 + (v - 1) * p, total)
    order = [op("F", k) for k in range(warmup)]
    f, b = warmup, 0
    while b < total:
        if f < total:
            order.append(op("F", f))
            f += 1
        order.append(op("B", b))
        b += 1
    return order


def simulate_interleaved(stages: int, microbatches: int, virtual: int = 2) -> PipelineRun:
    """Simulate interleaved 1F1B (Narayanan et al. 2021): each of the p devices holds ``virtual`` (v) chunks of
    layers, chunk c of device d being virtual stage c p + d, so a micro-batch visits every device v times. One
    chunk takes 1 time unit forward and 2 backward (a whole stage's work is v chunks). Megatron-LM needs m to be
    a multiple of p. The simulated bubble equals (p-1)/(v m + p - 1); ``peak_activations`` counts micro-batches
    (chunks in flight / v)."""
    p, m = checks.whole(stages, "stages", 1, 64), checks.whole(microbatches, "microbatches", 1, 512)
    v = checks.whole(virtual, "virtual", 1, 8)
    if m % p:
        raise ValueError(f"microbatches {m} must be a multiple of stages {p} for the interleaved schedule")
    last = p * v - 1
    orders = [_interleaved_order(d, p, m, v) for d in range(p)]
    done: dict[tuple[str, int, int], int] = {}
    free, nxt, ops = [0] * p, [0] * p, []
    while len(ops) < 2 * p * m * v:
        progressed = False
        for d in range(p):
            while nxt[d] < len(orders[d]):
                kind, vs, j = orders[d][nxt[d]]
                deps = [("F", vs - 1, j)] if kind == "F" and vs > 0 else []
                if kind == "B":
                    deps = [("F", vs, j)] + ([("B", vs + 1, j)] if vs < last else [])
                if not all(dep in done for dep in deps):
                    break
                start = max([free[d]] + [done[dep] for dep in deps])
                end = start + (FORWARD_TIME if kind == "F" else BACKWARD_TIME)
                done[(kind, vs, j)] = free[d] = end
                nxt[d] += 1
                ops.append((d, start, end, kind, j))
                progressed = True
        if not progressed:  # pragma: no cover - Megatron's order is feasible when p divides m
            raise RuntimeError("pipeline schedule deadlocked")
    peaks = []
    for d in range(p):
        events = sorted((start, 1 if kind == "F" else -1) for dd, start, _, kind, _ in ops if dd == d)
        level = peak = 0
        for _, delta in events:
            level += delta
            peak = max(peak, level)
        peaks.append(peak / v)
    return PipelineRun(tuple(ops), p, m, max(free), tuple(peaks))


def simulate_zero_bubble(stages: int, microbatches: int) -> PipelineRun:
    """A zero-bubble-style schedule (after Qi et al. 2024, ZB-H1): the backward pass is split into B (input
    gradients, which the previous stage waits for) and W (weight gradients, which can wait), each 1 time unit like
    the forward pass. Stages follow the 1F1B order of F and B and run a pending W whenever the next F or B is not
    ready, so W fills what would be bubble. For m >= p the simulated bubble is (p-1)/(3m+p-1), a third of 1F1B's
    idle time, as the paper reports for ZB-H1. This greedy order pays in memory: W's pile up on the first stages,
    which hold activations until their W ran (``peak_activations``), whereas ZB-H1 places its W's to keep 1F1B's
    peak."""
    p, m = checks.whole(stages, "stages", 1, 64), checks.whole(microbatches, "microbatches", 1, 512)
    orders = [_stage_order(s, p, m, "1f1b") for s in range(p)]
    done: dict[tuple[str, int, int], int] = {}
    nxt, pending, ops, t = [0] * p, [[] for _ in range(p)], [], 0
    while len(ops) < 3 * p * m:
        started = []
        for s in range(p):
            if nxt[s] < len(orders[s]):
                kind, j = orders[s][nxt[s]]
                deps = [("F", s - 1, j)] if kind == "F" and s > 0 else []
                if kind == "B":
                    deps = [("F", s, j)] + ([("B", s + 1, j)] if s < p - 1 else [])
                if all(done.get(dep, t + 1) <= t for dep in deps):
                    started.append((s, kind, j))
                    nxt[s] += 1
                    continue
            if pending[s]:
                started.append((s, "W", pending[s].pop(0)))
        for s, kind, j in started:
            done[(kind, s, j)] = t + 1
            ops.append((s, t, t + 1, kind, j))
            if kind == "B":
                pending[s].append(j)
        t += 1
    peaks = []
    for s in range(p):
        events = sorted((start, 1 if kind == "F" else -1) for st, start, _, kind, _ in ops if st == s and kind != "B")
        level = peak = 0
        for _, delta in events:
            level += delta
            peak = max(peak, level)
        peaks.append(peak)
    return PipelineRun(tuple(ops), p, m, t, tuple(peaks))


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
                  recompute: bool = False, bytes_per_value: float = 2, sequence_parallel: bool = False) -> float:
    """Activation memory (GB) on the first pipeline stage under 1F1B, which holds pp micro-batches in flight
    (Korthikanti et al. 2022, arXiv:2205.05198, Table 2; attention-score term omitted as with FlashAttention).

    Per layer in 16-bit precision, with tensor-parallel degree t:

    (S: sequence length, not section 1's bytes per value s.)

    - without sequence parallelism, S b h (10 + 24/t) bytes: the 24 S b h inside the attention and MLP blocks
      are split over t, but the 10 S b h of the layer norms and dropouts are replicated on every tensor rank;
    - with sequence parallelism those regions are split along the sequence too, so all 34 S b h divide by t;
    - with full recomputation only each layer's input is kept: 2 S b h, or 2 S b h / t with sequence parallelism.

    Examples
    --------
    >>> activation_gb(4096, 1, 8192, 1, tp=8) * 1e9 / (4096 * 8192)  # 10 + 24/8 bytes per S b h
    13.0
    >>> activation_gb(4096, 1, 8192, 1, tp=8, sequence_parallel=True) * 1e9 / (4096 * 8192)  # 34 / 8
    4.25
    """
    s, b = checks.whole(seq, "seq", 1, MAX_COUNT), checks.whole(micro_batch, "micro_batch", 1, MAX_COUNT)
    h = checks.whole(hidden, "hidden", 1, MAX_COUNT)
    layers = checks.whole(layers, "layers", 1, MAX_COUNT)
    tp, pp = checks.whole(tp, "tp", 1, MAX_COUNT), checks.whole(pp, "pp", 1, MAX_COUNT)
    sp = checks.flag(sequence_parallel, "sequence_parallel")
    if checks.flag(recompute, "recompute"):
        per_value = 2 / tp if sp else 2
    else:
        per_value = 34 / tp if sp else 10 + 24 / tp
    per_layer = per_value * s * b * h * checks.positive(bytes_per_value, "bytes_per_value") / 2
    return per_layer * math.ceil(layers / pp) * pp / 1e9


def training_memory_per_gpu_gb(params: float, dp: int = 1, tp: int = 1, pp: int = 1, zero_stage: int = 0,
                               activations_gb: float = 0.0) -> float:
    """Total per-GPU GB: model states (``model_state_gb``) plus activations."""
    checks.non_negative(activations_gb, "activations_gb")
    return sum(model_state_gb(params, dp, tp, pp, zero_stage).values()) + activations_gb


# ---- planner -------------------------------------------------------------------------------------------

MLP_KINDS = ("gelu", "swiglu")


@dataclass(frozen=True)
class ModelShape:
    name: str
    params: float
    layers: int
    hidden: int
    seq: int
    ffn: int = 0  # width of the MLP's hidden layer (0: 4 x hidden)
    mlp: str = "gelu"  # gelu: two matrices; swiglu: three (gate, up, down)

    def mlp_matrices(self) -> list[tuple[str, int, int]]:
        """The MLP's weight matrices as (name, d_in, d_out): GELU ``up`` and ``down``; SwiGLU ``gate``, ``up``
        and ``down`` (Llama 2 70B: two 8192 x 28672 and one 28672 x 8192)."""
        f = self.ffn or 4 * self.hidden
        ins = [("gate", self.hidden, f)] if self.mlp == "swiglu" else []
        return ins + [("up", self.hidden, f), ("down", f, self.hidden)]


def model_shapes() -> list[ModelShape]:
    """Transformer shapes from ``llm_shapes.csv``."""
    return [ModelShape(r.model, r.params, r.layers, r.hidden, r.seq, int(r.ffn), r.mlp)
            for r in load_table("llm_shapes")]


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
    assumes: tuple = ()  # what this layout's estimate takes for granted, in words
    recompute: str = ""  # the activation recomputation this layout uses: "selective" or "full"


NOISE = 0.05  # layouts whose estimates differ by less than this share are ties: the model is not that precise
RECOMPUTE_EXTRA = 1 / 3  # full recomputation repeats the forward pass: 2N of the 6N FLOP per token, so +1/3
# "auto": per layout, selective recomputation (Megatron's default since Korthikanti et al. 2022: only the attention
# scores are recomputed, which FlashAttention does anyway, so no extra cost and the memory of activation_gb without
# recompute) when it fits, else full recomputation. True / "full" and False / "selective" force one for every layout.
RECOMPUTE_MODES = ("auto", "selective", "full")


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def intra_node_link(g: GPU, group: int = 0) -> cluster.Link:
    """The link between the GPUs of one node in the planner: the GPU's NVLink from ``gpus.csv`` (SXM parts); AMD's
    Infinity Fabric where ``scaleup_links.csv`` has a row (MI300X: 7 links, 448 GB/s each way,
    latency taken as NVLink's); else PCIe 4.0 x16 for NVIDIA cards and PCIe 5.0 x16 for other vendors' cards.

    Infinity Fabric is a full mesh, not a switch: a group of ``group`` GPUs talking among themselves uses only
    ``group - 1`` of each GPU's links (MI300X: 64 GB/s per peer, so 64 GB/s for a pair and 448 GB/s only for all
    eight). With ``group`` 0 the whole node's bandwidth is returned; switched NVLink and PCIe ignore ``group``."""
    if not isinstance(g, GPU):
        raise ValueError(f"g must be a GPU (from gpus.gpu() or gpus.all_gpus()), got {g!r}")
    group = checks.whole(group, "group", 0, 72)
    if g.nvlink:
        return cluster.link(g.nvlink)
    for row in load_table("scaleup_links").where(gpu=g.name):
        return _mesh_group_link(cluster.custom_link(row.link, float(row.per_direction_gbs), float(row.latency_us)),
                                group)
    return cluster.link("PCIe 4.0 x16" if g.vendor == "NVIDIA" else "PCIe 5.0 x16")


def _mesh_group_link(lk: cluster.Link, group: int) -> cluster.Link:
    """``lk`` as seen by a group of ``group`` GPUs when ``lk`` is a full-mesh row of ``scaleup_links.csv``: per-peer
    bandwidth x (group - 1) of its links; any other link, or group 0, unchanged."""
    if not group:
        return lk
    for row in load_table("scaleup_links"):
        if row.link == lk.name:
            links = int(row.links)
            used = min(max(group - 1, 1), links)
            return cluster.custom_link(lk.name, lk.bandwidth_gbs / links * used, lk.latency_us)
    return lk


def plan(model: ModelShape, n_gpus: int, gpu_memory_gb: float, peak_flops: float, intra_link: cluster.Link,
         inter_link: cluster.Link, gpus_per_node: int = 8, global_batch: int = 512, micro_batch: int = 1,
         zero_stage: int = 1, recompute: bool | str = "auto", efficiency: float = 0.5,
         sequence_parallel: bool = True, headroom: float = 0.1) -> list[Plan]:
    """Every layout dp x tp x pp = ``n_gpus`` (tp within a node), with per-GPU memory and an estimated step time
    as a sum of parts, none overlapped (a pessimistic model, not a measurement):

    - ``compute``: 6 N tokens / (GPUs x peak x efficiency);
    - ``recomputation``: full activation recomputation repeats the forward pass, +1/3 of compute; with
      ``recompute="auto"`` (the default) each layout uses selective recomputation (attention scores only, free
      here because FlashAttention recomputes them anyway) when its activations fit, full recomputation only when
      they do not; ``True``/``"full"`` or ``False``/``"selective"`` force one choice for every layout;
    - ``stage imbalance``: the slowest stage holds ceil(L/pp) layers, not L/pp;
    - ``pipeline bubble``: (pp-1)/m of the (imbalanced) work, m = global batch / (dp x micro-batch);
    - ``tensor parallel``: 4 all-reduces of S b h per layer and micro-batch on the intra-node link
      (6 with recomputation, whose repeated forward repeats its two); on a full mesh (MI300X) a group of t
      uses t - 1 links (:func:`intra_node_link`);
    - ``pipeline p2p``: each stage sends a micro-batch's activations forward and its gradient back,
      2 m point-to-point messages of S b h values, on the inter-node link when tp x pp spans nodes;
    - ``ZeRO-3 all-gathers``: with stage 3 each micro-batch gathers the stage's weights before its forward and
      again before its backward (2 m all-gathers over dp, as FSDP does under gradient accumulation);
    - ``data parallel``: one ring all-reduce of the 16-bit gradients over dp; with ZeRO-3 (FSDP) the gradients are
      sharded, so every micro-batch reduce-scatters its gradients instead (m reduce-scatters over dp).

    Both ZeRO-3 parts are upper bounds: FSDP prefetches the next layer's all-gather during the current layer's
    compute and overlaps the reduce-scatters with the backward pass, hiding much of them when the link is fast
    enough. A layout fits when its memory is at most (1 - ``headroom``) of the GPU's: the rest is left for the
    CUDA context, communication buffers and allocator fragmentation (10 % is our assumption, not a measurement).

    Sorted with the fitting plans first, fastest first; see :func:`top_layouts` for ties."""
    if not isinstance(model, ModelShape):
        raise ValueError(f"model must be a ModelShape (from model_shape() or model_shapes()), got {model!r}")
    cluster._check_link(intra_link, "intra_link")
    cluster._check_link(inter_link, "inter_link")
    if isinstance(recompute, bool):
        recompute = "full" if recompute else "selective"
    if recompute not in RECOMPUTE_MODES:
        raise ValueError(f"recompute must be True, False or one of {RECOMPUTE_MODES}, got {recompute!r}")
    sp = checks.flag(sequence_parallel, "sequence_parallel")
    n = checks.whole(n_gpus, "n_gpus", 1, 100_000)
    gpn = checks.whole(gpus_per_node, "gpus_per_node", 1, 72)
    mem = checks.positive(gpu_memory_gb, "gpu_memory_gb")
    peak = checks.positive(peak_flops, "peak_flops")
    eff = checks.positive(efficiency, "efficiency")
    if eff > 1:
        raise ValueError(f"efficiency must be at most 1, got {eff}")
    gb = checks.whole(global_batch, "global_batch", 1, MAX_COUNT)
    mb = checks.whole(micro_batch, "micro_batch", 1, MAX_COUNT)
    zero = checks.whole(zero_stage, "zero_stage", 0, 3)
    room = checks.non_negative(headroom, "headroom")
    if room >= 1:
        raise ValueError(f"headroom must be below 1 (a share of the GPU's memory), got {room}")
    usable = mem * (1 - room)
    tokens = gb * model.seq
    compute = 6 * model.params * tokens / (n * peak * eff)
    act_bytes = mb * model.seq * model.hidden * 2  # one micro-batch's activations at a stage boundary, 16-bit
    plans = []
    for tp in _divisors(n):
        if tp > gpn or gpn % tp:
            continue
        for pp in _divisors(n // tp):
            if pp > model.layers:
                continue
            dp = n // (tp * pp)
            m = max(1, gb // (dp * mb))
            states = model_state_gb(model.params, dp, tp, pp, zero)
            mode = recompute
            if mode == "auto":
                mode = "selective"
                if sum(states.values()) + activation_gb(model.seq, mb, model.hidden, model.layers, tp, pp, False,
                                                        sequence_parallel=sp) > usable:
                    mode = "full"
            full = mode == "full"
            acts = activation_gb(model.seq, mb, model.hidden, model.layers, tp, pp, full, sequence_parallel=sp)
            memory = sum(states.values()) + acts
            layers_per_stage = math.ceil(model.layers / pp)
            parts = {"compute": compute, "recomputation": compute * RECOMPUTE_EXTRA if full else 0.0}
            work = parts["compute"] + parts["recomputation"]
            parts["stage imbalance"] = work * (layers_per_stage * pp / model.layers - 1)
            parts["pipeline bubble"] = (work + parts["stage imbalance"]) * (pp - 1) / m
            allreduces = 6 if full else 4
            parts["tensor parallel"] = m * allreduces / 4 * tp_comm_time_s(
                mb, model.seq, model.hidden, layers_per_stage, tp, _mesh_group_link(intra_link, tp)) \
                if tp > 1 else 0.0
            pp_link = inter_link if tp * pp > gpn else intra_link
            parts["pipeline p2p"] = 2 * m * float(cluster.p2p_time_s(act_bytes, pp_link)) if pp > 1 else 0.0
            dp_link = inter_link if n > gpn else intra_link  # a ring spanning nodes runs at the slowest link
            weight_bytes = model.params / (tp * pp) * 2
            gather = (dp - 1) * (dp_link.alpha_s + weight_bytes / dp / dp_link.bytes_per_s)  # ring all-gather
            parts["ZeRO-3 all-gathers"] = 2 * m * gather if zero == 3 and dp > 1 else 0.0
            if zero == 3 and dp > 1:  # a ring reduce-scatter per micro-batch: same cost as the ring all-gather
                parts["data parallel"] = m * gather
            else:
                parts["data parallel"] = float(cluster.allreduce_time_s(weight_bytes, dp, dp_link, "ring")) \
                    if dp > 1 else 0.0
            assumes = [f"{m} micro-batches of {mb} per replica, compute at {eff:.0%} of peak, nothing overlapped",
                       "full recomputation (+1/3 compute)" if full else
                       "selective recomputation (attention scores only, no extra cost counted)"]
            if tp > 1:
                assumes.append(f"tensor parallel over {tp} GPUs on {intra_link.name}"
                               + (" with sequence parallelism" if sp else ""))
            if pp > 1:
                assumes.append(f"{pp} stages of {layers_per_stage} layers, 1F1B, stage links {pp_link.name}")
            if dp > 1:
                assumes.append(f"{dp} replicas, ZeRO-{zero}, gradients over {dp_link.name}"
                               + (", reduce-scattered every micro-batch, no prefetch overlap" if zero == 3 else ""))
            assumes.append(f"fits: at most {usable:,.0f} GB, leaving {room:.0%} of {mem:,.0f} GB free")
            plans.append(Plan(dp, tp, pp, memory, memory <= usable, sum(parts.values()), parts, tuple(assumes), mode))
    return sorted(plans, key=lambda p: (not p.fits, p.step_s))


def top_layouts(plans: list[Plan], k: int = 5, noise: float = NOISE) -> list[tuple[Plan, bool]]:
    """The ``k`` fastest fitting plans of :func:`plan`, each with a flag: True when its step time is within
    ``noise`` (a share, 0.05 = 5 %) of the fastest, i.e. the model cannot tell it apart from the winner."""
    if not isinstance(plans, list) or not all(isinstance(p, Plan) for p in plans):
        raise ValueError(f"plans must be a list of Plan (from plan()), got {plans!r}")
    k = checks.whole(k, "k", 1, 1000)
    noise = checks.non_negative(noise, "noise")
    fitting = sorted((p for p in plans if p.fits), key=lambda p: p.step_s)[:k]
    if not fitting:
        return []
    best = fitting[0].step_s
    return [(p, p.step_s <= best * (1 + noise)) for p in fitting]


# ---- expert and context parallelism ----------------------------------------------------------------------

def moe_all_to_all_bytes(hidden: int, top_k: int, dispatch_bytes: float = 2, combine_bytes: float = 2,
                         max_nodes: int = 0) -> dict[str, float]:
    """Bytes one token sends per mixture-of-experts layer under expert parallelism (forward pass), assuming every
    chosen expert lives on another GPU: the all-to-all *dispatch* sends its ``hidden`` values to each of its
    ``top_k`` experts and the *combine* brings ``top_k`` results back. With node-limited routing (DeepSeek-V3:
    8 experts on at most 4 nodes) a token crosses the inter-node network at most once per node, ``max_nodes``
    copies (0: no limit), and is forwarded to its experts inside the node over NVLink. The backward pass sends
    the same again.

    Returns
    -------
    dict
        ``dispatch``, ``combine`` (bytes per token, all links) and ``inter_node`` (bytes per token on the inter-node
        network: ``min(top_k, max_nodes)`` copies each way; all ``top_k`` without node limits).

    Examples
    --------
    >>> moe_all_to_all_bytes(7168, 8, 1, 2)["dispatch"]  # DeepSeek-V3: FP8 dispatch of h = 7168 to 8 experts
    57344.0
    """
    h, k = checks.whole(hidden, "hidden", 1, MAX_COUNT), checks.whole(top_k, "top_k", 1, 1024)
    d, c = checks.positive(dispatch_bytes, "dispatch_bytes"), checks.positive(combine_bytes, "combine_bytes")
    nodes = checks.whole(max_nodes, "max_nodes", 0, MAX_COUNT)
    copies = min(k, nodes) if nodes else k
    return {"dispatch": k * h * d, "combine": k * h * c, "inter_node": copies * h * (d + c)}


def ring_attention_traffic(seq: int, hidden: int, kv_hidden: int, cp: int,
                           bytes_per_value: float = 2) -> dict[str, float]:
    """Context parallelism by ring attention, one layer's forward pass on one of ``cp`` GPUs: each holds ``seq/cp``
    queries and passes its key and value blocks (``seq/cp x kv_hidden`` each; ``kv_hidden`` < ``hidden`` with
    grouped-query attention) around the ring, ``cp - 1`` hops, while it computes attention of its queries against
    every block: 4 (seq/cp) seq hidden FLOP (Q K^T and the weighted sum of V, no causal mask saving).

    Returns
    -------
    dict
        ``kv_bytes`` sent per GPU, ``attention_flop`` per GPU and ``flop_per_byte`` (their ratio: the link is hidden
        behind attention when the GPU's FLOP/s divided by the link's bytes/s is below it).

    Examples
    --------
    >>> ring_attention_traffic(8192, 4096, 4096, 2)["flop_per_byte"]  # 4 x 4096 x 8192 x 4096 / (2 x 4096 x 4096 x 2)
    8192.0
    """
    s, h = checks.whole(seq, "seq", 1, MAX_COUNT), checks.whole(hidden, "hidden", 1, MAX_COUNT)
    kv, n = checks.whole(kv_hidden, "kv_hidden", 1, MAX_COUNT), checks.whole(cp, "cp", 1, 100_000)
    b = checks.positive(bytes_per_value, "bytes_per_value")
    local = s / n
    kv_bytes = 2 * (n - 1) * local * kv * b
    flop = 4 * local * s * h
    return {"kv_bytes": kv_bytes, "attention_flop": flop,
            "flop_per_byte": flop / kv_bytes if kv_bytes else float("inf")}


# ---- the conv/dense hybrid (Krizhevsky 2014) --------------------------------------------------------------

HYBRID_SCHEMES = ("data parallel", "model parallel", "hybrid")


def hybrid_bytes(network: str = "alexnet", batch: int = 128, n_gpus: int = 8,
                 bytes_per_value: float = 4) -> dict[str, float]:
    """Bytes each GPU sends per step for a CNN of ``conv_architectures.csv`` trained on ``n_gpus`` with a global
    ``batch``, under three schemes:

    - ``data parallel``: every layer replicated; one ring all-reduce of all gradients, 2(n-1)/n P s;
    - ``model parallel``: every layer split by output channels (features); per layer (n-1)/n b (in + out) s,
      the input and output activations of the whole batch (section 1's formula, conv maps counted in full);
    - ``hybrid`` (Krizhevsky's "one weird trick"): conv layers data parallel (their gradients all-reduced), the
      last conv output gathered so every GPU sees the whole batch, (n-1)/n b d s, then the dense layers model
      parallel.

    Examples
    --------
    >>> r = hybrid_bytes("alexnet", 128, 8)
    >>> r["hybrid"] < min(r["data parallel"], r["model parallel"])
    True
    """
    checks.choice(network, "network", conv.NETWORKS)
    b = checks.whole(batch, "batch", 1, MAX_COUNT)
    n = checks.whole(n_gpus, "n_gpus", 1, 100_000)
    s = checks.positive(bytes_per_value, "bytes_per_value")
    rows = {r.name: r for r in load_table("conv_architectures").where(network=network)}
    layers = conv.network_cost(network).layers
    share = (n - 1) / n
    total = {k: 0.0 for k in HYBRID_SCHEMES}
    first_fc = True
    for layer in layers:
        row = rows[layer.name]
        dp = 2 * share * layer.params * s
        in_values = row.in_channels * row.in_size ** 2
        out_values = row.out_channels * layer.out_size ** 2
        mp = share * b * (in_values + out_values) * s
        total["data parallel"] += dp
        total["model parallel"] += mp
        if layer.kind == "conv":
            total["hybrid"] += dp
        else:
            if first_fc:
                total["hybrid"] += share * b * in_values * s  # each GPU's conv output, gathered once
                first_fc = False
            total["hybrid"] += mp
    return total


def compute_parameter_shares(network: str = "alexnet") -> dict[str, dict[str, float]]:
    """Share of a CNN's multiply-accumulates and of its parameters in conv and in dense (fc) layers, from
    ``conv_architectures.csv``: ``{"conv": {"macs": ..., "params": ...}, "fc": {...}}``."""
    checks.choice(network, "network", conv.NETWORKS)
    cost = conv.network_cost(network)
    macs = sum(layer.macs for layer in cost.layers)
    params = sum(layer.params for layer in cost.layers)
    return {kind: {"macs": sum(x.macs for x in cost.layers if x.kind == kind) / macs,
                   "params": sum(x.params for x in cost.layers if x.kind == kind) / params}
            for kind in ("conv", "fc")}
