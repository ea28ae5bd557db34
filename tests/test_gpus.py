"""helpers.gpus: roofline, costs, memory, value, recommender; worked examples from notebook 03."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import gpus as G

RTX4090, H100 = G.gpu("GeForce RTX 4090"), G.gpu("H100 SXM")


def test_worked_examples():
    assert G.ridge_point(RTX4090) == pytest.approx(164, abs=1)  # fp32-accumulate peak
    assert G.ridge_point(H100) == pytest.approx(295, abs=1)
    cost = G.matmul_cost(4096, 4096, 4096)
    assert G.intensity(cost) == pytest.approx(1365.3, abs=0.1)
    assert G.op_time_s(H100, *cost) == pytest.approx(0.139e-3, rel=0.01)
    assert G.llm_tokens_per_s(RTX4090, 7e9) == pytest.approx(72)
    assert G.llm_tokens_per_s(G.gpu("GeForce RTX 5090"), 13e9, "int8") == pytest.approx(137.8, abs=0.1)
    assert G.training_memory_gb(7e9) == pytest.approx(112)
    assert G.training_memory_gb(3e9) == pytest.approx(48)
    assert G.inference_memory_gb(70e9, "int4", overhead=0) == pytest.approx(35)
    assert not G.fits(G.gpu("GeForce RTX 5090"), 35) and G.fits(H100, 35)


@given(st.floats(1e-2, 1e5))
def test_roofline_is_the_lower_of_two_roofs(x):
    y = G.roofline(H100, x)
    assert y <= H100.peak_flops("fp16") * (1 + 1e-12)
    assert y <= x * H100.bandwidth_gbs * 1e9 * (1 + 1e-12)
    assert y == pytest.approx(min(H100.peak_flops("fp16"), x * H100.bandwidth_gbs * 1e9))


@given(st.floats(0, 1e15), st.floats(0, 1e12))
def test_op_time_is_at_least_each_bound(flops, n_bytes):
    t = G.op_time_s(RTX4090, flops, n_bytes)
    assert t >= flops / RTX4090.peak_flops("fp16") * (1 - 1e-12)
    assert t >= n_bytes / (RTX4090.bandwidth_gbs * 1e9) * (1 - 1e-12)


@given(st.integers(1, 4096))
def test_decode_intensity_grows_with_batch(batch):
    assert G.intensity(G.llm_decode_cost(7e9, batch)) == pytest.approx(batch)


def test_elementwise_add_is_memory_bound_everywhere():
    x = G.intensity(G.elementwise_add_cost(1e6))
    assert all(x < G.ridge_point(g, "fp16") for g in G.all_gpus() if g.fp16_tflops)


def test_every_gpu_row_is_plausible():
    gpus = G.all_gpus()
    assert len(gpus) >= 25
    assert {"NVIDIA", "AMD", "Google"} <= {g.vendor for g in gpus}
    for g in gpus:
        assert g.memory_gb > 0 and g.bandwidth_gbs > 0
        if g.fp16_tflops and g.fp32_tflops:
            assert g.fp16_tflops >= g.fp32_tflops * 0.9  # tensor throughput is not below the vector rate


def test_value_metrics():
    assert G.perf_per_dollar(RTX4090) == pytest.approx(165.2 / 1599)
    assert G.perf_per_dollar(RTX4090, "bandwidth GB/s", price_usd=1000) == pytest.approx(1.008)
    assert G.perf_per_watt(RTX4090, "memory GB") == pytest.approx(24 / 450)
    with pytest.raises(ValueError, match="no list price"):
        G.perf_per_dollar(H100)


def test_recommend_respects_budget_memory_and_ranks():
    ranked = G.recommend(3000, 40, "LLM inference (bandwidth-bound)", max_gpus=4)
    assert ranked
    for r in ranked:
        assert r.cost_usd <= 3000 and r.count * r.gpu.memory_gb >= 40 and r.count <= 4
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True)
    assert G.recommend(100, 40) == []


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: G.gpu("Voodoo 2"), "no GPU"),
        (lambda: RTX4090.peak_flops("fp64"), "precision"),
        (lambda: G.gpu("Tesla K40").peak_flops("fp16"), "no published fp16"),
        (lambda: G.roofline(H100, -1), "intensity"),
        (lambda: G.roofline(H100, np.nan), "intensity"),
        (lambda: G.op_time_s(H100, -1, 1), "flops must be a number >= 0"),
        (lambda: G.matmul_cost(0, 1, 1), "m must be"),
        (lambda: G.matmul_cost(1, 1, 1, dtype="fp7"), "dtype"),
        (lambda: G.training_memory_gb(1e9, "lion"), "optimizer"),
        (lambda: G.training_memory_gb(1e9, activations_gb=-1), "activations_gb"),
        (lambda: G.inference_memory_gb(0), "params"),
        (lambda: G.gpus_needed(H100, -5), "memory_gb"),
        (lambda: G.metric_value(H100, "vibes"), "metric"),
        (lambda: G.perf_per_dollar(RTX4090, price_usd=0), "price_usd"),
        (lambda: G.recommend(-1, 10), "budget_usd"),
        (lambda: G.recommend(1000, 0), "memory_needed_gb"),
        (lambda: G.recommend(1000, 10, "mining"), "workload"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_conv2d_cost_counts_flops_and_bytes_by_hand():
    # 3x3 conv, 64 -> 64 channels, 56x56 output, batch 32, fp16: 2 FLOP per multiply-add
    flops, n_bytes = G.conv2d_cost(32, 64, 64, 3, 56, "fp16")
    assert flops == 2 * 32 * 56 * 56 * 64 * 64 * 9 == 7_398_752_256
    assert n_bytes == 2 * (32 * 56 * 56 * 64 + 64 * 64 * 9 + 32 * 56 * 56 * 64)


def test_one_table_for_bytes_and_adam_states():
    from helpers import cluster, modelparallel

    assert cluster.GRADIENT_BYTES == {"fp32": 4, "fp16": 2, "bf16": 2}
    assert G.TRAINING_BYTES_PER_PARAM["adam-mixed"] == 16  # ZeRO paper: 2 + 2 + 12 bytes per parameter
    assert modelparallel.MODEL_STATE_BYTES is G.ADAM_MIXED_BYTES
