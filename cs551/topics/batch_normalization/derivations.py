"""The derivations of notebook 10 (Batch normalization), by SymPy.

Each function returns the expressions the notebook shows; the tests check them.
"""

from __future__ import annotations

import sympy as sp

from cs551.symbolic import expectation


def expected_minibatch_variance(m: int) -> tuple[sp.Expr, sp.Symbol, sp.Symbol]:
    """E[sigma2_B] for m independent examples of mean mu and variance sigma^2 (notebook 10).

    Expands sigma2_B = 1/m sum_i (x_i - mu_B)^2 as a polynomial in x_1 ... x_m and takes
    the expectation monomial by monomial: E[x_i] = mu, E[x_i^2] = mu^2 + sigma^2, and
    independent factors multiply. The result is (m - 1)/m sigma^2: the minibatch
    variance is biased low, which is why the slide's Var[x] = m/(m-1) E_B[sigma2_B].
    Returns (E[sigma2_B], mu, sigma).
    """
    if isinstance(m, bool) or not isinstance(m, int) or m < 2:
        raise ValueError(f"m must be an integer >= 2, got {m!r}")
    mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
    xs = sp.symbols(f"x_1:{m + 1}", real=True)
    mean = sum(xs) / m  # mu_B
    variance = sum((x - mean) ** 2 for x in xs) / m  # sigma2_B, divided by m
    moments = {0: sp.Integer(1), 1: mu, 2: mu**2 + sigma**2}  # E[x^k], k <= 2
    return sp.simplify(expectation(variance, xs, moments.__getitem__)), mu, sigma


def running_average_lag_symbolic() -> tuple[sp.Expr, sp.Expr, sp.Symbol, sp.Symbol]:
    """How far the running mean trails minibatch means that drift by c per step (notebook 10).

    After many steps, m_t = alpha m_(t-1) + (1 - alpha) mu_t weighs the minibatch mean
    j steps back by (1 - alpha) alpha^j; these weights sum to 1. If mu_t = mu_0 + c t,

        mu_t - m_t = sum_j (1 - alpha) alpha^j (mu_t - mu_(t-j)) = sum_j (1 - alpha) alpha^j c j,

    which SymPy sums for 0 < alpha < 1. Returns (sum of the weights, the lag, alpha, c).
    """
    alpha, c = sp.Symbol("alpha", positive=True), sp.Symbol("c", real=True)
    j = sp.Symbol("j", integer=True, nonnegative=True)

    def series(term: sp.Expr) -> sp.Expr:  # the branch 0 < alpha < 1 of SymPy's Piecewise
        total = sp.piecewise_fold(sp.summation(term, (j, 0, sp.oo)))
        if isinstance(total, sp.Piecewise):
            total = next(expr for expr, cond in total.args if cond.subs(alpha, sp.Rational(1, 2)))
        return sp.simplify(total)

    weights = sp.simplify((1 - alpha) * series(alpha**j))
    lag = sp.simplify((1 - alpha) * c * series(j * alpha**j))
    return weights, lag, alpha, c
