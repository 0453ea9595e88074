"""The figures of notebook 07 (Parameter initialization).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

# one colour per initialization scheme, in every figure of notebook 07
SCHEME_COLORS = {"small": "C0", "Xavier": "C1", "He": "C2", "large": "C3"}


def scheme_color(label: str) -> str | None:
    """The colour of the scheme a label names ("ReLU, He" -> SCHEME_COLORS["He"]), or None."""
    return next((color for scheme, color in SCHEME_COLORS.items()
                 if scheme in label.replace(",", " ").split()), None)


def plot_signal_stds(stats: Mapping[str, object], fig=None):
    """``SignalStats`` runs: std of z_l (left) and of dJ/dz_l (right)
    against the layer l, log scale, one curve per run."""
    if fig is None:
        fig = plt.figure(figsize=(11.0, 3.8), layout="constrained")
    ax_f, ax_b = fig.subplots(1, 2, sharey=True)
    for i, (label, s) in enumerate(stats.items()):
        layers = np.arange(1, s.depth + 1)
        for ax, values in ((ax_f, s.forward), (ax_b, s.backward)):
            shown = np.where(values > 0, values, np.nan)  # underflow to 0: not drawn
            ax.plot(layers, shown, marker="o", markersize=3, label=label,
                    color=scheme_color(label) or f"C{i}")
    ax_f.set(yscale="log", xlabel="layer $l$", ylabel="standard deviation",
             title=r"forward: std of pre-activations $z_l$")
    ax_b.set(xlabel="layer $l$", title=r"backward: std of $\partial J/\partial z_l$")
    for ax in (ax_f, ax_b):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # layers are whole numbers
    ax_f.legend(fontsize="small")
    return fig
