"""Slider latency as the student feels it: JupyterLab in headless Chromium, key press to new image.

    python benchmarks/browser_latency.py [--moves 12] [--notebooks 05 10_batch ...]

Starts JupyterLab on 127.0.0.1 (a token, throw-away settings, a temporary root holding
copies of the notebooks) and headless Chromium driven by Playwright, as the browser test
does. For every notebook with an explorer: opens it, runs all cells, waits for each
explorer's ``<img>``, then presses an arrow key on the explorer's first slider ``--moves``
times (turning back at the end of its range). In the page, the key press is timed by a
``keydown`` listener and the image by a ``MutationObserver`` on its ``src``; the latency
of a move is the time from the key press to the first new ``src``. Before the next move
the image must settle (no new ``src`` for a quarter of a second).

The floor: a bare ``FloatSlider`` whose observer swaps an ``ipywidgets.Image`` between two
pre-rendered PNGs of an explorer's size (a 640 x 480 contour plot), in a scratch notebook
in the same lab: the comm round trip, the transfer and the ``src`` swap, no computing.
It is measured before and after the explorers, and the two pooled.

Needs Chromium (``CS551_CHROMIUM``, else ``chromium`` on the PATH, else Playwright's own
browser) and Playwright for Python; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
SETTLE_MS = 250  # the image counts as settled after this long without a new src
MOVE_TIMEOUT_MS = 20_000
FLOOR_NOTEBOOK = "zz_floor.ipynb"

FLOOR_CELLS = [
    "%matplotlib inline",
    """\
import io
import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image


def png(shift):
    # a 640 x 480 contour plot with a line, encoded like the explorers' images
    fig = Figure(figsize=(6.4, 4.8), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    x, y = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-2, 2, 200))
    ax.contour(x, y, x ** 2 + 10 * y ** 2, levels=10)
    ax.plot(np.linspace(-2, 2, 50), shift + np.sin(np.linspace(0, 6, 50)), "o-")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    fig.canvas.draw()
    width, height = fig.canvas.get_width_height(physical=True)
    rgba = Image.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    rgba.save(out, format="png", compress_level=1)
    return out.getvalue()


pngs = [png(0.0), png(0.5)]
slider = widgets.FloatSlider(value=5.0, min=0.0, max=10.0, step=0.1, description="floor")
image = widgets.Image(value=pngs[0], format="png")
slider.observe(lambda change: setattr(image, "value", pngs[round(change.new * 10) % 2]),
               names="value")
