"""The live core: keypoint frames in, classified windows and a sentence out, one frame at a time.

`signlang live` (realtime/runner.py), the page's WebSocket and `POST /predict`
(realtime/server.py) and realtime/evaluate_clips.py all push their frames through `LiveCore`,
so one video gives the same predictions and the same sentence wherever it is shown. Every
rule lives here and in params.yaml `sentence:` (`SentenceParams`):

- window: the last `window_frames` frames (0: the bundle's sequence_length), classified once
  that many are buffered and then every `stride` frames (frames L-1, L-1+stride, ...);
- no sign: when no hand is seen in the last `no_sign_frames` frames (`hand_visible` false)
  the window is not classified, its top-k is empty and the sentence sees a pause;
- top-k: the TOP_K most probable classes, best first, probabilities rounded to P_DIGITS in JSON;
- sentence: `realtime.sentence.SentenceBuilder` (`threshold`, `agreeing_windows`).

Pure: no I/O, no clock, no OpenCV or MediaPipe at import (`track_frame` imports them on use).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from realtime.sentence import SentenceBuilder
from signlang.keypoints import hand_seen

if TYPE_CHECKING:
    from signlang.bundle import Bundle
    from signlang.holistic import HolisticSettings, HolisticTracker
    from signlang.params import SentenceParams

TOP_K = 3
P_DIGITS = 4
Top = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Step:
    """What one frame did: `top` and `probabilities` are set on classified frames with a
    hand in sight; `new_word` is the word this frame added to the sentence, if any."""

    index: int  # 0-based frame number in the stream
    hand_visible: bool  # a hand in any of the last no_sign_frames frames
    buffered: int  # frames in the window buffer (window length once full)
    classified: bool  # this frame ended a window of the policy (classified, or no sign)
    top: Top = ()
    probabilities: np.ndarray | None = None
    new_word: str | None = None


def top_classes(probabilities: np.ndarray, classes: tuple[str, ...] | list[str], k: int = TOP_K) -> Top:
    """The k most probable classes, best first (ties: the lower class index)."""
    order = np.argsort(-probabilities, kind="stable")[:k]
    return tuple((classes[i], float(probabilities[i])) for i in order)


def top_json(top: Top) -> list[dict]:
    """`[{label, p}]` as every JSON output writes it."""
    return [{"label": label, "p": round(p, P_DIGITS)} for label, p in top]


def window_length(bundle: Bundle, sentence: SentenceParams) -> int:
    return sentence.window_frames or bundle.spec.sequence_length


class LiveCore:
    """One stream's window buffer, no-sign state and sentence; `push` one keypoint frame
    (1662 or 258 values) at a time, in order."""

    def __init__(self, bundle: Bundle, sentence: SentenceParams) -> None:
        self.bundle, self.params = bundle, sentence
        self.length = window_length(bundle, sentence)
        self.window: deque[np.ndarray] = deque(maxlen=self.length)
        self.hands: deque[bool] = deque(maxlen=sentence.no_sign_frames)
        self.builder = SentenceBuilder(sentence.threshold, sentence.agreeing_windows)
        self.frames = 0
        self.latest: Top = ()  # the last classified window's top-k (empty after a no-sign window)

    @property
    def words(self) -> list[str]:
        return self.builder.words

    def push(self, vector: np.ndarray) -> Step:
        index, self.frames = self.frames, self.frames + 1
        self.window.append(vector)
        self.hands.append(bool(hand_seen(vector[None])[0]))
        visible = any(self.hands)
        if not self._due(index):
            return Step(index, visible, len(self.window), False)
        if not visible:
            self.builder.update("", 0.0, False)
            self.latest = ()
            return Step(index, False, len(self.window), True)
        probabilities = self.bundle.predict_window(np.stack(self.window))
        self.latest = top_classes(probabilities, self.bundle.classes)
        label, probability = self.latest[0]
        word = self.builder.update(label, probability, True)
        return Step(index, True, len(self.window), True, self.latest, probabilities, word)

    def _due(self, index: int) -> bool:
        """Does frame `index` end a window of the policy?"""
        return len(self.window) == self.length and (index - (self.length - 1)) % self.params.stride == 0

    def clear(self) -> None:
        """Forget the sentence and any agreement in progress (the window stays)."""
        self.builder.clear()


def replay(vectors: np.ndarray, bundle: Bundle, sentence: SentenceParams) -> tuple[list[Step], list[str]]:
    """Keypoint frames already extracted (a clip, a JSON body) through a fresh core, in order:
    the steps and the sentence, exactly as the frames would give live."""
    core = LiveCore(bundle, sentence)
    steps = [core.push(vector) for vector in np.asarray(vectors, dtype=np.float32)]
    return steps, list(core.words)


def track_frame(frame: np.ndarray, tracker: HolisticTracker) -> tuple[np.ndarray, np.ndarray, Any]:
    """`(frame scaled to max_frame_side, keypoint vector, Holistic results)` of one BGR frame,
    the way every path turns a picture into keypoints."""
    from signlang.holistic import scale_frame

    frame = scale_frame(frame, tracker.settings.max_frame_side)
    vector, landmarks = tracker.process(frame)
    return frame, vector, landmarks


def track_clip(path: str | Path, settings: HolisticSettings, limit: int | None = None) -> np.ndarray:
    """Keypoints (n, 1662) of every frame of a clip file, read and tracked as `signlang live`
    does; with `limit`, reading stops at limit + 1 frames, so a caller can tell the clip is longer."""
    from realtime.sources import open_source
    from signlang.holistic import HolisticTracker
    from signlang.keypoints import FULL_SIZE

    vectors: list[np.ndarray] = []
    with open_source(str(path)) as source, HolisticTracker(settings) as tracker:
        for frame in source.frames():
            vectors.append(track_frame(frame, tracker)[1])
            if limit is not None and len(vectors) > limit:
                break
    return np.stack(vectors) if vectors else np.zeros((0, FULL_SIZE), dtype=np.float32)


def clip_hand_visible(vectors: np.ndarray) -> bool:
    """The no-sign rule for a whole clip: is a hand seen in any of its frames?"""
    return bool(len(vectors)) and bool(hand_seen(np.asarray(vectors, dtype=np.float32)).any())
