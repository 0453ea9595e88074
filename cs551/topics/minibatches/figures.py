"""The figures of notebook 02 (Batches and minibatches).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes

from cs551.plots import axes_or_new


def plot_gradient_noise(noises: Mapping[str, object], ax: Axes | None = None) -> Axes:
    """``GradientNoise`` runs: RMS ||g_B - grad J|| against n, log-log."""
    ax = axes_or_new(ax)
    for i, (label, noise) in enumerate(noises.items()):
        ax.plot(noise.batch_sizes, noise.rms_error, "o", color=f"C{i}",
                label=f"{label}: measured (slope {noise.slope:.2f})")
        ax.plot(noise.batch_sizes, noise.predicted, color=f"C{i}", linewidth=1,
                label=f"{label}: " + (r"$\sigma/\sqrt{n}$" if noise.replace else
                                      r"$\sigma/\sqrt{n}\cdot\sqrt{(m-n)/(m-1)}$"))
    ax.set(xscale="log", yscale="log", xlabel="batch size $n$",
           ylabel=r"RMS $\|g_B - \nabla J\|$", title="standard error of the minibatch gradient")
    ax.legend(fontsize="small")
    return ax


def plot_race(curves: Mapping[str, object], ax: Axes | None = None) -> Axes:
    """``batch_size_race``: training loss against examples processed."""
    ax = axes_or_new(ax)
    for label, curve in curves.items():  # log x: drop step 0 (no examples yet), shown as a line
        ax.plot(curve.examples[1:], curve.train_loss[1:], marker="o", markersize=3, label=label)
    start = next(iter(curves.values())).train_loss[0]
    ax.axhline(start, color="k", linestyle=":", linewidth=1, label="at the start")
    ax.set(xscale="log", yscale="log", xlabel="examples processed (steps x batch size)",
           ylabel="training loss (NLL)", title="training loss per example processed")
    ax.legend(fontsize="small")
    return ax


def plot_time_per_example(batch_sizes, times: Mapping[str, np.ndarray],
                          ax: Axes | None = None) -> Axes:
    """Wall time per example of a gradient evaluation against the batch size, log-log."""
    ax = axes_or_new(ax)
    for label, t in times.items():
        ax.plot(batch_sizes, 1e6 * np.asarray(t), marker="o", label=label)
    ax.set(xscale="log", yscale="log", xlabel="batch size $n$",
           ylabel="microseconds per example", title="forward + backward, this machine")
    ax.legend(fontsize="small")
    return ax
