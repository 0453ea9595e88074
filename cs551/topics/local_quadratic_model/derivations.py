"""The derivations of notebook 03 (The local quadratic model), by SymPy.

Each function returns the expressions the notebook shows; the tests check them.
"""

from __future__ import annotations

import functools

import sympy as sp


def rosenbrock_symbolic() -> tuple[sp.Expr, tuple[sp.Symbol, sp.Symbol]]:
    """Rosenbrock's J(x, y) = (a - x)^2 + b (y - x^2)^2, with symbolic a and b > 0."""
    x, y = sp.symbols("x y", real=True)
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", positive=True)
    return (a - x) ** 2 + b * (y - x**2) ** 2, (x, y)


def second_order_taylor(J: sp.Expr, variables) -> dict[str, sp.Expr]:
    """The second-order Taylor model of J around a symbolic point w^ -- slide "Taylor expansion".

        m(w^ + Delta) = J(w^) + Delta^T g + 1/2 Delta^T H Delta,
        g = grad J(w^),  H = Hessian of J at w^,

    computed by SymPy (``diff``, ``hessian``) in the symbols ŵ_i and Δ_i (named so that they
    print as the notebook writes them).
    Returns g, H, the model and the point and step symbols.
    """
    n = len(variables)
    w_hat = sp.Matrix(sp.symbols(f"ŵ_1:{n + 1}", real=True))
    delta = sp.Matrix(sp.symbols(f"Δ_1:{n + 1}", real=True))
    at = dict(zip(variables, w_hat, strict=True))
    g = sp.Matrix([J.diff(v) for v in variables]).subs(at)
    H = sp.hessian(J, variables).subs(at)
    model = J.subs(at) + (delta.T * g)[0] + (delta.T * H * delta)[0] / 2
    return {"g": g, "H": H, "model": model, "w_hat": w_hat, "Delta": delta}


def taylor_model_error(J: sp.Expr, variables, order: int = 5) -> tuple[sp.Symbol, list]:
    """(t, [c_0, ..., c_{order-1}]): the Taylor coefficients in t of the model's error

        e(t) = J(w^ + t Delta) - m(w^ + t Delta),   c_k = e^(k)(0) / k!.

    c_0 = c_1 = c_2 = 0 for every J, w^ and Delta: the model's error is O(t^3) =
    O(||w - w^||^3). For a polynomial J of degree 4 (Rosenbrock), e(t) = c_3 t^3 + c_4 t^4.
    """
    t = sp.Symbol("t", real=True)
    parts = second_order_taylor(J, variables)
    moved = {v: w + t * d for v, w, d in zip(variables, parts["w_hat"], parts["Delta"],
                                              strict=True)}
    model = parts["model"].subs({d: t * d for d in parts["Delta"]}, simultaneous=True)
    error = J.subs(moved, simultaneous=True) - model
    return t, [sp.factor(sp.expand(sp.diff(error, t, k).subs(t, 0) / sp.factorial(k)))
               for k in range(order)]


_SIN, _COS = sp.symbols("s c")  # sin(phi), cos(phi) as polynomial variables


def _on_unit_circle(expr: sp.Expr, phi: sp.Symbol) -> sp.Expr:
    """expr, a polynomial in sin(phi) and cos(phi), reduced modulo sin^2 + cos^2 = 1.

    The remainder of the division by s^2 + c^2 - 1 (``sp.reduced``): it is 0 exactly when
    expr vanishes for every phi. Much faster than ``simplify`` on these expressions.
    """
    p = sp.expand(sp.sympify(expr).subs({sp.sin(phi): _SIN, sp.cos(phi): _COS}))
    if p == 0:
        return p
    _, remainder = sp.reduced(p, [_SIN**2 + _COS**2 - 1], _SIN, _COS)
    return sp.expand(remainder.subs({_SIN: sp.sin(phi), _COS: sp.cos(phi)}))


def _rotation_symbolic(phi: sp.Symbol) -> sp.Matrix:
    """The rotation by phi: a symbolic orthogonal Q with columns u_1, u_2."""
    return sp.Matrix([[sp.cos(phi), -sp.sin(phi)], [sp.sin(phi), sp.cos(phi)]])


@functools.cache
def quadratic_in_eigenbasis() -> dict[str, sp.Expr]:
    """J(w) = J(w*) + 1/2 (w - w*)^T H (w - w*) = J(w*) + 1/2 sum_i lambda_i alpha_i^2.

    For a 2 x 2 H = Q diag(lambda_1, lambda_2) Q^T with a symbolic rotation Q (angle phi,
    columns u_1, u_2) and symbolic w, w*: alpha = Q^T (w - w*). Returns H, Q, alpha and
    the simplified residuals (all zero): Q^T Q - I, H u_i - lambda_i u_i, the quadratic
    form minus the sum of parabolas, and grad J = H (w - w*) minus sum_i alpha_i lambda_i u_i.
    """
    phi = sp.Symbol("phi", real=True)
    lam = sp.Matrix(sp.symbols("lambda_1 lambda_2", positive=True))
    w = sp.Matrix(sp.symbols("w_1 w_2", real=True))
    w_star = sp.Matrix(sp.symbols("w*_1 w*_2", real=True))
    Q = _rotation_symbolic(phi)
    H = Q * sp.diag(*lam) * Q.T
    alpha = Q.T * (w - w_star)
    quadratic = ((w - w_star).T * H * (w - w_star))[0] / 2
    parabolas = sum(lam[i] * alpha[i] ** 2 for i in range(2)) / 2
    gradient = H * (w - w_star)
    def zero(m):
        return m.applyfunc(lambda e: _on_unit_circle(e, phi))

    return {
        "H": H, "Q": Q, "alpha": alpha,
        "Q^T Q - I": zero(Q.T * Q - sp.eye(2)),
        "H u_i - lambda_i u_i": zero(sp.Matrix.hstack(
            *[H * Q[:, i] - lam[i] * Q[:, i] for i in range(2)])),
        "quadratic - parabolas": _on_unit_circle(quadratic - parabolas, phi),
        "gradient - sum alpha_i lambda_i u_i": zero(
            gradient - sum((alpha[i] * lam[i] * Q[:, i] for i in range(2)), sp.zeros(2, 1))),
    }


