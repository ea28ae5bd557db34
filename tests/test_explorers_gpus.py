"""Notebook 03 explorers driven headlessly."""

import numpy as np
import pytest

from helpers import gpus as G
from helpers.explorers import gpus as E


def test_roofline_lines_follow_selection_and_precision():
    ex = E.roofline_explorer()
    ex.controls["gpus"].value = ("H100 SXM", "GeForce RTX 3090")
    ex.controls["precision"].value = "fp32"
    x, y = ex.artists["lines"][1].get_data()
    np.testing.assert_allclose(y, G.roofline(G.gpu("GeForce RTX 3090"), x, "fp32"))
    assert not ex.artists["lines"][2].get_visible()
    ex.controls["batch"].value = 256
    offsets = ex.artists["markers"].get_offsets()
    decode = G.intensity(G.llm_decode_cost(7e9, 256, "fp32"))  # fp32 operands: 4 bytes per weight
    assert decode in offsets[:, 0]
    assert "compute-bound" in ex.info.value or "memory-bound" in ex.info.value


def test_roofline_needs_a_gpu_and_a_precision_it_has():
    ex = E.roofline_explorer()
    ex.controls["gpus"].value = ()
    assert isinstance(ex.error, ValueError) and "at least one GPU" in ex.message.value
    ex.controls["gpus"].value = ("Tesla K40",)
    ex.controls["precision"].value = "fp16"
    assert isinstance(ex.error, ValueError) and "no published fp16" in ex.message.value
    ex.controls["precision"].value = "fp32"
    assert ex.error is None


def test_value_explorer_points_are_the_ratios():
    ex = E.value_explorer()
    ex.controls["basis"].value = E.PRICE_BASES[1]  # launch prices (the first edition's only basis)
    ex.controls["budget"].value = "1000"
    ex.controls["metric"].value = "bandwidth GB/s"
    pts = np.concatenate([ex.artists["points"].get_offsets(), ex.artists["flagged"].get_offsets()])
    chosen = [g for g in G.all_gpus() if g.price_usd and g.price_usd <= 1000 and g.tdp_w
              and g.year >= 2016]
    assert len(pts) >= 3
    for g in chosen:
        assert [G.perf_per_watt(g, "bandwidth GB/s"), G.perf_per_dollar(g, "bandwidth GB/s")] in pts.tolist()


@pytest.mark.parametrize("bad, word", [("abc", "number"), ("-5", "at least"), ("", "number"), ("10", "no GPU")])
def test_value_explorer_bad_budget(bad, word):
    ex = E.value_explorer()
    ex.controls["budget"].value = bad
    assert isinstance(ex.error, ValueError) and word in ex.message.value


def test_fit_explorer_line_is_the_memory_needed():
    ex = E.fit_explorer()
    ex.controls["params"].value = "70"
    ex.controls["dtype"].value = "int4"
    assert ex.artists["need"].get_xdata()[0] == pytest.approx(G.inference_memory_gb(70e9, "int4"))
    ex.controls["mode"].value = "adam-mixed"
    ex.controls["activations"].value = 10
    assert ex.artists["need"].get_xdata()[0] == pytest.approx(G.training_memory_gb(70e9, "adam-mixed", 10))
    ex.controls["params"].value = "lots"
    assert isinstance(ex.error, ValueError) and "parameters" in ex.message.value


def test_recommend_explorer_bars_are_the_ranking():
    ex = E.recommend_explorer()
    ex.controls["budget"].value = "5000"
    ex.controls["memory"].value = "48"
    ranked = G.recommend(5000, 48, ex.controls["workload"].value, ex.controls["max_gpus"].value)[:5]
    assert [b.get_width() for b in ex.artists["bars"]][: len(ranked)] == [r.score for r in ranked]
    ex.controls["budget"].value = "50"
    assert isinstance(ex.error, ValueError) and "raise the budget" in ex.message.value
    ex.controls["memory"].value = "-1"
    assert isinstance(ex.error, ValueError)
