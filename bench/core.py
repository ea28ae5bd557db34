"""Pure parts of the benchmark: statistics, budgets and checks, results and the Markdown report.

Nothing here starts a kernel or times anything, so ``tests/test_bench_harness.py`` can test it fast.

Exit rule: every missed budget is reported, but only a budget missed by more than ``FAIL_MARGIN`` (50 %)
fails ``make bench`` (so a noisy machine does not flap); with ``--strict`` every missed budget and target fails.

A *section* is what one part of the suite returns (a plain dict, stored as is in latest.json)::

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
ARTEFACTS = ROOT / "artefacts" / "bench"  # kernel logs (git-ignored)
RESULTS = ROOT / "benchmarks" / "results"  # latest.json and latest.md: the latest measurement, committed
FAIL_MARGIN = 0.5  # a budget missed by more than this fraction fails the run (without --strict)

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
    "latency_median_ms": Limit("<=", 40.0, "ms", BUDGET,
                               "median kernel time of one control change (model + sending the live figure's arrays)"),
    "latency_p95_ms": Limit("<=", 80.0, "ms", BUDGET, "95th percentile of the same"),
    "cpu_median_ms": Limit("<=", 15.0, "ms", BUDGET, "median kernel CPU time of one control change"),
    "browser_median_ms": Limit("<=", 100.0, "ms", BUDGET, "median input-to-painted-change time in Chromium"),
    "browser_p95_ms": Limit("<=", 200.0, "ms", BUDGET, "95th percentile of the same"),
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
        "beyond_margin": status == FAIL and beyond_margin(value, lim.op, lim.limit),
    }


def beyond_margin(value: float, op: str, limit: float, margin: float = FAIL_MARGIN) -> bool:
    """Whether ``value`` misses ``limit`` by more than ``margin``: above limit × 1.5 for a maximum, below
    limit / 1.5 for a minimum (for a speed ratio: 1.5 times too slow either way)."""
    if op == "<=":
        return value > limit * (1 + margin)
    return value < limit / (1 + margin)


def budget_misses(checks: Iterable[dict]) -> list[dict]:
    """Every missed budget, however small the miss: all are reported."""
    return [c for c in checks if c["status"] == FAIL and c["level"] == BUDGET]


def missed(checks: Iterable[dict], strict: bool = False) -> list[dict]:
    """Checks that fail the run: budgets missed by more than ``FAIL_MARGIN``; with ``strict`` every
    missed budget and every missed target."""
    if strict:
        return [c for c in checks if c["status"] == FAIL and c["level"] in {BUDGET, TARGET}]
    return [c for c in budget_misses(checks)
            if c.get("beyond_margin", beyond_margin(c["value"], c["op"], c["limit"]))]


def result_text(c: dict, strict: bool = False) -> str:
    """The result of a check as the tables show it: a budget missed within the margin is a *miss*."""
    if c["status"] != FAIL:
        return c["status"]
    if c["level"] == TARGET:
        return "FAIL (target)" if strict else "target missed"
    return "FAIL" if strict or c in missed([c]) else f"miss (within {FAIL_MARGIN:.0%})"


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


def checks_table(checks: Sequence[dict], strict: bool = False) -> str:
    rows = [
        [c["subject"], c["id"], fmt(c["value"], c["unit"]), f"{c['op']} {fmt(c['limit'], c['unit'])}",
         c["level"], result_text(c, strict) + (f" ({c['note']})" if c.get("note") else "")]
        for c in checks
    ]
    return markdown_table(["what", "check", "measured", "limit", "kind", "result"], rows)


def render_report(results: dict) -> str:
    """The readable report (Markdown) of a results dict as written to latest.json."""
    machine = results.get("machine", {})
    strict = results.get("strict", False)
    checks = all_checks(results.get("sections", []))
    bad = missed(checks, strict=strict)
    misses = budget_misses(checks)
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
    verdict = ("**BUDGET MISSED**" if bad else "**PART FAILED**" if errors
               else "**budgets met within the 50 % margin**" if misses else "**all budgets met**")
    out.append(
        f"{verdict}: {n_pass} of {len(checks)} checks pass, {len(misses)} budget(s) missed "
        f"({len(bad)} failing the run), {len(targets_missed)} target(s) missed, "
        f"{n_na} not available" + (f"; part(s) that failed to run: {', '.join(errors)}." if errors else ".")
    )
    rule = ("`--strict`: every missed budget or target fails the run." if strict else
            f"Exit rule: a budget missed by more than {FAIL_MARGIN:.0%} fails `make bench`; a smaller miss is "
            "reported only (`--strict` for the exact budgets).")
    out += ["", rule]
    shown = misses + [c for c in bad if c not in misses]
    if shown:
        out += ["", "Missed:"] + [
            f"- {c['subject']}: {c['id']} = {fmt(c['value'], c['unit'])}, limit {c['op']} "
            f"{fmt(c['limit'], c['unit'])}" + (" — **fails the run**" if c in bad else
                                               f" (within {FAIL_MARGIN:.0%}: reported only)")
            for c in shown
        ]
    headers, rows = summary_table(results)
    if rows:
        out += ["", "## Summary: budget, measured, result", "", markdown_table(headers, rows)]
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
    out += ["", "## All checks", "", checks_table(checks, strict) if checks else "(no checks)"]
    return "\n".join(out).rstrip() + "\n"


# ---- the compact summary (latest.md and the README) and every figure (latest.json) -------------

_RANK = ("pass", "n/a", "target missed", "FAIL (target)", f"miss (within {FAIL_MARGIN:.0%})", "FAIL")


def worst(checks: Sequence[dict], strict: bool = False) -> str:
    """The worst result of some checks (FAIL > miss > target missed > n/a > pass); "–" for none."""
    results = [result_text(c, strict) for c in checks]
    return max(results, key=lambda r: _RANK.index(r) if r in _RANK else len(_RANK)) if results else "–"


def _section(results: dict, name: str) -> dict | None:
    return next((s for s in results.get("sections", []) if s.get("name") == name), None)


def summary_table(results: dict) -> tuple[list[str], list[list[str]]]:
    """One row per notebook, the course, each explorer, conv2d, the FFT crossover, the import overhead and
    the browser key-press time: what the README's Performance section shows."""
    strict = results.get("strict", False)
    rows: list[list[str]] = []
    ex = _section(results, "execution")
    if ex and ex.get("data", {}).get("notebooks") is not None:
        for r in ex["data"]["notebooks"]:
            cs = [c for c in ex["checks"] if c["subject"] == r["notebook"]]
            rows.append([r["notebook"], "≤ 8 s, ≤ 1 GiB",
                         f"{fmt(r['run_s'], 's')}, {fmt(r['peak_rss_mib'], 'MiB')}"
                         + (f" ({r['error']})" if r.get("error") else ""), worst(cs, strict)])
        cs = [c for c in ex["checks"] if c["id"] == "course_s"]
        rows.append([f"whole course ({len(ex['data']['notebooks'])} notebooks)", "≤ 30 s",
                     fmt(ex["data"].get("course_s"), "s"), worst(cs, strict)])
    lat = _section(results, "latency")
    if lat and lat.get("data", {}).get("summaries") is not None:
        for s in lat["data"]["summaries"]:
            name = s["explorer"]
            cs = [c for c in lat["checks"] if c["subject"] == name or c["subject"].startswith(f"{name} · ")]
            rows.append([f"explorer {name}", "median ≤ 40 ms, p95 ≤ 80 ms; naive ≥ 2×",
                         f"{fmt(s['median_ms'], 'ms')} / {fmt(s['p95_ms'], 'ms')}; naive {fmt(s['ratio'], 'x')}",
                         worst(cs, strict)])
        for name in lat["data"].get("skipped", {}):
            rows.append([f"explorer {name}", "–", "skipped: its update measures the machine", "–"])
        for name, reason in lat["data"].get("failed", {}).items():
            rows.append([f"explorer {name}", "median ≤ 40 ms, p95 ≤ 80 ms", f"failed: {reason[:80]}", "n/a"])
    hs = _section(results, "helpers")
    if hs:
        by = {c["id"]: c for c in hs.get("checks", [])}
        if "conv2d_vs_scipy" in by:
            c = by["conv2d_vs_scipy"]
            rows.append(["conv2d direct / scipy convolve2d (512², 3×3)", "≤ 1.5× (target)",
                         fmt(c["value"], "x"), result_text(c, strict)])
        if "fft_speedup_largest_k" in by:
            c = by["fft_speedup_largest_k"]
            cross = hs.get("data", {}).get("crossover", {})
            rows.append(["FFT vs direct crossover (256²)", "FFT faster at k = 31 (target)",
                         f"FFT faster from k = {cross.get('fft_faster_from', '–')} (first at k = "
                         f"{cross.get('first_fft_faster', '–')}); {fmt(c['value'], 'x')} at k = 31",
                         result_text(c, strict)])
    st = _section(results, "startup")
    if st:
        for c in st.get("checks", []):
            rows.append(["`import helpers` over numpy + matplotlib", "≤ 0.3 s (target)", fmt(c["value"], "s"),
                         result_text(c, strict)])
    br = _section(results, "browser")
    if br:
        summary = br.get("data", {}).get("summary")
        if summary:
            for s in summary:
                rows.append([f"browser key press → changed figure ({s['notebook']})", "reported",
                             f"{fmt(s['latest_ms'], 'ms')} latest, {fmt(s['median_ms'], 'ms')} median of "
                             f"{s['runs']} runs", "–"])
        else:
            rows.append(["browser key press → changed figure", "reported", "not available", "–"])
    return ["what", "budget", "measured", "result"], rows


