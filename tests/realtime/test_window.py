"""The live and capture window (realtime/window.py) is refused, with the option to use, where
there is no display, also from `signlang live`; the window itself is shown under Xvfb in
test_runner.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from realtime.window import check_display
from signlang.errors import SignlangError
from tests.realtime.helpers import run_cli


def test_no_display_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(SignlangError, match=r"^capture: no display found \(DISPLAY is not set\); use --no-window$"):
        check_display("capture", "--no-window")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    check_display("capture", "--no-window")


def test_a_window_without_a_display_is_a_clear_error(tmp_path: Path, starter_clips: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    completed = run_cli("live", "--source", str(starter_clips / "yes" / "yes_04.mp4"), "--bundle", "b", cwd=tmp_path, env=env)
    assert completed.returncode == 1
    assert "no display found" in completed.stderr and "--no-window" in completed.stderr
