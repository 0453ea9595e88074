"""Challenges in neural network optimization: the slides "Issues in optimization" to "Other issues".

Each section is one challenge of the slide list, with what the notebook measures:

- **Ill-conditioning**: ``condition_number``; the second-order change of the cost after
  a gradient step, 1/2 eps^2 g^T H g - eps g^T g (``gradient_step_change``), which
  makes the step *raise* the cost once eps > 2 g^T g / g^T H g (``critical_lr``);
  ``curvature_during_training``: ||g|| and g^T H g while an MLP learns the digits
  (H g by finite differences of the gradient, ``hessian_vector_product``).
- **Local minima and weight-space symmetry**: ``permute_hidden_units`` and
  ``rescale_unit`` change theta but not the network's function;
  ``count_equivalent_settings`` counts the (n!)^h permutations (h hidden layers of n units).
- **Saddle points**: ``classify_critical_point`` reads the signs of the Hessian's
  eigenvalues; ``positive_definite_fraction`` estimates how often a random symmetric
  (GOE) Hessian is positive definite, by dimension.
- **Plateaus**: ``SaturatedSigmoid``, a unit whose gradient is about e^theta deep in
  saturation, and ``plateau_escape_steps`` (about (e^-theta0 - e^-theta1) / eps).
- **Cliffs**: ``cliff_runs``: gradient descent on ``objectives.Cliff`` with and without
  ``optim.ClipGradNorm``; ``longest_step``.
- **Long-term dependencies**: ``matrix_with_eigenvalues`` and ``power_by_eigendecomposition``
  (W^t = V diag(lambda)^t V^-1); ``powers_in_eigenbasis`` shows each eigen-direction
  multiplied by lambda_i^t.
- **Inexact gradients**: ``MeanExp``, whose minibatch gradient is unbiased, and the
  gradient of the *log* of the minibatch mean, which is not: ``all_minibatch_gradients``
  enumerates every minibatch, so the expectations are exact.

The notebook's "your turn" cells are checked by ``check_critical_step`` (the student's
2 g^T g / g^T H g against ``critical_lr``) and ``check_clip`` (the student's clipping against
``optim.clip_by_norm``): each raises AssertionError saying in plain words what is off.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from cs551 import _validate as check
from cs551.nn.layers import Dense, ReLU
from cs551.nn.network import Classifier, Network, hidden_unit_weights, mlp
from cs551.objectives import Cliff, Objective, random_quadratic, sigmoid
from cs551.optim import SGD, ClipGradNorm, Run, Trajectory, clip_by_norm, minimize

# ---------------------------------------------------------------------------------------------
# Ill-conditioning
# ---------------------------------------------------------------------------------------------


def condition_number(H: np.ndarray) -> float:
    """kappa(H) = |lambda|_max / |lambda|_min of a symmetric matrix (inf when singular).

    The slide "Ill conditioning" speaks of the ratio of the smallest to the largest
    eigenvalue; the condition number is its inverse, >= 1, large when ill-conditioned.
    """
    magnitudes = np.abs(np.linalg.eigvalsh(check.symmetric_matrix("H", H)))
    return float(magnitudes.max() / magnitudes.min()) if magnitudes.min() > 0 else math.inf


def gradient_step_change(H: np.ndarray, g: np.ndarray, lr: float) -> float:
    """The second-order change of f after the gradient step theta -> theta - eps g:

        f(theta - eps g) - f(theta) ~= 1/2 eps^2 g^T H g - eps g^T g.

    (slide "Ill conditioning"). Exact for a quadratic. Positive means the step *raises* the cost.
    """
    lr = check.positive("lr", lr)
    return float(0.5 * lr**2 * g @ H @ g - lr * g @ g)  # 1/2 eps^2 g'Hg - eps g'g


def critical_lr(H: np.ndarray, g: np.ndarray) -> float:
    """The step size eps = 2 g^T g / g^T H g above which the gradient step raises the cost.

    inf when g^T H g <= 0 (no curvature along g: the second-order model never turns up).
    """
    gHg = float(g @ H @ g)
    return 2 * float(g @ g) / gHg if gHg > 0 else math.inf


def hessian_vector_product(grad: Callable[[np.ndarray], np.ndarray], theta: np.ndarray,
                           v: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """H v by a central difference of the gradient: (grad(theta + h v) - grad(theta - h v)) / 2h.

    Two gradient evaluations, no Hessian: how g^T H g is measured on a network whose
    Hessian has millions of entries. ``h`` is relative to ||v|| (v is normalized first).
    """
    norm = float(np.linalg.norm(v))
    if norm == 0:
        return np.zeros_like(theta)
    u = v / norm
    return norm * (grad(theta + h * u) - grad(theta - h * u)) / (2 * h)


@dataclass
class CurvatureRecord:
    """``curvature_during_training``'s measurements, one entry per record (every ``every`` steps).

    ``loss`` and ``error`` are on the whole training set at the record's step;
    ``gg`` and ``gHg`` are the means of g^T g and g^T H g over the ``every`` steps that
    end there, for the minibatch gradient g = grad J_B and Hessian H = H_B of each step's
    minibatch B (the cost that step descends).
    """

    steps: np.ndarray
    loss: np.ndarray
    error: np.ndarray
    gg: np.ndarray
    gHg: np.ndarray
    lr: float

    @property
    def grad_norm(self) -> np.ndarray:
        """The RMS gradient norm sqrt(mean g^T g)."""
        return np.sqrt(self.gg)

    @property
    def curvature(self) -> np.ndarray:
        """g^T H g / g^T g: the curvature of the cost along the gradient."""
        return self.gHg / self.gg

    @property
    def curvature_share(self) -> np.ndarray:
        """(1/2 eps^2 g^T H g) / (eps g^T g): the fraction of the first-order gain that the
        curvature term takes back; the step raises the cost when it exceeds 1."""
        return 0.5 * self.lr * self.curvature


class _CurvatureProbe:
    """J as SGD sees it, measuring g^T g and g^T H_B g of every minibatch gradient it hands out."""

    def __init__(self, J: Classifier):
        self.J, self.window = J, []

    def grad(self, theta: np.ndarray) -> np.ndarray:
        batch = self.J.sample()  # a fresh minibatch B
        g = self.J.batch_grad(theta, batch)  # g = grad J_B(theta)
        Hg = hessian_vector_product(lambda t: self.J.batch_grad(t, batch), theta, g)  # H_B g
        self.window.append((g @ g, g @ Hg))
        return g

    def __getattr__(self, name):
        return getattr(self.J, name)


def curvature_during_training(X: np.ndarray, y: np.ndarray, hidden: int = 32, lr: float = 0.1,
                              batch_size: int = 32, steps: int = 300, every: int = 20,
                              init_std: float = 0.05, seed: int = 0) -> CurvatureRecord:
    """Train an MLP (one hidden ReLU layer) with minibatch SGD; watch g^T g and g^T H g.

    Slide "Ill conditioning": in many cases the gradient norm does not shrink much during
    learning while g^T H g grows more rapidly. The weights start small (N(0,
    ``init_std``^2)). At every step, H g is measured by ``hessian_vector_product`` of the
    step's own minibatch gradient, so g and H are those of the cost J_B the step descends.
    """
    every = check.positive_int("every", every)
    steps = check.positive_int("steps", steps)
    net = mlp([X.shape[1], check.positive_int("hidden", hidden), int(np.max(y)) + 1])
    J = Classifier(net, X, y, batch_size=batch_size, seed=seed)
    probe = _CurvatureProbe(J)
    theta0 = net.init(seed=seed, std=check.positive("init_std", init_std))
    rows, record = [], None
    # steps + 1 SGD steps: the record of step k averages g^T g, g^T H g up to the step from theta_k
    for k, theta, _ in Run(SGD(check.positive("lr", lr)), probe, theta0, steps + 1, values=False):
        if record is not None:
            rows.append((*record, *np.mean(probe.window, axis=0)))
            probe.window, record = [], None
        if k <= steps and k % every == 0:
            record = (k, J.value(theta), J.error_rate(theta))
    k, loss, error, gg, gHg = map(np.array, zip(*rows, strict=True))
    return CurvatureRecord(k, loss, error, gg, gHg, float(lr))


# ---------------------------------------------------------------------------------------------
# Local minima and weight-space symmetry
# ---------------------------------------------------------------------------------------------


def _dense_indices(net: Network) -> list[int]:
    dense = [i for i, layer in enumerate(net.layers) if isinstance(layer, Dense)]
    if len(dense) < 2:
        raise ValueError(f"net must have at least one hidden layer, got {net!r}")
    return dense


def hidden_sizes(net: Network) -> list[int]:
    """The number of units n_l of each hidden layer (outputs of all Dense layers but the last)."""
    return [net.layers[i].n_out for i in _dense_indices(net)[:-1]]


def count_equivalent_settings(sizes: Sequence[int]) -> int:
    """prod_l n_l! over the hidden layers: (n!)^h for h hidden layers of n units (slide
    "Local minima (contd.)"). ``sizes`` lists the layer sizes as for ``nn.mlp``."""
    if len(sizes) < 3:
        raise ValueError(f"sizes must include at least one hidden layer, got {sizes!r}")
    return math.prod(math.factorial(check.positive_int("sizes", n)) for n in sizes[1:-1])


def permute_hidden_units(net: Network, theta: np.ndarray,
                         perms: Sequence[Sequence[int]]) -> np.ndarray:
    """theta with the units of hidden layer l reordered by ``perms[l]``.

    Unit j of the new layer is unit perms[l][j] of the old one: its incoming weights
    (a column of W_l), its bias, and its outgoing weights (a row of W_{l+1}) move
    together, so the network computes the same function (weight-space symmetry).
    """
    hidden = len(_dense_indices(net)) - 1
    if len(perms) != hidden:
        raise ValueError(f"perms must hold one permutation per hidden layer ({hidden}), "
                         f"got {len(perms)}")
    new = np.array(theta, dtype=float)
    for layer, perm in enumerate(perms):
        perm = np.asarray(perm)
        W_in, b_in, W_out = hidden_unit_weights(net, new, layer)
        n = len(b_in)
        if sorted(perm.tolist()) != list(range(n)):
            raise ValueError(f"perms[{layer}] must be a permutation of 0..{n - 1}, got {perm!r}")
        W_in[:] = W_in[:, perm]  # columns: the units' incoming weights
        b_in[:] = b_in[perm]
        W_out[:] = W_out[perm, :]  # rows: the units' outgoing weights
    return new


def all_hidden_permutations(net: Network) -> Iterator[tuple[tuple[int, ...], ...]]:
    """Every combination of one permutation per hidden layer: prod_l n_l! of them."""
    return itertools.product(*(itertools.permutations(range(n)) for n in hidden_sizes(net)))


def rescale_unit(net: Network, theta: np.ndarray, layer: int, unit: int,
                      alpha: float) -> np.ndarray:
    """theta with unit ``unit`` of hidden layer ``layer``: incoming weights and bias times alpha,
    outgoing weights times 1/alpha (slide "Local minima (contd.)").

    For alpha > 0, ReLU(alpha z) = alpha ReLU(z), so the function is unchanged: a whole
    curve of parameters, all with the same cost.
    """
    _dense_indices(net)  # a network without hidden layers has nothing to rescale
    new = np.array(theta, dtype=float)
    W_in, b_in, W_out = hidden_unit_weights(net, new, layer)
    n = len(b_in)
    if not 0 <= unit < n:
        raise ValueError(f"unit must be in [0, {n - 1}], got {unit!r}")
    alpha = check.positive("alpha", alpha)
    W_in[:, unit] *= alpha
    b_in[unit] *= alpha
    W_out[unit, :] /= alpha
    return new


def is_relu_network(net: Network) -> bool:
    """True when every activation of ``net`` is a ReLU (the rescaling symmetry then holds)."""
    return all(isinstance(layer, Dense | ReLU) for layer in net.layers)


# ---------------------------------------------------------------------------------------------
# Saddle points
# ---------------------------------------------------------------------------------------------


def classify_critical_point(H: np.ndarray, tol: float = 1e-10) -> str:
    """"minimum", "maximum", "saddle" or "degenerate", from the signs of H's eigenvalues.

    Slide "Other issues": at a saddle the gradient is 0 and the Hessian has both positive
    and negative eigenvalues. With a zero eigenvalue (within ``tol``) the second-order
    test cannot decide: "degenerate".
    """
    lam = np.linalg.eigvalsh(check.symmetric_matrix("H", H))
    if lam[0] < -tol and lam[-1] > tol:
        return "saddle"
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "minimum" if lam[0] > 0 else "maximum"


def goe(d: int, n: int, seed: int = 0) -> np.ndarray:
    """n random symmetric d x d matrices from the Gaussian orthogonal ensemble: (G + G^T) / 2,
    G with i.i.d. N(0, 1) entries. Shape (n, d, d)."""
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    G = rng.normal(size=(check.positive_int("n", n), check.positive_int("d", d), d))
    return (G + np.swapaxes(G, 1, 2)) / 2


def _normal_tail(x: np.ndarray) -> np.ndarray:
    """P(Z > x) for a standard normal Z."""
    return 0.5 * np.array([math.erfc(v / math.sqrt(2)) for v in np.ravel(x)]).reshape(np.shape(x))


@dataclass
class DefiniteFraction:
    """``positive_definite_fraction``: per dimension d, the fraction of GOE Hessians that are
    positive definite, by plain counting and by the conditional estimator, with standard errors."""

    dims: np.ndarray
    counted: np.ndarray
    counted_se: np.ndarray
    conditional: np.ndarray
    conditional_se: np.ndarray
    samples: int

    @property
    def saddles_per_minimum(self) -> np.ndarray:
        """(1 - p) / p: critical points with this random Hessian that are not minima, per minimum
        (almost all of them are saddles: a maximum is as rare as a minimum)."""
        return (1 - self.conditional) / self.conditional


def positive_definite_fraction(dims: Sequence[int], samples: int = 20_000, seed: int = 0,
                               shrink: float = 0.7) -> DefiniteFraction:
    """How often is a random symmetric (GOE) d x d Hessian positive definite?

    Counting is hopeless beyond d ~ 5 (the fraction is ~1e-9 at d = 8). The conditional
    estimate works for every d: a GOE matrix splits into independent parts A = t I + B,
    with t = tr(A)/d ~ N(0, 1/d) and B traceless (density prop. to exp(-||B||_F^2 / 2)).
    A is positive definite iff t > -lambda_min(B), which, given B, has probability
    P(Z > -lambda_min(B) sqrt(d)). Averaging it over samples of B gives the fraction.
    The samples of B are drawn ``shrink`` times smaller than the GOE's, where the tail
    probability is larger, and reweighted by the ratio of the two densities,
    shrink^D exp(-||B||^2 (1 - 1/shrink^2) / 2) with D = d(d+1)/2 - 1 (importance
    sampling: the estimate stays unbiased; ``shrink=1`` turns it off).
    """
    samples = check.positive_int("samples", samples)
    check.in_interval("shrink", shrink, 0, 1, open_low=True)
    rows = []
    for i, d in enumerate(dims):
        A = goe(check.positive_int("d", d), samples, seed + i)
        lam = np.linalg.eigvalsh(A)
        counted = (lam[:, 0] > 0).astype(float)
        t = lam.mean(axis=1)  # tr(A)/d
        b = shrink * (lam - t[:, None])  # eigenvalues of the (shrunk) traceless part B
        D = d * (d + 1) // 2 - 1
        weight = shrink**D * np.exp(-0.5 * (b**2).sum(axis=1) * (1 - 1 / shrink**2))
        p = weight * _normal_tail(-b[:, 0] * math.sqrt(d))  # P(t > -lambda_min(B) | B)
        rows.append((counted.mean(), counted.std() / math.sqrt(samples),
                     p.mean(), p.std() / math.sqrt(samples)))
    c, c_se, p, p_se = map(np.array, zip(*rows, strict=True))
    return DefiniteFraction(np.array(dims), c, c_se, p, p_se, samples)


# ---------------------------------------------------------------------------------------------
# Plateaus
# ---------------------------------------------------------------------------------------------


class SaturatedSigmoid(Objective):
    """One sigmoid unit with target 1: J(theta) = 1/2 (1 - sigma(theta))^2.

    Its gradient -sigma(theta) (1 - sigma(theta))^2 is about -e^theta for theta << 0: a
    plateau where the cost is flat (~1/2) and the gradient tiny. Gradient descent there
    moves e^-theta down by about eps per step, so leaving the plateau from theta_0 takes
    about (e^-theta_0 - e^-theta_1) / eps steps.
    """

    name = "saturated sigmoid unit"
    dim = 1

    @staticmethod
    def _s(theta):
        return sigmoid(np.asarray(theta, dtype=float))  # sigma(theta)

    def value(self, theta):
        return 0.5 * (1 - self._s(theta[0])) ** 2

    def grad(self, theta):
        s = self._s(theta)
        return -s * (1 - s) ** 2

    def hess(self, theta):
        s = self._s(theta)
        return np.atleast_2d(s * (1 - s) ** 2 * (3 * s - 1))  # d/dtheta of -s (1 - s)^2


def plateau_escape_steps(theta0: float, lr: float = 1.0, exit_at: float = -1.0,
                         max_steps: int = 100_000) -> tuple[int, float]:
    """(steps gradient descent needs to go from ``theta0`` past ``exit_at``, the prediction
    (e^-theta0 - e^-exit_at) / eps) on ``SaturatedSigmoid``."""
    if not theta0 < exit_at:
        raise ValueError(f"theta0 must be < exit_at = {exit_at}, got {theta0!r}")
    lr = check.positive("lr", lr)
    steps = check.positive_int("max_steps", max_steps)
    for k, theta, _ in Run(SGD(lr), SaturatedSigmoid(), [float(theta0)], steps, values=False):
        if theta[0] > exit_at:
            return k, (math.exp(-theta0) - math.exp(-exit_at)) / lr
    raise ValueError(f"max_steps={max_steps} is too few to leave the plateau from {theta0}")


# ---------------------------------------------------------------------------------------------
# Cliffs and gradient clipping
# ---------------------------------------------------------------------------------------------


def cliff_runs(lr: float = 0.5, max_norm: float = 1.0, steps: int = 60,
               start: Sequence[float] | None = None,
               objective: Cliff | None = None) -> dict[str, Trajectory]:
    """Gradient descent on ``objectives.Cliff``, plain and with gradient clipping by norm."""
    f = Cliff() if objective is None else objective
    theta0 = f.start if start is None else np.asarray(start, dtype=float)
    return {
        "no clipping": minimize(SGD(lr), f, theta0, steps),
        f"clipped, ||g|| <= {max_norm:g}": minimize(ClipGradNorm(SGD(lr), max_norm), f, theta0,
                                                    steps),
    }


def longest_step(run: Trajectory | np.ndarray) -> float:
    """max_k ||theta_{k+1} - theta_k||: the largest jump of a run."""
    thetas = run.thetas if isinstance(run, Trajectory) else np.asarray(run, dtype=float)
    return float(np.linalg.norm(np.diff(thetas, axis=0), axis=1).max()) if len(thetas) > 1 else 0.0


# ---------------------------------------------------------------------------------------------
# Long-term dependencies
# ---------------------------------------------------------------------------------------------


def matrix_with_eigenvalues(eigenvalues: Sequence[float], seed: int = 0) -> np.ndarray:
    """W = V diag(lambda) V^-1 with a random (seeded, well-conditioned) basis V."""
    lam = check.vector("eigenvalues", eigenvalues)
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    V = np.eye(len(lam)) + 0.5 * rng.normal(size=(len(lam), len(lam))) / math.sqrt(len(lam))
    return V @ np.diag(lam) @ np.linalg.inv(V)


def power_by_eigendecomposition(W: np.ndarray, t: int) -> np.ndarray:
    """W^t = V diag(lambda)^t V^-1 (slide "Other issues", long-term dependencies).

    After t steps of h <- W h, each eigen-direction v_i has been multiplied by lambda_i^t:
    |lambda_i| > 1 explodes, |lambda_i| < 1 vanishes. (Complex eigenvalues come in
    conjugate pairs; the imaginary parts cancel, and are dropped.)
    """
    lam, V = np.linalg.eig(np.asarray(W, dtype=float))
    if np.linalg.cond(V) > 1e10:
        raise ValueError(f"W must be diagonalizable (W = V diag(lambda) V^-1), got {W!r}")
    Wt = V @ np.diag(lam ** check.non_negative_int("t", t)) @ np.linalg.inv(V)
    return Wt.real


def powers_in_eigenbasis(W: np.ndarray, h0: np.ndarray,
                         steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(eigenvalues, |c_i(t)|): the coordinates of h_t = W^t h0 in W's eigenbasis, t = 0..steps,
    computed by repeated multiplication (h <- W h), not from the formula."""
    lam, V = np.linalg.eig(np.asarray(W, dtype=float))
    order = np.argsort(-np.abs(lam))
    lam, V = lam[order], V[:, order]
    h, coords = np.array(h0, dtype=float), []
    for _ in range(check.non_negative_int("steps", steps) + 1):
        coords.append(np.abs(np.linalg.solve(V, h)))
        h = W @ h  # h_t = W h_{t-1}
    return lam, np.array(coords)


