"""The figures of notebook 06 (Momentum).

One colour per alpha across the notebook (``ALPHA_COLORS``): 0.5, 0.9 and 0.99 are
drawn in the same colour in every figure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import NullFormatter, NullLocator

from cs551.optim import Momentum, Trajectory
from cs551.plots import axes_or_new, plot_histories, widths

from .experiments import MomentumScheduleRace, velocities

# the slide's typical values of alpha, one colour each (momentum 0.9 keeps the course's C1)
ALPHA_COLORS = {0.5: "C0", 0.9: "C1", 0.99: "C2"}
SCHEDULE_COLORS = ("C3", "C4", "C5", "C6")  # for the alphas not in ALPHA_COLORS, in order


def typeset(label: str) -> str:
    """A printed label for a legend, its Greek letters in math: "α = 0.9" -> "$\\alpha$ = 0.9"."""
    return label.replace("α", r"$\alpha$").replace("ε", r"$\epsilon$").replace("κ", r"$\kappa$")


def plot_speeds(speeds: Mapping[float, np.ndarray], ax: Axes | None = None) -> Axes:
    """Momentum under a constant gradient: ||v_k|| / (eps ||g||) against k, for each alpha.

    ``speeds`` maps alpha to the measured ||v_1||, ||v_2||, ... divided by eps ||g||;
    each curve gets its terminal value 1 / (1 - alpha) as a dashed line. The legend
    sits right of the axes: the dashed lines cross the whole plot.
    """
    ax = axes_or_new(ax)
    spare = iter(SCHEDULE_COLORS)
    for alpha, speed in speeds.items():
        color = ALPHA_COLORS.get(alpha) or next(spare)
        k = np.arange(1, len(speed) + 1)
        ax.plot(k, speed, color=color, label=rf"$\alpha = {alpha:g}$ (measured)")
        ax.axhline(1 / (1 - alpha), color=color, linestyle="--", linewidth=1,
                   label=rf"$1/(1-\alpha) = {1 / (1 - alpha):.3g}$")
    ax.set(xscale="log", yscale="log", xlabel="step $k$",
           ylabel=r"$\|v_k\| \,/\, \epsilon\|g\|$", title="velocity under a constant gradient")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return ax


def alpha_of(label: str) -> float | None:
    """The alpha a label names ("momentum, α = 0.9" -> 0.9), or None."""
    found = re.search(r"α = ([0-9.]+)", label)
    return float(found.group(1)) if found else None


def plot_training_losses(histories: Mapping[str, object], title: str | None = None) -> Axes:
    """``cs551.plots.plot_histories`` with the Greek of the labels typeset, a label that names
    one of the slide's alphas in that alpha's colour (``ALPHA_COLORS``), and the log axis
    labelled at its decades only (no minor tick labels)."""
    colors = {typeset(label): ALPHA_COLORS[alpha_of(label)] for label in histories
              if alpha_of(label) in ALPHA_COLORS}
    ax = plot_histories({typeset(label): h for label, h in histories.items()}, title=title,
                        colors=colors)
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel("training loss")
    return ax


def _alpha_axis(ax: Axes, alphas: list[float]) -> None:
    """A y axis for alpha spaced by 1 - alpha (log), so 0.9, 0.98 and 0.99 stay apart."""
    ax.set_yscale("log")
    ax.invert_yaxis()
    ticks = sorted(set(alphas))
    ax.set_yticks([1 - a for a in ticks], labels=[f"{a:.3g}" for a in ticks])
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_ylabel(r"$\alpha_k$ (spaced by $1 - \alpha_k$)")


def plot_momentum_schedules(race: MomentumScheduleRace, window: int = 25) -> np.ndarray:
    """Three panels for ``race_momentum_schedules``: alpha_k against k for each racer;
    f(theta_k) - f* with exact gradients (the tolerance dotted); with noisy gradients,
    its running mean over ``window`` steps (drawn at the window's last step).

    Fixed alphas of the slide keep their colour (``ALPHA_COLORS``); the other racers
    take ``SCHEDULE_COLORS``. Curves are drawn first-thickest, so none hides another.
    """
    # fixed margins: a constrained layout would double the drawing time of these log axes
    fig, axes = plt.subplots(1, 3, figsize=(12.0, 4.0))
    fig.subplots_adjust(left=0.07, right=0.99, top=0.93, bottom=0.255, wspace=0.33)
    labels = list(race.clean)
    steps = np.arange(len(race.clean[labels[0]].values))
    spare = iter(SCHEDULE_COLORS)
    alphas = []
    kernel = np.ones(window) / window
    for label, width in zip(labels, widths(len(labels), thin=1.0, thick=3.0), strict=True):
        opt = race.clean[label].optimizer
        fixed = isinstance(opt, Momentum)
        alpha_k = (np.full(len(steps), opt.momentum) if fixed
                   else np.array([opt.momentum_at(k) for k in steps]))
        alphas += [float(alpha_k[0])] if fixed else []
        color = ALPHA_COLORS.get(float(alpha_k[0])) if fixed else None
        color = color or next(spare)
        style = {"color": color, "linewidth": width, "label": typeset(label)}
        axes[0].plot(steps, 1 - alpha_k, **style)
        axes[1].plot(steps, race.clean[label].values, **style)
        axes[2].plot(steps[window - 1:], np.convolve(race.noisy[label].values, kernel, "valid"),
                     **style)
    _alpha_axis(axes[0], alphas)
    axes[0].set(xlabel="step $k$", title=r"momentum $\alpha_k$")
    axes[1].axhline(race.tol, color="k", linestyle=":", linewidth=1)
    axes[1].set(yscale="log", ylim=(race.tol / 1e4, None), xlabel="step $k$",
                ylabel=r"$f(\theta_k) - f^*$", title="exact gradients")
    axes[2].set(yscale="log", xlabel="step $k$",
                ylabel=rf"$f(\theta_k) - f^*$, mean of {window} steps",
                title=rf"noisy gradients ($\sigma = {race.sigma:g}$)")
    for ax in axes[1:]:
        ax.yaxis.set_minor_formatter(NullFormatter())
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3,
               fontsize="small")
    return axes


def plot_step_lengths(runs: Mapping[str, Trajectory], drop: int | None = None,
                      ax: Axes | None = None, title: str | None = None) -> Axes:
    """||theta_k - theta_{k-1}|| against the step k for each run, on a log scale; ``drop``
    marks the step where the learning rate changes (a dotted line).

    The first run is drawn thickest and in momentum's colour, the others thinner on top of
    it, dashed (``widths``): where the runs agree, the first shows as a halo.
    """
    ax = axes_or_new(ax)
    styles = ({"color": "C1"}, {"color": "k", "linestyle": "--"}, {"color": "C3"})
    for (label, run), width, style in zip(runs.items(), widths(len(runs), 1.2, 4.0), styles,
                                          strict=False):
        steps = np.linalg.norm(velocities(run), axis=1)
        ax.plot(np.arange(1, len(steps) + 1), steps, linewidth=width, label=label, **style)
    if drop is not None:
        ax.axvline(drop, color="0.5", linestyle=":", linewidth=1,
                   label=rf"$\epsilon$ drops (step {drop})")
    ax.set(yscale="log", xlabel="step $k$", ylabel=r"step length $\|\theta_k - \theta_{k-1}\|$",
           title=title)
    low, high = ax.get_ylim()
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
             if low <= t <= high]
    ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_locator(NullLocator())
    ax.legend(fontsize="small")
    return ax
