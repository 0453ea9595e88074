"""Newton's method (notebook 09): one step to a quadratic's critical point, saddles, cost, batches.

The slide "Steps for Newton's method" is ``cs551.optim.Newton`` (with ``damping`` for
H + damping I); ``cs551.optim.SaddleFreeNewton`` uses |H| instead (beyond the slides).
This module holds what the notebook measures:

- ``newton_multipliers``: on a quadratic, each eigen-direction's distance to the critical
  point is multiplied by mu / (lambda + mu) per damped Newton step (0 when mu = 0);
- ``solve_with_flop_count``: Gaussian elimination that counts its flops, ~ 2/3 d^3;
- ``newton_step_flops``: what a Newton step on least squares costs, term by term;
- ``solve_times``: wall-clock times of ``np.linalg.solve`` (for a notebook cell whose
  output is not compared: timings are never stable);
- ``digits_logistic``: logistic regression on two classes of the digits.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from cs551 import _validate as check
from cs551.data import digits
from cs551.objectives import LogisticRegression


def newton_multipliers(eigenvalues: Sequence[float], damping: float = 0.0,
                       saddle_free: bool = False) -> np.ndarray:
    """Per eigen-direction factor of one (damped) Newton step on a quadratic.

    With H = Q diag(lambda) Q^T and theta - theta_c = Q alpha (theta_c the critical point),
    the gradient is H (theta - theta_c), and theta <- theta - (H + mu I)^{-1} g gives

        alpha_i <- (1 - lambda_i / (lambda_i + mu)) alpha_i = mu / (lambda_i + mu) alpha_i.

    mu = 0: every factor is 0 -- Newton jumps to the critical point, minimum or saddle.
    A negative lambda_i with mu > -lambda_i gives a factor > 1: that direction is
    repelled (the step escapes). ``saddle_free`` uses |lambda_i| + mu in the denominator.
    """
    lambdas = np.asarray(eigenvalues, dtype=float)
    mu = check.non_negative("damping", damping)
    denominator = (np.abs(lambdas) if saddle_free else lambdas) + mu
    if np.any(denominator == 0):
        raise ValueError(f"damping = {damping!r} makes H + damping I singular "
                         f"(eigenvalues {lambdas.tolist()})")
    return 1 - lambdas / denominator


def solve_with_flop_count(H: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, int]:
    """Solve H x = g by Gaussian elimination with partial pivoting, counting flops.

    Elimination at pivot k updates a (d-k-1) x (d-k-1) block (a multiply and a subtract
    each: 2 (d-k-1)^2 flops), which sums to 2/3 d^3 + O(d^2); the right-hand side and
    back substitution add O(d^2). This is why a Newton step costs O(d^3).
    """
    A = np.array(H, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"H must be a square matrix, got shape {A.shape}")
    b = check.vector("g", g, A.shape[0])
    d, flops = A.shape[0], 0
    for k in range(d):
        p = k + int(np.argmax(np.abs(A[k:, k])))  # partial pivoting (comparisons not counted)
        if A[p, k] == 0:
            raise np.linalg.LinAlgError("H is singular: the Newton step is undefined")
        A[[k, p]], b[[k, p]] = A[[p, k]], b[[p, k]]
        ell = A[k + 1:, k] / A[k, k]  # d-k-1 divisions
        A[k + 1:, k + 1:] -= np.outer(ell, A[k, k + 1:])  # 2 (d-k-1)^2 flops
        b[k + 1:] -= ell * b[k]  # 2 (d-k-1) flops
        flops += (d - k - 1) + 2 * (d - k - 1) ** 2 + 2 * (d - k - 1)
    x = np.zeros(d)
    for k in reversed(range(d)):  # back substitution: 2 (d-k-1) + 1 flops per row
        x[k] = (b[k] - A[k, k + 1:] @ x[k + 1:]) / A[k, k]
        flops += 2 * (d - k - 1) + 1
    return x, flops


def newton_step_flops(d: int, m: int) -> dict[str, int]:
    """Flops of one Newton step on least squares with m examples and d parameters.

    gradient X^T (X theta - y): 4 m d; Hessian X^T X: 2 m d^2; solving H s = g:
    about 2/3 d^3 (``solve_with_flop_count``). A gradient step costs only the first.
    """
    d, m = check.positive_int("d", d), check.positive_int("m", m)
    solve = (4 * d**3 + 9 * d**2 - 7 * d) // 6  # 2/3 d^3 + 3/2 d^2 - 7/6 d (elimination_flops)
    return {"gradient": 4 * m * d, "Hessian": 2 * m * d * d, "solve": solve}


def solve_times(dims: Sequence[int], repeats: int = 3, seed: int = 0) -> dict[int, float]:
    """Best-of-``repeats`` seconds for ``np.linalg.solve`` on a random SPD d x d system.

    Wall-clock times: they vary from run to run and machine to machine.
    """
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    times = {}
    for d in dims:
        d = check.positive_int("d", d)
        A = rng.normal(size=(d, d))
        H, g = A @ A.T + d * np.eye(d), rng.normal(size=d)
        best = np.inf
        for _ in range(check.positive_int("repeats", repeats)):
            start = time.perf_counter()
            np.linalg.solve(H, g)
            best = min(best, time.perf_counter() - start)
        times[d] = best
    return times


def digits_logistic(classes: tuple[int, int] = (3, 8), l2: float = 1e-3,
                    batch_size: int | None = None, seed: int = 0) -> LogisticRegression:
    """Logistic regression on two digit classes (64 standardized pixels + a bias: d = 65).

    Label 1 for the second class. The l2 term keeps the Hessian positive definite
    (the two classes are separable, so without it the minimum would be at infinity).
    """

    if len(classes) != 2:
        raise ValueError(f"classes must be two digits, got {classes!r}")
    data = digits(classes=tuple(classes), bias=True)
    return LogisticRegression(data.X_train, data.y_train, batch_size=batch_size, seed=seed, l2=l2)
