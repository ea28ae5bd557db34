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
        9: [str(n), f"{B.year_after_doublings(2015, n, 2.4):.0f}"],
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
    # AI clusters (review item 5): the table reaches Colossus 2's first phase (2025-09), "a quarter of the article's
    # lower bound", the announced full build "would pass it", the 64-bit #1 "about 600 times below it"
    from helpers import gpus as G
    clusters = B.ai_cluster_flops()
    name, when, biggest = max(clusters, key=lambda c: c[2])
    latest = B.latest_point()[1] * 1e12
    assert "Colossus 2" in name and when >= 2025.5
    assert "a quarter of the article's lower bound" in text and 0.2 < biggest / chain["total"] < 0.3
    planned = B.fact("colossus2_planned_accelerators") * G.gpu("GB200 (per Blackwell GPU in NVL72)").peak_flops("fp16")
    assert "would pass it" in text and planned > chain["total"]
    assert "about 600 times below it" in text and round(chain["total"] / latest, -2) == 600
    # the AI clusters appear above the #1 line from 2024 on (the "Try it" of the TOP500 explorer)
    assert all(f > latest for _, y, f in clusters if y >= 2024) and "above the\n#1 line from 2024 on" in text
    # HPCG pace from Tianhe-2's measurement (review item 2): "about every 2.4 years", in Q9 too
    per = (B.latest_point()[0] - B.fact("tianhe2_hpcg_year")) / np.log2(B.fact("el_capitan_hpcg_pflops") * 1e15
                                                                       / B.fact("dettmers_practical_2013_flops"))
    assert "about every 2.4 years" in text and "every 2.5 years" not in text
    assert round(per, 1) == 2.4 and "about every two years" not in text
    # lifetime at the article's rate: "more than a thousand times the largest run in the table"
    from helpers.data import load_table
    largest = max(r.training_flop for r in load_table("training_compute"))
    assert "more than a thousand times" in text and B.lifetime_flop(chain["total"], 1e9) / largest > 1000
    # review item 5: still true for the 2025 estimate beyond the table (Grok 4): "about two thousand times"
    assert "about two thousand times" in text
    assert round(B.lifetime_flop(chain["total"], 1e9) / B.fact("grok4_training_flop"), -3) == 2000
    # neuron explorer: "from about 1e21 to about 1e17" when the convolution is switched off
    off = B.dettmers2015_pipeline({"dendritic_convolution": False})["total"]
    assert round(np.log10(off)) == 17 and round(np.log10(B.dettmers2015_pipeline()["total"])) == 21


# ---- review fixes (second edition, round 2) ----------------------------------------------------------------------

def test_carlsmith_figure_is_never_called_central():
    """Review item 1: 1e15 FLOP/s is Carlsmith's 'more likely than not sufficient' budget, not a central estimate."""
    import re
    text = prose()
    assert not re.search(r"Carlsmith's central", text)
    assert text.count("more likely than not sufficient") >= 2


def test_autocorrelation_prose_matches_the_printed_values():
    """Review item 4: the residual correlation comes from forcing one line through two eras, not from the #1
    staying on top: per-era lag-1 correlations are near zero, the full-window one is large, and the full-window
    residuals are positive in the middle years and negative at both ends."""
    text = prose()
    assert "the #1 stays on top for several lists" not in text and "mis-specified" in text
    years, rank1 = B.top500_series("rank1_rmax_tflops")
    rank1 = rank1 * 1e12
    for start, end in ((1993, 2013), (2013, 2025)):
        fit = T.fit_exponential(years, rank1, start, end + 0.99)
        assert abs(B.residual_autocorrelation(fit, years, rank1)) < 0.2
    fit_all = T.fit_exponential(years, rank1, 1993, 2025.99)
    assert B.residual_autocorrelation(fit_all, years, rank1) > 0.5
    r = np.log10(rank1) - np.log10(fit_all.predict(years))
    third = len(r) // 3
    assert r[third:2 * third].mean() > 0 > max(r[:4].mean(), r[-4:].mean())


def test_taught_code_is_shown():
    """Review item 6: the fit, the crossing rule, the autocorrelation tools and the stage costs are visible."""
    nb = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for name in ("T.fit_exponential", "B.year_reached_from", "B.residual_autocorrelation", "B.effective_sample_size",
                 "B.neuron_pipeline_flop", "B.era_slope_samples"):
        assert f"show_source({name})" in code, name


def test_part_three_is_disambiguated():
    """Review item 15: the post's own Part III section and the planned (never published) third post."""
    text = prose()
    assert "Part III of this post" in text and "that planned Part III is\nnot the section called Part III" in text


