"""Frame sources for `signlang live` and `signlang capture`: a camera index, a video file or
a stream URL, all read through cv2.VideoCapture.

`open_source` refuses what cannot be opened with a SignlangError naming the source;
`VideoSource.frames()` yields BGR frames until the source ends, and `end_reason` says why
it stopped (end of file, a camera or stream that stopped delivering frames).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from signlang.errors import InputFileError, SignlangError


@dataclass
class VideoSource:
    spec: str
    kind: str  # "camera", "file" or "stream"
    capture: object  # cv2.VideoCapture
    fps: float  # the source's own frame rate, 0.0 when it states none
    frames_read: int = 0
    end_reason: str = field(default="")

    @property
    def description(self) -> str:
        return {"camera": f"camera {self.spec}", "file": f"video file {self.spec}"}.get(self.kind, f"stream {self.spec}")

    def frames(self) -> Iterator[np.ndarray]:
        """BGR frames until the source ends; sets `end_reason`."""
        import cv2

        while True:
            try:
                ok, frame = self.capture.read()
            except cv2.error as exc:
                ok, frame = False, None
                self.end_reason = f"{self.description}: frame {self.frames_read} cannot be decoded ({exc})"
            if not ok or frame is None:
                if not self.end_reason:
                    self.end_reason = self._ended()
                return
            self.frames_read += 1
            yield frame

    def _ended(self) -> str:
        if self.kind == "file":
            return f"{self.description}: end of file after {self.frames_read} frames"
        return f"{self.description}: stopped delivering frames after {self.frames_read} frames (disconnected?)"

    def close(self) -> None:
        self.capture.release()

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def source_kind(spec: str) -> str:
    """camera (all digits), stream (has a URL scheme) or file."""
    if spec.isdigit():
        return "camera"
    if "://" in spec:
        return "stream"
    return "file"


def open_source(spec: str) -> VideoSource:
    """Open a camera index ("0"), a video file or a stream URL; SignlangError when it cannot
    be opened or yields no frame."""
    import cv2

    kind = source_kind(spec)
    if kind == "file" and not Path(spec).is_file():
        raise InputFileError(spec, "video file not found")
    if kind == "camera":
        capture = _open_camera(int(spec))
    else:
        capture = cv2.VideoCapture(spec)
    if not capture.isOpened():
        capture.release()
        if kind == "camera":
            raise SignlangError(f"camera {spec}: cannot be opened (no such camera, or it is in use)")
        if kind == "file":
            raise InputFileError(spec, "cannot be opened as a video (corrupt or unsupported format)")
        raise SignlangError(f"stream {spec}: cannot be opened (unreachable or unsupported)")
    fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
    if not math.isfinite(fps) or fps <= 0 or fps > 1000:
        fps = 0.0
    return VideoSource(spec=spec, kind=kind, capture=capture, fps=fps)


def _open_camera(index: int):
    """cv2.VideoCapture on a camera, without OpenCV's own warnings for a missing one
    (the SignlangError says it in one line)."""
    import cv2

    previous = cv2.getLogLevel()
    cv2.setLogLevel(0)  # silent
    try:
        return cv2.VideoCapture(index)
    finally:
        cv2.setLogLevel(previous)
