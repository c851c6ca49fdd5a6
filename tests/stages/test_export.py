"""Export stage on the session's small real project (tests/conftest.py `small_project`): the
bundle's files, parity with Keras on every test window, and no MLflow logging (the track stage's,
tests/stages/test_track.py). The TFLite ops: tests/signlang/serving/test_export.py; `signlang
evaluate` on the exported bundle: tests/signlang/cli/test_evaluate.py."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from signlang import paths

pytestmark = pytest.mark.slow


def test_bundle_holds_exactly_its_four_files(exported) -> None:
    bundle = exported["root"] / paths.BUNDLE_DIR
    assert sorted(os.listdir(bundle)) == sorted([paths.BUNDLE_MODEL, paths.BUNDLE_LABELS, paths.BUNDLE_PREPROCESS,
                                                 paths.BUNDLE_SEGMENTER])
    segmenter = json.loads((bundle / paths.BUNDLE_SEGMENTER).read_text(encoding="utf-8"))
    assert segmenter["rest_height"] > 0 and segmenter["change_threshold"] > 0  # derived from the training windows
    labels = json.loads((bundle / paths.BUNDLE_LABELS).read_text(encoding="utf-8"))
    assert labels["classes"] == list(exported["classes"])
    assert labels["aliases"] == exported["params"].ingest.label_aliases
    spec = json.loads((bundle / paths.BUNDLE_PREPROCESS).read_text(encoding="utf-8"))
    assert spec["parts"] == ["pose", "left_hand", "right_hand"] and spec["sequence_length"] == 30
    # Written atomically: no temporary folder left beside it.
    assert set(os.listdir(exported["root"] / paths.MODELS_DIR)) == {"bundle", "model.keras"}


def test_tflite_matches_keras_on_every_test_window(exported) -> None:
    from signlang.serving.bundle import Bundle

    report = json.loads((exported["root"] / paths.EXPORT_REPORT).read_text(encoding="utf-8"))
    test = exported["subsets"] == "test"
    assert report["test_samples"] == int(test.sum()) > 0
    assert report["max_abs_diff"] < 1e-4
    assert report["argmax_agreement"] == 1.0
    assert report["builtin_ops_only"] is True
    assert report["tflite_bytes"] == (exported["root"] / paths.BUNDLE_DIR / paths.BUNDLE_MODEL).stat().st_size
    assert set(report) == {"max_abs_diff", "argmax_agreement", "test_samples", "tflite_bytes", "builtin_ops_only",
                           "segmenter"}
    assert report["segmenter"] == json.loads((exported["root"] / paths.BUNDLE_DIR / paths.BUNDLE_SEGMENTER).read_text())

    # Checked again here, independently of the stage's own numbers.
    bundle = Bundle.load(exported["root"] / paths.BUNDLE_DIR)
    keras_probabilities = exported["model"].predict(exported["X"][test], verbose=0)
    tflite_probabilities = bundle.predict_proba(exported["X"][test])
    assert np.max(np.abs(keras_probabilities - tflite_probabilities)) < 1e-4
    assert (keras_probabilities.argmax(1) == tflite_probabilities.argmax(1)).all()


def test_export_and_evaluate_do_not_talk_to_mlflow(exported) -> None:
    """Only the track stage logs: a stage DVC skips must not be the one that would have logged."""
    assert exported["store_after_stages"] is False
