"""Notebook 08: Adaptive learning rates (``notebooks/08_adaptive_learning_rates.ipynb``).

The topic's home: ``experiments``, ``derivations``, ``figures``, ``explorer``.
Every public name of its parts is importable from here.
"""

from .derivations import adaptive_steps_scale_free, rmsprop_memory
from .experiments import (
    AdaptiveRun,
    compare_on_digits,
    effective_lr,
    escape_step,
    record,
    rmsprop_weights,
)
from .explorer import AdaptiveExplorer
from .figures import draw_effective_rates, plot_effective_rates

__all__ = [
    "AdaptiveExplorer", "AdaptiveRun", "adaptive_steps_scale_free", "draw_effective_rates",
    "effective_lr", "escape_step", "plot_effective_rates", "record", "rmsprop_memory",
    "rmsprop_weights", "compare_on_digits",
]
