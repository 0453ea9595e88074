"""The graded assignments: nbgrader's real pipeline, and the autograder's verdicts.

In a temporary copy of the course directory: generate the student versions, submit
the solutions as one student, the untouched release as another and a wrong but
plausible answer as a third, autograde, and read the gradebook. (The source
notebooks themselves run under strict nbval with the other notebooks.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .helpers import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
ASSIGNMENTS = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())

# assignment -> (solution cell, a plausible mistake: (correct line, wrong line), test cell lost)
MISTAKES = {
    "01_momentum": ("momentum_update", ("v = momentum * v - lr * g", "v = momentum * v + lr * g"),
                    "test_momentum_update"),
    "02_adaptive": ("rmsprop_update", ("r = rho * r + (1 - rho) * g * g", "r = rho * r + g * g"),
                    "test_rmsprop_update"),
    "03_batchnorm": ("batchnorm_forward", ("var = x.var(axis=0)", "var = x.var(axis=0, ddof=1)"),
                     "test_batchnorm_forward"),
    "04_line_search": ("closed_form", ("b_value * (-rho) ** k", "b_value * rho**k"),
                       "test_closed_form"),
}
SOLUTION = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.M)
BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


def nbgrader(*args: str, cwd: Path) -> None:
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                                 os.environ["PATH"]]))
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--log-level=ERROR"],
                            cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stderr}"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch course directory with the released assignments and three submissions each."""
    try:
        import nbgrader as _  # noqa: F401
    except ImportError:
        skip_or_fail("nbgrader is not installed (pip install -e '.[instructor]', Python >= 3.11)")
    course = tmp_path_factory.mktemp("course")
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source", course / "source")
    for name in ASSIGNMENTS:
        nbgrader("generate_assignment", name, "--force", cwd=course)
        released = course / "release" / name / f"{name}.ipynb"
        solved = fill_in(nbformat.read(released, 4),
                         nbformat.read(course / "source" / name / f"{name}.ipynb", 4))
        cell_id, (right, wrong), _ = MISTAKES[name]
        mistaken = nbformat.from_dict(solved)
        for cell in mistaken.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == cell_id:
                assert right in cell.source, f"{name}: the solution no longer has {right!r}"
                cell.source = cell.source.replace(right, wrong)
        for student, notebook in [("solved", solved), ("untouched", nbformat.read(released, 4)),
                                  ("mistaken", mistaken)]:
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True)
            nbformat.write(notebook, folder / f"{name}.ipynb")
            (folder / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")
        nbgrader("autograde", name, cwd=course)
    return course


def fill_in(released, source):
    """The release with each solution cell replaced by the source's solution: a right answer."""
    solutions = {cell.metadata.nbgrader["grade_id"]: SOLUTION.sub("", cell.source)
                 for cell in source.cells if cell.metadata.get("nbgrader", {}).get("solution")}
    solved = nbformat.from_dict(released)
    for cell in solved.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell.source = solutions[grade_id]
    return solved


def grades(course: Path, name: str, student: str) -> tuple[float, float, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(name, student)
        cells = {grade.name: grade.score for notebook in submission.notebooks
                 for grade in notebook.grades if grade.auto_score is not None}
        return submission.score, submission.max_score, cells


def test_there_are_four_assignments_with_a_mistake_each():
    assert ASSIGNMENTS == sorted(MISTAKES)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_solution_gets_full_marks(course, name):
    score, max_score, cells = grades(course, name, "solved")
    assert max_score >= 10 and score == max_score, cells


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_untouched_release_gets_zero_on_every_autograded_cell(course, name):
    score, _, cells = grades(course, name, "untouched")
    assert len(cells) >= 3 and all(value == 0 for value in cells.values()), cells
    assert score == 0


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_a_plausible_mistake_loses_that_part_only(course, name):
    _, _, right = grades(course, name, "solved")
    _, _, wrong = grades(course, name, "mistaken")
    lost = MISTAKES[name][2]
    assert wrong[lost] == 0 < right[lost]
    assert {k: v for k, v in wrong.items() if k != lost} == {
        k: v for k, v in right.items() if k != lost}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_committed_release_is_what_nbgrader_generates_today(course, name):
    generated = course / "release" / name / f"{name}.ipynb"
    committed = COURSE / "release" / name / f"{name}.ipynb"
    assert committed.exists(), f"run: python3 course.py release {name}"
    assert committed.read_text() == generated.read_text(), (
        f"{committed} is out of date: run python3 course.py release")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_releases_hold_no_solution_and_no_hidden_test(name):
    source = nbformat.read(COURSE / "source" / name / f"{name}.ipynb", 4)
    released = nbformat.read(COURSE / "release" / name / f"{name}.ipynb", 4)
    text = "\n".join(cell.source for cell in released.cells)
    assert "### BEGIN" not in text and "### END" not in text
    hidden = {line.strip() for block in BLOCK.finditer("\n".join(c.source for c in source.cells))
              for line in block.group(2).splitlines() if line.strip()}
    assert hidden, "the source has solutions and hidden tests to hide"
    leaked = hidden & {line.strip() for line in text.splitlines()}
    assert not leaked, f"the release shows solution or hidden-test lines: {leaked}"
    assert all(not cell.get("outputs") for cell in released.cells if cell.cell_type == "code")
