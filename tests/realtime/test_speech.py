"""--speak: espeak-ng in a background thread."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest

from realtime.speech import Speaker, start_speaker


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed (.ci/run installs it)")
def test_each_word_is_spoken_to_a_wav_file(tmp_path: Path) -> None:
    speaker = start_speaker(wav_dir=tmp_path)
    assert isinstance(speaker, Speaker)
    speaker.say("hello")
    speaker.say("cảm ơn")
    speaker.close()
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["1_hello.wav", "2_cảm ơn.wav"]
    for file in files:
        with wave.open(str(file)) as audio:
            assert audio.getnframes() > audio.getframerate() * 0.2  # at least 0.2 s of speech


def test_no_engine_gives_a_warning_and_no_speaker(monkeypatch, capsys) -> None:
    monkeypatch.setenv("PATH", "")
    assert start_speaker() is None
    assert "no offline speech engine found" in capsys.readouterr().err


def test_a_failing_engine_is_reported_once_without_stopping(tmp_path: Path, capsys) -> None:
    speaker = Speaker("/bin/false")
    speaker.say("yes")
    speaker.say("no")
    speaker.close()
    assert capsys.readouterr().err.count("could not say") == 1


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed (.ci/run installs it)")
def test_the_language_is_passed_to_the_engine(tmp_path: Path) -> None:
    spoken = {}
    for language in ("vi", None):
        speaker = start_speaker(wav_dir=tmp_path / str(language), language=language)
        assert speaker is not None and speaker.voice == language
        speaker.say("cảm ơn")
        speaker.close()
        spoken[language] = (tmp_path / str(language) / "1_cảm ơn.wav").read_bytes()
    assert spoken["vi"] != spoken[None]  # the Vietnamese voice, not the default English one
    assert Speaker("espeak-ng", voice="vi")._command("cảm ơn") == ["espeak-ng", "-v", "vi", "--", "cảm ơn"]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed (.ci/run installs it)")
def test_a_language_without_a_voice_is_named_and_the_default_voice_speaks(capsys) -> None:
    speaker = start_speaker(language="xx-nolanguage")
    assert speaker is not None and speaker.voice is None
    speaker.close()
    assert "no voice for speech.language 'xx-nolanguage'" in capsys.readouterr().err
