"""Stochastic gradient descent: what the minibatch noise does (notebook 05).

Slides "Stochastic gradient descent" (both of them). The optimizer is
``cs551.optim.SGD`` (theta <- theta - eps_k g, with g from a sampled minibatch);
the schedules eps_k are in ``cs551.optim``. This module holds the experiments
that show the slides' claims:

- ``gradient_covariance``: the covariance of the minibatch gradient at a point.
  At the minimum its mean (the true gradient) is 0, the minibatch gradient is not.
- ``gradient_norms``: ||grad J(theta_k)|| and ||g_k|| along a run: batch gradient
  descent drives both to 0, SGD with a constant eps does not.
- ``noise_ball_sweep``: with a constant eps, SGD hovers around theta* in a "noise
  ball" whose mean squared radius is proportional to eps; measured, and predicted
  exactly (``stationary_msd``) and to first order (``first_order_msd``);
  ``noisy_quadratic_msd`` is the exact radius on a quadratic with ``NoisyGradient``.
- ``squared_distances``: ||theta_k - theta*||^2 along a run; ``compare_schedules``
  averages it over 100 runs at once (``stacked_copies``); ``partial_sums``: sum eps_k
  and sum eps_k^2 (the Robbins-Monro conditions).
- ``examples_to_tolerance``: how many training examples SGD and batch gradient
  descent process before the excess risk is below a tolerance.
- the cloud a noisy-gradient run (``cs551.objectives.NoisyGradient``, a model of minibatch
  noise on the course's landscapes) leaves: ``tail_msd`` its size, ``cloud`` its centre and
  spread; ``train_digits``: the real problem.
- ``train_in_passes``: SGD on training sets drawn from a known distribution
  (``RegressionSets``), read in passes: on the first pass the loss of each fresh
  minibatch tracks the risk J*, on later passes the training loss falls away from it
  (slide "Minibatch": SGD minimizes generalization error on a stream of data).
- ``schedule_endings`` compares schedules (``cs551.optim``'s, including the step, cosine
  and warm-up schedules beyond the slide's linear decay) on the digits over several seeds,
  ``learning_rate_ladder`` runs the "divide by 3 until stable" recipe and
  ``first_steps_verdict`` reads a run's first steps.
- ``check_linear_decay``: the "your turn" check of the slide's eps_k against
  ``cs551.optim.linear_decay``, with a plain-words message saying what is off.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from cs551 import _validate as check
from cs551.gradient_noise import per_example_gradients
from cs551.measure import loglog_slope
from cs551.nn import History, train_digits
from cs551.objectives import LeastSquares, MinibatchObjective, NoisyGradient, Objective, Quadratic
from cs551.optim import SGD, LearningRate, Optimizer, Run, linear_decay


def gradient_covariance(objective: MinibatchObjective, theta: np.ndarray,
                        batch_size: int | None = None) -> np.ndarray:
    """Sigma_B, the covariance of the minibatch gradient g at theta, computed exactly.

    With per-example gradients g_i (``cs551.gradient_noise.per_example_gradients``), their
    mean grad J(theta) and S = 1/m sum (g_i - grad J)(g_i - grad J)^T, a minibatch of B
    examples drawn without replacement (as ``MinibatchObjective.sample`` does) has

        E[g] = grad J(theta),    Cov[g] = Sigma_B = (m - B) / (m - 1) * S / B.

    At theta* the mean is 0 but Sigma_B is not: the minibatch gradient does not vanish.
    ``batch_size`` defaults to the objective's (None: the full batch, Sigma = 0).
    """
    m = objective.m
    B = (objective.batch_size or m) if batch_size is None else batch_size
    if not isinstance(B, int | np.integer) or not 1 <= B <= m:
        raise ValueError(f"batch_size must be an integer in [1, {m}], got {batch_size!r}")
    G = per_example_gradients(objective, check.vector("theta", theta, objective.dim))
    centered = G - G.mean(axis=0)
    S = centered.T @ centered / m
    return (m - B) / max(m - 1, 1) / B * S


class _Recorder:
    """An objective that remembers the gradients its optimizer asked for."""

    def __init__(self, objective):
        self.objective, self.used, self.true = objective, [], []

    def grad(self, theta):
        g = self.objective.grad(theta)
        self.used.append(float(np.linalg.norm(g)))
        exact = getattr(self.objective, "full_grad", self.objective.grad)
        self.true.append(float(np.linalg.norm(exact(theta))))
        return g

    def __getattr__(self, name):
        return getattr(self.objective, name)


def gradient_norms(optimizer: Optimizer, objective: Objective, theta0: np.ndarray,
                   steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(||grad J(theta_k)||, ||g_k||) for k = 0 .. steps - 1 along a run.

    The first is the true gradient at the iterate (``full_grad``), the second the
    gradient the optimizer used (a minibatch gradient, for SGD). With batch
    gradient descent they are the same, and both go to 0.
    """
    recorder = _Recorder(objective)
    for _ in Run(optimizer, recorder, theta0, check.positive_int("steps", steps), values=False):
        pass
    return np.array(recorder.true), np.array(recorder.used)


