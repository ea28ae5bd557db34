"""Notebook 03 'Check yourself', second edition (exercises 6-12; 1-5 are checked in test_exercises.py): every bold
answer is recomputed with the helpers."""

import json
import re

import pytest
from test_exercises import bold_numbers, exercise_answers

from helpers import build as B
from helpers import gpus as G
from helpers.data import load_table

NOTEBOOK = "03_which_gpu.ipynb"
TRAIN = "training (compute-bound)"


def answers() -> dict[int, list[str]]:
    rtx5080, rtx5090, rtx3090 = G.gpu("GeForce RTX 5080"), G.gpu("GeForce RTX 5090"), G.gpu("GeForce RTX 3090")
    a100, v100 = G.gpu("A100 40GB SXM"), G.gpu("Tesla V100 SXM2 16GB")
    rtx4090 = G.gpu("GeForce RTX 4090")
    ffma, tc = G.tile_matmul_cycles(False), G.tile_matmul_cycles(True)
    transformer = next(r for r in G.predictor_check("bandwidth") if "Transformer" in r["workload"])
    transformer_fl = next(r for r in G.predictor_check("fp16 TFLOPS") if "Transformer" in r["workload"])
    txl = next(r for r in G.predictor_check("bandwidth") if r["workload"].startswith("Transformer-XL"))
    txl_fl = next(r for r in G.predictor_check("fp16 TFLOPS") if r["workload"].startswith("Transformer-XL"))
    split = G.setup_options(rtx5080, 2, 24, TRAIN)  # best first: pipeline, FSDP, naive layer split
    assert [how.split()[0] for _, how in split] == ["pipeline", "fully", "naive"]
    model_gb = G.inference_memory_gb(70e9, "int4", overhead=0)
    p3090, p5090 = G.offer_price(rtx3090)[0], G.offer_price(rtx5090)[0]
    cloud = min(r.value for r in load_table("gpu_price_notes")
                if r.name == rtx4090.name and r.kind == "cloud_usd_per_gpu_hour")
    sparse_fp16acc = next(r.value for r in load_table("gpu_disagreements")
                          if r.name == rtx5090.name and r.source_short == "linuxformat-sparse")
    assert sparse_fp16acc / 4 == rtx5090.fp16_tflops  # the table's dense FP32-accumulate figure
    hours = B.breakeven_hours(G.offer_price(rtx4090)[0], 550, G.us_price_per_kwh(), cloud)
    return {
        6: [f"{split[2][0]:.1f}", f"{split[0][0]:.1f}", f"{split[1][0]:.1f}",
            f"{G.setup_score(rtx5090, 1, 24, TRAIN)[0]:.1f}", f"{G.setup_score(rtx5080, 2, 12, TRAIN)[0]:.1f}"],
        7: [f"{sum(ffma.values()) - sum(tc.values()):.0f}", f"{tc['global memory'] / sum(tc.values()) * 100:.0f}"],
        8: [f"{G.predicted_speedup(a100, v100):.2f}", f"{transformer['error_percent']:.0f}",
            f"{G.predicted_speedup(a100, v100, 'fp16 TFLOPS'):.2f}", f"{transformer_fl['error_percent']:.0f}",
            f"{G.predicted_speedup(rtx4090, rtx3090):.2f}", f"{abs(txl['error_percent']):.0f}",
            f"{G.predicted_speedup(rtx4090, rtx3090, 'fp16 TFLOPS'):.2f}", f"{abs(txl_fl['error_percent']):.0f}"],
        9: [f"{273 / model_gb:.1f}", f"{819 / model_gb:.1f}"],
        10: [f"{G.perf_per_dollar(rtx3090, 'fp16 TFLOPS', p3090):.3f}",
             f"{G.perf_per_dollar(rtx5090, 'fp16 TFLOPS', p5090):.3f}",
             f"{G.perf_per_total_dollar(rtx3090, 'fp16 TFLOPS', p3090):.3f}",
             f"{G.perf_per_total_dollar(rtx5090, 'fp16 TFLOPS', p5090):.3f}"],
        11: [f"{hours:,.0f}", f"{hours / (8760 * 0.15):.1f}", f"{hours / (8760 * 0.60):.1f}"],
        12: [f"{sparse_fp16acc / 4:g}"],
        13: [f"{B.psu_watts([450] * 4, 200, 50, margin=0.1):,.0f}", f"{B.circuit_limit_w('US'):,.0f}",
             f"{B.psu_watts([300] * 4, 200, 50, margin=0.1):,.0f}"],
        14: [f"{B.pcie_transfer_time_s(2e9, '4.0', 16) * 1e3:.0f}",
             f"{2 * B.pcie_transfer_time_s(2e9, '4.0', 16) * 1e3:.0f}"],
        15: [f"{G.card_facts(rtx5090).slot_width}", f"{4 * G.card_facts(rtx5090).slot_width}"],
    }


@pytest.mark.parametrize("number", range(6, 16))
def test_notebook_03_second_edition_answers(number):
    assert bold_numbers(exercise_answers(NOTEBOOK)[number]) == answers()[number]


def test_reasoning_answers_hold():
    """The claims the reasoning exercises make in words: 6 (one card beats two that take turns; with a model that
    fits, two RTX 5080s match one RTX 5090), 8 (bandwidth beats TFLOPS on A100/V100,
    not on the RTX 4090/3090 Transformer-XL), 10 (electricity flips the
    order)."""
    a = answers()
    assert float(a[6][0]) < float(a[6][2]) < float(a[6][1]) < float(a[6][3])  # naive < FSDP < pipeline < one 5090
    assert float(a[6][4]) < float(a[6][3])  # 12 GB: two RTX 5080s data parallel, less than one RTX 5090
    errors = [(r["pair"], r["workload"], abs(r["error_percent"]), abs(f["error_percent"]))
              for r, f in zip(G.predictor_check("bandwidth"), G.predictor_check("fp16 TFLOPS"))]
    assert all(b < f for pair, w, b, f in errors if pair.startswith("A100"))
    assert any(b > f for pair, w, b, f in errors if w.startswith("Transformer-XL"))  # "the verdict changes"
    assert float(a[10][0]) > float(a[10][1]) and float(a[10][2]) < float(a[10][3])
    assert G.card_facts(G.gpu("GeForce RTX 5080")).multi_gpu_link == "pcie_host"  # why 0.7 per added card


def test_at_least_two_reasoning_problems():
    from conftest import ROOT
    cells = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())["cells"]
    questions = ["".join(c["source"]).split("<details>")[0] for c in cells
                 if any(t.startswith("exercise-") for t in c.get("metadata", {}).get("tags", []))]
    assert len(questions) >= 10
    assert sum(bool(re.search(r"\b(why|what would change|which)\b", q, re.I)) for q in questions) >= 3
