"""Symbolic derivations (SymPy): the lecture's formulas derived by code, not typed in.

Each function derives one result of the slides and returns SymPy expressions,
so that notebooks display them and tests check them (a claimed identity is
checked by simplifying the difference of its two sides to zero).
"""

from __future__ import annotations

import functools

import sympy as sp


def expectation(expr: sp.Expr, variables, moment) -> sp.Expr:
    """E[expr] for a polynomial in independent ``variables`` with E[v^k] = ``moment(k)``.

    Linearity of E and independence: each monomial c v_1^k_1 ... v_n^k_n contributes
    c E[v_1^k_1] ... E[v_n^k_n]. Not simplified.
    """
    poly = sp.Poly(sp.expand(expr), *variables)
    return sum((coefficient * sp.Mul(*(moment(k) for k in powers))
                for powers, coefficient in poly.terms()), sp.Integer(0))


# --- the local quadratic model, ill-conditioning, challenges (notebooks 03, 04) ---
# Notebook 03: the local quadratic model.


def rosenbrock_symbolic() -> tuple[sp.Expr, tuple[sp.Symbol, sp.Symbol]]:
    """Rosenbrock's J(x, y) = (a - x)^2 + b (y - x^2)^2, with symbolic a and b > 0."""
    x, y = sp.symbols("x y", real=True)
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", positive=True)
    return (a - x) ** 2 + b * (y - x**2) ** 2, (x, y)


def second_order_taylor(J: sp.Expr, variables) -> dict[str, sp.Expr]:
    """The second-order Taylor model of J around a symbolic point w^ -- slide "Taylor expansion".

        m(w^ + Delta) = J(w^) + Delta^T g + 1/2 Delta^T H Delta,
        g = grad J(w^),  H = Hessian of J at w^,

    computed by SymPy (``diff``, ``hessian``) in the symbols w^_i ("what_i") and Delta_i.
    Returns g, H, the model and the point and step symbols.
    """
    n = len(variables)
    w_hat = sp.Matrix(sp.symbols(f"what_1:{n + 1}", real=True))
    delta = sp.Matrix(sp.symbols(f"Delta_1:{n + 1}", real=True))
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
# (end of section: notebook 03)

# Notebook 04: the second-order change of the cost after a gradient step (slide "Ill conditioning").
def _generic_polynomial(variables: tuple, degree: int, name: str = "c") -> sp.Expr:
    """sum of c_k times every monomial of the variables up to ``degree``: a generic smooth f."""
    import itertools

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


# (end of section: notebook 04)

# --- SGD, momentum, initialization (notebooks 05-07) ---

# Notebook 05: step-size schedules and the Robbins-Monro conditions.
STEP = sp.Symbol("k", integer=True, positive=True)  # the iteration k = 1, 2, ...
EPS0 = sp.Symbol("epsilon_0", positive=True)


def robbins_monro_schedules() -> dict[str, sp.Expr]:
    """Schedules eps_k / eps_0 for k = 1, 2, ...: the shapes whose sums decide convergence."""
    k = STEP
    return {
        "constant": sp.Integer(1),
        "1/k": 1 / k,
        "1/sqrt(k)": 1 / sp.sqrt(k),
        "1/k^(3/4)": k ** sp.Rational(-3, 4),
        "1/k^2": k**-2,
        "0.9^k": sp.Rational(9, 10) ** k,
    }


def _series_sum(term: sp.Expr) -> sp.Expr:
    """sum_{k>=1} term: SymPy's closed form, else oo when the series diverges (a test decides)."""
    total = sp.summation(term, (STEP, 1, sp.oo))
    if isinstance(total, sp.Sum):  # no closed form: the convergence tests still answer
        return sp.oo if not sp.Sum(term, (STEP, 1, sp.oo)).is_convergent() else total
    return total


@functools.cache
def robbins_monro_table() -> dict[str, tuple[sp.Expr, sp.Expr, sp.Expr, bool]]:
    """For each schedule eps_k = eps_0 s(k): (eps_k, sum eps_k, sum eps_k^2, conditions hold).

    Slide "Stochastic gradient descent": SGD converges when sum eps_k = oo (the
    steps can travel any distance) and sum eps_k^2 < oo (the noise they inject
    adds up to a finite amount). The sums are SymPy's (``summation``, or the
    convergence tests of ``Sum.is_convergent`` where there is no closed form).
    """
    table = {}
    for name, shape in robbins_monro_schedules().items():
        first, second = _series_sum(shape), _series_sum(shape**2)
        holds = first == sp.oo and second.is_finite is not False and second != sp.oo
        table[name] = (EPS0 * shape, EPS0 * first, EPS0**2 * second, bool(holds))
    return table


def linear_decay_sums() -> dict[str, sp.Expr]:
    """The slide's linear decay eps_k = (1 - k/tau) eps_0 + (k/tau) eps_tau, then eps_tau for ever.

    Returns the sum over the decay (k = 0 .. tau), finite, and the sums of eps_k
    and eps_k^2 over the constant tail k > tau: both infinite when eps_tau > 0.
    Strictly, then, the slide's schedule breaks the second condition: SGD ends in
    the noise ball of eps_tau (1% of eps_0's), which is what practice wants.
    """
    k = sp.Symbol("k", integer=True, nonnegative=True)
    tau = sp.Symbol("tau", integer=True, positive=True)
    eps_tau = sp.Symbol("epsilon_tau", positive=True)
    decay = (1 - k / tau) * EPS0 + k / tau * eps_tau
    return {
        "eps_k (k <= tau)": decay,
        "sum_{k=0}^{tau} eps_k": sp.factor(sp.summation(decay, (k, 0, tau))),
        "sum_{k>tau} eps_k": sp.summation(eps_tau, (k, tau + 1, sp.oo)),
        "sum_{k>tau} eps_k^2": sp.summation(eps_tau**2, (k, tau + 1, sp.oo)),
    }


@functools.cache
def noise_ball_1d() -> tuple[sp.Expr, sp.Expr]:
    """SGD's stationary E[delta^2] in 1-D, f = lambda/2 theta^2, gradient noise of variance sigma^2.

    delta <- (1 - eps lambda) delta - eps xi gives p = (1 - eps lambda)^2 p + eps^2 sigma^2;
    SymPy solves for p and expands in eps. Returns (p, its first-order term):
    p = eps sigma^2 / (lambda (2 - eps lambda)) = eps sigma^2 / (2 lambda) + O(eps^2).
    """
    lam, sigma, eps, p = sp.symbols("lambda sigma epsilon p", positive=True)
    (solution,) = sp.solve(sp.Eq(p, (1 - eps * lam) ** 2 * p + eps**2 * sigma**2), p)
    first = sp.series(solution, eps, 0, 2).removeO()
    return sp.factor(solution), first


# Notebook 06: momentum.
ALPHA_M = sp.Symbol("alpha", positive=True)  # the momentum parameter
EPS = sp.Symbol("epsilon", positive=True)


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


# Notebook 07: initialization scale.
@functools.cache
def relu_second_moment() -> sp.Expr:
    """E[relu(z)^2] for z ~ N(0, s^2), integrated by SymPy: s^2 / 2 (half of E[z^2])."""
    z, s = sp.Symbol("z", real=True), sp.Symbol("s", positive=True)
    density = sp.exp(-(z**2) / (2 * s**2)) / (sp.sqrt(2 * sp.pi) * s)
    return sp.simplify(sp.integrate(z**2 * density, (z, 0, sp.oo)))


def init_variances() -> dict[str, sp.Expr]:
    """The weight variance sigma_w^2 that keeps signals at the same scale through a layer.

    A unit computes z = sum_{i=1}^{n_in} w_i x_i with independent zero-mean w_i, so
    E[z^2] = n_in sigma_w^2 E[x^2] (cross terms vanish). Keeping E[z^2] = E[x^2]:
    n_in sigma_w^2 = 1 for tanh near 0 (slope 1: LeCun), and n_in sigma_w^2 / 2 = 1
    for ReLU, which keeps half of E[z^2] (``relu_second_moment``: He). The
    backward pass asks n_out sigma_w^2 = 1; Glorot and Bengio's (Xavier) compromise
    averages the two fan sizes.
    """
    n_in, n_out, var, q = sp.symbols("n_in n_out sigma_w^2 q", positive=True)
    i = sp.Symbol("i", integer=True, positive=True)
    second_moment = sp.summation(var * q, (i, 1, n_in))  # E[z^2] = sum_i E[w_i^2] E[x_i^2]
    s = sp.Symbol("s", positive=True)
    relu_fraction = relu_second_moment() / s**2  # E[relu(z)^2] / E[z^2] = 1/2
    return {
        "E[z^2]": second_moment,
        "LeCun (tanh, linear)": sp.solve(sp.Eq(second_moment, q), var)[0],
        "He (ReLU)": sp.solve(sp.Eq(relu_fraction * second_moment, q), var)[0],
        "backward": sp.solve(sp.Eq(n_out * var * q, q), var)[0],
        "Xavier (Glorot)": sp.solve(sp.Eq((n_in + n_out) / 2 * var, 1), var)[0],
    }
