"""Measurements of this machine: plausible, positive, and validated arguments."""

import numpy as np
import pytest

from helpers import machine
from helpers.explorers.machine import matmul_explorer, matmul_sizes


def test_matmul_flops_formula():
    assert machine.matmul_flops(10) == 2000


def test_measurements_are_positive_and_plausible():
    p = machine.profile(n=128)
    assert p.cores >= 1
    assert 0.01 < p.matmul_gflops_fp32 < 1e5 and 0.01 < p.matmul_gflops_fp64 < 1e5
    assert 0.1 < p.copy_bandwidth_gbs < 1e4


@pytest.mark.parametrize("n", [0, -3, 10_000])
def test_bad_sizes_raise(n):
    with pytest.raises(ValueError, match="n must be"):
        machine.measure_matmul_gflops(n)


def test_matmul_explorer_moves_with_slider():
    ex = matmul_explorer(largest=64, repeats=1)
    ex.controls["largest"].value = 128
    x, y = ex.artists["float32"].get_data()
    assert list(x) == list(matmul_sizes(128)) and np.all(np.asarray(y) > 0)
    assert "GFLOP/s" in ex.info.value


def test_matmul_sizes_validation():
    with pytest.raises(ValueError, match="at least 32"):
        matmul_sizes(16)


def test_time_methods_measures_both_methods_per_kernel_size():
    t = machine.time_methods(32, [3, 5], repeats=1)
    assert t["kernel_size"].tolist() == [3, 5]
    assert t["direct"].shape == t["fft"].shape == (2,) and np.all(t["direct"] > 0) and np.all(t["fft"] > 0)
    with pytest.raises(ValueError, match="image size"):
        machine.time_methods(2000, [3])


def test_measured_decode_rate_is_plausible():
    rate, n_bytes = machine.measure_decode_rate(n_images=3)
    assert 1 < rate < 1e5 and 5_000 < n_bytes < 500_000
    with pytest.raises(ValueError, match="n_images"):
        machine.measure_decode_rate(n_images=0)


def test_imagenet_like_jpeg_and_its_decode():
    import io

    from PIL import Image

    data = machine.imagenet_like_jpeg()
    assert data == machine.imagenet_like_jpeg()  # deterministic
    assert 95e3 <= len(data) <= 125e3  # ILSVRC-2012: 138 GB / 1,281,167 images is about 108 KB
    assert Image.open(io.BytesIO(data)).size == (500, 375)
    rate, n_bytes = machine.measure_imagenet_decode_rate(n_images=2)
    assert rate > 0 and n_bytes == len(data)
    with pytest.raises(ValueError, match="out"):
        machine.measure_imagenet_decode_rate(out=8)


def test_cpu_max_lines_give_the_cores_a_container_may_use():
    # cgroup v2 format, "quota period" in microseconds (kernel documentation, cgroup-v2 cpu.max)
    assert machine.parse_cpu_max("150000 100000") == 1.5
    assert machine.parse_cpu_max("max 100000") is None
    with pytest.raises(ValueError, match="text"):
        machine.parse_cpu_max("lots")
    quota = machine.cpu_quota()
    assert quota is None or quota > 0


def test_review_decode_measurement_is_a_median_with_the_load_average():
    """Review 04 item 1: repeated runs, the median reported, the load average beside it."""
    m = machine.measure_imagenet_decode(n_images=2, repeats=3)
    assert len(m.runs) == 3 and m.images_per_s == sorted(m.runs)[1]
    assert m.cores >= 1 and (m.load_average >= 0 or m.load_average != m.load_average)
    assert 95e3 <= m.jpeg_bytes <= 125e3
