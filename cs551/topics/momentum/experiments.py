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
- ``ScheduledMomentum`` with ``momentum_steps`` or ``sutskever_momentum``: alpha raised
  during training (slide "Momentum": "this parameter can be adapted"), compared with
  fixed alphas by ``race_momentum_schedules`` on ``spread_quadratic`` (noise-free) and
  ``cs551.objectives.NoisyGradient`` (the same bowl with noisy gradients).
- ``TorchSGD``: PyTorch's documented momentum update (b <- mu b + g, theta <- theta - eps b),
  beyond the slides; ``interim_points`` gives the slide's Nesterov interim points
  theta + alpha v of a run, which PyTorch's ``nesterov=True`` returns as its iterates.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from cs551 import _validate as check
from cs551.measure import first_index
from cs551.objectives import GradientOracle, NoisyGradient, Objective, Quadratic
from cs551.optim import (
    SGD,
    LearningRate,
    Momentum,
    MomentumState,
    Nesterov,
    Optimizer,
    Run,
    State,
    Trajectory,
    minimize,
)


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


# --- alpha raised during training --------------------------------------------------------------


@dataclass(frozen=True)
class momentum_steps:  # noqa: N801 -- a schedule is used like a function
    """alpha_k raised in steps: ``values[i]`` from step ``boundaries[i - 1]`` on.

    Slide "Momentum": "typical values for alpha are 0.5, 0.9, 0.99. However this
    parameter can be adapted"; Goodfellow et al. (section 8.3.2): "typically it begins
    with a small value and is later raised".

    >>> schedule = momentum_steps((0.5, 0.9, 0.99), boundaries=(100, 400))
    >>> schedule(0), schedule(100), schedule(5000)
    (0.5, 0.9, 0.99)
    """

    values: tuple[float, ...] = (0.5, 0.9, 0.99)
    boundaries: tuple[int, ...] = (100, 400)

    def __post_init__(self):
        for value in self.values:
            check.unit_interval("values", value)
        bounds = [check.positive_int("boundaries", b) for b in self.boundaries]
        if len(bounds) != len(self.values) - 1 or bounds != sorted(set(bounds)):
            raise ValueError(f"boundaries must be {len(self.values) - 1} increasing steps "
                             f"(one fewer than values), got {self.boundaries!r}")

    def __call__(self, k: int) -> float:
        return self.values[bisect.bisect_right(self.boundaries, k)]


@dataclass(frozen=True)
class sutskever_momentum:  # noqa: N801 -- a schedule is used like a function
    """The schedule of Sutskever, Martens, Dahl and Hinton (2013):

        alpha_k = min(1 - 2^(-1 - log2(floor(k / every) + 1)), alpha_max)
                = min(1 - 1 / (2 j), alpha_max),   j = floor(k / every) + 1,

    so alpha = 0.5, 0.75, 0.833, 0.875, ... for ``every`` steps each, creeping towards 1
    like 1 - every / (2k) (Nesterov's 1 - 3/k for convex problems), capped at
    ``alpha_max``. The paper's period is 250 steps.

    >>> schedule = sutskever_momentum(0.99, every=250)
    >>> schedule(0), schedule(250), schedule(999), schedule(10**6)
    (0.5, 0.75, 0.875, 0.99)
    """

    alpha_max: float = 0.99
    every: int = 250

    def __post_init__(self):
        check.unit_interval("alpha_max", self.alpha_max)
        check.positive_int("every", self.every)

    def __call__(self, k: int) -> float:
        j = k // self.every + 1
        return min(1 - 1 / (2 * j), self.alpha_max)  # 2^(-1 - log2 j) = 1 / (2 j)


@dataclass(frozen=True, eq=False)
class ScheduledMomentum(Optimizer):
    """SGD with momentum whose alpha follows a schedule k -> alpha_k -- the box of slide
    "SGD with momentum" with alpha_k in place of alpha:

        v <- alpha_k v - eps g
        theta <- theta + v

    With a constant schedule it is ``cs551.optim.Momentum`` step for step.

    >>> opt = ScheduledMomentum(1.0, schedule=sutskever_momentum(0.99, every=25))
    """

    lr: LearningRate  # eps
    schedule: Callable[[int], float] = field(kw_only=True)  # k -> alpha_k

    def __post_init__(self):
        if not callable(self.schedule):
            raise ValueError(f"schedule must be a callable k -> alpha_k, got {self.schedule!r}")
        super().__post_init__()

    def init(self, theta):
        return MomentumState(v=np.zeros_like(theta))  # initial velocity v = 0

    def momentum_at(self, k: int) -> float:
        """alpha_k, checked: a number in [0, 1)."""
        return check.unit_interval(f"schedule({k})", self.schedule(k))

    def update(self, objective, theta, state, lr):
        momentum = self.momentum_at(state.k)  # alpha_k
        v = state.v
        g = objective.grad(theta)
        v[:] = momentum * v - lr * g  # v <- alpha_k v - eps g
        theta += v  # theta <- theta + v