def iterates(optimizer: Optimizer, objective: Objective, theta0: np.ndarray, steps: int,
             blowup: float = 1e8) -> tuple[np.ndarray, bool]:
    """(theta_0 .. theta_n, diverged): a run like ``minimize``'s, without evaluating J.

    For explorers that redraw a path on every slider move: only the gradients the
    optimizer asks for are computed. Stops (``diverged=True``) at the first iterate
    that is not finite or has ||theta|| > ``blowup``; that iterate is not kept.
    """
    run = Run(optimizer, objective, theta0, steps, blowup=blowup, values=False)
    thetas = []
    for _, theta, _ in run:
        if run.diverged:  # the iterate that blew up is not kept
            break
        thetas.append(theta.copy())
    return np.array(thetas), run.diverged


def squared_distances(optimizer: Optimizer, objective: Objective, theta0: np.ndarray,
                      steps: int, target: np.ndarray | None = None) -> np.ndarray:
    """||theta_k - theta*||^2 for k = 0 .. steps (theta* = ``objective.minimizer`` by default).

    Like ``minimize`` (same minibatches, same ``reset``), but it keeps only the
    distances and never evaluates the training loss, so long runs stay cheap.
    A run that blows up gets ``inf`` from there on.
    """
    target = objective.minimizer if target is None else check.vector("target", target)
    run = Run(optimizer, objective, theta0, steps, values=False)
    out = np.full(run.steps + 1, np.inf)
    for k, theta, _ in run:
        if run.diverged:  # inf from the step that blew up on
            break
        out[k] = np.sum((theta - target) ** 2)
    return out


def tail_msd(thetas: np.ndarray, target: np.ndarray, fraction: float = 0.25) -> float:
    """Mean of ||theta_k - target||^2 over the last ``fraction`` of the iterates (n, d)."""
    thetas = np.asarray(getattr(thetas, "thetas", thetas), dtype=float)
    check.in_interval("fraction", fraction, 0, 1, open_low=True)
    tail = thetas[len(thetas) - max(1, int(fraction * len(thetas))):]
    return float(np.mean(np.sum((tail - target) ** 2, axis=1)))


def cloud(thetas: np.ndarray, target: np.ndarray,
          fraction: float = 0.25) -> tuple[np.ndarray, float, float]:
    """(centre, spread, mean squared distance) of the last ``fraction`` of the iterates (n, d).

    The centre is the mean iterate, the spread the RMS distance to it; the mean squared
    distance to ``target`` (``tail_msd``) is spread^2 + ||centre - target||^2.
    """
    thetas = np.asarray(getattr(thetas, "thetas", thetas), dtype=float)
    check.in_interval("fraction", fraction, 0, 1, open_low=True)
    tail = thetas[len(thetas) - max(1, int(fraction * len(thetas))):]
    centre = tail.mean(axis=0)
    spread = float(np.sqrt(np.mean(np.sum((tail - centre) ** 2, axis=1))))
    return centre, spread, tail_msd(thetas, target, fraction)


def first_order_msd(H: np.ndarray, covariance: np.ndarray, lr: float) -> float:
    """E||theta - theta*||^2 of SGD's noise ball for small eps: (eps / 2) tr(H^-1 Sigma).

    Near theta*, delta = theta - theta* follows delta <- (I - eps H) delta - eps xi
    with Cov[xi] = Sigma. Its stationary covariance P solves
    P = (I - eps H) P (I - eps H) + eps^2 Sigma, i.e. H P + P H - eps H P H = eps Sigma;
    dropping the eps H P H term and taking the trace of H^-1 (...) gives
    tr P = (eps / 2) tr(H^-1 Sigma): proportional to eps.
    """
    lr = check.positive("lr", lr)
    return float(0.5 * lr * np.trace(np.linalg.solve(H, covariance)))


def noisy_quadratic_msd(objective: Objective, sigma: float, lr: float) -> float:
    """The exact E||theta - theta*||^2 of constant-eps SGD on a quadratic with gradient noise.

    ``objective`` is a ``Quadratic`` (Hessian H, eigenvalues lambda_i) seen through
    ``NoisyGradient(objective, sigma)``. In H's eigenbasis the coordinates are
    independent 1-D problems, each with the stationary variance that
    ``noise_ball_1d`` derives, so

        E||theta - theta*||^2 = sum_i eps sigma^2 / (lambda_i (2 - eps lambda_i)),

    about (eps / 2) sigma^2 tr(H^-1) for small eps. ``inf`` when eps >= 2 / lambda_max.
    """
    lr = check.positive("lr", lr)
    sigma = check.non_negative("sigma", sigma)
    lam = np.linalg.eigvalsh(objective.hess(objective.minimizer))
    if lam[0] <= 0:
        raise ValueError(f"objective must have a positive definite Hessian, got eigenvalues {lam}")
    if lr * lam[-1] >= 2:
        return math.inf
    return float(np.sum(lr * sigma**2 / (lam * (2 - lr * lam))))


def stationary_msd(objective: LeastSquares, lr: float) -> float:
    """The exact E||theta - theta*||^2 of single-example SGD on least squares, after burn-in.

    With one example i per step, the gradient at theta is x_i x_i^T delta + g*_i
    (g*_i is example i's gradient at theta*), so delta = theta - theta* follows

        delta <- (I - eps x_i x_i^T) delta - eps g*_i.

    The example i is independent of delta and E[delta] -> 0, so the stationary
    P = E[delta delta^T] solves P = E_i[A_i P A_i^T] + eps^2 E_i[g*_i g*_i^T] with
    A_i = I - eps x_i x_i^T: a linear system for vec P, solved here. Returns
    ``inf`` when eps is too large for the second moment to settle.
    """
    lr = check.positive("lr", lr)
    if objective.batch_size != 1:
        raise ValueError(f"stationary_msd is exact for batch_size=1, got {objective.batch_size!r}"
                         " (use first_order_msd with gradient_covariance for other sizes)")
    X, d = objective.X, objective.dim
    G = per_example_gradients(objective, objective.minimizer)
    Z = np.einsum("ij,ik->ijk", X, X).reshape(len(X), d * d)  # rows: vec(x_i x_i^T)
    eye = np.eye(d)
    H = X.T @ X / len(X)
    # E_i[A_i (x) A_i] = I - eps (H (x) I + I (x) H) + eps^2 E[(x x^T) (x) (x x^T)]
    M = np.eye(d * d) - lr * (np.kron(H, eye) + np.kron(eye, H)) + lr**2 * Z.T @ Z / len(X)
    if np.max(np.abs(np.linalg.eigvals(M))) >= 1:
        return math.inf
    P = np.linalg.solve(np.eye(d * d) - M, (lr**2 * G.T @ G / len(X)).ravel()).reshape(d, d)
    return float(np.trace(P))


def noise_ball(optimizer: Optimizer, objective: MinibatchObjective, steps: int,
               burn_in: int) -> float:
    """Mean of ||theta_k - theta*||^2 over k = burn_in + 1 .. steps, starting *at* theta*.

    The run starts at the minimum: the minibatch gradient there is not 0, so SGD
    walks away and settles into its noise ball; the time average measures it.
    """
    steps = check.positive_int("steps", steps)
    burn_in = check.non_negative_int("burn_in", burn_in)
    if burn_in >= steps:
        raise ValueError(f"burn_in must be < steps = {steps}, got {burn_in!r}")
    distances = squared_distances(optimizer, objective, objective.minimizer, steps)
    return float(np.mean(distances[burn_in + 1:]))


