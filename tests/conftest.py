"""Shared fixtures: the real recordings in ../shared/data and the project root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SIGNLANG_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: real recordings, read-only. Tests never write into it."""
    if not (SHARED_DATA / "README.md").is_file():
        pytest.fail(f"real test data not found at {SHARED_DATA} (set SIGNLANG_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


def interruptible_child() -> None:
    """`preexec_fn` for a child that a test stops with SIGINT: a shell that starts pytest in
    the background (`pytest &`) makes it ignore SIGINT, children inherit that, and Python
    then never raises KeyboardInterrupt. Restore the default so Ctrl-C works as in a terminal."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
