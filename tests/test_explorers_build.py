"""Notebook 04 explorers driven headlessly."""

import numpy as np
import pytest

from helpers import build as B
from helpers import gpus as G
from helpers.explorers import build as E


def test_configurator_bars_add_up_to_wall_power():
    ex = E.configurator_explorer()
    ex.controls["count"].value = 3
    ex.controls["limit"].value = 0.8
    ex.controls["cpu_w"].value = "125"
    gpu_w = G.gpu("GeForce RTX 4090").tdp_w * 0.8
    dc = 3 * gpu_w + 125 + 60
    rating = B.psu_watts([gpu_w] * 3, 125, 60)
    widths = [b.get_width() for b in ex.artists["bars"]]
    assert widths[0] == pytest.approx(3 * gpu_w)
    assert sum(widths) == pytest.approx(B.wall_watts(dc, rating, "Gold"))
    assert ex.artists["psu"].get_xdata()[0] == pytest.approx(rating)
    ex.controls["region"].value = "EU"
    assert ex.artists["circuit"].get_xdata()[0] == B.circuit_limit_w("EU")
    ex.controls["count"].value = 8
    ex.controls["limit"].value = 1.0
    assert "circuit" in ex.info.value and "4 cards" in ex.info.value


@pytest.mark.parametrize("name, bad", [("cpu_w", "-100"), ("cpu_w", "lots"), ("other_w", ""), ("cpu_w", "1e9")])
def test_configurator_bad_watts(name, bad):
    ex = E.configurator_explorer()
    ex.controls[name].value = bad
    assert isinstance(ex.error, ValueError) and "watts" in ex.message.value


def test_pcie_explorer_lines_are_the_overheads():
    ex = E.pcie_explorer("4.0")
    ex.controls["batch"].value = 256
    ex.controls["step_ms"].value = "5"
    x, y = ex.artists["lines"][8].get_data()
    t = B.pcie_transfer_time_s(B.batch_bytes(256), "4.0", 8)
    np.testing.assert_allclose(y, [B.transfer_overhead(t, s / 1e3, False) for s in x])
    ex.controls["prefetch"].value = True
    x, y = ex.artists["lines"][16].get_data()
    assert np.all(np.asarray(y) > 0)  # only where the copy sticks out of the step
    ex.controls["step_ms"].value = "0"
    assert isinstance(ex.error, ValueError) and "step time" in ex.message.value


def test_pipeline_explorer_marks_the_bottleneck():
    ex = E.pipeline_explorer()
    ex.controls["per_core"].value = "100"
    ex.controls["cores"].value = 2
    widths = [b.get_width() for b in ex.artists["bars"]]
    assert widths[1] == 200 and "decode" in ex.info.value
    ex.controls["cores"].value = 64
    ex.controls["storage"].value = "HDD (7200 rpm)"
    ex.controls["sample_kb"].value = "500"
    assert "storage read" in ex.info.value
    ex.controls["gpu_rate"].value = "0"
    assert isinstance(ex.error, ValueError) and "GPU images" in ex.message.value


def test_cloud_explorer_break_even():
    ex = E.cloud_explorer()
    ex.controls["hours"].value = 300
    m, own, cloud, month = B.cloud_vs_own_at_end(3000, 650, float(ex.controls["price_kwh"].value),
                                                float(ex.controls["cloud_rate"].value), 300, 60, 0.3,
                                                float(ex.controls["idle_w"].value), 730)
    np.testing.assert_allclose(ex.artists["own"].get_ydata(), own)
    assert ex.artists["own"].get_ydata()[0] == 3000  # the resale is not credited on day one
    assert ex.artists["even"].get_xdata()[0] == month
    ex.controls["hours"].value = 0
    assert not ex.artists["even"].get_visible() and "renting stays cheaper" in ex.info.value
    ex.controls["cloud_rate"].value = "free"
    assert isinstance(ex.error, ValueError) and "cloud price" in ex.message.value


def test_pipeline_explorer_uses_the_measured_rate_by_default():
    ex = E.pipeline_explorer()
    per_core, _ = E.measured_decode_rate()
    assert ex.artists["bars"][1].get_width() == pytest.approx(per_core * ex.controls["cores"].value)
    assert "measured" in repr(ex)


# ---- second edition (issue 21) ----------------------------------------------------------------------------

def test_pipeline_default_shows_the_seek_bound_disk_and_the_page_cache():
    ex = E.pipeline_explorer()
    ex.controls["per_core"].value = "250"
    assert "storage read" in ex.info.value  # shuffled JPEG files on a hard disk: seek-bound
    disk = ex.artists["bars"][0].get_width()
    assert disk == pytest.approx(B.storage_samples_per_s("HDD (7200 rpm)", float(ex.controls["sample_kb"].value) * 1e3))
    ex.controls["access"].value = "sequential"
    assert ex.artists["bars"][0].get_width() > 10 * disk
    ex.controls["access"].value = "random"
    ex.controls["epoch"].value = 2
    ex.controls["cache_gb"].value = 256  # ImageNet's 138 GB fits: the drive is no longer read
    assert "storage read" not in ex.info.value.split("(")[0] and "not read" in ex.info.value


def test_measured_decode_uses_an_imagenet_sized_jpeg():
    _, n_bytes = E.measured_decode_rate()
    assert 95e3 <= n_bytes <= 125e3  # about 110 KB like an ILSVRC-2012 training JPEG (138 GB / 1.28 M)


def test_power_limit_explorer_keeps_the_stress_test_apart():
    ex = E.power_limit_explorer()
    assert ex.controls["limit"].min <= 0.6
    assert "nodehome_burn" in ex.artists["lines"] and "[stress]" in ex.artists["lines"]["nodehome_burn"].get_label()
    ex.controls["show_stress"].value = False
    assert not ex.artists["lines"]["nodehome_burn"].get_visible()
    ex.controls["limit"].value = 0.6
    assert f"qwertyforce_tf32: {B.power_limited_performance(0.6, 'qwertyforce_tf32'):.0%}" in ex.info.value
    cfg = E.configurator_explorer()
    assert cfg.controls["limit"].min <= 0.6
    cfg.controls["limit"].value = 0.6
    assert "about 91%" in cfg.info.value  # 288 W on the TF32 curve: 0.90 + 8/40 x 0.05


def test_cooling_explorer_bars_are_the_model():
    ex = E.cooling_explorer()
    temps, speed = B.cooling_speeds(4, 0, "open-air", 1.0, 25)
    assert [b.get_height() for b in ex.artists["speeds"][:4]] == pytest.approx(list(speed))
    assert f"{speed.mean():.0%}" in ex.info.value
    ex.controls["gap"].value = 1
    assert np.mean([b.get_height() for b in ex.artists["speeds"][:4]]) > speed.mean()
    ex.controls["cards"].value = 2
    assert not ex.artists["speeds"][2].get_visible()


def test_pcie_explorer_default_info_quotes_the_computed_shares():
    ex = E.pcie_explorer()
    batch = B.batch_bytes(32, 3, 224, 224, 4)
    for lanes in (16, 4):
        t = B.pcie_transfer_time_s(batch, "3.0", lanes)
        assert f"x{lanes}: {t * 1e3:.2f} ms copy, +{B.transfer_overhead(t, 0.2, False):.1%}" in ex.info.value
