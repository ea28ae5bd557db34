"""Notebook 01, second edition: the new helpers against independent computations (scipy, hand counts)."""

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import scipy.special

from helpers import convolution as C
from helpers.data import load_table

# ---- error 3: Winograd counts multiplications, not operations ------------------------------------------

def test_winograd_multiplication_counts_by_hand():
    assert C.winograd_multiplications(4, 3) == (144, 36)   # 16 outputs x 9 taps; a 6x6 transformed tile
    assert C.winograd_multiplications(2, 3) == (36, 16)
    direct, fast = C.winograd_multiplications(4, 3)
    assert direct / fast == 4.0


def test_disputed_box_says_multiplications_and_covers_long_convolutions_and_implicit_gemm():
    rows = {r.key: r for r in load_table("convolution_milestones")}
    assert "multiplications" in rows["winograd"].unit and "operations" not in rows["winograd"].unit
    assert "transform" in rows["winograd"].statement
    disputed = [r for r in rows.values() if r.kind == "disputed"]
    text = " ".join(r.statement + " " + r.source for r in disputed)
    for word in ("implicit GEMM", "FlashFFTConv", "Hyena", "S4"):
        assert word in text, word


# ---- error 4: network table ------------------------------------------------------------------------------

def test_resnet50_weight_layers_by_role():
    # 1 stem + 3 convolutions in each of 3 + 4 + 6 + 3 bottleneck blocks; one projection per stage; one fc
    assert C.weight_layer_counts("resnet50") == {"conv": 1 + 3 * (3 + 4 + 6 + 3), "shortcut": 4, "fc": 1}
    assert sum(C.weight_layer_counts("resnet50").values()) == 54


def test_original_alexnet_parameters_by_hand():
    # Krizhevsky et al. 2012 Sec. 3.5: 96 kernels 11x11x3, 256 of 5x5x48, 384 of 3x3x256, 384 of 3x3x192,
    # 256 of 3x3x192, then 4096, 4096, 1000 neurons; every layer has biases
    hand = (96 * (11 * 11 * 3 + 1) + 256 * (5 * 5 * 48 + 1) + 384 * (3 * 3 * 256 + 1) + 384 * (3 * 3 * 192 + 1)
            + 256 * (3 * 3 * 192 + 1) + 4096 * (9216 + 1) + 4096 * (4096 + 1) + 1000 * (4096 + 1))
    assert C.original_alexnet_cost().params == hand == 60_965_224
    assert C.original_alexnet_cost().params != C.network_cost("alexnet").params


# ---- error 5: the ideal low-pass filter rings, the Gaussian one does not -------------------------------------

def test_ideal_lowpass_overshoots_like_gibbs_gaussian_does_not():
    gibbs = scipy.special.sici(np.pi)[0] / np.pi - 0.5   # Wilbraham-Gibbs constant, 0.0895 of the jump
    assert C.step_overshoot(0.08, "ideal") == pytest.approx(gibbs, abs=0.012)
    assert C.step_overshoot(0.08, "gaussian") < 1e-6


def test_frequency_mask_profiles():
    ideal = C.frequency_mask((32, 32), 0.1, "low", "ideal")
    np.testing.assert_array_equal(ideal, C.radial_frequency((32, 32)) <= 0.1)
    gauss = C.frequency_mask((32, 32), 0.1, "high", "gaussian")
    f = C.radial_frequency((32, 32))
    np.testing.assert_allclose(gauss, 1 - np.exp(-f**2 / 0.02))
    image = C.sample_image(32)
    filtered, _, mask = C.shaped_frequency_filter(image, 0.2, "low", "ideal")
    np.testing.assert_allclose(filtered, C.frequency_filter(image, 0.2, "low")[0])


# ---- a convolution layer with channels -------------------------------------------------------------------

def reference_layer(x, w, b, padding, stride, dilation, flip):
    """Independent: scipy per channel pair, then stride by slicing (dilation via a zero-stuffed kernel)."""
    out = []
    for o in range(w.shape[0]):
        acc = 0
        for c in range(x.shape[0]):
            k = np.zeros(((w.shape[2] - 1) * dilation + 1, (w.shape[3] - 1) * dilation + 1))
            k[::dilation, ::dilation] = w[o, c]
            xp = np.pad(x[c], padding)
            op = scipy.signal.convolve2d if flip else scipy.signal.correlate2d
            acc = acc + op(xp, k, mode="valid")[::stride, ::stride]
        out.append(acc + b[o])
    return np.array(out)


