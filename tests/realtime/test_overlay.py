"""realtime/overlay.py: the top classes, status and sentence drawn in any script, long labels
kept inside the panel."""

from __future__ import annotations

import numpy as np
import pytest

from realtime import overlay

GREY = 128


def blank(width: int = 640, height: int = 480) -> np.ndarray:
    return np.full((height, width, 3), GREY, np.uint8)


@pytest.mark.parametrize("label", ["xin chào", "cảm ơn", "¿cómo estás?", "mühendis", "شكرا"])
def test_top_classes_draw_the_label_as_written(label: str) -> None:
    written, ascii_only = blank(), blank()
    overlay.draw_top_classes(written, [(label, 0.9), ("hello", 0.05)], 0.8)
    overlay.draw_top_classes(ascii_only, [("".join(ch if ch.isascii() else "?" for ch in label), 0.9),
                                          ("hello", 0.05)], 0.8)
    assert (written != ascii_only).any(axis=2).sum() > 30  # not OpenCV's '?' for each letter


def test_long_labels_are_cut_inside_the_panel() -> None:
    frame = blank()
    long = "no hands detected in this window of a very long recording session"
    overlay.draw_top_classes(frame, [(long, 0.5), ("¿cómo estás?", 0.3), ("شكرا", 0.2)], 0.8)
    changed = np.nonzero((frame != GREY).any(axis=2).any(axis=0))[0]
    assert changed.max() <= overlay.MAX_PANEL * frame.shape[1] + 16  # the panel and what is in it
    assert (frame[:, -100:] == GREY).all()


def test_sentence_and_status_in_any_script() -> None:
    frame, ascii_only = blank(), blank()
    overlay.draw_sentence(frame, ["xin chào", "شكرا"], 8)
    overlay.draw_sentence(ascii_only, ["xin ch?o", "????"], 8)
    assert (frame != ascii_only).any()
    overlay.draw_status(frame, 29.7, "no hand")
    top_right = (frame[:40, -120:] != GREY).any(axis=2)
    assert top_right.sum() > 50  # FPS and the status word, right-aligned
