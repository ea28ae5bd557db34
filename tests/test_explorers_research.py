"""Notebook 08 explorers driven headlessly: every control moves the plotted data to the helpers' result; bad
input gives a message and the figure keeps its last valid state."""

import numpy as np
import pytest

from helpers import quantize as Q
from helpers import research as R
from helpers import trends as T
from helpers.explorers import research as E


@pytest.fixture(autouse=True)
def _no_render(monkeypatch):
    """Agg renders on every draw_idle; these tests read artists, so skip the pixels (test_robustness renders)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    monkeypatch.setattr(FigureCanvasAgg, "draw_idle", lambda self, *args, **kwargs: None)


def test_trend_explorer_window_estimates_precision_horizon():
    ex = E.trend_explorer()
    assert ex.error is None
    ex.controls["window"].value = (2015, 2024)
    ex.controls["estimates"].value = False
    ex.controls["precision"].value = "fp16"
    ex.controls["horizon"].value = 2035
    compute = R.training_compute(False)
    cfit = T.fit_exponential(compute.years, compute.values, 2015, 2024.99)
    x, y = ex.artists["compute_fit"].get_data()
    np.testing.assert_allclose(x, [cfit.start, cfit.end])
    np.testing.assert_allclose(y, cfit.predict(x))
    x, y = ex.artists["compute_ahead"].get_data()
    assert x[-1] == pytest.approx(2035.99)
    hw = R.gpu_price_performance("fp16")
    hfit = T.fit_exponential(hw.years, hw.values, 2015, 2024.99)
    np.testing.assert_allclose(ex.artists["hw_points"].get_data()[1], hw.values)
    np.testing.assert_allclose(ex.artists["hw_ahead"].get_data()[1], hfit.predict(x))
    gap = R.required_spending_growth(cfit.growth_per_year, hfit.growth_per_year)
    assert f"×{cfit.growth_per_year:.2f} per year" in ex.info.value and f"×{gap:.2f} per year" in ex.info.value
    assert ex.error is None


def test_trend_explorer_narrow_window_is_explained_and_recovers():
    ex = E.trend_explorer()
    before = ex.artists["compute_fit"].get_data()[1].copy()
    ex.controls["precision"].value = "fp16"
    ex.controls["window"].value = (2012, 2015)  # no fp16 tensor GPUs before 2017
    assert isinstance(ex.error, ValueError) and "GPU fp16" in ex.message.value and "at least 3" in ex.message.value
    np.testing.assert_allclose(ex.artists["compute_fit"].get_data()[1], before)
    ex.controls["window"].value = (2012, 2025)
    assert ex.error is None and ex.message.value == ""


def test_doubling_text_never_prints_infinity():
    years = np.arange(2000, 2006)
    flat = T.fit_exponential(years, [1.0, 2.0, 1.0, 2.0, 1.0, 2.0])
    assert "inf" not in E.doubling_text(flat)
    falling = T.fit_exponential(years, 2.0 ** -(years - 2000.0))
    assert "does not grow" in E.doubling_text(falling)


def test_cost_explorer_every_control():
    ex = E.cost_explorer()
    ex.controls["compute"].value = "3e26"
    ex.controls["year"].value = 2030
    ex.controls["growth"].value = 1.3
    ex.controls["utilization"].value = 0.5
    ex.controls["price"].value = "2"
    a = R.default_cost_assumptions()
    per_usd = R.flop_per_usd(a["peak_flops"], 0.5, 2.0)
    expected = R.training_cost(3e26, 2030, a["reference_year"], per_usd, 1.3)
    assert ex.artists["marker"].get_ydata()[0] == pytest.approx(expected.cost_usd)
    years, costs = ex.artists["target"].get_data()
    assert costs[list(years).index(2030)] == pytest.approx(expected.cost_usd)
    assert np.all(np.diff(costs) < 0)  # the same run gets cheaper every year
    assert f"{expected.cost_usd:,.3g}" in ex.info.value and "Assumptions" in ex.info.value
    assert np.all(np.isfinite(ex.artists["models"].get_offsets()))


@pytest.mark.parametrize("control, bad, word", [
    ("compute", "abc", "training FLOP"), ("compute", "-1", "at least"), ("compute", "1e99", "at most"),
    ("compute", "", "number"), ("price", "0", "price per GPU-hour"), ("price", "nan", "price"),
])
def test_cost_explorer_bad_text(control, bad, word):
    ex = E.cost_explorer()
    before = ex.artists["marker"].get_ydata()[0]
    ex.controls[control].value = bad
    assert isinstance(ex.error, ValueError) and word in ex.message.value
    assert ex.artists["marker"].get_ydata()[0] == before
    ex.controls[control].value = "2" if control == "price" else "1e26"
    assert ex.error is None


def _expected_histogram(bits, method, block, distribution):
    weights, _ = E._layer(distribution)
    b, m, bs = E.scheme(bits, method, block)
    errors = Q.quantization_error(weights, b, m, bs).errors / weights.std()
    clipped = np.clip(errors, E.ERROR_BINS[0], E.ERROR_BINS[-1])
    return np.histogram(clipped, E.ERROR_BINS)[0] / errors.size


@pytest.mark.parametrize("bits, method, block, distribution", [
    (8, "absmax-row", 64, "normal"), (4, "normal-float", 64, "student-t"), (3, "absmax", 256, "student-t"),
    (4, "blockwise", 16, "normal"), (16, "blockwise", 1024, "normal"),
])
def test_quantization_explorer_controls(bits, method, block, distribution):
    ex = E.quantization_explorer()
    ex.controls["distribution"].value = distribution
    ex.controls["method"].value = method
    ex.controls["block_size"].value = block
    ex.controls["bits"].value = bits
    ex.controls["params"].value = "7"
    assert ex.error is None
    heights = [bar.get_height() for bar in ex.artists["bars"]]
    np.testing.assert_allclose(heights, _expected_histogram(bits, method, block, distribution))
    assert sum(heights) == pytest.approx(1)
    weights, activations = E._layer(distribution)
    b, m, bs = E.scheme(bits, method, block)
    assert ex.artists["chosen"].get_ydata()[0] == pytest.approx(Q.matmul_error(activations, weights, b, m, bs))
    assert ex.artists["chosen"].get_visible() == (bits != 16)
    curve_block = block if method in Q.BLOCK_METHODS else None
    expected_curve = [Q.matmul_error(activations, weights, k, method, curve_block) for k in E.CURVE_BITS]
    np.testing.assert_allclose(ex.artists["curve"].get_ydata(), expected_curve)
    memory = [bar.get_height() for bar in ex.artists["memory"]]
    chosen_block = bs if m in Q.BLOCK_METHODS else None
    np.testing.assert_allclose(memory, [28, 14, Q.memory_bytes(7e9, b, chosen_block) / 1e9])


def test_quantization_explorer_block_size_moves_memory_and_error():
    ex = E.quantization_explorer(bits=4, method="blockwise", block_size=16)
    small = ex.artists["memory"][2].get_height(), ex.artists["chosen"].get_ydata()[0]
    ex.controls["block_size"].value = 1024
    large = ex.artists["memory"][2].get_height(), ex.artists["chosen"].get_ydata()[0]
    assert large[0] < small[0] and large[1] > small[1]  # fewer scales, coarser steps


@pytest.mark.parametrize("bad, word", [("abc", "model size"), ("0", "at least"), ("1e9", "at most"),
                                       ("", "number"), ("-5", "at least")])
def test_quantization_explorer_bad_model_size(bad, word):
    ex = E.quantization_explorer()
    before = ex.artists["memory"][2].get_height()
    ex.controls["params"].value = bad
    assert isinstance(ex.error, ValueError) and word in ex.message.value
    assert ex.artists["memory"][2].get_height() == before
    ex.controls["params"].value = "70"
    assert ex.error is None and ex.artists["memory"][1].get_height() == pytest.approx(140)


# ---- second edition (issue 25) -------------------------------------------------------------------------------

def test_researchers_explorer_default_and_window():
    """Review 08 item 7: hardware and submissions are fitted over the same window; the verdict reads the interval."""
    ex = E.researchers_explorer()
    assert ex.error is None
    full = R.researcher_growth(2016, 2025)
    assert f"×{full.growth_per_year:.2f} per year" in ex.info.value
    assert "indistinguishable from flat" in ex.info.value
    both = R.per_researcher_window(2016, 2025, "consumer")
    np.testing.assert_allclose(ex.artists["hardware"].get_ydata()[-1], both.growth_per_year ** 10)
    ex.controls["window"].value = (2016, 2020)  # the first edition's window, now windowed on both sides
    assert ex.error is None and "less compute each year" not in ex.info.value
    x, y = ex.artists["fit"].get_data()
    np.testing.assert_allclose(y, R.researcher_growth(2016, 2020).predict(x))
    ex.controls["hardware"].value = list(E.HARDWARE_SERIES)[1]  # every priced card: x1.12 as the review computed
    assert ex.error is None and "×1.12 per year" in ex.info.value
    ex.controls["window"].value = (2024, 2025)  # two points: explained
    assert isinstance(ex.error, ValueError) and "NeurIPS" in ex.message.value


def test_sparsity_explorer_default_is_deepseek_v3():
    ex = E.sparsity_explorer()
    assert ex.error is None
    x, y = ex.artists["chosen"].get_data()
    assert x[0] == pytest.approx(671) and y[0] == pytest.approx(6 * 37e9)
    assert "does <b>not</b> fit" in ex.info.value  # 671 GB > 8 x 80 GB
    ex.controls["bits"].value = 4
    assert "fits on one 8-GPU node" in ex.info.value
    ex.controls["active"].value = 1000  # more active than total
    assert isinstance(ex.error, ValueError) and "active_params" in ex.message.value


def test_budget_explorer_default_levers_and_stagnation():
    ex = E.budget_explorer()
    assert ex.error is None
    hw = R.datacentre_growth(False).growth_per_year
    b = R.efficiency_budget(2017, 2025, R.claim_growth_per_year("epoch_frontier_central"), hw,
                            R.claim("algo_lm_halving").value, R.fact("switch_xxl_speedup"))
    widths = [bar.get_width() for bar in ex.artists["bars"]]
    np.testing.assert_allclose(widths[:5], np.log10([b[n] for n in R.BUDGET_LEVERS]))
    assert min(widths) >= 0
    # the prose: spending carries more than hardware and precision together; physical compute beats algorithms
    assert b["spending and scale-out"] > b["hardware FLOP per dollar"] * b["lower precision"]
    assert "<b>physical compute</b> contributed more" in ex.info.value
    assert "largest physical lever: spending and scale-out" in ex.info.value
    ex.controls["stagnation"].value = True
    assert ex.artists["bars"][2].get_width() == pytest.approx(0)
    assert "largest physical lever: hardware FLOP per dollar" in ex.info.value
    ex.controls["window"].value = (2020, 2020)
    assert isinstance(ex.error, ValueError)


def test_budget_explorer_right_panel_is_a_flat_budget_per_researcher():
    """Review 08 item 5: like with like: physical and effective compute of a flat-budget group per researcher."""
    ex = E.budget_explorer()
    x, y = ex.artists["physical"].get_data()
    people = R.researcher_growth().growth_per_year
    hw = R.datacentre_growth(False).growth_per_year
    # 2017-2025: 8 years of hardware, one bf16 -> fp8 step (x2), divided by researchers
    assert y[-1] == pytest.approx(hw**8 * 2 / people**8)
    _, ye = ex.artists["effective"].get_data()
    assert ye[-1] == pytest.approx(y[-1] * 2**12 * R.fact("switch_xxl_speedup"))
    assert "frontier" not in ex.artists["physical"].axes.get_legend_handles_labels()[1][0]
    assert not any("frontier" in label for label in ex.artists["physical"].axes.get_legend_handles_labels()[1])


def test_sparsity_explorer_dense_end_keeps_memory():
    """The notebook's 'Try it': active = total puts the model on the dense model of the same size, same memory."""
    ex = E.sparsity_explorer()
    x0 = ex.artists["chosen"].get_data()[0][0]
    ex.controls["active"].value = ex.controls["total"].value
    x, y = ex.artists["chosen"].get_data()
    np.testing.assert_allclose([x[0], y[0]], [c[0] for c in ex.artists["twin"].get_data()])
    assert x[0] == pytest.approx(x0)


