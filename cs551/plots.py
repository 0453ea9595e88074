"""Plotting helpers, so that notebooks never copy plotting code.

- ``plot_landscape``: contours of a 2-D objective with one or more trajectories.
- ``plot_values``: f(theta_k) (or any curve) against the iteration, log scale.

Both take an ``ax`` to draw into, or make a new figure, and return the axes.
The widgets in ``cs551.widgets`` draw their backgrounds with the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from .objectives import Bounds, Objective
from .optim import Trajectory

Path = Trajectory | np.ndarray


def grid(objective: Objective, bounds: Bounds, n: int = 200):
    """X, Y, Z = f(X, Y) on an n x n grid spanning ``bounds``."""
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return X, Y, objective.value(np.stack([X, Y]))


def contour_levels(Z: np.ndarray, n: int = 25) -> np.ndarray:
    """n contour levels at quantiles of Z: dense where the landscape is flat.

    Quantiles adapt to any landscape: a valley 1e-3 deep and walls 1e3 high
    (Rosenbrock) get contours in both, as do the negative values of a saddle.
    """
    return np.unique(np.quantile(Z, np.linspace(0, 1, n + 2)[1:-1] ** 2))


def _thetas(path: Path) -> np.ndarray:
    return path.thetas if isinstance(path, Trajectory) else np.asarray(path, dtype=float)


def _as_mapping(paths: Mapping[str, Path] | Sequence[Path] | Path | None) -> dict[str, Path]:
    if paths is None:
        return {}
    if isinstance(paths, Mapping):
        return dict(paths)
    if isinstance(paths, Trajectory) or (isinstance(paths, np.ndarray) and paths.ndim == 2):
        return {"": paths}
    return {f"run {i}": path for i, path in enumerate(paths)}


def draw_contours(ax: Axes, objective: Objective, bounds: Bounds | None = None,
                  levels: int = 25) -> Axes:
    """The static background: contours, the minimizer (a star), labels and limits."""
    bounds = bounds or objective.bounds
    if bounds is None:
        raise ValueError(f"bounds must be given for {objective!r}, which has no default bounds")
    X, Y, Z = grid(objective, bounds)
    ax.contour(X, Y, Z, levels=contour_levels(Z, levels), cmap="viridis", linewidths=0.8)
    if objective.minimizer is not None and len(objective.minimizer) == 2:
        ax.plot(*objective.minimizer, marker="*", color="k", markersize=12, linestyle="none")
    ax.set(xlim=bounds[0], ylim=bounds[1], xlabel=r"$\theta_1$", ylabel=r"$\theta_2$")
    ax.set_aspect("equal")
    return ax


def draw_path(ax: Axes, path: Path, label: str = "", color=None, **style) -> Line2D:
    """One trajectory as a line with dots; its start as a hollow circle."""
    thetas = _thetas(path)
    (line,) = ax.plot(thetas[:, 0], thetas[:, 1], marker="o", markersize=3, linewidth=1.2,
                      label=label or None, color=color, **style)
    ax.plot(*thetas[0], marker="o", markersize=8, markerfacecolor="none",
            color=line.get_color(), linestyle="none")
    return line


def plot_landscape(
    objective: Objective,
    trajectories: Mapping[str, Path] | Sequence[Path] | Path | None = None,
    *,
    ax: Axes | None = None,
    bounds: Bounds | None = None,
    levels: int = 25,
    title: str | None = None,
) -> Axes:
    """Contours of a 2-D ``objective`` with trajectories drawn on top.

    ``trajectories`` is a ``Trajectory``, an array of iterates (n, 2), or a dict
    label -> either; labelled runs get a legend, and runs that diverged say so.

    >>> ax = plot_landscape(Rosenbrock(), {"SGD": minimize(SGD(1e-3), f, f.start, 100)})
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.8))
    draw_contours(ax, objective, bounds, levels)
    for label, path in _as_mapping(trajectories).items():
        if isinstance(path, Trajectory) and path.diverged and label:
            label += f" (diverged at step {path.steps})"
        draw_path(ax, path, label)
    if any(line.get_label()[:1] != "_" for line in ax.get_lines()):
        ax.legend(loc="upper right", fontsize="small")
    ax.set_title(title if title is not None else objective.name)
    return ax


