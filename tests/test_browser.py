"""Every notebook in a real browser: Run All without errors, every widget renders, a slider moves a figure.

One JupyterLab server (on a temporary copy of the notebooks) and one Chromium serve the whole module; each
notebook gets its own page, workspace and kernel. For each notebook: open it, clear the stored outputs, Run
All from the Run menu, check for errors, stderr and unrendered widgets, then press ArrowRight on the first
slider of the first `.course-explorer` box and wait for its figure to change. The key-press-to-new-figure
time (and the time of each phase) is printed and appended to artefacts/browser/latency.jsonl; a
screenshot goes to artefacts/browser/<notebook>.png.

Chromium is Debian's /usr/bin/chromium (no browser download). Without it the test is skipped, or fails
when CI=true.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import UTC, datetime

import pytest
from browser_support import (
    ARM_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ERROR,
    EXPLORER,
    FIGURE_CHANGED_JS,
    FIGURE_STABLE_JS,
    HOOK_LIVE_JS,
    IDLE,
    KERNEL_READY_JS,
    KERNEL_STATUS,
    PANEL,
    RUN_FINISHED_JS,
    RUN_STATE_JS,
    STDERR,
    WIDGET_OUTPUT,
    WIDGET_TROUBLE,
    WIDGETS_SETTLED_JS,
    start_lab,
)
from conftest import NOTEBOOKS, ROOT

pytestmark = pytest.mark.browser

ARTEFACTS = ROOT / "artefacts" / "browser"
RUN_ALL_TIMEOUT_MS = 180_000  # the slowest notebook's Run All on a loaded 2-core machine, with margin
STEP_TIMEOUT_MS = 30_000


def _unavailable(reason: str):
    message = f"browser test cannot run: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: Chromium is required; run `make browser-deps`)", pytrace=False)
    pytest.skip(message + " (install Debian's chromium, e.g. `make browser-deps`)")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        _unavailable(f"the playwright package is not installed ({err})")
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as err:
            _unavailable(f"{CHROMIUM} did not launch: {str(err).splitlines()[0]}")
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="module")
def lab_server(browser, tmp_path_factory):
    server = start_lab(tmp_path_factory.mktemp("browser-lab"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser_context(browser):
    """One context for the module: its HTTP cache loads JupyterLab's scripts once for every notebook."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    yield context
    context.close()


@pytest.fixture
def page(browser_context, lab_server):
    page = browser_context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.course_errors = []
    page.on("pageerror", lambda err: page.course_errors.append(str(err)))
    try:
        yield page
    finally:
        page.close()
        lab_server.shutdown_kernels()  # the next notebook gets the machine to itself


def click_menu(page, menu: str, command: str) -> None:
    page.locator("#jp-MainMenu .lm-MenuBar-item").filter(has_text=re.compile(rf"^\s*{menu}\s*$")).click()
    page.locator(f".lm-Menu-item[data-command='{command}']").click()


def panel_texts(page, selector: str) -> list[str]:
    return [t.strip()[:1500] for t in page.locator(f"{PANEL} {selector}").all_inner_texts()]


