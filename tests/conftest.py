"""Unit-test setup: figures render off-screen and are closed after every test.

Only for the tests in this folder: the notebooks' kernels are separate processes and
keep their own backend (conftest.py at the root gives them their environment).
"""

import matplotlib
import matplotlib.pyplot as plt
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so that figures do not pile up across tests."""
    yield
    plt.close("all")
