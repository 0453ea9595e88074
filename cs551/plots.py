"""Plotting helpers, so that notebooks never copy plotting code.

- ``plot_landscape``: contours of a 2-D objective with one or more trajectories.
- ``plot_values``: f(theta_k) (or any curve) against the iteration, log scale.

Both take an ``ax`` to draw into, or make a new figure, and return the axes.
The widgets in ``cs551.widgets`` draw their backgrounds with the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from .objectives import Bounds, Objective
from .optim import Trajectory

Path = Trajectory | np.ndarray


def grid(objective: Objective, bounds: Bounds, n: int = 200):
    """X, Y, Z = f(X, Y) on an n x n grid spanning ``bounds``."""
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return X, Y, objective.value(np.stack([X, Y]))


def contour_levels(Z: np.ndarray, n: int = 25) -> np.ndarray:
    """n contour levels at quantiles of Z: dense where the landscape is flat.

    Quantiles adapt to any landscape: a valley 1e-3 deep and walls 1e3 high
    (Rosenbrock) get contours in both, as do the negative values of a saddle.
    """
    return np.unique(np.quantile(Z, np.linspace(0, 1, n + 2)[1:-1] ** 2))


def _thetas(path: Path) -> np.ndarray:
    return path.thetas if isinstance(path, Trajectory) else np.asarray(path, dtype=float)


def _as_mapping(paths: Mapping[str, Path] | Sequence[Path] | Path | None) -> dict[str, Path]:
    if paths is None:
        return {}
    if isinstance(paths, Mapping):
        return dict(paths)
    if isinstance(paths, Trajectory) or (isinstance(paths, np.ndarray) and paths.ndim == 2):
        return {"": paths}
    return {f"run {i}": path for i, path in enumerate(paths)}


def draw_contours(ax: Axes, objective: Objective, bounds: Bounds | None = None,
                  levels: int = 25) -> Axes:
    """The static background: contours, the minimizer (a star), labels and limits."""
    bounds = bounds or objective.bounds
    if bounds is None:
        raise ValueError(f"bounds must be given for {objective!r}, which has no default bounds")
    X, Y, Z = grid(objective, bounds)
    ax.contour(X, Y, Z, levels=contour_levels(Z, levels), cmap="viridis", linewidths=0.8)
    if objective.minimizer is not None and len(objective.minimizer) == 2:
        ax.plot(*objective.minimizer, marker="*", color="k", markersize=12, linestyle="none")
    ax.set(xlim=bounds[0], ylim=bounds[1], xlabel=r"$\theta_1$", ylabel=r"$\theta_2$")
    ax.set_aspect("equal")
    return ax


def draw_path(ax: Axes, path: Path, label: str = "", color=None, **style) -> Line2D:
    """One trajectory as a line with dots; its start as a hollow circle."""
    thetas = _thetas(path)
    (line,) = ax.plot(thetas[:, 0], thetas[:, 1], marker="o", markersize=3, linewidth=1.2,
                      label=label or None, color=color, **style)
    ax.plot(*thetas[0], marker="o", markersize=8, markerfacecolor="none",
            color=line.get_color(), linestyle="none")
    return line


def plot_landscape(
    objective: Objective,
    trajectories: Mapping[str, Path] | Sequence[Path] | Path | None = None,
    *,
    ax: Axes | None = None,
    bounds: Bounds | None = None,
    levels: int = 25,
    title: str | None = None,
) -> Axes:
    """Contours of a 2-D ``objective`` with trajectories drawn on top.

    ``trajectories`` is a ``Trajectory``, an array of iterates (n, 2), or a dict
    label -> either; labelled runs get a legend, and runs that diverged say so.

    >>> ax = plot_landscape(Rosenbrock(), {"SGD": minimize(SGD(1e-3), f, f.start, 100)})
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.8))
    draw_contours(ax, objective, bounds, levels)
    for label, path in _as_mapping(trajectories).items():
        if isinstance(path, Trajectory) and path.diverged and label:
            label += f" (diverged at step {path.steps})"
        draw_path(ax, path, label)
    if any(line.get_label()[:1] != "_" for line in ax.get_lines()):
        ax.legend(loc="upper right", fontsize="small")
    ax.set_title(title if title is not None else objective.name)
    return ax


def plot_values(
    curves: Mapping[str, Path | Sequence[float]],
    *,
    ax: Axes | None = None,
    offset: float = 0.0,
    logy: bool = True,
    xlabel: str = "iteration $k$",
    ylabel: str = r"$f(\theta_k)$",
    title: str | None = None,
    styles: Mapping[str, dict] | None = None,
) -> Axes:
    """Curves against the iteration number: f(theta_k) - ``offset`` for trajectories.

    Values are plain sequences or ``Trajectory`` objects (their ``values``). With
    ``logy`` the y axis is logarithmic; pass ``offset=f*`` to plot f - f*.
    ``styles`` maps a label to extra line properties (e.g. ``{"marker": "o"}``).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0))
    for label, curve in curves.items():
        values = curve.values if isinstance(curve, Trajectory) else np.asarray(curve, float)
        ax.plot(np.arange(len(values)), values - offset, label=label,
                **(styles or {}).get(label, {}))
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel if not offset else ylabel + r" $- f^*$")
    if title:
        ax.set_title(title)
    if curves:
        ax.legend(fontsize="small")
    return ax


def axes_or_new(ax: Axes | None, figsize=(6.4, 4.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_step_errors(errors, tolerance: float | None = None, ax: Axes | None = None) -> Axes:
    """``cs551.gradient_noise.StepErrors``: relative error of each step against the batch size."""
    ax = axes_or_new(ax)
    n = errors.batch_sizes
    ax.plot(n, errors.gradient, color="C0", label=r"gradient step $g_B$ (predicted)")
    ax.plot(n, errors.gradient_measured, "o", color="C0", label="(measured)")
    ax.plot(n, errors.newton, color="C3", label=r"Newton step $H^{-1}g_B$ (predicted)")
    ax.plot(n, errors.newton_measured, "o", color="C3", label="(measured)")
    finite = np.isfinite(errors.newton_minibatch_H)
    ax.plot(n[finite], errors.newton_minibatch_H[finite], "s--", color="C1", markersize=4,
            label=r"Newton step $H_B^{-1}g_B$ (measured)")
    if tolerance is not None:
        ax.axhline(tolerance, color="k", linestyle=":", label=f"{tolerance:.0%} error")
    ax.set(xscale="log", yscale="log", xlabel="batch size $n$", ylabel="relative error (RMS)",
           title=rf"least squares, $\kappa \approx {errors.kappa:,.0f}$")
    ax.legend(fontsize="small")
    return ax


def plot_histories(histories: Mapping[str, object], ax: Axes | None = None,
                   what: str = "train_loss", title: str | None = None) -> Axes:
    """``cs551.nn.History`` records: the training loss (or ``what``) against the step."""
    ax = axes_or_new(ax)
    for label, history in histories.items():
        values = getattr(history, what)
        if history.diverged:
            label += " (diverged)"
        ax.plot(history.steps[:len(values)], values, label=label)
    ax.set(yscale="log", xlabel="step $k$", ylabel=what.replace("_", " "), title=title)
    ax.legend(fontsize="small")
    return ax
