"""The explorer of notebook 01 (Learning vs optimization): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

import itertools

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps

from cs551.data import digits
from cs551.widgets import Explorer, Report, ResultCache, Row, new_figure

from .experiments import one_dimensional_risks, regularized_fit


class RiskExplorer(Explorer):
    """Risk J* against empirical risk J, for y = w x + sigma eps fitted by theta x (notebook 01).

    Left: the m training examples, the true line y = w x and the ERM fit y = theta^ x.
    Right: the risk J*(theta) = 1/2 ((theta - w)^2 + sigma^2), which we can compute only
    because we know p_data, and the empirical risk J(theta) of this sample, with their
    minimizers. Controls: the training-set size m, the noise sigma and which sample.
    At most ``DRAWN`` examples are drawn (the first ones of the sample, a random subset
    of it): more would only darken the cloud and cost up to 25 ms per picture.
    """

    SIZES = (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
    DRAWN = 2000

    def __init__(self, m: int = 10, sigma: float = 1.0, draw: int = 0, w: float = 1.0):

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
        fig = new_figure(figsize=(10.0, 4.0), dpi=80)
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

    def _update(self, m: int, sigma: float, draw: int) -> Report:
        x, y, a, b, c = self._risks(m, sigma, draw, self.w)
        theta_hat = b / a  # argmin J: J(theta) = 1/2 (a theta^2 - 2 b theta + c)
        J = 0.5 * (a * self.thetas**2 - 2 * b * self.thetas + c)
        J_star = 0.5 * ((self.thetas - self.w) ** 2 + sigma**2)
        risk_hat = 0.5 * ((theta_hat - self.w) ** 2 + sigma**2)
        train_hat = 0.5 * (a * theta_hat**2 - 2 * b * theta_hat + c)
        self.state = {"m": m, "sigma": sigma, "theta_hat": theta_hat, "J(theta_hat)": train_hat,
                      "J*(theta_hat)": risk_hat, "J*(w)": 0.5 * sigma**2}
        self.points.set_data(x[:self.DRAWN], y[:self.DRAWN])
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
        return Report(rows=[
            Row(f"m = {m}, sigma = {sigma:.2f}",
                f"theta^ = {theta_hat:.3f}, J(theta^) = {train_hat:.3f}, "
                f"J*(theta^) = {risk_hat:.3f}, J*(w) = {0.5 * sigma**2:.3f}"),
            Row("J(theta^)", "the training risk, what ERM reports", panel_only=True),
            Row("J*(theta^)", f"its true risk (the true w = {self.w:g})", panel_only=True),
            Row("J*(w) = sigma^2/2", "the best possible", panel_only=True),
            *([Row("drawn", f"the first {self.DRAWN} of the {m} examples", panel_only=True)]
              if m > self.DRAWN else [])])


class RegularizationExplorer(Explorer):
    """ERM on the digits: training-set size m and penalty l2 against held-out risk (notebook 01).

    Softmax regression fitted by ``regularized_fit`` to the first m training
    digits, minimizing J(theta) + l2/2 ||theta||^2. Left: the ten weight templates
    (W's columns as 8 x 8 images, red positive, blue negative, one shared colour
    scale). Right: the training and held-out NLL and 0-1 loss. Each (m, l2) is fitted
    once (about 25-100 ms) and kept (``cache``, a ``cs551.widgets.ResultCache``; ``fits``
    is what it holds); in a kernel (``prefetch``), while it is idle, the settings one slider
    step away are fitted ahead, then the rest of the 48, nearest first (about 1.6 s of
    fitting in all), so that a move finds its fit ready.
    """

    SIZES = (20, 50, 100, 200, 400, 898)
    PENALTIES = (0.0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3)

    def __init__(self, m: int = 50, l2: float = 0.0, prefetch: bool | None = None):

        if m not in self.SIZES:
            raise ValueError(f"m must be one of {self.SIZES}, got {m!r}")
        if l2 not in self.PENALTIES:
            raise ValueError(f"l2 must be one of {self.PENALTIES}, got {l2!r}")
        self._split = digits(fractions=(0.5, 0.25, 0.25), seed=0)
        self._fit = regularized_fit
        self.cache = ResultCache(lambda m, l2: self._fit(m, l2, split=self._split),
                                 prefetch=prefetch)
        self.fits: dict = self.cache.results
        style = {"description_width": "70px"}
        controls = {
            "m": widgets.SelectionSlider(options=self.SIZES, value=m, description="m",
                                         style=style),
            "l2": widgets.SelectionSlider(options=[(f"{v:g}", v) for v in self.PENALTIES],
                                          value=l2, description="l2 penalty", style=style),
        }
        fig = new_figure(figsize=(10.0, 3.6), dpi=80)
        grid = fig.add_gridspec(1, 3, width_ratios=(3.2, 1, 1))
        ax = fig.add_subplot(grid[0])
        # the ten 8 x 8 templates as one 2 x 5 mosaic of flat cells, centred on integer
        # coordinates as an image's pixels are: one artist to redraw, 5x faster than an
        # image, which matplotlib resamples to the screen on every draw
        cmap = colormaps["RdBu_r"].with_extremes(bad=(0, 0, 0, 0))  # gaps: transparent
        self.mosaic = ax.pcolormesh(np.arange(45) - 0.5, np.arange(20) - 0.5,
                                    np.ma.masked_invalid(self._mosaic(np.zeros((64, 10)))),
                                    cmap=cmap, vmin=-1, vmax=1, antialiased=False)
        ax.set(xlim=(-0.5, 43.5), ylim=(18.5, -0.5), aspect="equal")
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
        return self.cache.get((m, l2))

    def _update(self, m: int, l2: float) -> Report:
        self.current = f = self.fit(m, l2)
        i, j = self.SIZES.index(m), self.PENALTIES.index(l2)
        grid = sorted(itertools.product(self.SIZES, self.PENALTIES),  # all 48, nearest first
                      key=lambda s: abs(self.SIZES.index(s[0]) - i)
                      + abs(self.PENALTIES.index(s[1]) - j))
        self.cache.ahead([(n["m"], n["l2"]) for n in self.nearby()] + grid)
        scale = np.abs(f.weights).max()
        self.mosaic.set_array(np.ma.masked_invalid(self._mosaic(f.weights)))
        values = (f.train_loss, f.heldout_loss, f.train_error, f.heldout_error)
        for bar, label, value, top in zip(self.bars, self.labels, values, self.tops, strict=True):
            bar.set_height(min(value, top))
            label.set_position((label.get_position()[0], min(value, 0.9 * top)))
            label.set_text(f"{value:.3f}")
        return Report(rows=[
            Row(f"m = {m}, l2 = {l2:g}",
                f"NLL train {f.train_loss:.3f}, held-out {f.heldout_loss:.3f}; "
                f"0-1 train {f.train_error:.3f}, held-out {f.heldout_error:.3f}"),
            Row("largest |weight|", f"{scale:.2f}", panel_only=True)])
