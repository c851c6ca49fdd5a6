"""What `signlang live` writes (realtime/writers.py): an output that cannot be written is an
error naming the file; JSON lines keep any script as UTF-8, one complete line at a time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from realtime.writers import JsonLines, VideoOutput, save_screenshot
from signlang.errors import InputFileError


def test_an_out_video_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    frame = np.zeros((48, 64, 3), dtype=np.uint8)
    for path in (tmp_path / "out.unknown-format", tmp_path / "a-file" / "out.mp4"):
        (tmp_path / "a-file").write_text("not a folder")
        video = VideoOutput(path, 30.0)
        with pytest.raises(InputFileError, match="cannot be written as an H.264 video"):
            video.write(frame)
        video.close()


def test_json_lines_are_on_disk_as_written_and_keep_any_script(tmp_path: Path) -> None:
    lines = JsonLines(tmp_path / "deeper" / "out.jsonl")
    lines.write({"sentence": ["cảm ơn", "شكرا"]})
    text = (tmp_path / "deeper" / "out.jsonl").read_text(encoding="utf-8")  # before close: line-buffered
    lines.close()
    assert text == '{"sentence": ["cảm ơn", "شكرا"]}\n' and json.loads(text)["sentence"][1] == "شكرا"


def test_json_lines_that_cannot_be_written_are_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    for path in (tmp_path / "a-file" / "out.jsonl", tmp_path):
        with pytest.raises(InputFileError, match="cannot be written") as error:
            JsonLines(path)
        assert str(path) in str(error.value)


def test_a_screenshot_that_cannot_be_written_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    frame = np.full((48, 64, 3), 200, dtype=np.uint8)
    save_screenshot(tmp_path / "last.png", frame)
    import cv2

    assert cv2.imread(str(tmp_path / "last.png")).shape == (48, 64, 3)
    save_screenshot(tmp_path / "last.unknown-format", frame)
    assert ("last.unknown-format: the screenshot could not be written (no image format has that extension; use "
            ".png or .jpg)") in capsys.readouterr().err
