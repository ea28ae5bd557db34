"""Notebook 03, second edition (issue 20): the errors fixed, each pinned by a test that fails on the first edition,
and the new helpers (memory hierarchy, predictor check, offers, electricity). Expected values are computed here
from the spec-sheet numbers of gpus.csv or the article's quoted figures, not taken from the code under test."""

import numpy as np
import pytest

from helpers import gpus as G
from helpers.explorers import gpus as E

TRAIN, INFER = "training (compute-bound)", "LLM inference (bandwidth-bound)"


def names(ranked):
    return [(r.count, r.gpu.name) for r in ranked]


# ---- error 1: the recommender adds up cards that only share memory ------------------------------------------

def test_one_5090_ranks_above_two_5080s_for_24gb_training():
    ranked = names(G.recommend(3000, 24, TRAIN, 4))
    assert (1, "GeForce RTX 5090") in ranked and (2, "GeForce RTX 5080") in ranked
    assert ranked.index((1, "GeForce RTX 5090")) < ranked.index((2, "GeForce RTX 5080"))
    pair = next(r for r in G.recommend(3000, 24, TRAIN, 4) if r.gpu.name == "GeForce RTX 5080")
    # review item 5: the best split of a model that fits on no single card is a pipeline (8 micro-batches, bubble
    # 1/9), not the naive split in which the two cards take turns at one RTX 5080's 112.6 TFLOPS
    assert pair.score == pytest.approx(2 * 112.6 * 8 / 9) and "pipeline" in pair.reason
    assert [o[0] for o in G.setup_options(G.gpu("GeForce RTX 5080"), 2, 24, TRAIN)][-1] == pytest.approx(112.6)


def test_batch1_decoding_runs_at_one_cards_bandwidth():
    ranked = G.recommend(20_000, 40, INFER, 8, psu_w=3000, slots=16, include_caveats=True)
    multi = [r for r in ranked if r.count > 1]
    assert multi, "the check needs multi-card setups"
    for r in ranked:  # the naive layer split: tokens/s <= one card's GB/s / model GB; tensor parallel can beat it
        naive = [o for o in G.setup_options(r.gpu, r.count, 40, INFER) if "naive" in o[1] or "fits" in o[1]]
        assert naive[0][0] == pytest.approx(r.gpu.bandwidth_gbs / 40)
        assert r.score >= naive[0][0]
    assert G.split_layers_decode_tokens_per_s(G.gpu("GeForce RTX 3060 12GB"), 48, 4) == pytest.approx(360 / 48)


def test_data_parallel_only_when_the_model_fits_and_link_matters():
    r3090 = G.gpu("GeForce RTX 3090")
    score, how = G.setup_score(r3090, 2, 20, TRAIN)
    assert score == pytest.approx(71 * (1 + 0.86)) and "data parallel" in how  # NVLink bridge: 0.86 per added card
    score, how = G.setup_score(G.gpu("GeForce RTX 4090"), 2, 20, TRAIN)
    assert score == pytest.approx(165.2 * 1.7) and "pcie host" in how  # no P2P on RTX 40
    with pytest.raises(ValueError, match="cannot hold"):
        G.setup_score(r3090, 1, 30, TRAIN)


def test_setups_respect_power_supply_and_slots():
    ranked = G.recommend(50_000, 24, TRAIN, 8)
    assert ranked
    for r in ranked:
        assert r.count * r.gpu.tdp_w + 250 <= 1600
        assert r.count * G.card_facts(r.gpu).slot_width <= 8
    assert (4, "GeForce RTX 4090") not in names(ranked)  # 4 x 450 W + 250 W = 2050 W > 1600 W
    assert G.setup_power_w(G.gpu("GeForce RTX 4090"), 4) == 4 * 450 + 200 + 50


# ---- error 2: launch prices only --------------------------------------------------------------------------------

