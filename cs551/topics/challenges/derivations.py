"""The derivations of notebook 04 (Challenges of optimization), by SymPy.

Each function returns the expressions the notebook shows; the tests check them.
"""

from __future__ import annotations

import itertools

import sympy as sp


# Notebook 04: the second-order change of the cost after a gradient step (slide "Ill conditioning").
def _generic_polynomial(variables: tuple, degree: int, name: str = "c") -> sp.Expr:
    """sum of c_k times every monomial of the variables up to ``degree``: a generic smooth f."""

    monomials = [m for d in range(degree + 1)
                 for m in itertools.combinations_with_replacement(variables, d)]
    coefficients = sp.symbols(f"{name}_0:{len(monomials)}")
    return sp.Add(*(c * sp.Mul(*m) for c, m in zip(coefficients, monomials, strict=True)))


def gradient_step_taylor(degree: int = 3) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """f(theta - eps d) to second order in eps, for a generic polynomial f of two variables.

    Returns (the eps^0..eps^2 terms of f(theta - eps d), computed by expanding; the
    Taylor form f - eps d^T grad f + 1/2 eps^2 d^T H d; their difference, expanded: 0).
    With d = g = grad f this is the slide's f(x - eps g) = f - eps g^T g + 1/2 eps^2 g^T H g.
    """
    eps = sp.Symbol("epsilon", positive=True)
    theta = sp.symbols("theta_1 theta_2")
    d = sp.Matrix(sp.symbols("d_1 d_2"))
    f = _generic_polynomial(theta, degree)
    grad = sp.Matrix([f.diff(v) for v in theta])
    H = sp.hessian(f, theta)
    moved = sp.expand(f.subs({v: v - eps * dv for v, dv in zip(theta, d, strict=True)},
                             simultaneous=True))  # f(theta - eps d)
    second_order = sp.Add(*(moved.coeff(eps, k) * eps**k for k in range(3)))
    taylor = f - eps * (d.T * grad)[0] + eps**2 / 2 * (d.T * H * d)[0]
    return second_order, taylor, sp.expand(second_order - taylor)


def quadratic_step_change() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """For a quadratic f = c + b^T theta + 1/2 theta^T H theta (2-D, symbolic H, b, c) and
    g = grad f: (f(theta - eps g) - f(theta), 1/2 eps^2 g^T H g - eps g^T g, difference = 0).

    No remainder: on a quadratic the slide's second-order formula is exact.
    """
    eps = sp.Symbol("epsilon", positive=True)
    theta = sp.Matrix(sp.symbols("theta_1 theta_2"))
    h11, h12, h22, b1, b2, c = sp.symbols("h_11 h_12 h_22 b_1 b_2 c")
    H, b = sp.Matrix([[h11, h12], [h12, h22]]), sp.Matrix([b1, b2])
    f = c + (b.T * theta)[0] + (theta.T * H * theta)[0] / 2
    g = sp.Matrix([f.diff(v) for v in theta])
    change = f.subs(dict(zip(theta, theta - eps * g, strict=True)), simultaneous=True) - f
    slide = eps**2 / 2 * (g.T * H * g)[0] - eps * (g.T * g)[0]
    return change, slide, sp.expand(change - slide)


def cost_increase_condition() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """The slide's criterion 1/2 eps^2 g^T H g - eps g^T g > 0 (with g^T g, g^T H g > 0).

    Returns (the criterion, its factored form eps (eps g^T H g - 2 g^T g) / 2, its positive
    root 2 g^T g / g^T H g): for eps > 0 it is positive, the step raises the cost, exactly
    when eps exceeds the root.
    """
    eps = sp.Symbol("epsilon", positive=True)
    gHg, gg = sp.symbols("g^THg g^Tg", positive=True)
    criterion = eps**2 / 2 * gHg - eps * gg
    (root,) = sp.solve(criterion, eps)  # eps = 0 is excluded: eps is positive
    return criterion, sp.factor(criterion), root
