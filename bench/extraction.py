"""Figure 1: keypoint extraction, CPU time per frame (the target) and frames per second.

- 1, the target: the extract stage's parallel map (`signlang.features.clip_cache.extract_clips`, the
  backend, workers and Holistic settings of params.yaml) into a fresh cache folder, against
  decode + Holistic alone (`HolisticTracker`, the same settings, one per clip, nothing
  written) in this process, on the same clips in the same run. Both are measured in process
  CPU time per frame (user + system, `resource.getrusage` of this process and of its worker
  processes, joined before reading), so the figure holds on any core count: the stage may add
  at most 10 % to what Holistic itself costs (the workers' start-up, the cache files, the
  parallel map). Holistic's own CPU per frame also bounds any extraction's speed: on N cores,
  at most N x 1000 / (its ms per frame) frames/s, which the note of 1b gives;
- 1b, side by side, no target: frames/s of the stage (all cores) against the tutorial's
  capture loop, faithfully: one process, for each clip one `mp.solutions.holistic.Holistic`
  (defaults, confidences 0.5), OpenCV reads a frame, BGR->RGB, `holistic.process`, RGB->BGR,
  `extract_keypoints` (pose, face, hands concatenated, zeros for a missing part) and one
  `np.save` per frame into a folder. No downscaling. (The tutorial also draws the landmarks
  and shows the frame; there is no display here, so neither is done.);
- 1c: the stage at all cores against the stage at 1 worker.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import Context, Row, ratio, starter_clips, timed

# The stage's CPU time per frame may be at most this many times Holistic-alone's (within 10 %).
TARGET = 1.1


def extract_keypoints(results) -> np.ndarray:
    """The tutorial's function, as written there."""
    pose = np.array([[r.x, r.y, r.z, r.visibility] for r in results.pose_landmarks.landmark]).flatten() if results.pose_landmarks else np.zeros(33 * 4)
    face = np.array([[r.x, r.y, r.z] for r in results.face_landmarks.landmark]).flatten() if results.face_landmarks else np.zeros(468 * 3)
    lh = np.array([[r.x, r.y, r.z] for r in results.left_hand_landmarks.landmark]).flatten() if results.left_hand_landmarks else np.zeros(21 * 3)
    rh = np.array([[r.x, r.y, r.z] for r in results.right_hand_landmarks.landmark]).flatten() if results.right_hand_landmarks else np.zeros(21 * 3)
    return np.concatenate([pose, face, lh, rh])


def mediapipe_detection(image, model):
    """The tutorial's function: BGR->RGB, not writeable, process, writeable, RGB->BGR."""
    import cv2

    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    image.flags.writeable = False
    results = model.process(image)
    image.flags.writeable = True
    image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    return image, results


def tutorial_loop(clips: list[Path], out_dir: Path) -> int:
    """The tutorial's extraction loop over `clips`; returns the frames processed."""
    import cv2

    from signlang.features.holistic import import_mediapipe

    mp_holistic = import_mediapipe().solutions.holistic
    frames = 0
    for number, clip in enumerate(clips):
        folder = out_dir / str(number)
        os.makedirs(folder, exist_ok=True)
        cap = cv2.VideoCapture(str(clip))
        with mp_holistic.Holistic(min_detection_confidence=0.5, min_tracking_confidence=0.5) as holistic:
            frame_num = 0
            while cap.isOpened():
                ret, frame = cap.read()
                if not ret:
                    break
                image, results = mediapipe_detection(frame, holistic)
                keypoints = extract_keypoints(results)
                np.save(os.path.join(folder, str(frame_num)), keypoints)
                frame_num += 1
        cap.release()
        frames += frame_num
    return frames


def clip_name(ctx: Context, clip: Path) -> str:
    """A clip as the report names it: relative to the shared data when it is there."""
    try:
        return str(clip.relative_to(ctx.shared_data))
    except ValueError:
        return clip.name


def cpu_seconds(who: int) -> float:
    """User + system CPU seconds of this process (RUSAGE_SELF) or its joined children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def process_cpu() -> float:
    """CPU seconds of this process and of every child process it has joined."""
    return cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)


@dataclass(frozen=True)
class Run:
    """One way of extracting the clips: frames, wall seconds and CPU seconds (all processes)."""

    frames: int
    seconds: float
    cpu_seconds: float

    @property
    def fps(self) -> float:
        return self.frames / self.seconds

    @property
    def cpu_ms_per_frame(self) -> float:
        return 1000.0 * self.cpu_seconds / self.frames

    def to_dict(self) -> dict:
        return {"frames": self.frames, "seconds": self.seconds, "fps": self.fps, "cpu_seconds": self.cpu_seconds,
                "cpu_ms_per_frame": self.cpu_ms_per_frame, "cores_busy": self.cpu_seconds / self.seconds}


def measured(call: Callable[[], int | tuple[int, float]]) -> Run:
    """Run `call` (frames, or (frames, seconds) when it times itself) and take its process
    CPU time, children included (`call` joins any process it starts)."""
    before = process_cpu()
    result, wall = timed(call)
    frames, seconds = result if isinstance(result, tuple) else (result, wall)
    return Run(frames, seconds, process_cpu() - before)


def cold_workers() -> None:
    """Stop joblib's reusable loky workers, so every run starts its workers as `dvc repro`
    does (a warm worker with MediaPipe imported would favour whichever run comes second)."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def stage_map(ctx: Context, clips: list[Path], workers: int) -> tuple[int, float]:
    """The extract stage's parallel map over `clips` into a fresh cache folder: (frames,
    seconds of the map, its workers' start-up included). Its workers are joined before it
    returns, so their CPU time shows in RUSAGE_CHILDREN."""
    from signlang.features.clip_cache import extract_clips
    from signlang.features.holistic import HolisticSettings

    extract = ctx.params().extract
    settings = HolisticSettings.from_params(extract)
    cache = ctx.temp_dir("extract-cache-")
    cold_workers()
    jobs = [(str(clip), str(clip), cache / f"{n}.npz") for n, clip in enumerate(clips)]
    results, frames, seconds = extract_clips(jobs, settings, extract.backend, workers, progress=False)
    cold_workers()
    failed = {row: reason for row, (_, reason) in results.items() if reason}
    if failed:
        ctx.log(f"bench: extract skipped {len(failed)} clip(s): {failed}")
    return frames, seconds


