"""Adaptive learning rates (notebook 08): what AdaGrad and RMSProp do to each parameter's rate.

The slides' boxes "Steps for AdaGrad", "Steps for RMSProp" and "Steps for RMSProp with
Nesterov" are ``cs551.optim.AdaGrad``, ``RMSProp`` and ``RMSPropNesterov`` (``Adam``, beyond
the slides, too). This module looks inside them:

- ``effective_lr``: each parameter's own step size, eps / (delta + sqrt(r)) for AdaGrad and
  eps / sqrt(delta + r) for RMSProp, from the optimizer's state r;
- ``record``: a ``minimize`` run that also keeps those rates at every step;
- ``rmsprop_weights``: the weight (1 - rho) rho^j that RMSProp's r gives to the squared
  gradient of j steps ago (AdaGrad's r weighs every past gradient 1);
- ``escape_step``: when a run leaves a saddle;
- ``compare_on_digits``: the course's MLP on the digits, one ``History`` per optimizer;
- ``TorchRMSprop``, ``TorchAdagrad``, ``TorchAdam`` (beyond the slides): PyTorch's documented
  updates of ``torch.optim.RMSprop``, ``Adagrad``, ``Adam`` and ``AdamW`` in numpy, to set
  them beside the slides' boxes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from cs551 import _validate as check
from cs551.measure import first_index
from cs551.nn.network import train_digits
from cs551.objectives import Objective
from cs551.optim import (
    AccumulatorState,
    AdaGrad,
    Adam,
    AdamState,
    LearningRate,
    Optimizer,
    RMSProp,
    RMSPropNesterov,
    State,
    Trajectory,
    minimize,
)


def effective_lr(optimizer: Optimizer, state: State) -> np.ndarray:
    """Each parameter's step size after the step that produced ``state``.

    The step was Delta theta_i = -effective_lr_i * g_i, with

        AdaGrad:           eps / (delta + sqrt(r))            (slide "Steps for AdaGrad")
        RMSProp (+Nesterov): eps / sqrt(delta + r)          (slides "Steps for RMSProp ...")
        Adam:              eps / ((sqrt(r^) + delta) (1 - beta1^t))  (times the average s, not g)

    eps is the rate of the step just taken (k - 1, for a schedule).
    """
    if not hasattr(state, "r"):
        raise ValueError(f"optimizer must keep a squared-gradient accumulator r, got {optimizer!r}")
    return _effective_lrs(optimizer, state.r, [state.k])[0]


def _effective_lrs(optimizer: Optimizer, r: np.ndarray, ks) -> np.ndarray:
    """``effective_lr`` after each of the steps ``ks``, from their accumulators r (one row each)."""
    r = np.reshape(r, (len(ks), np.shape(r)[-1]))

    def column(values) -> np.ndarray:  # one value per step, against r's rows
        return np.array(list(values), dtype=float).reshape(-1, 1)

    lr = column(optimizer.lr_at(max(k - 1, 0)) for k in ks)  # eps of the step taken
    if isinstance(optimizer, AdaGrad):
        return lr / (optimizer.delta + np.sqrt(r))  # eps / (delta + sqrt(r))
    if isinstance(optimizer, RMSProp | RMSPropNesterov):
        return lr / np.sqrt(optimizer.delta + r)  # eps / sqrt(delta + r)
    if isinstance(optimizer, Adam):
        t = [max(k, 1) for k in ks]
        r_hat = r / column(1 - optimizer.beta2**j for j in t)
        return lr / ((np.sqrt(r_hat) + optimizer.delta) * column(1 - optimizer.beta1**j for j in t))
    raise ValueError(f"optimizer must be AdaGrad, RMSProp, RMSPropNesterov or Adam, "
                     f"got {optimizer!r}")


class _Recording(Optimizer):
    """An adaptive optimizer that writes down its accumulator r after every step."""

    def __init__(self, optimizer: Optimizer):
        self.optimizer, self.accumulators = optimizer, []

    def init(self, theta):
        self.accumulators = []
        return self.optimizer.init(theta)

    def step(self, objective, theta, state):
        self.optimizer.step(objective, theta, state)
        self.accumulators.append(state.r.copy())


@dataclass
class AdaptiveRun:
    """A ``Trajectory`` and ``rates[k]``: the effective rate of each parameter at step k + 1."""

    trajectory: Trajectory
    rates: np.ndarray  # shape (steps, d)

    def __getattr__(self, name):  # thetas, values, diverged, steps, theta, value
        return getattr(self.trajectory, name)


def record(optimizer: Optimizer, objective: Objective, theta0: np.ndarray,
           steps: int) -> AdaptiveRun:
    """``minimize(optimizer, objective, theta0, steps)``, keeping each step's ``effective_lr``."""
    recording = _Recording(optimizer)
    effective_lr(optimizer, optimizer.init(np.zeros(objective.dim)))  # fail early if no r
    trajectory = minimize(recording, objective, theta0, steps)
    accumulators = np.reshape(recording.accumulators[:trajectory.steps],
                              (trajectory.steps, objective.dim))
    rates = _effective_lrs(optimizer, accumulators, range(1, trajectory.steps + 1))
    trajectory.optimizer = optimizer
    return AdaptiveRun(trajectory, rates)


