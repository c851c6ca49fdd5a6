"""What a live session and a /predict clip of `signlang serve` cost, to size serve.max_sessions
and the /predict queue for a machine.

    python -m bench.serve_costs [--clip hello/hello_03.mp4] [--predict-clip hello/hello_06.mp4]
                                [--sessions 4] [--bundle models/bundle]

The clip's frames are sent as the page sends them (scaled to serve.frame_width, JPEG at
serve.jpeg_quality) through `LiveSession.step` (its own Holistic, params.yaml extract, and the live
core): CPU seconds per frame (process time, so other load on the machine does not inflate it) and
the resident memory each further session adds. Sessions that fit one core at the page's rate:
1 / (client_fps x CPU per frame). Then `predict_video` (what a /predict upload runs: a fresh
Holistic over every frame, the whole-clip window and the sentence) on --predict-clip, three times:
CPU and wall seconds per clip. Nothing is asserted: it is a benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bench.common import PROJECT_ROOT, SHARED_DATA, STARTER_VIDEOS, machine

DEFAULT_CLIP = "hello/hello_03.mp4"  # 149 frames of one signer at 854x480
PREDICT_CLIP = "hello/hello_06.mp4"  # 30 frames at 1280x720: the clip bench/serve_load.py posts
PREDICT_RUNS = 3
WARM_FRAMES = 10


def page_jpegs(clip: Path, width: int, quality: float) -> list[bytes]:
    import cv2

    capture = cv2.VideoCapture(str(clip))
    jpegs = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        height = round(frame.shape[0] * width / frame.shape[1])
        frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
        jpegs.append(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality * 100)])[1].tobytes())
    capture.release()
    return jpegs


def measure(bundle_dir: Path, params: Path, clip: Path, sessions: int, predict_clip: Path) -> dict:
    import time

    import psutil

    from realtime.server.config import load_server_settings
    from realtime.server.predict import ClipRules, predict_video
    from realtime.server.sessions import LiveSession
    from signlang.serving.bundle import Bundle

    settings = load_server_settings(params)
    bundle = Bundle.load(bundle_dir)
    rules = ClipRules.from_settings(settings, bundle)
    holistic = rules.holistic
    jpegs = page_jpegs(clip, settings.serve.frame_width, settings.serve.jpeg_quality)
    process = psutil.Process()

    def cpu_seconds() -> float:
        times = process.cpu_times()
        return times.user + times.system

    opened, added = [], []
    for _ in range(sessions):
        before = process.memory_info().rss
        opened.append(LiveSession(bundle, holistic, settings.sentence, settings.serve.max_words))
        opened[-1].step(jpegs[0])  # the graph's first frame allocates its buffers
        added.append((process.memory_info().rss - before) / 2**20)
    session = opened[0]
    for jpeg in jpegs[1:WARM_FRAMES]:
        session.step(jpeg)
    started = cpu_seconds()
    for jpeg in jpegs[WARM_FRAMES:]:
        session.step(jpeg)
    per_frame = (cpu_seconds() - started) / (len(jpegs) - WARM_FRAMES)
    for each in opened:
        each.close()
    per_core = 1.0 / (settings.serve.client_fps * per_frame)
    predict = []
    for _ in range(PREDICT_RUNS):
        started, wall = cpu_seconds(), time.perf_counter()
        predict_video(bundle, predict_clip, rules)
        predict.append({"cpu_s": cpu_seconds() - started, "wall_s": time.perf_counter() - wall})
    return {"clip": str(clip), "frames_timed": len(jpegs) - WARM_FRAMES, "frame_width": settings.serve.frame_width,
            "cpu_ms_per_frame": per_frame * 1000.0, "client_fps": settings.serve.client_fps,
            "cores_per_session": settings.serve.client_fps * per_frame, "sessions_per_core": per_core,
            "rss_mib_added_per_session": added, "holistic": repr(holistic), "predict_clip": str(predict_clip),
            "predict_runs": predict, "machine": machine()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", default=DEFAULT_CLIP, help=f"a clip under {STARTER_VIDEOS} (default {DEFAULT_CLIP})")
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--predict-clip", default=PREDICT_CLIP, help=f"the clip timed through /predict's code "
                                                                    f"(default {PREDICT_CLIP})")
    parser.add_argument("--sessions", type=int, default=4, help="sessions opened, for the memory each adds")
    parser.add_argument("--bundle", type=Path, default=PROJECT_ROOT / "models" / "bundle")
    parser.add_argument("--params", type=Path, default=PROJECT_ROOT / "params.yaml")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    result = measure(args.bundle, args.params, args.data / STARTER_VIDEOS / args.clip, args.sessions,
                     args.data / STARTER_VIDEOS / args.predict_clip)
    print(json.dumps(result, indent=1))
    added = sorted(result["rss_mib_added_per_session"])
    cpu = sorted(run["cpu_s"] for run in result["predict_runs"])
    print(f"serve_costs: a live session: {result['cpu_ms_per_frame']:.1f} ms CPU per frame; at "
          f"{result['client_fps']:g} frames/s {result['cores_per_session']:.2f} cores ({result['sessions_per_core']:.1f} "
          f"per core); each further session adds {added[len(added) // 2]:.0f} MiB. /predict of "
          f"{Path(result['predict_clip']).name}: {cpu[len(cpu) // 2]:.2f} s CPU (median of {len(cpu)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
