"""MLflow tracking: where runs go, the one run each pipeline result gets, and the champion rule.

Tracking goes to an embedded SQLite store in the project (paths.MLFLOW_DB, artifacts in
paths.MLFLOW_ARTIFACTS, both ignored by git) unless MLFLOW_TRACKING_URI is set. The pipeline's
stages do not talk to MLflow: the last stage, `track`, logs one complete run from the files they
wrote (params, per-epoch curves, train/test metrics, figures, the bundle, registered and
promoted only when better). It runs on every `dvc repro`, since the store is not versioned and
a stage DVC skipped logs nothing, and it is keyed by a fingerprint of the results, so a result
already in the store is not logged twice.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from signlang import paths
from signlang.errors import InputFileError, SignlangError
from signlang.io import file_sha256

EXPERIMENT_NAME = os.environ.get("SIGNLANG_EXPERIMENT", "signlang")
MODEL_HASH_TAG = "signlang.model_hash"
FINGERPRINT_TAG = "signlang.results_fingerprint"
METRIC_TAG_PREFIX = "signlang.test_"
BUNDLE_ARTIFACT = "bundle"
# A params key that can be part of an MLflow param name as it is (letters of any script,
# digits, `_`, `-`, spaces; no `.`: it joins the levels).
PARAM_KEY = re.compile(r"[\w\- ]+")


def project_root() -> Path:
    """DVC_ROOT when DVC runs the stage, else the working directory. A queued `dvc exp run`
    runs in a temporary copy (.dvc/tmp/exps/...) and sets DVC_ROOT to the real repository,
    so its runs land in the project's store, not in a folder deleted afterwards."""
    return Path(os.environ.get("DVC_ROOT") or Path.cwd())


def default_tracking_uri() -> str:
    return f"sqlite:///{project_root() / paths.MLFLOW_DB}"


def tracking_uri() -> str:
    """MLFLOW_TRACKING_URI when set, else the embedded SQLite store in the project root."""
    return os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri()


def configure(experiment: str = EXPERIMENT_NAME) -> str:
    """Point MLflow at the tracking store and select `experiment` (the pipeline's by default)."""
    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)  # exports MLFLOW_TRACKING_URI: test the URI, not the variable
    if mlflow.get_experiment_by_name(experiment) is None:
        artifact_location = None  # a tracking server decides where artifacts go
        if uri == default_tracking_uri():
            artifact_location = (project_root() / paths.MLFLOW_ARTIFACTS).as_uri()
        try:
            mlflow.create_experiment(experiment, artifact_location=artifact_location)
        except MlflowException:
            pass  # created meanwhile by a concurrent stage
    mlflow.set_experiment(experiment)
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
    """Nested params -> {"train.epochs": "60", ...} for mlflow.log_params. A mapping keyed by
    names MLflow refuses in a param name (labels such as `¿cómo estás?` in label_aliases)
    is logged whole, as JSON, under its own name."""
    flat: dict[str, str] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and all(PARAM_KEY.fullmatch(str(inner)) for inner in value):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, Mapping):
            flat[name] = json.dumps(value, ensure_ascii=False, sort_keys=True)[:6000]
        else:
            flat[name] = str(value)[:6000]
    return flat


def find_run(tag: str, value: str) -> str | None:
    """The latest run of the project's experiment tagged `tag` = `value`, or None."""
    experiment = mlflow.get_experiment_by_name(EXPERIMENT_NAME)
    if experiment is None:
        return None
    runs = MlflowClient().search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.`{tag}` = '{value}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return runs[0].info.run_id if runs else None


def find_run_for_model(model_hash: str) -> str | None:
    """The latest run that logged the model file with this sha256."""
    return find_run(MODEL_HASH_TAG, model_hash)


def results_fingerprint(files: list[Path], params: Mapping[str, Any]) -> str:
    """One sha256 over the params and the bytes of every result file (folders: each file in
    them, by relative path): the same pipeline result always has the same fingerprint."""
    import hashlib
    import json

    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    for path in files:
        members = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for member in members:
            digest.update(member.as_posix().encode())
            digest.update(file_sha256(member).encode())
    return digest.hexdigest()


# The pyfunc model logged with each bundle, as code (see that file).
PYFUNC_MODEL_CODE = Path(__file__).with_name("mlflow_model.py")


