"""Two `dvc repro --force` runs on the same machine give the same bytes: metrics, dataset,
keypoints per clip (re-extracted, the cache deleted between runs), the Keras model and the
TFLite bundle. A temporary copy of the repository with a small slice of the real data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.test_pipeline import CLIPS, MORE_CLIPS, _run, make_pipeline_copy

pytestmark = pytest.mark.slow

COMPARED = ("reports/metrics.json", "data/dataset.npz", "models/model.keras", "models/bundle/model.tflite")


@pytest.fixture()
def project(tmp_path: Path, shared_data: Path, project_root: Path) -> Path:
    return make_pipeline_copy(tmp_path, shared_data, project_root, epochs=2)


def _snapshot(project: Path) -> tuple[dict[str, bytes], dict[str, np.ndarray]]:
    files = {name: (project / name).read_bytes() for name in COMPARED}
    keypoints = {}
    for path in sorted((project / "data" / "keypoints").glob("*.npz")):
        with np.load(path, allow_pickle=False) as data:
            keypoints[path.name] = data["frames"].copy()
    return files, keypoints


def test_two_forced_runs_give_identical_outputs(project: Path) -> None:
    _run(["dvc", "repro", "--force"], project)
    first_files, first_keypoints = _snapshot(project)
    clips = len(CLIPS) + len(MORE_CLIPS)
    assert len(first_keypoints) == clips
    shutil.rmtree(project / "data" / "keypoints")  # extraction really runs again

    output = _run(["dvc", "repro", "--force"], project)
    assert f"extracted {clips} clips (0 from cache)" in output
    second_files, second_keypoints = _snapshot(project)
    assert first_keypoints.keys() == second_keypoints.keys()
    for name, frames in first_keypoints.items():
        assert np.array_equal(frames, second_keypoints[name]), f"keypoints of {name} differ"
    for name in COMPARED:
        assert first_files[name] == second_files[name], f"{name} differs between two runs"
