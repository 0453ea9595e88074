"""Training with batch normalization: the experiments of notebook 10.

The transform and the layer are in the foundation (``cs551.nn.batchnorm``); here they are
put to work on the digits:

- ``digits_run`` / ``compare_learning_rates``: the same network with and without BN,
  same initial weights and minibatches, over learning rates (BN trains at rates where the
  plain network stalls or diverges);
- ``activation_statistics``: the spread of every layer's pre-activations during training;
- ``layer_gradient_norms``: ||dJ/dW_l|| per layer, at initialization and after training
  (BN and vanishing gradients);
- ``rescaling_effect``: BN makes a layer's output invariant to the scale of its weights;
- ``fold_network``: the inference network N_BN^inf, each BN folded into its Dense layer;
- ``running_average_lag``: how far the running averages trail the population statistics;
- ``torch_running_statistics``: PyTorch's ``BatchNorm1d`` running statistics, written out
  from its documentation (beyond the slides; no torch needed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from cs551 import _validate as check
from cs551.data import digits
from cs551.nn.batchnorm import BatchNorm, fold
from cs551.nn.layers import Dense, Layer
from cs551.nn.network import (
    Classifier,
    History,
    Network,
    frozen_running_statistics,
    mlp,
    one_blas_thread,
    set_population_statistics,
    softmax_cross_entropy,
    train,
)
from cs551.optim import SGD, Optimizer, Run


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


def digits_mlp(depth: int, batchnorm: bool, width: int = 32, activation: str = "relu") -> Network:
    """An MLP for the 8 x 8 digits: 64 inputs, ``depth`` hidden layers of ``width``, 10 out.

    The hidden units are ReLUs unless ``activation`` names another of ``cs551.nn.ACTIVATIONS``.
    """
    check.positive_int("depth", depth)
    return mlp([64] + [check.positive_int("width", width)] * depth + [10], activation,
               batchnorm=batchnorm)


STALLED = 1.2  # a training loss above this after the run: stalled (chance is ln 10 = 2.30)


@dataclass
class DigitsRun:
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


def digits_run(depth: int, lr: float, batchnorm: bool, *, steps: int = 200, width: int = 32,
                    batch_size: int = 32, seed: int = 0, every: int = 10,
                    optimizer: Optimizer | None = None) -> DigitsRun:
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
    return DigitsRun(net, history, depth, float(lr), bool(batchnorm), steps)


def compare_learning_rates(depth: int, lrs: Iterable[float], **kwargs) -> dict[tuple, DigitsRun]:
    """``digits_run`` with and without BN at each learning rate: {(lr, batchnorm): run}."""
    return {(lr, bn): digits_run(depth, lr, bn, **kwargs)
            for lr in lrs for bn in (False, True)}


def largest_good_lr(runs: dict[tuple, DigitsRun], batchnorm: bool,
                    loss: float = 0.5) -> float | None:
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
    ``digits_run`` does and, at each checkpoint step, pools the pre-activations
    of one layer over ``probe`` fixed training examples and all units. Returns an
    array of shape (checkpoints, depth, 2): [..., 0] the mean, [..., 1] the std.
    """
    checkpoints = sorted({check.non_negative_int("checkpoint", k) for k in checkpoints})
    data = digits()
    net = digits_mlp(depth, batchnorm, width)
    objective = Classifier(net, data.X_train, data.y_train, batch_size=batch_size, seed=seed)
    X, stats = data.X_train[:probe], []
    with one_blas_thread():
        for k, theta, _ in Run(SGD(lr), objective, net.init(seed=seed), checkpoints[-1],
                               values=False):
            if k in checkpoints:
                stats.append([(a.mean(), a.std()) for a in pre_activations(net, theta, X)])
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


def weight_gradient_norms(net: Network, theta: np.ndarray, X: np.ndarray,
                          y: np.ndarray) -> np.ndarray:
    """||dJ/dW_l|| for every Dense layer l (first layer first), J the cross-entropy on (X, y).

    The Frobenius norm of the gradient in each weight matrix W_l (biases, gamma and beta
    left out), from one training-mode pass over all of X: for a BN network the batch
    statistics are those of X, as when ``Classifier`` evaluates J on the training set.
    The running averages are left alone.
    """
    with frozen_running_statistics(net):
        logits, caches = net.forward(theta, X, train=True)
        _, dlogits = softmax_cross_entropy(logits, y)
        grad = net.backward(theta, caches, dlogits)  # dJ/dtheta
    return np.array([np.linalg.norm(layer.split(net.params(grad, i))[0])  # ||dJ/dW_l||
                     for i, layer in enumerate(net.layers) if isinstance(layer, Dense)])


