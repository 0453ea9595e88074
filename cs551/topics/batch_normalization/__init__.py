"""Notebook 10: Batch normalization (``notebooks/10_batch_normalization.ipynb``).

The topic's home: ``experiments``, ``derivations``, ``figures``, ``explorer``.
Every public name of its parts is importable from here.
"""

from .derivations import expected_minibatch_variance, running_average_lag_symbolic
from .experiments import (
    STALLED,
    DigitsRun,
    LagRecord,
    activation_statistics,
    compare_learning_rates,
    digits_mlp,
    digits_run,
    fold_network,
    largest_good_lr,
    pre_activations,
    rescaling_effect,
    running_average_lag,
)
from .explorer import BatchNormExplorer
from .figures import (
    BN_STYLES,
    draw_training_loss,
    plot_activation_statistics,
    plot_lr_sweep,
    plot_running_average_lag,
)

__all__ = [
    "BN_STYLES", "BatchNormExplorer", "LagRecord", "DigitsRun", "STALLED", "activation_statistics",
    "compare_learning_rates", "digits_mlp", "draw_training_loss",
    "expected_minibatch_variance", "fold_network", "largest_good_lr",
    "plot_activation_statistics", "plot_lr_sweep", "plot_running_average_lag",
    "pre_activations", "rescaling_effect", "running_average_lag",
    "running_average_lag_symbolic", "digits_run",
]