# (end of section: notebook 05)

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
# (end of section: notebook 06)

@functools.cache
def relu_derivative_second_moment() -> sp.Expr:
    """E[relu'(z)^2] for z ~ N(0, s^2), integrated by SymPy: 1/2 (relu' is 1 for z > 0, else 0).

    It is the factor by which a ReLU layer scales the variance of the gradient that
    flows back through it, as ``relu_second_moment`` / s^2 is the forward factor.
    """
    z, s = sp.Symbol("z", real=True), sp.Symbol("s", positive=True)
    density = sp.exp(-(z**2) / (2 * s**2)) / (sp.sqrt(2 * sp.pi) * s)
    return sp.simplify(sp.integrate(density, (z, 0, sp.oo)))


@functools.cache
def variance_through_depth() -> dict[str, sp.Expr]:
    """Var(z_l) layer by layer, for square layers of width n with weights of variance sigma_w^2.

    Forward: z_{l+1} = sum_i w_i phi(z_l)_i, so Var(z_{l+1}) = n sigma_w^2 E[phi(z_l)^2]:
    for ReLU = n sigma_w^2 Var(z_l) / 2 (``relu_second_moment``), and Var(z_1) = n sigma_w^2 q
    for inputs of second moment q. SymPy's ``rsolve`` solves the recurrence:
    Var(z_l) = q n sigma_w^2 (n sigma_w^2 / 2)^(l - 1) -- a geometric sequence whose
    ratio n sigma_w^2 / 2 is 1 exactly for He's sigma_w^2 = 2/n. Backward, each layer
    multiplies Var(dJ/dz) by n sigma_w^2 E[relu'^2] = n sigma_w^2 / 2, the same ratio.
    """
    n, var, q = sp.symbols("n sigma_w^2 q", positive=True)
    s = sp.Symbol("s", positive=True)
    layer = sp.Symbol("l", integer=True, positive=True)
    V = sp.Function("V")
    forward_ratio = n * var * relu_second_moment() / s**2  # Var(z_{l+1}) / Var(z_l)
    backward_ratio = n * var * relu_derivative_second_moment()  # Var(dz_l) / Var(dz_{l+1})
    solution = sp.rsolve(V(layer + 1) - forward_ratio * V(layer), V(layer),
                         {V(1): n * var * q})
    return {
        "forward ratio": forward_ratio,
        "backward ratio": backward_ratio,
        "Var(z_l)": sp.simplify(solution),
        "ratio 1 at": sp.solve(sp.Eq(forward_ratio, 1), var)[0],
    }

def symmetric_units_gradients() -> dict[str, sp.Expr]:
    """Two hidden units that start equal get equal gradients (slide: break the symmetry).

    The network f(x) = v_1 tanh(w_1 x + b_1) + v_2 tanh(w_2 x + b_2) with squared
    loss L = (f(x) - y)^2 / 2. SymPy differentiates L by each unit's parameters and
    sets unit 2 equal to unit 1: every difference simplifies to 0, whatever x, y
    and the shared values. So a gradient step (of any optimizer built from
    gradients) keeps the units equal, for ever.
    """
    x, y = sp.symbols("x y", real=True)
    w1, w2, b1, b2, v1, v2 = sp.symbols("w_1 w_2 b_1 b_2 v_1 v_2", real=True)
    f = v1 * sp.tanh(w1 * x + b1) + v2 * sp.tanh(w2 * x + b2)
    loss = (f - y) ** 2 / 2
    equal = {w2: w1, b2: b1, v2: v1}
    return {f"dL/d{p1} - dL/d{p2}": sp.simplify((loss.diff(p1) - loss.diff(p2)).subs(equal))
            for p1, p2 in ((w1, w2), (b1, b2), (v1, v2))}
# (end of section: notebook 07)

# --- adaptive learning rates, Newton's method (notebooks 08-09) ---
# Notebook 08: adaptive learning rates.


