"""Figure 3: end-to-end live throughput on a 640x480 clip, frames per second.

- project: the live runner (`realtime.runner.run_live`, the code `signlang live --no-window`
  runs) on the clip: decode, Holistic, the bundle every `sentence.stride` frames, and the
  overlay drawn on every frame (asked for with a --screenshot file; no video is encoded);
- baseline: decode + Holistic alone (`HolisticTracker`, same settings) on the same frames;
  also (3c) the standard full Holistic, face mesh on, whatever `extract.face` says.

The clip is a real starter clip resized to 640x480 with cv2 (INTER_AREA, mp4v) into the run's
scratch folder. Both are timed from opening the clip to the last frame, alternately.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from pathlib import Path

from bench.common import LIVE_CLIP, Context, Row, median, ratio, resized_clip, timed, unavailable
from bench.models import shared_model

TARGET = 0.9  # within 10% of Holistic alone
FIGURE = "3. live fps (640x480): live runner vs decode + Holistic alone"


def holistic_alone(clip: Path, settings, max_frames: int | None = None) -> int:
    """Decode + Holistic on every frame of `clip` (or the first `max_frames`); returns the frames."""
    import cv2

    from signlang.features.holistic import HolisticTracker

    capture = cv2.VideoCapture(str(clip))
    frames = 0
    try:
        with HolisticTracker(settings) as tracker:
            while max_frames is None or frames < max_frames:
                ok, frame = capture.read()
                if not ok:
                    break
                tracker.process(frame)
                frames += 1
    finally:
        capture.release()
    return frames


def live_runner(clip: Path, bundle, params, apps, screenshot: Path | None) -> tuple[int, str]:
    """`signlang live --no-window --screenshot` on `clip` (no screenshot: plain --no-window,
    which draws nothing): (frames, how it was run)."""
    from realtime.runner import LiveOptions, run_live
    from signlang.features.holistic import HolisticSettings

    settings = HolisticSettings.from_params(params.extract)
    options, how = LiveOptions(source=str(clip), window=False), "not drawn (plain --no-window)"
    if screenshot is not None:
        try:
            options, how = LiveOptions(source=str(clip), window=False, screenshot=screenshot), "drawn every frame"
        except TypeError:  # an older runner without --screenshot: nothing is drawn headless
            how = "not drawn (runner has no --screenshot)"
    with contextlib.redirect_stdout(io.StringIO()):
        summary = run_live(bundle, options, apps.live, settings, apps.sentence)
    return summary.frames, how


def measure(ctx: Context) -> list[Row]:
    try:
        import realtime.runner  # noqa: F401
    except ImportError as exc:
        return [unavailable(FIGURE, f"realtime.runner cannot be imported ({exc})", "frames/s")]
    from signlang.features.holistic import HolisticSettings, import_mediapipe
    from signlang.serving.bundle import Bundle

    params, apps = ctx.params(), ctx.apps()
    model = shared_model(ctx)
    bundle = Bundle.load(model.bundle_dir)
    source = ctx.shared_data / "videos/asl-starter" / LIVE_CLIP
    clip, frames = resized_clip(source, ctx.temp_dir("live-clip-") / "clip_640x480.mp4",
                                max_frames=60 if ctx.quick else None)
    settings = HolisticSettings.from_params(params.extract)
    import_mediapipe()
    repeats = 1 if ctx.quick else 3
    ctx.log(f"bench: live throughput on {frames} frames of {LIVE_CLIP} at 640x480, {repeats} run(s) each ...")
    holistic_alone(clip, settings, max_frames=10)  # untimed: MediaPipe's first graph, files in cache
    with_face = dataclasses.replace(settings, face=True)
    alone, alone_face, live, how = [], [], [], ""
    for rep in range(repeats):
        for which in ("alone", "face", "live") if rep % 2 == 0 else ("live", "face", "alone"):
            if which == "alone":
                count, seconds = timed(lambda: holistic_alone(clip, settings))
                alone.append(count / seconds)
            elif which == "face":
                count, seconds = timed(lambda: holistic_alone(clip, with_face))
                alone_face.append(count / seconds)
            else:
                (count, how), seconds = timed(lambda: live_runner(clip, bundle, params, apps, ctx.scratch / "live.png"))
                live.append(count / seconds)
    (count, _), seconds = timed(lambda: live_runner(clip, bundle, params, apps, None))
    bare_fps = count / seconds
    live_fps, alone_fps, face_fps = median(live), median(alone), median(alone_face)
    share = ratio(live_fps, alone_fps)
    raw = {"clip": f"{LIVE_CLIP} resized to 640x480 with cv2 (scratch)", "frames": frames, "repeats": repeats,
           "live_fps": live, "holistic_alone_fps": alone, "overlay": how, "model": model.origin,
           "classify_every": apps.sentence.stride, "live_not_drawn_fps": bare_fps,
           "holistic_with_face_fps": alone_face, "face": settings.face, "track_ahead": apps.live.track_ahead}
    return [Row(FIGURE, live_fps, alone_fps, "frames/s", share, "live fps / Holistic-alone fps",
                f">= {TARGET:g}x", share is not None and share >= TARGET, note=f"overlay {how}", raw=raw),
            Row("3b. live fps: plain --no-window (nothing drawn) vs decode + Holistic alone", bare_fps, alone_fps,
                "frames/s", ratio(bare_fps, alone_fps), "live fps / Holistic-alone fps", "", None,
                note="one run, after the others"),
            Row("3c. live fps: live runner vs mp.solutions.holistic.Holistic (face mesh on) alone", live_fps, face_fps,
                "frames/s", ratio(live_fps, face_fps), "live fps / full-Holistic fps", "", None,
                note=f"extract.face {str(settings.face).lower()}; live.track_ahead {apps.live.track_ahead}")]
