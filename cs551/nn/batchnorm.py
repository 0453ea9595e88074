"""Batch normalization: the transform, its backward pass, and inference.

Slide "Batch normalization transformation" -- over a minibatch B = {x_1, ..., x_m}
(rows of ``x`` are examples, columns are units), per unit:

    mu_B      = 1/m sum_i x_i                          (minibatch mean)
    sigma2_B  = 1/m sum_i (x_i - mu_B)^2               (minibatch variance)
    x_hat_i   = (x_i - mu_B) / sqrt(sigma2_B + eps)    (normalize)
    y_i       = gamma x_hat_i + beta                   (scale and shift)

Slide "Batch normalization for inference" -- after training, the minibatch
statistics are replaced by population statistics over training minibatches,

    E[x] = E_B[mu_B],    Var[x] = m / (m - 1) E_B[sigma2_B],

and the layer becomes one fixed affine map y = scale x + shift (``fold``).

``BatchNorm`` is the layer for the course's numpy MLP (``cs551.nn``): minibatch
statistics when training, population statistics at inference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from cs551 import _validate as check

from .layers import Layer


@dataclass
class Cache:
    """What the backward pass needs from the forward pass."""

    x_hat: np.ndarray
    inv_std: np.ndarray  # 1 / sqrt(sigma2_B + eps)
    gamma: np.ndarray
    mean: np.ndarray  # mu_B
    var: np.ndarray  # sigma2_B


def _check_batch(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float):
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"x must be a 2-D array (examples x units), got shape {x.shape}")
    for name, value in (("gamma", gamma), ("beta", beta)):
        if np.shape(value) != (x.shape[1],):
            raise ValueError(f"{name} must have shape ({x.shape[1]},) to match x's units, "
                             f"got shape {np.shape(value)}")
    check.non_negative("eps", eps)
    return x


def forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
            eps: float = 1e-5) -> tuple[np.ndarray, Cache]:
    """The slide's "Batch normalization transformation" of a minibatch ``x`` (m x n).

        y = gamma (x - mu_B) / sqrt(sigma2_B + eps) + beta

    with mu_B and sigma2_B (divided by m) taken over the rows of x. Returns y and
    the cache for ``backward``.

    >>> y, _ = forward(np.array([[1.0], [3.0]]), np.array([2.0]), np.array([0.5]), eps=0.0)
    >>> y.ravel().tolist()
    [-1.5, 2.5]
    """
    x = _check_batch(x, gamma, beta, eps)
    mean = x.mean(axis=0)  # mu_B
    var = x.var(axis=0)  # sigma2_B = 1/m sum (x_i - mu_B)^2
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std  # x_hat = (x - mu_B) / sqrt(sigma2_B + eps)
    y = gamma * x_hat + beta  # y = gamma x_hat + beta
    return y, Cache(x_hat, inv_std, np.asarray(gamma, dtype=float), mean, var)


def backward(dy: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the transform: (dL/dx, dL/dgamma, dL/dbeta) given dL/dy.

        dbeta  = sum_i dy_i
        dgamma = sum_i dy_i x_hat_i
        dx_i   = gamma / (m sqrt(sigma2_B + eps))
                 * (m dy_i - sum_j dy_j - x_hat_i sum_j dy_j x_hat_j)

    The last line is the chain rule through x_hat, mu_B and sigma2_B (each x_i
    moves the batch's mean and variance), collected into one expression; it is
    checked against finite differences in ``tests/test_batchnorm.py``.
    """
    dy = np.asarray(dy, dtype=float)
    if dy.shape != cache.x_hat.shape:
        raise ValueError(f"dy must have the shape of x, {cache.x_hat.shape}, got {dy.shape}")
    m = dy.shape[0]
    dbeta = dy.sum(axis=0)
    dgamma = (dy * cache.x_hat).sum(axis=0)
    dx_hat = dy * cache.gamma
    dx = cache.inv_std / m * (m * dx_hat - dx_hat.sum(axis=0)
                              - cache.x_hat * (dx_hat * cache.x_hat).sum(axis=0))
    return dx, dgamma, dbeta


