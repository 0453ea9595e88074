"""The lecture's exact line search exercise, derived by SymPy.

f(x, y) = 1/2 (x^2 + b y^2), 0 < b <= 1, gradient descent with exact line search
alpha = argmin_alpha f(theta - alpha grad f(theta)), from (x0, y0) = (b, 1). The exact step,
the iterates and their closed form x_k = b (-rho)^k, y_k = rho^k, rho = (1 - b) / (1 + b).

Notebook 11 teaches it; assignment 4's autograder (``cs551.grading``) checks students'
answers against it, which is why it is part of the foundation.
"""

from __future__ import annotations

import functools

import sympy as sp

B = sp.Symbol("b", positive=True)


K = sp.Symbol("k", integer=True, nonnegative=True)


X, Y, ALPHA = sp.symbols("x y alpha", real=True)


def exercise_objective() -> tuple[sp.Expr, sp.Matrix]:
    """f(x, y) = 1/2 (x^2 + b y^2) and its gradient (x, b y), in the symbols x, y, b."""
    f = (X**2 + B * Y**2) / 2
    return f, sp.Matrix([f.diff(X), f.diff(Y)])


@functools.cache
def exact_step_symbolic() -> sp.Expr:
    """alpha*(x, y): the root of d/d alpha f(theta - alpha g) = 0, solved by SymPy.

    phi(alpha) = f(theta - alpha g) is a parabola in alpha; its one stationary point is
    alpha* = (x^2 + b^2 y^2) / (x^2 + b^3 y^2), which is g^T g / g^T H g.
    """
    f, g = exercise_objective()
    phi = f.subs({X: X - ALPHA * g[0], Y: Y - ALPHA * g[1]}, simultaneous=True)
    (alpha,) = sp.solve(sp.diff(phi, ALPHA), ALPHA)
    return sp.simplify(alpha)


def _step(x: sp.Expr, y: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """One iteration from (x, y), unsimplified: (x_next, y_next, alpha)."""
    _, g = exercise_objective()
    point = {X: x, Y: y}
    alpha = exact_step_symbolic().subs(point, simultaneous=True)
    gx, gy = (gi.subs(point, simultaneous=True) for gi in g)
    return x - alpha * gx, y - alpha * gy, alpha


@functools.cache  # the notebook, the closed form and its proof all take the first steps
def exact_line_search_step(x: sp.Expr, y: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """One iteration from (x, y): (x_next, y_next, alpha) with theta <- theta - alpha g."""
    return tuple(sp.simplify(e) for e in _step(x, y))


def exact_line_search_iterates(n: int, start: tuple = (B, sp.Integer(1))) -> list[tuple]:
    """The first n + 1 iterates (x_k, y_k), simplified, from (b, 1) unless ``start`` is given."""
    iterates = [tuple(start)]
    for _ in range(n):
        iterates.append(exact_line_search_step(*iterates[-1])[:2])
    return iterates


@functools.cache
def line_search_closed_form(n_check: int = 3) -> tuple[sp.Symbol, sp.Symbol, sp.Expr, sp.Expr]:
    """(b, k, x_k, y_k): the closed form of the exercise's iterates, derived from the iteration.

    The code computes the first ``n_check`` + 1 iterates from (b, 1), the ratios
    x_{k+1}/x_k and y_{k+1}/y_k, checks that they do not depend on k, and builds
    x_k = x_0 r_x^k and y_k = y_0 r_y^k from them. Since r_x = -r_y, this is

        x_k = b (-1)^k rho^k,   y_k = rho^k,   rho = (1 - b) / (1 + b).

    ``prove_closed_form`` proves that it satisfies the iteration for every k.
    """
    iterates = exact_line_search_iterates(n_check)
    ratios = [(sp.simplify(x1 / x0), sp.simplify(y1 / y0))
              for (x0, y0), (x1, y1) in zip(iterates, iterates[1:], strict=False)]
    if any(sp.simplify(r[0] - ratios[0][0]) != 0 or sp.simplify(r[1] - ratios[0][1]) != 0
           for r in ratios):
        raise AssertionError(f"the ratios change with k: {ratios}")
    rx, ry = ratios[0]
    sign = sp.simplify(rx / ry)  # -1: x flips sign at every step, y does not
    (x0, y0) = iterates[0]
    return B, K, x0 * sign**K * ry**K, y0 * ry**K
