"""The figures of notebook 01 (Learning vs optimization).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from cs551.plots import axes_or_new


def plot_erm_curve(curve, ax: Axes | None = None) -> Axes:
    """``ERMCurve``: J(theta^) and J*(theta^) against m, measured and predicted."""
    ax = axes_or_new(ax)
    ax.errorbar(curve.sizes, curve.risk, 2 * curve.risk_se, marker="o", linestyle="none",
                color="C3", label=r"risk $J^*(\hat\theta)$ (measured)")
    ax.errorbar(curve.sizes, curve.train, 2 * curve.train_se, marker="s", linestyle="none",
                color="C0", label=r"empirical risk $J(\hat\theta)$ (measured)")
    ax.plot(curve.sizes, curve.predicted_risk, color="C3", linewidth=1,
            label=r"predicted $(\sigma^2/2)\,(1 + d/(m-d-1))$")
    ax.plot(curve.sizes, curve.predicted_train, color="C0", linewidth=1,
            label=r"predicted $(\sigma^2/2)\,(1 - d/m)$")
    ax.axhline(curve.bayes_risk, color="k", linestyle=":", label=r"$J^*(w) = \sigma^2/2$")
    ax.set(xscale="log", yscale="log", xlabel="training examples $m$",
           ylabel="risk at the ERM solution", title="empirical risk minimization overfits")
    ax.legend()  # full size: the formulas stay legible
    return ax


def plot_learning_curve(curve, ax: Axes | None = None) -> Axes:
    """``LearningCurve``: training and held-out NLL and 0-1 loss against m."""
    ax = axes_or_new(ax)
    ax.plot(curve.sizes, curve.heldout_loss, "o-", color="C3", label="held-out NLL")
    ax.plot(curve.sizes, curve.train_loss, "s-", color="C0", label="training NLL")
    ax.plot(curve.sizes, curve.heldout_error, "o--", color="C3", alpha=0.6,
            label="held-out 0-1 loss")
    ax.plot(curve.sizes, curve.train_error, "s--", color="C0", alpha=0.6,
            label="training 0-1 loss")
    # log scale above 0.01, linear below: the training 0-1 loss's zeros stay on the plot
    ax.set(xscale="log", xlabel="training examples $m$", ylabel="NLL and 0-1 loss",
           title="digits, softmax regression")
    ax.set_yscale("symlog", linthresh=0.01)
    ax.set_ylim(bottom=0)
    ax.set_xticks(curve.sizes, [str(m) for m in curve.sizes])
    ax.set_xticks([], minor=True)
    ax.legend(fontsize="small")
    return ax


def plot_along_line(ts, zero_one, surrogate, ax: Axes | None = None) -> Axes:
    """The 0-1 loss (a staircase) and the NLL surrogate (smooth) along a line in theta."""
    ax = axes_or_new(ax)
    ax.step(ts, zero_one, where="mid", color="C3", label="0-1 loss")
    ax.set(xlabel=r"$t$ in $\theta_0 + t\,d$")
    ax.set_ylabel("0-1 loss (fraction wrong)", color="C3")  # each axis in its curve's colour
    twin = ax.twinx()
    twin.plot(ts, surrogate, color="C0", label="NLL (surrogate)")
    twin.set_ylabel("negative log-likelihood", color="C0")
    ax.legend(handles=[*ax.get_lines(), *twin.get_lines()], loc="upper center",
              fontsize="small")
    ax.set_title("along a line through parameter space")
    return ax


def plot_training_record(record, stop=None, fig=None):
    """``TrainingRecord``: losses, 0-1 losses and ||grad J|| against the step.

    Marks where the training 0-1 loss first reaches 0 and, if ``stop`` (an
    ``EarlyStop``) is given, where early stopping returns and halts.
    """
    if fig is None:
        fig = plt.figure(figsize=(12.0, 3.6))
    # fixed margins: a constrained layout would double the drawing time of these log axes
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.14, top=0.91, wspace=0.18)
    ax_loss, ax_err, ax_grad = fig.subplots(1, 3)
    k = record.steps
    ax_loss.plot(k, record.train_loss, label="training NLL")
    ax_loss.plot(k, record.val_loss, label="validation NLL")
    ax_loss.set(yscale="log", xlabel="step", title="surrogate loss")
    ax_err.plot(k, record.train_error, label="training 0-1")
    ax_err.plot(k, record.test_error, label="test 0-1")
    top = 1.6 * record.test_error[len(k) // 10:].max()  # zoomed past the first steps
    ax_err.set(xlabel="step", title="0-1 loss", ylim=(0, min(1.0, top)))
    ax_grad.plot(k, record.grad_norm, color="C2")
    ax_grad.set(yscale="log", xlabel="step", title=r"$\|\nabla_\theta J\|$")
    zero = record.first_zero_train_error
    for ax in (ax_loss, ax_err, ax_grad):
        if zero is not None:
            ax.axvline(k[zero], color="0.5", linestyle=":", label="training 0-1 reaches 0")
        if stop is not None:
            ax.axvline(k[stop.best], color="k", linestyle="--", label="early stopping returns")
    ax_loss.legend(fontsize="small")
    ax_err.legend(fontsize="small")
    return fig
