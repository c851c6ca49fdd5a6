"""The app in process over the session's small real bundle (tests/conftest.py), one per test
module."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.realtime.server.helpers import test_client


@pytest.fixture(scope="module")
def client(small_bundle: Path):
    with test_client(small_bundle) as test_client_:
        yield test_client_
