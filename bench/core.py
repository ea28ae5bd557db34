"""Pure parts of the benchmark: statistics, budgets and checks, results and the Markdown report.

Nothing here starts a kernel or times anything, so ``tests/test_bench_harness.py`` can test it fast.

A *section* is what one part of the suite returns (a plain dict, stored as is in results.json)::

    {"name": "execution", "title": "...", "status": "ok" | "not available" | "error",
     "data": {...raw measurements...}, "checks": [check, ...],
     "tables": [{"title": ..., "headers": [...], "rows": [[...], ...]}], "notes": ["...", ...]}
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "artefacts" / "bench"

PASS, FAIL, NOT_AVAILABLE = "pass", "FAIL", "n/a"
BUSY_LOAD = 0.75  # 1-minute load average at the start above which other work distorts the timings
BUDGET, TARGET = "budget", "target"


@dataclass(frozen=True)
class Limit:
    """One limit of the suite: ``value op limit`` must hold. A missed *budget* fails ``make bench``;
    a missed *target* is reported (and fails only with ``--strict``)."""

    op: str  # "<=" or ">="
    limit: float
    unit: str
    level: str
    meaning: str


LIMITS: dict[str, Limit] = {
    "notebook_s": Limit("<=", 8.0, "s", BUDGET, "a notebook, from starting a fresh kernel to its last cell"),
    "notebook_rss_mib": Limit("<=", 1024.0, "MiB", BUDGET, "peak RSS of a notebook's kernel and its children"),
    "course_s": Limit("<=", 30.0, "s", BUDGET, "every notebook, one after another"),
    "latency_median_ms": Limit("<=", 40.0, "ms", BUDGET, "median time of one control change incl. ipympl draw"),
    "latency_p95_ms": Limit("<=", 80.0, "ms", BUDGET, "95th percentile of the same"),
    "naive_ratio": Limit(">=", 2.0, "x", TARGET, "naive rebuild median / explorer median"),
    "conv2d_vs_scipy": Limit("<=", 1.5, "x", TARGET, "conv2d(direct) time / scipy.signal.convolve2d time"),
    "fft_speedup_largest_k": Limit(">=", 1.0, "x", TARGET, "direct time / fft time at the largest kernel"),
    "import_extra_s": Limit("<=", 0.3, "s", TARGET, "`import helpers` minus `import numpy, matplotlib`"),
}


# ---- statistics ---------------------------------------------------------------------------------

def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between order statistics (numpy's default)."""
    data = sorted(float(v) for v in values)
    if not data:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be between 0 and 100, got {q}")
    pos = (len(data) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def median(values: Iterable[float]) -> float:
    return percentile(values, 50)


def summarize(values: Sequence[float]) -> dict[str, float | int]:
    """n, median, p95, min, max and mean of some timings (any unit)."""
    if not values:
        raise ValueError("summary of no values")
    return {
        "n": len(values),
        "median": median(values),
        "p95": percentile(values, 95),
        "min": min(values),
        "max": max(values),
        "mean": sum(values) / len(values),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


# ---- checks -------------------------------------------------------------------------------------

def check(limit_id: str, subject: str, value: float | None, note: str = "") -> dict[str, Any]:
    """Compare a measured value with the limit ``limit_id``; ``None`` means it could not be measured."""
    lim = LIMITS[limit_id]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        status = NOT_AVAILABLE
    elif lim.op == "<=":
        status = PASS if value <= lim.limit else FAIL
    elif lim.op == ">=":
        status = PASS if value >= lim.limit else FAIL
    else:
        raise ValueError(f"unknown comparison {lim.op!r} for {limit_id}")
    return {
        "id": limit_id, "subject": subject, "value": value, "op": lim.op, "limit": lim.limit,
        "unit": lim.unit, "level": lim.level, "status": status, "note": note,
    }


def missed(checks: Iterable[dict], strict: bool = False) -> list[dict]:
    """Checks that fail the run: missed budgets, and with ``strict`` also missed targets."""
    levels = {BUDGET, TARGET} if strict else {BUDGET}
    return [c for c in checks if c["status"] == FAIL and c["level"] in levels]


def all_checks(sections: Iterable[dict]) -> list[dict]:
    return [c for s in sections for c in s.get("checks", [])]


# ---- formatting ---------------------------------------------------------------------------------

def fmt(value: Any, unit: str = "", digits: int | None = None) -> str:
    """A number for a table: sensible digits for its size, unit appended; None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if digits is None:
        size = abs(value)
        digits = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.1 or size == 0 else 3
    text = f"{value:.{digits}f}"
    if unit == "x":
        return f"{text}×"
    return f"{text} {unit}" if unit else text


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub Markdown table; cells are converted with ``str`` and ``|`` is escaped."""
    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def checks_table(checks: Sequence[dict]) -> str:
    rows = [
        [c["subject"], c["id"], fmt(c["value"], c["unit"]), f"{c['op']} {fmt(c['limit'], c['unit'])}",
         c["level"], c["status"] + (f" ({c['note']})" if c.get("note") else "")]
        for c in checks
    ]
    return markdown_table(["what", "check", "measured", "limit", "kind", "result"], rows)


def render_report(results: dict) -> str:
    """The readable report (Markdown) of a results dict as written to results.json."""
    machine = results.get("machine", {})
    checks = all_checks(results.get("sections", []))
    bad = missed(checks, strict=results.get("strict", False))
    targets_missed = [c for c in checks if c["status"] == FAIL and c["level"] == TARGET]
    out = ["# make bench", ""]
    out.append(
        f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
        f"{fmt(machine.get('memory_gib'), 'GiB')} RAM, Python {machine.get('python', '?')}, "
        f"commit {machine.get('commit', '?')}{' (with uncommitted changes)' if machine.get('dirty') else ''}; "
        f"started {results.get('started', '?')}, took {fmt(results.get('duration_s'), 's')}."
    )
    load = (machine.get("load_average_1min"), machine.get("load_average_1min_end"))
    if all(x is not None for x in load):
        busy = load[0] >= BUSY_LOAD
        out.append(f"Load average (1 min) {load[0]:.2f} at the start, {load[1]:.2f} at the end (the end "
                   "includes the suite's own kernels)"
                   + (": **something else was running, timings are pessimistic**." if busy else "."))
    out.append("")
    n_pass = sum(c["status"] == PASS for c in checks)
    n_na = sum(c["status"] == NOT_AVAILABLE for c in checks)
    errors = results.get("errors", [])
    verdict = "**BUDGET MISSED**" if bad else "**PART FAILED**" if errors else "**all budgets met**"
    out.append(
        f"{verdict}: {n_pass} of {len(checks)} checks pass, {len(targets_missed)} target(s) missed, "
        f"{n_na} not available" + (f"; part(s) that failed to run: {', '.join(errors)}." if errors else ".")
    )
    if bad:
        out += ["", "Missed:"] + [
            f"- {c['subject']}: {c['id']} = {fmt(c['value'], c['unit'])}, limit {c['op']} "
            f"{fmt(c['limit'], c['unit'])}" for c in bad
        ]
    for section in results.get("sections", []):
        out += ["", f"## {section.get('title', section.get('name', '?'))}", ""]
        if section.get("status", "ok") != "ok":
            out += [f"**{section['status']}**", ""]
        for note in section.get("notes", []):
            out += [note, ""]
        for table in section.get("tables", []):
            if table.get("title"):
                out += [f"**{table['title']}**", ""]
            out += [markdown_table(table["headers"], table["rows"]), ""]
    out += ["", "## All checks", "", checks_table(checks) if checks else "(no checks)"]
    return "\n".join(out).rstrip() + "\n"


# ---- context ------------------------------------------------------------------------------------

PACKAGES = ("numpy", "scipy", "matplotlib", "ipywidgets", "ipympl", "ipykernel", "jupyter_client",
            "nbclient", "psutil")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info() -> dict[str, Any]:
    """Where the numbers come from: CPU, cores, memory, load, versions, commit."""
    import psutil

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": _cpu_model(),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": psutil.virtual_memory().total / 2**30,
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }
