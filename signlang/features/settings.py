"""The `extract` section of params.yaml: MediaPipe Holistic and how clips are run through it
(signlang/features/extract.py). The `features` section is the preprocessing spec, `signlang.features.spec`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from signlang.errors import ParamsError
from signlang.settings import Section

if TYPE_CHECKING:
    from signlang.features.spec import FeatureParams


class ExtractParams(Section):
    min_detection_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    min_tracking_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    max_frame_side: int = Field(default=640, ge=0)
    face: bool = False
    workers: int = -1
    backend: Literal["loky", "multiprocessing", "threading", "sequential", "dask"] = "loky"
    scheduler_address: str | None = None
    min_decoded_fraction: float = Field(default=0.75, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _workers_not_zero(self) -> ExtractParams:
        if self.workers == 0:
            raise ValueError("workers must be -1 (all cores) or a positive count, not 0")
        return self


def check_face_extracted(features: FeatureParams, extract: ExtractParams) -> None:
    """The face is in the keypoints only when Holistic ran its face branch."""
    if "face" in features.parts and not extract.face:
        raise ParamsError("features.parts includes 'face' but extract.face is false: set extract.face: true")