def adaptive_steps_scale_free() -> dict[str, sp.Expr]:
    """One step on f = lambda theta^2 / 2 (g = lambda theta) with delta = 0: lambda cancels.

    Write the earlier squared gradients as lambda^2 s (s = the sum, or average, of
    earlier theta^2). Then

        gradient descent  Delta theta = -eps lambda theta              (scales with lambda)
        AdaGrad           Delta theta = -eps g / sqrt(lambda^2 s + g^2)
                                      = -eps theta / sqrt(s + theta^2)
        RMSProp           Delta theta = -eps g / sqrt(rho lambda^2 s + (1 - rho) g^2)

    The adaptive steps do not depend on the curvature lambda at all: each parameter
    moves by the same relative amount however steep its direction. Returns the
    three simplified steps; raises if lambda survives in an adaptive one.
    """
    lam, theta, s, rho = sp.symbols("lambda theta s rho", positive=True)
    g = lam * theta
    # factor() pulls lambda^2 out of each radicand; sqrt(lambda^2) = lambda as lambda > 0
    steps = {
        "gradient descent": -EPS * g,
        "AdaGrad": -EPS * g / sp.sqrt(sp.factor(lam**2 * s + g**2)),
        "RMSProp": -EPS * g / sp.sqrt(sp.factor(rho * lam**2 * s + (1 - rho) * g**2)),
    }
    for name in ("AdaGrad", "RMSProp"):
        if lam in steps[name].free_symbols:
            raise AssertionError(f"{name}'s step {steps[name]} depends on lambda")
    return steps


@functools.cache
def rmsprop_memory() -> dict[str, sp.Expr]:
    """RMSProp's r = rho r + (1 - rho) g (.) g, unrolled (r_0 = 0): geometric weights.

    r_k = sum_{j=0}^{k-1} (1 - rho) rho^j g_{k-j}^2: the squared gradient of j steps
    ago weighs w_j = (1 - rho) rho^j. SymPy sums the series:

        sum_{j<k} w_j = 1 - rho^k          (-> 1: an average; below 1 early on: the bias
                                            that Adam divides out)
        sum_{j>=n} w_j = rho^n             (the weight of everything older than n steps)
        sum_j (j + 1) w_j = 1 / (1 - rho)  (the average age: the memory is ~1/(1 - rho) steps)

    AdaGrad's r = sum_j g_{k-j}^2 weighs all history equally and never forgets.
    """
    rho = sp.Symbol("rho")  # no assumptions: SymPy then states the |rho| < 1 case apart
    j, k, n = sp.symbols("j k n", integer=True, nonnegative=True)
    w = (1 - rho) * rho**j

    def branch(piecewise):  # the case 0 < rho < 1: not rho = 1, not a divergent Sum
        return next(expr for expr, cond in piecewise.args
                    if not isinstance(cond, sp.Eq) and not expr.has(sp.Sum))

    def total(factor, low, high):  # sum of factor * w_j over low <= j <= high
        terms = sp.expand(factor * rho**j).as_ordered_terms()
        result = (1 - rho) * sum(sp.summation(term, (j, low, high)) for term in terms)
        return sp.factor(result.replace(lambda e: isinstance(e, sp.Piecewise), branch))

    derived = {"weight w_j": w, "sum of the first k weights": total(1, 0, k - 1),
               "weight older than n steps": total(1, n, sp.oo),
               "average age": total(j + 1, 0, sp.oo)}
    expected = {"sum of the first k weights": 1 - rho**k, "weight older than n steps": rho**n,
                "average age": 1 / (1 - rho)}
    for name, value in expected.items():
        if sp.factor(derived[name] - value) != 0:
            raise AssertionError(f"{name}: {derived[name]} is not {value}")
    return {**derived, **expected}  # proven equal above; shown in the tidier form


# (end of section: notebook 08)

# Notebook 09: Newton's method.


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
    """Flops of Gaussian elimination + back substitution on a d x d system (``cs551.newton``).

    Pivot k costs 3 (d-k-1) + 2 (d-k-1)^2 flops and back substitution d^2 in all: SymPy
    sums it to 2/3 d^3 + 3/2 d^2 - 7/6 d. Returns (the total, its limit / d^3 = 2/3).
    """
    d, j = sp.symbols("d j", integer=True, positive=True)
    total = sp.expand(sp.summation(3 * j + 2 * j**2, (j, 0, d - 1)) + d**2)
    return total, sp.Poly(total, d).LC()  # the d^3 coefficient: total / d^3 -> 2/3


# (end of section: notebook 09)

# --- batch normalization (notebook 10) ---
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


# (end of section: notebook 10)

# --- exact line search (notebook 11) ---
# The lecture's exercise: f(x, y) = 1/2 (x^2 + b y^2), 0 < b <= 1, gradient descent with
# exact line search alpha = argmin_alpha f(theta - alpha grad f(theta)), from (x0, y0) = (b, 1).

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
# (end of section: notebook 11)
