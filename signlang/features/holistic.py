"""MediaPipe Holistic: one video frame -> one 1662-value keypoint vector.

`HolisticTracker` wraps one MediaPipe Holistic graph (tracking mode, so it keeps state from
frame to frame: use one per clip or per live stream, never shared). It does no file I/O, so
live inference reuses it frame by frame; `extract_video` runs it over a file.

The vector follows the layout in `signlang.features.keypoints`: pose 33 x (x, y, z, visibility), face
468 x (x, y, z), left hand 21 x 3, right hand 21 x 3, zeros for a part not detected.

With `HolisticSettings.face` off (the default: no model of the 258 layout reads the face),
the tracker runs Holistic's own graph without its face branch: the same `PoseLandmarkCpu`
and `HandLandmarksLeftAndRightCpu` subgraphs with the same options, so pose and hand values
are identical to `mp.solutions.holistic.Holistic`'s (tests/signlang/features/test_holistic.py checks
this) at ~10% less CPU per frame; the face values are then zeros.

Importing this module is cheap: MediaPipe is imported on first use, with TensorFlow kept out
(mediapipe's package __init__ imports TensorFlow when it is installed, only for API docs,
which costs ~8 s per worker process).
"""

from __future__ import annotations

import importlib.abc
import json
import math
import sys
import threading
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from signlang.data.layout import FULL_SIZE, PART_SIZES
from signlang.errors import InputFileError

# Landmark counts per part, in vector order, and whether each landmark has a visibility.
POSE_LANDMARKS = 33
FACE_LANDMARKS = 468  # refine_face_landmarks=True would add 10 iris points: dropped
HAND_LANDMARKS = 21
_PARTS = (
    ("pose_landmarks", POSE_LANDMARKS, True),
    ("face_landmarks", FACE_LANDMARKS, False),
    ("left_hand_landmarks", HAND_LANDMARKS, False),
    ("right_hand_landmarks", HAND_LANDMARKS, False),
)
assert sum(n * (4 if vis else 3) for _, n, vis in _PARTS) == FULL_SIZE
assert PART_SIZES["pose"] == POSE_LANDMARKS * 4

# Bump when the meaning of an extracted vector changes, so cached clips are re-extracted.
EXTRACTION_VERSION = 1


@dataclass(frozen=True)
class HolisticSettings:
    """The Holistic knobs that change extracted keypoints (part of the cache key)."""

    # The only pose model mediapipe 0.10.21's wheel ships (0 and 2 download theirs): not a knob.
    model_complexity: int = 1
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    max_frame_side: int = 640
    face: bool = False

    @classmethod
    def from_params(cls, extract: Any) -> HolisticSettings:
        """From `params.extract` (an `ExtractParams`)."""
        return cls(
            min_detection_confidence=float(extract.min_detection_confidence),
            min_tracking_confidence=float(extract.min_tracking_confidence),
            max_frame_side=int(extract.max_frame_side),
            face=bool(extract.face),
        )

    def for_parts(self, parts: list[str] | tuple[str, ...]) -> HolisticSettings:
        """These settings, with the face mesh switched on when `parts` (a model's input
        parts, e.g. a bundle's) need it."""
        return replace(self, face=True) if "face" in parts and not self.face else self

    def cache_key_part(self) -> str:
        """A stable text naming these settings, the extraction code version and the
        MediaPipe version: any change gives a different per-clip cache key."""
        data = asdict(self)
        data["extraction_version"] = EXTRACTION_VERSION
        data["mediapipe"] = _mediapipe_version()
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _mediapipe_version() -> str:
    try:
        return metadata.version("mediapipe")
    except metadata.PackageNotFoundError:  # pragma: no cover - mediapipe is a dependency
        return "unknown"


class _NoTensorFlow(importlib.abc.MetaPathFinder):
    """Makes `import tensorflow` fail with ModuleNotFoundError (which mediapipe tolerates)."""

    def find_spec(self, name, path, target=None):  # noqa: D102
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named {name!r} (kept out of extraction)", name=name)
        return None


_import_lock = threading.Lock()
_mediapipe = None


