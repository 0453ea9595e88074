"""Parameter initialization: symmetry breaking and the scale of random weights (notebook 07).

Slide "Parameter initialization": training is iterative and needs a starting
point; that choice affects convergence, speed and numerical stability, and it
must **break the symmetry** between hidden units. This module holds what shows it:

- ``constant_init`` and ``unit_spread``: a network whose hidden units start equal
  keeps them equal under any gradient-based optimizer (measured by how far apart
  the units' weights are); ``train_symmetric`` runs it.
- ``SCHEMES`` and ``init_theta``: the weight scale sigma_w of each Dense layer --
  small, Xavier-Glorot, He, large.
- ``signal_stds``: the forward signal and the backpropagated gradient through a
  deep stack, layer by layer; ``predicted_ratio`` is the per-layer factor
  n sigma_w^2 E[phi'(z)^2]-style prediction derived in ``derivations``.
- ``check_init_std``: the notebook's "your turn" check of He's and Xavier-Glorot's
  sigma_w, against ``SCHEMES``, in plain words.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cs551 import _validate as check
from cs551.data import digits
from cs551.nn.layers import Dense
from cs551.nn.network import Classifier, Network, hidden_unit_weights, mlp, train_digits
from cs551.optim import Momentum, Run

# sigma_w as a function of the layer's fan-in and fan-out
SCHEMES: dict[str, Callable[[int, int], float]] = {
    "small": lambda n_in, n_out: 0.01,
    "Xavier": lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out)),  # Glorot & Bengio (2010)
    "He": lambda n_in, n_out: math.sqrt(2.0 / n_in),  # He et al. (2015), for ReLU
    "large": lambda n_in, n_out: 1.0,
}


def _scheme(scheme: str) -> Callable[[int, int], float]:
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {list(SCHEMES)}, got {scheme!r}")
    return SCHEMES[scheme]


def init_theta(net: Network, scheme: str, seed: int = 0) -> np.ndarray:
    """theta: each Dense W ~ N(0, sigma_w^2), sigma_w = SCHEMES[scheme](n_in, n_out); b = 0."""
    rule = _scheme(scheme)
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    parts = [layer.init(rng, rule(layer.n_in, layer.n_out)) if isinstance(layer, Dense)
             else layer.init(rng) for layer in net.layers]
    return np.concatenate(parts)


def constant_init(net: Network, value: float = 0.1) -> np.ndarray:
    """theta with every weight equal to ``value`` and every bias 0: no symmetry broken."""
    theta = np.zeros(net.n_params)
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Dense):
            W, _ = layer.split(net.params(theta, i))
            W[:] = value
    return theta


def unit_spread(net: Network, theta: np.ndarray, layer: int = 0) -> float:
    """How different the hidden units of Dense layer ``layer`` are: max over units j of
    ||w_j - w_0|| + |b_j - b_0| + ||u_j - u_0||, where w_j, b_j are unit j's incoming
    weights and bias and u_j its outgoing weights (row j of the next Dense layer).
    0 means every unit computes the same function and gets the same update."""
    W, b, U = hidden_unit_weights(net, theta, layer)
    incoming = np.linalg.norm(W - W[:, :1], axis=0) + np.abs(b - b[0])
    outgoing = np.linalg.norm(U - U[:1], axis=1)
    return float(np.max(incoming + outgoing))


@dataclass(frozen=True)
class SymmetryRun:
    """``train_symmetric``'s record: unit spread and training loss every ``every`` steps."""

    steps: np.ndarray
    spread: np.ndarray
    loss: np.ndarray
    error: float
    rank: int  # numerical rank of the first layer's weight matrix at the end


def train_symmetric(optimizer, theta0: np.ndarray, hidden: int = 16, steps: int = 200,
                    every: int = 20, activation: str = "tanh", seed: int = 0) -> SymmetryRun:
    """Train mlp([64, hidden, 10]) on the digits from ``theta0`` and watch the hidden units.

    Records ``unit_spread`` of the hidden layer and the training loss. With a
    constant theta0 the spread stays 0: gradient descent cannot tell the units apart.
    """
    data = digits()
    net = mlp([64, hidden, 10], activation)
    J = Classifier(net, data.X_train, data.y_train, batch_size=32, seed=seed)
    run = Run(optimizer, J, check.vector("theta0", theta0, net.n_params), steps, values=False)
    rows = []
    for k, theta, _ in run:
        if k % every == 0 or k == steps:
            rows.append((k, unit_spread(net, theta), float(J.value(theta))))
    theta = run.theta
    W, _ = net.layers[0].split(net.params(theta, 0))
    rank = int(np.linalg.matrix_rank(W, tol=1e-8 * max(1.0, np.abs(W).max())))
    k, spread, loss = map(np.array, zip(*rows, strict=True))
    return SymmetryRun(k, spread, loss, J.error_rate(theta), rank)


@dataclass(frozen=True)
class SignalStats:
    """Per layer l = 1..depth: std of the pre-activations z_l (forward) and of dJ/dz_l
    (backward, from a unit-variance gradient at the top)."""

    forward: np.ndarray
    backward: np.ndarray
    depth: int
    width: int
    activation: str
    scheme: str


