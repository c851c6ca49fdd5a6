"""The /ws WebSocket: admission against the session cap, then one JSON reply per JPEG frame.

- over serve.max_sessions: `{"error": ..., "status": 1013}`, then close code 1013 (try again later);
- shutting down: `{"error": ..., "status": 1001}`, then close 1001 (going away);
- no message for serve.session_idle_s seconds: the same with 1000 (the slot is freed);
- a binary message (one JPEG) -> the session's reply; the text "reset" clears the sentence; a bad
  or oversized frame -> `{"error": ..., "status": 422|413}` and the session goes on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from realtime.server.sessions import LiveSession, NotAnImage, SessionSlots

if TYPE_CHECKING:
    from fastapi import WebSocket

    from realtime.settings import SentenceParams
    from signlang.features.holistic import HolisticSettings
    from signlang.serving.bundle import Bundle

TRY_AGAIN_LATER, GOING_AWAY, NORMAL = 1013, 1001, 1000
RESET_MESSAGES = ("reset", '{"type": "reset"}', '{"type":"reset"}')
MB = 1024 * 1024


@dataclass
class LiveStreams:
    """What every /ws connection shares: the bundle, the rules, the cap and the stop signal."""

    bundle: Bundle
    holistic: HolisticSettings
    sentence: SentenceParams
    max_words: int
    max_message_bytes: int
    idle_s: float
    slots: SessionSlots
    stop: asyncio.Event

    def open_session(self) -> LiveSession:
        return LiveSession(self.bundle, self.holistic, self.sentence, self.max_words)


async def refuse(websocket: WebSocket, code: int, message: str) -> None:
    await websocket.send_json({"error": message, "status": code})
    await websocket.close(code=code, reason=message[:120])  # a close reason is at most 123 bytes


async def serve_stream(websocket: WebSocket, streams: LiveStreams) -> None:
    """One /ws connection, from handshake to close."""
    await websocket.accept()
    if streams.stop.is_set():
        await refuse(websocket, GOING_AWAY, "the server is shutting down")
        return
    if not streams.slots.take():
        await refuse(websocket, TRY_AGAIN_LATER,
                     f"the server is full: {streams.slots.limit} live sessions at once (serve.max_sessions); "
                     "try again later")
        return
    session: LiveSession | None = None
    try:
        session = await asyncio.to_thread(streams.open_session)
        await _answer(websocket, session, streams)
    finally:
        streams.slots.give_back()
        if session is not None:
            await asyncio.to_thread(session.close)


async def _next_message(websocket: WebSocket, stop: asyncio.Event, idle_s: float) -> dict | str:
    """The next message, or "stop" once the server drains, or "idle" after idle_s seconds."""
    receiving = asyncio.ensure_future(websocket.receive())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({receiving, stopping}, timeout=idle_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if receiving in done:
        return receiving.result()
    receiving.cancel()
    return "stop" if stop.is_set() else "idle"


async def _answer(websocket: WebSocket, session: LiveSession, streams: LiveStreams) -> None:
    while True:
        message = await _next_message(websocket, streams.stop, streams.idle_s)
        if message == "stop":
            await refuse(websocket, GOING_AWAY, "the server is shutting down")
            return
        if message == "idle":
            await refuse(websocket, NORMAL, f"no frame for {streams.idle_s:g} s (serve.session_idle_s): session closed")
            return
        if message["type"] == "websocket.disconnect":
            return
        data, text = message.get("bytes"), message.get("text")
        if text is not None:
            if text.strip() in RESET_MESSAGES:
                await websocket.send_json(session.reset())
            else:
                await websocket.send_json({"error": "send JPEG frames as binary messages, or the text 'reset'"})
            continue
        if data is None or len(data) > streams.max_message_bytes:
            limit = streams.max_message_bytes / MB
            await websocket.send_json({"error": f"frame over the limit of {limit:g} MB (serve.max_message_mb)",
                                       "status": 413})
            continue
        try:
            reply = await asyncio.to_thread(session.step, data)
        except NotAnImage as exc:
            reply = {"error": str(exc), "status": 422, "frames": session.frames}
        await websocket.send_json(reply)
