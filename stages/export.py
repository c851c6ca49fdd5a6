"""Stage: models/model.keras (+ dataset, split, reports/metrics.json) -> models/bundle/
(model.tflite, labels.json, preprocess.json) and reports/export.json; registers the bundle in
MLflow and moves the champion alias to it only when its test score is better."""

from stages._entry import run_stage


def export(params) -> dict:
    from signlang import paths
    from signlang.io import require_inputs

    require_inputs("export", {paths.DATASET: "extract", paths.SPLIT: "split", paths.KERAS_MODEL: "train",
                              paths.METRICS: "evaluate"})
    from signlang.export import run

    return run(params)


if __name__ == "__main__":
    run_stage(export)
