"""Every notebook runs to the end with no network: nothing in the course downloads anything.

Each notebook in ``notebooks/`` is copied to a temporary folder and executed in a fresh kernel inside a network
namespace without interfaces (``unshare -rn``), or, where that is not allowed, with a socket shim that refuses
non-loopback connections (see ``notebook_runner``). This run is also the first of the two runs that
test_determinism compares.
"""

import os
import subprocess
import sys

import pytest
from conftest import ROOT
from notebook_runner import SharedRuns, offline_prefix, session_folder, unshare_works

ALL_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return SharedRuns(session_folder(tmp_path_factory))


@pytest.mark.slow  # a fresh kernel per notebook: about 4 s each, over 20 s for the course (make test-fast skips)
@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_offline(path, runs):
    run = runs.get(path, 0)
    assert run.ok, f"{path.name} failed with no network ({run.method}), exit {run.returncode}:\n{run.log}"
    for i, cell in enumerate(run.notebook["cells"]):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name} cell {i}: {out.get('ename')}: {out.get('evalue')}"
            assert out.get("name") != "stderr", f"{path.name} cell {i} wrote to stderr offline: {out.get('text')}"


PROBE = """
import socket
for what, action in (("connect", lambda: socket.create_connection(("1.1.1.1", 53), timeout=3)),
                     ("resolve", lambda: socket.getaddrinfo("pypi.org", 443))):
    try:
        action()
        print(what, "WORKED")
    except OSError:
        print(what, "blocked")
"""


@pytest.mark.parametrize("method", ["unshare", "shim"])
def test_the_offline_runs_really_have_no_network(method, tmp_path):
    if method == "unshare" and not unshare_works():
        pytest.skip("unshare -rn is not allowed here; the notebooks ran with the socket shim")
    prefix, env, method = offline_prefix(tmp_path / "shim", method)
    out = subprocess.run([*prefix, sys.executable, "-c", PROBE], env={**os.environ, **env},
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["connect", "blocked", "resolve", "blocked"], (method, out.stdout, out.stderr)
