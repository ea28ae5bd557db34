"""helpers.build: power, electricity, PCIe, input pipeline, cloud or own; worked examples from notebook 04."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import build as B


def test_worked_examples():
    assert B.psu_watts([450, 450], 125, 50, margin=0.1) == pytest.approx(1182.5)
    assert B.psu_watts([575, 575], 170, 60, margin=0.1) == pytest.approx(1518)
    assert B.electricity_cost(700, 24, 0.6, 0.25) == pytest.approx(919.8)
    assert B.electricity_cost(2050, 24, 1, 0.15) == pytest.approx(2693.7)
    assert B.batch_bytes(32, 3, 225, 225, 4) == 19_440_000
    assert B.breakeven_hours(2500, 500, 0.15, 0.7) == pytest.approx(4000)
    assert B.transfer_overhead(2.47e-3, 0.2, prefetch=False) == pytest.approx(0.01235)
    assert B.transfer_overhead(2.47e-3, 0.2, prefetch=True) == 0


def test_pcie_worked_examples():
    n = B.batch_bytes(32, 3, 225, 225, 4)
    assert B.pcie_transfer_time_s(n, "3.0", 16) * 1e3 == pytest.approx(1.23, abs=0.02)
    assert B.pcie_transfer_time_s(n, "3.0", 8) * 1e3 == pytest.approx(2.47, abs=0.04)
    assert B.pcie_transfer_time_s(n, "4.0", 16) * 1e3 == pytest.approx(0.62, abs=0.01)
    batch = B.batch_bytes(64, 3, 224, 224, 2)
    assert B.pcie_transfer_time_s(batch, 4.0, 8) * 1e3 == pytest.approx(1.22, abs=0.02)


@given(st.sampled_from(["1.0", "2.0", "3.0", "4.0", "5.0"]), st.sampled_from([1, 2, 4, 8]))
def test_pcie_doubles_with_lanes_and_generation(gen, lanes):
    assert B.pcie_gbs(gen, 2 * lanes) == pytest.approx(2 * B.pcie_gbs(gen, lanes))
    if gen != "1.0":
        assert B.pcie_gbs(gen, lanes) > B.pcie_gbs(f"{float(gen) - 1:.1f}", lanes)


def test_psu_efficiency_interpolates_certified_points():
    assert B.psu_efficiency("Gold", 0.5) == pytest.approx(0.90)
    assert B.psu_efficiency("Gold", 0.75) == pytest.approx(0.885)
    assert B.wall_watts(900, 1000, "Platinum") > 900


@given(st.floats(0, 1500), st.sampled_from(B.PSU_TIERS))
def test_wall_power_exceeds_dc_load_but_not_by_much(dc, tier):
    w = B.wall_watts(dc, 1500, tier)
    assert dc <= w <= dc / 0.8 + 1e-9


@given(st.floats(0, 5000), st.floats(0, 24), st.floats(0, 1), st.floats(0, 1), st.floats(0, 10))
def test_electricity_cost_is_linear(watts, hours, util, price, years):
    cost = B.electricity_cost(watts, hours, util, price, years)
    assert cost >= 0
    assert B.electricity_cost(2 * watts, hours, util, price, years) == pytest.approx(2 * cost)


def test_power_limit_curve():
    assert B.power_limited_performance(1.0) == 1.0
    assert B.power_limited_performance(0.8) == pytest.approx(0.95)
    assert 0.95 < B.power_limited_performance(0.9) < 1.0
    with pytest.raises(ValueError, match="lowest measured"):
        B.power_limited_performance(0.5)


def test_pipeline_and_bottleneck():
    stages = B.pipeline_stages("HDD (7200 rpm)", 110e3, 250, 4, 2000, access="sequential")
    assert B.bottleneck(stages).name.startswith("decode")
    assert stages[0].samples_per_s == pytest.approx(150e6 / 110e3)
    assert B.cores_needed(2000, 250) == 8
    fast = B.pipeline_stages("NVMe SSD (PCIe 4.0 x4)", 110e3, 250, 16, 2000)
    assert B.bottleneck(fast).name == "GPU training"


def test_cloud_vs_own_break_even_month():
    m, own, cloud, month = B.cloud_vs_own(2500, 500, 0.15, 0.7, 100, months=60)
    assert own[0] == 2500 and cloud[0] == 0
    assert month == int(np.ceil(B.breakeven_hours(2500, 500, 0.15, 0.7) / 100))
    assert B.cloud_vs_own(2500, 500, 0.15, 0.7, 0)[3] is None
    assert B.breakeven_hours(1000, 5000, 1.0, 0.5) == float("inf")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: B.psu_watts([-450], 100), "GPU power"),
        (lambda: B.psu_watts([450], float("nan")), "cpu_w"),
        (lambda: B.psu_watts([450] * 17, 100), "at most 16"),
        (lambda: B.psu_efficiency("Diamond", 0.5), "tier"),
        (lambda: B.wall_watts(1200, 1000), "exceeds"),
        (lambda: B.wall_watts(100, 0), "psu_rating_w"),
        (lambda: B.circuit_limit_w("Mars"), "region"),
        (lambda: B.electricity_cost(100, 25), "hours_per_day"),
        (lambda: B.electricity_cost(100, 24, 1.5), "utilisation"),
        (lambda: B.electricity_cost(-1), "watts"),
        (lambda: B.pcie_gbs("7.0", 16), "generation"),
        (lambda: B.pcie_gbs("abc", 16), "generation"),
        (lambda: B.pcie_gbs("4.0", 3), "lanes"),
        (lambda: B.batch_bytes(0), "batch"),
        (lambda: B.pcie_transfer_time_s(1e6, "4.0", 16, efficiency=0), "efficiency"),
        (lambda: B.transfer_overhead(1, 0, True), "step_s"),
        (lambda: B.storage_read_mbs("punch cards"), "storage"),
        (lambda: B.pipeline_stages("SATA SSD", 1e5, 100, 0, 100), "cores"),
        (lambda: B.cloud_vs_own(1000, 100, 0.1, 0, 100), "cloud_usd_per_hour"),
        (lambda: B.cloud_vs_own(1000, 100, 0.1, 1, 800), "hours_per_month"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_table_lookups_for_the_explorers():
    # values as printed in the sources the tables cite: EIA 2023 US residential average 16 cents/kWh,
    # RunPod (deploybase) and Spheron on-demand RTX 4090 at $0.60 and $0.55 per GPU-hour
    assert B.electricity_price("US average (residential)") == 0.16
    assert B.default_cloud_rate("GeForce RTX 4090") == 0.55
    assert "HDD (7200 rpm)" in B.storage_names()
    with pytest.raises(ValueError, match="region"):
        B.electricity_price("Mars")


# ---- second edition (issue 21): each test below fails on the first edition's code --------------------------

def test_hdd_is_seek_bound_for_shuffled_files():
    # independent: 8.5 ms seek + 4.17 ms half rotation is about 80 reads/s; one 110 KB file also needs
    # 110e3 / 150e6 s of transfer, so the drive delivers 1 / (1/80 + 110e3/150e6) files per second
    expected = 1 / (1 / 80 + 110e3 / 150e6)
    assert B.storage_samples_per_s("HDD (7200 rpm)", 110e3, "random") == pytest.approx(expected)
    assert B.storage_samples_per_s("HDD (7200 rpm)", 110e3, "random") < 200
    assert B.storage_samples_per_s("HDD (7200 rpm)", 110e3, "sequential") == pytest.approx(150e6 / 110e3)
    stages = B.pipeline_stages("HDD (7200 rpm)", 110e3, 250, 8, 2000)  # shuffled files by default
    assert B.bottleneck(stages).name == "storage read"
    assert stages[0].samples_per_s == pytest.approx(expected)


def test_ssd_random_reads_are_bandwidth_bound():
    rate = B.storage_samples_per_s("SATA SSD", 110e3, "random")
    assert rate == pytest.approx(1 / (1 / 90_000 + 110e3 / 500e6))
    assert rate > 0.9 * B.storage_samples_per_s("SATA SSD", 110e3, "sequential")


def test_page_cache():
    assert B.page_cache_hit_fraction(138, 64, 1) == 0  # the first epoch reads the drive
    assert B.page_cache_hit_fraction(40, 64, 2) == 1  # fits: later epochs never touch the drive
    assert B.page_cache_hit_fraction(138, 64, 3) == pytest.approx(64 / 138)
    drive = B.storage_samples_per_s("HDD (7200 rpm)", 110e3)
    assert B.storage_samples_per_s("HDD (7200 rpm)", 110e3, cached_fraction=0.5) == pytest.approx(2 * drive)
    stages = B.pipeline_stages("HDD (7200 rpm)", 110e3, 250, 16, 2000, cached_fraction=1.0)
    assert stages[0].samples_per_s == float("inf") and B.bottleneck(stages).name == "GPU training"


def test_psu_rule_is_the_articles():
    # the article's example: 4 x 250 W GPUs + 150 W CPU + 100 W other = 1,250 W, plus 10 % = 1,375 W
    assert B.psu_watts([250] * 4, 150, 100) == pytest.approx(1375)


def test_power_limit_curves_are_multi_point_and_reach_60_percent():
    training = B.power_limit_series("training")
    assert any(len(B.power_limit_curve(s)[0]) >= 4 and B.power_limit_curve(s)[0][0] <= 0.6 for s in training)
    assert B.power_limit_series("stress") == ["nodehome_burn"]
    assert "nodehome_burn" not in training
    # qwertyforce TF32 ViT-B: 280 W -> 0.90 and 320 W -> 0.95 of the 480 W result; 0.6 x 480 = 288 W
    expected = 0.90 + (288 - 280) / (320 - 280) * 0.05
    assert B.power_limited_performance(0.6, "qwertyforce_tf32") == pytest.approx(expected)


def test_cloud_vs_own_credits_the_resale_when_sold():
    m, own, cloud, month = B.cloud_vs_own_at_end(3000, 650, 0.16, 0.55, 240, 60, 0.3, idle_w=21)
    per_month = (240 * 650 + (730 - 240) * 21) / 1000 * 0.16
    assert own[0] == 3000  # nothing is sold yet on day one
    assert own[30] == pytest.approx(3000 + 30 * per_month)
    assert own[-1] == pytest.approx(3000 + 60 * per_month - 900)
    assert month == int(np.ceil(3000 / (240 * 0.55 - per_month)))
    assert month > 24  # "within months" was wrong for these defaults
    # selling early: renting is still cheaper at the sale, and the break-even can only be the sale month
    assert B.cloud_vs_own_at_end(3000, 650, 0.16, 0.55, 100, 12, 0.3)[3] is None


def test_ram_lanes_slots_ddr():
    assert B.ram_needed_gb([24, 24, 24, 24]) == 24  # the article: more GPUs need no more RAM
    assert B.lanes_per_gpu(16, 2) == 8 and B.lanes_per_gpu(16, 4) == 4 and B.lanes_per_gpu(128, 4) == 16
    assert B.lanes_per_gpu(16, 3) == 4  # 16 // 3 = 5 lanes: links come in powers of two
    slots = list(range(1, 8))  # a workstation board with an x16 slot in each of 7 positions
    assert B.cards_that_fit(slots, 2, 7) == 3  # slots 1, 3, 5; a card in 7 would overhang a 7-slot case
    assert B.cards_that_fit(slots, 2, 8) == 4
    assert B.cards_that_fit(slots, 3, 8) == 2 and B.cards_that_fit(slots, 4, 7) == 1
    assert B.cards_that_fit([1, 4], 2, 7) == 2 and B.cards_that_fit([1, 2], 2, 7) == 1
    assert B.ddr_bandwidth_gbs(4800, 2) == pytest.approx(76.8)


def test_cooling_model_reproduces_the_articles_ranges():
    facts = B.load_table("hardware_facts")
    adjacent = B.cooling_speeds(4, 0, "open-air")[1].mean()
    assert 1 - facts.get("article_adjacent_open_air").value - 0.05 <= adjacent <= 1 - facts.get(
        "article_throttle_multi_max").value + 0.05
    blower = B.cooling_speeds(4, 0, "blower")[1].mean()
    assert 1 - facts.get("article_blower_penalty_max").value <= blower <= 0.90
    assert B.cooling_speeds(1, 0, "open-air")[1][0] >= 1 - facts.get("article_throttle_single_max").value
    assert np.all(B.cooling_speeds(4, 0, "water")[1] == 1.0)
    # a gap helps, a power limit cuts the heat, a warmer room hurts
    assert B.cooling_speeds(4, 1, "open-air")[1].mean() > adjacent
    assert B.cooling_speeds(4, 0, "open-air", 0.7)[1].mean() > adjacent
    assert B.cooling_speeds(4, 0, "open-air", 1.0, 35)[1].mean() < adjacent
    temps, _ = B.cooling_speeds(4, 0, "open-air")
    assert temps.max() == pytest.approx(80, abs=0.5)  # throttled cards sit at the limit
    with pytest.raises(ValueError, match="ambient_c"):
        B.cooling_speeds(2, 0, "water", ambient_c=85)


# ---- review of notebook 04 (second edition) --------------------------------------------------------------

def test_review_power_curves_in_watts_and_at_the_cards_own_stock_power():
    """Item 2: every series keeps its card's stock power; speeds are compared at the same share of it."""
    watts, speed, stock = B.power_limit_watts_curve("qwertyforce_tf32")
    assert stock == 390 and watts[-1] == 480 and speed[-1] == 1.0
    assert B.speed_at_stock_share(1.0, "puget_tf") == 1.0
    assert B.speed_at_stock_share(0.8, "puget_tf") == pytest.approx(0.95)  # 280 W of the 350 W stock
    # 280 W is 72 % of qwertyforce's stock: 0.9 of its 480 W speed, divided by 0.9719 at 390 W
    assert B.speed_at_stock_share(280 / 390, "qwertyforce_tf32") == pytest.approx(0.9 / (0.95 + 0.05 * 70 / 160))
    with pytest.raises(ValueError, match="stock power"):
        B.speed_at_stock_share(0.9, "nodehome_burn")  # measured at 250-300 W only, stock 350 W
    with pytest.raises(ValueError, match="stock_fraction"):
        B.speed_at_stock_share(0.5, "qwertyforce_tf32")  # 195 W: below the lowest measured 230 W


