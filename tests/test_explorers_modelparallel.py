"""Notebook 07 explorers driven headlessly."""

import numpy as np
import pytest

from helpers import cluster as CL
from helpers import gpus as G
from helpers import modelparallel as M
from helpers.explorers import modelparallel as E


def test_dp_vs_mp_bars_and_presets():
    ex = E.dp_vs_mp_explorer()
    ex.controls["preset"].value = "the article's 1000 x 1000"
    ex.controls["batch"].value = 128
    ex.controls["p"].value = 4
    heights = [b.get_height() for b in ex.artists["bars"]]
    assert heights == pytest.approx([6.0, 0.768])
    assert ex.artists["crossover"].get_xdata()[0] == pytest.approx(1000)
    ex.controls["bytes"].value = 1
    assert ex.artists["bars"][0].get_height() == pytest.approx(1.5)
    assert "Model parallelism sends less" in ex.info.value


@pytest.mark.parametrize("name, bad, word", [("d_in", 0, "d_in"), ("d_out", -5, "d_out"),
                                             ("d_in", 10**7, "refused")])
def test_dp_vs_mp_bad_sizes(name, bad, word):
    ex = E.dp_vs_mp_explorer()
    ex.controls[name].value = bad
    assert isinstance(ex.error, ValueError) and word in ex.message.value


def test_pipeline_gantt_is_the_simulation():
    ex = E.pipeline_explorer()
    ex.controls["stages"].value = 6
    ex.controls["microbatches"].value = 12
    ex.controls["schedule"].value = "gpipe"
    run = M.simulate_pipeline(6, 12, "gpipe")
    np.testing.assert_array_equal(ex.artists["image"].get_array(), run.grid())
    assert f"{M.bubble_fraction(6, 12):.1%}" in ex.info.value and "12 micro-batches" in ex.info.value


def test_memory_explorer_bars_are_the_model_states():
    ex = E.memory_explorer()
    ex.controls["zero"].value = 3
    ex.controls["tp"].value = 2
    ex.controls["pp"].value = 2
    shape = M.model_shape("Llama 2 70B")
    states = M.model_state_gb(shape.params, 16, 2, 2, 3)
    widths = [b.get_width() for b in ex.artists["bars"]]
    assert widths[:3] == pytest.approx(list(states.values()))
    assert "Fastest layout" in ex.info.value or "No layout" in ex.info.value
    ex.controls["pp"].value = 32
    ex.controls["tp"].value = 8
    assert isinstance(ex.error, ValueError) and "must divide" in ex.message.value
    ex.controls["model"].value = "GPT-2 XL (1.5B)"
    ex.controls["n_gpus"].value = 1024
    assert ex.error is None or "layers" in ex.message.value


def test_presets_use_the_models_own_mlp_widths():
    presets = E.layer_presets()
    llama = [v for k, v in presets.items() if k.startswith("Llama 2 70B")]
    assert llama == [(8192, 28672)]  # SwiGLU width from llm_shapes.csv, not 4 x 8192


def test_memory_explorer_names_the_ties_and_sequence_parallel_shrinks_activations():
    ex = E.memory_explorer()
    assert "within 5% of each other (a tie)" in ex.info.value and "assumes" in ex.info.value
    ex.controls["recompute"].value = "selective"
    with_sp = ex.artists["bars"][3].get_width()
    ex.controls["sp"].value = False
    without = ex.artists["bars"][3].get_width()
    assert without / with_sp == pytest.approx((10 + 24 / 4) / (34 / 4))  # default tp 4


def test_hybrid_explorer_default_says_the_hybrid_wins_and_resnet_does_not_need_it():
    ex = E.hybrid_explorer()
    r = M.hybrid_bytes("alexnet", 128, 8)
    assert [b.get_height() for b in ex.artists["bars"]] == pytest.approx([r[k] / 1e6 for k in M.HYBRID_SCHEMES])
    assert "<b>Hybrid sends least</b>" in ex.info.value and "92% of the compute, 4% of the parameters" in ex.info.value
    ex.controls["network"].value = "resnet50"
    heights = [b.get_height() for b in ex.artists["bars"]]
    assert heights[2] == pytest.approx(heights[0], rel=0.1) and heights[1] > 10 * heights[0]


def test_memory_explorer_zero3_saves_memory_but_costs_time():
    ex = E.memory_explorer()  # the prose: raise ZeRO to 3, memory falls and your layout's step time goes up
    import re

    def step():
        return float(re.search(r"Your layout dp 4 × tp 4 × pp 4</b> \(\w+ recomputation\): <b>([\d.,]+) s</b>",
                               ex.info.value).group(1).replace(",", ""))

    first = step()
    total = sum(b.get_width() for b in ex.artists["bars"])
    ex.controls["zero"].value = 3
    assert sum(b.get_width() for b in ex.artists["bars"]) < total
    assert step() > first and "ZeRO-3 all-gathers" in ex.info.value.split("Fastest")[0]


