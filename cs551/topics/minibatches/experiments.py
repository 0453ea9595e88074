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
- ``core_use``: how many cores the minibatch gradient keeps busy, by batch size;
  ``scan_batch_sizes``: time per example around powers of two; ``activation_bytes``:
  the memory a batch needs. (Timings: what a batch costs on this machine.)
- ``noise_regularization`` and ``noise_table``: the same network trained with the same
  expected update, with and without minibatch noise.
- ``step_errors`` on ``ill_conditioned_regression``: why Newton's method needs far
  larger batches than gradient descent: the error of g is multiplied by H^{-1}.
- ``check_minibatch_gradient`` and ``check_standard_error``: the notebook's "your turn"
  checks, the student's g_B and sigma / sqrt(n) against the library, in plain words.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cs551 import _validate as check
from cs551.data import digits
from cs551.gradient_noise import per_example_gradients
from cs551.measure import first_index, loglog_slope
from cs551.nn.network import Classifier, Network, mlp, train
from cs551.objectives import LeastSquares, MinibatchObjective
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
# What a batch costs: cores, time per example, memory
# ---------------------------------------------------------------------------------------------


def wide_classifier(width: int = 256, m: int = 1024, seed: int = 0
                    ) -> tuple[Classifier, np.ndarray]:
    """A network width -> width -> 10 on m random inputs with random labels, at its init.

    For timing only (the values do not matter): its first layer's products, n x width
    times width x width, are large enough for BLAS to split them over cores, unlike
    the digits network's n x 64 times 64 x 32.
    """
    width, m = check.positive_int("width", width), check.positive_int("m", m)
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    net = mlp([width, width, 10])
    J = Classifier(net, rng.normal(size=(m, width)), rng.integers(0, 10, size=m))
    return J, net.init(seed=seed)


def _blas_threads(threads: int | None):
    """A context capping numpy's BLAS at ``threads`` threads (threadpoolctl); None: no cap."""

    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    if threads is None:
        return nullcontext()
    return threadpool_limits(limits=check.positive_int("threads", threads), user_api="blas")


def _batch(objective: MinibatchObjective, n) -> np.ndarray:
    n = check.positive_int("batch size", n)
    if n > objective.m:
        raise ValueError(f"batch size must be <= m = {objective.m}, got {n}")
    return np.arange(n)


@dataclass
class CoreUse:
    """How many cores a minibatch gradient keeps busy, by batch size and BLAS thread cap.

    Each array has one entry per batch size (the median over the repeats):
    ``cores_busy`` is process CPU time / wall time (1: one core busy, 2: two);
    ``helper_share`` is the CPU time per call of the process's other threads (BLAS's
    helpers) over the CPU time per call of the whole process with the fewest threads
    (with 1 thread: what the call's work costs): 0 when BLAS does not split the work,
    at least the helpers' part of the products when it does, however busy the machine
    (the main thread's own CPU time is not in it: it grows while the main thread spins,
    waiting for a helper the machine's load has delayed). Both count the time a helper
    thread spends waiting for its next piece of work (OpenBLAS spins).
    """

    batch_sizes: np.ndarray
    threads: tuple[int, ...]
    cores_busy: dict[int, np.ndarray]
    helper_share: dict[int, np.ndarray]
    seconds_per_example: dict[int, np.ndarray]

    @property
    def speedup(self) -> np.ndarray:
        """Wall time with the fewest threads over wall time with the most, per batch size."""
        return (self.seconds_per_example[min(self.threads)]
                / self.seconds_per_example[max(self.threads)])


