"""The graded parts of each assignment, as the grader (outside the kernel) sees them.

A part is one function the student writes, graded by the test cell ``test_<name>`` and worth
that cell's points. For each submission the grader draws the inputs at grading time (the
visible test's examples, then random ones from a fresh seed), sends them to the kernel, and
compares the answers the kernel recorded with the references it computes itself with the
course library (``cs551.grading.verdict``). The reference functions live in the assignment's
module, next to the in-process check the notebooks' self-study cells use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import adaptive, batchnorm, line_search, momentum
from .plain import AffineGradient


@dataclass(frozen=True)
class Part:
    """One graded function: how to draw its arguments, its reference, how to compare."""

    name: str  # the function; its test cell is "test_" + name
    reference: Callable[[dict], dict]  # arguments -> named expected outputs
    inputs: Callable[[np.random.Generator], dict] | None = None  # None: called with no arguments
    visible: tuple[dict, ...] = ()  # the visible test's arguments, graded too
    trials: int = 25
    kind: str = "arrays"  # "arrays": numbers and arrays; "expression": SymPy, in x, y, b
    rtol: float = 1e-6
    atol: float = 1e-9
    first_of_tuple: bool = False  # the answer may be (value, extra): only value is graded

    @property
    def cell(self) -> str:
        return f"test_{self.name}"

    def cases(self, rng: np.random.Generator) -> list[dict]:
        """The arguments of every call, in the order of the function's parameters."""
        if self.inputs is None:
            return [{}]
        drawn = [self.inputs(rng) for _ in range(self.trials)]
        return [dict(case) for case in self.visible] + drawn


def _arrays(**values) -> dict:
    return {k: np.array(v, dtype=float) if isinstance(v, list) else v for k, v in values.items()}


IDENTITY_2 = AffineGradient(np.eye(2), np.zeros(2))  # the visible tests' grad(point) = point


def _terminal_velocity_inputs(rng) -> dict:
    return {"lr": float(rng.uniform(0.01, 1)), "momentum": float(rng.uniform(0, 0.95)),
            "g_norm": float(np.linalg.norm(rng.normal(size=3)))}


PARTS: dict[str, tuple[Part, ...]] = {
    "01_momentum": (
        Part("momentum_update", momentum.momentum_reference, momentum.momentum_inputs,
             (_arrays(theta=[1.0, 2.0], v=[0.5, 0.0], g=[1.0, -1.0], lr=0.1, momentum=0.9),)),
        Part("nesterov_update", momentum.nesterov_reference, momentum.nesterov_inputs,
             (_arrays(theta=[1.0, 2.0], v=[0.5, 0.0], grad=IDENTITY_2, lr=0.1, momentum=0.9),)),
        Part("terminal_velocity", momentum.terminal_speed_reference, _terminal_velocity_inputs,
             ({"lr": 0.1, "momentum": 0.0, "g_norm": 3.0},)),
    ),
    "02_adaptive": (
        Part("adagrad_update", adaptive.adagrad_reference, adaptive.adagrad_inputs,
             (_arrays(theta=[1.0, 1.0], r=[0.0, 3.0], g=[2.0, 1.0], lr=0.5, delta=0.0),)),
        Part("rmsprop_update", adaptive.rmsprop_reference, adaptive.rmsprop_inputs,
             (_arrays(theta=[1.0, 1.0], r=[1.0, 1.0], g=[2.0, 0.0], lr=0.1, rho=0.75,
                      delta=0.0),)),
        Part("rmsprop_nesterov_update", adaptive.rmsprop_nesterov_reference,
             adaptive.rmsprop_nesterov_inputs,
             (_arrays(theta=[1.0, 0.0], r=[0.0, 0.0], v=[0.0, 0.0], grad=IDENTITY_2, lr=0.1,
                      rho=0.9, momentum=0.9, delta=1e-6),)),
    ),
    "03_batchnorm": (
        Part("batchnorm_forward", batchnorm.forward_reference, batchnorm.forward_inputs,
             (_arrays(x=[[1.0], [3.0]], gamma=[2.0], beta=[0.5], eps=0.0),
              {"x": np.random.default_rng(0).normal(3, 5, size=(50, 4)), "gamma": np.ones(4),
               "beta": np.zeros(4), "eps": 1e-5}), first_of_tuple=True),
        Part("batchnorm_backward", batchnorm.backward_reference, batchnorm.backward_inputs,
             ({"dy": np.ones((3, 2)), "x": np.arange(6.0).reshape(3, 2), "gamma": np.ones(2),
               "eps": 1e-5},)),
        Part("numerical_gradient", batchnorm.numerical_gradient_reference,
             batchnorm.numerical_gradient_inputs, trials=10, rtol=1e-5, atol=1e-7),
    ),
    "04_line_search": (
        Part("exact_step_expr", line_search.exact_step_reference, kind="expression"),
        Part("closed_form", line_search.closed_form_reference, line_search.closed_form_inputs,
             ({"b_value": 0.5, "k": 0}, {"b_value": 1.0, "k": 1}), rtol=1e-9, atol=1e-12),
        Part("gradient_dot", line_search.gradient_dot_reference, line_search.gradient_dot_inputs,
             ({"step": sp.Integer(0)},), trials=4, kind="expression"),
    ),
}
