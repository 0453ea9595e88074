"""Checks for the graded assignments: a student's function against the course library.

One module per assignment (``assignments/source``), the machinery they share in ``checks``:

- ``momentum``: assignment 1, momentum and Nesterov;
- ``adaptive``: assignment 2, AdaGrad and RMSProp;
- ``batchnorm``: assignment 3, batch normalization and a numerical gradient;
- ``line_search``: assignment 4, exact line search (SymPy).

The notebooks' "your turn" cells run these checks in the student's own kernel and report them
in plain words with ``self_check``. Graded submissions are judged differently, outside the
student's kernel (``python3 course.py grade``): ``grader`` runs nbgrader's autograde with each
kernel in a ``sandbox``, whose hidden tests only ``record`` the answers to inputs drawn at
grading time (``plain`` data); ``parts`` says what each assignment's parts are, ``verdict``
compares the answers with the references computed here, ``screening`` flags what a notebook's
text reaches for. Those modules are imported by name, not from here.
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
