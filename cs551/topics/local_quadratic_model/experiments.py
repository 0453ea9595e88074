"""The local quadratic model -- slides "Taylor expansion" to "gradient descent in the eigenbasis".

Around a point w^ every smooth J looks like its second-order Taylor expansion

    J(w) ~ J(w^) + (w - w^)^T g + 1/2 (w - w^)^T H (w - w^),   g = grad J(w^),  H = Hessian at w^,

with an error O(||w - w^||^3). At a minimum w* (g = 0), in the basis of H's
orthonormal eigenvectors u_i (H u_i = lambda_i u_i, Q = [u_1 ... u_d]) and with the
coordinates alpha = Q^T (w - w*), the model is a sum of independent parabolas

    J(w) = J(w*) + 1/2 sum_i lambda_i alpha_i^2,

and gradient descent with learning rate eta (the slides' eps) acts on each coordinate alone:

    alpha_i^new = (1 - eta lambda_i) alpha_i^old,
    alpha_i^tau = (1 - eta lambda_i)^tau alpha_i^(0).

So it converges iff |1 - eta lambda_i| < 1 for all i, i.e. eta < 2 / lambda_max; the best
fixed eta = 2 / (lambda_min + lambda_max) contracts every coordinate at least by
(kappa - 1) / (kappa + 1), kappa = lambda_max / lambda_min.

The symbolic derivations of these facts are in ``derivations``;
this module is their numeric side. ``check_quadratic_model`` and ``check_eigen_step`` are the
notebook's "your turn" checks: they say in plain words what is off.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cs551 import _validate as check
from cs551.measure import first_index
from cs551.objectives import Objective, Quadratic, Rosenbrock, eigenbasis, random_quadratic
from cs551.optim import SGD, minimize


@dataclass(frozen=True)
class TaylorModel:
    """The Taylor expansion of J around ``center`` = w^, of order 0, 1 or 2:

        m(w) = J(w^) [+ (w - w^)^T g [+ 1/2 (w - w^)^T H (w - w^)]].
    """

    center: np.ndarray  # w^
    value0: float  # J(w^)
    g: np.ndarray  # grad J(w^)
    H: np.ndarray  # Hessian of J at w^
    order: int = 2

    def value(self, w: np.ndarray) -> float:
        d = np.asarray(w, dtype=float) - self.center  # w - w^
        m = self.value0
        if self.order >= 1:
            m += d @ self.g  # + (w - w^)^T g
        if self.order >= 2:
            m += 0.5 * d @ self.H @ d  # + 1/2 (w - w^)^T H (w - w^)
        return float(m)

    def grad(self, w: np.ndarray) -> np.ndarray:
        """The model's gradient, the slides' approximation grad J(w) ~ g + H (w - w^)."""
        d = np.asarray(w, dtype=float) - self.center
        return self.g + (self.H @ d if self.order >= 2 else 0.0)


def taylor_model(objective: Objective, center: np.ndarray, order: int = 2) -> TaylorModel:
    """The Taylor model of ``objective`` of the given ``order`` (0, 1 or 2) around ``center``."""
    if order not in (0, 1, 2):
        raise ValueError(f"order must be 0, 1 or 2, got {order!r}")
    w_hat = check.vector("center", center, objective.dim)
    return TaylorModel(w_hat, float(objective.value(w_hat)), np.asarray(objective.grad(w_hat)),
                       np.asarray(objective.hess(w_hat)), order)


def model_errors(objective: Objective, center: np.ndarray, direction: np.ndarray,
                 radii: np.ndarray, order: int = 2) -> np.ndarray:
    """|J(w^ + r d) - m(w^ + r d)| for each r in ``radii``, d the unit vector along ``direction``.

    For the model of order p the error is O(r^(p+1)): on a log-log plot, a line of slope p + 1.
    """
    model = taylor_model(objective, center, order)
    d = check.vector("direction", direction, objective.dim)
    d = d / np.linalg.norm(d)
    return np.array([abs(objective.value(model.center + r * d) - model.value(model.center + r * d))
                     for r in np.asarray(radii, dtype=float)])


def gradient_model_errors(objective: Objective, center: np.ndarray, direction: np.ndarray,
                          radii: np.ndarray) -> np.ndarray:
    """||grad J(w^ + r d) - (g + H r d)|| for each r: the gradient's model errs by O(r^2)."""
    model = taylor_model(objective, center, 2)
    d = check.vector("direction", direction, objective.dim)
    d = d / np.linalg.norm(d)
    return np.array([np.linalg.norm(objective.grad(model.center + r * d)
                                    - model.grad(model.center + r * d))
                     for r in np.asarray(radii, dtype=float)])


