"""Widget latency: every registered explorer in a real ipykernel, driven by a headless frontend.

One kernel runs ``%matplotlib widget``; in it each explorer in turn is built and displayed
(``bench/latency_kernel.py``), measured, and closed with every widget and figure (after a failure the
next explorer gets a new kernel). Each control then gets ``WARMUP`` untimed and ``CHANGES`` timed value
changes, one execute request each, cycling through values derived from the widget type; the client
drains iopub after every change (and counts the bytes of figure images it receives). The kernel times
``control.value = v`` plus the browser's simulated draw request: the explorer's update, Agg rendering,
PNG diff encoding and the comm message (ipympl's draw round trip, simulated in the kernel). The client's round trip
(execute request to idle) is reported too.

Explorers whose update measures the machine (a callback defined in the factory reaches a timer such as
``perf_counter``, e.g. ``machine.matmul``) are skipped and listed: their latency is the measurement
itself. A measurement made once while the explorer is built, or through a cached function, does not
count: it is not repeated on a change.

The naive baseline, per explorer: close the figure, build the explorer anew at the changed value,
display it and draw it in full (a whole new figure per change, as an ``interact`` that re-plots).
"""

from __future__ import annotations

import inspect
import json
import re
import tempfile
import time
import types
from collections.abc import Callable

from .core import ARTEFACTS, ROOT, check, fmt, ratio, summarize

CHANGES = 30
WARMUP = 1  # after trying each value once (plan), which warms up every value too
NAIVE_CHANGES = 6
NAIVE_WARMUP = 1
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMERS = frozenset({"perf_counter", "perf_counter_ns", "process_time", "monotonic", "timeit", "default_timer"})


# ---- which explorers measure the machine -------------------------------------------------------

def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _chain_from(label: str, names: set[str], scope: dict, package: str, depth: int,
                seen: set) -> list[str] | None:
    hit = names & TIMERS
    if hit:
        return [label, sorted(hit)[0]]
    if depth == 0:
        return None
    candidates = []
    for name in sorted(names):
        obj = scope.get(name)
        if isinstance(obj, types.ModuleType):  # module.attribute, e.g. C.time_methods
            if obj.__name__.split(".")[0] == package:
                candidates += [getattr(obj, attr, None) for attr in sorted(names)]
        else:
            candidates.append(obj)
    for obj in candidates:
        if not callable(obj) or hasattr(obj, "cache_info"):  # a cached function measures once, not per change
            continue
        target = inspect.unwrap(obj)
        if isinstance(target, types.FunctionType) and target.__module__.split(".")[0] == package:
            chain = measurement_chain(target, package, depth - 1, seen)
            if chain:
                return [label, *chain]
    return None


def measurement_chain(func: Callable, package: str = "helpers", depth: int = 5,
                      _seen: set | None = None) -> list[str] | None:
    """The call path from ``func`` to a timer (``perf_counter`` ...) through functions of ``package``,
    or None if its code (nested functions included) never reaches one within ``depth`` calls."""
    seen = _seen if _seen is not None else set()
    func = inspect.unwrap(func)
    code = getattr(func, "__code__", None)
    if code is None or func in seen:
        return None
    seen.add(func)
    label = f"{func.__module__}.{func.__qualname__}"
    return _chain_from(label, _code_names(code), getattr(func, "__globals__", {}), package, depth, seen)


def update_measurement_chain(factory: Callable, package: str = "helpers", depth: int = 5) -> list[str] | None:
    """Like ``measurement_chain``, but only through the functions an explorer factory defines inside itself
    (its ``draw`` and other callbacks, which run on every change), not its own body, which runs once when
    the explorer is built (a measurement there is not part of a change)."""
    factory = inspect.unwrap(factory)
    code = getattr(factory, "__code__", None)
    if code is None:
        return None
    label = f"{factory.__module__}.{factory.__qualname__}"
    names = set()
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return _chain_from(f"{label}.<callbacks>", names, getattr(factory, "__globals__", {}), package, depth,
                       {factory})


# ---- the headless frontend ---------------------------------------------------------------------

class KernelError(RuntimeError):
    def __init__(self, message: str, traceback: str = ""):
        super().__init__(message)
        self.traceback = traceback


class Frontend:
    """A kernel and a client that executes code, drains iopub, and counts figure bytes."""

    def __init__(self, cwd: str, stderr):
        from jupyter_client import KernelManager

        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=cwd, stderr=stderr)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 120) -> dict:
        out = {"stdout": "", "image_bytes": 0, "images": 0, "error": None}

        def hook(msg):
            kind = msg["msg_type"]
            if kind == "stream" and msg["content"].get("name") == "stdout":
                out["stdout"] += msg["content"]["text"]
            elif kind == "error":
                out["error"] = f"{msg['content'].get('ename', 'Error')}: {msg['content'].get('evalue', '')}"
                out["traceback"] = ANSI.sub("", "\n".join(msg["content"].get("traceback", [])))
            elif kind == "comm_msg" and msg.get("buffers"):
                out["images"] += 1
                out["image_bytes"] += sum(len(memoryview(b)) for b in msg["buffers"])

        start = time.perf_counter()
        reply = self.kc.execute_interactive(code, store_history=False, timeout=timeout, output_hook=hook)
        out["round_trip_ms"] = (time.perf_counter() - start) * 1e3
        if reply["content"]["status"] != "ok":
            message = out["error"] or reply["content"].get("evalue", "kernel error")
            raise KernelError(message, out.get("traceback", ""))
        return out

    def json(self, code: str):
        text = self.run(code)["stdout"].strip().splitlines()
        return json.loads(text[-1])

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)  # a benchmark kernel: nothing to save, no need to wait


