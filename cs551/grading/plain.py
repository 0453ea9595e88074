"""Plain data between the grader and the graded kernel: arrays, numbers, SymPy expressions.

The grader writes a submission's inputs with ``encode``; the kernel's recorder
(``cs551.grading.record``) rebuilds them with ``decode``, calls the student's function and
encodes what comes back; the grader decodes that record in its own process. JSON only, so
nothing a student's code returns can run in the grader: NumPy arrays travel as nested lists,
SymPy expressions as their ``srepr`` text, which ``parse_srepr`` rebuilds by walking its syntax
tree and calling only the SymPy constructors of an allow-list (never ``eval``, ``sympify`` or
``parse_expr``, which evaluate Python code). Anything else a function returns is recorded by
type and ``repr`` and can never be right.

This module runs inside the grading sandbox too, so it imports only the standard library,
NumPy and SymPy (``tests/test_grading.py`` checks it).
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import sympy as sp

MAX_NODES = 20_000  # an expression larger than this is not an answer to these exercises
MAX_DIGITS = 60  # integer literals in an srepr
MAX_TEXT = 500_000  # characters of one srepr

# srepr's function names -> SymPy constructors; the names srepr writes bare -> constants
CONSTRUCTORS = {
    "Symbol": sp.Symbol, "Integer": sp.Integer, "Rational": sp.Rational, "Float": sp.Float,
    "Add": sp.Add, "Mul": sp.Mul, "Pow": sp.Pow, "Abs": sp.Abs, "exp": sp.exp, "log": sp.log,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sign": sp.sign, "Tuple": sp.Tuple,
    "ImmutableDenseMatrix": sp.ImmutableMatrix,
}
UNEVALUATED = {"Add", "Mul", "Pow"}  # built with evaluate=False: no arithmetic on untrusted sizes
CONSTANTS = {"oo": sp.oo, "nan": sp.nan, "zoo": sp.zoo, "pi": sp.pi, "E": sp.E, "I": sp.I}
ASSUMPTIONS = {"real", "positive", "negative", "nonnegative", "nonpositive", "integer",
               "rational", "finite", "nonzero", "zero", "complex", "commutative"}


class Malformed(ValueError):
    """Data that is not what the protocol allows (or too large)."""


class AffineGradient:
    """The gradient g(theta) = A theta + c of a quadratic, a function the grader can send."""

    def __init__(self, A, c) -> None:
        self.A, self.c = np.asarray(A, dtype=float), np.asarray(c, dtype=float)

    def __call__(self, theta):
        return self.A @ theta + self.c


class SinTensordot:
    """A smooth scalar function of an array x of any shape: f(x) = sum(sin(A . x)),
    with A . x contracting all of x's axes."""

    def __init__(self, A) -> None:
        self.A = np.asarray(A, dtype=float)

    def __call__(self, x) -> float:
        return float(np.sum(np.sin(np.tensordot(self.A, x, axes=np.ndim(x)))))


