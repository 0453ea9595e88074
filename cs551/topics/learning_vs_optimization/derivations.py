"""The derivations of notebook 01 (Learning vs optimization), by SymPy.

Each function returns the expressions the notebook shows; the tests check them.
"""

from __future__ import annotations

import sympy as sp

from cs551 import _validate as check
from cs551.symbolic import expectation


def gaussian_expectation(expr, variables):
    """E[expr] over independent standard normal ``variables`` (a SymPy polynomial in them).

    Linearity of E, independence, and the moments of a standard normal,
    E[z^k] = 0 for odd k and (k - 1)!! = 1 * 3 * ... * (k - 1) for even k,
    applied monomial by monomial. ``tests/test_learning_vs_optimization.py`` checks it against
    ``sympy.stats``, which integrates instead (and is ~50x slower).
    """

    return sp.simplify(expectation(expr, variables,
                                   lambda k: 0 if k % 2 else sp.factorial2(k - 1)))


def risk_symbolic(d: int = 3):
    """(J*(theta), its closed form, their difference simplified) for squared loss, symbolically.

    With x ~ N(0, I_d), y = x^T w + sigma eps and L = 1/2 (x^T theta - y)^2:

        J*(theta) = E[1/2 (x^T (theta - w) - sigma eps)^2] = 1/2 (||theta - w||^2 + sigma^2).

    The first entry is E[...] computed by ``gaussian_expectation``; the third is 0.
    """

    d = check.positive_int("d", d)
    x = sp.symbols(f"x1:{d + 1}", real=True)
    eps = sp.Symbol("epsilon", real=True)
    theta = sp.symbols(f"theta1:{d + 1}", real=True)
    w = sp.symbols(f"w1:{d + 1}", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    residual = sum(xi * (ti - wi) for xi, ti, wi in zip(x, theta, w, strict=True)) - sigma * eps
    risk = gaussian_expectation(residual**2 / 2, [*x, eps])
    closed = (sum((ti - wi) ** 2 for ti, wi in zip(theta, w, strict=True)) + sigma**2) / 2
    return risk, closed, sp.simplify(risk - closed)


def zero_one_symbolic():
    """The 0-1 loss and the NLL of one example, and their derivatives, in SymPy.

    For a linear score z = theta x with label y in {-1, +1} the 0-1 loss is
    Heaviside(-y theta x): 1 when the sign of z is wrong. Its derivative in theta is
    -x y DiracDelta(x y theta): zero wherever x y theta != 0, that is, everywhere but
    on the decision boundary. The surrogate log(1 + exp(-y theta x)) has the
    derivative -x y / (1 + exp(x y theta)), never zero.

    Returns a dict of SymPy expressions (symbols theta, x real; y = +-1 is substituted
    by the caller).
    """

    theta, x, y = sp.symbols("theta x y", real=True)
    zero_one = sp.Heaviside(-y * theta * x)
    nll = sp.log(1 + sp.exp(-y * theta * x))
    return {"symbols": (theta, x, y), "0-1 loss": zero_one, "d 0-1 / d theta":
            sp.diff(zero_one, theta), "NLL": nll, "d NLL / d theta": sp.simplify(
                sp.diff(nll, theta))}
