"""Offline static HTML export of the executed course notebooks: ``make html`` (build/html/ by default).

Each notebook is exported as it is stored (never re-executed) with nbconvert's HTMLExporter (lab template),
plus an ``index.html`` listing the notebooks in course order with their titles. The pages work from a USB
stick or a file:// URL with no network:

- explorers show the PNG of their stored figure: the notebook is copied in memory, ``metadata.widgets`` is
  dropped, and outputs holding both a widget view and an ``image/png`` keep only the PNG (a
  widget view needs a kernel, the PNG does not);
- no page loads a remote script, stylesheet or font: the CDN ``<script src>`` / ``<link href>`` tags of the
  template (require.js, MathJax, mermaid) are removed, and remote images (the Binder badge) become their
  alt text. Without MathJax, formulas show as their TeX source (said in each page's footer);
- links between notebooks (``01_convolution.ipynb``) point to the exported ``.html`` pages.

Usage: python tools/export_html.py [OUTPUT_DIR]

The output folder is emptied first only if this tool made it (it holds the marker file ``MARKER``) or it is
empty; any other folder (``.``, the checkout, your home) is refused, never deleted.
"""

from __future__ import annotations

import argparse
import copy
import html
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUTPUT = ROOT / "build" / "html"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FOOTER = (
    '<footer class="course-export-note" style="margin:2em 1em;color:#555;font-size:90%">'
    "Static offline export of the course notebook (made by <code>make html</code>): the figures show their "
    "stored state and the sliders are not live; open the notebook in JupyterLab (<code>make lab</code>) to "
    "explore. Formulas are shown as their TeX source (no MathJax offline).</footer>"
)

_REMOTE = r"""["']\s*(?:https?:)?//"""
# <script src="https://..."></script> and <link href="https://..."> (stylesheets, fonts, preloads).
REMOTE_SCRIPT = re.compile(rf"<script\b[^>]*\bsrc\s*=\s*{_REMOTE}[^>]*>\s*</script>", re.IGNORECASE)
REMOTE_LINK = re.compile(rf"<link\b[^>]*\bhref\s*=\s*{_REMOTE}[^>]*/?>", re.IGNORECASE)
# Inline scripts that would import code from a CDN (the template's mermaid loader).
REMOTE_IMPORT_SCRIPT = re.compile(r"<script\b[^>]*>(?:(?!</script>).)*?import\(\s*[\"']https?://.*?</script>",
                                  re.IGNORECASE | re.DOTALL)
REMOTE_CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*[\"']?(?:https?:)?//[^;]*;", re.IGNORECASE)
REMOTE_IMG = re.compile(rf"<img\b[^>]*\bsrc\s*=\s*{_REMOTE}[^>]*>", re.IGNORECASE)
ALT = re.compile(r"""\balt\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
# href="02_brain.ipynb" or href="02_brain.ipynb#section": relative links to another notebook.
NOTEBOOK_HREF = re.compile(r"""(\bhref\s*=\s*["'])([^"'#?:/\\]+)\.ipynb([#?][^"']*)?(["'])""", re.IGNORECASE)


if __package__ in (None, ""):  # run as a script: make the ``tools`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import navigation  # noqa: E402

MARKER = ".course-html-export"


def static_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` in which every explorer output is its stored PNG instead of a widget view."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "image/png" in data:
                del data[WIDGET_VIEW]
    return nb


def _remote_img_to_alt(match: re.Match) -> str:
    alt = ALT.search(match.group(0))
    text = alt.group(2) if alt else "image"
    return f'<span class="course-offline-image">[{text}]</span>'


def make_offline(page: str) -> str:
    """Remove everything in an exported page that would be fetched from the network; link to .html pages."""
    page = REMOTE_SCRIPT.sub("", page)
    page = REMOTE_LINK.sub("", page)
    page = REMOTE_IMPORT_SCRIPT.sub("", page)
    page = REMOTE_CSS_IMPORT.sub("", page)
    page = REMOTE_IMG.sub(_remote_img_to_alt, page)
    page = NOTEBOOK_HREF.sub(lambda m: f"{m.group(1)}{m.group(2)}.html{m.group(3) or ''}{m.group(4)}", page)
    return page.replace("</body>", FOOTER + "\n</body>", 1)


def index_page(entries: list[tuple[str, str]]) -> str:
    items = "\n".join(
        f'    <li><a href="{html.escape(name)}">{html.escape(title)}</a></li>' for name, title in entries
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Course notebooks (offline export)</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 48em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
  li {{ margin: 0.3em 0; }}
</style>
</head>
<body>
<h1>Course notebooks</h1>
<p>A static, offline copy of the executed notebooks, in course order. Figures show their stored state;
the sliders are live only in JupyterLab (<code>make lab</code>). Formulas are shown as TeX source.</p>
<ol start="0">
{items}
</ol>
</body>
</html>
"""


def _clear(output: Path) -> None:
    """Empty ``output`` if an earlier export made it; refuse any other non-empty folder or file."""
    if not output.exists():
        return
    if not output.is_dir():
        raise SystemExit(f"refusing to export to {output}: it is a file, not a folder")
    if not any(output.iterdir()):
        return
    if not (output / MARKER).is_file():
        raise SystemExit(f"refusing to replace {output}: it is not empty and was not made by this tool "
                         f"(no {MARKER} in it); give a new or empty folder")
    shutil.rmtree(output)


def export(output: Path = OUTPUT, notebooks: Path = NOTEBOOKS) -> list[Path]:
    """Export every course notebook in ``notebooks`` to ``output``; returns the pages, index.html last."""
    paths = navigation.course_notebooks(notebooks)
    if not paths:
        raise SystemExit(f"no notebooks found in {notebooks}")
    _clear(output)
    output.mkdir(parents=True, exist_ok=True)
    (output / MARKER).write_text("made by tools/export_html.py; the next export may replace this folder\n")
    exporter = HTMLExporter(template_name="lab")
    pages, entries = [], []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        title = navigation.title(nb)
        resources = {"metadata": {"name": title, "path": str(path.parent)}}
        body, _ = exporter.from_notebook_node(static_copy(nb), resources=resources)
        page = output / f"{path.stem}.html"
        page.write_text(make_offline(body), encoding="utf-8")
        pages.append(page)
        entries.append((page.name, title))
    index = output / "index.html"
    index.write_text(index_page(entries), encoding="utf-8")
    return [*pages, index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Static offline HTML of the executed course notebooks.")
    parser.add_argument("output", nargs="?", type=Path, default=OUTPUT,
                        help="a new or empty folder, or one an earlier export made (default: build/html)")
    output = parser.parse_args(argv).output.resolve()
    start = time.perf_counter()
    pages = export(output)
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    print(f"Exported {len(pages) - 1} notebooks to {shown}/ in {time.perf_counter() - start:.1f} s; "
          f"open {shown}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
