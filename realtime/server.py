"""`signlang serve`: a web page, a WebSocket and a REST API over one exported bundle.

    signlang serve [--model DIR | --model models:/signlang@champion] [--host H] [--port P]

Every frame goes through the live core (realtime/core.py) that `signlang live` uses: the
same windows, no-sign rule, top-3 and sentence (params.yaml `sentence:`), so a video gives
the same translation on the page, through /predict and in `signlang live`.

- `GET /`: a static page (realtime/static/) that sends webcam frames as JPEG over `/ws`
  and shows the live top-3 and the sentence so far.
- `/ws`: per connection one `HolisticTracker` and one `LiveCore`; each binary message (one
  JPEG) is answered with one JSON message `{top3: [{label, p}], classified, new_word,
  sentence: [...], hand_visible, frames, fps}` (top3: the last classified window's; empty
  before the first window and while no hand is seen).
- `POST /predict`: a video clip (multipart field `file`) or JSON `{"frames": [[...], ...],
  "fps": 30}` (1662- or 258-value keypoint frames; fps optional) -> `{top3, label,
  hand_visible, sentence, words, frames}`: the whole clip as one window through the same
  `keypoints.clip_to_window` as training (no hand in any frame: no sign, top3 empty and label
  null), and the sentence the live core makes of its frames, its words with their times
  (`words: [{label, p, start_s, end_s}]`, at the clip's frame rate).
- `GET /health`, `GET /config` (what the page needs).

Errors are JSON `{"error": "..."}` with a 4xx status; the server keeps serving. Holistic and
TFLite run in worker threads so the event loop never blocks. Knobs: params.yaml `serve:`
and `sentence:`.
"""

import argparse
import asyncio
import json
import math
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from realtime.core import (
    LiveCore,
    Step,
    clip_hand_visible,
    replay_words,
    top_classes,
    top_json,
    track_clip,
    track_frame,
)
from signlang import paths
from signlang.data.layout import FULL_SIZE, NO_FACE_SIZE
from signlang.errors import InputFileError, SignlangError
from signlang.features.holistic import HolisticSettings, HolisticTracker
from signlang.features.keypoints import clip_to_window, normalise
from signlang.serving.bundle import Bundle

if TYPE_CHECKING:
    from realtime.settings import SentenceParams, ServeParams

STATIC_DIR = Path(__file__).with_name("static")
MB = 1024 * 1024


def default_fps() -> float:
    """Frame rate for word times when the request states none: `signlang live`'s for cameras."""
    from realtime.settings import LiveParams

    return float(LiveParams.model_fields["fallback_fps"].default)


