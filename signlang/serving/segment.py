"""The segmenter: keypoint frames in, signs out (where one sign starts and ends). Pure numpy.

A frame is *signing* when a hand is seen with its wrist above the rest level: at most
`rest_height` shoulder widths below the line between the shoulders (hands lowered towards the
hips, or out of view, are at rest). A sign opens after `start_frames` signing frames in a row
and closes after `end_frames` frames in a row that are not; one shorter than `min_frames` is
dropped. Inside a stretch of signing, a boundary is placed where the hands change: the mean
hand features (wrist places and hand shapes, `change_features`) of the `change_frames` frames
before a frame differ from the mean of the `change_frames` frames from it on by more than
`change_threshold`; a sign longer than `max_frames` is closed there anyway.

The two thresholds are not picked by hand: `calibrate` derives them from the training windows
the classifier learnt from (data/dataset.npz rows of the split's train subset): `rest_height`
is the `rest_quantile` quantile of the highest wrist's height in signing frames, and
`change_threshold` the `change_quantile` quantile of the same before/after change measured
inside single signs. The export stage writes the result into the bundle (`segmenter.json`),
`Bundle.load` reads it (an older bundle without it gets `SegmenterSpec()`'s defaults).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from signlang.features.keypoints import (
    HAND_PARTS,
    LEFT_SHOULDER,
    RIGHT_SHOULDER,
    WRIST,
    hand_distances,
    layout_of,
)

POSE_CHANNELS, HAND_CHANNELS = 4, 3
MIN_WIDTH = 1e-6  # a shoulder width below this is no pose
PLACE = 2  # wrist place: x and y


@dataclass(frozen=True)
class SegmenterSpec:
    """The segmenter's thresholds (exported in the bundle as segmenter.json). The defaults are
    what `calibrate` derives from the starter data's training windows with params.yaml's
    `segment:` quantiles, so a bundle exported before the segmenter existed reads signs the same."""

    rest_height: float = 1.191  # shoulder widths below the shoulder line: lower wrists are at rest
    change_threshold: float = 0.865  # the hands' change (`change_at`) that marks a new sign
    change_frames: int = 6  # frames on each side of a candidate boundary
    start_frames: int = 2  # signing frames in a row that open a sign
    end_frames: int = 4  # frames in a row without signing that close it
    min_frames: int = 8  # shorter signs are dropped
    max_frames: int = 90  # longer signs are closed at the largest change

    def __post_init__(self) -> None:
        for name in ("change_frames", "start_frames", "end_frames", "min_frames"):
            if getattr(self, name) < 1:
                raise ValueError(f"segmenter {name} must be at least 1, got {getattr(self, name)}")
        if self.max_frames < 2 * self.change_frames or self.max_frames < self.min_frames:
            raise ValueError(f"segmenter max_frames ({self.max_frames}) must be at least min_frames and 2 x change_frames")
        if self.rest_height <= 0 or self.change_threshold <= 0:
            raise ValueError("segmenter rest_height and change_threshold must be positive")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SegmenterSpec:
        names = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown segmenter keys {unknown}; expected {sorted(names)}")
        return cls(**data)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> SegmenterSpec:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Segment:
    """One detected sign: frames `start` to `end` (inclusive) of the stream; `joined` when the
    next sign follows with no rest between (closed at a change of the hands)."""

    start: int
    end: int
    joined: bool = False

    @property
    def frames(self) -> int:
        return self.end - self.start + 1


# --------------------------------------------------------------------------- per-frame features


def _body(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shoulder centre (n, 2), shoulder width (n,) and whether the pose is seen (n,)."""
    pose = frames[:, layout_of(frames)["pose"]].reshape(len(frames), -1, POSE_CHANNELS)
    shoulders = pose[:, [LEFT_SHOULDER, RIGHT_SHOULDER], :2]
    width = np.linalg.norm(shoulders[:, 0] - shoulders[:, 1], axis=1)
    return shoulders.mean(axis=1), width, width > MIN_WIDTH


def _hands(frames: np.ndarray) -> list[np.ndarray]:
    layout = layout_of(frames)
    return [frames[:, layout[hand]].reshape(len(frames), -1, HAND_CHANNELS) for hand in HAND_PARTS]


