"""Support for tests/test_browser.py: a private JupyterLab server and the page actions on a notebook.

The server serves a temporary copy of the notebooks (Run All must never change the stored ones), with
its own config, settings, workspaces and runtime folders, on 127.0.0.1 with a random port and token.
It is stopped by its own PID (and its process group, and any kernel it started) however the test ends.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Stored settings for the isolated JupyterLab: no "Jupyter news?" toast over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
IDLE = f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']"
# The toolbar indicator above says "idle" before the notebook has a kernel at all; Run All then clears
# every cell and runs nothing. The status bar says "<kernel> | Idle" only once a kernel is connected.
KERNEL_STATUS = ".jp-StatusBar-Item"
KERNEL_READY_JS = """
() => [...document.querySelectorAll('.jp-StatusBar-Item')].some(e => /\\|\\s*Idle\\s*$/.test(e.innerText))
"""
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
ERROR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
WIDGET_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.widget-view+json']"
WIDGET_TROUBLE = ("Loading widget", "model not found", "Error displaying widget", "Error rendering widget")
EXPLORER = ".course-explorer"
SLIDER = f"{EXPLORER} .widget-slider"


def load_lab_tool():
    """tools/lab.py as a module."""
    from conftest import load_tool

    return load_tool("lab")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A JupyterLab process serving ``root`` (which holds ``notebooks/``)."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log_path: Path
    children: set[int] = field(default_factory=set)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def api(self, path: str, method: str = "GET", timeout: float = 5.0):
        request = urllib.request.Request(
            f"{self.base}/api/{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (own local server)
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no server log)"

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Poll ``/api/status`` until the server answers; fail early if the process died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with code {self.process.returncode} before answering:\n{self.log_tail()}"
                )
            try:
                self.api("status", timeout=2.0)
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError(f"JupyterLab did not answer /api/status within {timeout:.0f} s:\n{self.log_tail()}")

    def remember_children(self) -> None:
        """Note the kernels (and any other children) this server started, to stop them by PID later."""
        try:
            self.children |= {p.pid for p in psutil.Process(self.process.pid).children(recursive=True)}
        except psutil.Error:
            pass

    def shutdown_kernels(self) -> None:
        """Shut down every kernel of this server (used between notebooks to free memory and CPU)."""
        self.remember_children()
        for kernel in self.api("kernels"):
            try:
                self.api(f"kernels/{kernel['id']}", method="DELETE", timeout=10.0)
            except (urllib.error.URLError, OSError):
                pass

    def stop(self) -> None:
        """Stop the server: politely through the API, then its process group, then leftover children."""
        self.remember_children()
        if self.process.poll() is None:
            try:
                self.api("shutdown", method="POST", timeout=5.0)
            except (urllib.error.URLError, OSError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is None:
                try:
                    os.killpg(self.process.pid, sig)  # its own session: the group id is its PID
                except ProcessLookupError:
                    pass
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        for pid in self.children:  # kernels run in their own process groups
            try:
                child = psutil.Process(pid)
                child.terminate()
                child.wait(timeout=5)
            except psutil.TimeoutExpired:
                child.kill()
            except psutil.Error:
                pass


def start_lab(tmp: Path, notebooks: Path = ROOT / "notebooks") -> LabServer:
    """Copy ``notebooks`` into ``tmp`` and start JupyterLab there with isolated Jupyter folders."""
    root = tmp / "course"
    shutil.copytree(notebooks, root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = dict(os.environ)
    for name, folder in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "IPYTHONDIR": "ipython",
    }.items():
        (tmp / folder).mkdir()
        env[name] = str(tmp / folder)
    for relative, settings in LAB_SETTINGS.items():
        path = tmp / "settings" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env.pop("JUPYTER_TOKEN", None)
    env["PYTHONUNBUFFERED"] = "1"

    token = secrets.token_hex(24)
    port = free_port()
    lab = load_lab_tool()
    start_page = root / lab.START_PAGE
    if not start_page.exists():
        start_page = min((root / "notebooks").glob("*.ipynb"), default=root / "notebooks")
    argv = lab.lab_command(port=port, token=token, open_browser=False, notebook=str(start_page), root_dir=root)
    argv.append("--ServerApp.port_retries=0")  # fail rather than silently serve on another port
    log_path = tmp / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 (fixed argv from tools/lab.py)
            argv, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LabServer(root=root, port=port, token=token, process=process, log_path=log_path)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


# ---- page actions ---------------------------------------------------------------------------

# True once every non-empty code cell in the visible notebook has an execution count and the kernel is
# idle, or as soon as an error output appears (Run All stops there; the test reports it).
RUN_FINISHED_JS = """
([panel, idle, errorSel]) => {
  const nb = document.querySelector(panel);
  if (!nb) return false;
  if (nb.querySelector(errorSel)) return "error";
  if (!document.querySelector(idle)) return false;
  if (!(KERNEL_READY)()) return false;
  const cells = [...nb.querySelectorAll('.jp-CodeCell')];
  for (const cell of cells) {
    const prompt = cell.querySelector('.jp-InputArea-prompt');
    const text = prompt ? prompt.textContent.trim() : '';
    const code = cell.querySelector('.cm-content');
    const empty = code && code.textContent.trim() === '';
    if (!/^\\[\\d+\\]:$/.test(text) && !empty) return false;
  }
  return "done";
}
""".replace("KERNEL_READY", KERNEL_READY_JS.strip())

# For a failure message: the kernel status and the code cells Run All has not finished.
RUN_STATE_JS = """
([panel]) => {
  const nb = document.querySelector(panel);
  if (!nb) return {status: 'no notebook panel', pending: []};
  const indicator = nb.querySelector('.jp-Notebook-ExecutionIndicator');
  const pending = [];
  [...nb.querySelectorAll('.jp-CodeCell')].forEach((cell, i) => {
    const prompt = cell.querySelector('.jp-InputArea-prompt');
    const text = prompt ? prompt.textContent.trim() : '(no prompt)';
    const code = cell.querySelector('.cm-content');
    const source = code ? code.textContent.trim().slice(0, 80) : '(no editor)';
    if (!/^\\[\\d+\\]:$/.test(text) && source !== '') pending.push(`code cell ${i} ${text} ${source}`);
  });
  return {status: indicator ? indicator.getAttribute('data-status') : '(no indicator)', pending};
}
"""

# True once no widget output in the notebook is still loading or broken, and every explorer has a live
# figure (bqplot SVG) with something drawn in it.
WIDGETS_SETTLED_JS = """
([panel, widgetSel, trouble]) => {
  const nb = document.querySelector(panel);
  const outputs = [...nb.querySelectorAll(widgetSel)];
  for (const out of outputs) {
    const text = out.innerText || '';
    if (trouble.some(t => text.includes(t))) return false;
    if (!out.querySelector('.jupyter-widgets')) return false;
  }
  for (const box of nb.querySelectorAll('.course-explorer')) {
    if (!box.querySelector('.course-live svg .plotarea_events, .course-live svg path')) return false;
  }
  return true;
}
"""

# Watch the explorer's live figure (bqplot draws into SVG): count DOM mutations, and after a key press
# note the first mutation and the animation frame that paints it (the first new pixels).
HOOK_LIVE_JS = """
(box) => {
  const live = box.querySelector('.course-live');
  if (!live) return false;
  if (live.__courseObserver) return true;
  live.__courseMutations = 0;
  live.__courseMutatedAt = performance.now();
  live.__courseObserver = new MutationObserver(() => {
    const t = performance.now();
    live.__courseMutations += 1;
    live.__courseMutatedAt = t;
    if (window.__courseKeyAt !== undefined && live.__courseFirst === null && t >= window.__courseKeyAt) {
      live.__courseFirst = t;
      requestAnimationFrame(() => { live.__coursePainted = performance.now(); });
    }
  });
  live.__courseFirst = undefined;
  live.__courseObserver.observe(live, {subtree: true, childList: true, attributes: true, characterData: true});
  return true;
}
"""

# Resolves once the live figure has not changed for `quiet` ms (drawing after Run All has settled).
FIGURE_STABLE_JS = """
([box, quiet]) => {
  const live = box.querySelector('.course-live');
  return !!live && live.__courseMutations !== undefined && performance.now() - live.__courseMutatedAt >= quiet;
}
"""

# Arm the watch: the next key press starts the clock, the next mutation after it stops it.
ARM_JS = """
(box) => {
  const live = box.querySelector('.course-live');
  live.__courseFirst = null;
  live.__coursePainted = null;
  window.__courseKeyAt = undefined;
  document.addEventListener('keydown', () => { window.__courseKeyAt = performance.now(); },
                            {capture: true, once: true});
}
"""

# Resolves to the key-press-to-painted-frame time in ms once the live figure changed after the key press.
FIGURE_CHANGED_JS = """
(box) => {
  const live = box.querySelector('.course-live');
  if (!live || !live.__coursePainted || window.__courseKeyAt === undefined) return false;
  return live.__coursePainted - window.__courseKeyAt;
}
"""
