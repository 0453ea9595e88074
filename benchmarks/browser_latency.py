"""Slider latency as the student feels it: JupyterLab in headless Chromium, key press to new image.

    python benchmarks/browser_latency.py [--moves 12] [--notebooks 05 10_batch ...]

Starts JupyterLab on 127.0.0.1 (``cs551.browser.start_lab``: a token, throw-away settings,
a temporary root holding copies of the notebooks) and headless Chromium driven by
Playwright, as the browser test does. For every notebook with an explorer: opens it, runs
all cells, waits for each explorer's ``<img>``, then presses an arrow key on the explorer's
first slider ``--moves`` times (turning back at the end of its range). In the page, the key
press is timed by a ``keydown`` listener and the image by a ``MutationObserver`` on its
``src``; the latency of a move is the time from the key press to the first new ``src``.
Before the next move the image must settle (no new ``src`` for a quarter of a second).

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
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

from cs551.browser import CHROMIUM_FLAGS, chromium_path, start_lab

ROOT = Path(__file__).resolve().parent.parent
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
        lab = start_lab(root, home)
        base, token = lab.base, lab.token
        rows, floors = [], []
        try:
            with sync_playwright() as playwright:
                executable = chromium_path()
                browser = playwright.chromium.launch(
                    executable_path=executable, args=CHROMIUM_FLAGS) if executable else \
                    playwright.chromium.launch(args=CHROMIUM_FLAGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.route("**/*", lambda route: route.continue_()
                           if route.request.url.startswith(base) else route.abort())

                def run(name: str, explorers: list[str]) -> list[dict]:
                    """Open a notebook, Run All, move each explorer's first slider."""
                    open_and_run_all(page, base, token, name, len(explorers))
                    results = []
                    for index, explorer in enumerate(explorers):
                        result = dict(measure(page, index, args.moves), name=explorer)
                        median, p95 = stats(result["ms"])
                        print(f"  {explorer} ({result['label']}): median {median:.1f} ms,"
                              f" p95 {p95:.1f} ms", flush=True)
                        results.append(result)
                    page.goto("about:blank")
                    lab.shut_down_sessions()
                    return results

                try:
                    floors += run(FLOOR_NOTEBOOK, ["floor pass 1"])
                    for path in notebooks:
                        rows += run(path.name, [f"{path.name[:2]} {name}"
                                                for name in explorer_names(path)])
                    floors += run(FLOOR_NOTEBOOK, ["floor pass 2"])
                finally:
                    browser.close()
        finally:
            lab.stop()
    floor = {"ms": [ms for f in floors for ms in f["ms"]],
             "updates": [u for f in floors for u in f["updates"]],
             "missed": sum(f["missed"] for f in floors), "png": floors[0]["png"]}

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
