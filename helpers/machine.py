"""Measure this machine: numpy matrix-multiply speed, memory-copy bandwidth, core count.

Measurements are real and therefore vary from run to run and machine to machine; notebooks print
them in cells tagged as machine-dependent and check only their shape and plausibility.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MachineProfile:
    """What this machine measured: GFLOP/s of an n x n matmul, copy bandwidth, cores."""

    cpu: str
    cores: int
    matmul_gflops_fp32: float
    matmul_gflops_fp64: float
    copy_bandwidth_gbs: float
    matmul_size: int


def core_count() -> int:
    """Logical CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _whole(value, name: str, low: int = 1, high: int | None = None) -> int:
    """A whole number from ``low`` to ``high``, or a ``ValueError`` naming the argument."""
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low
            or (high is not None and value > high)):
        raise ValueError(f"{name} must be a whole number {f'between {low} and {high}' if high else f'>= {low}'}"
                         f", got {value!r}")
    return int(value)


def _float_dtype(dtype) -> str:
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dtype


def _best_time_s(fn, repeats: int) -> float:
    fn()  # warm-up: first call pays for page faults and thread start-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def matmul_flops(n: int) -> int:
    """FLOPs of an n x n by n x n matrix multiply: n^3 multiplies and n^2 (n-1) adds, about 2 n^3."""
    return 2 * _whole(n, "n") ** 3


def measure_matmul_gflops(n: int = 512, dtype: str = "float32", repeats: int = 3, seed: int = 0) -> float:
    """Best-of-``repeats`` GFLOP/s of numpy's ``a @ b`` for n x n matrices of ``dtype``."""
    n, repeats, seed = _whole(n, "n", 1, 8192), _whole(repeats, "repeats"), _whole(seed, "seed", 0)
    dtype = _float_dtype(dtype)
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    seconds = _best_time_s(lambda: a @ b, repeats)
    return matmul_flops(n) / seconds / 1e9


def measure_copy_bandwidth_gbs(megabytes: int = 64, repeats: int = 3) -> float:
    """Best-of-``repeats`` memory bandwidth in GB/s of copying a ``megabytes`` array (read + write)."""
    megabytes, repeats = _whole(megabytes, "megabytes", 1, 1024), _whole(repeats, "repeats")
    src = np.ones(megabytes * 2**20 // 8, dtype=np.float64)
    dst = np.empty_like(src)
    seconds = _best_time_s(lambda: np.copyto(dst, src), repeats)
    return 2 * src.nbytes / seconds / 1e9  # each byte is read once and written once


def matmul_sweep(sizes: list[int], dtype: str = "float32", repeats: int = 2) -> np.ndarray:
    """Measured GFLOP/s for each matrix size in ``sizes`` (array of the same length)."""
    if not isinstance(sizes, (list, tuple, np.ndarray)) or len(sizes) == 0:
        raise ValueError(f"sizes must be a non-empty list of matrix sizes, got {sizes!r}")
    sizes = [_whole(n, "sizes", 1, 8192) for n in sizes]
    dtype, repeats = _float_dtype(dtype), _whole(repeats, "repeats")
    return np.array([measure_matmul_gflops(n, dtype, repeats) for n in sizes])


def profile(n: int = 512) -> MachineProfile:
    """Measure this machine once (about half a second)."""
    return MachineProfile(
        cpu=platform.processor() or platform.machine(),
        cores=core_count(),
        matmul_gflops_fp32=measure_matmul_gflops(n, "float32"),
        matmul_gflops_fp64=measure_matmul_gflops(n, "float64"),
        copy_bandwidth_gbs=measure_copy_bandwidth_gbs(),
        matmul_size=n,
    )
