"""/predict's request bodies -> the domain's calls: JSON through the `PredictFrames` model, a
multipart clip through a temporary file. Each `answer_*` function is a whole job for the
/predict queue (parsing included, so a large body never blocks the event loop)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pydantic import ValidationError

from realtime.server.api import PredictFrames
from realtime.server.predict import ClipRefused, ClipRules, predict_frames, predict_video

if TYPE_CHECKING:
    from signlang.serving.bundle import Bundle

JSON, MULTIPART = "application/json", "multipart/form-data"
SHOWN_ERRORS = 3  # validation errors spelled out; the rest are counted


class RequestError(Exception):
    """A request refused before any domain code runs: answered as {"error": message} with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def content_kind(content_type: str) -> str:
    """`application/json` or `multipart/form-data`; 415 for anything else."""
    kind = content_type.split(";")[0].strip().lower()
    if kind not in (JSON, MULTIPART):
        raise RequestError(415, f'send {JSON} {{"frames": [...]}} or {MULTIPART} with a video "file"')
    return kind


def describe_validation(exc: ValidationError) -> str:
    """A model's validation errors in one line: the first few with where, then a count."""
    errors = exc.errors(include_url=False, include_input=False)
    shown = []
    for error in errors[:SHOWN_ERRORS]:
        where = ".".join(str(part) for part in error["loc"])
        shown.append(f"{where}: {error['msg']}" if where else error["msg"])
    more = f" (and {len(errors) - SHOWN_ERRORS} more)" if len(errors) > SHOWN_ERRORS else ""
    return "; ".join(shown) + more


def parse_frames_body(body: bytes) -> PredictFrames:
    """A JSON body -> the request model; 400 when it is not JSON, 422 when it is the wrong shape."""
    try:
        return PredictFrames.model_validate_json(body)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise RequestError(400, f"malformed JSON: {describe_validation(exc)}") from None
        raise RequestError(422, describe_validation(exc)) from None


def answer_json(bundle: Bundle, body: bytes, rules: ClipRules) -> dict:
    """The /predict job for a JSON body."""
    request = parse_frames_body(body)
    return predict_frames(bundle, request.frames, request.fps, rules)


def answer_upload(bundle: Bundle, upload: BinaryIO, filename: str, rules: ClipRules) -> dict:
    """The /predict job for an uploaded clip: copied to a temporary file OpenCV can open."""
    suffix = Path(filename or "clip.mp4").suffix[:8] or ".mp4"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        upload.seek(0)
        shutil.copyfileobj(upload, handle)
        handle.flush()
        if handle.tell() == 0:
            raise ClipRefused("the uploaded file is empty")
        return predict_video(bundle, Path(handle.name), rules)
