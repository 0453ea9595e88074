"""Reading numbers off a run or a curve, as several notebooks do.

- ``first_index``: the first index k where a condition holds (e.g. f(theta_k) <= tol): the
  one "first step where" of the course;
- ``loglog_slope``: the p of y ~ c x^p, fitted on a log-log scale (a rate such as 1/k or n^-1/2).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """The least-squares slope of log y against log x: the p of y ~ c x^p."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def first_index(condition: Sequence[bool] | np.ndarray) -> int | None:
    """The first index k where ``condition[k]`` is true (None if it never is).

    >>> first_index(np.array([3.0, 2.0, 0.5, 0.1]) <= 1.0)
    2
    """
    condition = np.asarray(condition)
    if condition.dtype != bool or condition.ndim != 1:
        raise ValueError(f"condition must be a 1-D array of booleans, got {condition!r}")
    hits = np.flatnonzero(condition)
    return int(hits[0]) if hits.size else None
