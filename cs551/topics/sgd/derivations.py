"""The derivations of notebook 05 (Stochastic gradient descent), by SymPy.

Each function returns the expressions the notebook shows; the tests check them.
"""

from __future__ import annotations

import functools

import sympy as sp

from cs551.symbolic import STEP

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


def check_noise_ball(student_p: sp.Expr) -> None:
    """The "your turn" check of 05: ``student_p`` solves p = (1 - eps lambda)^2 p + eps^2 sigma^2.

    ``student_p`` is a SymPy expression in symbols named lambda, sigma and epsilon (any
    assumptions); it is compared exactly with ``noise_ball_1d``'s solution. Raises
    AssertionError saying in plain words what is off: other symbols, the first-order
    approximation instead of the exact solution, or a p that the recursion does not give
    back (with numbers at lambda = 1, sigma = 1, eps = 1/10).
    """
    p, first = noise_ball_1d()
    canonical = {s.name: s for s in p.free_symbols}  # lambda, sigma, epsilon (positive)
    try:
        expr = sp.sympify(student_p)
    except (sp.SympifyError, TypeError) as error:
        raise AssertionError(f"your p is {student_p!r}, not a SymPy expression") from error
    names = {s.name for s in expr.free_symbols}
    if names - set(canonical):
        others = ", ".join(sorted(names - set(canonical)))
        raise AssertionError(f"your p uses a symbol named {others}:"
                             "\n  use lam, sigma and eps, the symbols defined above (SymPy "
                             "names lambda, sigma, epsilon)")
    if not names:
        raise AssertionError(f"your p is the number {float(expr):g}:\n  it must depend on "
                             "lambda, sigma and eps")
    expr = expr.subs({s: canonical[s.name] for s in expr.free_symbols})
    if sp.simplify(expr - p) == 0:
        return
    if sp.simplify(expr - first) == 0:
        raise AssertionError("that is the first-order approximation eps sigma^2 / (2 lambda),\n"
                             "  exact only as eps -> 0: solve exactly, keeping the\n"
                             "  eps^2 lambda^2 term of (1 - eps lambda)^2")
    lam, sigma, eps = (canonical[name] for name in ("lambda", "sigma", "epsilon"))
    at = {lam: 1, sigma: 1, eps: sp.Rational(1, 10)}
    yours = expr.subs(at)
    back = ((1 - eps * lam) ** 2 * expr + eps**2 * sigma**2).subs(at)
    raise AssertionError(
        f"at lambda = 1, sigma = 1, eps = 0.1 your p = {float(yours):.6g},\n"
        f"  but (1 - eps lambda)^2 p + eps^2 sigma^2 = {float(back):.6g}: a stationary p\n"
        "  must come back unchanged. Collect the p terms on one side, then divide.")
