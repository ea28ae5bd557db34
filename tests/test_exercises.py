"""'Check yourself' answers stored in the notebooks are recomputed with the helpers."""

import json
import re

import pytest
from conftest import ROOT

from helpers import convolution as C


def exercise_answers(notebook: str) -> dict[int, str]:
    """Answer text (inside <details>) of every markdown cell tagged exercise-N."""
    nb = json.loads((ROOT / "notebooks" / notebook).read_text())
    answers = {}
    for cell in nb["cells"]:
        for tag in cell.get("metadata", {}).get("tags", []):
            if tag.startswith("exercise-"):
                text = "".join(cell["source"])
                details = re.search(r"<details>(.*)</details>", text, re.S)
                assert details, f"{notebook} {tag}: the answer must be hidden in <details>"
                answers[int(tag.split("-")[1])] = details.group(1)
    return answers


def bold_numbers(text: str) -> list[str]:
    return re.findall(r"\*\*([^*]+)\*\*", text)


def vgg_fc_share() -> float:
    layers = C.network_cost("vgg16").layers
    return sum(layer.params for layer in layers if layer.kind == "fc") / sum(layer.params for layer in layers)


NOTEBOOK_01 = {
    1: lambda: [str(C.output_size(64, 5, 2, 2))],
    2: lambda: [f"{2 * C.conv_layer_cost(64, 64, 3, 1, 1, bias=False)[1]:,}",
                f"{C.conv_layer_cost(64, 64, 5, 1, 1, bias=False)[1]:,}",
                str(C.receptive_field([(3, 1), (3, 1)]))],
    3: lambda: [str([int(v) for v in C.conv2d(C.conv2d([[1, 1]], [[1, 1]], "full"), [[1, 1]], "full")[0]])],
    4: lambda: [f"{C.circular_convolution([1, 2, 3, 4], [1, 1, 0, 0])[0]:g}"],
    5: lambda: [str(C.output_size(224, 7, 3, 2)),
                f"{C.conv_layer_cost(3, 64, 7, 112, 112)[0]:,}",
                f"{C.conv_layer_cost(3, 64, 7, 112, 112)[1]:,}"],
    6: lambda: [f"{vgg_fc_share():.1%}"],
}


def test_notebook_01_has_at_least_four_exercises():
    assert len(exercise_answers("01_convolution.ipynb")) >= 4


@pytest.mark.parametrize("number", sorted(NOTEBOOK_01))
def test_notebook_01_answers(number):
    answer = exercise_answers("01_convolution.ipynb")[number]
    assert bold_numbers(answer) == NOTEBOOK_01[number]()


def notebook_02_answers():
    from helpers import brain as B
    from helpers import gpus as G
    from helpers import trends as T

    years, rank1 = B.top500_series("rank1_rmax_tflops")
    fit = T.fit_exponential(years, rank1 * 1e12, 2013, 2025.99)
    fit_all = T.fit_exponential(years, rank1 * 1e12, 1993, 2025.99)
    latest_year, latest = B.latest_point()
    dettmers = {r.key: r for r in B.published_estimates()}["dettmers2015"].flops
    carlsmith = {r.key: r for r in B.published_estimates()}["carlsmith2020"].flops
    hpl_nov_2025 = B.top500_series("rank1_rmax_tflops", months=(11,))[1][-1] * 1e12
    best_gpu = max(g.peak_flops("fp16") / g.tdp_w for g in G.all_gpus()
                   if g.tdp_w is not None and g.fp16_tflops is not None)
    chain = dict(neurons=8.6e10, synapses_per_neuron=7000, rate_hz=1, ops_per_event=2)
    return {
        1: [f"{B.brain_flops(chain):.1e}".replace("e+", "e")],
        2: [f"{T.crossing_year(1, 0, 1000, 1.39):.0f}"],
        3: [f"{B.fact('el_capitan_hpcg_pflops') * 1e15 / hpl_nov_2025:.2%}"],
        4: [f"{B.year_reached_from(dettmers, fit, latest * 1e12, latest_year):.0f}",
            f"{T.year_reached(dettmers, fit):.0f}",
            f"{B.year_reached_from(dettmers, fit_all, latest * 1e12, latest_year):.0f}",
            f"{T.year_reached(dettmers, fit_all):.0f}"],
        5: [f"{carlsmith / B.fact('brain_power_w') / best_gpu:.0f}"],
    }


@pytest.mark.parametrize("number", range(1, 6))
def test_notebook_02_answers(number):
    answer = exercise_answers("02_brain_vs_deep_learning.ipynb")[number]
    assert bold_numbers(answer) == notebook_02_answers()[number]


