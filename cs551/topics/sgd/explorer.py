"""The explorer of notebook 05 (Stochastic gradient descent): sliders over the lecture's claim.

Built on ``cs551.widgets.Explorer`` (a cached figure, blitted into an ``ipywidgets.Image``).
"""

from __future__ import annotations

import copy
import threading

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullLocator

from cs551 import _validate as check
from cs551.data import linear_regression_data
from cs551.objectives import LeastSquares, Quadratic
from cs551.optim import SGD, inverse_decay, linear_decay
from cs551.plots import draw_contours
from cs551.widgets import Explorer, Report, ResultCache, Row, new_figure, slider

from .experiments import first_order_msd, gradient_covariance, iterates


class Replayed(LeastSquares):
    """Least squares whose minibatch gradients take their minibatches from a list drawn once
    (``batches``: index arrays of one size n), in order, starting over at each ``reset()``.

    With the list a ``LeastSquares`` of the same seed drew, a run takes the same minibatches
    and gives the same iterates (to round-off). Each minibatch's loss is a quadratic,

        J_B(theta) = 1/(2n) ||X_B theta - y_B||^2 = 1/2 theta^T H_B theta - b_B^T theta + const,
        H_B = X_B^T X_B / n,   b_B = X_B^T y_B / n,

    so its gradient g_B = H_B theta - b_B takes two small products per step. ``H_B`` and
    ``b_B`` are computed for the whole list at once, here; ``copy.copy`` of a stream is a
    fresh run over the same minibatches (its own position, the arrays shared).
    """

    def __init__(self, X, y, batches: list[np.ndarray], seed: int = 0):
        self.batches = batches
        super().__init__(X, y, batch_size=len(batches[0]), seed=seed)
        idx = np.array(batches)  # (steps, n)
        rows, n = self.X[idx], self.batch_size  # rows: (steps, n, d), X_B of every step
        self.H_B = np.einsum("kni,knj->kij", rows, rows) / n  # X_B^T X_B / n
        self.b_B = np.einsum("kni,kn->ki", rows, self.y[idx]) / n  # X_B^T y_B / n

    def reset(self) -> None:
        super().reset()
        self.next = 0

    def grad(self, theta):
        k = self.next
        if k == len(self.batches):
            raise ValueError(f"steps must be at most {len(self.batches)}, the minibatches "
                             f"drawn, got step {k + 1}")
        self.next, self._batch = k + 1, self.batches[k]
        self.examples_seen += self.batch_size
        return self.H_B[k].dot(theta) - self.b_B[k]  # g_B = H_B theta - b_B


class SGDExplorer(Explorer):
    """SGD on two-parameter least squares: learning rate, schedule and batch size (notebook 05).

    Left: contours of J(theta) = 1/(2m) sum_i (x_i^T theta - y_i)^2 and the SGD path.
    Right: ||theta_k - theta*||^2 against k, with the noise ball that first-order theory
    predicts for the final eps, (eps / 2) tr(H^-1 Sigma_B) (``first_order_msd``).
    Schedules: ``constant`` eps; ``linear decay`` to eps_tau = eps_0 / 100 at tau = steps / 2
    (``cs551.optim.linear_decay``); ``1/k``, eps_0 / (1 + k / k0) with
    k0 = 1 / (eps_0 lambda_min) (``cs551.optim.inverse_decay``).

    Every run is kept (``cache``, a ``cs551.widgets.ResultCache``) by its setting, each
    on its own copy of the objective (same seed, so the same minibatches); in a kernel the
    settings one slider step away are run ahead while the kernel is idle (``prefetch``).
    The minibatches depend on the batch size alone, not on eps or the schedule: each batch
    size's stream is drawn once (``stream``) and every run replays it, the same indices
    in the same order as a fresh draw (``Replayed``).
    """

    SCHEDULES = ("constant", "linear decay", "1/k")
    BATCH_SIZES = (1, 2, 5, 10, 20, 50, 100, 200)

    def __init__(self, lr: float = 0.2, schedule: str = "constant", batch_size: int = 1,
                 steps: int = 300, max_steps: int = 600, seed: int = 0,
                 prefetch: bool | None = None):

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
        self._max_steps = max_steps
        self._streams: dict[int, Replayed] = {}
        self._streams_lock = threading.Lock()
        self.cache = ResultCache(self._run, prefetch=prefetch, limit=1000)
        self.thetas = np.empty((0, 2))  # the iterates now shown
        self.result: dict = {}
        style = {"description_width": "70px"}
        controls = {
            "lr": slider("lr ε₀", lr, 1e-3, 3.0, log=True),
            "schedule": widgets.Dropdown(options=self.SCHEDULES, value=schedule,
                                         description="schedule", style=style),
            "batch_size": widgets.SelectionSlider(options=self.BATCH_SIZES, value=batch_size,
                                                  description="batch size", style=style),
            "steps": slider("steps", steps, 1, max_steps, integer=True),
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

        if batch_size not in self._covariances:
            self._covariances[batch_size] = gradient_covariance(
                self.objective, self.theta_star, batch_size)
        return first_order_msd(self.H, self._covariances[batch_size], lr)

    def stream(self, batch_size: int) -> Replayed:
        """The minibatches B_0, B_1, ... that SGD draws at this batch size (``max_steps`` of
        them, from the objective's seed) as a ``Replayed`` objective, made on first use."""
        with self._streams_lock:  # runs in the worker thread and in the kernel's may ask at once
            if batch_size not in self._streams:
                f = self.objective
                fresh = LeastSquares(f.X, f.y, batch_size=batch_size, seed=f.seed)
                batches = [fresh.sample() for _ in range(self._max_steps)]
                self._streams[batch_size] = Replayed(f.X, f.y, batches, seed=f.seed)
            return self._streams[batch_size]

    def batches(self, batch_size: int) -> list[np.ndarray]:
        """The minibatches' index arrays (``stream``)."""
        return self.stream(batch_size).batches

    def _run(self, lr: float, schedule: str, batch_size: int, steps: int):
        """(iterates, diverged, examples processed) of one setting, on a fresh copy of the
        objective: a run in the worker thread never touches the minibatch stream of another."""
        f = self.objective
        if batch_size == f.m:  # the full batch: batch gradient descent
            objective = LeastSquares(f.X, f.y, batch_size=None, seed=f.seed)
        else:
            objective = copy.copy(self.stream(batch_size))  # its own position in the stream
        thetas, diverged = iterates(SGD(self.schedule(lr, schedule, steps)), objective,
                                    self.start, steps)
        return thetas, diverged, objective.examples_seen

    def _update(self, lr: float, schedule: str, batch_size: int, steps: int) -> Report:

        eps = self.schedule(lr, schedule, steps)
        thetas, diverged, examples = self.cache.get((lr, schedule, batch_size, steps))
        self.cache.ahead((n["lr"], n["schedule"], n["batch_size"], n["steps"])
                         for n in self.nearby())
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
                       "examples": examples}
        r = self.result
        head = f"{schedule}, lr {lr:.3g}, batch {batch_size}, {r['steps']} steps"
        if diverged:
            return Report(rows=[Row(head, "diverged"),
                                Row("hint", "lower eps_0", panel_only=True)])
        passes = r["examples"] / self.objective.m
        return Report(head + ":", [
            Row("final eps", f"{final_lr:.3g}"),
            Row("mean |theta - theta*|^2 over the last quarter",
                f"{r['last_quarter']:.3g} (first-order ball {ball:.3g})"),
            Row("examples processed", f"{r['examples']} ({passes:.3g} passes)", panel_only=True)],
            indent=2)
