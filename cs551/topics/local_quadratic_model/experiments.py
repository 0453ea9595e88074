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
this module is their numeric side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cs551 import _validate as check
from cs551.measure import first_index
from cs551.objectives import Objective, Quadratic


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