def test_budget_explorer_fast_algorithms_win():
    """At the fast end of Ho et al.'s interval (5 months) algorithms exceed physical compute over 2017-2025."""
    ex = E.budget_explorer()
    ex.controls["halving"].value = 5
    assert "<b>algorithms</b> contributed more" in ex.info.value


def test_trend_explorer_warns_when_the_fp16_series_starts_late():
    """Review 08 item 8: the 'Try it' promises a message when fp16 and a window before 2017 are chosen."""
    ex = E.trend_explorer()
    assert "No GPU has" not in ex.info.value
    ex.controls["precision"].value = "fp16"
    assert ex.error is None and "No GPU has a fp16 figure before 2017" in ex.info.value
    ex.controls["window"].value = (2017, 2025)
    assert "No GPU has" not in ex.info.value


def test_cost_explorer_frontier_at_epoch_rate():
    """Review 08 item 10: the frontier line grows at Epoch's x4 from the largest run, with x5 as a band."""
    ex = E.cost_explorer()
    x, y = ex.artists["frontier"].get_data()
    a = R.default_cost_assumptions()
    s = R.training_compute()
    i = int(np.argmax(s.values))
    per_usd = a["peak_flops"] * a["utilization"] * 3600 / a["usd_per_hour"]
    expected = s.values[i] * 4.0 ** (x[-1] - s.years[i]) / (per_usd * a["price_performance_growth"] ** (
        x[-1] - a["reference_year"]))
    assert y[-1] == pytest.approx(expected)
    _, high = ex.artists["frontier_high"].get_data()
    assert high[-1] > y[-1]


