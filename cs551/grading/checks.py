"""The autograder's machinery: random cases, comparisons, failure messages that replay.

Every check draws fresh random inputs (a new seed each call, named in any failure
message so that the case can be replayed with ``seed=...``), calls the student's
function and the library's reference on copies of the same inputs, and raises
``AssertionError`` saying what went in, what was expected and what came back.
A student's function must not change its inputs; that is checked too.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from cs551.objectives import GradientOracle
from cs551.optim import Optimizer

from .plain import AffineGradient


def draw_rng(seed: int | None) -> tuple[np.random.Generator, int]:
    seed = secrets.randbits(32) if seed is None else seed
    return np.random.default_rng(seed), seed


def self_check(check: Callable[..., None], *answers, right: str = "Right.") -> str:
    """A notebook's "your turn" feedback: run one of the course's checks on the student's
    answer and say in plain words whether it is right and, if not, what is off. An answer
    still ``None``, or a function that still raises ``NotImplementedError``, is not answered yet.

    >>> from cs551.grading import check_exact_step_expr
    >>> print(self_check(check_exact_step_expr, None))
    Not answered yet: write your answer in the cell above, then run both cells.
    """
    not_yet = "Not answered yet: write your answer in the cell above, then run both cells."
    if any(answer is None for answer in answers):
        return not_yet
    try:
        check(*answers)
    except NotImplementedError:  # the exercise's placeholder is still in place
        return not_yet
    except AssertionError as error:
        return f"Not yet. {error}"
    return right


def show(value) -> str:
    if isinstance(value, str):
        return value
    if np.ndim(value):
        return np.array2string(np.asarray(value), precision=6, separator=", ")
    return repr(value)


def compare(what: str, got, expected, inputs: dict, rtol: float = 1e-6, atol: float = 1e-9,
            hint: str = "") -> None:
    """Raise an AssertionError describing the case unless ``got`` matches ``expected``."""
    case = "\n".join(f"    {name} = {show(value)}" for name, value in inputs.items())
    got_array = np.asarray(got, dtype=float) if got is not None else None
    expected = np.asarray(expected, dtype=float)
    if got_array is None or got_array.shape != expected.shape:
        shape = None if got_array is None else got_array.shape
        raise AssertionError(f"{what}: expected an array of shape {expected.shape}, got "
                             f"{'None' if got is None else f'shape {shape}'}\n  for\n{case}")
    if not np.allclose(got_array, expected, rtol=rtol, atol=atol):
        raise AssertionError(f"{what} is wrong\n  for\n{case}\n  expected {show(expected)}\n"
                             f"  got      {show(got_array)}"
                             + (f"\n  hint: {hint}" if hint else ""))


def assert_unchanged(inputs: dict, copies: dict, function: str) -> None:
    for name, value in copies.items():
        if isinstance(value, np.ndarray) and not np.array_equal(inputs[name], value):
            raise AssertionError(f"{function} changed its input {name}:\n  return new arrays "
                                 "instead of updating the ones passed in")


def reference_step(optimizer: Optimizer, theta, buffers: dict, grad: Callable):
    """One step of the library's optimizer from the given buffers (v, r, ...): the new theta
    and buffers."""
    theta = np.array(theta, dtype=float)
    state = replace(optimizer.init(theta),
                    **{name: np.array(value, dtype=float) for name, value in buffers.items()})
    optimizer.step(GradientOracle(grad, theta.size), theta, state)
    return theta, {name: getattr(state, name) for name in buffers}


def constant_gradient(g):
    """The gradient function of a linear objective: the same g everywhere."""
    return lambda theta: g


def linear_gradient(rng, d) -> AffineGradient:
    """A random affine gradient g(theta) = A theta + c (a quadratic's), for interim points;
    plain data, so that the grader can send it to a graded kernel."""
    A, c = rng.normal(size=(d, d)), rng.normal(size=d)
    return AffineGradient(A, c)


def case(inputs: Callable, reference: Callable) -> Callable:
    """``check_update``'s ``make`` from an assignment's inputs and reference functions."""

    def make(rng):
        drawn = inputs(rng)
        return drawn, reference(drawn)

    return make


def check_update(student: Callable, name: str, make: Callable, trials: int, seed: int | None,
                  hint: str) -> None:
    """Shared driver: ``make(rng)`` returns (inputs, reference) for one random case, the
    inputs in the order of the student's parameters (``student(*inputs.values())``)."""
    rng, seed = draw_rng(seed)
    for trial in range(trials):
        inputs, reference = make(rng)
        copies = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}
        got = student(*inputs.values())
        assert_unchanged(inputs, copies, name)
        if not isinstance(got, tuple) or len(got) != len(reference):
            raise AssertionError(f"{name} must return a tuple of {len(reference)} arrays "
                                 f"{tuple(reference)}, got {got!r}")
        shown = {k: v for k, v in copies.items() if not callable(v)}
        shown["(replay with seed)"] = f"{seed}, trial {trial}"
        for (label, expected), value in zip(reference.items(), got, strict=True):
            compare(f"{name}: the returned {label}", value, expected, shown, hint=hint)