@functools.cache
def gradient_descent_in_eigenbasis() -> dict[str, sp.Expr]:
    """Gradient descent w <- w - eta H (w - w*), seen in the eigen-coordinates alpha.

    SymPy writes w = w* + Q alpha (Q a symbolic rotation), takes one step, and reads off
    alpha^new = Q^T (w^new - w*): each coordinate is multiplied by 1 - eta lambda_i and does
    not depend on the others (d alpha_i^new / d alpha_j = 0 for i != j). It then solves the
    recurrence alpha^(tau+1) = (1 - eta lambda) alpha^tau (``rsolve``) and checks the
    induction step and base case of the closed form alpha^tau = (1 - eta lambda)^tau alpha^(0).
    """
    phi, eta = sp.Symbol("phi", real=True), sp.Symbol("eta", positive=True)
    lam = sp.Matrix(sp.symbols("lambda_1 lambda_2", positive=True))
    alpha = sp.Matrix(sp.symbols("alpha_1 alpha_2", real=True))
    w_star = sp.Matrix(sp.symbols("w*_1 w*_2", real=True))
    Q = _rotation_symbolic(phi)
    H = Q * sp.diag(*lam) * Q.T
    w = w_star + Q * alpha  # w - w* = sum_i alpha_i u_i
    w_new = w - eta * H * (w - w_star)  # gradient step, grad J = H (w - w*)
    alpha_new = (Q.T * (w_new - w_star)).applyfunc(
        lambda e: sp.factor(_on_unit_circle(e, phi)))
    factors = sp.Matrix([sp.factor(sp.diff(alpha_new[i], alpha[i])) for i in range(2)])
    coupling = sp.Matrix([sp.expand(sp.diff(alpha_new[i], alpha[1 - i])) for i in range(2)])
    # the recurrence of one coordinate, solved
    tau = sp.Symbol("tau", integer=True, nonnegative=True)
    lam1, alpha0, a = sp.Symbol("lambda", positive=True), sp.Symbol("alpha_0", real=True), \
        sp.Function("alpha")
    closed = sp.rsolve(a(tau + 1) - (1 - eta * lam1) * a(tau), a(tau), {a(0): alpha0})
    return {
        "alpha_new": alpha_new,
        "factors": factors,
        "step residual": sp.expand(alpha_new - sp.Matrix(
            [(1 - eta * lam[i]) * alpha[i] for i in range(2)])),
        "coupling": coupling,
        "closed form": closed,
        "induction step": sp.powsimp((1 - eta * lam1) * closed - closed.subs(tau, tau + 1)),
        "base case": closed.subs(tau, 0) - alpha0,
        "symbols": (eta, lam1, tau, alpha0),
    }


def stability_interval() -> sp.Set:
    """The learning rates eta > 0 with |1 - eta lambda| < 1, solved by SymPy: (0, 2/lambda)."""
    eta, lam = sp.Symbol("eta", positive=True), sp.Symbol("lambda", positive=True)
    return sp.solve_univariate_inequality(sp.Abs(1 - eta * lam) < 1, eta, relational=False)


@functools.cache
def best_fixed_learning_rate() -> dict[str, sp.Expr]:
    """The eta that minimizes max_i |1 - eta lambda_i| over lambda in [lambda_min, lambda_max].

    |1 - eta lambda| is largest at an end of the spectrum; the first factor falls with eta
    and the last rises, so the best eta balances them: 1 - eta lambda_min = -(1 - eta
    lambda_max). SymPy solves: eta* = 2 / (lambda_min + lambda_max), and the rate there
    is (lambda_max - lambda_min)/(lambda_max + lambda_min) = (kappa - 1)/(kappa + 1).
    """
    eta = sp.Symbol("eta", positive=True)
    lo, hi, kappa = sp.symbols("lambda_min lambda_max kappa", positive=True)
    (eta_star,) = sp.solve(sp.Eq(1 - eta * lo, -(1 - eta * hi)), eta)
    rate = sp.factor(1 - eta_star * lo)
    return {"eta*": eta_star, "rate": rate, "rate(kappa)": sp.simplify(rate.subs(hi, kappa * lo)),
            "balance residual": sp.simplify((1 - eta_star * lo) + (1 - eta_star * hi))}
