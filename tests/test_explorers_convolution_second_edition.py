"""Notebook 01, second edition: the new and changed explorers, driven headlessly; what the prose promises holds."""

import numpy as np
import pytest

from helpers import convolution as C
from helpers.explorers import convolution as E
from helpers.plotting import DIVERGING_CMAP


def assert_ok(ex):
    assert ex.error is None, ex.message.value


# ---- error 1: zero-sum kernels are shown signed, centred at 0, with a colour bar ---------------------------

@pytest.mark.parametrize("name", ["sobel x", "sobel y", "laplacian", "outline"])
def test_zero_sum_kernel_output_is_signed_and_flat_regions_sit_at_the_centre(name):
    ex = E.kernel_explorer()
    ex.controls["kernel"].value = name
    assert_ok(ex)
    im = ex.artists["output"]
    assert im.get_cmap().name == DIVERGING_CMAP
    lo, hi = im.get_clim()
    assert lo == -hi and hi == pytest.approx(np.abs(im.get_array()).max())
    # a flat patch of the image (inside the dark square, noise aside) maps to the middle of the colour map
    out = im.get_array()
    flat = np.abs(out) < 0.02 * hi
    assert flat.mean() > 0.05
    assert np.allclose(im.norm(out[flat]), 0.5, atol=0.011)
    assert "colorbar" in ex.artists and ex.artists["colorbar"].mappable is im
    assert "Flat regions give 0" in ex.info.value


@pytest.mark.parametrize("name", ["box blur", "gaussian blur", "identity", "sharpen"])
def test_other_kernels_are_shown_on_the_inputs_grey_scale(name):
    ex = E.kernel_explorer()
    ex.controls["kernel"].value = name
    assert ex.artists["output"].get_cmap().name == "gray"
    assert ex.artists["output"].get_clim() == (0.0, 1.0)
    assert "grey scale 0..1" in ex.info.value


# ---- error 5: ringing explained, Gaussian mask offered -----------------------------------------------------

def test_spectrum_explorer_rings_with_the_ideal_mask_not_with_the_gaussian():
    ex = E.spectrum_filter_explorer()
    assert_ok(ex)
    assert "Gibbs" in ex.info.value and f"{C.step_overshoot(0.08, 'ideal'):.1%}" in ex.info.value
    filtered, _, _ = C.shaped_frequency_filter(C.sample_image(128), 0.08, "low", "ideal")
    np.testing.assert_allclose(ex.artists["row_out"].get_ydata(), filtered[E.ROW_THROUGH_SQUARE])
    ex.controls["profile"].value = "gaussian"
    assert "no ringing" in ex.info.value
    filtered, _, _ = C.shaped_frequency_filter(C.sample_image(128), 0.08, "low", "gaussian")
    np.testing.assert_allclose(ex.artists["output"].get_array(), filtered)


# ---- the sliding window -------------------------------------------------------------------------------------

def test_sliding_window_default_state_shows_the_first_sum():
    ex = E.sliding_window_explorer()
    assert_ok(ex)
    x, w = E.window_example()
    out = C.conv_layer(x[:2], w[:2, :2])
    assert f"<b>{out[0, 0, 0]:g}</b>" in ex.info.value
    assert "Sum over the 2 input channel(s)" in ex.info.value
    shown = [t.get_text() for t in ex.artists["output_texts"][0] if t.get_text()]
    assert shown == [f"{out[0, 0, 0]:g}"]   # only the cell computed so far


@pytest.mark.parametrize("setting", [dict(flip=True), dict(padding=1, stride=2), dict(dilation=2, c_in=3),
                                     dict(c_out=1, c_in=1), dict(padding=2, position=60)])
def test_sliding_window_every_control(setting):
    ex = E.sliding_window_explorer()
    for name, value in setting.items():
        ex.controls[name].value = value
    assert_ok(ex)
    v = ex.values()
    x, w = E.window_example()
    x, w = x[: v["c_in"]], w[: v["c_out"], : v["c_in"]]
    out = C.conv_layer(x, w, padding=v["padding"], stride=v["stride"], dilation=v["dilation"], flip=v["flip"])
    position = min(v["position"], out.size - 1)
    assert ex.controls["position"].max == out.size - 1 == ex.play.max
    o, cell = divmod(position, out.shape[1] * out.shape[2])
    r, c = divmod(cell, out.shape[2])
    assert f"<b>{out[o, r, c]:g}</b>" in ex.info.value
    taps = ex.artists["taps"][0].get_offsets()
    assert len(taps) == 9
    shown_outputs = [im for im in ex.artists["outputs"] if im.get_visible()]
    assert len(shown_outputs) == v["c_out"]
    np.testing.assert_allclose(ex.artists["outputs"][o].get_array(), out[o])
    covered = ex.artists["covers"][o].get_array()[..., 3]
    done = r * out.shape[2] + c + 1
    assert np.all(covered.ravel()[:done] == 0) and np.all(covered.ravel()[done:] == 1)


