"""Train stage on a small slice of the real multi-signer keypoints: the files it writes (and no
MLflow run: the track stage logs), the stage entry point, and a failed training that keeps the
champion. Data loading and fitting: tests/signlang/models/test_train.py."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from signlang import paths
from signlang.errors import InputFileError
from signlang.features import keypoints
from signlang.features.spec import FeatureParams
from signlang.models import train as training
from signlang.serving import tracking
from stages.train import train as train_stage
from tests.signlang.models.helpers import make_params, write_dataset

# Signer -> subset. F1zzy recorded 20-frame sequences, resampled to 30 like the rest.


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory, shared_data: Path) -> tuple[Path, Path]:
    return write_dataset(shared_data, tmp_path_factory.mktemp("data"))


@pytest.mark.slow
def test_run_writes_model_and_reports(small_dataset, project_root, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    paths.DATA_DIR.mkdir()
    for source, target in zip(small_dataset, (paths.DATASET, paths.SPLIT)):
        shutil.copy(source, target)
    params = make_params(
        project_root, preset="lstm", epochs=3, lr_schedule="cosine", early_stopping_patience=2, dropout=0.2, layer_norm=True
    )

    report = train_stage(params)

    # history.csv: one row per epoch, the plot columns, full-precision floats.
    with open(paths.HISTORY, newline="", encoding="utf-8") as handle:
        history = list(csv.DictReader(handle))
    assert list(history[0]) == list(training.HISTORY_COLUMNS)
    assert [row["epoch"] for row in history] == ["1", "2", "3"]
    rates = [float(row["learning_rate"]) for row in history]
    assert rates[0] == pytest.approx(params.train.learning_rate) and rates[0] > rates[1] > rates[2] > 0  # cosine
    assert all(float(row["val_loss"]) > 0 and 0 <= float(row["val_accuracy"]) <= 1 for row in history)

    # train.json: the summary, and nothing that changes from run to run but the numbers.
    assert json.loads(paths.TRAIN_REPORT.read_text(encoding="utf-8")) == report
    assert report["epochs_run"] == 3 and report["preset"] == "lstm" and report["monitor"] == "val_loss"
    assert (report["train_samples"], report["val_samples"], report["classes"]) == (270, 90, 4)
    best = min(history, key=lambda row: float(row["val_loss"]))
    assert report["best_epoch"] == int(best["epoch"]) == report["model_epoch"]
    assert report["best_val_loss"] == float(best["val_loss"])

    # The saved model loads and predicts probabilities.
    model = keras.models.load_model(paths.KERAS_MODEL)
    assert report["parameters"] == model.count_params()
    data = training.load_training_data(paths.DATASET, paths.SPLIT, params.features)
    probabilities = model.predict(data.x_val[:4], verbose=0)
    assert probabilities.shape == (4, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)

    # Training does not talk to MLflow: the track stage logs the results (tests/stages/test_track.py).
    assert not (tmp_path / "mlflow.db").exists()

    # One line per epoch on stdout, no per-batch progress bar.
    output = capsys.readouterr().out
    assert [line.split()[1] for line in output.splitlines() if line.startswith("epoch ")] == ["1/3", "2/3", "3/3"]
    assert "━" not in output and "step" not in output


# --- stage entry point -------------------------------------------------------------------


def test_stage_reports_a_missing_dataset_without_traceback(project_root, tmp_path, monkeypatch, capsys) -> None:
    from stages import train as stage
    from stages._entry import run_stage

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIGNLANG_DEBUG", raising=False)
    shutil.copy(project_root / "params.yaml", tmp_path / "params.yaml")
    with pytest.raises(SystemExit) as exited:
        run_stage(stage.train, stage.stage_params, argv=[])
    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("error: data/dataset.npz: not found") and "Traceback" not in error
    with pytest.raises(InputFileError):
        run_stage(stage.train, stage.stage_params, argv=["--debug"])


# --- a failed training promotes nothing (issue 6) -------------------------------------------


@pytest.mark.slow
def test_failed_training_keeps_the_champion(shared_data, project_root, tmp_path, monkeypatch) -> None:
    """A champion is registered in a real SQLite store; then training fails on a dataset
    holding a NaN: no model is written, export cannot start, the alias does not move."""
    import os
    import subprocess
    import sys

    import mlflow

    from signlang.models.networks import build_model
    from signlang.serving.bundle import write_bundle
    from signlang.serving.export import inference_model, to_tflite

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    tracking.configure()
    params = make_params(project_root, preset="tutorial")
    spec = FeatureParams.raw(("left_hand", "right_hand"), sequence_length=8)
    network = build_model(params.train, spec.sequence_length, keypoints.output_size(spec), 2)
    bundle = tmp_path / "champion_bundle"
    write_bundle(bundle, to_tflite(inference_model(network, params.train, spec.sequence_length, keypoints.output_size(spec), 2)),
                 ["hello", "yes"], {}, spec)
    with mlflow.start_run():
        assert tracking.register_bundle(bundle, params.export.registered_model, params.export.champion_alias,
                                        "macro_f1", 0.5)["promoted"]
    client = MlflowClient()
    champion = client.get_model_version_by_alias(params.export.registered_model, params.export.champion_alias)

    project = tmp_path / "project"
    dataset, _ = write_dataset(shared_data, project / "data",
                               {"AdrLfv": "train", "JefferyJiang-YF": "val", "hirak214": "test"})
    with np.load(dataset) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["X"][7, 3, 100] = np.nan
    np.savez(dataset, **arrays)
    shutil.copy(project_root / "params.yaml", project / "params.yaml")
    env = {**os.environ, "PYTHONPATH": str(project_root)}
    env.pop("SIGNLANG_DEBUG", None)
    for stage in ("train", "export", "track"):  # as `dvc repro` would, were it not to stop at train
        result = subprocess.run([sys.executable, "-m", f"stages.{stage}"], cwd=project, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
        if stage == "train":
            assert result.stderr.startswith("error: data/dataset.npz: 1 window(s) hold NaN or infinite values "
                                            "(first: 'multisigner-258/AdrLfv.npz#007')")
        else:
            assert result.stderr.startswith(f"error: models/model.keras: not found; the {stage} stage needs it")
    assert not (project / "models").exists()
    after = client.get_model_version_by_alias(params.export.registered_model, params.export.champion_alias)
    assert after.version == champion.version
    assert len(client.search_model_versions(f"name='{params.export.registered_model}'")) == 1
