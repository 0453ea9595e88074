"""Notebook 11: Exact line search (``notebooks/11_exact_line_search.ipynb``).

The topic's home: ``derivations``, ``explorer``.
Every public name of its parts is importable from here.
"""

from .derivations import (
    consecutive_gradient_dot,
    contraction_factor,
    directional_derivative_identity,
    general_quadratic_gradient_dot,
    prove_closed_form,
)
from .explorer import LineSearchExplorer

__all__ = [
    "LineSearchExplorer", "consecutive_gradient_dot", "contraction_factor",
    "directional_derivative_identity", "general_quadratic_gradient_dot", "prove_closed_form",
]
