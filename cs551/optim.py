"""The lecture's optimizers, each written like its algorithm box, and the run loop.

One interface for all of them (as in CS231n's ``optim.py``): the optimizer object
holds the hyperparameters (a frozen dataclass, checked once); the run's state
(step k, velocity v, accumulator r) lives apart, in the typed ``State`` that
``init`` returns::

    state = opt.init(theta)
    for _ in range(steps):
        opt.step(objective, theta, state)   # updates theta and state in place

``step`` takes the objective, not a gradient, because Nesterov evaluates the
gradient at an interim point and Newton needs the Hessian. Updates are in place,
as in ``torch.optim``. ``Run`` is that loop, written once: every run of the course
(``minimize``, ``cs551.nn.train``, the topics' experiments) goes through it.

Notation (slides -> code): eps -> ``lr``, alpha -> ``momentum``, rho -> ``rho``,
delta -> ``delta``, theta -> ``theta``, v -> ``v``, r -> ``r``. Every ``lr`` is a
number or a schedule ``k -> eps_k``: the slide's ``linear_decay``, the 1/k, 1/sqrt(k) and
exponential decays, and beyond the slides PyTorch's ``step_decay`` (StepLR),
``cosine_decay`` (CosineAnnealingLR) and ``warmup`` (LinearLR).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields

import numpy as np

from . import _validate as check
from .objectives import Objective

LearningRate = float | Callable[[int], float]  # eps, or a schedule k -> eps_k


@dataclass
class State:
    """What a run of an optimizer carries from step to step: here only k, the steps taken."""

    k: int = 0


@dataclass(kw_only=True)
class MomentumState(State):
    """k and the velocity v (momentum, Nesterov)."""

    v: np.ndarray


@dataclass(kw_only=True)
class AccumulatorState(State):
    """k and the accumulated squared gradient r (AdaGrad, RMSProp)."""

    r: np.ndarray


@dataclass(kw_only=True)
class RMSPropNesterovState(State):
    """k, the accumulator r and the velocity v."""

    r: np.ndarray
    v: np.ndarray


@dataclass(kw_only=True)
class AdamState(State):
    """k, the first moment s and the second moment r."""

    s: np.ndarray
    r: np.ndarray


HYPERPARAMETER_CHECKS: dict[str, Callable] = {
    "lr": check.learning_rate,  # eps > 0, or a schedule
    "momentum": lambda value: check.unit_interval("momentum", value),  # alpha in [0, 1)
    "rho": lambda value: check.unit_interval("rho", value),  # rho in [0, 1)
    "beta1": lambda value: check.unit_interval("beta1", value),
    "beta2": lambda value: check.unit_interval("beta2", value),
    "delta": lambda value: check.non_negative("delta", value),  # delta >= 0
    "damping": lambda value: check.non_negative("damping", value),  # lambda >= 0
    "max_norm": lambda value: check.positive("max_norm", value),
    "lr0": lambda value: check.positive("lr0", value),  # backtracking's first step
    "shrink": lambda value: check.in_interval("shrink", value, 0, 1, open_low=True, open_high=True),
    "c": lambda value: check.in_interval("c", value, 0, 1, open_low=True, open_high=True),
}


class Optimizer:
    """Base class. An optimizer is a frozen dataclass of its hyperparameters (checked
    once, by name, in ``HYPERPARAMETER_CHECKS``) with ``init`` and ``update``."""

    lr: LearningRate = 1.0

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            if f.name in HYPERPARAMETER_CHECKS:
                value = HYPERPARAMETER_CHECKS[f.name](getattr(self, f.name))
                object.__setattr__(self, f.name, value)  # frozen: set once, here

    def init(self, theta: np.ndarray) -> State:
        """Fresh state for a run starting at theta: the step counter k and any buffers."""
        return State()

    def lr_at(self, k: int) -> float:
        """eps_k: the learning rate of step k (k = 0, 1, ...)."""
        if not callable(self.lr):
            return self.lr
        lr = self.lr(k)
        if not isinstance(lr, int | float | np.number) or not math.isfinite(lr) or lr <= 0:
            raise ValueError(f"lr(k) must be a finite number > 0, got lr({k}) = {lr!r}")
        return float(lr)

    def step(self, objective: Objective, theta: np.ndarray, state: State) -> None:
        """One iteration of the algorithm box, in place; then k <- k + 1."""
        self.update(objective, theta, state, self.lr_at(state.k))
        state.k += 1

    def update(self, objective: Objective, theta: np.ndarray, state: State, lr: float) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


@dataclass(frozen=True, eq=False)
class SGD(Optimizer):
    """Stochastic gradient descent -- slide "Stochastic gradient descent".

        g = 1/m sum_i grad L(f(x_i, theta), y_i)      (objective.grad samples the minibatch)
        theta <- theta - eps_k g

    On a deterministic objective this is plain gradient descent.
    """

    lr: LearningRate  # eps

    def update(self, objective, theta, state, lr):
        g = objective.grad(theta)
        theta -= lr * g  # theta <- theta - eps_k g


@dataclass(frozen=True, eq=False)
class Momentum(Optimizer):
    """SGD with momentum -- slide "SGD with momentum".

        v <- alpha v - eps g
        theta <- theta + v

    v is an exponentially decaying average of negative gradients; with a constant
    gradient g it reaches the terminal velocity eps ||g|| / (1 - alpha).
    """

    lr: LearningRate  # eps
    momentum: float = 0.9  # alpha

    def init(self, theta):
        return MomentumState(v=np.zeros_like(theta))  # initial velocity v = 0

    def update(self, objective, theta, state, lr):
        v = state.v
        g = objective.grad(theta)
        v[:] = self.momentum * v - lr * g  # v <- alpha v - eps g
        theta += v  # theta <- theta + v


@dataclass(frozen=True, eq=False)
class Nesterov(Optimizer):
    """Nesterov momentum -- slide "Nesterov momentum".

        theta~ <- theta + alpha v          (interim point)
        g <- grad at theta~
        v <- alpha v - eps g
        theta <- theta + v
    """

    lr: LearningRate  # eps
    momentum: float = 0.9  # alpha

    def init(self, theta):
        return MomentumState(v=np.zeros_like(theta))

    def update(self, objective, theta, state, lr):
        v = state.v
        g = objective.grad(theta + self.momentum * v)  # g at theta~ = theta + alpha v
        v[:] = self.momentum * v - lr * g  # v <- alpha v - eps g
        theta += v  # theta <- theta + v


@dataclass(frozen=True, eq=False)
class AdaGrad(Optimizer):
    """AdaGrad -- slide "Steps for AdaGrad".

        r <- r + g (.) g                               (accumulated squared gradient)
        theta <- theta - eps / (delta + sqrt(r)) (.) g

    Each parameter's rate shrinks with the square root of its whole gradient history.
    """

    lr: LearningRate  # eps
    delta: float = 1e-7

    def init(self, theta):
        return AccumulatorState(r=np.zeros_like(theta))  # r = 0

    def update(self, objective, theta, state, lr):
        r = state.r
        g = objective.grad(theta)
        r += g * g  # r <- r + g (.) g
        theta -= lr / (self.delta + np.sqrt(r)) * g  # theta <- theta - eps/(delta + sqrt(r)) (.) g


@dataclass(frozen=True, eq=False)
class RMSProp(Optimizer):
    """RMSProp -- slide "Steps for RMSProp".

        r <- rho r + (1 - rho) g (.) g                 (exponentially weighted average)
        theta <- theta - eps / sqrt(delta + r) (.) g

    Unlike AdaGrad, the history decays: gradients k steps old weigh rho^k.
    """

    lr: LearningRate  # eps
    rho: float = 0.9
    delta: float = 1e-6

    def init(self, theta):
        return AccumulatorState(r=np.zeros_like(theta))  # r = 0

    def update(self, objective, theta, state, lr):
        r = state.r
        g = objective.grad(theta)
        r[:] = self.rho * r + (1 - self.rho) * g * g  # r <- rho r + (1 - rho) g (.) g
        theta -= lr / np.sqrt(self.delta + r) * g  # theta <- theta - eps/sqrt(delta + r) (.) g


@dataclass(frozen=True, eq=False)
class RMSPropNesterov(Optimizer):
    """RMSProp with Nesterov momentum -- slide "Steps for RMSProp with Nesterov".

        theta~ <- theta + alpha v
        g <- grad at theta~
        r <- rho r + (1 - rho) g (.) g
        v <- alpha v - eps / sqrt(delta + r) (.) g
        theta <- theta + v

    The slide writes eps / sqrt(r). Here delta is added under the root, as in the
    plain RMSProp box: where a coordinate's gradient has always been zero, r = 0
    and g = 0, and eps / sqrt(r) * g would be 0/0 = NaN.
    """

    lr: LearningRate  # eps
    rho: float = 0.9
    momentum: float = 0.9  # alpha
    delta: float = 1e-6

    def init(self, theta):
        return RMSPropNesterovState(r=np.zeros_like(theta), v=np.zeros_like(theta))

    def update(self, objective, theta, state, lr):
        r, v = state.r, state.v
        g = objective.grad(theta + self.momentum * v)  # g at theta~ = theta + alpha v
        r[:] = self.rho * r + (1 - self.rho) * g * g  # r <- rho r + (1 - rho) g (.) g
        v[:] = self.momentum * v - lr / np.sqrt(self.delta + r) * g  # v <- alpha v - eps/sqrt(r) g
        theta += v  # theta <- theta + v


@dataclass(frozen=True, eq=False)
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) -- beyond the slides: RMSProp plus momentum, bias-corrected.

        s <- beta1 s + (1 - beta1) g                (first moment, like momentum)
        r <- beta2 r + (1 - beta2) g (.) g          (second moment, like RMSProp)
        s^ = s / (1 - beta1^t),  r^ = r / (1 - beta2^t)     (t = k + 1: bias correction)
        theta <- theta - eps s^ / (sqrt(r^) + delta)
    """

    lr: LearningRate = 1e-3  # eps
    beta1: float = 0.9
    beta2: float = 0.999
    delta: float = 1e-8

    def init(self, theta):
        return AdamState(s=np.zeros_like(theta), r=np.zeros_like(theta))

    def update(self, objective, theta, state, lr):
        s, r, t = state.s, state.r, state.k + 1
        g = objective.grad(theta)
        s[:] = self.beta1 * s + (1 - self.beta1) * g  # s <- beta1 s + (1 - beta1) g
        r[:] = self.beta2 * r + (1 - self.beta2) * g * g  # r <- beta2 r + (1 - beta2) g (.) g
        s_hat = s / (1 - self.beta1**t)  # bias-corrected first moment
        r_hat = r / (1 - self.beta2**t)  # bias-corrected second moment
        theta -= lr * s_hat / (np.sqrt(r_hat) + self.delta)


