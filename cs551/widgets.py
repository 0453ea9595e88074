"""Interactive explorers: sliders that redraw a figure in tens of milliseconds.

How they stay fast and safe (measured in ``benchmarks/widget_latency.py``):

- the figure is a plain ``matplotlib.figure.Figure`` on an Agg canvas, never a
  pyplot figure, so a notebook's inline backend never captures it;
- its static part (contours, axes, legend) is drawn once and cached; a slider
  move only redraws the artists that change ("blitting");
- the result goes as PNG bytes into an ``ipywidgets.Image``. No ``Output``
  widget is involved, which also avoids a known hang of notebook execution
  (nbclient mimics Output widgets over a synchronous socket: jupyter/nbclient#312).

``Explorer`` is the general mechanism; ``OptimizerExplorer`` is the optimizer
playground of the course. Both can be driven from pytest by setting
``explorer.controls[name].value`` and inspecting what changed.
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable, Iterable, Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from . import _validate as check
from .objectives import (
    Cliff,
    LeastSquares,
    Objective,
    Quadratic,
    Rosenbrock,
    Saddle,
    ill_conditioned_quadratic,
)
from .optim import (
    SGD,
    AdaGrad,
    RMSProp,
    RMSPropNesterov,
    Trajectory,
    inverse_decay,
    linear_decay,
    minimize,
)
from .plots import BN_STYLES, draw_contours


def new_figure(figsize: tuple[float, float] = (6.4, 4.8), dpi: int = 100, **subplots) -> Figure:
    """A figure on its own Agg canvas, unknown to pyplot (nothing gets auto-displayed)."""
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained" if not subplots else None)
    FigureCanvasAgg(fig)
    if subplots:
        fig.subplots(**subplots)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The canvas as PNG bytes (fast zlib level: about 1 ms for 640 x 480)."""
    canvas = fig.canvas
    width, height = canvas.get_width_height(physical=True)
    rgba = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    rgba.save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class Explorer:
    """Controls that redraw a cached figure into an ``ipywidgets.Image``.

    ``draw(**values)`` receives the current value of every control, updates the
    figure's artists and may return an HTML status line. The artists listed in
    ``animated`` are the only ones that change: they are redrawn over a cached
    background. With ``animated=()`` the whole figure is redrawn each time (for
    figures whose axes rescale); call ``redraw_background()`` after changing a
    static part.
    """

    def __init__(
        self,
        fig: Figure,
        controls: Mapping[str, widgets.ValueWidget],
        draw: Callable[..., str | None],
        *,
        animated: tuple[Artist, ...] = (),
        title: str = "explorer",
    ):
        self.fig, self.controls, self._draw = fig, dict(controls), draw
        self.animated = tuple(animated)
        self.title = title
        for artist in self.animated:
            artist.set_animated(True)
        # the picture shrinks (keeping its aspect ratio) to fit beside the controls
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            flex="1 1 auto", min_width="0", max_width="100%", height="auto",
            object_fit="contain"))
        self.status = widgets.HTML()
        sliders = widgets.VBox(list(self.controls.values()),
                               layout=widgets.Layout(flex="0 0 320px"))
        if fig.get_figwidth() > 8:  # a wide figure goes below the controls and the status
            self.widget = widgets.VBox([widgets.HBox([sliders, self.status]), self.image])
        else:  # a narrow one beside them
            panel = widgets.VBox([sliders, self.status], layout=widgets.Layout(flex="0 0 320px"))
            self.widget = widgets.HBox([panel, self.image], layout=widgets.Layout(width="100%"))
        self._background = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    @property
    def values(self) -> dict:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def redraw_background(self) -> None:
        """Draw the static part of the figure and cache it."""
        self.fig.canvas.draw()
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def refresh(self) -> None:
        """Call ``draw`` with the current values and render the figure into the image."""
        status = self._draw(**self.values)
        if status is not None:
            self.status.value = status
        canvas = self.fig.canvas
        if self.animated:
            if self._background is None:
                self.redraw_background()
            canvas.restore_region(self._background)
            for artist in self.animated:
                self.fig.draw_artist(artist)
        else:
            canvas.draw()
        self.image.value = png_bytes(self.fig)

    def _on_change(self, change) -> None:
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # A short, stable text instead of the default repr, which embeds the PNG
        # bytes: notebooks stay small and strict nbval can compare this line.
        bundle["text/plain"] = f"<{type(self).__name__}: {self.title}>"
        return bundle


def _slider(name: str, value: float, low: float, high: float, *, log: bool = False,
            integer: bool = False) -> widgets.ValueWidget:
    common = {"description": name, "continuous_update": True,
              "style": {"description_width": "70px"}}
    if integer:
        return widgets.IntSlider(value=value, min=low, max=high, **common)
    if log:
        return widgets.FloatLogSlider(value=value, base=10, min=np.log10(low),
                                      max=np.log10(high), step=0.01, readout_format=".3g", **common)
    return widgets.FloatSlider(value=value, min=low, max=high, step=(high - low) / 200,
                               readout_format=".3g", **common)


# Slider ranges of the hyperparameters an optimizer may take: (low, high, log scale).
HYPERPARAMETERS = {
    "lr": (1e-4, 10.0, True),
    "momentum": (0.0, 0.99, False),
    "rho": (0.0, 0.999, False),
    "damping": (1e-3, 10.0, True),
}


def _parameters(factory: Callable) -> Mapping[str, inspect.Parameter]:
    return inspect.signature(factory).parameters


def _hyper_slider(name: str, value: float) -> widgets.Widget:
    """A slider for hyperparameter ``name`` over its range in ``HYPERPARAMETERS``."""
    low, high, log = HYPERPARAMETERS[name]
    return _slider(name, value, low, high, log=log)


def _check_landscape(objective: Objective) -> None:
    if objective.dim != 2 or objective.bounds is None:
        raise ValueError(f"objective must be a 2-D landscape with bounds, got {objective!r}")


def _table(rows: Iterable[Sequence[str]]) -> str:
    """An explorer's status table: one HTML row per sequence of cells."""
    return "<table>" + "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows
    ) + "</table>"


def _outcome(run: Trajectory, otherwise: str) -> str:
    """A run's status cell: where it diverged, or else ``otherwise``."""
    return f"<b>diverged</b> at step {run.steps}" if run.diverged else otherwise


class OptimizerExplorer(Explorer):
    """Optimizers on a 2-D landscape, with sliders for their hyperparameters and start.

    ``optimizers`` maps a label to an optimizer class (or any callable): each is
    called with the slider values its signature accepts. ``hyperparameters``
    gives the sliders' initial values; ranges come from ``HYPERPARAMETERS``.

    >>> OptimizerExplorer(ill_conditioned_quadratic(), {"SGD": SGD, "momentum": Momentum},
    ...                   lr=0.5, momentum=0.9, steps=50)
    """

    def __init__(
        self,
        objective: Objective,
        optimizers: Mapping[str, Callable],
        *,
        steps: int = 50,
        max_steps: int = 300,
        start: tuple[float, float] | None = None,
        **hyperparameters: float,
    ):
        _check_landscape(objective)
        unknown = set(hyperparameters) - set(HYPERPARAMETERS)
        if unknown:
            raise ValueError(f"hyperparameters must be among {sorted(HYPERPARAMETERS)}, "
                             f"got {sorted(unknown)}")
        self.objective, self.factories = objective, dict(optimizers)
        self.trajectories: dict[str, Trajectory] = {}

        controls = {}
        for name in HYPERPARAMETERS:
            takers = [_parameters(f)[name] for f in optimizers.values() if name in _parameters(f)]
            if name in hyperparameters and takers:
                controls[name] = _hyper_slider(name, hyperparameters[name])
            elif any(p.default is inspect.Parameter.empty for p in takers):
                raise ValueError(f"{name} must be given: an optimizer needs it")
        controls["steps"] = _slider("steps", steps, 1, max_steps, integer=True)
        (x_low, x_high), (y_low, y_high) = objective.bounds
        x0, y0 = objective.start if start is None else start
        controls["x0"] = _slider("x0", x0, x_low, x_high)
        controls["y0"] = _slider("y0", y0, y_low, y_high)

        fig = new_figure()
        ax = fig.add_subplot()
        draw_contours(ax, objective)
        self.lines = {label: ax.plot([], [], marker="o", markersize=3, linewidth=1.2,
                                     label=label)[0] for label in optimizers}
        (self.start_marker,) = ax.plot([], [], marker="o", markersize=9, markerfacecolor="none",
                                       color="k", linestyle="none")
        ax.legend(loc="upper right", fontsize="small")
        ax.set_title(objective.name)
        super().__init__(fig, controls, self._run,
                         animated=(*self.lines.values(), self.start_marker),
                         title=f"{', '.join(optimizers)} on {objective.name}")

    def _run(self, steps: int, x0: float, y0: float, **hyper: float) -> str:
        rows = []
        for label, factory in self.factories.items():
            kwargs = {k: v for k, v in hyper.items() if k in _parameters(factory)}
            run = minimize(factory(**kwargs), self.objective, np.array([x0, y0]), steps)
            self.trajectories[label] = run
            self.lines[label].set_data(run.thetas[:, 0], run.thetas[:, 1])
            rows.append((label, _outcome(run, f"f = {run.value:.3g} after {run.steps} steps")))
        self.start_marker.set_data([x0], [y0])
        return _table(rows)

    def summary(self) -> str:
        """The runs now shown, as plain text (what a notebook prints to pin them)."""
        lines = []
        for label, run in self.trajectories.items():
            end = "diverged" if run.diverged else f"f = {run.value:.4g}"
            lines.append(f"{label}: {run.steps} steps, {end}")
        return "\n".join(lines)


