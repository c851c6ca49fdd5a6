"""The bundle: exactly three files written atomically, loaded back with clear errors, and
predictions through TFLite that match the Keras network they came from."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from signlang import paths
from signlang.data.layout import FULL_SIZE, NO_FACE_SIZE
from signlang.errors import InputFileError
from signlang.features.keypoints import frames_to_window, output_size
from signlang.features.spec import FeatureParams
from signlang.serving.bundle import BUNDLE_FILES, Bundle, preprocess_dict, read_preprocess, write_bundle

SPEC = FeatureParams.raw(("left_hand", "right_hand"), sequence_length=10)
CLASSES = ["hello", "thanks", "xin chào"]
ALIASES = {"thanks": ["thank you", "thank_you"]}


def test_write_bundle_writes_exactly_three_files(tmp_path: Path) -> None:
    bundle = tmp_path / "models" / "bundle"
    write_bundle(bundle, b"not really tflite", CLASSES, ALIASES, SPEC)
    assert sorted(os.listdir(bundle)) == sorted(BUNDLE_FILES)
    assert (bundle / paths.BUNDLE_MODEL).read_bytes() == b"not really tflite"
    labels = json.loads((bundle / paths.BUNDLE_LABELS).read_text(encoding="utf-8"))
    assert labels == {"classes": CLASSES, "aliases": ALIASES}
    assert "xin chào" in (bundle / paths.BUNDLE_LABELS).read_text(encoding="utf-8")
    assert read_preprocess(bundle / paths.BUNDLE_PREPROCESS) == SPEC
    # Nothing left beside it (no temporary folders), readable by others.
    assert os.listdir(tmp_path / "models") == ["bundle"]
    assert (bundle.stat().st_mode & 0o755) == 0o755


def test_an_older_bundles_preprocess_json_keeps_its_meaning(tmp_path: Path) -> None:
    """A preprocess.json written before the normalise steps existed lacks their keys: each means
    that step off (raw coordinates), not params.yaml's features (whose defaults turn them on)."""
    old = {"parts": ["pose", "left_hand", "right_hand"], "sequence_length": 30, "resample": "nearest",
           "feature_size": 258}
    (tmp_path / paths.BUNDLE_PREPROCESS).write_text(json.dumps(old), encoding="utf-8")
    spec = read_preprocess(tmp_path / paths.BUNDLE_PREPROCESS)
    assert spec.model_dump() == {
        "parts": ("pose", "left_hand", "right_hand"), "sequence_length": 30, "resample": "nearest",
        "trim_no_hand_frames": True, "normalisation": "none", "body_reference": "frame", "hand_shape": False,
        "hand_position": False, "pose_landmarks": "all", "missing_hands": "zero", "max_gap": 0,
        "hand_flags": False, "hand_distances": False, "velocity": False, "mirror": "none",
    }
    assert output_size(spec) == 258
    # A bundle from before `mirror` and `hand_distances`: the keys it has are kept, those two are off.
    newer = {key: value for key, value in preprocess_dict(FeatureParams(parts=old["parts"])).items()
             if key not in ("mirror", "hand_distances")}
    (tmp_path / paths.BUNDLE_PREPROCESS).write_text(json.dumps(newer), encoding="utf-8")
    spec = read_preprocess(tmp_path / paths.BUNDLE_PREPROCESS)
    assert (spec.normalisation, spec.hand_shape, spec.hand_flags, spec.pose_landmarks) == ("body", True, True, "upper")
    assert (spec.mirror, spec.hand_distances) == ("none", False)


def test_write_bundle_replaces_and_is_byte_stable(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "stale.txt").write_text("from an older export")
    write_bundle(bundle, b"one", CLASSES, ALIASES, SPEC)
    first = {name: (bundle / name).read_bytes() for name in BUNDLE_FILES}
    write_bundle(bundle, b"one", CLASSES, ALIASES, SPEC)
    assert sorted(os.listdir(bundle)) == sorted(BUNDLE_FILES)
    assert {name: (bundle / name).read_bytes() for name in BUNDLE_FILES} == first
    assert os.listdir(tmp_path) == ["bundle"]


def test_write_bundle_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "bundle").write_text("a file")
    with pytest.raises(InputFileError, match="not a folder"):
        write_bundle(tmp_path / "bundle", b"x", CLASSES, ALIASES, SPEC)
    assert os.listdir(tmp_path) == ["bundle"]


