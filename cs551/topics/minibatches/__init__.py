"""Notebook 02: Batches and minibatches (``notebooks/02_minibatches.ipynb``).

The topic's home: ``experiments``, ``figures``, ``explorer``.
Every public name of its parts is importable from here.
"""

from .experiments import (
    GradientNoise,
    NoiseRun,
    RaceCurve,
    activation_bytes,
    batch_size_race,
    exact_squared_error,
    gradient_noise,
    noise_regularization,
    noise_table,
    time_per_example,
)
from .explorer import MinibatchExplorer
from .figures import plot_gradient_noise, plot_race, plot_time_per_example

__all__ = [
    "GradientNoise", "MinibatchExplorer", "NoiseRun", "RaceCurve", "activation_bytes",
    "batch_size_race", "exact_squared_error", "gradient_noise", "noise_regularization",
    "noise_table", "plot_gradient_noise", "plot_race", "plot_time_per_example",
    "time_per_example",
]
