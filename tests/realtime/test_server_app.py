"""The FastAPI app over the session's small real bundle (tests/conftest.py), in process: /health,
the page, /predict on real keypoints and a real clip, every refused payload as a JSON 4xx with the
server still serving, the WebSocket on real JPEG frames through real Holistic, its cap, its idle
close, the schema in /openapi.json and one access-log line per request. The same app under real
uvicorn, over HTTPS and under load: test_server_run.py."""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path

import numpy as np
import pytest

from realtime.settings import SentenceParams
from signlang.data.layout import NO_FACE_SIZE
from tests.realtime.helpers import SCRIPT_CLASSES, server_settings
from tests.realtime.test_server_sessions import REPLY_KEYS, real_jpegs

CLIP = Path("videos") / "asl-starter" / "hello" / "hello_06.mp4"  # 30 frames, 1280x720
TITLE_CARD = Path("videos") / "asl-starter" / "hello" / "hello_04.mp4"
SIGNER = Path("keypoints") / "multisigner-258" / "F1zzy.npz"
# Short windows, so that a few WebSocket frames are classified.
SENTENCE = SentenceParams(window_frames=4, stride=1)
LIMITS = {"max_upload_mb": 1, "max_frames": 120, "max_message_mb": 0.5}
ACCESS_LINE = re.compile(r"^(GET|POST|WS) (/\S*) (\d{3}) (\d+\.\d)ms( close \d{4})?$")


def test_client(bundle_dir: Path, sentence: SentenceParams = SENTENCE, **serve):
    from fastapi.testclient import TestClient

    from realtime.server.app import create_app
    from signlang.serving.bundle import Bundle

    bundle = Bundle.load(bundle_dir)
    client = TestClient(create_app(bundle, server_settings(sentence, **{**LIMITS, **serve}), model="test-bundle"))
    client.bundle = bundle
    return client


test_client.__test__ = False  # a helper, not a test


@pytest.fixture(scope="module")
def client(small_bundle: Path):
    with test_client(small_bundle) as test_client_:
        yield test_client_


def real_sequence(shared_data: Path, index: int = 0) -> np.ndarray:
    with np.load(shared_data / SIGNER) as data:
        return data["X"][index].astype(np.float32)


def assert_top3(body: dict, classes) -> None:
    top3 = body["top3"]
    assert len(top3) == 3 and len({item["label"] for item in top3}) == 3
    assert all(item["label"] in classes and 0.0 <= item["p"] <= 1.0 for item in top3)
    assert [item["p"] for item in top3] == sorted((item["p"] for item in top3), reverse=True)


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
def test_openapi_describes_the_predict_request_and_answer(client) -> None:
    spec = client.get("/openapi.json").json()
    predict = spec["paths"]["/predict"]["post"]
    content = predict["requestBody"]["content"]
    assert content["application/json"]["schema"]["required"] == ["frames"]
    assert content["multipart/form-data"]["schema"]["required"] == ["file"]
    assert predict["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/PredictAnswer")
    assert "Retry-After" in predict["responses"]["503"]["headers"]
    answer = spec["components"]["schemas"]["PredictAnswer"]
    assert set(answer["properties"]) == {"top3", "label", "hand_visible", "sentence", "words", "frames"}
    assert client.get("/docs").status_code == 200


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
def test_websocket_answers_real_frames(client, shared_data: Path) -> None:
    jpegs = real_jpegs(shared_data / CLIP, 8)
    replies = []
    with client.websocket_connect("/ws") as socket:
        for jpeg in jpegs[:4]:
            socket.send_bytes(jpeg)
            replies.append(socket.receive_json())
        assert client.get("/health").json()["live_sessions"] == 1
        socket.send_bytes(b"not a jpeg")
        error = socket.receive_json()
        socket.send_bytes(b"\xff" * int(LIMITS["max_message_mb"] * 1024 * 1024 + 10))
        too_big = socket.receive_json()
        for jpeg in jpegs[4:]:  # still serving after the bad messages
            socket.send_bytes(jpeg)
            replies.append(socket.receive_json())
        socket.send_text("reset")
        reset = socket.receive_json()
    assert "not a JPEG" in error["error"] and error["status"] == 422
    assert too_big["status"] == 413 and "serve.max_message_mb" in too_big["error"]
    assert reset["sentence"] == []
    assert [reply["frames"] for reply in replies] == list(range(1, 9))
    assert all(set(reply) == REPLY_KEYS for reply in replies)
    assert [reply["classified"] for reply in replies] == [False] * 3 + [True] * 5
    for reply in replies[3:]:
        if reply["hand_visible"]:
            assert_top3(reply, client.bundle.classes)
        else:
            assert reply["top3"] == []
    assert any(reply["top3"] for reply in replies), "no window was classified"


@pytest.mark.slow
def test_websocket_says_no_sign_when_nobody_is_in_the_frames(client, shared_data: Path) -> None:
    import cv2

    capture = cv2.VideoCapture(str(shared_data / TITLE_CARD))  # its first frames: a title card, nobody
    with client.websocket_connect("/ws") as socket:
        replies = []
        for _ in range(12):
            socket.send_bytes(cv2.imencode(".jpg", capture.read()[1])[1].tobytes())
            replies.append(socket.receive_json())
    capture.release()
    assert [reply["classified"] for reply in replies] == [False] * 3 + [True] * 9
    assert all(not reply["hand_visible"] and reply["top3"] == [] and reply["sentence"] == [] for reply in replies)


@pytest.mark.slow
def test_a_session_over_the_cap_is_refused_and_an_idle_one_closed(small_bundle: Path, shared_data: Path) -> None:
    from starlette.websockets import WebSocketDisconnect

    jpeg = real_jpegs(shared_data / CLIP, 1)[0]
    with test_client(small_bundle, max_sessions=1, session_idle_s=1.0) as served:
        with served.websocket_connect("/ws") as first:
            first.send_bytes(jpeg)
            assert first.receive_json()["frames"] == 1
            with served.websocket_connect("/ws") as second:
                refusal = second.receive_json()
                with pytest.raises(WebSocketDisconnect) as closed:
                    second.receive_json()
            assert refusal == {"error": "the server is full: 1 live sessions at once (serve.max_sessions); "
                                        "try again later", "status": 1013}
            assert closed.value.code == 1013
            idle = first.receive_json()  # nothing sent for session_idle_s
            with pytest.raises(WebSocketDisconnect) as closed:
                first.receive_json()
        assert "session_idle_s" in idle["error"] and closed.value.code == 1000
        with served.websocket_connect("/ws") as again:  # the slot was given back
            again.send_bytes(jpeg)
            assert again.receive_json()["frames"] == 1


@pytest.mark.slow
def test_one_access_log_line_per_request(client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="signlang.access"):
        client.get("/health")
        client.post("/predict", json={"frames": [[0.0] * 7]})
        client.post("/predict", content=b"x", headers={"content-type": "text/plain"})
        client.get("/missing")
    lines = [record.getMessage() for record in caplog.records if record.name == "signlang.access"]
    assert [ACCESS_LINE.match(line).group(1, 2, 3) for line in lines] == [
        ("GET", "/health", "200"), ("POST", "/predict", "422"), ("POST", "/predict", "415"), ("GET", "/missing", "404")]


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
