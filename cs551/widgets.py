"""Interactive explorers: sliders that redraw a figure in a few milliseconds.

How they stay fast and safe (measured in ``benchmarks/widget_latency.py`` inside a kernel
and ``benchmarks/browser_latency.py`` in JupyterLab):

- the figure is a plain ``matplotlib.figure.Figure`` on an Agg canvas, never a
  pyplot figure, so a notebook's inline backend never captures it;
- its static part (contours, axes, legend) is drawn once and cached; a slider
  move only redraws the artists that change ("blitting");
- the result goes as PNG bytes into an ``ipywidgets.Image``: 256 colours taken from the
  figure itself, one byte per pixel, unfiltered (``png_bytes``), which encodes 4-6x faster
  than RGBA and looks the same; only the pixels that differ from the first picture are
  looked up in the palette (``PaletteEncoder``), and the PNG is compressed in one call of
  ISA-L's deflate (``palette_png``). No ``Output`` widget is involved, which
  also avoids a known hang of notebook execution (nbclient mimics Output widgets over a
  synchronous socket: jupyter/nbclient#312);
- a setting drawn before is not drawn again: the explorer remembers its latest pictures by
  the controls' values and shows the PNG again (a slider moved back and forth); and while
  the kernel is idle it draws the pictures an arrow key away ahead (``Explorer.draw_ahead``),
  so that a step of a slider only sends a picture;
- a drag queues no stale pictures: the front end keeps one update per widget in flight
  and sends only the newest value when the kernel is done (ipywidgets' message throttle),
  and a change that arrives while a picture is being drawn makes the explorer draw once
  more, with the latest values (``Explorer.refresh``);
- results that take long to compute (a network's training) come from a ``ResultCache``:
  computed once, the newest request first in a worker thread while the picture says so,
  and the neighbours of the current setting ahead of time while the kernel is idle; while
  a worker computes, threads take turns with the GIL every 0.5 ms instead of 5, so that a
  slider move is not kept waiting for it.

``Explorer`` is the general mechanism; ``OptimizerExplorer`` is the optimizer
playground of the course. Both can be driven from pytest by setting
``explorer.controls[name].value`` and inspecting what changed.

What an explorer finds is a ``Report``, written once per slider move: rows of
``label: value`` in plain text. The panel beside the sliders renders it as HTML (with
the math symbols, ``symbols``); ``summary()`` returns it as text, which a notebook
prints to pin the result under strict nbval.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import html
import inspect
import io
import math
import os
import re
import struct
import sys
import threading
import time
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from IPython import get_ipython
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

try:  # ISA-L's deflate (python-isal; no wheel for every platform, see pyproject.toml)
    from isal import isal_zlib
except ImportError:  # zlib's run-length mode instead: the same PNG, 4x the time
    isal_zlib = None

from .objectives import Objective
from .optim import Trajectory, minimize
from .plots import describe, draw_contours


def new_figure(figsize: tuple[float, float] = (6.4, 4.8), dpi: int = 100, **subplots) -> Figure:
    """A figure on its own Agg canvas, unknown to pyplot (nothing gets auto-displayed).

    The explorers' wide figures (10 inches, shown below the controls) take ``dpi=80``: 800
    pixels across, the same figure scaled down, with a third fewer pixels to draw and encode on
    every move than at 100 dpi."""
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained" if not subplots else None)
    FigureCanvasAgg(fig)
    if subplots:
        fig.subplots(**subplots)
    return fig


def _canvas_image(fig: Figure) -> Image.Image:
    canvas = fig.canvas
    width, height = canvas.get_width_height(physical=True)
    return Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)


def palette_of(fig: Figure) -> Image.Image:
    """The 256 colours that best cover the figure's canvas as drawn now (Pillow's fast
    octree, 4-6 ms), as a palette image for ``png_bytes``."""
    return _canvas_image(fig).convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)


def png_bytes(fig: Figure, palette: Image.Image | None = None) -> bytes:
    """The canvas as PNG bytes.

    With a ``palette`` (``palette_of`` the same figure) every pixel becomes the index of the
    nearest of its 256 colours, without dithering (``palette_png``): one byte per pixel, a
    quarter of RGBA's bytes and a third of its PNG's size, and to the eye the same picture (a
    figure has few colours; antialiased edges move by a few levels). Without one: lossless
    RGBA (Pillow, zlib level 1).
    """
    image = _canvas_image(fig)
    if palette is None:
        buffer = io.BytesIO()
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()
    return palette_png(np.asarray(_indexed(image, palette)), bytes(palette.getpalette()))


def _indexed(image: Image.Image, palette: Image.Image) -> Image.Image:
    """Each pixel as the index of its nearest colour in ``palette``, no dithering."""
    return image.convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE)


def deflate(data: bytes) -> bytes:
    """``data`` as a zlib stream (RFC 1950), fast: ISA-L at level 1 where python-isal is
    installed (0.6 ms for an 800 x 336 picture), else zlib's level 1 with run-length matches
    only (2.5 ms; runs of one colour are most of a figure)."""
    if isal_zlib is not None:
        return isal_zlib.compress(data, 1)
    return _zlib_rle(data)


def _zlib_rle(data: bytes) -> bytes:
    compressor = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    return compressor.compress(data) + compressor.flush()


def _chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: length, type, data, CRC-32 of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def palette_png(indices: np.ndarray, colours: bytes) -> bytes:
    """A palette PNG (colour type 3, 8 bits per pixel) of ``indices``, a (height, width) array of
    uint8 indices into ``colours`` (r, g, b bytes per entry, at most 256 entries).

    Each row is stored unfiltered (filter byte 0) and the image is compressed in one call of
    ``deflate``. Written here rather than by Pillow, which feeds its zlib row by row: 3.2 ms
    for an explorer's 800 x 336 pixels, against 0.8 ms here (ISA-L). The chunks are the PNG
    specification's minimum, IHDR, PLTE, IDAT and IEND, and Pillow decodes them to the same
    indices and palette (``tests/test_widgets.py``).
    """
    height, width = indices.shape
    rows = np.zeros((height, width + 1), np.uint8)  # each row: its filter type (0, none), pixels
    rows[:, 1:] = indices
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8 bits, palette, no interlace
    return b"".join([b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), _chunk(b"PLTE", colours),
                     _chunk(b"IDAT", deflate(rows.tobytes())), _chunk(b"IEND", b"")])


class PaletteEncoder:
    """``png_bytes(fig, palette)``, byte for byte, finding the colours only of changed pixels.

    A pixel's index is the nearest palette colour to its colour, whatever the pixels around
    it: where the canvas is as it was in the first picture, that picture's indices hold. An
    explorer's pictures differ from its first in a few percent of their pixels (08: 3,636 of
    268,800), so the search for nearest colours, about half of ``png_bytes``' 2.7 ms at
    800 x 336 pixels, is made for those only: a picture takes 1.2-2 ms, 0.6 of it ``deflate``'s.
    """

    def __init__(self, fig: Figure, palette: Image.Image):
        self.fig, self.palette = fig, palette
        self._colours = bytes(palette.getpalette())
        self._first: np.ndarray | None = None  # the first picture, a uint32 (RGBA) per pixel
        self._indices: np.ndarray | None = None  # and its palette indices

    def png(self) -> bytes:
        """The canvas as it is now, as a palette PNG."""
        rgba = np.asarray(self.fig.canvas.buffer_rgba())  # (height, width, 4)
        pixels = rgba.view(np.uint32)[..., 0]  # a uint32 per pixel
        if self._first is None or self._first.shape != pixels.shape:
            self._first = pixels.copy()
            self._indices = np.array(_indexed(_canvas_image(self.fig), self.palette))
        changed = np.flatnonzero(pixels != self._first)
        indices = self._indices.copy()
        if changed.size:  # their colours, as an image one pixel high
            colours = np.ascontiguousarray(pixels.ravel()[changed])
            strip = Image.frombuffer("RGBA", (changed.size, 1), colours, "raw", "RGBA", 0, 1)
            indices.ravel()[changed] = np.asarray(_indexed(strip, self.palette))[0]
        return palette_png(indices, self._colours)


# Plain-text math -> the panel's symbols (the summary keeps the plain text).
_GREEK = {"epsilon": "ε", "eps": "ε", "eta": "η", "lambda": "λ", "alpha": "α", "rho": "ρ",
          "sigma": "σ", "kappa": "κ", "theta": "θ", "delta": "δ"}
_SYMBOLS = [(re.compile(pattern), replacement) for pattern, replacement in [
    (r"\btheta\^", "θ̂"),
    *((rf"\b{word}(?![A-Za-z])", letter) for word, letter in _GREEK.items()),
    (r"&lt;=", "≤"), (r"&gt;=", "≥"), (r"-&gt;", "→"), (r"\^-1", "⁻¹"), (r"\^2", "²"),
    (r"(?<=[\w)])_(\w+)", r"<sub>\1</sub>"), (r"\b(diverged|blows up)\b", r"<b>\1</b>")]]


@functools.lru_cache(maxsize=4096)  # a panel's labels come back on every move
def symbols(text: str) -> str:
    """``text`` as HTML, its plain-text math shown with symbols: ``eta <= 2/lambda_max``
    becomes ``η ≤ 2/λ<sub>max</sub>``; the verdicts "diverged" and "blows up" are set in bold."""
    out = html.escape(text, quote=False)
    for pattern, replacement in _SYMBOLS:
        out = pattern.sub(replacement, out)
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
    A ``pending`` report goes with a provisional picture ("training…"), which the explorer
    does not remember.
    """

    headline: str = ""
    rows: Sequence[Row] = ()
    indent: int = 0
    pending: bool = False  # the picture shows that a result is still being computed

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
    static part. Static artists that must lie over the animated ones (labels, arrows) go
    in ``overlay``: they are rendered once, alone, and composited over each frame (a
    copy of pixels instead of text and arrow layout). The picture is encoded with the
    palette of the first full frame (``palette_of``), taken again after each
    ``redraw_background()``.

    Only what changed is drawn: the leading animated artists that are not ``stale`` (matplotlib
    marks an artist stale when one of its setters runs, and clean when it is drawn) are as the
    last picture drew them, so the canvas after them is kept (``_layer``) and the next picture
    starts there. List the artists that change least first, and set an artist's data only when
    it changed.

    The explorer remembers the last ``PICTURES`` pictures it drew, by the controls' values:
    a move back to a setting drawn before (on the same background) still calls ``draw``,
    which sets the artists and the report, but shows the remembered PNG instead of
    rendering and encoding it again. So ``draw`` must make the picture from the controls'
    values alone (and the background); a picture that is not final returns a ``pending``
    report. In a kernel, once the explorers are quiet and the kernel is idle, the pictures
    of the settings an arrow key away (``nearby``) are drawn ahead (``draw_ahead``).

    ``refresh`` may be called from any thread (a ``ResultCache`` worker calls it when a
    result is ready): one picture is drawn at a time, and a change of the controls while one
    is drawn makes it draw once more with the newest values, never with stale ones.
    """

    PICTURES = 100  # remembered pictures (a PNG is 10-60 kB)

    def __init__(
        self,
        fig: Figure,
        controls: Mapping[str, widgets.ValueWidget],
        draw: Callable[..., Report | None],
        *,
        animated: tuple[Artist, ...] = (),
        overlay: tuple[Artist, ...] = (),
        title: str = "explorer",
    ):
        self.fig, self.controls, self._draw = fig, dict(controls), draw
        self.animated, self.overlay = tuple(animated), tuple(overlay)
        self.title = title
        if self.overlay and not self.animated:
            raise ValueError("overlay needs animated artists to lie over")
        for artist in (*self.animated, *self.overlay):
            artist.set_animated(True)  # not part of the cached background
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
        self._layer: tuple[int, object] = (0, None)  # (n, the canvas after the first n animated)
        fig.canvas.mpl_connect("draw_event", self._forget_layer)  # a full draw (or savefig)
        self._overlay: tuple[int, int, np.ndarray] | None = None
        self._encoder: PaletteEncoder | None = None  # the figure's palette, set at a picture
        self._backgrounds = 0  # how many times the background was drawn: the pictures' epoch
        self._pictures: OrderedDict[Hashable, bytes] = OrderedDict()  # oldest first
        self._ahead_handle: asyncio.TimerHandle | None = None  # the next draw_ahead
        self._lock = threading.RLock()  # one picture at a time, whichever thread asks
        self._drawing = self._stale = False
        self._moved: str | None = None  # the control moved last
        self._toward = 0  # and which way: 1 up, -1 down
        self.report = Report()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        kernel_idle()  # watch the cells from this one on (pictures are drawn ahead when idle)
        self.refresh()

    @property
    def values(self) -> dict:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def redraw_background(self) -> None:
        """Draw the static part of the figure and cache it (the next frame's colours
        become the palette)."""
        with self._lock:
            self.fig.canvas.draw()
            self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
            self._layer = (0, self._background)
            self._overlay = self._render_overlay() if self.overlay else None
            self._encoder = None
            self._backgrounds += 1
            self._pictures.clear()  # drawn on the old background

    def _render_overlay(self) -> tuple[int, int, np.ndarray] | None:
        """The overlay artists alone on a transparent canvas, cropped: (x, y, RGBA), the
        lower left corner in pixels and the rows bottom up, as ``draw_image`` takes them."""
        renderer = self.fig.canvas.get_renderer()
        renderer.clear()  # transparent
        for artist in self.overlay:
            self.fig.draw_artist(artist)
        pixels = np.asarray(renderer.buffer_rgba())  # a view: copy before the restore
        rows, cols = np.nonzero(pixels[..., 3])
        found = None
        if len(rows):
            top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
            image = np.ascontiguousarray(pixels[top:bottom, left:right][::-1])
            found = int(left), int(pixels.shape[0] - bottom), image
        self.fig.canvas.restore_region(self._background)
        return found

    def refresh(self) -> None:
        """Call ``draw`` with the current values and render the figure into the image.

        Re-entrant and thread-safe: a change that arrives while a picture is drawn (from
        ``draw`` itself or another thread) is not drawn on its own; the picture is drawn
        once more when this one is done, with the values then current.
        """
        with self._lock:
            if self._drawing:  # a change in the middle of a drawing: draw again after it
                self._stale = True
                return
            self._drawing = True
            try:
                self._stale = True
                while self._stale:
                    self._stale = False
                    self._render()
            finally:
                self._drawing = False
                _last_drawn[0] = time.monotonic()  # work ahead waits for a pause
        self._draw_ahead_later()

    def _picture_key(self, values: dict, report: Report | None) -> Hashable | None:
        """What a picture is remembered by: the controls' values (floats to 10 digits) on
        this background; None for a pending picture or values that cannot be a key."""
        if (report is not None and report.pending) or self.PICTURES == 0:
            return None
        key = (self._backgrounds, _rounded(tuple(values.values())))
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def _remember(self, key: Hashable, picture: bytes) -> None:
        """Keep a picture, the least recently shown dropped beyond ``PICTURES``."""
        self._pictures[key] = picture
        while len(self._pictures) > self.PICTURES:
            self._pictures.popitem(last=False)

    def _render(self) -> None:
        values = self.values  # once: a control may move while draw runs
        report = self._draw(**values)
        key = self._picture_key(values, report)
        picture = self._pictures.get(key) if key is not None else None
        if picture is None:
            picture = self._picture()
            key = self._picture_key(values, report)  # the first picture draws the background
            if key is not None:
                self._remember(key, picture)
        else:
            self._pictures.move_to_end(key)
        # the picture first: it is what the student watches; the status panel follows
        self.image.value = picture
        if report is not None:
            self.report = report
            self.status.value = report.html()

    def _picture(self) -> bytes:
        """Render the animated artists over the background (or the whole figure) as PNG."""
        canvas = self.fig.canvas
        if self.animated:
            if self._background is None:
                self.redraw_background()
            self._draw_animated()
            if self._overlay is not None:
                x, y, image = self._overlay
                renderer = canvas.get_renderer()
                gc = renderer.new_gc()
                renderer.draw_image(gc, x, y, image)
                gc.restore()
        else:
            canvas.draw()
        if self._encoder is None:
            self._encoder = PaletteEncoder(self.fig, palette_of(self.fig))
        return self._encoder.png()

    def _draw_animated(self) -> None:
        """Restore the deepest kept layer whose artists are unchanged, draw the others over it,
        and keep the canvas after the unchanged ones for the next picture."""
        canvas, animated = self.fig.canvas, self.animated
        same = next((i for i, artist in enumerate(animated) if artist.stale), len(animated))
        n, layer = self._layer if self._layer[0] <= same else (0, self._background)
        canvas.restore_region(layer)
        for artist in animated[n:same]:
            self.fig.draw_artist(artist)
        if same > n:  # the unchanged artists are drawn: keep this canvas
            self._layer = (same, canvas.copy_from_bbox(self.fig.bbox))
        for artist in animated[same:]:
            self.fig.draw_artist(artist)

    def _forget_layer(self, event=None) -> None:
        """After a full draw of the figure the artists' stale flags say nothing about the
        kept layer (a ``savefig`` draws the animated artists too): start from the background."""
        self._layer = (0, self._background)

    def _draw_ahead_later(self, delay: float | None = None) -> None:
        """Schedule ``draw_ahead`` on the running event loop (a kernel's), ``delay`` (default
        ``QUIET_SECONDS``) from now; without a loop (pytest, a script) nothing is drawn ahead."""
        delay = QUIET_SECONDS if delay is None else delay
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._ahead_handle is not None:
            self._ahead_handle.cancel()
        self._ahead_handle = loop.call_later(delay, self.draw_ahead)

    def draw_ahead(self) -> bool:
        """Draw one picture ahead: the first setting of ``nearby()`` not yet remembered,
        when the kernel is idle, no explorer drew for ``QUIET_SECONDS`` and this explorer's
        ``ResultCache`` workers are done (its runs are ready). The artists are then set back
        to the controls' values; the picture shown does not change. Scheduled on the kernel's
        event loop after every picture, a picture per call, so that a slider move waits for
        at most one. True if it drew one."""
        self._ahead_handle = None
        if self.PICTURES == 0:
            return False
        busy = any(cache.working for cache in vars(self).values() if isinstance(cache, ResultCache))
        if busy or not kernel_idle() or time.monotonic() - _last_drawn[0] < QUIET_SECONDS:
            self._draw_ahead_later()  # later
            return False
        with self._lock:
            if self._drawing:
                return False  # the drawing schedules the next attempt when it is done
            backgrounds = self._backgrounds
            for values in self.nearby()[:self.PICTURES // 2]:
                key = self._picture_key(values, None)
                if key is None or key in self._pictures:
                    continue
                try:
                    report = self._draw(**values)
                    drawn = ((report is None or not report.pending)
                             and self._backgrounds == backgrounds)
                    if drawn:
                        self._remember(key, self._picture())
                except Exception:  # work ahead only: a move there shows the error itself
                    drawn = False
                finally:
                    self._draw(**self.values)  # the artists back to the setting shown
                if drawn:
                    self._draw_ahead_later(0)  # the next one, after what the loop has waiting
                return drawn
        return False

    def _on_change(self, change) -> None:
        self._moved = next((name for name, c in self.controls.items() if c is change.owner), None)
        try:
            self._toward = 1 if change.new > change.old else -1
        except TypeError:  # not numbers
            self._toward = 0
        self.refresh()

    def nearby(self) -> list[dict]:
        """The settings an arrow key or two away from the current one, nearest first: along
        the control moved last (one step the way it moved, one back, two the way it moved),
        or one step either way along every slider before the first move."""
        if self._moved is None:
            names, toward = list(self.controls), 0
        else:
            names, toward = [self._moved], self._toward
        current = self.values
        return [dict(current, **{name: value}) for name in names
                for value in _arrow_keys(self.controls[name], toward)]

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


# --- results that take long to compute: once, in a worker thread, ahead in idle time -------

IDLE_SECONDS = 0.5  # the kernel counts as idle once no cell has run for this long
QUIET_SECONDS = 0.06  # and the explorers as quiet once none has drawn for this long
_cells = {"running": False, "since": -math.inf}  # is a cell running; when one last started/ended
_last_drawn = [-math.inf]  # when an explorer last drew a picture (any explorer: one kernel)
_waiting_for_idle: weakref.WeakSet = weakref.WeakSet()  # caches whose worker waits for idle


def _on_cell_start(*args) -> None:
    _cells.update(running=True, since=time.monotonic())


def _on_cell_end(*args) -> None:
    _cells.update(running=False, since=time.monotonic())
    for cache in list(_waiting_for_idle):  # their workers sleep until now: count from here
        with cache._cond:
            cache._cond.notify_all()


def _idle_in() -> float:
    """Seconds until the kernel counts as idle: 0 if it does, inf while a cell runs."""
    if _cells["running"]:
        return math.inf
    return max(0.0, IDLE_SECONDS - (time.monotonic() - _cells["since"]))


def kernel_idle() -> bool:
    """No notebook cell is running or has run for ``IDLE_SECONDS`` (IPython's pre- and
    post-run-cell events, watched from the first call on, which is taken to come from a
    running cell: idle counts from its end). Always True outside IPython."""
    shell = get_ipython()
    if shell is not None and getattr(shell, "_cs551_cells_watched", False) is False:
        shell.events.register("pre_run_cell", _on_cell_start)
        shell.events.register("post_run_cell", _on_cell_end)
        shell._cs551_cells_watched = True
        _on_cell_start()  # first called from a cell (an explorer's construction): its end counts
    return _idle_in() == 0


WORKER_SWITCH_INTERVAL = 0.0005  # s; Python's default is 0.005
WORKER_NICE = 19  # a ResultCache worker's CPU priority on Linux: the lowest
_workers_computing = [0, 0.005]  # how many ResultCache workers compute now; the interval before
_switch_lock = threading.Lock()


@contextmanager
def _short_gil_turns() -> Iterator[None]:
    """While a worker computes, Python passes the GIL between threads every 0.5 ms instead of
    every 5 ms: each time the kernel's own thread gives the GIL up (to send a picture, to wait
    for a message) and wants it back, it waits at most that long for the worker. Measured on
    10's explorer in JupyterLab while neighbours trained ahead: p95 41-48 ms instead of 57-69."""
    with _switch_lock:
        if _workers_computing[0] == 0:
            _workers_computing[1] = sys.getswitchinterval()
            sys.setswitchinterval(min(_workers_computing[1], WORKER_SWITCH_INTERVAL))
        _workers_computing[0] += 1
    try:
        yield
    finally:
        with _switch_lock:
            _workers_computing[0] -= 1
            if _workers_computing[0] == 0:
                sys.setswitchinterval(_workers_computing[1])


