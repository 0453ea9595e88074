"""Reading numbers off a run or a curve, as several notebooks do.

- ``first_below``: the first index k with values[k] <= tol (e.g. the iterations to a tolerance);
- ``loglog_slope``: the p of y ~ c x^p, fitted on a log-log scale (a rate such as 1/k or n^-1/2).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _validate as check


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """The least-squares slope of log y against log x: the p of y ~ c x^p."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def first_below(values: Sequence[float], tol: float) -> int | None:
    """The first index k with values[k] <= tol (None if never)."""
    tol = check.positive("tol", tol)
    below = np.nonzero(np.asarray(values, dtype=float) <= tol)[0]
    return int(below[0]) if len(below) else None