@dataclass(frozen=True, eq=False)
class Newton(Optimizer):
    """Newton's method -- slide "Steps for Newton's method".

        g <- gradient, H <- Hessian
        theta <- theta - H^{-1} g

    H^{-1} g is computed by solving H d = g, never by forming H^{-1}. On a
    quadratic with positive definite H one step lands on the minimum. With
    ``damping`` lambda > 0 the step is -(H + lambda I)^{-1} g (Levenberg's fix:
    it pushes the eigenvalues of H up, so a mildly indefinite H no longer sends
    the step uphill towards a saddle).
    """

    damping: float = 0.0  # lambda

    def update(self, objective, theta, state, lr):
        g = objective.grad(theta)
        H = objective.hess(theta)
        if self.damping:
            H = H + self.damping * np.eye(len(theta))
        try:
            step = np.linalg.solve(H, g)  # H^{-1} g, by solving
        except np.linalg.LinAlgError:
            raise np.linalg.LinAlgError(
                f"the Hessian is singular at theta={theta}: Newton's step -H^-1 g is undefined "
                "there; use Newton(damping=...) with damping > 0"
            ) from None
        theta -= step  # theta <- theta - H^{-1} g


def clip_by_norm(g: np.ndarray, max_norm: float) -> np.ndarray:
    """Gradient clipping by norm (slide "Cliffs"): g <- g * min(1, max_norm / ||g||).

    The direction is kept; only a gradient longer than ``max_norm`` is shortened.
    """
    max_norm = check.positive("max_norm", max_norm)
    norm = np.linalg.norm(g)
    return g * (max_norm / norm) if norm > max_norm else g


