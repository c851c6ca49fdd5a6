"""Figure 6: peak resident memory, each run in its own child process.

- extraction: the extract stage's map (all cores), against the tutorial's loop on the same
  clips (--quick: two of figure 1's; full: the 6 longest or largest-frame starter clips);
- live: `signlang live --no-window` on the 640x480 clip with the bundle, against the
  tutorial's live loop (Holistic + Keras `model.predict` on the last 30 frames, TensorFlow
  imported) on the same clip.

Per run: the peak of the resident-memory sum over the child and all its descendants (the
loky workers), sampled every 50 ms with psutil, and the largest single process's own peak
(VmHWM from /proc).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import LIVE_CLIP, PROJECT_ROOT, STARTER_VIDEOS, Context, Row, ratio, resized_clip, starter_clips
from bench.models import shared_model

SAMPLE_S = 0.05
FULL_CLIPS = ("thank_you/thank_you_02.mp4", "hello/hello_04.mp4", "yes/yes_01.mp4", "please/please_01.mp4",
              "no/no_04.mp4", "happy/happy_03.mp4")


def _peak_kib(pid: int) -> int:
    """VmHWM (peak resident set since exec) of a live process, in KiB; 0 when gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _sample(process, peaks: dict[int, int]) -> int:
    """Current RSS sum of `process` and its descendants (bytes); updates per-pid VmHWM peaks."""
    import psutil

    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
        peaks[member.pid] = max(peaks.get(member.pid, 0), _peak_kib(member.pid))
    return total


