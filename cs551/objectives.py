"""Objective functions J(theta): the landscapes the lecture optimizes.

Every objective has ``value(theta)``, ``grad(theta)`` and ``hess(theta)`` (exact,
tested against finite differences) and ``dim``, the length of theta. The 2-D
landscapes also carry what a plot needs: ``bounds``, a default ``start`` and,
where known, the ``minimizer``.

``value`` also accepts a stack of points of shape ``(dim, ...)``, so that
``f.value(np.stack([X, Y]))`` evaluates a whole grid for a contour plot.

The stochastic objectives (``LeastSquares``, ``LogisticRegression``) are the
slides' empirical risk J(theta) = 1/m sum_i L(f(x_i, theta), y_i): their
``value`` is the full training loss and their ``grad`` is the slide's minibatch
estimate g = 1/m' sum_{i in B} grad L_i over a freshly sampled, seeded minibatch.
``NoisyGradient`` models that noise on any landscape: g = grad f + sigma xi.
"""

from __future__ import annotations

import numpy as np

from . import _validate as check
from .data import linear_regression_data

Bounds = tuple[tuple[float, float], tuple[float, float]]


class Objective:
    """Base class: a twice-differentiable function of a 1-D parameter vector theta."""

    name = "objective"
    dim: int
    bounds: Bounds | None = None
    start: np.ndarray | None = None
    minimizer: np.ndarray | None = None
    stacks = False  # value() also takes a stack of points, shape (dim, ...)

    def value(self, theta: np.ndarray) -> np.ndarray | float:
        raise NotImplementedError

    def values(self, thetas: np.ndarray) -> np.ndarray:
        """f at each row of ``thetas`` (shape (n, dim)), as ``minimize`` records a run.

        One call of ``value`` on the stack when it takes one (``stacks``), else one per row.
        """
        if self.stacks:
            return np.asarray(self.value(np.asarray(thetas).T), dtype=float)
        return np.array([float(self.value(theta)) for theta in thetas])

    def grad(self, theta: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def hess(self, theta: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, theta: np.ndarray) -> np.ndarray | float:
        return self.value(theta)

    def __repr__(self) -> str:
        return f"<{self.name}, dim={self.dim}>"


class GradientOracle(Objective):
    """An objective known only through a gradient function ``grad(theta)``.

    For driving an optimizer with given gradients: a fixed array in a benchmark,
    or a student's test case. ``value`` is 0 unless a ``value`` function is given.
    """

    name = "gradient oracle"

    def __init__(self, grad, dim: int, value=None):
        self._grad, self._value = grad, value
        self.dim = check.positive_int("dim", dim)

    def grad(self, theta):
        return self._grad(theta)

    def value(self, theta):
        return 0.0 if self._value is None else self._value(theta)


def _xy(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    theta = np.asarray(theta, dtype=float)
    if theta.shape[:1] != (2,):
        raise ValueError(f"theta must have shape (2,) or (2, ...), got shape {theta.shape}")
    return theta[0], theta[1]


class Quadratic(Objective):
    """The quadratic f(theta) = 1/2 theta^T H theta - b^T theta.

    Its gradient is H theta - b and its Hessian is H everywhere: it *is* the
    slides' local quadratic model J(w) = J(w*) + 1/2 (w - w*)^T H (w - w*).
    When H is positive definite the minimizer is theta* = H^{-1} b.

    >>> f = Quadratic([[1.0, 0.0], [0.0, 0.1]])
    >>> f.grad(np.array([1.0, 1.0]))
    array([1. , 0.1])
    """

    name = "quadratic"
    stacks = True

    def __init__(self, H: np.ndarray, b: np.ndarray | None = None, *, name: str | None = None):
        self.H = check.symmetric_matrix("H", H)
        self.dim = self.H.shape[0]
        self.b = np.zeros(self.dim) if b is None else check.vector("b", b, self.dim)
        self.eigenvalues = np.linalg.eigvalsh(self.H)
        if name is not None:
            self.name = name
        if self.eigenvalues[0] > 0:
            self.minimizer = np.linalg.solve(self.H, self.b)

    @property
    def condition_number(self) -> float:
        """kappa = lambda_max / lambda_min (inf when H is not positive definite)."""
        lo, hi = self.eigenvalues[0], self.eigenvalues[-1]
        return float(hi / lo) if lo > 0 else float("inf")

    def value(self, theta):
        theta = np.asarray(theta, dtype=float)
        if theta.ndim == 1:  # one point (an optimizer's step): 1/2 theta^T H theta - b^T theta
            return 0.5 * (theta @ (self.H @ theta)) - self.b @ theta
        quadratic = np.einsum("i...,ij,j...->...", theta, self.H, theta)  # a grid of points
        linear = np.tensordot(self.b, theta, axes=1)
        return 0.5 * quadratic - linear

    def grad(self, theta):
        return self.H.dot(theta) - self.b  # H theta - b (.dot: 1 us on a 2-vector, @ takes 2)

    def hess(self, theta):
        return self.H.copy()

    def __repr__(self) -> str:
        return f"Quadratic(H={self.H.tolist()}, b={self.b.tolist()})"


def ill_conditioned_quadratic(kappa: float = 10.0) -> Quadratic:
    """f(x, y) = 1/2 (x^2 / kappa + y^2): eigenvalues 1/kappa and 1, condition number kappa.

    Slide "Ill conditioning": gradient descent must take eps < 2 / lambda_max = 2
    to stay stable, yet then crawls along x, where the curvature is only 1/kappa.
    """
    kappa = check.condition_number("kappa", kappa)
    f = Quadratic(np.diag([1.0 / kappa, 1.0]), name=f"ill-conditioned quadratic (κ={kappa:g})")
    half_width = 1.1 * np.sqrt(kappa)
    f.bounds = ((-half_width, half_width), (-1.5, 1.5))
    f.start = np.array([-0.9 * np.sqrt(kappa), 1.0])
    return f


def random_quadratic(dim: int, kappa: float = 10.0, seed: int = 0) -> Quadratic:
    """f = 1/2 theta^T H theta - b^T theta with a random SPD H of condition number kappa.

    H = Q diag(lambda) Q^T with Q a random rotation and eigenvalues log-spaced from
    1/kappa to 1 (so lambda_max = 1); b is standard normal. Seeded.
    """
    dim = check.positive_int("dim", dim)
    kappa = check.condition_number("kappa", kappa)
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    Q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    eigenvalues = np.geomspace(1.0 / kappa, 1.0, dim)
    H = (Q * eigenvalues) @ Q.T
    return Quadratic((H + H.T) / 2, rng.normal(size=dim),
                     name=f"random quadratic (d={dim}, κ={kappa:g})")


class Rosenbrock(Objective):
    """Rosenbrock's banana valley f(x, y) = (a - x)^2 + b (y - x^2)^2, minimum at (a, a^2).

    A curved, narrow valley: the Hessian's conditioning changes along the way,
    so no single learning rate suits the whole trajectory.
    """

    name = "Rosenbrock"
    stacks = True
    dim = 2

    def __init__(self, a: float = 1.0, b: float = 100.0):
        self.a = float(a)
        self.b = check.positive("b", b)
        self.minimizer = np.array([self.a, self.a**2])
        self.bounds = ((-2.0, 2.0), (-1.0, 3.0))
        self.start = np.array([-1.5, 2.0])

    def value(self, theta):
        x, y = _xy(theta)
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def grad(self, theta):
        x, y = _xy(theta)
        return np.array([-2 * (self.a - x) - 4 * self.b * x * (y - x**2), 2 * self.b * (y - x**2)])

    def hess(self, theta):
        x, y = _xy(theta)
        return np.array(
            [[2 - 4 * self.b * (y - x**2) + 8 * self.b * x**2, -4 * self.b * x],
             [-4 * self.b * x, 2 * self.b]]
        )


class Saddle(Objective):
    """The saddle f(x, y) = x^2 - y^2: gradient zero at the origin, Hessian diag(2, -2).

    Slide "Other issues": a critical point whose Hessian has eigenvalues of both
    signs. Gradient descent started on the x axis walks into it; the smallest
    offset in y grows by (1 + 2 eps) per step and carries it away. The function
    is unbounded below, so escaping runs end as ``diverged``.
    """

    name = "saddle"
    stacks = True
    dim = 2

    def __init__(self):
        self.bounds = ((-2.0, 2.0), (-2.0, 2.0))
        self.start = np.array([-1.8, 1e-3])

    def value(self, theta):
        x, y = _xy(theta)
        return x**2 - y**2

    def grad(self, theta):
        x, y = _xy(theta)
        return np.array([2 * x, -2 * y])

    def hess(self, theta):
        return np.diag([2.0, -2.0])


def sigmoid(z):
    # 1 / (1 + exp(-z)), written with tanh so that it never overflows
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class Cliff(Objective):
    """A gentle bowl with a cliff: f(x, y) = h sigmoid(-s x) + k/2 ((x - 2)^2 + y^2).

    For x < 0 the ground is a plateau of height ~h; at x = 0 it drops by h over a
    width of about 4/s, so the gradient there reaches h s / 4 (= 20 by default)
    while elsewhere it is ~k |x - 2| (about 1). Slide "Cliffs": a gradient step that
    lands on the edge catapults the parameters far away (from the default start
    with eps = 0.5, ten units past the minimum); gradient clipping keeps it sane.
    """

    name = "cliff"
    stacks = True
    dim = 2

    def __init__(self, height: float = 10.0, steepness: float = 8.0, k: float = 0.2):
        self.height = check.positive("height", height)
        self.steepness = check.positive("steepness", steepness)
        self.k = check.positive("k", k)
        self.bounds = ((-4.0, 13.0), (-4.0, 4.0))
        self.start = np.array([-2.0, 1.5])
        self.minimizer = np.array([2.0, 0.0])  # the wall's tail at x = 2 is below 1e-5

    def value(self, theta):
        x, y = _xy(theta)
        wall = self.height * sigmoid(-self.steepness * x)
        return wall + 0.5 * self.k * ((x - 2) ** 2 + y**2)

    def grad(self, theta):
        x, y = _xy(theta)
        s = sigmoid(-self.steepness * x)
        dwall = -self.height * self.steepness * s * (1 - s)
        return np.array([dwall + self.k * (x - 2), self.k * y])

    def hess(self, theta):
        x, _ = _xy(theta)
        s = sigmoid(-self.steepness * x)
        d2wall = self.height * self.steepness**2 * s * (1 - s) * (1 - 2 * s)
        return np.array([[d2wall + self.k, 0.0], [0.0, self.k]])


class NoisyGradient(Objective):
    """A landscape whose gradient comes with noise: g = grad f(theta) + sigma xi, xi ~ N(0, I).

    The simplest model of a minibatch gradient: unbiased, with covariance sigma^2 I.
    ``value`` and ``hess`` are the landscape's own; ``full_grad`` is the exact
    gradient. The noise is seeded and every run (``cs551.optim.Run``) calls ``reset()``,
    so every optimizer sees the same noise sequence. Notebooks 05 and 06 use it.

    >>> f = NoisyGradient(ill_conditioned_quadratic(10), sigma=0.5)
    """

    def __init__(self, objective: Objective, sigma: float, seed: int = 0):
        self.objective = objective
        self.sigma = check.non_negative("sigma", sigma)
        self.seed = check.non_negative_int("seed", seed)
        self.dim = objective.dim
        self.name = f"{objective.name}, noisy gradient (σ={self.sigma:g})"
        self.bounds, self.start = objective.bounds, objective.start
        self.minimizer = objective.minimizer
        self.reset()

    def reset(self) -> None:
        """Restart the noise from ``seed``."""
        self.rng = np.random.default_rng(self.seed)

    def value(self, theta):
        return self.objective.value(theta)

    def values(self, thetas):
        return self.objective.values(thetas)

    def grad(self, theta):
        return self.objective.grad(theta) + self.sigma * self.rng.standard_normal(self.dim)

    def full_grad(self, theta) -> np.ndarray:
        return self.objective.grad(theta)

    def hess(self, theta):
        return self.objective.hess(theta)


class MinibatchObjective(Objective):
    """Empirical risk over a data set, with the slides' minibatch gradient.

    ``value(theta)`` is the training loss J(theta) = 1/m sum_i L_i(theta) over all m
    examples. ``grad(theta)`` draws a minibatch B of ``batch_size`` examples
    (without replacement, from a generator seeded with ``seed``) and returns
    g = 1/|B| sum_{i in B} grad L_i(theta); ``batch_size=None`` uses every example
    (deterministic, "batch" gradient descent). ``hess(theta)`` uses the minibatch
    of the latest ``grad`` call, as the slide "Steps for Newton's method" does.
    ``full_grad`` is the exact gradient; ``reset()`` restarts the minibatch stream,
    and ``examples_seen`` counts the examples the gradients have touched.
    """

    def __init__(self, X, y, batch_size: int | None = None, seed: int = 0):
        X = np.array(X, dtype=float)
        y = np.array(y, dtype=float)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must be a 2-D array (examples x features), got shape {X.shape}")
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},), got shape {y.shape}")
        self.X, self.y = X, y
        self.m, self.dim = X.shape
        if batch_size is not None:
            check.positive_int("batch_size", batch_size)
            if batch_size > self.m:
                raise ValueError(f"batch_size must be in [1, {self.m}], got {batch_size!r}")
        self.batch_size = batch_size
        self.seed = check.non_negative_int("seed", seed)
        self.reset()

    def reset(self) -> None:
        """Restart the minibatch stream from ``seed`` and zero ``examples_seen``."""
        self.rng = np.random.default_rng(self.seed)
        self.examples_seen = 0
        self._batch = np.arange(self.m)

    def sample(self) -> np.ndarray:
        """Indices of a fresh minibatch (all examples when ``batch_size`` is None)."""
        if self.batch_size is None:
            return np.arange(self.m)
        return self.rng.choice(self.m, size=self.batch_size, replace=False)

    def value(self, theta):
        return self.loss(theta, np.arange(self.m))

    def grad(self, theta):
        self._batch = self.sample()
        self.examples_seen += len(self._batch)
        return self.batch_grad(theta, self._batch)

    def full_grad(self, theta) -> np.ndarray:
        return self.batch_grad(theta, np.arange(self.m))

    def hess(self, theta):
        return self.batch_hess(theta, self._batch)

    # subclasses: the loss, gradient and Hessian averaged over the examples `idx`
    def loss(self, theta, idx):
        raise NotImplementedError

    def batch_grad(self, theta, idx):
        raise NotImplementedError

    def batch_hess(self, theta, idx):
        raise NotImplementedError