def _figure(section: str, subject: str, figure: str, unit: str, values) -> dict:
    out = {"section": section, "subject": subject, "figure": figure, "unit": unit}
    if isinstance(values, (list, tuple)):
        values = [v for v in values if v is not None]
        if not values:
            return {**out, "n": 0}
        s = summarize(values)
        return {**out, "n": s["n"], "min": s["min"], "median": s["median"], "max": s["max"], "p95": s["p95"]}
    return {**out, "value": values}


def figures(results: dict) -> list[dict]:
    """Every figure of a run, flat: min, median, max (and p95) over its repeats where it has repeats, else
    its one value."""
    out: list[dict] = []
    ex = _section(results, "execution")
    if ex and "notebooks" in ex.get("data", {}):
        for r in ex["data"]["notebooks"]:
            for key, unit in (("run_s", "s"), ("peak_rss_mib", "MiB"), ("kernel_cpu_s", "s")):
                out.append(_figure("execution", r["notebook"], key, unit, r.get(key)))
        out.append(_figure("execution", "course", "course_s", "s", ex["data"].get("course_s")))
    lat = _section(results, "latency")
    if lat and "explorers" in lat.get("data", {}):
        for m in lat["data"]["explorers"]:
            for key, times in m.get("times_ms", {}).items():
                subject = f"{m['explorer']} · {key}"
                out.append(_figure("latency", subject, "change_ms", "ms", times))
                out.append(_figure("latency", subject, "update_ms", "ms", m.get("update_ms", {}).get(key, [])))
                out.append(_figure("latency", subject, "cpu_ms", "ms", m.get("cpu_ms", {}).get(key, [])))
                client = m.get("client", {}).get(key, {})
                out.append(_figure("latency", subject, "round_trip_ms", "ms", client.get("round_trip_ms", [])))
            out.append(_figure("latency", m["explorer"], "naive_ms", "ms", m.get("naive_ms", [])))
        for s in lat["data"].get("summaries", []):
            out.append(_figure("latency", s["explorer"], "naive_ratio", "x", s.get("ratio")))
    hs = _section(results, "helpers")
    if hs and "conv2d" in hs.get("data", {}):
        conv = hs["data"]["conv2d"]
        out.append(_figure("helpers", "conv2d direct 512²/3²", "conv2d_s", "s", conv.get("conv2d_s", [])))
        out.append(_figure("helpers", "scipy convolve2d 512²/3²", "scipy_s", "s", conv.get("scipy_s", [])))
        out.append(_figure("helpers", "conv2d / scipy", "ratio_of_medians", "x", conv.get("ratio")))
        cross = hs["data"].get("crossover", {})
        for k, d, f in zip(cross.get("kernel_sizes", []), cross.get("direct_s", []), cross.get("fft_s", [])):
            out.append(_figure("helpers", f"256², k={k}", "direct_median_s", "s", d))
            out.append(_figure("helpers", f"256², k={k}", "fft_median_s", "s", f))
    st = _section(results, "startup")
    if st and "times_s" in st.get("data", {}):
        for code, times in st["data"]["times_s"].items():
            out.append(_figure("startup", f"python -c {code!r}", "seconds", "s", times))
        out.append(_figure("startup", "import helpers", "import_extra_s", "s", st["data"].get("import_extra_s")))
    br = _section(results, "browser")
    if br and br.get("data", {}).get("records"):
        by: dict[str, list[float]] = {}
        for r in br["data"]["records"]:
            by.setdefault(r.get("notebook", "?"), []).append(r.get("ms"))
        for nb, ms in by.items():
            out.append(_figure("browser", nb, "key_press_ms", "ms", ms))
    return out


# ---- context ------------------------------------------------------------------------------------

PACKAGES = ("numpy", "scipy", "matplotlib", "ipywidgets", "bqplot", "ipykernel", "jupyter_client",
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