def _lower_this_threads_priority() -> None:
    """Give the calling thread (a ResultCache worker) the lowest CPU priority, nice
    ``WORKER_NICE``, so that the kernel's own thread, the Jupyter server and the browser get a
    core first when they need one: a move is not slowed down by runs computed ahead. Linux
    only, where setpriority on a thread's id sets that thread alone (elsewhere it would name a
    process). A thread cannot raise its priority back; the worker's thread ends with its work."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)
        except OSError:
            pass


def _rounded(key: Hashable) -> Hashable:
    """A key whose floats keep 10 significant digits: the value a slider sends after an
    arrow key (computed in the browser) finds the result computed ahead for it in Python,
    though the two may differ in the last bits."""
    if isinstance(key, tuple):
        return tuple(_rounded(part) for part in key)
    return float(f"{key:.10g}") if isinstance(key, float) else key


def _in_this_thread(function: Callable[[], None]) -> Callable[[], None]:
    """``function``, to be called from another thread but run in this one, through its
    running event loop (as is ipykernel's, while it handles a message); without a loop, as is."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return function

    def call_there() -> None:
        try:
            loop.call_soon_threadsafe(function)
        except RuntimeError:  # the loop is closed: the kernel is shutting down
            pass

    return call_there


class ResultCache(Mapping):
    """The results of ``compute(*key)`` by key, each computed once: now, next, or ahead.

    - ``get(key)``: the result, computed in the calling thread if need be (or awaited, if
      the worker is computing it);
    - ``request(keys, then)``: one worker thread computes these keys next and then calls
      ``then()``: in the thread that made the request, through its event loop (a kernel's:
      a redraw never runs beside a cell's plotting, matplotlib is not thread-safe), or in
      the worker where there is no loop (pytest). A newer request replaces an older one
      (its ``then`` is not called), so a slider dragged across slow settings computes only
      the one it stops at (plus the key in progress, which is kept);
    - ``ahead(keys)``: keys the worker computes in idle time: when nothing is requested,
      nothing was asked of the cache and no explorer drew for ``QUIET_SECONDS`` (a drag, of
      any explorer, is not slowed down) and no notebook cell runs (``kernel_idle``). Only
      if ``prefetch`` is true; by default only inside IPython, where a student moves the
      sliders (not under pytest).

    ``compute`` must be safe to call from two threads at once. Floats in keys count to
    10 significant digits (``_rounded``). The cache reads as a mapping of what is computed
    so far (``results``, which may be pre-filled); beyond ``limit`` results the oldest are
    dropped. ``wait()`` returns once the worker has nothing left to do; the worker thread
    exits then.
    """

    def __init__(self, compute: Callable[..., object], results: dict | None = None, *,
                 prefetch: bool | None = None, limit: int | None = None):
        self.compute = compute
        self.results: dict = {} if results is None else results
        self.prefetch = get_ipython() is not None if prefetch is None else bool(prefetch)
        self.limit = limit
        self._cond = threading.Condition()
        self._requested: list = []
        self._then: Callable[[], None] | None = None
        self._requests = 0  # how many requests were made: a later one cancels an earlier then
        self._ahead: list = []
        self._busy: Hashable | None = None  # the key the worker is computing
        self._asked = -math.inf  # when get or request was last called
        self._errors: dict = {}
        self._worker: threading.Thread | None = None
        self.hits = self.misses = 0  # gets that found their result, and those that did not

    __hash__ = object.__hash__  # a cache is one object (with its worker), not its contents

    def __eq__(self, other: object) -> bool:
        return self is other

    def __getitem__(self, key: Hashable):
        return self.results[_rounded(key)]

    def __iter__(self) -> Iterator:
        return iter(list(self.results))

    def __len__(self) -> int:
        return len(self.results)

    def ready(self, key: Hashable) -> bool:
        return _rounded(key) in self.results

    def get(self, key: Hashable):
        slot = _rounded(key)
        with self._cond:
            self._asked = time.monotonic()
            self._cond.wait_for(lambda: self._busy != slot)
            if slot in self._errors:
                raise self._errors.pop(slot)
            if slot in self.results:
                self.hits += 1
                return self.results[slot]
            self.misses += 1
        result = self.compute(*key)
        with self._cond:
            return self._keep(slot, result)

    def request(self, keys: Iterable[Hashable], then: Callable[[], None]) -> None:
        with self._cond:
            self._asked = time.monotonic()
            self._requested = [key for key in keys if _rounded(key) not in self.results]
            self._then = _in_this_thread(then)
            self._requests += 1
            self._start()

    def ahead(self, keys: Iterable[Hashable]) -> None:
        if not self.prefetch:
            return
        with self._cond:
            self._ahead = [key for key in keys if _rounded(key) not in self.results]
            if self._ahead:
                kernel_idle()  # start watching the cells now, from the cell that built us
                if self._worker is None:  # a worker sleeping until quiet wakes by itself:
                    self._start()  # waking it on every move would take the GIL from the move

    @property
    def working(self) -> bool:
        """The worker has keys left to compute (now, or when the kernel is idle)."""
        return self._worker is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker has nothing left to do; False on a timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._worker is None, timeout)

    def _keep(self, slot: Hashable, result):  # with self._cond held
        result = self.results.setdefault(slot, result)
        while self.limit is not None and len(self.results) > self.limit:
            del self.results[next(iter(self.results))]
        return result

    def _start(self) -> None:  # with self._cond held
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="cs551 ResultCache",
                                            daemon=True)
            self._worker.start()
        self._cond.notify_all()

    def _next(self) -> tuple[Hashable | None, Callable[[], None] | None, int]:
        """The next key to compute (None: the worker is done), what to call after it, and
        the number of the request it serves."""
        with self._cond:
            while True:
                self._requested = [k for k in self._requested if _rounded(k) not in self.results]
                if self._requested:
                    key = self._requested.pop(0)
                    then = None if self._requested else self._then
                elif self._then is not None:  # everything requested is there already
                    key, then = None, self._then
                else:
                    self._ahead = [k for k in self._ahead if _rounded(k) not in self.results]
                    if not self._ahead:
                        _waiting_for_idle.discard(self)
                        self._worker = None
                        self._cond.notify_all()
                        return None, None, self._requests
                    # sleep, without polling (a waking thread takes the GIL from the kernel),
                    # until quiet and idle: woken by a request or the end of a cell (listed
                    # before reading the cells' state, so that no end goes unnoticed)
                    _waiting_for_idle.add(self)
                    busy = max(self._asked, _last_drawn[0])
                    wait = max(QUIET_SECONDS - (time.monotonic() - busy), _idle_in())
                    if wait > 0:
                        self._cond.wait(None if wait == math.inf else wait)
                        continue
                    _waiting_for_idle.discard(self)
                    key, then = self._ahead.pop(0), None
                if then is not None:
                    self._then = None
                self._busy = None if key is None else _rounded(key)
                return key, then, self._requests

    def _work(self) -> None:
        _lower_this_threads_priority()
        try:
            self._serve()
        finally:  # also if something unforeseen fails: never leave wait() waiting
            with self._cond:
                if self._worker is threading.current_thread():
                    self._worker = None
                self._cond.notify_all()

    def _serve(self) -> None:
        while True:
            key, then, request = self._next()
            if key is None and then is None:
                return
            if key is not None:
                try:
                    with _short_gil_turns():
                        result = self.compute(*key)
                except Exception as error:  # raised again by get(key)
                    result = error
                with self._cond:
                    if isinstance(result, Exception):
                        self._errors[self._busy] = result
                    else:
                        self._keep(self._busy, result)
                    self._busy = None
                    self._cond.notify_all()
                    if request != self._requests:  # a newer request came: its then will do
                        then = None
            if then is not None:
                then()


