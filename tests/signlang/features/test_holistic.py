"""signlang.features.holistic: the 1662-value layout, the settings/cache key, and Holistic on real clips."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from signlang.data.layout import FULL_SIZE, LAYOUTS
from signlang.errors import InputFileError
from signlang.features.holistic import (
    HolisticSettings,
    HolisticTracker,
    extract_video,
    results_to_vector,
    scale_frame,
)
from signlang.params import load_params

LAYOUT = LAYOUTS[FULL_SIZE]
# ~2 s, 57 frames, 854x480: one signer in view, right hand signing (clips.csv).
REAL_CLIP = "videos/asl-starter/thank_you/thank_you_01.mp4"
REAL_CLIP_FRAMES = 57


def _landmarks(count: int, base: float, visibility: bool = False) -> SimpleNamespace:
    points = [
        SimpleNamespace(x=base + i, y=base + i + 0.25, z=base + i + 0.5, **({"visibility": 0.75} if visibility else {}))
        for i in range(count)
    ]
    return SimpleNamespace(landmark=points)


def test_results_to_vector_layout() -> None:
    results = SimpleNamespace(
        pose_landmarks=_landmarks(33, 1000.0, visibility=True),
        face_landmarks=_landmarks(478, 2000.0),  # refined mesh: the 10 iris points are dropped
        left_hand_landmarks=None,
        right_hand_landmarks=_landmarks(21, 4000.0),
    )
    vector = results_to_vector(results)
    assert vector.shape == (FULL_SIZE,) and vector.dtype == np.float32

    pose = vector[LAYOUT["pose"]].reshape(33, 4)
    np.testing.assert_allclose(pose[0], [1000.0, 1000.25, 1000.5, 0.75])
    np.testing.assert_allclose(pose[32], [1032.0, 1032.25, 1032.5, 0.75])
    face = vector[LAYOUT["face"]].reshape(468, 3)
    np.testing.assert_allclose(face[0], [2000.0, 2000.25, 2000.5])
    np.testing.assert_allclose(face[467], [2467.0, 2467.25, 2467.5])
    assert not vector[LAYOUT["left_hand"]].any()
    right = vector[LAYOUT["right_hand"]].reshape(21, 3)
    np.testing.assert_allclose(right[20], [4020.0, 4020.25, 4020.5])


def test_results_to_vector_nothing_detected_is_zeros() -> None:
    empty = SimpleNamespace(pose_landmarks=None, face_landmarks=None, left_hand_landmarks=None, right_hand_landmarks=None)
    vector = results_to_vector(empty)
    assert vector.shape == (FULL_SIZE,) and not vector.any()


def test_settings_from_params_and_cache_key(project_root: Path) -> None:
    params = load_params(project_root / "params.yaml")
    settings = HolisticSettings.from_params(params.extract)
    assert settings == HolisticSettings(
        min_detection_confidence=params.extract.min_detection_confidence,
        min_tracking_confidence=params.extract.min_tracking_confidence,
        max_frame_side=params.extract.max_frame_side,
        face=params.extract.face,
    )
    key = settings.cache_key_part()
    assert key == HolisticSettings.from_params(params.extract).cache_key_part()  # stable
    assert json.loads(key)["max_frame_side"] == params.extract.max_frame_side
    changed = HolisticSettings(max_frame_side=settings.max_frame_side + 1)
    assert changed.cache_key_part() != HolisticSettings(max_frame_side=settings.max_frame_side).cache_key_part()
    assert HolisticSettings(min_detection_confidence=0.6).cache_key_part() != HolisticSettings().cache_key_part()
    assert HolisticSettings(face=True).cache_key_part() != HolisticSettings(face=False).cache_key_part()


def test_settings_for_parts_switch_the_face_on_only_when_needed() -> None:
    without = HolisticSettings(face=False)
    assert without.for_parts(("pose", "left_hand", "right_hand")) is without
    assert without.for_parts(("pose", "face")) == HolisticSettings(face=True)
    assert HolisticSettings(face=True).for_parts(("pose",)).face, "never switched off"


def test_scale_frame_keeps_aspect_and_small_frames() -> None:
    frame = np.zeros((1080, 1920, 3), dtype=np.uint8)
    assert scale_frame(frame, 640).shape == (360, 640, 3)
    assert scale_frame(np.zeros((1920, 1080, 3), np.uint8), 640).shape == (640, 360, 3)
    assert scale_frame(frame, 0) is frame
    small = np.zeros((240, 320, 3), dtype=np.uint8)
    assert scale_frame(small, 640) is small


def _garbage(path: Path, source: Path) -> None:
    path.write_bytes(bytes(range(256)) * 16)


def _header_only(path: Path, source: Path) -> None:
    # thank_you_01.mp4 keeps its moov atom up front: the truncated file opens, no frame decodes.
    path.write_bytes(source.read_bytes()[:4096])


@pytest.mark.parametrize("damage", [_garbage, _header_only], ids=["garbage", "truncated"])
def test_corrupt_clip_raises_input_file_error(tmp_path: Path, shared_data: Path, damage) -> None:
    clip = tmp_path / "broken.mp4"
    damage(clip, shared_data / REAL_CLIP)
    with pytest.raises(InputFileError) as caught:
        extract_video(clip)
    assert caught.value.path == str(clip)
    assert str(clip) in str(caught.value)


def test_truncated_clip_without_moov_cannot_be_opened(tmp_path: Path, shared_data: Path) -> None:
    clip = tmp_path / "hello_02.mp4"  # moov atom at the end: the first 4 KB cannot be opened
    clip.write_bytes((shared_data / "videos/asl-starter/hello/hello_02.mp4").read_bytes()[:4096])
    with pytest.raises(InputFileError, match="cannot be opened"):
        extract_video(clip)


def test_missing_clip_raises(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        extract_video(tmp_path / "nope.mp4")


def test_mediapipe_import_keeps_tensorflow_out(project_root: Path) -> None:
    code = (
        "import sys; from signlang.features.holistic import import_mediapipe; mp = import_mediapipe(); "
        "assert mp.solutions.holistic.Holistic; assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=project_root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.slow
def test_extract_real_clip(shared_data: Path) -> None:
    frames, fps = extract_video(shared_data / REAL_CLIP, HolisticSettings())
    assert frames.shape == (REAL_CLIP_FRAMES, FULL_SIZE) and frames.dtype == np.float32
    assert fps == pytest.approx(29.97, abs=0.01)
    seen = {part: np.any(frames[:, columns] != 0, axis=1) for part, columns in LAYOUT.items()}
    assert seen["pose"].mean() >= 0.9, "pose should be found in nearly every frame"
    assert (seen["left_hand"] | seen["right_hand"]).mean() >= 0.3, "a hand should be found in many frames"
    pose = frames[seen["pose"]][:, LAYOUT["pose"]].reshape(-1, 33, 4)
    assert np.all((pose[..., 3] >= 0) & (pose[..., 3] <= 1)), "visibility is a probability"


@pytest.mark.slow
def test_tracker_per_frame_and_close(shared_data: Path) -> None:
    import cv2

    capture = cv2.VideoCapture(str(shared_data / "videos/asl-starter/hello/hello_02.mp4"))  # 1920x1080
    frames = [capture.read()[1] for _ in range(5)]
    capture.release()
    with HolisticTracker(HolisticSettings(max_frame_side=640)) as tracker:
        outputs = [tracker.process(frame) for frame in frames]
    for vector, results in outputs:
        assert vector.shape == (FULL_SIZE,) and vector.dtype == np.float32
        assert results.pose_landmarks is not None
        np.testing.assert_array_equal(vector, results_to_vector(results))
    with pytest.raises(RuntimeError, match="closed"):
        tracker.process(frames[0])


@pytest.mark.slow
def test_tracker_without_face_matches_holistic_pose_and_hands(shared_data: Path) -> None:
    """The face-less graph is Holistic minus its face branch: pose and hands identical,
    frame by frame (tracking state included), face zeros."""
    import cv2

    capture = cv2.VideoCapture(str(shared_data / REAL_CLIP))
    frames = [frame for ok, frame in iter(capture.read, (False, None)) if ok]
    capture.release()
    vectors = {}
    for face in (True, False):
        with HolisticTracker(HolisticSettings(face=face)) as tracker:
            vectors[face] = np.stack([tracker.process(frame)[0] for frame in frames])
    body = np.r_[LAYOUT["pose"], LAYOUT["left_hand"], LAYOUT["right_hand"]]
    assert np.any(vectors[True][:, LAYOUT["face"]]), "the full graph finds the face"
    assert not np.any(vectors[False][:, LAYOUT["face"]])
    assert np.any(vectors[False][:, LAYOUT["right_hand"]])
    np.testing.assert_array_equal(vectors[False][:, body], vectors[True][:, body])


@pytest.mark.slow
def test_clip_without_person_raises(tmp_path: Path) -> None:
    import cv2

    clip = tmp_path / "empty_room.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (96, 64))
    for shade in range(6):
        writer.write(np.full((64, 96, 3), 40 * shade, dtype=np.uint8))
    writer.release()
    with pytest.raises(InputFileError, match="no person detected") as caught:
        extract_video(clip)
    assert caught.value.path == str(clip)
