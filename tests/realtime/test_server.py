"""`signlang serve` over the session's small real bundle (tests/conftest.py: the tutorial
network trained 2 epochs on real signers by the train stage, exported by the export stage):
/health, /predict on a real keypoint sequence and a real clip, no sign for frames with nobody
in them, every refused payload as a 4xx JSON error with the server still serving, and the
WebSocket answering real JPEG frames of a real clip through real MediaPipe Holistic."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from realtime.settings import SentenceParams, ServeParams
from signlang.data.layout import FULL_SIZE, NO_FACE_SIZE
from signlang.errors import SignlangError
from signlang.settings import parse_section, read_params_file
from tests.realtime.helpers import SCRIPT_CLASSES

CLIP = Path("videos") / "asl-starter" / "hello" / "hello_06.mp4"  # 30 frames, 1280x720
TITLE_CARD = Path("videos") / "asl-starter" / "hello" / "hello_04.mp4"  # its first 60 frames: text, nobody
SIGNER = Path("keypoints") / "multisigner-258" / "F1zzy.npz"

SERVE = ServeParams(max_upload_mb=1, max_frames=120, max_message_mb=0.5)
# Short windows, so that a few WebSocket frames are classified.
SENTENCE = SentenceParams(window_frames=4, stride=1)
NO_SIGN = {"top3": [], "label": None, "hand_visible": False, "sentence": [], "words": []}


@pytest.fixture(scope="module")
def client(small_bundle: Path):
    from fastapi.testclient import TestClient

    from realtime.server import create_app
    from signlang.serving.bundle import Bundle

    bundle = Bundle.load(small_bundle)
    with TestClient(create_app(bundle, SERVE, model="test-bundle", sentence=SENTENCE)) as test_client:
        test_client.bundle = bundle
        yield test_client


def real_sequence(shared_data: Path, index: int = 0) -> tuple[np.ndarray, str]:
    with np.load(shared_data / SIGNER) as data:
        return data["X"][index].astype(np.float32), str(data["label"][index])


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


def assert_top3(body: dict, classes) -> None:
    top3 = body["top3"]
    assert len(top3) == 3
    assert all(item["label"] in classes and 0.0 <= item["p"] <= 1.0 for item in top3)
    assert [item["p"] for item in top3] == sorted((item["p"] for item in top3), reverse=True)
    assert len({item["label"] for item in top3}) == 3


# --------------------------------------------------------------------------- fast: no bundle


def test_serve_section_is_optional_and_validated(project_root: Path) -> None:
    raw = read_params_file(project_root / "params.yaml")
    serve = parse_section(raw, "serve", ServeParams)
    assert serve.max_frames >= 1 and serve.port == 8000
    del raw["serve"]  # a params.yaml without it serves with the defaults
    assert parse_section(raw, "serve", ServeParams) == ServeParams()
    raw["serve"] = {"client_fps": 0}
    with pytest.raises(SignlangError, match="serve.client_fps"):
        parse_section(raw, "serve", ServeParams)


def test_parse_frames_accepts_both_layouts_and_refuses_bad_ones(shared_data: Path) -> None:
    from realtime.server import RequestError, parse_frames

    sequence, _ = real_sequence(shared_data)
    assert parse_frames({"frames": sequence.tolist()}, 100).shape == (len(sequence), NO_FACE_SIZE)
    full = np.zeros((4, FULL_SIZE)).tolist()
    assert parse_frames({"frames": full}, 100).shape == (4, FULL_SIZE)
    refused = {
        "no frames key": ([1, 2], 422), "empty": ({"frames": []}, 422), "not rows": ({"frames": [1.0, 2.0]}, 422),
        "wrong width": ({"frames": [[0.0] * 100]}, 422), "mixed widths": ({"frames": [[0.0] * 258, [0.0] * 1662]}, 422),
        "text": ({"frames": [["a"] * 258]}, 422), "nan": ({"frames": [[math.nan] * 258]}, 422),
        "too many": ({"frames": [[0.0] * 258] * 101}, 413),
    }
    for name, (payload, status) in refused.items():
        with pytest.raises(RequestError) as caught:
            parse_frames(payload, 100)
        assert caught.value.status == status, name


def test_decode_jpeg_refuses_what_is_not_an_image() -> None:
    from realtime.server import RequestError, decode_jpeg

    for data in (b"", b"not a jpeg", b"\xff\xd8\xff" + b"\0" * 50):
        with pytest.raises(RequestError, match="not a JPEG"):
            decode_jpeg(data)


# --------------------------------------------------------------------------- slow: real bundle


@pytest.mark.slow
def test_health_names_the_bundle(client) -> None:
    body = client.get("/health").json()
    assert body == {"status": "ok", "classes": list(client.bundle.classes),
                    "sequence_length": client.bundle.spec.sequence_length, "model": "test-bundle"}
    page = client.get("/")
    assert page.status_code == 200 and 'id="top3"' in page.text and "/static/app.js" in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/config").json()["client_fps"] == SERVE.client_fps


@pytest.mark.slow
def test_predict_keypoint_sequence_matches_the_training_preprocessing(client, shared_data: Path) -> None:
    from signlang.features.keypoints import clip_to_window, normalise

    bundle = client.bundle
    for index in (0, 40, 90):
        sequence, _ = real_sequence(shared_data, index)
        response = client.post("/predict", json={"frames": sequence.tolist()})
        assert response.status_code == 200, response.text
        body = response.json()
        assert_top3(body, bundle.classes)
        expected = bundle.predict_proba(normalise(clip_to_window(sequence, bundle.spec)[None], bundle.spec))[0]
        assert body["label"] == bundle.classes[int(np.argmax(expected))] == body["top3"][0]["label"]
        assert body["top3"][0]["p"] == pytest.approx(float(expected.max()), abs=1e-4)
        assert body["frames"] == len(sequence) and body["hand_visible"] is True
        assert isinstance(body["sentence"], list) and set(body["sentence"]) <= set(bundle.classes)


@pytest.mark.slow
def test_predict_video_upload(client, shared_data: Path) -> None:
    clip = shared_data / CLIP
    with open(clip, "rb") as handle:
        response = client.post("/predict", files={"file": (clip.name, handle, "video/mp4")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert_top3(body, client.bundle.classes)
    assert body["label"] == body["top3"][0]["label"] and body["frames"] == 30 and body["hand_visible"] is True
    assert set(body) == {"top3", "label", "hand_visible", "sentence", "words", "frames"}
    assert [word["label"] for word in body["words"]] == body["sentence"]


def test_predict_returns_the_word_sequence_of_several_real_signs_with_times(shared_data: Path, small_bundle: Path) -> None:
    """Three real signs by one person with hands out of view between them, through the session's
    bundle; threshold 0 so each sign gives its word whatever the small model's confidence (the
    decoding is tested here, not the classifier): the words are what the bundle reads each sign as."""
    from fastapi.testclient import TestClient

    from realtime.server import create_app
    from realtime.settings import SentenceParams
    from signlang.data.layout import HAND_PARTS
    from signlang.features.keypoints import layout_of
    from signlang.serving.bundle import Bundle

    bundle = Bundle.load(small_bundle)
    with np.load(shared_data / "keypoints" / "multisigner-258" / "hirak214.npz") as data:
        windows, labels = data["X"].astype(np.float32), data["label"].astype(str)
    signs = [windows[labels == label][take] for label, take in (("hello", 0), ("thanks", 0), ("hello", 1))]
    expected = [bundle.label(bundle.predict_window(sign)) for sign in signs]
    rest = signs[0][-15:].copy()
    for hand in HAND_PARTS:
        rest[:, layout_of(rest)[hand]] = 0.0
    frames = np.concatenate([signs[0], rest, signs[1], rest, signs[2]])
    with TestClient(create_app(bundle, ServeParams(), sentence=SentenceParams(threshold=0.0))) as served:
        body = served.post("/predict", json={"frames": frames.tolist(), "fps": 15}).json()
        refused = served.post("/predict", json={"frames": frames.tolist(), "fps": 0})
    assert body["sentence"] == expected == [word["label"] for word in body["words"]]
    starts = [0, 45, 90]  # each sign's first frame: 30 frames of sign, 15 of rest
    for word, start in zip(body["words"], starts, strict=True):
        # within its sign's 30 frames (a sign's first frames may show no hand yet)
        assert start / 15 <= word["start_s"] < word["end_s"] <= (start + 30) / 15 + 2 / 15
        assert 0.0 < word["p"] <= 1.0
    assert refused.status_code == 422 and "fps" in refused.json()["error"]


def test_a_damaged_upload_is_refused_by_the_extract_stages_rule(client, shared_data: Path) -> None:
    """A real clip cut to 40 % of its bytes (a download that stopped part-way): the container still
    says 70 frames, 24 decode; extract would skip it, so /predict refuses it instead of guessing."""
    data = (shared_data / "videos" / "asl-starter" / "help" / "help_01.mp4").read_bytes()
    response = client.post("/predict", files={"file": ("help_01.mp4", data[: int(len(data) * 0.4)], "video/mp4")})
    assert response.status_code == 422, response.text
    assert "damaged or cut short: only 24 of the 70 frames the file reports could be decoded" in response.text


def clip_of(frames: list[np.ndarray], path: Path) -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25.0, (frames[0].shape[1], frames[0].shape[0]))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def title_card_frames(shared_data: Path, count: int = 60) -> list[np.ndarray]:
    import cv2

    capture = cv2.VideoCapture(str(shared_data / TITLE_CARD))
    frames = [capture.read()[1] for _ in range(count)]
    capture.release()
    assert all(frame is not None for frame in frames)
    return frames


@pytest.mark.slow
def test_predict_says_no_sign_when_nobody_is_in_the_frames(client, shared_data: Path, tmp_path: Path) -> None:
    title = title_card_frames(shared_data)
    black = [np.zeros((360, 640, 3), dtype=np.uint8)] * 30
    for name, frames in (("title card", title), ("black", black)):
        with open(clip_of(frames, tmp_path / f"{name.replace(' ', '_')}.mp4"), "rb") as handle:
            response = client.post("/predict", files={"file": ("clip.mp4", handle, "video/mp4")})
        assert response.status_code == 200, (name, response.text)
        assert response.json() == {**NO_SIGN, "frames": len(frames)}, name
    for width in (NO_FACE_SIZE, FULL_SIZE):  # keypoints of 30 frames in which Holistic saw nothing
        response = client.post("/predict", json={"frames": [[0.0] * width] * 30})
        assert response.status_code == 200, response.text
        assert response.json() == {**NO_SIGN, "frames": 30}


@pytest.mark.slow
def test_websocket_says_no_sign_when_nobody_is_in_the_frames(client, shared_data: Path) -> None:
    import cv2

    with client.websocket_connect("/ws") as socket:
        replies = []
        for frame in title_card_frames(shared_data, 12):
            socket.send_bytes(cv2.imencode(".jpg", frame)[1].tobytes())
            replies.append(socket.receive_json())
    assert [reply["classified"] for reply in replies] == [False] * 3 + [True] * 9
    assert all(not reply["hand_visible"] and reply["top3"] == [] and reply["sentence"] == [] for reply in replies)


def _chunks(total: int):
    for _ in range(total // 65536 + 1):
        yield b"0" * 65536


@pytest.mark.slow
def test_bad_payloads_get_a_json_4xx_and_the_server_keeps_serving(client, shared_data: Path, tmp_path: Path) -> None:
    sequence, _ = real_sequence(shared_data)
    good = {"frames": sequence.tolist()}
    json_headers = {"content-type": "application/json"}
    over = int(SERVE.max_upload_mb * 1024 * 1024) + 1
    bad_requests = {
        "malformed json": (dict(content=b'{"frames": [[0.1, ', headers=json_headers), 400),
        "json not an object": (dict(content=b"[1, 2]", headers=json_headers), 422),
        "wrong width": (dict(json={"frames": [[0.5] * 100] * 5}), 422),
        "nan": (dict(content=json.dumps({"frames": [[math.nan] * NO_FACE_SIZE] * 3}).encode(), headers=json_headers), 422),
        "empty frames": (dict(json={"frames": []}), 422),
        "frames over the limit": (dict(json={"frames": [[0.0] * NO_FACE_SIZE] * (SERVE.max_frames + 1)}), 413),
        "not a video": (dict(files={"file": ("notes.mp4", b"this is not a video at all" * 100, "video/mp4")}), 422),
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
        after = client.post("/predict", json=good)
        assert after.status_code == 200, (name, after.text)


@pytest.mark.slow
def test_websocket_answers_real_frames(client, shared_data: Path) -> None:
    jpegs = real_jpegs(shared_data / CLIP, 8)
    replies = []
    with client.websocket_connect("/ws") as socket:
        for jpeg in jpegs[:4]:
            socket.send_bytes(jpeg)
            replies.append(socket.receive_json())
        socket.send_bytes(b"not a jpeg")
        error = socket.receive_json()
        socket.send_bytes(b"\xff" * int(SERVE.max_message_mb * 1024 * 1024 + 10))
        too_big = socket.receive_json()
        for jpeg in jpegs[4:]:  # still serving after the bad messages
            socket.send_bytes(jpeg)
            replies.append(socket.receive_json())
        socket.send_text("reset")
        reset = socket.receive_json()
    assert "not a JPEG" in error["error"] and error["status"] == 422
    assert too_big["status"] == 413
    assert reset["sentence"] == []
    assert [reply["frames"] for reply in replies] == list(range(1, 9))
    for reply in replies:
        assert set(reply) == {"top3", "classified", "new_word", "sentence", "hand_visible", "frames", "fps"}
        assert isinstance(reply["hand_visible"], bool) and isinstance(reply["sentence"], list)
        assert all(word in client.bundle.classes for word in reply["sentence"])
    assert any(reply["hand_visible"] for reply in replies), "Holistic saw no hand in 8 frames of a signing clip"
    # Windows of SENTENCE.window_frames (4) frames, one per frame once 4 are buffered.
    assert [reply["classified"] for reply in replies] == [False] * 3 + [True] * 5
    assert all(reply["top3"] == [] for reply in replies[:3])
    for reply in replies[3:]:
        if reply["hand_visible"]:
            assert_top3(reply, client.bundle.classes)
        else:
            assert reply["top3"] == []
    assert any(reply["top3"] for reply in replies), "no window was classified"
    assert replies[-1]["fps"] > 0


@pytest.mark.slow
def test_labels_in_any_script_come_back_exactly(script_bundle: Path, shared_data: Path) -> None:
    from fastapi.testclient import TestClient

    from realtime.server import create_app
    from signlang.serving.bundle import Bundle

    with TestClient(create_app(Bundle.load(script_bundle), SERVE, model="script-bundle", sentence=SENTENCE)) as client:
        assert client.get("/health").json()["classes"] == SCRIPT_CLASSES
        sequence, _ = real_sequence(shared_data, 0)
        response = client.post("/predict", json={"frames": sequence.tolist()})
        assert response.status_code == 200, response.text
        body = response.json()
        assert_top3(body, SCRIPT_CLASSES)
        assert body["label"] == body["top3"][0]["label"] and set(body["sentence"]) <= set(SCRIPT_CLASSES)
        page = client.get("/static/app.js").text
        assert 'name.dir = "auto"' in page  # the page lays a right-to-left label out right to left
