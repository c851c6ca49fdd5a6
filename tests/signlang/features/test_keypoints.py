"""signlang.features.keypoints on real recordings: the two layouts, part selection, time resampling,
idle trimming, the whole clip -> window path, and the errors on unusable frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang.errors import InputFileError
from signlang.features import keypoints
from signlang.features.spec import FeatureParams
from signlang.serving.bundle import preprocess_dict, read_preprocess, write_preprocess
from tests.signlang.features.helpers import PARTS, spec_with


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
    spec = FeatureParams.raw(("pose", "left_hand", "right_hand"), sequence_length=20)
    window = keypoints.clip_to_window(full_frames.astype(np.float64), spec)
    assert window.shape == (20, 258) and window.dtype == np.float32
    untrimmed = FeatureParams.raw(("left_hand",), sequence_length=30, trim_no_hand_frames=False)
    np.testing.assert_array_equal(keypoints.clip_to_window(full_frames, untrimmed), full_frames[:, 1536:1599])


def test_clip_to_window_refuses_nan_and_empty(full_frames: np.ndarray) -> None:
    spec = FeatureParams.raw(("pose",), sequence_length=10)
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
    spec = FeatureParams.raw(("pose", "left_hand", "right_hand"), sequence_length=30)
    window = keypoints.frames_to_window(no_face_frames, spec)
    assert window.shape == (1, 30, 258) and window.dtype == np.float32


def test_spec_round_trip(tmp_path: Path) -> None:
    spec = FeatureParams.raw(("left_hand", "right_hand"), sequence_length=24, resample="linear")
    write_preprocess(spec, tmp_path / "preprocess.json")
    loaded = read_preprocess(tmp_path / "preprocess.json")
    assert loaded == spec and loaded.feature_size == 126
    assert preprocess_dict(spec)["feature_size"] == 126


# --- body-relative preprocessing (normalise) ----------------------------------------------


@pytest.fixture(scope="module")
def signer_windows(shared_data: Path) -> np.ndarray:
    """Real raw windows (n, 30, 258): a signer who signs with the left hand (ArnavPundir22)."""
    with np.load(shared_data / "keypoints" / "multisigner-258" / "ArnavPundir22.npz") as data:
        return data["X"][:12].astype(np.float32)


def test_raw_spec_keeps_raw_coordinates(signer_windows: np.ndarray) -> None:
    spec = spec_with()
    out = keypoints.normalise(signer_windows, spec)
    np.testing.assert_array_equal(out, signer_windows)
    assert keypoints.output_size(spec) == spec.feature_size == 258


def test_body_normalisation_centres_the_shoulders(signer_windows: np.ndarray) -> None:
    for reference in ("frame", "window"):
        out = keypoints.normalise(signer_windows, spec_with(normalisation="body", body_reference=reference))
        pose = out[..., :132].reshape(*out.shape[:2], 33, 4)
        shoulders = pose[..., [11, 12], :2]
        midpoint = shoulders.mean(axis=-2)
        width = np.linalg.norm(shoulders[..., 0, :] - shoulders[..., 1, :], axis=-1)
        has_pose = np.any(signer_windows[..., :132] != 0, axis=-1)
        assert (~has_pose).any()  # a few real frames lack the pose: they stay zero
        assert np.all(pose[~has_pose] == 0)
        if reference == "frame":
            np.testing.assert_allclose(midpoint[has_pose], 0.0, atol=1e-5)
            np.testing.assert_allclose(width[has_pose], 1.0, rtol=1e-4)
        else:  # the window's mean centre and width: on average at the origin, unit width
            full = has_pose.all(axis=1)
            np.testing.assert_allclose(midpoint[full].mean(axis=1), 0.0, atol=1e-4)
            np.testing.assert_allclose(width[full].mean(axis=1), 1.0, rtol=1e-4)
        np.testing.assert_array_equal(pose[..., 3], signer_windows[..., 3:132:4])  # visibility kept
        # Hands: a missing hand stays exactly zero.
        for where in (slice(132, 195), slice(195, 258)):
            missing = ~np.any(signer_windows[..., where] != 0, axis=-1)
            assert missing.any()
            assert np.all(out[..., where][missing] == 0)


def test_hand_shape_is_relative_to_the_wrist_in_hand_sizes(signer_windows: np.ndarray) -> None:
    spec = spec_with(normalisation="body", hand_shape=True, hand_position=True, pose_landmarks="upper", hand_flags=True)
    out = keypoints.normalise(signer_windows, spec)
    pose_width = 25 * 4
    assert out.shape[-1] == keypoints.output_size(spec) == pose_width + 63 + 63 + 3 + 3 + 2
    left = out[..., pose_width : pose_width + 63].reshape(*out.shape[:2], 21, 3)
    seen = np.any(signer_windows[..., 132:195] != 0, axis=-1)
    assert seen.any() and (~seen).any()
    np.testing.assert_allclose(left[seen][:, 0], 0.0, atol=1e-6)  # the wrist is the origin
    np.testing.assert_allclose(np.linalg.norm(left[seen][:, 9, :2], axis=-1), 1.0, rtol=1e-4)  # unit hand size
    assert np.all(left[~seen] == 0)
    # Flags: 1 where the hand is seen, 0 where not; wrist positions zero where missing.
    np.testing.assert_array_equal(out[..., -2], seen.astype(np.float32))
    wrist_left = out[..., pose_width + 126 : pose_width + 129]
    assert np.all(wrist_left[~seen] == 0) and np.any(wrist_left[seen] != 0)


def test_hand_distances_describe_the_hand_shape_whatever_its_pose_in_the_image(signer_windows: np.ndarray) -> None:
    left = signer_windows[..., 132:195].reshape(*signer_windows.shape[:2], 21, 3)
    seen = np.any(left != 0, axis=(-1, -2))
    assert seen.any() and (~seen).any()
    distances = keypoints.hand_distances(left)
    count = len(keypoints.HAND_DISTANCE_LANDMARKS)
    assert distances.shape == (*left.shape[:2], count * (count - 1) // 2) == (12, 30, 28)
    assert np.all(distances[~seen] == 0) and np.all(distances[seen] >= 0)
    # The wrist (0) to middle knuckle (9) distance is the unit.
    pairs = list(zip(*np.triu_indices(count, k=1)))
    unit = pairs.index((keypoints.HAND_DISTANCE_LANDMARKS.index(0), keypoints.HAND_DISTANCE_LANDMARKS.index(9)))
    np.testing.assert_allclose(distances[seen][:, unit], 1.0, rtol=1e-4)
    # Rotating, scaling and moving the hand in the image changes nothing.
    angle = np.deg2rad(25.0)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], dtype=np.float32)
    moved = left.copy()
    moved[..., :2] = (left[..., :2] - 0.5) @ rotation.T * 1.7 + 0.3
    moved = np.where(seen[..., None, None], moved, 0.0)
    np.testing.assert_allclose(keypoints.hand_distances(moved), distances, atol=1e-4)


def test_hand_distances_are_appended_per_hand(signer_windows: np.ndarray) -> None:
    base = spec_with(normalisation="body", hand_shape=True, pose_landmarks="upper")
    spec = spec_with(normalisation="body", hand_shape=True, pose_landmarks="upper", hand_distances=True)
    plain, out = keypoints.normalise(signer_windows, base), keypoints.normalise(signer_windows, spec)
    assert out.shape[-1] == keypoints.output_size(spec) == plain.shape[-1] + 2 * 28
    np.testing.assert_array_equal(out[..., : plain.shape[-1]], plain)
    hands = {hand: signer_windows[..., where].reshape(*signer_windows.shape[:2], 21, 3)
             for hand, where in (("left_hand", slice(132, 195)), ("right_hand", slice(195, 258)))}
    expected = np.concatenate([keypoints.hand_distances(hands[h]) for h in keypoints.HAND_PARTS], axis=-1)
    np.testing.assert_allclose(out[..., plain.shape[-1]:], expected, rtol=1e-4, atol=1e-5)


def test_velocity_is_the_frame_difference(signer_windows: np.ndarray) -> None:
    base = spec_with(normalisation="body")
    spec = spec_with(normalisation="body", velocity=True)
    plain, out = keypoints.normalise(signer_windows, base), keypoints.normalise(signer_windows, spec)
    assert out.shape[-1] == keypoints.output_size(spec) == 2 * 258
    np.testing.assert_array_equal(out[..., :258], plain)
    both = (plain[:, 1:] != 0) & (plain[:, :-1] != 0)
    np.testing.assert_allclose(out[:, 1:, 258:][both], (plain[:, 1:] - plain[:, :-1])[both], atol=1e-6)
    assert np.all(out[:, 1:, 258:][~both] == 0) and np.all(out[:, 0, 258:] == 0)


def test_interpolation_fills_short_gaps_only(signer_windows: np.ndarray) -> None:
    window = signer_windows[:1].copy()
    right = slice(132, 195)  # this signer's active hand is the left one
    seen = np.flatnonzero(np.any(window[0, :, right] != 0, axis=-1))
    assert len(seen) >= 6
    start = seen[len(seen) // 2]
    short, long_gap = window.copy(), window.copy()
    assert np.all(np.isin([start + 3, start + 6], seen))  # the hand is back after each gap
    short[0, start + 1 : start + 3, right] = 0  # a 2-frame gap
    spec = spec_with(missing_hands="interpolate", max_gap=3)
    filled = keypoints.normalise(short, spec)
    expected = window[0, start, right] + (window[0, start + 3, right] - window[0, start, right]) * (1 / 3)
    np.testing.assert_allclose(filled[0, start + 1, right], expected, atol=1e-6)
    np.testing.assert_array_equal(filled[0, :, 195:258], short[0, :, 195:258])  # an absent hand stays absent
    long_gap[0, start + 1 : start + 6, right] = 0  # 5 frames: longer than max_gap, stays zero
    kept = keypoints.normalise(long_gap, spec)
    assert np.all(kept[0, start + 1 : start + 6, right] == 0)


def test_mirroring_is_an_involution_and_swaps_hands(signer_windows: np.ndarray) -> None:
    mirrored = keypoints.mirror_windows(signer_windows, PARTS)
    np.testing.assert_allclose(keypoints.mirror_windows(mirrored, PARTS), signer_windows, atol=1e-6)
    # The left hand's landmarks become the right hand's, x flipped, y and z kept.
    left, right_of_mirror = signer_windows[..., 132:195], mirrored[..., 195:258]
    seen = np.any(left != 0, axis=-1)
    np.testing.assert_allclose(right_of_mirror[seen][:, 0::3], 1.0 - left[seen][:, 0::3], atol=1e-6)
    np.testing.assert_array_equal(right_of_mirror[seen][:, 1::3], left[seen][:, 1::3])
    assert np.all(right_of_mirror[~seen] == 0)
    # Pose sides swap: the mirrored left shoulder (11) is the original right one (12), flipped.
    pose, flipped = signer_windows[..., :132].reshape(12, 30, 33, 4), mirrored[..., :132].reshape(12, 30, 33, 4)
    has_pose = np.any(pose != 0, axis=(-1, -2))
    np.testing.assert_allclose(flipped[..., 11, 0][has_pose], 1.0 - pose[..., 12, 0][has_pose], atol=1e-6)
    assert np.all(flipped[~has_pose] == 0)


def test_left_dominant_windows_are_mirrored(signer_windows: np.ndarray) -> None:
    dominant = keypoints.left_dominant(signer_windows, PARTS)
    assert dominant.any()  # this signer signs with the left hand
    out = keypoints.normalise(signer_windows, spec_with(mirror="left_dominant"))
    expected = np.where(dominant[:, None, None], keypoints.mirror_windows(signer_windows, PARTS), signer_windows)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    # After mirroring, no window is left-dominant any more (deterministic per window).
    assert not keypoints.left_dominant(out, PARTS).any()


def test_full_spec_round_trips_and_frames_to_window_has_the_model_width(tmp_path: Path, no_face_frames: np.ndarray) -> None:
    spec = spec_with(normalisation="body", body_reference="window", hand_shape=True, hand_position=True,
                     pose_landmarks="upper", missing_hands="interpolate", max_gap=2, hand_flags=True,
                     hand_distances=True, velocity=True, mirror="left_dominant")
    write_preprocess(spec, tmp_path / "preprocess.json")
    loaded = read_preprocess(tmp_path / "preprocess.json")
    assert loaded == spec
    saved = preprocess_dict(loaded)
    assert saved["feature_size"] == 258 and saved["output_size"] == keypoints.output_size(spec) == 2 * (100 + 126 + 6 + 56) + 2
    assert keypoints.frames_to_window(no_face_frames, loaded).shape == (1, 30, keypoints.output_size(spec))


def test_a_pose_block_holding_another_layout_is_treated_as_not_detected(shared_data: Path) -> None:
    """SoyaChunkz+ToxicShot09's pose slots hold face-mesh triplets (visibility values outside
    [0, 1] in every frame); every other starter signer's poses are MediaPipe's."""
    multi = shared_data / "keypoints" / "multisigner-258"
    with np.load(multi / "SoyaChunkz+ToxicShot09.npz") as data:
        foreign = data["X"][:20].astype(np.float32)
    with np.load(multi / "hirak214.npz") as data:
        real = data["X"][:20].astype(np.float32)
    parts = ("pose", "left_hand", "right_hand")
    pose = lambda w: keypoints.split_parts(w, parts)["pose"]  # noqa: E731
    present = keypoints.part_present(pose(foreign))
    assert not keypoints.pose_plausible(pose(foreign))[present].any()
    assert keypoints.pose_plausible(pose(real)).all()

    cleaned = keypoints.drop_implausible_pose(foreign, parts)
    assert not np.any(cleaned[..., :132]) and np.array_equal(cleaned[..., 132:], foreign[..., 132:])
    assert keypoints.drop_implausible_pose(real, parts) is real  # nothing to drop: untouched
    # normalise applies it: the foreign windows are normalised exactly as if no pose was seen.
    spec = FeatureParams.raw(list(parts), sequence_length=30, normalisation="body", hand_shape=True,
                             hand_position=True, pose_landmarks="upper", hand_flags=True, hand_distances=True,
                             mirror="left_dominant")
    np.testing.assert_array_equal(keypoints.normalise(foreign, spec), keypoints.normalise(cleaned, spec))