def test_trend_explorer_dropping_estimates_slows_the_recent_trend():
    """The notebook's 'Try it' (and exercise 7): on 2018-2025 the disclosed-only fit grows more slowly."""
    import re

    ex = E.trend_explorer()
    ex.controls["window"].value = (2018, 2025)
    with_estimates = float(re.search(r"×([0-9.]+) per year", ex.info.value).group(1))
    ex.controls["estimates"].value = False
    without = float(re.search(r"×([0-9.]+) per year", ex.info.value).group(1))
    assert without < 0.8 * with_estimates


def test_quantization_try_it_in_the_notebook_order():
    """Review 08 item 11: Student-t, NormalFloat: growing the block size lowers memory and raises the error; then one
    scale per tensor raises the error again and the block size stops mattering."""
    ex = E.quantization_explorer()
    ex.controls["distribution"].value = "student-t"

    def state():
        return ex.artists["memory"][2].get_height(), ex.artists["chosen"].get_data()[1][0]

    mem64, err64 = state()
    ex.controls["block_size"].value = 1024
    mem1024, err1024 = state()
    assert mem1024 < mem64 and err1024 > err64
    ex.controls["method"].value = "absmax"
    _, err_tensor = state()
    assert err_tensor > err1024 and "block size applies only to block-wise schemes" in ex.info.value
    ex.controls["block_size"].value = 64
    assert state()[1] == err_tensor


