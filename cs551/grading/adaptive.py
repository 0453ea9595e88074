"""Assignment 2 (``assignments/source/02_adaptive``): AdaGrad and RMSProp."""

from __future__ import annotations

from collections.abc import Callable

from cs551.optim import AdaGrad, RMSProp, RMSPropNesterov

from .checks import (
    case,
    check_update,
    constant_gradient,
    linear_gradient,
    reference_step,
)


def adagrad_inputs(rng) -> dict:
    """Random arguments of ``adagrad_update(theta, r, g, lr, delta)``."""
    d = int(rng.integers(1, 6))
    return {"theta": rng.normal(size=d), "r": rng.uniform(0, 2, size=d), "g": rng.normal(size=d),
            "lr": float(rng.uniform(0.01, 1.0)), "delta": float(10 ** rng.uniform(-8, -2))}


def adagrad_reference(inputs: dict) -> dict:
    """The library's AdaGrad step from these arguments: the new theta and r."""
    theta, state = reference_step(AdaGrad(inputs["lr"], inputs["delta"]), inputs["theta"],
                                  {"r": inputs["r"]}, constant_gradient(inputs["g"]))
    return {"theta": theta, "r": state["r"]}


def rmsprop_inputs(rng) -> dict:
    """Random arguments of ``rmsprop_update(theta, r, g, lr, rho, delta)``."""
    d = int(rng.integers(1, 6))
    return {"theta": rng.normal(size=d), "r": rng.uniform(0, 2, size=d), "g": rng.normal(size=d),
            "lr": float(rng.uniform(0.01, 1.0)), "rho": float(rng.uniform(0.5, 0.999)),
            "delta": float(10 ** rng.uniform(-8, -2))}


def rmsprop_reference(inputs: dict) -> dict:
    """The library's RMSProp step from these arguments: the new theta and r."""
    optimizer = RMSProp(inputs["lr"], inputs["rho"], inputs["delta"])
    theta, state = reference_step(optimizer, inputs["theta"], {"r": inputs["r"]},
                                  constant_gradient(inputs["g"]))
    return {"theta": theta, "r": state["r"]}


def rmsprop_nesterov_inputs(rng) -> dict:
    """Random arguments of ``rmsprop_nesterov_update(theta, r, v, grad, lr, rho, momentum,
    delta)``, ``grad`` affine."""
    d = int(rng.integers(1, 6))
    grad = linear_gradient(rng, d)
    return {"theta": rng.normal(size=d), "r": rng.uniform(0, 2, size=d), "v": rng.normal(size=d),
            "grad": grad, "lr": float(rng.uniform(0.01, 1.0)),
            "rho": float(rng.uniform(0.5, 0.999)), "momentum": float(rng.uniform(0, 0.99)),
            "delta": float(10 ** rng.uniform(-8, -2))}


def rmsprop_nesterov_reference(inputs: dict) -> dict:
    """The library's RMSProp-with-Nesterov step: the new theta, r and v."""
    optimizer = RMSPropNesterov(inputs["lr"], inputs["rho"], inputs["momentum"], inputs["delta"])
    theta, state = reference_step(optimizer, inputs["theta"],
                                  {"r": inputs["r"], "v": inputs["v"]}, inputs["grad"])
    return {"theta": theta, "r": state["r"], "v": state["v"]}


def check_adagrad_update(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(theta, r, g, lr, delta) -> (theta, r)``: the slide's AdaGrad step."""
    check_update(student, "adagrad_update", case(adagrad_inputs, adagrad_reference), trials, seed,
                 "r <- r + g (.) g, then theta <- theta - eps / (delta + sqrt(r)) (.) g")


def check_rmsprop_update(student: Callable, trials: int = 20, seed: int | None = None) -> None:
    """``student(theta, r, g, lr, rho, delta) -> (theta, r)``: the slide's RMSProp step."""
    check_update(student, "rmsprop_update", case(rmsprop_inputs, rmsprop_reference), trials, seed,
                 "r <- rho r + (1 - rho) g (.) g, "
                 "then theta <- theta - eps / sqrt(delta + r) (.) g")


def check_rmsprop_nesterov_update(student: Callable, trials: int = 20,
                                  seed: int | None = None) -> None:
    """``student(theta, r, v, grad, lr, rho, momentum, delta) -> (theta, r, v)``."""
    check_update(student, "rmsprop_nesterov_update",
                 case(rmsprop_nesterov_inputs, rmsprop_nesterov_reference), trials, seed,
                 "gradient at theta + alpha v; r as in RMSProp; "
                 "v <- alpha v - eps / sqrt(delta + r) (.) g; theta <- theta + v")
