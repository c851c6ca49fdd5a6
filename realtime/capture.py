"""`signlang capture`: guided recording of labelled samples from a camera or a video file.

A countdown (from a camera or stream only: a video file's first frames are already the
signing, so recording starts at its first frame), then `count` samples of
`capture.sample_seconds` each with a pause between, all measured in frames of the source
(seconds x its fps), so a video file gives the same samples on every run. Each sample is
saved as `<raw_dir>/<label>/<signer>_<n>.mp4` (the frames as read, without the overlay), n
continuing after the files already there; it is written under a hidden temporary name and
renamed when complete. A sample in which Holistic
saw no hand in any frame is not saved, and another is recorded in its place.
"""

from __future__ import annotations

import os
import re
import unicodedata
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from realtime import overlay, window
from realtime.settings import CaptureParams
from realtime.sources import open_source
from signlang import paths
from signlang.errors import InputFileError, ParamsError
from signlang.features.holistic import HolisticSettings, HolisticTracker, scale_frame
from signlang.features.keypoints import hand_seen

WINDOW_TITLE = "signlang capture"
# The stems capture writes, as `ingest.signer_pattern` reads them back.
SIGNER_PATTERN = r"^(?P<signer>.+)_\d+$"


@dataclass(frozen=True)
class CaptureOptions:
    label: str
    count: int
    signer: str
    source: str = "0"
    raw_dir: Path = paths.RAW_DIR
    window: bool = True


@dataclass
class CaptureSummary:
    saved: list[Path] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # attempt numbers with no hand seen
    end_reason: str = ""


def clean_name(value: str, what: str) -> str:
    """A label or signer usable as a folder/file name: trimmed, NFC, any script kept."""
    name = unicodedata.normalize("NFC", value.strip())
    if not name or name in (".", "..") or name.startswith("."):
        raise ParamsError(f"--{what}: {value!r} is not usable as a name (empty, or starts with '.')")
    if "/" in name or "\\" in name or "\0" in name:
        raise ParamsError(f"--{what}: {value!r} must not contain '/' or '\\'")
    return name


def next_sample_number(folder: Path, signer: str) -> int:
    """One more than the highest n of the `<signer>_<n>.*` files in folder (1 when none)."""
    pattern = re.compile(rf"^{re.escape(signer)}_(\d+)\.[^.]+$")
    numbers = [int(m.group(1)) for name in (os.listdir(folder) if folder.is_dir() else []) if (m := pattern.match(name))]
    return max(numbers, default=0) + 1


class _SampleWriter:
    """One sample being recorded to a hidden temporary .mp4 beside its final name."""

    def __init__(self, folder: Path, signer: str, fps: float, codec: str, size: tuple[int, int]) -> None:
        import cv2

        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.signer = folder, signer
        self.temporary = folder / f".{signer}_recording.{os.getpid()}.mp4"
        self._writer = cv2.VideoWriter(str(self.temporary), cv2.VideoWriter_fourcc(*codec), fps, size)
        if not self._writer.isOpened():
            raise InputFileError(self.temporary, f"cannot be written as a video (codec {codec!r}: see capture.codec)")
        self.size = size
        self.frames = 0
        self.hand_frames = 0

    def write(self, frame: np.ndarray, hand: bool) -> None:
        import cv2

        if (frame.shape[1], frame.shape[0]) != self.size:
            frame = cv2.resize(frame, self.size)
        self._writer.write(frame)
        self.frames += 1
        self.hand_frames += int(hand)

    def keep(self) -> Path:
        """Close and rename to the next free `<signer>_<n>.mp4`; never replaces a file."""
        self._writer.release()
        number = next_sample_number(self.folder, self.signer)
        while (final := self.folder / f"{self.signer}_{number}.mp4").exists():
            number += 1
        os.replace(self.temporary, final)
        return final

    def discard(self) -> None:
        self._writer.release()
        self.temporary.unlink(missing_ok=True)


