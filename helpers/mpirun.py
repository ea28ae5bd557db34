"""Run a course MPI job (``helpers.jobs.<job>``) on N processes and return what rank 0 wrote, as data.

The measured parts of notebooks 05-07 run under real MPI (MPICH from the ``mpich`` wheel, used through mpi4py),
one process per (pretend) GPU, as the articles recommend. This module is the only place in the course that starts
a program: it runs ``mpiexec -n N python -m helpers.jobs.<job> --out <file> --args <json>`` from an argument list
(never a shell), with a timeout, and kills the whole process group (mpiexec, its ``hydra_pmi_proxy`` and every
rank) when the job fails or takes too long, so nothing is left behind.

Rank 0 of a job writes its results to an ``.npz`` file; :func:`run_job` returns them as a dict of numpy arrays (0-d
arrays become Python numbers). Every failure is a :class:`MPIRunError` (a ``ValueError``) with a one-line message
a learner can act on, never a traceback from the job.

More ranks than cores (8 ranks on Binder's one core) work, just slower: MPICH waits by busy polling, so when
ranks outnumber cores the launcher asks MPICH to yield the processor after every poll
(``MPIR_CVAR_POLLS_BEFORE_YIELD=1``) and gives every rank one BLAS thread. It does the same when the ranks fit the
cores but other programs already keep them busy (load average plus ranks above the cores): a rank that spins
while it waits for a message then takes the core the rank it waits for needs.

Several machines: pass ``hostfile`` (one host name per line, ``host:slots`` allowed); MPICH's launcher reaches the
other hosts through ssh, so every host needs the same virtual environment at the same path and passwordless ssh.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess  # noqa: S404 - the one launcher of the course: argument list, no shell (tests/test_server_safety.py)
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import checks

MAX_RANKS = 8
JOBS = ("pingpong", "allreduce", "dataparallel", "tensorparallel")
DEFAULT_TIMEOUT_S = 120.0
MAX_TIMEOUT_S = 900.0
ROOT = Path(__file__).resolve().parent.parent


class MPIRunError(ValueError):
    """A job could not run or did not finish; the message says why in one line."""


def mpiexec_path() -> str | None:
    """Path of ``mpiexec``: next to this Python first (the ``mpich`` wheel puts it in the environment's ``bin``),
    then on ``PATH``; ``None`` when there is none."""
    here = Path(sys.executable).parent / "mpiexec"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which("mpiexec")


def job_source(job: str) -> str:
    """The source text of ``helpers/jobs/<job>.py`` (what a notebook shows: the code that runs)."""
    job = _job(job)
    return (ROOT / "helpers" / "jobs" / f"{job}.py").read_text(encoding="utf-8")


def _job(job) -> str:
    if not isinstance(job, str) or job not in JOBS:
        raise MPIRunError(f"job must be one of {list(JOBS)}, got {job!r}")
    return job


def command(job: str, n_ranks: int, out: str, args: dict | None = None, hostfile: str | None = None,
            mpiexec: str | None = None) -> list[str]:
    """The argument list :func:`run_job` starts (no shell): ``mpiexec [-f hostfile] -n N python -m helpers.jobs.<job>
    --out <out> --args <json>``."""
    job = _job(job)
    n = checks.whole(n_ranks, "n_ranks", 1, MAX_RANKS)
    exe = mpiexec or mpiexec_path()
    if exe is None:
        raise MPIRunError("mpiexec was not found (next to this Python or on PATH): install the pinned 'mpich' and "
                          "'mpi4py' packages (pip install -r requirements.txt)")
    argv = [exe]
    if hostfile is not None:
        argv += ["-f", str(hostfile)]
    return argv + ["-n", str(n), sys.executable, "-m", f"helpers.jobs.{job}", "--out", str(out),
                   "--args", json.dumps(args or {})]


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def load_average() -> float:
    """The machine's 1-minute load average (0 where the system does not tell)."""
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):
        return 0.0


def cores_contended(n_ranks: int) -> bool:
    """Whether ``n_ranks`` processes would have to share cores: more ranks than cores, or more than other
    programs leave free (load average plus ranks above the cores; one rank never waits for another)."""
    cores = usable_cores()
    return n_ranks > cores or (n_ranks > 1 and load_average() + n_ranks > cores)


def _environment(n_ranks: int) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"  # one BLAS thread per rank: ranks, not threads, share the cores
    if cores_contended(n_ranks):
        env["MPIR_CVAR_POLLS_BEFORE_YIELD"] = "1"  # cores shared: let a waiting rank give its core away
    return env


def _kill_group(proc: subprocess.Popen) -> None:
    """Stop mpiexec and everything it started (they share its new session's process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            continue


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (errors or lines or ["(no output)"])[-1][:300]


def run_job(job: str, n_ranks: int, args: dict | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
            hostfile: str | os.PathLike | None = None) -> dict:
    """Run ``helpers.jobs.<job>`` on ``n_ranks`` MPI processes (1-8) and return rank 0's results.

    ``args`` (a JSON-able dict) goes to the job's ``main``; ``timeout_s`` (seconds, default 120) bounds the whole
    run, start-up included; ``hostfile`` spreads the ranks over the machines it names. The returned dict holds the
    job's arrays, plus ``wall_s`` (seconds, launch to exit) and ``output`` (what the ranks printed).

    Raises :class:`MPIRunError` (a ``ValueError``) with a readable message when mpiexec is missing, ``n_ranks``
    is outside 1-8, the job fails or the timeout passes; in every case no process of the job is left running.
    """
    job = _job(job)
    n = checks.whole(n_ranks, "n_ranks", 1, MAX_RANKS)
    timeout_s = checks.positive(timeout_s, "timeout_s")
    if timeout_s > MAX_TIMEOUT_S:
        raise MPIRunError(f"timeout_s must be at most {MAX_TIMEOUT_S:g} s, got {timeout_s:g}")
    if args is not None and not isinstance(args, dict):
        raise MPIRunError(f"args must be a dict of job arguments, got {args!r}")
    if hostfile is not None and not Path(hostfile).is_file():
        raise MPIRunError(f"hostfile {str(hostfile)!r} does not exist")
    with tempfile.TemporaryDirectory(prefix="course-mpi-") as tmp:
        out = Path(tmp) / "result.npz"
        argv = command(job, n, str(out), args, None if hostfile is None else str(hostfile))
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,  # noqa: S603
                                    stderr=subprocess.STDOUT, text=True,
                                    env=_environment(n), cwd=str(ROOT), start_new_session=True)
        except OSError as err:
            raise MPIRunError(f"mpiexec could not start ({err.strerror}): {argv[0]}") from None
        try:
            output, _ = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            raise MPIRunError(f"the {job} job on {n} processes did not finish within {timeout_s:g} s and was "
                              "stopped (a busy machine, or too many processes for its cores: try fewer)") from None
        except BaseException:  # KeyboardInterrupt (the learner pressed stop): take the job down too
            _kill_group(proc)
            raise
        finally:
            _kill_group(proc)  # stray ranks after mpiexec's exit, if any, share its process group
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not out.is_file():
            raise MPIRunError(f"the {job} job on {n} processes failed (exit code {proc.returncode}): "
                              f"{_last_line(output)}")
        with np.load(out, allow_pickle=False) as data:
            result = {k: (data[k].item() if data[k].ndim == 0 else data[k]) for k in data.files}
    result["wall_s"] = wall
    result["output"] = output
    return result
