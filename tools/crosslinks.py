"""Generate the cross-links where the topics of two notebooks meet, from ``helpers/data/cross_links.csv``.

Each row names a section of one notebook (``from_notebook``, ``from_heading``) and a section of another
(``to_notebook``, ``to_heading``) with a sentence. In the section under ``from_heading``, this tool puts one
markdown cell tagged ``cross-link`` with one line per row: the sentence and a link ``NN_topic.ipynb#anchor``
to the target section. The cell closes the section (it goes just before the next heading of the same or a
higher level): right after the heading it would cut the prose that leads into the section's first code cell.
JupyterLab's anchor of a heading is its text with every space replaced by '-', so a link resolves only if that
heading exists.

Headings are matched ignoring case and a leading section number ("2. The roofline" matches "The roofline"),
so renumbering keeps the links; the anchor is built from the heading as it stands in the target notebook. A
heading cell of the table may list alternatives separated by " | " (the first one found is used), so a link
survives a section being renamed while the notebooks are rewritten.
It also links each notebook to the start page's glossary: right after the notebook's title cell, a cell tagged
``glossary-link`` names the terms of ``helpers/data/glossary.csv`` whose ``first_notebook`` it is.

A heading or notebook that is missing is reported and its links are left out (never a dead link); the
cell of a section that has no link left is removed. Running it twice changes nothing.

    python -m tools.crosslinks [--check] [--folder notebooks]      (run by `make nav` and `make notebooks`)

``--check`` writes nothing and exits 1 if a cell would change; a missing heading is reported either way and
is not an error (the notebooks are rewritten independently of the table; the merger re-runs this tool).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TABLE = ROOT / "helpers" / "data" / "cross_links.csv"
TAG = "cross-link"
GLOSSARY_TAG = "glossary-link"
GLOSSARY_ANCHOR = "00_start_here.ipynb#Glossary"
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
SECTION_NUMBER = re.compile(r"^\d+(\.\d+)*\.?\s+")
GENERATED = {"navigation", "contents", TAG, GLOSSARY_TAG}


@dataclass(frozen=True)
class Link:
    from_notebook: str
    from_heading: str
    to_notebook: str
    to_heading: str
    sentence: str


def read_links(table: Path = TABLE) -> list[Link]:
    """The rows of the cross-link table (checked by the course's table loader)."""
    from helpers.data import parse_table

    rows = parse_table(table.read_text(encoding="utf-8"), table.name)
    return [Link(r.from_notebook, r.from_heading, r.to_notebook, r.to_heading, r.sentence) for r in rows]


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def normalise(heading: str) -> str:
    """Heading text for matching: no section number, no emphasis marks, one space, lower case."""
    text = SECTION_NUMBER.sub("", heading.strip())
    return " ".join(text.replace("*", "").replace("`", "").split()).casefold()


def anchor(heading: str) -> str:
    """JupyterLab's anchor of a heading (its rendered text, spaces as '-'), safe inside a Markdown link."""
    text = heading.replace("*", "").replace("`", "").strip().replace(" ", "-")
    return quote(text, safe="-.:?!,;'_~/+=&$@")


def headings(nb: dict) -> list[tuple[int, str, int]]:
    """(cell index, heading text, level) of every heading in the notebook's own markdown cells."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "markdown" or GENERATED & set(_tags(cell)):
            continue
        in_fence = False
        for line in _source(cell).splitlines():
            if line.lstrip().startswith("```"):
                in_fence = not in_fence
            match = None if in_fence else HEADING.match(line)
            if match:
                found.append((i, match.group(2), len(match.group(1))))
    return found


def find_heading(nb: dict, wanted: str) -> tuple[int, str] | None:
    """(cell index, heading text) of the first of the alternatives in ``wanted`` ("A | B") found, or None."""
    found = headings(nb)
    for alternative in wanted.split(" | "):
        key = normalise(alternative)
        match = next(((i, text) for i, text, _ in found if normalise(text) == key), None)
        if match:
            return match
    return None


def section_end(nb: dict, heading_text: str) -> int:
    """Index where the section under the (first) heading ``heading_text`` ends: the cell of the next heading of
    the same or a higher level, else the trailing navigation cell, else the end of the notebook."""
    found = headings(nb)
    start = next(k for k, (_, text, _) in enumerate(found) if text == heading_text)
    index, _, level = found[start]
    for i, _, other_level in found[start + 1:]:
        if i > index and other_level <= level:
            return i
    cells = nb["cells"]
    end = len(cells)
    while end > index + 1 and "navigation" in _tags(cells[end - 1]):
        end -= 1
    return end


def cell_text(lines: list[str]) -> str:
    return "**Where this meets another notebook.**\n" + "\n".join(f"- {line}" for line in lines)


def _cell(from_heading: str, text: str) -> dict:
    digest = hashlib.sha1(from_heading.encode()).hexdigest()[:12]
    return {"cell_type": "markdown", "id": f"cross-link-{digest}", "metadata": {"tags": [TAG]},
            "source": text.splitlines(keepends=True)}


def glossary_terms() -> dict[str, list[str]]:
    """Glossary terms by the notebook that first explains them (from helpers/data/glossary.csv)."""
    from helpers.course import glossary

    terms: dict[str, list[str]] = defaultdict(list)
    for term, _, first in glossary():
        terms[first].append(term)
    return dict(terms)


def glossary_text(terms: list[str]) -> str:
    names = ", ".join(f"**{t}**" for t in terms)
    return f"*Terms this notebook explains first* (all terms are in the [glossary]({GLOSSARY_ANCHOR})): {names}."


def _title_index(cells: list[dict]) -> int | None:
    return next((i for i, _, level in headings({"cells": cells}) if level == 1), None)


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def render(folder: Path = NOTEBOOKS, links: list[Link] | None = None,
           terms: dict[str, list[str]] | None = None) -> tuple[dict[Path, str], list[str]]:
    """New JSON text of every notebook whose cross-link or glossary-link cells would change, and the problems.

    ``links`` defaults to the table's rows, ``terms`` (glossary terms by first notebook) to the glossary's.
    """
    links = read_links() if links is None else links
    terms = glossary_terms() if terms is None else terms
    problems: list[str] = []
    cache: dict[str, dict | None] = {}

    def notebook(name: str) -> dict | None:
        if name not in cache:
            path = folder / f"{name}.ipynb"
            cache[name] = _load(path) if path.is_file() else None
        return cache[name]

    # The lines wanted under each source heading, in table order.
    wanted: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for link in links:
        source, target = notebook(link.from_notebook), notebook(link.to_notebook)
        if source is None:
            problems.append(f"{link.from_notebook}.ipynb is missing: its links are left out")
            continue
        if target is None:
            problems.append(f"{link.from_notebook}.ipynb -> {link.to_notebook}.ipynb: the target notebook is missing")
            continue
        found_from = find_heading(source, link.from_heading)
        found_to = find_heading(target, link.to_heading)
        if found_from is None:
            problems.append(f"{link.from_notebook}.ipynb has no heading {link.from_heading!r}: link to "
                            f"{link.to_notebook} left out")
            continue
        if found_to is None:
            problems.append(f"{link.to_notebook}.ipynb has no heading {link.to_heading!r}: link from "
                            f"{link.from_notebook} left out")
            continue
        number = link.to_notebook[:2]
        target_text = SECTION_NUMBER.sub("", found_to[1])
        wanted[link.from_notebook][found_from[1]].append(
            f"{link.sentence} See [{number}: {target_text}]({link.to_notebook}.ipynb#{anchor(found_to[1])}).")

    changed = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        name = path.stem
        nb = notebook(name)
        if nb is None:
            continue
        before = nb["cells"]
        cells = [c for c in before if not {TAG, GLOSSARY_TAG} & set(_tags(c))]
        inserts = []
        for heading, lines in wanted.get(name, {}).items():
            inserts.append((section_end({"cells": cells}, heading), _cell(heading, cell_text(lines))))
        for index, cell in sorted(inserts, key=lambda item: item[0], reverse=True):
            cells.insert(index, cell)
        title = _title_index(cells)
        if terms.get(name) and title is not None:
            text = glossary_text(terms[name])
            cells.insert(title + 1, {"cell_type": "markdown", "id": f"glossary-link-{name[:2]}",
                                     "metadata": {"tags": [GLOSSARY_TAG]}, "source": text.splitlines(keepends=True)})
        if cells != before:
            nb["cells"] = cells
            changed[path] = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return changed, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Insert or refresh the cross-link cells of the course notebooks.")
    parser.add_argument("--check", action="store_true", help="only report cells that would change (exit 1)")
    parser.add_argument("--folder", type=Path, default=NOTEBOOKS, help="folder of the notebooks (default: notebooks)")
    args = parser.parse_args(argv)
    changed, problems = render(args.folder)
    for problem in problems:
        print(f"cross-links: {problem}")
    if args.check:
        for path in changed:
            print(f"cross-links are stale in {path.name}: run `make nav`")
        return 1 if changed else 0
    for path, text in changed.items():
        path.write_text(text, encoding="utf-8")
        print(f"updated cross-links in {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