class _ClippedGradient:
    """An objective seen through gradient clipping: value and Hessian unchanged."""

    def __init__(self, objective: Objective, max_norm: float):
        self.objective, self.max_norm = objective, max_norm

    def grad(self, theta):
        return clip_by_norm(self.objective.grad(theta), self.max_norm)

    def __getattr__(self, name):
        return getattr(self.objective, name)


@dataclass(frozen=True, eq=False)
class ClipGradNorm(Optimizer):
    """Any optimizer, fed gradients clipped to norm at most ``max_norm``.

    >>> opt = ClipGradNorm(SGD(lr=0.5), max_norm=1.0)
    """

    optimizer: Optimizer
    max_norm: float

    def __post_init__(self):
        if not isinstance(self.optimizer, Optimizer):
            raise ValueError(f"optimizer must be a cs551.optim.Optimizer, got {self.optimizer!r}")
        super().__post_init__()

    def init(self, theta):
        return self.optimizer.init(theta)

    def step(self, objective, theta, state):
        self.optimizer.step(_ClippedGradient(objective, self.max_norm), theta, state)


@dataclass(frozen=True)
class linear_decay:  # noqa: N801 -- a schedule is used like a function
    """Linear learning-rate decay -- slide "Stochastic gradient descent":

        eps_k = (1 - k/tau) eps_0 + (k/tau) eps_tau   for k <= tau,   eps_tau after.

    The slide suggests eps_tau of about 1% of eps_0.

    >>> schedule = linear_decay(0.1, 0.001, tau=100)
    >>> schedule(0), schedule(50), schedule(1000)
    (0.1, 0.0505, 0.001)
    """

    lr0: float
    lr_tau: float
    tau: int

    def __post_init__(self):
        check.positive("lr0", self.lr0)
        check.positive("lr_tau", self.lr_tau)
        check.positive_int("tau", self.tau)

    def __call__(self, k: int) -> float:
        alpha = min(k / self.tau, 1.0)  # alpha = k / tau, held at 1 after tau
        return (1 - alpha) * self.lr0 + alpha * self.lr_tau


