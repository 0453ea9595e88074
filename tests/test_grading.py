"""The grader's parts, one at a time: the plain-data codec and its safe SymPy rebuild, the
recorder, the verdicts, the notebook screening, and what the sandbox allows and denies
(run directly with bwrap, no notebook). The end-to-end runs are in test_assignments.py
and test_grading_attacks.py.
"""

from __future__ import annotations

import ast
import json
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from cs551.grading import grader, plain, record, sandbox, screening, verdict
from cs551.grading.line_search import exact_step_symbolic
from cs551.grading.parts import PARTS

from .helpers import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent


# --- plain data -----------------------------------------------------------------------------

def test_values_survive_the_round_trip():
    x = sp.Symbol("x", real=True)
    values = [1.5, 3, None, "text", np.arange(6.0).reshape(2, 3), (np.ones(2), 0.5),
              plain.AffineGradient(np.eye(2), np.ones(2)), exact_step_symbolic(),
              sp.Rational(3, 7) * x**2 + sp.Float("0.25"), sp.ImmutableMatrix([x, 1])]
    for value in values:
        back = plain.decode(json.loads(json.dumps(plain.encode(value))))
        if isinstance(value, np.ndarray):
            assert np.array_equal(back, value)
        elif isinstance(value, plain.AffineGradient):
            assert np.array_equal(back(np.ones(2)), value(np.ones(2)))
        elif isinstance(value, tuple):
            assert np.array_equal(back[0], value[0]) and back[1] == value[1]
        else:
            assert back == value


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')",
    "Symbol('x').__class__",
    "Add(Symbol('x'), lambda: 0)",
    "Function('f')(Symbol('x'))",
    "Symbol('x', real=__import__('os'))",
    "Symbol('not an identifier')",
    "Integer(" + "9" * 100 + ")",
    "Mul(" * 3000 + ")" * 3000,
    "exec('1')",
    "[Symbol('x')][0]",
])
def test_an_srepr_with_anything_but_sympy_constructors_is_refused(text):
    with pytest.raises(plain.Malformed):
        plain.parse_srepr(text)


def test_the_rebuild_calls_only_the_allow_list():
    """No path from a record to eval: the module never calls eval, exec, sympify or parse_expr."""
    tree = ast.parse(Path(plain.__file__).read_text())
    called = {node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id",
              "") for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert not called & {"eval", "exec", "sympify", "parse_expr", "S", "compile"}


def test_unevaluated_rebuild_does_no_arithmetic_on_huge_powers():
    started = time.perf_counter()
    huge = plain.parse_srepr("Pow(Pow(Integer(10), Integer(1000000)), Integer(1000000))",
                             evaluate=False)
    assert time.perf_counter() - started < 1 and isinstance(huge, sp.Pow)


def test_the_sandboxed_modules_import_only_the_standard_library_numpy_and_sympy():
    for relative in sandbox.RECORDER_FILES:
        tree = ast.parse((ROOT / "cs551" / relative).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["." if node.level else node.module]
            else:
                continue
            for name in names:
                assert name == "." or name.split(".")[0] in (
                    *sys.stdlib_module_names, "numpy", "sympy", "__future__"), (relative, name)


# --- the recorder and the verdicts ----------------------------------------------------------

def recorded(tmp_path, monkeypatch, name: str, function, cases) -> Path:
    """Run the recorder in this process as the kernel would, on these cases."""
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"parts": {name: [[plain.encode(v) for v in args.values()]
                                                   for args, _ in cases]}}))
    records = tmp_path / "records"
    records.mkdir(exist_ok=True)
    monkeypatch.setenv(record.INPUTS, str(inputs))
    monkeypatch.setenv(record.RECORDS, str(records))
    exec(f"record_answers({name!r})", {"record_answers": record.record_answers, name: function})
    return records


def momentum(theta, v, g, lr, momentum):
    v = momentum * v - lr * g
    return theta + v, v


def test_a_right_answer_is_right_and_a_changed_input_is_not(tmp_path, monkeypatch):
    part = next(p for p in PARTS["01_momentum"] if p.name == "momentum_update")
    _, cases = verdict.plan((part,), np.random.default_rng(1))
    rng = np.random.default_rng(2)
    records = recorded(tmp_path, monkeypatch, part.name, momentum, cases[part.name])
    assert verdict.judge(part, cases[part.name], records, rng).status == "right"

    def in_place(theta, v, g, lr, momentum_):
        v *= momentum_
        v -= lr * g
        return theta + v, v

    records = recorded(tmp_path, monkeypatch, part.name, in_place, cases[part.name])
    result = verdict.judge(part, cases[part.name], records, rng)
    assert result.status == "wrong" and "changed its input v" in result.detail


