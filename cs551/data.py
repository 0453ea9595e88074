"""Data sets for the experiments: real handwritten digits, and small synthetic sets.

``digits`` is scikit-learn's bundled copy of the UCI handwritten digits (1,797
images of 8 x 8 pixels, ten classes): it ships inside the package, so the course
runs offline. Splits are seeded, so every run sees the same examples.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _validate as check


@dataclass(frozen=True)
class Split:
    """Features X (rows are examples) and labels y of a training, validation and test set."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self) -> str:
        return (f"Split(train={self.X_train.shape}, val={self.X_val.shape}, "
                f"test={self.X_test.shape}, classes={len(np.unique(self.y_train))})")


def split(X: np.ndarray, y: np.ndarray, fractions=(0.6, 0.2, 0.2), seed: int = 0,
          standardize: bool = True, bias: bool = False) -> Split:
    """Shuffle (seeded) and cut into train / validation / test by ``fractions``.

    With ``standardize`` each feature is centred and scaled by the *training*
    mean and standard deviation (constant features are only centred). With
    ``bias`` a column of ones is appended, so a linear model gets an intercept.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if len(fractions) != 3 or min(fractions) < 0 or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"fractions must be three numbers >= 0 summing to 1, got {fractions!r}")
    order = np.random.default_rng(check.non_negative_int("seed", seed)).permutation(len(X))
    n_train = int(round(fractions[0] * len(X)))
    n_val = int(round(fractions[1] * len(X)))
    parts = np.split(order, [n_train, n_train + n_val])
    Xs = [X[p] for p in parts]
    if standardize:
        mean, std = Xs[0].mean(axis=0), Xs[0].std(axis=0)
        std[std == 0] = 1.0
        Xs = [(x - mean) / std for x in Xs]
    if bias:
        Xs = [np.hstack([x, np.ones((len(x), 1))]) for x in Xs]
    return Split(Xs[0], y[parts[0]], Xs[1], y[parts[1]], Xs[2], y[parts[2]])


@functools.cache
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 images (float64, 64 pixels each) and labels (int64), as ``load_digits``.

    Read straight from the CSV file that scikit-learn bundles (the file its
    ``load_digits`` reads): that skips importing scikit-learn, about 1 s.
    """
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    if not path.exists():  # a scikit-learn laid out differently: ask it
        from sklearn.datasets import load_digits

        data = load_digits()
        return data.data, data.target
    with gzip.open(path) as file:
        table = np.loadtxt(file, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def digits(classes: tuple[int, ...] | None = None, fractions=(0.6, 0.2, 0.2), seed: int = 0,
           standardize: bool = True, bias: bool = False) -> Split:
    """The 8 x 8 handwritten digits (64 features), split by ``split``.

    ``classes`` keeps only those digits and relabels them 0, 1, ... in the order
    given: ``digits(classes=(3, 8))`` is a binary task with label 1 for an 8.
    """
    X, y = _load_digits()
    if classes is not None:
        if not classes or not set(classes) <= set(range(10)) or len(set(classes)) != len(classes):
            raise ValueError(f"classes must be distinct digits 0-9, got {classes!r}")
        label = {digit: i for i, digit in enumerate(classes)}
        keep = np.isin(y, classes)
        X, y = X[keep], np.array([label[digit] for digit in y[keep]])
    return split(X, y, fractions, seed, standardize, bias)


def linear_regression_data(m: int = 200, d: int = 2, noise: float = 0.5, seed: int = 0,
                           scales: tuple[float, ...] | None = None):
    """Synthetic least-squares data y = X w_true + noise; returns (X, y, w_true).

    ``scales`` stretches the features (column j multiplied by scales[j]), which
    makes the Hessian X^T X / m ill-conditioned on purpose.
    """
    rng = np.random.default_rng(check.non_negative_int("seed", seed))
    X = rng.normal(size=(check.positive_int("m", m), check.positive_int("d", d)))
    if scales is not None:
        X = X * np.asarray(check.vector("scales", scales, d))
    w_true = rng.normal(size=d)
    y = X @ w_true + check.non_negative("noise", noise) * rng.normal(size=m)
    return X, y, w_true
