"""Every figure a notebook's prose quotes is one the notebook prints (or sets in its code).

Prose that quotes a result ("the held-out NLL falls to 0.27") goes stale silently when the code
or the data change. This test reads each stored notebook (it executes nothing) and checks every
number quoted in a markdown cell against the numbers of that notebook's code cells and text
outputs.

**Which numbers count as quoted figures.** In the markdown, after blanking what is not prose:

- fenced and inline code, LaTeX math (``$...$``, ``$$...$$``, ``\\[...\\]``, ``\\(...\\)``,
  ``\\begin{...}...\\end{...}``), HTML comments and tags, URLs and link targets ``(...)``;
- heading numbers (``## 3.``) and numbered-list markers (``1. ``);
- references such as "notebook 05", "notebooks 02–04", "sections 1 and 2", "slide 12",
  "ch. 8", "assignment 3";

a number is a token like ``0.27``, ``64%``, ``9,952``, ``20 000``, ``1e-8``, ``2.5x`` that is
not glued to a word (``cs551``, ``x0``, ``float64`` are names). It is checked if it has a
decimal point, a percent sign, an exponent or a thousands separator, or if it is an integer of
at least 100. Plain integers below 100 (counts, list items, "10 steps", "3 units") and plain
four-digit years 1900–2099 (citations) are not quoted figures.

**What counts as appearing.** The numbers of the code sources and of the text outputs (stream
text, ``text/plain``, ``text/latex``, ``text/html``, ``text/markdown``) are read the same way
(thousands separators ``,`` and ``_`` removed, and also split at commas; signs ignored, since
prose says "falls by 0.3" where the output prints -0.3). A prose number matches

- a number of the code with the same value (``0.50`` matches ``lr=0.5``, ``20 000`` matches
  ``20_000``), or
- a number of the outputs with the same value at the same or a higher precision: one that
  rounds to it at the prose's ``d`` decimals (``1e-8`` has 8), i.e. lies within half a unit of
  its last digit. Prose ``0.27`` matches ``0.27``, ``0.270``, ``0.2703``, ``0.2698``, not
  ``0.3`` or ``0.2751`` (a tie rounds up or to even: ``0.95`` is ``1.0``, not ``0.9``);
  prose ``9,952`` matches ``9952``. An output printed with fewer digits matches only with
  exactly the same value (``0.5`` for ``0.50``, ``7.5e+02`` for ``750``).

A percentage ``p%`` matches ``p%`` (with its sign) or the fraction ``p/100`` (two more
decimals): ``64%`` matches ``64%``, ``64.0%``, ``0.64`` and ``0.6391`` in the outputs.

**The allow-list.** ``ALLOWED[notebook][number] = reason`` accepts a figure the notebook cannot
print: a slide's own figure, a constant or hyperparameter given only in prose. Keys are the
normalised number text (separators and ``%`` removed: ``"10000"`` for "~10,000"). An entry
that no longer matches an unmatched prose number fails the test too, so the list stays short.
"""

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "assignments" / "source").glob("*/*.ipynb")
)

# notebook file name -> {normalised number text -> why the notebook cannot print it}
ALLOWED: dict[str, dict[str, str]] = {
    "00_welcome.ipynb": {
        "0.9": "a slider value the reader is asked to try (set `momentum` to 0.9)",
    },
    "01_learning_vs_optimization.ipynb": {
        "0.125": "an exercise's answer (held-out NLL at m = 898, l2 = 1e-3), for the student "
        "to compute",
        "0.153": "an exercise's answer (held-out NLL at m = 898, l2 = 0)",
        "0.179": "an exercise's answer (held-out NLL at m = 898, l2 = 0.01)",
    },
    "02_minibatches.ipynb": {
        "200": "library defaults the prose states: noise_regularization(steps=200) and "
        "MinibatchExplorer(draws=200)",
        "1.24": "a version number (numpy 1.24, the lowest declared), not a measurement",
        **dict.fromkeys(("124", "132", "252", "260"), "the sizes p - 4 .. p + 4 that "
                        "scan_batch_sizes(powers=(64, 128, 256), width=4) times; only the "
                        "timing cell, which nbval does not compare, prints them"),
    },
    "04_challenges.ipynb": {
        "2.5": "an exercise's answer, eps * max_norm = 0.5 * 5, from the exercise's own settings",
        "2410": "the digits MLP's parameter count (printed by notebook 02)",
        "0.35": "read off the figure above it (the biased estimate's miss, 0.348)",
        "0.83": "read off the figure above it (the true gradient's length, 0.830)",
    },
    "05_sgd.ipynb": {
        "1078": "the size of the digits' training split (printed by notebook 02)",
    },
    "07_initialization.ipynb": {
        "256": "an exercise's own setting (a ReLU layer of 256 inputs)",
    },
    "08_adaptive_learning_rates.ipynb": {
        "0.999": "the explorer's largest rho (AdaptiveExplorer accepts rho up to 0.999)",
        "400": "the explorer's largest number of steps (AdaptiveExplorer max_steps=400)",
        "230": "an exercise's answer: ln 0.1 / ln 0.99 = 229.1 (in the math), rounded up",
    },
    "10_batch_normalization.ipynb": {
        "256": "library default the prose states: activation_statistics(probe=256)",
        "1078": "the size of the digits' training split (printed by notebook 02)",
        "0.27": "an exercise's answer (2 hidden layers, lr = 1, in the explorer)",
        "0.36": "an exercise's answer (running_average_lag with momentum 0.99)",
    },
}

