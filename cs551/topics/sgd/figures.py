"""The figures of notebook 05 (Stochastic gradient descent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from cs551.nn import History
from cs551.objectives import Bounds, Objective
from cs551.optim import LearningRate, Trajectory
from cs551.plots import axes_or_new, draw_contours, plot_histories, widths

from .experiments import Passes, cloud


def plot_noise_ball(ball, ax: Axes | None = None) -> Axes:
    """``NoiseBall``: E||theta - theta*||^2 against eps, measured and predicted."""
    ax = axes_or_new(ax)
    ax.plot(ball.lrs, ball.measured, "o", markersize=7, color="C0",
            label=f"measured (slope {ball.slope():.2f})")
    if np.all(np.isfinite(ball.exact)):
        ax.plot(ball.lrs, ball.exact, color="C1", label="exact stationary value")
    ax.plot(ball.lrs, ball.first_order, "--", color="C2",
            label=r"first order $\frac{\epsilon}{2}\,\mathrm{tr}(H^{-1}\Sigma)$ (slope 1)")
    ax.set(xscale="log", yscale="log", xlabel=r"constant learning rate $\epsilon$",
           ylabel=r"$E\,\|\theta_k - \theta^*\|^2$", title="SGD's noise ball")
    ax.legend(fontsize="small")
    return ax


def plot_last_iterates(objective: Objective, runs: Mapping[str, Trajectory],
                       fraction: float = 0.25, ax: Axes | None = None, levels: int = 15,
                       bounds: Bounds | None = None) -> Axes:
    """Contours of a 2-D ``objective`` and the last ``fraction`` of each run's iterates as dots.

    The picture of SGD's noise ball: each label gets the cloud's spread (RMS distance to its
    centre) and its mean squared distance to the minimizer (``cloud``). Later runs are drawn
    on top with larger dots; a cloud too small to see at this zoom gets a ring around it;
    the minimizer's star is hollow, so the dots under it show.
    """
    ax = axes_or_new(ax, figsize=(6.4, 4.8))
    draw_contours(ax, objective, bounds=bounds, levels=levels)
    star = ax.lines[-1] if ax.lines else None
    span = max(np.ptp(ax.get_xlim()), np.ptp(ax.get_ylim()))
    for i, (label, run) in enumerate(runs.items()):
        tail = run.thetas[len(run.thetas) - max(1, int(fraction * len(run.thetas))):]
        centre, spread, msd = cloud(run.thetas, objective.minimizer, fraction)
        (dots,) = ax.plot(tail[:, 0], tail[:, 1], ".", markersize=3 + 2 * i,
                          alpha=0.5 if i == 0 else 0.9, zorder=2 + i, color=f"C{i}",
                          label=rf"{label}:" "\n"
                                rf"spread {spread:.2g}, mean $\|\theta-\theta^*\|^2$ = {msd:.3g}")
        if spread < 0.02 * span:  # a clump smaller than the dots: ring it
            ax.plot(*centre, "o", markersize=14, markerfacecolor="none", markeredgewidth=1.5,
                    color=dots.get_color(), zorder=2 + i)
    if star is not None:
        star.set(markerfacecolor="none", markeredgewidth=1.5, zorder=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize="small")
    steps = max(len(run.thetas) - 1 for run in runs.values())
    ax.set_title(f"{objective.name}\nthe last {fraction:.0%} of {steps} iterates",
                 fontsize="medium")
    return ax


def plot_cloud_panels(panels: Sequence[tuple[Objective, Mapping[str, Trajectory]]],
                      bounds: Sequence[Bounds | None] | None = None,
                      width: float = 12.0) -> Figure:
    """``plot_last_iterates`` side by side, one panel per (objective, runs), equally tall.

    Each panel keeps equal axis scales (contours undistorted); the panels' widths follow
    their bounds' aspect ratios, so their heights match.
    """
    bounds = list(bounds) if bounds is not None else [None] * len(panels)
    boxes = [b or f.bounds for (f, _), b in zip(panels, bounds, strict=True)]
    ratios = [(bx[0][1] - bx[0][0]) / (bx[1][1] - bx[1][0]) for bx in boxes]
    height = round(0.85 * width / sum(ratios) + 1.9, 1)  # the panels, titles and legends
    fig = plt.figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, len(panels), width_ratios=ratios)
    for ax, (f, runs), box in zip(np.atleast_1d(axes), panels, boxes, strict=True):
        plot_last_iterates(f, runs, ax=ax, bounds=box)
    return fig


def _plain_log_ticks(ax: Axes) -> None:
    """A log y axis labelled at 1, 2, 5 x 10^n in plain numbers, minor ticks unlabelled."""
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def plot_training_runs(groups: Mapping[str, Mapping[str, object]], key: str = "train_loss",
                       fig=None):
    """One panel per group of ``cs551.nn.History`` runs: ``key`` against the step, log y.

    ``groups`` maps a panel title to {label: history}; runs that diverged say so, and
    leave the top of the panel (cut at 10 times the largest starting value). Every panel
    has its y-label; the log axes are labelled at 1, 2, 5 x 10^n only.
    """
    if fig is None:
        fig = plt.figure(figsize=(4.2 * len(groups), 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(groups)))
    for ax, (title, runs) in zip(axes, groups.items(), strict=True):
        plot_histories(runs, ax=ax, what=key, title=title)
        top = 10 * max(getattr(history, key)[0] for history in runs.values())
        if ax.get_ylim()[1] > top:
            ax.set_ylim(top=top)
        _plain_log_ticks(ax)
    return fig


def plot_passes(run: Passes, ax: Axes | None = None, sets: int | None = None) -> Axes:
    """``train_in_passes``: the held-out loss J*, the minibatch loss and J against the pass.

    On pass 1 (fresh examples) the loss of each minibatch before its step tracks J*; from
    pass 2 on (the same examples again) it drops to the training loss J and J* parts from it.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(11.0, 4.2), layout="constrained")
    per_pass = run.steps_per_pass
    k = np.arange(len(run.risk)) / per_pass
    ax.plot(k, run.risk, color="C1", linewidth=2.6, label=r"held-out loss $J^*(\theta_k)$ (exact)")
    ax.plot(k[:-1], run.minibatch_loss, color="C0", linewidth=1.4,
            label=r"loss on the minibatch, at $\theta_k$ before its step")
    ax.plot(k, run.train_loss, "--", color="C2", linewidth=1.4,
            label=r"training loss $J(\theta_k)$ on all $M$ examples")
    ax.axhline(run.best_risk, color="0.4", linestyle=":", linewidth=1.2,
               label=r"$\sigma^2/2$: the smallest $J^*$ of any $\theta$")
    ax.axvspan(0, 1, color="0.9", zorder=0, label="pass 1: every example is new")
    ax.set(xlim=(0, run.passes), ylim=(0, 1.2 * float(np.max(run.risk))),
           xlabel="passes over the training set",
           ylabel="loss" + (f" (mean over {sets} training sets)" if sets else ""))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")  # off the curves
    return ax


