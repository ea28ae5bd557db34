"""Start-up: import times in fresh interpreters, and (optional) a fresh set-up of the test environment.

Each import statement runs in a new ``python -c`` process (from ``notebooks/``, as a kernel would), the
statements interleaved round-robin so that drift in machine load affects all alike; the median of the
runs is reported. The budget compares ``import helpers`` with ``import numpy, matplotlib``.

The fresh set-up (``--setup`` or ``BENCH_SETUP=1``) creates a virtual environment in a temporary
folder and installs ``requirements-dev.txt`` with pip (using pip's cache as it is on this machine),
then the course package and the matplotlib font cache, as ``make venv`` does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

from .core import ROOT, check, fmt, median

RUNS = 5  # for the statements of the budget: bare python, the baseline, `import helpers`
OTHER_RUNS = 3  # for the informational ones: helpers.widgets and each explorer module
BASELINE = "import numpy, matplotlib"
HELPERS = "import helpers"


def statements() -> list[str]:
    """Every import statement measured: bare interpreter, baseline, helpers, widgets, each explorer module."""
    import pkgutil

    from helpers import explorers

    modules = sorted(m.name for m in pkgutil.iter_modules(explorers.__path__))
    explorer_imports = [f"import helpers.explorers.{m}" for m in modules]
    return ["pass", BASELINE, HELPERS, "import helpers.widgets", *explorer_imports]


def time_statement(code: str, python: str = sys.executable, cwd: str | os.PathLike = ROOT / "notebooks") -> float:
    start = time.perf_counter()
    proc = subprocess.run([python, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"`python -c {code!r}` failed: {proc.stderr.strip().splitlines()[-1:]}")
    return seconds


def import_times(codes: list[str], runs: int = RUNS,
                 runs_of: dict[str, int] | None = None) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Seconds of each statement in fresh processes (``runs`` each, or ``runs_of[code]``), and the
    statements that failed, with the error."""
    runs_of = runs_of or {}
    out: dict[str, list[float]] = {c: [] for c in codes}
    failed: dict[str, str] = {}
    for code in codes:  # one untimed round (page cache, .pyc files) for the statements timed most often
        try:
            if runs_of.get(code, runs) >= runs:
                time_statement(code)
        except RuntimeError as err:
            failed[code] = str(err)
    for i in range(max([runs, *runs_of.values()])):
        for code in codes:
            if code not in failed and i < runs_of.get(code, runs):
                try:
                    out[code].append(time_statement(code))
                except RuntimeError as err:
                    failed[code] = str(err)
                    out[code] = []
    return out, failed


def fresh_setup(python: str | None = None) -> dict:
    """Seconds to create a venv and install the pinned test environment into it (deleted afterwards)."""
    python = python or shutil.which("python3.11") or sys.executable
    steps: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-setup-") as tmp:
        venv_bin = os.path.join(tmp, "venv", "bin")
        pip = [os.path.join(venv_bin, "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        commands = {
            "venv": [python, "-m", "venv", os.path.join(tmp, "venv")],
            "pip install -r requirements-dev.txt": [*pip, "-r", str(ROOT / "requirements-dev.txt")],
            "pip install -e . (no deps)": [*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)],
            "matplotlib font cache": [os.path.join(venv_bin, "python"), "-c", "import matplotlib.pyplot"],
        }
        env = dict(os.environ, MPLCONFIGDIR=os.path.join(tmp, "mplconfig"))  # a fresh font cache
        for label, cmd in commands.items():
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=1800)
            steps[label] = time.perf_counter() - start
            if proc.returncode != 0:
                return {"steps_s": steps, "total_s": sum(steps.values()), "python": python,
                        "error": f"{label} failed: {(proc.stderr or proc.stdout).strip()[-500:]}"}
    return {"steps_s": steps, "total_s": sum(steps.values()), "python": python, "error": None}


def run(setup: bool = False, runs: int = RUNS) -> dict:
    codes = statements()
    informational = {c: OTHER_RUNS for c in codes if c not in ("pass", BASELINE, HELPERS)}
    times, failed = import_times(codes, runs, informational)
    med = {c: median(ts) for c, ts in times.items() if ts}
    bare, base = med.get("pass"), med.get(BASELINE)
    extra = med[HELPERS] - base if HELPERS in med and base is not None else None
    rows = []
    for c in codes:
        if c in failed:
            rows.append([f"`{c}`", 0, "failed", "", "", failed[c][:200]])
            continue
        rows.append([f"`{c}`", len(times[c]), fmt(med[c], "s"), fmt(min(times[c]), "s"),
                     fmt(med[c] - bare, "s") if bare is not None else "–",
                     "–" if c in ("pass", BASELINE) or base is None else fmt(med[c] - base, "s")])
    section = {
        "name": "startup",
        "title": "4. Start-up",
        "status": "ok",
        "data": {"runs": runs, "times_s": times, "median_s": med, "failed": failed, "import_extra_s": extra},
        "checks": [check("import_extra_s", "`import helpers` vs `import numpy, matplotlib`", extra)],
        "tables": [{
            "title": "`python -c …` in a fresh process (from `notebooks/`)",
            "headers": ["statement", "runs", "median", "best", "over bare python", "over numpy + matplotlib"],
            "rows": rows,
        }],
        "notes": [
            "Extra for `import helpers` = its median minus that of `import numpy, matplotlib` (target <= "
            "0.3 s). `helpers` itself imports nothing heavy, so this is normally negative; the explorer "
            "modules' extra shows what a notebook pays for widgets, pyplot and scipy on top."
        ],
    }
    if setup or os.environ.get("BENCH_SETUP") == "1":
        print("  fresh set-up of the test environment (pip) ...", flush=True)
        result = fresh_setup()
        section["data"]["setup"] = result
        section["tables"].append({
            "title": f"Fresh set-up of the test environment ({result['python']}, pip cache as on this machine)",
            "headers": ["step", "seconds"],
            "rows": [[k, fmt(v, "s")] for k, v in result["steps_s"].items()]
                    + [["**total**", fmt(result["total_s"], "s")]],
        })
        if result["error"]:
            section["notes"].append(f"Set-up failed: {result['error']}")
    else:
        section["notes"].append("Fresh set-up of the test environment: not measured (run `make bench "
                                "BENCH_SETUP=1` or `python bench/run.py --setup`).")
    return section
