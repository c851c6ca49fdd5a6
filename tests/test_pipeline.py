"""`dvc repro` behaviour on a temporary copy of the repository with a small slice of the
real starter data laid out as ../shared/data is beside the real checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.projects import copy_tracked_files

pytestmark = [pytest.mark.slow, pytest.mark.dvc]

SIGNERS = ["techgeekshinobi", "hirak214", "daita-sur", "AdrLfv"]
CLIPS = ["hello/hello_02.mp4", "no/no_02.mp4", "yes/yes_02.mp4", "please/please_02.mp4"]
# params.yaml also reads videos/more/asl (its `sorry` clips): one of them stands in for it.
MORE_CLIPS = ["sorry/sorry_01.mp4"]
ADDED_CLIP = "thank_you/thank_you_01.mp4"


def _run(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("MLFLOW_TRACKING_URI", None)
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{output[-4000:]}"
    return output


def _stages_run(output: str) -> list[str]:
    return re.findall(r"Running stage '([^']+)'", output)


def make_pipeline_copy(root: Path, shared_data: Path, project_root: Path, epochs: int) -> Path:
    """root/main: a committed copy of the repository; root/shared/data: a slice of the real
    starter data laid out as ../shared/data is beside the real checkout."""
    shared = root / "shared" / "data"
    (shared / "keypoints" / "multisigner-258").mkdir(parents=True)
    for signer in SIGNERS:
        shutil.copy(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz",
                    shared / "keypoints" / "multisigner-258")
    for clip in CLIPS:
        target = shared / "videos" / "asl-starter" / clip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / "videos" / "asl-starter" / clip, target)
    for clip in MORE_CLIPS:
        target = shared / "videos" / "more" / "asl" / clip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / "videos" / "more" / "asl" / clip, target)
    shutil.copy(shared_data / "videos" / "clips.csv", shared / "videos" / "clips.csv")

    project = root / "main"
    copy_tracked_files(project_root, project)
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["train"]["epochs"] = epochs
    params["ingest"]["min_samples_per_class"] = 1
    params["extract"]["workers"] = 2
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))

    _run(["git", "init", "-q"], project)
    _run(["git", "add", "-A"], project)
    _run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "copy"], project)
    return project


@pytest.fixture(scope="module")
def pipeline_copy(tmp_path_factory, shared_data: Path, project_root: Path) -> Path:
    return make_pipeline_copy(tmp_path_factory.mktemp("repo"), shared_data, project_root, epochs=3)


def _tracked_runs(project: Path) -> list:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlruns.db'}")
    experiment = client.get_experiment_by_name("signlang")
    return client.search_runs([experiment.experiment_id]) if experiment else []


def test_full_run_then_noop(pipeline_copy: Path) -> None:
    output = _run(["dvc", "repro"], pipeline_copy)
    assert _stages_run(output) == ["ingest", "extract", "audit", "split", "train", "evaluate", "export", "track"]
    metrics = json.loads((pipeline_copy / "reports" / "metrics.json").read_text())
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert (pipeline_copy / "models" / "bundle" / "model.tflite").is_file()
    # One complete MLflow run in the project's store, artifacts under mlartifacts/ as the README says.
    (run,) = _tracked_runs(pipeline_copy)
    assert run.data.metrics["test_accuracy"] == metrics["accuracy"] and "val_loss" in run.data.metrics
    assert run.info.artifact_uri.startswith((pipeline_copy / "mlartifacts").as_uri())
    assert (pipeline_copy / "mlartifacts").is_dir() and not (pipeline_copy / "mlruns").exists()

    again = _run(["dvc", "repro"], pipeline_copy)
    assert _stages_run(again) == ["track"]  # always runs: the MLflow store is not versioned
    assert "already records these results" in again
    assert len(_tracked_runs(pipeline_copy)) == 1


def test_retrained_identical_model_still_gets_a_complete_run(pipeline_copy: Path) -> None:
    """Train reruns and writes the same model bytes, so DVC skips evaluate and export: the
    results are already in the store (same fingerprint) and stay complete there; with the
    store gone (a fresh clone's first run) the track stage logs them in full again."""
    _run(["dvc", "repro"], pipeline_copy)
    output = _run(["dvc", "repro", "--force", "--single-item", "train"], pipeline_copy)
    assert _stages_run(output) == ["train"]
    shutil.rmtree(pipeline_copy / "mlartifacts")
    (pipeline_copy / "mlruns.db").unlink()
    output = _run(["dvc", "repro"], pipeline_copy)
    assert _stages_run(output) == ["track"], "train wrote identical bytes: evaluate and export are up to date"
    (run,) = _tracked_runs(pipeline_copy)
    metrics = json.loads((pipeline_copy / "reports" / "metrics.json").read_text())
    assert run.data.metrics["test_macro_f1"] == metrics["macro_f1"]
    assert run.data.tags["signlang.promoted"] == "true"


def test_training_param_reruns_train_evaluate_export_only(pipeline_copy: Path) -> None:
    _run(["dvc", "repro"], pipeline_copy)
    params_file = pipeline_copy / "params.yaml"
    params = yaml.safe_load(params_file.read_text())
    params["train"]["learning_rate"] = params["train"]["learning_rate"] / 2
    params_file.write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    output = _run(["dvc", "repro"], pipeline_copy)
    assert _stages_run(output) == ["train", "evaluate", "export", "track"]


def test_added_clip_is_extracted_alone(pipeline_copy: Path, shared_data: Path) -> None:
    _run(["dvc", "repro"], pipeline_copy)
    cache = pipeline_copy / "data" / "keypoints"
    before = {path.name: path.stat().st_mtime_ns for path in cache.iterdir()}
    target = pipeline_copy.parent / "shared" / "data" / "videos" / "asl-starter" / ADDED_CLIP
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(shared_data / "videos" / "asl-starter" / ADDED_CLIP, target)

    output = _run(["dvc", "repro"], pipeline_copy)
    assert _stages_run(output)[:2] == ["ingest", "extract"]
    after = {path.name: path.stat().st_mtime_ns for path in cache.iterdir()}
    new = set(after) - set(before)
    assert len(new) == 1, f"expected one newly extracted clip, got {sorted(new)}"
    assert all(after[name] == mtime for name, mtime in before.items()), "a cached clip was re-extracted"
