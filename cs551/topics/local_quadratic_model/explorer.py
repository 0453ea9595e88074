"""The explorer of notebook 03 (The local quadratic model): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from cs551.optim import SGD, minimize
from cs551.plots import joined
from cs551.widgets import Explorer, Report, Row, new_figure

from .experiments import (
    best_learning_rate,
    best_rate,
    contraction_factors,
    convergence_rate,
    eigen_coordinates,
    predicted_coordinates,
    rotated_quadratic,
    rotation,
    stability_limit,
)


class EigenDecayExplorer(Explorer):
    """Gradient descent on a 2-D quadratic, one coordinate of H's eigenbasis at a time (nb 03).

    J(w) = J(w*) + 1/2 (w - w*)^T H (w - w*), H = Q diag(lambda_1, lambda_2) Q^T with Q a
    rotation by ``angle`` (columns u_1, u_2). Left: contours, the eigenvectors and the
    path of gradient descent from w* + Q alpha^(0). Right: |alpha_i^tau|, alpha = Q^T (w - w*),
    on a log scale: measured (dots) against (1 - eta lambda_i)^tau |alpha_i^(0)| (lines).
    Controls: eta, lambda_1, lambda_2, the number of steps, and "use eta*" (eta fixed at
    2 / (lambda_min + lambda_max)).
    """

    FLOOR = 1e-10  # |alpha| below this is drawn at the bottom edge: the right panel's range

    def __init__(self, lr: float = 0.5, lambdas: tuple[float, float] = (1.0, 0.1),
                 steps: int = 40, max_steps: int = 100, angle: float = np.pi / 6,
                 start_alpha: tuple[float, float] = (1.0, 1.5)):

        self.angle, self.Q = angle, rotation(angle)
        f = rotated_quadratic(lambdas, angle, start_alpha=start_alpha)
        self.w_star, self.start = f.minimizer, f.start
        self.alpha0 = np.asarray(start_alpha, dtype=float)
        self.state: dict = {}
        style = {"description_width": "70px"}
        common = {"base": 10, "step": 0.01, "readout_format": ".3g", "style": style}
        controls = {
            "lr": widgets.FloatLogSlider(value=lr, min=-2, max=1, description="η (lr)", **common),
            "lambda_1": widgets.FloatLogSlider(value=lambdas[0], min=-2, max=1,
                                               description="λ₁", **common),
            "lambda_2": widgets.FloatLogSlider(value=lambdas[1], min=-2, max=1,
                                               description="λ₂", **common),
            "steps": widgets.IntSlider(value=steps, min=1, max=max_steps, description="steps",
                                       style=style),
            "best_lr": widgets.Checkbox(value=False, description="use η* = 2/(λ_min + λ_max)",
                                        style=style),
        }
        controls["best_lr"].observe(self._toggle_lr, names="value")
        # fixed margins: constrained layout would cost ~0.5 s per figure here
        fig = new_figure(figsize=(10.0, 4.4), dpi=80, nrows=1, ncols=2,
                         gridspec_kw={"width_ratios": [1, 1.25]})
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.93, wspace=0.2)
        ax, ax_a = fig.axes
        ax.set(xlim=f.bounds[0], ylim=f.bounds[1], aspect="equal",
               xlabel="w₁", ylabel="w₂", title="gradient descent on the contours")
        half = (f.bounds[0][1] - f.bounds[0][0]) / 2
        (self.contours,) = ax.plot([], [], color="0.7", linewidth=0.8)  # 10 ellipses, one line
        ax.plot(*self.w_star, "k*", markersize=12)
        (self.path,) = ax.plot([], [], marker="o", markersize=3, linewidth=1, color="k")
        self.arrows = []  # the eigenvectors, drawn over the path (an overlay: they never change)
        for i, color in enumerate(("C0", "C1")):
            tip = self.w_star + 0.45 * half * self.Q[:, i]
            self.arrows += [
                ax.annotate("", xy=tip, xytext=self.w_star, arrowprops={
                    "arrowstyle": "-|>", "color": color, "linewidth": 2}),
                ax.annotate(f"u{i + 1}", xy=tip, color=color, xytext=(3, 3), fontsize="large",
                            textcoords="offset points", fontweight="bold")]
        ax.plot(*self.start, marker="o", markersize=9, markerfacecolor="none", color="k")
        ax_a.set(yscale="log", xlim=(0, max_steps), ylim=(self.FLOOR, 1e4),
                 xlabel="step τ", ylabel="|αᵢ| after τ steps",
                 title="each eigen-coordinate on its own")
        ax_a.yaxis.set_major_formatter("{x:.0e}")  # not 10^k in mathtext: ~0.2 s per figure
        ax_a.axhline(1.0, color="0.8", linewidth=0.8)
        # plain Unicode labels: mathtext would cost ~0.3 s per figure
        self.measured = [ax_a.plot([], [], "o", markersize=3, color=c,
                                   label=f"|α{sub}| measured")[0]
                         for sub, c in (("₁", "C0"), ("₂", "C1"))]
        self.predicted = [ax_a.plot([], [], color=c, linewidth=1,
                                    label=f"|1 − ηλ{sub}|^τ |α{sub}(0)|")[0]
                          for sub, c in (("₁", "C0"), ("₂", "C1"))]
        ax_a.legend(loc="lower left", fontsize="small", ncol=2)
        self.max_steps = max_steps
        super().__init__(fig, controls, self._update,
                         animated=(self.contours, self.path, *self.measured, *self.predicted),
                         overlay=tuple(self.arrows),
                         title="gradient descent in the Hessian's eigenbasis")

    def _toggle_lr(self, change) -> None:
        self.controls["lr"].disabled = change["new"]

    def _update(self, lr: float, lambda_1: float, lambda_2: float, steps: int,
                best_lr: bool) -> Report:
        lambdas = np.array([lambda_1, lambda_2])
        eta = best_learning_rate(lambdas) if best_lr else lr
        f = rotated_quadratic(lambdas, self.angle, self.w_star, self.alpha0)
        run = minimize(SGD(eta), f, self.start, steps)
        alphas = eigen_coordinates(run.thetas, self.w_star, self.Q)  # alpha = Q^T (w - w*)
        predicted = predicted_coordinates(self.alpha0, lambdas, eta, self.max_steps)
        t = np.linspace(0, 2 * np.pi, 100)
        ellipses = []
        for s in np.geomspace(0.05, 2.0, 10):
            # J - J(w*) = s^2 (J(w0) - J(w*)):  alpha_i = s sqrt(sum_j lambda_j a0_j^2 / lambda_i)
            radius = s * np.sqrt(np.sum(lambdas * self.alpha0**2) / lambdas)
            ellipses.append(self.w_star[:, None]
                            + self.Q @ (radius[:, None] * [np.cos(t), np.sin(t)]))
        self.contours.set_data(*joined(ellipses))
        self.path.set_data(run.thetas[:, 0], run.thetas[:, 1])
        taus = np.arange(len(alphas))
        for i in range(2):
            self.measured[i].set_data(taus, np.maximum(np.abs(alphas[:, i]), self.FLOOR))
            self.predicted[i].set_data(np.arange(self.max_steps + 1),
                                       np.clip(np.abs(predicted[:, i]), self.FLOOR, 1e30))
        scale = np.maximum(1.0, np.abs(predicted[: len(alphas)]))
        factors = contraction_factors(lambdas, eta)
        self.state = {
            "lr": eta, "lambdas": lambdas, "factors": factors, "run": run, "alphas": alphas,
            "predicted": predicted[: len(alphas)],
            "agreement": float(np.max(np.abs(alphas - predicted[: len(alphas)]) / scale)),
            "limit": stability_limit(lambdas), "eta*": best_learning_rate(lambdas),
            "rate": convergence_rate(lambdas, eta), "best rate": best_rate(lambdas),
        }
        outcome = f"diverged at step {run.steps}" if run.diverged else f"{run.steps} steps"
        gap = f"J - J* = {run.value - f.value(self.w_star):.3g}" if not run.diverged else "diverged"
        s = self.state
        return Report(rows=[
            Row(f"eta = {eta:.3g}, lambdas = ({lambdas[0]:.3g}, {lambdas[1]:.3g})",
                f"1 - eta lambda_i = ({factors[0]:.3g}, {factors[1]:.3g}), {outcome}"),
            *(Row(f"direction {i + 1}", "blows up" if abs(factors[i]) > 1 else "decays",
                  panel_only=True) for i in range(2)),
            Row(f"rate {s['rate']:.3g}; 2/lambda_max = {s['limit']:.3g}; "
                f"eta* = {s['eta*']:.3g} with rate {s['best rate']:.3g}"),
            Row("after the last step", gap, panel_only=True),
            Row("measured alpha = (1 - eta lambda)^tau alpha0 to 1e-10",
                f"{s['agreement'] < 1e-10}")])
