"""The live core: keypoint frames in, classified windows and a sentence out, one frame at a time.

`signlang live` (realtime/runner.py), the page's WebSocket and `POST /predict`
(realtime/server/) and realtime/evaluate_clips.py all push their frames through `LiveCore`,
so one video gives the same predictions and the same sentence wherever it is shown. Every
rule lives here and in params.yaml `sentence:` (`SentenceParams`):

- window: the last `window_frames` frames (0: the bundle's sequence_length), classified once
  that many are buffered and then every `stride` frames (frames L-1, L-1+stride, ...);
- no sign: when no hand is seen in the last `no_sign_frames` frames (`hand_visible` false)
  the window is not classified, its top-k is empty and the sentence sees a pause;
- top-k: the TOP_K most probable classes, best first, probabilities rounded to P_DIGITS in JSON;
- sentence, by `decoder`: `segments` (the default): the bundle's segmenter
  (`signlang.serving.segment.Segmenter`, thresholds in the bundle's segmenter.json) finds each sign;
  its frames are classified once (`Bundle.predict_window`, the same preprocessing as every
  window) and give one word unless its top probability is below `threshold` or it
  repeats the previous word with no rest between (one sign cut in two). A word is shown on the
  first frame of the window policy at or after its sign closed (`stride` frames at most later),
  so every path reports on the same frames. `windows`: `realtime.sentence.SentenceBuilder`
  (`threshold`, `agreeing_windows`) over the sliding windows. Either way `decoded` holds the
  words with their first and last frames; `finish` closes a sign still open at the end of a
  recorded clip.

Pure: no I/O, no clock, no OpenCV or MediaPipe at import (`track_frame` imports them on use).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from realtime.sentence import SentenceBuilder
from signlang.features.keypoints import hand_seen
from signlang.serving.segment import Segment, Segmenter, SegmenterSpec

if TYPE_CHECKING:
    from realtime.settings import SentenceParams
    from signlang.features.holistic import HolisticSettings, HolisticTracker
    from signlang.serving.bundle import Bundle

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


@dataclass(frozen=True)
class Word:
    """One word of the decoded sentence: its top probability and its frames (inclusive)."""

    label: str
    p: float
    start: int
    end: int

    def to_json(self, fps: float) -> dict:
        """`{label, p, start_s, end_s}` (times from the first frame, at `fps`)."""
        return {"label": self.label, "p": round(self.p, P_DIGITS), "start_s": round(self.start / fps, P_DIGITS),
                "end_s": round((self.end + 1) / fps, P_DIGITS)}


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
        self.decoder: Decoder = (SegmentsDecoder(bundle, sentence.threshold) if sentence.decoder == "segments"
                                 else WindowsDecoder(sentence.threshold, sentence.agreeing_windows, self.length))
        self.frames = 0
        self.latest: Top = ()  # the last classified window's top-k (empty after a no-sign window)
        self.decoded: list[Word] = []

    @property
    def words(self) -> list[str]:
        return [word.label for word in self.decoded]

    def push(self, vector: np.ndarray) -> Step:
        index, self.frames = self.frames, self.frames + 1
        self.window.append(vector)
        self.hands.append(bool(hand_seen(vector[None])[0]))
        self.decoder.push(vector)
        visible = any(self.hands)
        if not self._due(index):
            return Step(index, visible, len(self.window), False)
        if not visible:
            self.latest = ()
            word = self._shown(self.decoder.at_window("", 0.0, False, index))
            return Step(index, False, len(self.window), True, new_word=word)
        probabilities = self.bundle.predict_window(np.stack(self.window))
        self.latest = top_classes(probabilities, self.bundle.classes)
        label, probability = self.latest[0]
        word = self._shown(self.decoder.at_window(label, probability, True, index))
        return Step(index, True, len(self.window), True, self.latest, probabilities, word)

    def finish(self) -> list[Word]:
        """The end of a recorded stream: the sign still open is closed and decoded; returns
        the words this added to the sentence."""
        words = self.decoder.finish()
        self._shown(words)
        return words

    def _shown(self, words: list[Word]) -> str | None:
        """`words` join the sentence; the last of them is this frame's new word."""
        self.decoded.extend(words)
        return words[-1].label if words else None

    def _due(self, index: int) -> bool:
        """Does frame `index` end a window of the policy?"""
        return len(self.window) == self.length and (index - (self.length - 1)) % self.params.stride == 0

    def clear(self) -> None:
        """Forget the sentence and any word in progress (the window stays)."""
        self.decoder.clear()
        self.decoded = []