def test_offers_are_dated_street_or_used_prices_and_discontinued_cards_at_launch_are_not():
    assert G.offer_price(G.gpu("GeForce RTX 3080")) is None  # discontinued, no dated offer
    price, source = G.offer_price(G.gpu("GeForce RTX 3090"))
    assert price == 850 and "used" in source  # insiderllm.com 2026-02: $700-1000 used
    price, source = G.offer_price(G.gpu("GeForce RTX 5090"))
    assert price == 2699 and "2026-06" in source  # signal-noise.net 2026-06-22
    assert G.offer_price(G.gpu("GeForce RTX 5080"))[0] == 1268  # review item 4: dated street price, early 2026
    assert G.offer_price(G.gpu("GeForce RTX 5090"), {"GeForce RTX 5090": 2000})[0] == 2000
    assert all(r.cost_usd != r.count * 699 for r in G.recommend(3000, 10, TRAIN, 4) if r.gpu.name == "GeForce RTX 3080")
    ex = E.value_explorer()  # discontinued cards are marked on the chart
    texts = [t.get_text() for t in ex.fig.axes[0].texts if t.get_text()]
    assert "RTX 3090 ($850 used, discontinued)" in texts
    ex.controls["basis"].value = E.PRICE_BASES[1]
    assert any("RTX 3080 ($699, discontinued)" == t.get_text() for t in ex.fig.axes[0].texts)


def test_prices_are_editable_as_text():
    assert G.parse_price_overrides("5090=2400, 3090 = 700") == {"GeForce RTX 5090": 2400, "GeForce RTX 3090": 700}
    assert G.parse_price_overrides("") == {}
    for bad, word in [("50=1", "matches"), ("5090", "name=dollars"), ("5090=cheap", "not a number"),
                      ("5090=-5", "positive")]:
        with pytest.raises(ValueError, match=word):
            G.parse_price_overrides(bad)
    ex = E.recommend_explorer()
    ex.controls["prices"].value = "5080=400"
    top = G.recommend(3000, 24, TRAIN, 4, prices={"GeForce RTX 5080": 400})
    assert any("your price" in r.reason for r in top)
    assert "your price" in ex.info.value
    ex.controls["prices"].value = "5090"
    assert isinstance(ex.error, ValueError) and "name=dollars" in ex.message.value


# ---- error 3: software maturity ---------------------------------------------------------------------------------

def test_software_caveat_is_flagged_and_shown():
    xtx = G.gpu("Radeon RX 7900 XTX")
    assert "WMMA" in G.software_caveat(xtx) and G.software_caveat(G.gpu("GeForce RTX 4090")) == ""
    assert "Radeon RX 7900 XTX" not in [n for _, n in names(G.recommend(3000, 24, TRAIN, 4))]
    with_caveat = [r for r in G.recommend(3000, 24, TRAIN, 4, include_caveats=True) if r.gpu is xtx or r.gpu == xtx]
    assert with_caveat and "Caveat" in with_caveat[0].reason
    ex = E.value_explorer("fp16 TFLOPS")  # the RX 7900 XTX is the best TFLOPS per dollar, with its caveat
    assert "Radeon RX 7900 XTX" in ex.info.value and "Caveat" in ex.info.value
    assert len(ex.artists["flagged"].get_offsets()) >= 1


# ---- error 5: roofline and memory-fit explorers --------------------------------------------------------------

def test_roofline_offers_every_precision_and_markers_use_its_bytes():
    assert set(E.roofline_explorer().controls["precision"].options) >= {"fp32", "fp16", "int8", "fp8", "fp4"}
    b200 = G.gpu("B200 (HGX)")
    assert b200.peak_flops("fp4") == pytest.approx(9000e12) and b200.peak_flops("fp8") == pytest.approx(4500e12)
    with pytest.raises(ValueError, match="no published fp8"):
        G.gpu("GeForce RTX 3090").peak_flops("fp8")  # Ampere has no FP8 tensor cores
    ex = E.roofline_explorer()
    ex.controls["gpus"].value = ("B200 (HGX)",)
    for precision, bytes_per_value in [("fp32", 4), ("fp16", 2), ("fp8", 1), ("fp4", 0.5)]:
        ex.controls["precision"].value = precision
        xs = ex.artists["markers"].get_offsets()[:, 0]
        assert 2 / bytes_per_value in xs  # the 7B batch-1 decode: 2 FLOP per weight of bytes_per_value bytes
        assert 1e8 / (3e8 * bytes_per_value) in xs  # vector add: 1 FLOP per 3 values


