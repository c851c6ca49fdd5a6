"""The apps' params.yaml sections (realtime/settings.py): sentence, live and serve validated by the
apps, the old live/serve sentence keys naming where they went, and a params.yaml without a section
getting the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from realtime.settings import LiveParams, SentenceParams, ServeParams
from signlang.errors import SignlangError
from signlang.settings import parse_section, read_params_file


@pytest.mark.parametrize(("section", "key", "where"), [
    ("live", "agreeing_windows", "sentence.agreeing_windows"), ("serve", "threshold", "sentence.threshold"),
    ("live", "classify_every", "sentence.stride"), ("serve", "min_frames", "sentence.window_frames")])
def test_the_old_live_and_serve_sentence_keys_say_where_they_went(project_root: Path, section: str, key: str,
                                                                   where: str) -> None:
    raw = read_params_file(project_root / "params.yaml")
    raw[section][key] = 3
    with pytest.raises(SignlangError, match=rf"{section}\.{key} -> {where}"):
        parse_section(raw, section, {"live": LiveParams, "serve": ServeParams}[section])


@pytest.mark.parametrize("values", [{"window_frames": 1}, {"stride": 0}, {"no_sign_frames": 0},
                                    {"threshold": 1.5}, {"agreeing_windows": 0}, {"decoder": "ctc"}])
def test_bad_sentence_values_are_refused(project_root: Path, values: dict) -> None:
    raw = read_params_file(project_root / "params.yaml")
    raw["sentence"].update(values)
    with pytest.raises(SignlangError, match=f"sentence.{next(iter(values))}|sentence: Value error"):
        parse_section(raw, "sentence", SentenceParams)
    del raw["sentence"]  # a params.yaml without the section gets the defaults
    assert parse_section(raw, "sentence", SentenceParams) == SentenceParams()


def test_serve_section_is_optional_and_validated(project_root: Path) -> None:
    raw = read_params_file(project_root / "params.yaml")
    serve = parse_section(raw, "serve", ServeParams)
    assert serve.max_frames >= 1 and serve.port == 8000
    del raw["serve"]  # a params.yaml without it serves with the defaults
    assert parse_section(raw, "serve", ServeParams) == ServeParams()
    for key, value in (("client_fps", 0), ("max_sessions", 0), ("predict_workers", 0), ("retry_after_s", 0)):
        raw["serve"] = {key: value}
        with pytest.raises(SignlangError, match=f"serve.{key}"):
            parse_section(raw, "serve", ServeParams)