def plot_values(
    curves: Mapping[str, Path | Sequence[float]],
    *,
    ax: Axes | None = None,
    offset: float = 0.0,
    logy: bool = True,
    xlabel: str = "iteration $k$",
    ylabel: str = r"$f(\theta_k)$",
    title: str | None = None,
    styles: Mapping[str, dict] | None = None,
) -> Axes:
    """Curves against the iteration number: f(theta_k) - ``offset`` for trajectories.

    Values are plain sequences or ``Trajectory`` objects (their ``values``). With
    ``logy`` the y axis is logarithmic; pass ``offset=f*`` to plot f - f*.
    ``styles`` maps a label to extra line properties (e.g. ``{"marker": "o"}``).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0))
    for label, curve in curves.items():
        values = curve.values if isinstance(curve, Trajectory) else np.asarray(curve, float)
        ax.plot(np.arange(len(values)), values - offset, label=label,
                **(styles or {}).get(label, {}))
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel if not offset else ylabel + r" $- f^*$")
    if title:
        ax.set_title(title)
    if curves:
        ax.legend(fontsize="small")
    return ax


# --- notebooks 01-02: learning vs optimization, minibatches ---
def _axes(ax: Axes | None, figsize=(6.4, 4.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_erm_curve(curve, ax: Axes | None = None) -> Axes:
    """``cs551.risk.ERMCurve``: J(theta^) and J*(theta^) against m, measured and predicted."""
    ax = _axes(ax)
    ax.errorbar(curve.sizes, curve.risk, 2 * curve.risk_se, marker="o", linestyle="none",
                color="C3", label=r"risk $J^*(\hat\theta)$ (measured)")
    ax.errorbar(curve.sizes, curve.train, 2 * curve.train_se, marker="s", linestyle="none",
                color="C0", label=r"empirical risk $J(\hat\theta)$ (measured)")
    ax.plot(curve.sizes, curve.predicted_risk, color="C3", linewidth=1,
            label=r"$\frac{\sigma^2}{2}(1 + \frac{d}{m-d-1})$")
    ax.plot(curve.sizes, curve.predicted_train, color="C0", linewidth=1,
            label=r"$\frac{\sigma^2}{2}(1 - \frac{d}{m})$")
    ax.axhline(curve.bayes_risk, color="k", linestyle=":", label=r"$J^*(w) = \sigma^2/2$")
    ax.set(xscale="log", yscale="log", xlabel="training examples $m$",
           ylabel="risk at the ERM solution", title="empirical risk minimization overfits")
    ax.legend(fontsize="small")
    return ax


def plot_learning_curve(curve, ax: Axes | None = None) -> Axes:
    """``cs551.risk.LearningCurve``: training and held-out NLL and 0-1 loss against m."""
    ax = _axes(ax)
    ax.plot(curve.sizes, curve.heldout_loss, "o-", color="C3", label="held-out NLL")
    ax.plot(curve.sizes, curve.train_loss, "s-", color="C0", label="training NLL")
    ax.plot(curve.sizes, curve.heldout_error, "o--", color="C3", alpha=0.6,
            label="held-out 0-1 loss")
    wrong = curve.train_error > 0  # a log scale cannot show the zeros
    ax.plot(curve.sizes[wrong], curve.train_error[wrong], "s--", color="C0", alpha=0.6,
            label=f"training 0-1 loss ({(~wrong).sum()} zeros not drawn)")
    ax.set(xscale="log", yscale="log", xlabel="training examples $m$", ylabel="loss",
           title="digits, softmax regression")
    ax.set_xticks(curve.sizes, [str(m) for m in curve.sizes])
    ax.set_xticks([], minor=True)
    ax.legend(fontsize="small")
    return ax


def plot_along_line(ts, zero_one, surrogate, ax: Axes | None = None) -> Axes:
    """The 0-1 loss (a staircase) and the NLL surrogate (smooth) along a line in theta."""
    ax = _axes(ax)
    ax.step(ts, zero_one, where="mid", color="C3", label="0-1 loss")
    ax.set(xlabel=r"$t$ in $\theta_0 + t\,d$", ylabel="0-1 loss (fraction wrong)")
    twin = ax.twinx()
    twin.plot(ts, surrogate, color="C0", label="NLL (surrogate)")
    twin.set_ylabel("negative log-likelihood", color="C0")
    ax.legend(handles=[*ax.get_lines(), *twin.get_lines()], loc="upper center",
              fontsize="small")
    ax.set_title("along a line through parameter space")
    return ax


def plot_training_record(record, stop=None, fig=None):
    """``cs551.risk.TrainingRecord``: losses, 0-1 losses and ||grad J|| against the step.

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


