"""`signlang capture` from a real video file: samples saved under the next free numbers,
a sample with no hand skipped, the cut-short last sample dropped, and ingest reading the
captured folder back with its signer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from realtime.capture import SIGNER_PATTERN, CaptureOptions, clean_name, next_sample_number, run_capture
from signlang.errors import ParamsError
from signlang.params import CaptureParams
from tests.realtime.conftest import count_frames

FPS = 30.0
BLACK_FRAMES = 20
LABEL = "cảm ơn"


def write_video(path: Path, frames: list[np.ndarray], fps: float = FPS) -> None:
    import cv2

    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()


@pytest.fixture(scope="module")
def dark_then_signing(tmp_path_factory, shared_data: Path) -> Path:
    """A real file: 20 black frames (nobody there), then a real 640x480 clip of `yes`
    (a hand in every frame), 84 frames at 30 FPS."""
    import cv2

    capture = cv2.VideoCapture(str(shared_data / "videos" / "asl-starter" / "yes" / "yes_04.mp4"))
    signing = []
    while (read := capture.read())[0]:
        signing.append(read[1])
    capture.release()
    path = tmp_path_factory.mktemp("capture-source") / "dark_then_signing.mp4"
    write_video(path, [np.zeros_like(signing[0])] * BLACK_FRAMES + signing)
    return path


@pytest.mark.slow
def test_capture_saves_samples_skips_the_one_without_hands_and_stops_at_the_end(
        dark_then_signing: Path, tmp_path: Path, capsys) -> None:
    raw = tmp_path / "raw"
    (raw / LABEL).mkdir(parents=True)
    existing = raw / LABEL / "anna_4.mp4"
    write_video(existing, [np.full((48, 64, 3), 90, np.uint8)] * 5)
    before = existing.read_bytes()
    # 3-frame countdown, 15-frame samples, 3-frame pauses: samples start at frames 3, 21,
    # 39, 57 and 75; the first is all black, the last is cut short by the end of the file.
    params = CaptureParams(countdown_seconds=0.1, sample_seconds=0.5, pause_seconds=0.1)
    summary = run_capture(CaptureOptions(label=LABEL, count=10, signer="anna", source=str(dark_then_signing),
                                         raw_dir=raw, window=False), params)

    out = capsys.readouterr().out
    assert "sample 1: no hand seen, skipped" in out
    assert "sample 5: cut short after 9 of 15 frames, not saved" in out
    assert f"saved 3 of 10 sample(s) to {raw / LABEL}" in out
    assert summary.skipped == [1]
    assert [path.name for path in summary.saved] == ["anna_5.mp4", "anna_6.mp4", "anna_7.mp4"]
    assert sorted(p.name for p in (raw / LABEL).iterdir()) == ["anna_4.mp4", "anna_5.mp4", "anna_6.mp4", "anna_7.mp4"]
    assert existing.read_bytes() == before  # never overwritten
    for path in summary.saved:
        assert count_frames(path) == 15

    from signlang.ingest import scan_sources
    from signlang.params import IngestParams, SourceParams

    table = scan_sources(IngestParams(sources=[SourceParams(path=str(raw), signer_pattern=SIGNER_PATTERN)]))
    assert list(table["label"]) == [LABEL] * 4
    assert list(table["signer"]) == ["anna"] * 4
    assert list(table["frames"]) == [5, 15, 15, 15]


@pytest.mark.slow
def test_capture_cli_stops_after_count(dark_then_signing: Path, tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text(
        (Path(__file__).resolve().parents[2] / "params.yaml").read_text(encoding="utf-8")
        .replace("countdown_seconds: 3", "countdown_seconds: 0.8").replace("sample_seconds: 2", "sample_seconds: 0.5"),
        encoding="utf-8")
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "signlang"), "capture", "--label", "yes", "--count", "1", "--signer", "bo",
         "--source", str(dark_then_signing), "--raw-dir", "raw", "--no-window"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "saved 1 of 1 sample(s)" in completed.stdout and "all samples recorded" in completed.stdout
    assert [p.name for p in (tmp_path / "raw" / "yes").iterdir()] == ["bo_1.mp4"]


def test_sample_numbers_continue_after_existing_files(tmp_path: Path) -> None:
    for name in ("anna_2.mp4", "anna_10.avi", "anna_x.mp4", "bob_30.mp4", "anna_3.mp4.part"):
        (tmp_path / name).write_bytes(b"")
    assert next_sample_number(tmp_path, "anna") == 11
    assert next_sample_number(tmp_path, "carl") == 1
    assert next_sample_number(tmp_path / "missing", "anna") == 1


def test_names_keep_their_script_and_refuse_paths() -> None:
    assert clean_name("  cảm ơn ", "label") == "cảm ơn"
    for bad in ("", "  ", "a/b", ".hidden", ".."):
        with pytest.raises(ParamsError, match="--label"):
            clean_name(bad, "label")


def test_capture_from_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "signlang"), "capture", "--label", "yes", "--count", "1", "--signer", "bo",
         "--source", "missing.mp4", "--no-window"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1
    assert completed.stderr.strip() == "error: missing.mp4: video file not found"
