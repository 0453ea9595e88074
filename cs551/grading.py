"""Checks for the graded assignments: a student's function against the course library.

Every check draws fresh random inputs (a new seed each call, named in any failure
message so that the case can be replayed with ``seed=...``), calls the student's
function and the library's reference on copies of the same inputs, and raises
``AssertionError`` saying what went in, what was expected and what came back.
A student's function must not change its inputs; that is checked too.

The assignments' autograded cells call these (``assignments/source``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import sympy as sp

from .gradcheck import numerical_gradient
from .linesearch_exercise import (
    B,
    X,
    Y,
    exact_step_symbolic,
    exercise_objective,
    line_search_closed_form,
)
from .nn.batchnorm import backward, forward
from .objectives import GradientOracle
from .optim import AdaGrad, Momentum, Nesterov, Optimizer, RMSProp, RMSPropNesterov


def _rng(seed: int | None) -> tuple[np.random.Generator, int]:
    seed = secrets.randbits(32) if seed is None else seed
    return np.random.default_rng(seed), seed


def _show(value) -> str:
    if isinstance(value, str):
        return value
    if np.ndim(value):
        return np.array2string(np.asarray(value), precision=6, separator=", ")
    return repr(value)


def compare(what: str, got, expected, inputs: dict, rtol: float = 1e-6, atol: float = 1e-9,
            hint: str = "") -> None:
    """Raise an AssertionError describing the case unless ``got`` matches ``expected``."""
    case = "\n".join(f"    {name} = {_show(value)}" for name, value in inputs.items())
    got_array = np.asarray(got, dtype=float) if got is not None else None
    expected = np.asarray(expected, dtype=float)
    if got_array is None or got_array.shape != expected.shape:
        shape = None if got_array is None else got_array.shape
        raise AssertionError(f"{what}: expected an array of shape {expected.shape}, got "
                             f"{'None' if got is None else f'shape {shape}'}\n  for\n{case}")
    if not np.allclose(got_array, expected, rtol=rtol, atol=atol):
        raise AssertionError(f"{what} is wrong\n  for\n{case}\n  expected {_show(expected)}\n"
                             f"  got      {_show(got_array)}"
                             + (f"\n  hint: {hint}" if hint else ""))


def _unchanged(inputs: dict, copies: dict, function: str) -> None:
    for name, value in copies.items():
        if isinstance(value, np.ndarray) and not np.array_equal(inputs[name], value):
            raise AssertionError(f"{function} changed its input {name}: return new arrays "
                                 "instead of updating the ones passed in")


def _reference_step(optimizer: Optimizer, theta, buffers: dict, grad: Callable):
    """One step of the library's optimizer from the given buffers (v, r, ...): the new theta
    and buffers."""
    theta = np.array(theta, dtype=float)
    state = replace(optimizer.init(theta),
                    **{name: np.array(value, dtype=float) for name, value in buffers.items()})
    optimizer.step(GradientOracle(grad, theta.size), theta, state)
    return theta, {name: getattr(state, name) for name in buffers}


def _constant(g):
    """The gradient function of a linear objective: the same g everywhere."""
    return lambda theta: g


def _linear_gradient(rng, d):
    """A random affine gradient g(theta) = A theta + c (a quadratic's), for interim points."""
    A, c = rng.normal(size=(d, d)), rng.normal(size=d)
    return lambda theta: A @ theta + c


def _check_update(student: Callable, name: str, make: Callable, trials: int, seed: int | None,
                  hint: str) -> None:
    """Shared driver: ``make(rng)`` returns (inputs, reference) for one random case, the
    inputs in the order of the student's parameters (``student(*inputs.values())``)."""
    rng, seed = _rng(seed)
    for trial in range(trials):
        inputs, reference = make(rng)
        copies = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}
        got = student(*inputs.values())
        _unchanged(inputs, copies, name)
        if not isinstance(got, tuple) or len(got) != len(reference):
            raise AssertionError(f"{name} must return a tuple of {len(reference)} arrays "
                                 f"{tuple(reference)}, got {got!r}")
        shown = {k: v for k, v in copies.items() if not callable(v)}
        shown["(replay with seed)"] = f"{seed}, trial {trial}"
        for (label, expected), value in zip(reference.items(), got, strict=True):
            compare(f"{name}: the returned {label}", value, expected, shown, hint=hint)


