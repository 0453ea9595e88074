"""The layers of the course's MLP: ``Dense`` and the activations.

A layer has ``n_params``, ``init(rng)``, ``forward(params, x, train)`` returning
``(out, cache)`` and ``backward(params, cache, dout)`` returning ``(dx, dparams)``;
``params`` is the layer's slice of the network's flat theta. The batch-normalization
layer is in ``cs551.nn.batchnorm``.
"""

from __future__ import annotations

import numpy as np

from cs551 import _validate as check


class Layer:
    """A layer without parameters, unless a subclass says otherwise."""

    n_params = 0

    def init(self, rng: np.random.Generator, std: float | None = None) -> np.ndarray:
        return np.zeros(self.n_params)

    def forward(self, params: np.ndarray, x: np.ndarray, train: bool = True):
        raise NotImplementedError

    def backward(self, params: np.ndarray, cache, dout: np.ndarray):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Dense(Layer):
    """Affine layer y = x W + b (rows of x are examples); W is n_in x n_out.

    Backward: dW = x^T dy, db = sum over examples of dy, dx = dy W^T.
    """

    def __init__(self, n_in: int, n_out: int):
        self.n_in = check.positive_int("n_in", n_in)
        self.n_out = check.positive_int("n_out", n_out)
        self.n_params = n_in * n_out + n_out

    def split(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Views W (n_in x n_out) and b (n_out) into the layer's parameters."""
        n = self.n_in * self.n_out
        return params[:n].reshape(self.n_in, self.n_out), params[n:]

    def init(self, rng, std=None):
        """W ~ N(0, std^2) with std = sqrt(1 / n_in) unless given; b = 0."""
        std = np.sqrt(1.0 / self.n_in) if std is None else std
        return np.concatenate([rng.normal(0.0, std, self.n_in * self.n_out), np.zeros(self.n_out)])

    def forward(self, params, x, train=True):
        W, b = self.split(params)
        return x @ W + b, x

    def backward(self, params, cache, dout):
        W, _ = self.split(params)
        x = cache
        dW, db = x.T @ dout, dout.sum(axis=0)
        return dout @ W.T, np.concatenate([dW.ravel(), db])

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out})"


class ReLU(Layer):
    """max(0, x); its derivative is 1 where x > 0, else 0."""

    def forward(self, params, x, train=True):
        return np.maximum(x, 0.0), x > 0

    def backward(self, params, cache, dout):
        return dout * cache, np.zeros(0)


class Tanh(Layer):
    """tanh(x); its derivative is 1 - tanh(x)^2."""

    def forward(self, params, x, train=True):
        y = np.tanh(x)
        return y, y

    def backward(self, params, cache, dout):
        return dout * (1 - cache**2), np.zeros(0)


class Sigmoid(Layer):
    """1 / (1 + exp(-x)); its derivative is s (1 - s)."""

    def forward(self, params, x, train=True):
        y = 0.5 * (1 + np.tanh(0.5 * x))
        return y, y

    def backward(self, params, cache, dout):
        return dout * cache * (1 - cache), np.zeros(0)


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}