def import_mediapipe():
    """`import mediapipe`, without dragging TensorFlow into the process when it is not
    there already. Thread-safe (the threading backend creates trackers concurrently)."""
    global _mediapipe
    with _import_lock:
        if _mediapipe is None:
            blocker = None
            if "tensorflow" not in sys.modules:
                blocker = _NoTensorFlow()
                sys.meta_path.insert(0, blocker)
            try:
                import mediapipe
            finally:
                if blocker is not None:
                    sys.meta_path.remove(blocker)
            _mediapipe = mediapipe
        return _mediapipe


def _part_array(landmarks: Any, count: int, visibility: bool) -> np.ndarray:
    width = 4 if visibility else 3
    out = np.zeros((count, width), dtype=np.float32)
    if landmarks is None:
        return out.ravel()
    points = list(getattr(landmarks, "landmark", landmarks))[:count]
    if visibility:
        values = [(p.x, p.y, p.z, p.visibility) for p in points]
    else:
        values = [(p.x, p.y, p.z) for p in points]
    if values:
        out[: len(values)] = np.asarray(values, dtype=np.float32)
    return out.ravel()


_FACE_NODES = ("SplitNormalizedLandmarkListCalculator", "FaceLandmarksFromPoseCpu")


def _holistic_graph_without_face():
    """Holistic's own graph (from the mediapipe wheel) with its face branch removed."""
    mp = import_mediapipe()
    from mediapipe.framework import calculator_pb2
    from mediapipe.python.solutions import holistic

    config = calculator_pb2.CalculatorGraphConfig()
    config.ParseFromString(Path(holistic.__file__).parents[3].joinpath(holistic._BINARYPB_FILE_PATH).read_bytes())
    nodes = len(config.node)
    _keep_only(config.node, lambda node: node.calculator not in _FACE_NODES)
    if len(config.node) != nodes - len(_FACE_NODES):  # pragma: no cover - another mediapipe graph
        raise RuntimeError(f"mediapipe {mp.__version__}: unexpected Holistic graph, cannot drop its face branch")
    _keep_only(config.output_stream, lambda stream: not stream.startswith("FACE_LANDMARKS:"))
    _keep_only(config.input_side_packet, lambda packet: not packet.startswith("REFINE_FACE_LANDMARKS:"))
    return config


def _keep_only(field: Any, keep: Any) -> None:
    """Drop, in place, the entries of a repeated protobuf field for which `keep` is false."""
    kept = [entry for entry in field if keep(entry)]
    del field[:]
    field.extend(kept)


def _holistic_without_face(settings: HolisticSettings, static_image_mode: bool):
    """A `SolutionBase` over `_holistic_graph_without_face`, configured exactly as
    `mp.solutions.holistic.Holistic.__init__` configures the full graph."""
    import_mediapipe()
    from mediapipe.python.solution_base import SolutionBase

    return SolutionBase(
        graph_config=_holistic_graph_without_face(),
        side_inputs={
            "model_complexity": settings.model_complexity,
            "smooth_landmarks": not static_image_mode,
            "enable_segmentation": False,
            "smooth_segmentation": not static_image_mode,
            "use_prev_landmarks": not static_image_mode,
        },
        calculator_params={
            "poselandmarkcpu__posedetectioncpu__TensorsToDetectionsCalculator.min_score_thresh":
                settings.min_detection_confidence,
            "poselandmarkcpu__poselandmarkbyroicpu__tensorstoposelandmarksandsegmentation__ThresholdingCalculator.threshold":
                settings.min_tracking_confidence,
        },
        outputs=["pose_landmarks", "pose_world_landmarks", "left_hand_landmarks", "right_hand_landmarks",
                 "segmentation_mask"],
    )


def results_to_vector(results: Any) -> np.ndarray:
    """One frame's Holistic results -> float32 (1662,) in the standard layout.

    A part MediaPipe did not detect is zeros. A face mesh of 478 landmarks (refined, with
    irises) is cut to its first 468, which are the same points as the unrefined mesh.
    """
    return np.concatenate(
        [_part_array(getattr(results, name, None), count, vis) for name, count, vis in _PARTS]
    )


