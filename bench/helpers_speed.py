"""Helpers: ``helpers.convolution.conv2d`` against scipy, and where FFT convolution overtakes direct.

Runs in the benchmark process (numpy and scipy release nothing to threads here, so one core each).
If ``helpers.convolution`` or its ``conv2d`` is missing, the section says "not available".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from helpers.measure import paired_times_s

from .core import check, fmt, median, ratio

IMAGE_N = 512
KERNEL_N = 3
REPEATS = 15
CROSSOVER_IMAGE_N = 256
CROSSOVER_KERNELS = tuple(range(3, 32, 2))  # odd sizes 3..31: a centred kernel for mode="same"
CROSSOVER_REPEATS = 5


def crossover(sizes: Sequence[int], direct_s: Sequence[float], fft_s: Sequence[float]) -> dict:
    """Where FFT beats direct: the first size at which it is faster, and the smallest size from which it
    stays faster for every larger size measured (None when it never does)."""
    if not (len(sizes) == len(direct_s) == len(fft_s)):
        raise ValueError("sizes, direct_s and fft_s must have the same length")
    faster = [f < d for d, f in zip(direct_s, fft_s)]
    first = next((k for k, win in zip(sizes, faster) if win), None)
    stable = None
    for k, win in zip(reversed(sizes), reversed(faster)):
        if not win:
            break
        stable = k
    return {"first_fft_faster": first, "fft_faster_from": stable}


def run() -> dict:
    section = {"name": "helpers", "title": "3. Helpers: convolution speed", "status": "ok", "data": {},
               "checks": [], "tables": [], "notes": []}
    try:
        from scipy.signal import convolve2d

        from helpers.convolution import conv2d
    except ImportError as err:
        section["status"] = "not available"
        section["notes"].append(f"`helpers.convolution.conv2d` cannot be imported yet ({err}); nothing measured.")
        section["checks"] = [check("conv2d_vs_scipy", "conv2d direct 512²/3²", None, "not available"),
                             check("fft_speedup_largest_k", "fft vs direct 256²", None, "not available")]
        return section

    rng = np.random.default_rng(0)
    image = rng.standard_normal((IMAGE_N, IMAGE_N))
    kernel = rng.standard_normal((KERNEL_N, KERNEL_N))
    try:
        ours = conv2d(image, kernel, mode="same", method="direct")
        reference = convolve2d(image, kernel, mode="same")
        agrees = bool(ours.shape == reference.shape and np.allclose(ours, reference, rtol=1e-10, atol=1e-10))
        t_ours, t_scipy = paired_times_s(lambda: conv2d(image, kernel, mode="same", method="direct"),
                                         lambda: convolve2d(image, kernel, mode="same"), REPEATS)
    except Exception as err:  # an API still being written: report, do not crash the suite
        section["status"] = "not available"
        section["notes"].append(f"`conv2d(image, kernel, mode='same', method='direct')` failed: "
                                f"{type(err).__name__}: {err}")
        section["checks"] = [check("conv2d_vs_scipy", "conv2d direct 512²/3²", None, "not available"),
                             check("fft_speedup_largest_k", "fft vs direct 256²", None, "not available")]
        return section
    m_ours, m_scipy = median(t_ours), median(t_scipy)
    slowdown = ratio(m_ours, m_scipy)
    section["checks"].append(check("conv2d_vs_scipy", f"conv2d direct {IMAGE_N}²/{KERNEL_N}²", slowdown,
                                   "" if agrees else "results DIFFER from scipy"))

    small = rng.standard_normal((CROSSOVER_IMAGE_N, CROSSOVER_IMAGE_N))
    direct_s, fft_s, rows = [], [], []
    crossover_error = None
    for k in CROSSOVER_KERNELS:
        kern = rng.standard_normal((k, k))
        try:
            td, tf = paired_times_s(lambda kern=kern: conv2d(small, kern, mode="same", method="direct"),
                                    lambda kern=kern: conv2d(small, kern, mode="same", method="fft"),
                                    CROSSOVER_REPEATS)
            d, f = median(td), median(tf)
        except Exception as err:
            crossover_error = f"{type(err).__name__}: {err}"
            break
        direct_s.append(d)
        fft_s.append(f)
        rows.append([k, fmt(d * 1e3, "ms"), fmt(f * 1e3, "ms"), fmt(d / f, "x"), "fft" if f < d else "direct"])
    measured = list(CROSSOVER_KERNELS[: len(direct_s)])
    cross = crossover(measured, direct_s, fft_s) if measured else {}
    speedup_last = ratio(direct_s[-1], fft_s[-1]) if measured and not crossover_error else None
    section["checks"].append(check(
        "fft_speedup_largest_k", f"fft vs direct {CROSSOVER_IMAGE_N}², k={CROSSOVER_KERNELS[-1]}", speedup_last,
        f"failed: {crossover_error}" if crossover_error else ""))

    section["data"] = {
        "conv2d": {"image": IMAGE_N, "kernel": KERNEL_N, "repeats": REPEATS, "conv2d_s": t_ours,
                   "scipy_s": t_scipy, "median_conv2d_s": m_ours, "median_scipy_s": m_scipy, "ratio": slowdown,
                   "agrees_with_scipy": agrees},
        "crossover": {"image": CROSSOVER_IMAGE_N, "kernel_sizes": measured, "direct_s": direct_s,
                      "fft_s": fft_s, "repeats": CROSSOVER_REPEATS, **cross, "error": crossover_error},
    }
    section["tables"].append({
        "title": f"conv2d(method='direct') vs scipy.signal.convolve2d, {IMAGE_N}×{IMAGE_N} float64, "
                 f"{KERNEL_N}×{KERNEL_N} kernel, mode='same' (median of {REPEATS}, calls alternating)",
        "headers": ["conv2d direct", "scipy convolve2d", "conv2d / scipy", "same result"],
        "rows": [[fmt(m_ours * 1e3, "ms"), fmt(m_scipy * 1e3, "ms"), fmt(slowdown, "x"),
                  "yes" if agrees else "NO"]],
    })
    section["tables"].append({
        "title": f"FFT vs direct, {CROSSOVER_IMAGE_N}×{CROSSOVER_IMAGE_N} image, mode='same' "
                 f"(median of {CROSSOVER_REPEATS})",
        "headers": ["kernel k", "direct", "fft", "direct / fft", "faster"],
        "rows": rows,
    })
    section["notes"].append(
        f"Crossover: FFT is first faster at k = {cross.get('first_fft_faster')}, and faster for every larger "
        f"kernel from k = {cross.get('fft_faster_from')} (target: FFT wins for large kernels, i.e. at "
        f"k = {CROSSOVER_KERNELS[-1]})." + (f" Stopped early: {crossover_error}." if crossover_error else "")
    )
    return section
