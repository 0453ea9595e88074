"""The explorer of notebook 08 (Adaptive learning rates): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from cs551 import _validate as check
from cs551.objectives import Rosenbrock, Saddle, ill_conditioned_quadratic
from cs551.optim import SGD, AdaGrad, RMSProp, RMSPropNesterov, minimize
from cs551.plots import draw_contours, method_color
from cs551.widgets import Explorer, Report, ResultCache, Row, new_figure, slider

from .experiments import record


class AdaptiveExplorer(Explorer):
    """AdaGrad, RMSProp and RMSProp with Nesterov against gradient descent (notebook 08).

    Left: the runs on a 2-D landscape (``LANDSCAPES``: an ill-conditioned quadratic,
    Rosenbrock, the saddle). Right: the effective rates eps / (delta + sqrt(r)) (AdaGrad)
    and eps / sqrt(delta + r) (RMSProp) of theta_1 (solid) and theta_2 (dashed), with
    gradient descent's single rate dotted. Controls: the landscape, the adaptive methods'
    global rate eps (``lr``), RMSProp's decay ``rho`` and the number of steps. Gradient
    descent keeps a rate that suits each landscape (``GD_RATES``).

    Every run is kept (``cache``, a ``cs551.widgets.ResultCache``) by the hyperparameters
    its method takes: gradient descent's by (landscape, steps), AdaGrad's without rho, so a
    move of rho reruns the two RMSProps only. In a kernel the settings one slider step away
    are run ahead while the kernel is idle (``prefetch``).
    """

    LANDSCAPES = ("ill-conditioned quadratic", "Rosenbrock", "saddle")
    GD_RATES = {"ill-conditioned quadratic": 1.9, "Rosenbrock": 1.5e-3, "saddle": 0.1}
    METHODS = ("gradient descent", "AdaGrad", "RMSProp", "RMSProp + Nesterov")

    def __init__(self, landscape: str = "ill-conditioned quadratic", lr: float = 0.1,
                 rho: float = 0.9, steps: int = 100, max_steps: int = 400,
                 prefetch: bool | None = None):
        if landscape not in self.LANDSCAPES:
            raise ValueError(f"landscape must be one of {self.LANDSCAPES}, got {landscape!r}")
        check.in_interval("lr", lr, 0.001, 1)
        check.in_interval("rho", rho, 0, 0.999)
        max_steps = check.positive_int("max_steps", max_steps)
        if not 1 <= check.positive_int("steps", steps) <= max_steps:
            raise ValueError(f"steps must be in [1, {max_steps}], got {steps!r}")
        self.objectives = dict(zip(self.LANDSCAPES, (ill_conditioned_quadratic(20), Rosenbrock(),
                                                     Saddle()), strict=True))
        self.runs: dict = {}
        self.cache = ResultCache(self._run, prefetch=prefetch, limit=4000)
        style = {"description_width": "70px"}
        controls = {
            "landscape": widgets.Dropdown(options=self.LANDSCAPES, value=landscape,
                                          description="landscape", style=style),
            "lr": slider("lr ε", lr, 1e-3, 1.0, log=True),
            "rho": slider("rho ρ", rho, 0.0, 0.999),
            "steps": slider("steps", steps, 1, max_steps, integer=True),
        }
        fig = new_figure(figsize=(10.0, 4.2), dpi=80, nrows=1, ncols=2)
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.92, wspace=0.22)
        self.ax_path, self.ax_rate = fig.axes
        self.paths = {m: self.ax_path.plot([], [], marker="o", markersize=2, linewidth=1,
                                           color=method_color(m), label=m)[0]
                      for m in self.METHODS}
        self.rates = {}
        for method in self.METHODS[1:3]:
            for c, style_ in enumerate(("-", "--")):
                (self.rates[method, c],) = self.ax_rate.plot(
                    [], [], color=method_color(method), linestyle=style_,
                    label=rf"{method}, $\theta_{c + 1}$")
        (self.gd_rate,) = self.ax_rate.plot([], [], color="C0", linestyle=":",
                                            label="gradient descent (both)")
        self.ax_rate.set(yscale="log", ylim=(1e-4, 1e4), xlim=(1, max_steps), xlabel="step $k$",
                         ylabel=r"effective rate $\epsilon_{\mathrm{eff}}$",
                         title="each parameter's learning rate")
        self.ax_rate.legend(loc="upper left", fontsize="x-small", ncol=2)
        self._landscape, self._background_artists = None, []
        # what a move changes least first (the picture starts after the unchanged ones): a move
        # of rho redraws the two RMSProps only, a move of eps all but gradient descent
        animated = (self.paths["gradient descent"], self.gd_rate,
                    *(artist for method in self.METHODS[1:] for artist in
                      (self.paths[method], *(self.rates.get((method, c)) for c in (0, 1)))
                      if artist is not None))
        super().__init__(fig, controls, self._update, animated=animated,
                         title="adaptive learning rates on 2-D landscapes")

    def _set_landscape(self, landscape: str) -> None:
        for artist in self._background_artists:
            artist.remove()
        before = set(self.ax_path.get_children())
        f = self.objectives[landscape]
        draw_contours(self.ax_path, f)
        self.ax_path.plot(*f.start, marker="o", markersize=9, markerfacecolor="none", color="k",
                          linestyle="none")
        self._background_artists = [a for a in self.ax_path.get_children() if a not in before]
        self.ax_path.set_title(f.name)
        self.ax_path.legend(handles=list(self.paths.values()), loc="lower right",
                            fontsize="x-small")
        self._landscape = landscape
        self.redraw_background()

    def _run(self, method: str, landscape: str, lr: float | None, rho: float | None,
             steps: int):
        f = self.objectives[landscape]
        if method == "gradient descent":
            return minimize(SGD(self.GD_RATES[landscape]), f, f.start, steps)
        if method == "AdaGrad":
            return record(AdaGrad(lr), f, f.start, steps)
        if method == "RMSProp":
            return record(RMSProp(lr, rho), f, f.start, steps)
        return record(RMSPropNesterov(lr, rho, momentum=0.9), f, f.start, steps)

    def _keys(self, landscape: str, lr: float, rho: float, steps: int) -> list[tuple]:
        """Each method's run by the hyperparameters it takes (in ``METHODS``' order)."""
        return [("gradient descent", landscape, None, None, steps),
                ("AdaGrad", landscape, lr, None, steps),
                ("RMSProp", landscape, lr, rho, steps),
                ("RMSProp + Nesterov", landscape, lr, rho, steps)]

    def _show(self, method: str, run, steps: int) -> None:
        """Set the artists of one method's run: its path and its effective rates."""
        self.paths[method].set_data(run.thetas[:, 0], run.thetas[:, 1])
        if method == "gradient descent":
            gd_lr = self.GD_RATES[self._landscape]
            self.gd_rate.set_data([1, steps], [gd_lr, gd_lr])
        for c in (0, 1):
            if (method, c) in self.rates:
                self.rates[method, c].set_data(np.arange(1, len(run.rates) + 1), run.rates[:, c])

    def _update(self, landscape: str, lr: float, rho: float, steps: int) -> Report:
        if landscape != self._landscape:
            self._set_landscape(landscape)
        gd_lr = self.GD_RATES[landscape]
        shown = self.runs
        self.runs = {key[0]: self.cache.get(key) for key in self._keys(landscape, lr, rho, steps)}
        self.cache.ahead(key for n in self.nearby() for key in self._keys(**n))
        for method, run in self.runs.items():
            if shown.get(method) is not run:  # an unchanged line is not drawn again
                self._show(method, run, steps)
        rows = [Row("gradient descent: its fixed lr", f"{gd_lr:g}", panel_only=True)]
        for method, run in self.runs.items():
            # RMSProp rattles across a valley, chaotically: print only the digits that every
            # machine's round-off agrees on
            end = "diverged" if run.diverged else f"f = {run.value:.2g}"
            theta = ", ".join(f"{round(float(x), 1) + 0.0:.1f}" for x in run.theta)  # no -0.0
            rows.append(Row(method, f"{end}, theta = ({theta})"))
        return Report(f"{landscape}, lr = {lr:.3g}, rho = {rho:.3g}, {steps} steps:", rows,
                      indent=2)
