"""The derivations of notebook 08 (Adaptive learning rates), by SymPy.

Each function returns the expressions the notebook shows; the tests check them.
"""

from __future__ import annotations

import functools

import sympy as sp

from cs551.symbolic import EPS


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
        sum_j (j + 1) w_j = 1 / (1 - rho)  (the average age, the newest gradient counted as
                                            age 1: the memory is ~1/(1 - rho) steps)

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
               "average age (newest: 1)": total(j + 1, 0, sp.oo)}
    expected = {"sum of the first k weights": 1 - rho**k, "weight older than n steps": rho**n,
                "average age (newest: 1)": 1 / (1 - rho)}
    for name, value in expected.items():
        if sp.factor(derived[name] - value) != 0:
            raise AssertionError(f"{name}: {derived[name]} is not {value}")
    return {**derived, **expected}  # proven equal above; shown in the tidier form
