"""`signlang live`: a camera, video file or stream -> Holistic per frame -> the live core
(realtime/core.py: windows, no-sign rule, top-3 and sentence, as the web page) -> drawn on
the frame.

`classify_stream` is the per-frame pipeline with no I/O; `run_live` adds the window, keys,
--out-video (H.264, which browsers play), --out-json, --speak and --screenshot, and closes
every output on any exit. Neither imports TensorFlow: the bundle runs on LiteRT.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO, TypeVar

import numpy as np

from realtime import overlay
from realtime.core import LiveCore, Step, top_json, track_frame
from realtime.settings import LiveParams, SentenceParams
from realtime.sources import VideoSource, open_source
from signlang import paths
from signlang.errors import InputFileError, SignlangError
from signlang.features.holistic import HolisticSettings, HolisticTracker
from signlang.serving.bundle import Bundle

VIDEO_CODEC = "libx264"  # H.264 in .mp4 (yuv420p, moov first): plays in every browser
VIDEO_OPTIONS = {"crf": "23", "preset": "veryfast"}
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
    from signlang.serving import tracking

    destination = Path(cache_dir) / f"{model_name}@{alias}"
    shutil.rmtree(destination, ignore_errors=True)  # the alias may point elsewhere now
    destination.mkdir(parents=True, exist_ok=True)
    bundle = Bundle.load(tracking.download_bundle(model_name, alias, destination))
    print(f"live: using models:/{model_name}@{alias} from {tracking.tracking_uri()}", flush=True)
    return bundle


# --------------------------------------------------------------------------- per frame


@dataclass(frozen=True)
class FrameResult:
    frame: np.ndarray  # the frame Holistic saw (scaled to max_frame_side), BGR
    landmarks: Any  # Holistic's results, for drawing
    step: Step  # what the live core did with this frame


def track_frames(frames: Iterable[np.ndarray], tracker: HolisticTracker) -> Iterator[tuple[np.ndarray, np.ndarray, Any]]:
    """`(frame scaled to max_frame_side, keypoint vector, Holistic results)` per frame."""
    for frame in frames:
        yield track_frame(frame, tracker)


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


def classify_stream(frames: Iterable[np.ndarray], core: LiveCore, tracker: HolisticTracker,
                    track_ahead: int = 0) -> Iterator[FrameResult]:
    """Holistic on every frame, each keypoint frame pushed through the live core.

    Decoding and Holistic run `track_ahead` frames ahead on their own thread, so the caller's
    drawing and display overlap with MediaPipe's work on the next frame. Close the generator
    (or exhaust it) before closing `tracker`."""
    tracked = read_ahead(track_frames(frames, tracker), track_ahead)
    try:
        for frame, vector, landmarks in tracked:
            yield FrameResult(frame, landmarks, core.push(vector))
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
    speech_language: str | None = None  # params.yaml speech.language
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
    """An H.264 .mp4 writer (PyAV's libx264, yuv420p, index first so a browser plays it
    while loading), opened on the first frame: its size is known only then."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path, self.fps = Path(path), fps
        self._container: Any = None
        self._stream: Any = None
        self._written = 0

    def write(self, frame: np.ndarray) -> None:
        if self._container is None:
            self._open(frame.shape[1] // 2 * 2, frame.shape[0] // 2 * 2)  # yuv420p needs even sides
        import av

        picture = av.VideoFrame.from_ndarray(self._fit(frame), format="bgr24")
        picture.pts = self._written
        self._mux(self._stream.encode(picture))
        self._written += 1

    def _open(self, width: int, height: int) -> None:
        import av

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._container = av.open(str(self.path), mode="w", options={"movflags": "+faststart"})
            self._stream = self._container.add_stream(VIDEO_CODEC, rate=Fraction(self.fps).limit_denominator(1001))
        except (OSError, ValueError, av.FFmpegError) as exc:
            self.close()
            raise InputFileError(self.path, f"cannot be written as an H.264 video ({exc}); "
                                            "use a .mp4 name in a writable folder") from None
        self._stream.width, self._stream.height, self._stream.pix_fmt = width, height, "yuv420p"
        self._stream.options = dict(VIDEO_OPTIONS)

    def _fit(self, frame: np.ndarray) -> np.ndarray:
        """The frame at the video's size (a stream may change resolution; odd sides are cut)."""
        size = (self._stream.width, self._stream.height)
        if (frame.shape[1], frame.shape[0]) != size:
            import cv2

            if abs(frame.shape[1] - size[0]) > 1 or abs(frame.shape[0] - size[1]) > 1:
                frame = cv2.resize(frame, size)
            frame = frame[: size[1], : size[0]]
        return np.ascontiguousarray(frame)

    def _mux(self, packets: list) -> None:
        import av

        try:
            self._container.mux(packets)
        except (OSError, av.FFmpegError) as exc:
            raise InputFileError(self.path, f"cannot be written as an H.264 video ({exc})") from None

    def close(self) -> None:
        """Flush the encoder and finish the file (also after Ctrl-C)."""
        container, self._container = self._container, None
        if container is None:
            return
        try:
            if self._stream is not None and self._written:
                container.mux(self._stream.encode(None))
        finally:
            container.close()


def open_json_lines(path: Path) -> TextIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return open(path, "w", encoding="utf-8", buffering=1)  # line-buffered: each line lands at once
    except OSError as exc:
        raise InputFileError(path, f"cannot be written: {exc.strerror}") from None


def window_record(step: Step, fps: float, sentence: list[str]) -> dict:
    """The --out-json line of one window of the policy (top3 empty: no sign)."""
    return {
        "t": round(step.index / fps, 4),
        "frame": step.index,
        "top3": top_json(step.top),
        "sentence": list(sentence),
        "hand_visible": step.hand_visible,
        "new_word": step.new_word,
    }


def _status(step: Step, length: int, paused: bool) -> str:
    if paused:
        return "paused"
    if step.buffered < length:
        return f"buffering {step.buffered}/{length}"
    return "" if step.hand_visible else "no hand"


def annotate(result: FrameResult, core: LiveCore, fps: float, live: LiveParams, paused: bool = False) -> np.ndarray:
    """The overlay frame shown in the window and written to --out-video."""
    frame = result.frame.copy()
    overlay.draw_landmarks(frame, result.landmarks)
    overlay.draw_top_classes(frame, core.latest, core.params.threshold)
    overlay.draw_status(frame, fps, _status(result.step, core.length, paused))
    overlay.draw_sentence(frame, core.words, live.sentence_words_shown)
    return frame


def check_display(command: str, instead: str) -> None:
    """Refuse a window without a display (OpenCV's Qt would abort the process)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise SignlangError(f"{command}: no display found (DISPLAY is not set); use {instead}")


@dataclass
class _Outputs:
    video: VideoOutput | None = None
    lines: TextIO | None = None
    speaker: Any = None
    shown: list[np.ndarray] = field(default_factory=list)  # the last annotated frame


def _open_outputs(stack: ExitStack, options: LiveOptions, fps: float) -> _Outputs:
    """Every output the options ask for, each closed by `stack` on the way out."""
    outputs = _Outputs()
    if options.out_video:
        outputs.video = VideoOutput(options.out_video, fps)
        stack.callback(outputs.video.close)
    if options.out_json:
        outputs.lines = stack.enter_context(open_json_lines(options.out_json))
    if options.speak:
        from realtime.speech import start_speaker

        outputs.speaker = start_speaker(language=options.speech_language)
        if outputs.speaker is not None:
            stack.callback(outputs.speaker.close, 5.0)
    if options.window:
        import cv2

        stack.callback(cv2.destroyAllWindows)
    if options.screenshot is not None:
        stack.callback(_save_screenshot, options.screenshot, outputs.shown)
    return outputs


# --------------------------------------------------------------------------- the loop


def run_live(bundle: Bundle, options: LiveOptions, live: LiveParams, settings: HolisticSettings | None = None,
             sentence: SentenceParams | None = None) -> LiveSummary:
    """Run until the source ends, --max-frames, q, or Ctrl-C; every output is closed on
    the way out, whatever ends it. `sentence`: params.yaml `sentence:` (default its defaults)."""
    if options.window:
        check_display("live", "--no-window with --out-video/--out-json")
    source = open_source(options.source)
    with ExitStack() as stack:
        stack.callback(source.close)
        fps = source.fps or live.fallback_fps
        outputs = _open_outputs(stack, options, fps)
        tracker = stack.enter_context(HolisticTracker((settings or HolisticSettings()).for_parts(bundle.spec.parts)))
        loop = _LiveLoop(LiveCore(bundle, sentence or SentenceParams()), options, live, fps, outputs)
        loop.run(source, tracker)
    summary = loop.summary
    print(f"live: {summary.end_reason}; {summary.frames} frames at {summary.fps:.1f} FPS, "
          f"{summary.windows} windows classified; sentence: {' '.join(summary.sentence) or '(empty)'}", flush=True)
    return summary


class _LiveLoop:
    """Frames from the core to the outputs, the keys, and the summary."""

    STOPPED = "stopped by the user (q)"

    def __init__(self, core: LiveCore, options: LiveOptions, live: LiveParams, fps: float, outputs: _Outputs) -> None:
        self.core, self.options, self.live, self.fps, self.out = core, options, live, fps, outputs
        self.summary = LiveSummary()
        self.rate, self.last, self.paused = 0.0, 0.0, False

    def run(self, source: VideoSource, tracker: HolisticTracker) -> None:
        results = classify_stream(source.frames(), self.core, tracker, self.live.track_ahead)
        started = self.last = time.perf_counter()
        try:
            self.summary.end_reason = self._drive(results, source)
            if self.summary.end_reason == source.end_reason:  # the recording ended: its last sign too
                self._ended()
        finally:
            results.close()  # stops the read-ahead thread before the tracker is closed
            self.summary.seconds = time.perf_counter() - started
            self.summary.sentence = list(self.core.words)
        if self.summary.frames == 0 and source.kind != "file":
            raise SignlangError(f"{source.description}: opened but delivered no frame")
        if self.summary.frames == 0:
            raise InputFileError(source.spec, "no video frames could be decoded")

    def _drive(self, results: Iterator[FrameResult], source: VideoSource) -> str:
        """Step until something ends the run; returns why."""
        while True:
            if self.paused:
                if self._paused_key():
                    return self.STOPPED
                continue
            if self.options.max_frames is not None and self.summary.frames >= self.options.max_frames:
                return f"stopped after --max-frames {self.options.max_frames}"
            result = next(results, None)
            if result is None:
                return source.end_reason
            if self._frame(result):
                return self.STOPPED

    def _frame(self, result: FrameResult) -> bool:
        """One frame to the outputs; True when the user stops."""
        self.summary.frames += 1
        self._tick()
        frame = None
        if self.options.window or self.out.video or self.options.screenshot:
            frame = annotate(result, self.core, self.rate, self.live)
            self.out.shown[:] = [frame]
            if self.out.video is not None:
                self.out.video.write(frame)
        # The JSON line after the frame is in the video: a run stopped between the two (Ctrl-C)
        # never lists a frame its video lacks.
        if result.step.classified:
            self._window(result.step)
        if frame is None or not self.options.window:
            return False
        key = _show(frame)
        if key == KEY_CLEAR:
            self.core.clear()
        self.paused = key == KEY_PAUSE
        return key in (KEY_QUIT, KEY_ESCAPE)

    def _tick(self) -> None:
        """The displayed frame rate: a running average of the time between frames."""
        now = time.perf_counter()
        instant = 1.0 / max(now - self.last, 1e-6)
        self.rate = instant if self.rate == 0.0 else 0.9 * self.rate + 0.1 * instant
        self.last = now

    def _window(self, step: Step) -> None:
        self.summary.windows += 1
        if step.new_word is not None:
            # The decoded word's own probability: with the segments decoder a word can be shown on a
            # window with no hand in sight (its sign closed when the hands went down).
            word = self.core.decoded[-1]
            print(f"live: + {step.new_word}  (t={step.index / self.fps:.2f} s, p={word.p:.2f})", flush=True)
            if self.out.speaker is not None:
                self.out.speaker.say(step.new_word)
        if self.out.lines is not None:
            record = window_record(step, self.fps, self.core.words)
            self.out.lines.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _ended(self) -> None:
        """Words of a sign still open when the source ended (`LiveCore.finish`); the JSON lines
        get one last record (`"end": true`) with the whole sentence."""
        words = self.core.finish()
        for word in words:
            print(f"live: + {word.label}  (t={word.end / self.fps:.2f} s, p={word.p:.2f}, at the end)", flush=True)
            if self.out.speaker is not None:
                self.out.speaker.say(word.label)
        if words and self.out.lines is not None:
            last = Step(self.core.frames - 1, False, len(self.core.window), False, new_word=words[-1].label)
            record = {**window_record(last, self.fps, self.core.words), "end": True}
            self.out.lines.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _paused_key(self) -> bool:
        """Wait for a key while paused; True to stop."""
        key = _show(self.out.shown[-1]) if self.out.shown else -1
        if key in (KEY_QUIT, KEY_ESCAPE):
            return True
        if key == KEY_CLEAR:
            self.core.clear()
        if key in (0xFF, -1):
            time.sleep(0.03)  # nothing pressed: don't spin
        self.paused = key != KEY_PAUSE
        return False


def _show(frame: np.ndarray) -> int:
    import cv2

    cv2.imshow(WINDOW_TITLE, frame)
    return cv2.waitKey(1) & 0xFF


def _save_screenshot(path: Path, shown: list[np.ndarray]) -> None:
    import cv2

    if not shown:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), shown[-1]):
        print(f"live: warning: {path}: the screenshot could not be written", file=sys.stderr, flush=True)
