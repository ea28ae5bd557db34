"""Browser: key press to changed figure, as recorded by the browser test in artefacts/browser/latency.jsonl.

``tests/test_browser.py`` appends one JSON line per notebook and run: ``{"notebook", "ms" (measured in the
page), "wall_ms" (measured by Playwright), "time"}``. This part only reads that file; it measures nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from .core import ROOT, check, fmt, summarize

LATENCY_FILE = ROOT / "artefacts" / "browser" / "latency.jsonl"
EXPLORER_FILE = ROOT / "artefacts" / "browser" / "explorer_latency.json"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def read_records(path: Path) -> tuple[list[dict], int]:
    """The JSON objects in a JSON-lines file, and how many lines could not be read."""
    records, bad = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(obj, dict):
            records.append(obj)
        else:
            bad += 1
    return records, bad


def summarize_records(records: list[dict]) -> list[dict]:
    """Per notebook: the latest run's numbers, and median and max over every recorded run."""
    by_name: dict[str, list[dict]] = {}
    for r in records:
        by_name.setdefault(str(r.get("notebook", r.get("name", "?"))), []).append(r)
    out = []
    for name, rs in sorted(by_name.items()):
        rs = sorted(rs, key=lambda r: str(r.get("time", "")))
        ms = [float(r["ms"]) for r in rs if isinstance(r.get("ms"), (int, float))]
        wall = [float(r["wall_ms"]) for r in rs if isinstance(r.get("wall_ms"), (int, float))]
        out.append({
            "notebook": name, "runs": len(rs), "latest_time": rs[-1].get("time"),
            "latest_ms": rs[-1].get("ms"), "latest_wall_ms": rs[-1].get("wall_ms"),
            "median_ms": summarize(ms)["median"] if ms else None, "max_ms": max(ms) if ms else None,
            "median_wall_ms": summarize(wall)["median"] if wall else None,
        })
    return out


def explorer_table(section: dict, path: Path = EXPLORER_FILE) -> None:
    """Per explorer: input event to painted change, from ``tests/test_browser_explorers.py``'s last run."""
    if not path.exists():
        section["notes"].append(f"No `{_shown(path)}`: the per-explorer browser test has not run.")
        return
    result = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for name, r in sorted(result.get("explorers", {}).items()):
        rows.append([name, r.get("control") or "–", r.get("presses", 0), fmt(r.get("median_ms"), "ms"),
                     fmt(r.get("p95_ms"), "ms"), fmt(r.get("max_ms"), "ms")])
        section["checks"].append(check("browser_median_ms", name, r.get("median_ms")))
        section["checks"].append(check("browser_p95_ms", name, r.get("p95_ms")))
    section["data"]["explorers"] = result
    section["tables"].append({
        "title": f"Per explorer: input event to painted change (run at {result.get('time', '?')})",
        "headers": ["explorer", "control", "changes", "median", "p95", "max"], "rows": rows})


def run(path: Path = LATENCY_FILE) -> dict:
    section = {"name": "browser", "title": "5. Browser: key press to changed figure", "status": "ok",
               "data": {"file": str(path)}, "checks": [], "tables": [], "notes": []}
    explorer_table(section)
    if not path.exists():
        section["status"] = "not available"
        section["notes"].append(f"No `{_shown(path)}`: run `make test` first (the browser test "
                                "writes it).")
        return section
    records, bad = read_records(path)
    summary = summarize_records(records)
    section["data"].update({"records": records, "unreadable_lines": bad, "summary": summary})
    section["tables"].append({
        "title": "",
        "headers": ["notebook", "latest (in page)", "latest (Playwright wall)", "runs recorded",
                    "median of runs", "max of runs", "latest run at"],
        "rows": [[s["notebook"], fmt(s["latest_ms"], "ms"), fmt(s["latest_wall_ms"], "ms"), s["runs"],
                  fmt(s["median_ms"], "ms"), fmt(s["max_ms"], "ms"), s["latest_time"] or "–"] for s in summary],
    })
    section["notes"].append(
        f"From `{_shown(path)}` (written by the browser test: ArrowRight on an explorer's slider "
        "until the figure has changed in Chromium). Not re-measured here; no budget."
        + (f" {bad} unreadable line(s) ignored." if bad else "")
    )
    return section
