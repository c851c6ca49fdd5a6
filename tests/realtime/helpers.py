"""Helpers for the live-tool tests: frame counting and a team's own class names. Not a test module."""

from __future__ import annotations

from pathlib import Path

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
