"""``make bench``: measure the course on this machine and compare with its budgets.

Writes artefacts/bench/results.json (machine, every measurement, limits, pass/fail) and
artefacts/bench/report.md (also printed). Exits 1 when a budget is missed or a part could not run,
0 otherwise; missed *targets* are reported and fail the run only with ``--strict``.

    python bench/run.py                    # everything but the fresh set-up (about 2 minutes)
    python bench/run.py --setup            # also time a fresh pip install of the test environment
    python bench/run.py --only latency --changes 10
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable as the package root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import browser, core, execution, helpers_speed, latency, startup  # noqa: E402

PARTS = ("execution", "latency", "helpers", "startup", "browser")
TITLES = {"execution": "1. Notebook execution", "latency": "2. Widget latency", "helpers": "3. Helpers",
          "startup": "4. Start-up", "browser": "5. Browser"}


def _jsonable(obj):
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return repr(obj)


def run_part(name: str, args: argparse.Namespace) -> dict:
    if name == "execution":
        return execution.run()
    if name == "latency":
        return latency.run(args.explorer or None, changes=args.changes)
    if name == "helpers":
        return helpers_speed.run()
    if name == "startup":
        return startup.run(setup=args.setup)
    if name == "browser":
        return browser.run()
    raise ValueError(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable)")
    parser.add_argument("--explorer", action="append", help="latency: only this explorer (repeatable)")
    parser.add_argument("--changes", type=int, default=latency.CHANGES, help="latency: timed changes per control")
    parser.add_argument("--setup", action="store_true", help="also time a fresh set-up (or BENCH_SETUP=1)")
    parser.add_argument("--strict", action="store_true", help="missed targets fail the run too")
    parser.add_argument("--out", type=Path, default=core.ARTEFACTS, help="folder for results.json and report.md")
    args = parser.parse_args(argv)
    if args.changes < 30 and not args.only and not args.explorer:
        print(f"note: --changes {args.changes} is below the 30 changes a full run uses", file=sys.stderr)

    os.environ.setdefault("PYTHONHASHSEED", "0")
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    machine = core.machine_info()
    sections = []
    for name in [p for p in PARTS if p in (args.only or PARTS)]:
        print(f"[bench] {TITLES[name]}", flush=True)
        t = time.perf_counter()
        try:
            section = run_part(name, args)
        except Exception as err:  # a broken part is reported; it fails the run but not the others
            section = {"name": name, "title": TITLES[name], "status": "error",
                       "data": {"traceback": traceback.format_exc()}, "checks": [], "tables": [],
                       "notes": [f"The part crashed: `{type(err).__name__}: {err}` (traceback in results.json)."]}
        section["seconds"] = time.perf_counter() - t
        print(f"[bench]   done in {section['seconds']:.1f} s", flush=True)
        sections.append(section)

    checks = core.all_checks(sections)
    missed = core.missed(checks, strict=args.strict)
    errors = [s["name"] for s in sections if s["status"] == "error"]
    machine["load_average_1min_end"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    results = {
        "started": started.isoformat(timespec="seconds"),
        "duration_s": time.perf_counter() - t0,
        "machine": machine,
        "strict": args.strict,
        "limits": {k: vars(v) for k, v in core.LIMITS.items()},
        "sections": sections,
        "missed": missed,
        "errors": errors,
        "passed": not missed and not errors,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=_jsonable) + "\n")
    report = core.render_report(results)
    (args.out / "report.md").write_text(report)
    print()
    print(report)
    print(f"[bench] wrote {args.out / 'results.json'} and {args.out / 'report.md'}")
    for c in missed:
        print(f"[bench] MISSED {c['level']}: {c['subject']}: {c['id']} = {core.fmt(c['value'], c['unit'])} "
              f"(limit {c['op']} {core.fmt(c['limit'], c['unit'])})", file=sys.stderr)
    for name in errors:
        print(f"[bench] part {name!r} crashed: see the report", file=sys.stderr)
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
