"""Learning vs optimization: risk, empirical risk, the 0-1 loss and its surrogate.

Slides "Problem of optimization", "Empirical risk minimization" and "Surrogate loss
function" (notebook 01). Learning minimizes the *risk*

    J*(theta) = E_{(x, y) ~ p_data} L(f(x, theta), y),

but can only compute the *empirical risk* over the m training examples,

    J(theta) = E_{(x, y) ~ p^_data} L(f(x, theta), y) = 1/m sum_i L(f(x_i, theta), y_i).

- ``GaussianLinearModel``: a data-generating distribution we know, so that J* is
  exact (y = x^T w + sigma eps, x ~ N(0, I)); ``erm_experiment`` measures how the
  empirical risk minimizer's training risk and true risk differ (overfitting).
- ``learning_curve``: the same on the handwritten digits, with held-out data for J*;
  ``regularized_fit``: ERM with a penalty l2/2 ||theta||^2, which trades one for the other.
- ``zero_one_symbolic``, ``finite_difference_census``, ``along_line``: the 0-1 loss has
  zero gradient almost everywhere; the negative log-likelihood (``nll_bits_per_example``:
  an upper bound on it) is the surrogate that gradient methods can use.
- ``training_record`` and ``early_stopping``: the surrogate keeps improving the
  test 0-1 loss after the training 0-1 loss is 0, and early stopping halts where
  the gradient is still far from zero.
- ``check_erm_fit`` and ``check_nll_gradient``: the notebook's "your turn" checks (the ERM
  least-squares fit, the NLL's gradient), which say in plain words what is off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from cs551 import _validate as check
from cs551.data import Split, digits
from cs551.gradcheck import numerical_gradient, relative_error
from cs551.measure import first_index
from cs551.nn.network import Classifier, mlp, softmax_cross_entropy, train
from cs551.objectives import LeastSquares, LogisticRegression
from cs551.optim import SGD, Momentum, Run


@dataclass
class GaussianLinearModel:
    """A data-generating distribution p_data we know: x ~ N(0, I_d), y = x^T w + sigma eps.

    With the squared loss L = 1/2 (x^T theta - y)^2 the risk is exact,
    J*(theta) = 1/2 (||theta - w||^2 + sigma^2) (``risk_symbolic`` derives it), so
    minimizing the risk is a plain optimization problem whose answer is theta = w,
    with J*(w) = sigma^2 / 2. The true weights w are standard normal, drawn from ``seed``.
    """

    d: int = 20
    sigma: float = 1.0
    seed: int = 0
    w: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        check.positive_int("d", self.d)
        check.positive("sigma", self.sigma)
        self.w = np.random.default_rng(check.non_negative_int("seed", self.seed)).normal(
            size=self.d)

    def sample(self, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """m fresh examples (X, y) drawn from p_data."""
        X = rng.normal(size=(check.positive_int("m", m), self.d))
        return X, X @ self.w + self.sigma * rng.normal(size=m)

    def risk(self, theta: np.ndarray) -> float:
        """J*(theta) = 1/2 (||theta - w||^2 + sigma^2), exactly."""
        return 0.5 * (float(np.sum((np.asarray(theta) - self.w) ** 2)) + self.sigma**2)

    def estimated_risk(self, theta: np.ndarray, n: int = 100_000, seed: int = 1) -> float:
        """J*(theta) estimated on n fresh examples (the empirical risk of a huge sample)."""
        X, y = self.sample(n, np.random.default_rng(seed))
        return float(LeastSquares(X, y).value(theta))

    @property
    def bayes_risk(self) -> float:
        """min J* = J*(w) = sigma^2 / 2: the noise no model can predict."""
        return 0.5 * self.sigma**2


def expected_training_risk(m: int, d: int, sigma: float) -> float:
    """E[J(theta^)] = sigma^2/2 (1 - d/m) for least squares with m > d examples.

    The residual sum of squares of the least-squares fit is sigma^2 chi^2_{m-d}:
    fitting d parameters hides d degrees of freedom of the noise.
    """
    return 0.5 * sigma**2 * (1 - d / m)


def expected_risk_of_erm(m: int, d: int, sigma: float) -> float:
    """E[J*(theta^)] = sigma^2/2 (1 + d/(m - d - 1)) for x ~ N(0, I), m > d + 1.

    theta^ - w = (X^T X)^{-1} X^T eps, so E||theta^ - w||^2 = sigma^2 E tr (X^T X)^{-1}
    = sigma^2 d / (m - d - 1) (the mean of an inverse Wishart matrix).
    """
    return 0.5 * sigma**2 * (1 + d / (m - d - 1))


@dataclass
class ERMCurve:
    """Training risk J(theta^) and true risk J*(theta^) of empirical risk minimization, by m."""

    sizes: np.ndarray
    train: np.ndarray  # mean over draws of J(theta^_m), the minimum of the empirical risk
    risk: np.ndarray  # mean over draws of J*(theta^_m)
    train_se: np.ndarray  # standard errors of those means
    risk_se: np.ndarray
    predicted_train: np.ndarray
    predicted_risk: np.ndarray
    bayes_risk: float

    def table(self) -> str:
        """Measured and predicted J(theta^) and J*(theta^), one row per m."""
        rows = ["   m   J(theta^) predicted   J*(theta^) predicted"]
        for m, *values in zip(self.sizes, self.train, self.predicted_train, self.risk,
                              self.predicted_risk, strict=True):
            rows.append("{:4d}    {:.3f}    {:.3f}        {:.3f}     {:.3f}".format(m, *values))
        return "\n".join(rows)


def erm_experiment(model: GaussianLinearModel, sizes, draws: int = 200,
                   seed: int = 0) -> ERMCurve:
    """For each training-set size m: draw m examples, minimize J exactly, score J and J*.

    theta^ = argmin J solves the normal equations X^T X theta = X^T y (what
    ``LeastSquares.minimizer`` computes), here for all ``draws`` samples at once.
    Returns the means over the draws and their standard errors, with the
    predictions ``expected_training_risk`` and ``expected_risk_of_erm``.
    """
    sizes = np.array([check.positive_int("m", m) for m in sizes])
    if sizes.min() <= model.d + 1:
        raise ValueError(f"sizes must all be > d + 1 = {model.d + 1}, got {sizes.min()}")
    if check.positive_int("draws", draws) < 2:
        raise ValueError(f"draws must be >= 2 (for a standard error), got {draws!r}")
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    train, risk = np.empty((len(sizes), draws)), np.empty((len(sizes), draws))
    for i, m in enumerate(sizes):
        X = rng.normal(size=(draws, m, model.d))  # draws training sets of m examples
        y = X @ model.w + model.sigma * rng.normal(size=(draws, m))
        Xt = X.transpose(0, 2, 1)
        theta_hat = np.linalg.solve(Xt @ X, (Xt @ y[..., None]))[..., 0]  # argmin J, exactly
        residual = (X @ theta_hat[..., None])[..., 0] - y
        train[i] = 0.5 * np.mean(residual**2, axis=1)  # J(theta^)
        risk[i] = 0.5 * (np.sum((theta_hat - model.w) ** 2, axis=1) + model.sigma**2)  # J*(theta^)
    se = np.sqrt(draws)
    return ERMCurve(sizes, train.mean(1), risk.mean(1), train.std(1, ddof=1) / se,
                    risk.std(1, ddof=1) / se,
                    np.array([expected_training_risk(m, model.d, model.sigma) for m in sizes]),
                    np.array([expected_risk_of_erm(m, model.d, model.sigma) for m in sizes]),
                    model.bayes_risk)


def empirical_risk_spread(model: GaussianLinearModel, theta: np.ndarray, sizes,
                          draws: int = 500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over ``draws`` samples of J(theta), at a *fixed* theta.

    For a theta chosen before seeing the data, J(theta) is an average of m i.i.d.
    losses: an unbiased estimate of J*(theta) whose standard deviation falls as
    1/sqrt(m). (At theta^, chosen *by* the data, it is biased low: ``erm_experiment``.)
    """
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    draws = check.positive_int("draws", draws)
    means, stds = [], []
    for m in sizes:
        X = rng.normal(size=(draws, check.positive_int("m", m), model.d))
        y = X @ model.w + model.sigma * rng.normal(size=(draws, m))
        J = 0.5 * np.mean((X @ theta - y) ** 2, axis=1)  # one J(theta) per training set
        means.append(J.mean())
        stds.append(J.std(ddof=1))
    return np.array(means), np.array(stds)


