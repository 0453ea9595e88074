"""Plotting helpers, so that notebooks never copy plotting code.

- ``plot_landscape``: contours of a 2-D objective with one or more trajectories.
- ``plot_values``: f(theta_k) (or any curve) against the iteration, log scale.
- ``METHOD_COLORS``: one colour per method across the course; overlapping curves are drawn
  first-thickest (``widths``), so none hides another.
- ``describe``: a figure's alt text, read off the figure itself (panels, axes, what each curve
  does). In a notebook's kernel every displayed figure carries it (``metadata["image/png"]
  ["alt"]``), so that screen readers and the course's website have it without a notebook
  writing it by hand.

Both take an ``ax`` to draw into, or make a new figure, and return the axes.
The widgets in ``cs551.widgets`` draw their backgrounds with the same functions.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .objectives import Bounds, Objective
from .optim import Trajectory

Path = Trajectory | np.ndarray

# One colour per method across the course: a label that names a method is drawn in its colour.
METHOD_COLORS = {
    "gradient descent": "C0", "SGD": "C0", "GD": "C0",
    "momentum": "C1", "Nesterov": "C2",
    "AdaGrad": "C4", "RMSProp": "C3", "RMSProp + Nesterov": "C5", "RMSProp+Nesterov": "C5",
    "Adam": "C6", "Newton": "C9", "damped Newton": "C9", "saddle-free Newton": "C8",
    "exact line search": "C7",
}


def method_color(label: str) -> str | None:
    """The course's colour for the method a label names (the longest name it contains), or None.

    >>> method_color("RMSProp + Nesterov, lr=0.1"), method_color("batch 64")
    ('C5', None)
    """
    names = sorted((name for name in METHOD_COLORS if name in label), key=len, reverse=True)
    return METHOD_COLORS[names[0]] if names else None


def method_colors(labels) -> list[str | None]:
    """``method_color`` of each label, except that two labels never share a colour: a repeat
    (e.g. Newton and damped Newton in one figure) takes the next colour no label uses."""
    colors = [method_color(label) for label in labels]
    taken = set(filter(None, colors))
    free = (f"C{i}" for i in range(10) if f"C{i}" not in taken)
    seen: set[str] = set()
    for i, color in enumerate(colors):
        if color is not None and color in seen:
            colors[i] = next(free, None)
        seen.add(colors[i])
    return colors


def widths(n: int, thin: float = 1.2, thick: float = 3.6) -> list[float]:
    """Line widths for n overlapping curves, the first the thickest: a curve drawn early stays
    visible as a halo around the later ones that run on top of it."""
    return [thick - (thick - thin) * i / (n - 1) for i in range(n)] if n > 1 else [thin] * n


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


def _arc_length(thetas: np.ndarray) -> float:
    steps = np.linalg.norm(np.diff(thetas, axis=0), axis=1)
    return float(np.sum(steps[np.isfinite(steps)]))


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


def joined(curves: Iterable[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Curves ``(x, y)`` joined into one ``(x, y)`` with NaN between them: one ``Line2D``
    draws them all, with gaps (an explorer redraws one artist per move instead of one per
    contour line)."""
    xs, ys = [], []
    for x, y in curves:
        xs += [np.asarray(x, dtype=float), [np.nan]]
        ys += [np.asarray(y, dtype=float), [np.nan]]
    return np.concatenate(xs), np.concatenate(ys)


def draw_path(ax: Axes, path: Path, label: str = "", color=None, **style) -> Line2D:
    """One trajectory as a line with dots; its start as a hollow circle."""
    thetas = _thetas(path)
    style = {"marker": "o", "markersize": 3, "linewidth": 1.2, **style}
    (line,) = ax.plot(thetas[:, 0], thetas[:, 1], label=label or None, color=color, **style)
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
    paths = _as_mapping(trajectories)
    colors = dict(zip(paths, method_colors(paths), strict=True))
    # the longest path first, thickest, at the bottom: a short (slow) one stays on top of it
    order = sorted(paths, key=lambda label: -_arc_length(_thetas(paths[label])))
    handles = {}
    for label, width in zip(order, widths(len(order)), strict=True):
        path, shown = paths[label], label
        if isinstance(path, Trajectory) and path.diverged and label:
            shown += f" (diverged at step {path.steps})"
        handles[label] = draw_path(ax, path, shown, color=colors[label], linewidth=width,
                                   markersize=2 + width)
    labelled = [handles[label] for label in paths if label]
    if labelled:
        ax.legend(handles=labelled, loc="best", fontsize="small")  # where it covers least
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
    for (label, curve), width, color in zip(curves.items(), widths(len(curves)),
                                            method_colors(curves), strict=True):
        values = curve.values if isinstance(curve, Trajectory) else np.asarray(curve, float)
        style = {"color": color, "linewidth": width, **(styles or {}).get(label, {})}
        ax.plot(np.arange(len(values)), values - offset, label=label, **style)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel if not offset else ylabel + r" $- f^*$")
    if title:
        ax.set_title(title)
    if curves:
        ax.legend(fontsize="small")
    return ax


