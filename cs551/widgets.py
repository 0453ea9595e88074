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


def slider(name: str, value: float, low: float, high: float, *, log: bool = False,
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


def hyper_slider(name: str, value: float) -> widgets.Widget:
    """A slider for hyperparameter ``name`` over its range in ``HYPERPARAMETERS``."""
    low, high, log = HYPERPARAMETERS[name]
    return slider(name, value, low, high, log=log)


def check_landscape(objective: Objective) -> None:
    if objective.dim != 2 or objective.bounds is None:
        raise ValueError(f"objective must be a 2-D landscape with bounds, got {objective!r}")


def html_table(rows: Iterable[Sequence[str]]) -> str:
    """An explorer's status table: one HTML row per sequence of cells."""
    return "<table>" + "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows
    ) + "</table>"


def outcome_cell(run: Trajectory, otherwise: str) -> str:
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
        check_landscape(objective)
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
                controls[name] = hyper_slider(name, hyperparameters[name])
            elif any(p.default is inspect.Parameter.empty for p in takers):
                raise ValueError(f"{name} must be given: an optimizer needs it")
        controls["steps"] = slider("steps", steps, 1, max_steps, integer=True)
        (x_low, x_high), (y_low, y_high) = objective.bounds
        x0, y0 = objective.start if start is None else start
        controls["x0"] = slider("x0", x0, x_low, x_high)
        controls["y0"] = slider("y0", y0, y_low, y_high)

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
            rows.append((label, outcome_cell(run, f"f = {run.value:.3g} after {run.steps} steps")))
        self.start_marker.set_data([x0], [y0])
        return html_table(rows)

    def summary(self) -> str:
        """The runs now shown, as plain text (what a notebook prints to pin them)."""
        lines = []
        for label, run in self.trajectories.items():
            end = "diverged" if run.diverged else f"f = {run.value:.4g}"
            lines.append(f"{label}: {run.steps} steps, {end}")
        return "\n".join(lines)
