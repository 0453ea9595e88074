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

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from . import _validate as check
from .data import digits
from .nn import (
    Classifier,
    Dense,
    History,
    Layer,
    Network,
    mlp,
    one_blas_thread,
    softmax_cross_entropy,
    train,
)
from .optim import SGD, Optimizer, quiet_overflow


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


# --- training with batch normalization (notebook 10) ---


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


def fold_network(net: Network, theta: np.ndarray) -> tuple[Network, np.ndarray]:
    """The inference network N_BN^inf as a plain network: each BN folded into its Dense layer.

    At inference a BN layer is the affine map y = scale x + shift (``fold``), so after
    a Dense layer x W + b the pair is one Dense layer,

        scale (x W + b) + shift = x (W diag(scale)) + (scale b + shift).

    Returns the new network (Dense and activation layers only) and its parameters.
    """
    theta = check.vector("theta", theta, net.n_params)
    layers: list[Layer] = []
    params: list[np.ndarray] = []
    i = 0
    while i < len(net.layers):
        layer, p = net.layers[i], net.params(theta, i)
        following = net.layers[i + 1] if i + 1 < len(net.layers) else None
        if isinstance(layer, BatchNorm):
            raise ValueError(f"layer {i} ({layer!r}) must follow a Dense layer to be folded")
        if isinstance(layer, Dense) and isinstance(following, BatchNorm):
            scale, shift = fold(*following.split(net.params(theta, i + 1)), following.mean,
                                following.var, following.eps)
            W, b = layer.split(p)
            layers.append(Dense(layer.n_in, layer.n_out))
            params.append(np.concatenate([(W * scale).ravel(), scale * b + shift]))
            i += 2
        else:
            layers.append(layer)
            params.append(p.copy())
            i += 1
    return Network(layers), np.concatenate(params)


def digits_mlp(depth: int, batchnorm: bool, width: int = 32) -> Network:
    """A ReLU MLP for the 8 x 8 digits: 64 inputs, ``depth`` hidden layers of ``width``, 10 out."""
    check.positive_int("depth", depth)
    return mlp([64] + [check.positive_int("width", width)] * depth + [10], batchnorm=batchnorm)


STALLED = 1.2  # a training loss above this after the run: stalled (chance is ln 10 = 2.30)


@dataclass
class Run:
    """One training run on the digits: the network (with its BN statistics) and its record."""

    net: Network
    history: History
    depth: int
    lr: float
    batchnorm: bool
    steps: int

    @property
    def final_loss(self) -> float:
        """The last recorded training loss (inf for a run that diverged)."""
        return np.inf if self.history.diverged else self.history.train_loss[-1]

    def outcome(self) -> str:
        """The run's end in words a machine's round-off cannot change.

        A stalled run (loss above ``STALLED``) jumps around chaotically: its last loss
        differs from machine to machine (1.6 to 2.3 for the plain 6-layer network at
        lr = 1), so only the verdict is printed.
        """
        h = self.history
        if h.diverged:
            return "diverged"
        if h.train_loss[-1] > STALLED:
            return f"stalled: loss above {STALLED} (chance: ln 10 = 2.30)"
        return f"loss {h.train_loss[-1]:.2f}, error {h.train_error[-1]:.0%}"


def train_on_digits(depth: int, lr: float, batchnorm: bool, *, steps: int = 200, width: int = 32,
                    batch_size: int = 32, seed: int = 0, every: int = 10,
                    optimizer: Optimizer | None = None) -> Run:
    """SGD(lr) on the digits' training set, ``steps`` minibatches of ``batch_size``, seeded.

    The same initial weights (seed) and the same minibatches for the plain and the BN
    network, so that a comparison isolates batch normalization. The training loss is
    recorded every ``every`` steps; a run that blows up reports ``diverged``.
    """
    data = digits()
    net = digits_mlp(depth, batchnorm, width)
    objective = Classifier(net, data.X_train, data.y_train, batch_size=batch_size, seed=seed)
    optimizer = SGD(lr) if optimizer is None else optimizer
    history = train(optimizer, objective, net.init(seed=seed), steps, every=every)
    return Run(net, history, depth, float(lr), bool(batchnorm), steps)


def compare_learning_rates(depth: int, lrs: Iterable[float], **kwargs) -> dict[tuple, Run]:
    """``train_on_digits`` with and without BN at each learning rate: {(lr, batchnorm): run}."""
    return {(lr, bn): train_on_digits(depth, lr, bn, **kwargs)
            for lr in lrs for bn in (False, True)}


def largest_good_lr(runs: dict[tuple, Run], batchnorm: bool, loss: float = 0.5) -> float | None:
    """The largest learning rate whose run (with or without BN) ends below ``loss``."""
    good = [lr for (lr, bn), run in runs.items() if bn == batchnorm and run.final_loss < loss]
    return max(good) if good else None


def pre_activations(net: Network, theta: np.ndarray, X: np.ndarray) -> list[np.ndarray]:
    """The inputs of every activation layer (after BN, if any), in a training-mode pass on X."""
    with frozen_running_statistics(net):
        outs = net.activations(theta, X, train=True)
    return [outs[i - 1] for i, layer in enumerate(net.layers)
            if i and not isinstance(layer, Dense | BatchNorm)]


def activation_statistics(depth: int, lr: float, batchnorm: bool,
                          checkpoints: Iterable[int] = (0, 20, 100, 200), *, width: int = 32,
                          batch_size: int = 32, seed: int = 0, probe: int = 256) -> np.ndarray:
    """Mean and std of each hidden layer's pre-activations at a few steps of training.

    The "internal covariate shift" picture: while the layers below learn, the
    distribution of what each layer's nonlinearity receives moves. Trains as
    ``train_on_digits`` does and, at each checkpoint step, pools the pre-activations
    of one layer over ``probe`` fixed training examples and all units. Returns an
    array of shape (checkpoints, depth, 2): [..., 0] the mean, [..., 1] the std.
    """
    checkpoints = sorted({check.non_negative_int("checkpoint", k) for k in checkpoints})
    data = digits()
    net = digits_mlp(depth, batchnorm, width)
    objective = Classifier(net, data.X_train, data.y_train, batch_size=batch_size, seed=seed)
    theta, optimizer = net.init(seed=seed), SGD(lr)
    state, X = optimizer.init(theta), data.X_train[:probe]
    stats = []
    with quiet_overflow(), one_blas_thread():
        for k in range(checkpoints[-1] + 1):
            if k in checkpoints:
                stats.append([(a.mean(), a.std()) for a in pre_activations(net, theta, X)])
            if k < checkpoints[-1]:
                optimizer.step(objective, theta, state)
    return np.array(stats)


def rescaling_effect(net: Network, theta: np.ndarray, X: np.ndarray, y: np.ndarray,
                     factor: float = 2.0, layer: int = 0) -> tuple[float, float]:
    """Multiply Dense layer ``layer``'s W and b by ``factor``: what changes on the minibatch (X, y)?

    Returns (relative change of the training-mode outputs, ||g'|| / ||g||), where g is
    the cross-entropy's gradient in that layer's parameters. If a BN layer follows, the
    outputs do not change (up to eps) and the gradient shrinks by 1/factor: larger
    weights get smaller steps. Without BN (ReLU units) the outputs scale too.
    """
    check.positive("factor", factor)
    if not 0 <= layer < len(net.layers) or not isinstance(net.layers[layer], Dense):
        raise ValueError(f"layer must index a Dense layer of net, got {layer!r}")
    scaled = np.array(theta, dtype=float)
    net.params(scaled, layer)[:] *= factor  # W, b -> factor W, factor b
    results = []
    with frozen_running_statistics(net):
        for t in (theta, scaled):
            logits, caches = net.forward(t, X, train=True)
            _, dlogits = softmax_cross_entropy(logits, y)
            results.append((logits, net.params(net.backward(t, caches, dlogits), layer)))
    (out, grad), (out_scaled, grad_scaled) = results
    change = np.max(np.abs(out_scaled - out)) / np.max(np.abs(out))
    return float(change), float(np.linalg.norm(grad_scaled) / np.linalg.norm(grad))


@dataclass
class LagRecord:
    """``running_average_lag``'s record: per step, running average vs population statistics."""

    steps: np.ndarray
    lr: np.ndarray  # the learning rate in force before each recorded step
    gap: np.ndarray  # mean |running mean - E[x]| / sqrt(Var[x]) over units and BN layers
    switch: int
    momentum: float


def running_average_lag(lrs: tuple[float, float] = (0.02, 0.5), switch: int = 100,
                        steps: int = 200, *, depth: int = 4, momentum: float = 0.9,
                        every: int = 10, width: int = 32, batch_size: int = 32, seed: int = 0,
                        batches: int = 30) -> LagRecord:
    """How far the framework's running mean trails the slide's population mean E_B[mu_B].

    Trains a BN network with SGD at learning rate lrs[0], then lrs[1] from step
    ``switch`` on. Every ``every`` steps it measures, for each BN layer, the slide's
    population statistics at the *current* weights (``batches`` minibatches) and the
    distance of the running mean from them, in units of the population std. The
    running average mixes the statistics of past weights: the faster the weights move
    (the larger the learning rate), the further it trails.
    """
    check.positive_int("steps", steps)
    if not 0 <= switch <= steps:
        raise ValueError(f"switch must be in [0, {steps}], got {switch!r}")
    lr0, lr1 = (check.positive(f"lrs[{i}]", lr) for i, lr in enumerate(lrs))
    data = digits()
    net = digits_mlp(depth, True, width)
    layers = [layer for layer in net.layers if isinstance(layer, BatchNorm)]
    for layer in layers:
        layer.momentum = check.unit_interval("momentum", momentum)
    objective = Classifier(net, data.X_train, data.y_train, batch_size=batch_size, seed=seed)
    optimizer = SGD(lambda k: lr0 if k < switch else lr1)
    theta = net.init(seed=seed)
    state = optimizer.init(theta)
    recorded, gaps = [], []
    with quiet_overflow(), one_blas_thread():
        for k in range(1, steps + 1):
            optimizer.step(objective, theta, state)
            if k % every:
                continue
            set_population_statistics(net, theta, data.X_train, batch_size, batches, seed=k)
            gap = [np.mean(np.abs(layer.running_mean - layer.population[0])
                           / np.sqrt(layer.population[1] + layer.eps)) for layer in layers]
            for layer in layers:
                layer.population = None
            recorded.append(k)
            gaps.append(np.mean(gap))
    recorded = np.array(recorded)
    return LagRecord(recorded, np.where(recorded <= switch, lr0, lr1), np.array(gaps), switch,
                     momentum)