def _arrow_keys(control: widgets.ValueWidget, toward: int = 0) -> list:
    """The values a slider reaches with an arrow key or two (none for other controls): one
    step either side, or, after a move up (``toward`` = 1) or down (-1), one step that way,
    one back and a second one that way, in this order. A value off the slider's grid (a
    constructor's may be) gets both the step from it and the neighbouring grid points, as
    the browser may move to either."""
    offsets = (toward, -toward, 2 * toward) if toward else (1, -1)
    if isinstance(control, widgets.SelectionSlider):
        values, i = control._options_values, control.index
        return [values[i + d] for d in offsets if 0 <= i + d < len(values)]
    if not isinstance(control, widgets.IntSlider | widgets.FloatSlider | widgets.FloatLogSlider):
        return []
    log = isinstance(control, widgets.FloatLogSlider)
    x = math.log(control.value, control.base) if log else control.value
    k = (x - control.min) / control.step
    found = []
    for d in offsets:
        for y in (x + d * control.step, control.min + control.step * round(k + d)):
            if control.min - 1e-9 <= y <= control.max + 1e-9 and not math.isclose(y, x):
                value = control.base ** y if log else y
                value = int(round(value)) if isinstance(control, widgets.IntSlider) else value
                if all(_rounded(value) != _rounded(v) for v in found):
                    found.append(value)
    return found


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
    gives the sliders' initial values; ranges come from ``HYPERPARAMETERS``. Every run is
    kept (``cache``, a ``ResultCache``) by what its optimizer takes, so a move of a slider
    reruns only the optimizers that take it; in a kernel the settings one slider step away
    are run ahead while the kernel is idle (``prefetch``; never on a stochastic objective).

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
        prefetch: bool | None = None,
        **hyperparameters: float,
    ):
        check_landscape(objective)
        unknown = set(hyperparameters) - set(HYPERPARAMETERS)
        if unknown:
            raise ValueError(f"hyperparameters must be among {sorted(HYPERPARAMETERS)}, "
                             f"got {sorted(unknown)}")
        self.objective, self.factories = objective, dict(optimizers)
        # the hyperparameters each optimizer takes, read once (a signature costs 50-100 us)
        self._takes = {label: frozenset(_parameters(f)) for label, f in self.factories.items()}
        self.trajectories: dict[str, Trajectory] = {}
        stochastic = hasattr(objective, "reset")  # runs share its minibatch stream
        self.cache = ResultCache(self._minimize, prefetch=False if stochastic else prefetch,
                                 limit=3000)

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
        self._start: tuple[float, float] | None = None  # where the marker is
        ax.legend(loc="upper right", fontsize="small")
        ax.set_title(objective.name)
        super().__init__(fig, controls, self._run,
                         animated=(*self.lines.values(), self.start_marker),
                         title=f"{', '.join(optimizers)} on {objective.name}")

    def _minimize(self, label: str, hyper: tuple, steps: int, x0: float, y0: float) -> Trajectory:
        optimizer = self.factories[label](**dict(hyper))
        return minimize(optimizer, self.objective, np.array([x0, y0]), steps)

    def _keys(self, steps: int, x0: float, y0: float, **hyper: float) -> dict[str, tuple]:
        """Each optimizer's run by the hyperparameters it takes, its steps and start."""
        return {label: (label, tuple((k, v) for k, v in sorted(hyper.items()) if k in takes),
                        steps, x0, y0)
                for label, takes in self._takes.items()}

    def _run(self, steps: int, x0: float, y0: float, **hyper: float) -> Report:
        rows = []
        for label, key in self._keys(steps, x0, y0, **hyper).items():
            run = self.cache.get(key)
            if self.trajectories.get(label) is not run:  # an unchanged line is not drawn again
                self.trajectories[label] = run
                self.lines[label].set_data(run.thetas[:, 0], run.thetas[:, 1])
            end = "diverged" if run.diverged else f"f = {run.value:.4g}"
            rows.append(Row(label, f"{run.steps} steps, {end}"))
        if self._start != (x0, y0):
            self._start = (x0, y0)
            self.start_marker.set_data([x0], [y0])
        self.cache.ahead(key for n in self.nearby() for key in self._keys(**n).values())
        return Report(rows=rows)
