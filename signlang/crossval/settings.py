"""The `crossval` section of params.yaml (`signlang cv`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from signlang.data.settings import SourceParams
from signlang.models.settings import PRESET_NAMES
from signlang.settings import Section


class CrossValParams(Section):
    # The samples to cross-validate (as ingest.sources, read with ingest's rules); None: ingest.sources.
    sources: list[SourceParams] | None = None
    # Signers with fewer windows only train, never tested (too few to score a person).
    min_signer_windows: int = Field(default=10, ge=1)
    folds: int = Field(default=5, ge=2)
    seed: int = 42
    epochs: int = Field(default=15, gt=0)
    # Preset names, each optionally with ":raw" (raw coordinates, no augmentation).
    presets: list[str] = Field(default_factory=lambda: ["tutorial:raw", "stats"], min_length=1)
    val_signers: int = Field(default=0, ge=0)
    early_stopping_patience: int = Field(default=0, ge=0)
    # 0 = off; else inner folds of the nested selection among `presets` (signlang.crossval.scoring).
    nested_folds: int = Field(default=3, ge=0)
    select_metric: Literal["accuracy", "macro_f1"] = "macro_f1"
    failed_block_accuracy: float = Field(default=0.2, ge=0.0, le=1.0)
    out: str = "reports/cv"
    # The MLflow experiment every run is logged to (parent run, a child per configuration and fold).
    experiment: str = Field(default="signlang-cv", min_length=1)

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
