"""helpers.convolution: worked examples from the brief, agreement with scipy, and properties."""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers import convolution as C
from helpers.data import load_table

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


def images(min_side=1, max_side=12):
    shape = st.tuples(st.integers(min_side, max_side), st.integers(min_side, max_side))
    return shape.flatmap(lambda s: arrays(float, s, elements=finite))


kernels = images(1, 5)


# ---- worked examples (notebook 01) ----------------------------------------------------------------

@pytest.mark.parametrize(
    "args, expected",
    [((224, 7, 3, 2), 112), ((32, 3, 1, 1), 32), ((5, 3, 0), 3), ((32, 3, 0, 1, 2), 28), ((227, 11, 0, 4), 55),
     ((64, 5, 2, 2), 32)],
)
def test_output_size_worked_examples(args, expected):
    assert C.output_size(*args) == expected


def test_resnet_stem_cost_worked_example():
    macs, params = C.conv_layer_cost(3, 64, 7, 112, 112)
    assert (macs, params) == (118_013_952, 9_472)


def test_receptive_field_worked_examples():
    assert C.receptive_field([(3, 1)] * 3) == 7
    assert C.receptive_field([(3, 1), (3, 2), (3, 1)]) == 9


def test_circular_convolution_wraps():
    np.testing.assert_allclose(C.circular_convolution([1, 2, 3, 4], [1, 1, 0, 0]), [5, 3, 5, 7])


def test_1d_example_convolution_vs_correlation():
    f, g = [[1, 2, 3]], [[0, 1, 0.5]]
    np.testing.assert_allclose(C.conv2d(f, g, "full")[0], [0, 1, 2.5, 4, 1.5])
    np.testing.assert_allclose(C.correlate2d(f, g, "full")[0], [0.5, 2, 3.5, 3, 0])


def test_two_dice():
    totals, pmf = C.dice_sum_pmf(2)
    assert totals.tolist() == list(range(2, 13))
    assert pmf[totals == 7][0] == pytest.approx(6 / 36)


def test_coin_flips_binomial():
    counts = C.conv2d([[1, 1]], [[1, 1]], "full")
    np.testing.assert_allclose(C.conv2d(counts, [[1, 1]], "full")[0], [1, 3, 3, 1])


def test_gaussian_sigmas_combine():
    assert C.combined_gaussian_sigma(1, 2) == pytest.approx(5**0.5)


def test_blurring_twice_is_one_wider_gaussian():
    a, b = C.gaussian_kernel(15, 1.0), C.gaussian_kernel(15, 2.0)
    both = C.conv2d(a, b, "full")
    wide = C.gaussian_kernel(29, C.combined_gaussian_sigma(1.0, 2.0))
    np.testing.assert_allclose(both, wide, atol=2e-4)


def test_sobel_on_vertical_edge():
    patch = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 1]], float)
    assert C.correlate2d(patch, C.KERNELS["sobel x"], "valid")[0, 0] == 4


# ---- agreement with scipy and between methods ------------------------------------------------------

@given(images(), kernels, st.sampled_from(C.MODES))
def test_conv2d_equals_scipy(image, kernel, mode):
    if mode == "valid" and (kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]):
        with pytest.raises(ValueError, match="valid"):
            C.conv2d(image, kernel, mode)
        return
    expected = scipy.signal.convolve2d(image, kernel, mode, boundary="fill")
    np.testing.assert_allclose(C.conv2d(image, kernel, mode), expected, atol=1e-9)
    np.testing.assert_allclose(C.conv2d(image, kernel, mode, method="fft"), expected, atol=1e-9)
    np.testing.assert_allclose(C.conv2d_im2col(image, kernel, mode), expected, atol=1e-9)
    np.testing.assert_allclose(C.correlate2d(image, kernel, mode),
                               scipy.signal.correlate2d(image, kernel, mode, boundary="fill"), atol=1e-9)


@given(images(4, 16), kernels, st.integers(1, 3), st.integers(1, 3), st.sampled_from(C.MODES))
def test_strided_dilated_shape_matches_formula_and_methods_agree(image, kernel, stride, dilation, mode):
    spans = [C.effective_kernel_size(k, dilation) for k in kernel.shape]
    if mode == "valid" and any(s > n for s, n in zip(spans, image.shape)):
        return
    out = C.conv2d(image, kernel, mode, stride, dilation)
    for axis in range(2):
        before, after = C.mode_padding(spans[axis], mode)
        n = image.shape[axis] + before + after  # the formula with the padding the mode implies
        assert out.shape[axis] == (n - spans[axis]) // stride + 1
    np.testing.assert_allclose(C.conv2d(image, kernel, mode, stride, dilation, "fft"), out, atol=1e-9)
    np.testing.assert_allclose(C.conv2d_im2col(image, kernel, mode, stride, dilation), out, atol=1e-9)
    dilated = C.dilate_kernel(kernel, dilation)
    reference = scipy.signal.convolve2d(image, dilated, mode)[::stride, ::stride]
    np.testing.assert_allclose(out, reference, atol=1e-9)