@dataclass(frozen=True)
class NoiseBall:
    """What ``noise_ball_sweep`` measured: one entry per learning rate."""

    lrs: np.ndarray
    measured: np.ndarray
    exact: np.ndarray
    first_order: np.ndarray
    steps: np.ndarray

    def slope(self, max_lr: float | None = None) -> float:
        """The log-log slope of the measured radius^2 against eps (1: proportional)."""
        keep = self.lrs <= (max_lr if max_lr is not None else np.inf)
        return loglog_slope(self.lrs[keep], self.measured[keep])

    def table(self) -> str:
        rows = [f"{'eps':>6} {'steps':>6} {'measured':>9} {'exact':>9} {'eps/2 tr(H^-1 S)':>17}"]
        for lr, n, meas, ex, fo in zip(self.lrs, self.steps, self.measured, self.exact,
                                       self.first_order, strict=True):
            rows.append(f"{lr:6.3g} {n:6d} {meas:9.3g} {ex:9.3g} {fo:17.3g}")
        return "\n".join(rows)


def noise_ball_sweep(objective: LeastSquares, lrs: Sequence[float], samples: int = 100,
                     min_steps: int = 1000) -> NoiseBall:
    """The noise ball of constant-eps SGD for each eps in ``lrs``: measured and predicted.

    For each eps the run is long enough for about ``samples`` independent looks at
    the ball. The run starts at theta*, and E||theta_k - theta*||^2 climbs to its
    stationary value like 1 - (1 - eps lambda_min)^(2k) (the 1-D model of
    ``noise_ball_1d``): after a burn-in of 2 / (eps lambda_min) steps it
    is within e^-4 = 2% of it. The distance forgets its past in about
    1 / (2 eps lambda_min) steps, so ``samples`` / (2 eps lambda_min) more steps are
    averaged (at least ``min_steps`` in all).
    ``exact`` needs batch size 1 (``stationary_msd``); otherwise it is NaN.
    """
    lrs = np.array([check.positive("lr", lr) for lr in lrs])
    samples = check.positive_int("samples", samples)
    H = objective.X.T @ objective.X / objective.m
    lam_min = float(np.linalg.eigvalsh(H)[0])
    covariance = gradient_covariance(objective, objective.minimizer)
    measured, exact, first, steps = [], [], [], []
    for lr in lrs:
        burn_in = math.ceil(2 / (lr * lam_min))
        n = max(min_steps, burn_in + math.ceil(samples / (2 * lr * lam_min)))
        measured.append(noise_ball(SGD(float(lr)), objective, n, burn_in))
        exact.append(stationary_msd(objective, lr) if objective.batch_size == 1 else np.nan)
        first.append(first_order_msd(H, covariance, lr))
        steps.append(n)
    return NoiseBall(lrs, np.array(measured), np.array(exact), np.array(first), np.array(steps))


def stacked_copies(objective: Quadratic, copies: int) -> Quadratic:
    """``copies`` independent copies of a quadratic, stacked into one of dimension copies * d.

    theta = (theta^(1), ..., theta^(copies)) and f(theta) = sum_r f(theta^(r)): the
    Hessian is block diagonal, so gradient steps never mix the copies, and with
    ``NoisyGradient`` every copy gets its own independent noise. One SGD run on the
    stack is ``copies`` independent runs at the Python cost of one; ||theta - theta*||^2
    divided by ``copies`` is their average squared distance.
    """
    copies = check.positive_int("copies", copies)
    if not isinstance(objective, Quadratic):
        raise ValueError(f"objective must be a cs551.objectives.Quadratic, got {objective!r}")
    stack = Quadratic(np.kron(np.eye(copies), objective.H), np.tile(objective.b, copies),
                      name=f"{copies} copies of {objective.name}")
    if objective.start is not None:
        stack.start = np.tile(objective.start, copies)
    return stack


def compare_schedules(schedules: Mapping[str, float | Callable[[int], float]],
                      objective: Quadratic, sigma: float, steps: int, runs: int = 100,
                      seed: int = 0) -> dict[str, np.ndarray]:
    """E||theta_k - theta*||^2 for SGD with each schedule, averaged over ``runs`` runs.

    The runs are ``stacked_copies`` of the quadratic with gradient noise sigma
    (``NoisyGradient``, the same ``seed`` for every schedule), all started at
    ``objective.start``. Returns k -> the average squared distance, k = 0 .. steps.
    """
    runs = check.positive_int("runs", runs)
    stack = NoisyGradient(stacked_copies(objective, runs), sigma, seed)
    return {name: squared_distances(SGD(lr), stack, stack.start, steps) / runs
            for name, lr in schedules.items()}