def plot_gradient_noise(noises: Mapping[str, object], ax: Axes | None = None) -> Axes:
    """``cs551.minibatch.GradientNoise`` runs: RMS ||g_B - grad J|| against n, log-log."""
    ax = _axes(ax)
    for i, (label, noise) in enumerate(noises.items()):
        ax.plot(noise.batch_sizes, noise.rms_error, "o", color=f"C{i}",
                label=f"{label}: measured (slope {noise.slope:.2f})")
        ax.plot(noise.batch_sizes, noise.predicted, color=f"C{i}", linewidth=1,
                label=f"{label}: " + (r"$\sigma/\sqrt{n}$" if noise.replace else
                                      r"$\sigma/\sqrt{n}\cdot\sqrt{(m-n)/(m-1)}$"))
    ax.set(xscale="log", yscale="log", xlabel="batch size $n$",
           ylabel=r"RMS $\|g_B - \nabla J\|$", title="standard error of the minibatch gradient")
    ax.legend(fontsize="small")
    return ax


def plot_race(curves: Mapping[str, object], ax: Axes | None = None) -> Axes:
    """``cs551.minibatch.batch_size_race``: training loss against examples processed."""
    ax = _axes(ax)
    for label, curve in curves.items():  # log x: drop step 0 (no examples yet), shown as a line
        ax.plot(curve.examples[1:], curve.train_loss[1:], marker="o", markersize=3, label=label)
    start = next(iter(curves.values())).train_loss[0]
    ax.axhline(start, color="k", linestyle=":", linewidth=1, label="at the start")
    ax.set(xscale="log", yscale="log", xlabel="examples processed (steps x batch size)",
           ylabel="training loss (NLL)", title="training loss per example processed")
    ax.legend(fontsize="small")
    return ax


def plot_time_per_example(batch_sizes, times: Mapping[str, np.ndarray],
                          ax: Axes | None = None) -> Axes:
    """Wall time per example of a gradient evaluation against the batch size, log-log."""
    ax = _axes(ax)
    for label, t in times.items():
        ax.plot(batch_sizes, 1e6 * np.asarray(t), marker="o", label=label)
    ax.set(xscale="log", yscale="log", xlabel="batch size $n$",
           ylabel="microseconds per example", title="forward + backward, this machine")
    ax.legend(fontsize="small")
    return ax


def plot_step_errors(errors, tolerance: float | None = None, ax: Axes | None = None) -> Axes:
    """``cs551.minibatch.StepErrors``: relative error of each step against the batch size."""
    ax = _axes(ax)
    n = errors.batch_sizes
    ax.plot(n, errors.gradient, color="C0", label=r"gradient step $g_B$ (predicted)")
    ax.plot(n, errors.gradient_measured, "o", color="C0", label="(measured)")
    ax.plot(n, errors.newton, color="C3", label=r"Newton step $H^{-1}g_B$ (predicted)")
    ax.plot(n, errors.newton_measured, "o", color="C3", label="(measured)")
    finite = np.isfinite(errors.newton_minibatch_H)
    ax.plot(n[finite], errors.newton_minibatch_H[finite], "s--", color="C1", markersize=4,
            label=r"Newton step $H_B^{-1}g_B$ (measured)")
    if tolerance is not None:
        ax.axhline(tolerance, color="k", linestyle=":", label=f"{tolerance:.0%} error")
    ax.set(xscale="log", yscale="log", xlabel="batch size $n$", ylabel="relative error (RMS)",
           title=f"least squares, condition number {errors.kappa:.3g}")
    ax.legend(fontsize="small")
    return ax