def run_capture(options: CaptureOptions, capture: CaptureParams, settings: HolisticSettings | None = None) -> CaptureSummary:
    """Record until `count` samples are saved, the source ends, or q is pressed."""
    label, signer = clean_name(options.label, "label"), clean_name(options.signer, "signer")
    if options.count < 1:
        raise ParamsError(f"--count: must be at least 1, got {options.count}")
    if options.window:
        window.check_display("capture", "--no-window")
    folder = Path(options.raw_dir) / label
    summary = CaptureSummary()
    source = open_source(options.source)
    with ExitStack() as stack:
        stack.callback(source.close)
        if options.window:
            stack.callback(window.close_windows)
        tracker = stack.enter_context(HolisticTracker(settings or HolisticSettings()))
        fps = source.fps or capture.fallback_fps
        countdown = countdown_seconds(source.kind, capture)
        recorder = _Recorder(options, capture, fps, folder, signer, summary, countdown)
        stack.callback(recorder.abandon)
        print(f"capture: {options.count} sample(s) of {label!r} by {signer!r} from {source.description} "
              f"into {folder}: {f'{countdown:g} s countdown' if countdown else 'no countdown'}, "
              f"{capture.sample_seconds:g} s per sample "
              f"({recorder.sample_frames} frames at {fps:g} FPS), {capture.pause_seconds:g} s pause", flush=True)
        for frame in source.frames():
            if not recorder.step(frame, tracker):
                break
        summary.end_reason = recorder.stop_reason or source.end_reason
    print(f"capture: saved {len(summary.saved)} of {options.count} sample(s) to {folder}"
          f"{f', skipped {len(summary.skipped)} with no hand' if summary.skipped else ''} ({summary.end_reason})", flush=True)
    return summary


def countdown_seconds(source_kind: str, capture: CaptureParams) -> float:
    """The wait before the first sample: `capture.countdown_seconds` for a camera or stream
    (time to get into place), none for a video file (its frames are already the signing)."""
    return 0.0 if source_kind == "file" else capture.countdown_seconds


class _Recorder:
    """The countdown -> record -> pause cycle, one frame at a time."""

    def __init__(self, options: CaptureOptions, capture: CaptureParams, fps: float, folder: Path, signer: str,
                 summary: CaptureSummary, countdown: float) -> None:
        self.options, self.capture, self.fps = options, capture, fps
        self.folder, self.signer, self.summary = folder, signer, summary
        self.sample_frames = max(1, round(capture.sample_seconds * fps))
        self.phase, self.left = "countdown", round(countdown * fps)
        self.attempt = 0
        self.writer: _SampleWriter | None = None
        self.stop_reason = ""

    def step(self, frame: np.ndarray, tracker: HolisticTracker) -> bool:
        """Handle one frame; False when capture is over."""
        if self.phase != "recording" and self.left <= 0:
            self._start_sample(frame)
        small = scale_frame(frame, tracker.settings.max_frame_side)
        landmarks, hand = None, False
        if self.phase == "recording" or self.options.window:
            vector, landmarks = tracker.process(small)
            hand = bool(hand_seen(vector[None])[0])
        if self.phase == "recording":
            self.writer.write(frame, hand)
        if self.options.window and not self._show(small.copy(), landmarks):
            self.stop_reason = "stopped by the user (q)"
            return False
        self.left -= 1
        if self.phase == "recording" and self.left <= 0:
            self._finish_sample()
            if len(self.summary.saved) >= self.options.count:
                self.stop_reason = "all samples recorded"
                return False
            self.phase, self.left = "pause", round(self.capture.pause_seconds * self.fps)
        return True

    def _start_sample(self, frame: np.ndarray) -> None:
        self.attempt += 1
        self.writer = _SampleWriter(self.folder, self.signer, self.fps, self.capture.codec, (frame.shape[1], frame.shape[0]))
        self.phase, self.left = "recording", self.sample_frames

    def _finish_sample(self) -> None:
        writer, self.writer = self.writer, None
        if writer.hand_frames == 0:
            writer.discard()
            self.summary.skipped.append(self.attempt)
            print(f"capture: sample {self.attempt}: no hand seen, skipped", flush=True)
            return
        path = writer.keep()
        self.summary.saved.append(path)
        print(f"capture: sample {self.attempt}: saved {path} ({writer.frames} frames, hands in {writer.hand_frames})", flush=True)

    def abandon(self) -> None:
        """A sample cut short (source ended, q, error) is not kept."""
        if self.writer is not None:
            self.writer.discard()
            print(f"capture: sample {self.attempt}: cut short after {self.writer.frames} of {self.sample_frames} "
                  "frames, not saved", flush=True)
            self.writer = None

    def _show(self, shown: np.ndarray, landmarks) -> bool:
        if landmarks is not None:
            overlay.draw_landmarks(shown, landmarks)
        saved = len(self.summary.saved)
        if self.phase == "recording":
            overlay.draw_recording(shown, saved + 1, self.options.count, self.left / self.fps)
        else:
            what = "get ready" if self.phase == "countdown" else f"next: sample {saved + 1} of {self.options.count}"
            overlay.draw_countdown(shown, what, self.left / self.fps)
        return window.show(WINDOW_TITLE, shown) not in window.STOP_KEYS