def test_outside_grading_the_recorder_does_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(record.INPUTS, raising=False)
    monkeypatch.delenv(record.RECORDS, raising=False)
    monkeypatch.chdir(tmp_path)
    assert record.record_answers("momentum_update") is None and not list(tmp_path.iterdir())


def test_an_equal_expression_in_another_form_is_right_a_near_one_is_not(tmp_path, monkeypatch):
    part = next(p for p in PARTS["04_line_search"] if p.name == "exact_step_expr")
    x, y = sp.symbols("x y", real=True)
    b = sp.Symbol("b", positive=True)
    _, cases = verdict.plan((part,), np.random.default_rng(0))
    rng = np.random.default_rng(3)
    expanded = 1 / ((x**2 + b**3 * y**2) / (x**2 + b**2 * y**2))  # the same, written otherwise
    records = recorded(tmp_path, monkeypatch, part.name, lambda: expanded, cases[part.name])
    assert verdict.judge(part, cases[part.name], records, rng).status == "right"
    near = (x**2 + b**2 * y**2) / (x**2 + b**3 * y**2 + sp.Rational(1, 10**6))
    records = recorded(tmp_path, monkeypatch, part.name, lambda: near, cases[part.name])
    assert verdict.judge(part, cases[part.name], records, rng).status == "wrong"


def test_a_record_that_is_a_link_or_too_large_is_malformed(tmp_path):
    (part,) = PARTS["01_momentum"][:1]
    secret = tmp_path / "elsewhere.json"
    secret.write_text(json.dumps({"name": part.name, "defined": True, "calls": []}))
    (tmp_path / f"{part.name}.json").symlink_to(secret)
    result = verdict.judge(part, [], tmp_path, np.random.default_rng(0))
    assert result.status == "malformed"
    (tmp_path / f"{part.name}.json").unlink()
    (tmp_path / f"{part.name}.json").write_text(" " * (verdict.MAX_RECORD_BYTES + 1))
    assert verdict.judge(part, [], tmp_path, np.random.default_rng(0)).status == "malformed"
    strings = {"name": part.name, "defined": True, "calls": [
        {"value": {"tuple": [{"ndarray": ["a"], "shape": [1]}] * 2}, "args_after": []}]}
    (tmp_path / f"{part.name}.json").write_text(json.dumps(strings))
    _, cases = verdict.plan((part,), np.random.default_rng(0))
    result = verdict.judge(part, cases[part.name][:1], tmp_path, np.random.default_rng(0))
    assert result.status == "malformed"
    (tmp_path / f"{part.name}.json").unlink()
    assert verdict.judge(part, [], tmp_path, np.random.default_rng(0)).status == "missing"


def test_every_assignment_cell_has_a_graded_part():
    import nbformat

    for name, parts in PARTS.items():
        notebook = nbformat.read(ROOT / "assignments" / "release" / name / f"{name}.ipynb", 4)
        assert set(grader.grade_cells(notebook)) == {part.cell for part in parts}


# --- screening ------------------------------------------------------------------------------

def test_screening_reads_what_the_code_reaches_for():
    code = textwrap.dedent("""
        import numpy as np
        import os
        from cs551.optim import Momentum
        np.allclose = lambda *a, **k: True
        get_ipython().input_transformers_post.append(len)
        class Cheat:
            def __eq__(self, other):
                return True
        %time 1
        """)
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": code}]}
    flags = screening.code_flags(notebook, {"cells": []})
    for expected in ("forbidden import os", "imports the course library (cs551.optim)",
                     "patches np.allclose", "suspicious code: get_ipython",
                     "suspicious code: .input_transformers_post", "class Cheat overrides __eq__",
                     "IPython magic or shell command"):
        assert expected in flags
    honest = {"cells": [{"cell_type": "code", "metadata": {},
                         "source": "import numpy as np\n\ndef f(x):\n    return np.sum(x)\n"}]}
    assert screening.code_flags(honest, {"cells": []}) == []


# --- the sandbox ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jail(tmp_path_factory):
    """run(code) -> (stdout, folders): Python code in the grading sandbox, as a kernel is."""
    if reason := sandbox.unavailable():
        skip_or_fail(f"no grading sandbox: {reason}")
    base = tmp_path_factory.mktemp("jail")
    folders = {name: base / name for name in ("home", "records", "rt0", "lib")}
    for folder in folders.values():
        folder.mkdir()
    (base / "inputs.json").write_text("{}")
    sandbox.restricted_library(folders["lib"])

    def run(code: str, timeout: float = 60) -> str:
        command = sandbox.sandbox_command(
            [sys.executable, "-c", textwrap.dedent(code)], home=folders["home"],
            inputs=base / "inputs.json", records=folders["records"], runtime=folders["rt0"],
            library=folders["lib"] / "cs551")
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run, folders


