"""Finite differences: how every analytic gradient in the course is checked.

The central difference (f(x + h e_i) - f(x - h e_i)) / 2h has error O(h^2), so with
h ~ 1e-5 an analytic gradient that is right agrees to about 1e-8 relative error.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Central-difference gradient of a scalar function f at x (any shape)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_jacobian(
    F: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Central-difference Jacobian dF_i/dx_j of a vector function (the Hessian when F = grad)."""
    x = np.array(x, dtype=float)
    columns = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e.flat[j] = h
        columns.append((np.asarray(F(x + e)) - np.asarray(F(x - e))).ravel() / (2 * h))
    return np.stack(columns, axis=-1)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / max(||a|| + ||b||, floor): the usual gradient-check metric.

    About 1e-8 or less for a correct gradient checked with central differences;
    1e-2 or more means a bug. The floor (1e-10) makes two gradients that are both
    essentially zero count as equal instead of dividing noise by noise.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-10))