def start_frontend(cwd: str, stderr=None, prelude: str = "") -> Frontend:
    """A kernel with ``%matplotlib widget`` and the kernel side of the benchmark imported."""
    fe = Frontend(cwd, stderr)
    fe.run(f"%matplotlib widget\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n{prelude}\n"
           "from bench.latency_kernel import Session")
    return fe


def measure_explorer(fe: Frontend, name: str, changes: int = CHANGES, warmup: int = WARMUP,
                     naive_changes: int = NAIVE_CHANGES) -> dict:
    """Latency of every control of one explorer and of the naive rebuild; the explorer and every widget
    are closed afterwards, so the next explorer starts in a clean kernel state."""
    start = time.perf_counter()
    setup = fe.run(f"_bench = Session({name!r})")
    try:
        keys = fe.json("_bench.controls()")
        client = {}
        for key in keys:
            plan = fe.json(f"_bench.plan({key!r})")
            if plan["skipped"]:
                continue
            for i in range(warmup):
                fe.run(f"_bench.change({key!r}, {i}, record=False)")
            trips, sizes, images = [], [], []
            for i in range(warmup, warmup + changes):
                r = fe.run(f"_bench.change({key!r}, {i})")
                trips.append(r["round_trip_ms"])
                sizes.append(r["image_bytes"])
                images.append(r["images"])
            fe.run(f"_bench.reset({key!r})")
            client[key] = {"round_trip_ms": trips, "image_bytes": sizes, "images": images}
        measured = list(client)
        naive_trips = []
        for j in range(NAIVE_WARMUP + naive_changes if measured else 0):
            key = measured[j % len(measured)]
            r = fe.run(f"_bench.naive_change({key!r}, {j // len(measured)}, record={j >= NAIVE_WARMUP})")
            if j >= NAIVE_WARMUP:
                naive_trips.append(r["round_trip_ms"])
        kernel = fe.json("_bench.results()")
    finally:
        fe.run("_bench.close(); del _bench")
    return {
        "explorer": name, "seconds": time.perf_counter() - start, "build_ms": kernel["build_ms"],
        "setup_image_bytes": setup["image_bytes"], "controls": keys, "values": kernel["values"],
        "rejected_values": kernel["rejected"], "skipped_controls": kernel["skipped"],
        "times_ms": kernel["times_ms"], "update_ms": kernel["update_ms"], "cpu_ms": kernel["cpu_ms"],
        "client": client, "naive_ms": kernel["naive_ms"], "naive_round_trip_ms": naive_trips,
        "errors": kernel["errors"], "no_update": kernel["no_update"],
    }


def _median_of(values):
    return summarize(values)["median"] if values else None


def explorer_rows(m: dict) -> tuple[list[list], list[dict], dict]:
    """Table rows, checks and a summary for one measured explorer."""
    rows, checks = [], []
    pooled = [t for ts in m["times_ms"].values() for t in ts]
    for key in m["controls"]:
        if key in m["skipped_controls"]:
            rows.append([m["explorer"], key, *["–"] * 7, f"skipped: {m['skipped_controls'][key]}"])
            continue
        times = m["times_ms"].get(key, [])
        s = summarize(times)
        c = m["client"][key]
        errors = m["errors"].get(key, [])
        notes = []
        if errors:
            notes.append(f"{len(errors)} changes showed a message ({errors[0]})")
        if m.get("rejected_values", {}).get(key):
            unused = ", ".join(map(repr, m["rejected_values"][key]))
            notes.append(f"not used (the explorer shows a message): {unused}")
        if min(c["images"], default=0) == 0:
            notes.append(f"{c['images'].count(0)} changes sent no image")
        if m["no_update"].get(key):
            notes.append(f"{m['no_update'][key]} changes did not update")
        values = ", ".join(repr(v) for v in m["values"][key])
        rows.append([
            m["explorer"], key, s["n"], fmt(s["median"], "ms"), fmt(s["p95"], "ms"),
            fmt(_median_of(m["update_ms"].get(key, [])), "ms"), fmt(_median_of(m["cpu_ms"].get(key, [])), "ms"),
            fmt(_median_of(c["round_trip_ms"]), "ms"),
            fmt(_median_of(c["image_bytes"]) / 1e3, "kB"),
            f"values {values}" + ("; " + "; ".join(notes) if notes else ""),
        ])
        subject = f"{m['explorer']} · {key}"
        note = "invalid values: measured the error path" if errors else ""
        checks.append(check("latency_median_ms", subject, s["median"], note))
        checks.append(check("latency_p95_ms", subject, s["p95"], note))
    summary = {
        "explorer": m["explorer"],
        "median_ms": _median_of(pooled), "p95_ms": summarize(pooled)["p95"] if pooled else None,
        "naive_median_ms": _median_of(m["naive_ms"]),
        "naive_p95_ms": summarize(m["naive_ms"])["p95"] if m["naive_ms"] else None,
    }
    summary["ratio"] = ratio(summary["naive_median_ms"], summary["median_ms"])
    summary["budget"] = ("n/a" if not checks else
                         "pass" if all(c["status"] == "pass" for c in checks) else "FAIL")
    checks.append(check("naive_ratio", m["explorer"], summary["ratio"]))
    return rows, checks, summary