# --- notebooks 01-02: learning vs optimization, minibatches ---


class RiskExplorer(Explorer):
    """Risk J* against empirical risk J, for y = w x + sigma eps fitted by theta x (notebook 01).

    Left: the m training examples, the true line y = w x and the ERM fit y = theta^ x.
    Right: the risk J*(theta) = 1/2 ((theta - w)^2 + sigma^2), which we can compute only
    because we know p_data, and the empirical risk J(theta) of this sample, with their
    minimizers. Controls: the training-set size m, the noise sigma and which sample.
    """

    SIZES = (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)

    def __init__(self, m: int = 10, sigma: float = 1.0, draw: int = 0, w: float = 1.0):
        from .risk import one_dimensional_risks

        if m not in self.SIZES:
            raise ValueError(f"m must be one of {self.SIZES}, got {m!r}")
        self._risks, self.w = one_dimensional_risks, float(w)
        style = {"description_width": "70px"}
        controls = {
            "m": widgets.SelectionSlider(options=self.SIZES, value=m, description="m",
                                         style=style),
            "sigma": widgets.FloatSlider(value=sigma, min=0.0, max=2.0, step=0.05,
                                         description="σ (noise)", style=style),
            "draw": widgets.IntSlider(value=draw, min=0, max=49, description="sample",
                                      style=style),
        }
        fig = new_figure(figsize=(10.0, 4.0))
        ax_data, ax_risk = fig.subplots(1, 2)
        xs = np.array([-3.5, 3.5])
        ax_data.plot(xs, self.w * xs, "k--", linewidth=1,
                     label=f"true line y = w x (w = {self.w:g})")
        (self.points,) = ax_data.plot([], [], "o", markersize=3, alpha=0.4, color="C0",
                                      label="training examples")
        (self.fit,) = ax_data.plot([], [], color="C3", label=r"ERM fit: y = $\hat\theta$ x")
        ax_data.set(xlim=tuple(xs), ylim=(-7, 7), xlabel="x", ylabel="y", title="the data")
        ax_data.legend(loc="upper left", fontsize="small")
        self.thetas = np.linspace(self.w - 3, self.w + 3, 241)
        (self.risk_curve,) = ax_risk.plot([], [], color="k", label=r"risk $J^*(\theta)$")
        (self.empirical_curve,) = ax_risk.plot([], [], color="C0",
                                               label=r"empirical risk $J(\theta)$")
        (self.star,) = ax_risk.plot([], [], "k*", markersize=12, label=r"$\theta^* = w$")
        (self.hat,) = ax_risk.plot([], [], "o", color="C3", clip_on=False,
                                   label=r"$\hat\theta$ on $J$ and $J^*$")
        (self.gap,) = ax_risk.plot([], [], color="C3", linewidth=2, clip_on=False)
        ax_risk.set(xlim=(self.thetas[0], self.thetas[-1]), ylim=(0, 6), xlabel=r"$\theta$",
                    ylabel="risk", title="what we minimize vs what we want")
        ax_risk.legend(loc="upper center", fontsize="small", ncol=2)
        self.state: dict[str, float] = {}
        super().__init__(fig, controls, self._update,
                         animated=(self.points, self.fit, self.risk_curve, self.empirical_curve,
                                   self.star, self.hat, self.gap),
                         title="risk vs empirical risk")

    def _update(self, m: int, sigma: float, draw: int) -> str:
        x, y, a, b, c = self._risks(m, sigma, draw, self.w)
        theta_hat = b / a  # argmin J: J(theta) = 1/2 (a theta^2 - 2 b theta + c)
        J = 0.5 * (a * self.thetas**2 - 2 * b * self.thetas + c)
        J_star = 0.5 * ((self.thetas - self.w) ** 2 + sigma**2)
        risk_hat = 0.5 * ((theta_hat - self.w) ** 2 + sigma**2)
        train_hat = 0.5 * (a * theta_hat**2 - 2 * b * theta_hat + c)
        self.state = {"m": m, "sigma": sigma, "theta_hat": theta_hat, "J(theta_hat)": train_hat,
                      "J*(theta_hat)": risk_hat, "J*(w)": 0.5 * sigma**2}
        self.points.set_data(x, y)
        self.fit.set_data([-3.5, 3.5], [-3.5 * theta_hat, 3.5 * theta_hat])
        self.risk_curve.set_data(self.thetas, J_star)
        self.empirical_curve.set_data(self.thetas, J)
        self.star.set_data([self.w], [0.5 * sigma**2])
        # a theta^ beyond the axis is drawn at its edge, as a triangle pointing outwards
        low, high = self.thetas[0], self.thetas[-1]
        shown = min(max(theta_hat, low), high)
        self.hat.set_marker("o" if shown == theta_hat else ("<" if theta_hat < low else ">"))
        self.hat.set_data([shown, shown], [min(train_hat, 5.8), min(risk_hat, 5.8)])
        self.gap.set_data([shown, shown], [min(train_hat, 5.8), min(risk_hat, 5.8)])
        return (f"θ̂ = {theta_hat:.3f} (w = {self.w:g})<br>"
                f"J(θ̂) = {train_hat:.3f} (training risk, what ERM reports)<br>"
                f"J*(θ̂) = {risk_hat:.3f} (its true risk)<br>"
                f"J*(w) = σ²/2 = {0.5 * sigma**2:.3f} (the best possible)")

    def summary(self) -> str:
        """The sample now shown, as plain text (what a notebook prints to pin it)."""
        s = self.state
        return (f"m = {s['m']}, sigma = {s['sigma']:.2f}: theta^ = {s['theta_hat']:.3f}, "
                f"J(theta^) = {s['J(theta_hat)']:.3f}, J*(theta^) = {s['J*(theta_hat)']:.3f}, "
                f"J*(w) = {s['J*(w)']:.3f}")


