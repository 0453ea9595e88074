"""Assignment 4 (``assignments/source/04_line_search``): exact line search, in SymPy."""

from __future__ import annotations

import functools
from collections.abc import Callable

import sympy as sp

from cs551.linesearch_exercise import (
    B,
    X,
    Y,
    exact_step_symbolic,
    exercise_objective,
    line_search_closed_form,
)

from .checks import (
    compare,
    draw_rng,
)


def check_exact_step_expr(student_expr) -> None:
    """The student's alpha*(x, y, b) for f = 1/2 (x^2 + b y^2): equal to the derived one."""
    expected = exact_step_symbolic()
    if not isinstance(student_expr, sp.Expr):
        raise AssertionError(f"exact_step_expr() must return a SymPy expression, got "
                             f"{student_expr!r}")
    difference = sp.simplify(student_expr - expected)
    if difference != 0:
        raise AssertionError(f"the step size is wrong:\n  expected {expected}\n  got      "
                             f"{student_expr}\n  difference (simplified): {difference}\n  hint: "
                             "minimize phi(alpha) = f(x - alpha df/dx, y - alpha df/dy) over alpha")


def check_closed_form(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(b, k) -> (x_k, y_k)`` (numbers): the closed form of the exercise's iterates."""
    b, k, x_k, y_k = line_search_closed_form()
    reference = sp.lambdify((b, k), (x_k, y_k))
    rng, seed = draw_rng(seed)
    for trial in range(trials):
        b_value, k_value = float(rng.uniform(0.05, 1.0)), int(rng.integers(0, 12))
        inputs = {"b": b_value, "k": k_value, "(replay with seed)": f"{seed}, trial {trial}"}
        compare("closed_form(b, k)", student(b_value, k_value), reference(b_value, k_value),
                inputs, rtol=1e-9, atol=1e-12,
                hint="look at the ratios x_(k+1) / x_k and y_(k+1) / y_k of the first iterates")


def check_gradient_dot(student: Callable, seed: int | None = None) -> None:
    """``student(step) -> grad f(theta - step grad f(theta)) . grad f(theta)`` in x, y, b.

    Checked for the exact step (must simplify to 0) and for a random rational step
    (must equal the reference expression, so a constant 0 does not pass).
    """
    _, g = exercise_objective()
    rng, seed = draw_rng(seed)
    fixed = sp.Rational(int(rng.integers(1, 20)), int(rng.integers(2, 20)))
    for step in (exact_step_symbolic(), fixed):
        moved = g.subs({X: X - step * g[0], Y: Y - step * g[1]}, simultaneous=True)
        expected = sp.simplify(moved.dot(g))
        got = student(step)
        if not isinstance(got, sp.Expr) or sp.simplify(got - expected) != 0:
            raise AssertionError(f"gradient_dot({step}) is wrong\n  expected {expected}\n"
                                 f"  got      {got}\n  (x, y, b are the symbols {X}, {Y}, {B};"
                                 f" replay with seed={seed})")


# --- the grader's side (cs551.grading.parts): inputs and references, one call at a time ----


def exact_step_reference(inputs: dict) -> dict:
    """The exact step alpha*(x, y, b), as SymPy derives it (``exact_step_expr()`` has no
    arguments)."""
    return {"step": exact_step_symbolic()}


def closed_form_inputs(rng) -> dict:
    """Random arguments of ``closed_form(b_value, k)``."""
    return {"b_value": float(rng.uniform(0.05, 1.0)), "k": int(rng.integers(0, 12))}


@functools.cache
def _closed_form_numbers() -> Callable:
    b, k, x_k, y_k = line_search_closed_form()
    return sp.lambdify((b, k), (x_k, y_k))


def closed_form_reference(inputs: dict) -> dict:
    """(x_k, y_k) from the closed form the library derives."""
    x_k, y_k = _closed_form_numbers()(inputs["b_value"], inputs["k"])
    return {"x_k": float(x_k), "y_k": float(y_k)}


def gradient_dot_inputs(rng) -> dict:
    """A random step for ``gradient_dot(step)``: a rational number, or a rational function of
    x, y, b (never the exact step itself, which would give away part 1's answer)."""
    p, q = int(rng.integers(1, 20)), int(rng.integers(2, 20))
    if rng.random() < 0.5:
        return {"step": sp.Rational(p, q)}
    c, d = int(rng.integers(1, 9)), int(rng.integers(1, 9))
    return {"step": sp.Rational(p, q) * (X**2 + c * Y**2) / (X**2 + d * B * Y**2)}


def gradient_dot_reference(inputs: dict) -> dict:
    """grad f(theta - step grad f(theta)) . grad f(theta), unsimplified."""
    _, g = exercise_objective()
    step = inputs["step"]
    moved = g.subs({X: X - step * g[0], Y: Y - step * g[1]}, simultaneous=True)
    return {"dot": moved.dot(g)}
