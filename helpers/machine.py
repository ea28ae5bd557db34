"""Measure this machine: numpy matrix-multiply speed, memory-copy bandwidth, core count, convolution timings.

Measurements are real and therefore vary from run to run and machine to machine; notebooks print
them in cells tagged as machine-dependent and check only their shape and plausibility.
"""

from __future__ import annotations

import io
import os
import platform
from dataclasses import dataclass

import numpy as np

from . import checks
from .convolution import METHODS, conv2d
from .measure import best_time_s, times_s


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


def parse_cpu_max(text: str) -> float | None:
    """Cores allowed by a cgroup v2 ``cpu.max`` line ("quota period" in microseconds, or "max period").

    Returns None when there is no limit ("max").

    Examples
    --------
    >>> parse_cpu_max("100000 100000")
    1.0
    >>> parse_cpu_max("max 100000") is None
    True
    """
    parts = str(text).split() if isinstance(text, str) else []
    if len(parts) != 2:
        raise ValueError(f"text must be a cpu.max line 'quota period', got {text!r}")
    if parts[0] == "max":
        return None
    try:
        quota, period = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"text must hold two numbers or 'max', got {text!r}") from None
    if not (quota > 0 and period > 0):
        raise ValueError(f"text must hold a positive quota and period, got {text!r}")
    return quota / period


def cpu_quota() -> float | None:
    """Cores this container may use by its cgroup quota (Binder sets one), or None when none is set or known.

    ``core_count`` counts the cores the process may be scheduled on, which in a container is often the
    whole host; the quota is what it may actually use.
    """
    try:
        with open("/sys/fs/cgroup/cpu.max", encoding="ascii") as f:  # cgroup v2
            return parse_cpu_max(f.read().strip())
    except (OSError, ValueError):
        pass
    try:  # cgroup v1
        with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", encoding="ascii") as f:
            quota = int(f.read())
        with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us", encoding="ascii") as f:
            period = int(f.read())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def _float_dtype(dtype) -> str:
    return checks.choice(dtype, "dtype", ("float32", "float64"))


def matmul_flops(n: int) -> int:
    """FLOPs of an n x n by n x n matrix multiply: n^3 multiplies and n^2 (n-1) adds, about 2 n^3."""
    return 2 * checks.whole(n, "n") ** 3


def measure_matmul_gflops(n: int = 512, dtype: str = "float32", repeats: int = 3, seed: int = 0) -> float:
    """Best-of-``repeats`` GFLOP/s of numpy's ``a @ b`` for n x n matrices of ``dtype``."""
    n, repeats, seed = checks.whole(n, "n", 1, 8192), checks.whole(repeats, "repeats"), checks.whole(seed, "seed", 0)
    dtype = _float_dtype(dtype)
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    seconds = best_time_s(lambda: a @ b, repeats)
    return matmul_flops(n) / seconds / 1e9


