"""The derivations of notebook 06 (Momentum), by SymPy.

Each function returns the expressions the notebook shows; the tests check them.
"""

from __future__ import annotations

import functools

import sympy as sp

from cs551.symbolic import EPS, STEP

# Notebook 06: momentum.
ALPHA_M = sp.Symbol("alpha", positive=True)  # the momentum parameter


def velocity_unrolled(n: int = 4) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """v_n from the recursion v <- alpha v - eps g_k (v_0 = 0), against the closed form.

    Returns (recursion, closed form -eps sum_{j<n} alpha^(n-1-j) g_j, their
    difference simplified): v is an exponentially decaying average of the
    negative gradients, the gradient j steps back weighing alpha^j.
    """
    g = sp.symbols(f"g_0:{n}")
    v = sp.Integer(0)
    for k in range(n):
        v = ALPHA_M * v - EPS * g[k]  # v <- alpha v - eps g_k
    closed = -EPS * sum(ALPHA_M ** (n - 1 - j) * g[j] for j in range(n))
    return sp.expand(v), closed, sp.simplify(v - closed)


@functools.cache
def terminal_velocity() -> dict[str, sp.Expr]:
    """The velocity under a constant gradient g (slide "Momentum": terminal velocity).

    Unrolled, v_k = -eps g sum_{j<k} alpha^j, a geometric series that SymPy sums to
    -eps g (1 - alpha^k) / (1 - alpha); for 0 < alpha < 1 the limit k -> oo is
    -eps g / (1 - alpha), also the fixed point of v = alpha v - eps g. Its size
    eps ||g|| / (1 - alpha) is 1/(1 - alpha) times the plain gradient step.
    """
    j = sp.Symbol("j", integer=True, nonnegative=True)
    g, c, v = sp.Symbol("g", positive=True), sp.Symbol("c", positive=True), sp.Symbol("v")
    series = sp.summation(ALPHA_M**j, (j, 0, STEP - 1))
    if isinstance(series, sp.Piecewise):  # the alpha = 1 branch is k: keep alpha != 1
        series = next(expr for expr, cond in series.args if cond is sp.true)
    v_k = -EPS * g * series
    # 0 < alpha < 1 written as alpha = 1/(1 + c), c > 0, so that alpha^k -> 0 is known
    limit = sp.limit(v_k.subs(ALPHA_M, 1 / (1 + c)), STEP, sp.oo)
    limit = sp.simplify(limit.subs(c, 1 / ALPHA_M - 1))
    (fixed_point,) = sp.solve(sp.Eq(v, ALPHA_M * v - EPS * g), v)
    slide_form = -EPS * g / (1 - ALPHA_M)  # the slide's eps |g| / (1 - alpha), pointing along -g
    for derived in (limit, fixed_point):
        if sp.simplify(derived - slide_form) != 0:
            raise AssertionError(f"{derived} is not {slide_form}")
    return {"v_k": v_k, "limit": slide_form, "fixed point": fixed_point,
            "speed-up": 1 / (1 - ALPHA_M)}


def heavy_ball_characteristic() -> tuple[sp.Matrix, sp.Expr]:
    """Momentum on one eigen-direction lambda of a quadratic: (delta, v) <- M (delta, v).

    v' = alpha v - eps lambda delta, delta' = delta + v' give
    M = [[1 - eps lambda, alpha], [-eps lambda, alpha]], whose characteristic
    polynomial is z^2 - (1 + alpha - eps lambda) z + alpha. When its roots are
    complex their product alpha makes both |z| = sqrt(alpha).
    """
    lam, z = sp.Symbol("lambda", positive=True), sp.Symbol("z")
    M = sp.Matrix([[1 - EPS * lam, ALPHA_M], [-EPS * lam, ALPHA_M]])
    return M, sp.expand(M.charpoly(z).as_expr())


@functools.cache
def heavy_ball_optimum() -> dict[str, sp.Expr]:
    """The best eps and alpha for momentum on a quadratic with eigenvalues in [mu, L].

    The rate is the largest |z| over the eigenvalues. Best: both ends critically
    damped (double roots), 1 + alpha - eps mu = 2 sqrt(alpha) and
    1 + alpha - eps L = -2 sqrt(alpha); SymPy solves for s = sqrt(alpha) and eps,
    keeping the root with s < 1. Then every |z| = sqrt(alpha*):

        eps* = 4 / (sqrt(L) + sqrt(mu))^2,
        alpha* = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2,   rate = sqrt(alpha*),

    with kappa = L / mu; gradient descent's best rate is (kappa - 1) / (kappa + 1).
    """
    s, eps = sp.Symbol("s", positive=True), sp.Symbol("epsilon", positive=True)
    a, b = sp.symbols("a b", positive=True)  # a = sqrt(mu), b = sqrt(L)
    mu, L, kappa = sp.symbols("mu L kappa", positive=True)
    equations = [1 + s**2 - eps * a**2 - 2 * s, 1 + s**2 - eps * b**2 + 2 * s]
    solutions = sp.solve(equations, [s, eps], dict=True)
    (best,) = (sol for sol in solutions if sol[s].subs({a: 1, b: 2}) < 1)
    s_star = (sp.sqrt(L) - sp.sqrt(mu)) / (sp.sqrt(L) + sp.sqrt(mu))  # the solution, tidied:
    if sp.simplify(best[s].subs({a: sp.sqrt(mu), b: sp.sqrt(L)}) - s_star) != 0:
        raise AssertionError(f"sqrt(alpha*) = {best[s]}")
    eps_star = sp.factor(best[eps]).subs({a: sp.sqrt(mu), b: sp.sqrt(L)})
    alpha_star = s_star**2
    return {
        "lr*": eps_star,
        "momentum*": alpha_star,
        "rate*": s_star,
        "momentum*(kappa)": sp.simplify(alpha_star.subs(L, kappa * mu)),
        "rate*(kappa)": sp.simplify(s_star.subs(L, kappa * mu)),
        "gradient descent rate(kappa)": (kappa - 1) / (kappa + 1),
    }


def nesterov_characteristic() -> tuple[sp.Matrix, sp.Expr]:
    """Nesterov on one eigen-direction lambda of a quadratic: (delta, v) <- M (delta, v).

    The gradient is taken at the interim point, g = lambda (delta + alpha v), so
    v' = alpha (1 - eps lambda) v - eps lambda delta and delta' = delta + v'. M is built
    from these updates; SymPy's characteristic polynomial is
    z^2 - (1 + alpha)(1 - eps lambda) z + alpha (1 - eps lambda): the momentum term is
    damped by the factor (1 - eps lambda) of a gradient step.
    """
    lam, z = sp.Symbol("lambda", positive=True), sp.Symbol("z")
    delta, v = sp.symbols("delta v")
    g = lam * (delta + ALPHA_M * v)  # gradient of lambda/2 delta^2 at delta~ = delta + alpha v
    v_next = ALPHA_M * v - EPS * g  # v <- alpha v - eps g
    delta_next = delta + v_next  # theta <- theta + v
    M = sp.Matrix([[sp.expand(e).coeff(s) for s in (delta, v)] for e in (delta_next, v_next)])
    return M, sp.expand(M.charpoly(z).as_expr())
