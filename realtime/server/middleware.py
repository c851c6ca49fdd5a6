"""ASGI middleware: the access log (one line per request) and the request-body limit."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ACCESS_LOGGER = "signlang.access"
MB = 1024 * 1024


class AccessLog:
    """One line per request once it is answered: `METHOD PATH STATUS MILLISECONDSms`, e.g.
    `POST /predict 200 812.4ms`. A WebSocket is `WS /ws 101 <session length>ms close <code>`
    (403 when it was refused before the handshake); the code is the first close sent or received.
    The query string is left out (it is not needed to operate the server)."""

    def __init__(self, app: ASGIApp, logger: logging.Logger | None = None) -> None:
        self.app = app
        self.logger = logger or logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None
        close: int | None = None

        async def sending(message: Message) -> None:
            nonlocal status, close
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                status = message["status"]
            elif kind == "websocket.accept":
                status = 101
            elif kind == "websocket.close" and close is None:
                close = message.get("code", 1000)
            await send(message)

        async def receiving() -> Message:
            nonlocal close
            message = await receive()
            if message["type"] == "websocket.disconnect" and close is None:
                close = message.get("code", 1005)
            return message

        try:
            await self.app(scope, receiving if scope["type"] == "websocket" else receive, sending)
        finally:
            milliseconds = (time.perf_counter() - started) * 1000.0
            if scope["type"] == "websocket":
                line = f"WS {scope['path']} {status or 403} {milliseconds:.1f}ms" + (f" close {close}" if close else "")
            else:
                line = f"{scope['method']} {scope['path']} {status or 500} {milliseconds:.1f}ms"
            self.logger.info(line)


class BodyTooLarge(Exception):
    """A request body over the limit, noticed while it streams in."""


async def send_json(send: Send, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
    """A whole JSON response through raw ASGI."""
    content = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode()),
           *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items())]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})


class BodyLimit:
    """A request body over `limit` bytes gets 413: at once when its Content-Length says so, or
    as soon as that many bytes of a chunked body have come (the app sees `BodyTooLarge`)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    def message(self) -> str:
        return f"request body over the limit of {self.limit / MB:g} MB (serve.max_upload_mb)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            # The body is not read: the connection closes after the answer.
            await send_json(send, 413, {"error": self.message()}, {"Connection": "close"})
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise BodyTooLarge(self.message())
            return message

        await self.app(scope, limited, send)