def plot_schedules(schedules: Mapping[str, LearningRate],
                   endings: Mapping[str, Mapping[str, np.ndarray]], steps: int) -> Figure:
    """Left: eps_k of each schedule for the steps k = 0 .. steps - 1. Right: where each ended.

    ``endings`` maps a setting (e.g. "batch 8") to ``schedule_endings``'s result: per
    schedule, the final training loss of each seed (one dot each, the mean as a bar). A
    schedule keeps its colour in both panels; the settings are told apart by marker. On the
    left the first schedule is drawn thickest, and a schedule that runs on top of an earlier
    one for most steps (a warm-up joining its schedule) is dashed, so the one below shows;
    the legend sits above the curves.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.0, 4.2), layout="constrained",
                                      width_ratios=(1.1, 1.0))
    k = np.arange(steps)
    colors = {name: f"C{i}" for i, name in enumerate(schedules)}
    top, drawn = 0.0, []
    for (name, lr), width in zip(schedules.items(), widths(len(schedules), thin=1.5, thick=5.0),
                                 strict=True):
        eps = np.array([lr(i) for i in k]) if callable(lr) else np.full(len(k), float(lr))
        on_top = any(np.mean(np.isclose(eps, other)) > 0.5 for other in drawn)  # dashed: the
        left.plot(k, eps, color=colors[name], linewidth=width, label=name,  # one below shows
                  linestyle="--" if on_top else "-")
        drawn.append(eps)
        top = max(top, float(eps.max()))
    left.set(xlabel="step $k$", ylabel=r"learning rate $\epsilon_k$", xlim=(0, steps),
             ylim=(0, 1.7 * top), title=r"the schedules $\epsilon_k$")
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.legend(fontsize="small", loc="upper right", ncols=2)
    markers = "os^D"
    offsets = np.linspace(-0.15, 0.15, len(endings)) if len(endings) > 1 else [0.0]
    for (setting, ends), marker, dx in zip(endings.items(), markers, offsets, strict=False):
        for i, name in enumerate(schedules):
            values = np.asarray(ends[name], dtype=float)
            finite = values[np.isfinite(values)]
            right.plot(np.full(len(finite), i + dx), finite, marker, color=colors[name],
                       alpha=0.6, markersize=5)
            if len(finite) == len(values):
                right.plot([i + dx - 0.08, i + dx + 0.08], [values.mean()] * 2,
                           color=colors[name], linewidth=2.5)
        right.plot([], [], marker, color="0.3", label=f"{setting} (a dot per seed, bar: mean)")
    right.set(yscale="log", xticks=range(len(schedules)), xlim=(-0.5, len(schedules) - 0.5),
              ylabel=f"training loss after {steps} steps", title="the digits, SGD")
    right.set_xticklabels(list(schedules), rotation=15, fontsize="small")
    _plain_log_ticks(right)
    right.legend(fontsize="small", loc="upper right")
    return fig


def plot_ladder(runs: Mapping[float, History], first: int = 20) -> Figure:
    """The training loss of constant-eps runs (``learning_rate_ladder``), in two panels.

    Left: the first ``first`` steps, linear scale (cut at 1.5 times the start): what to watch
    when choosing eps. Right: every step, log scale (cut at 10 times the start). The larger
    eps, the darker its curve; a run that diverged says so and is dashed. The legend sits
    beside the panels, where it covers no curve.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.0, 4.0), layout="constrained")
    colors = plt.cm.viridis(np.linspace(0.0, 0.85, len(runs)))
    order = sorted(runs, reverse=True)
    start = max(runs[lr].train_loss[0] for lr in order)
    for lr, color in zip(order, colors, strict=True):
        history = runs[lr]
        label = rf"$\epsilon = {lr:g}$" + (" (diverged)" if history.diverged else "")
        steps, loss = np.asarray(history.steps), np.asarray(history.train_loss)
        keep = steps <= first
        style = {"color": color, "linestyle": "--" if history.diverged else "-"}
        left.plot(steps[keep], loss[keep], marker="o", markersize=3, label=label, **style)
        right.plot(steps, loss, **style)
    left.set(xlabel="step $k$", ylabel="training loss", xlim=(0, first), ylim=(0, 1.5 * start),
             title=f"the first {first} steps")
    right.set(xlabel="step $k$", ylabel="training loss", yscale="log",
              title=f"all {max(h.steps[-1] for h in runs.values())} steps")
    if right.get_ylim()[1] > 10 * start:
        right.set_ylim(top=10 * start)
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _plain_log_ticks(right)
    fig.legend(*left.get_legend_handles_labels(), loc="outside right upper", fontsize="small")
    return fig
