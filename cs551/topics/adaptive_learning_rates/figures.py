"""The figures of notebook 08 (Adaptive learning rates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from cs551.plots import axes_or_new, method_color


def draw_effective_rates(ax: Axes, rates: Mapping[str, np.ndarray],
                         coordinates: Sequence[str] = (r"$\theta_1$", r"$\theta_2$")) -> list:
    """Lines of each method's effective rates (one per coordinate: solid, dashed, ...)."""
    lines = []
    for i, (label, rate) in enumerate(rates.items()):
        rate = np.asarray(rate, dtype=float)
        for c in range(rate.shape[1]):
            name = coordinates[c] if c < len(coordinates) else rf"$\theta_{{{c + 1}}}$"
            color = method_color(label) or f"C{i}"
            lines += ax.plot(np.arange(1, len(rate) + 1), rate[:, c], color=color,
                             linestyle=("-", "--", ":", "-.")[c % 4], label=f"{label}, {name}")
    ax.set(yscale="log", xlabel="step $k$", ylabel=r"effective rate $\epsilon_{\mathrm{eff}}$")
    return lines


def plot_effective_rates(rates: Mapping[str, np.ndarray], ax: Axes | None = None,
                         reference: Mapping[str, float] | None = None,
                         title: str | None = None) -> Axes:
    """Per-parameter effective learning rates over the steps (``record``).

    ``rates`` maps a method to an array (steps, d); each coordinate gets its own line
    style. ``reference`` adds horizontal lines, e.g. {"gradient descent": 1.9}.
    """
    ax = axes_or_new(ax)
    draw_effective_rates(ax, rates)
    for label, value in (reference or {}).items():
        ax.axhline(value, color="k", linewidth=1, linestyle=":", label=f"{label} ({value:g})")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax
