"""Fixtures for the live tools: real starter clips, the session's small bundle (tests/conftest.py)
with its classes renamed, and a real capture source that starts with nobody in it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.realtime.helpers import BLACK_FRAMES, SCRIPT_CLASSES, write_video


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


@pytest.fixture(scope="module")
def dark_then_signing(tmp_path_factory, shared_data: Path) -> Path:
    """A real file: 20 black frames (nobody there), then a real 640x480 clip of `yes`
    (a hand in every frame), 84 frames at 30 FPS."""
    import cv2

    capture = cv2.VideoCapture(str(shared_data / "videos" / "asl-starter" / "yes" / "yes_04.mp4"))
    signing = []
    while (read := capture.read())[0]:
        signing.append(read[1])
    capture.release()
    path = tmp_path_factory.mktemp("capture-source") / "dark_then_signing.mp4"
    write_video(path, [np.zeros_like(signing[0])] * BLACK_FRAMES + signing)
    return path
