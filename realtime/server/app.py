"""The FastAPI application: routes, and how each refusal becomes a status.

- `GET /`: the page (realtime/static/), which sends webcam frames as JPEG over `/ws`.
- `/ws`: realtime/server/stream.py (one live session per connection, at most serve.max_sessions).
- `POST /predict`: JSON keypoint frames (`api.PredictFrames`) or a multipart video `file` ->
  `api.PredictAnswer`, run on the bounded queue (realtime/server/work_queue.py).
- `GET /health`, `GET /config` (what the page needs); `/docs` and `/openapi.json` describe them all.

Errors are JSON `{"error": "..."}`: 4xx for a request that cannot be used, 503 with Retry-After
when the /predict queue is full or the server is shutting down; the server keeps serving.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from realtime.server import api
from realtime.server.bodies import MULTIPART, RequestError, answer_json, answer_upload, content_kind
from realtime.server.middleware import MB, AccessLog, BodyLimit, BodyTooLarge
from realtime.server.predict import ClipRefused, ClipRules, ClipTooLong
from realtime.server.sessions import SessionSlots
from realtime.server.stream import LiveStreams, serve_stream
from realtime.server.work_queue import QueueRefused, WorkQueue
from signlang.errors import InputFileError

if TYPE_CHECKING:
    from realtime.server.config import ServerSettings
    from signlang.serving.bundle import Bundle

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
DOCS_STATIC = "/static-docs"  # Swagger UI's script and style


class Service:
    """One served bundle's shared state: the /predict queue, the live streams and the drain."""

    def __init__(self, bundle: Bundle, settings: ServerSettings, model: str) -> None:
        serve = settings.serve
        self.bundle, self.settings, self.model = bundle, settings, model
        self.rules = ClipRules.from_settings(settings, bundle)
        self.queue = WorkQueue(serve.predict_workers, serve.predict_queue, serve.predict_wait_s, name="predict")
        self.streams = LiveStreams(bundle, self.rules.holistic, settings.sentence, serve.max_words,
                                   int(serve.max_message_mb * MB), serve.session_idle_s,
                                   SessionSlots(serve.max_sessions), asyncio.Event())

    @property
    def draining(self) -> bool:
        return self.queue.closing

    def drain(self) -> None:
        """Shutdown begins: waiting and new /predict requests get 503, live sessions are closed
        (1001); the running requests finish."""
        self.queue.close()
        self.streams.stop.set()


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def create_app(bundle: Bundle, settings: ServerSettings, model: str = "") -> FastAPI:
    """The application over one loaded bundle; `app.state.service` is its `Service`."""
    service = Service(bundle, settings, model or str(bundle.source))
    retry_after = {"Retry-After": str(settings.serve.retry_after_s)}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        service.drain()
        service.queue.shutdown()

    # FastAPIOffline: /docs loads Swagger UI from the wheel's files under DOCS_STATIC, not a CDN.
    app = FastAPIOffline(title="signlang", summary="Sign-language translation over one exported bundle",
                         lifespan=lifespan, docs_url="/docs", redoc_url=None, static_url=DOCS_STATIC)
    app.state.service = service
    app.add_middleware(BodyLimit, limit=int(settings.serve.max_upload_mb * MB))
    app.add_middleware(AccessLog)  # added last: outermost, so it sees every answer
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError):
        return _error(exc.status, exc.message)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge):
        return _error(413, str(exc), {"Connection": "close"})

    @app.exception_handler(ClipRefused)
    async def _clip_refused(request: Request, exc: ClipRefused):
        return _error(413 if isinstance(exc, ClipTooLong) else 422, str(exc))

    @app.exception_handler(InputFileError)
    async def _input_error(request: Request, exc: InputFileError):
        return _error(422, exc.problem)  # the path is a server-side temporary file

    @app.exception_handler(QueueRefused)
    async def _busy(request: Request, exc: QueueRefused):
        return _error(503, str(exc), retry_after)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        return _error(422, str(exc.errors()))

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/health", response_model=api.Health,
             responses={503: {"model": api.Health, "description": "shutting down", "headers": api.RETRY_AFTER_HEADER}})
    async def health() -> Any:
        body = api.Health(status="shutting down" if service.draining else "ok", classes=list(bundle.classes),
                          sequence_length=bundle.spec.sequence_length, model=service.model,
                          live_sessions=service.streams.slots.taken, max_sessions=service.streams.slots.limit,
                          predict_running=service.queue.running, predict_waiting=len(service.queue.waiting))
        if service.draining:
            return JSONResponse(body.model_dump(), status_code=503, headers=retry_after)
        return body

    @app.get("/config", response_model=api.PageConfig)
    async def config() -> api.PageConfig:
        serve = settings.serve
        return api.PageConfig(client_fps=serve.client_fps, frame_width=serve.frame_width,
                              jpeg_quality=serve.jpeg_quality, classes=list(bundle.classes))

    @app.post("/predict", response_model=api.PredictAnswer, responses=api.predict_responses(),
              openapi_extra=api.predict_openapi(),
              description="A clip's translation: the whole clip as one window and the sentence of its signs.")
    async def predict(request: Request) -> Any:
        kind = content_kind(request.headers.get("content-type", ""))
        if kind != MULTIPART:
            return await service.queue.run(answer_json, bundle, await request.body(), service.rules)
        try:
            form = await request.form(max_files=1, max_fields=4)
        except BodyTooLarge:
            raise
        except Exception as exc:  # noqa: BLE001 - the multipart parser raises several kinds
            raise RequestError(400, f"malformed multipart body: {exc}") from None
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise RequestError(422, 'expected a video clip in the multipart field "file"')
            return await service.queue.run(answer_upload, bundle, upload.file, upload.filename or "", service.rules)
        finally:
            await form.close()

    @app.websocket("/ws")
    async def live(websocket: WebSocket) -> None:
        await serve_stream(websocket, service.streams)

    return app
