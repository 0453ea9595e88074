"""Test configuration shared by the unit tests and the notebooks (strict nbval).

Loaded from any folder of the repository, so a bare ``pytest`` anywhere works:
the sanitize file is resolved against the repository root, and the kernels get
the same environment as ``python -m cs551.execute`` used to store the outputs.
"""

from pathlib import Path

from hypothesis import settings

from cs551.execute import apply_kernel_env

ROOT = Path(__file__).resolve().parent

apply_kernel_env()

# Property tests: reproducible in CI, and no timing-based failures on a slow machine.
settings.register_profile("cs551", deadline=None, derandomize=True, max_examples=60)
settings.load_profile("cs551")


def pytest_configure(config):
    if getattr(config.option, "nbval_sanitize_with", "unset") is None:
        config.option.nbval_sanitize_with = str(ROOT / "nbval_sanitize.cfg")