def rmsprop_weights(rho: float, k: int) -> np.ndarray:
    """The weights of RMSProp's r_k = sum_j w_j g_{k-j}^2 (r_0 = 0): w_j = (1 - rho) rho^j.

    Index j = 0 is the newest gradient, j = k - 1 the first. They sum to 1 - rho^k:
    the memory spans about 1 / (1 - rho) steps, and everything older than n steps
    weighs rho^n together. AdaGrad's r = sum_j g_{k-j}^2 has all weights 1.
    """
    rho = check.unit_interval("rho", rho)
    return (1 - rho) * rho ** np.arange(check.non_negative_int("k", k))


def escape_step(trajectory: Trajectory, threshold: float = 1.0, coordinate: int = 1) -> int | None:
    """The first step k with |theta_k[coordinate]| >= threshold (None if it never gets there).

    On ``Saddle`` (f = x^2 - y^2, start on the x axis) this is when a run has left
    the saddle along its escape direction y.
    """
    threshold = check.positive("threshold", threshold)
    return first_index(np.abs(trajectory.thetas[:, coordinate]) >= threshold)


def compare_on_digits(optimizers: Mapping[str, Optimizer], *, steps: int = 300,
                    batch_size: int = 32, hidden: Sequence[int] = (32,), seed: int = 0,
                    every: int = 10) -> dict:
    """Train ``mlp([64, *hidden, 10])`` on the digits with each optimizer, from the same start.

    Same initial theta, same seeded minibatches for every optimizer; returns label ->
    ``cs551.nn.History`` (training loss and error every ``every`` steps, validation too).
    Each run is ``cs551.nn.train_digits``.
    """
    return {label: train_digits(opt, steps=steps, batch_size=batch_size, hidden=hidden,
                                seed=seed, every=every) for label, opt in optimizers.items()}


# --- PyTorch's conventions (beyond the slides) ---------------------------------------------------


@dataclass(frozen=True, eq=False)
class TorchRMSprop(Optimizer):
    """``torch.optim.RMSprop(params, lr, alpha=rho, eps=delta)`` in numpy, as PyTorch's
    documentation states its update (no momentum, not centered, no weight decay):

        r <- alpha r + (1 - alpha) g (.) g          (PyTorch's alpha is the slide's rho)
        theta <- theta - eps g / (sqrt(r) + delta)   (delta outside the root)

    The slide's box has eps g / sqrt(delta + r). With delta = 0 the two are the same; with
    delta > 0 they agree where r >> delta and differ where the gradient is small.
    """

    lr: LearningRate  # eps (PyTorch's lr)
    alpha: float = 0.99  # rho (PyTorch's alpha: the decay of r, not momentum)
    eps: float = 1e-8  # delta (PyTorch's eps)

    def __post_init__(self):
        check.unit_interval("alpha", self.alpha)
        check.non_negative("eps", self.eps)
        super().__post_init__()

    def init(self, theta):
        return AccumulatorState(r=np.zeros_like(theta))  # r = 0

    def update(self, objective, theta, state, lr):
        r = state.r
        g = objective.grad(theta)
        r[:] = self.alpha * r + (1 - self.alpha) * g * g  # r <- rho r + (1 - rho) g (.) g
        theta -= lr * g / (np.sqrt(r) + self.eps)  # theta <- theta - eps g / (sqrt(r) + delta)


