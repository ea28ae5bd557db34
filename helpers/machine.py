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
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return 2 * n**3


def measure_matmul_gflops(n: int = 512, dtype: str = "float32", repeats: int = 3, seed: int = 0) -> float:
    """Best-of-``repeats`` GFLOP/s of numpy's ``a @ b`` for n x n matrices of ``dtype``."""
    if n < 1 or n > 8192:
        raise ValueError(f"n must be between 1 and 8192, got {n}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    seconds = _best_time_s(lambda: a @ b, repeats)
    return matmul_flops(n) / seconds / 1e9


def measure_copy_bandwidth_gbs(megabytes: int = 64, repeats: int = 3) -> float:
    """Best-of-``repeats`` memory bandwidth in GB/s of copying a ``megabytes`` array (read + write)."""
    if megabytes < 1 or megabytes > 1024:
        raise ValueError(f"megabytes must be between 1 and 1024, got {megabytes}")
    src = np.ones(megabytes * 2**20 // 8, dtype=np.float64)
    dst = np.empty_like(src)
    seconds = _best_time_s(lambda: np.copyto(dst, src), repeats)
    return 2 * src.nbytes / seconds / 1e9  # each byte is read once and written once


def matmul_sweep(sizes: list[int], dtype: str = "float32", repeats: int = 2) -> np.ndarray:
    """Measured GFLOP/s for each matrix size in ``sizes`` (array of the same length)."""
    return np.array([measure_matmul_gflops(int(n), dtype, repeats) for n in sizes])


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