class MinibatchExplorer(Explorer):
    """Minibatch gradients g_B and Newton steps H^{-1} g_B, drawn many times (notebook 02).

    Two-parameter least squares whose Hessian has condition number ``kappa``, at
    theta = theta_min - (2, 2). Left: ``draws`` minibatch gradients g_B (n examples each,
    drawn with replacement) around the full gradient g, and a ring of radius
    ``tolerance`` ||g||. Right: the Newton steps H^{-1} g_B (exact H) around H^{-1} g, with
    the ring of radius ``tolerance`` ||H^{-1} g||. The errors of g along the flat
    eigen-direction are multiplied by 1/lambda_min.

    >>> MinibatchExplorer(batch_size=16, kappa=100).summary()
    """

    BATCH_SIZES = tuple(2**k for k in range(13))
    KAPPAS = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000)

    def __init__(self, batch_size: int = 16, kappa: int = 100, draws: int = 200,
                 tolerance: float = 0.2, seed: int = 0):
        if batch_size not in self.BATCH_SIZES:
            raise ValueError(f"batch_size must be one of {self.BATCH_SIZES}, got {batch_size!r}")
        if kappa not in self.KAPPAS:
            raise ValueError(f"kappa must be one of {self.KAPPAS}, got {kappa!r}")

        self.draws = check.positive_int("draws", draws)
        self.tolerance = check.positive("tolerance", tolerance)
        self.seed = check.non_negative_int("seed", seed)
        self._kappa = None
        self._problems: dict = {}
        self.errors: dict[str, float] = {}
        style = {"description_width": "90px"}
        controls = {
            "batch_size": widgets.SelectionSlider(options=self.BATCH_SIZES, value=batch_size,
                                                  description="batch size n", style=style),
            "kappa": widgets.SelectionSlider(options=self.KAPPAS, value=kappa,
                                             description="κ(H)", style=style),
        }
        fig = new_figure(figsize=(10.0, 4.6))
        self.ax_g, self.ax_n = fig.subplots(1, 2)
        t = np.linspace(0, 2 * np.pi, 100)
        self._circle = np.stack([np.cos(t), np.sin(t)], axis=1)
        self.clouds, self.centers, self.rings = [], [], []
        for ax, what in ((self.ax_g, r"$g_B$"), (self.ax_n, r"$H^{-1}g_B$")):
            (cloud,) = ax.plot([], [], "o", markersize=3, alpha=0.35, color="C0",
                               label=f"{what}, {self.draws} minibatches")
            (center,) = ax.plot([], [], "k*", markersize=12, label="full batch")
            (ring,) = ax.plot([], [], color="C3", linewidth=1,
                              label=f"{self.tolerance:.0%} relative error")
            ax.set_aspect("equal", adjustable="box")
            self.clouds.append(cloud)
            self.centers.append(center)
            self.rings.append(ring)
        self.ax_g.set(title="gradient step direction $g_B$", xlabel=r"$g_1$", ylabel=r"$g_2$")
        self.ax_n.set(title=r"Newton step $H^{-1}g_B$", xlabel=r"$(H^{-1}g_B)_1$",
                      ylabel=r"$(H^{-1}g_B)_2$")
        super().__init__(fig, controls, self._update, animated=tuple(self.clouds),
                         title="minibatch gradient and Newton steps")

    def problem(self, kappa: int):
        """(G, g, H^{-1}, H^{-1} g) of the kappa problem, at theta = theta_min - (2, 2)."""
        if kappa not in self._problems:
            from .minibatch import ill_conditioned_regression, per_example_gradients

            f = ill_conditioned_regression(kappa, d=2, seed=self.seed)
            theta = f.minimizer - 2.0
            G = per_example_gradients(f, theta)
            H_inv = np.linalg.inv(f.batch_hess(theta, np.arange(f.m)))
            g = G.mean(axis=0)
            self._problems[kappa] = (G, g, H_inv, H_inv @ g)
        return self._problems[kappa]

    def _set_kappa(self, kappa: int) -> None:
        _, g, _, newton = self.problem(kappa)
        for ax, center, ring, c in zip((self.ax_g, self.ax_n), self.centers, self.rings,
                                       (g, newton), strict=True):
            r = np.linalg.norm(c)
            center.set_data([c[0]], [c[1]])
            ring.set_data(*(c + self.tolerance * r * self._circle).T)
            ax.set(xlim=(c[0] - 3 * r, c[0] + 3 * r), ylim=(c[1] - 3 * r, c[1] + 3 * r))
        self.ax_g.legend(loc="upper left", fontsize="small")
        self._kappa = kappa
        self.redraw_background()

    def _update(self, batch_size: int, kappa: int) -> str:
        if kappa != self._kappa:
            self._set_kappa(kappa)
        G, g, H_inv, newton = self.problem(kappa)
        rng = np.random.default_rng(self.seed)
        g_B = G[rng.integers(len(G), size=(self.draws, batch_size))].mean(axis=1)
        steps = g_B @ H_inv.T  # H^{-1} g_B for every draw
        self.clouds[0].set_data(*g_B.T)
        self.clouds[1].set_data(*steps.T)
        rel_g = np.linalg.norm(g_B - g, axis=1) / np.linalg.norm(g)
        rel_n = np.linalg.norm(steps - newton, axis=1) / np.linalg.norm(newton)
        self.errors = {"n": batch_size, "kappa": kappa,
                       "gradient": float(np.sqrt(np.mean(rel_g**2))),
                       "newton": float(np.sqrt(np.mean(rel_n**2))),
                       "gradient inside": float(np.mean(rel_g <= self.tolerance)),
                       "newton inside": float(np.mean(rel_n <= self.tolerance))}
        e = self.errors
        return (f"RMS relative error of g<sub>B</sub>: {e['gradient']:.3f} "
                f"({e['gradient inside']:.0%} inside the ring)<br>"
                f"RMS relative error of H⁻¹g<sub>B</sub>: {e['newton']:.3f} "
                f"({e['newton inside']:.0%} inside the ring)")

    def summary(self) -> str:
        """The errors now shown, as plain text (what a notebook prints to pin them)."""
        e = self.errors
        return (f"n = {e['n']}, kappa = {e['kappa']}: relative error of g_B {e['gradient']:.3f} "
                f"({e['gradient inside']:.0%} within {self.tolerance:.0%}), of H^-1 g_B "
                f"{e['newton']:.3f} ({e['newton inside']:.0%} within {self.tolerance:.0%})")