def eigen_coordinates(thetas: np.ndarray, w_star: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """alpha = Q^T (w - w*) for each row w of ``thetas``: w - w* = sum_i alpha_i u_i."""
    return (np.asarray(thetas, dtype=float) - w_star) @ Q  # row k: (Q^T (w_k - w*))^T


def energy_in_eigenbasis(alphas: np.ndarray, lambdas: np.ndarray, value_at_min: float = 0.0):
    """J(w*) + 1/2 sum_i lambda_i alpha_i^2 for each row of ``alphas``."""
    return value_at_min + 0.5 * np.sum(np.asarray(lambdas) * np.asarray(alphas) ** 2, axis=-1)


def contraction_factors(lambdas: np.ndarray, lr: float) -> np.ndarray:
    """1 - eta lambda_i: what one gradient-descent step multiplies alpha_i by."""
    return 1.0 - check.positive("lr", lr) * np.asarray(lambdas, dtype=float)


def predicted_coordinates(alpha0: np.ndarray, lambdas: np.ndarray, lr: float,
                          steps: int) -> np.ndarray:
    """alpha_i^tau = (1 - eta lambda_i)^tau alpha_i^(0) for tau = 0 .. steps (rows)."""
    tau = np.arange(check.non_negative_int("steps", steps) + 1)[:, None]
    with np.errstate(over="ignore"):
        return contraction_factors(lambdas, lr) ** tau * np.asarray(alpha0, dtype=float)


def convergence_rate(lambdas: np.ndarray, lr: float | np.ndarray) -> float | np.ndarray:
    """max_i |1 - eta lambda_i|: the worst coordinate's factor per step (< 1 iff it converges).

    ``lr`` may be an array of learning rates: the rate for each.
    """
    lambdas = np.asarray(lambdas, dtype=float)
    rates = np.abs(1.0 - np.multiply.outer(lr, lambdas)).max(axis=-1)
    return float(rates) if np.ndim(rates) == 0 else rates


def _positive_spectrum(lambdas: np.ndarray) -> np.ndarray:
    lambdas = np.asarray(lambdas, dtype=float)
    if lambdas.size == 0 or not np.all(np.isfinite(lambdas)) or np.any(lambdas <= 0):
        raise ValueError(f"lambdas must be finite and > 0 (H positive definite), got {lambdas!r}")
    return lambdas


def stability_limit(lambdas: np.ndarray) -> float:
    """2 / lambda_max: gradient descent on the quadratic converges iff 0 < eta < 2 / lambda_max."""
    return 2.0 / float(_positive_spectrum(lambdas).max())


def best_learning_rate(lambdas: np.ndarray) -> float:
    """eta* = 2 / (lambda_min + lambda_max): it makes 1 - eta lambda_min = -(1 - eta lambda_max)."""
    lambdas = _positive_spectrum(lambdas)
    return 2.0 / float(lambdas.min() + lambdas.max())


def best_rate(lambdas: np.ndarray) -> float:
    """(kappa - 1) / (kappa + 1), kappa = lambda_max / lambda_min: the rate at eta*."""
    lambdas = _positive_spectrum(lambdas)
    kappa = float(lambdas.max() / lambdas.min())
    return (kappa - 1.0) / (kappa + 1.0)


def iterations_to_shrink(rate: float, factor: float = 1e-6) -> float:
    """The fewest tau with rate^tau <= factor: ceil(ln factor / ln rate) (inf if rate >= 1)."""
    factor = check.in_interval("factor", factor, 0, 1, open_low=True, open_high=True)
    if rate >= 1:
        return math.inf
    if rate <= 0:
        return 1.0
    return float(math.ceil(math.log(factor) / math.log(rate) - 1e-9))


def rotation(angle: float) -> np.ndarray:
    """The 2 x 2 rotation by ``angle``: an orthogonal Q whose columns are u_1, u_2."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s], [s, c]])


def rotated_quadratic(lambdas: tuple[float, float] = (1.0, 0.1), angle: float = math.pi / 6,
                      minimizer: tuple[float, float] = (1.0, -0.5),
                      start_alpha: tuple[float, float] = (1.0, 1.5)) -> Quadratic:
    """J(w) = 1/2 (w - w*)^T H (w - w*) - 1/2 w*^T H w*, H = Q diag(lambdas) Q^T, Q = rotation.

    A ``Quadratic`` (H, b = H w*) whose eigenvectors u_1, u_2 are tilted by ``angle``; it
    starts at w* + Q alpha^(0) with alpha^(0) = ``start_alpha``. J(w*) = -1/2 w*^T H w*.
    """
    lambdas = _positive_spectrum(lambdas)
    if lambdas.shape != (2,):
        raise ValueError(f"lambdas must be two eigenvalues, got {lambdas!r}")
    Q = rotation(angle)
    H = (Q * lambdas) @ Q.T  # Q diag(lambda) Q^T
    w_star = check.vector("minimizer", minimizer, 2)
    f = Quadratic((H + H.T) / 2, H @ w_star, name="rotated quadratic")
    f.minimizer = w_star
    half = 1.2 * max(np.abs(start_alpha)) * math.sqrt(2)
    f.bounds = ((w_star[0] - half, w_star[0] + half), (w_star[1] - half, w_star[1] + half))
    f.start = w_star + Q @ check.vector("start_alpha", start_alpha, 2)
    return f


def iterations_until(thetas: np.ndarray, w_star: np.ndarray, factor: float = 1e-6) -> float:
    """The first tau with ||w_tau - w*|| <= factor ||w_0 - w*|| (inf if it never does)."""
    errors = np.linalg.norm(np.asarray(thetas, dtype=float) - w_star, axis=1)
    tau = first_index(errors <= check.positive("factor", factor) * errors[0])
    return math.inf if tau is None else float(tau)


# --- the notebook's "your turn" checks -------------------------------------------------------


def _show(values) -> str:
    """A short vector for a message: [0.55, -0.92, -1.84]."""
    return "[" + ", ".join(f"{v:.4g}" for v in np.asarray(values, dtype=float)) + "]"


def check_quadratic_model(student: Callable, trials: int = 3, seed: int = 0) -> None:
    """``student(J0, g, H, delta) -> float``: the slide's Taylor model of order 2,

        m(w^ + Delta) = J(w^) + Delta^T g + 1/2 Delta^T H Delta,

    against ``taylor_model`` (``TaylorModel.value``) for Rosenbrock's function at ``trials``
    random points w^ and steps Delta. A wrong answer gets a message naming the term that is
    off (the 1/2, the sign of the linear term, a missing J(w^)). Raises AssertionError.
    """
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    f = Rosenbrock()
    for _ in range(check.positive_int("trials", trials)):
        w_hat, delta = rng.uniform(-1, 1, size=2), rng.uniform(-0.1, 0.1, size=2)
        model = taylor_model(f, w_hat, order=2)
        expected = model.value(w_hat + delta)
        J0, g, H = model.value0, model.g.copy(), model.H.copy()
        got = student(J0, g, H, delta.copy())
        if got is None:
            raise AssertionError("quadratic_model returned nothing: is the `return` missing?")
        if np.ndim(got) != 0:
            raise AssertionError(f"quadratic_model must return one number, got an array of "
                                 f"shape {np.shape(got)}:\n  Delta^T g and Delta^T H Delta are "
                                 "dot products (use @)")
        got = float(got)
        if abs(got - expected) <= 1e-9 * max(1.0, abs(expected)):
            continue
        curvature, slope = 0.5 * delta @ H @ delta, delta @ g
        slips = [(expected + curvature, "the curvature term is 1/2 Delta^T H Delta, with the 1/2"),
                 (expected - 2 * slope, "the sign of the linear term: it is + Delta^T g"),
                 (expected - 2 * curvature, "the sign of the curvature term: it is + 1/2 ..."),
                 (expected - J0, "the model starts from J(w^): add J0")]
        hint = next((text for value, text in slips if math.isclose(got, value, rel_tol=1e-9)),
                    "m = J0 + Delta^T g + 1/2 Delta^T H Delta, each term a number")
        raise AssertionError(
            f"quadratic_model is off at w^ = {_show(w_hat)}, Delta = {_show(delta)}:\n"
            f"  expected {expected:.6g}, got {got:.6g}.\n  Hint: {hint}.")


def check_eigen_step(student: Callable, trials: int = 3, seed: int = 0) -> None:
    """``student(alpha, lambdas, eta) -> alpha_new``: one gradient-descent step in the eigenbasis.

    The library takes the step in w (``minimize(SGD(eta), ...)`` on a 3-D ``random_quadratic``
    from w = w* + Q alpha) and reads off alpha_new = Q^T (w_new - w*) (``eigen_coordinates``);
    the student's coordinates must match (the slide: alpha_i^new = (1 - eta lambda_i)
    alpha_i^old). A wrong answer gets a message naming the slip (the change Delta alpha_i
    instead of the new alpha_i, the sign, a step that does not scale with alpha_i). Raises
    AssertionError.
    """
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    for trial in range(check.positive_int("trials", trials)):
        q = random_quadratic(3, kappa=10, seed=seed + trial)
        lambdas, Q = eigenbasis(q.H)
        alpha, eta = rng.uniform(-2, 2, size=3).round(2), round(float(rng.uniform(0.2, 1.9)), 2)
        run = minimize(SGD(eta), q, q.minimizer + Q @ alpha, steps=1)
        expected = eigen_coordinates(run.thetas, q.minimizer, Q)[1]
        got = student(alpha.copy(), lambdas.copy(), eta)
        if got is None:
            raise AssertionError("eigen_step returned nothing: is the `return` missing?")
        got = np.asarray(got, dtype=float)
        if got.shape != (3,):
            raise AssertionError(f"eigen_step must return one new coordinate per "
                                 f"eigen-direction,\n  shape (3,), got shape {got.shape}")
        if np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            continue
        slips = [(-eta * lambdas * alpha, "that is the change Delta alpha_i = -eta lambda_i "
                  "alpha_i;\n  the new coordinate is alpha_i + Delta alpha_i"),
                 ((1 + eta * lambdas) * alpha, "the step goes uphill: gradient descent "
                  "subtracts eta times the gradient"),
                 (alpha - eta * lambdas, "the gradient's component along u_i is lambda_i "
                  "alpha_i, not lambda_i")]
        hint = next((text for value, text in slips if np.allclose(got, value, rtol=1e-9)),
                    "the gradient is sum_i alpha_i lambda_i u_i; subtract eta times it,\n"
                    "  coordinate by coordinate")
        raise AssertionError(
            f"eigen_step is off for alpha = {_show(alpha)},\n  lambdas = {_show(lambdas)}, "
            f"eta = {eta:g}:\n  expected {_show(expected)}\n  got      {_show(got)}\n"
            f"  Hint: {hint}.")
