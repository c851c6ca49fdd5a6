from __future__ import annotations

from pathlib import Path

import pytest

from tests.signlang.crossval.helpers import SIGNERS, link_signers


@pytest.fixture(scope="module")
def few_signers(tmp_path_factory, shared_data: Path) -> Path:
    """A folder linking (not copying) four real signers' files."""
    return link_signers(tmp_path_factory.mktemp("signers"), shared_data, {name: name for name in SIGNERS})
