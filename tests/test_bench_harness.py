"""The pure parts of `make bench`: statistics, limits, report, widget values, crossover, browser records.

No kernels and no timing here: the suite itself runs only with `make bench`.
"""

import functools
import json
import sys
import time

import ipywidgets as W
import numpy as np
import pytest
from conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import browser, core, latency  # noqa: E402
from bench.helpers_speed import crossover  # noqa: E402
from bench.latency_kernel import candidate_values  # noqa: E402

# Per-change latencies (ms) as a run of the kernel explorer produced them, including two slow outliers.
TIMINGS = [41.2, 38.9, 40.3, 39.7, 44.8, 38.1, 97.5, 40.0, 39.2, 41.9, 38.6, 40.8, 126.3, 39.9, 40.1]
FAST = [38.9, 39.7, 38.1, 40.0, 39.2, 38.6, 39.9, 97.5, 41.2, 36.0]  # median 39.45 ms, p95 76 ms


@pytest.mark.parametrize("q", [0, 5, 25, 50, 90, 95, 99, 100])
def test_percentile_matches_numpy(q):
    assert core.percentile(TIMINGS, q) == pytest.approx(np.percentile(TIMINGS, q))


def test_percentile_edge_cases():
    assert core.percentile([7.0], 95) == 7.0
    assert core.median([3, 1, 2, 4]) == 2.5
    with pytest.raises(ValueError, match="no values"):
        core.percentile([], 50)
    with pytest.raises(ValueError, match="between 0 and 100"):
        core.percentile([1, 2], 101)


def test_summarize():
    s = core.summarize(TIMINGS)
    assert s["n"] == 15 and s["min"] == 38.1 and s["max"] == 126.3
    assert s["median"] == pytest.approx(40.1) and s["p95"] == pytest.approx(np.percentile(TIMINGS, 95))
    assert s["mean"] == pytest.approx(np.mean(TIMINGS))


def test_ratio():
    assert core.ratio(300.0, 100.0) == 3.0
    assert core.ratio(None, 1.0) is None and core.ratio(1.0, 0.0) is None


@pytest.mark.parametrize(
    "limit_id, value, status",
    [
        ("latency_median_ms", 39.9, core.PASS),
        ("latency_median_ms", 40.0, core.PASS),  # the limit itself is within budget
        ("latency_median_ms", 40.1, core.FAIL),
        ("naive_ratio", 2.0, core.PASS),
        ("naive_ratio", 1.47, core.FAIL),
        ("notebook_rss_mib", 228.4, core.PASS),
        ("conv2d_vs_scipy", None, core.NOT_AVAILABLE),
        ("import_extra_s", float("nan"), core.NOT_AVAILABLE),
    ],
)
def test_check_compares_with_the_limit(limit_id, value, status):
    c = core.check(limit_id, "something", value)
    assert c["status"] == status
    assert c["limit"] == core.LIMITS[limit_id].limit and c["level"] == core.LIMITS[limit_id].level


def test_missed_counts_budgets_and_only_strictly_targets():
    checks = [
        core.check("latency_p95_ms", "a · x", 211.0),  # budget missed
        core.check("naive_ratio", "a", 1.5),  # target missed
        core.check("course_s", "all", 12.0),  # budget met
        core.check("conv2d_vs_scipy", "conv", None),  # not measured
    ]
    assert [c["id"] for c in core.missed(checks)] == ["latency_p95_ms"]
    assert [c["id"] for c in core.missed(checks, strict=True)] == ["latency_p95_ms", "naive_ratio"]


def test_fmt():
    assert core.fmt(None) == "–"
    assert core.fmt(127.6, "ms") == "128 ms"
    assert core.fmt(40.34, "ms") == "40.3 ms"
    assert core.fmt(1.728, "s") == "1.73 s"
    assert core.fmt(0.0214, "s") == "0.021 s"
    assert core.fmt(2.17, "x") == "2.17×"
    assert core.fmt(True) == "True" and core.fmt("ok") == "ok"


