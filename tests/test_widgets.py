"""Widgets, driven from pytest: set a slider, check what changed."""

import asyncio
import base64
import io
import math
import os
import sys
import threading
import time
import zlib

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from ipywidgets import FloatSlider, SelectionSlider
from matplotlib.lines import Line2D
from PIL import Image

from cs551 import widgets as cs551_widgets
from cs551.objectives import Rosenbrock, ill_conditioned_quadratic
from cs551.optim import SGD, Momentum, Newton, minimize
from cs551.plots import describe
from cs551.widgets import (
    WORKER_SWITCH_INTERVAL,
    Explorer,
    OptimizerExplorer,
    Report,
    ResultCache,
    Row,
    kernel_idle,
    new_figure,
    png_bytes,
    symbols,
)

from .helpers import PNG, assert_redraws, count_draws, drawn_from_the_background


@pytest.fixture(autouse=True)
def cells_of_this_test(monkeypatch):
    """Each test starts with no cell seen (the kernel idle, outside IPython) and leaves the
    module's record of the cells as it found it: idle time is measured from a cell's end."""
    monkeypatch.setattr(cs551_widgets, "_cells", {"running": False, "since": -math.inf})


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


# --- the picture: the figure's own 256 colours, and drawn once per change, never stale ------


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


def test_the_picture_uses_the_figures_own_palette_and_looks_the_same(explorer):
    """One byte per pixel from 256 colours taken from the figure: to the eye the lossless
    picture (antialiased edges move by a few levels), and a fraction of its bytes."""
    picture = bytes(explorer.image.value)
    assert Image.open(io.BytesIO(picture)).mode == "P"
    lossless = png_bytes(explorer.fig)
    assert Image.open(io.BytesIO(lossless)).mode == "RGBA"
    error = np.abs(_pixels(picture) - _pixels(lossless)).max(axis=2)
    assert error.mean() < 2 and np.mean(error > 16) < 0.01
    assert len(picture) < len(lossless) / 2


@pytest.fixture(params=["isal", "zlib"])
def deflate_path(request, monkeypatch):
    """``deflate`` by ISA-L, as installed, and by zlib's run-length mode, its stand-in."""
    if request.param == "zlib":
        monkeypatch.setattr(cs551_widgets, "isal_zlib", None)
    elif cs551_widgets.isal_zlib is None:
        pytest.skip("python-isal is not installed on this platform (pyproject.toml's marker)")
    return request.param


