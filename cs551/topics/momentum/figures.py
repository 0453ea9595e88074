"""The figures of notebook 06 (Momentum).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes

from cs551.plots import axes_or_new


def plot_speeds(speeds: Mapping[float, np.ndarray], ax: Axes | None = None) -> Axes:
    """Momentum under a constant gradient: ||v_k|| / (eps ||g||) against k, for each alpha.

    ``speeds`` maps alpha to the measured ||v_1||, ||v_2||, ... divided by eps ||g||;
    each curve gets its terminal value 1 / (1 - alpha) as a dashed line.
    """
    ax = axes_or_new(ax)
    for i, (alpha, speed) in enumerate(speeds.items()):
        k = np.arange(1, len(speed) + 1)
        ax.plot(k, speed, color=f"C{i}", label=rf"$\alpha = {alpha:g}$ (measured)")
        ax.axhline(1 / (1 - alpha), color=f"C{i}", linestyle="--", linewidth=1,
                   label=rf"$1/(1-\alpha) = {1 / (1 - alpha):.3g}$")
    ax.set(xscale="log", yscale="log", xlabel="step $k$",
           ylabel=r"$\|v_k\| \,/\, \epsilon\|g\|$", title="velocity under a constant gradient")
    ax.legend(fontsize="small", ncol=2)
    return ax