# (end of section: notebook 01)

# (end of section: notebook 02)

# --- notebooks 03-04: the local quadratic model, challenges ---
def plot_taylor_errors(radii, errors: Mapping[str, np.ndarray], ax: Axes | None = None) -> Axes:
    """Model errors against the distance r = ||w - w^||, log-log, each with its fitted slope.

    An error O(r^p) is a line of slope p: the second-order Taylor model gives p = 3.
    """
    from .quadratic_model import loglog_slope

    ax = _axes(ax)
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
    ax = _axes(ax)
    alphas = np.abs(np.asarray(alphas, dtype=float))
    taus = np.arange(len(alphas))
    for i in range(alphas.shape[1]):
        label = labels[i] if labels is not None else rf"$|\alpha_{i + 1}|$"
        ax.plot(taus, np.where(alphas[:, i] > 0, alphas[:, i], np.nan), "o", markersize=3,
                color=f"C{i}", label=f"{label} measured")
        if predicted is not None:
            ax.plot(np.arange(len(predicted)), np.abs(predicted[:, i]), color=f"C{i}",
                    linewidth=1, label=r"$|1 - \eta\lambda|^\tau|\alpha^{(0)}|$"
                    if i == 0 else None)
    ax.set(yscale="log", xlabel=r"step $\tau$", ylabel=r"$|\alpha_i^\tau|$",
           title=title or "gradient descent, coordinate by coordinate")
    ax.legend(fontsize="small")
    return ax


def plot_rate_against_lr(lambdas, lrs: np.ndarray | None = None, ax: Axes | None = None) -> Axes:
    """|1 - eta lambda_i| against eta for each eigenvalue, their maximum (the rate), eta* and
    the stability limit 2 / lambda_max."""
    from .quadratic_model import best_learning_rate, best_rate, convergence_rate, stability_limit

    ax = _axes(ax)
    lambdas = np.sort(np.asarray(lambdas, dtype=float))
    limit, eta_star = stability_limit(lambdas), best_learning_rate(lambdas)
    lrs = np.linspace(0, 1.2 * limit, 400) if lrs is None else np.asarray(lrs, dtype=float)
    for i, lam in enumerate(lambdas):  # the ends of the spectrum in colour, the rest in grey
        end = i in (0, len(lambdas) - 1)
        ax.plot(lrs, np.abs(1 - lrs * lam), linewidth=1.5 if end else 0.6,
                color=("C0" if i == 0 else "C1") if end else "0.7",
                label=(rf"$|1 - \eta\lambda_{{{'min' if i == 0 else 'max'}}}|$, "
                       rf"$\lambda$ = {lam:.3g}") if end else None)
    ax.plot(lrs, convergence_rate(lambdas, lrs), color="k", linewidth=3, alpha=0.3,
            label=r"rate $\max_i |1 - \eta\lambda_i|$")
    ax.axhline(1.0, color="0.5", linestyle=":")
    ax.axvline(limit, color="C3", linestyle="--", label=rf"$2/\lambda_{{max}}$ = {limit:.3g}")
    ax.plot([eta_star], [best_rate(lambdas)], "k*", markersize=12,
            label=rf"$\eta^*$ = {eta_star:.3g}, rate {best_rate(lambdas):.3g}")
    ax.set(xlim=(lrs[0], lrs[-1]), ylim=(0, 1.6), xlabel=r"learning rate $\eta$",
           ylabel="factor per step", title="which learning rate?")
    ax.legend(fontsize="small", loc="lower left")
    return ax
# (end of section: notebook 03)

