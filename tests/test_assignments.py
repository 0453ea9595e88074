"""The graded assignments: nbgrader's real pipeline through the course's grader.

In a temporary copy of the course directory: generate the student versions, submit
the solutions as one student, the untouched release as another and a wrong but
plausible answer as a third, and grade them all with ``python3 course.py grade``'s
command (``cs551.grading.grader``: nbgrader autograde, each kernel in the bubblewrap
sandbox, verdicts reached outside it), then read the gradebook and the report. (The source
notebooks themselves run under strict nbval with the other notebooks; the attack catalogue
is in test_grading_attacks.py.)
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cs551.grading import sandbox

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


def needs_grading_tools() -> None:
    try:
        import nbgrader as _  # noqa: F401
    except ImportError:
        skip_or_fail("nbgrader is not installed (pip install -e '.[instructor]', Python >= 3.11)")
    if reason := sandbox.unavailable():
        skip_or_fail(f"no grading sandbox: {reason}")


def scratch_course(tmp_path_factory, names: list[str] = ASSIGNMENTS) -> Path:
    """A copy of the course directory's configuration and sources, with generated releases."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source", course / "source")
    for name in names:
        nbgrader("generate_assignment", name, "--force", cwd=course)
    return course


def submit(course: Path, student: str, name: str, notebook) -> None:
    folder = course / "submitted" / student / name
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{name}.ipynb")
    (folder / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")


def run_grader(course: Path, names: list[str], *options: str) -> subprocess.CompletedProcess:
    """``python3 course.py grade NAMES --jobs 2``, on the scratch course."""
    result = subprocess.run([sys.executable, "-m", "cs551.grading.grader", *names, "--jobs", "2",
                             "--course", str(course), *options],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"grading failed:\n{result.stdout}\n{result.stderr}"
    return result


def report(course: Path, name: str) -> dict[str, dict]:
    """The grader's CSV report: {student: row}."""
    with open(course / "grading" / f"{name}.csv", newline="") as file:
        return {row["student"]: row for row in csv.DictReader(file)}


GRADED: dict = {}  # the graded scratch course, shared with test_grading_attacks.py


def catalogue_collected(request) -> bool:
    """Whether this session runs test_grading_attacks.py (``course.py test --portable`` leaves
    it out of the lowest-versions run: it tests the grader's logic, the round trip below the
    versions)."""
    return any(item.path.name == "test_grading_attacks.py" for item in request.session.items)


def graded_course(tmp_path_factory, request) -> tuple[Path, subprocess.CompletedProcess]:
    """A scratch course with the released assignments, three submissions of each (solved,
    untouched, mistaken) and, when its tests run, test_grading_attacks.py's catalogue, all
    graded in one run of the grader (one nbgrader start per assignment for both test files).
    Returns (course, the grader's output)."""
    if not GRADED:
        from . import test_grading_attacks

        needs_grading_tools()
        course = scratch_course(tmp_path_factory)
        for name in ASSIGNMENTS:
            released = course / "release" / name / f"{name}.ipynb"
            solved = fill_in(nbformat.read(released, 4),
                             nbformat.read(course / "source" / name / f"{name}.ipynb", 4))
            cell_id, (right, wrong), _ = MISTAKES[name]
            mistaken = nbformat.from_dict(solved)
            for cell in mistaken.cells:
                if cell.metadata.get("nbgrader", {}).get("grade_id") == cell_id:
                    assert right in cell.source, f"{name}: the solution no longer has {right!r}"
                    cell.source = cell.source.replace(right, wrong)
            for student, notebook in [("solved", solved),
                                      ("untouched", nbformat.read(released, 4)),
                                      ("mistaken", mistaken)]:
                submit(course, student, name, notebook)
        if catalogue_collected(request):
            test_grading_attacks.submit_catalogue(course)
        GRADED["run"] = course, run_grader(course, ASSIGNMENTS, "--timeout", "10")
    return GRADED["run"]


@pytest.fixture(scope="module")
def course(tmp_path_factory, request):
    """The graded scratch course (``graded_course``)."""
    return graded_course(tmp_path_factory, request)[0]


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
    """(score, max score, {test cell: score}) of a submission in the course's gradebook."""
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
    row = report(course, name)["solved"]
    assert row["score"] == row["max_score"] == f"{max_score:g}" and row["flags"] == "", row


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_untouched_release_gets_zero_on_every_autograded_cell(course, name):
    score, _, cells = grades(course, name, "untouched")
    assert len(cells) >= 3 and all(value == 0 for value in cells.values()), cells
    assert score == 0
    row = report(course, name)["untouched"]
    assert row["flags"] == "" and row["statuses"].count("unanswered") == len(cells), row


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_a_plausible_mistake_loses_that_part_only(course, name):
    _, _, right = grades(course, name, "solved")
    _, _, wrong = grades(course, name, "mistaken")
    lost = MISTAKES[name][2]
    assert wrong[lost] == 0 < right[lost]
    assert {k: v for k, v in wrong.items() if k != lost} == {
        k: v for k, v in right.items() if k != lost}
    assert report(course, name)["mistaken"]["flags"] == ""


def test_04s_mistake_passes_the_visible_tests_the_grader_still_finds_it(course):
    """(-rho)^k vs rho^k agree at the visible tests' k = 0 and b = 1: only the inputs drawn at
    grading time tell them apart, and the kernel's own verdict would have been full marks."""
    notebook = nbformat.read(course / "autograded" / "mistaken" / "04_line_search"
                             / "04_line_search.ipynb", 4)
    test = next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "test_closed_form")
    assert not [o for o in test.outputs if o.output_type == "error"]
    assert "closed_form: wrong" in report(course, "04_line_search")["mistaken"]["statuses"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_graded_notebooks_are_where_nbgrader_feedback_looks(course, name):
    assert (course / "autograded" / "solved" / name / f"{name}.ipynb").exists()
    summary = (course / "grading" / f"{name}-summary.txt").read_text()
    assert "submissions graded" in summary and "kernels in bubblewrap sandboxes" in summary


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
