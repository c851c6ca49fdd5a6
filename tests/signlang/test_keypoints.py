"""signlang.keypoints on real recordings: the two layouts, part selection, time resampling,
idle trimming, the whole clip -> window path, and the errors on unusable frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang import keypoints
from signlang.errors import InputFileError
from signlang.keypoints import PreprocessSpec


@pytest.fixture(scope="module")
def full_frames(shared_data: Path) -> np.ndarray:
    """A real MP_Data sequence: 30 frames x 1662 values, frame files in numeric order."""
    folder = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "hello" / "0"
    return np.stack([np.load(folder / f"{n}.npy") for n in range(30)]).astype(np.float32)


@pytest.fixture(scope="module")
def no_face_frames(shared_data: Path) -> np.ndarray:
    """A real 258-value sequence (pose + hands) from the multi-signer set."""
    with np.load(shared_data / "keypoints" / "multisigner-258" / "hirak214.npz") as data:
        return data["X"][0].astype(np.float32)


def test_layout_sizes() -> None:
    assert keypoints.FULL_SIZE == 1662 and keypoints.NO_FACE_SIZE == 258
    full, no_face = keypoints.LAYOUTS[1662], keypoints.LAYOUTS[258]
    assert (full["pose"], full["face"], full["left_hand"], full["right_hand"]) == (
        slice(0, 132), slice(132, 1536), slice(1536, 1599), slice(1599, 1662)
    )
    assert (no_face["pose"], no_face["left_hand"], no_face["right_hand"]) == (
        slice(0, 132), slice(132, 195), slice(195, 258)
    )
    assert "face" not in no_face
    assert keypoints.feature_size(["pose", "left_hand", "right_hand"]) == 258
    assert keypoints.feature_size(["left_hand"]) == 63


def test_select_parts_full_layout(full_frames: np.ndarray) -> None:
    selected = keypoints.select_parts(full_frames, ["pose", "left_hand", "right_hand"])
    assert selected.shape == (30, 258)
    np.testing.assert_array_equal(selected[:, :132], full_frames[:, :132])
    np.testing.assert_array_equal(selected[:, 132:], full_frames[:, 1536:])
    # Order follows the request, not the layout.
    swapped = keypoints.select_parts(full_frames, ["right_hand", "pose"])
    np.testing.assert_array_equal(swapped[:, :63], full_frames[:, 1599:1662])
    np.testing.assert_array_equal(swapped[:, 63:], full_frames[:, :132])


def test_select_parts_agrees_across_layouts(full_frames: np.ndarray, no_face_frames: np.ndarray) -> None:
    parts = ["pose", "left_hand", "right_hand"]
    no_face_from_full = keypoints.select_parts(full_frames, parts)
    # The 258 layout is exactly the full layout without its face.
    np.testing.assert_array_equal(keypoints.select_parts(no_face_from_full, parts), no_face_from_full)
    assert keypoints.select_parts(no_face_frames, ["left_hand"]).shape == (len(no_face_frames), 63)


def test_select_face_from_no_face_layout_fails(no_face_frames: np.ndarray) -> None:
    with pytest.raises(InputFileError, match="no face keypoints"):
        keypoints.select_parts(no_face_frames, ["pose", "face"], source="x.npz")


@pytest.mark.parametrize("shape", [(30, 100), (30, 1661), (30,), (2, 30, 258)])
def test_wrong_width_or_rank_is_refused(shape: tuple[int, ...]) -> None:
    with pytest.raises(InputFileError, match="clip.npz"):
        keypoints.layout_of(np.zeros(shape, np.float32), source="clip.npz")


def test_resample_nearest(full_frames: np.ndarray) -> None:
    assert keypoints.resample(full_frames, 30) is full_frames  # already the right length
    longer = keypoints.resample(full_frames[:10], 19, "nearest")
    assert longer.shape == (19, 1662)
    # Every output frame is one of the input frames, first and last kept.
    np.testing.assert_array_equal(longer[0], full_frames[0])
    np.testing.assert_array_equal(longer[-1], full_frames[9])
    np.testing.assert_array_equal(longer[::2], full_frames[:10])
    shorter = keypoints.resample(full_frames, 4, "nearest")
    np.testing.assert_array_equal(shorter, full_frames[[0, 10, 19, 29]])


def test_resample_linear(no_face_frames: np.ndarray) -> None:
    frames = no_face_frames[:2]
    middle = keypoints.resample(frames, 3, "linear")
    np.testing.assert_allclose(middle[1], (frames[0] + frames[1]) / 2, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(middle[0], frames[0])
    np.testing.assert_allclose(middle[2], frames[1], rtol=1e-6)
    assert keypoints.resample(no_face_frames, 45, "linear").shape == (45, 258)


def test_resample_refuses_empty_and_unknown(full_frames: np.ndarray) -> None:
    with pytest.raises(ValueError, match="empty"):
        keypoints.resample(full_frames[:0], 30)
    with pytest.raises(ValueError, match="nearest, linear"):
        keypoints.resample(full_frames, 10, "cubic")


def test_trim_idle_drops_frames_without_hands(no_face_frames: np.ndarray) -> None:
    idle = np.zeros((3, 258), np.float32)
    idle[:, :132] = no_face_frames[0, :132]  # the body is there, no hands
    seen = keypoints.hand_seen(no_face_frames)
    assert seen.any()
    padded = np.concatenate([idle, no_face_frames, idle])
    trimmed = keypoints.trim_idle(padded)
    first, last = np.flatnonzero(seen)[[0, -1]]
    np.testing.assert_array_equal(trimmed, no_face_frames[first : last + 1])
    # No hand anywhere: nothing to trim by, the clip is kept whole.
    np.testing.assert_array_equal(keypoints.trim_idle(idle), idle)


def test_clip_to_window(full_frames: np.ndarray) -> None:
    spec = PreprocessSpec(parts=("pose", "left_hand", "right_hand"), sequence_length=20)
    window = keypoints.clip_to_window(full_frames.astype(np.float64), spec)
    assert window.shape == (20, 258) and window.dtype == np.float32
    untrimmed = PreprocessSpec(parts=("left_hand",), sequence_length=30, trim_no_hand_frames=False)
    np.testing.assert_array_equal(keypoints.clip_to_window(full_frames, untrimmed), full_frames[:, 1536:1599])


def test_clip_to_window_refuses_nan_and_empty(full_frames: np.ndarray) -> None:
    spec = PreprocessSpec(parts=("pose",), sequence_length=10)
    broken = full_frames.copy()
    broken[3, 7] = np.nan
    broken[4, 0] = np.inf
    with pytest.raises(InputFileError, match=r"bad\.npz: holds 2 NaN or infinite"):
        keypoints.clip_to_window(broken, spec, source="bad.npz")
    with pytest.raises(InputFileError, match="no frames"):
        keypoints.clip_to_window(full_frames[:0], spec, source="empty.npz")
    with pytest.raises(InputFileError, match="1661 values"):
        keypoints.clip_to_window(full_frames[:, :1661], spec, source="narrow.npz")


def test_frames_to_window_is_one_normalised_batch(no_face_frames: np.ndarray) -> None:
    spec = PreprocessSpec(parts=("pose", "left_hand", "right_hand"), sequence_length=30)
    window = keypoints.frames_to_window(no_face_frames, spec)
    assert window.shape == (1, 30, 258) and window.dtype == np.float32


def test_spec_round_trip(tmp_path: Path) -> None:
    spec = PreprocessSpec(parts=("left_hand", "right_hand"), sequence_length=24, resample="linear")
    spec.save(tmp_path / "preprocess.json")
    loaded = PreprocessSpec.load(tmp_path / "preprocess.json")
    assert loaded == spec and loaded.feature_size == 126
    assert spec.to_dict()["feature_size"] == 126
