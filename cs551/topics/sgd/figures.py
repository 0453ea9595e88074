"""The figures of notebook 05 (Stochastic gradient descent).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from cs551.objectives import Objective
from cs551.optim import Trajectory
from cs551.plots import axes_or_new, draw_contours, plot_histories

from .experiments import tail_msd


def plot_noise_ball(ball, ax: Axes | None = None) -> Axes:
    """``NoiseBall``: E||theta - theta*||^2 against eps, measured and predicted."""
    ax = axes_or_new(ax)
    ax.plot(ball.lrs, ball.measured, "o", markersize=7, color="C0",
            label=f"measured (slope {ball.slope():.2f})")
    if np.all(np.isfinite(ball.exact)):
        ax.plot(ball.lrs, ball.exact, color="C1", label="exact stationary value")
    ax.plot(ball.lrs, ball.first_order, "--", color="C2",
            label=r"first order $\frac{\epsilon}{2}\,\mathrm{tr}(H^{-1}\Sigma)$ (slope 1)")
    ax.set(xscale="log", yscale="log", xlabel=r"constant learning rate $\epsilon$",
           ylabel=r"$E\,\|\theta_k - \theta^*\|^2$", title="SGD's noise ball")
    ax.legend(fontsize="small")
    return ax


def plot_last_iterates(objective: Objective, runs: Mapping[str, Trajectory],
                       fraction: float = 0.25, ax: Axes | None = None, levels: int = 15) -> Axes:
    """Contours of a 2-D ``objective`` and the last ``fraction`` of each run's iterates as dots.

    The picture of SGD's noise ball: each label gets the runs' mean squared distance to
    the minimizer over those iterates (``tail_msd``).
    """

    ax = axes_or_new(ax, figsize=(6.4, 4.8))
    draw_contours(ax, objective, levels=levels)
    for label, run in runs.items():
        tail = run.thetas[len(run.thetas) - max(1, int(fraction * len(run.thetas))):]
        msd = tail_msd(run.thetas, objective.minimizer, fraction)
        ax.plot(tail[:, 0], tail[:, 1], ".", markersize=3, alpha=0.6,
                label=rf"{label}: mean $\|\theta-\theta^*\|^2$ = {msd:.3g}")
    ax.legend(loc="upper right", fontsize="small")
    steps = max(len(run.thetas) - 1 for run in runs.values())
    ax.set_title(f"{objective.name}\nthe last {fraction:.0%} of {steps} iterates",
                 fontsize="medium")
    return ax


def plot_training_runs(groups: Mapping[str, Mapping[str, object]], key: str = "train_loss",
                       fig=None):
    """One panel per group of ``cs551.nn.History`` runs: ``key`` against the step, log y.

    ``groups`` maps a panel title to {label: history}; runs that diverged say so, and
    leave the top of the panel (cut at 10 times the largest starting value).
    """
    if fig is None:
        fig = plt.figure(figsize=(4.2 * len(groups), 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(groups)))
    for i, (ax, (title, runs)) in enumerate(zip(axes, groups.items(), strict=True)):
        plot_histories(runs, ax=ax, what=key, title=title)
        if i:
            ax.set_ylabel("")  # the first panel's label serves the row
        top = 10 * max(getattr(history, key)[0] for history in runs.values())
        if ax.get_ylim()[1] > top:
            ax.set_ylim(top=top)
    return fig
