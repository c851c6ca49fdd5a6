"""Frames -> Holistic -> the live core, one `FrameResult` per frame: the per-frame pipeline of
`signlang live`, with no window and no output (realtime/runner.py drives it).

Decoding and Holistic can run a few frames ahead on their own thread (`read_ahead`), so the
caller's drawing and display overlap with MediaPipe's work on the next frame.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from realtime.core import LiveCore, Step, track_frame
from signlang.features.holistic import HolisticTracker

T = TypeVar("T")
_END = object()


@dataclass(frozen=True)
class FrameResult:
    frame: np.ndarray  # the frame Holistic saw (scaled to max_frame_side), BGR
    landmarks: Any  # Holistic's results, for drawing
    step: Step  # what the live core did with this frame


def track_frames(frames: Iterable[np.ndarray], tracker: HolisticTracker) -> Iterator[tuple[np.ndarray, np.ndarray, Any]]:
    """`(frame scaled to max_frame_side, keypoint vector, Holistic results)` per frame."""
    for frame in frames:
        yield track_frame(frame, tracker)


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

    Decoding and Holistic run `track_ahead` frames ahead on their own thread. Close the
    generator (or exhaust it) before closing `tracker`."""
    tracked = read_ahead(track_frames(frames, tracker), track_ahead)
    try:
        for frame, vector, landmarks in tracked:
            yield FrameResult(frame, landmarks, core.push(vector))
    finally:
        tracked.close()
