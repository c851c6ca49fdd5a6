"""The server runs with the params.yaml it loaded: serve, sentence, extract (Holistic and the
damaged-clip rule) and live.fallback_fps, never the schemas' defaults in their place."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from realtime.server.config import load_server_settings
from signlang.errors import ParamsError


def test_the_sections_come_from_the_file_given(project_root: Path, tmp_path: Path) -> None:
    params = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    params["serve"].update(max_sessions=7, predict_queue=9, retry_after_s=5)
    params["sentence"]["threshold"] = 0.55
    params["extract"].update(min_decoded_fraction=0.6, max_frame_side=480)
    params["live"]["fallback_fps"] = 12.5
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    settings = load_server_settings(path)
    assert (settings.serve.max_sessions, settings.serve.predict_queue, settings.serve.retry_after_s) == (7, 9, 5)
    assert settings.sentence.threshold == 0.55
    assert settings.min_decoded_fraction == 0.6 and settings.holistic.max_frame_side == 480
    assert settings.fallback_fps == 12.5 and settings.origin == str(path)
    assert settings.with_serve(max_sessions=2).serve.max_sessions == 2


def test_a_params_file_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="parameters file not found"):
        load_server_settings(tmp_path / "missing.yaml")