class RegularizationExplorer(Explorer):
    """ERM on the digits: training-set size m and penalty l2 against held-out risk (notebook 01).

    Softmax regression fitted by ``cs551.risk.regularized_fit`` to the first m training
    digits, minimizing J(theta) + l2/2 ||theta||^2. Left: the ten weight templates
    (W's columns as 8 x 8 images, red positive, blue negative, one shared colour
    scale). Right: the training and held-out NLL and 0-1 loss. Each (m, l2) is fitted
    once (about 25-100 ms) and kept in memory.
    """

    SIZES = (20, 50, 100, 200, 400, 898)
    PENALTIES = (0.0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3)

    def __init__(self, m: int = 50, l2: float = 0.0):
        from matplotlib import colormaps

        from .data import digits
        from .risk import regularized_fit

        if m not in self.SIZES:
            raise ValueError(f"m must be one of {self.SIZES}, got {m!r}")
        if l2 not in self.PENALTIES:
            raise ValueError(f"l2 must be one of {self.PENALTIES}, got {l2!r}")
        self._split = digits(fractions=(0.5, 0.25, 0.25), seed=0)
        self._fit, self.fits = regularized_fit, {}
        style = {"description_width": "70px"}
        controls = {
            "m": widgets.SelectionSlider(options=self.SIZES, value=m, description="m",
                                         style=style),
            "l2": widgets.SelectionSlider(options=[(f"{v:g}", v) for v in self.PENALTIES],
                                          value=l2, description="l2 penalty", style=style),
        }
        fig = new_figure(figsize=(10.0, 3.6))
        grid = fig.add_gridspec(1, 3, width_ratios=(3.2, 1, 1))
        ax = fig.add_subplot(grid[0])
        # the ten 8 x 8 templates as one 2 x 5 mosaic (one image to redraw, not ten)
        cmap = colormaps["RdBu_r"].with_extremes(bad=(0, 0, 0, 0))  # gaps: transparent
        self.mosaic = ax.imshow(self._mosaic(np.zeros((64, 10))), cmap=cmap, vmin=-1, vmax=1)
        for digit in range(10):
            ax.text(9 * (digit % 5) + 3.5, 11 * (digit // 5) - 0.8, str(digit), ha="center",
                    fontsize="small")
        ax.set_axis_off()
        ax.set_title("weights W of each class (red > 0 > blue, clipped at ±1)",
                     fontsize="medium", pad=14)
        self.bars, self.labels, self.tops = [], [], []
        for column, (title, top) in enumerate([("NLL (surrogate)", 4.0), ("0-1 loss", 0.5)]):
            ax = fig.add_subplot(grid[1 + column])
            bars = ax.bar(["train", "held-out"], [0, 0], color=["C0", "C3"])
            self.bars += list(bars)
            self.tops += [top] * len(bars)
            self.labels += [ax.text(b.get_x() + b.get_width() / 2, 0, "", ha="center",
                                    va="bottom", fontsize="small") for b in bars]
            ax.set(ylim=(0, top), title=title)
        super().__init__(fig, controls, self._update,
                         animated=(self.mosaic, *self.bars, *self.labels),
                         title="training-set size and regularization on the digits")

    @staticmethod
    def _mosaic(weights: np.ndarray) -> np.ndarray:
        """W's ten columns as 8 x 8 tiles in 2 rows of 5, separated by NaN (transparent)."""
        tiles = np.full((19, 44), np.nan)
        for digit in range(10):
            row, col = 11 * (digit // 5), 9 * (digit % 5)
            tiles[row:row + 8, col:col + 8] = weights[:, digit].reshape(8, 8)
        return tiles

    def fit(self, m: int, l2: float):
        """The ``RegularizedFit`` for (m, l2), computed on first use."""
        if (m, l2) not in self.fits:
            self.fits[m, l2] = self._fit(m, l2, split=self._split)
        return self.fits[m, l2]

    def _update(self, m: int, l2: float) -> str:
        self.current = f = self.fit(m, l2)
        scale = np.abs(f.weights).max()
        self.mosaic.set_data(self._mosaic(f.weights))
        values = (f.train_loss, f.heldout_loss, f.train_error, f.heldout_error)
        for bar, label, value, top in zip(self.bars, self.labels, values, self.tops, strict=True):
            bar.set_height(min(value, top))
            label.set_position((label.get_position()[0], min(value, 0.9 * top)))
            label.set_text(f"{value:.3f}")
        return (f"m = {m} training digits, l2 = {l2:g}<br>"
                f"NLL: train {f.train_loss:.3f}, held-out {f.heldout_loss:.3f}<br>"
                f"0-1 loss: train {f.train_error:.3f}, held-out {f.heldout_error:.3f}<br>"
                f"largest |weight| {scale:.2f}")

    def summary(self) -> str:
        """The fit now shown, as plain text (what a notebook prints to pin it)."""
        f = self.current
        return (f"m = {f.m}, l2 = {f.l2:g}: NLL train {f.train_loss:.3f}, held-out "
                f"{f.heldout_loss:.3f}; 0-1 train {f.train_error:.3f}, held-out "
                f"{f.heldout_error:.3f}")
# (end of section: notebook 01)

# (end of section: notebook 02)

# --- notebooks 03-04: the local quadratic model, challenges ---
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
        from .quadratic_model import rotated_quadratic, rotation

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
        fig = new_figure(figsize=(10.0, 4.4), nrows=1, ncols=2,
                         gridspec_kw={"width_ratios": [1, 1.25]})
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.93, wspace=0.2)
        ax, ax_a = fig.axes
        ax.set(xlim=f.bounds[0], ylim=f.bounds[1], aspect="equal",
               xlabel="w₁", ylabel="w₂", title="gradient descent on the contours")
        half = (f.bounds[0][1] - f.bounds[0][0]) / 2
        self.contours = [ax.plot([], [], color="0.7", linewidth=0.8)[0] for _ in range(10)]
        ax.plot(*self.w_star, "k*", markersize=12)
        (self.path,) = ax.plot([], [], marker="o", markersize=3, linewidth=1, color="k")
        self.arrows = []  # the eigenvectors, drawn over the path
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
                         animated=(*self.contours, self.path, *self.arrows, *self.measured,
                                   *self.predicted),
                         title="gradient descent in the Hessian's eigenbasis")

    def _toggle_lr(self, change) -> None:
        self.controls["lr"].disabled = change["new"]

    def _update(self, lr: float, lambda_1: float, lambda_2: float, steps: int,
                best_lr: bool) -> str:
        from .quadratic_model import (
            best_learning_rate,
            best_rate,
            contraction_factors,
            convergence_rate,
            eigen_coordinates,
            predicted_coordinates,
            rotated_quadratic,
            stability_limit,
        )

        lambdas = np.array([lambda_1, lambda_2])
        eta = best_learning_rate(lambdas) if best_lr else lr
        f = rotated_quadratic(lambdas, self.angle, self.w_star, self.alpha0)
        run = minimize(SGD(eta), f, self.start, steps)
        alphas = eigen_coordinates(run.thetas, self.w_star, self.Q)  # alpha = Q^T (w - w*)
        predicted = predicted_coordinates(self.alpha0, lambdas, eta, self.max_steps)
        t = np.linspace(0, 2 * np.pi, 100)
        for line, s in zip(self.contours, np.geomspace(0.05, 2.0, len(self.contours)),
                           strict=True):
            # J - J(w*) = s^2 (J(w0) - J(w*)):  alpha_i = s sqrt(sum_j lambda_j a0_j^2 / lambda_i)
            radius = s * np.sqrt(np.sum(lambdas * self.alpha0**2) / lambdas)
            ellipse = self.w_star[:, None] + self.Q @ (radius[:, None] * [np.cos(t), np.sin(t)])
            line.set_data(*ellipse)
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
        s = self.state
        rows = [(f"1 − ηλ<sub>{i + 1}</sub> = {factors[i]:.3g}",
                 "<b>blows up</b>" if abs(factors[i]) > 1 else "decays") for i in range(2)]
        outcome = _outcome(run, f"J − J* = {run.value - f.value(self.w_star):.3g} after "
                                f"{run.steps} steps")
        return (f"η = {eta:.3g}: {_table(rows)}"
                f"stable iff η &lt; 2/λ<sub>max</sub> = {s['limit']:.3g}<br>"
                f"rate max|1 − ηλ| = {s['rate']:.3g}<br>"
                f"best η* = {s['eta*']:.3g}, rate (κ−1)/(κ+1) = {s['best rate']:.3g}<br>"
                f"{outcome}")

    def summary(self) -> str:
        """The run now shown, as plain text (what a notebook prints to pin it)."""
        s = self.state
        run = s["run"]
        outcome = f"diverged at step {run.steps}" if run.diverged else f"{run.steps} steps"
        return (f"eta = {s['lr']:.3g}, lambdas = ({s['lambdas'][0]:.3g}, {s['lambdas'][1]:.3g}): "
                f"1 - eta lambda_i = ({s['factors'][0]:.3g}, {s['factors'][1]:.3g}), {outcome}\n"
                f"rate {s['rate']:.3g}; 2/lambda_max = {s['limit']:.3g}; "
                f"eta* = {s['eta*']:.3g} with rate {s['best rate']:.3g}\n"
                f"measured alpha = (1 - eta lambda)^tau alpha0 to 1e-10: "
                f"{s['agreement'] < 1e-10}")
# (end of section: notebook 03)

class CliffExplorer(Explorer):
    """Gradient descent on ``objectives.Cliff``, with and without gradient clipping (notebook 04).

    Left: the landscape (a plateau, a cliff at theta_1 = 0, a bowl beyond) with both runs.
    Right: the length of each step ||theta_{k+1} - theta_k||, log scale, and the clipped
    runs' cap eps * max_norm. Slide "Cliffs": where the step lands on the cliff's edge the
    gradient is huge and the plain step catapults the parameters away; clipping keeps
    its direction and bounds its length.
    """

    def __init__(self, lr: float = 0.5, max_norm: float = 1.0, steps: int = 60,
                 start: tuple[float, float] | None = None):
        from .challenges import cliff_runs

        self.objective, self._runs = Cliff(), cliff_runs
        self.runs: dict[str, Trajectory] = {}
        x0, y0 = self.objective.start if start is None else start
        (x_low, x_high), (y_low, y_high) = self.objective.bounds
        controls = {
            "lr": _slider("lr", lr, 0.02, 2.0, log=True),
            "max_norm": _slider("max ‖g‖", max_norm, 0.1, 30.0, log=True),
            "steps": _slider("steps", steps, 1, 200, integer=True),
            "x0": _slider("x0", x0, x_low, 0.0),
            "y0": _slider("y0", y0, y_low, y_high),
        }
        # no constrained layout: it measures every contour line (over a second); fixed margins
        fig = new_figure(figsize=(10.5, 4.0), nrows=1, ncols=2,
                         gridspec_kw={"width_ratios": [1.6, 1]})
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.92, wspace=0.22)
        ax, ax_step = fig.axes
        draw_contours(ax, self.objective)
        ax.axvline(0, color="0.5", linestyle=":", linewidth=1)
        ax.set_title("cliff: plateau, edge at $\\theta_1 = 0$, bowl")
        colors = {"no clipping": "C3", "clipped": "C0"}
        self.lines = {label: ax.plot([], [], marker="o", markersize=3, linewidth=1.2,
                                     color=color, label=label)[0]
                      for label, color in colors.items()}
        (self.start_marker,) = ax.plot([], [], marker="o", markersize=9, markerfacecolor="none",
                                       color="k", linestyle="none")
        ax.legend(loc="upper right", fontsize="small")
        self.step_lines = {label: ax_step.plot([], [], marker="o", markersize=3, color=color,
                                               label=label)[0]
                           for label, color in colors.items()}
        (self.cap,) = ax_step.plot([], [], "k--", linewidth=1, label=r"cap $\epsilon\,$max‖g‖")
        ax_step.set(yscale="log", xlim=(0, 200), ylim=(1e-4, 1e2), xlabel="step $k$",
                    ylabel=r"$\|\theta_{k+1} - \theta_k\|$", title="step lengths")
        ax_step.legend(loc="upper right", fontsize="small")
        super().__init__(fig, controls, self._update,
                         animated=(*self.lines.values(), self.start_marker,
                                   *self.step_lines.values(), self.cap),
                         title="gradient descent on a cliff, with and without clipping")

    def _update(self, lr: float, max_norm: float, steps: int, x0: float, y0: float) -> str:
        from .challenges import longest_step

        plain, clipped = self._runs(lr, max_norm, steps, (x0, y0), self.objective).values()
        self.runs = {"no clipping": plain, "clipped": clipped}
        rows = []
        for label, run in self.runs.items():
            self.lines[label].set_data(run.thetas[:, 0], run.thetas[:, 1])
            lengths = np.linalg.norm(np.diff(run.thetas, axis=0), axis=1)
            self.step_lines[label].set_data(np.arange(len(lengths)), lengths)
            end = "diverged" if run.diverged else f"f = {run.value:.3g}"
            rows.append((label, f"longest step {longest_step(run):.3g}", end))
        self.start_marker.set_data([x0], [y0])
        self.cap.set_data([0, 200], [lr * max_norm] * 2)
        return _table(rows)

    def summary(self) -> str:
        """The runs now shown, as plain text (what a notebook prints to pin them)."""
        from .challenges import longest_step

        lines = []
        for label, run in self.runs.items():
            end = "diverged" if run.diverged else f"f = {run.value:.3g}"
            lines.append(f"{label}: longest step {longest_step(run):.3g}, "
                         f"ends at ({run.theta[0]:.2f}, {run.theta[1]:.2f}), {end}")
        return "\n".join(lines)
