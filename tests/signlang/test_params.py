"""signlang.params: a code default is params.yaml's value or absent (a section built in code, or a
params.yaml without a key, means what params.yaml says), and a bundle's preprocess.json missing a
newer key keeps the meaning it had when it was written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from signlang.params import BUNDLE_DEFAULTS_BEFORE_KEY, FeatureParams, Params, load_params

SECTIONS = tuple(Params.model_fields)


def defaults_unlike(model: BaseModel, where: str) -> list[str]:
    """'key: code default ... params.yaml ...' for every non-required field of `model` (and of the
    sections inside it, e.g. train.augment) whose default is not its value."""
    found = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if not field.is_required():
            default = field.get_default(call_default_factory=True)
            if default != value:
                found.append(f"{where}{name}: code default {default!r}, params.yaml {value!r}")
        if isinstance(value, BaseModel):
            found += defaults_unlike(value, f"{where}{name}.")
    return found


@pytest.fixture(scope="module")
def shipped(project_root: Path) -> tuple[Params, dict]:
    path = project_root / "params.yaml"
    return load_params(path), yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("section", SECTIONS)
def test_code_defaults_are_the_params_yaml_values(shipped: tuple[Params, dict], section: str) -> None:
    params, raw = shipped
    assert section in raw, f"params.yaml has no {section}: section"
    value = getattr(params, section)
    field = Params.model_fields[section]
    differing = defaults_unlike(value, f"{section}.")
    if not field.is_required() and field.get_default(call_default_factory=True) != value:
        differing.insert(0, f"{section}: the section's default is not params.yaml's")
    assert differing == []


@pytest.mark.parametrize("section", SECTIONS)
def test_params_yaml_writes_every_key(shipped: tuple[Params, dict], section: str) -> None:
    """So the comparison above is made against a value params.yaml states (and documents)."""
    params, raw = shipped

    def missing(model: BaseModel, written: dict, where: str) -> list[str]:
        out = []
        for name in type(model).model_fields:
            if name not in written:
                out.append(f"{where}{name}")
            elif isinstance(getattr(model, name), BaseModel):
                out += missing(getattr(model, name), written[name], f"{where}{name}.")
        return out

    assert missing(getattr(params, section), raw[section], f"{section}.") == []


def test_every_feature_key_says_what_an_older_bundle_without_it_meant() -> None:
    assert set(BUNDLE_DEFAULTS_BEFORE_KEY) == set(FeatureParams.model_fields) - {"parts"}
    # ... and each of those values is a step off: the raw coordinates of the source projects.
    spec = FeatureParams.raw(("pose", "left_hand", "right_hand"))
    assert spec.output_size == spec.feature_size == 258


def test_raw_spec_overrides_and_validators() -> None:
    hands = FeatureParams.raw(("left_hand", "right_hand"), sequence_length=8, resample="linear")
    assert (hands.sequence_length, hands.resample, hands.normalisation, hands.hand_shape) == (8, "linear", "none", False)
    with pytest.raises(ValueError, match="hand_position is the wrist kept beside hand_shape"):
        FeatureParams.raw(("pose",), hand_position=True)
    # The params.yaml defaults need pose in parts (normalisation body).
    with pytest.raises(ValueError, match="normalisation 'body' needs 'pose' in parts"):
        FeatureParams(parts=("left_hand", "right_hand"))
