"""Stage: the pipeline's results -> one complete MLflow run: params, per-epoch curves, train,
validation and test metrics, the evaluation files and figures, and the bundle, registered and
moved to the champion alias only when `tracking.promotion_decision` says it is better (the
reason goes to reports/promotion.json, untracked: it depends on the unversioned registry).

DVC runs it on every `dvc repro` (always_changed): the MLflow store is not versioned, and a
stage that DVC skips or restores logs nothing, so only a stage that reads the results as they
now are can make sure they are in the store. A result already logged (same fingerprint of
files and params) is not logged again."""

from stages._entry import quiet_console, run_stage


def track(params) -> dict:
    from signlang import paths
    from signlang.io import require_inputs, write_json
    from signlang.serving import tracking

    files = {"model": paths.KERAS_MODEL, "history": paths.HISTORY, "train_report": paths.TRAIN_REPORT,
             "metrics": paths.METRICS, "bundle": paths.BUNDLE_DIR, "export_report": paths.EXPORT_REPORT}
    require_inputs("track", {paths.KERAS_MODEL: "train", paths.HISTORY: "train", paths.TRAIN_REPORT: "train",
                             paths.METRICS: "evaluate", paths.BUNDLE_DIR: "export", paths.EXPORT_REPORT: "export"})
    artifacts = [paths.METRICS, paths.PER_CLASS, paths.SIGNER_BLOCKS, paths.CONFUSED_PAIRS, paths.TRAIN_REPORT,
                 paths.EXPORT_REPORT,
                 *sorted(paths.PLOTS_DIR.glob("confusion_*.csv")),
                 *sorted(paths.FIGURES_DIR.glob("*.png"))]
    result = tracking.record_pipeline_run(params, files, [path for path in artifacts if path.is_file()])
    if not result["logged"]:
        print(f"track: MLflow run {result['run_id']} ({tracking.tracking_uri()}) already records these results",
              flush=True)
        return result
    registration, export = result["registration"], params.export
    promotion = {"registered_model": export.registered_model, "alias": export.champion_alias, **registration,
                 "metric": export.promotion_metric, "max_worst_signer_drop": export.max_worst_signer_drop}
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
