"""The explorer of notebook 06 (Momentum): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import LogLocator

from cs551.measure import first_index
from cs551.objectives import Objective, Quadratic
from cs551.optim import Trajectory, minimize
from cs551.plots import draw_contours
from cs551.widgets import (
    Explorer,
    Report,
    ResultCache,
    Row,
    check_landscape,
    hyper_slider,
    new_figure,
    slider,
)

from .experiments import METHODS, predicted_rate, three_methods


class MomentumExplorer(Explorer):
    """Gradient descent, momentum and Nesterov side by side, sliders eps and alpha (notebook 06).

    Left: the three trajectories on a 2-D landscape. Right: f(theta_k) - f* on a log
    scale, with the tolerance ``tol`` as a dotted line. The status line gives each
    run's steps to ``tol``, the momentum speed-up 1 / (1 - alpha) and, on a
    ``Quadratic``, each method's predicted rate per step (``predicted_rate``).

    Every run is kept (``cache``, a ``cs551.widgets.ResultCache``) by its method's own
    hyperparameters: gradient descent's by (eps, steps) only, so a move of alpha reruns
    two methods, not three, and a setting seen before is only redrawn. In a kernel the
    settings one slider step away are run ahead while the kernel is idle (``prefetch``;
    never on a stochastic objective, whose minibatch stream the runs share).
    """

    def __init__(self, objective: Objective, lr: float = 1.0, momentum: float = 0.9,
                 steps: int = 150, max_steps: int = 400, tol: float = 1e-6,
                 prefetch: bool | None = None):

        check_landscape(objective)
        self.objective, self.tol = objective, tol
        self.quadratic = isinstance(objective, Quadratic)
        self.f_star = 0.0 if objective.minimizer is None else float(
            objective.value(objective.minimizer))
        self.trajectories: dict[str, Trajectory] = {}
        stochastic = hasattr(objective, "reset")
        self.cache = ResultCache(self._run, prefetch=False if stochastic else prefetch,
                                 limit=3000)
        controls = {"lr": hyper_slider("lr", lr), "momentum": hyper_slider("momentum", momentum),
                    "steps": slider("steps", steps, 1, max_steps, integer=True)}
        # fixed margins: constrained layout would double the cost of the first draw
        # 800 x 336 pixels, as 05's and 08's explorers: 0.64 of the pixels to draw and encode
        fig = new_figure(figsize=(10.0, 4.2), dpi=80, nrows=1, ncols=2)
        fig.subplots_adjust(left=0.07, right=0.985, bottom=0.12, top=0.93, wspace=0.22)
        ax, ax_f = fig.axes
        draw_contours(ax, objective)
        ax.set_aspect("auto")  # fill the panel: an ill-conditioned bowl is too thin to scale
        ax.set_title(objective.name)
        f0 = float(objective.value(objective.start)) - self.f_star
        ax_f.set(yscale="log", xlim=(0, max_steps), ylim=(tol * 1e-6, 10 * f0),
                 xlabel="iteration $k$", ylabel=r"$f(\theta_k) - f^*$", title="progress")
        ax_f.yaxis.set_major_locator(LogLocator(numticks=6))  # few labels: a faster first draw
        ax_f.axhline(tol, color="k", linestyle=":", linewidth=1, label=f"tolerance {tol:g}")
        self.paths, self.curves = {}, {}
        for i, label in enumerate(METHODS):
            (self.paths[label],) = ax.plot([], [], marker="o", markersize=2, linewidth=1.0,
                                           color=f"C{i}", label=label)
            (self.curves[label],) = ax_f.plot([], [], color=f"C{i}", label=label)
        ax.legend(loc="upper right", fontsize="small")
        ax_f.legend(loc="upper right", fontsize="small")
        super().__init__(fig, controls, self._update,
                         # gradient descent first: a move of alpha leaves it as it was
                         animated=tuple(artist for label in METHODS
                                        for artist in (self.paths[label], self.curves[label])),
                         title=f"gradient descent, momentum and Nesterov on {objective.name}")

    def _run(self, label: str, lr: float, momentum: float | None, steps: int) -> Trajectory:
        optimizer = three_methods(lr, 0.0 if momentum is None else momentum)[label]
        return minimize(optimizer, self.objective, self.objective.start, steps)

    @staticmethod
    def _keys(lr: float, momentum: float, steps: int) -> dict[str, tuple]:
        """Each method's run by its own hyperparameters (gradient descent has no alpha)."""
        return {label: (label, lr, None if label == "gradient descent" else momentum, steps)
                for label in METHODS}

    def _update(self, lr: float, momentum: float, steps: int) -> Report:
        for label, key in self._keys(lr, momentum, steps).items():
            run = self.cache.get(key)
            if self.trajectories.get(label) is run:
                continue  # unchanged: not drawn again
            self.trajectories[label] = run
            self.paths[label].set_data(run.thetas[:, 0], run.thetas[:, 1])
            gap = run.values - self.f_star
            k = np.arange(len(gap))
            self.curves[label].set_data(k[gap > 0], gap[gap > 0])
        self.cache.ahead(key for n in self.nearby()
                         for key in self._keys(n["lr"], n["momentum"], n["steps"]).values())
        speed_up = f"{1 / (1 - momentum):.3g}"
        rows = [Row("momentum speed-up 1/(1 - alpha)", speed_up, panel_only=True)]
        for label, k in self.reached_tolerance().items():
            run = self.trajectories[label]
            end = ("diverged" if run.diverged else f"f - f* <= {self.tol:g} at step {k}"
                   if k is not None else f"f - f* = {run.value - self.f_star:.2g}")
            rows.append(Row(label, end))
            if self.quadratic:
                rate = predicted_rate(label, lr, momentum, self.objective.eigenvalues)
                rows.append(Row(f"{label}, predicted", f"rate {rate:.3f} per step",
                                panel_only=True))
        return Report(f"lr = {lr:.3g}, momentum = {momentum:.3g}, {steps} steps", rows, indent=2)

    def reached_tolerance(self) -> dict[str, int | None]:
        """For each method shown: the first step with f - f* <= tol (None if not reached)."""
        out = {}
        for label, run in self.trajectories.items():
            k = first_index(run.values - self.f_star <= self.tol)
            out[label] = None if run.diverged else k
        return out
