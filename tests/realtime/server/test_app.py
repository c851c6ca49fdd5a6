"""The FastAPI app over the session's small real bundle (tests/conftest.py), in process: /health,
the page, /predict on real keypoints and a real clip, every refused payload as a JSON 4xx with the
server still serving, and labels in any script. The WebSocket: test_stream.py; the schema:
test_api.py; the access log: test_middleware.py; the same app under real uvicorn, over HTTPS and
under load: test_run.py."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from realtime.settings import SentenceParams
from signlang.data.layout import NO_FACE_SIZE
from tests.realtime.helpers import SCRIPT_CLASSES, server_settings
from tests.realtime.server.helpers import CLIP, LIMITS, assert_top3, real_sequence, test_client

# Short windows, so that a few WebSocket frames are classified.


@pytest.mark.slow
def test_health_page_and_config(client) -> None:
    body = client.get("/health").json()
    assert body == {"status": "ok", "classes": list(client.bundle.classes), "model": "test-bundle",
                    "sequence_length": client.bundle.spec.sequence_length, "live_sessions": 0,
                    "max_sessions": server_settings().serve.max_sessions, "predict_running": 0, "predict_waiting": 0}
    page = client.get("/")
    assert page.status_code == 200 and 'id="top3"' in page.text and 'id="insecure"' in page.text
    script = client.get("/static/app.js").text
    assert "window.isSecureContext" in script and "1013" in script
    assert client.get("/config").json()["client_fps"] == server_settings().serve.client_fps


@pytest.mark.slow
def test_predict_keypoints_and_a_real_clip(client, shared_data: Path) -> None:
    response = client.post("/predict", json={"frames": real_sequence(shared_data).tolist()})
    assert response.status_code == 200, response.text
    assert_top3(response.json(), client.bundle.classes)
    with open(shared_data / CLIP, "rb") as handle:
        response = client.post("/predict", files={"file": (CLIP.name, handle, "video/mp4")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert_top3(body, client.bundle.classes)
    assert body["label"] == body["top3"][0]["label"] and body["frames"] == 30 and body["hand_visible"] is True
    assert set(body) == {"top3", "label", "hand_visible", "sentence", "words", "frames"}


def test_predict_returns_the_word_sequence_of_several_real_signs_with_times(shared_data: Path, small_bundle: Path) -> None:
    """Three real signs by one person with hands out of view between them, through the session's
    bundle; threshold 0 so each sign gives its word whatever the small model's confidence (the
    decoding is tested here, not the classifier): the words are what the bundle reads each sign as."""
    from signlang.data.layout import HAND_PARTS
    from signlang.features.keypoints import layout_of

    with np.load(shared_data / "keypoints" / "multisigner-258" / "hirak214.npz") as data:
        windows, labels = data["X"].astype(np.float32), data["label"].astype(str)
    signs = [windows[labels == label][take] for label, take in (("hello", 0), ("thanks", 0), ("hello", 1))]
    rest = signs[0][-15:].copy()
    for hand in HAND_PARTS:
        rest[:, layout_of(rest)[hand]] = 0.0
    frames = np.concatenate([signs[0], rest, signs[1], rest, signs[2]])
    with test_client(small_bundle, SentenceParams(threshold=0.0), max_frames=2000, max_upload_mb=50) as served:
        expected = [served.bundle.label(served.bundle.predict_window(sign)) for sign in signs]
        body = served.post("/predict", json={"frames": frames.tolist(), "fps": 15}).json()
        refused = served.post("/predict", json={"frames": frames.tolist(), "fps": 0})
    assert body["sentence"] == expected == [word["label"] for word in body["words"]]
    for word, start in zip(body["words"], [0, 45, 90], strict=True):  # each sign's first frame
        assert start / 15 <= word["start_s"] < word["end_s"] <= (start + 30) / 15 + 2 / 15
        assert 0.0 < word["p"] <= 1.0
    assert refused.status_code == 422 and "fps" in refused.json()["error"]


def _chunks(total: int):
    for _ in range(total // 65536 + 1):
        yield b"0" * 65536


@pytest.mark.slow
def test_bad_payloads_get_a_json_4xx_and_the_server_keeps_serving(client, shared_data: Path) -> None:
    good = {"frames": real_sequence(shared_data).tolist()}
    json_headers = {"content-type": "application/json"}
    over = int(LIMITS["max_upload_mb"] * 1024 * 1024) + 1
    damaged = (shared_data / "videos" / "asl-starter" / "help" / "help_01.mp4").read_bytes()
    bad_requests = {
        "malformed json": (dict(content=b'{"frames": [[0.1, ', headers=json_headers), 400),
        "json not an object": (dict(content=b"[1, 2]", headers=json_headers), 422),
        "wrong width": (dict(json={"frames": [[0.5] * 100] * 5}), 422),
        "nan": (dict(content=json.dumps({"frames": [[math.nan] * NO_FACE_SIZE] * 3}).encode(), headers=json_headers), 422),
        "empty frames": (dict(json={"frames": []}), 422),
        "frames over the limit": (dict(json={"frames": [[0.0] * NO_FACE_SIZE] * (LIMITS["max_frames"] + 1)}), 413),
        "not a video": (dict(files={"file": ("notes.mp4", b"this is not a video at all" * 100, "video/mp4")}), 422),
        "damaged clip": (dict(files={"file": ("help_01.mp4", damaged[: int(len(damaged) * 0.4)], "video/mp4")}), 422),
        "empty upload": (dict(files={"file": ("empty.mp4", b"", "video/mp4")}), 422),
        "no file field": (dict(files={"other": ("a.mp4", b"x", "video/mp4")}), 422),
        "upload over the limit": (dict(files={"file": ("big.mp4", b"0" * over, "video/mp4")}), 413),
        "chunked body over the limit": (dict(content=_chunks(over), headers=json_headers), 413),
        "unknown content type": (dict(content=b"hello", headers={"content-type": "text/plain"}), 415),
    }
    for name, (request, status) in bad_requests.items():
        response = client.post("/predict", **request)
        assert response.status_code == status, (name, response.status_code, response.text)
        assert response.headers["content-type"] == "application/json", name
        assert isinstance(response.json()["error"], str) and response.json()["error"], name
        assert "Traceback" not in response.text, name
        assert client.post("/predict", json=good).status_code == 200, name


@pytest.mark.slow
def test_labels_in_any_script_come_back_exactly(script_bundle: Path, shared_data: Path) -> None:
    with test_client(script_bundle) as served:
        assert served.get("/health").json()["classes"] == SCRIPT_CLASSES
        response = served.post("/predict", json={"frames": real_sequence(shared_data).tolist()})
        assert response.status_code == 200, response.text
        body = response.json()
        assert_top3(body, SCRIPT_CLASSES)
        assert body["label"] == body["top3"][0]["label"] and set(body["sentence"]) <= set(SCRIPT_CLASSES)
        assert 'name.dir = "auto"' in served.get("/static/app.js").text  # right-to-left labels laid out so
