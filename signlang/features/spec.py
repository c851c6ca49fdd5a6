"""The `features` section of params.yaml, which is also the preprocessing spec: the steps that
turn keypoint frames into one model input window (`signlang.features.keypoints`). The exported
bundle carries it as preprocess.json (`signlang.serving.bundle`), so evaluation, export and live
inference apply exactly these steps.

Schema only: the model input's width, which depends on the steps, is
`signlang.features.keypoints.output_size(spec)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, model_validator

from signlang.data.layout import PART_SIZES
from signlang.settings import Section

# Every step off: the source projects' raw coordinates (idle frames trimmed, nearest resampling).
RAW_STEPS: dict[str, object] = {
    "sequence_length": 30, "resample": "nearest", "trim_no_hand_frames": True, "normalisation": "none",
    "body_reference": "frame", "hand_shape": False, "hand_position": False, "pose_landmarks": "all",
    "missing_hands": "zero", "max_gap": 0, "hand_flags": False, "hand_distances": False, "velocity": False,
    "mirror": "none",
}


class FeatureParams(Section):
    """The defaults are params.yaml's; `FeatureParams.raw` is every step off. `feature_size` is
    the width of the raw window (the dataset's)."""

    parts: tuple[Literal["pose", "face", "left_hand", "right_hand"], ...] = Field(min_length=1)
    sequence_length: int = Field(default=30, ge=2)
    resample: Literal["nearest", "linear"] = "nearest"
    trim_no_hand_frames: bool = True
    normalisation: Literal["none", "body"] = "body"
    body_reference: Literal["frame", "window"] = "frame"
    hand_shape: bool = True
    hand_position: bool = True
    pose_landmarks: Literal["all", "upper"] = "upper"
    missing_hands: Literal["zero", "interpolate"] = "zero"
    max_gap: int = Field(default=0, ge=0)
    hand_flags: bool = True
    hand_distances: bool = True
    velocity: bool = False
    mirror: Literal["none", "left_dominant"] = "left_dominant"

    @classmethod
    def raw(cls, parts: Sequence[str], **overrides) -> FeatureParams:
        """Raw coordinates of `parts`, every step off, with `overrides` on top."""
        return cls.model_validate({**RAW_STEPS, "parts": parts, **overrides})

    @property
    def feature_size(self) -> int:
        """Values per frame of the raw window (the dataset's width)."""
        return sum(PART_SIZES[part] for part in self.parts)

    @model_validator(mode="after")
    def _parts_unique(self) -> FeatureParams:
        if len(set(self.parts)) != len(self.parts):
            raise ValueError(f"parts lists a part twice: {self.parts}")
        return self

    @model_validator(mode="after")
    def _steps_have_their_parts(self) -> FeatureParams:
        if self.normalisation == "body" and "pose" not in self.parts:
            raise ValueError("normalisation 'body' needs 'pose' in parts (the shoulders are the reference)")
        if self.hand_position and not self.hand_shape:
            raise ValueError("hand_position is the wrist kept beside hand_shape: set hand_shape: true")
        if self.missing_hands == "interpolate" and self.max_gap == 0:
            raise ValueError("missing_hands 'interpolate' needs max_gap >= 1 (frames)")
        return self
