"""Helpers for the features tests: a spec over pose and both hands with some steps on. Not a test
module."""

from __future__ import annotations

from signlang.features.spec import FeatureParams

PARTS = ("pose", "left_hand", "right_hand")


def spec_with(**steps) -> FeatureParams:
    return FeatureParams.raw(PARTS, sequence_length=30, **steps)
