"""Grading throughput: `python3 course.py grade` on a class of synthetic submissions.

    .venv/bin/python benchmarks/grading_throughput.py                  # 200 per assignment
    .venv/bin/python benchmarks/grading_throughput.py --submissions 20 --jobs 1 2

For each assignment, a scratch copy of the course directory gets N submissions (three in four
the solutions, one in four the untouched release), then the grader (nbgrader autograde with
every kernel in the bubblewrap sandbox, verdicts outside) grades them with each --jobs value.
Prints the wall time, submissions per minute, the fixed cost of a run (generate_assignment,
nbgrader's start: measured by grading one submission) and the time a class of 300 would take.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from cs551.grading import grader, sandbox

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
SOLUTION = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.M)


def solved(released, source):
    solutions = {cell.metadata.nbgrader["grade_id"]: SOLUTION.sub("", cell.source)
                 for cell in source.cells if cell.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.from_dict(released)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell.source = solutions[grade_id]
    return notebook


def make_course(folder: Path, name: str, count: int) -> Path:
    course = Path(tempfile.mkdtemp(prefix=f"{name}-{count}-", dir=folder))
    shutil.copy(COURSE / "nbgrader_config.py", course)
    (course / "source").mkdir()
    shutil.copytree(COURSE / "source" / name, course / "source" / name)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force",
                    "--log-level=ERROR"], cwd=course, check=True, env=grader.tool_env())
    released = nbformat.read(course / "release" / name / f"{name}.ipynb", 4)
    right = solved(released, nbformat.read(course / "source" / name / f"{name}.ipynb", 4))
    for index in range(count):
        target = course / "submitted" / f"student{index:04d}" / name
        target.mkdir(parents=True)
        nbformat.write(released if index % 4 == 3 else right, target / f"{name}.ipynb")
        (target / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")
    return course


def timed_grade(course: Path, name: str, jobs: int) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        grader.grade(name, course, jobs=jobs)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200, help="per assignment")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--assignments", nargs="+",
                        default=sorted(p.name for p in (COURSE / "source").iterdir()))
    args = parser.parse_args()
    if reason := sandbox.unavailable():
        sys.exit(f"no sandbox here: {reason}")
    print(f"{args.submissions} synthetic submissions per assignment (3/4 solved, 1/4 untouched)")
    print(f"{'assignment':<16} {'jobs':>4} {'fixed s':>8} {'wall s':>8} {'per min':>8} "
          f"{'300 take':>9}")
    with tempfile.TemporaryDirectory(prefix="cs551-bench-") as scratch:
        for name in args.assignments:
            for jobs in args.jobs:
                one = timed_grade(make_course(Path(scratch), name, 1), name, jobs)
                wall = timed_grade(make_course(Path(scratch), name, args.submissions), name, jobs)
                per_submission = (wall - one) / max(args.submissions - 1, 1)
                per_minute = 60 / per_submission
                class_of_300 = one + 299 * per_submission
                print(f"{name:<16} {jobs:>4} {one:>8.1f} {wall:>8.1f} {per_minute:>8.1f} "
                      f"{class_of_300 / 60:>7.1f} m", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
