"""Line search: choosing the step size along the negative gradient.

Slide "Ill conditioning" expands f along the gradient:

    f(x - eps g) = f(x) - eps g^T g + 1/2 eps^2 g^T H g.

For a quadratic this is exact, and setting d/d eps = 0 gives the exact step
eps* = g^T g / g^T H g (``exact_step``). For other functions, backtracking
(Armijo) halves a trial step until f decreases enough (``backtracking``).
Both are also wrapped as optimizers for ``cs551.optim.minimize``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as check
from .objectives import Objective
from .optim import Optimizer


def exact_step(H: np.ndarray, g: np.ndarray) -> float:
    """The exact line-search step for a quadratic: eps* = g^T g / g^T H g.

    It minimizes eps -> f(theta - eps g) when f has Hessian H. Returns 0.0 for
    g = 0 (already stationary: every step is exact). Raises ``ValueError`` when
    g^T H g <= 0: then f decreases without bound along -g and no minimum exists.

    >>> exact_step(np.diag([1.0, 0.5]), np.array([1.0, 1.0]))
    1.3333333333333333
    """
    g = np.asarray(g, dtype=float)
    H = np.asarray(H, dtype=float)
    if H.shape != (g.size, g.size):
        raise ValueError(f"H must have shape ({g.size}, {g.size}) to match g, got {H.shape}")
    gg = float(g @ g)
    if gg == 0.0:
        return 0.0
    gHg = float(g @ H @ g)
    if gHg <= 0:
        raise ValueError(
            f"g^T H g must be > 0 for the exact step to exist, got {gHg!r} "
            "(f is unbounded below along -g)"
        )
    return gg / gHg


def backtracking(
    objective: Objective,
    theta: np.ndarray,
    g: np.ndarray | None = None,
    *,
    lr0: float = 1.0,
    shrink: float = 0.5,
    c: float = 1e-4,
    max_shrinks: int = 60,
) -> float:
    """Backtracking (Armijo) line search along -g.

    Starts at eps = lr0 and multiplies eps by ``shrink`` until the sufficient
    decrease condition holds:

        f(theta - eps g) <= f(theta) - c eps g^T g.

    Returns 0.0 if it does not hold after ``max_shrinks`` reductions (or g = 0).
    """
    lr0 = check.positive("lr0", lr0)
    check.in_interval("shrink", shrink, 0, 1, open_low=True, open_high=True)
    check.in_interval("c", c, 0, 1, open_low=True, open_high=True)
    g = objective.grad(theta) if g is None else np.asarray(g, dtype=float)
    f0, gg = objective.value(theta), float(g @ g)
    if gg == 0.0:
        return 0.0
    eps = lr0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_shrinks + 1):
            if objective.value(theta - eps * g) <= f0 - c * eps * gg:  # Armijo condition
                return eps
            eps *= shrink
    return 0.0


def consecutive_gradient_cosines(objective: Objective, thetas: np.ndarray) -> np.ndarray:
    """cos of the angle between grad f(theta_k) and grad f(theta_{k+1}), for each k.

    Zero for every k when the steps come from an exact line search: the new gradient
    is orthogonal to the direction just searched. Pairs where a gradient is exactly
    zero (the minimum was reached) are left out.
    """
    grads = np.array([objective.grad(theta) for theta in thetas])
    norms = np.linalg.norm(grads, axis=1)
    keep = (norms[:-1] > 0) & (norms[1:] > 0)
    dots = np.einsum("ij,ij->i", grads[:-1], grads[1:])
    return dots[keep] / (norms[:-1] * norms[1:])[keep]


@dataclass(frozen=True, eq=False)
class ExactLineSearch(Optimizer):
    """Gradient descent with exact line search (the lecture's exercise):

        g <- grad f(theta),  eps <- g^T g / g^T H g,  theta <- theta - eps g.

    Exact on a quadratic; elsewhere it minimizes the local quadratic model.
    """

    def update(self, objective, theta, state, lr):
        g = objective.grad(theta)
        theta -= exact_step(objective.hess(theta), g) * g


@dataclass(frozen=True, eq=False)
class Backtracking(Optimizer):
    """Gradient descent whose step comes from ``backtracking`` at every iteration."""

    lr0: float = 1.0  # the first step tried
    shrink: float = 0.5  # the step is multiplied by this until it is accepted
    c: float = 1e-4  # Armijo's sufficient-decrease constant

    def update(self, objective, theta, state, lr):
        g = objective.grad(theta)
        theta -= backtracking(objective, theta, g, lr0=self.lr0, shrink=self.shrink, c=self.c) * g
