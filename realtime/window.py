"""The OpenCV window of `signlang live` and `signlang capture`: refused without a display,
one frame shown per call, the key pressed returned."""

from __future__ import annotations

import os

import numpy as np

from signlang.errors import SignlangError

KEY_QUIT, KEY_ESCAPE, KEY_CLEAR, KEY_PAUSE = ord("q"), 27, ord("c"), ord(" ")
STOP_KEYS = (KEY_QUIT, KEY_ESCAPE)
NO_KEY = (0xFF, -1)


def check_display(command: str, instead: str) -> None:
    """Refuse a window without a display (OpenCV's Qt would abort the process)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise SignlangError(f"{command}: no display found (DISPLAY is not set); use {instead}")


def show(title: str, frame: np.ndarray) -> int:
    """Show `frame` in the window `title`; the key pressed meanwhile (0xFF: none)."""
    import cv2

    cv2.imshow(title, frame)
    return cv2.waitKey(1) & 0xFF


def close_windows() -> None:
    import cv2

    cv2.destroyAllWindows()
