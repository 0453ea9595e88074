"""Batches and minibatches: the gradient as an expectation, and what a minibatch costs.

Slides "Batch", "Batch (contd.)" and "Minibatch" (notebook 02). The gradient of the
empirical risk is an expectation over the empirical distribution,

    grad J(theta) = E_{(x, y) ~ p^_data} grad L(f(x, theta), y) = 1/m sum_i grad L_i,

so the average g_B of the per-example gradients over a random minibatch B of n
examples estimates it with standard error sigma / sqrt(n).

- ``per_example_gradients``: the rows grad L_i whose mean is grad J.
- ``exact_squared_error``: E ||g_B - grad J||^2 over every possible minibatch, in
  rational arithmetic: exactly sigma^2 / n (with replacement).
- ``gradient_noise``: the error of g_B against n, measured, with sigma;
  ``loglog_slope`` reads off the exponent -1/2.
- ``batch_size_race``: batch, stochastic (online) and minibatch gradient descent,
  loss against the number of examples processed.
- ``time_per_example`` and ``activation_bytes``: what a batch costs on this machine.
- ``noise_regularization`` and ``noise_table``: the same network trained with the same
  expected update, with and without minibatch noise.
- ``step_errors`` on ``ill_conditioned_regression``: why Newton's method needs far
  larger batches than gradient descent: the error of g is multiplied by H^{-1}.
"""

from __future__ import annotations

import itertools
import time
from contextlib import nullcontext
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cs551 import _validate as check
from cs551.data import digits
from cs551.measure import first_index, loglog_slope
from cs551.nn.network import Classifier, Network, mlp, train
from cs551.objectives import MinibatchObjective
from cs551.optim import SGD


def exact_squared_error(G, n: int, replace: bool = True) -> tuple[Fraction, Fraction]:
    """(E ||g_B - grad J||^2 over *every* minibatch B of n rows of G, sigma^2), exactly.

    G holds integer (or Fraction) per-example gradients. The average is taken over all
    m^n ordered draws with replacement, or all C(m, n) subsets without, in rational
    arithmetic, so the standard-error formulas can be checked with no sampling error:
    sigma^2 / n with replacement, sigma^2 / n * (m - n) / (m - 1) without, where
    sigma^2 = E ||grad L_i - grad J||^2 (i uniform over the m examples).
    """
    rows = [tuple(Fraction(v) for v in row) for row in np.asarray(G, dtype=object)]
    m, n = len(rows), check.positive_int("n", n)
    if not replace and n > m:
        raise ValueError(f"n must be <= m = {m} without replacement, got {n}")
    mean = [sum(col) / m for col in zip(*rows, strict=True)]  # grad J = E grad L_i

    def squared_error(batch) -> Fraction:  # ||g_B - grad J||^2, g_B = mean of the batch
        g_B = [sum(col) / len(batch) for col in zip(*batch, strict=True)]
        return sum((a - b) ** 2 for a, b in zip(g_B, mean, strict=True))

    batches = (itertools.product(rows, repeat=n) if replace
               else itertools.combinations(rows, n))
    errors = [squared_error(batch) for batch in batches]
    sigma2 = sum(squared_error([row]) for row in rows) / m
    return sum(errors) / len(errors), sigma2


@dataclass
class GradientNoise:
    """How far minibatch gradients g_B fall from the full gradient, by batch size n."""

    batch_sizes: np.ndarray
    rms_error: np.ndarray  # sqrt(mean over draws of ||g_B - grad J||^2)
    sigma: float  # sqrt(E ||grad L_i - grad J||^2): the per-example standard deviation
    predicted: np.ndarray  # sigma / sqrt(n) (with replacement), times the finite-population
    replace: bool  # correction sqrt((m - n) / (m - 1)) without replacement
    m: int
    grad_norm: float  # ||grad J||, to read the errors as relative ones

    @property
    def slope(self) -> float:
        """The log-log slope of the measured error against n (the theory: -1/2)."""
        return loglog_slope(self.batch_sizes, self.rms_error)


