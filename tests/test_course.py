"""helpers/course.py: study time from the notebook itself, the course map, paths, glossary, machine classes.

Expected values are counted by hand from the synthetic notebook below, not computed with the module.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT

from helpers import course

# Hand count of the prose words (generated and exercise cells excluded):
#   "# A tiny notebook"                                          -> A, tiny, notebook ("#" is no word) = 3
#   "Read [the guide](https://example.org/x) first."               -> Read, the, guide, first.       = 4
#   "The cost is $2 n^3$ FLOPs, see:" + fenced code (dropped)      -> The, cost, is, FLOPs,, see:     = 5
#   "<details><summary>Answer</summary>**42**</details>" (untagged) -> Answer, **42**                = 2
#   $$...$$ display math only                                      -> 0
#                                                                    total                           = 14
SYNTHETIC = {"cells": [
    {"cell_type": "markdown", "metadata": {"tags": ["navigation"]}, "source": "[Contents](00_start_here.ipynb)"},
    {"cell_type": "markdown", "metadata": {}, "source": ["# A tiny notebook\n"]},
    {"cell_type": "markdown", "metadata": {}, "source": "Read [the guide](https://example.org/x) first."},
    {"cell_type": "markdown", "metadata": {},
     "source": ["The cost is $2 n^3$ FLOPs, see:\n", "```python\nx = 1 + 2\n```\n"]},
    {"cell_type": "markdown", "metadata": {}, "source": "<details><summary>Answer</summary>**42**</details>"},
    {"cell_type": "markdown", "metadata": {}, "source": "$$\\frac{a}{b}$$"},
    {"cell_type": "markdown", "metadata": {"tags": ["cross-link"]}, "source": "See also many many words here."},
    {"cell_type": "code", "metadata": {}, "source": "from helpers.explorers import gpus as E\nE.roofline_explorer()",
     "outputs": [], "execution_count": 1},
    {"cell_type": "code", "metadata": {}, "source": "a = fit_explorer(  )\nb = E.value_explorer()", "outputs": [],
     "execution_count": 2},
    {"cell_type": "code", "metadata": {}, "source": "# my_explorer is not called here\nx = 1", "outputs": [],
     "execution_count": 3},
    {"cell_type": "markdown", "metadata": {"tags": ["exercise-1"]}, "source": "**Problem 1.** Forty words..."},
    {"cell_type": "markdown", "metadata": {"tags": ["exercise-2"]}, "source": "**Problem 2.** More."},
    {"cell_type": "markdown", "metadata": {"tags": ["exercise-2"]}, "source": "Problem 2, second part."},
    {"cell_type": "markdown", "metadata": {"tags": ["navigation"]}, "source": "[Contents](00_start_here.ipynb)"},
]}
HAND_WORDS, HAND_EXPLORERS, HAND_EXERCISES = 14, 3, 2


def test_counts_match_a_hand_count():
    assert course.study_counts(SYNTHETIC) == course.StudyCounts(HAND_WORDS, HAND_EXPLORERS, HAND_EXERCISES)


def test_study_time_matches_a_hand_count(tmp_path):
    # 14 words at 150 wpm; 3 explorers x 5 min; 2 exercises x 6 min
    assert course.study_minutes(SYNTHETIC) == pytest.approx(14 / 150 + 15 + 12)
    # the same from a file, and with other constants: 14 words at 28 wpm = 0.5 min, 3 x 1 min, 2 x 2 min
    path = tmp_path / "01_tiny.ipynb"
    path.write_text(json.dumps(SYNTHETIC))
    assert course.study_minutes(path, words_per_minute=28, minutes_per_explorer=1,
                                minutes_per_exercise=2) == pytest.approx(7.5)


def test_the_constants_are_stated():
    assert (course.WORDS_PER_MINUTE, course.MINUTES_PER_EXPLORER, course.MINUTES_PER_EXERCISE) == (150, 5.0, 6.0)


def test_study_time_grows_with_the_notebook():
    longer = json.loads(json.dumps(SYNTHETIC))
    longer["cells"].insert(2, {"cell_type": "markdown", "metadata": {}, "source": "word " * 150})
    assert course.study_minutes(longer) == pytest.approx(course.study_minutes(SYNTHETIC) + 1.0)


@pytest.mark.parametrize("bad", [None, 3, "notes.txt", "missing.ipynb", {"cells": 3}, {}])
def test_bad_notebooks_are_refused(bad):
    with pytest.raises(ValueError, match="notebook"):
        course.study_counts(bad)


def test_course_map_reads_every_course_notebook():
    entries = course.course_map(ROOT / "notebooks")
    files = [e.file for e in entries]
    on_disk = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb") if not p.name.startswith("00"))
    assert files == on_disk  # every article notebook has a line on the map, and none is invented
    for entry in entries:
        assert entry.minutes == course.study_minutes(ROOT / "notebooks" / entry.file)
        assert entry.counts == course.study_counts(ROOT / "notebooks" / entry.file)
        assert entry.minutes > 10
        assert set(entry.builds_on) < {e.number for e in entries} and entry.number not in entry.builds_on


def test_course_map_finds_the_notebooks_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the offline and determinism runs execute a lone copy of the start page
    assert course.course_map() == course.course_map(ROOT / "notebooks")


def test_course_map_names_a_missing_notebook(tmp_path):
    with pytest.raises(ValueError, match="01_convolution.ipynb"):
        course.course_map(tmp_path)


def test_paths_name_existing_notebooks_in_course_order():
    numbers = {e.number for e in course.course_map(ROOT / "notebooks")}
    paths = course.course_paths()
    assert [p[2] for p in paths] == [("03", "04"), ("05", "06", "07"), ("02", "08")]
    for _, _, notebooks in paths:
        assert set(notebooks) <= numbers


def test_glossary_terms_point_at_existing_notebooks():
    entries = course.glossary()
    assert len(entries) >= 12
    for term, definition, first in entries:
        assert (ROOT / "notebooks" / f"{first}.ipynb").exists(), term
        assert len(definition.split()) >= 8, term
    terms = {t.lower() for t, _, _ in entries}
    assert {"flop", "flop/s", "bandwidth", "latency", "all-reduce", "roofline", "alpha-beta model"} <= terms


def test_machine_classes_compare_a_measurement():
    names = [r.machine_class for r in course.machine_classes()]
    assert names == ["Binder (shared core)", "laptop", "cloud VM (2-8 vCPUs)", "workstation"]
    rows = {r.machine_class: r for r in course.machine_classes()}
    binder = rows["Binder (shared core)"]
    inside = course.matching_classes(binder.matmul_gflops_fp32_low, binder.copy_gbs_high)
    assert inside[0] == ("Binder (shared core)", True, True)
    far_above = course.matching_classes(1e6, 1e6)
    assert not any(m or c for _, m, c in far_above)
    with pytest.raises(ValueError, match="matmul_gflops"):
        course.matching_classes(-1.0, 10.0)


def stored_map_minutes() -> dict[str, int]:
    """Study minutes per notebook file in the stored output of the start page's map table."""
    nb = json.loads((ROOT / "notebooks/00_start_here.ipynb").read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = "".join(out.get("data", {}).get("text/markdown", ""))
            if "| Study time |" in text:
                return {m.group(1): int(m.group(2))
                        for m in re.finditer(r"\]\((\d\d_\w+\.ipynb)\).*\| (\d+) min \|", text)}
    raise AssertionError("the start page has no stored map table with a Study time column")


def test_the_stored_map_shows_the_times_of_the_current_notebooks():
    """The start page was executed after the notebooks last changed (else: make notebooks NB=...00_start_here)."""
    stored = stored_map_minutes()
    computed = {e.file: round(e.minutes) for e in course.course_map(ROOT / "notebooks")}
    assert stored == computed, ("the start page's map is stale: run "
                                "`make notebooks NB=notebooks/00_start_here.ipynb` after changing a notebook")


def test_course_graph_draws_every_notebook_and_each_path_in_its_place():
    from helpers.explorers.course import course_graph

    entries = course.course_map(ROOT / "notebooks")
    paths = course.course_paths()
    fig = course_graph(entries, paths)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert [e.number for e in entries] == [t for t in labels if t.isdigit() and len(t) == 2]
    # one solid line with markers per path, at the positions of its notebooks in course order (01 is at 0)
    solid = [line for line in ax.lines if line.get_linestyle() == "-" and line.get_marker() == "o"]
    assert [list(line.get_xdata()) for line in solid] == [[2, 3], [4, 5, 6], [1, 7]]
    for name, _, _ in paths:
        assert name in labels
    minutes = {e.number: e.minutes for e in entries}
    assert f"{minutes['03'] + minutes['04']:.0f} min" in labels