@given(st.integers(1, 40), st.integers(1, 9), st.integers(0, 5), st.integers(1, 4), st.integers(1, 3))
def test_output_size_matches_a_real_convolution(n, k, p, s, d):
    span = d * (k - 1) + 1
    if span > n + 2 * p:
        with pytest.raises(ValueError, match="kernel spans"):
            C.output_size(n, k, p, s, d)
        return
    image = np.pad(np.ones((n, n)), p)
    out = C.correlate2d(image, np.ones((k, k)), "valid", s, d)
    assert out.shape == (C.output_size(n, k, p, s, d),) * 2


@given(arrays(float, st.integers(1, 30), elements=st.floats(0, 1)),
       arrays(float, st.integers(1, 30), elements=st.floats(0, 1)))
def test_distribution_convolution_is_a_distribution(p, q):
    if p.sum() == 0 or q.sum() == 0:
        return
    p, q = p / p.sum(), q / q.sum()
    r = C.distribution_convolution(p, q)
    assert r.sum() == pytest.approx(1)
    assert len(r) == len(p) + len(q) - 1
    mean = lambda d: (np.arange(len(d)) * d).sum()  # noqa: E731
    assert mean(r) == pytest.approx(mean(p) + mean(q))


@given(st.integers(1, 25))
def test_dice_approach_the_normal_curve(n):
    totals, pmf = C.dice_sum_pmf(n)
    assert pmf.sum() == pytest.approx(1)
    if n >= 10:
        assert np.abs(pmf - C.normal_approximation(totals, n)).max() < 0.003


@given(st.integers(0, 200), st.floats(0.01, 0.5))
def test_heat_diffusion_conserves_heat_until_it_reaches_the_edges(steps, alpha):
    start = np.zeros(2001)
    start[1000] = 1
    u = C.heat_diffusion(start, steps, alpha)
    assert u.sum() == pytest.approx(1)
    assert u.min() >= -1e-12


