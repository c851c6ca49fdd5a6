"""`signlang live`: a camera, video file or stream -> Holistic per frame -> the bundle
(TFLite) on the last sequence_length frames -> a sentence, drawn on the frame.

`classify_stream` is the per-frame pipeline with no I/O (the clip evaluation reuses it);
`run_live` adds the window, keys, --out-video, --out-json, --speak and --screenshot, and
closes every output on any exit. Neither imports TensorFlow: the bundle runs on LiteRT.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

import numpy as np

from realtime import overlay
from realtime.sentence import SentenceBuilder
from realtime.sources import VideoSource, open_source
from signlang import paths
from signlang.bundle import Bundle
from signlang.errors import InputFileError, SignlangError
from signlang.holistic import HolisticSettings, HolisticTracker, scale_frame
from signlang.keypoints import hand_seen
from signlang.params import LiveParams

TOP_K = 3
VIDEO_CODEC = "mp4v"
WINDOW_TITLE = "signlang live"
KEY_QUIT, KEY_ESCAPE, KEY_CLEAR, KEY_PAUSE = ord("q"), 27, ord("c"), ord(" ")
T = TypeVar("T")


# --------------------------------------------------------------------------- the bundle


def load_live_bundle(bundle_dir: str | Path | None, model_name: str, alias: str,
                     cache_dir: str | Path = paths.LIVE_BUNDLE_CACHE) -> Bundle:
    """A bundle folder when given, else `models:/<model_name>@<alias>` downloaded from the
    MLflow store (MLFLOW_TRACKING_URI, or the project's mlruns.db) into `cache_dir`."""
    if bundle_dir is not None:
        return Bundle.load(bundle_dir)
    from signlang import tracking

    destination = Path(cache_dir) / f"{model_name}@{alias}"
    shutil.rmtree(destination, ignore_errors=True)  # the alias may point elsewhere now
    destination.mkdir(parents=True, exist_ok=True)
    bundle = Bundle.load(tracking.download_bundle(model_name, alias, destination))
    print(f"live: using models:/{model_name}@{alias} from {tracking.tracking_uri()}", flush=True)
    return bundle


# --------------------------------------------------------------------------- per frame


@dataclass(frozen=True)
class WindowResult:
    """One classified window: the bundle's probabilities for the last T frames."""

    probabilities: np.ndarray
    top: list[tuple[str, float]]


@dataclass(frozen=True)
class FrameResult:
    index: int
    frame: np.ndarray  # the frame Holistic saw (scaled to max_frame_side), BGR
    landmarks: Any  # Holistic's results, for drawing
    hand_visible: bool  # a hand in any of the last no_sign_frames frames
    buffered: int  # frames in the window buffer (T once full)
    window: WindowResult | None  # set on the frames that were classified


def top_classes(probabilities: np.ndarray, classes: tuple[str, ...], k: int = TOP_K) -> list[tuple[str, float]]:
    order = np.argsort(-probabilities, kind="stable")[:k]
    return [(classes[i], float(probabilities[i])) for i in order]


def track_frames(frames: Iterable[np.ndarray], tracker: HolisticTracker) -> Iterator[tuple[np.ndarray, np.ndarray, Any]]:
    """`(frame scaled to max_frame_side, keypoint vector, Holistic results)` per frame."""
    for frame in frames:
        frame = scale_frame(frame, tracker.settings.max_frame_side)
        vector, landmarks = tracker.process(frame)
        yield frame, vector, landmarks


_END = object()


def read_ahead(items: Iterable[T], depth: int) -> Iterator[T]:
    """`items`, produced on a background thread up to `depth` items ahead of the consumer
    (0: on the caller's thread). An error of the producer is raised to the consumer; closing
    this generator (or the consumer stopping) stops and joins the producer."""
    if depth <= 0:
        yield from items
        return
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            put((_END, exc))
        else:
            put((_END, None))

    producer = threading.Thread(target=produce, name="signlang-read-ahead", daemon=True)
    producer.start()
    try:
        while True:
            item, error = handoff.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        producer.join()


def classify_stream(frames: Iterable[np.ndarray], bundle: Bundle, tracker: HolisticTracker,
                    live: LiveParams) -> Iterator[FrameResult]:
    """Holistic on every frame; the bundle on the last T frames every `classify_every`
    frames once T are buffered (frames T-1, T-1+k, ...).

    Decoding and Holistic run `live.track_ahead` frames ahead on their own thread, so the
    caller's drawing and display overlap with MediaPipe's work on the next frame. Close the
    generator (or exhaust it) before closing `tracker`."""
    length = bundle.spec.sequence_length
    window: deque[np.ndarray] = deque(maxlen=length)
    hands: deque[bool] = deque(maxlen=live.no_sign_frames)
    tracked = read_ahead(track_frames(frames, tracker), live.track_ahead)
    try:
        for index, (frame, vector, landmarks) in enumerate(tracked):
            window.append(vector)
            hands.append(bool(hand_seen(vector[None])[0]))
            result = None
            if len(window) == length and (index - (length - 1)) % live.classify_every == 0:
                probabilities = bundle.predict_window(np.stack(window))
                result = WindowResult(probabilities, top_classes(probabilities, bundle.classes))
            yield FrameResult(index, frame, landmarks, any(hands), len(window), result)
    finally:
        tracked.close()


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class LiveOptions:
    source: str
    window: bool = True
    out_video: Path | None = None
    out_json: Path | None = None
    speak: bool = False
    max_frames: int | None = None
    screenshot: Path | None = None


@dataclass
class LiveSummary:
    frames: int = 0
    windows: int = 0
    sentence: list[str] = field(default_factory=list)
    end_reason: str = ""
    seconds: float = 0.0

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


class VideoOutput:
    """An mp4 writer opened on the first frame (its size is known only then)."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path, self.fps = Path(path), fps
        self._writer = None
        self._size: tuple[int, int] | None = None

    def write(self, frame: np.ndarray) -> None:
        import cv2

        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._size = (frame.shape[1], frame.shape[0])
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*VIDEO_CODEC), self.fps, self._size)
            if not self._writer.isOpened():
                self._writer = None
                raise InputFileError(self.path, f"cannot be written as a video ({VIDEO_CODEC}); use a .mp4 name in a writable folder")
        if (frame.shape[1], frame.shape[0]) != self._size:  # a stream that changed resolution
            frame = cv2.resize(frame, self._size)
        self._writer.write(frame)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None


def open_json_lines(path: Path) -> TextIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return open(path, "w", encoding="utf-8", buffering=1)  # line-buffered: each line lands at once
    except OSError as exc:
        raise InputFileError(path, f"cannot be written: {exc.strerror}") from None


def window_record(result: FrameResult, fps: float, sentence: list[str], new_word: str | None) -> dict:
    """The --out-json line of one classified window."""
    return {
        "t": round(result.index / fps, 4),
        "frame": result.index,
        "top3": [{"label": label, "p": round(p, 6)} for label, p in result.window.top],
        "sentence": list(sentence),
        "hand_visible": result.hand_visible,
        "new_word": new_word,
    }


def _status(result: FrameResult, length: int, paused: bool) -> str:
    if paused:
        return "paused"
    if result.buffered < length:
        return f"buffering {result.buffered}/{length}"
    return "" if result.hand_visible else "no hand"


def annotate(result: FrameResult, top: list[tuple[str, float]], words: list[str], fps: float,
             live: LiveParams, length: int, paused: bool = False) -> np.ndarray:
    """The overlay frame shown in the window and written to --out-video."""
    frame = result.frame.copy()
    overlay.draw_landmarks(frame, result.landmarks)
    overlay.draw_top_classes(frame, top, live.threshold)
    overlay.draw_status(frame, fps, _status(result, length, paused))
    overlay.draw_sentence(frame, words, live.sentence_words_shown)
    return frame


def check_display(command: str, instead: str) -> None:
    """Refuse a window without a display (OpenCV's Qt would abort the process)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise SignlangError(f"{command}: no display found (DISPLAY is not set); use {instead}")


# --------------------------------------------------------------------------- the loop


def run_live(bundle: Bundle, options: LiveOptions, live: LiveParams,
             settings: HolisticSettings | None = None) -> LiveSummary:
    """Run until the source ends, --max-frames, q, or Ctrl-C; every output is closed on
    the way out, whatever ends it."""
    if options.window:
        check_display("live", "--no-window with --out-video/--out-json")
    source = open_source(options.source)
    with ExitStack() as stack:
        stack.callback(source.close)
        fps = source.fps or live.fallback_fps
        video = VideoOutput(options.out_video, fps) if options.out_video else None
        if video is not None:
            stack.callback(video.close)
        lines = stack.enter_context(open_json_lines(options.out_json)) if options.out_json else None
        speaker = None
        if options.speak:
            from realtime.speech import start_speaker

            speaker = start_speaker()
            if speaker is not None:
                stack.callback(speaker.close, 5.0)
        if options.window:
            import cv2

            stack.callback(cv2.destroyAllWindows)
        tracker = stack.enter_context(HolisticTracker((settings or HolisticSettings()).for_parts(bundle.spec.parts)))
        summary = LiveSummary()
        shown: list[np.ndarray] = []
        if options.screenshot is not None:
            stack.callback(_save_screenshot, options.screenshot, shown)
        _loop(source, bundle, tracker, live, options, fps, video, lines, speaker, summary, shown)
    print(f"live: {summary.end_reason}; {summary.frames} frames at {summary.fps:.1f} FPS, "
          f"{summary.windows} windows classified; sentence: {' '.join(summary.sentence) or '(empty)'}", flush=True)
    return summary


def _loop(source: VideoSource, bundle: Bundle, tracker: HolisticTracker, live: LiveParams, options: LiveOptions,
          fps: float, video: VideoOutput | None, lines: TextIO | None, speaker, summary: LiveSummary,
          shown: list[np.ndarray]) -> None:
    builder = SentenceBuilder(live.threshold, live.agreeing_windows)
    length = bundle.spec.sequence_length
    results = classify_stream(source.frames(), bundle, tracker, live)
    top: list[tuple[str, float]] = []
    started = last = time.perf_counter()
    rate = 0.0
    paused = False
    try:
        while True:
            if paused:
                key = _show(shown[-1]) if shown else -1
                paused, stop = _paused_key(key, builder)
                if stop:
                    summary.end_reason = "stopped by the user (q)"
                    break
                continue
            if options.max_frames is not None and summary.frames >= options.max_frames:
                summary.end_reason = f"stopped after --max-frames {options.max_frames}"
                break
            result = next(results, None)
            if result is None:
                summary.end_reason = source.end_reason
                break
            summary.frames += 1
            now = time.perf_counter()
            rate = 1.0 / max(now - last, 1e-6) if rate == 0.0 else 0.9 * rate + 0.1 / max(now - last, 1e-6)
            last = now
            if result.window is not None:
                top = result.window.top
                label, probability = top[0]
                word = builder.update(label, probability, result.hand_visible)
                summary.windows += 1
                if word is not None:
                    print(f"live: + {word}  (t={result.index / fps:.2f} s, p={probability:.2f})", flush=True)
                    if speaker is not None:
                        speaker.say(word)
                if lines is not None:
                    lines.write(json.dumps(window_record(result, fps, builder.words, word), ensure_ascii=False) + "\n")
            if not (options.window or video or options.screenshot):
                continue
            frame = annotate(result, top, builder.words, rate, live, length)
            shown[:] = [frame]
            if video is not None:
                video.write(frame)
            if options.window:
                key = _show(frame)
                if key in (KEY_QUIT, KEY_ESCAPE):
                    summary.end_reason = "stopped by the user (q)"
                    break
                if key == KEY_CLEAR:
                    builder.clear()
                paused = key == KEY_PAUSE
    finally:
        results.close()  # stops the read-ahead thread before the tracker is closed
        summary.seconds = time.perf_counter() - started
        summary.sentence = list(builder.words)
    if summary.frames == 0 and source.kind != "file":
        raise SignlangError(f"{source.description}: opened but delivered no frame")
    if summary.frames == 0:
        raise InputFileError(source.spec, "no video frames could be decoded")


def _show(frame: np.ndarray) -> int:
    import cv2

    cv2.imshow(WINDOW_TITLE, frame)
    return cv2.waitKey(1) & 0xFF


def _paused_key(key: int, builder: SentenceBuilder) -> tuple[bool, bool]:
    """(still paused, stop) after a key pressed while paused."""
    if key in (KEY_QUIT, KEY_ESCAPE):
        return True, True
    if key == KEY_CLEAR:
        builder.clear()
    if key == 0xFF:
        time.sleep(0.03)  # nothing pressed: don't spin
    return key != KEY_PAUSE, False


def _save_screenshot(path: Path, shown: list[np.ndarray]) -> None:
    import cv2

    if not shown:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), shown[-1]):
        print(f"live: warning: {path}: the screenshot could not be written", file=sys.stderr, flush=True)
