"""Notebook 04: Challenges of optimization (``notebooks/04_challenges.ipynb``).

The topic's home: ``experiments``, ``derivations``, ``figures``, ``explorer``.
Every public name of its parts is importable from here.
"""

from .derivations import cost_increase_condition, gradient_step_taylor, quadratic_step_change
from .experiments import (
    CurvatureRecord,
    DefiniteFraction,
    MeanExp,
    SaturatedSigmoid,
    all_hidden_permutations,
    all_minibatch_gradients,
    classify_critical_point,
    cliff_runs,
    condition_number,
    count_equivalent_settings,
    critical_lr,
    curvature_during_training,
    estimator_bias,
    goe,
    gradient_step_change,
    hessian_vector_product,
    hidden_sizes,
    is_relu_network,
    longest_step,
    matrix_with_eigenvalues,
    permute_hidden_units,
    plateau_escape_steps,
    positive_definite_fraction,
    power_by_eigendecomposition,
    powers_in_eigenbasis,
    rescale_unit,
)
from .explorer import CliffExplorer
from .figures import (
    plot_curvature_record,
    plot_definite_fraction,
    plot_eigen_coordinates,
    plot_gradient_estimates,
    plot_plateau,
)

__all__ = [
    "CliffExplorer", "CurvatureRecord", "DefiniteFraction", "MeanExp", "SaturatedSigmoid",
    "all_hidden_permutations", "all_minibatch_gradients", "classify_critical_point",
    "cliff_runs", "condition_number", "cost_increase_condition", "count_equivalent_settings",
    "critical_lr", "curvature_during_training", "powers_in_eigenbasis", "estimator_bias", "goe",
    "gradient_step_change", "gradient_step_taylor", "hessian_vector_product", "hidden_sizes",
    "is_relu_network", "longest_step", "matrix_with_eigenvalues", "permute_hidden_units",
    "plateau_escape_steps", "plot_curvature_record", "plot_definite_fraction",
    "plot_eigen_coordinates", "plot_gradient_estimates", "plot_plateau",
    "positive_definite_fraction", "power_by_eigendecomposition", "quadratic_step_change",
    "rescale_unit",
]