class RequestError(Exception):
    """A request the server refuses: answered as JSON {"error": message} with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --------------------------------------------------------------------------- predictions


def predict_clip(bundle: Bundle, frames: np.ndarray, source: str, sentence: "SentenceParams",
                 fps: float | None = None) -> dict:
    """A whole clip's keypoints -> `{top3, label, hand_visible, sentence, words, frames}`: the
    clip preprocessed as in training, unless no hand is seen in any frame (no sign: top3 empty,
    label null); `sentence` is what the live core makes of the same frames and `words` its
    words with their times at `fps`."""
    frames = np.asarray(frames, dtype=np.float32)
    _, decoded = replay_words(frames, bundle, sentence)
    answer = {"top3": [], "label": None, "hand_visible": False, "sentence": [word.label for word in decoded],
              "words": [word.to_json(fps or default_fps()) for word in decoded], "frames": int(len(frames))}
    if not clip_hand_visible(frames):
        return answer
    window = normalise(clip_to_window(frames, bundle.spec, source)[None], bundle.spec)
    top = top_classes(bundle.predict_proba(window)[0], bundle.classes)
    return {**answer, "top3": top_json(top), "label": top[0][0], "hand_visible": True}


def parse_frames(payload: Any, max_frames: int) -> np.ndarray:
    """Validate a JSON `{"frames": [[...], ...]}` body -> float32 (n, 1662|258)."""
    if not isinstance(payload, dict) or "frames" not in payload:
        raise RequestError(422, 'expected a JSON object {"frames": [[...], ...]}')
    frames = payload["frames"]
    if not isinstance(frames, list) or not frames:
        raise RequestError(422, '"frames" must be a non-empty list of keypoint frames')
    if len(frames) > max_frames:
        raise RequestError(413, f"{len(frames)} frames is more than the limit of {max_frames}")
    if not all(isinstance(row, list) for row in frames):
        raise RequestError(422, '"frames" must be a list of lists of numbers')
    widths = sorted({len(row) for row in frames})
    if len(widths) != 1 or widths[0] not in (FULL_SIZE, NO_FACE_SIZE):
        raise RequestError(422, f"every frame must have {FULL_SIZE} or {NO_FACE_SIZE} values; got widths {widths[:5]}")
    try:
        array = np.array(frames, dtype=np.float32)
    except (TypeError, ValueError):
        raise RequestError(422, '"frames" must hold numbers only') from None
    if array.ndim != 2:
        raise RequestError(422, '"frames" must be a list of lists of numbers')
    if not np.all(np.isfinite(array)):
        raise RequestError(422, f"frames hold {int(np.sum(~np.isfinite(array)))} NaN or infinite values")
    return array


def parse_fps(payload: dict) -> float:
    """The optional `"fps"` of a JSON body (`default_fps()` when absent)."""
    fps = payload.get("fps", default_fps())
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps) or fps <= 0:
        raise RequestError(422, f'"fps" must be a positive number of frames per second, got {fps!r}')
    return float(fps)


def video_frame_count(path: Path) -> tuple[int, float]:
    """Frames the container declares (0 when unknown) and its frame rate (`default_fps()` when
    unknown); refuses a file that is not a video."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise RequestError(422, "the upload cannot be opened as a video (corrupt or unsupported format)")
        count, fps = capture.get(cv2.CAP_PROP_FRAME_COUNT), capture.get(cv2.CAP_PROP_FPS)
        return (int(count) if math.isfinite(count) and count > 0 else 0,
                float(fps) if math.isfinite(fps) and fps > 0 else default_fps())
    finally:
        capture.release()


def track_video(path: Path, settings: HolisticSettings, max_frames: int) -> np.ndarray:
    """Keypoints of every frame of an uploaded clip (`core.track_clip`), within the frame limit."""
    vectors = track_clip(path, settings, limit=max_frames)
    if len(vectors) > max_frames:
        raise RequestError(413, f"the clip has more than {max_frames} frames, the limit")
    if not len(vectors):
        raise RequestError(422, "no video frames could be decoded from the upload")
    return vectors


def predict_video(bundle: Bundle, path: Path, settings: HolisticSettings, max_frames: int,
                  sentence: "SentenceParams") -> dict:
    """Holistic over every frame of a clip file, then `predict_clip`. A clip that decodes too
    few of the frames it reports is refused (422) by the extract stage's damage rule."""
    from signlang.features.extract import decoded_too_little
    from signlang.features.settings import ExtractParams

    count, fps = video_frame_count(path)
    if count > max_frames:
        raise RequestError(413, f"the clip has {count} frames, more than the limit of {max_frames}")
    vectors = track_video(path, settings, max_frames)
    problem = decoded_too_little(len(vectors), count, ExtractParams.model_fields["min_decoded_fraction"].default)
    if problem is not None:
        raise RequestError(422, f"the upload is damaged or cut short: {problem}")
    return predict_clip(bundle, vectors, "upload", sentence, fps)


# --------------------------------------------------------------------------- live stream


