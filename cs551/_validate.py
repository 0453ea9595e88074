"""Argument checks shared by the library.

Every check raises ``ValueError`` with the parameter's name, the value it got
and the range it allows, e.g. ``momentum must be in [0, 1), got 1.5``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def positive(name: str, value: float) -> float:
    """A finite number > 0."""
    if not _is_number(value) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def non_negative(name: str, value: float) -> float:
    """A finite number >= 0."""
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def in_interval(name: str, value: float, low: float, high: float, *, open_low: bool = False,
                open_high: bool = False) -> float:
    """A number between low and high, e.g. in (0, 1] with ``open_low=True``."""
    inside = _is_number(value) and (low < value if open_low else low <= value) and (
        value < high if open_high else value <= high)
    if not inside:
        interval = f"{'(' if open_low else '['}{low}, {high}{')' if open_high else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return float(value)


def unit_interval(name: str, value: float) -> float:
    """A number in [0, 1): a decay rate such as momentum, rho or beta."""
    return in_interval(name, value, 0, 1, open_high=True)


def condition_number(name: str, value: float) -> float:
    """A finite number >= 1: a condition number kappa = lambda_max / lambda_min."""
    value = positive(name, value)
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return value


def positive_int(name: str, value: int) -> int:
    """An integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def non_negative_int(name: str, value: int) -> int:
    """An integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def learning_rate(lr: float | Callable[[int], float]) -> float | Callable[[int], float]:
    """A finite number > 0, or a schedule ``k -> eps_k`` (checked at each step)."""
    if callable(lr):
        return lr
    if not _is_number(lr) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(
            f"lr must be a finite number > 0 or a callable k -> lr_k, got {lr!r}"
        )
    return float(lr)


def vector(name: str, value: object, dim: int | None = None) -> np.ndarray:
    """A finite 1-D float array (a fresh copy), of length ``dim`` when given."""
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D array of numbers, got {value!r}") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {array.shape}")
    if dim is not None and array.shape != (dim,):
        raise ValueError(f"{name} must have shape ({dim},), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {array!r}")
    return array


def symmetric_matrix(name: str, value: object) -> np.ndarray:
    """A finite, square, symmetric float matrix (a fresh copy)."""
    try:
        matrix = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a square matrix of numbers, got {value!r}") from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"{name} must be a square matrix, got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError(f"{name} must be finite, got {matrix!r}")
    if not np.allclose(matrix, matrix.T, rtol=1e-10, atol=1e-12):
        raise ValueError(f"{name} must be symmetric (H == H.T), got {matrix!r}")
    return matrix