# --- reading the markdown ---------------------------------------------------------------------

_MULTILINE = re.MULTILINE | re.DOTALL
# What is not prose. Each match is blanked (replaced by spaces, newlines kept), so that the
# positions of the numbers left over still point into the cell's source, for the message.
_NOT_PROSE = [
    re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", _MULTILINE),  # fenced code
    re.compile(r"(`+).+?\1", re.DOTALL),  # inline code
    re.compile(r"<!--.*?-->", re.DOTALL),  # HTML comment
    re.compile(r"\\\$"),  # an escaped dollar is not math
    re.compile(r"\$\$.+?\$\$", re.DOTALL),  # display math
    re.compile(r"\\begin\{([^}]*)\}.*?\\end\{\1\}", re.DOTALL),  # LaTeX environment
    re.compile(r"\\\[.*?\\\]|\\\(.*?\\\)", re.DOTALL),  # \[...\] and \(...\)
    re.compile(r"\$(?:\\.|[^$\\])+\$", re.DOTALL),  # inline math (may wrap lines)
    re.compile(r"</?[A-Za-z!][^>]*>"),  # HTML tag with its attributes
    re.compile(r"(?<=\])\([^)\s]*(?:\s+\"[^\"]*\")?\)"),  # link or image target
    re.compile(r"^[ \t]*\[[^\]]+\]:.*$", re.MULTILINE),  # reference-link definition
    re.compile(r"\b(?:https?://|www\.)\S+"),  # bare URL
    re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\d+(?:\.\d+)*\.?(?=\s)", re.MULTILINE),  # "## 3."
    re.compile(r"^[ \t>]*\d+[.)](?=[ \t])", re.MULTILINE),  # numbered-list marker
    re.compile(  # "notebook 05", "notebooks 02–04", "sections 1 and 2", "slide 12", "ch. 8"
        r"(?:\b(?:notebooks?|sections?|slides?|chapters?|ch\.|chap\.|assignments?|exercises?"
        r"|questions?|parts?|figures?|figs?\.|eqs?\.|equations?|lectures?|tables?)|§)"
        r"[ \t]*\n?[ \t]*\[?\d+(?:\.\d+)*\]?"  # (a line break may fall in a reference)
        r"(?:[ \t]*\n?[ \t]*(?:,|–|—|-|to|and|or|&)[ \t]*\n?[ \t]*\[?\d+(?:\.\d+)*\]?)*",
        re.IGNORECASE,
    ),
]

_SPACE = " \u00a0\u2009\u202f"  # a thousands separator may also be a (thin) space in prose
_NUMBER = re.compile(
    r"(?<![\w.,])"  # not part of a name (x0, cs551), a decimal or a list like 1,2
    r"(?P<mantissa>"
    r"\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?"  # 9,952  1,078.5
    rf"|\d{{1,3}}(?:[{_SPACE}]\d{{3}})+(?![\d.,]\d)"  # 20 000
    r"|\d+(?:\.\d+)?|\.\d+"
    r")"
    r"(?P<exponent>[eE][-+−]?\d+)?"
    r"(?P<percent>[ \u00a0]?%)?"
)


@dataclass(frozen=True)
class Quoted:
    """A number quoted in the prose: its normalised text, value, decimals, place."""

    text: str  # normalised: no separators, no %, '-' for the unicode minus
    value: Decimal  # the absolute value, in the prose's unit (64% -> 64)
    decimals: int  # digits after the point, counting the exponent (1e-8 -> 8)
    percent: bool
    cell: int
    context: str