# ---------------------------------------------------------------------------------------------
# Inexact gradients and their bias
# ---------------------------------------------------------------------------------------------


class MeanExp(Objective):
    """J(theta) = 1/m sum_i exp(x_i^T theta), and its logarithm, on a small seeded data set.

    The minibatch gradient of J, 1/n sum_{i in B} x_i exp(x_i^T theta), is unbiased. The
    gradient of log J, sum_i x_i e^(x_i^T theta) / sum_i e^(x_i^T theta), estimated by the
    gradient of the log of a *minibatch* mean is a ratio of two estimates: biased
    (E[X / Y] != E[X] / E[Y]). Such logs of means appear in marginal likelihoods and in
    softmax normalizers estimated from a sample.
    """

    name = "mean of exponentials"

    def __init__(self, m: int = 12, dim: int = 2, seed: int = 0):
        rng = np.random.default_rng(check.non_negative_int("seed", seed))
        self.X = rng.normal(size=(check.positive_int("m", m), check.positive_int("dim", dim)))
        self.m, self.dim = self.X.shape

    def value(self, theta):
        return float(np.mean(np.exp(self.X @ theta)))

    def grad(self, theta):
        return self.batch_grad(theta, np.arange(self.m))

    def hess(self, theta):
        w = np.exp(self.X @ theta)
        return (self.X.T * w) @ self.X / self.m

    def batch_grad(self, theta, idx) -> np.ndarray:
        """1/n sum_{i in B} x_i exp(x_i^T theta): the unbiased minibatch gradient of J."""
        X = self.X[idx]
        return X.T @ np.exp(X @ theta) / len(idx)

    def log_grad(self, theta) -> np.ndarray:
        """grad log J(theta) = grad J / J."""
        return self.grad(theta) / self.value(theta)

    def batch_log_grad(self, theta, idx) -> np.ndarray:
        """grad log(1/n sum_{i in B} exp(x_i^T theta)): the gradient of the log of the
        minibatch mean, a biased estimate of ``log_grad``."""
        X = self.X[idx]
        w = np.exp(X @ theta)
        return X.T @ w / w.sum()


