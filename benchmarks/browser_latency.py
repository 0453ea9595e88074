"""Slider latency as the student feels it: JupyterLab in headless Chromium, key press to new image.

    python benchmarks/browser_latency.py [--moves 12] [--notebooks 05 10_batch ...]

Starts JupyterLab on 127.0.0.1 (``cs551.browser.start_lab``: a token, throw-away settings,
a temporary root holding copies of the notebooks) and headless Chromium driven by
Playwright, as the browser test does. For every notebook with an explorer: opens it, runs
all cells, waits for each explorer's ``<img>``, then presses an arrow key on the explorer's
first slider ``--moves`` times (turning back at the end of its range). In the page, the key
press is timed by a ``keydown`` listener and the image by a ``MutationObserver`` on its
``src``; the latency of a move is the time from the key press to the first new ``src``
(and, for an explorer that first shows a "training…" picture, to the last one: "final").
Before the next move the image must settle (no new ``src`` for a quarter of a second).

Then a drag: ``--drag`` key presses in quick succession (a key held down, one press per
frame) towards the end of the range with more room, which the picture must follow without
queueing stale ones: the number of pictures shown for the values the slider went through
(its readout's changes), the time from the last value change to the settled picture, and
whether the settled picture is the picture of the final value (the same bytes after a move
away and back).

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
DRAG_GAP_MS = 16  # a key held down: one press per frame
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
box => {
    const lat = {keys: [], srcs: [], values: []};
    window.__latency = lat;
    document.addEventListener('keydown', e => lat.keys.push(e.timeStamp), true);
    new MutationObserver(() => lat.srcs.push(performance.now()))
        .observe(box.querySelector('img.widget-image'),
                 {attributes: true, attributeFilter: ['src']});
    new MutationObserver(() => lat.values.push(performance.now()))
        .observe(box.querySelector('.widget-slider .widget-readout'),
                 {characterData: true, childList: true, subtree: true});
}
"""
SETTLED = f"""
before => {{
    const s = window.__latency.srcs;
    return s.length > before && performance.now() - s[s.length - 1] > {SETTLE_MS};
}}
"""
PNG_BYTES = "async img => (await (await fetch(img.src)).blob()).size"
PNG_DIGEST = """async img => {
    const bytes = await (await fetch(img.src)).arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
}"""


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


def press(page: Page, handle, key: str | None = None, times: int = 1,
          gap_ms: float = 0) -> tuple[str, dict | None]:
    """Press an arrow key on a slider ``times`` times (``gap_ms`` apart) and wait until the
    image settles: ``key``, unless the slider is at that end of its range; without a
    ``key``, towards the end with more room. The key used, and the page's record (None if
    no new image came)."""
    now, low, high = (float(handle.get_attribute(a))
                      for a in ("aria-valuenow", "aria-valuemin", "aria-valuemax"))
    if key is None:
        key = "ArrowRight" if high - now >= now - low else "ArrowLeft"
    elif (key == "ArrowRight" and now >= high) or (key == "ArrowLeft" and now <= low):
        key = "ArrowLeft" if now >= high else "ArrowRight"
    before = page.evaluate("window.__latency.srcs.length")
    for i in range(times):
        page.keyboard.press(key)
        if gap_ms and i < times - 1:
            page.wait_for_timeout(gap_ms)
    try:
        page.wait_for_function(SETTLED, arg=before, polling="raf", timeout=MOVE_TIMEOUT_MS)
    except PlaywrightError:
        return key, None
    lat = page.evaluate("window.__latency")
    return key, {"before": before, **lat}