def notebook_03_answers():
    from helpers import gpus as G

    rtx4090, rtx5090, h100 = G.gpu("GeForce RTX 4090"), G.gpu("GeForce RTX 5090"), G.gpu("H100 SXM")
    return {
        1: [f"{G.intensity(G.matmul_cost(1024, 1024, 1024)):.0f}", f"{G.ridge_point(rtx4090):.0f}"],
        2: [f"{G.llm_tokens_per_s(rtx5090, 13e9, 'int8'):.0f}"],
        3: [f"{G.training_memory_gb(3e9):.0f}"],
        4: [f"{G.gpus_needed(h100, G.training_memory_gb(70e9))}"],
        5: [f"{G.perf_per_dollar(rtx4090):.3f}", f"{G.perf_per_dollar(rtx5090):.3f}"],
    }


@pytest.mark.parametrize("number", range(1, 6))
def test_notebook_03_answers(number):
    answer = exercise_answers("03_which_gpu.ipynb")[number]
    assert bold_numbers(answer) == notebook_03_answers()[number]


def notebook_04_answers():
    from helpers import build as B

    return {
        1: [f"{B.pcie_transfer_time_s(B.batch_bytes(64, 3, 224, 224, 2), '4.0', 8) * 1e3:.2f}"],
        2: [f"{B.psu_watts([575, 575], 170, 60, margin=0.1):,.0f}",
            f"{B.wall_watts(575 * 2 + 170 + 60, 1600, 'Gold'):,.0f}",
            f"{B.circuit_limit_w('US'):,.0f}"],
        3: [f"{B.electricity_cost(700, 24, 0.6, 0.25):.0f}"],
        4: [f"{B.cores_needed(2000, 250)}"],
        5: [f"{B.breakeven_hours(2500, 500, 0.15, 0.70):,.0f}"],
    }


@pytest.mark.parametrize("number", range(1, 6))
def test_notebook_04_answers(number):
    answer = exercise_answers("04_hardware_guide.ipynb")[number]
    assert bold_numbers(answer) == notebook_04_answers()[number]


def notebook_07_answers():
    from helpers import modelparallel as M

    m_needed = next(m for m in range(1, 1000) if M.bubble_fraction(8, m) <= 0.1)
    shape = M.model_shape("Llama 2 70B")
    return {
        1: [f"{M.dp_bytes_per_step(1000, 1000, 4) / 1e6:.1f}",
            f"{sum(M.mp_bytes_per_step(1000, 1000, 128, 4).values()) / 1e6:.3f}"],
        2: [f"{M.crossover_batch(4096, 1024):.1f}"],
        3: [f"{m_needed}"],
        4: [f"{sum(M.model_state_gb(13e9).values()):.0f}",
            f"{sum(M.model_state_gb(13e9, 32, zero_stage=3).values()):.1f}"],
        5: [f"{sum(M.model_state_gb(shape.params, 16, 2, 2, 1).values()):.1f}"],
    }


@pytest.mark.parametrize("number", range(1, 6))
def test_notebook_07_answers(number):
    answer = exercise_answers("07_model_parallelism.ipynb")[number]
    assert bold_numbers(answer) == notebook_07_answers()[number]


def notebook_06_answers():
    from helpers import cluster
    from helpers import parallel as P
    from helpers.convolution import conv_layer_cost

    link = cluster.custom_link("50 GB/s", 50, 0)
    params = cluster.parameter_count("resnet50")
    # exercise 2: a 50 ms all-reduce on 64 GPUs, made of latency alone: 2 (p - 1) steps of 50 ms / 126 each
    latency_only = cluster.custom_link("latency only", 1e9, 0.05 / (2 * 63) * 1e6)
    weak = cluster.data_parallel_speedup(64, 0.2, 0, latency_only)
    # exercise 3: a fully connected layer is a 1 x 1 convolution on a 1 x 1 map
    fc_weights = conv_layer_cost(4096, 4096, 1, 1, 1, bias=False)[1]
    conv_weights = conv_layer_cost(256, 256, 3, 1, 1, bias=False)[1]
    return {
        1: [f"{float(cluster.allreduce_time_s(1e9, 16, link)) * 1e3:.1f}"],
        2: [f"{weak / 64:.1f}", f"{weak:.1f}"],
        3: [f"{fc_weights / conv_weights:.1f}"],
        4: [f"{P.amdahl(1e15, 0.99):.0f}", f"{P.gustafson(1024, 0.99):.2f}"],
        5: [f"{params * 4 / 1e6:.1f}", f"{params / 1e6:.1f}"],
    }


@pytest.mark.parametrize("number", range(1, 6))
def test_notebook_06_answers(number):
    answer = exercise_answers("06_data_parallelism.ipynb")[number]
    assert bold_numbers(answer) == notebook_06_answers()[number]
