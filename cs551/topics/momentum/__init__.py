"""Notebook 06: Momentum (``notebooks/06_momentum.ipynb``).

The topic's home: ``experiments``, ``derivations``, ``figures``, ``explorer``.
Every public name of its parts is importable from here.
"""

from .derivations import (
    ALPHA_M,
    heavy_ball_characteristic,
    heavy_ball_optimum,
    nesterov_characteristic,
    terminal_velocity,
    velocity_unrolled,
)
from .experiments import (
    METHODS,
    ConstantGradient,
    RaceResult,
    characteristic_roots,
    measured_rate,
    predicted_rate,
    race,
    steps_to_fraction,
    steps_to_tolerance,
    terminal_speed,
    three_methods,
    velocities,
    velocity_from_gradients,
)
from .explorer import MomentumExplorer
from .figures import plot_speeds

__all__ = [
    "ALPHA_M", "ConstantGradient", "METHODS", "MomentumExplorer", "RaceResult",
    "characteristic_roots", "heavy_ball_characteristic", "heavy_ball_optimum", "measured_rate",
    "nesterov_characteristic", "plot_speeds", "predicted_rate", "race", "steps_to_fraction",
    "steps_to_tolerance", "terminal_speed", "terminal_velocity", "three_methods", "velocities",
    "velocity_from_gradients", "velocity_unrolled",
]
