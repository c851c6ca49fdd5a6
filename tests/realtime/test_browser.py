"""End to end in a real browser: `signlang serve` in a subprocess on a loopback port, Debian's
headless Chromium with a real signing clip as its fake webcam, the page's JPEG frames over
the WebSocket through real Holistic and TFLite, and the predictions shown on the page."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CLIP = Path("videos") / "asl-starter" / "hello" / "hello_03.mp4"  # 854x480, 149 frames
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1200,800",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
)


def write_y4m(video: Path, out: Path, size: tuple[int, int] = (640, 360)) -> int:
    """Re-encode a clip as raw YUV4MPEG2 (4:2:0) for Chromium's fake camera; returns frames."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    count = 0
    with open(out, "wb") as handle:
        handle.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F30:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            handle.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
            count += 1
    capture.release()
    return count


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"signlang serve exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"signlang serve did not answer /health within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def served(small_bundle: Path, tmp_path: Path, project_root: Path):
    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "signlang.cli", "serve", "--bundle", str(small_bundle), "--host", "127.0.0.1",
               "--port", str(port), "--params", str(project_root / "params.yaml")]
    with open(log, "w") as handle:
        server = subprocess.Popen(command, cwd=project_root, stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server, log)
        yield {"url": url, "bundle": small_bundle, "log": log}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def open_chromium(camera: Path, profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("Chromium not installed: apt-get install chromium chromium-driver (.ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--use-file-for-fake-video-capture={camera}")
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def page_state(driver) -> dict:
    return driver.execute_script(
        "return {labels: [...document.querySelectorAll('#top3 li .label')].map(e => e.textContent),"
        " frames: Number(document.getElementById('status').dataset.frames || 0),"
        " status: document.getElementById('status').textContent,"
        " sentence: document.getElementById('sentence').textContent};"
    )


def test_predictions_reach_the_page(served, shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    import json

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not download anything
    camera = tmp_path / "camera.y4m"
    assert write_y4m(shared_data / CLIP, camera) > 100
    classes = json.loads((served["bundle"] / "labels.json").read_text(encoding="utf-8"))["classes"]
    driver = open_chromium(camera, tmp_path / "chromium-profile")
    try:
        driver.get(served["url"] + "/")
        deadline, first, state = time.monotonic() + 90, None, {}
        while time.monotonic() < deadline:
            state = page_state(driver)
            if state["labels"] and first is None:
                first = state
            if first and state["frames"] >= first["frames"] + 10:
                break
            time.sleep(0.5)
        screenshot = tmp_path / "web_page.png"
        driver.save_screenshot(str(screenshot))
    finally:
        driver.quit()
    context = f"page: {state}\nserver log:\n{served['log'].read_text()[-2000:]}"
    assert first is not None, f"no top-3 reached the page within 90 s\n{context}"
    assert len(state["labels"]) == 3 and set(state["labels"]) <= set(classes), context
    assert state["frames"] >= first["frames"] + 10, f"the frame counter stopped growing\n{context}"
    assert state["status"].startswith("connected"), context
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE) and screenshot.stat().st_size > 10_000