def axes_or_new(ax: Axes | None, figsize=(6.4, 4.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_step_errors(errors, tolerance: float | None = None, ax: Axes | None = None) -> Axes:
    """``cs551.gradient_noise.StepErrors``: relative error of each step against the batch size."""
    ax = axes_or_new(ax)
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
           title=rf"least squares, $\kappa \approx {errors.kappa:,.0f}$")
    ax.legend(fontsize="small")
    return ax


def plot_histories(histories: Mapping[str, object], ax: Axes | None = None,
                   what: str = "train_loss", title: str | None = None,
                   colors: Mapping[str, str] | None = None) -> Axes:
    """``cs551.nn.History`` records: the training loss (or ``what``) against the step.

    A curve's colour is ``colors[label]`` if given, else its method's (``METHOD_COLORS``);
    a method's second curve (another learning rate) keeps the colour and is dashed. A figure
    of its own (no ``ax``) gets its legend beside the axes, where it covers no curve.
    """
    own_figure = ax is None
    ax = axes_or_new(ax)
    seen: set[str] = set()
    for (label, history), width, color in zip(histories.items(), widths(len(histories)),
                                              method_colors(histories), strict=True):
        method = method_color(label)
        color = (colors or {}).get(label, method or color)
        dashed = method is not None and method in seen and label not in (colors or {})
        seen.add(method)
        values = getattr(history, what)
        if history.diverged:
            label += " (diverged)"
        ax.plot(history.steps[:len(values)], values, label=label, color=color, linewidth=width,
                linestyle="--" if dashed else "-")
    ax.set(yscale="log", xlabel="step $k$", ylabel=what.replace("_", " "), title=title)
    if own_figure:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    else:
        ax.legend(fontsize="small")
    return ax


# --- alt text: what a screen reader says of a figure ------------------------------------------

_TEX = {r"\epsilon": "ε", r"\varepsilon": "ε", r"\alpha": "α", r"\beta": "β", r"\gamma": "γ",
        r"\delta": "δ", r"\eta": "η", r"\theta": "θ", r"\kappa": "κ", r"\lambda": "λ",
        r"\mu": "μ", r"\rho": "ρ", r"\sigma": "σ", r"\tau": "τ", r"\nabla": "∇",
        r"\Delta": "Δ", r"\Sigma": "Σ", r"\leftarrow": "←", r"\rightarrow": "→",
        r"\infty": "∞", r"\approx": "≈", r"\leq": "≤", r"\le": "≤",
        r"\geq": "≥", r"\ge": "≥", r"\times": "×", r"\cdot": "·", r"\top": "ᵀ",
        r"\|": "‖", r"\sqrt": "√", r"\to": "→", r"\pm": "±", r"\ell": "ℓ", r"\min": "min",
        r"\max": "max", r"\log": "log", r"\ln": "ln", r"\partial": "∂", r"\sum": "Σ"}
_TEX_WORD = re.compile(r"\\(?:[A-Za-z]+|\|)")


def plain(text: str) -> str:
    r"""A matplotlib label as a screen reader should read it: math symbols as Unicode.

    >>> plain(r"$J(\theta_k) - J^*$, $\epsilon = 0.1$, $\hat{g}$, $\frac12 x^2$")
    'J(θ_k) - J^*, ε = 0.1, ĝ, 1/2 x²'
    """
    text = re.sub(r"\\hat\{?([A-Za-z])\}?", "\\1\u0302", text)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", text)
    text = re.sub(r"\\frac([0-9])([0-9])", r"\1/\2", text)  # \frac12 -> 1/2
    text = re.sub(r"\^\{?([0-9])\}?", lambda m: "⁰¹²³⁴⁵⁶⁷⁸⁹"[int(m.group(1))], text)
    text = re.sub(r"\\(?:mathrm|mathbf|mathcal|operatorname|hat|bar|tilde|text|left|right)"
                  r"(?![A-Za-z])", "", text)
    text = _TEX_WORD.sub(lambda m: _TEX.get(m.group(0), m.group(0)[1:]), text)
    text = re.sub(r"\\[,;:! ]", " ", text)
    text = text.replace("^ᵀ", "ᵀ")
    text = " ".join(text.replace("$", "").replace("{", "").replace("}", "").split())
    return unicodedata.normalize("NFC", text)


def _number(value: float) -> str:
    return f"{value:.2g}" if np.isfinite(value) else "not finite"


def _curve(line: Line2D, plane: bool = False) -> str | None:
    """A labelled line's first and last value; on a landscape (``plane``), or where x goes back
    and forth, the path's first and last point."""
    x, y = (np.asarray(v, dtype=float).ravel() for v in line.get_data())
    finite = np.isfinite(y)
    if len(y) < 2 or not finite.any():
        return None
    label = plain(line.get_label())
    if not plane and len(x) == len(y) and np.all(np.diff(x[np.isfinite(x)]) >= 0):
        y = y[finite]
        return f"{label}: from {_number(y[0])} to {_number(y[-1])}"
    points = np.isfinite(x) & finite  # a path in the plane: where it starts and ends
    (x0, x1), (y0, y1) = x[points][[0, -1]], y[points][[0, -1]]
    return (f"{label}: a path from ({_number(x0)}, {_number(y0)}) "
            f"to ({_number(x1)}, {_number(y1)})")


def _panel(ax: Axes) -> str:
    """One axes: title, axes (and log scales), then what is drawn on it."""
    words = [f'"{plain(ax.get_title())}"'] if ax.get_title() else []
    for name, label, scale in (("x", ax.get_xlabel(), ax.get_xscale()),
                               ("y", ax.get_ylabel(), ax.get_yscale())):
        if label:
            log = scale == "log" and "log" not in label
            words.append(f"{name}: {plain(label)}" + (" (log scale)" if log else ""))
    landscape = any(isinstance(c, ContourSet) for c in ax.collections)  # lines: paths on it
    points = [c for c in ax.collections if isinstance(c, PathCollection)
              and not isinstance(c, ContourSet)]
    shown = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    described = [(line, _curve(line, landscape)) for line in shown]
    curves = [curve for _, curve in described if curve]
    others = [plain(line.get_label()) for line, curve in described if curve is None]
    if curves:
        words.append("curves: " + "; ".join(curves[:8]) + ("; ..." if len(curves) > 8 else ""))
    if others:
        words.append("marked: " + ", ".join(others[:8]))
    unlabelled = len(ax.get_lines()) - len(shown)
    if unlabelled:
        words.append(f"{unlabelled} unlabelled line{'s' * (unlabelled > 1)}")
    if points:
        words.append("scatter: " + ", ".join(
            f"{len(c.get_offsets())} points" + (f" ({plain(c.get_label())})"
                                               if not c.get_label().startswith("_") else "")
            for c in points[:4]))
    if landscape:
        words.append("contours of the landscape")
    elif len(ax.collections) > len(points):
        words.append("shaded regions")
    if any(isinstance(image, AxesImage) for image in ax.get_images()):
        words.append("an image (heat map)")
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    if bars:
        words.append(f"{len(bars)} bar{'s' * (len(bars) > 1)}")
    return ", ".join(words) if words else "empty"


def describe(fig: Figure) -> str:
    r"""The alt text of a figure, read off its artists: panels, axes, and each labelled curve's
    first and last value (two significant digits), so that the outcome is said too.

    >>> fig = Figure(); ax = fig.subplots()
    >>> _ = ax.plot([1, 2, 3], [1.0, 0.1, 0.01], label="momentum")
    >>> _ = ax.set(yscale="log", xlabel="step $k$", ylabel=r"$f(\theta_k)$")
    >>> describe(fig)
    'Figure. x: step k, y: f(θ_k) (log scale), curves: momentum: from 1 to 0.01.'
    """
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison
              and ax.get_label() != "<colorbar>"]
    title = "; ".join(plain(t.get_text()) for t in fig.texts if t.get_text().strip())
    head = "Figure" + (f" of {len(panels)} panels" if len(panels) > 1 else "")
    head += f": {title}" if title else ""
    if len(panels) == 1:
        return f"{head}. {_panel(panels[0])}."
    return head + ". " + " ".join(f"Panel {i}: {_panel(ax)}." for i, ax in enumerate(panels, 1))


def _alt_text_metadata(fig: Figure) -> tuple[dict, dict]:
    """IPython's mimebundle hook: no data of its own, the alt text as the PNG's metadata."""
    return {}, {"image/png": {"alt": describe(fig)}}


def _attach_alt_text(shell=None) -> None:
    """In an IPython kernel (``shell``, else the running one), give every figure it displays
    its alt text (``describe``)."""
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        shell.display_formatter.mimebundle_formatter.for_type(Figure, _alt_text_metadata)


_attach_alt_text()
