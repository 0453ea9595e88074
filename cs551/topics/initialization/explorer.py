"""The explorer of notebook 07 (Parameter initialization): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from cs551.widgets import Explorer, Report, ResultCache, Row, new_figure

from .experiments import SCHEMES, predicted_ratio, signal_stds


class InitExplorer(Explorer):
    """Depth, initial scale and activation against the signal's size, layer by layer (notebook 07).

    Left: std of the pre-activations z_l; right: std of the backpropagated dJ/dz_l,
    both measured by ``signal_stds`` (inputs and top gradient
    N(0, 1), square layers of ``width`` units), on a fixed log scale. Dashed: the
    prediction Var(z_l) = n sigma_w^2 r^(l-1) with r = ``predicted_ratio`` (for tanh an
    upper bound: it saturates). Values outside 1e-12 .. 1e12 are drawn at the edge.
    Each setting's measurement is kept (``cache``, a ``cs551.widgets.ResultCache``);
    in a kernel the settings one slider step away are measured ahead while the kernel is
    idle (``prefetch``).
    """

    LIMITS = (1e-12, 1e12)

    def __init__(self, depth: int = 10, scheme: str = "He", activation: str = "relu",
                 width: int = 64, max_depth: int = 30, prefetch: bool | None = None):

        self.width = _check_width(width)
        self.stats = None
        self.cache = ResultCache(
            lambda depth, scheme, activation: signal_stds(depth, self.width, activation, scheme,
                                                          samples=100), prefetch=prefetch)
        style = {"description_width": "70px"}
        controls = {
            "depth": widgets.IntSlider(value=depth, min=1, max=max_depth, description="depth",
                                       style=style),
            "scheme": widgets.ToggleButtons(options=list(SCHEMES), value=scheme,
                                            description="init", style=style),
            "activation": widgets.ToggleButtons(options=["relu", "tanh"], value=activation,
                                                description="activation", style=style),
        }
        fig = new_figure(figsize=(10.0, 3.8), dpi=80, nrows=1, ncols=2, sharey=True)
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

    def _update(self, depth: int, scheme: str, activation: str) -> Report:
        s = self.stats = self.cache.get((depth, scheme, activation))
        self.cache.ahead((n["depth"], n["scheme"], n["activation"]) for n in self.nearby())
        ratio = predicted_ratio(activation, scheme, self.width)
        sigma2 = SCHEMES[scheme](self.width, self.width) ** 2
        layers = np.arange(1, depth + 1)
        with np.errstate(over="ignore", under="ignore"):
            forward = np.sqrt(self.width * sigma2 * ratio ** (layers - 1.0))  # std of z_l
            backward = np.sqrt(ratio ** (depth - layers + 0.0))  # std of dJ/dz_l
        low, high = self.LIMITS
        for line, values in zip(self.measured, (s.forward, s.backward), strict=True):
            line.set_data(layers, np.clip(np.nan_to_num(values, nan=high), low, high))
        for line, values in zip(self.predicted, (forward, backward), strict=True):
            line.set_data(layers, np.clip(values, low, high))
        bound = " (upper bound for tanh)" if activation == "tanh" else ""
        return Report(f"{activation}, {scheme} init, depth {depth}, width {self.width}:", [
            Row("sigma_w", f"{np.sqrt(sigma2):.3g}, n sigma_w^2 = {self.width * sigma2:.3g}",
                panel_only=True),
            Row("predicted Var(z_l+1) / Var(z_l)", f"{ratio:.3g}{bound}", panel_only=True),
            Row("std of z", f"{s.forward[0]:.3g} (layer 1) -> {s.forward[-1]:.3g} (layer {depth})"),
            Row("std of dJ/dz",
                f"{s.backward[-1]:.3g} (layer {depth}) -> {s.backward[0]:.3g} (layer 1)")],
            indent=2)


def _check_width(width: int) -> int:
    """The width of ``InitExplorer``'s layers: 2 .. 256."""
    if isinstance(width, bool) or not isinstance(width, int) or not 2 <= width <= 256:
        raise ValueError(f"width must be an integer in [2, 256], got {width!r}")
    return width
