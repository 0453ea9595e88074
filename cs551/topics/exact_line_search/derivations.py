"""The derivations of notebook 11 (Exact line search), by SymPy.

Each function returns the expressions the notebook shows; the tests check them.
"""

from __future__ import annotations

import functools

import sympy as sp

from cs551.linesearch_exercise import (
    ALPHA,
    B,
    K,
    X,
    Y,
    _step,
    exact_line_search_iterates,
    exercise_objective,
    line_search_closed_form,
)

# SymPy cannot combine (1 - b)^k with (b - 1)^k without knowing the sign of 1 - b.
# For 0 < b < 1 the proofs write b = 1 - c with c > 0, before any simplification;
# b = 1 is checked on its own (there rho = 0: one step lands on the minimum).
_C = sp.Symbol("c", positive=True)


def _zero_for_b_below_one(expr: sp.Expr) -> sp.Expr:
    return sp.simplify(expr.subs(B, 1 - _C))


@functools.cache
def prove_closed_form() -> dict[str, sp.Expr]:
    """The induction proof of the closed form, simplified: every entry is 0.

    Assume (x_k, y_k) has the closed form. Then (i) the exact step there is
    alpha_k = 2 / (1 + b), whatever k, and (ii) one step of the iteration lands on
    the closed form at k + 1: step(x_k, y_k) - (x_{k+1}, y_{k+1}) = 0. With the base
    case (x_0, y_0) = (b, 1), this proves the closed form for every k.
    """
    b, k, xk, yk = line_search_closed_form()
    x_next, y_next, alpha_k = _step(xk, yk)
    first = exact_line_search_iterates(1)[1]
    return {
        "base case": sp.simplify(xk.subs(k, 0) - b) + sp.simplify(yk.subs(k, 0) - 1),
        "alpha_k - 2/(1 + b)": _zero_for_b_below_one(alpha_k - 2 / (1 + b)),
        "x step - x_(k+1)": _zero_for_b_below_one(x_next - xk.subs(k, k + 1)),
        "y step - y_(k+1)": _zero_for_b_below_one(y_next - yk.subs(k, k + 1)),
        "b = 1: theta_1 - 0": sp.Abs(first[0].subs(b, 1)) + sp.Abs(first[1].subs(b, 1)),
    }


def consecutive_gradient_dot(step: sp.Expr | None = None) -> sp.Expr:
    """grad f_{k+1} . grad f_k along the exercise's iterates, simplified (0: orthogonal).

    Iterate k is the closed form. With the exact step, iterate k + 1 is the closed
    form at k + 1 (``prove_closed_form``); with another ``step`` (e.g. a fixed 1/2)
    it is theta_k - step * g_k, and the product is not 0: orthogonality is a
    property of the *exact* step.
    """
    _, k, xk, yk = line_search_closed_form()
    _, g = exercise_objective()
    g_k = g.subs({X: xk, Y: yk}, simultaneous=True)
    if step is None:
        nxt = {X: xk.subs(k, k + 1), Y: yk.subs(k, k + 1)}
    else:
        nxt = {X: xk - step * g_k[0], Y: yk - step * g_k[1]}
    dot = _zero_for_b_below_one(g.subs(nxt, simultaneous=True).dot(g_k))
    return dot if dot == 0 else sp.factor(dot.subs(_C, 1 - B))


def general_quadratic_gradient_dot(n: int = 2, step: sp.Expr | None = None) -> sp.Expr:
    """g(theta - alpha g) . g for f = 1/2 theta^T H theta with a symbolic symmetric n x n H.

    With the exact step alpha = g^T g / g^T H g it simplifies to 0 for *every* H and
    theta: g' . g = (H(theta - alpha g)) . g = g^T g - alpha g^T H g = 0.
    """
    H = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"h{min(i, j) + 1}{max(i, j) + 1}", real=True))
    theta = sp.Matrix(sp.symbols(f"theta1:{n + 1}", real=True))
    g = H * theta
    alpha = (g.T * g)[0] / (g.T * H * g)[0] if step is None else sp.sympify(step)
    g_next = H * (theta - alpha * g)
    return sp.simplify(g_next.dot(g))


def directional_derivative_identity(n: int = 2) -> sp.Expr:
    """d/d alpha f(theta - alpha g) + grad f(theta - alpha g) . g, simplified: 0.

    This is why the exact step makes consecutive gradients orthogonal: at the
    minimizing alpha the derivative vanishes, so the new gradient is orthogonal to g.
    """
    H = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"h{min(i, j) + 1}{max(i, j) + 1}", real=True))
    theta = sp.Matrix(sp.symbols(f"theta1:{n + 1}", real=True))
    b = sp.Matrix(sp.symbols(f"b1:{n + 1}", real=True))

    def f(t):
        return (t.T * H * t)[0] / 2 - b.dot(t)

    g = H * theta - b
    moved = theta - ALPHA * g
    return sp.simplify(sp.diff(f(moved), ALPHA) + (H * moved - b).dot(g))


def contraction_factor() -> tuple[sp.Expr, sp.Expr]:
    """(rho, rho in terms of kappa = 1/b): rho = (1 - b)/(1 + b) = (kappa - 1)/(kappa + 1)."""
    kappa = sp.Symbol("kappa", positive=True)
    _, _, _, yk = line_search_closed_form()
    rho = sp.simplify(yk.subs(K, 1))
    return rho, sp.simplify(rho.subs(B, 1 / kappa))