def test_cpu_roof_is_grey_as_the_prose_says():
    from matplotlib.colors import to_rgb
    r, g, b = to_rgb(E.roofline_explorer().artists["cpu"].get_color())
    assert r == g == b and 0.3 < r < 0.8


def test_fit_weights_toggle_is_off_when_training():
    ex = E.fit_explorer()
    assert not ex.controls["dtype"].disabled
    ex.controls["mode"].value = "adam-mixed"
    assert ex.controls["dtype"].disabled and "weights toggle is off" in ex.info.value
    ex.controls["mode"].value = "inference"
    assert not ex.controls["dtype"].disabled
    ex.controls["mode"].value = E.LORA  # here the toggle matters: the frozen weights are stored in it
    ex.controls["params"].value = "65"
    ex.controls["dtype"].value = "int4"
    int4 = ex.artists["need"].get_xdata()[0]
    assert int4 == pytest.approx(65 * 0.5 + 65 * 0.01 * 16)  # 32.5 GB weights + 10.4 GB adapters and Adam
    assert int4 < 48  # QLoRA (Dettmers et al. 2023): a 65B model fine-tuned on one 48 GB GPU
    ex.controls["dtype"].value = "fp16"
    assert ex.artists["need"].get_xdata()[0] == pytest.approx(65 * 2 + 65 * 0.01 * 16)


# ---- the memory hierarchy ----------------------------------------------------------------------------------------

def test_cycle_example_reproduces_the_articles_totals():
    assert sum(G.tile_matmul_cycles(False).values()) == 504  # 200 + 8 x 34 + 8 x 4
    assert sum(G.tile_matmul_cycles(True).values()) == 235  # 200 + 34 + 1
    assert sum(G.tile_matmul_cycles(True, async_copy=True).values()) == 200  # (200 - 35) + 34 + 1
    assert sum(G.tile_matmul_cycles(False, async_copy=True).values()) == 304  # nothing left to hide: 272 + 32
    assert G.tile_matmul_cycles(True, global_cycles=380)["global memory"] == 380


def test_tiles_reuse_and_the_bandwidth_cap():
    assert G.tile_intensity(128, "fp16") == 64 and G.tile_intensity(128, "fp8") == 128
    assert G.tile_shared_kb(128, "fp16") == 128  # 2 buffers x 2 tiles x 128 x 128 x 2 bytes
    assert G.max_tile(128, "fp16") == 128 and G.max_tile(100, "fp16") == 64 and G.max_tile(228, "fp8") == 128
    h100 = G.gpu("H100 SXM")
    assert G.tensor_utilisation_bound(h100, 128) == pytest.approx(64 * 3350e9 / 989.4e12)
    assert G.tensor_utilisation_bound(h100, 512) == pytest.approx(256 / 295.3, rel=1e-3)  # 256 FLOP/B < ridge
    assert G.tensor_utilisation_bound(h100, 1024) == 1.0


def test_hierarchy_explorer_draws_the_cycles_and_its_claim_holds():
    ex = E.hierarchy_explorer()
    seg = ex.artists["segments"]
    widths = [seg[p][1].get_width() for p in ("global memory", "shared memory", "compute")]
    assert widths == [200, 34, 1]
    assert seg["compute"][0].get_x() == 200 + 272
    assert f"{200 / 235:.0%}" in ex.info.value and "22%" in ex.info.value  # the prose quotes both
    ex.controls["source"].value = "DRAM (380 cycles)"
    assert seg["global memory"][1].get_width() == 380
    ex.controls["tile"].value = 256
    assert "does <b>not</b> fit" in ex.info.value
    assert ex.artists["chosen"].get_ydata()[0] == 128