def partial_sums(schedule: float | Callable[[int], float],
                 checkpoints: Sequence[int]) -> np.ndarray:
    """sum_{k < N} eps_k and sum_{k < N} eps_k^2 at each N in ``checkpoints``: shape (n, 2).

    ``schedule`` is a constant eps or a schedule k -> eps_k (k = 0, 1, ...).
    Robbins-Monro asks for the first to grow without bound and the second to stay
    bounded; the numbers show which way each schedule goes.
    """
    checkpoints = [check.positive_int("checkpoint", n) for n in checkpoints]
    if not callable(schedule):
        lr = check.positive("schedule", schedule)
        schedule = lambda k: lr  # noqa: E731 -- a constant schedule
    eps = np.array([schedule(k) for k in range(max(checkpoints))])
    s1, s2 = np.cumsum(eps), np.cumsum(eps**2)
    return np.array([[s1[n - 1], s2[n - 1]] for n in checkpoints])


@dataclass(frozen=True)
class ToleranceRun:
    """What ``examples_to_tolerance`` found."""

    reached: bool
    steps: int
    examples: int
    m: int

    @property
    def passes(self) -> float:
        """Examples processed, in passes (epochs) over the training set."""
        return self.examples / self.m


def examples_to_tolerance(optimizer: Optimizer, objective: LeastSquares, theta0: np.ndarray,
                          tol: float, max_steps: int = 100_000) -> ToleranceRun:
    """Run until J(theta) - J* <= ``tol``; count the training examples the gradients used.

    Slide "Stochastic gradient descent": on a large training set, SGD may get
    within a fixed tolerance before it has processed every example once. The
    count is the objective's ``examples_seen`` (m per step for the full batch).
    """
    tol = check.positive("tol", tol)
    max_steps = check.positive_int("max_steps", max_steps)
    H = objective.X.T @ objective.X / objective.m
    target = objective.minimizer
    for k, theta, _ in Run(optimizer, objective, theta0, max_steps, values=False):
        delta = theta - target
        excess = 0.5 * delta @ H @ delta  # = J(theta) - J*, exactly
        if k and excess <= tol:
            return ToleranceRun(True, k, objective.examples_seen, objective.m)
    return ToleranceRun(False, k, objective.examples_seen, objective.m)


# --- what SGD minimizes: fresh examples, then the same examples again ------------------------


