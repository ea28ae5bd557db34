"""helpers.research: the sourced series, growth arithmetic and the cost model; worked examples from notebook 08."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import research as R
from helpers import trends as T


def test_decimal_years():
    assert R.decimal_year("2012-09") == pytest.approx(2012 + 8.5 / 12)
    assert R.decimal_year("2020") == 2020.5


def test_training_compute_table_covers_the_landmarks():
    s = R.training_compute()
    assert len(s.labels) >= 20 and np.all(np.diff(s.years) >= 0)
    for name in ("AlexNet", "VGG-16", "ResNet-152", "Transformer (big)", "BERT-Large", "GPT-2 (1.5B)",
                 "GPT-3 (175B)", "PaLM (540B)", "Chinchilla (70B)", "LLaMA (65B)", "GPT-4", "Llama 3.1 (405B)",
                 "Gemini 1.0 Ultra"):
        assert name in s.labels
    flagged = dict(zip(s.labels, s.estimated))
    assert flagged["GPT-4"] and flagged["Gemini 1.0 Ultra"] and not flagged["GPT-3 (175B)"]
    assert s.values[s.labels.index("GPT-3 (175B)")] == pytest.approx(3.14e23)
    disclosed = R.training_compute(include_estimates=False)
    assert "GPT-4" not in disclosed.labels and len(disclosed.labels) < len(s.labels)


def test_fitted_compute_growth_agrees_with_epochs_published_rate():
    s = R.training_compute()
    fit = T.fit_exponential(s.years, s.values, 2012, 2025.99)
    low, high = R.claim("epoch_frontier_low").value, R.claim("epoch_frontier_high").value
    assert low <= fit.growth_per_year <= high  # 4-5x per year
    assert 4.5 <= fit.doubling_years * 12 <= 6.5


def test_gpu_price_performance_doubles_in_about_two_to_three_years():
    s = R.gpu_price_performance("fp32")
    fit = T.fit_exponential(s.years, s.values)
    assert 1.8 <= fit.doubling_years <= 3.5  # Hobbhahn & Besiroglu: 2.07-2.95 years by subset
    assert R.gpu_price_performance("fp16").years.min() >= 2017  # tensor cores


def test_neurips_growth():
    s = R.neurips_submissions()
    assert s.values[list(s.labels).index("2017")] == 3240
    assert 1.2 < T.fit_exponential(s.years, s.values).growth_per_year < 1.3  # full record 2016-2025


def test_growth_arithmetic_worked_examples():
    assert R.required_spending_growth(4.5, 1.35) == pytest.approx(3.33, abs=0.005)
    assert R.per_researcher_growth(1.4, 1.3) == pytest.approx(1.077, abs=0.001)
    assert R.compute_for_error_reduction(2, 0.25) == pytest.approx(16)
    assert R.claim_growth_per_year("openai_doubling") == pytest.approx(11.5, abs=0.05)
    assert R.claim_growth_per_year("epoch_notable") == 4.6
    assert R.claim_growth_per_year("gpu_pp_all") == pytest.approx(2 ** (1 / 2.46))


def test_cost_model_worked_example():
    per_usd = R.flop_per_usd(1e15, 0.4, 2.0)
    assert per_usd == pytest.approx(1e15 * 0.4 * 3600 / 2.0)
    est = R.training_cost(7.2e20, 2025, 2025, per_usd, 1.4)
    assert est.cost_usd == pytest.approx(1000)
    later = R.training_cost(7.2e20, 2027, 2025, per_usd, 1.4)
    assert later.cost_usd == pytest.approx(1000 / 1.4**2)
    assert later.assumptions["price-performance growth per year"] == 1.4


@given(st.floats(1e18, 1e30), st.floats(2000, 2040), st.floats(1.0, 2.0))
def test_cost_times_flop_per_dollar_is_the_compute(compute, year, growth):
    est = R.training_cost(compute, year, 2025, 1e17, growth)
    assert est.cost_usd * est.flop_per_usd == pytest.approx(compute)
    assert R.training_cost(compute, year + 1, 2025, 1e17, growth).cost_usd <= est.cost_usd * (1 + 1e-12)


def test_default_assumptions_come_from_the_tables():
    from helpers import gpus as G

    a = R.default_cost_assumptions()
    assert a["peak_flops"] == G.gpu("H100 SXM").peak_flops("fp16")
    assert R.fact("llama3_mfu_low") <= a["utilization"] <= R.fact("llama3_mfu_high")
    assert a["usd_per_hour"] == R.fact("h100_usd_per_hour")
    assert a["price_performance_growth"] == pytest.approx(2 ** (1 / R.claim("gpu_pp_ml").value), abs=1e-3)
    gpt4 = R.default_training_cost(2.1e25, 2023.2).cost_usd
    assert 1e7 < gpt4 < 1e9  # tens to hundreds of millions of dollars


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: R.decimal_year("2012-13"), "date"),
        (lambda: R.decimal_year(2012), "date"),
        (lambda: R.training_compute("yes"), "include_estimates"),
        (lambda: R.gpu_price_performance("int8"), "precision"),
        (lambda: R.claim("nope"), "claim"),
        (lambda: R.fact("nope"), "fact"),
        (lambda: R.claim_growth_per_year("openai_total"), "growth rate"),
        (lambda: R.required_spending_growth(0, 1.3), "compute_growth"),
        (lambda: R.per_researcher_growth(1.4, -1), "researcher_growth"),
        (lambda: R.compute_for_error_reduction(0.5, 0.25), "factor"),
        (lambda: R.flop_per_usd(1e15, 1.5, 2.0), "utilization"),
        (lambda: R.training_cost(1e25, 2300, 2025, 1e17, 1.4), "year"),
        (lambda: R.training_cost(1e25, 2030, 2025, 1e17, 0), "price_performance_growth"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- second edition (issue 25) -------------------------------------------------------------------------------

def _csv_rows(name):
    """The rows of a data table read with the csv module (independent of helpers.data)."""
    import csv

    from conftest import ROOT

    lines = [line for line in (ROOT / "helpers" / "data" / f"{name}.csv").read_text().splitlines()
             if not line.startswith("#")]
    return list(csv.DictReader(lines))


def test_neurips_series_runs_to_2025_with_a_sourced_row_per_year():
    rows = _csv_rows("neurips_submissions")
    years = [int(r["year"]) for r in rows]
    assert years == list(range(2016, 2026))  # every year, none skipped
    assert all(r["source"] and r["as_of"] and r["confidence"] in ("high", "medium", "low") for r in rows)
    assert {int(r["year"]): int(r["submissions"]) for r in rows}[2025] == 21575  # NeurIPS 2025 PC chairs' blog


def test_researcher_growth_over_the_full_series_is_about_1_25():
    rows = _csv_rows("neurips_submissions")
    x = np.array([int(r["year"]) for r in rows], float)
    y = np.log10([float(r["submissions"]) for r in rows])
    expected = 10 ** np.polyfit(x, y, 1)[0]  # independent least squares
    full = R.researcher_growth()
    assert full.growth_per_year == pytest.approx(expected, rel=1e-9)
    assert 1.2 < full.growth_per_year < 1.3
    early = R.researcher_growth(2016, 2020)
    assert early.growth_per_year > 1.4  # the first edition's window
    # hardware alone per researcher: the first edition said x0.92 (less each year); the full record gives about flat
    hw = R.gpu_price_performance("fp32")
    hw_growth = T.fit_exponential(hw.years, hw.values).growth_per_year
    assert R.per_researcher_growth(hw_growth, early.growth_per_year) < 1
    assert 1.0 < R.per_researcher_growth(hw_growth, full.growth_per_year) < 1.1


def test_per_researcher_path_compounds():
    np.testing.assert_allclose(R.per_researcher_path([0, 1, 2], 1.4, 1.3), [1, 1.4 / 1.3, (1.4 / 1.3) ** 2])


def test_2019_forecast_like_for_like():
    """Review 08 item 6: the x5 of the first version was the 2012-2025 rate over six years; a 2019-2025 fit gives
    about x1.9, close to the forecast x1.8. Consumer 16-bit per chip also stays near it; data-centre parts do not."""
    from helpers import gpus as G

    forecast = 1 + R.claim("dettmers_gpu_forecast").value / 100  # about 1.8x
    assert R.peak_growth("GeForce RTX 2080 Ti", "GeForce RTX 5090") == pytest.approx(104.8 / 13.4)
    cards = [g for g in G.all_gpus() if g.price_usd and g.fp32_tflops]
    years = np.array([g.year + 0.5 for g in cards])
    values = np.array([g.fp32_tflops / g.price_usd for g in cards])
    keep = (years >= 2019) & (years <= 2025.99)
    six_years = 10 ** (6 * np.polyfit(years[keep], np.log10(values[keep]), 1)[0])
    hw = R.gpu_price_performance("fp32")
    assert T.fit_exponential(hw.years, hw.values, 2019, 2025.99).growth_per_year ** 6 == pytest.approx(six_years)
    assert round(six_years, 2) == 1.94 and abs(six_years - forecast) < 0.2
    assert R.peak_growth("Titan RTX", "GeForce RTX 5090", "fp16") == pytest.approx(209.5 / 130.5)
    assert 209.5 / 130.5 < forecast
    assert R.peak_growth("Tesla V100 SXM2 16GB", "B200 (HGX)", "fp16") == pytest.approx(2250 / 125)
    # his 9700% for 2010-2018 is the 16-bit tensor peak of 2018 over a 2010 fp32 peak
    assert 130.5 / R.fact("gtx480_fp32_tflops") == pytest.approx(1 + R.claim("dettmers_gpu_growth").value / 100,
                                                                   rel=0.02)
    row = next(r for r in _csv_rows("research_milestones") if r["key"] == "hardware_forecast")
    assert "held for consumer cards at 16-bit" in row["statement"]


def test_frontier_growth_is_shown_at_its_central_value():
    central = R.claim("epoch_frontier_central")
    assert central.low <= central.value <= central.high and central.value == 4
    rows = {r["key"]: r for r in _csv_rows("research_milestones")}
    assert float(rows["epoch_2024"]["value"]) == central.value and "upper end" not in rows["epoch_2024"]["statement"]
    assert "neurips_2020" not in rows and rows["neurips_2025"]["value"] == "21575"


def test_datacentre_price_performance_at_training_precision():
    """Review 08 item 12: one provider (AWS on-demand) throughout; the 2026 cross-provider median is gone."""
    from helpers import gpus as G
    from helpers.data import load_table

    s = R.datacentre_price_performance()
    v100 = s.values[0]
    assert v100 == pytest.approx(125e12 * 3600 / 3.06)  # V100 dense fp16 tensor at 3.06 $/h
    h100_fp8 = s.values[-1]
    assert h100_fp8 == pytest.approx(2 * G.gpu("H100 SXM").peak_flops("fp16") * 3600 / 6.88)  # P5 after June 2025
    sixteen = R.datacentre_price_performance(False)
    assert np.all(s.values >= sixteen.values) and len(s.labels) == len(sixteen.labels) == 4
    assert all("AWS" in r.source or "p5" in r.source.lower() for r in load_table("datacentre_rental"))


def test_datacentre_growth_aws_only():
    """AWS-only: about x1.16 a year at 16-bit, x1.29 counting FP8 (independent least squares on log10)."""
    from helpers import gpus as G

    years = np.array([2017 + 9.5 / 12, 2020 + 10.5 / 12, 2023 + 6.5 / 12, 2025 + 5.5 / 12])
    peaks = np.array([125e12, G.gpu("A100 40GB SXM").peak_flops("fp16"), 989.4e12, 989.4e12])
    prices = np.array([3.06, 4.10, 12.29, 6.88])
    slope = np.polyfit(years, np.log10(peaks * 3600 / prices), 1)[0]
    assert R.datacentre_growth(False).growth_per_year == pytest.approx(10**slope)
    assert round(10**slope, 2) == 1.16
    peaks8 = peaks * np.array([1, 1, 2, 2])
    slope8 = np.polyfit(years, np.log10(peaks8 * 3600 / prices), 1)[0]
    assert R.datacentre_growth(True).growth_per_year == pytest.approx(10**slope8)
    assert round(10**slope8, 2) == 1.29


def test_moe_cost_deepseek_v3():
    c = R.moe_cost(671e9, 37e9, 8)
    assert c.train_flop_per_token == 6 * 37e9 and c.weight_bytes == 671e9
    assert c.flop_saving == pytest.approx(671 / 37)
    with pytest.raises(ValueError, match="active_params"):
        R.moe_cost(10e9, 20e9)


def test_precision_gain_from_gpu_peaks():
    assert R.precision_gain("fp32") == 1
    assert R.precision_gain("fp16") == pytest.approx(125 / 15.7)  # V100 tensor vs vector
    assert R.precision_gain("fp8") == pytest.approx(2 * 125 / 15.7)
    assert R.precision_gain("fp4") == pytest.approx(2 * 2 * 125 / 15.7)  # B200: 9000 fp4 / 4500 fp8 dense


def test_efficiency_budget_multiplies_out():
    b = R.efficiency_budget(2017, 2025, 4.0, 1.4, 16, 4.0)
    assert b["hardware FLOP per dollar"] == pytest.approx(1.4**8)
    assert b["algorithms"] == pytest.approx(2**6)
    assert b["sparsity (MoE)"] == 4  # MoE reached the open frontier in 2024, inside the window
    assert b["lower precision"] == pytest.approx(2)  # 2017 already fp16 (V100, mixed precision); fp8 from 2025
    assert (b["hardware FLOP per dollar"] * b["lower precision"] * b["spending and scale-out"]
            == pytest.approx(4.0**8))
    assert b["effective compute"] == pytest.approx(4.0**8 * 64 * 4)
    flat = R.efficiency_budget(2017, 2025, 4.0, 1.4, 16, 4.0, spending_growth=1.0)
    assert flat["spending and scale-out"] == 1 and flat["physical compute"] == pytest.approx(1.4**8 * 2)


@pytest.mark.parametrize("start, end, precision, moe", [
    (2017, 2018, 1.0, 1.0),  # review 08 item 1: no fp32 -> fp8 step, no MoE in 2017-2018
    (2023, 2025, 2.0, 4.0),  # bf16 -> fp8 only
    (2025, 2030, 1.0, 1.0),  # fp8 at both ends; MoE already in use
    (2012, 2025, 2 * 125 / 15.7, 4.0),  # fp32 vector -> fp16 tensor (V100) -> fp8
])
def test_efficiency_budget_levers_follow_the_window(start, end, precision, moe):
    b = R.efficiency_budget(start, end, 4.0, 1.16, 8, 4.0)
    assert b["lower precision"] == pytest.approx(precision)
    assert b["sparsity (MoE)"] == moe
    assert b["spending and scale-out"] > 1  # never the negative bar of the first version


def test_training_precision_by_year():
    assert [R.training_precision(y) for y in (2015, 2017, 2020, 2024, 2025, 2030)] == \
        ["fp32", "fp16", "fp16", "fp16", "fp8", "fp8"]


def test_budget_hardware_times_precision_matches_the_rental_series():
    """Review 08 item 2: hardware x precision over 2017-2025 agrees with V100 fp16 (2017) -> H100 fp8 (2025) per
    rental dollar, within a factor 1.5 (the lever is a fit, the ratio two points)."""
    hw = R.datacentre_growth(False).growth_per_year
    b = R.efficiency_budget(2017, 2025, 4.0, hw, 8, 4.0)
    direct = (2 * 989.4e12 / 6.88) / (125e12 / 3.06)
    assert 1 / 1.5 < b["hardware FLOP per dollar"] * b["lower precision"] / direct < 1.5


def test_algorithms_do_not_beat_physical_compute_2017_2025():
    """Review 08 item 3: compared with physical compute as a whole, algorithms (8-month halving) are smaller, as
    Ho et al. 2024 conclude; only the fast end of their interval (5 months) exceeds it."""
    b = R.efficiency_budget(2017, 2025, 4.0, 1.16, 8, 4.0)
    assert b["algorithms"] == 2**12 < b["physical compute"] == pytest.approx(4.0**8)
    assert 2 ** (12 * 8 / 5) > 4.0**8 > 2 ** (12 * 8 / 14)


def test_per_researcher_window_fits_both_over_the_same_years():
    """Review 08 item 7: 2016-2020 on every priced card gives x1.12 per researcher (not x0.92); the full record on
    GeForce/Radeon cards is indistinguishable from flat."""
    from helpers import gpus as G

    cards = [g for g in G.all_gpus() if g.price_usd and g.fp32_tflops]
    years = np.array([g.year + 0.5 for g in cards])
    values = np.array([g.fp32_tflops * 1e12 / g.price_usd for g in cards])
    keep = (years >= 2016) & (years < 2020.99)
    hw = 10 ** np.polyfit(years[keep], np.log10(values[keep]), 1)[0]
    w = R.per_researcher_window(2016, 2020, None)
    assert w.hardware.growth_per_year == pytest.approx(hw)
    assert round(w.growth_per_year, 2) == 1.12
    full = R.per_researcher_window(2016, 2025)
    lo, hi = full.growth_interval
    assert lo < 1 < hi
    consumer = R.gpu_price_performance("fp32", "consumer").labels
    assert all(g.segment == "consumer" for g in G.all_gpus() if g.name in consumer)


def test_frontier_cost_crossing_is_already_behind_us():
    """Review 08 item 10: at Epoch's x4 from the largest run of the table, the frontier costs a billion dollars of
    rental before 2026 (Grok 3 alone costs about 1.4 billion under the default assumptions)."""
    s = R.training_compute()
    i = s.labels.index("Grok 3")
    assert R.default_training_cost(s.values[i], s.years[i]).cost_usd > 1e9
    year = R.frontier_cost_crossing_year(1e9)
    assert year < 2026
    assert R.default_training_cost(R.frontier_compute(year), year).cost_usd == pytest.approx(1e9, rel=1e-6)


def test_yardsticks_as_the_notebook_says():
    """Notebook 08 section 2: the consumer fp32 yardstick grows faster than the AWS data-centre one at 16-bit; the
    switch to fp8 is part of what the fp32 yardstick leaves for spending (review 08 item 13)."""
    s = R.training_compute()
    compute = T.fit_exponential(s.years, s.values, 2012, 2025.99).growth_per_year
    growths = [R.datacentre_growth(True).growth_per_year, R.datacentre_growth(False).growth_per_year]
    fp32 = R.gpu_price_performance("fp32")
    consumer = T.fit_exponential(fp32.years, fp32.values).growth_per_year
    assert growths[1] < growths[0] and growths[1] < consumer
    for g in growths + [consumer]:
        assert np.log(g) / np.log(compute) < 0.25


def test_spending_reconciliation_sits_at_the_top_of_epochs_interval():
    """Review 08 item 13 (notebook section 2): Epoch's x4 over AWS FLOP per dollar counting the fp8 switch leaves about
    what Epoch measured as cost growth, at the top of its interval; this table's steeper trend leaves more."""
    left = R.claim_growth_per_year("epoch_frontier_central") / R.datacentre_growth(True).growth_per_year
    cost = R.claim("cost_growth")
    assert cost.low <= round(left, 1) <= cost.high and left > cost.value
    s = R.training_compute()
    table = T.fit_exponential(s.years, s.values, 2012, 2025.99).growth_per_year
    assert table / R.datacentre_growth(True).growth_per_year > cost.high


