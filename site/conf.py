"""Sphinx configuration of the course's website: `python3 course.py site`.

The pages are the stored notebooks, rendered as they are (myst-nb, no execution: their outputs
are what the tests checked), in sphinx-book-theme, with MathJax served from the site itself
(sphinx-mathjax-offline) so that nothing is fetched from the network, to build or to read.
`course.py site` stages this folder, notebooks/ and the assignments' student versions into
build/site-src/ and builds build/site/.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from docutils import nodes

project = "CS551 · Optimization for Deep Learning"
author = "CS551"
copyright = "CS551 contributors, MIT licence"

extensions = ["myst_nb", "sphinx-mathjax-offline"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# The notebooks are stored executed and tested: render them as they are, never re-run them.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = project
html_favicon = "favicon.svg"
html_theme_options = {
    "show_navbar_depth": 1,
    "home_page_in_toc": True,
    "use_download_button": True,
}
html_context = {"default_mode": "light"}  # (no stored choice on a file:// page)
html_copy_source = False
html_show_sourcelink = False


def output_alt_texts(srcdir: Path) -> dict[str, str]:
    """sha256 of each stored PNG -> the alt text its output carries (``metadata["image/png"]``).

    myst-nb names an image output's file by the sha256 of its bytes; the course's plotting
    helpers and explorers put their description in the output's metadata.
    """
    alts = {}
    for path in srcdir.rglob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                png = output.get("data", {}).get("image/png")
                alt = output.get("metadata", {}).get("image/png", {}).get("alt")
                if png and alt:
                    digest = hashlib.sha256(base64.b64decode("".join(png))).hexdigest()
                    alts[digest] = alt
    return alts


def add_alt_texts(app, doctree) -> None:
    alts = app.env.cs551_alts
    for image in doctree.findall(nodes.image):
        digest = Path(image.get("uri", "")).stem
        if digest in alts and not image.get("alt"):
            image["alt"] = alts[digest]


def setup(app) -> None:
    def collect(app) -> None:
        app.env.cs551_alts = output_alt_texts(Path(app.srcdir))

    app.connect("builder-inited", collect)
    app.connect("doctree-read", add_alt_texts)