# ---------------------------------------------------------------------------------------------
# ERM on real data: train vs held-out risk as the training set grows
# ---------------------------------------------------------------------------------------------


@dataclass
class LearningCurve:
    """Training and held-out surrogate loss (NLL) and 0-1 loss after ERM, by training size."""

    sizes: np.ndarray
    train_loss: np.ndarray
    heldout_loss: np.ndarray
    train_error: np.ndarray
    heldout_error: np.ndarray

    def table(self) -> str:
        """Training and held-out NLL and 0-1 loss, one row per m."""
        rows = ["   m   train NLL  held-out NLL   train 0-1  held-out 0-1"]
        for m, *values in zip(self.sizes, self.train_loss, self.heldout_loss, self.train_error,
                              self.heldout_error, strict=True):
            rows.append("{:4d}     {:.3f}      {:.3f}         {:.3f}      {:.3f}".format(
                m, *values))
        return "\n".join(rows)

    @property
    def gap(self) -> np.ndarray:
        """Held-out minus training loss: how much the empirical risk flatters the model."""
        return self.heldout_loss - self.train_loss


def learning_curve(sizes=(25, 50, 100, 200, 400, 800), l2: float = 0.0, steps: int = 100,
                   seed: int = 0, split: Split | None = None) -> LearningCurve:
    """Softmax regression fitted to the first m digits (``regularized_fit``), for each m.

    ERM (with ``l2`` = 0) on m examples; the held-out risk is the NLL on the test
    split (450 digits never trained on).
    """
    split = split or digits(fractions=(0.5, 0.25, 0.25), seed=seed)
    sizes = np.array([check.positive_int("m", m) for m in sizes])
    if sizes.max() > len(split.y_train):
        raise ValueError(f"sizes must be <= {len(split.y_train)}, got {sizes.max()}")
    fits = [regularized_fit(m, l2, steps, split) for m in sizes]
    return LearningCurve(sizes, *np.array([(f.train_loss, f.heldout_loss, f.train_error,
                                            f.heldout_error) for f in fits]).T)


