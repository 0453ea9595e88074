"""Shared test helpers."""

import os

import pytest


def skip_or_fail(reason: str) -> None:
    """Skip a test whose optional tool is missing; in CI (CS551_CI=1) that is a failure."""
    if os.environ.get("CS551_CI") == "1":
        pytest.fail(f"{reason} (in CI every test must run: CS551_CI=1)")
    pytest.skip(reason)
