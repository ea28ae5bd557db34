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
