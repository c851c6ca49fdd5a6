"""Every `signlang cv` run in MLflow: one parent run per cross-validation (its params, each
configuration's scores and intervals, the whole report folder as artifacts) and one child run per
configuration and fold (its test signers, early-stopping signers and scores). The store is the
pipeline's (mlruns.db, or MLFLOW_TRACKING_URI); the experiment is `crossval.experiment`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from signlang.params import Params

# Scores of a configuration's summary logged on the parent run as `<config>.<key>`.
SUMMARY_METRICS = ("accuracy_mean", "accuracy_std", "macro_f1_mean", "macro_f1_std", "pooled_accuracy",
                   "pooled_macro_f1", "worst_signer_accuracy", "median_signer_accuracy", "signer_accuracy_std")
# Logged with the parent run: the sections that decide what was trained and on what.
LOGGED_SECTIONS = ("crossval", "train", "features", "ingest")


def metric_name(config: str, key: str) -> str:
    """MLflow metric names allow letters, digits, _ - . / and spaces: `tutorial:raw` -> `tutorial_raw`."""
    return f"{config.replace(':', '_')}.{key}"


def summary_metrics(config: str, summary: dict) -> dict[str, float]:
    """A configuration's scores and, where computed, the low and high ends of their intervals."""
    metrics = {metric_name(config, key): float(summary[key]) for key in SUMMARY_METRICS if key in summary}
    for key, (low, high) in summary.get("intervals", {}).items():
        metrics[metric_name(config, f"{key}_ci_low")] = float(low)
        metrics[metric_name(config, f"{key}_ci_high")] = float(high)
    return metrics


def log_cross_validation(result: dict, out: Path, params: Params, run_name: str | None = None) -> str:
    """The parent run (returned: its id) with a child run per configuration and fold."""
    import mlflow

    from signlang.crossval.report import scored_rows
    from signlang.serving.tracking import configure, flatten, provenance_tags

    configure(params.crossval.experiment)
    ran_with = params.model_dump(mode="json", include=set(LOGGED_SECTIONS))
    with mlflow.start_run(run_name=run_name or Path(out).name) as parent:
        mlflow.set_tags({**provenance_tags(), "signlang.kind": "crossval", "signlang.cv_out": str(out)})
        mlflow.log_params(flatten(ran_with))
        mlflow.log_params({"cv.folds": result["folds"], "cv.epochs": result["epochs"], "cv.signers": result["signers"],
                           "cv.samples": result["samples"], "cv.configs": ",".join(result["configs"])})
        for config, summary in scored_rows(result).items():
            mlflow.log_metrics(summary_metrics(config, summary))
            for fold, signers in zip(summary["folds"], result["fold_signers"]):
                with mlflow.start_run(run_name=f"{config} fold {fold['fold']}", nested=True):
                    mlflow.set_tags({"signlang.kind": "crossval-fold", "signlang.config": config})
                    mlflow.log_params({"fold": fold["fold"], "config": config, "test_signers": ",".join(signers)[:6000],
                                       "val_signers": ",".join(fold.get("val_signers", []))[:6000] or "none"})
                    mlflow.log_metrics({"accuracy": fold["accuracy"], "macro_f1": fold["macro_f1"],
                                        "test_samples": fold["test_samples"]})
        mlflow.log_artifacts(str(out), artifact_path="cv")
        return parent.info.run_id