def blank(text: str, pattern: re.Pattern) -> str:
    """Replace every match of ``pattern`` by spaces, keeping newlines and positions."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def prose_only(markdown: str) -> str:
    """The markdown with everything that is not prose blanked out (same length)."""
    for pattern in _NOT_PROSE:
        markdown = blank(markdown, pattern)
    return markdown


def normalise(token: str) -> str:
    """'9,952' -> '9952', '64%' -> '64', '20 000' -> '20000', '1e−8' -> '1e-8'."""
    token = token.replace("−", "-").rstrip("%").replace(",", "").replace("_", "")
    return re.sub(rf"[{_SPACE}]", "", token)


def parse(match: re.Match) -> tuple[str, Decimal, int]:
    """(normalised text, absolute value, decimals) of a match of ``_NUMBER``."""
    mantissa = normalise(match["mantissa"])
    exponent = int(normalise(match["exponent"] or "e0")[1:])
    decimals = len(mantissa.partition(".")[2]) - exponent
    return normalise(match.group()), abs(Decimal(mantissa).scaleb(exponent)), decimals


def is_quoted_figure(match: re.Match) -> bool:
    """Decimals, percentages, exponents, separators and integers >= 100, but no years."""
    mantissa = match["mantissa"]
    if match["percent"] or match["exponent"] or not mantissa.isdigit():
        return True
    return int(mantissa) >= 100 and not re.fullmatch(r"(?:19|20)\d\d", mantissa)


def quoted_numbers(markdown: str, cell: int = 0) -> list[Quoted]:
    """The quoted figures of one markdown cell, each with a bit of its sentence."""
    found = []
    for match in _NUMBER.finditer(prose_only(markdown)):
        if not is_quoted_figure(match):
            continue
        text, value, decimals = parse(match)
        start, end = match.span()
        context = " ".join(markdown[max(0, start - 50) : end + 30].split())
        found.append(Quoted(text, value, decimals, bool(match["percent"]), cell, context))
    return found


# --- reading the code and outputs -------------------------------------------------------------

Pool = set[tuple[Decimal, bool]]  # (absolute value, printed with a % sign)


def pool_of_numbers(text: str) -> Pool:
    """The numbers of code or output text, with and without separators."""
    text = re.sub(r"(?<=\d)_(?=\d)", "", text)  # 20_000
    numbers = set()
    for variant in (text, text.replace(",", " ")):  # "1,078" both as 1078 and as 1 and 078
        for match in _NUMBER.finditer(variant):
            numbers.add((parse(match)[1], bool(match["percent"])))
    return numbers


def joined(source) -> str:
    return source if isinstance(source, str) else "".join(source)


OUTPUT_MIMES = ("text/plain", "text/latex", "text/html", "text/markdown")


# nbval does not compare these cells' outputs: they differ from machine to machine (timings),
# so prose may not quote them, and a number they print by chance matches nothing
UNCOMPARED_TAGS = {"nbval-ignore-output", "nbval-skip"}


def code_and_outputs(notebook: dict) -> tuple[str, str]:
    """All code sources, and the text outputs that nbval compares, of a notebook."""
    code, outputs = [], []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        code.append(joined(cell["source"]))
        if UNCOMPARED_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                outputs.append(joined(output["text"]))
            for mime in OUTPUT_MIMES:
                if mime in output.get("data", {}):
                    outputs.append(joined(output["data"][mime]))
    return "\n".join(code), "\n".join(outputs)


# --- matching ---------------------------------------------------------------------------------


def rounds_to(candidate: Decimal, value: Decimal, decimals: int) -> bool:
    """``candidate`` rounded to ``decimals`` is ``value`` (a tie may round up or to even)."""
    half_unit = Decimal(5).scaleb(-decimals - 1)
    gap = abs(candidate - value)
    even = int(value.scaleb(decimals)) % 2 == 0
    return gap < half_unit or (gap == half_unit and (candidate < value or even))


def appears(number: Quoted, code: Pool, outputs: Pool) -> bool:
    """The code has the same value, or an output rounds to it (a percentage: also as p/100)."""
    targets = [(number.value, number.decimals, number.percent)]
    if number.percent:
        targets.append((number.value / 100, number.decimals + 2, False))
    return any(
        (percent or not needs_percent)
        and (candidate == value if exact else rounds_to(candidate, value, decimals))
        for value, decimals, needs_percent in targets
        for pool, exact in ((code, True), (outputs, False))
        for candidate, percent in pool
    )


def unmatched_numbers(path: Path) -> list[Quoted]:
    """The quoted figures of a notebook's markdown that its code and outputs do not show."""
    notebook = json.loads(path.read_text())
    code, outputs = map(pool_of_numbers, code_and_outputs(notebook))
    missing = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "markdown":
            for number in quoted_numbers(joined(cell["source"]), index):
                if not appears(number, code, outputs):
                    missing.append(number)
    return missing


