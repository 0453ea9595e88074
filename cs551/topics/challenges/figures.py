"""The figures of notebook 04 (Challenges of optimization).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from cs551.plots import axes_or_new

from .experiments import SaturatedSigmoid, all_minibatch_gradients


def plot_curvature_record(record, fig=None):
    """``CurvatureRecord``: the training loss, ||g|| and g^T H g, and the
    curvature share (1/2 eps^2 g^T H g) / (eps g^T g), against the step."""
    if fig is None:
        fig = plt.figure(figsize=(12.0, 3.8), layout="constrained")
    ax_loss, ax_g, ax_share = fig.subplots(1, 3)
    k = record.steps
    ax_loss.plot(k, record.loss, marker="o", markersize=3, label="training loss")
    ax_loss.plot(k, record.error, marker="o", markersize=3, label="training 0-1 loss")
    ax_loss.set(yscale="log", xlabel="step", ylabel="loss (log scale)", title="the network learns")
    ax_loss.legend(fontsize="small")
    ax_g.plot(k, record.grad_norm, marker="o", markersize=3, label=r"$\|g\|$ (RMS)")
    ax_g.plot(k, record.gHg, marker="s", markersize=3, label=r"$g^\top H g$")
    ax_g.axhline(0, color="0.6", linewidth=0.8)
    ax_g.set(xlabel="step", ylabel=r"$\|g\|$ and $g^\top H g$",
             title=r"$\|g\|$ stays, $g^\top Hg$ grows")
    ax_g.legend(fontsize="small")
    ax_share.plot(k, record.curvature_share, marker="o", markersize=3, color="C3")
    ax_share.axhline(0, color="0.6", linewidth=0.8)
    ax_share.set(xlabel="step", ylabel=r"$\frac{1}{2}\epsilon^2 g^\top Hg\ /\ \epsilon g^\top g$",
                 title=f"curvature's share of the gain, ε = {record.lr:g}")
    return fig


def plot_definite_fraction(result, ax: Axes | None = None) -> Axes:
    """``DefiniteFraction``: P(a GOE Hessian is positive definite) against d,
    log scale, with 2^-d (independent random signs) for comparison."""
    ax = axes_or_new(ax)
    d = result.dims
    ax.errorbar(d, result.conditional, 2 * result.conditional_se, marker="o", color="C0",
                capsize=3, label="GOE, conditional estimate (±2 s.e.)")
    counted = result.counted > 0
    ax.plot(d[counted], result.counted[counted], "x", color="C1", markersize=8,
            label=f"GOE, counted ({result.samples:,} samples)")
    ax.plot(d, 0.5 ** d, "--", color="0.4", label=r"$2^{-d}$: independent signs")
    ax.set(yscale="log", xlabel="dimension $d$", ylabel="fraction positive definite",
           title="random Hessians are rarely minima")
    ax.legend(fontsize="small")
    return ax


def plot_plateau(run, ax: Axes | None = None) -> Axes:
    """A 1-D run on ``SaturatedSigmoid``: J(theta_k) and |g_k| against k."""

    ax = axes_or_new(ax)
    f = SaturatedSigmoid()
    grads = np.abs([f.grad(theta)[0] for theta in run.thetas])
    ax.plot(run.values, color="C0", label=r"cost $J(\theta_k)$")
    ax.set(xlabel="step $k$", ylabel="cost", title="a plateau: tiny gradients, slow progress")
    twin = ax.twinx()
    twin.plot(grads, color="C3", label=r"$|g_k|$")
    twin.set(yscale="log", ylabel=r"$|g_k|$ (log scale)")
    ax.legend(handles=[*ax.get_lines(), *twin.get_lines()], loc="center left",
              fontsize="small")
    return ax


def plot_eigen_coordinates(eigenvalues, coords, ax: Axes | None = None) -> Axes:
    """|c_i(t)|, the coordinates of h_t = W^t h_0 along W's eigenvectors, with lambda_i^t."""
    ax = axes_or_new(ax)
    t = np.arange(len(coords))
    for i, lam in enumerate(eigenvalues):
        ax.plot(t, coords[:, i], marker="o", markersize=3, linestyle="none", color=f"C{i}",
                label=f"$|c_{i + 1}(t)|$, measured")
        ax.plot(t, coords[0, i] * np.abs(lam) ** t, color=f"C{i}", linewidth=1,
                label=rf"$|c_{i + 1}(0)|\,|\lambda_{i + 1}|^t$, "
                      rf"$|\lambda_{i + 1}| = {abs(lam):.2f}$")
    ax.set(yscale="log", xlabel="steps $t$", ylabel="|coordinate| in the eigenbasis",
           title=r"$h_t = W^t h_0$: explode or vanish")
    ax.legend(fontsize="small")
    return ax


def plot_gradient_estimates(f, theta, n: int, fig=None):
    """Every minibatch estimate (n examples) of ``MeanExp``'s gradients, their
    exact mean and the true gradient: unbiased (left) and the log of the minibatch mean (right)."""

    if fig is None:
        fig = plt.figure(figsize=(10.0, 4.2), layout="constrained")
    for ax, log, title in zip(fig.subplots(1, 2), (False, True),
                              (r"$\nabla J$: minibatch mean of $\nabla f_i$",
                               r"$\nabla\log J$: gradient of $\log$ of the minibatch mean"),
                              strict=True):
        estimates = all_minibatch_gradients(f, theta, n, log)
        true = f.log_grad(theta) if log else f.grad(theta)
        ax.plot(*estimates.T, "o", markersize=3, alpha=0.3, color="C0",
                label=f"all {len(estimates)} minibatches of {n}")
        ax.plot(*estimates.mean(axis=0), "s", color="C3", markersize=9, label="their mean")
        ax.plot(*true, "k*", markersize=14, label="true gradient")
        ax.set(xlabel="$g_1$", ylabel="$g_2$", title=title)
        ax.legend(fontsize="small")
    return fig
