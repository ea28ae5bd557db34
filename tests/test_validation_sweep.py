"""Every public function of the pure helper modules refuses impossible arguments with a ValueError naming them.

``SWEEP`` lists, per module, every public function: arguments that work (called once, to prove the baseline is
valid) and, per argument, a hypothesis strategy of impossible values (negative, zero, NaN, infinite, wrong
types, wrong shapes) with the words the error message must contain to name that argument for a learner (the
argument's own name by default). Explorers show a ``ValueError``'s message and treat anything else as a bug,
so a helper must never answer bad input with a ``TypeError``, ``ZeroDivisionError`` or a NaN result.

A new public function fails ``test_sweep_lists_every_public_function`` until it has a row here; a new pure
helper module (committed under ``helpers/``) fails ``test_every_pure_helper_module_is_swept``.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import brain as B
from helpers import build as BU
from helpers import convolution as C
from helpers import gpus as G
from helpers import machine as M
from helpers import measure as ME
from helpers import modelparallel as MP
from helpers import parallel as PA
from helpers import trends as T

# display layers, and the tables and argument checks that have tests of their own
NOT_PURE = {"__init__", "widgets", "plotting", "liveplot", "notebook", "data", "checks",
            "mpirun"}  # the process launcher: its arguments and failures are tested in tests/test_mpirun.py

# ---- impossible values, by what the argument should be ----------------------------------------------------

NOT_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
WRONG_TYPE = st.sampled_from([None, "3", "abc", [1, 2], {"a": 1}, object()])


def whole(minimum: int = 1, maximum: int | None = None):
    """Whole numbers from ``minimum`` (to ``maximum``): below, above, fractional, non-finite, wrong type."""
    bad = st.integers(max_value=minimum - 1) | st.sampled_from([minimum + 0.5, -0.5]) | NOT_FINITE | WRONG_TYPE
    return bad | st.integers(min_value=maximum + 1, max_value=maximum * 100) if maximum else bad


def real(low: float, high: float | None = None, low_open: bool = True):
    """A finite number above ``low`` (or from it, if not ``low_open``) up to ``high``."""
    bad = st.floats(max_value=low, exclude_max=not low_open) | NOT_FINITE | WRONG_TYPE.filter(lambda v: v != "3")
    return bad | st.floats(min_value=high, exclude_min=True, allow_infinity=False) if high is not None else bad


def one_of_words(*valid: str):
    """A choice among fixed words: anything else, including other types and other cases."""
    others = st.text(max_size=8) | st.sampled_from([None, 3, 2.5, valid[0].upper() + "!"])
    return others.filter(lambda v: v not in valid)


ARRAY_2D = st.sampled_from([[], [[]], [1.0, 2.0, 3.0], [[[1.0]]], [[1.0, math.nan]], [[math.inf, 0.0]],
                            [[1.0, 2.0], [3.0]], "abc", None, [["a", "b"]], 3.0])
ARRAY_1D = st.sampled_from([[], [[1.0, 2.0], [3.0, 4.0]], [1.0, math.nan], [math.inf, 1.0], [1.0, [2.0]], "abc",
                            None, ["a", "b"], 3.0])
SHAPE_2D = st.sampled_from([(0, 3), (3, 0), (-1, 3), (3,), (1, 2, 3), None, "ab", (1.5, 2), (math.nan, 2), 4])
SEED = st.integers(max_value=-1) | st.sampled_from([1.5, math.nan, "x", "0"])
WINDOW = "fit window"  # messages about start or end name the window they bound
FIT = T.fit_exponential([2000, 2001, 2002, 2003], [1.0, 2.0, 4.0, 8.0])
NOT_A_FIT = st.sampled_from([None, "abc", 3.0, {"slope": 1.0}])
YEARS = [2000.0, 2001.0, 2002.0, 2003.0, 2004.0, 2005.0]
VALUES = [1.0, 2.0, 4.0, 8.0, 16.0, 64.0]
RANGES = {f: (1.0, 10.0) for f in B.FACTORS}
POSITIVE_SERIES = ARRAY_1D | st.sampled_from([[1.0, -2.0, 4.0, 8.0, 16.0, 64.0], [0.0] * 6, [1.0] * 5])

# ---- the table: module -> function -> (working arguments, {argument: (impossible values, names)}) ------------


def arg(bad, *names: str):
    return bad, names


SWEEP = {
    C: {
        "layer_channels": (dict(network="vgg16", layer="fc6"),
                           {"network": arg(one_of_words(*C.NETWORKS)), "layer": arg(one_of_words("fc6", "fc7"))}),
        "effective_kernel_size": (dict(k=3, dilation=1),
                                  {"k": arg(whole(), "kernel size"), "dilation": arg(whole())}),
        "output_size": (
            dict(n=7, k=3, padding=1, stride=2, dilation=1),
            {"n": arg(whole()), "k": arg(whole(), "kernel size"), "padding": arg(whole(0)),
             "stride": arg(whole()), "dilation": arg(whole())}),
        "mode_padding": (dict(k_eff=3, mode="same"), {"k_eff": arg(whole()), "mode": arg(one_of_words(*C.MODES))}),
        "dilate_kernel": (dict(kernel=[[1.0, 2.0]], dilation=2),
                          {"kernel": arg(ARRAY_2D), "dilation": arg(whole())}),
        **{f: (dict(image=[[1.0, 2.0], [3.0, 4.0]], kernel=[[1.0]], mode="same", stride=1, dilation=1,
                    method="direct"),
               {"image": arg(ARRAY_2D), "kernel": arg(ARRAY_2D), "mode": arg(one_of_words(*C.MODES)),
                "stride": arg(whole()), "dilation": arg(whole()), "method": arg(one_of_words(*C.METHODS))})
           for f in ("conv2d", "correlate2d")},
        "im2col": (dict(image=[[1.0, 2.0], [3.0, 4.0]], kernel_shape=(1, 1), mode="valid", stride=1, dilation=1),
                   {"image": arg(ARRAY_2D), "kernel_shape": arg(SHAPE_2D, "kernel size", "kernel_shape"),
                    "mode": arg(one_of_words(*C.MODES)), "stride": arg(whole()), "dilation": arg(whole())}),
        "conv2d_im2col": (dict(image=[[1.0, 2.0], [3.0, 4.0]], kernel=[[1.0]], mode="same", stride=1, dilation=1),
                          {"image": arg(ARRAY_2D), "kernel": arg(ARRAY_2D), "mode": arg(one_of_words(*C.MODES)),
                           "stride": arg(whole()), "dilation": arg(whole())}),
        "gaussian_kernel": (dict(size=5, sigma=1.0), {"size": arg(whole() | st.sampled_from([2, 4])),
                                                      "sigma": arg(real(0))}),
        "sample_image": (dict(size=8, seed=0), {"size": arg(whole()), "seed": arg(SEED)}),
        "circular_convolution": (dict(a=[1.0, 2.0], b=[1.0, 0.0]), {"a": arg(ARRAY_1D), "b": arg(ARRAY_1D)}),
        "radial_frequency": (dict(shape=(4, 4)), {"shape": arg(SHAPE_2D)}),
        "frequency_filter": (dict(image=[[1.0, 2.0], [3.0, 4.0]], cutoff=0.1, keep="low"),
                             {"image": arg(ARRAY_2D), "cutoff": arg(real(0, 0.75)),
                              "keep": arg(one_of_words("low", "high"))}),
        "direct_cost_macs": (dict(n=8, k=3), {"n": arg(whole()), "k": arg(whole())}),
        "energy_share": (dict(image=[[1.0, 2.0], [3.0, 4.0]], mask=np.ones((2, 2), bool)),
                         {"image": arg(ARRAY_2D), "mask": arg(st.sampled_from([None, "ab", [[1, 0], [0, 1]],
                                                                               np.ones((3, 3), bool)]))}),
        "diffusion_sigma": (dict(alpha=0.25, steps=4), {"alpha": arg(real(0)), "steps": arg(whole(0, 100_000))}),
        "diffusion_gaussian": (dict(x=[-1.0, 0.0, 1.0], alpha=0.25, steps=4),
                               {"x": arg(ARRAY_1D), "alpha": arg(real(0)), "steps": arg(whole(0, 100_000))}),
        "crossover_kernel_size": (
            dict(timings={"kernel_size": [3, 5], "direct": [1.0, 2.0], "fft": [1.5, 1.5]}),
            {"timings": arg(st.sampled_from([None, {}, "abc", {"fft": [1.0]},
                                             {"kernel_size": [3, 5], "direct": [1.0], "fft": [1.0, 2.0]},
                                             {"kernel_size": [3], "direct": [math.nan], "fft": [1.0]},
                                             {"kernel_size": [3], "direct": [1.0], "fft": [-1.0]}]))}),
        "distribution_convolution": (dict(p=[0.5, 0.5], q=[1.0]),
                                     {"p": arg(ARRAY_1D | st.sampled_from([[0.5, 0.6], [-0.5, 1.5]])),
                                      "q": arg(ARRAY_1D | st.sampled_from([[0.2], [2.0, -1.0]]))}),
        "dice_sum_pmf": (dict(n_dice=2, sides=6), {"n_dice": arg(whole(), "dice"), "sides": arg(whole())}),
        "normal_approximation": (dict(totals=[2, 7, 12], n_dice=2, sides=6),
                                 {"totals": arg(ARRAY_1D), "n_dice": arg(whole(), "dice"), "sides": arg(whole())}),
        "combined_gaussian_sigma": (
            dict(sigmas=(1.0, 2.0)),
            {"sigmas": arg(st.lists(real(0, low_open=False), min_size=1, max_size=3).map(tuple)
                           | st.just(()))}),
        "heat_diffusion": (dict(profile=[0.0, 1.0, 0.0], steps=2, alpha=0.25),
                           {"profile": arg(ARRAY_1D | st.just([1.0, 2.0])), "steps": arg(whole(0, 100_000)),
                            "alpha": arg(real(0, 0.5))}),
        "receptive_field": (dict(layers=[(3, 1), (3, 2)]),
                            {"layers": arg(st.sampled_from([[(0, 1)], [(3, 0)], [(3,)], [3], None, [("a", 1)],
                                                            [(3, math.nan)], "ab", [(3, 1, 1)]]),
                                           "kernel", "stride", "layers")}),
        "conv_layer_cost": (
            dict(c_in=4, c_out=8, kernel=3, out_h=5, out_w=5, groups=2),
            {"c_in": arg(whole()), "c_out": arg(whole()), "kernel": arg(whole()), "out_h": arg(whole()),
             "out_w": arg(whole()), "groups": arg(whole() | st.just(3))}),
        "network_cost": (dict(name="alexnet"), {"name": arg(one_of_words(*C.NETWORKS), "network")}),
    },
    M: {
        "core_count": ({}, {}),
        "matmul_flops": (dict(n=10), {"n": arg(whole())}),
        "measure_matmul_gflops": (dict(n=8, dtype="float32", repeats=1, seed=0),
                                  {"n": arg(whole(1, 8192)), "dtype": arg(one_of_words("float32", "float64")
                                                                          .filter(lambda v: v != "float16")),
                                   "repeats": arg(whole()), "seed": arg(SEED)}),
        "measure_copy_bandwidth_gbs": (dict(megabytes=1, repeats=1),
                                       {"megabytes": arg(whole(1, 1024)), "repeats": arg(whole())}),
        "matmul_sweep": (dict(sizes=[8, 16], dtype="float32", repeats=1),
                         {"sizes": arg(st.sampled_from([[], None, [0], [-5], [math.nan], [1.5], "ab", [10**6], 8]),
                                       "sizes", "n"),
                          "dtype": arg(one_of_words("float32", "float64").filter(lambda v: v != "float16")),
                          "repeats": arg(whole())}),
        "profile": (dict(n=8), {"n": arg(whole(1, 8192))}),
        "measure_decode_rate": (dict(n_images=1, size=64, crop=32, seed=0),
                                {"n_images": arg(whole(1, 500)), "size": arg(whole(32, 1024)),
                                 "crop": arg(whole(32, 1024) | st.just(65)), "seed": arg(SEED)}),
        "time_methods": (
            dict(image_size=16, kernel_sizes=[3], repeats=1, seed=0),
            {"image_size": arg(whole(1, 1024), "image size"),
             "kernel_sizes": arg(st.sampled_from([[], None, [0], [-1], [math.nan], [1.5], "ab", [17], 3]),
                                 "kernel sizes"),
             "repeats": arg(whole()), "seed": arg(SEED)}),
    },
}

SWEEP |= {
    ME: {
        **{f: (dict(fn=lambda: None, repeats=1, warmup=0),
               {"fn": arg(st.sampled_from([None, 3, "abc"])), "repeats": arg(whole()), "warmup": arg(whole(0))})
           for f in ("times_s", "best_time_s")},
        "paired_times_s": (dict(a=lambda: None, b=lambda: None, repeats=1, warmup=0),
                           {"a": arg(st.sampled_from([None, 3, "abc"])), "b": arg(st.sampled_from([None, 3, "abc"])),
                            "repeats": arg(whole()), "warmup": arg(whole(0))}),
        "process_context": ({}, {}),
    },
    B: {
        "assumption_sets": ({}, {}),
        "published_estimates": ({}, {}),
        **{f: (dict(name=B.assumption_sets()[0]),
               {"name": arg(one_of_words(*B.assumption_sets()), "assumption set")})
           for f in ("assumption_set", "sensitivity", "chain_range")},
        "brain_flops": (dict(assumptions=dict.fromkeys(B.FACTORS, 2.0)),
                        {"assumptions": arg(one_of_words(*B.assumption_sets()) | st.sampled_from(
                            [{}, dict.fromkeys(B.FACTORS, -1.0), dict.fromkeys(B.FACTORS, math.nan),
                             dict.fromkeys(B.FACTORS, "x"), dict.fromkeys(B.FACTORS, None), [1, 2]]),
                            "assumption set", "assumptions", *B.FACTORS)}),
        "fact": (dict(key="brain_power_w"), {"key": arg(st.sampled_from(["nope", None, 3, ""]))}),
        "sample_log_uniform": (dict(low=1.0, high=10.0, n=5, rng=np.random.default_rng(0)),
                               {"low": arg(real(0)), "high": arg(real(0) | st.just(0.5)),
                                "n": arg(whole(1, B.MAX_SAMPLES)),
                                "rng": arg(st.sampled_from([None, 3, "x", np.random]))}),
        "monte_carlo_crossing": (
            dict(ranges=RANGES, fit=FIT, n=10, seed=0),
            {"ranges": arg(st.sampled_from([None, {}, "x", {**RANGES, "neurons": (10.0, 1.0)},
                                            {**RANGES, "rate_hz": (math.nan, 1.0)}, {**RANGES, "neurons": 3.0}]),
                           "ranges", "low", "high", *B.FACTORS),
             "fit": arg(NOT_A_FIT), "n": arg(whole(1, B.MAX_SAMPLES)), "seed": arg(SEED)}),
        "top500_series": (dict(column="rank1_rmax_tflops", months=(6,)),
                          {"column": arg(st.sampled_from(["nope", None, 3, "year "])),
                           "months": arg(st.sampled_from([None, 6, "x", (0,), (13,), (math.nan,), ()]))}),
        "flops_per_watt": (dict(flops=1e15, watts=20.0), {"flops": arg(real(0)), "watts": arg(real(0))}),
    },
    T: {
        "fit_exponential": (dict(years=YEARS, values=VALUES, start=None, end=None),
                            {"years": arg(ARRAY_1D), "values": arg(POSITIVE_SERIES),
                             "start": arg(NOT_FINITE | st.sampled_from(["x", 2010.0, 2004.5]), "start", WINDOW),
                             "end": arg(NOT_FINITE | st.sampled_from(["x", 1990.0, 2000.5]), "end", WINDOW)}),
        "year_reached": (dict(target=100.0, fit=FIT), {"target": arg(real(0)), "fit": arg(NOT_A_FIT)}),
        "year_reached_interval": (dict(target=100.0, fit=FIT, anchor_year=None),
                                  {"target": arg(real(0)), "fit": arg(NOT_A_FIT),
                                   "anchor_year": arg(NOT_FINITE | st.sampled_from(["x", [2000.0]]))}),
        "crossing_year": (dict(current=1.0, year0=2000.0, target=100.0, growth_per_year=2.0),
                          {"current": arg(real(0)),
                           "year0": arg(NOT_FINITE | WRONG_TYPE.filter(lambda v: v != "3")),
                           "target": arg(real(0)), "growth_per_year": arg(real(1))}),
        "best_breakpoint": (dict(years=YEARS, values=VALUES, candidates=None, min_points=3),
                            {"years": arg(ARRAY_1D), "values": arg(POSITIVE_SERIES),
                             "candidates": arg(st.sampled_from([[], [math.nan], "ab", [[2003.0]], 2003.0]),
                                               "candidates", "breakpoint"),
                             "min_points": arg(whole(3))}),
    },
}

A100 = G.gpu("A100 SXM 80GB") if any(g.name == "A100 SXM 80GB" for g in G.all_gpus()) else G.all_gpus()[-1]
NOT_A_GPU = st.sampled_from([None, "A100", 3, {"name": "A100"}])
PRECISION = one_of_words(*G.PRECISIONS)
DTYPE = one_of_words(*G.BYTES_PER_VALUE)
METRIC = one_of_words(*G.METRICS)
COUNT = real(1, low_open=False)  # a number >= 1 (sizes, batch, parameters): below 1, non-finite, wrong types
SWEEP |= {
    G: {
        "all_gpus": ({}, {}),
        "gpu": (dict(name=A100.name), {"name": arg(one_of_words(*[g.name for g in G.all_gpus()]), "GPU named")}),
        "ridge_point": (dict(g=A100, precision="fp16"), {"g": arg(NOT_A_GPU), "precision": arg(PRECISION)}),
        "roofline": (dict(g=A100, intensity=[1.0, 100.0], precision="fp16"),
                     {"g": arg(NOT_A_GPU), "precision": arg(PRECISION),
                      "intensity": arg(NOT_FINITE | st.floats(max_value=0) | st.sampled_from(
                          [[1.0, math.nan], [math.inf], [1.0, [2.0]], "abc", None, ["a"], [0.0], [-1.0, 1.0]]))}),
        "op_time_s": (dict(g=A100, flops=1e12, n_bytes=1e9, precision="fp16"),
                      {"g": arg(NOT_A_GPU), "flops": arg(real(0, low_open=False)),
                       "n_bytes": arg(real(0, low_open=False), "n_bytes", "bytes"), "precision": arg(PRECISION)}),
        "matmul_cost": (dict(m=64, n=64, k=64, dtype="fp16"),
                        {"m": arg(COUNT), "n": arg(COUNT), "k": arg(COUNT), "dtype": arg(DTYPE)}),
        "elementwise_add_cost": (dict(n=1000, dtype="fp16"), {"n": arg(COUNT), "dtype": arg(DTYPE)}),
        "conv2d_cost": (dict(batch=8, c_in=64, c_out=64, kernel=3, out_size=56, dtype="fp16"),
                        {**{a: arg(COUNT) for a in ("batch", "c_in", "c_out", "kernel", "out_size")},
                         "dtype": arg(DTYPE)}),
        "transformer_layer_cost": (dict(batch=8, seq=512, d_model=1024, dtype="fp16"),
                                   {**{a: arg(COUNT) for a in ("batch", "seq", "d_model")}, "dtype": arg(DTYPE)}),
        "llm_decode_cost": (dict(params=7e9, batch=1, dtype="fp16"),
                            {"params": arg(COUNT), "batch": arg(COUNT), "dtype": arg(DTYPE)}),
        "intensity": (dict(cost=(1e9, 1e6)), {"cost": arg(st.sampled_from(
            [None, (1.0,), (1.0, 0.0), (1.0, -2.0), (math.nan, 1.0), (-1.0, 1.0), ("a", 1.0), 3.0, "ab"]))}),
        "llm_tokens_per_s": (dict(g=A100, params=7e9, dtype="fp16"),
                             {"g": arg(NOT_A_GPU), "params": arg(COUNT), "dtype": arg(DTYPE)}),
        "training_memory_gb": (dict(params=1e9, optimizer="adam-mixed", activations_gb=0.0),
                               {"params": arg(COUNT), "optimizer": arg(one_of_words(*G.TRAINING_BYTES_PER_PARAM)),
                                "activations_gb": arg(real(0, low_open=False))}),
        "inference_memory_gb": (dict(params=1e9, dtype="fp16", overhead=0.2),
                                {"params": arg(COUNT), "dtype": arg(DTYPE),
                                 "overhead": arg(real(0, 10, low_open=False))}),
        **{f: (dict(g=A100, memory_gb=10.0), {"g": arg(NOT_A_GPU), "memory_gb": arg(real(0, low_open=False))})
           for f in ("gpus_needed", "fits")},
        "metric_value": (dict(g=A100, metric="fp16 TFLOPS"), {"g": arg(NOT_A_GPU), "metric": arg(METRIC)}),
        "perf_per_dollar": (dict(g=A100, metric="fp16 TFLOPS", price_usd=10_000.0),
                            {"g": arg(NOT_A_GPU), "metric": arg(METRIC),
                             "price_usd": arg(real(0).filter(lambda v: v is not None))}),  # None: list price
        "perf_per_watt": (dict(g=A100, metric="fp16 TFLOPS"), {"g": arg(NOT_A_GPU), "metric": arg(METRIC)}),
        "recommend": (dict(budget_usd=50_000.0, memory_needed_gb=40.0, workload=next(iter(G.WORKLOADS)),
                           max_gpus=8),
                      {"budget_usd": arg(real(0)), "memory_needed_gb": arg(real(0)),
                       "workload": arg(one_of_words(*G.WORKLOADS)), "max_gpus": arg(whole(1, 64))}),
    },
}

# ---- notebook 08: research directions (quantization, trends of compute and cost) ------------------------------
from helpers import quantize as Q  # noqa: E402
from helpers import research as R  # noqa: E402

MATRIX_X = st.sampled_from([[], [[]], [[[1.0]]], [[1.0, math.nan]], [[math.inf, 0.0]], [[1.0, 2.0], [3.0]], "abc",
                            None, [["a", "b"]], 3.0])
NOT_A_FLAG = st.sampled_from([None, "yes", 1, 0.0])
BLOCK = whole(2, Q.MAX_BLOCK).filter(lambda v: v is not None)  # None means "the default block size"
YEAR = NOT_FINITE | WRONG_TYPE.filter(lambda v: v != "3") | st.sampled_from([1900.0, 2200.0])
QUANTIZE_ARGS = {"x": arg(MATRIX_X), "bits": arg(whole(2, 8)), "method": arg(one_of_words(*Q.METHODS)),
                 "block_size": arg(BLOCK)}
SWEEP |= {
    Q: {
        "normal_float_levels": (dict(bits=4), {"bits": arg(whole(2, 8))}),
        "quantize": (dict(x=[[1.0, 2.0], [3.0, 4.0]], bits=4, method="normal-float", block_size=2), QUANTIZE_ARGS),
        "quantization_error": (dict(x=[[1.0, 2.0], [3.0, 4.0]], bits=4, method="normal-float", block_size=2),
                               QUANTIZE_ARGS),
        "dequantize": (dict(q=Q.quantize([1.0, 2.0], 8)), {"q": arg(st.sampled_from([None, "abc", 3.0, [1.0]]))}),
        "matmul_error": (dict(activations=[[1.0, 2.0]], weights=[[1.0, 0.5], [2.0, 1.0]], bits=8,
                              method="absmax-row", block_size=None),
                         {"activations": arg(MATRIX_X | st.just([1.0, 2.0, 3.0])),
                          "weights": arg(MATRIX_X | st.just([1.0, 2.0, 3.0])), "bits": arg(whole(2, 8)),
                          "method": arg(one_of_words(*Q.METHODS)), "block_size": arg(BLOCK)}),
        "memory_bytes": (dict(n_values=65e9, bits=4, block_size=64, scale_bits=32, double_quant=False),
                         {"n_values": arg(real(0)), "bits": arg(real(0, 64)),
                          "block_size": arg(whole(1).filter(lambda v: v is not None)),
                          "scale_bits": arg(whole(1, 64)), "double_quant": arg(NOT_A_FLAG)}),
        "sample_weights": (dict(shape=(4, 4), distribution="normal", std=0.02, df=4.0, seed=0),
                           {"shape": arg(st.sampled_from([(0, 3), (3, 0), (-1, 3), (1, 2, 3), None, "ab", (1.5, 2),
                                                          (math.nan, 2), (), (2**11, 2**11), True])),
                            "distribution": arg(one_of_words(*Q.DISTRIBUTIONS)), "std": arg(real(0)),
                            "df": arg(real(2)), "seed": arg(SEED)}),
        "uniform_noise_rmse": (dict(step=0.1), {"step": arg(real(0))}),
    },
    R: {
        "decimal_year": (dict(date="2012-09"), {"date": arg(st.sampled_from(
            ["2012-13", "x", "", None, 2012, "2012-01-01", "1800", "2012-00"]))}),
        "training_compute": (dict(include_estimates=True), {"include_estimates": arg(NOT_A_FLAG)}),
        "gpu_price_performance": (dict(precision="fp32", segment=None),
                                  {"precision": arg(one_of_words(*R.PRECISIONS)),
                                   "segment": arg(st.sampled_from(["gaming", 3, "Consumer", ""]))}),
        "neurips_submissions": ({}, {}),
        "claim": (dict(key="openai_doubling"), {"key": arg(st.sampled_from(["nope", None, 3, ""]), "claim")}),
        "fact": (dict(key="h100_usd_per_hour"), {"key": arg(st.sampled_from(["nope", None, 3, ""]), "fact")}),
        "claim_growth_per_year": (dict(key="openai_doubling"),
                                  {"key": arg(st.sampled_from(["nope", None, "openai_total"]), "claim")}),
        "required_spending_growth": (dict(compute_growth=4.5, hardware_growth=1.35),
                                     {"compute_growth": arg(real(0)), "hardware_growth": arg(real(0))}),
        "per_researcher_growth": (dict(compute_growth=1.4, researcher_growth=1.3),
                                  {"compute_growth": arg(real(0)), "researcher_growth": arg(real(0))}),
        "compute_for_error_reduction": (dict(factor=2.0, exponent=0.25),
                                        {"factor": arg(real(0) | st.just(0.5)), "exponent": arg(real(0))}),
        "flop_per_usd": (dict(peak_flops=1e15, utilization=0.4, usd_per_hour=2.0),
                         {"peak_flops": arg(real(0)), "utilization": arg(real(0, 1)),
                          "usd_per_hour": arg(real(0))}),
        "default_cost_assumptions": ({}, {}),
        "training_cost": (dict(compute_flop=1e25, year=2027.0, reference_year=2025.0, reference_flop_per_usd=1e17,
                               price_performance_growth=1.4),
                          {"compute_flop": arg(real(0, 1e40)), "year": arg(YEAR),
                           "reference_year": arg(YEAR), "reference_flop_per_usd": arg(real(0)),
                           "price_performance_growth": arg(real(0, 1000))}),
        "default_training_cost": (dict(compute_flop=1e25, year=2027.0),
                                  {"compute_flop": arg(real(0, 1e40)), "year": arg(YEAR)}),
    },
}
SWEEP[T] |= {
    "growth_from_doubling": (dict(months=6.0), {"months": arg(real(0))}),
    "doubling_from_growth": (dict(growth_per_year=4.5), {"growth_per_year": arg(real(1))}),
}

# ---- notebook 05: multi-GPU systems (links, alpha-beta, all-reduce, GPUDirect, transfer measurement) ---------
from helpers import cluster as CL  # noqa: E402

QDR = CL.link("InfiniBand QDR 4x")
NOT_A_LINK = st.sampled_from([None, "InfiniBand QDR 4x", 3, {"name": "QDR"}])
BYTES = NOT_FINITE | st.floats(max_value=0, exclude_max=True) | st.sampled_from(
    [None, "abc", "1e6", [1.0, math.nan], [[1.0]], [], {"a": 1}, [-1.0, 2.0]])
ONE_BYTES = BYTES | st.just([1.0, 2.0])  # functions that take a single message size
LINK_NAMES = st.sampled_from(["PCIe 9.0 x16", "", None, 3, "pcie 3.0 x16"])
CLUSTER = dict(n_bytes=1e8, nodes=3, gpus_per_node=4, intra_link=CL.link("PCIe 3.0 x16"), inter_link=QDR,
               nics_per_node=1)
CLUSTER_ARGS = {"n_bytes": arg(ONE_BYTES), "nodes": arg(whole(1, 10**6)), "gpus_per_node": arg(whole(1, 1024)),
                "intra_link": arg(NOT_A_LINK), "inter_link": arg(NOT_A_LINK), "nics_per_node": arg(whole(1, 1024))}
COPY = dict(n_bytes=1e8, pcie=CL.link("PCIe 3.0 x16"), network=QDR, rdma=False, chunk_bytes=1e6)
COPY_ARGS = {"n_bytes": arg(ONE_BYTES), "pcie": arg(NOT_A_LINK), "network": arg(NOT_A_LINK),
             "rdma": arg(NOT_A_FLAG), "chunk_bytes": arg(real(0).filter(lambda v: v is not None))}
SPEEDUP_ARGS = {"n_workers": arg(whole(1, 10**7).filter(lambda v: v != [1, 2])),  # a list of counts is fine
                "compute_s": arg(real(0)), "n_bytes": arg(BYTES), "link": arg(NOT_A_LINK),
                "algorithm": arg(one_of_words(*CL.ALGORITHMS)), "overlap": arg(NOT_A_FLAG)}
BAD_SIZES = st.sampled_from([[], None, [0], [-5], [math.nan], [1.5], "ab", [2**27], 8, [[64]], [True],
                             list(range(1, 40))])
SWEEP |= {
    CL: {
        "model_name": (dict(model="gpt2_xl"), {"model": arg(one_of_words(*CL.models()))}),
        "links": (dict(family="pcie"), {"family": arg(one_of_words(*CL.FAMILIES).filter(lambda v: v is not None))}),
        "link": (dict(name="10 GbE"), {"name": arg(LINK_NAMES, "link named")}),
        "custom_link": (dict(name="mine", bandwidth_gbs=2.0, latency_us=10.0),
                        {"name": arg(st.sampled_from(["", " ", None, 3])), "bandwidth_gbs": arg(real(0)),
                         "latency_us": arg(real(0, low_open=False))}),
        "payload_gbs": (dict(transfer_rate_gts=8.0, lanes=16, encoding="128b/130b"),
                        {"transfer_rate_gts": arg(real(0)), "lanes": arg(whole(1, 1024)),
                         "encoding": arg(one_of_words(*CL.ENCODINGS))}),
        "line_code": (dict(name="PCIe 3.0 x16"), {"name": arg(LINK_NAMES, "link named")}),
        "p2p_time_s": (dict(n_bytes=1e6, link=QDR), {"n_bytes": arg(BYTES | st.just(-1.0)), "link": arg(NOT_A_LINK)}),
        "effective_bandwidth_gbs": (dict(n_bytes=1e6, link=QDR),
                                    {"n_bytes": arg(BYTES | st.just(0.0)), "link": arg(NOT_A_LINK)}),
        "half_bandwidth_bytes": (dict(link=QDR), {"link": arg(NOT_A_LINK)}),
        "allreduce_time_s": (dict(n_bytes=1e8, n_workers=8, link=QDR, algorithm="tree"),
                             {"n_bytes": arg(BYTES), "n_workers": arg(whole(1, 10**7)), "link": arg(NOT_A_LINK),
                              "algorithm": arg(one_of_words(*CL.ALGORITHMS))}),
        "ring_tree_crossover_bytes": (dict(n_workers=16, link=QDR, tree="naive_tree"),
                                      {"n_workers": arg(whole(2, 10**7)), "link": arg(NOT_A_LINK),
                                       "tree": arg(one_of_words("tree", "naive_tree"))}),
        "hierarchical_allreduce_stages_s": (CLUSTER, CLUSTER_ARGS),
        "hierarchical_allreduce_time_s": (CLUSTER, CLUSTER_ARGS),
        "internode_copy_hops_s": (COPY, COPY_ARGS),
        "internode_copy_time_s": (COPY, COPY_ARGS),
        "models": ({}, {}),
        "parameter_count": (dict(model="resnet50"), {"model": arg(one_of_words(*CL.models()))}),
        "gradient_bytes": (dict(model="llama2_7b", dtype="fp16"),
                           {"model": arg(one_of_words(*CL.models())),
                            "dtype": arg(one_of_words(*CL.GRADIENT_BYTES))}),
        "data_parallel_speedup": (dict(n_workers=8, compute_s=0.2, n_bytes=1e8, link=QDR, algorithm="ring",
                                       overlap=True), SPEEDUP_ARGS),
        "cluster_speedup": (dict(compute_s=0.2, **CLUSTER, overlap=False),
                            {**CLUSTER_ARGS, "compute_s": arg(real(0)), "overlap": arg(NOT_A_FLAG)}),
        "max_gradient_bytes": (dict(target_speedup=1.5, n_workers=2, compute_s=0.1, link=QDR, algorithm="ring"),
                               {"target_speedup": arg(real(0, 2)), "n_workers": arg(whole(2, 10**7)),
                                "compute_s": arg(real(0)), "link": arg(NOT_A_LINK),
                                "algorithm": arg(one_of_words(*CL.ALGORITHMS))}),
        "fit_alpha_beta": (dict(sizes=[64.0, 1e6], times=[1e-5, 1e-3]),
                           {"sizes": arg(ARRAY_1D | st.sampled_from([[0.0, 1.0], [5.0, 5.0], [-1.0, 2.0]])),
                            "times": arg(ARRAY_1D | st.sampled_from([[0.0, 1.0], [1.0, -1.0], [1.0, 2.0, 3.0]]))}),
        "default_message_sizes": (dict(largest_bytes=2**20, count=8),
                                  {"largest_bytes": arg(whole(128, CL.MAX_MESSAGE_BYTES)),
                                   "count": arg(whole(2, CL.MAX_SIZES))}),
        "measure_transfer": (dict(sizes=[64, 4096], repeats=1, seed=0),
                             {"sizes": arg(BAD_SIZES), "repeats": arg(whole(1, CL.MAX_REPEATS)), "seed": arg(SEED)}),
        "measure_allreduce": (dict(sizes=[64, 4096], n_ranks=2, repeats=1, seed=0),
                              {"sizes": arg(BAD_SIZES | st.just([4])), "n_ranks": arg(whole(1, CL.MAX_RANKS)),
                               "repeats": arg(whole(1, CL.MAX_REPEATS)), "seed": arg(SEED)}),
    },
}

# ---- notebook 04: building a machine (power and PSU, PCIe, input pipeline, cloud or own) -----------------------
GENERATION = st.sampled_from(["7.0", "abc", "", None, math.nan, math.inf, [4.0], 0.5, -1, True])
LANES = whole(1, 16) | st.sampled_from([3, 5, 12, True])
STORAGE = one_of_words(*[r.storage for r in BU.load_table("storage")])
AT_LEAST_0 = real(0, low_open=False)  # a number >= 0 (watts, prices, seconds)
COST = dict(purchase_usd=2500.0, power_w=500.0, price_per_kwh=0.15, cloud_usd_per_hour=0.7)
COST_ARGS = {"purchase_usd": arg(AT_LEAST_0), "power_w": arg(AT_LEAST_0), "price_per_kwh": arg(AT_LEAST_0),
             "cloud_usd_per_hour": arg(real(0))}
SWEEP |= {
    BU: {
        "storage_names": ({}, {}),
        "electricity_price": (dict(region="US average (residential)"),
                              {"region": arg(one_of_words("US average (residential)", "EU average (households)"))}),
        "default_cloud_rate": (dict(gpu="GeForce RTX 4090"),
                               {"gpu": arg(st.sampled_from([None, "", "RTX 9999", 3]))}),
        "psu_watts": (dict(gpu_w=[450.0, 450.0], cpu_w=125.0, other_w=50.0, margin=0.2),
                      {"gpu_w": arg(st.sampled_from([None, "abc", 450.0, [450.0, math.nan], [-1.0], [math.inf],
                                                     [[450.0]], ["a"], [450.0] * 17, {"a": 1}])),
                       "cpu_w": arg(AT_LEAST_0), "other_w": arg(AT_LEAST_0), "margin": arg(real(0, 2, False))}),
        "psu_efficiency": (dict(tier="Gold", load_fraction=0.5),
                           {"tier": arg(one_of_words(*BU.PSU_TIERS)), "load_fraction": arg(real(0, 1.5, False))}),
        "wall_watts": (dict(dc_w=600.0, psu_rating_w=1000.0, tier="Gold"),
                       {"dc_w": arg(AT_LEAST_0), "psu_rating_w": arg(real(0)),
                        "tier": arg(one_of_words(*BU.PSU_TIERS))}),
        "circuit_limit_w": (dict(region="EU", continuous=True),
                            {"region": arg(one_of_words("US", "EU")), "continuous": arg(NOT_A_FLAG)}),
        "power_limited_performance": (
            dict(power_fraction=0.8, series="puget_tf"),
            {"power_fraction": arg(real(0, 1 + 1e-9)),  # 1e-9 of tolerance for rounding
             "series": arg(one_of_words(*sorted({r.series for r in BU.load_table("power_limit")})))}),
        "electricity_cost": (dict(watts=600.0, hours_per_day=24, utilisation=0.5, price_per_kwh=0.16, years=1.0),
                             {"watts": arg(AT_LEAST_0), "hours_per_day": arg(real(0, 24, False)),
                              "utilisation": arg(real(0, 1, False)), "price_per_kwh": arg(AT_LEAST_0),
                              "years": arg(AT_LEAST_0)}),
        "pcie_generations": ({}, {}),
        "pcie_gbs": (dict(generation="4.0", lanes=16), {"generation": arg(GENERATION), "lanes": arg(LANES)}),
        "batch_bytes": (dict(batch=32, channels=3, height=224, width=224, bytes_per_value=4),
                        {**{a: arg(whole()) for a in ("batch", "channels", "height", "width")},
                         "bytes_per_value": arg(real(0))}),
        "pcie_transfer_time_s": (dict(n_bytes=1e8, generation="3.0", lanes=8, efficiency=0.8),
                                 {"n_bytes": arg(AT_LEAST_0), "generation": arg(GENERATION), "lanes": arg(LANES),
                                  "efficiency": arg(real(0, 1))}),
        "transfer_overhead": (dict(transfer_s=0.01, step_s=0.2, prefetch=True),
                              {"transfer_s": arg(AT_LEAST_0), "step_s": arg(real(0)), "prefetch": arg(NOT_A_FLAG)}),
        "storage_read_mbs": (dict(storage="SATA SSD", optimistic=False),
                             {"storage": arg(STORAGE), "optimistic": arg(NOT_A_FLAG)}),
        "pipeline_stages": (
            dict(storage="SATA SSD", sample_bytes=110e3, decode_per_core=150.0, cores=4, gpu_samples_per_s=900.0,
                 pcie_generation="4.0", lanes=16, decoded_bytes=150528),
            {"storage": arg(STORAGE), "sample_bytes": arg(real(0)), "decode_per_core": arg(real(0)),
             "cores": arg(whole(1, 256)), "gpu_samples_per_s": arg(real(0)),
             "pcie_generation": arg(GENERATION, "pcie_generation", "generation"), "lanes": arg(LANES),
             "decoded_bytes": arg(real(0))}),
        "bottleneck": (dict(stages=[BU.Stage("read", 500.0), BU.Stage("decode", 300.0)]),
                       {"stages": arg(st.sampled_from([None, [], "abc", 3, [3.0], [None], [{"name": "read"}],
                                                       [BU.Stage("read", math.nan)], [BU.Stage("read", -1.0)],
                                                       [BU.Stage("read", "fast")]]))}),
        "cores_needed": (dict(gpu_samples_per_s=2000.0, decode_per_core=150.0),
                         {"gpu_samples_per_s": arg(real(0)), "decode_per_core": arg(real(0))}),
        "cloud_vs_own": (dict(**COST, hours_per_month=200.0, months=24, resale_fraction=0.3),
                         {**COST_ARGS, "hours_per_month": arg(real(0, 744, False)), "months": arg(whole(1, 240)),
                          "resale_fraction": arg(real(0, 1, False))}),
        "breakeven_hours": (COST, COST_ARGS),
    },
}

# ---- notebook 07: model parallelism (DP against MP bytes, split matmul, pipelines, memory, planner) -------------
SHAPE = MP.model_shape("GPT-2 XL (1.5B)")
NOT_A_SHAPE = st.sampled_from([None, "GPT-2 XL (1.5B)", 3, {"name": "GPT-2 XL (1.5B)"}])
PCIE4 = CL.link("PCIe 4.0 x16")
DIM = whole(1, 10**9)
DEVICES = whole(1, 100_000)
MEMORY = dict(params=1.5e9, dp=8, tp=2, pp=2, zero_stage=1)
MEMORY_ARGS = {"params": arg(real(0)), "dp": arg(DIM), "tp": arg(DIM), "pp": arg(DIM), "zero_stage": arg(whole(0, 3))}
SWEEP |= {
    MP: {
        "intra_node_link": (dict(g=A100), {"g": arg(NOT_A_GPU)}),
        "dp_bytes_per_step": (dict(d_in=64, d_out=32, p=4, bytes_per_value=4),
                              {"d_in": arg(DIM), "d_out": arg(DIM), "p": arg(DEVICES),
                               "bytes_per_value": arg(real(0))}),
        "mp_bytes_per_step": (dict(d_in=64, d_out=32, batch=16, p=4, bytes_per_value=4),
                              {"d_in": arg(DIM), "d_out": arg(DIM), "batch": arg(DIM), "p": arg(DEVICES),
                               "bytes_per_value": arg(real(0))}),
        "crossover_batch": (dict(d_in=64, d_out=32), {"d_in": arg(DIM), "d_out": arg(DIM)}),
        "tensor_parallel_mlp": (dict(batch=4, d=4, f=8, n_ranks=2, steps=1, seed=0),
                                {"batch": arg(whole(1, 4096)), "d": arg(whole(1, 4096)), "f": arg(whole(2, 16384)),
                                 "n_ranks": arg(whole(1, 8)), "steps": arg(whole(1, 100)), "seed": arg(SEED)}),
        "tp_allreduce_bytes": (dict(batch=1, seq=128, hidden=256, bytes_per_value=2),
                               {"batch": arg(DIM), "seq": arg(DIM), "hidden": arg(DIM),
                                "bytes_per_value": arg(real(0))}),
        "tp_comm_time_s": (dict(batch=1, seq=128, hidden=256, layers=4, tp=2, link=PCIE4, bytes_per_value=2),
                           {"batch": arg(DIM), "seq": arg(DIM), "hidden": arg(DIM), "layers": arg(DIM),
                            "tp": arg(whole(1, 1024)), "link": arg(NOT_A_LINK), "bytes_per_value": arg(real(0))}),
        "bubble_fraction": (dict(stages=4, microbatches=8, virtual=2),
                            {"stages": arg(whole(1, 4096)), "microbatches": arg(whole(1, 10**6)),
                             "virtual": arg(whole(1, 64))}),
        "simulate_pipeline": (dict(stages=2, microbatches=3, schedule="gpipe"),
                              {"stages": arg(whole(1, 64)), "microbatches": arg(whole(1, 512)),
                               "schedule": arg(one_of_words(*MP.SCHEDULES))}),
        "model_state_gb": (MEMORY, MEMORY_ARGS),
        "activation_gb": (dict(seq=1024, micro_batch=1, hidden=1600, layers=48, tp=2, pp=2, recompute=False,
                               bytes_per_value=2),
                          {"seq": arg(DIM), "micro_batch": arg(DIM), "hidden": arg(DIM), "layers": arg(DIM),
                           "tp": arg(DIM), "pp": arg(DIM), "recompute": arg(NOT_A_FLAG),
                           "bytes_per_value": arg(real(0))}),
        "training_memory_per_gpu_gb": (dict(**MEMORY, activations_gb=3.0),
                                       {**MEMORY_ARGS, "activations_gb": arg(AT_LEAST_0)}),
        "model_shapes": ({}, {}),
        "model_shape": (dict(name=SHAPE.name),
                        {"name": arg(one_of_words(*[m.name for m in MP.model_shapes()]), "model named")}),
        "plan": (dict(model=SHAPE, n_gpus=8, gpu_memory_gb=80.0, peak_flops=1e15, intra_link=PCIE4, inter_link=QDR,
                      gpus_per_node=4, global_batch=64, micro_batch=1, zero_stage=1, recompute=True,
                      efficiency=0.5),
                 {"model": arg(NOT_A_SHAPE), "n_gpus": arg(DEVICES), "gpu_memory_gb": arg(real(0)),
                  "peak_flops": arg(real(0)), "intra_link": arg(NOT_A_LINK), "inter_link": arg(NOT_A_LINK),
                  "gpus_per_node": arg(whole(1, 72)), "global_batch": arg(DIM), "micro_batch": arg(DIM),
                  "zero_stage": arg(whole(0, 3)), "recompute": arg(NOT_A_FLAG), "efficiency": arg(real(0, 1))}),
    },
}

# ---- notebook 06: data parallelism (step time, Amdahl and Gustafson, compression, a real multi-process run) -------
MODEL = one_of_words(*CL.models())
FRACTION = real(0, 1, low_open=False)
WORKERS = st.sampled_from([0, -1, 0.5, math.nan, math.inf, None, "abc", "8", [1.0, math.nan], [4.0, 0.5], True,
                           {"a": 1}, object()])
GPU_COUNTS = st.sampled_from([[], None, "abc", [0], [1.5], [math.nan], [[2]], 0, -1, 10**6, [2, None], [True], 2.5,
                              {"a": 1}])
BITS = whole(1, 32) | st.sampled_from([3, 7, True])  # gradient bits: 1, 2, 4, 8, 16 or 32
STEP = dict(model="resnet50", n_gpus=8, gpu=A100, link=QDR, batch_per_gpu=32, overlap=True, bits=16,
            utilization=0.4)
STEP_ARGS = {"model": arg(MODEL), "n_gpus": arg(whole(1, 100_000)), "gpu": arg(NOT_A_GPU), "link": arg(NOT_A_LINK),
             "batch_per_gpu": arg(real(0), "batch_per_gpu", "batch"), "overlap": arg(NOT_A_FLAG),
             "bits": arg(BITS), "utilization": arg(real(0, 1))}
SPEED = dict(model="vgg16", n_gpus=[1, 2, 8], gpu=A100, link=QDR)
SPEED_ARGS = {"model": arg(MODEL), "n_gpus": arg(GPU_COUNTS), "gpu": arg(NOT_A_GPU), "link": arg(NOT_A_LINK)}
RUN_ARGS = {"steps": arg(whole(1, 2000)), "batch": arg(whole(1, 4096)), "hidden": arg(whole(1, 1024)),
            "lr": arg(real(0)), "seed": arg(SEED)}
LABELS = st.sampled_from([[0, 2], [-1, 0], [0.5, 1.0], [0], "ab", None, [0, math.nan], [[0, 1]], [True, False], 3])


def dp_run(p=1, compute_s=1e-3, comm_s=0.0, batch_per_worker=16):
    return PA.DataParallelRun(np.ones(2), p, batch_per_worker, 100, np.full(2, compute_s), np.full(2, comm_s),
                              compute_s, comm_s)


NOT_A_RUN = st.sampled_from([None, "abc", 3, {"losses": [1.0]}, PA.TrainingRun(np.array([1.0]), 1, 0.1, 0.1, 0.0),
                             dp_run(compute_s=0.0), dp_run(compute_s=math.nan)])
BAD_FIT = NOT_A_FIT | st.sampled_from([CL.AlphaBetaFit(1e-5, 0.0), CL.AlphaBetaFit(math.nan, 1e-9),
                                       CL.AlphaBetaFit(-1.0, 1e-9)])
SWEEP |= {
    PA: {
        "published_scaling": ({}, {}),
        "flops_per_sample": (dict(model="bert_large"), {"model": arg(MODEL)}),
        "params_per_gflop": (dict(model="resnet50"), {"model": arg(MODEL)}),
        "compute_time_s": (dict(model="resnet50", batch=32, gpu=A100, precision="fp16", utilization=0.4),
                           {"model": arg(MODEL), "batch": arg(real(0)), "gpu": arg(NOT_A_GPU),
                            "precision": arg(PRECISION), "utilization": arg(real(0, 1))}),
        "data_parallel_step_time_s": (STEP, STEP_ARGS),
        "speedup": (dict(**SPEED, batch=64, scaling="strong", overlap=False, bits=8, utilization=0.4),
                    {**SPEED_ARGS, "batch": arg(real(0)), "scaling": arg(one_of_words("weak", "strong")),
                     "overlap": arg(NOT_A_FLAG), "bits": arg(BITS), "utilization": arg(real(0, 1))}),
        "efficiency": (SPEED, SPEED_ARGS),
        **{f: (dict(p=[1, 8, 1e15], parallel_fraction=0.99),
               {"p": arg(WORKERS), "parallel_fraction": arg(FRACTION)}) for f in ("amdahl", "gustafson")},
        "dynamic_levels": (dict(bits=4), {"bits": arg(whole(3, 8))}),
        "compress_gradient": (dict(g=[0.5, -2.0, 1e-3], bits=8, scheme="linear", block_size=2048),
                              {"g": arg(ARRAY_1D), "bits": arg(whole(2, 8).filter(lambda v: v != 32)),
                               "scheme": arg(one_of_words("linear", "dynamic")), "block_size": arg(BLOCK)}),
        "gradient_like": (dict(n=100, seed=0), {"n": arg(whole(1, 2**20)), "seed": arg(SEED)}),
        "relative_error": (dict(g=[1.0, -2.0], compressed=[1.0, -2.5]),
                           {"g": arg(ARRAY_1D | st.just([0.0, 0.0])),
                            "compressed": arg(ARRAY_1D | st.just([1.0, 2.0, 3.0]))}),
        "make_dataset": (dict(n_samples=16, features=2, classes=2, seed=0),
                         {"n_samples": arg(whole(1, 2**20)), "features": arg(whole(1, 1024)),
                          "classes": arg(whole(1, 1024)), "seed": arg(SEED)}),
        "init_params": (dict(features=2, hidden=3, classes=2, seed=0),
                        {"features": arg(whole(1, 1024)), "hidden": arg(whole(1, 1024)),
                         "classes": arg(whole(1, 1024)), "seed": arg(SEED)}),
        "loss_and_grad": (dict(params=PA.init_params(2, 3, 2), x=[[0.5, -1.0], [1.0, 0.0]], y=[0, 1], hidden=3,
                               classes=2),
                          {"params": arg(ARRAY_1D | st.just([1.0, 2.0])),
                           "x": arg(MATRIX_X | st.sampled_from([[1.0, 2.0], [[0.5, -1.0]]])), "y": arg(LABELS),
                           "hidden": arg(whole(1, 1024)), "classes": arg(whole(1, 1024))}),
        "train_single": (dict(steps=2, batch=8, hidden=4, lr=0.5, seed=0), RUN_ARGS),
        "train_data_parallel": (dict(n_workers=2, steps=1, batch_per_worker=4, hidden=4, lr=0.5, seed=0),
                                {"n_workers": arg(whole(1, 8)), "batch_per_worker": arg(whole(1, 512)),
                                 **{k: v for k, v in RUN_ARGS.items() if k != "batch"}}),
        "predicted_comm_s": (dict(n_workers=2, fit=CL.AlphaBetaFit(1e-5, 1e-9), n_params=1000),
                             {"n_workers": arg(whole(1, 8)), "fit": arg(BAD_FIT), "n_params": arg(whole(1))}),
        "predicted_speedup": (dict(step_compute_s=0.01, n_workers=2, fit=CL.AlphaBetaFit(1e-5, 1e-9), n_params=1000),
                              {"step_compute_s": arg(real(0)), "n_workers": arg(whole(1, 8)), "fit": arg(BAD_FIT),
                               "n_params": arg(whole(1))}),
        "measured_speedup": (dict(single=dp_run(), run=dp_run(2, 1e-3, 1e-4)),
                             {"single": arg(NOT_A_RUN | st.just(dp_run(p=2))),
                              "run": arg(NOT_A_RUN | st.just(dp_run(2, batch_per_worker=8)), "run", "single")}),
    },
}

# notebook 08 second edition
GROWTH = real(0) | st.sampled_from([0.05, 200.0])
BAD_YEAR = NOT_FINITE | WRONG_TYPE.filter(lambda v: v != "3") | st.sampled_from([1800.0, 2200.0])
SWEEP[R] |= {
    "researcher_growth": (dict(start=2016, end=2025),
                          {"start": arg(NOT_FINITE | WRONG_TYPE.filter(lambda v: v != "3") | st.sampled_from(
                              [2026.0, 1800.0, 2024.5]), "start", WINDOW),
                           "end": arg(NOT_FINITE | WRONG_TYPE.filter(lambda v: v != "3") | st.sampled_from(
                               [2010.0, 2200.0, 2016.0]), "end", WINDOW)}),
    "per_researcher_path": (dict(years=[0.0, 1.0, 2.0], compute_growth=1.4, researcher_growth=1.3),
                            {"years": arg(st.sampled_from([[math.nan], [[1.0], [2.0]], "abc", None, [1e6]])),
                             "compute_growth": arg(real(0)), "researcher_growth": arg(real(0))}),
    "datacentre_price_performance": (dict(low_precision=True), {"low_precision": arg(NOT_A_FLAG)}),
    "model_parameters": (dict(names=["AlexNet"]), {"names": arg(st.sampled_from([["no such model"], [None]]))}),
    "peak_growth": (dict(gpu_from="GeForce RTX 2080 Ti", gpu_to="GeForce RTX 5090", precision="fp32"),
                    {"gpu_from": arg(st.sampled_from(["nope", None, 3, ""])),
                     "gpu_to": arg(st.sampled_from(["nope", None, 3, ""])),
                     "precision": arg(one_of_words(*R.PRECISION_LEVELS))}),
    "moe_cost": (dict(total_params=671e9, active_params=37e9, bits=8),
                 {"total_params": arg(real(0, 1e16) | st.just(1e9)), "active_params": arg(real(0)),
                  "bits": arg(real(0, 64))}),
    "precision_gain": (dict(precision="fp8"), {"precision": arg(one_of_words(*R.PRECISION_LEVELS))}),
    "efficiency_budget": (dict(start=2017, end=2025, demand_growth=4.0, hardware_growth=1.16,
                               algorithm_halving_months=8.0, moe_gain=4.0, spending_growth=None),
                          {"start": arg(BAD_YEAR | st.just(2025.0), "start"),
                           "end": arg(BAD_YEAR | st.just(2017.0), "end"),
                           "demand_growth": arg(GROWTH), "hardware_growth": arg(GROWTH),
                           "algorithm_halving_months": arg(real(0) | st.just(0.5)),
                           "moe_gain": arg(real(0) | st.sampled_from([0.5, 5000.0])),
                           "spending_growth": arg(GROWTH.filter(lambda v: v is not None))}),
    "training_precision": (dict(year=2020), {"year": arg(BAD_YEAR)}),
    "training_tokens": (dict(since=2020), {"since": arg(BAD_YEAR | st.just(2099.0), "since")}),
    "datacentre_growth": (dict(low_precision=False), {"low_precision": arg(NOT_A_FLAG)}),
    "per_researcher_window": (dict(start=2016, end=2025, segment="consumer"),
                              {"start": arg(BAD_YEAR | st.just(2026.0), "start", WINDOW),
                               "end": arg(BAD_YEAR | st.just(2016.0), "end", WINDOW),
                               "segment": arg(st.sampled_from(["gaming", 3, "Consumer", ""]))}),
    "frontier_compute": (dict(year=2026, growth=4.0),
                         {"year": arg(BAD_YEAR),
                          "growth": arg(real(0, 1000).filter(lambda v: v is not None) | st.just(0.001))}),
    "frontier_cost_crossing_year": (dict(target_usd=1e9, growth=4.0),
                                    {"target_usd": arg(real(0)),
                                     "growth": arg(real(0, 1000).filter(lambda v: v is not None)
                                                   | st.sampled_from([0.001, 1.2]))}),
}
SWEEP[Q] |= {
    "int8_matmul_error": (dict(activations=[[1.0, 20.0]], weights=[[1.0, 0.5], [2.0, 1.0]], threshold=6.0),
                          {"activations": arg(MATRIX_X | st.just([1.0, 2.0, 3.0])),
                           "weights": arg(MATRIX_X | st.just([1.0, 2.0, 3.0])),
                           "threshold": arg(real(0).filter(lambda v: v is not None))}),
}

# ---- notebook 03 second edition: offers and multi-card setups, the memory hierarchy, the predictor check -----------
RTX3090 = G.gpu("GeForce RTX 3090")
NOT_BOOL = st.sampled_from([None, "yes", 1, 0.0, "True"])
WORKLOAD = one_of_words(*G.WORKLOADS)
TEXT_PRICES = st.sampled_from([None, 3, 2.5, ["5090=1"], "abc", "5090", "5090=", "5090=abc", "5090=-1", "5090=nan",
                               "5090=inf", "zzz=100", "RTX=100", "=100", "5090=1e9"])
SWEEP[G] |= {
    "card_facts": (dict(g=RTX3090), {"g": arg(NOT_A_GPU)}),
    "software_caveat": (dict(g=RTX3090), {"g": arg(NOT_A_GPU)}),
    "offer_price": (dict(g=RTX3090, prices=None),
                    {"g": arg(NOT_A_GPU), "prices": arg(st.sampled_from(["abc", 3, [1.0], ("a", 1)]))}),
    "parse_price_overrides": (dict(text="5090=2400, 3090=700"), {"text": arg(TEXT_PRICES, "prices")}),
    "data_parallel_speed": (dict(per_card=100.0, n_cards=2, link="nvlink"),
                            {"per_card": arg(real(0, low_open=False)), "n_cards": arg(whole(1, 64)),
                             "link": arg(one_of_words("nvlink", "infinity_fabric", "pcie_p2p", "pcie_host"))}),
    "split_layers_decode_tokens_per_s": (dict(g=RTX3090, model_gb=40.0, n_cards=2),
                                         {"g": arg(NOT_A_GPU), "model_gb": arg(real(0)),
                                          "n_cards": arg(whole(1, 64))}),
    "setup_score": (dict(g=RTX3090, count=2, memory_needed_gb=20.0, workload=next(iter(G.WORKLOADS))),
                    {"g": arg(NOT_A_GPU), "count": arg(whole(1, 64)), "memory_needed_gb": arg(real(0)),
                     "workload": arg(WORKLOAD)}),
    "setup_power_w": (dict(g=RTX3090, count=2), {"g": arg(NOT_A_GPU), "count": arg(whole(1, 16))}),
    "hierarchy_latencies": ({}, {}),
    "tile_matmul_cycles": (dict(tensor_cores=True, async_copy=False, global_cycles=200.0, steps=8),
                           {"tensor_cores": arg(NOT_BOOL), "async_copy": arg(NOT_BOOL),
                            "global_cycles": arg(real(0, 10_000)), "steps": arg(whole(1, 64))}),
    "tile_intensity": (dict(tile=128, dtype="fp16"), {"tile": arg(whole(1, 4096)), "dtype": arg(DTYPE)}),
    "tile_shared_kb": (dict(tile=128, dtype="fp16", stages=2),
                       {"tile": arg(whole(1, 4096)), "dtype": arg(DTYPE), "stages": arg(whole(1, 8))}),
    "max_tile": (dict(shared_kb=128.0, dtype="fp16", stages=2),
                 {"shared_kb": arg(real(0) | st.just(1e-6)), "dtype": arg(DTYPE), "stages": arg(whole(1, 8))}),
    "tensor_utilisation_bound": (dict(g=A100, tile=128, dtype="fp16"),
                                 {"g": arg(NOT_A_GPU), "tile": arg(whole(1, 4096)), "dtype": arg(DTYPE)}),
    "predicted_speedup": (dict(a=A100, b=RTX3090, basis="bandwidth"),
                          {"a": arg(NOT_A_GPU), "b": arg(NOT_A_GPU), "basis": arg(one_of_words(*G.PREDICTORS))}),
    "predictor_check": (dict(basis="bandwidth"), {"basis": arg(one_of_words(*G.PREDICTORS))}),
    "us_price_per_kwh": ({}, {}),
    "lora_memory_gb": (dict(params=7e9, dtype="int4", adapter_fraction=0.01, activations_gb=0.0),
                       {"params": arg(COUNT), "dtype": arg(DTYPE), "adapter_fraction": arg(real(0, 1, low_open=False)),
                        "activations_gb": arg(real(0, low_open=False))}),
    "electricity_usd": (dict(g=RTX3090, years=5.0, utilisation=0.15, price_per_kwh=0.16),
                        {"g": arg(NOT_A_GPU), "years": arg(real(0, low_open=False)),
                         "utilisation": arg(real(0, 1, low_open=False)),
                         "price_per_kwh": arg(real(0, low_open=False).filter(lambda v: v is not None))}),
    "perf_per_total_dollar": (dict(g=RTX3090, metric="fp16 TFLOPS", price_usd=800.0, years=5.0, utilisation=0.15,
                                   price_per_kwh=0.16),
                              {"g": arg(NOT_A_GPU), "metric": arg(METRIC),
                               "price_usd": arg(real(0).filter(lambda v: v is not None)),
                               "years": arg(real(0, low_open=False)), "utilisation": arg(real(0, 1, low_open=False)),
                               "price_per_kwh": arg(real(0, low_open=False).filter(lambda v: v is not None))}),
}
SWEEP[G]["recommend"][1].update({"prices": arg(st.sampled_from(["abc", 3, [1.0]])), "include_caveats": arg(NOT_BOOL),
                                 "psu_w": arg(real(0)), "slots": arg(whole(1, 64))})
LINK = one_of_words("nvlink", "infinity_fabric", "pcie_p2p", "pcie_host")
SWEEP[G] |= {  # review of notebook 03 (reviews/03.md): multi-card splits, outlet check, predictor summary
    "fsdp_speed": (dict(per_card=100.0, n_cards=2, link="pcie_host"),
                   {"per_card": arg(real(0, low_open=False)), "n_cards": arg(whole(1, 64)), "link": arg(LINK)}),
    "pipeline_speed": (dict(per_card=100.0, stages=2, microbatches=8),
                       {"per_card": arg(real(0, low_open=False)), "stages": arg(whole(1, 64)),
                        "microbatches": arg(whole(1, 10**6))}),
    "tensor_parallel_decode_tokens_per_s": (dict(g=RTX3090, model_gb=20.0, n_cards=2, link="pcie_p2p"),
                                            {"g": arg(NOT_A_GPU), "model_gb": arg(real(0)),
                                             "n_cards": arg(whole(1, 64)), "link": arg(LINK)}),
    "setup_options": (dict(g=RTX3090, count=2, memory_needed_gb=20.0, workload=next(iter(G.WORKLOADS))),
                      {"g": arg(NOT_A_GPU), "count": arg(whole(1, 64)), "memory_needed_gb": arg(real(0)),
                       "workload": arg(WORKLOAD)}),
    "outlet_warning": (dict(g=RTX3090, count=2, psu_w=1600.0, region="US"),
                       {"g": arg(NOT_A_GPU), "count": arg(whole(1, 16)), "psu_w": arg(real(0)),
                        "region": arg(one_of_words("US", "EU"))}),
    "predictor_summary": (dict(basis="bandwidth"), {"basis": arg(one_of_words(*G.PREDICTORS))}),
    "kv_cache_gb": (dict(layers=32, kv_heads=8, head_dim=128, context=8192, batch=1, dtype="fp16"),
                    {"layers": arg(whole(1, 10_000)), "kv_heads": arg(whole(1, 10_000)),
                     "head_dim": arg(whole(1, 100_000)), "context": arg(whole(1, 10**8)), "batch": arg(whole(1, 10**6)),
                     "dtype": arg(DTYPE)}),
    "max_shared_kb": (dict(g=G.gpu("H100 SXM")), {"g": arg(NOT_A_GPU)}),
    "bytes_in_flight_kb": (dict(bandwidth_gbs=1555.0, latency_cycles=380.0, clock_ghz=1.41),
                           {"bandwidth_gbs": arg(real(0)), "latency_cycles": arg(real(0)), "clock_ghz": arg(real(0))}),
}


# notebook 01 second edition
NOT_A_LAYER_INPUT = st.sampled_from([[], [[1.0]], [[[math.nan]]], "abc", None, [[[1.0, 2.0], [3.0]]],
                                     [[[1.0]], [[2.0]]], 3.0])
NOT_LAYER_WEIGHTS = st.sampled_from([[], [[[1.0]]], [[[[math.inf]]]], "abc", None, [[[[1.0]], [[1.0]]]], 2.0])
STACK = st.sampled_from([[], [[1.0]], "abc", None, [[[math.nan, 1.0], [1.0, 1.0]]] * 0, 3.0, [[[1.0]]] * 3])
LAYERS_3 = st.sampled_from([[], None, "ab", [(3, 1)], [(0, 1, 1)], [(3, 0, 1)], [(3, 1, 0)], [(3.5, 1, 1)],
                            [(math.nan, 1, 1)], [(3, 1, 1, 1)], [(99, 16, 64)] * 4])
PAIRS = C.edge_training_pairs(1, 6, seed=0)
SWEEP[C] |= {
    "winograd_multiplications": (dict(m=4, r=3), {"m": arg(whole(1, 64)), "r": arg(whole(1, 64))}),
    "weight_layer_counts": (dict(name="resnet50"), {"name": arg(one_of_words(*C.NETWORKS), "network")}),
    "cost_by_resolution": (dict(name="vgg16"), {"name": arg(one_of_words(*C.NETWORKS), "network")}),
    "winograd_matrices": (dict(m=2, r=3), {"m": arg(whole(1, 9)), "r": arg(whole(1, 3))}),
    "winograd_correlate": (dict(d=[1.0, 2.0, 3.0, 4.0], g=[1.0, 0.0, -1.0], m=2, dtype="float64"),
                           {"d": arg(ARRAY_1D | st.just([1.0, 2.0])), "g": arg(ARRAY_1D), "m": arg(whole(1, 9)),
                            "dtype": arg(one_of_words("float64", "float32", "float16"))}),
    "winograd_error": (dict(m=2, dtype="float16", trials=3, seed=0),
                       {"m": arg(whole(1, 9)), "dtype": arg(one_of_words("float64", "float32", "float16")),
                        "trials": arg(whole(1, 100_000)), "seed": arg(SEED)}),
    "conv_algorithm_costs": (dict(n=8, k=3, c_in=2, c_out=2),
                             {"n": arg(whole()), "k": arg(whole()), "c_in": arg(whole()), "c_out": arg(whole())}),
    "rotate_image": (dict(image=[[1.0, 2.0], [3.0, 4.0]], degrees=30.0),
                     {"image": arg(ARRAY_2D), "degrees": arg(NOT_FINITE | st.sampled_from([400.0, -361.0]))}),
    "spectrum_peak_angle": (dict(image=[[1.0, 2.0], [3.0, 4.0]]), {"image": arg(ARRAY_2D)}),
    "conv_arithmetic_intensity": (dict(c_in=4, c_out=4, kernel=3, out_h=8, out_w=8, groups=2, stride=1,
                                       bytes_per_value=2),
                                  {"c_in": arg(whole()), "c_out": arg(whole()), "kernel": arg(whole()),
                                   "out_h": arg(whole()), "out_w": arg(whole()), "groups": arg(whole(1, 4)),
                                   "stride": arg(whole(1, 16)), "bytes_per_value": arg(whole(1, 8))}),
    "im2col_layer": (dict(x=[[[[1.0, 2.0], [3.0, 4.0]]]], kernel_size=1, padding=0, stride=1, dilation=1),
                     {"x": arg(ARRAY_2D), "kernel_size": arg(whole(1)), "padding": arg(whole(0)),
                      "stride": arg(whole()), "dilation": arg(whole())}),
    "conv_layer_gemm": (dict(x=[[[[1.0, 2.0], [3.0, 4.0]]]], weights=[[[[1.0]]]], bias=[0.5], padding=0, stride=1,
                             dilation=1),
                        {"x": arg(ARRAY_2D), "weights": arg(NOT_LAYER_WEIGHTS),
                         "bias": arg((ARRAY_1D | st.just([1.0, 2.0])).filter(lambda v: v is not None)),
                         "padding": arg(whole(0)), "stride": arg(whole()), "dilation": arg(whole())}),
    "original_alexnet_cost": (dict(), {}),
    "frequency_mask": (dict(shape=(8, 8), cutoff=0.1, keep="low", profile="ideal"),
                       {"shape": arg(SHAPE_2D), "cutoff": arg(real(0, 0.75)), "keep": arg(one_of_words("low", "high")),
                        "profile": arg(one_of_words(*C.FILTER_PROFILES))}),
    "shaped_frequency_filter": (dict(image=[[1.0, 2.0], [3.0, 4.0]], cutoff=0.1, keep="low", profile="gaussian"),
                                {"image": arg(ARRAY_2D), "cutoff": arg(real(0, 0.75)),
                                 "keep": arg(one_of_words("low", "high")),
                                 "profile": arg(one_of_words(*C.FILTER_PROFILES))}),
    "step_overshoot": (dict(cutoff=0.1, profile="ideal", n=32),
                       {"cutoff": arg(real(0, 0.75)), "profile": arg(one_of_words(*C.FILTER_PROFILES)),
                        "n": arg(whole(8, 1024))}),
    "conv_layer": (dict(x=[[[1.0, 2.0], [3.0, 4.0]]], weights=[[[[1.0]]]], bias=[0.5], padding=0, stride=1,
                        dilation=1, flip=False),
                   {"x": arg(NOT_A_LAYER_INPUT), "weights": arg(NOT_LAYER_WEIGHTS),
                    "bias": arg((ARRAY_1D | st.just([1.0, 2.0])).filter(lambda v: v is not None)),
                    "padding": arg(whole(0)), "stride": arg(whole()),
                    "dilation": arg(whole()), "flip": arg(NOT_A_FLAG)}),
    "window_terms": (dict(x=[[[1.0, 2.0], [3.0, 4.0]]], weights=[[[[1.0]]]], out_channel=0, row=1, col=0, bias=None,
                          padding=0, stride=1, dilation=1, flip=False),
                     {"x": arg(NOT_A_LAYER_INPUT), "weights": arg(NOT_LAYER_WEIGHTS),
                      "out_channel": arg(whole(0, 0)), "row": arg(whole(0, 1)), "col": arg(whole(0, 1)),
                      "padding": arg(whole(0)), "stride": arg(whole()), "dilation": arg(whole()),
                      "flip": arg(NOT_A_FLAG)}),
    "edge_training_pairs": (dict(n_pairs=2, size=6, target="convolution", seed=0),
                            {"n_pairs": arg(whole(1, 256)), "size": arg(whole(4, 256)),
                             "target": arg(one_of_words("convolution", "correlation")), "seed": arg(SEED)}),
    "kernel_loss_and_gradient": (dict(kernel=np.ones((3, 3)), images=PAIRS[0], targets=PAIRS[1]),
                                 {"kernel": arg(ARRAY_2D), "images": arg(STACK, "images"),
                                  "targets": arg(STACK | st.just(np.zeros((1, 3, 3))), "targets")}),
    "learn_kernel": (dict(images=PAIRS[0], targets=PAIRS[1], steps=2, lr=0.5, size=3, seed=0),
                     {"images": arg(STACK, "images"), "targets": arg(STACK | st.just(np.zeros((1, 3, 3))), "targets"),
                      "steps": arg(whole(0, 5000)), "lr": arg(real(0) | st.just(1e6)), "size": arg(whole(1, 9)),
                      "seed": arg(SEED)}),
    "learn_kernel_trace": (dict(images=PAIRS[0], targets=PAIRS[1], steps=2, lr=0.5, size=3, seed=0, limit=1e12),
                           {"images": arg(STACK, "images"),
                            "targets": arg(STACK | st.just(np.zeros((1, 3, 3))), "targets"),
                            "steps": arg(whole(0, 5000)), "lr": arg(real(0)), "size": arg(whole(1, 9)),
                            "seed": arg(SEED), "limit": arg(real(0))}),
    "gradient_descent_lr_limit": (dict(images=PAIRS[0], size=3),
                                  {"images": arg(STACK, "images"), "size": arg(whole(1, 9))}),
    "receptive_field_size": (dict(layers=[(3, 1, 1)]),
                             {"layers": arg(LAYERS_3.filter(lambda v: v != [(99, 16, 64)] * 4),
                                            "layers", "kernel", "stride", "dilation")}),
    "receptive_field_paths": (dict(layers=[(3, 2, 1), (3, 1, 2)]),
                              {"layers": arg(LAYERS_3, "layers", "kernel", "stride", "dilation")}),
    "heat_kernel_2d": (dict(alpha=0.2), {"alpha": arg(real(0, 0.25))}),
    "diffuse_image": (dict(image=[[1.0, 2.0], [3.0, 4.0]], steps=2, alpha=0.25),
                      {"image": arg(ARRAY_2D), "steps": arg(whole(0, 2000)), "alpha": arg(real(0, 0.25))}),
    "diffusion_kernel": (dict(steps=2, alpha=0.1), {"steps": arg(whole(0, 500)), "alpha": arg(real(0, 0.25))}),
    "gaussian_blur": (dict(image=[[1.0, 2.0], [3.0, 4.0]], sigma=1.0),
                      {"image": arg(ARRAY_2D), "sigma": arg(real(0, 50))}),
    "softmax_kernel": (dict(kernel=[[1.0, -1.0]]), {"kernel": arg(ARRAY_2D)}),
    "match_template": (dict(image=[[1.0, 2.0], [3.0, 4.0]], template=[[1.0]]),
                       {"image": arg(ARRAY_2D), "template": arg(ARRAY_2D)}),
    "moving_average_series": (dict(noise=[1.0, -1.0, 0.5], weights=[0.5, 0.5]),
                              {"noise": arg(ARRAY_1D), "weights": arg(ARRAY_1D)}),
    "autoregressive_series": (dict(noise=[1.0, -1.0, 0.5], phi=0.5),
                              {"noise": arg(ARRAY_1D), "phi": arg(NOT_FINITE | WRONG_TYPE.filter(lambda v: v != "3")
                                                                  | st.sampled_from([1.0, -1.0, 2.5]))}),
}

# notebook 04 second edition
SERIES = one_of_words(*BU.power_limit_series())
SWEEP[BU] |= {
    "storage_random_reads_per_s": (dict(storage="SATA SSD", optimistic=False),
                                   {"storage": arg(STORAGE), "optimistic": arg(NOT_A_FLAG)}),
    "storage_samples_per_s": (dict(storage="HDD (7200 rpm)", sample_bytes=110e3, access="random",
                                   cached_fraction=0.5),
                              {"storage": arg(STORAGE), "sample_bytes": arg(real(0)),
                               "access": arg(one_of_words(*BU.ACCESS_PATTERNS)),
                               "cached_fraction": arg(real(0, 1, False))}),
    "page_cache_hit_fraction": (dict(dataset_gb=138.0, cache_gb=64.0, epoch=2),
                                {"dataset_gb": arg(real(0)), "cache_gb": arg(AT_LEAST_0), "epoch": arg(whole())}),
    "power_limit_series": (dict(kind="training"),
                           {"kind": arg(one_of_words("training", "stress", "games").filter(lambda v: v is not None))}),
    "power_limit_curve": (dict(series="puget_tf"), {"series": arg(SERIES)}),
    "cloud_vs_own_at_end": (dict(**COST, hours_per_month=200.0, months=24, resale_fraction=0.3, idle_w=21.0,
                                 hours_on_per_month=730.0),
                            {**COST_ARGS, "hours_per_month": arg(real(0, 730, False)), "months": arg(whole(1, 240)),
                             "resale_fraction": arg(real(0, 1, False)), "idle_w": arg(AT_LEAST_0),
                             "hours_on_per_month": arg(real(0, 744, False))}),
    "ram_needed_gb": (dict(gpu_memory_gb=[24.0, 32.0]),
                      {"gpu_memory_gb": arg(st.sampled_from([None, [], "abc", 24.0, [0.0], [-1.0], [math.nan],
                                                            [math.inf], ["a"], {"a": 1}]), "gpu_memory_gb",
                                            "GPU memory")}),
    "lanes_per_gpu": (dict(gpu_lanes=16, n_gpus=2), {"gpu_lanes": arg(whole(1, 256)), "n_gpus": arg(whole(1, 16))}),
    "cards_that_fit": (dict(slot_positions=[1, 3, 5, 7], card_slots=2, case_slots=8),
                       {"slot_positions": arg(st.sampled_from([None, [], "ab", 3, [0], [-1], [1.5], [math.nan],
                                                               [17], [[1]]])),
                        "card_slots": arg(whole(1, 5)), "case_slots": arg(whole(1, 16))}),
    "ddr_bandwidth_gbs": (dict(mega_transfers_per_s=4800.0, channels=2),
                          {"mega_transfers_per_s": arg(real(0)), "channels": arg(whole(1, 16))}),
    "cooling_speeds": (
        dict(n_cards=4, gap_slots=0, fan="open-air", power_fraction=0.8, ambient_c=25.0, card_w=350.0,
             curve="qwertyforce_tf32"),
        {"n_cards": arg(whole(1, 8)), "gap_slots": arg(whole(0, 4)), "fan": arg(one_of_words(*BU.FAN_TYPES)),
         "power_fraction": arg(real(0, 1)), "ambient_c": arg(real(-20, 50, False)), "card_w": arg(real(0)),
         "curve": arg(SERIES, "curve", "series")}),
    "hardware_fact": (dict(key="rtx4090_idle_w"), {"key": arg(st.sampled_from([None, "", "no_such_fact", 3]))}),
    "power_limit_label": (dict(series="puget_tf"), {"series": arg(SERIES)}),
    "cooling_limit_c": ({}, {}),
    # review of the second edition
    "power_limit_watts_curve": (dict(series="puget_tf"), {"series": arg(SERIES)}),
    "speed_at_stock_share": (dict(stock_fraction=0.8, series="puget_tf"),
                             {"stock_fraction": arg(real(0, 1.37)), "series": arg(SERIES)}),
    "stock_share_range": (dict(series="puget_tf"), {"series": arg(SERIES)}),
    "slots_needed": (dict(n_cards=4, card_slots=2, gap_slots=1),
                     {"n_cards": arg(whole(1, 16)), "card_slots": arg(whole(1, 5)), "gap_slots": arg(whole(0, 4))}),
    "cooling_power_shares": (
        dict(n_cards=4, gap_slots=0, fan="open-air", power_fraction=0.8, ambient_c=25.0, card_w=350.0),
        {"n_cards": arg(whole(1, 8)), "gap_slots": arg(whole(0, 4)), "fan": arg(one_of_words(*BU.FAN_TYPES)),
         "power_fraction": arg(real(0, 1)), "ambient_c": arg(real(-20, 50, False)), "card_w": arg(real(0))}),
    "consumer_gpu_links": (dict(n_gpus=4, cpu_generation="5.0", chipset_generation="4.0"),
                           {"n_gpus": arg(whole(1, 4)), "cpu_generation": arg(one_of_words(*BU.pcie_generations())),
                            "chipset_generation": arg(one_of_words(*BU.pcie_generations()))}),
    "ram_today_gb": (dict(gpu_memory_gb=[24.0, 32.0], factor=2.0),
                     {"gpu_memory_gb": arg(st.sampled_from([None, [], "abc", 24.0, [0.0], [-1.0], [math.nan],
                                                           [math.inf], ["a"], {"a": 1}]), "gpu_memory_gb",
                                           "GPU memory"),
                      "factor": arg(real(1, low_open=False))}),
    "step_time_s": (dict(batch=256, gpu_samples_per_s=2000.0),
                    {"batch": arg(whole()), "gpu_samples_per_s": arg(real(0))}),
    "build_plan": (dict(gpu_w=575.0, gpu_memory_gb=32.0, count=2, card_slots=2, gpu_samples_per_s=2000.0, cpu_w=170.0,
                        other_w=60.0, region="US", tier="Gold"),
                   {"gpu_w": arg(real(0)), "gpu_memory_gb": arg(real(0)), "count": arg(whole(1, 8)),
                    "card_slots": arg(whole(1, 5)), "gpu_samples_per_s": arg(real(0)), "cpu_w": arg(AT_LEAST_0),
                    "other_w": arg(AT_LEAST_0), "region": arg(one_of_words("US", "EU")),
                    "tier": arg(one_of_words(*BU.PSU_TIERS))}),
}
SWEEP[M] |= {
    "parse_cpu_max": (dict(text="100000 100000"),
                      {"text": arg(st.sampled_from([None, 3, "", "abc", "1 2 3", "x 100", "-5 100", "100 0"]))}),
    "cpu_quota": ({}, {}),
    "imagenet_like_jpeg": (dict(seed=0), {"seed": arg(SEED)}),
    "measure_imagenet_decode_rate": (dict(n_images=1, out=32, seed=0),
                                     {"n_images": arg(whole(1, 500)), "out": arg(whole(32, 1024)),
                                      "seed": arg(SEED)}),
    "measure_imagenet_decode": (dict(n_images=1, repeats=1, out=32, seed=0),
                                {"n_images": arg(whole(1, 500)), "repeats": arg(whole(1, 50)),
                                 "out": arg(whole(32, 1024)), "seed": arg(SEED)}),
}

# ---- the course as a whole (issue 26): study time, course map, machine classes -------------------------------
from helpers import course as CO  # noqa: E402

NOT_A_NOTEBOOK = st.sampled_from([None, 3, 2.5, "notes.txt", "missing.ipynb", {"cells": 3}, {}, [1, 2]])
TINY_NOTEBOOK = {"cells": [{"cell_type": "markdown", "source": "# Tiny\n\ntwo words", "metadata": {}}]}
SWEEP[CO] = {
    "prose_words": (dict(text="two words"), {"text": arg(st.sampled_from([None, 3, 2.5, ["a"], b"a"]))}),
    "study_counts": (dict(notebook=TINY_NOTEBOOK), {"notebook": arg(NOT_A_NOTEBOOK)}),
    "study_minutes": (dict(notebook=TINY_NOTEBOOK),
                      {"notebook": arg(NOT_A_NOTEBOOK), "words_per_minute": arg(real(0)),
                       "minutes_per_explorer": arg(real(0, low_open=False)),
                       "minutes_per_exercise": arg(real(0, low_open=False))}),
    "notebook_title": (dict(notebook=TINY_NOTEBOOK),
                       {"notebook": arg(NOT_A_NOTEBOOK | st.just({"cells": [{"cell_type": "markdown",
                                                                                 "source": "x"}]}))}),
    "course_map": (dict(folder=ROOT / "notebooks"),
                   {"folder": arg(st.sampled_from([3, 2.5, "/no/such/folder", ROOT / "helpers" / "data"]))}),
    "course_paths": ({}, {}),
    "glossary": ({}, {}),
    "machine_classes": ({}, {}),
    "matching_classes": (dict(matmul_gflops=100.0, copy_gbs=10.0),
                         {"matmul_gflops": arg(real(0)), "copy_gbs": arg(real(0))}),
}

# notebook 07 second edition
SWEEP[MP]["activation_gb"][0]["sequence_parallel"] = True
SWEEP[MP]["activation_gb"][1]["sequence_parallel"] = arg(NOT_A_FLAG)
SWEEP[MP]["plan"][0]["sequence_parallel"] = True
SWEEP[MP]["plan"][1]["sequence_parallel"] = arg(NOT_A_FLAG)
PLANS = MP.plan(SHAPE, 8, 80.0, 1e15, PCIE4, QDR, gpus_per_node=4, global_batch=64)
SWEEP[MP] |= {
    "top_layouts": (dict(plans=PLANS, k=3, noise=0.05),
                    {"plans": arg(st.sampled_from([None, "abc", [1], (PLANS[0],), {"a": 1}])),
                     "k": arg(whole(1, 1000)), "noise": arg(AT_LEAST_0)}),
    "hybrid_bytes": (dict(network="alexnet", batch=128, n_gpus=8, bytes_per_value=4),
                     {"network": arg(one_of_words(*C.NETWORKS)), "batch": arg(DIM), "n_gpus": arg(DEVICES),
                      "bytes_per_value": arg(real(0))}),
    "compute_parameter_shares": (dict(network="vgg16"), {"network": arg(one_of_words(*C.NETWORKS))}),
    "simulate_zero_bubble": (dict(stages=2, microbatches=3),
                             {"stages": arg(whole(1, 64)), "microbatches": arg(whole(1, 512))}),
    "simulate_interleaved": (dict(stages=2, microbatches=4, virtual=2),
                             {"stages": arg(whole(1, 64)), "microbatches": arg(whole(1, 512)),
                              "virtual": arg(whole(1, 8))}),
}
SWEEP[MP]["plan"][0]["headroom"] = 0.1
SWEEP[MP]["intra_node_link"][0]["group"] = 2
SWEEP[MP]["intra_node_link"][1]["group"] = arg(whole(0, 72))
SWEEP[MP]["plan"][1]["headroom"] = arg(real(0, 1, low_open=False))
SWEEP[MP] |= {
    "moe_all_to_all_bytes": (dict(hidden=64, top_k=2, dispatch_bytes=1, combine_bytes=2, max_nodes=1),
                             {"hidden": arg(DIM), "top_k": arg(whole(1, 1024)), "dispatch_bytes": arg(real(0)),
                              "combine_bytes": arg(real(0)), "max_nodes": arg(whole(0, 10**9))}),
    "ring_attention_traffic": (dict(seq=1024, hidden=64, kv_hidden=16, cp=4, bytes_per_value=2),
                               {"seq": arg(DIM), "hidden": arg(DIM), "kv_hidden": arg(DIM), "cp": arg(DEVICES),
                                "bytes_per_value": arg(real(0))}),
}

# ---- notebook 06 second edition: calibration, layers, critical batch, 1-bit SGD, memory --------------------------
CNN = one_of_words(*CL.CNN_MODELS)
LOCAL_BITS = st.sampled_from([0, 3, 7, 64, True, None, "16"])
H100_06 = G.gpu("H100 SXM")
SWEEP[PA] |= {
    "published_throughput": ({}, {}),
    "published_utilization": (dict(row=PA.published_throughput()[0]), {}),
    "cnn_utilization": ({}, {}),
    "default_utilization": (dict(model="vgg16"), {"model": arg(MODEL)}),
    "max_strong_gpus": (dict(batch=64), {"batch": arg(real(1, low_open=False))}),
    "layer_traffic": (dict(network="alexnet"), {"network": arg(CNN)}),
    "conv_shares": (dict(network="vgg16"), {"network": arg(CNN)}),
    "optimisation_steps": (dict(batch=1024.0, noise_scale=4096.0, min_steps=100.0),
                           {"batch": arg(real(0)), "noise_scale": arg(real(0)), "min_steps": arg(real(0))}),
    "accumulation_steps": (dict(samples_per_allreduce=10.0, micro_batch=2.0),
                           {"samples_per_allreduce": arg(real(0)), "micro_batch": arg(real(0))}),
    "layer_step_times_s": (dict(network="alexnet", gpu=H100_06, link=QDR, n_gpus=8, batch_per_gpu=64, bits=16,
                                utilization=0.2),
                           {"network": arg(CNN), "gpu": arg(NOT_A_GPU), "link": arg(NOT_A_LINK),
                            "n_gpus": arg(whole(2, 100_000)),
                            "batch_per_gpu": arg(real(0)), "bits": arg(LOCAL_BITS), "utilization": arg(real(0, 1))}),
    "critical_batch": (dict(model="vgg16", gpu=H100_06, link=QDR, n_gpus=64, bits=16, utilization=0.2),
                       {"model": arg(MODEL), "gpu": arg(NOT_A_GPU), "link": arg(NOT_A_LINK),
                        "n_gpus": arg(whole(2, 100_000)), "bits": arg(LOCAL_BITS), "utilization": arg(real(0))}),
    "critical_tokens": (dict(gpu=H100_06, link=QDR, n_gpus=64, bits=16, utilization=0.4),
                        {"gpu": arg(NOT_A_GPU), "link": arg(NOT_A_LINK), "n_gpus": arg(whole(2, 100_000)),
                         "bits": arg(LOCAL_BITS), "utilization": arg(real(0, 1, low_open=False))}),
    "mlp_compute_comm_ratio": (dict(hidden=64, batch_per_gpu=32, gpu=H100_06, link=QDR, n_gpus=8, layers=2, bits=16,
                                    utilization=0.4),
                               {"hidden": arg(whole(1, 10**6)), "batch_per_gpu": arg(real(0)),
                                "gpu": arg(NOT_A_GPU), "n_gpus": arg(whole(2, 100_000)),
                                "layers": arg(whole(1, 1000)), "bits": arg(LOCAL_BITS),
                                "utilization": arg(real(0, 1))}),
    "one_bit_quantize": (dict(g=[0.5, -2.0, 1e-3], residual=[0.0, 0.1, 0.0]),
                         {"g": arg(ARRAY_1D), "residual": arg(ARRAY_1D.filter(lambda v: v is not None) |
                                                              st.just([1.0, 2.0]))}),
    "one_bit_drift": (dict(steps=3, n=10, error_feedback=False, seed=0),
                      {"steps": arg(whole(1, 10_000)), "n": arg(whole(2, 10**5)),
                       "error_feedback": arg(NOT_A_FLAG), "seed": arg(SEED)}),
    "training_state_gb": (dict(model="resnet50", bytes_per_param=16),
                          {"model": arg(MODEL), "bytes_per_param": arg(real(0))}),
    "fits_data_parallel": (dict(model="resnet50", gpu=H100_06, bytes_per_param=16),
                           {"model": arg(MODEL), "gpu": arg(NOT_A_GPU), "bytes_per_param": arg(real(0))}),
}

# ---- notebook 05 second edition: NVLink domains, training state, inside the box ----------------------------------
SWEEP[CL] |= {
    "nvlink_domain_speedup": (dict(n_workers=[8, 64], compute_s=0.2, n_bytes=1e8, nvlink=CL.link("NVLink 4 (H100)"),
                                   network=QDR, domain_gpus=8, overlap=False),
                              {"n_workers": arg(whole(1, 10**7).filter(lambda v: v != [1, 2])),
                               "compute_s": arg(real(0)), "n_bytes": arg(ONE_BYTES), "nvlink": arg(NOT_A_LINK),
                               "network": arg(NOT_A_LINK),
                               "domain_gpus": arg(st.sampled_from([0, 7, 9, 72, "8", None, True])),
                               "overlap": arg(NOT_A_FLAG)}),
    "training_state_gb": (dict(model="llama2_7b"), {"model": arg(one_of_words(*CL.models()))}),
    "gpu_to_gpu_link": (dict(lk=QDR), {"lk": arg(NOT_A_LINK)}),
    "topo_code_kind": (dict(code="NV12"), {"code": arg(st.sampled_from(["X", "NV", "pix", "NVx", None, 3, ""]))}),
    "gpu_pair_route": (dict(code="PIX", p2p_capable=True),
                       {"code": arg(st.sampled_from(["X", "NVx", None, 3])),
                        "p2p_capable": arg(NOT_A_FLAG)}),
    "gpu_pair_copy_time_s": (dict(n_bytes=1e6, code="SYS", pcie=CL.link("PCIe 3.0 x16"), p2p_capable=False),
                             {"n_bytes": arg(BYTES), "code": arg(st.sampled_from(["X", "NVx", None, 3])),
                              "pcie": arg(NOT_A_LINK), "p2p_capable": arg(NOT_A_FLAG)}),
    "nic_gpu_rdma": (dict(code="PHB"), {"code": arg(st.sampled_from(["X", "NV2", "pix", None]))}),
    "topo_matrix": (dict(table="topo_example"), {"table": arg(st.sampled_from(["gpus", None, 3]))}),
    "place_nic": (dict(devices=["GPU0", "GPU1", "NIC"], matrix=[["X", "SYS", "PHB"], ["SYS", "X", "SYS"],
                                                             ["PHB", "SYS", "X"]], nic="NIC", beside="GPU1"),
                  {"nic": arg(st.sampled_from(["GPU1", "nic", None, 3]), "nic", "beside"),
                   "beside": arg(st.sampled_from(["NIC", "GPU9", None]))}),
    "min_tokens_per_gpu": (dict(gpu_flops=1e15, link=QDR, gradient_bytes_per_param=2.0, flops_per_param_token=6.0),
                           {"gpu_flops": arg(real(0)), "link": arg(NOT_A_LINK),
                            "gradient_bytes_per_param": arg(real(0)), "flops_per_param_token": arg(real(0))}),
}

# notebook 02 second edition
YEAR = NOT_FINITE | WRONG_TYPE.filter(lambda v: v != "3")
SWEEP[B] |= {
    "dettmers2015_inputs": ({}, {}),
    "carlsmith_methods": ({}, {}),
    "ai_cluster_flops": ({}, {}),
    "dettmers2015_chain": (dict(overrides={"time_steps": 5.0}),
                           {"overrides": arg(st.sampled_from(["x", 3, {"rate_hz": 1.0}, {"time_steps": 0.0},
                                                              {"time_steps": math.nan}, {"neurons": "x"}]),
                                             "overrides", "time_steps", "neurons")}),
    "conv_filter_flop": (dict(inputs=15.0, filter_spatial=12.0, time_steps=5.0),
                         {"inputs": arg(real(0)), "filter_spatial": arg(real(0)), "time_steps": arg(real(0))}),
    "landauer_limit_flops": (dict(watts=20.0, kelvin=310.0), {"watts": arg(real(0)), "kelvin": arg(real(0))}),
    "lifetime_flop": (dict(flops=1e15, seconds=1e9), {"flops": arg(real(0)), "seconds": arg(real(0))}),
    "doublings_needed": (dict(start=1.0, target=8.0), {"start": arg(real(0)), "target": arg(real(0))}),
    "year_after_doublings": (dict(year0=2015.0, doublings=21, years_per_doubling=1.8),
                             {"year0": arg(YEAR), "doublings": arg(real(0, low_open=False)),
                              "years_per_doubling": arg(real(0))}),
    "latest_point": (dict(column="rank1_rmax_tflops"), {"column": arg(st.sampled_from(["nope", None, 3, "year "]))}),
    "year_reached_from": (dict(target=100.0, fit=FIT, value=1.0, year=2000.0),
                          {"target": arg(real(0)), "fit": arg(NOT_A_FIT), "value": arg(real(0)),
                           "year": arg(YEAR)}),
    "residual_autocorrelation": (dict(fit=FIT, years=YEARS, values=VALUES),
                                 {"fit": arg(NOT_A_FIT), "years": arg(ARRAY_1D), "values": arg(POSITIVE_SERIES)}),
    "effective_sample_size": (dict(n=10, rho=0.5),
                              {"n": arg(whole(1)), "rho": arg(YEAR | st.sampled_from([1.0, -1.0, 2.0]))}),
    "monte_carlo_crossing_from": (
        dict(ranges=RANGES, fit=FIT, value=1.0, year=2000.0, n=10, seed=0),
        {"ranges": arg(st.sampled_from([None, {}, "x", {**RANGES, "neurons": (10.0, 1.0)},
                                        {**RANGES, "rate_hz": (math.nan, 1.0)}, {**RANGES, "neurons": 3.0}]),
                       "ranges", "low", "high", *B.FACTORS),
         "fit": arg(NOT_A_FIT), "value": arg(real(0)), "year": arg(YEAR), "n": arg(whole(1, B.MAX_SAMPLES)),
         "seed": arg(SEED)}),
    "neuron_pipeline_flop": (dict(inputs=15.0, filter_spatial=12.0, time_steps=5.0, stages=None),
                             {"inputs": arg(real(0)), "filter_spatial": arg(real(0)), "time_steps": arg(real(0)),
                              "stages": arg(st.sampled_from(["x", 3, {"glia": True}, [1, 2]]))}),
}
SWEEP[B] |= {  # notebook 02 second edition (continued)
    "dettmers2015_pipeline": (dict(stages=None, time_steps=5.0),
                              {"stages": arg(st.sampled_from(["x", 3, {"glia": True}, [1, 2]])),
                               "time_steps": arg(st.floats(max_value=0) | NOT_FINITE
                                                 | st.sampled_from(["abc", [1, 2]]))}),
}
ERAS = st.sampled_from([None, [], "x", [(1.0, -1.0)], [(math.nan, 0.1)], [(1.0,)], 3.0])
SAMPLES = st.sampled_from([[], "abc", None, [[1.0]], [1.0, -1.0], [1.0, math.nan]])
SWEEP[B] |= {  # notebook 02 second edition (review fixes)
    "years_per_doubling": (dict(value0=1.0, year0=2000.0, value1=8.0, year1=2006.0),
                           {"value0": arg(real(0)), "year0": arg(YEAR), "value1": arg(real(0)), "year1": arg(YEAR)}),
    "inflated_slope_stderr": (dict(fit=FIT, rho=0.5),
                              {"fit": arg(NOT_A_FIT), "rho": arg(YEAR | st.sampled_from([1.0, -1.0, 2.0]))}),
    "era_slope_samples": (dict(eras=[(0.1, 0.01), (0.2, 0.0)], n=10, rng=np.random.default_rng(0)),
                          {"eras": arg(ERAS), "n": arg(whole(1, B.MAX_SAMPLES)),
                           "rng": arg(st.sampled_from([None, 3, "x"]))}),
    "years_reached_from": (dict(flops=[10.0, 100.0], slopes=[1.0, 0.5], value=1.0, year=2000.0),
                           {"flops": arg(SAMPLES),
                            "slopes": arg(st.sampled_from([[1.0], "abc", None, [1.0, math.nan]])),
                            "value": arg(real(0)), "year": arg(YEAR)}),
    "dettmers2015_samples": (dict(n=10, seed=0, cell_by_cell_share=0.5),
                             {"n": arg(whole(1, B.MAX_SAMPLES)), "seed": arg(SEED),
                              "cell_by_cell_share": arg(NOT_FINITE | st.sampled_from([-0.1, 1.5, None, "x"]))}),
    "gap_decomposition": ({}, {}),
    "top500_eras": (dict(split=2013.0, end=None), {"split": arg(NOT_FINITE | WRONG_TYPE.filter(lambda v: v != "3")),
                                                   "end": arg(NOT_FINITE | st.sampled_from(["abc", [1, 2]]))}),
    "monte_carlo_years": (dict(flops=[10.0, 100.0], eras=[(0.1, 0.01)], value=1.0, year=2000.0, seed=0),
                          {"flops": arg(SAMPLES), "eras": arg(ERAS), "value": arg(real(0)), "year": arg(YEAR),
                           "seed": arg(SEED)}),
}

CASES = [(module, function, argument) for module, table in SWEEP.items() for function, (_, args) in table.items()
         for argument in args]


def call(module, function: str, kwargs: dict):
    if function == "combined_gaussian_sigma":  # *sigmas
        return module.combined_gaussian_sigma(*kwargs["sigmas"])
    return getattr(module, function)(**kwargs)


def public_functions(module) -> set[str]:
    return {name for name, f in inspect.getmembers(module, inspect.isfunction)
            if not name.startswith("_") and f.__module__ == module.__name__}


def committed_functions(module) -> set[str] | None:
    """Top-level function names in the committed version of a module (None when git cannot tell)."""
    path = Path(module.__file__).relative_to(ROOT).as_posix()
    try:
        text = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return {n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("module", list(SWEEP), ids=lambda m: m.__name__)
def test_sweep_lists_every_public_function(module):
    committed = committed_functions(module)  # functions still being written are left to their author
    missing = {f for f in public_functions(module) - set(SWEEP[module]) if committed is None or f in committed}
    assert not missing, f"add {sorted(missing)} of {module.__name__} to SWEEP in {Path(__file__).name}"
    for function, (_, args) in SWEEP[module].items():
        unknown = set(args) - set(inspect.signature(getattr(module, function)).parameters)
        assert not unknown, f"{function} has no parameter(s) {unknown}"


def tracked_helper_modules() -> list[str]:
    """Helper modules under version control (files still being written are left to their author)."""
    try:
        out = subprocess.run(["git", "ls-files", "helpers/*.py"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: every file counts
        out = [str(p.relative_to(ROOT)) for p in (ROOT / "helpers").glob("*.py")]
    return sorted(Path(p).stem for p in out if Path(p).parent.name == "helpers")


def test_every_pure_helper_module_is_swept():
    swept = {m.__name__.rsplit(".", 1)[1] for m in SWEEP}
    missing = set(tracked_helper_modules()) - NOT_PURE - swept
    assert not missing, f"add a table for helpers.{sorted(missing)} to SWEEP in {Path(__file__).name}"


@pytest.mark.parametrize("module, function", [(m, f) for m, t in SWEEP.items() for f in t],
                         ids=lambda v: getattr(v, "__name__", v))
def test_working_arguments_work(module, function):
    kwargs, _ = SWEEP[module][function]
    call(module, function, kwargs)


@pytest.mark.parametrize("module, function, argument", CASES, ids=lambda v: getattr(v, "__name__", v))
def test_impossible_argument_raises_valueerror_naming_it(module, function, argument):
    kwargs, args = SWEEP[module][function]
    bad_values, names = args[argument]
    names = names or (argument,)

    @settings(max_examples=12, deadline=None, database=None)
    @given(bad=bad_values)
    def sweep(bad):
        try:
            result = call(module, function, {**kwargs, argument: bad})
        except ValueError as err:
            message = str(err)
            assert any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", message) for n in names), (
                f"{function}({argument}={bad!r}): the message {message!r} does not name {' or '.join(names)}")
        except Exception as err:
            raise AssertionError(f"{function}({argument}={bad!r}) raised {type(err).__name__}: {err} "
                                 "(a ValueError naming the argument is expected)") from err
        else:
            raise AssertionError(f"{function}({argument}={bad!r}) returned {result!r} instead of a ValueError")

    sweep()
