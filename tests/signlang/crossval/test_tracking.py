"""signlang.crossval.tracking: a cross-validation in a real MLflow store, one parent run with the
report folder and every configuration's scores, one child run per configuration and fold."""

from __future__ import annotations

from pathlib import Path

import pytest

from signlang.crossval.tracking import log_cross_validation, metric_name, summary_metrics
from tests.signlang.crossval.helpers import make_params


def fold(number: int, accuracy: float) -> dict:
    return {"fold": number, "accuracy": accuracy, "macro_f1": accuracy - 0.1, "test_samples": 30,
            "val_signers": ["ann"]}


RESULT = {
    "folds": 2, "epochs": 1, "signers": 4, "samples": 60, "fold_signers": [["ann", "bob"], ["cat", "dan"]],
    "configs": {
        "tutorial:raw": {"accuracy_mean": 0.5, "pooled_macro_f1": 0.4, "worst_signer_accuracy": 0.1,
                         "intervals": {"accuracy": [0.3, 0.7]}, "folds": [fold(1, 0.4), fold(2, 0.6)]},
        "stats": {"accuracy_mean": 0.8, "pooled_macro_f1": 0.7, "worst_signer_accuracy": 0.5,
                  "folds": [fold(1, 0.75), fold(2, 0.85)]},
    },
}


def test_metric_names_are_ones_mlflow_takes() -> None:
    assert metric_name("tutorial:raw", "accuracy_mean") == "tutorial_raw.accuracy_mean"
    assert summary_metrics("tutorial:raw", RESULT["configs"]["tutorial:raw"]) == {
        "tutorial_raw.accuracy_mean": 0.5, "tutorial_raw.pooled_macro_f1": 0.4,
        "tutorial_raw.worst_signer_accuracy": 0.1, "tutorial_raw.accuracy_ci_low": 0.3,
        "tutorial_raw.accuracy_ci_high": 0.7}


def test_a_parent_run_per_cross_validation_and_a_child_per_fold(project_root: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlruns.db'}")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "cv_run"
    out.mkdir()
    (out / "cv.md").write_text("| config |\n", encoding="utf-8")
    params = make_params(project_root)
    parent_id = log_cross_validation(RESULT, out, params)
    client = MlflowClient()
    parent = client.get_run(parent_id)
    assert parent.data.tags["signlang.kind"] == "crossval" and parent.info.run_name == "cv_run"
    assert parent.data.metrics["stats.accuracy_mean"] == 0.8 and parent.data.params["cv.folds"] == "2"
    assert parent.data.params["train.preset"] == params.train.preset
    assert [item.path for item in client.list_artifacts(parent_id, "cv")] == ["cv/cv.md"]
    experiment = client.get_experiment_by_name(params.crossval.experiment)
    children = client.search_runs([experiment.experiment_id], f"tags.mlflow.parentRunId = '{parent_id}'")
    assert sorted(run.info.run_name for run in children) == [
        "stats fold 1", "stats fold 2", "tutorial:raw fold 1", "tutorial:raw fold 2"]
    second = next(run for run in children if run.info.run_name == "tutorial:raw fold 2")
    assert second.data.metrics["accuracy"] == 0.6 and second.data.params["test_signers"] == "cat,dan"
