"""Notebook 09: Newton's method (``notebooks/09_newton.ipynb``).

The topic's home: ``experiments``, ``derivations``.
Every public name of its parts is importable from here.
"""

from .derivations import damped_newton_factor, elimination_flops, newton_from_quadratic_model
from .experiments import (
    digits_logistic,
    newton_multipliers,
    newton_step_flops,
    solve_times,
    solve_with_flop_count,
)

__all__ = [
    "damped_newton_factor", "digits_logistic", "elimination_flops",
    "newton_from_quadratic_model", "newton_multipliers", "newton_step_flops", "solve_times",
    "solve_with_flop_count",
]
