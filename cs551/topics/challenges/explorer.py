"""The explorer of notebook 04 (Challenges of optimization): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

import numpy as np

from cs551.objectives import Cliff
from cs551.optim import Trajectory
from cs551.plots import draw_contours
from cs551.widgets import Explorer, Report, Row, new_figure, slider

from .experiments import cliff_runs, longest_step


class CliffExplorer(Explorer):
    """Gradient descent on ``objectives.Cliff``, with and without gradient clipping (notebook 04).

    Left: the landscape (a plateau, a cliff at theta_1 = 0, a bowl beyond) with both runs.
    Right: the length of each step ||theta_{k+1} - theta_k||, log scale, and the clipped
    runs' cap eps * max_norm. Slide "Cliffs": where the step lands on the cliff's edge the
    gradient is huge and the plain step catapults the parameters away; clipping keeps
    its direction and bounds its length.
    """

    def __init__(self, lr: float = 0.5, max_norm: float = 1.0, steps: int = 60,
                 start: tuple[float, float] | None = None):

        self.objective = Cliff()
        self.runs: dict[str, Trajectory] = {}
        x0, y0 = self.objective.start if start is None else start
        (x_low, x_high), (y_low, y_high) = self.objective.bounds
        controls = {
            "lr": slider("lr", lr, 0.02, 2.0, log=True),
            "max_norm": slider("max ‖g‖", max_norm, 0.1, 30.0, log=True),
            "steps": slider("steps", steps, 1, 200, integer=True),
            "x0": slider("x0", x0, x_low, 0.0),
            "y0": slider("y0", y0, y_low, y_high),
        }
        # no constrained layout: it measures every contour line (over a second); fixed margins
        fig = new_figure(figsize=(10.5, 4.0), dpi=80, nrows=1, ncols=2,
                         gridspec_kw={"width_ratios": [1.6, 1]})
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.92, wspace=0.22)
        ax, ax_step = fig.axes
        draw_contours(ax, self.objective)
        ax.axvline(0, color="0.5", linestyle=":", linewidth=1)
        ax.set_title("cliff: plateau, edge at $\\theta_1 = 0$, bowl")
        colors = {"no clipping": "C3", "clipped": "C0"}
        self.lines = {label: ax.plot([], [], marker="o", markersize=3, linewidth=1.2,
                                     color=color, label=label)[0]
                      for label, color in colors.items()}
        (self.start_marker,) = ax.plot([], [], marker="o", markersize=9, markerfacecolor="none",
                                       color="k", linestyle="none")
        ax.legend(loc="upper right", fontsize="small")
        self.step_lines = {label: ax_step.plot([], [], marker="o", markersize=3, color=color,
                                               label=label)[0]
                           for label, color in colors.items()}
        (self.cap,) = ax_step.plot([], [], "k--", linewidth=1, label=r"cap $\epsilon\,$max‖g‖")
        ax_step.set(yscale="log", xlim=(0, 200), ylim=(1e-4, 1e2), xlabel="step $k$",
                    ylabel=r"$\|\theta_{k+1} - \theta_k\|$", title="step lengths")
        ax_step.legend(loc="upper right", fontsize="small")
        super().__init__(fig, controls, self._update,
                         animated=(*self.lines.values(), self.start_marker,
                                   *self.step_lines.values(), self.cap),
                         title="gradient descent on a cliff, with and without clipping")

    def _update(self, lr: float, max_norm: float, steps: int, x0: float, y0: float) -> Report:
        plain, clipped = cliff_runs(lr, max_norm, steps, (x0, y0), self.objective).values()
        self.runs = {"no clipping": plain, "clipped": clipped}
        rows = []
        for label, run in self.runs.items():
            self.lines[label].set_data(run.thetas[:, 0], run.thetas[:, 1])
            lengths = np.linalg.norm(np.diff(run.thetas, axis=0), axis=1)
            self.step_lines[label].set_data(np.arange(len(lengths)), lengths)
            end = "diverged" if run.diverged else f"f = {run.value:.3g}"
            rows.append(Row(label, f"longest step {longest_step(run):.3g}, "
                                   f"ends at ({run.theta[0]:.2f}, {run.theta[1]:.2f}), {end}"))
        self.start_marker.set_data([x0], [y0])
        self.cap.set_data([0, 200], [lr * max_norm] * 2)
        return Report(rows=rows)
