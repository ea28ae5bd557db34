"""Every data table is plausible, sourced and dated; the environment's packages agree with each other.

The loader (helpers/data.py) already refuses blank sources and dates, malformed ``as_of`` values and duplicate
keys. ``problems()`` adds what a loader cannot know about units and time:

* a column whose name ends in a unit (``memory_gb``, ``tdp_w``, ``latency_us``, ``flops``; a trailing
  qualifier such as ``_dense`` or ``_low`` is allowed: ``fp16_tensor_tflops_dense``, ``read_mbs_low``) holds
  positive numbers wherever it is filled;
* ``year`` columns lie between 1900 and 2030, ``month`` columns between 1 and 12, and no ``as_of`` or ``date``
  lies in the future;
* ``low <= value <= high`` wherever a table gives a range (``low``/``high``, ``x_low``/``x_high``);
* every row has a real source (not "TODO", "?", "unknown") and a date, and no key repeats.

Each rule is also shown to fail on a deliberately broken copy of a shipped table.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import subprocess
import sys

import pytest

from helpers.data import DATA_DIR, DataTableError, Table, load_table, parse_table, table_names

UNITS = {"gb", "gbs", "mb", "mbs", "kb", "tb", "bytes", "w", "kw", "kwh", "usd", "eur", "flops", "flop",
         "tflops", "gflops", "pflops", "tops", "s", "ms", "us", "ns", "count", "hz", "mhz", "ghz", "j"}
QUALIFIERS = {"dense", "sparse", "low", "high", "min", "max", "typical", "peak", "mean", "median"}
YEARS = (1900, 2030)
PLACEHOLDER_SOURCES = re.compile(r"^\s*(todo|tbd|\?+|unknown|n/?a|none|source|citation needed|xxx)\s*$", re.I)
DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def unit_of(column: str) -> str | None:
    """The unit a column name ends in (before an optional qualifier), e.g. tflops for fp16_tensor_tflops_dense."""
    parts = column.lower().split("_")
    while len(parts) > 1 and parts[-1] in QUALIFIERS:
        parts.pop()
    return parts[-1] if parts[-1] in UNITS else None


def earliest_day(text: str) -> datetime.date | None:
    """The first day a YYYY, YYYY-MM or YYYY-MM-DD date can mean (None if it is not one)."""
    match = DATE.match(str(text))
    if not match:
        return None
    year, month, day = (int(g) if g else 1 for g in match.groups())
    return datetime.date(year, month, day)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def problems(table: Table, today: datetime.date | None = None) -> list[str]:
    """Every breach of the rules above in one loaded table, as 'table, row, column: what' lines."""
    today = today or datetime.date.today()
    found = []
    seen: dict[tuple, int] = {}
    for i, row in enumerate(table.rows, start=1):
        values = row._asdict()
        where = f"{table.name}, row {i}"
        for column, value in values.items():
            if value is None:
                continue
            if unit_of(column) and not (_is_number(value) and value > 0):
                found.append(f"{where}, {column}: {value!r} is not a positive number ({unit_of(column)})")
            if column == "year" or column.endswith("_year"):
                if not (_is_number(value) and YEARS[0] <= value <= YEARS[1]):
                    found.append(f"{where}, {column}: {value!r} is not a year from {YEARS[0]} to {YEARS[1]}")
            if column == "month" and not (_is_number(value) and 1 <= value <= 12):
                found.append(f"{where}, {column}: {value!r} is not a month")
            if column in ("as_of", "date") or column.endswith("_date"):
                day = earliest_day(value)
                if day is None and column == "as_of":
                    found.append(f"{where}, {column}: {value!r} is not a date")
                elif day is not None and not (datetime.date(YEARS[0], 1, 1) <= day <= today):
                    found.append(f"{where}, {column}: {value!r} is in the future or before {YEARS[0]}")
        source = values.get("source")
        if not source or PLACEHOLDER_SOURCES.match(str(source)):
            found.append(f"{where}: no real source ({source!r})")
        for low, high, middle in _ranges(table.columns):
            lo, hi, mid = values[low], values[high], values.get(middle) if middle else None
            mid = mid if _is_number(mid) else lo
            if _is_number(lo) and _is_number(hi) and not (lo <= mid <= hi and lo <= hi):
                found.append(f"{where}: range {low}={lo} .. {high}={hi} does not hold {middle}={mid}")
        key = tuple(values[k] for k in table.key)
        if key in seen:
            found.append(f"{where}: key {key} repeats row {seen[key]}")
        seen.setdefault(key, i)
    return found


def _ranges(columns: tuple[str, ...]) -> list[tuple[str, str, str | None]]:
    pairs = []
    if "low" in columns and "high" in columns:
        pairs.append(("low", "high", "value" if "value" in columns else None))
    for column in columns:
        if column.endswith("_low") and column[:-4] + "_high" in columns:
            middle = column[:-4] if column[:-4] in columns else None
            pairs.append((column, column[:-4] + "_high", middle))
    return pairs


@pytest.mark.parametrize("name", table_names())
def test_every_table_is_plausible_sourced_and_dated(name):
    table = load_table(name)
    assert not problems(table), "\n".join(problems(table))


def test_unit_columns_are_recognised():
    assert [unit_of(c) for c in ("memory_gb", "fp16_tensor_tflops_dense", "read_mbs_low", "tdp_w", "flops",
                                 "launch_price_usd", "latency_us", "out_channels", "load_percent", "name")] == [
        "gb", "tflops", "mbs", "w", "flops", "usd", "us", None, None, None]


# ---- deliberately broken copies ------------------------------------------------------------------------

def broken(name: str, column: str, value: str, row: int = 0) -> str:
    """The CSV text of a shipped table with one cell of its ``row``-th data row replaced."""
    lines = (DATA_DIR / f"{name}.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    comments = [line for line in lines if line.startswith("#")]
    body = list(csv.reader(line for line in lines if not line.startswith("#") and line.strip()))
    header, rows = body[0], body[1:]
    rows[row][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return "".join(comments) + out.getvalue()


def tomorrow() -> str:
    return (datetime.date.today() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("name, column, value, expected", [
    ("gpus", "memory_gb", "-24", "not a positive number"),
    ("gpus", "tdp_w", "0", "not a positive number"),
    ("gpus", "memory_bandwidth_gbs", "fast", "not a positive number"),
    ("gpus", "year", "1850", "not a year"),
    ("gpus", "as_of", tomorrow(), "in the future"),
    ("gpus", "as_of", str(datetime.date.today().year + 1), "in the future"),
    ("gpus", "source", "TODO", "no real source"),
    ("top500", "month", "13", "not a month"),
    ("brain_assumptions", "low", "1e30", "range"),
    ("storage", "read_mbs_low", "1e9", "range"),
])
def test_a_broken_copy_is_caught(name, column, value, expected):
    assert not problems(load_table(name))
    assert any(expected in p for p in problems(parse_table(broken(name, column, value), f"{name}.csv")))


@pytest.mark.parametrize("column, value", [("source", ""), ("as_of", ""), ("as_of", "soon")])
def test_a_copy_without_source_or_date_is_refused_by_the_loader(column, value):
    with pytest.raises(DataTableError, match=column):
        parse_table(broken("gpus", column, value), "gpus.csv")


def test_a_copy_with_a_repeated_key_is_refused():
    name = load_table("gpus").rows[0].name
    with pytest.raises(DataTableError, match="duplicate key"):
        parse_table(broken("gpus", "name", name, row=1), "gpus.csv")
    table = load_table("gpus")
    doubled = Table(table.name, table.columns, table.key, table.rows + table.rows[:1])
    assert any("repeats row 1" in p for p in problems(doubled))


# ---- the environment ---------------------------------------------------------------------------------------

def test_pip_check_finds_no_broken_requirements():
    out = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
