"""Notebook 02, second edition: 'Check yourself' answers 6-9 and the numbers its prose states, recomputed with the
helpers (answers 1-5 are checked in test_exercises.py)."""

import json

import numpy as np
import pytest
from conftest import ROOT
from test_exercises import bold_numbers, exercise_answers

from helpers import brain as B
from helpers import trends as T

NOTEBOOK = "02_brain_vs_deep_learning.ipynb"


def answers_6_to_9():
    years, rank1 = B.top500_series("rank1_rmax_tflops")
    fit_all = T.fit_exponential(years, rank1 * 1e12, 1993, 2025.99)
    latest_year, latest = B.latest_point()
    chain3 = B.dettmers2015_chain({"time_steps": 3})["total"]
    start = B.fact("dettmers_practical_2013_flops")
    target = B.dettmers2015_chain()["total"]
    n = B.doublings_needed(start, target)
    return {
        6: [f"{chain3:.2e}".replace("e+", "e"), f"{chain3 / B.dettmers2015_chain()['total']:.2f}"],
        7: [f"{fit_all.predict(latest_year) / (latest * 1e12):.1f}",
            f"{B.residual_autocorrelation(fit_all, years, rank1 * 1e12):.2f}"],
        8: [f"{4e25 / B.lifetime_flop(1e15, B.fact('lifetime_s')):.0f}"],
        9: [str(n), f"{B.year_after_doublings(2015, n, 2.5):.0f}"],
    }


@pytest.mark.parametrize("number", [6, 7, 8, 9])
def test_notebook_02_second_edition_answers(number):
    answer = exercise_answers(NOTEBOOK)[number]
    assert bold_numbers(answer) == answers_6_to_9()[number]


def test_at_least_two_reasoning_problems():
    nb = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
    questions = ["".join(c["source"]).split("<details>")[0] for c in nb["cells"]
                 if any(t.startswith("exercise-") for t in c.get("metadata", {}).get("tags", []))]
    reasoning = [q for q in questions if any(w in q for w in ("why", "Why", "Which", "What is wrong"))]
    assert len(questions) >= 8 and len(reasoning) >= 2


def prose() -> str:
    nb = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_prose_claims_are_true_of_the_data():
    text = prose()
    chain = B.dettmers2015_chain()
    # "the granule term is less than a millionth of it"
    assert "less than a millionth" in text and chain["granule"] / chain["total"] < 1e-6
    # Landauer: "within a factor of ten of this physical upper bound"
    limit = B.landauer_limit_flops(B.fact("brain_power_w"), B.fact("body_temperature_k"))
    assert "within a factor of ten" in text and 1 < limit / chain["total"] < 10
    # AI clusters: "about a hundred times El Capitan's 64-bit HPL result and about a fifth of the article's bound"
    biggest = max(f for _, _, f in B.ai_cluster_flops())
    latest = B.latest_point()[1] * 1e12
    assert "about a hundred times" in text and 70 < biggest / latest < 150
    assert "about a fifth" in text and 0.15 < biggest / chain["total"] < 0.25
    # HPCG since the article: "doubled about every two years"
    per = (B.latest_point()[0] - 2015.5) / np.log2(B.fact("el_capitan_hpcg_pflops") * 1e15
                                                   / B.fact("dettmers_practical_2013_flops"))
    assert "about every two years" in text and 1.7 < per < 2.4
    # lifetime at the article's rate: "more than a thousand times the largest run in the table"
    from helpers.data import load_table
    largest = max(r.training_flop for r in load_table("training_compute"))
    assert "more than a thousand times" in text and B.lifetime_flop(chain["total"], 1e9) / largest > 1000
    # neuron explorer: "from about 1e21 to about 1e17" when the convolution is switched off
    off = B.dettmers2015_pipeline({"dendritic_convolution": False})["total"]
    assert round(np.log10(off)) == 17 and round(np.log10(B.dettmers2015_pipeline()["total"])) == 21