def test_researchers_try_it_every_priced_card():
    """The notebook's 'Try it': 2016-2020 on every priced card rises above x1 and stays indistinguishable from flat."""
    ex = E.researchers_explorer()
    ex.controls["window"].value = (2016, 2020)
    assert "indistinguishable from flat" in ex.info.value
    ex.controls["hardware"].value = list(E.HARDWARE_SERIES)[1]
    assert "indistinguishable from flat" in ex.info.value
    assert R.per_researcher_window(2016, 2020, None).growth_per_year > 1


def test_trend_and_cost_axes_use_powers_of_ten():
    """Review 08 item 22: no SI prefixes ('10E', '1Z') beside powers of ten on the compute and cost axes."""
    from matplotlib.ticker import FuncFormatter

    for ex in (E.trend_explorer(), E.cost_explorer()):
        for ax in ex.fig.axes:
            assert not isinstance(ax.yaxis.get_major_formatter(), FuncFormatter)


def test_trend_explorer_panels_share_decades_per_inch():
    """Review 08 item 9: both panels span the same number of decades, so their slopes can be compared by eye."""
    ex = E.trend_explorer()
    for window in ((2012, 2025), (2018, 2025)):
        ex.controls["window"].value = window
        spans = [np.log10(ax.get_ylim()[1] / ax.get_ylim()[0]) for ax in ex.fig.axes[:2]]
        assert spans[0] == pytest.approx(spans[1])
        sizes = [ax.get_position().height for ax in ex.fig.axes[:2]]
        assert sizes[0] == pytest.approx(sizes[1], rel=0.05)
