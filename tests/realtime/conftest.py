"""Fixtures for the live tools: a small real bundle and real starter clips."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def small_bundle(tmp_path_factory, shared_data: Path, project_root: Path) -> Path:
    """A real bundle: the tutorial network trained 2 epochs on four real signers'
    sequences, exported to TFLite (8 classes, 30-frame windows of raw pose + hands: the
    windows `build_project` trains on, whatever normalisation params.yaml chooses)."""
    from signlang.export import export_bundle
    from signlang.params import Params, load_params
    from tests.stages.test_evaluate import build_project

    root = tmp_path_factory.mktemp("live-project")
    raw = load_params(project_root / "params.yaml").model_dump()
    raw["features"] = {"parts": ["pose", "left_hand", "right_hand"], "sequence_length": 30}
    raw["train"].update(preset="tutorial", epochs=2, batch_size=32)
    params = Params.model_validate(raw)
    project = build_project(root, shared_data, params)
    bundle_dir = root / "bundle"
    export_bundle(project["model"], params, list(project["classes"]), bundle_dir)
    return bundle_dir


@pytest.fixture(scope="session")
def starter_clips(shared_data: Path) -> Path:
    return shared_data / "videos" / "asl-starter"


def count_frames(path: Path) -> int:
    """Frames that actually decode (container frame counts can be off)."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count
