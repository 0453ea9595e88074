"""The figures of notebook 09 (Newton's method)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from cs551.objectives import Objective
from cs551.optim import Trajectory
from cs551.plots import plot_landscape


def plot_runs_side_by_side(objective: Objective, runs: Mapping[str, Trajectory],
                           ncols: int = 2) -> Figure:
    """One panel per run on the same contours, for methods whose paths run on top of each
    other (on the saddle, Newton, saddle-free Newton and gradient descent all travel along the
    axes): each path is seen whole, with the run's label as the panel's title."""
    nrows = -(-len(runs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 4.0 * nrows),
                             squeeze=False, layout="constrained")
    for ax, (label, run) in zip(axes.flat[:len(runs)], runs.items(), strict=True):
        plot_landscape(objective, {label: run}, ax=ax, title=label)
        ax.get_legend().remove()  # the title names the run
    for ax in axes.flat[len(runs):]:
        ax.set_visible(False)
    return fig