class LiveSession:
    """One WebSocket's state: its own Holistic tracker and live core."""

    def __init__(self, bundle: Bundle, settings: HolisticSettings, serve: "ServeParams", sentence: "SentenceParams") -> None:
        self.serve = serve
        self.core = LiveCore(bundle, sentence)
        self.tracker = HolisticTracker(settings)
        self._times: deque[float] = deque(maxlen=20)

    @property
    def frames(self) -> int:
        return self.core.frames

    def step(self, data: bytes) -> dict:
        """One JPEG frame -> the reply message."""
        _, vector, _ = track_frame(decode_jpeg(data), self.tracker)
        step = self.core.push(vector)
        self._times.append(time.perf_counter())
        return self.reply(step)

    def reply(self, step: Step) -> dict:
        """The message for one frame: the last classified window's top-3 and the sentence."""
        return {"top3": top_json(self.core.latest), "classified": step.classified, "new_word": step.new_word,
                "sentence": self.core.words[-self.serve.max_words :], "hand_visible": step.hand_visible,
                "frames": self.core.frames, "fps": self.fps()}

    def fps(self) -> float:
        """Frames processed per second over the last few frames."""
        if len(self._times) < 2 or self._times[-1] == self._times[0]:
            return 0.0
        return round((len(self._times) - 1) / (self._times[-1] - self._times[0]), 1)

    def close(self) -> None:
        self.tracker.close()


def decode_jpeg(data: bytes) -> np.ndarray:
    """JPEG (or PNG) bytes -> a BGR frame; RequestError when they are not an image."""
    import cv2

    frame = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    if frame is None:
        raise RequestError(422, "the message is not a JPEG image")
    return frame


# --------------------------------------------------------------------------- app


def _error(status: int, message: str):
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status)


class BodyLimit:
    """ASGI middleware: a request body over `limit` bytes gets 413 before it is read whole."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            await _error(413, f"request body over the limit of {self.limit / MB:g} MB")(scope, receive, send)
            return
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise RequestError(413, f"request body over the limit of {self.limit / MB:g} MB")
            return message

        await self.app(scope, limited, send)


def predict_json(bundle: Bundle, body: bytes, max_frames: int, sentence: "SentenceParams") -> dict:
    """A JSON `{"frames": [...]}` request body -> `predict_clip` (run in a worker thread)."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RequestError(400, f"malformed JSON: {exc}") from None
    frames = parse_frames(payload, max_frames)
    return predict_clip(bundle, frames, "<array>", sentence, parse_fps(payload))


async def _predict_upload(request, bundle: Bundle, settings: HolisticSettings, serve: "ServeParams",
                          sentence: "SentenceParams") -> dict:
    from starlette.datastructures import UploadFile

    try:
        form = await request.form(max_files=1, max_fields=4)
    except RequestError:
        raise
    except Exception as exc:  # noqa: BLE001 - the multipart parser raises several kinds
        raise RequestError(400, f"malformed multipart body: {exc}") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise RequestError(422, 'expected a video clip in the multipart field "file"')
    suffix = Path(upload.filename or "clip.mp4").suffix[:8] or ".mp4"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(await upload.read())
        handle.flush()
        if handle.tell() == 0:
            raise RequestError(422, "the uploaded file is empty")
        return await asyncio.to_thread(predict_video, bundle, Path(handle.name), settings, serve.max_frames, sentence)


