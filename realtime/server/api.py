"""The HTTP API's schema: the bodies /predict takes and every JSON answer, as pydantic models, so
/openapi.json and /docs describe them. Shapes only: no numbers are computed here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from signlang.data.layout import FULL_SIZE, NO_FACE_SIZE


class PredictFrames(BaseModel):
    """`POST /predict` as JSON: keypoint frames already extracted (MediaPipe Holistic's order)."""

    model_config = ConfigDict(extra="forbid")

    frames: list[list[float]] = Field(
        min_length=1, description=f"one row per frame, every row {FULL_SIZE} values (pose, face, left and right hand) "
                                  f"or {NO_FACE_SIZE} (no face), all finite; a part not seen in a frame is all zeros")
    fps: float | None = Field(default=None, gt=0, allow_inf_nan=False,
                              description="the frames' rate, for the words' times (default: params.yaml live.fallback_fps)")

    @field_validator("frames")
    @classmethod
    def _one_layout(cls, frames: list[list[float]]) -> list[list[float]]:
        widths = sorted({len(row) for row in frames})
        if len(widths) != 1 or widths[0] not in (FULL_SIZE, NO_FACE_SIZE):
            raise ValueError(f"every frame must have {FULL_SIZE} or {NO_FACE_SIZE} values; got widths {widths[:5]}")
        return frames  # NaN and infinite values: refused once the frames are an array (predict.keypoint_frames)


class ScoredClass(BaseModel):
    label: str = Field(description="a class of the bundle")
    p: float = Field(ge=0.0, le=1.0, description="its probability, rounded to 4 digits")


class TimedWord(BaseModel):
    label: str
    p: float = Field(ge=0.0, le=1.0, description="the sign's top probability")
    start_s: float = Field(description="the sign's first frame, seconds from the clip's start")
    end_s: float = Field(description="the end of the sign's last frame, seconds from the clip's start")


class PredictAnswer(BaseModel):
    """The whole clip as one window (the training preprocessing) and the sentence the live core
    makes of its frames."""

    top3: list[ScoredClass] = Field(description="the three most probable classes, best first; empty when no hand is "
                                                "seen in any frame (no sign)")
    label: str | None = Field(description="top3's first label; null when no sign")
    hand_visible: bool = Field(description="a hand is seen in at least one frame")
    sentence: list[str] = Field(description="the words the live core decodes from the frames, in order")
    words: list[TimedWord] = Field(description="the sentence's words with their times")
    frames: int = Field(ge=0, description="frames read from the clip or the body")


class ErrorAnswer(BaseModel):
    """Every refusal: 4xx for a request the server cannot use, 503 when it is full or shutting down."""

    error: str = Field(description="what is wrong, in plain words")


class Health(BaseModel):
    status: str = Field(description='"ok"; "shutting down" (with status 503) once the server drains')
    classes: list[str]
    sequence_length: int
    model: str = Field(description="the bundle served: its folder or models:/<name>@<alias>")
    live_sessions: int = Field(ge=0, description="WebSocket sessions open now")
    max_sessions: int = Field(ge=1, description="params.yaml serve.max_sessions")
    predict_running: int = Field(ge=0, description="/predict requests running now (at most serve.predict_workers)")
    predict_waiting: int = Field(ge=0, description="/predict requests waiting now (at most serve.predict_queue)")


class PageConfig(BaseModel):
    """What the page needs to send its frames."""

    client_fps: float
    frame_width: int
    jpeg_quality: float
    classes: list[str]


# Every refusal /predict can answer, for /openapi.json.
PREDICT_ERRORS = {
    400: "the body is not valid JSON or multipart",
    413: "the body, the clip or the keypoint sequence is over the limits (serve.max_upload_mb, serve.max_frames)",
    415: "neither application/json nor multipart/form-data",
    422: "the body, clip or frames cannot be used (the error says why)",
    503: "all workers and queue places are taken, a request waited too long, or the server is shutting down; "
         "try again after Retry-After seconds",
}
RETRY_AFTER_HEADER = {"Retry-After": {"description": "seconds to wait before trying again (serve.retry_after_s)",
                                      "schema": {"type": "integer"}}}


def predict_openapi() -> dict:
    """The /predict request body as /openapi.json states it: the JSON model or a multipart clip."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": PredictFrames.model_json_schema()},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary",
                                    "description": "a video clip (any format OpenCV reads: mp4, webm, avi, ...)"}}}},
    }}}


def predict_responses() -> dict:
    """/predict's refusals for /openapi.json (200 comes from the response model)."""
    return {status: {"model": ErrorAnswer, "description": text, **({"headers": RETRY_AFTER_HEADER} if status == 503 else {})}
            for status, text in PREDICT_ERRORS.items()}