def test_markdown_table_escapes_pipes_and_newlines():
    table = core.markdown_table(["a", "b"], [["x|y", "1\n2"]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 1 2 |"]


def _results(sections, errors=()):
    return {
        "started": "2026-11-25T16:40:48+00:00", "duration_s": 121.4, "strict": False, "errors": list(errors),
        "machine": {"cpu": "Intel(R) Xeon(R) Processor", "cores": 2, "memory_gib": 23.5, "python": "3.11.7",
                    "commit": "1e94e9d", "dirty": True, "load_average_1min": 0.12, "load_average_1min_end": 1.9},
        "sections": sections,
    }


def _measured_explorer():
    """What measure_explorer returns, trimmed: one fast control, one slow, one unsupported."""
    return {
        "explorer": "demo.fast", "controls": ["n", "image", "go"],
        "skipped_controls": {"go": "Button has no value"},
        "values": {"n": [3, 4, 1, 30], "image": ["shapes", "photo"]}, "rejected_values": {"n": [0]},
        "times_ms": {"n": FAST, "image": [84.0, 82.5, 90.1, 85.2, 160.3]},
        "update_ms": {"n": [1.5] * 10, "image": [2.5] * 5}, "cpu_ms": {"n": [37.0] * 10, "image": [80.0] * 5},
        "client": {"n": {"round_trip_ms": [45.0] * 10, "image_bytes": [58_600] * 10, "images": [1] * 10},
                   "image": {"round_trip_ms": [90.0] * 5, "image_bytes": [138_000] * 5, "images": [1] * 5}},
        "naive_ms": [190.0, 150.2, 146.1, 135.3, 186.8], "errors": {"image": ["'photo': no such file"]},
        "no_update": {},
    }


def test_explorer_rows_give_per_control_checks_and_the_naive_ratio():
    rows, checks, summary = latency.explorer_rows(_measured_explorer())
    assert [r[1] for r in rows] == ["n", "image", "go"]
    assert rows[2][-1] == "skipped: Button has no value"
    assert "1 changes showed a message" in rows[1][-1]
    assert "not used (the explorer shows a message): 0" in rows[0][-1]
    by = {(c["subject"], c["id"]): c for c in checks}
    assert by[("demo.fast · n", "latency_median_ms")]["status"] == core.PASS
    assert by[("demo.fast · image", "latency_median_ms")]["status"] == core.FAIL
    assert by[("demo.fast · image", "latency_p95_ms")]["note"].startswith("invalid values")
    assert by[("demo.fast · n", "latency_p95_ms")]["value"] == pytest.approx(np.percentile(FAST, 95))
    pooled = FAST + [84.0, 82.5, 90.1, 85.2, 160.3]
    assert summary["median_ms"] == pytest.approx(np.median(pooled))
    assert summary["ratio"] == pytest.approx(150.2 / np.median(pooled))
    assert summary["budget"] == "FAIL"  # the image control is too slow
    assert by[("demo.fast", "naive_ratio")]["status"] == (core.PASS if summary["ratio"] >= 2 else core.FAIL)


def test_report_names_missed_budgets_and_renders_every_table(tmp_path):
    rows, checks, _ = latency.explorer_rows(_measured_explorer())
    lines = tmp_path / "latency.jsonl"
    lines.write_text(json.dumps({"notebook": "01_convolution.ipynb", "ms": 421.0, "wall_ms": 430.2,
                                 "time": "2026-11-25T16:40:53+00:00"}) + "\n")
    sections = [
        {"name": "latency", "title": "2. Widget latency", "status": "ok", "checks": checks, "notes": ["note A"],
         "tables": [{"title": "Per control", "headers": ["explorer", "control"] + ["x"] * 8, "rows": rows}]},
        browser.run(lines),
        browser.run(tmp_path / "missing.jsonl"),
    ]
    report = core.render_report(_results(sections))
    assert report.startswith("# make bench\n")
    assert "**BUDGET MISSED**" in report and "with uncommitted changes" in report
    assert "- demo.fast · image: latency_median_ms = 85.2 ms, limit <= 40.0 ms" in report
    assert "## 2. Widget latency" in report and "note A" in report and "**Per control**" in report
    assert "| 01_convolution.ipynb | 421 ms | 430 ms | 1 |" in report
    assert "run `make test` first" in report
    assert report.count("| demo.fast | ") == 4  # three controls, and the naive-ratio check


def test_report_when_everything_passes_or_a_part_crashed():
    ok = [{"name": "startup", "title": "4. Start-up", "status": "ok", "tables": [], "notes": [],
           "checks": [core.check("import_extra_s", "import helpers", -0.23)]}]
    assert "**all budgets met**: 1 of 1 checks pass" in core.render_report(_results(ok))
    crashed = ok + [{"name": "helpers", "title": "3. Helpers", "status": "error", "checks": [], "tables": [],
                     "notes": ["The part crashed"]}]
    report = core.render_report(_results(crashed, errors=["helpers"]))
    assert "**PART FAILED**" in report and "**error**" in report


def test_browser_records_summarised_per_notebook(tmp_path):
    path = tmp_path / "latency.jsonl"
    rows = [{"notebook": "00_start_here.ipynb", "ms": ms, "wall_ms": ms + 8,
             "time": f"2026-11-25T16:4{i}:00+00:00"} for i, ms in enumerate([190.0, 309.0, 178.0])]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n\n")
    records, bad = browser.read_records(path)
    assert len(records) == 3 and bad == 1
    (s,) = browser.summarize_records(records)
    assert s["runs"] == 3 and s["latest_ms"] == 178.0 and s["median_ms"] == 190.0 and s["max_ms"] == 309.0


def test_crossover():
    sizes = [3, 5, 7, 9, 11]
    assert crossover(sizes, [1, 2, 3, 4, 5], [2, 2.5, 2, 2, 2]) == {"first_fft_faster": 7, "fft_faster_from": 7}
    # faster once by noise at 5, for good from 9
    assert crossover(sizes, [1, 2, 3, 4, 5], [2, 1.9, 3.5, 2, 2]) == {"first_fft_faster": 5, "fft_faster_from": 9}
    assert crossover(sizes, [1] * 5, [2] * 5) == {"first_fft_faster": None, "fft_faster_from": None}
    with pytest.raises(ValueError, match="same length"):
        crossover(sizes, [1], [2])


@pytest.mark.parametrize(
    "widget, expected",
    [
        (W.IntSlider(3, min=1, max=30), [3, 4, 1, 30]),
        (W.IntSlider(30, min=1, max=30), [30, 29, 1]),
        (W.IntSlider(40, min=0, max=400, step=10), [40, 50, 0, 400]),
        (W.IntSlider(5, min=5, max=64, step=2), [5, 7, 63]),  # 64 is off the step grid
        (W.FloatSlider(1.0, min=0.3, max=2.5, step=0.1), [1.0, 1.1, 0.3, 2.5]),
        (W.BoundedIntText(2, min=1, max=4), [2, 3, 1, 4]),
        (W.IntText(7), [7, 8]),
        (W.FloatLogSlider(10.0, min=-1, max=3, step=0.5), [10.0, 31.622776601684, 0.1, 1000.0]),
        (W.IntRangeSlider(value=(2, 5), min=0, max=10), [(2, 5), (2, 6), (1, 5), (0, 10)]),
        (W.IntRangeSlider(value=(1993, 2025), min=1993, max=2025), [(1993, 2025), (1993, 2024), (1994, 2025)]),
        (W.FloatRangeSlider(value=(0.2, 0.6), min=0, max=1, step=0.1), [(0.2, 0.6), (0.2, 0.7), (0.1, 0.6), (0, 1)]),
        (W.Dropdown(options=[2, 4, 6, 8, 12, 20], value=6), [6, 2, 4, 8]),
        (W.Dropdown(options=[("ResNet-50", "resnet50"), ("AlexNet", "alexnet")]), ["resnet50", "alexnet"]),
        (W.ToggleButtons(options=["low", "high"]), ["low", "high"]),
        (W.SelectionSlider(options=["a", "b", "c"], value="b"), ["b", "a", "c"]),
        (W.Checkbox(False), [False, True]),
        (W.SelectMultiple(options=["A100", "H100", "RTX 4090"], value=("A100", "H100")),
         [("A100", "H100"), ("A100",), ("A100", "H100", "RTX 4090")]),
        (W.SelectMultiple(options=list("abcdef"), value=("a",)), [("a",), ("a", "b"), ("a", "c"), ("a", "d")]),
        (W.Text("0.25"), ["0.25", "0.250"]),
        (W.Text("3"), ["3", "3.0"]),
        (W.Text("1e-3"), ["1e-3", " 1e-3"]),
        (W.Textarea("0 -1 0\n-1 5 -1"), ["0 -1 0\n-1 5 -1", "0 -1 0\n-1 5 -1 "]),
    ],
    ids=lambda x: type(x).__name__ if isinstance(x, W.Widget) else "",
)
def test_candidate_values_are_distinct_valid_values_current_first(widget, expected):
    values = candidate_values(widget)
    assert values == pytest.approx(expected) if isinstance(expected[0], float) else values == expected
    for v in values:  # each is accepted as is: not clamped, not rejected
        widget.value = v
        assert widget.value == v


@pytest.mark.parametrize("widget", [W.Button(description="go"), W.ColorPicker(),
                                    W.SelectMultiple(options=[1], value=(1,)), W.Dropdown(options=["only"])])
def test_candidate_values_refuse_what_they_cannot_vary(widget):
    with pytest.raises(TypeError):
        candidate_values(widget)


# ---- which explorers measure the machine: small real call chains ----

def _measure_twice():
    start = time.perf_counter()
    return time.perf_counter() - start


@functools.cache
def _measure_cached():
    return _measure_twice()


def _sweep(sizes):
    return [_measure_twice() for _ in sizes]


def _timing_factory():
    def draw(v):
        return _sweep(v)

    return draw


def _plain_factory():
    def draw(v):
        return sorted(v)

    return draw


def _measure_once_factory():
    baseline = _measure_twice()  # measured while the explorer is built: not part of a change

    def draw(v):
        return sorted(v), baseline, _measure_cached()

    return draw


def test_update_measurement_chain_looks_only_at_callbacks():
    chain = latency.update_measurement_chain(_timing_factory, package=__name__)
    assert chain == [f"{__name__}._timing_factory.<callbacks>", f"{__name__}._sweep",
                     f"{__name__}._measure_twice", "perf_counter"]
    assert latency.update_measurement_chain(_measure_once_factory, package=__name__) is None
    assert latency.update_measurement_chain(_plain_factory, package=__name__) is None


def test_measurement_chain_finds_timers_through_nested_calls():
    chain = latency.measurement_chain(_timing_factory, package=__name__)
    assert chain == [f"{__name__}._timing_factory", f"{__name__}._sweep", f"{__name__}._measure_twice",
                     "perf_counter"]
    assert latency.measurement_chain(_plain_factory, package=__name__) is None
    assert latency.measurement_chain(_timing_factory, package=__name__, depth=1) is None


# ---- exit rule: only a budget missed by more than 50 % fails the run ----

@pytest.mark.parametrize(
    "limit_id, value, reported, fails, fails_strictly",
    [
        ("latency_median_ms", 39.0, False, False, False),
        ("latency_median_ms", 55.0, True, False, True),  # missed, within the margin: reported only
        ("latency_median_ms", 60.0, True, False, True),  # exactly 1.5 × the budget: still within
        ("latency_median_ms", 61.0, True, True, True),
        ("notebook_s", 12.5, True, True, True),
        ("naive_ratio", 1.2, False, False, True),  # a target: fails only with --strict
    ],
)
def test_exit_rule_margin(limit_id, value, reported, fails, fails_strictly):
    c = core.check(limit_id, "x", value)
    assert bool(core.budget_misses([c])) == reported
    assert bool(core.missed([c])) == fails
    assert bool(core.missed([c], strict=True)) == fails_strictly


def test_result_text_and_report_tell_a_miss_from_a_failure():
    small, big = core.check("latency_median_ms", "a · n", 55.0), core.check("latency_p95_ms", "a · n", 130.0)
    assert core.result_text(small) == "miss (within 50%)" and core.result_text(big) == "FAIL"
    assert core.result_text(small, strict=True) == "FAIL"
    assert core.worst([small, big]) == "FAIL" and core.worst([small]) == "miss (within 50%)"
    sections = [{"name": "latency", "title": "2", "status": "ok", "tables": [], "notes": [], "checks": [small]}]
    report = core.render_report(_results(sections))
    assert "**budgets met within the 50 % margin**" in report
    assert "- a · n: latency_median_ms = 55.0 ms, limit <= 40.0 ms (within 50%: reported only)" in report
    sections[0]["checks"].append(big)
    report = core.render_report(_results(sections))
    assert "**BUDGET MISSED**" in report and "latency_p95_ms = 130 ms, limit <= 80.0 ms — **fails the run**" in report


def test_summary_table_and_figures():
    _, checks, summary = latency.explorer_rows(_measured_explorer())
    notebooks = [{"notebook": "00_start_here.ipynb", "run_s": 2.4, "peak_rss_mib": 228.0, "kernel_cpu_s": 2.0,
                  "error": None}]
    sections = [
        {"name": "execution", "status": "ok", "data": {"notebooks": notebooks, "course_s": 2.4},
         "checks": [core.check("notebook_s", "00_start_here.ipynb", 2.4),
                    core.check("notebook_rss_mib", "00_start_here.ipynb", 228.0),
                    core.check("course_s", "all 1 notebooks", 2.4)]},
        {"name": "latency", "status": "ok", "checks": checks,
         "data": {"explorers": [_measured_explorer()], "summaries": [summary], "skipped": {}, "failed": {}}},
    ]
    headers, rows = core.summary_table(_results(sections))
    assert headers == ["what", "budget", "measured", "result"]
    assert rows[0] == ["00_start_here.ipynb", "≤ 8 s, ≤ 1 GiB", "2.40 s, 228 MiB", "pass"]
    assert rows[1][0] == "whole course (1 notebooks)" and rows[1][-1] == "pass"
    assert rows[2][0] == "explorer demo.fast" and rows[2][-1] == "FAIL"  # image: median 85 ms > 60 ms
    figs = {(f["subject"], f["figure"]): f for f in core.figures(_results(sections))}
    n = figs[("demo.fast · n", "change_ms")]
    assert (n["n"], n["min"], n["max"]) == (10, 36.0, 97.5) and n["median"] == pytest.approx(np.median(FAST))
    assert figs[("00_start_here.ipynb", "run_s")]["value"] == 2.4
