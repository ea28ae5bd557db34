"""Display helpers for notebooks: boxes and lists rendered from the sourced data tables.

Prose in notebooks never types a spec number: boxes like "Since then" are rendered here from table rows,
each with its source and date.
"""

from __future__ import annotations

from IPython.display import Markdown

from .data import load_table, sources_markdown

BOX_TITLES = {"since": "Since then", "disputed": "Disputed"}


def _fact_line(row) -> str:
    value = ""
    if getattr(row, "value", None) is not None:
        value = f" Reported figure: **{row.value:g} {row.unit}**."
    confidence = f", confidence {row.confidence}" if getattr(row, "confidence", None) else ""
    return f"- ({row.year}) {row.statement}.{value} *Source: {row.source}, as of {row.as_of}{confidence}.*"


def fact_box(table: str, kind: str, intro: str = "", by_year: bool = False) -> Markdown:
    """A "Since then" or "Disputed" box listing the table's rows of that ``kind``, with sources; in the table's
    order, or oldest first with ``by_year`` (rows of one year keep the table's order)."""
    if kind not in BOX_TITLES:
        raise ValueError(f"kind must be one of {list(BOX_TITLES)}, got {kind!r}")
    if not isinstance(by_year, bool):
        raise ValueError(f"by_year must be True or False, got {by_year!r}")
    rows = [r for r in load_table(table) if r.kind == kind]
    if by_year:
        rows.sort(key=lambda r: int(r.year))
    lines = [f"> **{BOX_TITLES[kind]}.** {intro}".rstrip(), ">"] + [f"> {_fact_line(r)}" for r in rows]
    return Markdown("\n".join(lines))


def sources(*tables: str) -> Markdown:
    """The distinct sources (with dates) of every row of the named tables, as a Markdown list."""
    return Markdown(sources_markdown(*tables))


def markdown_table(header: list[str], rows: list[list]) -> Markdown:
    """A small Markdown table (numbers already formatted by the caller)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return Markdown("\n".join(lines))


def show_source(func) -> Markdown:
    """The source of a helper function as a Python code block, read from its module: the notebook shows the
    code it teaches without keeping a second copy (as the d2l book does)."""
    import inspect
    import textwrap

    if not callable(func):
        raise ValueError(f"func must be a function, got {func!r}")
    code = textwrap.dedent(inspect.getsource(func)).rstrip()
    where = f"{func.__module__}.{func.__qualname__}"
    return Markdown(f"*Source of `{where}`:*\n\n```python\n{code}\n```")


def show_job(job: str) -> Markdown:
    """The source of the MPI job ``helpers/jobs/<job>.py`` as a Python code block: the code a notebook teaches is
    the code that runs (one copy)."""
    from .mpirun import job_source

    return Markdown(f"`helpers/jobs/{job}.py`, run on every rank by `mpiexec`:\n\n```python\n{job_source(job)}```")


def sources_with_confidence(*tables: str) -> Markdown:
    """The distinct sources of the named tables, each with its date and the lowest confidence of the rows that
    cite it (rows without a confidence column count as high), as a Markdown list."""
    order = {"low": 0, "medium": 1, "high": 2}
    items: dict[str, tuple[str, str]] = {}
    for name in tables:
        for row in load_table(name):
            level = getattr(row, "confidence", None) or "high"
            date, seen = items.get(row.source, (row.as_of, "high"))
            items[row.source] = (date, min(seen, level, key=order.__getitem__))
    return Markdown("\n".join(f"- {src} (as of {date}; confidence {level})"
                              for src, (date, level) in sorted(items.items())))


def sources_by_work(*tables: str) -> Markdown:
    """Like ``sources_with_confidence``, but rows citing the same work are merged: the work is the source's text up
    to its first year when that is short ("Carlsmith 2020 (limit method)" and "Carlsmith 2020 summary (EA Forum)"
    are one entry), else the whole source.
    Each entry gives how many rows cite it, the span of their dates and how many rows have each confidence, so a
    work cited with mixed confidence shows it instead of appearing several times."""
    import re

    works: dict[str, dict] = {}
    for name in tables:
        for row in load_table(name):
            source = str(row.source)
            work_name = re.match(r"^(.{0,40}?\b(?:1[89]|20)\d{2})\b", source)  # e.g. "Carlsmith 2020"
            key = work_name.group(1) if work_name else source
            work = works.setdefault(key, {"rows": 0, "dates": set(), "levels": {}, "example": source})
            work["rows"] += 1
            work["dates"].add(str(row.as_of))
            level = getattr(row, "confidence", None) or "high"
            work["levels"][level] = work["levels"].get(level, 0) + 1
    lines = []
    for key, w in sorted(works.items()):
        dates = sorted(w["dates"])
        span = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
        levels = ", ".join(f"{lvl} {w['levels'][lvl]}" for lvl in ("high", "medium", "low") if lvl in w["levels"])
        if w["rows"] == 1:
            lines.append(f"- {w['example']} (as of {span}; confidence: {levels})")
        else:
            lines.append(f"- **{key}**: {w['rows']} rows, e.g. {w['example']} (as of {span}; confidence: {levels})")
    return Markdown("\n".join(lines))
