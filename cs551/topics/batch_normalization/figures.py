"""The figures of notebook 10 (Batch normalization).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from cs551.plots import axes_or_new

BN_STYLES = {False: {"color": "C0", "label": "plain"}, True: {"color": "C3", "label": "with BN"}}
BN_MARKERS = {False: "o", True: "s"}


def draw_training_loss(ax: Axes, history, batchnorm: bool) -> Line2D:
    """One ``cs551.nn.History``'s training loss; a cross marks where a run diverged."""
    style = BN_STYLES[batchnorm]
    label = style["label"] + (" (diverged)" if history.diverged else "")
    (line,) = ax.plot(history.steps, history.train_loss, color=style["color"], label=label)
    if history.diverged and history.steps:
        ax.plot(history.steps[-1], history.train_loss[-1], marker="x", markersize=10,
                markeredgewidth=2, color=style["color"])
    return line


def plot_lr_sweep(runs: Mapping[tuple, object], fig=None):
    """``compare_learning_rates``: loss curves, one panel per learning rate."""
    lrs = sorted({lr for lr, _ in runs})
    if fig is None:
        fig = plt.figure(figsize=(3.0 * len(lrs), 3.2), layout="constrained")
    axes = fig.subplots(1, len(lrs), sharey=True, squeeze=False)[0]
    for ax, lr in zip(axes, lrs, strict=True):
        for bn in (False, True):
            draw_training_loss(ax, runs[lr, bn].history, bn)
        run = runs[lr, False]
        ax.set(yscale="log", xlabel="step", title=rf"$\epsilon$ = {lr:g}",
               xlim=(0, max(r.history.steps[-1] for r in runs.values() if r.history.steps)))
        ax.legend(fontsize="small", loc="lower left")
    axes[0].set_ylabel("training loss")
    fig.suptitle(f"SGD on the digits, {run.depth} hidden ReLU layers, with and without batch norm")
    return fig


def plot_activation_statistics(stats: Mapping[bool, np.ndarray], checkpoints, fig=None):
    """``activation_statistics`` with and without BN: per-layer mean and std over training."""
    if fig is None:
        fig = plt.figure(figsize=(9.0, 5.0), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey="row")
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(checkpoints)))
    for col, bn in enumerate((False, True)):
        layers = np.arange(1, stats[bn].shape[1] + 1)
        for k, step in enumerate(checkpoints):
            for row in (0, 1):
                axes[row, col].plot(layers, stats[bn][k, :, row], marker="o", color=colors[k],
                                    label=f"step {step}")
        axes[0, col].set_title(f"{BN_STYLES[bn]['label']}: what each ReLU receives")
        axes[1, col].set_xlabel("hidden layer")
    axes[0, 0].set_ylabel("mean of pre-activations")
    axes[1, 0].set_ylabel("std of pre-activations")
    axes[0, 1].legend(fontsize="small")
    return fig


def plot_running_average_lag(record, ax: Axes | None = None) -> Axes:
    """``running_average_lag``: the running mean's distance from E_B[mu_B] during training."""
    ax = axes_or_new(ax)
    ax.plot(record.steps, record.gap, marker="o", color="C3")
    ax.axvline(record.switch, color="k", linestyle=":")
    before, after = record.lr[0], record.lr[-1]
    ax.text(record.switch, 0.95, rf" $\epsilon$: {before:g} $\to$ {after:g}", va="top",
            fontsize="small", transform=ax.get_xaxis_transform())
    ax.set(xlabel="step", ylabel=r"|running mean $-\ \mathbb{E}[x]$| / $\sqrt{\mathrm{Var}[x]}$",
           title=f"running average (momentum {record.momentum:g}) vs population statistics")
    return ax


def plot_gradient_norms(records: Mapping[str, Mapping[bool, object]], fig=None):
    """``layer_gradient_norms``: ||dJ/dW_l|| against the layer l, one panel per network.

    ``records`` maps a panel title (e.g. "ReLU") to {batchnorm: GradientRecord}. Plain in
    blue circles, BN in red squares; the first checkpoint solid with filled markers, the
    last dashed with open markers.
    """
    if fig is None:
        fig = plt.figure(figsize=(4.5 * len(records), 3.8), layout="constrained")
    axes = fig.subplots(1, len(records), sharey=True, squeeze=False)[0]
    for ax, (title, pair) in zip(axes, records.items(), strict=True):
        for bn in (False, True):
            record, style = pair[bn], BN_STYLES[bn]
            layers = np.arange(1, record.norms.shape[1] + 1)
            for k in (0, len(record.steps) - 1):
                first = k == 0
                ax.plot(layers, record.norms[k], color=style["color"],
                        marker=BN_MARKERS[bn], linestyle="-" if first else "--",
                        markerfacecolor=style["color"] if first else "white",
                        label=f"{style['label']}, step {record.steps[k]}")
        ax.set(yscale="log", xlabel="layer $l$ (the last is the output layer)",
               title=f"{title}, {record.depth} hidden layers, $\\epsilon$ = {record.lr:g}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(r"$\|\partial J / \partial W_l\|$")
        ax.tick_params(labelleft=True)
    axes[0].legend(fontsize="small", loc="lower center", ncols=2)
    return fig