# --- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_number_in_the_prose_is_printed_or_set_by_the_notebook(path):
    allowed = ALLOWED.get(path.name, {})
    missing = unmatched_numbers(path)
    problems = [
        f'cell {n.cell}: {n.text}{"%" if n.percent else ""} in "…{n.context}…"'
        for n in missing
        if n.text not in allowed
    ]
    stale = sorted(set(allowed) - {n.text for n in missing})
    problems += [f"ALLOWED[{path.name!r}][{key!r}] is no longer needed" for key in stale]
    assert not problems, (
        f"{path.name}: {len(problems)} problem(s). Prose numbers not in the notebook's code or "
        "outputs (fix the prose, print the figure, or allow-list it with a reason), and stale "
        "allow-list entries:\n  " + "\n  ".join(problems)
    )


def test_the_allow_list_names_existing_notebooks_with_reasons():
    names = [path.name for path in NOTEBOOKS]
    assert len(names) == len(set(names)), "notebook file names must be unique (test ids)"
    for name, entries in ALLOWED.items():
        assert name in names, f"ALLOWED names a notebook that does not exist: {name}"
        for key, reason in entries.items():
            assert key == normalise(key) and reason.strip(), (name, key)


@pytest.mark.parametrize(
    "markdown, expected",
    [
        (
            "held-out NLL 0.27, error 64%, 9,952 / 10,000 and all 20 000",
            {"0.27", "64", "9952", "10000", "20000"},
        ),
        ("a tolerance of 1e-8, about 2.5x faster, 2.5× again", {"1e-8", "2.5"}),
        ("$\\alpha \\approx 0.27$, $$x = 1.5$$, `lr=0.05`, \\begin{align}0.3\\end{align}", set()),
        ("```\nx = 0.5\n```\nsee [the 2.5 run](https://x.org/v1.25/0.3.html)", {"2.5"}),
        ("## 3.5 Title\n1. first\n12. twelfth, 3 steps, 99 units, 100 steps", {"100"}),
        ("notebooks 02–04 and 05, section 2.3, slide 120, ch. 8, Keskar et al., 2017", set()),
        ('cs551, float64, x0.5 and <img width="300">', set()),
    ],
)
def test_which_prose_numbers_are_quoted_figures(markdown, expected):
    assert {number.text for number in quoted_numbers(markdown)} == expected


@pytest.mark.parametrize(
    "prose, output, found",
    [
        ("0.27", "0.2703", True),
        ("0.27", "0.270", True),
        ("0.27", "0.2751", False),
        ("0.27", "0.3", False),
        ("0.27", "0.265", True),
        ("0.9", "0.95", False),
        ("1.0", "0.95", True),
        ("0.50", "0.5", True),
        ("750", "7.5e+02", True),
        ("752", "7.5e+02", False),
        ("64%", "0.64", True),
        ("64%", "0.6391", True),
        ("64%", "64.0%", True),
        ("64%", "64", False),
        ("64.2%", "0.64", False),
        ("9,952", "9952", True),
        ("1,078", "[1078, 898]", True),
        ("1e-8", "1.2e-08", True),
        ("1e-8", "2e-08", False),
        ("0.3", "-0.3", True),
        ("350", "349", False),
    ],
)
def test_when_a_prose_number_appears_in_the_outputs(prose, output, found):
    (number,) = quoted_numbers(f"it is {prose} here")
    assert appears(number, set(), pool_of_numbers(output)) == found


@pytest.mark.parametrize(
    "prose, code, found",
    [
        ("0.05", "SGD(lr=0.05)", True),
        ("0.50", "lr = 0.5", True),
        ("20 000", "M = 20_000", True),
        ("20%", "label_noise=0.2", True),
        ("0.27", "x = 0.2703", False),
        ("0.3", "[0.25, 0.31]", False),
    ],
)
def test_when_a_prose_number_appears_in_the_code(prose, code, found):
    (number,) = quoted_numbers(f"it is {prose} here")
    assert appears(number, pool_of_numbers(code), set()) == found
