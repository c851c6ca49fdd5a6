"""End to end in a real browser: `signlang serve` in a subprocess on a loopback port, Debian's
headless Chromium with a real signing clip as its fake webcam, the page's JPEG frames over
the WebSocket through real Holistic and TFLite, and the predictions shown on the page.

The page is opened as another device would open it: by a host name that is not localhost
(Chromium maps signlang.test to the loopback address), over HTTPS with a self-signed certificate
made here (Chromium trusts its key). Over plain HTTP the same name is no secure context: the
browser blocks the camera and the page says so."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from bench.pictures import write_y4m
from tests.realtime.servers import RunningServer, self_signed_certificate, spki_sha256, start_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CLIP = Path("videos") / "asl-starter" / "hello" / "hello_03.mp4"  # 854x480, 149 frames
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HOST_NAME = "signlang.test"  # not localhost: a secure context only over HTTPS
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1200,800",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    f"--host-resolver-rules=MAP {HOST_NAME} 127.0.0.1",
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("certificate"), names=("localhost", HOST_NAME))


def serve(bundle: Path, project_root: Path, folder: Path, certificate: tuple[Path, Path] | None) -> RunningServer:
    return start_server(bundle, project_root / "params.yaml", folder / "serve.log", certificate)


def page_url(server: RunningServer) -> str:
    return server.url.replace("127.0.0.1", HOST_NAME) + "/"


def open_chromium(camera: Path, profile: Path, trusted: Path | None = None):
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
    if trusted is not None:
        options.add_argument(f"--ignore-certificate-errors-spki-list={spki_sha256(trusted)}")
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def page_state(driver) -> dict:
    return driver.execute_script(
        "return {labels: [...document.querySelectorAll('#top3 li .label')].map(e => e.textContent),"
        " frames: Number(document.getElementById('status').dataset.frames || 0),"
        " status: document.getElementById('status').textContent,"
        " sentence: document.getElementById('sentence').textContent};"
    )


def test_predictions_reach_the_page_over_https(small_bundle: Path, project_root: Path, certificate,
                                               shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    import json

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not download anything
    camera = tmp_path / "camera.y4m"
    assert write_y4m(shared_data / CLIP, camera) > 100
    classes = json.loads((small_bundle / "labels.json").read_text(encoding="utf-8"))["classes"]
    server = serve(small_bundle, project_root, tmp_path, certificate)
    try:
        driver = open_chromium(camera, tmp_path / "chromium-profile", trusted=certificate[0])
        try:
            driver.get(page_url(server))
            assert driver.execute_script("return window.isSecureContext") is True
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
    finally:
        server.stop()
    context = f"page: {state}\nserver log:\n{server.log_text()[-2000:]}"
    assert first is not None, f"no top-3 reached the page within 90 s\n{context}"
    assert len(state["labels"]) == 3 and set(state["labels"]) <= set(classes), context
    assert state["frames"] >= first["frames"] + 10, f"the frame counter stopped growing\n{context}"
    assert state["status"].startswith("connected"), context
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE) and screenshot.stat().st_size > 10_000
    assert " WS /ws 101 " in server.log_text()


def test_the_page_says_the_camera_is_blocked_over_plain_http_from_another_device(
        small_bundle: Path, project_root: Path, shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SE_OFFLINE", "true")
    camera = tmp_path / "camera.y4m"
    write_y4m(shared_data / CLIP, camera)
    server = serve(small_bundle, project_root, tmp_path, None)
    try:
        driver = open_chromium(camera, tmp_path / "chromium-profile")
        try:
            driver.get(page_url(server))
            deadline, shown = time.monotonic() + 30, {}
            while time.monotonic() < deadline:
                shown = driver.execute_script(
                    "const note = document.getElementById('insecure');"
                    "return {secure: window.isSecureContext, hidden: note.hidden, note: note.textContent,"
                    " status: document.getElementById('status').textContent};")
                if not shown["hidden"]:
                    break
                time.sleep(0.3)
        finally:
            driver.quit()
    finally:
        server.stop()
    assert shown["secure"] is False and shown["hidden"] is False, shown
    assert shown["note"].startswith("The camera is blocked: this page was opened over plain HTTP"), shown
    assert "--ssl-certfile" in shown["note"] and f"https://{HOST_NAME}:" in shown["note"], shown
    assert shown["status"].startswith("camera blocked: not a secure context"), shown
