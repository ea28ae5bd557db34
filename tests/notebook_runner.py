"""Run course notebooks in fresh kernels, offline, and compare their outputs (test_offline, test_determinism).

Each run copies a notebook into its own folder and executes it with nbclient in a separate process, with the
network removed:

* ``unshare -rn``: a new user and network namespace holding only a loopback device (down). The kernel talks to
  nbclient over IPC (Unix sockets), so the loopback device is not even needed;
* where unprivileged namespaces are unavailable (some CI runners), a ``sitecustomize`` shim on ``PYTHONPATH``,
  loaded by the executor and the kernel alike, makes every non-loopback ``socket.connect`` and every
  ``getaddrinfo`` of a non-local name fail. It covers Python-level networking only.

Runs are cached per pytest session in a folder shared by the xdist workers, with a file lock per run, so the
offline test and the determinism test share the first run of each notebook: whoever needs it first executes it.

Used as a script it is the executor: ``python notebook_runner.py IN.ipynb OUT.ipynb``.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
SANITIZE_FILE = HERE / "nbval_sanitize.cfg"
CELL_TIMEOUT_S = 180
SKIPPED_MIME = {"image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json"}  # nbval skips these too
HASH_SEEDS = ("0", "1")  # run 0 as `make test` does; run 1 with another seed, so set order cannot leak

SHIM = '''"""Offline shim (tests/notebook_runner.py): only loopback and Unix sockets may connect."""
import ipaddress
import socket

_LOCAL_NAMES = {None, "", "localhost", "localhost.localdomain", "ip6-localhost"}


def _loopback(host):
    if isinstance(host, bytes):
        host = host.decode()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard(method):
    def guarded(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise OSError(101, f"Network is unreachable (offline test): {address!r}")
        return method(self, address, *args)
    return guarded


socket.socket.connect = _guard(socket.socket.connect)
socket.socket.connect_ex = _guard(socket.socket.connect_ex)
_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        raise socket.gaierror(socket.EAI_NONAME, f"name resolution disabled (offline test): {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = getaddrinfo
'''


@cache
def unshare_works() -> bool:
    """Whether ``unshare -rn`` can create a network namespace here (root, or unprivileged user namespaces)."""
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def offline_prefix(shim_dir: Path, method: str | None = None) -> tuple[list[str], dict[str, str], str]:
    """(command prefix, extra environment, method name) that take the network away from a command.

    ``method`` (or the environment variable ``OFFLINE_METHOD``): ``unshare`` or ``shim``; default: unshare
    where it works, else the shim.
    """
    method = method or os.environ.get("OFFLINE_METHOD") or ("unshare" if unshare_works() else "shim")
    if method == "unshare":
        return ["unshare", "-rn"], {}, "unshare -rn"
    shim_dir.mkdir(parents=True, exist_ok=True)
    (shim_dir / "sitecustomize.py").write_text(SHIM)
    path = os.pathsep.join(p for p in (str(shim_dir), os.environ.get("PYTHONPATH", "")) if p)
    return [], {"PYTHONPATH": path}, "socket shim"


@dataclass
class Run:
    """One execution of a notebook: the executed notebook (None if the executor failed) and how it went."""

    notebook: dict | None
    seconds: float
    returncode: int
    log: str
    method: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.notebook is not None


def execute(path: Path, workdir: Path, hash_seed: str = "0", offline: bool = True) -> Run:
    """Execute a copy of ``path`` in ``workdir`` with a fresh kernel, in a separate (offline) process."""
    workdir.mkdir(parents=True, exist_ok=True)
    source, out = workdir / path.name, workdir / f"executed_{path.name}"
    shutil.copy(path, source)
    prefix, extra_env, method = offline_prefix(workdir / "shim") if offline else ([], {}, "online")
    env = {**os.environ, **extra_env, "PYTHONHASHSEED": hash_seed}
    start = time.perf_counter()
    proc = subprocess.run([*prefix, sys.executable, str(Path(__file__)), str(source), str(out)], cwd=workdir,
                          env=env, capture_output=True, text=True, timeout=CELL_TIMEOUT_S * 10)
    seconds = time.perf_counter() - start
    notebook = json.loads(out.read_text()) if out.exists() else None
    return Run(notebook, seconds, proc.returncode, (proc.stdout + proc.stderr)[-4000:], method)


def session_folder(tmp_path_factory) -> Path:
    """A folder shared by every xdist worker of this pytest session (and by nothing else)."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    base = tmp_path_factory.getbasetemp()
    return base.parent / f"notebook-runs-{run_id}" if run_id else base / "notebook-runs"


class SharedRuns:
    """Runs cached in a folder shared by the session's xdist workers; one lock file per (notebook, run)."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def get(self, path: Path, index: int) -> Run:
        key = f"{path.stem}-run{index}"
        with open(self.folder / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a worker executing this run holds it; the other waits, then reads
            cached = self.folder / f"{key}.json"
            if cached.exists():
                return Run(**json.loads(cached.read_text()))
            run = execute(path, self.folder / key, hash_seed=HASH_SEEDS[index])
            cached.write_text(json.dumps(run.__dict__))
            return run


# ---- comparing outputs like nbval --------------------------------------------------------------------------

@cache
def sanitize_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    """The ``regex:`` / ``replace:`` pairs of tests/nbval_sanitize.cfg, as nbval reads them."""
    pairs, regex = [], None
    for line in SANITIZE_FILE.read_text().splitlines():
        if line.startswith("regex: "):
            regex = line[len("regex: "):]
        elif line.startswith("replace: ") and regex is not None:
            pairs.append((re.compile(regex), line[len("replace: "):]))
            regex = None
    return tuple(pairs)


def sanitize(text: str) -> str:
    for pattern, replacement in sanitize_patterns():
        text = pattern.sub(replacement, text)
    return text


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def checked_outputs(notebook: dict) -> list[tuple[int, list]]:
    """Per code cell not tagged ``nbval-ignore-output``: its outputs as nbval compares them (streams merged,
    PNG/JPEG and widget views dropped, metadata and execution counts ignored, every string sanitized)."""
    found = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code" or "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            continue
        outputs: list = []
        for out in cell.get("outputs", []):
            kind = out["output_type"]
            if kind == "stream":
                if outputs and outputs[-1][0] == "stream" and outputs[-1][1] == out["name"]:
                    outputs[-1] = ("stream", out["name"], outputs[-1][2] + _text(out["text"]))
                else:
                    outputs.append(("stream", out["name"], _text(out["text"])))
            elif kind == "error":
                outputs.append(("error", out["ename"], out["evalue"]))
            else:
                data = {k: _text(v) for k, v in out.get("data", {}).items() if k not in SKIPPED_MIME}
                outputs.append((kind, "", json.dumps(data, sort_keys=True)))
        found.append((index, [(k, n, sanitize(t)) for k, n, t in outputs]))
    return found


if __name__ == "__main__":  # the executor: run IN with nbclient, write the executed notebook to OUT
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from traitlets.config import Config

    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(source.parent)}},
                            config=Config({"KernelManager": {"transport": "ipc"}}))  # no TCP, not even loopback
    try:
        client.execute()
    except CellExecutionError as err:
        nbformat.write(nb, target)
        print(err, file=sys.stderr)
        sys.exit(1)
    nbformat.write(nb, target)
