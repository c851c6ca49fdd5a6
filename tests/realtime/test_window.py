"""The live and capture window (realtime/window.py) is refused, with the option to use, where
there is no display; the window itself is shown under Xvfb in test_runner.py."""

from __future__ import annotations

import pytest

from realtime.window import check_display
from signlang.errors import SignlangError


def test_no_display_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(SignlangError, match=r"^capture: no display found \(DISPLAY is not set\); use --no-window$"):
        check_display("capture", "--no-window")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    check_display("capture", "--no-window")
