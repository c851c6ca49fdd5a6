"""The README's pictures, made from the current build: `signlang live` on a real clip (its last
frame, drawn as the window draws it) and the web page of `signlang serve` in headless Chromium
with the same clip as its camera, once the page has built a sentence.

    python -m bench.pictures [--model models/bundle] [--clip ../shared/data/videos/...] [--out docs]

Needs Debian's chromium and chromium-driver (setup.sh installs them as root) for the page.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CLIP = PROJECT_ROOT.parent / "shared" / "data" / "videos" / "asl-starter" / "hello" / "hello_03.mp4"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# Chromium started without background connections (this network is closed), a fake camera reading
# a .y4m file, and the permission prompt answered.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1200,800",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
)
CAMERA_SIZE = (640, 360)
CAMERA_FPS = 30
EMPTY_SENTENCE = "\u2014"  # what the page shows before the first word
PAGE_WAIT_S = 120  # for the first word of the sentence on a busy 2-core machine


def write_y4m(video: Path, out: Path, size: tuple[int, int] = CAMERA_SIZE) -> int:
    """Re-encode a clip as raw YUV4MPEG2 (4:2:0) for Chromium's fake camera; returns frames."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    count = 0
    with open(out, "wb") as handle:
        handle.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F{CAMERA_FPS}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            handle.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
            count += 1
    capture.release()
    return count


def run_live(model: str, clip: Path, *options: str) -> None:
    subprocess.run([sys.executable, "-m", "signlang.cli", "live", "--model", model, "--source", str(clip),
                    "--no-window", *options], check=True, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)


def live_window(model: str, clip: Path, out: Path) -> Path:
    """`signlang live --no-window --screenshot` stopped at the frame of its most confident window:
    the clip is run once for its windows (--out-json), then again cut after that frame (the live
    core reads frames in order, so the picture is the frame the first run drew there)."""
    import json

    import cv2

    with tempfile.TemporaryDirectory(prefix="signlang-pictures-") as scratch:
        lines = Path(scratch) / "windows.jsonl"
        run_live(model, clip, "--out-json", str(lines))
        windows = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
        best = max((w for w in windows if w.get("top3")), key=lambda w: w["top3"][0]["p"])
        capture = cv2.VideoCapture(str(clip))
        fps = capture.get(cv2.CAP_PROP_FPS) or CAMERA_FPS
        cut, writer = Path(scratch) / "cut.mp4", None
        for _ in range(best["frame"] + 1):
            ok, frame = capture.read()
            if not ok:
                break
            if writer is None:
                writer = cv2.VideoWriter(str(cut), cv2.VideoWriter_fourcc(*"mp4v"), fps, frame.shape[1::-1])
            writer.write(frame)
        capture.release()
        writer.release()
        run_live(model, cut, "--screenshot", str(out))
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def web_page(model: str, clip: Path, out: Path) -> Path:
    """The page over the clip as a camera, captured once its sentence has a word."""
    import os

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not download anything
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        raise SystemExit("pictures: Chromium not installed (apt-get install chromium chromium-driver)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="signlang-pictures-") as scratch:
        camera = Path(scratch) / "camera.y4m"
        write_y4m(clip, camera)
        server = subprocess.Popen([sys.executable, "-m", "signlang.cli", "serve", "--model", model, "--port", str(port)],
                                  cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            options = webdriver.ChromeOptions()
            options.binary_location = CHROMIUM
            for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={scratch}/profile",
                         f"--use-file-for-fake-video-capture={camera}"):
                options.add_argument(flag)
            driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
            try:
                deadline = time.monotonic() + PAGE_WAIT_S
                while time.monotonic() < deadline:
                    try:
                        driver.get(f"http://127.0.0.1:{port}/")
                        break
                    except Exception:  # noqa: BLE001 - the server is still starting
                        time.sleep(1)
                while time.monotonic() < deadline:
                    sentence = driver.execute_script("return document.getElementById('sentence').textContent.trim()")
                    if sentence not in ("", EMPTY_SENTENCE):
                        break
                    time.sleep(0.5)
                driver.save_screenshot(str(out))
            finally:
                driver.quit()
        finally:
            server.terminate()
            server.wait(timeout=60)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pictures", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/bundle", help="the bundle drawn (default models/bundle)")
    parser.add_argument("--clip", type=Path, default=CLIP, help="a real signing clip")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs", help="folder of the PNG files")
    args = parser.parse_args(argv)
    print(f"pictures: {live_window(args.model, args.clip, args.out / 'live_window.png')}")
    print(f"pictures: {web_page(args.model, args.clip, args.out / 'web_page.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