def gradient_noise(G: np.ndarray, batch_sizes, draws: int = 100, seed: int = 0,
                   replace: bool = True) -> GradientNoise:
    """Draw ``draws`` minibatches of each size n from the rows of G (per-example gradients).

    With ``replace`` the n examples are i.i.d. draws from the empirical distribution,
    so ||g_B - grad J|| has root mean square sigma / sqrt(n) exactly (the slide's
    standard error). Without replacement (what ``MinibatchObjective.grad`` does) the
    error is smaller by sqrt((m - n) / (m - 1)) and is 0 at n = m.
    """
    G = np.asarray(G, dtype=float)
    m = len(G)
    sizes = np.array([check.positive_int("batch size", n) for n in batch_sizes])
    if not replace and sizes.max() > m:
        raise ValueError(f"batch sizes must be <= m = {m} without replacement, got {sizes.max()}")
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    mean = G.mean(axis=0)  # grad J = E_{p^_data} grad L
    sigma = float(np.sqrt(np.mean(np.sum((G - mean) ** 2, axis=1))))
    draws = check.positive_int("draws", draws)
    rms = []
    for n in sizes:
        errors = [np.sum((G[rng.choice(m, n, replace=replace)].mean(axis=0) - mean) ** 2)
                  for _ in range(draws)]  # ||g_B - grad J||^2 for each minibatch B
        rms.append(np.sqrt(np.mean(errors)))
    predicted = sigma / np.sqrt(sizes)
    if not replace:
        predicted = predicted * np.sqrt((m - sizes) / (m - 1))
    return GradientNoise(sizes, np.array(rms), sigma, predicted, replace, m,
                         float(np.linalg.norm(mean)))


# ---------------------------------------------------------------------------------------------
# Batch vs stochastic vs minibatch gradient descent
# ---------------------------------------------------------------------------------------------


@dataclass
class RaceCurve:
    """Training loss against the number of examples processed, for one batch size."""

    batch_size: int
    lr: float
    examples: np.ndarray
    train_loss: np.ndarray
    diverged: bool

    def examples_to(self, loss: float) -> int | None:
        """The examples processed when the recorded training loss first is <= ``loss``."""
        k = first_index(self.train_loss <= loss)
        return None if k is None else int(self.examples[k])