@pytest.mark.parametrize("padding, stride, dilation, flip", [(0, 1, 1, False), (1, 2, 1, True), (2, 1, 2, False),
                                                             (1, 3, 1, False), (0, 1, 2, True)])
def test_conv_layer_matches_scipy(padding, stride, dilation, flip):
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(3, 7, 7)), rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    got = C.conv_layer(x, w, b, padding, stride, dilation, flip)
    np.testing.assert_allclose(got, reference_layer(x, w, b, padding, stride, dilation, flip), atol=1e-12)
    o, r, c = 1, got.shape[1] - 1, 0
    terms = C.window_terms(x, w, o, r, c, b, padding, stride, dilation, flip)
    assert terms.total == pytest.approx(got[o, r, c])
    assert terms.products.shape == (3, 3, 3)
    np.testing.assert_allclose(terms.channel_sums.sum() + b[o], got[o, r, c])


def test_window_terms_by_hand():
    x = np.arange(9.0).reshape(1, 3, 3)
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    terms = C.window_terms(x, w, 0, 0, 0)
    assert terms.total == 0 * 1 + 4 * (-1)   # correlation: top-left tap times x[0,0], bottom-right times x[1,1]
    assert C.window_terms(x, w, 0, 0, 0, flip=True).total == -0 + 4  # flipped kernel


# ---- learned kernels ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("target, expected", [("correlation", C.KERNELS["sobel x"]),
                                              ("convolution", C.KERNELS["sobel x"][::-1, ::-1])])
def test_gradient_descent_recovers_sobel_or_its_flip(target, expected):
    images, targets = C.edge_training_pairs(8, 16, target, seed=0)
    kernels, losses = C.learn_kernel(images, targets, steps=300, lr=0.5)
    np.testing.assert_allclose(kernels[-1], expected, atol=1e-3)
    assert losses[-1] < 1e-6 < losses[0]
    # independent: least squares on the unfolded patches
    a = np.concatenate([np.stack([im[i:i + 14, j:j + 14].ravel() for i in range(3) for j in range(3)], 1)
                        for im in images])
    solution = np.linalg.lstsq(a, targets.reshape(-1), rcond=None)[0].reshape(3, 3)
    np.testing.assert_allclose(solution, expected, atol=1e-9)


def test_kernel_gradient_matches_finite_differences():
    images, targets = C.edge_training_pairs(2, 8, seed=3)
    k = np.random.default_rng(0).normal(size=(3, 3))
    _, grad = C.kernel_loss_and_gradient(k, images, targets)
    eps, numeric = 1e-6, np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            d = np.zeros((3, 3))
            d[i, j] = eps
            numeric[i, j] = (C.kernel_loss_and_gradient(k + d, images, targets)[0]
                             - C.kernel_loss_and_gradient(k - d, images, targets)[0]) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


# ---- receptive field ---------------------------------------------------------------------------------------

def brute_force_paths(layers):
    """Independent: push one-hot inputs forward through all-ones layers; count how they reach output 0."""
    size = C.receptive_field_size(layers) + 8
    counts = []
    for i in range(size):
        v = np.zeros(size)
        v[i] = 1
        for k, s, d in layers:
            kernel = np.zeros(d * (k - 1) + 1)
            kernel[::d] = 1
            v = np.correlate(v, kernel, mode="valid")[::s]
        counts.append(v[0])
    counts = np.array(counts)
    return counts[: np.nonzero(counts)[0].max() + 1]


@pytest.mark.parametrize("layers", [[(3, 1, 1)] * 3, [(3, 1, 1), (3, 2, 1), (3, 1, 1)], [(3, 1, 1), (3, 1, 2),
                                                                                           (3, 1, 4)],
                                    [(7, 2, 1), (3, 2, 1), (3, 1, 2)], [(1, 1, 1)]])
def test_receptive_field_paths(layers):
    paths = C.receptive_field_paths(layers)
    np.testing.assert_array_equal(paths, brute_force_paths(layers))
    assert len(paths) == C.receptive_field_size(layers)
    assert paths.sum() == np.prod([k for k, _, _ in layers])
    if all(d == 1 for _, _, d in layers):
        assert C.receptive_field_size(layers) == C.receptive_field([(k, s) for k, s, _ in layers])