def test_memory_explorer_info_line_gives_the_chosen_layouts_time_and_parts():
    # review 07 item 4: the learner's own tp / pp, not only the planner's fastest
    h100 = G.gpu("H100 SXM")
    shape = M.model_shape("Llama 2 70B")
    ex = E.memory_explorer()
    for zero, mode in ((1, "selective"), (0, "full"), (3, "selective")):
        ex.controls["zero"].value = zero
        plans = M.plan(shape, 64, 80, h100.peak_flops("fp16"), M.intra_node_link(h100), CL.link("InfiniBand NDR 4x"),
                       zero_stage=zero)
        mine = next(p for p in plans if (p.dp, p.tp, p.pp) == (4, 4, 4))
        yours = ex.info.value.split("Fastest")[0]
        assert f"Your layout dp 4 × tp 4 × pp 4</b> ({mode} recomputation): <b>{mine.step_s:,.1f} s</b>" in yours
        states = sum(M.model_state_gb(shape.params, 4, 4, 4, zero).values())
        acts = M.activation_gb(shape.seq, 1, shape.hidden, shape.layers, 4, 4, mode == "full", sequence_parallel=True)
        assert sum(b.get_width() for b in ex.artists["bars"]) == pytest.approx(states + acts)
        third = f"recomputation {6 * shape.params * 512 * shape.seq / (64 * h100.peak_flops('fp16') * 0.5) / 3:,.1f} s"
        assert (third in yours) == (mode == "full")  # a third of the compute, only when recomputing fully


def test_pipeline_explorer_interleaved_matches_its_formula():
    ex = E.pipeline_explorer()
    ex.controls["schedule"].value = "interleaved"
    run = M.simulate_interleaved(4, 8, 2)
    np.testing.assert_array_equal(ex.artists["image"].get_array(), run.grid())
    assert f"{M.bubble_fraction(4, 8, 2):.1%}" in ex.info.value and run.bubble < M.bubble_fraction(4, 8)
    ex.controls["microbatches"].value = 6
    assert isinstance(ex.error, ValueError) and "multiple of stages" in ex.message.value


def test_pipeline_explorer_zero_bubble_shows_weight_gradients_and_its_memory_price():
    ex = E.pipeline_explorer()
    ex.controls["schedule"].value = "zero bubble"
    run = M.simulate_zero_bubble(4, 8)
    np.testing.assert_array_equal(ex.artists["image"].get_array(), run.grid())
    assert "Simulated bubble 11.1% = (p−1)/(3m+p−1) = 11.1%" in ex.info.value  # vs 27.3% for 1F1B
    assert run.peak_activations[0] > M.simulate_pipeline(4, 8).peak_activations[0]
    ex.controls["microbatches"].value = 2  # m < p: the formula does not hold and the line says so
    assert "holds only for m ≥ p" in ex.info.value


def test_hybrid_explorer_8_bit_quarters_every_bar():
    ex = E.hybrid_explorer()
    fp32 = [b.get_height() for b in ex.artists["bars"]]
    ex.controls["bytes"].value = 1
    assert [b.get_height() for b in ex.artists["bars"]] == pytest.approx([h / 4 for h in fp32])


def test_dp_vs_mp_slider_reaches_every_presets_crossover_and_says_rows_are_tokens():
    # review 07 item 6: Llama 2 70B's MLP crosses over at 2*8192*28672/(8192+28672) = 12,743 rows
    ex = E.dp_vs_mp_explorer()
    top = 2 ** ex.controls["batch"].max
    for d_in, d_out in E.layer_presets().values():
        assert 2 * d_in * d_out / (d_in + d_out) < top
    assert "tokens" in ex.controls["batch"].description
    ex.controls["preset"].value = next(k for k in E.layer_presets() if k.startswith("Llama 2 70B"))
    assert "wins below 12,743 rows" in ex.info.value and "4096-token sequence" in ex.info.value


def test_zero_bubble_memory_price_belongs_to_the_greedy_order():
    # review 07 item 5: ZB-H1 keeps 1F1B's memory; the extra activations come from this simulator's greedy order
    ex = E.pipeline_explorer()
    ex.controls["schedule"].value = "zero bubble"
    assert "greedy order" in ex.info.value and "ZB-H1 keeps 1F1B's memory" in ex.info.value


def test_memory_explorer_nvl72_keeps_pipeline_traffic_on_nvlink():
    # review 07 item 10: a 72-GPU NVLink domain (GB200 NVL72) as a planner option
    ex = E.memory_explorer()
    assert "stage links InfiniBand" in ex.info.value or "gradients over InfiniBand" in ex.info.value
    ex.controls["node"].value = 72
    assert ex.error is None and "InfiniBand" not in ex.info.value  # 64 GPUs fit in one NVLink domain