def scale_frame(frame: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink a frame so its longest side is at most `max_side` (0: unchanged)."""
    import cv2

    height, width = frame.shape[:2]
    longest = max(height, width)
    if max_side <= 0 or longest <= max_side:
        return frame
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def _to_rgb(frame_bgr: np.ndarray) -> np.ndarray:
    import cv2

    if frame_bgr.ndim == 2:
        return cv2.cvtColor(frame_bgr, cv2.COLOR_GRAY2RGB)
    if frame_bgr.shape[2] == 4:
        return cv2.cvtColor(frame_bgr, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)


class HolisticTracker:
    """One MediaPipe Holistic instance, used as a context manager.

    `process(frame_bgr)` -> `(vector, results)`: the (1662,) float32 keypoints and the raw
    MediaPipe results (for drawing). Frames are scaled down to `settings.max_frame_side`
    first; landmarks are normalised to the frame, so scaling keeps their meaning.
    """

    def __init__(self, settings: HolisticSettings | None = None, *, static_image_mode: bool = False) -> None:
        self.settings = settings or HolisticSettings()
        if self.settings.face:
            mp = import_mediapipe()
            self._holistic = mp.solutions.holistic.Holistic(
                static_image_mode=static_image_mode,
                model_complexity=self.settings.model_complexity,
                smooth_landmarks=True,
                enable_segmentation=False,
                refine_face_landmarks=False,
                min_detection_confidence=self.settings.min_detection_confidence,
                min_tracking_confidence=self.settings.min_tracking_confidence,
            )
        else:
            self._holistic = _holistic_without_face(self.settings, static_image_mode)

    def process(self, frame_bgr: np.ndarray) -> tuple[np.ndarray, Any]:
        if self._holistic is None:
            raise RuntimeError("HolisticTracker is closed")
        rgb = _to_rgb(scale_frame(frame_bgr, self.settings.max_frame_side))
        rgb.flags.writeable = False
        results = self._holistic.process(rgb)
        return results_to_vector(results), results

    def close(self) -> None:
        if self._holistic is not None:
            self._holistic.close()
            self._holistic = None

    def __enter__(self) -> HolisticTracker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def extract_video(path: str | Path, settings: HolisticSettings | None = None,
                  decoder_threads: int = 0) -> tuple[np.ndarray, float]:
    """Run Holistic over every frame of a video file (`decoder_threads`: FFmpeg's decoding
    threads, 0 = its default of one per core; parallel workers pass 1).

    Returns `(frames, fps)`: float32 `(n_frames, 1662)` and the container's frame rate
    (0.0 when the file does not state one). Raises `InputFileError` naming the file when it
    cannot be opened, no frame can be decoded, or no person is detected in any frame.
    """
    import cv2

    settings = settings or HolisticSettings()
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "video file not found")
    if decoder_threads > 0:
        capture = cv2.VideoCapture(str(path), cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, decoder_threads])
    else:
        capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise InputFileError(path, "cannot be opened as a video (corrupt or unsupported format)")
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        if not math.isfinite(fps) or fps <= 0 or fps > 1000:
            fps = 0.0
        vectors: list[np.ndarray] = []
        tracker: HolisticTracker | None = None
        try:
            while True:
                try:
                    ok, frame = capture.read()
                except cv2.error as exc:
                    if vectors:
                        break  # keep the frames decoded before the damage
                    raise InputFileError(path, f"cannot be decoded: {exc}") from None
                if not ok or frame is None:
                    break
                if tracker is None:  # created only once a frame decodes: bad files fail fast
                    tracker = HolisticTracker(settings)
                vector, _ = tracker.process(frame)
                vectors.append(vector)
        finally:
            if tracker is not None:
                tracker.close()
    finally:
        capture.release()
    if not vectors:
        raise InputFileError(path, "no video frames could be decoded")
    frames = np.stack(vectors).astype(np.float32, copy=False)
    if not np.any(frames):
        raise InputFileError(path, f"no person detected in any of its {len(frames)} frames")
    return frames, fps
