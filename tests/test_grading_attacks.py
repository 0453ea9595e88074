"""The attack catalogue (issue 16): submissions that try to get marks without the work.

Each is the release of an assignment with its answer cells replaced by attack code, graded
with test_assignments.py's honest submissions (the "solved" student is the bystander) in
one run of the course's grader (``cs551.grading.grader``, what ``python3 course.py grade``
runs; two workers, 10 s per cell).
Every attack below made plain ``nbgrader autograde`` give full marks, or would have (the
first seven classes are the issue's). Each must score what it earned (0 with no solution),
be flagged, and leave the bystander's 10/10 and the gradebook alone.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
import pytest

from .test_assignments import fill_in, graded_course, grades, report, submit

MARKER = "grader-ran-student-code"  # a file the grader would create if it ran a record's code

STUBS = {  # wrong answers, for attacks that need a function to exist
    "momentum_update": "def momentum_update(theta, v, g, lr, momentum):\n    return theta, v\n",
    "nesterov_update": "def nesterov_update(theta, v, grad, lr, momentum):\n    return theta, v\n",
    "terminal_velocity": "def terminal_velocity(lr, momentum, g_norm):\n    return 0.0\n",
}


def dedent(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


def attacks_01(course) -> dict[str, dict]:
    """01_momentum: {student: {"cells": {answer cell: code}, "expect": (score, [flag parts]),
    "edit": function(notebook) or None}}."""
    source = course / "source" / "01_momentum" / "01_momentum.ipynb"
    gradebook = course / "gradebook.db"
    return {
        # 1. the checks (and the recorder) replaced by no-ops from an answer cell
        "noop_checks": {"cells": {"momentum_update": dedent("""
            import cs551.grading
            import cs551.grading.record

            def _nothing(*args, **kwargs):
                return None

            for _name in list(vars(cs551.grading)):
                if _name.startswith("check_"):
                    setattr(cs551.grading, _name, _nothing)
            cs551.grading.record.record_answers = _nothing
            """) + STUBS["momentum_update"]},
            "expect": (0, ["missing record momentum_update", "patches cs551.grading.record"])},
        # 1b. records written by the student's code, then the recorder silenced
        "forged_records": {"cells": {"momentum_update": dedent("""
            import json
            import os

            for _part in ("momentum_update", "nesterov_update", "terminal_velocity"):
                _path = os.path.join(os.environ["CS551_GRADING_RECORDS"], _part + ".json")
                with open(_path, "w") as _file:
                    json.dump({"name": _part, "defined": True,
                               "calls": [{"value": 0.0, "args_after": []}]}, _file)
            import cs551.grading.record
            cs551.grading.record.record_answers = lambda *args, **kwargs: None
            """) + STUBS["momentum_update"]},
            "expect": (0, ["malformed record momentum_update", "suspicious code: .environ"])},
        # 2. numpy's and SymPy's comparisons patched to always agree
        "patched_comparisons": {"cells": {"momentum_update": dedent("""
            import numpy as np
            import sympy as sp

            np.allclose = lambda *args, **kwargs: True
            np.isclose = lambda *args, **kwargs: True
            np.testing.assert_allclose = lambda *args, **kwargs: None
            sp.simplify = lambda expression, *args, **kwargs: 0
            """) + STUBS["momentum_update"], "nesterov_update": STUBS["nesterov_update"],
            "terminal_velocity": STUBS["terminal_velocity"]},
            "expect": (0, ["patches np.allclose", "patches np.testing.assert_allclose"])},
        # 3. an input transformer that empties every later cell holding the tests
        "input_transformer": {"cells": {"momentum_update": dedent("""
            def _empty_the_tests(lines):
                text = "".join(lines)
                return [] if "assert" in text or "record_answers" in text else lines

            get_ipython().input_transformers_post.append(_empty_the_tests)
            """)},
            "expect": (0, ["missing record momentum_update", "missing record terminal_velocity",
                           "suspicious code: get_ipython"])},
        # 3b. run_code replaced: exceptions swallowed, tracebacks hidden
        "swallowed_errors": {"cells": {"momentum_update": dedent("""
            _shell = get_ipython()
            _run_code = _shell.run_code

            async def _quiet_run_code(code_obj, result=None, *, async_=False):
                _shell.showtraceback = lambda *args, **kwargs: None
                await _run_code(code_obj, result, async_=async_)
                if result is not None:
                    result.error_in_exec = None
                return False

            _shell.run_code = _quiet_run_code
            def momentum_update(theta, v, g, lr, momentum):
                raise NotImplementedError()
            """)},
            "expect": (0, ["suspicious code: .run_code", "suspicious code: .showtraceback"])},
        # 4. the course library's own implementation (right, where it can be imported)
        "course_library": {"cells": {"momentum_update": dedent("""
            def momentum_update(theta, v, g, lr, momentum):
                from cs551.grading.checks import constant_gradient, reference_step
                from cs551.optim import Momentum

                theta, state = reference_step(Momentum(lr, momentum), theta, {"v": v},
                                              constant_gradient(g))
                return theta, state["v"]
            """), "terminal_velocity": dedent("""
            def terminal_velocity(lr, momentum, g_norm):
                from cs551.grading.momentum import terminal_speed_reference

                return terminal_speed_reference(
                    {"lr": lr, "momentum": momentum, "g_norm": g_norm})["speed"]
            """)},
            "expect": (0, ["momentum_update used the course library",
                           "imports the course library (cs551.optim)"])},
        # 5a. the solutions read from source/ next to the submission, and run
        "read_solutions": {"cells": {"terminal_velocity": dedent(f"""
            import json
            from pathlib import Path

            for _path in (Path("../../../source/01_momentum/01_momentum.ipynb"),
                          Path({str(source)!r})):
                try:
                    _cells = json.loads(_path.read_text())["cells"]
                except OSError:
                    continue
                for _cell in _cells:
                    if _cell["metadata"].get("nbgrader", {{}}).get("solution"):
                        exec("".join(_cell["source"]))
                break
            """) + STUBS["terminal_velocity"]},
            "expect": (0, ["forbidden import pathlib", "suspicious code: exec"])},
        # 5b. the gradebook written: other students' scores lowered, one's own raised
        "write_gradebook": {"cells": {"momentum_update": dedent(f"""
            import sqlite3

            for _path in ({str(gradebook)!r}, "../../../gradebook.db"):
                try:
                    _db = sqlite3.connect(f"file:{{_path}}?mode=rw", uri=True)
                    _db.execute("UPDATE grade SET extra_credit = -10")
                    _db.commit()
                except sqlite3.Error:
                    pass
            """) + STUBS["momentum_update"]},
            "expect": (0, ["forbidden import sqlite3", "suspicious code: the string"])},
        # 5c. a detached process left to rewrite the gradebook after the notebook ends
        "detached_process": {"cells": {"momentum_update": dedent(f"""
            import subprocess
            import sys

            _later = ("import sqlite3, time\\n"
                      "time.sleep(4)\\n"
                      "db = sqlite3.connect({str(gradebook)!r})\\n"
                      "db.execute('UPDATE grade SET extra_credit = 10')\\n"
                      "db.commit()\\n")
            subprocess.Popen([sys.executable, "-c", _later], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            """) + STUBS["momentum_update"]},
            "expect": (0, ["forbidden import subprocess"])},
        # a test cell duplicated (nbgrader keeps the last copy) and emptied
        "duplicated_test_cell": {"cells": {}, "edit": "duplicate",
                                 "expect": (0, ["duplicated cell test_momentum_update"])},
        # beyond the list: metadata nbgrader 0.9 rejects, which ends its whole autograde run
        # (every later student in that run was left ungraded: the grader runs them again)
        "broken_metadata": {"cells": {}, "edit": "empty_metadata",
                            "expect": (0, ["nbgrader: One or more notebooks",
                                           "deleted cell setup"])},
        # a test cell edited (nbgrader restores it)
        "edited_test_cell": {"cells": {}, "edit": "empty_test",
                             "expect": (0, ["edited locked cell test_nesterov_update"])},
        # an infinite loop that ignores SIGINT, after two right answers: 8 points earned
        "infinite_loop": {"cells": {"terminal_velocity": dedent("""
            import signal

            signal.signal(signal.SIGINT, signal.SIG_IGN)
            while True:
                pass
            """)}, "solve": ["momentum_update", "nesterov_update"],
            "expect": (8, ["timeout", "forbidden import signal"])},
        # the kernel killed after one right answer: 4 points earned
        "kernel_exit": {"cells": {"nesterov_update": "import os\n\nos._exit(0)\n"},
                        "solve": ["momentum_update"],
                        "expect": (4, ["kernel died", "forbidden import os"])},
        # not tampering: the visible test's answer hard-coded (scores 0, not flagged)
        "visible_only": {"cells": {"momentum_update": dedent("""
            def momentum_update(theta, v, g, lr, momentum):
                return np.array([1.35, 2.1]), np.array([0.35, 0.1])
            """)}, "expect": (0, [])},
    }


def attacks_04(marker) -> dict[str, dict]:
    return {
        # 6. a SymPy object equal to everything, and whose difference with anything is 0
        "sympy_equal_to_all": {"cells": {"exact_step_expr": dedent("""
            class Anything(sp.Expr):
                def __sub__(self, other):
                    return sp.Integer(0)

                def __rsub__(self, other):
                    return sp.Integer(0)

                def __eq__(self, other):
                    return True

                def __ne__(self, other):
                    return False

                __hash__ = sp.Expr.__hash__

            def exact_step_expr():
                return Anything()
            """), "gradient_dot": "def gradient_dot(step):\n    return Anything()\n"},
            "expect": (0, ["malformed record exact_step_expr",
                           "class Anything overrides __sub__"])},
        # beyond the list: code hidden in a forged record, for the grader to evaluate
        "code_in_record": {"cells": {"exact_step_expr": dedent(f"""
            import json
            import os

            _payload = "__import__('os').system('touch {marker}')"
            with open(os.environ["CS551_GRADING_INPUTS"]) as _file:
                _calls = json.load(_file)["parts"]
            for _part in ("exact_step_expr", "gradient_dot"):
                _record = {{"name": _part, "defined": True, "calls": [
                    {{"value": {{"sympy": _payload}}, "args_after": [None] * len(args)}}
                    for args in _calls[_part]]}}
                with open(os.path.join(os.environ["CS551_GRADING_RECORDS"], _part + ".json"),
                          "w") as _file:
                    json.dump(_record, _file)
            import cs551.grading.record
            cs551.grading.record.record_answers = lambda *args, **kwargs: None
            """)},
            "expect": (0, ["malformed record exact_step_expr", "malformed record gradient_dot"])},
    }


def catalogue(course: Path) -> dict[str, dict]:
    return {"01_momentum": attacks_01(course), "04_line_search": attacks_04(course / MARKER)}


def submit_catalogue(course: Path) -> None:
    """Submit every attack to the scratch course (test_assignments.graded_course grades it)."""
    for name, attacks in catalogue(course).items():
        build(course, name, attacks)


def build(course, name: str, attacks: dict) -> None:
    released = nbformat.read(course / "release" / name / f"{name}.ipynb", 4)
    solved = fill_in(released, nbformat.read(course / "source" / name / f"{name}.ipynb", 4))
    solutions = {c.metadata.nbgrader["grade_id"]: c.source for c in solved.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    for student, attack in attacks.items():
        notebook = nbformat.from_dict(released)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in attack.get("solve", []):
                cell.source = solutions[grade_id]
            if grade_id in attack["cells"]:
                cell.source = attack["cells"][grade_id]
        if attack.get("edit") == "duplicate":
            test = next(c for c in notebook.cells
                        if c.metadata.get("nbgrader", {}).get("grade_id") == "test_momentum_update")
            copy = nbformat.from_dict(test)
            copy.id, copy.source = "duplicate", "pass"  # Jupyter's copy and paste: a new id
            notebook.cells.append(copy)
        if attack.get("edit") == "empty_metadata":
            for cell in notebook.cells:
                if cell.metadata.get("nbgrader", {}).get("grade_id") == "setup":
                    cell.metadata.nbgrader = {}
        if attack.get("edit") == "empty_test":
            for cell in notebook.cells:
                if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_nesterov_update":
                    cell.source = "pass"
        submit(course, student, name, notebook)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, request):
    """(course, the grader's output): every attack graded with the honest submissions."""
    return graded_course(tmp_path_factory, request)


CASES = [(name, student) for name, attacks in catalogue(Path("/c")).items() for student in attacks]


@pytest.mark.parametrize("name, student", CASES, ids=[s for _, s in CASES])
def test_an_attack_scores_what_it_earned_and_is_flagged(graded, name, student):
    course, _ = graded
    score, flags = catalogue(course)[name][student]["expect"]
    row = report(course, name)[student]
    assert float(row["score"]) == score, row
    assert grades(course, name, student)[0] == score
    for flag in flags:
        assert flag in row["flags"], (flag, row["flags"])
    assert bool(row["flags"]) == bool(flags), row["flags"]
    assert "not graded" not in row["flags"]  # nbgrader reached it (a missing record says more)


@pytest.mark.parametrize("name", ["01_momentum", "04_line_search"])
def test_the_bystander_keeps_full_marks_and_the_gradebook_is_untouched(graded, name):
    course = graded[0]
    row = report(course, name)["solved"]
    assert row["score"] == row["max_score"] == "10" and row["flags"] == ""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        extra = [g.extra_credit for s in gradebook.assignment_submissions(name)
                 for n in s.notebooks for g in n.grades]
    assert all(not value for value in extra), "a kernel wrote the gradebook"


def test_the_grader_never_runs_code_from_a_record(graded):
    course, result = graded
    assert not (course / MARKER).exists()
    assert "code_in_record: 0/10: malformed record" in result.stdout


def test_the_course_library_attack_is_a_right_answer_where_the_library_exists():
    """What stops attack 4 is the sandbox, not a mistake in the attack."""
    from cs551.grading import check_momentum_update, check_terminal_velocity

    namespace: dict = {}
    cells = attacks_01(Path("/c"))["course_library"]["cells"]
    exec(cells["momentum_update"] + cells["terminal_velocity"], namespace)
    check_momentum_update(namespace["momentum_update"])
    check_terminal_velocity(namespace["terminal_velocity"], trials=5)
