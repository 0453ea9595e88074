"""A small numpy multilayer perceptron: forward, backward, and a training loop.

All parameters of a network live in **one flat vector theta**, so the network's
training loss is just another objective and every optimizer of ``cs551.optim``
trains it unchanged::

    net = mlp([64, 32, 10])                       # 64 inputs, 32 ReLU units, 10 classes
    J = Classifier(net, X, y, batch_size=32)       # softmax cross-entropy, minibatch gradients
    history = train(Momentum(0.1, 0.9), J, net.init(seed=0), steps=500, X_val=Xv, y_val=yv)

A layer has ``n_params``, ``init(rng)``, ``forward(params, x, train)`` returning
``(out, cache)`` and ``backward(params, cache, dout)`` returning ``(dx, dparams)``;
``params`` is the layer's slice of theta. The backward passes are checked against
finite differences in ``tests/test_nn.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from cs551 import _validate as check
from cs551.data import digits
from cs551.objectives import MinibatchObjective
from cs551.optim import Optimizer, Run, diverged, divergence_limit

from .batchnorm import BatchNorm, population_statistics
from .layers import ACTIVATIONS, Dense, Layer


def train_digits(optimizer: Optimizer, *, steps: int = 300, batch_size: int | None = 32,
                 hidden: Sequence[int] = (32,), activation: str = "relu",
                 theta0: np.ndarray | None = None, seed: int = 0, every: int = 10,
                 blowup: float = 1e8):
    """Train ``cs551.nn.mlp([64, *hidden, 10])`` on the digits: the course's real problem.

    The training set (1,078 images), seeded minibatches of ``batch_size``
    (``None``: the full batch), softmax cross-entropy, ``cs551.nn.train`` with the
    validation set recorded. theta0 defaults to ``net.init(seed)``. Returns the
    ``History`` (loss and error every ``every`` steps; ``diverged`` if it blew up: the
    loss past ``blowup`` times its start, or ||theta|| past ``blowup``).
    """
    data = digits()
    net = mlp([64, *hidden, 10], activation)
    J = Classifier(net, data.X_train, data.y_train, batch_size=batch_size, seed=seed)
    theta0 = net.init(seed=seed) if theta0 is None else theta0
    return train(optimizer, J, theta0, steps, X_val=data.X_val, y_val=data.y_val, every=every,
                 blowup=blowup)


def set_population_statistics(net: Network, theta: np.ndarray, X: np.ndarray,
                              batch_size: int, batches: int = 50, seed: int = 0) -> None:
    """Give every ``BatchNorm`` layer of ``net`` the slide's population statistics.

    Runs ``batches`` seeded training minibatches of ``batch_size`` examples of X
    through the network (training mode, weights theta fixed), collects each BN
    layer's mu_B and sigma2_B, and sets E[x] = E_B[mu_B], Var[x] = m/(m-1) E_B[sigma2_B].
    """
    check.positive_int("batches", batches)
    if not 2 <= batch_size <= len(X):
        raise ValueError(f"batch_size must be in [2, {len(X)}], got {batch_size!r}")
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    layers = [i for i, layer in enumerate(net.layers) if isinstance(layer, BatchNorm)]
    inputs: dict[int, list[np.ndarray]] = {i: [] for i in layers}
    with frozen_running_statistics(net):  # measuring must not move the running averages
        for _ in range(batches):
            batch = X[rng.choice(len(X), size=batch_size, replace=False)]
            outs = net.activations(theta, batch, train=True)
            for i in layers:  # layer i's input is layer i-1's output
                inputs[i].append(outs[i - 1] if i else batch)
    for i in layers:
        net.layers[i].population = population_statistics(inputs[i])


@contextmanager
def frozen_running_statistics(net: Network) -> Iterator[None]:
    """Inside the block, training-mode passes leave the BN layers' running averages alone.

    A training-mode forward pass updates ``running_mean``/``running_var``; passes made
    only to *measure* something (population statistics, activation histograms) must not.
    """
    saved = [(layer, layer.running_mean.copy(), layer.running_var.copy())
             for layer in net.layers if isinstance(layer, BatchNorm)]
    try:
        yield
    finally:
        for layer, mean, var in saved:
            layer.running_mean, layer.running_var = mean, var


class Network:
    """Layers applied in order; theta is the concatenation of their parameters."""

    def __init__(self, layers: list[Layer]):
        self.layers = list(layers)
        self.offsets = np.cumsum([0] + [layer.n_params for layer in self.layers])
        self.n_params = int(self.offsets[-1])

    def params(self, theta: np.ndarray, i: int) -> np.ndarray:
        """Layer i's parameters: a view into theta (writing it writes theta)."""
        return theta[self.offsets[i]:self.offsets[i + 1]]

    def init(self, seed: int = 0, std: float | None = None) -> np.ndarray:
        """Random parameters: each layer's default scale, or N(0, std^2) weights if given."""
        rng = np.random.default_rng(check.non_negative_int("seed", seed))
        return np.concatenate([layer.init(rng, std) for layer in self.layers])

    def forward(self, theta: np.ndarray, X: np.ndarray, train: bool = True):
        """The network's output (e.g. logits) and every layer's cache, for ``backward``."""
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got shape {theta.shape}")
        caches, out = [], X
        for i, layer in enumerate(self.layers):
            out, cache = layer.forward(self.params(theta, i), out, train)
            caches.append(cache)
        return out, caches

    def backward(self, theta: np.ndarray, caches: list, dout: np.ndarray) -> np.ndarray:
        """Backpropagation: d loss / d theta, given d loss / d output."""
        grad = np.empty(self.n_params)
        for i in reversed(range(len(self.layers))):
            dout, dparams = self.layers[i].backward(self.params(theta, i), caches[i], dout)
            grad[self.offsets[i]:self.offsets[i + 1]] = dparams
        return grad

    def activations(self, theta: np.ndarray, X: np.ndarray, train: bool = False) -> list:
        """Every layer's output, first layer first."""
        outs, out = [], X
        for i, layer in enumerate(self.layers):
            out, _ = layer.forward(self.params(theta, i), out, train)
            outs.append(out)
        return outs

    def predict(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """The predicted class: the index of the largest output."""
        return np.argmax(self.forward(theta, X, train=False)[0], axis=1)

    def __repr__(self) -> str:
        """One line, or (when longer than 100 characters) a line per hidden block."""
        line = f"Network([{', '.join(map(repr, self.layers))}], n_params={self.n_params})"
        if len(line) <= 100:
            return line
        blocks, block = [], []
        for layer in self.layers:
            block.append(repr(layer))
            if not isinstance(layer, Dense | BatchNorm):  # an activation ends a hidden block
                blocks.append(", ".join(block))
                block = []
        blocks.append(", ".join(block))
        inner = ",\n         ".join(b for b in blocks if b)
        return f"Network([{inner}],\n        n_params={self.n_params})"


def hidden_unit_weights(net: Network, theta: np.ndarray,
                        layer: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views (W_in, b_in, W_out) into theta of hidden layer ``layer`` (0: the first).

    Unit j of the layer has incoming weights W_in[:, j] and bias b_in[j] (its Dense
    layer) and outgoing weights W_out[j, :] (a row of the next Dense layer).
    """
    dense = [i for i, lay in enumerate(net.layers) if isinstance(lay, Dense)]
    if not 0 <= layer < len(dense) - 1:
        raise ValueError(f"layer must index a hidden Dense layer in [0, {len(dense) - 2}], "
                         f"got {layer!r}")
    i, k = dense[layer], dense[layer + 1]
    W_in, b_in = net.layers[i].split(net.params(theta, i))
    W_out, _ = net.layers[k].split(net.params(theta, k))
    return W_in, b_in, W_out


def mlp(sizes: list[int], activation: str = "relu", batchnorm: bool = False) -> Network:
    """Dense layers of the given sizes with an activation between them (none at the end).

    With ``batchnorm`` every hidden Dense layer is followed by a
    ``cs551.nn.BatchNorm`` before its activation, as on the slide "Training &
    inference using batch-norm" (the activation takes y = BN(x) instead of x).

    >>> mlp([64, 32, 10])
    Network([Dense(64, 32), ReLU(), Dense(32, 10)], n_params=2410)
    >>> mlp([64, 32, 10], batchnorm=True)
    Network([Dense(64, 32), BatchNorm(32), ReLU(), Dense(32, 10)], n_params=2474)
    """
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least an input and an output size, got {sizes!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    if not isinstance(batchnorm, bool | np.bool_):
        raise ValueError(f"batchnorm must be True or False, got {batchnorm!r}")

    layers: list[Layer] = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1], strict=True):  # the hidden layers
        layers += [Dense(n_in, n_out)]
        layers += [BatchNorm(n_out)] if batchnorm else []
        layers += [ACTIVATIONS[activation]()]
    # the output layer keeps neither batch norm nor activation
    return Network([*layers, Dense(sizes[-2], sizes[-1])])


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of the correct classes, and its gradient in the logits.

        L = -1/m sum_i log softmax(z_i)[y_i],   dL/dz_i = (softmax(z_i) - onehot(y_i)) / m

    This is the slides' surrogate loss for the 0-1 loss.
    """
    z = logits - logits.max(axis=1, keepdims=True)  # shift for stability; softmax unchanged
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    m = len(y)
    loss = -log_p[np.arange(m), y].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(m), y] -= 1
    return float(loss), dlogits / m


class Classifier(MinibatchObjective):
    """J(theta) = softmax cross-entropy of ``net`` on (X, y), + l2/2 ||theta||^2.

    A ``MinibatchObjective``: ``grad`` samples a seeded minibatch, ``value`` is the
    loss on all of (X, y). Labels are integers 0 .. K-1.
    """

    name = "network classifier"

    def __init__(self, net: Network, X, y, batch_size: int | None = None, seed: int = 0,
                 l2: float = 0.0):
        super().__init__(X, y, batch_size, seed)
        self.net, self.labels = net, np.asarray(y, dtype=int)
        self.dim = net.n_params
        self.l2 = check.non_negative("l2", l2)

    def loss(self, theta, idx):

        with frozen_running_statistics(self.net):  # evaluating J must not change the network
            logits, _ = self.net.forward(theta, self.X[idx])
        return softmax_cross_entropy(logits, self.labels[idx])[0] + 0.5 * self.l2 * theta @ theta

    def batch_grad(self, theta, idx):
        logits, caches = self.net.forward(theta, self.X[idx])
        _, dlogits = softmax_cross_entropy(logits, self.labels[idx])
        return self.net.backward(theta, caches, dlogits) + self.l2 * theta

    def batch_hess(self, theta, idx):
        raise NotImplementedError("the network's Hessian is not computed; use a first-order method")

    def error_rate(self, theta, X=None, y=None) -> float:
        """The 0-1 loss: fraction misclassified (on the training set unless X, y given)."""
        X, y = (self.X, self.labels) if X is None else (X, np.asarray(y, dtype=int))
        return float(np.mean(self.net.predict(theta, X) != y))

    def loss_on(self, theta, X, y) -> float:
        """The cross-entropy on other data, e.g. a validation set (no l2 term)."""
        logits, _ = self.net.forward(theta, np.asarray(X, dtype=float), train=False)
        return softmax_cross_entropy(logits, np.asarray(y, dtype=int))[0]


@dataclass
class History:
    """What ``train`` recorded every ``every`` steps (step 0 first)."""

    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_error: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_error: list[float] = field(default_factory=list)
    diverged: bool = False
    theta: np.ndarray | None = None


def one_blas_thread() -> contextlib.AbstractContextManager:
    """A context in which numpy's BLAS uses one thread (via threadpoolctl, if installed).

    The course's matrices have a few dozen rows and columns: one thread multiplies
    them faster than several, and on a busy machine several threads are many times
    slower (measured here: 7x for a 1078 x 64 by 64 x 32 product at load 6 on 2 cores).
    """
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def train(optimizer: Optimizer, objective: Classifier, theta0: np.ndarray, steps: int, *,
          X_val=None, y_val=None, every: int = 10, blowup: float = 1e8) -> History:
    """The slides' training loop: ``steps`` minibatch updates, with a record every ``every``.

    Records the training loss and 0-1 error (and the validation ones when X_val,
    y_val are given). Unlike ``minimize`` it keeps only the last theta, so it
    suits networks with thousands of parameters. Stops and sets ``diverged`` when
    the loss or parameters blow up, as ``minimize`` does. BLAS runs on one thread
    (``one_blas_thread``): faster for the course's small matrices.
    """
    every = check.positive_int("every", every)
    run = Run(optimizer, objective, theta0, steps, blowup=blowup, values=False)
    history, limit = History(), None
    with one_blas_thread():
        for k, theta, _ in run:
            if run.diverged:
                break
            if k % every and k != steps:
                continue
            loss = float(objective.value(theta))
            limit = divergence_limit(loss, blowup) if limit is None else limit
            if diverged(theta, loss, blowup=blowup, value_limit=limit):
                history.diverged = True
                break
            history.steps.append(k)
            history.train_loss.append(loss)
            history.train_error.append(objective.error_rate(theta))
            if X_val is not None:
                history.val_loss.append(objective.loss_on(theta, X_val, y_val))
                history.val_error.append(objective.error_rate(theta, X_val, y_val))
    history.diverged = history.diverged or run.diverged
    history.theta = run.theta
    return history
