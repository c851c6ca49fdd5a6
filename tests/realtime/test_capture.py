"""`signlang capture` from a real video file: no countdown (recording starts at the file's
first frame; a camera keeps it), samples saved under the next free numbers, a sample with no
hand skipped, the cut-short last sample dropped, and ingest reading the captured folder back
with its signer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from realtime.capture import SIGNER_PATTERN, CaptureOptions, clean_name, next_sample_number, run_capture
from realtime.settings import CaptureParams
from signlang.errors import ParamsError
from tests.realtime.helpers import count_frames, write_video

LABEL = "cảm ơn"


@pytest.mark.slow
def test_capture_saves_samples_skips_the_one_without_hands_and_stops_at_the_end(
        dark_then_signing: Path, tmp_path: Path, capsys) -> None:
    raw = tmp_path / "raw"
    (raw / LABEL).mkdir(parents=True)
    existing = raw / LABEL / "anna_4.mp4"
    write_video(existing, [np.full((48, 64, 3), 90, np.uint8)] * 5)
    before = existing.read_bytes()
    # A file has no countdown (the 3 frames asked for are not waited), 15-frame samples,
    # 3-frame pauses: samples start at frames 0, 18, 36, 54 and 72 of 84; the first is all
    # black, the last is cut short by the end of the file.
    params = CaptureParams(countdown_seconds=0.1, sample_seconds=0.5, pause_seconds=0.1)
    summary = run_capture(CaptureOptions(label=LABEL, count=10, signer="anna", source=str(dark_then_signing),
                                         raw_dir=raw, window=False), params)

    out = capsys.readouterr().out
    assert "no countdown, 0.5 s per sample" in out
    assert "sample 1: no hand seen, skipped" in out
    assert "sample 5: cut short after 12 of 15 frames, not saved" in out
    assert f"saved 3 of 10 sample(s) to {raw / LABEL}" in out
    assert summary.skipped == [1]
    assert [path.name for path in summary.saved] == ["anna_5.mp4", "anna_6.mp4", "anna_7.mp4"]
    assert sorted(p.name for p in (raw / LABEL).iterdir()) == ["anna_4.mp4", "anna_5.mp4", "anna_6.mp4", "anna_7.mp4"]
    assert existing.read_bytes() == before  # never overwritten
    for path in summary.saved:
        assert count_frames(path) == 15

    from signlang.data.ingest import scan_sources
    from signlang.data.settings import IngestParams, SourceParams

    table = scan_sources(IngestParams(sources=[SourceParams(path=str(raw), signer_pattern=SIGNER_PATTERN)],
                                      label_aliases={}, min_samples_per_class=1))
    assert list(table["label"]) == [LABEL] * 4
    assert list(table["signer"]) == ["anna"] * 4
    assert list(table["frames"]) == [5, 15, 15, 15]


@pytest.mark.slow
def test_a_short_clip_gives_its_sample_without_a_countdown(shared_data: Path, tmp_path: Path, capsys) -> None:
    """A real 2.1 s clip (64 frames at 29.97 FPS) with the default 3 s countdown and 2 s
    samples: from the file, recording starts at once and the sample is saved."""
    clip = shared_data / "videos" / "asl-starter" / "yes" / "yes_04.mp4"
    params = CaptureParams()
    assert params.countdown_seconds * 29.97 > count_frames(clip) == 64  # a countdown would eat the whole clip
    summary = run_capture(CaptureOptions(label="yes", count=1, signer="vi", source=str(clip), raw_dir=tmp_path,
                                         window=False), params)
    assert [path.name for path in summary.saved] == ["vi_1.mp4"]
    assert count_frames(summary.saved[0]) == 60  # 2 s at 29.97 FPS, from the clip's first frame
    assert summary.end_reason == "all samples recorded"
    assert "no countdown" in capsys.readouterr().out


@pytest.mark.slow
def test_a_camera_keeps_its_countdown(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys) -> None:
    """The same clip read as a camera would be: the 3 s countdown comes first and leaves no
    room for a 2 s sample, so nothing is saved."""
    import dataclasses

    from realtime import capture

    opened = capture.open_source
    monkeypatch.setattr(capture, "open_source", lambda spec: dataclasses.replace(opened(spec), kind="camera"))
    clip = shared_data / "videos" / "asl-starter" / "yes" / "yes_04.mp4"
    summary = run_capture(CaptureOptions(label="yes", count=1, signer="vi", source=str(clip), raw_dir=tmp_path,
                                         window=False), CaptureParams())
    assert summary.saved == [] and summary.skipped == []
    assert "3 s countdown" in capsys.readouterr().out
    assert not (tmp_path / "yes").exists()


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
