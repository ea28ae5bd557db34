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
    ex.controls["share"].value = 1e-3  # a smaller practical share puts more of the samples in the future
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


# ---- notebook 02 second edition ------------------------------------------------------------------------------------

def test_neuron_explorer_default_and_switching_off_the_convolution():
    ex = E.neuron_explorer()
    heights = {k: b.get_height() for k, b in zip(B.PIPELINE_STAGES, ex.artists["bars"])}
    assert heights["dendritic_convolution"] == 100_000 * 5 * 10 * 1000 * 5
    assert "99.99%" in ex.info.value  # the prose: nearly all of a Purkinje cell's operations are the convolution
    full = B.dettmers2015_pipeline()["total"]
    assert ex.artists["total"].get_text() == f"whole brain: {full:.3g} FLOP/s"
    ex.controls["dendritic_convolution"].value = False
    off = B.dettmers2015_pipeline({"dendritic_convolution": False})["total"]
    assert ex.artists["total"].get_text() == f"whole brain: {off:.3g} FLOP/s"
    assert 3.9 < np.log10(full / off) < 4.1  # the prose: about four orders of magnitude
    ex.controls["time_steps"].value = 10
    assert ex.artists["bars"][1].get_height() == E.FLOOR


def test_top500_explorer_crossing_from_the_latest_list():
    ex = E.top500_explorer()
    years, rank1 = B.top500_series("rank1_rmax_tflops")
    fit = T.fit_exponential(years, rank1 * 1e12, 1993, 2025.99)
    year, value = B.latest_point()
    expected = B.year_reached_from(1.075e21, fit, value * 1e12, year)
    assert f"<b>{expected:.0f}</b>" in ex.info.value
    x, y = ex.artists["from_data"].get_data()
    assert y[0] == pytest.approx(value * 1e12)
    assert not ex.artists["clusters"].get_visible()
    ex.controls["ai_clusters"].value = True
    assert ex.artists["clusters"].get_visible()


def test_monte_carlo_starts_from_the_latest_list():
    ex = E.monte_carlo_explorer(samples=5000)
    assert "not from the fitted line" in ex.info.value


def test_monte_carlo_default_is_not_degenerate():
    """Review item 3: the default (the article's own ranges, growth from both TOP500 eras) spreads over decades;
    the first edition printed 'between 2026 and 2026'."""
    ex = E.monte_carlo_explorer(samples=5000)
    import re
    p10, p90 = (int(y) for y in re.search(r"between (\d{4}) and (\d{4})", ex.info.value).groups())
    assert p90 - p10 >= 15 and p10 > 2026
    ex.controls["growth"].value = "HPCG pace"  # slower growth: later years
    p10_hpcg, p90_hpcg = (int(y) for y in re.search(r"between (\d{4}) and (\d{4})", ex.info.value).groups())
    assert p10_hpcg > p10 and p90_hpcg > p90 and 2060 <= p90_hpcg <= 2070
    ex.controls["preset"].value = "kurzweil"
    ex.controls["growth"].value = "fit window (HPL)"
    assert ex.error is None


def test_monte_carlo_try_it_claims():
    """The 'Try it' of section 7: about two decades of spread by default; HPCG pace reaches into the 2060s; most
    synapse-counting samples are already below today's practical speed."""
    import re
    ex = E.monte_carlo_explorer(samples=20_000)
    p10, p90 = (int(y) for y in re.search(r"between (\d{4}) and (\d{4})", ex.info.value).groups())
    assert 15 <= p90 - p10 <= 25 and "×1.92 or ×1.45" in ex.info.value  # the two eras the prose names
    ex.controls["growth"].value = "HPCG pace"
    assert 2060 <= int(re.search(r"between \d{4} and (\d{4})", ex.info.value).group(1)) <= 2069
    ex.controls["growth"].value = "both TOP500 eras (HPL)"
    ex.controls["preset"].value = "synapse_counting"
    assert int(re.search(r"(\d+)% already below", ex.info.value).group(1)) > 50


def test_hardware_held_up_claims():
    """Review item 9: HBM bandwidth 'about eightfold in eight years'; the TOP500's listed power is below 24 MW."""
    from helpers import gpus as G
    v100, b200 = G.gpu("Tesla V100 SXM2 16GB"), G.gpu("B200 (HGX)")
    assert b200.year - v100.year == 8 and 7.5 < b200.bandwidth_gbs / v100.bandwidth_gbs < 9
    assert B.fact("tianhe2_listed_power_mw") < B.fact("tianhe2_power_mw")
