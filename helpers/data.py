"""Sourced, dated data tables: ``helpers/data/*.csv`` read into typed records.

Table format (plain CSV, no quoting needed):

* optional leading comment lines ``# text``; one of them may be ``# key: col_a, col_b`` naming the
  columns whose values identify a row (default: the first column);
* a header row, then one row per fact.

Every table must have the columns ``source`` and ``as_of`` (ISO date, or year-month / year) filled in on
every row. A ``confidence`` column, where present, must be ``high``, ``medium`` or ``low``.
Cells are typed per column: a column whose non-blank cells are all integers becomes ``int``, all
numbers ``float``, otherwise ``str``; a blank cell outside the required columns becomes ``None``.
"""

from __future__ import annotations

import csv
import re
from collections import namedtuple
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
REQUIRED_COLUMNS = ("source", "as_of")
CONFIDENCE_LEVELS = ("high", "medium", "low")
_AS_OF = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class DataTableError(ValueError):
    """A data table breaks the course's rules; the message names file, row and column."""


@dataclass(frozen=True)
class Table:
    """A loaded table: ``rows`` are namedtuples whose fields are the CSV columns."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    rows: tuple[Any, ...]
    comments: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def column(self, name: str) -> list:
        """All values of one column, in row order."""
        if name not in self.columns:
            raise KeyError(f"{self.name}: no column {name!r}; columns are {', '.join(self.columns)}")
        return [getattr(row, name) for row in self.rows]

    def where(self, **equal: Any) -> list:
        """Rows whose columns equal the given values, e.g. ``where(network="vgg16")``."""
        return [r for r in self.rows if all(getattr(r, k) == v for k, v in equal.items())]

    def get(self, *key: Any):
        """The one row with this key (values in the order of ``self.key``)."""
        for row in self.rows:
            if tuple(getattr(row, k) for k in self.key) == key:
                return row
        raise KeyError(f"{self.name}: no row with {dict(zip(self.key, key))}")


def _typed(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _column_type(cells: list[str]) -> type:
    filled = [c for c in cells if c != ""]
    if filled and all(isinstance(_typed(c), int) for c in filled):
        return int
    if filled and all(isinstance(_typed(c), (int, float)) for c in filled):
        return float
    return str


def _split_comments(lines: list[str]) -> tuple[list[str], list[str]]:
    comments = []
    for i, line in enumerate(lines):
        if line.startswith("#"):
            comments.append(line.lstrip("#").strip())
        elif line.strip():
            return comments, lines[i:]
    return comments, []


def _key_columns(comments: list[str], header: list[str], where: str) -> tuple[str, ...]:
    for text in comments:
        if text.lower().startswith("key:"):
            key = tuple(c.strip() for c in text.split(":", 1)[1].split(","))
            missing = [c for c in key if c not in header]
            if missing:
                raise DataTableError(f"{where}: key column(s) {missing} are not in the header")
            return key
    return (header[0],)


def parse_table(text: str, name: str = "<table>") -> Table:
    """Parse CSV text in the course's table format; raise ``DataTableError`` on any breach."""
    comments, body = _split_comments(text.splitlines())
    if not body:
        raise DataTableError(f"{name}: no header row")
    first_data_line = text.splitlines().index(body[0]) + 1  # 1-based file line of the header
    reader = list(csv.reader(body))
    header = [h.strip() for h in reader[0]]
    if len(set(header)) != len(header):
        raise DataTableError(f"{name}, line {first_data_line}: duplicate column names in {header}")
    for col in REQUIRED_COLUMNS:
        if col not in header:
            raise DataTableError(f"{name}: required column {col!r} is missing (header: {header})")
    key = _key_columns(comments, header, name)
    required = set(REQUIRED_COLUMNS) | set(key)
    raw_rows = []
    for offset, cells in enumerate(reader[1:], start=1):
        line = first_data_line + offset
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise DataTableError(
                f"{name}, line {line}: {len(cells)} cells but the header has {len(header)} columns"
            )
        cells = [c.strip() for c in cells]
        for col, cell in zip(header, cells):
            if col in required and cell == "":
                raise DataTableError(f"{name}, line {line}, column {col!r}: blank, but required")
        row = dict(zip(header, cells))
        if not _AS_OF.match(row["as_of"]):
            raise DataTableError(
                f"{name}, line {line}, column 'as_of': {row['as_of']!r} is not YYYY, YYYY-MM or YYYY-MM-DD"
            )
        if "confidence" in row and row["confidence"] not in CONFIDENCE_LEVELS:
            raise DataTableError(
                f"{name}, line {line}, column 'confidence': {row['confidence']!r} is not one of "
                f"{', '.join(CONFIDENCE_LEVELS)}"
            )
        raw_rows.append((line, row))
    if not raw_rows:
        raise DataTableError(f"{name}: the table has no rows")
    types = {col: _column_type([r[col] for _, r in raw_rows]) for col in header}
    for col in ("source", "as_of", "confidence"):
        types[col] = str
    record = namedtuple("Record", header, rename=True)
    rows, seen = [], {}
    for line, row in raw_rows:
        values = [None if row[c] == "" else types[c](row[c]) for c in header]
        rec = record(*values)
        k = tuple(row[c] for c in key)
        if k in seen:
            raise DataTableError(
                f"{name}, line {line}, column(s) {', '.join(key)}: "
                f"duplicate key {k} (first on line {seen[k]})"
            )
        seen[k] = line
        rows.append(rec)
    return Table(name, tuple(header), key, tuple(rows), tuple(comments))


@cache
def load_table(name: str) -> Table:
    """Load ``helpers/data/<name>.csv`` (cached; tables are read-only)."""
    path = DATA_DIR / f"{name}.csv"
    if not path.exists():
        known = ", ".join(table_names())
        raise FileNotFoundError(f"no data table {name!r} in {DATA_DIR}; known tables: {known}")
    return parse_table(path.read_text(encoding="utf-8"), path.name)


def table_names() -> list[str]:
    """Names of every table shipped in ``helpers/data``."""
    return sorted(p.stem for p in DATA_DIR.glob("*.csv"))


def sources_markdown(*names: str) -> str:
    """A Markdown list of the distinct sources (with dates) used by the named tables."""
    items: dict[str, str] = {}
    for name in names:
        for row in load_table(name):
            items.setdefault(row.source, row.as_of)
    lines = [f"- {src} (as of {date})" for src, date in sorted(items.items())]
    return "\n".join(lines)
