"""Where MLflow runs go and whether a result is already there, without MLflow
(signlang/serving/store.py): the project's SQLite store by default, a results fingerprint that
follows the bytes and the params, and a logged result found again in a real store."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from signlang.serving import tracking


def test_tracking_uri_defaults_to_the_project_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    assert tracking.tracking_uri() == f"sqlite:///{tmp_path / 'mlruns.db'}"


def test_results_fingerprint_follows_bytes_and_params(tmp_path: Path) -> None:
    model, bundle = tmp_path / "model.keras", tmp_path / "bundle"
    bundle.mkdir()
    model.write_bytes(b"weights")
    (bundle / "model.tflite").write_bytes(b"flat")
    first = tracking.results_fingerprint([model, bundle], {"train": {"epochs": 3}})
    assert first == tracking.results_fingerprint([model, bundle], {"train": {"epochs": 3}})
    assert first != tracking.results_fingerprint([model, bundle], {"train": {"epochs": 4}})
    (bundle / "model.tflite").write_bytes(b"flat, other bytes")
    assert first != tracking.results_fingerprint([model, bundle], {"train": {"epochs": 3}})


@pytest.mark.slow
def test_the_store_finds_a_logged_result_without_mlflow(store: str, tmp_path: Path) -> None:
    """store.logged_run reads the SQLite file as MLflow's search does: the latest active run of
    the project's experiment with the tag; deleted runs and other experiments do not count."""
    from signlang.serving import store as runs

    assert runs.logged_run(tracking.FINGERPRINT_TAG, "abc") is None
    with mlflow.start_run(tags={tracking.FINGERPRINT_TAG: "abc"}) as first:
        pass
    with mlflow.start_run(tags={tracking.FINGERPRINT_TAG: "abc"}) as second:
        pass
    assert runs.logged_run(tracking.FINGERPRINT_TAG, "abc") == second.info.run_id == tracking.find_run(
        tracking.FINGERPRINT_TAG, "abc")
    MlflowClient().delete_run(second.info.run_id)
    assert runs.logged_run(tracking.FINGERPRINT_TAG, "abc") == first.info.run_id
    other = mlflow.create_experiment("elsewhere")
    with mlflow.start_run(experiment_id=other, tags={tracking.FINGERPRINT_TAG: "xyz"}):
        pass
    assert runs.logged_run(tracking.FINGERPRINT_TAG, "xyz") is None
    assert runs.logged_run(tracking.FINGERPRINT_TAG, "abc", f"sqlite:///{tmp_path / 'absent.db'}") is None
    assert runs.logged_run(tracking.FINGERPRINT_TAG, "abc", "http://127.0.0.1:5000") == runs.UNKNOWN
    (tmp_path / "garbage.db").write_bytes(b"not a database")
    assert runs.logged_run(tracking.FINGERPRINT_TAG, "abc", f"sqlite:///{tmp_path / 'garbage.db'}") == runs.UNKNOWN