def all_minibatch_gradients(f: MeanExp, theta: np.ndarray, n: int,
                            log: bool = False) -> np.ndarray:
    """The estimate of every one of the C(m, n) minibatches of n distinct examples (rows).

    Their mean is the *exact* expectation of the minibatch estimate under uniform sampling
    without replacement: no Monte Carlo error.
    """
    if not 1 <= check.positive_int("n", n) <= f.m:
        raise ValueError(f"n must be in [1, {f.m}], got {n!r}")
    estimate = f.batch_log_grad if log else f.batch_grad
    return np.array([estimate(theta, list(idx)) for idx in itertools.combinations(range(f.m), n)])


def estimator_bias(f: MeanExp, theta: np.ndarray, sizes: Sequence[int]) -> dict[str, np.ndarray]:
    """||E[g_B] - grad|| by batch size n, for the unbiased gradient of J and the log-of-mean
    gradient of log J, relative to the norm of the true gradient. Exact expectations."""
    out = {"unbiased": [], "log of minibatch mean": []}
    for n in sizes:
        for label, log, true in (("unbiased", False, f.grad(theta)),
                                 ("log of minibatch mean", True, f.log_grad(theta))):
            mean = all_minibatch_gradients(f, theta, n, log).mean(axis=0)
            out[label].append(np.linalg.norm(mean - true) / np.linalg.norm(true))
    return {label: np.array(values) for label, values in out.items()}


