"""Notebook 06 explorers driven headlessly."""

import numpy as np
import pytest

from helpers import cluster
from helpers import gpus as G
from helpers import parallel as P
from helpers.explorers import parallel as E


def test_scaling_curves_are_the_model():
    ex = E.scaling_explorer()
    ex.controls["model"].value = "resnet50"
    ex.controls["bits"].value = 8
    ex.controls["overlap"].value = True
    x, y = ex.artists["speedup"].get_data()
    expected = P.speedup("resnet50", E.GPU_COUNTS, G.gpu("Tesla V100 SXM2 16GB"), cluster.link("25 GbE"),
                         batch=64, overlap=True, bits=8)
    np.testing.assert_allclose(y, expected)
    np.testing.assert_allclose(ex.artists["efficiency"].get_ydata(), expected / E.GPU_COUNTS)
    ex.controls["scaling"].value = "strong"
    assert "strong scaling" in ex.info.value and ex.error is None


def test_comm_share_bars():
    ex = E.comm_share_explorer()
    ex.controls["n_gpus"].value = 128
    ex.controls["link"].value = "10 GbE"
    gpu, link = G.gpu("A100 80GB SXM"), cluster.link("10 GbE")
    for bar, model in zip(ex.artists["share"], cluster.models()):
        step = P.data_parallel_step_time_s(model, 128, gpu, link, 32)
        assert bar.get_height() == pytest.approx(step["exposed"] / step["step"])


def test_real_run_explorer_reports_identical_losses():
    ex = E.real_run_explorer(workers=2, steps=10, hidden=16)
    x, y = ex.artists["dp"].get_data()
    _, y1 = ex.artists["single"].get_data()
    np.testing.assert_allclose(y, y1, rtol=1e-10)
    assert "<b>True</b>" in ex.info.value
    assert all(b.get_height() > 0 for b in ex.artists["bars"])


def test_compression_explorer_histogram_and_speedups():
    ex = E.compression_explorer()
    heights = [b.get_height() for b in ex.artists["hist"]]
    assert sum(heights) == pytest.approx(1)
    ex.controls["bits"].value = 4
    ex.controls["scheme"].value = "linear"
    speeds = [b.get_height() for b in ex.artists["speed"]]
    assert speeds[2] >= speeds[1] >= speeds[0]
    assert "4-bit linear" in ex.info.value