@dataclass
class GradientRecord:
    """``layer_gradient_norms``: per checkpoint step, ||dJ/dW_l|| of every layer and J itself."""

    steps: np.ndarray
    norms: np.ndarray  # (checkpoints, Dense layers): ||dJ/dW_l||, l = 1 .. depth + 1
    loss: np.ndarray  # J(theta_k) on the training set
    depth: int
    lr: float
    batchnorm: bool
    activation: str

    @property
    def first_to_last(self) -> np.ndarray:
        """||dJ/dW_1|| / ||dJ/dW_(depth+1)|| at each checkpoint: below 1, the gradient vanishes
        on its way down to the first layer."""
        return self.norms[:, 0] / self.norms[:, -1]


def layer_gradient_norms(depth: int, lr: float, batchnorm: bool,
                   checkpoints: Iterable[int] = (0, 150), *, activation: str = "relu",
                   width: int = 32, batch_size: int = 32, seed: int = 0) -> GradientRecord:
    """Vanishing gradients, measured: ||dJ/dW_l|| per layer at a few steps of training.

    Trains as ``digits_run`` does (SGD(lr), the same initial weights and minibatches
    with and without BN) and, at each checkpoint step k, computes the gradient of
    the training loss J(theta_k) on all training images (``weight_gradient_norms``).
    If the backward pass shrinks the gradient by a factor per layer, ||dJ/dW_1|| is
    that factor to the power depth times ||dJ/dW_(depth+1)||.
    """
    checkpoints = sorted({check.non_negative_int("checkpoint", k) for k in checkpoints})
    data = digits()
    net = digits_mlp(depth, batchnorm, width, activation)
    objective = Classifier(net, data.X_train, data.y_train, batch_size=batch_size, seed=seed)
    norms, losses = [], []
    with one_blas_thread():
        for k, theta, _ in Run(SGD(lr), objective, net.init(seed=seed), checkpoints[-1],
                               values=False):
            if k in checkpoints:
                norms.append(weight_gradient_norms(net, theta, data.X_train, data.y_train))
                losses.append(objective.value(theta))
    return GradientRecord(np.array(checkpoints), np.array(norms), np.array(losses), depth,
                          float(lr), bool(batchnorm), activation)


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
    recorded, gaps = [], []
    with one_blas_thread():
        for k, theta, _ in Run(optimizer, objective, net.init(seed=seed), steps, values=False):
            if k == 0 or k % every:
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


def torch_running_statistics(batches: Iterable[np.ndarray], momentum: float | None = 0.1,
                             ) -> tuple[np.ndarray, np.ndarray]:
    """The running statistics PyTorch's ``torch.nn.BatchNorm1d(n, momentum=0.1)`` keeps in
    training mode, as its documentation states them (no torch needed).

    ``running_mean`` starts at 0 and ``running_var`` at 1; after each minibatch of m examples

        running_mean <- (1 - momentum) running_mean + momentum mu_B
        running_var  <- (1 - momentum) running_var  + momentum m/(m-1) sigma2_B

    -- the *unbiased* variance is stored, while the training-mode output is normalized with
    the biased sigma2_B. PyTorch's ``momentum`` weighs the new minibatch, so it is the
    course's running-average decay alpha = 1 - momentum (``cs551.nn.running_average``).
    ``momentum=None`` keeps the cumulative (simple) average: weight 1/k for the k-th
    minibatch, i.e. the slide's E_B[mu_B] and m/(m-1) E_B[sigma2_B] over all minibatches.
    """
    if momentum is not None:
        momentum = check.in_interval("momentum", momentum, 0, 1)
    mean, var = None, None
    for k, batch in enumerate(batches, start=1):
        batch = np.asarray(batch, dtype=float)
        if batch.ndim != 2 or batch.shape[0] < 2:
            raise ValueError(f"every batch must be m x n with m >= 2, got shape {batch.shape}")
        if mean is None:
            mean, var = np.zeros(batch.shape[1]), np.ones(batch.shape[1])
        p = 1 / k if momentum is None else momentum  # the weight of the new minibatch
        mean = (1 - p) * mean + p * batch.mean(axis=0)  # mu_B
        var = (1 - p) * var + p * batch.var(axis=0, ddof=1)  # m/(m-1) sigma2_B, unbiased
    if mean is None:
        raise ValueError("batches must hold at least one minibatch, got none")
    return mean, var