def spread_quadratic(dim: int = 50, kappa: float = 1e4) -> Quadratic:
    """f = 1/2 sum_i lambda_i theta_i^2 with ``dim`` eigenvalues log-spaced from 1/kappa to 1.

    Written in its eigenvector coordinates (H diagonal), which changes nothing for
    momentum; the start theta_0 = (1, ..., 1) puts the same error along every
    eigenvector, so the steep directions dominate f at first and the flat ones later.
    """
    dim = check.positive_int("dim", dim)
    kappa = check.condition_number("kappa", kappa)
    f = Quadratic(np.diag(np.geomspace(1 / kappa, 1.0, dim)),
                  name=f"quadratic, {dim} eigenvalues from 1/κ to 1 (κ={kappa:g})")
    f.start = np.ones(dim)
    return f


def tuned_momentum(lr: float, lam_min: float) -> float:
    """The fixed alpha that makes the flattest direction critically damped at step eps:
    alpha = (1 - sqrt(eps lambda_min))^2, where momentum's two roots for lambda_min meet
    (discriminant (1 + alpha - eps lambda)^2 - 4 alpha = 0) at |z| = sqrt(alpha).

    Larger alpha only slows the error along lambda_min down (|z| = sqrt(alpha)); smaller alpha
    leaves a real root closer to 1. It needs lambda_min, i.e. the condition number.
    """
    lr, lam_min = check.positive("lr", lr), check.positive("lam_min", lam_min)
    if lr * lam_min >= 1:
        raise ValueError(f"lr * lam_min must be < 1, got {lr * lam_min!r}")
    return (1 - math.sqrt(lr * lam_min)) ** 2


def schedule_racers(lr: float, lam_min: float, alphas: Sequence[float] = (0.5, 0.9, 0.99),
                    boundaries: Sequence[int] = (100, 400), every: int = 25
                    ) -> dict[str, Optimizer]:
    """The racers of notebook 06's schedule section, all with step ``lr``: momentum with each
    fixed alpha of ``alphas`` (the slide's typical values) and with the alpha tuned to
    ``lam_min`` (``tuned_momentum``); ``alphas`` raised in steps at ``boundaries``
    (``momentum_steps``); Sutskever et al.'s schedule with period ``every``, capped at the
    last alpha (``sutskever_momentum``)."""
    racers: dict[str, Optimizer] = {f"α = {a:g}": Momentum(lr, a) for a in alphas}
    alpha = tuned_momentum(lr, lam_min)
    racers[f"α = {alpha:.4g} (tuned to κ)"] = Momentum(lr, alpha)
    steps = momentum_steps(tuple(alphas), tuple(boundaries))
    racers["α: " + " → ".join(f"{a:g}" for a in alphas)] = ScheduledMomentum(lr, schedule=steps)
    racers["α: Sutskever et al."] = ScheduledMomentum(
        lr, schedule=sutskever_momentum(alphas[-1], every=every))
    return racers


@dataclass(frozen=True)
class MomentumScheduleRace:
    """Fixed and scheduled alphas on the same bowl without and with gradient noise.

    ``clean`` and ``noisy`` map each label to the trajectory; ``reached`` is the first
    step with f - f* <= ``tol`` on the noise-free bowl (None: not within the run);
    ``early`` and ``floor`` are f - f* on the noisy bowl at step ``early_step`` and its
    mean over the last ``tail`` steps.
    """

    clean: dict[str, Trajectory]
    noisy: dict[str, Trajectory]
    tol: float
    sigma: float
    early_step: int
    tail: int

    @property
    def reached(self) -> dict[str, int | None]:
        return {label: first_index(run.values <= self.tol) for label, run in self.clean.items()}

    @property
    def early(self) -> dict[str, float]:
        return {label: float(run.values[self.early_step]) for label, run in self.noisy.items()}

    @property
    def floor(self) -> dict[str, float]:
        return {label: float(np.mean(run.values[-self.tail:])) for label, run in self.noisy.items()}

    def table(self) -> str:
        """One line per alpha: steps to ``tol`` without noise; f - f* early and at the end with."""
        steps = len(next(iter(self.clean.values())).values) - 1
        lines = [f"{'':<24}{'exact gradients':>16}   noisy gradients (σ = {self.sigma:g}): f - f*",
                 f"{'':<24}{f'steps to {self.tol:g}':>16}   {f'at step {self.early_step}':>13}"
                 f"   mean of steps {steps - self.tail + 1}-{steps}"]
        for label in self.clean:
            k = self.reached[label]
            shown = "not reached" if k is None else f"{k:d}"
            lines.append(f"{label:<24}{shown:>16}   {self.early[label]:>13.1e}"
                         f"   {self.floor[label]:>12.1e}")
        return "\n".join(lines)


