"""Notebook 08 'Check yourself': every bold answer is recomputed with the helpers."""

import numpy as np
import pytest
from test_exercises import bold_numbers, exercise_answers

from helpers import quantize as Q
from helpers import research as R
from helpers import trends as T

NOTEBOOK = "08_research_directions.ipynb"


def answers() -> dict[int, list[str]]:
    disclosed = R.training_compute(include_estimates=False)
    everything = R.training_compute()
    # the budget of section 9: 2017-2025, AWS 16-bit FLOP per rental dollar, Switch Transformer's x4 MoE gain
    dc16 = T.fit_exponential(*_rental_16bit()).growth_per_year
    budget_args = (2017, 2025, R.claim_growth_per_year("epoch_frontier_central"), dc16,
                   R.claim("algo_lm_halving").value, 4.0)
    budget = R.efficiency_budget(*budget_args)
    flat = R.efficiency_budget(*budget_args, spending_growth=1.0)
    largest_physical = max(R.BUDGET_LEVERS[:3], key=budget.get)
    algorithms = 2 ** (8 * 12 / R.claim("algo_lm_halving").value)  # eight years of 8-month halvings
    hardware_8y = dc16**8
    full = R.per_researcher_window(2016, 2025)
    early = R.per_researcher_window(2016, 2020)
    return {
        1: [f"{T.growth_from_doubling(5):.2f}"],
        2: [f"{np.log2(3e5) * 3.4 / 12:.1f}"],
        3: [f"{Q.memory_bytes(70e9, 4) / 1e9:.0f}", f"{Q.memory_bytes(70e9, 4, 64) / 1e9:.1f}"],
        4: [f"{R.required_spending_growth(4.5, 1.35):.2f}"],
        5: [f"{R.compute_for_error_reduction(2, 0.25):.0f}"],
        6: [f"{R.default_training_cost(1e26, 2026).cost_usd / 1e6:.0f}"],
        7: [f"{T.fit_exponential(disclosed.years, disclosed.values, 2018, 2025.99).doubling_years * 12:.1f}",
            f"{T.fit_exponential(everything.years, everything.values, 2018, 2025.99).doubling_years * 12:.1f}"],
        8: [f"{full.growth_per_year:.2f}", *(f"{g:.2f}" for g in full.growth_interval),
            f"{early.growth_per_year:.2f}", *(f"{g:.2f}" for g in early.growth_interval)],
        9: [f"{highest_fitting_bits():.0f}", f"{R.moe_cost(671e9, 37e9, 4).flop_saving:.1f}"],
        10: [largest_physical, f"{budget['spending and scale-out']:.0f}", f"{flat['physical compute']:.1f}"],
        12: [max(("algorithms", algorithms), ("hardware", hardware_8y), key=lambda kv: kv[1])[0],
             f"{algorithms:.0f}", f"{hardware_8y:.1f}"],
        11: [f"{T.crossing_year(14.8e12, R.decimal_year('2024-12'), 3e14, R.claim('epoch_dataset_growth').value):.1f}"],
    }


def _rental_16bit():
    """Years and 16-bit FLOP per AWS rental dollar, read straight from the table (independent of helpers.research)."""
    from helpers import gpus as G
    from helpers.data import load_table

    rows = [r for r in load_table("datacentre_rental") if r.precision != "fp8"]
    years = [int(r.price_date[:4]) + (int(r.price_date[5:]) - 0.5) / 12 for r in rows]
    return years, [G.gpu(r.name).peak_flops("fp16") * 3600 / r.usd_per_gpu_hour for r in rows]


def highest_fitting_bits() -> int:
    """The most bits per weight at which DeepSeek-V3's weights fit one 8 x 80 GB node (independent arithmetic)."""
    return max(b for b in (16, 8, 4) if 671e9 * b / 8 <= 8 * 80e9)


def test_notebook_08_has_at_least_four_exercises():
    assert len(exercise_answers(NOTEBOOK)) >= 4


@pytest.mark.parametrize("number", range(1, 13))
def test_notebook_08_answers(number):
    assert bold_numbers(exercise_answers(NOTEBOOK)[number]) == answers()[number]


def test_exercise_7_reads_the_bias_the_right_way():
    """Dropping the estimated (undisclosed frontier) models slows the recent trend: the estimates do not inflate it."""
    text = exercise_answers(NOTEBOOK)[7]
    disclosed = R.training_compute(include_estimates=False)
    everything = R.training_compute()
    slow = T.fit_exponential(disclosed.years, disclosed.values, 2018, 2025.99).growth_per_year
    fast = T.fit_exponential(everything.years, everything.values, 2018, 2025.99).growth_per_year
    assert slow < fast
    assert "look faster" not in text and "biases the recent trend down" in text


def test_at_least_two_reasoning_problems():
    """Problems that ask which option, why, or what changes (not only plugging numbers in)."""
    import json
    import re

    from conftest import ROOT

    nb = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
    questions = ["".join(c["source"]).split("<details>")[0] for c in nb["cells"]
                 if any(t.startswith("exercise-") for t in c["metadata"].get("tags", []))]
    reasoning = [q for q in questions if re.search(r"\b(why|which|what would change|what changes)\b", q, re.I)]
    assert len(reasoning) >= 2
