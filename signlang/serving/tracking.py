"""MLflow tracking: where runs go, the one run each pipeline result gets, and the champion rule.

Tracking goes to an embedded SQLite store in the project (paths.MLFLOW_DB, artifacts in
paths.MLFLOW_ARTIFACTS, both ignored by git) unless MLFLOW_TRACKING_URI is set. The pipeline's
stages do not talk to MLflow: the last stage, `track`, logs one complete run from the files they
wrote (params, per-epoch curves, train/test metrics and their intervals, figures, the bundle,
registered and promoted only when it beats the champion on the same windows: see
signlang/serving/promotion.py). It runs on every `dvc repro`, since the store is not versioned and
a stage DVC skipped logs nothing, and it is keyed by a fingerprint of the results
(signlang/serving/store.py, which needs no MLflow import), so a result already in the store is
not logged twice.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from signlang import paths
from signlang.errors import InputFileError, SignlangError
from signlang.io import file_sha256
from signlang.serving.promotion import Promotion
from signlang.serving.store import (  # noqa: F401 - part of this module's interface
    EXPERIMENT_NAME,
    FINGERPRINT_TAG,
    PIPELINE_SECTIONS,
    default_tracking_uri,
    pipeline_fingerprint,
    project_root,
    results_fingerprint,
    tracking_uri,
)

MODEL_HASH_TAG = "signlang.model_hash"
# On each registered version: the sha256 of the dataset and split its run was trained and tested
# on (a champion trained on other windows may have seen the candidate's test windows).
DATA_TAGS = {"dataset": "signlang.dataset_sha256", "split": "signlang.split_sha256"}
METRIC_TAG_PREFIX = "signlang.test_"
BUNDLE_ARTIFACT = "bundle"
# A params key that can be part of an MLflow param name as it is (letters of any script,
# digits, `_`, `-`, spaces; no `.`: it joins the levels).
PARAM_KEY = re.compile(r"[\w\- ]+")


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
# What `register_bundle` calls to decide a promotion: the champion's bundle folder (downloaded)
# and its version's tags, or None and {} when there is no champion yet -> the decision.
Challenge = Callable[[Path | None, Mapping[str, str]], Promotion]


def champion_version(client: MlflowClient, model_name: str, alias: str):
    """The model version holding `alias`, or None when there is none."""
    try:
        return client.get_model_version_by_alias(model_name, alias)
    except MlflowException:
        return None


def register_bundle(
    bundle_dir: str | Path, model_name: str, alias: str, metric: str, score: float,
    scores: Mapping[str, float] | None = None, challenge: Challenge | None = None,
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Log the bundle to the active run, register it as a new version of `model_name` (tagged
    with its test `metric` = `score`, any other `scores` and `tags`), and move `alias` to it when
    `challenge` promotes it: it is called with the champion's bundle (downloaded) and its
    version's tags, or with None and {} when there is no champion. Without a challenge, the
    first version takes the alias and a champion is never replaced: no score stored on a version
    is compared with another model's. A champion that cannot be fetched or read is not replaced
    either; the reason says why."""
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
    for name, value in {metric: score, **(scores or {})}.items():
        client.set_model_version_tag(model_name, version, METRIC_TAG_PREFIX + name, repr(value))
    for key, value in (tags or {}).items():
        client.set_model_version_tag(model_name, version, key, value)
    champion = champion_version(client, model_name, alias)
    if champion is None:
        promotion = challenge(None, {}) if challenge is not None else Promotion(True, "no champion yet")
    elif challenge is None:
        promotion = Promotion(False, "not compared with the champion on the same windows (no challenge given)")
    else:
        try:
            with tempfile.TemporaryDirectory(prefix="signlang-champion-") as scratch:
                champion_dir = download_bundle(model_name, alias, scratch)
                promotion = challenge(champion_dir, dict(champion.tags))
        except SignlangError as exc:  # the run and the version stay; the alias does not move
            promotion = Promotion(False, f"the champion (version {champion.version}) could not be challenged: {exc}")
    if promotion.promoted:
        client.set_registered_model_alias(model_name, alias, version)
    client.update_model_version(model_name, version,
                                description=("promoted: " if promotion.promoted else "not promoted: ") + promotion.reason)
    mlflow.set_tags({"signlang.registered_version": version, "signlang.promoted": str(promotion.promoted).lower(),
                     "signlang.promotion_reason": promotion.reason[:5000]})
    return {"version": version, "promoted": promotion.promoted, "reason": promotion.reason, "score": score,
            "champion_version": str(champion.version) if champion is not None else None,
            "comparison": dict(promotion.comparison)}


def download_bundle(model_name: str, alias: str, destination: str | Path) -> Path:
    """Fetch the bundle of `models:/<name>@<alias>` into destination; returns the bundle dir."""
    from mlflow.models import Model

    configure()
    uri = f"models:/{model_name}@{alias}"
    try:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(destination)))
        # The pyfunc flavour records where its artifacts were copied (artifacts/bundle today).
        flavor = Model.load(local).flavors.get("python_function", {})
    except MlflowException as exc:
        raise SignlangError(f"{uri}: cannot be fetched from {tracking_uri()}: {exc.message}") from None
    relative = flavor.get("artifacts", {}).get(BUNDLE_ARTIFACT, {}).get("path", f"artifacts/{BUNDLE_ARTIFACT}")
    bundle_dir = local / relative
    if not bundle_dir.is_dir():
        raise SignlangError(f"{uri}: the downloaded model holds no bundle at {relative}")
    return bundle_dir