class LeastSquares(MinibatchObjective):
    """Linear least squares J(theta) = 1/(2m) sum_i (x_i^T theta - y_i)^2.

    Gradient X^T (X theta - y) / m, Hessian X^T X / m (constant): a quadratic with
    H = X^T X / m, so everything shown on ``Quadratic`` holds here too.
    """

    name = "least squares"

    def loss(self, theta, idx):
        residual = np.tensordot(self.X[idx], np.asarray(theta, dtype=float), axes=1) - (
            self.y[idx].reshape((-1,) + (1,) * (np.ndim(theta) - 1))
        )
        return 0.5 * np.mean(residual**2, axis=0)

    def batch_grad(self, theta, idx):
        X = self.X[idx]
        return X.T @ (X @ theta - self.y[idx]) / len(idx)

    def batch_hess(self, theta, idx):
        X = self.X[idx]
        return X.T @ X / len(idx)

    @property
    def minimizer(self) -> np.ndarray:
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]


class LogisticRegression(MinibatchObjective):
    """Binary logistic regression, labels y in {0, 1}: the negative log-likelihood

        J(theta) = 1/m sum_i [log(1 + exp(z_i)) - y_i z_i] + l2/2 ||theta||^2,  z_i = x_i^T theta.

    Slide "Surrogate loss function": this is the NLL surrogate for the 0-1 loss.
    Gradient X^T (sigmoid(z) - y) / m + l2 theta;
    Hessian X^T diag(sigmoid(z)(1 - sigmoid(z))) X / m + l2 I.
    """

    name = "logistic regression"

    def __init__(self, X, y, batch_size: int | None = None, seed: int = 0, l2: float = 0.0):
        super().__init__(X, y, batch_size, seed)
        if not np.all((self.y == 0) | (self.y == 1)):
            raise ValueError("y must hold labels 0 and 1 only")
        self.l2 = check.non_negative("l2", l2)

    def loss(self, theta, idx):
        theta = np.asarray(theta, dtype=float)
        z = np.tensordot(self.X[idx], theta, axes=1)
        y = self.y[idx].reshape((-1,) + (1,) * (theta.ndim - 1))
        nll = np.mean(np.logaddexp(0.0, z) - y * z, axis=0)
        return nll + 0.5 * self.l2 * np.sum(theta**2, axis=0)

    def batch_grad(self, theta, idx):
        X = self.X[idx]
        return X.T @ (sigmoid(X @ theta) - self.y[idx]) / len(idx) + self.l2 * theta

    def batch_hess(self, theta, idx):
        X = self.X[idx]
        p = sigmoid(X @ theta)
        return (X.T * (p * (1 - p))) @ X / len(idx) + self.l2 * np.eye(self.dim)

    def error_rate(self, theta) -> float:
        """The 0-1 loss: the fraction of training examples misclassified."""
        return float(np.mean((self.X @ theta > 0) != (self.y == 1)))