def test_gap_prose_matches_the_decomposition():
    """Review item 7: the gap to the synapse chain, its largest factor, and the window-rate what-ifs."""
    text = prose()
    g = B.gap_decomposition()
    assert "more than six orders of magnitude" in text and 6 < np.log10(g["ratio"]) < 7
    biggest = max(("purkinje_synapses", "all_pairs", "time_squared"), key=g.get)
    assert biggest == "all_pairs" and "The largest factor, ×10,000" in text and g["all_pairs"] == 1e4
    assert "adds ×14" in text and round(g["purkinje_synapses"]) == 14
    assert "the time axis ×25" in text and g["time_squared"] == 25
    fps = B.dettmers2015_inputs()["frames_per_second"]
    steps = B.dettmers2015_inputs()["time_steps"]
    assert "30 times higher" in text and fps == 30 and "(6 per second) 6 times higher" in text and fps / steps == 6


def test_forecast_redone_from_el_capitan():
    """Review item 8: 16 doublings from El Capitan's HPCG to 1.075e21, ending in the mid-2060s at the measured pace."""
    text = prose()
    hpcg = B.fact("el_capitan_hpcg_pflops") * 1e15
    year = B.latest_point()[0]
    target = B.dettmers2015_chain()["total"]
    n_then = B.doublings_needed(B.fact("dettmers_practical_2013_flops"), target)
    n_now = B.doublings_needed(hpcg, target)
    assert "removed only 5 of the 21 doublings: 16 remain" in text and (n_then, n_now) == (21, 16)
    pace = B.years_per_doubling(B.fact("dettmers_practical_2013_flops"), B.fact("tianhe2_hpcg_year"), hpcg, year)
    assert "mid-2060s" in text and 2063 <= B.year_after_doublings(year, n_now, pace) <= 2066


def answers_10_to_12():
    from helpers.data import load_table
    on = B.dettmers2015_pipeline()["total"]
    off = B.dettmers2015_pipeline({"dendritic_convolution": False})["total"]
    no_pairs = B.dettmers2015_chain()["total"] / B.gap_decomposition()["all_pairs"]
    largest = max(r.training_flop for r in load_table("training_compute"))
    return {10: [f"{round(on / off, -3):.0f}"], 11: [f"{no_pairs:.1e}".replace("e+", "e")],
            12: [f"{largest / B.lifetime_flop(1e15, B.fact('lifetime_s')):.0f}"]}


@pytest.mark.parametrize("number", [10, 11, 12])
def test_review_round_2_answers(number):
    """Review item 13: questions on section 2, on a modelling choice, and on a Part III objection."""
    assert bold_numbers(exercise_answers(NOTEBOOK)[number]) == answers_10_to_12()[number]


def test_skipped_article_sections_get_a_line_each():
    """Review item 12: child counts, cerebellum and IQ, daily genome change, dendritic spikes from 2013, the Human
    Brain Project, and Gidon et al. 2020 beside Beniaguev et al. 2021 (also as a data row)."""
    text = prose()
    for phrase in ("for a child", "non-verbal IQ", "genome", "from about 2013", "Human Brain Project",
                   "Gidon et al. (2020)"):
        assert phrase in text, phrase
    from helpers.data import load_table
    keys = {r.key for r in load_table("brain_milestones").where(kind="disputed")}
    assert {"gidon", "single_neuron"} <= keys


def test_firing_rates_agree_between_table_and_box():
    """Review item 11: the article's 50-1000 Hz carries no label of ours in its own column, and the Disputed box
    states the same later range as the table (0.1 to 2 Hz at most)."""
    nb = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "(peak rates)" not in code
    from helpers.data import load_table
    box = load_table("brain_milestones").get("firing_rates").statement
    assert f"up to about {B.fact('firing_rate_avg_high'):g} Hz" in box and f"{B.fact('firing_rate_avg_low'):g}" in box


def test_sources_merge_the_works_cited_many_times():
    """Review item 17: Carlsmith 2020 appears once in the Sources, with its rows counted by confidence."""
    from helpers.notebook import sources_by_work
    text = sources_by_work("brain_facts", "brain_assumptions", "brain_milestones").data
    carlsmith = [line for line in text.splitlines() if line.startswith("- **Carlsmith 2020**")]
    assert len(carlsmith) == 1 and "rows" in carlsmith[0] and "confidence: high" in carlsmith[0]
    nb = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
    assert any("sources_by_work(" in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_lifetime_anchor_is_described_as_a_bare_product():
    """Review item 14: 1e9 s is about 32 years, and Cotra's anchor adds a penalty the notebook does not apply."""
    text = prose()
    assert "roughly the time to adulthood" not in text and "before any such penalty" in text
    assert "about 32 years" in text and round(B.fact("lifetime_s") / (365.25 * 86400)) == 32
    from helpers.data import load_table
    rows = [load_table("brain_milestones").get("carlsmith_lifetime").statement,
            load_table("brain_facts").get("lifetime_s").statement]
    assert not any("adulthood" in r for r in rows) and all("about 32 years" in r for r in rows)