class Decoder(Protocol):
    """Turns a stream into words: sees every frame (`push`) and every window of the policy
    (`at_window`, with its top class, or "" when no hand is in sight), and returns the words
    to show on that window's frame."""

    def push(self, vector: np.ndarray) -> None: ...
    def at_window(self, label: str, probability: float, visible: bool, index: int) -> list[Word]: ...
    def finish(self) -> list[Word]: ...
    def clear(self) -> None: ...


class WindowsDecoder:
    """`sentence.decoder: windows`: the sentence builder over the sliding windows' top classes."""

    def __init__(self, threshold: float, agreeing_windows: int, length: int) -> None:
        self.builder = SentenceBuilder(threshold, agreeing_windows)
        self.length = length

    def push(self, vector: np.ndarray) -> None:
        pass  # it reads windows only

    def at_window(self, label: str, probability: float, visible: bool, index: int) -> list[Word]:
        word = self.builder.update(label, probability, visible)
        return [] if word is None else [Word(word, probability, max(0, index - self.length + 1), index)]

    def finish(self) -> list[Word]:
        return []

    def clear(self) -> None:
        self.builder.clear()


class SegmentsDecoder:
    """`sentence.decoder: segments`: the bundle's segmenter over every frame, each sign it
    closes classified once; its words wait until the next window of the policy shows them."""

    def __init__(self, bundle: Bundle, threshold: float) -> None:
        self.bundle, self.threshold = bundle, threshold
        spec: SegmenterSpec = getattr(bundle, "segmenter", None) or SegmenterSpec()
        self.segmenter = Segmenter(spec)
        # Frames a sign can span: max_frames, plus the frames that close it.
        self.recent: deque[np.ndarray] = deque(maxlen=spec.max_frames + spec.end_frames + spec.change_frames + 1)
        self.pending: list[Word] = []
        self.last: Word | None = None
        self.last_joined = False

    def push(self, vector: np.ndarray) -> None:
        self.recent.append(vector)
        for segment in self.segmenter.push(vector):
            self._decode(segment)

    def at_window(self, label: str, probability: float, visible: bool, index: int) -> list[Word]:
        return self._take()

    def finish(self) -> list[Word]:
        for segment in self.segmenter.finish():
            self._decode(segment)
        return self._take()

    def clear(self) -> None:
        self._take()

    def _take(self) -> list[Word]:
        words, self.pending = self.pending, []
        return words

    def _decode(self, segment: Segment) -> None:
        first = self.segmenter.frames - len(self.recent)
        frames = np.stack(list(self.recent)[max(0, segment.start - first) : segment.end - first + 1])
        probabilities = self.bundle.predict_window(frames)
        best = int(np.argmax(probabilities))
        word = Word(self.bundle.classes[best], float(probabilities[best]), segment.start, segment.end)
        repeated = self.last is not None and self.last_joined and word.label == self.last.label
        if word.p >= self.threshold and not repeated:
            self.pending.append(word)
            self.last = word
        self.last_joined = segment.joined


def replay(vectors: np.ndarray, bundle: Bundle, sentence: SentenceParams) -> tuple[list[Step], list[str]]:
    """Keypoint frames already extracted (a clip, a JSON body) through a fresh core, in order,
    then the end of the clip (`LiveCore.finish`): the steps and the sentence, exactly as the
    frames give in `signlang live` on the clip."""
    steps, decoded = replay_words(vectors, bundle, sentence)
    return steps, [word.label for word in decoded]


def replay_words(vectors: np.ndarray, bundle: Bundle, sentence: SentenceParams) -> tuple[list[Step], list[Word]]:
    """`replay`, with the decoded words' probabilities and frames."""
    core = LiveCore(bundle, sentence)
    steps = [core.push(vector) for vector in np.asarray(vectors, dtype=np.float32)]
    core.finish()
    return steps, list(core.decoded)


def track_frame(frame: np.ndarray, tracker: HolisticTracker) -> tuple[np.ndarray, np.ndarray, Any]:
    """`(frame scaled to max_frame_side, keypoint vector, Holistic results)` of one BGR frame,
    the way every path turns a picture into keypoints."""
    from signlang.features.holistic import scale_frame

    frame = scale_frame(frame, tracker.settings.max_frame_side)
    vector, landmarks = tracker.process(frame)
    return frame, vector, landmarks


def track_clip(path: str | Path, settings: HolisticSettings, limit: int | None = None) -> np.ndarray:
    """Keypoints (n, 1662) of every frame of a clip file, read and tracked as `signlang live`
    does; with `limit`, reading stops at limit + 1 frames, so a caller can tell the clip is longer."""
    from realtime.sources import open_source
    from signlang.data.layout import FULL_SIZE
    from signlang.features.holistic import HolisticTracker

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
