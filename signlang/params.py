"""Load and validate params.yaml before any work starts.

Every knob of the pipeline lives in params.yaml; this module turns it into typed objects
and refuses a bad value up front, naming the key and the allowed values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from signlang import paths
from signlang.errors import ParamsError

KEYPOINT_PARTS = ("pose", "face", "left_hand", "right_hand")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceParams(_Section):
    path: str
    metadata: str | None = None
    signer_pattern: str | None = None


class ExcludeRule(_Section):
    """Leave out a signer's samples: all of them, or only those of one class (`label`, the
    class after label_aliases and relabel)."""

    signer: str = Field(min_length=1)
    label: str | None = Field(default=None, min_length=1)


class RelabelRule(_Section):
    """Give a signer's samples from one source folder (the manifest's raw_label: the <label>
    folder of videos and MP_Data, an npz file's source_action) another class."""

    signer: str = Field(min_length=1)
    folder: str = Field(min_length=1)
    label: str = Field(min_length=1)


class IngestParams(_Section):
    sources: list[SourceParams] = Field(min_length=1)
    signer_pattern: str | None = None
    # params.yaml's (the starter data's spellings); {} maps nothing.
    label_aliases: dict[str, list[str]] = Field(default_factory=lambda: {
        "thanks": ["thank you", "thankyou", "thank_you", "thanks", "thank"],
        "iloveyou": ["i love you", "iloveyou", "i_love_you", "love you"],
    })
    include_labels: list[str] = Field(default_factory=list)
    # 1 keeps every class.
    min_samples_per_class: int = Field(default=10, ge=1)
    # skip: unusable samples are listed with the reason and the run goes on; strict: stop.
    on_error: Literal["skip", "strict"] = "skip"
    # A person's decisions after `signlang audit` (never applied by the audit itself).
    exclude: list[ExcludeRule] = Field(default_factory=list)
    relabel: list[RelabelRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _decisions_unique(self) -> IngestParams:
        for key, rules, fields in (("exclude", self.exclude, ("signer", "label")),
                                   ("relabel", self.relabel, ("signer", "folder"))):
            seen = [tuple(getattr(rule, name) for name in fields) for rule in rules]
            twice = sorted({item for item in seen if seen.count(item) > 1}, key=str)
            if twice:
                raise ValueError(f"{key}: {dict(zip(fields, twice[0]))} is listed twice")
        return self


class ExtractParams(_Section):
    min_detection_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    min_tracking_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    max_frame_side: int = Field(default=640, ge=0)
    face: bool = False
    workers: int = -1
    backend: Literal["loky", "multiprocessing", "threading", "sequential", "dask"] = "loky"
    scheduler_address: str | None = None
    min_decoded_fraction: float = Field(default=0.75, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _workers_not_zero(self) -> ExtractParams:
        if self.workers == 0:
            raise ValueError("workers must be -1 (all cores) or a positive count, not 0")
        return self


# What a preprocess.json key that an older bundle lacks meant (each step off: raw coordinates).
BUNDLE_DEFAULTS_BEFORE_KEY: dict[str, object] = {
    "sequence_length": 30, "resample": "nearest", "trim_no_hand_frames": True, "normalisation": "none",
    "body_reference": "frame", "hand_shape": False, "hand_position": False, "pose_landmarks": "all",
    "missing_hands": "zero", "max_gap": 0, "hand_flags": False, "hand_distances": False, "velocity": False,
    "mirror": "none",
}


class FeatureParams(_Section):
    """The `features` section, which is also the preprocessing spec: the steps that turn keypoint
    frames into one model input window (signlang.features.keypoints), saved in the exported bundle as
    preprocess.json so evaluation, export and live inference apply exactly these. The defaults are
    params.yaml's; `FeatureParams.raw` is the source projects' raw coordinates (every step off).
    `feature_size` is the width of the raw window (the dataset's), `output_size` the width of the
    model input."""

    parts: tuple[Literal["pose", "face", "left_hand", "right_hand"], ...] = Field(min_length=1)
    sequence_length: int = Field(default=30, ge=2)
    resample: Literal["nearest", "linear"] = "nearest"
    trim_no_hand_frames: bool = True
    normalisation: Literal["none", "body"] = "body"
    body_reference: Literal["frame", "window"] = "frame"
    hand_shape: bool = True
    hand_position: bool = True
    pose_landmarks: Literal["all", "upper"] = "upper"
    missing_hands: Literal["zero", "interpolate"] = "zero"
    max_gap: int = Field(default=0, ge=0)
    hand_flags: bool = True
    hand_distances: bool = True
    velocity: bool = False
    mirror: Literal["none", "left_dominant"] = "left_dominant"

    @classmethod
    def raw(cls, parts: Sequence[str], **overrides) -> FeatureParams:
        """Raw coordinates of `parts`, every normalise step off (the source projects' windows;
        idle frames trimmed, nearest resampling, 30 frames), with `overrides` on top."""
        return cls.model_validate({**BUNDLE_DEFAULTS_BEFORE_KEY, "parts": parts, **overrides})

    @property
    def feature_size(self) -> int:
        """Values per frame of the raw window (the dataset's width)."""
        from signlang.features.keypoints import feature_size

        return feature_size(self.parts)

    @property
    def output_size(self) -> int:
        """Values per frame after `normalise`: the model's input width (the one source of truth)."""
        import numpy as np

        from signlang.features.keypoints import normalise

        probe = np.zeros((1, 2, self.feature_size), dtype=np.float32)
        return int(normalise(probe, self).shape[-1])

    def to_dict(self) -> dict:
        """preprocess.json's content: the fields, plus the two derived widths for readers."""
        return {**self.model_dump(mode="json"), "feature_size": self.feature_size, "output_size": self.output_size}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureParams:
        """Back from `to_dict` (the derived widths are ignored; validated like params.yaml). A key
        missing (a bundle written before it existed) means what it meant then: BUNDLE_DEFAULTS_BEFORE_KEY."""
        known = {key: value for key, value in data.items() if key in cls.model_fields}
        return cls.model_validate({**BUNDLE_DEFAULTS_BEFORE_KEY, **known})

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> FeatureParams:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    @model_validator(mode="after")
    def _parts_unique(self) -> FeatureParams:
        if len(set(self.parts)) != len(self.parts):
            raise ValueError(f"parts lists a part twice: {self.parts}")
        return self

    @model_validator(mode="after")
    def _steps_have_their_parts(self) -> FeatureParams:
        if self.normalisation == "body" and "pose" not in self.parts:
            raise ValueError("normalisation 'body' needs 'pose' in parts (the shoulders are the reference)")
        if self.hand_position and not self.hand_shape:
            raise ValueError("hand_position is the wrist kept beside hand_shape: set hand_shape: true")
        if self.missing_hands == "interpolate" and self.max_gap == 0:
            raise ValueError("missing_hands 'interpolate' needs max_gap >= 1 (frames)")
        return self


class SplitParams(_Section):
    train: float = Field(gt=0.0, lt=1.0)
    val: float = Field(ge=0.0, lt=1.0)
    test: float = Field(gt=0.0, lt=1.0)
    strategy: Literal["by_signer", "stratified"] = "by_signer"
    seed: int = 42

    @model_validator(mode="after")
    def _fractions_sum_to_one(self) -> SplitParams:
        total = self.train + self.val + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"train + val + test must add up to 1, got "
                f"{self.train} + {self.val} + {self.test} = {total:g}"
            )
        return self


class AugmentParams(_Section):
    """Random changes to raw training windows, fresh each epoch; 0 / false turns one off."""

    enabled: bool = True
    time_stretch: float = Field(default=0.2, ge=0.0, lt=1.0)
    frame_drop: float = Field(default=0.1, ge=0.0, lt=1.0)
    rotation_degrees: float = Field(default=10.0, ge=0.0, le=45.0)
    scale: float = Field(default=0.1, ge=0.0, lt=1.0)
    shift: float = Field(default=0.05, ge=0.0, le=0.5)
    mirror: float = Field(default=0.0, ge=0.0, le=1.0)
    noise: float = Field(default=0.005, ge=0.0, le=0.1)
    shear: float = Field(default=0.0, ge=0.0, le=1.0)
    time_mask: float = Field(default=0.0, ge=0.0, lt=1.0)
    pose_drop: float = Field(default=0.2, ge=0.0, le=1.0)
    hand_drop: float = Field(default=0.2, ge=0.0, le=1.0)


PRESET_NAMES = ("tutorial", "lstm", "gru", "bigru", "conv_lstm", "conv", "transformer", "stats")


class TrainParams(_Section):
    preset: Literal["tutorial", "lstm", "gru", "bigru", "conv_lstm", "conv", "transformer", "stats"] = "transformer"
    epochs: int = Field(gt=0)
    batch_size: int = Field(gt=0)
    seed: int = 42
    optimizer: Literal["adam", "sgd"] = "adam"
    learning_rate: float = Field(gt=0.0)
    momentum: float = Field(default=0.9, ge=0.0, lt=1.0)
    lr_schedule: Literal["constant", "cosine", "step"] = "constant"
    step_epochs: int = Field(default=20, gt=0)
    step_factor: float = Field(default=0.5, gt=0.0, le=1.0)
    dropout: float = Field(default=0.2, ge=0.0, lt=1.0)
    l2: float = Field(default=0.001, ge=0.0)
    layer_norm: bool = True
    early_stopping_patience: int = Field(default=15, ge=0)
    class_weights: bool = True
    balance_signers: bool = True
    # median: a block under the class's median block size weighs in proportion; none: every block the same.
    signer_block_cap: Literal["median", "none"] = "none"
    label_smoothing: float = Field(default=0.0, ge=0.0, lt=1.0)
    late_dropout: float = Field(default=0.0, ge=0.0, lt=1.0)
    late_dropout_epoch: int = Field(default=1, ge=1)
    drop_path: float = Field(default=0.0, ge=0.0, lt=1.0)
    awp: float = Field(default=0.0, ge=0.0, le=1.0)
    awp_epoch: int = Field(default=6, ge=1)
    ensemble: int = Field(default=1, ge=1, le=8)
    # > 0: keep an exponential moving average of the weights (this momentum per step) and use it.
    ema_momentum: float = Field(default=0.99, ge=0.0, lt=1.0)
    augment: AugmentParams = Field(default_factory=AugmentParams)

    @model_validator(mode="after")
    def _ema_without_awp(self) -> TrainParams:
        if self.ema_momentum > 0 and self.awp > 0:
            # AWP's step moves the weights before the optimizer's step, which would average them moved.
            raise ValueError("ema_momentum and awp cannot both be on: set one of them to 0")
        return self


def _starter_video_sources() -> list[SourceParams]:
    clips = "../shared/data/videos/clips.csv"
    return [SourceParams(path="../shared/data/videos/asl-starter", metadata=clips),
            SourceParams(path="../shared/data/videos/more/asl", metadata=clips)]


class CrossValParams(_Section):
    data: str = "../shared/data/keypoints/multisigner-258"
    # Sources (as ingest.sources) whose samples join every fold's training side and are never tested.
    extra_training: list[SourceParams] = Field(default_factory=_starter_video_sources)
    folds: int = Field(default=5, ge=2)
    seed: int = 42
    epochs: int = Field(default=15, gt=0)
    # Preset names, each optionally with ":raw" (raw coordinates, no augmentation).
    presets: list[str] = Field(default_factory=lambda: ["tutorial:raw", "stats"], min_length=1)
    val_signers: int = Field(default=0, ge=0)
    early_stopping_patience: int = Field(default=0, ge=0)
    # 0 = off; else inner folds of the nested selection among `presets` (signlang.models.crossval).
    nested_folds: int = Field(default=3, ge=0)
    select_metric: Literal["accuracy", "macro_f1"] = "macro_f1"
    label_aliases: dict[str, list[str]] | None = None
    min_samples_per_class: int = Field(default=10, ge=1)
    failed_block_accuracy: float = Field(default=0.2, ge=0.0, le=1.0)
    out: str = "reports/cv"

    @model_validator(mode="after")
    def _known_presets(self) -> CrossValParams:
        for name in self.presets:
            base = name[: -len(":raw")] if name.endswith(":raw") else name
            if base not in PRESET_NAMES:
                raise ValueError(
                    f"presets: unknown preset {name!r}; allowed: {', '.join(PRESET_NAMES)}, each optionally with ':raw'"
                )
        if self.nested_folds == 1:
            raise ValueError("nested_folds must be 0 (off) or at least 2")
        return self


class AuditParams(_Section):
    """`signlang audit` and the audit stage's rules (signlang/audit/folders.py); params.yaml explains each."""

    min_block_windows: int = Field(default=5, ge=1)
    no_hands_fraction: float = Field(default=0.6, gt=0.0, le=1.0)
    static_motion: float = Field(default=0.01, ge=0.0)
    static_ratio: float = Field(default=0.2, ge=0.0, le=1.0)
    hand_slots_fraction: float = Field(default=0.25, gt=0.0, le=1.0)
    layout_fraction: float = Field(default=0.5, gt=0.0, le=1.0)
    other_sign_fraction: float = Field(default=0.5, gt=0.0, le=1.0)
    other_sign_correct: float = Field(default=0.2, ge=0.0, lt=1.0)
    swap_fraction: float = Field(default=0.5, gt=0.0, le=1.0)
    misread_correct: float = Field(default=0.5, gt=0.0, le=1.0)
    foreign_share: float = Field(default=0.5, ge=0.0, lt=1.0)
    foreign_min_blocks: int = Field(default=2, ge=1)
    shrinkage: float = Field(default=0.2, ge=0.0, le=1.0)
    same_person_neighbours: float = Field(default=0.6, gt=0.0, le=1.0)
    same_person_min_signers: int = Field(default=5, ge=2)
    near_duplicate: float = Field(default=0.005, ge=0.0)
    figures: int = Field(default=12, ge=0)
    out: str = "reports/audit"


class EvaluateParams(_Section):
    batch_size: int = Field(default=256, gt=0)


class ExportParams(_Section):
    registered_model: str = Field(min_length=1)
    champion_alias: str = Field(min_length=1)
    promotion_metric: Literal["accuracy", "macro_f1", "macro_precision", "macro_recall"] = "macro_f1"
    # None (null): the worst signer plays no part in promotion.
    max_worst_signer_drop: float | None = Field(default=0.05, ge=0.0, le=1.0)


# Keys of live:/serve: that the shared sentence: section replaced, and where each went.
MOVED_TO_SENTENCE = {
    "threshold": "sentence.threshold", "agreeing_windows": "sentence.agreeing_windows",
    "no_sign_frames": "sentence.no_sign_frames", "classify_every": "sentence.stride",
    "window_frames": "sentence.window_frames",
    "min_frames": "sentence.window_frames (a window is classified once it is full)",
}


def _refuse_moved(values: object, section: str) -> object:
    """A key that moved to the `sentence:` section is refused, naming where it went."""
    found = [key for key in MOVED_TO_SENTENCE if isinstance(values, dict) and key in values]
    if found:
        where = "; ".join(f"{section}.{key} -> {MOVED_TO_SENTENCE[key]}" for key in found)
        raise ValueError(f"moved to the sentence: section that signlang live and serve share: {where}")
    return values


class SentenceParams(_Section):
    """The live core's rules (realtime/core.py), shared by `signlang live`, `signlang serve`
    and realtime/evaluate_clips.py."""

    window_frames: int = Field(default=0, ge=0)
    stride: int = Field(default=2, ge=1)
    no_sign_frames: int = Field(default=10, ge=1)
    threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    agreeing_windows: int = Field(default=3, ge=1)
    # segments: one word per sign found by the bundle's segmenter (signlang/serving/segment.py);
    # windows: the sentence builder over sliding windows (threshold, agreeing_windows).
    decoder: Literal["segments", "windows"] = "segments"

    @model_validator(mode="after")
    def _window_is_a_sequence(self) -> SentenceParams:
        if self.window_frames == 1:
            raise ValueError("window_frames must be 0 (the bundle's sequence_length) or at least 2")
        return self


class SegmentParams(_Section):
    """How the export stage derives the bundle's segmenter (signlang/serving/segment.py) from the
    training windows: the quantiles that become its thresholds, and its frame counts."""

    rest_quantile: float = Field(default=0.99, gt=0.0, lt=1.0)
    change_quantile: float = Field(default=0.9, gt=0.0, lt=1.0)
    change_frames: int = Field(default=6, ge=1)
    start_frames: int = Field(default=2, ge=1)
    end_frames: int = Field(default=4, ge=1)
    min_frames: int = Field(default=8, ge=1)
    max_frames: int = Field(default=90, ge=2)


class ServeParams(_Section):
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8000, ge=1, le=65535)
    client_fps: float = Field(default=10.0, gt=0.0, le=30.0)
    frame_width: int = Field(default=640, ge=64, le=1920)
    jpeg_quality: float = Field(default=0.7, gt=0.0, le=1.0)
    max_words: int = Field(default=8, ge=1)
    max_upload_mb: float = Field(default=50.0, gt=0.0)
    max_frames: int = Field(default=2000, ge=1)
    max_message_mb: float = Field(default=2.0, gt=0.0)

    @model_validator(mode="before")
    @classmethod
    def _sentence_keys_moved(cls, values: object) -> object:
        return _refuse_moved(values, "serve")


