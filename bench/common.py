"""What every benchmark shares: the run context, table rows, timing and inputs."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SIGNLANG_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
STARTER_VIDEOS = "videos/asl-starter"
MULTISIGNER = "keypoints/multisigner-258"
# --quick: a few short real clips, 422 frames from 1920x1080 down to 640x360: enough frames
# that the workers' start-up (each imports MediaPipe) does not swamp the figure.
QUICK_CLIPS = ("please/please_03.mp4", "no/no_01.mp4", "yes/yes_04.mp4", "help/help_02.mp4", "hello/hello_02.mp4")
# The clip resized to 640x480 for the live figure (149 frames, one signer, hands in view).
LIVE_CLIP = "hello/hello_03.mp4"
VERSIONS = ("mediapipe", "tensorflow-cpu", "keras", "ai-edge-litert", "opencv-python", "opencv-contrib-python",
            "numpy", "dvc", "joblib")


@dataclass
class Context:
    """One bench run: mode, data, params, scratch folder, and the model the figures share."""

    quick: bool
    shared_data: Path
    params_path: Path
    scratch: Path
    log: Callable[[str], None] = print
    # The exported bundle the continuous-signing figure decodes with (`--bundle`).
    bundle_dir: Path = PROJECT_ROOT / "models" / "bundle"
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return "quick" if self.quick else "full"

    def params(self):
        """params.yaml, read once per run (every figure sees the same values)."""
        from signlang.params import load_params

        if "params" not in self.cache:
            self.cache["params"] = load_params(self.params_path)
        return self.cache["params"]

    def apps(self):
        """params.yaml's `live` and `sentence` sections (the apps' settings), read once per run."""
        from realtime.settings import LiveParams, SentenceParams
        from signlang.settings import load_sections

        if "apps" not in self.cache:
            self.cache["apps"] = load_sections(self.params_path, live=LiveParams, sentence=SentenceParams)
        return self.cache["apps"]

    def temp_dir(self, prefix: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.scratch))


@dataclass
class Row:
    """One line of the table: the project's figure against the baseline's.

    `ratio` is oriented so that higher is better for the project (e.g. baseline time /
    project time); `ratio_means` says how. `met` is None when there is no target or no figure."""

    figure: str
    project: float | None
    baseline: float | None
    unit: str
    ratio: float | None
    ratio_means: str = ""
    target: str = ""
    met: bool | None = None
    available: bool = True
    note: str = ""
    raw: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def unavailable(figure: str, why: str, unit: str = "") -> Row:
    return Row(figure, None, None, unit, None, target="", met=None, available=False, note=f"not available: {why}")


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50/p95/mean/min in milliseconds of per-call times in seconds."""
    ms = np.asarray(seconds, dtype=float) * 1000.0
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "mean_ms": float(ms.mean()), "min_ms": float(ms.min()), "calls": int(len(ms))}


def time_calls(call: Callable[[], Any], repeats: int, warmup: int) -> list[float]:
    """Seconds of each of `repeats` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def starter_clips(ctx: Context) -> list[Path]:
    """The ASL starter clips: all of them, or --quick's few short ones."""
    folder = ctx.shared_data / STARTER_VIDEOS
    if ctx.quick:
        return [folder / name for name in QUICK_CLIPS]
    return sorted(folder.glob("*/*.mp4"))


def count_frames(path: Path) -> int:
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        return int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        capture.release()


def resized_clip(source: Path, target: Path, size: tuple[int, int] = (640, 480), max_frames: int | None = None) -> tuple[Path, int]:
    """`source` resized to `size` (cv2, INTER_AREA, mp4v) into `target`; returns (path, frames)."""
    import cv2

    capture = cv2.VideoCapture(str(source))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    frames = 0
    try:
        while max_frames is None or frames < max_frames:
            ok, frame = capture.read()
            if not ok:
                break
            writer.write(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))
            frames += 1
    finally:
        capture.release()
        writer.release()
    return target, frames


def sample_frames(ctx: Context, signer: str = "hirak214", index: int = 0) -> np.ndarray:
    """One real 30-frame keypoint sequence in the full (n, 1662) Holistic layout (face zeros),
    as the live runner buffers it: pose and hands from the multi-signer data."""
    from signlang.data.layout import FULL_SIZE, LAYOUTS

    with np.load(ctx.shared_data / MULTISIGNER / f"{signer}.npz", allow_pickle=False) as data:
        part = np.asarray(data["X"][index], dtype=np.float32)
    full = np.zeros((part.shape[0], FULL_SIZE), dtype=np.float32)
    for name, columns in LAYOUTS[part.shape[1]].items():
        full[:, LAYOUTS[FULL_SIZE][name]] = part[:, columns]
    return full


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "load_average": [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "versions": {name: v for name in VERSIONS if (v := _version(name)) is not None},
    }
