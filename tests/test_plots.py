"""Plot helpers draw what they are asked to, with the labels a reader needs."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from matplotlib.figure import Figure

from cs551.objectives import LeastSquares, Rosenbrock, Saddle
from cs551.optim import SGD, Momentum, minimize
from cs551.plots import _attach_alt_text, contour_levels, describe, plot_landscape, plot_values


def test_plot_landscape_draws_each_trajectory_with_a_legend():
    f = Rosenbrock()
    runs = {"SGD": minimize(SGD(1e-3), f, f.start, 50),
            "momentum": minimize(Momentum(1e-3, 0.9), f, f.start, 50)}
    ax = plot_landscape(f, runs)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["SGD", "momentum"]
    drawn = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(drawn["SGD"].get_xdata(), runs["SGD"].thetas[:, 0])
    assert ax.get_xlim() == f.bounds[0] and ax.get_title() == "Rosenbrock"


def test_diverged_runs_say_so_in_the_legend():
    f = Rosenbrock()
    run = minimize(SGD(0.05), f, f.start, 100)
    assert run.diverged
    ax = plot_landscape(f, {"SGD": run})
    assert ax.get_legend().get_texts()[0].get_text() == f"SGD (diverged at step {run.steps})"


def test_plot_landscape_needs_bounds_for_data_objectives():
    X = np.eye(2)
    with pytest.raises(ValueError, match="bounds must be given"):
        plot_landscape(LeastSquares(X, [1.0, 2.0]))
    ax = plot_landscape(LeastSquares(X, [1.0, 2.0]), bounds=((-1, 3), (-1, 3)))
    assert ax.get_ylim() == (-1, 3)


def test_contour_levels_cover_negative_and_huge_values():
    f = Saddle()
    X, Y = np.meshgrid(np.linspace(-2, 2, 50), np.linspace(-2, 2, 50))
    levels = contour_levels(f.value(np.stack([X, Y])), 20)
    assert levels.min() < 0 < levels.max() and np.all(np.diff(levels) > 0)


def test_plot_values_plots_f_minus_offset_on_a_log_axis():
    run = minimize(SGD(0.1), Rosenbrock(), [0.5, 0.5], 10)
    ax = plot_values({"SGD": run, "list": [1.0, 0.5, 0.25]}, offset=0.0)
    assert ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), run.values)
    ax = plot_values({"SGD": run}, offset=0.1, logy=False)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), run.values - 0.1)
    assert ax.get_yscale() == "linear" and ax.get_ylabel().endswith("$- f^*$")


def test_each_method_keeps_its_colour_and_no_two_curves_share_one():
    from cs551.plots import METHOD_COLORS, method_color, method_colors, widths

    assert method_color("RMSProp + Nesterov, lr=0.1") == METHOD_COLORS["RMSProp + Nesterov"]
    assert method_color("gradient descent, lr=0.0019") == method_color("SGD")
    assert method_color("batch 64") is None
    colors = method_colors(["Newton (mu = 0)", "damped Newton, mu = 3", "saddle-free Newton"])
    assert len(set(colors)) == 3 and colors[0] == METHOD_COLORS["Newton"]
    assert method_colors(["batch 1", "batch 64"]) == [None, None]
    assert widths(3) == pytest.approx([3.6, 2.4, 1.2]) and widths(1) == [1.2] and widths(0) == []


def test_histories_keep_one_colour_per_method_and_a_legend_off_the_curves():
    from types import SimpleNamespace

    from cs551.plots import METHOD_COLORS, plot_histories

    def history(scale):
        return SimpleNamespace(steps=np.arange(5), train_loss=scale * 0.5 ** np.arange(5.0),
                               diverged=False)

    runs = {"RMSProp, $\\epsilon = 0.01$": history(1), "RMSProp, $\\epsilon = 0.001$": history(2),
            "SGD, $\\epsilon = 0.1$": history(3)}
    ax = plot_histories(runs)
    lines = ax.get_lines()
    assert [line.get_color() for line in lines] == [METHOD_COLORS["RMSProp"]] * 2 + ["C0"]
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-"]
    legend = ax.get_legend()
    ax.figure.canvas.draw()
    box, axes_box = legend.get_window_extent(), ax.get_window_extent()
    assert box.x0 >= axes_box.x1  # beside the axes: it covers no curve
    plt.close(ax.figure)


def test_alt_text_names_panels_axes_scales_and_what_each_curve_does():
    fig = Figure()
    left, right = fig.subplots(1, 2)
    left.plot([0, 1, 2], [1.0, 0.1, 0.001], label=r"$\alpha = 0.9$")
    left.plot([0, 1, 2], [1.0, 0.5, 0.25], label="_hidden helper")
    left.set(yscale="log", xlabel="step $k$", ylabel=r"$f(\theta_k) - f^*$", title="decay")
    right.plot([0.5, -1.0, 2.0], [1.0, 3.0, -2.0], label="path")
    right.scatter([1, 2, 3], [1, 2, 3], label="samples")
    right.bar([1, 2], [3, 4])
    fig.suptitle(r"momentum, $\epsilon = 0.1$")
    alt = describe(fig)
    assert alt.startswith("Figure of 2 panels: momentum, ε = 0.1. Panel 1: ")
    assert 'Panel 1: "decay", x: step k, y: f(θ_k) - f^* (log scale)' in alt
    assert "curves: α = 0.9: from 1 to 0.001" in alt and "1 unlabelled line" in alt
    assert "hidden" not in alt and "$" not in alt and "\\" not in alt
    assert "path: a path from (0.5, 1) to (2, -2)" in alt
    assert "scatter: 3 points (samples)" in alt and "2 bars" in alt


def test_a_figure_displayed_in_a_kernel_carries_its_alt_text():
    shell = InteractiveShell()
    fig = Figure()
    fig.subplots().plot([0, 1], [2, 3], label="loss")
    _, metadata = shell.display_formatter.format(fig)
    assert "alt" not in metadata.get("image/png", {})  # IPython alone: no alt text
    _attach_alt_text(shell)
    _, metadata = shell.display_formatter.format(fig)
    assert metadata["image/png"]["alt"] == describe(fig) == "Figure. curves: loss: from 2 to 3."