def test_review_cooling_reads_the_curve_as_a_share_of_stock_power():
    """Item 2: a lone card limited to 70 % of its 350 W runs at 245 W = 70 % of stock, read on the stock axis."""
    _, speed = B.cooling_speeds(1, 0, "water", 0.7)
    assert speed[0] == pytest.approx(B.speed_at_stock_share(0.7))
    shares = B.cooling_power_shares(1, 0, "water", 0.7)
    assert shares[0] == pytest.approx(0.7)


def test_review_warmer_room_slows_only_the_inner_cards():
    """Item 3: at a 70 % limit the outer cards keep their speed from 25 to 35 C; the inner cards lose more."""
    cool = B.cooling_speeds(4, 0, "open-air", 0.7, 25)[1]
    warm = B.cooling_speeds(4, 0, "open-air", 0.7, 35)[1]
    assert warm[0] == pytest.approx(cool[0]) and warm[3] == pytest.approx(cool[3])
    assert warm[1] < cool[1] - 0.05 and warm[2] < cool[2] - 0.05


def test_review_transient_row_compares_the_wall_with_the_circuit():
    """Item 5: 1,717 W at the wall is ~1,550 W DC (inside a 1,600 W PSU) but above a US circuit's 1,440 W."""
    row = B.load_table("hardware_milestones").get("transients")
    assert row.value * 0.9 < 1600 < row.value
    assert row.value > B.circuit_limit_w("US")
    assert "circuit" in row.statement and "too small" not in row.statement


