"""`make lab` lets the learner in everywhere: it prints the full URL with the token, and the SSH tunnel when no
browser can open. The slow test starts the real server without a browser, reads the URL from its output and
opens the start page with it (and is refused without the token)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from conftest import ROOT, load_tool

lab = load_tool("lab")
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/lab/tree/(\S+)\?token=([0-9a-f]+)")


def test_start_url_carries_page_and_token():
    assert lab.start_url(9000, "abc123") == "http://127.0.0.1:9000/lab/tree/notebooks/00_start_here.ipynb?token=abc123"


@pytest.mark.parametrize("env, system, container, expected", [
    ({"DISPLAY": ":0"}, "linux", False, None),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False, None),
    ({}, "linux", False, "no graphical display"),
    ({"DISPLAY": ":0", "SSH_CONNECTION": "10.0.0.2 5555 10.0.0.1 22"}, "linux", False, "SSH"),
    ({"SSH_TTY": "/dev/pts/1"}, "darwin", False, "SSH"),
    ({"DISPLAY": ":0"}, "linux", True, "container"),
    ({}, "darwin", False, None),
    ({}, "win32", False, None),
    ({"WSL_DISTRO_NAME": "Ubuntu"}, "linux", False, None),
])
def test_when_a_browser_can_open(env, system, container, expected):
    reason = lab.browser_unavailable_reason(env, system, container)
    assert (reason is None) if expected is None else (expected in reason)


def test_instructions_show_the_tunnel_only_without_a_browser():
    token = "f" * 48
    with_browser = lab.instructions(8890, token, None)
    assert f"http://127.0.0.1:8890/lab/tree/notebooks/00_start_here.ipynb?token={token}" in with_browser
    assert "ssh -L" not in with_browser
    without = lab.instructions(8890, token, "this is an SSH session")
    assert "ssh -L 8890:127.0.0.1:8890 " in without and token in without


def test_free_port_skips_a_busy_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert lab.free_port(taken, 5) != taken


def _get(url: str) -> int:
    """HTTP status of GET url, without following redirects."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.slow
def test_make_lab_without_a_browser_prints_a_url_that_opens_the_start_page(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "JUPYTER_TOKEN", "WSL_DISTRO_NAME"}}
    env.update(PYTHONUNBUFFERED="1", SSH_CONNECTION="10.0.0.2 50000 10.0.0.1 22", HOME=str(tmp_path),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    port = lab.free_port(lab.DEFAULT_PORT + 100, 50)
    log_path = tmp_path / "lab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 (the course's own launcher)
            [sys.executable, str(ROOT / "tools/lab.py"), "--port", str(port)], cwd=ROOT, env=env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, match = time.monotonic() + 120, None
        while time.monotonic() < deadline and process.poll() is None:
            output = log_path.read_text(errors="replace")
            match = match or URL.search(output)
            if match and "is running at" in output:
                break
            time.sleep(0.5)
        output = log_path.read_text(errors="replace")
        assert match, f"no URL with a token in the output of tools/lab.py:\n{output}"
        assert int(match.group(1)) == port and match.group(2) == "notebooks/00_start_here.ipynb"
        assert len(match.group(3)) >= 32
        assert f"ssh -L {port}:127.0.0.1:{port}" in output
        ready = time.monotonic() + 30
        while "The course is ready" not in output and time.monotonic() < ready:
            time.sleep(0.5)
            output = log_path.read_text(errors="replace")
        after_start = output.split("is running at", 1)[-1]
        assert "The course is ready" in after_start and match.group(0) in after_start  # repeated below its log
        assert "--ServerApp.ip=127.0.0.1" not in output  # nothing secret or confusing echoed
        url = match.group(0)
        status = None
        while time.monotonic() < deadline:
            status = _get(url)
            if status == 200:
                break
            time.sleep(1)
        assert status == 200, f"GET {url} gave {status}\n{log_path.read_text(errors='replace')}"
        no_token = url.split("?")[0]
        assert _get(no_token) in {302, 403}
        assert _get(url.replace(match.group(3), "0" * 48)) in {302, 403}
        # Bound to 127.0.0.1 only: the server's listening sockets are all on the loopback address.
        listening = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
        if listening.strip():
            assert all("127.0.0.1:" in line for line in listening.splitlines()), listening
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