# --- assignment 1: momentum and Nesterov -------------------------------------------------


def check_momentum_update(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(theta, v, g, lr, momentum) -> (theta, v)``: the slide's momentum step."""

    def make(rng):
        d = int(rng.integers(1, 6))
        inputs = {"theta": rng.normal(size=d), "v": rng.normal(size=d), "g": rng.normal(size=d),
                  "lr": float(rng.uniform(0.01, 1.0)), "momentum": float(rng.uniform(0, 0.99))}
        theta, state = _reference_step(Momentum(inputs["lr"], inputs["momentum"]),
                                       inputs["theta"], {"v": inputs["v"]}, lambda _: inputs["g"])

        return inputs, {"theta": theta, "v": state["v"]}

    _check_update(student, "momentum_update", make, trials, seed,
                  "the slide: v <- alpha v - eps g, then theta <- theta + v")


def check_nesterov_update(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(theta, v, grad, lr, momentum) -> (theta, v)``, ``grad`` a function of theta."""

    def make(rng):
        d = int(rng.integers(1, 6))
        grad = _linear_gradient(rng, d)
        inputs = {"theta": rng.normal(size=d), "v": rng.normal(size=d), "grad": grad,
                  "lr": float(rng.uniform(0.01, 1.0)), "momentum": float(rng.uniform(0, 0.99))}
        theta, state = _reference_step(Nesterov(inputs["lr"], inputs["momentum"]),
                                       inputs["theta"], {"v": inputs["v"]}, grad)

        return inputs, {"theta": theta, "v": state["v"]}

    _check_update(student, "nesterov_update", make, trials, seed,
                  "the gradient is taken at the interim point theta + alpha v")


def check_terminal_velocity(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(lr, momentum, g_norm)``: the speed eps ||g|| / (1 - alpha) reached under a
    constant gradient, checked against the limit of the library's momentum iteration."""
    rng, seed = _rng(seed)
    for trial in range(trials):
        lr, momentum = float(rng.uniform(0.01, 1)), float(rng.uniform(0, 0.95))
        g = rng.normal(size=3)
        theta, state, constant = np.zeros(3), {"v": np.zeros(3)}, _constant(g)
        for _ in range(2000):  # alpha^2000 < 1e-44: the velocity has converged
            theta, state = _reference_step(Momentum(lr, momentum), theta, state, constant)
        expected = np.linalg.norm(state["v"])
        inputs = {"lr": lr, "momentum": momentum, "g_norm": float(np.linalg.norm(g)),
                  "(replay with seed)": f"{seed}, trial {trial}"}
        got = student(lr, momentum, float(np.linalg.norm(g)))
        compare("terminal_velocity", got, expected, inputs, rtol=1e-6,
                hint="sum the geometric series v = -eps g (1 + alpha + alpha^2 + ...)")


# --- assignment 2: AdaGrad and RMSProp ---------------------------------------------------


def check_adagrad_update(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(theta, r, g, lr, delta) -> (theta, r)``: the slide's AdaGrad step."""

    def make(rng):
        d = int(rng.integers(1, 6))
        inputs = {"theta": rng.normal(size=d), "r": rng.uniform(0, 2, size=d),
                  "g": rng.normal(size=d), "lr": float(rng.uniform(0.01, 1.0)),
                  "delta": float(10 ** rng.uniform(-8, -2))}
        theta, state = _reference_step(AdaGrad(inputs["lr"], inputs["delta"]), inputs["theta"],
                                       {"r": inputs["r"]}, lambda _: inputs["g"])

        return inputs, {"theta": theta, "r": state["r"]}

    _check_update(student, "adagrad_update", make, trials, seed,
                  "r <- r + g (.) g, then theta <- theta - eps / (delta + sqrt(r)) (.) g")


def check_rmsprop_update(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(theta, r, g, lr, rho, delta) -> (theta, r)``: the slide's RMSProp step."""

    def make(rng):
        d = int(rng.integers(1, 6))
        inputs = {"theta": rng.normal(size=d), "r": rng.uniform(0, 2, size=d),
                  "g": rng.normal(size=d), "lr": float(rng.uniform(0.01, 1.0)),
                  "rho": float(rng.uniform(0.5, 0.999)), "delta": float(10 ** rng.uniform(-8, -2))}
        optimizer = RMSProp(inputs["lr"], inputs["rho"], inputs["delta"])
        theta, state = _reference_step(optimizer, inputs["theta"], {"r": inputs["r"]},
                                       lambda _: inputs["g"])

        return inputs, {"theta": theta, "r": state["r"]}

    _check_update(student, "rmsprop_update", make, trials, seed,
                  "r <- rho r + (1 - rho) g (.) g, "
                  "then theta <- theta - eps / sqrt(delta + r) (.) g")


def check_rmsprop_nesterov_update(student: Callable, trials: int = 20,
                                  seed: int | None = None) -> None:
    """``student(theta, r, v, grad, lr, rho, momentum, delta) -> (theta, r, v)``."""

    def make(rng):
        d = int(rng.integers(1, 6))
        grad = _linear_gradient(rng, d)
        inputs = {"theta": rng.normal(size=d), "r": rng.uniform(0, 2, size=d),
                  "v": rng.normal(size=d), "grad": grad, "lr": float(rng.uniform(0.01, 1.0)),
                  "rho": float(rng.uniform(0.5, 0.999)), "momentum": float(rng.uniform(0, 0.99)),
                  "delta": float(10 ** rng.uniform(-8, -2))}
        optimizer = RMSPropNesterov(inputs["lr"], inputs["rho"], inputs["momentum"],
                                    inputs["delta"])
        theta, state = _reference_step(optimizer, inputs["theta"],
                                       {"r": inputs["r"], "v": inputs["v"]}, grad)

        return inputs, {"theta": theta, "r": state["r"], "v": state["v"]}

    _check_update(student, "rmsprop_nesterov_update", make, trials, seed,
                  "gradient at theta + alpha v; r as in RMSProp; "
                  "v <- alpha v - eps / sqrt(delta + r) (.) g; theta <- theta + v")


# --- assignment 4: exact line search -----------------------------------------------------


def check_exact_step_expr(student_expr) -> None:
    """The student's alpha*(x, y, b) for f = 1/2 (x^2 + b y^2): equal to the derived one."""


    expected = exact_step_symbolic()
    if not isinstance(student_expr, sp.Expr):
        raise AssertionError(f"exact_step_expr() must return a SymPy expression, got "
                             f"{student_expr!r}")
    difference = sp.simplify(student_expr - expected)
    if difference != 0:
        raise AssertionError(f"the step size is wrong:\n  expected {expected}\n  got      "
                             f"{student_expr}\n  difference (simplified): {difference}\n  hint: "
                             "minimize phi(alpha) = f(x - alpha df/dx, y - alpha df/dy) over alpha")


def check_closed_form(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(b, k) -> (x_k, y_k)`` (numbers): the closed form of the exercise's iterates."""


    b, k, x_k, y_k = line_search_closed_form()
    reference = sp.lambdify((b, k), (x_k, y_k))
    rng, seed = _rng(seed)
    for trial in range(trials):
        b_value, k_value = float(rng.uniform(0.05, 1.0)), int(rng.integers(0, 12))
        inputs = {"b": b_value, "k": k_value, "(replay with seed)": f"{seed}, trial {trial}"}
        compare("closed_form(b, k)", student(b_value, k_value), reference(b_value, k_value),
                inputs, rtol=1e-9, atol=1e-12,
                hint="look at the ratios x_(k+1) / x_k and y_(k+1) / y_k of the first iterates")


def check_gradient_dot(student: Callable, seed: int | None = None) -> None:
    """``student(step) -> grad f(theta - step grad f(theta)) . grad f(theta)`` in x, y, b.

    Checked for the exact step (must simplify to 0) and for a random rational step
    (must equal the reference expression, so a constant 0 does not pass).
    """


    _, g = exercise_objective()
    rng, seed = _rng(seed)
    fixed = sp.Rational(int(rng.integers(1, 20)), int(rng.integers(2, 20)))
    for step in (exact_step_symbolic(), fixed):
        moved = g.subs({X: X - step * g[0], Y: Y - step * g[1]}, simultaneous=True)
        expected = sp.simplify(moved.dot(g))
        got = student(step)
        if not isinstance(got, sp.Expr) or sp.simplify(got - expected) != 0:
            raise AssertionError(f"gradient_dot({step}) is wrong\n  expected {expected}\n"
                                 f"  got      {got}\n  (x, y, b are the symbols {X}, {Y}, {B};"
                                 f" replay with seed={seed})")


# --- assignment 3: batch normalization ---------------------------------------------------


def _batch(rng) -> dict:
    m, n = int(rng.integers(2, 9)), int(rng.integers(1, 5))
    scale = 10 ** rng.uniform(-1, 1, size=n)  # units on different scales, as in a network
    return {"x": rng.normal(size=(m, n)) * scale + rng.normal(size=n),
            "gamma": rng.normal(size=n), "beta": rng.normal(size=n),
            "eps": float(10 ** rng.uniform(-5, -2))}


def check_batchnorm_forward(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(x, gamma, beta, eps) -> y`` (or ``(y, cache)``): the slide's BN transform."""

    rng, seed = _rng(seed)
    for trial in range(trials):
        inputs = _batch(rng)
        copies = {k: np.copy(v) for k, v in inputs.items()}
        got = student(inputs["x"], inputs["gamma"], inputs["beta"], inputs["eps"])
        _unchanged(inputs, copies, "batchnorm_forward")
        y = got[0] if isinstance(got, tuple) else got
        expected, _ = forward(copies["x"], copies["gamma"], copies["beta"], float(copies["eps"]))
        compare("batchnorm_forward: y", y, expected,
                {**copies, "(replay with seed)": f"{seed}, trial {trial}"},
                hint="mean and variance over the minibatch (axis 0), variance divided by m")


def check_batchnorm_backward(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(dy, x, gamma, eps) -> (dx, dgamma, dbeta)``, against the library's backward."""

    def make(rng):
        batch = _batch(rng)
        inputs = {"dy": rng.normal(size=batch["x"].shape), "x": batch["x"],
                  "gamma": batch["gamma"], "eps": batch["eps"]}
        _, cache = forward(inputs["x"], inputs["gamma"], np.zeros_like(inputs["gamma"]),
                           inputs["eps"])
        dx, dgamma, dbeta = backward(inputs["dy"], cache)

        return inputs, {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}

    _check_update(student, "batchnorm_backward", make, trials, seed,
                  "dbeta = sum dy, dgamma = sum dy * x_hat; dx also flows through the mean "
                  "and the variance of the batch")


def check_numerical_gradient(student: Callable, trials: int = 10, seed: int | None = None) -> None:
    """``student(f, x, h) -> df/dx`` by central differences, for a scalar function f."""

    rng, seed = _rng(seed)
    for trial in range(trials):
        shape = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 3))))
        A = rng.normal(size=(*shape, *shape))

        def f(x, A=A):  # a smooth scalar function of an array of any shape
            return float(np.sum(np.sin(np.tensordot(A, x, axes=x.ndim))))

        x = rng.normal(size=shape)
        got = student(f, x.copy(), 1e-5)
        compare("numerical_gradient", got, numerical_gradient(f, x, 1e-5),
                {"x": x, "(replay with seed)": f"{seed}, trial {trial}"}, rtol=1e-5, atol=1e-7,
                hint="(f(x + h e_i) - f(x - h e_i)) / (2 h) for every entry i of x")
