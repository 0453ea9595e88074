"""The figures of notebook 03 (The local quadratic model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from cs551.measure import loglog_slope
from cs551.plots import axes_or_new

from .experiments import best_learning_rate, best_rate, convergence_rate, stability_limit


def plot_taylor_errors(radii, errors: Mapping[str, np.ndarray], ax: Axes | None = None) -> Axes:
    """Model errors against the distance r = ||w - w^||, log-log, each with its fitted slope.

    An error O(r^p) is a line of slope p: the second-order Taylor model gives p = 3.
    """

    ax = axes_or_new(ax)
    for i, (label, err) in enumerate(errors.items()):
        slope = loglog_slope(radii, err)
        ax.plot(radii, err, marker="o", markersize=4, color=f"C{i}",
                label=f"{label}: slope {slope:.2f}")
    ax.set(xscale="log", yscale="log", xlabel=r"distance $r = \|w - \hat w\|$",
           ylabel="error of the model", title="Taylor models of Rosenbrock's function")
    ax.legend(fontsize="small")
    return ax


def draw_eigenvectors(ax: Axes, center, lambdas, Q, length: float = 1.0) -> None:
    """Arrows u_i from ``center`` (the columns of Q), labelled with lambda_i."""
    center = np.asarray(center, dtype=float)
    for i, lam in enumerate(lambdas):
        tip = center + length * Q[:, i]
        ax.annotate("", xy=tip, xytext=center,
                    arrowprops={"arrowstyle": "-|>", "color": "C3", "linewidth": 1.5})
        ax.annotate(rf"$u_{i + 1}$, $\lambda_{i + 1}$ = {lam:.3g}", xy=tip, color="C3",
                    fontsize="small", xytext=(4, 4), textcoords="offset points",
                    bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "none",
                          "alpha": 0.85})


def plot_eigen_components(alphas: np.ndarray, predicted: np.ndarray | None = None, *,
                          labels: Sequence[str] | None = None, ax: Axes | None = None,
                          title: str | None = None) -> Axes:
    """|alpha_i^tau| against tau on a log scale: measured (dots), predicted (lines).

    The prediction (1 - eta lambda_i)^tau alpha_i^(0) is a straight line of slope
    log|1 - eta lambda_i|: it falls when |1 - eta lambda_i| < 1 and rises otherwise.
    """
    ax = axes_or_new(ax)
    alphas = np.abs(np.asarray(alphas, dtype=float))
    taus = np.arange(len(alphas))
    every = max(1, len(taus) // 50)  # at most ~50 dots per curve: the line stays visible
    for i in range(alphas.shape[1]):
        label = labels[i] if labels is not None else rf"$|\alpha_{i + 1}|$"
        ax.plot(taus[::every], np.where(alphas[::every, i] > 0, alphas[::every, i], np.nan),
                "o", markersize=3.5, color=f"C{i}", label=label)
        if predicted is not None:
            ax.plot(np.arange(len(predicted)), np.abs(predicted[:, i]), color=f"C{i}",
                    linewidth=1)
    handles, names = ax.get_legend_handles_labels()
    if predicted is not None:  # what the two styles mean, in black: dots measured, line predicted
        handles += [Line2D([], [], color="k", marker="o", markersize=3.5, linestyle="none"),
                    Line2D([], [], color="k", linewidth=1)]
        names += ["measured", r"predicted $|1 - \eta\lambda_i|^\tau|\alpha_i^{(0)}|$"]
    ax.set(yscale="log", xlabel=r"step $\tau$", ylabel=r"$|\alpha_i^\tau|$",
           title=title or "gradient descent, coordinate by coordinate")
    ax.legend(handles, names, fontsize="small")
    return ax


def plot_rate_against_lr(lambdas, lrs: np.ndarray | None = None, ax: Axes | None = None) -> Axes:
    """|1 - eta lambda_i| against eta for each eigenvalue, their maximum (the rate), eta* and
    the stability limit 2 / lambda_max."""

    ax = axes_or_new(ax)
    lambdas = np.sort(np.asarray(lambdas, dtype=float))
    limit, eta_star = stability_limit(lambdas), best_learning_rate(lambdas)
    lrs = np.linspace(0, 1.2 * limit, 400) if lrs is None else np.asarray(lrs, dtype=float)
    for i, lam in enumerate(lambdas):  # the ends of the spectrum in colour, the rest in grey
        end = i in (0, len(lambdas) - 1)
        ax.plot(lrs, np.abs(1 - lrs * lam), linewidth=1.5 if end else 0.6,
                color=("C0" if i == 0 else "C1") if end else "0.7",
                label=(rf"$|1 - \eta\lambda_{{{'min' if i == 0 else 'max'}}}|$, "
                       rf"$\lambda$ = {lam:.3g}") if end else None)
    ax.plot(lrs, convergence_rate(lambdas, lrs), color="k", linewidth=2, linestyle=(0, (4, 2)),
            zorder=3, label=r"rate $\max_i |1 - \eta\lambda_i|$")  # dashed, on top: visible
    ax.axhline(1.0, color="0.5", linestyle=":")
    ax.axvline(limit, color="C3", linestyle="--", label=rf"$2/\lambda_{{max}}$ = {limit:.3g}")
    ax.plot([eta_star], [best_rate(lambdas)], "k*", markersize=12,
            label=rf"$\eta^*$ = {eta_star:.3g}, rate {best_rate(lambdas):.3g}")
    ax.set(xlim=(lrs[0], lrs[-1]), ylim=(0, 1.6), xlabel=r"learning rate $\eta$",
           ylabel="factor per step", title="which learning rate?")
    ax.legend(fontsize="small", loc="lower left")
    return ax
