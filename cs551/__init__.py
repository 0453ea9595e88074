"""cs551: the teaching library of "Optimization for Deep Learning" (CS551).

Modules, one per concept of the lecture:

- ``objectives``: landscapes and data objectives (value, grad, hess)
- ``optim``: SGD, momentum, Nesterov, AdaGrad, RMSProp, Newton, Adam; ``minimize``
- ``linesearch``: exact and backtracking line search
- ``gradcheck``: finite-difference gradient checks
- ``plots``: contour and loss-curve helpers
- ``widgets``: fast slider explorers for JupyterLab

Submodules load on first use, so ``import cs551`` stays fast.
"""

import importlib

__version__ = "0.1.0"

__all__ = ["gradcheck", "linesearch", "objectives", "optim", "plots", "widgets"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