class RegressionSets(Objective):
    """``sets`` independent least-squares problems from one known distribution, read in passes.

    Slide "Minibatch": SGD minimizes generalization error on minibatches drawn from a
    stream of data. Each set is a training set of M examples of

        x ~ N(0, I_d),   y = x^T w + sigma xi,   xi ~ N(0, 1),   ||w|| = 1  (a new w per set),

    with the per-example loss L = 1/2 (x^T theta - y)^2, the training loss
    J(theta) = 1/M sum_i L_i and the risk, exactly (x^T theta - y = x^T (theta - w) - sigma xi):

        J*(theta) = E[L] = 1/2 (||theta - w||^2 + sigma^2),   minimal at theta = w: sigma^2 / 2.

    theta stacks the sets' parameter vectors (``dim`` = sets * d) and ``grad`` returns each
    set's minibatch gradient g = 1/m sum_{i in B} grad L_i, stacked: one SGD run trains all
    sets at once and independently (like ``stacked_copies``). The minibatches come in
    passes: each pass is a fresh seeded shuffle of the M indices cut into M/m minibatches
    (the same indices in every set), so the first pass uses every example once. ``grad``
    records the loss on its minibatch at the theta it is about to update
    (``minibatch_losses``, averaged over the sets). ``value`` is the sum of the sets'
    training losses (the function ``grad`` estimates the gradient of); ``train_loss`` and
    ``risk`` are averages over the sets.
    """

    name = "least squares on training sets from a known distribution"

    def __init__(self, sets: int = 100, M: int = 100, d: int = 50, batch_size: int = 5,
                 sigma: float = 1.0, seed: int = 0):
        self.sets = check.positive_int("sets", sets)
        self.M = check.positive_int("M", M)
        self.d = check.positive_int("d", d)
        self.batch_size = check.positive_int("batch_size", batch_size)
        if M % batch_size:
            raise ValueError(f"batch_size must divide M = {M} (whole passes), got {batch_size!r}")
        self.sigma = check.positive("sigma", sigma)
        self.seed = check.non_negative_int("seed", seed)
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((sets, M, d))
        w = rng.standard_normal((sets, d))
        self.w = w / np.linalg.norm(w, axis=1, keepdims=True)  # ||w|| = 1
        self.y = (self.X @ self.w[:, :, None])[..., 0] + sigma * rng.standard_normal((sets, M))
        self.dim = sets * d
        self.minimizer = None  # of J*: w; of J: each set's least-squares fit
        self.reset()

    @property
    def steps_per_pass(self) -> int:
        """M / m: the SGD steps that use every training example once."""
        return self.M // self.batch_size

    def reset(self) -> None:
        """Restart the stream of minibatches (pass 1 again) and forget the recorded losses."""
        self.rng = np.random.default_rng(self.seed + 1)  # the order; the data used seed
        self.order = np.arange(0)
        self.minibatch_losses: list[float] = []

    def sample(self) -> np.ndarray:
        """The next minibatch's indices: the next m of this pass's shuffle (a new pass when
        the last one is used up)."""
        if len(self.order) == 0:
            self.order = self.rng.permutation(self.M)
        batch, self.order = self.order[:self.batch_size], self.order[self.batch_size:]
        return batch

    def _residuals(self, theta, idx=None) -> np.ndarray:
        """x_i^T theta_s - y_i for the examples idx (default: all) of every set s: (sets, n)."""
        thetas = np.asarray(theta, dtype=float).reshape(self.sets, self.d, 1)
        X, y = (self.X, self.y) if idx is None else (self.X[:, idx], self.y[:, idx])
        return (X @ thetas)[..., 0] - y

    def grad(self, theta):
        idx = self.sample()
        r = self._residuals(theta, idx)
        self.minibatch_losses.append(float(0.5 * np.mean(r**2)))  # before the step uses it
        g = (r[:, None, :] @ self.X[:, idx])[:, 0] / len(idx)  # 1/m sum_i grad L_i, per set
        return g.ravel()

    def value(self, theta):
        return self.sets * self.train_loss(theta)

    def train_loss(self, theta: np.ndarray) -> float:
        """J(theta): the loss on all M training examples, averaged over the sets."""
        return float(0.5 * np.mean(self._residuals(theta) ** 2))

    def risk(self, theta: np.ndarray) -> float:
        """J*(theta) = 1/2 (||theta - w||^2 + sigma^2), exactly, averaged over the sets."""
        thetas = np.asarray(theta, dtype=float).reshape(self.sets, self.d)
        return float(0.5 * (np.mean(np.sum((thetas - self.w) ** 2, axis=1)) + self.sigma**2))

    def sample_risk(self, theta: np.ndarray, n: int, seed: int = 1) -> float:
        """J* estimated as the mean loss on n fresh examples per set (a held-out set)."""
        rng = np.random.default_rng(check.non_negative_int("seed", seed))
        X = rng.standard_normal((self.sets, check.positive_int("n", n), self.d))
        y = (X @ self.w[:, :, None])[..., 0] + self.sigma * rng.standard_normal((self.sets, n))
        thetas = np.asarray(theta, dtype=float).reshape(self.sets, self.d, 1)
        return float(0.5 * np.mean(((X @ thetas)[..., 0] - y) ** 2))


