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
    assert T.fit_exponential(s.years, s.values).growth_per_year > 1.3


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