def plot_curvature_record(record, fig=None):
    """``cs551.challenges.CurvatureRecord``: the training loss, ||g|| and g^T H g, and the
    curvature share (1/2 eps^2 g^T H g) / (eps g^T g), against the step."""
    if fig is None:
        fig = plt.figure(figsize=(12.0, 3.6), layout="constrained")
    ax_loss, ax_g, ax_share = fig.subplots(1, 3)
    k = record.steps
    ax_loss.plot(k, record.loss, marker="o", markersize=3, label="training loss")
    ax_loss.plot(k, record.error, marker="o", markersize=3, label="training 0-1 loss")
    ax_loss.set(yscale="log", xlabel="step", title="the network learns")
    ax_loss.legend(fontsize="small")
    ax_g.plot(k, record.grad_norm, marker="o", markersize=3, label=r"$\|g\|$ (RMS)")
    ax_g.plot(k, record.gHg, marker="s", markersize=3, label=r"$g^\top H g$")
    ax_g.axhline(0, color="0.6", linewidth=0.8)
    ax_g.set(xlabel="step", title=r"$\|g\|$ stays, $g^\top Hg$ grows")
    ax_g.legend(fontsize="small")
    ax_share.plot(k, record.curvature_share, marker="o", markersize=3, color="C3")
    ax_share.axhline(0, color="0.6", linewidth=0.8)
    ax_share.set(xlabel="step", ylabel=r"$\frac{1}{2}\epsilon^2 g^\top Hg\ /\ \epsilon g^\top g$",
                 title=f"curvature's share of the gain, ε = {record.lr:g}")
    return fig


def plot_definite_fraction(result, ax: Axes | None = None) -> Axes:
    """``cs551.challenges.DefiniteFraction``: P(a GOE Hessian is positive definite) against d,
    log scale, with 2^-d (independent random signs) for comparison."""
    ax = _axes(ax)
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
    """A 1-D run on ``cs551.challenges.SaturatedSigmoid``: J(theta_k) and |g_k| against k."""
    from .challenges import SaturatedSigmoid

    ax = _axes(ax)
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
    ax = _axes(ax)
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
    """Every minibatch estimate (n examples) of ``cs551.challenges.MeanExp``'s gradients, their
    exact mean and the true gradient: unbiased (left) and the log of the minibatch mean (right)."""
    from .challenges import all_minibatch_gradients

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
# (end of section: notebook 04)

# --- notebooks 05-07: SGD, momentum, initialization ---
def plot_noise_ball(ball, ax: Axes | None = None) -> Axes:
    """``cs551.sgd.NoiseBall``: E||theta - theta*||^2 against eps, measured and predicted."""
    ax = _axes(ax)
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
                       fraction: float = 0.25, ax: Axes | None = None, levels: int = 15) -> Axes:
    """Contours of a 2-D ``objective`` and the last ``fraction`` of each run's iterates as dots.

    The picture of SGD's noise ball: each label gets the runs' mean squared distance to
    the minimizer over those iterates (``cs551.sgd.tail_msd``).
    """
    from .sgd import tail_msd

    ax = _axes(ax, figsize=(6.4, 4.8))
    draw_contours(ax, objective, levels=levels)
    for label, run in runs.items():
        tail = run.thetas[len(run.thetas) - max(1, int(fraction * len(run.thetas))):]
        msd = tail_msd(run.thetas, objective.minimizer, fraction)
        ax.plot(tail[:, 0], tail[:, 1], ".", markersize=3, alpha=0.6,
                label=rf"{label}: mean $\|\theta-\theta^*\|^2$ = {msd:.3g}")
    ax.legend(loc="upper right", fontsize="small")
    steps = max(len(run.thetas) - 1 for run in runs.values())
    ax.set_title(f"{objective.name}\nthe last {fraction:.0%} of {steps} iterates",
                 fontsize="medium")
    return ax


def plot_training_runs(groups: Mapping[str, Mapping[str, object]], key: str = "train_loss",
                       fig=None):
    """One panel per group of ``cs551.nn.History`` runs: ``key`` against the step, log y.

    ``groups`` maps a panel title to {label: history}; runs that diverged say so, and
    leave the top of the panel (cut at 10 times the largest starting value).
    """
    if fig is None:
        fig = plt.figure(figsize=(4.2 * len(groups), 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(groups)))
    for i, (ax, (title, runs)) in enumerate(zip(axes, groups.items(), strict=True)):
        plot_histories(runs, ax=ax, what=key, title=title)
        if i:
            ax.set_ylabel("")  # the first panel's label serves the row
        top = 10 * max(getattr(history, key)[0] for history in runs.values())
        if ax.get_ylim()[1] > top:
            ax.set_ylim(top=top)
    return fig