def test_the_sandbox_shows_nothing_of_the_course_or_the_machine(jail, tmp_path):
    run, _ = jail
    other = tmp_path / "other_submission.ipynb"
    other.write_text("{}")
    hidden = [ROOT / "assignments" / "source", ROOT / "assignments" / "nbgrader_config.py",
              ROOT / "assignments" / "gradebook.db", ROOT / "README.md", other,
              Path("/etc/passwd"), ROOT / "cs551" / "optim.py"]
    said = run(f"""
        import os
        for path in {[str(p) for p in hidden]!r}:
            print(path, os.path.exists(path))
        print("course folder:", sorted(os.listdir({str(ROOT)!r})))
        print("library:", sorted(os.listdir({str(ROOT / "cs551" / "grading")!r})))
        import cs551.grading.record, numpy, sympy
        try:
            import cs551.optim
        except ImportError:
            print("no cs551.optim")
        """)
    for path in hidden:
        assert f"{path} False" in said
    assert "no cs551.optim" in said
    shown = {Path(sys.prefix).name} if ROOT in Path(sys.prefix).parents else set()
    assert f"course folder: {sorted(shown | {'cs551'})}" in said  # the venv, if it is here
    assert "library: ['__init__.py', 'plain.py', 'record.py']" in said


def test_the_sandbox_writes_only_its_copy_its_records_and_tmp(jail):
    run, folders = jail
    said = run("""
        import os, sys
        for path in ["/submission/a", "/grading/records/b", "/tmp/c", "/d", "/grading/e",
                     "/usr/f", sys.prefix + "/g", os.path.dirname(os.__file__) + "/h"]:
            try:
                open(path, "w").write("x")
                print(path, "written")
            except OSError:
                print(path, "denied")
        """)
    for path in ("/submission/a", "/grading/records/b", "/tmp/c"):
        assert f"{path} written" in said
    assert said.count("denied") == 5
    assert (folders["home"] / "a").exists() and (folders["records"] / "b").exists()


def test_the_sandbox_has_no_network_not_even_the_hosts_loopback(jail):
    run, _ = jail
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        said = run(f"""
            import socket
            for address in [("127.0.0.1", {port}), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
                try:
                    socket.create_connection(address, timeout=3).close()
                    print(address, "connected")
                except OSError:
                    print(address, "refused")
            """)
    finally:
        listener.close()
    assert said.count("refused") == 3, said


def test_a_process_left_behind_dies_with_the_sandbox(jail):
    """A detached grandchild (new session) that would write 2 s after the kernel ends."""
    run, folders = jail
    late = folders["records"] / "late.txt"
    run("""
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c",
                          "import time; time.sleep(2); open('/grading/records/late.txt', 'w')"],
                         start_new_session=True)
        print("left")
        """)
    time.sleep(4)
    assert not late.exists()


def test_without_a_sandbox_the_grader_refuses_unless_told(monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "unavailable", lambda: "bubblewrap is not installed")
    assert grader.command_line(["01_momentum"]) == 2
    said = capsys.readouterr().out
    assert "refusing to grade" in said and "--unsafe" in said and "not installed" in said


def test_nbgraders_log_is_split_by_submission_and_its_closing_summary_blames_no_one():
    log = "\n".join([
        "[AutogradeApp | INFO] Sanitizing /w/submitted/ann/01_momentum/01_momentum.ipynb",
        "[AutogradeApp | ERROR] Timeout waiting for execute reply (10s).",
        "[AutogradeApp | ERROR] There was an error processing assignment: "
        "/w/submitted/ann/01_momentum",
        "[AutogradeApp | INFO] Sanitizing /w/submitted/bob/01_momentum/01_momentum.ipynb",
        "[AutogradeApp | WARNING] Attribute 'checksum' for cell test_a has changed! "
        "(should be: 1a, got: 2b)",
        "[AutogradeApp | ERROR] There was an error processing assignment '01_momentum' for "
        "student 'ann'",
        "[AutogradeApp | ERROR] Please see the the above traceback for details on the specific "
        "errors on the above failures.",
    ])
    sections = grader.log_sections(log, "01_momentum")
    assert set(sections) == {"ann", "bob"}
    flags, _ = grader.log_flags(sections["ann"], set())
    assert flags == ["timeout: a cell ran past the time limit",
                     "nbgrader's autograde failed on this notebook"]
    assert grader.log_flags(sections["bob"], {"2b"}) == ([], [])
    assert grader.log_flags(sections["bob"], set())[1]  # a checksum the release does not have
