"""What `signlang live` and `signlang capture` draw on a frame (in place, BGR): Holistic
landmarks, the top classes with probability bars, FPS, status, the sentence, and the
capture countdown / recording indicator. The same drawing goes to the window and to
--out-video, so a headless run records exactly what a person would see.

Text goes through realtime/text.py (Pillow; DejaVu Sans and Noto fonts chosen per script;
complex scripts shaped), so a label in any script (`xin chào`, `شكرا`, `नमस्ते`, `谢谢`) shows as
written; each string is rendered once and cached, so an unchanged label costs one blend per frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from realtime import text as frame_text
from signlang.features.holistic import import_mediapipe

WHITE, BLACK, GREEN, GREY, RED, YELLOW = (255, 255, 255), (0, 0, 0), (80, 200, 80), (150, 150, 150), (40, 40, 230), (0, 215, 255)
# The top-classes panel: bars this wide (x text scale), labels cut with an ellipsis past
# MAX_PANEL of the frame's width.
BAR_WIDTH, MAX_PANEL = 220, 0.6


def _scale(frame: np.ndarray) -> float:
    """Text scale that stays readable from 320 to 1920 pixels wide."""
    return max(0.4, min(1.2, frame.shape[1] / 900))


def put_text(frame: np.ndarray, text: str, origin: tuple[int, int], scale: float, colour=WHITE, thickness: int = 1) -> None:
    """Text with a dark outline, readable on any background; `origin` is the pen position on
    the baseline and `scale` an OpenCV Hershey scale, as for cv2.putText; bold from thickness 2."""
    frame_text.draw(frame, text, origin, frame_text.pixels_for(scale), colour, bold=thickness >= 2)


def text_size(text: str, scale: float, thickness: int = 1) -> tuple[int, int]:
    """(width, cap height) in pixels of `text` as put_text draws it."""
    pixels = frame_text.pixels_for(scale)
    return frame_text.text_width(text, pixels, thickness >= 2), frame_text.cap_height(pixels)


def _shade(frame: np.ndarray, top_left: tuple[int, int], bottom_right: tuple[int, int], alpha: float = 0.55) -> None:
    import cv2

    (x0, y0), (x1, y1) = top_left, bottom_right
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(frame.shape[1], x1), min(frame.shape[0], y1)
    if x1 > x0 and y1 > y0:
        region = frame[y0:y1, x0:x1]
        region[:] = cv2.convertScaleAbs(region, alpha=1 - alpha)


def draw_landmarks(frame: np.ndarray, results: Any) -> None:
    """Holistic's pose, face contours and hands, with MediaPipe's own drawing utilities."""
    mp = import_mediapipe()
    drawing, styles, holistic = mp.solutions.drawing_utils, mp.solutions.drawing_styles, mp.solutions.holistic
    face = getattr(results, "face_landmarks", None)  # absent when the tracker runs without the face
    if face is not None:
        drawing.draw_landmarks(frame, face, mp.solutions.face_mesh.FACEMESH_CONTOURS,
                               landmark_drawing_spec=None,
                               connection_drawing_spec=styles.get_default_face_mesh_contours_style())
    if results.pose_landmarks is not None:
        drawing.draw_landmarks(frame, results.pose_landmarks, holistic.POSE_CONNECTIONS,
                               landmark_drawing_spec=styles.get_default_pose_landmarks_style())
    for hand in (results.left_hand_landmarks, results.right_hand_landmarks):
        if hand is not None:
            drawing.draw_landmarks(frame, hand, holistic.HAND_CONNECTIONS,
                                   styles.get_default_hand_landmarks_style(),
                                   styles.get_default_hand_connections_style())


def draw_top_classes(frame: np.ndarray, top: Sequence[tuple[str, float]], threshold: float) -> None:
    """One row per class: a bar as long as its probability (green at or above threshold) and
    `label p`; the panel widens for long labels, up to MAX_PANEL of the frame (then cut: `…`)."""
    import cv2

    scale = _scale(frame)
    row, text_scale = int(28 * scale) + 6, 0.55 * scale * 1.3
    room = int(MAX_PANEL * frame.shape[1]) - 20 - text_size(" 0.00", text_scale)[0]
    labels = [frame_text.fit(label, room, frame_text.pixels_for(text_scale)) for label, _ in top]
    widths = [text_size(label, text_scale)[0] for label in labels]
    width = max([int(BAR_WIDTH * scale)] + [w + text_size(" 0.00", text_scale)[0] + 8 for w in widths])
    _shade(frame, (0, 0), (width + 16, 12 + row * max(1, len(top))))
    for index, ((_, probability), label, label_width) in enumerate(zip(top, labels, widths)):
        y = 8 + index * row
        colour = GREEN if probability >= threshold else GREY
        cv2.rectangle(frame, (8, y), (8 + int(width * float(probability)), y + row - 6), colour, -1)
        # Label and number apart: a right-to-left label keeps its number on the right.
        put_text(frame, label, (12, y + row - 12), text_scale)
        put_text(frame, f" {probability:.2f}", (12 + label_width, y + row - 12), text_scale)


def draw_status(frame: np.ndarray, fps: float, status: str) -> None:
    """FPS and a status word (buffering, no hand, paused) in the top-right corner."""
    scale = 0.55 * _scale(frame) * 1.3
    for line, text in enumerate((f"{fps:4.1f} FPS", status)):
        if not text:
            continue
        w, h = text_size(text, scale)
        put_text(frame, text, (frame.shape[1] - w - 10, 10 + h + line * (h + 10)), scale, YELLOW if line else WHITE)


def draw_sentence(frame: np.ndarray, words: Sequence[str], shown: int) -> None:
    """The last `shown` words of the sentence on a dark strip along the bottom."""
    scale = 0.7 * _scale(frame) * 1.3
    height = int(34 * scale) + 10
    _shade(frame, (0, frame.shape[0] - height), (frame.shape[1], frame.shape[0]), 0.7)
    text = " ".join(words[-shown:]) if words else "..."
    put_text(frame, text, (10, frame.shape[0] - int(height * 0.3)), scale, WHITE, 2)


def draw_recording(frame: np.ndarray, sample: int, count: int, seconds_left: float) -> None:
    """A red dot with REC, the sample number and the time left in it."""
    import cv2

    scale = _scale(frame)
    radius = int(12 * scale) + 2
    cv2.circle(frame, (10 + radius, 10 + radius), radius, RED, -1)
    put_text(frame, f"REC {sample}/{count}  {seconds_left:.1f}s", (20 + 2 * radius, 10 + int(1.6 * radius)), 0.8 * scale, RED, 2)
    cv2.rectangle(frame, (0, 0), (frame.shape[1] - 1, frame.shape[0] - 1), RED, max(2, int(4 * scale)))


def draw_countdown(frame: np.ndarray, message: str, seconds_left: float) -> None:
    """A large countdown number in the middle with what comes next above it."""
    scale = _scale(frame)
    number = f"{max(1, int(np.ceil(seconds_left)))}"
    big = 3.0 * scale
    w, h = text_size(number, big, 4)
    centre_x, centre_y = frame.shape[1] // 2, frame.shape[0] // 2
    put_text(frame, number, (centre_x - w // 2, centre_y + h // 2), big, YELLOW, 4)
    mw, _ = text_size(message, 0.8 * scale, 2)
    put_text(frame, message, (max(4, centre_x - mw // 2), max(20, centre_y - h)), 0.8 * scale, WHITE, 2)
