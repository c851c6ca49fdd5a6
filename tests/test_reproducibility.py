"""Two `dvc repro --force` runs on the same machine give the same bytes: metrics, dataset,
keypoints per clip (re-extracted, the cache deleted between runs), the Keras model and the
TFLite bundle. A temporary copy of the repository with a small slice of the real data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.test_pipeline import CLIPS, SIGNERS, _run

pytestmark = pytest.mark.slow

COMPARED = ("reports/metrics.json", "data/dataset.npz", "models/model.keras", "models/bundle/model.tflite")


@pytest.fixture()
def project(tmp_path: Path, shared_data: Path, project_root: Path) -> Path:
    shared = tmp_path / "shared" / "data"
    (shared / "keypoints" / "multisigner-258").mkdir(parents=True)
    for signer in SIGNERS:
        shutil.copy(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz",
                    shared / "keypoints" / "multisigner-258")
    for clip in CLIPS:
        target = shared / "videos" / "asl-starter" / clip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / "videos" / "asl-starter" / clip, target)
    shutil.copy(shared_data / "videos" / "clips.csv", shared / "videos" / "clips.csv")
    project = tmp_path / "main"
    listed = _run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], project_root).split()
    for name in listed:
        source = project_root / name
        if source.is_file() and not name.startswith(("data/", "models/", "reports/")) and name != "dvc.lock":
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, project / name)
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["train"]["epochs"] = 2
    params["ingest"]["min_samples_per_class"] = 1
    params["extract"]["workers"] = 2
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    _run(["git", "init", "-q"], project)
    _run(["git", "add", "-A"], project)
    _run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "copy"], project)
    return project


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
    assert len(first_keypoints) == len(CLIPS)
    shutil.rmtree(project / "data" / "keypoints")  # extraction really runs again

    output = _run(["dvc", "repro", "--force"], project)
    assert f"extracted {len(CLIPS)} clips (0 from cache)" in output
    second_files, second_keypoints = _snapshot(project)
    assert first_keypoints.keys() == second_keypoints.keys()
    for name, frames in first_keypoints.items():
        assert np.array_equal(frames, second_keypoints[name]), f"keypoints of {name} differ"
    for name in COMPARED:
        assert first_files[name] == second_files[name], f"{name} differs between two runs"