@dataclass(frozen=True, eq=False)
class TorchAdagrad(Optimizer):
    """``torch.optim.Adagrad(params, lr, eps=delta, initial_accumulator_value=r0)`` in numpy,
    as PyTorch states its update (no lr_decay, no weight decay):

        r <- r + g (.) g                  (r starts at r0, not 0)
        theta <- theta - eps g / (sqrt(r) + delta)

    The slide's AdaGrad box with r starting at r0: with r0 = 0 the same update. A positive
    r0 caps each parameter's first rates at eps / sqrt(r0).
    """

    lr: LearningRate  # eps (PyTorch's lr)
    eps: float = 1e-10  # delta (PyTorch's eps)
    initial_accumulator_value: float = 0.0  # r0

    def __post_init__(self):
        check.non_negative("eps", self.eps)
        check.non_negative("initial_accumulator_value", self.initial_accumulator_value)
        super().__post_init__()

    def init(self, theta):
        return AccumulatorState(r=np.full_like(theta, self.initial_accumulator_value))

    def update(self, objective, theta, state, lr):
        r = state.r
        g = objective.grad(theta)
        r += g * g  # r <- r + g (.) g
        theta -= lr * g / (np.sqrt(r) + self.eps)  # theta <- theta - eps g / (sqrt(r) + delta)


@dataclass(frozen=True, eq=False)
class TorchAdam(Optimizer):
    """``torch.optim.Adam(params, lr, betas=(beta1, beta2), eps, weight_decay=lam)`` in numpy,
    and with ``decoupled=True`` ``torch.optim.AdamW`` (Loshchilov and Hutter, "Decoupled
    weight decay regularization", ICLR 2019), as PyTorch states their updates:

        Adam:  g <- g + lam theta                  (L2: the decay enters the averages)
        AdamW: theta <- theta - eps lam theta      (decoupled: applied to theta directly)
        then   s <- beta1 s + (1 - beta1) g,  r <- beta2 r + (1 - beta2) g (.) g
               theta <- theta - eps s^ / (sqrt(r^) + delta)   (s^, r^ bias-corrected)

    With lam = 0 both are ``cs551.optim.Adam``. With lam > 0, Adam divides the decay, like
    the gradient, by sqrt(r^); AdamW shrinks every parameter by the same factor 1 - eps lam.
    """

    lr: LearningRate = 1e-3  # eps (PyTorch's lr)
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8  # delta (PyTorch's eps)
    weight_decay: float = 0.0  # lam
    decoupled: bool = False  # True: AdamW

    def __post_init__(self):
        check.non_negative("eps", self.eps)
        check.non_negative("weight_decay", self.weight_decay)
        if not isinstance(self.decoupled, bool):
            raise ValueError(f"decoupled must be True or False, got {self.decoupled!r}")
        super().__post_init__()

    def init(self, theta):
        return AdamState(s=np.zeros_like(theta), r=np.zeros_like(theta))

    def update(self, objective, theta, state, lr):
        s, r, t = state.s, state.r, state.k + 1
        g = objective.grad(theta)
        if self.decoupled:
            theta -= lr * self.weight_decay * theta  # AdamW: theta <- theta - eps lam theta
        else:
            g = g + self.weight_decay * theta  # Adam: g <- g + lam theta (L2 penalty)
        s[:] = self.beta1 * s + (1 - self.beta1) * g  # s <- beta1 s + (1 - beta1) g
        r[:] = self.beta2 * r + (1 - self.beta2) * g * g  # r <- beta2 r + (1 - beta2) g (.) g
        s_hat = s / (1 - self.beta1**t)  # bias-corrected first moment
        r_hat = r / (1 - self.beta2**t)  # bias-corrected second moment
        theta -= lr * s_hat / (np.sqrt(r_hat) + self.eps)


def one_step(optimizer: Optimizer, objective: Objective, theta: np.ndarray) -> np.ndarray:
    """The first step theta_1 - theta_0 of ``optimizer`` from ``theta`` (fresh state)."""
    theta = np.array(theta, dtype=float)
    return minimize(optimizer, objective, theta, 1).theta - theta


def denominators(r: np.ndarray, delta: float) -> dict[str, np.ndarray]:
    """The divisors of eps g at accumulator values ``r``: the slide's RMSProp box
    sqrt(delta + r), PyTorch's sqrt(r) + delta, and their ratio (PyTorch's step over the
    slide's: above 1 where PyTorch steps farther)."""
    r = np.asarray(r, dtype=float)
    delta = check.non_negative("delta", delta)
    slide, torch = np.sqrt(delta + r), np.sqrt(r) + delta
    return {"slide: sqrt(delta + r)": slide, "PyTorch: sqrt(r) + delta": torch,
            "PyTorch's step / slide's": slide / torch}