@dataclass
class RegularizedFit:
    """Softmax regression fitted to m digits with penalty l2/2 ||theta||^2, and its scores."""

    m: int
    l2: float
    theta: np.ndarray
    weights: np.ndarray  # W, 64 pixels x 10 classes: one template per digit
    train_loss: float  # the NLL on the m training digits (without the penalty)
    heldout_loss: float  # the NLL on the 450 held-out digits: our estimate of J*
    train_error: float
    heldout_error: float


def regularized_fit(m: int, l2: float, steps: int = 100, split: Split | None = None,
                    seed: int = 0) -> RegularizedFit:
    """Minimize J(theta) + l2/2 ||theta||^2 on the first m training digits (softmax regression).

    The penalty trades training risk for held-out risk: with few examples the
    unpenalized minimizer fits the training set perfectly with large, noisy weights.
    ``steps`` iterations of momentum (eps = 0.5, alpha = 0.9) from theta = 0.
    """
    split = split or digits(fractions=(0.5, 0.25, 0.25), seed=seed)
    m = check.positive_int("m", m)
    if m > len(split.y_train):
        raise ValueError(f"m must be in [1, {len(split.y_train)}], got {m}")
    net = mlp([split.X_train.shape[1], 10])  # a linear model: logits = x W + b
    J = Classifier(net, split.X_train[:m], split.y_train[:m], l2=l2)
    theta = train(Momentum(0.5, 0.9), J, np.zeros(net.n_params), steps, every=steps).theta
    return RegularizedFit(m, float(l2), theta, net.layers[0].split(theta)[0],
                          J.loss_on(theta, split.X_train[:m], split.y_train[:m]),
                          J.loss_on(theta, split.X_test, split.y_test), J.error_rate(theta),
                          J.error_rate(theta, split.X_test, split.y_test))


