"""Assignment 3 (``assignments/source/03_batchnorm``): batch normalization and gradient checks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cs551.gradcheck import numerical_gradient
from cs551.nn.batchnorm import backward, forward

from .checks import (
    assert_unchanged,
    case,
    check_update,
    compare,
    draw_rng,
)
from .plain import SinTensordot


def _batch(rng) -> dict:
    m, n = int(rng.integers(2, 9)), int(rng.integers(1, 5))
    scale = 10 ** rng.uniform(-1, 1, size=n)  # units on different scales, as in a network
    return {"x": rng.normal(size=(m, n)) * scale + rng.normal(size=n),
            "gamma": rng.normal(size=n), "beta": rng.normal(size=n),
            "eps": float(10 ** rng.uniform(-5, -2))}


def forward_inputs(rng) -> dict:
    """Random arguments of ``batchnorm_forward(x, gamma, beta, eps)``."""
    return _batch(rng)


def forward_reference(inputs: dict) -> dict:
    """The library's batch-normalization transform of these arguments."""
    y, _ = forward(np.copy(inputs["x"]), np.copy(inputs["gamma"]), np.copy(inputs["beta"]),
                   float(inputs["eps"]))
    return {"y": y}


def backward_inputs(rng) -> dict:
    """Random arguments of ``batchnorm_backward(dy, x, gamma, eps)``."""
    batch = _batch(rng)
    return {"dy": rng.normal(size=batch["x"].shape), "x": batch["x"], "gamma": batch["gamma"],
            "eps": batch["eps"]}


def backward_reference(inputs: dict) -> dict:
    """The library's backward pass for these arguments: dx, dgamma, dbeta."""
    _, cache = forward(inputs["x"], inputs["gamma"], np.zeros_like(inputs["gamma"]),
                       inputs["eps"])
    dx, dgamma, dbeta = backward(inputs["dy"], cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


def numerical_gradient_inputs(rng) -> dict:
    """Random arguments of ``numerical_gradient(f, x, h)``: f a smooth scalar function
    (``SinTensordot``) of an array x of random shape, h = 1e-5."""
    shape = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 3))))
    A = rng.normal(size=(*shape, *shape))
    return {"f": SinTensordot(A), "x": rng.normal(size=shape), "h": 1e-5}


def numerical_gradient_reference(inputs: dict) -> dict:
    """The library's central differences of f at x."""
    return {"gradient": numerical_gradient(inputs["f"], np.copy(inputs["x"]), inputs["h"])}


def check_batchnorm_forward(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(x, gamma, beta, eps) -> y`` (or ``(y, cache)``): the slide's BN transform."""

    rng, seed = draw_rng(seed)
    for trial in range(trials):
        inputs = forward_inputs(rng)
        copies = {k: np.copy(v) for k, v in inputs.items()}
        got = student(inputs["x"], inputs["gamma"], inputs["beta"], inputs["eps"])
        assert_unchanged(inputs, copies, "batchnorm_forward")
        y = got[0] if isinstance(got, tuple) else got
        compare("batchnorm_forward: y", y, forward_reference(copies)["y"],
                {**copies, "(replay with seed)": f"{seed}, trial {trial}"},
                hint="mean and variance over the minibatch (axis 0), variance divided by m")


def check_batchnorm_backward(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(dy, x, gamma, eps) -> (dx, dgamma, dbeta)``, against the library's backward."""
    check_update(student, "batchnorm_backward", case(backward_inputs, backward_reference),
                 trials, seed, "dbeta = sum dy, dgamma = sum dy * x_hat; dx also flows through "
                 "the batch mean and variance")


def check_numerical_gradient(student: Callable, trials: int = 10, seed: int | None = None) -> None:
    """``student(f, x, h) -> df/dx`` by central differences, for a scalar function f."""

    rng, seed = draw_rng(seed)
    for trial in range(trials):
        inputs = numerical_gradient_inputs(rng)
        x = inputs["x"]
        got = student(inputs["f"], x.copy(), 1e-5)
        compare("numerical_gradient", got, numerical_gradient_reference(inputs)["gradient"],
                {"x": x, "(replay with seed)": f"{seed}, trial {trial}"}, rtol=1e-5, atol=1e-7,
                hint="(f(x + h e_i) - f(x - h e_i)) / (2 h) for every entry i of x")