def test_receptive_field_worked_examples():
    assert C.receptive_field_size([(3, 1, 1)] * 3) == 7
    assert C.receptive_field_size([(3, 1, 1), (3, 2, 1), (3, 1, 1)]) == 9
    assert C.receptive_field_size([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15   # 1 + 2 + 4 + 8


# ---- diffusion, propagator, template matching, ARMA ----------------------------------------------------------

def test_diffusion_is_a_gaussian_blur():
    image = C.sample_image(64)
    steps, alpha = 40, 0.1
    sigma = C.diffusion_sigma(alpha, steps)
    assert sigma == pytest.approx(np.sqrt(8))
    diffused = C.diffuse_image(image, steps, alpha)
    blurred = scipy.ndimage.gaussian_filter(image, sigma, mode="constant", truncate=4)
    assert np.abs(diffused - blurred).max() < 0.003
    np.testing.assert_allclose(C.gaussian_blur(image, sigma), blurred, atol=1e-3)


def test_heat_step_is_image_plus_alpha_laplacian():
    image = C.sample_image(32)
    step = C.diffuse_image(image, 1, 0.2)
    lap = scipy.ndimage.convolve(image, [[0, 1, 0], [1, -4, 1], [0, 1, 0]], mode="constant")
    np.testing.assert_allclose(step, image + 0.2 * lap, atol=1e-12)


def test_softmax_kernel():
    k = C.KERNELS["outline"]
    np.testing.assert_allclose(C.softmax_kernel(k), scipy.special.softmax(k))
    assert C.softmax_kernel(k)[1, 1] == pytest.approx(np.exp(8) / (np.exp(8) + 8 * np.exp(-1)))


def test_template_matching_finds_the_cut_out_patch():
    image = C.sample_image(128)
    template = image[30:39, 20:29]
    score, peak = C.match_template(image, template)
    assert peak == (34, 24) and score[peak] == pytest.approx(1.0)
    # independent: normalised cross-correlation at the peak by hand, and the numerator as a flipped convolution
    t = template - template.mean()
    patch = image[30:39, 20:29]
    by_hand = np.sum((patch - patch.mean()) * t) / np.sqrt(np.sum((patch - patch.mean()) ** 2) * np.sum(t**2))
    assert score[peak] == pytest.approx(by_hand)
    numerator = scipy.signal.convolve2d(image, t[::-1, ::-1], mode="same")
    other = (60, 70)
    patch = image[other[0] - 4:other[0] + 5, other[1] - 4:other[1] + 5]
    expected = numerator[other] / np.sqrt(np.sum((patch - patch.mean()) ** 2) * np.sum(t**2))
    assert score[other] == pytest.approx(expected)


def test_ar_and_ma_are_convolutions():
    noise = np.random.default_rng(0).normal(size=200)
    np.testing.assert_allclose(C.moving_average_series(noise, [0.5, 0.3, 0.2]),
                               scipy.signal.lfilter([0.5, 0.3, 0.2], [1], noise))
    ar = C.autoregressive_series(noise, 0.8)
    np.testing.assert_allclose(ar, scipy.signal.lfilter([1], [1, -0.8], noise))
    np.testing.assert_allclose(ar, C.moving_average_series(noise, 0.8 ** np.arange(200)), atol=1e-12)


def test_learn_kernel_takes_the_gradient_of_the_readable_loss():
    images, targets = C.edge_training_pairs(3, 10, seed=2)
    kernels, losses = C.learn_kernel(images, targets, steps=1, lr=0.3, seed=4)
    loss, grad = C.kernel_loss_and_gradient(kernels[0], images, targets)
    assert losses[0] == pytest.approx(loss)
    np.testing.assert_allclose(kernels[1], kernels[0] - 0.3 * grad, atol=1e-12)


def test_learn_kernel_too_large_a_step_diverges_with_a_message():
    images, targets = C.edge_training_pairs(4, 12, seed=0)
    with pytest.raises(ValueError, match="lr"):
        C.learn_kernel(images, targets, steps=400, lr=13.0)


# ---- review of the second edition (reviews/01.md) -------------------------------------------------------------

def test_vgg16_compute_is_spread_over_resolutions_not_early():
    """Review 01 item 2: halving the resolution while doubling the channels keeps a 3x3 layer's cost constant,
    so VGG-16's compute is not concentrated in the 224x224 layers; the parameters sit in the FC layers."""
    groups = {size: (n, macs, params) for size, n, macs, params in C.cost_by_resolution("vgg16")}
    assert sorted(groups) == [1, 14, 28, 56, 112, 224]
    per_stage = {size: 3 * 3 * size * size * c * c for size, c in ((224, 64), (112, 128), (56, 256), (28, 512))}
    assert len(set(per_stage.values())) == 1                      # 224^2 * 64^2 = 112^2 * 128^2 = ...
    layers = {layer.name: layer.macs for layer in C.network_cost("vgg16").layers}
    assert [layers[f"conv{i}_2"] for i in (1, 2, 3, 4)] == [per_stage[224]] * 4
    macs = {size: g[1] for size, g in groups.items()}
    assert macs[224] < macs[112] < macs[56] == macs[28]           # most work in the 56 and 28 pixel stages
    assert macs[224] / sum(macs.values()) < 0.15
    assert groups[1][2] / sum(g[2] for g in groups.values()) > 0.85
    assert sum(g[0] for g in groups.values()) == 16


@pytest.mark.parametrize("padding, stride, dilation", [(0, 1, 1), (1, 2, 1), (2, 1, 2)])
def test_conv_layer_as_one_gemm_matches_the_loop_and_scipy(padding, stride, dilation):
    """Review 01 item 3: the multi-channel, batched im2col is one (C_out, C_in k^2) x (C_in k^2, N H_out W_out)
    matrix product, equal to the layer computed channel by channel with scipy."""
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(3, 2, 9, 8)), rng.normal(size=(4, 2, 3, 3)), rng.normal(size=4)
    columns = C.im2col_layer(x, 3, padding, stride, dilation)
    oh, ow = (C.output_size(n, 3, padding, stride, dilation) for n in (9, 8))
    assert columns.shape == (2 * 9, 3 * oh * ow)
    out = C.conv_layer_gemm(x, w, b, padding, stride, dilation)
    xp = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)])
    wd = np.zeros((4, 2, 2 * dilation + 1, 2 * dilation + 1))
    wd[:, :, ::dilation, ::dilation] = w
    for n in range(3):
        for o in range(4):
            ref = sum(scipy.signal.correlate2d(xp[n, c], wd[o, c], mode="valid") for c in range(2))
            np.testing.assert_allclose(out[n, o], ref[::stride, ::stride] + b[o], atol=1e-12)


