"""Notebook 03: The local quadratic model (``notebooks/03_local_quadratic_model.ipynb``).

The topic's home: ``experiments``, ``derivations``, ``figures``, ``explorer``.
Every public name of its parts is importable from here.
"""

from .derivations import (
    best_fixed_learning_rate,
    gradient_descent_in_eigenbasis,
    quadratic_in_eigenbasis,
    rosenbrock_symbolic,
    second_order_taylor,
    stability_interval,
    taylor_model_error,
)
from .experiments import (
    TaylorModel,
    best_learning_rate,
    best_rate,
    contraction_factors,
    convergence_rate,
    eigen_coordinates,
    energy_in_eigenbasis,
    gradient_model_errors,
    iterations_to_shrink,
    iterations_until,
    model_errors,
    predicted_coordinates,
    rotated_quadratic,
    rotation,
    stability_limit,
    taylor_model,
)
from .explorer import EigenDecayExplorer
from .figures import (
    draw_eigenvectors,
    plot_eigen_components,
    plot_rate_against_lr,
    plot_taylor_errors,
)

__all__ = [
    "EigenDecayExplorer", "TaylorModel", "best_fixed_learning_rate", "best_learning_rate",
    "best_rate", "contraction_factors", "convergence_rate", "draw_eigenvectors",
    "eigen_coordinates", "energy_in_eigenbasis", "gradient_descent_in_eigenbasis",
    "gradient_model_errors", "iterations_to_shrink", "iterations_until", "model_errors",
    "plot_eigen_components", "plot_rate_against_lr", "plot_taylor_errors",
    "predicted_coordinates", "quadratic_in_eigenbasis", "rosenbrock_symbolic",
    "rotated_quadratic", "rotation", "second_order_taylor", "stability_interval",
    "stability_limit", "taylor_model", "taylor_model_error",
]
