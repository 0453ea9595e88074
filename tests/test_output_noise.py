"""The stored outputs carry no noise: what a student reads under a cell is the result, readable.

No line wider than 100 characters (it wraps in JupyterLab and on the web), no stray return
value (``(0.0, 12000.0)`` from ``ax.set_xlim``), no ``None``/``nan`` where a number belongs,
no negative zero, no SymPy symbol name that is not the notebook's notation (``what_1``).
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDTH = 100


def text_outputs(path: Path):
    """(cell index, output type, text) of every text output stored in a notebook."""
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if output["output_type"] == "stream":
                yield i, "stream", "".join(output["text"])
            elif "text/plain" in data and not {"image/png", "text/latex"} & set(data):
                yield i, output["output_type"], "".join(data["text/plain"])  # what is shown


def lines_where(path: Path, bad) -> list[str]:
    return [f"cell {i}: {line}" for i, kind, text in text_outputs(path)
            for line in text.splitlines() if bad(kind, line)]


def test_the_checks_see_the_outputs():
    assert sum(1 for path in NOTEBOOKS for _ in text_outputs(path)) > 150


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_output_line_is_wider_than_100_characters(path):
    assert lines_where(path, lambda kind, line: len(line) > WIDTH) == []


STRAY = re.compile(r"\(-?[\d.e+-]+, -?[\d.e+-]+\)|\[<matplotlib.*>\]|Text\(.*\)|<matplotlib.*>")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_stray_return_value_is_shown(path):
    assert lines_where(path, lambda kind, line: kind == "execute_result"
                       and STRAY.fullmatch(line.strip())) == []


MISSING = re.compile(r"(?<!from )\bNone\b|\bnan\b|(?<![\w.])-0\.(?!\d)|(?<![\w.])-0(?![\w.])")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_none_nan_or_negative_zero_where_a_number_belongs(path):
    assert lines_where(path, lambda kind, line: MISSING.search(line)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_symbol_name_outside_the_notebooks_notation(path):
    """A printed SymPy expression uses the notebook's symbols: ``ŵ_1``, not ``what_1``."""
    assert lines_where(path, lambda kind, line: re.search(r"\bwhat_\d", line)) == []


@pytest.mark.parametrize("line, noisy", [
    ("(0.0, 12000.0)", True), ("theta = [-0.  0.]", True), ("after None iterations", True),
    ("smallest nan", True), ("raise ValueError(...) from None", False), ("x = -0.5", False),
    ("step -0 of", True), ("lr 1e-03", False),
])
def test_the_patterns_tell_noise_from_results(line, noisy):
    assert bool(STRAY.fullmatch(line) or MISSING.search(line)) == noisy
