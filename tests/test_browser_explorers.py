"""Every explorer in a real browser: key press to new pixels, measured per explorer.

A generated notebook displays every registered explorer that does not measure the machine, one per cell.
JupyterLab runs it in Chromium; for each explorer the test finds the first control whose change redraws
the figure (sliders by arrow key first, then drop-downs, then toggle buttons), changes it several times, and
times each change from the input event to the animation frame that paints the first change of the live
(bqplot) figure. Results go to ``artefacts/browser/explorer_latency.json``; ``make bench`` copies them to
``benchmarks/results/``.

The issue's budget (median <= 100 ms, p95 <= 200 ms on the course's 2-core machine) is reported in that
file; the test fails when an explorer misses twice that budget, so a loaded CI machine does not flap while a
return to kernel-side rendering (300-500 ms here) still fails.
"""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime

import nbformat
import pytest
from browser_support import (
    ARM_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ERROR,
    FIGURE_CHANGED_JS,
    FIGURE_STABLE_JS,
    HOOK_LIVE_JS,
    IDLE,
    KERNEL_READY_JS,
    PANEL,
    RUN_FINISHED_JS,
    STDERR,
    start_lab,
)
from conftest import ROOT

from helpers.widgets import all_explorers

pytestmark = pytest.mark.browser

ARTEFACTS = ROOT / "artefacts" / "browser"
MEASURING = {"cluster.transfer", "convolution.fft_timing", "machine.matmul", "parallel.real_run"}
PRESSES = 21  # per explorer; the first finds a control that redraws the figure and is not counted
BUDGET_MEDIAN_MS, BUDGET_P95_MS = 100.0, 200.0
FAIL_FACTOR = 2.0


def explorer_names() -> list[str]:
    return sorted(n for n in all_explorers() if n not in MEASURING and not n.startswith("mpi"))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def write_notebook(folder, names: list[str]) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("from helpers.widgets import all_explorers\nE = all_explorers()"))
    nb.cells += [nbformat.v4.new_code_cell(f"E[{n!r}]()") for n in names]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "explorers.ipynb")
    return "explorers.ipynb"


CHANGE_SELECT_JS = """
(el, forward) => {
  window.__courseKeyAt = performance.now();
  const n = el.options.length;
  el.selectedIndex = (el.selectedIndex + (forward ? 1 : n - 1)) % n;
  el.dispatchEvent(new Event('change', {bubbles: true}));
}
"""


CLICK_NEXT_TOGGLE_JS = """
(group, forward) => {
  const buttons = [...group.querySelectorAll('button')];
  const at = buttons.findIndex(b => b.classList.contains('mod-active'));
  const n = buttons.length;
  window.__courseKeyAt = performance.now();
  buttons[(at + (forward ? 1 : n - 1)) % n].click();
}
"""


def press(page, box, target, kind: str, forward: bool, timeout_error) -> float | None:
    """One change of ``target``; the time from the input event to the painted change, or None."""
    page.wait_for_function(KERNEL_READY_JS)
    page.wait_for_function(FIGURE_STABLE_JS, arg=[box, 150])
    box.evaluate(ARM_JS)
    if kind == "slider":
        target.focus()
        page.keyboard.press("ArrowRight" if forward else "ArrowLeft")
    elif kind == "drop-down":
        target.evaluate(CHANGE_SELECT_JS, forward)
    else:
        target.evaluate(CLICK_NEXT_TOGGLE_JS, forward)
    try:
        return float(page.wait_for_function(FIGURE_CHANGED_JS, arg=box, timeout=3_000).json_value())
    except timeout_error:
        return None


