"""Start JupyterLab for the course: 127.0.0.1 only, token authentication, opened at the start page.

`make lab` runs this (``python tools/lab.py [--port N] [--no-browser]``). Before JupyterLab starts, it
prints the full local URL *with* the token: JupyterLab's own log shows a token it was given as ``...``,
so without this line a learner with no browser on the machine (a server reached over SSH, a container,
WSL) would be locked out. When no browser can be opened here, it also prints the SSH tunnel that reaches
the server from the learner's own computer. Once the server answers, the address is printed again, below
JupyterLab's start-up log, where the learner looks.

The command is built by `lab_command` so tests can check it never binds a public address and never
disables the token.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
START_PAGE = "notebooks/00_start_here.ipynb"
HOST = "127.0.0.1"
DEFAULT_PORT = 8888
PORT_TRIES = 20  # 8888, 8889, ... as JupyterLab itself would try


def lab_command(
    port: int = DEFAULT_PORT,
    token: str | None = None,
    open_browser: bool = True,
    notebook: str = START_PAGE,
    root_dir: str | os.PathLike | None = None,
) -> list[str]:
    """The argv that starts JupyterLab bound to 127.0.0.1 with a (random unless given) token.

    ``root_dir`` (default: the repository) is the folder JupyterLab serves. ``notebook`` is resolved from
    the current directory, so with another ``root_dir`` give a path inside it (the browser test serves a
    temporary copy of the notebooks, so that Run All never changes the stored ones).
    """
    token = token or secrets.token_hex(24)
    if not token.strip():
        raise ValueError("the server token must not be empty")
    if not 0 < port < 65536:
        raise ValueError(f"port must be between 1 and 65535, got {port}")
    argv = [
        sys.executable, "-m", "jupyter", "lab", notebook,
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={Path(root_dir).resolve() if root_dir is not None else ROOT}",
        f"--ServerApp.open_browser={open_browser}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # JupyterLab refuses to start as root without it
    return argv


def start_url(port: int, token: str, page: str = START_PAGE) -> str:
    """The local URL that opens ``page`` in JupyterLab and logs in with ``token``."""
    return f"http://{HOST}:{port}/lab/tree/{quote(page)}?token={quote(token, safe='')}"


def free_port(first: int = DEFAULT_PORT, tries: int = PORT_TRIES) -> int:
    """The first port from ``first`` on that nobody listens on at 127.0.0.1 (so the printed URL is right)."""
    for port in range(first, first + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port between {first} and {first + tries - 1} on {HOST}: give one with --port")


def browser_unavailable_reason(environ=None, system: str | None = None, container: bool | None = None) -> str | None:
    """Why no browser can be opened on this machine (SSH session, container, no display), or None.

    ``environ``, ``system`` (``sys.platform``) and ``container`` default to this machine's; tests pass them.
    """
    env = os.environ if environ is None else environ
    system = system or sys.platform
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"):
        return "this is an SSH session"
    if not system.startswith("linux"):
        return None
    if container is None:
        container = Path("/.dockerenv").exists() or Path("/run/.containerenv").exists()
    if container:
        return "this runs in a container"
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("WSL_DISTRO_NAME"):
        return None  # a desktop, or WSL (which opens the Windows browser)
    return "there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)"


def instructions(port: int, token: str, reason: str | None) -> str:
    """What `make lab` prints before JupyterLab starts: the URL with the token, and the tunnel if needed."""
    url = start_url(port, token)
    lines = [
        "",
        "JupyterLab is starting on this machine, bound to 127.0.0.1 (not reachable from the network).",
        "Open the course at this address (it contains the login token; JupyterLab's own log shows it as '...'):",
        "",
        f"    {url}",
        "",
    ]
    if reason:
        user, host = getpass.getuser(), socket.gethostname()
        lines += [
            f"No browser will open here: {reason}. From your own computer, open an SSH tunnel:",
            "",
            f"    ssh -L {port}:127.0.0.1:{port} {user}@{host}",
            "",
            "(use the address you normally log in with instead of the host name), keep it open, and paste the",
            "address above into your own browser. In a container, forward the port with your editor (VS Code: Ports)",
            "or start the container with the host's network.",
            "",
        ]
    lines.append("Stop the server with Ctrl+C (twice).")
    return "\n".join(lines)


def wait_until_listening(port: int, process: subprocess.Popen, timeout_s: float = 300.0) -> bool:
    """True once something accepts connections on 127.0.0.1:``port``; False if ``process`` ends or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            if probe.connect_ex((HOST, port)) == 0:
                return True
        time.sleep(0.5)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start JupyterLab for the course on 127.0.0.1 with a token.")
    parser.add_argument("--port", type=int, default=None, help=f"port (default: first free from {DEFAULT_PORT})")
    parser.add_argument("--no-browser", action="store_true", help="do not try to open a browser")
    args = parser.parse_args(argv)
    port = args.port or free_port()
    token = secrets.token_hex(24)
    reason = "--no-browser was given" if args.no_browser else browser_unavailable_reason()
    command = lab_command(port=port, token=token, open_browser=reason is None)
    command.append("--ServerApp.port_retries=0")  # never move to another port than the one printed
    print(instructions(port, token, reason), flush=True)
    # JupyterLab gets the terminal (its Ctrl+C confirmation reads it); this process only waits for it and ignores
    # Ctrl+C from then on (set after the start, so that JupyterLab does not inherit the ignored signal).
    process = subprocess.Popen(command, cwd=ROOT)  # noqa: S603 (fixed argv from lab_command)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if wait_until_listening(port, process):
        time.sleep(1.0)  # let JupyterLab finish its own start-up lines
        print(f"\nThe course is ready. Open:\n\n    {start_url(port, token)}\n", flush=True)
    return process.wait()


if __name__ == "__main__":
    sys.exit(main())
