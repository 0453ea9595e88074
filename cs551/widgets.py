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
from collections.abc import Callable, Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .objectives import Objective
from .optim import Trajectory, minimize
from .plots import draw_contours


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
        if objective.dim != 2 or objective.bounds is None:
            raise ValueError(f"objective must be a 2-D landscape with bounds, got {objective!r}")
        unknown = set(hyperparameters) - set(HYPERPARAMETERS)
        if unknown:
            raise ValueError(f"hyperparameters must be among {sorted(HYPERPARAMETERS)}, "
                             f"got {sorted(unknown)}")
        self.objective, self.factories = objective, dict(optimizers)
        self.trajectories: dict[str, Trajectory] = {}

        controls = {}
        for name, (low, high, log) in HYPERPARAMETERS.items():
            takers = [_parameters(f)[name] for f in optimizers.values() if name in _parameters(f)]
            if name in hyperparameters and takers:
                controls[name] = _slider(name, hyperparameters[name], low, high, log=log)
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
            outcome = (f"<b>diverged</b> at step {run.steps}" if run.diverged
                       else f"f = {run.value:.3g} after {run.steps} steps")
            rows.append(f"<tr><td>{label}</td><td>{outcome}</td></tr>")
        self.start_marker.set_data([x0], [y0])
        return "<table>" + "".join(rows) + "</table>"

    def summary(self) -> str:
        """The runs now shown, as plain text (what a notebook prints to pin them)."""
        lines = []
        for label, run in self.trajectories.items():
            end = "diverged" if run.diverged else f"f = {run.value:.4g}"
            lines.append(f"{label}: {run.steps} steps, {end}")
        return "\n".join(lines)


# --- notebooks 01-02: learning vs optimization, minibatches ---
# (end of section: notebooks 01-02)

# --- notebooks 03-04: the local quadratic model, challenges ---
# (end of section: notebooks 03-04)

# --- notebooks 05-07: SGD, momentum, initialization ---
# (end of section: notebooks 05-07)

# --- notebooks 08-09: adaptive learning rates, Newton's method ---
# (end of section: notebooks 08-09)

# --- notebook 10: batch normalization ---
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
        from .objectives import Quadratic

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