def test_load_names_the_missing_or_bad_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="bundle folder not found"):
        Bundle.load(tmp_path / "absent")
    bundle = tmp_path / "bundle"
    write_bundle(bundle, b"x", CLASSES, ALIASES, SPEC)
    (bundle / paths.BUNDLE_PREPROCESS).unlink()
    with pytest.raises(InputFileError, match=f"{paths.BUNDLE_PREPROCESS}: missing from the bundle"):
        Bundle.load(bundle)
    write_bundle(bundle, b"x", CLASSES, ALIASES, SPEC)
    (bundle / paths.BUNDLE_LABELS).write_text('{"aliases": {}}')
    with pytest.raises(InputFileError, match="classes"):
        Bundle.load(bundle)
    (bundle / paths.BUNDLE_LABELS).write_text("{not json")
    with pytest.raises(InputFileError, match="not valid JSON"):
        Bundle.load(bundle)


# --- with a real (untrained) network converted to TFLite ---------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, project_root: Path):
    """An untrained tutorial network on 10 x 126 (both hands) windows, its bundle folder."""
    import keras

    from signlang.models.networks import build_model
    from signlang.params import load_params
    from signlang.serving.export import to_tflite

    train = load_params(project_root / "params.yaml").train.model_copy(update={"preset": "tutorial"})
    keras.utils.set_random_seed(7)
    model = build_model(train, SPEC.sequence_length, SPEC.feature_size, len(CLASSES), batch_size=1)
    folder = tmp_path_factory.mktemp("tiny") / "bundle"
    write_bundle(folder, to_tflite(model), CLASSES, ALIASES, SPEC)
    return model, folder


def _windows(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((count, SPEC.sequence_length, SPEC.feature_size), dtype=np.float32)


@pytest.mark.slow
def test_bundle_predicts_like_keras(tiny) -> None:
    model, folder = tiny
    bundle = Bundle.load(folder)
    assert bundle.classes == tuple(CLASSES)
    assert bundle.aliases == ALIASES
    assert bundle.spec == SPEC
    assert bundle.window_shape == (10, 126)
    windows = _windows(5)
    probabilities = bundle.predict_proba(windows)
    assert probabilities.shape == (5, 3) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    expected = np.concatenate([model(windows[i : i + 1], training=False).numpy() for i in range(5)])
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    assert bundle.predict_proba(np.zeros((0, 10, 126), np.float32)).shape == (0, 3)
    assert bundle.label(probabilities[0]) in CLASSES


@pytest.mark.slow
def test_predict_window_takes_raw_live_frames(tiny) -> None:
    _, folder = tiny
    bundle = Bundle.load(folder)
    rng = np.random.default_rng(1)
    for width in (FULL_SIZE, NO_FACE_SIZE):
        frames = rng.random((23, width), dtype=np.float32)  # any length: resampled to 10
        probabilities = bundle.predict_window(frames)
        assert probabilities.shape == (3,)
        np.testing.assert_allclose(probabilities, bundle.predict_proba(frames_to_window(frames, SPEC))[0])
    with pytest.raises(InputFileError, match="1662"):
        bundle.predict_window(rng.random((23, 100), dtype=np.float32))


@pytest.mark.slow
def test_wrong_window_shape_is_refused(tiny) -> None:
    _, folder = tiny
    bundle = Bundle.load(folder)
    with pytest.raises(InputFileError, match=r"\(n, 10, 126\)"):
        bundle.predict_proba(np.zeros((2, 30, 126), np.float32))
    with pytest.raises(InputFileError, match=r"\(n, 10, 126\)"):
        bundle.predict_proba(np.zeros((10, 126), np.float32))


@pytest.mark.slow
def test_spec_or_labels_that_do_not_fit_the_model_are_refused(tiny, tmp_path: Path) -> None:
    _, folder = tiny
    content = (folder / paths.BUNDLE_MODEL).read_bytes()
    longer = FeatureParams.raw(SPEC.parts, sequence_length=30)
    write_bundle(tmp_path / "a", content, CLASSES, ALIASES, longer)
    with pytest.raises(InputFileError, match=r"takes input \(1, 10, 126\).*\(1, 30, 126\)"):
        Bundle.load(tmp_path / "a")
    write_bundle(tmp_path / "b", content, CLASSES[:2], ALIASES, SPEC)
    with pytest.raises(InputFileError, match="lists 2 classes"):
        Bundle.load(tmp_path / "b")
    write_bundle(tmp_path / "c", b"garbage, not a flatbuffer", CLASSES, ALIASES, SPEC)
    with pytest.raises(InputFileError, match="not a loadable TFLite model"):
        Bundle.load(tmp_path / "c")