def run(names: list[str] | None = None, changes: int = CHANGES, prelude: str = "") -> dict:
    import matplotlib

    matplotlib.use("Agg")  # this process only lists explorers; figures live in the kernels
    from helpers.widgets import all_explorers

    registry = all_explorers()
    names = names or sorted(registry)
    skipped, measured, failed, tracebacks = {}, [], {}, {}
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    todo = []
    for name in names:
        chain = update_measurement_chain(registry[name]) if name in registry else None
        if chain:
            skipped[name] = " → ".join(chain)
            print(f"  {name}: skipped (measures the machine: {skipped[name]})", flush=True)
        else:
            todo.append(name)
    fe = None
    with open(ARTEFACTS / "kernels.log", "a", encoding="utf-8") as log, \
            tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        log.write(f"--- latency {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        log.flush()
        try:
            for name in todo:
                print(f"  {name} ...", flush=True)
                try:
                    fe = fe or start_frontend(tmp, log, prelude)
                    measured.append(measure_explorer(fe, name, changes=changes))
                except Exception as err:  # one broken explorer must not hide the others' numbers
                    failed[name] = f"{type(err).__name__}: {err}"
                    tracebacks[name] = getattr(err, "traceback", "")
                    print(f"    failed: {failed[name]}", flush=True)
                    if fe is not None:  # start the next explorer in a new kernel
                        fe.close()
                        fe = None
        finally:
            if fe is not None:
                fe.close()

    rows, checks, summaries = [], [], []
    for m in measured:
        r, c, s = explorer_rows(m)
        rows += r
        checks += c
        summaries.append(s)
    for name, reason in failed.items():
        checks.append(check("latency_median_ms", name, None, f"could not be measured: {reason[:200]}"))
    explorer_table = [
        [s["explorer"], fmt(s["median_ms"], "ms"), fmt(s["p95_ms"], "ms"), s["budget"],
         fmt(s["naive_median_ms"], "ms"), fmt(s["naive_p95_ms"], "ms"), fmt(s["ratio"], "x")]
        for s in summaries
    ]
    skip_rows = [[name, "all", f"its update measures the machine: {chain}"] for name, chain in skipped.items()]
    skip_rows += [[name, "all", f"failed: {reason}"] for name, reason in failed.items()]
    return {
        "name": "latency",
        "title": "2. Widget latency (real ipykernel, ipympl, headless frontend)",
        "status": "error" if failed else "ok" if measured or skipped else "not available",
        "data": {"explorers": measured, "summaries": summaries, "skipped": skipped, "failed": failed,
                 "tracebacks": tracebacks,
                 "changes_per_control": changes, "warmup": WARMUP, "naive_changes": NAIVE_CHANGES},
        "checks": checks,
        "tables": [
            {"title": "Per explorer (all its controls pooled) and the naive rebuild",
             "headers": ["explorer", "median", "p95", "every control within budget", "naive median",
                         "naive p95", "naive / explorer"],
             "rows": explorer_table},
            {"title": "Per control",
             "headers": ["explorer", "control", "changes", "median", "p95", "of which update (median)",
                         "CPU (median)", "round trip (median)",
                         "image per change", "notes"],
             "rows": rows},
            {"title": "Skipped or failed", "headers": ["explorer", "controls", "why"], "rows": skip_rows},
        ],
        "notes": [
            f"Each control: {WARMUP} warm-up and {changes} timed changes, cycling through the listed values "
            "(current, neighbour, ends of the range; every option; both states; same number written "
            "differently; a value the explorer answers with a message is dropped). Time = in the kernel, "
            "from `control.value = v` until the ipympl canvas has "
            "rendered and sent its image for the simulated browser draw request (budget: median 40 ms, p95 80 "
            "ms per control). *Of which update* is the part before the draw request (the explorer's own "
            "computation and `set_data`); the rest is matplotlib rendering the figure and ipympl encoding "
            "it. *CPU* is the kernel main thread's CPU time for the change: well below the median when "
            "other work competed for the cores. *Round trip* adds the client's execute request and the "
            "iopub drain. *Naive* = close the "
            "figure, build the explorer anew at the new value, display and draw it in full "
            f"({NAIVE_CHANGES} changes after {NAIVE_WARMUP} warm-up); target: the explorer at least 2× faster."
        ],
    }
