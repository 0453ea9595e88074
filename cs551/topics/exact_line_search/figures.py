"""The figures of notebook 11 (Exact line search)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from cs551.linesearch import ExactLineSearch
from cs551.objectives import Quadratic
from cs551.optim import minimize
from cs551.plots import axes_or_new, method_color


def right_angle_marks(thetas: np.ndarray, turns: int = 8) -> np.ndarray:
    """Small square corners at the first ``turns`` iterates where the path turns."""
    corners = []
    for k in range(1, min(len(thetas) - 1, turns + 1)):
        incoming, outgoing = thetas[k] - thetas[k - 1], thetas[k + 1] - thetas[k]
        lengths = np.linalg.norm(incoming), np.linalg.norm(outgoing)
        if min(lengths) < 1e-3:
            break
        u_in, u_out = incoming / lengths[0], outgoing / lengths[1]
        side = 0.3 * min(*lengths, 0.25)
        p1 = thetas[k] - side * u_in
        corners += [p1, p1 + side * u_out, thetas[k] + side * u_out, [np.nan, np.nan]]
    return np.array(corners).reshape(-1, 2)


def plot_zigzag(b: float = 0.25, steps: int = 8, ax: Axes | None = None) -> Axes:
    """The exercise's picture: exact line search on f = 1/2 (x^2 + b y^2) from (b, 1).

    The contours of f, the zig-zag path, and a square mark at every turn: each step leaves
    along the new gradient, at a right angle to the one before.
    """
    ax = axes_or_new(ax, figsize=(7.0, 4.6))
    f = Quadratic(np.diag([1.0, b]))
    run = minimize(ExactLineSearch(), f, [b, 1.0], steps)
    t = np.linspace(0, 2 * np.pi, 200)
    for s in np.geomspace(0.05, 1.2, 9):  # f = b s^2 / 2 on each ellipse
        ax.plot(np.sqrt(b) * s * np.cos(t), s * np.sin(t), color="0.8", linewidth=0.8)
    color = method_color("exact line search")
    ax.plot(run.thetas[:, 0], run.thetas[:, 1], marker="o", markersize=4, color=color,
            label=f"exact line search, {steps} steps")
    ax.plot(*right_angle_marks(run.thetas).T, color="C3", linewidth=1.2, label="right angles")
    ax.plot(0, 0, marker="*", color="k", markersize=12, linestyle="none")
    ax.set(aspect="equal", xlabel="$x$", ylabel="$y$", xlim=(-0.6, 0.6), ylim=(-0.15, 1.1),
           title=rf"$f = \frac{{1}}{{2}}(x^2 + b y^2)$, $b = {b:g}$, from $(b, 1)$")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")  # off the path
    return ax