# ---------------------------------------------------------------------------------------------
# The notebook's "your turn" checks
# ---------------------------------------------------------------------------------------------


def _returned(name: str, got) -> str:
    """How a wrong kind of return value is described: "nothing" (no return), its shape, its type."""
    if got is None:
        return f"Your {name} returns nothing (no return line?)"
    if np.ndim(got):
        return f"Your {name} returns an array of shape {np.shape(got)}"
    return f"Your {name} returns a {type(got).__name__}"


def check_critical_step(student: Callable[[np.ndarray, np.ndarray], float], trials: int = 10,
                        seed: int = 0) -> None:
    """``student(H, g)``: the step size 2 g^T g / g^T H g beyond which the gradient step raises
    the cost (slide "Ill conditioning"), against ``critical_lr`` on seeded random quadratics
    with positive-definite H. Raises AssertionError saying in plain words what is off."""
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    for trial in range(check.positive_int("trials", trials)):
        d = int(rng.integers(2, 6))
        H = random_quadratic(d, kappa=float(rng.uniform(2, 100)), seed=trial).H
        g = rng.normal(size=d)
        H_in, g_in = H.copy(), g.copy()
        got = student(H_in, g_in)
        if not (np.array_equal(H_in, H) and np.array_equal(g_in, g)):
            raise AssertionError("Your critical_step changed the H or g passed in:\n"
                                 "  compute with them, do not modify them.")
        if got is None or np.ndim(got) != 0:
            raise AssertionError(_returned("critical_step(H, g)", got) + ", not one number.")
        got, expected = float(got), critical_lr(H, g)
        if np.isclose(got, expected, rtol=1e-9):
            continue
        case = f"For a {d}-dimensional quadratic (trial {trial})"
        if np.isclose(got, expected / 2, rtol=1e-9):
            raise AssertionError(f"{case} you return g'g / g'Hg = {got:.4g}:\n  the best step "
                                 f"along g, where the cost is lowest.\n  The cost rises again "
                                 f"only past twice that, {expected:.4g}.")
        raise AssertionError(f"{case}\n  the cost starts to rise at eps = {expected:.4g}, yours "
                             f"gives {got:.4g}.\n  Hint: set 1/2 eps^2 g'Hg - eps g'g = 0 and "
                             "divide by eps\n  (g'g is g @ g, g'Hg is g @ H @ g).")