def test_milestone_dates_review_4():
    """Review 01 item 4: GEMM lowering without the full matrix predates the article (cuDNN 2014); the PyTorch
    cross-correlation note is not a 2025 event."""
    rows = {r.key: r for r in load_table("convolution_milestones")}
    assert int(rows["implicit_gemm"].year) < int(rows["article"].year)
    assert "1410.0759" in rows["implicit_gemm"].source
    assert int(rows["framework_xcorr"].year) <= 2021


def test_arithmetic_intensity_by_hand_and_depthwise_is_memory_bound():
    """Review 01 item 12: FLOPs = 2 MACs; bytes = 2 x (input + weights + output) in FP16; a depthwise 3x3 layer
    sits far below an A100's ridge point (312 TFLOP/s / 1555 GB/s = 200 FLOP/byte), a standard one above it."""
    flops_std = 2 * 56 * 56 * 128 * 128 * 9
    bytes_std = 2 * (128 * 56 * 56 + 128 * 128 * 9 + 128 * 56 * 56)
    assert C.conv_arithmetic_intensity(128, 128, 3, 56, 56) == (flops_std / bytes_std, flops_std, bytes_std)
    flops_dw = 2 * 56 * 56 * 128 * 9
    bytes_dw = 2 * (128 * 56 * 56 + 128 * 9 + 128 * 56 * 56)
    assert C.conv_arithmetic_intensity(128, 128, 3, 56, 56, groups=128) == (flops_dw / bytes_dw, flops_dw, bytes_dw)
    ridge = 312e12 / 1555e9
    assert flops_dw / bytes_dw < ridge / 10 < ridge < flops_std / bytes_std
    # stride 2 reads a 4x larger input per output pixel
    assert C.conv_arithmetic_intensity(8, 8, 3, 10, 10, stride=2)[2] == 2 * (8 * 20 * 20 + 8 * 8 * 9 + 8 * 10 * 10)