# --------------------------------------------------------------------------- the track stage

# metrics.json numbers logged per subset (`test_accuracy`, `val_worst_signer_accuracy`, ...).
LOGGED_SCORES = ("accuracy", "macro_precision", "macro_recall", "macro_f1", "worst_signer_accuracy",
                 "median_signer_accuracy", "signer_accuracy_std")
# The test intervals of metrics.json, logged as `test_<metric>_ci_low` and `test_<metric>_ci_high`.
LOGGED_INTERVALS = ("accuracy_ci", "macro_f1_ci", "worst_signer_accuracy_ci")
EXPORT_SCORES = ("max_abs_diff", "argmax_agreement", "tflite_bytes")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def subset_scores(metrics: Mapping[str, Any]) -> dict[str, float]:
    """{"test_macro_f1": ..., "train_accuracy": ..., "test_macro_f1_ci_low": ...} from a
    metrics.json document (test at the top level, the other subsets nested)."""
    subsets = {"test": metrics, **{name: value for name, value in metrics.items()
                                   if isinstance(value, Mapping) and name != "per_class"}}
    scores = {f"{subset}_{key}": float(values[key]) for subset, values in subsets.items()
              for key in LOGGED_SCORES if _number(values.get(key))}
    for key in LOGGED_INTERVALS:
        bounds = metrics.get(key)
        if isinstance(bounds, (list, tuple)) and len(bounds) == 2 and all(map(_number, bounds)):
            scores[f"test_{key}_low"], scores[f"test_{key}_high"] = float(bounds[0]), float(bounds[1])
    return scores


def log_history(history_path: Path) -> None:
    """The per-epoch curves of reports/plots/history.csv, one MLflow step per epoch."""
    import csv

    with open(history_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            values = {name: float(value) for name, value in row.items() if name != "epoch" and value not in ("", None)}
            mlflow.log_metrics(values, step=int(row["epoch"]))


def record_pipeline_run(params: Any, files: Mapping[str, Path], artifacts: list[Path],
                        challenge: Challenge | None = None, data_files: Mapping[str, Path] | None = None
                        ) -> dict[str, Any]:
    """Log one complete MLflow run for the pipeline's current results unless the store holds
    one with the same fingerprint; register the bundle and move the champion alias when there
    is none yet or `challenge` promotes it (see `register_bundle`). `files` names model,
    history, train_report, metrics, bundle, export_report; `artifacts` are logged under
    `evaluation/`; `data_files` (dataset, split) are hashed into the version's DATA_TAGS.
    Returns run_id, logged and, when logged, registration."""
    configure()
    logged_params = params.model_dump(mode="json", include=set(PIPELINE_SECTIONS))
    fingerprint = pipeline_fingerprint(params, files)
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
    if not _number(score):
        raise InputFileError(files["metrics"], f"holds no test {export.promotion_metric} (run `dvc repro evaluate`)")
    data_tags = {DATA_TAGS[name]: file_sha256(path) for name, path in (data_files or {}).items()
                 if name in DATA_TAGS and Path(path).is_file()}
    with mlflow.start_run(tags={**tags, **data_tags}) as run:
        mlflow.log_params(flatten(logged_params))
        mlflow.log_params({f"data.{key}": train_report[key] for key in ("train_samples", "val_samples", "classes")
                           if key in train_report} | {"model.parameters": train_report.get("parameters")})
        log_history(Path(files["history"]))
        mlflow.log_metrics({key: float(value) for key, value in train_report.items()
                            if key.startswith("best_") and _number(value)})
        mlflow.log_metrics(subset_scores(metrics))
        mlflow.log_metrics({f"export_{key}": float(export_report[key]) for key in EXPORT_SCORES
                            if _number(export_report.get(key))})
        for path in artifacts:
            mlflow.log_artifact(str(path), artifact_path="evaluation")
        scores = {key: float(metrics[key]) for key in (WORST_SIGNER,) if _number(metrics.get(key))}
        registration = register_bundle(files["bundle"], export.registered_model, export.champion_alias,
                                       export.promotion_metric, float(score), scores, challenge, data_tags)
        comparison = registration.get("comparison") or {}
        if comparison.get("comparable"):
            bounds = {f"vs_champion_{key}_difference_ci_{side}": float(interval[index])
                      for key, interval in comparison["difference_ci"].items() if interval
                      for index, side in enumerate(("low", "high"))}
            mlflow.log_metrics({f"champion_{key}": float(value) for key, value in comparison["champion"].items()
                                if _number(value)}
                               | {f"vs_champion_{key}_difference": float(value)
                                  for key, value in comparison["difference"].items() if _number(value)} | bounds)
    return {"run_id": run.info.run_id, "logged": True, "registration": registration}