def check_clip(student: Callable[[np.ndarray, float], np.ndarray], trials: int = 10,
               seed: int = 0) -> None:
    """``student(g, max_norm)``: gradient clipping by norm, g <- g max_norm / ||g|| when
    ||g|| > max_norm (slide "Other issues": cliffs use gradient clipping), against
    ``optim.clip_by_norm`` on seeded random gradients, half of them longer than ``max_norm``.
    Raises AssertionError saying in plain words what is off."""
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    for trial in range(check.positive_int("trials", trials)):
        d, max_norm = int(rng.integers(2, 6)), float(rng.uniform(0.5, 3.0))
        g = rng.normal(size=d)
        long = trial % 2 == 0  # alternately longer and shorter than max_norm
        length = max_norm * (rng.uniform(1.5, 10) if long else rng.uniform(0.1, 0.9))
        g *= length / np.linalg.norm(g)
        g_in = g.copy()
        got = student(g_in, max_norm)
        if not np.array_equal(g_in, g):
            raise AssertionError("Your clip changed the g passed in: return a new array\n"
                                 "  (g * factor), do not scale g in place (g *= ...).")
        if got is None or np.shape(got) != g.shape:
            raise AssertionError(_returned("clip(g, max_norm)", got)
                                 + f",\n  not an array shaped like g {g.shape}.")
        got = np.asarray(got, dtype=float)
        if np.allclose(got, clip_by_norm(g, max_norm), rtol=1e-9, atol=1e-12):
            continue
        norm, got_norm = np.linalg.norm(g), np.linalg.norm(got)
        case = f"With ||g|| = {norm:.3g} and max_norm = {max_norm:.3g}"
        if not long:
            raise AssertionError(f"{case}:\n  a gradient shorter than max_norm must come back "
                                 f"unchanged; yours has length {got_norm:.3g}.")
        cosine = got @ g / (got_norm * norm) if got_norm > 0 else 0.0
        if cosine < 1 - 1e-9:
            raise AssertionError(f"{case}:\n  clipping keeps the direction of g, yours points "
                                 f"elsewhere (cosine {cosine:.3f} with g).\n  Scale the whole "
                                 "vector; do not clip each component.")
        raise AssertionError(f"{case}:\n  a gradient longer than max_norm must come back with "
                             f"length max_norm; yours has length {got_norm:.3g}.")
