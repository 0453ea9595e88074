"""Checks for the graded assignments: a student's function against the course library.

One module per assignment (``assignments/source``), the machinery they share in ``checks``:

- ``momentum``: assignment 1, momentum and Nesterov;
- ``adaptive``: assignment 2, AdaGrad and RMSProp;
- ``batchnorm``: assignment 3, batch normalization and a numerical gradient;
- ``line_search``: assignment 4, exact line search (SymPy).

The assignments' autograded cells import the checks from here, e.g.
``from cs551.grading import check_momentum_update``. The notebooks' "your turn" cells
report the same checks in plain words with ``self_check``.
"""

from .adaptive import check_adagrad_update, check_rmsprop_nesterov_update, check_rmsprop_update
from .batchnorm import check_batchnorm_backward, check_batchnorm_forward, check_numerical_gradient
from .checks import self_check
from .line_search import check_closed_form, check_exact_step_expr, check_gradient_dot
from .momentum import check_momentum_update, check_nesterov_update, check_terminal_velocity

__all__ = [
    "check_momentum_update", "check_nesterov_update", "check_terminal_velocity",
    "check_adagrad_update", "check_rmsprop_update", "check_rmsprop_nesterov_update",
    "check_batchnorm_forward", "check_batchnorm_backward", "check_numerical_gradient",
    "check_exact_step_expr", "check_closed_form", "check_gradient_dot",
    "self_check",
]
