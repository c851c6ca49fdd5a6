"""MLflow tracking: where runs go, how stages share one run, and the champion rule.

Tracking goes to an embedded SQLite store in the project (paths.MLFLOW_DB, ignored by git)
unless MLFLOW_TRACKING_URI is set. Train starts a run and tags it with the sha256 of the
model file it saved; evaluate and export find that run by the tag and add to it, so no run
id ever needs to be written into a DVC-tracked file.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from signlang import paths
from signlang.errors import SignlangError
from signlang.io import file_sha256

EXPERIMENT_NAME = os.environ.get("SIGNLANG_EXPERIMENT", "signlang")
MODEL_HASH_TAG = "signlang.model_hash"
METRIC_TAG_PREFIX = "signlang.test_"
BUNDLE_ARTIFACT = "bundle"


def project_root() -> Path:
    """DVC_ROOT when DVC runs the stage, else the working directory. A queued `dvc exp run`
    runs in a temporary copy (.dvc/tmp/exps/...) and sets DVC_ROOT to the real repository,
    so its runs land in the project's store, not in a folder deleted afterwards."""
    return Path(os.environ.get("DVC_ROOT") or Path.cwd())


def tracking_uri() -> str:
    """MLFLOW_TRACKING_URI when set, else the embedded SQLite store in the project root."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{project_root() / paths.MLFLOW_DB}"


def configure() -> str:
    """Point MLflow at the tracking store and select the project's experiment."""
    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    if mlflow.get_experiment_by_name(EXPERIMENT_NAME) is None:
        artifact_location = None
        if "MLFLOW_TRACKING_URI" not in os.environ:
            artifact_location = (project_root() / paths.MLFLOW_ARTIFACTS).as_uri()
        try:
            mlflow.create_experiment(EXPERIMENT_NAME, artifact_location=artifact_location)
        except MlflowException:
            pass  # created meanwhile by a concurrent stage
    mlflow.set_experiment(EXPERIMENT_NAME)
    return uri


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

    # The np.ndarray hint tells MLflow the input needs no conversion (and stops its warning).
    def predict(self, context, model_input: np.ndarray, params=None) -> np.ndarray:  # noqa: ARG002 - MLflow hook
        return self.bundle.predict_proba(np.asarray(model_input, dtype=np.float32))


def bundle_signature(bundle_dir: str | Path):
    """Input (-1, T, F) and output (-1, n_classes) float32 tensors of a bundle folder, read
    from its labels and preprocessing files. Unnamed, so predict gets the array itself."""
    import json

    from mlflow.models import ModelSignature
    from mlflow.types import Schema, TensorSpec

    from signlang.keypoints import PreprocessSpec

    bundle_dir = Path(bundle_dir)
    spec = PreprocessSpec.load(bundle_dir / paths.BUNDLE_PREPROCESS)
    classes = json.loads((bundle_dir / paths.BUNDLE_LABELS).read_text(encoding="utf-8"))["classes"]
    float32 = np.dtype(np.float32)
    return ModelSignature(
        inputs=Schema([TensorSpec(float32, (-1, spec.sequence_length, spec.feature_size))]),
        outputs=Schema([TensorSpec(float32, (-1, len(classes)))]),
    )


WORST_SIGNER = "worst_signer_accuracy"


def champion_score(client: MlflowClient, model_name: str, alias: str, metric: str) -> float | None:
    """The test `metric` recorded on the version holding `alias`, or None when there is none
    (or when that version was registered without it)."""
    try:
        version = client.get_model_version_by_alias(model_name, alias)
    except MlflowException:
        return None
    value = version.tags.get(METRIC_TAG_PREFIX + metric)
    return float(value) if value is not None else None


