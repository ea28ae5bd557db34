"""The course as a whole: study time of a notebook, the map of the course, paths, glossary, machine classes.

Computation only: it reads notebook files (``.ipynb`` JSON) and the tables ``course_map``, ``course_paths``,
``glossary`` and ``machine_classes`` of ``helpers/data``; it imports no widget or plotting library.

Study time
----------
A notebook's study time is estimated from the notebook itself, so it stays true while notebooks grow::

    minutes = prose words / WORDS_PER_MINUTE
              + MINUTES_PER_EXPLORER x explorers + MINUTES_PER_EXERCISE x exercises

* **prose words**: words of the markdown cells, without generated cells (navigation, contents, cross-links,
  glossary, badge), without the exercises' own cells (their time is in ``MINUTES_PER_EXERCISE``), and without
  fenced code, TeX formulas, HTML tags and link addresses. A word is a run of characters without spaces that
  holds at least one letter or digit. Code cells and their outputs are not counted as reading.
* **explorers**: calls of a function whose name ends in ``_explorer`` in code cells (``E.roofline_explorer()``).
* **exercises**: distinct ``exercise-N`` tags of markdown cells (one per problem, the course's convention; a
  problem spread over two cells with the same tag counts once).

The three constants are the course's stated estimates, not measurements of learners.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import checks
from .data import load_table

WORDS_PER_MINUTE = 150
"""Reading speed for the course's prose. Adults read non-fiction silently at about 238 words per minute
(Brysbaert 2019, "How many words do we read per minute?", J. Memory and Language 109:104047); technical prose
with units and formulas, read to be understood, is slower: the course assumes 150 (an estimate)."""
MINUTES_PER_EXPLORER = 5.0
"""Minutes to use one explorer: read its "Try it" line, move two or three controls, read the result (estimate)."""
MINUTES_PER_EXERCISE = 6.0
"""Minutes to read, work and check one "Check yourself" problem (estimate)."""

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
"""The course's notebooks folder (the helpers package is installed in place, next to it)."""
GENERATED_TAGS = frozenset({"navigation", "contents", "cross-link", "glossary-link", "glossary", "binder"})
EXERCISE_TAG = re.compile(r"^exercise-\d+$")
EXPLORER_CALL = re.compile(r"\b[A-Za-z_]\w*_explorer\s*\(")
_FENCED = re.compile(r"```.*?```", re.S)
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<!\\)\$[^$\n]+?\$")
_HTML_TAG = re.compile(r"<[^>\n]+>")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_WORD = re.compile(r"\S*[A-Za-z0-9]\S*")


@dataclass(frozen=True)
class StudyCounts:
    """What the study time of a notebook is computed from."""

    words: int
    explorers: int
    exercises: int


@dataclass(frozen=True)
class MapEntry:
    """One line of the course map: notebook file, title, promise, what it builds on, counts, study minutes."""

    number: str
    file: str
    title: str
    promise: str
    builds_on: tuple[str, ...]
    counts: StudyCounts
    minutes: float