def test_review_four_spaced_cards_need_more_slots_than_a_case_has():
    """Item 7: four 2-slot cards with one free slot between them need 11 slots (> 8)."""
    assert B.slots_needed(4, 2, 1) == 11 > 8
    assert B.slots_needed(2, 2, 1) == 5 <= 7
    assert B.slots_needed(1, 3, 2) == 3


def test_review_consumer_boards_feed_two_slots_from_the_cpu():
    """Item 8: four cards on a consumer board get x8/x8 from the CPU and x4 from the chipset, not x4 each."""
    links = B.consumer_gpu_links(4)
    assert [(g.lanes, g.via) for g in links] == [(8, "CPU"), (8, "CPU"), (4, "chipset"), (4, "chipset")]
    assert [g.lanes for g in B.consumer_gpu_links(1)] == [16]
    assert B.lanes_per_gpu(16, 4) == 4  # the even split the first edition assumed
    with pytest.raises(ValueError, match="cpu_generation"):
        B.consumer_gpu_links(2, cpu_generation="9.0")


def test_review_ram_for_today_scales_with_total_gpu_memory():
    """Item 9: the article's floor is the largest GPU; today's plan is the total, commonly twice it."""
    assert B.ram_needed_gb([28] * 4) == 28
    assert B.ram_today_gb([24, 24, 32, 32]) == (112, 224)
    assert B.ram_today_gb([24], factor=1.5) == (24, 36)
    with pytest.raises(ValueError, match="factor"):
        B.ram_today_gb([24], factor=0.5)
    row = B.load_table("hardware_milestones").get("dram_prices")
    assert row.kind == "since" and row.year == 2025