def test_palette_png_decodes_to_its_indices_and_palette(deflate_path):
    """The hand-written PNG: Pillow checks its chunks' CRCs and reads back the same indices
    and colours, for an explorer's picture size and an odd one, with runs and noise."""
    rng = np.random.default_rng(0)
    for height, width, entries in [(336, 800, 256), (7, 5, 3), (1, 1, 1)]:
        indices = np.repeat(rng.integers(0, entries, size=(height, width // 8 + 1)), 8, axis=1)
        indices = indices[:, :width].astype(np.uint8)
        indices[rng.random((height, width)) < 0.05] = entries - 1  # noise between the runs
        colours = rng.integers(0, 256, size=3 * entries, dtype=np.uint8).tobytes()
        png = cs551_widgets.palette_png(indices, colours)
        Image.open(io.BytesIO(png)).verify()  # chunk CRCs, structure
        image = Image.open(io.BytesIO(png))
        assert image.mode == "P" and image.size == (width, height)
        np.testing.assert_array_equal(np.asarray(image), indices)
        assert bytes(image.getpalette()[:3 * entries]) == colours
    data = indices.tobytes() * 3 + bytes(range(256))
    assert zlib.decompress(cs551_widgets.deflate(data)) == data


def test_each_picture_is_the_full_palette_png_looking_up_only_the_changed_pixels(
        explorer, monkeypatch):
    """PaletteEncoder: byte for byte ``png_bytes(fig, palette)``, move after move (the steps,
    the start, a background drawn again), yet after the first picture it looks up the
    colours only of the pixels that differ from it."""
    looked_up = []
    indexed = cs551_widgets._indexed
    monkeypatch.setattr(cs551_widgets, "_indexed",
                        lambda image, palette: looked_up.append(image.size) or indexed(image,
                                                                                    palette))
    width, height = explorer.fig.canvas.get_width_height(physical=True)
    moves = [("lr", 0.3), ("momentum", 0.5), ("steps", 12), ("x0", -1.0), ("lr", 0.9),
             ("background", None), ("momentum", 0.9), ("y0", 0.2), ("steps", 30)]
    for name, value in moves:
        looked_up.clear()
        if name == "background":
            explorer.redraw_background()
            explorer.refresh()
        else:
            explorer.controls[name].value = value
        picture, sizes = bytes(explorer.image.value), list(looked_up)
        assert picture == png_bytes(explorer.fig, explorer._encoder.palette), name
        if name == "background":  # a new palette, and every pixel looked up once
            assert (width, height) in sizes
        else:  # one row of the changed pixels
            assert len(sizes) == 1 and sizes[0][1] == 1 and 0 < sizes[0][0] < width * height / 10
    assert explorer._encoder.png() == picture  # the same canvas again


def test_a_change_during_a_drawing_is_drawn_once_after_it_with_the_latest_values():
    """A value that arrives while a picture is drawn (here: set by the drawing itself) is
    not drawn on its own, nor recursively: one more drawing follows, with the newest value."""
    fig = new_figure()
    ax = fig.add_subplot(xlim=(0, 1), ylim=(0, 10))
    (line,) = ax.plot([], [])
    slope = FloatSlider(value=1.0, min=0.0, max=10.0)
    drawn = []

    def draw(slope_value):
        drawn.append(slope_value)
        if slope_value == 2.0:  # newer values arrive meanwhile
            slope.value = 3.0
            slope.value = 4.0
        line.set_data([0, 1], [0, slope_value])

    explorer = Explorer(fig, {"slope_value": slope}, draw, animated=(line,))
    slope.value = 2.0
    assert drawn == [1.0, 2.0, 4.0]  # 3.0 was never drawn
    assert list(line.get_ydata()) == [0, 4.0]
    shown = bytes(explorer.image.value)
    explorer.refresh()
    assert bytes(explorer.image.value) == shown  # the picture of the value the slider holds


def test_a_change_from_another_thread_waits_for_the_drawing_and_is_not_lost():
    fig = new_figure()
    ax = fig.add_subplot(xlim=(0, 1), ylim=(0, 10))
    (line,) = ax.plot([], [])
    slope = FloatSlider(value=1.0, min=0.0, max=10.0)
    started, release, drawn = threading.Event(), threading.Event(), []

    def draw(slope_value):
        drawn.append(slope_value)
        if slope_value == 2.0:
            started.set()
            assert release.wait(timeout=30)
        line.set_data([0, 1], [0, slope_value])

    explorer = Explorer(fig, {"slope_value": slope}, draw, animated=(line,))
    worker = threading.Thread(target=lambda: setattr(slope, "value", 2.0))
    worker.start()
    assert started.wait(timeout=30)
    mover = threading.Thread(target=lambda: setattr(slope, "value", 5.0))
    mover.start()  # blocks until the drawing of 2.0 is done, then draws 5.0
    release.set()
    worker.join(timeout=30)
    mover.join(timeout=30)
    assert drawn[-1] == 5.0 and list(line.get_ydata()) == [0, 5.0]
    shown = bytes(explorer.image.value)
    explorer.refresh()
    assert bytes(explorer.image.value) == shown


def test_values_in_quick_succession_leave_the_picture_of_the_last_one(explorer):
    """A slider dragged across many values, then back to one seen before: the picture
    is that value's picture, byte for byte (same runs, same palette), drawn anew."""
    explorer.PICTURES = 0  # nothing remembered: every picture is rendered
    explorer.controls["lr"].value = 0.3
    seen = bytes(explorer.image.value)
    for lr in np.geomspace(0.05, 1.9, 15):
        explorer.controls["lr"].value = float(lr)
    explorer.controls["lr"].value = 0.3
    assert bytes(explorer.image.value) == seen
    np.testing.assert_allclose(explorer.lines["GD"].get_xdata(),
                               minimize(SGD(0.3), explorer.objective, explorer.objective.start,
                                        30).thetas[:, 0])


def _count_renders(explorer) -> list:
    rendered = []
    picture = explorer._picture
    explorer._picture = lambda: rendered.append(explorer.values) or picture()
    return rendered


def test_a_setting_drawn_before_shows_its_remembered_picture(explorer):
    """Back to a setting drawn before: draw runs (the artists and the report follow the
    controls), the PNG is the one drawn then, not rendered again."""
    rendered = _count_renders(explorer)
    first, summary = bytes(explorer.image.value), explorer.summary()
    explorer.controls["lr"].value = 1.5
    assert len(rendered) == 1 and explorer.summary() != summary
    explorer.controls["lr"].value = 0.5 + 1e-13  # what a browser may send: the same setting
    assert len(rendered) == 1 and bytes(explorer.image.value) == first
    f = explorer.objective
    np.testing.assert_allclose(explorer.lines["GD"].get_xdata(),
                               minimize(SGD(0.5), f, f.start, 30).thetas[:, 0])
    assert explorer.summary() == summary
    explorer.redraw_background()  # a new background: every picture is drawn again
    explorer.refresh()
    assert len(rendered) == 2


def test_remembered_pictures_are_the_latest_few_and_never_a_pending_one():
    fig = new_figure()
    ax = fig.add_subplot(xlim=(0, 1), ylim=(0, 10))
    (line,) = ax.plot([], [])
    slope = FloatSlider(value=1.0, min=0.0, max=10.0)

    def draw(slope_value):
        line.set_data([0, 1], [0, slope_value])
        return Report(f"slope {slope_value}", pending=slope_value == 9.0)

    explorer = Explorer(fig, {"slope_value": slope}, draw, animated=(line,))
    explorer.PICTURES = 3
    rendered = _count_renders(explorer)
    for value in (2.0, 3.0, 4.0, 9.0):
        slope.value = value
    explorer.refresh()  # as a worker does when a result is ready
    for value in (4.0, 3.0, 2.0, 1.0):
        slope.value = value
    # 9.0 (pending) is drawn every time; 1.0 had gone (three remembered, the latest used)
    assert rendered == [{"slope_value": v} for v in (2.0, 3.0, 4.0, 9.0, 9.0, 1.0)]
    assert list(explorer._pictures) == [(1, (3.0,)), (1, (2.0,)), (1, (1.0,))]


def test_in_idle_time_the_pictures_an_arrow_key_away_are_drawn_ahead(explorer):
    """In a kernel (a running event loop), once the explorers are quiet, the settings of
    ``nearby()`` are drawn ahead, one per loop turn; the picture shown and the artists stay
    those of the controls' values, and an arrow key then finds its picture ready."""
    rendered = _count_renders(explorer)

    async def move_then_idle():
        explorer.controls["lr"].value = 1.0  # up: 1.0 + one step, 1.0 - one step, + two
        await asyncio.sleep(0.5)

    asyncio.run(move_then_idle())
    ahead = explorer.nearby()
    assert len(ahead) == 3 and ahead[0]["lr"] == pytest.approx(10 ** 0.01)
    assert len(rendered) == 4  # 1.0, then the three ahead
    assert {explorer._picture_key(n, None) for n in ahead} < set(explorer._pictures)
    shown = bytes(explorer.image.value)
    f = explorer.objective
    np.testing.assert_allclose(explorer.lines["GD"].get_xdata(),
                               minimize(SGD(1.0), f, f.start, 30).thetas[:, 0])
    explorer.controls["lr"].value = ahead[0]["lr"]  # the arrow key: nothing left to render
    assert len(rendered) == 4 and bytes(explorer.image.value) != shown
    drawn_ahead = bytes(explorer.image.value)
    explorer.PICTURES = 0
    explorer.refresh()  # rendered now: the same picture as the one drawn ahead
    assert len(rendered) == 5 and bytes(explorer.image.value) == drawn_ahead


def test_a_setting_that_fails_to_draw_ahead_leaves_the_setting_shown():
    fig = new_figure()
    ax = fig.add_subplot(xlim=(0, 1), ylim=(0, 10))
    (line,) = ax.plot([], [])
    slope = FloatSlider(value=5.0, min=0.0, max=10.0, step=1.0)

    def draw(slope_value):
        if slope_value > 5:
            raise ValueError("slope_value must be at most 5")
        line.set_data([0, 1], [0, slope_value])

    explorer = Explorer(fig, {"slope_value": slope}, draw, animated=(line,))
    time.sleep(0.1)  # quiet
    assert not explorer.draw_ahead()  # 6.0 first: it fails
    assert list(line.get_ydata()) == [0, 5.0] and len(explorer._pictures) == 1


def test_an_explorer_built_in_a_cell_watches_the_cells_from_it_on(monkeypatch):
    """Drawing ahead waits for an idle kernel: an explorer without a cache of runs must start
    the watch itself, from the cell that builds it (else no cell's end is ever seen)."""
    monkeypatch.setattr(cs551_widgets, "IDLE_SECONDS", 0.05)
    shell = InteractiveShell.instance()
    try:
        shell.run_cell(
            "from ipywidgets import FloatSlider\n"
            "from cs551.widgets import Explorer, new_figure\n"
            "fig = new_figure()\n"
            "(line,) = fig.add_subplot().plot([], [])\n"
            "explorer = Explorer(fig, {'a': FloatSlider()}, lambda a: line.set_data([0], [a]),"
            " animated=(line,))\n")
        assert shell.user_ns["explorer"].image.value and shell._cs551_cells_watched
        time.sleep(0.1)
        assert cs551_widgets.kernel_idle()  # counted from the end of that cell
    finally:
        InteractiveShell.clear_instance()


def test_nothing_is_drawn_ahead_while_a_cache_works_or_outside_an_event_loop(explorer,
                                                                           monkeypatch):
    rendered = _count_renders(explorer)
    explorer.controls["lr"].value = 1.0  # no event loop here: nothing scheduled
    assert explorer._ahead_handle is None and len(rendered) == 1
    explorer.training = ResultCache(lambda x: x)  # as an explorer's own cache of runs
    monkeypatch.setattr(ResultCache, "working", property(lambda self: True))
    assert not explorer.draw_ahead() and len(rendered) == 1
    monkeypatch.undo()
    time.sleep(0.1)  # quiet
    assert explorer.draw_ahead() and len(rendered) == 2


def test_an_overlay_is_composited_over_the_animated_artists_as_if_drawn_there():
    def build(overlay):
        fig = new_figure()
        ax = fig.add_subplot(xlim=(0, 1), ylim=(0, 1))
        (line,) = ax.plot([0, 1], [0.5, 0.5], linewidth=8, color="C1")
        label = ax.annotate("label", xy=(0.5, 0.5), ha="center", fontsize=20, color="C0",
                            fontweight="bold")
        if overlay:
            return Explorer(fig, {}, lambda: None, animated=(line,), overlay=(label,))
        return Explorer(fig, {}, lambda: None, animated=(line, label))  # drawn each time

    composited, drawn = (np.asarray(build(o).fig.canvas.buffer_rgba(), dtype=int)
                         for o in (True, False))
    assert np.abs(composited - drawn).max() <= 3
    with pytest.raises(ValueError, match="overlay needs animated artists"):
        Explorer(new_figure(), {}, lambda: None, overlay=(Line2D([], []),))


def test_a_picture_redraws_only_the_artists_after_the_first_that_changed(tmp_path):
    """A move of momentum leaves gradient descent's line as it was (it comes first): the
    first such move keeps the canvas after it, the next ones start there and draw momentum's
    line and the start marker. The picture is the one drawn from the background, byte for
    byte; after a full draw of the figure (savefig) every artist is drawn again."""
    f = ill_conditioned_quadratic(10.0)

    explorer = OptimizerExplorer(f, {"GD": SGD, "momentum": Momentum}, lr=0.5, momentum=0.8,
                                 steps=30)
    explorer.PICTURES = 0  # every picture rendered
    drawn = count_draws(explorer)
    gd, momentum, start = explorer.animated
    for value, draws in ((0.6, [gd, momentum, start]), (0.5, [momentum, start]),
                         (0.4, [momentum, start])):
        drawn.clear()
        explorer.controls["momentum"].value = value
        assert drawn == draws
    assert bytes(explorer.image.value) == drawn_from_the_background(explorer)
    drawn.clear()
    explorer.controls["lr"].value = 0.3  # both lines change
    assert drawn == [gd, momentum, start]
    assert bytes(explorer.image.value) == drawn_from_the_background(explorer)
    explorer.controls["momentum"].value = 0.6  # the canvas after gd is kept again
    explorer.fig.savefig(tmp_path / "explorer.png")  # draws every artist, resets their flags
    drawn.clear()
    explorer.controls["momentum"].value = 0.7
    assert drawn == [gd, momentum, start]
    assert bytes(explorer.image.value) == drawn_from_the_background(explorer)


def test_nearby_settings_are_an_arrow_key_or_two_away(explorer):
    """Along every slider before a move (not the Dropdown), then along the one moved last:
    a step the way it moved, a step back, two steps the way it moved. A log slider's steps
    are steps of its exponent."""
    before = explorer.nearby()
    assert {name for setting in before for name, value in setting.items()
            if value != explorer.values[name]} == {"lr", "momentum", "steps", "x0", "y0"}
    explorer.controls["steps"].value = 31  # up from 30
    assert [s["steps"] for s in explorer.nearby()] == [32, 30, 33]
    explorer.controls["lr"].value = 10 ** -0.3  # up from 0.5, onto the log slider's grid
    np.testing.assert_allclose([s["lr"] for s in explorer.nearby()],
                               [10 ** -0.29, 10 ** -0.31, 10 ** -0.28])
    assert all(s["steps"] == 31 for s in explorer.nearby())
    bottom = Explorer(new_figure(), {"n": SelectionSlider(options=(1, 2, 4), value=1)},
                      lambda n: None)
    assert bottom.nearby() == [{"n": 2}]
    bottom.controls["n"].value = 2
    assert bottom.nearby() == [{"n": 4}, {"n": 1}]


# --- ResultCache: once, next, or ahead ----------------------------------------------------------


def test_a_result_is_computed_once_and_keys_count_floats_to_ten_digits():
    calls = []
    cache = ResultCache(lambda a, b: calls.append((a, b)) or a * b)
    assert cache.get((0.1, 3)) == pytest.approx(0.3) and cache.get((0.1, 3)) == pytest.approx(0.3)
    assert cache.ready((0.1 + 1e-17, 3)) and calls == [(0.1, 3)]
    assert not cache.ready((0.1001, 3))
    assert not cache.prefetch  # not in IPython: nothing is computed ahead by default
    cache.ahead([(2.0, 2)])
    assert cache.wait(timeout=5) and not cache.ready((2.0, 2))


def test_a_newer_request_replaces_one_not_started():
    entered, gate, calls, done = threading.Event(), threading.Event(), [], []

    def slow(x):
        entered.set()
        assert gate.wait(timeout=30)
        calls.append(x)
        return x

    cache = ResultCache(slow)
    cache.request([(1,)], then=lambda: done.append(1))
    assert entered.wait(timeout=30)  # the worker is on 1
    cache.request([(2,)], then=lambda: done.append(2))
    cache.request([(3,)], then=lambda: done.append(3))  # replaces 2, not started yet
    gate.set()
    assert cache.wait(timeout=30)
    assert calls == [1, 3] and done == [3] and set(cache.results) == {(1,), (3,)}


def test_a_request_made_inside_an_event_loop_is_answered_in_the_loops_thread():
    """In a kernel the redraw after a computation runs in the kernel's thread (between its
    messages), never beside a cell's plotting: matplotlib is not thread-safe."""
    ran_in = []

    async def main():
        cache = ResultCache(lambda x: x * 2)
        cache.request([(1,)], then=lambda: ran_in.append(threading.current_thread()))
        for _ in range(600):
            if ran_in:
                break
            await asyncio.sleep(0.05)
        return cache

    cache = asyncio.run(main())
    assert ran_in == [threading.main_thread()] and cache.get((1,)) == 2


def test_threads_take_short_turns_with_the_gil_only_while_a_worker_computes():
    """A slider move waits at most 0.5 ms for a computing worker to hand the GIL back, not
    Python's 5 ms; the interpreter's setting is restored when the worker is done (an error
    included)."""
    before = sys.getswitchinterval()
    seen = []

    def compute(x):
        seen.append(sys.getswitchinterval())
        return 1 / x

    cache = ResultCache(compute, prefetch=True)
    cache.ahead([(1.0,), (0.0,)])
    assert cache.wait(timeout=30)
    assert seen == [WORKER_SWITCH_INTERVAL] * 2 and WORKER_SWITCH_INTERVAL < before
    assert sys.getswitchinterval() == before
    cache.get((3.0,))  # computed in the caller's thread: no change
    assert seen[-1] == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_a_worker_computes_at_the_lowest_cpu_priority_and_the_kernels_thread_keeps_its_own():
    """Runs computed ahead yield a core to the kernel's thread, the server and the browser."""
    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = niceness()
    seen = []
    cache = ResultCache(lambda x: seen.append(niceness()) or x, prefetch=True)
    cache.ahead([(1,), (2,)])
    assert cache.wait(timeout=30)
    assert seen == [cs551_widgets.WORKER_NICE] * 2 and before < cs551_widgets.WORKER_NICE
    assert niceness() == before and os.getpriority(os.PRIO_PROCESS, 0) == before
    cache.get((3,))  # computed in the caller's thread: its priority is untouched
    assert seen[-1] == before


def test_a_worker_waiting_for_idle_time_is_not_woken_by_each_move(monkeypatch):
    """While a cell runs the worker sleeps; the moves meanwhile (each calls ahead) only
    replace its list, without waking it (a woken thread takes the GIL from the move); at the
    end of the cell it computes the newest list."""
    monkeypatch.setattr(cs551_widgets, "IDLE_SECONDS", 0.05)
    monkeypatch.setitem(cs551_widgets._cells, "running", True)
    cache = ResultCache(lambda x: 1 / x, prefetch=True)
    cache.ahead([(1.0,)])
    assert not cache.wait(timeout=0.2) and not cache.results  # asleep: a cell runs
    wakes = []
    notify = cache._cond.notify_all
    monkeypatch.setattr(cache._cond, "notify_all", lambda: wakes.append(1) or notify())
    for x in (2.0, 3.0, 4.0):
        cache.ahead([(x,)])
    assert wakes == []
    cs551_widgets._on_cell_end()
    assert cache.wait(timeout=30)
    assert set(cache.results) == {(4.0,)}


def test_ahead_fills_the_cache_in_idle_time_and_errors_come_back_from_get():
    cache = ResultCache(lambda x: 1 / x, prefetch=True, limit=3)
    cache.ahead([(1.0,), (2.0,), (0.0,), (4.0,)])
    assert cache.wait(timeout=30)
    assert set(cache.results) == {(1.0,), (2.0,), (4.0,)}  # the limit: 3, oldest dropped first
    with pytest.raises(ZeroDivisionError):
        cache.get((0.0,))  # computed ahead, failed: raised where it is asked for
    assert kernel_idle()  # outside IPython the kernel is always idle
