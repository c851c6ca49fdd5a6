"""Frame sources (realtime/sources.py) that cannot be opened: a missing video file or a camera that
cannot be opened is one error line naming it, from `signlang live` and `signlang capture`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.realtime.helpers import run_cli


def test_a_missing_source_file_is_a_clear_error(tmp_path: Path) -> None:
    completed = run_cli("live", "--no-window", "--source", "no_such_clip.mp4", "--bundle", "no_bundle", cwd=tmp_path)
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines()[-1] == "error: no_such_clip.mp4: video file not found"
    assert "Traceback" not in completed.stderr


def test_a_camera_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    completed = run_cli("live", "--no-window", "--source", "9", "--bundle", "no_bundle", cwd=tmp_path)
    assert completed.returncode == 1
    assert completed.stderr.strip() == "error: camera 9: cannot be opened (no such camera, or it is in use)"


def test_capture_from_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "signlang"), "capture", "--label", "yes", "--count", "1", "--signer", "bo",
         "--source", "missing.mp4", "--no-window"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1
    assert completed.stderr.strip() == "error: missing.mp4: video file not found"