@dataclass
class FiniteDifferenceCensus:
    """Directional central differences of a loss at many points and directions, for each h."""

    hs: np.ndarray
    fraction_nonzero: np.ndarray  # the share of the differences that are not 0
    smallest_nonzero: np.ndarray  # the smallest |difference| that is not 0 (nan if none)
    count: int  # how many differences per h (points x directions)


def finite_difference_census(loss, thetas, hs=(1.0, 0.1, 0.01, 0.001), directions: int = 50,
                             seed: int = 0) -> FiniteDifferenceCensus:
    """Every central difference (L(theta + h u) - L(theta - h u)) / 2h, u a random unit vector.

    This is what a gradient method sees of ``loss`` along u: the directional
    derivative u^T grad L(theta) as h -> 0. For the 0-1 loss on m examples, a step
    function with steps of 1/m, a difference is 0 unless the segment of length 2h
    crosses a decision boundary, and then it is at least 1 / (2 h m). So as h -> 0
    the share of non-zero differences falls to 0 and the non-zero ones blow up
    like 1/h: the derivative is 0 almost everywhere (and infinite on the boundaries).
    The same ``directions`` (seeded) are used at every point and for every h.
    """
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    hs = np.array([check.positive("h", h) for h in hs])
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    u = rng.normal(size=(check.positive_int("directions", directions), thetas.shape[1]))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    fractions, smallest = [], []
    for h in hs:
        diffs = np.array([(loss(theta + h * d) - loss(theta - h * d)) / (2 * h)
                          for theta in thetas for d in u])
        nonzero = np.abs(diffs[diffs != 0])
        fractions.append(len(nonzero) / len(diffs))
        smallest.append(nonzero.min() if len(nonzero) else np.nan)
    return FiniteDifferenceCensus(hs, np.array(fractions), np.array(smallest), len(thetas) * len(u))


def along_line(objective, theta: np.ndarray, direction: np.ndarray, ts) -> tuple:
    """(0-1 loss, surrogate loss) of a classifier objective at theta + t direction, t in ts.

    ``objective`` has ``error_rate(theta)`` (the 0-1 loss) and ``value(theta)`` (the NLL):
    ``LogisticRegression`` or ``Classifier``.
    """
    ts = np.asarray(ts, dtype=float)
    zero_one = np.array([objective.error_rate(theta + t * direction) for t in ts])
    surrogate = np.array([objective.value(theta + t * direction) for t in ts])
    return zero_one, surrogate


def nll_bits_per_example(objective, theta: np.ndarray) -> np.ndarray:
    """-log2 p_model(y_i | x_i) of each training example (binary logistic regression).

    Whenever example i is misclassified, p(y_i | x_i) <= 1/2, so this is >= 1: the
    NLL measured in bits is an upper bound on the 0-1 loss, example by example.
    """
    z = objective.X @ theta
    signed = np.where(objective.y == 1, z, -z)  # y z with labels in {-1, +1}
    return np.logaddexp(0.0, -signed) / np.log(2)  # log2(1 + exp(-y z))


# ---------------------------------------------------------------------------------------------
# Training on the surrogate: the test 0-1 loss, early stopping, the gradient at the stop
# ---------------------------------------------------------------------------------------------