def bundle_signature(bundle_dir: str | Path):
    """Input (-1, T, F) and output (-1, n_classes) float32 tensors of a bundle folder, read
    from its labels and preprocessing files. Unnamed, so predict gets the array itself."""
    import json

    from mlflow.models import ModelSignature
    from mlflow.types import Schema, TensorSpec

    from signlang.serving.bundle import read_preprocess

    bundle_dir = Path(bundle_dir)
    spec = read_preprocess(bundle_dir / paths.BUNDLE_PREPROCESS)
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
            python_model=str(PYFUNC_MODEL_CODE),
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


# --------------------------------------------------------------------------- the track stage

# The params sections that shape a pipeline result (logged and fingerprinted); the apps'
# sections (serve, live, capture, speech, sentence) and cross-validation's are not.
PIPELINE_SECTIONS = ("ingest", "extract", "features", "split", "train", "evaluate", "export")
# metrics.json numbers logged per subset (`test_accuracy`, `val_worst_signer_accuracy`, ...).
LOGGED_SCORES = ("accuracy", "macro_precision", "macro_recall", "macro_f1", "worst_signer_accuracy",
                 "median_signer_accuracy", "signer_accuracy_std")
EXPORT_SCORES = ("max_abs_diff", "argmax_agreement", "tflite_bytes")


def subset_scores(metrics: Mapping[str, Any]) -> dict[str, float]:
    """{"test_macro_f1": ..., "train_accuracy": ...} from a metrics.json document (test at the
    top level, the other subsets nested)."""
    subsets = {"test": metrics, **{name: value for name, value in metrics.items()
                                   if isinstance(value, Mapping) and name != "per_class"}}
    return {f"{subset}_{key}": float(scores[key]) for subset, scores in subsets.items()
            for key in LOGGED_SCORES if isinstance(scores.get(key), (int, float))}


def log_history(history_path: Path) -> None:
    """The per-epoch curves of reports/plots/history.csv, one MLflow step per epoch."""
    import csv

    with open(history_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            values = {name: float(value) for name, value in row.items() if name != "epoch" and value not in ("", None)}
            mlflow.log_metrics(values, step=int(row["epoch"]))


def record_pipeline_run(params: Any, files: Mapping[str, Path], artifacts: list[Path]) -> dict[str, Any]:
    """Log one complete MLflow run for the pipeline's current results unless the store holds
    one with the same fingerprint; register the bundle and move the champion alias when
    `promotion_decision` says so. `files` names model, history, train_report, metrics, bundle,
    export_report; `artifacts` are logged under `evaluation/`. Returns run_id, logged and,
    when logged, registration."""
    import json

    configure()
    logged_params = params.model_dump(mode="json", include=set(PIPELINE_SECTIONS))
    fingerprint = results_fingerprint([files[key] for key in sorted(files)], logged_params)
    existing = find_run(FINGERPRINT_TAG, fingerprint)
    if existing is not None:
        return {"run_id": existing, "logged": False}

    metrics = json.loads(Path(files["metrics"]).read_text(encoding="utf-8"))
    train_report = json.loads(Path(files["train_report"]).read_text(encoding="utf-8"))
    export_report = json.loads(Path(files["export_report"]).read_text(encoding="utf-8"))
    model_hash = file_sha256(files["model"])
    tags = {**provenance_tags(), MODEL_HASH_TAG: model_hash, FINGERPRINT_TAG: fingerprint}
    export = params.export
    score = metrics.get(export.promotion_metric)
    if not isinstance(score, (int, float)):
        raise InputFileError(files["metrics"], f"holds no test {export.promotion_metric} to decide the promotion "
                                               f"on (run `dvc repro evaluate`)")
    with mlflow.start_run(tags=tags) as run:
        mlflow.log_params(flatten(logged_params))
        mlflow.log_params({f"data.{key}": train_report[key] for key in ("train_samples", "val_samples", "classes")
                           if key in train_report} | {"model.parameters": train_report.get("parameters")})
        log_history(Path(files["history"]))
        mlflow.log_metrics({key: float(value) for key, value in train_report.items()
                            if key.startswith("best_") and isinstance(value, (int, float))})
        mlflow.log_metrics(subset_scores(metrics))
        mlflow.log_metrics({f"export_{key}": float(export_report[key]) for key in EXPORT_SCORES
                            if isinstance(export_report.get(key), (int, float))})
        for path in artifacts:
            mlflow.log_artifact(str(path), artifact_path="evaluation")
        registration = register_bundle(
            files["bundle"], export.registered_model, export.champion_alias, export.promotion_metric,
            float(score), metrics.get(WORST_SIGNER), export.max_worst_signer_drop,
        )
    return {"run_id": run.info.run_id, "logged": True, "registration": registration}
