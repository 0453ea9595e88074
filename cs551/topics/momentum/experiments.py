"""Momentum and Nesterov momentum: the experiments of notebook 06.

Slides "Momentum", "SGD with momentum", "Nesterov momentum". The optimizers are
``cs551.optim.Momentum`` and ``cs551.optim.Nesterov`` (v <- alpha v - eps g,
theta <- theta + v); this module holds what shows their claims:

- ``ConstantGradient``: a landscape whose gradient is the same g everywhere, the
  slide's "if it observes g always". ``velocities`` reads v_k off a trajectory
  (v_k = theta_k - theta_{k-1}, because theta <- theta + v), and
  ``terminal_speed`` is the slide's eps ||g|| / (1 - alpha).
- ``velocity_from_gradients``: v after a scripted sequence of gradients, to check
  that v is an exponentially decaying average of the negative gradients.
- ``characteristic_roots`` and ``predicted_rate``: on a quadratic, each
  eigen-direction lambda evolves by a 2 x 2 matrix; the largest |root| over the
  eigenvalues is the rate at which the error shrinks per step.
  ``measured_rate`` reads the rate off a run.
- ``steps_to_tolerance`` and ``race``: how many steps each optimizer needs to
  bring f - f* below a tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from cs551 import _validate as check
from cs551.objectives import GradientOracle, Objective
from cs551.optim import SGD, Momentum, Nesterov, Optimizer, Run, Trajectory


class ConstantGradient(Objective):
    """The plane f(theta) = g^T theta: its gradient is g everywhere, its Hessian 0.

    Slide "Momentum": "if it observes g always, it accelerates in -g with terminal
    velocity eps ||g|| / (1 - alpha)". f has no minimum; the run just keeps going.
    """

    name = "constant gradient"

    def __init__(self, g: Sequence[float]):
        self.g = check.vector("g", g)
        self.dim = len(self.g)

    def value(self, theta):
        return np.tensordot(self.g, np.asarray(theta, dtype=float), axes=1)

    def grad(self, theta):
        return self.g.copy()

    def hess(self, theta):
        return np.zeros((self.dim, self.dim))


def velocities(trajectory: Trajectory) -> np.ndarray:
    """v_1, ..., v_n of a momentum run: v_k = theta_k - theta_{k-1} (as theta <- theta + v)."""
    return np.diff(trajectory.thetas, axis=0)


def terminal_speed(lr: float, momentum: float, g_norm: float) -> float:
    """The slide's terminal velocity eps ||g|| / (1 - alpha)."""
    lr = check.positive("lr", lr)
    momentum = check.unit_interval("momentum", momentum)
    return lr * check.non_negative("g_norm", g_norm) / (1 - momentum)


def steps_to_fraction(momentum: float, fraction: float = 0.99) -> int:
    """The first k with ||v_k|| >= fraction x terminal speed, from v_0 = 0.

    Under a constant gradient ||v_k|| = eps ||g|| (1 - alpha^k) / (1 - alpha), so
    k = ceil(log(1 - fraction) / log(alpha)): the larger alpha, the longer the run-up.
    """
    momentum = check.unit_interval("momentum", momentum)
    check.in_interval("fraction", fraction, 0, 1, open_low=True, open_high=True)
    if momentum == 0:
        return 1
    return math.ceil(math.log(1 - fraction) / math.log(momentum) - 1e-12)


def velocity_from_gradients(gradients: np.ndarray, lr: float, momentum: float) -> np.ndarray:
    """The velocity v that ``cs551.optim.Momentum`` holds after seeing ``gradients`` in order.

    The gradients are fed through a ``GradientOracle``, so this runs the library's
    optimizer, not a copy of its update; compare with -eps sum_j alpha^(n-1-j) g_j.
    """
    gradients = np.atleast_2d(np.asarray(gradients, dtype=float))
    script = iter(gradients)
    oracle = GradientOracle(lambda theta: next(script), dim=gradients.shape[1])
    run = Run(Momentum(lr, momentum), oracle, np.zeros(gradients.shape[1]), len(gradients),
              values=False)
    for _ in run:
        pass
    return run.state.v.copy()


METHODS = ("gradient descent", "momentum", "Nesterov")