# ---- error 4 and the predictor check -------------------------------------------------------------------------

def test_bandwidth_predicts_better_than_tflops():
    a100, v100 = G.gpu("A100 40GB SXM"), G.gpu("Tesla V100 SXM2 16GB")
    assert G.predicted_speedup(a100, v100) == pytest.approx(1555 / 900)  # the article's worked example
    bw = np.mean([abs(r["error_percent"]) for r in G.predictor_check("bandwidth")])
    fl = np.mean([abs(r["error_percent"]) for r in G.predictor_check("fp16 TFLOPS")])
    assert bw < fl / 2  # on average over all 8 rows; not row by row (the Lambda rows: see the review tests)
    ex = E.predictor_explorer()
    assert f"{bw:.0f} %" in ex.info.value
    ex.controls["basis"].value = "fp16 TFLOPS"
    assert f"{fl:.0f} %" in ex.info.value


def test_electricity_for_five_years():
    g = G.gpu("GeForce RTX 4090")
    assert G.electricity_usd(g, 1, 0.15, 0.175) == pytest.approx(0.450 * 0.15 * 8760 * 0.175)
    assert G.perf_per_total_dollar(g, price_usd=2500, price_per_kwh=0.16) == pytest.approx(
        165.2 / (2500 + 0.450 * 0.15 * 8760 * 5 * 0.16))


# ---- the "Try it" sentences of the notebook are true in the default state ------------------------------------

def test_try_it_sentences_hold_in_the_default_state():
    value = E.value_explorer()  # "the used RTX 3090 gives the most GB/s per dollar, and it still does after ..."
    assert "<b>GeForce RTX 3090</b>" in value.info.value
    value.controls["electricity"].value = True
    assert "<b>GeForce RTX 3090</b>" in value.info.value
    value.controls["metric"].value = "fp16 TFLOPS"  # "... the RTX 5080 at its early-2026 street price"
    assert "<b>Radeon RX 7900 XTX</b>" in value.info.value and "MSRP 2022, not an offer" in value.info.value
    assert "Best without a software caveat: <b>GeForce RTX 5080</b>" in value.info.value
    predictor = E.predictor_explorer()
    assert "<b>23 %</b>" in predictor.info.value  # "misses the measurements by 23 % on average"
    predictor.controls["basis"].value = "fp16 TFLOPS"
    assert "<b>58 %</b>" in predictor.info.value  # "... by 58 %, always too optimistic"
    assert all(r["error_percent"] > 0 for r in G.predictor_check("fp16 TFLOPS"))
    recommend = E.recommend_explorer()
    labels = [t.get_text() for t in recommend.fig.axes[0].get_yticklabels()]
    assert labels[:3] == ["1× RTX 5090", "2× RTX 3090", "2× RTX 5080"]
    assert "$1,700" in recommend.info.value and "pipeline" in recommend.info.value
    hierarchy = E.hierarchy_explorer()
    hierarchy.controls["dtype"].value = "fp8"  # "both the intensity and the peak double, so the cap stays"
    assert "<b>22%</b>" in hierarchy.info.value


# ---- review of the second edition (reviews/03.md): each fix pinned --------------------------------------------

def test_review_must6_ada_fp8_is_twice_the_fp32_accumulate_fp16_rate():
    # the file's own convention, read off the RTX 4090 row (165.2 fp16 -> 330.3 fp8)
    assert G.gpu("GeForce RTX 4090").peak_flops("fp8") == pytest.approx(2 * 165.2e12, rel=1e-3)
    for name, fp16 in [("GeForce RTX 4060 Ti 16GB", 44.1), ("GeForce RTX 4070 Ti", 80.2), ("GeForce RTX 4080", 97.5)]:
        assert G.gpu(name).peak_flops("fp8") == pytest.approx(2 * fp16 * 1e12, rel=2e-3)