def measure_copy_bandwidth_gbs(megabytes: int = 64, repeats: int = 3) -> float:
    """Best-of-``repeats`` memory bandwidth in GB/s of copying a ``megabytes`` array (read + write)."""
    megabytes, repeats = checks.whole(megabytes, "megabytes", 1, 1024), checks.whole(repeats, "repeats")
    src = np.ones(megabytes * 2**20 // 8, dtype=np.float64)
    dst = np.empty_like(src)
    seconds = best_time_s(lambda: np.copyto(dst, src), repeats)
    return 2 * src.nbytes / seconds / 1e9  # each byte is read once and written once


def matmul_sweep(sizes: list[int], dtype: str = "float32", repeats: int = 2) -> np.ndarray:
    """Measured GFLOP/s for each matrix size in ``sizes`` (array of the same length)."""
    if not isinstance(sizes, (list, tuple, np.ndarray)) or len(sizes) == 0:
        raise ValueError(f"sizes must be a non-empty list of matrix sizes, got {sizes!r}")
    sizes = [checks.whole(n, "sizes", 1, 8192) for n in sizes]
    dtype, repeats = _float_dtype(dtype), checks.whole(repeats, "repeats")
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


def time_methods(image_size: int, kernel_sizes, repeats: int = 3, seed: int = 0) -> dict[str, np.ndarray]:
    """Measured seconds (best of ``repeats``) of ``conv2d`` direct and FFT for each kernel size.

    Parameters
    ----------
    image_size : int
        Side of the random square image, 1 to 1024 pixels.
    kernel_sizes : list of int
        Kernel sides, each from 1 to ``image_size``.
    repeats : int
        Timed calls per method and size (the shortest counts), at least 1.
    seed : int
        Seed of the random image and kernels, at least 0.

    Returns
    -------
    dict
        ``kernel_size`` (the sizes), ``direct`` and ``fft`` (seconds, one per size).
    """
    n = checks.whole(image_size, "image size", 1, 1024)
    repeats, seed = checks.whole(repeats, "repeats"), checks.seed(seed)
    if not isinstance(kernel_sizes, (list, tuple, np.ndarray)):
        raise ValueError(f"kernel sizes must be a list of whole numbers, got {kernel_sizes!r}")
    sizes = np.array([checks.whole(k, "kernel sizes") for k in kernel_sizes], dtype=int)
    if sizes.size == 0 or np.any(sizes > n):
        raise ValueError(f"kernel sizes must be between 1 and the image size {n}, got {sizes.tolist()}")
    rng = np.random.default_rng(seed)
    image = rng.random((n, n))
    result = {"kernel_size": sizes, "direct": np.empty(sizes.size), "fft": np.empty(sizes.size)}
    for i, k in enumerate(sizes):
        kernel = rng.random((k, k))
        for method in METHODS:
            result[method][i] = best_time_s(lambda kernel=kernel, method=method: conv2d(image, kernel, method=method),
                                            repeats, warmup=0)
    return result


def _sample_jpeg(size: int, seed: int) -> bytes:
    from PIL import Image  # Pillow ships with matplotlib; imported here to keep `import helpers.machine` light

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    img = np.stack([(x * 255 // size), (y * 255 // size), ((x + y) * 127 // size)], -1).astype(np.uint8)
    img = np.clip(img + rng.normal(0, 12, img.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _decodes_per_s(one, n_images: int) -> float:
    """Images per second of ``one()`` (decode and augment one image), after one warm-up call."""
    one()  # warm-up: the first decode loads Pillow's codec
    seconds = times_s(lambda: [one() for _ in range(n_images)], repeats=1, warmup=0)[0]
    return n_images / seconds


def measure_decode_rate(n_images: int = 20, size: int = 320, crop: int = 224, seed: int = 0) -> tuple[float, int]:
    """Measure on this machine, on one core: JPEG-decode a ``size`` x ``size`` photo-like image, random-crop
    ``crop`` x ``crop``, flip and normalise to float32. Returns (images per second, JPEG bytes per image)."""
    from PIL import Image

    n_images = checks.whole(n_images, "n_images", 1, 500)
    size, crop = checks.whole(size, "size", 32, 1024), checks.whole(crop, "crop", 32, 1024)
    checks.seed(seed)
    if not 32 <= crop <= size <= 1024:
        raise ValueError(f"need 32 <= crop <= size <= 1024, got crop={crop}, size={size}")
    data = _sample_jpeg(size, seed)
    rng = np.random.default_rng(seed)
    mean, std = np.array([0.485, 0.456, 0.406]) * 255, np.array([0.229, 0.224, 0.225]) * 255

    def one():
        img = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        r, c = rng.integers(0, size - crop + 1, 2)
        patch = img[r : r + crop, c : c + crop]
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        return ((patch - mean) / std).astype(np.float32)

    return _decodes_per_s(one, n_images), len(data)


IMAGENET_LIKE_SIZE = (500, 375)  # width x height of a typical ILSVRC-2012 training JPEG


def imagenet_like_jpeg(seed: int = 0) -> bytes:
    """A deterministic synthetic photo the size of a typical ImageNet training image: 500 x 375 pixels,
    about 110 KB as a quality-90 JPEG (smooth shapes, texture and sensor-like noise; nothing downloaded)."""
    from PIL import Image

    rng = np.random.default_rng(checks.seed(seed))
    w, h = IMAGENET_LIKE_SIZE
    y, x = np.mgrid[0:h, 0:w] / float(h)
    img = np.stack([np.sin(x * 3 + 1) * 60 + 120, np.cos(y * 4) * 50 + 110, np.sin((x + y) * 6) * 40 + 100], -1)
    for _ in range(12):  # texture: a few random plane waves
        fx, fy, phase = rng.uniform(5, 60), rng.uniform(5, 60), rng.uniform(0, 2 * np.pi)
        img += rng.uniform(5, 15) * np.sin(fx * x + fy * y + phase)[..., None] * rng.uniform(0.5, 1, 3)
    img = np.clip(img + rng.normal(0, 25, img.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _random_resized_crop_box(width: int, height: int, rng: np.random.Generator,
                            scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)) -> tuple[int, int, int, int]:
    """The crop box (left, top, right, bottom) of torchvision's RandomResizedCrop: an area of ``scale`` of the
    image and an aspect ratio drawn log-uniformly from ``ratio``; ten tries, then the central crop."""
    area = width * height
    for _ in range(10):
        target = area * rng.uniform(*scale)
        aspect = np.exp(rng.uniform(np.log(ratio[0]), np.log(ratio[1])))
        cw, ch = int(round(np.sqrt(target * aspect))), int(round(np.sqrt(target / aspect)))
        if 0 < cw <= width and 0 < ch <= height:
            left, top = int(rng.integers(0, width - cw + 1)), int(rng.integers(0, height - ch + 1))
            return left, top, left + cw, top + ch
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def measure_imagenet_decode_rate(n_images: int = 20, out: int = 224, seed: int = 0) -> tuple[float, int]:
    """Measure on this machine, on one core, the standard ImageNet training transform: decode a 500 x 375
    JPEG of about 110 KB, RandomResizedCrop to ``out`` x ``out`` (bilinear), flip, normalise to float32.
    Returns (images per second, JPEG bytes per image)."""
    from PIL import Image

    n_images, out = checks.whole(n_images, "n_images", 1, 500), checks.whole(out, "out", 32, 1024)
    data = imagenet_like_jpeg(seed)
    rng = np.random.default_rng(seed)
    mean, std = np.array([0.485, 0.456, 0.406]) * 255, np.array([0.229, 0.224, 0.225]) * 255

    def one():
        img = Image.open(io.BytesIO(data)).convert("RGB")
        box = _random_resized_crop_box(img.width, img.height, rng)
        patch = np.asarray(img.resize((out, out), Image.Resampling.BILINEAR, box=box))
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        return ((patch - mean) / std).astype(np.float32)

    return _decodes_per_s(one, n_images), len(data)


@dataclass(frozen=True)
class DecodeMeasurement:
    """A repeated decode measurement: the median rate, every run's rate and how busy the machine was."""

    images_per_s: float        # median over the runs, one core
    runs: tuple[float, ...]    # images per second of each run
    jpeg_bytes: int
    load_average: float        # 1-minute load average when the measurement ended (nan where unknown)
    cores: int                 # logical cores this process may use


def measure_imagenet_decode(n_images: int = 30, repeats: int = 5, out: int = 224, seed: int = 0) -> DecodeMeasurement:
    """:func:`measure_imagenet_decode_rate` ``repeats`` times over ``n_images`` images each, reported as the
    median run, with the 1-minute load average next to it: on a machine whose load exceeds its core count the
    rate is shared with other processes and comes out too low."""
    repeats = checks.whole(repeats, "repeats", 1, 50)
    results = [measure_imagenet_decode_rate(n_images, out, seed) for _ in range(repeats)]
    rates = tuple(r for r, _ in results)
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on Unix
        load = float("nan")
    return DecodeMeasurement(float(np.median(rates)), rates, results[0][1], load, core_count())
