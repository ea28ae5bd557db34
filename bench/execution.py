"""Execution: every notebook top to bottom in a fresh kernel (nbclient), wall time and peak memory.

Notebooks are copied to a temporary folder first; the stored ones are never written. Memory is the
resident set size (RSS) of the kernel process plus all its children, sampled every 20 ms by a thread.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

from .core import ARTEFACTS, ROOT, check, fmt

SAMPLE_S = 0.020


class PeakRSS(threading.Thread):
    """Samples the RSS of a process tree until stopped; the process may appear later (``pid_of``)."""

    def __init__(self, pid_of, interval_s: float = SAMPLE_S):
        super().__init__(daemon=True)
        self.pid_of = pid_of
        self.interval_s = interval_s
        self.peak_bytes = 0
        self.cpu_s = 0.0  # user + system CPU time of the process tree at the last sample
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        proc = None
        while not self._stop_event.is_set():
            if proc is None:
                pid = self.pid_of()
                proc = psutil.Process(pid) if pid else None
            if proc is not None:
                try:
                    total = proc.memory_info().rss
                    t = proc.cpu_times()
                    cpu = t.user + t.system + t.children_user + t.children_system
                    for child in proc.children(recursive=True):
                        try:
                            total += child.memory_info().rss
                            t = child.cpu_times()
                            cpu += t.user + t.system
                        except psutil.Error:
                            pass
                    self.peak_bytes = max(self.peak_bytes, total)
                    self.cpu_s = max(self.cpu_s, cpu)
                    self.samples += 1
                except psutil.Error:  # the kernel has exited
                    pass
            self._stop_event.wait(self.interval_s)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_bytes


def _kernel_pid(client: NotebookClient) -> int | None:
    km = client.km
    provisioner = getattr(km, "provisioner", None) if km is not None else None
    return getattr(provisioner, "pid", None)


def run_notebook(path: Path, timeout: int = 300, stderr=None) -> dict:
    """Execute a copy of ``path`` (its folder copied too) and measure it; the kernel's stderr goes to
    ``stderr`` (a file) if given."""
    with tempfile.TemporaryDirectory(prefix="bench-nb-") as tmp:
        work = Path(tmp) / path.parent.name
        shutil.copytree(path.parent, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        nb = nbformat.read(work / path.name, as_version=4)
        marks: dict[str, float] = {}
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
            resources={"metadata": {"path": str(work)}},
            on_notebook_start=lambda **_: marks.setdefault("ready", time.perf_counter()),
            on_cell_executed=lambda **_: marks.__setitem__("last_cell", time.perf_counter()),
        )
        sampler = PeakRSS(lambda: _kernel_pid(client))
        sampler.start()
        start = time.perf_counter()
        error = None
        try:
            client.execute(cwd=str(work), **({"stderr": stderr} if stderr is not None else {}))
        except Exception as err:  # a failing notebook is a result, not a crash of the suite
            error = f"{type(err).__name__}: {str(err).strip().splitlines()[-1] if str(err).strip() else ''}"
        end = time.perf_counter()
        peak = sampler.stop()
    done = marks.get("last_cell", end)
    return {
        "notebook": path.name,
        "run_s": done - start,  # fresh kernel start to last cell done: what the budget limits
        "kernel_start_s": marks.get("ready", start) - start,
        "cells_s": done - marks.get("ready", start),
        "total_s": end - start,  # including kernel shut-down
        "peak_rss_mib": peak / 2**20,
        "kernel_cpu_s": sampler.cpu_s,  # CPU time of the kernel tree: wall time minus waiting for the cores
        "rss_samples": sampler.samples,
        "code_cells": sum(c.cell_type == "code" for c in nb.cells),
        "error": error,
    }


def run(notebooks: list[Path] | None = None) -> dict:
    paths = notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    results = []
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTEFACTS / "kernels.log", "a", encoding="utf-8") as log:
        for path in paths:
            print(f"  executing {path.name} ...", flush=True)
            log.write(f"--- execution {path.name} {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            log.flush()
            results.append(run_notebook(path, stderr=log))
    course_s = sum(r["run_s"] for r in results)
    checks = []
    for r in results:
        note = "notebook raised an error" if r["error"] else ""
        checks.append(check("notebook_s", r["notebook"], None if r["error"] else r["run_s"], note))
        checks.append(check("notebook_rss_mib", r["notebook"], r["peak_rss_mib"] or None))
    checks.append(check("course_s", f"all {len(results)} notebooks", course_s if results else None))
    rows = [
        [r["notebook"], fmt(r["run_s"], "s"), fmt(r["kernel_start_s"], "s"), fmt(r["cells_s"], "s"),
         fmt(r["total_s"], "s"), fmt(r["kernel_cpu_s"], "s"), fmt(r["peak_rss_mib"], "MiB"), r["code_cells"],
         r["error"] or "ok"]
        for r in results
    ]
    peak = max((r["peak_rss_mib"] for r in results), default=None)
    rows.append(["**course**", fmt(course_s, "s"), "", "", fmt(sum(r["total_s"] for r in results), "s"),
                 fmt(sum(r["kernel_cpu_s"] for r in results), "s"), fmt(peak, "MiB"), "", ""])
    return {
        "name": "execution",
        "title": "1. Notebook execution (fresh kernel each, nbclient)",
        "status": "ok",
        "data": {"notebooks": results, "course_s": course_s, "sample_interval_s": SAMPLE_S},
        "checks": checks,
        "tables": [{
            "title": "",
            "headers": ["notebook", "run (budget)", "kernel start", "cells", "incl. shut-down",
                        "kernel CPU", "peak RSS", "code cells", "status"],
            "rows": rows,
        }],
        "notes": [
            "*run* = from starting a fresh kernel to the end of the last cell (budget 8 s each, 30 s for the "
            "course); peak RSS = kernel process plus children, sampled every 20 ms (budget 1 GiB). *Kernel CPU* = "
            "CPU time of the kernel and its children: far below *run* when other work competed for the "
            "cores. Each notebook runs from a temporary copy of `notebooks/`."
        ],
    }
