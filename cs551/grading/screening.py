"""What a submitted notebook's text shows, read by the grader (never run): edited, deleted or
duplicated locked cells, and code that reaches for what an answer has no business touching.

These checks raise flags for the instructor to look at; they never change a score (the score
comes from the recorded answers alone, ``cs551.grading.verdict``). Locked cells are compared
with the *release*, the notebook the student was given: nbgrader compares them with the source,
whose test cells hold the hidden tests, so it warns about every submission (nbgrader #1961).

The code checks read every code cell that is not, word for word, a cell of the release:
- imports of anything but ``ALLOWED_IMPORTS`` (the course library is not importable while
  grading; importing it is reported as "imports the course library");
- names and attributes in ``SUSPICIOUS``: the interpreter's and IPython's machinery, dynamic
  code, files, processes, the recorder;
- assignments to attributes of imported modules (``np.allclose = ...``);
- classes that define comparison or arithmetic methods (an object "equal" to every answer);
- IPython magics and shell commands.
"""

from __future__ import annotations

import ast
import re

ALLOWED_IMPORTS = {"numpy", "sympy", "math", "cmath", "fractions", "functools", "itertools",
                   "operator", "collections", "typing", "numbers"}
SUSPICIOUS = {
    "get_ipython", "__import__", "exec", "eval", "compile", "open", "globals", "locals", "vars",
    "setattr", "delattr", "__builtins__", "builtins", "__dict__", "__class__", "__subclasses__",
    "__globals__", "__code__", "__getattribute__", "_getframe", "sys", "os", "importlib",
    "input_transformers_post", "input_transformers_cleanup", "ast_transformers", "run_cell",
    "run_code", "showtraceback", "record_answers", "breakpoint", "environ", "ctypes", "signal",
}
SAFE_DUNDERS = {"__init__", "__repr__", "__str__", "__call__"}
MAGIC = re.compile(r"^\s*(%|!)|\?\s*$")


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _shape(cell) -> tuple:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return (cell.get("cell_type"), bool(meta.get("grade")), bool(meta.get("solution")),
            bool(meta.get("locked")), float(meta.get("points", 0) or 0))


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def cell_flags(submitted: dict, release: dict) -> list[str]:
    """Edited, deleted or duplicated cells of ``submitted`` against ``release`` (notebook dicts)."""
    flags = []
    counts: dict[str, int] = {}
    for cell in submitted.get("cells", []):
        if (grade_id := _grade_id(cell)) is not None:
            counts[grade_id] = counts.get(grade_id, 0) + 1
    given = {_grade_id(cell): cell for cell in release["cells"] if _grade_id(cell)}
    flags += [f"duplicated cell {gid} ({n} copies)" for gid, n in counts.items() if n > 1]
    for grade_id, original in given.items():
        copies = [c for c in submitted.get("cells", []) if _grade_id(c) == grade_id]
        if not copies:
            flags.append(f"deleted cell {grade_id}")
            continue
        if any(_shape(c) != _shape(original) for c in copies):
            flags.append(f"edited cell type or metadata {grade_id}")
        locked = original["metadata"]["nbgrader"].get("locked")
        if locked and any(_source(c).strip() != _source(original).strip() for c in copies):
            flags.append(f"edited locked cell {grade_id}")
    return flags


def code_flags(submitted: dict, release: dict) -> list[str]:
    """What the code of the cells the student wrote or changed reaches for (module docstring)."""
    given = {_source(cell).strip() for cell in release["cells"] if cell["cell_type"] == "code"}
    flags: list[str] = []
    for cell in submitted.get("cells", []):
        source = _source(cell)
        if cell.get("cell_type") != "code" or source.strip() in given:
            continue
        lines = source.splitlines()
        if any(MAGIC.search(line) for line in lines):
            flags.append("IPython magic or shell command")
            lines = ["" if MAGIC.search(line) else line for line in lines]
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError, RecursionError):
            continue  # it fails in the kernel too
        flags += _tree_flags(tree)
    return list(dict.fromkeys(flags))


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)[:40]
    except (ValueError, RecursionError):
        return "?"


def _tree_flags(tree: ast.AST) -> list[str]:
    flags = []
    modules = set()  # names bound by imports: assigning to their attributes patches them
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or "." * node.level])
            for name in names:
                top = name.split(".")[0]
                if top == "cs551":
                    flags.append(f"imports the course library ({name})")
                elif top not in ALLOWED_IMPORTS:
                    flags.append(f"forbidden import {name}")
            modules |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in SUSPICIOUS:
            flags.append(f"suspicious code: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in SUSPICIOUS:
            flags.append(f"suspicious code: .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(
                r"cs551|gradebook|source/|CS551_GRADING|/grading", node.value):
            flags.append(f"suspicious code: the string {node.value[:30]!r}")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and _root(target) in modules:
                    flags.append(f"patches {_dotted(target)}")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if (isinstance(item, ast.FunctionDef) and item.name.startswith("__")
                        and item.name.endswith("__") and item.name not in SAFE_DUNDERS):
                    flags.append(f"class {node.name} overrides {item.name}")
    return flags