def core_use(objective: MinibatchObjective, theta: np.ndarray, batch_sizes,
             threads=(1, 2), seconds: float = 0.03, repeats: int = 3,
             settle: float = 0.2) -> CoreUse:
    """Process CPU time and wall time of the minibatch gradient g_B at each batch size n.

    The slide *Minibatch*: "multicore architectures are usually underutilized by small
    batches". For each repeat and each cap in ``threads`` (BLAS threads, threadpoolctl):
    wait ``settle`` seconds unless the pass before ran on one thread (OpenBLAS's helper
    threads spin for about 0.12 s after a product before they sleep, measured on the
    development machine), then for each n in increasing order call
    ``objective.batch_grad`` on n examples for about ``seconds``, reading
    ``time.process_time`` (all threads), ``time.thread_time`` (this thread) and
    ``time.perf_counter`` (wall) around the calls. Returns the medians over the repeats
    (``CoreUse``). Machine-dependent: the result depends on the CPU, the BLAS library
    and what else the machine runs. Under heavy load a window now and then shows no
    helper CPU time, and one-thread speed, at a size that is usually split (seen here
    at n <= 64 in the 256-wide network, never at n >= 256): the median over the
    repeats absorbs such a window.
    """
    sizes = np.array(sorted({int(n) for n in batch_sizes}))
    idxs = [_batch(objective, n) for n in sizes]
    threads = tuple(check.positive_int("threads", k) for k in threads)
    seconds, settle = check.positive("seconds", seconds), check.non_negative("settle", settle)
    samples = {k: [] for k in threads}
    previous = None
    for _ in range(check.positive_int("repeats", repeats)):
        for k in threads:
            if previous != 1:  # after a pass on one thread no helper is left spinning
                time.sleep(settle)
            previous = k
            with _blas_threads(k):
                samples[k].append([_cpu_and_wall(objective, theta, idx, seconds) for idx in idxs])
    medians = {k: np.median(np.array(samples[k]), axis=0) for k in threads}  # (sizes, 4)
    one_thread_cpu = np.maximum(medians[min(threads)][:, 3], 1e-12)  # the work, per call
    return CoreUse(sizes, threads,
                   cores_busy={k: medians[k][:, 0] for k in threads},
                   helper_share={k: medians[k][:, 1] / one_thread_cpu for k in threads},
                   seconds_per_example={k: medians[k][:, 2] / sizes for k in threads})


def _cpu_and_wall(objective: MinibatchObjective, theta: np.ndarray, idx: np.ndarray,
                  seconds: float) -> tuple[float, float, float, float]:
    """Per call: (process CPU / wall, other threads' CPU seconds, wall seconds, process CPU
    seconds)."""
    start = time.perf_counter()
    objective.batch_grad(theta, idx)  # warms the caches up and tells how long a call takes
    calls = max(int(seconds / max(time.perf_counter() - start, 1e-7)), 1)
    cpu, mine, wall = time.process_time(), time.thread_time(), time.perf_counter()
    for _ in range(calls):
        objective.batch_grad(theta, idx)
    wall = time.perf_counter() - wall
    cpu, mine = time.process_time() - cpu, time.thread_time() - mine
    helpers = max(cpu - mine, 0.0)  # the clocks tick separately: never below 0
    return cpu / wall, helpers / calls, wall / calls, cpu / calls


@dataclass
class SizeScan:
    """Time per example of the minibatch gradient at batch sizes around powers of two."""

    batch_sizes: np.ndarray  # increasing
    seconds_per_example: np.ndarray  # median over the repeats
    powers: tuple[int, ...]
    width: int  # each power p is measured with its neighbours p - width .. p + width

    def trend(self, p: int) -> tuple[float, float]:
        """(slope, intercept) of the straight line fitted to the times of p's neighbours.

        The neighbours are the measured sizes within ``width`` of p, p itself excluded:
        the line is what p would cost if it were an ordinary size.
        """
        near = (np.abs(self.batch_sizes - p) <= self.width) & (self.batch_sizes != p)
        if p not in self.batch_sizes or near.sum() < 2:
            raise ValueError(f"p must be a measured size with >= 2 measured neighbours, got {p!r}")
        slope, intercept = np.polyfit(self.batch_sizes[near], self.seconds_per_example[near], 1)
        return float(slope), float(intercept)

    @property
    def ratios(self) -> dict[int, float]:
        """For each power of two p: its time per example over its neighbours' trend at p.

        Below 1: p is faster than the sizes around it; above 1: slower.
        """
        out = {}
        for p in self.powers:
            slope, intercept = self.trend(p)
            at_p = self.seconds_per_example[self.batch_sizes == p][0]
            out[p] = float(at_p / (slope * p + intercept))
        return out

    def scatter(self, p: int) -> float:
        """How far p's neighbours fall from their own trend: RMS relative deviation (noise)."""
        slope, intercept = self.trend(p)
        near = (np.abs(self.batch_sizes - p) <= self.width) & (self.batch_sizes != p)
        x, t = self.batch_sizes[near], self.seconds_per_example[near]
        return float(np.sqrt(np.mean((t / (slope * x + intercept) - 1) ** 2)))

    def powers_of_two_faster(self, margin: float = 0.05) -> bool:
        """True if *every* power of two beats its neighbours' trend by more than the noise.

        "More than the noise": its ratio is below 1 - ``margin`` and below 1 - twice the
        neighbours' scatter, so a lucky measurement does not count as an advantage.
        """
        margin = check.in_interval("margin", margin, 0, 1, open_high=True)
        return all(r < 1 - max(margin, 2 * self.scatter(p)) for p, r in self.ratios.items())