@dataclass(frozen=True)
class Passes:
    """What ``train_in_passes`` recorded.

    ``minibatch_loss[k]``: the loss on step k+1's minibatch at theta_k, before the step;
    ``risk[k]`` = J*(theta_k) and ``train_loss[k]`` = J(theta_k) for k = 0 .. steps;
    ``steps_per_pass`` = M / m; ``best_risk`` = sigma^2 / 2, the smallest J* of any theta;
    ``theta`` the last iterate.
    """

    minibatch_loss: np.ndarray
    risk: np.ndarray
    train_loss: np.ndarray
    steps_per_pass: int
    best_risk: float
    theta: np.ndarray

    @property
    def passes(self) -> int:
        """The number of passes over the training set."""
        return len(self.minibatch_loss) // self.steps_per_pass

    def per_pass(self, values: np.ndarray) -> np.ndarray:
        """The mean of per-step ``values`` over each pass (steps k of pass p: theta_k with
        (p - 1) M/m <= k < p M/m)."""
        n = self.passes * self.steps_per_pass
        return np.asarray(values[:n]).reshape(self.passes, self.steps_per_pass).mean(axis=1)

    def gap(self) -> np.ndarray:
        """Per pass: mean of J*(theta_k) - (loss on the minibatch at theta_k): ~0 on pass 1."""
        return self.per_pass(self.risk[:-1] - self.minibatch_loss)

    def first_pass_error(self) -> float:
        """The standard error of pass 1's gap: on pass 1 each minibatch is fresh, so the
        differences J*(theta_k) - (its loss) are uncorrelated, mean 0; this is their
        standard deviation over sqrt(M/m)."""
        n = self.steps_per_pass
        diffs = self.risk[:n] - self.minibatch_loss[:n]
        return float(np.std(diffs, ddof=1) / np.sqrt(n))

    def table(self) -> str:
        """Per pass: the minibatch loss, J*, their gap, and J at the end of the pass."""
        rows = [f"{'pass':>4}  {'minibatch loss':>14}  {'held-out J*':>11}  {'gap':>6}  "
                f"{'training loss J at the end':>26}"]
        ends = self.train_loss[self.steps_per_pass::self.steps_per_pass]
        for p, (mb, risk, gap, end) in enumerate(zip(
                self.per_pass(self.minibatch_loss), self.per_pass(self.risk[:-1]), self.gap(),
                ends, strict=True), start=1):
            rows.append(f"{p:4d}  {mb:14.3f}  {risk:11.3f}  {gap:6.3f}  {end:26.3f}")
        return "\n".join(rows)


def train_in_passes(lr: float, passes: int, objective: RegressionSets | None = None) -> Passes:
    """SGD (constant eps = ``lr``) for ``passes`` passes over ``objective``'s training sets.

    Starts at theta = 0 and records, at every iterate theta_k, the risk J*(theta_k) and the
    training loss J(theta_k), and the loss of each minibatch before its step. On pass 1
    the minibatch is fresh, independent of theta_k, so E[g] = grad J*(theta_k) and its loss
    is an unbiased estimate of J*(theta_k) (Goodfellow et al., section 8.1.3); from pass 2 on
    the examples have been used, and g estimates grad J instead.
    """
    lr = check.positive("lr", lr)
    passes = check.positive_int("passes", passes)
    objective = RegressionSets() if objective is None else objective
    if not isinstance(objective, RegressionSets):
        raise ValueError(f"objective must be a RegressionSets, got {objective!r}")
    risk, train = [], []
    run = Run(SGD(lr), objective, np.zeros(objective.dim), passes * objective.steps_per_pass,
              values=False)
    for _, theta, _ in run:
        risk.append(objective.risk(theta))  # J*(theta_k)
        train.append(objective.train_loss(theta))  # J(theta_k)
    if run.diverged:
        raise ValueError(f"lr = {lr} is too large: SGD diverged on {objective.name}")
    return Passes(np.array(objective.minibatch_losses), np.array(risk), np.array(train),
                  objective.steps_per_pass, 0.5 * objective.sigma**2, run.theta.copy())


# --- schedules beyond the slide: step, cosine, warm-up -------------------------------------------
def schedule_endings(schedules: Mapping[str, LearningRate], batch_size: int | None,
                     steps: int = 200, seeds: Sequence[int] = range(5)) -> dict[str, np.ndarray]:
    """The digits MLP trained with SGD under each schedule: the final training loss per seed.

    ``train_digits`` (64 -> 32 ReLU -> 10) for ``steps`` steps of minibatches of
    ``batch_size`` (None: the full batch), once per seed (the seed sets the initial weights
    and the minibatches; every schedule gets the same ones). A run that diverged gets
    ``inf``. Returns name -> array of the final training losses, one per seed.
    """
    check.positive_int("steps", steps)
    seeds = [check.non_negative_int("seed", seed) for seed in seeds]
    endings = {}
    for name, lr in schedules.items():
        runs = [train_digits(SGD(lr), steps=steps, batch_size=batch_size, every=steps, seed=seed)
                for seed in seeds]
        endings[name] = np.array([math.inf if h.diverged else h.train_loss[-1] for h in runs])
    return endings


