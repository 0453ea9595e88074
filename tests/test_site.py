"""The course's website in a real browser: built from the stored notebooks, read offline.

Builds the site as ``python3 course.py site`` does (Sphinx treats every warning as an error),
serves it on 127.0.0.1 and opens every page in headless Chromium (Playwright), which records
console errors and every request. Each page must load with no console error, request nothing
outside the local server, typeset every formula (no raw ``$...$`` left, no MathJax error),
and show every figure and explorer picture its notebook stores, each with its alt text; the
contents page must reach every notebook and assignment, and each notebook its successor.

Marked ``browser``, like tests/test_browser.py: skipped without Chromium, Playwright or the
``site`` extra (Sphinx), except in CI, where that is a failure.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import importlib.util
import json
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin

import pytest

from cs551.browser import CHROMIUM_FLAGS

from .helpers import chromium_for_playwright, skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ASSIGNMENTS = sorted((ROOT / "assignments" / "release").glob("*/*.ipynb"))


def load_course():
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    return course


def stored_pictures(notebook: Path) -> dict[str, str]:
    """sha256 of every PNG the notebook stores -> its alt text ('' if none)."""
    pictures = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                digest = hashlib.sha256(base64.b64decode("".join(png))).hexdigest()
                pictures[digest] = output.get("metadata", {}).get("image/png", {}).get("alt", "")
    return pictures


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The website, built into a temporary folder exactly as ``course.py site`` builds it."""
    if shutil.which("sphinx-build", path=str(load_course().BIN)) is None:
        skip_or_fail("Sphinx is not installed: pip install -e '.[site]'")
    out = tmp_path_factory.mktemp("site") / "site"
    assert load_course().site([], out=out) == 0, "the site does not build without warnings"
    return out


@pytest.fixture(scope="module")
def server(site):
    """The site on a static server on 127.0.0.1 (what any static host does); yields its URL."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    executable = chromium_for_playwright()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable,
                                              args=CHROMIUM_FLAGS[1:])
        yield chromium
        chromium.close()


# Run in the page once MathJax is done: what a reader sees of the math and the pictures.
INSPECT = """async () => {
    if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
    const article = document.querySelector("article") || document.body;
    const prose = article.cloneNode(true);  // the prose: code and printed outputs removed
    prose.querySelectorAll("pre, code, mjx-container").forEach(e => e.remove());
    document.body.appendChild(prose);
    const text = prose.innerText;
    prose.remove();
    return {
        raw_math: (text.match(/\\$[^$\\n]{1,60}\\$/g) || []).slice(0, 5),
        untypeset: Array.from(document.querySelectorAll("span.math, div.math"))
            .filter(e => !e.querySelector("mjx-container")).length,
        typeset: document.querySelectorAll("mjx-container").length,
        math_errors: Array.from(document.querySelectorAll("mjx-merror"))
            .map(e => e.getAttribute("data-mjx-error") || e.textContent).slice(0, 5),
        images: Array.from(article.querySelectorAll("img")).map(i => ({
            src: i.getAttribute("src"), alt: i.getAttribute("alt") || "",
            loaded: i.complete && i.naturalWidth > 0})),
        links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
        next: (document.querySelector("a.right-next") || {}).href || null,
        search: !!document.querySelector("form[action*='search'], .search-button"),
    };
}"""


@functools.cache
def visit(browser, url: str, base: str) -> dict:
    """Open ``url`` in a fresh page; what INSPECT found, plus console errors and requests
    (once per page: the tests below share what a visit found)."""
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.on("response", lambda response: response.status >= 400 and errors.append(
        f"{response.status}: {response.url}"))
    try:
        page.goto(url, wait_until="load")
        found = page.evaluate(INSPECT)
    finally:
        page.close()
    found["errors"] = errors
    found["outside"] = [r for r in requests if not r.startswith((base, "data:", "blob:"))]
    return found


def page_url(base: str, notebook: Path) -> str:
    return urljoin(base, notebook.relative_to(ROOT).with_suffix(".html").as_posix())


@pytest.mark.parametrize("notebook", NOTEBOOKS + ASSIGNMENTS, ids=lambda path: (
    path.stem if path in NOTEBOOKS else f"assignment-{path.stem}"))
def test_every_page_loads_offline_with_its_math_and_pictures(browser, server, notebook):
    found = visit(browser, page_url(server, notebook), server)
    where = notebook.relative_to(ROOT)
    assert found["errors"] == [], f"{where}: console errors {found['errors']}"
    assert found["outside"] == [], f"{where}: requests leaving the site {found['outside']}"
    assert found["raw_math"] == [] and found["untypeset"] == 0, (
        f"{where}: formulas left untypeset: {found['raw_math']}")
    assert found["math_errors"] == [], f"{where}: MathJax errors {found['math_errors']}"
    assert found["typeset"] > 0 and found["search"]
    assert all(image["loaded"] for image in found["images"]), f"{where}: a picture did not load"
    shown = {Path(image["src"]).stem: image["alt"] for image in found["images"]}
    for digest, alt in stored_pictures(notebook).items():
        assert digest in shown, f"{where}: a stored figure is missing from the page"
        assert alt and shown[digest] == alt, f"{where}: a figure lacks its alt text"
    assert all(image["alt"].strip() and not image["alt"].startswith("../")
               for image in found["images"]), f"{where}: an image without alt text"


def test_the_contents_page_reaches_every_notebook_and_each_notebook_the_next(browser, server):
    contents = visit(browser, server, server)
    assert contents["errors"] == [] and contents["outside"] == []
    pages = {page_url(server, notebook) for notebook in NOTEBOOKS + ASSIGNMENTS}
    assert pages <= set(contents["links"]), f"not linked: {pages - set(contents['links'])}"
    for notebook, successor in zip(NOTEBOOKS, NOTEBOOKS[1:], strict=False):
        page = visit(browser, page_url(server, notebook), server)
        assert page["next"] == page_url(server, successor), f"{notebook.name}: next page"


def test_the_search_box_finds_a_notebook(browser, server):
    page = browser.new_page()
    try:
        page.goto(urljoin(server, "search.html?q=Nesterov"))
        page.wait_for_selector("ul.search li", timeout=15_000)
        found = page.eval_on_selector_all("ul.search li a", "links => links.map(a => a.href)")
    finally:
        page.close()
    assert page_url(server, ROOT / "notebooks" / "06_momentum.ipynb") in found


def test_the_site_opens_from_disk_too(browser, site):
    """A reader who downloads the folder opens index.html with no server at all."""
    found = visit(browser, (site / "notebooks" / "11_exact_line_search.html").as_uri(), "file:")
    assert found["errors"] == [] and found["outside"] == []
    assert found["typeset"] > 0 and found["untypeset"] == 0
    assert len(found["images"]) > len(stored_pictures(NOTEBOOKS[-1]))  # its figures and badge
    assert all(image["loaded"] and image["alt"] for image in found["images"])
