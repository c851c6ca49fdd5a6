"""What `signlang live` writes: the annotated video (--out-video, H.264), one JSON line per
classified window (--out-json) and the last frame (--screenshot). Each names the file and what is
wrong when it cannot be written."""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from realtime.core import Step, top_json
from signlang.errors import InputFileError

VIDEO_CODEC = "libx264"  # H.264 in .mp4 (yuv420p, moov first): plays in every browser
VIDEO_OPTIONS = {"crf": "23", "preset": "veryfast"}


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


class JsonLines:
    """--out-json: one JSON object per line, each line on disk as soon as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle: TextIO = open(self.path, "w", encoding="utf-8", buffering=1)  # line-buffered
        except OSError as exc:
            raise InputFileError(self.path, f"cannot be written: {exc.strerror}") from None

    def write(self, record: dict) -> None:
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._handle.close()


def save_screenshot(path: Path, frame: np.ndarray | None, command: str = "live") -> None:
    """--screenshot: the last annotated frame as an image (a warning, not an error, when it fails:
    it is written on the way out, after the other outputs are complete)."""
    import cv2

    if frame is None:
        return
    written, reason = False, ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        written = cv2.imwrite(str(path), frame)
    except OSError as exc:
        reason = f" ({exc.strerror})"
    except cv2.error:
        reason = " (no image format has that extension; use .png or .jpg)"
    if not written:
        print(f"{command}: warning: {path}: the screenshot could not be written{reason}", file=sys.stderr, flush=True)
