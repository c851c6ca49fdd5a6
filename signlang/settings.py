"""params.yaml: read it and validate the sections a command uses.

Each section's schema lives beside the code it drives (`signlang.data.ingest.IngestParams`,
`signlang.models.settings.TrainParams`, `realtime.settings.ServeParams`, ...); this module only
reads the file, refuses a section name nobody knows, and validates the sections asked for,
naming the key of any bad value. A command validates its own sections and no others, so a bad
`capture.codec` stops `signlang capture`, never the ingest stage.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from signlang import paths
from signlang.errors import ParamsError

# Every top-level section params.yaml may hold: the pipeline's (one per stage or library part)
# and the apps' (signlang live, serve, capture). A name outside this list is a typo.
PIPELINE_SECTIONS = ("ingest", "extract", "features", "split", "train", "evaluate", "export", "segment",
                     "audit", "crossval")
APP_SECTIONS = ("serve", "live", "sentence", "speech", "capture")
KNOWN_SECTIONS = PIPELINE_SECTIONS + APP_SECTIONS

SectionT = TypeVar("SectionT", bound=BaseModel)


class Section(BaseModel):
    """Base of every section schema: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def describe_error(error: dict, prefix: str = "") -> str:
    """One pydantic error as `section.key: message (got value)`."""
    key = ".".join(str(part) for part in (*([prefix] if prefix else []), *error["loc"])) or "(top level)"
    message = error["msg"]
    if error["type"] not in ("missing", "value_error") and "input" in error:
        message = f"{message} (got {error['input']!r})"
    return f"{key}: {message}"


def validation_error(source: str, exc: ValidationError, prefix: str = "") -> ParamsError:
    problems = "\n  ".join(describe_error(error, prefix) for error in exc.errors())
    return ParamsError(f"{source}: invalid parameters:\n  {problems}")


def read_params_file(path: str | Path = paths.PARAMS_FILE) -> dict:
    """The params file as a mapping of sections; refuses a missing file, bad YAML and unknown
    section names."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: parameters file not found (run from the project root)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping of sections, got {type(raw).__name__}")
    check_section_names(raw, str(path))
    return raw


def check_section_names(raw: dict, source: str) -> None:
    """Refuse a top-level name that is no section (a typo would otherwise be ignored)."""
    unknown = sorted(str(name) for name in raw if name not in KNOWN_SECTIONS)
    if unknown:
        raise ParamsError(f"{source}: unknown section {', '.join(unknown)}; known: {', '.join(KNOWN_SECTIONS)}")


def parse_section(raw: dict, name: str, schema: type[SectionT], source: str = str(paths.PARAMS_FILE)) -> SectionT:
    """Section `name` of a params mapping, validated by `schema`; a missing section takes the
    schema's defaults (and is refused when the schema has required keys)."""
    try:
        return schema.model_validate(raw.get(name) or {})
    except ValidationError as exc:
        raise validation_error(source, exc, name) from None


def load_section(name: str, schema: type[SectionT], path: str | Path = paths.PARAMS_FILE) -> SectionT:
    """One validated section of the params file."""
    return parse_section(read_params_file(path), name, schema, str(path))


def load_sections(path: str | Path = paths.PARAMS_FILE, **schemas: type[BaseModel]) -> SimpleNamespace:
    """The named sections of the params file, validated, as attributes:
    `load_sections(train=TrainParams, features=FeatureParams).train`."""
    raw = read_params_file(path)
    return SimpleNamespace(**{name: parse_section(raw, name, schema, str(path)) for name, schema in schemas.items()})
