"""Notebooks are stored executed, in order, clean; navigation is current; every relative link resolves."""

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import NOTEBOOKS, ROOT, load_tool

MAX_BYTES = 2 * 2**20
ALLOWED_METADATA = {"kernelspec", "language_info"}


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_course_has_notebooks():
    assert (ROOT / "notebooks/00_start_here.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
class TestStoredNotebook:
    def test_executed_in_order(self, path):
        counts = [c["execution_count"] for c in code_cells(load(path))]
        assert None not in counts, f"{path.name}: some code cells were never run"
        assert counts == list(range(1, len(counts) + 1)), f"{path.name}: not run top to bottom once"

    def test_no_errors_or_stderr(self, path):
        for i, cell in enumerate(code_cells(load(path))):
            for out in cell["outputs"]:
                assert out["output_type"] != "error", f"{path.name} cell {i}: stored error"
                assert out.get("name") != "stderr", f"{path.name} cell {i}: stderr output {out.get('text')}"

    def test_clean_metadata(self, path):
        nb = load(path)
        assert set(nb["metadata"]) <= ALLOWED_METADATA
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        for cell in nb["cells"]:
            assert set(cell.get("metadata", {})) <= {"tags"}, f"{path.name}: extra cell metadata"

    def test_small_enough(self, path):
        assert path.stat().st_size <= MAX_BYTES

    def test_has_navigation_top_and_bottom(self, path):
        cells = load(path)["cells"]
        nav = [i for i, c in enumerate(cells) if "navigation" in c.get("metadata", {}).get("tags", [])]
        assert nav and nav[0] == 0 and nav[-1] == len(cells) - 1

    def test_no_sys_path_hacks(self, path):
        for cell in code_cells(load(path)):
            assert "sys.path" not in "".join(cell["source"])


def load_navigation():
    return load_tool("navigation")


def test_navigation_is_current():
    nav = load_navigation()
    stale = nav.render(nav.course_notebooks())
    assert not stale, f"run `make nav`: stale navigation in {[p.name for p in stale]}"


def test_navigation_detects_staleness(tmp_path):
    nav = load_navigation()
    for path in NOTEBOOKS[:2]:
        (tmp_path / path.name).write_text(path.read_text())
    first = tmp_path / NOTEBOOKS[0].name
    nb = load(first)
    nb["cells"][0]["source"] = "hand-edited"
    first.write_text(json.dumps(nb))
    assert first in nav.render(nav.course_notebooks(tmp_path))


LINK = re.compile(r"\]\(([^)\s]+)\)")


def markdown_sources():
    yield ROOT / "README.md", (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        for cell in load(path)["cells"]:
            if cell["cell_type"] == "markdown":
                yield path, "".join(cell["source"])


def heading_anchors(nb) -> set[str]:
    """JupyterLab's anchors of a notebook's headings: the rendered heading text with every space as '-'."""
    found = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                match = re.match(r"^#{1,6}\s+(.*\S)\s*$", line)
                if match:
                    found.add(match.group(1).replace("**", "").replace("`", "").replace(" ", "-"))
    return found


def link_problem(source: Path, target: str) -> str | None:
    """Why a relative link from ``source`` does not resolve (file, or heading anchor in a notebook), or None."""
    if re.match(r"^[a-z]+:", target):
        return None
    file_part, _, fragment = target.partition("#")
    path = (source.parent / file_part) if file_part else source
    if not path.exists():
        return f"{source.name}: {target} (no such file)"
    if fragment and path.suffix == ".ipynb" and unquote(fragment) not in heading_anchors(load(path)):
        return f"{source.name}: {target} (no heading with this anchor in {path.name})"
    return None


def test_every_relative_link_resolves():
    broken = [problem for path, text in markdown_sources() for target in LINK.findall(text)
              if (problem := link_problem(Path(path), target))]
    assert not broken, broken


def test_link_checker_catches_a_broken_link_and_a_broken_anchor(tmp_path):
    assert LINK.findall("see [x](missing.ipynb)") == ["missing.ipynb"]
    target = {"cells": [{"cell_type": "markdown", "metadata": {},
                         "source": ["## 2. The roofline: compute-bound or memory-bound?\n", "text"]}]}
    (tmp_path / "03_x.ipynb").write_text(json.dumps(target))
    start = tmp_path / "00_start.ipynb"
    start.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": "## Map of it"}]}))
    assert "no such file" in link_problem(start, "missing.ipynb")
    assert link_problem(start, "03_x.ipynb#2.-The-roofline:-compute-bound-or-memory-bound%3F") is None
    assert link_problem(start, "03_x.ipynb#2.-The-roofline:-compute-bound-or-memory-bound?") is None
    assert "no heading" in link_problem(start, "03_x.ipynb#2.-The-rooftop")
    assert link_problem(start, "#Map-of-it") is None
    assert "no heading" in link_problem(start, "#No-such-section")
    assert link_problem(start, "https://example.org/#x") is None
