"""The MPI launcher (helpers.mpirun): readable failures, no process left behind, a hostfile run."""

import os
import socket
import threading
import time
import uuid

import numpy as np
import psutil
import pytest

from helpers import mpirun

TAG = "COURSE_MPI_TEST_TAG"


@pytest.fixture
def tag(monkeypatch) -> str:
    """A token put into the environment of this test's jobs only (mpiexec, its proxies and the ranks inherit it),
    so jobs that other tests run at the same time (pytest-xdist) are not counted."""
    token = uuid.uuid4().hex
    environment = mpirun._environment
    monkeypatch.setattr(mpirun, "_environment", lambda n: {**environment(n), TAG: token})
    return token


def job_processes(token: str) -> list[psutil.Process]:
    """Processes running now that carry this test's token: launcher, proxies, ranks."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(TAG) == token:
                found.append(proc)
        except (psutil.Error, OSError):  # gone, a zombie, or not ours to read
            continue
    return found


def assert_none_left(token: str) -> None:
    deadline = time.monotonic() + 5
    while (left := job_processes(token)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes left behind: {[p.info if hasattr(p, 'info') else p for p in left]}"


def test_mpiexec_is_found_next_to_this_python():
    path = mpirun.mpiexec_path()
    assert path is not None and path.endswith("mpiexec")


def test_command_is_an_argument_list_without_a_shell():
    argv = mpirun.command("pingpong", 2, "/tmp/out.npz", {"sizes": [64]}, mpiexec="/x/mpiexec")
    assert argv[:3] == ["/x/mpiexec", "-n", "2"]
    assert argv[4:6] == ["-m", "helpers.jobs.pingpong"] and argv[-2:] == ["--args", '{"sizes": [64]}']


def test_a_run_returns_rank_0_results_and_leaves_nothing(tag):
    r = mpirun.run_job("pingpong", 2, {"sizes": [64, 4096], "repeats": 3}, timeout_s=60)
    assert r["verified"] is True and r["ranks"] == 2
    assert r["sizes"].tolist() == [64, 4096] and np.all(r["times_s"] > 0)
    assert_none_left(tag)


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


def test_a_failing_job_is_one_line_not_a_traceback(tag):
    with pytest.raises(mpirun.MPIRunError, match="ping-pong needs 2 processes") as err:
        mpirun.run_job("pingpong", 1, {"sizes": [64]}, timeout_s=60)
    assert "Traceback" not in str(err.value)
    assert_none_left(tag)


def test_timeout_stops_every_process(tag):
    seen = []

    def watch():  # while the job runs, the tag finds mpiexec, its proxy and the 3 ranks (so "none left" means it)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(seen) < 5:
            seen[:] = job_processes(tag)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    start = time.monotonic()
    with pytest.raises(mpirun.MPIRunError, match="did not finish within 4 s"):
        mpirun.run_job("pingpong", 3, {"sizes": [64], "repeats": 10**9}, timeout_s=4)
    assert time.monotonic() - start < 15
    watcher.join()
    assert len(seen) >= 5, [p.name() for p in seen]
    assert_none_left(tag)


def test_hostfile_naming_this_machine_twice(tmp_path, tag):
    hostfile = tmp_path / "hosts"
    hostfile.write_text(f"{socket.gethostname()}\n{socket.gethostname()}\n")
    r = mpirun.run_job("allreduce", 2, {"sizes": [800], "repeats": 2}, hostfile=hostfile, timeout_s=60)
    assert r["ranks"] == 2 and r["ring_sum"].size == 100
    assert_none_left(tag)


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


def test_waiting_ranks_yield_when_other_programs_load_the_cores(monkeypatch):
    # review 06 item 2: 2 ranks on 2 cores busy-polled on a loaded machine (load 7.8) and ran 10x slower than one
    monkeypatch.setattr(mpirun, "usable_cores", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (5.0, 5.0, 5.0))
    assert mpirun._environment(2).get("MPIR_CVAR_POLLS_BEFORE_YIELD") == "1"
    assert "MPIR_CVAR_POLLS_BEFORE_YIELD" not in mpirun._environment(1)  # one rank waits for nobody
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    env = mpirun._environment(2)  # idle machine, ranks fit the cores: MPICH's default fast polling
    assert env.get("MPIR_CVAR_POLLS_BEFORE_YIELD") == os.environ.get("MPIR_CVAR_POLLS_BEFORE_YIELD")
    assert mpirun._environment(3).get("MPIR_CVAR_POLLS_BEFORE_YIELD") == "1"
