"""Stage: the pipeline's results -> one complete MLflow run: params, per-epoch curves, train,
validation and test metrics with their intervals, the evaluation files and figures, and the
bundle, registered and moved to the champion alias only when it beats the champion on the same
windows: the champion's bundle is fetched from the registry and classifies the candidate's own
test windows, and signlang/serving/promotion.py decides on the paired difference and its
interval. reports/promotion.json (untracked: it depends on the unversioned registry) holds both
models' scores on those windows, the difference, the decision and its reason.

DVC runs it on every `dvc repro` (always_changed): the MLflow store is not versioned, and a
stage that DVC skips or restores logs nothing, so only a stage that reads the results as they
now are can make sure they are in the store. A result already logged (same fingerprint of
files and params) is not logged again, and is recognised without importing MLflow
(signlang/serving/store.py), so a no-op `dvc repro` stays fast."""

from __future__ import annotations

import json
from pathlib import Path

from stages._entry import quiet_console, run_stage


def result_files() -> dict[str, Path]:
    from signlang import paths

    return {"model": paths.KERAS_MODEL, "history": paths.HISTORY, "train_report": paths.TRAIN_REPORT,
            "metrics": paths.METRICS, "bundle": paths.BUNDLE_DIR, "export_report": paths.EXPORT_REPORT}


def champion_challenge(params, seen_in_training: int):
    """What `tracking.register_bundle` calls with the champion's bundle: both bundles on the
    candidate's test windows (data/dataset.npz + data/split.csv), then the champion rule."""
    from signlang import paths
    from signlang.io import file_sha256
    from signlang.metrics.comparison import compare_bundles, load_test_windows
    from signlang.serving import promotion, tracking

    def challenge(champion_dir: Path | None, champion_tags: dict[str, str]) -> promotion.Promotion:
        windows = load_test_windows(paths.DATASET, paths.SPLIT)
        notes = [promotion.seen_note(seen_in_training, windows.n_signers)]
        export = params.export
        if champion_dir is None:
            return promotion.decide(None, export.promotion_metric, export.min_gain, export.max_worst_signer_drop, notes)
        comparison = compare_bundles(paths.BUNDLE_DIR, champion_dir, windows, params.evaluate)
        trained_on = champion_tags.get(tracking.DATA_TAGS["split"])
        if comparison.comparable and trained_on is not None and trained_on != file_sha256(paths.SPLIT):
            notes.append("the champion was trained on another split: some of these test windows may have been "
                         "in its training data")
        return promotion.decide(comparison.as_dict("candidate", "champion"), export.promotion_metric,
                                export.min_gain, export.max_worst_signer_drop, notes)

    return challenge


def track(params) -> dict:
    from signlang import paths
    from signlang.io import require_inputs, write_json
    from signlang.serving import store

    files = result_files()
    require_inputs("track", {paths.KERAS_MODEL: "train", paths.HISTORY: "train", paths.TRAIN_REPORT: "train",
                             paths.METRICS: "evaluate", paths.BUNDLE_DIR: "export", paths.EXPORT_REPORT: "export"})
    fingerprint = store.pipeline_fingerprint(params, files)
    existing = store.logged_run(store.FINGERPRINT_TAG, fingerprint)
    if existing not in (None, store.UNKNOWN):
        print(f"track: already logged: MLflow run {existing} ({store.tracking_uri()}) records these results",
              flush=True)
        return {"run_id": existing, "logged": False}

    from signlang.serving import tracking  # MLflow: only when something may have to be logged

    artifacts = [paths.METRICS, paths.PER_CLASS, paths.SIGNER_BLOCKS, paths.CONFUSED_PAIRS, paths.TRAIN_REPORT,
                 paths.EXPORT_REPORT,
                 *sorted(paths.PLOTS_DIR.glob("confusion_*.csv")),
                 *sorted(paths.FIGURES_DIR.glob("*.png"))]
    metrics = json.loads(paths.METRICS.read_text(encoding="utf-8"))
    seen = int(metrics.get("test_signers_seen_in_training") or 0)
    result = tracking.record_pipeline_run(params, files, [path for path in artifacts if path.is_file()],
                                          champion_challenge(params, seen),
                                          {"dataset": paths.DATASET, "split": paths.SPLIT})
    if not result["logged"]:
        print(f"track: already logged: MLflow run {result['run_id']} ({tracking.tracking_uri()}) records these "
              f"results", flush=True)
        return result
    registration, export = result["registration"], params.export
    promotion = {"registered_model": export.registered_model, "alias": export.champion_alias,
                 "version": registration["version"], "champion_version": registration["champion_version"],
                 "promoted": registration["promoted"], "reason": registration["reason"],
                 "metric": export.promotion_metric, "min_gain": export.min_gain,
                 "max_worst_signer_drop": export.max_worst_signer_drop, "test_signers_seen_in_training": seen,
                 **{key: value for key, value in registration["comparison"].items()
                    if key != "test_signers_seen_in_training"},
                 "run_id": result["run_id"]}
    write_json(paths.PROMOTION_REPORT, promotion)
    outcome = (f"promoted it to @{export.champion_alias}" if registration["promoted"]
               else f"did not promote it to @{export.champion_alias}")
    print(f"track: logged MLflow run {result['run_id']} ({tracking.tracking_uri()}); registered "
          f"{export.registered_model} version {registration['version']} and {outcome}: {registration['reason']}",
          flush=True)
    return result


def stage_params():
    """The params.yaml sections this stage reads: every pipeline section (it logs them all)."""
    from signlang.params import load_params

    return load_params()


def main() -> None:
    run_stage(track, stage_params)


if __name__ == "__main__":
    quiet_console()
    main()