@dataclass(frozen=True)
class _decay_after_k0:  # noqa: N801 -- the fields shared by the 1/k and 1/sqrt(k) schedules
    """eps_0 (``lr0``), held for about ``k0`` steps before the decay takes over."""

    lr0: float
    k0: float = 1.0

    def __post_init__(self):
        check.positive("lr0", self.lr0)
        check.positive("k0", self.k0)


@dataclass(frozen=True)
class inverse_decay(_decay_after_k0):  # noqa: N801 -- a schedule is used like a function
    """The 1/k schedule -- it satisfies the Robbins-Monro conditions of slide
    "Stochastic gradient descent" (sum eps_k = inf, sum eps_k^2 < inf):

        eps_k = eps_0 / (1 + k / k0).

    eps_0 is held for about k0 steps, then decays like eps_0 k0 / k. On a quadratic
    with smallest curvature lambda_min, E||theta_k - theta*||^2 falls like 1/k only
    when 2 eps_0 k0 lambda_min > 1; smaller, it falls more slowly.

    >>> schedule = inverse_decay(0.5, k0=10)
    >>> schedule(0), schedule(10), schedule(90)
    (0.5, 0.25, 0.05)
    """

    def __call__(self, k: int) -> float:
        return self.lr0 / (1 + k / self.k0)  # eps_k = eps_0 / (1 + k/k0)


@dataclass(frozen=True)
class inverse_sqrt_decay(_decay_after_k0):  # noqa: N801 -- a schedule is used like a function
    """The 1/sqrt(k) schedule: eps_k = eps_0 / sqrt(1 + k / k0).

    sum eps_k = inf but also sum eps_k^2 = inf (it behaves like the harmonic
    series): it fails the second Robbins-Monro condition, and SGD's noise ball
    shrinks only like eps_k, i.e. like 1/sqrt(k).

    >>> inverse_sqrt_decay(0.4, k0=1)(3)
    0.2
    """

    def __call__(self, k: int) -> float:
        return self.lr0 / math.sqrt(1 + k / self.k0)  # eps_k = eps_0 / sqrt(1 + k/k0)