def batch_size_race(X: np.ndarray, y: np.ndarray, runs: dict, epochs: float = 2,
                    hidden: int = 32, seed: int = 0, points: int = 30) -> dict[str, RaceCurve]:
    """Train the same network (64 -> hidden -> 10) with each (batch_size, lr) in ``runs``.

    ``runs`` maps a label to (batch size or None for the whole training set, lr), or to
    (batch size, lr, epochs) to override the budget. Every run gets ``epochs`` passes'
    worth of examples, so batch gradient descent takes ``epochs`` steps and online SGD
    (batch size 1) takes epochs * m. Each run records its training loss at about
    ``points`` evenly spaced steps; minibatches are drawn without replacement (``Classifier``).
    """
    net = mlp([X.shape[1], check.positive_int("hidden", hidden), 10])
    m, curves = len(y), {}
    for label, (batch_size, lr, *budget) in runs.items():
        n = m if batch_size is None else check.positive_int("batch size", batch_size)
        passes = check.positive("epochs", budget[0] if budget else epochs)
        steps = max(int(passes * m) // n, 1)
        J = Classifier(net, X, y, batch_size=batch_size, seed=seed)
        h = train(SGD(lr), J, net.init(seed=seed), steps, every=max(steps // points, 1))
        curves[label] = RaceCurve(n, lr, np.array(h.steps) * n, np.array(h.train_loss),
                                  h.diverged)
    return curves


# ---------------------------------------------------------------------------------------------
# What a batch costs: time per example, memory
# ---------------------------------------------------------------------------------------------


def time_per_example(objective: MinibatchObjective, theta: np.ndarray, batch_sizes,
                     threads: int | None = None, examples: int = 2048,
                     repeats: int = 3) -> np.ndarray:
    """Seconds per example of one gradient evaluation (forward + backward) at each batch size.

    Each measurement processes about ``examples`` examples in batches of n and keeps
    the best of ``repeats`` (the least disturbed by other programs). ``threads`` caps
    the BLAS threads (via threadpoolctl, which scikit-learn installs); None leaves
    them alone. Wall-clock times: they depend on the machine and its load.
    """

    from threadpoolctl import threadpool_limits

    limit = nullcontext() if threads is None else threadpool_limits(
        check.positive_int("threads", threads))
    out = []
    with limit:
        for n in batch_sizes:
            n = check.positive_int("batch size", n)
            if n > objective.m:
                raise ValueError(f"batch size must be <= m = {objective.m}, got {n}")
            idx = np.arange(n)
            calls = max(examples // n, 1)
            objective.batch_grad(theta, idx)  # warm up
            best = np.inf
            for _ in range(check.positive_int("repeats", repeats)):
                start = time.perf_counter()
                for _ in range(calls):
                    objective.batch_grad(theta, idx)
                best = min(best, (time.perf_counter() - start) / (calls * n))
            out.append(best)
    return np.array(out)


def activation_bytes(net: Network, theta: np.ndarray, X: np.ndarray) -> int:
    """Bytes of the forward pass's caches for the batch X: what backpropagation must keep.

    Every layer caches an array with one row per example, so this grows linearly with
    the batch size: processing n examples in parallel needs n times the memory.
    """
    _, caches = net.forward(theta, X)
    return int(sum(np.asarray(cache).nbytes for cache in caches))


# ---------------------------------------------------------------------------------------------
# Minibatch noise as a regularizer?
# ---------------------------------------------------------------------------------------------


@dataclass
class NoiseRun:
    """One network trained with one batch size: its final training and validation scores."""

    batch_size: int | None
    seed: int
    train_loss: float
    val_loss: float
    val_error: float
    diverged: bool  # the loss blew up (the scores are then from the last record before)


def noise_regularization(batch_sizes=(8, None), seeds=(0, 1, 2, 3, 4), steps: int = 200,
                         lr: float = 0.5, hidden: int = 32,
                         train_fraction: float = 0.1) -> list[NoiseRun]:
    """The same network, learning rate and number of steps; only the batch size differs.

    Since E[g_B] = grad J, every run takes the same steps *on average*; what differs
    is the noise of g_B (None: the whole training set, no noise). Trains
    64 -> ``hidden`` -> 10 on ``train_fraction`` of the digits (small, so that it
    overfits) for each batch size and seed, and scores it on a 30% validation split.
    """

    train_fraction = check.in_interval("train_fraction", train_fraction, 0, 0.7, open_low=True)
    runs = []
    for seed in seeds:
        s = digits(fractions=(train_fraction, 0.3, 0.7 - train_fraction), seed=seed)
        net = mlp([64, check.positive_int("hidden", hidden), 10])
        for batch_size in batch_sizes:
            J = Classifier(net, s.X_train, s.y_train, batch_size=batch_size, seed=seed)
            h = train(SGD(lr), J, net.init(seed=seed), steps, X_val=s.X_val, y_val=s.y_val,
                      every=steps)
            runs.append(NoiseRun(batch_size, seed, h.train_loss[-1], h.val_loss[-1],
                                 h.val_error[-1], h.diverged))
    return runs


def noise_table(runs: list[NoiseRun]) -> dict:
    """By batch size: mean training loss, mean and standard deviation (over seeds) of the
    validation 0-1 error, and the mean paired difference of that error against the
    full-batch run of the same seed (negative: the noisy run generalizes better; None
    without full-batch runs), and how many of the runs diverged."""
    full = {r.seed: r.val_error for r in runs if r.batch_size is None}
    table = {}
    for b in dict.fromkeys(r.batch_size for r in runs):
        rs = [r for r in runs if r.batch_size == b]
        errors = np.array([r.val_error for r in rs])
        table[b] = {"train_loss": float(np.mean([r.train_loss for r in rs])),
                    "val_error": float(errors.mean()), "val_error_std": float(errors.std()),
                    "vs_full_batch": (float(np.mean([r.val_error - full[r.seed] for r in rs]))
                                      if all(r.seed in full for r in rs) else None),
                    "diverged": sum(r.diverged for r in rs)}
    return table
