"""signlang.crossval.configs: a configuration's preset, epochs and preprocessing."""

from __future__ import annotations

from pathlib import Path

import pytest

from signlang.crossval.configs import config_params, parse_config
from signlang.errors import ParamsError
from tests.signlang.crossval.helpers import make_params


def test_parse_config() -> None:
    assert parse_config("tutorial:raw") == ("tutorial", True)
    assert parse_config("conv") == ("conv", False)


def test_raw_config_is_the_source_preprocessing(project_root: Path) -> None:
    params = make_params(project_root)
    raw = config_params(params, "tutorial:raw", epochs=3)
    assert raw.train.preset == "tutorial" and raw.train.epochs == 3 and not raw.train.augment.enabled
    assert raw.features.normalisation == "none" and not raw.features.hand_shape and raw.features.mirror == "none"
    tuned = config_params(params, "conv", epochs=3)
    assert tuned.features == params.features and tuned.train.augment == params.train.augment
    with pytest.raises(ParamsError, match="unknown preset 'resnet'"):
        config_params(params, "resnet", epochs=3)
