"""The way through the course: each notebook says what it is for, ends with a summary and its
references, links to its neighbours, and puts the student's hands on the code.

Each topic notebook (01-11)

- opens with what the student will be able to do (3-5 objectives), what it assumes, the slides
  it covers, and its Symbols line (the table is in 00_welcome);
- has a "Your turn" code cell (tag ``your-turn``) whose placeholder raises
  ``NotImplementedError`` or is ``None``, followed by a self-check cell that prints
  ``grading.self_check``'s verdict ("Not answered yet" as stored), and a collapsed worked answer
  (tag ``worked-answer``, source hidden) that the same check calls right;
- ends with a summary of 4-6 points, references (Goodfellow et al., ch. 8, which the slides
  follow, and the original papers), and previous / contents / next links;
- links to its graded assignment, where one exists.

Every relative link of every notebook resolves: the file exists and so does the anchor.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TOPICS = NOTEBOOKS[1:]
ASSIGNMENTS = {"06_momentum": "01_momentum", "08_adaptive_learning_rates": "02_adaptive",
               "10_batch_normalization": "03_batchnorm", "11_exact_line_search": "04_line_search"}


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def text_output(cell: dict) -> str:
    return "".join("".join(out.get("text", "")) for out in cell.get("outputs", []))


def title(path: Path) -> str:
    """'05 · Stochastic gradient descent' from the notebook's first heading."""
    return source(cells(path)[0]).splitlines()[0].lstrip("# ").strip()


def short_title(path: Path) -> str:
    return title(path).split(":")[0].split(" — ")[0]


@pytest.mark.parametrize("path", TOPICS, ids=lambda p: p.stem)
def test_the_first_cell_says_what_the_notebook_is_for(path):
    first = source(cells(path)[0])
    objectives = first.split("**After this notebook you can**", 1)
    assert len(objectives) == 2, "no objectives ('**After this notebook you can**')"
    items = re.findall(r"^\d\. ", objectives[1].split("\n\n**", 1)[0], re.M)
    assert 3 <= len(items) <= 5, f"{len(items)} objectives, not 3-5"
    assert "\n**Assumes**" in first and "\n**Slides**" in first
    assert first.strip().splitlines()[-1].startswith("**Symbols**")


@pytest.mark.parametrize("path", TOPICS, ids=lambda p: p.stem)
def test_the_notebook_ends_with_a_summary_references_and_links(path):
    markdown = [source(c) for c in cells(path) if c["cell_type"] == "markdown"]
    summary = [m for m in markdown if m.startswith("## Summary")]
    assert len(summary) == 1, "one '## Summary' cell"
    points = re.findall(r"^- ", summary[0], re.M)
    assert 4 <= len(points) <= 6, f"{len(points)} summary points, not 4-6"
    references = [m for m in markdown if m.startswith("## References")]
    assert len(references) == 1 and "Goodfellow" in references[0]
    assert len(re.findall(r"^- ", references[0], re.M)) >= 2
    index = NOTEBOOKS.index(path)
    expected = [f"[← {short_title(NOTEBOOKS[index - 1])}]({NOTEBOOKS[index - 1].name})",
                "[contents](00_welcome.ipynb#contents)"]
    if index + 1 < len(NOTEBOOKS):
        following = NOTEBOOKS[index + 1]
        expected.append(f"[{short_title(following)} →]({following.name})")
    assert markdown[-1].strip() == " · ".join(expected), "the last cell is the navigation line"
    assert cells(path)[-1]["cell_type"] == "markdown"


def test_the_welcome_notebook_links_to_the_first_and_holds_the_contents():
    welcome = [source(c) for c in cells(NOTEBOOKS[0])]
    assert any('<a id="contents"></a>' in text for text in welcome)
    assert welcome[-1].strip() == f"[{short_title(NOTEBOOKS[1])} →]({NOTEBOOKS[1].name})"


@pytest.mark.parametrize("path", TOPICS, ids=lambda p: p.stem)
def test_the_student_writes_code_and_is_told_whether_it_is_right(path):
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    turns = [i for i, c in enumerate(code) if "your-turn" in c["metadata"].get("tags", [])]
    assert turns, "no 'your-turn' cell"
    for i in turns:
        assert "NotImplementedError" in source(code[i]) or "None" in source(code[i])
        check = code[i + 1]
        assert "self_check(" in source(check), "a self-check cell follows each 'your-turn' cell"
        assert text_output(check).startswith("Not answered yet"), "stored before an answer"
    answers = [c for c in code if "worked-answer" in c["metadata"].get("tags", [])]
    assert len(answers) >= len(turns)
    for cell in answers:
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, "collapsed"
        assert "self_check(" in source(cell) and text_output(cell).startswith("Right")


@pytest.mark.parametrize("path", [p for p in TOPICS if p.stem in ASSIGNMENTS],
                         ids=lambda p: p.stem)
def test_notebooks_link_to_their_graded_assignment(path):
    name = ASSIGNMENTS[path.stem]
    link = f"(../assignments/release/{name}/{name}.ipynb)"
    assert any(link in source(c) for c in cells(path)), f"no link {link}"


def anchors(path: Path) -> set[str]:
    found = set()
    for cell in cells(path):
        if cell["cell_type"] == "markdown":
            found |= set(re.findall(r'<a id="([^"]+)"></a>', source(cell)))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_relative_link_resolves(path):
    for cell in cells(path):
        if cell["cell_type"] != "markdown":
            continue
        for target in re.findall(r"\]\(([^)\s]+)\)", source(cell)):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            assert linked.exists(), f"{path.name} links to {target}, which does not exist"
            if anchor and linked.suffix == ".ipynb":
                assert anchor in anchors(linked), f"{path.name}: no anchor {target}"
