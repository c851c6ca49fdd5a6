"""MLflow tracking: where runs go, how stages share one run, and the champion rule.

Tracking goes to an embedded SQLite store in the project (paths.MLFLOW_DB, ignored by git)
unless MLFLOW_TRACKING_URI is set. Train starts a run and tags it with the sha256 of the
model file it saved; evaluate and export find that run by the tag and add to it, so no run
id ever needs to be written into a DVC-tracked file.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from signlang import paths

EXPERIMENT_NAME = os.environ.get("SIGNLANG_EXPERIMENT", "signlang")
MODEL_HASH_TAG = "signlang.model_hash"
METRIC_TAG_PREFIX = "signlang.test_"
BUNDLE_ARTIFACT = "bundle"


def tracking_uri() -> str:
    """MLFLOW_TRACKING_URI when set, else the embedded SQLite store in the project root."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{Path.cwd() / paths.MLFLOW_DB}"


def configure() -> str:
    """Point MLflow at the tracking store and select the project's experiment."""
    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    if mlflow.get_experiment_by_name(EXPERIMENT_NAME) is None:
        artifact_location = None
        if "MLFLOW_TRACKING_URI" not in os.environ:
            artifact_location = (Path.cwd() / paths.MLFLOW_ARTIFACTS).as_uri()
        try:
            mlflow.create_experiment(EXPERIMENT_NAME, artifact_location=artifact_location)
        except MlflowException:
            pass  # created meanwhile by a concurrent stage
    mlflow.set_experiment(EXPERIMENT_NAME)
    return uri


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def provenance_tags() -> dict[str, str]:
    """Git commit, dirty flag and DVC experiment name, so a number in MLflow leads back
    to the exact code and data."""
    tags = {
        "git.commit": _git("rev-parse", "HEAD") or "unknown",
        "git.dirty": str(bool(_git("status", "--porcelain", "--untracked-files=no"))).lower(),
    }
    for variable, tag in (("DVC_EXP_NAME", "dvc.exp_name"), ("DVC_EXP_BASELINE_REV", "dvc.baseline_rev")):
        if os.environ.get(variable):
            tags[tag] = os.environ[variable]
    return tags


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested params -> {"train.epochs": "60", ...} for mlflow.log_params."""
    flat: dict[str, str] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = str(value)[:6000]
    return flat


def find_run_for_model(model_hash: str) -> str | None:
    """The latest run whose train stage saved the model with this hash."""
    experiment = mlflow.get_experiment_by_name(EXPERIMENT_NAME)
    if experiment is None:
        return None
    runs = MlflowClient().search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.`{MODEL_HASH_TAG}` = '{model_hash}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return runs[0].info.run_id if runs else None


@contextmanager
def training_run(run_name: str | None = None) -> Iterator[mlflow.ActiveRun]:
    """A new run for the train stage, tagged with provenance."""
    configure()
    with mlflow.start_run(run_name=run_name, tags=provenance_tags()) as run:
        yield run


@contextmanager
def run_for_model(model_path: str | Path) -> Iterator[mlflow.ActiveRun]:
    """Resume the run that trained this model file (or start one tagged with its hash)."""
    configure()
    model_hash = file_sha256(model_path)
    run_id = find_run_for_model(model_hash)
    if run_id is not None:
        with mlflow.start_run(run_id=run_id) as run:
            yield run
    else:
        tags = {**provenance_tags(), MODEL_HASH_TAG: model_hash}
        with mlflow.start_run(tags=tags) as run:
            yield run


def tag_model(model_path: str | Path) -> str:
    """Tag the active run with the hash of the model file it produced."""
    model_hash = file_sha256(model_path)
    mlflow.set_tag(MODEL_HASH_TAG, model_hash)
    return model_hash


class BundleModel(mlflow.pyfunc.PythonModel):
    """The exported bundle as an MLflow pyfunc: predict takes windows (n, T, F) already
    preprocessed as the bundle's spec says and returns class probabilities."""

    def load_context(self, context) -> None:  # noqa: D401 - MLflow hook
        from signlang.bundle import Bundle

        self.bundle = Bundle.load(context.artifacts[BUNDLE_ARTIFACT])

    def predict(self, context, model_input, params=None):  # noqa: ARG002 - MLflow hook
        import numpy as np

        return self.bundle.predict_proba(np.asarray(model_input, dtype=np.float32))


def champion_score(client: MlflowClient, model_name: str, alias: str, metric: str) -> float | None:
    """The promotion metric of the version holding `alias`, or None when there is none."""
    try:
        version = client.get_model_version_by_alias(model_name, alias)
    except MlflowException:
        return None
    value = version.tags.get(METRIC_TAG_PREFIX + metric)
    return float(value) if value is not None else None


def register_bundle(
    bundle_dir: str | Path, model_name: str, alias: str, metric: str, score: float
) -> dict[str, Any]:
    """Log the bundle to the active run, register it as a new version of `model_name`, and
    move `alias` to it only when `score` beats the current holder's (higher is better)."""
    client = MlflowClient()
    import signlang

    info = mlflow.pyfunc.log_model(
        name=BUNDLE_ARTIFACT,
        python_model=BundleModel(),
        artifacts={BUNDLE_ARTIFACT: str(bundle_dir)},
        pip_requirements=[f"signlang=={signlang.__version__}"],
        registered_model_name=model_name,
    )
    version = str(info.registered_model_version)
    client.set_model_version_tag(model_name, version, METRIC_TAG_PREFIX + metric, repr(score))
    previous = champion_score(client, model_name, alias, metric)
    promoted = previous is None or score > previous
    if promoted:
        client.set_registered_model_alias(model_name, alias, version)
    mlflow.set_tags({"signlang.registered_version": version, "signlang.promoted": str(promoted).lower()})
    return {"version": version, "promoted": promoted, "score": score, "previous_champion_score": previous}


def download_bundle(model_name: str, alias: str, destination: str | Path) -> Path:
    """Fetch the bundle of `models:/<name>@<alias>` into destination; returns the bundle dir."""
    configure()
    local = mlflow.artifacts.download_artifacts(
        artifact_uri=f"models:/{model_name}@{alias}", dst_path=str(destination)
    )
    return Path(local) / "artifacts" / BUNDLE_ARTIFACT