@dataclass(frozen=True)
class exponential_decay:  # noqa: N801 -- a schedule is used like a function
    """Exponential decay eps_k = eps_0 gamma^k, 0 < gamma < 1.

    Its sum is finite, eps_0 / (1 - gamma): it fails the *first* Robbins-Monro
    condition. The iterates can travel only a bounded distance, so a fast decay
    stalls before the minimum.

    >>> exponential_decay(1.0, gamma=0.5)(3)
    0.125
    """

    lr0: float
    gamma: float

    def __post_init__(self):
        check.positive("lr0", self.lr0)
        check.in_interval("gamma", self.gamma, 0, 1, open_low=True, open_high=True)

    def __call__(self, k: int) -> float:
        # eps_k = eps_0 gamma^k, kept above 0 where gamma^k underflows (about k > 700 / -ln gamma)
        return max(self.lr0 * self.gamma**k, 1e-300)


@dataclass(frozen=True)
class step_decay:  # noqa: N801 -- a schedule is used like a function
    """Step decay: eps_k = eps_0 gamma^floor(k / step_size).

    The rate is cut by the factor gamma every ``step_size`` steps: PyTorch's
    ``torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma)``, counting SGD steps k
    where PyTorch's example counts epochs. Its sum is finite, eps_0 step_size / (1 - gamma):
    like ``exponential_decay`` it breaks the first Robbins-Monro condition, so in practice
    it is run for a few cuts only.

    >>> s = step_decay(0.05, gamma=0.1, step_size=30)  # PyTorch's documented example
    >>> [round(s(k), 6) for k in (0, 29, 30, 59, 60)]
    [0.05, 0.05, 0.005, 0.005, 0.0005]
    """

    lr0: float
    gamma: float
    step_size: int

    def __post_init__(self):
        check.positive("lr0", self.lr0)
        check.in_interval("gamma", self.gamma, 0, 1, open_low=True, open_high=True)
        check.positive_int("step_size", self.step_size)

    def __call__(self, k: int) -> float:
        # eps_k = eps_0 gamma^floor(k / step_size), kept above 0 where the power underflows
        return max(self.lr0 * self.gamma ** (k // self.step_size), 1e-300)


@dataclass(frozen=True)
class cosine_decay:  # noqa: N801 -- a schedule is used like a function
    """Cosine annealing: eps_k = eps_min + (eps_0 - eps_min) (1 + cos(pi k / tau)) / 2, k <= tau.

    Loshchilov & Hutter's schedule (SGDR, ICLR 2017) within one cycle, without its warm
    restarts: PyTorch's ``CosineAnnealingLR(optimizer, T_max=tau, eta_min=eps_min)`` for
    k <= tau. It leaves eps_0 as slowly as a constant, falls fastest at k = tau / 2 and
    arrives at eps_min as slowly as it left. After tau it stays at eps_min, as
    ``linear_decay`` stays at eps_tau (PyTorch's closed form would climb back up the
    cosine). eps_min must be > 0: SGD takes no step of size 0.

    >>> s = cosine_decay(1.0, 0.01, tau=100)
    >>> s(0), round(s(50), 6), s(100), s(1000)
    (1.0, 0.505, 0.01, 0.01)
    """

    lr0: float
    lr_min: float
    tau: int

    def __post_init__(self):
        check.positive("lr0", self.lr0)
        check.positive("lr_min", self.lr_min)
        check.positive_int("tau", self.tau)

    def __call__(self, k: int) -> float:
        alpha = min(k / self.tau, 1.0)  # k / tau, held at 1 after tau
        return self.lr_min + 0.5 * (self.lr0 - self.lr_min) * (1 + math.cos(math.pi * alpha))


@dataclass(frozen=True)
class warmup:  # noqa: N801 -- a schedule is used like a function
    """Linear warm-up: eps_k = (f + (1 - f) k / w) eps'_k for k < w, then eps'_k.

    Multiplies the rate eps'_k of ``schedule`` (a number or a schedule k -> eps'_k) by a
    factor that climbs linearly from ``start_factor`` f to 1 over the first ``steps`` w:
    PyTorch's ``LinearLR(optimizer, start_factor=f, end_factor=1.0, total_iters=w)``
    (chained with the schedule it warms up). Goyal et al. (2017) warm up over the first
    epochs when a large minibatch calls for a large eps that the first steps cannot take.

    >>> s = warmup(0.05, steps=4, start_factor=0.5)  # PyTorch's LinearLR example
    >>> [s(k) for k in range(6)]
    [0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05]
    """

    schedule: LearningRate
    steps: int
    start_factor: float = 0.1

    def __post_init__(self):
        if not callable(self.schedule):
            check.positive("schedule", self.schedule)
        check.positive_int("steps", self.steps)
        check.in_interval("start_factor", self.start_factor, 0, 1, open_low=True)

    def __call__(self, k: int) -> float:
        rate = self.schedule(k) if callable(self.schedule) else self.schedule  # eps'_k
        factor = self.start_factor + (1 - self.start_factor) * min(k / self.steps, 1.0)
        return factor * rate


@dataclass(frozen=True, eq=False)
class SaddleFreeNewton(Optimizer):
    """Newton's step with |H| -- beyond the slides (Dauphin et al., 2014, "saddle-free Newton").

        H = Q diag(lambda) Q^T,  |H| = Q diag(|lambda|) Q^T
        theta <- theta - (|H| + damping I)^{-1} g

    Along positive curvature it is Newton's step; along negative curvature the sign
    flips, so the step goes downhill and away from a saddle instead of towards it.
    """

    damping: float = 0.0

    def update(self, objective, theta, state, lr):
        g = objective.grad(theta)
        lambdas, Q = np.linalg.eigh(objective.hess(theta))
        scale = np.abs(lambdas) + self.damping  # the eigenvalues of |H| + damping I
        if np.any(scale == 0):
            raise np.linalg.LinAlgError(
                f"|H| + damping I is singular at theta={theta}; use damping > 0")
        theta -= Q @ ((Q.T @ g) / scale)  # theta <- theta - (|H| + damping I)^{-1} g


@dataclass
class Trajectory:
    """What ``minimize`` returns.

    ``thetas`` has shape (n + 1, d), theta_0 first; ``values`` holds f(theta_k).
    n equals the requested number of steps unless the run ``diverged``: then it
    stopped at the first iterate that blew up (see ``Run``); that iterate is
    kept when it is finite.
    """

    thetas: np.ndarray
    values: np.ndarray
    diverged: bool = False
    optimizer: Optimizer | None = field(default=None, repr=False)

    @property
    def steps(self) -> int:
        """The number of steps taken."""
        return len(self.thetas) - 1

    @property
    def theta(self) -> np.ndarray:
        """The last iterate."""
        return self.thetas[-1]

    @property
    def value(self) -> float:
        """f at the last iterate."""
        return float(self.values[-1])


def quiet_overflow() -> np.errstate:
    """Silence numpy's overflow warnings: a blow-up is detected and reported instead."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")


def _norm(theta: np.ndarray) -> float:
    """||theta||. A few numbers (a 2-D landscape's theta) in plain Python: 0.5 us, where one
    numpy call on them costs 1.5 (this is checked after every step)."""
    flat = np.asarray(theta).ravel()
    if flat.size <= 16:
        return math.hypot(*flat.tolist())
    return math.sqrt(float(flat @ flat))


def divergence_limit(value0: float, blowup: float) -> float:
    """The largest |f| a run may reach: ``blowup`` times max(1, |f(theta_0)|)."""
    return blowup * max(1.0, abs(value0))


def _value_diverged(value: float, value_limit: float) -> bool:
    """f(theta) is not finite, or |f(theta)| > ``value_limit``: the values' half of the rule."""
    return not math.isfinite(value) or abs(value) > value_limit


def diverged(theta: np.ndarray, value: float | None = None, *, blowup: float = 1e8,
             value_limit: float = math.inf) -> bool:
    """The course's one divergence rule: theta (or f(theta), when it was evaluated) is not
    finite, ||theta|| > ``blowup``, or |f(theta)| > ``value_limit``."""
    norm = _norm(theta)
    if not math.isfinite(norm) and not np.all(np.isfinite(theta)):  # the slow check, rarely
        return True
    return norm > blowup or (value is not None and _value_diverged(value, value_limit))


class Run:
    """The run loop, written once: ``steps`` iterations of ``optimizer`` on ``objective``.

        theta <- theta_0,  state <- optimizer.init(theta)
        for k = 1 .. steps:  optimizer.step(objective, theta, state)   (in place)

    Iterating yields ``(k, theta, value)`` for k = 0, 1, ..., with ``value`` = f(theta_k)
    when ``values`` is True (else None: the loop then costs only the gradients the
    optimizer asks for). ``theta`` is the run's one array, updated in place: copy it to
    keep it. Before the first step a stochastic objective is ``reset()``, so optimizers
    compared on it draw the same minibatches. Overflow warnings are silenced; the run
    stops at the first iterate that ``diverged`` (the value limit is ``blowup`` times
    max(1, |f(theta_0)|)), sets ``self.diverged`` and yields that iterate last if it is
    finite. ``state`` holds the optimizer's state after the last step.

    >>> run = Run(SGD(0.1), objective, theta0, steps=100, values=False)
    >>> for k, theta, _ in run: ...
    """

    def __init__(self, optimizer: Optimizer, objective: Objective, theta0: np.ndarray,
                 steps: int, *, blowup: float = 1e8, values: bool = True):
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a cs551.optim.Optimizer, got {optimizer!r}")
        self.optimizer, self.objective, self.values = optimizer, objective, values
        self.steps = check.non_negative_int("steps", steps)
        self.blowup = check.positive("blowup", blowup)
        self.theta = check.vector("theta0", theta0, objective.dim)
        self.state: State | None = None
        self.diverged = False

    def __iter__(self) -> Iterator[tuple[int, np.ndarray, float | None]]:
        objective, theta = self.objective, self.theta
        if hasattr(objective, "reset"):
            objective.reset()
        value = float(objective.value(theta)) if self.values else None
        limit = divergence_limit(value, self.blowup) if value is not None else math.inf
        self.state = self.optimizer.init(theta)
        with quiet_overflow():
            yield 0, theta, value
            for k in range(1, self.steps + 1):
                self.optimizer.step(objective, theta, self.state)
                value = float(objective.value(theta)) if self.values else None
                if diverged(theta, value, blowup=self.blowup, value_limit=limit):
                    self.diverged = True
                    if diverged(theta, value, blowup=math.inf):  # not finite: not shown
                        return
                    yield k, theta, value
                    return
                yield k, theta, value


def minimize(
    optimizer: Optimizer,
    objective: Objective,
    theta0: np.ndarray,
    steps: int,
    *,
    blowup: float = 1e8,
) -> Trajectory:
    """Run ``steps`` iterations of ``optimizer`` on ``objective`` from ``theta0``.

    A stochastic objective is ``reset()`` first, so optimizers compared on the same
    objective draw the same sequence of minibatches. A run that blows up (an
    iterate or value not finite, or ||theta|| > ``blowup``) stops there and is
    reported with ``diverged=True``, without overflow warnings (``Run``).

    f(theta_k) is evaluated after the run, for all iterates in one call (``values``):
    ``Run`` checks theta step by step, and the values' half of the rule is then applied here.
    """
    run = Run(optimizer, objective, theta0, steps, blowup=blowup, values=False)
    thetas = np.array([theta.copy() for _, theta, _ in run])
    with quiet_overflow():
        values = objective.values(thetas)
    limit = divergence_limit(float(values[0]), blowup)
    for k, value in enumerate(values.tolist()[1:], start=1):
        if _value_diverged(value, limit):  # as Run stops: that iterate shown if it is finite
            end = k if diverged(thetas[k], value, blowup=math.inf) else k + 1
            return Trajectory(thetas[:end], values[:end], True, optimizer)
    return Trajectory(thetas, values, run.diverged, optimizer)
