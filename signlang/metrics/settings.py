"""The `evaluate` section of params.yaml."""

from __future__ import annotations

from pydantic import Field

from signlang.settings import Section


class EvaluateParams(Section):
    batch_size: int = Field(default=256, gt=0)
    # The intervals of signlang.metrics.intervals: signer resamples, confidence, seed.
    bootstrap_resamples: int = Field(default=2000, ge=100)
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0)
    bootstrap_seed: int = Field(default=0, ge=0)
    # The worst signer is the worst among signers with at least this many windows of the subset.
    min_signer_windows: int = Field(default=10, ge=1)
