"""The explorer of notebook 10 (Batch normalization): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullFormatter

from cs551.widgets import Explorer, Report, Row, new_figure

from .experiments import digits_run
from .figures import BN_STYLES


class BatchNormExplorer(Explorer):
    """Training loss of a deep ReLU MLP on the digits, plain and with BN (notebook 10).

    Controls: the number of hidden layers and the learning rate, on a few fixed
    values, so every run is cached by (depth, lr): the first visit of a pair trains
    two small networks (``digits_run``), a revisit only redraws.
    ``runs`` pre-fills the cache, e.g. with ``compare_learning_rates``'s result.

    >>> BatchNormExplorer(depth=6, lr=1.0, steps=150)
    """

    DEPTHS = (2, 4, 6, 8)
    LRS = (0.03, 0.1, 0.3, 1.0, 3.0)
    YLIM = (0.01, 30.0)

    def __init__(self, depth: int = 6, lr: float = 1.0, steps: int = 150,
                 runs: Mapping | None = None):

        if depth not in self.DEPTHS:
            raise ValueError(f"depth must be one of {self.DEPTHS}, got {depth!r}")
        if lr not in self.LRS:
            raise ValueError(f"lr must be one of {self.LRS}, got {lr!r}")
        self.steps = int(steps)
        self.cache: dict[tuple, object] = {}
        for run in (runs or {}).values():
            if run.steps == self.steps:
                self.cache[run.depth, run.lr, run.batchnorm] = run
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
            self.cache[key] = digits_run(depth, lr, batchnorm, steps=self.steps)
        return self.cache[key]

    def _show(self, depth: int, lr: float) -> Report:
        rows = []
        for bn in (False, True):
            run = self.run(depth, lr, bn)
            h = run.history
            loss = np.clip(h.train_loss, *self.YLIM)
            self.lines[bn].set_data(h.steps, loss)
            self.crosses[bn].set_data(h.steps[-1:] if h.diverged else [],
                                      loss[-1:] if h.diverged else [])
            rows.append(Row("with BN" if bn else "plain", run.outcome()))
        return Report(f"{depth} hidden layers, lr = {float(lr):g}, {self.steps} steps", rows)