def encode(value: Any) -> Any:
    """A JSON-ready description of ``value``; unknown objects become ``{"object": ...}``."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return value if isinstance(value, float) or abs(value) < 2**53 else float(value)
    if isinstance(value, complex):
        return {"complex": [value.real, value.imag]}
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return encode(value.item())
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"ndarray": value.astype(float).tolist(), "shape": list(value.shape)}
    if isinstance(value, tuple | list):
        return {"tuple" if isinstance(value, tuple) else "list": [encode(v) for v in value]}
    if isinstance(value, AffineGradient):
        return {"affine_gradient": [encode(value.A), encode(value.c)]}
    if isinstance(value, SinTensordot):
        return {"sin_tensordot": encode(value.A)}
    if isinstance(value, sp.MatrixBase):
        value = sp.ImmutableMatrix(value)
    if isinstance(value, sp.Basic):
        return {"sympy": sp.srepr(value)}
    return {"object": type(value).__name__, "repr": repr(value)[:200]}


def decode(data: Any, evaluate: bool = True) -> Any:
    """The value ``encode`` described. Raises ``Malformed`` for anything else.

    ``evaluate=False`` for data from the kernel: SymPy expressions are rebuilt without
    arithmetic (see ``parse_srepr``)."""
    if data is None or isinstance(data, bool | str | int | float):
        return data
    if isinstance(data, dict) and len(data) in (1, 2):
        if "ndarray" in data:
            array = np.asarray(data["ndarray"], dtype=float)
            if list(array.shape) != data.get("shape"):
                raise Malformed(f"an array of shape {array.shape} recorded as {data.get('shape')}")
            return array
        if set(data) == {"object", "repr"}:
            return Foreign(data)
        if len(data) != 1:
            raise Malformed(f"not a recordable value: {str(data)[:100]}")
        ((kind, content),) = data.items()
        if kind in ("tuple", "list") and isinstance(content, list):
            items = [decode(item, evaluate) for item in content]
            return tuple(items) if kind == "tuple" else items
        if kind == "complex" and isinstance(content, list) and len(content) == 2:
            return complex(float(content[0]), float(content[1]))
        if kind == "affine_gradient" and isinstance(content, list) and len(content) == 2:
            return AffineGradient(decode(content[0]), decode(content[1]))
        if kind == "sin_tensordot":
            return SinTensordot(decode(content))
        if kind == "sympy" and isinstance(content, str):
            return parse_srepr(content, evaluate)
    raise Malformed(f"not a recordable value: {str(data)[:100]}")


class Foreign:
    """Something a student's function returned that is neither a number, an array nor a SymPy
    expression (its type and repr, as the kernel reported them): never a right answer."""

    def __init__(self, description) -> None:
        self.description = description

    def __repr__(self) -> str:
        return f"<{self.description.get('object', '?')}: {self.description.get('repr', '')}>"


def parse_srepr(text: str, evaluate: bool = True) -> sp.Basic:
    """Rebuild a SymPy object from ``sp.srepr`` text without evaluating code.

    Only calls of the allow-list ``CONSTRUCTORS``, the names in ``CONSTANTS``, numbers,
    strings and the lists of a matrix are accepted; Symbol names must be identifiers and
    their keyword arguments known assumptions; sizes are bounded. ``evaluate=False`` builds
    sums, products and powers unevaluated. Raises ``Malformed`` otherwise.
    """
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise Malformed("an expression's text is missing or too long")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError) as error:
        raise Malformed(f"not an srepr: {error}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise Malformed("expression too large")
    try:
        return _build(tree.body, evaluate)
    except RecursionError:
        raise Malformed("expression nested too deeply") from None


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool):
        if isinstance(node.value, int) and len(str(abs(node.value))) > MAX_DIGITS:
            raise Malformed("integer literal too long")
        if isinstance(node.value, str) and len(node.value) > 400:
            raise Malformed("string literal too long")
        return node.value
    raise Malformed(f"unexpected {type(node).__name__} in an srepr")


def _build(node: ast.AST, evaluate: bool) -> Any:
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise Malformed(f"unknown name {node.id!r} in an srepr")
    if isinstance(node, ast.List):
        return [_build(item, evaluate) for item in node.elts]
    if not isinstance(node, ast.Call):
        return _literal(node)
    if not isinstance(node.func, ast.Name) or node.func.id not in CONSTRUCTORS:
        raise Malformed(f"not an allowed SymPy constructor: {ast.unparse(node.func)[:60]}")
    name = node.func.id
    if name in ("Symbol", "Integer", "Rational", "Float"):
        args = [_literal(arg) for arg in node.args]
    else:
        args = [_build(arg, evaluate) for arg in node.args]
    kwargs = {keyword.arg: _literal(keyword.value) for keyword in node.keywords}
    if name == "Symbol":
        if (len(args) != 1 or not isinstance(args[0], str) or not args[0].isidentifier()
                or not set(kwargs) <= ASSUMPTIONS
                or not all(isinstance(v, bool) for v in kwargs.values())):
            raise Malformed("a Symbol must have an identifier for a name and known assumptions")
    elif name == "Float":
        if set(kwargs) - {"precision"} or not 0 < int(kwargs.get("precision", 53)) <= 2000:
            raise Malformed("Float with unexpected arguments")
        if len(args) != 1 or not isinstance(args[0], str | int | float):
            raise Malformed("Float with unexpected arguments")
    elif kwargs:
        raise Malformed(f"{name} takes no keyword arguments in an srepr")
    if name in UNEVALUATED and not evaluate:
        kwargs["evaluate"] = False
    try:
        return CONSTRUCTORS[name](*args, **kwargs)
    except (TypeError, ValueError, AttributeError, IndexError, sp.SympifyError) as error:
        raise Malformed(f"{name}{tuple(args)!r:.60}: {error}") from None