def promotion_decision(
    metric: str, score: float, previous: float | None,
    worst_signer: float | None = None, previous_worst_signer: float | None = None,
    max_worst_signer_drop: float | None = None,
) -> tuple[bool, str]:
    """Whether a new model takes the champion alias, and why, in one sentence.

    It must beat the champion's test `metric` (higher is better) and, when both worst-signer
    accuracies are known and `max_worst_signer_drop` is set, must not serve its worst-served
    test signer more than that much worse than the champion did."""
    if previous is None:
        return True, "no champion yet"
    if not score > previous:
        return False, f"test {metric} {score:.4f} does not beat the champion's {previous:.4f}"
    reason = f"test {metric} {score:.4f} beats the champion's {previous:.4f}"
    if max_worst_signer_drop is not None and worst_signer is not None and previous_worst_signer is not None:
        drop = previous_worst_signer - worst_signer
        if drop > max_worst_signer_drop:
            return False, (f"{reason}, but its worst signer's accuracy {worst_signer:.4f} is {drop:.4f} below the "
                           f"champion's {previous_worst_signer:.4f} (allowed drop {max_worst_signer_drop:g})")
        reason += (f" and its worst signer's accuracy {worst_signer:.4f} (champion {previous_worst_signer:.4f}) "
                   f"drops by at most {max_worst_signer_drop:g}")
    return True, reason


def register_bundle(
    bundle_dir: str | Path, model_name: str, alias: str, metric: str, score: float,
    worst_signer: float | None = None, max_worst_signer_drop: float | None = None,
) -> dict[str, Any]:
    """Log the bundle to the active run, register it as a new version of `model_name`, and
    move `alias` to it when `promotion_decision` says so: its test `metric` beats the current
    holder's and its worst signer's accuracy drops by at most `max_worst_signer_drop`."""
    client = MlflowClient()
    import signlang

    with warnings.catch_warnings():
        # The signature says what predict takes; an input example would only cost time.
        warnings.filterwarnings("ignore", message=".*input example was not provided")
        info = mlflow.pyfunc.log_model(
            name=BUNDLE_ARTIFACT,
            python_model=BundleModel(),
            artifacts={BUNDLE_ARTIFACT: str(bundle_dir)},
            pip_requirements=[f"signlang=={signlang.__version__}"],
            signature=bundle_signature(bundle_dir),
            registered_model_name=model_name,
        )
    version = str(info.registered_model_version)
    client.set_model_version_tag(model_name, version, METRIC_TAG_PREFIX + metric, repr(score))
    if worst_signer is not None:
        client.set_model_version_tag(model_name, version, METRIC_TAG_PREFIX + WORST_SIGNER, repr(worst_signer))
    previous = champion_score(client, model_name, alias, metric)
    previous_worst = champion_score(client, model_name, alias, WORST_SIGNER)
    promoted, reason = promotion_decision(metric, score, previous, worst_signer, previous_worst, max_worst_signer_drop)
    if promoted:
        client.set_registered_model_alias(model_name, alias, version)
    client.update_model_version(model_name, version, description=("promoted: " if promoted else "not promoted: ") + reason)
    mlflow.set_tags({"signlang.registered_version": version, "signlang.promoted": str(promoted).lower(),
                     "signlang.promotion_reason": reason})
    return {"version": version, "promoted": promoted, "score": score, "previous_champion_score": previous,
            "reason": reason}


def download_bundle(model_name: str, alias: str, destination: str | Path) -> Path:
    """Fetch the bundle of `models:/<name>@<alias>` into destination; returns the bundle dir."""
    from mlflow.models import Model

    configure()
    uri = f"models:/{model_name}@{alias}"
    try:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(destination)))
    except MlflowException as exc:
        raise SignlangError(f"{uri}: cannot be fetched from {tracking_uri()}: {exc.message}") from None
    # The pyfunc flavour records where its artifacts were copied (artifacts/bundle today).
    flavor = Model.load(local).flavors.get("python_function", {})
    relative = flavor.get("artifacts", {}).get(BUNDLE_ARTIFACT, {}).get("path", f"artifacts/{BUNDLE_ARTIFACT}")
    bundle_dir = local / relative
    if not bundle_dir.is_dir():
        raise SignlangError(f"{uri}: the downloaded model holds no bundle at {relative}")
    return bundle_dir
