"""The `features` section of params.yaml, the preprocessing spec (signlang/features/spec.py): the raw
spec turns every step off, its overrides and validators, and bad step values refused where the
spec is made, from params.yaml or from a bundle's preprocess.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signlang.features.keypoints import output_size
from signlang.features.spec import RAW_STEPS, FeatureParams
from signlang.serving.bundle import preprocess_dict, read_preprocess
from tests.signlang.features.helpers import spec_with


def test_raw_steps_name_every_feature_key() -> None:
    assert set(RAW_STEPS) == set(FeatureParams.model_fields) - {"parts"}
    # ... and each of those values is a step off: the raw coordinates of the source projects.
    spec = FeatureParams.raw(("pose", "left_hand", "right_hand"))
    assert output_size(spec) == spec.feature_size == 258


def test_raw_spec_overrides_and_validators() -> None:
    hands = FeatureParams.raw(("left_hand", "right_hand"), sequence_length=8, resample="linear")
    assert (hands.sequence_length, hands.resample, hands.normalisation, hands.hand_shape) == (8, "linear", "none", False)
    with pytest.raises(ValueError, match="hand_position is the wrist kept beside hand_shape"):
        FeatureParams.raw(("pose",), hand_position=True)
    # The params.yaml defaults need pose in parts (normalisation body).
    with pytest.raises(ValueError, match="normalisation 'body' needs 'pose' in parts"):
        FeatureParams(parts=("left_hand", "right_hand"))


def test_unknown_step_values_are_refused_where_the_spec_is_made(tmp_path: Path) -> None:
    """The features section is the spec: params.yaml and a bundle's preprocess.json are
    validated by the same rules, so a bad value never reaches `normalise`."""
    with pytest.raises(ValueError, match="normalisation\n  Input should be 'none' or 'body'"):
        spec_with(normalisation="shoulders")
    with pytest.raises(ValueError, match="normalisation 'body' needs 'pose' in parts"):
        FeatureParams.raw(("left_hand", "right_hand"), sequence_length=30, normalisation="body")
    saved = {**preprocess_dict(spec_with()), "mirror": "always"}
    (tmp_path / "preprocess.json").write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(ValueError, match="mirror\n  Input should be 'none' or 'left_dominant'"):
        read_preprocess(tmp_path / "preprocess.json")
