"""`signlang live`: the loop from a source to the outputs. Frames go through the per-frame
pipeline (realtime/stream.py: Holistic, then the live core of realtime/core.py: windows, no-sign
rule, top-3 and sentence, as the web page), are drawn on (realtime/overlay.py) and go to the
window (realtime/window.py) and the writers (realtime/writers.py: --out-video, --out-json,
--screenshot), with --speak; every output is closed on any exit. No TensorFlow: the bundle runs
on LiteRT.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from realtime import overlay, window
from realtime.core import LiveCore, Step
from realtime.settings import LiveParams, SentenceParams
from realtime.sources import VideoSource, open_source
from realtime.stream import FrameResult, classify_stream
from realtime.writers import JsonLines, VideoOutput, save_screenshot, window_record
from signlang.errors import InputFileError, SignlangError
from signlang.features.holistic import HolisticSettings, HolisticTracker
from signlang.serving.bundle import Bundle

WINDOW_TITLE = "signlang live"


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


@dataclass
class _Outputs:
    video: VideoOutput | None = None
    lines: JsonLines | None = None
    speaker: Any = None
    shown: list[np.ndarray] = field(default_factory=list)  # the last annotated frame


def _open_outputs(stack: ExitStack, options: LiveOptions, fps: float) -> _Outputs:
    """Every output the options ask for, each closed by `stack` on the way out."""
    outputs = _Outputs()
    if options.out_video:
        outputs.video = VideoOutput(options.out_video, fps)
        stack.callback(outputs.video.close)
    if options.out_json:
        outputs.lines = JsonLines(options.out_json)
        stack.callback(outputs.lines.close)
    if options.speak:
        from realtime.speech import start_speaker

        outputs.speaker = start_speaker(language=options.speech_language)
        if outputs.speaker is not None:
            stack.callback(outputs.speaker.close, 5.0)
    if options.window:
        stack.callback(window.close_windows)
    if options.screenshot is not None:
        stack.callback(lambda: save_screenshot(options.screenshot, outputs.shown[-1] if outputs.shown else None))
    return outputs


def run_live(bundle: Bundle, options: LiveOptions, live: LiveParams, settings: HolisticSettings | None = None,
             sentence: SentenceParams | None = None) -> LiveSummary:
    """Run until the source ends, --max-frames, q, or Ctrl-C; every output is closed on
    the way out, whatever ends it. `sentence`: params.yaml `sentence:` (default its defaults)."""
    if options.window:
        window.check_display("live", "--no-window with --out-video/--out-json")
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
        key = window.show(WINDOW_TITLE, frame)
        if key == window.KEY_CLEAR:
            self.core.clear()
        self.paused = key == window.KEY_PAUSE
        return key in window.STOP_KEYS

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
            self.out.lines.write(window_record(step, self.fps, self.core.words))

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
            self.out.lines.write({**window_record(last, self.fps, self.core.words), "end": True})

    def _paused_key(self) -> bool:
        """Wait for a key while paused; True to stop."""
        key = window.show(WINDOW_TITLE, self.out.shown[-1]) if self.out.shown else -1
        if key in window.STOP_KEYS:
            return True
        if key == window.KEY_CLEAR:
            self.core.clear()
        if key in window.NO_KEY:
            time.sleep(0.03)  # nothing pressed: don't spin
        self.paused = key != window.KEY_PAUSE
        return False
