"""tools/crosslinks.py puts the cross-links of helpers/data/cross_links.csv into copies of the notebooks: every
link resolves to a heading, a second run changes nothing, a missing heading is reported and leaves no dead link.

The course's own notebooks 01-08 are rewritten on other branches, so these tests run the tool on temporary
copies; the merger runs `make nav` (or `python -m tools.crosslinks`) after merging.
"""

from __future__ import annotations

import json
import re
import shutil
from urllib.parse import unquote

import pytest
from conftest import ROOT, load_tool
from test_notebook_hygiene import heading_anchors

crosslinks = load_tool("crosslinks")
LINK = re.compile(r"\]\(((\d\d_[^)#\s]+\.ipynb)#([^)\s]+))\)")


def copy_notebooks(tmp_path):
    for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def write(changed):
    for path, text in changed.items():
        path.write_text(text, encoding="utf-8")


jupyterlab_anchors = heading_anchors  # one reading of JupyterLab's heading anchors (test_notebook_hygiene)


def cross_link_cells(nb):
    return [c for c in nb["cells"] if "cross-link" in c.get("metadata", {}).get("tags", [])]


def test_the_table_covers_the_meeting_points_of_the_issue():
    pairs = {(link.from_notebook[:2], link.to_notebook[:2]) for link in crosslinks.read_links()}
    wanted = {("03", "04"), ("04", "03"), ("05", "06"), ("06", "07"), ("03", "06"), ("03", "07"), ("06", "03"),
              ("07", "03"), ("06", "08"), ("08", "06"), ("02", "08"), ("08", "02")}
    assert wanted <= pairs


def test_links_resolve_and_a_second_run_changes_nothing(tmp_path):
    folder = copy_notebooks(tmp_path)
    changed, problems = crosslinks.render(folder)
    write(changed)
    links = crosslinks.read_links()
    placed = 0
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in cross_link_cells(nb):
            for _, file, fragment in LINK.findall("".join(cell["source"])):
                target = folder / file
                assert target.exists(), f"{path.name}: link to missing {file}"
                assert unquote(fragment) in jupyterlab_anchors(json.loads(target.read_text())), (
                    f"{path.name}: #{fragment} is no heading of {file}")
                placed += 1
    assert placed + len(problems) == len(links)  # every row is either a resolving link or a reported problem
    assert crosslinks.render(folder) == ({}, problems)  # idempotent


def test_the_cell_closes_its_section(tmp_path):
    """The cell sits in the named section, right before the next heading of the same or a higher level."""
    folder = copy_notebooks(tmp_path)
    changed, problems = crosslinks.render(folder)
    write(changed)
    checked = 0
    for link in crosslinks.read_links():
        path = folder / f"{link.from_notebook}.ipynb"
        cells = json.loads(path.read_text())["cells"]
        level_of, section = None, None
        for i, cell in enumerate(cells):
            text = "".join(cell["source"])
            tags = cell.get("metadata", {}).get("tags", [])
            if cell["cell_type"] == "markdown" and "cross-link" not in tags:
                for line in text.splitlines():
                    match = re.match(r"^(#+)\s+(.*)$", line)
                    names = [h.lower() for h in link.from_heading.split(" | ")]
                    if match and (level_of is None or len(match.group(1)) <= level_of or
                                  any(h in match.group(2).lower() for h in names)):
                        section = match.group(2)
                        level_of = len(match.group(1)) if any(h in section.lower() for h in names) else None
            if "cross-link" in tags and link.sentence in text:
                assert section and any(h.lower() in section.lower() for h in link.from_heading.split(" | ")), (
                    f"{path.name}: cell {i} in {section}")
                following = "".join(cells[i + 1]["source"]) if i + 1 < len(cells) else ""
                tags_after = cells[i + 1].get("metadata", {}).get("tags", []) if i + 1 < len(cells) else []
                # the next cell holds the next heading (sometimes after the section's last paragraph)
                assert re.search(r"^#", following, re.M) or {"navigation", "cross-link"} & set(tags_after)
                checked += 1
    assert checked + len(problems) == len(crosslinks.read_links())


def test_a_missing_heading_is_reported_and_leaves_no_dead_link(tmp_path):
    folder = copy_notebooks(tmp_path)
    write(crosslinks.render(folder, [], {})[0])  # start from notebooks without generated links
    link = crosslinks.Link("03_which_gpu", "Will it fit?", "04_hardware_guide",
                           "A heading nobody wrote", "Nowhere.")
    changed, problems = crosslinks.render(folder, [link], {})
    assert changed == {}
    assert problems == ["04_hardware_guide.ipynb has no heading 'A heading nobody wrote': link from 03_which_gpu "
                        "left out"]
    gone = crosslinks.Link("03_which_gpu", "Not a section here", "04_hardware_guide", "Own or rent?", "x")
    assert "03_which_gpu.ipynb has no heading 'Not a section here'" in crosslinks.render(folder, [gone])[1][0]
    missing = crosslinks.Link("03_which_gpu", "Will it fit?", "09_nothing", "x", "x")
    assert "target notebook is missing" in crosslinks.render(folder, [missing])[1][0]


