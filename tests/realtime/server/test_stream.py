"""The /ws WebSocket (realtime/server/stream.py) in the app over the session's small real bundle:
real JPEG frames through real Holistic, bad and oversized messages answered while the session goes
on, reset, the session cap and the idle close."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.realtime.server.helpers import CLIP, LIMITS, REPLY_KEYS, assert_top3, real_jpegs, test_client

TITLE_CARD = Path("videos") / "asl-starter" / "hello" / "hello_04.mp4"


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
