"""The explorer of notebook 02 (Batches and minibatches): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from cs551 import _validate as check
from cs551.gradient_noise import per_example_gradients
from cs551.objectives import ill_conditioned_regression
from cs551.widgets import Explorer, Report, ResultCache, Row, new_figure


class MinibatchExplorer(Explorer):
    """Minibatch gradients g_B and Newton steps H^{-1} g_B, drawn many times (notebook 02).

    Two-parameter least squares whose Hessian has condition number ``kappa``, at
    theta = theta_min - (2, 2). Left: ``draws`` minibatch gradients g_B (n examples each,
    drawn with replacement) around the full gradient g, and a ring of radius
    ``tolerance`` ||g||. Right: the Newton steps H^{-1} g_B (exact H) around H^{-1} g, with
    the ring of radius ``tolerance`` ||H^{-1} g||. The errors of g along the flat
    eigen-direction are multiplied by 1/lambda_min.

    The draws of each (n, kappa) are kept (``cache``, a ``cs551.widgets.ResultCache``:
    at n = 4096 they gather ``draws`` x 4096 examples, about 10 ms); in a kernel the
    settings one slider step away are drawn ahead while the kernel is idle (``prefetch``).

    >>> MinibatchExplorer(batch_size=16, kappa=100).summary()
    """

    BATCH_SIZES = tuple(2**k for k in range(13))
    KAPPAS = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000)

    def __init__(self, batch_size: int = 16, kappa: int = 100, draws: int = 200,
                 tolerance: float = 0.2, seed: int = 0, prefetch: bool | None = None):
        if batch_size not in self.BATCH_SIZES:
            raise ValueError(f"batch_size must be one of {self.BATCH_SIZES}, got {batch_size!r}")
        if kappa not in self.KAPPAS:
            raise ValueError(f"kappa must be one of {self.KAPPAS}, got {kappa!r}")

        self.draws = check.positive_int("draws", draws)
        self.tolerance = check.positive("tolerance", tolerance)
        self.seed = check.non_negative_int("seed", seed)
        self._kappa = None
        self._problems: dict = {}
        self.cache = ResultCache(self._draw_clouds, prefetch=prefetch)
        self.errors: dict[str, float] = {}
        style = {"description_width": "90px"}
        controls = {
            "batch_size": widgets.SelectionSlider(options=self.BATCH_SIZES, value=batch_size,
                                                  description="batch size n", style=style),
            "kappa": widgets.SelectionSlider(options=self.KAPPAS, value=kappa,
                                             description="κ(H)", style=style),
        }
        fig = new_figure(figsize=(10.0, 4.6), dpi=80)
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

    def _draw_clouds(self, batch_size: int, kappa: int) -> tuple[np.ndarray, np.ndarray]:
        """(g_B, H^{-1} g_B) for ``draws`` minibatches of n examples, seeded."""
        G, _, H_inv, _ = self.problem(kappa)
        rng = np.random.default_rng(self.seed)
        g_B = G[rng.integers(len(G), size=(self.draws, batch_size))].mean(axis=1)
        return g_B, g_B @ H_inv.T  # H^{-1} g_B for every draw

    def _update(self, batch_size: int, kappa: int) -> Report:
        if kappa != self._kappa:
            self._set_kappa(kappa)
        _, g, _, newton = self.problem(kappa)
        g_B, steps = self.cache.get((batch_size, kappa))
        self.cache.ahead((n["batch_size"], n["kappa"]) for n in self.nearby())
        self.clouds[0].set_data(*g_B.T)
        self.clouds[1].set_data(*steps.T)
        rel_g = np.linalg.norm(g_B - g, axis=1) / np.linalg.norm(g)
        rel_n = np.linalg.norm(steps - newton, axis=1) / np.linalg.norm(newton)
        self.errors = {"n": batch_size, "kappa": kappa,
                       "gradient": float(np.sqrt(np.mean(rel_g**2))),
                       "newton": float(np.sqrt(np.mean(rel_n**2))),
                       "gradient inside": float(np.mean(rel_g <= self.tolerance)),
                       "newton inside": float(np.mean(rel_n <= self.tolerance))}
        e, tol = self.errors, self.tolerance
        return Report(f"n = {batch_size}, kappa = {kappa}: RMS relative error", [
            Row("of g_B", f"{e['gradient']:.3f} ({e['gradient inside']:.0%} within {tol:.0%})"),
            Row("of H^-1 g_B", f"{e['newton']:.3f} ({e['newton inside']:.0%} within {tol:.0%})"),
            Row("the ring", f"relative error {tol:.0%}", panel_only=True)], indent=2)