# (end of section: notebook 05)

def plot_speeds(speeds: Mapping[float, np.ndarray], ax: Axes | None = None) -> Axes:
    """Momentum under a constant gradient: ||v_k|| / (eps ||g||) against k, for each alpha.

    ``speeds`` maps alpha to the measured ||v_1||, ||v_2||, ... divided by eps ||g||;
    each curve gets its terminal value 1 / (1 - alpha) as a dashed line.
    """
    ax = _axes(ax)
    for i, (alpha, speed) in enumerate(speeds.items()):
        k = np.arange(1, len(speed) + 1)
        ax.plot(k, speed, color=f"C{i}", label=rf"$\alpha = {alpha:g}$ (measured)")
        ax.axhline(1 / (1 - alpha), color=f"C{i}", linestyle="--", linewidth=1,
                   label=rf"$1/(1-\alpha) = {1 / (1 - alpha):.3g}$")
    ax.set(xscale="log", yscale="log", xlabel="step $k$",
           ylabel=r"$\|v_k\| \,/\, \epsilon\|g\|$", title="velocity under a constant gradient")
    ax.legend(fontsize="small", ncol=2)
    return ax


def plot_histories(histories: Mapping[str, object], ax: Axes | None = None,
                   what: str = "train_loss", title: str | None = None) -> Axes:
    """``cs551.nn.History`` records: the training loss (or ``what``) against the step."""
    ax = _axes(ax)
    for label, history in histories.items():
        values = getattr(history, what)
        if history.diverged:
            label += " (diverged)"
        ax.plot(history.steps[:len(values)], values, label=label)
    ax.set(yscale="log", xlabel="step $k$", ylabel=what.replace("_", " "), title=title)
    ax.legend(fontsize="small")
    return ax
# (end of section: notebook 06)

def plot_signal_stds(stats: Mapping[str, object], fig=None):
    """``cs551.initialization.SignalStats`` runs: std of z_l (left) and of dJ/dz_l (right)
    against the layer l, log scale, one curve per run."""
    if fig is None:
        fig = plt.figure(figsize=(11.0, 3.8), layout="constrained")
    ax_f, ax_b = fig.subplots(1, 2, sharey=True)
    for i, (label, s) in enumerate(stats.items()):
        layers = np.arange(1, s.depth + 1)
        for ax, values in ((ax_f, s.forward), (ax_b, s.backward)):
            shown = np.where(values > 0, values, np.nan)  # underflow to 0: not drawn
            ax.plot(layers, shown, marker="o", markersize=3, color=f"C{i}", label=label)
    ax_f.set(yscale="log", xlabel="layer $l$", ylabel="standard deviation",
             title=r"forward: std of pre-activations $z_l$")
    ax_b.set(xlabel="layer $l$", title=r"backward: std of $\partial J/\partial z_l$")
    ax_f.legend(fontsize="small")
    return fig
# (end of section: notebook 07)

# --- notebooks 08-09: adaptive learning rates, Newton's method ---
def draw_effective_rates(ax: Axes, rates: Mapping[str, np.ndarray],
                         coordinates: Sequence[str] = (r"$\theta_1$", r"$\theta_2$")) -> list:
    """Lines of each method's effective rates (one per coordinate: solid, dashed, ...)."""
    lines = []
    for i, (label, rate) in enumerate(rates.items()):
        rate = np.asarray(rate, dtype=float)
        for c in range(rate.shape[1]):
            name = coordinates[c] if c < len(coordinates) else rf"$\theta_{{{c + 1}}}$"
            lines += ax.plot(np.arange(1, len(rate) + 1), rate[:, c], color=f"C{i}",
                             linestyle=("-", "--", ":", "-.")[c % 4], label=f"{label}, {name}")
    ax.set(yscale="log", xlabel="step $k$", ylabel=r"effective rate $\epsilon_{\mathrm{eff}}$")
    return lines