def peak_memory(args: list[str], cwd: Path = PROJECT_ROOT) -> dict:
    """Run `args` as a child; peak resident memory in MiB: `tree_peak_mib` the largest sampled
    sum over the child and its descendants, `max_process_mib` the largest single process's
    VmHWM, `sum_of_peaks_mib` the sum of every process's VmHWM (an upper bound).

    (`ru_maxrss` from wait4 is not used: on Linux a child inherits the parent's high-water
    mark across fork+exec, so it would report the bench process's own size.)"""
    import psutil

    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a chatty child never blocks
        child = subprocess.Popen(args, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        watched = psutil.Process(child.pid)
        peak, peaks, started = 0, {}, time.perf_counter()
        while child.poll() is None:
            try:
                peak = max(peak, _sample(watched, peaks))
            except psutil.Error:
                pass
            time.sleep(SAMPLE_S)
        seconds = time.perf_counter() - started
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited with {child.returncode}:\n{output[-3000:]}")
    return {"tree_peak_mib": peak / 2**20, "max_process_mib": max(peaks.values(), default=0) / 1024,
            "sum_of_peaks_mib": sum(peaks.values()) / 1024, "processes": len(peaks), "seconds": seconds}


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def extraction_child(clips: list[Path], workers: int, params_path: Path) -> None:
    """In a child process: the extract stage's map on `clips`, workers shut down before exit."""
    import tempfile

    from joblib.externals.loky import get_reusable_executor

    from signlang.features.clip_cache import extract_clips
    from signlang.features.holistic import HolisticSettings
    from signlang.params import load_params

    extract = load_params(params_path).extract
    with tempfile.TemporaryDirectory() as cache:
        jobs = [(str(c), str(c), Path(cache) / f"{n}.npz") for n, c in enumerate(clips)]
        extract_clips(jobs, HolisticSettings.from_params(extract), extract.backend, workers, progress=False)
    get_reusable_executor().shutdown(wait=True)


def tutorial_extraction_child(clips: list[Path]) -> None:
    import tempfile

    from bench.extraction import tutorial_loop

    with tempfile.TemporaryDirectory() as folder:
        tutorial_loop(clips, Path(folder))


def tutorial_live_child(clip: Path, keras_path: Path, length: int = 30) -> None:
    """The tutorial's live loop on a file: Holistic per frame, `model.predict` on the last
    `length` keypoint vectors (the parts the model takes) every frame once that many are seen."""
    import cv2
    import numpy as np

    from bench.extraction import extract_keypoints, mediapipe_detection
    from signlang.data.layout import LAYOUTS
    from signlang.features.holistic import import_mediapipe
    from signlang.models.networks import load_model

    model = load_model(keras_path)
    width = int(model.input_shape[-1])
    parts = LAYOUTS[1662] if width == 1662 else {p: LAYOUTS[1662][p] for p in ("pose", "left_hand", "right_hand")}
    columns = np.concatenate([np.arange(1662)[s] for s in parts.values()])
    columns = np.resize(columns, width)  # a model on derived features: same width, for memory only
    sequence: list[np.ndarray] = []
    cap = cv2.VideoCapture(str(clip))
    with import_mediapipe().solutions.holistic.Holistic(min_detection_confidence=0.5, min_tracking_confidence=0.5) as holistic:
        while cap.isOpened():
            ret, frame = cap.read()
            if not ret:
                break
            image, results = mediapipe_detection(frame, holistic)
            sequence = (sequence + [extract_keypoints(results)[columns]])[-length:]
            if len(sequence) == length:
                model.predict(np.expand_dims(sequence, axis=0), verbose=0)
    cap.release()


def memory_clips(ctx: Context) -> list[Path]:
    """--quick: two of figure 1's clips; full: the longest clips and the largest frames (peak memory
    depends on a clip's length and frame size, not on how many clips there are)."""
    if ctx.quick:
        return starter_clips(ctx)[-2:]
    return [ctx.shared_data / STARTER_VIDEOS / name for name in FULL_CLIPS]


def measure(ctx: Context, clips: list[Path] | None = None) -> list[Row]:
    clips = clips or memory_clips(ctx)
    listed = repr([str(c) for c in clips])
    ctx.log(f"bench: memory, extraction on {len(clips)} clip(s) in child processes ...")
    stage = peak_memory(_python(f"from pathlib import Path; from bench.memory import extraction_child; "
                                f"extraction_child([Path(c) for c in {listed}], -1, Path({str(ctx.params_path)!r}))"))
    tutorial = peak_memory(_python(f"from pathlib import Path; from bench.memory import tutorial_extraction_child; "
                                   f"tutorial_extraction_child([Path(c) for c in {listed}])"))
    model = shared_model(ctx)
    source = ctx.shared_data / "videos/asl-starter" / LIVE_CLIP
    clip, frames = resized_clip(source, ctx.temp_dir("memory-clip-") / "clip_640x480.mp4",
                                max_frames=45 if ctx.quick else None)
    ctx.log(f"bench: memory, live on {frames} frames in child processes ...")
    live = peak_memory([sys.executable, "-m", "signlang.cli", "live", "--no-window", "--source", str(clip),
                        "--bundle", str(model.bundle_dir), "--params", str(ctx.params_path)])
    tutorial_live = peak_memory(_python(f"from pathlib import Path; from bench.memory import tutorial_live_child; "
                                        f"tutorial_live_child(Path({str(clip)!r}), Path({str(model.keras_path)!r}))"))
    return [
        Row("6. peak memory, extraction: stage map (all processes) vs tutorial loop", stage["tree_peak_mib"],
            tutorial["tree_peak_mib"], "MiB", ratio(tutorial["tree_peak_mib"], stage["tree_peak_mib"]),
            "tutorial MiB / stage MiB", "", None,
            note=f"largest process {stage['max_process_mib']:.0f} vs {tutorial['max_process_mib']:.0f} MiB",
            raw={"stage": stage, "tutorial": tutorial, "clips": len(clips)}),
        Row("6b. peak memory, live: signlang live --no-window vs tutorial live loop (Keras)", live["tree_peak_mib"],
            tutorial_live["tree_peak_mib"], "MiB", ratio(tutorial_live["tree_peak_mib"], live["tree_peak_mib"]),
            "tutorial MiB / live MiB", "", None,
            note=f"largest process {live['max_process_mib']:.0f} vs {tutorial_live['max_process_mib']:.0f} MiB",
            raw={"live": live, "tutorial_live": tutorial_live, "frames": frames, "model": model.origin}),
    ]
