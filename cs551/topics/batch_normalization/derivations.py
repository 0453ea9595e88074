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


def batchnorm_backward_by_sympy(m: int = 3) -> dict[str, object]:
    """The backward pass of the slide's BN transform, three ways, for one unit and m examples.

    With L = sum_i g_i y_i (g_i = dL/dy_i), SymPy differentiates L directly, and compares
    with the chain rule in the stages Ioffe & Szegedy (2015) write it,

        dL/dx_hat_i  = g_i gamma
        dL/dsigma2_B = sum_i dL/dx_hat_i (x_i - mu_B) (-1/2) (sigma2_B + eps)^(-3/2)
        dL/dmu_B     = - sum_i dL/dx_hat_i / sqrt(sigma2_B + eps)
                       + dL/dsigma2_B sum_i (-2 (x_i - mu_B)) / m
        dL/dx_i      = dL/dx_hat_i / sqrt(sigma2_B + eps) + dL/dsigma2_B 2 (x_i - mu_B) / m
                       + dL/dmu_B / m

    and with the collected formula of ``cs551.nn.batchnorm.backward``,

        dL/dx_i = gamma / (m sqrt(sigma2_B + eps)) (m g_i - sum_j g_j - x_hat_i sum_j g_j x_hat_j),

    and dL/dgamma = sum_i g_i x_hat_i, dL/dbeta = sum_i g_i. Returns the residuals (each
    simplified to 0; raises AssertionError if one is not) and the expressions.
    """
    if isinstance(m, bool) or not isinstance(m, int) or m < 2:
        raise ValueError(f"m must be an integer >= 2, got {m!r}")
    xs = sp.symbols(f"x_1:{m + 1}", real=True)
    gs = sp.symbols(f"g_1:{m + 1}", real=True)
    gamma, beta = sp.symbols("gamma beta", real=True)
    eps = sp.Symbol("epsilon", positive=True)
    mu = sum(xs) / m  # mu_B
    var = sum((x - mu) ** 2 for x in xs) / m  # sigma2_B
    root = sp.sqrt(var + eps)
    x_hat = [(x - mu) / root for x in xs]
    L = sum(g * (gamma * xh + beta) for g, xh in zip(gs, x_hat, strict=True))
    direct = [sp.diff(L, x) for x in xs]

    d_x_hat = [g * gamma for g in gs]  # dL/dx_hat_i
    d_var = sum(d * (x - mu) for d, x in zip(d_x_hat, xs, strict=True)) \
        * sp.Rational(-1, 2) * (var + eps) ** sp.Rational(-3, 2)  # dL/dsigma2_B
    d_mu = -sum(d_x_hat) / root + d_var * sum(-2 * (x - mu) for x in xs) / m  # dL/dmu_B
    staged = [d / root + d_var * 2 * (x - mu) / m + d_mu / m
              for d, x in zip(d_x_hat, xs, strict=True)]
    dot = sum(g * xh for g, xh in zip(gs, x_hat, strict=True))
    collected = [gamma / (m * root) * (m * g - sum(gs) - xh * dot)
                 for g, xh in zip(gs, x_hat, strict=True)]

    # Simplify in V = sigma2_B + eps instead of eps (a change of variables): every expression
    # is then rational in x, g, gamma and sqrt(V), and cancels in a fraction of a second.
    V = sp.Symbol("V", positive=True)

    def residual(a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return sp.expand(sp.cancel(sp.together((a - b).subs(eps, V - var))))

    residuals = {
        "staged chain rule": [residual(a, b) for a, b in zip(direct, staged, strict=True)],
        "collected formula": [residual(a, b) for a, b in zip(direct, collected, strict=True)],
        "dL/dgamma = sum g_i x_hat_i": [residual(sp.diff(L, gamma), dot)],
        "dL/dbeta = sum g_i": [residual(sp.diff(L, beta), sum(gs))],
    }
    for name, values in residuals.items():
        if any(value != 0 for value in values):
            raise AssertionError(f"{name} differs from SymPy's derivative: {values}")
    return {"residuals": residuals, "L": L, "direct": direct, "staged": staged,
            "collected": collected}
