"""Live sessions, with no WebSocket in them: each has its own Holistic tracker and live core and
turns one JPEG frame into one reply; `SessionSlots` caps how many exist at once
(serve.max_sessions): each Holistic takes about half a core at the page's 10 frames/s and
~190 MB of memory."""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from realtime.core import LiveCore, Step, top_json, track_frame
from signlang.features.holistic import HolisticTracker

if TYPE_CHECKING:
    from realtime.settings import SentenceParams
    from signlang.features.holistic import HolisticSettings
    from signlang.serving.bundle import Bundle

FPS_FRAMES = 20  # the frames the reported rate is measured over


class NotAnImage(ValueError):
    """A frame message that does not decode as an image."""


def decode_jpeg(data: bytes) -> np.ndarray:
    """JPEG (or PNG) bytes -> a BGR frame; NotAnImage when they are not an image."""
    import cv2

    frame = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    if frame is None:
        raise NotAnImage("the message is not a JPEG image")
    return frame


class LiveSession:
    """One stream's state: its own Holistic tracker and live core."""

    def __init__(self, bundle: Bundle, holistic: HolisticSettings, sentence: SentenceParams, max_words: int) -> None:
        self.core = LiveCore(bundle, sentence)
        self.tracker = HolisticTracker(holistic)
        self.max_words = max_words
        self._times: deque[float] = deque(maxlen=FPS_FRAMES)

    @property
    def frames(self) -> int:
        return self.core.frames

    def step(self, data: bytes) -> dict:
        """One JPEG frame -> `{top3, classified, new_word, sentence, hand_visible, frames, fps}`."""
        _, vector, _ = track_frame(decode_jpeg(data), self.tracker)
        step = self.core.push(vector)
        self._times.append(time.perf_counter())
        return self.reply(step)

    def reply(self, step: Step) -> dict:
        """The message for one frame: the last classified window's top-3 and the sentence."""
        return {"top3": top_json(self.core.latest), "classified": step.classified, "new_word": step.new_word,
                "sentence": self.core.words[-self.max_words :], "hand_visible": step.hand_visible,
                "frames": self.core.frames, "fps": self.fps()}

    def reset(self) -> dict:
        """Forget the sentence; the reply to "reset"."""
        self.core.clear()
        return {"sentence": [], "frames": self.frames}

    def fps(self) -> float:
        """Frames processed per second over the last few frames."""
        if len(self._times) < 2 or self._times[-1] == self._times[0]:
            return 0.0
        return round((len(self._times) - 1) / (self._times[-1] - self._times[0]), 1)

    def close(self) -> None:
        self.tracker.close()


class SessionSlots:
    """At most `limit` sessions at once. Used from one event loop (no lock needed)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.taken = 0

    def take(self) -> bool:
        """A slot, or False when all `limit` are taken."""
        if self.taken >= self.limit:
            return False
        self.taken += 1
        return True

    def give_back(self) -> None:
        self.taken = max(0, self.taken - 1)
