"""helpers.quantize: absmax and NormalFloat quantization, errors, matmul error and memory; notebook 08's examples."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers import quantize as Q

# QLoRA's NF4 code values (bitsandbytes), to four decimals
NF4 = [-1.0, -0.6962, -0.5251, -0.3949, -0.2844, -0.1848, -0.0910, 0.0,
       0.0796, 0.1609, 0.2461, 0.3379, 0.4407, 0.5626, 0.7230, 1.0]


def test_normal_float_levels_match_nf4():
    np.testing.assert_allclose(Q.normal_float_levels(4), NF4, atol=1e-4)
    for bits in range(2, 9):
        levels = Q.normal_float_levels(bits)
        assert levels.size == 2**bits and levels.min() == -1 and levels.max() == 1 and 0.0 in levels
        assert np.all(np.diff(levels) > 0)


def test_memory_worked_examples_from_the_brief():
    assert Q.memory_bytes(65e9, 16) == pytest.approx(130e9)
    assert Q.memory_bytes(65e9, 8) == pytest.approx(65e9)
    assert Q.memory_bytes(65e9, 4) == pytest.approx(32.5e9)
    assert Q.memory_bytes(65e9, 4, 64) == pytest.approx(36.5625e9)  # + 0.5 bit per parameter of fp32 scales
    assert Q.memory_bytes(65e9, 4, 64, double_quant=True) / 65e9 * 8 - 4 == pytest.approx(0.127, abs=1e-3)
    assert Q.memory_bytes(70e9, 4) == pytest.approx(35e9)


def test_int8_absmax_codes_and_round_trip():
    x = np.array([[-2.0, -1.0, 0.0, 0.5, 2.0]])
    q = Q.quantize(x, 8, "absmax")
    assert q.codes.dtype == np.int8 and q.codes.tolist() == [[-127, -64, 0, 32, 127]]
    assert q.scales.tolist() == [2.0]
    np.testing.assert_allclose(Q.dequantize(q), [[-2.0, -128 / 127, 0.0, 64 / 127, 2.0]])


@given(hnp.arrays(float, st.tuples(st.integers(1, 12), st.integers(1, 40)),
                  elements=st.floats(-1e6, 1e6, allow_nan=False)),
       st.sampled_from(["absmax", "absmax-row", "blockwise"]), st.integers(2, 8), st.sampled_from([2, 3, 16, 64]))
def test_absmax_error_is_at_most_half_a_step(x, method, bits, block):
    block = block if method == "blockwise" else None
    q = Q.quantize(x, bits, method, block)
    back = Q.dequantize(q)
    assert back.shape == x.shape
    qmax = 2 ** (bits - 1) - 1
    if method == "absmax":
        step = np.abs(x).max() / qmax
    elif method == "absmax-row":
        step = np.abs(x).max(axis=1, keepdims=True) / qmax
    else:
        flat = np.concatenate([x.ravel(), np.zeros((-x.size) % block)]).reshape(-1, block)
        step = np.repeat(np.abs(flat).max(axis=1) / qmax, block)[: x.size].reshape(x.shape)
    assert np.all(np.abs(back - x) <= step / 2 * (1 + 1e-9) + 1e-300)
    assert np.abs(q.codes).max() <= qmax


@given(hnp.arrays(float, st.integers(1, 300), elements=st.floats(-100, 100, allow_nan=False)),
       st.integers(2, 8), st.sampled_from([2, 7, 64]))
def test_normal_float_round_trip_lands_on_a_scaled_level(x, bits, block):
    q = Q.quantize(x, bits, "normal-float", block)
    assert q.codes.max() < 2**bits
    back = Q.dequantize(q)
    assert back.shape == x.shape
    assert np.all(np.abs(back) <= np.abs(x).max() * (1 + 1e-12))


def test_uniform_rounding_noise_is_step_over_sqrt12():
    x = np.random.default_rng(0).uniform(-1, 1, 200_000)
    result = Q.quantization_error(x, 8, "absmax")
    step = np.abs(x).max() / 127
    assert result.rmse == pytest.approx(Q.uniform_noise_rmse(step), rel=0.02)


def test_blocks_beat_one_scale_on_heavy_tailed_weights_and_nf_beats_uniform_on_normal_weights():
    heavy = Q.sample_weights((256, 256), "student-t", seed=3)
    per_tensor = Q.quantization_error(heavy, 4, "absmax").relative_rmse
    per_block = Q.quantization_error(heavy, 4, "blockwise", 64).relative_rmse
    assert per_block < per_tensor / 2
    normal = Q.sample_weights((256, 256), "normal", seed=3)
    assert (Q.quantization_error(normal, 4, "normal-float", 64).relative_rmse
            < Q.quantization_error(normal, 4, "blockwise", 64).relative_rmse)


def test_matmul_error_shrinks_with_bits_and_fp16_is_tiny():
    w = Q.sample_weights((64, 128), seed=1)
    a = np.random.default_rng(2).normal(size=(16, 128))
    errors = [Q.matmul_error(a, w, b, "blockwise", 64) for b in range(2, 9)]
    assert all(e1 > e2 for e1, e2 in zip(errors, errors[1:]))
    assert errors[-1] < 0.01 < errors[0]
    assert Q.matmul_error(a, w, 16, "fp16") < 1e-3


def test_padding_zero_blocks_and_storage():
    x = np.concatenate([np.zeros(64), np.arange(1.0, 11.0)])
    q = Q.quantize(x, 4, "normal-float", 64)
    assert q.n_blocks == 2 and q.n_values == 74 and q.scales[0] == 0
    np.testing.assert_allclose(Q.dequantize(q)[:64], 0)
    assert q.nbytes == pytest.approx(74 * (4 + 32 / 64) / 8)
    assert Q.quantize(x, 16, "fp16").nbytes == 74 * 2


def test_fp16_round_trip_and_range():
    x = np.array([1.0, 1e-3, 60000.0])
    np.testing.assert_allclose(Q.dequantize(Q.quantize(x, 16, "fp16")), x, rtol=1e-3)
    with pytest.raises(ValueError, match="float16 range"):
        Q.quantize([1e5], 16, "fp16")


def test_sample_weights_are_seeded_with_the_requested_spread():
    a = Q.sample_weights((300, 300), "student-t", std=0.02, seed=5)
    assert np.array_equal(a, Q.sample_weights((300, 300), "student-t", std=0.02, seed=5))
    assert a.std() == pytest.approx(0.02, rel=0.05)
    assert np.abs(a).max() > 6 * 0.02  # heavy tails
    assert Q.sample_weights(10).shape == (10,)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: Q.quantize([1.0, 2.0], 9, "absmax"), "bits"),
        (lambda: Q.quantize([1.0, 2.0], 8, "absmax", 64), "block_size"),
        (lambda: Q.quantize([1.0, 2.0], 8, "nf4"), "method"),
        (lambda: Q.quantize([1.0, 2.0], 8, "absmax-row"), "2-D"),
        (lambda: Q.quantize([1.0, np.nan], 8), "finite"),
        (lambda: Q.quantize([], 8), "at least 1 value"),
        (lambda: Q.quantize(np.zeros(Q.MAX_VALUES + 1), 8), "at most"),
        (lambda: Q.quantize([1.0], 8, "fp16"), "16"),
        (lambda: Q.quantize([1.0], 4, "blockwise", 1), "block_size"),
        (lambda: Q.dequantize(np.zeros(3)), "Quantized"),
        (lambda: Q.matmul_error(np.ones((2, 3)), np.ones((4, 5))), "features"),
        (lambda: Q.matmul_error(np.zeros((2, 3)), np.ones((4, 3))), "zero"),
        (lambda: Q.memory_bytes(-1, 4), "n_values"),
        (lambda: Q.memory_bytes(1e9, 4, double_quant=True), "block_size"),
        (lambda: Q.sample_weights((0, 3)), "shape"),
        (lambda: Q.sample_weights((3, 3), "student-t", df=2), "df"),
        (lambda: Q.sample_weights((3, 3), "uniform"), "distribution"),
        (lambda: Q.uniform_noise_rmse(0), "step"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _int8_rows(x):
    """Independent vector-wise int8: per-row absmax scale, round to -127..127."""
    x = np.asarray(x, float)
    scale = np.abs(x).max(axis=1, keepdims=True)
    scale[scale == 0] = 1
    return np.clip(np.rint(x / scale * 127), -127, 127) * scale / 127


def test_int8_matmul_error_with_and_without_the_outlier_split():
    """Review 08 item 18: LLM.int8()-style mixed-precision decomposition, checked against an independent int8."""
    rng = np.random.default_rng(1)
    a = rng.normal(size=(32, 256))
    a[:, [3, 77, 150]] *= 40
    w = Q.sample_weights((256, 256), "normal", seed=0)
    exact = a @ w.T
    plain = np.linalg.norm(_int8_rows(a) @ _int8_rows(w).T - exact) / np.linalg.norm(exact)
    keep = np.ones(256, bool)
    keep[[3, 77, 150]] = False
    split = a[:, ~keep] @ w[:, ~keep].T + _int8_rows(a[:, keep]) @ _int8_rows(w[:, keep]).T
    split_err = np.linalg.norm(split - exact) / np.linalg.norm(exact)
    assert Q.int8_matmul_error(a, w) == (pytest.approx(plain), 0)
    assert Q.int8_matmul_error(a, w, 6.0) == (pytest.approx(split_err), 3)
    assert split_err < plain / 5
    b = rng.normal(size=(32, 256))  # no outliers: nothing is split off
    assert Q.int8_matmul_error(b, w, 6.0) == Q.int8_matmul_error(b, w)
