"""The explorer of notebook 10 (Batch normalization): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullFormatter

from cs551.widgets import Explorer, Report, ResultCache, Row, new_figure

from .experiments import digits_run
from .figures import BN_STYLES


class BatchNormExplorer(Explorer):
    """Training loss of a deep ReLU MLP on the digits, plain and with BN (notebook 10).

    Controls: the number of hidden layers and the learning rate, on a few fixed values,
    so every run is kept by (depth, lr, batchnorm) in ``cache`` (a
    ``cs551.widgets.ResultCache``): the first visit of a pair trains two small networks
    (``digits_run``, 0.3-0.8 s), a revisit only redraws. ``runs`` pre-fills the cache, e.g.
    with ``compare_learning_rates``'s result. A slider move to a pair not trained yet
    returns at once: the picture and the status say "training…" while a worker thread
    trains it (the kernel stays free, and only the pair the slider stops at is trained),
    and the curves appear when it is done. In a kernel (``prefetch``) the pairs one slider
    step away are trained ahead while the kernel is idle, so that the next move finds
    them ready.

    >>> BatchNormExplorer(depth=6, lr=1.0, steps=150)
    """

    DEPTHS = (2, 4, 6, 8)
    LRS = (0.03, 0.1, 0.3, 1.0, 3.0)
    YLIM = (0.01, 30.0)

    def __init__(self, depth: int = 6, lr: float = 1.0, steps: int = 150,
                 runs: Mapping | None = None, prefetch: bool | None = None):

        if depth not in self.DEPTHS:
            raise ValueError(f"depth must be one of {self.DEPTHS}, got {depth!r}")
        if lr not in self.LRS:
            raise ValueError(f"lr must be one of {self.LRS}, got {lr!r}")
        self.steps = int(steps)
        self.cache = ResultCache(self._train, prefetch=prefetch)
        for run in (runs or {}).values():
            if run.steps == self.steps:
                self.cache.results[run.depth, run.lr, run.batchnorm] = run
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
        self.training = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center",
                                va="center", fontsize="large", color="0.3")
        self._asynchronous = False  # the first picture (the notebook's) waits for its runs
        super().__init__(fig, controls, self._show,
                         animated=(*self.lines.values(), *self.crosses.values(),
                                   self.training),
                         title="batch norm: loss curves by depth and learning rate")
        self._asynchronous = True

    def _train(self, depth: int, lr: float, batchnorm: bool):
        return digits_run(depth, lr, batchnorm, steps=self.steps)

    def run(self, depth: int, lr: float, batchnorm: bool):
        """The cached run for (depth, lr, batchnorm), trained on first use."""
        return self.cache.get((depth, float(lr), batchnorm))

    def _show(self, depth: int, lr: float) -> Report:
        head = f"{depth} hidden layers, lr = {float(lr):g}, {self.steps} steps"
        keys = [(depth, float(lr), bn) for bn in (False, True)]
        if self._asynchronous and not all(self.cache.ready(key) for key in keys):
            # train in the worker, redraw when done; meanwhile say so, and show no stale curves
            self.cache.request(keys, then=self.refresh)
            for bn in (False, True):
                self.lines[bn].set_data([], [])
                self.crosses[bn].set_data([], [])
            self.training.set_text(f"training {depth} hidden layers, ε = {float(lr):g} …")
            return Report(head, [Row("training…", "plain and with BN")], pending=True)
        self.training.set_text("")
        rows = []
        for bn in (False, True):
            run = self.run(depth, lr, bn)
            h = run.history
            loss = np.clip(h.train_loss, *self.YLIM)
            self.lines[bn].set_data(h.steps, loss)
            self.crosses[bn].set_data(h.steps[-1:] if h.diverged else [],
                                      loss[-1:] if h.diverged else [])
            rows.append(Row("with BN" if bn else "plain", run.outcome()))
        self.cache.ahead((n["depth"], float(n["lr"]), bn) for n in self.nearby()
                         for bn in (False, True))
        return Report(head, rows)