def race_momentum_schedules(racers: Mapping[str, Optimizer], objective: Quadratic | None = None,
                            steps: int = 2500, tol: float = 1e-8, sigma: float = 1e-4,
                            early_step: int = 500, tail: int = 500,
                            seed: int = 0) -> MomentumScheduleRace:
    """Run each optimizer ``steps`` steps on ``objective`` (default ``spread_quadratic()``,
    f* = 0) from its start, with exact gradients and with noise ``sigma``
    (``cs551.objectives.NoisyGradient``)."""
    objective = spread_quadratic() if objective is None else objective
    steps = check.positive_int("steps", steps)
    if not 0 <= check.non_negative_int("early_step", early_step) <= steps:
        raise ValueError(f"early_step must be in [0, {steps}], got {early_step!r}")
    if not 1 <= check.positive_int("tail", tail) <= steps:
        raise ValueError(f"tail must be in [1, {steps}], got {tail!r}")
    sigma = check.positive("sigma", sigma)
    runs = {}
    for noise in (0.0, sigma):
        problem = NoisyGradient(objective, noise, seed)  # noise 0: the exact gradient
        runs[noise] = {label: minimize(opt, problem, objective.start, steps)
                       for label, opt in racers.items()}
    return MomentumScheduleRace(runs[0.0], runs[sigma], check.positive("tol", tol), sigma,
                                early_step, tail)


# --- PyTorch's convention (beyond the slides) ---------------------------------------------------


@dataclass(kw_only=True)
class BufferState(State):
    """k and PyTorch's momentum buffer b (``torch.optim.SGD``'s ``momentum_buffer``)."""

    b: np.ndarray


@dataclass(frozen=True, eq=False)
class TorchSGD(Optimizer):
    """``torch.optim.SGD(params, lr, momentum=mu, nesterov=...)`` in numpy, as PyTorch's
    documentation states its update (dampening 0, no weight decay):

        g <- gradient at theta
        b <- mu b + g                          (b starts at 0, so b_1 = g_1)
        theta <- theta - eps (g + mu b)        if nesterov
        theta <- theta - eps b                 otherwise

    The buffer b sums raw gradients and eps multiplies it at every step. For a constant eps
    this is the slide's "SGD with momentum" with alpha = mu and v = -eps b (the same
    iterates); with ``nesterov=True`` its iterates are the slide's Nesterov interim points
    theta + alpha v (``interim_points``). When eps changes, the two forms part: a new eps
    rescales PyTorch's whole accumulated step at once, the slide's velocity only gradually.
    """

    lr: LearningRate  # eps (PyTorch's lr)
    momentum: float = 0.9  # mu (PyTorch's momentum)
    nesterov: bool = False

    def __post_init__(self):
        if not isinstance(self.nesterov, bool):
            raise ValueError(f"nesterov must be True or False, got {self.nesterov!r}")
        super().__post_init__()

    def init(self, theta):
        return BufferState(b=np.zeros_like(theta))  # b_0 = 0

    def update(self, objective, theta, state, lr):
        b = state.b
        g = objective.grad(theta)
        b[:] = self.momentum * b + g  # b <- mu b + g
        if self.nesterov:
            theta -= lr * (g + self.momentum * b)  # theta <- theta - eps (g + mu b)
        else:
            theta -= lr * b  # theta <- theta - eps b


def interim_points(trajectory: Trajectory, momentum: float) -> np.ndarray:
    """theta_k + alpha v_k for every iterate of a Nesterov run (v_k = theta_k - theta_{k-1},
    v_0 = 0): the points where the slide's box "Nesterov momentum" takes its gradients."""
    momentum = check.unit_interval("momentum", momentum)
    v = np.vstack([np.zeros_like(trajectory.thetas[:1]), velocities(trajectory)])
    return trajectory.thetas + momentum * v


@dataclass(frozen=True)
class step_drop:  # noqa: N801 -- a schedule is used like a function
    """eps_k = ``lr0`` for k < ``at``, then ``lr1``: a learning rate dropped once.

    >>> schedule = step_drop(0.1, 0.01, at=100)
    >>> schedule(99), schedule(100)
    (0.1, 0.01)
    """

    lr0: float
    lr1: float
    at: int

    def __post_init__(self):
        check.positive("lr0", self.lr0)
        check.positive("lr1", self.lr1)
        check.positive_int("at", self.at)

    def __call__(self, k: int) -> float:
        return self.lr0 if k < self.at else self.lr1


def coast_after_drop(lr0: float, lr1: float, momentum: float, g_norm: float) -> float:
    """How much farther the slide's momentum travels than PyTorch's after eps drops from
    ``lr0`` to ``lr1`` at terminal velocity under a constant gradient of norm ``g_norm``.

    PyTorch's step falls to eps_1 ||g|| / (1 - alpha) at once; the slide's velocity relaxes
    to it geometrically, v_j - v_inf = alpha^j (eps_0 - eps_1) ||g|| / (1 - alpha), so it
    coasts sum_{j>=1} alpha^j (eps_0 - eps_1) ||g|| / (1 - alpha)
    = (eps_0 - eps_1) ||g|| alpha / (1 - alpha)^2 farther.
    """
    lr0, lr1 = check.positive("lr0", lr0), check.positive("lr1", lr1)
    momentum = check.unit_interval("momentum", momentum)
    return (lr0 - lr1) * check.non_negative("g_norm", g_norm) * momentum / (1 - momentum) ** 2
