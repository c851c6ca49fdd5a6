"""The MediaPipe Holistic keypoint layouts and the one preprocessing path.

Full layout, 1662 values per frame: pose 33 x (x, y, z, visibility) [0:132], face 468 x
(x, y, z) [132:1536], left hand 21 x (x, y, z) [1536:1599], right hand 21 x (x, y, z)
[1599:1662]. The 258 layout is the same without the face. A part MediaPipe did not see in
a frame is all zeros.

Training, evaluation, export and live inference all turn frames into model input through
`clip_to_window` / `frames_to_window` here, driven by one `PreprocessSpec`, so the steps
can never drift apart.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from signlang.errors import InputFileError

PART_SIZES = {"pose": 33 * 4, "face": 468 * 3, "left_hand": 21 * 3, "right_hand": 21 * 3}
FULL_PARTS = ("pose", "face", "left_hand", "right_hand")
NO_FACE_PARTS = ("pose", "left_hand", "right_hand")
FULL_SIZE = sum(PART_SIZES.values())  # 1662
NO_FACE_SIZE = FULL_SIZE - PART_SIZES["face"]  # 258
HAND_PARTS = ("left_hand", "right_hand")


def _offsets(parts: tuple[str, ...]) -> dict[str, slice]:
    offsets, start = {}, 0
    for part in parts:
        offsets[part] = slice(start, start + PART_SIZES[part])
        start += PART_SIZES[part]
    return offsets


LAYOUTS = {FULL_SIZE: _offsets(FULL_PARTS), NO_FACE_SIZE: _offsets(NO_FACE_PARTS)}


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


@dataclass(frozen=True)
class PreprocessSpec:
    """Everything needed to turn keypoint frames into one model input window.

    Written into the exported bundle so live inference applies exactly these steps.
    """

    parts: tuple[str, ...]
    sequence_length: int
    resample: str = "nearest"
    normalisation: str = "none"
    trim_no_hand_frames: bool = True

    @property
    def feature_size(self) -> int:
        return feature_size(self.parts)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["parts"] = list(self.parts)
        data["feature_size"] = self.feature_size
        return data

    @classmethod
    def from_params(cls, params) -> "PreprocessSpec":
        """The preprocessing the features/extract params describe (a `signlang.params.Params`)."""
        return cls(
            parts=tuple(params.features.parts),
            sequence_length=params.features.sequence_length,
            resample=params.features.resample,
            normalisation=params.features.normalisation,
            trim_no_hand_frames=params.extract.trim_no_hand_frames,
        )

    @classmethod
    def from_dict(cls, data: dict) -> "PreprocessSpec":
        fields = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        fields["parts"] = tuple(fields["parts"])
        return cls(**fields)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "PreprocessSpec":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def normalise(windows: np.ndarray, spec: PreprocessSpec) -> np.ndarray:
    """Coordinate normalisation of (..., frames, features) windows, as the spec says."""
    if spec.normalisation == "none":
        return windows.astype(np.float32, copy=False)
    raise ValueError(f"unknown normalisation {spec.normalisation!r}; allowed: none")


def clip_to_window(frames: np.ndarray, spec: PreprocessSpec, source: str | Path = "<array>") -> np.ndarray:
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


def frames_to_window(frames: np.ndarray, spec: PreprocessSpec) -> np.ndarray:
    """The last frames of a live stream (frames, 1662|258) -> one normalised model input
    (1, sequence_length, features). No trimming: the live window is already the sign."""
    selected = select_parts(np.asarray(frames, dtype=np.float32), spec.parts)
    window = resample(selected, spec.sequence_length, spec.resample)
    return normalise(window[None], spec)
