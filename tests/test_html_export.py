"""`make html` (tools/export_html.py): an offline static export of every executed notebook.

The fast test checks the exported files (pages, index, no remote scripts or stylesheets, PNG figures,
links between pages). The browser test opens two pages from file:// in Chromium with every non-file
request blocked, and checks that the figures decode and that nothing remote was asked for. Chromium is
Debian's /usr/bin/chromium (no browser download): without it the browser test is skipped, or fails when
CI=true.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import nbformat
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS
from conftest import ROOT, load_tool

NOTEBOOK_FILES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PNG_IMG = re.compile(r"""<img\b[^>]*\bsrc\s*=\s*["']data:image/png;base64,[A-Za-z0-9+/=]{100,}""", re.IGNORECASE)
TAG_URL = re.compile(r"""<(script|link)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
HREF = re.compile(r"""<a\b[^>]*\bhref\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
BROWSER_PAGES = ["01_convolution.html", "06_data_parallelism.html"]


def explorer_count(path: Path) -> int:
    """Outputs that are a live widget in a kernel and a stored PNG elsewhere (the course explorers)."""
    nb = nbformat.read(path, as_version=4)
    return sum(
        1
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {}) and "image/png" in output.get("data", {})
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "html"
    load_tool("export_html").export(out)
    return out


def test_export_is_complete_offline_and_linked(exported):
    pages = {p.name for p in exported.glob("*.html")}
    expected = [f"{nb.stem}.html" for nb in NOTEBOOK_FILES]
    assert set(expected) <= pages, f"missing pages: {sorted(set(expected) - pages)}"
    assert "index.html" in pages

    index = (exported / "index.html").read_text(encoding="utf-8")
    index_links = [h for h in HREF.findall(index) if h.endswith(".html")]
    assert index_links == expected, "index.html must link to every notebook, in course order"
    navigation = load_tool("navigation")
    for nb in NOTEBOOK_FILES:
        title = navigation.title(nbformat.read(nb, as_version=4))
        assert html.escape(title) in index, f"index lacks the title of {nb.name}"

    for name in sorted(pages):
        text = (exported / name).read_text(encoding="utf-8")
        remote = [(tag, url) for tag, url in TAG_URL.findall(text) if re.match(r"\s*(https?:)?//", url, re.I)]
        assert not remote, f"{name} loads remote resources: {remote}"
        assert not re.search(r"""<img\b[^>]*\bsrc\s*=\s*["']\s*(https?:)?//""", text, re.I), f"{name}: remote image"
        for href in HREF.findall(text):
            if re.match(r"[a-z][a-z0-9+.-]*:|//|#", href, re.I):
                continue  # external article links (plain hyperlinks are fine) and in-page anchors
            target = href.split("#")[0].split("?")[0]
            assert not target.endswith(".ipynb"), f"{name}: link to a notebook not rewritten: {href}"
            if target.endswith(".html"):
                assert (exported / target).is_file(), f"{name}: link to a missing page {href}"

    for nb in NOTEBOOK_FILES:
        wanted = explorer_count(nb)
        text = (exported / f"{nb.stem}.html").read_text(encoding="utf-8")
        found = len(PNG_IMG.findall(text))
        assert found >= wanted, f"{nb.stem}.html: {found} PNG figures for {wanted} explorers"


def test_exported_notebooks_have_explorer_figures():
    # Guards the test above against a vacuous pass: the browser pages do hold explorers.
    for name in BROWSER_PAGES:
        assert explorer_count(ROOT / "notebooks" / name.replace(".html", ".ipynb")) > 0


def _unavailable(reason: str):
    message = f"offline HTML browser test cannot run: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: Chromium is required; run `make browser-deps`)", pytrace=False)
    pytest.skip(message + " (install Debian's chromium, e.g. `make browser-deps`)")


FIGURES_JS = """
() => [...document.images]
  .filter(img => img.src.startsWith('data:image/png'))
  .map(img => ({complete: img.complete, width: img.naturalWidth, height: img.naturalHeight}))
"""


@pytest.mark.browser
def test_exported_pages_render_offline_in_chromium(exported):
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        _unavailable(f"the playwright package is not installed ({err})")

    blocked: list[str] = []  # aborted by the route below
    requested: list[str] = []  # every non-file request the pages made (belt and braces)

    def guard(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as err:
            _unavailable(f"{CHROMIUM} did not launch: {str(err).splitlines()[0]}")
        try:
            context = browser.new_context()
            context.route("**/*", guard)
            page = context.new_page()
            page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else requested.append(r.url))
            for name in BROWSER_PAGES:
                page.goto((exported / name).as_uri(), wait_until="load")
                page.wait_for_function(
                    "() => [...document.images].every(img => img.complete)", timeout=15_000
                )
                figures = page.evaluate(FIGURES_JS)
                assert figures, f"{name}: no PNG figure in the page"
                undecoded = [f for f in figures if not (f["complete"] and f["width"] > 0 and f["height"] > 0)]
                assert not undecoded, f"{name}: {len(undecoded)} of {len(figures)} figures did not decode"
                wanted = explorer_count(ROOT / "notebooks" / name.replace(".html", ".ipynb"))
                assert len(figures) >= wanted, f"{name}: {len(figures)} figures for {wanted} explorers"
                # Following an inter-notebook link lands on an exported page.
                link = page.locator("a[href$='.html']").first
                href = link.get_attribute("href")
                assert href and (exported / href.split("#")[0]).is_file()
            context.close()
        finally:
            browser.close()
    assert not blocked and not requested, f"the exported pages asked for remote resources: {blocked or requested}"