def test_review_circuit_and_psu_facts_are_the_arithmetic():
    """Item 11: 20 A and 240 V circuits at the 80 % continuous rule."""
    assert B.hardware_fact("us_20a_circuit_continuous_w") == 120 * 20 * 0.8
    assert B.hardware_fact("us_240v_circuit_continuous_w") == 240 * 20 * 0.8
    assert B.hardware_fact("psu_2000w_rating_at_115v_w") < 2000
    assert B.load_table("hardware_facts").get("psu_2000w_rating_at_115v_w").confidence == "low"


def test_review_build_plan_joins_the_sections():
    """Item 14: two RTX 5090s (575 W, 32 GB) -> the numbers of each section's own function."""
    plan = dict(B.build_plan(575, 32, 2, 2))
    assert "x8, x8" in plan["platform"]
    assert f"about {B.cores_needed(4000, 60)} cores" in plan["CPU"]
    assert "at least 64 GB" in plan["RAM"] and "128 GB" in plan["RAM"]
    assert f"{B.psu_watts([575, 575], 170, 60):,.0f} W" in plan["PSU"]
    wall = B.wall_watts(575 * 2 + 230, B.psu_watts([575, 575], 170, 60))
    assert f"{wall:,.0f} W at the wall" in plan["circuit"] and "above" in plan["circuit"]
    assert "Threadripper" in dict(B.build_plan(450, 24, 4, 3))["platform"]
    assert "11 with a free slot" in dict(B.build_plan(450, 24, 4, 2))["slots"]


