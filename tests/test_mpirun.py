"""The MPI launcher (helpers.mpirun): readable failures, no process left behind, a hostfile run."""

import os
import socket
import time

import numpy as np
import psutil
import pytest

from helpers import mpirun

JOB_MARKERS = ("mpiexec", "hydra_pmi_proxy", "helpers.jobs.")


def job_processes() -> set[int]:
    """Pids of MPI launchers, proxies and course job ranks running now."""
    found = set()
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if any(m in cmd for m in JOB_MARKERS):
            found.add(proc.info["pid"])
    return found


def assert_none_left(before: set[int]) -> None:
    deadline = time.monotonic() + 5
    while (left := job_processes() - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes left behind: {[psutil.Process(p).cmdline() for p in left if psutil.pid_exists(p)]}"


def test_mpiexec_is_found_next_to_this_python():
    path = mpirun.mpiexec_path()
    assert path is not None and path.endswith("mpiexec")


def test_command_is_an_argument_list_without_a_shell():
    argv = mpirun.command("pingpong", 2, "/tmp/out.npz", {"sizes": [64]}, mpiexec="/x/mpiexec")
    assert argv[:3] == ["/x/mpiexec", "-n", "2"]
    assert argv[4:6] == ["-m", "helpers.jobs.pingpong"] and argv[-2:] == ["--args", '{"sizes": [64]}']


def test_a_run_returns_rank_0_results_and_leaves_nothing():
    before = job_processes()
    r = mpirun.run_job("pingpong", 2, {"sizes": [64, 4096], "repeats": 3}, timeout_s=60)
    assert r["verified"] is True and r["ranks"] == 2
    assert r["sizes"].tolist() == [64, 4096] and np.all(r["times_s"] > 0)
    assert_none_left(before)


@pytest.mark.parametrize("n", [0, 9, -1, 2.5, "two", None])
def test_rank_count_out_of_range_is_a_message(n):
    with pytest.raises(ValueError, match="n_ranks"):
        mpirun.run_job("pingpong", n, {"sizes": [64]})


def test_unknown_job_is_a_message():
    with pytest.raises(mpirun.MPIRunError, match="job must be one of"):
        mpirun.run_job("rm -rf", 2)


def test_missing_mpiexec_is_a_message(monkeypatch):
    monkeypatch.setattr(mpirun, "mpiexec_path", lambda: None)
    with pytest.raises(mpirun.MPIRunError, match="mpiexec was not found"):
        mpirun.run_job("pingpong", 2, {"sizes": [64]})


def test_a_failing_job_is_one_line_not_a_traceback():
    before = job_processes()
    with pytest.raises(mpirun.MPIRunError, match="ping-pong needs 2 processes") as err:
        mpirun.run_job("pingpong", 1, {"sizes": [64]}, timeout_s=60)
    assert "Traceback" not in str(err.value)
    assert_none_left(before)


def test_timeout_stops_every_process():
    before = job_processes()
    start = time.monotonic()
    with pytest.raises(mpirun.MPIRunError, match="did not finish within 2 s"):
        mpirun.run_job("pingpong", 3, {"sizes": [64], "repeats": 10**9}, timeout_s=2)
    assert time.monotonic() - start < 15
    assert_none_left(before)


def test_hostfile_naming_this_machine_twice(tmp_path):
    hostfile = tmp_path / "hosts"
    hostfile.write_text(f"{socket.gethostname()}\n{socket.gethostname()}\n")
    before = job_processes()
    r = mpirun.run_job("allreduce", 2, {"sizes": [800], "repeats": 2}, hostfile=hostfile, timeout_s=60)
    assert r["ranks"] == 2 and r["ring_sum"].size == 100
    assert_none_left(before)


def test_missing_hostfile_is_a_message(tmp_path):
    with pytest.raises(mpirun.MPIRunError, match="hostfile"):
        mpirun.run_job("allreduce", 2, hostfile=tmp_path / "nope")


def test_job_source_is_the_module_text():
    assert "def ring_allreduce" in mpirun.job_source("allreduce")


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_more_ranks_than_cores_still_finish_on_one_core():
    """Binder gives one core: 4 ranks pinned to it must finish (waiting ranks yield the core)."""
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})  # the ranks inherit this process's affinity
    try:
        assert mpirun.usable_cores() == 1
        r = mpirun.run_job("allreduce", 4, {"sizes": [64, 80_000], "repeats": 2}, timeout_s=120)
    finally:
        os.sched_setaffinity(0, allowed)
    assert r["ranks"] == 4 and np.array_equal(r["ring_sum"], r["mpi_sum"])
