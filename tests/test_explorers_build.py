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
    rating = B.psu_watts([G.gpu("GeForce RTX 4090").tdp_w] * 3, 125, 60)  # sized on stock power (review item 4)
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
    ex.controls["gpu_rate"].value = "2000"
    x, y = ex.artists["lines"][8].get_data()
    t = B.pcie_transfer_time_s(B.batch_bytes(256), "4.0", 8)
    np.testing.assert_allclose(y, [B.transfer_overhead(t, s / 1e3, False) for s in x])
    ex.controls["prefetch"].value = True
    x, y = ex.artists["lines"][16].get_data()
    assert np.all(np.asarray(y) > 0)  # only where the copy sticks out of the step
    ex.controls["gpu_rate"].value = "0"
    assert isinstance(ex.error, ValueError) and "GPU images" in ex.message.value


def test_review_pcie_explorer_step_from_gpu_speed_and_copy_efficiency():
    """Review item 13: step = batch / GPU images/s; pinned and pageable copies reach less than the peak."""
    ex = E.pcie_explorer("4.0")
    ex.controls["batch"].value = 256
    ex.controls["gpu_rate"].value = "2000"
    assert ex.artists["marker"].get_xdata()[0] == pytest.approx(128)  # 256 / 2,000 s
    ex.controls["copy"].value = B.hardware_fact("pcie_pageable_efficiency")
    t = B.pcie_transfer_time_s(B.batch_bytes(256), "4.0", 16, B.hardware_fact("pcie_pageable_efficiency"))
    assert f"x16: {t * 1e3:.2f} ms copy" in ex.info.value
    assert t == pytest.approx(2 * B.pcie_transfer_time_s(B.batch_bytes(256), "4.0", 16))


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


def test_pipeline_explorer_uses_the_reference_rate_by_default_and_measured_on_request():
    """Review item 1: the default plans with the dated reference rate; 'measured' gives this machine's median."""
    ex = E.pipeline_explorer()
    reference = B.hardware_fact("decode_rate_reference_per_core")
    assert ex.artists["bars"][1].get_width() == pytest.approx(reference * ex.controls["cores"].value)
    assert "reference" in ex.info.value and "yours" in ex.info.value
    ex.controls["per_core"].value = "measured"
    per_core, _ = E.measured_decode_rate()
    assert ex.artists["bars"][1].get_width() == pytest.approx(per_core * ex.controls["cores"].value)
    assert per_core == E.measured_decode().images_per_s


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
    assert "nodehome_burn" in ex.artists["lines"] and "[stress]" in ex.artists["lines"]["nodehome_burn"].get_label()
    ex.controls["show_stress"].value = False
    assert not ex.artists["lines"]["nodehome_burn"].get_visible()


def test_review_power_limit_explorer_draws_absolute_watts():
    """Review item 2: the x-axis is watts, so the RTX 3090 curves are not stretched to different 100 % points."""
    ex = E.power_limit_explorer()
    np.testing.assert_allclose(ex.artists["lines"]["puget_tf"].get_xdata(), [280, 350])
    np.testing.assert_allclose(ex.artists["lines"]["qwertyforce_tf32"].get_xdata(), [230, 280, 320, 480])
    assert "100% = 480 W, stock 390 W" in ex.artists["lines"]["qwertyforce_tf32"].get_label()
    assert ex.controls["watts"].value == 280
    assert "puget_tf: 95% (80% of its 350 W stock)" in ex.info.value
    assert "qwertyforce_fp32: 80% (72% of its 390 W stock)" in ex.info.value
    ex.controls["watts"].value = 240
    assert "puget_tf: not measured at 240 W" in ex.info.value


def test_review_configurator_sizes_the_psu_on_stock_power_and_reads_the_curve_at_stock_share():
    """Review items 2 and 4: 2 x RTX 4090 at 60 %: the PSU is sized on 2 x 450 W; speed at 60 % of stock."""
    cfg = E.configurator_explorer()
    cfg.controls["limit"].value = 0.6
    rating = B.psu_watts([450, 450], 170, 60)
    assert cfg.artists["psu"].get_xdata()[0] == pytest.approx(rating)
    assert f"at least <b>{rating:,.0f} W</b>" in cfg.info.value and "847" not in cfg.info.value
    assert f"about {B.speed_at_stock_share(0.6):.0%}" in cfg.info.value and "proxy for the RTX 4090" in cfg.info.value
    assert "about 91%" not in cfg.info.value
    cfg.controls["limit"].value = 0.5
    assert "not measured" in cfg.info.value
    cfg.controls["gpu"].value = "GeForce RTX 3090"
    assert "proxy" not in cfg.info.value


def test_review_configurator_does_not_promise_a_free_slot_for_four_cards():
    """Review item 7: a free slot between cards is a two-card layout; four spaced cards need risers/a server."""
    cfg = E.configurator_explorer()
    cfg.controls["count"].value = 4
    assert "risers" in cfg.info.value and "leave a slot free" not in cfg.info.value


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


def test_review_cooling_explorer_card_power_and_extrapolation_flag():
    """Review item 10: card power is a control; speeds below the curve's lowest point are flagged."""
    ex = E.cooling_explorer()
    assert "extrapolation" in ex.info.value  # the inner cards of the default stack settle far below 59 %
    ex.controls["card_w"].value = 575
    temps, speed = B.cooling_speeds(4, 0, "open-air", 1.0, 25, 575)
    assert [b.get_height() for b in ex.artists["speeds"][:4]] == pytest.approx(list(speed))
    ex.controls["fan"].value = "water"
    assert "extrapolation" not in ex.info.value


def test_review_pcie_try_it_numbers():
    """Review item 13: the notebook's 'batch 256 at 2,000 images/s' sentence is what the explorer shows."""
    ex = E.pcie_explorer()
    ex.controls["batch"].value = 256
    ex.controls["gpu_rate"].value = "2000"
    n = B.batch_bytes(256)
    x16, x4 = (B.transfer_overhead(B.pcie_transfer_time_s(n, "3.0", lanes), 0.128, False) for lanes in (16, 4))
    assert f"{x16:.0%}" == "8%" and f"{x4:.0%}" == "31%"
    assert f"+{x16:.1%}" in ex.info.value and f"+{x4:.1%}" in ex.info.value


def test_review_cloud_idle_is_the_whole_desktop_and_eu_efficiency_note():
    """Review item 20: the idle default is a desktop at the wall, not the card; EU runs note the 115 V figures."""
    ex = E.cloud_explorer()
    assert float(ex.controls["idle_w"].value) == B.hardware_fact("desktop_idle_w") > B.hardware_fact("rtx4090_idle_w")
    cfg = E.configurator_explorer()
    assert "115 V" not in cfg.info.value
    cfg.controls["region"].value = "EU"
    assert "115 V figures" in cfg.info.value
