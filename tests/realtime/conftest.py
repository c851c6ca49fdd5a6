"""Fixtures for the live tools: real starter clips and the session's small bundle (tests/conftest.py)
with its classes renamed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.realtime.helpers import SCRIPT_CLASSES


@pytest.fixture(scope="session")
def starter_clips(shared_data: Path) -> Path:
    return shared_data / "videos" / "asl-starter"


@pytest.fixture(scope="session")
def script_bundle(small_bundle: Path, tmp_path_factory) -> Path:
    """`small_bundle` with its classes renamed to SCRIPT_CLASSES in labels.json."""
    import json
    import shutil

    folder = tmp_path_factory.mktemp("script-bundle") / "bundle"
    shutil.copytree(small_bundle, folder)
    labels = {"classes": SCRIPT_CLASSES, "aliases": {}}
    (folder / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder
