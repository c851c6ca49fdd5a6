"""Export stage: the trained Keras model -> models/bundle/ (TFLite, labels, preprocessing).

The network is rebuilt with a fixed batch size of 1 and given the trained weights: a Keras 3
LSTM converts to TFLite builtin ops only in that form. Conversion never falls back to Flex
(TensorFlow) ops: if the builtin set cannot express the network, export stops with an error.
The TFLite model is then run on every test window and compared with the Keras model (the
track stage registers the bundle in MLflow and decides on the champion alias).
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from signlang import paths
from signlang.errors import SignlangError
from signlang.io import write_json
from signlang.metrics.evaluation import load_keras_model, load_scoring_data
from signlang.serving.bundle import Bundle, write_bundle
from signlang.serving.segment import SegmenterSpec, calibrate_from_dataset

# A TFLite probability further than this from Keras's is reported as a warning.
PARITY_WARNING = 1e-4


class ExportError(SignlangError):
    """The model cannot be converted as required (builtin TFLite ops only)."""


def inference_model(trained, train_params, sequence_length: int, feature_size: int, n_classes: int):
    """The `train_params.preset` network rebuilt with batch size 1, holding `trained`'s weights."""
    from signlang.models.networks import build_model

    single = build_model(train_params, sequence_length, feature_size, n_classes, batch_size=1)
    single.set_weights(trained.get_weights())
    return single


def to_tflite(model) -> bytes:
    """Convert a Keras model to TFLite with builtin ops only; ExportError otherwise.

    Recurrent layers convert only with a fixed batch size (see `inference_model`); a model
    with a free batch dimension fails here rather than falling back to Flex ops."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    try:
        # Keras prints where it saved the temporary SavedModel; that is noise here.
        with contextlib.redirect_stdout(io.StringIO()):
            content = converter.convert()
    except Exception as exc:  # noqa: BLE001 - the converter raises ConverterError and others
        hint = "" if model.input_shape[0] == 1 else " (its batch size is not fixed to 1: see inference_model)"
        raise ExportError(
            f"export: the {model.name!r} network cannot be converted to TFLite with builtin ops only"
            f"{hint}; Flex / SELECT_TF_OPS is not allowed. Converter said: {str(exc).strip()[-1500:]}"
        ) from None
    flex = flex_ops(content)
    if flex:
        raise ExportError(f"export: the converted model needs non-builtin ops {flex}; builtin ops only are allowed")
    return content


def model_ops(content: bytes) -> list[str]:
    """The operators a TFLite model uses, read from its flatbuffer: builtin ops by name,
    custom ops (Flex ops among them) as `CUSTOM:<code>`."""
    from tensorflow.lite.python import schema_py_generated as schema

    names = {value: name for name, value in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
    model = schema.Model.GetRootAsModel(bytearray(content), 0)
    ops = []
    for index in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(index)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if builtin == schema.BuiltinOperator.CUSTOM:
            ops.append(f"CUSTOM:{(code.CustomCode() or b'').decode('utf-8', 'replace')}")
        else:
            ops.append(names.get(builtin, str(builtin)))
    return sorted(set(ops))


def flex_ops(content: bytes) -> list[str]:
    """Non-builtin (custom, e.g. Flex) ops a TFLite model needs; empty when builtin only."""
    custom = [name for name in model_ops(content) if name.startswith("CUSTOM:")]
    if not custom and b"Flex" in content:
        custom = ["Flex (named in the model bytes)"]
    return custom


def parity(keras_probabilities: np.ndarray, tflite_probabilities: np.ndarray) -> dict:
    """How far the TFLite probabilities are from Keras's, and how often the top class agrees."""
    n = len(keras_probabilities)
    if n == 0:
        return {"max_abs_diff": None, "argmax_agreement": None, "test_samples": 0}
    difference = float(np.max(np.abs(keras_probabilities.astype(np.float64) - tflite_probabilities)))
    agreement = float(np.mean(np.argmax(keras_probabilities, axis=1) == np.argmax(tflite_probabilities, axis=1)))
    return {
        # Three significant digits: enough to judge, and stable under float noise.
        "max_abs_diff": float(f"{difference:.3g}"),
        "argmax_agreement": round(agreement, 6),
        "test_samples": int(n),
    }


def export_bundle(
    trained,
    params,
    classes: Sequence[str],
    bundle_dir: str | Path = paths.BUNDLE_DIR,
    segmenter: SegmenterSpec | None = None,
) -> bytes:
    """Build the batch-1 model, convert it and write the bundle (with `segmenter` when given);
    returns the TFLite bytes."""
    spec = params.features
    single = inference_model(trained, params.train, spec.sequence_length, spec.output_size, len(classes))
    content = to_tflite(single)
    write_bundle(bundle_dir, content, classes, params.ingest.label_aliases, spec, segmenter)
    return content


def segmenter_spec(params, dataset_path: str | Path = paths.DATASET, split_path: str | Path = paths.SPLIT) -> SegmenterSpec:
    """The bundle's segmenter: params.yaml `segment:` frame counts, thresholds derived from the
    training windows (`segment.calibrate`)."""
    settings = params.segment
    base = SegmenterSpec(change_frames=settings.change_frames, start_frames=settings.start_frames,
                         end_frames=settings.end_frames, min_frames=settings.min_frames, max_frames=settings.max_frames)
    return calibrate_from_dataset(dataset_path, split_path, settings.rest_quantile, settings.change_quantile, base)


def run(
    params,
    model_path: str | Path = paths.KERAS_MODEL,
    dataset_path: str | Path = paths.DATASET,
    split_path: str | Path = paths.SPLIT,
    bundle_dir: str | Path = paths.BUNDLE_DIR,
    report_path: str | Path = paths.EXPORT_REPORT,
) -> dict:
    """The export stage. Returns the export report (the content of `report_path`)."""
    started = time.perf_counter()
    spec = params.features
    data = load_scoring_data(dataset_path, split_path, spec)
    trained = load_keras_model(model_path, spec, len(data.classes))

    segmenter = segmenter_spec(params, dataset_path, split_path)
    content = export_bundle(trained, params, data.classes, bundle_dir, segmenter)
    bundle = Bundle.load(bundle_dir)
    test = data.subset("test")
    windows = data.X[test]
    keras_probabilities = trained.predict(windows, batch_size=256, verbose=0) if len(windows) else np.zeros((0, len(data.classes)))
    tflite_probabilities = bundle.predict_proba(windows)
    report = {**parity(keras_probabilities, tflite_probabilities), "tflite_bytes": len(content), "builtin_ops_only": True,
              "segmenter": segmenter.to_dict()}
    write_json(report_path, report)
    print(
        f"export: {bundle_dir} ({len(content)} bytes TFLite, builtin ops only); parity on "
        f"{report['test_samples']} test windows: max |diff| {report['max_abs_diff']}, "
        f"argmax agreement {report['argmax_agreement']}",
        flush=True,
    )
    if report["max_abs_diff"] is not None and report["max_abs_diff"] > PARITY_WARNING:
        print(f"export: warning: TFLite probabilities differ from Keras by up to {report['max_abs_diff']}", flush=True)

    result = dict(report)
    print(f"export: done in {time.perf_counter() - started:.1f} s", flush=True)
    return result