def learning_rate_ladder(lrs: Sequence[float], batch_size: int = 32, steps: int = 200,
                         first: int = 20, every: int = 5, seed: int = 0) -> dict[float, History]:
    """The digits MLP trained with constant eps = each of ``lrs``: the training loss curves.

    The runs behind the recipe "start large, divide eps by about 3 until the training loss
    falls steadily in the first steps". Each ``History`` holds the loss at every step up to
    ``first`` and every ``every`` steps after (two seeded runs of ``train_digits`` with the
    same minibatches, the short one recorded at every step: their common steps agree
    exactly); a run that diverged, at every step up to the last one before it blew up.
    Returns eps -> ``History``.
    """
    first = check.positive_int("first", first)
    ladder = {}
    for lr in lrs:
        optimizer = SGD(check.positive("lr", lr))
        late = train_digits(optimizer, steps=steps, batch_size=batch_size, every=every, seed=seed)
        if late.diverged:  # every step, up to the one that blew up (a short run)
            ladder[float(lr)] = train_digits(optimizer, steps=steps, batch_size=batch_size,
                                             every=1, seed=seed)
            continue
        early = train_digits(optimizer, steps=min(first, steps), batch_size=batch_size, every=1,
                             seed=seed)
        keep = [i for i, k in enumerate(late.steps) if k > first]
        merged = History(diverged=late.diverged, theta=late.theta)
        for name in ("steps", "train_loss", "train_error", "val_loss", "val_error"):
            getattr(merged, name).extend(getattr(early, name) + [getattr(late, name)[i]
                                                                 for i in keep])
        ladder[float(lr)] = merged
    return ladder


def first_steps_verdict(history: History, watch: int = 20) -> str:
    """What the first ``watch`` steps of a training loss say about eps, in a few words.

    "diverges" if the run blew up within them, "climbs" if the loss rose above its start
    within them, else "falls".
    """
    loss = np.asarray(history.train_loss[:watch + 1])
    if history.diverged and len(history.train_loss) <= watch:
        return "diverges"
    return "climbs" if np.max(loss) > loss[0] else "falls"


# --- your turn: the slide's linear decay -------------------------------------------------------


def check_linear_decay(student: Callable[[int, float, float, int], float],
                       seed: int = 0) -> None:
    """The "your turn" check of 05: ``student(k, lr0, lr_tau, tau)`` returns the slide's eps_k.

    Compared with ``cs551.optim.linear_decay`` on seeded random (eps_0, eps_tau, tau), at
    k = 0, tau / 3, tau / 2, tau and 2 tau. Raises AssertionError saying in plain words what
    is off (after tau, swapped ends, integer division), with the case that shows it.
    """
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    for _ in range(5):
        lr0 = round(float(rng.uniform(0.1, 1.0)), 3)
        lr_tau = round(lr0 / 100, 6)  # the slide's 1% of eps_0
        tau = int(rng.integers(10, 500))
        reference = linear_decay(lr0, lr_tau, tau)
        for k in (0, tau // 3, tau // 2, tau, 2 * tau):
            got = student(k, lr0, lr_tau, tau)
            expected = reference(k)
            if isinstance(got, bool) or not isinstance(got, int | float | np.number):
                raise AssertionError(f"your function returned {got!r}: return the number eps_k")
            if math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-15):
                continue
            case = f"at k = {k} with eps_0 = {lr0:g}, eps_tau = {lr_tau:g}, tau = {tau}"
            if k > tau:
                hint = ("after tau the rate stays at eps_tau:\n  hold alpha at 1 once k > tau "
                        "(alpha = min(k / tau, 1))")
            elif k == 0 and math.isclose(got, lr_tau):
                hint = "at k = 0 the rate is eps_0: are eps_0 and eps_tau swapped?"
            elif 0 < k < tau and math.isclose(got, lr0):
                hint = ("you return eps_0 unchanged, as if alpha = 0:\n  alpha = k / tau is a "
                        "fraction (k // tau would be integer division)")
            else:
                hint = "eps_k = (1 - alpha) eps_0 + alpha eps_tau with alpha = k / tau"
            raise AssertionError(f"{case}:\n  expected eps_k = {expected:.6g}, "
                                 f"got {float(got):.6g}.\n  {hint}")