def ill_conditioned_regression(kappa: float = 1000.0, d: int = 10, m: int = 20_000,
                               noise: float = 1.0, seed: int = 0) -> LeastSquares:
    """Least squares whose Hessian X^T X / m has condition number about ``kappa``.

    Features are scaled by factors log-spaced from 1 to 1/sqrt(kappa), so the
    eigenvalues of H spread from about 1 down to about 1/kappa.
    """

    kappa = check.condition_number("kappa", kappa)
    scales = np.geomspace(1.0, 1.0 / np.sqrt(kappa), check.positive_int("d", d))
    X, y, _ = linear_regression_data(m, d, noise, seed, scales=tuple(scales))
    return LeastSquares(X, y)


def eigenbasis(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lambdas, Q): H u_i = lambda_i u_i, eigenvalues ascending, Q's columns the orthonormal u_i.

    H = Q diag(lambda) Q^T and Q^T Q = I (slide: "the eigenvectors form a complete
    orthonormal set"). Each u_i is only defined up to its sign: here the largest entry of each
    u_i is made positive, so that the basis does not depend on the LAPACK build.
    """
    lambdas, Q = np.linalg.eigh(check.symmetric_matrix("H", H))
    signs = np.sign(Q[np.argmax(np.abs(Q), axis=0), np.arange(Q.shape[1])])
    return lambdas, Q * signs
