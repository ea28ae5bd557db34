"""Notebook 02 explorers driven headlessly: controls move the plotted data; bad input gives a message."""

import numpy as np
import pytest

from helpers import brain as B
from helpers import trends as T
from helpers.explorers import brain as E


def test_chain_explorer_sliders_and_preset():
    ex = E.chain_explorer()
    ex.controls["rate_hz"].value = 10
    ex.controls["extra"].value = "2"
    expected = B.brain_flops({k: ex.controls[k].value for k in B.FACTORS}) * 2
    assert ex.artists["estimate"].get_xdata()[0] == pytest.approx(expected)
    ex.controls["preset"].value = "kurzweil"
    assert ex.artists["estimate"].get_xdata()[0] == pytest.approx(2e16 * 2, rel=1e-6)
    assert "FLOP/s" in ex.info.value and ex.error is None


@pytest.mark.parametrize("bad", ["abc", "", "-3", "0", "1e99", "nan"])
def test_chain_explorer_bad_extra_factor(bad):
    ex = E.chain_explorer()
    before = ex.artists["estimate"].get_xdata()[0]
    ex.controls["extra"].value = bad
    assert isinstance(ex.error, ValueError) and "extra factor" in ex.message.value
    assert ex.artists["estimate"].get_xdata()[0] == before


def test_top500_explorer_fit_follows_window_and_target():
    ex = E.top500_explorer()
    years, rank1 = B.top500_series("rank1_rmax_tflops")
    ex.controls["window"].value = (2013, 2025)
    fit = T.fit_exponential(years, rank1 * 1e12, 2013, 2025.99)
    x, y = ex.artists["fit"].get_data()
    np.testing.assert_allclose(y, fit.predict(x))
    ex.controls["target"].value = "1e20"
    ex.controls["efficiency"].value = 0.1
    assert ex.artists["target"].get_ydata()[0] == pytest.approx(1e21)
    assert f"{T.year_reached(1e21, fit):.0f}" in ex.info.value


@pytest.mark.parametrize("bad, word", [("abc", "number"), ("-1", "at least"), ("", "number"), ("1e50", "at most")])
def test_top500_explorer_bad_target(bad, word):
    ex = E.top500_explorer()
    ex.controls["target"].value = bad
    assert isinstance(ex.error, ValueError) and word in ex.message.value


def test_top500_window_too_narrow_is_explained():
    ex = E.top500_explorer()
    ex.controls["window"].value = (2024, 2025)
    assert isinstance(ex.error, ValueError) and "at least 3" in ex.message.value


def test_monte_carlo_histogram_is_seeded_and_sums_to_one():
    ex = E.monte_carlo_explorer(samples=5000)
    heights = [b.get_height() for b in ex.artists["bars"]]
    assert sum(heights) == pytest.approx(1)
    ex.controls["seed"].value = 7
    ex.controls["seed"].value = 0
    assert [b.get_height() for b in ex.artists["bars"]] == heights
    ex.controls["preset"].value = "kurzweil"
    assert [b.get_height() for b in ex.artists["bars"]] != heights
    ex.controls["seed"].value = -5
    assert isinstance(ex.error, ValueError) and "seed" in ex.message.value


def test_efficiency_explorer():
    ex = E.efficiency_explorer()
    ex.controls["estimate"].value = "dettmers2015"
    ex.controls["brain_watts"].value = "10"
    assert ex.artists["brain"].get_ydata()[0] == pytest.approx(1.075e21 / 10)
    ex.controls["precision"].value = "fp32"
    years, effs = ex.artists["gpus"].get_data()
    assert len(years) > 10 and np.all(np.asarray(effs) > 0)
    ex.controls["brain_watts"].value = "0"
    assert isinstance(ex.error, ValueError) and "brain watts" in ex.message.value
