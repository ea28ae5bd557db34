"""Two fresh runs of a notebook give the same checked outputs: what nbval compares cannot depend on luck.

Each notebook is executed twice in fresh kernels (offline, see ``notebook_runner``; the first run is shared with
test_offline), the second with another ``PYTHONHASHSEED`` so that set or dict-of-hash order cannot leak into an
output. Compared as nbval compares them: every output except those of cells tagged ``nbval-ignore-output``,
without PNG/JPEG images and widget views, after the regexes in tests/nbval_sanitize.cfg.
"""

import difflib

import pytest
from conftest import ROOT
from notebook_runner import SharedRuns, checked_outputs, sanitize, session_folder

ALL_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return SharedRuns(session_folder(tmp_path_factory))


def describe(index: int, first: list, second: list) -> str:
    lines = difflib.unified_diff([repr(o) for o in first], [repr(o) for o in second], "run 1", "run 2",
                                 lineterm="")
    return f"cell {index}:\n" + "\n".join(line[:300] for line in lines)


@pytest.mark.slow  # a fresh kernel per notebook: about 4 s each, over 20 s for the course (make test-fast skips)
@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_two_fresh_runs_give_the_same_checked_outputs(path, runs):
    second = runs.get(path, 1)  # the other worker may be busy with run 0 for test_offline meanwhile
    first = runs.get(path, 0)
    for run in (first, second):
        assert run.ok, f"{path.name} did not run ({run.method}), exit {run.returncode}:\n{run.log}"
    a, b = checked_outputs(first.notebook), checked_outputs(second.notebook)
    assert [i for i, _ in a] == [i for i, _ in b]
    differ = [describe(i, x, y) for (i, x), (_, y) in zip(a, b) if x != y]
    assert not differ, f"{path.name}: outputs changed between two fresh runs:\n" + "\n".join(differ)


def cell(outputs, tags=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "outputs": outputs, "source": ""}


def test_comparison_ignores_what_nbval_ignores_and_nothing_else():
    png = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "AAA", "text/plain": "<Figure>"}}
    run1 = {"cells": [cell([{"output_type": "stream", "name": "stdout", "text": "a\n"},
                            {"output_type": "stream", "name": "stdout", "text": "b at 0x7f00deadbeef\n"}]),
                      cell([png]),
                      cell([{"output_type": "stream", "name": "stdout", "text": "1.23 GFLOP/s"}],
                           tags=["nbval-ignore-output"])]}
    run2 = {"cells": [cell([{"output_type": "stream", "name": "stdout", "text": "a\nb at 0x7f00cafef00d\n"}]),
                      cell([{**png, "data": {"image/png": "BBB", "text/plain": "<Figure>"}}]),
                      cell([{"output_type": "stream", "name": "stdout", "text": "4.56 GFLOP/s"}],
                           tags=["nbval-ignore-output"])]}
    assert checked_outputs(run1) == checked_outputs(run2)
    run2["cells"][1]["outputs"][0]["data"]["text/plain"] = "<Figure 2>"
    assert checked_outputs(run1) != checked_outputs(run2)
    assert sanitize("CPU times: user 3 ms") == "CPU times: <TIMING>"