def create_app(bundle: Bundle, serve: "ServeParams", settings: HolisticSettings | None = None, model: str = "",
               sentence: "SentenceParams | None" = None) -> Any:
    """The FastAPI application over one loaded bundle (`sentence`: params.yaml `sentence:`,
    default its defaults)."""
    from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException

    from realtime.settings import SentenceParams

    settings = (settings or HolisticSettings()).for_parts(bundle.spec.parts)
    sentence = sentence or SentenceParams()
    app = FastAPI(title="signlang", docs_url=None, redoc_url=None)
    app.add_middleware(BodyLimit, limit=int(serve.max_upload_mb * MB))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError):
        return _error(exc.status, exc.message)

    @app.exception_handler(InputFileError)
    async def _input_error(request: Request, exc: InputFileError):
        return _error(422, exc.problem)  # the path is a server-side temporary file

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        return _error(422, str(exc.errors()))

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "classes": list(bundle.classes), "sequence_length": bundle.spec.sequence_length,
                "model": model or str(bundle.source)}

    @app.get("/config")
    async def config() -> dict:
        return {"client_fps": serve.client_fps, "frame_width": serve.frame_width, "jpeg_quality": serve.jpeg_quality,
                "classes": list(bundle.classes)}

    @app.post("/predict")
    async def predict(request: Request) -> dict:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json":
            return await asyncio.to_thread(predict_json, bundle, await request.body(), serve.max_frames, sentence)
        if kind == "multipart/form-data":
            return await _predict_upload(request, bundle, settings, serve, sentence)
        raise RequestError(415, "send application/json {\"frames\": [...]} or multipart/form-data with a video \"file\"")

    @app.websocket("/ws")
    async def live(websocket: WebSocket) -> None:
        await websocket.accept()
        session = await asyncio.to_thread(LiveSession, bundle, settings, serve, sentence)
        try:
            await _serve_session(websocket, session, int(serve.max_message_mb * MB))
        except WebSocketDisconnect:
            pass
        finally:
            await asyncio.to_thread(session.close)

    return app


async def _serve_session(websocket, session: LiveSession, max_bytes: int) -> None:
    """Answer each message: a JPEG frame -> a prediction; text "reset" clears the sentence."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        data, text = message.get("bytes"), message.get("text")
        if text is not None:
            if text.strip() in ("reset", '{"type": "reset"}', '{"type":"reset"}'):
                session.core.clear()
                await websocket.send_json({"sentence": [], "frames": session.frames})
            else:
                await websocket.send_json({"error": "send JPEG frames as binary messages, or the text 'reset'"})
            continue
        if data is None or len(data) > max_bytes:
            await websocket.send_json({"error": f"frame over the limit of {max_bytes / MB:g} MB", "status": 413})
            continue
        try:
            reply = await asyncio.to_thread(session.step, data)
        except RequestError as exc:
            reply = {"error": exc.message, "status": exc.status, "frames": session.frames}
        await websocket.send_json(reply)


# --------------------------------------------------------------------------- command


def configure(parser: argparse.ArgumentParser) -> None:
    from signlang.cli.model_option import add_model_argument

    add_model_argument(parser)
    parser.add_argument("--host", default=None, help="address to listen on (default params.yaml serve.host)")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default params.yaml serve.port)")
    parser.add_argument("--params", type=Path, default=paths.PARAMS_FILE,
                        help="params.yaml with the serve, sentence and extract sections (defaults when absent)")


def _load_settings(path: Path) -> tuple["ServeParams", "SentenceParams", HolisticSettings]:
    from realtime.settings import SentenceParams, ServeParams
    from signlang.features.settings import ExtractParams
    from signlang.settings import load_sections

    if not path.is_file():
        return ServeParams(), SentenceParams(), HolisticSettings()
    params = load_sections(path, serve=ServeParams, sentence=SentenceParams, extract=ExtractParams)
    return params.serve, params.sentence, HolisticSettings.from_params(params.extract)


def load_served_bundle(args: argparse.Namespace) -> tuple[Bundle, str]:
    """The bundle `--model` names (signlang/serving/resolve.py, as live and evaluate), and how
    /health describes it."""
    from signlang.serving.resolve import load_bundle

    return load_bundle(args.model)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    serve, sentence, settings = _load_settings(args.params)
    host = args.host or serve.host
    port = serve.port if args.port is None else args.port
    if not 0 <= port <= 65535:
        raise SignlangError(f"--port: {port} is not a port number (0-65535)")
    bundle, model = load_served_bundle(args)
    app = create_app(bundle, serve, settings, model, sentence)
    print(f"serve: {model} ({len(bundle.classes)} classes) on http://{host}:{port}/", flush=True)
    # Messages up to twice the limit get a JSON error; bigger ones close the connection (1009).
    uvicorn.run(app, host=host, port=port, log_level="warning", ws_max_size=int(2 * serve.max_message_mb * MB))
    return 0
