"""signlang.models.augment on real windows: shapes kept, missing parts kept at zero, seeded runs
reproducible, each step doing what it says, and the per-epoch Keras dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang.features import keypoints
from signlang.features.keypoints import output_size
from signlang.features.spec import FeatureParams
from signlang.models import augment
from signlang.models.settings import AugmentParams

PARTS = ("pose", "left_hand", "right_hand")
ALL_STEPS = AugmentParams(enabled=True, time_stretch=0.2, frame_drop=0.15, rotation_degrees=10, scale=0.1,
                          shift=0.05, mirror=0.5, noise=0.01, shear=0.0, time_mask=0.0, pose_drop=0.0,
                          hand_drop=0.0)


@pytest.fixture(scope="module")
def windows(shared_data: Path) -> np.ndarray:
    """16 real raw windows (30 x 258) from two signers, with missing hands in many frames."""
    parts = []
    for signer in ("hirak214", "AD-Codex"):
        with np.load(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz") as data:
            parts.append(data["X"][:8].astype(np.float32))
    return np.concatenate(parts)


def missing_parts(batch: np.ndarray) -> np.ndarray:
    """(n, T, 3) True where pose / left hand / right hand is all zeros."""
    views = keypoints.split_parts(batch, PARTS)
    return np.stack([~keypoints.part_present(views[p]) for p in PARTS], axis=-1)


def test_all_steps_keep_shape_and_missing_counts(windows: np.ndarray) -> None:
    out = augment.augment_batch(windows, PARTS, ALL_STEPS, np.random.default_rng(0))
    assert out.shape == windows.shape and out.dtype == np.float32
    assert not np.allclose(out, windows)
    # Zeros stay zeros: a part missing in a frame is missing in the output frame it lands on,
    # so the number of frames with each hand seen can only change by time resampling.
    views = keypoints.split_parts(out, PARTS)
    for block in views.values():
        present = keypoints.landmark_present(block)
        assert np.all(block[~present] == 0)


def test_spatial_steps_never_move_missing_landmarks(windows: np.ndarray) -> None:
    spatial = AugmentParams(enabled=True, time_stretch=0.0, frame_drop=0.0, rotation_degrees=15, scale=0.2, shift=0.1,
                            mirror=0.0, noise=0.02, shear=0.0, time_mask=0.0, pose_drop=0.0, hand_drop=0.0)
    out = augment.augment_batch(windows, PARTS, spatial, np.random.default_rng(1))
    missing = missing_parts(windows)
    assert missing.any()
    np.testing.assert_array_equal(missing_parts(out), missing)
    # Pose visibility is not a coordinate: never changed.
    np.testing.assert_array_equal(out[..., 3:132:4], windows[..., 3:132:4])


def test_seeded_runs_are_reproducible(windows: np.ndarray) -> None:
    first = augment.augment_batch(windows, PARTS, ALL_STEPS, np.random.default_rng(42))
    again = augment.augment_batch(windows, PARTS, ALL_STEPS, np.random.default_rng(42))
    other = augment.augment_batch(windows, PARTS, ALL_STEPS, np.random.default_rng(43))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_time_warp_takes_only_existing_frames(windows: np.ndarray) -> None:
    out = augment.time_warp(windows, np.random.default_rng(3), stretch=0.3, drop=0.2)
    assert out.shape == windows.shape
    for original, warped in zip(windows, out):
        # Every output frame is one of the window's frames, in order.
        matches = [np.flatnonzero(np.all(original == frame, axis=1)) for frame in warped]
        assert all(len(m) for m in matches)
        assert np.all(np.diff([m[0] for m in matches]) >= 0) or len({m[0] for m in matches}) < 30


def test_rotation_by_zero_with_scale_and_shift_is_affine(windows: np.ndarray) -> None:
    out = augment.rotate_scale_shift(windows, PARTS, np.random.default_rng(4), degrees=0.0, scale=0.0, shift=0.1)
    pose_in, pose_out = windows[..., :132].reshape(16, 30, 33, 4), out[..., :132].reshape(16, 30, 33, 4)
    seen = keypoints.landmark_present(pose_in)
    moved = (pose_out - pose_in)[..., :2][seen]
    # A pure shift: one displacement per window, the same for every present landmark.
    per_window = (pose_out - pose_in)[..., :2]
    for index in range(16):
        deltas = per_window[index][seen[index]]
        np.testing.assert_allclose(deltas, np.broadcast_to(deltas[0], deltas.shape), atol=1e-5)
    assert np.abs(moved).max() <= 0.1 + 1e-6


def test_random_mirror_probability_one_is_the_mirror(windows: np.ndarray) -> None:
    out = augment.random_mirror(windows, PARTS, np.random.default_rng(5), probability=1.0)
    np.testing.assert_allclose(out, keypoints.mirror_windows(windows, PARTS), atol=1e-6)
    none = augment.random_mirror(windows, PARTS, np.random.default_rng(5), probability=0.0)
    np.testing.assert_array_equal(none, windows)


def test_augmented_windows_dataset_reaugments_each_epoch(windows: np.ndarray) -> None:
    spec = FeatureParams.raw(PARTS, sequence_length=30, normalisation="body", hand_shape=True, hand_flags=True)
    targets = np.eye(2, dtype=np.float32)[np.arange(16) % 2]
    dataset = augment.AugmentedWindows(windows, targets, spec, ALL_STEPS, batch_size=5, seed=7)
    assert len(dataset) == 4
    x, y, w = dataset[0]
    assert x.shape == (5, 30, output_size(spec)) and y.shape == (5, 2) and w.shape == (5,)
    epoch_one = np.concatenate([dataset[i][0] for i in range(len(dataset))])
    dataset.on_epoch_end()
    epoch_two = np.concatenate([dataset[i][0] for i in range(len(dataset))])
    assert not np.allclose(epoch_one, epoch_two)
    same_seed = augment.AugmentedWindows(windows, targets, spec, ALL_STEPS, batch_size=5, seed=7)
    np.testing.assert_array_equal(same_seed[0][0], x)


def test_augmented_windows_made_ahead_equal_those_made_in_line(windows: np.ndarray) -> None:
    """The next epoch is made in a background thread; its windows are the ones the same
    generator gives when each epoch is made in line, in order."""
    spec = FeatureParams.raw(PARTS, sequence_length=30, normalisation="body", hand_shape=True, hand_flags=True)
    targets = np.eye(2, dtype=np.float32)[np.arange(16) % 2]
    dataset = augment.AugmentedWindows(windows, targets, spec, ALL_STEPS, batch_size=16, seed=7)
    rng = np.random.default_rng(7)
    try:
        for _ in range(3):
            order = rng.permutation(len(windows))
            expected = keypoints.normalise(augment.augment_batch(windows[order], PARTS, ALL_STEPS, rng), spec)
            x, y, _ = dataset[0]
            np.testing.assert_array_equal(x, expected)
            np.testing.assert_array_equal(y, targets[order])
            dataset.on_epoch_end()
    finally:
        dataset.close()


def test_shear_moves_x_by_y(windows: np.ndarray) -> None:
    sheared = augment.rotate_scale_shift(windows, PARTS, np.random.default_rng(5), degrees=0.0, scale=0.0,
                                         shift=0.0, shear=0.3)
    present = keypoints.landmark_present(keypoints.split_parts(windows, PARTS)["pose"])
    before = keypoints.split_parts(windows, PARTS)["pose"][present]
    after = keypoints.split_parts(sheared, PARTS)["pose"][present]
    np.testing.assert_allclose(after[:, 1], before[:, 1], atol=1e-6)  # y unchanged
    moved = after[:, 0] - before[:, 0]
    assert np.abs(moved).max() > 0.01
    # Per window, x moves by k * (y - centre) with one k in [-0.3, 0.3].
    k = np.linalg.lstsq((before[:, 1] - augment.CENTRE)[:, None], moved, rcond=None)[0]
    assert abs(float(k[0])) <= 0.3


def test_time_mask_blanks_one_stretch_of_frames(windows: np.ndarray) -> None:
    masked = augment.mask_frames(windows, np.random.default_rng(6), 0.3)
    blank = ~np.any(masked != 0, axis=-1) & np.any(windows != 0, axis=-1)
    for row in blank:
        frames = np.flatnonzero(row)
        assert len(frames) <= 9 and (len(frames) == 0 or np.all(np.diff(frames) == 1))
    assert blank.any()
    kept = ~blank
    assert np.array_equal(masked[kept], windows[kept])


def test_pose_drop_removes_the_whole_pose_of_some_windows(windows: np.ndarray) -> None:
    dropped = augment.drop_pose(windows, PARTS, np.random.default_rng(7), 0.5)
    gone = ~np.any(dropped[..., :132], axis=(1, 2))
    assert 0 < gone.sum() < len(windows)
    assert np.array_equal(dropped[..., 132:], windows[..., 132:])
    assert np.array_equal(dropped[~gone], windows[~gone])


def test_hand_drop_removes_one_hand_in_some_frames_of_some_windows(windows: np.ndarray) -> None:
    dropped = augment.drop_hand_frames(windows, PARTS, np.random.default_rng(7), 0.5)
    before = missing_parts(windows)
    after = missing_parts(dropped)
    assert np.array_equal(after[..., 0], before[..., 0])  # the pose is untouched
    newly_missing = after & ~before
    assert newly_missing[..., 1:].any()
    hit = newly_missing.any(axis=(1, 2))
    assert 0 < hit.sum() < len(windows)
    assert not np.any(newly_missing[..., 1].any(axis=1) & newly_missing[..., 2].any(axis=1))  # one hand per window
    assert np.array_equal(dropped[~hit], windows[~hit])
    kept = ~after  # where a part is still seen, its values are the original ones
    for index, where in enumerate((slice(0, 132), slice(132, 195), slice(195, 258))):
        assert np.array_equal(dropped[..., where][kept[..., index]], windows[..., where][kept[..., index]])


def test_new_steps_off_leave_the_old_random_stream_unchanged(windows: np.ndarray) -> None:
    """shear, time_mask, pose_drop and hand_drop at 0 draw nothing: earlier trainings stay reproducible."""
    old = augment.augment_batch(windows, PARTS, ALL_STEPS, np.random.default_rng(42))
    with_zero = ALL_STEPS.model_copy(update={"shear": 0.0, "time_mask": 0.0, "pose_drop": 0.0, "hand_drop": 0.0})
    assert np.array_equal(old, augment.augment_batch(windows, PARTS, with_zero, np.random.default_rng(42)))