def prose_words(text: str) -> int:
    """Words of markdown prose: without fenced code, TeX, HTML tags and link addresses.

    Examples
    --------
    >>> prose_words("Read [the article](https://x.org/a) on $n^3$ FLOPs, <b>twice</b>.")
    6
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    for pattern in (_FENCED, _DISPLAY_MATH, _INLINE_MATH, _LINK_TARGET):
        text = pattern.sub(" ", text)
    text = _HTML_TAG.sub(" ", text)
    return len(_WORD.findall(text))


def _notebook(notebook) -> dict:
    """A notebook given as a parsed dict or a path to an .ipynb file."""
    if isinstance(notebook, dict):
        if not isinstance(notebook.get("cells"), list):
            raise ValueError("notebook has no list of cells")
        return notebook
    if not isinstance(notebook, (str, Path)) or not str(notebook).endswith(".ipynb"):
        raise ValueError(f"notebook must be a parsed notebook or the path of an .ipynb file, got {notebook!r}")
    path = Path(notebook)
    if not path.is_file():
        raise ValueError(f"notebook {str(path)!r} does not exist")
    try:
        return _notebook(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as err:
        raise ValueError(f"notebook {str(path)!r} is not valid JSON: {err}") from None


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def study_counts(notebook) -> StudyCounts:
    """Prose words, explorer calls and exercises of a notebook (a parsed dict or an .ipynb path).

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "markdown", "source": "# Title\\n\\nTwo words.", "metadata": {}},
    ...     {"cell_type": "code", "source": "E.roofline_explorer()", "metadata": {}},
    ...     {"cell_type": "markdown", "source": "Problem one.", "metadata": {"tags": ["exercise-1"]}}]}
    >>> study_counts(nb)
    StudyCounts(words=3, explorers=1, exercises=1)
    """
    nb = _notebook(notebook)
    words = explorers = 0
    exercises: set[str] = set()
    for cell in nb["cells"]:
        tags = _tags(cell)
        if cell.get("cell_type") == "markdown":
            if any(EXERCISE_TAG.match(t) for t in tags):
                exercises |= {t for t in tags if EXERCISE_TAG.match(t)}
            elif not GENERATED_TAGS & set(tags):
                words += prose_words(_source(cell))
        elif cell.get("cell_type") == "code":
            explorers += len(EXPLORER_CALL.findall(_source(cell)))
    return StudyCounts(words, explorers, len(exercises))


def study_minutes(
    notebook,
    words_per_minute: float = WORDS_PER_MINUTE,
    minutes_per_explorer: float = MINUTES_PER_EXPLORER,
    minutes_per_exercise: float = MINUTES_PER_EXERCISE,
) -> float:
    """Estimated minutes to study a notebook (see the module's docstring for the formula).

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "markdown", "source": "word " * 300, "metadata": {}}]}
    >>> study_minutes(nb)  # 300 words at 150 words per minute
    2.0
    """
    words_per_minute = checks.positive(words_per_minute, "words_per_minute")
    minutes_per_explorer = checks.non_negative(minutes_per_explorer, "minutes_per_explorer")
    minutes_per_exercise = checks.non_negative(minutes_per_exercise, "minutes_per_exercise")
    counts = study_counts(notebook)
    return (counts.words / words_per_minute + counts.explorers * minutes_per_explorer
            + counts.exercises * minutes_per_exercise)


def notebook_title(notebook) -> str:
    """The first level-1 heading of a notebook, without '# '."""
    for cell in _notebook(notebook)["cells"]:
        if cell.get("cell_type") == "markdown" and "navigation" not in _tags(cell):
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("notebook has no '# Title' heading")


def course_map(folder=None) -> list[MapEntry]:
    """The course map: one entry per row of ``course_map.csv``, with title and study time read from ``folder``
    (default: the course's notebooks folder, wherever the start page runs; tests run it from a copy).

    A notebook named in the table but missing from ``folder`` raises a ``ValueError`` naming it.
    """
    folder = NOTEBOOKS if folder is None else folder
    if not isinstance(folder, (str, Path)) or not Path(folder).is_dir():
        raise ValueError(f"folder must be the notebooks' folder, got {folder!r}")
    entries = []
    for row in load_table("course_map"):
        path = Path(folder) / f"{row.notebook}.ipynb"
        if not path.is_file():
            raise ValueError(f"folder {str(folder)!r} has no notebook {path.name} (named in course_map.csv)")
        nb = _notebook(path)
        builds_on = tuple(str(row.builds_on or "").split())
        entries.append(MapEntry(row.notebook[:2], path.name, notebook_title(nb), row.promise, builds_on,
                                study_counts(nb), study_minutes(nb)))
    return entries


def course_paths() -> list[tuple[str, str, tuple[str, ...]]]:
    """Suggested paths: (name, goal, notebook numbers in order), from ``course_paths.csv``."""
    return [(row.path, row.goal, tuple(str(row.notebooks).split())) for row in load_table("course_paths")]


def glossary() -> list[tuple[str, str, str]]:
    """Glossary entries (term, definition, first notebook), sorted by term ignoring case."""
    rows = [(r.term, r.definition, r.first_notebook) for r in load_table("glossary")]
    return sorted(rows, key=lambda r: r[0].lower())


def machine_classes() -> list:
    """Rows of ``machine_classes.csv``: estimated matmul GFLOP/s and copy GB/s ranges per machine class."""
    return list(load_table("machine_classes"))


def matching_classes(matmul_gflops: float, copy_gbs: float) -> list[tuple[str, bool, bool]]:
    """Per machine class: (name, matmul within its range, copy bandwidth within its range)."""
    matmul_gflops = checks.positive(matmul_gflops, "matmul_gflops")
    copy_gbs = checks.positive(copy_gbs, "copy_gbs")
    return [(r.machine_class, r.matmul_gflops_fp32_low <= matmul_gflops <= r.matmul_gflops_fp32_high,
             r.copy_gbs_low <= copy_gbs <= r.copy_gbs_high) for r in machine_classes()]