@dataclass
class TrainingRecord:
    """What ``training_record`` measured every ``every`` steps (step 0 first)."""

    steps: np.ndarray
    train_loss: np.ndarray  # the surrogate J(theta): NLL on the training set
    train_error: np.ndarray  # the 0-1 loss on the training set
    val_loss: np.ndarray
    val_error: np.ndarray
    test_error: np.ndarray
    grad_norm: np.ndarray  # ||grad J(theta)||, full batch
    min_margin: np.ndarray  # min over training examples of z_y - max_{j != y} z_j
    n_train: int
    n_test: int
    label_noise: float

    @property
    def first_zero_train_error(self) -> int | None:
        """The index of the first record with training 0-1 loss 0 (None if never)."""
        return first_index(self.train_error == 0)


def flip_labels(y: np.ndarray, fraction: float, classes: int, seed: int) -> np.ndarray:
    """A copy of y with a random ``fraction`` of labels replaced by a uniformly random class."""
    check.in_interval("fraction", fraction, 0, 1)
    rng = np.random.default_rng(seed)
    y = np.array(y, copy=True)
    flip = rng.random(len(y)) < fraction
    y[flip] = rng.integers(0, classes, flip.sum())
    return y


def margins(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """z_{i, y_i} - max_{j != y_i} z_{i, j} per example: > 0 exactly when example i is right.

    The 0-1 loss only sees their signs; the NLL keeps growing them after the signs are right.
    """
    rows = np.arange(len(y))
    wrong = logits.copy()
    wrong[rows, y] = -np.inf
    return logits[rows, y] - wrong.max(axis=1)


def _scores(net, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(NLL, 0-1 loss, smallest margin) of ``net`` on (X, y), from one forward pass."""
    logits = net.forward(theta, X, train=False)[0]
    gaps = margins(logits, y)
    return softmax_cross_entropy(logits, y)[0], float(np.mean(gaps <= 0)), float(gaps.min())


def training_record(hidden: int | None = 32, steps: int = 250, lr: float = 1.0,
                    train_fraction: float = 0.1, label_noise: float = 0.0, seed: int = 0,
                    every: int = 10) -> TrainingRecord:
    """Full-batch gradient descent on the NLL of a small network on the digits, recorded.

    The network is 64 -> ``hidden`` ReLU units -> 10 (``hidden=None``: softmax
    regression). It trains on ``train_fraction`` of the digits, a random
    ``label_noise`` fraction of whose labels are replaced by random classes;
    validation (30%) and test (the rest) labels stay clean. Each step is
    theta <- theta - eps grad J(theta); every ``every`` steps the record keeps the
    training, validation and test losses and 0-1 losses, ||grad J(theta)|| and the
    smallest training margin. (A tie between the top logits counts as wrong.)
    """
    check.positive_int("steps", steps)
    check.positive("lr", lr)
    every = check.positive_int("every", every)
    check.in_interval("train_fraction", train_fraction, 0, 0.7, open_low=True)
    s = digits(fractions=(train_fraction, 0.3, 0.7 - train_fraction), seed=seed)
    y_train = flip_labels(s.y_train, label_noise, 10, seed)
    net = mlp([64, 10] if hidden is None else [64, check.positive_int("hidden", hidden), 10])
    J = Classifier(net, s.X_train, y_train)  # no batch_size: full-batch gradient descent
    rows = []
    for k, theta, _ in Run(SGD(lr), J, net.init(seed=seed), steps, values=False):
        if k % every == 0 or k == steps:
            train_loss, train_error, margin = _scores(net, theta, s.X_train, y_train)
            val_loss, val_error, _ = _scores(net, theta, s.X_val, s.y_val)
            test_error = _scores(net, theta, s.X_test, s.y_test)[1]
            rows.append((k, train_loss, train_error, val_loss, val_error, test_error,
                         np.linalg.norm(J.full_grad(theta)), margin))
    r = np.array(rows).T
    return TrainingRecord(r[0].astype(int), *r[1:], n_train=len(y_train),
                          n_test=len(s.y_test), label_noise=label_noise)


@dataclass
class EarlyStop:
    """Where early stopping halted, and the state of training there."""

    best: int  # the record index of the lowest validation loss: the parameters returned
    halted: int  # the record index at which training halted
    step: int  # the training step of ``best``
    grad_norm: float  # ||grad J(theta)|| at ``best``: far from 0
    grad_norm_ratio: float  # ||grad J|| at best / ||grad J|| at step 0
    grad_norm_vs_end: float  # ||grad J|| at best / ||grad J|| at the end of the full run
    train_loss_vs_end: float  # J at best / J at the end of the full run


def early_stopping(record: TrainingRecord, patience: int = 10) -> EarlyStop:
    """Early stopping on the validation loss (the surrogate), applied to a recorded run.

    Training halts once the validation loss has not improved for ``patience``
    records in a row, and returns the parameters of the best record. The ratios
    compare the gradient and the training loss there with the start and with
    what the same run reaches if it is not stopped.
    """
    patience = check.positive_int("patience", patience)
    best, halted = 0, len(record.steps) - 1
    for i, loss in enumerate(record.val_loss):
        if loss < record.val_loss[best]:
            best = i
        elif i - best >= patience:
            halted = i
            break
    g = record.grad_norm
    return EarlyStop(best, halted, int(record.steps[best]), float(g[best]), float(g[best] / g[0]),
                     float(g[best] / g[-1]),
                     float(record.train_loss[best] / record.train_loss[-1]))


# ---------------------------------------------------------------------------------------------
# A one-parameter picture of J and J* (for the explorer)
# ---------------------------------------------------------------------------------------------


def one_dimensional_risks(m: int, sigma: float, draw: int, w: float = 1.0, n_max: int = 10_000):
    """Data and risks of y = w x + sigma eps, x ~ N(0, 1), fitted by theta x.

    Returns (x, y, a, b, c) with J(theta) = 1/2 (a theta^2 - 2 b theta + c), where
    a, b, c are the means of x^2, x y, y^2 over the first m of ``n_max`` examples
    drawn from ``draw``; theta^ = b / a. (The risk is J*(theta) = 1/2 ((theta - w)^2 +
    sigma^2).) The same ``draw`` with a larger m adds examples to the same sample.
    """
    m = check.positive_int("m", m)
    if m > n_max:
        raise ValueError(f"m must be in [1, {n_max}], got {m}")
    rng = np.random.default_rng(check.non_negative_int("draw", draw))
    x, eps = rng.normal(size=n_max)[:m], rng.normal(size=n_max)[:m]
    y = w * x + check.non_negative("sigma", sigma) * eps
    return x, y, np.mean(x * x), np.mean(x * y), np.mean(y * y)


# ---------------------------------------------------------------------------------------------
# The notebook's "your turn" checks: the student's code against the library, in plain words
# ---------------------------------------------------------------------------------------------


def _student_vector(name: str, got, d: int, m: int) -> np.ndarray:
    """The student's answer as a float vector of d entries, or an AssertionError saying why not
    (an array of m entries has one number per example, not one per parameter)."""
    if got is None:
        raise AssertionError(f"{name} returned nothing: is the `return` missing?")
    try:
        vector = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} must return a numpy vector of d = {d} numbers, "
                             f"got {type(got).__name__}") from None
    if vector.shape != (d,):
        per_example = " (one per example)" if vector.shape == (m,) else ""
        raise AssertionError(f"{name} must return a vector of d = {d} numbers, one per "
                             f"parameter,\n  got an array of shape {vector.shape}{per_example}")
    return vector


def check_erm_fit(student: Callable, trials: int = 3, seed: int = 0) -> None:
    """``student(X, y) -> theta^``: empirical risk minimization for least squares.

    theta^ = argmin J(theta), J(theta) = 1/(2m) ||X theta - y||^2 (slide "Empirical risk
    minimization"), on ``trials`` samples of m = 30 examples from a ``GaussianLinearModel``
    with d = 5; compared with ``LeastSquares.minimizer``. A wrong answer gets a message
    saying how far the gradient of J, X^T (X theta - y) / m, is from 0 at the student's theta,
    and how much higher J is there than at its minimum. Raises AssertionError.
    """
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    for trial in range(check.positive_int("trials", trials)):
        model = GaussianLinearModel(d=5, sigma=1.0, seed=seed + trial)
        X, y = model.sample(30, rng)
        J = LeastSquares(X, y)
        X_in, y_in = X.copy(), y.copy()
        theta = _student_vector("erm_fit(X, y)", student(X_in, y_in), model.d, len(y))
        if not (np.array_equal(X_in, X) and np.array_equal(y_in, y)):
            raise AssertionError("erm_fit(X, y) changed X or y: compute with them, "
                                 "do not overwrite them")
        best = J.minimizer
        if np.allclose(theta, best, rtol=1e-6, atol=1e-8):
            continue
        gradient = float(np.linalg.norm(J.full_grad(theta)))
        hint = ("set the gradient of J to 0: the normal equations X^T X theta = X^T y;\n"
                "  solve them with np.linalg.solve")
        if np.allclose(theta, X.T @ y / len(y)):
            hint = ("X^T y / m is the right-hand side of the normal equations, not their "
                    "solution:\n  " + hint)
        raise AssertionError(
            f"erm_fit(X, y) is not the minimizer of J (sample {trial}: m = {len(y)}, d = "
            f"{model.d}).\n  At your theta the gradient of J has norm {gradient:.3g} (0 at "
            f"the minimum),\n  and J = {J.value(theta):.4g} against min J = "
            f"{J.value(best):.4g}.\n  Hint: {hint}.")


def check_nll_gradient(student: Callable, trials: int = 3, seed: int = 0) -> None:
    """``student(theta, X, y) -> grad J(theta)`` for the NLL of logistic regression, y in {0, 1}.

    J(theta) = -1/m sum_i log p(y_i | x_i) = 1/m sum_i [log(1 + e^(z_i)) - y_i z_i],
    z = X theta (slide "Surrogate loss function"), on ``trials`` random problems (m = 20,
    d = 4); compared with the central-difference gradient of ``LogisticRegression.value``
    (``cs551.gradcheck``). A wrong answer gets the relative error and, for the common slips
    (sign, a missing 1/m), what to change. Raises AssertionError.
    """
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    m, d = 20, 4
    for trial in range(check.positive_int("trials", trials)):
        X, theta = rng.normal(size=(m, d)), rng.normal(size=d)
        y = (rng.random(m) < 0.5).astype(float)
        J = LogisticRegression(X, y)
        expected = numerical_gradient(J.value, theta)  # finite differences of the NLL itself
        inputs = (theta.copy(), X.copy(), y.copy())
        got = _student_vector("nll_gradient(theta, X, y)", student(*inputs), d, m)
        if not all(np.array_equal(a, b) for a, b in zip(inputs, (theta, X, y), strict=True)):
            raise AssertionError("nll_gradient(theta, X, y) changed its inputs: compute with "
                                 "them, do not overwrite them")
        error = relative_error(got, expected)
        if error < 1e-6:
            continue
        if relative_error(-got, expected) < 1e-6:
            hint = "it points the wrong way: it is the gradient of -J"
        elif relative_error(got / m, expected) < 1e-6:
            hint = f"it is m = {m} times too large: J is a mean over the m examples"
        else:
            hint = ("differentiate log(1 + e^z) - y z with respect to z, then apply the "
                    "chain rule\n  through z = X theta (one row of X per example)")
        raise AssertionError(
            f"nll_gradient is off (problem {trial}: m = {m}, d = {d}): relative error "
            f"{error:.2g}\n  against finite differences of J (a right gradient agrees to "
            f"about 1e-8).\n  Hint: {hint}.")