def test_sliding_window_flip_changes_the_sum_as_convolution_does():
    ex = E.sliding_window_explorer()
    ex.controls["position"].value = 4
    before = ex.info.value
    ex.controls["flip"].value = True
    x, w = E.window_example()
    flipped = C.conv_layer(x[:2], w[:2, :2], flip=True)
    assert f"<b>{flipped[0, 1, 1]:g}</b>" in ex.info.value and ex.info.value != before


# ---- learned kernel ------------------------------------------------------------------------------------------

def test_learned_kernel_default_state_is_sobel_flipped_and_correlation_gives_sobel():
    ex = E.learned_kernel_explorer()
    assert_ok(ex)
    np.testing.assert_allclose(ex.artists["kernel"].get_array(), C.KERNELS["sobel x"][::-1, ::-1], atol=1e-3)
    assert "Sobel-x flipped" in ex.info.value
    ex.controls["target"].value = "correlation"
    np.testing.assert_allclose(ex.artists["kernel"].get_array(), C.KERNELS["sobel x"], atol=1e-3)
    assert "Sobel-x as written" in ex.info.value
    ex.controls["lr"].value = 13.0
    assert ex.error is None and "diverged" in ex.info.value   # shown, not refused (review 01 item 6)


# ---- receptive field -----------------------------------------------------------------------------------------

