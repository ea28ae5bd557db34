"""`make bench` end to end, small: one notebook executed and one cheap explorer with 3 changes per control,
into a temporary folder. Checks that the harness runs and writes latest.json / latest.md with those entries;
it never checks a timing against a budget (that is `make bench`'s job, not `make test`'s)."""

import json
import subprocess
import sys

from conftest import ROOT

NOTEBOOK = "00_start_here.ipynb"
EXPLORER = "convolution.shape"


def test_bench_runs_end_to_end_on_one_notebook_and_one_explorer(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--only", "execution", "--only", "latency",
         "--notebook", NOTEBOOK, "--explorer", EXPLORER, "--changes", "3", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr[-3000:]  # 1 = a budget missed by > 50 % on a busy machine
    results = json.loads((tmp_path / "latest.json").read_text())
    assert results["errors"] == [], proc.stderr[-3000:]
    assert results["passed"] == (proc.returncode == 0)
    assert [s["name"] for s in results["sections"]] == ["execution", "latency"]
    assert results["machine"]["packages"]["numpy"] and results["machine"]["cores"] >= 1

    execution, latency = results["sections"]
    (nb,) = execution["data"]["notebooks"]
    assert nb["notebook"] == NOTEBOOK and nb["error"] is None and nb["run_s"] > 0 and nb["peak_rss_mib"] > 0
    (explorer,) = latency["data"]["explorers"]
    assert explorer["explorer"] == EXPLORER
    timed = [ts for ts in explorer["times_ms"].values() if ts]
    assert timed and all(len(ts) == 3 for ts in timed)

    figures = {(f["subject"], f["figure"]): f for f in results["figures"]}
    assert figures[(NOTEBOOK, "run_s")]["value"] == nb["run_s"]
    change = [f for (subject, fig), f in figures.items() if subject.startswith(EXPLORER) and fig == "change_ms"]
    assert change and all(f["n"] == 3 and f["min"] <= f["median"] <= f["max"] for f in change)

    rows = {row[0]: row for row in results["summary"]["rows"]}
    assert NOTEBOOK in rows and f"explorer {EXPLORER}" in rows

    report = (tmp_path / "latest.md").read_text()
    assert report.startswith("# make bench\n") and "## Summary: budget, measured, result" in report
    assert f"| {NOTEBOOK} | ≤ 8 s, ≤ 1 GiB |" in report and f"| explorer {EXPLORER} |" in report
    assert "[bench] wrote" in proc.stdout
