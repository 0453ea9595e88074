"""The explorer of notebook 11 (Exact line search): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from cs551.linesearch import ExactLineSearch, consecutive_gradient_cosines
from cs551.objectives import Quadratic
from cs551.optim import Trajectory, minimize
from cs551.plots import joined
from cs551.widgets import Explorer, Report, Row, new_figure

from .figures import right_angle_marks


class LineSearchExplorer(Explorer):
    """The exercise's explorer: f = 1/2 (x^2 + b y^2), gradient descent with exact line search.

    Left: the contours (ellipses with axes ratio 1 : 1/sqrt(b)), the zig-zag path and a
    square mark at each turn (consecutive steps meet at right angles). Right: f(theta_k)
    on a log scale, with the closed-form rate f(theta_0) rho^(2k), rho = (1 - b)/(1 + b),
    which the path follows exactly from the exercise's start (b, 1) and is a bound from
    any other start. Controls: b, the start point (or the exercise's start), the number of
    iterations.
    """

    LIMIT = 1.1

    def __init__(self, b: float = 0.25, steps: int = 20, max_steps: int = 60):

        self._optimizer, self._cosines = ExactLineSearch(), consecutive_gradient_cosines
        self.run: Trajectory | None = None
        self.b = b
        style = {"description_width": "90px"}
        controls = {
            "b": widgets.FloatSlider(value=b, min=0.05, max=1.0, step=0.01, description="b",
                                     readout_format=".2f", style=style),
            "steps": widgets.IntSlider(value=steps, min=1, max=max_steps, description="iterations",
                                       style=style),
            "exercise_start": widgets.Checkbox(value=True, description="start at (b, 1)",
                                               style=style),
            "x0": widgets.FloatSlider(value=b, min=-1.0, max=1.0, step=0.01, description="x0",
                                      disabled=True, style=style),
            "y0": widgets.FloatSlider(value=1.0, min=-1.0, max=1.0, step=0.01, description="y0",
                                      disabled=True, style=style),
        }
        fig = new_figure(figsize=(10.0, 4.2), dpi=80)
        ax, ax_f = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
        ax.set(xlim=(-self.LIMIT, self.LIMIT), ylim=(-self.LIMIT, self.LIMIT), aspect="equal",
               xlabel="$x$", ylabel="$y$",
               title=r"$f = \frac{1}{2}(x^2 + b y^2)$, exact line search")
        (self.contours,) = ax.plot([], [], color="0.75", linewidth=0.8)  # 12 ellipses, one line
        (self.path,) = ax.plot([], [], marker="o", markersize=3, color="C0", label="iterates")
        (self.corners,) = ax.plot([], [], color="C3", linewidth=1.0, label="right angles")
        (self.start_marker,) = ax.plot([], [], marker="o", markersize=9, markerfacecolor="none",
                                       color="k", linestyle="none")
        ax.legend(loc="lower right", fontsize="small")
        ax_f.set(yscale="log", xlim=(0, max_steps), ylim=(1e-20, 2.0), xlabel="iteration $k$",
                 ylabel=r"$f(\theta_k)$", title="value against the closed-form rate")
        (self.value_line,) = ax_f.plot([], [], marker="o", markersize=3, linestyle="none",
                                   color="C0", label=r"$f(\theta_k)$ measured")
        (self.rate,) = ax_f.plot([], [], color="C1", label=r"$f(\theta_0)\,\rho^{2k}$")
        ax_f.legend(loc="upper right", fontsize="small")
        controls["exercise_start"].observe(self._toggle_start, names="value")
        super().__init__(fig, controls, self._draw_run,
                         animated=(self.contours, self.path, self.corners, self.start_marker,
                                   self.value_line, self.rate),
                         title="exact line search on f = (x² + b y²)/2")

    def _toggle_start(self, change) -> None:
        for name in ("x0", "y0"):
            self.controls[name].disabled = change["new"]

    def _draw_run(self, b: float, steps: int, exercise_start: bool, x0: float,
                  y0: float) -> Report:
        start = np.array([b, 1.0]) if exercise_start else np.array([x0, y0])
        f = Quadratic(np.diag([1.0, b]))
        self.b, self.run = b, minimize(self._optimizer, f, start, steps)
        thetas = self.run.thetas
        t = np.linspace(0, 2 * np.pi, 120)
        self.contours.set_data(*joined((np.sqrt(b) * s * np.cos(t), s * np.sin(t))  # f = b s^2/2
                                       for s in np.geomspace(0.03, 1.5, 12)))
        self.path.set_data(thetas[:, 0], thetas[:, 1])
        self.corners.set_data(*right_angle_marks(thetas).T)
        self.start_marker.set_data([start[0]], [start[1]])
        ks = np.arange(len(thetas))
        positive = self.run.values > 0
        self.value_line.set_data(ks[positive], self.run.values[positive])
        rho = (1 - b) / (1 + b)
        self.rate.set_data(ks, self.run.values[0] * rho ** (2 * ks))
        cosines = self._cosines(f, thetas)
        worst = np.max(np.abs(cosines)) if len(cosines) else 0.0
        alpha_0 = (1 - (thetas[1, 0] / thetas[0, 0])) if thetas[0, 0] else np.nan
        run = self.run
        measured = run.values[1:] / run.values[:-1] if run.values[-1] > 0 else np.array([0.0])
        return Report(
            f"b = {b:.2f}, start = ({thetas[0, 0]:.2f}, {thetas[0, 1]:.2f}), "
            f"{run.steps} iterations",
            [Row("rho = (1 - b)/(1 + b)", f"{rho:.4f}", panel_only=True),
             Row("alpha_0", f"{alpha_0:.4f} (2/(1 + b) = {2 / (1 + b):.4f})", panel_only=True),
             Row("max |cos(∇f_k, ∇f_k+1)|", f"{worst:.1e}", panel_only=True),
             Row("f(theta_k+1) / f(theta_k)",
                 f"{measured.min():.6f} to {measured.max():.6f} (rho^2 = {rho**2:.6f})"),
             Row(f"f after {run.steps} iterations", f"{run.value:.3e}")])