def signal_stds(depth: int, width: int = 100, activation: str = "relu", scheme: str = "He",
                samples: int = 200, seed: int = 0) -> SignalStats:
    """Push N(0, 1) inputs through ``depth`` layers z_l = phi(z_{l-1}) W_l (square, width
    ``width``, weights from ``scheme``), then a N(0, 1) gradient back from the top.

    The layers are ``cs551.nn``'s Dense and activation layers, run by hand so that
    every layer's input gradient can be recorded. Seeded.
    """
    depth = check.positive_int("depth", depth)
    width = check.positive_int("width", width)
    net = mlp([width] * (depth + 1), activation)  # Dense, phi, Dense, ..., Dense; checks phi
    theta = init_theta(net, scheme, seed)
    rng = np.random.default_rng(seed + 1)
    out, caches, forward = rng.standard_normal((samples, width)), [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for i, layer in enumerate(net.layers):
            out, cache = layer.forward(net.params(theta, i), out)
            caches.append(cache)
            if isinstance(layer, Dense):
                forward.append(out.std())  # std of z_l
        grad, backward = rng.standard_normal(out.shape), []
        for i in reversed(range(len(net.layers))):
            if isinstance(net.layers[i], Dense):
                backward.append(grad.std())  # std of dJ/dz_l
            grad, _ = net.layers[i].backward(net.params(theta, i), caches[i], grad)
    return SignalStats(np.array(forward), np.array(backward[::-1]), depth, width, activation,
                       scheme)


def predicted_ratio(activation: str, scheme: str, width: int) -> float:
    """The factor by which Var(z_l) changes per layer, to first order (``derivations``):

    n sigma_w^2 / 2 for ReLU (it keeps half of E[z^2]); n sigma_w^2 for tanh
    (slope 1 at 0: exact for small signals, an upper bound once tanh saturates).
    For square layers the backward pass has the same factor.
    """
    if activation not in ("relu", "tanh"):
        raise ValueError(f"activation must be 'relu' or 'tanh', got {activation!r}")
    sigma = _scheme(scheme)(width, width)
    return width * sigma**2 * (0.5 if activation == "relu" else 1.0)


def train_deep(scheme: str, activation: str = "tanh", hidden: tuple[int, ...] = (64,) * 4,
               lr: float = 0.05, momentum: float = 0.9, steps: int = 150, every: int = 30,
               seed: int = 0):
    """A deep MLP on the digits, initialised by ``scheme`` and trained by momentum SGD.

    Returns ``cs551.nn.History`` (``cs551.nn.train_digits`` does the training).
    """
    net = mlp([64, *hidden, 10], activation)
    return train_digits(Momentum(lr, momentum), steps=steps, hidden=hidden,
                        activation=activation, theta0=init_theta(net, scheme, seed),
                        seed=seed, every=every)


def measured_ratio(values: np.ndarray) -> float:
    """The mean factor per layer of the variance: (values[-1]^2 / values[0]^2)^(1 / (L - 1)).

    ``values`` are the per-layer stds of ``SignalStats.forward`` (or ``backward``
    read from the top, where the ratio is the inverse).
    """
    values = np.asarray(values, dtype=float)
    if len(values) < 2 or values[0] <= 0 or values[-1] <= 0:
        raise ValueError(f"values must hold at least 2 positive stds, got {values!r}")
    return float((values[-1] / values[0]) ** (2.0 / (len(values) - 1)))


def check_init_std(student: Callable[[str, int, int], float], trials: int = 10,
                   seed: int = 0) -> None:
    """``student(scheme, n_in, n_out)``: sigma_w for scheme "He" (sqrt(2 / n_in)) and "Xavier"
    (sqrt(2 / (n_in + n_out))), against ``SCHEMES`` on seeded random fan sizes (n_in != n_out,
    so that fan-in and fan-out cannot be confused). Raises AssertionError saying in plain
    words what is off."""
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    for _ in range(check.positive_int("trials", trials)):
        n_in, n_out = (int(n) for n in rng.choice(np.arange(2, 1000), size=2, replace=False))
        for scheme in ("He", "Xavier"):
            call = f"init_std({scheme!r}, n_in={n_in}, n_out={n_out})"
            got = student(scheme, n_in, n_out)
            if got is None or np.ndim(got) != 0:
                shown = "nothing (no return line?)" if got is None else type(got).__name__
                raise AssertionError(f"Your {call} returns {shown},\n  not one number.")
            got, expected = float(got), SCHEMES[scheme](n_in, n_out)
            if np.isclose(got, expected, rtol=1e-9):
                continue
            if np.isclose(got, expected**2, rtol=1e-9):
                what = ("that is the variance sigma_w^2; the weights' standard deviation "
                        "sigma_w is its square root")
            elif scheme == "He" and np.isclose(got, math.sqrt(2 / n_out), rtol=1e-9):
                what = ("that is sqrt(2 / n_out); He's scale uses the fan-in n_in "
                        "(z sums n_in terms)")
            else:
                what = "He's sigma_w^2 is 2 / n_in, Xavier's is 2 / (n_in + n_out)"
            raise AssertionError(f"{call} should be {expected:.4g}, yours is {got:.4g}:\n  "
                                 f"{what}.")
