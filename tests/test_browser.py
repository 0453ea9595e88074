"""The course in a real browser: JupyterLab + headless Chromium, driven by Playwright.

Starts JupyterLab on 127.0.0.1 with a token and throw-away settings, opens the
exact-line-search notebook, runs all cells, checks that the explorer's slider and
figure render, moves the b slider and checks that the figure changed. Screenshots
go to a temporary folder, kept (and named in the failure message) when the test fails.

Marked ``browser``: deselect with ``-m "not browser"``. Without Chromium or
Playwright it is skipped, except in CI (``CS551_CI=1``), where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .helpers import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "11_exact_line_search.ipynb"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]

pytestmark = pytest.mark.browser


def chromium_path() -> str | None:
    return os.environ.get("CS551_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, token: str, path: str, method: str = "GET"):
    request = urllib.request.Request(f"{base}{path}?token={token}", method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        body = response.read()
    return json.loads(body) if body else None


@pytest.fixture
def chromium() -> str:
    """Chromium's executable, once Chromium and Playwright are known to be installed.

    Checked before JupyterLab starts (``lab`` depends on it), so that a missing tool
    skips (or, in CI, fails) at once instead of after the server's start-up.
    """
    executable = chromium_path()
    if executable is None:
        skip_or_fail("Chromium is not installed (Debian: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("Playwright for Python is not installed (pip install playwright)")
    return executable


@pytest.fixture
def lab(tmp_path, chromium):
    """A JupyterLab server on a copy of the notebook; yields (base URL, token)."""
    root, home = tmp_path / "root", tmp_path / "jupyter"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), IPYTHONDIR=str(home / "ipython"),
               MPLCONFIGDIR=str(home / "mpl"))
    port, token = free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "server.log", "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                api(base, token, "/api/status")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"JupyterLab exited: {(tmp_path / 'server.log').read_text()}")
                time.sleep(0.25)
        else:
            pytest.fail("JupyterLab did not answer within 30 s")
        yield base, token
    finally:
        try:
            for kernel in api(base, token, "/api/kernels") or []:
                api(base, token, f"/api/kernels/{kernel['id']}", method="DELETE")
        except OSError:
            pass
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_explorer_renders_and_follows_the_slider_in_jupyterlab(chromium, lab, tmp_path_factory):
    from playwright.sync_api import expect, sync_playwright

    base, token = lab
    shots = tmp_path_factory.mktemp("screenshots")
    expect.set_options(timeout=60_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # nothing leaves the machine: every request that is not to the local server fails
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith(base) else route.abort())
        try:
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
            expect(page.locator(".jp-DebuggerBugButton[aria-disabled='false']")).to_be_visible()
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()

            image = page.locator("img.widget-image")
            expect(image).to_have_count(1)
            page.wait_for_function(
                "() => { const i = document.querySelector('img.widget-image');"
                " return i && i.complete && i.naturalWidth > 500; }")
            slider = page.locator(".widget-slider").first
            expect(slider.locator(".widget-readout")).to_have_text("0.25")
            image.scroll_into_view_if_needed()
            page.screenshot(path=shots / "1-rendered.png")
            before = image.get_attribute("src")

            handle = slider.locator(".noUi-handle")
            handle.focus()
            for _ in range(3):
                handle.press("ArrowRight")  # one step: 0.01
            expect(slider.locator(".widget-readout")).to_have_text("0.28")
            page.wait_for_function(
                "before => document.querySelector('img.widget-image').src !== before", arg=before)
            settled = image.get_attribute("src")
            for _ in range(20):  # the image re-renders once per intermediate value: wait it out
                time.sleep(0.25)
                current = image.get_attribute("src")
                if current == settled:
                    break
                settled = current
            page.screenshot(path=shots / "2-after-slider.png")
            assert settled != before
            status = page.locator(".widget-html").first.inner_text()
            assert re.search(r"ρ = \(1 - b\)/\(1 \+ b\)\s+0\.5625", status), status  # b = 0.28
        except Exception as error:
            page.screenshot(path=shots / "failure.png")
            raise AssertionError(f"{error}\nscreenshots kept in {shots}") from error
        finally:
            browser.close()
    shutil.rmtree(shots)
