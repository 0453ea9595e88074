"""Widgets, driven from pytest: set a slider, check what changed."""

import base64

import numpy as np
import pytest

from cs551.objectives import Rosenbrock, ill_conditioned_quadratic
from cs551.optim import SGD, Momentum, Newton, minimize
from cs551.plots import describe
from cs551.widgets import Explorer, OptimizerExplorer, Report, Row, new_figure, symbols

from .helpers import PNG, assert_redraws


@pytest.fixture
def explorer():
    f = ill_conditioned_quadratic(10.0)
    return OptimizerExplorer(f, {"GD": SGD, "momentum": Momentum}, lr=0.5, momentum=0.8, steps=30)


def test_explorer_starts_with_a_picture_and_the_runs_it_shows(explorer):
    assert bytes(explorer.image.value).startswith(PNG)
    assert set(explorer.controls) == {"lr", "momentum", "steps", "x0", "y0"}
    f = explorer.objective
    expected = minimize(Momentum(0.5, 0.8), f, f.start, 30)
    np.testing.assert_allclose(explorer.lines["momentum"].get_xdata(), expected.thetas[:, 0])
    assert "GD</td><td>30 steps, f = " in explorer.status.value


def test_moving_the_lr_slider_reruns_and_redraws(explorer):
    before_x = explorer.lines["GD"].get_xdata().copy()
    assert_redraws(explorer, "lr", 1.5)
    f = explorer.objective
    expected = minimize(SGD(1.5), f, f.start, 30)
    assert not np.array_equal(explorer.lines["GD"].get_xdata(), before_x)
    np.testing.assert_allclose(explorer.lines["GD"].get_xdata(), expected.thetas[:, 0])


def test_too_large_a_learning_rate_is_reported_as_diverged(explorer):
    explorer.controls["lr"].value = 2.5  # > 2 / lambda_max = 2
    assert explorer.trajectories["GD"].diverged
    assert "<b>diverged</b>" in explorer.status.value
    assert "GD:" in explorer.summary() and "diverged" in explorer.summary()


def test_start_and_steps_sliders(explorer):
    explorer.controls["x0"].value = 1.0
    explorer.controls["y0"].value = -1.0
    explorer.controls["steps"].value = 5
    assert explorer.start_marker.get_xdata() == [1.0]
    np.testing.assert_array_equal(explorer.trajectories["GD"].thetas[0], [1.0, -1.0])
    assert explorer.trajectories["momentum"].steps == 5


def test_only_the_hyperparameters_an_optimizer_takes_get_sliders():
    explorer = OptimizerExplorer(Rosenbrock(), {"Newton": Newton}, steps=5)
    assert set(explorer.controls) == {"steps", "x0", "y0"}
    assert explorer.trajectories["Newton"].value < 1e-6


def test_explorer_arguments_are_checked():
    f = ill_conditioned_quadratic()
    with pytest.raises(ValueError, match="momentum must be given"):
        OptimizerExplorer(f, {"momentum": lambda lr, momentum: Momentum(lr, momentum)}, lr=0.1)
    defaults = OptimizerExplorer(f, {"momentum": Momentum}, lr=0.1)  # momentum=0.9 by default
    assert "momentum" not in defaults.controls
    with pytest.raises(ValueError, match=r"hyperparameters must be among .*got \['beta'\]"):
        OptimizerExplorer(f, {"GD": SGD}, lr=0.1, beta=0.5)


def test_notebook_text_is_short_and_stable(explorer):
    bundle, _ = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "<OptimizerExplorer: GD, momentum on ill-conditioned quadratic (κ=10)>")
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_a_viewer_without_a_kernel_gets_the_explorers_picture(explorer):
    """GitHub, nbviewer and HTML exports cannot draw a widget: the bundle carries the PNG of
    the explorer's current state, the same bytes the live widget shows."""
    bundle, metadata = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
    alt = metadata["image/png"]["alt"]  # what a screen reader says of the picture
    assert alt.startswith("A picture of the explorer 'GD, momentum on ill-conditioned quadratic")
    assert "lr = 0.5" in alt and describe(explorer.fig) in alt
    explorer.controls["lr"].value = 0.05
    bundle, metadata = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
    assert "lr = 0.05" in metadata["image/png"]["alt"]


def test_explorer_without_blitting_redraws_everything():
    fig = new_figure()
    ax = fig.add_subplot()
    (line,) = ax.plot([0, 1], [0, 1])
    from ipywidgets import FloatSlider

    def draw(slope):
        line.set_ydata([0, slope])
        ax.relim()
        ax.autoscale_view()
        return Report(rows=[Row("slope", f"{slope}")])

    explorer = Explorer(fig, {"slope": FloatSlider(value=1.0, min=0.0, max=10.0)}, draw)
    assert_redraws(explorer, "slope", 9.0)
    assert ax.get_ylim()[1] >= 9.0  # the axes rescaled: a full redraw
    assert explorer.summary() == "slope: 9.0"
    assert explorer.status.value == "<table><tr><td>slope</td><td>9.0</td></tr></table>"


def test_a_report_is_written_once_and_rendered_as_text_and_as_html():
    report = Report("eta = 0.5, 10 steps", [Row("GD", "f - f* <= 1e-06 at step 3"),
                                            Row("hint", "lower eps", panel_only=True),
                                            Row("momentum", "diverged")], indent=2)
    assert report.text() == ("eta = 0.5, 10 steps\n  GD: f - f* <= 1e-06 at step 3\n"
                             "  momentum: diverged")  # no panel-only row
    html = report.html()
    assert html.startswith("<b>η = 0.5, 10 steps</b><table><tr><td>GD</td>")
    assert "f - f* ≤ 1e-06" in html and "lower ε" in html and "<b>diverged</b>" in html


def test_symbols_escapes_html_and_shows_the_math():
    assert symbols("2/lambda_max <b>") == "2/λ<sub>max</sub> &lt;b&gt;"
    assert symbols("theta^ = 1, |theta - theta*|^2, H^-1 g_B") == (
        "θ̂ = 1, |θ - θ*|², H⁻¹ g<sub>B</sub>")
    assert symbols("beta1, alphabet, epsilon") == "beta1, alphabet, ε"  # whole words only