# (end of section: notebook 04)

# --- notebooks 05-07: SGD, momentum, initialization ---
class SGDExplorer(Explorer):
    """SGD on two-parameter least squares: learning rate, schedule and batch size (notebook 05).

    Left: contours of J(theta) = 1/(2m) sum_i (x_i^T theta - y_i)^2 and the SGD path.
    Right: ||theta_k - theta*||^2 against k, with the noise ball that first-order theory
    predicts for the final eps, (eps / 2) tr(H^-1 Sigma_B) (``cs551.sgd.first_order_msd``).
    Schedules: ``constant`` eps; ``linear decay`` to eps_tau = eps_0 / 100 at tau = steps / 2
    (``cs551.optim.linear_decay``); ``1/k``, eps_0 / (1 + k / k0) with
    k0 = 1 / (eps_0 lambda_min) (``cs551.optim.inverse_decay``).
    """

    SCHEDULES = ("constant", "linear decay", "1/k")
    BATCH_SIZES = (1, 2, 5, 10, 20, 50, 100, 200)

    def __init__(self, lr: float = 0.2, schedule: str = "constant", batch_size: int = 1,
                 steps: int = 300, max_steps: int = 600, seed: int = 0):
        from matplotlib.ticker import NullLocator

        from .data import linear_regression_data

        if schedule not in self.SCHEDULES:
            raise ValueError(f"schedule must be one of {self.SCHEDULES}, got {schedule!r}")
        if batch_size not in self.BATCH_SIZES:
            raise ValueError(f"batch_size must be one of {self.BATCH_SIZES}, got {batch_size!r}")
        check.in_interval("lr", lr, 0.001, 3)
        max_steps = check.positive_int("max_steps", max_steps)
        if not 1 <= check.positive_int("steps", steps) <= max_steps:
            raise ValueError(f"steps must be in [1, {max_steps}], got {steps!r}")
        X, y, _ = linear_regression_data(m=200, d=2, noise=1.0, seed=seed, scales=(1.0, 0.6))
        self.objective = LeastSquares(X, y, batch_size=batch_size, seed=seed)
        self.theta_star = self.objective.minimizer
        self.H = X.T @ X / len(X)
        self.lam_min = float(np.linalg.eigvalsh(self.H)[0])
        self.start = self.theta_star + np.array([-1.6, 1.2])
        self._covariances: dict[int, np.ndarray] = {}
        self.thetas = np.empty((0, 2))  # the iterates now shown
        self.result: dict = {}
        style = {"description_width": "70px"}
        controls = {
            "lr": _slider("lr ε₀", lr, 1e-3, 3.0, log=True),
            "schedule": widgets.Dropdown(options=self.SCHEDULES, value=schedule,
                                         description="schedule", style=style),
            "batch_size": widgets.SelectionSlider(options=self.BATCH_SIZES, value=batch_size,
                                                  description="batch size", style=style),
            "steps": _slider("steps", steps, 1, max_steps, integer=True),
        }
        fig = new_figure(figsize=(10.0, 4.2), dpi=80, nrows=1, ncols=2)  # no constrained layout
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.92, wspace=0.25)
        self.ax_path, self.ax_dist = fig.axes
        c = self.theta_star
        # J(theta) = J* + 1/2 (theta - theta*)^T H (theta - theta*) exactly: the quadratic has
        # the same contours and is far cheaper on a 200 x 200 grid than summing 200 examples
        model = Quadratic(self.H, self.H @ c)
        draw_contours(self.ax_path, model, ((c[0] - 2, c[0] + 2), (c[1] - 2, c[1] + 2)))
        self.ax_path.set_title("least squares, SGD path")
        (self.path,) = self.ax_path.plot([], [], marker="o", markersize=2, linewidth=0.8,
                                         color="C3")
        self.ax_path.plot(*self.start, marker="o", markersize=9, markerfacecolor="none",
                          color="k", linestyle="none")
        (self.distance,) = self.ax_dist.plot([], [], color="C0", linewidth=1,
                                             label=r"$\|\theta_k - \theta^*\|^2$")
        (self.ball,) = self.ax_dist.plot([], [], "--", color="C2", linewidth=1.5,
                                         label=r"noise ball of the final $\epsilon$ (1st order)")
        self.ax_dist.set(yscale="log", ylim=(1e-6, 30), xlim=(0, max_steps), xlabel="step $k$",
                         title="distance to the minimum")
        self.ax_dist.yaxis.set_minor_locator(NullLocator())  # fewer ticks: a faster first draw
        self.ax_dist.legend(loc="upper right", fontsize="small")
        super().__init__(fig, controls, self._update,
                         animated=(self.path, self.distance, self.ball),
                         title="SGD: learning rate, schedule and batch size")

    def schedule(self, lr: float, schedule: str, steps: int):
        """The schedule k -> eps_k that the controls describe."""

        if schedule == "linear decay":
            return linear_decay(lr, lr / 100, tau=max(1, steps // 2))  # eps_tau = 1% of eps_0
        if schedule == "1/k":
            return inverse_decay(lr, k0=1 / (lr * self.lam_min))  # 2 eps_0 k0 lambda_min = 2 > 1
        return lr

    def predicted_ball(self, lr: float, batch_size: int) -> float:
        """(eps / 2) tr(H^-1 Sigma_B): the first-order E||theta - theta*||^2 of constant eps."""
        from .sgd import first_order_msd, gradient_covariance

        if batch_size not in self._covariances:
            self._covariances[batch_size] = gradient_covariance(
                self.objective, self.theta_star, batch_size)
        return first_order_msd(self.H, self._covariances[batch_size], lr)

    def _update(self, lr: float, schedule: str, batch_size: int, steps: int) -> str:
        from .sgd import iterates

        self.objective.batch_size = None if batch_size == self.objective.m else batch_size
        eps = self.schedule(lr, schedule, steps)
        thetas, diverged = iterates(SGD(eps), self.objective, self.start, steps)
        self.thetas = thetas
        d2 = np.sum((thetas - self.theta_star) ** 2, axis=1)
        self.path.set_data(thetas[:, 0], thetas[:, 1])
        self.distance.set_data(np.arange(len(d2)), d2)
        final_lr = eps(steps - 1) if callable(eps) else eps
        ball = self.predicted_ball(final_lr, batch_size)
        self.ball.set_data([0, steps], [ball, ball])
        tail = d2[len(d2) * 3 // 4:]
        self.result = {"lr": lr, "schedule": schedule, "batch_size": batch_size,
                       "steps": len(thetas) - 1, "diverged": diverged, "final_lr": final_lr,
                       "last_quarter": float(np.mean(tail)), "predicted": ball,
                       "examples": self.objective.examples_seen}
        r = self.result
        if r["diverged"]:
            return f"<b>diverged</b> at step {len(thetas)}: lower ε₀"
        return (f"ε at the last step: {final_lr:.3g}<br>"
                f"mean ‖θ − θ*‖² over the last quarter: {r['last_quarter']:.3g}<br>"
                f"first-order noise ball of that ε: {ball:.3g}<br>"
                f"examples processed: {r['examples']} "
                f"({r['examples'] / self.objective.m:.3g} passes)")

    def summary(self) -> str:
        """What the explorer now shows, as plain text (what a notebook prints to pin it)."""
        r = self.result
        head = f"{r['schedule']}, lr {r['lr']:.3g}, batch {r['batch_size']}, {r['steps']} steps"
        if r["diverged"]:
            return head + ": diverged"
        return (head + f": final eps {r['final_lr']:.3g}, mean |theta - theta*|^2 over the last "
                f"quarter {r['last_quarter']:.3g} (first-order ball {r['predicted']:.3g})")


# (end of section: notebook 05)


class MomentumExplorer(Explorer):
    """Gradient descent, momentum and Nesterov side by side, sliders eps and alpha (notebook 06).

    Left: the three trajectories on a 2-D landscape. Right: f(theta_k) - f* on a log
    scale, with the tolerance ``tol`` as a dotted line. The status line gives each
    run's steps to ``tol``, the momentum speed-up 1 / (1 - alpha) and, on a
    ``Quadratic``, each method's predicted rate per step (``cs551.momentum.predicted_rate``).
    """

    def __init__(self, objective: Objective, lr: float = 1.0, momentum: float = 0.9,
                 steps: int = 150, max_steps: int = 400, tol: float = 1e-6):
        from matplotlib.ticker import LogLocator

        from . import momentum as mom

        _check_landscape(objective)
        self._mom, self.objective, self.tol = mom, objective, tol
        self.quadratic = isinstance(objective, Quadratic)
        self.f_star = 0.0 if objective.minimizer is None else float(
            objective.value(objective.minimizer))
        self.trajectories: dict[str, Trajectory] = {}
        self.settings: dict[str, float] = {}
        controls = {"lr": _hyper_slider("lr", lr), "momentum": _hyper_slider("momentum", momentum),
                    "steps": _slider("steps", steps, 1, max_steps, integer=True)}
        # fixed margins: constrained layout would double the cost of the first draw
        fig = new_figure(figsize=(10.0, 4.2), nrows=1, ncols=2)
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
        for i, label in enumerate(mom.METHODS):
            (self.paths[label],) = ax.plot([], [], marker="o", markersize=2, linewidth=1.0,
                                           color=f"C{i}", label=label)
            (self.curves[label],) = ax_f.plot([], [], color=f"C{i}", label=label)
        ax.legend(loc="upper right", fontsize="small")
        ax_f.legend(loc="upper right", fontsize="small")
        super().__init__(fig, controls, self._update,
                         animated=(*self.paths.values(), *self.curves.values()),
                         title=f"gradient descent, momentum and Nesterov on {objective.name}")

    def _update(self, lr: float, momentum: float, steps: int) -> str:
        self.settings = {"lr": lr, "momentum": momentum, "steps": steps}
        for label, optimizer in self._mom.three_methods(lr, momentum).items():
            run = minimize(optimizer, self.objective, self.objective.start, steps)
            self.trajectories[label] = run
            self.paths[label].set_data(run.thetas[:, 0], run.thetas[:, 1])
            gap = run.values - self.f_star
            k = np.arange(len(gap))
            self.curves[label].set_data(k[gap > 0], gap[gap > 0])
        rows = []
        for label, k in self.steps_to_tolerance().items():
            run = self.trajectories[label]
            outcome = _outcome(run, f"f − f* ≤ {self.tol:g} at step {k}" if k is not None
                               else f"f − f* = {run.value - self.f_star:.2g}")
            if self.quadratic:
                rate = self._mom.predicted_rate(label, lr, momentum, self.objective.eigenvalues)
                outcome += f" (rate {rate:.3f})"
            rows.append((label, outcome))
        return f"momentum speed-up 1/(1 − α) = {1 / (1 - momentum):.3g}{_table(rows)}"

    def steps_to_tolerance(self) -> dict[str, int | None]:
        """For each method shown: the first step with f - f* <= tol (None if not reached)."""
        out = {}
        for label, run in self.trajectories.items():
            reached = np.flatnonzero(run.values - self.f_star <= self.tol)
            out[label] = int(reached[0]) if len(reached) and not run.diverged else None
        return out

    def summary(self) -> str:
        """The runs now shown, as plain text (what a notebook prints to pin them)."""
        s = self.settings
        lines = [f"lr = {s['lr']:.3g}, momentum = {s['momentum']:.3g}, {s['steps']} steps"]
        for label, k in self.steps_to_tolerance().items():
            run = self.trajectories[label]
            end = ("diverged" if run.diverged else f"f - f* <= {self.tol:g} at step {k}"
                   if k is not None else f"f - f* = {run.value - self.f_star:.2g}")
            lines.append(f"  {label}: {end}")
        return "\n".join(lines)
# (end of section: notebook 06)


class InitExplorer(Explorer):
    """Depth, initial scale and activation against the signal's size, layer by layer (notebook 07).

    Left: std of the pre-activations z_l; right: std of the backpropagated dJ/dz_l,
    both measured by ``cs551.initialization.signal_stds`` (inputs and top gradient
    N(0, 1), square layers of ``width`` units), on a fixed log scale. Dashed: the
    prediction Var(z_l) = n sigma_w^2 r^(l-1) with r = ``predicted_ratio`` (for tanh an
    upper bound: it saturates). Values outside 1e-12 .. 1e12 are drawn at the edge.
    """

    LIMITS = (1e-12, 1e12)

    def __init__(self, depth: int = 10, scheme: str = "He", activation: str = "relu",
                 width: int = 64, max_depth: int = 30):
        from . import initialization as init

        self._init, self.width = init, _check_width(width)
        self.stats = None
        style = {"description_width": "70px"}
        controls = {
            "depth": widgets.IntSlider(value=depth, min=1, max=max_depth, description="depth",
                                       style=style),
            "scheme": widgets.ToggleButtons(options=list(init.SCHEMES), value=scheme,
                                            description="init", style=style),
            "activation": widgets.ToggleButtons(options=["relu", "tanh"], value=activation,
                                                description="activation", style=style),
        }
        fig = new_figure(figsize=(10.0, 3.8), nrows=1, ncols=2, sharey=True)
        fig.subplots_adjust(left=0.08, right=0.985, bottom=0.13, top=0.92, wspace=0.06)
        ax_f, ax_b = fig.axes
        self.measured, self.predicted = [], []
        for ax, title in ((ax_f, "forward: std of $z_l$"),
                          (ax_b, r"backward: std of $\partial J/\partial z_l$")):
            ax.set(yscale="log", xlim=(0.5, max_depth + 0.5), ylim=self.LIMITS,
                   xlabel="layer $l$", title=title)
            ax.axhline(1.0, color="0.6", linewidth=0.8)
            (line,) = ax.plot([], [], marker="o", markersize=3, color="C0", label="measured")
            (pred,) = ax.plot([], [], linestyle="--", color="C3", label="predicted")
            self.measured.append(line)
            self.predicted.append(pred)
        ax_f.set_ylabel("standard deviation")
        ax_f.legend(loc="lower left", fontsize="small")
        super().__init__(fig, controls, self._update,
                         animated=(*self.measured, *self.predicted),
                         title="initial scale through depth")

    def _update(self, depth: int, scheme: str, activation: str) -> str:
        init = self._init
        s = init.signal_stds(depth, self.width, activation, scheme, samples=100)
        self.stats = s
        ratio = init.predicted_ratio(activation, scheme, self.width)
        sigma2 = init.SCHEMES[scheme](self.width, self.width) ** 2
        layers = np.arange(1, depth + 1)
        with np.errstate(over="ignore", under="ignore"):
            forward = np.sqrt(self.width * sigma2 * ratio ** (layers - 1.0))  # std of z_l
            backward = np.sqrt(ratio ** (depth - layers + 0.0))  # std of dJ/dz_l
        low, high = self.LIMITS
        for line, values in zip(self.measured, (s.forward, s.backward), strict=True):
            line.set_data(layers, np.clip(np.nan_to_num(values, nan=high), low, high))
        for line, values in zip(self.predicted, (forward, backward), strict=True):
            line.set_data(layers, np.clip(values, low, high))
        return (f"σ_w = {np.sqrt(sigma2):.3g}, n σ_w² = {self.width * sigma2:.3g}<br>"
                f"predicted ratio Var(z<sub>l+1</sub>)/Var(z<sub>l</sub>) = {ratio:.3g}"
                f"{' (upper bound for tanh)' if activation == 'tanh' else ''}<br>"
                f"std of z at layer 1: {s.forward[0]:.3g}, at layer {depth}: {s.forward[-1]:.3g}"
                f"<br>std of ∂J/∂z at layer 1: {s.backward[0]:.3g}")

    def summary(self) -> str:
        """The run now shown, as plain text (what a notebook prints to pin it)."""
        s = self.stats
        return (f"{s.activation}, {s.scheme} init, depth {s.depth}, width {s.width}: std of z "
                f"{s.forward[0]:.3g} (layer 1) -> {s.forward[-1]:.3g} (layer {s.depth}); "
                f"std of dJ/dz {s.backward[-1]:.3g} (layer {s.depth}) -> {s.backward[0]:.3g} "
                f"(layer 1)")


def _check_width(width: int) -> int:
    """The width of ``InitExplorer``'s layers: 2 .. 256."""
    if isinstance(width, bool) or not isinstance(width, int) or not 2 <= width <= 256:
        raise ValueError(f"width must be an integer in [2, 256], got {width!r}")
    return width
# (end of section: notebook 07)

# --- notebooks 08-09: adaptive learning rates, Newton's method ---
class AdaptiveExplorer(Explorer):
    """AdaGrad, RMSProp and RMSProp with Nesterov against gradient descent (notebook 08).

    Left: the runs on a 2-D landscape (``LANDSCAPES``: an ill-conditioned quadratic,
    Rosenbrock, the saddle). Right: the effective rates eps / (delta + sqrt(r)) (AdaGrad)
    and eps / sqrt(delta + r) (RMSProp) of theta_1 (solid) and theta_2 (dashed), with
    gradient descent's single rate dotted. Controls: the landscape, the adaptive methods'
    global rate eps (``lr``), RMSProp's decay ``rho`` and the number of steps. Gradient
    descent keeps a rate that suits each landscape (``GD_RATES``).
    """

    LANDSCAPES = ("ill-conditioned quadratic", "Rosenbrock", "saddle")
    GD_RATES = {"ill-conditioned quadratic": 1.9, "Rosenbrock": 1.5e-3, "saddle": 0.1}
    METHODS = ("gradient descent", "AdaGrad", "RMSProp", "RMSProp + Nesterov")

    def __init__(self, landscape: str = "ill-conditioned quadratic", lr: float = 0.1,
                 rho: float = 0.9, steps: int = 100, max_steps: int = 400):
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
        style = {"description_width": "70px"}
        controls = {
            "landscape": widgets.Dropdown(options=self.LANDSCAPES, value=landscape,
                                          description="landscape", style=style),
            "lr": _slider("lr ε", lr, 1e-3, 1.0, log=True),
            "rho": _slider("rho ρ", rho, 0.0, 0.999),
            "steps": _slider("steps", steps, 1, max_steps, integer=True),
        }
        fig = new_figure(figsize=(10.0, 4.2), dpi=80, nrows=1, ncols=2)
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.92, wspace=0.22)
        self.ax_path, self.ax_rate = fig.axes
        self.paths = {m: self.ax_path.plot([], [], marker="o", markersize=2, linewidth=1,
                                           color=f"C{i}", label=m)[0]
                      for i, m in enumerate(self.METHODS)}
        self.rates = {}
        for i, method in enumerate(self.METHODS[1:3], start=1):
            for c, style_ in enumerate(("-", "--")):
                (self.rates[method, c],) = self.ax_rate.plot(
                    [], [], color=f"C{i}", linestyle=style_,
                    label=rf"{method}, $\theta_{c + 1}$")
        (self.gd_rate,) = self.ax_rate.plot([], [], color="C0", linestyle=":",
                                            label="gradient descent (both)")
        self.ax_rate.set(yscale="log", ylim=(1e-4, 1e4), xlim=(1, max_steps), xlabel="step $k$",
                         ylabel=r"effective rate $\epsilon_{\mathrm{eff}}$",
                         title="each parameter's learning rate")
        self.ax_rate.legend(loc="upper left", fontsize="x-small", ncol=2)
        self._landscape, self._background_artists = None, []
        animated = (*self.paths.values(), *self.rates.values(), self.gd_rate)
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

    def _update(self, landscape: str, lr: float, rho: float, steps: int) -> str:
        from .adaptive import record

        if landscape != self._landscape:
            self._set_landscape(landscape)
        f = self.objectives[landscape]
        gd_lr = self.GD_RATES[landscape]
        self.runs = {"gradient descent": minimize(SGD(gd_lr), f, f.start, steps)}
        for method, opt in (("AdaGrad", AdaGrad(lr)), ("RMSProp", RMSProp(lr, rho)),
                            ("RMSProp + Nesterov", RMSPropNesterov(lr, rho, momentum=0.9))):
            self.runs[method] = record(opt, f, f.start, steps)
        rows = []
        for method, run in self.runs.items():
            self.paths[method].set_data(run.thetas[:, 0], run.thetas[:, 1])
            rows.append((method, _outcome(run, f"f = {run.value:.3g}")))
        for (method, c), line in self.rates.items():
            rates = self.runs[method].rates
            line.set_data(np.arange(1, len(rates) + 1), rates[:, c])
        self.gd_rate.set_data([1, steps], [gd_lr, gd_lr])
        return f"gradient descent: lr = {gd_lr:g}; adaptive methods: lr = {lr:.3g}{_table(rows)}"

    def summary(self) -> str:
        """The runs now shown, as plain text (what a notebook prints to pin them)."""
        lines = [f"{self.values['landscape']}, lr = {self.values['lr']:.3g}, "
                 f"rho = {self.values['rho']:.3g}, {self.values['steps']} steps:"]
        for method, run in self.runs.items():
            # RMSProp rattles across a valley, chaotically: print only the digits that every
            # machine's round-off agrees on
            end = "diverged" if run.diverged else f"f = {run.value:.2g}"
            lines.append(f"  {method}: {end}, theta = {np.round(run.theta, 1) + 0.0}")
        return "\n".join(lines)


# (end of section: notebook 08)

# (end of section: notebook 09)

# --- notebook 10: batch normalization ---


class BatchNormExplorer(Explorer):
    """Training loss of a deep ReLU MLP on the digits, plain and with BN (notebook 10).

    Controls: the number of hidden layers and the learning rate, on a few fixed
    values, so every run is cached by (depth, lr): the first visit of a pair trains
    two small networks (``cs551.batchnorm.train_on_digits``), a revisit only redraws.
    ``runs`` pre-fills the cache, e.g. with ``compare_learning_rates``'s result.

    >>> BatchNormExplorer(depth=6, lr=1.0, steps=150)
    """

    DEPTHS = (2, 4, 6, 8)
    LRS = (0.03, 0.1, 0.3, 1.0, 3.0)
    YLIM = (0.01, 30.0)

    def __init__(self, depth: int = 6, lr: float = 1.0, steps: int = 150,
                 runs: Mapping | None = None):
        from matplotlib.ticker import NullFormatter

        from .batchnorm import train_on_digits

        if depth not in self.DEPTHS:
            raise ValueError(f"depth must be one of {self.DEPTHS}, got {depth!r}")
        if lr not in self.LRS:
            raise ValueError(f"lr must be one of {self.LRS}, got {lr!r}")
        self._train = train_on_digits
        self.steps = int(steps)
        self.cache: dict[tuple, object] = {}
        for run in (runs or {}).values():
            if run.steps == self.steps:
                self.cache[run.depth, run.lr, run.batchnorm] = run
        self.shown: dict[bool, object] = {}
        style = {"description_width": "110px"}
        controls = {
            "depth": widgets.SelectionSlider(options=self.DEPTHS, value=depth, style=style,
                                             description="hidden layers"),
            "lr": widgets.SelectionSlider(options=self.LRS, value=lr, style=style,
                                          description="learning rate ε"),
        }
        fig = new_figure(figsize=(6.4, 4.0))
        ax = fig.add_subplot()
        ax.set(yscale="log", xlim=(0, self.steps), ylim=self.YLIM, xlabel="step",
               ylabel="training loss", title="SGD on the digits: plain vs batch norm")
        ax.yaxis.set_minor_formatter(NullFormatter())  # unlabelled minor ticks: a faster draw
        ax.grid(True, which="major", alpha=0.3)

        self.lines = {bn: ax.plot([], [], **BN_STYLES[bn])[0] for bn in (False, True)}
        self.crosses = {bn: ax.plot([], [], marker="x", markersize=10, markeredgewidth=2,
                                    linestyle="none", color=BN_STYLES[bn]["color"])[0]
                        for bn in (False, True)}
        ax.legend(loc="lower left", fontsize="small")
        super().__init__(fig, controls, self._show,
                         animated=(*self.lines.values(), *self.crosses.values()),
                         title="batch norm: loss curves by depth and learning rate")

    def run(self, depth: int, lr: float, batchnorm: bool):
        """The cached run for (depth, lr, batchnorm), trained on first use."""
        key = (depth, float(lr), batchnorm)
        if key not in self.cache:
            self.cache[key] = self._train(depth, lr, batchnorm, steps=self.steps)
        return self.cache[key]

    def _show(self, depth: int, lr: float) -> str:
        rows = []
        for bn in (False, True):
            run = self.shown[bn] = self.run(depth, lr, bn)
            h = run.history
            loss = np.clip(h.train_loss, *self.YLIM)
            self.lines[bn].set_data(h.steps, loss)
            self.crosses[bn].set_data(h.steps[-1:] if h.diverged else [],
                                      loss[-1:] if h.diverged else [])
            rows.append(("with BN" if bn else "plain", run.outcome()))
        return f"<b>{depth} hidden layers, ε = {lr:g}</b>{_table(rows)}"

    def summary(self) -> str:
        """The two runs now shown, as plain text (what a notebook prints to pin them)."""
        first = self.shown[False]
        return (f"{first.depth} hidden layers, lr = {first.lr:g}, {self.steps} steps\n"
                + "\n".join(f"{'with BN' if bn else 'plain'}: {run.outcome()}"
                            for bn, run in self.shown.items()))


# (end of section: notebook 10)

# --- notebook 11: exact line search ---


def _right_angle_marks(thetas: np.ndarray, turns: int = 8) -> np.ndarray:
    """Small square corners at the first ``turns`` iterates where the path turns."""
    corners = []
    for k in range(1, min(len(thetas) - 1, turns + 1)):
        incoming, outgoing = thetas[k] - thetas[k - 1], thetas[k + 1] - thetas[k]
        lengths = np.linalg.norm(incoming), np.linalg.norm(outgoing)
        if min(lengths) < 1e-3:
            break
        u_in, u_out = incoming / lengths[0], outgoing / lengths[1]
        side = 0.3 * min(*lengths, 0.25)
        p1 = thetas[k] - side * u_in
        corners += [p1, p1 + side * u_out, thetas[k] + side * u_out, [np.nan, np.nan]]
    return np.array(corners).reshape(-1, 2)


class LineSearchExplorer(Explorer):
    """The exercise's explorer: f = 1/2 (x^2 + b y^2), gradient descent with exact line search.

    Left: the contours (ellipses with axes ratio 1 : 1/sqrt(b)), the zig-zag path and a
    square mark at each turn (consecutive steps meet at right angles). Right: f(theta_k)
    on a log scale, with the closed-form rate f(theta_0) rho^(2k), rho = (1 - b)/(1 + b),
    which the path follows exactly from the exercise's start (b, 1) and is a bound from
    any other start. Controls: b, the start point (or the exercise's start), the number of
    iterations.
    """

    LIMIT = 1.1

    def __init__(self, b: float = 0.25, steps: int = 20, max_steps: int = 60):
        from .linesearch import ExactLineSearch, consecutive_gradient_cosines

        self._optimizer, self._cosines = ExactLineSearch(), consecutive_gradient_cosines
        self.run: Trajectory | None = None
        self.b = b
        style = {"description_width": "90px"}
        controls = {
            "b": widgets.FloatSlider(value=b, min=0.05, max=1.0, step=0.01, description="b",
                                     readout_format=".2f", style=style),
            "steps": widgets.IntSlider(value=steps, min=1, max=max_steps, description="iterations",
                                       style=style),
            "exercise_start": widgets.Checkbox(value=True, description="start at (b, 1)",
                                               style=style),
            "x0": widgets.FloatSlider(value=b, min=-1.0, max=1.0, step=0.01, description="x0",
                                      disabled=True, style=style),
            "y0": widgets.FloatSlider(value=1.0, min=-1.0, max=1.0, step=0.01, description="y0",
                                      disabled=True, style=style),
        }
        fig = new_figure(figsize=(10.0, 4.2))
        ax, ax_f = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
        ax.set(xlim=(-self.LIMIT, self.LIMIT), ylim=(-self.LIMIT, self.LIMIT), aspect="equal",
               xlabel="$x$", ylabel="$y$",
               title=r"$f = \frac{1}{2}(x^2 + b y^2)$, exact line search")
        self.contours = [ax.plot([], [], color="0.75", linewidth=0.8)[0] for _ in range(12)]
        (self.path,) = ax.plot([], [], marker="o", markersize=3, color="C0", label="iterates")
        (self.corners,) = ax.plot([], [], color="C3", linewidth=1.0, label="right angles")
        (self.start_marker,) = ax.plot([], [], marker="o", markersize=9, markerfacecolor="none",
                                       color="k", linestyle="none")
        ax.legend(loc="lower right", fontsize="small")
        ax_f.set(yscale="log", xlim=(0, max_steps), ylim=(1e-20, 2.0), xlabel="iteration $k$",
                 ylabel=r"$f(\theta_k)$", title="value against the closed-form rate")
        (self.value_line,) = ax_f.plot([], [], marker="o", markersize=3, linestyle="none",
                                   color="C0", label=r"$f(\theta_k)$ measured")
        (self.rate,) = ax_f.plot([], [], color="C1", label=r"$f(\theta_0)\,\rho^{2k}$")
        ax_f.legend(loc="upper right", fontsize="small")
        controls["exercise_start"].observe(self._toggle_start, names="value")
        super().__init__(fig, controls, self._draw_run,
                         animated=(*self.contours, self.path, self.corners, self.start_marker,
                                   self.value_line, self.rate),
                         title="exact line search on f = (x² + b y²)/2")

    def _toggle_start(self, change) -> None:
        for name in ("x0", "y0"):
            self.controls[name].disabled = change["new"]

    def _draw_run(self, b: float, steps: int, exercise_start: bool, x0: float,
                  y0: float) -> str:
        start = np.array([b, 1.0]) if exercise_start else np.array([x0, y0])
        f = Quadratic(np.diag([1.0, b]))
        self.b, self.run = b, minimize(self._optimizer, f, start, steps)
        thetas = self.run.thetas
        t = np.linspace(0, 2 * np.pi, 120)
        for line, s in zip(self.contours, np.geomspace(0.03, 1.5, len(self.contours)),
                           strict=True):
            line.set_data(np.sqrt(b) * s * np.cos(t), s * np.sin(t))  # f = b s^2 / 2
        self.path.set_data(thetas[:, 0], thetas[:, 1])
        self.corners.set_data(*_right_angle_marks(thetas).T)
        self.start_marker.set_data([start[0]], [start[1]])
        ks = np.arange(len(thetas))
        positive = self.run.values > 0
        self.value_line.set_data(ks[positive], self.run.values[positive])
        rho = (1 - b) / (1 + b)
        self.rate.set_data(ks, self.run.values[0] * rho ** (2 * ks))
        cosines = self._cosines(f, thetas)
        worst = np.max(np.abs(cosines)) if len(cosines) else 0.0
        return (f"ρ = (1 − b)/(1 + b) = {rho:.4f}<br>"
                f"α₀ = {(1 - (thetas[1, 0] / thetas[0, 0])) if thetas[0, 0] else np.nan:.4f}"
                f" (2/(1 + b) = {2 / (1 + b):.4f})<br>"
                f"max |cos(∇f_k, ∇f_k+1)| = {worst:.1e}<br>"
                f"f after {self.run.steps} steps: {self.run.value:.3e}")

    def summary(self) -> str:
        """The run now shown, as plain text (what a notebook prints to pin it)."""
        run, rho = self.run, (1 - self.b) / (1 + self.b)
        measured = run.values[1:] / run.values[:-1] if run.values[-1] > 0 else np.array([0.0])
        return (f"b = {self.b:.2f}, start = ({run.thetas[0, 0]:.2f}, {run.thetas[0, 1]:.2f}), "
                f"{run.steps} iterations\n"
                f"f(theta_k+1) / f(theta_k): {measured.min():.6f} to {measured.max():.6f} "
                f"(rho^2 = {rho**2:.6f})\n"
                f"f after {run.steps} iterations: {run.value:.3e}")
# (end of section: notebook 11)
