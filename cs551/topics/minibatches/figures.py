"""The figures of notebook 02 (Batches and minibatches).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

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


def plot_core_use(use, fig=None):
    """``core_use``: the helper threads' share, the cores kept busy and the speed-up, by n.

    Three panels against the batch size n (log axis): the CPU time of BLAS's helper
    threads per call over the call's CPU time on the fewest threads (0: the work stays on
    one core), process CPU time over wall time (how many cores are busy) for each thread
    cap, and the wall-time speed-up of the most threads over the fewest (1: no gain;
    below 1: slower).
    """
    if fig is None:
        fig = plt.figure(figsize=(10.5, 3.4), layout="constrained")
    ax_share, ax_busy, ax_speed = fig.subplots(1, 3, sharex=True)
    n = use.batch_sizes
    for i, k in enumerate(use.threads):  # the first drawn thickest: a line on top of it
        style = {"marker": "o", "color": f"C{i}", "linewidth": max(3.5 - 2 * i, 1.2),
                 "markersize": max(9 - 4 * i, 4)}  # leaves it visible
        label = f"BLAS capped at {k} thread{'s' * (k > 1)}"
        ax_share.plot(n, use.helper_share[k], label=label, **style)
        ax_busy.plot(n, use.cores_busy[k], **style)
    ax_speed.plot(n, use.speedup, marker="o", color="C2")
    ax_speed.axhline(1, color="k", linestyle=":", linewidth=1)  # no gain
    top = max(use.threads) + 0.2
    ax_share.set(ylabel="helper CPU / one-thread CPU",
                 title="work on the other core", ylim=(-0.05, None))
    ax_busy.set(ylabel="process CPU time / wall time", title="cores kept busy", ylim=(0, top))
    ax_speed.set(ylabel=f"wall time, {min(use.threads)} / {max(use.threads)} threads",
                 title="speed-up (dotted: no gain)", ylim=(0, max(1.1, 1.1 * use.speedup.max())))
    for ax in (ax_share, ax_busy, ax_speed):
        ax.set(xscale="log", xlabel="batch size $n$")
        ax.set_xticks(n, [str(int(v)) for v in n])  # the measured sizes, as integers
        ax.minorticks_off()
    fig.legend(loc="outside upper center", ncol=len(use.threads), fontsize="small")
    return fig


def plot_size_scan(scan, fig=None):
    """``scan_batch_sizes``: time per example around each power of two, one panel each.

    Dots: the measured sizes; dashed: the straight line fitted to the neighbours of
    the power of two (the power excluded); red star: the power of two itself.
    """
    if fig is None:
        fig = plt.figure(figsize=(3.5 * len(scan.powers), 3.2), layout="constrained")
    axes = fig.subplots(1, len(scan.powers), squeeze=False)[0]
    ratios = scan.ratios
    for ax, p in zip(axes, scan.powers, strict=True):
        near = np.abs(scan.batch_sizes - p) <= scan.width
        x, t = scan.batch_sizes[near], 1e6 * scan.seconds_per_example[near]
        slope, intercept = scan.trend(p)
        labels = (("other sizes", "their straight line", "the power of two") if ax is axes[0]
                  else ("_nolegend_",) * 3)  # one legend for the figure
        ax.plot(x, t, "o", color="C0", label=labels[0])
        ax.plot(x, 1e6 * (slope * x + intercept), "--", color="C0", linewidth=1, label=labels[1])
        ax.plot([p], t[x == p], "*", color="C3", markersize=14, label=labels[2])
        ax.set(xlabel="batch size $n$", ylabel="microseconds per example",
               title=f"$n = {p}$: {ratios[p]:.2f} x the line")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.legend(loc="outside upper center", ncol=3, fontsize="small")
    return fig
