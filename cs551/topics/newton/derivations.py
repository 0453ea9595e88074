"""The derivations of notebook 09 (Newton's method), by SymPy.

Each function returns the expressions the notebook shows; the tests check them.
"""

from __future__ import annotations

import sympy as sp


def newton_from_quadratic_model() -> dict[str, sp.Expr]:
    """Newton's update from the slide's quadratic model, in two dimensions, fully symbolic.

        J(theta) ~ J(theta_0) + (theta - theta_0)^T g + 1/2 (theta - theta_0)^T H (theta - theta_0)

    with a general symmetric H and gradient g. Setting the model's gradient to zero and
    solving gives the critical point; it equals theta_0 - H^{-1} g (the slide's
    "theta* = theta_0 H^{-1} grad J" lost its minus sign). Returns the model, the solved
    critical point, theta_0 - H^{-1} g and their difference (simplified: zero).
    """
    t1, t2, a1, a2, g1, g2, J0 = sp.symbols("theta_1 theta_2 theta_01 theta_02 g_1 g_2 J_0")
    h11, h12, h22 = sp.symbols("h_11 h_12 h_22")
    theta, theta0 = sp.Matrix([t1, t2]), sp.Matrix([a1, a2])
    g, H = sp.Matrix([g1, g2]), sp.Matrix([[h11, h12], [h12, h22]])
    dt = theta - theta0
    model = J0 + (dt.T * g)[0] + sp.Rational(1, 2) * (dt.T * H * dt)[0]
    gradient = sp.Matrix([sp.diff(model, t) for t in (t1, t2)])
    solution = sp.solve(list(gradient), [t1, t2], dict=True)[0]
    critical = sp.Matrix([solution[t1], solution[t2]])
    newton = theta0 - H.inv() * g
    difference = sp.simplify(critical - newton)
    if difference != sp.zeros(2, 1):
        raise AssertionError(f"the model's critical point is not theta_0 - H^-1 g: {difference}")
    return {"model": model, "critical point": critical, "theta_0 - H^-1 g": newton,
            "difference": difference}


def damped_newton_factor() -> tuple[sp.Expr, sp.Expr]:
    """One damped Newton step on J = lambda/2 theta^2 (one eigen-direction of a quadratic).

    theta <- theta - (lambda + mu)^{-1} lambda theta = mu / (lambda + mu) theta.
    Returns (theta after the step, its factor mu / (lambda + mu)); raises if they differ.
    """
    lam, mu, theta = sp.Symbol("lambda", real=True), sp.Symbol("mu", nonnegative=True), \
        sp.Symbol("theta", real=True)
    after = theta - (lam * theta) / (lam + mu)  # theta - (H + mu I)^{-1} g, g = lambda theta
    factor = mu / (lam + mu)
    if sp.simplify(after - factor * theta) != 0:
        raise AssertionError(f"{after} is not {factor} theta")
    return sp.factor(after), factor


def elimination_flops() -> tuple[sp.Expr, sp.Expr]:
    """Flops of Gaussian elimination + back substitution on a d x d system.

    Pivot k costs 3 (d-k-1) + 2 (d-k-1)^2 flops and back substitution d^2 in all: SymPy
    sums it to 2/3 d^3 + 3/2 d^2 - 7/6 d. Returns (the total, its limit / d^3 = 2/3).
    """
    d, j = sp.symbols("d j", integer=True, positive=True)
    total = sp.expand(sp.summation(3 * j + 2 * j**2, (j, 0, d - 1)) + d**2)
    return total, sp.Poly(total, d).LC()  # the d^3 coefficient: total / d^3 -> 2/3