@pytest.mark.parametrize("degrees", [0, 30, 45, 60, 90])
def test_rotating_an_image_rotates_its_spectrum(degrees):
    """Review 01 item 13: stripes 16 periods across the image; after turning the image, the spectrum's peak
    points the same number of degrees further round."""
    cols = np.indices((128, 128))[1]
    stripes = np.cos(2 * np.pi * 16 * cols / 128)
    assert C.spectrum_peak_angle(stripes) == pytest.approx(0.0, abs=1e-9)
    assert C.spectrum_peak_angle(C.rotate_image(stripes, degrees)) == pytest.approx(degrees, abs=1.0)


def test_winograd_f23_is_exact_with_four_multiplications():
    """Review 01 item 11: F(2, 3) gives the two outputs of a 3-tap correlation from 4 products."""
    b, g, a = C.winograd_matrices(2)
    assert b.shape == (4, 4) and g.shape == (4, 3) and a.shape == (2, 4)
    rng = np.random.default_rng(5)
    for m in (2, 4, 6):
        d, taps = rng.normal(size=m + 2), rng.normal(size=3)
        np.testing.assert_allclose(C.winograd_correlate(d, taps, m), np.correlate(d, taps, "valid"), atol=1e-12)
    np.testing.assert_allclose(C.winograd_correlate([1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 2.0], 2),
                               [1 * 0.5 - 2 + 6, 2 * 0.5 - 3 + 8])


def test_winograd_fp16_error_grows_with_the_tile():
    errors = [C.winograd_error(m, "float16")[0] for m in (2, 4, 6)]
    assert errors[0] < errors[1] < errors[2]
    wino6, direct6 = C.winograd_error(6, "float16")
    assert wino6 > 2 * direct6
    assert C.winograd_error(6, "float64")[0] < 1e-12


def test_channel_aware_cost_model_by_hand():
    cost = C.conv_algorithm_costs(56, 3, 64, 64)
    m = 58
    assert cost["direct"] == 56 * 56 * 9 * 64 * 64
    assert cost["fft_products"] == 2 * m * m * 64 * 64
    assert cost["fft_transforms"] == pytest.approx(128 * 2 * m * m * np.log2(m))
    assert cost["winograd"] == 14 * 14 * 36 * 64 * 64
    # with many channels the FFT saving for 3x3 approaches k^2 n^2 / (2 m^2) < 4.5, about Winograd's 4
    big = C.conv_algorithm_costs(56, 3, 1024, 1024)
    assert big["direct"] / big["fft"] < 4.5 and big["direct"] / big["winograd"] == 4.0
    assert C.conv_algorithm_costs(128, 31, 1, 1)["direct"] / C.conv_algorithm_costs(128, 31, 1, 1)["fft"] > 10
    assert "winograd" not in C.conv_algorithm_costs(56, 5, 8, 8)


def test_since_then_rows_review_14():
    """Review 01 item 14: large kernels, the short convolution inside Mamba, Evo 2, DiT backbones."""
    rows = {r.key: r for r in load_table("convolution_milestones")}
    assert rows["replknet"].value == 31 and "2203.06717" in rows["replknet"].source
    assert "depthwise" in rows["mamba"].statement and rows["mamba"].value == 4
    assert int(rows["evo2"].year) == 2025 and "StripedHyena 2" in rows["evo2"].statement
    assert "2212.09748" in rows["dit"].source and "MMDiT" in rows["dit"].statement


def test_few_low_frequency_waves_are_hundreds_of_times_stronger():
    """The notebook's reason for drawing log |spectrum| (review 01 item 13)."""
    magnitude = np.abs(np.fft.fftshift(np.fft.fft2(C.sample_image(128))))
    strongest = np.sort(magnitude.ravel())[::-1][:5]
    assert (strongest > 100 * np.median(magnitude)).all()
    centre = np.unravel_index(np.argsort(magnitude.ravel())[::-1][:5], magnitude.shape)
    assert (np.hypot(centre[0] - 64, centre[1] - 64) <= 3).all()     # and they are low frequencies
