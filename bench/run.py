"""``make bench``: measure the course on this machine and compare with its budgets.

Writes benchmarks/results/latest.json (machine, package versions, every figure with min/median/max over
its repeats, every check) and benchmarks/results/latest.md (a table with budget, measured, result; also
printed). Both are committed: they are the latest measurement. ``--out`` writes them elsewhere.

Exit rule: every missed budget is printed, but the run exits 1 only when a budget is missed by more than
50 % (median 61 ms against 40 ms fails, 55 ms is a reported miss) or a part could not run, so a noisy
machine does not flap. With ``--strict`` every missed budget and every missed *target* fails the run.

    python bench/run.py                    # everything but the fresh set-up (about 10 minutes)
    python bench/run.py --setup            # also time a fresh pip install of the test environment
    python bench/run.py --only latency --changes 10
    python bench/run.py --only execution --notebook 00_start_here.ipynb --out /tmp/bench
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

from bench import browser, core, execution, helpers_speed, latency, mpi, startup  # noqa: E402

PARTS = ("execution", "latency", "helpers", "startup", "browser", "mpi")
TITLES = {"execution": "1. Notebook execution", "latency": "2. Widget latency", "helpers": "3. Helpers",
          "startup": "4. Start-up", "browser": "5. Browser", "mpi": "6. MPI all-reduce vs the alpha-beta model"}


def _jsonable(obj):
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return repr(obj)


def notebook_path(name: str) -> Path:
    """A notebook given as a path or as a file name in notebooks/."""
    path = Path(name)
    if not path.exists():
        path = core.ROOT / "notebooks" / path.name
    if not path.exists():
        raise SystemExit(f"no notebook {name!r}")
    return path.resolve()


def run_part(name: str, args: argparse.Namespace) -> dict:
    if name == "execution":
        return execution.run([notebook_path(n) for n in args.notebook] if args.notebook else None)
    if name == "latency":
        return latency.run(args.explorer or None, changes=args.changes)
    if name == "helpers":
        return helpers_speed.run()
    if name == "startup":
        return startup.run(setup=args.setup)
    if name == "browser":
        return browser.run()
    if name == "mpi":
        return mpi.run()
    raise ValueError(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable)")
    parser.add_argument("--notebook", action="append", help="execution: only this notebook (repeatable)")
    parser.add_argument("--explorer", action="append", help="latency: only this explorer (repeatable)")
    parser.add_argument("--changes", type=int, default=latency.CHANGES, help="latency: timed changes per control")
    parser.add_argument("--setup", action="store_true", help="also time a fresh set-up (or BENCH_SETUP=1)")
    parser.add_argument("--strict", action="store_true",
                        help="exact limits: every missed budget and every missed target fails the run")
    parser.add_argument("--out", type=Path, default=core.RESULTS, help="folder for latest.json and latest.md")
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
                       "notes": [f"The part crashed: `{type(err).__name__}: {err}` (traceback in latest.json)."]}
        section["seconds"] = time.perf_counter() - t
        print(f"[bench]   done in {section['seconds']:.1f} s", flush=True)
        sections.append(section)

    machine["load_average_1min_end"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    results = {
        "started": started.isoformat(timespec="seconds"),
        "duration_s": time.perf_counter() - t0,
        "machine": machine,
        "strict": args.strict,
        "changes_per_control": args.changes,
        "limits": {k: vars(v) for k, v in core.LIMITS.items()},
        "sections": sections,
    }
    finish(results)
    write_outputs(results, args.out)
    print()
    print(core.render_report(results))
    print(f"[bench] wrote {args.out / 'latest.json'} and {args.out / 'latest.md'}")
    print_misses(results)
    return 0 if results["passed"] else 1


def finish(results: dict) -> dict:
    """Add the verdict and the derived views (summary table, flat figures) to a results dict."""
    checks = core.all_checks(results["sections"])
    results["fail_margin"] = core.FAIL_MARGIN
    results["budget_misses"] = core.budget_misses(checks)
    results["missed"] = core.missed(checks, strict=results.get("strict", False))  # these fail the run
    results["errors"] = [s["name"] for s in results["sections"] if s["status"] == "error"]
    results["passed"] = not results["missed"] and not results["errors"]
    headers, rows = core.summary_table(results)
    results["summary"] = {"headers": headers, "rows": rows}
    results["figures"] = core.figures(results)
    return results


def write_outputs(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1, default=_jsonable) + "\n")
    (out / "latest.md").write_text(core.render_report(results))


def print_misses(results: dict) -> None:
    """Each missed budget (and, with --strict, target) on stderr: whether it fails the run or not."""
    failing = results["missed"]
    for c in results["budget_misses"] + [c for c in failing if c not in results["budget_misses"]]:
        verdict = "FAILS the run" if c in failing else f"within {core.FAIL_MARGIN:.0%}: reported, not failing"
        print(f"[bench] MISSED {c['level']}: {c['subject']}: {c['id']} = {core.fmt(c['value'], c['unit'])} "
              f"(limit {c['op']} {core.fmt(c['limit'], c['unit'])}) — {verdict}", file=sys.stderr)
    for name in results["errors"]:
        print(f"[bench] part {name!r} crashed: see the report", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
