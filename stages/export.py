"""Stage: models/model.keras (+ dataset, split) -> models/bundle/ (model.tflite, labels.json,
preprocess.json) and reports/export.json (TFLite vs Keras parity on the test windows)."""

from stages._entry import quiet_console, run_stage


def export(params) -> dict:
    from signlang import paths
    from signlang.io import require_inputs

    require_inputs("export", {paths.DATASET: "extract", paths.SPLIT: "split", paths.KERAS_MODEL: "train"})
    from signlang.serving.export import run

    return run(params)


if __name__ == "__main__":
    quiet_console()
    run_stage(export)