def test_receptive_field_default_and_controls():
    ex = E.receptive_field_explorer()
    assert_ok(ex)
    layers = [(3, 1, 1)] * 3
    assert f"<b>{C.receptive_field_size(layers)}</b>" in ex.info.value
    x, y = ex.artists["profile"].get_data()
    np.testing.assert_array_equal(y, C.receptive_field_paths(layers))
    assert y[len(y) // 2] == y.max() > y[0] == 1   # "pixels near the centre count for more"
    assert "<b>49</b> paths" in ex.info.value          # review 01 item 17: 7 per axis, 7 x 7 in 2-D
    assert np.asarray(ex.artists["map"].get_array()).max() == 49
    ex.controls["s3"].value = 2
    assert "only spaces the output pixels apart" in ex.info.value
    assert f"<b>{C.receptive_field_size(layers)}</b>" in ex.info.value   # unchanged by the last stride
    ex.controls["layers"].value = 4
    ex.controls["d4"].value = 2
    layers = [(3, 1, 1), (3, 1, 1), (3, 2, 1), (3, 1, 2)]
    r = C.receptive_field_size(layers)
    grid = np.asarray(ex.artists["map"].get_array())
    margin = (grid.shape[0] - r) // 2
    np.testing.assert_array_equal(grid[margin:margin + r, margin:margin + r],
                                  np.outer(C.receptive_field_paths(layers), C.receptive_field_paths(layers)))
    assert grid.sum() == np.prod([3, 3, 3, 3]) ** 2   # nothing outside the field is reached


# ---- diffusion -----------------------------------------------------------------------------------------------

def test_diffusion_explorer_default_claim():
    ex = E.diffusion_blur_explorer()
    assert_ok(ex)
    heat = C.diffuse_image(C.sample_image(128), 40, 0.1)
    np.testing.assert_allclose(ex.artists["heat"].get_array(), heat)
    gap = np.abs(heat - C.gaussian_blur(C.sample_image(128), C.diffusion_sigma(0.1, 40))).max()
    assert gap < 0.005 and f"<b>{gap:.3f}</b>" in ex.info.value


def test_diffusion_at_the_stability_limit_leaves_a_checkerboard():
    """Review 01 item 1: at alpha = 1/4 the step kernel's centre weight is 0, so the t-step kernel is zero on
    every other pixel it reaches and the gap to the Gaussian stays large; the default alpha has no such zeros."""
    steps = 20
    rows, cols = np.indices((2 * steps + 1, 2 * steps + 1)) - steps
    reached = np.abs(rows) + np.abs(cols) <= steps
    assert (C.diffusion_kernel(steps, 0.1)[reached] > 0).all()
    at_limit = C.diffusion_kernel(steps, 0.25)[reached]
    assert np.count_nonzero(np.abs(at_limit) < 1e-15) == np.count_nonzero((rows + cols)[reached] % 2)
    ex = E.diffusion_blur_explorer()
    ex.controls["steps"].value = 20
    ex.controls["alpha"].value = 0.25
    assert "checkerboard" in ex.info.value
    gap_limit = float(np.abs(ex.artists["heat"].get_array() - ex.artists["blur"].get_array()).max())
    ex.controls["alpha"].value = 0.1
    ex.controls["steps"].value = 50                 # the same sigma, sqrt(5), as 20 steps at alpha 0.25
    assert "checkerboard" not in ex.info.value
    assert gap_limit > 20 * float(np.abs(ex.artists["heat"].get_array() - ex.artists["blur"].get_array()).max())


# ---- what the notebook's "Try it" lines promise -------------------------------------------------------------

def test_sobel_x_left_edge_of_the_dark_square_is_red_right_edge_blue():
    ex = E.kernel_explorer("gaussian blur")
    ex.controls["kernel"].value = "sobel x"
    im = ex.artists["output"]
    out = np.asarray(im.get_array())
    rows = slice(22, 50)                     # inside the square's rows (0.12..0.44 of 128), away from corners
    profile = out[rows].mean(axis=0)
    left, right = int(np.argmax(profile[60:90])) + 60, int(np.argmin(profile[100:125])) + 100
    assert 70 <= left <= 78 and 110 <= right <= 119   # the square spans columns 0.58..0.9 of 128
    assert im.norm(profile[left]) > 0.6 and im.norm(profile[right]) < 0.4   # red above the middle, blue below


def test_sliding_window_padding_then_stride_sizes():
    ex = E.sliding_window_explorer()
    ex.controls["padding"].value = 1
    assert ex.artists["outputs"][0].get_array().shape == (5, 5)
    ex.controls["stride"].value = 2
    assert ex.artists["outputs"][0].get_array().shape == (3, 3)


def test_diffusion_gap_shrinks_with_more_steps():
    ex = E.diffusion_blur_explorer()
    gaps = {}
    for steps in (1, 40, 80):
        ex.controls["steps"].value = steps
        heat, blur = ex.artists["heat"].get_array(), ex.artists["blur"].get_array()
        gaps[steps] = float(np.abs(heat - blur).max())
    assert gaps[1] > gaps[40] > gaps[80] and gaps[40] < 0.005
    ex.controls["alpha"].value = 0.05
    ex.controls["steps"].value = 80
    assert C.diffusion_sigma(0.05, 80) == pytest.approx(C.diffusion_sigma(0.1, 40))


def test_learning_rate_13_shows_the_divergence():
    """Review 01 item 6: the notebook promises that lr = 13 makes the descent blow up; the explorer draws the
    growing loss until the run stops instead of rejecting the choice."""
    ex = E.learned_kernel_explorer()
    ex.controls["lr"].value = 13.0
    assert_ok(ex)
    assert "diverged" in ex.info.value
    shown = np.asarray(ex.artists["loss"].get_ydata(), dtype=float)
    assert shown[-1] > 1e12 > 1e3 * shown[0] and np.all(np.diff(shown[5:]) > 0)
    assert len(shown) < E.LEARN_STEPS + 1
    ex.controls["lr"].value = 0.5
    assert "diverged" not in ex.info.value and len(ex.artists["loss"].get_ydata()) == E.LEARN_STEPS + 1


def test_learning_rate_limit_is_two_over_the_largest_curvature():
    images, targets = C.edge_training_pairs(8, 16, "convolution", seed=0)
    limit = C.gradient_descent_lr_limit(images)
    assert 0.5 < limit < 13.0
    assert C.learn_kernel_trace(images, targets, 400, 0.97 * limit)[2] is None
    assert C.learn_kernel_trace(images, targets, 400, 1.03 * limit)[2] is not None


def test_published_table_warns_that_flops_are_multiply_adds():
    """Review 01 item 12: He et al.'s 'FLOPs' and torchvision's 'GFLOPS' sit in the GMACs column; say so."""
    table = E.published_comparison(C.network_cost("resnet50"))
    assert "FLOPs" in table and "multiply-add" in table and "double" in table


def test_spectrum_explorer_rotates_the_image_and_its_spectrum():
    ex = E.spectrum_filter_explorer()
    ex.controls["rotate"].value = 45
    assert_ok(ex)
    turned = C.rotate_image(C.sample_image(128), 45)
    np.testing.assert_allclose(ex.artists["spectrum"].get_array(),
                               C.shaped_frequency_filter(turned, 0.08, "low", "ideal")[1])
    assert "turned by 45°" in ex.info.value


def test_sliding_window_draws_the_kernels_and_hides_unused_panels():
    """Review 01 item 16: the weights are drawn (one grid per input channel, for the current output channel,
    flipped when the box is ticked); with two input channels the third input panel is switched off."""
    ex = E.sliding_window_explorer()
    assert_ok(ex)
    x, w = E.window_example()
    for c in range(2):
        np.testing.assert_array_equal(ex.artists["kernels"][c].get_array(), w[0, c])
        assert [t.get_text() for t in ex.artists["kernel_texts"][c]] == [f"{v:g}" for v in w[0, c].ravel()]
    assert not ex.artists["kernels"][2].get_visible() and not ex.artists["inputs"][2].axes.axison
    ex.controls["flip"].value = True
    np.testing.assert_array_equal(ex.artists["kernels"][1].get_array(), w[0, 1][::-1, ::-1])
    ex.controls["c_in"].value = 3
    assert ex.artists["inputs"][2].axes.axison and ex.artists["kernels"][2].get_visible()


def test_spectrum_row_ends_wrap_around():
    """Review 01 item 18: the filtered row's ends are pulled toward the opposite border (circular convolution)."""
    ex = E.spectrum_filter_explorer()
    image = np.asarray(ex.artists["row_in"].get_ydata())
    filtered = np.asarray(ex.artists["row_out"].get_ydata())
    left, right = image[0], image[-1]
    assert abs(filtered[0] - right) < abs(image[0] - right) and abs(filtered[-1] - left) < abs(image[-1] - left)
