"""Every pipeline section of params.yaml at once, for the commands that span sections (`signlang
cv`, `signlang audit <folders>`, the benchmarks, tests). Pipeline stages never import it: each
loads its own sections (`signlang.settings.load_sections`), so a change to one schema reruns
only the stages that read that section.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from signlang import paths
from signlang.audit.settings import AuditParams
from signlang.crossval.settings import CrossValParams
from signlang.data.settings import IngestParams, SplitParams
from signlang.features.settings import ExtractParams
from signlang.features.spec import FeatureParams
from signlang.metrics.settings import EvaluateParams
from signlang.models.settings import TrainParams
from signlang.serving.settings import ExportParams, SegmentParams
from signlang.settings import Section, check_section_names, read_params_file, validation_error


class Params(Section):
    """The pipeline's sections; the apps' (serve, live, sentence, speech, capture) are not here."""

    ingest: IngestParams
    extract: ExtractParams
    features: FeatureParams
    split: SplitParams
    train: TrainParams
    evaluate: EvaluateParams
    export: ExportParams
    segment: SegmentParams = Field(default_factory=SegmentParams)
    crossval: CrossValParams = Field(default_factory=CrossValParams)
    audit: AuditParams = Field(default_factory=AuditParams)

    @model_validator(mode="after")
    def _face_extracted_when_used(self) -> Params:
        if "face" in self.features.parts and not self.extract.face:
            raise ValueError("features.parts includes 'face' but extract.face is false: set extract.face: true")
        return self


def parse_params(raw: dict, source: str = str(paths.PARAMS_FILE)) -> Params:
    """Validate the pipeline sections of a params mapping (the apps' are left to the apps);
    raise ParamsError listing every bad key."""
    check_section_names(raw, source)
    try:
        return Params.model_validate({name: value for name, value in raw.items() if name in Params.model_fields})
    except ValidationError as exc:
        raise validation_error(source, exc) from None


def load_params(path: str | Path = paths.PARAMS_FILE) -> Params:
    """Read params.yaml and validate its pipeline sections."""
    return parse_params(read_params_file(path), str(path))