def measure(page: Page, index: int, moves: int, drag: int) -> dict:
    """Move the first slider of the index-th explorer, then drag it: latencies in ms (first
    and final new image), png bytes, updates per move, and the drag's record."""
    image = page.locator("img.widget-image").nth(index)
    box = image.locator("xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')][1]")
    slider = box.locator(".widget-slider").first
    label = (slider.locator(".widget-label").first.text_content() or "").strip()
    handle = slider.locator(".noUi-handle").first
    box.evaluate(INSTRUMENT)
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.wait_for_timeout(SETTLE_MS)
    latencies, finals, updates, missed, key = [], [], [], 0, "ArrowRight"
    for _ in range(moves):
        key, lat = press(page, handle, key)
        if lat is None:
            missed += 1
            continue
        latencies.append(lat["srcs"][lat["before"]] - lat["keys"][-1])
        finals.append(lat["srcs"][-1] - lat["keys"][-1])
        updates.append(len(lat["srcs"]) - lat["before"])
    result = {"label": label, "ms": latencies, "final": finals, "updates": updates,
              "missed": missed, "png": image.evaluate(PNG_BYTES)}
    if drag:
        values_before = len(page.evaluate("window.__latency.values"))
        key, lat = press(page, handle, None, times=drag, gap_ms=DRAG_GAP_MS)
        if lat is not None:
            settled = image.evaluate(PNG_DIGEST)
            back = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
            press(page, handle, back)  # one step away...
            press(page, handle, key)  # ...and back: the picture of the final value itself
            # the slider's last value change (a slider of few options may reach its end first)
            changed = lat["values"][-1] if len(lat["values"]) > values_before else lat["keys"][-1]
            result["drag"] = {"values": len(lat["values"]) - values_before,
                              "pictures": len(lat["srcs"]) - lat["before"],
                              "settle": lat["srcs"][-1] - changed,
                              "final": image.evaluate(PNG_DIGEST) == settled}
    return result


def stats(ms: list[float]) -> tuple[float, float]:
    if not ms:
        return float("nan"), float("nan")
    return float(np.median(ms)), float(np.percentile(ms, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=12, help="arrow-key moves per slider")
    parser.add_argument("--drag", type=int, default=10,
                        help="key presses in quick succession for the drag (0: no drag)")
    parser.add_argument("--verbose", action="store_true", help="print every move's latency")
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
                        result = dict(measure(page, index, args.moves, args.drag),
                                      name=explorer)
                        median, p95 = stats(result["ms"])
                        print(f"  {explorer} ({result['label']}): median {median:.1f} ms,"
                              f" p95 {p95:.1f} ms", flush=True)
                        if args.verbose:
                            print("    moves:", " ".join(f"{ms:.0f}" for ms in result["ms"]),
                                  "| final:", " ".join(f"{ms:.0f}" for ms in result["final"]),
                                  flush=True)
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
    floor = {key: [x for f in floors for x in f[key]] for key in ("ms", "final", "updates")}
    floor.update(missed=sum(f["missed"] for f in floors), png=floors[0]["png"],
                 drag=floors[-1].get("drag"))

    floor_median, floor_p95 = stats(floor["ms"])
    print()
    print(f"{'explorer':34} {'slider':>13} {'median ms':>10} {'p95 ms':>8} {'x floor':>8}"
          f" {'p95 x':>6} {'max ms':>8} {'final p95':>9} {'img/move':>8} {'PNG kB':>7}"
          f"   drag: pictures of values, settle ms, final")
    for row in [*rows, dict(floor, name="floor: FloatSlider + 2 PNGs", label="")]:
        median, p95 = stats(row["ms"])
        per_move = np.mean(row["updates"]) if row["updates"] else float("nan")
        missed = f"  ({row['missed']} moves without a new image)" if row["missed"] else ""
        drag = row.get("drag")
        # a settle before the last value change: that value's picture was the one shown
        settle = f"{drag['settle']:6.1f}" if drag and drag["settle"] >= 0 else "     -"
        dragged = (f"   {drag['pictures']:3d} of {drag['values']:2d}, {settle},"
                   f" {'same' if drag['final'] else 'DIFFERENT'}") if drag else "   -"
        print(f"{row['name']:34} {row['label']:>13} {median:10.1f} {p95:8.1f}"
              f" {median / floor_median:8.2f} {p95 / floor_median:6.2f}"
              f" {max(row['ms'], default=float('nan')):8.1f} {stats(row['final'])[1]:9.1f}"
              f" {per_move:8.2f} {row['png'] / 1e3:7.0f}{dragged}{missed}")
    print(f"\nfloor: median {floor_median:.1f} ms, p95 {floor_p95:.1f} ms"
          f" ({len(floor['ms'])} moves in two passes, before and after the explorers)")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())};"
          f" total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
