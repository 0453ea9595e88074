"""The noise of minibatch gradients and of the steps made from them (notebooks 02, 05, 09).

- ``per_example_gradients``: the m gradients whose mean is the full gradient;
- ``step_errors``: how far a gradient step and a Newton step computed on a minibatch of n
  examples are from the full-batch step; both errors fall like 1 / sqrt(n), the Newton
  step's amplified by H^-1 (slide "Batches and minibatches": second-order methods need
  much larger batches).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cs551.nn.network import one_blas_thread

from . import _validate as check
from .objectives import LeastSquares, MinibatchObjective


def per_example_gradients(objective: MinibatchObjective, theta: np.ndarray) -> np.ndarray:
    """The m x p matrix whose row i is grad L(f(x_i, theta), y_i).

    Their mean is the full gradient ``objective.full_grad(theta)``: the expectation of
    the per-example gradient over the empirical distribution. Least squares has a
    closed form, grad L_i = x_i (x_i^T theta - y_i), used directly (same numbers).
    """
    if isinstance(objective, LeastSquares):
        return objective.X * (objective.X @ theta - objective.y)[:, None]
    with one_blas_thread():  # m products of a single row each
        return np.stack([objective.batch_grad(theta, np.array([i])) for i in range(objective.m)])


@dataclass
class StepErrors:
    """Relative errors of the minibatch gradient step and Newton step, by batch size n.

    The predicted errors are c / sqrt(n) with c computed from the per-example
    gradients (sampling with replacement); the measured ones come from ``draws``
    minibatches. ``newton_minibatch_H`` also estimates H on the minibatch.
    """

    batch_sizes: np.ndarray
    gradient: np.ndarray  # predicted ||g_B - g|| / ||g||, RMS
    newton: np.ndarray  # predicted ||H^-1 (g_B - g)|| / ||H^-1 g||, RMS
    gradient_measured: np.ndarray
    newton_measured: np.ndarray
    newton_minibatch_H: np.ndarray  # measured ||H_B^-1 g_B - H^-1 g|| / ||H^-1 g||, RMS
    c_gradient: float
    c_newton: float
    kappa: float  # the condition number of H

    def batch_size_for(self, rel_error: float) -> tuple[int, int]:
        """The smallest n at which each predicted relative error is <= ``rel_error``."""
        rel_error = check.positive("rel_error", rel_error)
        return (int(np.ceil((self.c_gradient / rel_error) ** 2)),
                int(np.ceil((self.c_newton / rel_error) ** 2)))

    @property
    def amplification(self) -> float:
        """Newton's relative error over the gradient's, at every n: c_newton / c_gradient.

        At most kappa: ||H^-1 e|| / ||H^-1 g|| <= (||e|| / lambda_min) / (||g|| / lambda_max).
        """
        return self.c_newton / self.c_gradient


def step_errors(objective: LeastSquares, theta: np.ndarray, batch_sizes, draws: int = 200,
                seed: int = 0) -> StepErrors:
    """Relative errors of g_B (gradient step) and H^{-1} g_B (Newton step) at theta.

    For per-example gradients with covariance Sigma, sampled with replacement,
    E||g_B - g||^2 = tr(Sigma) / n and E||H^-1 (g_B - g)||^2 = tr(H^-1 Sigma H^-1) / n:
    the Newton step's error passes through H^-1, which multiplies the components
    along small-curvature directions by 1 / lambda.
    """
    G = per_example_gradients(objective, theta)
    g = G.mean(axis=0)
    H = objective.batch_hess(theta, np.arange(objective.m))
    H_inv = np.linalg.inv(H)
    E = G - g  # per-example deviations: Sigma = E^T E / m
    c_gradient = np.sqrt(np.mean(np.sum(E**2, axis=1))) / np.linalg.norm(g)
    newton = H_inv @ g
    c_newton = np.sqrt(np.mean(np.sum((E @ H_inv) ** 2, axis=1))) / np.linalg.norm(newton)
    sizes = np.array([check.positive_int("batch size", n) for n in batch_sizes])
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    measured = np.zeros((3, len(sizes)))
    for i, n in enumerate(sizes):
        for _ in range(check.positive_int("draws", draws)):
            idx = rng.integers(objective.m, size=n)
            g_B = G[idx].mean(axis=0)
            H_B = objective.batch_hess(theta, idx)
            measured[0, i] += np.sum((g_B - g) ** 2)
            measured[1, i] += np.sum((H_inv @ (g_B - g)) ** 2)
            # n < d: H_B is singular, no Newton step. Decided by its rank (singular values
            # against a tolerance far above round-off), not by whether solve meets an exactly
            # zero pivot: that depends on the machine's BLAS and SIMD kernels
            if np.linalg.matrix_rank(H_B) < len(H_B):
                measured[2, i] = np.inf
            else:
                measured[2, i] += np.sum((np.linalg.solve(H_B, g_B) - newton) ** 2)
    measured = np.sqrt(measured / draws)
    measured[0] /= np.linalg.norm(g)
    measured[1:] /= np.linalg.norm(newton)
    eigenvalues = np.linalg.eigvalsh(H)
    return StepErrors(sizes, c_gradient / np.sqrt(sizes), c_newton / np.sqrt(sizes), *measured,
                      float(c_gradient), float(c_newton), float(eigenvalues[-1] / eigenvalues[0]))