def measure_explorer(page, box, box_locator, timeout_error) -> dict:
    """Find the first control whose change redraws the figure (sliders first), then time PRESSES changes."""
    candidates = [("slider", h) for h in box_locator.locator(".widget-slider .noUi-handle").all()]
    candidates += [("drop-down", s) for s in box_locator.locator("select:not([multiple])").all()]
    candidates += [("buttons", t) for t in box_locator.locator(".widget-toggle-buttons").all()]
    page.wait_for_function(FIGURE_STABLE_JS, arg=[box, 500])  # drawing after scrolling into view is over
    for kind, target in candidates:
        # probe (and warm-up): one step forward and one back must both redraw the figure
        if press(page, box, target, kind, True, timeout_error) is None:
            continue
        if press(page, box, target, kind, False, timeout_error) is None:
            continue
        times, unchanged = [], 0
        for n in range(1, PRESSES):
            forward = (n // 3) % 2 == 0  # after the probe: three steps forward, three back, ...
            ms = press(page, box, target, kind, forward, timeout_error)
            if ms is None:
                unchanged += 1  # e.g. a slider at the end of its range
            else:
                times.append(ms)
        return {"control": kind, "presses": len(times), "unchanged": unchanged,
                "median_ms": round(statistics.median(times), 1) if times else None,
                "p95_ms": round(p95(times), 1) if times else None,
                "max_ms": round(max(times), 1) if times else None}
    return {"control": None, "presses": 0, "unchanged": len(candidates), "median_ms": None, "p95_ms": None,
            "max_ms": None}


def test_every_explorer_answers_within_budget(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (make browser-deps)")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    names = explorer_names()
    name = write_notebook(tmp_path / "nb", names)
    server = start_lab(tmp_path / "lab", notebooks=tmp_path / "nb")
    results: dict[str, dict] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(server.url(f"lab/workspaces/explorers/tree/notebooks/{name}"))
            page.wait_for_function(KERNEL_READY_JS, timeout=90_000)
            page.locator("#jp-MainMenu .lm-MenuBar-item", has_text="Run").first.click()
            page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
            page.wait_for_function(RUN_FINISHED_JS, arg=[PANEL, IDLE, f"{ERROR}, {STDERR}"], timeout=240_000)
            problems = page.locator(f"{PANEL} {ERROR}, {PANEL} {STDERR}").all_inner_texts()
            assert not problems, f"errors while displaying the explorers: {problems[:3]}"
            boxes = page.locator(f"{PANEL} .course-explorer")
            boxes.nth(len(names) - 1).wait_for(timeout=60_000)
            assert boxes.count() == len(names)
            for i, explorer in enumerate(names):
                box_locator = boxes.nth(i)
                box_locator.scroll_into_view_if_needed()
                box_locator.locator(".course-live svg").first.wait_for(timeout=30_000)
                box = box_locator.element_handle()
                assert box.evaluate(HOOK_LIVE_JS), f"{explorer}: no live figure"
                results[explorer] = measure_explorer(page, box, box_locator, PlaywrightTimeout)
                print(f"{explorer:30s} {results[explorer]}")
            browser.close()
    finally:
        server.stop()
    measured = {k: v for k, v in results.items() if v["presses"]}
    for row in measured.values():
        row["within_budget"] = row["median_ms"] <= BUDGET_MEDIAN_MS and row["p95_ms"] <= BUDGET_P95_MS
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "explorer_latency.json").write_text(json.dumps({
        "time": datetime.now(UTC).isoformat(timespec="seconds"), "presses_per_explorer": PRESSES - 1,
        "budget": {"median_ms": BUDGET_MEDIAN_MS, "p95_ms": BUDGET_P95_MS},
        "errors": errors, "explorers": results}, indent=1))
    assert not errors, f"JavaScript errors in the page: {errors[:3]}"
    silent = [k for k, v in results.items() if not v["presses"]]
    assert not silent, f"explorers whose figure never changed on a key press: {silent}"
    slow = {k: (v["median_ms"], v["p95_ms"]) for k, v in measured.items()
            if v["median_ms"] > FAIL_FACTOR * BUDGET_MEDIAN_MS or v["p95_ms"] > FAIL_FACTOR * BUDGET_P95_MS}
    assert not slow, f"explorers over twice the latency budget (median, p95 ms): {slow}"
