"""Shared test helpers."""

import importlib
import importlib.util
import os
import pkgutil

import pytest

from cs551.browser import chromium_path
from cs551.grading import self_check

PNG = b"\x89PNG\r\n\x1a\n"  # the signature every PNG file starts with


def skip_or_fail(reason: str) -> None:
    """Skip a test whose optional tool is missing; in CI (CS551_CI=1) that is a failure."""
    if os.environ.get("CS551_CI") == "1":
        pytest.fail(f"{reason} (in CI every test must run: CS551_CI=1)")
    pytest.skip(reason)


def chromium_for_playwright() -> str:
    """Chromium's executable, once Chromium and Playwright are known to be installed (else
    skip, or fail in CI): what the browser tests check before starting anything."""
    executable = chromium_path()
    if executable is None:
        skip_or_fail("Chromium is not installed (Debian: apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        skip_or_fail("Playwright for Python is not installed (pip install playwright)")
    return executable


def assert_redraws(explorer, name: str, value) -> None:
    """Set the explorer's control ``name`` to ``value``: its PNG image must be redrawn.

    The image is a PNG before and after, and the move changed it.
    """
    before = bytes(explorer.image.value)
    assert before.startswith(PNG)
    explorer.controls[name].value = value
    after = bytes(explorer.image.value)
    assert after.startswith(PNG)
    assert after != before


def count_draws(explorer) -> list:
    """The artists the explorer draws from now on, in order (a list that grows)."""
    drawn = []
    draw_artist = explorer.fig.draw_artist
    explorer.fig.draw_artist = lambda artist: drawn.append(artist) or draw_artist(artist)
    return drawn


def drawn_from_the_background(explorer) -> bytes:
    """The picture of the explorer's artists as they are, every one drawn over the background."""
    explorer._forget_layer()
    return explorer._picture()


def add_roundoff_noise(monkeypatch, seed: int = 0, scale: float = 1e-15) -> None:
    """From now on in this test, every optimizer step multiplies theta by (1 + scale z).

    A few ulps per step: what another machine's round-off (other SIMD kernels, another
    BLAS) does to a run. A printed figure that this noise changes is not portable.
    """
    import numpy as np

    from cs551 import optim

    step = optim.Optimizer.step
    rng = np.random.default_rng(seed)

    def noisy_step(self, objective, theta, state):
        step(self, objective, theta, state)
        theta *= 1 + scale * rng.standard_normal(theta.shape)

    monkeypatch.setattr(optim.Optimizer, "step", noisy_step)


def course_explorers() -> list[type]:
    """Every explorer class of the course: ``cs551.widgets.Explorer`` subclasses in its packages."""
    import cs551
    from cs551.widgets import Explorer

    found = set()
    for info in pkgutil.walk_packages(cs551.__path__, "cs551."):
        module = importlib.import_module(info.name)
        found |= {cls for cls in vars(module).values()
                  if isinstance(cls, type) and issubclass(cls, Explorer) and cls is not Explorer}
    return sorted(found, key=lambda cls: cls.__name__)


def assert_says_what_is_off(check, wrong: dict) -> None:
    """A "your turn" check fails each plausible wrong answer with the message the key names
    (a regular expression), and ``self_check`` reports it the same way on every run, in lines
    a notebook can print (under 100 characters)."""
    for message, answer in wrong.items():
        with pytest.raises(AssertionError, match=message):
            check(answer)
        said = self_check(check, answer)
        assert said.startswith("Not yet.") and said == self_check(check, answer)
        assert max(len(line) for line in said.splitlines()) < 100