def scan_batch_sizes(objective: MinibatchObjective, theta: np.ndarray, powers=(64, 128, 256),
                     width: int = 4, repeats: int = 15, calls: int = 5, threads: int | None = 1,
                     seed: int = 0) -> SizeScan:
    """Seconds per example of ``objective.batch_grad`` at p - width .. p + width for each p.

    Each repeat visits every size once, in a new random order (so that a slow moment
    of the machine does not hit neighbouring sizes together), and times ``calls``
    single calls; the result is the median over all repeats and calls, divided by n.
    ``threads`` caps BLAS's threads (1 by default: the array sizes, not the threading,
    are under test). Machine-dependent, like every timing.
    """
    width = check.positive_int("width", width)
    powers = tuple(check.positive_int("power", p) for p in powers)
    if any(p & (p - 1) for p in powers):
        raise ValueError(f"powers must be powers of two, got {powers!r}")
    sizes = np.array(sorted({n for p in powers for n in range(max(p - width, 1), p + width + 1)}))
    idxs = {int(n): _batch(objective, n) for n in sizes}
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    calls = check.positive_int("calls", calls)
    times = {int(n): [] for n in sizes}
    with _blas_threads(threads):
        for _ in range(check.positive_int("repeats", repeats)):
            for n in rng.permutation(sizes):
                idx = idxs[int(n)]
                objective.batch_grad(theta, idx)  # warm up: caches, not the clock
                for _ in range(calls):
                    start = time.perf_counter()
                    objective.batch_grad(theta, idx)
                    times[int(n)].append(time.perf_counter() - start)
    return SizeScan(sizes, np.array([np.median(times[int(n)]) / n for n in sizes]), powers, width)


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


# ---------------------------------------------------------------------------------------------
# The notebook's "your turn" checks: the student's code against the library, in plain words
# ---------------------------------------------------------------------------------------------


def _your_turn_problem(rng: np.random.Generator, m: int, d: int = 3
                       ) -> tuple[LeastSquares, np.ndarray, np.ndarray]:
    """(J, theta, G) for a random least-squares problem of m examples, away from its minimum:
    G = ``per_example_gradients``, one row grad L_i per example, their mean grad J != 0."""
    J = LeastSquares(rng.normal(size=(m, d)), rng.normal(size=m))
    theta = J.minimizer + rng.normal(size=d)
    return J, theta, per_example_gradients(J, theta)


def _array(value: np.ndarray) -> str:
    return np.array2string(np.asarray(value, dtype=float), precision=4, separator=", ")


def check_minibatch_gradient(student: Callable[[np.ndarray, np.ndarray], np.ndarray],
                             seed: int = 0) -> None:
    """The "your turn" check of 02: ``student(G, batch)`` returns the minibatch gradient
    g_B = 1/n sum_{i in B} grad L_i (slide "Batch (contd.)": a random sample, then its
    average; the SGD box's g^).

    On three seeded least-squares problems (m = 30 examples, d = 3 parameters), G is
    ``per_example_gradients`` and ``batch`` n distinct row indices; the answer is compared
    with ``LeastSquares.batch_grad``, the library's minibatch gradient. Raises AssertionError
    saying in plain words what is off: the sum without 1/n (the mean forgotten), a division
    by the training-set size m instead of n, the mean of every row (the full gradient), the
    mean over the wrong axis, or a G changed in place.
    """
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    m = 30
    for trial, n in enumerate((5, 8, 12)):
        J, theta, G = _your_turn_problem(rng, m)
        batch = rng.choice(m, size=n, replace=False)
        expected = J.batch_grad(theta, batch)
        G_in, batch_in = G.copy(), batch.copy()
        got = student(G_in, batch_in)
        if not (np.array_equal(G_in, G) and np.array_equal(batch_in, batch)):
            raise AssertionError("your function changed G or batch: compute with them, "
                                 "do not overwrite them")
        if got is None:
            raise AssertionError("your function returned nothing: is the `return` missing?")
        got = np.asarray(got, dtype=float)
        case = f"for a batch of n = {n} of the m = {m} rows of G (problem {trial}, d = 3)"
        if got.shape != expected.shape:
            hint = ("one number per example: average over the examples (axis=0), which "
                    "keeps\n  one number per parameter" if got.shape == (n,) else
                    "return one number per parameter, a vector like G[0]")
            raise AssertionError(f"{case}:\n  expected a vector of shape {expected.shape}, "
                                 f"got shape {got.shape}.\n  Hint: {hint}.")
        if np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            continue
        if np.allclose(got, n * expected):
            hint = (f"that is the sum over the batch, n = {n} times too large:\n  "
                    "g_B is the mean, divide by n = len(batch)")
        elif np.allclose(got, n / m * expected):
            hint = (f"you divided by m = {m}, the size of the training set:\n  the average "
                    f"runs over the n = {n} examples of the batch")
        elif np.allclose(got, G.mean(axis=0)):
            hint = ("that is the full gradient, the mean of all m rows:\n  average only the "
                    "rows the batch picks, G[batch]")
        else:
            hint = "g_B = 1/n sum_(i in B) grad L_i: the mean of the rows G[batch]"
        raise AssertionError(f"{case}:\n  expected g_B = {_array(expected)}\n"
                             f"  got            {_array(got)}.\n  Hint: {hint}.")


