"""Assignment 1 (``assignments/source/01_momentum``): momentum and Nesterov."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cs551.optim import Momentum, Nesterov

from .checks import (
    case,
    check_update,
    compare,
    constant_gradient,
    draw_rng,
    linear_gradient,
    reference_step,
)


def momentum_inputs(rng) -> dict:
    """Random arguments of ``momentum_update(theta, v, g, lr, momentum)``."""
    d = int(rng.integers(1, 6))
    return {"theta": rng.normal(size=d), "v": rng.normal(size=d), "g": rng.normal(size=d),
            "lr": float(rng.uniform(0.01, 1.0)), "momentum": float(rng.uniform(0, 0.99))}


def momentum_reference(inputs: dict) -> dict:
    """The library's momentum step from these arguments: the new theta and v."""
    theta, state = reference_step(Momentum(inputs["lr"], inputs["momentum"]), inputs["theta"],
                                  {"v": inputs["v"]}, constant_gradient(inputs["g"]))
    return {"theta": theta, "v": state["v"]}


def nesterov_inputs(rng) -> dict:
    """Random arguments of ``nesterov_update(theta, v, grad, lr, momentum)``, ``grad`` affine."""
    d = int(rng.integers(1, 6))
    grad = linear_gradient(rng, d)
    return {"theta": rng.normal(size=d), "v": rng.normal(size=d), "grad": grad,
            "lr": float(rng.uniform(0.01, 1.0)), "momentum": float(rng.uniform(0, 0.99))}


def nesterov_reference(inputs: dict) -> dict:
    """The library's Nesterov step from these arguments: the new theta and v."""
    theta, state = reference_step(Nesterov(inputs["lr"], inputs["momentum"]), inputs["theta"],
                                  {"v": inputs["v"]}, inputs["grad"])
    return {"theta": theta, "v": state["v"]}


def terminal_speed_reference(inputs: dict) -> dict:
    """||v|| at the limit of the library's momentum iteration under a constant gradient of norm
    ``g_norm``, iterated until v stops changing (for the grader; at most 5000 steps)."""
    constant = constant_gradient(np.array([inputs["g_norm"]]))
    optimizer = Momentum(inputs["lr"], inputs["momentum"])
    theta, state = np.zeros(1), {"v": np.zeros(1)}
    for _ in range(5000):
        previous = state["v"]
        theta, state = reference_step(optimizer, theta, state, constant)
        if np.array_equal(previous, state["v"]):
            break
    return {"speed": float(np.linalg.norm(state["v"]))}


def check_momentum_update(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(theta, v, g, lr, momentum) -> (theta, v)``: the slide's momentum step."""
    check_update(student, "momentum_update", case(momentum_inputs, momentum_reference), trials,
                 seed, "the slide: v <- alpha v - eps g, then theta <- theta + v")


def check_nesterov_update(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(theta, v, grad, lr, momentum) -> (theta, v)``, ``grad`` a function of theta."""
    check_update(student, "nesterov_update", case(nesterov_inputs, nesterov_reference), trials,
                 seed, "the gradient is taken at the interim point theta + alpha v")


def check_terminal_velocity(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(lr, momentum, g_norm)``: the speed eps ||g|| / (1 - alpha) reached under a
    constant gradient, checked against the limit of the library's momentum iteration."""
    rng, seed = draw_rng(seed)
    for trial in range(trials):
        lr, momentum = float(rng.uniform(0.01, 1)), float(rng.uniform(0, 0.95))
        g = rng.normal(size=3)
        theta, state, constant = np.zeros(3), {"v": np.zeros(3)}, constant_gradient(g)
        for _ in range(2000):  # alpha^2000 < 1e-44: the velocity has converged
            theta, state = reference_step(Momentum(lr, momentum), theta, state, constant)
        expected = np.linalg.norm(state["v"])
        inputs = {"lr": lr, "momentum": momentum, "g_norm": float(np.linalg.norm(g)),
                  "(replay with seed)": f"{seed}, trial {trial}"}
        got = student(lr, momentum, float(np.linalg.norm(g)))
        compare("terminal_velocity", got, expected, inputs, rtol=1e-6,
                hint="sum the geometric series v = -eps g (1 + alpha + alpha^2 + ...)")
