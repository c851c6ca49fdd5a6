"""The apps' sections of params.yaml: `sentence` (the live core's rules, shared by `signlang live`,
`signlang serve` and realtime/evaluate_clips.py), `live`, `serve`, `speech` and `capture`. Validated
by the apps that use them, never by a pipeline stage."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from signlang.settings import Section

# Keys of live:/serve: that the shared sentence: section replaced, and where each went.
MOVED_TO_SENTENCE = {
    "threshold": "sentence.threshold", "agreeing_windows": "sentence.agreeing_windows",
    "no_sign_frames": "sentence.no_sign_frames", "classify_every": "sentence.stride",
    "window_frames": "sentence.window_frames",
    "min_frames": "sentence.window_frames (a window is classified once it is full)",
}


def _refuse_moved(values: object, section: str) -> object:
    """A key that moved to the `sentence:` section is refused, naming where it went."""
    found = [key for key in MOVED_TO_SENTENCE if isinstance(values, dict) and key in values]
    if found:
        where = "; ".join(f"{section}.{key} -> {MOVED_TO_SENTENCE[key]}" for key in found)
        raise ValueError(f"moved to the sentence: section that signlang live and serve share: {where}")
    return values


class SentenceParams(Section):
    """The live core's rules (realtime/core.py), shared by `signlang live`, `signlang serve`
    and realtime/evaluate_clips.py."""

    window_frames: int = Field(default=0, ge=0)
    stride: int = Field(default=2, ge=1)
    no_sign_frames: int = Field(default=10, ge=1)
    threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    agreeing_windows: int = Field(default=3, ge=1)
    # segments: one word per sign found by the bundle's segmenter (signlang/serving/segment.py);
    # windows: the sentence builder over sliding windows (threshold, agreeing_windows).
    decoder: Literal["segments", "windows"] = "segments"

    @model_validator(mode="after")
    def _window_is_a_sequence(self) -> SentenceParams:
        if self.window_frames == 1:
            raise ValueError("window_frames must be 0 (the bundle's sequence_length) or at least 2")
        return self


class ServeParams(Section):
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8000, ge=1, le=65535)
    client_fps: float = Field(default=10.0, gt=0.0, le=30.0)
    frame_width: int = Field(default=640, ge=64, le=1920)
    jpeg_quality: float = Field(default=0.7, gt=0.0, le=1.0)
    max_words: int = Field(default=8, ge=1)
    max_upload_mb: float = Field(default=50.0, gt=0.0)
    max_frames: int = Field(default=2000, ge=1)
    max_message_mb: float = Field(default=2.0, gt=0.0)
    # Capacity (realtime/server/): live sessions (each its own Holistic), /predict workers and queue.
    max_sessions: int = Field(default=3, ge=1)
    session_idle_s: float = Field(default=60.0, gt=0.0)
    predict_workers: int = Field(default=1, ge=1)
    predict_queue: int = Field(default=4, ge=0)
    predict_wait_s: float = Field(default=30.0, gt=0.0)
    retry_after_s: int = Field(default=2, ge=1)
    shutdown_grace_s: float = Field(default=30.0, ge=0.0)

    @model_validator(mode="before")
    @classmethod
    def _sentence_keys_moved(cls, values: object) -> object:
        return _refuse_moved(values, "serve")


class LiveParams(Section):
    track_ahead: int = Field(default=2, ge=0)
    fallback_fps: float = Field(default=30.0, gt=0.0)
    sentence_words_shown: int = Field(default=8, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _sentence_keys_moved(cls, values: object) -> object:
        return _refuse_moved(values, "live")


class SpeechParams(Section):
    # An espeak-ng language or voice (`espeak-ng --voices`): en, vi, es, tr, ar, es-419, ...;
    # None (null): the engine's default voice.
    language: str | None = Field(default="en", min_length=1, pattern=r"^[A-Za-z0-9_+-]+$")


class CaptureParams(Section):
    countdown_seconds: float = Field(default=3.0, ge=0.0)
    sample_seconds: float = Field(default=2.0, gt=0.0)
    pause_seconds: float = Field(default=1.0, ge=0.0)
    fallback_fps: float = Field(default=30.0, gt=0.0)
    codec: str = Field(default="mp4v", min_length=4, max_length=4)
