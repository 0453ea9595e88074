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
- ``digits_logistic``: logistic regression on two classes of the digits;
- ``check_newton_step``: the notebook's "your turn" check of a student's Newton step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from cs551 import _validate as check
from cs551.data import digits
from cs551.grading.checks import assert_unchanged, compare, draw_rng
from cs551.objectives import LogisticRegression, Quadratic
from cs551.optim import Newton, minimize


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


def _newton_slip(got, theta: np.ndarray, g: np.ndarray, H: np.ndarray, mu: float) -> str:
    """Name the slip a wrong Newton step ``got`` matches, or give the general hint."""
    eye = np.eye(len(theta))
    step = np.linalg.solve(H + mu * eye, g)  # s solves (H + mu I) s = g
    slips = [
        (theta + step, "wrong sign: the update is theta - s, not theta + s"),
        (step, "you returned the step s; return the new parameters theta - s"),
        (-step, "you returned the update -s; return the new parameters theta - s"),
        (theta - np.linalg.solve(H, g) if mu else None,
         "the damping is missing: solve (H + mu I) s = g, not H s = g"),
        (theta - np.linalg.solve(H + mu, g) if mu else None,
         "mu goes on the diagonal only: H + mu * np.eye(d), not H + mu"),
        (theta - (H + mu * eye) @ g, "multiply g by the inverse of H + mu I (solve), not by it"),
        (theta - g, "that is a gradient step; Newton's step solves (H + mu I) s = g"),
    ]
    got = np.asarray(got, dtype=float)
    for wrong, message in slips:
        if wrong is not None and np.allclose(got, wrong, rtol=1e-6, atol=1e-9):
            return message
    return "solve (H + mu I) s = g with np.linalg.solve, then return theta - s"


def check_newton_step(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(theta, g, H, mu) -> new theta``: one step of the slide's box "Steps for
    Newton's method", damped as in H + mu I:

        solve (H + mu I) s = g,    theta <- theta - s      (mu = 0: the slide's step)

    Compared with ``cs551.optim.Newton(damping=mu)`` on random quadratics in 2 or 3
    dimensions, half of them with mu = 0, and with Hessians of both signs (indefinite
    ones too, as at a saddle). Raises AssertionError saying what is off, naming the
    common slips (the sign, the missing damping, H in place of its inverse, mu added to
    every entry, the step returned in place of the new theta); the student's function
    must leave its inputs unchanged.
    """
    rng, seed = draw_rng(seed)
    for trial in range(check.positive_int("trials", trials)):
        d = int(rng.integers(2, 4))
        Q, _ = np.linalg.qr(rng.normal(size=(d, d)))  # random eigenvectors u_i
        lambdas = rng.uniform(0.5, 4, size=d) * rng.choice([-1.0, 1.0], size=d)
        mu = 0.0 if trial % 2 == 0 else round(float(rng.uniform(0.5, 3)), 2)
        while np.min(np.abs(lambdas + mu)) < 0.3:  # keep H + mu I far from singular
            mu = round(float(rng.uniform(0.5, 3)), 2)
        H = Q @ np.diag(lambdas) @ Q.T
        f = Quadratic((H + H.T) / 2, rng.normal(size=d))
        theta = rng.normal(size=d)
        inputs = {"theta": theta, "g": f.grad(theta), "H": f.hess(theta), "mu": mu}
        copies = {k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in inputs.items()}
        got = student(*inputs.values())
        assert_unchanged(inputs, copies, "newton_step")
        expected = minimize(Newton(damping=mu), f, copies["theta"], 1).theta
        if got is not None and np.shape(got) == expected.shape and np.allclose(
                got, expected, rtol=1e-6, atol=1e-9):
            continue
        hint = (_newton_slip(got, copies["theta"], copies["g"], copies["H"], mu)
                if np.shape(got) == expected.shape else "")
        compare("newton_step: the new theta", got, expected,
                {**copies, "(replay with seed)": f"{seed}, trial {trial}"}, hint=hint)