def test_review_today_cooling_and_since_then_rows():
    """Items 10 and 15: workstation blowers, NVML fans, PCIe 5.0 GPUs, unified memory, no P2P on GeForce."""
    rows = {r.key: r for r in B.load_table("hardware_milestones")}
    for key in ("rtx_pro_blackwell", "unified_memory", "geforce_p2p", "pcie5_gpus", "dram_prices", "nvml_fans"):
        assert rows[key].kind == "since" and 2022 <= rows[key].year <= 2025
    assert B.pcie_gbs("5.0", 8) == pytest.approx(B.pcie_gbs("4.0", 16), rel=1e-3)  # the pcie5_gpus row claim
    # four 300 W Max-Q cards with a 170 W CPU: above a US 15 A circuit, inside a 20 A one
    wall = B.wall_watts(4 * 300 + 230, B.psu_watts([300] * 4, 170, 60))
    assert B.circuit_limit_w("US") < wall < B.hardware_fact("us_20a_circuit_continuous_w")


def test_review_fact_box_can_sort_by_year():
    from helpers.notebook import fact_box

    text = fact_box("hardware_milestones", "since", by_year=True).data
    assert text.index("PCIe 4.0") < text.index("RAM stopped being cheap")
    assert fact_box("hardware_milestones", "since").data != text  # table order differs from year order
