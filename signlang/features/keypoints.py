"""The MediaPipe Holistic keypoint layouts (`signlang.data.layout`) and the one preprocessing
path. A part MediaPipe did not see in a frame is all zeros.

Training, evaluation, export and live inference all turn frames into model input through
`clip_to_window` / `frames_to_window` here, driven by one `FeatureParams`, so the steps
can never drift apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from signlang.data.layout import (
    FULL_SIZE,
    HAND_PARTS,
    LAYOUTS,
    NO_FACE_SIZE,
    PART_SIZES,
    part_offsets,
)
from signlang.errors import InputFileError

if TYPE_CHECKING:
    from signlang.features.spec import FeatureParams




def feature_size(parts: list[str] | tuple[str, ...]) -> int:
    return sum(PART_SIZES[part] for part in parts)


def layout_of(frames: np.ndarray, source: str | Path = "<array>") -> dict[str, slice]:
    """The part offsets of a (frames, values) array, told apart by its width."""
    if frames.ndim != 2:
        raise InputFileError(source, f"expected a (frames, values) array, got shape {frames.shape}")
    width = frames.shape[1]
    if width not in LAYOUTS:
        raise InputFileError(
            source, f"frames have {width} values; expected {FULL_SIZE} (with face) or {NO_FACE_SIZE}"
        )
    return LAYOUTS[width]


def select_parts(frames: np.ndarray, parts: list[str] | tuple[str, ...], source: str | Path = "<array>") -> np.ndarray:
    """Keep the named parts, in the given order, from a 1662- or 258-wide array."""
    layout = layout_of(frames, source)
    missing = [part for part in parts if part not in layout]
    if missing:
        raise InputFileError(source, f"has no {', '.join(missing)} keypoints ({frames.shape[1]}-value layout)")
    return np.concatenate([frames[:, layout[part]] for part in parts], axis=1)


def hand_seen(frames: np.ndarray, source: str | Path = "<array>") -> np.ndarray:
    """Boolean per frame: is either hand present (non-zero)?"""
    layout = layout_of(frames, source)
    return np.any(np.concatenate([frames[:, layout[p]] for p in HAND_PARTS], axis=1) != 0, axis=1)


def check_finite(frames: np.ndarray, source: str | Path) -> None:
    if not np.all(np.isfinite(frames)):
        bad = int(np.sum(~np.isfinite(frames)))
        raise InputFileError(source, f"holds {bad} NaN or infinite keypoint values")


def trim_idle(frames: np.ndarray, source: str | Path = "<array>") -> np.ndarray:
    """Drop leading and trailing frames where no hand is seen (all frames if none)."""
    seen = np.flatnonzero(hand_seen(frames, source))
    if seen.size == 0:
        return frames
    return frames[seen[0] : seen[-1] + 1]


def resample(frames: np.ndarray, length: int, method: str = "nearest") -> np.ndarray:
    """Resample a (frames, values) array in time to exactly `length` frames."""
    count = frames.shape[0]
    if count == 0:
        raise ValueError("cannot resample an empty sequence")
    if count == length:
        return frames
    positions = np.linspace(0.0, count - 1, length)
    if method == "nearest":
        return frames[np.rint(positions).astype(int)]
    if method == "linear":
        low = np.floor(positions).astype(int)
        high = np.minimum(low + 1, count - 1)
        weight = (positions - low)[:, None].astype(frames.dtype)
        return frames[low] * (1 - weight) + frames[high] * weight
    raise ValueError(f"unknown resample method {method!r}; allowed: nearest, linear")


# Pose landmark i of a mirrored body is landmark POSE_MIRROR[i] (left <-> right pairs).
POSE_MIRROR = (0, 4, 5, 6, 1, 2, 3, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15, 18, 17, 20, 19, 22, 21,
               24, 23, 26, 25, 28, 27, 30, 29, 32, 31)
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
WRIST, MIDDLE_MCP = 0, 9
# Pose landmarks 0-24: head, arms, hands and hips; 25-32 (knees, ankles, feet) are rarely in a
# webcam's view and MediaPipe guesses them.
UPPER_POSE = 25
# Body reference used when a window holds no pose at all: the image centre and a typical
# webcam shoulder width (median over the 27 multi-signer recordings is about 0.36).
FALLBACK_CENTRE = (0.5, 0.5, 0.0)
FALLBACK_WIDTH = 0.36
# Hand landmarks whose pairwise distances describe the hand's shape (`hand_distances`): the
# five fingertips, the wrist and the index and middle knuckles (28 distances per hand).
HAND_DISTANCE_LANDMARKS = (4, 8, 12, 16, 20, 0, 5, 9)


def _channels(part: str) -> int:
    return 4 if part == "pose" else 3


# --------------------------------------------------------------------------- landmark views


def split_parts(windows: np.ndarray, parts: tuple[str, ...]) -> dict[str, np.ndarray]:
    """(..., T, F) raw windows -> {part: (..., T, landmarks, channels)} copies, float32."""
    views = {}
    for part, where in part_offsets(tuple(parts)).items():
        block = np.array(windows[..., where], dtype=np.float32)
        views[part] = block.reshape(*block.shape[:-1], -1, _channels(part))
    return views


def join_parts(views: dict[str, np.ndarray], parts: tuple[str, ...]) -> np.ndarray:
    return np.concatenate([views[p].reshape(*views[p].shape[:-2], -1) for p in parts], axis=-1)


def landmark_present(block: np.ndarray) -> np.ndarray:
    """(..., L, C) -> (..., L) True where a landmark has a non-zero coordinate."""
    return np.any(block[..., :3] != 0, axis=-1)


def part_present(block: np.ndarray) -> np.ndarray:
    """(..., T, L, C) -> (..., T) True where the part was detected in the frame."""
    return np.any(block != 0, axis=(-1, -2))


def flip_x(block: np.ndarray) -> np.ndarray:
    """Mirror raw image coordinates (x -> 1 - x) of the present landmarks only."""
    flipped = block.copy()
    present = landmark_present(block)
    flipped[..., 0] = np.where(present, 1.0 - block[..., 0], 0.0)
    return flipped


def mirror_windows(windows: np.ndarray, parts: tuple[str, ...], which: np.ndarray | None = None) -> np.ndarray:
    """Mirror raw windows left <-> right: x flipped, the hands swapped, pose landmarks
    swapped pairwise (face landmarks keep their indices: only x flips). An involution.

    `which` (boolean, the windows' leading shape) picks the windows to mirror; all by default.
    """
    windows = np.asarray(windows, dtype=np.float32)
    views = split_parts(windows, parts)
    mirrored = {part: flip_x(block) for part, block in views.items()}
    if "pose" in mirrored:
        mirrored["pose"] = mirrored["pose"][..., list(POSE_MIRROR), :]
    if "left_hand" in mirrored and "right_hand" in mirrored:
        mirrored["left_hand"], mirrored["right_hand"] = mirrored["right_hand"], mirrored["left_hand"]
    out = join_parts(mirrored, parts)
    if which is None:
        return out
    pick = np.asarray(which, dtype=bool).reshape(*which.shape, 1, 1)
    return np.where(pick, out, windows)


def pose_plausible(pose: np.ndarray) -> np.ndarray:
    """(..., T, 33, 4) -> (..., T): False where a frame's pose block cannot be a MediaPipe pose.

    MediaPipe's visibility is a probability, so a frame with any visibility outside [0, 1]
    holds something else in the pose slots (a dataset saved in another layout, e.g. face
    landmarks where the pose should be). Frames with no pose count as plausible."""
    visibility = pose[..., 3]
    return ~np.any((visibility < 0.0) | (visibility > 1.0), axis=-1)


def drop_implausible_pose(windows: np.ndarray, parts: tuple[str, ...]) -> np.ndarray:
    """Raw windows with the pose of every implausible frame (`pose_plausible`) set to zeros,
    as if MediaPipe had not seen it, so the body reference and pose features never read
    another layout's values as shoulders."""
    if "pose" not in parts:
        return windows
    where = part_offsets(tuple(parts))["pose"]
    pose = windows[..., where].reshape(*windows.shape[:-1], -1, 4)
    bad = ~pose_plausible(pose)
    if not bad.any():
        return windows
    out = np.array(windows, dtype=np.float32)
    out[..., where] = np.where(bad[..., None], 0.0, out[..., where])
    return out


def left_dominant(windows: np.ndarray, parts: tuple[str, ...]) -> np.ndarray:
    """(..., T, F) -> (...) True where the left hand is seen in more frames than the right."""
    views = split_parts(windows, parts)
    if "left_hand" not in views or "right_hand" not in views:
        return np.zeros(windows.shape[:-2], dtype=bool)
    left = part_present(views["left_hand"]).sum(axis=-1)
    right = part_present(views["right_hand"]).sum(axis=-1)
    return left > right


def fill_gaps(block: np.ndarray, max_gap: int) -> np.ndarray:
    """Linearly interpolate a part (..., T, L, C) over runs of at most `max_gap` missing
    frames that have the part on both sides; longer gaps and the ends stay zero."""
    if max_gap <= 0:
        return block
    out = block.copy()
    present = part_present(block)
    flat_out = out.reshape(-1, *block.shape[-3:])
    flat_present = present.reshape(-1, block.shape[-3])
    for row, seen in zip(flat_out, flat_present):
        frames = np.flatnonzero(seen)
        for before, after in zip(frames[:-1], frames[1:]):
            gap = after - before - 1
            if 0 < gap <= max_gap:
                weights = (np.arange(1, gap + 1) / (gap + 1)).astype(np.float32)[:, None, None]
                row[before + 1 : after] = row[before] * (1 - weights) + row[after] * weights
    return out


def body_frame(pose: np.ndarray, reference: str) -> tuple[np.ndarray, np.ndarray]:
    """Centre (..., T, 3) between the shoulders and shoulder width (..., T, 1) per frame.

    `reference` "window": one centre and width per window, averaged over the frames where
    the pose exists. "frame": each frame's own; frames without pose take the window's.
    Windows with no pose at all take FALLBACK_CENTRE / FALLBACK_WIDTH.
    """
    shoulders = pose[..., [LEFT_SHOULDER, RIGHT_SHOULDER], :3]
    centre = shoulders.mean(axis=-2)
    width = np.linalg.norm(shoulders[..., 0, :2] - shoulders[..., 1, :2], axis=-1)
    seen = part_present(pose) & (width > 1e-6)
    count = seen.sum(axis=-1, keepdims=True)
    safe = np.maximum(count, 1)
    window_centre = np.where(seen[..., None], centre, 0).sum(axis=-2, keepdims=True) / safe[..., None]
    window_width = np.where(seen, width, 0).sum(axis=-1, keepdims=True) / safe
    none = count == 0
    window_centre = np.where(none[..., None], np.asarray(FALLBACK_CENTRE, np.float32), window_centre)
    window_width = np.where(none, FALLBACK_WIDTH, window_width)
    if reference == "window":
        centre = np.broadcast_to(window_centre, centre.shape)
        width = np.broadcast_to(window_width, width.shape)
    else:
        centre = np.where(seen[..., None], centre, window_centre)
        width = np.where(seen, width, window_width)
    return centre.astype(np.float32), width[..., None].astype(np.float32)


def to_body(block: np.ndarray, centre: np.ndarray, width: np.ndarray, part: str) -> np.ndarray:
    """Present landmarks of a part relative to the body centre, in shoulder widths. Hand z
    (already relative to the wrist) is only scaled; pose visibility is kept."""
    present = landmark_present(block)[..., None]
    shift = centre[..., None, :].copy()
    if part in HAND_PARTS:
        shift[..., 2] = 0.0
    out = block.copy()
    out[..., :3] = (block[..., :3] - shift) / width[..., None]
    return np.where(present, out, 0.0).astype(np.float32)


def hand_size(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A hand (..., T, 21, C) -> (size, present), both (..., T): the image-plane distance from
    the wrist to the middle finger's knuckle (landmark 9), 1.0 where the hand is missing or
    degenerate (so dividing by it is safe), and whether the hand was detected."""
    size = np.linalg.norm(block[..., MIDDLE_MCP, :2] - block[..., WRIST, :2], axis=-1)
    present = part_present(block)
    return np.where(present & (size > 1e-6), size, 1.0), present


def hand_to_wrist(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A hand (..., T, 21, 3) -> (shape relative to the wrist in hand sizes, wrist position)."""
    wrist = block[..., WRIST, :]
    size, present = hand_size(block)
    shape = (block - wrist[..., None, :]) / size[..., None, None]
    return np.where(present[..., None, None], shape, 0.0).astype(np.float32), wrist


_DISTANCE_PAIRS = np.triu_indices(len(HAND_DISTANCE_LANDMARKS), k=1)
_DISTANCE_FROM = np.asarray(HAND_DISTANCE_LANDMARKS)[_DISTANCE_PAIRS[0]]
_DISTANCE_TO = np.asarray(HAND_DISTANCE_LANDMARKS)[_DISTANCE_PAIRS[1]]


def hand_distances(block: np.ndarray) -> np.ndarray:
    """A hand (..., T, 21, C) -> (..., T, 28): the image-plane distances between every pair of
    HAND_DISTANCE_LANDMARKS, in hand sizes (wrist to landmark 9). Invariant to where the hand
    is, its size and its rotation in the image; all zero where the hand is missing."""
    xy = block[..., :2]
    between = np.sqrt(np.square(xy[..., _DISTANCE_FROM, :] - xy[..., _DISTANCE_TO, :]).sum(axis=-1))
    size, present = hand_size(block)
    return np.where(present[..., None], between / size[..., None], 0.0).astype(np.float32)


def velocity(features: np.ndarray) -> np.ndarray:
    """Frame differences (..., T, F); 0 at the first frame and wherever either frame is 0."""
    previous = np.concatenate([features[..., :1, :], features[..., :-1, :]], axis=-2)
    both = (features != 0) & (previous != 0)
    return np.where(both, features - previous, 0.0).astype(np.float32)


def normalise(windows: np.ndarray, spec: FeatureParams) -> np.ndarray:
    """Raw (..., frames, feature_size) windows -> model input (..., frames, output_size).

    First, pose frames that cannot be a MediaPipe pose are treated as not detected
    (`drop_implausible_pose`). Then, in order, each step as the spec says: short gaps in the hands interpolated
    (missing_hands "interpolate"); left-dominant windows mirrored (mirror "left_dominant");
    coordinates relative to the shoulders (normalisation "body"); lower-body pose dropped
    (pose_landmarks "upper"); per hand, the distances between its fingertips, wrist and
    knuckles in hand sizes appended (hand_distances); hands relative to the wrist in hand
    sizes (hand_shape), with the wrist's body position appended (hand_position); frame
    differences appended (velocity); one presence flag per hand (hand_flags). The defaults
    change nothing: raw coordinates as float32.
    """
    windows = np.asarray(windows, dtype=np.float32)
    if _is_identity(spec):
        return windows
    if windows.size == 0:  # no window (e.g. no validation signers): the right shape, empty
        return np.zeros((*windows.shape[:-1], output_size(spec)), dtype=np.float32)
    parts = tuple(spec.parts)
    windows = drop_implausible_pose(windows, parts)
    if spec.missing_hands == "interpolate":
        views = split_parts(windows, parts)
        for hand in HAND_PARTS:
            if hand in views:
                views[hand] = fill_gaps(views[hand], spec.max_gap)
        windows = join_parts(views, parts)
    if spec.mirror == "left_dominant":
        windows = mirror_windows(windows, parts, left_dominant(windows, parts))
    views = split_parts(windows, parts)
    flags = [part_present(views[h])[..., None].astype(np.float32) for h in HAND_PARTS if h in views]
    if spec.normalisation == "body":
        centre, width = body_frame(views["pose"], spec.body_reference)
        views = {part: to_body(block, centre, width, part) for part, block in views.items()}
    if spec.pose_landmarks == "upper" and "pose" in views:
        views["pose"] = views["pose"][..., :UPPER_POSE, :]
    extras = []
    if spec.hand_distances:
        extras += [hand_distances(views[hand]) for hand in HAND_PARTS if hand in views]
    if spec.hand_shape:
        for hand in HAND_PARTS:
            if hand in views:
                views[hand], wrist = hand_to_wrist(views[hand])
                if spec.hand_position:
                    extras.append(wrist)
    features = np.concatenate([join_parts(views, parts), *extras], axis=-1)
    if spec.velocity:
        features = np.concatenate([features, velocity(features)], axis=-1)
    if spec.hand_flags:
        features = np.concatenate([features, *flags], axis=-1)
    return features.astype(np.float32, copy=False)


def output_size(spec: FeatureParams) -> int:
    """Values per frame after `normalise`: the model's input width (found by running the steps on
    a blank window, so it can never disagree with them)."""
    probe = np.zeros((1, 2, spec.feature_size), dtype=np.float32)
    return int(normalise(probe, spec).shape[-1])


def _is_identity(spec: FeatureParams) -> bool:
    return (spec.normalisation == "none" and spec.pose_landmarks == "all" and not spec.hand_shape
            and spec.missing_hands == "zero" and not spec.hand_flags and not spec.hand_distances
            and not spec.velocity and spec.mirror == "none")


def clip_to_window(frames: np.ndarray, spec: FeatureParams, source: str | Path = "<array>") -> np.ndarray:
    """A whole recorded clip (frames, 1662|258) -> one (sequence_length, features) window
    of raw coordinates: idle frames trimmed, parts selected, resampled in time."""
    frames = np.asarray(frames, dtype=np.float32)
    check_finite(frames, source)
    if frames.shape[0] == 0:
        raise InputFileError(source, "has no frames")
    if spec.trim_no_hand_frames:
        frames = trim_idle(frames, source)
    selected = select_parts(frames, spec.parts, source)
    return resample(selected, spec.sequence_length, spec.resample)


def frames_to_window(frames: np.ndarray, spec: FeatureParams) -> np.ndarray:
    """The last frames of a live stream (frames, 1662|258) -> one normalised model input
    (1, sequence_length, features). No trimming: the live window is already the sign."""
    selected = select_parts(np.asarray(frames, dtype=np.float32), spec.parts)
    window = resample(selected, spec.sequence_length, spec.resample)
    return normalise(window[None], spec)