def hand_heights(frames: np.ndarray) -> np.ndarray:
    """(n, 1662|258) -> (n,): the highest seen wrist, in shoulder widths below the shoulder line
    (negative: above it); +inf where no hand is seen. Frames without a pose use the nearest
    frame's body (or the typical webcam framing when the stream has no pose at all)."""
    frames = np.asarray(frames, dtype=np.float32)
    centre, width, seen = _body(frames)
    centre, width = _fill_body(centre, width, seen)
    heights = np.full(len(frames), np.inf, dtype=np.float32)
    for hand in _hands(frames):
        present = np.any(hand != 0, axis=(1, 2))
        height = (hand[:, WRIST, 1] - centre[:, 1]) / width
        heights = np.where(present, np.minimum(heights, height), heights)
    return heights


def _fill_body(centre: np.ndarray, width: np.ndarray, seen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frames without a pose take the nearest frame's shoulders (the image middle and a typical
    webcam shoulder width when no frame has a pose)."""
    from signlang.features.keypoints import FALLBACK_CENTRE, FALLBACK_WIDTH

    if not seen.any():
        return np.tile(np.asarray(FALLBACK_CENTRE[:2], np.float32), (len(seen), 1)), np.full(len(seen), FALLBACK_WIDTH)
    known = np.flatnonzero(seen)
    nearest = known[np.clip(np.searchsorted(known, np.arange(len(seen))), 0, len(known) - 1)]
    before = known[np.clip(np.searchsorted(known, np.arange(len(seen))) - 1, 0, len(known) - 1)]
    pick = np.where(np.abs(before - np.arange(len(seen))) < np.abs(nearest - np.arange(len(seen))), before, nearest)
    return centre[pick], width[pick]


def change_features(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, 1662|258) -> (features (n, 2, PLACE + 28), seen (n, 2)): per hand its wrist place
    (body-relative, in shoulder widths) and its shape (`keypoints.hand_distances`, in hand
    sizes), and whether the hand is seen."""
    frames = np.asarray(frames, dtype=np.float32)
    centre, width, seen = _body(frames)
    centre, width = _fill_body(centre, width, seen)
    features, present = [], []
    for hand in _hands(frames):
        place = (hand[:, WRIST, :PLACE] - centre) / width[:, None]
        features.append(np.concatenate([place, hand_distances(hand)], axis=1))
        present.append(np.any(hand != 0, axis=(1, 2)))
    return np.stack(features, axis=1).astype(np.float32), np.stack(present, axis=1)


def change_at(features: np.ndarray, seen: np.ndarray, index: int, span: int) -> float:
    """How much the hands change at frame `index`, comparing the `span` frames before it with
    the `span` frames from it on: per hand seen on both sides, the distance between its mean
    wrist places plus the RMS difference of its mean shapes; the larger over the hands (0 when
    no hand is seen on both sides)."""
    before, after = slice(max(0, index - span), index), slice(index, index + span)
    change = 0.0
    for hand in range(features.shape[1]):
        seen_before, seen_after = seen[before, hand], seen[after, hand]
        if not seen_before.any() or not seen_after.any():
            continue
        difference = features[before, hand][seen_before].mean(axis=0) - features[after, hand][seen_after].mean(axis=0)
        place = float(np.linalg.norm(difference[:PLACE]))
        shape = float(np.sqrt(np.mean(np.square(difference[PLACE:]))))
        change = max(change, place + shape)
    return change


# --------------------------------------------------------------------------- streaming


