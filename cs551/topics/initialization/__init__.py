"""Notebook 07: Parameter initialization (``notebooks/07_initialization.ipynb``).

The topic's home: ``experiments``, ``derivations``, ``figures``, ``explorer``.
Every public name of its parts is importable from here.
"""

from .derivations import (
    init_variances,
    relu_derivative_second_moment,
    relu_second_moment,
    symmetric_units_gradients,
    variance_through_depth,
)
from .experiments import (
    SCHEMES,
    SignalStats,
    SymmetryRun,
    constant_init,
    init_theta,
    measured_ratio,
    predicted_ratio,
    signal_stds,
    train_deep,
    train_symmetric,
    unit_spread,
)
from .explorer import InitExplorer
from .figures import plot_signal_stds

__all__ = [
    "InitExplorer", "SCHEMES", "SignalStats", "SymmetryRun", "constant_init", "init_theta",
    "init_variances", "measured_ratio", "plot_signal_stds", "predicted_ratio",
    "relu_derivative_second_moment", "relu_second_moment", "signal_stds",
    "symmetric_units_gradients", "train_deep", "train_symmetric", "unit_spread",
    "variance_through_depth",
]