def test_review_must8_nvlink_efficiency_from_the_articles_8x_a100_example():
    # 8 x A100 = 7.00 x one GPU in the article: each of the 7 added cards adds (7 - 1) / 7
    assert G.data_parallel_speed(1, 8, "nvlink") == pytest.approx(7.0, abs=0.05)
    assert G.data_parallel_speed(1, 2, "pcie_host") < G.data_parallel_speed(1, 2, "pcie_p2p") < \
        G.data_parallel_speed(1, 2, "nvlink")
    rows = {r.link: r for r in G.load_table("multi_gpu_efficiency")}
    assert "5-7%" not in rows["nvlink"].source.replace("5-7% in that section is", "")
    assert "x8/x16" in rows["pcie_p2p"].source


def notebook_text() -> str:
    import json

    from conftest import ROOT
    cells = json.loads((ROOT / "notebooks" / "03_which_gpu.ipynb").read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_review_must1_no_l2_explanation_for_batch1_decoding():
    text = notebook_text()
    assert "likely reason why an RTX 4090 decodes" not in text
    assert "L2 cache does part of the work" not in text
    row = next(r for r in G.load_table("gpu_milestones") if r.key == "bandwidth_predictor")
    assert "cannot explain" in row.statement and "does part of the work" not in row.statement


def test_review_must2_lambda_training_rows_break_the_bandwidth_rule_across_generations():
    bw = {r["workload"].split()[0]: r for r in G.predictor_check("bandwidth")
          if r["pair"].startswith("GeForce RTX 4090")}
    # Lambda 2022, FP16 training throughput: 379/236, 297/172, 40427/22863
    assert bw["ResNet-50"]["measured"] == pytest.approx(379 / 236, abs=0.01)
    assert bw["BERT"]["measured"] == pytest.approx(297 / 172, abs=0.01)
    assert bw["Transformer-XL"]["measured"] == pytest.approx(40427 / 22863, abs=0.01)
    for key in ("ResNet-50", "BERT", "Transformer-XL"):  # bandwidth 1008 / 936 = 1.08: 33-39 % too low
        assert -40 < bw[key]["error_percent"] < -30
    summary = {(s["pair"], s["task"]): s for s in G.predictor_summary("bandwidth")}
    assert summary[("GeForce RTX 4090 / GeForce RTX 3090", "training")]["n"] == 3
    assert summary[("GeForce RTX 4090 / GeForce RTX 3090", "training")]["mean_error_percent"] == pytest.approx(
        np.mean([(1008 / 936) / m - 1 for m in (1.61, 1.73, 1.77)]) * 100)
    text = notebook_text()
    for claim in ("within 2 %", "37 % too low", "37 % too high", "12–19 % faster"):
        assert claim in text
    fl = {(s["pair"], s["task"]): s for s in G.predictor_summary("fp16 TFLOPS")}
    assert round(fl[("GeForce RTX 4090 / GeForce RTX 3090", "training")]["mean_error_percent"]) == 37
    assert round(-summary[("GeForce RTX 4090 / GeForce RTX 3090", "training")]["mean_error_percent"]) == 37


def test_review_must3_value_and_recommender_rank_by_bandwidth_by_default():
    assert E.value_explorer().controls["metric"].value == "bandwidth GB/s"
    assert next(iter(G.WORKLOADS)) == "training (estimated from bandwidth)" == E.recommend_explorer().controls[
        "workload"].value
    rtx3090 = G.gpu("GeForce RTX 3090")
    assert G.perf_per_dollar(rtx3090, "bandwidth GB/s", 850) == pytest.approx(936 / 850)
    assert 936 / 850 > 1792 / 2699  # the used RTX 3090 wins on bandwidth per dollar
    score, _ = G.setup_score(rtx3090, 2, 20, "training (estimated from bandwidth)")
    assert score == pytest.approx(936 * 1.86)  # NVLink bridge: 0.86 per added card


def test_review_must4_prices_on_one_basis():
    for g in G.all_gpus():
        offer = G.offer_price(g)
        if offer is not None and not offer[1].startswith(("street", "used")):
            assert offer[1].startswith("MSRP") and "not an offer" in offer[1]
    assert G.offer_price(G.gpu("Radeon RX 7900 XTX"))[1].startswith("MSRP 2022, not an offer")
    ex = E.value_explorer()
    texts = [t.get_text() for t in ex.fig.axes[0].texts if t.get_text()]
    assert "Radeon RX 7900 XTX ($999 MSRP, not an offer)" in texts


def test_review_must5_multi_card_splits():
    r3090, r5080 = G.gpu("GeForce RTX 3090"), G.gpu("GeForce RTX 5080")
    assert G.pipeline_speed(100, 4, 8) == pytest.approx(100 * 4 * 8 / 11)  # bubble (p - 1) / (m + p - 1)
    assert G.pipeline_speed(100, 4, 1) == pytest.approx(100)  # one micro-batch: the cards take turns
    assert G.fsdp_speed(100, 2, "pcie_host") == pytest.approx(100 * (1 + (1 - 1.5 * 0.3)))
    assert G.fsdp_speed(100, 4, "nvlink") < G.data_parallel_speed(100, 4, "nvlink")
    # tensor-parallel decoding: all cards read at once, an all-reduce per layer (pcie_p2p: 3.3 ms per doubling)
    assert G.tensor_parallel_decode_tokens_per_s(r3090, 20, 1, "pcie_p2p") == pytest.approx(936 / 20)
    assert G.tensor_parallel_decode_tokens_per_s(r3090, 20, 2, "pcie_p2p") == pytest.approx(
        1 / (20 / 1872 + 0.0033))
    assert G.tensor_parallel_decode_tokens_per_s(r5080, 24, 2, "pcie_host") < \
        G.tensor_parallel_decode_tokens_per_s(r5080, 24, 2, "pcie_p2p")
    hows = [how for _, how in G.setup_options(r5080, 2, 24, INFER)]
    assert any("naive layer split" in h and "llama.cpp" in h for h in hows)
    assert any("tensor parallel" in h for h in hows)
    hows = [how for _, how in G.setup_options(r5080, 2, 24, TRAIN)]
    assert any("FSDP" in h for h in hows) and any("pipeline" in h for h in hows)
    # notebook 03 cell: "Two RTX 5080s, copying through host memory, reach 52 tokens/s against the naive split's 40"
    options = G.setup_options(r5080, 2, 24, INFER)
    assert round(options[0][0]) == 52 and "tensor parallel" in options[0][1] and round(options[1][0]) == 40
    assert "reach 52 tokens/s\nagainst the naive split's 40" in notebook_text()


def test_review_must7_roofline_skips_cards_without_the_format():
    ex = E.roofline_explorer()
    ex.controls["precision"].value = "fp4"  # default cards: only the RTX 5090 has fp4
    assert ex.error is None
    assert "Not drawn, no fp4 roof: GeForce RTX 4090, H100 SXM, Instinct MI300X" in ex.info.value
    assert sum(line.get_visible() for line in ex.artists["lines"]) == 1
    ex.controls["precision"].value = "fp8"
    ex.controls["gpus"].value = ("A100 80GB SXM", "H100 SXM")
    assert ex.error is None and "no fp8 roof: A100 80GB SXM" in ex.info.value
    ex.controls["gpus"].value = ("A100 80GB SXM",)
    assert isinstance(ex.error, ValueError) and "fp8" in ex.message.value


def test_review_must9_launch_prices_up_to_2020():
    ex = E.value_explorer()
    ex.controls["basis"].value = E.PRICE_BASES[1]
    ex.controls["years"].value = (2016, 2020)
    assert "<b>GeForce RTX 3080</b>" in ex.info.value  # "the RTX 3080 comes first on both metrics"
    ex.controls["metric"].value = "fp16 TFLOPS"
    assert "<b>GeForce RTX 3080</b>" in ex.info.value
    assert "and set *years*\nto 2016–2020" in notebook_text()


def test_review_must10_partner_widths_and_outlet_warning():
    ranked = G.recommend(12_000, 24, "training (estimated from bandwidth)", 8, psu_w=3000)
    r5090 = next(r for r in ranked if r.gpu.name == "GeForce RTX 5090")
    assert r5090.count == 2  # 4-slot partner cards: 2 in 8 slots (not 4 x 575 W + 250 W = 2,550 W)
    assert G.card_facts(G.gpu("GeForce RTX 4090")).slot_width == 4  # Lambda: "will take 3.5 PCIe slots"
    # 2 x 575 + 250 = 1,400 W DC on a 3000 W Gold PSU: more than 1,440 W from the wall
    from helpers import build as B
    wall = B.wall_watts(1400, 3000)
    assert wall > B.circuit_limit_w("US") == 1440
    assert "US household circuit" in r5090.warning and f"{wall:,.0f} W" in r5090.reason
    assert G.outlet_warning(G.gpu("GeForce RTX 3060 12GB"), 1, 1600) == ""


def test_review_should1_littles_law():
    assert G.bytes_in_flight_kb(1555, 380, 1.41) == pytest.approx(1555e9 * 380 / 1.41e9 / 1e3)
    assert round(1555e9 * 380 / 1.41e9 / 108 / 128) == 30  # "30 cache lines ... in every SM" (printed)


def test_review_should4_moe_decode_reads_active_parameters():
    active_gb = 5.1e9 * 0.5 / 1e9
    assert G.inference_memory_gb(5.1e9, "int4", overhead=0) == pytest.approx(active_gb)
    assert 273 / active_gb > 10 * 273 / 35  # the MoE bound is over ten times the dense 70B bound on a DGX Spark
    assert round(G.inference_memory_gb(116.8e9, "int4", overhead=0)) == 58  # "about 58 GB"


def test_review_should5_kv_cache_and_a_48gb_card():
    assert G.kv_cache_gb(32, 8, 128, 8192) == pytest.approx(2 * 32 * 8 * 128 * 8192 * 2 / 1e9)
    assert G.kv_cache_gb(80, 8, 128, 131072, dtype="fp8") == pytest.approx(2 * 80 * 8 * 128 * 131072 / 1e9)
    assert round(G.kv_cache_gb(80, 8, 128, 131072)) == 43 > 35  # "(43 GB) outgrows its 4-bit weights (35 GB)"
    ex = E.fit_explorer()
    ex.controls["params"].value = "65"
    ex.controls["mode"].value = E.LORA
    ex.controls["dtype"].value = "int4"  # LoRA: "the model needs about 43 GB, within one 48 GB card"
    assert "42.9 GB" in ex.info.value and "RTX 6000 Ada Generation ×1" in ex.info.value
    assert G.gpu("RTX 6000 Ada Generation").memory_gb == 48


def test_review_should10_since_then_rows_and_the_amd_memory_claim():
    rows = {r.key: r for r in G.load_table("gpu_milestones")}
    assert {"mi455x", "deepseek_fp8"} <= set(rows) and rows["rubin"].confidence != "low"
    assert G.gpu("Instinct MI355X").memory_gb == G.gpu("B300 (HGX)").memory_gb == 288  # "matches the B300"
    assert G.gpu("Instinct MI300X").memory_gb > G.gpu("H200 SXM").memory_gb > G.gpu("H100 SXM").memory_gb
    assert "more memory than NVIDIA's" not in notebook_text()


def test_review_should2_cache_table_separates_the_two_amperes():
    sizes = {}
    for r in G.load_table("gpu_memory_hierarchy"):
        if r.quantity in ("l1_shared_kb", "l2_mb"):
            sizes.setdefault(r.architecture, {})[r.quantity] = r.value
    assert sizes["Ampere GA102 (RTX 30)"] == {"l1_shared_kb": 128, "l2_mb": 6}
    assert sizes["Ampere GA100 (A100)"] == {"l1_shared_kb": 192, "l2_mb": 40}
    assert sizes["Hopper (H100)"] == {"l1_shared_kb": 256, "l2_mb": 50}
    assert sizes["Blackwell"] == {"l1_shared_kb": 128, "l2_mb": 96}


def test_review_should6_and_7_articles_break_even_and_sustained_power_limit():
    from helpers import build as B
    hours = B.breakeven_hours(2200, 450, 0.12, 2.14)  # the article: about 300 days at 15 % use
    assert hours == pytest.approx(2200 / (2.14 - 0.45 * 0.12))
    assert 280 < hours / (24 * 0.15) < 310
    assert B.power_limited_performance(250 / 300, "nodehome_burn") == pytest.approx(0.73)
    assert B.power_limited_performance(280 / 350) == pytest.approx(0.95)
    text = notebook_text()
    assert "Slurm" in text and "about 7 % for\n50 W less" in text


def test_review_nice2_roofline_labels_stay_distinct_at_batch_64():
    ex = E.roofline_explorer()
    ex.controls["batch"].value = 64
    texts = [t.get_text() for t in ex.fig.axes[0].texts if t.get_text()]
    assert len(texts) == len(set(texts)) and "LLM decode, 7B, batch 64 (slider)" in texts


def test_review_nice1_and_6_simplification_and_no_tensor_cores_are_said():
    text = notebook_text()
    assert "512 multiplies of 4×4×4 blocks" in text and 8 ** 3 == 512 and 512 / 64 == 8
    assert G.gpu("GeForce GTX 1080 Ti").fp16_tflops is None  # shown as "no tensor cores" in the table


def test_review_nice4_and_5_bridges_join_pairs_and_per_dollar_figures():
    r3090 = G.gpu("GeForce RTX 3090")
    score, how = G.setup_score(r3090, 4, 20, "training (estimated from bandwidth)")
    assert score == pytest.approx(936 * (1 + 3 * 0.7)) and "pairs only" in how  # beyond a pair: host memory
    assert G.setup_score(r3090, 2, 20, "training (estimated from bandwidth)")[0] == pytest.approx(936 * 1.86)
    for r in G.recommend(3000, 24, "training (estimated from bandwidth)", 4):
        assert f"{r.score / r.cost_usd * 1000:,.1f} per $1,000" in r.reason


def test_review_nice3_tariff_in_the_prose_is_the_tables():
    assert G.us_price_per_kwh() == 0.16 and "(EIA, 2023: $0.16 per kWh)" in notebook_text()


def test_review_should2_shared_memory_slider_follows_the_gpu():
    assert G.max_shared_kb(G.gpu("H100 SXM")) == 228 and G.max_shared_kb(G.gpu("GeForce RTX 4090")) == 100
    assert G.tile_shared_kb(128) == 2 * 2 * 128 * 128 * 2 / 1024 == 128  # two buffers of an A and a B tile, fp16
    ex = E.hierarchy_explorer()
    assert ex.controls["shared_kb"].value == 228 and "fits in 228 KB" in ex.info.value
    ex.controls["gpu"].value = "GeForce RTX 4090"  # "it has 100 KB, and the 128×128 tile ... no longer fits"
    assert ex.controls["shared_kb"].value == 100 and "does <b>not</b> fit (128 KB" in ex.info.value
    with pytest.raises(ValueError, match="no shared-memory figure"):
        G.max_shared_kb(G.gpu("GeForce GTX 1080 Ti"))
