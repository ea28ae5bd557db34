"""Generate the navigation cells of every notebook, and the contents list of the start page.

Markers are cell tags: a markdown cell tagged ``navigation`` gets "previous | contents | next" links
(put one at the top and one at the bottom), the start page's cell tagged ``contents`` gets the list
of notebooks with their titles, and its cell tagged ``glossary`` the glossary of
``helpers/data/glossary.csv``. Never edit those cells by hand: run ``make nav`` (``python tools/navigation.py``);
``--check`` exits 1 if anything would change (the test suite uses it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
START = "00_start_here.ipynb"


def course_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """Notebook files in course order (by their two-digit prefix)."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def title(nb: dict) -> str:
    """The first level-1 heading of a notebook (without the leading '# ')."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and "navigation" not in tags(cell):
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("notebook has no '# Title' heading")


def nav_text(paths: list[Path], index: int) -> str:
    prev_link = f"[← {paths[index - 1].stem}]({paths[index - 1].name})" if index > 0 else "← (start)"
    next_link = f"[{paths[index + 1].stem} →]({paths[index + 1].name})" if index + 1 < len(paths) else "(end) →"
    return f"{prev_link} | [Contents]({START}) | {next_link}"


def contents_text(paths: list[Path], titles: list[str]) -> str:
    lines = ["## Contents", ""]
    lines += [f"{i}. [{t}]({p.name})" for i, (p, t) in enumerate(zip(paths, titles)) if p.name != START]
    return "\n".join(lines)


def glossary_text() -> str:
    """The start page's glossary section, from ``helpers/data/glossary.csv``."""
    from helpers.course import glossary

    lines = ["## Glossary", "",
             "The terms as this course uses them, each with the notebook that first explains it "
             "(generated from `helpers/data/glossary.csv` by `make nav`).", ""]
    for term, definition, first in glossary():
        lines.append(f"- **{term}**: {definition} *First in [{first[:2]}]({first}.ipynb).*")
    return "\n".join(lines)


def render(paths: list[Path]) -> dict[Path, str]:
    """New JSON text of every notebook whose generated cells would change."""
    books = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    titles = [title(nb) for nb in books]
    changed = {}
    for i, (path, nb) in enumerate(zip(paths, books)):
        stale = False
        for cell in nb["cells"]:
            wanted = None
            if "navigation" in tags(cell):
                wanted = nav_text(paths, i)
            elif "contents" in tags(cell):
                wanted = contents_text(paths, titles)
            elif "glossary" in tags(cell):
                wanted = glossary_text()
            if wanted is not None and "".join(cell["source"]) != wanted:
                cell["source"] = wanted.splitlines(keepends=True)
                stale = True
        if stale:
            changed[path] = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the navigation cells of the course notebooks.")
    parser.add_argument("--check", action="store_true", help="only report stale cells (exit 1), write nothing")
    args = parser.parse_args(argv)
    changed = render(course_notebooks())
    if args.check:
        for path in changed:
            print(f"navigation is stale in {path.name}: run `make nav`")
        return 1 if changed else 0
    for path, text in changed.items():
        path.write_text(text, encoding="utf-8")
        print(f"updated navigation in {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
