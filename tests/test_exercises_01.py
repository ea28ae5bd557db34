"""Notebook 01, second edition: 'Check yourself' answers (problems 7 on) recomputed with the helpers, and the
first edition's listed errors kept fixed in the stored notebook."""

import json

import numpy as np
import pytest
from conftest import ROOT
from test_exercises import bold_numbers, exercise_answers

from helpers import convolution as C

NOTEBOOK = "01_convolution.ipynb"


def learned_option() -> str:
    images, targets = C.edge_training_pairs(8, 16, "convolution", seed=0)
    kernel = C.learn_kernel(images, targets, steps=200, lr=0.5)[0][-1]
    sobel = C.KERNELS["sobel x"]
    options = {"(a)": sobel, "(b)": np.rot90(sobel, 2)}
    return next(name for name, k in options.items() if np.abs(kernel - k).max() < 1e-3)


def flat_response(kernel: str) -> float:
    flat = np.full((9, 9), 0.7)
    return float(C.conv2d(flat, C.KERNELS[kernel])[4, 4])


def superposition_answer() -> str:
    """The operation whose output is the sum of input-scaled copies of the impulse response, shifted in time."""
    f, g = [1, 0, 2], [3, 2, 1]
    copies = np.zeros(len(f) + len(g) - 1)
    for m, value in enumerate(f):
        copies[m : m + len(g)] += value * np.array(g)
    if np.array_equal(C.conv2d([f], [g], mode="full")[0], copies):
        return "Convolution"
    return "Cross-correlation"


def differenced_ar_kernel() -> str:
    """First four weights of the kernel that maps noise to the differenced AR(1) series (phi = 0.5), checked
    against the recursion followed by np.diff."""
    noise = np.random.default_rng(3).normal(size=64)
    series = np.diff(C.autoregressive_series(noise, 0.5))
    kernel = C.conv2d([0.5 ** np.arange(64)], [[1, -1]], mode="full")[0][:64]
    assert np.allclose(series, C.moving_average_series(noise, kernel)[1:])
    return "[" + ", ".join(f"{w:g}" for w in kernel[:4]) + "]"


def flops_trap_answer() -> list[str]:
    from helpers.data import load_table

    he = next(r for r in load_table("network_published").where(network="resnet50")
              if r.quantity == "macs" and r.source_short == "paper")
    gpu = load_table("gpus").where(name="A100 40GB SXM")[0]
    peak = gpu.fp16_tensor_tflops_dense * 1e12
    intensity = C.conv_arithmetic_intensity(128, 128, 3, 56, 56, groups=128)[0]
    ridge = peak / (gpu.memory_bandwidth_gbs * 1e9)
    return [f"{he.value * 1e9 / peak * 1e6:.1f}", f"{2 * he.value * 1e9 / peak * 1e6:.1f}",
            "memory" if intensity < ridge else "compute"]


def answers() -> dict[int, list[str]]:
    macs, params = C.conv_layer_cost(3, 2, 3, 1, 1)
    dilated = [(3, 1, 1), (3, 1, 2), (3, 1, 4)]
    field = C.receptive_field_size(dilated)
    ideal, gauss = C.step_overshoot(0.08, "ideal"), C.step_overshoot(0.08, "gaussian")
    steps = next(t for t in range(1, 1000) if C.diffusion_sigma(0.1, t) >= 5)
    direct, fast = C.winograd_multiplications(2, 3)
    columns = C.im2col(C.sample_image(32), (3, 3), mode="same")
    index = np.arange(32 * 32, dtype=float).reshape(32, 32) + 1   # label each pixel, count its copies
    copies = np.bincount(C.im2col(index, (3, 3), mode="same").astype(int).ravel())[1:]
    image = C.sample_image(128)
    template = image[12:21, 71:80]
    plain_score = C.correlate2d(image, template - template.mean())
    plain = tuple(int(v) for v in np.unravel_index(int(np.argmax(plain_score)), plain_score.shape))
    found = C.match_template(image, template)[1]
    assert found == (16, 75)
    return {
        7: [f"{params}", f"{macs // 2}"],
        8: [learned_option()],
        9: [f"{field}", f"{3 * 9}", f"{field**2}"],
        10: ["Gaussian" if gauss < ideal else "ideal", f"{ideal:.1%}"],
        11: [f"{steps}"],
        12: [f"{direct}", f"{fast}", f"{direct / fast:g}"],
        13: [f"{C.original_alexnet_cost().params:,}", f"{C.network_cost('alexnet').params:,}"],
        14: [f"{flat_response('laplacian'):g}", f"{flat_response('sharpen'):g}"],
        15: [f"{columns.shape[0]}", f"{columns.shape[1]:,}", f"{int(np.max(copies))}"],
        16: [f"({plain[0]}, {plain[1]})", f"({found[0]}, {found[1]})"],
        18: ["associative", differenced_ar_kernel()],
        19: flops_trap_answer(),
        17: [superposition_answer(), str([int(v) for v in C.conv2d([[1, 0, 2]], [[3, 2, 1]], mode="full")[0]])],
    }


def notebook() -> dict:
    return json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())


def test_notebook_01_has_reasoning_problems():
    assert len(exercise_answers(NOTEBOOK)) >= 13
    reasoning = [c for c in notebook()["cells"] if "exercise" in " ".join(c["metadata"].get("tags", []))
                 and "*(reasoning)*" in "".join(c["source"])]
    assert len(reasoning) >= 2


@pytest.mark.parametrize("number", range(7, 20))
def test_notebook_01_second_edition_answers(number):
    assert bold_numbers(exercise_answers(NOTEBOOK)[number]) == answers()[number]