def record_latency(name: str, ms: float, wall_ms: float, phases: dict[str, float]) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    row = {"notebook": name, "ms": round(ms, 1), "wall_ms": round(wall_ms, 1),
           **{key: round(value, 2) for key, value in phases.items()},
           "time": datetime.now(UTC).isoformat(timespec="seconds")}
    with open(ARTEFACTS / "latency.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
    print(f"{name}: key press to changed figure {ms:.0f} ms (measured in the page; {wall_ms:.0f} ms wall)")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_in_browser(notebook, lab_server, page):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    name = notebook.name
    # A workspace per notebook, so JupyterLab does not restore the previous notebook's tab.
    t_open = time.perf_counter()
    page.goto(lab_server.url(f"lab/workspaces/{notebook.stem}/tree/notebooks/{name}"))
    try:
        page.wait_for_function(KERNEL_READY_JS, timeout=90_000)
    except PlaywrightTimeout:
        status = page.locator(KERNEL_STATUS).all_inner_texts()
        pytest.fail(f"{name}: the kernel did not connect and become idle within 90 s (status bar: {status})\n"
                    f"server log:\n{lab_server.log_tail()}")

    # Clear the stored outputs first, so "every code cell has a number" means "ran in this kernel".
    click_menu(page, "Edit", "editmenu:clear-all")
    expect(page.locator(f"{PANEL} .jp-OutputArea-output")).to_have_count(0)
    click_menu(page, "Run", "runmenu:run-all")
    t_run = time.perf_counter()
    try:
        page.wait_for_function(RUN_FINISHED_JS, arg=[PANEL, IDLE, f"{ERROR}, {STDERR}"],
                               timeout=RUN_ALL_TIMEOUT_MS)
    except PlaywrightTimeout:
        state = page.evaluate(RUN_STATE_JS, [PANEL])
        pytest.fail(f"{name}: Run All did not finish within {RUN_ALL_TIMEOUT_MS // 1000} s; kernel "
                    f"{state['status']}; unfinished cells:\n" + "\n".join(state["pending"][:10])
                    + f"\npage errors: {page.course_errors}\nserver log:\n{lab_server.log_tail()}")

    # JupyterLab renders an error (traceback) with the stderr MIME type; both stop the test here.
    t_ran = time.perf_counter()
    errors = panel_texts(page, f"{ERROR}, {STDERR}")
    assert not errors, f"{name}: error or stderr output after Run All:\n" + "\n---\n".join(errors)

    try:
        page.wait_for_function(WIDGETS_SETTLED_JS, arg=[PANEL, WIDGET_OUTPUT, list(WIDGET_TROUBLE)])
    except PlaywrightTimeout:
        trouble = [t for t in panel_texts(page, WIDGET_OUTPUT) if any(w in t for w in WIDGET_TROUBLE)]
        pytest.fail(f"{name}: widgets did not render: {trouble or 'a widget output has no widget view'}; "
                    f"page errors: {page.course_errors}")
    panel_text = page.locator(PANEL).inner_text()
    for trouble in WIDGET_TROUBLE:
        assert trouble not in panel_text, f"{name}: {trouble!r} shown in the notebook"

    # Move the first slider of the first explorer and wait for its figure to change. A box's children
    # render asynchronously, so wait for the slider rather than counting what is there now.
    explorer = page.locator(f"{PANEL} {EXPLORER}").filter(has=page.locator(".widget-slider")).first
    try:
        explorer.wait_for(timeout=15_000)
    except PlaywrightTimeout:
        pytest.fail(f"{name}: no slider inside a .course-explorer box; every course notebook needs an "
                    "explorer with a slider (helpers.widgets.Explorer adds the class)")
    slider = explorer.locator(".widget-slider").first
    handle = slider.locator(".noUi-handle").first
    readout = slider.locator(".widget-readout").first
    explorer.scroll_into_view_if_needed()
    box = explorer.element_handle()
    try:
        explorer.locator(".course-live svg").first.wait_for(timeout=15_000)
    except PlaywrightTimeout:
        pytest.fail(f"{name}: the first explorer with a slider shows no live (bqplot) figure")
    # Baseline: kernel idle (rendering widgets sends it messages) and a drawn figure unchanged for 300 ms.
    page.wait_for_function(KERNEL_READY_JS)
    assert box.evaluate(HOOK_LIVE_JS), f"{name}: no .course-live figure in the explorer"
    try:
        page.wait_for_function(FIGURE_STABLE_JS, arg=[box, 300])
    except PlaywrightTimeout:
        pytest.fail(f"{name}: the explorer's figure was never drawn, or kept changing without input")
    value_before = readout.inner_text()
    box.evaluate(ARM_JS)
    # One step right, or left when the slider already sits at its maximum.
    at_max = handle.evaluate(
        "h => Number(h.getAttribute('aria-valuenow')) >= Number(h.getAttribute('aria-valuemax'))")
    key = "ArrowLeft" if at_max else "ArrowRight"
    handle.focus()
    started = time.perf_counter()
    page.keyboard.press(key)
    try:
        ms = page.wait_for_function(FIGURE_CHANGED_JS, arg=box, timeout=STEP_TIMEOUT_MS).json_value()
    except PlaywrightTimeout:
        pytest.fail(f"{name}: the figure did not change within {STEP_TIMEOUT_MS // 1000} s after {key} "
                    f"on the slider (readout {value_before!r} -> {readout.inner_text()!r}); "
                    f"page errors: {page.course_errors}")
    wall_ms = (time.perf_counter() - started) * 1000
    expect(readout).not_to_have_text(value_before)
    record_latency(name, ms, wall_ms, {"open_s": t_run - t_open, "run_all_s": t_ran - t_run,
                                       "widgets_and_slider_s": time.perf_counter() - t_ran})

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    box.evaluate("b => b.scrollIntoView({block: 'start'})")  # controls and as much of the figure as fits
    page.screenshot(path=ARTEFACTS / f"{notebook.stem}.png")
    assert not page.course_errors, f"{name}: JavaScript errors in the page: {page.course_errors}"
