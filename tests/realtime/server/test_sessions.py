"""Live sessions without a WebSocket: a real clip's JPEG frames through real Holistic and the live
core, the reply of each frame, reset, the refusal of what is not an image, and the session cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from realtime.server.sessions import LiveSession, NotAnImage, SessionSlots, decode_jpeg
from realtime.settings import SentenceParams
from tests.realtime.helpers import server_settings
from tests.realtime.server.helpers import REPLY_KEYS, real_jpegs

CLIP = Path("videos") / "asl-starter" / "hello" / "hello_06.mp4"


def test_decode_jpeg_refuses_what_is_not_an_image() -> None:
    for data in (b"", b"not a jpeg", b"\xff\xd8\xff" + b"\0" * 50):
        with pytest.raises(NotAnImage, match="not a JPEG"):
            decode_jpeg(data)


def test_slots_cap_the_sessions() -> None:
    slots = SessionSlots(2)
    assert slots.take() and slots.take() and not slots.take()
    assert slots.taken == 2
    slots.give_back()
    assert slots.take() and not slots.take()


@pytest.mark.slow
def test_a_session_answers_each_real_frame(small_bundle: Path, shared_data: Path) -> None:
    from signlang.serving.bundle import Bundle

    bundle = Bundle.load(small_bundle)
    settings = server_settings()
    session = LiveSession(bundle, settings.holistic.for_parts(bundle.spec.parts),
                          SentenceParams(window_frames=4, stride=1), max_words=2)
    try:
        replies = [session.step(jpeg) for jpeg in real_jpegs(shared_data / CLIP, 8)]
        with pytest.raises(NotAnImage):
            session.step(b"not a jpeg")
        assert session.reset() == {"sentence": [], "frames": 8}
    finally:
        session.close()
    assert [reply["frames"] for reply in replies] == list(range(1, 9))
    assert all(set(reply) == REPLY_KEYS for reply in replies)
    assert [reply["classified"] for reply in replies] == [False] * 3 + [True] * 5
    assert any(reply["hand_visible"] for reply in replies), "Holistic saw no hand in 8 frames of a signing clip"
    assert any(len(reply["top3"]) == 3 for reply in replies), "no window was classified"
    assert all(len(reply["sentence"]) <= 2 for reply in replies) and replies[-1]["fps"] > 0