# ---- the listed errors of the first edition stay fixed in the stored notebook ----------------------------------

def stored_text() -> tuple[str, str]:
    """(all markdown source, all stored outputs as text) of notebook 01."""
    cells = notebook()["cells"]
    prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    outputs = []
    for c in cells:
        for o in c.get("outputs", []):
            outputs.append("".join(o.get("text", "")))
            outputs.append("".join(o.get("data", {}).get("text/markdown", "")))
    return prose, "\n".join(outputs)


def test_error_1_kernel_explorer_prose_describes_what_is_shown():
    prose, _ = stored_text()
    assert "turn flat regions\nblack" not in prose and "flat regions are white" in prose


def test_error_2_correlation_is_convolution_with_the_reversed_kernel():
    prose, outputs = stored_text()
    assert "mirror images of each other's kernel" not in prose
    assert "convolve with g reversed" in outputs and "identical: True" in outputs


def test_error_3_disputed_box_counts_multiplications():
    _, outputs = stored_text()
    assert "times fewer operations" not in outputs and "times fewer multiplications" in outputs
    assert "FlashFFTConv" in outputs and "implicit GEMM" in outputs


def test_error_4_network_table_explained():
    prose, outputs = stored_text()
    assert "the original papers round them" not in prose
    counts = C.weight_layer_counts("resnet50")
    assert f"{counts['conv']} convolutions on the main path" in outputs
    assert f"{C.original_alexnet_cost().params:,}" in outputs


def test_error_5_ringing_explained_and_gaussian_offered():
    prose, outputs = stored_text()
    assert "Gibbs" in prose and "*gaussian*" in prose
    assert f"{C.step_overshoot(0.08, 'ideal'):.1%}" in outputs


# ---- the review of the second edition (reviews/01.md) stays fixed in the stored notebook -----------------------

def test_review_2_vgg_compute_not_in_early_layers():
    prose, outputs = stored_text()
    assert "compute sits in the early convolutions" not in prose
    assert "1.85, 1.85, 1.85, 1.85 GMACs at 224, 112, 56, 28" in outputs


def test_review_1_diffusion_below_the_stability_limit():
    prose, outputs = stored_text()
    assert "α \\le 1/4" in prose.replace("$", "").replace("\\alpha", "α")
    assert "alpha = 0.1: 0 of" in outputs and "alpha = 0.25: 0 of" not in outputs


def test_review_3_im2col_is_one_gemm_for_a_whole_layer():
    prose, outputs = stored_text()
    assert "one GEMM equals the channel-by-channel layer: True" in outputs
    assert "M = C_out = 128, K = C_in*k^2 = 576, N = 8 images x 28*28 = 6,272" in outputs
    assert "*implicit GEMM*" in prose


def test_review_5_and_8_why_the_kernel_is_flipped():
    prose, outputs = stored_text()
    assert "impulse response" in prose and "commutative and\nassociative" in prose
    assert "[0. 3. 2. 1. 0.]   <- g itself" in outputs and "[0. 1. 2. 3. 0.]   <- g reversed" in outputs
    assert "for an edge detector the reversal flips" not in prose
    assert "antisymmetric kernel such as Sobel" in prose.replace("\n", " ")


def test_review_7_timing_verdict_is_computed():
    cells = notebook()["cells"]
    prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "Your measurement above shows the same shape" not in prose
    verdict = [c for c in cells if "C.crossover_kernel_size(timing)" in "".join(c["source"])]
    assert len(verdict) == 1 and "nbval-ignore-output" in verdict[0]["metadata"].get("tags", [])
    assert "m = n + k - 1" in prose        # review item 20: the FFT works on the zero-padded size


def test_review_9_and_10_statistics_and_provenance_wording():
    prose, outputs = stored_text()
    assert "whitened inputs (zero mean" not in prose and "standardised inputs (zero mean, unit variance" in prose
    assert "ARIMA models combine both" not in prose and "ARMA models combine both" in prose
    assert "differencing equals convolution with [1, -1]: True" in outputs
    assert "each pixel's brightness\nits salt concentration" not in prose and "background reading" in prose


def test_review_12_flops_trap_and_memory_traffic():
    prose, outputs = stored_text()
    assert "they are GMACs" in prose and "arithmetic intensity" in prose
    assert "ridge at 201 FLOP per byte" in outputs
    assert "| depthwise 3×3 (g = 128) |" in outputs and "memory |" in outputs


def test_review_15_outline_sections_have_a_place():
    prose, _ = stored_text()
    assert "most important concept\nin deep learning; that has aged" in prose
    assert "most important algorithms of the 20th\ncentury" in prose
    assert "differential equations" in prose and "Gaussian blur of the starting image" in prose
    assert "M4" in prose and "LSTM" in prose
    reasoning = [c for c in notebook()["cells"] if "exercise" in " ".join(c["metadata"].get("tags", []))
                 and "ARIMA" in "".join(c["source"])]
    assert reasoning


def test_review_13_spectrum_reading_explained():
    prose, _ = stored_text()
    assert "**log |spectrum|**" in prose and "**cycles per pixel**" in prose and "*rotate image*" in prose


def test_review_11_fft_cost_model_and_winograd():
    prose, outputs = stored_text()
    assert "F(2,3) with 4 multiplications: [4.5 6. ]  direct: [4.5 6. ]" in outputs
    assert "| F(6, 3) |" in outputs and "FFT weight storage" in outputs
    assert "Why the FFT cannot win much for 3×3 layers" in prose