def plot_effective_rates(rates: Mapping[str, np.ndarray], ax: Axes | None = None,
                         reference: Mapping[str, float] | None = None,
                         title: str | None = None) -> Axes:
    """Per-parameter effective learning rates over the steps (``cs551.adaptive.record``).

    ``rates`` maps a method to an array (steps, d); each coordinate gets its own line
    style. ``reference`` adds horizontal lines, e.g. {"gradient descent": 1.9}.
    """
    ax = _axes(ax)
    draw_effective_rates(ax, rates)
    for label, value in (reference or {}).items():
        ax.axhline(value, color="k", linewidth=1, linestyle=":", label=f"{label} ({value:g})")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


# (end of section: notebook 08)

# (end of section: notebook 09)

# --- notebook 10: batch normalization ---
BN_STYLES = {False: {"color": "C0", "label": "plain"}, True: {"color": "C3", "label": "with BN"}}


def draw_training_loss(ax: Axes, history, batchnorm: bool) -> Line2D:
    """One ``cs551.nn.History``'s training loss; a cross marks where a run diverged."""
    style = BN_STYLES[batchnorm]
    label = style["label"] + (" (diverged)" if history.diverged else "")
    (line,) = ax.plot(history.steps, history.train_loss, color=style["color"], label=label)
    if history.diverged and history.steps:
        ax.plot(history.steps[-1], history.train_loss[-1], marker="x", markersize=10,
                markeredgewidth=2, color=style["color"])
    return line


def plot_lr_sweep(runs: Mapping[tuple, object], fig=None):
    """``cs551.batchnorm.compare_learning_rates``: loss curves, one panel per learning rate."""
    lrs = sorted({lr for lr, _ in runs})
    if fig is None:
        fig = plt.figure(figsize=(3.0 * len(lrs), 3.2), layout="constrained")
    axes = fig.subplots(1, len(lrs), sharey=True, squeeze=False)[0]
    for ax, lr in zip(axes, lrs, strict=True):
        for bn in (False, True):
            draw_training_loss(ax, runs[lr, bn].history, bn)
        run = runs[lr, False]
        ax.set(yscale="log", xlabel="step", title=rf"$\epsilon$ = {lr:g}",
               xlim=(0, max(r.history.steps[-1] for r in runs.values() if r.history.steps)))
        ax.legend(fontsize="small", loc="lower left")
    axes[0].set_ylabel("training loss")
    fig.suptitle(f"SGD on the digits, {run.depth} hidden ReLU layers, with and without batch norm")
    return fig


def plot_activation_statistics(stats: Mapping[bool, np.ndarray], checkpoints, fig=None):
    """``activation_statistics`` with and without BN: per-layer mean and std over training."""
    if fig is None:
        fig = plt.figure(figsize=(9.0, 5.0), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey="row")
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(checkpoints)))
    for col, bn in enumerate((False, True)):
        layers = np.arange(1, stats[bn].shape[1] + 1)
        for k, step in enumerate(checkpoints):
            for row in (0, 1):
                axes[row, col].plot(layers, stats[bn][k, :, row], marker="o", color=colors[k],
                                    label=f"step {step}")
        axes[0, col].set_title(f"{BN_STYLES[bn]['label']}: what each ReLU receives")
        axes[1, col].set_xlabel("hidden layer")
    axes[0, 0].set_ylabel("mean of pre-activations")
    axes[1, 0].set_ylabel("std of pre-activations")
    axes[0, 1].legend(fontsize="small")
    return fig


def plot_running_average_lag(record, ax: Axes | None = None) -> Axes:
    """``running_average_lag``: the running mean's distance from E_B[mu_B] during training."""
    ax = _axes(ax)
    ax.plot(record.steps, record.gap, marker="o", color="C3")
    ax.axvline(record.switch, color="k", linestyle=":")
    before, after = record.lr[0], record.lr[-1]
    ax.text(record.switch, 0.95, rf" $\epsilon$: {before:g} $\to$ {after:g}", va="top",
            fontsize="small", transform=ax.get_xaxis_transform())
    ax.set(xlabel="step", ylabel=r"|running mean $-\ \mathbb{E}[x]$| / $\sqrt{Var[x]}$",
           title=f"running average (momentum {record.momentum:g}) vs population statistics")
    return ax


# (end of section: notebook 10)

# --- notebook 11: exact line search ---
# (end of section: notebook 11)
