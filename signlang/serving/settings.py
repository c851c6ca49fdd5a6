"""The `export` section of params.yaml (the registered model and the champion rule, applied by the
track stage: signlang/serving/promotion.py) and the `segment` section (how export derives the bundle's segmenter)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from signlang.settings import Section


class ExportParams(Section):
    registered_model: str = Field(min_length=1)
    champion_alias: str = Field(min_length=1)
    # Promotion compares candidate and champion on the same windows (signlang/serving/promotion.py):
    # the metrics the paired comparison measures.
    promotion_metric: Literal["accuracy", "macro_f1", "worst_signer_accuracy"] = "macro_f1"
    # The lower bound of the paired interval of the difference must exceed this (0-1).
    min_gain: float = Field(default=0.0, ge=0.0, le=1.0)
    # None (null): the worst signer plays no part in promotion.
    max_worst_signer_drop: float | None = Field(default=0.05, ge=0.0, le=1.0)


class SegmentParams(Section):
    """How the export stage derives the bundle's segmenter (signlang/serving/segment.py) from the
    training windows: the quantiles that become its thresholds, and its frame counts."""

    rest_quantile: float = Field(default=0.99, gt=0.0, lt=1.0)
    change_quantile: float = Field(default=0.9, gt=0.0, lt=1.0)
    change_frames: int = Field(default=6, ge=1)
    start_frames: int = Field(default=2, ge=1)
    end_frames: int = Field(default=4, ge=1)
    min_frames: int = Field(default=8, ge=1)
    max_frames: int = Field(default=90, ge=2)