def test_training_tokens_from_6nd_and_their_growth():
    """Review 08 item 16: the data curve measured from the table: tokens = FLOP / (6 x active parameters) since 2020;
    the fit's interval contains Epoch's x3 a year."""
    from helpers.data import load_table

    rows = [r for r in load_table("training_compute") if r.domain == "language" and r.parameters
            and int(r.date[:4]) >= 2020]
    active = {r.model: (37e9 if r.model == "DeepSeek-V3" else r.parameters) for r in rows}
    expected = {r.model: r.training_flop / (6 * active[r.model]) for r in rows}
    s = R.training_tokens()
    assert dict(zip(s.labels, s.values)) == pytest.approx(expected)
    assert expected["GPT-3 (175B)"] == pytest.approx(3.0e11, rel=0.01)  # the paper: 300B tokens
    years = np.array([int(r.date[:4]) + (int(r.date[5:]) - 0.5) / 12 for r in rows])
    slope = np.polyfit(years, np.log10([expected[r.model] for r in rows]), 1)[0]
    fit = T.fit_exponential(s.years, s.values)
    assert fit.growth_per_year == pytest.approx(10**slope)
    lo, hi = fit.growth_interval
    assert lo <= R.claim("epoch_dataset_growth").value <= hi
    chinchilla = expected["Chinchilla (70B)"] / 70e9
    assert 18 < chinchilla < 22 and expected["Llama 3 (70B)"] / 70e9 > 10 * chinchilla


def test_open_weight_moe_models_activate_a_few_percent():
    """Notebook 08 section 7 (review item 28): the open-weight MoE examples each activate 3-6% of their weights."""
    pairs = {"deepseek_v3": (671e9, 37e9), "llama4_maverick": (402e9, 17e9), "gpt_oss": (117e9, 5.1e9),
             "kimi_k2": (1e12, 32e9)}
    for key, (total, active) in pairs.items():
        assert (R.fact(f"{key}_total_params"), R.fact(f"{key}_active_params")) == (total, active)
        assert 0.03 < active / total < 0.06
