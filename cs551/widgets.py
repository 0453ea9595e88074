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

What an explorer finds is a ``Report``, written once per slider move: rows of
``label: value`` in plain text. The panel beside the sliders renders it as HTML (with
the math symbols, ``symbols``); ``summary()`` returns it as text, which a notebook
prints to pin the result under strict nbval.
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .objectives import Objective
from .optim import Trajectory, minimize
from .plots import describe, draw_contours


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


# Plain-text math -> the panel's symbols (the summary keeps the plain text).
_GREEK = {"epsilon": "ε", "eps": "ε", "eta": "η", "lambda": "λ", "alpha": "α", "rho": "ρ",
          "sigma": "σ", "kappa": "κ", "theta": "θ", "delta": "δ"}
_SYMBOLS = [(r"\btheta\^", "θ̂"),
            *((rf"\b{word}(?![A-Za-z])", letter) for word, letter in _GREEK.items()),
            (r"&lt;=", "≤"), (r"&gt;=", "≥"), (r"-&gt;", "→"), (r"\^-1", "⁻¹"), (r"\^2", "²"),
            (r"(?<=[\w)])_(\w+)", r"<sub>\1</sub>"), (r"\b(diverged|blows up)\b", r"<b>\1</b>")]


def symbols(text: str) -> str:
    """``text`` as HTML, its plain-text math shown with symbols: ``eta <= 2/lambda_max``
    becomes ``η ≤ 2/λ<sub>max</sub>``; the verdicts "diverged" and "blows up" are set in bold."""
    out = html.escape(text, quote=False)
    for pattern, replacement in _SYMBOLS:
        out = re.sub(pattern, replacement, out)
    return out


@dataclass(frozen=True)
class Row:
    """One result an explorer shows, ``label: value`` (plain text, ASCII math).

    A ``panel_only`` row is a live hint that the printed summary leaves out (the
    summary pins what a notebook shows, and its figures must be portable)."""

    label: str
    value: str = ""
    panel_only: bool = False


@dataclass(frozen=True)
class Report:
    """An explorer's result, written once: a headline and rows, rendered two ways.

    ``text()`` is what ``Explorer.summary()`` returns: the headline, then a line
    ``label: value`` per row (indented by ``indent``); ``html()`` is the status panel.
    """

    headline: str = ""
    rows: Sequence[Row] = ()
    indent: int = 0

    def text(self) -> str:
        lines = [self.headline] if self.headline else []
        lines += [" " * self.indent + (f"{row.label}: {row.value}" if row.value else row.label)
                  for row in self.rows if not row.panel_only]
        return "\n".join(lines)

    def html(self) -> str:
        head = f"<b>{symbols(self.headline)}</b>" if self.headline else ""
        cells = "".join(
            f"<tr><td>{symbols(row.label)}</td><td>{symbols(row.value)}</td></tr>" if row.value
            else f"<tr><td colspan=\"2\">{symbols(row.label)}</td></tr>" for row in self.rows)
        return f"{head}<table>{cells}</table>"


class Explorer:
    """Controls that redraw a cached figure into an ``ipywidgets.Image``.

    ``draw(**values)`` receives the current value of every control, updates the
    figure's artists and may return a ``Report``: the status panel shows it, ``summary()``
    returns it as text. The artists listed in
    ``animated`` are the only ones that change: they are redrawn over a cached
    background. With ``animated=()`` the whole figure is redrawn each time (for
    figures whose axes rescale); call ``redraw_background()`` after changing a
    static part.
    """

    def __init__(
        self,
        fig: Figure,
        controls: Mapping[str, widgets.ValueWidget],
        draw: Callable[..., Report | None],
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
        self.report = Report()
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
        report = self._draw(**self.values)
        if report is not None:
            self.report = report
            self.status.value = report.html()
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

    def summary(self) -> str:
        """What the explorer now shows, as plain text (what a notebook prints to pin it)."""
        return self.report.text()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # A short, stable text instead of the default repr, which embeds the PNG
        # bytes: notebooks stay small and strict nbval can compare this line.
        bundle["text/plain"] = f"<{type(self).__name__}: {self.title}>"
        # The picture of the explorer's first state, for every viewer without a kernel
        # (GitHub, nbviewer, an HTML export, the course's website). A live JupyterLab ranks
        # the widget view first and shows the working explorer instead.
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        controls = ", ".join(f"{name} = {control.value:.3g}" if isinstance(control.value, float)
                             else f"{name} = {control.value}"
                             for name, control in self.controls.items())
        alt = (f"A picture of the explorer '{self.title}' ({controls}); run the notebook to "
               f"move its sliders. {describe(self.fig)}")
        return bundle, {"image/png": {"alt": alt}}


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

    def _run(self, steps: int, x0: float, y0: float, **hyper: float) -> Report:
        rows = []
        for label, factory in self.factories.items():
            kwargs = {k: v for k, v in hyper.items() if k in _parameters(factory)}
            run = minimize(factory(**kwargs), self.objective, np.array([x0, y0]), steps)
            self.trajectories[label] = run
            self.lines[label].set_data(run.thetas[:, 0], run.thetas[:, 1])
            end = "diverged" if run.diverged else f"f = {run.value:.4g}"
            rows.append(Row(label, f"{run.steps} steps, {end}"))
        self.start_marker.set_data([x0], [y0])
        return Report(rows=rows)
