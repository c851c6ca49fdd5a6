"""Export: the trained Keras model -> a bundle (TFLite, labels, preprocessing, segmenter); the
pieces `stages/export.py` is made of.

The network is rebuilt with a fixed batch size of 1 and given the trained weights: a Keras 3
LSTM converts to TFLite builtin ops only in that form. Conversion never falls back to Flex
(TensorFlow) ops: if the builtin set cannot express the network, export stops with an error.
The TFLite model is then run on every test window and compared with the Keras model (the
track stage registers the bundle in MLflow and decides on the champion alias).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from signlang import paths
from signlang.errors import SignlangError
from signlang.features.keypoints import output_size
from signlang.features.spec import FeatureParams
from signlang.models.settings import TrainParams
from signlang.serving.bundle import write_bundle
from signlang.serving.segment import SegmenterSpec, calibrate_from_dataset
from signlang.serving.settings import SegmentParams

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
    train: TrainParams,
    spec: FeatureParams,
    classes: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    bundle_dir: str | Path = paths.BUNDLE_DIR,
    segmenter: SegmenterSpec | None = None,
) -> bytes:
    """Build the batch-1 model, convert it and write the bundle: the TFLite model, the classes
    with their spellings (`aliases`), the preprocessing spec and `segmenter` when given;
    returns the TFLite bytes."""
    single = inference_model(trained, train, spec.sequence_length, output_size(spec), len(classes))
    content = to_tflite(single)
    write_bundle(bundle_dir, content, classes, aliases, spec, segmenter)
    return content


def segmenter_spec(segment: SegmentParams, dataset_path: str | Path = paths.DATASET,
                   split_path: str | Path = paths.SPLIT) -> SegmenterSpec:
    """The bundle's segmenter: the `segment:` frame counts, thresholds derived from the training
    windows (`signlang.serving.segment.calibrate`)."""
    base = SegmenterSpec(change_frames=segment.change_frames, start_frames=segment.start_frames,
                         end_frames=segment.end_frames, min_frames=segment.min_frames, max_frames=segment.max_frames)
    return calibrate_from_dataset(dataset_path, split_path, segment.rest_quantile, segment.change_quantile, base)


def parity_line(bundle_dir: str | Path, report: Mapping) -> str:
    """The export's outcome for the terminal: the bundle's size and its parity with Keras."""
    return (f"export: {bundle_dir} ({report['tflite_bytes']} bytes TFLite, builtin ops only); parity on "
            f"{report['test_samples']} test windows: max |diff| {report['max_abs_diff']}, "
            f"argmax agreement {report['argmax_agreement']}")
