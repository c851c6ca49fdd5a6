"""Helpers for the server tests: the app in process (a TestClient over a real bundle), real frames
and what every answer holds. Not a test module."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from realtime.settings import SentenceParams
from tests.realtime.helpers import server_settings

CLIP = Path("videos") / "asl-starter" / "hello" / "hello_06.mp4"  # 30 frames, 1280x720
SIGNER = Path("keypoints") / "multisigner-258" / "F1zzy.npz"
# Short windows, so that a few WebSocket frames are classified.
SENTENCE = SentenceParams(window_frames=4, stride=1)
LIMITS = {"max_upload_mb": 1, "max_frames": 120, "max_message_mb": 0.5}


def test_client(bundle_dir: Path, sentence: SentenceParams = SENTENCE, **serve):
    from fastapi.testclient import TestClient

    from realtime.server.app import create_app
    from signlang.serving.bundle import Bundle

    bundle = Bundle.load(bundle_dir)
    client = TestClient(create_app(bundle, server_settings(sentence, **{**LIMITS, **serve}), model="test-bundle"))
    client.bundle = bundle
    return client


test_client.__test__ = False  # a helper, not a test


def real_sequence(shared_data: Path, index: int = 0) -> np.ndarray:
    with np.load(shared_data / SIGNER) as data:
        return data["X"][index].astype(np.float32)


def assert_top3(body: dict, classes) -> None:
    top3 = body["top3"]
    assert len(top3) == 3 and len({item["label"] for item in top3}) == 3
    assert all(item["label"] in classes and 0.0 <= item["p"] <= 1.0 for item in top3)
    assert [item["p"] for item in top3] == sorted((item["p"] for item in top3), reverse=True)


REPLY_KEYS = {"top3", "classified", "new_word", "sentence", "hand_visible", "frames", "fps"}  # every live reply


def real_jpegs(path: Path, count: int) -> list[bytes]:
    import cv2

    capture = cv2.VideoCapture(str(path))
    frames = []
    while len(frames) < count:
        ok, frame = capture.read()
        assert ok, f"{path} has fewer than {count} frames"
        frame = cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA)
        frames.append(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())
    capture.release()
    return frames
