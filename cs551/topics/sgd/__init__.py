"""Notebook 05: Stochastic gradient descent (``notebooks/05_sgd.ipynb``).

The topic's home: ``experiments``, ``derivations``, ``figures``, ``explorer``.
Every public name of its parts is importable from here.
"""

from .derivations import (
    EPS0,
    linear_decay_sums,
    noise_ball_1d,
    robbins_monro_schedules,
    robbins_monro_table,
)
from .experiments import (
    NoiseBall,
    NoisyGradient,
    ToleranceRun,
    compare_schedules,
    examples_to_tolerance,
    first_order_msd,
    gradient_covariance,
    gradient_norms,
    iterates,
    noise_ball,
    noise_ball_sweep,
    noisy_quadratic_msd,
    partial_sums,
    squared_distances,
    stacked_copies,
    stationary_msd,
    tail_msd,
)
from .explorer import SGDExplorer
from .figures import plot_last_iterates, plot_noise_ball, plot_training_runs

__all__ = [
    "EPS0", "NoiseBall", "NoisyGradient", "SGDExplorer", "ToleranceRun", "compare_schedules",
    "examples_to_tolerance", "first_order_msd", "gradient_covariance", "gradient_norms",
    "iterates", "linear_decay_sums", "noise_ball", "noise_ball_1d", "noise_ball_sweep",
    "noisy_quadratic_msd", "partial_sums", "plot_last_iterates", "plot_noise_ball",
    "plot_training_runs", "robbins_monro_schedules", "robbins_monro_table",
    "squared_distances", "stacked_copies", "stationary_msd", "tail_msd",
]
