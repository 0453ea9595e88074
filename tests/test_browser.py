"""The course in a real browser: JupyterLab + headless Chromium, driven by Playwright.

Starts JupyterLab on 127.0.0.1 with a token and throw-away settings, opens the
exact-line-search notebook, runs all cells, checks that the explorer's slider and
figure render, moves the b slider and checks that the figure changed. Screenshots
go to a temporary folder, kept (and named in the failure message) when the test fails.

Marked ``browser``: deselect with ``-m "not browser"``. Without Chromium or
Playwright it is skipped, except in CI (``CS551_CI=1``), where that is a failure.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from cs551.browser import CHROMIUM_FLAGS, start_lab

from .helpers import chromium_for_playwright

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "11_exact_line_search.ipynb"
pytestmark = pytest.mark.browser


@pytest.fixture
def chromium() -> str:
    """Checked before JupyterLab starts (``lab`` depends on it), so that a missing tool
    skips (or, in CI, fails) at once instead of after the server's start-up."""
    return chromium_for_playwright()


@pytest.fixture
def lab(tmp_path, chromium):
    """A JupyterLab server on a copy of the notebook; yields (base URL, token)."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    try:
        server = start_lab(root, tmp_path / "jupyter", timeout=30)
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        yield server.base, server.token
    finally:
        server.stop()


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