def test_heat_diffusion_matches_gaussian():
    start = np.zeros(301)
    start[150] = 1
    u = C.heat_diffusion(start, 200, 0.25)
    x = np.arange(301) - 150
    sigma = np.sqrt(2 * 0.25 * 200)
    gauss = np.exp(-(x**2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)
    assert np.abs(u - gauss).max() < 1e-3


@given(st.floats(0.02, 0.7))
def test_low_and_high_pass_add_up_to_the_image(cutoff):
    image = C.sample_image(32)
    low, _, mask_low = C.frequency_filter(image, cutoff, "low")
    high, _, mask_high = C.frequency_filter(image, cutoff, "high")
    np.testing.assert_allclose(low + high, image, atol=1e-9)
    assert not np.any(mask_low & mask_high)


def test_named_kernels():
    assert set(C.KERNELS) >= {"identity", "box blur", "gaussian blur", "sharpen", "sobel x", "sobel y",
                              "laplacian", "emboss", "outline"}
    image = C.sample_image(16)
    np.testing.assert_allclose(C.conv2d(image, C.KERNELS["identity"]), image)
    for name in ("box blur", "gaussian blur", "sharpen"):
        assert C.KERNELS[name].sum() == pytest.approx(1)
    for name in ("sobel x", "sobel y", "laplacian", "outline"):
        assert C.KERNELS[name].sum() == pytest.approx(0)


def test_im2col_shape():
    cols = C.im2col(np.zeros((8, 8)), (3, 3))
    assert cols.shape == (9, 36)


def test_crossover_logic():
    fake = {"kernel_size": np.array([3, 5, 7, 9]), "direct": np.array([1, 2, 3, 4.0]),
            "fft": np.array([2, 1, 4, 1.0])}
    assert C.crossover_kernel_size(fake) == 9
    fake["fft"] = fake["direct"] + 1
    assert C.crossover_kernel_size(fake) is None


# ---- network cost from the architecture tables ------------------------------------------------------

@pytest.mark.parametrize("name", C.NETWORKS)
def test_network_cost_matches_exact_published_figures(name):
    cost = C.network_cost(name)
    exact = {(r.quantity, r.source_short): r.value for r in cost.published}
    assert cost.params == exact[("params", "torchvision")]
    assert cost.gmacs == pytest.approx(exact[("macs", "torchvision")], rel=0.01)


def test_network_cost_is_summed_layer_by_layer():
    rows = load_table("conv_architectures").where(network="vgg16")
    cost = C.network_cost("vgg16")
    assert len(cost.layers) == len(rows) == 16
    assert cost.layers[0].out_size == 224 and cost.layers[-1].kind == "fc"


def test_resnet50_table_chains_to_7x7():
    last_conv = [layer for layer in C.network_cost("resnet50").layers if layer.kind == "conv"][-1]
    assert last_conv.out_size == 7


# ---- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: C.output_size(-1, 3, 0), "input size n"),
        (lambda: C.output_size(5, 0, 0), "kernel size"),
        (lambda: C.output_size(5, 3, -1), "padding"),
        (lambda: C.output_size(5, 3, 0, stride=-2), "stride"),
        (lambda: C.output_size(5, 3, 0, dilation=0), "dilation"),
        (lambda: C.output_size(3, 5, 0), "kernel spans"),
        (lambda: C.conv2d(np.ones((3, 3)), np.ones((2, 2)), mode="circular"), "mode"),
        (lambda: C.conv2d(np.ones((3, 3)), np.ones((2, 2)), method="winograd"), "method"),
        (lambda: C.conv2d(np.ones(3), np.ones((2, 2))), "image"),
        (lambda: C.conv2d(np.ones((3, 3)), [[np.nan]]), "kernel"),
        (lambda: C.conv2d(np.ones((3, 3)), np.ones((2, 2)), stride=0), "stride"),
        (lambda: C.gaussian_kernel(4, 1.0), "odd"),
        (lambda: C.gaussian_kernel(5, 0.0), "sigma"),
        (lambda: C.distribution_convolution([0.5, 0.6], [1.0]), "sum to 1"),
        (lambda: C.distribution_convolution([-0.5, 1.5], [1.0]), "non-negative"),
        (lambda: C.heat_diffusion(np.ones(5), 3, 0.6), "alpha"),
        (lambda: C.heat_diffusion(np.ones(5), -1), "steps"),
        (lambda: C.frequency_filter(np.ones((4, 4)), 0.0), "cutoff"),
        (lambda: C.conv_layer_cost(3, 64, 3, 10, 10, groups=2), "groups"),
        (lambda: C.network_cost("lenet"), "network"),
        (lambda: C.dice_sum_pmf(0), "number of dice"),
    ],
)
def test_impossible_arguments_raise_valueerror_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_energy_share_follows_parseval():
    rng = np.random.default_rng(1)
    image = rng.random((16, 16))
    everything = np.ones((16, 16), bool)
    assert C.energy_share(image, everything) == pytest.approx(1.0)
    # Parseval: the DC bin holds N * mean^2 of the N * sum(x^2) total energy
    dc = np.zeros((16, 16), bool)
    dc[8, 8] = True  # fftshift puts frequency 0 at the centre
    assert C.energy_share(image, dc) == pytest.approx(image.mean() ** 2 * image.size / np.sum(image**2))
    assert C.energy_share(np.zeros((4, 4)), np.ones((4, 4), bool)) == 0.0
    with pytest.raises(ValueError, match="mask"):
        C.energy_share(image, np.ones((4, 4), bool))


def test_diffusion_gaussian_is_the_normal_density():
    from scipy import stats

    x = np.arange(-20, 21)
    assert C.diffusion_sigma(0.25, 50) == pytest.approx(5.0)
    assert np.allclose(C.diffusion_gaussian(x, 0.25, 50), stats.norm.pdf(x, scale=5.0))
    # and the heat equation itself approaches it
    spike = (x == 0).astype(float)
    assert np.allclose(C.heat_diffusion(spike, 50, 0.25), stats.norm.pdf(x, scale=5.0), atol=2e-3)


def test_layer_channels_of_the_fully_connected_layers():
    # VGG-16 fc6 reads the 7 x 7 x 512 feature map (Simonyan and Zisserman 2014); AlexNet fc6 6 x 6 x 256
    assert C.layer_channels("vgg16", "fc6") == (7 * 7 * 512, 4096)
    assert C.layer_channels("alexnet", "fc6") == (6 * 6 * 256, 4096)
    with pytest.raises(ValueError, match="layer"):
        C.layer_channels("vgg16", "fc9")