def characteristic_roots(method: str, lr: float, momentum: float, lam: float) -> np.ndarray:
    """Roots z of the per-eigen-direction iteration of ``method`` on a quadratic.

    With e = theta - theta* along an eigenvector of curvature lambda:
    gradient descent e' = (1 - eps lambda) e (one root);
    momentum z^2 - (1 + alpha - eps lambda) z + alpha = 0
    (``symbolic.heavy_ball_characteristic``);
    Nesterov z^2 - (1 + alpha)(1 - eps lambda) z + alpha (1 - eps lambda) = 0
    (``symbolic.nesterov_characteristic``). The error shrinks like max |z|^k.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    a, q = momentum, 1 - lr * lam
    if method == "gradient descent":
        return np.array([q], dtype=complex)
    if method == "momentum":
        return np.roots([1.0, -(1 + a - lr * lam), a]).astype(complex)
    return np.roots([1.0, -(1 + a) * q, a * q]).astype(complex)


def predicted_rate(method: str, lr: float, momentum: float, eigenvalues: Sequence[float]) -> float:
    """max |z| over the eigenvalues: the factor by which ||theta - theta*|| shrinks per step.

    Above 1 the method diverges on that quadratic.
    """
    return max(float(np.max(np.abs(characteristic_roots(method, lr, momentum, lam))))
               for lam in eigenvalues)


def measured_rate(trajectory: Trajectory, minimizer: np.ndarray, skip: int = 0) -> float:
    """(||theta_n - theta*|| / ||theta_skip - theta*||)^(1 / (n - skip)): the mean rate per step.

    A geometric mean over many steps, so oscillations of the error (complex roots)
    average out. Start after ``skip`` steps to leave out the transient.
    """
    errors = np.linalg.norm(trajectory.thetas - np.asarray(minimizer), axis=1)
    n = len(errors) - 1
    if not 0 <= skip < n or errors[skip] == 0 or errors[n] == 0:
        raise ValueError(f"skip must be in [0, {n}) with nonzero errors there, got {skip!r}")
    return float((errors[n] / errors[skip]) ** (1.0 / (n - skip)))


def steps_to_tolerance(optimizer: Optimizer, objective: Objective, theta0: np.ndarray,
                       tol: float, max_steps: int = 20_000, f_star: float = 0.0) -> int | None:
    """The first k with f(theta_k) - f* <= ``tol``; None if not within ``max_steps`` or diverged.

    Stops as soon as it gets there, so a slow optimizer costs only what it uses.
    """
    tol = check.positive("tol", tol)
    max_steps = check.positive_int("max_steps", max_steps)
    for k, _, value in Run(optimizer, objective, theta0, max_steps):
        if value - f_star <= tol:
            return k
    return None  # not reached within max_steps, or diverged


@dataclass(frozen=True)
class RaceResult:
    """Steps to the tolerance (None: not reached) for each optimizer, by label."""

    objective: str
    tol: float
    steps: dict[str, int | None]

    def table(self) -> str:
        """One line per optimizer, and its speed-up over the first (the baseline)."""
        base = next(iter(self.steps.values()))
        lines = [f"{self.objective}: steps until f - f* <= {self.tol:g}"]
        for label, k in self.steps.items():
            shown = "not reached" if k is None else f"{k:6d}"
            ratio = f"   ({base / k:.1f}x faster)" if base and k and k != base else ""
            lines.append(f"  {label:<28} {shown}{ratio}")
        return "\n".join(lines)


def race(objective: Objective, optimizers: Mapping[str, Optimizer], tol: float,
         theta0: np.ndarray | None = None, max_steps: int = 20_000) -> RaceResult:
    """``steps_to_tolerance`` for each optimizer from the same start (default ``objective.start``).

    f* is f at ``objective.minimizer`` (0 if none is known).
    """
    theta0 = objective.start if theta0 is None else theta0
    f_star = 0.0 if objective.minimizer is None else float(objective.value(objective.minimizer))
    steps = {label: steps_to_tolerance(opt, objective, theta0, tol, max_steps, f_star)
             for label, opt in optimizers.items()}
    return RaceResult(objective.name, tol, steps)


def three_methods(lr: float, momentum: float) -> dict[str, Optimizer]:
    """Gradient descent, momentum and Nesterov with the same eps (and alpha)."""
    return {"gradient descent": SGD(lr), "momentum": Momentum(lr, momentum),
            "Nesterov": Nesterov(lr, momentum)}
