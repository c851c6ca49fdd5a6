"""Figure 1: keypoint extraction, frames per second.

- project: the extract stage's parallel map (`signlang.extract.extract_clips`, the backend
  and Holistic settings of params.yaml, all cores) into a fresh cache folder; also at 1 worker;
- baseline: the tutorial's capture loop, faithfully: one process, for each clip one
  `mp.solutions.holistic.Holistic` (defaults, confidences 0.5), OpenCV reads a frame, BGR->RGB,
  `holistic.process`, RGB->BGR, `extract_keypoints` (pose, face, hands concatenated, zeros for a
  missing part) and one `np.save` per frame into a folder. No downscaling. (The tutorial also
  draws the landmarks and shows the frame; there is no display here, so neither is done.)
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

import numpy as np

from bench.common import Context, Row, ratio, starter_clips, timed

TARGET = 1.8


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

    from signlang.holistic import import_mediapipe

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


def cold_workers() -> None:
    """Stop joblib's reusable loky workers, so every run starts its workers as `dvc repro`
    does (a warm worker with MediaPipe imported would favour whichever run comes second)."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def stage_map(ctx: Context, clips: list[Path], workers: int) -> tuple[int, float, int]:
    """The extract stage's parallel map over `clips` into a fresh cache folder:
    (frames, seconds, worker processes)."""
    from signlang.extract import extract_clips, worker_count
    from signlang.holistic import HolisticSettings

    extract = ctx.params().extract
    settings = HolisticSettings.from_params(extract)
    cache = ctx.temp_dir("extract-cache-")
    cold_workers()
    jobs = [(str(clip), str(clip), cache / f"{n}.npz") for n, clip in enumerate(clips)]
    results, frames, seconds = extract_clips(jobs, settings, extract.backend, workers, progress=False)
    cold_workers()  # joined here, so their CPU time shows in RUSAGE_CHILDREN
    failed = {row: reason for row, (_, reason) in results.items() if reason}
    if failed:
        ctx.log(f"bench: extract skipped {len(failed)} clip(s): {failed}")
    return frames, seconds, worker_count(workers, len(jobs))


def measure(ctx: Context, clips: list[Path] | None = None) -> list[Row]:
    from signlang.holistic import import_mediapipe

    clips = clips or starter_clips(ctx)
    import_mediapipe()  # the tutorial imports it once, before its loop
    ctx.log(f"bench: extraction on {len(clips)} clip(s): tutorial loop ...")
    cpu_before = cpu_seconds(resource.RUSAGE_SELF)
    tutorial_frames, tutorial_seconds = timed(lambda: tutorial_loop(clips, ctx.temp_dir("tutorial-npy-")))
    tutorial_cpu = cpu_seconds(resource.RUSAGE_SELF) - cpu_before
    ctx.log("bench: extraction: extract stage map, all cores ...")
    cpu_before = cpu_seconds(resource.RUSAGE_CHILDREN)
    all_frames, all_seconds, all_workers = stage_map(ctx, clips, -1)
    all_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    ctx.log("bench: extraction: extract stage map, 1 worker ...")
    one_frames, one_seconds, _ = stage_map(ctx, clips, 1)
    tutorial_fps = tutorial_frames / tutorial_seconds
    all_fps, one_fps = all_frames / all_seconds, one_frames / one_seconds
    extract = ctx.params().extract
    raw = {
        "clips": [clip_name(ctx, clip) for clip in clips],
        "tutorial": {"frames": tutorial_frames, "seconds": tutorial_seconds, "fps": tutorial_fps,
                     "cpu_seconds": tutorial_cpu, "cores_busy": tutorial_cpu / tutorial_seconds},
        "stage_all_cores": {"frames": all_frames, "seconds": all_seconds, "fps": all_fps, "workers": all_workers,
                            "cpu_seconds": all_cpu, "cores_busy": all_cpu / all_seconds},
        "stage_1_worker": {"frames": one_frames, "seconds": one_seconds, "fps": one_fps, "workers": 1},
        "settings": {"backend": extract.backend, "max_frame_side": extract.max_frame_side,
                     "model_complexity": extract.model_complexity, "face": extract.face},
    }
    speedup = ratio(all_fps, tutorial_fps)
    return [
        Row("1. extraction fps: stage (all cores) vs tutorial loop", all_fps, tutorial_fps, "frames/s", speedup,
            "stage fps / tutorial fps", f">= {TARGET}x", speedup is not None and speedup >= TARGET,
            note=f"{len(clips)} clips, {tutorial_frames} frames; stage workers {all_workers} (times include their "
                 f"start-up), max_frame_side {extract.max_frame_side}, face {str(extract.face).lower()}; CPU per "
                 f"frame {1000 * all_cpu / all_frames:.1f} ms vs tutorial {1000 * tutorial_cpu / tutorial_frames:.1f} ms "
                 f"(the tutorial's one process keeps {tutorial_cpu / tutorial_seconds:.2f} cores busy)", raw=raw),
        Row("1b. extraction fps: stage all cores vs 1 worker", all_fps, one_fps, "frames/s", ratio(all_fps, one_fps),
            "all-cores fps / 1-worker fps", "", None, raw={"workers": all_workers}),
    ]
