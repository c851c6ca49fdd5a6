"""Helpers for the live-tool tests: frame counting, a team's own class names, the server's settings,
the `signlang` command and a video written from frames. Not a test module."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

# A team's own vocabulary: the small bundle's 8 classes renamed (any script, a long label).
SCRIPT_CLASSES = ["xin chào", "cảm ơn", "¿cómo estás?", "mühendis", "شكرا", "teşekkürederim",
                  "no hands detected in this very long recording window", "My Name is: "]


def count_frames(path: Path) -> int:
    """Frames that actually decode (container frame counts can be off)."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


def server_settings(sentence=None, **serve):
    """The server's settings from the project's params.yaml, with some serve: values and the
    sentence: section replaced."""
    from dataclasses import replace

    from realtime.server.config import load_server_settings

    settings = load_server_settings(Path(__file__).resolve().parents[2] / "params.yaml").with_serve(**serve)
    return replace(settings, sentence=sentence) if sentence is not None else settings


# The `signlang` console command of this environment.
SIGNLANG = str(Path(sys.executable).parent / "signlang")


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SIGNLANG, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


# The capture tests' source video: 30 FPS, its first 20 frames black (nobody there).
FPS = 30.0
BLACK_FRAMES = 20


def write_video(path: Path, frames: list[np.ndarray], fps: float = FPS) -> None:
    import cv2

    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