class Segmenter:
    """Streaming: `push` one keypoint frame at a time, in order; each call returns the signs it
    closed (usually none). `finish` closes the sign in progress at the end of the stream."""

    def __init__(self, spec: SegmenterSpec | None = None) -> None:
        self.spec = spec or SegmenterSpec()
        self.frames = 0
        self._features: list[np.ndarray] = []
        self._seen: list[np.ndarray] = []
        self._start: int | None = None  # first frame of the sign in progress
        self._run_on = 0  # signing frames in a row
        self._run_off = 0  # non-signing frames in a row (inside a sign)

    @property
    def open(self) -> bool:
        """Is a sign in progress?"""
        return self._start is not None

    def push(self, vector: np.ndarray) -> list[Segment]:
        vector = np.asarray(vector, dtype=np.float32)[None]
        index, self.frames = self.frames, self.frames + 1
        signing = bool(hand_heights(vector)[0] <= self.spec.rest_height)
        features, seen = change_features(vector)
        self._features.append(features[0])
        self._seen.append(seen[0])
        self._run_on = self._run_on + 1 if signing else 0
        if self._start is None:
            if self._run_on >= self.spec.start_frames:
                self._start, self._run_off = index - self.spec.start_frames + 1, 0
            self._forget()
            return []
        self._run_off = 0 if signing else self._run_off + 1
        if self._run_off >= self.spec.end_frames:
            return self._close(index - self.spec.end_frames)
        return self._split_on_change(index)

    def finish(self) -> list[Segment]:
        """The sign in progress, closed at the last frame signed (end of stream)."""
        if self._start is None:
            return []
        return self._close(self.frames - 1 - self._run_off)

    def _close(self, end: int) -> list[Segment]:
        start, self._start, self._run_on, self._run_off = self._start, None, 0, 0
        self._forget()
        return [Segment(start, end)] if end - start + 1 >= self.spec.min_frames else []

    def _split_on_change(self, index: int) -> list[Segment]:
        """Close the sign at a change of the hands `change_frames` frames ago (a local peak of
        `change_at` above change_threshold, once each side has enough frames), or at its
        largest change when it grew to max_frames."""
        span, start = self.spec.change_frames, self._start
        candidate = index - span
        if candidate - start >= span:
            before, here, after = self._changes(range(candidate - 1, candidate + 2))
            if here > self.spec.change_threshold and here >= before and here >= after:
                return self._cut(start, candidate)
        if index - start + 1 >= self.spec.max_frames:
            changes = self._changes(range(start + span, index - span + 2))
            return self._cut(start, start + span + int(np.argmax(changes)))
        return []

    def _cut(self, start: int, at: int) -> list[Segment]:
        """The sign in progress ends before frame `at`; a new one starts there."""
        self._start = at
        return [Segment(start, at - 1, joined=True)] if at - start >= self.spec.min_frames else []

    def _changes(self, indices: range) -> list[float]:
        """`change_at` at each of the stream frames `indices` (the kept frames stacked once)."""
        offset = self.frames - len(self._features)
        features, seen = np.asarray(self._features, dtype=np.float32), np.asarray(self._seen)
        return [change_at(features, seen, index - offset, self.spec.change_frames) for index in indices]

    def _forget(self) -> None:
        """Keep only the frames a future boundary can look at."""
        keep = self.frames - (self._start if self._start is not None else self.frames - self.spec.change_frames)
        del self._features[: max(0, len(self._features) - keep)]
        del self._seen[: max(0, len(self._seen) - keep)]


def segment_frames(frames: np.ndarray, spec: SegmenterSpec | None = None) -> list[Segment]:
    """Every sign of a whole recorded stream, as the streaming segmenter finds them."""
    segmenter = Segmenter(spec)
    found = [segment for vector in np.asarray(frames, dtype=np.float32) for segment in segmenter.push(vector)]
    return found + segmenter.finish()


# --------------------------------------------------------------------------- calibration


def calibrate(windows: np.ndarray, rest_quantile: float, change_quantile: float, base: SegmenterSpec | None = None) -> SegmenterSpec:
    """A SegmenterSpec whose thresholds come from raw training windows (n, T, 258|1662) of
    single signs: `rest_height` the `rest_quantile` quantile of the highest wrist's height over
    their hand-seen frames, `change_threshold` the `change_quantile` quantile of the change
    (`change_at`) at every frame of a window with `change_frames` frames on both sides."""
    base = base or SegmenterSpec()
    windows = np.asarray(windows, dtype=np.float32)
    if windows.ndim != 3 or not len(windows):
        raise ValueError(f"calibrate needs (n, frames, values) training windows, got shape {windows.shape}")
    span = base.change_frames
    if windows.shape[1] < 2 * span:
        raise ValueError(f"windows of {windows.shape[1]} frames are too short for change_frames {span}")
    heights = hand_heights(windows.reshape(-1, windows.shape[-1]))
    changes = []
    for window in windows:
        features, seen = change_features(window)
        changes += [change_at(features, seen, i, span) for i in range(span, len(window) - span + 1)]
    heights = heights[np.isfinite(heights)]
    changes = np.asarray(changes)[np.asarray(changes) > 0]
    if not len(heights) or not len(changes):
        raise ValueError("calibrate: no training frame shows a hand")
    return SegmenterSpec(**{**base.to_dict(), "rest_height": round(float(np.quantile(heights, rest_quantile)), 3),
                            "change_threshold": round(float(np.quantile(changes, change_quantile)), 3)})


def calibrate_from_dataset(dataset_path: str | Path, split_path: str | Path, rest_quantile: float,
                           change_quantile: float, base: SegmenterSpec | None = None) -> SegmenterSpec:
    """`calibrate` on the raw windows of data/dataset.npz whose data/split.csv subset is train:
    the windows the classifier learnt from."""
    from signlang.data.dataset import load_labelled_windows

    data = load_labelled_windows(dataset_path, split_path)
    return calibrate(data.X[data.subsets == "train"], rest_quantile, change_quantile, base)
