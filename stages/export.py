"""Stage export: models/model.keras (+ dataset, split) -> models/bundle/ (model.tflite, labels.json,
preprocess.json, segmenter.json) and reports/export.json (the TFLite model against Keras on the test
windows). The track stage registers the bundle in MLflow and decides on the champion alias."""

from __future__ import annotations

import time
from pathlib import Path

from signlang import paths
from stages._entry import quiet_console, run_stage


def export(
    params,
    model_path: str | Path = paths.KERAS_MODEL,
    dataset_path: str | Path = paths.DATASET,
    split_path: str | Path = paths.SPLIT,
    bundle_dir: str | Path = paths.BUNDLE_DIR,
    report_path: str | Path = paths.EXPORT_REPORT,
) -> dict:
    """Run the stage; returns the export report (the content of `report_path`)."""
    from signlang.io import require_inputs

    require_inputs("export", {dataset_path: "extract", split_path: "split", model_path: "train"})
    import numpy as np

    from signlang.io import write_json
    from signlang.metrics.evaluation import load_keras_model, load_scoring_data
    from signlang.serving.bundle import Bundle
    from signlang.serving.export import PARITY_WARNING, export_bundle, parity, parity_line, segmenter_spec

    started = time.perf_counter()
    data = load_scoring_data(dataset_path, split_path, params.features)
    trained = load_keras_model(model_path, params.features, len(data.classes))

    # The bundle: the batch-1 TFLite model, the classes, the preprocessing spec and the
    # segmenter, its thresholds calibrated on the training windows.
    segmenter = segmenter_spec(params.segment, dataset_path, split_path)
    content = export_bundle(trained, params.train, params.features, data.classes, params.ingest.label_aliases,
                            bundle_dir, segmenter)

    # Parity: the bundle, loaded as live inference loads it, against Keras on the test windows.
    windows = data.X[data.subset("test")]
    keras_probabilities = (trained.predict(windows, batch_size=256, verbose=0) if len(windows)
                           else np.zeros((0, len(data.classes))))
    tflite_probabilities = Bundle.load(bundle_dir).predict_proba(windows)
    report = {**parity(keras_probabilities, tflite_probabilities), "tflite_bytes": len(content),
              "builtin_ops_only": True, "segmenter": segmenter.to_dict()}
    write_json(report_path, report)

    print(parity_line(bundle_dir, report), flush=True)
    if report["max_abs_diff"] is not None and report["max_abs_diff"] > PARITY_WARNING:
        print(f"export: warning: TFLite probabilities differ from Keras by up to {report['max_abs_diff']}", flush=True)
    print(f"export: done in {time.perf_counter() - started:.1f} s", flush=True)
    return report


def stage_params():
    """The params.yaml sections this stage reads, validated (no others)."""
    from signlang.data.settings import IngestParams
    from signlang.features.spec import FeatureParams
    from signlang.models.settings import TrainParams
    from signlang.serving.settings import SegmentParams
    from signlang.settings import load_sections

    return load_sections(segment=SegmentParams, train=TrainParams, features=FeatureParams, ingest=IngestParams)


def main() -> None:
    run_stage(export, stage_params)


if __name__ == "__main__":
    quiet_console()
    main()