def holistic_alone(ctx: Context, clips: list[Path]) -> int:
    """Decode + Holistic (the stage's settings, one tracker per clip) on every frame of
    `clips` in this process, nothing written; returns the frames."""
    from bench.live import holistic_alone as one_clip
    from signlang.features.holistic import HolisticSettings

    settings = HolisticSettings.from_params(ctx.params().extract)
    return sum(one_clip(clip, settings) for clip in clips)


def measure_runs(ctx: Context, clips: list[Path]) -> dict[str, Run]:
    """Each way over `clips`, one after the other in this run: Holistic alone and the stage
    side by side first, then the tutorial loop and the stage at 1 worker."""
    from bench.live import holistic_alone as one_clip
    from signlang.features.holistic import HolisticSettings, import_mediapipe

    import_mediapipe()  # imported once, before any loop (the tutorial does so too)
    one_clip(clips[0], HolisticSettings.from_params(ctx.params().extract), max_frames=5)  # untimed: model files read
    runs: dict[str, Run] = {}
    for name, call in (("holistic_alone", lambda: holistic_alone(ctx, clips)),
                       ("stage_all_cores", lambda: stage_map(ctx, clips, -1)),
                       ("tutorial", lambda: tutorial_loop(clips, ctx.temp_dir("tutorial-npy-"))),
                       ("stage_1_worker", lambda: stage_map(ctx, clips, 1))):
        ctx.log(f"bench: extraction on {len(clips)} clip(s): {name.replace('_', ' ')} ...")
        runs[name] = measured(call)
    return runs


def measure(ctx: Context, clips: list[Path] | None = None) -> list[Row]:
    clips = clips or starter_clips(ctx)
    return figure_rows(ctx, clips, measure_runs(ctx, clips))


def figure_rows(ctx: Context, clips: list[Path], runs: dict[str, Run]) -> list[Row]:
    """Rows 1 (CPU per frame, the target), 1b (fps against the tutorial) and 1c (workers)."""
    from signlang.features.clip_cache import worker_count

    alone, stage, tutorial, one = (runs[k] for k in ("holistic_alone", "stage_all_cores", "tutorial", "stage_1_worker"))
    extract, workers, cores = ctx.params().extract, worker_count(-1, len(clips)), os.cpu_count() or 1
    raw = {"clips": [clip_name(ctx, clip) for clip in clips], **{k: run.to_dict() for k, run in runs.items()},
           "workers": workers, "cores": cores,
           "settings": {"backend": extract.backend, "max_frame_side": extract.max_frame_side,
                        "face": extract.face}}
    ceiling = cores * 1000.0 / alone.cpu_ms_per_frame
    return [
        Row("1. extraction CPU per frame: extract stage (all processes) vs decode + Holistic alone",
            stage.cpu_ms_per_frame, alone.cpu_ms_per_frame, "ms/frame", ratio(alone.cpu_ms_per_frame, stage.cpu_ms_per_frame),
            "Holistic-alone CPU / stage CPU per frame", f">= {1 / TARGET:.2f}x (within {TARGET - 1:.0%})",
            stage.cpu_ms_per_frame <= TARGET * alone.cpu_ms_per_frame,
            note=f"{len(clips)} clips, {stage.frames} frames; stage: {workers} worker process(es), their start-up "
                 f"included, {stage.cpu_seconds / stage.seconds:.2f} cores busy; Holistic alone: one process, "
                 f"{alone.cpu_seconds / alone.seconds:.2f} cores busy; max_frame_side {extract.max_frame_side}, "
                 f"face {str(extract.face).lower()}", raw=raw),
        Row("1b. extraction fps: stage (all cores) vs tutorial loop", stage.fps, tutorial.fps, "frames/s",
            ratio(stage.fps, tutorial.fps), "stage fps / tutorial fps", "", None,
            note=f"no target: Holistic alone costs {alone.cpu_ms_per_frame:.1f} ms of CPU per frame, so {cores} "
                 f"core(s) allow at most {ceiling:.0f} frames/s ({ratio(ceiling, tutorial.fps):.2f}x the tutorial's); "
                 f"tutorial CPU per frame {tutorial.cpu_ms_per_frame:.1f} ms, "
                 f"{tutorial.cpu_seconds / tutorial.seconds:.2f} cores busy"),
        Row("1c. extraction fps: stage all cores vs 1 worker", stage.fps, one.fps, "frames/s", ratio(stage.fps, one.fps),
            "all-cores fps / 1-worker fps", "", None,
            note=f"CPU per frame {stage.cpu_ms_per_frame:.1f} ms at {workers} worker(s), {one.cpu_ms_per_frame:.1f} ms at 1"),
    ]
