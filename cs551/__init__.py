"""cs551: the teaching library of "Optimization for Deep Learning" (CS551).

The foundation, one module per concept of the lecture:

- ``objectives``: landscapes and data objectives (value, grad, hess)
- ``optim``: SGD, momentum, Nesterov, AdaGrad, RMSProp, Newton, Adam; ``Run``, ``minimize``
- ``linesearch``: exact and backtracking line search; ``linesearch_exercise``: the exercise
- ``nn``: the MLP, its layers (batch normalization included) and training loop
- ``data``, ``gradcheck``, ``execute``, ``grading``; ``browser``: JupyterLab and Chromium for
  the browser test and benchmark

Shared by two or more topics: ``measure``, ``gradient_noise``, ``plots``, ``symbolic``,
``widgets``. One home per notebook: ``topics`` (e.g. ``cs551.topics.momentum``).

Submodules load on first use, so ``import cs551`` stays fast.
"""

import importlib

__version__ = "0.1.0"

__all__ = [
    "browser", "data", "execute", "gradcheck", "gradient_noise", "grading", "linesearch",
    "linesearch_exercise", "measure", "nn", "objectives", "optim", "plots", "symbolic",
    "topics", "widgets",
]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
