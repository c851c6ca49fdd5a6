"""`signlang live`, `capture` and `serve` from the command line (realtime/cli.py): their flags, the
light imports of their argument parsers, the params.yaml they read (or the built-in defaults), a
missing bundle named, and whole runs on real clips with a small real bundle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.realtime.helpers import SIGNLANG, read_lines, run_cli


def test_serve_help_lists_the_documented_flags(project_root: Path) -> None:
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-m", "signlang.cli", "serve", "--help"], cwd=project_root,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    for flag in ("--model", "--bundle", "--host", "--port", "--ssl-certfile", "--ssl-keyfile",
                 "--max-sessions", "--params"):
        assert flag in completed.stdout, flag


@pytest.mark.slow
def test_live_cli_on_a_real_clip_without_params_yaml(small_bundle: Path, starter_clips: Path, tmp_path: Path) -> None:
    out = tmp_path / "windows.jsonl"
    completed = subprocess.run(
        [SIGNLANG, "live", "--bundle", str(small_bundle), "--source", str(starter_clips / "yes" / "yes_04.mp4"),
         "--no-window", "--out-json", str(out), "--max-frames", "40", "--screenshot", str(tmp_path / "last.png")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "stopped after --max-frames 40" in completed.stdout
    assert "built-in defaults" in completed.stdout
    assert [line["frame"] for line in read_lines(out)] == [29, 31, 33, 35, 37, 39]
    import cv2

    assert cv2.imread(str(tmp_path / "last.png")).shape == (480, 640, 3)


def test_a_missing_bundle_is_a_clear_error(tmp_path: Path, starter_clips: Path) -> None:
    completed = run_cli("live", "--no-window", "--source", str(starter_clips / "yes" / "yes_04.mp4"),
                        "--bundle", "no_bundle", cwd=tmp_path)
    assert completed.returncode == 1
    assert completed.stderr.strip().endswith("error: no_bundle: bundle folder not found")


HEAVY_MODULES = ("tensorflow", "mlflow", "mediapipe", "cv2", "av", "fastapi", "starlette", "uvicorn", "realtime.runner",
                 "realtime.stream", "realtime.writers", "realtime.capture", "signlang.params", "signlang.settings",
                 "realtime.settings")


def test_the_live_and_serve_argument_parsers_import_nothing_heavy() -> None:
    """What `signlang --help` loads for live, capture and serve: argparse, not the runner,
    MediaPipe, OpenCV, PyAV, FastAPI or TensorFlow (the handlers import them)."""
    code = ("import argparse, sys, realtime.cli\n"
            "for configure in (realtime.cli.configure_live, realtime.cli.configure_capture, realtime.cli.configure_serve):\n"
            "    configure(argparse.ArgumentParser())\n"
            f"print([name for name in {HEAVY_MODULES!r} if name in sys.modules])")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_live_help_lists_the_documented_flags(tmp_path: Path) -> None:
    completed = run_cli("live", "--help", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    for flag in ("--model", "--bundle", "--source", "--no-window", "--out-video", "--out-json",
                 "--screenshot", "--speak", "--max-frames", "--params"):
        assert flag in completed.stdout, flag


@pytest.mark.slow
def test_capture_cli_stops_after_count(dark_then_signing: Path, tmp_path: Path) -> None:
    # 15-frame samples: from the file (no countdown) the first, all black, is skipped; the
    # next one, after the 1 s pause, is saved.
    (tmp_path / "params.yaml").write_text(
        (Path(__file__).resolve().parents[2] / "params.yaml").read_text(encoding="utf-8")
        .replace("sample_seconds: 2", "sample_seconds: 0.5"), encoding="utf-8")
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "signlang"), "capture", "--label", "yes", "--count", "1", "--signer", "bo",
         "--source", str(dark_then_signing), "--raw-dir", "raw", "--no-window"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "sample 1: no hand seen, skipped" in completed.stdout
    assert "saved 1 of 1 sample(s)" in completed.stdout and "all samples recorded" in completed.stdout
    assert [p.name for p in (tmp_path / "raw" / "yes").iterdir()] == ["bo_1.mp4"]


def test_speech_language_comes_from_params_to_the_live_outputs(tmp_path: Path, project_root: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import ExitStack

    import yaml

    from realtime import speech
    from realtime.cli import load_settings
    from realtime.runner import LiveOptions, _open_outputs
    from signlang.errors import ParamsError

    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    assert raw["speech"]["language"] == "en"
    raw["speech"]["language"] = "tr"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    settings = load_settings(tmp_path / "params.yaml")
    assert settings.speech.language == "tr"

    started = []
    monkeypatch.setattr(speech, "start_speaker", lambda language=None: started.append(language))
    with ExitStack() as stack:
        _open_outputs(stack, LiveOptions(source="x", window=False, speak=True,
                                         speech_language=settings.speech.language), 30.0)
    assert started == ["tr"]

    raw["speech"]["language"] = "tr; rm -rf /"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError, match="speech.language"):
        load_settings(tmp_path / "params.yaml")