def check_standard_error(student: Callable[[np.ndarray, int], float], seed: int = 0) -> None:
    """The "your turn" check of 02: ``student(G, n)`` returns the standard error sigma / sqrt(n)
    of the mean of n per-example gradients (slide "Batch (contd.)"), computed from the rows
    of G, with sigma^2 = 1/m sum_i ||grad L_i - grad J||^2 and grad J the mean of the rows.

    On three seeded least-squares problems (m = 25, d = 3; G from ``per_example_gradients``)
    at n = 4, 9, 16, compared with ``gradient_noise``'s ``predicted`` (its sigma / sqrt(n)).
    Raises AssertionError saying in plain words what is off: sqrt(m) instead of sqrt(n),
    n instead of sqrt(n), the variance instead of the standard deviation, the mean not
    subtracted, m - 1 or a sum instead of the mean over the examples, the mean length
    instead of the root mean square, or one standard deviation per parameter.
    """
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    m = 25
    for trial, n in enumerate((4, 9, 16)):
        _, _, G = _your_turn_problem(rng, m)
        expected = float(gradient_noise(G, [n], draws=1).predicted[0])
        G_in = G.copy()
        got = student(G_in, n)
        if not np.array_equal(G_in, G):
            raise AssertionError("your function changed G: compute with it, do not "
                                 "overwrite it")
        if got is None:
            raise AssertionError("your function returned nothing: is the `return` missing?")
        if np.size(got) != 1:
            raise AssertionError(
                f"your function returned {np.size(got)} numbers: sigma is one number, the "
                "root mean square\n  length of grad L_i - grad J (sum the squares over the "
                "parameters, then\n  take the mean over the examples)")
        got = float(np.asarray(got, dtype=float).reshape(-1)[0])
        if np.isclose(got, expected, rtol=1e-9, atol=0):
            continue
        deviations = np.linalg.norm(G - G.mean(axis=0), axis=1)  # ||grad L_i - grad J||
        sigma = expected * np.sqrt(n)
        slips = [
            (sigma / np.sqrt(m), f"you divided by sqrt(m), m = {m} the size of the training "
             f"set:\n  the minibatch has n = {n} examples, divide by sqrt(n)"),
            (sigma / n, "you divided by n: the variance of the mean falls like 1/n, its "
             "standard\n  deviation like 1/sqrt(n)"),
            (sigma**2 / n, "that is the variance sigma^2 / n of g_B: the standard error is "
             "its square root"),
            (sigma**2 / np.sqrt(n), "sigma^2 is the variance: the standard error uses the "
             "standard deviation sigma"),
            (np.sqrt(np.mean(np.sum(G**2, axis=1)) / n), "you forgot to subtract the mean: "
             "sigma is the spread of the rows around\n  grad J = G.mean(axis=0)"),
            (sigma * np.sqrt(m / (m - 1) / n), "you divided by m - 1: sigma^2 is the mean "
             "over the m examples\n  (each has probability 1/m), divide by m"),
            (sigma * np.sqrt(m / n), "you summed the squared deviations over the examples: "
             "sigma^2 is their mean"),
            (float(np.mean(deviations)) / np.sqrt(n), "that is the mean length of "
             "grad L_i - grad J: sigma is the root mean square"),
            (sigma, f"that is sigma, the error of one example: the mean of n = {n} has "
             "sigma / sqrt(n)"),
        ]
        hint = next((text for value, text in slips if np.isclose(got, value, rtol=1e-9)),
                    "sigma / sqrt(n), sigma^2 = 1/m sum_i ||grad L_i - grad J||^2")
        raise AssertionError(f"for n = {n} and the m = {m} rows of G (problem {trial}):\n"
                             f"  expected sigma / sqrt(n) = {expected:.6g}, got {got:.6g}.\n"
                             f"  Hint: {hint}.")
