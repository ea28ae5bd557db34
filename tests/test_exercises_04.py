"""Notebook 04 'Check yourself', second edition (problems 6-10): every bold answer is recomputed with the helpers.

Problems 1-5 are checked in test_exercises.py. Each expected value below comes from the helpers and the tables,
never from the notebook's text.
"""

import pytest
from test_exercises import bold_numbers, exercise_answers

from helpers import build as B
from helpers.data import load_table

NOTEBOOK = "04_hardware_guide.ipynb"
HDD, SSD, KB = "HDD (7200 rpm)", "SATA SSD", 110e3


def answers() -> dict[int, list[str]]:
    facts = load_table("hardware_facts")
    imagenet_gb = facts.get("imagenet_train_gb").value
    hit = B.page_cache_hit_fraction(imagenet_gb, 64, epoch=2)
    burn_x, burn_y = B.power_limit_curve("nodehome_burn")
    return {
        6: [f"{B.storage_samples_per_s(HDD, KB, 'random'):,.0f}",
            f"{B.storage_samples_per_s(HDD, KB, 'sequential'):,.0f}",
            f"{B.storage_samples_per_s(SSD, KB, 'random'):,.0f}"],
        7: [f"{hit:.0%}".rstrip("%"), f"{B.storage_samples_per_s(HDD, KB, 'random', hit):,.0f}"],
        8: [f"{B.ram_needed_gb([24, 24, 32, 32]):g}", f"x{B.lanes_per_gpu(16, 4)}",
            f"x{B.lanes_per_gpu(int(facts.get('cpu_lanes_threadripper_pro').value), 4)}"],
        9: [f"{B.cards_that_fit(list(range(1, 8)), 3, 8)}"],
        10: [f"{B.power_limited_performance(0.6, 'qwertyforce_tf32'):.0%}".rstrip("%"),
             f"{1 - burn_y[0]:.0%}".rstrip("%")],
        11: [f"{B.cooling_speeds(*args)[1].mean():.0%}".rstrip("%")
             for args in ((4, 0, "open-air"), (4, 1, "open-air"), (4, 0, "open-air", 0.7))],
    }


@pytest.mark.parametrize("number", range(6, 12))
def test_notebook_04_second_edition_answers(number):
    assert bold_numbers(exercise_answers(NOTEBOOK)[number]) == answers()[number]


def test_every_major_section_has_a_problem_and_two_ask_for_reasoning():
    import json
    from pathlib import Path

    assert set(exercise_answers(NOTEBOOK)) == set(range(1, 12))
    nb = json.loads((Path(__file__).parent.parent / "notebooks" / NOTEBOOK).read_text())
    questions = ["".join(c["source"]).split("<details>")[0] for c in nb["cells"]
                 if any(t.startswith("exercise-") for t in c.get("metadata", {}).get("tags", []))]
    reasoning = [q for q in questions if any(w in q for w in ("Which fix", "which fix", "Which speed", "Which two",
                                                              "help more", "which helps more"))]
    assert len(reasoning) >= 2


def test_copy_overhead_sentence_comes_from_the_computation():
    """Issue 21, error 3: the stored sentence quotes the computed shares (0.6 % at x16, 2.4 % at x4)."""
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).parent.parent / "notebooks" / NOTEBOOK).read_text())
    outputs = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                      for o in c.get("outputs", []))
    batch = B.batch_bytes(32, 3, 224, 224, 4)
    x16, x4 = (B.pcie_transfer_time_s(batch, "3.0", lanes) / 0.2 for lanes in (16, 4))
    assert f"the copy adds {x16:.1%} at x16 and {x4:.1%} at x4" in outputs
    prose = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "1 to 5 %" not in prose and "within months" not in prose
