"""Notebook 01 explorers driven headlessly: every control moves the plotted data; bad input gives a message."""

import numpy as np
import pytest

from helpers import convolution as C
from helpers.explorers import convolution as E


def assert_ok(ex):
    assert ex.error is None, ex.message.value
    assert ex.message.value == ""


def assert_message(ex, *words):
    assert ex.error is not None and isinstance(ex.error, ValueError), ex.error
    for word in words:
        assert word in ex.message.value


# ---- kernel explorer ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(C.KERNELS))
def test_kernel_explorer_output_is_the_convolution(name):
    ex = E.kernel_explorer()
    ex.controls["kernel"].value = name
    assert_ok(ex)
    expected = C.conv2d(C.sample_image(128), E.kernel_from_controls(name, ex.controls["sigma"].value, ""))
    np.testing.assert_allclose(ex.artists["output"].get_array(), expected)
    np.testing.assert_allclose(ex.artists["kernel"].get_array(), E.kernel_from_controls(name, 1.0, ""))


def test_kernel_explorer_sigma_image_and_custom():
    ex = E.kernel_explorer("gaussian blur")
    ex.controls["sigma"].value = 2.0
    assert ex.artists["kernel"].get_array().shape == (13, 13)
    ex.controls["image"].value = E.IMAGES[1]
    np.testing.assert_allclose(ex.artists["input"].get_array(), E.photo_image())
    ex.controls["kernel"].value = E.CUSTOM
    ex.controls["custom"].value = "1 0; 0 -1"
    assert_ok(ex)
    np.testing.assert_allclose(ex.artists["output"].get_array(), C.conv2d(E.photo_image(), [[1, 0], [0, -1]]))
    assert "sums to 0" in ex.info.value


@pytest.mark.parametrize("text, word", [("abc", "number"), ("", "empty"), ("1 2; 3", "different lengths"),
                                        ("nan 1", "number"), ("1e999", "finite"), ("1 " * 12, "larger")])
def test_kernel_explorer_bad_custom_kernel(text, word):
    ex = E.kernel_explorer()
    ex.controls["kernel"].value = E.CUSTOM
    before = ex.artists["output"].get_array().copy()
    ex.controls["custom"].value = text
    assert_message(ex, word)
    np.testing.assert_array_equal(ex.artists["output"].get_array(), before)


# ---- shape explorer -----------------------------------------------------------------------------

def test_shape_explorer_draws_what_the_formula_says():
    ex = E.shape_explorer()
    for name, value in [("n", 9), ("k", 5), ("padding", 2), ("stride", 1), ("dilation", 2), ("position", 4)]:
        ex.controls[name].value = value
        assert_ok(ex)
    grid, out_grid = ex.artists["input"].get_array(), ex.artists["output"].get_array()
    out = C.output_size(9, 5, 2, 1, 2)
    assert out_grid.shape == (out, out) and grid.shape == (13, 13)
    assert (grid == 2).sum() == 25  # every tap of the 5x5 kernel is marked
    rows, cols = np.nonzero(grid == 2)
    assert sorted(set(rows)) == [0, 2, 4, 6, 8] and sorted(set(cols)) == [4, 6, 8, 10, 12]
    assert ex.controls["position"].max == out * out - 1
    assert f"<b>{out}</b>" in ex.info.value


@pytest.mark.parametrize("name, value, word", [("stride", -1, "stride"), ("stride", 0, "stride"),
                                               ("n", 0, "input size"), ("k", 50, "kernel spans"),
                                               ("padding", -3, "padding"), ("n", 10_000, "too large"),
                                               ("dilation", 0, "dilation")])
def test_shape_explorer_bad_values(name, value, word):
    ex = E.shape_explorer()
    ex.controls[name].value = value
    assert_message(ex, word)
    ex.controls[name].value = {"stride": 1, "n": 7, "k": 3, "padding": 1, "dilation": 1}[name]
    assert_ok(ex)


# ---- spectrum explorer --------------------------------------------------------------------------

def test_spectrum_explorer_filters():
    ex = E.spectrum_explorer()
    for keep in ("high", "low"):
        ex.controls["keep"].value = keep
        ex.controls["cutoff"].value = 0.2
        filtered, spectrum, mask = C.frequency_filter(C.sample_image(128), 0.2, keep)
        np.testing.assert_allclose(ex.artists["output"].get_array(), filtered)
        np.testing.assert_allclose(ex.artists["mask"].get_array()[..., 3], np.where(mask, 0, 0.75))
    ex.controls["image"].value = E.IMAGES[1]
    np.testing.assert_allclose(ex.artists["input"].get_array(), E.photo_image())
    assert "%" in ex.info.value


# ---- FFT timing explorer ------------------------------------------------------------------------

def test_fft_timing_explorer_measures_and_validates():
    ex = E.fft_timing_explorer(image_size=64, largest_kernel=9, repeats=1)
    ex.controls["largest_kernel"].value = 11
    x, y = ex.artists["direct"].get_data()
    assert x[-1] == 11 and np.all(np.asarray(y) > 0)
    ex.controls["image_size"].value = 128
    assert_ok(ex)
    assert "FFT" in ex.info.value


# ---- dice and diffusion -------------------------------------------------------------------------

def test_dice_diffusion_explorer():
    ex = E.dice_diffusion_explorer()
    ex.controls["n_dice"].value = 5
    ex.controls["sides"].value = 4
    totals, pmf = C.dice_sum_pmf(5, 4)
    x, y = ex.artists["pmf"].get_data()
    np.testing.assert_array_equal(x, totals)
    np.testing.assert_allclose(y, pmf)
    ex.controls["steps"].value = 100
    ex.controls["alpha"].value = "0.5"
    assert_ok(ex)
    start = np.zeros(E.DIFFUSION_POINTS)
    start[E.DIFFUSION_POINTS // 2] = 1
    np.testing.assert_allclose(ex.artists["heat"].get_ydata(), C.heat_diffusion(start, 100, 0.5))


@pytest.mark.parametrize("alpha, word", [("abc", "number"), ("0.7", "at most 0.5"), ("-1", "at least"),
                                         ("", "number"), ("inf", "number"), ("0", "at least")])
def test_dice_diffusion_bad_alpha(alpha, word):
    ex = E.dice_diffusion_explorer()
    ex.controls["alpha"].value = alpha
    assert_message(ex, "α", word)


# ---- network cost -------------------------------------------------------------------------------

@pytest.mark.parametrize("network", C.NETWORKS)
def test_network_cost_explorer_bars_are_the_layers(network):
    ex = E.network_cost_explorer()
    ex.controls["network"].value = network
    for metric in ("MACs", "parameters"):
        ex.controls["metric"].value = metric
        layers = C.network_cost(network).layers
        heights = [b.get_height() for b in ex.artists["bars"] if b.get_visible()]
        expected = [layer.macs if metric == "MACs" else layer.params for layer in layers]
        assert heights == expected
    ex.controls["log"].value = True
    assert ex.fig.axes[0].get_yscale() == "log"
    assert "torchvision" in ex.info.value
