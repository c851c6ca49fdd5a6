"""What /predict computes, with no HTTP in it: a clip file or keypoint frames -> the answer.

The whole clip is one window through the same `keypoints.clip_to_window` as training (no hand in
any frame: no sign, top3 empty and label null), and the sentence is what the live core
(realtime/core.py) makes of its frames, its words timed at the clip's frame rate. A clip or
frames that cannot be used raise `ClipRefused` (or `ClipTooLong`), which the app answers as 422
(or 413).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from realtime.core import clip_hand_visible, replay_words, top_classes, top_json, track_clip
from signlang.features.keypoints import clip_to_window, normalise

if TYPE_CHECKING:
    from realtime.server.config import ServerSettings
    from realtime.settings import SentenceParams
    from signlang.features.holistic import HolisticSettings
    from signlang.serving.bundle import Bundle


class ClipRefused(Exception):
    """A clip or keypoint frames that cannot be used; the message says why."""


class ClipTooLong(ClipRefused):
    """More frames than serve.max_frames."""


@dataclass(frozen=True)
class ClipRules:
    """How clips are read: Holistic, the frame limit, the damaged-clip rule, the live core's
    sentence rules and the frame rate for times when a clip states none."""

    holistic: HolisticSettings
    max_frames: int
    min_decoded_fraction: float
    sentence: SentenceParams
    fallback_fps: float

    @classmethod
    def from_settings(cls, settings: ServerSettings, bundle: Bundle) -> ClipRules:
        """The rules the server loaded, with the face mesh on when the bundle reads the face."""
        return cls(settings.holistic.for_parts(bundle.spec.parts), settings.serve.max_frames,
                   settings.min_decoded_fraction, settings.sentence, settings.fallback_fps)


def predict_clip(bundle: Bundle, frames: np.ndarray, source: str, sentence: SentenceParams, fps: float) -> dict:
    """A whole clip's keypoints -> `{top3, label, hand_visible, sentence, words, frames}`."""
    frames = np.asarray(frames, dtype=np.float32)
    _, decoded = replay_words(frames, bundle, sentence)
    answer = {"top3": [], "label": None, "hand_visible": False, "sentence": [word.label for word in decoded],
              "words": [word.to_json(fps) for word in decoded], "frames": int(len(frames))}
    if not clip_hand_visible(frames):
        return answer
    window = normalise(clip_to_window(frames, bundle.spec, source)[None], bundle.spec)
    top = top_classes(bundle.predict_proba(window)[0], bundle.classes)
    return {**answer, "top3": top_json(top), "label": top[0][0], "hand_visible": True}


def keypoint_frames(rows: list[list[float]], max_frames: int) -> np.ndarray:
    """Rows of one width (checked by the request model) -> float32 (n, width), within the frame
    limit and finite."""
    if len(rows) > max_frames:
        raise ClipTooLong(f"{len(rows)} frames is more than the limit of {max_frames}")
    array = np.asarray(rows, dtype=np.float32)
    if not np.all(np.isfinite(array)):
        raise ClipRefused(f"frames hold {int(np.sum(~np.isfinite(array)))} NaN or infinite values")
    return array


def predict_frames(bundle: Bundle, rows: list[list[float]], fps: float | None, rules: ClipRules) -> dict:
    """Keypoint frames sent as JSON -> `predict_clip` (at `fps`, default rules.fallback_fps)."""
    return predict_clip(bundle, keypoint_frames(rows, rules.max_frames), "<array>", rules.sentence,
                        fps or rules.fallback_fps)


def video_frame_count(path: Path, fallback_fps: float) -> tuple[int, float]:
    """Frames the container declares (0 when unknown) and its frame rate (`fallback_fps` when
    unknown); refuses a file that is not a video."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise ClipRefused("the upload cannot be opened as a video (corrupt or unsupported format)")
        count, fps = capture.get(cv2.CAP_PROP_FRAME_COUNT), capture.get(cv2.CAP_PROP_FPS)
        return (int(count) if math.isfinite(count) and count > 0 else 0,
                float(fps) if math.isfinite(fps) and fps > 0 else fallback_fps)
    finally:
        capture.release()


def predict_video(bundle: Bundle, path: Path, rules: ClipRules) -> dict:
    """Holistic over every frame of a clip file (`core.track_clip`, as `signlang live` reads it),
    then `predict_clip`. A clip that decodes too few of the frames it reports is refused by the
    extract stage's damage rule."""
    from signlang.features.extract import decoded_too_little

    count, fps = video_frame_count(path, rules.fallback_fps)
    if count > rules.max_frames:
        raise ClipTooLong(f"the clip has {count} frames, more than the limit of {rules.max_frames}")
    vectors = track_clip(path, rules.holistic, limit=rules.max_frames)
    if len(vectors) > rules.max_frames:
        raise ClipTooLong(f"the clip has more than {rules.max_frames} frames, the limit")
    if not len(vectors):
        raise ClipRefused("no video frames could be decoded from the upload")
    problem = decoded_too_little(len(vectors), count, rules.min_decoded_fraction)
    if problem is not None:
        raise ClipRefused(f"the upload is damaged or cut short: {problem}")
    return predict_clip(bundle, vectors, "upload", rules.sentence, fps)