def population_statistics(batches: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """E[x] = E_B[mu_B] and Var[x] = m/(m-1) E_B[sigma2_B] over training minibatches.

    Slide "Batch normalization for inference". All batches must have the same size
    m >= 2; m/(m-1) turns the average of the biased minibatch variances into an
    unbiased estimate of the population variance.
    """
    means, variances, sizes = [], [], set()
    for batch in batches:
        batch = np.asarray(batch, dtype=float)
        sizes.add(batch.shape[0])
        means.append(batch.mean(axis=0))  # mu_B
        variances.append(batch.var(axis=0))  # sigma2_B
    if not means:
        raise ValueError("batches must hold at least one minibatch, got none")
    if len(sizes) != 1 or min(sizes) < 2:
        raise ValueError(f"batches must all have the same size m >= 2, got sizes {sorted(sizes)}")
    m = sizes.pop()
    return np.mean(means, axis=0), m / (m - 1) * np.mean(variances, axis=0)


def running_average(batches: Iterable[np.ndarray], momentum: float = 0.9,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The running statistics frameworks keep while training (not on the slides).

        mean <- momentum mean + (1 - momentum) mu_B
        var  <- momentum var  + (1 - momentum) m/(m-1) sigma2_B

    starting from mean 0 and variance 1, as PyTorch's ``BatchNorm`` does (its
    ``momentum`` is our 1 - momentum). It needs no extra pass over the data, but it
    is an exponential average: it weights recent minibatches most -- taken while
    the weights were still changing -- and forgets the start, whereas
    ``population_statistics`` averages minibatches drawn with the final weights.
    """
    check.unit_interval("momentum", momentum)
    mean, var = None, None
    for batch in batches:
        batch = np.asarray(batch, dtype=float)
        m = batch.shape[0]
        if m < 2:
            raise ValueError(f"every batch must have m >= 2 examples, got {m}")
        if mean is None:
            mean, var = np.zeros(batch.shape[1]), np.ones(batch.shape[1])
        mean, var = _running_step(mean, var, batch.mean(axis=0), batch.var(axis=0), m, momentum)
    if mean is None:
        raise ValueError("batches must hold at least one minibatch, got none")
    return mean, var


def _running_step(mean, var, mu_B, sigma2_B, m: int, momentum: float):
    """One update of the running averages by a minibatch of m examples (see above)."""
    return (momentum * mean + (1 - momentum) * mu_B,
            momentum * var + (1 - momentum) * m / (m - 1) * sigma2_B)


def fold(gamma: np.ndarray, beta: np.ndarray, mean: np.ndarray, var: np.ndarray,
         eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """The inference transform as one affine map y = scale x + shift.

        y = gamma / sqrt(Var[x] + eps) x + (beta - gamma E[x] / sqrt(Var[x] + eps))

    (slide "Batch normalization for inference"). Returns (scale, shift).
    """
    check.non_negative("eps", eps)
    if np.any(np.asarray(var) < 0):
        raise ValueError(f"var must be >= 0, got {var!r}")
    scale = np.asarray(gamma) / np.sqrt(np.asarray(var) + eps)  # gamma / sqrt(Var + eps)
    shift = np.asarray(beta) - scale * np.asarray(mean)  # beta - gamma E[x] / sqrt(Var + eps)
    return scale, shift


class BatchNorm(Layer):
    """A batch-normalization layer for ``cs551.nn`` networks (n units).

    Its parameters (in theta) are gamma and beta, initialised to 1 and 0. In
    training mode it normalizes with the minibatch's statistics and updates
    ``running_mean``/``running_var`` as frameworks do; at inference
    (``train=False``) it applies ``fold`` with ``mean``/``var``: the running
    averages, or the slide's population statistics once ``set_population_statistics``
    has been called.
    """

    def __init__(self, n: int, eps: float = 1e-5, momentum: float = 0.9):
        self.n = check.positive_int("n", n)
        self.eps = check.non_negative("eps", eps)
        self.momentum = check.unit_interval("momentum", momentum)
        self.n_params = 2 * n
        self.reset()

    def reset(self) -> None:
        """Forget the statistics: running mean 0, running variance 1."""
        self.running_mean, self.running_var = np.zeros(self.n), np.ones(self.n)
        self.population: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def mean(self) -> np.ndarray:
        return self.running_mean if self.population is None else self.population[0]

    @property
    def var(self) -> np.ndarray:
        return self.running_var if self.population is None else self.population[1]

    def split(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Views gamma and beta into the layer's parameters."""
        return params[:self.n], params[self.n:]

    def init(self, rng, std=None):
        return np.concatenate([np.ones(self.n), np.zeros(self.n)])  # gamma = 1, beta = 0

    def forward(self, params, x, train=True):
        gamma, beta = self.split(params)
        if not train:
            scale, shift = fold(gamma, beta, self.mean, self.var, self.eps)
            return scale * x + shift, None
        y, cache = forward(x, gamma, beta, self.eps)
        if x.shape[0] > 1:  # the running averages, as frameworks keep them
            self.running_mean, self.running_var = _running_step(
                self.running_mean, self.running_var, cache.mean, cache.var, x.shape[0],
                self.momentum)
        return y, cache

    def backward(self, params, cache, dout):
        if cache is None:
            raise ValueError("backward needs a forward pass in training mode (train=True)")
        dx, dgamma, dbeta = backward(dout, cache)
        return dx, np.concatenate([dgamma, dbeta])

    def __repr__(self) -> str:
        return f"BatchNorm({self.n})"