widgets.HBox([widgets.VBox([slider]), image])""",
]

INSTRUMENT = """
img => {
    const lat = {keys: [], srcs: []};
    window.__latency = lat;
    document.addEventListener('keydown', e => lat.keys.push(e.timeStamp), true);
    new MutationObserver(() => lat.srcs.push(performance.now()))
        .observe(img, {attributes: true, attributeFilter: ['src']});
}
"""
SETTLED = f"""
before => {{
    const s = window.__latency.srcs;
    return s.length > before && performance.now() - s[s.length - 1] > {SETTLE_MS};
}}
"""
PNG_BYTES = "async img => (await (await fetch(img.src)).blob()).size"


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


def explorer_names(path: Path) -> list[str]:
    """The explorer classes a notebook builds, in order (``x = NameExplorer(``)."""
    cells = json.loads(path.read_text())["cells"]
    code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    return re.findall(r"=\s*(\w+Explorer)\(", code)


def write_floor_notebook(path: Path) -> None:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": source} for source in FLOOR_CELLS]
    notebook = {"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    path.write_text(json.dumps(notebook, indent=1) + "\n")


def start_lab(root: Path, home: Path) -> tuple[subprocess.Popen, str, str]:
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), IPYTHONDIR=str(home / "ipython"),
               MPLCONFIGDIR=str(home / "mpl"))
    port, token = free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(home / "server.log", "w"))
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            api(base, token, "/api/status")
            return server, base, token
        except OSError:
            if server.poll() is not None:
                log = (home / "server.log").read_text()
                raise RuntimeError(f"JupyterLab exited: {log}") from None
            time.sleep(0.25)
    stop_lab(server, base, token)
    raise RuntimeError("JupyterLab did not answer within 60 s")


def shut_down_sessions(base: str, token: str) -> None:
    try:
        for session in api(base, token, "/api/sessions") or []:
            api(base, token, f"/api/sessions/{session['id']}", method="DELETE")
        for kernel in api(base, token, "/api/kernels") or []:
            api(base, token, f"/api/kernels/{kernel['id']}", method="DELETE")
    except OSError:
        pass


def stop_lab(server: subprocess.Popen, base: str, token: str) -> None:
    shut_down_sessions(base, token)
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def open_and_run_all(page: Page, base: str, token: str, name: str, images: int) -> None:
    """Open a notebook in a fresh workspace, Run All, wait for every cell and image."""
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
    page.locator(".jp-DebuggerBugButton[aria-disabled='false']").wait_for(timeout=120_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
    page.wait_for_function(
        "n => { const i = [...document.querySelectorAll('img.widget-image')];"
        " return i.length >= n && i.every(x => x.complete && x.naturalWidth > 0); }",
        arg=images, timeout=180_000)
    # every queued cell has run (a running or queued cell's prompt reads [*])
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-InputArea-prompt')]"
        ".some(p => p.textContent.includes('*'))", timeout=180_000)


def measure(page: Page, index: int, moves: int) -> dict:
    """Move the first slider of the index-th explorer; latencies in ms, png bytes, updates."""
    image = page.locator("img.widget-image").nth(index)
    box = image.locator("xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')][1]")
    slider = box.locator(".widget-slider").first
    label = (slider.locator(".widget-label").first.text_content() or "").strip()
    handle = slider.locator(".noUi-handle").first
    image.evaluate(INSTRUMENT)
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.wait_for_timeout(SETTLE_MS)
    latencies, updates, missed, key = [], [], 0, "ArrowRight"
    for _ in range(moves):
        now, low, high = (float(handle.get_attribute(a))
                          for a in ("aria-valuenow", "aria-valuemin", "aria-valuemax"))
        if now >= high:
            key = "ArrowLeft"
        elif now <= low:
            key = "ArrowRight"
        before = page.evaluate("window.__latency.srcs.length")
        page.keyboard.press(key)
        try:
            page.wait_for_function(SETTLED, arg=before, polling="raf", timeout=MOVE_TIMEOUT_MS)
        except PlaywrightError:
            missed += 1
            continue
        lat = page.evaluate("window.__latency")
        latencies.append(lat["srcs"][before] - lat["keys"][-1])
        updates.append(len(lat["srcs"]) - before)
    return {"label": label, "ms": latencies, "updates": updates, "missed": missed,
            "png": image.evaluate(PNG_BYTES)}


def stats(ms: list[float]) -> tuple[float, float]:
    if not ms:
        return float("nan"), float("nan")
    return float(np.median(ms)), float(np.percentile(ms, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=12, help="arrow-key moves per slider")
    parser.add_argument("--notebooks", nargs="*", default=None, metavar="PREFIX",
                        help="only notebooks whose name starts with one of these (e.g. 05 10)")
    args = parser.parse_args()
    notebooks = [path for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
                 if explorer_names(path) and (args.notebooks is None or any(
                     path.name.startswith(prefix) for prefix in args.notebooks))]
    if not notebooks:
        parser.error(f"no notebook with an explorer matches {args.notebooks}")
    started = time.perf_counter()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
          f" ({os.cpu_count()} cores); {args.moves} moves per slider", flush=True)
    with tempfile.TemporaryDirectory(prefix="cs551-browser-latency-") as tmp:
        root, home = Path(tmp) / "root", Path(tmp) / "jupyter"
        root.mkdir()
        for path in notebooks:
            shutil.copy(path, root / path.name)
        write_floor_notebook(root / FLOOR_NOTEBOOK)
        server, base, token = start_lab(root, home)
        rows, floor = [], {"ms": [], "updates": [], "missed": 0, "png": 0}
        try:
            with sync_playwright() as playwright:
                executable = chromium_path()
                browser = playwright.chromium.launch(
                    executable_path=executable, args=CHROMIUM_FLAGS) if executable else \
                    playwright.chromium.launch(args=CHROMIUM_FLAGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.route("**/*", lambda route: route.continue_()
                           if route.request.url.startswith(base) else route.abort())
                try:
                    floors = []

                    def run_floor() -> None:
                        open_and_run_all(page, base, token, FLOOR_NOTEBOOK, 1)
                        result = measure(page, 0, args.moves)
                        floors.append(result)
                        median, p95 = stats(result["ms"])
                        print(f"  floor pass {len(floors)}: median {median:.1f} ms,"
                              f" p95 {p95:.1f} ms", flush=True)
                        page.goto("about:blank")
                        shut_down_sessions(base, token)

                    run_floor()
                    for path in notebooks:
                        names = explorer_names(path)
                        open_and_run_all(page, base, token, path.name, len(names))
                        for index, name in enumerate(names):
                            result = measure(page, index, args.moves)
                            result["name"] = f"{path.name[:2]} {name}"
                            rows.append(result)
                            median, p95 = stats(result["ms"])
                            print(f"  {result['name']} ({result['label']}): median {median:.1f}"
                                  f" ms, p95 {p95:.1f} ms", flush=True)
                        page.goto("about:blank")
                        shut_down_sessions(base, token)
                    run_floor()
                    for result in floors:
                        for key in ("ms", "updates"):
                            floor[key] += result[key]
                        floor["missed"] += result["missed"]
                    floor["png"] = floors[0]["png"]
                finally:
                    browser.close()
        finally:
            stop_lab(server, base, token)

    floor_median, floor_p95 = stats(floor["ms"])
    print()
    print(f"{'explorer':34} {'slider':>13} {'median ms':>10} {'p95 ms':>8} {'x floor':>8}"
          f" {'max ms':>8} {'img/move':>8} {'PNG kB':>7}")
    for row in [*rows, dict(floor, name="floor: FloatSlider + 2 PNGs", label="")]:
        median, p95 = stats(row["ms"])
        per_move = np.mean(row["updates"]) if row["updates"] else float("nan")
        missed = f"  ({row['missed']} moves without a new image)" if row["missed"] else ""
        print(f"{row['name']:34} {row['label']:>13} {median:10.1f} {p95:8.1f}"
              f" {median / floor_median:8.2f} {max(row['ms'], default=float('nan')):8.1f}"
              f" {per_move:8.2f} {row['png'] / 1e3:7.0f}{missed}")
    print(f"\nfloor: median {floor_median:.1f} ms, p95 {floor_p95:.1f} ms"
          f" ({len(floor['ms'])} moves in two passes, before and after the explorers)")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())};"
          f" total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
