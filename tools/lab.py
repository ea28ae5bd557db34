"""Start JupyterLab for the course: 127.0.0.1 only, token authentication, opened at the start page.

`make lab` runs this. The command is built by `lab_command` so tests can check it never binds a
public address and never disables the token.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_PAGE = "notebooks/00_start_here.ipynb"


def lab_command(
    port: int = 8888,
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
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={Path(root_dir).resolve() if root_dir is not None else ROOT}",
        f"--ServerApp.open_browser={open_browser}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # JupyterLab refuses to start as root without it
    return argv


def main() -> None:
    argv = lab_command()
    print("Starting JupyterLab on http://127.0.0.1 (the token is in the link printed below).")
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
