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
    return {
        1: [f"{T.growth_from_doubling(5):.2f}"],
        2: [f"{np.log2(3e5) * 3.4 / 12:.1f}"],
        3: [f"{Q.memory_bytes(70e9, 4) / 1e9:.0f}", f"{Q.memory_bytes(70e9, 4, 64) / 1e9:.1f}"],
        4: [f"{R.required_spending_growth(4.5, 1.35):.2f}"],
        5: [f"{R.compute_for_error_reduction(2, 0.25):.0f}"],
        6: [f"{R.default_training_cost(1e26, 2026).cost_usd / 1e6:.0f}"],
        7: [f"{T.fit_exponential(disclosed.years, disclosed.values, 2018, 2025.99).doubling_years * 12:.1f}",
            f"{T.fit_exponential(everything.years, everything.values, 2018, 2025.99).doubling_years * 12:.1f}"],
    }


def test_notebook_08_has_at_least_four_exercises():
    assert len(exercise_answers(NOTEBOOK)) >= 4


@pytest.mark.parametrize("number", range(1, 8))
def test_notebook_08_answers(number):
    assert bold_numbers(exercise_answers(NOTEBOOK)[number]) == answers()[number]