def test_renumbered_heading_still_matches_and_removed_links_disappear(tmp_path):
    folder = copy_notebooks(tmp_path)
    link = crosslinks.Link("03_which_gpu", "Will it fit?", "04_hardware_guide", "Own or rent?",
                           "Compare with renting.")
    path = folder / "04_hardware_guide.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        cell["source"] = re.sub(r"## \d+\. Own or rent\?", "## 17. Own or rent?", "".join(cell["source"]))
    path.write_text(json.dumps(nb))
    write(crosslinks.render(folder, [link])[0])
    page = json.loads((folder / "03_which_gpu.ipynb").read_text())
    text = "".join("".join(c["source"]) for c in cross_link_cells(page))
    assert "(04_hardware_guide.ipynb#17.-Own-or-rent?)" in text
    write(crosslinks.render(folder, [])[0])  # the row is gone: so is the cell
    assert not cross_link_cells(json.loads((folder / "03_which_gpu.ipynb").read_text()))


def test_command_line_reports_and_check_writes_nothing(tmp_path, capsys):
    folder = copy_notebooks(tmp_path)
    write(crosslinks.render(folder, [], {})[0])  # links and glossary lines removed: the copy is stale
    before = {p.name: p.read_text() for p in folder.iterdir()}
    assert crosslinks.main(["--check", "--folder", str(folder)]) == 1
    assert {p.name: p.read_text() for p in folder.iterdir()} == before
    assert crosslinks.main(["--folder", str(folder)]) == 0
    assert crosslinks.main(["--check", "--folder", str(folder)]) == 0
    assert "updated cross-links in" in capsys.readouterr().out


@pytest.mark.parametrize("target", ["make nav", "make notebooks"])
def test_make_runs_the_tool(target):
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split(f"\n{target.split()[1]}:", 1)[1].split("\n\n", 1)[0]
    assert "tools/crosslinks.py" in recipe or "tools.crosslinks" in recipe


def test_each_notebook_links_the_glossary_terms_it_explains_first(tmp_path):
    folder = copy_notebooks(tmp_path)
    (folder / "00_start_here.ipynb").unlink()
    shutil.copy(ROOT / "notebooks/00_start_here.ipynb", folder / "00_start_here.ipynb")
    terms = {"03_which_gpu": ["roofline", "bandwidth"]}
    write(crosslinks.render(folder, [], terms)[0])
    cells = json.loads((folder / "03_which_gpu.ipynb").read_text())["cells"]
    marked = [i for i, c in enumerate(cells) if "glossary-link" in c.get("metadata", {}).get("tags", [])]
    assert len(marked) == 1
    text = "".join(cells[marked[0]]["source"])
    assert "**roofline**, **bandwidth**" in text
    assert "".join(cells[marked[0] - 1]["source"]).startswith("# ")  # right after the title cell
    assert "Glossary" in jupyterlab_anchors(json.loads((folder / "00_start_here.ipynb").read_text()))
    assert "](00_start_here.ipynb#Glossary)" in text
    assert crosslinks.render(folder, [], terms) == ({}, [])
    write(crosslinks.render(folder, [], {})[0])  # no terms: the cell goes
    cells = json.loads((folder / "03_which_gpu.ipynb").read_text())["cells"]
    assert not [c for c in cells if "glossary-link" in c.get("metadata", {}).get("tags", [])]


def test_the_glossary_names_a_first_notebook_for_every_term():
    terms = crosslinks.glossary_terms()
    assert sum(len(v) for v in terms.values()) >= 12
    assert all((ROOT / "notebooks" / f"{name}.ipynb").exists() for name in terms)


def test_alternative_headings_use_the_first_found(tmp_path):
    folder = copy_notebooks(tmp_path)
    link = crosslinks.Link("03_which_gpu", "A renamed section | Will it fit?", "04_hardware_guide",
                           "Not there either | Own or rent?", "Alternatives.")
    changed, problems = crosslinks.render(folder, [link], {})
    assert problems == []
    text = changed[folder / "03_which_gpu.ipynb"]
    assert "Own-or-rent?)" in text and "Alternatives." in text


def test_the_course_notebooks_are_current_once_the_links_are_applied():
    """After the merge `make nav` applies the links; from then on a notebook edit that breaks one shows here."""
    folder = ROOT / "notebooks"
    applied = any({"cross-link", "glossary-link"} & set(c.get("metadata", {}).get("tags", []))
                  for p in folder.glob("[0-9][0-9]_*.ipynb") for c in json.loads(p.read_text())["cells"])
    if not applied:
        pytest.skip("cross-links not applied to the notebooks yet: run `make nav` after merging the notebook branches")
    changed, problems = crosslinks.render(folder)
    assert not problems, problems
    assert not changed, f"run `make nav`: stale cross-links in {[p.name for p in changed]}"
