"""The serving tests' MLflow store: a real SQLite store in the test's folder."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest

from signlang.serving import tracking


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    tracking.configure()  # MLflow's tracking URI is process-global: point clients made here at this store
    yield uri
    while mlflow.active_run():
        mlflow.end_run()
