"""The network: layers, batch normalization, the MLP and its training loop.

- ``layers``: ``Dense`` and the activations ``ReLU``, ``Tanh``, ``Sigmoid``;
- ``batchnorm``: the slide's batch-normalization transform, its backward pass, the
  inference-time fold and the ``BatchNorm`` layer;
- ``network``: ``Network`` (one flat theta), ``mlp``, the ``Classifier`` objective,
  ``train`` (the slides' training loop) and ``train_digits`` (the course's real problem).

Every public name of the three is importable from ``cs551.nn``.
"""

from .batchnorm import (
    BatchNorm,
    Cache,
    backward,
    fold,
    forward,
    population_statistics,
    running_average,
)
from .layers import ACTIVATIONS, Dense, Layer, ReLU, Sigmoid, Tanh
from .network import (
    Classifier,
    History,
    Network,
    frozen_running_statistics,
    hidden_unit_weights,
    mlp,
    one_blas_thread,
    set_population_statistics,
    softmax_cross_entropy,
    train,
    train_digits,
)

__all__ = [
    "ACTIVATIONS", "BatchNorm", "Cache", "Classifier", "Dense", "History", "Layer", "Network",
    "ReLU", "Sigmoid", "Tanh", "backward", "fold", "forward", "frozen_running_statistics",
    "hidden_unit_weights", "mlp", "one_blas_thread", "population_statistics",
    "running_average", "set_population_statistics", "softmax_cross_entropy", "train",
    "train_digits",
]
