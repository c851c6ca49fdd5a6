"""`signlang live` on real clips with a small real bundle: headless outputs, cadence, the
H.264 video, Ctrl-C, no TensorFlow, and the window under Xvfb. Its command line: test_cli.py.
The model it runs is resolved in tests/signlang/serving/test_resolve.py."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from realtime.runner import LiveOptions, run_live
from realtime.settings import LiveParams, SentenceParams
from tests.processes import interruptible_child
from tests.realtime.helpers import SCRIPT_CLASSES, SIGNLANG, count_frames, read_lines, run_cli

FIELDS = {"t", "frame", "top3", "sentence", "hand_visible", "new_word"}


def video_frames_and_size(path: Path) -> tuple[int, tuple[int, int]]:
    import cv2

    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), path
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    capture.release()
    return count_frames(path), size


def source_fps(path: Path) -> float:
    import cv2

    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    capture.release()
    return fps


def h264_frames(path: Path) -> tuple[int, tuple[int, int]]:
    """(frames decoded, size) of an H.264 video in an MP4 whose index comes first, the form a
    browser plays while loading; fails on any other codec or layout."""
    import av

    data = path.read_bytes()
    assert data[4:8] == b"ftyp" and 0 <= data.find(b"moov") < data.find(b"mdat"), "moov atom not before mdat"
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (container.format.name.split(",")[0], stream.codec_context.name) == ("mov", "h264")
        assert stream.codec_context.pix_fmt == "yuv420p"
        decoded = [frame.to_ndarray(format="bgr24") for frame in container.decode(stream)]
    assert decoded and all(frame.shape == decoded[0].shape for frame in decoded)
    return len(decoded), (decoded[0].shape[1], decoded[0].shape[0])


@pytest.mark.slow
@pytest.mark.parametrize(("clip", "stride"), [("yes/yes_04.mp4", 2), ("mother/mother_02.mp4", 3)])
def test_headless_run_writes_one_line_per_classified_window_and_every_frame(
        small_bundle: Path, starter_clips: Path, tmp_path: Path, clip: str, stride: int) -> None:
    from signlang.serving.bundle import Bundle

    path = starter_clips / clip
    bundle = Bundle.load(small_bundle)
    options = LiveOptions(source=str(path), window=False, out_video=tmp_path / "out.mp4", out_json=tmp_path / "out.jsonl")
    summary = run_live(bundle, options, LiveParams(), sentence=SentenceParams(stride=stride))

    n, length = count_frames(path), bundle.spec.sequence_length
    expected_frames = list(range(length - 1, n, stride))
    lines = read_lines(tmp_path / "out.jsonl")
    assert summary.frames == n and summary.windows == len(lines) == len(expected_frames) > 0
    assert [line["frame"] for line in lines] == expected_frames
    fps = source_fps(path)
    for line in lines:
        assert set(line) == FIELDS
        assert line["t"] == pytest.approx(line["frame"] / fps, abs=1e-3)
        assert isinstance(line["hand_visible"], bool) and isinstance(line["sentence"], list)
        if not line["hand_visible"]:  # no sign: nothing classified, nothing added
            assert line["top3"] == [] and line["new_word"] is None
            continue
        assert len(line["top3"]) == 3 and {"label", "p"} == set(line["top3"][0])
        probabilities = [entry["p"] for entry in line["top3"]]
        assert probabilities == sorted(probabilities, reverse=True) and 0 <= probabilities[-1] <= probabilities[0] <= 1
        assert {entry["label"] for entry in line["top3"]} <= set(bundle.classes)
    times = [line["t"] for line in lines]
    assert all(a < b for a, b in zip(times, times[1:]))
    assert lines[-1]["sentence"] == summary.sentence

    frames, size = video_frames_and_size(tmp_path / "out.mp4")
    assert frames == n
    assert max(size) <= 640  # frames are scaled to extract.max_frame_side before Holistic and drawing
    assert h264_frames(tmp_path / "out.mp4") == (n, size)
    if clip.startswith("mother"):
        # Hands are seen only briefly in this clip: the no-sign state shows in the lines.
        assert {line["hand_visible"] for line in lines} == {True, False}


@pytest.mark.slow
def test_ctrl_c_leaves_complete_outputs(small_bundle: Path, starter_clips: Path, tmp_path: Path) -> None:
    out_json, out_video = tmp_path / "w.jsonl", tmp_path / "w.mp4"
    process = subprocess.Popen(
        [SIGNLANG, "live", "--bundle", str(small_bundle), "--source", str(starter_clips / "thank_you" / "thank_you_02.mp4"),
         "--no-window", "--out-json", str(out_json), "--out-video", str(out_video)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible_child)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        if out_json.is_file() and len(out_json.read_text(encoding="utf-8").splitlines()) >= 2:
            break
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    lines = read_lines(out_json)  # every line complete
    assert len(lines) >= 2
    frames, _ = video_frames_and_size(out_video)  # the mp4 was finalised
    assert frames >= lines[-1]["frame"] + 1


# What the operator's install (pyproject's base dependencies) leaves out: `signlang live` must
# never import them.
PIPELINE_MODULES = ("tensorflow", "keras", "mlflow", "sklearn", "dvc")


@pytest.mark.slow
def test_a_live_run_imports_no_pipeline_package(small_bundle: Path, starter_clips: Path, tmp_path: Path) -> None:
    """A whole `signlang live` run, in this process: the bundle runs on LiteRT, and TensorFlow,
    Keras, MLflow, scikit-learn and DVC are never imported (the operator's install has none)."""
    code = ("import sys\nfrom signlang.cli import main\n"
            f"code = main(['live', '--model', {str(small_bundle)!r}, '--source', "
            f"{str(starter_clips / 'yes' / 'yes_04.mp4')!r}, '--no-window', '--max-frames', '40'])\n"
            f"print(code, [name for name in {PIPELINE_MODULES!r} if name in sys.modules])")
    completed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "stopped after --max-frames 40" in completed.stdout
    assert completed.stdout.strip().splitlines()[-1] == "0 []"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb not installed (.ci/run installs it)")
def test_the_window_under_xvfb(small_bundle: Path, starter_clips: Path, tmp_path: Path) -> None:
    import cv2

    display = f":{90 + os.getpid() % 100}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        assert server.poll() is None, "Xvfb did not start"
        shot = tmp_path / "window.png"
        completed = run_cli("live", "--bundle", str(small_bundle), "--source", str(starter_clips / "yes" / "yes_04.mp4"),
                            "--max-frames", "45", "--screenshot", str(shot), cwd=tmp_path,
                            env={**os.environ, "DISPLAY": display})
    finally:
        server.terminate()
        server.wait(10)
    assert completed.returncode == 0, completed.stderr
    assert "stopped after --max-frames 45" in completed.stdout
    image = cv2.imread(str(shot))
    assert image.shape == (480, 640, 3)
    # The overlay is on it: the sentence strip along the bottom is darkened.
    assert image[-10:].mean() < image[200:300].mean()


@pytest.mark.slow
def test_labels_in_any_script_reach_the_json_lines_and_the_frame(script_bundle: Path, starter_clips: Path,
                                                                 tmp_path: Path) -> None:
    from signlang.serving.bundle import Bundle

    bundle = Bundle.load(script_bundle)
    assert list(bundle.classes) == SCRIPT_CLASSES
    options = LiveOptions(source=str(starter_clips / "yes" / "yes_04.mp4"), window=False,
                          out_json=tmp_path / "out.jsonl", screenshot=tmp_path / "last.png")
    run_live(bundle, options, LiveParams(), sentence=SentenceParams(stride=1, threshold=0.0, agreeing_windows=1))
    text = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    shown = {entry["label"] for line in lines for entry in line["top3"]}
    assert len(shown) >= 3 and shown <= set(SCRIPT_CLASSES)  # exact names: NFC, spaces, `¿`, `:` kept
    assert any(label in text for label in shown - {"My Name is: "})  # written as UTF-8, not \\u escapes
    assert set(lines[-1]["sentence"]) <= set(SCRIPT_CLASSES) and lines[-1]["sentence"]
    assert (tmp_path / "last.png").is_file()
