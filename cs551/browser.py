"""The course in a real browser: a throw-away JupyterLab server and Chromium's settings.

What the browser test (``tests/test_browser.py``) and the latency benchmark
(``benchmarks/browser_latency.py``) both drive::

    lab = start_lab(root, home)         # JupyterLab on 127.0.0.1, serving ``root``
    ...                                 # Chromium (CHROMIUM_FLAGS) opens lab.base + "/lab"
    lab.stop()                          # kernels shut down, server stopped

The server listens on 127.0.0.1 only, on a free port, behind a random token; its settings,
workspaces, runtime files and caches live in ``home``, so nothing of the user's JupyterLab is
read or changed, and the news check that would go online is off.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


def chromium_path() -> str | None:
    """Chromium's executable: ``CS551_CHROMIUM``, else ``chromium`` (or ``chromium-browser``)
    on the PATH, else None."""
    return os.environ.get("CS551_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


def api(base: str, token: str, path: str, method: str = "GET"):
    """One call to the Jupyter server's REST API; its JSON answer (None if empty)."""
    request = urllib.request.Request(f"{base}{path}?token={token}", method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        body = response.read()
    return json.loads(body) if body else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab server: its process, base URL and token."""

    server: subprocess.Popen
    base: str
    token: str

    def shut_down_sessions(self) -> None:
        """Close every notebook session and shut its kernel down (the server keeps running)."""
        try:
            for session in api(self.base, self.token, "/api/sessions") or []:
                api(self.base, self.token, f"/api/sessions/{session['id']}", method="DELETE")
            for kernel in api(self.base, self.token, "/api/kernels") or []:
                api(self.base, self.token, f"/api/kernels/{kernel['id']}", method="DELETE")
        except OSError:
            pass

    def stop(self) -> None:
        """Shut the kernels down, then the server (killed if it does not stop in 15 s)."""
        self.shut_down_sessions()
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()


def start_lab(root: Path, home: Path, timeout: float = 60.0) -> Lab:
    """JupyterLab serving ``root``, with everything it writes in ``home`` (its log in
    ``home/server.log``). Raises RuntimeError if it exits or does not answer in ``timeout`` s."""
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), IPYTHONDIR=str(home / "ipython"),
               MPLCONFIGDIR=str(home / "mpl"))
    port, token = _free_port(), secrets.token_hex(16)
    log = home / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}"],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    lab = Lab(server, f"http://127.0.0.1:{port}", token)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            api(lab.base, token, "/api/status")
            return lab
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {log.read_text()}") from None
            time.sleep(0.25)
    lab.stop()
    raise RuntimeError(f"JupyterLab did not answer within {timeout:g} s")