class LiveParams(_Section):
    track_ahead: int = Field(default=2, ge=0)
    fallback_fps: float = Field(default=30.0, gt=0.0)
    sentence_words_shown: int = Field(default=8, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _sentence_keys_moved(cls, values: object) -> object:
        return _refuse_moved(values, "live")


class SpeechParams(_Section):
    # An espeak-ng language or voice (`espeak-ng --voices`): en, vi, es, tr, ar, es-419, ...;
    # None (null): the engine's default voice.
    language: str | None = Field(default="en", min_length=1, pattern=r"^[A-Za-z0-9_+-]+$")


class CaptureParams(_Section):
    countdown_seconds: float = Field(default=3.0, ge=0.0)
    sample_seconds: float = Field(default=2.0, gt=0.0)
    pause_seconds: float = Field(default=1.0, ge=0.0)
    fallback_fps: float = Field(default=30.0, gt=0.0)
    codec: str = Field(default="mp4v", min_length=4, max_length=4)


class Params(_Section):
    ingest: IngestParams
    extract: ExtractParams
    features: FeatureParams
    split: SplitParams
    train: TrainParams
    evaluate: EvaluateParams
    export: ExportParams
    crossval: CrossValParams = Field(default_factory=CrossValParams)
    # Optional so params.yaml files written before `signlang audit` existed still load.
    audit: AuditParams = Field(default_factory=AuditParams)
    # Optional so params.yaml files written before `signlang serve` existed still load.
    serve: ServeParams = Field(default_factory=ServeParams)
    # Optional so params.yaml files written before `signlang live`/`capture` existed still load.
    live: LiveParams = Field(default_factory=LiveParams)
    capture: CaptureParams = Field(default_factory=CaptureParams)
    # `signlang live --speak` (optional: a params.yaml without it speaks English, `en`).
    speech: SpeechParams = Field(default_factory=SpeechParams)
    # The live core's rules, shared by live and serve (optional: a params.yaml without it loads).
    sentence: SentenceParams = Field(default_factory=SentenceParams)
    # The bundle's segmenter, derived by export (optional: a params.yaml without it loads).
    segment: SegmentParams = Field(default_factory=SegmentParams)

    @model_validator(mode="after")
    def _face_extracted_when_used(self) -> Params:
        if "face" in self.features.parts and not self.extract.face:
            raise ValueError("features.parts includes 'face' but extract.face is false: set extract.face: true")
        return self


def _describe(error: dict) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    message = error["msg"]
    if error["type"] == "literal_error":
        message = f"{message} (got {error['input']!r})"
    elif error["type"] not in ("missing", "value_error") and "input" in error:
        message = f"{message} (got {error['input']!r})"
    return f"{key}: {message}"


def parse_params(raw: dict, source: str = str(paths.PARAMS_FILE)) -> Params:
    """Validate a params mapping; raise ParamsError listing every bad key."""
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        problems = "\n  ".join(_describe(error) for error in exc.errors())
        raise ParamsError(f"{source}: invalid parameters:\n  {problems}") from None


def load_params(path: str | Path = paths.PARAMS_FILE) -> Params:
    """Read and validate params.yaml."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: parameters file not found (run from the project root)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping of sections, got {type(raw).__name__}")
    return parse_params(raw, str(path))


def check_sources_exist(ingest: IngestParams) -> None:
    """Refuse missing input folders before any work starts."""
    for index, source in enumerate(ingest.sources):
        if not Path(source.path).exists():
            raise ParamsError(f"ingest.sources[{index}].path: {source.path!r} does not exist")
        if source.metadata and not Path(source.metadata).is_file():
            raise ParamsError(
                f"ingest.sources[{index}].metadata: {source.metadata!r} does not exist"
            )
