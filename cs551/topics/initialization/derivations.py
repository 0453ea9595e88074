"""The derivations of notebook 07 (Parameter initialization), by SymPy.

Each function returns the expressions the notebook shows; the tests check them.
"""

from __future__ import annotations

import functools

import sympy as sp


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
